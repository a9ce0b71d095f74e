//! The pure side of migrating: files in, plans out. Nothing here talks to a database.

pub mod adopt;
pub mod depth;
pub mod detect;
pub mod directives;
pub mod failure;
pub mod foreign;
pub mod foreign_checksum;
pub mod in_transaction;
pub mod layout;
pub mod lint;
pub mod lock_wait;
pub mod missing_extension;
pub mod model;
pub mod plan;
pub mod problems;
pub mod refusal;
pub mod round_trip;
pub mod scripts;
pub mod sections;
pub mod source;
pub mod statements;
pub mod targets;
pub mod wrapper;
