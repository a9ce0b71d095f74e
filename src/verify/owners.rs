//! Which column of a table holds the user who owns a row, found where Supabase apps keep it:
//! declared in `[verify.owners]` (which always wins), a primary key that references the
//! users (`profiles.id references auth.users`), a column referencing a users-like table, a
//! column referencing a table that is itself owned by the referenced key
//! (`posts.profile_id -> profiles.id -> auth.users`), or a column named like an owner.
//! A pure function of the catalog snapshot.

use std::collections::BTreeMap;

use serde::Serialize;

use super::catalog::{Catalog, ForeignKey, Table};

/// Table names (in any schema) whose rows are users.
const USERS_LIKE: [&str; 6] = [
    "users",
    "user",
    "account",
    "accounts",
    "profiles",
    "customers",
];

/// Column names that say "this row belongs to a user" when nothing else does.
const OWNER_NAMES: [&str; 8] = [
    "user_id",
    "owner_id",
    "user_hash",
    "owner",
    "author_id",
    "created_by",
    "account_id",
    "profile_id",
];

/// A table's owner column and how it was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Owner {
    pub column: String,
    /// `declared`, `primary key references auth.users`, `references public.users`,
    /// `references public.profiles.id, owned by auth.users`, `named like an owner`.
    pub found: String,
}

/// The owner column of every table that has one, by `schema.table`. A declaration names the
/// column, or with an empty string says the table has none.
pub fn resolve(catalog: &Catalog, declared: &BTreeMap<String, String>) -> BTreeMap<String, Owner> {
    // Tables owned directly (not through another table), the first step.
    let direct: BTreeMap<String, Owner> = catalog
        .tables
        .iter()
        .filter_map(|t| Some((t.qualified(), direct_owner(t, declared)?)))
        .collect();
    catalog
        .tables
        .iter()
        .filter_map(|table| {
            let name = table.qualified();
            if declared.contains_key(&name) {
                return direct.get(&name).cloned().map(|o| (name, o));
            }
            let owner = storage_objects(table)
                .or_else(|| keyed_by_users(table))
                .or_else(|| referencing_users(table))
                .or_else(|| through_owned(table, &direct))
                .or_else(|| named_like_owner(table))?;
            Some((name, owner))
        })
        .collect()
}

/// Declared, keyed by the users or referencing them: what the second step can go through.
fn direct_owner(table: &Table, declared: &BTreeMap<String, String>) -> Option<Owner> {
    if let Some(column) = declared.get(&table.qualified()) {
        return (!column.is_empty()).then(|| Owner {
            column: column.clone(),
            found: "declared".into(),
        });
    }
    keyed_by_users(table).or_else(|| referencing_users(table))
}

fn is_users_like(qualified: &str) -> bool {
    let name = qualified.rsplit('.').next().unwrap_or(qualified);
    USERS_LIKE.contains(&name)
}

fn single_column(fk: &ForeignKey) -> Option<&str> {
    (fk.columns.len() == 1).then(|| fk.columns[0].as_str())
}

/// Supabase Storage's objects carry both `owner` (uuid) and `owner_id` (text), both set from
/// the uploader's JWT; the one the policies compare is the owner.
fn storage_objects(table: &Table) -> Option<Owner> {
    if table.qualified() != "storage.objects" {
        return None;
    }
    let column = ["owner_id", "owner"].into_iter().find(|c| {
        table.column(c).is_some()
            && table.policies.iter().any(|p| {
                p.predicates()
                    .any(|e| super::checks::expr::mentions_column(e, c))
            })
    });
    let column = column.or_else(|| {
        ["owner", "owner_id"]
            .into_iter()
            .find(|c| table.column(c).is_some())
    })?;
    Some(Owner {
        column: column.into(),
        found: "Supabase Storage's owner of an object".into(),
    })
}

/// `profiles.id references auth.users`: the row is the user's, keyed by them.
fn keyed_by_users(table: &Table) -> Option<Owner> {
    let key = table.primary_key.as_ref()?;
    let fk = table.foreign_keys.iter().find(|fk| {
        fk.columns == *key && single_column(fk).is_some() && fk.references == "auth.users"
    })?;
    Some(Owner {
        column: fk.columns[0].clone(),
        found: format!("primary key references {}", fk.references),
    })
}

/// A column referencing a users-like table; among several, the one named most like an owner.
fn referencing_users(table: &Table) -> Option<Owner> {
    let candidates: Vec<&ForeignKey> = table
        .foreign_keys
        .iter()
        .filter(|fk| single_column(fk).is_some() && is_users_like(&fk.references))
        // A users table's own key referencing another users table is the user, not an owner.
        .filter(|fk| {
            Some(&fk.columns) != table.primary_key.as_ref() || !is_users_like(&table.qualified())
        })
        .collect();
    let fk = OWNER_NAMES
        .iter()
        .find_map(|name| candidates.iter().find(|fk| fk.columns[0] == *name))
        .or_else(|| candidates.first())?;
    Some(Owner {
        column: fk.columns[0].clone(),
        found: format!("references {}", fk.references),
    })
}

/// `posts.profile_id -> profiles.id` where `profiles.id` is itself the owner of profiles: the
/// value is the same user. One step only.
fn through_owned(table: &Table, direct: &BTreeMap<String, Owner>) -> Option<Owner> {
    table.foreign_keys.iter().find_map(|fk| {
        let column = single_column(fk)?;
        let owner = direct.get(&fk.references)?;
        (fk.referenced_columns == [owner.column.clone()] && fk.references != table.qualified())
            .then(|| Owner {
                column: column.to_string(),
                found: format!(
                    "references {}.{}, which is owned by it ({})",
                    fk.references, owner.column, owner.found
                ),
            })
    })
}

/// A conventional name counts unless the column points at some other table (`profile_id` of
/// a brand profile is not a user).
fn named_like_owner(table: &Table) -> Option<Owner> {
    OWNER_NAMES
        .iter()
        .find(|name| {
            table.column(name).is_some()
                && !table
                    .foreign_keys
                    .iter()
                    .any(|fk| fk.columns.iter().any(|c| c == *name))
        })
        .map(|name| Owner {
            column: name.to_string(),
            found: "named like an owner".into(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::checks::fixture::*;

    fn references(mut table: Table, column: &str, target: &str, target_column: &str) -> Table {
        if table.column(column).is_none() {
            table = with_column(table, column, "uuid");
        }
        table.foreign_keys.push(ForeignKey {
            name: format!("{}_{column}_fkey", table.name),
            columns: vec![column.into()],
            references: target.into(),
            referenced_columns: vec![target_column.into()],
        });
        table
    }

    fn in_schema(mut table: Table, schema: &str) -> Table {
        table.schema = schema.into();
        table
    }

    /// `(table, owner column)`, for every table of a catalog.
    type Found = Vec<(String, Option<String>)>;

    fn owners(tables: Vec<Table>, declared: &[(&str, &str)]) -> Found {
        let catalog = catalog(tables);
        let declared = declared
            .iter()
            .map(|(t, c)| (t.to_string(), c.to_string()))
            .collect();
        let found = resolve(&catalog, &declared);
        catalog
            .tables
            .iter()
            .map(|t| {
                let name = t.qualified();
                let column = found.get(&name).map(|o| o.column.clone());
                (name, column)
            })
            .collect()
    }

    fn some(table: &str, column: &str) -> (String, Option<String>) {
        (table.into(), Some(column.into()))
    }

    fn none(table: &str) -> (String, Option<String>) {
        (table.into(), None)
    }

    #[test]
    fn owners_are_found_where_supabase_apps_keep_them() {
        let profiles = references(table("profiles"), "id", "auth.users", "id");
        let members = references(table("members"), "id", "auth.users", "id");
        let cases: Vec<(&str, Vec<Table>, Found)> = vec![
            (
                "a primary key referencing auth.users owns the row",
                vec![profiles.clone()],
                vec![some("public.profiles", "id")],
            ),
            (
                "a column referencing auth.users",
                vec![references(table("todos"), "done_by", "auth.users", "id")],
                vec![some("public.todos", "done_by")],
            ),
            (
                "a column referencing a users-like table in any schema",
                vec![
                    references(table("a"), "payer", "billing.customers", "id"),
                    references(table("b"), "holder", "public.accounts", "id"),
                    references(table("c"), "who", "app.user", "id"),
                    references(table("d"), "who", "public.account", "id"),
                    references(table("e"), "who", "public.users", "id"),
                ],
                vec![
                    some("public.a", "payer"),
                    some("public.b", "holder"),
                    some("public.c", "who"),
                    some("public.d", "who"),
                    some("public.e", "who"),
                ],
            ),
            (
                "one step through a table owned by its key",
                vec![
                    members.clone(),
                    references(table("posts"), "member", "public.members", "id"),
                ],
                vec![some("public.members", "id"), some("public.posts", "member")],
            ),
            (
                "posts.profile_id -> profiles.id -> auth.users",
                vec![
                    profiles.clone(),
                    references(table("posts"), "profile_id", "public.profiles", "id"),
                ],
                vec![
                    some("public.profiles", "id"),
                    some("public.posts", "profile_id"),
                ],
            ),
            (
                "not through a table owned by another column, nor two steps",
                vec![
                    references(table("lists"), "user_id", "auth.users", "id"),
                    references(table("items"), "list", "public.lists", "id"),
                    members.clone(),
                    references(table("threads"), "member", "public.members", "id"),
                    references(table("replies"), "thread", "public.threads", "id"),
                ],
                vec![
                    some("public.lists", "user_id"),
                    none("public.items"),
                    some("public.members", "id"),
                    some("public.threads", "member"),
                    none("public.replies"),
                ],
            ),
            (
                "among several references, the one named like an owner",
                vec![references(
                    references(table("tasks"), "assignee", "auth.users", "id"),
                    "owner_id",
                    "auth.users",
                    "id",
                )],
                vec![some("public.tasks", "owner_id")],
            ),
            (
                "a name, unless it points at something that is not a user",
                vec![
                    with_column(table("content"), "user_hash", "text"),
                    references(
                        table("samples"),
                        "profile_id",
                        "public.brand_profiles",
                        "id",
                    ),
                    table("tags"),
                ],
                vec![
                    some("public.content", "user_hash"),
                    none("public.samples"),
                    none("public.tags"),
                ],
            ),
            (
                "a users table keyed by auth.users is owned by its key",
                vec![in_schema(
                    references(table("users"), "id", "auth.users", "id"),
                    "public",
                )],
                vec![some("public.users", "id")],
            ),
        ];
        for (case, tables, expected) in cases {
            assert_eq!(owners(tables, &[]), expected, "{case}");
        }
    }

    #[test]
    fn a_declaration_wins_and_an_empty_one_means_none() {
        let profiles = references(table("profiles"), "id", "auth.users", "id");
        let posts = references(table("posts"), "profile_id", "public.profiles", "id");
        let backups = references(table("backups"), "requested_by", "auth.users", "id");
        let notes = with_column(table("notes"), "writer", "uuid");
        assert_eq!(
            owners(
                vec![profiles, posts, backups, notes],
                &[
                    ("public.backups", ""),
                    ("public.notes", "writer"),
                    ("public.profiles", "id"),
                ]
            ),
            vec![
                some("public.profiles", "id"),
                some("public.posts", "profile_id"),
                none("public.backups"),
                some("public.notes", "writer"),
            ]
        );
        // Declaring profiles unowned stops the step through it.
        let profiles = references(table("profiles"), "id", "auth.users", "id");
        let posts = references(table("posts"), "profile_id", "public.profiles", "id");
        assert_eq!(
            owners(vec![profiles, posts], &[("public.profiles", "")])[1],
            // profile_id still references a users-like table by name.
            some("public.posts", "profile_id")
        );
    }

    #[test]
    fn storage_objects_are_owned_by_the_column_their_policies_compare() {
        use crate::verify::catalog::PolicyCommand;
        let objects = || {
            let t = in_schema(table("objects"), "storage");
            with_column(with_column(t, "owner", "uuid"), "owner_id", "text")
        };
        assert_eq!(
            owners(vec![objects()], &[]),
            vec![some("storage.objects", "owner")]
        );
        let mut by_id = objects();
        by_id.policies.push(policy(
            "own",
            PolicyCommand::Select,
            &["authenticated"],
            Some("(owner_id = (( SELECT auth.uid() AS uid))::text)"),
            None,
        ));
        assert_eq!(
            owners(vec![by_id], &[]),
            vec![some("storage.objects", "owner_id")]
        );
    }

    #[test]
    fn how_the_owner_was_found_is_said() {
        let catalog = catalog(vec![
            references(table("members"), "id", "auth.users", "id"),
            references(table("posts"), "member", "public.members", "id"),
        ]);
        let found = resolve(&catalog, &BTreeMap::new());
        assert_eq!(
            found["public.members"].found,
            "primary key references auth.users"
        );
        assert_eq!(
            found["public.posts"].found,
            "references public.members.id, which is owned by it (primary key references auth.users)"
        );
    }
}
