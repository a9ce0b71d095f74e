//! Default privileges (`ALTER DEFAULT PRIVILEGES`): what the objects a role makes later are
//! granted, in a schema read or in every schema, and the role the session runs as, whose
//! default privileges the objects a migration makes get.

use std::collections::{BTreeMap, BTreeSet};

use tokio_postgres::types::Type;

use super::{Found, ReadScope, rows};
use crate::db::session::Sql;
use crate::error::{Error, Result};
use crate::schema_diff::model::{Body, DefaultObjects, Key, Kind};

pub(super) fn read(client: &mut impl Sql, scope: &ReadScope, found: &mut Found) -> Result<()> {
    let creator: String = client
        .query_typed_one("SELECT quote_ident(current_user)", &[])
        .map_err(Error::db("reading the session's role"))?
        .get(0);
    found.schema.creator = Some(creator);
    // The defining role's own entry in a global one is its ownership, not a grant.
    let body = "
         SELECT quote_ident(r.rolname) AS role, quote_ident(n.nspname) AS schema_name,
                d.defaclobjtype::text AS objtype,
                CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(g.rolname) END AS grantee,
                x.privilege_type, x.is_grantable
         FROM pg_default_acl d JOIN pg_roles r ON r.oid = d.defaclrole
         LEFT JOIN ns n ON n.oid = d.defaclnamespace
         CROSS JOIN LATERAL aclexplode(d.defaclacl) x
         LEFT JOIN pg_roles g ON g.oid = x.grantee
         WHERE (n.oid IS NOT NULL OR d.defaclnamespace = 0)
           AND x.grantee <> d.defaclrole
           -- A global entry holds PostgreSQL's own default too (EXECUTE or USAGE to PUBLIC):
           -- no grant of the project's. (A global REVOKE of it is not read.)
           AND NOT (d.defaclnamespace = 0 AND x.grantee = 0 AND (d.defaclobjtype, x.privilege_type)
                    IN (('f', 'EXECUTE'), ('T', 'USAGE')))
           AND (x.grantee = 0 OR NOT g.rolname = ANY($3))";
    let ignored = scope.ignored_grantees();
    let rows = rows(
        client,
        scope,
        body,
        &[(&ignored, Type::TEXT_ARRAY)],
        "default privileges",
    )?;
    type Entry = (String, Option<String>, String, String);
    let mut held: BTreeMap<Entry, (BTreeSet<String>, BTreeSet<String>)> = BTreeMap::new();
    for row in rows {
        let entry = (
            row.get("role"),
            row.get("schema_name"),
            row.get("objtype"),
            row.get("grantee"),
        );
        let privilege: String = row.get("privilege_type");
        let (privileges, grantable) = held.entry(entry).or_default();
        if row.get("is_grantable") {
            grantable.insert(privilege.clone());
        }
        privileges.insert(privilege);
    }
    for ((role, schema, objtype, grantee), (privileges, grantable)) in held {
        let Some(on) = objects(&objtype) else {
            continue;
        };
        let name = match &schema {
            Some(schema) => format!(
                "FOR ROLE {role} IN SCHEMA {schema} ON {} TO {grantee}",
                on.word()
            ),
            None => format!("FOR ROLE {role} ON {} TO {grantee}", on.word()),
        };
        let owner = schema
            .as_ref()
            .filter(|s| s.as_str() != "public")
            .map(|s| Key::new(Kind::Schema, s.clone()));
        found.insert(
            Key::new(Kind::DefaultPrivilege, name),
            owner,
            Body::DefaultPrivilege {
                role,
                schema,
                on,
                grantee,
                privileges,
                grantable,
            },
        );
    }
    Ok(())
}

/// `pg_default_acl.defaclobjtype` as the kind of objects.
fn objects(objtype: &str) -> Option<DefaultObjects> {
    Some(match objtype {
        "r" => DefaultObjects::Tables,
        "S" => DefaultObjects::Sequences,
        "f" => DefaultObjects::Functions,
        "T" => DefaultObjects::Types,
        "n" => DefaultObjects::Schemas,
        _ => return None,
    })
}
