//! `kind = "sql"`: one statement or function call, in its own transaction, with a
//! statement timeout.

use serde::Deserialize;
use tokio_postgres::types::Type;

use super::{Job, JobOutcome, Progress, default_schedule, timeout_setting};
use crate::db::session::{Session, SimpleQueryMessage, Sql};
use crate::error::{Error, Result};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SqlJob {
    #[serde(default = "default_schedule")]
    pub schedule: String,
    /// Written by the operator in dbward.toml, run as it is.
    pub sql: String,
    #[serde(default = "default_timeout")]
    pub statement_timeout: String,
}

fn default_timeout() -> String {
    "5m".to_string()
}

impl Job for SqlJob {
    fn kind(&self) -> &'static str {
        "sql"
    }

    fn schedule(&self) -> &str {
        &self.schedule
    }

    fn describe(&self) -> String {
        self.sql.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    fn run(
        &self,
        client: &mut Session,
        dry_run: bool,
        _progress: &mut dyn Progress,
    ) -> Result<JobOutcome> {
        run(client, self, dry_run)
    }
}

fn run(client: &mut Session, job: &SqlJob, dry_run: bool) -> Result<JobOutcome> {
    let timeout = timeout_setting(&job.statement_timeout).map_err(Error::Usage)?;
    if dry_run {
        return Ok(JobOutcome {
            rows_affected: None,
            summary: format!("would run: {}", job.sql),
            detail: serde_json::json!({ "sql": job.sql, "ran": false }),
            sections: Vec::new(),
        });
    }
    let mut tx = client
        .transaction()
        .map_err(Error::db("starting the job's transaction"))?;
    tx.query_typed(
        "SELECT set_config('statement_timeout', $1, true)",
        &[(&timeout, Type::TEXT)],
    )
    .map_err(Error::db("setting statement_timeout"))?;
    let messages = tx
        .simple_query(&job.sql)
        .map_err(Error::db(format!("running `{}`", job.sql)))?;
    tx.commit().map_err(Error::db("committing the job"))?;
    // What the statement said: the first value it returned, and the rows it touched.
    let first_value = messages.iter().find_map(|m| match m {
        SimpleQueryMessage::Row(row) => Some(row.get(0).unwrap_or("").to_string()),
        _ => None,
    });
    let rows: u64 = messages
        .iter()
        .filter_map(|m| match m {
            SimpleQueryMessage::CommandComplete(n) => Some(*n),
            _ => None,
        })
        .sum();
    // A function that returns a count (`SELECT reset_expired_quotas()`) reports it as its value.
    let rows_affected = first_value
        .as_deref()
        .and_then(|v| v.parse::<i64>().ok())
        .or(Some(rows as i64));
    Ok(JobOutcome {
        rows_affected,
        summary: match &first_value {
            Some(value) => format!("returned {value}"),
            None => crate::plural::count(rows, "row", "rows"),
        },
        detail: serde_json::json!({ "sql": job.sql, "returned": first_value, "rows": rows }),
        sections: Vec::new(),
    })
}
