//! `job_runs`: one row for each run of a scheduled job, in dbward's schema next to the
//! migration history but apart from it: jobs and migrations share the schema and its owners
//! check, nothing else.

use std::time::SystemTime;

use tokio_postgres::types::Type;

use crate::db::owners;
use crate::db::schema::{Schema, empty_if_missing};
use crate::db::session::Sql;
use crate::error::{Error, Result};

/// How a job run ended (or that it has not).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    Running,
    Succeeded,
    Failed,
    /// Another run of the same job held its lock.
    Skipped,
}

impl RunStatus {
    fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Succeeded => "succeeded",
            RunStatus::Failed => "failed",
            RunStatus::Skipped => "skipped",
        }
    }

    fn parse(text: &str) -> RunStatus {
        match text {
            "running" => RunStatus::Running,
            "succeeded" => RunStatus::Succeeded,
            "skipped" => RunStatus::Skipped,
            _ => RunStatus::Failed,
        }
    }
}

/// One row of `job_runs`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct JobRun {
    pub id: i64,
    pub job: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub status: RunStatus,
    pub rows_affected: Option<i64>,
    pub detail: Option<String>,
    pub host: Option<String>,
}

/// The `job_runs` table of one dbward schema.
#[derive(Debug, Clone)]
pub struct JobRuns {
    schema: Schema,
}

impl JobRuns {
    pub fn new(schema: Schema) -> JobRuns {
        JobRuns { schema }
    }

    fn table(&self) -> String {
        self.schema.table("job_runs")
    }

    /// Creates the schema and `job_runs` when missing, as the migration history's `ensure`
    /// does.
    pub fn ensure(&self, client: &mut impl Sql) -> Result<()> {
        let s = self.schema.quoted();
        let create = format!(
                "CREATE SCHEMA IF NOT EXISTS {s};
                 CREATE TABLE IF NOT EXISTS {s}.job_runs (
                   id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                   job text NOT NULL,
                   started_at timestamptz NOT NULL DEFAULT now(),
                   finished_at timestamptz,
                   status text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'skipped')),
                   rows_affected bigint,
                   detail text,
                   host text
                 );
                 CREATE INDEX IF NOT EXISTS job_runs_job_started ON {s}.job_runs (job, started_at DESC);"
        );
        owners::ensure(
            client,
            &self.schema,
            owners::Wanted {
                tables: &["job_runs"],
                with_claim: false,
                create: &create,
                what: "job_runs table",
            },
        )
    }

    /// Marks runs left `running` by a process that died as failed. Call it holding the job's
    /// lock: no live run of that job can exist then.
    pub fn close_abandoned(&self, client: &mut impl Sql, job: &str) -> Result<u64> {
        let rows = client
            .query_typed(
                &format!(
                    "UPDATE {} SET status = 'failed', finished_at = now(),
                            detail = 'abandoned: the run ended without finishing (killed or disconnected)'
                     WHERE job = $1 AND status = 'running' RETURNING 1",
                    self.table()
                ),
                &[(&job, Type::TEXT)],
            )
            .map_err(Error::db("closing abandoned job runs"))?;
        Ok(rows.len() as u64)
    }

    pub fn start(
        &self,
        client: &mut impl Sql,
        job: &str,
        status: RunStatus,
        host: &str,
        detail: Option<&str>,
    ) -> Result<i64> {
        let finished = status != RunStatus::Running;
        let row = client
            .query_typed_one(
                &format!(
                    "INSERT INTO {} (job, status, host, detail, finished_at)
                     VALUES ($1, $2, $3, $4, CASE WHEN $5 THEN now() END) RETURNING id",
                    self.table()
                ),
                &[
                    (&job, Type::TEXT),
                    (&status.as_str(), Type::TEXT),
                    (&host, Type::TEXT),
                    (&detail, Type::TEXT),
                    (&finished, Type::BOOL),
                ],
            )
            .map_err(Error::db("recording a job run"))?;
        Ok(row.get(0))
    }

    pub fn finish(
        &self,
        client: &mut impl Sql,
        id: i64,
        status: RunStatus,
        rows_affected: Option<i64>,
        detail: Option<&str>,
    ) -> Result<()> {
        client
            .query_typed(
                &format!(
                    "UPDATE {} SET status = $2, finished_at = now(), rows_affected = $3, detail = $4 WHERE id = $1",
                    self.table()
                ),
                &[
                    (&id, Type::INT8),
                    (&status.as_str(), Type::TEXT),
                    (&rows_affected, Type::INT8),
                    (&detail, Type::TEXT),
                ],
            )
            .map_err(Error::db("recording the end of a job run"))?;
        Ok(())
    }

    /// The newest runs first, of one job or of all.
    pub fn newest_first(
        &self,
        client: &mut impl Sql,
        job: Option<&str>,
        limit: i64,
    ) -> Result<Vec<JobRun>> {
        let result = client.query_typed(
            &format!(
                "SELECT id, job, started_at, finished_at, status, rows_affected, detail, host
                 FROM {} WHERE $1::text IS NULL OR job = $1
                 ORDER BY started_at DESC, id DESC LIMIT $2",
                self.table()
            ),
            &[(&job, Type::TEXT), (&limit, Type::INT8)],
        );
        let rows = empty_if_missing(result, "reading the job history")?;
        Ok(rows
            .iter()
            .map(|row| JobRun {
                id: row.get(0),
                job: row.get(1),
                started_at: utc_seconds(row.get(2)),
                finished_at: row.get::<_, Option<SystemTime>>(3).map(utc_seconds),
                status: RunStatus::parse(row.get(4)),
                rows_affected: row.get(5),
                detail: row.get(6),
                host: row.get(7),
            })
            .collect())
    }

    /// When the running run of a job started, if one is recorded.
    pub fn running_since(&self, client: &mut impl Sql, job: &str) -> Result<Option<String>> {
        let row = client
            .query_typed_opt(
                &format!(
                    "SELECT started_at FROM {} WHERE job = $1 AND status = 'running' ORDER BY started_at DESC LIMIT 1",
                    self.table()
                ),
                &[(&job, Type::TEXT)],
            )
            .map_err(Error::db("reading the job history"))?;
        Ok(row.map(|r| utc_seconds(r.get(0))))
    }
}

/// RFC 3339 in UTC to the second, as the migration history and the lock holder give times.
fn utc_seconds(at: SystemTime) -> String {
    humantime::format_rfc3339_seconds(at).to_string()
}
