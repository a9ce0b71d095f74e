//! sqlx's `_sqlx_migrations`: a row per applied migration, with `success` and the SHA-384
//! of the file it ran.

use crate::db::session::Client;
use crate::migrate::foreign::{ForeignRow, RowState, ToolChecksum};

pub async fn read_in(client: &Client) -> Result<Vec<ForeignRow>, tokio_postgres::Error> {
    let rows = client
        .query_typed(
            "SELECT version::text, description, success, checksum
               FROM _sqlx_migrations ORDER BY version",
            &[],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|row| ForeignRow {
            version: row.get(0),
            name: row.get(1),
            state: if row.get(2) {
                RowState::Applied(Some(ToolChecksum::Sha384(row.get(3))))
            } else {
                RowState::Failed
            },
        })
        .collect())
}
