//! The only module that prints: comfy-table for people, one JSON document for machines.
//! Notes and progress go to stderr, so stdout stays the result.

use serde::Serialize;

mod grid;
mod jobs;
mod migrations;
mod progress;
mod pull_request;
mod verify;
mod width;

pub use progress::StepProgress;

use grid::{Fit, Grid, Text};

use crate::cli::Format;
use crate::error::{Error, LockHolder};
use crate::migrate::model::Version;
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
            progress::above(|| eprintln!("{message}"));
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

    /// A server dbward started or stopped, or an account it made: always said, as waits
    /// are, because a process left running should never be a surprise.
    pub fn announce(&self, text: String, event: serde_json::Value) {
        self.waiting(text, event);
    }

    /// A wait on another runner: always said, even with --quiet, because a silent hang is the
    /// worst kind. With `--format json`, as one JSON event on stderr.
    fn waiting(&self, text: String, event: serde_json::Value) {
        if self.silent || self.format == Format::Table {
            progress::above(|| eprintln!("{text}"));
        } else {
            progress::above(|| eprintln!("{event}"));
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
                let text = grid::fit_lines(&table(), width::for_stdout());
                if !text.is_empty() {
                    println!("{text}");
                }
            }
        }
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
                "wrote {} to {}: {}",
                crate::plural::count(report.pages.len(), "man page", "man pages"),
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

/// A table laid out for stdout's width (see `width`).
fn table(columns: &[(&str, Fit)]) -> Grid {
    Grid::new(columns)
}

impl std::fmt::Display for Grid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render(width::for_stdout()))
    }
}

/// A UTC time as stored (`2026-11-29T23:45:17Z`), shortened to `11-29 23:45` for narrow
/// tables.
fn time(at: &str) -> Text {
    match (at.get(5..10), at.get(11..16)) {
        (Some(day), Some(minute)) if at.len() == 20 => {
            Text::new(at).short(format!("{day} {minute}"))
        }
        _ => Text::new(at),
    }
}
