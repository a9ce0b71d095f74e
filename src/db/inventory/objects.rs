//! Schemas, relations, columns, constraints, indexes, policies, routines, triggers, types,
//! collations and extensions: one line each.

use tokio_postgres::types::Type;

use super::{Inventory, NAMESPACES, Scope};
use crate::db::session::Sql;
use crate::error::{Error, Result};

/// Objects that belong to an extension are left out: the extension stands for them.
pub(super) fn load(client: &mut impl Sql, scope: &Scope) -> Result<Inventory> {
    let sql = [
        "WITH ",
        NAMESPACES,
        ",
             ext AS (SELECT objid FROM pg_depend WHERE deptype = 'e'),
             rel AS (
               SELECT c.oid, c.relname, c.relkind, c.relrowsecurity, c.relforcerowsecurity, n.nspname
               FROM pg_class c JOIN ns n ON n.oid = c.relnamespace
               WHERE c.oid NOT IN (SELECT objid FROM ext)
             )
             SELECT 'schema', nspname::text, '' FROM ns WHERE nspname <> 'public'
               AND oid NOT IN (SELECT objid FROM ext)
             UNION ALL
             SELECT CASE relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view'
                                 WHEN 'm' THEN 'materialized view' WHEN 'S' THEN 'sequence'
                                 WHEN 'f' THEN 'foreign table' ELSE 'relation' END,
                    format('%I.%I', nspname, relname),
                    CASE WHEN relkind IN ('r', 'p') THEN format('row level security %s%s',
                              CASE WHEN relrowsecurity THEN 'on' ELSE 'off' END,
                              CASE WHEN relforcerowsecurity THEN ', forced' ELSE '' END)
                         WHEN relkind IN ('v', 'm') THEN md5(pg_get_viewdef(oid))
                         ELSE '' END
             FROM rel WHERE relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
             UNION ALL
             SELECT 'column', format('%I.%I.%I', r.nspname, r.relname, a.attname),
                    format_type(a.atttypid, a.atttypmod)
                    || coalesce((SELECT format(' collate %I.%I', cn.nspname, co.collname)
                                 FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace
                                 WHERE co.oid = a.attcollation
                                   AND a.attcollation <> (SELECT typcollation FROM pg_type WHERE oid = a.atttypid)), '')
                    || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
                    || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
             FROM rel r JOIN pg_attribute a ON a.attrelid = r.oid
             LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
             WHERE r.relkind IN ('r', 'p', 'v', 'm', 'f') AND a.attnum > 0 AND NOT a.attisdropped
             UNION ALL
             SELECT 'constraint', format('%I.%I %I', r.nspname, r.relname, con.conname), pg_get_constraintdef(con.oid)
             FROM pg_constraint con JOIN rel r ON r.oid = con.conrelid
             UNION ALL
             SELECT 'index', format('%I.%I', r.nspname, r.relname), pg_get_indexdef(r.oid)
             FROM rel r WHERE r.relkind IN ('i', 'I')
             UNION ALL
             -- The storage tables belong to the platform, their policies to the project: those
             -- are compared even when `storage` is not.
             SELECT 'policy', format('%I.%I %I', n.nspname, c.relname, p.polname),
                    format('%s %s to %s using %s with check %s',
                           CASE WHEN p.polpermissive THEN 'permissive' ELSE 'restrictive' END,
                           CASE p.polcmd WHEN 'r' THEN 'select' WHEN 'a' THEN 'insert' WHEN 'w' THEN 'update'
                                         WHEN 'd' THEN 'delete' ELSE 'all' END,
                           CASE WHEN p.polroles = '{0}' THEN 'public'
                                ELSE (SELECT string_agg(rolname, ', ' ORDER BY rolname) FROM pg_roles WHERE oid = ANY(p.polroles)) END,
                           coalesce(pg_get_expr(p.polqual, p.polrelid), '-'),
                           coalesce(pg_get_expr(p.polwithcheck, p.polrelid), '-'))
             FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
             JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE p.polrelid IN (SELECT oid FROM rel)
                OR p.polrelid IN (to_regclass('storage.objects'), to_regclass('storage.buckets'))
             UNION ALL
             SELECT CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' ELSE 'function' END,
                    format('%I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)),
                    CASE WHEN p.prokind = 'a' THEN '' ELSE md5(pg_get_functiondef(p.oid)) END
             FROM pg_proc p JOIN ns n ON n.oid = p.pronamespace
             WHERE p.oid NOT IN (SELECT objid FROM ext)
             UNION ALL
             -- Triggers the project's functions run, wherever their table lives (auth.users).
             SELECT 'trigger', format('%s %I', t.tgrelid::regclass, t.tgname), pg_get_triggerdef(t.oid)
             FROM pg_trigger t JOIN pg_proc f ON f.oid = t.tgfoid JOIN pg_class c ON c.oid = t.tgrelid
             WHERE NOT t.tgisinternal
               AND (c.relnamespace IN (SELECT oid FROM ns) OR f.pronamespace IN (SELECT oid FROM ns))
             UNION ALL
             SELECT 'type', format('%I.%I', n.nspname, t.typname),
                    CASE t.typtype WHEN 'e' THEN (SELECT 'enum ' || string_agg(enumlabel, ', ' ORDER BY enumsortorder) FROM pg_enum WHERE enumtypid = t.oid)
                                   WHEN 'd' THEN 'domain ' || format_type(t.typbasetype, t.typtypmod)
                                   ELSE t.typtype::text END
             FROM pg_type t JOIN ns n ON n.oid = t.typnamespace
             WHERE t.typtype IN ('e', 'd', 'r', 'm') AND t.oid NOT IN (SELECT objid FROM ext)
             UNION ALL
             SELECT 'collation', format('%I.%I', n.nspname, co.collname),
                    format('%s %s%s', CASE co.collprovider WHEN 'i' THEN 'icu' WHEN 'c' THEN 'libc' ELSE 'default' END,
                           coalesce(to_jsonb(co) ->> 'colllocale', to_jsonb(co) ->> 'colliculocale', co.collcollate),
                           CASE WHEN co.collisdeterministic THEN '' ELSE ' nondeterministic' END)
             FROM pg_collation co JOIN ns n ON n.oid = co.collnamespace
             WHERE co.oid NOT IN (SELECT objid FROM ext)
             UNION ALL
             SELECT 'extension', e.extname, '' FROM pg_extension e WHERE e.extname <> 'plpgsql'
               AND ($1::text[] IS NULL OR e.extnamespace IN (SELECT oid FROM ns))",
    ]
    .concat();
    let schemas = scope.schema_names();
    let rows = client
        .query_typed(
            &sql,
            &[
                (&schemas, Type::TEXT_ARRAY),
                (&scope.dbward_schema, Type::TEXT),
            ],
        )
        .map_err(Error::db("reading the catalog inventory"))?;
    Ok(super::lines(&rows))
}
