//! `lock_timeout` and `lock_retries`: a migration that waits too long for a table lock is
//! rolled back, tried again, and names the session holding the lock, against a real
//! PostgreSQL, through the real binary.

mod support;

use std::time::{Duration, Instant};

use support::{Project, TestDb, assert_code};

/// A project whose first migration makes `t` and whose second alters it.
fn altering_t(config: &str) -> Project {
    let project = Project::new();
    project.write("dbward.toml", config).migration(
        "001_t.sql",
        "create table t (id bigint primary key);",
        "drop table t;",
    );
    project
}

/// `altering_t(config)` with `t` made by `up`, and migration 002 pending: `up_sql`, which
/// alters `t`, rolled back by dropping column `c`.
fn pending_c(db: &TestDb, config: &str, up_sql: &str) -> Project {
    let project = altering_t(config);
    assert_code(&project.dbward(db, &["up"]), 0);
    project.migration("002_c.sql", up_sql, "alter table t drop column c;");
    project
}

/// A session of the tests' own holding `t` locked in an open transaction, and its pid.
fn hold_lock_on_t(db: &TestDb) -> (postgres::Client, i32) {
    let mut holder = db.client();
    holder
        .batch_execute(
            "SET application_name = 'lock_holder_test'; BEGIN; LOCK TABLE t IN ACCESS EXCLUSIVE MODE",
        )
        .unwrap();
    let pid: i32 = holder
        .query_one("SELECT pg_backend_pid()", &[])
        .unwrap()
        .get(0);
    (holder, pid)
}

/// A session of the tests' own named `application_name`, holding `table` locked in an open
/// transaction, and its pid.
fn hold_lock(db: &TestDb, table: &str, application_name: &str) -> (postgres::Client, i32) {
    let mut holder = db.client();
    holder
        .batch_execute(&format!(
            "SET application_name = '{application_name}'; BEGIN; LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE"
        ))
        .unwrap();
    let pid: i32 = holder
        .query_one("SELECT pg_backend_pid()", &[])
        .unwrap()
        .get(0);
    (holder, pid)
}

/// Commits `holder`'s transaction, and so releases its locks, after `held`, from a thread.
fn commit_after(mut holder: postgres::Client, held: Duration) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        std::thread::sleep(held);
        holder.batch_execute("COMMIT").unwrap();
    })
}

/// The versions in dbward's history, comma-separated, oldest first.
fn applied_versions(db: &TestDb) -> String {
    db.scalar("SELECT string_agg(version::text, ',' ORDER BY version) FROM dbward.schema_history")
}

fn column_c_exists(db: &TestDb) -> bool {
    db.scalar(
        "SELECT count(*) FROM information_schema.columns WHERE table_name = 't' AND column_name = 'c'",
    ) == "1"
}

#[test]
fn a_migration_blocked_by_a_lock_retries_names_the_holder_and_succeeds_once_released() {
    let db = TestDb::new();
    let project = pending_c(&db, "lock_retries = 6\n", "alter table t add column c int;");

    let (holder, pid) = hold_lock_on_t(&db);
    let released = commit_after(holder, Duration::from_secs(3));
    let started = Instant::now();
    let run = project.dbward(&db, &["up", "--lock-timeout", "300ms"]);
    released.join().unwrap();

    assert_code(&run, 0);
    assert!(
        started.elapsed() >= Duration::from_secs(3),
        "applied while the lock was held: {run:?}"
    );
    assert!(
        run.stderr.contains(&format!("pid {pid} (lock_holder_test")),
        "the holder is not named: {run:?}"
    );
    assert!(run.stderr.contains("trying again (1 of 6)"), "{run:?}");
    assert!(run.stderr.contains("on t, query: "), "{run:?}");
    assert!(column_c_exists(&db));
    assert_eq!(applied_versions(&db), "1,2");
}

#[test]
fn a_lock_held_past_every_retry_fails_naming_the_holder_and_leaves_nothing() {
    let db = TestDb::new();
    let project = pending_c(
        &db,
        "lock_timeout = \"200ms\"\nlock_retries = 1\n",
        "alter table t add column c int;",
    );

    let (mut holder, pid) = hold_lock_on_t(&db);
    let run = project.dbward(&db, &["up"]);
    holder.batch_execute("COMMIT").unwrap();

    assert_code(&run, 1);
    assert!(run.stderr.contains("55P03"), "{run:?}");
    assert!(run.stderr.contains("trying again (1 of 1)"), "{run:?}");
    assert!(
        run.stderr.contains(&format!(
            "tried 2 times; the lock is held by pid {pid} (lock_holder_test"
        )),
        "the holder is not named at the end: {run:?}"
    );
    assert!(!column_c_exists(&db));
    assert_eq!(applied_versions(&db), "1");

    // Once the lock is gone, the same migration goes through.
    assert_code(&project.dbward(&db, &["up"]), 0);
    assert!(column_c_exists(&db));
}

#[test]
fn a_bad_lock_timeout_is_refused() {
    let db = TestDb::new();
    let project = altering_t("");
    let run = project.dbward(&db, &["up", "--lock-timeout", "soon"]);
    assert_code(&run, 2);
    assert!(run.stderr.contains("lock_timeout `soon`"), "{run:?}");
}

#[test]
fn a_no_transaction_migration_that_times_out_on_a_lock_is_not_tried_again() {
    let db = TestDb::new();
    // dbward sets no lock_timeout outside a transaction; this script sets its own.
    let project = pending_c(
        &db,
        "lock_retries = 3\n",
        "-- dbward:no-transaction\nset lock_timeout = '200ms';\nalter table t add column c int;",
    );

    let (mut holder, _pid) = hold_lock_on_t(&db);
    let run = project.dbward(&db, &["up"]);
    holder.batch_execute("COMMIT").unwrap();

    assert_code(&run, 1);
    assert!(run.stderr.contains("55P03"), "{run:?}");
    assert!(run.stderr.contains("not tried again"), "{run:?}");
    assert!(!run.stderr.contains("trying again"), "{run:?}");
    assert!(!column_c_exists(&db));
}

#[test]
fn single_transaction_runs_wait_at_most_lock_timeout_and_are_tried_again_whole() {
    let db = TestDb::new();
    let project = pending_c(&db, "lock_retries = 1\n", "alter table t add column c int;");

    // Released after 8 s at the latest, so that a run without the limit fails, not hangs.
    let (holder, pid) = hold_lock_on_t(&db);
    let released = commit_after(holder, Duration::from_secs(8));
    let started = Instant::now();
    let run = project.dbward(
        &db,
        &["up", "--single-transaction", "--lock-timeout", "200ms"],
    );
    let took = started.elapsed();

    assert_code(&run, 1);
    assert!(run.stderr.contains("55P03"), "{run:?}");
    assert!(run.stderr.contains("trying again (1 of 1)"), "{run:?}");
    assert!(
        run.stderr.contains(&format!(
            "tried 2 times; the lock is held by pid {pid} (lock_holder_test"
        )),
        "{run:?}"
    );
    assert!(
        run.stderr.contains("the whole run was rolled back"),
        "{run:?}"
    );
    assert!(took < Duration::from_secs(6), "waited {took:?}: {run:?}");
    assert!(!column_c_exists(&db));
    released.join().unwrap();
}

#[test]
fn a_script_that_sets_its_own_lock_timeout_waits_that_long() {
    let db = TestDb::new();
    let project = pending_c(
        &db,
        "lock_timeout = \"200ms\"\nlock_retries = 0\n",
        "set local lock_timeout = '20s';\nalter table t add column c int;",
    );

    let (holder, _pid) = hold_lock_on_t(&db);
    let released = commit_after(holder, Duration::from_millis(1500));
    let run = project.dbward(&db, &["up"]);
    released.join().unwrap();

    assert_code(&run, 0);
    assert!(!run.stderr.contains("trying again"), "{run:?}");
    assert!(column_c_exists(&db));
}

#[test]
fn the_session_blocking_the_migration_is_named_not_an_older_one_holding_another_table() {
    let db = TestDb::new();
    let project = altering_t("lock_retries = 1\n");
    project.migration(
        "002_unrelated.sql",
        "create table unrelated (id bigint primary key);",
        "drop table unrelated;",
    );
    assert_code(&project.dbward(&db, &["up"]), 0);
    project.migration(
        "003_c.sql",
        "alter table t add column c int;",
        "alter table t drop column c;",
    );

    // The older transaction holds a lock on another table; the younger one blocks `t`.
    let (mut older, older_pid) = hold_lock(&db, "unrelated", "older_unrelated");
    std::thread::sleep(Duration::from_millis(50));
    let (mut blocker, pid) = hold_lock(&db, "t", "real_blocker");
    // Long enough for the watcher to connect and look on a busy machine.
    let run = project.dbward(&db, &["up", "--lock-timeout", "1500ms"]);
    let json = project.dbward(&db, &["up", "--lock-timeout", "1500ms", "--format", "json"]);
    blocker.batch_execute("COMMIT").unwrap();
    older.batch_execute("COMMIT").unwrap();

    assert_code(&json, 1);
    let retry: serde_json::Value = json
        .stderr
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .find(|event| event["event"] == "lock_timeout_retry")
        .unwrap_or_else(|| panic!("no retry event: {json:?}"));
    assert_eq!(retry["guessed"], false, "{retry}");
    assert_eq!(
        retry["holders"].as_array().map(Vec::len),
        Some(1),
        "{retry}"
    );
    assert_eq!(retry["holders"][0]["pid"], pid, "{retry}");
    assert_eq!(retry["holders"][0]["application_name"], "real_blocker");
    assert_eq!(retry["holders"][0]["table"], "t");
    assert_eq!(retry["holders"][0]["queued_ahead"], false);

    assert_code(&run, 1);
    assert!(run.stderr.contains("55P03"), "{run:?}");
    assert!(
        run.stderr.contains(&format!(
            "table lock held by pid {pid} (real_blocker, idle in transaction) since "
        )),
        "the retry does not name the blocker: {run:?}"
    );
    assert!(
        run.stderr.contains(&format!(
            "tried 2 times; the lock is held by pid {pid} (real_blocker, idle in transaction) since "
        )),
        "the end does not name the blocker: {run:?}"
    );
    assert!(
        run.stderr
            .contains("holding a lock on t, query: SELECT pg_backend_pid()"),
        "{run:?}"
    );
    assert!(!run.stderr.contains("older_unrelated"), "{run:?}");
    assert!(
        !run.stderr.contains(&format!("pid {older_pid} (")),
        "{run:?}"
    );
    assert!(!run.stderr.contains("a guess"), "{run:?}");
    assert!(!column_c_exists(&db));
    assert_eq!(applied_versions(&db), "1,2");
}

#[test]
fn a_wait_too_short_to_watch_names_a_guess_and_says_so() {
    let db = TestDb::new();
    let project = pending_c(&db, "lock_retries = 1\n", "alter table t add column c int;");

    // A lock timeout this short ends the wait before the watcher first looks.
    let (mut holder, pid) = hold_lock_on_t(&db);
    let run = project.dbward(&db, &["up", "--lock-timeout", "2ms"]);
    holder.batch_execute("COMMIT").unwrap();

    assert_code(&run, 1);
    assert!(run.stderr.contains("trying again (1 of 1)"), "{run:?}");
    assert!(
        run.stderr.contains(&format!(
            "the lock is held by pid {pid} (lock_holder_test, idle in transaction) since "
        )),
        "{run:?}"
    );
    assert_eq!(
        run.stderr
            .matches("(a guess: no session was seen blocking the migration")
            .count(),
        2,
        "the retry and the end both say it is a guess: {run:?}"
    );
    assert!(!column_c_exists(&db));
}

#[test]
fn a_session_queued_ahead_for_the_table_is_named_beside_the_holder() {
    let db = TestDb::new();
    let project = pending_c(&db, "lock_retries = 0\n", "alter table t add column c int;");

    // A reader holds `t`; another ALTER waits for it, ahead of the migration in the queue.
    let mut reader = db.client();
    reader
        .batch_execute("SET application_name = 'reader'; BEGIN; SELECT * FROM t")
        .unwrap();
    let reader_pid: i32 = reader
        .query_one("SELECT pg_backend_pid()", &[])
        .unwrap()
        .get(0);
    let mut queued = db.client();
    queued
        .batch_execute("SET application_name = 'queued_alter'")
        .unwrap();
    let queued_pid: i32 = queued
        .query_one("SELECT pg_backend_pid()", &[])
        .unwrap()
        .get(0);
    let waiting = std::thread::spawn(move || {
        queued
            .batch_execute("BEGIN; LOCK TABLE t IN ACCESS EXCLUSIVE MODE; COMMIT")
            .unwrap();
    });
    let queued_sql =
        format!("SELECT count(*) FROM pg_locks WHERE pid = {queued_pid} AND NOT granted");
    let deadline = Instant::now() + Duration::from_secs(10);
    while db.scalar(&queued_sql) != "1" {
        assert!(Instant::now() < deadline, "the second ALTER never queued");
        std::thread::sleep(Duration::from_millis(20));
    }
    let run = project.dbward(&db, &["up", "--lock-timeout", "1500ms"]);
    reader.batch_execute("COMMIT").unwrap();
    waiting.join().unwrap();

    assert_code(&run, 1);
    assert!(
        run.stderr.contains(&format!(
            "the lock is held by pid {reader_pid} (reader, idle in transaction) since "
        )),
        "{run:?}"
    );
    assert!(
        run.stderr.contains("holding a lock on t, query: "),
        "{run:?}"
    );
    assert!(
        run.stderr.contains(&format!(
            " and pid {queued_pid} (queued_alter, active) since "
        )),
        "{run:?}"
    );
    assert!(
        run.stderr
            .contains("queued ahead of the migration for a lock on t, query: BEGIN; LOCK TABLE t"),
        "{run:?}"
    );
    assert!(!run.stderr.contains("a guess"), "{run:?}");
}
