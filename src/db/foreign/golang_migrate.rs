//! golang-migrate's `schema_migrations`: one row, the current version and whether its run
//! stopped half-way (`dirty`). Every file up to the current version is applied.

use crate::db::session::Client;
use crate::migrate::foreign::{ForeignRow, RowState};

pub async fn read_in(client: &Client) -> Result<Vec<ForeignRow>, tokio_postgres::Error> {
    let rows = client
        .query_typed(
            "SELECT version::text, dirty FROM schema_migrations ORDER BY version",
            &[],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|row| ForeignRow {
            version: row.get(0),
            name: None,
            state: if row.get(1) {
                RowState::Dirty
            } else {
                RowState::Current
            },
        })
        .collect())
}
