//! What the SQL of a file must not hold, refused by `check` and `up` alike (exit 2) before
//! any connection: `up` is pointed at a port where nothing listens, so a run that reached
//! for the database would exit 1. And what must still be accepted, run on a real server.

mod support;

use support::{Project, Run, TestDb, assert_code};

const UNREACHABLE: &str = "postgres://u@127.0.0.1:1/x";

/// `check`, and `up` against nowhere: both must refuse with exit 2.
#[track_caller]
fn both_refuse(project: &Project) -> [Run; 2] {
    let check = project.run(&["check"]);
    assert_code(&check, 2);
    let up = project.run(&["up", "--database-url", UNREACHABLE]);
    assert_code(&up, 2);
    assert!(!up.stderr.contains("cannot connect"), "{up:?}");
    [check, up]
}

#[track_caller]
fn assert_says(run: &Run, expected: &str) {
    assert!(
        run.stderr.contains(expected),
        "missing {expected:?} in {}",
        run.stderr
    );
}

#[test]
fn deeply_nested_statements_are_refused_by_name_not_aborted() {
    let shapes = [
        (
            "parens",
            format!("select {}1{};\n", "(".repeat(17_500), ")".repeat(17_500)),
            "17500 levels",
        ),
        (
            "chain",
            format!("select 1{};\n", " + 1".repeat(199_999)),
            "199999 operators",
        ),
        (
            "nots",
            format!("select {}true;\n", "not ".repeat(50_000)),
            "50000 levels",
        ),
        (
            "arrays",
            format!(
                "select {}1{};\n",
                "array[".repeat(20_000),
                "]".repeat(20_000)
            ),
            "20000 levels",
        ),
    ];
    for (name, sql, depth) in &shapes {
        for directive in ["", "-- dbward:no-transaction\n"] {
            let project = Project::new();
            project.write("migrations/001_ok.sql", "create table t (a int);\n");
            project.write(
                &format!("migrations/002_{name}.sql"),
                format!("{directive}-- deep\n\n{sql}"),
            );
            let line = if directive.is_empty() { 3 } else { 4 };
            let json = project.run(&["check", "--format", "json"]);
            assert_code(&json, 2);
            assert_eq!(json.json()["error"]["kind"], "files");
            assert_eq!(json.json()["error"]["detail"][0]["problem"], "too_deep");
            assert_eq!(json.json()["error"]["detail"][0]["line"], line);
            for run in both_refuse(&project) {
                assert_says(
                    &run,
                    &format!(
                        "migrations/002_{name}.sql:{line}: statement nested too deeply ({depth}"
                    ),
                );
                assert_says(&run, "dbward accepts up to");
            }
        }
    }
}

#[test]
fn empty_files_and_nul_bytes_are_refused_before_connecting() {
    let project = Project::new();
    project.write("migrations/001_empty.sql", "");
    project.write("migrations/002_blank.sql", " \n\t\n");
    project.write("migrations/003_comments.sql", "-- todo\n/* later */\n");
    project.write("migrations/004_bom.sql", b"\xef\xbb\xbf".as_slice());
    project.write(
        "migrations/005_nul.sql",
        b"select 1;\nselect 'a\0b';\n".as_slice(),
    );
    project.write("migrations/006_ok.sql", "select 1;\n");
    // An unwritten rollback is not refused: `down` refuses it when it would run it.
    project.write("rollbacks/006_ok.sql", "-- todo\n");
    for run in both_refuse(&project) {
        for file in ["001_empty", "002_blank", "003_comments", "004_bom"] {
            assert_says(&run, &format!("migrations/{file}.sql: holds no SQL"));
        }
        assert_says(
            &run,
            "migrations/005_nul.sql:2:10: holds a NUL byte, which PostgreSQL cannot take",
        );
        assert!(!run.stderr.contains("006_ok"), "{run:?}");
    }

    // With the refused files fixed, the unwritten rollback is only a warning.
    for file in [
        "001_empty",
        "002_blank",
        "003_comments",
        "004_bom",
        "005_nul",
    ] {
        project.remove(&format!("migrations/{file}.sql"));
    }
    let check = project.run(&["check"]);
    assert_code(&check, 0);
    assert!(
        check
            .stdout
            .contains("warning: rollbacks/006_ok.sql holds no SQL: `down` refuses to run it"),
        "{check:?}"
    );
    let json = project.run(&["check", "--format", "json"]);
    assert_eq!(
        json.json()["unwritten_rollbacks"][0],
        "rollbacks/006_ok.sql"
    );
}

#[test]
fn statements_that_cannot_run_in_a_transaction_need_the_directive() {
    let cases = [
        (
            "create index concurrently i on t (a);",
            "CREATE INDEX CONCURRENTLY",
        ),
        ("drop index concurrently i;", "DROP INDEX CONCURRENTLY"),
        ("reindex table concurrently t;", "REINDEX ... CONCURRENTLY"),
        ("vacuum t;", "VACUUM"),
        ("create database other;", "CREATE DATABASE"),
        ("alter system set work_mem = '8MB';", "ALTER SYSTEM"),
    ];
    let project = Project::new();
    project.write("migrations/001_t.sql", "create table t (a int);\n");
    for (index, (sql, _)) in cases.iter().enumerate() {
        project.write(
            &format!("migrations/{:03}_m.sql", index + 2),
            format!("select 1;\n  {sql}\n"),
        );
    }
    for run in both_refuse(&project) {
        for (index, (_, name)) in cases.iter().enumerate() {
            assert_says(
                &run,
                &format!(
                    "migrations/{:03}_m.sql:2:3: {name} cannot run inside a transaction; add -- dbward:no-transaction to the file's leading comments",
                    index + 2
                ),
            );
        }
    }
}

#[test]
fn savepoints_no_transaction_files_and_deep_but_sane_sql_run() {
    let db = TestDb::new();
    let project = Project::new();
    project.write(
        "migrations/001_savepoints.sql",
        "create table t (a int);\n\
         savepoint before_bad;\n\
         insert into t values (1);\n\
         ROLLBACK TO SAVEPOINT before_bad;\n\
         savepoint second;\n\
         insert into t values (2);\n\
         rollback work to second;\n\
         savepoint third;\n\
         insert into t values (3);\n\
         Rollback Transaction To Savepoint third;\n\
         release savepoint before_bad;\n\
         insert into t values (4);\n",
    );
    project.write(
        "migrations/002_index.sql",
        "-- dbward:no-transaction\ncreate index concurrently t_a on t (a);\n",
    );
    // Deeper than a default stack holds unoptimised, well within what PostgreSQL parses.
    project.write(
        "migrations/003_deep.sql",
        format!(
            "insert into t values ({}5{});\n",
            "(".repeat(3_000),
            ")".repeat(3_000)
        ),
    );
    let check = project.run(&["check"]);
    assert!(check.code == 0 || check.code == 3, "{check:?}");
    assert!(!check.stderr.contains("transaction half-way"), "{check:?}");
    let up = project.dbward(&db, &["up"]);
    assert_code(&up, 0);
    assert_eq!(
        db.scalar("select string_agg(a::text, ',' order by a) from t"),
        "4,5"
    );
    assert_eq!(
        db.scalar("select indisvalid::text from pg_index where indexrelid = 't_a'::regclass"),
        "true"
    );
}

#[test]
fn statements_just_within_the_limits_are_read_without_aborting() {
    let project = Project::new();
    // As deep as dbward accepts: brackets, and a chain whose every link the parser
    // recurses into.
    project.write(
        "migrations/001_parens.sql",
        format!("select {}1{};\n", "(".repeat(10_000), ")".repeat(10_000)),
    );
    project.write(
        "migrations/002_chain.sql",
        format!("select true{};\n", " = not true".repeat(50_000)),
    );
    let check = project.run(&["check"]);
    assert!(check.code == 0 || check.code == 3, "{check:?}");
    assert!(!check.stderr.contains("nested too deeply"), "{check:?}");
}
