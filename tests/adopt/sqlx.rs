//! sqlx: `_sqlx_migrations`, with the SHA-384 of each file.

use crate::*;

/// `_sqlx_migrations` as sqlx makes it on PostgreSQL.
pub(crate) fn sqlx_table(db: &TestDb) {
    db.client()
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS _sqlx_migrations (
                version BIGINT PRIMARY KEY,
                description TEXT NOT NULL,
                installed_on TIMESTAMPTZ NOT NULL DEFAULT now(),
                success BOOLEAN NOT NULL,
                checksum BYTEA NOT NULL,
                execution_time BIGINT NOT NULL
            );",
        )
        .unwrap();
}

/// A row as sqlx writes it: the SHA-384 (PostgreSQL's own) of the file's bytes.
pub(crate) fn sqlx_row(db: &TestDb, index: usize, success: bool) {
    let (version, name, text) = FILES[index];
    db.client()
        .execute(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
             VALUES ($1, $2, $3, sha384($4), 1234567)",
            &[&i64::from(version), &name, &success, &text.as_bytes()],
        )
        .unwrap();
}

#[test]
fn sqlx_history_is_adopted_and_up_runs_only_what_sqlx_had_not() {
    let db = TestDb::new();
    let project = project(Tool::Sqlx, 3);
    sqlx_table(&db);
    apply_files(&db, 2);
    sqlx_row(&db, 0, true);
    sqlx_row(&db, 1, true);
    adopt_then_up(&db, &project, "_sqlx_migrations", "users,posts", &["tags"]);

    // Adopting again (after `up` ran 3) finds both recorded already, and records nothing;
    // 3 is dbward's own.
    let again = project.dbward(&db, &["adopt", "--format", "json"]);
    assert_code(&again, 0);
    let doc = again.json();
    assert_eq!(doc["recorded"].as_array().unwrap().len(), 0, "{again:?}");
    assert_eq!(doc["already_recorded"], serde_json::json!([1, 2]));
    assert_eq!(doc["pending"], serde_json::json!([]));
    let table = project.dbward(&db, &["adopt"]);
    assert_code(&table, 0);
    assert!(
        table.stdout.contains(
            "nothing new to record from sqlx's _sqlx_migrations, 2 already recorded, 0 pending"
        ),
        "{table:?}"
    );
}

#[test]
fn sqlx_all_applied_then_up_does_nothing() {
    let db = TestDb::new();
    let project = project(Tool::Sqlx, 3);
    sqlx_table(&db);
    apply_files(&db, 3);
    for index in 0..3 {
        sqlx_row(&db, index, true);
    }
    adopt_then_up(&db, &project, "_sqlx_migrations", "users,posts,tags", &[]);
}

#[test]
fn sqlx_reversible_pairs_are_checked_by_their_up_file() {
    let db = TestDb::new();
    let project = Project::new();
    project.write("dbward.toml", "layout = \"sqlx\"\n");
    let (_, _, users) = FILES[0];
    project.write("migrations/1_users.up.sql", users);
    project.write("migrations/1_users.down.sql", "drop table users;\n");
    sqlx_table(&db);
    apply_files(&db, 1);
    sqlx_row(&db, 0, true);
    adopt_then_up(&db, &project, "_sqlx_migrations", "users", &[]);
    // The rollback is dbward's to run now.
    let down = project.dbward(&db, &["down"]);
    assert_code(&down, 0);
    assert!(!db.table_exists("users"), "{down:?}");
}

#[test]
fn sqlx_failed_run_and_edited_file_are_refused_by_name() {
    let db = TestDb::new();
    let project = project(Tool::Sqlx, 3);
    sqlx_table(&db);
    apply_files(&db, 2);
    sqlx_row(&db, 0, true);
    sqlx_row(&db, 1, false);
    let run = refused(&db, &project, &["sqlx records version 2 (posts) as failed"]);
    assert!(run.stderr.contains("for 1 reason:"), "{run:?}");

    // Fixed by hand, then the file is edited: a CRLF file saved with LF is another file
    // to sqlx (dbward's own checksum would not see it).
    db.client()
        .batch_execute("UPDATE _sqlx_migrations SET success = true")
        .unwrap();
    project.write(
        "migrations/2_posts.sql",
        FILES[1]
            .2
            .trim_start_matches('\u{feff}')
            .replace("\r\n", "\n"),
    );
    refused(
        &db,
        &project,
        &["migrations/2_posts.sql changed since sqlx applied version 2"],
    );
}

#[test]
fn json_names_every_refusal() {
    let db = TestDb::new();
    let project = project(Tool::Sqlx, 1);
    sqlx_table(&db);
    apply_files(&db, 2);
    sqlx_row(&db, 1, true);
    sqlx_row(&db, 2, false);
    let run = project.dbward(&db, &["adopt", "--format", "json"]);
    assert_code(&run, 3);
    let error = &run.json()["error"];
    assert_eq!(error["kind"], "adopt_refused");
    assert_eq!(error["exit_code"], 3);
    let kinds: Vec<&str> = error["detail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["missing_file", "failed"]);
}
