//! dbmate's `schema_migrations`: the version (text) of each applied migration, nothing more.

use crate::db::session::Client;
use crate::migrate::foreign::{ForeignRow, RowState};

pub async fn read_in(client: &Client) -> Result<Vec<ForeignRow>, tokio_postgres::Error> {
    let rows = client
        .query_typed(
            "SELECT version::text FROM schema_migrations ORDER BY version",
            &[],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|row| ForeignRow {
            version: row.get(0),
            name: None,
            state: RowState::Applied(None),
        })
        .collect())
}
