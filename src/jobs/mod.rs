//! Maintenance jobs declared in dbward.toml: one file a kind. Each run holds a per-job
//! advisory lock, is recorded in `job_runs`, and keeps every transaction short.

pub mod report;
pub mod retention;
pub mod sql;
pub mod vacuum;

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::db::session::Session;
use crate::ident::quote_ident;

/// What every job kind says and does. One file a kind implements it; `JobConfig` registers
/// the kind, so the commands never name a kind.
pub trait Job {
    /// The `kind = "..."` that selects it in dbward.toml.
    fn kind(&self) -> &'static str;
    /// The tag `job run --schedule` picks it by.
    fn schedule(&self) -> &str;
    /// What it does, in a line, for `job list`.
    fn describe(&self) -> String;
    /// Refuses settings that could never run, when dbward.toml loads rather than at 3 a.m.
    fn check(&self) -> Result<(), String> {
        Ok(())
    }
    /// Runs it (or, with `dry_run`, says what it would do), telling `progress` as it goes.
    fn run(
        &self,
        client: &mut Session,
        dry_run: bool,
        progress: &mut dyn Progress,
    ) -> crate::error::Result<JobOutcome>;
}

/// Hears how far a long job is, for a progress bar; a job that is quick tells nothing.
pub trait Progress {
    /// How many units the job expects to do, told once before it starts.
    fn expect(&mut self, total: u64);
    /// `done` more units are finished.
    fn advance(&mut self, done: u64);
}

/// `[jobs.NAME]`: the kind, with its own settings. The one registry of job kinds: a new
/// kind is a variant here and its arm in `job()`.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum JobConfig {
    Sql(sql::SqlJob),
    Retention(retention::RetentionJob),
    Vacuum(vacuum::VacuumJob),
    Report(report::ReportJob),
}

impl JobConfig {
    /// The kind's own behaviour.
    pub fn job(&self) -> &dyn Job {
        match self {
            JobConfig::Sql(j) => j,
            JobConfig::Retention(j) => j,
            JobConfig::Vacuum(j) => j,
            JobConfig::Report(j) => j,
        }
    }
}

/// Picks jobs by name, or by schedule tag. Unknown names are an error naming the known ones.
/// The error for a job name dbward.toml does not declare, listing those it does.
pub fn unknown(jobs: &BTreeMap<String, JobConfig>, name: &str) -> String {
    let known: Vec<&str> = jobs.keys().map(String::as_str).collect();
    format!(
        "no job `{name}` in dbward.toml; the jobs are: {}",
        if known.is_empty() {
            "none".into()
        } else {
            known.join(", ")
        }
    )
}

pub fn select<'a>(
    jobs: &'a BTreeMap<String, JobConfig>,
    names: &[String],
    schedule: Option<&str>,
) -> Result<Vec<(&'a str, &'a JobConfig)>, String> {
    if names.is_empty() && schedule.is_none() {
        return Err("name the jobs to run, or pick them with --schedule TAG".into());
    }
    let mut chosen = Vec::new();
    for name in names {
        match jobs.get_key_value(name) {
            Some((key, job)) => chosen.push((key.as_str(), job)),
            None => return Err(unknown(jobs, name)),
        }
    }
    if let Some(tag) = schedule {
        let tagged: Vec<_> = jobs
            .iter()
            .filter(|(_, job)| job.job().schedule() == tag)
            .map(|(name, job)| (name.as_str(), job))
            .collect();
        if tagged.is_empty() && names.is_empty() {
            return Err(format!("no job has schedule `{tag}`"));
        }
        chosen.extend(tagged);
    }
    chosen.sort_by_key(|(name, _)| *name);
    chosen.dedup_by_key(|(name, _)| *name);
    Ok(chosen)
}

/// `schema.table` (or `table`, in `public`) as a quoted identifier pair.
pub fn quoted_table(name: &str) -> Result<String, String> {
    let parts: Vec<&str> = name.split('.').collect();
    let (schema, table) = match parts.as_slice() {
        [table] => ("public", *table),
        [schema, table] => (*schema, *table),
        _ => return Err(format!("`{name}` is not a table name (schema.table)")),
    };
    if schema.is_empty() || table.is_empty() {
        return Err(format!("`{name}` is not a table name (schema.table)"));
    }
    Ok(format!("{}.{}", quote_ident(schema), quote_ident(table)))
}

/// A duration setting such as "30s" or "5m", as PostgreSQL's `statement_timeout` takes it.
pub fn timeout_setting(text: &str) -> Result<String, String> {
    let duration = parse_duration(text)?;
    Ok(format!("{}ms", duration.as_millis()))
}

pub fn parse_duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text)
        .map_err(|e| format!("`{text}` is not a duration like 500ms, 30s or 5m: {e}"))
}

/// What one job run did.
#[derive(Debug, Clone, Serialize)]
pub struct JobOutcome {
    pub rows_affected: Option<i64>,
    /// A line for people.
    pub summary: String,
    /// Everything, for machines (and `job_runs.detail`).
    pub detail: serde_json::Value,
    /// Tables for people (the health report's); the same data is in `detail` for machines.
    #[serde(skip)]
    pub sections: Vec<report::Section>,
}

fn default_schedule() -> String {
    "daily".to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jobs(toml_text: &str) -> BTreeMap<String, JobConfig> {
        #[derive(Deserialize)]
        struct File {
            jobs: BTreeMap<String, JobConfig>,
        }
        toml::from_str::<File>(toml_text).unwrap().jobs
    }

    const CONFIG: &str = r#"
[jobs.reset]
kind = "sql"
schedule = "daily"
sql = "SELECT reset_expired_quotas()"

[jobs.old_usage]
kind = "retention"
schedule = "daily"
table = "public.usage_records"
column = "created_at"
older_than = "1 year"

[jobs.vacuum]
kind = "vacuum"
schedule = "weekly"
tables = ["usage_records"]
"#;

    #[test]
    fn jobs_are_read_with_their_kind() {
        let jobs = jobs(CONFIG);
        assert_eq!(jobs["reset"].job().kind(), "sql");
        assert_eq!(jobs["old_usage"].job().kind(), "retention");
        assert!(
            jobs["old_usage"]
                .job()
                .describe()
                .contains("delete rows of public.usage_records older than 1 year")
        );
    }

    #[test]
    fn each_kind_names_itself_as_dbward_toml_does() {
        for (kind, settings) in [
            ("sql", "sql = \"select 1\""),
            (
                "retention",
                "table = \"t\"\ncolumn = \"at\"\nolder_than = \"1 day\"",
            ),
            ("vacuum", "tables = [\"t\"]"),
            ("report", ""),
        ] {
            let jobs = jobs(&format!("[jobs.x]\nkind = \"{kind}\"\n{settings}\n"));
            assert_eq!(jobs["x"].job().kind(), kind);
        }
    }

    #[test]
    fn unknown_keys_and_kinds_are_refused() {
        #[derive(Deserialize, Debug)]
        #[allow(dead_code)]
        struct File {
            jobs: BTreeMap<String, JobConfig>,
        }
        assert!(
            toml::from_str::<File>("[jobs.x]\nkind = \"sql\"\nsql = \"select 1\"\nsqll = 1")
                .is_err()
        );
        assert!(toml::from_str::<File>("[jobs.x]\nkind = \"backup\"").is_err());
    }

    #[test]
    fn selection_by_name_or_schedule() {
        let jobs = jobs(CONFIG);
        let names = |v: Vec<(&str, &JobConfig)>| {
            v.into_iter()
                .map(|(n, _)| n.to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            names(select(&jobs, &[], Some("daily")).unwrap()),
            vec!["old_usage", "reset"]
        );
        assert_eq!(
            names(select(&jobs, &["vacuum".into()], None).unwrap()),
            vec!["vacuum"]
        );
        assert!(
            select(&jobs, &["nope".into()], None)
                .unwrap_err()
                .contains("old_usage, reset, vacuum")
        );
        assert!(select(&jobs, &[], Some("hourly")).is_err());
        assert!(select(&jobs, &[], None).is_err());
    }

    #[test]
    fn table_names_are_quoted() {
        assert_eq!(
            quoted_table("usage_records").unwrap(),
            "\"public\".\"usage_records\""
        );
        assert_eq!(quoted_table("audit.log").unwrap(), "\"audit\".\"log\"");
        assert!(quoted_table("a.b.c").is_err());
        assert!(quoted_table(".b").is_err());
    }

    #[test]
    fn timeouts_become_milliseconds() {
        assert_eq!(timeout_setting("5s").unwrap(), "5000ms");
        assert!(timeout_setting("soon").is_err());
    }
}
