//! `auth.uid()` and friends called per row: PostgreSQL re-evaluates them for every row
//! scanned. Wrapped as `(select auth.uid())` they run once per statement.

use crate::verify::catalog::Catalog;
use crate::verify::checks::{CheckContext, expr};
use crate::verify::finding::{Finding, Severity};

pub const ID: &str = "per_row_auth_call";

pub fn check(catalog: &Catalog, _: &CheckContext) -> Vec<Finding> {
    let mut findings = Vec::new();
    for table in &catalog.tables {
        for policy in &table.policies {
            let mut calls: Vec<&str> = policy.predicates().flat_map(expr::per_row_calls).collect();
            calls.sort_unstable();
            calls.dedup();
            if calls.is_empty() {
                continue;
            }
            findings.push(Finding::new(
                ID,
                Severity::Warning,
                format!("{} policy \"{}\"", table.qualified(), policy.name),
                format!("calls {} for every row", calls.join(", ")),
                "wrap each call in a sub-select, e.g. `user_id = (select auth.uid())`, so it runs once per statement",
            ));
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::catalog::PolicyCommand;
    use crate::verify::checks::fixture::*;

    #[test]
    fn flags_bare_calls_only() {
        let mut t = table("notes");
        t.policies.push(policy(
            "bare",
            PolicyCommand::Select,
            &["authenticated"],
            Some("(user_id = auth.uid())"),
            None,
        ));
        t.policies.push(policy(
            "wrapped",
            PolicyCommand::Select,
            &["authenticated"],
            Some("(user_id = ( SELECT auth.uid() AS uid))"),
            None,
        ));
        let findings = check(&catalog(vec![t]), &CheckContext::default());
        assert_eq!(findings.len(), 1);
        assert!(findings[0].object.ends_with("\"bare\""));
    }
}
