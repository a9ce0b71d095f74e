//! Throw-away databases on the local cluster, for `dbward ci` and `dbward diff`.

use crate::db::connect::Target;
use crate::db::session::Sql;
use crate::error::{Error, Result};
use crate::ident::quote_ident;

/// A database that exists for one run and is dropped after it.
pub struct ScratchDatabase {
    admin: Target,
    name: String,
    url: String,
}

impl ScratchDatabase {
    /// Creates a fresh database on the server `admin` points at, one that asks no password
    /// (the local cluster's socket): the connection string handed on carries none.
    pub fn create(admin: &Target) -> Result<ScratchDatabase> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name = format!("dbward_scratch_{}_{nanos}", std::process::id());
        admin
            .connect()?
            .batch_execute(&format!("CREATE DATABASE {}", quote_ident(&name)))
            .map_err(Error::db("creating a throw-away database"))?;
        Ok(ScratchDatabase {
            admin: admin.clone(),
            url: admin.with_database(&name).key_value_string(),
            name,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// A connection string for the commands run against it.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn drop_now(self) -> Result<()> {
        self.admin
            .connect()?
            .batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                quote_ident(&self.name)
            ))
            .map_err(Error::db("dropping the throw-away database"))
    }
}
