//! Flyway's `flyway_schema_history`: a row per run in `installed_rank` order, each with a
//! type. A version's newest row says what it is: applied (with the CRC-32 of its file),
//! failed, a baseline, or undone or deleted (no longer applied). `SCHEMA` rows only say
//! Flyway made a schema; repeatable migrations have no version.

use crate::db::session::Client;
use crate::migrate::foreign::{ForeignRow, RowState, ToolChecksum};

pub async fn read_in(client: &Client) -> Result<Vec<ForeignRow>, tokio_postgres::Error> {
    let rows = client
        .query_typed(
            "SELECT version, description, type, checksum, success FROM (
                 SELECT DISTINCT ON (coalesce(version, description), version IS NULL)
                        version, description, type, checksum, success, installed_rank
                   FROM flyway_schema_history
                  WHERE type <> 'SCHEMA'
                  ORDER BY coalesce(version, description), version IS NULL,
                           installed_rank DESC) AS newest
              ORDER BY installed_rank",
            &[],
        )
        .await?;
    Ok(rows
        .iter()
        .filter_map(|row| {
            let version: Option<String> = row.get(0);
            let description: String = row.get(1);
            let kind: &str = row.get(2);
            let checksum: Option<i32> = row.get(3);
            let success: bool = row.get(4);
            let gone = success && (kind == "DELETE" || kind.starts_with("UNDO"));
            if gone {
                return None;
            }
            let state = match (&version, success) {
                (None, _) => RowState::Repeatable,
                (Some(_), false) => RowState::Failed,
                (Some(_), true) if kind == "BASELINE" => RowState::Baseline,
                (Some(_), true) => RowState::Applied(checksum.map(ToolChecksum::Crc32)),
            };
            Some(ForeignRow {
                version: version.unwrap_or_default(),
                name: Some(description),
                state,
            })
        })
        .collect())
}
