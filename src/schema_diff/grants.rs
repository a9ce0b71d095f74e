//! Grants: made and revoked by the difference only; on an object just made, what PostgreSQL
//! gives by default is taken back first so that the target's grants are exactly what is left.

use std::collections::{BTreeMap, BTreeSet};

use super::Statement;
use super::context::{Ctx, Edit};
use super::model::{Body, Object, Schema};

fn at(object: &Object, sql: String) -> Statement {
    Statement {
        key: object.key.clone(),
        sql,
        hazard: None,
    }
}

fn privilege_list(privileges: &BTreeSet<String>, columns: &[String]) -> String {
    let cols = if columns.is_empty() {
        String::new()
    } else {
        format!(" ({})", columns.join(", "))
    };
    privileges
        .iter()
        .map(|p| format!("{p}{cols}"))
        .collect::<Vec<_>>()
        .join(", ")
}

struct GrantParts<'a> {
    on: &'a str,
    columns: &'a [String],
    grantee: &'a str,
}

fn parts(body: &Body) -> Option<(GrantParts<'_>, &BTreeSet<String>, &BTreeSet<String>)> {
    match body {
        Body::Grant {
            on,
            columns,
            grantee,
            privileges,
            grantable,
        } => Some((
            GrantParts {
                on,
                columns,
                grantee,
            },
            privileges,
            grantable,
        )),
        _ => None,
    }
}

fn grant(
    object: &Object,
    g: &GrantParts,
    privileges: &BTreeSet<String>,
    option: bool,
) -> Statement {
    let with = if option { " WITH GRANT OPTION" } else { "" };
    at(
        object,
        format!(
            "GRANT {} ON {} TO {}{with};",
            privilege_list(privileges, g.columns),
            g.on,
            g.grantee
        ),
    )
}

fn revoke(
    object: &Object,
    g: &GrantParts,
    privileges: &BTreeSet<String>,
    option: bool,
) -> Statement {
    let what = if option { "GRANT OPTION FOR " } else { "" };
    at(
        object,
        format!(
            "REVOKE {what}{} ON {} FROM {};",
            privilege_list(privileges, g.columns),
            g.on,
            g.grantee
        ),
    )
}

/// The word GRANT names an object of this kind with; `None` for kinds without privileges.
fn grant_word(object: &Object) -> Option<&'static str> {
    match &object.body {
        Body::Table { .. } | Body::View { .. } | Body::MaterializedView { .. } => Some("TABLE"),
        Body::Sequence { .. } => Some("SEQUENCE"),
        Body::Function {
            procedure: true, ..
        } => Some("PROCEDURE"),
        Body::Function { .. } => Some("FUNCTION"),
        Body::Enum { .. } | Body::Domain { .. } | Body::Composite { .. } => Some("TYPE"),
        Body::Schema => Some("SCHEMA"),
        _ => None,
    }
}

/// The privilege PostgreSQL gives PUBLIC on a function or type it makes.
fn public_default(object: &Object) -> Option<&'static str> {
    match &object.body {
        Body::Function { .. } => Some("EXECUTE"),
        Body::Enum { .. } | Body::Domain { .. } | Body::Composite { .. } => Some("USAGE"),
        _ => None,
    }
}

/// The roles holding privileges on whole objects of each kind (by GRANT's word), in either
/// schema: those `ALTER DEFAULT PRIVILEGES` may give privileges on a new object of the kind.
pub fn grantees_by_word(schemas: [&Schema; 2]) -> BTreeMap<String, BTreeSet<String>> {
    let mut by_word: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for object in schemas.iter().flat_map(|s| s.objects.values()) {
        if let Body::Grant {
            on,
            columns,
            grantee,
            ..
        } = &object.body
        {
            let word = on.split(' ').next().unwrap_or_default();
            if columns.is_empty() && grantee != "PUBLIC" {
                by_word
                    .entry(word.to_string())
                    .or_default()
                    .insert(grantee.clone());
            }
        }
    }
    by_word
}

/// An object just made holds what PostgreSQL gives by default: EXECUTE or USAGE to PUBLIC on
/// a function or type, and what default privileges give roles (which the model does not
/// hold). Taken back from the roles that hold privileges on objects of its kind and from
/// PUBLIC unless the target grants it; the target's grants on it are made after.
pub fn revoke_defaults(ctx: &Ctx, object: &Object) -> Option<Statement> {
    let word = grant_word(object)?;
    let mut roles: BTreeSet<String> = ctx.grantees_by_word.get(word).cloned().unwrap_or_default();
    let public_granted = ctx.to_graph.owned_of(&object.key).iter().any(|k| {
        matches!(
            ctx.to.get(k).map(|o| &o.body),
            Some(Body::Grant { grantee, .. }) if grantee == "PUBLIC"
        )
    });
    if public_default(object).is_some() && !public_granted {
        roles.insert("PUBLIC".into());
    }
    (!roles.is_empty()).then(|| {
        let roles: Vec<String> = roles.into_iter().collect();
        at(
            object,
            format!(
                "REVOKE ALL ON {word} {} FROM {};",
                object.key.name,
                roles.join(", ")
            ),
        )
    })
}

/// A grant PostgreSQL makes itself with its object (EXECUTE to PUBLIC on a new function).
fn made_by_default(ctx: &Ctx, object: &Object) -> bool {
    let Some((g, privileges, grantable)) = parts(&object.body) else {
        return false;
    };
    let Some(owner) = object.owner.as_ref() else {
        return false;
    };
    let made = ctx.from.get(owner).is_none()
        || ctx.replaced.contains(owner)
        || ctx.recreated.contains(owner);
    let default = ctx.to.get(owner).and_then(public_default);
    made && g.grantee == "PUBLIC"
        && g.columns.is_empty()
        && grantable.is_empty()
        && default.is_some_and(|privilege| privileges.len() == 1 && privileges.contains(privilege))
}

pub fn create_grant(ctx: &Ctx, object: &Object) -> Vec<Statement> {
    if made_by_default(ctx, object) {
        return Vec::new();
    }
    let Some((g, privileges, grantable)) = parts(&object.body) else {
        return Vec::new();
    };
    let plain: BTreeSet<String> = privileges.difference(grantable).cloned().collect();
    let mut statements = Vec::new();
    if !plain.is_empty() {
        statements.push(grant(object, &g, &plain, false));
    }
    if !grantable.is_empty() {
        statements.push(grant(object, &g, grantable, true));
    }
    statements
}

pub fn drop_grant(object: &Object) -> Vec<Statement> {
    let Some((g, privileges, _)) = parts(&object.body) else {
        return Vec::new();
    };
    if privileges.is_empty() {
        return Vec::new();
    }
    vec![revoke(object, &g, privileges, false)]
}

pub fn alter_grant(old: &Object, new: &Object) -> Edit {
    let mut edit = Edit::default();
    let (Some((_, old_privileges, old_grantable)), Some((g, privileges, grantable))) =
        (parts(&old.body), parts(&new.body))
    else {
        return edit;
    };
    let removed: BTreeSet<String> = old_privileges.difference(privileges).cloned().collect();
    if !removed.is_empty() {
        edit.release.push(revoke(old, &g, &removed, false));
    }
    let option_removed: BTreeSet<String> = old_grantable
        .intersection(privileges)
        .filter(|p| !grantable.contains(*p))
        .cloned()
        .collect();
    if !option_removed.is_empty() {
        edit.release.push(revoke(old, &g, &option_removed, true));
    }
    let added: BTreeSet<String> = privileges
        .difference(old_privileges)
        .filter(|p| !grantable.contains(*p))
        .cloned()
        .collect();
    if !added.is_empty() {
        edit.establish.push(grant(new, &g, &added, false));
    }
    let option_added: BTreeSet<String> = grantable.difference(old_grantable).cloned().collect();
    if !option_added.is_empty() {
        edit.establish.push(grant(new, &g, &option_added, true));
    }
    edit
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use crate::schema_diff::model::{Body, Key, Kind};
    use crate::schema_diff::testing::*;

    fn set(words: &[&str]) -> BTreeSet<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    fn grant(
        columns: &[&str],
        privileges: &[&str],
        grantable: &[&str],
    ) -> crate::schema_diff::model::Object {
        let cols = if columns.is_empty() {
            String::new()
        } else {
            format!(" ({})", columns.join(", "))
        };
        object(
            Kind::Grant,
            &format!("TABLE public.t{cols} TO app"),
            Some(Key::new(Kind::Table, "public.t")),
            Body::Grant {
                on: "TABLE public.t".into(),
                columns: columns.iter().map(|c| c.to_string()).collect(),
                grantee: "app".into(),
                privileges: set(privileges),
                grantable: set(grantable),
            },
        )
    }

    #[test]
    fn grants_change_by_their_difference() {
        let base = || vec![table("public.t")];
        let with = |g| {
            let mut objects = base();
            objects.push(g);
            schema(objects)
        };
        let changes = up_and_down(
            &schema(base()),
            &with(grant(&[], &["INSERT", "SELECT"], &["SELECT"])),
        );
        assert_eq!(
            sqls(&changes.main.up),
            [
                "GRANT INSERT ON TABLE public.t TO app;",
                "GRANT SELECT ON TABLE public.t TO app WITH GRANT OPTION;",
            ]
        );
        assert_eq!(
            sqls(&changes.main.down),
            ["REVOKE INSERT, SELECT ON TABLE public.t FROM app;"]
        );
        let changes = up_and_down(
            &with(grant(&[], &["INSERT", "SELECT"], &["SELECT"])),
            &with(grant(&[], &["SELECT", "UPDATE"], &[])),
        );
        assert_eq!(
            sqls(&changes.main.up),
            [
                "REVOKE INSERT ON TABLE public.t FROM app;",
                "REVOKE GRANT OPTION FOR SELECT ON TABLE public.t FROM app;",
                "GRANT UPDATE ON TABLE public.t TO app;",
            ]
        );
        let changes = up_and_down(
            &schema(base()),
            &with(grant(&["a", "b"], &["SELECT", "UPDATE"], &[])),
        );
        assert_eq!(
            sqls(&changes.main.up),
            ["GRANT SELECT (a, b), UPDATE (a, b) ON TABLE public.t TO app;"]
        );
    }

    #[test]
    fn grants_of_a_dropped_table_go_with_it_and_come_back_exactly() {
        let changes = up_and_down(
            &schema(vec![table("public.t"), grant(&[], &["SELECT"], &[])]),
            &schema(vec![]),
        );
        assert_eq!(sqls(&changes.main.up), ["DROP TABLE public.t;"]);
        assert_eq!(
            sqls(&changes.main.down),
            [
                "CREATE TABLE public.t ();",
                // What default privileges gave app on a new table is taken back first.
                "REVOKE ALL ON TABLE public.t FROM app;",
                "GRANT SELECT ON TABLE public.t TO app;"
            ]
        );
    }

    #[test]
    fn a_column_grant_is_made_after_its_column_and_revoked_before_it_goes() {
        let from = schema(vec![table("public.t")]);
        let mut added = needing(
            column("public.t", "a", "public.later", 1),
            &[Key::new(Kind::Type, "public.later")],
        );
        if let Body::Column { data_type, .. } = &mut added.body {
            *data_type = "public.later".into();
        }
        let later = object(
            Kind::Type,
            "public.later",
            None,
            Body::Composite {
                create: "CREATE TYPE public.later AS (x integer)".into(),
            },
        );
        let to = schema(vec![
            table("public.t"),
            added,
            later,
            grant(&["a"], &["SELECT"], &[]),
        ]);
        let changes = up_and_down(&from, &to);
        assert_eq!(
            sqls(&changes.main.up),
            [
                "CREATE TYPE public.later AS (x integer);",
                "ALTER TABLE public.t ADD COLUMN a public.later;",
                "GRANT SELECT (a) ON TABLE public.t TO app;",
            ]
        );
        assert_eq!(
            sqls(&changes.main.down),
            [
                "REVOKE SELECT (a) ON TABLE public.t FROM app;",
                "ALTER TABLE public.t DROP COLUMN a;",
                "DROP TYPE public.later;",
            ]
        );
    }

    #[test]
    fn a_new_function_keeps_public_s_default_only_when_the_target_has_it() {
        let f = function(
            "public.f()",
            "CREATE OR REPLACE FUNCTION public.f()\n RETURNS integer\n LANGUAGE sql\nAS $function$select 1$function$\n",
            "integer",
        );
        let changes = up_and_down(&schema(vec![]), &schema_without_defaults(vec![f.clone()]));
        assert_eq!(
            sqls(&changes.main.up)[1..],
            [
                "CREATE OR REPLACE FUNCTION public.f()\n RETURNS integer\n LANGUAGE sql\nAS $function$select 1$function$;",
                "REVOKE ALL ON FUNCTION public.f() FROM PUBLIC;",
            ]
        );
        assert_eq!(sqls(&changes.main.down), ["DROP FUNCTION public.f();"]);
        // With the default grant listed, nothing is granted: PostgreSQL does it.
        let changes = up_and_down(&schema(vec![]), &schema(vec![f.clone()]));
        assert_eq!(changes.main.up.len(), 2);
        // Taking it back from a kept function is a revoke of its own.
        let changes = up_and_down(&schema(vec![f.clone()]), &schema_without_defaults(vec![f]));
        assert_eq!(
            sqls(&changes.main.up),
            ["REVOKE EXECUTE ON FUNCTION public.f() FROM PUBLIC;"]
        );
        assert_eq!(
            sqls(&changes.main.down),
            ["GRANT EXECUTE ON FUNCTION public.f() TO PUBLIC;"]
        );
    }
}
