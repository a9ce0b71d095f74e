//! The project root found from the current folder upward, `dbward init`, dbward.toml's
//! `layout` key and a Supabase project's seed files, with the real binary (and a real
//! PostgreSQL where a command needs one).

mod support;

use std::path::Path;

use support::{Project, Run, TestDb, assert_code};

/// `dbward ARGS` run from `dir` (relative to the project), against `db` when given.
fn run_in(project: &Project, dir: &str, db: Option<&TestDb>, args: &[&str]) -> Run {
    let mut command = project.command(args);
    command.current_dir(project.path().join(dir));
    if let Some(db) = db {
        command.env("DATABASE_URL", db.url());
    }
    Run::from(command.output().unwrap())
}

/// Every file and folder under `dir`, relative to it, sorted.
fn tree(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            found.push(path.strip_prefix(dir).unwrap().display().to_string());
            if path.is_dir() {
                stack.push(path);
            }
        }
    }
    found.sort();
    found
}

/// Stops and removes the local cluster of a project, however the test ends.
struct Destroy<'a>(&'a Project);

impl Drop for Destroy<'_> {
    fn drop(&mut self) {
        let _ = self.0.run(&["local", "destroy"]);
    }
}

#[test]
fn from_a_subfolder_the_root_above_is_used_and_dbward_stays_out_of_migrations() {
    let db = TestDb::new();
    let project = Project::new();
    project.migration("001_a.sql", "create table a (id int);", "drop table a;");
    project.write("src/deep/main.txt", "x");

    let status = run_in(
        &project,
        "src/deep",
        Some(&db),
        &["status", "--format", "json"],
    );
    assert_code(&status, 0);
    assert_eq!(
        status.json()["migrations"][0]["file"],
        "../../migrations/001_a.sql",
        "paths are shown from where the user is: {status:?}"
    );
    let up = run_in(&project, "migrations", Some(&db), &["up"]);
    assert_code(&up, 0);
    assert!(db.table_exists("public.a"));
    let root = std::fs::canonicalize(project.path()).unwrap();
    assert!(
        up.stderr
            .contains(&format!("project: {} (dbward layout)", root.display())),
        "says which root it used: {up:?}"
    );
    assert!(
        up.stderr.contains("applied ../migrations/001_a.sql"),
        "{up:?}"
    );
    // `new` writes into the root's folders, not beside the current one.
    assert_code(&run_in(&project, "migrations", None, &["new", "b"]), 0);
    assert!(project.path().join("migrations/002_b.sql").is_file());
    assert!(project.path().join("rollbacks/002_b.sql").is_file());
    assert!(!project.path().join("migrations/migrations").exists());
}

#[test]
fn the_local_database_of_a_project_run_from_migrations_is_made_in_the_root() {
    let project = Project::new();
    let _guard = Destroy(&project);
    project.migration("001_a.sql", "create table a (id int);", "drop table a;");
    let up = run_in(&project, "migrations", None, &["up"]);
    assert_code(&up, 0);
    assert!(
        project.path().join(".dbward/data/PG_VERSION").is_file(),
        "{up:?}"
    );
    assert!(!project.path().join("migrations/.dbward").exists());
    let status = run_in(&project, "rollbacks", None, &["status", "--format", "json"]);
    assert_code(&status, 0);
    assert_eq!(status.json()["migrations"][0]["state"], "applied");
    assert!(!project.path().join("rollbacks/.dbward").exists());
}

#[test]
fn a_folder_with_no_project_is_refused_with_the_init_hint_and_starts_nothing() {
    let project = Project::new();
    project.write("notes/README.md", "not a project");
    for args in [
        vec!["status"],
        vec!["up"],
        vec!["down"],
        vec!["check"],
        vec!["ci"],
        vec!["seed"],
        vec!["new", "first"],
        vec!["local", "start"],
    ] {
        for dir in [".", "notes"] {
            let run = run_in(&project, dir, None, &args);
            assert_code(&run, 2);
            assert!(
                run.stderr.contains("no dbward project in")
                    && run.stderr.contains("or any folder above it")
                    && run.stderr.contains("`dbward init`"),
                "{args:?} in {dir}: {run:?}"
            );
        }
    }
    let given = project.run(&["-C", "notes", "status"]);
    assert_code(&given, 2);
    assert!(given.stderr.contains("`dbward init`"), "{given:?}");
    assert_eq!(tree(project.path()), ["notes", "notes/README.md"]);
    let json = project.run(&["status", "--format", "json"]);
    assert_code(&json, 2);
    assert!(
        json.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("dbward init"),
        "{json:?}"
    );
}

#[test]
fn init_on_an_empty_folder_starts_a_dbward_project_and_never_overwrites() {
    let db = TestDb::new();
    let project = Project::new();
    let init = project.run(&["init", "--format", "json"]);
    assert_code(&init, 0);
    let report = init.json();
    assert_eq!(report["layout"], "dbward");
    assert_eq!(report["migrations_dir"], "migrations");
    assert_eq!(
        report["created"],
        serde_json::json!(["dbward.toml", "migrations/", "rollbacks/"])
    );
    assert_eq!(
        tree(project.path()),
        ["dbward.toml", "migrations", "rollbacks"]
    );
    let written = std::fs::read_to_string(project.path().join("dbward.toml")).unwrap();
    assert!(written.contains("\nlayout = \"dbward\"\n"), "{written}");
    assert!(
        written.contains("\nmigrations_dir = \"migrations\"\n"),
        "{written}"
    );

    // The project works at once.
    assert_code(&project.run(&["new", "first"]), 0);
    std::fs::write(
        project.path().join("migrations/001_first.sql"),
        "create table first (id int);",
    )
    .unwrap();
    assert_code(&project.dbward(&db, &["up"]), 0);
    assert!(db.table_exists("public.first"));

    // Inside the project (here its migrations/), init says where the project is.
    let inside = run_in(&project, "migrations", None, &["init"]);
    assert_code(&inside, 2);
    assert!(
        inside
            .stderr
            .contains("above already holds a dbward project"),
        "{inside:?}"
    );
    assert!(!project.path().join("migrations/dbward.toml").exists());

    let again = project.run(&["init"]);
    assert_code(&again, 2);
    assert!(again.stderr.contains("already exists"), "{again:?}");
    assert_eq!(
        std::fs::read_to_string(project.path().join("dbward.toml")).unwrap(),
        written
    );
}

#[test]
fn init_names_the_layout_already_there() {
    // dbward's own files: only dbward.toml is added.
    let project = Project::new();
    project.migration("001_a.sql", "select 1;", "select 1;");
    let init = project.run(&["init", "--format", "json"]);
    assert_code(&init, 0);
    assert_eq!(init.json()["layout"], "dbward");
    assert_eq!(init.json()["created"], serde_json::json!(["dbward.toml"]));

    // A Supabase CLI project: its folder, and its seed file as fixtures.
    let project = Project::new();
    project.write("supabase/config.toml", "project_id = \"demo\"\n");
    project.write(
        "supabase/migrations/20240101000000_init.sql",
        "create table countries (code text primary key);",
    );
    let init = project.run(&["init"]);
    assert_code(&init, 0);
    assert!(
        init.stdout
            .contains("layout supabase, migrations in supabase/migrations"),
        "{init:?}"
    );
    let written = std::fs::read_to_string(project.path().join("dbward.toml")).unwrap();
    assert!(written.contains("\nlayout = \"supabase\"\n"), "{written}");
    assert!(!written.contains("\nrollbacks_dir"), "{written}");
    assert!(!project.path().join("migrations").exists());
    assert!(!project.path().join("rollbacks").exists());
}

#[test]
fn init_on_an_ambiguous_folder_writes_nothing_until_told_the_layout() {
    let db = TestDb::new();
    let project = Project::new();
    project.write("migrations/1_a.up.sql", "create table a (id int);");
    project.write("migrations/1_a.down.sql", "drop table a;");
    let init = project.run(&["init"]);
    assert_code(&init, 2);
    assert!(
        init.stderr.contains("dbward init --layout sqlx")
            && init.stderr.contains("dbward init --layout golang-migrate")
            && init.stderr.contains("migrations/1_a.up.sql"),
        "{init:?}"
    );
    assert!(!project.path().join("dbward.toml").exists());

    let bad = project.run(&["init", "--layout", "liquibase"]);
    assert_code(&bad, 2);
    assert!(
        bad.stderr.contains("golang-migrate") && bad.stderr.contains("supabase"),
        "lists the names it takes: {bad:?}"
    );
    assert!(!project.path().join("dbward.toml").exists());

    assert_code(&project.run(&["init", "--layout", "golang-migrate"]), 0);
    let written = std::fs::read_to_string(project.path().join("dbward.toml")).unwrap();
    assert!(
        written.contains("\nlayout = \"golang-migrate\"\n"),
        "{written}"
    );
    assert_code(&project.dbward(&db, &["up"]), 0);
    assert!(db.table_exists("public.a"));
}

#[test]
fn the_layout_key_chooses_where_detection_cannot_and_is_checked() {
    let db = TestDb::new();
    let project = Project::new();
    project.write("migrations/1_a.up.sql", "create table a (id int);");
    project.write("migrations/1_a.down.sql", "drop table a;");

    // No key: ambiguous, refused before any connection, with the lines to write.
    let refused = project.dbward(&db, &["status"]);
    assert_code(&refused, 2);
    assert!(
        refused.stderr.contains("fit more than one layout")
            && refused.stderr.contains("layout = \"sqlx\"")
            && refused.stderr.contains("layout = \"golang-migrate\""),
        "{refused:?}"
    );

    // An unknown name: the valid ones listed.
    project.write("dbward.toml", "layout = \"liquibase\"\n");
    let unknown = project.dbward(&db, &["status"]);
    assert_code(&unknown, 2);
    assert!(
        unknown
            .stderr
            .contains("layout `liquibase` is not one dbward reads")
            && unknown.stderr.contains(
                "it reads dbward, sqlx, golang-migrate, goose, dbmate, flyway, supabase (and refinery, read as flyway)"
            ),
        "{unknown:?}"
    );

    // Named: it wins over detection.
    project.write("dbward.toml", "layout = \"sqlx\"\n");
    assert_code(&project.dbward(&db, &["up"]), 0);
    assert!(db.table_exists("public.a"));
    assert_code(&project.dbward(&db, &["down"]), 0);
    assert!(!db.table_exists("public.a"));

    // rollbacks_dir is dbward's alone.
    project.write(
        "dbward.toml",
        "layout = \"sqlx\"\nrollbacks_dir = \"down\"\n",
    );
    let rollbacks = project.dbward(&db, &["status"]);
    assert_code(&rollbacks, 2);
    assert!(
        rollbacks
            .stderr
            .contains("rollbacks_dir is for dbward's own layout"),
        "{rollbacks:?}"
    );
}

#[test]
fn a_detected_layout_needs_no_dbward_toml() {
    let db = TestDb::new();
    let project = Project::new();
    project.write(
        "db/migrations/20240101000000_a.sql",
        "-- migrate:up\ncreate table a (id int);\n\n-- migrate:down\ndrop table a;\n",
    );
    assert_code(&project.dbward(&db, &["up"]), 0);
    assert!(db.table_exists("public.a"));
    // From inside db/: its migrations/ is the project's, found from the root above.
    let down = run_in(&project, "db", Some(&db), &["down"]);
    assert_code(&down, 0);
    assert!(!db.table_exists("public.a"));
}

#[test]
fn a_supabase_project_seeds_from_its_seed_files() {
    let db = TestDb::new();
    let project = Project::new();
    project.write("supabase/config.toml", "project_id = \"demo\"\n");
    project.write(
        "supabase/migrations/20240101000000_init.sql",
        "create table countries (code text primary key);",
    );
    project.write(
        "supabase/seed.sql",
        "insert into countries values ('US'), ('CA');",
    );
    assert_code(&project.dbward(&db, &["up"]), 0);
    // Supabase's conventions come with its layout: `auth.uid()` is there.
    let has_auth_uid = "select to_regprocedure('auth.uid()') is not null";
    assert_eq!(db.scalar(has_auth_uid), "t");
    let seed = project.dbward(&db, &["seed", "--format", "json"]);
    assert_code(&seed, 0);
    assert_eq!(
        seed.json()["fixtures"],
        serde_json::json!(["supabase/seed.sql"])
    );
    assert_eq!(db.scalar("select count(*) from countries"), "2");

    // The files config.toml lists, globs included, in its order.
    project.write(
        "supabase/config.toml",
        "project_id = \"demo\"\n\n[db.seed]\nenabled = true\nsql_paths = ['./seeds/*.sql', './seed.sql']\n",
    );
    project.write(
        "supabase/seeds/01_more.sql",
        "insert into countries values ('MX');",
    );
    project.write(
        "supabase/seeds/02_more.sql",
        "insert into countries values ('BR');",
    );
    project.write(
        "supabase/seed.sql",
        "insert into countries values ('US') on conflict do nothing;",
    );
    let seed = project.dbward(&db, &["seed", "--format", "json"]);
    assert_code(&seed, 0);
    assert_eq!(
        seed.json()["fixtures"],
        serde_json::json!([
            "supabase/seeds/01_more.sql",
            "supabase/seeds/02_more.sql",
            "supabase/seed.sql"
        ])
    );
    assert_eq!(db.scalar("select count(*) from countries"), "4");

    // dbward's own fixtures folder, when named, wins.
    project.write("dbward.toml", "fixtures_dir = \"fixtures\"\n");
    project.write("fixtures/001_x.sql", "insert into countries values ('FR');");
    let seed = project.dbward(&db, &["seed", "--format", "json"]);
    assert_code(&seed, 0);
    assert_eq!(
        seed.json()["fixtures"],
        serde_json::json!(["fixtures/001_x.sql"])
    );
}

#[test]
fn compat_none_still_wins_over_the_supabase_layout() {
    let db = TestDb::new();
    let project = Project::new();
    project.write("supabase/config.toml", "project_id = \"demo\"\n");
    project.write(
        "supabase/migrations/20240101000000_init.sql",
        "create table t (id int);",
    );
    project.write("dbward.toml", "compat = \"none\"\n");
    assert_code(&project.dbward(&db, &["up"]), 0);
    assert!(db.table_exists("public.t"));
    assert_eq!(
        db.scalar("select to_regprocedure('auth.uid()') is not null"),
        "f"
    );
}

#[test]
fn each_tools_project_runs_as_it_is_with_no_dbward_toml() {
    for (files, table) in [
        (
            vec![(
                "migrations/00001_a.sql",
                "-- +goose Up\ncreate table goose_t (id int);\n-- +goose Down\ndrop table goose_t;\n",
            )],
            "goose_t",
        ),
        (
            vec![
                (
                    "src/main/resources/db/migration/V1__a.sql",
                    "create table flyway_t (id int);",
                ),
                ("pom.xml", "<project/>"),
            ],
            "flyway_t",
        ),
        (
            vec![
                ("Cargo.toml", "[dependencies]\nsqlx = \"0.8\"\n"),
                (
                    "migrations/20240101000000_a.up.sql",
                    "create table sqlx_t (id int);",
                ),
                ("migrations/20240101000000_a.down.sql", "drop table sqlx_t;"),
            ],
            "sqlx_t",
        ),
        (
            vec![
                (
                    "go.mod",
                    "module x\n\nrequire github.com/golang-migrate/migrate/v4 v4.17.0\n",
                ),
                ("db/migrations/0_a.up.sql", "create table gm_t (id int);"),
                ("db/migrations/0_a.down.sql", "drop table gm_t;"),
            ],
            "gm_t",
        ),
    ] {
        let db = TestDb::new();
        let project = Project::new();
        for (path, text) in &files {
            project.write(path, text);
        }
        let up = project.dbward(&db, &["up"]);
        assert_code(&up, 0);
        assert!(
            db.table_exists(&format!("public.{table}")),
            "{files:?}: {up:?}"
        );
        let status = project.dbward(&db, &["status", "--format", "json"]);
        assert_code(&status, 0);
        assert_eq!(status.json()["pending"], 0, "{files:?}");
        assert!(!project.path().join("dbward.toml").exists());
    }
}

#[test]
fn init_takes_the_migrations_already_there_as_deployed_for_the_lint() {
    let project = Project::new();
    project.write(
        "go.mod",
        "module demo\n\nrequire github.com/golang-migrate/migrate/v4 v4.17.0\n",
    );
    project.write(
        "migrations/000001_users.up.sql",
        "create table users (id bigint primary key, email text);\n",
    );
    project.write("migrations/000001_users.down.sql", "drop table users;\n");
    // A hazard that ran in production long ago.
    project.write(
        "migrations/000002_email.up.sql",
        "alter table users alter column email set not null;\n",
    );
    project.write(
        "migrations/000002_email.down.sql",
        "alter table users alter column email drop not null;\n",
    );
    assert_code(&project.run(&["check"]), 3);
    assert_code(&project.run(&["init"]), 0);
    let written = std::fs::read_to_string(project.path().join("dbward.toml")).unwrap();
    assert!(
        written.contains("[check]\nsince = \"000002\"\n"),
        "{written}"
    );
    assert_code(&project.run(&["check"]), 0);
    // What comes after is linted.
    project.write(
        "migrations/000003_rename.up.sql",
        "alter table users rename column email to mail;\n",
    );
    project.write(
        "migrations/000003_rename.down.sql",
        "alter table users rename column mail to email;\n",
    );
    let check = project.run(&["check"]);
    assert_code(&check, 3);
    assert!(check.stdout.contains("000003_rename.up.sql"), "{check:?}");
    assert!(!check.stdout.contains("000002_email.up.sql:"), "{check:?}");
}
