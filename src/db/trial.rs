//! Runs a generated migration's statements on a throw-away database, so that `dbward diff
//! --write` proves them before it writes them: in one transaction, as the migration will
//! run, or one by one outside any (an index built `CONCURRENTLY`).

use crate::db::session::{Session, Sql};
use crate::error::{Error, Result};
use crate::migrate::model::TransactionMode;
use crate::schema_diff::Statement;

/// Runs `statements` in order. The error names the statement that failed and the object it
/// was for; in a transaction, nothing of the others remains.
pub fn run(client: &mut Session, statements: &[Statement], mode: TransactionMode) -> Result<()> {
    let failed = |statement: &Statement| {
        Error::db(format!(
            "the generated statement for {} failed on the throw-away database (nothing was written): {}",
            statement.key,
            first_line(&statement.sql)
        ))
    };
    match mode {
        TransactionMode::Transaction => {
            let mut tx = client
                .transaction()
                .map_err(Error::db("starting the trial transaction"))?;
            for statement in statements {
                tx.batch_execute(&statement.sql)
                    .map_err(failed(statement))?;
            }
            tx.commit()
                .map_err(Error::db("committing the trial transaction"))
        }
        TransactionMode::NoTransaction => {
            for statement in statements {
                client
                    .batch_execute(&statement.sql)
                    .map_err(failed(statement))?;
            }
            Ok(())
        }
    }
}

/// A statement's first line, to name it in one line.
fn first_line(sql: &str) -> &str {
    sql.lines().next().unwrap_or("").trim_end()
}
