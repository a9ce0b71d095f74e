//! `dbward verify`'s table: findings by severity, the probes run and what they left out.

use super::{Fit, Output, table};
use crate::plural::count;
use crate::report::{VerifyReport, WriteSpecReport};
use crate::verify::finding::Severity;
use crate::verify::probe::{Coverage, ProbeResult};

impl Output {
    pub fn write_spec(&self, report: &WriteSpecReport) {
        self.emit(report, || {
            format!(
                "wrote {} from {} ({})",
                report.path,
                report.database,
                count(report.tables, "table", "tables")
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
                let mut table = table(&[
                    ("check", Fit::Keep),
                    ("object", Fit::Wrap),
                    ("problem", Fit::Wrap),
                    ("fix", Fit::Aside),
                ])
                .label_columns(&[0, 1]);
                for f in group.iter() {
                    let problem = match &f.accepted {
                        Some(reason) => format!("{} [accepted: {reason}]", f.message),
                        None => f.message.clone(),
                    };
                    table.row(vec![
                        f.check.into(),
                        f.object.as_str().into(),
                        problem.into(),
                        quoted_statement(&f.fix).into(),
                    ]);
                }
                let one = severity.to_string();
                // "info" counts as it is: 3 info.
                let many = if severity == Severity::Info {
                    one.clone()
                } else {
                    format!("{one}s")
                };
                text.push_str(&format!("{}\n{table}\n", count(group.len(), &one, &many)));
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
                "{}: {} in {}, {}, {} accepted{}{}",
                report.database,
                count(report.tables, "table", "tables"),
                report.schemas.join(", "),
                count(open, "finding", "findings"),
                report.findings.len() - open,
                report
                    .spec
                    .as_ref()
                    .map_or_else(String::new, |s| format!(", spec {s}")),
                match &report.coverage {
                    None => String::new(),
                    Some(c) => format!(
                        ", {} run on {}",
                        count(probed, "probe", "probes"),
                        count(c.probed.len(), "table", "tables")
                    ),
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
        let mut table = table(&[
            ("probed", Fit::Wrap),
            ("role", Fit::Keep),
            // A user id can be 64 characters: under the table when narrow.
            ("user", Fit::Aside),
            ("command", Fit::Keep),
            ("rows", Fit::Keep),
            ("outcome", Fit::Wrap),
        ])
        .label_columns(&[0, 1, 3]);
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
            table.row(vec![
                (match &p.bucket {
                    Some(bucket) => format!("{} bucket \"{bucket}\"", p.table),
                    None => p.table.clone(),
                })
                .into(),
                p.role.into(),
                p.user.as_deref().unwrap_or("").into(),
                p.operation.as_str().into(),
                p.rows.to_string().into(),
                outcome.into(),
            ]);
        }
        text.push_str(&format!(
            "{}\n{table}\n",
            count(probes.len(), "probe", "probes")
        ));
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

/// A fix that opens with a statement shows it in backquotes, so a narrow table keeps it on
/// one line for pasting: `ALTER TABLE ...`; then the words.
fn quoted_statement(fix: &str) -> String {
    const STATEMENTS: [&str; 6] = [
        "ALTER ", "CREATE ", "DROP ", "GRANT ", "REVOKE ", "COMMENT ",
    ];
    if !STATEMENTS.iter().any(|s| fix.starts_with(s)) || fix.contains('`') {
        return fix.to_string();
    }
    // The statement ends at the first `;` outside quotes (a name may hold one).
    let mut quote: Option<char> = None;
    for (at, c) in fix.char_indices() {
        match (c, quote) {
            ('"' | '\'', None) => quote = Some(c),
            (c, Some(q)) if c == q => quote = None,
            (';', None) => return format!("`{}`{}", &fix[..at], &fix[at..]),
            _ => {}
        }
    }
    format!("`{fix}`")
}

#[cfg(test)]
mod tests {
    use super::quoted_statement;

    #[test]
    fn a_leading_statement_is_quoted_up_to_its_own_semicolon() {
        assert_eq!(
            quoted_statement(
                "ALTER TABLE \"public\".\"a; b\" ENABLE ROW LEVEL SECURITY; then add policies"
            ),
            "`ALTER TABLE \"public\".\"a; b\" ENABLE ROW LEVEL SECURITY`; then add policies"
        );
        assert_eq!(
            quoted_statement("CREATE INDEX ON \"public\".\"posts\" (\"topic_id\")"),
            "`CREATE INDEX ON \"public\".\"posts\" (\"topic_id\")`"
        );
        assert_eq!(
            quoted_statement("tie it to the owner: `using (true)`"),
            "tie it to the owner: `using (true)`"
        );
    }
}
