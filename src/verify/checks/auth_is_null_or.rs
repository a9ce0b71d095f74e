//! `auth.uid() IS NULL OR ...`: the anonymous caller (no uid) passes the predicate.

use crate::verify::catalog::Catalog;
use crate::verify::checks::CheckContext;
use crate::verify::finding::{Finding, Severity};

pub const ID: &str = "auth_is_null_or";

const PATTERNS: [&str; 2] = ["auth.uid() IS NULL) OR", "auth.uid() AS uid) IS NULL) OR"];

pub fn check(catalog: &Catalog, _: &CheckContext) -> Vec<Finding> {
    let mut findings = Vec::new();
    for table in &catalog.tables {
        for policy in &table.policies {
            if !policy.predicates().any(|e| {
                PATTERNS.iter().any(|p| e.contains(p)) || e.contains("auth.uid() IS NULL OR")
            }) {
                continue;
            }
            findings.push(Finding::new(
                ID,
                Severity::Warning,
                format!("{} policy \"{}\"", table.qualified(), policy.name),
                "has an `auth.uid() IS NULL OR ...` disjunct: a caller with no user passes it",
                "drop the IS NULL branch; give anonymous access its own policy `TO anon` if it is meant",
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
    fn flags_is_null_disjuncts() {
        let mut t = table("docs");
        t.policies.push(policy(
            "loose",
            PolicyCommand::Select,
            &["public"],
            Some("((auth.uid() IS NULL) OR (owner = auth.uid()))"),
            None,
        ));
        t.policies.push(policy(
            "loose_wrapped",
            PolicyCommand::Select,
            &["public"],
            Some(
                "((( SELECT auth.uid() AS uid) IS NULL) OR (owner = ( SELECT auth.uid() AS uid)))",
            ),
            None,
        ));
        t.policies.push(policy(
            "strict",
            PolicyCommand::Select,
            &["public"],
            Some("(owner = auth.uid())"),
            None,
        ));
        let findings = check(&catalog(vec![t]), &CheckContext::default());
        assert_eq!(findings.len(), 2);
    }
}
