//! Who blocks a migration, asked of PostgreSQL while the migration waits. A thread with a
//! session of its own watches each step; it connects only once a step has run longer than
//! a short delay, so the usual migration, done well before, costs no connection. Then it
//! asks `pg_blocking_pids` for the step's backend at a modest rate until the step ends. The
//! backend is the one `pg_backend_pid()` gives inside the step's transaction, which is
//! the right one through a transaction-mode pooler too.
//!
//! The steps never wake the watcher: it looks at the clock every half delay on its own, so
//! a step pays for no more than an uncontended lock when it starts and ends.

use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::db::connect::Target;
use crate::db::session::{Client, Session};
use crate::db::step::timeouts::{Reach, limit_waits};
use crate::db::table_locks::{self, TableLockHolder};
use crate::error::Result;
use crate::migrate::lock_wait::ScriptSettings;

/// How long a step runs before the watcher looks: most migrations are done by then.
const LONGEST_DELAY: Duration = Duration::from_millis(100);
/// A shorter `lock_timeout` halves the delay, down to this.
const SHORTEST_DELAY: Duration = Duration::from_millis(20);
/// Between two looks at the same step. Each costs the server a look at its lock table.
const LOOK_EVERY: Duration = Duration::from_millis(200);
/// How long the end of a run waits for the watcher to close its session cleanly.
const CLOSING: Duration = Duration::from_secs(1);

/// The step's side of the watcher. Without a target, nothing is watched.
pub(super) struct BlockerWatch {
    target: Option<Target>,
    delay: Duration,
    shared: Arc<Shared>,
    /// Started with the first step watched.
    started: bool,
    /// What the watcher saw during the last step it watched.
    last_seen: Vec<TableLockHolder>,
}

struct Shared {
    state: Mutex<State>,
    changed: Condvar,
}

#[derive(Default)]
struct State {
    /// Counts the steps, so that a look that ends after its step ended counts for nothing.
    step: u64,
    running: Option<Running>,
    /// The sessions seen blocking the running step, each once, by pid.
    seen: Vec<TableLockHolder>,
    quit: bool,
    done: bool,
}

struct Running {
    since: Instant,
    /// The step's backend, once its flight told it.
    pid: Option<i32>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A watcher that panicked leaves its last state, which is still good to read.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl BlockerWatch {
    pub(super) fn new() -> BlockerWatch {
        BlockerWatch {
            target: None,
            delay: LONGEST_DELAY,
            shared: Arc::new(Shared {
                state: Mutex::new(State::default()),
                changed: Condvar::new(),
            }),
            started: false,
            last_seen: Vec::new(),
        }
    }

    /// Watches steps over a session of its own to `target`.
    pub(super) fn connecting_to(&mut self, target: Target) {
        self.target = Some(target);
    }

    /// Looks early enough to see a wait that `lock_timeout` (zero: none) ends.
    pub(super) fn fit_to(&mut self, lock_timeout: Duration) {
        self.delay = if lock_timeout.is_zero() {
            LONGEST_DELAY
        } else {
            (lock_timeout / 2).clamp(SHORTEST_DELAY, LONGEST_DELAY)
        };
    }

    /// A step begins; `pid` is its backend when already known (else [`Self::found_pid`]).
    pub(super) fn start(&mut self, pid: Option<i32>) {
        let Some(target) = &self.target else {
            return;
        };
        if !self.started {
            let (shared, target, delay) = (Arc::clone(&self.shared), target.clone(), self.delay);
            let spawned = std::thread::Builder::new()
                .name("blocker-watch".into())
                .spawn(move || watch(&shared, &target, delay));
            if spawned.is_err() {
                // No thread, no watching: the lock timeout's message falls back to a guess.
                self.target = None;
                return;
            }
            self.started = true;
        }
        let mut state = self.shared.lock();
        state.step += 1;
        state.running = Some(Running {
            since: Instant::now(),
            pid,
        });
        state.seen.clear();
    }

    /// The running step's backend, read in its transaction.
    pub(super) fn found_pid(&self, pid: i32) {
        if !self.started {
            return;
        }
        if let Some(running) = &mut self.shared.lock().running {
            running.pid = Some(pid);
        }
    }

    /// The step ended; what the watcher saw of it is kept for [`Self::take_seen`].
    pub(super) fn stop(&mut self) {
        if !self.started {
            return;
        }
        let mut state = self.shared.lock();
        state.step += 1;
        state.running = None;
        self.last_seen = std::mem::take(&mut state.seen);
    }

    /// The sessions seen blocking the last step watched.
    pub(super) fn take_seen(&mut self) -> Vec<TableLockHolder> {
        std::mem::take(&mut self.last_seen)
    }
}

impl Drop for BlockerWatch {
    fn drop(&mut self) {
        if !self.started {
            return;
        }
        let mut state = self.shared.lock();
        state.quit = true;
        self.shared.changed.notify_all();
        // Let it say goodbye to the server, but a watcher stuck connecting does not hold
        // the run's end.
        let _ = self
            .shared
            .changed
            .wait_timeout_while(state, CLOSING, |state| !state.done);
    }
}

/// The migration's timeouts set for the transaction, with the step's backend read in the
/// same statement and handed to the watcher as soon as its answer comes.
pub(super) async fn limit_waits_watched(
    client: &Client,
    settings: &ScriptSettings,
    watch: &BlockerWatch,
) -> Result<()> {
    let pid = limit_waits(client, settings, Reach::Transaction).await?;
    watch.found_pid(pid);
    Ok(())
}

/// The watcher's thread: finds a step that has run past `delay` (looking every half
/// delay), then looks who blocks it every [`LOOK_EVERY`] until it ends, and so on until
/// the run ends.
fn watch(shared: &Shared, target: &Target, delay: Duration) {
    let tick = delay / 2;
    let mut session: Option<Session> = None;
    // After a failure to connect, the run goes on without a watcher.
    let mut unreachable = false;
    let mut state = shared.lock();
    while !state.quit {
        let ready = state
            .running
            .as_ref()
            .filter(|running| running.since.elapsed() >= delay && !unreachable)
            .and_then(|running| running.pid);
        let Some(pid) = ready else {
            // Until the run ends, once the server proved out of reach.
            let wait = if unreachable {
                Duration::from_secs(3600)
            } else {
                tick
            };
            state = shared
                .changed
                .wait_timeout(state, wait)
                .unwrap_or_else(|e| e.into_inner())
                .0;
            continue;
        };
        let step = state.step;
        drop(state);

        let seen = look(&mut session, &mut unreachable, target, pid);
        let next = Instant::now() + LOOK_EVERY;
        state = shared.lock();
        if state.step == step {
            for holder in seen {
                match state.seen.iter_mut().find(|s| s.pid == holder.pid) {
                    Some(known) => *known = holder,
                    None => state.seen.push(holder),
                }
            }
        }
        while !state.quit && state.step == step && Instant::now() < next {
            let left = next.saturating_duration_since(Instant::now());
            state = shared
                .changed
                .wait_timeout(state, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
    drop(state);
    drop(session);
    shared.lock().done = true;
    shared.changed.notify_all();
}

/// Who blocks backend `pid` now, over the watcher's session (opened on first use; opened
/// again after it was lost).
fn look(
    session: &mut Option<Session>,
    unreachable: &mut bool,
    target: &Target,
    pid: i32,
) -> Vec<TableLockHolder> {
    if session.as_ref().is_none_or(Session::is_closed) {
        match target.connect() {
            Ok(opened) => *session = Some(opened),
            Err(_) => {
                // The guess stands in; the error would tell the user nothing they need.
                *unreachable = true;
                return Vec::new();
            }
        }
    }
    let Some(session) = session.as_mut() else {
        return Vec::new();
    };
    table_locks::blocking(session, pid).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_look_comes_before_a_short_lock_timeout_ends() {
        let delay = |lock_timeout: u64| {
            let mut watch = BlockerWatch::new();
            watch.fit_to(Duration::from_millis(lock_timeout));
            watch.delay.as_millis()
        };
        assert_eq!(delay(5000), 100);
        assert_eq!(delay(0), 100, "no lock_timeout");
        assert_eq!(delay(120), 60);
        assert_eq!(delay(2), 20, "never sooner than 20 ms");
    }

    #[test]
    fn without_a_target_nothing_is_watched() {
        let mut watch = BlockerWatch::new();
        watch.start(None);
        watch.found_pid(42);
        watch.stop();
        assert!(!watch.started);
        assert!(watch.take_seen().is_empty());
    }
}
