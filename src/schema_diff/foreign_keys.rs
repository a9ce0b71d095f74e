//! Tables dropped together that reference each other by foreign keys: whichever is dropped
//! first is still referenced by the other. The keys that close such a cycle are dropped on
//! their own first; the others go with their table.

use std::collections::{BTreeMap, BTreeSet};

use super::context::Ctx;
use super::model::{Body, ConstraintKind, Key, Kind};

/// The foreign keys of dropped tables (or tables made again) that reference another dropped
/// table which, through its own keys, references theirs.
pub fn keys_closing_cycles(ctx: &Ctx) -> BTreeSet<Key> {
    let dropped = |table: &Key| {
        table.kind == Kind::Table
            && ctx.from.get(table).is_some()
            && (ctx.to.get(table).is_none() || ctx.replaced.contains(table))
    };
    // Dropped table -> (its foreign key, the dropped table it references).
    let mut references: BTreeMap<Key, Vec<(Key, Key)>> = BTreeMap::new();
    for object in ctx.from.objects.values() {
        let Body::Constraint {
            constraint: ConstraintKind::ForeignKey,
            ..
        } = &object.body
        else {
            continue;
        };
        let Some(table) = object.owner.as_ref().filter(|t| dropped(t)) else {
            continue;
        };
        let referenced: BTreeSet<Key> = ctx
            .from_graph
            .deps_of(&object.key)
            .iter()
            .filter_map(|k| match k.kind {
                Kind::Table => Some(k.clone()),
                Kind::Column | Kind::Constraint => ctx.from.get(k).and_then(|o| o.owner.clone()),
                _ => None,
            })
            .filter(|t| t != table && dropped(t))
            .collect();
        for other in referenced {
            references
                .entry(table.clone())
                .or_default()
                .push((object.key.clone(), other));
        }
    }
    let mut closing = BTreeSet::new();
    for (table, keys) in &references {
        for (key, other) in keys {
            if reaches(&references, other, table) {
                closing.insert(key.clone());
            }
        }
    }
    closing
}

fn reaches(references: &BTreeMap<Key, Vec<(Key, Key)>>, start: &Key, goal: &Key) -> bool {
    let mut seen = BTreeSet::new();
    let mut walk = vec![start.clone()];
    while let Some(table) = walk.pop() {
        if table == *goal {
            return true;
        }
        if seen.insert(table.clone()) {
            walk.extend(
                references
                    .get(&table)
                    .into_iter()
                    .flatten()
                    .map(|(_, t)| t.clone()),
            );
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use crate::schema_diff::model::{ConstraintKind, Kind, Object};
    use crate::schema_diff::testing::*;

    fn pair() -> Vec<Object> {
        let fk = |table: &str, name: &str, other: &str| {
            needing(
                constraint(
                    table,
                    name,
                    ConstraintKind::ForeignKey,
                    &format!("FOREIGN KEY (other_id) REFERENCES {other}(id)"),
                ),
                &[
                    key(Kind::Table, other),
                    key(Kind::Column, &format!("{table}.other_id")),
                    key(Kind::Constraint, &format!("{other} pkey")),
                ],
            )
        };
        let mut objects = Vec::new();
        for (name, other) in [("public.a", "public.b"), ("public.b", "public.a")] {
            objects.extend([
                table(name),
                column(name, "id", "int", 1),
                column(name, "other_id", "int", 2),
                constraint(name, "pkey", ConstraintKind::PrimaryKey, "PRIMARY KEY (id)"),
                fk(name, &format!("{}_fkey", &name[7..]), other),
            ]);
        }
        objects
    }

    #[test]
    fn tables_referencing_each_other_are_dropped_after_one_key_and_made_before_both() {
        let changes = up_and_down(&schema(vec![]), &schema(pair()));
        let up = sqls(&changes.main.up);
        assert_eq!(
            up[..4],
            [
                "CREATE TABLE public.a (\n    id int,\n    other_id int\n);",
                "CREATE TABLE public.b (\n    id int,\n    other_id int\n);",
                "ALTER TABLE public.a ADD CONSTRAINT pkey PRIMARY KEY (id);",
                "ALTER TABLE public.b ADD CONSTRAINT pkey PRIMARY KEY (id);",
            ]
        );
        assert_eq!(up.len(), 6);
        assert_eq!(
            sqls(&changes.main.down),
            [
                "ALTER TABLE public.a DROP CONSTRAINT a_fkey;",
                "ALTER TABLE public.b DROP CONSTRAINT b_fkey;",
                "DROP TABLE public.a;",
                "DROP TABLE public.b;",
            ]
        );
    }

    #[test]
    fn a_key_to_a_table_dropped_alone_goes_with_its_table() {
        let mut objects = pair();
        objects.retain(|o| o.key.name != "public.b b_fkey");
        let changes = up_and_down(&schema(vec![]), &schema(objects));
        assert_eq!(
            sqls(&changes.main.down),
            ["DROP TABLE public.a;", "DROP TABLE public.b;"]
        );
    }
}
