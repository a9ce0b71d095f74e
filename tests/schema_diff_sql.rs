//! The planner's SQL runs on a real PostgreSQL: a schema made by hand, the generated
//! migration pair applied (the main file in one transaction, the concurrent one statement by
//! statement), the catalog compared with the target made directly, then both rollbacks
//! applied and the catalog compared with the start.

mod support;

#[path = "schema_diff_sql/build.rs"]
mod build;
#[path = "schema_diff_sql/catalog.rs"]
mod catalog;
#[path = "schema_diff_sql/platform.rs"]
mod platform;
#[path = "schema_diff_sql/profiles.rs"]
mod profiles;
#[path = "schema_diff_sql/tasks.rs"]
mod tasks;
