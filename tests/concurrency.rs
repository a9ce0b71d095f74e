//! Many runners at once, a runner that waits, a runner killed with SIGKILL, and a server
//! that drops the connection half-way.

mod support;

use std::process::Stdio;
use std::time::{Duration, Instant};

use dbward::db::lock::LockKey;
use support::{Project, TestDb, assert_code};

#[test]
fn eight_runners_at_once_apply_every_migration_exactly_once() {
    let db = TestDb::new();
    let project = Project::logging(10);
    let applied_by_runners: usize = project
        .race(&db.url(), &["up", "--format", "json"], 8)
        .iter()
        .map(|run| {
            run.step_outcomes()
                .iter()
                .filter(|o| o.ends_with(":applied"))
                .count()
        })
        .sum();
    assert_eq!(
        applied_by_runners, 10,
        "each migration applied by exactly one runner"
    );
    assert_eq!(
        db.scalar("SELECT count(*) || '/' || count(DISTINCT version) FROM applied_log"),
        "10/10"
    );
    assert_eq!(
        db.scalar("SELECT count(*) FROM dbward.schema_history"),
        "10"
    );
}

#[test]
fn a_waiting_runner_says_who_holds_the_lock_and_gives_up() {
    let db = TestDb::new();
    let project = Project::logging(10);
    assert_code(&project.dbward(&db, &["up", "--to", "1"]), 0);

    let mut holder = db.client();
    holder
        .batch_execute("SET application_name = 'deploy-42'; BEGIN")
        .unwrap();
    holder
        .query(
            "SELECT pg_advisory_xact_lock($1)",
            &[&LockKey::migrations("dbward").0],
        )
        .unwrap();
    let pid: i32 = holder
        .query_one("SELECT pg_backend_pid()", &[])
        .unwrap()
        .get(0);

    let started = Instant::now();
    let run = project.dbward(&db, &["up", "--wait-for-lock", "1s"]);
    assert_code(&run, 1);
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(
        run.stderr.contains(&format!(
            "waiting for the migration lock, held by pid {pid} (deploy-42"
        )),
        "{run:?}"
    );
    assert!(run.stderr.contains("gave up after 1s"), "{run:?}");
    // Since when, in UTC: 2026-11-22T02:44:10Z.
    let since = run
        .stderr
        .split("since ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_default();
    assert!(
        since.len() == 20 && since.as_bytes()[10] == b'T' && since.ends_with('Z'),
        "{since:?} in {run:?}"
    );
    assert_eq!(db.scalar("SELECT count(*) FROM dbward.schema_history"), "1");

    holder.batch_execute("COMMIT").unwrap();
    assert_code(&project.dbward(&db, &["up"]), 0);
    assert_eq!(
        db.scalar("SELECT count(*) FROM dbward.schema_history"),
        "10"
    );
}

fn wait_for_query(db: &TestDb, fragment: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        let seen = db.scalar(&format!(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%{fragment}%' AND pid <> pg_backend_pid()"
        ));
        if seen != "0" {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("the migration never started");
}

/// Starts `dbward ARGS` in the background and returns once its statement marked `marker`
/// is running.
fn start_until_running(
    project: &Project,
    db: &TestDb,
    args: &[&str],
    marker: &str,
) -> std::process::Child {
    let child = project
        .command(args)
        .env("DATABASE_URL", db.url())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_query(db, marker);
    child
}

fn slow_project() -> Project {
    let project = Project::new();
    project.migration("001_a.sql", "create table a (id int);", "drop table a;");
    project.migration(
        "002_slow.sql",
        "create table slow (id int);\ninsert into slow values (1);\nselect pg_sleep(1.5) /* slow-marker */;",
        "drop table slow;",
    );
    project.migration("003_c.sql", "create table c (id int);", "drop table c;");
    project
}

#[test]
fn kill_9_in_the_middle_leaves_the_database_before_or_after_and_up_recovers() {
    let db = TestDb::new();
    let project = slow_project();
    let mut child = start_until_running(&project, &db, &["up"], "slow-marker");
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();

    // The orphaned backend finishes its statement, finds its client gone and rolls back.
    let history = db.scalar(
        "SELECT string_agg(version::text, ',' ORDER BY version) FROM dbward.schema_history",
    );
    assert_eq!(
        history, "1",
        "only the migration before the killed one is recorded"
    );
    let next = project.dbward(&db, &["up"]);
    assert_code(&next, 0);
    assert_eq!(
        db.scalar("SELECT count(*) FROM slow"),
        "1",
        "applied exactly once"
    );
    assert_eq!(db.scalar("SELECT count(*) FROM dbward.schema_history"), "3");
}

#[test]
fn a_dropped_connection_mid_migration_leaves_no_trace() {
    let db = TestDb::new();
    let project = slow_project();
    let child = start_until_running(&project, &db, &["up"], "slow-marker");
    // Only this test's database: other tests run the same slow migration at the same time.
    db.scalar("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%slow-marker%' AND pid <> pg_backend_pid()");
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("migrations/002_slow.sql"), "{stderr}");
    // The server's FATAL (57P01) may or may not arrive before the socket closes.
    assert!(
        stderr.contains("57P01") || stderr.contains("connection closed"),
        "{stderr}"
    );
    assert!(!db.table_exists("slow"));
    assert_eq!(db.scalar("SELECT count(*) FROM dbward.schema_history"), "1");

    assert_code(&project.dbward(&db, &["up"]), 0);
    assert_eq!(db.scalar("SELECT count(*) FROM dbward.schema_history"), "3");
}

/// Runs `args` in the background, waits until the statement marked `marker` is running,
/// does `meanwhile` from another session, and returns what the run gave.
fn while_running(
    project: &Project,
    db: &TestDb,
    args: &[&str],
    marker: &str,
    meanwhile: &str,
) -> support::Run {
    let child = start_until_running(project, db, args, marker);
    db.client().batch_execute(meanwhile).unwrap();
    support::Run::from(child.wait_with_output().unwrap())
}

#[test]
fn a_migration_another_runner_recorded_meanwhile_is_not_run_again() {
    let db = TestDb::new();
    let project = slow_project();
    let run = while_running(
        &project,
        &db,
        &["up", "--format", "json"],
        "slow-marker",
        "INSERT INTO dbward.schema_history (version, name, checksum, success)
         VALUES (3, 'c', 'elsewhere', true)",
    );
    assert_code(&run, 0);
    assert_eq!(
        run.step_outcomes(),
        ["1:applied", "2:applied", "3:already_done"]
    );
    assert!(!db.table_exists("c"), "the script of 3 did not run");
}

#[test]
fn a_run_that_failed_meanwhile_stops_up_before_the_next_script() {
    let db = TestDb::new();
    let project = slow_project();
    let run = while_running(
        &project,
        &db,
        &["up"],
        "slow-marker",
        "INSERT INTO dbward.schema_history (version, name, checksum, success)
         VALUES (9, 'elsewhere_failed', 'x', false)",
    );
    assert_code(&run, 3);
    assert!(run.stderr.contains("elsewhere_failed"), "{run:?}");
    assert!(db.table_exists("slow") && !db.table_exists("c"));
    assert_eq!(
        db.scalar(
            "SELECT string_agg(version::text, ',' ORDER BY version) FROM dbward.schema_history"
        ),
        "1,2,9"
    );
}

/// Applies [`slow_project`] with a slow rollback of 3, runs `args` (a `down`), and does
/// `meanwhile` from another session while that rollback runs.
fn while_rolling_back_3(db: &TestDb, args: &[&str], meanwhile: &str) -> support::Run {
    let project = slow_project();
    project.write(
        "rollbacks/003_c.sql",
        "drop table c;\nselect pg_sleep(1.5) /* slow-down-marker */;",
    );
    assert_code(&project.dbward(db, &["up"]), 0);
    while_running(&project, db, args, "slow-down-marker", meanwhile)
}

#[test]
fn a_rollback_another_runner_did_meanwhile_is_not_run_again() {
    let db = TestDb::new();
    let run = while_rolling_back_3(
        &db,
        &["down", "--steps", "2", "--format", "json"],
        "DELETE FROM dbward.schema_history WHERE version = 2",
    );
    assert_code(&run, 0);
    assert_eq!(run.step_outcomes(), ["3:rolled_back", "2:already_done"]);
    assert!(db.table_exists("slow"), "the rollback of 2 did not run");
}

#[test]
fn runners_race_safely_when_the_database_defaults_to_serializable() {
    // The history must be read after the lock is granted, on a snapshot that sees what the
    // previous holder committed, whatever isolation level the database defaults to.
    let db = TestDb::new();
    db.scalar(&format!(
        "ALTER DATABASE {} SET default_transaction_isolation = 'serializable'",
        db.name
    ));
    let project = Project::logging(10);
    project.migration(
        "011_isolation.sql",
        "create table isolation_seen as select current_setting('transaction_isolation') as level;",
        "drop table isolation_seen;",
    );
    project.race(&db.url(), &["up"], 8);
    assert_eq!(
        db.scalar("SELECT count(*) || '/' || count(DISTINCT version) FROM applied_log"),
        "10/10"
    );
    assert_eq!(
        db.scalar("SELECT level FROM isolation_seen"),
        "read committed"
    );
}

/// A table, then a no-transaction migration that builds an index and takes 1.5 s, then one
/// more: each logs its number in `applied_log`.
fn no_transaction_project() -> Project {
    let project = Project::logging(1);
    project.migration(
        "002_index.sql",
        "-- dbward:no-transaction\ncreate index concurrently applied_log_version on applied_log (version);\ninsert into applied_log values (2);\nselect pg_sleep(1.5) /* applying-marker */;",
        "-- dbward:no-transaction\ndrop index concurrently applied_log_version;",
    );
    project.migration(
        "003_after.sql",
        "create table after_index (id int);\ninsert into applied_log values (3);",
        "drop table after_index;",
    );
    project
}

#[test]
fn runners_wait_for_a_no_transaction_migration_another_is_applying() {
    let db = TestDb::new();
    let project = no_transaction_project();
    let runs = project.race(&db.url(), &["up", "--format", "json"], 6);
    assert_eq!(
        db.scalar("SELECT count(*) || '/' || count(DISTINCT version) FROM applied_log"),
        "3/3",
        "each migration ran once"
    );
    assert_eq!(
        db.scalar("SELECT string_agg(version || ':' || success, ',' ORDER BY version) FROM dbward.schema_history"),
        "1:true,2:true,3:true"
    );
    let applied_2: Vec<_> = runs
        .iter()
        .filter(|run| run.step_outcomes().contains(&"2:applied".to_string()))
        .collect();
    assert_eq!(applied_2.len(), 1, "one runner applied 2");
    // The others arrived while it ran: they waited and said for whom.
    let waited = runs
        .iter()
        .filter(|run| run.stderr.contains(r#""event":"waiting_for_migration""#))
        .count();
    assert!(waited >= 1, "{runs:#?}");
}

#[test]
fn status_shows_a_no_transaction_migration_being_applied_and_repair_leaves_it_alone() {
    let db = TestDb::new();
    let project = no_transaction_project();
    let child = start_until_running(&project, &db, &["up"], "applying-marker");

    let status = project.dbward(&db, &["status", "--format", "json"]);
    assert_code(&status, 0);
    assert_eq!(status.json()["migrations"][1]["state"], "applying");
    assert!(
        status.json()["migrations"][1]["execution_ms"].is_null(),
        "an unfinished run has no duration yet: {status:?}"
    );
    let table = project.dbward(&db, &["status"]);
    assert!(table.stdout.contains("applying"), "{table:?}");

    let repair = project.dbward(&db, &["repair"]);
    assert_code(&repair, 3);
    assert!(
        repair
            .stderr
            .contains("another runner is applying it right now"),
        "{repair:?}"
    );
    let down = project.dbward(&db, &["down"]);
    assert_code(&down, 3);

    assert_code(&support::Run::from(child.wait_with_output().unwrap()), 0);
    let status = project.dbward(&db, &["status", "--format", "json"]);
    assert_eq!(status.json()["migrations"][1]["state"], "applied");
    assert_eq!(
        db.scalar("SELECT count(*) FROM dbward.schema_events"),
        "0",
        "repair changed nothing"
    );
}

#[test]
fn a_no_transaction_migration_whose_runner_died_reads_as_failed_not_applying() {
    let db = TestDb::new();
    let project = no_transaction_project();
    let mut child = start_until_running(&project, &db, &["up"], "applying-marker");
    child.kill().unwrap();
    child.wait().unwrap();
    // The server ends the statement, finds the client gone, and ends the session and its
    // locks with it.
    let deadline = Instant::now() + Duration::from_secs(20);
    let state = loop {
        let status = project.dbward(&db, &["status", "--format", "json"]);
        let state = status.json()["migrations"][1]["state"].clone();
        if state != "applying" || Instant::now() > deadline {
            break state;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(state, "failed");
    let up = project.dbward(&db, &["up", "--wait-for-lock", "1s"]);
    assert_code(&up, 3);
    assert!(up.stderr.contains("did not finish"), "{up:?}");
}

#[test]
fn a_no_transaction_rollback_in_progress_reads_as_applying_and_up_waits_for_it() {
    let db = TestDb::new();
    let project = no_transaction_project();
    project.write(
        "rollbacks/002_index.sql",
        "-- dbward:no-transaction\ndrop index concurrently applied_log_version;\nselect pg_sleep(1.5) /* unapplying-marker */;",
    );
    assert_code(&project.dbward(&db, &["up", "--to", "2"]), 0);
    let down = start_until_running(&project, &db, &["down"], "unapplying-marker");

    let status = project.dbward(&db, &["status", "--format", "json"]);
    assert_eq!(status.json()["migrations"][1]["state"], "applying");
    // up waits for the rollback to end, then applies 2 again, and 3.
    let up = project.dbward(&db, &["up", "--format", "json"]);
    assert_code(&up, 0);
    assert!(
        up.stderr.contains(r#""event":"waiting_for_migration""#),
        "{up:?}"
    );
    assert_eq!(up.step_outcomes(), ["2:applied", "3:applied"]);
    assert_code(&support::Run::from(down.wait_with_output().unwrap()), 0);
    assert_eq!(
        db.scalar("SELECT count(*) FROM pg_indexes WHERE indexname = 'applied_log_version'"),
        "1"
    );
}

#[test]
fn down_stops_when_another_runner_applied_a_newer_migration_meanwhile() {
    let db = TestDb::new();
    let run = while_rolling_back_3(
        &db,
        &["down", "--steps", "2"],
        "INSERT INTO dbward.schema_history (version, name, checksum, success)
         VALUES (4, 'elsewhere', 'x', true)",
    );
    assert_code(&run, 3);
    assert!(
        run.stderr
            .contains("another runner applied migration 4 while this run was rolling back"),
        "{run:?}"
    );
    assert!(
        !db.table_exists("c") && db.table_exists("slow"),
        "3 was rolled back, 2 stays"
    );
    assert_eq!(
        db.scalar(
            "SELECT string_agg(version::text, ',' ORDER BY version) FROM dbward.schema_history"
        ),
        "1,2,4"
    );
}

#[test]
fn up_single_transaction_waits_for_a_no_transaction_migration_being_applied() {
    let db = TestDb::new();
    let project = no_transaction_project();
    let applier = start_until_running(&project, &db, &["up", "--to", "2"], "applying-marker");
    let single = project.dbward(&db, &["up", "--single-transaction", "--format", "json"]);
    assert_code(&single, 0);
    assert!(
        single.stderr.contains(r#""event":"waiting_for_migration""#),
        "{single:?}"
    );
    assert_eq!(single.step_outcomes(), ["3:applied"]);
    assert_code(&support::Run::from(applier.wait_with_output().unwrap()), 0);
    assert_eq!(
        db.scalar("SELECT count(*) || '/' || count(DISTINCT version) FROM applied_log"),
        "3/3"
    );
}

/// Sixteen runners at once over thirty migrations, three of them without a transaction:
/// a runner that meets one another runner is applying waits for it, and reads the finished
/// run as finished (the history and the lock holders are read so that a run ending between
/// the two reads is never taken for a failed one). `DBWARD_RACE_TRIALS` runs it more often.
#[test]
fn sixteen_runners_race_over_no_transaction_migrations_without_a_false_failure() {
    let trials = support::race_trials(3);
    let project = Project::thirty_with_three_no_transaction();
    for _ in 0..trials {
        let db = TestDb::new();
        project.race_thirty_with_three_no_transaction(&db, &db.url());
    }
}
