//! refinery: `refinery_schema_history`, with its SipHash of name, version and text.

use crate::*;

fn refinery_table(db: &TestDb) {
    db.client()
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS refinery_schema_history(
                 version int4 PRIMARY KEY,
                 name VARCHAR(255),
                 applied_on VARCHAR(255),
                 checksum VARCHAR(255));",
        )
        .unwrap();
}

fn refinery_row(db: &TestDb, index: usize, checksum: &str) {
    let (version, name, _) = FILES[index];
    db.client()
        .execute(
            "INSERT INTO refinery_schema_history (version, name, applied_on, checksum)
             VALUES ($1, $2, '2026-11-30T01:02:03Z', $3)",
            &[&(version as i32), &name, &checksum],
        )
        .unwrap();
}

#[test]
fn refinery_history_is_adopted_with_its_checksums() {
    let db = TestDb::new();
    let project = project(Tool::Refinery, 3);
    refinery_table(&db);
    apply_files(&db, 3);
    for (index, checksum) in REFINERY.iter().enumerate() {
        refinery_row(&db, index, checksum);
    }
    adopt_then_up(
        &db,
        &project,
        "refinery_schema_history",
        "users,posts,tags",
        &[],
    );
}

#[test]
fn refinery_modified_file_is_refused() {
    let db = TestDb::new();
    let project = project(Tool::Refinery, 2);
    refinery_table(&db);
    apply_files(&db, 2);
    refinery_row(&db, 0, REFINERY[0]);
    refinery_row(&db, 1, REFINERY[0]);
    refused(
        &db,
        &project,
        &[&format!(
            "migrations/V2__posts.sql changed since refinery applied version 2: refinery's checksum {}",
            REFINERY[0]
        )],
    );
}
