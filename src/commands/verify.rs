//! `dbward verify`.

use super::Context;
use crate::cli::FailOn;
use crate::error::{Error, Result};
use crate::report::{VerifyReport, WriteSpecReport};
use crate::verify::checks::{self, CheckContext};
use crate::verify::finding::Severity;
use crate::verify::{self, catalog, probe, spec};

pub fn run(ctx: &Context, with_probes: bool, fail_on: FailOn, write_spec: bool) -> Result<()> {
    let settings = &ctx.settings.verify;
    let (mut client, target) = ctx.connect()?;
    let snapshot = catalog::load(&mut client, &settings.schemas, ctx.settings.wait_for_lock)?;
    if write_spec {
        let text = spec::to_toml(&spec::from_catalog(&snapshot));
        std::fs::write(&settings.spec, text).map_err(Error::io(&settings.spec))?;
        ctx.out.write_spec(&WriteSpecReport {
            database: target.describe(),
            path: settings.spec.display().to_string(),
            tables: snapshot.tables.len(),
        });
        return Ok(());
    }
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
    let fail_on = match fail_on {
        FailOn::Info => Severity::Info,
        FailOn::Warning => Severity::Warning,
        FailOn::Error => Severity::Error,
    };
    let failed = verify::fails(&findings, fail_on);
    let report = VerifyReport {
        database: target.describe(),
        schemas: settings.schemas.clone(),
        tables: snapshot.tables.len(),
        spec: spec_path,
        findings,
        probes,
        fail_on,
        failed,
    };
    ctx.out.verify(&report);
    if failed {
        let count = report
            .findings
            .iter()
            .filter(|f| f.accepted.is_none() && f.severity >= fail_on)
            .count();
        return Err(Error::Findings(count));
    }
    Ok(())
}
