//! `kind = "retention"`: delete (or archive) the rows older than an interval, in batches,
//! each batch its own short transaction with `lock_timeout` and `statement_timeout` set
//! locally, with a pause between batches. Batches are sized by time: they grow while they
//! stay well under `batch_target` and shrink when one runs over it.

use std::time::Duration;

use serde::Deserialize;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::Type;

use super::{
    Job, JobOutcome, Progress, default_schedule, parse_duration, quoted_table, timeout_setting,
};
use crate::db::session::{Session, Sql};
use crate::error::{Error, Result};
use crate::ident::quote_ident;

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
    #[serde(default = "default_pause")]
    pub pause: String,
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
/// A pause a tenth of the batch target. Other sessions get the table between batches, and
/// once batches reach the target the pauses cost about a tenth of the run (bench/README.md).
fn default_pause() -> String {
    "20ms".to_string()
}
fn default_lock_timeout() -> String {
    "5s".to_string()
}
fn default_statement_timeout() -> String {
    "60s".to_string()
}

/// Longest `where` condition read: a condition is a line or two; a bound keeps the parser's
/// recursion far from the stack's end.
const CONDITION_MAX_BYTES: usize = 4096;
/// Deepest nesting of parentheses and brackets in a `where` condition, for the same reason.
const CONDITION_MAX_DEPTH: usize = 32;

/// Checks that `text` is exactly one SQL expression, so that `AND (text)` cannot reach past
/// its parentheses: no comment, semicolon or parameter, every quote closed, parentheses
/// balanced, and squawk's parser reading `SELECT 1 WHERE text` with `text` as the whole WHERE.
pub fn check_condition(text: &str) -> std::result::Result<(), String> {
    use squawk_lexer::{LiteralKind, TokenKind};
    use squawk_syntax::SourceFile;
    use squawk_syntax::ast::{AstNode, Stmt};

    let text = text.trim();
    if text.is_empty() {
        return Err("`where` is empty; leave it out to remove every expired row".into());
    }
    if text.len() > CONDITION_MAX_BYTES {
        return Err(format!(
            "`where` is longer than {CONDITION_MAX_BYTES} bytes; put the logic in a function or a view"
        ));
    }
    if text.contains('\0') {
        return Err("`where` holds a NUL byte, which PostgreSQL does not take".into());
    }
    let mut depth = 0usize;
    for token in squawk_lexer::tokenize(text) {
        let refused = match token.kind {
            TokenKind::LineComment | TokenKind::BlockComment { .. } => Some("a comment"),
            TokenKind::Semi => Some("a semicolon"),
            TokenKind::PositionalParam { .. } => Some("a parameter ($n)"),
            TokenKind::QuotedIdent {
                terminated: false, ..
            } => Some("an unclosed quoted name"),
            TokenKind::Literal { kind } => match kind {
                LiteralKind::Str { terminated }
                | LiteralKind::NationalStr { terminated }
                | LiteralKind::ByteStr { terminated }
                | LiteralKind::BitStr { terminated }
                | LiteralKind::DollarQuotedString { terminated }
                | LiteralKind::UnicodeEscStr { terminated }
                | LiteralKind::EscStr { terminated }
                    if !terminated =>
                {
                    Some("an unclosed string")
                }
                _ => None,
            },
            TokenKind::OpenParen | TokenKind::OpenBracket => {
                depth += 1;
                (depth > CONDITION_MAX_DEPTH).then_some("parentheses nested too deeply")
            }
            TokenKind::CloseParen | TokenKind::CloseBracket => match depth.checked_sub(1) {
                Some(d) => {
                    depth = d;
                    None
                }
                None => Some("a closing parenthesis without its opening one"),
            },
            TokenKind::Unknown => Some("a character SQL does not use"),
            _ => None,
        };
        if let Some(what) = refused {
            return Err(format!(
                "`where` must be one SQL expression, and `{text}` holds {what}"
            ));
        }
    }
    if depth != 0 {
        return Err(format!(
            "`where` must be one SQL expression, and `{text}` leaves a parenthesis open"
        ));
    }
    let prefix = "SELECT 1 WHERE ";
    let sql = format!("{prefix}{text}");
    let parse = SourceFile::parse(&sql);
    let not_one_expression = || format!("`where` must be one SQL expression, and `{text}` is not");
    if let Some(error) = parse.errors().first() {
        return Err(format!(
            "`where` must be one SQL expression, and `{text}` does not parse: {}",
            error.message()
        ));
    }
    let stmts: Vec<Stmt> = parse.tree().stmts().collect();
    let [Stmt::Select(select)] = stmts.as_slice() else {
        return Err(not_one_expression());
    };
    let expression = select
        .where_clause()
        .and_then(|w| w.expr())
        .ok_or_else(not_one_expression)?;
    let range = expression.syntax().text_range();
    let whole = usize::from(range.start()) == prefix.len() && usize::from(range.end()) == sql.len();
    // Anything after the expression (ORDER BY, LIMIT, FOR UPDATE, UNION ...) is not a condition.
    let only_where = select.syntax().text_range().end() == range.end()
        && select.select_clause().is_some()
        && select.from_clause().is_none();
    if !whole || !only_where {
        return Err(not_one_expression());
    }
    Ok(())
}

/// How often a batch that could not get its locks is tried again.
const LOCK_RETRIES: u32 = 3;
/// The shortest wait before such a retry, doubled each time, even with a shorter pause.
const LOCK_RETRY_WAIT: Duration = Duration::from_millis(100);
/// The rows of the first batch: small enough to stay short on any table.
const FIRST_BATCH: i64 = 1000;

/// The row limit of the batch after one that removed `rows` in `took`: doubled while a batch
/// takes under half of `target` (so the doubled one should still fit), halved when one takes
/// longer than `target`, kept in between; never under 1 nor over `ceiling`.
pub fn next_batch_size(rows: i64, took: Duration, target: Duration, ceiling: Option<i64>) -> i64 {
    let rows = rows.max(1);
    let next = if took > target {
        rows / 2
    } else if took * 2 <= target {
        rows.saturating_mul(2)
    } else {
        rows
    };
    next.clamp(1, ceiling.unwrap_or(i64::MAX).max(1))
}

#[derive(Debug)]
struct Plan {
    count_sql: String,
    batch_sql: String,
    lock_timeout: String,
    statement_timeout: String,
    pause: Duration,
    batch_target: Duration,
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
        batch_target,
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

/// Counts what is due; with `dry_run` that is all. `progress` hears the count first, for a
/// progress bar, then each committed batch.
fn run(
    client: &mut Session,
    job: &RetentionJob,
    dry_run: bool,
    progress: &mut dyn Progress,
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
            sections: Vec::new(),
        });
    }
    progress.expect(due as u64);
    let mut removed = 0i64;
    let mut batches = 0u64;
    let mut longest = Duration::ZERO;
    let mut largest = 0i64;
    let mut limit = FIRST_BATCH.min(job.batch_size.unwrap_or(i64::MAX));
    loop {
        let started = std::time::Instant::now();
        let n = run_batch(client, job, &plan, limit, removed)?;
        let took = started.elapsed();
        longest = longest.max(took);
        largest = largest.max(n);
        removed += n;
        if n > 0 {
            batches += 1;
            progress.advance(n as u64);
        }
        if n < limit {
            break;
        }
        limit = next_batch_size(n, took, plan.batch_target, job.batch_size);
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
            "largest_batch": largest,
            "batch_target_ms": plan.batch_target.as_millis() as u64,
            "archive_table": job.archive_table,
        }),
        sections: Vec::new(),
    })
}

/// One batch in its own transaction; a batch that cannot get its locks is tried again.
fn run_batch(
    client: &mut Session,
    job: &RetentionJob,
    plan: &Plan,
    limit: i64,
    removed: i64,
) -> Result<i64> {
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
            &[(&job.older_than, Type::TEXT), (&limit, Type::INT8)],
        ) {
            Ok(row) => {
                tx.commit()
                    .map_err(Error::db("committing a retention batch"))?;
                return Ok(row.get(0));
            }
            Err(e) if e.code() == Some(&SqlState::LOCK_NOT_AVAILABLE) && attempt < LOCK_RETRIES => {
                drop(tx);
                attempt += 1;
                std::thread::sleep(plan.pause.max(LOCK_RETRY_WAIT) * 2u32.pow(attempt));
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
    fn a_condition_is_exactly_one_expression() {
        for accepted in [
            "read",
            "status = 'processed'",
            "status IN ('a', 'b') AND NOT pinned",
            "(kind = 'x') OR (kind = 'y')",
            "note <> 'it''s; -- not a comment'",
            "payload ->> 'kind' = 'click' AND tags @> ARRAY['old']",
            "coalesce(archived_at, created_at) < now() - interval '1 day'",
            "id NOT IN (SELECT id FROM public.keep)",
            "EXISTS (SELECT 1 FROM public.holds h WHERE h.id = id)",
            "$$a$$ = name",
        ] {
            assert_eq!(check_condition(accepted), Ok(()), "{accepted}");
        }
        for (refused, why) in [
            ("false) OR (true", "closing parenthesis"),
            ("(true", "parenthesis open"),
            ("true; DELETE FROM users", "semicolon"),
            ("true -- and the rest", "comment"),
            ("true /* x */", "comment"),
            ("read = 'x", "unclosed string"),
            ("\"read", "unclosed quoted name"),
            ("id = $1", "parameter"),
            ("true UNION SELECT 1", "is not"),
            ("true ORDER BY 1", "is not"),
            ("true LIMIT 1", "is not"),
            ("true FOR UPDATE", "is not"),
            ("true GROUP BY 1", "is not"),
            ("true) UNION (SELECT 1", "closing parenthesis"),
            ("", "empty"),
            ("   ", "empty"),
            ("status =", "does not parse"),
            ("read = '\0'", "NUL byte"),
            ("read \0", "NUL byte"),
            ("()", "does not parse"),
        ] {
            let err = check_condition(refused).expect_err(refused);
            assert!(err.contains(why), "{refused}: {err}");
        }
        let deep = format!("{}true{}", "(".repeat(1000), ")".repeat(1000));
        assert!(
            check_condition(&deep)
                .unwrap_err()
                .contains("nested too deeply")
        );
        let long = vec!["NOT"; 2000].join(" ") + " true";
        assert!(check_condition(&long).unwrap_err().contains("longer than"));
        // The longest condition read is no trouble for the parser.
        let nots = vec!["NOT"; 1020].join(" ") + " true";
        assert_eq!(check_condition(&nots), Ok(()));
        let sum = vec!["1"; 2040].join("+") + " = 2";
        assert_eq!(check_condition(&sum), Ok(()));
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
        bad.pause = "later".into();
        assert!(plan(&bad).is_err());
    }

    #[test]
    fn batches_grow_under_half_the_target_and_shrink_over_it() {
        let ms = Duration::from_millis;
        let target = ms(200);
        for (rows, took, ceiling, next) in [
            // Well under the target: doubled.
            (1000, ms(10), None, 2000),
            (1000, ms(100), None, 2000),
            // Between half the target and the target: kept.
            (1000, ms(101), None, 1000),
            (1000, ms(200), None, 1000),
            // Over the target: halved, never under one row.
            (1000, ms(201), None, 500),
            (1000, ms(5000), None, 500),
            (1, ms(300), None, 1),
            (0, ms(300), None, 1),
            // Never over batch_size.
            (1000, ms(10), Some(1500), 1500),
            (300, ms(10), Some(300), 300),
            (1000, ms(300), Some(300), 300),
            (i64::MAX, ms(1), None, i64::MAX),
        ] {
            assert_eq!(
                next_batch_size(rows, took, target, ceiling),
                next,
                "{rows} rows in {took:?}, ceiling {ceiling:?}"
            );
        }
    }

    #[test]
    fn defaults_size_batches_by_time_with_no_row_ceiling() {
        let job: RetentionJob = toml::from_str(
            "table = \"public.events\"\ncolumn = \"created_at\"\nolder_than = \"30 days\"",
        )
        .unwrap();
        assert_eq!(job.batch_size, None);
        let plan = plan(&job).unwrap();
        assert_eq!(plan.batch_target, Duration::from_millis(200));
        assert_eq!(plan.pause, Duration::from_millis(20));
        assert!(job.describe().ends_with(", batches of 200ms"));
    }
}
