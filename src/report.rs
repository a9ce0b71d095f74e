//! What commands found or did, as plain data: `output` renders it for people or machines.

use serde::Serialize;

use crate::migrate::adopt::Reason;
use crate::migrate::foreign::Tool;
use crate::migrate::model::{Direction, TransactionMode, Version};
use crate::migrate::plan::State;

#[derive(Debug, Serialize)]
pub struct StatusReport {
    pub database: String,
    pub schema: String,
    pub migrations: Vec<StatusRow>,
    pub pending: usize,
}

#[derive(Debug, Serialize)]
pub struct StatusRow {
    pub version: Version,
    pub name: String,
    pub state: State,
    pub file: Option<String>,
    pub rollback_file: Option<String>,
    pub reversible: bool,
    pub mode: Option<TransactionMode>,
    pub applied_at: Option<String>,
    pub applied_by: Option<String>,
    pub execution_ms: Option<i64>,
    /// The rollback file changed since the migration was applied.
    pub rollback_edited: bool,
}

/// What became of one planned step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepOutcome {
    Applied,
    RolledBack,
    /// `--dry-run`: it would run.
    WouldRun,
    /// Another runner did it first, after this one read the history.
    AlreadyDone,
}

#[derive(Debug, Clone, Serialize)]
pub struct StepRow {
    pub version: Version,
    pub name: String,
    pub direction: Direction,
    pub file: String,
    pub outcome: StepOutcome,
    pub execution_ms: Option<i64>,
    /// A rollback run as it is now, edited since its migration was applied.
    pub rollback_edited: bool,
}

/// The command behind a [`RunReport`]: each says what it did in its own words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RunCommand {
    Up,
    Down,
    Redo,
}

#[derive(Debug, Serialize)]
pub struct RunReport {
    pub command: RunCommand,
    pub database: String,
    pub dry_run: bool,
    pub single_transaction: bool,
    pub steps: Vec<StepRow>,
    /// The run's own wall time, from connecting to the last commit: without starting the
    /// local cluster.
    pub elapsed_ms: i64,
    /// How long starting the local cluster took, when this run started it.
    pub local_start_ms: Option<i64>,
}

#[derive(Debug, Serialize)]
pub struct ValidateReport {
    pub database: String,
    pub applied: usize,
    pub pending: usize,
    /// Rollbacks edited since their migration was applied: a warning, not a divergence.
    pub edited_rollbacks: Vec<EditedRollback>,
}

/// A rollback file that changed since its migration was applied.
#[derive(Debug, Serialize)]
pub struct EditedRollback {
    pub version: Version,
    pub file: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RepairAction {
    ChecksumAccepted,
    RollbackChecksumAccepted,
    FailedCleared,
    MissingForgotten,
}

#[derive(Debug, Serialize)]
pub struct RepairRow {
    pub version: Version,
    pub name: String,
    pub action: RepairAction,
    pub detail: String,
}

#[derive(Debug, Serialize)]
pub struct RepairReport {
    pub database: String,
    pub dry_run: bool,
    pub changes: Vec<RepairRow>,
    /// Applied migrations whose files are gone, left in the history because
    /// `--forget-missing` was not given: `002 posts`.
    pub missing_left: Vec<String>,
}

/// What `adopt` recorded (or, with `--dry-run`, would record) from another tool's history.
#[derive(Debug, Serialize)]
pub struct AdoptReport {
    pub database: String,
    pub tool: Tool,
    /// The tool's table, left as it was.
    pub table: String,
    pub dry_run: bool,
    pub recorded: Vec<AdoptedRow>,
    /// Already in dbward's history, as the tool has them (an earlier adopt).
    pub already_recorded: Vec<Version>,
    /// Files the tool had not applied: what `up` runs next.
    pub pending: Vec<Version>,
}

#[derive(Debug, Serialize)]
pub struct AdoptedRow {
    pub version: Version,
    pub name: String,
    pub file: String,
    pub reason: Reason,
}

#[derive(Debug, Serialize)]
pub struct BaselineReport {
    pub database: String,
    pub baseline: Version,
    pub recorded: Vec<Version>,
}

/// The man pages `dbward man --dir` wrote.
#[derive(Debug, Serialize)]
pub struct ManReport {
    pub dir: String,
    pub pages: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct NewReport {
    pub version: Version,
    pub migration: String,
    /// Absent where the layout keeps a migration's rollback in its own file.
    pub rollback: Option<String>,
}

/// What `dbward init` wrote.
#[derive(Debug, Serialize)]
pub struct InitReport {
    /// The project folder.
    pub folder: String,
    /// The layout dbward.toml names.
    pub layout: String,
    /// The migrations folder it names, relative to the project.
    pub migrations_dir: String,
    /// What was created: dbward.toml, and the folders of a new dbward project.
    pub created: Vec<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LocalStateName {
    NotCreated,
    Stopped,
    Running,
}

/// What `dbward local` was asked to do: `url` prints only the URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LocalCommand {
    Start,
    Stop,
    Status,
    Url,
    Destroy,
}

#[derive(Debug, Serialize)]
pub struct LocalReport {
    pub action: LocalCommand,
    pub state: LocalStateName,
    pub folder: String,
    /// Loopback TCP for applications, without the password: that is in `password_file`.
    pub url: Option<String>,
    /// The file holding the password of the URL's role (mode 0600), once the cluster exists.
    pub password_file: Option<String>,
    /// What this call changed, in words.
    pub message: String,
}

#[derive(Debug, Serialize)]
pub struct SeedReport {
    /// None when there was nothing to seed, so no database was used.
    pub database: Option<String>,
    /// Where the fixtures were looked for (`fixtures/`).
    pub looked_in: String,
    pub fixtures: Vec<String>,
    pub tables: Vec<TableChanges>,
    pub execution_ms: i64,
}

/// Rows one fixture run changed in one table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableChanges {
    pub table: String,
    pub inserted: i64,
    pub updated: i64,
    pub deleted: i64,
}

#[derive(Debug, Serialize)]
pub struct VerifyReport {
    pub database: String,
    pub schemas: Vec<String>,
    pub tables: usize,
    pub spec: Option<String>,
    pub findings: Vec<crate::verify::finding::Finding>,
    pub probes: Vec<crate::verify::probe::ProbeResult>,
    /// What the probes covered and why the rest was not probed; none without `--probe`.
    pub coverage: Option<crate::verify::probe::Coverage>,
    pub fail_on: crate::verify::finding::Severity,
    pub failed: bool,
}

impl VerifyReport {
    /// The findings that fail the run: left unaccepted, at `fail_on` or above.
    pub fn failing(&self) -> impl Iterator<Item = &crate::verify::finding::Finding> {
        self.findings
            .iter()
            .filter(|f| f.accepted.is_none() && f.severity >= self.fail_on)
    }
}

#[derive(Debug, Serialize)]
pub struct WriteSpecReport {
    pub database: String,
    pub path: String,
    pub tables: usize,
}

#[derive(Debug, Serialize)]
pub struct JobListRow {
    pub name: String,
    pub kind: &'static str,
    pub schedule: String,
    pub description: String,
}

/// How a job run ended (or that it has not).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum JobStatus {
    Running,
    Succeeded,
    Failed,
    /// Another run of the same job held its lock.
    Skipped,
}

/// What became of one job in a `job run`.
#[derive(Debug, Serialize)]
pub struct JobResult {
    pub job: String,
    pub kind: &'static str,
    pub status: JobStatus,
    pub rows_affected: Option<i64>,
    pub summary: String,
    pub detail: serde_json::Value,
    pub error: Option<String>,
    pub duration_ms: i64,
    /// The health report's tables, for people.
    #[serde(skip)]
    pub sections: Vec<crate::jobs::report::Section>,
}

#[derive(Debug, Serialize)]
pub struct JobRunReport {
    pub database: String,
    pub dry_run: bool,
    pub jobs: Vec<JobResult>,
}

#[derive(Debug, Serialize)]
pub struct JobHistoryReport {
    pub database: String,
    pub runs: Vec<JobRunRow>,
}

/// One recorded run of a job, as `job history` lists it.
#[derive(Debug, Clone, Serialize)]
pub struct JobRunRow {
    pub id: i64,
    pub job: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub status: JobStatus,
    pub rows_affected: Option<i64>,
    /// What the run reported, as `job run` gives it (an object); a run that failed or was
    /// skipped has its words under `error` or `message`; null when nothing was recorded.
    pub detail: serde_json::Value,
    pub host: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct CheckReport {
    pub migrations: usize,
    pub since: Option<Version>,
    pub findings: Vec<crate::migrate::lint::LintFinding>,
    /// Findings at this level or above fail `check` and `ci`'s check step.
    pub fail_on: crate::migrate::lint::Level,
    /// Migrations without a rollback: `down` cannot cross them.
    pub irreversible: Vec<String>,
    /// Rollbacks with no SQL yet: `down` refuses to run them.
    pub unwritten_rollbacks: Vec<String>,
}

impl CheckReport {
    /// The findings that fail the run: at `fail_on` or above.
    pub fn failing(&self) -> impl Iterator<Item = &crate::migrate::lint::LintFinding> {
        self.findings.iter().filter(|f| f.level >= self.fail_on)
    }
}

/// How a `dbward ci` step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StepStatus {
    Passed,
    Failed,
    /// An earlier step failed.
    Skipped,
}

#[derive(Debug, Clone, Serialize)]
pub struct CiStep {
    pub name: &'static str,
    pub status: StepStatus,
    pub duration_ms: i64,
    pub message: String,
}

#[derive(Debug, Serialize)]
pub struct CiReport {
    pub database: String,
    pub steps: Vec<CiStep>,
    pub passed: bool,
}

#[derive(Debug, Serialize)]
pub struct DiffReport {
    pub database: String,
    pub schemas: Vec<String>,
    /// The migrations the comparison stands on: up to the live database's newest.
    pub migrated_to: Option<Version>,
    pub differences: Vec<ObjectDifference>,
}

/// How one object differs between what the migrations build and the live database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObjectDifference {
    pub kind: String,
    pub name: String,
    /// The definition the migrations build (`None`: they do not build it).
    pub expected: Option<String>,
    /// The definition in the live database (`None`: it is not there).
    pub actual: Option<String>,
}

/// What `dbward diff --write` made: the files (written, or only shown with `--dry-run`),
/// proven on a throw-away database before.
#[derive(Debug, Clone, Serialize)]
pub struct GeneratedReport {
    /// What the target schema was read from.
    pub source: String,
    pub dry_run: bool,
    /// Empty when the target matches the migrations: nothing to write.
    pub files: Vec<GeneratedFileReport>,
    /// Rollbacks of a layout that keeps none (Supabase, Flyway): proven, shown, not written.
    pub unwritten_rollbacks: Vec<String>,
    /// `column public.users.email: ...`, one per statement of the migrations that risks one.
    pub hazards: Vec<String>,
    pub possible_renames: Vec<String>,
    /// How many statements the migrations hold.
    pub statements: usize,
    /// The versions recorded as applied in the live database, which holds their schema
    /// already; `None` when it changed since it was read (nothing recorded). Empty with
    /// `--from` and `--dry-run`.
    pub recorded: Option<Vec<String>>,
    /// Constraints PostgreSQL stored in other words than the ones the migration gave it,
    /// which are exactly what it printed for the target.
    pub restated: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GeneratedFileReport {
    pub path: String,
    pub role: GeneratedRole,
    pub text: String,
}

/// What a generated file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GeneratedRole {
    Migration,
    Rollback,
}

impl GeneratedRole {
    pub fn word(self) -> &'static str {
        match self {
            GeneratedRole::Migration => "migration",
            GeneratedRole::Rollback => "rollback",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::finding::{Finding, Severity};

    /// The JSON string a value serializes to.
    fn json_name(value: impl Serialize) -> String {
        serde_json::to_value(value)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    }

    #[test]
    fn the_enums_serialize_as_the_strings_they_replaced() {
        assert_eq!(json_name(RunCommand::Up), "up");
        assert_eq!(json_name(RunCommand::Down), "down");
        assert_eq!(json_name(RunCommand::Redo), "redo");
        assert_eq!(json_name(LocalCommand::Start), "start");
        assert_eq!(json_name(LocalCommand::Stop), "stop");
        assert_eq!(json_name(LocalCommand::Status), "status");
        assert_eq!(json_name(LocalCommand::Url), "url");
        assert_eq!(json_name(LocalCommand::Destroy), "destroy");
        assert_eq!(json_name(JobStatus::Running), "running");
        assert_eq!(json_name(JobStatus::Succeeded), "succeeded");
        assert_eq!(json_name(JobStatus::Failed), "failed");
        assert_eq!(json_name(JobStatus::Skipped), "skipped");
        assert_eq!(json_name(StepStatus::Passed), "passed");
        assert_eq!(json_name(StepStatus::Failed), "failed");
        assert_eq!(json_name(StepStatus::Skipped), "skipped");
    }

    #[test]
    fn failing_findings_are_unaccepted_and_at_the_threshold_or_above() {
        let mut accepted = Finding::new("a", Severity::Error, "public.a", "m", "f");
        accepted.accepted = Some("on purpose".into());
        let report = VerifyReport {
            database: String::new(),
            schemas: Vec::new(),
            tables: 0,
            spec: None,
            findings: vec![
                Finding::new("e", Severity::Error, "public.e", "m", "f"),
                accepted,
                Finding::new("w", Severity::Warning, "public.w", "m", "f"),
                Finding::new("i", Severity::Info, "public.i", "m", "f"),
            ],
            probes: Vec::new(),
            coverage: None,
            fail_on: Severity::Warning,
            failed: true,
        };
        let failing: Vec<&str> = report.failing().map(|f| f.check).collect();
        assert_eq!(failing, vec!["e", "w"]);
    }
}
