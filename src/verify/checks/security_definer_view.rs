//! A view without `security_invoker` runs as its owner, so the RLS of the tables under it
//! is the owner's, not the caller's: exposed to the API, it leaks every row.

use crate::ident::quote_qualified;
use crate::verify::catalog::{API_ROLES, Catalog};
use crate::verify::checks::CheckContext;
use crate::verify::finding::{Finding, Severity};

pub const ID: &str = "security_definer_view";

pub fn check(catalog: &Catalog, _: &CheckContext) -> Vec<Finding> {
    catalog
        .views
        .iter()
        .filter(|v| {
            !v.security_invoker
                && API_ROLES
                    .iter()
                    .any(|r| v.grants.get(*r).is_some_and(|p| !p.is_empty()))
        })
        .map(|v| {
            Finding::new(
                ID,
                Severity::Error,
                format!("{}.{}", v.schema, v.name),
                "view runs with its owner's rights (no security_invoker) and the API roles can read it, bypassing the caller's row level security",
                format!(
                    "ALTER VIEW {} SET (security_invoker = true), or REVOKE it from anon and authenticated",
                    quote_qualified(&v.schema, &v.name)
                ),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::catalog::View;
    use crate::verify::checks::fixture::*;
    use std::collections::BTreeMap;

    #[test]
    fn flags_exposed_definer_views() {
        let exposed = BTreeMap::from([("authenticated".to_string(), vec!["SELECT".to_string()])]);
        let mut c = catalog(vec![]);
        c.views = vec![
            View {
                schema: "public".into(),
                name: "leaky".into(),
                security_invoker: false,
                grants: exposed.clone(),
            },
            View {
                schema: "public".into(),
                name: "safe".into(),
                security_invoker: true,
                grants: exposed,
            },
            View {
                schema: "public".into(),
                name: "internal".into(),
                security_invoker: false,
                grants: BTreeMap::new(),
            },
        ];
        let findings = check(&c, &CheckContext::default());
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].object, "public.leaky");
        assert!(
            findings[0]
                .fix
                .starts_with("ALTER VIEW \"public\".\"leaky\" SET"),
            "{}",
            findings[0].fix
        );
    }
}
