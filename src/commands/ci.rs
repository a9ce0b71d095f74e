//! `dbward ci`: everything a pull request needs, in one command, on a throw-away database:
//! check, up, seed, verify with probes, down (as far as rollbacks go, or to zero when they
//! are required), up again (the same catalog). The first failure stops the run and names
//! its step.

use std::time::Instant;

use super::Context;
use super::operations::{self, LocalScratch};
use crate::config::DatabaseChoice;
use crate::db::contents;
use crate::db::history::History;
use crate::db::inventory::{self, Catalog, Scope};
use crate::error::{Error, ExitCode, Result};
use crate::migrate::lint::Level;
use crate::migrate::model::Version;
use crate::migrate::plan::DownTarget;
use crate::migrate::round_trip::RoundTrip;
use crate::output::StepProgress;
use crate::report::{CiReport, CiStep, StepStatus};
use crate::secret::Secret;
use crate::verify::finding::Severity;

const STEPS: [&str; 7] = [
    "check", "database", "up", "seed", "verify", "down", "up again",
];

/// `require_rollbacks` (or `[ci] require_rollbacks`): a migration without a rollback fails
/// the down step, instead of ending the round trip there.
/// `fail_on`: the lint level that fails the check step (hazards by default).
pub fn run(
    ctx: &Context,
    junit: Option<&std::path::Path>,
    require_rollbacks: bool,
    fail_on: Option<Level>,
) -> Result<()> {
    let require_rollbacks = require_rollbacks || ctx.settings.ci.require_rollbacks;
    let mut runner = Runner {
        progress: ctx.out.step_progress("dbward ci", STEPS.len()),
        steps: Vec::new(),
        failure: None,
    };
    let mut scratch = None;
    let mut database = String::new();
    runner.step("check", || {
        let report = super::check::inspect(ctx, None, fail_on)?;
        let failing: Vec<String> = report
            .failing()
            .map(|f| format!("{}: {f}", f.level.label()))
            .collect();
        if !failing.is_empty() {
            let first = &failing[..failing.len().min(5)];
            return Err(with_detail(Error::Lint(failing.len()), first));
        }
        let warnings = report.findings.len();
        let lint = if warnings == 0 {
            "no lint finding".to_string()
        } else {
            crate::plural::count(warnings, "lint warning", "lint warnings")
        };
        Ok(format!(
            "{}, {lint}, {} without rollback",
            crate::plural::count(report.migrations, "migration", "migrations"),
            report.irreversible.len()
        ))
    });
    let mut inner: Option<Context> = None;
    runner.step("database", || {
        if !matches!(ctx.settings.database, DatabaseChoice::Local) {
            // Named even when it turns out unusable.
            database = ctx.target()?.describe();
        }
        let (url, made) = throwaway(ctx)?;
        scratch = made;
        let step_ctx = operations::context_on(ctx, url);
        // Named as every report names a database: the URL may hold a password.
        database = step_ctx.target()?.describe();
        // dbward's tables and the compat shim, no migration: the empty state to return to.
        operations::prepare_empty(&step_ctx)?;
        inner = Some(step_ctx);
        Ok(match &scratch {
            Some(s) => format!(
                "throw-away database {} on the local cluster",
                s.database.name()
            ),
            None => format!("the empty database given, {database}"),
        })
    });
    if let Some(step_ctx) = &inner {
        // Read once, in `up`; the steps after it work from that reading.
        let mut migrations = Vec::new();
        // The catalog before any migration and after each: every rollback must bring back
        // exactly the state before its migration.
        let mut states: Vec<(Option<Version>, Catalog)> = Vec::new();
        runner.step("up", || {
            migrations = step_ctx.migrations()?;
            states.push((None, snapshot(step_ctx)?));
            for migration in &migrations {
                let version = migration.version;
                operations::apply(step_ctx, &migrations, Some(version))?;
                states.push((Some(version), snapshot(step_ctx)?));
            }
            let created = states
                .last()
                .map_or(0, |(_, s)| s.len())
                .saturating_sub(states[0].1.len());
            Ok(format!(
                "{}, {} created",
                crate::plural::count(states.len() - 1, "migration", "migrations"),
                crate::plural::count(created, "object", "objects")
            ))
        });
        runner.step("seed", || {
            let report = operations::seed(step_ctx)?;
            Ok(match report.database {
                Some(_) => "fixtures applied".into(),
                None => format!("no fixtures in {}", report.looked_in),
            })
        });
        runner.step("verify", || {
            let report = operations::verify_report(step_ctx, true, Severity::Error)?;
            if report.failed {
                // The first few findings, so the step's message names what to fix.
                let first: Vec<String> = report
                    .failing()
                    .take(5)
                    .map(|f| format!("{}: {}: {}", f.check, f.object, f.message))
                    .collect();
                return Err(with_detail(
                    Error::Findings(report.failing().count()),
                    &first,
                ));
            }
            // Say what the probes covered: "probes included" when none ran would be false.
            let probes = report
                .probes
                .iter()
                .filter(|p| p.skipped.is_none() && p.failed.is_none())
                .count();
            Ok(format!(
                "no finding at error level; {}",
                report
                    .coverage
                    .as_ref()
                    .map_or_else(|| "no probe ran".to_string(), |c| c.summary(probes))
            ))
        });
        let round_trip = RoundTrip::plan(&migrations, ctx.settings.dirs.layout, require_rollbacks);
        runner.step("down", || {
            // Seeded rows may hold the schema in place; rollbacks run on what up created.
            for pair in states.windows(2).rev().take(round_trip.covered) {
                let ((before_version, before), (version, after)) = (&pair[0], &pair[1]);
                let target = before_version.map_or(DownTarget::All, DownTarget::To);
                operations::roll_back(step_ctx, &migrations, target)?;
                // The roles the migration used count too: one it made and granted to, left
                // behind by a rollback that only revokes, is no longer used.
                let left = inventory::compare_across(before, &snapshot(step_ctx)?, &[after]);
                if !left.is_empty() {
                    let lines: Vec<String> = left.iter().map(ToString::to_string).collect();
                    return Err(Error::StepFailed {
                        message: format!(
                            "the rollback of migration {} is not the reverse of the migration:\n  {}",
                            version.map_or_else(String::new, |v| v.to_string()),
                            lines.join("\n  ")
                        ),
                        code: ExitCode::ProblemsFound,
                    });
                }
            }
            Ok(round_trip.describe())
        });
        runner.step("up again", || {
            if round_trip.covered == 0 {
                return Ok("nothing to apply again: nothing was rolled back".into());
            }
            operations::apply(step_ctx, &step_ctx.migrations()?, None)?;
            let first_up = states.last().map(|(_, s)| s).cloned().unwrap_or_default();
            let changed = inventory::compare(&first_up, &snapshot(step_ctx)?);
            if !changed.is_empty() {
                let lines: Vec<String> = changed.iter().map(ToString::to_string).collect();
                return Err(Error::StepFailed {
                    message: format!(
                        "the catalog after down and up differs from the first up:\n  {}",
                        lines.join("\n  ")
                    ),
                    code: ExitCode::ProblemsFound,
                });
            }
            Ok("the same catalog as the first up".into())
        });
    }
    if let Some(scratch) = scratch {
        scratch.finish(ctx)?;
    }
    runner.progress.done();
    // Steps never reached are reported as skipped.
    for name in STEPS {
        if !runner.steps.iter().any(|s| s.name == name) {
            runner.steps.push(CiStep {
                name,
                status: StepStatus::Skipped,
                duration_ms: 0,
                message: String::new(),
            });
        }
    }
    let report = CiReport {
        database,
        passed: runner.failure.is_none(),
        steps: runner.steps,
    };
    if let Some(path) = junit {
        std::fs::write(path, junit_xml(&report)).map_err(Error::io(path))?;
    }
    ctx.out.ci(&report);
    match runner.failure {
        None => Ok(()),
        Some((step, error)) => Err(Error::CiFailed {
            step,
            code: error.exit_code(),
        }),
    }
}

struct Runner {
    progress: StepProgress,
    steps: Vec<CiStep>,
    failure: Option<(&'static str, Error)>,
}

impl Runner {
    /// Runs a step unless one failed before.
    fn step(&mut self, name: &'static str, work: impl FnOnce() -> Result<String>) {
        if self.failure.is_some() {
            return;
        }
        self.progress.started(name);
        let started = Instant::now();
        let outcome = work();
        let duration_ms = started.elapsed().as_millis() as i64;
        let (status, message) = match outcome {
            Ok(message) => (StepStatus::Passed, message),
            Err(error) => {
                let message = error.to_string();
                self.failure = Some((name, error));
                (StepStatus::Failed, message)
            }
        };
        self.progress
            .finished(name, status == StepStatus::Passed, duration_ms);
        self.steps.push(CiStep {
            name,
            status,
            duration_ms,
            message,
        });
    }
}

/// The database to run on: `--database-url` (which must be empty) or a fresh one on the
/// local cluster (dropped at the end).
fn throwaway(ctx: &Context) -> Result<(Secret, Option<LocalScratch>)> {
    match &ctx.settings.database {
        DatabaseChoice::Local => {
            let scratch = operations::scratch_database(ctx)?;
            Ok((Secret::new(scratch.database.url()), Some(scratch)))
        }
        _ => {
            let (mut client, target) = ctx.connect()?;
            let applied = History::new(&ctx.settings.schema).load(&mut client)?.len();
            let own = contents::own_objects(&mut client, &ctx.settings.schema, NAMED_OBJECTS)?;
            if applied > 0 || own.count > 0 {
                return Err(Error::Usage(not_empty(&target.describe(), applied, &own)));
            }
            match &ctx.settings.database {
                DatabaseChoice::Url(url) => Ok((url.clone(), None)),
                _ => Err(Error::Usage(
                    "dbward ci takes the empty database as --database-url or DATABASE_URL".into(),
                )),
            }
        }
    }
}

/// How many of a refused database's objects the refusal names.
const NAMED_OBJECTS: i64 = 5;

/// Why a database given to `ci` is refused: what it holds, and what ci would do to it.
fn not_empty(database: &str, applied: usize, own: &contents::Contents) -> String {
    let mut found = Vec::new();
    if own.count > 0 {
        let more = own.count - own.first.len() as i64;
        found.push(format!(
            "{} ({}{})",
            crate::plural::count(own.count, "object", "objects"),
            own.first.join(", "),
            if more > 0 {
                format!(", and {more} more")
            } else {
                String::new()
            }
        ));
    }
    if applied > 0 {
        found.push(format!(
            "a dbward history of {}",
            crate::plural::count(applied, "migration", "migrations")
        ));
    }
    format!(
        "dbward ci needs an empty database, and {database} holds {}; ci applies, seeds and rolls back migrations on the database it is given, so it must not run on one that holds anything; leave out --database-url to use a throw-away one",
        found.join(" and ")
    )
}

fn snapshot(ctx: &Context) -> Result<Catalog> {
    let (mut client, _) = ctx.connect()?;
    inventory::load(&mut client, &Scope::round_trip(&ctx.settings.schema))
}

/// Adds the first few findings behind a failure to its message.
fn with_detail(error: Error, lines: &[String]) -> Error {
    if lines.is_empty() {
        return error;
    }
    let code = error.exit_code();
    Error::StepFailed {
        message: format!("{error}:\n  {}", lines.join("\n  ")),
        code,
    }
}

fn junit_xml(report: &CiReport) -> String {
    let escape = |text: &str| {
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let failures = report
        .steps
        .iter()
        .filter(|s| s.status == StepStatus::Failed)
        .count();
    let skipped = report
        .steps
        .iter()
        .filter(|s| s.status == StepStatus::Skipped)
        .count();
    let total: i64 = report.steps.iter().map(|s| s.duration_ms).sum();
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite name=\"dbward ci\" tests=\"{}\" failures=\"{failures}\" skipped=\"{skipped}\" time=\"{:.3}\">\n",
        report.steps.len(),
        total as f64 / 1000.0
    );
    for step in &report.steps {
        xml.push_str(&format!(
            "    <testcase classname=\"dbward.ci\" name=\"{}\" time=\"{:.3}\">",
            escape(step.name),
            step.duration_ms as f64 / 1000.0
        ));
        match step.status {
            StepStatus::Passed => {}
            StepStatus::Failed => xml.push_str(&format!(
                "<failure message=\"{}\">{}</failure>",
                escape(step.message.lines().next().unwrap_or("")),
                escape(&step.message)
            )),
            StepStatus::Skipped => xml.push_str("<skipped/>"),
        }
        xml.push_str("</testcase>\n");
    }
    xml.push_str("  </testsuite>\n</testsuites>\n");
    xml
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn junit_names_each_step_and_escapes_messages() {
        let report = CiReport {
            database: String::new(),
            passed: false,
            steps: vec![
                CiStep {
                    name: "check",
                    status: StepStatus::Passed,
                    duration_ms: 12,
                    message: String::new(),
                },
                CiStep {
                    name: "up",
                    status: StepStatus::Failed,
                    duration_ms: 1500,
                    message: "a < b & \"c\"".into(),
                },
                CiStep {
                    name: "seed",
                    status: StepStatus::Skipped,
                    duration_ms: 0,
                    message: String::new(),
                },
            ],
        };
        let xml = junit_xml(&report);
        assert!(
            xml.contains("tests=\"3\" failures=\"1\" skipped=\"1\""),
            "{xml}"
        );
        assert!(
            xml.contains(
                "name=\"up\" time=\"1.500\"><failure message=\"a &lt; b &amp; &quot;c&quot;\">"
            ),
            "{xml}"
        );
        assert!(
            xml.contains("name=\"seed\" time=\"0.000\"><skipped/>"),
            "{xml}"
        );
    }
}
