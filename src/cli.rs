//! The command line: commands, and the argument groups they share.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::secret::Secret;

#[derive(Debug, Parser)]
#[command(
    name = "dbward",
    version,
    about = "Keeps a PostgreSQL database (plain or Supabase) in the shape its project says.",
    long_about = "Keeps a PostgreSQL database (plain or Supabase) in the shape its project says: \
numbered migrations up and down with checksums and an advisory lock, fixtures, verification \
of tables and Row Level Security, and maintenance jobs for cron.\n\n\
With no database configured (no --database-url, DATABASE_URL, PGHOST/PGDATABASE or \
database_url in dbward.toml), dbward starts a PostgreSQL of its own under .dbward/.",
    after_help = "Exit codes: 0 done, 1 the work failed, 2 bad invocation or input files, 3 a check found problems.\n\n\
Examples:\n  dbward new add_invoices\n  dbward up\n  dbward status\n  dbward down --steps 1\n  \
dbward ci --junit dbward-ci.xml\n  dbward job run --schedule daily\n  \
dbward --database-url postgres://app@db.example.com/app?sslmode=verify-full up --dry-run"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct Global {
    #[command(flatten)]
    pub connection: ConnectionArgs,
    #[command(flatten)]
    pub paths: PathArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Connection")]
pub struct ConnectionArgs {
    /// postgres:// URL or libpq key=value string; sslmode may be disable, prefer, require,
    /// verify-ca or verify-full. Without a password, PGPASSWORD, then PGPASSFILE or
    /// ~/.pgpass, give it. Without it, DATABASE_URL (which --env NAME overrides)
    #[arg(long, global = true)]
    pub database_url: Option<Secret>,
    /// Use the database of `[environments.NAME]` in dbward.toml, over DATABASE_URL and PG*
    #[arg(long, global = true, env = "DBWARD_ENV", value_name = "NAME")]
    pub env: Option<String>,
    /// How long to wait for another runner's migration lock, or for a lock verify's catalog
    /// read needs, before giving up [default: 60s]
    #[arg(
        long,
        global = true,
        env = "DBWARD_WAIT_FOR_LOCK",
        value_name = "DURATION"
    )]
    pub wait_for_lock: Option<String>,
    /// How long a migration's statement may wait for a table lock (then its transaction is
    /// rolled back and tried again); `off` for no limit [default: 5s]
    #[arg(
        long,
        global = true,
        env = "DBWARD_LOCK_TIMEOUT",
        value_name = "DURATION"
    )]
    pub lock_timeout: Option<String>,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Project")]
pub struct PathArgs {
    /// The project folder, holding dbward.toml or migrations [default: the nearest folder,
    /// from the current one upward, that holds one]
    #[arg(short = 'C', long, global = true, value_name = "DIR")]
    pub project_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Output")]
pub struct OutputArgs {
    /// table for people, json for machines (one document on stdout)
    #[arg(long, global = true, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Print nothing but errors and the final result
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Info,
    Warning,
    Error,
}

/// A migration tool whose history `adopt` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ToolArg {
    Sqlx,
    Refinery,
    GolangMigrate,
    Dbmate,
    Flyway,
    Supabase,
    Goose,
}

#[derive(Debug, Args, Default)]
pub struct AllowArgs {
    /// Go on although an applied migration's file changed since
    #[arg(long)]
    pub allow_modified: bool,
    /// Go on although an applied migration's file is gone
    #[arg(long)]
    pub allow_missing: bool,
    /// Apply pending migrations numbered below the newest applied one
    #[arg(long)]
    pub allow_out_of_order: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start a project here: write dbward.toml naming the layout of the migrations found
    #[command(
        after_help = "In a folder with no migrations, also creates migrations/ and rollbacks/. Refuses to overwrite a dbward.toml. When the files fit several layouts, writes nothing and lists them: choose with --layout.\n\nExamples:\n  dbward init\n  dbward init --layout golang-migrate"
    )]
    Init {
        /// The layout to name: dbward, sqlx, golang-migrate, goose, dbmate, flyway (or refinery), supabase
        #[arg(long, value_name = "NAME")]
        layout: Option<String>,
    },
    /// Create the next migration (and its rollback) named as the project's layout names them
    #[command(
        after_help = "Example:\n  dbward new add_invoices   # migrations/004_add_invoices.sql + rollbacks/004_add_invoices.sql"
    )]
    New {
        /// Name of the change: letters, digits, `_` and `-` (spaces become `_`)
        name: String,
    },
    /// List every migration with its state, when it was applied and how long it took
    #[command(
        after_help = "States: applied, pending, pending (out of order), modified (the file changed since), missing (the file is gone), failed (a no-transaction migration that did not finish), applying (one, or its rollback, that another runner is running now).\n\nThe rollback column says yes, none, or edited: the rollback changed since its migration was applied (a warning names it; `dbward repair` records it).\n\nExample:\n  dbward status --exit-code   # exit 3 when anything is pending"
    )]
    Status {
        /// Exit with code 3 when migrations are pending
        #[arg(long)]
        exit_code: bool,
    },
    /// Apply pending migrations in order
    #[command(
        after_help = "Examples:\n  dbward up\n  dbward up --to 12 --dry-run\n  dbward up --single-transaction"
    )]
    Up {
        /// Apply migrations up to and including this version, as the files write it (12,
        /// 20240101120000, 1.1)
        #[arg(long, value_name = "VERSION")]
        to: Option<String>,
        /// Print what would run and change nothing
        #[arg(long)]
        dry_run: bool,
        /// Apply all pending migrations in one transaction: all or nothing
        #[arg(long)]
        single_transaction: bool,
        #[command(flatten)]
        allow: AllowArgs,
    },
    /// Run rollbacks, newest first (one step by default)
    #[command(
        after_help = "Examples:\n  dbward down\n  dbward down --steps 3\n  dbward down --to 12\n  dbward down --all   # everything"
    )]
    Down {
        /// How many applied migrations to roll back
        #[arg(long, value_name = "K", conflicts_with_all = ["to", "all"])]
        steps: Option<usize>,
        /// Roll back every migration above this version (0 for all, in layouts where no
        /// migration is numbered 0)
        #[arg(long, value_name = "VERSION", conflicts_with = "all")]
        to: Option<String>,
        /// Roll back every applied migration
        #[arg(long)]
        all: bool,
        /// Print what would run and change nothing
        #[arg(long)]
        dry_run: bool,
    },
    /// Roll back the newest migration and apply it again
    #[command(after_help = "Example:\n  dbward redo   # while writing a migration")]
    Redo {
        /// Print what would run and change nothing
        #[arg(long)]
        dry_run: bool,
    },
    /// Check that the database and the files agree; exit 3 when they do not
    #[command(after_help = "Example:\n  dbward validate --allow-out-of-order")]
    Validate {
        #[command(flatten)]
        allow: AllowArgs,
    },
    /// Accept edited migrations' and rollbacks' new checksums and clear failed no-transaction
    /// migrations; with --forget-missing, forget applied migrations whose files are gone
    #[command(
        after_help = "A no-transaction migration another runner is still applying is not a failure: repair refuses to run (exit 3) until it is done.\n\nExamples:\n  dbward repair --dry-run\n  dbward repair --forget-missing   # a deleted migration, accepted for good"
    )]
    Repair {
        /// Print what would change and change nothing
        #[arg(long)]
        dry_run: bool,
        /// Remove from the history the applied migrations whose files are gone, so that
        /// later runs need no --allow-missing (each one recorded in schema_events)
        #[arg(long)]
        forget_missing: bool,
    },
    /// Adopt an existing database as having every migration up to N applied
    #[command(
        after_help = "Example:\n  dbward baseline 8   # the schema of 001..008 is already there"
    )]
    Baseline {
        /// The newest migration the database already has, as its file writes it
        version: String,
    },
    /// Take over a database another tool migrated: record as applied what its history says
    /// it applied, after checking each against its file
    #[command(
        after_help = "Reads the history table of sqlx (_sqlx_migrations), refinery (refinery_schema_history), golang-migrate or dbmate (schema_migrations), Flyway (flyway_schema_history), the Supabase CLI (supabase_migrations.schema_migrations) or goose (goose_db_version), and leaves it as it was. Each applied version must have its file, unchanged where the tool keeps a checksum (sqlx, refinery, Flyway); a run the tool marks dirty or failed is refused. Nothing is recorded unless everything agrees (exit 3 naming each case). `dbward up` then applies only what the tool had not.\n\nExamples:\n  dbward adopt --dry-run\n  dbward adopt\n  dbward adopt --from flyway   # when the database holds two tools' histories"
    )]
    Adopt {
        /// The tool whose history to adopt, when the database holds more than one
        #[arg(long, value_enum, value_name = "TOOL")]
        from: Option<ToolArg>,
        /// Print what would be recorded and record nothing
        #[arg(long)]
        dry_run: bool,
    },
    /// Load the fixtures (fixtures/NNN_name.sql, or a Supabase project's seed files) in order, in
    /// one transaction
    #[command(
        after_help = "Examples:\n  dbward seed\n  dbward seed --only demo_users\n  dbward --env staging seed --allow-protected"
    )]
    Seed {
        /// Only these fixtures: a name (demo_users), a file stem (002_demo_users) or a number
        #[arg(long, value_name = "NAME")]
        only: Vec<String>,
        /// Seed an environment marked `protected = true` in dbward.toml anyway
        #[arg(long)]
        allow_protected: bool,
    },
    /// Check the files and lint the migrations with squawk; needs no database
    #[command(
        after_help = "Examples:\n  dbward check\n  dbward check --since 12   # 001-012 already ran in production\n  # per statement: -- squawk-ignore require-concurrent-index-creation"
    )]
    Check {
        /// Lint only migrations numbered above N
        #[arg(long, value_name = "N")]
        since: Option<String>,
        /// Exit 3 on hazards (error, the default) or on advice too (warning); also
        /// `[check] fail_on`
        #[arg(long, value_enum)]
        fail_on: Option<crate::migrate::lint::Level>,
    },
    /// Everything a pull request needs on a throw-away database: check, up, seed, verify
    /// with probes, down (each rollback the exact reverse of its migration), up again (the
    /// same catalog)
    #[command(
        long_about = "Everything a pull request needs on a throw-away database: check, up, seed, verify with probes, down (each rollback the exact reverse of its migration), up again (the same catalog).\n\nThe round trip (down and up again) covers the newest migrations that have a rollback: down stops at the newest one without, and the step names how many have none. A forward-only project (no rollbacks) passes with a round trip over none. --require-rollbacks, or `[ci] require_rollbacks = true` in dbward.toml, fails the down step on a missing rollback instead (exit 2).\n\nWithout --database-url, ci makes a database on dbward's local PostgreSQL and drops it afterwards. A database given with --database-url must be empty: ci applies, seeds and rolls back migrations there, so it refuses (exit 2) a database holding a table, view, sequence, function or type outside the system's and Supabase's own schemas, or a dbward history with a migration in it.",
        after_help = "Examples:\n  dbward ci\n  dbward ci --require-rollbacks\n  dbward ci --junit target/dbward-ci.xml --format json\n  dbward ci --database-url postgres://postgres@localhost:5432/empty_ci_db"
    )]
    Ci {
        /// Also write the steps as a JUnit XML report to FILE
        #[arg(long, value_name = "FILE")]
        junit: Option<PathBuf>,
        /// Fail when a migration has no rollback, instead of leaving it out of the round
        /// trip (also `[ci] require_rollbacks = true`)
        #[arg(long)]
        require_rollbacks: bool,
        /// The check step fails on hazards (error, the default) or on advice too (warning);
        /// also `[check] fail_on`
        #[arg(long, value_enum)]
        fail_on: Option<crate::migrate::lint::Level>,
    },
    /// Compare a live database with its migrations applied to a throw-away one, or write
    /// the migration (and rollback) that takes the migrations' schema to it
    #[command(
        long_about = "Compare a live database with its migrations applied to a throw-away one (exit 3 on drift), or, with --write NAME, write the next migration and its rollback.\n\nWith --write, the migration takes the schema the migrations build to the live database's (the local one when none is configured), or, with --from DIR, to the schema the .sql files of DIR declare. Both files are proven before they are written: on a throw-away database holding the migrations' schema, the migration must give the target's catalog exactly, and the rollback the migrations' back. When either differs, nothing is written and the objects that differ are named (exit 1). On tables that exist already, indexes are built CONCURRENTLY, and new checks, foreign keys and NOT NULL are validated, in a second migration of its own that runs outside a transaction; every hazard left (a drop, a rewrite, a long lock) is written as a comment above its statement and printed. Written from a live database, the files are recorded as applied there, since it holds their schema already (not with --from or --dry-run). A live database that lacks some of the project's migrations is refused (exit 2).",
        after_help = "Examples:\n  dbward diff --database-url \"$PROD_DATABASE_URL\"   # exit 3 on drift\n  dbward diff --write add_invoices   # from the local database\n  dbward diff --from schema/ --write init --dry-run   # print, write nothing"
    )]
    Diff {
        /// Write the migration and its rollback that take the migrations' schema to the
        /// target's, named NAME, after proving them
        #[arg(long, value_name = "NAME")]
        write: Option<String>,
        /// With --write: the target is the schema the .sql files of DIR declare (run in name
        /// order on a throw-away database), not a live database
        #[arg(long, value_name = "DIR", requires = "write")]
        from: Option<PathBuf>,
        /// With --write: print both files instead of writing them
        #[arg(long, requires = "write")]
        dry_run: bool,
    },
    /// Check tables and Row Level Security: the spec, the classic RLS mistakes, and (with
    /// --probe) whether one user can reach another's rows
    #[command(
        after_help = "Examples:\n  dbward verify\n  dbward verify --probe --fail-on warning\n  dbward verify --write-spec   # dbward.spec.toml from this database\n  dbward verify --write-spec --force   # replace it"
    )]
    Verify {
        /// Impersonate users found in the data (as PostgREST does) and count the rows of
        /// others they can select, update or delete; all rolled back
        #[arg(long)]
        probe: bool,
        /// Exit 3 when a finding at or above this severity is not accepted
        #[arg(long, value_enum, default_value_t = FailOn::Error)]
        fail_on: FailOn,
        /// Write the spec file from this database instead of checking
        #[arg(long)]
        write_spec: bool,
        /// With --write-spec: replace a spec file that exists
        #[arg(long, requires = "write_spec")]
        force: bool,
    },
    /// Maintenance jobs declared in dbward.toml, for cron: list, run, history
    #[command(
        after_help = "Examples:\n  dbward job list\n  dbward job run --schedule daily   # from cron\n  dbward job run usage_records_retention --dry-run\n  dbward job history usage_records_retention"
    )]
    Job {
        #[command(subcommand)]
        action: JobAction,
    },
    /// Manage dbward's own local PostgreSQL under .dbward/
    #[command(
        after_help = "Examples:\n  dbward local start\n  PGPASSWORD=\"$(cat .dbward/password)\" psql \"$(dbward local url)\"\n  dbward local destroy"
    )]
    Local {
        #[command(subcommand)]
        action: LocalAction,
    },
    /// Print the completion script for a shell: bash, zsh, fish, powershell or elvish
    #[command(
        after_help = "Needs no project or database. Examples:\n  dbward completions bash > ~/.local/share/bash-completion/completions/dbward\n  dbward completions zsh > ~/.zfunc/_dbward      # with fpath+=(~/.zfunc) before compinit\n  dbward completions fish > ~/.config/fish/completions/dbward.fish"
    )]
    Completions {
        /// The shell to complete in
        shell: clap_complete::Shell,
    },
    /// Print dbward's man page, or write a page for dbward and each of its commands into a folder
    #[command(
        after_help = "Needs no project or database. Examples:\n  dbward man | man -l -\n  dbward man --dir ~/.local/share/man/man1   # dbward.1, dbward-up.1, ..."
    )]
    Man {
        /// Write dbward.1 and one page per command (dbward-up.1, ...) into this folder
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Subcommand)]
pub enum JobAction {
    /// The declared jobs, their kind and schedule
    List,
    /// Run jobs by name or by schedule tag; each holds its own lock, a second run skips
    #[command(
        after_help = "Examples:\n  dbward job run --schedule daily\n  dbward job run reset_expired_quotas usage_records_retention -v\n  dbward job run usage_records_retention --dry-run"
    )]
    Run {
        /// Jobs to run, by name
        names: Vec<String>,
        /// Run every job with this schedule tag (hourly, daily, weekly, ...)
        #[arg(long, value_name = "TAG")]
        schedule: Option<String>,
        /// Count what would change and change nothing
        #[arg(long)]
        dry_run: bool,
        /// Print a summary on success too (by default success is quiet)
        #[arg(short, long)]
        verbose: bool,
    },
    /// Past runs, newest first
    History {
        /// Only this job's runs
        name: Option<String>,
        /// How many runs to show
        #[arg(long, default_value_t = 20)]
        limit: i64,
    },
}

#[derive(Debug, Clone, Copy, Subcommand)]
pub enum LocalAction {
    /// Create the cluster if needed and start it
    Start,
    /// Stop the server (the data stays)
    Stop,
    /// Say whether it exists and runs
    Status,
    /// Print its URL for applications (TCP; the password is in .dbward/password)
    Url,
    /// Stop it and delete .dbward/ with all its data
    Destroy,
}
