//! Privileges on the compared objects (tables, columns, sequences, routines, schemas; the
//! database itself in a round trip) and the default privileges of the compared schemas,
//! one line per object and grantee.

use tokio_postgres::types::Type;

use super::{Inventory, NAMESPACES, Scope};
use crate::db::session::Sql;
use crate::error::{Error, Result};

/// The objects that carry privileges, as a CTE named `acl_objects` (label, objtype as
/// `acldefault` takes it, owner, acl); needs `ns` and `ext`, and `$4`: whether the database's
/// own privileges count (a round trip: the database's name differs between two databases).
pub(super) const ACL_OBJECTS: &str = "acl_objects AS (
               SELECT format('%s %I.%I', CASE c.relkind WHEN 'S' THEN 'sequence' ELSE 'table' END,
                             n.nspname, c.relname) AS label,
                      (CASE c.relkind WHEN 'S' THEN 's' ELSE 'r' END)::\"char\" AS objtype,
                      c.relowner AS owner, c.relacl AS acl
               FROM pg_class c JOIN ns n ON n.oid = c.relnamespace
               WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND c.oid NOT IN (SELECT objid FROM ext)
               UNION ALL
               SELECT format('column %I.%I.%I', n.nspname, c.relname, a.attname), 'c', c.relowner, a.attacl
               FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN ns n ON n.oid = c.relnamespace
               WHERE a.attacl IS NOT NULL AND a.attnum > 0 AND NOT a.attisdropped
                 AND c.oid NOT IN (SELECT objid FROM ext)
               UNION ALL
               SELECT format('%s %I.%I(%s)', CASE p.prokind WHEN 'p' THEN 'procedure' ELSE 'function' END,
                             n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)),
                      'f', p.proowner, p.proacl
               FROM pg_proc p JOIN ns n ON n.oid = p.pronamespace
               WHERE p.oid NOT IN (SELECT objid FROM ext)
               UNION ALL
               SELECT format('schema %I', n.nspname), 'n', n.nspowner, n.nspacl
               FROM pg_namespace n WHERE n.oid IN (SELECT oid FROM ns) AND n.oid NOT IN (SELECT objid FROM ext)
               UNION ALL
               SELECT 'database', 'd', d.datdba, d.datacl FROM pg_database d
               WHERE d.datname = current_database() AND $4
             )";

/// What a grantee holds: `all` for every privilege a table has (the list grows with
/// PostgreSQL versions), else the privileges, and which of them it may grant on.
pub(super) fn load(client: &mut impl Sql, scope: &Scope) -> Result<Inventory> {
    let sql = [
        "WITH ",
        NAMESPACES,
        ",
             ext AS (SELECT objid FROM pg_depend WHERE deptype = 'e'),
             ",
        ACL_OBJECTS,
        ",
             -- No acl yet means the built-in default (EXECUTE for PUBLIC on a function):
             -- written out, so that both forms of the same privileges compare equal. The
             -- owner's own privileges are left out: owners differ between two databases.
             granted AS (
               SELECT o.label, o.objtype, o.owner, x.grantee, x.privilege_type, x.is_grantable
               FROM acl_objects o CROSS JOIN LATERAL aclexplode(coalesce(o.acl, acldefault(o.objtype, o.owner))) x
               WHERE x.grantee <> o.owner
             ),
             -- Default privileges, whoever defines them: the role that ran the migrations
             -- differs between two databases.
             defaults AS (
               SELECT 'on ' || CASE d.defaclobjtype WHEN 'r' THEN 'tables' WHEN 'S' THEN 'sequences'
                                           WHEN 'f' THEN 'functions' WHEN 'T' THEN 'types'
                                           ELSE 'schemas' END
                      || coalesce(format(' in schema %I', n.nspname), '') AS label,
                      d.defaclobjtype AS objtype, x.grantee, x.privilege_type, x.is_grantable
               FROM pg_default_acl d LEFT JOIN ns n ON n.oid = d.defaclnamespace
               CROSS JOIN LATERAL aclexplode(d.defaclacl) x
               WHERE (n.oid IS NOT NULL OR (d.defaclnamespace = 0 AND $1::text[] IS NULL))
                 AND x.grantee <> d.defaclrole
             )
             SELECT 'grant', format('%s to %s', g.label, coalesce(quote_ident(r.rolname), 'public')),
                    CASE WHEN g.objtype = 'r' AND array_agg(g.privilege_type) @> (
                                SELECT array_agg(a.privilege_type) FROM aclexplode(acldefault('r', g.owner)) a)
                         THEN 'all'
                         ELSE string_agg(DISTINCT lower(g.privilege_type), ', ' ORDER BY lower(g.privilege_type)) END
                    || coalesce(' with grant option on ' || string_agg(DISTINCT lower(g.privilege_type), ', '
                                ORDER BY lower(g.privilege_type)) FILTER (WHERE g.is_grantable), '')
             FROM granted g LEFT JOIN pg_roles r ON r.oid = g.grantee
             WHERE g.grantee = 0 OR NOT r.rolname = ANY($3)
             GROUP BY g.label, g.objtype, g.owner, g.grantee, r.rolname
             UNION ALL
             SELECT 'default privileges', format('%s to %s', g.label, coalesce(quote_ident(r.rolname), 'public')),
                    CASE WHEN g.objtype = 'r' AND array_agg(g.privilege_type) @> (
                                SELECT array_agg(a.privilege_type) FROM aclexplode(acldefault('r', 10::oid)) a)
                         THEN 'all'
                         ELSE string_agg(DISTINCT lower(g.privilege_type), ', ' ORDER BY lower(g.privilege_type)) END
                    || coalesce(' with grant option on ' || string_agg(DISTINCT lower(g.privilege_type), ', '
                                ORDER BY lower(g.privilege_type)) FILTER (WHERE g.is_grantable), '')
             FROM defaults g LEFT JOIN pg_roles r ON r.oid = g.grantee
             WHERE g.grantee = 0 OR NOT r.rolname = ANY($3)
             GROUP BY g.label, g.objtype, g.grantee, r.rolname",
    ]
    .concat();
    let schemas = scope.schema_names();
    let ignored = scope.ignored_grantees();
    let rows = client
        .query_typed(
            &sql,
            &[
                (&schemas, Type::TEXT_ARRAY),
                (&scope.dbward_schema, Type::TEXT),
                (&ignored, Type::TEXT_ARRAY),
                (&scope.round_trip, Type::BOOL),
            ],
        )
        .map_err(Error::db("reading the privileges"))?;
    Ok(super::lines(&rows))
}
