//! Waiting for another runner: who hears about it ([`Observer`]), and the migration lock
//! taken with that observer told. The database layer does not print; a command passes an
//! observer that does.

use std::time::Duration;

use crate::db::lock::{self, LockKey};
use crate::db::session::{Client, Session, Transaction};
use crate::db::table_locks::LockBlockers;
use crate::error::{LockHolder, Result};
use crate::migrate::model::Version;

/// Hears, once a wait, why a runner is waiting.
pub trait Observer {
    /// Another session holds the lock this runner waits for.
    fn waiting_for_lock(&self, holder: &LockHolder);

    /// Another runner is applying the no-transaction migration `version`.
    fn waiting_for_migration(&self, version: Version, holder: &LockHolder);

    /// Migration `version` waited longer than `lock_timeout` for a table lock held by
    /// `blockers`, was rolled back, and is tried again (try `retry` of `retries`) after `pause`.
    fn retrying_after_lock_timeout(
        &self,
        version: Version,
        blockers: &LockBlockers,
        retry: u32,
        retries: u32,
        pause: Duration,
    );
}

/// [`lock::begin_locked`] with `observer` told who holds the lock while this runner waits
/// (at most `wait`).
pub fn begin_locked<'s, T>(
    session: &'s mut Session,
    key: LockKey,
    wait: Duration,
    observer: &dyn Observer,
    read: impl AsyncFn(&Client) -> Result<T>,
) -> Result<(Transaction<'s>, T)> {
    lock::begin_locked(
        session,
        key,
        wait,
        &mut |holder| observer.waiting_for_lock(holder),
        read,
    )
}

/// [`begin_locked`] with nothing to read.
pub fn lock_transaction<'s>(
    session: &'s mut Session,
    key: LockKey,
    wait: Duration,
    observer: &dyn Observer,
) -> Result<Transaction<'s>> {
    begin_locked(session, key, wait, observer, async |_| Ok(())).map(|(tx, ())| tx)
}
