//! The steps several commands share, so that `ci` and `diff` compose these instead of calling
//! other commands: a throw-away database, migrations applied to a target, a verify report.

use super::Context;
use crate::error::{Error, Result};
use crate::report::VerifyReport;
use crate::verify::checks::{self, CheckContext};
use crate::verify::finding::Severity;
use crate::verify::{self, catalog, probe, spec};

/// The checks, the spec (when the project has one) and, if asked, the probes, run on the
/// catalog of the configured database; `failed` says whether a finding at `fail_on` or above
/// is left unaccepted.
pub fn verify_report(ctx: &Context, with_probes: bool, fail_on: Severity) -> Result<VerifyReport> {
    let settings = &ctx.settings.verify;
    let (mut client, target) = ctx.connect()?;
    let snapshot = catalog::load(&mut client, &settings.schemas, ctx.settings.wait_for_lock)?;
    let context = CheckContext {
        owners: settings.owners.clone(),
    };
    let mut findings = checks::run(&snapshot, &context);
    let spec_path = match std::fs::read_to_string(&settings.spec) {
        Ok(text) => {
            let expected = spec::parse(&text).map_err(|message| Error::Config {
                path: settings.spec.clone(),
                message,
            })?;
            findings.extend(spec::compare(&expected, &snapshot));
            Some(settings.spec.display().to_string())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(Error::io(&settings.spec)(e)),
    };
    let mut probes = Vec::new();
    if with_probes {
        let timeouts = settings.probe_timeouts().map_err(Error::Usage)?;
        let (leaks, results) = probe::run(&mut client, &snapshot, &context, timeouts)?;
        findings.extend(leaks);
        probes = results;
    }
    verify::apply_acceptances(&mut findings, &settings.accept);
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.object.cmp(&b.object))
            .then_with(|| a.check.cmp(b.check))
    });
    let failed = verify::fails(&findings, fail_on);
    Ok(VerifyReport {
        database: target.describe(),
        schemas: settings.schemas.clone(),
        tables: snapshot.tables.len(),
        spec: spec_path,
        findings,
        probes,
        fail_on,
        failed,
    })
}
