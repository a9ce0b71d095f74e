//! dbmate: `schema_migrations`, a version per applied migration.

use crate::*;

fn dbmate_table(db: &TestDb, versions: &[String]) {
    let mut client = db.client();
    client
        .batch_execute(
            "create table if not exists \"public\".schema_migrations (version varchar primary key)",
        )
        .unwrap();
    for version in versions {
        client
            .execute(
                "insert into \"public\".schema_migrations (version) values ($1)",
                &[version],
            )
            .unwrap();
    }
}

#[test]
fn dbmate_history_is_adopted() {
    let db = TestDb::new();
    let project = project(Tool::Dbmate, 3);
    apply_files(&db, 3);
    dbmate_table(
        &db,
        &(0..3).map(|i| Tool::Dbmate.version(i)).collect::<Vec<_>>(),
    );
    adopt_then_up(&db, &project, "schema_migrations", "users,posts,tags", &[]);
}

#[test]
fn dbmate_version_without_a_file_is_refused() {
    let db = TestDb::new();
    let project = project(Tool::Dbmate, 2);
    apply_files(&db, 2);
    dbmate_table(
        &db,
        &[
            Tool::Dbmate.version(0),
            Tool::Dbmate.version(1),
            "20240301120000".to_string(),
        ],
    );
    refused(
        &db,
        &project,
        &["dbmate applied version 20240301120000, and no migration file has that version"],
    );
}
