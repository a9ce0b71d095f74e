//! `dbward verify`'s table: findings by severity, the probes run and what they left out.

use comfy_table::Cell;

use super::{Output, table};
use crate::report::{VerifyReport, WriteSpecReport};
use crate::verify::finding::Severity;
use crate::verify::probe::{Coverage, ProbeResult};

impl Output {
    pub fn write_spec(&self, report: &WriteSpecReport) {
        self.emit(report, || {
            format!(
                "wrote {} from {} ({} table(s))",
                report.path, report.database, report.tables
            )
        });
    }

    pub fn verify(&self, report: &VerifyReport) {
        self.emit(report, || {
            let mut text = String::new();
            for severity in [Severity::Error, Severity::Warning, Severity::Info] {
                let group: Vec<_> = report
                    .findings
                    .iter()
                    .filter(|f| f.severity == severity)
                    .collect();
                if group.is_empty() {
                    continue;
                }
                let mut table = table(&["check", "object", "problem", "fix"]);
                for f in group.iter() {
                    let problem = match &f.accepted {
                        Some(reason) => format!("{} [accepted: {reason}]", f.message),
                        None => f.message.clone(),
                    };
                    table.add_row(vec![
                        Cell::new(f.check),
                        Cell::new(&f.object),
                        Cell::new(problem),
                        Cell::new(&f.fix),
                    ]);
                }
                text.push_str(&format!("{} {severity}(s)\n{table}\n", group.len()));
            }
            if let Some(coverage) = &report.coverage {
                text.push_str(&probes_text(&report.probes, coverage));
            }
            let probed = report
                .probes
                .iter()
                .filter(|p| p.skipped.is_none() && p.failed.is_none())
                .count();
            let open = report
                .findings
                .iter()
                .filter(|f| f.accepted.is_none())
                .count();
            text.push_str(&format!(
                "{}: {} table(s) in {}, {} finding(s), {} accepted{}{}",
                report.database,
                report.tables,
                report.schemas.join(", "),
                open,
                report.findings.len() - open,
                report
                    .spec
                    .as_ref()
                    .map_or_else(String::new, |s| format!(", spec {s}")),
                match &report.coverage {
                    None => String::new(),
                    Some(c) => format!(", {probed} probe(s) run on {} table(s)", c.probed.len()),
                }
            ));
            text
        });
    }
}

/// Each probe run (table, role, user, command, rows reached, outcome), then why the tables
/// left out were not probed.
fn probes_text(probes: &[ProbeResult], coverage: &Coverage) -> String {
    let mut text = String::new();
    if !probes.is_empty() {
        let mut table = table(&["probed", "role", "user", "command", "rows", "outcome"]);
        for p in probes {
            let outcome = match (&p.failed, &p.skipped) {
                (Some(reason), _) => format!("failed: {reason}"),
                (None, Some(reason)) => format!("skipped: {reason}"),
                (None, None) if p.shared.is_empty() => p.outcome.as_str().to_string(),
                (None, None) => format!(
                    "{} by {}",
                    p.outcome.as_str(),
                    p.shared
                        .iter()
                        .map(|s| format!("\"{}\"", s.policy))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            table.add_row(vec![
                Cell::new(match &p.bucket {
                    Some(bucket) => format!("{} bucket \"{bucket}\"", p.table),
                    None => p.table.clone(),
                }),
                Cell::new(p.role),
                Cell::new(p.user.as_deref().unwrap_or("")),
                Cell::new(p.operation.as_str()),
                Cell::new(p.rows),
                Cell::new(outcome),
            ]);
        }
        text.push_str(&format!("{} probe(s)\n{table}\n", probes.len()));
    }
    if coverage.nothing_probed() {
        text.push_str("no table was probed\n");
    }
    for n in &coverage.not_probed {
        text.push_str(&format!(
            "not probed, {}: {}\n",
            n.reason,
            n.tables.join(", ")
        ));
    }
    text
}
