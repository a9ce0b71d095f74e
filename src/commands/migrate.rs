//! `status`, `up`, `down`, `redo`, `validate`, `repair`, `baseline`: the pure plan, then the
//! database work, one transaction per migration under the advisory lock.

use std::time::{Duration, Instant};

use super::Context;
use crate::config::Compat;
use crate::db::apply;
use crate::db::claim::{Claim, Intent};
use crate::db::connect::Target;
use crate::db::history::{Event, History};
use crate::db::lock::{self, LockKey};
use crate::db::session::{Client, Session, Sql, Transaction};
use crate::db::shim::{self, ShimOutcome};
use crate::db::waiting;
use crate::error::MigrationFailure;
use crate::error::{Direction, Error, Result};
use crate::migrate::model::{Applied, Migration, Outcome, Script, TransactionMode, Version};
use crate::migrate::plan::{self, Allow, Divergence, DownTarget, Entry, State};
use crate::migrate::source;
use crate::report::*;

/// [`waiting::begin_locked`] with the settings' wait, told through the output.
fn begin_locked<'s, T>(
    ctx: &Context,
    key: LockKey,
    session: &'s mut Session,
    read: impl AsyncFn(&Client) -> Result<T>,
) -> Result<(Transaction<'s>, T)> {
    waiting::begin_locked(session, key, ctx.settings.wait_for_lock, &ctx.out, read)
}

/// [`begin_locked`] with nothing to read.
fn lock_transaction<'s>(
    ctx: &Context,
    key: LockKey,
    session: &'s mut Session,
) -> Result<Transaction<'s>> {
    waiting::lock_transaction(session, key, ctx.settings.wait_for_lock, &ctx.out)
}

/// A connected runner: the client, dbward's tables and the lock key.
struct Runner<'a> {
    ctx: &'a Context,
    session: Session,
    target: Target,
    history: History,
    key: LockKey,
    claim: ClaimSupport,
    /// dbward's schema was checked for objects other roles own (once a run).
    owners_checked: bool,
}

/// Whether steps can go in one flight: not once the claim function proved missing or not
/// ours to call, so that later steps do not send their script twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ClaimSupport {
    Usable,
    Unavailable,
}

impl<'a> Runner<'a> {
    fn connect(ctx: &'a Context) -> Result<Runner<'a>> {
        let (session, target) = ctx.connect()?;
        let schema = &ctx.settings.schema;
        Ok(Runner {
            ctx,
            session,
            target,
            history: History::new(schema),
            key: LockKey::migrations(schema),
            claim: ClaimSupport::Usable,
            owners_checked: false,
        })
    }

    fn database(&self) -> String {
        self.target.describe()
    }

    /// dbward's tables and, with `compat = "supabase"`, the auth shim: once, under the lock.
    fn prepare(&mut self) -> Result<()> {
        let history = &self.history;
        // The usual case (all there and ours) is answered in the flight that takes the lock.
        let (mut tx, ready) = begin_locked(self.ctx, self.key, &mut self.session, async |c| {
            history.ready_in(c).await
        })?;
        if !ready {
            history.ensure(&mut tx)?;
        }
        self.owners_checked = true;
        let shim = match self.ctx.settings.compat {
            Compat::Supabase => Some(shim::ensure_supabase(&mut tx)?),
            Compat::None => None,
        };
        tx.commit()
            .map_err(Error::db("committing dbward's tables"))?;
        if shim == Some(ShimOutcome::Created) {
            self.ctx.out.note(
                "created the Supabase compatibility shim (roles anon, authenticated, service_role; schema auth)",
            );
        }
        Ok(())
    }

    /// The history, with the no-transaction migrations other runners are applying marked.
    fn applied(&mut self) -> Result<Vec<Applied>> {
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
    /// or calls what is there; [`Runner::prepare`] checks it on its own.
    fn check_owners(&mut self) -> Result<()> {
        if !self.owners_checked {
            self.history.check_owners(&mut self.session)?;
            self.owners_checked = true;
        }
        Ok(())
    }

    /// The history once no other runner is applying a no-transaction migration: `up` (and
    /// a step that meets one) waits for such a runner, as for the migration lock, and says
    /// who it is. A migration still applying after the lock wait stays marked so, and the
    /// plan refuses it.
    fn applied_when_settled(&mut self) -> Result<Vec<Applied>> {
        let started = Instant::now();
        let wait = self.ctx.settings.wait_for_lock;
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
                self.ctx.out.waiting_for_migration(busy.version, &holder);
                told = true;
            }
            std::thread::sleep(pause.min(wait.saturating_sub(started.elapsed())));
            pause = (pause * 2).min(Duration::from_millis(500));
        }
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
        let (ctx, key) = (self.ctx, self.key);
        apply::place(
            &mut self.session,
            &|session| lock_transaction(ctx, key, session),
            before,
            failure,
            script,
        );
    }

    /// The usual step in one flight: `BEGIN`, the claim (the lock and the history check),
    /// the script, `book` (its history change) and `COMMIT`. `None` when the claim was
    /// refused or could not be made: then nothing ran, the transaction rolled back, and the
    /// step goes the careful way, which waits for the lock and says what changed.
    fn in_one_flight(
        &mut self,
        script: &Script,
        version: Version,
        intent: Intent,
        book: impl AsyncFn(&Client, &History) -> Result<()>,
    ) -> Result<Option<Flight>> {
        if self.claim == ClaimSupport::Unavailable {
            return Ok(None);
        }
        let (history, key) = (&self.history, self.key);
        let direction = match intent {
            Intent::Apply { .. } => Direction::Up,
            Intent::RollBack => Direction::Down,
        };
        let (begun, claimed, ran, booked, committed) = self.session.pipeline(async |c| {
            tokio::join!(
                biased;
                c.batch_execute(lock::BEGIN),
                history.claim(c, key, version, intent),
                apply::run_step(c, script, version, direction),
                book(c, history),
                c.batch_execute("COMMIT"),
            )
        });
        begun.map_err(Error::db("starting a transaction"))?;
        Ok(match claimed? {
            Claim::Granted => Some(Flight {
                ran,
                booked,
                committed,
            }),
            Claim::LockBusy | Claim::HistoryMoved => None,
            Claim::Unavailable => {
                self.claim = ClaimSupport::Unavailable;
                None
            }
        })
    }

    /// Turns what a transactional step's flight came back with into its result.
    fn settle(
        &mut self,
        flight: Flight,
        script: &Script,
        rolled_back: &str,
        committing: &str,
    ) -> Result<()> {
        if let Err(mut failure) = flight.ran {
            self.place(&[], &mut failure, script);
            return Err(apply::failed(failure, rolled_back.to_string()));
        }
        flight.booked?;
        flight.committed.map_err(Error::db(committing.to_string()))
    }

    /// Applies one migration in its own transaction: in one flight when the lock is free
    /// and the history is as planned, else in two, with the history read under the lock.
    fn apply_up(&mut self, migration: &Migration, state: State, allow: Allow) -> Result<StepRow> {
        let started = Instant::now();
        let version = migration.version;
        let below_newest = state == State::OutOfOrder || allow.out_of_order;
        let rolled_back = format!(
            "migration {version} was rolled back: nothing of it was applied (migrations before it stay applied)"
        );
        let committing = format!("committing migration {version}");
        if migration.up.mode == TransactionMode::Transaction
            && let Some(flight) = self.in_one_flight(
                &migration.up,
                version,
                Intent::Apply { below_newest },
                async |c, history| history.record(c, migration, Outcome::Succeeded, None).await,
            )?
        {
            self.settle(flight, &migration.up, &rolled_back, &committing)?;
            return Ok(step(
                migration,
                Direction::Up,
                StepOutcome::Applied,
                Some(elapsed_ms(started)),
            ));
        }
        let (tx, fence) = loop {
            let history = &self.history;
            let (tx, fence) = begin_locked(self.ctx, self.key, &mut self.session, async |c| {
                history.fence(c, version).await
            })?;
            if !fence.any_failed {
                break (tx, fence);
            }
            drop(tx);
            self.stop_on_unfinished_runs()?;
        };
        let history = &self.history;
        if fence.this_recorded {
            // Another runner applied it while this one waited.
            drop(tx);
            return Ok(step(
                migration,
                Direction::Up,
                StepOutcome::AlreadyDone,
                None,
            ));
        }
        if let Some(newest) = fence.newest_applied
            && newest > version
            && !below_newest
        {
            return Err(vec![Divergence::OutOfOrder {
                version,
                path: migration.up.path.clone(),
                newest_applied: newest,
            }]
            .into());
        }
        match migration.up.mode {
            TransactionMode::Transaction => {
                let ((ran, booked), committed) = tx.commit_after(async |c| {
                    tokio::join!(
                        biased;
                        apply::run_step(c, &migration.up, version, Direction::Up),
                        history.record(c, migration, Outcome::Succeeded, None),
                    )
                });
                let flight = Flight {
                    ran,
                    booked,
                    committed,
                };
                self.settle(flight, &migration.up, &rolled_back, &committing)?;
            }
            TransactionMode::NoTransaction => {
                // Recorded as failed first, so a crash half-way shows in `status` and stops
                // `up`. The applying lock, taken in the same transaction and held by this
                // session to the end, tells other runners the row is work in progress.
                let applying = history.applying_key(version);
                let ((locked, recorded), committed) = tx.commit_after(async |c| {
                    tokio::join!(
                        biased;
                        lock::try_session_in(c, applying),
                        history.record(c, migration, Outcome::Failed, Some(0)),
                    )
                });
                // Not granted only when a pooler stranded it on another connection: the
                // row then reads as applying until that connection closes, which is safe.
                locked?;
                recorded?;
                committed.map_err(Error::db(format!("recording migration {version}")))?;
                let finished = apply::run(&mut self.session, &migration.up, version, Direction::Up)
                    .map_err(|(done, f)| {
                        apply::failed(
                            f,
                            format!(
                                "migration {version} runs outside a transaction: {done} statement(s) before this one stay committed. It is recorded as failed and `up` stops until you finish or undo it by hand and run `dbward repair`."
                            ),
                        )
                    })
                    .and_then(|()| {
                        self.session
                            .batch_execute(apply::RESET_SESSION)
                            .map_err(Error::db(format!("resetting the session after migration {version}")))?;
                        self.history.set_outcome(
                            &mut self.session,
                            version,
                            Outcome::Succeeded,
                            elapsed_ms(started),
                        )
                    });
                self.release_applying(applying, finished)?;
            }
        }
        Ok(step(
            migration,
            Direction::Up,
            StepOutcome::Applied,
            Some(elapsed_ms(started)),
        ))
    }

    /// Rolls one migration back in its own transaction, in one flight or two as
    /// [`Self::apply_up`].
    fn apply_down(&mut self, migration: &Migration) -> Result<StepRow> {
        let started = Instant::now();
        let version = migration.version;
        let rollback = migration
            .down
            .as_ref()
            .expect("plan_down only returns reversible migrations");
        let rolled_back = format!(
            "the rollback of migration {version} was undone: migration {version} stays applied"
        );
        let committing = format!("committing the rollback of {version}");
        let forget =
            async |c: &Client, history: &History| history.remove(c, version).await.map(|_| ());
        if rollback.mode == TransactionMode::Transaction
            && let Some(flight) = self.in_one_flight(rollback, version, Intent::RollBack, forget)?
        {
            self.settle(flight, rollback, &rolled_back, &committing)?;
            return Ok(step(
                migration,
                Direction::Down,
                StepOutcome::RolledBack,
                Some(elapsed_ms(started)),
            ));
        }
        let (mut tx, fence) = loop {
            let history = &self.history;
            let (tx, fence) = begin_locked(self.ctx, self.key, &mut self.session, async |c| {
                history.fence(c, version).await
            })?;
            if !fence.any_failed {
                break (tx, fence);
            }
            drop(tx);
            self.stop_on_unfinished_runs()?;
        };
        let history = &self.history;
        if !fence.this_recorded {
            drop(tx);
            return Ok(step(
                migration,
                Direction::Down,
                StepOutcome::AlreadyDone,
                None,
            ));
        }
        if let Some(newest) = fence.newest_applied
            && newest > version
        {
            return Err(vec![Divergence::NewerApplied {
                version,
                newest_applied: newest,
            }]
            .into());
        }
        match rollback.mode {
            TransactionMode::Transaction => {
                let ((ran, booked), committed) = tx.commit_after(async |c| {
                    tokio::join!(
                        biased;
                        apply::run_step(c, rollback, version, Direction::Down),
                        forget(c, history),
                    )
                });
                let flight = Flight {
                    ran,
                    booked,
                    committed,
                };
                self.settle(flight, rollback, &rolled_back, &committing)?;
            }
            TransactionMode::NoTransaction => {
                // As `up` does: marked unfinished, under the applying lock, until the end.
                let applying = history.applying_key(version);
                lock::try_session(&mut tx, applying)?;
                self.history
                    .set_outcome(&mut tx, version, Outcome::Failed, 0)?;
                tx.commit()
                    .map_err(Error::db(format!("recording the rollback of {version}")))?;
                let finished = apply::run(&mut self.session, rollback, version, Direction::Down)
                    .map_err(|(done, f)| {
                        apply::failed(
                            f,
                            format!(
                                "the rollback of migration {version} runs outside a transaction: {done} statement(s) before this one stay committed. It is recorded as failed until you finish it by hand and run `dbward repair`."
                            ),
                        )
                    })
                    .and_then(|()| {
                        self.session
                            .batch_execute(apply::RESET_SESSION)
                            .map_err(Error::db(format!("resetting the session after the rollback of {version}")))?;
                        self.session
                            .pipeline(async |c| history.remove(c, version).await)
                            .map(|_| ())
                    });
                self.release_applying(applying, finished)?;
            }
        }
        Ok(step(
            migration,
            Direction::Down,
            StepOutcome::RolledBack,
            Some(elapsed_ms(started)),
        ))
    }
}

/// What a transactional step's flight came back with: the script, its history change and
/// the commit. When the script fails, the transaction is aborted and the commit rolls back.
struct Flight {
    ran: std::result::Result<(), Box<MigrationFailure>>,
    booked: Result<()>,
    committed: std::result::Result<(), crate::db::session::Error>,
}

fn elapsed_ms(started: Instant) -> i64 {
    started.elapsed().as_millis() as i64
}

fn step(
    migration: &Migration,
    direction: Direction,
    outcome: StepOutcome,
    execution_ms: Option<i64>,
) -> StepRow {
    let script = match direction {
        Direction::Down => migration.down.as_ref().unwrap_or(&migration.up),
        Direction::Up | Direction::Seed => &migration.up,
    };
    StepRow {
        version: migration.version,
        name: migration.name.clone(),
        direction,
        file: script.path.display().to_string(),
        outcome,
        execution_ms,
        rollback_edited: false,
    }
}

fn rollback_edited(entries: &[Entry<'_>], version: Version) -> bool {
    entries
        .iter()
        .any(|e| e.version == version && e.rollback_edited())
}

fn edited_rollbacks(entries: &[Entry<'_>]) -> Vec<EditedRollback> {
    entries
        .iter()
        .filter(|e| e.rollback_edited())
        .filter_map(|e| {
            Some(EditedRollback {
                version: e.version,
                file: e.local?.down.as_ref()?.path.display().to_string(),
            })
        })
        .collect()
}

fn count(entries: &[Entry<'_>], wanted: &[State]) -> usize {
    entries.iter().filter(|e| wanted.contains(&e.state)).count()
}

pub fn status(ctx: &Context, exit_code: bool) -> Result<()> {
    // Migration numbers are checked before any connection. The rollbacks are listed and
    // the files read while the database answers (a remote database's round trips are the
    // longer wait); their problems still come before anything the database said.
    let names = ctx.migration_names()?;
    let (files, database) = std::thread::scope(|scope| {
        let reading = scope.spawn(|| {
            source::pair_and_read(names, &ctx.settings.dirs.rollbacks, source::Depth::Status)
        });
        let database = Runner::connect(ctx).and_then(|mut runner| {
            let applied = runner.applied()?;
            Ok((runner, applied))
        });
        (
            reading.join().expect("reading files does not panic"),
            database,
        )
    });
    let migrations = files.map_err(Error::Files)?;
    let (runner, applied) = database?;
    print_status(ctx, &runner.database(), &migrations, &applied, exit_code)
}

fn print_status(
    ctx: &Context,
    database: &str,
    migrations: &[Migration],
    applied: &[crate::migrate::model::Applied],
    exit_code: bool,
) -> Result<()> {
    let entries = plan::status(migrations, applied);
    let pending = count(&entries, &[State::Pending, State::OutOfOrder]);
    let rows = entries
        .iter()
        .map(|e| StatusRow {
            version: e.version,
            name: e.name.clone(),
            state: e.state,
            file: e.local.map(|m| m.up.path.display().to_string()),
            rollback_file: e
                .local
                .and_then(|m| m.down.as_ref())
                .map(|d| d.path.display().to_string()),
            rollback_edited: e.rollback_edited(),
            reversible: e.local.is_some_and(Migration::is_reversible),
            mode: e.local.map(|m| m.up.mode),
            applied_at: e.applied.map(|a| a.applied_at.clone()),
            applied_by: e.applied.map(|a| a.applied_by.clone()),
            // An unfinished run has no duration yet: its row holds a placeholder 0.
            execution_ms: e
                .applied
                .filter(|a| a.outcome == Outcome::Succeeded)
                .map(|a| a.execution_ms),
        })
        .collect();
    ctx.out.status(&StatusReport {
        database: database.to_string(),
        schema: ctx.settings.schema.clone(),
        migrations: rows,
        pending,
    });
    if exit_code && pending > 0 {
        return Err(Error::Pending(pending));
    }
    Ok(())
}

pub fn up(
    ctx: &Context,
    to: Option<u64>,
    dry_run: bool,
    single_transaction: bool,
    allow: Allow,
) -> Result<()> {
    let migrations = ctx.migrations()?;
    up_loaded(ctx, &migrations, to, dry_run, single_transaction, allow)
}

/// `up` with the files already read (`ci` steps through many targets on one reading).
pub(super) fn up_loaded(
    ctx: &Context,
    migrations: &[Migration],
    to: Option<u64>,
    dry_run: bool,
    single_transaction: bool,
    allow: Allow,
) -> Result<()> {
    let started = Instant::now();
    let target = to.map(Version);
    let mut runner = Runner::connect(ctx)?;
    let mut report = RunReport {
        command: RunCommand::Up,
        database: runner.database(),
        dry_run,
        single_transaction,
        steps: Vec::new(),
        elapsed_ms: 0,
    };
    if dry_run {
        let applied = runner.applied()?;
        let entries = plan::status(migrations, &applied);
        for migration in plan::plan_up(&entries, target, allow)? {
            report
                .steps
                .push(step(migration, Direction::Up, StepOutcome::WouldRun, None));
        }
        report.elapsed_ms = elapsed_ms(started);
        ctx.out.run(&report);
        return Ok(());
    }
    runner.prepare()?;
    if single_transaction {
        report.steps = up_in_one_transaction(&mut runner, migrations, target, allow)?;
        for row in &report.steps {
            ctx.out.step(row);
        }
    } else {
        let applied = runner.applied_when_settled()?;
        let entries = plan::status(migrations, &applied);
        let steps: Vec<(&Migration, State)> = plan::plan_up(&entries, target, allow)?
            .into_iter()
            .map(|m| {
                let state = entries
                    .iter()
                    .find(|e| e.version == m.version)
                    .map_or(State::Pending, |e| e.state);
                (m, state)
            })
            .collect();
        for (migration, state) in steps {
            let row = runner.apply_up(migration, state, allow)?;
            ctx.out.step(&row);
            report.steps.push(row);
        }
    }
    report.elapsed_ms = elapsed_ms(started);
    ctx.out.run(&report);
    Ok(())
}

fn up_in_one_transaction(
    runner: &mut Runner<'_>,
    migrations: &[Migration],
    target: Option<Version>,
    allow: Allow,
) -> Result<Vec<StepRow>> {
    let (mut tx, applied) = loop {
        let history = &runner.history;
        let (mut tx, mut applied) =
            begin_locked(runner.ctx, runner.key, &mut runner.session, async |c| {
                history.load_in(c).await
            })?;
        history.mark_applying(&mut tx, &mut applied)?;
        if !applied.iter().any(|a| a.outcome == Outcome::Applying) {
            break (tx, applied);
        }
        // Another runner is applying a no-transaction migration: wait for it outside the
        // lock, then look again; stop on one still applying after the wait.
        drop(tx);
        let settled = runner.applied_when_settled()?;
        if settled.iter().any(|a| a.outcome == Outcome::Applying) {
            return Err(plan::unfinished_runs(&settled).into());
        }
    };
    let history = &runner.history;
    let entries = plan::status(migrations, &applied);
    let steps = plan::plan_up(&entries, target, allow)?;
    if let Some(m) = steps
        .iter()
        .find(|m| m.up.mode == TransactionMode::NoTransaction)
    {
        return Err(Error::Usage(format!(
            "{} is marked `-- dbward:no-transaction`, so it cannot run inside --single-transaction; apply it on its own first",
            m.up.path.display()
        )));
    }
    let mut rows = Vec::new();
    let mut done = Vec::new();
    for migration in steps {
        let step_started = Instant::now();
        if let Err(mut failure) = tx.pipeline(async |c| {
            apply::run_step(c, &migration.up, migration.version, Direction::Up).await
        }) {
            drop(tx);
            let before: Vec<&Script> = done
                .iter()
                .map(|(m, _): &(&Migration, i64)| &m.up)
                .collect();
            runner.place(&before, &mut failure, &migration.up);
            return Err(apply::failed(
                failure,
                "--single-transaction: the whole run was rolled back, nothing was applied"
                    .to_string(),
            ));
        }
        let ms = elapsed_ms(step_started);
        done.push((migration, ms));
        rows.push(step(
            migration,
            Direction::Up,
            StepOutcome::Applied,
            Some(ms),
        ));
    }
    let (recorded, committed) = tx.commit_after(async |c| {
        if done.is_empty() {
            return Ok(());
        }
        history.record_many(c, &done, Outcome::Succeeded).await
    });
    recorded?;
    committed.map_err(Error::db("committing the run"))?;
    Ok(rows)
}

pub fn down(ctx: &Context, steps: Option<usize>, to: Option<u64>, dry_run: bool) -> Result<()> {
    let target = match (steps, to) {
        (_, Some(version)) => DownTarget::To(Version(version)),
        (Some(0), None) => return Err(Error::Usage("--steps must be at least 1".into())),
        (Some(n), None) => DownTarget::Steps(n),
        (None, None) => DownTarget::Steps(1),
    };
    let migrations = ctx.migrations()?;
    down_loaded(ctx, &migrations, target, dry_run)
}

/// `down` with the files already read.
pub(super) fn down_loaded(
    ctx: &Context,
    migrations: &[Migration],
    target: DownTarget,
    dry_run: bool,
) -> Result<()> {
    let started = Instant::now();
    let mut runner = Runner::connect(ctx)?;
    let applied = runner.applied()?;
    let entries = plan::status(migrations, &applied);
    let plan = plan::plan_down(&entries, target)?;
    let mut report = RunReport {
        command: RunCommand::Down,
        database: runner.database(),
        dry_run,
        single_transaction: false,
        steps: Vec::new(),
        elapsed_ms: 0,
    };
    for migration in plan {
        let mut row = if dry_run {
            step(migration, Direction::Down, StepOutcome::WouldRun, None)
        } else {
            runner.apply_down(migration)?
        };
        row.rollback_edited = rollback_edited(&entries, migration.version);
        ctx.out.step(&row);
        report.steps.push(row);
    }
    report.elapsed_ms = elapsed_ms(started);
    ctx.out.run(&report);
    Ok(())
}

pub fn redo(ctx: &Context, dry_run: bool) -> Result<()> {
    let started = Instant::now();
    let migrations = ctx.migrations()?;
    let mut runner = Runner::connect(ctx)?;
    let applied = runner.applied()?;
    let entries = plan::status(&migrations, &applied);
    let Some(&migration) = plan::plan_down(&entries, DownTarget::Steps(1))?.first() else {
        return Err(Error::Usage(
            "nothing is applied, so there is nothing to redo".into(),
        ));
    };
    // Refuse before rolling back anything: redo must be able to go up again.
    plan::validate(&entries, Allow::default())
        .into_iter()
        .next()
        .map_or(Ok(()), |d| Err(Error::from(vec![d])))?;
    if !migration.up.has_statements() {
        return Err(plan::PlanError::Empty {
            version: migration.version,
            path: migration.up.path.clone(),
        }
        .into());
    }
    let mut report = RunReport {
        command: RunCommand::Redo,
        database: runner.database(),
        dry_run,
        single_transaction: false,
        steps: Vec::new(),
        elapsed_ms: 0,
    };
    if dry_run {
        report.steps.push(step(
            migration,
            Direction::Down,
            StepOutcome::WouldRun,
            None,
        ));
        report
            .steps
            .push(step(migration, Direction::Up, StepOutcome::WouldRun, None));
    } else {
        let mut down = runner.apply_down(migration)?;
        down.rollback_edited = rollback_edited(&entries, migration.version);
        ctx.out.step(&down);
        let up = runner.apply_up(migration, State::Pending, Allow::default())?;
        ctx.out.step(&up);
        report.steps = vec![down, up];
    }
    report.elapsed_ms = elapsed_ms(started);
    ctx.out.run(&report);
    Ok(())
}

pub fn validate(ctx: &Context, allow: Allow) -> Result<()> {
    let migrations = ctx.migrations()?;
    let mut runner = Runner::connect(ctx)?;
    let applied = runner.applied()?;
    let entries = plan::status(&migrations, &applied);
    plan::plan_up(&entries, None, allow)?;
    ctx.out.validate(&ValidateReport {
        database: runner.database(),
        applied: count(&entries, &[State::Applied, State::Modified, State::Missing]),
        pending: count(&entries, &[State::Pending, State::OutOfOrder]),
        edited_rollbacks: edited_rollbacks(&entries),
    });
    Ok(())
}

pub fn repair(ctx: &Context, dry_run: bool) -> Result<()> {
    let migrations = ctx.migrations()?;
    let mut runner = Runner::connect(ctx)?;
    let database = runner.database();
    let mut changes = Vec::new();
    runner.check_owners()?;
    if runner.history.exists(&mut runner.session)? {
        let history = &runner.history;
        let (mut tx, mut applied) =
            begin_locked(ctx, runner.key, &mut runner.session, async |c| {
                history.load_in(c).await
            })?;
        // A run another runner is still applying is not a failure to clear.
        history.mark_applying(&mut tx, &mut applied)?;
        let applying: Vec<Divergence> = plan::unfinished_runs(&applied)
            .into_iter()
            .filter(|d| matches!(d, Divergence::Applying { .. }))
            .collect();
        if !applying.is_empty() {
            return Err(applying.into());
        }
        for entry in plan::status(&migrations, &applied) {
            if let (true, Some(local), Some(row)) =
                (entry.rollback_edited(), entry.local, entry.applied)
                && let Some(down) = &local.down
            {
                let detail = format!(
                    "{}: rollback checksum {} -> {}",
                    down.path.display(),
                    row.rollback_checksum
                        .map_or_else(|| "none".into(), |c| c.short()),
                    down.checksum.short()
                );
                history.set_rollback_checksum(&mut tx, entry.version, down.checksum)?;
                history.log_event(
                    &mut tx,
                    entry.version,
                    Event::RollbackChecksumAccepted,
                    &detail,
                )?;
                changes.push(RepairRow {
                    version: entry.version,
                    name: entry.name.clone(),
                    action: RepairAction::RollbackChecksumAccepted,
                    detail,
                });
            }
            match (entry.state, entry.local, entry.applied) {
                (State::Modified, Some(local), Some(row)) => {
                    let detail = format!(
                        "{}: checksum {} -> {}",
                        local.up.path.display(),
                        row.checksum.map_or_else(|| "none".into(), |c| c.short()),
                        local.up.checksum.short()
                    );
                    history.set_checksum(&mut tx, entry.version, local.up.checksum)?;
                    history.log_event(&mut tx, entry.version, Event::ChecksumAccepted, &detail)?;
                    changes.push(RepairRow {
                        version: entry.version,
                        name: entry.name.clone(),
                        action: RepairAction::ChecksumAccepted,
                        detail,
                    });
                }
                (State::Failed, _, Some(row)) => {
                    let detail = format!(
                        "failed run of {} started {} by {} removed; `up` runs it again",
                        entry.name, row.applied_at, row.applied_by
                    );
                    tx.pipeline(async |c| history.remove(c, entry.version).await)?;
                    history.log_event(&mut tx, entry.version, Event::FailedCleared, &detail)?;
                    changes.push(RepairRow {
                        version: entry.version,
                        name: entry.name.clone(),
                        action: RepairAction::FailedCleared,
                        detail,
                    });
                }
                _ => {}
            }
        }
        if dry_run {
            tx.rollback().map_err(Error::db("ending the dry run"))?;
        } else {
            tx.commit().map_err(Error::db("committing the repair"))?;
        }
    }
    ctx.out.repair(&RepairReport {
        database,
        dry_run,
        changes,
    });
    Ok(())
}

pub fn baseline(ctx: &Context, version: u64) -> Result<()> {
    let baseline = Version(version);
    let migrations = ctx.migrations()?;
    let adopted: Vec<&Migration> = migrations
        .iter()
        .filter(|m| m.version <= baseline)
        .collect();
    if adopted.is_empty() {
        return Err(Error::Usage(format!(
            "no migration is numbered {version} or below, so there is nothing to baseline"
        )));
    }
    let mut runner = Runner::connect(ctx)?;
    runner.prepare()?;
    let history = &runner.history;
    let (mut tx, applied) = begin_locked(ctx, runner.key, &mut runner.session, async |c| {
        history.load_in(c).await
    })?;
    if !applied.is_empty() {
        return Err(Error::Usage(
            "this database already has a migration history; baseline only adopts a database dbward has never migrated"
                .into(),
        ));
    }
    for migration in &adopted {
        tx.pipeline(async |c| {
            history
                .record(c, migration, Outcome::Succeeded, Some(0))
                .await
        })?;
        history.log_event(
            &mut tx,
            migration.version,
            Event::Baseline,
            &format!("recorded as applied by `dbward baseline {version}`"),
        )?;
    }
    tx.commit().map_err(Error::db("committing the baseline"))?;
    ctx.out.baseline(&BaselineReport {
        database: runner.database(),
        baseline,
        recorded: adopted.iter().map(|m| m.version).collect(),
    });
    Ok(())
}
