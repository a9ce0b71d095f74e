//! How a retention run cuts its work: which way it walks the table, how big the next batch
//! is, and how long it pauses after one. Pure functions, so the choices are tested alone.

use std::time::Duration;

/// How the batches pick their rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Each batch is one plain `DELETE` on a range of the table's blocks (a TID range scan):
    /// per row as cheap as one `DELETE` of everything, whatever the index and however many
    /// rows share a timestamp. It reads every block from the first to the last expired row,
    /// so it is chosen when those blocks are dense with expired rows (the oldest rows of an
    /// append-only table sit together at its start), or when no index finds them anyway.
    BlockRanges,
    /// Each batch locks up to N expired rows in the column's order, skipping rows other
    /// sessions hold, and deletes them: a bound in rows, and little read when few rows expire.
    Rows,
}

impl Method {
    pub fn name(self) -> &'static str {
        match self {
            Method::BlockRanges => "block_ranges",
            Method::Rows => "rows",
        }
    }
}

/// Block ranges once at least this share of the rows they would read is expired. Reading a
/// row that stays costs a fraction of deleting one, and fetching each expired row through
/// the index (by rows) several times what a range pays for it (bench/README.md).
const BLOCK_RANGES_FROM_DENSITY: f64 = 0.1;

/// What the catalog and the planner say about the table before the run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TableFacts {
    /// `pg_class.relkind`: block ranges need a plain table (`r`); a partitioned one has none.
    pub relkind: char,
    /// `pg_class.reltuples`: negative when the table was never analysed.
    pub reltuples: f64,
    /// The planner's estimate of the expired rows.
    pub expired_estimate: f64,
    /// The planner would read the expired rows with a sequential scan (no useful index).
    pub sequential: bool,
    /// `pg_class.relpages`: the blocks `reltuples` was counted in (0 when never analysed).
    pub relpages: f64,
}

/// Rows in a block when the table's statistics do not say: about the most a heap block holds.
const ROWS_PER_BLOCK_UNKNOWN: f64 = 290.0;

impl TableFacts {
    /// The average rows in a block, from the statistics.
    pub fn rows_per_block(&self) -> f64 {
        if self.reltuples > 0.0 && self.relpages > 0.0 {
            (self.reltuples / self.relpages).max(1.0)
        } else {
            ROWS_PER_BLOCK_UNKNOWN
        }
    }
}

/// Whether block ranges are possible at all: a plain table (a partitioned one has no blocks
/// of its own) and no `batch_size` asking for a bound in rows. Only then is it worth reading
/// where the expired rows are ([`ExpiredSpan`]).
pub fn may_walk_blocks(facts: &TableFacts, row_ceiling: bool) -> bool {
    facts.relkind == 'r' && !row_ceiling
}

/// Where the expired rows are when the run starts, from one read of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpiredSpan {
    pub rows: i64,
    /// The first block holding an expired row, and the block after the last; `None` when
    /// nothing is expired.
    pub blocks: Option<(i64, i64)>,
}

/// Block ranges (where [`may_walk_blocks`]) when the planner reads the table whole anyway (no
/// index finds the expired rows), or when a tenth or more of the rows in the blocks between
/// the first and the last expired row is expired. Rows otherwise: expired rows scattered
/// through a big table are cheaper to fetch one by one through the index.
pub fn choose_method(facts: &TableFacts, span: &ExpiredSpan) -> Method {
    let Some((first, after)) = span.blocks else {
        return Method::BlockRanges;
    };
    let read = (after - first).max(1) as f64 * facts.rows_per_block();
    if facts.sequential || span.rows as f64 >= read * BLOCK_RANGES_FROM_DENSITY {
        Method::BlockRanges
    } else {
        Method::Rows
    }
}

/// The planner's expected rows at the top of an `EXPLAIN (FORMAT JSON)` document, and whether
/// the expired rows are read with a sequential scan (under a `Gather` when parallel).
pub fn read_explain(document: &serde_json::Value) -> Option<(f64, bool)> {
    let plan = document.get(0)?.get("Plan")?;
    let rows = plan.get("Plan Rows")?.as_f64()?;
    let mut node = plan;
    while matches!(
        node.get("Node Type").and_then(|t| t.as_str()),
        Some("Gather" | "Gather Merge")
    ) {
        node = node.get("Plans")?.get(0)?;
    }
    let sequential = node.get("Node Type").and_then(|t| t.as_str()) == Some("Seq Scan");
    Some((rows, sequential))
}

/// What a batch aims at, under `batch_target` so that ordinary noise keeps it below.
const AIM: f64 = 0.8;
/// The most a batch grows or shrinks from the one before: a batch of a few rows or blocks
/// says little about the cost of a big one.
const MOST_CHANGE: f64 = 8.0;

/// The size (rows, or blocks) of the batch after one of `size` that took `took`: the size
/// that would have taken four fifths of `target` at the same pace, but at most 8 times more
/// or 8 times fewer than `size`; never under 1 nor over `ceiling`.
pub fn next_batch_size(size: i64, took: Duration, target: Duration, ceiling: Option<i64>) -> i64 {
    let size = size.max(1) as f64;
    let factor = if took.is_zero() {
        MOST_CHANGE
    } else {
        (target.as_secs_f64() * AIM / took.as_secs_f64()).clamp(1.0 / MOST_CHANGE, MOST_CHANGE)
    };
    // `as` saturates at i64::MAX.
    let next = (size * factor).round() as i64;
    next.clamp(1, ceiling.unwrap_or(i64::MAX).max(1))
}

/// What one row is taken to cost before any batch removed one: slow, so that a walk through
/// blocks with nothing expired does not grow its ranges past what a block full of expired
/// rows could take in time.
const ASSUMED_ROW_COST: Duration = Duration::from_micros(2);

/// The most blocks a range may cover: as many as would take four fifths of `target` if every
/// row in them were expired, at `row_cost` (the pace of the last batch that removed rows, or
/// [`ASSUMED_ROW_COST`] before any), with `rows_per_block` rows in each block. A walk that
/// sped through blocks of fresh rows then meets a run of expired ones at that size.
pub fn block_ceiling(target: Duration, row_cost: Option<Duration>, rows_per_block: f64) -> i64 {
    let row_cost = row_cost.unwrap_or(ASSUMED_ROW_COST).as_secs_f64();
    if row_cost <= 0.0 {
        return i64::MAX;
    }
    let rows = target.as_secs_f64() * AIM / row_cost;
    ((rows / rows_per_block.max(1.0)) as i64).max(1)
}

/// A pause a fiftieth of the batch before it when no `pause` is set: every batch is followed
/// by a moment with no retention transaction open (3ms after one of 160ms), short batches are
/// not slowed by long pauses, and pauses cost a fiftieth of the run (bench/README.md).
const PAUSE_SHARE: u32 = 50;
/// The shortest pause: a commit's wake-ups reach the sessions that waited on the batch.
const SHORTEST_PAUSE: Duration = Duration::from_millis(1);

/// The pause after a batch that took `took`: `fixed` when set, else a fiftieth of `took`.
pub fn pause_after(took: Duration, fixed: Option<Duration>) -> Duration {
    fixed.unwrap_or_else(|| (took / PAUSE_SHARE).max(SHORTEST_PAUSE))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_aim_at_four_fifths_of_the_target_changing_at_most_eightfold() {
        let ms = Duration::from_millis;
        let target = ms(200);
        for (size, took, ceiling, next) in [
            // At the pace seen, the size that takes 160ms.
            (1000, ms(100), None, 1600),
            (1000, ms(160), None, 1000),
            (1000, ms(320), None, 500),
            // Never more than 8 times bigger or smaller.
            (1000, ms(1), None, 8000),
            (1000, ms(0), None, 8000),
            (1000, ms(5000), None, 125),
            // Never under one.
            (1, ms(300), None, 1),
            (0, ms(300), None, 1),
            // Never over batch_size.
            (1000, ms(10), Some(1500), 1500),
            (300, ms(10), Some(300), 300),
            (1000, ms(300), Some(300), 300),
            (i64::MAX, ms(1), None, i64::MAX),
        ] {
            assert_eq!(
                next_batch_size(size, took, target, ceiling),
                next,
                "{size} in {took:?}, ceiling {ceiling:?}"
            );
        }
    }

    #[test]
    fn the_pause_is_a_fiftieth_of_the_batch_unless_set() {
        let ms = Duration::from_millis;
        assert_eq!(pause_after(ms(200), None), ms(4));
        assert_eq!(pause_after(ms(3), None), ms(1));
        assert_eq!(pause_after(ms(200), Some(ms(150))), ms(150));
        assert_eq!(pause_after(ms(1), Some(Duration::ZERO)), Duration::ZERO);
    }

    fn facts(relkind: char, reltuples: f64, expired_estimate: f64, sequential: bool) -> TableFacts {
        TableFacts {
            relkind,
            reltuples,
            expired_estimate,
            sequential,
            relpages: 0.0,
        }
    }

    #[test]
    fn a_range_covers_no_more_blocks_than_full_ones_would_take_in_time() {
        let target = Duration::from_millis(200);
        let us = Duration::from_micros;
        // 160ms at 2 µs a row, the assumed cost: 80,000 rows, 800 blocks of 100.
        assert_eq!(block_ceiling(target, None, 100.0), 800);
        // Once rows were removed at 0.5 µs each: 320,000 rows.
        assert_eq!(block_ceiling(target, Some(us(1) / 2), 100.0), 3200);
        // Never under one block, whatever the pace.
        assert_eq!(
            block_ceiling(target, Some(Duration::from_secs(1)), 100.0),
            1
        );
        assert_eq!(block_ceiling(target, Some(Duration::ZERO), 100.0), i64::MAX);
    }

    #[test]
    fn rows_per_block_come_from_the_statistics_else_a_full_block() {
        let mut analysed = facts('r', 2_000_000.0, 0.0, false);
        analysed.relpages = 20_000.0;
        assert_eq!(analysed.rows_per_block(), 100.0);
        assert_eq!(
            facts('r', -1.0, 0.0, false).rows_per_block(),
            ROWS_PER_BLOCK_UNKNOWN
        );
    }

    #[test]
    fn blocks_only_for_a_plain_table_without_a_row_ceiling() {
        assert!(may_walk_blocks(&facts('r', 2e6, 1e6, false), false));
        // batch_size bounds batches in rows; a partitioned table has no blocks of its own.
        assert!(!may_walk_blocks(&facts('r', 2e6, 1e6, true), true));
        assert!(!may_walk_blocks(&facts('p', 2e6, 1e6, true), false));
    }

    #[test]
    fn block_ranges_where_the_expired_rows_are_dense_or_no_index_helps() {
        use Method::*;
        // 100 rows a block, 20,000 blocks.
        let mut indexed = facts('r', 2e6, 0.0, false);
        indexed.relpages = 20_000.0;
        let mut unindexed = indexed;
        unindexed.sequential = true;
        let span = |rows, first, after| ExpiredSpan {
            rows,
            blocks: Some((first, after)),
        };
        for (facts, span, method) in [
            // Half the table, all in its first half.
            (indexed, span(1_000_000, 0, 10_000), BlockRanges),
            // A day of ninety, together at the start: ranges read little else.
            (indexed, span(22_000, 0, 220), BlockRanges),
            // A tenth of the rows read is enough.
            (indexed, span(100_000, 0, 10_000), BlockRanges),
            // The same rows scattered through the table: rows, through the index.
            (indexed, span(100_000, 0, 20_000), Rows),
            (indexed, span(10, 0, 20_000), Rows),
            // No index the planner would use: the table is read whole anyway.
            (unindexed, span(10, 0, 20_000), BlockRanges),
            // Nothing expired: nothing is read.
            (
                indexed,
                ExpiredSpan {
                    rows: 0,
                    blocks: None,
                },
                BlockRanges,
            ),
        ] {
            assert_eq!(choose_method(&facts, &span), method, "{span:?}");
        }
    }

    #[test]
    fn explain_gives_the_estimate_and_the_scan() {
        let plan = |json: &str| read_explain(&serde_json::from_str(json).unwrap());
        assert_eq!(
            plan(r#"[{"Plan": {"Node Type": "Index Scan", "Plan Rows": 995733}}]"#),
            Some((995733.0, false))
        );
        assert_eq!(
            plan(
                r#"[{"Plan": {"Node Type": "Gather", "Plan Rows": 12, "Plans": [{"Node Type": "Seq Scan", "Plan Rows": 5}]}}]"#
            ),
            Some((12.0, true))
        );
        assert_eq!(
            plan(r#"[{"Plan": {"Node Type": "Seq Scan", "Plan Rows": 3}}]"#),
            Some((3.0, true))
        );
        assert_eq!(plan(r#"[{"Plan": {"Node Type": "Seq Scan"}}]"#), None);
        assert_eq!(plan("[]"), None);
    }
}
