//! The seed systems' schemas, migrated up: read without error, the same twice, in an order
//! that exists (owners and dependencies make no cycle), and object for object what the
//! catalog inventory of `ci` and `diff` sees of them.

use std::collections::{BTreeMap, BTreeSet};

use dbward::db::inventory::{self, Scope};
use dbward::db::session::Session;
use dbward::schema_diff::model::{Key, Kind, Schema};

use super::support::{Project, SEED_SYSTEMS, TestDb, assert_code};

#[test]
fn each_seed_systems_schema_is_read_whole_and_ordered() {
    for dir in SEED_SYSTEMS {
        let db = TestDb::new();
        let runner = Project::new();
        assert_code(&runner.dbward_in(&db, dir, &["up"]), 0);
        let toml = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join(dir)
                .join("dbward.toml"),
        )
        .unwrap();
        let supabase = toml.contains("compat = \"supabase\"");
        let schemas = ["public".to_string()];
        let schema = super::read_schema(&db, Some(&schemas), supabase);
        assert_eq!(
            super::read_schema(&db, Some(&schemas), supabase),
            schema,
            "{dir}: two reads differ"
        );
        assert!(schema.objects.len() > 50, "{dir}: little was read");
        // Every schema too: Supabase's (made by the shim) have their own cross references.
        for read in [&schema, &super::read_schema(&db, None, supabase)] {
            if let Some(cycle) = cycle(read) {
                panic!("{dir}: a cycle of owners and dependencies: {cycle:?}");
            }
        }

        let config: tokio_postgres::Config = db.url().parse().unwrap();
        let mut session = Session::connect(&config, tokio_postgres::NoTls).unwrap();
        let catalog =
            inventory::load(&mut session, &Scope::drift(&schemas, "dbward", supabase)).unwrap();
        let listed = |kinds: &[&str]| -> BTreeSet<String> {
            catalog
                .objects
                .keys()
                .filter(|(kind, _)| kinds.contains(&kind.as_str()))
                .map(|(_, name)| name.clone())
                .collect()
        };
        let read = |kind: Kind| -> BTreeSet<String> {
            schema
                .objects
                .keys()
                .filter(|key| key.kind == kind)
                .map(|key| key.name.clone())
                .collect()
        };
        // The same objects, where both read all of a kind.
        assert_eq!(read(Kind::Table), listed(&["table"]), "{dir}: tables");
        assert_eq!(read(Kind::View), listed(&["view"]), "{dir}: views");
        assert_eq!(
            read(Kind::MaterializedView),
            listed(&["materialized view"]),
            "{dir}: materialized views"
        );
        assert_eq!(
            read(Kind::Function),
            listed(&["function", "procedure"]),
            "{dir}: functions"
        );
        assert_eq!(read(Kind::Policy), listed(&["policy"]), "{dir}: policies");
        // The inventory also lists identity columns' sequences, and the indexes behind
        // constraints or attached to a parent's.
        assert!(
            read(Kind::Sequence).is_subset(&listed(&["sequence"])),
            "{dir}"
        );
        assert!(read(Kind::Index).is_subset(&listed(&["index"])), "{dir}");
        // Every column of the tables read, but a partition's (its parent's).
        let partitions: BTreeSet<&String> = schema
            .objects
            .values()
            .filter(|o| {
                matches!(
                    &o.body,
                    dbward::schema_diff::model::Body::Table {
                        partition_of: Some(_),
                        ..
                    }
                )
            })
            .map(|o| &o.key.name)
            .collect();
        let table_columns: BTreeSet<String> = listed(&["column"])
            .into_iter()
            .filter(|name| {
                read(Kind::Table)
                    .iter()
                    .any(|t| name.starts_with(&format!("{t}.")) && !partitions.contains(t))
            })
            .collect();
        assert_eq!(read(Kind::Column), table_columns, "{dir}: columns");
    }
}

/// A cycle among "made after" edges (an object after its owner and what it depends on),
/// if there is one.
fn cycle(schema: &Schema) -> Option<Vec<Key>> {
    let edges: BTreeMap<&Key, Vec<&Key>> = schema
        .objects
        .values()
        .map(|o| {
            let after = o
                .depends_on
                .iter()
                .chain(o.owner.iter())
                .filter(|k| schema.get(k).is_some())
                .collect();
            (&o.key, after)
        })
        .collect();
    // 0: not seen, 1: on the path, 2: done.
    let mut state: BTreeMap<&Key, u8> = BTreeMap::new();
    fn visit<'a>(
        key: &'a Key,
        edges: &BTreeMap<&'a Key, Vec<&'a Key>>,
        state: &mut BTreeMap<&'a Key, u8>,
        path: &mut Vec<&'a Key>,
    ) -> Option<Vec<Key>> {
        match state.get(key) {
            Some(2) => return None,
            Some(1) => {
                let start = path.iter().position(|k| *k == key).unwrap();
                return Some(path[start..].iter().map(|k| (*k).clone()).collect());
            }
            _ => {}
        }
        state.insert(key, 1);
        path.push(key);
        for next in &edges[key] {
            if let Some(cycle) = visit(next, edges, state, path) {
                return Some(cycle);
            }
        }
        path.pop();
        state.insert(key, 2);
        None
    }
    for key in edges.keys() {
        if let Some(cycle) = visit(key, &edges, &mut state, &mut Vec::new()) {
            return Some(cycle);
        }
    }
    None
}
