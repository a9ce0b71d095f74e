//! A live database's schema as the migration generator sees it (`schema_diff::model`): every
//! object with its definition, the object it belongs to, and what it references.
//!
//! Scoped like the catalog inventory of `ci` and `diff` (`db::inventory`): the schemas given
//! (every one but the system's when none are), never dbward's own, and nothing that belongs
//! to an extension (the extension stands for it). Each group of kinds is read by its own
//! file; the objects read are noted by their catalog address, so that `depends` can turn
//! `pg_depend` into keys and `misc` can find what a comment is on.

mod collations;
mod constraints;
mod default_privileges;
mod depends;
mod misc;
mod relations;
mod routines;
mod security;
mod types;

use std::collections::{BTreeSet, HashMap};

use tokio_postgres::Row;
use tokio_postgres::types::Type;

use crate::db::inventory::{NAMESPACES, PLATFORM_ROLES};
use crate::db::session::{Param, Sql};
use crate::error::{Error, Result};
use crate::schema_diff::model::{Body, Key, Kind, Object, Schema};

/// What a read covers.
#[derive(Debug, Clone, Copy)]
pub struct ReadScope<'a> {
    /// The schemas read; every one but the system's when `None`.
    pub schemas: Option<&'a [String]>,
    /// dbward's own schema: never read.
    pub dbward_schema: &'a str,
    /// A Supabase project: grants to the platform's roles are the platform's, left out.
    pub supabase: bool,
}

impl ReadScope<'_> {
    /// Roles whose grants are not read.
    fn ignored_grantees(&self) -> Vec<&'static str> {
        if self.supabase {
            PLATFORM_ROLES.to_vec()
        } else {
            Vec::new()
        }
    }
}

/// The schema of the database `client` is connected to.
///
/// Read with an empty `search_path`, so that every name PostgreSQL prints is qualified
/// (`public.mood`, `nextval('public.users_id_seq'::regclass)`) and means the same whatever
/// path the generated SQL runs with; the session's own path is put back afterwards.
pub fn read(client: &mut impl Sql, scope: &ReadScope) -> Result<Schema> {
    let saved: String = client
        .query_typed_one("SELECT current_setting('search_path')", &[])
        .map_err(Error::db("reading the search_path"))?
        .get(0);
    client
        .query_typed("SELECT set_config('search_path', '', false)", &[])
        .map_err(Error::db("clearing the search_path"))?;
    let schema = read_qualified(client, scope);
    let restored = client
        .query_typed(
            "SELECT set_config('search_path', $1, false)",
            &[(&saved, Type::TEXT)],
        )
        .map_err(Error::db("restoring the search_path"));
    let schema = schema?;
    restored?;
    Ok(schema)
}

fn read_qualified(client: &mut impl Sql, scope: &ReadScope) -> Result<Schema> {
    let mut found = Found::default();
    types::read(client, scope, &mut found)?;
    collations::read(client, scope, &mut found)?;
    relations::read(client, scope, &mut found)?;
    constraints::read(client, scope, &mut found)?;
    routines::read(client, scope, &mut found)?;
    security::read(client, scope, &mut found)?;
    misc::read(client, scope, &mut found)?;
    default_privileges::read(client, scope, &mut found)?;
    depends::read(client, &mut found)?;
    Ok(found.schema)
}

/// Objects that belong to an extension, as a CTE named `ext`.
const EXTENSION_MEMBERS: &str = "ext AS (SELECT objid FROM pg_depend WHERE deptype = 'e')";

/// Runs `body` after the `ns` and `ext` CTEs, with the scope's schemas as `$1`, dbward's
/// schema as `$2` and `extra` from `$3` on.
fn rows(
    client: &mut impl Sql,
    scope: &ReadScope,
    body: &str,
    extra: &[Param<'_>],
    what: &str,
) -> Result<Vec<Row>> {
    let sql = ["WITH ", NAMESPACES, ",\n", EXTENSION_MEMBERS, "\n", body].concat();
    let schemas: Option<Vec<&str>> = scope
        .schemas
        .map(|s| s.iter().map(String::as_str).collect());
    let mut params: Vec<Param<'_>> = vec![
        (&schemas, Type::TEXT_ARRAY),
        (&scope.dbward_schema, Type::TEXT),
    ];
    params.extend_from_slice(extra);
    client
        .query_typed(&sql, &params)
        .map_err(Error::db(format!("reading the {what} of the schema")))
}

/// Where a catalog row is: its catalog (`pg_class`), its oid and, for a column, its number.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Address {
    catalog: String,
    oid: u32,
    sub: i32,
}

impl Address {
    fn new(catalog: &str, oid: u32, sub: i32) -> Address {
        Address {
            catalog: catalog.to_string(),
            oid,
            sub,
        }
    }
}

/// The objects read so far, and where in the catalog they are.
#[derive(Debug, Default)]
struct Found {
    schema: Schema,
    /// What `pg_depend` may point at, and the object read that stands for it (a view for its
    /// rewrite rule, a constraint for the index behind it, a type for its array type).
    addresses: HashMap<Address, Key>,
    /// What a `pg_description` row may be on, exactly: the object and how COMMENT ON names it.
    commentable: HashMap<Address, (Key, String)>,
}

impl Found {
    fn insert(&mut self, key: Key, owner: Option<Key>, body: Body) {
        self.schema.insert(Object {
            key,
            owner,
            body,
            depends_on: BTreeSet::new(),
        });
    }

    /// `key` stands for what is at `catalog`/`oid`/`sub`.
    fn locate(&mut self, catalog: &str, oid: u32, sub: i32, key: &Key) {
        if oid != 0 {
            self.addresses
                .insert(Address::new(catalog, oid, sub), key.clone());
        }
    }

    /// A comment on `catalog`/`oid`/`sub` is on `key`, which COMMENT ON names `on`.
    fn commentable(&mut self, catalog: &str, oid: u32, sub: i32, key: &Key, on: String) {
        self.commentable
            .insert(Address::new(catalog, oid, sub), (key.clone(), on));
    }

    /// The object read that stands for `address`: the exact one, else the whole relation
    /// (a view's column stands for the view).
    fn at(&self, address: &Address) -> Option<&Key> {
        self.addresses.get(address).or_else(|| {
            (address.sub != 0)
                .then(|| {
                    self.addresses
                        .get(&Address::new(&address.catalog, address.oid, 0))
                })
                .flatten()
        })
    }
}

/// The key kind of a relation by its `relkind`.
fn relation_kind(relkind: &str) -> Kind {
    match relkind {
        "v" => Kind::View,
        "m" => Kind::MaterializedView,
        "S" => Kind::Sequence,
        "i" | "I" => Kind::Index,
        _ => Kind::Table,
    }
}
