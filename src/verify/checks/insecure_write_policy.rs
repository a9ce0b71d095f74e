//! A permissive write policy that is always true, or an INSERT policy with no WITH CHECK:
//! anyone the policy names may write any row.

use crate::verify::catalog::{Catalog, PolicyCommand};
use crate::verify::checks::{CheckContext, expr};
use crate::verify::finding::{Finding, Severity};

pub const ID: &str = "insecure_write_policy";

pub fn check(catalog: &Catalog, _: &CheckContext) -> Vec<Finding> {
    let mut findings = Vec::new();
    for table in &catalog.tables {
        for policy in table
            .policies
            .iter()
            .filter(|p| p.permissive && p.command.writes())
        {
            let api_roles = policy.api_roles();
            if api_roles.is_empty() {
                continue;
            }
            let always_true = policy.predicates().any(expr::is_always_true);
            let unchecked_insert =
                policy.command == PolicyCommand::Insert && policy.with_check.is_none();
            if !always_true && !unchecked_insert {
                continue;
            }
            let what = if unchecked_insert {
                "has no WITH CHECK, so any row may be inserted"
            } else {
                "is always true"
            };
            findings.push(Finding::new(
                ID,
                Severity::Error,
                format!("{} policy \"{}\"", table.qualified(), policy.name),
                format!(
                    "{} policy for {} {what}",
                    policy.command.as_str().to_uppercase(),
                    api_roles.join(", ")
                ),
                "give it a WITH CHECK (and USING) that ties the row to the user, e.g. `with check (user_id = (select auth.uid()))`",
            ));
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::checks::fixture::*;

    #[test]
    fn flags_always_true_writes_and_unchecked_inserts() {
        let mut t = table("posts");
        t.policies.push(policy(
            "anyone_updates",
            PolicyCommand::Update,
            &["authenticated"],
            Some("true"),
            Some("true"),
        ));
        t.policies.push(policy(
            "insert_unchecked",
            PolicyCommand::Insert,
            &["anon"],
            None,
            None,
        ));
        t.policies.push(policy(
            "reads_all",
            PolicyCommand::Select,
            &["anon"],
            Some("true"),
            None,
        ));
        t.policies.push(policy(
            "own_insert",
            PolicyCommand::Insert,
            &["authenticated"],
            None,
            Some("(user_id = ( SELECT auth.uid() AS uid))"),
        ));
        t.policies.push(policy(
            "service_only",
            PolicyCommand::All,
            &["service_role"],
            Some("true"),
            None,
        ));
        let findings = check(&catalog(vec![t]), &CheckContext::default());
        let objects: Vec<&str> = findings.iter().map(|f| f.object.as_str()).collect();
        assert_eq!(
            objects,
            vec![
                "public.posts policy \"anyone_updates\"",
                "public.posts policy \"insert_unchecked\""
            ]
        );
    }
}
