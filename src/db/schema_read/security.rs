//! Row security policies and grants.

use std::collections::{BTreeMap, BTreeSet};

use tokio_postgres::types::Type;

use super::{Found, ReadScope, rows};
use crate::db::session::Sql;
use crate::error::Result;
use crate::schema_diff::model::{Body, Key, Kind, PolicyCommand};

pub(super) fn read(client: &mut impl Sql, scope: &ReadScope, found: &mut Found) -> Result<()> {
    policies(client, scope, found)?;
    grants(client, scope, found)
}

/// Policies of the tables read, and of Supabase's storage tables: those belong to the
/// platform, their policies to the project.
fn policies(client: &mut impl Sql, scope: &ReadScope, found: &mut Found) -> Result<()> {
    let body = "SELECT p.oid, format('%I.%I', n.nspname, c.relname) AS table_name,
                       quote_ident(p.polname) AS policy_name, p.polpermissive, p.polcmd::text AS command,
                       ARRAY(SELECT CASE WHEN r.oid = 0 THEN 'PUBLIC' ELSE quote_ident(pr.rolname) END
                             FROM unnest(p.polroles) r(oid) LEFT JOIN pg_roles pr ON pr.oid = r.oid) AS roles,
                       pg_get_expr(p.polqual, p.polrelid) AS using_expr,
                       pg_get_expr(p.polwithcheck, p.polrelid) AS check_expr
                FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
                JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE (n.oid IN (SELECT oid FROM ns) AND c.oid NOT IN (SELECT objid FROM ext))
                   OR p.polrelid IN (to_regclass('storage.objects'), to_regclass('storage.buckets'))";
    for row in rows(client, scope, body, &[], "policies")? {
        let table: String = row.get("table_name");
        let policy: String = row.get("policy_name");
        let key = Key::new(Kind::Policy, format!("{table} {policy}"));
        found.locate("pg_policy", row.get("oid"), 0, &key);
        let on = format!("POLICY {policy} ON {table}");
        found.commentable("pg_policy", row.get("oid"), 0, &key, on);
        let mut roles: Vec<String> = row.get("roles");
        roles.sort();
        let command = match row.get::<_, String>("command").as_str() {
            "r" => PolicyCommand::Select,
            "a" => PolicyCommand::Insert,
            "w" => PolicyCommand::Update,
            "d" => PolicyCommand::Delete,
            _ => PolicyCommand::All,
        };
        let owner = Key::new(Kind::Table, table.clone());
        found.insert(
            key,
            Some(owner),
            Body::Policy {
                table,
                policy,
                permissive: row.get("polpermissive"),
                command,
                roles,
                using: row.get("using_expr"),
                with_check: row.get("check_expr"),
            },
        );
    }
    Ok(())
}

/// The objects that carry privileges: how GRANT names them (`keyword object`), the kind of
/// their key, the column (for a column's own privileges), their owner and privileges (no
/// acl yet means the built-in default: EXECUTE for PUBLIC on a function, USAGE on a type).
/// The schemas read and `public`, tables, views, materialized views, sequences (not an
/// identity column's), functions and procedures, and the types read.
const ACL_OBJECTS: &str = "acl_objects AS (
    SELECT CASE c.relkind WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END AS keyword,
           format('%I.%I', n.nspname, c.relname) AS object,
           CASE c.relkind WHEN 'S' THEN 'sequence' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'
                          ELSE 'table' END AS kind,
           NULL::text AS column_name, NULL::int2 AS attnum, c.relowner AS owner,
           coalesce(c.relacl, acldefault(CASE c.relkind WHEN 'S' THEN 's' ELSE 'r' END::\"char\", c.relowner)) AS acl
    FROM pg_class c JOIN ns n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S') AND c.oid NOT IN (SELECT objid FROM ext)
      AND NOT EXISTS (SELECT 1 FROM pg_depend d
                      WHERE c.relkind = 'S' AND d.classid = 'pg_class'::regclass AND d.objid = c.oid
                        AND d.deptype = 'i' AND d.refclassid = 'pg_class'::regclass)
    UNION ALL
    SELECT 'TABLE', format('%I.%I', n.nspname, c.relname),
           CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' ELSE 'table' END,
           quote_ident(a.attname), a.attnum, c.relowner, a.attacl
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN ns n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'v', 'm') AND a.attacl IS NOT NULL AND a.attnum > 0
      AND NOT a.attisdropped AND c.oid NOT IN (SELECT objid FROM ext)
    UNION ALL
    SELECT CASE p.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END,
           format('%I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)),
           'function', NULL, NULL, p.proowner, coalesce(p.proacl, acldefault('f', p.proowner))
    FROM pg_proc p JOIN ns n ON n.oid = p.pronamespace
    WHERE p.prokind IN ('f', 'p') AND p.oid NOT IN (SELECT objid FROM ext)
    UNION ALL
    SELECT 'SCHEMA', quote_ident(n.nspname), 'schema', NULL, NULL, n.nspowner,
           coalesce(n.nspacl, acldefault('n', n.nspowner))
    FROM pg_namespace n WHERE n.oid IN (SELECT oid FROM ns) AND n.oid NOT IN (SELECT objid FROM ext)
    UNION ALL
    SELECT 'TYPE', format('%I.%I', n.nspname, t.typname), 'type', NULL, NULL, t.typowner,
           coalesce(t.typacl, acldefault('T', t.typowner))
    FROM pg_type t JOIN ns n ON n.oid = t.typnamespace
    WHERE (t.typtype IN ('e', 'd')
           OR (t.typtype = 'c' AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c'))
      AND t.oid NOT IN (SELECT objid FROM ext)
)";

/// What a (object, columns, grantee) holds: (privileges, of those the grantable ones).
type Held = (BTreeSet<String>, BTreeSet<String>);

/// One Grant per object and grantee, and for columns per set of columns a grantee holds the
/// same privileges on. The owner's own privileges are not grants; with `supabase`, neither
/// are those of the platform's roles.
fn grants(client: &mut impl Sql, scope: &ReadScope, found: &mut Found) -> Result<()> {
    let body = [
        ", ",
        ACL_OBJECTS,
        "
         SELECT o.keyword, o.object, o.kind, o.column_name, o.attnum,
                CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(r.rolname) END AS grantee,
                x.privilege_type, x.is_grantable
         FROM acl_objects o CROSS JOIN LATERAL aclexplode(o.acl) x
         LEFT JOIN pg_roles r ON r.oid = x.grantee
         WHERE x.grantee <> o.owner AND (x.grantee = 0 OR NOT r.rolname = ANY($3))",
    ]
    .concat();
    let ignored = scope.ignored_grantees();
    let rows = rows(
        client,
        scope,
        &body,
        &[(&ignored, Type::TEXT_ARRAY)],
        "grants",
    )?;
    // (keyword, object, kind, grantee) -> column (number, name) or none -> what is held.
    type Target = (String, String, String, String);
    let mut held: BTreeMap<Target, BTreeMap<Option<(i16, String)>, Held>> = BTreeMap::new();
    for row in rows {
        let target = (
            row.get("keyword"),
            row.get("object"),
            row.get("kind"),
            row.get("grantee"),
        );
        let attnum: Option<i16> = row.get("attnum");
        let column_name: Option<String> = row.get("column_name");
        let column = attnum.zip(column_name);
        let privilege: String = row.get("privilege_type");
        let entry = held.entry(target).or_default().entry(column).or_default();
        if row.get("is_grantable") {
            entry.1.insert(privilege.clone());
        }
        entry.0.insert(privilege);
    }
    for ((keyword, object, kind, grantee), by_column) in held {
        let owner = Key::new(owner_kind(&kind), object.clone());
        // Columns with the same privileges for the same grantee make one grant.
        let mut groups: BTreeMap<Held, Vec<(i16, String)>> = BTreeMap::new();
        for (column, privileges) in by_column {
            match column {
                None => insert_grant(found, &keyword, &object, &[], &grantee, privileges, &owner),
                Some(column) => groups.entry(privileges).or_default().push(column),
            }
        }
        for (privileges, mut columns) in groups {
            columns.sort();
            insert_grant(
                found, &keyword, &object, &columns, &grantee, privileges, &owner,
            );
        }
    }
    Ok(())
}

fn insert_grant(
    found: &mut Found,
    keyword: &str,
    object: &str,
    columns: &[(i16, String)],
    grantee: &str,
    (privileges, grantable): Held,
    owner: &Key,
) {
    let on = format!("{keyword} {object}");
    let names: Vec<String> = columns.iter().map(|(_, name)| name.clone()).collect();
    let name = if names.is_empty() {
        format!("{on} TO {grantee}")
    } else {
        format!("{on} ({}) TO {grantee}", names.join(", "))
    };
    let depends_on = names
        .iter()
        .map(|column| Key::new(Kind::Column, format!("{object}.{column}")))
        .collect();
    found.schema.insert(crate::schema_diff::model::Object {
        key: Key::new(Kind::Grant, name),
        owner: Some(owner.clone()),
        body: Body::Grant {
            on,
            columns: names,
            grantee: grantee.to_string(),
            privileges,
            grantable,
        },
        depends_on,
    });
}

fn owner_kind(kind: &str) -> Kind {
    match kind {
        "sequence" => Kind::Sequence,
        "view" => Kind::View,
        "materialized view" => Kind::MaterializedView,
        "function" => Kind::Function,
        "schema" => Kind::Schema,
        "type" => Kind::Type,
        _ => Kind::Table,
    }
}
