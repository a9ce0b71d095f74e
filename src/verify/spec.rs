//! The expected state: a TOML file naming the tables, columns, indexes, RLS and policies a
//! project requires. `dbward verify --write-spec` writes one from a database.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::catalog::{Catalog, PolicyCommand, Table};
use super::finding::{Finding, Severity};

pub const ID: &str = "spec";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// By `schema.table`.
    #[serde(default)]
    pub tables: BTreeMap<String, TableSpec>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableSpec {
    /// Whether row level security must be on.
    pub rls: Option<bool>,
    #[serde(default)]
    pub columns: BTreeMap<String, ColumnSpec>,
    /// Index names that must exist.
    #[serde(default)]
    pub indexes: Vec<String>,
    /// By policy name. A table that lists policies must have no others.
    #[serde(default)]
    pub policies: BTreeMap<String, PolicySpec>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnSpec {
    #[serde(rename = "type")]
    pub data_type: String,
    #[serde(default)]
    pub not_null: bool,
    pub default: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicySpec {
    pub command: PolicyCommand,
    pub roles: Vec<String>,
    #[serde(default = "yes")]
    pub permissive: bool,
    pub using: Option<String>,
    pub with_check: Option<String>,
}

fn yes() -> bool {
    true
}

pub fn parse(text: &str) -> Result<Spec, String> {
    toml::from_str(text).map_err(|e| e.to_string())
}

pub fn to_toml(spec: &Spec) -> String {
    let body = toml::to_string_pretty(spec).unwrap_or_default();
    format!(
        "# Expected state for `dbward verify`, written by `dbward verify --write-spec`.\n\
         # Remove what the project does not require; verify reports each difference.\n\n{body}"
    )
}

/// A spec that requires exactly what the catalog holds.
pub fn from_catalog(catalog: &Catalog) -> Spec {
    let tables = catalog
        .tables
        .iter()
        .map(|t| {
            let spec = TableSpec {
                rls: Some(t.rls_enabled),
                columns: t
                    .columns
                    .iter()
                    .map(|c| {
                        (
                            c.name.clone(),
                            ColumnSpec {
                                data_type: c.data_type.clone(),
                                not_null: c.not_null,
                                default: c.default.clone(),
                            },
                        )
                    })
                    .collect(),
                indexes: t.indexes.iter().map(|i| i.name.clone()).collect(),
                policies: t
                    .policies
                    .iter()
                    .map(|p| {
                        (
                            p.name.clone(),
                            PolicySpec {
                                command: p.command,
                                roles: p.roles.clone(),
                                permissive: p.permissive,
                                using: p.using.clone(),
                                with_check: p.with_check.clone(),
                            },
                        )
                    })
                    .collect(),
            };
            (t.qualified(), spec)
        })
        .collect();
    Spec { tables }
}

/// Each difference between the spec and the catalog, one finding per object.
pub fn compare(spec: &Spec, catalog: &Catalog) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (name, expected) in &spec.tables {
        let Some(table) = catalog.tables.iter().find(|t| t.qualified() == *name) else {
            findings.push(error(
                name.clone(),
                "table required by the spec does not exist".into(),
                "create it in a migration, or remove it from the spec",
            ));
            continue;
        };
        compare_table(table, expected, &mut findings);
    }
    findings
}

fn compare_table(table: &Table, expected: &TableSpec, findings: &mut Vec<Finding>) {
    let name = table.qualified();
    if let Some(rls) = expected.rls
        && rls != table.rls_enabled
    {
        findings.push(error(
            name.clone(),
            format!(
                "row level security is {} but the spec requires it {}",
                on_off(table.rls_enabled),
                on_off(rls)
            ),
            "change it in a migration (ALTER TABLE ... ENABLE/DISABLE ROW LEVEL SECURITY), or update the spec",
        ));
    }
    for (column_name, want) in &expected.columns {
        let object = format!("{name}.{column_name}");
        let Some(column) = table.column(column_name) else {
            findings.push(error(
                object,
                "column required by the spec does not exist".into(),
                "add it in a migration, or update the spec",
            ));
            continue;
        };
        let mut differences = Vec::new();
        if column.data_type != want.data_type {
            differences.push(format!(
                "type is {} (spec: {})",
                column.data_type, want.data_type
            ));
        }
        if column.not_null != want.not_null {
            differences.push(format!(
                "{} (spec: {})",
                if column.not_null {
                    "NOT NULL"
                } else {
                    "nullable"
                },
                if want.not_null {
                    "NOT NULL"
                } else {
                    "nullable"
                }
            ));
        }
        differences.extend(optional_differs("default", &column.default, &want.default));
        findings.extend(differing(
            object,
            &differences,
            "change it in a migration, or update the spec",
        ));
    }
    for index in &expected.indexes {
        if !table.indexes.iter().any(|i| i.name == *index) {
            findings.push(error(
                format!("{name} index \"{index}\""),
                "index required by the spec does not exist".into(),
                "create it in a migration, or remove it from the spec",
            ));
        }
    }
    if expected.policies.is_empty() {
        return;
    }
    for (policy_name, want) in &expected.policies {
        let object = format!("{name} policy \"{policy_name}\"");
        let Some(policy) = table.policies.iter().find(|p| p.name == *policy_name) else {
            findings.push(error(
                object,
                "policy required by the spec does not exist".into(),
                "create it in a migration, or remove it from the spec",
            ));
            continue;
        };
        let mut differences = Vec::new();
        if want.command != policy.command {
            differences.push(format!(
                "command is {} (spec: {})",
                policy.command.as_str(),
                want.command.as_str()
            ));
        }
        let mut want_roles = want.roles.clone();
        want_roles.sort();
        if policy.roles != want_roles {
            differences.push(format!(
                "roles are {} (spec: {})",
                policy.roles.join(", "),
                want_roles.join(", ")
            ));
        }
        if policy.permissive != want.permissive {
            differences.push(format!(
                "is {} (spec: {})",
                permissive(policy.permissive),
                permissive(want.permissive)
            ));
        }
        differences.extend(optional_differs("USING", &policy.using, &want.using));
        differences.extend(optional_differs(
            "WITH CHECK",
            &policy.with_check,
            &want.with_check,
        ));
        findings.extend(differing(
            object,
            &differences,
            "change the policy in a migration, or update the spec",
        ));
    }
    for policy in &table.policies {
        if !expected.policies.contains_key(&policy.name) {
            findings.push(error(
                format!("{name} policy \"{}\"", policy.name),
                "policy is not in the spec: an unexpected policy can open access".into(),
                "drop it in a migration, or add it to the spec",
            ));
        }
    }
}

/// "`label` is X (spec: Y)" when an optional text differs from the spec.
fn error(object: String, message: String, fix: &str) -> Finding {
    Finding::new(ID, Severity::Error, object, message, fix)
}

/// One finding for all of an object's differences; none when it matches the spec.
fn differing(object: String, differences: &[String], fix: &str) -> Option<Finding> {
    (!differences.is_empty()).then(|| error(object, differences.join("; "), fix))
}

fn optional_differs(
    label: &str,
    actual: &Option<String>,
    wanted: &Option<String>,
) -> Option<String> {
    (actual != wanted).then(|| {
        format!(
            "{label} is {} (spec: {})",
            actual.as_deref().unwrap_or("none"),
            wanted.as_deref().unwrap_or("none")
        )
    })
}

fn on_off(on: bool) -> &'static str {
    if on { "on" } else { "off" }
}

fn permissive(p: bool) -> &'static str {
    if p { "permissive" } else { "restrictive" }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::checks::fixture::*;

    #[test]
    fn a_spec_written_from_a_catalog_matches_it_and_round_trips() {
        let mut t = with_column(table("notes"), "body", "text");
        t.policies.push(policy(
            "own",
            PolicyCommand::Select,
            &["authenticated"],
            Some("(id > 0)"),
            None,
        ));
        let catalog = catalog(vec![t]);
        let spec = from_catalog(&catalog);
        assert!(compare(&spec, &catalog).is_empty());
        assert_eq!(parse(&to_toml(&spec)).unwrap(), spec);
    }

    #[test]
    fn each_difference_is_one_finding_naming_the_object() {
        let mut t = with_column(table("notes"), "body", "text");
        t.policies.push(policy(
            "own",
            PolicyCommand::Select,
            &["authenticated"],
            Some("(id > 0)"),
            None,
        ));
        let spec = from_catalog(&catalog(vec![t.clone()]));
        t.rls_enabled = false;
        t.columns[1].data_type = "character varying".into();
        t.policies[0].using = Some("true".into());
        t.policies.push(policy(
            "extra",
            PolicyCommand::All,
            &["anon"],
            Some("true"),
            None,
        ));
        let mut findings: Vec<String> = compare(&spec, &catalog(vec![t]))
            .into_iter()
            .map(|f| format!("{}: {}", f.object, f.message))
            .collect();
        findings.sort();
        assert_eq!(findings.len(), 4, "{findings:?}");
        assert!(findings[0].starts_with("public.notes policy \"extra\""));
        assert!(findings[1].contains("USING is true (spec: (id > 0))"));
        assert!(
            findings[2].starts_with("public.notes.body: type is character varying (spec: text)")
        );
        assert!(findings[3].contains("row level security is off"));
    }

    #[test]
    fn policy_commands_are_read_in_any_case_and_unknown_ones_refused() {
        let policy = |command: &str| {
            parse(&format!(
                "[tables.\"public.notes\".policies.own]\ncommand = \"{command}\"\nroles = [\"anon\"]\n"
            ))
        };
        let spec = policy("SELECT").unwrap();
        assert_eq!(
            spec.tables["public.notes"].policies["own"].command,
            PolicyCommand::Select
        );
        let err = policy("selekt").unwrap_err();
        assert!(
            err.contains(
                "`selekt` is not a policy command; use all, select, insert, update or delete"
            ),
            "{err}"
        );
    }

    #[test]
    fn missing_tables_are_findings() {
        let spec = parse("[tables.\"public.ghost\"]\nrls = true\n").unwrap();
        let findings = compare(&spec, &catalog(vec![]));
        assert_eq!(findings[0].object, "public.ghost");
    }
}
