//! Throw-away databases on the local cluster, for `dbward ci` and `dbward diff`.

use crate::db::connect::Target;
use crate::db::session::Sql;
use crate::error::{Error, Result};
use crate::ident::quote_ident;
use tokio_postgres::types::Type;

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

    /// Whether anyone else uses the server: a session on another database (this run's
    /// own, on this one, may linger a moment after they closed), or another run's
    /// throw-away database (its run may be between two sessions). A cluster in use is not
    /// stopped under its users.
    pub fn others_use_the_server(&self) -> Result<bool> {
        let row = self
            .admin
            .connect()?
            .query_typed_one(
                "SELECT EXISTS (SELECT FROM pg_stat_activity \
                     WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() \
                       AND datname IS DISTINCT FROM $1) \
                 OR EXISTS (SELECT FROM pg_database \
                     WHERE datname LIKE 'dbward\\_scratch\\_%' AND datname <> $1)",
                &[(&self.name, Type::TEXT)],
            )
            .map_err(Error::db("looking for other users of the local cluster"))?;
        Ok(row.get(0))
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
