//! Table constraints and indexes.

use super::{Found, ReadScope, relation_kind, rows};
use crate::db::session::Sql;
use crate::error::Result;
use crate::schema_diff::model::{Body, ConstraintKind, Key, Kind};

pub(super) fn read(client: &mut impl Sql, scope: &ReadScope, found: &mut Found) -> Result<()> {
    constraints(client, scope, found)?;
    indexes(client, scope, found)
}

/// A table's own constraints: not those a partition inherits from its parent. The index
/// behind a primary key, unique or exclusion constraint stands for the constraint (a foreign
/// key's dependency on the key it references is recorded on that index).
fn constraints(client: &mut impl Sql, scope: &ReadScope, found: &mut Found) -> Result<()> {
    let body = "SELECT k.oid, k.conindid, k.contype::text AS contype,
                       format('%I.%I', n.nspname, c.relname) AS table_name, quote_ident(k.conname) AS constraint_name,
                       pg_get_constraintdef(k.oid) AS definition, k.convalidated
                FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN ns n ON n.oid = c.relnamespace
                WHERE c.relkind IN ('r', 'p') AND k.conislocal AND k.contype IN ('p', 'u', 'f', 'c', 'x')
                  AND c.oid NOT IN (SELECT objid FROM ext) AND k.oid NOT IN (SELECT objid FROM ext)";
    for row in rows(client, scope, body, &[], "constraints")? {
        let table: String = row.get("table_name");
        let name: String = row.get("constraint_name");
        let key = Key::new(Kind::Constraint, format!("{table} {name}"));
        let oid: u32 = row.get("oid");
        let contype: String = row.get("contype");
        found.locate("pg_constraint", oid, 0, &key);
        if matches!(contype.as_str(), "p" | "u" | "x") {
            found.locate("pg_class", row.get("conindid"), 0, &key);
        }
        found.commentable(
            "pg_constraint",
            oid,
            0,
            &key,
            format!("CONSTRAINT {name} ON {table}"),
        );
        let validated: bool = row.get("convalidated");
        let mut definition: String = row.get("definition");
        // Whether it was validated is `validated`'s to say, not the definition's.
        if !validated && let Some(bare) = definition.strip_suffix(" NOT VALID") {
            definition = bare.to_string();
        }
        let constraint = match contype.as_str() {
            "p" => ConstraintKind::PrimaryKey,
            "u" => ConstraintKind::Unique,
            "f" => ConstraintKind::ForeignKey,
            "c" => ConstraintKind::Check,
            "x" => ConstraintKind::Exclusion,
            _ => ConstraintKind::Other,
        };
        let owner = Key::new(Kind::Table, table.clone());
        found.insert(
            key,
            Some(owner),
            Body::Constraint {
                table,
                constraint,
                definition,
                validated,
            },
        );
    }
    Ok(())
}

/// Indexes of tables and materialized views that no constraint makes, and not a partition's
/// index attached to its parent's (the parent's index makes it).
fn indexes(client: &mut impl Sql, scope: &ReadScope, found: &mut Found) -> Result<()> {
    let body = "SELECT i.indexrelid AS oid, format('%I.%I', n.nspname, ic.relname) AS name,
                       quote_ident(ic.relname) AS index_name,
                       format('%I.%I', n.nspname, c.relname) AS table_name, c.relkind::text AS relkind,
                       pg_get_indexdef(i.indexrelid) AS create
                FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
                JOIN pg_class c ON c.oid = i.indrelid JOIN ns n ON n.oid = c.relnamespace
                WHERE c.relkind IN ('r', 'p', 'm')
                  AND c.oid NOT IN (SELECT objid FROM ext) AND i.indexrelid NOT IN (SELECT objid FROM ext)
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid
                                    AND k.conrelid = i.indrelid AND k.contype IN ('p', 'u', 'x'))
                  AND NOT EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = i.indexrelid)";
    for row in rows(client, scope, body, &[], "indexes")? {
        let name: String = row.get("name");
        let key = Key::new(Kind::Index, name.clone());
        let oid: u32 = row.get("oid");
        found.locate("pg_class", oid, 0, &key);
        found.commentable("pg_class", oid, 0, &key, format!("INDEX {name}"));
        let table: String = row.get("table_name");
        let relkind: String = row.get("relkind");
        let mut create: String = row.get("create");
        // A partitioned table's index is printed `ON ONLY`, which would leave out its
        // partitions; their indexes are not read: this one makes them.
        if relkind == "p" {
            let index: String = row.get("index_name");
            let only = format!(" INDEX {index} ON ONLY ");
            create = create.replacen(&only, &format!(" INDEX {index} ON "), 1);
        }
        let owner = Key::new(relation_kind(&relkind), table.clone());
        found.insert(key, Some(owner), Body::Index { table, create });
    }
    Ok(())
}
