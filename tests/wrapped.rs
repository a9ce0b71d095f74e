//! Files wrapped whole in `BEGIN; ... COMMIT;` against a real PostgreSQL: run as the one
//! transaction dbward gives them (their history row inside it), without the wrapper;
//! transaction control anywhere else still refused.

mod support;

use dbward::migrate::model::Checksum;
use support::{Project, TestDb, assert_code};

fn history(db: &TestDb) -> String {
    db.scalar("SELECT coalesce(string_agg(version::text, ',' ORDER BY version), '') FROM dbward.schema_history")
}

const WRAPPED_UP: &str = "-- as Supabase writes them\nBEGIN;\n\ncreate table notes (id bigint primary key, body text);\ninsert into notes values (1, 'kept');\n\nCOMMIT;\n";

#[test]
fn a_wrapped_migration_applies_and_rolls_back_with_its_checksum_as_written() {
    let db = TestDb::new();
    let project = Project::new();
    project.migration(
        "001_notes.sql",
        WRAPPED_UP,
        "begin transaction;\ndrop table notes;\ncommit transaction;",
    );
    project.migration(
        "002_tags.sql",
        "START TRANSACTION;\ncreate table tags (id bigint primary key);\nEND;",
        "drop table tags;",
    );
    assert_code(&project.run(&["check"]), 0);

    let up = project.dbward(&db, &["up"]);
    assert_code(&up, 0);
    assert_eq!(history(&db), "1,2");
    assert_eq!(db.scalar("SELECT body FROM notes"), "kept");
    assert!(db.table_exists("tags"));
    assert_eq!(
        db.scalar("SELECT checksum FROM dbward.schema_history WHERE version = 1"),
        Checksum::of(WRAPPED_UP).to_hex(),
        "the checksum is the file's as written, wrapper included"
    );
    let status = project.dbward(&db, &["status", "--format", "json"]);
    assert_code(&status, 0);
    assert!(!status.stdout.contains("modified"), "{status:?}");

    assert_code(&project.dbward(&db, &["down", "--to", "0"]), 0);
    assert!(!db.table_exists("notes"));
    assert_eq!(history(&db), "");
    assert_code(&project.dbward(&db, &["up"]), 0);
    assert_code(&project.dbward(&db, &["redo"]), 0);
    assert_eq!(history(&db), "1,2");
}

#[test]
fn the_wrappers_commit_is_not_sent_so_the_history_row_commits_with_the_file() {
    // Were the file's COMMIT sent, it would commit dbward's transaction half-way: under
    // --single-transaction, 001's table and history row would outlive 002's failure.
    let db = TestDb::new();
    let project = Project::new();
    project.migration("001_notes.sql", WRAPPED_UP, "drop table notes;");
    project.migration(
        "002_bad.sql",
        "BEGIN;\ncreate table half (id int);\ninsert into missing_table values (1);\nCOMMIT;\n",
        "drop table half;",
    );
    let single = project.dbward(&db, &["up", "--single-transaction"]);
    assert_code(&single, 1);
    assert!(!db.table_exists("notes"), "{single:?}");
    assert!(!db.table_exists("half"));
    assert_eq!(history(&db), "");

    // One transaction a migration: 001 stays, nothing of 002 does, as for any failure.
    let up = project.dbward(&db, &["up"]);
    assert_code(&up, 1);
    assert!(
        up.stderr.contains(
            "migrations/002_bad.sql:3:13: error 42P01: relation \"missing_table\" does not exist"
        ),
        "{up:?}"
    );
    assert!(db.table_exists("notes"));
    assert!(
        !db.table_exists("half"),
        "nothing of the failed file is left"
    );
    assert_eq!(history(&db), "1");
}

#[test]
fn failures_inside_a_wrapper_are_placed_on_their_own_line_and_column() {
    let db = TestDb::new();
    let project = Project::new();
    // A position PostgreSQL gives, on a line that also holds the wrapper's BEGIN.
    project.migration(
        "001_hint.sql",
        "begin; select lenght('x');\ncommit;",
        "select 1;",
    );
    let up = project.dbward(&db, &["up", "--format", "json"]);
    assert_code(&up, 1);
    let error = &up.json()["error"];
    assert_eq!(error["kind"], "migration_failed");
    assert_eq!(
        (&error["detail"]["line"], &error["detail"]["column"]),
        (&1.into(), &15.into())
    );

    // No position from PostgreSQL: the statement is found by replaying the file, unwrapped.
    project.write(
        "migrations/001_hint.sql",
        "BEGIN;\ncreate table u (id int);\n\ncreate index u_nope on u (nope);\nCOMMIT;\n",
    );
    let up = project.dbward(&db, &["up"]);
    assert_code(&up, 1);
    assert!(
        up.stderr
            .contains("migrations/001_hint.sql:4:1: error 42703"),
        "{up:?}"
    );
    assert!(!db.table_exists("u"));
}

#[test]
fn transaction_control_besides_the_wrapper_is_still_refused_in_place() {
    let db = TestDb::new();
    for (file, expected) in [
        (
            "BEGIN;\ncreate table a (id int);\nCOMMIT;\nBEGIN;\ncreate table b (id int);\nCOMMIT;\n",
            "migrations/001_two.sql:3:1: COMMIT would end dbward's transaction half-way",
        ),
        (
            "BEGIN;\ncreate table a (id int);\n  BEGIN;\ncreate table b (id int);\nCOMMIT;\n",
            "migrations/001_two.sql:3:3: BEGIN would end dbward's transaction half-way",
        ),
        (
            "BEGIN;\ncreate table a (id int);\nROLLBACK;\n",
            "migrations/001_two.sql:1:1: BEGIN would end dbward's transaction half-way",
        ),
        (
            "create table a (id int);\nCOMMIT;\n",
            "migrations/001_two.sql:2:1: COMMIT would end dbward's transaction half-way",
        ),
        (
            "-- strict\nBEGIN ISOLATION LEVEL SERIALIZABLE;\ncreate table a (id int);\nCOMMIT;\n",
            "migrations/001_two.sql:2:1: `BEGIN ISOLATION LEVEL SERIALIZABLE` asks for a transaction unlike the one dbward runs each migration in",
        ),
    ] {
        let project = Project::new();
        project.migration("001_two.sql", file, "select 1;");
        let up = project.dbward(&db, &["up"]);
        assert_code(&up, 2);
        assert!(up.stderr.contains(expected), "{file}: {up:?}");
        let check = project.run(&["check"]);
        assert_code(&check, 2);
        assert!(
            check.stdout.contains(expected) || check.stderr.contains(expected),
            "{file}: {check:?}"
        );
        assert!(!db.table_exists("a"));
    }
}

#[test]
fn no_transaction_files_and_fixtures_keep_their_own_statements() {
    let db = TestDb::new();
    let project = Project::new();
    // Statement by statement, so the file's own BEGIN and COMMIT hold it together.
    project.migration(
        "001_own.sql",
        "-- dbward:no-transaction\nBEGIN ISOLATION LEVEL SERIALIZABLE;\ncreate table own (id int);\nCOMMIT;\n",
        "drop table own;",
    );
    project.write(
        "fixtures/001_rows.sql",
        "BEGIN;\ninsert into own values (1), (2);\nCOMMIT;\n",
    );
    assert_code(&project.dbward(&db, &["up"]), 0);
    assert!(db.table_exists("own"));
    assert_code(&project.dbward(&db, &["seed"]), 0);
    assert_eq!(db.scalar("SELECT count(*) FROM own"), "2");
}
