//! The migration lock: `pg_advisory_xact_lock` semantics taken inside each transaction, so
//! that it also holds through a transaction-mode pooler, with a bounded, talkative wait.

use std::time::{Duration, Instant};

use crate::db::session::Sql;
use sha2::{Digest, Sha256};
use tokio_postgres::types::Type;

use crate::error::{Error, LockHolder, Result};

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

    /// pg_locks shows a bigint key as two oids.
    fn halves(self) -> (u32, u32) {
        let bits = self.0 as u64;
        ((bits >> 32) as u32, bits as u32)
    }
}

/// Takes the transaction-scoped lock, waiting at most `wait`. `on_wait` hears once who holds
/// it, so a waiting runner can say so.
pub fn acquire_xact(
    client: &mut impl Sql,
    key: LockKey,
    wait: Duration,
    on_wait: &mut dyn FnMut(&LockHolder),
) -> Result<()> {
    let started = Instant::now();
    let mut pause = Duration::from_millis(20);
    let mut told = false;
    loop {
        let row = client
            .query_typed_one(
                "SELECT pg_try_advisory_xact_lock($1)",
                &[(&key.0, Type::INT8)],
            )
            .map_err(Error::db("taking the migration lock"))?;
        if row.get::<_, bool>(0) {
            return Ok(());
        }
        let holder = holder(client, key)?;
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

/// Tries the session-scoped lock a job holds across its many short transactions. False when
/// another session holds it.
pub fn try_session(client: &mut impl Sql, key: LockKey) -> Result<bool> {
    let row = client
        .query_typed_one("SELECT pg_try_advisory_lock($1)", &[(&key.0, Type::INT8)])
        .map_err(Error::db("taking a job lock"))?;
    Ok(row.get(0))
}

pub fn release_session(client: &mut impl Sql, key: LockKey) -> Result<()> {
    client
        .query_typed_one("SELECT pg_advisory_unlock($1)", &[(&key.0, Type::INT8)])
        .map_err(Error::db("releasing a job lock"))?;
    Ok(())
}

/// The session holding an advisory lock, if it can be seen.
pub fn holder(client: &mut impl Sql, key: LockKey) -> Result<Option<LockHolder>> {
    let (high, low) = key.halves();
    let row = client
        .query_typed_opt(
            "SELECT a.pid, coalesce(a.application_name, ''), coalesce(a.usename::text, ''),
                    to_char(coalesce(a.xact_start, a.backend_start) AT TIME ZONE 'UTC',
                            'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')
             FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
             WHERE l.locktype = 'advisory' AND l.granted
               AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
               AND l.classid = $1 AND l.objid = $2 AND l.objsubid = 1
             LIMIT 1",
            &[(&high, Type::OID), (&low, Type::OID)],
        )
        .map_err(Error::db("looking up who holds the migration lock"))?;
    Ok(row.map(|row| LockHolder {
        pid: row.get(0),
        application_name: row.get(1),
        user: row.get(2),
        since: row.get::<_, Option<String>>(3).unwrap_or_default(),
    }))
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
        assert_eq!((((high as u64) << 32) | low as u64) as i64, -42);
    }
}
