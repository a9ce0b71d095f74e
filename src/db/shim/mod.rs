//! `compat = "supabase"`: the minimal `auth` shim for databases that are not Supabase.

use crate::db::session::Sql;
use crate::error::{Error, Result};

const SUPABASE_SHIM: &str = include_str!("supabase_shim.sql");

/// Whether the shim was created now or `auth` was already there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShimOutcome {
    Created,
    AlreadyPresent,
}

/// Creates the shim when the database has no `auth` schema; leaves a real Supabase alone.
pub fn ensure_supabase(client: &mut impl Sql) -> Result<ShimOutcome> {
    let row = client
        .query_typed_one("SELECT to_regnamespace('auth') IS NOT NULL", &[])
        .map_err(Error::db("looking for the auth schema"))?;
    if row.get::<_, bool>(0) {
        return Ok(ShimOutcome::AlreadyPresent);
    }
    client
        .batch_execute(SUPABASE_SHIM)
        .map_err(Error::db("creating the Supabase compatibility shim"))?;
    Ok(ShimOutcome::Created)
}
