//! The lints: one file a check, each a pure function over the catalog snapshot, each with
//! its own tests. `all()` is the registry.

pub mod expr;

mod auth_is_null_or;
mod insecure_write_policy;
mod multiple_permissive_policies;
mod no_primary_key;
mod ownership_not_checked;
mod per_row_auth_call;
mod policy_with_rls_disabled;
mod rls_disabled_exposed;
mod rls_enabled_no_policy;
mod security_definer_search_path;
mod security_definer_view;
mod unindexed_foreign_key;
mod user_metadata_in_policy;

use std::collections::BTreeMap;

use super::catalog::{Catalog, Table};
use super::finding::Finding;

/// What checks know beyond the catalog.
#[derive(Debug, Clone, Default)]
pub struct CheckContext {
    /// `schema.table` -> owner column, declared in dbward.toml.
    pub owners: BTreeMap<String, String>,
}

/// Column names that say "this row belongs to a user" when nothing is declared.
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

impl CheckContext {
    /// The column holding a row's owner: declared (an empty declaration: none), else one
    /// referencing `auth.users` or a users table, else one with an owner's name.
    pub fn owner_column<'t>(&'t self, table: &'t Table) -> Option<&'t str> {
        if let Some(column) = self.owners.get(&table.qualified()) {
            return (!column.is_empty()).then_some(column.as_str());
        }
        let references_users = table.foreign_keys.iter().find(|fk| {
            fk.columns.len() == 1
                && matches!(
                    fk.references.as_str(),
                    "auth.users" | "public.users" | "public.profiles" | "public.accounts"
                )
                // A users table's own id is not an owner column.
                && fk.columns != table.primary_key.clone().unwrap_or_default()
        });
        if let Some(fk) = references_users {
            return Some(fk.columns[0].as_str());
        }
        // A conventional name counts unless the column points at some other table
        // (`profile_id` of a brand profile is not a user).
        OWNER_NAMES
            .iter()
            .find(|name| {
                table.column(name).is_some()
                    && !table
                        .foreign_keys
                        .iter()
                        .any(|fk| fk.columns.iter().any(|c| c == *name))
            })
            .copied()
    }
}

pub type Check = fn(&Catalog, &CheckContext) -> Vec<Finding>;

/// Every check, by id.
pub fn all() -> Vec<(&'static str, Check)> {
    vec![
        (rls_disabled_exposed::ID, rls_disabled_exposed::check),
        (
            policy_with_rls_disabled::ID,
            policy_with_rls_disabled::check,
        ),
        (rls_enabled_no_policy::ID, rls_enabled_no_policy::check),
        (per_row_auth_call::ID, per_row_auth_call::check),
        (insecure_write_policy::ID, insecure_write_policy::check),
        (auth_is_null_or::ID, auth_is_null_or::check),
        (ownership_not_checked::ID, ownership_not_checked::check),
        (
            multiple_permissive_policies::ID,
            multiple_permissive_policies::check,
        ),
        (user_metadata_in_policy::ID, user_metadata_in_policy::check),
        (security_definer_view::ID, security_definer_view::check),
        (
            security_definer_search_path::ID,
            security_definer_search_path::check,
        ),
        (unindexed_foreign_key::ID, unindexed_foreign_key::check),
        (no_primary_key::ID, no_primary_key::check),
    ]
}

/// Runs every check.
pub fn run(catalog: &Catalog, context: &CheckContext) -> Vec<Finding> {
    all()
        .into_iter()
        .flat_map(|(_, check)| check(catalog, context))
        .collect()
}

#[cfg(test)]
pub(crate) mod fixture {
    //! Small catalogs for the checks' tests.
    use std::collections::BTreeMap;

    use crate::verify::catalog::*;

    pub fn table(name: &str) -> Table {
        Table {
            schema: "public".into(),
            name: name.into(),
            rls_enabled: true,
            columns: vec![Column {
                name: "id".into(),
                data_type: "bigint".into(),
                not_null: true,
                default: None,
            }],
            primary_key: Some(vec!["id".into()]),
            grants: BTreeMap::from([
                ("anon".to_string(), vec!["SELECT".to_string()]),
                (
                    "authenticated".to_string(),
                    vec!["SELECT".to_string(), "INSERT".to_string()],
                ),
            ]),
            ..Table::default()
        }
    }

    pub fn with_column(mut table: Table, name: &str, data_type: &str) -> Table {
        table.columns.push(Column {
            name: name.into(),
            data_type: data_type.into(),
            not_null: false,
            default: None,
        });
        table
    }

    pub fn policy(
        name: &str,
        command: PolicyCommand,
        roles: &[&str],
        using: Option<&str>,
        with_check: Option<&str>,
    ) -> Policy {
        Policy {
            name: name.into(),
            command,
            permissive: true,
            roles: roles.iter().map(|r| r.to_string()).collect(),
            using: using.map(str::to_string),
            with_check: with_check.map(str::to_string),
        }
    }

    pub fn catalog(tables: Vec<Table>) -> Catalog {
        Catalog {
            tables,
            api_roles: vec!["anon".into(), "authenticated".into(), "service_role".into()],
            ..Catalog::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fixture::*;
    use super::*;
    use crate::verify::catalog::ForeignKey;

    #[test]
    fn owner_columns_are_declared_referenced_or_named() {
        let context = CheckContext {
            owners: BTreeMap::from([("public.notes".to_string(), "writer".to_string())]),
        };
        assert_eq!(context.owner_column(&table("notes")), Some("writer"));

        let mut posts = with_column(table("posts"), "written_by", "uuid");
        posts.foreign_keys.push(ForeignKey {
            name: "posts_written_by_fkey".into(),
            columns: vec!["written_by".into()],
            references: "auth.users".into(),
            referenced_columns: vec!["id".into()],
        });
        assert_eq!(context.owner_column(&posts), Some("written_by"));

        assert_eq!(
            context.owner_column(&with_column(table("content"), "user_hash", "text")),
            Some("user_hash")
        );
        assert_eq!(context.owner_column(&table("tags")), None);

        let mut samples = with_column(table("voice_samples"), "profile_id", "uuid");
        samples.foreign_keys.push(ForeignKey {
            name: "voice_samples_profile_id_fkey".into(),
            columns: vec!["profile_id".into()],
            references: "public.brand_profiles".into(),
            referenced_columns: vec!["id".into()],
        });
        assert_eq!(context.owner_column(&samples), None);
    }

    #[test]
    fn every_check_has_a_unique_id() {
        let mut ids: Vec<_> = all().into_iter().map(|(id, _)| id).collect();
        let count = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), count);
    }
}
