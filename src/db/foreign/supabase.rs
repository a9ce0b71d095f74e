//! The Supabase CLI's `supabase_migrations.schema_migrations`: the version (text) of each
//! applied migration, with its name and statements; no checksum. The `name` column came in
//! a later CLI, so it is read through the row as JSON, present or not.

use crate::db::session::Client;
use crate::migrate::foreign::{ForeignRow, RowState};

pub async fn read_in(client: &Client) -> Result<Vec<ForeignRow>, tokio_postgres::Error> {
    let rows = client
        .query_typed(
            "SELECT m.version::text, to_jsonb(m) ->> 'name'
               FROM supabase_migrations.schema_migrations AS m ORDER BY m.version",
            &[],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|row| ForeignRow {
            version: row.get(0),
            name: row.get(1),
            state: RowState::Applied(None),
        })
        .collect())
}
