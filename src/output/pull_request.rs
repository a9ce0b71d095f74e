//! Checking a pull request: `check`, `ci` and `diff`.

use comfy_table::Color;

use super::{Fit, Output, Text, table};
use crate::plural::count;
use crate::report::*;

impl Output {
    pub fn check(&self, report: &CheckReport) {
        self.emit(report, || {
            let mut text = String::new();
            for finding in &report.findings {
                text.push_str(&format!("{}: {finding}\n", finding.level.label()));
            }
            for path in &report.irreversible {
                text.push_str(&format!(
                    "warning: {path} has no rollback: `down` stops before it\n"
                ));
            }
            for path in &report.unwritten_rollbacks {
                text.push_str(&format!(
                    "warning: {path} holds no SQL: `down` refuses to run it; write it, or remove it to make the migration irreversible\n"
                ));
            }
            let scope = report
                .since
                .map_or_else(String::new, |s| format!(" (linted: above {s})"));
            text.push_str(&format!(
                "{}{scope}: {} ({} failing), {} without rollback",
                count(report.migrations, "migration", "migrations"),
                count(report.findings.len(), "lint finding", "lint findings"),
                report.failing().count(),
                report.irreversible.len()
            ));
            text
        });
    }

    pub fn ci(&self, report: &CiReport) {
        self.emit(report, || {
            let mut t = table(&[
                ("step", Fit::Keep),
                ("result", Fit::Keep),
                ("took", Fit::Keep),
                ("detail", Fit::Wrap),
            ]);
            for step in &report.steps {
                t.row(vec![
                    step.name.into(),
                    Text::new(format!("{:?}", step.status).to_lowercase()).fg(match step.status {
                        StepStatus::Passed => Color::Green,
                        StepStatus::Failed => Color::Red,
                        StepStatus::Skipped => Color::Yellow,
                    }),
                    format!("{} ms", step.duration_ms).into(),
                    step.message.as_str().into(),
                ]);
            }
            let verdict = if report.passed {
                "dbward ci passed"
            } else {
                "dbward ci FAILED"
            };
            format!("{t}\n{verdict}")
        });
    }

    pub fn diff(&self, report: &DiffReport) {
        self.emit(report, || {
            let base = match report.migrated_to {
                Some(v) => format!("migrations up to {v}"),
                None => "all migrations".to_string(),
            };
            if report.differences.is_empty() {
                return format!(
                    "{}: schemas {} match {base}",
                    report.database,
                    report.schemas.join(", ")
                );
            }
            let mut t = table(&[
                ("kind", Fit::Keep),
                ("object", Fit::Keep),
                ("drift", Fit::Aside),
            ])
            .label_columns(&[0, 1]);
            for d in &report.differences {
                let drift = match (&d.expected, &d.actual) {
                    (None, Some(_)) => "not in the migrations".to_string(),
                    (Some(_), None) => "missing from the database".to_string(),
                    (Some(e), Some(a)) => format!("database: {a}\nmigrations: {e}"),
                    (None, None) => String::new(),
                };
                t.row(vec![
                    d.kind.as_str().into(),
                    d.name.as_str().into(),
                    drift.into(),
                ]);
            }
            format!(
                "{t}\n{}: {} from {base}",
                report.database,
                match report.differences.len() {
                    1 => "1 object differs".to_string(),
                    n => format!("{n} objects differ"),
                }
            )
        });
    }

    /// `diff --write`: the files written (or, with `--dry-run`, their text), the hazards
    /// their statements carry and the columns that may be renames.
    pub fn generated_migration(&self, report: &GeneratedReport) {
        self.emit(report, || {
            if report.files.is_empty() {
                return format!(
                    "nothing to write: {} matches the migrations",
                    report.source
                );
            }
            let mut lines = Vec::new();
            for file in &report.files {
                if report.dry_run {
                    lines.push(format!(
                        "-- {} ({})\n{}",
                        file.path,
                        file.role.word(),
                        file.text
                    ));
                } else {
                    lines.push(format!("wrote {}", file.path));
                }
            }
            match &report.recorded {
                Some(versions) if !versions.is_empty() => lines.push(format!(
                    "recorded {} as applied in {}, which holds that schema already",
                    versions.join(" and "),
                    report.source
                )),
                Some(_) => {}
                None => lines.push(format!(
                    "{} changed while the migration was made: nothing recorded there; check it with `dbward diff`",
                    report.source
                )),
            }
            for rollback in &report.unwritten_rollbacks {
                lines.push(format!(
                    "the rollback, proven but not written (this layout keeps no rollbacks):\n{rollback}"
                ));
            }
            for restated in &report.restated {
                lines.push(format!("same check, other words: {restated}"));
            }
            for hazard in &report.hazards {
                lines.push(format!("hazard: {hazard}"));
            }
            for rename in &report.possible_renames {
                lines.push(format!(
                    "possible rename, written as a drop and an add: {rename}"
                ));
            }
            lines.push(format!(
                "{} from {}, proven on a throw-away database: the migration gives its schema, the rollback the migrations' back{}",
                count(report.statements, "statement", "statements"),
                report.source,
                if report.dry_run { " (--dry-run: nothing written)" } else { "" }
            ));
            lines.join("\n")
        });
    }
}
