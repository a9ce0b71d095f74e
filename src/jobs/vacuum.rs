//! `kind = "vacuum"`: `VACUUM (ANALYZE)` of the listed tables, outside any transaction.

use serde::Deserialize;
use tokio_postgres::types::Type;

use super::{Job, JobOutcome, Progress, default_schedule, quoted_table};
use crate::db::session::{Session, Sql};
use crate::error::{Error, Result};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VacuumJob {
    #[serde(default = "default_schedule")]
    pub schedule: String,
    pub tables: Vec<String>,
}

impl Job for VacuumJob {
    fn kind(&self) -> &'static str {
        "vacuum"
    }

    fn schedule(&self) -> &str {
        &self.schedule
    }

    fn describe(&self) -> String {
        format!("VACUUM (ANALYZE) {}", self.tables.join(", "))
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

fn run(client: &mut Session, job: &VacuumJob, dry_run: bool) -> Result<JobOutcome> {
    if job.tables.is_empty() {
        return Err(Error::Usage("a vacuum job needs `tables`".into()));
    }
    let mut details = Vec::new();
    for table in &job.tables {
        let quoted = quoted_table(table).map_err(Error::Usage)?;
        let dead: Option<i64> = client
            .query_typed_opt(
                "SELECT n_dead_tup FROM pg_stat_user_tables WHERE relid = to_regclass($1)",
                &[(&quoted, Type::TEXT)],
            )
            .map_err(Error::db(format!("reading the statistics of {table}")))?
            .map(|r| r.get(0));
        if dead.is_none() {
            return Err(Error::Usage(format!(
                "vacuum job: table {table} does not exist"
            )));
        }
        if !dry_run {
            // VACUUM refuses to run in a transaction block; batch_execute sends it alone.
            client
                .batch_execute(&format!("VACUUM (ANALYZE) {quoted}"))
                .map_err(Error::db(format!("VACUUM (ANALYZE) {table}")))?;
        }
        details.push(serde_json::json!({ "table": table, "dead_tuples_before": dead }));
    }
    let verb = if dry_run {
        "would vacuum"
    } else {
        "vacuumed and analysed"
    };
    Ok(JobOutcome {
        rows_affected: None,
        summary: format!("{verb} {}", job.tables.join(", ")),
        detail: serde_json::json!({ "tables": details, "dry_run": dry_run }),
        sections: Vec::new(),
    })
}
