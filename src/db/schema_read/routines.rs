//! Functions, procedures and triggers. Aggregates and window functions are not read: the
//! model has no way to make them.

use super::{Found, ReadScope, relation_kind, rows};
use crate::db::session::Sql;
use crate::error::Result;
use crate::schema_diff::model::{Body, Key, Kind};

pub(super) fn read(client: &mut impl Sql, scope: &ReadScope, found: &mut Found) -> Result<()> {
    functions(client, scope, found)?;
    triggers(client, scope, found)
}

fn functions(client: &mut impl Sql, scope: &ReadScope, found: &mut Found) -> Result<()> {
    let body = "SELECT p.oid, p.prokind = 'p' AS procedure,
                       format('%I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)) AS name,
                       pg_get_functiondef(p.oid) AS create,
                       CASE WHEN p.prokind = 'f' THEN pg_get_function_result(p.oid) END AS returns
                FROM pg_proc p JOIN ns n ON n.oid = p.pronamespace
                WHERE p.prokind IN ('f', 'p') AND p.oid NOT IN (SELECT objid FROM ext)";
    for row in rows(client, scope, body, &[], "functions")? {
        let name: String = row.get("name");
        let key = Key::new(Kind::Function, name.clone());
        let procedure: bool = row.get("procedure");
        let word = if procedure { "PROCEDURE" } else { "FUNCTION" };
        found.locate("pg_proc", row.get("oid"), 0, &key);
        found.commentable("pg_proc", row.get("oid"), 0, &key, format!("{word} {name}"));
        found.insert(
            key,
            None,
            Body::Function {
                create: row.get("create"),
                returns: row.get("returns"),
                procedure,
            },
        );
    }
    Ok(())
}

/// Triggers the user made (not a foreign key's, not a partition's copy of its parent's), on
/// the tables read and, wherever their table is (`auth.users`), those that run a function
/// read: their table is then their owner though it is not read.
fn triggers(client: &mut impl Sql, scope: &ReadScope, found: &mut Found) -> Result<()> {
    let body = "SELECT t.oid, format('%I.%I', cn.nspname, c.relname) AS table_name, c.relkind::text AS relkind,
                       quote_ident(t.tgname) AS trigger_name, pg_get_triggerdef(t.oid) AS create
                FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
                JOIN pg_namespace cn ON cn.oid = c.relnamespace JOIN pg_proc f ON f.oid = t.tgfoid
                WHERE NOT t.tgisinternal AND t.tgparentid = 0 AND cn.nspname <> $2
                  AND t.oid NOT IN (SELECT objid FROM ext) AND c.oid NOT IN (SELECT objid FROM ext)
                  AND (c.relnamespace IN (SELECT oid FROM ns) OR f.pronamespace IN (SELECT oid FROM ns))";
    for row in rows(client, scope, body, &[], "triggers")? {
        let table: String = row.get("table_name");
        let trigger: String = row.get("trigger_name");
        let key = Key::new(Kind::Trigger, format!("{table} {trigger}"));
        found.locate("pg_trigger", row.get("oid"), 0, &key);
        let on = format!("TRIGGER {trigger} ON {table}");
        found.commentable("pg_trigger", row.get("oid"), 0, &key, on);
        let relkind: String = row.get("relkind");
        let owner = Key::new(relation_kind(&relkind), table.clone());
        found.insert(
            key,
            Some(owner),
            Body::Trigger {
                table,
                create: row.get("create"),
            },
        );
    }
    Ok(())
}
