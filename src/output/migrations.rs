//! What the migration commands did: status, up/down/redo, validate, repair, baseline, adopt,
//! seed.

use comfy_table::Color;

use super::{Fit, Output, Text, table, time};
use crate::migrate::adopt::Reason;
use crate::migrate::plan::State;
use crate::plural::count;
use crate::report::*;

impl Output {
    pub fn status(&self, report: &StatusReport) {
        self.emit(report, || {
            if report.migrations.is_empty() {
                return "no migrations yet: `dbward new NAME` writes the first one".into();
            }
            let mut table = table(&[
                ("version", Fit::Keep),
                ("name", Fit::Keep),
                ("state", Fit::Wrap),
                ("applied at", Fit::Keep),
                ("took", Fit::Keep),
                ("rollback", Fit::Keep),
            ])
            .label_columns(&[0, 1]);
            for row in &report.migrations {
                let state = Text::new(row.state.to_string()).fg(match row.state {
                    State::Applied => Color::Green,
                    State::Pending | State::Applying => Color::Yellow,
                    _ => Color::Red,
                });
                table.row(vec![
                    row.version.to_string().into(),
                    row.name.as_str().into(),
                    state,
                    time(row.applied_at.as_deref().unwrap_or("")),
                    row.execution_ms
                        .map_or_else(String::new, |ms| format!("{ms} ms"))
                        .into(),
                    match (row.reversible, row.rollback_edited) {
                        (_, true) => Text::new("edited").fg(Color::Yellow),
                        (true, false) => "yes".into(),
                        (false, false) => "none".into(),
                    },
                ]);
            }
            let edited: Vec<EditedRollback> = report
                .migrations
                .iter()
                .filter(|row| row.rollback_edited)
                .map(|row| EditedRollback {
                    version: row.version,
                    file: row.rollback_file.clone().unwrap_or_default(),
                })
                .collect();
            format!(
                "{table}\n{}: {}, {} pending{}",
                report.database,
                count(report.migrations.len(), "migration", "migrations"),
                report.pending,
                edited_rollbacks_warning(&edited)
            )
        });
    }

    pub fn run(&self, report: &RunReport) {
        self.emit(report, || {
            if report.steps.is_empty() {
                return format!("{}: nothing to do", report.database);
            }
            if report.dry_run {
                let mut table = table(&[
                    ("version", Fit::Keep),
                    ("direction", Fit::Keep),
                    ("file", Fit::Keep),
                ])
                .label_columns(&[0, 2]);
                for step in &report.steps {
                    table.row(vec![
                        step.version.to_string().into(),
                        format!("{:?}", step.direction).to_lowercase().into(),
                        step.file.as_str().into(),
                    ]);
                }
                return format!(
                    "dry run on {}: {} would run, nothing was changed\n{table}",
                    report.database,
                    count(report.steps.len(), "step", "steps")
                );
            }
            if report.command == RunCommand::Redo {
                return format!(
                    "{}: redid migration {}",
                    report.database, report.steps[0].version
                );
            }
            let done = report
                .steps
                .iter()
                .filter(|s| s.outcome != StepOutcome::AlreadyDone)
                .count();
            format!(
                "{}: {} {} in {} ms{}{}",
                report.database,
                if report.command == RunCommand::Down {
                    "rolled back"
                } else {
                    "ran"
                },
                count(done, "migration", "migrations"),
                report.elapsed_ms,
                if report.single_transaction {
                    " (one transaction)"
                } else {
                    ""
                },
                report.local_start_ms.map_or_else(String::new, |ms| format!(
                    ", after {ms} ms starting the local PostgreSQL"
                ))
            )
        });
    }

    pub fn validate(&self, report: &ValidateReport) {
        self.emit(report, || {
            format!(
                "{}: files and history agree ({} applied, {} pending){}",
                report.database,
                report.applied,
                report.pending,
                edited_rollbacks_warning(&report.edited_rollbacks)
            )
        });
    }

    pub fn repair(&self, report: &RepairReport) {
        self.emit(report, || {
            // Said whatever else was repaired: `validate` and `up` still refuse these.
            let missing = match report.missing_left.len() {
                0 => String::new(),
                1 => format!(
                    "\n1 applied migration left in the history (its file is gone): {}; `dbward repair --forget-missing` removes it",
                    report.missing_left[0]
                ),
                n => format!(
                    "\n{n} applied migrations left in the history (their files are gone): {}; `dbward repair --forget-missing` removes them",
                    report.missing_left.join(", ")
                ),
            };
            if report.changes.is_empty() {
                return format!("{}: nothing to repair{missing}", report.database);
            }
            let mut table = table(&[
                ("version", Fit::Keep),
                ("name", Fit::Keep),
                ("action", Fit::Wrap),
                ("detail", Fit::Aside),
            ])
            .label_columns(&[0, 1]);
            for row in &report.changes {
                table.row(vec![
                    row.version.to_string().into(),
                    row.name.as_str().into(),
                    Text::new(match row.action {
                        RepairAction::ChecksumAccepted => "checksum accepted",
                        RepairAction::RollbackChecksumAccepted => "rollback checksum accepted",
                        RepairAction::FailedCleared => "failed run cleared",
                        RepairAction::MissingForgotten => "missing file forgotten",
                    }),
                    row.detail.as_str().into(),
                ]);
            }
            let verdict = if report.dry_run {
                "dry run: nothing was changed"
            } else {
                "recorded in schema_events"
            };
            format!("{table}\n{verdict}{missing}")
        });
    }

    pub fn baseline(&self, report: &BaselineReport) {
        self.emit(report, || {
            format!(
                "{}: baselined at {} ({} recorded as applied)",
                report.database,
                report.baseline,
                count(report.recorded.len(), "migration", "migrations")
            )
        });
    }

    pub fn adopt(&self, report: &AdoptReport) {
        self.emit(report, || {
            let tool = report.tool;
            let mut text = String::new();
            if !report.recorded.is_empty() {
                let mut table = table(&[
                    ("version", Fit::Keep),
                    ("name", Fit::Keep),
                    ("file", Fit::Keep),
                    ("why", Fit::Aside),
                ])
                .label_columns(&[0, 1]);
                for row in &report.recorded {
                    let why = match row.reason {
                        Reason::ChecksumMatched => format!(
                            "applied by {tool}, {} checksum matches",
                            tool.checksum_kind().unwrap_or("its")
                        ),
                        Reason::Listed => format!("applied by {tool} (it keeps no checksum)"),
                        Reason::BelowCurrent => format!("at or below {tool}'s current version"),
                        Reason::Baseline => format!("at or below {tool}'s baseline"),
                    };
                    table.row(vec![
                        row.version.to_string().into(),
                        row.name.as_str().into(),
                        row.file.as_str().into(),
                        why.into(),
                    ]);
                }
                text = format!("{table}\n");
            }
            let already = if report.already_recorded.is_empty() {
                String::new()
            } else {
                format!(", {} already recorded", report.already_recorded.len())
            };
            let done = if report.dry_run {
                "dry run: nothing was recorded"
            } else {
                "recorded in schema_events"
            };
            let what = match (report.recorded.len(), report.dry_run) {
                (0, _) => format!("nothing new to record from {tool}'s {}", report.table),
                (n, true) => format!(
                    "{} of {tool}'s {} would be recorded as applied",
                    count(n, "migration", "migrations"),
                    report.table
                ),
                (n, false) => format!(
                    "{} of {tool}'s {} recorded as applied",
                    count(n, "migration", "migrations"),
                    report.table
                ),
            };
            format!(
                "{text}{}: {what}{already}, {} pending for `dbward up`; {} left as it was ({done})",
                report.database,
                report.pending.len(),
                report.table,
            )
        });
    }

    pub fn seed(&self, report: &SeedReport) {
        self.emit(report, || {
            let Some(database) = &report.database else {
                return format!("no fixtures in {}: nothing to seed", report.looked_in);
            };
            let inserted: i64 = report.tables.iter().map(|t| t.inserted).sum();
            let summary = format!(
                "{database}: {} in {} ms, {} inserted",
                count(report.fixtures.len(), "fixture", "fixtures"),
                report.execution_ms,
                count(inserted, "row", "rows")
            );
            if report.tables.is_empty() {
                return format!("{summary}; the data was already there");
            }
            let mut table = table(&[
                ("table", Fit::Keep),
                ("inserted", Fit::Keep),
                ("updated", Fit::Keep),
                ("deleted", Fit::Keep),
            ]);
            for t in &report.tables {
                table.row(vec![
                    t.table.as_str().into(),
                    t.inserted.to_string().into(),
                    t.updated.to_string().into(),
                    t.deleted.to_string().into(),
                ]);
            }
            format!("{table}\n{summary}")
        });
    }
}

/// Lines naming the rollbacks edited since their migration was applied (none: nothing).
fn edited_rollbacks_warning(edited: &[EditedRollback]) -> String {
    edited
        .iter()
        .map(|e| {
            format!(
                "\nwarning: {} changed since migration {} was applied; `down` runs it as it is now, `dbward repair` records it",
                e.file, e.version
            )
        })
        .collect()
}
