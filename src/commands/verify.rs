//! `dbward verify`: the report is built in `operations`, which `ci` shares.

use super::{Context, operations};
use crate::cli::FailOn;
use crate::error::{Error, Result};
use crate::report::WriteSpecReport;
use crate::verify::finding::Severity;
use crate::verify::{catalog, spec};

pub fn run(
    ctx: &Context,
    with_probes: bool,
    fail_on: FailOn,
    write_spec: bool,
    force: bool,
) -> Result<()> {
    if write_spec {
        return write(ctx, force);
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

/// `--write-spec`: the catalog as it is becomes the spec later runs compare against. A spec
/// that exists holds what the project requires (often edited by hand): only `--force`
/// replaces it.
fn write(ctx: &Context, force: bool) -> Result<()> {
    let settings = &ctx.settings.verify;
    // Refused before connecting; the write below refuses again if one appeared meanwhile.
    if !force && settings.spec.exists() {
        return Err(spec_exists(ctx));
    }
    let (mut client, target) = ctx.connect()?;
    let snapshot = catalog::load(&mut client, &settings.schemas, ctx.settings.wait_for_lock)?;
    let text = spec::to_toml(&spec::from_catalog(&snapshot));
    if force {
        std::fs::write(&settings.spec, text).map_err(Error::io(&settings.spec))?;
    } else {
        operations::write_new_file(&settings.spec, &text).map_err(|e| match e {
            Error::Io { source, .. } if source.kind() == std::io::ErrorKind::AlreadyExists => {
                spec_exists(ctx)
            }
            other => other,
        })?;
    }
    ctx.out.write_spec(&WriteSpecReport {
        database: target.describe(),
        path: settings.spec.display().to_string(),
        tables: snapshot.tables.len(),
    });
    Ok(())
}

fn spec_exists(ctx: &Context) -> Error {
    let path = &ctx.settings.verify.spec;
    let shown = path
        .strip_prefix(&ctx.settings.project_root)
        .unwrap_or(path);
    Error::Usage(format!(
        "{} exists: --write-spec does not overwrite it; pass --force to replace it with this database's catalog",
        shown.display()
    ))
}
