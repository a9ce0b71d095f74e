//! The five seed systems, end to end on a real PostgreSQL: up, seed, seed again (row counts
//! unchanged), every named function checked on the fixture data, down to zero (nothing of
//! the system left in the catalog), up again (the same catalog as the first time).

mod support;

use std::path::PathBuf;

use support::{Project, TestDb, assert_code};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn round_trip(project_dir: &str, checks: &str) {
    let db = TestDb::new();
    let runner = Project::new();
    let dbward = |args: &[&str]| runner.dbward_in(&db, project_dir, args);

    // dbward's tables and the compat shim, no migration yet: the empty state.
    assert_code(&dbward(&["up", "--to", "0"]), 0);
    let empty = db.catalog();

    let up = dbward(&["up"]);
    assert_code(&up, 0);
    let first_up = db.catalog();
    assert!(
        first_up.len() > empty.len() + 10,
        "{project_dir}: the migrations created little"
    );

    let seed = dbward(&["seed", "--format", "json"]);
    assert_code(&seed, 0);
    let inserted: i64 = seed.json()["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["inserted"].as_i64().unwrap())
        .sum();
    assert!(
        inserted > 0,
        "{project_dir}: the fixtures inserted nothing: {seed:?}"
    );
    let counts = db.row_counts();

    let again = dbward(&["seed", "--format", "json"]);
    assert_code(&again, 0);
    assert_eq!(
        db.row_counts(),
        counts,
        "{project_dir}: a second seed changed row counts"
    );

    let checks = std::fs::read_to_string(repo().join("tests/seed_checks").join(checks)).unwrap();
    let mut client = db.client();
    client.batch_execute("BEGIN").unwrap();
    if let Err(e) = client.batch_execute(&checks) {
        panic!(
            "{project_dir}: function checks failed: {}",
            dbward::db::driver_error::describe(&e)
        );
    }
    client.batch_execute("ROLLBACK").unwrap();

    let down = dbward(&["down", "--to", "0"]);
    assert_code(&down, 0);
    let after_down = db.catalog();
    let left: Vec<_> = after_down.iter().filter(|o| !empty.contains(o)).collect();
    let lost: Vec<_> = empty.iter().filter(|o| !after_down.contains(o)).collect();
    assert!(
        left.is_empty() && lost.is_empty(),
        "{project_dir}: down --to 0 left {left:?} and removed {lost:?}"
    );

    assert_code(&dbward(&["up"]), 0);
    assert_eq!(
        db.catalog(),
        first_up,
        "{project_dir}: the second up differs from the first"
    );
}

#[test]
fn blog_ai() {
    round_trip(".", "blogai.sql");
}

#[test]
fn mirai() {
    round_trip("examples/mirai", "mirai.sql");
}

#[test]
fn mindroom() {
    round_trip("examples/mindroom", "mindroom.sql");
}

#[test]
fn subtle() {
    round_trip("examples/subtle", "subtle.sql");
}

#[test]
fn dalsiai() {
    round_trip("examples/dalsiai", "dalsiai.sql");
}
