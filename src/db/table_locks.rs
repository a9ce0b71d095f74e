//! Who keeps a migration from its table lock. While the migration waits, PostgreSQL says
//! exactly who blocks its backend ([`blocking`], asked by the step's watcher). When no one
//! was seen (the wait was too short to look), dbward falls back to a guess read after the
//! migration's transaction rolled back ([`oldest_holder`]): the other session with the
//! oldest transaction holding a lock on a table of this database.

use std::fmt;
use std::time::SystemTime;

use serde::Serialize;
use tokio_postgres::types::Type;

use crate::db::session::{Row, Sql};
use crate::error::{Error, Result};

/// How much of the holder's query is shown.
const QUERY_SHOWN: i32 = 80;

/// A session holding (or queued ahead for) a lock on a table in this database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableLockHolder {
    pub pid: i32,
    pub application_name: String,
    pub state: String,
    /// When its transaction began, RFC 3339, UTC.
    pub since: String,
    /// Its latest query, cut short.
    pub query: String,
    /// The table the migration waits for; for a guess, one table the session holds a lock
    /// on. Empty when the wait is not for a table (a row another transaction updated).
    pub table: String,
    /// It does not hold the lock yet but waits for it ahead of the migration, asking for a
    /// mode that conflicts with the migration's.
    pub queued_ahead: bool,
}

impl fmt::Display for TableLockHolder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let app = if self.application_name.is_empty() {
            "no application_name"
        } else {
            &self.application_name
        };
        let how = match (self.table.as_str(), self.queued_ahead) {
            ("", _) => "blocking the migration".to_string(),
            (table, false) => format!("holding a lock on {table}"),
            (table, true) => format!("queued ahead of the migration for a lock on {table}"),
        };
        write!(
            f,
            "pid {} ({app}, {}) since {}, {how}, query: {}",
            self.pid, self.state, self.since, self.query
        )
    }
}

/// Who held the lock a migration timed out on, as far as dbward knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LockBlockers {
    /// PostgreSQL named them (`pg_blocking_pids`) while the migration waited. Never empty.
    Seen(Vec<TableLockHolder>),
    /// None was seen: the other session with the oldest transaction holding a table lock.
    Guessed(TableLockHolder),
    /// None seen, and no session holds a table lock any more.
    Gone,
}

impl LockBlockers {
    /// What the watcher saw, or else the guess read on `client` (the migration's session,
    /// its transaction rolled back).
    pub fn seen_or_guessed(seen: Vec<TableLockHolder>, client: &mut impl Sql) -> LockBlockers {
        if !seen.is_empty() {
            return LockBlockers::Seen(seen);
        }
        match oldest_holder(client) {
            Ok(Some(holder)) => LockBlockers::Guessed(holder),
            // The guess is no more than a courtesy: a failure to read it is not the news.
            Ok(None) | Err(_) => LockBlockers::Gone,
        }
    }

    pub fn sessions(&self) -> Vec<&TableLockHolder> {
        match self {
            LockBlockers::Seen(seen) => seen.iter().collect(),
            LockBlockers::Guessed(holder) => vec![holder],
            LockBlockers::Gone => Vec::new(),
        }
    }

    pub fn guessed(&self) -> bool {
        matches!(self, LockBlockers::Guessed(_))
    }
}

impl fmt::Display for LockBlockers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LockBlockers::Seen(seen) => {
                for (i, holder) in seen.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" and ")?;
                    }
                    write!(f, "{holder}")?;
                }
                Ok(())
            }
            LockBlockers::Guessed(holder) => write!(
                f,
                "{holder} (a guess: no session was seen blocking the migration while it waited; this one has the oldest transaction holding a table lock)"
            ),
            LockBlockers::Gone => f.write_str("a session now gone"),
        }
    }
}

/// The sessions that block backend `pid` now, as PostgreSQL says (holding a conflicting
/// lock, or queued ahead for one), oldest transaction first, with the table `pid` waits for.
pub fn blocking(client: &mut impl Sql, pid: i32) -> Result<Vec<TableLockHolder>> {
    let rows = client
        .query_typed(
            "WITH waited AS (
                 SELECT relation FROM pg_locks
                 WHERE pid = $1 AND NOT granted AND locktype = 'relation'
                 LIMIT 1
             )
             SELECT a.pid, coalesce(a.application_name, ''), coalesce(a.state, ''),
                    coalesce(a.xact_start, a.backend_start),
                    left(coalesce(a.query, ''), $2), coalesce(w.relation::regclass::text, ''),
                    w.relation IS NOT NULL AND NOT EXISTS (
                        SELECT 1 FROM pg_locks h
                        WHERE h.pid = a.pid AND h.granted AND h.locktype = 'relation'
                          AND h.relation = w.relation)
             FROM pg_stat_activity a LEFT JOIN waited w ON true
             WHERE a.pid = ANY (pg_blocking_pids($1))
             ORDER BY a.xact_start NULLS LAST, a.pid",
            &[(&pid, Type::INT4), (&QUERY_SHOWN, Type::INT4)],
        )
        .map_err(Error::db("asking who blocks the migration"))?;
    Ok(rows.iter().map(holder).collect())
}

/// The other session with the oldest transaction among those holding a lock on a table
/// of this database, if any.
pub fn oldest_holder(client: &mut impl Sql) -> Result<Option<TableLockHolder>> {
    let row = client
        .query_typed_opt(
            "SELECT a.pid, coalesce(a.application_name, ''), coalesce(a.state, ''),
                    coalesce(a.xact_start, a.backend_start),
                    left(coalesce(a.query, ''), $1), l.relation::regclass::text, false
             FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
             WHERE l.granted AND l.locktype = 'relation' AND l.pid <> pg_backend_pid()
               AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
               AND l.relation >= 16384
             ORDER BY a.xact_start NULLS LAST, a.pid
             LIMIT 1",
            &[(&QUERY_SHOWN, Type::INT4)],
        )
        .map_err(Error::db("looking up who holds the table lock"))?;
    Ok(row.as_ref().map(holder))
}

/// A row of pid, application, state, since, query, table, queued ahead.
fn holder(row: &Row) -> TableLockHolder {
    TableLockHolder {
        pid: row.get(0),
        application_name: row.get(1),
        state: row.get(2),
        since: row
            .get::<_, Option<SystemTime>>(3)
            .map(|at| humantime::format_rfc3339_seconds(at).to_string())
            .unwrap_or_default(),
        query: row.get::<_, String>(4).replace(char::is_whitespace, " "),
        table: row.get(5),
        queued_ahead: row.get(6),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(
        pid: i32,
        application_name: &str,
        table: &str,
        queued_ahead: bool,
    ) -> TableLockHolder {
        TableLockHolder {
            pid,
            application_name: application_name.into(),
            state: "idle in transaction".into(),
            since: "2026-11-30T05:07:43Z".into(),
            query: "update t set a = 1".into(),
            table: table.into(),
            queued_ahead,
        }
    }

    #[test]
    fn blockers_seen_are_named_each_with_what_it_does() {
        let seen = LockBlockers::Seen(vec![
            session(9072, "psql", "t", false),
            session(9080, "", "t", true),
        ]);
        assert_eq!(
            seen.to_string(),
            "pid 9072 (psql, idle in transaction) since 2026-11-30T05:07:43Z, holding a lock on t, query: update t set a = 1 \
             and pid 9080 (no application_name, idle in transaction) since 2026-11-30T05:07:43Z, queued ahead of the migration for a lock on t, query: update t set a = 1"
        );
        assert!(!seen.guessed());
        assert_eq!(seen.sessions().len(), 2);
        let row_wait = LockBlockers::Seen(vec![session(1, "app", "", false)]);
        assert!(
            row_wait
                .to_string()
                .contains(", blocking the migration, query: ")
        );
    }

    #[test]
    fn a_guess_says_it_is_one() {
        let guess = LockBlockers::Guessed(session(9072, "psql", "u", false));
        let text = guess.to_string();
        assert!(
            text.starts_with("pid 9072 (psql, idle in transaction)"),
            "{text}"
        );
        assert!(
            text.contains("(a guess: no session was seen blocking the migration"),
            "{text}"
        );
        assert!(guess.guessed());
        assert_eq!(LockBlockers::Gone.to_string(), "a session now gone");
        assert!(LockBlockers::Gone.sessions().is_empty());
    }
}
