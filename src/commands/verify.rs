//! `dbward verify`: the report is built in `operations`, which `ci` shares.

use super::{Context, operations};
use crate::cli::FailOn;
use crate::error::{Error, Result};
use crate::report::WriteSpecReport;
use crate::verify::finding::Severity;
use crate::verify::{catalog, spec};

pub fn run(ctx: &Context, with_probes: bool, fail_on: FailOn, write_spec: bool) -> Result<()> {
    if write_spec {
        return write(ctx);
    }
    let fail_on = match fail_on {
        FailOn::Info => Severity::Info,
        FailOn::Warning => Severity::Warning,
        FailOn::Error => Severity::Error,
    };
    let report = operations::verify_report(ctx, with_probes, fail_on)?;
    ctx.out.verify(&report);
    if report.failed {
        return Err(Error::Findings(report.failing().count()));
    }
    Ok(())
}

/// `--write-spec`: the catalog as it is becomes the spec later runs compare against.
fn write(ctx: &Context) -> Result<()> {
    let settings = &ctx.settings.verify;
    let (mut client, target) = ctx.connect()?;
    let snapshot = catalog::load(&mut client, &settings.schemas, ctx.settings.wait_for_lock)?;
    let text = spec::to_toml(&spec::from_catalog(&snapshot));
    std::fs::write(&settings.spec, text).map_err(Error::io(&settings.spec))?;
    ctx.out.write_spec(&WriteSpecReport {
        database: target.describe(),
        path: settings.spec.display().to_string(),
        tables: snapshot.tables.len(),
    });
    Ok(())
}
