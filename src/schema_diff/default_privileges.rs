//! Default privileges: `ALTER DEFAULT PRIVILEGES FOR ROLE .. [IN SCHEMA ..] GRANT .. ON
//! FUNCTIONS TO ..`, and `REVOKE` by the difference. The roles they give to also hold what
//! every object made later gets, so a new object's grants are reset from them too (grants.rs).

use std::collections::{BTreeMap, BTreeSet};

use super::Statement;
use super::context::Edit;
use super::model::{Body, DefaultObjects, Object, Schema};

/// A default privilege's parts.
struct Parts<'a> {
    /// `FOR ROLE .. [IN SCHEMA ..]`.
    target: String,
    on: DefaultObjects,
    grantee: &'a str,
    privileges: &'a BTreeSet<String>,
    grantable: &'a BTreeSet<String>,
}

fn parts(body: &Body) -> Option<Parts<'_>> {
    match body {
        Body::DefaultPrivilege {
            role,
            schema,
            on,
            grantee,
            privileges,
            grantable,
        } => Some(Parts {
            target: match schema {
                Some(schema) => format!("FOR ROLE {role} IN SCHEMA {schema}"),
                None => format!("FOR ROLE {role}"),
            },
            on: *on,
            grantee,
            privileges,
            grantable,
        }),
        _ => None,
    }
}

fn list(privileges: &BTreeSet<String>) -> String {
    privileges.iter().cloned().collect::<Vec<_>>().join(", ")
}

fn at(object: &Object, sql: String) -> Statement {
    Statement {
        key: object.key.clone(),
        sql,
        hazard: None,
    }
}

/// What a statement does to the privileges it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Change {
    Grant,
    GrantWithOption,
    Revoke,
    RevokeOption,
}

/// `ALTER DEFAULT PRIVILEGES .. GRANT` or `.. REVOKE` of `privileges`; nothing for none.
fn change(object: &Object, privileges: &BTreeSet<String>, change: Change) -> Option<Statement> {
    let Parts {
        target,
        on,
        grantee,
        ..
    } = parts(&object.body)?;
    let (list, on) = (list(privileges), on.word());
    let sql = match change {
        Change::Grant => format!("GRANT {list} ON {on} TO {grantee}"),
        Change::GrantWithOption => format!("GRANT {list} ON {on} TO {grantee} WITH GRANT OPTION"),
        Change::Revoke => format!("REVOKE {list} ON {on} FROM {grantee}"),
        Change::RevokeOption => format!("REVOKE GRANT OPTION FOR {list} ON {on} FROM {grantee}"),
    };
    (!privileges.is_empty())
        .then(|| at(object, format!("ALTER DEFAULT PRIVILEGES {target} {sql};")))
}

pub fn create(object: &Object) -> Vec<Statement> {
    let Some(Parts {
        privileges,
        grantable,
        ..
    }) = parts(&object.body)
    else {
        return Vec::new();
    };
    let plain: BTreeSet<String> = privileges.difference(grantable).cloned().collect();
    change(object, &plain, Change::Grant)
        .into_iter()
        .chain(change(object, grantable, Change::GrantWithOption))
        .collect()
}

pub fn drop(object: &Object) -> Vec<Statement> {
    let Some(Parts { privileges, .. }) = parts(&object.body) else {
        return Vec::new();
    };
    change(object, privileges, Change::Revoke)
        .into_iter()
        .collect()
}

/// By the difference: privileges no longer given are revoked, new ones granted.
pub fn alter(old: &Object, new: &Object) -> Edit {
    let (Some(old_parts), Some(new_parts)) = (parts(&old.body), parts(&new.body)) else {
        return Edit::default();
    };
    let (before, before_option) = (old_parts.privileges, old_parts.grantable);
    let (after, after_option) = (new_parts.privileges, new_parts.grantable);
    let removed: BTreeSet<String> = before.difference(after).cloned().collect();
    let option_removed: BTreeSet<String> = before_option
        .intersection(after)
        .filter(|p| !after_option.contains(*p))
        .cloned()
        .collect();
    let added: BTreeSet<String> = after
        .difference(before)
        .filter(|p| !after_option.contains(*p))
        .cloned()
        .collect();
    let option_added: BTreeSet<String> = after_option.difference(before_option).cloned().collect();
    Edit {
        release: change(old, &removed, Change::Revoke)
            .into_iter()
            .chain(change(old, &option_removed, Change::RevokeOption))
            .collect(),
        establish: change(new, &added, Change::Grant)
            .into_iter()
            .chain(change(new, &option_added, Change::GrantWithOption))
            .collect(),
    }
}

/// The roles default privileges give to, by the word GRANT names the objects with
/// (`TABLE`, `FUNCTION`, ...): an object made later holds what they give.
pub fn grantees_by_word(schemas: [&Schema; 2]) -> BTreeMap<String, BTreeSet<String>> {
    let mut by_word: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for object in schemas.iter().flat_map(|s| s.objects.values()) {
        if let Some(Parts { on, grantee, .. }) = parts(&object.body) {
            let words: &[&str] = match on {
                DefaultObjects::Tables => &["TABLE"],
                DefaultObjects::Sequences => &["SEQUENCE"],
                DefaultObjects::Functions => &["FUNCTION", "PROCEDURE"],
                DefaultObjects::Types => &["TYPE"],
                DefaultObjects::Schemas => &["SCHEMA"],
            };
            if grantee != "PUBLIC" {
                for word in words {
                    by_word
                        .entry(word.to_string())
                        .or_default()
                        .insert(grantee.to_string());
                }
            }
        }
    }
    by_word
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema_diff::model::{Key, Kind};

    fn default_privilege(privileges: &[&str], grantable: &[&str]) -> Object {
        let set = |words: &[&str]| words.iter().map(|w| w.to_string()).collect();
        Object {
            key: Key::new(
                Kind::DefaultPrivilege,
                "FOR ROLE postgres IN SCHEMA public ON FUNCTIONS TO anon",
            ),
            owner: None,
            body: Body::DefaultPrivilege {
                role: "postgres".into(),
                schema: Some("public".into()),
                on: DefaultObjects::Functions,
                grantee: "anon".into(),
                privileges: set(privileges),
                grantable: set(grantable),
            },
            depends_on: BTreeSet::new(),
        }
    }

    fn sql(statements: &[Statement]) -> Vec<&str> {
        statements.iter().map(|s| s.sql.as_str()).collect()
    }

    #[test]
    fn default_privileges_are_granted_revoked_and_changed_by_their_difference() {
        let execute = default_privilege(&["EXECUTE"], &[]);
        assert_eq!(
            sql(&create(&execute)),
            [
                "ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public GRANT EXECUTE ON FUNCTIONS TO anon;"
            ]
        );
        assert_eq!(
            sql(&drop(&execute)),
            [
                "ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public REVOKE EXECUTE ON FUNCTIONS FROM anon;"
            ]
        );
        let optional = default_privilege(&["EXECUTE"], &["EXECUTE"]);
        let edit = alter(&execute, &optional);
        assert!(edit.release.is_empty());
        assert_eq!(
            sql(&edit.establish),
            [
                "ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public GRANT EXECUTE ON FUNCTIONS TO anon WITH GRANT OPTION;"
            ]
        );
        let edit = alter(&optional, &execute);
        assert_eq!(
            sql(&edit.release),
            [
                "ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public REVOKE GRANT OPTION FOR EXECUTE ON FUNCTIONS FROM anon;"
            ]
        );
    }

    #[test]
    fn the_roles_default_privileges_give_to_are_known_by_kind() {
        let mut schema = Schema::default();
        schema.insert(default_privilege(&["EXECUTE"], &[]));
        let by_word = grantees_by_word([&schema, &Schema::default()]);
        assert!(by_word["FUNCTION"].contains("anon"));
        assert!(by_word["PROCEDURE"].contains("anon"));
        assert!(!by_word.contains_key("TABLE"));
    }
}
