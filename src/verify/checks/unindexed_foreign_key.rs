//! A foreign key whose columns lead no index: deletes on the parent scan the whole child.

use crate::ident::quote_ident;
use crate::verify::catalog::Catalog;
use crate::verify::checks::CheckContext;
use crate::verify::finding::{Finding, Severity};

pub const ID: &str = "unindexed_foreign_key";

pub fn check(catalog: &Catalog, _: &CheckContext) -> Vec<Finding> {
    let mut findings = Vec::new();
    for table in &catalog.tables {
        for fk in &table.foreign_keys {
            let covered = table.indexes.iter().any(|index| {
                !index.partial
                    && index.columns.len() >= fk.columns.len()
                    && index.columns[..fk.columns.len()] == fk.columns[..]
            });
            if covered {
                continue;
            }
            findings.push(Finding::new(
                ID,
                Severity::Info,
                format!("{} constraint \"{}\"", table.qualified(), fk.name),
                format!(
                    "foreign key ({}) to {} has no index leading with its columns",
                    fk.columns.join(", "),
                    fk.references
                ),
                format!(
                    "CREATE INDEX ON {} ({})",
                    table.quoted(),
                    fk.columns
                        .iter()
                        .map(|c| quote_ident(c))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::catalog::{ForeignKey, Index};
    use crate::verify::checks::fixture::*;

    #[test]
    fn flags_foreign_keys_without_a_leading_index() {
        let mut t = table("posts");
        for column in ["author_id", "topic_id"] {
            t.foreign_keys.push(ForeignKey {
                name: format!("posts_{column}_fkey"),
                columns: vec![column.into()],
                references: "public.people".into(),
                referenced_columns: vec!["id".into()],
            });
        }
        t.indexes.push(Index {
            name: "posts_author".into(),
            columns: vec!["author_id".into(), "created_at".into()],
            unique: false,
            primary: false,
            partial: false,
            definition: String::new(),
        });
        let findings = check(&catalog(vec![t]), &CheckContext::default());
        assert_eq!(findings.len(), 1);
        assert!(findings[0].object.contains("posts_topic_id_fkey"));
        assert_eq!(
            findings[0].fix,
            "CREATE INDEX ON \"public\".\"posts\" (\"topic_id\")"
        );
    }
}
