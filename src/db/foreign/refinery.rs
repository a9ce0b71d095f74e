//! refinery's `refinery_schema_history`: a row per applied migration with its checksum as
//! decimal text. The version column is `int4`, or `int8` with refinery's `int8-versions`;
//! the checksum hashes the version at that width.

use crate::db::session::Client;
use crate::migrate::foreign::{ForeignRow, RowState, ToolChecksum};
use crate::migrate::foreign_checksum::RefineryVersion;

pub async fn read_in(client: &Client) -> Result<Vec<ForeignRow>, tokio_postgres::Error> {
    let rows = client
        .query_typed(
            "SELECT version::bigint, name, coalesce(checksum, ''),
                    pg_typeof(version) = 'bigint'::regtype
               FROM refinery_schema_history ORDER BY version",
            &[],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|row| {
            let number: i64 = row.get(0);
            let version = if row.get(3) {
                RefineryVersion::Int8(number)
            } else {
                RefineryVersion::Int4(number as i32)
            };
            ForeignRow {
                version: number.to_string(),
                name: row.get(1),
                state: RowState::Applied(Some(ToolChecksum::Refinery {
                    stored: row.get(2),
                    version,
                })),
            }
        })
        .collect())
}
