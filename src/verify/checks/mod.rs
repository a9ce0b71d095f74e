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
use super::owners::{self, Owner};

/// What checks know beyond the catalog.
#[derive(Debug, Clone, Default)]
pub struct CheckContext {
    /// `schema.table` -> its owner column, as `owners::resolve` found it.
    pub owners: BTreeMap<String, Owner>,
}

impl CheckContext {
    /// The owners of the catalog's tables, `declared` in dbward.toml winning.
    pub fn new(catalog: &Catalog, declared: &BTreeMap<String, String>) -> CheckContext {
        CheckContext {
            owners: owners::resolve(catalog, declared),
        }
    }

    /// The column holding a row's owner, if the table has one.
    pub fn owner_column<'t>(&'t self, table: &Table) -> Option<&'t str> {
        self.owners
            .get(&table.qualified())
            .map(|o| o.column.as_str())
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
                generated: false,
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
            generated: false,
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
    use super::*;

    #[test]
    fn every_check_has_a_unique_id() {
        let mut ids: Vec<_> = all().into_iter().map(|(id, _)| id).collect();
        let count = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), count);
    }
}
