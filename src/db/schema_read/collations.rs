//! Collations made in the schemas read, each as the `CREATE COLLATION` that makes it again.

use super::{Found, ReadScope, rows};
use crate::db::session::Sql;
use crate::error::Result;
use crate::schema_diff::model::{Body, Key, Kind};

pub(super) fn read(client: &mut impl Sql, scope: &ReadScope, found: &mut Found) -> Result<()> {
    // The ICU locale's column is named `colliculocale` in PostgreSQL 15 and `colllocale`
    // from 17 on: read through jsonb, whichever the server has.
    let body = "SELECT co.oid, format('%I.%I', n.nspname, co.collname) AS name,
                       CASE WHEN co.collprovider = 'i' THEN
                              format('CREATE COLLATION %I.%I (provider = icu, locale = %L, deterministic = %s);',
                                     n.nspname, co.collname,
                                     coalesce(to_jsonb(co) ->> 'colllocale', to_jsonb(co) ->> 'colliculocale'),
                                     CASE WHEN co.collisdeterministic THEN 'true' ELSE 'false' END)
                            WHEN co.collcollate = co.collctype THEN
                              format('CREATE COLLATION %I.%I (provider = libc, locale = %L, deterministic = %s);',
                                     n.nspname, co.collname, co.collcollate, CASE WHEN co.collisdeterministic THEN 'true' ELSE 'false' END)
                            ELSE
                              format('CREATE COLLATION %I.%I (provider = libc, lc_collate = %L, lc_ctype = %L, deterministic = %s);',
                                     n.nspname, co.collname, co.collcollate, co.collctype, CASE WHEN co.collisdeterministic THEN 'true' ELSE 'false' END)
                       END AS create_sql
                FROM pg_collation co JOIN ns n ON n.oid = co.collnamespace
                WHERE co.oid NOT IN (SELECT objid FROM ext)";
    for row in rows(client, scope, body, &[], "collations")? {
        let key = Key::new(Kind::Collation, row.get::<_, String>("name"));
        let oid: u32 = row.get("oid");
        found.locate("pg_collation", oid, 0, &key);
        found.commentable(
            "pg_collation",
            oid,
            0,
            &key,
            format!("COLLATION {}", key.name),
        );
        found.insert(
            key,
            None,
            Body::Collation {
                create: row.get("create_sql"),
            },
        );
    }
    Ok(())
}
