//! A password given by URL, by `PGPASSWORD` or by a password file never shows: not in any
//! command's output (table or JSON), not in its errors, not in a JUnit file, not in any
//! file it writes and not in dbward's own tables.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::OnceLock;

use support::{Project, Run, TestDb};

const PASSWORD: &str = "s3cr3t-Pa55-xyz";
const ROLE: &str = "dbward_secret_user";

/// A role that must give its password (scram) over TCP, as every role must on the test
/// cluster. A superuser, so that every command (the compat shim, probes, jobs) runs as it.
fn password_role() -> &'static str {
    static MADE: OnceLock<()> = OnceLock::new();
    MADE.get_or_init(|| {
        let mut admin =
            postgres::Client::connect(&support::cluster().admin_url(), postgres::NoTls).unwrap();
        admin
            .batch_execute(&format!(
                "SET password_encryption = 'scram-sha-256';
                 CREATE ROLE {ROLE} LOGIN SUPERUSER PASSWORD '{PASSWORD}';"
            ))
            .unwrap();
    });
    ROLE
}

/// A Supabase-style project that passes `ci`: RLS on, a policy, a fixture and two jobs.
fn project() -> Project {
    let project = Project::new();
    project.write(
        "dbward.toml",
        "compat = \"supabase\"\n\n\
         [jobs.notes_retention]\nkind = \"retention\"\nschedule = \"daily\"\ntable = \"public.notes\"\ncolumn = \"created_at\"\nolder_than = \"30 days\"\n\n\
         [jobs.touch]\nkind = \"sql\"\nschedule = \"daily\"\nsql = \"SELECT count(*) FROM public.notes\"\n\n\
         [jobs.health]\nkind = \"report\"\nschedule = \"weekly\"\n",
    );
    project.migration(
        "001_notes.sql",
        "create table notes (id bigint primary key, owner uuid not null references auth.users, body text, created_at timestamptz not null default now());\n\
         create index notes_owner on notes (owner);\n\
         alter table notes enable row level security;\n\
         create policy own_notes on notes for all to authenticated using (owner = (select auth.uid())) with check (owner = (select auth.uid()));",
        "drop table notes;",
    );
    project.migration(
        "002_tags.sql",
        "create table tags (id bigint primary key, name text not null);\nalter table tags enable row level security;",
        "drop table tags;",
    );
    project.write(
        "fixtures/001_notes.sql",
        "insert into auth.users (id) values ('11111111-1111-4111-8111-111111111111') on conflict do nothing;\n\
         insert into notes (id, owner, body, created_at) values (1, '11111111-1111-4111-8111-111111111111', 'old', now() - interval '40 days') on conflict do nothing;",
    );
    project
}

/// How the password reaches dbward.
#[derive(Clone, Copy, Debug)]
enum Given {
    Url,
    PgPassword,
    PasswordFile,
}

struct Connection {
    given: Given,
    /// Holds the password file.
    dir: tempfile::TempDir,
}

impl Connection {
    fn new(given: Given) -> Connection {
        let dir = tempfile::tempdir().unwrap();
        let passfile = dir.path().join("pgpass");
        std::fs::write(
            &passfile,
            format!(
                "127.0.0.1:{}:*:{ROLE}:{PASSWORD}\n",
                support::cluster().port
            ),
        )
        .unwrap();
        std::fs::set_permissions(&passfile, std::fs::Permissions::from_mode(0o600)).unwrap();
        Connection { given, dir }
    }

    /// The environment that names `database` and gives the password.
    fn env(&self, database: &str) -> Vec<(&'static str, String)> {
        let port = support::cluster().port;
        let bare = format!("postgres://{ROLE}@127.0.0.1:{port}/{database}");
        match self.given {
            Given::Url => vec![(
                "DATABASE_URL",
                format!("postgres://{ROLE}:{PASSWORD}@127.0.0.1:{port}/{database}"),
            )],
            Given::PgPassword => vec![("DATABASE_URL", bare), ("PGPASSWORD", PASSWORD.into())],
            Given::PasswordFile => vec![
                ("DATABASE_URL", bare),
                (
                    "PGPASSFILE",
                    self.dir.path().join("pgpass").display().to_string(),
                ),
            ],
        }
    }
}

/// Every run made, to be searched at the end.
struct Runs<'a> {
    project: &'a Project,
    connection: &'a Connection,
    seen: Vec<(String, Run)>,
}

impl Runs<'_> {
    /// Runs `dbward ARGS` on `database`, asserts its exit code, and keeps what it said.
    #[track_caller]
    fn run(&mut self, database: &str, args: &[&str], code: i32) -> &Run {
        let mut command = self.project.command(args);
        command.envs(self.connection.env(database));
        let run = Run::from(command.output().unwrap());
        assert_eq!(
            run.code,
            code,
            "{:?}: dbward {}: {run:#?}",
            self.connection.given,
            args.join(" ")
        );
        self.seen.push((args.join(" "), run));
        &self.seen.last().unwrap().1
    }

    /// The same command as a table and as JSON.
    #[track_caller]
    fn both(&mut self, database: &str, args: &[&str], code: i32) {
        self.run(database, args, code);
        let mut json = args.to_vec();
        json.extend(["--format", "json"]);
        let run = self.run(database, &json, code);
        if !run.stdout.is_empty() {
            run.json();
        }
    }
}

/// Every file under `dir` whose bytes hold the password.
fn files_holding_password(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                stack.push(path);
            } else if kind.is_file()
                && let Ok(bytes) = std::fs::read(&path)
                && bytes
                    .windows(PASSWORD.len())
                    .any(|w| w == PASSWORD.as_bytes())
            {
                found.push(path.display().to_string());
            }
        }
    }
    found
}

/// Rows of dbward's own tables that hold the password.
fn history_rows_holding_password(db: &TestDb) -> Vec<String> {
    let tables = db.lines(
        "select format('%I.%I', table_schema, table_name) from information_schema.tables
         where table_schema = 'dbward' order by 1",
    );
    assert!(
        tables.iter().any(|t| t == "dbward.schema_history"),
        "{tables:?}"
    );
    tables
        .iter()
        .filter(|table| {
            db.scalar(&format!(
                "select count(*) from {table} r where r::text like '%{PASSWORD}%'"
            )) != "0"
        })
        .cloned()
        .collect()
}

fn owned_db() -> TestDb {
    let db = TestDb::new();
    db.scalar(&format!("ALTER DATABASE \"{}\" OWNER TO {ROLE}", db.name));
    db
}

/// Stops the project's local cluster (`diff` starts one) however the test ends.
struct LocalCluster<'a>(&'a Project);

impl Drop for LocalCluster<'_> {
    fn drop(&mut self) {
        let _ = self.0.run(&["local", "destroy"]);
    }
}

fn every_command_keeps_the_password_out(given: Given) {
    password_role();
    let project = project();
    let _local = LocalCluster(&project);
    let connection = Connection::new(given);
    let mut runs = Runs {
        project: &project,
        connection: &connection,
        seen: Vec::new(),
    };

    // Without the password the role is refused: the runs below did use it.
    let db = owned_db();
    let mut refused = project.command(&["status"]);
    refused.env(
        "DATABASE_URL",
        format!("postgres://{ROLE}@127.0.0.1:{}/{}", db.port, db.name),
    );
    let refused = Run::from(refused.output().unwrap());
    support::assert_code(&refused, 1);
    assert!(refused.stderr.contains("password"), "{refused:?}");

    let name = db.name.as_str();
    runs.both(name, &["check"], 0);
    runs.both(name, &["status"], 0);
    runs.run(name, &["up", "--to", "1"], 0);
    runs.run(name, &["up", "--format", "json"], 0);
    runs.both(name, &["status"], 0);
    runs.both(name, &["validate"], 0);
    runs.both(name, &["seed"], 0);
    runs.both(name, &["verify", "--probe"], 0);
    runs.run(name, &["verify", "--write-spec"], 0);
    // A spec that exists is replaced only with --force.
    runs.run(
        name,
        &["verify", "--write-spec", "--force", "--format", "json"],
        0,
    );
    assert!(project.path().join("dbward.spec.toml").exists());
    runs.both(name, &["verify", "--probe"], 0);
    runs.both(name, &["job", "list"], 0);
    runs.both(name, &["job", "run", "--schedule", "daily"], 0);
    runs.both(name, &["job", "run", "health", "-v"], 0);
    runs.both(name, &["job", "history"], 0);
    runs.both(name, &["down", "--dry-run"], 0);
    runs.run(name, &["down"], 0);
    runs.run(name, &["up"], 0);
    runs.run(name, &["down", "--format", "json"], 0);
    runs.run(name, &["up"], 0);
    runs.both(name, &["redo"], 0);
    runs.both(name, &["repair", "--dry-run"], 0);
    runs.both(name, &["diff"], 0);
    runs.both(name, &["local", "status"], 0);
    runs.both(name, &["local", "url"], 0);
    assert_eq!(history_rows_holding_password(&db), Vec::<String>::new());
    assert_eq!(db.scalar("select count(*) from dbward.job_runs"), "6");

    let baseline = owned_db();
    runs.run(&baseline.name, &["baseline", "1"], 0);
    let baseline_json = owned_db();
    runs.run(
        &baseline_json.name,
        &["baseline", "1", "--format", "json"],
        0,
    );
    assert_eq!(
        history_rows_holding_password(&baseline),
        Vec::<String>::new()
    );

    // ci on empty databases, with a JUnit file each.
    let junit = project.path().join("ci.xml");
    let junit_arg = junit.display().to_string();
    let ci = owned_db();
    let run = runs.run(&ci.name, &["ci", "--junit", &junit_arg], 0);
    assert!(run.stdout.contains("dbward ci passed"), "{run:?}");
    let ci_json = owned_db();
    let junit_json = project.path().join("ci-json.xml");
    let junit_json_arg = junit_json.display().to_string();
    let doc = runs
        .run(
            &ci_json.name,
            &["ci", "--junit", &junit_json_arg, "--format", "json"],
            0,
        )
        .json();
    assert_eq!(
        doc["database"],
        format!("{ROLE}@127.0.0.1:{}/{}", ci_json.port, ci_json.name),
        "the report names the database as the others do"
    );
    for file in [&junit, &junit_json] {
        let xml = std::fs::read_to_string(file).unwrap();
        assert!(xml.contains("<testsuite name=\"dbward ci\""), "{xml}");
    }
    for db in [&ci, &ci_json] {
        assert_eq!(history_rows_holding_password(db), Vec::<String>::new());
    }

    // Errors: a database that does not exist, a migration that fails, a ci step that
    // fails (the database is not empty), a URL that cannot be read.
    runs.both("no_such_database", &["status"], 1);
    runs.run("no_such_database", &["ci", "--junit", &junit_arg], 1);
    let doc = runs
        .run(
            "no_such_database",
            &["ci", "--junit", &junit_json_arg, "--format", "json"],
            1,
        )
        .json();
    assert_eq!(
        doc["database"],
        format!("{ROLE}@127.0.0.1:{}/no_such_database", db.port),
        "a failed database step still names the database"
    );
    project.migration(
        "003_fails.sql",
        "create table broken (id bigint);\nselect 1 / 0;",
        "drop table broken;",
    );
    runs.both(name, &["up"], 1);
    runs.both(name, &["ci", "--junit", &junit_arg], 2);
    assert!(
        std::fs::read_to_string(&junit)
            .unwrap()
            .contains("needs an empty database"),
        "the failing step's JUnit file was written"
    );
    let ci_fails = owned_db();
    runs.run(&ci_fails.name, &["ci", "--junit", &junit_arg], 1);
    let ci_fails_json = owned_db();
    runs.run(
        &ci_fails_json.name,
        &["ci", "--junit", &junit_json_arg, "--format", "json"],
        1,
    );
    for file in [&junit, &junit_json] {
        let xml = std::fs::read_to_string(file).unwrap();
        assert!(xml.contains("division by zero"), "{xml}");
        assert!(!xml.contains(PASSWORD), "{xml}");
    }
    let mut bad_url = project.command(&["status", "--format", "json"]);
    bad_url.env(
        "DATABASE_URL",
        format!("postgres://{ROLE}:{PASSWORD}@127.0.0.1:notaport/db"),
    );
    let bad_url = Run::from(bad_url.output().unwrap());
    support::assert_code(&bad_url, 2);
    runs.seen.push(("status with a bad port".into(), bad_url));

    for (args, run) in &runs.seen {
        assert!(
            !run.stdout.contains(PASSWORD) && !run.stderr.contains(PASSWORD),
            "{given:?}: dbward {args} shows the password: {run:#?}"
        );
    }
    assert_eq!(
        files_holding_password(project.path()),
        Vec::<String>::new(),
        "{given:?}: files written"
    );
    assert_eq!(history_rows_holding_password(&db), Vec::<String>::new());
}

#[test]
fn a_password_in_the_url_shows_nowhere() {
    every_command_keeps_the_password_out(Given::Url);
}

#[test]
fn a_password_from_pgpassword_shows_nowhere() {
    every_command_keeps_the_password_out(Given::PgPassword);
}

#[test]
fn a_password_from_the_password_file_shows_nowhere() {
    every_command_keeps_the_password_out(Given::PasswordFile);
}

#[test]
fn a_dbward_toml_that_cannot_be_read_does_not_quote_its_url() {
    let project = project();
    // A quote in the password ends the TOML string early.
    project.write(
        "dbward.toml",
        format!("database_url = \"postgres://app:{PASSWORD}\"x@db.example.com/app\"\n"),
    );
    for format in ["table", "json"] {
        let run = project.run(&["status", "--format", format]);
        support::assert_code(&run, 2);
        let said = format!("{}{}", run.stdout, run.stderr);
        assert!(said.contains("dbward.toml: line 1, column "), "{run:?}");
        assert!(!said.contains(PASSWORD), "{run:?}");
    }
}
