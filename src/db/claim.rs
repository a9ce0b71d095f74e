//! The check each migration step makes under the migration lock: is the history still what
//! this runner planned from? It lives in dbward's schema as a plpgsql function. plpgsql
//! keeps its query plans for the rest of the session, where an unnamed statement (the only
//! kind a transaction-mode pooler allows) is planned again every time; that planning was
//! most of what a step cost the server. A function call is an ordinary statement, so it
//! passes through a pooler.
//!
//! The claim also lets a step go to the server in one flight: `BEGIN`, the claim, the
//! script, its history row and `COMMIT`. When the lock is busy or the history moved, the
//! claim raises an error, which aborts the transaction: the script is not run and the
//! `COMMIT` becomes a rollback.

use tokio_postgres::error::SqlState;
use tokio_postgres::types::Type;

use crate::db::lock::LockKey;
use crate::db::schema::Schema;
use crate::db::session::Client;
use crate::error::{Error, Result};
use crate::migrate::model::Version;

/// The function's name carries a version: a changed function gets a new name, so an older
/// install is upgraded by creating it, and runners of both versions keep working meanwhile.
const CLAIM_FUNCTION: &str = "claim_step_v2";
const CLAIM_ARGUMENTS: &str = "bigint, bigint, text, boolean";

/// The SQLSTATEs the claim raises (class `DW`, which PostgreSQL does not use).
const LOCK_BUSY: &str = "DW001";
const HISTORY_MOVED: &str = "DW002";

/// What the history says right now, under the lock: enough to re-check one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fence {
    pub newest_applied: Option<Version>,
    pub any_failed: bool,
    pub this_recorded: bool,
}

/// What a step is about to do, which decides the history it expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    /// Apply a migration that is not recorded, with no failed run in the history.
    /// `below_newest` allows the version to be lower than the newest applied one.
    Apply { below_newest: bool },
    /// Roll back a recorded migration: the newest applied, with no failed run in the
    /// history (nothing was applied above it since the run planned).
    RollBack,
}

/// How a claim ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// The lock is held and the history is as expected: the step goes ahead.
    Granted,
    /// Another session holds the lock.
    LockBusy,
    /// The history is not what the step expected (another runner got there first, or a
    /// run failed): the careful path re-reads it to say what happened.
    HistoryMoved,
    /// The function is missing (a history made by an older dbward, which only `up`
    /// upgrades) or this role may not call it: the careful path needs neither.
    Unavailable,
}

/// `body` as a dollar-quoted literal, with a tag that does not occur in it: the body holds
/// the quoted schema name, which may hold anything.
fn dollar_quoted(body: &str) -> String {
    let mut tag = "$body$".to_string();
    let mut n = 0;
    while body.contains(&tag) {
        n += 1;
        tag = format!("$body{n}$");
    }
    format!("{tag}{body}{tag}")
}

/// What the check reads: the newest applied version, whether any run failed, and whether
/// `version` (a parameter or a variable, never a value) is recorded. Three index lookups.
/// `min` rather than `EXISTS` for the failed rows: without statistics on a young table,
/// the planner guesses that half the rows failed, and for `EXISTS` it then scans the table.
fn fence_select(schema: &str, version: &str) -> String {
    format!(
        "SELECT (SELECT max(version) FROM {schema}.schema_history WHERE success),
                (SELECT min(version) FROM {schema}.schema_history WHERE NOT success) IS NOT NULL,
                EXISTS (SELECT FROM {schema}.schema_history WHERE version = {version})"
    )
}

/// `CREATE OR REPLACE` of the claim function, for a schema already quoted. `EXECUTE` is
/// only for the role that made it: nobody else has reason to take the migration lock.
pub(super) fn definitions(schema: &str) -> String {
    let fence = fence_select(schema, "step_version");
    let body = dollar_quoted(&format!(
        "DECLARE
           newest_applied bigint;
           any_failed boolean;
           this_recorded boolean;
         BEGIN
           IF NOT pg_try_advisory_xact_lock(lock_key) THEN
             RAISE EXCEPTION 'another session holds the migration lock'
               USING ERRCODE = '{LOCK_BUSY}';
           END IF;
           -- A statement of a volatile function takes a new snapshot: this one sees every
           -- commit made before the lock was granted.
           {fence} INTO newest_applied, any_failed, this_recorded;
           -- In parentheses: plpgsql ends an IF's condition at the first THEN outside them.
           IF (CASE direction
                 WHEN 'up' THEN NOT this_recorded AND NOT any_failed
                   AND (below_newest OR coalesce(newest_applied < step_version, true))
                 WHEN 'down' THEN this_recorded AND NOT any_failed
                   AND newest_applied <= step_version
               END) IS NOT TRUE THEN
             RAISE EXCEPTION 'the migration history changed since this run read it'
               USING ERRCODE = '{HISTORY_MOVED}';
           END IF;
         END;"
    ));
    format!(
        "CREATE OR REPLACE FUNCTION {schema}.{CLAIM_FUNCTION}(lock_key bigint,
           step_version bigint, direction text, below_newest boolean)
         RETURNS void LANGUAGE plpgsql VOLATILE AS {body};
         REVOKE ALL ON FUNCTION {schema}.{CLAIM_FUNCTION}({CLAIM_ARGUMENTS}) FROM PUBLIC;"
    )
}

/// Every claim function's name starts so (older versions' too).
const FUNCTION_PREFIX: &str = "claim_step_";

/// The names that start with [`FUNCTION_PREFIX`], as a range an index scan takes: from the
/// prefix up to the prefix with its last byte raised.
pub(super) fn function_name_range() -> (String, String) {
    let mut past_last = FUNCTION_PREFIX.to_string();
    let last = past_last.pop().expect("the prefix is not empty");
    past_last.push(char::from(last as u8 + 1));
    (FUNCTION_PREFIX.to_string(), past_last)
}

/// The claim function as `to_regprocedure` takes it.
pub(super) fn claim_signature(schema: &str) -> String {
    format!("{schema}.{CLAIM_FUNCTION}({CLAIM_ARGUMENTS})")
}

/// Reads the [`Fence`] for `version`. Run it after taking the lock, in a statement of
/// its own, so that it sees what was committed before the lock was granted.
pub async fn fence(client: &Client, schema: &Schema, version: Version) -> Result<Fence> {
    let sql = fence_select(schema.quoted(), "$1");
    let row = client
        .query_typed_one(&sql, &[(&version.as_i64(), Type::INT8)])
        .await
        .map_err(Error::db("reading the migration history"))?;
    Ok(Fence {
        newest_applied: row.get::<_, Option<i64>>(0).map(Version::from_key),
        any_failed: row.get(1),
        this_recorded: row.get(2),
    })
}

/// Takes the migration lock `key` for this transaction and checks that the history
/// allows `intent` on `version`, in one statement. Unless [`Claim::Granted`], the
/// transaction is aborted.
pub async fn claim(
    client: &Client,
    schema: &Schema,
    key: LockKey,
    version: Version,
    intent: Intent,
) -> Result<Claim> {
    let sql = format!(
        "SELECT {}.{CLAIM_FUNCTION}($1, $2, $3, $4)",
        schema.quoted()
    );
    let (direction, below_newest) = match intent {
        Intent::Apply { below_newest } => ("up", below_newest),
        Intent::RollBack => ("down", false),
    };
    let result = client
        .query_typed(
            &sql,
            &[
                (&key.0, Type::INT8),
                (&version.as_i64(), Type::INT8),
                (&direction, Type::TEXT),
                (&below_newest, Type::BOOL),
            ],
        )
        .await;
    match result {
        Ok(_) => Ok(Claim::Granted),
        Err(e) => match e.code() {
            Some(code) if code.code() == LOCK_BUSY => Ok(Claim::LockBusy),
            Some(code) if code.code() == HISTORY_MOVED => Ok(Claim::HistoryMoved),
            Some(&SqlState::UNDEFINED_FUNCTION | &SqlState::INSUFFICIENT_PRIVILEGE) => {
                Ok(Claim::Unavailable)
            }
            _ => Err(Error::db(format!(
                "taking the migration lock for {version}"
            ))(e)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dollar_tag_never_occurs_in_the_body() {
        assert_eq!(dollar_quoted("select 1"), "$body$select 1$body$");
        assert_eq!(dollar_quoted("\"a$body$b\""), "$body1$\"a$body$b\"$body1$");
        assert_eq!(
            dollar_quoted("$body$ $body1$"),
            "$body2$$body$ $body1$$body2$"
        );
    }

    #[test]
    fn the_name_range_holds_every_claim_function() {
        let (first, past_last) = function_name_range();
        assert_eq!(
            (first.as_str(), past_last.as_str()),
            ("claim_step_", "claim_step`")
        );
        for name in [CLAIM_FUNCTION, "claim_step_v1", "claim_step_v10"] {
            assert!(
                name >= first.as_str() && name < past_last.as_str(),
                "{name}"
            );
        }
        assert!("claim_stepz" >= past_last.as_str());
    }

    #[test]
    fn the_signature_names_the_claim_in_its_schema() {
        assert_eq!(
            claim_signature("\"ops\""),
            "\"ops\".claim_step_v2(bigint, bigint, text, boolean)"
        );
    }
}
