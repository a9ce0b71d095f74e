//! The timeouts a migration's statements run with, set on its session before the script.

use tokio_postgres::types::Type;

use crate::db::session::Client;
use crate::error::{Error, Result};
use crate::migrate::lock_wait::ScriptSettings;

/// Whether a setting lasts to the end of the transaction or of the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Reach {
    /// `SET LOCAL`: in a migration's transaction; the script's `RESET ALL` also undoes it.
    Transaction,
    /// `SET`: for a no-transaction script, undone by the `RESET ALL` after it.
    Session,
}

/// Sets `lock_timeout` and `statement_timeout` as `settings` say (bound, never pasted);
/// a setting `settings` leaves out keeps its value. Gives the backend the statements run
/// on (through a transaction-mode pooler, known only inside the transaction).
pub(super) async fn limit_waits(
    client: &Client,
    settings: &ScriptSettings,
    reach: Reach,
) -> Result<i32> {
    let local = reach == Reach::Transaction;
    client
        .query_typed_one(
            "SELECT set_config('lock_timeout', coalesce($1, current_setting('lock_timeout')), $3),
                    set_config('statement_timeout', coalesce($2, current_setting('statement_timeout')), $3),
                    pg_backend_pid()",
            &[
                (&settings.lock_timeout, Type::TEXT),
                (&settings.statement_timeout, Type::TEXT),
                (&local, Type::BOOL),
            ],
        )
        .await
        .map(|row| row.get(2))
        .map_err(Error::db("setting the migration's lock_timeout and statement_timeout"))
}
