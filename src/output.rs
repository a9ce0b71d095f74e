//! The only module that prints: comfy-table for people, one JSON document for machines.
//! Notes and progress go to stderr, so stdout stays the result.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, Color, ContentArrangement, Table};
use serde::Serialize;

mod verify;

use crate::cli::Format;
use crate::error::{Error, LockHolder};
use crate::migrate::adopt::Reason;
use crate::migrate::model::Version;
use crate::migrate::plan::State;
use crate::report::*;

#[derive(Debug, Clone, Copy)]
pub struct Output {
    pub format: Format,
    pub quiet: bool,
    /// Prints nothing at all: for the commands `dbward ci` runs as its steps.
    silent: bool,
}

impl Output {
    pub fn new(format: Format, quiet: bool) -> Output {
        Output {
            format,
            quiet,
            silent: false,
        }
    }

    pub fn silent() -> Output {
        Output {
            format: Format::Table,
            quiet: true,
            silent: true,
        }
    }

    /// Something a person may want to know while it happens (stderr; never in JSON).
    pub fn note(&self, message: &str) {
        if !self.quiet && !self.silent && self.format == Format::Table {
            eprintln!("{message}");
        }
    }

    pub fn waiting_for_lock(&self, holder: &LockHolder) {
        self.waiting(
            format!("waiting for the migration lock, held by {holder}"),
            serde_json::json!({"event": "waiting_for_lock", "holder": holder}),
        );
    }

    pub fn waiting_for_migration(&self, version: Version, holder: &LockHolder) {
        self.waiting(
            format!(
                "waiting for migration {version}, which runs outside a transaction and is being applied by {holder}"
            ),
            serde_json::json!({"event": "waiting_for_migration", "version": version, "holder": holder}),
        );
    }

    pub fn retrying_after_lock_timeout(
        &self,
        version: Version,
        blockers: &crate::db::table_locks::LockBlockers,
        retry: u32,
        retries: u32,
        pause: std::time::Duration,
    ) {
        self.waiting(
            format!(
                "migration {version} waited longer than lock_timeout for a table lock held by {blockers}; rolled back, trying again ({retry} of {retries}) in {}",
                humantime::format_duration(std::time::Duration::from_millis(pause.as_millis() as u64))
            ),
            serde_json::json!({"event": "lock_timeout_retry", "version": version, "holders": blockers.sessions(), "guessed": blockers.guessed(), "retry": retry, "retries": retries, "pause_ms": pause.as_millis() as u64}),
        );
    }

    /// A wait on another runner: always said, even with --quiet, because a silent hang is the
    /// worst kind. With `--format json`, as one JSON event on stderr.
    fn waiting(&self, text: String, event: serde_json::Value) {
        if self.silent || self.format == Format::Table {
            eprintln!("{text}");
        } else {
            eprintln!("{event}");
        }
    }

    pub fn step(&self, step: &StepRow) {
        let verb = match step.outcome {
            StepOutcome::Applied => "applied",
            StepOutcome::RolledBack => "rolled back",
            StepOutcome::WouldRun => return,
            StepOutcome::AlreadyDone => "already done by another runner:",
        };
        let ms = step
            .execution_ms
            .map_or_else(String::new, |ms| format!(" ({ms} ms)"));
        let edited = if step.rollback_edited {
            format!(
                ", a rollback edited since migration {} was applied",
                step.version
            )
        } else {
            String::new()
        };
        self.note(&format!("{verb} {}{ms}{edited}", step.file));
    }

    fn json<T: Serialize>(&self, value: &T) {
        match serde_json::to_string_pretty(value) {
            Ok(text) => println!("{text}"),
            Err(e) => eprintln!("cannot write JSON: {e}"),
        }
    }

    fn emit<T: Serialize>(&self, report: &T, table: impl FnOnce() -> String) {
        if self.silent {
            return;
        }
        match self.format {
            Format::Json => self.json(report),
            Format::Table => {
                let text = table();
                if !text.is_empty() {
                    println!("{text}");
                }
            }
        }
    }

    pub fn status(&self, report: &StatusReport) {
        self.emit(report, || {
            if report.migrations.is_empty() {
                return "no migrations yet: `dbward new NAME` writes the first one".into();
            }
            let mut table = table(&["version", "name", "state", "applied at", "took", "rollback"]);
            for row in &report.migrations {
                let state = Cell::new(row.state.to_string()).fg(match row.state {
                    State::Applied => Color::Green,
                    State::Pending | State::Applying => Color::Yellow,
                    _ => Color::Red,
                });
                table.add_row(vec![
                    Cell::new(row.version),
                    Cell::new(&row.name),
                    state,
                    Cell::new(row.applied_at.as_deref().unwrap_or("")),
                    Cell::new(
                        row.execution_ms
                            .map_or_else(String::new, |ms| format!("{ms} ms")),
                    ),
                    match (row.reversible, row.rollback_edited) {
                        (_, true) => Cell::new("edited").fg(Color::Yellow),
                        (true, false) => Cell::new("yes"),
                        (false, false) => Cell::new("none"),
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
                "{table}\n{}: {} migration(s), {} pending{}",
                report.database,
                report.migrations.len(),
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
                let mut table = table(&["version", "direction", "file"]);
                for step in &report.steps {
                    table.add_row(vec![
                        Cell::new(step.version),
                        Cell::new(format!("{:?}", step.direction).to_lowercase()),
                        Cell::new(&step.file),
                    ]);
                }
                return format!(
                    "dry run on {}: {} step(s) would run, nothing was changed\n{table}",
                    report.database,
                    report.steps.len()
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
                "{}: {} {done} migration(s) in {} ms{}",
                report.database,
                if report.command == RunCommand::Down {
                    "rolled back"
                } else {
                    "ran"
                },
                report.elapsed_ms,
                if report.single_transaction {
                    " (one transaction)"
                } else {
                    ""
                }
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
            if report.changes.is_empty() {
                return format!("{}: nothing to repair", report.database);
            }
            let mut table = table(&["version", "name", "action", "detail"]);
            for row in &report.changes {
                table.add_row(vec![
                    Cell::new(row.version),
                    Cell::new(&row.name),
                    Cell::new(match row.action {
                        RepairAction::ChecksumAccepted => "checksum accepted",
                        RepairAction::RollbackChecksumAccepted => "rollback checksum accepted",
                        RepairAction::FailedCleared => "failed run cleared",
                        RepairAction::MissingForgotten => "missing file forgotten",
                    }),
                    Cell::new(&row.detail),
                ]);
            }
            let verdict = if report.dry_run {
                "dry run: nothing was changed"
            } else {
                "recorded in schema_events"
            };
            format!("{table}\n{verdict}")
        });
    }

    pub fn baseline(&self, report: &BaselineReport) {
        self.emit(report, || {
            format!(
                "{}: baselined at {} ({} migration(s) recorded as applied)",
                report.database,
                report.baseline,
                report.recorded.len()
            )
        });
    }

    pub fn adopt(&self, report: &AdoptReport) {
        self.emit(report, || {
            let tool = report.tool;
            let mut text = String::new();
            if !report.recorded.is_empty() {
                let mut table = table(&["version", "name", "file", "why"]);
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
                    table.add_row(vec![
                        Cell::new(row.version),
                        Cell::new(&row.name),
                        Cell::new(&row.file),
                        Cell::new(why),
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
                    "{n} migration(s) of {tool}'s {} would be recorded as applied",
                    report.table
                ),
                (n, false) => format!(
                    "{n} migration(s) of {tool}'s {} recorded as applied",
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
                "{database}: {} fixture(s) in {} ms, {inserted} row(s) inserted",
                report.fixtures.len(),
                report.execution_ms
            );
            if report.tables.is_empty() {
                return format!("{summary}; the data was already there");
            }
            let mut table = table(&["table", "inserted", "updated", "deleted"]);
            for t in &report.tables {
                table.add_row(vec![
                    Cell::new(&t.table),
                    Cell::new(t.inserted),
                    Cell::new(t.updated),
                    Cell::new(t.deleted),
                ]);
            }
            format!("{table}\n{summary}")
        });
    }

    pub fn write_spec(&self, report: &WriteSpecReport) {
        self.emit(report, || {
            format!(
                "wrote {} from {} ({} table(s))",
                report.path, report.database, report.tables
            )
        });
    }

    pub fn job_list(&self, rows: &[JobListRow]) {
        self.emit(&rows, || {
            if rows.is_empty() {
                return "no jobs: declare them under [jobs.NAME] in dbward.toml".into();
            }
            let mut table = table(&["job", "kind", "schedule", "does"]);
            for row in rows {
                table.add_row(vec![
                    Cell::new(&row.name),
                    Cell::new(row.kind),
                    Cell::new(&row.schedule),
                    Cell::new(&row.description),
                ]);
            }
            table.to_string()
        });
    }

    /// A progress bar for a long job, only where a person watches.
    pub fn progress_bar(&self, job: &str, total: u64) -> Option<indicatif::ProgressBar> {
        use std::io::IsTerminal;
        if self.quiet
            || self.format != Format::Table
            || !std::io::stderr().is_terminal()
            || total == 0
        {
            return None;
        }
        let bar = indicatif::ProgressBar::new(total);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{msg} [{bar:30}] {pos}/{len} rows ({per_sec}, {eta} left)",
        ) {
            bar.set_style(style);
        }
        bar.set_message(job.to_string());
        Some(bar)
    }

    /// As each job ends: failures loudly (always), skips plainly, success only when asked.
    pub fn job_done(&self, result: &JobResult, verbose: bool) {
        if self.format != Format::Table {
            return;
        }
        match result.status {
            JobStatus::Failed => eprintln!(
                "job {} failed: {}",
                result.job,
                result.error.as_deref().unwrap_or("unknown error")
            ),
            JobStatus::Skipped => {
                if !self.quiet {
                    println!("{}: {}", result.job, result.summary);
                }
            }
            _ => {
                for section in &result.sections {
                    let mut t = table(
                        &section
                            .columns
                            .iter()
                            .map(String::as_str)
                            .collect::<Vec<_>>(),
                    );
                    for row in &section.rows {
                        t.add_row(row.clone());
                    }
                    if section.rows.is_empty() {
                        println!("{}: none", section.title);
                    } else {
                        println!("{}\n{t}", section.title);
                    }
                }
                if verbose {
                    println!(
                        "{}: {} ({} ms)",
                        result.job, result.summary, result.duration_ms
                    );
                }
            }
        }
    }

    /// The whole run: the JSON document for machines (people saw each job as it ended).
    pub fn job_run(&self, report: &JobRunReport, verbose: bool) {
        if self.format == Format::Json {
            self.json(report);
        } else if verbose && report.dry_run {
            println!("dry run on {}: nothing was changed", report.database);
        }
    }

    pub fn job_history(&self, report: &JobHistoryReport) {
        self.emit(report, || {
            if report.runs.is_empty() {
                return format!("{}: no job runs recorded", report.database);
            }
            let mut t = table(&[
                "id", "job", "started", "finished", "status", "rows", "detail", "host",
            ]);
            for run in &report.runs {
                let detail = run.detail.clone().unwrap_or_default();
                let detail = if detail.chars().count() > 80 {
                    format!("{}...", detail.chars().take(77).collect::<String>())
                } else {
                    detail
                };
                t.add_row(vec![
                    Cell::new(run.id),
                    Cell::new(&run.job),
                    Cell::new(&run.started_at),
                    Cell::new(run.finished_at.as_deref().unwrap_or("")),
                    Cell::new(format!("{:?}", run.status).to_lowercase()),
                    Cell::new(
                        run.rows_affected
                            .map_or_else(String::new, |n| n.to_string()),
                    ),
                    Cell::new(detail),
                    Cell::new(run.host.as_deref().unwrap_or("")),
                ]);
            }
            t.to_string()
        });
    }

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
                "{} migration(s){scope}: {} lint finding(s) ({} failing), {} without rollback",
                report.migrations,
                report.findings.len(),
                report.failing().count(),
                report.irreversible.len()
            ));
            text
        });
    }

    pub fn ci(&self, report: &CiReport) {
        self.emit(report, || {
            let mut t = table(&["step", "result", "took", "detail"]);
            for step in &report.steps {
                t.add_row(vec![
                    Cell::new(step.name),
                    Cell::new(format!("{:?}", step.status).to_lowercase()).fg(match step.status {
                        StepStatus::Passed => Color::Green,
                        StepStatus::Failed => Color::Red,
                        StepStatus::Skipped => Color::Yellow,
                    }),
                    Cell::new(format!("{} ms", step.duration_ms)),
                    Cell::new(&step.message),
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
            let mut t = table(&["kind", "object", "drift"]);
            for d in &report.differences {
                let drift = match (&d.expected, &d.actual) {
                    (None, Some(_)) => "not in the migrations".to_string(),
                    (Some(_), None) => "missing from the database".to_string(),
                    (Some(e), Some(a)) => format!("database: {a}\nmigrations: {e}"),
                    (None, None) => String::new(),
                };
                t.add_row(vec![
                    Cell::new(&d.kind),
                    Cell::new(&d.name),
                    Cell::new(drift),
                ]);
            }
            format!(
                "{t}\n{}: {} object(s) differ from {base}",
                report.database,
                report.differences.len()
            )
        });
    }

    pub fn new_migration(&self, report: &NewReport) {
        self.emit(report, || match &report.rollback {
            Some(rollback) => format!("created {}\ncreated {rollback}", report.migration),
            None => format!("created {}", report.migration),
        });
    }

    /// Text made for another program (a completion script, a man page), as it is, in every
    /// format.
    pub fn generated(&self, text: &[u8]) {
        use std::io::Write;
        let mut stdout = std::io::stdout().lock();
        // A closed pipe (`dbward man | head`) is no error of dbward's.
        let _ = stdout.write_all(text).and_then(|()| stdout.flush());
    }

    pub fn man_pages(&self, report: &ManReport) {
        self.emit(report, || {
            format!(
                "wrote {} man page(s) to {}: {}",
                report.pages.len(),
                report.dir,
                report.pages.join(", ")
            )
        });
    }

    pub fn init(&self, report: &InitReport) {
        self.emit(report, || {
            let mut lines: Vec<String> = report
                .created
                .iter()
                .map(|path| format!("created {path}"))
                .collect();
            lines.push(format!(
                "layout {}, migrations in {}; next: `dbward new NAME`, then `dbward up`",
                report.layout, report.migrations_dir
            ));
            lines.join("\n")
        });
    }

    pub fn local(&self, report: &LocalReport) {
        self.emit(report, || {
            if report.action == LocalCommand::Url {
                return report.url.clone().unwrap_or_default();
            }
            report.message.clone()
        });
    }

    /// The error, once: to stderr for people, as the JSON document for machines.
    pub fn error(&self, error: &Error) {
        if self.format == Format::Json && error.already_reported() {
            return;
        }
        match self.format {
            Format::Table => eprintln!("error: {error}"),
            Format::Json => self.json(&serde_json::json!({
                "error": {
                    "kind": error.kind(),
                    "message": error.to_string(),
                    "exit_code": error.exit_code() as i32,
                    "detail": error.detail(),
                }
            })),
        }
    }
}

fn table(header: &[&str]) -> Table {
    use std::io::IsTerminal;
    let mut table = Table::new();
    // Fitting columns to the terminal is only worth its cost where there is one.
    let arrangement = if std::io::stdout().is_terminal() {
        ContentArrangement::Dynamic
    } else {
        ContentArrangement::Disabled
    };
    table
        .load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(arrangement)
        .set_header(header.to_vec());
    table
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
