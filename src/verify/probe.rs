//! Isolation probes: impersonate users the way PostgREST does (role `authenticated` and
//! `request.jwt.claims`, or role `anon`) and count the rows of other owners each can select,
//! update or delete. Everything runs in one transaction that is rolled back. Each probe has
//! its own statement and lock timeouts, and one that fails is a finding: a probe that could
//! not run proved nothing.

use std::time::Duration;

use serde::Serialize;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::Type;

use super::catalog::{Catalog, Table};
use super::checks::CheckContext;
use super::finding::{Finding, Severity};
use crate::db::session::{Session, Sql, Transaction};
use crate::error::{Error, Result};
use crate::ident::quote_ident;

pub const ID: &str = "probe_leak";
/// A probe that errored or timed out.
pub const FAILED_ID: &str = "probe_failed";

/// How long one probe may run, and wait for a lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProbeTimeouts {
    pub statement: Duration,
    pub lock: Duration,
}

/// How many owners found in the data each table is probed as.
const SAMPLE: i64 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Operation {
    Select,
    Update,
    Delete,
}

impl Operation {
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Select => "select",
            Operation::Update => "update",
            Operation::Delete => "delete",
        }
    }
}

/// One probe: who, on what, doing what, and how many rows of others it reached.
#[derive(Debug, Clone, Serialize)]
pub struct ProbeResult {
    pub table: String,
    pub role: &'static str,
    /// The impersonated user (`sub`), none for anon.
    pub user: Option<String>,
    pub operation: Operation,
    /// Rows of other owners (for anon: of any owner) reached.
    pub rows: i64,
    /// Why the probe was not run (owners it cannot impersonate).
    pub skipped: Option<String>,
    /// Why the probe failed: an error or a timeout. Such a probe is a finding.
    pub failed: Option<String>,
}

/// Probes every table with an owner column; returns the leaks as findings and every result.
pub fn run(
    client: &mut Session,
    catalog: &Catalog,
    context: &CheckContext,
    timeouts: ProbeTimeouts,
) -> Result<(Vec<Finding>, Vec<ProbeResult>)> {
    if !["anon", "authenticated"]
        .iter()
        .all(|r| catalog.api_roles.iter().any(|have| have == r))
    {
        return Ok((Vec::new(), Vec::new()));
    }
    let mut tx = client
        .transaction()
        .map_err(Error::db("starting the probe transaction"))?;
    // Sampling the owners is bounded too; each probe sets the same again in its savepoint.
    let settings = Settings::from(timeouts);
    tx.query_typed(
        "SELECT set_config('statement_timeout', $1, true), set_config('lock_timeout', $2, true)",
        &[
            (&settings.statement, Type::TEXT),
            (&settings.lock, Type::TEXT),
        ],
    )
    .map_err(Error::db("setting the probes' timeouts"))?;
    let mut results = Vec::new();
    for table in &catalog.tables {
        let Some(owner) = context.owner_column(table) else {
            continue;
        };
        probe_table(&mut tx, table, owner, &settings, &mut results)?;
    }
    // A probe never changes data.
    tx.rollback()
        .map_err(Error::db("rolling the probes back"))?;
    let failures = results.iter().filter_map(|r| {
        let reason = r.failed.as_ref()?;
        Some(Finding::new(
            FAILED_ID,
            Severity::Error,
            format!("{} ({} {})", r.table, r.role, r.operation.as_str()),
            format!(
                "{}, the {} probe failed, so nothing is known about it: {reason}",
                who(r),
                r.operation.as_str()
            ),
            "make the table's policies fast and the table free of long row locks while verifying, or raise probe_statement_timeout / probe_lock_timeout in [verify]",
        ))
    });
    let leaks = results
        .iter()
        .filter(|r| r.rows > 0)
        .map(|r| {
            let who = who(r);
            let whose = if r.role == "anon" { "owned by users" } else { "of other owners" };
            Finding::new(
                ID,
                Severity::Error,
                format!("{} ({} {})", r.table, r.role, r.operation.as_str()),
                format!(
                    "{who}, {} row(s) {whose} can be {}",
                    r.rows,
                    match r.operation {
                        Operation::Select => "selected",
                        Operation::Update => "updated",
                        Operation::Delete => "deleted",
                    }
                ),
                "tie the policies of this table to the owner: `using (owner = (select auth.uid()))` and the same WITH CHECK",
            )
        });
    let findings = failures.chain(leaks).collect();
    Ok((findings, results))
}

/// `as anon`, `as authenticated user ID`.
fn who(r: &ProbeResult) -> String {
    match &r.user {
        Some(user) => format!("as {} user {user}", r.role),
        None => format!("as {}", r.role),
    }
}

fn probe_table(
    tx: &mut Transaction<'_>,
    table: &Table,
    owner: &str,
    timeouts: &Settings,
    results: &mut Vec<ProbeResult>,
) -> Result<()> {
    let name = format!(
        "{}.{}",
        quote_ident(&table.schema),
        quote_ident(&table.name)
    );
    let column = quote_ident(owner);
    let owners: Vec<String> = tx
        .query_typed(
            &format!(
                "SELECT DISTINCT {column}::text FROM {name} WHERE {column} IS NOT NULL ORDER BY 1 LIMIT $1"
            ),
            &[(&SAMPLE, Type::INT8)],
        )
        .map_err(Error::db(format!("sampling the owners of {}", table.qualified())))?
        .iter()
        .map(|r| r.get(0))
        .collect();

    // anon owns nothing: every owned row it reaches is someone else's.
    let anon_claims = serde_json::json!({ "role": "anon" }).to_string();
    for operation in [Operation::Select, Operation::Update, Operation::Delete] {
        let sql = statement(operation, &name, &column, "IS NOT NULL");
        let outcome = as_role(tx, "anon", &anon_claims, None, timeouts, &sql)?;
        results.push(result(table, "anon", None, operation, outcome));
    }

    for user in owners {
        // auth.uid() casts `sub` to uuid; other owner values (hashes, names) cannot be
        // impersonated without knowing whose they are.
        if !looks_like_uuid(&user) {
            results.push(ProbeResult {
                table: table.qualified(),
                role: "authenticated",
                user: Some(user),
                operation: Operation::Select,
                rows: 0,
                skipped: Some(format!(
                    "`{owner}` does not hold user ids; declare how to impersonate its owners, or probe as anon only"
                )),
                failed: None,
            });
            break;
        }
        let claims = serde_json::json!({ "sub": user, "role": "authenticated" }).to_string();
        for operation in [Operation::Select, Operation::Update, Operation::Delete] {
            let sql = statement(operation, &name, &column, "IS DISTINCT FROM $1");
            let outcome = as_role(tx, "authenticated", &claims, Some(&user), timeouts, &sql)?;
            results.push(result(
                table,
                "authenticated",
                Some(user.clone()),
                operation,
                outcome,
            ));
        }
    }
    Ok(())
}

/// The statement counting (or touching) the rows of others. Updates set the owner to itself,
/// so they pass only where USING and WITH CHECK both let them.
fn statement(operation: Operation, name: &str, column: &str, condition: &str) -> String {
    let condition = condition.replace("$1", "$1::text");
    match operation {
        Operation::Select => {
            format!("SELECT count(*) FROM {name} WHERE {column}::text {condition}")
        }
        Operation::Update => format!(
            "WITH touched AS (UPDATE {name} SET {column} = {column} WHERE {column}::text {condition} RETURNING 1) SELECT count(*) FROM touched"
        ),
        Operation::Delete => format!(
            "WITH touched AS (DELETE FROM {name} WHERE {column}::text {condition} RETURNING 1) SELECT count(*) FROM touched"
        ),
    }
}

/// The timeouts as `set_config` takes them, and as a finding names them.
struct Settings {
    statement: String,
    lock: String,
}

impl From<ProbeTimeouts> for Settings {
    fn from(t: ProbeTimeouts) -> Settings {
        Settings {
            statement: format!("{}ms", t.statement.as_millis()),
            lock: format!("{}ms", t.lock.as_millis()),
        }
    }
}

/// Runs one counting statement as `role` with the request settings PostgREST sets and the
/// probe's own timeouts, inside a savepoint that is always rolled back (and with it, the
/// settings).
fn as_role(
    tx: &mut Transaction<'_>,
    role: &str,
    claims: &str,
    user: Option<&str>,
    timeouts: &Settings,
    sql: &str,
) -> Result<std::result::Result<i64, String>> {
    let mut savepoint = tx
        .savepoint("dbward_probe")
        .map_err(Error::db("starting a probe"))?;
    savepoint
        .query_typed(
            "SELECT set_config('statement_timeout', $4, true), set_config('lock_timeout', $5, true),
                    set_config('role', $1, true), set_config('request.jwt.claims', $2, true),
                    set_config('request.jwt.claim.sub', $3, true)",
            &[
                (&role, Type::TEXT),
                (&claims, Type::TEXT),
                (&user.unwrap_or(""), Type::TEXT),
                (&timeouts.statement, Type::TEXT),
                (&timeouts.lock, Type::TEXT),
            ],
        )
        .map_err(Error::db(format!("impersonating {role}")))?;
    let params: Vec<(&(dyn tokio_postgres::types::ToSql + Sync), Type)> = match &user {
        Some(user) => vec![(user, Type::TEXT)],
        None => vec![],
    };
    let outcome = match savepoint.query_typed(sql, &params) {
        Ok(rows) => Ok(rows[0].get::<_, i64>(0)),
        // No privilege at all is isolation too.
        Err(e) if e.code() == Some(&SqlState::INSUFFICIENT_PRIVILEGE) => Ok(0),
        Err(e) if e.code() == Some(&SqlState::QUERY_CANCELED) => Err(format!(
            "statement timeout: it ran longer than probe_statement_timeout ({}); {}",
            timeouts.statement,
            crate::db::driver_error::describe(&e)
        )),
        Err(e) if e.code() == Some(&SqlState::LOCK_NOT_AVAILABLE) => Err(format!(
            "lock timeout: another session held a lock it needed for longer than probe_lock_timeout ({}); {}",
            timeouts.lock,
            crate::db::driver_error::describe(&e)
        )),
        Err(e) => Err(crate::db::driver_error::describe(&e)),
    };
    savepoint.rollback().map_err(Error::db("ending a probe"))?;
    Ok(outcome)
}

fn result(
    table: &Table,
    role: &'static str,
    user: Option<String>,
    operation: Operation,
    outcome: std::result::Result<i64, String>,
) -> ProbeResult {
    let (rows, failed) = match outcome {
        Ok(rows) => (rows, None),
        Err(message) => (0, Some(message)),
    };
    ProbeResult {
        table: table.qualified(),
        role,
        user,
        operation,
        rows,
        skipped: None,
        failed,
    }
}

fn looks_like_uuid(text: &str) -> bool {
    text.len() == 36
        && text.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_recognised() {
        assert!(looks_like_uuid("6f1c1f5e-0000-4000-8000-000000000001"));
        assert!(!looks_like_uuid("a3f5c2e1b4d6"));
    }

    #[test]
    fn statements_quote_and_bind() {
        let sql = statement(
            Operation::Update,
            "\"public\".\"t\"",
            "\"user_id\"",
            "IS DISTINCT FROM $1",
        );
        assert!(
            sql.contains(
                "SET \"user_id\" = \"user_id\" WHERE \"user_id\"::text IS DISTINCT FROM $1::text"
            ),
            "{sql}"
        );
    }
}
