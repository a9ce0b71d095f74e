//! `kind = "retention"`: delete (or archive) the rows older than an interval, in batches,
//! each batch its own short transaction with `lock_timeout` and `statement_timeout` set
//! locally, with a pause between batches.

use std::time::Duration;

use serde::Deserialize;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::Type;

use super::{JobOutcome, default_schedule, parse_duration, quoted_table, timeout_setting};
use crate::db::history::quote_ident;
use crate::db::session::{Session, Sql};
use crate::error::{Error, Result};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionJob {
    #[serde(default = "default_schedule")]
    pub schedule: String,
    /// `schema.table`.
    pub table: String,
    /// The timestamp column that ages.
    pub column: String,
    /// A PostgreSQL interval: `30 days`, `1 year`.
    pub older_than: String,
    /// An extra condition, written by the operator (`read = true`).
    #[serde(rename = "where")]
    pub condition: Option<String>,
    #[serde(default = "default_batch")]
    pub batch_size: i64,
    #[serde(default = "default_pause")]
    pub pause: String,
    #[serde(default = "default_lock_timeout")]
    pub lock_timeout: String,
    #[serde(default = "default_statement_timeout")]
    pub statement_timeout: String,
    /// Move the rows into this table (same columns) instead of dropping them.
    pub archive_table: Option<String>,
}

fn default_batch() -> i64 {
    5000
}
fn default_pause() -> String {
    "100ms".to_string()
}
fn default_lock_timeout() -> String {
    "5s".to_string()
}
fn default_statement_timeout() -> String {
    "60s".to_string()
}

/// How often a batch that could not get its locks is tried again.
const LOCK_RETRIES: u32 = 3;

struct Plan {
    count_sql: String,
    batch_sql: String,
    lock_timeout: String,
    statement_timeout: String,
    pause: Duration,
}

fn plan(job: &RetentionJob) -> std::result::Result<Plan, String> {
    if job.batch_size < 1 {
        return Err(format!(
            "batch_size must be at least 1, not {}",
            job.batch_size
        ));
    }
    let table = quoted_table(&job.table)?;
    let column = quote_ident(&job.column);
    let extra = job
        .condition
        .as_ref()
        .map_or_else(String::new, |w| format!(" AND ({w})"));
    let expired = format!("{column} < now() - $1::interval{extra}");
    // ctid picks exactly the rows of this batch, skipping rows other sessions hold.
    let doomed = format!(
        "DELETE FROM {table} WHERE ctid = ANY(ARRAY(
            SELECT ctid FROM {table} WHERE {expired} ORDER BY {column} LIMIT $2 FOR UPDATE SKIP LOCKED))"
    );
    let batch_sql = match &job.archive_table {
        None => format!("WITH gone AS ({doomed} RETURNING 1) SELECT count(*) FROM gone"),
        Some(archive) => {
            let archive = quoted_table(archive)?;
            format!(
                "WITH gone AS ({doomed} RETURNING *), kept AS (INSERT INTO {archive} SELECT * FROM gone RETURNING 1)
                 SELECT count(*) FROM kept"
            )
        }
    };
    Ok(Plan {
        count_sql: format!("SELECT count(*) FROM {table} WHERE {expired}"),
        batch_sql,
        lock_timeout: timeout_setting(&job.lock_timeout)?,
        statement_timeout: timeout_setting(&job.statement_timeout)?,
        pause: parse_duration(&job.pause)?,
    })
}

/// Counts what is due; with `dry_run` that is all. `progress` hears each committed batch;
/// `expected` hears the count first, for a progress bar.
pub fn run(
    client: &mut Session,
    job: &RetentionJob,
    dry_run: bool,
    expected: &mut dyn FnMut(u64),
    progress: &mut dyn FnMut(u64),
) -> Result<JobOutcome> {
    let plan = plan(job).map_err(Error::Usage)?;
    let due: i64 = client
        .query_typed_one(&plan.count_sql, &[(&job.older_than, Type::TEXT)])
        .map_err(Error::db(format!(
            "counting the expired rows of {}",
            job.table
        )))?
        .get(0);
    if dry_run {
        return Ok(JobOutcome {
            rows_affected: Some(due),
            summary: format!("would remove {due} row(s) from {}", job.table),
            detail: serde_json::json!({ "table": job.table, "due": due, "dry_run": true }),
        });
    }
    expected(due as u64);
    let mut removed = 0i64;
    let mut batches = 0u64;
    let mut longest = Duration::ZERO;
    loop {
        let started = std::time::Instant::now();
        let n = run_batch(client, job, &plan, removed)?;
        longest = longest.max(started.elapsed());
        removed += n;
        if n > 0 {
            batches += 1;
            progress(n as u64);
        }
        if n < job.batch_size {
            break;
        }
        std::thread::sleep(plan.pause);
    }
    let verb = if job.archive_table.is_some() {
        "archived"
    } else {
        "deleted"
    };
    Ok(JobOutcome {
        rows_affected: Some(removed),
        summary: format!(
            "{verb} {removed} row(s) of {} in {batches} batch(es)",
            job.table
        ),
        detail: serde_json::json!({
            "table": job.table,
            "removed": removed,
            "mode": verb,
            "batches": batches,
            "longest_batch_ms": longest.as_millis() as u64,
            "archive_table": job.archive_table,
        }),
    })
}

/// One batch in its own transaction; a batch that cannot get its locks is tried again.
fn run_batch(client: &mut Session, job: &RetentionJob, plan: &Plan, removed: i64) -> Result<i64> {
    let mut attempt = 0;
    loop {
        let mut tx = client
            .transaction()
            .map_err(Error::db("starting a retention batch"))?;
        tx.query_typed(
            "SELECT set_config('lock_timeout', $1, true), set_config('statement_timeout', $2, true)",
            &[
                (&plan.lock_timeout, Type::TEXT),
                (&plan.statement_timeout, Type::TEXT),
            ],
        )
        .map_err(Error::db("setting the batch's timeouts"))?;
        match tx.query_typed_one(
            &plan.batch_sql,
            &[(&job.older_than, Type::TEXT), (&job.batch_size, Type::INT8)],
        ) {
            Ok(row) => {
                tx.commit()
                    .map_err(Error::db("committing a retention batch"))?;
                return Ok(row.get(0));
            }
            Err(e) if e.code() == Some(&SqlState::LOCK_NOT_AVAILABLE) && attempt < LOCK_RETRIES => {
                drop(tx);
                attempt += 1;
                std::thread::sleep(plan.pause * 2u32.pow(attempt));
            }
            Err(e) => {
                return Err(Error::db(format!(
                    "a retention batch on {} failed after {removed} row(s) were removed in earlier, committed batches",
                    job.table
                ))(e));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job() -> RetentionJob {
        toml::from_str(
            "table = \"public.events\"\ncolumn = \"created_at\"\nolder_than = \"30 days\"\nbatch_size = 100\nwhere = \"read\"",
        )
        .unwrap()
    }

    #[test]
    fn batches_bind_the_interval_and_quote_names() {
        let plan = plan(&job()).unwrap();
        assert!(plan.batch_sql.contains("DELETE FROM \"public\".\"events\""));
        assert!(
            plan.batch_sql
                .contains("\"created_at\" < now() - $1::interval AND (read)")
        );
        assert!(plan.batch_sql.contains("LIMIT $2 FOR UPDATE SKIP LOCKED"));
        assert_eq!(plan.lock_timeout, "5000ms");
    }

    #[test]
    fn archives_move_rows_in_the_same_statement() {
        let mut job = job();
        job.archive_table = Some("archive.events".into());
        let plan = plan(&job).unwrap();
        assert!(
            plan.batch_sql
                .contains("INSERT INTO \"archive\".\"events\" SELECT * FROM gone")
        );
    }

    #[test]
    fn bad_settings_are_refused() {
        let mut bad = job();
        bad.batch_size = 0;
        assert!(plan(&bad).is_err());
        let mut bad = job();
        bad.pause = "later".into();
        assert!(plan(&bad).is_err());
    }
}
