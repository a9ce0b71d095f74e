//! Running one script, and turning what PostgreSQL says about it into a place in the file.

use postgres::GenericClient;
use postgres::error::ErrorPosition;

use crate::error::{Direction, Error, MigrationFailure};
use crate::migrate::model::{Script, Version};
use crate::migrate::statements;

/// Runs a whole script as one simple-query message (no named statements, so it also works
/// through a transaction-mode pooler). The caller owns the transaction.
pub fn run_script(
    client: &mut impl GenericClient,
    script: &Script,
    version: Version,
    direction: Direction,
) -> std::result::Result<(), Box<MigrationFailure>> {
    client
        .batch_execute(&script.sql)
        .map_err(|e| failure(&e, script, version, direction, 0))
}

/// Runs a script statement by statement, each committing on its own (`-- dbward:no-transaction`).
/// On failure, also says how many statements had already committed.
pub fn run_statements(
    client: &mut impl GenericClient,
    script: &Script,
    version: Version,
    direction: Direction,
) -> std::result::Result<(), (usize, Box<MigrationFailure>)> {
    // The file was split when it was read; a failure here would be a bug in that check.
    let parts = statements::split(&script.sql).unwrap_or_default();
    for (done, statement) in parts.iter().enumerate() {
        let text = &script.sql[statement.range.clone()];
        client.batch_execute(text).map_err(|e| {
            (
                done,
                failure(&e, script, version, direction, statement.range.start),
            )
        })?;
    }
    Ok(())
}

/// Places an error in its file: PostgreSQL's position counts characters from the start of
/// what was sent, which began `sent_from` bytes into the file.
pub fn failure(
    error: &postgres::Error,
    script: &Script,
    version: Version,
    direction: Direction,
    sent_from: usize,
) -> Box<MigrationFailure> {
    let mut failure = MigrationFailure {
        version,
        direction,
        path: script.path.clone(),
        line: None,
        column: None,
        sqlstate: None,
        message: crate::error::describe_pg(error),
        detail: None,
        hint: None,
        context: None,
        source_line: None,
        outcome: String::new(),
    };
    if let Some(db) = error.as_db_error() {
        failure.sqlstate = Some(db.code().code().to_string());
        failure.message = db.message().to_string();
        failure.detail = db.detail().map(str::to_string);
        failure.hint = db.hint().map(str::to_string);
        failure.context = db.where_().map(str::to_string);
        if let Some(ErrorPosition::Original(position)) = db.position() {
            let sent = &script.sql[sent_from..];
            let offset = sent_from + statements::byte_offset_of_char(sent, *position as usize);
            let (line, column) = statements::line_column(&script.sql, offset);
            failure.line = Some(line);
            failure.column = Some(column);
            failure.source_line = Some(statements::line_text(&script.sql, offset).to_string());
        } else if let Some(ErrorPosition::Internal { query, .. }) = db.position() {
            failure.context = Some(match failure.context.take() {
                Some(context) => format!("{context}; in: {query}"),
                None => format!("in: {query}"),
            });
        }
    }
    Box::new(failure)
}

/// Maps a run error into the crate's error with what became of the database.
pub fn failed(mut failure: Box<MigrationFailure>, outcome: String) -> Error {
    failure.outcome = outcome;
    Error::MigrationFailed(failure)
}
