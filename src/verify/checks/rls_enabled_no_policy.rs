//! RLS on and no policy: nobody but the owner and BYPASSRLS roles sees a row. Sometimes
//! meant (a service-role-only table), often a forgotten policy.

use crate::verify::catalog::Catalog;
use crate::verify::checks::CheckContext;
use crate::verify::finding::{Finding, Severity};

pub const ID: &str = "rls_enabled_no_policy";

pub fn check(catalog: &Catalog, _: &CheckContext) -> Vec<Finding> {
    catalog
        .tables
        .iter()
        .filter(|t| t.rls_enabled && t.policies.is_empty())
        .map(|t| {
            Finding::new(
                ID,
                Severity::Info,
                t.qualified(),
                "row level security is on but there is no policy: only the owner and BYPASSRLS roles (service_role) reach it",
                "add the policies the API roles need, or accept this finding for a service-only table",
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
    fn flags_tables_with_rls_and_no_policy() {
        let mut with_policy = table("a");
        with_policy.policies.push(policy(
            "p",
            PolicyCommand::Select,
            &["anon"],
            Some("true"),
            None,
        ));
        let findings = check(
            &catalog(vec![with_policy, table("b")]),
            &CheckContext::default(),
        );
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].object, "public.b");
    }
}
