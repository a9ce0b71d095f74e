//! Every object a migration can create, one line each (kind, name, definition), so that two
//! databases, or one database at two moments, can be compared: the round trip of
//! `dbward ci` and the drift of `dbward diff`.

use std::collections::BTreeMap;

use serde::Serialize;
use tokio_postgres::types::Type;

use crate::db::session::Sql;
use crate::error::{Error, Result};

/// (kind, name) -> definition.
pub type Inventory = BTreeMap<(String, String), String>;

/// Objects of the given schemas (all but the system ones and dbward's own when `None`).
/// Objects that belong to an extension are left out: the extension stands for them.
pub fn load(
    client: &mut impl Sql,
    schemas: Option<&[String]>,
    dbward_schema: &str,
) -> Result<Inventory> {
    let schemas: Option<Vec<&str>> = schemas.map(|s| s.iter().map(String::as_str).collect());
    let rows = client
        .query_typed(
            "WITH ns AS (
               SELECT oid, nspname FROM pg_namespace
               WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND nspname <> $2
                 AND nspname NOT LIKE 'pg_temp%' AND nspname NOT LIKE 'pg_toast_temp%'
                 AND ($1::text[] IS NULL OR nspname = ANY($1))
             ),
             ext AS (SELECT objid FROM pg_depend WHERE deptype = 'e'),
             rel AS (
               SELECT c.oid, c.relname, c.relkind, c.relrowsecurity, c.relforcerowsecurity, n.nspname
               FROM pg_class c JOIN ns n ON n.oid = c.relnamespace
               WHERE c.oid NOT IN (SELECT objid FROM ext)
             )
             SELECT 'schema', nspname, '' FROM ns WHERE nspname <> 'public'
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
             SELECT 'policy', format('%I.%I %I', r.nspname, r.relname, p.polname),
                    format('%s %s to %s using %s with check %s',
                           CASE WHEN p.polpermissive THEN 'permissive' ELSE 'restrictive' END,
                           CASE p.polcmd WHEN 'r' THEN 'select' WHEN 'a' THEN 'insert' WHEN 'w' THEN 'update'
                                         WHEN 'd' THEN 'delete' ELSE 'all' END,
                           CASE WHEN p.polroles = '{0}' THEN 'public'
                                ELSE (SELECT string_agg(rolname, ', ' ORDER BY rolname) FROM pg_roles WHERE oid = ANY(p.polroles)) END,
                           coalesce(pg_get_expr(p.polqual, p.polrelid), '-'),
                           coalesce(pg_get_expr(p.polwithcheck, p.polrelid), '-'))
             FROM pg_policy p JOIN rel r ON r.oid = p.polrelid
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
             SELECT 'extension', e.extname, '' FROM pg_extension e WHERE e.extname <> 'plpgsql'
               AND ($1::text[] IS NULL OR e.extnamespace IN (SELECT oid FROM ns))",
            &[(&schemas, Type::TEXT_ARRAY), (&dbward_schema, Type::TEXT)],
        )
        .map_err(Error::db("reading the catalog inventory"))?;
    Ok(rows
        .iter()
        .map(|row| ((row.get(0), row.get(1)), row.get(2)))
        .collect())
}

/// How one object differs between two inventories.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    pub kind: String,
    pub name: String,
    /// The definition on the expected side (`None`: the object is not there).
    pub expected: Option<String>,
    /// The definition on the actual side.
    pub actual: Option<String>,
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.expected, &self.actual) {
            (None, Some(_)) => write!(f, "{} {} is there but should not be", self.kind, self.name),
            (Some(_), None) => write!(f, "{} {} is missing", self.kind, self.name),
            (Some(e), Some(a)) => write!(
                f,
                "{} {} differs: `{a}` (expected `{e}`)",
                self.kind, self.name
            ),
            (None, None) => Ok(()),
        }
    }
}

/// Everything that differs, in kind and name order.
pub fn compare(expected: &Inventory, actual: &Inventory) -> Vec<Difference> {
    let mut keys: Vec<&(String, String)> = expected.keys().chain(actual.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|key| {
            let (e, a) = (expected.get(key), actual.get(key));
            (e != a).then(|| Difference {
                kind: key.0.clone(),
                name: key.1.clone(),
                expected: e.cloned(),
                actual: a.cloned(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inventory(items: &[(&str, &str, &str)]) -> Inventory {
        items
            .iter()
            .map(|(k, n, d)| ((k.to_string(), n.to_string()), d.to_string()))
            .collect()
    }

    #[test]
    fn differences_name_what_is_extra_missing_or_changed() {
        let expected = inventory(&[
            ("table", "public.a", "rls on"),
            ("column", "public.a.x", "text"),
        ]);
        let actual = inventory(&[
            ("table", "public.a", "rls on"),
            ("column", "public.a.x", "character varying"),
            ("index", "public.a_x", "CREATE INDEX"),
        ]);
        let text: Vec<String> = compare(&expected, &actual)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            text,
            vec![
                "column public.a.x differs: `character varying` (expected `text`)",
                "index public.a_x is there but should not be",
            ]
        );
        assert!(compare(&expected, &expected).is_empty());
    }
}
