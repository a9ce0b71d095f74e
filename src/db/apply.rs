//! Running one script, and turning what PostgreSQL says about it into a place in the file.

use postgres::GenericClient;
use postgres::error::ErrorPosition;

use crate::error::{Direction, Error, MigrationFailure};
use crate::migrate::model::{Script, Version};
use crate::migrate::statements;

/// Runs a script statement by statement with simple-query messages (no named statements,
/// so it also works through a transaction-mode pooler), so that a failure is placed in its
/// statement even when PostgreSQL gives no position. Inside the caller's transaction for a
/// normal migration; each statement committing on its own for `-- dbward:no-transaction`.
/// On failure, also says how many statements had already run.
pub fn run(
    client: &mut impl GenericClient,
    script: &Script,
    version: Version,
    direction: Direction,
) -> Result<(), (usize, Box<MigrationFailure>)> {
    // The parser may not know some new syntax: then the server gets the file whole.
    let ranges: Vec<std::ops::Range<usize>> = match statements::split(&script.sql) {
        Ok(parts) if !parts.is_empty() => parts.into_iter().map(|s| s.range).collect(),
        _ => std::iter::once(0..script.sql.len()).collect(),
    };
    for (done, range) in ranges.into_iter().enumerate() {
        client
            .batch_execute(&script.sql[range.clone()])
            .map_err(|e| (done, failure(&e, script, version, direction, range.start)))?;
    }
    Ok(())
}

/// Places an error in its file: PostgreSQL's position counts characters from the start of
/// what was sent, which began `sent_from` bytes into the file. Without a position, the
/// statement's own start is the place.
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
        let offset = match db.position() {
            Some(ErrorPosition::Original(position)) => {
                let sent = &script.sql[sent_from..];
                sent_from + statements::byte_offset_of_char(sent, *position as usize)
            }
            Some(ErrorPosition::Internal { query, .. }) => {
                failure.context = Some(match failure.context.take() {
                    Some(context) => format!("{context}; in: {query}"),
                    None => format!("in: {query}"),
                });
                sent_from
            }
            None => sent_from,
        };
        locate(&mut failure, script, offset);
    } else {
        locate(&mut failure, script, sent_from);
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
