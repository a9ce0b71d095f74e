//! RLS off on a table that `anon` or `authenticated` can reach: anyone with the API key
//! reads (or writes) every row.

use crate::verify::catalog::Catalog;
use crate::verify::checks::CheckContext;
use crate::verify::finding::{Finding, Severity};

pub const ID: &str = "rls_disabled_exposed";

pub fn check(catalog: &Catalog, _: &CheckContext) -> Vec<Finding> {
    catalog
        .tables
        .iter()
        .filter(|t| !t.rls_enabled && t.reachable_by_api())
        .map(|t| {
            let roles: Vec<String> = t
                .grants
                .iter()
                .filter(|(_, p)| !p.is_empty())
                .map(|(role, p)| format!("{role} ({})", p.join(", ")))
                .collect();
            Finding::new(
                ID,
                Severity::Error,
                t.qualified(),
                format!("row level security is off, and {} can reach it", roles.join(", ")),
                format!(
                    "ALTER TABLE {} ENABLE ROW LEVEL SECURITY; then add policies, or REVOKE the API roles' privileges",
                    t.quoted()
                ),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::checks::fixture::*;

    #[test]
    fn flags_exposed_tables_without_rls() {
        let mut open = table("open");
        open.rls_enabled = false;
        let mut private = table("private");
        private.rls_enabled = false;
        private.grants.clear();
        let findings = check(
            &catalog(vec![open, private, table("guarded")]),
            &CheckContext::default(),
        );
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].object, "public.open");
        assert!(findings[0].message.contains("anon (SELECT)"));
    }
}
