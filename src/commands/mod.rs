//! Each command: load what it needs, call the pure and database layers, hand a report to
//! `output`. Errors go back to `main`.

mod adopt;
mod check;
mod ci;
mod diff;
mod init;
mod job;
mod local;
mod migrate;
mod new;
mod operations;
mod seed;
mod shell_help;
mod verify;

use std::time::{Duration, Instant};

use crate::cli::{Cli, Command};
use crate::config::{DatabaseChoice, Settings};
use crate::db::connect::Target;
use crate::db::session::Session;
use crate::error::{Error, Result};
use crate::local::{LocalCluster, Running};
use crate::migrate::model::Migration;
use crate::migrate::model::Version;
use crate::migrate::source;
use crate::output::Output;

/// What every command works with.
pub struct Context {
    pub settings: Settings,
    pub out: Output,
}

impl Context {
    /// The configured database; with none configured, the local cluster (started on demand).
    pub fn target(&self) -> Result<Target> {
        Ok(self.target_timed()?.0)
    }

    /// The target, and how long starting the local cluster took when this call started it.
    fn target_timed(&self) -> Result<(Target, Option<Duration>)> {
        match &self.settings.database {
            DatabaseChoice::Url(url) => {
                Ok((Target::parse(url.expose(), &self.settings.pg_env)?, None))
            }
            DatabaseChoice::Environment => Ok((Target::from_env(&self.settings.pg_env)?, None)),
            DatabaseChoice::Local => {
                let starting = Instant::now();
                let (_, running) = self.start_local()?;
                let started = running.started.then(|| starting.elapsed());
                Ok((running.target, started))
            }
        }
    }

    /// The project's local cluster, made and started when needed; every start is said on
    /// stderr, even with --quiet: no server should run unannounced.
    pub fn start_local(&self) -> Result<(LocalCluster, Running)> {
        let running = LocalCluster::for_project(&self.settings.project_root).start()?;
        // Read again: the first start settles where the data is kept.
        let cluster = LocalCluster::for_project(&self.settings.project_root);
        if let Some(user) = &running.created_user {
            self.out.announce(
                format!("made the system user `{user}` to run the local PostgreSQL as"),
                serde_json::json!({"event": "local_user_created", "user": user}),
            );
        }
        if running.started {
            self.out.announce(
                format!(
                    "started dbward's local PostgreSQL ({}, {}); `dbward local stop` stops it",
                    cluster.data_dir().display(),
                    running.target.describe()
                ),
                serde_json::json!({
                    "event": "local_started",
                    "folder": cluster.data_dir(),
                    "database": running.target.describe(),
                }),
            );
        }
        Ok((cluster, running))
    }

    /// Names the database on stderr, for the outputs that do not end with it.
    pub fn note_database(&self, database: &str) {
        self.out.note(&format!("database: {database}"));
    }

    pub fn connect(&self) -> Result<(Session, Target)> {
        let (session, target, _) = self.connect_timed()?;
        Ok((session, target))
    }

    /// As `connect`, with the time spent starting the local cluster when it was started,
    /// so a command's own time can be told apart from it.
    pub fn connect_timed(&self) -> Result<(Session, Target, Option<Duration>)> {
        let (target, started) = self.target_timed()?;
        let client = target.connect()?;
        Ok((client, target, started))
    }

    /// The project's migrations, or every problem with the files (before any connection).
    pub fn migrations(&self) -> Result<Vec<Migration>> {
        source::load(&self.settings.dirs, source::Depth::Full).map_err(Error::Files)
    }

    /// A version given on the command line or in dbward.toml, read as the project's files
    /// write versions.
    pub fn version(&self, text: &str) -> Result<Version> {
        let layout = self.settings.dirs.layout;
        layout.parse_version(text).map_err(|reason| {
            Error::Usage(format!(
                "`{text}` is not a version of this project's {} layout: {reason}",
                layout.name()
            ))
        })
    }

    /// The migrations folder by name only (bad names and duplicate numbers refused), none
    /// opened: what must hold before dbward connects.
    pub fn migration_names(&self) -> Result<source::Migrations> {
        let (migrations, mut problems) =
            source::list_migrations(self.settings.dirs.layout, &self.settings.dirs.migrations);
        problems.splice(0..0, self.settings.dirs.missing());
        if problems.is_empty() {
            Ok(migrations)
        } else {
            Err(Error::Files(problems))
        }
    }
}

pub fn run(cli: Cli) -> Result<()> {
    // The one command that needs no project: it starts one.
    if let Command::Init { layout } = &cli.command {
        let out = Output::new(cli.global.output.format, cli.global.output.quiet);
        return init::run(
            cli.global.paths.project_dir.as_deref(),
            layout.as_deref(),
            &out,
        );
    }
    // Nor do these: they describe dbward itself.
    let out = Output::new(cli.global.output.format, cli.global.output.quiet);
    match &cli.command {
        Command::Completions { shell } => {
            out.generated(&shell_help::completions(*shell));
            return Ok(());
        }
        Command::Man { dir: Some(dir) } => {
            out.man_pages(&shell_help::write_man_pages(dir)?);
            return Ok(());
        }
        Command::Man { dir: None } => {
            out.generated(&shell_help::man_page()?);
            return Ok(());
        }
        _ => {}
    }
    let settings = Settings::resolve(&cli.global)?;
    let out = Output::new(settings.format, settings.quiet);
    if settings.found_levels_up > 0 {
        out.note(&format!(
            "project: {} ({} layout)",
            settings.project_root.display(),
            settings.dirs.layout.name()
        ));
    }
    for message in &settings.passed_over {
        out.note(message);
    }
    let ctx = Context { settings, out };
    match cli.command {
        Command::New { name } => new::run(&ctx, &name),
        Command::Status { exit_code } => migrate::status(&ctx, exit_code),
        Command::Up {
            to,
            dry_run,
            single_transaction,
            allow,
        } => migrate::up(
            &ctx,
            to.as_deref(),
            dry_run,
            single_transaction,
            allow.into(),
        ),
        Command::Down {
            steps,
            to,
            all,
            dry_run,
        } => migrate::down(&ctx, steps, to.as_deref(), all, dry_run),
        Command::Redo { dry_run } => migrate::redo(&ctx, dry_run),
        Command::Validate { allow } => migrate::validate(&ctx, allow.into()),
        Command::Repair {
            dry_run,
            forget_missing,
        } => migrate::repair(&ctx, dry_run, forget_missing),
        Command::Baseline { version } => migrate::baseline(&ctx, &version),
        Command::Adopt { from, dry_run } => adopt::run(&ctx, from.map(Into::into), dry_run),
        Command::Seed {
            only,
            allow_protected,
        } => seed::run(&ctx, &only, allow_protected),
        Command::Verify {
            probe,
            fail_on,
            write_spec,
            force,
        } => verify::run(&ctx, probe, fail_on, write_spec, force),
        Command::Job { action } => job::run(&ctx, action),
        Command::Check { since, fail_on } => check::run(&ctx, since.as_deref(), fail_on),
        Command::Ci {
            junit,
            require_rollbacks,
            fail_on,
        } => ci::run(&ctx, junit.as_deref(), require_rollbacks, fail_on),
        Command::Diff {
            write: Some(name),
            from,
            dry_run,
        } => diff::write::run(
            &ctx,
            &diff::write::WriteRequest {
                name: &name,
                from: from.as_deref(),
                dry_run,
            },
        ),
        Command::Diff { write: None, .. } => diff::run(&ctx),
        Command::Local { action } => local::run(&ctx, action),
        Command::Init { .. } | Command::Completions { .. } | Command::Man { .. } => {
            unreachable!("run before the project is read")
        }
    }
}

/// A command hears of waits through its output.
impl crate::db::waiting::Observer for Output {
    fn waiting_for_lock(&self, holder: &crate::error::LockHolder) {
        Output::waiting_for_lock(self, holder);
    }

    fn waiting_for_migration(
        &self,
        version: crate::migrate::model::Version,
        holder: &crate::error::LockHolder,
    ) {
        Output::waiting_for_migration(self, version, holder);
    }

    fn retrying_after_lock_timeout(
        &self,
        version: crate::migrate::model::Version,
        blockers: &crate::db::table_locks::LockBlockers,
        retry: u32,
        retries: u32,
        pause: std::time::Duration,
    ) {
        Output::retrying_after_lock_timeout(self, version, blockers, retry, retries, pause);
    }
}

impl From<crate::cli::ToolArg> for crate::migrate::foreign::Tool {
    fn from(arg: crate::cli::ToolArg) -> Self {
        use crate::cli::ToolArg;
        use crate::migrate::foreign::Tool;
        match arg {
            ToolArg::Sqlx => Tool::Sqlx,
            ToolArg::Refinery => Tool::Refinery,
            ToolArg::GolangMigrate => Tool::GolangMigrate,
            ToolArg::Dbmate => Tool::Dbmate,
            ToolArg::Flyway => Tool::Flyway,
            ToolArg::Supabase => Tool::Supabase,
            ToolArg::Goose => Tool::Goose,
        }
    }
}

impl From<crate::cli::AllowArgs> for crate::migrate::plan::Allow {
    fn from(args: crate::cli::AllowArgs) -> Self {
        crate::migrate::plan::Allow {
            modified: args.allow_modified,
            missing: args.allow_missing,
            out_of_order: args.allow_out_of_order,
        }
    }
}
