//! `dbward check`, `dbward ci` and `dbward diff` against a real PostgreSQL: passing on the
//! five seed systems, and failing where they must, naming the right step.

mod support;

use support::{Project, TestDb, assert_code};

fn ci(project: &Project, db: &TestDb) -> (i32, serde_json::Value) {
    let run = project.dbward(db, &["ci", "--format", "json"]);
    (run.code, run.json())
}

fn failed_step(doc: &serde_json::Value) -> (String, String) {
    let step = doc["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["status"] == "failed")
        .unwrap_or_else(|| panic!("no step failed: {doc:#}"));
    (
        step["name"].as_str().unwrap().to_string(),
        step["message"].as_str().unwrap().to_string(),
    )
}

fn supabase_project() -> Project {
    let project = Project::new();
    project.write("dbward.toml", "compat = \"supabase\"\n");
    project.migration(
        "001_notes.sql",
        "create table notes (id bigint primary key, owner uuid not null references auth.users, body text, status text default 'draft');\n\
         create index notes_owner on notes (owner);\n\
         alter table notes enable row level security;\n\
         create policy own_notes on notes for all to authenticated using (owner = (select auth.uid())) with check (owner = (select auth.uid()));",
        "drop table notes;",
    );
    project
}

#[test]
fn ci_passes_on_the_five_seed_systems() {
    for system in support::SEED_SYSTEMS {
        let db = TestDb::new();
        let run = Project::new().dbward_in(&db, system, &["ci", "--format", "json"]);
        assert_eq!(run.code, 0, "{system}: {}", run.stdout);
        let doc = run.json();
        assert_eq!(doc["passed"], true);
        let names: Vec<&str> = doc["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            vec![
                "check", "database", "up", "seed", "verify", "down", "up again"
            ]
        );
    }
}

#[test]
fn a_rollback_that_leaves_a_table_behind_fails_the_down_step() {
    let db = TestDb::new();
    let project = supabase_project();
    project.migration(
        "002_tags.sql",
        "create table tags (id bigint primary key);\nalter table tags enable row level security;",
        "select 1;",
    );
    let (code, doc) = ci(&project, &db);
    assert_eq!(
        code, 3,
        "a rollback that is not the reverse is a problem found"
    );
    let (step, message) = failed_step(&doc);
    assert_eq!(step, "down");
    assert!(
        message.contains("rollback of migration 002") && message.contains("public.tags"),
        "{message}"
    );
}

#[test]
fn a_rollback_that_is_not_the_reverse_fails_naming_the_column() {
    let db = TestDb::new();
    let project = supabase_project();
    project.migration(
        "002_status.sql",
        "alter table notes alter column status set default 'new';\nalter table notes add column pinned boolean;",
        "alter table notes drop column pinned;",
    );
    let (code, doc) = ci(&project, &db);
    assert_eq!(
        code, 3,
        "a rollback that is not the reverse is a problem found"
    );
    let (step, message) = failed_step(&doc);
    assert_eq!(step, "down");
    assert!(message.contains("rollback of migration 002"), "{message}");
    assert!(
        message.contains("column public.notes.status differs"),
        "{message}"
    );
}

#[test]
fn an_exposed_table_without_rls_fails_the_verify_step() {
    let db = TestDb::new();
    let project = supabase_project();
    project.migration(
        "002_open.sql",
        "create table open_data (id bigint primary key, secret text);",
        "drop table open_data;",
    );
    let (code, doc) = ci(&project, &db);
    assert_eq!(code, 3);
    let (step, message) = failed_step(&doc);
    assert_eq!(step, "verify");
    assert!(
        message.contains("rls_disabled_exposed: public.open_data"),
        "{message}"
    );
    // Nothing after the failure ran.
    let statuses: Vec<&str> = doc["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        vec![
            "passed", "passed", "passed", "passed", "failed", "skipped", "skipped"
        ]
    );
}

#[test]
fn a_squawk_error_fails_the_check_step_with_its_place() {
    let db = TestDb::new();
    let project = supabase_project();
    project.migration(
        "002_index.sql",
        "create index notes_body on notes (body);",
        "drop index notes_body;",
    );
    let (code, doc) = ci(&project, &db);
    assert_eq!(code, 3);
    let (step, message) = failed_step(&doc);
    assert_eq!(step, "check");
    assert!(
        message.contains("migrations/002_index.sql:1:1: require-concurrent-index-creation"),
        "{message}"
    );

    let check = project.run(&["check"]);
    assert_code(&check, 3);
    assert!(
        check
            .stdout
            .contains("002_index.sql:1:1: require-concurrent-index-creation"),
        "{check:?}"
    );
    assert_code(&project.run(&["check", "--since", "2"]), 0);
    project.write("migrations/002_index.sql", "-- squawk-ignore require-concurrent-index-creation\ncreate index notes_body on notes (body);");
    assert_code(&project.run(&["check"]), 0);
}

#[test]
fn a_duplicate_number_fails_the_check_step() {
    let db = TestDb::new();
    let project = supabase_project();
    project.write("migrations/1_again.sql", "select 1;");
    let (code, doc) = ci(&project, &db);
    assert_eq!(code, 2);
    let (step, message) = failed_step(&doc);
    assert_eq!(step, "check");
    assert!(
        message.contains("duplicate migration number 001"),
        "{message}"
    );
}

#[test]
fn ci_writes_junit_and_refuses_a_database_that_is_not_empty() {
    let db = TestDb::new();
    let project = supabase_project();
    let junit = project.path().join("ci.xml");
    let run = project.dbward(&db, &["ci", "--junit", junit.to_str().unwrap()]);
    assert_code(&run, 0);
    assert!(run.stdout.contains("dbward ci passed"), "{run:?}");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains("<testsuite name=\"dbward ci\" tests=\"7\" failures=\"0\""),
        "{xml}"
    );

    // The database now holds the migrated schema: not empty any more.
    let again = project.dbward(&db, &["ci"]);
    assert_code(&again, 2);
    assert!(
        again.stdout.contains("needs an empty database"),
        "{again:?}"
    );
}

/// `diff` builds its throw-away database on the project's local cluster: stop it however
/// the test ends.
struct DestroyLocal<'a>(&'a Project);

impl Drop for DestroyLocal<'_> {
    fn drop(&mut self) {
        let _ = self.0.run(&["local", "destroy"]);
    }
}

#[test]
fn diff_names_a_column_a_policy_and_an_index_changed_by_hand() {
    let db = TestDb::new();
    let project = supabase_project();
    let _local = DestroyLocal(&project);
    assert_code(&project.dbward(&db, &["up"]), 0);
    assert_code(&project.dbward(&db, &["diff"]), 0);

    db.client()
        .batch_execute(
            "alter table notes alter column body type varchar(200);
             drop policy own_notes on notes;
             create policy own_notes on notes for all to authenticated using (true);
             drop index notes_owner;
             create index notes_body on notes (body);",
        )
        .unwrap();
    let run = project.dbward(&db, &["diff", "--format", "json"]);
    assert_code(&run, 3);
    let found = run.differences();
    for expected in [
        "column public.notes.body",
        "policy public.notes own_notes",
        "index public.notes_owner",
        "index public.notes_body",
    ] {
        assert!(
            found.iter().any(|f| f == expected),
            "{expected} missing: {found:?}"
        );
    }
    let text = project.dbward(&db, &["diff"]);
    assert!(
        text.stdout.contains("database: character varying(200)"),
        "{text:?}"
    );
}

#[test]
fn diff_names_an_overload_whose_signature_is_longer_than_a_name() {
    // Object names were once cut at 63 bytes (PostgreSQL's `name`): two overloads that
    // differ only past that were one line, and an added one went unseen.
    let db = TestDb::new();
    let project = Project::new();
    project.write("dbward.toml", "");
    project.migration(
        "001_f.sql",
        "create function a_function_with_a_rather_long_name(first_argument integer, second_argument text) returns int language sql as $$ select 1 $$;",
        "drop function a_function_with_a_rather_long_name(integer, text);",
    );
    let _local = DestroyLocal(&project);
    assert_code(&project.dbward(&db, &["up"]), 0);
    db.client()
        .batch_execute(
            "create function a_function_with_a_rather_long_name(first_argument integer, second_argument text, third boolean) returns int language sql as $$ select 2 $$;",
        )
        .unwrap();
    let run = project.dbward(&db, &["diff", "--format", "json"]);
    assert_code(&run, 3);
    assert_eq!(
        run.differences(),
        vec![
            "function public.a_function_with_a_rather_long_name(first_argument integer, second_argument text, third boolean)",
            "grant function public.a_function_with_a_rather_long_name(first_argument integer, second_argument text, third boolean) to public",
        ]
    );
}

#[test]
fn a_failing_statement_fails_its_step_with_exit_1() {
    // In up.
    let db = TestDb::new();
    let project = supabase_project();
    project.migration(
        "002_bad.sql",
        "insert into missing_table values (1);",
        "select 1;",
    );
    let (code, doc) = ci(&project, &db);
    assert_eq!(code, 1);
    let (step, message) = failed_step(&doc);
    assert_eq!(step, "up");
    assert!(message.contains("missing_table"), "{message}");

    // In a fixture.
    let db = TestDb::new();
    let project = supabase_project();
    project.write(
        "fixtures/001_notes.sql",
        "insert into notes (id) values (1);",
    );
    let (code, doc) = ci(&project, &db);
    assert_eq!(code, 1);
    assert_eq!(failed_step(&doc).0, "seed");

    // In a rollback.
    let db = TestDb::new();
    let project = supabase_project();
    project.migration(
        "002_tags.sql",
        "create table tags (id bigint primary key);\nalter table tags enable row level security;",
        "drop table no_such_table;",
    );
    let (code, doc) = ci(&project, &db);
    assert_eq!(code, 1);
    assert_eq!(failed_step(&doc).0, "down");
}

fn step_message(doc: &serde_json::Value, name: &str) -> String {
    let step = doc["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no step {name}: {doc:#}"));
    assert_eq!(step["status"], "passed", "{doc:#}");
    step["message"].as_str().unwrap().to_string()
}

/// Migrations without rollbacks, as most real projects keep them.
fn forward_only_project() -> Project {
    let project = Project::new();
    project.write(
        "migrations/001_users.sql",
        "create table users (id bigint primary key);",
    );
    project.write(
        "migrations/002_posts.sql",
        "create table posts (id bigint primary key, user_id bigint references users);",
    );
    project.write(
        "fixtures/001_users.sql",
        "insert into users values (1);\ninsert into posts values (1, 1);",
    );
    project
}

#[test]
fn a_forward_only_project_passes_with_a_round_trip_over_none() {
    let db = TestDb::new();
    let project = forward_only_project();
    let (code, doc) = ci(&project, &db);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(doc["passed"], true);
    assert_eq!(
        step_message(&doc, "check"),
        "2 migrations, no lint finding, 2 without rollback"
    );
    assert_eq!(
        step_message(&doc, "down"),
        "round trip over 0 of 2 migrations: the newest, 002_posts.sql, has no rollback; 2 without rollback: 001_users.sql, 002_posts.sql"
    );
    assert_eq!(
        step_message(&doc, "up again"),
        "nothing to apply again: nothing was rolled back"
    );
    // The seeded rows are still there: nothing was rolled back.
    assert_eq!(db.scalar("SELECT count(*) FROM posts"), "1");

    let text = project.dbward(&TestDb::new(), &["ci"]);
    assert_code(&text, 0);
    assert!(text.stdout.contains("dbward ci passed"), "{text:?}");
    // Where stderr is a log, not a terminal, each step is said there once, as it ends.
    let said: Vec<&str> = text
        .stderr
        .lines()
        .filter(|l| l.starts_with("ok   "))
        .collect();
    assert_eq!(said.len(), 7, "{text:?}");
    assert!(said[0].starts_with("ok   check ("), "{text:?}");
    assert!(
        !text.stdout.lines().any(|l| l.starts_with("ok ")),
        "{text:?}"
    );
}

/// Migrations 001 and 003 have no rollback; 002 and 004 have one.
fn mixed_project() -> Project {
    let project = Project::new();
    project.write(
        "migrations/001_users.sql",
        "create table users (id bigint primary key);",
    );
    project.migration(
        "002_posts.sql",
        "create table posts (id bigint primary key, user_id bigint references users);",
        "drop table posts;",
    );
    project.write(
        "migrations/003_tags.sql",
        "create table tags (id bigint primary key);",
    );
    project.migration(
        "004_likes.sql",
        "create table likes (post_id bigint references posts);",
        "drop table likes;",
    );
    project
}

#[test]
fn a_mixed_project_round_trips_the_newest_migrations_that_have_rollbacks() {
    let db = TestDb::new();
    let project = mixed_project();
    // Below 003, which has none, 002's rollback is not run: its flaw goes unseen.
    project.write("rollbacks/002_posts.sql", "select 1;");
    // A placeholder rollback with no SQL counts as none.
    project.write("rollbacks/003_tags.sql", "-- tags stay\n");
    let (code, doc) = ci(&project, &db);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(
        step_message(&doc, "down"),
        "round trip over 1 of 4 migrations, each rollback the exact reverse of its migration (down stops at 003_tags.sql, which has none); 2 without rollback: 001_users.sql, 003_tags.sql"
    );
    assert_eq!(
        step_message(&doc, "up again"),
        "the same catalog as the first up"
    );

    // 004's rollback is run and compared: one that is not the reverse fails as ever.
    let db = TestDb::new();
    project.write("rollbacks/004_likes.sql", "select 1;");
    let (code, doc) = ci(&project, &db);
    assert_eq!(code, 3);
    let (step, message) = failed_step(&doc);
    assert_eq!(step, "down");
    assert!(
        message.contains("rollback of migration 004") && message.contains("public.likes"),
        "{message}"
    );

    // The newest without a rollback: the round trip covers none, and says so.
    let db = TestDb::new();
    project.remove("rollbacks/004_likes.sql");
    let (code, doc) = ci(&project, &db);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(
        step_message(&doc, "down"),
        "round trip over 0 of 4 migrations: the newest, 004_likes.sql, has no rollback; 3 without rollback: 001_users.sql, 003_tags.sql, 004_likes.sql"
    );
}

/// The down step's failure on a missing rollback, as `ci` gave it before rollbacks became
/// optional: exit 2, naming the migration and the file to add.
fn assert_fails_on_the_missing_rollback(run: &support::Run) {
    assert_eq!(run.code, 2, "{run:?}");
    let doc = run.json();
    let (step, message) = failed_step(&doc);
    assert_eq!(step, "down");
    assert_eq!(
        message,
        "migration 004 (migrations/004_likes.sql) has no rollback, so `down` stops before it; add rollbacks/004_likes.sql"
    );
    let statuses: Vec<&str> = doc["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        vec![
            "passed", "passed", "passed", "passed", "passed", "failed", "skipped"
        ]
    );
}

#[test]
fn require_rollbacks_fails_a_missing_rollback_as_before() {
    let project = mixed_project();
    project.remove("rollbacks/004_likes.sql");
    let run = project.dbward(
        &TestDb::new(),
        &["ci", "--require-rollbacks", "--format", "json"],
    );
    assert_fails_on_the_missing_rollback(&run);

    project.write("dbward.toml", "[ci]\nrequire_rollbacks = true\n");
    let run = project.dbward(&TestDb::new(), &["ci", "--format", "json"]);
    assert_fails_on_the_missing_rollback(&run);

    // The key set to false is the default: the round trip covers what it can.
    project.write("dbward.toml", "[ci]\nrequire_rollbacks = false\n");
    assert_code(&project.dbward(&TestDb::new(), &["ci"]), 0);

    project.write("dbward.toml", "[ci]\nrequire_rollback = true\n");
    let run = project.dbward(&TestDb::new(), &["ci"]);
    assert_code(&run, 2);
    assert!(
        run.stderr.contains("unknown field `require_rollback`"),
        "{run:?}"
    );
}

#[test]
fn a_database_given_must_hold_nothing_of_its_own_and_is_left_as_it_was() {
    let project = forward_only_project();
    // No table in public (which was all ci looked for), yet not empty.
    for (setup, named) in [
        (
            "create function public.answer() returns int language sql as 'select 42';",
            "1 object (function public.answer())",
        ),
        (
            "create schema app; create view app.v as select 1 as one; create type app.mood as enum ('ok'); create sequence app.s;",
            "3 objects (sequence app.s, type app.mood, view app.v)",
        ),
    ] {
        let db = TestDb::new();
        db.client().batch_execute(setup).unwrap();
        let before = db.catalog();
        let run = project.dbward(&db, &["ci"]);
        assert_code(&run, 2);
        assert!(
            run.stdout.contains(&format!("dbward ci needs an empty database, and postgres@127.0.0.1:{}/{} holds {named}; ci applies, seeds and rolls back migrations", db.port, db.name)),
            "{run:?}"
        );
        assert!(!run.stdout.contains(&db.password) && !run.stderr.contains(&db.password));
        assert_eq!(db.catalog(), before, "nothing in it changed");
    }

    // Supabase's own schemas and a dbward history with nothing applied are no objection.
    let db = TestDb::new();
    db.client()
        .batch_execute("create schema storage; create table storage.buckets (id text primary key);")
        .unwrap();
    // A project with no migrations (an empty folder is no project).
    let empty = Project::new();
    empty.write("dbward.toml", "");
    assert_code(&empty.dbward(&db, &["up"]), 0);
    assert_eq!(db.scalar("SELECT count(*) FROM dbward.schema_history"), "0");
    assert_code(&project.dbward(&db, &["ci"]), 0);

    // A history with a migration in it is one.
    let db = TestDb::new();
    let one = Project::new();
    one.write("migrations/001_x.sql", "select 1;");
    assert_code(&one.dbward(&db, &["up"]), 0);
    let before = db.catalog();
    let run = project.dbward(&db, &["ci"]);
    assert_code(&run, 2);
    assert!(
        run.stdout
            .contains("holds a dbward history of 1 migration;"),
        "{run:?}"
    );
    assert_eq!(db.catalog(), before);
}

#[test]
fn a_project_without_fixtures_passes_and_its_seed_step_says_so() {
    let db = TestDb::new();
    let project = supabase_project();
    let (code, doc) = ci(&project, &db);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(step_message(&doc, "seed"), "no fixtures in fixtures/");
}
