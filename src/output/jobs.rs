//! The maintenance jobs: their list, each run as it ends, and their history.

use super::{Fit, Output, Text, table, time};
use crate::cli::Format;
use crate::report::*;

impl Output {
    pub fn job_list(&self, rows: &[JobListRow]) {
        self.emit(&rows, || {
            if rows.is_empty() {
                return "no jobs: declare them under [jobs.NAME] in dbward.toml".into();
            }
            let mut table = table(&[
                ("job", Fit::Keep),
                ("kind", Fit::Keep),
                ("schedule", Fit::Keep),
                ("does", Fit::Aside),
            ]);
            for row in rows {
                // A SQL job does its statement: in backquotes, kept on one line.
                let does = if row.kind == "sql" {
                    format!("`{}`", row.description)
                } else {
                    row.description.clone()
                };
                table.row(vec![
                    row.name.as_str().into(),
                    row.kind.into(),
                    row.schedule.as_str().into(),
                    does.into(),
                ]);
            }
            table.to_string()
        });
    }

    /// A progress bar for a long job, only where a person watches.
    pub fn progress_bar(&self, job: &str, total: u64) -> Option<indicatif::ProgressBar> {
        use std::io::IsTerminal;
        if self.quiet
            || self.format != Format::Table
            || !std::io::stderr().is_terminal()
            || total == 0
        {
            return None;
        }
        let bar = indicatif::ProgressBar::new(total);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            // The bar takes what the terminal's line leaves, so the line never wraps.
            "{msg} [{wide_bar}] {pos}/{len} rows, {eta} left",
        ) {
            bar.set_style(style);
        }
        bar.set_message(job.to_string());
        Some(bar)
    }

    /// As each job ends: failures loudly (always), skips plainly, success only when asked.
    pub fn job_done(&self, result: &JobResult, verbose: bool) {
        if self.format != Format::Table {
            return;
        }
        match result.status {
            JobStatus::Failed => eprintln!(
                "job {} failed: {}",
                result.job,
                result.error.as_deref().unwrap_or("unknown error")
            ),
            JobStatus::Skipped => {
                if !self.quiet {
                    println!("{}: {}", result.job, result.summary);
                }
            }
            _ => {
                for section in &result.sections {
                    // Names, sizes and times stay whole; a query's text goes under the table
                    // when narrow.
                    let columns: Vec<(&str, Fit)> = section
                        .columns
                        .iter()
                        .map(|c| {
                            let fit = if c == "query" { Fit::Aside } else { Fit::Keep };
                            (c.as_str(), fit)
                        })
                        .collect();
                    let mut t = table(&columns);
                    for row in &section.rows {
                        t.row(row.iter().map(Text::new).collect());
                    }
                    if section.rows.is_empty() {
                        println!("{}: none", section.title);
                    } else {
                        println!("{}\n{t}", section.title);
                    }
                }
                if verbose {
                    println!(
                        "{}: {} ({} ms)",
                        result.job, result.summary, result.duration_ms
                    );
                }
            }
        }
    }

    /// The whole run: the JSON document for machines (people saw each job as it ended).
    pub fn job_run(&self, report: &JobRunReport, verbose: bool) {
        if self.format == Format::Json {
            self.json(report);
        } else if verbose && report.dry_run {
            println!("dry run on {}: nothing was changed", report.database);
        }
    }

    pub fn job_history(&self, report: &JobHistoryReport) {
        self.emit(report, || {
            if report.runs.is_empty() {
                return format!("{}: no job runs recorded", report.database);
            }
            let mut t = table(&[
                ("id", Fit::Keep),
                ("job", Fit::Keep),
                ("started", Fit::Keep),
                ("took", Fit::Keep),
                ("status", Fit::Keep),
                ("rows", Fit::Keep),
                ("host", Fit::Aside),
                ("detail", Fit::Aside),
            ])
            .label_columns(&[0, 1]);
            for run in &report.runs {
                let took = run
                    .finished_at
                    .as_deref()
                    .and_then(|end| seconds_between(&run.started_at, end))
                    .map_or_else(String::new, |s| format!("{s} s"));
                t.row(vec![
                    run.id.to_string().into(),
                    run.job.as_str().into(),
                    time(&run.started_at),
                    took.into(),
                    format!("{:?}", run.status).to_lowercase().into(),
                    run.rows_affected
                        .map_or_else(String::new, |n| n.to_string())
                        .into(),
                    run.host.as_deref().unwrap_or("").into(),
                    detail_fields(&run.detail).into(),
                ]);
            }
            t.to_string()
        });
    }
}

/// A run's detail as `key: value` fields: SQL in backquotes (kept whole), lists of tables or
/// sections by name.
pub(super) fn detail_fields(detail: &serde_json::Value) -> String {
    use serde_json::Value;
    let scalar = |key: &str, value: &Value| match value {
        Value::String(text) if key == "sql" => Some(format!("`{text}`")),
        Value::String(text) => Some(text.clone()),
        Value::Null => None,
        Value::Array(items) => Some(
            items
                .iter()
                .map(|item| match item {
                    Value::Object(o) => o.get("table").or_else(|| o.get("title")).map_or_else(
                        || item.to_string(),
                        |v| v.as_str().unwrap_or("").to_string(),
                    ),
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
                .join(", "),
        ),
        other => Some(other.to_string()),
    };
    match detail {
        Value::Object(fields) => fields
            .iter()
            .filter_map(|(key, value)| scalar(key, value).map(|v| format!("{key}: {v}")))
            .collect::<Vec<_>>()
            .join(", "),
        other => scalar("", other).unwrap_or_default(),
    }
}

/// Whole seconds from one stored UTC time (`2026-11-29T23:45:17Z`) to another.
fn seconds_between(start: &str, end: &str) -> Option<i64> {
    Some(epoch_seconds(end)? - epoch_seconds(start)?)
}

fn epoch_seconds(at: &str) -> Option<i64> {
    let field = |range: std::ops::Range<usize>| at.get(range)?.parse::<i64>().ok();
    if at.len() != 20 || !at.ends_with('Z') {
        return None;
    }
    let (y, m, d) = (field(0..4)?, field(5..7)?, field(8..10)?);
    // Days from the civil date (Howard Hinnant's algorithm), March-based years.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + field(11..13)? * 3600 + field(14..16)? * 60 + field(17..19)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_between_stored_times_cross_days_and_years() {
        assert_eq!(epoch_seconds("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(epoch_seconds("2026-11-29T23:45:17Z"), Some(1_795_995_917));
        assert_eq!(
            seconds_between("2026-12-31T23:59:58Z", "2027-01-01T00:00:03Z"),
            Some(5)
        );
        assert_eq!(seconds_between("2026-11-29", "2026-11-29T00:00:00Z"), None);
    }

    #[test]
    fn details_read_as_fields() {
        let retention = serde_json::json!({"table": "public.notes", "removed": 1200, "batches": 3});
        assert_eq!(
            detail_fields(&retention),
            "batches: 3, removed: 1200, table: public.notes"
        );
        let sql = serde_json::json!({"sql": "SELECT reset_quotas()", "returned": null, "rows": 1});
        assert_eq!(detail_fields(&sql), "rows: 1, sql: `SELECT reset_quotas()`");
        let vacuum = serde_json::json!({"tables": [{"table": "public.a", "dead_tuples_before": 3}], "dry_run": false});
        assert_eq!(detail_fields(&vacuum), "dry_run: false, tables: public.a");
        assert_eq!(
            detail_fields(&serde_json::json!({"error": "boom"})),
            "error: boom"
        );
        assert_eq!(detail_fields(&serde_json::Value::Null), "");
    }
}
