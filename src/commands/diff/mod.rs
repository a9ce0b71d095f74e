//! `dbward diff`: the migrations applied to a throw-away database, compared object by object
//! with a live one; the drift that edits in a dashboard leave behind.

pub mod write;

use super::{Context, operations};
use crate::config::{Compat, DatabaseChoice};
use crate::db::history::History;
use crate::db::inventory::{self, Scope};
use crate::error::{Error, Result};
use crate::migrate::model::Outcome;
use crate::report::{DiffReport, ObjectDifference};
use crate::secret::Secret;

pub fn run(ctx: &Context) -> Result<()> {
    if matches!(ctx.settings.database, DatabaseChoice::Local) {
        return Err(Error::Usage(
            "dbward diff compares a live database with the migrations: give it with --database-url, DATABASE_URL or PGHOST".into(),
        ));
    }
    let migrations = ctx.migrations()?;
    let (mut live, target) = ctx.connect()?;
    let history = History::new(&ctx.settings.schema);
    history.check_owners(&mut live)?;
    let migrated_to = history
        .load(&mut live)?
        .iter()
        .filter(|a| a.outcome == Outcome::Succeeded)
        .map(|a| a.version)
        .max();

    let scratch = operations::scratch_database(ctx)?;
    let scratch_ctx = operations::context_on(ctx, Secret::new(scratch.database.url()));
    let schemas = &ctx.settings.verify.schemas;
    let scope = Scope::drift(
        schemas,
        &ctx.settings.schema,
        ctx.settings.compat == Compat::Supabase,
    );
    let expected = operations::apply(&scratch_ctx, &migrations, migrated_to).and_then(|()| {
        let (mut client, _) = scratch_ctx.connect()?;
        inventory::load(&mut client, &scope)
    });
    let dropped = scratch.finish(ctx);
    let expected = expected?;
    dropped?;
    let actual = inventory::load(&mut live, &scope)?;
    let differences = inventory::compare(&expected, &actual);
    let count = differences.len();
    ctx.out.diff(&DiffReport {
        database: target.describe(),
        schemas: schemas.clone(),
        migrated_to,
        differences: differences
            .into_iter()
            .map(|d| ObjectDifference {
                kind: d.kind,
                name: d.name,
                expected: d.expected,
                actual: d.actual,
            })
            .collect(),
    });
    if count > 0 {
        return Err(Error::Drift(count));
    }
    Ok(())
}
