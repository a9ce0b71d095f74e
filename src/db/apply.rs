//! Running one script, and turning what PostgreSQL says about it into a place in the file.

use tokio_postgres::error::ErrorPosition;

use crate::db::session::{Client, Session, Sql, Transaction};
use crate::error::Error;
use crate::migrate::failure::{MigrationFailure, Ran};
use crate::migrate::missing_extension;
use crate::migrate::model::{Script, Version};
use crate::migrate::statements;

/// Runs a whole transactional script as one simple-query message: one round trip (or a
/// place in a flight), no named statements (so it also works through a transaction-mode
/// pooler). The caller owns the transaction. A failure PostgreSQL gives no position for
/// comes back unplaced (no line): [`place`] finds its statement.
pub async fn run_whole(
    client: &Client,
    script: &Script,
    version: Version,
    ran: Ran,
) -> Result<(), Box<MigrationFailure>> {
    client
        .batch_execute(&script.sql)
        .await
        .map_err(|e| failure(&e, script, version, ran, None))
}

/// Puts the session's settings back as the connection began, so that a migration's `SET`
/// (`search_path`, `SET ROLE`, `SET SESSION CHARACTERISTICS ...`) does not reach the next
/// one: each migration starts from the session's defaults, whether it runs in the same `up`
/// as the one before or in another. Settings given when connecting (`PGOPTIONS`, the URL's
/// `options`) are those defaults, so they stay.
pub const RESET_SESSION: &str = "RESET SESSION AUTHORIZATION; RESET ROLE; RESET ALL";

/// [`run_whole`], then [`RESET_SESSION`] in the same flight and the same transaction: one
/// migration step's script.
pub async fn run_step(
    client: &Client,
    script: &Script,
    version: Version,
    ran: Ran,
) -> Result<(), Box<MigrationFailure>> {
    let (whole, reset) = tokio::join!(
        biased;
        run_whole(client, script, version, ran),
        client.batch_execute(RESET_SESSION),
    );
    whole?;
    reset.map_err(|e| failure(&e, script, version, ran, None))
}

/// Runs a script statement by statement, each its own simple-query message, so that any
/// failure is placed in its statement: for `-- dbward:no-transaction` (each statement
/// commits on its own) and to place a failure after the fact. On failure, also says how
/// many statements had already run.
pub fn run(
    client: &mut impl Sql,
    script: &Script,
    version: Version,
    ran: Ran,
) -> Result<(), (usize, Box<MigrationFailure>)> {
    // The parser may not know some new syntax: then the server gets the file whole.
    let ranges: Vec<std::ops::Range<usize>> = match statements::split(&script.sql) {
        Ok(parts) if !parts.is_empty() => parts.into_iter().map(|s| s.range).collect(),
        _ => std::iter::once(0..script.sql.len()).collect(),
    };
    for (done, range) in ranges.into_iter().enumerate() {
        client
            .batch_execute(&script.sql[range.clone()])
            .map_err(|e| (done, failure(&e, script, version, ran, Some(range.start))))?;
    }
    Ok(())
}

/// True for a server error that [`run_whole`] could not place in its file.
pub fn is_unplaced(failure: &MigrationFailure) -> bool {
    failure.line.is_none() && failure.sqlstate.is_some()
}

/// How to begin the transaction a failure is replayed in (under the lock).
pub type Begin<'a> = dyn for<'s> Fn(&'s mut Session) -> crate::error::Result<Transaction<'s>> + 'a;

/// Finds the statement behind an unplaced failure: in a transaction from `begin` that is
/// always rolled back, the scripts that ran before it in the same transaction, then the
/// failing script statement by statement. Copies the place found into `failure`; leaves it
/// as it is when the failure does not happen again.
pub fn place(
    session: &mut Session,
    begin: &Begin<'_>,
    before: &[&Script],
    failure: &mut MigrationFailure,
    script: &Script,
) {
    let Ok(mut tx) = begin(session) else {
        return;
    };
    let replayed = |tx: &mut Transaction<'_>, s: &Script| {
        tx.batch_execute(&s.sql)
            .and_then(|()| tx.batch_execute(RESET_SESSION))
    };
    if before.iter().any(|s| replayed(&mut tx, s).is_err()) {
        return;
    }
    if let Err((_, again)) = run(&mut tx, script, failure.version, failure.ran)
        && again.sqlstate == failure.sqlstate
    {
        failure.line = again.line;
        failure.column = again.column;
        failure.source_line = again.source_line;
    }
    let _ = tx.rollback();
}

/// Places an error in its file. PostgreSQL's position counts characters from the start of
/// what was sent, which began `statement_start` bytes into the file (0 for a whole file).
/// Without a position, a statement's own start is the place; a whole file has none.
pub fn failure(
    error: &tokio_postgres::Error,
    script: &Script,
    version: Version,
    ran: Ran,
    statement_start: Option<usize>,
) -> Box<MigrationFailure> {
    let mut failure = MigrationFailure {
        version,
        ran,
        path: script.path.clone(),
        line: None,
        column: None,
        sqlstate: None,
        message: crate::db::driver_error::describe(error),
        detail: None,
        hint: None,
        context: None,
        source_line: None,
        outcome: String::new(),
    };
    let Some(db) = error.as_db_error() else {
        if let Some(start) = statement_start {
            locate(&mut failure, script, start);
        }
        return Box::new(failure);
    };
    failure.sqlstate = Some(db.code().code().to_string());
    failure.message = db.message().to_string();
    failure.detail = db.detail().map(str::to_string);
    failure.hint = db.hint().map(str::to_string);
    if let Some(ours) = missing_extension::hint(db.code().code(), db.message(), db.detail()) {
        // Where the extension comes from says more than PostgreSQL's "must first be installed".
        failure.hint = Some(match failure.hint.take() {
            Some(server) => format!("{ours} (PostgreSQL: {server})"),
            None => ours,
        });
    }
    failure.context = db.where_().map(str::to_string);
    let sent_from = statement_start.unwrap_or(0);
    let offset = match db.position() {
        Some(ErrorPosition::Original(position)) => {
            let sent = &script.sql[sent_from..];
            Some(sent_from + statements::byte_offset_of_char(sent, *position as usize))
        }
        Some(ErrorPosition::Internal { query, .. }) => {
            failure.context = Some(match failure.context.take() {
                Some(context) => format!("{context}; in: {query}"),
                None => format!("in: {query}"),
            });
            statement_start
        }
        None => statement_start,
    };
    if let Some(offset) = offset {
        locate(&mut failure, script, offset);
    }
    Box::new(failure)
}

fn locate(failure: &mut MigrationFailure, script: &Script, offset: usize) {
    let (line, column) = statements::line_column(&script.sql, offset);
    failure.line = Some(line);
    failure.column = Some(column);
    failure.source_line = Some(statements::line_text(&script.sql, offset).to_string());
}

/// Maps a run error into the crate's error with what became of the database.
pub fn failed(mut failure: Box<MigrationFailure>, outcome: String) -> Error {
    failure.outcome = outcome;
    Error::MigrationFailed(failure)
}
