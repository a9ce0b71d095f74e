//! A SECURITY DEFINER function without a fixed `search_path`: a caller who can create
//! objects earlier on the path makes it run their code with the owner's rights.

use crate::verify::catalog::Catalog;
use crate::verify::checks::CheckContext;
use crate::verify::finding::{Finding, Severity};

pub const ID: &str = "security_definer_search_path";

pub fn check(catalog: &Catalog, _: &CheckContext) -> Vec<Finding> {
    catalog
        .functions
        .iter()
        .filter(|f| f.security_definer && !f.fixes_search_path())
        .map(|f| {
            Finding::new(
                ID,
                Severity::Warning,
                f.signature(),
                "SECURITY DEFINER without a fixed search_path",
                format!(
                    "ALTER FUNCTION {} SET search_path = '' (and schema-qualify what it uses)",
                    f.quoted_signature()
                ),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::catalog::Function;
    use crate::verify::checks::fixture::*;

    #[test]
    fn flags_definer_functions_without_search_path() {
        let mut c = catalog(vec![]);
        let f = |name: &str, definer: bool, settings: &[&str]| Function {
            schema: "public".into(),
            name: name.into(),
            arguments: "uuid".into(),
            security_definer: definer,
            settings: settings.iter().map(|s| s.to_string()).collect(),
        };
        c.functions = vec![
            f("risky", true, &[]),
            f("fixed", true, &["search_path=\"\""]),
            f("invoker", false, &[]),
        ];
        let findings = check(&c, &CheckContext::default());
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].object, "public.risky(uuid)");
        assert!(
            findings[0]
                .fix
                .starts_with("ALTER FUNCTION \"public\".\"risky\"(uuid) SET search_path"),
            "{}",
            findings[0].fix
        );
    }
}
