//! `kind = "report"`: a health report, the checks `supabase inspect db` shows: table and
//! index sizes, unused indexes, cache hit ratios, connections by state, long-running
//! queries, dead tuples and the last (auto)vacuum. Read-only.

use serde::{Deserialize, Serialize};

use super::{Job, JobOutcome, Progress, default_schedule};
use crate::db::session::{Session, SimpleQueryMessage, Sql};
use crate::error::{Error, Result};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportJob {
    #[serde(default = "default_schedule")]
    pub schedule: String,
    /// A query running longer than this is listed as long-running.
    #[serde(default = "default_long")]
    pub long_running: String,
}

fn default_long() -> String {
    "5 minutes".to_string()
}

/// One part of the report: a titled table.
#[derive(Debug, Clone, Serialize)]
pub struct Section {
    pub title: &'static str,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// The queries, with no parameters, so they go as simple queries (text results, any type).
const SECTIONS: [(&str, &str); 8] = [
    (
        "largest tables",
        "SELECT format('%I.%I', schemaname, relname) AS table,
                pg_size_pretty(pg_total_relation_size(relid)) AS total,
                pg_size_pretty(pg_relation_size(relid)) AS heap,
                pg_size_pretty(pg_indexes_size(relid)) AS indexes,
                n_live_tup AS live_rows
         FROM pg_stat_user_tables ORDER BY pg_total_relation_size(relid) DESC LIMIT 10",
    ),
    (
        "largest indexes",
        "SELECT format('%I.%I', schemaname, indexrelname) AS index, relname AS table,
                pg_size_pretty(pg_relation_size(indexrelid)) AS size, idx_scan AS scans
         FROM pg_stat_user_indexes ORDER BY pg_relation_size(indexrelid) DESC LIMIT 10",
    ),
    (
        "unused indexes",
        "SELECT format('%I.%I', s.schemaname, s.indexrelname) AS index, s.relname AS table,
                pg_size_pretty(pg_relation_size(s.indexrelid)) AS size
         FROM pg_stat_user_indexes s JOIN pg_index i ON i.indexrelid = s.indexrelid
         WHERE s.idx_scan = 0 AND NOT i.indisunique AND NOT i.indisprimary
         ORDER BY pg_relation_size(s.indexrelid) DESC LIMIT 20",
    ),
    (
        "cache hit ratio",
        "SELECT 'tables' AS kind,
                coalesce(round(100.0 * sum(heap_blks_hit) / nullif(sum(heap_blks_hit) + sum(heap_blks_read), 0), 2)::text, 'n/a') AS percent
         FROM pg_statio_user_tables
         UNION ALL
         SELECT 'indexes', coalesce(round(100.0 * sum(idx_blks_hit) / nullif(sum(idx_blks_hit) + sum(idx_blks_read), 0), 2)::text, 'n/a')
         FROM pg_statio_user_indexes",
    ),
    (
        "connections by state",
        "SELECT coalesce(state, 'background') AS state, count(*) AS connections
         FROM pg_stat_activity WHERE datname = current_database() GROUP BY 1 ORDER BY 2 DESC",
    ),
    (
        "connections by application",
        "SELECT coalesce(nullif(application_name, ''), '-') AS application, usename AS user,
                coalesce(host(client_addr), 'local') AS client, coalesce(state, 'background') AS state,
                count(*) AS connections,
                coalesce(to_char(min(query_start) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), '-') AS oldest_query_start
         FROM pg_stat_activity WHERE datname = current_database()
         GROUP BY 1, 2, 3, 4 ORDER BY 5 DESC LIMIT 20",
    ),
    (
        "long-running queries",
        "SELECT pid, usename AS user, state, date_trunc('second', now() - query_start)::text AS running_for,
                left(regexp_replace(query, '\\s+', ' ', 'g'), 80) AS query
         FROM pg_stat_activity
         WHERE state <> 'idle' AND pid <> pg_backend_pid() AND now() - query_start > current_setting('dbward.long_running')::interval
         ORDER BY query_start LIMIT 20",
    ),
    (
        "dead tuples and vacuum",
        "SELECT format('%I.%I', schemaname, relname) AS table, n_dead_tup AS dead_rows, n_live_tup AS live_rows,
                coalesce(to_char(greatest(last_vacuum, last_autovacuum) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'), 'never') AS last_vacuum,
                coalesce(to_char(greatest(last_analyze, last_autoanalyze) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'), 'never') AS last_analyze
         FROM pg_stat_user_tables ORDER BY n_dead_tup DESC LIMIT 10",
    ),
];

pub fn collect(client: &mut Session, job: &ReportJob) -> Result<Vec<Section>> {
    let mut tx = client
        .transaction()
        .map_err(Error::db("starting the report"))?;
    tx.query_typed(
        "SELECT set_config('dbward.long_running', $1, true), set_config('transaction_read_only', 'on', true)",
        &[(&job.long_running, tokio_postgres::types::Type::TEXT)],
    )
    .map_err(Error::db("setting up the report"))?;
    let mut sections = Vec::new();
    for (title, sql) in SECTIONS {
        let messages = tx
            .simple_query(sql)
            .map_err(Error::db(format!("reading {title}")))?;
        let mut columns = Vec::new();
        let mut rows = Vec::new();
        for message in messages {
            if let SimpleQueryMessage::Row(row) = message {
                if columns.is_empty() {
                    columns = row.columns().iter().map(|c| c.name().to_string()).collect();
                }
                rows.push(
                    (0..row.len())
                        .map(|i| row.get(i).unwrap_or("").to_string())
                        .collect(),
                );
            }
        }
        sections.push(Section {
            title,
            columns,
            rows,
        });
    }
    tx.rollback().map_err(Error::db("ending the report"))?;
    Ok(sections)
}

impl Job for ReportJob {
    fn kind(&self) -> &'static str {
        "report"
    }

    fn schedule(&self) -> &str {
        &self.schedule
    }

    fn describe(&self) -> String {
        "health report".to_string()
    }

    /// Read-only, so a dry run reads the same report.
    fn run(
        &self,
        client: &mut Session,
        _dry_run: bool,
        _progress: &mut dyn Progress,
    ) -> Result<JobOutcome> {
        let sections = collect(client, self)?;
        let long = sections
            .iter()
            .find(|s| s.title == "long-running queries")
            .map_or(0, |s| s.rows.len());
        Ok(JobOutcome {
            rows_affected: None,
            summary: format!(
                "health report: {}, {} long-running {}",
                crate::plural::count(sections.len(), "section", "sections"),
                long,
                crate::plural::word(long, "query", "queries")
            ),
            detail: serde_json::json!({ "sections": sections }),
            sections,
        })
    }
}
