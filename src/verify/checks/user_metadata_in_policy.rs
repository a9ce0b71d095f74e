//! A policy reading `user_metadata`: users can edit their own metadata, so it proves nothing.

use crate::verify::catalog::Catalog;
use crate::verify::checks::CheckContext;
use crate::verify::finding::{Finding, Severity};

pub const ID: &str = "user_metadata_in_policy";

pub fn check(catalog: &Catalog, _: &CheckContext) -> Vec<Finding> {
    let mut findings = Vec::new();
    for table in &catalog.tables {
        for policy in &table.policies {
            if !policy
                .predicates()
                .any(|e| e.contains("user_metadata") || e.contains("raw_user_meta_data"))
            {
                continue;
            }
            findings.push(Finding::new(
                ID,
                Severity::Error,
                format!("{} policy \"{}\"", table.qualified(), policy.name),
                "reads user_metadata, which every user can change for themselves",
                "decide on app_metadata (only the server writes it) or on a table the user cannot write",
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
    fn flags_user_metadata() {
        let mut t = table("admin_notes");
        t.policies.push(policy(
            "admins",
            PolicyCommand::Select,
            &["authenticated"],
            Some("(((auth.jwt() -> 'user_metadata'::text) ->> 'role'::text) = 'admin'::text)"),
            None,
        ));
        t.policies.push(policy(
            "app_admins",
            PolicyCommand::Select,
            &["authenticated"],
            Some("(((auth.jwt() -> 'app_metadata'::text) ->> 'role'::text) = 'admin'::text)"),
            None,
        ));
        assert_eq!(check(&catalog(vec![t]), &CheckContext::default()).len(), 1);
    }
}
