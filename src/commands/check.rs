//! `dbward check`: the files and squawk's rules, no database needed.

use super::Context;
use crate::error::{Error, Result};
use crate::migrate::lint::{self, Level};
use crate::report::CheckReport;

/// Reads and lints the project. File problems are an error (exit 2), as everywhere.
/// `fail_on` (`--fail-on`) wins over `[check] fail_on`; hazards only by default.
pub(super) fn inspect(
    ctx: &Context,
    since: Option<&str>,
    fail_on: Option<Level>,
) -> Result<CheckReport> {
    let migrations = ctx.migrations()?;
    let configured = ctx.settings.check.since.as_ref().map(ToString::to_string);
    let since = since
        .or(configured.as_deref())
        .map(|text| ctx.version(text))
        .transpose()?;
    let findings =
        lint::lint(&migrations, &ctx.settings.check, since).map_err(|message| Error::Config {
            path: ctx.settings.project_dir.join(crate::config::CONFIG_FILE),
            message,
        })?;
    let irreversible = migrations
        .iter()
        .filter(|m| !m.is_reversible())
        .map(|m| m.up.path.display().to_string())
        .collect();
    let unwritten_rollbacks = migrations
        .iter()
        .filter_map(|m| m.down.as_ref())
        .filter(|down| !down.has_statements())
        .map(|down| down.path.display().to_string())
        .collect();
    Ok(CheckReport {
        migrations: migrations.len(),
        since,
        findings,
        fail_on: fail_on
            .or(ctx.settings.check.fail_on)
            .unwrap_or(Level::Hazard),
        irreversible,
        unwritten_rollbacks,
    })
}

pub fn run(ctx: &Context, since: Option<&str>, fail_on: Option<Level>) -> Result<()> {
    let report = inspect(ctx, since, fail_on)?;
    ctx.out.check(&report);
    match report.failing().count() {
        0 => Ok(()),
        failing => Err(Error::Lint(failing)),
    }
}
