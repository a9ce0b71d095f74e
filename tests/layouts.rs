//! Other tools' file layouts, read natively, against a real PostgreSQL: a small project per
//! tool, written for these tests from that tool's documentation, goes through check, up,
//! status, down, redo and ci; and every refusal the layouts add.

mod support;

use support::{Project, Run, TestDb, assert_code};

/// A project whose dbward.toml names `layout`, with `files` written as given.
fn project(layout: &str, files: &[(&str, &str)]) -> Project {
    let project = Project::new();
    project.write("dbward.toml", format!("layout = \"{layout}\"\n"));
    for (path, text) in files {
        project.write(path, text);
    }
    project
}

/// `(version, state)` of every row `status --format json` lists.
fn states(project: &Project, db: &TestDb) -> Vec<(String, String)> {
    let run = project.dbward(db, &["status", "--format", "json"]);
    assert_code(&run, 0);
    run.json()["migrations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let version = match &m["version"] {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (version, m["state"].as_str().unwrap().to_string())
        })
        .collect()
}

fn all(versions: &[&str], state: &str) -> Vec<(String, String)> {
    versions
        .iter()
        .map(|v| (v.to_string(), state.to_string()))
        .collect()
}

/// check, up, status (the versions as written in the table), down one, redo, down to
/// nothing, and ci on a database of its own: the round trip every layout must make.
fn round_trip(project: &Project, keys: &[&str], written: &[&str]) {
    let db = TestDb::new();
    assert_code(&project.dbward(&db, &["check"]), 0);
    assert_code(&project.dbward(&db, &["up"]), 0);
    assert_eq!(states(project, &db), all(keys, "applied"));
    let table = project.dbward(&db, &["status"]);
    for version in written {
        assert!(table.stdout.contains(version), "{version}: {table:?}");
    }
    assert_code(&project.dbward(&db, &["down"]), 0);
    let mut expected = all(&keys[..keys.len() - 1], "applied");
    expected.push((keys[keys.len() - 1].to_string(), "pending".to_string()));
    assert_eq!(states(project, &db), expected);
    assert_code(&project.dbward(&db, &["up"]), 0);
    assert_code(&project.dbward(&db, &["redo"]), 0);
    assert_eq!(states(project, &db), all(keys, "applied"));
    assert_code(&project.dbward(&db, &["down", "--all"]), 0);
    assert_eq!(states(project, &db), all(keys, "pending"));
    assert_eq!(
        db.scalar("select count(*) from pg_tables where schemaname = 'public'"),
        "0"
    );
    let ci = project.dbward(&TestDb::new(), &["ci"]);
    assert_code(&ci, 0);
}

#[test]
fn sqlx_reversible_and_simple_files_with_no_transaction() {
    let project = project(
        "sqlx",
        &[
            (
                "migrations/20240101000000_create_users.up.sql",
                "create table users (id bigint primary key, email text not null);\n",
            ),
            (
                "migrations/20240101000000_create_users.down.sql",
                "drop table users;\n",
            ),
            (
                "migrations/20240102000000_email_index.up.sql",
                "-- no-transaction\ncreate index concurrently if not exists users_email on users (email);\n",
            ),
            (
                "migrations/20240102000000_email_index.down.sql",
                "-- no-transaction\ndrop index concurrently users_email;\n",
            ),
        ],
    );
    round_trip(
        &project,
        &["20240101000000", "20240102000000"],
        &["20240101000000", "20240102000000"],
    );
    // A simple file (no .up) is a migration without a rollback: down stops before it.
    project.write(
        "migrations/20240103000000_audit.sql",
        "create table audit (id bigint);\n",
    );
    let db = TestDb::new();
    assert_code(&project.dbward(&db, &["up"]), 0);
    let down = project.dbward(&db, &["down"]);
    assert_code(&down, 2);
    assert!(
        down.stderr
            .contains("20240103000000_audit.down.sql (and rename the migration to 20240103000000_audit.up.sql)"),
        "{down:?}"
    );
}

#[test]
fn golang_migrate_pairs_with_version_zero() {
    let project = project(
        "golang-migrate",
        &[
            (
                "migrations/000000_init.up.sql",
                "create table settings (key text primary key);\n",
            ),
            ("migrations/000000_init.down.sql", "drop table settings;\n"),
            (
                "migrations/000001_create_users.up.sql",
                "create table users (id bigint primary key);\n",
            ),
            // golang-migrate pairs by version: the names may differ.
            (
                "migrations/000001_drop_users.down.sql",
                "drop table users;\n",
            ),
        ],
    );
    round_trip(&project, &["0", "1"], &["000000", "000001"]);
    // `--to 0` keeps migration 0; `--all` takes it too.
    let db = TestDb::new();
    assert_code(&project.dbward(&db, &["up"]), 0);
    assert_code(&project.dbward(&db, &["down", "--to", "0"]), 0);
    assert_eq!(
        states(&project, &db),
        vec![
            ("0".to_string(), "applied".to_string()),
            ("1".to_string(), "pending".to_string())
        ]
    );
    assert!(db.table_exists("settings"));
}

#[test]
fn goose_sections_run_apart_and_no_transaction_holds_for_both() {
    let project = project(
        "goose",
        &[
            (
                "migrations/00001_create_users.sql",
                "-- +goose Up\n\
                 create table users (id bigint primary key, email text);\n\
                 -- +goose StatementBegin\n\
                 create function touch() returns trigger language plpgsql as $$\n\
                 begin\n  return new;\nend;\n$$;\n\
                 -- +goose StatementEnd\n\n\
                 -- +goose Down\n\
                 drop function touch();\n\
                 drop table users;\n",
            ),
            (
                "migrations/00002_email_index.sql",
                "-- +goose NO TRANSACTION\n\
                 -- +goose Up\n\
                 create index concurrently if not exists users_email on users (email);\n\
                 -- +goose Down\n\
                 drop index concurrently users_email;\n",
            ),
        ],
    );
    round_trip(&project, &["1", "2"], &["00001", "00002"]);
}

#[test]
fn dbmate_up_runs_without_its_down_section() {
    let project = project(
        "dbmate",
        &[
            (
                "db/migrations/20240101000000_create_users.sql",
                "-- migrate:up\ncreate table users (id bigint primary key, email text);\n\n-- migrate:down\ndrop table users;\n",
            ),
            (
                "db/migrations/20240102000000_email_index.sql",
                "-- migrate:up transaction:false\ncreate index concurrently if not exists users_email on users (email);\n\n-- migrate:down transaction:false\ndrop index concurrently users_email;\n",
            ),
        ],
    );
    // The headline bug: run whole, the file created its table and dropped it again.
    let db = TestDb::new();
    assert_code(&project.dbward(&db, &["up", "--to", "20240101000000"]), 0);
    assert!(db.table_exists("users"));
    round_trip(
        &project,
        &["20240101000000", "20240102000000"],
        &["20240101000000", "20240102000000"],
    );
}

#[test]
fn flyway_dotted_versions_undo_files_and_targets() {
    let project = project(
        "flyway",
        &[
            (
                "migrations/V1__create_users.sql",
                "create table users (id bigint primary key);\n",
            ),
            ("migrations/U1__create_users.sql", "drop table users;\n"),
            (
                "migrations/V1_1__add_email.sql",
                "alter table users add column email text;\n",
            ),
            (
                "migrations/U1_1__add_email.sql",
                "alter table users drop column email;\n",
            ),
            (
                "migrations/V1.10__add_name.sql",
                "alter table users add column name text;\n",
            ),
            (
                "migrations/U1.10__add_name.sql",
                "alter table users drop column name;\n",
            ),
            (
                "migrations/V2__posts.sql",
                "create table posts (id bigint primary key);\n",
            ),
            ("migrations/U2__posts.sql", "drop table posts;\n"),
        ],
    );
    round_trip(
        &project,
        &["1", "1.1", "1.10", "2"],
        &["1", "1.1", "1.10", "2"],
    );
    let db = TestDb::new();
    assert_code(&project.dbward(&db, &["up", "--to", "1.1"]), 0);
    assert_eq!(
        states(&project, &db),
        vec![
            ("1".to_string(), "applied".to_string()),
            ("1.1".to_string(), "applied".to_string()),
            ("1.10".to_string(), "pending".to_string()),
            ("2".to_string(), "pending".to_string()),
        ]
    );
    assert_code(&project.dbward(&db, &["down", "--to", "1"]), 0);
    assert_eq!(
        db.scalar("select count(*) from information_schema.columns where table_name = 'users'"),
        "1"
    );
}

#[test]
fn supabase_migrations_are_forward_only_and_shown_as_written() {
    let project = project(
        "supabase",
        &[
            ("supabase/config.toml", "project_id = \"demo\"\n"),
            (
                "supabase/migrations/00000000000001_init.sql",
                "create table settings (key text primary key);\n",
            ),
            (
                "supabase/migrations/20240101120000_notes.sql",
                "create table notes (id bigint primary key, body text);\n",
            ),
        ],
    );
    let db = TestDb::new();
    assert_code(&project.dbward(&db, &["check"]), 0);
    assert_code(&project.dbward(&db, &["up"]), 0);
    let table = project.dbward(&db, &["status"]);
    assert!(table.stdout.contains("00000000000001"), "{table:?}");
    assert_eq!(
        states(&project, &db),
        all(&["1", "20240101120000"], "applied")
    );
    let down = project.dbward(&db, &["down"]);
    assert_code(&down, 2);
    assert!(
        down.stderr
            .contains("Supabase migrations have no rollbacks"),
        "{down:?}"
    );
}

/// A refused project: exit 2, and the stderr.
fn refused(project: &Project) -> Run {
    let run = project.dbward(&TestDb::new(), &["up"]);
    assert_code(&run, 2);
    run
}

#[test]
fn another_tools_down_marker_is_refused_where_the_layout_does_not_split() {
    for layout in ["dbward", "sqlx", "supabase"] {
        let file = match layout {
            "dbward" => "migrations/001_users.sql",
            "sqlx" => "migrations/1_users.sql",
            _ => "supabase/migrations/20240101000000_users.sql",
        };
        let project = project(
            layout,
            &[(
                file,
                "-- migrate:up\ncreate table users (id int);\n\n-- migrate:down\ndrop table users;\n",
            )],
        );
        let db = TestDb::new();
        let run = project.dbward(&db, &["up"]);
        assert_code(&run, 2);
        assert!(
            run.stderr.contains(&format!("{file}:4:"))
                && run
                    .stderr
                    .contains("`-- migrate:down`, dbmate's down marker"),
            "{layout}: {run:?}"
        );
        assert!(!db.table_exists("users"), "{layout}");
    }
}

#[test]
fn layout_refusals_name_each_file() {
    let sqlx_duplicates = project(
        "sqlx",
        &[
            ("migrations/1_a.up.sql", "select 1;"),
            ("migrations/1_b.up.sql", "select 1;"),
            ("migrations/2_c.sql", "select 1;"),
            ("migrations/2_c.up.sql", "select 1;"),
            ("migrations/3_d.up.sql", "select 1;"),
            ("migrations/4_e.down.sql", "select 1;"),
        ],
    );
    let run = refused(&sqlx_duplicates);
    for words in [
        "duplicate migration number 1: ",
        "1_a.up.sql",
        "1_b.up.sql",
        "duplicate migration number 2: ",
        "4_e.down.sql",
    ] {
        assert!(run.stderr.contains(words), "{words}: {run:?}");
    }

    let repeatable = project(
        "flyway",
        &[
            ("migrations/V1__a.sql", "select 1;"),
            ("migrations/R__views.sql", "select 1;"),
        ],
    );
    let run = refused(&repeatable);
    assert!(
        run.stderr
            .contains("R__views.sql: is a Flyway repeatable migration"),
        "{run:?}"
    );

    let no_up = project(
        "goose",
        &[("migrations/00001_a.sql", "create table a (id int);\n")],
    );
    let run = refused(&no_up);
    assert!(
        run.stderr
            .contains("00001_a.sql:1: has no `-- +goose Up` line"),
        "{run:?}"
    );

    let unknown = Project::new();
    unknown.write("dbward.toml", "layout = \"alembic\"\n");
    let run = refused(&unknown);
    assert!(
        run.stderr.contains("layout `alembic` is not one dbward reads; it reads dbward, sqlx, golang-migrate, goose, dbmate, flyway, supabase"),
        "{run:?}"
    );
}

#[test]
fn new_follows_the_layout() {
    let goose = project(
        "goose",
        &[("migrations/00007_a.sql", "-- +goose Up\nselect 1;\n")],
    );
    let run = goose.run(&["new", "add invoices"]);
    assert_code(&run, 0);
    assert_eq!(
        run.stdout.trim(),
        "created migrations/00008_add_invoices.sql"
    );
    let text =
        std::fs::read_to_string(goose.path().join("migrations/00008_add_invoices.sql")).unwrap();
    assert!(
        text.contains("-- +goose Up\n") && text.contains("-- +goose Down\n"),
        "{text}"
    );

    let supabase = project(
        "supabase",
        &[("supabase/migrations/20240101000000_a.sql", "select 1;")],
    );
    let run = supabase.run(&["new", "add_invoices"]);
    assert_code(&run, 0);
    let created = run
        .stdout
        .trim()
        .strip_prefix("created supabase/migrations/")
        .unwrap();
    let (stamp, rest) = created.split_once('_').unwrap();
    assert_eq!((stamp.len(), rest), (14, "add_invoices.sql"), "{run:?}");
    assert!(stamp.as_bytes().iter().all(u8::is_ascii_digit) && stamp.starts_with("20"));

    let migrate = project("golang-migrate", &[]);
    let run = migrate.run(&["new", "create_users"]);
    assert_code(&run, 0);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{run:?}");
    assert!(
        lines[0].ends_with("_create_users.up.sql") && lines[1].ends_with("_create_users.down.sql"),
        "{run:?}"
    );
}

#[test]
fn a_lone_statement_that_needs_no_transaction_runs_so_in_golang_migrate_and_flyway() {
    for (layout, up, down, two) in [
        (
            "golang-migrate",
            "migrations/000002_email_index.up.sql",
            "migrations/000002_email_index.down.sql",
            "migrations/000003_two.up.sql",
        ),
        (
            "flyway",
            "migrations/V2__email_index.sql",
            "migrations/U2__email_index.sql",
            "migrations/V3__two.sql",
        ),
    ] {
        let first = match layout {
            "flyway" => "migrations/V1__users.sql",
            _ => "migrations/000001_users.up.sql",
        };
        let project = project(
            layout,
            &[
                (first, "create table users (id bigint, email text);\n"),
                (
                    up,
                    "-- one statement, as the tool runs it\ncreate index concurrently if not exists users_email on users (email);\n",
                ),
                (down, "drop index concurrently if exists users_email;\n"),
            ],
        );
        let db = TestDb::new();
        assert_code(&project.dbward(&db, &["up"]), 0);
        assert_eq!(
            db.scalar("select count(*) from pg_indexes where indexname = 'users_email'"),
            "1",
            "{layout}"
        );
        assert_code(&project.dbward(&db, &["down"]), 0);
        // Two statements are not run apart on a guess: the directive says so.
        project.write(
            two,
            "create table t (a int);\ncreate index concurrently if not exists t_a on t (a);\n",
        );
        let run = project.dbward(&db, &["up"]);
        assert_code(&run, 2);
        assert!(
            run.stderr.contains(&format!("{two}:2:1")),
            "{layout}: {run:?}"
        );
    }
}

#[test]
fn check_since_takes_a_version_as_the_layout_writes_it() {
    let project = project(
        "flyway",
        &[
            // squawk's prefer-bigint-over-int (advice: fails with --fail-on warning), in
            // migrations that ran long ago.
            (
                "migrations/V1__a.sql",
                "create table a (id int primary key);\n",
            ),
            (
                "migrations/V1_1__b.sql",
                "create table b (id int primary key);\n",
            ),
            (
                "migrations/V1_2__c.sql",
                "create table c (id bigint primary key);\n",
            ),
        ],
    );
    assert_code(&project.run(&["check", "--fail-on", "warning"]), 3);
    assert_code(
        &project.run(&["check", "--fail-on", "warning", "--since", "1.1"]),
        0,
    );
    project.write(
        "dbward.toml",
        "layout = \"flyway\"\n[check]\nsince = \"1.1\"\nfail_on = \"warning\"\n",
    );
    assert_code(&project.run(&["check"]), 0);
    project.write(
        "dbward.toml",
        "layout = \"flyway\"\n[check]\nsince = 1\nfail_on = \"warning\"\n",
    );
    let run = project.run(&["check"]);
    assert_code(&run, 3);
    assert!(run.stdout.contains("V1_1__b.sql"), "{run:?}");
    assert!(!run.stdout.contains("migrations/V1__a.sql:"), "{run:?}");
}

#[test]
fn a_golang_migrate_file_with_its_own_transactions_runs_them_as_written() {
    let blocks = "begin;\ncreate table a (id bigint primary key);\ncommit;\n\nbegin;\ncreate table b (id bigint primary key);\ncommit;\n";
    let project = project(
        "golang-migrate",
        &[
            ("migrations/1_two_blocks.up.sql", blocks),
            (
                "migrations/1_two_blocks.down.sql",
                "drop table b;\ndrop table a;\n",
            ),
        ],
    );
    let db = TestDb::new();
    assert_code(&project.dbward(&db, &["up"]), 0);
    assert!(db.table_exists("a") && db.table_exists("b"));
    assert_code(&project.dbward(&db, &["down"]), 0);
    assert!(!db.table_exists("a"));
    // dbward's own layout keeps refusing transaction control mid-file.
    let dbward = Project::new();
    dbward.write("migrations/001_two_blocks.sql", blocks);
    let run = dbward.dbward(&TestDb::new(), &["up"]);
    assert_code(&run, 2);
    assert!(run.stderr.contains("001_two_blocks.sql:3:1"), "{run:?}");
}

#[test]
fn a_down_file_of_comments_is_a_no_op_in_other_tools_layouts() {
    let project = project(
        "golang-migrate",
        &[
            (
                "migrations/1_plans.up.sql",
                "create table plans (id bigint primary key, storage bigint not null);\ninsert into plans values (1, 10);\n",
            ),
            ("migrations/1_plans.down.sql", "drop table plans;\n"),
            (
                "migrations/2_more_storage.up.sql",
                "update plans set storage = storage * 2;\n",
            ),
            ("migrations/2_more_storage.down.sql", "-- no-op\n"),
        ],
    );
    let db = TestDb::new();
    assert_code(&project.dbward(&db, &["up"]), 0);
    assert_code(&project.dbward(&db, &["down"]), 0);
    assert_eq!(
        states(&project, &db),
        vec![
            ("1".to_string(), "applied".to_string()),
            ("2".to_string(), "pending".to_string())
        ]
    );
    assert_eq!(db.scalar("select storage from plans"), "20");
    // An empty down file, as `migrate create` writes it, is a rollback not written yet.
    project.write("migrations/1_plans.down.sql", "\n");
    let down = project.dbward(&db, &["down"]);
    assert_code(&down, 2);
    assert!(
        down.stderr
            .contains("1_plans.down.sql: script of migration 1 holds no SQL"),
        "{down:?}"
    );
    assert!(db.table_exists("plans"));
    // dbward's own layout reads it as a rollback not written yet.
    let dbward = Project::new();
    dbward.migration("001_a.sql", "create table a (id int);", "-- to write\n");
    let db = TestDb::new();
    assert_code(&dbward.dbward(&db, &["up"]), 0);
    let down = dbward.dbward(&db, &["down"]);
    assert_code(&down, 2);
    assert!(down.stderr.contains("holds no SQL"), "{down:?}");
}
