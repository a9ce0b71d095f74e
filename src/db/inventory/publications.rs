//! Publications (what they publish) and the compared schemas' tables in them (with their
//! column list and row filter, where the server has those).

use tokio_postgres::types::Type;

use super::{Inventory, NAMESPACES, Scope};
use crate::db::session::Sql;
use crate::error::{Error, Result};

pub(super) fn load(client: &mut impl Sql, scope: &Scope) -> Result<Inventory> {
    // Column lists and row filters came with PostgreSQL 15: read through to_jsonb, they are
    // NULL on older servers instead of an error.
    let sql = [
        "WITH ",
        NAMESPACES,
        "
             SELECT 'publication', quote_ident(p.pubname),
                    concat_ws('; ',
                      CASE WHEN p.puballtables THEN 'all tables' END,
                      'publish ' || concat_ws(', ', CASE WHEN p.pubinsert THEN 'insert' END,
                                                   CASE WHEN p.pubupdate THEN 'update' END,
                                                   CASE WHEN p.pubdelete THEN 'delete' END,
                                                   CASE WHEN p.pubtruncate THEN 'truncate' END),
                      CASE WHEN to_jsonb(p) ->> 'pubviaroot' = 'true' THEN 'via partition root' END)
             FROM pg_publication p WHERE NOT p.pubname = ANY($3)
             UNION ALL
             SELECT 'publication table', format('%I: %I.%I', t.pubname, t.schemaname, t.tablename),
                    concat_ws('; ',
                      CASE WHEN to_jsonb(pr) ->> 'prattrs' IS NOT NULL
                           THEN 'columns ' || (to_jsonb(t) ->> 'attnames') END,
                      'where ' || (to_jsonb(t) ->> 'rowfilter'))
             FROM pg_publication_tables t
             JOIN pg_publication p ON p.pubname = t.pubname
             JOIN ns n ON n.nspname = t.schemaname
             JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = t.tablename
             LEFT JOIN pg_publication_rel pr ON pr.prpubid = p.oid AND pr.prrelid = c.oid",
    ]
    .concat();
    let schemas = scope.schema_names();
    let ignored = scope.ignored_publications();
    let rows = client
        .query_typed(
            &sql,
            &[
                (&schemas, Type::TEXT_ARRAY),
                (&scope.dbward_schema, Type::TEXT),
                (&ignored, Type::TEXT_ARRAY),
            ],
        )
        .map_err(Error::db("reading the publications"))?;
    Ok(super::lines(&rows))
}
