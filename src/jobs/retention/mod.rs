//! `kind = "retention"`: delete (or archive) the rows older than an interval, in batches,
//! each batch its own short transaction with `lock_timeout` and `statement_timeout` set
//! locally, with a pause between batches. Batches are sized by time (sizing.rs): each aims
//! under `batch_target` at the pace of the one before.

mod condition;
mod sizing;

use std::time::{Duration, Instant};

use serde::Deserialize;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::Type;

use super::{
    Job, JobOutcome, Progress, default_schedule, parse_duration, quoted_table, timeout_setting,
};
use crate::db::session::{Param, Session, Sql};
use crate::error::{Error, Result};
use crate::ident::quote_ident;
pub use condition::check_condition;
pub use sizing::{
    ExpiredSpan, Method, TableFacts, block_ceiling, choose_method, may_walk_blocks,
    next_batch_size, pause_after,
};

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
    /// How long one batch (one transaction) should take at most; batches are sized to it.
    #[serde(default = "default_batch_target")]
    pub batch_target: String,
    /// The most rows one batch removes, whatever its duration; no bound when left out.
    pub batch_size: Option<i64>,
    /// A fixed pause between batches; when left out, a fiftieth of the batch before it.
    pub pause: Option<String>,
    #[serde(default = "default_lock_timeout")]
    pub lock_timeout: String,
    #[serde(default = "default_statement_timeout")]
    pub statement_timeout: String,
    /// Move the rows into this table (same columns) instead of dropping them.
    pub archive_table: Option<String>,
}

fn default_batch_target() -> String {
    "200ms".to_string()
}
fn default_lock_timeout() -> String {
    "5s".to_string()
}
fn default_statement_timeout() -> String {
    "60s".to_string()
}

/// How often a batch that could not get its locks is tried again.
const LOCK_RETRIES: u32 = 3;
/// The shortest wait before such a retry, doubled each time, even with a shorter pause.
const LOCK_RETRY_WAIT: Duration = Duration::from_millis(100);
/// The rows of the first batch by rows: small enough to stay short on any table.
const FIRST_BATCH: i64 = 1000;
/// The blocks of the first batch by block ranges: at most a few thousand rows.
const FIRST_BLOCKS: i64 = 8;

#[derive(Debug)]
struct Plan {
    count_sql: String,
    /// How many rows are expired, and the first and last block that holds one.
    bounds_sql: String,
    /// The planner's view of the expired rows, for the method and the progress bar.
    explain_sql: String,
    /// `$1` interval, `$2` rows.
    rows_sql: String,
    /// `$1` interval, `$2` first block, `$3` block after the last.
    range_sql: String,
    /// As `range_sql`, but skipping the rows other sessions hold instead of waiting for them.
    range_skip_locked_sql: String,
    lock_timeout: String,
    /// The lock wait of a block range before it is done again skipping held rows: no longer
    /// than a batch should take.
    range_lock_timeout: String,
    statement_timeout: String,
    pause: Option<Duration>,
    batch_target: Duration,
    /// The statements move the rows into `archive_table` and return how many.
    archives: bool,
}

/// The statement that removes what `doomed` deletes: the DELETE itself, whose command tag
/// says how many rows went (a `RETURNING` would fetch each deleted row again), or, with an
/// `archive`, one that moves them there and returns how many.
fn counted(doomed: &str, archive: Option<&str>) -> String {
    match archive {
        None => doomed.to_string(),
        Some(archive) => format!(
            "WITH gone AS ({doomed} RETURNING *), kept AS (INSERT INTO {archive} SELECT * FROM gone RETURNING 1)
             SELECT count(*) FROM kept"
        ),
    }
}

fn plan(job: &RetentionJob) -> std::result::Result<Plan, String> {
    if let Some(size) = job.batch_size.filter(|&size| size < 1) {
        return Err(format!("batch_size must be at least 1, not {size}"));
    }
    let batch_target = parse_duration(&job.batch_target)?;
    if batch_target.is_zero() {
        return Err("batch_target must be longer than 0ms".into());
    }
    let table = quoted_table(&job.table)?;
    let column = quote_ident(&job.column);
    if let Some(condition) = &job.condition {
        check_condition(condition)?;
    }
    let archive = job.archive_table.as_deref().map(quoted_table).transpose()?;
    let extra = job
        .condition
        .as_ref()
        .map_or_else(String::new, |w| format!(" AND ({w})"));
    // In the batches the cutoff is an InitPlan, computed once per statement: written inline,
    // `now() - $1` is computed again for every row a TID range scan filters (a tenth of its
    // time). The planner cannot see through an InitPlan, so what it estimates (the method,
    // the read that finds the blocks, the dry run's count) keeps the inline form.
    let expired = format!("{column} < (SELECT now() - $1::interval){extra}");
    let expired_inline = format!("{column} < now() - $1::interval{extra}");
    // ctid picks the rows of this batch, skipping rows other sessions hold. The age is checked
    // again on the rows deleted: in a partitioned table a ctid names a row in each partition.
    let rows = format!(
        "DELETE FROM {table} WHERE ctid = ANY(ARRAY(
            SELECT ctid FROM {table} WHERE {expired} ORDER BY {column} LIMIT $2 FOR UPDATE SKIP LOCKED)) AND {expired}"
    );
    // A TID range scan: the blocks [$2, $3) read page by page, as one DELETE reads the table.
    let blocks =
        "ctid >= format('(%s,0)', $2::bigint)::tid AND ctid < format('(%s,0)', $3::bigint)::tid";
    let range = format!("DELETE FROM {table} WHERE {blocks} AND {expired}");
    // The age is checked again on the row deleted, which another session may have changed.
    let range_skip_locked = format!(
        "DELETE FROM {table} WHERE ctid = ANY(ARRAY(
            SELECT ctid FROM {table} WHERE {blocks} AND {expired} FOR UPDATE SKIP LOCKED)) AND {expired}"
    );
    let lock_timeout = parse_duration(&job.lock_timeout)?;
    Ok(Plan {
        count_sql: format!("SELECT count(*) FROM {table} WHERE {expired_inline}"),
        bounds_sql: format!(
            "SELECT count(*), (min(ctid)::text::point)[0]::bigint, (max(ctid)::text::point)[0]::bigint
             FROM {table} WHERE {expired_inline}"
        ),
        explain_sql: format!("EXPLAIN (FORMAT JSON) SELECT 1 FROM {table} WHERE {expired_inline}"),
        rows_sql: counted(&rows, archive.as_deref()),
        range_sql: counted(&range, archive.as_deref()),
        range_skip_locked_sql: counted(&range_skip_locked, archive.as_deref()),
        lock_timeout: timeout_setting(&job.lock_timeout)?,
        range_lock_timeout: format!("{}ms", lock_timeout.min(batch_target).as_millis()),
        statement_timeout: timeout_setting(&job.statement_timeout)?,
        pause: job.pause.as_deref().map(parse_duration).transpose()?,
        batch_target,
        archives: archive.is_some(),
    })
}

impl Job for RetentionJob {
    fn kind(&self) -> &'static str {
        "retention"
    }

    fn schedule(&self) -> &str {
        &self.schedule
    }

    fn describe(&self) -> String {
        format!(
            "{} rows of {} older than {} by {}{}, {}",
            if self.archive_table.is_some() {
                "archive"
            } else {
                "delete"
            },
            self.table,
            self.older_than,
            self.column,
            self.condition
                .as_ref()
                .map_or_else(String::new, |w| format!(" where {w}")),
            match self.batch_size {
                Some(size) => format!("batches of {} up to {size} rows", self.batch_target),
                None => format!("batches of {}", self.batch_target),
            }
        )
    }

    /// Refuses settings that could not run, before any connection.
    fn check(&self) -> std::result::Result<(), String> {
        plan(self).map(|_| ())
    }

    fn run(
        &self,
        client: &mut Session,
        dry_run: bool,
        progress: &mut dyn Progress,
    ) -> Result<JobOutcome> {
        run(client, self, dry_run, progress)
    }
}

/// With `dry_run`, counts what is due and stops. Otherwise asks the catalog and the planner
/// how to walk the table, tells `progress` how many rows it expects, then each committed batch.
fn run(
    client: &mut Session,
    job: &RetentionJob,
    dry_run: bool,
    progress: &mut dyn Progress,
) -> Result<JobOutcome> {
    let plan = plan(job).map_err(Error::Usage)?;
    if dry_run {
        let due: i64 = client
            .query_typed_one(&plan.count_sql, &[(&job.older_than, Type::TEXT)])
            .map_err(Error::db(format!(
                "counting the expired rows of {}",
                job.table
            )))?
            .get(0);
        return Ok(JobOutcome {
            rows_affected: Some(due),
            summary: format!(
                "would remove {} from {}",
                crate::plural::count(due, "row", "rows"),
                job.table
            ),
            detail: serde_json::json!({ "table": job.table, "due": due, "dry_run": true }),
            sections: Vec::new(),
        });
    }
    let facts = table_facts(client, job, &plan)?;
    let span = if may_walk_blocks(&facts, job.batch_size.is_some()) {
        Some(expired_span(client, job, &plan)?)
    } else {
        None
    };
    let method = span
        .as_ref()
        .map_or(Method::Rows, |span| choose_method(&facts, span));
    let mut tally = Tally::default();
    progress.expect(
        span.map_or(facts.expired_estimate, |span| span.rows as f64)
            .max(0.0) as u64,
    );
    match (method, span.and_then(|span| span.blocks)) {
        (Method::Rows, _) => by_rows(client, job, &plan, progress, &mut tally)?,
        (Method::BlockRanges, Some(blocks)) => by_block_ranges(
            client,
            job,
            &plan,
            blocks,
            facts.rows_per_block(),
            progress,
            &mut tally,
        )?,
        (Method::BlockRanges, None) => {}
    }
    let verb = if job.archive_table.is_some() {
        "archived"
    } else {
        "deleted"
    };
    let Tally {
        removed,
        batches,
        longest,
        largest,
        skipped_locked,
    } = tally;
    Ok(JobOutcome {
        rows_affected: Some(removed),
        summary: format!(
            "{verb} {} of {} in {}",
            crate::plural::count(removed, "row", "rows"),
            job.table,
            crate::plural::count(batches, "batch", "batches")
        ),
        detail: serde_json::json!({
            "table": job.table,
            "removed": removed,
            "mode": verb,
            "method": method.name(),
            "batches": batches,
            "longest_batch_ms": longest.as_millis() as u64,
            "largest_batch": largest,
            "batch_target_ms": plan.batch_target.as_millis() as u64,
            "batches_skipping_locked_rows": skipped_locked,
            "archive_table": job.archive_table,
        }),
        sections: Vec::new(),
    })
}

/// One read of the expired rows: how many, and the blocks from the first to the last that
/// holds one. It decides the method, and bounds the walk by block ranges: the blocks before
/// the first and after the last are never read.
fn expired_span(client: &mut Session, job: &RetentionJob, plan: &Plan) -> Result<ExpiredSpan> {
    let row = client
        .query_typed_one(&plan.bounds_sql, &[(&job.older_than, Type::TEXT)])
        .map_err(Error::db(format!(
            "finding the blocks that hold the expired rows of {}",
            job.table
        )))?;
    let blocks = match (row.get::<_, Option<i64>>(1), row.get::<_, Option<i64>>(2)) {
        (Some(first), Some(last)) => Some((first, last + 1)),
        _ => None,
    };
    Ok(ExpiredSpan {
        rows: row.get(0),
        blocks,
    })
}

/// What the batches did so far.
#[derive(Debug, Default)]
struct Tally {
    removed: i64,
    /// Batches that removed rows (a block range with none expired is not one).
    batches: u64,
    longest: Duration,
    largest: i64,
    /// Block ranges done again skipping rows other sessions held too long.
    skipped_locked: u64,
}

impl Tally {
    fn record(&mut self, removed: i64, took: Duration, progress: &mut dyn Progress) {
        self.longest = self.longest.max(took);
        self.largest = self.largest.max(removed);
        self.removed += removed;
        if removed > 0 {
            self.batches += 1;
            progress.advance(removed as u64);
        }
    }
}

/// JSON as PostgreSQL sends it (`EXPLAIN (FORMAT JSON)`), read as text.
struct JsonText(String);

impl<'a> tokio_postgres::types::FromSql<'a> for JsonText {
    fn from_sql(
        _: &Type,
        raw: &'a [u8],
    ) -> std::result::Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(JsonText(std::str::from_utf8(raw)?.to_string()))
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::JSON
    }
}

/// The table's kind and size from the catalog, and the planner's estimate of the expired rows.
fn table_facts(client: &mut Session, job: &RetentionJob, plan: &Plan) -> Result<TableFacts> {
    let context = format!("reading the size and statistics of {}", job.table);
    let table = quoted_table(&job.table).map_err(Error::Usage)?;
    let row = client
        .query_typed_one(
            "SELECT c.relkind::text, c.reltuples::float8, c.relpages::float8
             FROM pg_class c WHERE c.oid = $1::regclass",
            &[(&table, Type::TEXT)],
        )
        .map_err(Error::db(&context))?;
    let relkind: String = row.get(0);
    let explain: JsonText = client
        .query_typed_one(&plan.explain_sql, &[(&job.older_than, Type::TEXT)])
        .map_err(Error::db(&context))?
        .get(0);
    let (expired_estimate, sequential) = serde_json::from_str(&explain.0)
        .ok()
        .as_ref()
        .and_then(sizing::read_explain)
        .unwrap_or((0.0, false));
    Ok(TableFacts {
        relkind: relkind.chars().next().unwrap_or('?'),
        reltuples: row.get(1),
        expired_estimate,
        sequential,
        relpages: row.get(2),
    })
}

/// Batches of up to N rows in the column's order, until one comes back short.
fn by_rows(
    client: &mut Session,
    job: &RetentionJob,
    plan: &Plan,
    progress: &mut dyn Progress,
    tally: &mut Tally,
) -> Result<()> {
    let mut limit = FIRST_BATCH.min(job.batch_size.unwrap_or(i64::MAX));
    loop {
        let started = Instant::now();
        let params: [Param<'_>; 2] = [(&job.older_than, Type::TEXT), (&limit, Type::INT8)];
        let n = run_batch(
            client,
            job,
            plan,
            (Method::Rows, &plan.rows_sql),
            &params,
            tally.removed,
        )?;
        let took = started.elapsed();
        tally.record(n, took, progress);
        if n < limit {
            return Ok(());
        }
        limit = next_batch_size(n, took, plan.batch_target, job.batch_size);
        std::thread::sleep(pause_after(took, plan.pause));
    }
}

/// Batches of consecutive blocks, from `start` to the block before `end`: the blocks that held
/// expired rows when the run started. Sized by time, and never more blocks than full ones
/// could take in time ([`block_ceiling`]), so that ranges grown through blocks of fresh rows
/// stay short when they meet expired ones again. Rows that appear outside them or behind the
/// walk (inserted or moved there meanwhile) wait for the next run.
fn by_block_ranges(
    client: &mut Session,
    job: &RetentionJob,
    plan: &Plan,
    (start, end): (i64, i64),
    rows_per_block: f64,
    progress: &mut dyn Progress,
    tally: &mut Tally,
) -> Result<()> {
    let mut first = start;
    let mut blocks = FIRST_BLOCKS;
    let mut row_cost = None;
    while first < end {
        let after = first.saturating_add(blocks).min(end);
        let started = Instant::now();
        let n = run_range(client, job, plan, first, after, tally)?;
        let took = started.elapsed();
        tally.record(n, took, progress);
        if n > 0 {
            row_cost = Some(took / u32::try_from(n).unwrap_or(u32::MAX));
        }
        let ceiling = block_ceiling(plan.batch_target, row_cost, rows_per_block);
        blocks = next_batch_size(after - first, took, plan.batch_target, None).min(ceiling);
        first = after;
        if first < end {
            std::thread::sleep(pause_after(took, plan.pause));
        }
    }
    Ok(())
}

/// One block range: first as a plain DELETE that waits at most `range_lock_timeout` for a
/// row or the table; when that wait runs out (or a deadlock is found), done again skipping
/// the rows other sessions hold, with the job's `lock_timeout` and retries. Either way it is
/// one committed transaction: the first try is rolled back whole.
fn run_range(
    client: &mut Session,
    job: &RetentionJob,
    plan: &Plan,
    first: i64,
    after: i64,
    tally: &mut Tally,
) -> Result<i64> {
    let params: [Param<'_>; 3] = [
        (&job.older_than, Type::TEXT),
        (&first, Type::INT8),
        (&after, Type::INT8),
    ];
    match try_batch(
        client,
        plan,
        (Method::BlockRanges, &plan.range_sql),
        &params,
        &plan.range_lock_timeout,
    ) {
        Ok(n) => Ok(n),
        Err(e) if held_back(&e) => {
            tally.skipped_locked += 1;
            run_batch(
                client,
                job,
                plan,
                (Method::BlockRanges, &plan.range_skip_locked_sql),
                &params,
                tally.removed,
            )
        }
        Err(e) => Err(batch_failed(job, tally.removed)(e)),
    }
}

/// A lock not granted in time, or a deadlock PostgreSQL broke by failing this batch.
fn held_back(e: &tokio_postgres::Error) -> bool {
    e.code() == Some(&SqlState::LOCK_NOT_AVAILABLE)
        || e.code() == Some(&SqlState::T_R_DEADLOCK_DETECTED)
}

fn batch_failed(job: &RetentionJob, removed: i64) -> impl FnOnce(tokio_postgres::Error) -> Error {
    Error::db(format!(
        "a retention batch on {} failed after {} removed in earlier, committed batches",
        job.table,
        match removed {
            1 => "1 row was".to_string(),
            n => format!("{n} rows were"),
        }
    ))
}

/// The settings of a batch's transaction: `$1` lock_timeout, `$2` statement_timeout. A block
/// range is also read by its TID range scan, never through an index: with the cutoff an
/// InitPlan the planner takes a third of the table as expired, and for a range over most of
/// the table it would walk the whole index instead.
fn batch_settings_sql(method: Method) -> &'static str {
    match method {
        Method::Rows => {
            "SELECT set_config('lock_timeout', $1, true), set_config('statement_timeout', $2, true)"
        }
        Method::BlockRanges => {
            "SELECT set_config('lock_timeout', $1, true), set_config('statement_timeout', $2, true),
                    set_config('enable_indexscan', 'off', true), set_config('enable_bitmapscan', 'off', true)"
        }
    }
}

/// One batch of `method` in its own transaction; rolled back whole when anything fails.
fn try_batch(
    client: &mut Session,
    plan: &Plan,
    (method, sql): (Method, &str),
    params: &[Param<'_>],
    lock_timeout: &str,
) -> std::result::Result<i64, tokio_postgres::Error> {
    let mut tx = client.transaction()?;
    tx.query_typed(
        batch_settings_sql(method),
        &[
            (&lock_timeout, Type::TEXT),
            (&plan.statement_timeout, Type::TEXT),
        ],
    )?;
    let n = if plan.archives {
        tx.query_typed_one(sql, params)?.get(0)
    } else {
        tx.session()
            .pipeline(async |c| c.execute_typed(sql, params).await)? as i64
    };
    tx.commit()?;
    Ok(n)
}

/// One batch in its own transaction; a batch that cannot get its locks is tried again.
fn run_batch(
    client: &mut Session,
    job: &RetentionJob,
    plan: &Plan,
    batch: (Method, &str),
    params: &[Param<'_>],
    removed: i64,
) -> Result<i64> {
    let mut attempt = 0;
    loop {
        match try_batch(client, plan, batch, params, &plan.lock_timeout) {
            Ok(n) => return Ok(n),
            Err(e) if e.code() == Some(&SqlState::LOCK_NOT_AVAILABLE) && attempt < LOCK_RETRIES => {
                attempt += 1;
                let pause = plan.pause.unwrap_or(Duration::ZERO);
                std::thread::sleep(pause.max(LOCK_RETRY_WAIT) * 2u32.pow(attempt));
            }
            Err(e) => return Err(batch_failed(job, removed)(e)),
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
        for sql in [&plan.rows_sql, &plan.range_sql, &plan.range_skip_locked_sql] {
            assert!(sql.contains("DELETE FROM \"public\".\"events\""), "{sql}");
            assert!(
                sql.contains("\"created_at\" < (SELECT now() - $1::interval) AND (read)"),
                "{sql}"
            );
        }
        assert!(
            plan.rows_sql
                .contains("LIMIT $2 FOR UPDATE SKIP LOCKED)) AND \"created_at\" < (SELECT now()")
        );
        // Block numbers are bound too, and made TIDs by PostgreSQL.
        assert!(plan.range_sql.contains(
            "ctid >= format('(%s,0)', $2::bigint)::tid AND ctid < format('(%s,0)', $3::bigint)::tid"
        ));
        assert!(
            plan.range_skip_locked_sql
                .contains("FOR UPDATE SKIP LOCKED")
        );
        assert_eq!(plan.lock_timeout, "5000ms");
        // A block range waits for a lock no longer than a batch should take.
        assert_eq!(plan.range_lock_timeout, "200ms");
    }

    #[test]
    fn archives_move_rows_in_the_same_statement() {
        let mut job = job();
        job.archive_table = Some("archive.events".into());
        let plan = plan(&job).unwrap();
        for sql in [&plan.rows_sql, &plan.range_sql, &plan.range_skip_locked_sql] {
            assert!(
                sql.contains("INSERT INTO \"archive\".\"events\" SELECT * FROM gone"),
                "{sql}"
            );
        }
    }

    #[test]
    fn bad_settings_are_refused() {
        let mut bad = job();
        bad.batch_size = Some(0);
        assert!(plan(&bad).is_err());
        let mut bad = job();
        bad.batch_target = "0ms".into();
        assert!(plan(&bad).unwrap_err().contains("batch_target"));
        let mut bad = job();
        bad.batch_target = "soon".into();
        assert!(plan(&bad).unwrap_err().contains("`soon` is not a duration"));
        let mut bad = job();
        bad.pause = Some("later".into());
        assert!(plan(&bad).is_err());
        let mut bad = job();
        bad.archive_table = Some("a.b.c".into());
        assert!(plan(&bad).is_err());
    }

    #[test]
    fn defaults_size_batches_by_time_with_no_row_ceiling_and_a_pause_by_the_batch() {
        let job: RetentionJob = toml::from_str(
            "table = \"public.events\"\ncolumn = \"created_at\"\nolder_than = \"30 days\"",
        )
        .unwrap();
        assert_eq!(job.batch_size, None);
        let plan = plan(&job).unwrap();
        assert_eq!(plan.batch_target, Duration::from_millis(200));
        assert_eq!(plan.pause, None);
        assert!(job.describe().ends_with(", batches of 200ms"));
    }
}
