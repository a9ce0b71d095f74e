//! Shared by the integration tests: one real PostgreSQL cluster per test binary (made with
//! dbward's own local-cluster code), one fresh database per test, and a way to run the real
//! `dbward` binary in a scratch project. No mocks; no skipping when the server is missing.
#![allow(dead_code)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use dbward::local::{Durability, LocalCluster};

/// The five seed systems' project folders, relative to the repository.
pub const SEED_SYSTEMS: [&str; 5] = [
    ".",
    "examples/mirai",
    "examples/mindroom",
    "examples/subtle",
    "examples/dalsiai",
];

pub struct Cluster {
    pub root: PathBuf,
    pub port: u16,
    /// The `postgres` role's password over TCP (the socket in `cluster/run` needs none).
    pub password: String,
}

impl Cluster {
    /// The cluster's `postgres` database over TCP, password included.
    pub fn admin_url(&self) -> String {
        format!(
            "postgres://postgres:{}@127.0.0.1:{}/postgres",
            self.password, self.port
        )
    }
}

static CLUSTER: OnceLock<Cluster> = OnceLock::new();

/// The cluster of this test binary, started on first use and stopped when the binary exits.
pub fn cluster() -> &'static Cluster {
    CLUSTER.get_or_init(|| {
        let root = std::env::temp_dir().join(format!(
            "dbward-test-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        std::fs::create_dir_all(&root).unwrap();
        // The server may run as another user (we may be root): let it through.
        std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755)).unwrap();
        let local = LocalCluster::in_folder(root.join("cluster"), Durability::Throwaway);
        let running = local
            .start()
            .unwrap_or_else(|e| panic!("the tests need PostgreSQL and could not start it: {e}"));
        let password = local.password().unwrap();
        // A watchdog stops the server and removes its files once this process is gone,
        // however it ends. It outlives us on purpose, so it is never waited for.
        let pid_file = root.join("cluster/data/postmaster.pid");
        #[allow(clippy::zombie_processes)]
        Command::new("sh")
            .arg("-c")
            .arg(format!(
                "while kill -0 {me} 2>/dev/null; do sleep 1; done; \
                 kill -QUIT $(head -1 '{pid}') 2>/dev/null; sleep 2; rm -rf '{root}'",
                me = std::process::id(),
                pid = pid_file.display(),
                root = root.display()
            ))
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        Cluster {
            root,
            port: running.port,
            password,
        }
    })
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A fresh, empty database on the test cluster.
pub struct TestDb {
    pub name: String,
    pub port: u16,
    /// The cluster's password for `postgres` over TCP.
    pub password: String,
}

impl TestDb {
    pub fn new() -> TestDb {
        let cluster = cluster();
        let name = format!(
            "t{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        let mut admin = postgres::Client::connect(&cluster.admin_url(), postgres::NoTls).unwrap();
        admin
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .unwrap();
        TestDb {
            name,
            port: cluster.port,
            password: cluster.password.clone(),
        }
    }

    /// Over TCP as `postgres`, with the cluster's password.
    pub fn url(&self) -> String {
        format!(
            "postgres://postgres:{}@127.0.0.1:{}/{}",
            self.password, self.port, self.name
        )
    }

    /// A client of the tests' own (the `postgres` crate), independent of dbward's session.
    pub fn client(&self) -> postgres::Client {
        postgres::Client::connect(&self.url(), postgres::NoTls).unwrap()
    }

    /// The first column of the first row, as text (NULL as "").
    pub fn scalar(&self, sql: &str) -> String {
        let mut client = self.client();
        let rows = client.simple_query(sql).unwrap();
        rows.iter()
            .find_map(|m| match m {
                postgres::SimpleQueryMessage::Row(row) => {
                    Some(row.get(0).unwrap_or("").to_string())
                }
                _ => None,
            })
            .unwrap_or_default()
    }

    pub fn table_exists(&self, name: &str) -> bool {
        self.scalar(&format!("SELECT to_regclass('{name}') IS NOT NULL")) == "t"
    }
}

/// A scratch project folder.
pub struct Project {
    pub dir: tempfile::TempDir,
}

/// What a run of the binary gave.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn from(output: Output) -> Run {
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}): {self:?}"))
    }

    /// `KIND NAME` of each difference `diff --format json` reported.
    pub fn differences(&self) -> Vec<String> {
        self.json()["differences"]
            .as_array()
            .unwrap_or_else(|| panic!("no differences: {self:?}"))
            .iter()
            .map(|d| {
                format!(
                    "{} {}",
                    d["kind"].as_str().unwrap(),
                    d["name"].as_str().unwrap()
                )
            })
            .collect()
    }

    /// `VERSION:OUTCOME` of each step of a run made with `--format json`.
    pub fn step_outcomes(&self) -> Vec<String> {
        self.json()["steps"]
            .as_array()
            .unwrap_or_else(|| panic!("no steps: {self:?}"))
            .iter()
            .map(|s| format!("{}:{}", s["version"], s["outcome"].as_str().unwrap()))
            .collect()
    }
}

impl Project {
    pub fn new() -> Project {
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        Project { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, relative: &str, content: impl AsRef<[u8]>) -> &Project {
        let path = self.dir.path().join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
        self
    }

    /// A migration with its rollback.
    pub fn migration(&self, file: &str, up: &str, down: &str) -> &Project {
        self.write(&format!("migrations/{file}"), up);
        self.write(&format!("rollbacks/{file}"), down)
    }

    pub fn remove(&self, relative: &str) {
        std::fs::remove_file(self.dir.path().join(relative)).unwrap();
    }

    /// `dbward` in this project, with a clean environment (no DATABASE_URL or PG* leaking in).
    pub fn command(&self, args: &[&str]) -> Command {
        self.command_of(Path::new(env!("CARGO_BIN_EXE_dbward")), args)
    }

    /// The same, with another copy of the binary.
    pub fn command_of(&self, program: &Path, args: &[&str]) -> Command {
        let mut command = Command::new(program);
        command.current_dir(self.dir.path()).args(args);
        for (key, _) in std::env::vars() {
            if key.starts_with("PG")
                || key == "DATABASE_URL"
                || key.starts_with("DBWARD_")
                // Tables are laid out for no width unless a test sets one.
                || key == "COLUMNS"
            {
                command.env_remove(key);
            }
        }
        command
    }

    pub fn run(&self, args: &[&str]) -> Run {
        Run::from(self.command(args).output().unwrap())
    }

    /// `count` runs of `dbward ARGS` against `url`, started at the same moment; asserts
    /// that every one exits 0 and returns what each gave.
    pub fn race(&self, url: &str, args: &[&str], count: usize) -> Vec<Run> {
        let children: Vec<_> = (0..count)
            .map(|_| {
                self.command(args)
                    .env("DATABASE_URL", url)
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let runs: Vec<Run> = children
            .into_iter()
            .map(|child| Run::from(child.wait_with_output().unwrap()))
            .collect();
        for run in &runs {
            assert_code(run, 0);
        }
        runs
    }

    /// `dbward` against a test database.
    pub fn dbward(&self, db: &TestDb, args: &[&str]) -> Run {
        Run::from(
            self.command(args)
                .env("DATABASE_URL", db.url())
                .output()
                .unwrap(),
        )
    }
}

impl Project {
    /// `dbward -C DIR ...` against a test database, DIR relative to the repository: the
    /// seed systems are run from where they live.
    pub fn dbward_in(&self, db: &TestDb, dir: &str, args: &[&str]) -> Run {
        let dir = format!("{}/{dir}", env!("CARGO_MANIFEST_DIR"));
        let mut all = vec!["-C", dir.as_str()];
        all.extend_from_slice(args);
        self.dbward(db, &all)
    }

    /// COUNT migrations, each logging its number in `applied_log`, so a double application
    /// shows.
    pub fn logging(count: u32) -> Project {
        let project = Project::new();
        project.migration(
            "001_log.sql",
            "create table applied_log (version int not null);\ninsert into applied_log values (1);",
            "drop table applied_log;",
        );
        for v in 2..=count {
            project.migration(
                &format!("{v:03}_t{v}.sql"),
                &format!("create table t{v} (id int);\ninsert into applied_log values ({v});\nselect pg_sleep(0.02);"),
                &format!("drop table t{v};"),
            );
        }
        project
    }
}

impl Project {
    /// Thirty migrations of which three (8, 17, 26) run outside a transaction, each logging
    /// its number in `applied_log`.
    pub fn thirty_with_three_no_transaction() -> Project {
        let project = Project::logging(30);
        for v in [8, 17, 26] {
            project.migration(
                &format!("{v:03}_t{v}.sql"),
                &format!(
                    "-- dbward:no-transaction\ncreate table t{v} (id int);\ncreate index concurrently t{v}_id on t{v} (id);\ninsert into applied_log values ({v});\nselect pg_sleep(0.05);"
                ),
                &format!("drop table t{v};"),
            );
        }
        project
    }
}

impl Project {
    /// Sixteen runners of `up` at once against `db` (by way of `url`), on
    /// [`Project::thirty_with_three_no_transaction`]: every runner exits 0, and every
    /// migration ran once and succeeded.
    pub fn race_thirty_with_three_no_transaction(&self, db: &TestDb, url: &str) {
        self.race(url, &["up", "--format", "json"], 16);
        assert_eq!(
            db.scalar("SELECT count(*) || '/' || count(DISTINCT version) FROM applied_log"),
            "30/30",
            "each migration ran once"
        );
        assert_eq!(
            db.scalar("SELECT count(*) FILTER (WHERE success) FROM dbward.schema_history"),
            "30"
        );
    }
}

/// How many trials a race test runs: `default`, or `DBWARD_RACE_TRIALS` to hunt for a rare
/// interleaving (the suite keeps to a few, to stay quick).
pub fn race_trials(default: usize) -> usize {
    std::env::var("DBWARD_RACE_TRIALS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

/// Asserts a run's exit code, showing everything it said when it is not.
#[track_caller]
pub fn assert_code(run: &Run, code: i32) {
    assert_eq!(run.code, code, "unexpected exit code: {run:#?}");
}

/// Every object a migration could leave behind, one line each, sorted: schemas, relations,
/// functions, types, policies, triggers, extensions, event triggers.
pub const CATALOG_SNAPSHOT: &str = "
select 'schema:' || nspname from pg_namespace
 where nspname not in ('pg_catalog', 'information_schema', 'pg_toast', 'public')
   and nspname not like 'pg_temp%' and nspname not like 'pg_toast_temp%'
union all select 'rel:' || n.nspname || '.' || c.relname || ':' || c.relkind::text
 from pg_class c join pg_namespace n on n.oid = c.relnamespace
 where n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast') and n.nspname not like 'pg_%temp%'
union all select 'fn:' || n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')'
 from pg_proc p join pg_namespace n on n.oid = p.pronamespace
 where n.nspname not in ('pg_catalog', 'information_schema')
union all select 'type:' || n.nspname || '.' || t.typname
 from pg_type t join pg_namespace n on n.oid = t.typnamespace
 where t.typtype in ('e', 'd', 'r', 'm') and n.nspname not in ('pg_catalog', 'information_schema')
union all select 'policy:' || polname || ' on ' || polrelid::regclass::text from pg_policy
union all select 'trigger:' || tgname || ' on ' || tgrelid::regclass::text from pg_trigger where not tgisinternal
union all select 'ext:' || extname from pg_extension
union all select 'evt:' || evtname from pg_event_trigger
order by 1";

impl TestDb {
    /// One line per row of a query's first column.
    pub fn lines(&self, sql: &str) -> Vec<String> {
        let mut client = self.client();
        client
            .simple_query(sql)
            .unwrap()
            .iter()
            .filter_map(|m| match m {
                postgres::SimpleQueryMessage::Row(row) => {
                    Some(row.get(0).unwrap_or("").to_string())
                }
                _ => None,
            })
            .collect()
    }

    pub fn catalog(&self) -> Vec<String> {
        self.lines(CATALOG_SNAPSHOT)
    }

    /// `schema.table=count` for every user table outside dbward's own schema.
    pub fn row_counts(&self) -> Vec<String> {
        let tables = self.lines(
            "select format('%I.%I', schemaname, relname) from pg_stat_user_tables
             where schemaname <> 'dbward' order by 1",
        );
        tables
            .iter()
            .map(|t| format!("{t}={}", self.scalar(&format!("select count(*) from {t}"))))
            .collect()
    }
}
