//! Schemas, extensions, and the user's types: enums, domains and composite types (not the
//! array and row types PostgreSQL makes for every type and table, nor range or base types).

use super::{Found, ReadScope, rows};
use crate::db::session::Sql;
use crate::error::Result;
use crate::schema_diff::model::{Body, Key, Kind};

pub(super) fn read(client: &mut impl Sql, scope: &ReadScope, found: &mut Found) -> Result<()> {
    schemas(client, scope, found)?;
    extensions(client, scope, found)?;
    extension_members(client, scope, found)?;
    user_types(client, scope, found)
}

/// `public` is every database's: not an object a migration makes.
fn schemas(client: &mut impl Sql, scope: &ReadScope, found: &mut Found) -> Result<()> {
    let body = "SELECT n.oid, quote_ident(n.nspname) AS name FROM ns n
                WHERE n.nspname <> 'public' AND n.oid NOT IN (SELECT objid FROM ext)";
    for row in rows(client, scope, body, &[], "schemas")? {
        let name: String = row.get("name");
        let key = Key::new(Kind::Schema, name.clone());
        found.locate("pg_namespace", row.get("oid"), 0, &key);
        found.commentable(
            "pg_namespace",
            row.get("oid"),
            0,
            &key,
            format!("SCHEMA {name}"),
        );
        found.insert(key, None, Body::Schema);
    }
    Ok(())
}

/// plpgsql comes with every database. With schemas given, the extensions made in them.
fn extensions(client: &mut impl Sql, scope: &ReadScope, found: &mut Found) -> Result<()> {
    let body = "SELECT e.oid, quote_ident(e.extname) AS name, quote_ident(n.nspname) AS schema
                FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
                WHERE e.extname <> 'plpgsql'
                  AND ($1::text[] IS NULL OR e.extnamespace IN (SELECT oid FROM ns))";
    for row in rows(client, scope, body, &[], "extensions")? {
        let name: String = row.get("name");
        let key = Key::new(Kind::Extension, name.clone());
        found.locate("pg_extension", row.get("oid"), 0, &key);
        found.commentable(
            "pg_extension",
            row.get("oid"),
            0,
            &key,
            format!("EXTENSION {name}"),
        );
        found.insert(
            key,
            None,
            Body::Extension {
                schema: row.get("schema"),
            },
        );
    }
    Ok(())
}

/// What an extension made stands, in dependencies, for the extension (a column of type
/// `citext`, an index with a `gin_trgm_ops` operator class).
fn extension_members(client: &mut impl Sql, scope: &ReadScope, found: &mut Found) -> Result<()> {
    // An array type is its element type's, not a member of its own.
    let body = "SELECT d.classid::regclass::text AS catalog, d.objid, d.refobjid,
                       coalesce((SELECT t.typarray FROM pg_type t
                                 WHERE t.oid = d.objid AND d.classid = 'pg_type'::regclass), 0::oid) AS typarray
                FROM pg_depend d WHERE d.deptype = 'e' AND d.refclassid = 'pg_extension'::regclass";
    for row in rows(client, scope, body, &[], "extensions' objects")? {
        let extension = super::Address::new("pg_extension", row.get("refobjid"), 0);
        if let Some(key) = found.addresses.get(&extension).cloned() {
            let catalog: String = row.get("catalog");
            found.locate(&catalog, row.get("objid"), 0, &key);
            found.locate("pg_type", row.get("typarray"), 0, &key);
        }
    }
    Ok(())
}

/// A collation `{col}` other than the type's default `{default}`, as ` COLLATE schema.name`
/// (or nothing).
const COLLATE_CLAUSE: &str =
    "coalesce((SELECT ' COLLATE ' || format('%I.%I', cn.nspname, co.collname)
                       FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace
                       WHERE co.oid = {col} AND {col} <> {default}), '')";

fn user_types(client: &mut impl Sql, scope: &ReadScope, found: &mut Found) -> Result<()> {
    let domain_collation = COLLATE_CLAUSE
        .replace("{col}", "t.typcollation")
        .replace("{default}", "bt.typcollation");
    let attribute_collation = COLLATE_CLAUSE
        .replace("{col}", "a.attcollation")
        .replace("{default}", "at.typcollation");
    let body = format!(
        "SELECT t.oid, t.typarray, t.typrelid, t.typtype::text AS typtype,
                format('%I.%I', n.nspname, t.typname) AS name,
                ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid
                      ORDER BY e.enumsortorder) AS labels,
                CASE WHEN t.typtype = 'd' THEN
                  format('CREATE DOMAIN %I.%I AS %s', n.nspname, t.typname, format_type(t.typbasetype, t.typtypmod))
                  || {domain_collation}
                  || coalesce(' DEFAULT ' || t.typdefault, '')
                  || CASE WHEN t.typnotnull THEN ' NOT NULL' ELSE '' END
                  || coalesce((SELECT string_agg(format(' CONSTRAINT %I %s', k.conname, pg_get_constraintdef(k.oid)),
                                                 '' ORDER BY k.conname)
                               FROM pg_constraint k WHERE k.contypid = t.oid), '')
                END AS domain,
                CASE WHEN t.typtype = 'c' THEN
                  format('CREATE TYPE %I.%I AS (%s)', n.nspname, t.typname,
                         (SELECT string_agg(format('%I %s', a.attname, format_type(a.atttypid, a.atttypmod))
                                            || {attribute_collation}, ', ' ORDER BY a.attnum)
                          FROM pg_attribute a JOIN pg_type at ON at.oid = a.atttypid
                          WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped))
                END AS composite,
                ARRAY(SELECT k.oid FROM pg_constraint k WHERE k.contypid = t.oid ORDER BY k.conname) AS check_oids,
                ARRAY(SELECT quote_ident(k.conname) FROM pg_constraint k WHERE k.contypid = t.oid
                      ORDER BY k.conname) AS check_names,
                ARRAY(SELECT a.attnum FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0
                        AND NOT a.attisdropped ORDER BY a.attnum) AS attnums,
                ARRAY(SELECT quote_ident(a.attname) FROM pg_attribute a WHERE a.attrelid = t.typrelid
                        AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum) AS attnames
         FROM pg_type t JOIN ns n ON n.oid = t.typnamespace
         LEFT JOIN pg_type bt ON bt.oid = t.typbasetype
         WHERE (t.typtype IN ('e', 'd')
                OR (t.typtype = 'c' AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c'))
           AND t.oid NOT IN (SELECT objid FROM ext)"
    );
    for row in rows(client, scope, &body, &[], "types")? {
        let name: String = row.get("name");
        let key = Key::new(Kind::Type, name.clone());
        let oid: u32 = row.get("oid");
        found.locate("pg_type", oid, 0, &key);
        found.locate("pg_type", row.get("typarray"), 0, &key);
        let typtype: String = row.get("typtype");
        let word = if typtype == "d" { "DOMAIN" } else { "TYPE" };
        found.commentable("pg_type", oid, 0, &key, format!("{word} {name}"));
        // A domain's checks and a composite's attributes are the type's.
        let check_oids: Vec<u32> = row.get("check_oids");
        let check_names: Vec<String> = row.get("check_names");
        for (check, check_name) in check_oids.into_iter().zip(check_names) {
            found.locate("pg_constraint", check, 0, &key);
            let on = format!("CONSTRAINT {check_name} ON DOMAIN {name}");
            found.commentable("pg_constraint", check, 0, &key, on);
        }
        let relation: u32 = row.get("typrelid");
        found.locate("pg_class", relation, 0, &key);
        let attnums: Vec<i16> = row.get("attnums");
        let attnames: Vec<String> = row.get("attnames");
        for (attnum, attname) in attnums.into_iter().zip(attnames) {
            let on = format!("COLUMN {name}.{attname}");
            found.commentable("pg_class", relation, attnum.into(), &key, on);
        }
        let body = match typtype.as_str() {
            "e" => Body::Enum {
                labels: row.get("labels"),
            },
            "d" => Body::Domain {
                create: row.get("domain"),
            },
            _ => Body::Composite {
                create: row.get("composite"),
            },
        };
        found.insert(key, None, body);
    }
    Ok(())
}
