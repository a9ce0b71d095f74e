//! The steps several commands share, so that `ci` and `diff` compose these instead of calling
//! other commands: a throw-away database, migrations applied to a target, a verify report,
//! migrations recorded as applied without running them.

use super::Context;
use crate::config::DatabaseChoice;
use crate::db::history::Event;
use crate::error::{Error, Result};
use crate::local::scratch::ScratchDatabase;
use crate::local::{LOCAL_DATABASE, LocalCluster};
use crate::migrate::model::{Migration, Version};
use crate::migrate::plan::{Allow, DownTarget};
use crate::output::Output;
use crate::report::{SeedReport, VerifyReport};
use crate::secret::Secret;
use crate::verify::checks::{self, CheckContext};
use crate::verify::finding::Severity;
use crate::verify::{self, catalog, probe, spec};

/// A throw-away database on the project's local cluster, and the cluster itself when the
/// command started it (then it stops it again).
pub struct LocalScratch {
    pub database: ScratchDatabase,
    started: Option<LocalCluster>,
}

/// A fresh database on the project's local cluster (started on demand, and said so); the
/// caller ends it with [`LocalScratch::finish`].
pub fn scratch_database(ctx: &Context) -> Result<LocalScratch> {
    let (cluster, running) = ctx.start_local()?;
    let started = running.started.then_some(cluster);
    match ScratchDatabase::create(&running.target.with_database(LOCAL_DATABASE)) {
        Ok(database) => Ok(LocalScratch { database, started }),
        Err(error) => {
            if let Some(cluster) = &started {
                let _ = stop_started(ctx, cluster);
            }
            Err(error)
        }
    }
}

impl LocalScratch {
    /// Drops the database, and stops the cluster when this command started it: a command
    /// that needs a server for a moment leaves none running. One that others use meanwhile
    /// (another `ci`, a psql) is left running for them, and said so.
    pub fn finish(self, ctx: &Context) -> Result<()> {
        let in_use = match &self.started {
            Some(_) => self.database.others_use_the_server(),
            None => Ok(false),
        };
        let dropped = self.database.drop_now();
        if let Some(cluster) = &self.started {
            if in_use? {
                ctx.out.announce(
                    format!(
                        "left dbward's local PostgreSQL running ({}): another command uses it; `dbward local stop` stops it",
                        cluster.data_dir().display()
                    ),
                    serde_json::json!({"event": "local_left_running", "folder": cluster.data_dir()}),
                );
            } else {
                stop_started(ctx, cluster)?;
            }
        }
        dropped
    }
}

fn stop_started(ctx: &Context, cluster: &LocalCluster) -> Result<()> {
    if cluster.stop()? {
        ctx.out.announce(
            format!(
                "stopped dbward's local PostgreSQL again ({}), as this command started it",
                cluster.data_dir().display()
            ),
            serde_json::json!({"event": "local_stopped", "folder": cluster.data_dir()}),
        );
    }
    Ok(())
}

/// The project's settings pointed at another database, printing nothing: the steps run on
/// it are parts of one command, which reports them as a whole.
pub fn context_on(ctx: &Context, url: Secret) -> Context {
    let mut settings = ctx.settings.clone();
    settings.database = DatabaseChoice::Url(url);
    settings.environment = None;
    Context {
        settings,
        out: Output::silent(),
    }
}

/// Applies `migrations` up to `to` (all of them: `None`) as `dbward up` does, one transaction
/// a migration, refusing what `up` refuses by default.
pub fn apply(ctx: &Context, migrations: &[Migration], to: Option<Version>) -> Result<()> {
    super::migrate::up_loaded(ctx, migrations, to, false, false, Allow::default())
}

/// Records the `written` migrations as applied without running them, under the migration
/// lock: the database holds their schema already (`diff --write` proved it).
pub fn record_generated(ctx: &Context, written: &[&Migration]) -> Result<()> {
    let (mut db, _) = super::migrate::connect(ctx)?;
    super::migrate::prepare(ctx, &mut db)?;
    let (mut tx, history, applied) = db.begin_locked(async |c, h| h.load_in(c).await)?;
    let new: Vec<&Migration> = written
        .iter()
        .copied()
        .filter(|m| !applied.iter().any(|a| a.version == m.version))
        .collect();
    history.record_as_applied(&mut tx, &new, Event::Generated, |_| {
        "recorded as applied by `dbward diff --write`, which wrote it from this database's schema"
            .to_string()
    })?;
    tx.commit()
        .map_err(Error::db("recording the written migrations"))
}

/// dbward's tables and the compat shim, no migration: the empty state `ci` returns to.
pub fn prepare_empty(ctx: &Context) -> Result<()> {
    let (mut db, _) = super::migrate::connect(ctx)?;
    super::migrate::prepare(ctx, &mut db)
}

/// Rolls back the applied migrations `target` names, as `dbward down` does.
pub fn roll_back(ctx: &Context, migrations: &[Migration], target: DownTarget) -> Result<()> {
    super::migrate::down_loaded(ctx, migrations, target, false)
}

/// Every fixture, as `dbward seed` does, protected environment or not: the target is one
/// the calling command made or was given to throw away.
pub fn seed(ctx: &Context) -> Result<SeedReport> {
    super::seed::apply(ctx, &[], true)
}

/// The checks, the spec (when the project has one) and, if asked, the probes, run on the
/// catalog of the configured database; `failed` says whether a finding at `fail_on` or above
/// is left unaccepted.
pub fn verify_report(ctx: &Context, with_probes: bool, fail_on: Severity) -> Result<VerifyReport> {
    let settings = &ctx.settings.verify;
    let (mut client, target) = ctx.connect()?;
    let snapshot = catalog::load(&mut client, &settings.schemas, ctx.settings.wait_for_lock)?;
    let context = CheckContext::new(&snapshot, &settings.owners);
    let mut findings = checks::run(&snapshot, &context);
    let spec_path = match std::fs::read_to_string(&settings.spec) {
        Ok(text) => {
            let expected = spec::parse(&text).map_err(|message| Error::Config {
                path: settings.spec.clone(),
                message,
            })?;
            findings.extend(spec::compare(&expected, &snapshot));
            Some(settings.spec.display().to_string())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(Error::io(&settings.spec)(e)),
    };
    let mut probes = Vec::new();
    let mut coverage = None;
    if with_probes {
        let timeouts = settings.probe_timeouts().map_err(Error::Usage)?;
        let run = probe::run(&mut client, &snapshot, &context, timeouts)?;
        findings.extend(run.findings);
        probes = run.results;
        coverage = Some(run.coverage);
    }
    verify::apply_acceptances(&mut findings, &settings.accept);
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.object.cmp(&b.object))
            .then_with(|| a.check.cmp(b.check))
    });
    let failed = verify::fails(&findings, fail_on);
    Ok(VerifyReport {
        database: target.describe(),
        schemas: settings.schemas.clone(),
        tables: snapshot.tables.len(),
        spec: spec_path,
        findings,
        probes,
        coverage,
        fail_on,
        failed,
    })
}

/// Writes a file that must not exist yet (`new`'s migrations, `init`'s dbward.toml),
/// making its folder first: an existing file is an error, never overwritten.
pub fn write_new_file(path: &std::path::Path, content: &str) -> Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(Error::io(dir))?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(Error::io(path))?;
    file.write_all(content.as_bytes()).map_err(Error::io(path))
}
