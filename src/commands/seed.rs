//! `dbward seed`: every fixture, in order, in one transaction; rows changed per table.

use std::time::Instant;

use super::Context;
use crate::db::apply;
use crate::db::lock::LockKey;
use crate::db::session::Sql;
use crate::db::stats;
use crate::db::waiting::lock_transaction;
use crate::error::{Error, Result};
use crate::migrate::failure::Ran;
use crate::migrate::model::Script;
use crate::report::{SeedReport, TableChanges};
use crate::seed;

pub fn run(ctx: &Context, only: &[String], allow_protected: bool) -> Result<()> {
    let report = apply(ctx, only, allow_protected)?;
    ctx.out.seed(&report);
    Ok(())
}

/// The chosen fixtures applied, and what they changed; `ci` shares it through `operations`.
pub(super) fn apply(ctx: &Context, only: &[String], allow_protected: bool) -> Result<SeedReport> {
    if let Some(environment) = &ctx.settings.environment
        && environment.protected
        && !allow_protected
    {
        // Named by its database when --env did not name it: the protection is the database's.
        let which = if environment.named {
            format!("environment `{}`", environment.name)
        } else {
            format!(
                "the database in use is environment `{}`'s, which",
                environment.name
            )
        };
        return Err(Error::Usage(format!(
            "{which} is marked protected in dbward.toml: fixtures are demo data; pass --allow-protected to seed it anyway"
        )));
    }
    let fixtures = seed::load(&ctx.settings.fixtures).map_err(Error::Files)?;
    // `--only` naming a fixture is refused when there are none, as when it names none of them.
    let chosen = seed::select(&fixtures, only).map_err(Error::Usage)?;
    let looked_in = ctx.settings.fixtures.looked_in(&ctx.settings.project_root);
    if chosen.is_empty() {
        // Nothing to run: no database to reach, nor a local one to start.
        return Ok(SeedReport {
            database: None,
            looked_in,
            fixtures: Vec::new(),
            tables: Vec::new(),
            execution_ms: 0,
        });
    }
    if let Some(empty) = chosen.iter().find(|f| !f.script.has_statements()) {
        return Err(Error::Usage(format!(
            "{}: fixture holds no SQL; write it, or remove the file",
            empty.script.path.display()
        )));
    }
    let (mut client, target) = ctx.connect()?;
    let started = Instant::now();
    // Seeding while a migration runs would see half a schema: wait for the same lock.
    let key = LockKey::migrations(&ctx.settings.schema);
    let wait = ctx.settings.wait_for_lock;
    let mut tx = lock_transaction(&mut client, key, wait, &ctx.out)?;
    for (index, fixture) in chosen.iter().enumerate() {
        if let Err(mut failure) = tx.pipeline(async |c| {
            apply::run_whole(c, &fixture.script, fixture.version, Ran::Fixture).await
        }) {
            drop(tx);
            if apply::is_unplaced(&failure) {
                let before: Vec<&Script> = chosen[..index].iter().map(|f| &f.script).collect();
                apply::place(
                    &mut client,
                    &|session| lock_transaction(session, key, wait, &ctx.out),
                    &before,
                    &mut failure,
                    &fixture.script,
                );
            }
            return Err(apply::failed(
                failure,
                "the seed was rolled back: no fixture was applied".to_string(),
            ));
        }
    }
    let tables = stats::changes_in_transaction(&mut tx)?;
    tx.commit().map_err(Error::db("committing the fixtures"))?;
    Ok(SeedReport {
        database: Some(target.describe()),
        looked_in,
        fixtures: chosen
            .iter()
            .map(|f| f.script.path.display().to_string())
            .collect(),
        tables: tables
            .into_iter()
            .map(|t| TableChanges {
                table: t.table,
                inserted: t.inserted,
                updated: t.updated,
                deleted: t.deleted,
            })
            .collect(),
        execution_ms: started.elapsed().as_millis() as i64,
    })
}
