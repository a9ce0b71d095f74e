//! Who holds the table lock a migration timed out on. The migration's own session is gone
//! from the lock queue once its transaction rolled back, so the holder is read from the
//! sessions that hold table locks in this database: the one with the oldest transaction.

use std::fmt;
use std::time::SystemTime;

use serde::Serialize;
use tokio_postgres::types::Type;

use crate::db::session::Sql;
use crate::error::{Error, Result};

/// How much of the holder's query is shown.
const QUERY_SHOWN: i32 = 80;

/// A session holding a lock on a table in this database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableLockHolder {
    pub pid: i32,
    pub application_name: String,
    pub state: String,
    /// When its transaction began, RFC 3339, UTC.
    pub since: String,
    /// Its latest query, cut short.
    pub query: String,
    /// One table it holds a lock on.
    pub table: String,
}

impl fmt::Display for TableLockHolder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let app = if self.application_name.is_empty() {
            "no application_name"
        } else {
            &self.application_name
        };
        write!(
            f,
            "pid {} ({app}, {}) since {}, holding a lock on {}, query: {}",
            self.pid, self.state, self.since, self.table, self.query
        )
    }
}

/// The other session with the oldest transaction among those holding a lock on a table
/// of this database, if any.
pub fn oldest_holder(client: &mut impl Sql) -> Result<Option<TableLockHolder>> {
    let row = client
        .query_typed_opt(
            "SELECT a.pid, coalesce(a.application_name, ''), coalesce(a.state, ''),
                    coalesce(a.xact_start, a.backend_start),
                    left(coalesce(a.query, ''), $1), l.relation::regclass::text
             FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
             WHERE l.granted AND l.locktype = 'relation' AND l.pid <> pg_backend_pid()
               AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
               AND l.relation >= 16384
             ORDER BY a.xact_start NULLS LAST, a.pid
             LIMIT 1",
            &[(&QUERY_SHOWN, Type::INT4)],
        )
        .map_err(Error::db("looking up who holds the table lock"))?;
    Ok(row.map(|row| TableLockHolder {
        pid: row.get(0),
        application_name: row.get(1),
        state: row.get(2),
        since: row
            .get::<_, Option<SystemTime>>(3)
            .map(|at| humantime::format_rfc3339_seconds(at).to_string())
            .unwrap_or_default(),
        query: row.get::<_, String>(4).replace(char::is_whitespace, " "),
        table: row.get(5),
    }))
}
