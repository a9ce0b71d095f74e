//! Running one probe statement as an API role: the request settings PostgREST sets, the
//! probe's own timeouts, inside a savepoint that is always rolled back (and with it, the
//! settings and whatever the statement wrote).

use tokio_postgres::error::SqlState;
use tokio_postgres::types::Type;

use super::ProbeTimeouts;
use crate::db::driver_error::describe;
use crate::db::session::{Sql, Transaction};
use crate::error::{Error, Result};

/// The timeouts as `set_config` takes them, and as a finding names them.
pub struct Settings {
    pub statement: String,
    pub lock: String,
}

impl From<ProbeTimeouts> for Settings {
    fn from(t: ProbeTimeouts) -> Settings {
        Settings {
            statement: format!("{}ms", t.statement.as_millis()),
            lock: format!("{}ms", t.lock.as_millis()),
        }
    }
}

/// Who runs the statement, and the values it is given (see `sql`).
pub struct Call<'a> {
    pub role: &'a str,
    /// `request.jwt.claims`.
    pub claims: &'a str,
    /// `$1`: the user, empty for anon.
    pub user: &'a str,
    /// `$2`: another owner, or a row as JSON.
    pub other: &'a str,
    /// `$3`: the bucket, empty when not scoped.
    pub bucket: &'a str,
    /// For a write: counts the rows owned by the owner it wrote for, run as the verifying
    /// role before and after it, so that a row a trigger gave another owner is not counted.
    pub landed: Option<&'a str>,
}

/// A statement that counts what it reached (one row of counts), or a write whose row count
/// is what it reached.
pub enum Statement<'a> {
    Count(&'a str),
    Write(&'a str),
}

/// How a probe statement ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Ended {
    /// The counts it returned (a write: the rows written). No privilege, or a row refused
    /// by a policy, is zero.
    Counts(Vec<i64>),
    /// A write whose rows all landed with another owner than the one given (a trigger set
    /// it): nothing of the other user's was written.
    OwnerReplaced(i64),
    /// A write the policies let through that a constraint then refused: the policies leak
    /// even though this row did not land.
    AdmittedThenRefused(String),
    /// A write a trigger refused (it raised an exception).
    RefusedByTrigger(String),
    /// An error or timeout: nothing is known.
    Failed(String),
}

pub fn run(
    tx: &mut Transaction<'_>,
    call: &Call<'_>,
    timeouts: &Settings,
    statement: Statement<'_>,
) -> Result<Ended> {
    let mut savepoint = tx
        .savepoint("dbward_probe")
        .map_err(Error::db("starting a probe"))?;
    let params: [(&(dyn tokio_postgres::types::ToSql + Sync), Type); 3] = [
        (&call.user, Type::TEXT),
        (&call.other, Type::TEXT),
        (&call.bucket, Type::TEXT),
    ];
    let count = |savepoint: &mut Transaction<'_>, sql: &str| -> Result<i64> {
        Ok(savepoint
            .query_typed_one(sql, &params)
            .map_err(Error::db("counting the rows a probe wrote"))?
            .get(0))
    };
    let before = match call.landed {
        Some(sql) => Some(count(&mut savepoint, sql)?),
        None => None,
    };
    savepoint
        .query_typed(
            "SELECT set_config('statement_timeout', $4, true), set_config('lock_timeout', $5, true),
                    set_config('role', $1, true), set_config('request.jwt.claims', $2, true),
                    set_config('request.jwt.claim.sub', $3, true)",
            &[
                (&call.role, Type::TEXT),
                (&call.claims, Type::TEXT),
                (&call.user, Type::TEXT),
                (&timeouts.statement, Type::TEXT),
                (&timeouts.lock, Type::TEXT),
            ],
        )
        .map_err(Error::db(format!("impersonating {}", call.role)))?;
    let (outcome, writes) = match statement {
        Statement::Count(sql) => (
            savepoint.query_typed(sql, &params).map(|rows| {
                let row = &rows[0];
                (0..row.len()).map(|i| row.get::<_, i64>(i)).collect()
            }),
            false,
        ),
        Statement::Write(sql) => (
            savepoint
                .pipeline(async |c| c.execute_typed(sql, &params).await)
                .map(|n| vec![n as i64]),
            true,
        ),
    };
    let ended = match (outcome, call.landed.zip(before)) {
        (Ok(counts), Some((sql, before))) if counts[0] > 0 => {
            // Back to the verifying role (the savepoint's end would undo it anyway).
            savepoint
                .query_typed("SELECT set_config('role', 'none', true)", &[])
                .map_err(Error::db("ending an impersonation"))?;
            let landed = count(&mut savepoint, sql)? - before;
            match landed {
                0 => Ended::OwnerReplaced(counts[0]),
                landed => Ended::Counts(vec![landed.min(counts[0])]),
            }
        }
        (Ok(counts), _) => Ended::Counts(counts),
        (Err(e), _) => classify(&e, writes, timeouts),
    };
    savepoint.rollback().map_err(Error::db("ending a probe"))?;
    Ok(ended)
}

fn classify(e: &tokio_postgres::Error, writes: bool, timeouts: &Settings) -> Ended {
    let Some(code) = e.code() else {
        return Ended::Failed(describe(e));
    };
    // No privilege at all, or a new row a policy refuses, is isolation.
    if *code == SqlState::INSUFFICIENT_PRIVILEGE {
        return Ended::Counts(vec![0]);
    }
    if *code == SqlState::QUERY_CANCELED {
        return Ended::Failed(format!(
            "statement timeout: it ran longer than probe_statement_timeout ({}); {}",
            timeouts.statement,
            describe(e)
        ));
    }
    if *code == SqlState::LOCK_NOT_AVAILABLE {
        return Ended::Failed(format!(
            "lock timeout: another session held a lock it needed for longer than probe_lock_timeout ({}); {}",
            timeouts.lock,
            describe(e)
        ));
    }
    // PostgreSQL checks a new row against the policies before the table's constraints, so
    // a constraint's refusal means the policies had let the row through.
    if writes && code.code().starts_with("23") {
        return Ended::AdmittedThenRefused(describe(e));
    }
    if writes && *code == SqlState::RAISE_EXCEPTION {
        return Ended::RefusedByTrigger(describe(e));
    }
    Ended::Failed(describe(e))
}
