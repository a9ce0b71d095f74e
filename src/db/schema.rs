//! dbward's own schema, by name: the one thing the modules that keep state there (history,
//! job runs, the claim function, the owners check) share. A leaf, so that each of them
//! depends on it and none on another's type.

use tokio_postgres::error::SqlState;

use crate::error::{Error, Result};
use crate::ident::quote_ident;

/// The schema dbward keeps its tables in, as configured and as SQL names it.
#[derive(Debug, Clone)]
pub struct Schema {
    name: String,
    quoted: String,
}

impl Schema {
    pub fn new(name: &str) -> Schema {
        Schema {
            name: name.to_string(),
            quoted: quote_ident(name),
        }
    }

    /// The name, as configured: for catalog lookups and messages.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The name quoted, to paste into SQL.
    pub fn quoted(&self) -> &str {
        &self.quoted
    }

    /// A table of the schema by its bare name (one of dbward's own, never a value from
    /// outside), ready to paste into SQL.
    pub fn table(&self, bare: &str) -> String {
        format!("{}.{bare}", self.quoted)
    }
}

/// No rows when dbward's schema or table does not exist yet (outside a transaction only:
/// inside one, the error would abort it).
pub fn empty_if_missing(
    result: std::result::Result<Vec<tokio_postgres::Row>, tokio_postgres::Error>,
    context: &str,
) -> Result<Vec<tokio_postgres::Row>> {
    match result {
        Ok(rows) => Ok(rows),
        Err(e)
            if e.code() == Some(&SqlState::UNDEFINED_TABLE)
                || e.code() == Some(&SqlState::INVALID_SCHEMA_NAME) =>
        {
            Ok(Vec::new())
        }
        Err(e) => Err(Error::db(context)(e)),
    }
}
