//! The probes' results as findings: a probe that failed, a leak (an error: rows of others
//! reached through a policy that does compare the owner, or any write), and a read shared
//! by a policy that does not look at the owner (a warning naming the policy).

use std::collections::BTreeSet;

use super::{Operation, Outcome, ProbeResult};
use crate::ident::quote_ident;
use crate::verify::finding::{Finding, Severity};

pub const ID: &str = "probe_leak";
/// A probe that errored or timed out.
pub const FAILED_ID: &str = "probe_failed";
/// Rows of others read through a policy that does not look at the owner.
pub const SHARED_ID: &str = "probe_shared_read";

pub fn from_results(results: &[ProbeResult]) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut shared_seen = BTreeSet::new();
    for r in results {
        match r.outcome {
            Outcome::Failed => findings.push(failed(r)),
            Outcome::Leak => findings.push(leak(r)),
            Outcome::Isolated | Outcome::Skipped => {}
            Outcome::Shared => {}
        }
        // One warning per table, role and policy: every user reads the same shared rows.
        for s in &r.shared {
            if shared_seen.insert((object(r), s.policy.clone())) {
                findings.push(shared(r, &s.policy, &s.using, s.rows));
            }
        }
    }
    findings
}

/// `public.t (anon select)`, `storage.objects bucket "avatars" (authenticated insert)`.
fn object(r: &ProbeResult) -> String {
    let bucket = r
        .bucket
        .as_ref()
        .map_or_else(String::new, |b| format!(" bucket \"{b}\""));
    format!("{}{bucket} ({} {})", r.table, r.role, r.operation.as_str())
}

/// `1 row`, `3 rows`.
fn rows(n: i64) -> String {
    crate::plural::count(n, "row", "rows")
}

/// `as anon`, `as authenticated user ID`.
fn who(r: &ProbeResult) -> String {
    match &r.user {
        Some(user) => format!("as {} user {user}", r.role),
        None => format!("as {}", r.role),
    }
}

fn failed(r: &ProbeResult) -> Finding {
    Finding::new(
        FAILED_ID,
        Severity::Error,
        object(r),
        format!(
            "{}, the {} probe failed, so nothing is known about it: {}",
            who(r),
            r.operation.as_str(),
            r.failed.as_deref().unwrap_or_default()
        ),
        "make the table's policies fast and the table free of long row locks while verifying, or raise probe_statement_timeout / probe_lock_timeout in [verify]",
    )
}

fn leak(r: &ProbeResult) -> Finding {
    let whose = if r.role == "anon" {
        "owned by users"
    } else {
        "of other owners"
    };
    let owner = quote_ident(&r.owner);
    let for_whom = r.written_for.as_deref().unwrap_or("another user");
    let mut message = match r.operation {
        Operation::Select => format!("{}, {} {whose} can be selected", who(r), rows(r.leaked)),
        Operation::Update => format!("{}, {} {whose} can be updated", who(r), rows(r.rows)),
        Operation::Delete => format!("{}, {} {whose} can be deleted", who(r), rows(r.rows)),
        Operation::Insert => format!(
            "{}, a row owned by {for_whom} can be inserted ({owner} set to them)",
            who(r)
        ),
        Operation::UpdateOwner => format!(
            "{}, {} of their own {} can be handed to {for_whom} ({owner} updated)",
            who(r),
            r.rows,
            crate::plural::word(r.rows, "row", "rows")
        ),
    };
    if r.operation == Operation::Select && r.rows > r.leaked {
        message.push_str(&format!(
            " through a policy that compares {owner}, beyond the {} policies that do not look at it share",
            rows(r.rows - r.leaked)
        ));
    }
    if let Some(note) = &r.note {
        message.push_str(&format!(" ({note})"));
    }
    let compare = format!("{owner} = {}", r.caller);
    let fix = match r.operation {
        Operation::Select | Operation::Update | Operation::Delete => format!(
            "tie the {} policies of {} to the owner: `using ({compare})`{}",
            r.operation.as_str().to_uppercase(),
            r.table,
            if r.operation == Operation::Select {
                String::new()
            } else {
                format!(" and `with check ({compare})`")
            }
        ),
        Operation::Insert | Operation::UpdateOwner => format!(
            "check the new row's owner in the {} policies of {}: `with check ({compare})`",
            if r.operation == Operation::Insert {
                "INSERT"
            } else {
                "UPDATE"
            },
            r.table
        ),
    };
    Finding::new(ID, Severity::Error, object(r), message, fix)
}

fn shared(r: &ProbeResult, policy: &str, using: &str, rows: i64) -> Finding {
    let owner = quote_ident(&r.owner);
    let whose = if r.role == "anon" {
        "owned by users"
    } else {
        "of other owners"
    };
    Finding::new(
        SHARED_ID,
        Severity::Warning,
        format!("{} policy \"{policy}\"", object(r)),
        format!(
            "{}, {} {whose} can be selected: shared by policy \"{policy}\" (using {using}), which does not look at {owner}",
            who(r),
            crate::plural::count(rows, "row", "rows")
        ),
        format!(
            "if these rows are meant for everyone, accept this finding; otherwise make policy \"{policy}\" compare the owner: `using ({owner} = {})`",
            r.caller
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::super::SharedRead;
    use super::*;

    fn probe(operation: Operation, rows: i64, leaked: i64) -> ProbeResult {
        ProbeResult {
            table: "public.todos".into(),
            bucket: None,
            owner: "user_id".into(),
            role: "authenticated",
            user: Some("a".into()),
            operation,
            written_for: Some("b".into()),
            rows,
            leaked,
            shared: Vec::new(),
            outcome: if leaked > 0 {
                Outcome::Leak
            } else {
                Outcome::Isolated
            },
            note: None,
            skipped: None,
            failed: None,
            caller: "(select auth.uid())".into(),
        }
    }

    #[test]
    fn leaks_are_errors_whose_fix_names_the_owner_column() {
        let findings = from_results(&[
            probe(Operation::Insert, 1, 1),
            probe(Operation::Select, 0, 0),
        ]);
        assert_eq!(findings.len(), 1, "{findings:?}");
        let f = &findings[0];
        assert_eq!(
            (f.check, f.severity, f.object.as_str()),
            (ID, Severity::Error, "public.todos (authenticated insert)")
        );
        assert_eq!(
            f.message,
            "as authenticated user a, a row owned by b can be inserted (\"user_id\" set to them)"
        );
        assert_eq!(
            f.fix,
            "check the new row's owner in the INSERT policies of public.todos: `with check (\"user_id\" = (select auth.uid()))`"
        );
    }

    #[test]
    fn reads_shared_by_a_policy_are_one_warning_naming_it() {
        let mut read = probe(Operation::Select, 4, 0);
        read.outcome = Outcome::Shared;
        read.bucket = Some("avatars".into());
        read.shared = vec![SharedRead {
            policy: "public read".into(),
            using: "true".into(),
            rows: 4,
        }];
        let mut again = read.clone();
        again.user = Some("b".into());
        let findings = from_results(&[read, again]);
        assert_eq!(findings.len(), 1, "{findings:?}");
        let f = &findings[0];
        assert_eq!((f.check, f.severity), (SHARED_ID, Severity::Warning));
        assert_eq!(
            f.object,
            "public.todos bucket \"avatars\" (authenticated select) policy \"public read\""
        );
        assert!(
            f.message.contains(
                "shared by policy \"public read\" (using true), which does not look at \"user_id\""
            ),
            "{}",
            f.message
        );
    }

    #[test]
    fn a_read_beyond_the_shared_rows_is_still_a_leak() {
        let mut read = probe(Operation::Select, 5, 2);
        read.shared = vec![SharedRead {
            policy: "public read".into(),
            using: "is_public".into(),
            rows: 3,
        }];
        let findings = from_results(&[read]);
        let checks: Vec<_> = findings.iter().map(|f| (f.check, f.severity)).collect();
        assert_eq!(
            checks,
            vec![(ID, Severity::Error), (SHARED_ID, Severity::Warning)]
        );
        assert!(findings[0].message.starts_with(
            "as authenticated user a, 2 rows of other owners can be selected through a policy that compares \"user_id\""
        ));
    }
}
