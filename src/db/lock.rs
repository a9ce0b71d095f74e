//! The migration lock: taken inside each transaction (`pg_try_advisory_xact_lock`), so that
//! it also holds through a transaction-mode pooler, with a bounded, talkative wait.

use std::time::{Duration, Instant, SystemTime};

use sha2::{Digest, Sha256};
use tokio_postgres::types::Type;

use crate::db::session::{Client, Session, Sql, Transaction};
use crate::error::{Error, LockHolder, Result};
use crate::migrate::model::Version;

/// An advisory lock key, one per purpose and schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockKey(pub i64);

impl LockKey {
    /// Stable across versions of dbward, so old and new runners exclude each other.
    pub fn new(purpose: &str, schema: &str) -> LockKey {
        let digest = Sha256::digest(format!("dbward:{purpose}:{schema}").as_bytes());
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(&digest[..8]);
        LockKey(i64::from_be_bytes(bytes))
    }

    pub fn migrations(schema: &str) -> LockKey {
        LockKey::new("migrate", schema)
    }

    /// Held, as a session lock, by the runner applying a no-transaction migration. While it
    /// is held, the migration's unfinished history row means "applying", not "failed".
    pub fn applying(schema: &str, version: Version) -> LockKey {
        LockKey::new(&format!("applying:{}", version.key()), schema)
    }

    /// pg_locks shows a bigint key as two oids.
    fn halves(self) -> (u32, u32) {
        let bits = self.0 as u64;
        ((bits >> 32) as u32, bits as u32)
    }

    fn from_halves(high: u32, low: u32) -> LockKey {
        LockKey((u64::from(high) << 32 | u64::from(low)) as i64)
    }
}

/// How every transaction that takes the migration lock begins. The history is re-read after
/// the lock is granted, and must see what the previous holder committed: under `REPEATABLE
/// READ` or `SERIALIZABLE` (a database's default can be either), the snapshot would be
/// taken before the lock was granted.
pub const BEGIN: &str = "BEGIN ISOLATION LEVEL READ COMMITTED";

/// Begins a transaction that holds the transaction-scoped lock `key`, with `read` run
/// under it. `BEGIN`, the try-lock and `read` go to the server in one flight, and the server
/// runs `read` after the lock is taken, on a fresh snapshot. While another session holds the
/// lock, each attempt is rolled back and made again later, so the transaction that gets it
/// starts then. `on_wait` hears once who holds it; after `wait`, the answer is
/// [`Error::LockTimeout`].
pub fn begin_locked<'s, T>(
    session: &'s mut Session,
    key: LockKey,
    wait: Duration,
    on_wait: &mut dyn FnMut(&LockHolder),
    read: impl AsyncFn(&Client) -> Result<T>,
) -> Result<(Transaction<'s>, T)> {
    let started = Instant::now();
    let mut pause = Duration::from_millis(20);
    let mut told = false;
    loop {
        let (begun, locked, value) = session.pipeline(async |client| {
            tokio::join!(
                biased;
                client.batch_execute(BEGIN),
                try_xact(client, key),
                read(client),
            )
        });
        begun.map_err(Error::db("starting a transaction"))?;
        match locked {
            // Dropped on an error from `read`, the transaction rolls back.
            Ok(true) => {
                let tx = session.adopt_transaction();
                return value.map(|value| (tx, value));
            }
            Ok(false) => session
                .batch_execute("ROLLBACK")
                .map_err(Error::db("ending a transaction"))?,
            Err(e) => {
                let _ = session.batch_execute("ROLLBACK");
                return Err(e);
            }
        }
        let holder = holder(session, key)?;
        if started.elapsed() >= wait {
            return Err(Error::LockTimeout {
                waited: wait,
                holder,
            });
        }
        if !told && let Some(holder) = &holder {
            on_wait(holder);
            told = true;
        }
        std::thread::sleep(pause.min(wait.saturating_sub(started.elapsed())));
        pause = (pause * 2).min(Duration::from_millis(500));
    }
}

async fn try_xact(client: &Client, key: LockKey) -> Result<bool> {
    let row = client
        .query_typed_one(
            "SELECT pg_try_advisory_xact_lock($1)",
            &[(&key.0, Type::INT8)],
        )
        .await
        .map_err(Error::db("taking the migration lock"))?;
    Ok(row.get(0))
}

const TRY_SESSION: &str = "SELECT pg_try_advisory_lock($1)";

/// Tries a session-scoped lock: the one a job holds across its many short transactions, or
/// a no-transaction migration's applying lock. False when another session holds it.
pub fn try_session(client: &mut impl Sql, key: LockKey) -> Result<bool> {
    let row = client
        .query_typed_one(TRY_SESSION, &[(&key.0, Type::INT8)])
        .map_err(Error::db("taking an advisory lock"))?;
    Ok(row.get(0))
}

/// [`try_session`] in a flight with other statements: taken inside a transaction, a session
/// lock outlives its commit.
pub async fn try_session_in(client: &Client, key: LockKey) -> Result<bool> {
    let row = client
        .query_typed_one(TRY_SESSION, &[(&key.0, Type::INT8)])
        .await
        .map_err(Error::db("taking an advisory lock"))?;
    Ok(row.get(0))
}

pub fn release_session(client: &mut impl Sql, key: LockKey) -> Result<()> {
    client
        .query_typed_one("SELECT pg_advisory_unlock($1)", &[(&key.0, Type::INT8)])
        .map_err(Error::db("releasing an advisory lock"))?;
    Ok(())
}

/// The rows of `pg_locks` `l` that are advisory locks with a bigint key, granted in this
/// database.
const GRANTED_ADVISORY_HERE: &str = "l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
    AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())";

/// The session holding an advisory lock, if it can be seen.
pub fn holder(client: &mut impl Sql, key: LockKey) -> Result<Option<LockHolder>> {
    let (high, low) = key.halves();
    let row = client
        .query_typed_opt(
            &format!(
                "SELECT a.pid, coalesce(a.application_name, ''), coalesce(a.usename::text, ''),
                        coalesce(a.xact_start, a.backend_start)
                 FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                 WHERE {GRANTED_ADVISORY_HERE} AND l.classid = $1 AND l.objid = $2
                 LIMIT 1"
            ),
            &[(&high, Type::OID), (&low, Type::OID)],
        )
        .map_err(Error::db("looking up who holds a dbward lock"))?;
    Ok(row.map(|row| LockHolder {
        pid: row.get(0),
        application_name: row.get(1),
        user: row.get(2),
        // Formatted here, as the history's times are.
        since: row
            .get::<_, Option<SystemTime>>(3)
            .map(|at| humantime::format_rfc3339_seconds(at).to_string())
            .unwrap_or_default(),
    }))
}

/// Which of `keys` some session holds right now, in one statement (for a flight).
pub async fn held(client: &Client, keys: &[LockKey]) -> Result<Vec<LockKey>> {
    let (high, low): (Vec<u32>, Vec<u32>) = keys.iter().map(|k| k.halves()).unzip();
    let rows = client
        .query_typed(
            &format!(
                "SELECT DISTINCT l.classid, l.objid FROM pg_locks l
                 WHERE {GRANTED_ADVISORY_HERE}
                   AND (l.classid, l.objid) IN (SELECT * FROM unnest($1::oid[], $2::oid[]))"
            ),
            &[(&high, Type::OID_ARRAY), (&low, Type::OID_ARRAY)],
        )
        .await
        .map_err(Error::db("looking up which dbward locks are held"))?;
    Ok(rows
        .iter()
        .map(|row| LockKey::from_halves(row.get(0), row.get(1)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_differ_by_schema_and_purpose_and_are_stable() {
        assert_ne!(LockKey::migrations("dbward"), LockKey::migrations("other"));
        assert_ne!(LockKey::migrations("dbward"), LockKey::new("job", "dbward"));
        assert_eq!(LockKey::migrations("dbward"), LockKey::migrations("dbward"));
    }

    #[test]
    fn halves_recombine() {
        let key = LockKey(-42);
        let (high, low) = key.halves();
        assert_eq!(LockKey::from_halves(high, low), key);
        let key = LockKey::migrations("dbward");
        let (high, low) = key.halves();
        assert_eq!(LockKey::from_halves(high, low), key);
    }
}
