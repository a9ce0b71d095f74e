//! The Supabase CLI: `supabase_migrations.schema_migrations`, version, name, statements.

use crate::*;

#[test]
fn supabase_history_is_adopted() {
    let db = TestDb::new();
    let project = project(Tool::Supabase, 3);
    apply_files(&db, 3);
    let mut client = db.client();
    client
        .batch_execute(
            "CREATE SCHEMA IF NOT EXISTS supabase_migrations;
             CREATE TABLE IF NOT EXISTS supabase_migrations.schema_migrations (version text NOT NULL PRIMARY KEY);
             ALTER TABLE supabase_migrations.schema_migrations ADD COLUMN IF NOT EXISTS statements text[];
             ALTER TABLE supabase_migrations.schema_migrations ADD COLUMN IF NOT EXISTS name text;",
        )
        .unwrap();
    for (index, (_, name, text)) in FILES.iter().enumerate() {
        let statements = vec![text.trim_start_matches('\u{feff}').trim().to_string()];
        client
            .execute(
                "INSERT INTO supabase_migrations.schema_migrations(version, name, statements) VALUES($1, $2, $3)",
                &[&Tool::Supabase.version(index), name, &statements],
            )
            .unwrap();
    }
    adopt_then_up(
        &db,
        &project,
        "supabase_migrations.schema_migrations",
        "users,posts,tags",
        &[],
    );
}

#[test]
fn an_older_cli_table_without_name_or_statements_is_read_too() {
    let db = TestDb::new();
    let project = project(Tool::Supabase, 2);
    apply_files(&db, 1);
    let mut client = db.client();
    client
        .batch_execute(
            "CREATE SCHEMA IF NOT EXISTS supabase_migrations;
             CREATE TABLE IF NOT EXISTS supabase_migrations.schema_migrations (version text NOT NULL PRIMARY KEY);",
        )
        .unwrap();
    client
        .execute(
            "INSERT INTO supabase_migrations.schema_migrations(version) VALUES($1)",
            &[&Tool::Supabase.version(0)],
        )
        .unwrap();
    adopt_then_up(
        &db,
        &project,
        "supabase_migrations.schema_migrations",
        "users",
        &["posts"],
    );
}
