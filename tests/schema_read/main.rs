//! Reading a live database's schema into the generator's model (`db::schema_read`), against a
//! real PostgreSQL: every kind of object, the dependencies the planner orders by, and the
//! scope (extensions' objects, dbward's own schema, Supabase's platform roles).

#[path = "../support/mod.rs"]
mod support;

mod default_privileges;
mod every_kind;
mod names;
mod scope;
mod seed_systems;

use std::collections::BTreeSet;

use dbward::db::schema_read::{ReadScope, read};
use dbward::db::session::Session;
use dbward::schema_diff::model::{Body, Key, Kind, Schema};
use support::TestDb;

pub fn read_schema(db: &TestDb, schemas: Option<&[String]>, supabase: bool) -> Schema {
    let config: tokio_postgres::Config = db.url().parse().unwrap();
    let mut session = Session::connect(&config, tokio_postgres::NoTls).unwrap();
    let scope = ReadScope {
        schemas,
        dbward_schema: "dbward",
        supabase,
    };
    read(&mut session, &scope).unwrap()
}

pub fn setup(db: &TestDb, sql: &str) {
    db.client().batch_execute(sql).unwrap();
}

/// `kind name` of every object, sorted as text.
pub fn keys(schema: &Schema) -> Vec<String> {
    let mut keys: Vec<String> = schema.objects.keys().map(ToString::to_string).collect();
    keys.sort();
    keys
}

pub fn key(kind: Kind, name: &str) -> Key {
    Key::new(kind, name)
}

pub fn body(schema: &Schema, kind: Kind, name: &str) -> Body {
    match schema.get(&key(kind, name)) {
        Some(object) => object.body.clone(),
        None => panic!("{kind:?} {name} was not read; read: {:#?}", keys(schema)),
    }
}

pub fn depends(schema: &Schema, kind: Kind, name: &str) -> BTreeSet<Key> {
    schema.get(&key(kind, name)).unwrap().depends_on.clone()
}

pub fn set(keys: &[(Kind, &str)]) -> BTreeSet<Key> {
    keys.iter().map(|(kind, name)| key(*kind, name)).collect()
}

pub fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(ToString::to_string).collect()
}
