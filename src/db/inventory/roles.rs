//! Roles: one line each (attributes, memberships, settings), and the names of those the
//! database uses. Passwords are never read, and settings' values only as a digest.

use std::collections::{BTreeMap, BTreeSet};

use tokio_postgres::types::Type;

use super::grants::ACL_OBJECTS;
use super::{NAMESPACES, Scope};
use crate::db::session::Sql;
use crate::error::{Error, Result};

/// Every role but the predefined ones and those the scope leaves out, and the names of the
/// roles the database uses (both quoted).
pub(super) fn load(
    client: &mut impl Sql,
    scope: &Scope,
) -> Result<(BTreeMap<String, String>, BTreeSet<String>)> {
    let ignored = scope.ignored_roles();
    let rows = client
        .query_typed(
            "SELECT quote_ident(r.rolname),
                    concat_ws(', ',
                      CASE WHEN r.rolsuper THEN 'superuser' END,
                      CASE WHEN r.rolcanlogin THEN 'login' ELSE 'nologin' END,
                      CASE WHEN NOT r.rolinherit THEN 'noinherit' END,
                      CASE WHEN r.rolcreatedb THEN 'createdb' END,
                      CASE WHEN r.rolcreaterole THEN 'createrole' END,
                      CASE WHEN r.rolreplication THEN 'replication' END,
                      CASE WHEN r.rolbypassrls THEN 'bypassrls' END,
                      CASE WHEN r.rolconnlimit <> -1 THEN 'connection limit ' || r.rolconnlimit END,
                      (SELECT 'member of ' || string_agg(DISTINCT quote_ident(g.rolname), ', '
                                                        ORDER BY quote_ident(g.rolname))
                       FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = r.oid),
                      -- A setting may hold a secret: its name is shown, its value only digested.
                      (SELECT 'settings ' || string_agg(split_part(s, '=', 1), ', ' ORDER BY s)
                              || ' (' || md5(string_agg(s, ',' ORDER BY s)) || ')'
                       FROM pg_db_role_setting d CROSS JOIN LATERAL unnest(d.setconfig) s
                       WHERE d.setrole = r.oid
                         AND d.setdatabase IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))))
             FROM pg_roles r
             WHERE r.rolname !~ '^pg_' AND NOT r.rolname = ANY($1)",
            &[(&ignored, Type::TEXT_ARRAY)],
        )
        .map_err(Error::db("reading the roles"))?;
    let roles = rows.iter().map(|row| (row.get(0), row.get(1))).collect();
    let used = used(client, scope, &ignored)?;
    Ok((roles, used))
}

/// Roles granted a privilege on a compared object or a default privilege in a compared
/// schema, named in a compared policy, and in a round trip the owners of compared objects.
fn used(client: &mut impl Sql, scope: &Scope, ignored: &[&str]) -> Result<BTreeSet<String>> {
    let sql = [
        "WITH ",
        NAMESPACES,
        ",
             ext AS (SELECT objid FROM pg_depend WHERE deptype = 'e'),
             ",
        ACL_OBJECTS,
        ",
             ids AS (
               SELECT x.grantee AS oid
               FROM acl_objects o CROSS JOIN LATERAL aclexplode(o.acl) x
               WHERE o.acl IS NOT NULL AND x.grantee <> o.owner
               UNION
               SELECT x.grantee FROM pg_default_acl d CROSS JOIN LATERAL aclexplode(d.defaclacl) x
               WHERE (d.defaclnamespace IN (SELECT oid FROM ns) OR (d.defaclnamespace = 0 AND $1::text[] IS NULL))
                 AND x.grantee <> d.defaclrole
               UNION
               SELECT unnest(p.polroles) FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
               WHERE c.relnamespace IN (SELECT oid FROM ns)
                  OR p.polrelid IN (to_regclass('storage.objects'), to_regclass('storage.buckets'))
               UNION
               SELECT owner FROM acl_objects WHERE $4
               UNION
               SELECT d.defaclrole FROM pg_default_acl d WHERE $4
             )
             SELECT quote_ident(r.rolname) FROM pg_roles r
             WHERE r.oid IN (SELECT oid FROM ids) AND r.rolname !~ '^pg_' AND NOT r.rolname = ANY($3)",
    ]
    .concat();
    let schemas = scope.schema_names();
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
        .map_err(Error::db("reading the roles the database uses"))?;
    Ok(rows.iter().map(|row| row.get(0)).collect())
}
