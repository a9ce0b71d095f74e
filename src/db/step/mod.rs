//! One migration step: applying or rolling back one migration together with its history
//! row, under the migration lock. This is the code the history's truth rests on.
//!
//! The usual step goes to the server in one flight: `BEGIN`, the claim (the lock and the
//! history check), the script and its `RESET`, the history row, `COMMIT`. When the claim
//! is refused, the careful path waits for the lock and reads the history to say what
//! changed. A `-- dbward:no-transaction` script runs statement by statement, its history
//! row marked unfinished under an applying lock until it is done. `up` and `down` differ
//! only in a [`Way`], not in the protocol.

use std::time::{Duration, Instant};

use crate::db::apply;
use crate::db::claim::{Claim, Intent};
use crate::db::history::History;
use crate::db::lock::{self, LockKey};
use crate::db::session::{Client, Session, Sql, Transaction};
use crate::db::shim::{self, ShimOutcome};
use crate::db::waiting::{self, Observer};
use crate::error::{Error, Result};
use crate::migrate::failure::{MigrationFailure, Ran};
use crate::migrate::lock_wait::{ScriptSettings, StepLimits};

mod blocker_watch;
mod lock_retries;
mod timeouts;
mod way;
use crate::db::connect::Target;
use crate::migrate::model::{Applied, Direction, Migration, Outcome, Script, TransactionMode};
use crate::migrate::plan;
use blocker_watch::{BlockerWatch, limit_waits_watched};
use lock_retries::LOCK_NOT_AVAILABLE;
use timeouts::{Reach, limit_waits};
use way::Way;

/// A runner's session for migrating one schema: dbward's tables there, the migration lock
/// and how long to wait for it, and who hears about the waits.
pub struct Migrator<'o> {
    session: Session,
    history: History,
    key: LockKey,
    wait: Duration,
    observer: &'o dyn Observer,
    claim: ClaimSupport,
    /// dbward's schema was checked for objects other roles own (once a run).
    owners_checked: bool,
    /// How each migration's statements are bounded, and how often one that timed out on a
    /// table lock is tried again.
    limits: StepLimits,
    /// The failure of the last transactional step, when it was a lock timeout.
    timed_out: Option<Box<MigrationFailure>>,
    /// Who blocks a transactional step that runs longer than a moment.
    watch: BlockerWatch,
}

/// Whether steps can go in one flight: not once the claim function proved missing or not
/// ours to call, so that later steps do not send their script twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ClaimSupport {
    Usable,
    Unavailable,
}

/// How a step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stepped {
    /// This runner applied or rolled back the migration, in `execution_ms`.
    Done { execution_ms: i64 },
    /// Another runner did it while this one waited for the lock.
    AlreadyDone,
}

impl<'o> Migrator<'o> {
    /// For dbward's tables in `schema`; a wait for a lock lasts at most `wait`.
    pub fn new(
        session: Session,
        schema: &str,
        wait: Duration,
        observer: &'o dyn Observer,
    ) -> Migrator<'o> {
        Migrator {
            session,
            history: History::new(schema),
            key: LockKey::migrations(schema),
            wait,
            observer,
            claim: ClaimSupport::Usable,
            owners_checked: false,
            limits: StepLimits::default(),
            timed_out: None,
            watch: BlockerWatch::new(),
        }
    }

    /// Names who blocks a migration that times out on a table lock, asked of PostgreSQL
    /// over a second session to `target`, opened only if a migration runs long.
    pub fn with_blocker_watch(mut self, target: Target) -> Migrator<'o> {
        self.watch.connecting_to(target);
        self
    }

    /// How long a migration's statements may wait for a table lock and run, unless a
    /// script says otherwise, and how many times one that timed out on a lock is tried again.
    pub fn with_limits(mut self, limits: StepLimits) -> Migrator<'o> {
        self.limits = limits;
        self.watch.fit_to(limits.lock_timeout);
        self
    }

    /// Begins a transaction holding the migration lock, with `read` run under it, in one
    /// flight; a waiting runner says who holds the lock.
    pub fn begin_locked<T>(
        &mut self,
        read: impl AsyncFn(&Client, &History) -> Result<T>,
    ) -> Result<(Transaction<'_>, &History, T)> {
        let history = &self.history;
        let (tx, value) = waiting::begin_locked(
            &mut self.session,
            self.key,
            self.wait,
            self.observer,
            async |c| read(c, history).await,
        )?;
        Ok((tx, history, value))
    }

    /// dbward's tables and, with `supabase_shim`, the Supabase shim: once, under the lock.
    /// Says what of the shim was made.
    pub fn prepare(&mut self, supabase_shim: bool) -> Result<Option<ShimOutcome>> {
        // The usual case (all there and ours) is answered in the flight that takes the lock.
        let (mut tx, history, ready) = self.begin_locked(async |c, h| h.ready_in(c).await)?;
        if !ready {
            history.ensure(&mut tx)?;
        }
        let shim = if supabase_shim {
            Some(shim::ensure_supabase(&mut tx)?)
        } else {
            None
        };
        tx.commit()
            .map_err(Error::db("committing dbward's tables"))?;
        self.owners_checked = true;
        Ok(shim)
    }

    /// Goes on in a new session: one opened before the shim set the database's search_path
    /// would not see it once a script's `RESET ALL` ran.
    pub fn replace_session(&mut self, session: Session) {
        self.session = session;
    }

    /// The history, with the no-transaction migrations other runners are applying marked.
    pub fn applied(&mut self) -> Result<Vec<Applied>> {
        let mut applied = if self.owners_checked {
            self.history.load(&mut self.session)?
        } else {
            let applied = self.history.load_checked(&mut self.session)?;
            self.owners_checked = true;
            applied
        };
        self.history
            .mark_applying(&mut self.session, &mut applied)?;
        Ok(applied)
    }

    /// Refuses dbward's schema if another role owns anything in it, before dbward reads
    /// or calls what is there; [`Migrator::prepare`] checks it on its own.
    pub fn check_owners(&mut self) -> Result<()> {
        if !self.owners_checked {
            self.history.check_owners(&mut self.session)?;
            self.owners_checked = true;
        }
        Ok(())
    }

    /// Whether dbward's history table is there.
    pub fn history_exists(&mut self) -> Result<bool> {
        self.history.exists(&mut self.session)
    }

    /// The history once no other runner is applying a no-transaction migration: `up` (and
    /// a step that meets one) waits for such a runner, as for the migration lock, and says
    /// who it is. A migration still applying after the lock wait stays marked so, and the
    /// plan refuses it.
    pub fn applied_when_settled(&mut self) -> Result<Vec<Applied>> {
        let started = Instant::now();
        let wait = self.wait;
        let mut pause = Duration::from_millis(50);
        let mut told = false;
        loop {
            let applied = self.applied()?;
            let Some(busy) = applied.iter().find(|a| a.outcome == Outcome::Applying) else {
                return Ok(applied);
            };
            if started.elapsed() >= wait {
                return Ok(applied);
            }
            if !told
                && let Some(holder) = self
                    .history
                    .applying_holder(&mut self.session, busy.version)?
            {
                self.observer.waiting_for_migration(busy.version, &holder);
                told = true;
            }
            std::thread::sleep(pause.min(wait.saturating_sub(started.elapsed())));
            pause = (pause * 2).min(Duration::from_millis(500));
        }
    }

    /// Applies (`Intent::Apply`) or rolls back (`Intent::RollBack`) one migration in its
    /// own transaction with its history row: in one flight when the lock is free and the
    /// history is as planned, else in two, with the history read under the lock. A rollback
    /// is of a reversible migration.
    /// A transactional step that timed out on a table lock is rolled back whole and tried
    /// again after a pause, up to `lock_retries` times, each time saying who holds the lock.
    pub fn step(&mut self, migration: &Migration, intent: Intent) -> Result<Stepped> {
        let way = Way::new(migration, intent);
        self.retrying_lock_timeouts(
            |db| db.step_once(&way),
            |db, mut failure| {
                db.place(&[], &mut failure, way.script);
                apply::failed(failure, way.rolled_back())
            },
        )
    }

    fn step_once(&mut self, way: &Way<'_>) -> Result<Stepped> {
        let started = Instant::now();
        let way = *way;
        if way.script.mode == TransactionMode::Transaction
            && let Some(flight) = self.in_one_flight(&way)?
        {
            self.settle(flight, &way)?;
            return Ok(Stepped::Done {
                execution_ms: elapsed_ms(started),
            });
        }
        self.step_carefully(&way, started)
    }

    /// The usual step in one flight: `BEGIN`, the claim (the lock and the history check),
    /// the script, its history change and `COMMIT`. `None` when the claim was refused or
    /// could not be made: then nothing ran, the transaction rolled back, and the step goes
    /// the careful way, which waits for the lock and says what changed.
    fn in_one_flight(&mut self, way: &Way<'_>) -> Result<Option<Flight>> {
        if self.claim == ClaimSupport::Unavailable {
            return Ok(None);
        }
        let (history, key, version) = (&self.history, self.key, way.migration.version);
        let settings = self.limits.for_script(way.script);
        self.watch.start(None);
        let watch = &self.watch;
        let (begun, claimed, limited, ran, booked, committed) = self.session.pipeline(async |c| {
            tokio::join!(
                biased;
                c.batch_execute(lock::BEGIN),
                history.claim(c, key, version, way.intent),
                limit_waits_watched(c, &settings, watch),
                apply::run_step(c, way.script, version, way.ran),
                way.book(c, history),
                c.batch_execute("COMMIT"),
            )
        });
        self.watch.stop();
        begun.map_err(Error::db("starting a transaction"))?;
        Ok(match claimed? {
            Claim::Granted => {
                limited?;
                Some(Flight {
                    ran,
                    booked,
                    committed,
                })
            }
            Claim::LockBusy | Claim::HistoryMoved => None,
            Claim::Unavailable => {
                self.claim = ClaimSupport::Unavailable;
                None
            }
        })
    }

    /// The step in two flights: the lock (waited for) and the history read under it, then
    /// the script and its history change, or for a no-transaction script, its run.
    fn step_carefully(&mut self, way: &Way<'_>, started: Instant) -> Result<Stepped> {
        let version = way.migration.version;
        let (tx, fence) = loop {
            let history = &self.history;
            let (tx, fence) = waiting::begin_locked(
                &mut self.session,
                self.key,
                self.wait,
                self.observer,
                async |c| history.fence(c, version).await,
            )?;
            if !fence.any_failed {
                break (tx, fence);
            }
            drop(tx);
            self.stop_on_unfinished_runs()?;
        };
        if way.already_done(&fence) {
            // Another runner did it while this one waited.
            drop(tx);
            return Ok(Stepped::AlreadyDone);
        }
        if let Some(refused) = way.passes_newer(&fence) {
            return Err(vec![refused].into());
        }
        let history = &self.history;
        match way.script.mode {
            TransactionMode::Transaction => {
                let settings = self.limits.for_script(way.script);
                self.watch.start(None);
                let watch = &self.watch;
                let ((limited, ran, booked), committed) = tx.commit_after(async |c| {
                    tokio::join!(
                        biased;
                        limit_waits_watched(c, &settings, watch),
                        apply::run_step(c, way.script, version, way.ran),
                        way.book(c, history),
                    )
                });
                self.watch.stop();
                limited?;
                let flight = Flight {
                    ran,
                    booked,
                    committed,
                };
                self.settle(flight, way)?;
            }
            TransactionMode::NoTransaction => {
                // Recorded as failed first, so a crash half-way shows in `status` and stops
                // `up`. The applying lock, taken in the same transaction and held by this
                // session to the end, tells other runners the row is work in progress.
                let applying = history.applying_key(version);
                way.mark_unfinished(tx, history, applying)?;
                let settings = self.limits.for_script(way.script);
                let limited = settings != ScriptSettings::default();
                if limited {
                    self.session
                        .pipeline(async |c| limit_waits(c, &settings, Reach::Session).await)?;
                }
                let finished = apply::run(&mut self.session, way.script, version, way.ran)
                    .map_err(|(done, f)| {
                        let timed_out = f.sqlstate.as_deref() == Some(LOCK_NOT_AVAILABLE);
                        let mut outcome = way.half_done(done);
                        if timed_out {
                            // A half-run script cannot be rolled back to try again.
                            outcome.push_str(" It was not tried again after its lock timeout, because it runs outside a transaction.");
                        }
                        if limited {
                            // The script's timeouts must not outlive it in this session.
                            let _ = self.session.batch_execute(apply::RESET_SESSION);
                        }
                        apply::failed(f, outcome)
                    })
                    .and_then(|()| {
                        self.session
                            .batch_execute(apply::RESET_SESSION)
                            .map_err(Error::db(way.resetting()))?;
                        way.finish(&mut self.session, &self.history, started)
                    });
                self.release_applying(applying, finished)?;
            }
        }
        Ok(Stepped::Done {
            execution_ms: elapsed_ms(started),
        })
    }

    /// Turns what a transactional step's flight came back with into its result.
    fn settle(&mut self, flight: Flight, way: &Way<'_>) -> Result<()> {
        if let Err(mut failure) = flight.ran {
            if failure.sqlstate.as_deref() == Some(LOCK_NOT_AVAILABLE) {
                // Placed only if it is the last try: a replay waits for the lock again.
                self.timed_out = Some(failure.clone());
                return Err(apply::failed(failure, way.rolled_back()));
            }
            self.place(&[], &mut failure, way.script);
            return Err(apply::failed(failure, way.rolled_back()));
        }
        flight.booked?;
        flight.committed.map_err(Error::db(way.committing()))
    }

    /// For a step whose check under the lock found an unfinished no-transaction run (another
    /// runner's, started since the plan): waits while a runner is at work on one, then
    /// stops on those left. When none is left, the step looks again.
    fn stop_on_unfinished_runs(&mut self) -> Result<()> {
        let unfinished = plan::unfinished_runs(&self.applied_when_settled()?);
        if unfinished.is_empty() {
            Ok(())
        } else {
            Err(unfinished.into())
        }
    }

    /// Lets go of a no-transaction script's applying lock, then gives what the script came
    /// to. A lost session has lost its locks with it, so a failure to release is no news
    /// worth hiding that outcome behind.
    fn release_applying(&mut self, applying: LockKey, finished: Result<()>) -> Result<()> {
        let _ = lock::release_session(&mut self.session, applying);
        finished
    }

    /// Finds the statement behind a failure PostgreSQL gave no position for, by replaying in
    /// a transaction that is rolled back (under the lock).
    fn place(&mut self, before: &[&Script], failure: &mut MigrationFailure, script: &Script) {
        if !apply::is_unplaced(failure) {
            return;
        }
        let (key, wait, observer) = (self.key, self.wait, self.observer);
        // The replay waits for table locks no longer than the script did.
        let settings = self.limits.for_script(script);
        apply::place(
            &mut self.session,
            &|session| {
                waiting::begin_locked(session, key, wait, observer, async |c| {
                    limit_waits(c, &settings, Reach::Transaction)
                        .await
                        .map(|_| ())
                })
                .map(|(tx, ())| tx)
            },
            before,
            failure,
            script,
        );
    }

    /// Applies the migrations `plan` picks from the history read under the lock, all in
    /// one transaction with their history rows, and gives each with its time. A runner
    /// applying a no-transaction migration is waited for first; on any failure nothing
    /// is applied.
    pub fn apply_in_one_transaction<'m>(
        &mut self,
        plan: impl Fn(&[Applied]) -> Result<Vec<&'m Migration>>,
    ) -> Result<Vec<(&'m Migration, i64)>> {
        self.retrying_lock_timeouts(
            |db| db.apply_in_one_transaction_once(&plan),
            |_, failure| apply::failed(failure, WHOLE_RUN_ROLLED_BACK.to_string()),
        )
    }

    fn apply_in_one_transaction_once<'m>(
        &mut self,
        plan: &impl Fn(&[Applied]) -> Result<Vec<&'m Migration>>,
    ) -> Result<Vec<(&'m Migration, i64)>> {
        let (mut tx, applied) = loop {
            let history = &self.history;
            let (mut tx, mut applied) = waiting::begin_locked(
                &mut self.session,
                self.key,
                self.wait,
                self.observer,
                async |c| history.load_in(c).await,
            )?;
            history.mark_applying(&mut tx, &mut applied)?;
            if !applied.iter().any(|a| a.outcome == Outcome::Applying) {
                break (tx, applied);
            }
            // Another runner is applying a no-transaction migration: wait for it outside
            // the lock, then look again; stop on one still applying after the wait.
            drop(tx);
            let settled = self.applied_when_settled()?;
            if settled.iter().any(|a| a.outcome == Outcome::Applying) {
                return Err(plan::unfinished_runs(&settled).into());
            }
        };
        let steps = plan(&applied)?;
        let mut done: Vec<(&Migration, i64)> = Vec::new();
        for migration in steps {
            let step_started = Instant::now();
            // Set for each script: the `RESET ALL` after the one before undid the last.
            let settings = self.limits.for_script(&migration.up);
            // Each migration of the run is watched from its own start.
            self.watch.start(None);
            let watch = &self.watch;
            let (limited, ran) = tx.pipeline(async |c| {
                tokio::join!(
                    biased;
                    limit_waits_watched(c, &settings, watch),
                    apply::run_step(
                        c,
                        &migration.up,
                        migration.version,
                        Ran::Migration(Direction::Up),
                    ),
                )
            });
            self.watch.stop();
            limited?;
            if let Err(mut failure) = ran {
                drop(tx);
                if failure.sqlstate.as_deref() == Some(LOCK_NOT_AVAILABLE) {
                    // Not placed: a replay would wait for the lock again.
                    self.timed_out = Some(failure.clone());
                } else {
                    let before: Vec<&Script> = done.iter().map(|(m, _)| &m.up).collect();
                    self.place(&before, &mut failure, &migration.up);
                }
                return Err(apply::failed(failure, WHOLE_RUN_ROLLED_BACK.to_string()));
            }
            done.push((migration, elapsed_ms(step_started)));
        }
        let history = &self.history;
        let (recorded, committed) = tx.commit_after(async |c| {
            if done.is_empty() {
                return Ok(());
            }
            history.record_many(c, &done, Outcome::Succeeded).await
        });
        recorded?;
        committed.map_err(Error::db("committing the run"))?;
        Ok(done)
    }
}

/// What a transactional step's flight came back with: the script, its history change and
/// the commit. When the script fails, the transaction is aborted and the commit rolls back.
struct Flight {
    ran: std::result::Result<(), Box<MigrationFailure>>,
    booked: Result<()>,
    committed: std::result::Result<(), crate::db::session::Error>,
}

const WHOLE_RUN_ROLLED_BACK: &str =
    "--single-transaction: the whole run was rolled back, nothing was applied";

fn elapsed_ms(started: Instant) -> i64 {
    started.elapsed().as_millis() as i64
}
