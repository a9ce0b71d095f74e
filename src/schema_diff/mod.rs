//! From one schema to another: the statements of the next migration and of its rollback, in
//! an order that runs, with the hazards they carry named. Pure: the schemas come from
//! `db::schema_read`, the files are written and proven by `commands::diff`.

mod columns;
mod constraints;
mod context;
mod default_privileges;
mod deps;
mod foreign_keys;
mod grants;
mod indexes;
mod misc;
pub mod model;
mod not_null;
mod objects;
mod order;
mod plan;
mod quote;
mod render;
mod routines;
mod security;
mod tables;
#[cfg(test)]
mod testing;
mod types;
mod views;

pub use plan::changes;
pub use quote::quote_literal;
pub use render::{render, render_statement};

use model::Key;

/// One statement of a generated file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The object it makes, changes or drops.
    pub key: Key,
    /// The SQL, ending with `;`.
    pub sql: String,
    /// What it risks on a live database (a drop, a rewrite, a long lock), written as a
    /// comment above it and printed; `None` when nothing.
    pub hazard: Option<String>,
}

/// The statements of one migration and its rollback.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pair {
    pub up: Vec<Statement>,
    pub down: Vec<Statement>,
}

impl Pair {
    pub fn is_empty(&self) -> bool {
        self.up.is_empty() && self.down.is_empty()
    }
}

/// What takes one schema to the other.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// The migration that runs in one transaction, and its rollback.
    pub main: Pair,
    /// Indexes built `CONCURRENTLY` on tables that exist before the migration, and the
    /// `VALIDATE CONSTRAINT` of foreign keys and checks the first added to them `NOT VALID`:
    /// a second migration that runs outside a transaction, after the first (and its
    /// rollback, which drops the indexes `CONCURRENTLY`; a validation has nothing to undo,
    /// the first rollback drops the constraint). Empty when there are none.
    pub concurrent: Pair,
    /// Columns dropped and added in the same table, which may be a rename nothing can infer:
    /// `public.users: name dropped, full_name added`.
    pub possible_renames: Vec<String>,
}
