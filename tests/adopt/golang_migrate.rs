//! golang-migrate: `schema_migrations`, one row with the current version and `dirty`.

use crate::*;

fn golang_migrate_table(db: &TestDb, version: i64, dirty: bool) {
    let mut client = db.client();
    client
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS \"public\".\"schema_migrations\" (version bigint not null primary key, dirty boolean not null)",
        )
        .unwrap();
    client
        .execute(
            "INSERT INTO \"public\".\"schema_migrations\" (version, dirty) VALUES ($1, $2)",
            &[&version, &dirty],
        )
        .unwrap();
}

#[test]
fn golang_migrate_current_version_adopts_every_file_up_to_it() {
    let db = TestDb::new();
    let project = project(Tool::GolangMigrate, 3);
    apply_files(&db, 2);
    golang_migrate_table(&db, 2, false);
    adopt_then_up(&db, &project, "schema_migrations", "users,posts", &["tags"]);
}

#[test]
fn golang_migrate_at_the_newest_version_leaves_up_nothing() {
    let db = TestDb::new();
    let project = project(Tool::GolangMigrate, 3);
    apply_files(&db, 3);
    golang_migrate_table(&db, 3, false);
    adopt_then_up(&db, &project, "schema_migrations", "users,posts,tags", &[]);
}

#[test]
fn golang_migrate_dirty_and_missing_are_refused() {
    let db = TestDb::new();
    let project = project(Tool::GolangMigrate, 3);
    apply_files(&db, 2);
    golang_migrate_table(&db, 2, true);
    refused(
        &db,
        &project,
        &["golang-migrate marks version 2 dirty: a run stopped half-way"],
    );

    let db = TestDb::new();
    golang_migrate_table(&db, 4, false);
    refused(
        &db,
        &project,
        &["golang-migrate applied version 4, and no migration file has that version"],
    );
}
