//! A table without a primary key: rows cannot be addressed one by one (PostgREST updates,
//! logical replication, de-duplication).

use crate::verify::catalog::Catalog;
use crate::verify::checks::CheckContext;
use crate::verify::finding::{Finding, Severity};

pub const ID: &str = "no_primary_key";

pub fn check(catalog: &Catalog, _: &CheckContext) -> Vec<Finding> {
    catalog
        .tables
        .iter()
        .filter(|t| t.primary_key.is_none())
        .map(|t| {
            Finding::new(
                ID,
                Severity::Warning,
                t.qualified(),
                "has no primary key",
                format!("ALTER TABLE {} ADD PRIMARY KEY (...)", t.quoted()),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::checks::fixture::*;

    #[test]
    fn flags_tables_without_primary_key() {
        let mut heap = table("heap");
        heap.primary_key = None;
        let findings = check(
            &catalog(vec![heap, table("keyed")]),
            &CheckContext::default(),
        );
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].object, "public.heap");
        assert_eq!(
            findings[0].fix,
            "ALTER TABLE \"public\".\"heap\" ADD PRIMARY KEY (...)"
        );
    }

    #[test]
    fn the_fix_quotes_a_hostile_name() {
        let mut hostile = table("nopk; drop table y; --");
        hostile.primary_key = None;
        let findings = check(&catalog(vec![hostile]), &CheckContext::default());
        assert_eq!(
            findings[0].fix,
            "ALTER TABLE \"public\".\"nopk; drop table y; --\" ADD PRIMARY KEY (...)"
        );
    }
}
