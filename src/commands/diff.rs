//! `dbward diff`: the migrations applied to a throw-away database, compared object by object
//! with a live one; the drift that edits in a dashboard leave behind.

use super::Context;
use crate::config::DatabaseChoice;
use crate::db::history::History;
use crate::db::inventory;
use crate::db::local::{LOCAL_DATABASE, LocalCluster};
use crate::db::scratch::ScratchDatabase;
use crate::error::{Error, Result};
use crate::migrate::model::Outcome;
use crate::migrate::plan::Allow;
use crate::output::Output;
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
        .map(|a| a.version.0)
        .max();

    let cluster = LocalCluster::for_project(&ctx.settings.project_dir);
    let (admin, _) = cluster.ensure_running()?;
    let scratch = ScratchDatabase::create(&admin.with_database(LOCAL_DATABASE))?;
    let mut settings = ctx.settings.clone();
    settings.database = DatabaseChoice::Url(Secret::new(scratch.url()));
    settings.environment = None;
    let scratch_ctx = Context {
        settings,
        out: Output::silent(),
    };
    let schemas = &ctx.settings.verify.schemas;
    let expected = super::migrate::up_loaded(
        &scratch_ctx,
        &migrations,
        migrated_to,
        false,
        false,
        Allow::default(),
    )
    .and_then(|()| {
        let (mut client, _) = scratch_ctx.connect()?;
        inventory::load(&mut client, Some(schemas), &ctx.settings.schema)
    });
    let dropped = scratch.drop_now();
    let expected = expected?;
    dropped?;
    let actual = inventory::load(&mut live, Some(schemas), &ctx.settings.schema)?;
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
