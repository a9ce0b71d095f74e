//! Which history to adopt, and dbward's own history beside it.

use crate::flyway::{flyway_row, flyway_table};
use crate::sqlx::{sqlx_row, sqlx_table};
use crate::*;

#[test]
fn two_histories_need_from_and_none_is_an_error() {
    let db = TestDb::new();
    let project = project(Tool::Sqlx, 3);
    let none = project.dbward(&db, &["adopt"]);
    assert_code(&none, 2);
    assert!(
        none.stderr
            .contains("no other tool's history is in this database"),
        "{none:?}"
    );

    sqlx_table(&db);
    flyway_table(&db);
    apply_files(&db, 1);
    sqlx_row(&db, 0, true);
    flyway_row(&db, 1, Some(0), "SQL", Some(FLYWAY_CRC[0]), true);
    let both = project.dbward(&db, &["adopt"]);
    assert_code(&both, 2);
    assert!(
        both.stderr.contains("--from sqlx or --from flyway"),
        "{both:?}"
    );
    let goose = project.dbward(&db, &["adopt", "--from", "goose"]);
    assert_code(&goose, 2);
    assert!(
        goose
            .stderr
            .contains("goose's history table goose_db_version is not in this database"),
        "{goose:?}"
    );
    let sqlx = project.dbward(&db, &["adopt", "--from", "sqlx", "--format", "json"]);
    assert_code(&sqlx, 0);
    assert_eq!(sqlx.json()["tool"], "sqlx");
    assert_eq!(history_names(&db), "users");
}

#[test]
fn a_dbward_history_that_disagrees_is_refused() {
    let db = TestDb::new();
    let project = project(Tool::Sqlx, 1);
    // dbward applied 1 itself; the file was edited since, and sqlx ran the edited one.
    assert_code(&project.dbward(&db, &["up"]), 0);
    project.write("migrations/1_users.sql", FILES[1].2);
    sqlx_table(&db);
    sqlx_row(&db, 1, true);
    db.client()
        .batch_execute("UPDATE _sqlx_migrations SET version = 1")
        .unwrap();
    let run = project.dbward(&db, &["adopt"]);
    assert_code(&run, 3);
    assert!(
        run.stderr.contains(
            "dbward's history already records migration 1, with another checksum than migrations/1_users.sql's"
        ),
        "{run:?}"
    );
    assert_eq!(adopted_events(&db), "");
}

#[test]
fn help_names_the_tools_and_has_examples() {
    let project = Project::new();
    let help = project.run(&["adopt", "--help"]);
    assert_code(&help, 0);
    for said in [
        "Example",
        "dbward adopt --dry-run",
        "_sqlx_migrations",
        "goose_db_version",
    ] {
        assert!(help.stdout.contains(said), "{said}: {}", help.stdout);
    }
    assert_code(&project.run(&["adopt", "--from", "liquibase"]), 2);
}
