//! Bounding a migration's wait for table locks, and trying a migration again after it
//! timed out on one, saying who holds the lock: the sessions the step's watcher saw
//! blocking it, else a guess.

use crate::db::step::Migrator;
use crate::db::table_locks::LockBlockers;
use crate::error::{Error, Result};
use crate::migrate::failure::MigrationFailure;
use crate::migrate::lock_wait;

/// SQLSTATE 55P03: a statement waited longer than `lock_timeout`.
pub(super) const LOCK_NOT_AVAILABLE: &str = "55P03";

impl Migrator<'_> {
    /// Runs `attempt` again, after a pause, each time it failed on a lock timeout (which
    /// it left in `timed_out`, its transaction rolled back), up to `lock_retries` times,
    /// saying each time who holds the lock; after the last, `give_up` makes the error.
    pub(super) fn retrying_lock_timeouts<T>(
        &mut self,
        mut attempt: impl FnMut(&mut Self) -> Result<T>,
        give_up: impl FnOnce(&mut Self, Box<MigrationFailure>) -> Error,
    ) -> Result<T> {
        let mut retry = 0;
        loop {
            self.timed_out = None;
            let attempted = attempt(self);
            let Some(mut failure) = self.timed_out.take().filter(|_| attempted.is_err()) else {
                return attempted;
            };
            let blockers = LockBlockers::seen_or_guessed(self.watch.take_seen(), &mut self.session);
            if retry == self.limits.lock_retries {
                failure.hint = Some(format!(
                    "tried {}; the lock is held by {blockers}. Find out why that transaction runs so long, or raise `lock_timeout` / `lock_retries`",
                    crate::plural::count(retry + 1, "time", "times")
                ));
                return Err(give_up(self, failure));
            }
            retry += 1;
            let pause = lock_wait::pause(retry, lock_wait::jitter());
            self.observer.retrying_after_lock_timeout(
                failure.version,
                &blockers,
                retry,
                self.limits.lock_retries,
                pause,
            );
            std::thread::sleep(pause);
        }
    }
}
