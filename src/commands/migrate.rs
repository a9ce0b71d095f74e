//! `status`, `up`, `down`, `redo`, `validate`, `repair`, `baseline`: the files, the pure
//! plan, then each step through [`crate::db::step`] (one transaction per migration under the
//! advisory lock), and the report.

use std::time::{Duration, Instant};

use super::Context;
use crate::config::Compat;
use crate::db::claim::Intent;
use crate::db::connect::Target;
use crate::db::history::Event;
use crate::db::session::Sql;
use crate::db::step::{Migrator, Stepped};
use crate::error::{Error, Result};
use crate::migrate::model::{Direction, Migration, Outcome, TransactionMode, Version};
use crate::migrate::plan::{self, Allow, Divergence, DownTarget, Entry, State};
use crate::migrate::{source, targets};
use crate::report::*;

/// A migrator for the settings' schema and lock wait, on a new session; waits are told
/// through the output.
pub(super) fn connect(ctx: &Context) -> Result<(Migrator<'_>, Target)> {
    let (db, target, _) = connect_timed(ctx)?;
    Ok((db, target))
}

/// As `connect`, with the time spent starting the local cluster when it was started.
fn connect_timed(ctx: &Context) -> Result<(Migrator<'_>, Target, Option<Duration>)> {
    let (session, target, started) = ctx.connect_timed()?;
    let settings = &ctx.settings;
    let db = Migrator::new(session, &settings.schema, settings.wait_for_lock, &ctx.out)
        .with_limits(settings.step_limits)
        .with_blocker_watch(target.clone());
    Ok((db, target, started))
}

/// dbward's tables and, with `compat = "supabase"`, the Supabase shim: once, under the lock.
pub(super) fn prepare(ctx: &Context, db: &mut Migrator<'_>) -> Result<()> {
    let Some(shim) = db.prepare(matches!(ctx.settings.compat, Compat::Supabase))? else {
        return Ok(());
    };
    if !shim.made.is_empty() || !shim.not_upgraded.is_empty() {
        ctx.out.note(&shim.to_string());
    }
    if shim.search_path_set() {
        db.replace_session(ctx.connect()?.0);
    }
    Ok(())
}

/// One step through the database layer, as a report row.
fn run_step(db: &mut Migrator<'_>, migration: &Migration, intent: Intent) -> Result<StepRow> {
    let (direction, done) = match intent {
        Intent::Apply { .. } => (Direction::Up, StepOutcome::Applied),
        Intent::RollBack => (Direction::Down, StepOutcome::RolledBack),
    };
    Ok(match db.step(migration, intent)? {
        Stepped::Done { execution_ms } => step_row(migration, direction, done, Some(execution_ms)),
        Stepped::AlreadyDone => step_row(migration, direction, StepOutcome::AlreadyDone, None),
    })
}

fn elapsed_ms(started: Instant) -> i64 {
    started.elapsed().as_millis() as i64
}

/// When the run started the local cluster: its own time starts once that is done.
fn after_start(started: Instant, local_start: Option<Duration>) -> Instant {
    local_start.map_or(started, |took| started + took)
}

fn step_row(
    migration: &Migration,
    direction: Direction,
    outcome: StepOutcome,
    execution_ms: Option<i64>,
) -> StepRow {
    let script = match direction {
        Direction::Down => migration.down.as_ref().unwrap_or(&migration.up),
        Direction::Up => &migration.up,
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
        let database = connect(ctx).and_then(|(mut db, target)| {
            let applied = db.applied()?;
            Ok((target, applied))
        });
        (
            reading.join().expect("reading files does not panic"),
            database,
        )
    });
    let migrations = files.map_err(Error::Files)?;
    let (target, applied) = database?;
    print_status(ctx, &target.describe(), &migrations, &applied, exit_code)
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
    if entries.is_empty() {
        ctx.note_database(database);
    }
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
    to: Option<&str>,
    dry_run: bool,
    single_transaction: bool,
    allow: Allow,
) -> Result<()> {
    let target = to.map(|text| ctx.version(text)).transpose()?;
    let migrations = ctx.migrations()?;
    // Refused before connecting: a version no file has is a typo, or another branch's.
    if let (Some(text), Some(version)) = (to, target) {
        targets::up_target(&migrations, version, &format!("`--to {text}`"))?;
    }
    up_loaded(ctx, &migrations, target, dry_run, single_transaction, allow)
}

/// `up` with the files already read (`ci` steps through many targets on one reading).
pub(super) fn up_loaded(
    ctx: &Context,
    migrations: &[Migration],
    target: Option<Version>,
    dry_run: bool,
    single_transaction: bool,
    allow: Allow,
) -> Result<()> {
    let started = Instant::now();
    let (mut db, connected, local_start) = connect_timed(ctx)?;
    let started = after_start(started, local_start);
    let mut report = RunReport {
        command: RunCommand::Up,
        database: connected.describe(),
        dry_run,
        single_transaction,
        steps: Vec::new(),
        elapsed_ms: 0,
        local_start_ms: local_start.map(|took| took.as_millis() as i64),
    };
    if dry_run {
        let applied = db.applied()?;
        let entries = plan::status(migrations, &applied);
        for migration in plan::plan_up(&entries, target, allow)? {
            report.steps.push(step_row(
                migration,
                Direction::Up,
                StepOutcome::WouldRun,
                None,
            ));
        }
        report.elapsed_ms = elapsed_ms(started);
        ctx.out.run(&report);
        return Ok(());
    }
    prepare(ctx, &mut db)?;
    if single_transaction {
        report.steps = up_in_one_transaction(&mut db, migrations, target, allow)?;
        for row in &report.steps {
            ctx.out.step(row);
        }
    } else {
        let applied = db.applied_when_settled()?;
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
            let below_newest = state == State::OutOfOrder || allow.out_of_order;
            let row = run_step(&mut db, migration, Intent::Apply { below_newest })?;
            ctx.out.step(&row);
            report.steps.push(row);
        }
    }
    report.elapsed_ms = elapsed_ms(started);
    ctx.out.run(&report);
    Ok(())
}

/// `up --single-transaction`: planned from the history read under the lock, all applied
/// in one transaction.
fn up_in_one_transaction(
    db: &mut Migrator<'_>,
    migrations: &[Migration],
    target: Option<Version>,
    allow: Allow,
) -> Result<Vec<StepRow>> {
    let done = db.apply_in_one_transaction(|applied| {
        let entries = plan::status(migrations, applied);
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
        // The plan borrows the history read under the lock; the steps are the project's
        // migrations of the same versions, in the plan's order.
        Ok(steps
            .iter()
            .filter_map(|step| migrations.iter().find(|m| m.version == step.version))
            .collect())
    })?;
    Ok(done
        .into_iter()
        .map(|(migration, ms)| step_row(migration, Direction::Up, StepOutcome::Applied, Some(ms)))
        .collect())
}

pub fn down(
    ctx: &Context,
    steps: Option<usize>,
    to: Option<&str>,
    all: bool,
    dry_run: bool,
) -> Result<()> {
    let target = match (steps, to) {
        _ if all => DownTarget::All,
        (_, Some(version)) => DownTarget::To(ctx.version(version)?),
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
    let (mut db, connected, local_start) = connect_timed(ctx)?;
    let started = after_start(started, local_start);
    let applied = db.applied()?;
    let entries = plan::status(migrations, &applied);
    let plan = plan::plan_down(&entries, target, ctx.settings.dirs.layout)?;
    let mut report = RunReport {
        command: RunCommand::Down,
        database: connected.describe(),
        dry_run,
        single_transaction: false,
        steps: Vec::new(),
        elapsed_ms: 0,
        local_start_ms: local_start.map(|took| took.as_millis() as i64),
    };
    for migration in plan {
        let mut row = if dry_run {
            step_row(migration, Direction::Down, StepOutcome::WouldRun, None)
        } else {
            run_step(&mut db, migration, Intent::RollBack)?
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
    let (mut db, target) = connect(ctx)?;
    let applied = db.applied()?;
    let entries = plan::status(&migrations, &applied);
    let Some(&migration) =
        plan::plan_down(&entries, DownTarget::Steps(1), ctx.settings.dirs.layout)?.first()
    else {
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
        database: target.describe(),
        dry_run,
        single_transaction: false,
        steps: Vec::new(),
        elapsed_ms: 0,
        local_start_ms: None,
    };
    if dry_run {
        report.steps.push(step_row(
            migration,
            Direction::Down,
            StepOutcome::WouldRun,
            None,
        ));
        report.steps.push(step_row(
            migration,
            Direction::Up,
            StepOutcome::WouldRun,
            None,
        ));
    } else {
        let mut down = run_step(&mut db, migration, Intent::RollBack)?;
        down.rollback_edited = rollback_edited(&entries, migration.version);
        ctx.out.step(&down);
        let up = run_step(
            &mut db,
            migration,
            Intent::Apply {
                below_newest: false,
            },
        )?;
        ctx.out.step(&up);
        report.steps = vec![down, up];
    }
    report.elapsed_ms = elapsed_ms(started);
    ctx.out.run(&report);
    Ok(())
}

pub fn validate(ctx: &Context, allow: Allow) -> Result<()> {
    let migrations = ctx.migrations()?;
    let (mut db, target) = connect(ctx)?;
    let applied = db.applied()?;
    let entries = plan::status(&migrations, &applied);
    plan::plan_up(&entries, None, allow)?;
    ctx.out.validate(&ValidateReport {
        database: target.describe(),
        applied: count(&entries, &[State::Applied, State::Modified, State::Missing]),
        pending: count(&entries, &[State::Pending, State::OutOfOrder]),
        edited_rollbacks: edited_rollbacks(&entries),
    });
    Ok(())
}

pub fn repair(ctx: &Context, dry_run: bool, forget_missing: bool) -> Result<()> {
    let migrations = ctx.migrations()?;
    let (mut db, target) = connect(ctx)?;
    let database = target.describe();
    let mut changes = Vec::new();
    let mut missing_left = Vec::new();
    db.check_owners()?;
    if db.history_exists()? {
        let (mut tx, history, mut applied) = db.begin_locked(async |c, h| h.load_in(c).await)?;
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
            let mut accepted = Vec::new();
            if let (true, Some(local), Some(row)) =
                (entry.rollback_edited(), entry.local, entry.applied)
                && let Some(down) = &local.down
            {
                history.set_rollback_checksum(&mut tx, entry.version, down.checksum)?;
                accepted.push((
                    Event::RollbackChecksumAccepted,
                    RepairAction::RollbackChecksumAccepted,
                    format!(
                        "{}: rollback checksum {} -> {}",
                        down.path.display(),
                        row.rollback_checksum
                            .map_or_else(|| "none".into(), |c| c.short()),
                        down.checksum.short()
                    ),
                ));
            }
            match (entry.state, entry.local, entry.applied) {
                (State::Modified, Some(local), Some(row)) => {
                    history.set_checksum(&mut tx, entry.version, local.up.checksum)?;
                    accepted.push((
                        Event::ChecksumAccepted,
                        RepairAction::ChecksumAccepted,
                        format!(
                            "{}: checksum {} -> {}",
                            local.up.path.display(),
                            row.checksum.map_or_else(|| "none".into(), |c| c.short()),
                            local.up.checksum.short()
                        ),
                    ));
                }
                (State::Failed, _, Some(row)) => {
                    tx.pipeline(async |c| history.remove(c, entry.version).await)?;
                    accepted.push((
                        Event::FailedCleared,
                        RepairAction::FailedCleared,
                        format!(
                            "failed run of {} started {} by {} removed; `up` runs it again",
                            entry.name, row.applied_at, row.applied_by
                        ),
                    ));
                }
                (State::Missing, None, Some(row)) if forget_missing => {
                    tx.pipeline(async |c| history.remove(c, entry.version).await)?;
                    accepted.push((
                        Event::MissingForgotten,
                        RepairAction::MissingForgotten,
                        format!(
                            "applied {} by {} (checksum {}), file gone: removed from the history",
                            row.applied_at,
                            row.applied_by,
                            row.checksum.map_or_else(|| "none".into(), |c| c.short())
                        ),
                    ));
                }
                (State::Missing, None, Some(_)) => {
                    missing_left.push(format!("{} {}", entry.version, entry.name));
                }
                _ => {}
            }
            // Each change is logged in schema_events, in the same transaction.
            for (event, action, detail) in accepted {
                history.log_event(&mut tx, entry.version, event, &detail)?;
                changes.push(RepairRow {
                    version: entry.version,
                    name: entry.name.clone(),
                    action,
                    detail,
                });
            }
        }
        if dry_run {
            tx.rollback().map_err(Error::db("ending the dry run"))?;
        } else {
            tx.commit().map_err(Error::db("committing the repair"))?;
        }
    }
    if !changes.is_empty() {
        ctx.note_database(&database);
    }
    ctx.out.repair(&RepairReport {
        database,
        dry_run,
        changes,
        missing_left,
    });
    Ok(())
}

pub fn baseline(ctx: &Context, version: &str) -> Result<()> {
    let baseline = ctx.version(version)?;
    let migrations = ctx.migrations()?;
    // A version no file has is a typo or another branch's: beyond the newest, it would
    // record every migration as applied, those the database lacks too.
    targets::named_migration(&migrations, baseline, &format!("`baseline {version}`"))?;
    let adopted: Vec<&Migration> = migrations
        .iter()
        .filter(|m| m.version <= baseline)
        .collect();
    let (mut db, target) = connect(ctx)?;
    prepare(ctx, &mut db)?;
    let (mut tx, history, applied) = db.begin_locked(async |c, h| h.load_in(c).await)?;
    if !applied.is_empty() {
        return Err(Error::Usage(
            "this database already has a migration history; baseline only adopts a database dbward has never migrated"
                .into(),
        ));
    }
    history.record_as_applied(&mut tx, &adopted, Event::Baseline, |_| {
        format!("recorded as applied by `dbward baseline {version}`")
    })?;
    tx.commit().map_err(Error::db("committing the baseline"))?;
    ctx.out.baseline(&BaselineReport {
        database: target.describe(),
        baseline,
        recorded: adopted.iter().map(|m| m.version).collect(),
    });
    Ok(())
}
