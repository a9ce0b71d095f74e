//! A migration's own timeouts (`-- dbward:lock-timeout`, `-- dbward:statement-timeout`) and
//! the project's `statement_timeout`, against a real PostgreSQL, through the real binary.

mod support;

use std::time::{Duration, Instant};

use support::{Project, TestDb, assert_code};

/// A project with `dbward.toml` holding `config`, whose first migration makes `t`, applied.
fn with_t(db: &TestDb, config: &str) -> Project {
    let project = Project::new();
    project.write("dbward.toml", config).migration(
        "001_t.sql",
        "create table t (id bigint primary key);",
        "drop table t;",
    );
    assert_code(&project.dbward(db, &["up"]), 0);
    project
}

/// Holds `t` locked from another session for `held`, from a thread of its own.
fn lock_t_for(db: &TestDb, held: Duration) -> std::thread::JoinHandle<()> {
    let mut holder = db.client();
    holder
        .batch_execute("BEGIN; LOCK TABLE t IN ACCESS EXCLUSIVE MODE")
        .unwrap();
    std::thread::spawn(move || {
        std::thread::sleep(held);
        holder.batch_execute("COMMIT").unwrap();
    })
}

fn applied_versions(db: &TestDb) -> String {
    db.scalar("SELECT string_agg(version::text, ',' ORDER BY version) FROM dbward.schema_history")
}

#[test]
fn a_migration_s_lock_timeout_directive_outlasts_the_project_s() {
    let db = TestDb::new();
    let project = with_t(&db, "lock_timeout = \"100ms\"\nlock_retries = 0\n");
    project.migration(
        "002_c.sql",
        "-- waits for the nightly export to finish\n-- dbward:lock-timeout 20s\nalter table t add column c int;",
        "alter table t drop column c;",
    );

    let released = lock_t_for(&db, Duration::from_millis(1500));
    let started = Instant::now();
    let run = project.dbward(&db, &["up"]);
    released.join().unwrap();

    assert_code(&run, 0);
    assert!(started.elapsed() >= Duration::from_millis(1500), "{run:?}");
    assert!(!run.stderr.contains("trying again"), "{run:?}");
    assert_eq!(applied_versions(&db), "1,2");
}

#[test]
fn a_migration_s_lock_timeout_directive_can_be_shorter_than_the_project_s() {
    let db = TestDb::new();
    let project = with_t(&db, "lock_retries = 0\n");
    project.migration(
        "002_c.sql",
        "-- dbward:lock-timeout 100ms\nalter table t add column c int;",
        "alter table t drop column c;",
    );

    let released = lock_t_for(&db, Duration::from_secs(3));
    let started = Instant::now();
    let run = project.dbward(&db, &["up"]);
    let took = started.elapsed();
    released.join().unwrap();

    assert_code(&run, 1);
    assert!(run.stderr.contains("55P03"), "{run:?}");
    assert!(took < Duration::from_secs(3), "waited {took:?}: {run:?}");
    assert_eq!(applied_versions(&db), "1");
}

#[test]
fn statement_timeout_from_the_project_stops_a_migration_and_a_directive_lifts_it() {
    let db = TestDb::new();
    let project = with_t(&db, "statement_timeout = \"200ms\"\n");
    project.migration(
        "002_slow.sql",
        "create table u (id int);\nselect pg_sleep(2);",
        "drop table u;",
    );

    let run = project.dbward(&db, &["up"]);
    assert_code(&run, 1);
    assert!(run.stderr.contains("57014"), "{run:?}");
    assert!(run.stderr.contains("002_slow.sql:2:"), "{run:?}");
    assert!(run.stderr.contains("statement timeout"), "{run:?}");
    assert_eq!(applied_versions(&db), "1");
    assert_eq!(
        db.scalar("SELECT count(*) FROM pg_class WHERE relname = 'u'"),
        "0"
    );

    project.write(
        "migrations/002_slow.sql",
        "-- dbward:statement-timeout off\ncreate table u (id int);\nselect pg_sleep(0.5);",
    );
    assert_code(&project.dbward(&db, &["up"]), 0);
    assert_eq!(applied_versions(&db), "1,2");
}

#[test]
fn a_statement_timeout_directive_bounds_a_no_transaction_migration_and_ends_with_it() {
    let db = TestDb::new();
    let project = with_t(&db, "");
    project
        .migration(
            "002_slow.sql",
            "-- dbward:no-transaction\n-- dbward:statement-timeout 2s\nselect pg_sleep(0.5);\ncreate index concurrently t_id on t (id);",
            "drop index t_id;",
        )
        .migration(
            "003_slower.sql",
            "select pg_sleep(2.5);",
            "select 1;",
        );

    // 003 runs in the same session after 002, without 002's limit.
    assert_code(&project.dbward(&db, &["up"]), 0);
    assert_eq!(applied_versions(&db), "1,2,3");

    project.migration(
        "004_too_slow.sql",
        "-- dbward:no-transaction\n-- dbward:statement-timeout 100ms\nselect pg_sleep(1);",
        "select 1;",
    );
    let run = project.dbward(&db, &["up"]);
    assert_code(&run, 1);
    assert!(run.stderr.contains("57014"), "{run:?}");
    assert!(run.stderr.contains("004_too_slow.sql:3:"), "{run:?}");
}

#[test]
fn single_transaction_runs_bound_every_migration_not_only_the_first() {
    let db = TestDb::new();
    let project = with_t(&db, "lock_timeout = \"200ms\"\nlock_retries = 0\n");
    project
        .migration("002_u.sql", "create table u (id int);", "drop table u;")
        .migration(
            "003_c.sql",
            "alter table t add column c int;",
            "alter table t drop column c;",
        );

    // Released after 8 s at the latest, so that a run without the limit fails, not hangs.
    let released = lock_t_for(&db, Duration::from_secs(8));
    let started = Instant::now();
    let run = project.dbward(&db, &["up", "--single-transaction"]);
    let took = started.elapsed();
    released.join().unwrap();

    assert_code(&run, 1);
    assert!(run.stderr.contains("55P03"), "{run:?}");
    assert!(run.stderr.contains("003_c.sql"), "{run:?}");
    assert!(took < Duration::from_secs(6), "waited {took:?}: {run:?}");
    assert_eq!(applied_versions(&db), "1");
}

#[test]
fn bad_timeout_directives_and_settings_are_refused_before_anything_runs() {
    let db = TestDb::new();
    let project = with_t(&db, "");
    project.migration(
        "002_c.sql",
        "-- dbward:lock-timeout soon\nalter table t add column c int;",
        "alter table t drop column c;",
    );
    let run = project.dbward(&db, &["up"]);
    assert_code(&run, 2);
    assert!(
        run.stderr.contains(
            "002_c.sql:1: lock_timeout `soon` is not a duration like 5s or 300ms (or `off`)"
        ),
        "{run:?}"
    );

    project.write(
        "migrations/002_c.sql",
        "-- dbward:statement_timeout 5s\nalter table t add column c int;",
    );
    let run = project.dbward(&db, &["up"]);
    assert_code(&run, 2);
    assert!(
        run.stderr.contains("002_c.sql:1: unknown directive `-- dbward:statement_timeout 5s`; the known ones are `-- dbward:no-transaction`, `-- dbward:lock-timeout DURATION` and `-- dbward:statement-timeout DURATION`"),
        "{run:?}"
    );

    project.write("migrations/002_c.sql", "alter table t add column c int;");
    project.write("dbward.toml", "statement_timeout = \"a while\"\n");
    let run = project.dbward(&db, &["up"]);
    assert_code(&run, 2);
    assert!(
        run.stderr
            .contains("statement_timeout `a while` is not a duration"),
        "{run:?}"
    );
    assert_eq!(applied_versions(&db), "1");
}
