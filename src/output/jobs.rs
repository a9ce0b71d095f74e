//! The maintenance jobs: their list, each run as it ends, and their history.

use comfy_table::Cell;

use super::{Output, table};
use crate::cli::Format;
use crate::report::*;

impl Output {
    pub fn job_list(&self, rows: &[JobListRow]) {
        self.emit(&rows, || {
            if rows.is_empty() {
                return "no jobs: declare them under [jobs.NAME] in dbward.toml".into();
            }
            let mut table = table(&["job", "kind", "schedule", "does"]);
            for row in rows {
                table.add_row(vec![
                    Cell::new(&row.name),
                    Cell::new(row.kind),
                    Cell::new(&row.schedule),
                    Cell::new(&row.description),
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
            "{msg} [{bar:30}] {pos}/{len} rows ({per_sec}, {eta} left)",
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
                    let mut t = table(
                        &section
                            .columns
                            .iter()
                            .map(String::as_str)
                            .collect::<Vec<_>>(),
                    );
                    for row in &section.rows {
                        t.add_row(row.clone());
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
                "id", "job", "started", "finished", "status", "rows", "detail", "host",
            ]);
            for run in &report.runs {
                let detail = run.detail.clone().unwrap_or_default();
                let detail = if detail.chars().count() > 80 {
                    format!("{}...", detail.chars().take(77).collect::<String>())
                } else {
                    detail
                };
                t.add_row(vec![
                    Cell::new(run.id),
                    Cell::new(&run.job),
                    Cell::new(&run.started_at),
                    Cell::new(run.finished_at.as_deref().unwrap_or("")),
                    Cell::new(format!("{:?}", run.status).to_lowercase()),
                    Cell::new(
                        run.rows_affected
                            .map_or_else(String::new, |n| n.to_string()),
                    ),
                    Cell::new(detail),
                    Cell::new(run.host.as_deref().unwrap_or("")),
                ]);
            }
            t.to_string()
        });
    }
}
