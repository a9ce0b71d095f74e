//! The driver's errors in words: PostgreSQL's own for what the server refused, the driver's
//! chain of causes for the rest. Every message about a failed query goes through here.

use crate::error::Describe;

/// PostgreSQL's own words for a server error; the driver's for the rest.
pub fn describe(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => {
            let mut text = format!("{} ({})", db.message(), db.code().code());
            if let Some(detail) = db.detail() {
                text.push_str(&format!("; detail: {detail}"));
            }
            if let Some(hint) = db.hint() {
                text.push_str(&format!("; hint: {hint}"));
            }
            text
        }
        None => {
            // The driver's top line ("error performing TLS handshake") hides the reason.
            let mut text = error.to_string();
            let mut source = std::error::Error::source(error);
            while let Some(cause) = source {
                text.push_str(&format!(": {cause}"));
                source = cause.source();
            }
            text
        }
    }
}

impl Describe for tokio_postgres::Error {
    fn describe(&self) -> String {
        describe(self)
    }
}
