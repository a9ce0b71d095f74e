//! `dbward verify`: one catalog snapshot, the spec, the lints and (with `--probe`) the
//! isolation probes. Checks and the spec are pure functions of the snapshot.

pub mod catalog;
pub mod checks;
pub mod finding;
pub mod owners;
pub mod probe;
pub mod spec;

use finding::{Finding, Severity};
use serde::Deserialize;

/// A finding accepted on purpose in dbward.toml: it still shows, marked accepted.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Acceptance {
    pub check: String,
    pub object: String,
    pub reason: String,
}

/// Every id a finding can carry, from the ids the lints, the spec and the probes define:
/// what `[[verify.accept]]` may name.
pub fn check_ids() -> Vec<&'static str> {
    let mut ids: Vec<&'static str> = checks::all().into_iter().map(|(id, _)| id).collect();
    ids.extend([spec::ID, probe::ID, probe::FAILED_ID, probe::SHARED_ID]);
    ids
}

/// Refuses an acceptance of a check dbward does not have: a typo would accept nothing.
pub fn check_acceptances(acceptances: &[Acceptance]) -> Result<(), String> {
    let known = check_ids();
    match acceptances
        .iter()
        .find(|a| !known.contains(&a.check.as_str()))
    {
        Some(unknown) => Err(format!(
            "[[verify.accept]] names check `{}`, which dbward does not have; the checks are: {}",
            unknown.check,
            known.join(", ")
        )),
        None => Ok(()),
    }
}

/// Marks the accepted findings with their reason.
pub fn apply_acceptances(findings: &mut [Finding], acceptances: &[Acceptance]) {
    for finding in findings.iter_mut() {
        if let Some(a) = acceptances
            .iter()
            .find(|a| a.check == finding.check && a.object == finding.object)
        {
            finding.accepted = Some(a.reason.clone());
        }
    }
}

/// True when a finding not accepted is at or above `fail_on`.
pub fn fails(findings: &[Finding], fail_on: Severity) -> bool {
    findings
        .iter()
        .any(|f| f.accepted.is_none() && f.severity >= fail_on)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_findings_stay_but_do_not_fail() {
        let mut findings = vec![
            Finding::new(
                "rls_enabled_no_policy",
                Severity::Info,
                "public.a",
                "m",
                "f",
            ),
            Finding::new("no_primary_key", Severity::Warning, "public.log", "m", "f"),
        ];
        apply_acceptances(
            &mut findings,
            &[Acceptance {
                check: "no_primary_key".into(),
                object: "public.log".into(),
                reason: "append-only log".into(),
            }],
        );
        assert_eq!(findings.len(), 2);
        assert_eq!(findings[1].accepted.as_deref(), Some("append-only log"));
        assert!(!fails(&findings, Severity::Warning));
        assert!(fails(&findings, Severity::Info));
    }
}
