//! The side that talks to PostgreSQL. Nothing here reads project files.

pub mod apply;
pub mod claim;
pub mod connect;
pub mod contents;
pub mod driver_error;
pub mod foreign;
pub mod history;
pub mod inventory;
pub mod job_runs;
pub mod lock;
pub mod owners;
pub mod schema;
pub mod schema_read;
pub mod session;
pub mod shim;
pub mod stats;
pub mod step;
pub mod table_locks;
pub mod trial;
pub mod waiting;
