//! The migration history: `schema_history` and `schema_events` in dbward's schema. This
//! type is what the commands hold; the claim function (`claim.rs`), the owners check
//! (`owners.rs`) and the job runs (`job_runs.rs`) are modules of their own that it calls,
//! none of which knows it.

use std::time::SystemTime;

use tokio_postgres::types::Type;

use crate::db::claim::{self, Claim, Fence, Intent};
use crate::db::job_runs::JobRuns;
use crate::db::lock::{self, LockKey};
use crate::db::owners;
use crate::db::schema::{Schema, empty_if_missing};
use crate::db::session::{Client, Sql};
use crate::error::{Error, LockHolder, Result};
use crate::migrate::model::{Applied, Checksum, Migration, Outcome, Version};

/// Where the job-run types lived before `job_runs.rs`; their users import them from here.
pub use crate::db::job_runs::{JobRun, RunStatus};

/// The history tables in one schema.
#[derive(Debug, Clone)]
pub struct History {
    schema: Schema,
}

/// Why a history row changed other than by `up` or `down`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// `repair` accepted an edited file's new checksum.
    ChecksumAccepted,
    /// `repair` accepted an edited rollback's new checksum.
    RollbackChecksumAccepted,
    /// `repair` cleared a failed no-transaction migration so that `up` runs it again.
    FailedCleared,
    /// `repair --forget-missing` removed an applied migration whose file is gone.
    MissingForgotten,
    /// `baseline` adopted an existing database.
    Baseline,
    /// `adopt` recorded a migration another tool's history has as applied.
    Adopted,
    /// `diff --write` recorded the migration it wrote from this database's schema.
    Generated,
}

impl Event {
    fn as_str(self) -> &'static str {
        match self {
            Event::ChecksumAccepted => "checksum_accepted",
            Event::RollbackChecksumAccepted => "rollback_checksum_accepted",
            Event::FailedCleared => "failed_cleared",
            Event::MissingForgotten => "missing_forgotten",
            Event::Baseline => "baseline",
            Event::Adopted => "adopted",
            Event::Generated => "generated",
        }
    }
}

/// What a history row holds, in the order [`applied_from`] reads it.
const APPLIED_COLUMNS: &str =
    "version, name, checksum, rollback_checksum, applied_at, applied_by, execution_ms, success";

fn applied_from(row: &tokio_postgres::Row) -> Applied {
    Applied {
        version: Version::from_key(row.get::<_, i64>(0)),
        name: row.get(1),
        checksum: Checksum::from_hex(row.get(2)),
        rollback_checksum: row.get::<_, Option<&str>>(3).and_then(Checksum::from_hex),
        // Formatted here: `to_char` costs a fresh session a millisecond.
        applied_at: humantime::format_rfc3339_seconds(row.get::<_, SystemTime>(4)).to_string(),
        applied_by: row.get(5),
        execution_ms: row.get(6),
        outcome: if row.get(7) {
            Outcome::Succeeded
        } else {
            Outcome::Failed
        },
    }
}

/// How often [`History::mark_applying`] looks again at rows that keep moving, before it
/// leaves them as work in progress (which `up` waits for, up to `wait_for_lock`).
const SETTLE_LOOKS: usize = 20;

/// A history row, and the transaction that last wrote it (`xmin`).
struct SeenRow {
    applied: Applied,
    writer: String,
}

/// What a failed row turned out to be.
#[derive(Debug, Clone)]
enum Settled {
    /// The row as it stands: failed, applying, or finished since it was read.
    Now(Applied),
    /// Rolled back, or cleared, since it was read.
    Gone,
    /// Written again between the two reads of one look: look again.
    Moved,
}

/// A look at one failed row: the row before, whether its applying lock was held, the row
/// after, each read after the one before it.
fn settle(before: Option<&SeenRow>, held: bool, after: Option<&SeenRow>) -> Settled {
    match (before, after) {
        (None, None) => Settled::Gone,
        (Some(before), Some(after)) if before.writer == after.writer => {
            let mut row = after.applied.clone();
            if row.outcome == Outcome::Failed && held {
                row.outcome = Outcome::Applying;
            }
            Settled::Now(row)
        }
        _ => Settled::Moved,
    }
}

/// What recording a migration writes, in the order both inserts bind it.
const RECORDED_COLUMNS: &str = "version, name, checksum, rollback_checksum, execution_ms, success";

impl History {
    pub fn new(schema: &str) -> History {
        History {
            schema: Schema::new(schema),
        }
    }

    fn table(&self) -> String {
        self.schema.table("schema_history")
    }

    /// Creates the schema, tables and functions that are missing, refusing a schema with
    /// objects another role owns, and revokes what other roles were granted on them. Call it
    /// holding the migration lock, so that concurrent first runs do not race on `CREATE ...
    /// IF NOT EXISTS`. A history made by an older dbward gets the functions it lacks. In
    /// the usual case (all there, all ours, granted to nobody) it is one small query.
    pub fn ensure(&self, client: &mut impl Sql) -> Result<()> {
        let s = self.schema.quoted();
        let create = format!(
            "CREATE SCHEMA IF NOT EXISTS {s};
                 CREATE TABLE IF NOT EXISTS {s}.schema_history (
                   version bigint PRIMARY KEY,
                   name text NOT NULL,
                   checksum text NOT NULL,
                   rollback_checksum text,
                   applied_at timestamptz NOT NULL DEFAULT now(),
                   applied_by text NOT NULL DEFAULT current_user,
                   execution_ms bigint NOT NULL DEFAULT 0,
                   success boolean NOT NULL
                 );
                 -- Failed rows are rare: this keeps the check for them cheap.
                 CREATE INDEX IF NOT EXISTS schema_history_failed
                   ON {s}.schema_history (version) WHERE NOT success;
                 CREATE TABLE IF NOT EXISTS {s}.schema_events (
                   id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                   version bigint NOT NULL,
                   event text NOT NULL,
                   detail text NOT NULL,
                   at timestamptz NOT NULL DEFAULT now(),
                   by text NOT NULL DEFAULT current_user
                 );
                 {functions}",
            functions = claim::definitions(s)
        );
        owners::ensure(
            client,
            &self.schema,
            owners::Wanted {
                tables: &owners::MIGRATION_TABLES,
                with_claim: true,
                create: &create,
                what: "tables",
            },
        )
    }

    pub fn exists(&self, client: &mut impl Sql) -> Result<bool> {
        let row = client
            .query_typed_one(
                "SELECT to_regclass($1) IS NOT NULL",
                &[(&self.table(), Type::TEXT)],
            )
            .map_err(Error::db("reading the migration history"))?;
        Ok(row.get(0))
    }

    /// Every row, oldest version first. An absent table is an empty history. Outside a
    /// transaction only: a missing table is detected by the error, saving a round trip.
    pub fn load(&self, client: &mut impl Sql) -> Result<Vec<Applied>> {
        client.pipeline(async |c| self.load_in(c).await)
    }

    /// Settles what the failed rows of `rows` mean: a run another runner is still applying
    /// (its applying lock is held), a run that finished or was rolled back since `rows`
    /// were read, or a failed one. A run can end between reading its row and looking for
    /// its lock, so each look is one flight of three statements, run in order: the rows,
    /// the locks, the rows again. A row that reads failed, written by the same transaction
    /// before and after a look that found no lock, is failed: its runner took the lock
    /// before writing it and let go only after it was done. A row that moved meanwhile is
    /// looked at again. One flight, and none at all on the usual history without a failed
    /// row.
    pub fn mark_applying(&self, client: &mut impl Sql, rows: &mut Vec<Applied>) -> Result<()> {
        let mut unsettled: Vec<Version> = rows
            .iter()
            .filter(|r| r.outcome == Outcome::Failed)
            .map(|r| r.version)
            .collect();
        for _ in 0..SETTLE_LOOKS {
            if unsettled.is_empty() {
                return Ok(());
            }
            let keys: Vec<LockKey> = unsettled.iter().map(|&v| self.applying_key(v)).collect();
            let (before, held, after) = client.pipeline(async |c| {
                tokio::join!(
                    biased;
                    self.rows_in(c, &unsettled),
                    lock::held(c, &keys),
                    self.rows_in(c, &unsettled),
                )
            });
            let (before, held, after) = (before?, held?, after?);
            let mut moving = Vec::new();
            for (version, key) in unsettled.into_iter().zip(keys) {
                let seen_after = after.iter().find(|r| r.applied.version == version);
                let now = match settle(
                    before.iter().find(|r| r.applied.version == version),
                    held.contains(&key),
                    seen_after,
                ) {
                    Settled::Now(row) => Some(row),
                    Settled::Gone => None,
                    Settled::Moved => {
                        let row = seen_after.map(|r| r.applied.clone());
                        if row.as_ref().is_some_and(|r| r.outcome == Outcome::Failed) {
                            moving.push(version);
                        }
                        row
                    }
                };
                rows.retain(|r| r.version != version);
                rows.extend(now);
            }
            rows.sort_by_key(|r| r.version);
            unsettled = moving;
        }
        // Rows that kept moving are work in progress, which `up` waits for.
        for row in rows.iter_mut().filter(|r| unsettled.contains(&r.version)) {
            row.outcome = Outcome::Applying;
        }
        Ok(())
    }

    /// The session applying no-transaction migration `version`, if one is.
    pub fn applying_holder(
        &self,
        client: &mut impl Sql,
        version: Version,
    ) -> Result<Option<LockHolder>> {
        lock::holder(client, self.applying_key(version))
    }

    /// The lock a runner holds while it applies no-transaction migration `version`.
    pub fn applying_key(&self, version: Version) -> LockKey {
        LockKey::applying(self.schema.name(), version)
    }

    /// [`History::load`], to run in a flight with other statements.
    pub async fn load_in(&self, client: &Client) -> Result<Vec<Applied>> {
        let sql = format!(
            "SELECT {APPLIED_COLUMNS} FROM {} ORDER BY version",
            self.table()
        );
        let result = client.query_typed(&sql, &[]).await;
        let rows = empty_if_missing(result, "reading the migration history")?;
        Ok(rows.iter().map(applied_from).collect())
    }

    /// The rows of `versions` as they stand, with the transaction that last wrote each.
    async fn rows_in(&self, client: &Client, versions: &[Version]) -> Result<Vec<SeenRow>> {
        let sql = format!(
            "SELECT {APPLIED_COLUMNS}, xmin::text FROM {} WHERE version = ANY($1)",
            self.table()
        );
        let versions: Vec<i64> = versions.iter().map(|v| v.as_i64()).collect();
        let rows = client
            .query_typed(&sql, &[(&versions, Type::INT8_ARRAY)])
            .await
            .map_err(Error::db("reading the migration history"))?;
        Ok(rows
            .iter()
            .map(|row| SeenRow {
                applied: applied_from(row),
                writer: row.get(8),
            })
            .collect())
    }

    /// One cheap read to re-check a planned step once the lock is held.
    /// Records one migration. Without `execution_ms`, the server counts the time since this
    /// transaction began: for a row sent in the same flight as its script.
    pub async fn record(
        &self,
        client: &Client,
        migration: &Migration,
        outcome: Outcome,
        execution_ms: Option<i64>,
    ) -> Result<()> {
        // A plain VALUES row plans in a third less time than `record_many`'s unnest, and
        // every migration of a run pays it.
        let sql = format!(
            "INSERT INTO {} ({RECORDED_COLUMNS}) VALUES ($1, $2, $3, $4,
               coalesce($5, (extract(epoch FROM clock_timestamp() - now()) * 1000)::bigint), $6)",
            self.table()
        );
        client
            .query_typed(
                &sql,
                &[
                    (&migration.version.as_i64(), Type::INT8),
                    (&migration.name, Type::TEXT),
                    (&migration.up.checksum.to_hex(), Type::TEXT),
                    (
                        &migration.down.as_ref().map(|d| d.checksum.to_hex()),
                        Type::TEXT,
                    ),
                    (&execution_ms, Type::INT8),
                    (&(outcome == Outcome::Succeeded), Type::BOOL),
                ],
            )
            .await
            .map_err(Error::db(format!(
                "recording migration {}",
                migration.version
            )))?;
        Ok(())
    }

    /// Records several migrations in one statement (one round trip for a whole
    /// `--single-transaction` run).
    pub async fn record_many(
        &self,
        client: &Client,
        migrations: &[(&Migration, i64)],
        outcome: Outcome,
    ) -> Result<()> {
        let versions: Vec<i64> = migrations.iter().map(|(m, _)| m.version.as_i64()).collect();
        let names: Vec<&str> = migrations.iter().map(|(m, _)| m.name.as_str()).collect();
        let checksums: Vec<String> = migrations
            .iter()
            .map(|(m, _)| m.up.checksum.to_hex())
            .collect();
        let rollbacks: Vec<Option<String>> = migrations
            .iter()
            .map(|(m, _)| m.down.as_ref().map(|d| d.checksum.to_hex()))
            .collect();
        let timings: Vec<i64> = migrations.iter().map(|(_, ms)| *ms).collect();
        let sql = format!(
            "INSERT INTO {} ({RECORDED_COLUMNS})
             SELECT v, n, c, r, ms, $6 FROM unnest($1, $2, $3, $4, $5) AS u(v, n, c, r, ms)",
            self.table()
        );
        client
            .query_typed(
                &sql,
                &[
                    (&versions, Type::INT8_ARRAY),
                    (&names, Type::TEXT_ARRAY),
                    (&checksums, Type::TEXT_ARRAY),
                    (&rollbacks, Type::TEXT_ARRAY),
                    (&timings, Type::INT8_ARRAY),
                    (&(outcome == Outcome::Succeeded), Type::BOOL),
                ],
            )
            .await
            .map_err(Error::db("recording applied migrations"))?;
        Ok(())
    }

    pub fn set_outcome(
        &self,
        client: &mut impl Sql,
        version: Version,
        outcome: Outcome,
        execution_ms: i64,
    ) -> Result<()> {
        client
            .query_typed(
                &format!(
                    "UPDATE {} SET success = $2, execution_ms = $3 WHERE version = $1",
                    self.table()
                ),
                &[
                    (&version.as_i64(), Type::INT8),
                    (&(outcome == Outcome::Succeeded), Type::BOOL),
                    (&execution_ms, Type::INT8),
                ],
            )
            .map_err(Error::db(format!("recording migration {version}")))?;
        Ok(())
    }

    /// Removes a row; true when there was one.
    pub async fn remove(&self, client: &Client, version: Version) -> Result<bool> {
        let sql = format!(
            "DELETE FROM {} WHERE version = $1 RETURNING 1",
            self.table()
        );
        let rows = client
            .query_typed(&sql, &[(&version.as_i64(), Type::INT8)])
            .await
            .map_err(Error::db(format!(
                "removing migration {version} from the history"
            )))?;
        Ok(!rows.is_empty())
    }

    pub fn set_checksum(
        &self,
        client: &mut impl Sql,
        version: Version,
        checksum: Checksum,
    ) -> Result<()> {
        self.set_checksum_column(client, "checksum", version, checksum)
    }

    pub fn set_rollback_checksum(
        &self,
        client: &mut impl Sql,
        version: Version,
        checksum: Checksum,
    ) -> Result<()> {
        self.set_checksum_column(client, "rollback_checksum", version, checksum)
    }

    /// `column` is one of the two checksum columns, never a value from outside.
    fn set_checksum_column(
        &self,
        client: &mut impl Sql,
        column: &'static str,
        version: Version,
        checksum: Checksum,
    ) -> Result<()> {
        client
            .query_typed(
                &format!(
                    "UPDATE {} SET {column} = $2 WHERE version = $1",
                    self.table()
                ),
                &[
                    (&version.as_i64(), Type::INT8),
                    (&checksum.to_hex(), Type::TEXT),
                ],
            )
            .map_err(Error::db(format!(
                "updating the {column} of migration {version}"
            )))?;
        Ok(())
    }

    /// Records `migrations` as applied without running them, each with an `event` whose
    /// detail says why (`baseline`, `adopt`): in the caller's transaction, under the
    /// migration lock.
    pub fn record_as_applied(
        &self,
        tx: &mut impl Sql,
        migrations: &[&Migration],
        event: Event,
        detail: impl Fn(&Migration) -> String,
    ) -> Result<()> {
        for migration in migrations {
            tx.pipeline(async |c| self.record(c, migration, Outcome::Succeeded, Some(0)).await)?;
            self.log_event(tx, migration.version, event, &detail(migration))?;
        }
        Ok(())
    }

    pub fn log_event(
        &self,
        client: &mut impl Sql,
        version: Version,
        event: Event,
        detail: &str,
    ) -> Result<()> {
        client
            .query_typed(
                &format!(
                    "INSERT INTO {} (version, event, detail) VALUES ($1, $2, $3)",
                    self.schema.table("schema_events")
                ),
                &[
                    (&version.as_i64(), Type::INT8),
                    (&event.as_str(), Type::TEXT),
                    (&detail, Type::TEXT),
                ],
            )
            .map_err(Error::db("recording a history event"))?;
        Ok(())
    }
}

/// The owners check and the claim, for the history's schema (see `owners.rs`, `claim.rs`).
impl History {
    /// True when [`History::ensure`] would find nothing to do (the usual case): to send in
    /// the flight that takes the migration lock, and skip `ensure` when it says so.
    pub async fn ready_in(&self, client: &Client) -> Result<bool> {
        owners::migration_tables_ready_in(client, &self.schema).await
    }

    /// Refuses dbward's schema when another role owns it or an object in it that dbward
    /// uses. Call it before the first read of a run that has not called [`History::ensure`].
    pub fn check_owners(&self, client: &mut impl Sql) -> Result<()> {
        owners::check(client, &self.schema)
    }

    /// [`History::load`] for a run that has not checked the owners yet (see
    /// [`History::check_owners`]): the check and the read go in one flight, in a transaction
    /// that the check aborts when anything is not plainly ours; that case is then looked at
    /// closely, and refused or read.
    pub fn load_checked(&self, client: &mut impl Sql) -> Result<Vec<Applied>> {
        let table = self.table();
        let (begun, guard, rows, ended) = client.pipeline(async |c| {
            tokio::join!(
                biased;
                c.batch_execute("BEGIN READ ONLY"),
                owners::guard_in(c, &self.schema, &table),
                self.load_in(c),
                c.batch_execute("COMMIT"),
            )
        });
        begun.map_err(Error::db("starting a transaction"))?;
        match guard? {
            owners::Guard::Ours => {
                let rows = rows?;
                ended.map_err(Error::db("reading the migration history"))?;
                Ok(rows)
            }
            owners::Guard::LookClosely => {
                self.check_owners(client)?;
                self.load(client)
            }
        }
    }

    /// Reads the [`Fence`] for `version`. Run it after taking the lock, in a statement of
    /// its own, so that it sees what was committed before the lock was granted.
    pub async fn fence(&self, client: &Client, version: Version) -> Result<Fence> {
        claim::fence(client, &self.schema, version).await
    }

    /// Takes the migration lock `key` for this transaction and checks that the history
    /// allows `intent` on `version`, in one statement. Unless [`Claim::Granted`], the
    /// transaction is aborted.
    pub async fn claim(
        &self,
        client: &Client,
        key: LockKey,
        version: Version,
        intent: Intent,
    ) -> Result<Claim> {
        claim::claim(client, &self.schema, key, version, intent).await
    }
}

/// The job runs kept in the history's schema: `commands/job.rs` reaches them through the
/// history it already holds.
impl History {
    /// The `job_runs` table of this schema.
    pub fn job_runs(&self) -> JobRuns {
        JobRuns::new(self.schema.clone())
    }

    /// See [`JobRuns::ensure`].
    pub fn ensure_job_runs(&self, client: &mut impl Sql) -> Result<()> {
        self.job_runs().ensure(client)
    }

    /// See [`JobRuns::close_abandoned`].
    pub fn close_abandoned_runs(&self, client: &mut impl Sql, job: &str) -> Result<u64> {
        self.job_runs().close_abandoned(client, job)
    }

    /// See [`JobRuns::start`].
    pub fn start_run(
        &self,
        client: &mut impl Sql,
        job: &str,
        status: RunStatus,
        host: &str,
        detail: Option<&str>,
    ) -> Result<i64> {
        self.job_runs().start(client, job, status, host, detail)
    }

    /// See [`JobRuns::finish`].
    pub fn finish_run(
        &self,
        client: &mut impl Sql,
        id: i64,
        status: RunStatus,
        rows_affected: Option<i64>,
        detail: Option<&str>,
    ) -> Result<()> {
        self.job_runs()
            .finish(client, id, status, rows_affected, detail)
    }

    /// See [`JobRuns::newest_first`].
    pub fn job_history(
        &self,
        client: &mut impl Sql,
        job: Option<&str>,
        limit: i64,
    ) -> Result<Vec<JobRun>> {
        self.job_runs().newest_first(client, job, limit)
    }

    /// See [`JobRuns::running_since`].
    pub fn running_since(&self, client: &mut impl Sql, job: &str) -> Result<Option<String>> {
        self.job_runs().running_since(client, job)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(outcome: Outcome, writer: &str) -> SeenRow {
        SeenRow {
            applied: Applied {
                version: Version::new(8),
                name: "t8".into(),
                checksum: None,
                rollback_checksum: None,
                applied_at: "2026-11-30T00:00:00Z".into(),
                applied_by: "postgres".into(),
                execution_ms: 0,
                outcome,
            },
            writer: writer.into(),
        }
    }

    fn outcome(settled: Settled) -> Option<Outcome> {
        match settled {
            Settled::Now(row) => Some(row.outcome),
            Settled::Gone | Settled::Moved => None,
        }
    }

    #[test]
    fn a_failed_row_settles_by_its_lock_and_by_who_wrote_it() {
        use Outcome::*;
        let failed = seen(Failed, "741");
        let done = seen(Succeeded, "742");
        // Unchanged across the look: the lock decides.
        let applying = settle(Some(&failed), true, Some(&failed));
        assert_eq!(outcome(applying), Some(Applying));
        let dead = settle(Some(&failed), false, Some(&failed));
        assert_eq!(outcome(dead), Some(Failed));
        // Finished before the look: what the row says now.
        assert_eq!(
            outcome(settle(Some(&done), false, Some(&done))),
            Some(Succeeded)
        );
        // Finished during the look, its lock already gone: never "failed".
        assert!(matches!(
            settle(Some(&failed), false, Some(&done)),
            Settled::Moved
        ));
        assert!(matches!(
            settle(Some(&failed), true, Some(&done)),
            Settled::Moved
        ));
        // Its rollback finished: gone, or gone during the look.
        assert!(matches!(settle(None, false, None), Settled::Gone));
        assert!(matches!(settle(Some(&failed), false, None), Settled::Moved));
        // A new run began during the look.
        assert!(matches!(settle(None, true, Some(&failed)), Settled::Moved));
    }
}
