//! Progress through the steps of `dbward ci`. On a terminal, one line names the step under
//! way and is gone when the run ends, so the table of steps is the one account a person
//! reads; where stderr is a log, a line per step as it ends, so a run that hangs shows where.

use std::io::IsTerminal;
use std::sync::Mutex;

use super::Output;
use crate::cli::Format;

/// The line on the terminal now, if any: notes printed while it shows go above it.
static SHOWN: Mutex<Option<indicatif::ProgressBar>> = Mutex::new(None);

/// Prints with the progress line, if one shows, taken off the terminal meanwhile, so that
/// a note never lands in the middle of it.
pub(super) fn above(print: impl FnOnce()) {
    let shown = SHOWN.lock().ok().and_then(|line| line.clone());
    match shown {
        Some(line) => line.suspend(print),
        None => print(),
    }
}

pub struct StepProgress {
    out: Output,
    /// Only where stderr is a terminal a person watches.
    line: Option<indicatif::ProgressBar>,
}

impl Output {
    pub fn step_progress(&self, command: &str, steps: usize) -> StepProgress {
        let watched = !self.quiet
            && !self.silent
            && self.format == Format::Table
            && std::io::stderr().is_terminal();
        let line = watched.then(|| {
            let line = indicatif::ProgressBar::new(steps as u64);
            if let Ok(style) =
                indicatif::ProgressStyle::with_template("{spinner} {prefix}: {msg} ({pos}/{len})")
            {
                line.set_style(style);
            }
            line.set_prefix(command.to_string());
            line.enable_steady_tick(std::time::Duration::from_millis(100));
            if let Ok(mut shown) = SHOWN.lock() {
                *shown = Some(line.clone());
            }
            line
        });
        StepProgress { out: *self, line }
    }
}

impl StepProgress {
    pub fn started(&self, step: &str) {
        if let Some(line) = &self.line {
            line.set_message(step.to_string());
        }
    }

    pub fn finished(&self, step: &str, passed: bool, duration_ms: i64) {
        match &self.line {
            Some(line) => line.inc(1),
            None => self.out.note(&format!(
                "{} {step} ({duration_ms} ms)",
                if passed { "ok  " } else { "FAIL" }
            )),
        }
    }

    /// Takes the line off the terminal, before the result is printed.
    pub fn done(self) {
        drop(self);
    }
}

impl Drop for StepProgress {
    fn drop(&mut self) {
        if let Some(line) = &self.line {
            if let Ok(mut shown) = SHOWN.lock() {
                *shown = None;
            }
            line.finish_and_clear();
        }
    }
}
