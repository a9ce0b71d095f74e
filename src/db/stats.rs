//! What the current transaction changed, table by table (`pg_stat_xact_user_tables`).

use serde::Serialize;

use crate::db::session::Sql;
use crate::error::{Error, Result};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableChanges {
    pub table: String,
    pub inserted: i64,
    pub updated: i64,
    pub deleted: i64,
}

/// Rows inserted, updated and deleted so far by this transaction, per table that changed.
pub fn changes_in_transaction(client: &mut impl Sql) -> Result<Vec<TableChanges>> {
    let rows = client
        .query_typed(
            "SELECT format('%I.%I', schemaname, relname), n_tup_ins, n_tup_upd, n_tup_del
             FROM pg_stat_xact_user_tables
             WHERE n_tup_ins + n_tup_upd + n_tup_del > 0
             ORDER BY 1",
            &[],
        )
        .map_err(Error::db("counting the rows the fixtures changed"))?;
    Ok(rows
        .iter()
        .map(|row| TableChanges {
            table: row.get(0),
            inserted: row.get(1),
            updated: row.get(2),
            deleted: row.get(3),
        })
        .collect())
}
