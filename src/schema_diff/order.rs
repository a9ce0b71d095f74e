//! The order statements run in: what is referenced is made first and dropped last. A
//! topological sort over both schemas' dependencies, ties broken by kind then name so the
//! output is the same every time; a cycle is broken at its first statement in that order.

use std::collections::{BTreeMap, BTreeSet};

use super::Statement;
use super::context::{Ctx, dropped_with_owner};
use super::deps::going_with;
use super::model::{Body, Key, Kind, Schema};

/// Whether a statement undoes the old state (a drop) or sets the new one (a create).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Release,
    Establish,
}

pub struct Step {
    pub role: Role,
    pub statement: Statement,
    /// Objects of the new schema to make first, beyond the statement's own object's. A
    /// step with some runs after its object's other statements and is not waited for by
    /// what needs the object (`OWNED BY` waits for a column that waits for the sequence).
    pub after: Vec<Key>,
}

impl Step {
    pub fn new(role: Role, statement: Statement) -> Step {
        Step {
            role,
            statement,
            after: Vec::new(),
        }
    }
}

/// Where a kind goes among others that are ready: types before functions before tables,
/// what hangs on a table after it.
fn rank(kind: Kind) -> u8 {
    match kind {
        Kind::Schema => 0,
        Kind::Extension => 1,
        Kind::Type | Kind::Collation => 2,
        Kind::Function => 3,
        Kind::Sequence => 4,
        Kind::Table => 5,
        Kind::Column => 6,
        Kind::Constraint => 7,
        Kind::Index => 8,
        Kind::View => 9,
        Kind::MaterializedView => 10,
        Kind::Trigger => 11,
        Kind::Policy => 12,
        Kind::Publication => 13,
        Kind::Grant => 14,
        Kind::Comment => 15,
        // After the objects made: their grants are made explicitly, whatever the defaults.
        Kind::DefaultPrivilege => 16,
    }
}

type Priority = (Role, u8, String, usize);

fn priority(step: &Step, index: usize, to: &Schema) -> Priority {
    let key = &step.statement.key;
    let kind = rank(key.kind);
    let kind = match step.role {
        // Drops go the other way: what hangs on things first.
        Role::Release => u8::MAX - kind,
        Role::Establish => kind,
    };
    // Columns added to a table go in the target's column order, not their names'.
    let name = match (step.role, to.get(key).map(|o| &o.body)) {
        (
            Role::Establish,
            Some(Body::Column {
                table, position, ..
            }),
        ) => format!("{table} {position:05}"),
        _ => key.name.clone(),
    };
    (step.role, kind, name, index)
}

/// The object whose statements stand for `key` in a schema: a column of a table made by
/// the migration is in its `CREATE TABLE`; an object dropped with its owner is in the
/// owner's drop.
fn unit_in(schema: &Schema, key: &Key, merged: &dyn Fn(&Key) -> bool) -> Key {
    let mut current = key.clone();
    for _ in 0..8 {
        let Some(object) = schema.get(&current) else {
            break;
        };
        let Some(owner) = going_with(object) else {
            break;
        };
        if !merged(&current) {
            break;
        }
        current = owner;
    }
    current
}

fn shares_relation_names(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::Type
            | Kind::Sequence
            | Kind::Table
            | Kind::View
            | Kind::MaterializedView
            | Kind::Index
    )
}

pub fn order(steps: Vec<Step>, ctx: &Ctx) -> Vec<Step> {
    let mut by_unit: BTreeMap<(Role, Key), Vec<usize>> = BTreeMap::new();
    for (i, step) in steps.iter().enumerate() {
        if !step.after.is_empty() {
            continue;
        }
        by_unit
            .entry((step.role, step.statement.key.clone()))
            .or_default()
            .push(i);
    }
    let to_merged = |k: &Key| {
        k.kind == Kind::Column
            && ctx
                .to
                .get(k)
                .and_then(|o| o.owner.as_ref())
                .is_some_and(|t| ctx.made_table(t))
    };
    let from_merged = |k: &Key| ctx.from.get(k).is_some_and(|o| dropped_with_owner(ctx, o));
    let to_unit = |k: &Key| unit_in(ctx.to, k, &to_merged);
    let from_unit = |k: &Key| unit_in(ctx.from, k, &from_merged);

    // Needs of a unit in the new schema: its own and its merged members'.
    let mut to_needs: BTreeMap<Key, BTreeSet<Key>> = BTreeMap::new();
    for (key, needs) in &ctx.to_graph.deps {
        let unit = to_unit(key);
        let entry = to_needs.entry(unit.clone()).or_default();
        entry.extend(needs.iter().map(&to_unit).filter(|n| *n != unit));
    }
    // Dependents of a unit in the old schema, likewise.
    let mut from_needed_by: BTreeMap<Key, BTreeSet<Key>> = BTreeMap::new();
    for (key, dependents) in &ctx.from_graph.dependents {
        let unit = from_unit(key);
        let entry = from_needed_by.entry(unit.clone()).or_default();
        entry.extend(dependents.iter().map(&from_unit).filter(|d| *d != unit));
    }

    // Relations and types share names: what is made waits for what is dropped under the
    // same name (a view that becomes a table).
    let mut dropped_names: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, step) in steps.iter().enumerate() {
        if step.role == Role::Release && shares_relation_names(step.statement.key.kind) {
            dropped_names
                .entry(step.statement.key.name.as_str())
                .or_default()
                .push(i);
        }
    }
    let mut preds: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); steps.len()];
    let none = Vec::new();
    let of = |role: Role, key: &Key| by_unit.get(&(role, key.clone())).unwrap_or(&none);
    for (i, step) in steps.iter().enumerate() {
        let key = &step.statement.key;
        match step.role {
            Role::Establish => {
                preds[i].extend(of(Role::Release, key));
                if shares_relation_names(key.kind) {
                    preds[i].extend(dropped_names.get(key.name.as_str()).into_iter().flatten());
                }
                if !step.after.is_empty() {
                    preds[i].extend(of(Role::Establish, key));
                }
                let mut seen = BTreeSet::new();
                let mut walk: Vec<Key> = to_needs.get(key).into_iter().flatten().cloned().collect();
                walk.extend(step.after.iter().map(&to_unit));
                while let Some(need) = walk.pop() {
                    if need == *key || !seen.insert(need.clone()) {
                        continue;
                    }
                    let made = of(Role::Establish, &need);
                    if made.is_empty() {
                        // Nothing to run for it: what it needs still comes first.
                        walk.extend(to_needs.get(&need).into_iter().flatten().cloned());
                    } else {
                        preds[i].extend(made);
                    }
                }
                for dependent in from_needed_by.get(key).into_iter().flatten() {
                    preds[i].extend(of(Role::Release, dependent));
                }
            }
            Role::Release => {
                for dependent in from_needed_by.get(key).into_iter().flatten() {
                    let dropped = of(Role::Release, dependent);
                    if dropped.is_empty() {
                        preds[i].extend(of(Role::Establish, dependent));
                    } else {
                        preds[i].extend(dropped);
                    }
                }
            }
        }
        preds[i].remove(&i);
    }
    // Statements of one object keep the order they were written in.
    for members in by_unit.values() {
        for pair in members.windows(2) {
            preds[pair[1]].insert(pair[0]);
        }
    }
    sort(steps, preds, ctx.to)
}

/// Kahn's algorithm, smallest priority first; when only cycles remain, the smallest of the
/// rest goes next.
fn sort(steps: Vec<Step>, preds: Vec<BTreeSet<usize>>, to: &Schema) -> Vec<Step> {
    let count = steps.len();
    let priorities: Vec<Priority> = steps
        .iter()
        .enumerate()
        .map(|(i, s)| priority(s, i, to))
        .collect();
    let mut succs: Vec<Vec<usize>> = vec![Vec::new(); count];
    let mut waiting: Vec<usize> = vec![0; count];
    for (i, ps) in preds.iter().enumerate() {
        for &p in ps {
            succs[p].push(i);
            waiting[i] += 1;
        }
    }
    let mut ready: BTreeSet<(Priority, usize)> = (0..count)
        .filter(|&i| waiting[i] == 0)
        .map(|i| (priorities[i].clone(), i))
        .collect();
    let mut pending: BTreeSet<(Priority, usize)> = (0..count)
        .filter(|&i| waiting[i] > 0)
        .map(|i| (priorities[i].clone(), i))
        .collect();
    let mut done = vec![false; count];
    let mut sequence = Vec::with_capacity(count);
    while sequence.len() < count {
        let next = match ready.pop_first() {
            Some(entry) => entry,
            None => pending.pop_first().expect("a step is left"),
        };
        let i = next.1;
        if done[i] {
            continue;
        }
        done[i] = true;
        pending.remove(&next);
        sequence.push(i);
        for &s in &succs[i] {
            waiting[s] = waiting[s].saturating_sub(1);
            if waiting[s] == 0 && !done[s] {
                let entry = (priorities[s].clone(), s);
                pending.remove(&entry);
                ready.insert(entry);
            }
        }
    }
    let mut slots: Vec<Option<Step>> = steps.into_iter().map(Some).collect();
    sequence
        .into_iter()
        .map(|i| slots[i].take().expect("each step once"))
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::schema_diff::model::{ConstraintKind, Kind, Object};
    use crate::schema_diff::testing::*;

    const IS_OWNER: &str = "CREATE OR REPLACE FUNCTION private.is_owner(id uuid)\n RETURNS boolean\n LANGUAGE sql\nAS $function$select id = auth.uid()$function$\n";
    const TOUCH: &str = "CREATE OR REPLACE FUNCTION private.touch()\n RETURNS trigger\n LANGUAGE plpgsql\nAS $function$begin return new; end$function$\n";

    fn profiles() -> Vec<Object> {
        vec![
            table("public.profiles"),
            column("public.profiles", "id", "uuid", 1),
        ]
    }

    fn with_functions_in_private() -> Vec<Object> {
        let mut objects = profiles();
        objects.extend([
            namespace("private"),
            function("private.is_owner(uuid)", IS_OWNER, "boolean"),
            function("private.touch()", TOUCH, "trigger"),
            needing(
                trigger(
                    "public.profiles",
                    "profiles_touch",
                    "CREATE TRIGGER profiles_touch BEFORE UPDATE ON public.profiles FOR EACH ROW EXECUTE FUNCTION private.touch()",
                ),
                &[key(Kind::Function, "private.touch()")],
            ),
            needing(
                policy("public.profiles", "owner", "private.is_owner(id)"),
                &[
                    key(Kind::Function, "private.is_owner(uuid)"),
                    key(Kind::Column, "public.profiles.id"),
                ],
            ),
        ]);
        objects
    }

    #[test]
    fn a_trigger_and_a_policy_come_after_the_functions_they_call_in_another_schema() {
        let changes = up_and_down(&schema(profiles()), &schema(with_functions_in_private()));
        let up = &changes.main.up;
        assert_eq!(up[0].sql, "SET LOCAL check_function_bodies = off;");
        let made_schema = position(up, "CREATE SCHEMA private;");
        let is_owner = position(up, &crate::schema_diff::quote::statement(IS_OWNER));
        let touch = position(up, &crate::schema_diff::quote::statement(TOUCH));
        let trigger = position(
            up,
            "CREATE TRIGGER profiles_touch BEFORE UPDATE ON public.profiles FOR EACH ROW EXECUTE FUNCTION private.touch();",
        );
        let policy = position(
            up,
            "CREATE POLICY owner ON public.profiles AS PERMISSIVE FOR ALL TO PUBLIC USING (private.is_owner(id));",
        );
        assert!(made_schema < is_owner && made_schema < touch);
        assert!(touch < trigger && is_owner < policy);
        assert_eq!(up.len(), 6);

        let down = &changes.main.down;
        let trigger = position(down, "DROP TRIGGER profiles_touch ON public.profiles;");
        let policy = position(down, "DROP POLICY owner ON public.profiles;");
        let is_owner = position(down, "DROP FUNCTION private.is_owner(uuid);");
        let touch = position(down, "DROP FUNCTION private.touch();");
        let dropped_schema = position(down, "DROP SCHEMA private;");
        assert!(trigger < touch && policy < is_owner);
        assert!(touch < dropped_schema && is_owner < dropped_schema);
        assert_eq!(down.len(), 5);
    }

    #[test]
    fn a_function_over_a_table_is_made_after_it() {
        let mut to = profiles();
        to.push(needing(
            function(
                "public.all_profiles()",
                "CREATE OR REPLACE FUNCTION public.all_profiles()\n RETURNS SETOF public.profiles\n LANGUAGE sql\nAS $function$select * from public.profiles$function$\n",
                "SETOF public.profiles",
            ),
            &[key(Kind::Table, "public.profiles")],
        ));
        let changes = up_and_down(&schema(vec![]), &schema(to));
        let kinds: Vec<Kind> = changes.main.up.iter().map(|s| s.key.kind).collect();
        assert_eq!(kinds, [Kind::Function, Kind::Table, Kind::Function]);
        assert!(
            changes.main.up[2]
                .sql
                .contains("RETURNS SETOF public.profiles")
        );
    }

    fn two_tables_with_a_foreign_key(referencing: &str, referenced: &str) -> Vec<Object> {
        vec![
            table(referencing),
            column(referencing, "user_id", "bigint", 1),
            table(referenced),
            column(referenced, "id", "bigint", 1),
            constraint(
                referenced,
                "users_pkey",
                ConstraintKind::PrimaryKey,
                "PRIMARY KEY (id)",
            ),
            needing(
                constraint(
                    referencing,
                    "orders_user_id_fkey",
                    ConstraintKind::ForeignKey,
                    &format!("FOREIGN KEY (user_id) REFERENCES {referenced}(id)"),
                ),
                &[
                    key(Kind::Column, &format!("{referencing}.user_id")),
                    key(Kind::Column, &format!("{referenced}.id")),
                ],
            ),
        ]
    }

    #[test]
    fn a_foreign_key_between_new_tables_comes_after_the_key_it_references() {
        let to = schema(two_tables_with_a_foreign_key(
            "public.a_orders",
            "public.z_users",
        ));
        let changes = up_and_down(&schema(vec![]), &to);
        assert_eq!(
            sqls(&changes.main.up),
            [
                "CREATE TABLE public.a_orders (\n    user_id bigint\n);",
                "CREATE TABLE public.z_users (\n    id bigint\n);",
                "ALTER TABLE public.z_users ADD CONSTRAINT users_pkey PRIMARY KEY (id);",
                "ALTER TABLE public.a_orders ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.z_users(id);",
            ]
        );
        let from = schema(two_tables_with_a_foreign_key(
            "public.z_orders",
            "public.a_users",
        ));
        let changes = up_and_down(&from, &schema(vec![]));
        assert_eq!(
            sqls(&changes.main.up),
            ["DROP TABLE public.z_orders;", "DROP TABLE public.a_users;"]
        );
    }

    #[test]
    fn a_view_over_a_new_column_comes_after_it_and_goes_before_it() {
        let base = || vec![table("public.t"), column("public.t", "a", "int", 1)];
        let mut to = base();
        to.push(column("public.t", "b", "int", 2));
        to.push(needing(
            view("public.a_view", " SELECT t.b FROM public.t;"),
            &[key(Kind::Column, "public.t.b")],
        ));
        let changes = up_and_down(&schema(base()), &schema(to));
        assert_eq!(
            sqls(&changes.main.up),
            [
                "ALTER TABLE public.t ADD COLUMN b int;",
                "CREATE VIEW public.a_view AS\nSELECT t.b FROM public.t;",
            ]
        );
        assert_eq!(
            sqls(&changes.main.down),
            [
                "DROP VIEW public.a_view;",
                "ALTER TABLE public.t DROP COLUMN b;"
            ]
        );
    }

    #[test]
    fn a_column_type_change_makes_the_views_over_it_again_around_it() {
        let objects = |data_type: &str| {
            schema(vec![
                table("public.t"),
                column("public.t", "a", data_type, 1),
                needing(
                    view("public.v", " SELECT t.a FROM public.t;"),
                    &[key(Kind::Column, "public.t.a")],
                ),
            ])
        };
        let changes = up_and_down(&objects("integer"), &objects("bigint"));
        assert_eq!(
            sqls(&changes.main.up),
            [
                "DROP VIEW public.v;",
                "ALTER TABLE public.t ALTER COLUMN a TYPE bigint USING a::bigint;",
                "CREATE VIEW public.v AS\nSELECT t.a FROM public.t;",
            ]
        );
    }

    #[test]
    fn a_function_made_again_takes_its_trigger_and_column_defaults_along() {
        let make = |returns: &str| {
            schema(vec![
                table("public.t"),
                needing(
                    with_column(column("public.t", "n", "bigint", 1), |c| {
                        c.default = Some("public.next_n()".into())
                    }),
                    &[key(Kind::Function, "public.next_n()")],
                ),
                function(
                    "public.next_n()",
                    &format!(
                        "CREATE OR REPLACE FUNCTION public.next_n()\n RETURNS {returns}\n LANGUAGE sql\nAS $function$select 1$function$\n"
                    ),
                    returns,
                ),
            ])
        };
        let changes = up_and_down(&make("integer"), &make("bigint"));
        let up = sqls(&changes.main.up);
        assert_eq!(up[0], "SET LOCAL check_function_bodies = off;");
        assert_eq!(up[1], "ALTER TABLE public.t ALTER COLUMN n DROP DEFAULT;");
        assert_eq!(up[2], "DROP FUNCTION public.next_n();");
        assert!(up[3].contains("RETURNS bigint"));
        assert_eq!(
            up[4],
            "ALTER TABLE public.t ALTER COLUMN n SET DEFAULT public.next_n();"
        );
        assert_eq!(up.len(), 5);
    }

    #[test]
    fn a_cycle_is_broken_the_same_way_every_time() {
        let to = schema(vec![
            needing(
                view("public.a", " SELECT 1;"),
                &[key(Kind::View, "public.b")],
            ),
            needing(
                view("public.b", " SELECT 2;"),
                &[key(Kind::View, "public.a")],
            ),
            table("public.t"),
        ]);
        let first = up_and_down(&schema(vec![]), &to);
        for _ in 0..5 {
            assert_eq!(up_and_down(&schema(vec![]), &to), first);
        }
        assert_eq!(
            sqls(&first.main.up),
            [
                "CREATE TABLE public.t ();",
                "CREATE VIEW public.a AS\nSELECT 1;",
                "CREATE VIEW public.b AS\nSELECT 2;",
            ]
        );
        assert_eq!(first.main.down.len(), 3);
    }

    #[test]
    fn a_view_that_becomes_a_table_is_dropped_before_the_table_is_made() {
        let from = schema(vec![view("public.x", " SELECT 1 AS a;")]);
        let to = schema(vec![table("public.x"), column("public.x", "a", "int", 1)]);
        let changes = up_and_down(&from, &to);
        assert_eq!(
            sqls(&changes.main.up),
            [
                "DROP VIEW public.x;",
                "CREATE TABLE public.x (\n    a int\n);"
            ]
        );
        assert_eq!(
            sqls(&changes.main.down),
            [
                "DROP TABLE public.x;",
                "CREATE VIEW public.x AS\nSELECT 1 AS a;"
            ]
        );
    }
}
