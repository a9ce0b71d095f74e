//! Other tools' history tables, read as each tool makes them (one file per tool), for
//! `dbward adopt`. Nothing here writes to them: they stay as the tool left them.

pub mod dbmate;
pub mod flyway;
pub mod golang_migrate;
pub mod goose;
pub mod refinery;
pub mod sqlx;
pub mod supabase;

use tokio_postgres::types::Type;

use crate::db::session::Client;
use crate::error::{Error, Result};
use crate::migrate::foreign::{ForeignRow, Tool};

/// The tools whose history table is in this database, found as the tools find them (the
/// `search_path`, or the schema they name). golang-migrate and dbmate both call theirs
/// `schema_migrations`; golang-migrate's has a `dirty` column.
pub async fn present_in(client: &Client) -> Result<Vec<Tool>> {
    let mut tables: Vec<&str> = Tool::ALL.iter().map(|t| t.table()).collect();
    tables.dedup();
    let rows = client
        .query_typed(
            "SELECT t.name, EXISTS (
                 SELECT 1 FROM pg_attribute a
                  WHERE a.attrelid = to_regclass(t.name) AND a.attname = 'dirty'
                    AND NOT a.attisdropped)
               FROM unnest($1::text[]) AS t(name)
              WHERE to_regclass(t.name) IS NOT NULL",
            &[(&tables, Type::TEXT_ARRAY)],
        )
        .await
        .map_err(Error::db("looking for other tools' history tables"))?;
    let mut found = Vec::new();
    for row in rows {
        let table: &str = row.get(0);
        let has_dirty: bool = row.get(1);
        found.extend(Tool::ALL.into_iter().filter(|tool| {
            tool.table() == table
                && match tool {
                    Tool::GolangMigrate => has_dirty,
                    Tool::Dbmate => !has_dirty,
                    _ => true,
                }
        }));
    }
    found.sort_by_key(|tool| Tool::ALL.iter().position(|t| t == tool));
    Ok(found)
}

/// Every row of `tool`'s history, as [`ForeignRow`]s.
pub async fn read_in(client: &Client, tool: Tool) -> Result<Vec<ForeignRow>> {
    let rows = match tool {
        Tool::Sqlx => sqlx::read_in(client).await,
        Tool::Refinery => refinery::read_in(client).await,
        Tool::GolangMigrate => golang_migrate::read_in(client).await,
        Tool::Dbmate => dbmate::read_in(client).await,
        Tool::Flyway => flyway::read_in(client).await,
        Tool::Supabase => supabase::read_in(client).await,
        Tool::Goose => goose::read_in(client).await,
    };
    rows.map_err(Error::db(format!("reading {tool}'s {}", tool.table())))
}
