//! goose's `goose_db_version`: a row per step, up (`is_applied`) or down; a version's
//! newest row says whether it is applied. The row of version 0 is goose's own start mark.

use crate::db::session::Client;
use crate::migrate::foreign::{ForeignRow, RowState};

pub async fn read_in(client: &Client) -> Result<Vec<ForeignRow>, tokio_postgres::Error> {
    let rows = client
        .query_typed(
            "SELECT version_id::text FROM (
                 SELECT DISTINCT ON (version_id) version_id, is_applied
                   FROM goose_db_version ORDER BY version_id, id DESC) AS newest
              WHERE is_applied AND version_id <> 0
              ORDER BY version_id",
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
