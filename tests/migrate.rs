//! `new`, `status`, `up`, `down`, `redo`, `validate`, `repair`, `baseline` against a real
//! PostgreSQL, through the real binary.

mod support;

use support::{Project, TestDb, assert_code};

fn three_tables() -> Project {
    let project = Project::new();
    project
        .migration(
            "001_users.sql",
            "create table users (id bigint primary key, email text not null);",
            "drop table users;",
        )
        .migration(
            "002_posts.sql",
            "create table posts (id bigint primary key, user_id bigint references users);",
            "drop table posts;",
        )
        .migration(
            "003_tags.sql",
            "create table tags (id bigint primary key);",
            "drop table tags;",
        );
    project
}

fn history_versions(db: &TestDb) -> String {
    db.scalar("SELECT coalesce(string_agg(version::text, ',' ORDER BY version), '') FROM dbward.schema_history")
}

#[test]
fn new_numbers_follow_the_existing_width() {
    let project = Project::new();
    // An empty folder is no project until `init` makes one.
    assert_code(&project.run(&["init"]), 0);
    let run = project.run(&["new", "add invoices"]);
    assert_code(&run, 0);
    assert!(
        project
            .path()
            .join("migrations/001_add_invoices.sql")
            .is_file()
    );
    assert!(
        project
            .path()
            .join("rollbacks/001_add_invoices.sql")
            .is_file()
    );

    project.write("migrations/0007_old.sql", "select 1;");
    assert_code(&project.run(&["new", "next"]), 0);
    assert!(project.path().join("migrations/0008_next.sql").is_file());
    assert!(project.path().join("rollbacks/0008_next.sql").is_file());

    let bad = project.run(&["new", "drop;table"]);
    assert_code(&bad, 2);
    assert!(bad.stderr.contains("may hold only"), "{bad:?}");
}

#[test]
fn up_applies_in_order_and_status_shows_it() {
    let db = TestDb::new();
    let project = three_tables();

    let status = project.dbward(&db, &["status", "--format", "json"]);
    assert_code(&status, 0);
    let doc = status.json();
    assert_eq!(doc["pending"], 3);
    assert_eq!(doc["migrations"][0]["state"], "pending");

    assert_code(&project.dbward(&db, &["status", "--exit-code"]), 3);

    let up = project.dbward(&db, &["up"]);
    assert_code(&up, 0);
    assert!(db.table_exists("users") && db.table_exists("posts") && db.table_exists("tags"));
    assert_eq!(history_versions(&db), "1,2,3");

    let status = project.dbward(&db, &["status", "--format", "json", "--exit-code"]);
    assert_code(&status, 0);
    let doc = status.json();
    assert_eq!(doc["pending"], 0);
    for row in doc["migrations"].as_array().unwrap() {
        assert_eq!(row["state"], "applied");
        assert!(row["applied_at"].as_str().unwrap().ends_with('Z'));
        assert!(row["execution_ms"].as_i64().is_some());
    }

    let again = project.dbward(&db, &["up"]);
    assert_code(&again, 0);
    assert!(again.stdout.contains("nothing to do"), "{again:?}");
}

#[test]
fn the_history_records_how_long_each_migration_ran() {
    let db = TestDb::new();
    let project = Project::new();
    project
        .migration(
            "001_slow.sql",
            "create table slow (id int);\nselect pg_sleep(0.3);",
            "drop table slow;",
        )
        .migration(
            "002_quick.sql",
            "create table quick (id int);",
            "drop table quick;",
        );
    assert_code(&project.dbward(&db, &["up"]), 0);
    // The time is the server's, from the migration's transaction: it covers the script.
    let slow: i64 = db
        .scalar("SELECT execution_ms FROM dbward.schema_history WHERE version = 1")
        .parse()
        .unwrap();
    assert!(slow >= 300, "recorded {slow} ms for a 300 ms script");
    let quick: i64 = db
        .scalar("SELECT execution_ms FROM dbward.schema_history WHERE version = 2")
        .parse()
        .unwrap();
    assert!(quick < slow, "recorded {quick} ms for the quick one");
}

#[test]
fn dry_runs_change_nothing() {
    let db = TestDb::new();
    let project = three_tables();
    let dry = project.dbward(&db, &["up", "--dry-run", "--format", "json"]);
    assert_code(&dry, 0);
    let doc = dry.json();
    assert_eq!(doc["steps"].as_array().unwrap().len(), 3);
    assert_eq!(doc["steps"][0]["outcome"], "would_run");
    assert!(!db.table_exists("users"));
    assert!(
        !db.table_exists("dbward.schema_history"),
        "a dry run creates nothing"
    );

    assert_code(&project.dbward(&db, &["up"]), 0);
    let dry_down = project.dbward(&db, &["down", "--to", "0", "--dry-run", "--format", "json"]);
    assert_code(&dry_down, 0);
    assert_eq!(dry_down.json()["steps"][0]["version"], 3);
    assert_eq!(history_versions(&db), "1,2,3");
    assert!(db.table_exists("tags"));
}

#[test]
fn up_to_a_target_and_down_by_steps_or_target() {
    let db = TestDb::new();
    let project = three_tables();
    assert_code(&project.dbward(&db, &["up", "--to", "2"]), 0);
    assert_eq!(history_versions(&db), "1,2");
    assert!(!db.table_exists("tags"));

    assert_code(&project.dbward(&db, &["up"]), 0);
    assert_code(&project.dbward(&db, &["down"]), 0);
    assert_eq!(history_versions(&db), "1,2");
    assert!(!db.table_exists("tags"));

    assert_code(&project.dbward(&db, &["up"]), 0);
    assert_code(&project.dbward(&db, &["down", "--steps", "2"]), 0);
    assert_eq!(history_versions(&db), "1");

    assert_code(&project.dbward(&db, &["down", "--to", "0"]), 0);
    assert_eq!(history_versions(&db), "");
    assert!(!db.table_exists("users"));
}

#[test]
fn redo_rolls_back_and_reapplies_the_newest() {
    let db = TestDb::new();
    let project = three_tables();
    assert_code(&project.dbward(&db, &["up"]), 0);
    let marker = "SELECT applied_at::text FROM dbward.schema_history WHERE version = 3";
    let before = db.scalar(marker);
    std::thread::sleep(std::time::Duration::from_millis(20));
    let redo = project.dbward(&db, &["redo", "--format", "json"]);
    assert_code(&redo, 0);
    let steps = redo.json()["steps"].clone();
    assert_eq!(steps[0]["direction"], "down");
    assert_eq!(steps[1]["direction"], "up");
    assert_ne!(db.scalar(marker), before);
    assert_eq!(history_versions(&db), "1,2,3");
}

#[test]
fn down_refuses_to_cross_an_irreversible_migration() {
    let db = TestDb::new();
    let project = three_tables();
    project.remove("rollbacks/002_posts.sql");
    assert_code(&project.dbward(&db, &["up"]), 0);
    let status = project.dbward(&db, &["status", "--format", "json"]);
    assert_eq!(status.json()["migrations"][1]["reversible"], false);

    let down = project.dbward(&db, &["down", "--to", "0"]);
    assert_code(&down, 2);
    assert!(
        down.stderr.contains("002_posts.sql") && down.stderr.contains("no rollback"),
        "{down:?}"
    );
    // Nothing was rolled back before refusing: the plan is checked first.
    assert_eq!(history_versions(&db), "1,2,3");
}

#[test]
fn a_failing_migration_leaves_no_trace_and_names_file_line_column() {
    let db = TestDb::new();
    let project = Project::new();
    project.migration("001_ok.sql", "create table ok (id int);", "drop table ok;");
    project.migration(
        "002_bad.sql",
        "create table half (id int);\ninsert into half values (1);\n\ninsert into missing_table\n  values (2);\n",
        "drop table half;",
    );
    let up = project.dbward(&db, &["up"]);
    assert_code(&up, 1);
    assert!(
        up.stderr.contains(
            "migrations/002_bad.sql:4:13: error 42P01: relation \"missing_table\" does not exist"
        ),
        "{up:?}"
    );
    assert!(
        up.stderr.contains(" 4 | insert into missing_table"),
        "{up:?}"
    );
    assert!(
        db.table_exists("ok"),
        "the migration before it stays applied"
    );
    assert!(
        !db.table_exists("half"),
        "nothing of the failed migration is left"
    );
    assert_eq!(history_versions(&db), "1");

    let json = project.dbward(&db, &["up", "--format", "json"]);
    assert_code(&json, 1);
    let error = &json.json()["error"];
    assert_eq!(error["kind"], "migration_failed");
    assert_eq!(error["detail"]["line"], 4);
    assert_eq!(error["detail"]["column"], 13);
    assert_eq!(error["detail"]["sqlstate"], "42P01");
}

#[test]
fn a_failure_without_a_position_is_still_placed_at_its_statement() {
    // "column does not exist" in CREATE INDEX comes with no position from PostgreSQL.
    let db = TestDb::new();
    let project = Project::new();
    project.migration("001_t.sql", "create table t (id int);", "drop table t;");
    project.migration(
        "002_index.sql",
        "create table u (id int);\n\ncreate index u_nope on u (nope);\n",
        "drop table u;",
    );
    let up = project.dbward(&db, &["up"]);
    assert_code(&up, 1);
    assert!(
        up.stderr
            .contains("migrations/002_index.sql:3:1: error 42703"),
        "{up:?}"
    );
    assert!(
        !db.table_exists("u"),
        "the replay that placed it was rolled back"
    );

    let single = project.dbward(&db, &["up", "--single-transaction", "--format", "json"]);
    assert_code(&single, 1);
    assert_eq!(single.json()["error"]["detail"]["line"], 3);
}

#[test]
fn errors_carry_detail_and_hint() {
    let db = TestDb::new();
    let project = Project::new();
    project.migration(
        "001_dupe.sql",
        "create table u (id int unique);\ninsert into u values (1), (1);",
        "drop table u;",
    );
    let up = project.dbward(&db, &["up"]);
    assert_code(&up, 1);
    assert!(up.stderr.contains("23505"), "{up:?}");
    assert!(
        up.stderr.contains("detail: Key (id)=(1) already exists."),
        "{up:?}"
    );

    let project = Project::new();
    project.migration("001_hint.sql", "select lenght('x');", "select 1;");
    let up = project.dbward(&db, &["up"]);
    assert_code(&up, 1);
    assert!(up.stderr.contains("migrations/001_hint.sql:1:8"), "{up:?}");
    assert!(up.stderr.contains("hint: No function matches"), "{up:?}");
}

#[test]
fn single_transaction_is_all_or_nothing() {
    let db = TestDb::new();
    let project = three_tables();
    project.migration("004_bad.sql", "select * from nowhere;", "select 1;");
    let up = project.dbward(&db, &["up", "--single-transaction"]);
    assert_code(&up, 1);
    assert!(up.stderr.contains("whole run was rolled back"), "{up:?}");
    assert!(!db.table_exists("users"));
    assert_eq!(db.scalar("SELECT count(*) FROM dbward.schema_history"), "0");

    project.remove("migrations/004_bad.sql");
    project.remove("rollbacks/004_bad.sql");
    assert_code(&project.dbward(&db, &["up", "--single-transaction"]), 0);
    assert_eq!(history_versions(&db), "1,2,3");
}

#[test]
fn no_transaction_migrations_run_statement_by_statement() {
    let db = TestDb::new();
    let project = Project::new();
    project.migration(
        "001_t.sql",
        "create table t (id int, v text);",
        "drop table t;",
    );
    project.migration(
        "002_index.sql",
        "-- dbward:no-transaction\ncreate index concurrently t_id on t (id);\ncreate index concurrently t_v on t (v);\n",
        "-- dbward:no-transaction\ndrop index concurrently t_v;\ndrop index concurrently t_id;\n",
    );
    let up = project.dbward(&db, &["up"]);
    assert_code(&up, 0);
    assert_eq!(
        db.scalar("SELECT count(*) FROM pg_indexes WHERE tablename = 't'"),
        "2"
    );
    assert_eq!(
        db.scalar("SELECT success FROM dbward.schema_history WHERE version = 2"),
        "t"
    );
    assert_code(&project.dbward(&db, &["down"]), 0);
    assert_eq!(
        db.scalar("SELECT count(*) FROM pg_indexes WHERE tablename = 't'"),
        "0"
    );

    // --single-transaction cannot hold it.
    let single = project.dbward(&db, &["up", "--single-transaction"]);
    assert_code(&single, 2);
    assert!(single.stderr.contains("no-transaction"), "{single:?}");
}

#[test]
fn a_failed_no_transaction_migration_blocks_up_until_repaired() {
    let db = TestDb::new();
    let project = Project::new();
    project.migration("001_t.sql", "create table t (id int);", "drop table t;");
    project.migration(
        "002_index.sql",
        "-- dbward:no-transaction\ncreate index concurrently t_id on t (id);\ncreate index concurrently t_x on t (nope);\n",
        "-- dbward:no-transaction\ndrop index concurrently if exists t_id;\n",
    );
    let up = project.dbward(&db, &["up"]);
    assert_code(&up, 1);
    assert!(up.stderr.contains("migrations/002_index.sql:3:"), "{up:?}");
    assert!(
        up.stderr
            .contains("1 statement before this one stays committed"),
        "{up:?}"
    );

    let status = project.dbward(&db, &["status", "--format", "json"]);
    assert_eq!(status.json()["migrations"][1]["state"], "failed");
    assert!(status.json()["migrations"][1]["execution_ms"].is_null());
    let blocked = project.dbward(&db, &["up"]);
    assert_code(&blocked, 3);
    assert!(blocked.stderr.contains("dbward repair"), "{blocked:?}");
    let validate = project.dbward(
        &db,
        &[
            "validate",
            "--allow-modified",
            "--allow-missing",
            "--allow-out-of-order",
        ],
    );
    assert_code(&validate, 3);

    // The operator finishes by hand: fix the file, undo the half, repair, up.
    db.client().batch_execute("DROP INDEX t_id").unwrap();
    project.write(
        "migrations/002_index.sql",
        "-- dbward:no-transaction\ncreate index concurrently t_id on t (id);\n",
    );
    let repair = project.dbward(&db, &["repair", "--format", "json"]);
    assert_code(&repair, 0);
    assert_eq!(repair.json()["changes"][0]["action"], "failed_cleared");
    assert_code(&project.dbward(&db, &["up"]), 0);
    assert_eq!(
        db.scalar("SELECT count(*) FROM dbward.schema_events WHERE event = 'failed_cleared'"),
        "1"
    );
}

#[test]
fn validate_refuses_modified_missing_and_out_of_order_naming_the_flag() {
    let db = TestDb::new();
    let project = three_tables();
    assert_code(&project.dbward(&db, &["up", "--to", "1"]), 0);
    assert_code(&project.dbward(&db, &["validate"]), 0);

    // Modified.
    project.write(
        "migrations/001_users.sql",
        "create table users (id bigint primary key, email text);",
    );
    let validate = project.dbward(&db, &["validate"]);
    assert_code(&validate, 3);
    assert!(
        validate.stderr.contains("migrations/001_users.sql")
            && validate.stderr.contains("--allow-modified"),
        "{validate:?}"
    );
    let up = project.dbward(&db, &["up"]);
    assert_code(&up, 3);
    assert!(
        !db.table_exists("posts"),
        "up refused before applying anything"
    );
    assert_code(&project.dbward(&db, &["validate", "--allow-modified"]), 0);

    // A CRLF or BOM re-save is not an edit.
    project.write(
        "migrations/001_users.sql",
        "\u{feff}create table users (id bigint primary key, email text not null);"
            .replace('\n', "\r\n"),
    );
    assert_code(&project.dbward(&db, &["validate"]), 0);

    // Out of order: 003 applied while 002 is pending.
    project.migration(
        "002_posts.sql",
        "create table posts (id int);",
        "drop table posts;",
    );
    let three = Project::new();
    three.migration(
        "001_users.sql",
        "create table users (id bigint primary key, email text not null);",
        "drop table users;",
    );
    three.migration(
        "003_tags.sql",
        "create table tags (id bigint primary key);",
        "drop table tags;",
    );
    assert_code(&three.dbward(&db, &["up"]), 0);
    let validate = project.dbward(&db, &["validate"]);
    assert_code(&validate, 3);
    assert!(
        validate.stderr.contains("--allow-out-of-order")
            && validate.stderr.contains("002_posts.sql"),
        "{validate:?}"
    );
    assert_code(&project.dbward(&db, &["up", "--allow-out-of-order"]), 0);
    assert!(db.table_exists("posts"));

    // Missing.
    project.remove("migrations/003_tags.sql");
    project.remove("rollbacks/003_tags.sql");
    let validate = project.dbward(&db, &["validate", "--format", "json"]);
    assert_code(&validate, 3);
    assert_eq!(validate.json()["error"]["detail"][0]["problem"], "missing");
    assert!(
        validate.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("--allow-missing")
    );
    assert_code(&project.dbward(&db, &["validate", "--allow-missing"]), 0);
}

#[test]
fn repair_forget_missing_accepts_a_deleted_migration_for_good() {
    let db = TestDb::new();
    let project = three_tables();
    assert_code(&project.dbward(&db, &["up"]), 0);
    project.remove("migrations/002_posts.sql");
    project.remove("rollbacks/002_posts.sql");
    let refused = project.dbward(&db, &["up"]);
    assert_code(&refused, 3);
    assert!(
        refused.stderr.contains("dbward repair --forget-missing")
            && refused.stderr.contains("--allow-missing"),
        "{refused:?}"
    );

    // Without the flag, repair leaves a missing file's row alone, and says so.
    let plain = project.dbward(&db, &["repair"]);
    assert_code(&plain, 0);
    assert!(
        plain.stdout.contains("nothing to repair\n1 applied migration left in the history (its file is gone): 2 posts; `dbward repair --forget-missing` removes it"),
        "{plain:?}"
    );
    let json = project.dbward(&db, &["repair", "--format", "json"]);
    assert_eq!(json.json()["missing_left"], serde_json::json!(["2 posts"]));
    assert_eq!(history_versions(&db), "1,2,3");

    let dry = project.dbward(&db, &["repair", "--forget-missing", "--dry-run"]);
    assert_code(&dry, 0);
    assert!(
        dry.stdout.contains("missing file forgotten")
            && dry.stdout.contains("dry run: nothing was changed"),
        "{dry:?}"
    );
    assert_eq!(history_versions(&db), "1,2,3");
    assert_eq!(db.scalar("SELECT count(*) FROM dbward.schema_events"), "0");

    let forget = project.dbward(&db, &["repair", "--forget-missing", "--format", "json"]);
    assert_code(&forget, 0);
    let doc = forget.json();
    assert_eq!(doc["changes"].as_array().unwrap().len(), 1, "{doc}");
    assert_eq!(doc["changes"][0]["version"], 2);
    assert_eq!(doc["changes"][0]["name"], "posts");
    assert_eq!(doc["changes"][0]["action"], "missing_forgotten");
    assert_eq!(history_versions(&db), "1,3");
    assert_eq!(
        db.scalar("SELECT event || ':' || version FROM dbward.schema_events"),
        "missing_forgotten:2"
    );
    assert!(
        db.scalar("SELECT detail FROM dbward.schema_events")
            .contains("file gone: removed from the history"),
    );

    // Later runs need no flag; the table the migration made stays.
    assert_code(&project.dbward(&db, &["validate"]), 0);
    assert_code(&project.dbward(&db, &["up"]), 0);
    assert!(db.table_exists("posts"));
    let again = project.dbward(&db, &["repair", "--forget-missing"]);
    assert_code(&again, 0);
    assert!(again.stdout.contains("nothing to repair"), "{again:?}");
    let status = project.dbward(&db, &["status", "--format", "json"]);
    assert_code(&status, 0);
    assert_eq!(
        status.json()["migrations"].as_array().unwrap().len(),
        2,
        "{status:?}"
    );
}

#[test]
fn repair_accepts_edits_and_records_that_it_did() {
    let db = TestDb::new();
    let project = three_tables();
    assert_code(&project.dbward(&db, &["up"]), 0);
    project.write(
        "migrations/002_posts.sql",
        "-- now with a comment\ncreate table posts (id bigint primary key, user_id bigint references users);",
    );
    assert_code(&project.dbward(&db, &["validate"]), 3);
    let dry = project.dbward(&db, &["repair", "--dry-run"]);
    assert_code(&dry, 0);
    assert_code(&project.dbward(&db, &["validate"]), 3);
    let repair = project.dbward(&db, &["repair"]);
    assert_code(&repair, 0);
    assert!(repair.stdout.contains("checksum accepted"), "{repair:?}");
    assert_code(&project.dbward(&db, &["validate"]), 0);
    assert_eq!(
        db.scalar("SELECT event || ':' || version FROM dbward.schema_events"),
        "checksum_accepted:2"
    );
}

#[test]
fn baseline_adopts_an_existing_database() {
    let db = TestDb::new();
    db.client()
        .batch_execute("create table users (id bigint primary key, email text not null); create table posts (id bigint primary key, user_id bigint references users);")
        .unwrap();
    let project = three_tables();
    let baseline = project.dbward(&db, &["baseline", "2"]);
    assert_code(&baseline, 0);
    assert_eq!(history_versions(&db), "1,2");
    assert_code(&project.dbward(&db, &["up"]), 0);
    assert_eq!(history_versions(&db), "1,2,3");
    let again = project.dbward(&db, &["baseline", "3"]);
    assert_code(&again, 2);
    assert!(
        again.stderr.contains("already has a migration history"),
        "{again:?}"
    );
}

#[test]
fn baseline_and_up_to_refuse_a_version_no_migration_has() {
    let db = TestDb::new();
    let project = three_tables();
    // A typo for 2: recording 001-003 as applied would skip creating tags.
    let beyond = project.dbward(&db, &["baseline", "20"]);
    assert_code(&beyond, 2);
    assert!(
        beyond.stderr.contains(
            "`baseline 20` names no migration: the newest is 003 (migrations/003_tags.sql)"
        ),
        "{beyond:?}"
    );
    assert!(!db.table_exists("dbward.schema_history"), "{beyond:?}");

    let up = project.dbward(&db, &["up", "--to", "30"]);
    assert_code(&up, 2);
    assert!(
        up.stderr
            .contains("`--to 30` names no migration: the newest is 003 (migrations/003_tags.sql)"),
        "{up:?}"
    );
    assert!(!db.table_exists("public.users"), "{up:?}");

    // Two files apart: a version between them names both.
    project.remove("migrations/002_posts.sql");
    project.remove("rollbacks/002_posts.sql");
    let between = project.dbward(&db, &["up", "--to", "2", "--dry-run"]);
    assert_code(&between, 2);
    assert!(
        between.stderr.contains(
            "`--to 2` names no migration: the nearest are 001 (migrations/001_users.sql) and 003 (migrations/003_tags.sql)"
        ),
        "{between:?}"
    );
    let below = project.dbward(&db, &["baseline", "0"]);
    assert_code(&below, 2);
    assert!(
        below
            .stderr
            .contains("the oldest is 001 (migrations/001_users.sql)"),
        "{below:?}"
    );

    // A version a file has, whatever its width, is taken.
    assert_code(&project.dbward(&db, &["up", "--to", "1"]), 0);
    assert_eq!(history_versions(&db), "1");
    assert_code(&project.dbward(&db, &["up", "--to", "003"]), 0);
    assert_eq!(history_versions(&db), "1,3");
}

#[test]
fn a_pending_empty_migration_is_refused() {
    let db = TestDb::new();
    let project = Project::new();
    // An empty folder is no project until `init` makes one.
    assert_code(&project.run(&["init"]), 0);
    assert_code(&project.run(&["new", "todo"]), 0);
    let up = project.dbward(&db, &["up"]);
    assert_code(&up, 2);
    assert!(
        up.stderr.contains("001_todo.sql") && up.stderr.contains("holds no SQL"),
        "{up:?}"
    );
    // status still works while the author writes it.
    assert_code(&project.dbward(&db, &["status"]), 0);
}

#[test]
fn history_lives_in_its_own_schema() {
    let db = TestDb::new();
    let project = three_tables();
    project.write("dbward.toml", "schema = \"ops_history\"\n");
    assert_code(&project.dbward(&db, &["up"]), 0);
    assert!(db.table_exists("ops_history.schema_history"));
    assert!(!db.table_exists("dbward.schema_history"));
    assert!(!db.table_exists("public.schema_history"));

    project.write("dbward.toml", "schema = \"public\"\n");
    let refused = project.dbward(&db, &["status"]);
    assert_code(&refused, 2);
}

#[test]
fn a_history_made_by_an_older_dbward_gets_the_claim_function() {
    let db = TestDb::new();
    let project = three_tables();
    assert_code(&project.dbward(&db, &["up", "--to", "2"]), 0);
    // What dbward made before the claim function existed: the tables alone. Until `up`
    // upgrades it, every command works without the function.
    db.scalar("DROP FUNCTION dbward.claim_step_v2(bigint, bigint, text, boolean)");
    assert_code(&project.dbward(&db, &["down"]), 0);
    assert_code(&project.dbward(&db, &["redo"]), 0);
    assert_code(&project.dbward(&db, &["status"]), 0);
    assert_eq!(history_versions(&db), "1");
    assert_code(&project.dbward(&db, &["up"]), 0);
    assert_eq!(history_versions(&db), "1,2,3");
    assert_eq!(
        db.scalar("SELECT to_regprocedure('dbward.claim_step_v2(bigint, bigint, text, boolean)') IS NOT NULL"),
        "t"
    );
    // Only the migrating role may call it.
    assert_eq!(
        db.scalar("SELECT has_function_privilege('public', 'dbward.claim_step_v2(bigint, bigint, text, boolean)', 'execute')"),
        "f"
    );
}

#[test]
fn a_schema_name_holding_dollar_quotes_still_works() {
    let db = TestDb::new();
    let project = three_tables();
    project.write("dbward.toml", "schema = \"ops$body$history\"\n");
    assert_code(&project.dbward(&db, &["up"]), 0);
    assert_code(&project.dbward(&db, &["down"]), 0);
    assert_eq!(
        db.scalar("SELECT string_agg(version::text, ',' ORDER BY version) FROM \"ops$body$history\".schema_history"),
        "1,2"
    );
}

/// Where `public.t2` (or `s1.t2`) ended up, and whether the session could write.
fn settings_project(first: &str, mode: &str) -> Project {
    let project = Project::new();
    project.migration(
        "001_settings.sql",
        &format!("{mode}create schema s1;\n{first}\n"),
        "drop schema s1;",
    );
    project.migration(
        "002_table.sql",
        "create table t2 (id int);",
        "drop table t2;",
    );
    project.migration(
        "003_role.sql",
        "insert into owners values (current_user);",
        "delete from owners;",
    );
    project
}

#[test]
fn each_migration_starts_from_the_sessions_defaults() {
    let cases = [
        ("set search_path = s1;", ""),
        ("set search_path = s1;", "-- dbward:no-transaction\n"),
        ("set session characteristics as transaction read only;", ""),
        ("set role nobody_here;", ""),
        ("set role nobody_here;", "-- dbward:no-transaction\n"),
    ];
    for (first, mode) in cases {
        for together in [true, false] {
            let db = TestDb::new();
            db.scalar(
                "DO $$ BEGIN CREATE ROLE nobody_here; EXCEPTION WHEN duplicate_object THEN NULL; END $$; \
                 CREATE TABLE public.owners (name text); GRANT ALL ON public.owners TO nobody_here; SELECT 1",
            );
            let project = settings_project(first, mode);
            if together {
                assert_code(&project.dbward(&db, &["up"]), 0);
            } else {
                for to in ["1", "2", "3"] {
                    assert_code(&project.dbward(&db, &["up", "--to", to]), 0);
                }
            }
            let case = format!("{first} {mode:?} together={together}");
            assert_eq!(
                db.scalar("SELECT to_regclass('public.t2') IS NOT NULL"),
                "t",
                "{case}"
            );
            assert_eq!(
                db.scalar("SELECT name FROM public.owners"),
                "postgres",
                "{case}"
            );
            assert_eq!(history_versions(&db), "1,2,3", "{case}");
        }
    }
    // --single-transaction too: one transaction, each migration from the defaults.
    let db = TestDb::new();
    db.scalar("CREATE TABLE public.owners (name text); SELECT 1");
    let project = settings_project("set search_path = s1;", "");
    assert_code(&project.dbward(&db, &["up", "--single-transaction"]), 0);
    assert_eq!(
        db.scalar("SELECT to_regclass('public.t2') IS NOT NULL"),
        "t"
    );
}

#[test]
fn an_edited_rollback_is_a_warning_that_down_and_repair_name() {
    let db = TestDb::new();
    let project = three_tables();
    assert_code(&project.dbward(&db, &["up"]), 0);
    project.write("rollbacks/002_posts.sql", "drop table if exists posts;");
    let warning = "warning: rollbacks/002_posts.sql changed since migration 002 was applied";

    let status = project.dbward(&db, &["status"]);
    assert_code(&status, 0);
    assert!(status.stdout.contains(warning), "{status:?}");
    assert!(status.stdout.contains("edited"), "{status:?}");
    let json = project.dbward(&db, &["status", "--format", "json"]).json();
    let edited: Vec<bool> = json["migrations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["rollback_edited"].as_bool().unwrap())
        .collect();
    assert_eq!(edited, [false, true, false]);

    // A warning, not a divergence: validate still passes, and says it.
    let validate = project.dbward(&db, &["validate"]);
    assert_code(&validate, 0);
    assert!(validate.stdout.contains(warning), "{validate:?}");
    let json = project
        .dbward(&db, &["validate", "--format", "json"])
        .json();
    assert_eq!(json["edited_rollbacks"][0]["version"], 2);

    // repair records the new checksum, once.
    let repair = project.dbward(&db, &["repair", "--format", "json"]).json();
    assert_eq!(repair["changes"][0]["action"], "rollback_checksum_accepted");
    assert_eq!(
        db.scalar("SELECT event FROM dbward.schema_events WHERE version = 2"),
        "rollback_checksum_accepted"
    );
    let status = project.dbward(&db, &["status"]);
    assert!(!status.stdout.contains("warning"), "{status:?}");

    // down names the rollback it runs, and whether it was edited since.
    project.write("rollbacks/003_tags.sql", "drop table if exists tags;");
    let down = project.dbward(&db, &["down", "--to", "1"]);
    assert_code(&down, 0);
    assert!(
        down.stderr
            .contains("rolled back rollbacks/003_tags.sql (",)
            && down
                .stderr
                .contains("a rollback edited since migration 003 was applied"),
        "{down:?}"
    );
    assert!(
        down.stderr
            .contains("rolled back rollbacks/002_posts.sql ("),
        "{down:?}"
    );
    assert_eq!(
        down.stderr.matches("edited since").count(),
        1,
        "only 3's rollback was edited after repair: {down:?}"
    );
}

#[test]
fn up_to_zero_applies_no_migration_and_makes_dbward_s_tables() {
    let db = TestDb::new();
    let project = Project::new();
    project.migration("001_t.sql", "create table t (id int);", "drop table t;");
    assert_code(&project.dbward(&db, &["up", "--to", "0"]), 0);
    assert_eq!(db.scalar("SELECT count(*) FROM dbward.schema_history"), "0");
    assert_eq!(
        db.scalar("SELECT count(*) FROM pg_class WHERE relname = 't'"),
        "0"
    );
}
