//! Policies on a table whose RLS is off: they look like protection and do nothing.

use crate::verify::catalog::Catalog;
use crate::verify::checks::CheckContext;
use crate::verify::finding::{Finding, Severity};

pub const ID: &str = "policy_with_rls_disabled";

pub fn check(catalog: &Catalog, _: &CheckContext) -> Vec<Finding> {
    catalog
        .tables
        .iter()
        .filter(|t| !t.rls_enabled && !t.policies.is_empty())
        .map(|t| {
            let names: Vec<&str> = t.policies.iter().map(|p| p.name.as_str()).collect();
            Finding::new(
                ID,
                Severity::Error,
                t.qualified(),
                format!(
                    "has policies ({}) but row level security is off, so none of them applies",
                    names.join(", ")
                ),
                format!("ALTER TABLE {} ENABLE ROW LEVEL SECURITY", t.quoted()),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::catalog::PolicyCommand;
    use crate::verify::checks::fixture::*;

    #[test]
    fn flags_policies_that_cannot_apply() {
        let mut off = table("off");
        off.rls_enabled = false;
        off.policies.push(policy(
            "p",
            PolicyCommand::Select,
            &["authenticated"],
            Some("true"),
            None,
        ));
        let mut on = table("on");
        on.policies = off.policies.clone();
        let findings = check(&catalog(vec![off, on]), &CheckContext::default());
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].object, "public.off");
    }
}
