//! `dbward job list|run|history`: what operators call from cron.

use std::time::Instant;

use super::Context;
use crate::cli::JobAction;
use crate::db::history::{History, JobRun, RunStatus};
use crate::db::lock::{self, LockKey};
use crate::db::session::Session;
use crate::db::waiting::lock_transaction;
use crate::error::{Error, Result};
use crate::jobs::{self, Job, Progress};
use crate::output::Output;
use crate::report::{JobHistoryReport, JobListRow, JobResult, JobRunReport, JobRunRow, JobStatus};

pub fn run(ctx: &Context, action: JobAction) -> Result<()> {
    match action {
        JobAction::List => {
            let rows = ctx
                .settings
                .jobs
                .iter()
                .map(|(name, config)| {
                    let job = config.job();
                    JobListRow {
                        name: name.clone(),
                        kind: job.kind(),
                        schedule: job.schedule().to_string(),
                        description: job.describe(),
                    }
                })
                .collect::<Vec<_>>();
            ctx.out.job_list(&rows);
            Ok(())
        }
        JobAction::Run {
            names,
            schedule,
            dry_run,
            verbose,
        } => run_jobs(ctx, &names, schedule.as_deref(), dry_run, verbose),
        JobAction::History { name, limit } => {
            let (mut client, target) = ctx.connect()?;
            let history = History::new(&ctx.settings.schema);
            history.check_owners(&mut client)?;
            let runs = history.job_history(&mut client, name.as_deref(), limit.max(1))?;
            // A job no longer declared still shows the runs it left; a name with neither is
            // a typo, refused as `job run` refuses it.
            if let Some(name) = &name
                && runs.is_empty()
                && !ctx.settings.jobs.contains_key(name)
            {
                return Err(Error::Usage(jobs::unknown(&ctx.settings.jobs, name)));
            }
            if !runs.is_empty() {
                ctx.note_database(&target.describe());
            }
            ctx.out.job_history(&JobHistoryReport {
                database: target.describe(),
                runs: runs.into_iter().map(job_run_row).collect(),
            });
            Ok(())
        }
    }
}

fn run_jobs(
    ctx: &Context,
    names: &[String],
    schedule: Option<&str>,
    dry_run: bool,
    verbose: bool,
) -> Result<()> {
    let chosen = jobs::select(&ctx.settings.jobs, names, schedule).map_err(Error::Usage)?;
    let (mut client, target) = ctx.connect()?;
    let history = History::new(&ctx.settings.schema);
    if dry_run {
        history.check_owners(&mut client)?;
    } else {
        ensure_job_runs(ctx, &mut client, &history)?;
    }
    let host = nix::unistd::gethostname()
        .map(|h| h.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut results = Vec::new();
    for (name, job) in chosen {
        // A failing job does not stop the others: its error is its result.
        let job = job.job();
        let result = run_one(ctx, &mut client, &history, name, job, dry_run, &host)
            .unwrap_or_else(|e| failed(name, job, &e, 0));
        // A dry run exists to show what would change: it always says so.
        ctx.out.job_done(&result, verbose || dry_run);
        results.push(result);
        if client.is_closed() {
            // The server went away: the next jobs get a fresh connection.
            client = ctx.connect()?.0;
        }
    }
    // Success is silent (cron mails what a job prints); whatever was printed, the database
    // it was about is named after it.
    let printed = verbose
        || dry_run
        || results
            .iter()
            .any(|r| r.status != JobStatus::Succeeded || !r.sections.is_empty());
    if printed {
        ctx.note_database(&target.describe());
    }
    let failed: Vec<String> = results
        .iter()
        .filter(|r| r.status == JobStatus::Failed)
        .map(|r| r.job.clone())
        .collect();
    ctx.out.job_run(
        &JobRunReport {
            database: target.describe(),
            dry_run,
            jobs: results,
        },
        verbose,
    );
    if failed.is_empty() {
        Ok(())
    } else {
        Err(Error::JobsFailed(failed))
    }
}

/// `job_runs` is made once; concurrent first runs serialise on the migration lock.
fn ensure_job_runs(ctx: &Context, client: &mut Session, history: &History) -> Result<()> {
    let mut tx = lock_transaction(
        client,
        LockKey::migrations(&ctx.settings.schema),
        ctx.settings.wait_for_lock,
        &ctx.out,
    )?;
    history.ensure_job_runs(&mut tx)?;
    tx.commit().map_err(Error::db("creating job_runs"))
}

fn run_one(
    ctx: &Context,
    client: &mut Session,
    history: &History,
    name: &str,
    job: &dyn Job,
    dry_run: bool,
    host: &str,
) -> Result<JobResult> {
    let started = Instant::now();
    let key = LockKey::new("job", &format!("{}:{name}", ctx.settings.schema));
    if !lock::try_session(client, key)? {
        let holder = lock::holder(client, key)?;
        let since = history.running_since(client, name)?;
        let who = match (&holder, &since) {
            (Some(h), Some(since)) => format!("pid {}, since {since}", h.pid),
            (Some(h), None) => format!("pid {}, since {}", h.pid, h.since),
            _ => "another session".to_string(),
        };
        let message = format!("skipped: already running ({who})");
        if !dry_run {
            history.start_run(client, name, RunStatus::Skipped, host, Some(&message))?;
        }
        return Ok(JobResult {
            job: name.to_string(),
            kind: job.kind(),
            status: JobStatus::Skipped,
            rows_affected: None,
            summary: message,
            detail: serde_json::Value::Null,
            error: None,
            duration_ms: started.elapsed().as_millis() as i64,
            sections: Vec::new(),
        });
    }
    let run_id = if dry_run {
        None
    } else {
        history.close_abandoned_runs(client, name)?;
        Some(history.start_run(client, name, RunStatus::Running, host, None)?)
    };
    let mut progress = TerminalProgress {
        out: &ctx.out,
        job: name,
        bar: None,
    };
    let outcome = job.run(client, dry_run, &mut progress);
    if let Some(bar) = progress.bar {
        bar.finish_and_clear();
    }
    let duration_ms = started.elapsed().as_millis() as i64;
    let result = match outcome {
        Ok(outcome) => {
            if let Some(id) = run_id {
                history.finish_run(
                    client,
                    id,
                    RunStatus::Succeeded,
                    outcome.rows_affected,
                    Some(&outcome.detail.to_string()),
                )?;
            }
            JobResult {
                job: name.to_string(),
                kind: job.kind(),
                status: JobStatus::Succeeded,
                rows_affected: outcome.rows_affected,
                summary: outcome.summary,
                detail: outcome.detail,
                error: None,
                duration_ms,
                sections: outcome.sections,
            }
        }
        Err(error) => {
            if let Some(id) = run_id
                && !client.is_closed()
            {
                // Best effort: the run's own error is what matters.
                let _ = history.finish_run(
                    client,
                    id,
                    RunStatus::Failed,
                    None,
                    Some(&error.to_string()),
                );
            }
            failed(name, job, &error, duration_ms)
        }
    };
    if !client.is_closed() {
        lock::release_session(client, key)?;
    }
    Ok(result)
}

/// A job's progress as a bar on the terminal, made when the job says how much it expects.
struct TerminalProgress<'a> {
    out: &'a Output,
    job: &'a str,
    bar: Option<indicatif::ProgressBar>,
}

impl Progress for TerminalProgress<'_> {
    fn expect(&mut self, total: u64) {
        self.bar = self.out.progress_bar(self.job, total);
    }

    fn advance(&mut self, done: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(done);
        }
    }
}

fn failed(name: &str, job: &dyn Job, error: &Error, duration_ms: i64) -> JobResult {
    JobResult {
        job: name.to_string(),
        kind: job.kind(),
        status: JobStatus::Failed,
        rows_affected: None,
        summary: String::new(),
        detail: serde_json::Value::Null,
        error: Some(error.to_string()),
        duration_ms,
        sections: Vec::new(),
    }
}

/// A `job_runs` row as the report holds it: plain data, no database type.
fn job_run_row(run: JobRun) -> JobRunRow {
    JobRunRow {
        id: run.id,
        job: run.job,
        started_at: run.started_at,
        finished_at: run.finished_at,
        status: job_status(run.status),
        rows_affected: run.rows_affected,
        detail: run_detail(run.status, run.detail),
        host: run.host,
    }
}

/// `job_runs.detail` as an object: the JSON a run stored, or its words (an error, a skip).
fn run_detail(status: RunStatus, detail: Option<String>) -> serde_json::Value {
    let Some(text) = detail else {
        return serde_json::Value::Null;
    };
    match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(value @ serde_json::Value::Object(_)) => value,
        _ if status == RunStatus::Failed => serde_json::json!({ "error": text }),
        _ => serde_json::json!({ "message": text }),
    }
}

fn job_status(status: RunStatus) -> JobStatus {
    match status {
        RunStatus::Running => JobStatus::Running,
        RunStatus::Succeeded => JobStatus::Succeeded,
        RunStatus::Failed => JobStatus::Failed,
        RunStatus::Skipped => JobStatus::Skipped,
    }
}
