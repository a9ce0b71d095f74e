//! Whether a database holds anything of its own, for `dbward ci --database-url`, which
//! applies, seeds and rolls back migrations there and so must be given an empty one.
//!
//! Empty means: no table, view, materialized view, sequence, foreign table, function,
//! procedure, aggregate or type (enum, domain, range, composite) outside the system's
//! schemas (`pg_*`, `information_schema`), dbward's own schema, and the schemas a Supabase
//! project has from the start (their contents are the platform's); objects that belong to an
//! extension do not count (the extension stands for them). dbward's own schema counts only
//! by the migrations its history records.

use tokio_postgres::types::Type;

use crate::db::session::Sql;
use crate::error::{Error, Result};

/// The schemas a fresh Supabase project has besides `public`, whose contents are the
/// platform's. dbward's compat shim makes `auth`, `storage` and `extensions` on plain PostgreSQL.
pub const PLATFORM_SCHEMAS: [&str; 15] = [
    "auth",
    "storage",
    "extensions",
    "graphql",
    "graphql_public",
    "realtime",
    "_realtime",
    "vault",
    "pgsodium",
    "pgsodium_masks",
    "pgbouncer",
    "supabase_functions",
    "supabase_migrations",
    "net",
    "_analytics",
];

/// The schemas of the database's own objects, by name: every one but the system's
/// (`pg_*`, `information_schema`), dbward's own, and those in `left_out`.
pub fn schema_names(
    client: &mut impl Sql,
    dbward_schema: &str,
    left_out: &[&str],
) -> Result<Vec<String>> {
    let rows = client
        .query_typed(
            "SELECT nspname::text FROM pg_namespace
             WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'
               AND nspname <> $1 AND nspname <> ALL ($2::text[])
             ORDER BY 1",
            &[(&dbward_schema, Type::TEXT), (&left_out, Type::TEXT_ARRAY)],
        )
        .map_err(Error::db("listing the database's schemas"))?;
    Ok(rows.iter().map(|row| row.get(0)).collect())
}

/// How many objects a database holds of its own, and the first few by name (`table
/// public.notes`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contents {
    pub count: i64,
    pub first: Vec<String>,
}

/// The database's own objects (see the module's doc), the first `named` of them by name.
pub fn own_objects(client: &mut impl Sql, dbward_schema: &str, named: i64) -> Result<Contents> {
    let rows = client
        .query_typed(
            "WITH ns AS (
               SELECT oid, nspname FROM pg_namespace
               WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'
                 AND nspname <> $1 AND nspname <> ALL ($2::text[])
             ),
             own AS (
               SELECT 'pg_class'::regclass AS catalog, c.oid,
                      CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'
                        WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table' ELSE 'table' END
                      || ' ' || format('%I.%I', n.nspname, c.relname) AS object
               FROM pg_class c JOIN ns n ON n.oid = c.relnamespace
               WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
               UNION ALL
               SELECT 'pg_proc'::regclass, p.oid,
                      CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' ELSE 'function' END
                      || ' ' || format('%I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid))
               FROM pg_proc p JOIN ns n ON n.oid = p.pronamespace
               UNION ALL
               SELECT 'pg_type'::regclass, t.oid, 'type ' || format('%I.%I', n.nspname, t.typname)
               FROM pg_type t JOIN ns n ON n.oid = t.typnamespace
               WHERE t.typtype IN ('e', 'd', 'r')
                  OR (t.typtype = 'c' AND (SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid) = 'c')
             ),
             counted AS (
               SELECT object FROM own
               WHERE NOT EXISTS (SELECT 1 FROM pg_depend d
                                 WHERE d.classid = own.catalog AND d.objid = own.oid AND d.deptype = 'e')
             )
             SELECT object, count(*) OVER () FROM counted ORDER BY object LIMIT $3",
            &[
                (&dbward_schema, Type::TEXT),
                (&PLATFORM_SCHEMAS.as_slice(), Type::TEXT_ARRAY),
                (&named, Type::INT8),
            ],
        )
        .map_err(Error::db("looking for what the database holds"))?;
    Ok(Contents {
        count: rows.first().map_or(0, |row| row.get(1)),
        first: rows.iter().map(|row| row.get(0)).collect(),
    })
}
