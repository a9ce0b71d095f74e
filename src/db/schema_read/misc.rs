//! Publications and comments.

use std::collections::BTreeSet;

use super::{Address, Found, ReadScope, rows};
use crate::db::session::Sql;
use crate::error::Result;
use crate::schema_diff::model::{Body, Key, Kind, Object};

pub(super) fn read(client: &mut impl Sql, scope: &ReadScope, found: &mut Found) -> Result<()> {
    publications(client, scope, found)?;
    comments(client, scope, found)
}

/// Every publication, with the tables read it publishes. Supabase's own publications too:
/// whether they exist is the platform's business, but the tables in them are the project's,
/// and a publication is where the model keeps them.
fn publications(client: &mut impl Sql, scope: &ReadScope, found: &mut Found) -> Result<()> {
    let body = "SELECT p.oid, quote_ident(p.pubname) AS name, p.puballtables,
                       concat_ws(', ', CASE WHEN p.pubinsert THEN 'insert' END, CASE WHEN p.pubupdate THEN 'update' END,
                                       CASE WHEN p.pubdelete THEN 'delete' END,
                                       CASE WHEN p.pubtruncate THEN 'truncate' END) AS publish,
                       ARRAY(SELECT format('%I.%I', n.nspname, c.relname)
                             FROM pg_publication_rel pr JOIN pg_class c ON c.oid = pr.prrelid
                             JOIN ns n ON n.oid = c.relnamespace
                             WHERE pr.prpubid = p.oid AND c.oid NOT IN (SELECT objid FROM ext)) AS tables
                FROM pg_publication p";
    for row in rows(client, scope, body, &[], "publications")? {
        let name: String = row.get("name");
        let key = Key::new(Kind::Publication, name.clone());
        found.locate("pg_publication", row.get("oid"), 0, &key);
        found.commentable(
            "pg_publication",
            row.get("oid"),
            0,
            &key,
            format!("PUBLICATION {name}"),
        );
        let tables: BTreeSet<String> = row.get::<_, Vec<String>>("tables").into_iter().collect();
        let depends_on = tables
            .iter()
            .map(|table| Key::new(Kind::Table, table.clone()))
            .collect();
        found.schema.insert(Object {
            key,
            owner: None,
            body: Body::Publication {
                all_tables: row.get("puballtables"),
                tables,
                publish: row.get("publish"),
            },
            depends_on,
        });
    }
    Ok(())
}

/// Comments on the objects read (and on a domain's checks, a composite type's attributes).
fn comments(client: &mut impl Sql, scope: &ReadScope, found: &mut Found) -> Result<()> {
    // Objects made by initdb have oids below 16384 (FirstNormalObjectId): none is read.
    let body = "SELECT d.classoid::regclass::text AS catalog, d.objoid, d.objsubid, d.description
                FROM pg_description d WHERE d.objoid >= 16384";
    for row in rows(client, scope, body, &[], "comments")? {
        let catalog: String = row.get("catalog");
        let address = Address::new(&catalog, row.get("objoid"), row.get("objsubid"));
        let Some((target, on)) = found.commentable.get(&address).cloned() else {
            continue;
        };
        found.insert(
            Key::new(Kind::Comment, on.clone()),
            Some(target),
            Body::Comment {
                on,
                text: row.get("description"),
            },
        );
    }
    Ok(())
}
