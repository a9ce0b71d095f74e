//! Several permissive policies for one role and command: PostgreSQL ORs them (each runs for
//! every row), and the loosest one wins.

use std::collections::BTreeMap;

use crate::verify::catalog::{API_ROLES, Catalog, PolicyCommand};
use crate::verify::checks::CheckContext;
use crate::verify::finding::{Finding, Severity};

pub const ID: &str = "multiple_permissive_policies";

pub fn check(catalog: &Catalog, _: &CheckContext) -> Vec<Finding> {
    // The API roles where they exist; on plain PostgreSQL, whoever the policies name.
    let api_roles: Vec<&str> = API_ROLES
        .iter()
        .copied()
        .filter(|r| catalog.api_roles.iter().any(|have| have == r))
        .collect();
    let mut findings = Vec::new();
    for table in &catalog.tables {
        let roles: Vec<&str> = if api_roles.is_empty() {
            let mut named: Vec<&str> = table
                .policies
                .iter()
                .flat_map(|p| p.roles.iter().map(String::as_str))
                .collect();
            named.sort_unstable();
            named.dedup();
            named
        } else {
            api_roles.clone()
        };
        // One finding per role and set of overlapping policies, listing the commands.
        let mut overlaps: BTreeMap<(&str, Vec<&str>), Vec<PolicyCommand>> = BTreeMap::new();
        for role in roles {
            for command in PolicyCommand::All.covers() {
                let names: Vec<&str> = table
                    .policies
                    .iter()
                    .filter(|p| {
                        p.permissive && p.applies_to(role) && p.command.covers().contains(command)
                    })
                    .map(|p| p.name.as_str())
                    .collect();
                if names.len() > 1 {
                    overlaps.entry((role, names)).or_default().push(*command);
                }
            }
        }
        for ((role, names), commands) in overlaps {
            let commands: Vec<String> =
                commands.iter().map(|c| c.as_str().to_uppercase()).collect();
            findings.push(Finding::new(
                ID,
                Severity::Warning,
                table.qualified(),
                format!(
                    "{} permissive policies for {role} on {}: {}",
                    names.len(),
                    commands.join(", "),
                    names.join(", ")
                ),
                "merge them into one policy (OR the predicates), or make the extra ones RESTRICTIVE",
            ));
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::checks::fixture::*;

    #[test]
    fn flags_overlapping_permissive_policies() {
        let mut t = table("t");
        t.policies.push(policy(
            "a",
            PolicyCommand::Select,
            &["authenticated"],
            Some("(x = 1)"),
            None,
        ));
        t.policies.push(policy(
            "b",
            PolicyCommand::All,
            &["authenticated"],
            Some("(x = 2)"),
            None,
        ));
        t.policies.push(policy(
            "c",
            PolicyCommand::Insert,
            &["anon"],
            None,
            Some("(x = 3)"),
        ));
        let findings = check(&catalog(vec![t]), &CheckContext::default());
        assert_eq!(findings.len(), 1);
        assert!(
            findings[0]
                .message
                .contains("2 permissive policies for authenticated on SELECT: a, b"),
            "{findings:?}"
        );
    }
}
