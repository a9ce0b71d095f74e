//! A policy for the API roles on a table with an owner column whose predicate never compares
//! the row with who is asking: `user_hash IS NOT NULL` lets every user see every owned row.

use crate::ident::quote_ident;
use crate::verify::catalog::Catalog;
use crate::verify::checks::{CheckContext, expr};
use crate::verify::finding::{Finding, Severity};

pub const ID: &str = "ownership_not_checked";

pub fn check(catalog: &Catalog, context: &CheckContext) -> Vec<Finding> {
    let mut findings = Vec::new();
    for table in &catalog.tables {
        let Some(owner) = context.owner_column(table) else {
            continue;
        };
        for policy in table.policies.iter().filter(|p| p.permissive) {
            let roles = policy.api_roles();
            if roles.is_empty() {
                continue;
            }
            let predicates: Vec<&str> = policy.predicates().collect();
            // Only predicates about the owner are judged: `is_public` reads are meant, and
            // always-true ones are the write-policy check's business.
            // `owner IS NULL` only admits unowned rows: it cannot reach anyone's data.
            let unowned_only = format!("{owner} IS NULL");
            if !predicates
                .iter()
                .any(|e| expr::mentions_column(&e.replace(&unowned_only, ""), owner))
            {
                continue;
            }
            // A function of the owner (`current_user_hash()`) may check the caller inside.
            if predicates
                .iter()
                .any(|e| expr::mentions_current_user(e) || calls_function(e))
            {
                continue;
            }
            findings.push(Finding::new(
                ID,
                Severity::Error,
                format!("{} policy \"{}\"", table.qualified(), policy.name),
                format!(
                    "{} policy for {} never compares `{owner}` with the current user: {}",
                    policy.command.as_str().to_uppercase(),
                    roles.join(", "),
                    predicates.join(" / ")
                ),
                format!(
                    "compare the owner with the caller, e.g. `{} = (select auth.uid())`",
                    quote_ident(owner)
                ),
            ));
        }
    }
    findings
}

/// A call of a function: a lower-case name right before `(` (`pg_get_expr` prints keywords
/// such as EXISTS and ANY in upper case, with a space).
fn calls_function(expr: &str) -> bool {
    expr.char_indices().any(|(i, c)| {
        c == '('
            && expr[..i]
                .chars()
                .next_back()
                .is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit() || p == '_')
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::catalog::PolicyCommand;
    use crate::verify::checks::fixture::*;

    #[test]
    fn flags_owner_tables_whose_policies_ignore_the_caller() {
        let mut t = with_column(table("generated_content"), "user_hash", "text");
        t.policies.push(policy(
            "Users can view own content",
            PolicyCommand::Select,
            &["anon", "authenticated"],
            Some("(user_hash IS NOT NULL)"),
            None,
        ));
        t.policies.push(policy(
            "own",
            PolicyCommand::Update,
            &["authenticated"],
            Some("(user_hash = current_user_hash())"),
            None,
        ));
        t.policies.push(policy(
            "own_uid",
            PolicyCommand::Delete,
            &["authenticated"],
            Some("(user_hash = ( SELECT auth.uid() AS uid)::text)"),
            None,
        ));
        let catalog = catalog(vec![t]);
        let findings = check(&catalog, &CheckContext::new(&catalog, &Default::default()));
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert!(findings[0].message.contains("user_hash IS NOT NULL"));
    }

    #[test]
    fn predicates_not_about_the_owner_are_not_judged() {
        let mut t = with_column(table("templates"), "user_hash", "text");
        t.policies.push(policy(
            "public",
            PolicyCommand::Select,
            &["anon"],
            Some("(is_public = true)"),
            None,
        ));
        t.policies.push(policy(
            "unowned",
            PolicyCommand::Insert,
            &["anon"],
            None,
            Some("(user_hash IS NULL)"),
        ));
        let catalog = catalog(vec![t]);
        assert!(check(&catalog, &CheckContext::new(&catalog, &Default::default())).is_empty());
    }

    #[test]
    fn tables_without_owner_are_not_judged() {
        let mut t = table("tags");
        t.policies.push(policy(
            "read",
            PolicyCommand::Select,
            &["anon"],
            Some("(id > 0)"),
            None,
        ));
        let catalog = catalog(vec![t]);
        assert!(check(&catalog, &CheckContext::new(&catalog, &Default::default())).is_empty());
    }
}
