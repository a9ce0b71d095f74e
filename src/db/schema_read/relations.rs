//! Tables, their columns, sequences, views and materialized views.

use super::{Found, ReadScope, rows};
use crate::db::session::Sql;
use crate::error::Result;
use crate::schema_diff::model::{Body, Identity, Key, Kind};

pub(super) fn read(client: &mut impl Sql, scope: &ReadScope, found: &mut Found) -> Result<()> {
    tables(client, scope, found)?;
    columns(client, scope, found)?;
    sequences(client, scope, found)?;
    views(client, scope, found)
}

fn tables(client: &mut impl Sql, scope: &ReadScope, found: &mut Found) -> Result<()> {
    let body = "SELECT c.oid, c.reltype, coalesce(t.typarray, 0::oid) AS typarray,
                       format('%I.%I', n.nspname, c.relname) AS name,
                       CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partition_by,
                       CASE WHEN c.relispartition THEN
                         (SELECT format('%I.%I', pn.nspname, pc.relname) FROM pg_inherits h
                          JOIN pg_class pc ON pc.oid = h.inhparent JOIN pg_namespace pn ON pn.oid = pc.relnamespace
                          WHERE h.inhrelid = c.oid) END AS parent,
                       CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END AS bound,
                       c.relpersistence = 'u' AS unlogged, c.relrowsecurity, c.relforcerowsecurity
                FROM pg_class c JOIN ns n ON n.oid = c.relnamespace
                LEFT JOIN pg_type t ON t.oid = c.reltype
                WHERE c.relkind IN ('r', 'p') AND c.oid NOT IN (SELECT objid FROM ext)";
    for row in rows(client, scope, body, &[], "tables")? {
        let name: String = row.get("name");
        let key = Key::new(Kind::Table, name.clone());
        let oid: u32 = row.get("oid");
        found.locate("pg_class", oid, 0, &key);
        // The table's row type, and arrays of it, stand for the table.
        found.locate("pg_type", row.get("reltype"), 0, &key);
        found.locate("pg_type", row.get("typarray"), 0, &key);
        found.commentable("pg_class", oid, 0, &key, format!("TABLE {name}"));
        let parent: Option<String> = row.get("parent");
        let bound: Option<String> = row.get("bound");
        found.insert(
            key,
            None,
            Body::Table {
                partition_by: row.get("partition_by"),
                partition_of: parent.zip(bound),
                unlogged: row.get("unlogged"),
                row_security: row.get("relrowsecurity"),
                force_row_security: row.get("relforcerowsecurity"),
            },
        );
    }
    Ok(())
}

/// The columns a table declares itself: not those it inherits, and none of a partition's
/// (a partition has its parent's columns, even one attached after it was made).
fn columns(client: &mut impl Sql, scope: &ReadScope, found: &mut Found) -> Result<()> {
    let body = "SELECT c.oid, a.attnum, d.oid AS attrdef,
                       format('%I.%I', n.nspname, c.relname) AS table_name, quote_ident(a.attname) AS column_name,
                       format_type(a.atttypid, a.atttypmod) AS data_type,
                       (SELECT format('%I.%I', cn.nspname, co.collname)
                        FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace
                        WHERE co.oid = a.attcollation AND a.attcollation <> ty.typcollation) AS collation,
                       a.attnotnull,
                       CASE WHEN a.attidentity = '' AND a.attgenerated = '' THEN pg_get_expr(d.adbin, d.adrelid) END AS default_expr,
                       a.attidentity::text AS identity,
                       CASE WHEN a.attidentity <> '' THEN (
                         SELECT format('%I.%I', sn.nspname, s.relname)
                         FROM pg_depend dep JOIN pg_class s ON s.oid = dep.objid
                         JOIN pg_namespace sn ON sn.oid = s.relnamespace
                         WHERE dep.classid = 'pg_class'::regclass AND dep.refobjid = c.oid
                           AND dep.refobjsubid = a.attnum AND dep.deptype = 'i' AND s.relkind = 'S'
                           AND format('%I.%I', sn.nspname, s.relname)
                               <> format('%I.%I', n.nspname, c.relname || '_' || a.attname || '_seq'))
                       END AS identity_sequence,
                       CASE WHEN a.attgenerated = 's' THEN pg_get_expr(d.adbin, d.adrelid) END AS generated
                FROM pg_class c JOIN ns n ON n.oid = c.relnamespace
                JOIN pg_attribute a ON a.attrelid = c.oid
                JOIN pg_type ty ON ty.oid = a.atttypid
                LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.oid NOT IN (SELECT objid FROM ext)
                  AND a.attnum > 0 AND NOT a.attisdropped AND a.attislocal";
    for row in rows(client, scope, body, &[], "columns")? {
        let table: String = row.get("table_name");
        let column: String = row.get("column_name");
        let key = Key::new(Kind::Column, format!("{table}.{column}"));
        let oid: u32 = row.get("oid");
        let attnum: i16 = row.get("attnum");
        found.locate("pg_class", oid, attnum.into(), &key);
        let attrdef: Option<u32> = row.get("attrdef");
        if let Some(attrdef) = attrdef {
            found.locate("pg_attrdef", attrdef, 0, &key);
        }
        found.commentable(
            "pg_class",
            oid,
            attnum.into(),
            &key,
            format!("COLUMN {}", key.name),
        );
        let identity = match row.get::<_, String>("identity").as_str() {
            "a" => Some(Identity::Always),
            "d" => Some(Identity::ByDefault),
            _ => None,
        };
        let owner = Key::new(Kind::Table, table.clone());
        found.insert(
            key,
            Some(owner),
            Body::Column {
                table,
                column,
                data_type: row.get("data_type"),
                collation: row.get("collation"),
                not_null: row.get("attnotnull"),
                default: row.get("default_expr"),
                identity,
                identity_sequence: row.get("identity_sequence"),
                generated: row.get("generated"),
                position: attnum,
            },
        );
    }
    Ok(())
}

/// Sequences but those of identity columns (the column makes its own). `owned_by`: the
/// column a serial made it for, or one `ALTER SEQUENCE ... OWNED BY` named.
fn sequences(client: &mut impl Sql, scope: &ReadScope, found: &mut Found) -> Result<()> {
    let body = "SELECT c.oid, format('%I.%I', n.nspname, c.relname) AS name,
                       format('CREATE SEQUENCE %I.%I AS %s INCREMENT BY %s MINVALUE %s MAXVALUE %s START WITH %s CACHE %s%s',
                              n.nspname, c.relname, format_type(s.seqtypid, NULL), s.seqincrement, s.seqmin,
                              s.seqmax, s.seqstart, s.seqcache, CASE WHEN s.seqcycle THEN ' CYCLE' ELSE '' END) AS create,
                       (SELECT format('%I.%I.%I', tn.nspname, t.relname, a.attname)
                        FROM pg_depend d JOIN pg_class t ON t.oid = d.refobjid
                        JOIN pg_namespace tn ON tn.oid = t.relnamespace
                        JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
                        WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'a'
                          AND d.refclassid = 'pg_class'::regclass AND d.refobjsubid > 0) AS owned_by
                FROM pg_class c JOIN ns n ON n.oid = c.relnamespace JOIN pg_sequence s ON s.seqrelid = c.oid
                WHERE c.relkind = 'S' AND c.oid NOT IN (SELECT objid FROM ext)
                  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                                  WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'i'
                                    AND d.refclassid = 'pg_class'::regclass)";
    for row in rows(client, scope, body, &[], "sequences")? {
        let name: String = row.get("name");
        let key = Key::new(Kind::Sequence, name.clone());
        found.locate("pg_class", row.get("oid"), 0, &key);
        found.commentable(
            "pg_class",
            row.get("oid"),
            0,
            &key,
            format!("SEQUENCE {name}"),
        );
        found.insert(
            key,
            None,
            Body::Sequence {
                create: row.get("create"),
                owned_by: row.get("owned_by"),
            },
        );
    }
    Ok(())
}

/// Views (with their `WITH (...)` options) and materialized views. Their dependencies are
/// recorded on their rewrite rule: the rule stands for the view.
fn views(client: &mut impl Sql, scope: &ReadScope, found: &mut Found) -> Result<()> {
    let body = "SELECT c.oid, c.reltype, coalesce(t.typarray, 0::oid) AS typarray,
                       coalesce(r.oid, 0::oid) AS rule, c.relkind = 'm' AS materialized,
                       format('%I.%I', n.nspname, c.relname) AS name,
                       pg_get_viewdef(c.oid) AS query, coalesce(c.reloptions, '{}') AS options,
                       ARRAY(SELECT a.attnum FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0
                             AND NOT a.attisdropped ORDER BY a.attnum) AS attnums,
                       ARRAY(SELECT quote_ident(a.attname) FROM pg_attribute a WHERE a.attrelid = c.oid
                             AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum) AS attnames
                FROM pg_class c JOIN ns n ON n.oid = c.relnamespace
                LEFT JOIN pg_type t ON t.oid = c.reltype
                LEFT JOIN pg_rewrite r ON r.ev_class = c.oid AND r.rulename = '_RETURN'
                WHERE c.relkind IN ('v', 'm') AND c.oid NOT IN (SELECT objid FROM ext)";
    for row in rows(client, scope, body, &[], "views")? {
        let name: String = row.get("name");
        let materialized: bool = row.get("materialized");
        let (kind, word) = if materialized {
            (Kind::MaterializedView, "MATERIALIZED VIEW")
        } else {
            (Kind::View, "VIEW")
        };
        let key = Key::new(kind, name.clone());
        let oid: u32 = row.get("oid");
        found.locate("pg_class", oid, 0, &key);
        found.locate("pg_rewrite", row.get("rule"), 0, &key);
        found.locate("pg_type", row.get("reltype"), 0, &key);
        found.locate("pg_type", row.get("typarray"), 0, &key);
        found.commentable("pg_class", oid, 0, &key, format!("{word} {name}"));
        // A view's columns are the view's (its query makes them), but may have comments.
        let attnums: Vec<i16> = row.get("attnums");
        let attnames: Vec<String> = row.get("attnames");
        for (attnum, attname) in attnums.into_iter().zip(attnames) {
            let on = format!("COLUMN {name}.{attname}");
            found.commentable("pg_class", oid, attnum.into(), &key, on);
        }
        let query: String = row.get("query");
        let body = if materialized {
            Body::MaterializedView { query }
        } else {
            Body::View {
                query,
                options: row.get("options"),
            }
        };
        found.insert(key, None, body);
    }
    Ok(())
}
