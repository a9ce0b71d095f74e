//! dbward keeps a PostgreSQL database in the shape its project says. See README.md and
//! DESIGN.md for the layers: `migrate` is pure, `db` talks to PostgreSQL, `output` prints.

pub mod cli;
pub mod commands;
pub mod config;
pub mod db;
pub mod error;
pub mod ident;
pub mod jobs;
pub mod local;
pub mod migrate;
pub mod output;
pub mod plural;
pub mod project;
pub mod report;
pub mod schema_diff;
pub mod secret;
pub mod seed;
pub mod verify;
