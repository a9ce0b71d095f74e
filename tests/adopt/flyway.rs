//! Flyway: `flyway_schema_history`, a row per run with its type and CRC-32.

use crate::*;

/// `flyway_schema_history` as Flyway makes it on PostgreSQL, with its primary key and index.
pub(crate) fn flyway_table(db: &TestDb) {
    db.client()
        .batch_execute(
            "CREATE TABLE \"public\".\"flyway_schema_history\" (
                \"installed_rank\" INT NOT NULL,
                \"version\" VARCHAR(50),
                \"description\" VARCHAR(200) NOT NULL,
                \"type\" VARCHAR(20) NOT NULL,
                \"script\" VARCHAR(1000) NOT NULL,
                \"checksum\" INTEGER,
                \"installed_by\" VARCHAR(100) NOT NULL,
                \"installed_on\" TIMESTAMP NOT NULL DEFAULT now(),
                \"execution_time\" INTEGER NOT NULL,
                \"success\" BOOLEAN NOT NULL
            );
            ALTER TABLE \"public\".\"flyway_schema_history\" ADD CONSTRAINT \"flyway_schema_history_pk\" PRIMARY KEY (\"installed_rank\");
            CREATE INDEX \"flyway_schema_history_s_idx\" ON \"public\".\"flyway_schema_history\" (\"success\");",
        )
        .unwrap();
}

/// A row as Flyway writes it; `index` is FILES[index], or `None` for a repeatable.
pub(crate) fn flyway_row(
    db: &TestDb,
    rank: i32,
    index: Option<usize>,
    kind: &str,
    checksum: Option<i32>,
    success: bool,
) {
    let version = index.map(|i| Tool::Flyway.version(i));
    let (description, script) = match index {
        Some(i) => (
            FILES[i].1.to_string(),
            Tool::Flyway
                .file(i)
                .0
                .trim_start_matches("migrations/")
                .to_string(),
        ),
        None => ("views".to_string(), "R__views.sql".to_string()),
    };
    db.client()
        .execute(
            "INSERT INTO \"public\".\"flyway_schema_history\"
               (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success)
             VALUES ($1, $2, $3, $4, $5, $6, 'postgres', 12, $7)",
            &[&rank, &version, &description, &kind, &script, &checksum, &success],
        )
        .unwrap();
}

#[test]
fn flyway_history_is_adopted_with_its_checksums() {
    let db = TestDb::new();
    let project = project(Tool::Flyway, 3);
    flyway_table(&db);
    apply_files(&db, 3);
    // Flyway's mark that it made the schema, then a run per file (`1`, `1.1`, `2`).
    db.client()
        .batch_execute(
            "INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success)
             VALUES (1, '0', '<< Flyway Schema Creation >>', 'SCHEMA', '\"public\"', NULL, 'postgres', 0, true)",
        )
        .unwrap();
    for (index, crc) in FLYWAY_CRC.iter().enumerate() {
        flyway_row(&db, index as i32 + 2, Some(index), "SQL", Some(*crc), true);
    }
    adopt_then_up(
        &db,
        &project,
        "flyway_schema_history",
        "users,posts,tags",
        &[],
    );
}

#[test]
fn flyway_baseline_covers_the_files_below_it() {
    let db = TestDb::new();
    let project = project(Tool::Flyway, 3);
    flyway_table(&db);
    apply_files(&db, 2);
    flyway_row(&db, 1, Some(1), "BASELINE", None, true);
    adopt_then_up(
        &db,
        &project,
        "flyway_schema_history",
        "users,posts",
        &["tags"],
    );
}

#[test]
fn flyway_undone_version_is_not_applied() {
    let db = TestDb::new();
    let project = project(Tool::Flyway, 2);
    flyway_table(&db);
    apply_files(&db, 1);
    flyway_row(&db, 1, Some(0), "SQL", Some(FLYWAY_CRC[0]), true);
    flyway_row(&db, 2, Some(1), "SQL", Some(FLYWAY_CRC[1]), true);
    flyway_row(&db, 3, Some(1), "UNDO_SQL", None, true);
    adopt_then_up(&db, &project, "flyway_schema_history", "users", &["posts"]);
}

#[test]
fn flyway_failed_modified_and_repeatable_are_each_refused() {
    let db = TestDb::new();
    let project = project(Tool::Flyway, 3);
    flyway_table(&db);
    apply_files(&db, 2);
    flyway_row(&db, 1, Some(0), "SQL", Some(FLYWAY_CRC[1]), true);
    flyway_row(&db, 2, Some(1), "SQL", Some(FLYWAY_CRC[1]), false);
    flyway_row(&db, 3, None, "SQL", Some(7), true);
    let run = refused(
        &db,
        &project,
        &[
            "migrations/V1__users.sql changed since flyway applied version 1",
            "flyway records version 1.1 (posts) as failed",
            "repeatable migration `views`",
        ],
    );
    assert!(run.stderr.contains("for 3 reasons:"), "{run:?}");
}
