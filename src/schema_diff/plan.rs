//! The planner: which objects are made, dropped, changed in place or made again, the
//! statements for each, in an order that runs; then the safe forms and the rollback.

use std::collections::{BTreeMap, BTreeSet};

use super::context::{Ctx, dropped_with_owner};
use super::deps::Graph;
use super::model::{Body, Key, Kind, Object, Schema};
use super::order::{Role, Step, order};
use super::{
    Changes, Pair, Statement, columns, constraints, default_privileges, foreign_keys, grants,
    indexes, not_null, objects, types,
};

/// Takes `from` to `to`: main.up, and main.down the reverse; indexes on existing tables
/// built `CONCURRENTLY`, constraints added to them `NOT VALID` validated, and their columns
/// made NOT NULL (not_null.rs), in the second pair.
pub fn changes(from: &Schema, to: &Schema) -> Changes {
    let not_null_later = not_null::deferred(from, to);
    // What the first migration aims at: `to` with those columns still nullable.
    let first = not_null::first_state(to, &not_null_later);
    let up = plan(from, &first, true);
    // The state between the two migrations: `to` without the indexes built concurrently,
    // with the constraints validated in the second not validated yet.
    let mut middle = first.clone();
    for constraint in &up.validated_later {
        if let Some(Body::Constraint { validated, .. }) =
            middle.objects.get_mut(constraint).map(|o| &mut o.body)
        {
            *validated = false;
        }
    }
    for index in &up.diverted {
        let owned: Vec<Key> = middle
            .objects
            .values()
            .filter(|o| o.owner.as_ref() == Some(index))
            .map(|o| o.key.clone())
            .collect();
        for key in owned.iter().chain(std::iter::once(index)) {
            middle.objects.remove(key);
        }
    }
    let down = plan(&middle, from, false);
    // The second migration's rollback: its validations taken back, its indexes dropped.
    let unvalidations = up.validated_later.iter().rev().filter_map(|key| {
        let sql = constraints::unvalidation(first.get(key)?)?;
        Some(Statement {
            key: key.clone(),
            sql,
            hazard: None,
        })
    });
    let concurrent_down = not_null_later
        .iter()
        .rev()
        .map(not_null::second_down)
        .chain(unvalidations)
        .chain(up.diverted.iter().rev().map(|index| Statement {
            key: index.clone(),
            sql: format!("DROP INDEX CONCURRENTLY {};", index.name),
            hazard: None,
        }))
        .collect();
    let mut concurrent_up = up.concurrent;
    concurrent_up.extend(not_null_later.iter().flat_map(not_null::second_up));
    Changes {
        main: Pair {
            up: up.main,
            down: down.main,
        },
        concurrent: Pair {
            up: concurrent_up,
            down: concurrent_down,
        },
        possible_renames: possible_renames(from, to),
    }
}

struct Planned {
    main: Vec<Statement>,
    concurrent: Vec<Statement>,
    /// Indexes built in the second migration.
    diverted: Vec<Key>,
    /// Constraints validated in the second migration.
    validated_later: Vec<Key>,
}

fn plan(from: &Schema, to: &Schema, concurrently: bool) -> Planned {
    let from_graph = Graph::new(from);
    let to_graph = Graph::new(to);
    let mut ctx = Ctx {
        from,
        to,
        from_graph: &from_graph,
        to_graph: &to_graph,
        replaced: BTreeSet::new(),
        recreated: BTreeSet::new(),
        refresh_default: BTreeSet::new(),
        cut_foreign_keys: BTreeSet::new(),
        grantees_by_word: {
            let mut by_word = grants::grantees_by_word([from, to]);
            for (word, roles) in default_privileges::grantees_by_word([from, to]) {
                by_word.entry(word).or_default().extend(roles);
            }
            by_word
        },
    };
    close_replacements(&mut ctx);
    ctx.cut_foreign_keys = foreign_keys::keys_closing_cycles(&ctx);
    let steps = steps(&ctx);
    let ordered = order(steps, &ctx);
    let diverted: Vec<Key> = if concurrently {
        divertible(&ctx, &ordered)
    } else {
        Vec::new()
    };
    let mut main = Vec::new();
    let mut concurrent = Vec::new();
    let mut validated_later = Vec::new();
    for step in ordered {
        let key = &step.statement.key;
        // A validation scans the table: outside the first migration's transaction it holds
        // a lock that lets reads and writes go on.
        // Only of a constraint the first adds: its rollback drops it, validated or not.
        let validation = concurrently
            && step.role == Role::Establish
            && (ctx.from.get(key).is_none() || ctx.replaced.contains(key))
            && to
                .get(key)
                .is_some_and(|c| constraints::validation(c) == step.statement.sql);
        if validation {
            validated_later.push(key.clone());
        }
        let to_second = step.role == Role::Establish
            && (validation
                || diverted.contains(key)
                || to
                    .get(key)
                    .and_then(|o| o.owner.as_ref())
                    .is_some_and(|owner| diverted.contains(owner)));
        if to_second {
            let mut statement = step.statement;
            if statement.key.kind == Kind::Index {
                statement.sql = indexes::concurrently(&statement.sql);
                statement.hazard = Some(format!(
                    "a failed concurrent build leaves {} invalid: drop it before running again",
                    statement.key.name
                ));
            }
            concurrent.push(statement);
        } else {
            main.push(step.statement);
        }
    }
    if let Some(first) = main
        .iter()
        .find(|s| s.key.kind == Kind::Function && s.sql.starts_with("CREATE"))
    {
        // Bodies are checked when they run, not when made, as pg_dump does: a function
        // may name what is made after it.
        let key = first.key.clone();
        main.insert(
            0,
            Statement {
                key,
                sql: "SET LOCAL check_function_bodies = off;".into(),
                hazard: None,
            },
        );
    }
    Planned {
        main,
        concurrent,
        diverted,
        validated_later,
    }
}

/// Indexes made on tables that exist before: built concurrently unless something of the
/// first migration needs them, or their table is partitioned (no CONCURRENTLY there).
fn divertible(ctx: &Ctx, ordered: &[Step]) -> Vec<Key> {
    let needed: BTreeSet<&Key> = ordered
        .iter()
        .filter(|s| s.role == Role::Establish && s.statement.key.kind != Kind::Index)
        .filter(|s| {
            ctx.to.get(&s.statement.key).is_none_or(|o| {
                o.owner
                    .as_ref()
                    .is_none_or(|owner| owner.kind != Kind::Index)
            })
        })
        .flat_map(|s| ctx.to_graph.deps_of(&s.statement.key))
        .collect();
    let mut diverted = Vec::new();
    for step in ordered {
        let key = &step.statement.key;
        if step.role != Role::Establish || key.kind != Kind::Index || diverted.contains(key) {
            continue;
        }
        let Some(Body::Index { table, .. }) = ctx.to.get(key).map(|o| &o.body) else {
            continue;
        };
        if ctx.existing_table(table) && !ctx.partitioned(table) && !needed.contains(key) {
            diverted.push(key.clone());
        }
    }
    diverted
}

/// The objects made again: those whose change has no in-place form, and with them what
/// depends on them (in either schema) and what they own.
fn close_replacements(ctx: &mut Ctx) {
    let mut queue: Vec<Key> = Vec::new();
    for (key, old) in &ctx.from.objects {
        let Some(new) = ctx.to.get(key) else { continue };
        if old.body == new.body {
            continue;
        }
        if objects::replaces(old, new) {
            queue.push(key.clone());
        } else if types::enum_recreated(old, new) {
            ctx.recreated.insert(key.clone());
            // Everything over the type is made again but its columns, which are converted.
            let mut seen = BTreeSet::new();
            let mut walk: Vec<Key> = ctx.from_graph.dependents_of(key).iter().cloned().collect();
            while let Some(dependent) = walk.pop() {
                if !seen.insert(dependent.clone()) || ctx.to.get(&dependent).is_none() {
                    continue;
                }
                match dependent.kind {
                    Kind::Table => {}
                    Kind::Column => {
                        walk.extend(ctx.from_graph.dependents_of(&dependent).iter().cloned())
                    }
                    _ => queue.push(dependent),
                }
            }
        } else if columns::column_type_changed(old, new) {
            // PostgreSQL rebuilds indexes and constraints itself, but refuses the others.
            for dependent in ctx.from_graph.dependents_of(key) {
                let refused = match dependent.kind {
                    Kind::View | Kind::MaterializedView | Kind::Policy | Kind::Trigger => true,
                    Kind::Column => generated(ctx, dependent),
                    _ => false,
                };
                if refused && ctx.to.get(dependent).is_some() {
                    queue.push(dependent.clone());
                }
            }
        }
    }
    while let Some(key) = queue.pop() {
        if ctx.from.get(&key).is_none() || ctx.to.get(&key).is_none() {
            continue;
        }
        if !ctx.replaced.insert(key.clone()) {
            continue;
        }
        let mut next: Vec<Key> = Vec::new();
        let dependents = ctx
            .from_graph
            .dependents_of(&key)
            .iter()
            .chain(ctx.to_graph.dependents_of(&key));
        for dependent in dependents {
            match dependent.kind {
                // A table is never made again for what it references: its columns are.
                Kind::Table => {}
                Kind::Column if key.kind != Kind::Type && !generated(ctx, dependent) => {
                    ctx.refresh_default.insert(dependent.clone());
                }
                _ => next.push(dependent.clone()),
            }
        }
        next.extend(ctx.from_graph.owned_of(&key).iter().cloned());
        next.extend(ctx.to_graph.owned_of(&key).iter().cloned());
        queue.extend(next);
    }
    let replaced = &ctx.replaced;
    ctx.refresh_default.retain(|k| !replaced.contains(k));
}

fn generated(ctx: &Ctx, column: &Key) -> bool {
    [ctx.from.get(column), ctx.to.get(column)]
        .into_iter()
        .flatten()
        .any(|o| {
            matches!(
                &o.body,
                Body::Column {
                    generated: Some(_),
                    ..
                }
            )
        })
}

fn steps(ctx: &Ctx) -> Vec<Step> {
    let keys: BTreeSet<&Key> = ctx
        .from
        .objects
        .keys()
        .chain(ctx.to.objects.keys())
        .collect();
    let mut steps = Vec::new();
    for key in keys {
        let old = ctx.from.get(key);
        let new = ctx.to.get(key);
        let replaced = ctx.replaced.contains(key);
        let mut release = Vec::new();
        let mut establish = Vec::new();
        match (old, new) {
            (Some(old), Some(new)) if !replaced => {
                if old.body != new.body || ctx.refresh_default.contains(key) {
                    let edit = objects::alter(ctx, old, new);
                    release = edit.release;
                    establish = edit.establish;
                }
            }
            _ => {
                if let Some(old) = old
                    && !dropped_with_owner(ctx, old)
                {
                    release = objects::drop(old);
                }
                if let Some(new) = new
                    && !inline_column(ctx, new)
                {
                    establish = objects::create(ctx, new);
                }
            }
        }
        let owned_by = sequence_owner_step(old, new, replaced);
        steps.extend(release.into_iter().map(|s| Step::new(Role::Release, s)));
        steps.extend(establish.into_iter().map(|s| Step::new(Role::Establish, s)));
        steps.extend(owned_by);
    }
    steps
}

/// A column of a table this migration makes is in its `CREATE TABLE`.
fn inline_column(ctx: &Ctx, object: &Object) -> bool {
    object.key.kind == Kind::Column
        && object
            .owner
            .as_ref()
            .is_some_and(|table| ctx.made_table(table))
}

/// `ALTER SEQUENCE .. OWNED BY`, set once the column exists.
fn sequence_owner_step(old: Option<&Object>, new: Option<&Object>, replaced: bool) -> Option<Step> {
    let owner_of = |o: Option<&Object>| match o.map(|o| &o.body) {
        Some(Body::Sequence { owned_by, .. }) => owned_by.clone(),
        _ => None,
    };
    let new_object = new?;
    let before = if replaced || old.is_none() {
        None
    } else {
        owner_of(old)
    };
    let after = owner_of(new);
    if before == after || !matches!(new_object.body, Body::Sequence { .. }) {
        return None;
    }
    let column = after.clone().unwrap_or_else(|| "NONE".into());
    let statement = Statement {
        key: new_object.key.clone(),
        sql: format!("ALTER SEQUENCE {} OWNED BY {column};", new_object.key.name),
        hazard: None,
    };
    let mut step = Step::new(Role::Establish, statement);
    step.after = after
        .map(|c| Key::new(Kind::Column, c))
        .into_iter()
        .collect();
    Some(step)
}

/// `public.users: name dropped, full_name added` for each kept table that loses columns and
/// gains others.
fn possible_renames(from: &Schema, to: &Schema) -> Vec<String> {
    let mut by_table: BTreeMap<String, (Vec<String>, Vec<String>)> = BTreeMap::new();
    let column = |o: &Object| match &o.body {
        Body::Column { table, column, .. } => Some((table.clone(), column.clone())),
        _ => None,
    };
    for object in from.objects.values() {
        if let Some((table, name)) = column(object)
            && to.get(&object.key).is_none()
            && to.get(&Key::new(Kind::Table, table.clone())).is_some()
        {
            by_table.entry(table).or_default().0.push(name);
        }
    }
    for object in to.objects.values() {
        if let Some((table, name)) = column(object)
            && from.get(&object.key).is_none()
            && from.get(&Key::new(Kind::Table, table.clone())).is_some()
        {
            by_table.entry(table).or_default().1.push(name);
        }
    }
    by_table
        .into_iter()
        .filter(|(_, (dropped, added))| !dropped.is_empty() && !added.is_empty())
        .map(|(table, (dropped, added))| {
            format!(
                "{table}: {} dropped, {} added",
                dropped.join(", "),
                added.join(", ")
            )
        })
        .collect()
}
