//! What each object of one schema references and what references it: `depends_on` plus what
//! pg_depend leaves implicit for the planner (an owner, a schema, a partition's parent, the
//! key a foreign key needs, a publication's tables).

use std::collections::{BTreeMap, BTreeSet};

use super::model::{Body, ConstraintKind, Key, Kind, Object, Schema};
use super::quote::split_qualified;

pub struct Graph {
    /// What each object needs made before it.
    pub deps: BTreeMap<Key, BTreeSet<Key>>,
    /// The reverse: what needs each object.
    pub dependents: BTreeMap<Key, BTreeSet<Key>>,
    /// What goes with each object when it is dropped: its owned objects, and the sequences
    /// `OWNED BY` a column.
    pub owned: BTreeMap<Key, BTreeSet<Key>>,
}

static NONE: BTreeSet<Key> = BTreeSet::new();

impl Graph {
    pub fn new(schema: &Schema) -> Graph {
        let mut deps: BTreeMap<Key, BTreeSet<Key>> = BTreeMap::new();
        let mut dependents: BTreeMap<Key, BTreeSet<Key>> = BTreeMap::new();
        let mut owned: BTreeMap<Key, BTreeSet<Key>> = BTreeMap::new();
        let keys_by_table = keys_of_key_constraints(schema);
        for object in schema.objects.values() {
            let needs = needs(schema, object, &keys_by_table);
            for need in &needs {
                dependents
                    .entry(need.clone())
                    .or_default()
                    .insert(object.key.clone());
            }
            deps.insert(object.key.clone(), needs);
            if let Some(owner) = going_with(object)
                && schema.get(&owner).is_some()
            {
                owned.entry(owner).or_default().insert(object.key.clone());
            }
        }
        Graph {
            deps,
            dependents,
            owned,
        }
    }

    pub fn deps_of(&self, key: &Key) -> &BTreeSet<Key> {
        self.deps.get(key).unwrap_or(&NONE)
    }

    pub fn dependents_of(&self, key: &Key) -> &BTreeSet<Key> {
        self.dependents.get(key).unwrap_or(&NONE)
    }

    pub fn owned_of(&self, key: &Key) -> &BTreeSet<Key> {
        self.owned.get(key).unwrap_or(&NONE)
    }
}

/// The object an object is dropped with: its owner, or the column that owns a sequence.
pub fn going_with(object: &Object) -> Option<Key> {
    match &object.body {
        Body::Sequence {
            owned_by: Some(column),
            ..
        } => Some(Key::new(Kind::Column, column.clone())),
        _ => object.owner.clone(),
    }
}

/// The table a table-like name belongs to: the key of `public.users` as a table or, failing
/// that, a materialized view.
pub fn relation_key(schema: &Schema, name: &str) -> Key {
    let table = Key::new(Kind::Table, name);
    let view = Key::new(Kind::MaterializedView, name);
    if schema.get(&table).is_none() && schema.get(&view).is_some() {
        view
    } else {
        table
    }
}

/// Primary key and unique constraints, and unique indexes, by their table's name.
fn keys_of_key_constraints(schema: &Schema) -> BTreeMap<String, Vec<Key>> {
    let mut by_table: BTreeMap<String, Vec<Key>> = BTreeMap::new();
    for object in schema.objects.values() {
        match &object.body {
            Body::Constraint {
                table,
                constraint: ConstraintKind::PrimaryKey | ConstraintKind::Unique,
                ..
            } => by_table
                .entry(table.clone())
                .or_default()
                .push(object.key.clone()),
            Body::Index { table, create } if create.starts_with("CREATE UNIQUE") => by_table
                .entry(table.clone())
                .or_default()
                .push(object.key.clone()),
            _ => {}
        }
    }
    by_table
}

fn needs(
    schema: &Schema,
    object: &Object,
    keys_by_table: &BTreeMap<String, Vec<Key>>,
) -> BTreeSet<Key> {
    let mut needs: BTreeSet<Key> = object.depends_on.clone();
    needs.extend(object.owner.clone());
    let qualified = matches!(
        object.key.kind,
        Kind::Type
            | Kind::Sequence
            | Kind::Table
            | Kind::View
            | Kind::MaterializedView
            | Kind::Function
            | Kind::Index
    );
    if qualified && let Some((namespace, _)) = split_qualified(&object.key.name) {
        needs.insert(Key::new(Kind::Schema, namespace));
    }
    match &object.body {
        Body::Extension { schema: namespace } => {
            needs.insert(Key::new(Kind::Schema, namespace.clone()));
        }
        Body::Table {
            partition_of: Some((parent, _)),
            ..
        } => {
            needs.insert(Key::new(Kind::Table, parent.clone()));
        }
        Body::Grant { on, columns, .. } if !columns.is_empty() => {
            // A column grant needs its columns; the catalog keeps no dependency for it.
            if let Some(table) = on.strip_prefix("TABLE ") {
                needs.extend(
                    columns
                        .iter()
                        .map(|c| Key::new(Kind::Column, format!("{table}.{c}"))),
                );
            }
        }
        Body::Publication { tables, .. } => {
            needs.extend(tables.iter().map(|t| Key::new(Kind::Table, t.clone())));
        }
        Body::Constraint {
            constraint: ConstraintKind::ForeignKey,
            ..
        } => {
            // The referenced key must exist first; pg_depend names the index behind it,
            // which the model may not hold.
            let tables: BTreeSet<String> = object
                .depends_on
                .iter()
                .filter_map(|k| match k.kind {
                    Kind::Table => Some(k.name.clone()),
                    Kind::Column => schema.get(k).and_then(|c| match &c.body {
                        Body::Column { table, .. } => Some(table.clone()),
                        _ => None,
                    }),
                    _ => None,
                })
                .collect();
            for table in tables {
                for key in keys_by_table.get(&table).into_iter().flatten() {
                    needs.insert(key.clone());
                }
            }
        }
        Body::Sequence {
            owned_by: Some(column),
            ..
        } => {
            // OWNED BY is set after the column exists: the column needs the sequence, not
            // the other way round.
            let column = Key::new(Kind::Column, column.clone());
            if let Some(owner) = schema.get(&column).and_then(|c| c.owner.clone()) {
                needs.remove(&owner);
            }
            needs.remove(&column);
        }
        _ => {}
    }
    needs.remove(&object.key);
    needs.retain(|k| schema.get(k).is_some());
    needs
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::Graph;
    use crate::schema_diff::model::{Body, ConstraintKind, Key, Kind};
    use crate::schema_diff::testing::*;

    #[test]
    fn implicit_needs_are_added_and_unknown_keys_left_out() {
        let grant = object(
            Kind::Grant,
            "TABLE app.t (a) TO anon",
            Some(Key::new(Kind::Table, "app.t")),
            Body::Grant {
                on: "TABLE app.t".into(),
                columns: vec!["a".into()],
                grantee: "anon".into(),
                privileges: BTreeSet::from(["SELECT".to_string()]),
                grantable: BTreeSet::new(),
            },
        );
        let fk = needing(
            constraint(
                "app.t",
                "t_b_fkey",
                ConstraintKind::ForeignKey,
                "FOREIGN KEY (b) REFERENCES app.u(id)",
            ),
            &[
                Key::new(Kind::Column, "app.t.b"),
                Key::new(Kind::Column, "app.u.id"),
                Key::new(Kind::Index, "app.somewhere_else"),
            ],
        );
        let s = schema(vec![
            namespace("app"),
            table("app.t"),
            column("app.t", "a", "int", 1),
            column("app.t", "b", "int", 2),
            table("app.u"),
            column("app.u", "id", "int", 1),
            constraint(
                "app.u",
                "u_pkey",
                ConstraintKind::PrimaryKey,
                "PRIMARY KEY (id)",
            ),
            grant,
            fk,
        ]);
        let graph = Graph::new(&s);
        let needs = |name: &str, kind: Kind| -> Vec<String> {
            graph
                .deps_of(&Key::new(kind, name))
                .iter()
                .map(|k| k.to_string())
                .collect()
        };
        assert_eq!(
            needs("TABLE app.t (a) TO anon", Kind::Grant),
            ["table app.t", "column app.t.a"]
        );
        assert_eq!(
            needs("app.t t_b_fkey", Kind::Constraint),
            [
                "table app.t",
                "column app.t.b",
                "column app.u.id",
                "constraint app.u u_pkey"
            ]
        );
        assert_eq!(needs("app.t", Kind::Table), ["schema app"]);
        assert!(
            graph
                .dependents_of(&Key::new(Kind::Schema, "app"))
                .contains(&Key::new(Kind::Table, "app.u"))
        );
    }
}
