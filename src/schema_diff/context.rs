//! What every kind's code may ask about the plan it is part of, and what an in-place change
//! gives: kept apart from plan.rs, which calls every kind's code, so that none imports the
//! module that imports it.

use std::collections::{BTreeMap, BTreeSet};

use super::Statement;
use super::deps::{Graph, relation_key};
use super::model::{Body, Key, Kind, Object, Schema};

/// What every kind's code may ask about the plan it is part of.
pub struct Ctx<'a> {
    pub from: &'a Schema,
    pub to: &'a Schema,
    pub from_graph: &'a Graph,
    pub to_graph: &'a Graph,
    /// Objects in both schemas that are dropped and made again.
    pub replaced: BTreeSet<Key>,
    /// Enum types made again beside the old one (which is then dropped): what they own, the
    /// old one's grants and comments, goes with the old one.
    pub recreated: BTreeSet<Key>,
    /// Columns whose default is dropped before what it calls is made again, and set after.
    pub refresh_default: BTreeSet<Key>,
    /// Foreign keys dropped on their own though their table is dropped: they close a cycle
    /// of tables dropped together.
    pub cut_foreign_keys: BTreeSet<Key>,
    /// The roles holding privileges on objects of each kind (`TABLE`, `FUNCTION`, ...).
    pub grantees_by_word: BTreeMap<String, BTreeSet<String>>,
}

impl Ctx<'_> {
    /// A table partitioned in the target: it takes no `NOT VALID` foreign key and no index
    /// built `CONCURRENTLY`.
    pub fn partitioned(&self, table: &str) -> bool {
        matches!(
            self.to
                .get(&Key::new(Kind::Table, table.to_string()))
                .map(|o| &o.body),
            Some(Body::Table {
                partition_by: Some(_),
                ..
            })
        )
    }

    /// A table (or materialized view) there before the migration and kept: changes to it
    /// meet its rows and its readers.
    pub fn existing_table(&self, name: &str) -> bool {
        let key = relation_key(self.to, name);
        self.from.get(&key).is_some()
            && self.to.get(&key).is_some()
            && !self.replaced.contains(&key)
    }

    /// A table made by this migration, whose columns are part of its `CREATE TABLE`.
    pub fn made_table(&self, key: &Key) -> bool {
        self.to.get(key).is_some() && (self.from.get(key).is_none() || self.replaced.contains(key))
    }
}

/// A change made in place: what undoes the old state (run with the drops) and what sets the
/// new one (run with the creates).
#[derive(Default)]
pub struct Edit {
    pub release: Vec<Statement>,
    pub establish: Vec<Statement>,
}

/// Dropped with the object it goes with, which is dropped itself: no statement of its own.
pub fn dropped_with_owner(ctx: &Ctx, object: &Object) -> bool {
    if ctx.cut_foreign_keys.contains(&object.key) {
        return false;
    }
    super::deps::going_with(object).is_some_and(|owner| {
        ctx.from.get(&owner).is_some()
            && (ctx.to.get(&owner).is_none()
                || ctx.replaced.contains(&owner)
                || ctx.recreated.contains(&owner))
    })
}
