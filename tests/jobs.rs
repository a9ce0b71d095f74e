//! `dbward job`: retention in short batches, the per-job lock, kill -9 half-way, dry runs,
//! failures that do not stop the other jobs, and each seed system's own jobs.

mod support;

use std::process::Stdio;
use std::time::{Duration, Instant};

use dbward::db::lock::LockKey;
use support::{Project, TestDb, assert_code};

/// `events` with `expired` rows older than 30 days and `fresh` newer ones, and a trigger that
/// logs which transaction deleted each row.
fn events(db: &TestDb, expired: i64, fresh: i64) {
    db.client()
        .batch_execute(&format!(
            "create table events (id bigint generated always as identity primary key, created_at timestamptz not null, payload text);
             create index on events (created_at);
             create table events_archive (id bigint, created_at timestamptz, payload text);
             create table deleted_by_tx (txid bigint not null);
             create function log_delete() returns trigger language plpgsql as $$
               begin insert into deleted_by_tx values (txid_current()); return old; end $$;
             create trigger log_delete after delete on events for each row execute function log_delete();
             insert into events (created_at, payload) select now() - interval '40 days' - g * interval '1 minute', 'old' from generate_series(1, {expired}) g;
             insert into events (created_at, payload) select now() - g * interval '1 minute', 'new' from generate_series(1, {fresh}) g;"
        ))
        .unwrap();
}

fn project(jobs: &str) -> Project {
    let project = Project::new();
    project.write("dbward.toml", jobs);
    project
}

const RETENTION: &str = "[jobs.events_retention]\nkind = \"retention\"\nschedule = \"daily\"\ntable = \"public.events\"\ncolumn = \"created_at\"\nolder_than = \"30 days\"\nbatch_size = 300\npause = \"1ms\"\n";

#[test]
fn retention_deletes_exactly_the_expired_rows_one_short_transaction_per_batch() {
    let db = TestDb::new();
    events(&db, 2500, 500);
    let project = project(RETENTION);
    let run = project.dbward(&db, &["job", "run", "events_retention", "--format", "json"]);
    assert_code(&run, 0);
    let doc = run.json();
    assert_eq!(doc["jobs"][0]["status"], "succeeded");
    assert_eq!(doc["jobs"][0]["rows_affected"], 2500);
    assert_eq!(doc["jobs"][0]["detail"]["batches"], 9);

    assert_eq!(
        db.scalar("select count(*) from events where payload = 'old'"),
        "0"
    );
    assert_eq!(
        db.scalar("select count(*) from events where payload = 'new'"),
        "500"
    );
    // Each batch its own transaction, none holding more than one batch.
    assert_eq!(
        db.scalar("select count(distinct txid) from deleted_by_tx"),
        "9"
    );
    assert_eq!(
        db.scalar("select max(n) from (select count(*) n from deleted_by_tx group by txid) s"),
        "300"
    );
    assert_eq!(
        db.scalar("select status || ':' || rows_affected from dbward.job_runs where job = 'events_retention'"),
        "succeeded:2500"
    );
}

#[test]
fn retention_sized_by_time_deletes_exactly_the_expired_rows_and_reports_its_batches() {
    let db = TestDb::new();
    events(&db, 2500, 500);
    // No batch_size: only a target so small that no batch meets it.
    let project = project(&RETENTION.replace("batch_size = 300\n", "batch_target = \"1ms\"\n"));
    // Most of the table expires: the batches are block ranges, the first one 8 blocks.
    let first_batch =
        db.scalar("select count(*) from events where ctid < '(8,0)' and payload = 'old'");
    let run = project.dbward(&db, &["job", "run", "events_retention", "--format", "json"]);
    assert_code(&run, 0);
    let doc = run.json();
    let job = &doc["jobs"][0];
    assert_eq!(job["status"], "succeeded");
    assert_eq!(job["rows_affected"], 2500);
    assert_eq!(job["detail"]["batch_target_ms"], 1);
    assert_eq!(job["detail"]["method"], "block_ranges");
    assert_eq!(job["detail"]["batches_skipping_locked_rows"], 0);
    assert_eq!(
        db.scalar("select count(*) from events where payload = 'old'"),
        "0"
    );
    assert_eq!(
        db.scalar("select count(*) from events where payload = 'new'"),
        "500"
    );
    // The batches reported are the transactions that deleted, the largest as reported, and
    // the first one is the starting size, whatever the durations.
    let batches = job["detail"]["batches"].as_u64().unwrap();
    assert!(batches >= 2, "{job}");
    assert_eq!(
        db.scalar("select count(distinct txid) from deleted_by_tx"),
        batches.to_string()
    );
    assert_eq!(
        db.scalar("select max(n) from (select count(*) n from deleted_by_tx group by txid) s"),
        job["detail"]["largest_batch"].to_string()
    );
    assert_eq!(
        db.scalar(
            "select count(*) from deleted_by_tx where txid = (select min(txid) from deleted_by_tx)"
        ),
        first_batch
    );
}

/// The job's own settings but for `extra` lines, with no batch_size.
fn defaults(extra: &str) -> Project {
    project(&format!(
        "[jobs.events_retention]\nkind = \"retention\"\ntable = \"public.events\"\ncolumn = \"created_at\"\nolder_than = \"30 days\"\n{extra}"
    ))
}

fn run_json(project: &Project, db: &TestDb) -> serde_json::Value {
    let run = project.dbward(db, &["job", "run", "events_retention", "--format", "json"]);
    assert_code(&run, 0);
    run.json()["jobs"][0].clone()
}

#[test]
fn expired_rows_behind_fresh_ones_are_found_and_the_walk_does_not_outgrow_full_blocks() {
    let db = TestDb::new();
    // The fresh rows fill the table's first blocks, the expired ones come after them.
    events(&db, 0, 0);
    db.client()
        .batch_execute(
            "insert into events (created_at, payload) select now() - (g % 1000) * interval '1 minute', 'new' from generate_series(1, 100000) g;
             insert into events (created_at, payload) select now() - interval '40 days' - g * interval '1 minute', 'old' from generate_series(1, 100000) g;
             analyze events;",
        )
        .unwrap();
    let job = run_json(&defaults(""), &db);
    assert_eq!(job["detail"]["method"], "block_ranges");
    assert_eq!(job["rows_affected"], 100_000);
    assert_eq!(
        db.scalar("select count(*) from events where payload = 'old'"),
        "0"
    );
    assert_eq!(
        db.scalar("select count(*) from events where payload = 'new'"),
        "100000"
    );
    // The ranges grew fast through the fresh blocks, yet the first range that met expired
    // rows held no more than the assumed pace allows in a batch: 160ms at 2 µs a row.
    assert!(
        db.scalar(
            "select count(*) from deleted_by_tx where txid = (select min(txid) from deleted_by_tx)"
        )
        .parse::<i64>()
        .unwrap()
            <= 80_000,
        "{job}"
    );
}

#[test]
fn rows_sharing_one_timestamp_go_in_bounded_batches_and_can_be_archived() {
    let db = TestDb::new();
    events(&db, 0, 300);
    db.client()
        .batch_execute(
            "insert into events (created_at, payload) select now() - interval '40 days', 'old' from generate_series(1, 6000);
             analyze events;",
        )
        .unwrap();
    let tied = db.scalar("select count(distinct created_at) from events where payload = 'old'");
    assert_eq!(tied, "1");
    let project = defaults("batch_target = \"1ms\"\narchive_table = \"public.events_archive\"\n");
    let job = run_json(&project, &db);
    assert_eq!(job["rows_affected"], 6000);
    assert_eq!(job["detail"]["method"], "block_ranges");
    assert_eq!(
        db.scalar(
            "select count(*) || '/' || count(distinct id) from events_archive where payload = 'old'"
        ),
        "6000/6000"
    );
    assert_eq!(db.scalar("select count(*) from events"), "300");
    assert_eq!(
        db.scalar("select count(*) from events where payload = 'old'"),
        "0"
    );
    // However many rows share the timestamp, no batch took them all.
    let largest: i64 = db
        .scalar("select max(n) from (select count(*) n from deleted_by_tx group by txid) s")
        .parse()
        .unwrap();
    assert!(largest < 6000, "one batch deleted {largest} rows");
    assert_eq!(job["detail"]["largest_batch"], largest);

    // By rows (with a batch_size), ties are cut by the row limit.
    db.client()
        .batch_execute(
            "insert into events (created_at, payload) select now() - interval '40 days', 'old' from generate_series(1, 700);
             truncate deleted_by_tx;",
        )
        .unwrap();
    let by_rows = defaults("batch_size = 300\n");
    let job = run_json(&by_rows, &db);
    assert_eq!(job["rows_affected"], 700);
    assert_eq!(job["detail"]["method"], "rows");
    assert_eq!(
        db.scalar("select string_agg(n::text, ',' order by n desc) from (select count(*) n from deleted_by_tx group by txid) s"),
        "300,300,100"
    );
    assert_eq!(db.scalar("select count(*) from events"), "300");
}

#[test]
fn without_an_index_on_the_column_the_expired_rows_still_go_and_where_still_narrows() {
    let db = TestDb::new();
    events(&db, 3000, 400);
    db.client()
        .batch_execute("drop index events_created_at_idx; analyze events;")
        .unwrap();
    let project = defaults("where = \"id % 3 <> 0\"\n");
    let job = run_json(&project, &db);
    assert_eq!(job["detail"]["method"], "block_ranges");
    assert_eq!(job["rows_affected"], 2000);
    assert_eq!(
        db.scalar("select count(*) from events where payload = 'old'"),
        "1000"
    );
    assert_eq!(
        db.scalar("select count(*) from events where payload = 'old' and id % 3 <> 0"),
        "0"
    );
    assert_eq!(
        db.scalar("select count(*) from events where payload = 'new'"),
        "400"
    );
    // By rows too, with no index to walk.
    let by_rows = defaults("batch_size = 300\n");
    let job = run_json(&by_rows, &db);
    assert_eq!(job["detail"]["method"], "rows");
    assert_eq!(job["rows_affected"], 1000);
    assert_eq!(db.scalar("select count(*) from events"), "400");
}

#[test]
fn a_small_expired_slice_together_goes_by_block_ranges_and_a_scattered_one_by_rows() {
    // 150 expired rows, all in the table's first blocks (an append-only table's oldest rows):
    // the ranges read those blocks and no others.
    let db = TestDb::new();
    events(&db, 150, 20000);
    db.client().batch_execute("analyze events").unwrap();
    let job = run_json(&defaults(""), &db);
    assert_eq!(job["detail"]["method"], "block_ranges");
    assert_eq!(job["rows_affected"], 150);
    assert_eq!(
        db.scalar("select count(*) from events where payload = 'old'"),
        "0"
    );
    assert_eq!(
        db.scalar("select count(*) from events where payload = 'new'"),
        "20000"
    );

    // One row in a hundred expired, spread over every block: fetched through the index.
    let db = TestDb::new();
    events(&db, 0, 0);
    db.client()
        .batch_execute(
            "insert into events (created_at, payload)
               select case when g % 100 = 0 then now() - interval '40 days' else now() end,
                      case when g % 100 = 0 then 'old' else 'new' end
               from generate_series(1, 20000) g;",
        )
        .unwrap();
    db.client().batch_execute("analyze events").unwrap();
    let job = run_json(&defaults(""), &db);
    assert_eq!(job["detail"]["method"], "rows");
    assert_eq!(job["rows_affected"], 200);
    assert_eq!(
        db.scalar("select count(*) || ':' || count(*) filter (where payload = 'new') from events"),
        "19800:19800"
    );
}

#[test]
fn a_partitioned_table_loses_only_its_expired_rows() {
    let db = TestDb::new();
    // Two partitions whose rows sit at the same places (ctids): old ones in one, fresh in the
    // other. A ctid alone names a row in each.
    db.client()
        .batch_execute(
            "create table events (kind text not null, created_at timestamptz not null) partition by list (kind);
             create table events_a partition of events for values in ('a');
             create table events_b partition of events for values in ('b');
             create index on events (created_at);
             insert into events select 'a', now() - interval '40 days' from generate_series(1, 500);
             insert into events select 'b', now() from generate_series(1, 500);",
        )
        .unwrap();
    assert_eq!(
        db.scalar("select count(*) from events_a a join events_b b on a.ctid = b.ctid"),
        "500"
    );
    let job = run_json(&defaults(""), &db);
    assert_eq!(job["detail"]["method"], "rows");
    assert_eq!(job["rows_affected"], 500);
    assert_eq!(
        db.scalar("select count(*) || ':' || count(*) filter (where kind = 'b') from events"),
        "500:500"
    );
}

#[test]
fn a_row_another_session_holds_is_skipped_without_failing_and_goes_next_run() {
    let db = TestDb::new();
    events(&db, 2000, 100);
    let held =
        db.scalar("select id from events where payload = 'old' order by id offset 1000 limit 1");
    let mut holder = db.client();
    let mut tx = holder.transaction().unwrap();
    tx.execute(
        &format!("select 1 from events where id = {held} for update"),
        &[],
    )
    .unwrap();
    let project = defaults("");
    let job = run_json(&project, &db);
    assert_eq!(job["detail"]["method"], "block_ranges");
    assert_eq!(job["rows_affected"], 1999);
    // The range holding it waited a batch's target, then was done again around it.
    assert_eq!(job["detail"]["batches_skipping_locked_rows"], 1);
    assert_eq!(
        db.scalar("select string_agg(id::text, ',') from events where payload = 'old'"),
        held
    );
    tx.rollback().unwrap();
    let job = run_json(&project, &db);
    assert_eq!(job["rows_affected"], 1);
    assert_eq!(
        db.scalar("select count(*) || ':' || count(*) filter (where payload = 'new') from events"),
        "100:100"
    );
}

/// Starts `job run events_retention`, kills it with SIGKILL once `log` (a table with a row
/// per deleted row) holds 300 rows, and gives how many rows it holds once the kill settled.
fn kill_9_once_deleted(project: &Project, db: &TestDb, log: &str) -> i64 {
    let mut child = project
        .command(&["job", "run", "events_retention"])
        .env("DATABASE_URL", db.url())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let logged = || -> i64 {
        db.scalar(&format!("select count(*) from {log}"))
            .parse()
            .unwrap()
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while logged() < 300 {
        assert!(Instant::now() < deadline, "the job never got going");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    logged()
}

#[test]
fn kill_9_half_way_through_block_ranges_keeps_whole_ranges_and_the_next_run_finishes() {
    let db = TestDb::new();
    events(&db, 0, 0);
    // The expired rows first, so that ids follow the blocks; each deletion logs its id.
    db.client()
        .batch_execute(
            "insert into events (created_at, payload) select now() - interval '40 days' - g * interval '1 minute', 'old' from generate_series(1, 4000) g;
             insert into events (created_at, payload) select now() - g * interval '1 minute', 'new' from generate_series(1, 100) g;
             create table deleted_ids (id bigint not null);
             create function log_id() returns trigger language plpgsql as $$
               begin insert into deleted_ids values (old.id); return old; end $$;
             create trigger log_id after delete on events for each row execute function log_id();",
        )
        .unwrap();
    // A target no batch meets keeps the ranges to a block or two; the pause leaves time to kill.
    let project = defaults("batch_target = \"1ms\"\npause = \"150ms\"\n");
    let deleted = kill_9_once_deleted(&project, &db, "deleted_ids");
    assert!(deleted < 4000, "the kill came too late to test anything");
    // Whole ranges from the first block on: exactly the first ids, every row of each range.
    assert_eq!(
        db.scalar("select max(id) from deleted_ids"),
        deleted.to_string()
    );
    assert_eq!(
        db.scalar("select count(*) from events where payload = 'old'"),
        (4000 - deleted).to_string()
    );
    assert_eq!(db.scalar("select status from dbward.job_runs"), "running");

    let job = run_json(&project, &db);
    assert_eq!(job["rows_affected"], 4000 - deleted);
    assert_eq!(db.scalar("select count(*) from events"), "100");
    assert_eq!(
        db.scalar("select string_agg(status, ',' order by id) from dbward.job_runs"),
        "failed,succeeded"
    );
}

#[test]
fn retention_can_archive_instead_of_deleting() {
    let db = TestDb::new();
    events(&db, 700, 10);
    let project = project(&format!(
        "{RETENTION}archive_table = \"public.events_archive\"\n"
    ));
    assert_code(&project.dbward(&db, &["job", "run", "events_retention"]), 0);
    assert_eq!(
        db.scalar("select count(*) from events_archive where payload = 'old'"),
        "700"
    );
    assert_eq!(db.scalar("select count(*) from events"), "10");
}

#[test]
fn a_where_that_is_not_one_expression_is_refused_and_deletes_nothing() {
    let db = TestDb::new();
    events(&db, 20, 10);
    // Pasted into `AND (...)`, this once deleted the fresh rows too.
    let refused = project(&format!("{RETENTION}where = \"false) OR (true\"\n"));
    let run = refused.dbward(&db, &["job", "run", "events_retention"]);
    assert_code(&run, 2);
    assert!(
        run.stderr
            .contains("job `events_retention`: `where` must be one SQL expression"),
        "{run:?}"
    );
    assert_eq!(db.scalar("select count(*) from events"), "30");
    // Refused with the file, before any connection: nothing recorded either.
    assert!(!db.table_exists("dbward.job_runs"));

    // One expression is read as written, and only narrows what expires.
    let narrowed = project(&format!("{RETENTION}where = \"id % 2 = 0\"\n"));
    assert_code(
        &narrowed.dbward(&db, &["job", "run", "events_retention"]),
        0,
    );
    assert_eq!(
        db.scalar("select count(*) from events where payload = 'old'"),
        "10"
    );
    assert_eq!(
        db.scalar("select count(*) from events where payload = 'new'"),
        "10"
    );
}

#[test]
fn dry_run_counts_and_changes_nothing() {
    let db = TestDb::new();
    events(&db, 120, 30);
    let project = project(RETENTION);
    let run = project.dbward(
        &db,
        &[
            "job",
            "run",
            "--schedule",
            "daily",
            "--dry-run",
            "--format",
            "json",
        ],
    );
    assert_code(&run, 0);
    assert_eq!(run.json()["jobs"][0]["rows_affected"], 120);
    assert_eq!(db.scalar("select count(*) from events"), "150");
    assert!(
        !db.table_exists("dbward.job_runs"),
        "a dry run records nothing"
    );
}

/// A session that holds `events_retention`'s job lock, as a run in progress does, and its pid.
fn holding_the_retention_lock(db: &TestDb) -> (postgres::Client, i32) {
    let mut holder = db.client();
    holder
        .query(
            "select pg_advisory_lock($1)",
            &[&LockKey::new("job", "dbward:events_retention").0],
        )
        .unwrap();
    let pid: i32 = holder
        .query_one("select pg_backend_pid()", &[])
        .unwrap()
        .get(0);
    (holder, pid)
}

#[test]
fn a_second_run_of_the_same_job_is_skipped_and_exits_0() {
    let db = TestDb::new();
    events(&db, 50, 0);
    let project = project(RETENTION);
    let (holder, pid) = holding_the_retention_lock(&db);
    let run = project.dbward(&db, &["job", "run", "events_retention"]);
    assert_code(&run, 0);
    assert!(
        run.stdout.contains(&format!(
            "events_retention: skipped: already running (pid {pid}, since "
        )),
        "{run:?}"
    );
    assert_eq!(db.scalar("select count(*) from events"), "50");
    assert_eq!(db.scalar("select status from dbward.job_runs"), "skipped");
    drop(holder);
    assert_code(&project.dbward(&db, &["job", "run", "events_retention"]), 0);
    assert_eq!(db.scalar("select count(*) from events"), "0");
}

#[test]
fn a_skipped_run_says_when_the_running_one_started() {
    let db = TestDb::new();
    events(&db, 10, 0);
    let project = project(RETENTION);
    assert_code(&project.dbward(&db, &["job", "run", "events_retention"]), 0);
    // A run recorded as running, with a fraction of a second that the message drops.
    db.client()
        .batch_execute(
            "insert into dbward.job_runs (job, status, started_at) \
             values ('events_retention', 'running', '2026-01-02 03:04:05.987+00')",
        )
        .unwrap();
    let (_holder, pid) = holding_the_retention_lock(&db);
    let run = project.dbward(&db, &["job", "run", "events_retention"]);
    assert_code(&run, 0);
    assert!(
        run.stdout.contains(&format!(
            "events_retention: skipped: already running (pid {pid}, since 2026-01-02T03:04:05Z)"
        )),
        "{run:?}"
    );
}

#[test]
fn kill_9_half_way_keeps_the_committed_batches_and_the_next_run_finishes() {
    let db = TestDb::new();
    events(&db, 2000, 100);
    let project = project(
        &RETENTION
            .replace("batch_size = 300", "batch_size = 100")
            .replace("pause = \"1ms\"", "pause = \"150ms\""),
    );
    let deleted = kill_9_once_deleted(&project, &db, "deleted_by_tx");
    assert!(deleted < 2000, "the kill came too late to test anything");
    assert_eq!(
        deleted % 100,
        0,
        "only whole batches are committed: {deleted}"
    );
    assert_eq!(db.scalar("select status from dbward.job_runs"), "running");

    assert_code(&project.dbward(&db, &["job", "run", "events_retention"]), 0);
    assert_eq!(
        db.scalar("select count(*) from events where payload = 'old'"),
        "0"
    );
    assert_eq!(db.scalar("select count(*) from events"), "100");
    assert_eq!(
        db.scalar("select string_agg(status, ',' order by id) from dbward.job_runs"),
        "failed,succeeded",
        "the killed run is closed as abandoned"
    );
    assert!(
        db.scalar("select detail from dbward.job_runs order by id limit 1")
            .starts_with("abandoned")
    );
}

#[test]
fn a_failing_job_fails_the_call_loudly_and_the_others_still_run() {
    let db = TestDb::new();
    db.client()
        .batch_execute("create table counter (n int); insert into counter values (0); create function bump() returns int language sql as 'update counter set n = n + 1 returning n';")
        .unwrap();
    let project = project(
        "[jobs.a_broken]\nkind = \"sql\"\nsql = \"select * from no_such_table\"\n\n\
         [jobs.b_bump]\nkind = \"sql\"\nsql = \"select bump()\"\n\n\
         [jobs.c_slow]\nkind = \"sql\"\nsql = \"select pg_sleep(5)\"\nstatement_timeout = \"200ms\"\n",
    );
    let run = project.dbward(&db, &["job", "run", "--schedule", "daily"]);
    assert_code(&run, 1);
    assert!(
        run.stderr.contains("job a_broken failed") && run.stderr.contains("42P01"),
        "{run:?}"
    );
    // A database error reads as its context, then PostgreSQL's message and SQLSTATE.
    assert!(
        run.stderr.contains(
            "running `select * from no_such_table`: relation \"no_such_table\" does not exist (42P01)"
        ),
        "{run:?}"
    );
    assert!(
        run.stderr.contains("job c_slow failed") && run.stderr.contains("57014"),
        "{run:?}"
    );
    // What failed is named with the database it failed on.
    assert!(
        run.stderr.contains(&format!(
            "database: postgres@127.0.0.1:{}/{}",
            db.port, db.name
        )),
        "{run:?}"
    );
    assert_eq!(db.scalar("select n from counter"), "1");
    assert_eq!(
        db.scalar("select string_agg(job || ':' || status || ':' || coalesce(rows_affected::text, '-'), ',' order by job) from dbward.job_runs"),
        "a_broken:failed:-,b_bump:succeeded:1,c_slow:failed:-"
    );
    let history = project.dbward(&db, &["job", "history", "b_bump", "--format", "json"]);
    assert_code(&history, 0);
    assert_eq!(history.json()["runs"][0]["status"], "succeeded");
    // Times read as RFC 3339 in UTC to the second, as PostgreSQL's to_char spells them.
    let in_sql = |column: &str| {
        db.scalar(&format!(
            "select to_char({column} at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') from dbward.job_runs where job = 'b_bump'"
        ))
    };
    assert_eq!(
        history.json()["runs"][0]["started_at"],
        in_sql("started_at")
    );
    assert_eq!(
        history.json()["runs"][0]["finished_at"],
        in_sql("finished_at")
    );
}

#[test]
fn an_unknown_job_name_is_an_error_listing_the_jobs_in_history_as_in_run() {
    let db = TestDb::new();
    let project = project(
        "[jobs.a_one]\nkind = \"sql\"\nsql = \"select 1\"\n\n\
         [jobs.b_two]\nkind = \"sql\"\nsql = \"select 2\"\n",
    );
    let listed = "no job `a_onne` in dbward.toml; the jobs are: a_one, b_two";
    let run = project.dbward(&db, &["job", "run", "a_onne"]);
    assert_code(&run, 2);
    assert!(run.stderr.contains(listed), "{run:?}");
    let history = project.dbward(&db, &["job", "history", "a_onne"]);
    assert_code(&history, 2);
    assert!(history.stderr.contains(listed), "{history:?}");
    assert_eq!(history.stdout, "", "{history:?}");

    // A declared job that never ran has an empty history, not an error.
    let never = project.dbward(&db, &["job", "history", "b_two", "--format", "json"]);
    assert_code(&never, 0);
    assert_eq!(never.json()["runs"], serde_json::json!([]));

    // A job removed from dbward.toml still shows the runs it left.
    assert_code(&project.dbward(&db, &["job", "run", "a_one"]), 0);
    project.write(
        "dbward.toml",
        "[jobs.b_two]\nkind = \"sql\"\nsql = \"select 2\"\n",
    );
    let removed = project.dbward(&db, &["job", "history", "a_one", "--format", "json"]);
    assert_code(&removed, 0);
    assert_eq!(removed.json()["runs"][0]["job"], "a_one");
    assert_eq!(removed.json()["runs"][0]["status"], "succeeded");
}

#[test]
fn success_is_quiet_unless_asked_and_json_is_one_document() {
    let db = TestDb::new();
    let project = project("[jobs.noop]\nkind = \"sql\"\nsql = \"select 1\"\n");
    let quiet = project.dbward(&db, &["job", "run", "noop"]);
    assert_code(&quiet, 0);
    assert_eq!((quiet.stdout.as_str(), quiet.stderr.as_str()), ("", ""));
    let verbose = project.dbward(&db, &["job", "run", "noop", "-v"]);
    assert!(verbose.stdout.contains("noop: returned 1"), "{verbose:?}");
    let json = project.dbward(&db, &["job", "run", "noop", "--format", "json"]);
    assert_eq!(json.json()["jobs"][0]["status"], "succeeded");
    let unknown = project.dbward(&db, &["job", "run", "nope"]);
    assert_code(&unknown, 2);
    assert!(unknown.stderr.contains("the jobs are: noop"), "{unknown:?}");
}

#[test]
fn vacuum_and_report_jobs_run() {
    let db = TestDb::new();
    events(&db, 100, 100);
    db.client()
        .batch_execute("delete from events where payload = 'old'")
        .unwrap();
    let project = project(
        "[jobs.vacuum]\nkind = \"vacuum\"\nschedule = \"weekly\"\ntables = [\"public.events\"]\n\n\
         [jobs.health]\nkind = \"report\"\nschedule = \"weekly\"\n",
    );
    let run = project.dbward(
        &db,
        &["job", "run", "--schedule", "weekly", "--format", "json"],
    );
    assert_code(&run, 0);
    let doc = run.json();
    let titles: Vec<String> = doc["jobs"][0]["detail"]["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["title"].as_str().unwrap().to_string())
        .collect();
    for title in [
        "largest tables",
        "unused indexes",
        "cache hit ratio",
        "connections by state",
        "long-running queries",
        "dead tuples and vacuum",
    ] {
        assert!(
            titles.iter().any(|t| t == title),
            "{title} missing: {titles:?}"
        );
    }
    assert_eq!(doc["jobs"][1]["job"], "vacuum");
    assert_eq!(doc["jobs"][1]["status"], "succeeded");
    let text = project.dbward(&db, &["job", "run", "health"]);
    assert!(text.stdout.contains("largest tables"), "{text:?}");
    let vacuum_only = project.dbward(&db, &["job", "run", "vacuum", "-v"]);
    assert_code(&vacuum_only, 0);
    assert!(
        vacuum_only
            .stdout
            .contains("vacuum: vacuumed and analysed public.events"),
        "{vacuum_only:?}"
    );
}

#[test]
fn each_seed_system_runs_its_own_jobs_on_its_fixture_data() {
    for system in support::SEED_SYSTEMS {
        let db = TestDb::new();
        let runner = Project::new();
        let dbward = |args: &[&str]| runner.dbward_in(&db, system, args);
        assert_code(&dbward(&["up"]), 0);
        assert_code(&dbward(&["seed"]), 0);
        let list = dbward(&["job", "list", "--format", "json"]);
        assert_code(&list, 0);
        let schedules: std::collections::BTreeSet<String> = list
            .json()
            .as_array()
            .unwrap()
            .iter()
            .map(|j| j["schedule"].as_str().unwrap().to_string())
            .collect();
        assert!(!schedules.is_empty(), "{system} declares no job");
        for schedule in schedules {
            let run = dbward(&["job", "run", "--schedule", &schedule, "--format", "json"]);
            assert_eq!(run.code, 0, "{system} {schedule}: {}", run.stdout);
            for job in run.json()["jobs"].as_array().unwrap() {
                assert_eq!(job["status"], "succeeded", "{system}: {job}");
            }
        }
    }
}
