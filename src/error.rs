//! Typed errors and the exit code of each (DESIGN.md, "Output and exit codes").

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

use crate::migrate::adopt::Refusal;
use crate::migrate::failure::MigrationFailure;
use crate::migrate::plan::{Divergence, PlanError};
use crate::migrate::source::FileProblem;

/// Exit codes: 0 done, 1 the work failed, 2 bad invocation or input, 3 a check found problems.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    Failed = 1,
    BadInput = 2,
    ProblemsFound = 3,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The command line or a setting makes no sense.
    #[error("{0}")]
    Usage(String),
    #[error("{path}: {message}")]
    Config { path: PathBuf, message: String },
    #[error("{}", list(.0))]
    Files(Vec<FileProblem>),
    #[error("{0}")]
    Plan(PlanError),
    /// `status --exit-code` found pending migrations.
    #[error("{}", crate::plural::count(.0, "pending migration", "pending migrations"))]
    Pending(usize),
    /// Some jobs of a `job run` failed (the others ran).
    #[error("{} failed: {}", crate::plural::count(.0.len(), "job", "jobs"), .0.join(", "))]
    JobsFailed(Vec<String>),
    /// A step of `dbward ci` failed; the exit code is that of the step's own error.
    #[error("dbward ci failed at step `{step}`")]
    CiFailed { step: &'static str, code: ExitCode },
    /// An error with the findings behind it spelled out.
    #[error("{message}")]
    StepFailed { message: String, code: ExitCode },
    /// `adopt` found reasons not to take over another tool's history; each is named.
    #[error("{}", adopt_refused(.0))]
    AdoptRefused(Vec<Refusal>),
    /// `diff` found objects that differ from the migrations.
    #[error("{} from the migrations", match .0 { 1 => "1 object differs".to_string(), n => format!("{n} objects differ") })]
    Drift(usize),
    /// `check` found rule violations in the migrations.
    #[error("{} at or above --fail-on in the migrations", crate::plural::count(.0, "lint finding", "lint findings"))]
    Lint(usize),
    /// `verify` found problems at or above `--fail-on`.
    #[error("{} at or above --fail-on", crate::plural::count(.0, "finding", "findings"))]
    Findings(usize),
    #[error("cannot connect to {target}: {message}")]
    Connect { target: String, message: String },
    #[error("{context}: {}", .source.describe())]
    Database {
        context: String,
        #[source]
        source: tokio_postgres::Error,
    },
    #[error("{0}")]
    MigrationFailed(Box<MigrationFailure>),
    #[error("{}", lock_timeout(.waited, .holder))]
    LockTimeout {
        waited: Duration,
        holder: Option<LockHolder>,
    },
    /// The local PostgreSQL could not be found, made, started or stopped.
    #[error("{0}")]
    Local(String),
    /// dbward's schema holds objects another role owns: dbward refuses to use it.
    #[error("{0}")]
    UntrustedSchema(String),
    #[error("{}: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Error::CiFailed { code, .. } | Error::StepFailed { code, .. } => *code,
            Error::Usage(_) | Error::Config { .. } | Error::Files(_) => ExitCode::BadInput,
            Error::Plan(PlanError::Diverged(_))
            | Error::AdoptRefused(_)
            | Error::Pending(_)
            | Error::Findings(_)
            | Error::Lint(_)
            | Error::Drift(_) => ExitCode::ProblemsFound,
            Error::Plan(_) => ExitCode::BadInput,
            Error::Connect { .. }
            | Error::Database { .. }
            | Error::MigrationFailed(_)
            | Error::JobsFailed(_)
            | Error::LockTimeout { .. }
            | Error::Local(_)
            | Error::UntrustedSchema(_)
            | Error::Io { .. } => ExitCode::Failed,
        }
    }

    /// True when the command's own report already says it all (the JSON document is out).
    pub fn already_reported(&self) -> bool {
        matches!(
            self,
            Error::Pending(_)
                | Error::Findings(_)
                | Error::JobsFailed(_)
                | Error::Lint(_)
                | Error::Drift(_)
                | Error::CiFailed { .. }
        )
    }

    /// A short machine-readable name for `--format json`.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Usage(_) => "usage",
            Error::Config { .. } => "config",
            Error::Files(_) => "files",
            Error::Plan(PlanError::Diverged(_)) => "diverged",
            Error::Plan(_) => "plan",
            Error::Pending(_) => "pending",
            Error::AdoptRefused(_) => "adopt_refused",
            Error::Findings(_) => "findings",
            Error::Lint(_) => "lint",
            Error::Drift(_) => "drift",
            Error::CiFailed { .. } => "ci_failed",
            Error::StepFailed { .. } => "step_failed",
            Error::JobsFailed(_) => "jobs_failed",
            Error::Connect { .. } => "connect",
            Error::Database { .. } => "database",
            Error::MigrationFailed(_) => "migration_failed",
            Error::LockTimeout { .. } => "lock_timeout",
            Error::Local(_) => "local",
            Error::UntrustedSchema(_) => "untrusted_schema",
            Error::Io { .. } => "io",
        }
    }

    /// Structured detail for `--format json`, where there is more than the message.
    pub fn detail(&self) -> serde_json::Value {
        match self {
            Error::Files(problems) => serde_json::json!(problems),
            Error::Plan(PlanError::Diverged(divergences)) => serde_json::json!(divergences),
            Error::MigrationFailed(failure) => serde_json::json!(failure),
            Error::AdoptRefused(refusals) => serde_json::json!(refusals),
            Error::LockTimeout { holder, .. } => serde_json::json!(holder),
            _ => serde_json::Value::Null,
        }
    }

    pub fn db(context: impl Into<String>) -> impl FnOnce(tokio_postgres::Error) -> Error {
        let context = context.into();
        move |source| Error::Database { context, source }
    }

    pub fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.into();
        move |source| Error::Io { path, source }
    }
}

impl From<PlanError> for Error {
    fn from(e: PlanError) -> Self {
        Error::Plan(e)
    }
}

impl From<Vec<Divergence>> for Error {
    fn from(d: Vec<Divergence>) -> Self {
        Error::Plan(PlanError::Diverged(d))
    }
}

fn adopt_refused(refusals: &[Refusal]) -> String {
    let lines: Vec<String> = refusals.iter().map(|r| format!("\n  {r}")).collect();
    format!(
        "nothing was adopted, for {}:{}",
        crate::plural::count(refusals.len(), "reason", "reasons"),
        lines.concat()
    )
}

fn list(problems: &[FileProblem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// A driver error in the words a message gives it. The words are the database layer's
/// (`db::driver_error`, which implements this): this module knows no driver detail and
/// imports nothing from `db/`, which imports it.
pub trait Describe {
    fn describe(&self) -> String;
}

/// Who holds the lock a runner waits for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LockHolder {
    pub pid: i32,
    pub application_name: String,
    pub user: String,
    /// RFC 3339, UTC.
    pub since: String,
}

impl fmt::Display for LockHolder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let app = if self.application_name.is_empty() {
            "no application_name"
        } else {
            &self.application_name
        };
        write!(
            f,
            "pid {} ({app}, user {}) since {}",
            self.pid, self.user, self.since
        )
    }
}

fn lock_timeout(waited: &Duration, holder: &Option<LockHolder>) -> String {
    let who = holder
        .as_ref()
        .map_or_else(|| "another runner".to_string(), ToString::to_string);
    format!(
        "gave up after {} waiting for the migration lock held by {who}; raise `wait_for_lock` or find out why that run takes so long",
        humantime::format_duration(*waited)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_follow_the_design() {
        assert_eq!(Error::Usage("x".into()).exit_code(), ExitCode::BadInput);
        assert_eq!(Error::Pending(1).exit_code(), ExitCode::ProblemsFound);
        assert_eq!(Error::Local("x".into()).exit_code(), ExitCode::Failed);
        assert_eq!(
            Error::Plan(PlanError::Diverged(vec![])).exit_code(),
            ExitCode::ProblemsFound
        );
    }
}
