//! Running a command line on a terminal of 80 columns (a pty made by util-linux's `script`)
//! and reading back what the terminal shows (vt100), then the comparison of that screen with
//! a README example: times, ports, pids, throw-away names and table padding set aside.

use std::path::Path;
use std::process::{Command, Stdio};

/// The terminal's width: the README shows what an 80-column terminal shows.
pub const COLUMNS: u16 = 80;
const ROWS: u16 = 3000;

/// What a command left on the terminal, and its exit code.
pub struct Screen {
    pub code: i32,
    pub text: String,
}

/// Runs `command` (a README command line, as a shell reads it) in `dir` on a fresh terminal,
/// with `dbward` the binary under test and only the environment given (no DATABASE_URL, PG*
/// or DBWARD_* of the caller's).
pub fn run(dir: &Path, command: &str, env: &[(&str, &str)]) -> Screen {
    let binary = Path::new(env!("CARGO_BIN_EXE_dbward"));
    let path = format!(
        "{}:{}",
        binary.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut script = Command::new("script");
    script
        .args([
            "--quiet",
            "--return",
            "--command",
            &format!("stty cols {COLUMNS} rows {ROWS}; exec {command}"),
            "/dev/null",
        ])
        .current_dir(dir)
        .stdin(Stdio::null());
    for (key, _) in std::env::vars() {
        if key.starts_with("PG") || key == "DATABASE_URL" || key.starts_with("DBWARD_") {
            script.env_remove(key);
        }
    }
    script
        .env("PATH", path)
        .env("SHELL", "/bin/sh")
        .env("TERM", "xterm-256color")
        .env("COLUMNS", COLUMNS.to_string())
        .envs(env.iter().copied());
    let output = script
        .output()
        .unwrap_or_else(|e| panic!("the README check needs util-linux's `script`: {e}"));
    let mut terminal = vt100::Parser::new(ROWS.try_into().unwrap(), COLUMNS.try_into().unwrap(), 0);
    terminal.process(&output.stdout);
    let mut lines: Vec<String> = terminal
        .screen()
        .contents()
        .lines()
        .map(|l| l.trim_end().to_string())
        .collect();
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    Screen {
        code: output.status.code().unwrap_or(-1),
        text: lines.join("\n") + "\n",
    }
}

/// Both sides of a comparison go through this: values that change from run to run become
/// one placeholder, and each table becomes one line per row with its cells' text joined
/// and without spaces, so that a column one character wider, or a cell wrapped one word
/// earlier, is no difference while every character shown still is.
pub fn normalize(text: &str) -> String {
    let mut lines = Vec::new();
    let mut row: Option<Vec<String>> = None;
    for line in text.lines() {
        let trimmed = line.trim_end();
        if let Some(content) = trimmed.strip_prefix('│') {
            let cells: Vec<String> = content
                .trim_end_matches('│')
                .split('┆')
                // `...` in a cell stands for the rest of it, as `[..]` does for a line.
                .map(|cell| {
                    cell.split_whitespace()
                        .collect::<String>()
                        .replace("...", "[..]")
                })
                .collect();
            let continues = cells.first().is_some_and(|c| c.is_empty());
            match &mut row {
                Some(open) if continues && open.len() == cells.len() => {
                    for (text, more) in open.iter_mut().zip(cells) {
                        text.push_str(&more);
                    }
                }
                _ => {
                    lines.extend(row.take().map(|r| table_row(&r)));
                    row = Some(cells);
                }
            }
            continue;
        }
        lines.extend(row.take().map(|r| table_row(&r)));
        match trimmed.chars().next() {
            // A table's borders say only where it starts, where its header ends, where it
            // ends.
            Some(c @ ('┌' | '╞' | '├' | '└')) => lines.push(c.to_string()),
            _ => lines.push(trimmed.to_string()),
        }
    }
    lines.extend(row.take().map(|r| table_row(&r)));
    let mut text = lines.join("\n") + "\n";
    for (pattern, placeholder) in PLACEHOLDERS {
        text = regex::Regex::new(pattern)
            .unwrap()
            .replace_all(&text, *placeholder)
            .into_owned();
    }
    text
}

fn table_row(cells: &[String]) -> String {
    format!("│ {} │", cells.join(" ┆ "))
}

/// What differs from run to run, whatever the README shows there.
const PLACEHOLDERS: &[(&str, &str)] = &[
    // A date, with a time or not (spaces are gone from table cells), to the minute or finer.
    (
        r"\d{4}-\d\d-\d\d([T ]?\d\d:\d\d(:\d\d(\.\d+)?)?)?(Z|[+-]\d\d(:\d\d)?)?",
        "<time>",
    ),
    (r"\d+(\.\d+)?\s?(ms|s|min)\b", "<duration>"),
    (r"127\.0\.0\.1:\d+", "127.0.0.1:<port>"),
    // The local cluster's folder is in the project, wherever that is; its socket's port.
    (r"(/[\w.\-]+)+/\.dbward/", "<project>/.dbward/"),
    (r"\.dbward/run:\d+", ".dbward/run:<port>"),
    (r"\bpid \d+", "pid <pid>"),
    (r"dbward_scratch_[0-9_]+", "dbward_scratch_<id>"),
];

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn padding_wrapping_and_times_are_no_difference() {
        let wide = "┌──────┬────────┐\n│ step ┆ took   │\n╞══════╪════════╡\n│ check ┆ 70 ms │\n└──────┴────────┘\nat 2026-11-22T02:42:49Z on 127.0.0.1:41234\n";
        let narrow = "┌────┬────┐\n│ step ┆ took │\n╞════╪════╡\n│ check ┆ 1234 │\n│ ┆ ms │\n└────┴────┘\nat 2025-01-01T00:00:00Z on 127.0.0.1:5432\n";
        assert_eq!(normalize(wide), normalize(narrow));
        assert_eq!(
            normalize("│ 001 ┆ 2026-11-30 ┆ 1.2s │\n│ ┆ 06:05 ┆ │\n"),
            normalize("│ 001 ┆ 2025-01-01T00:00:00Z ┆ 45 ms │\n")
        );
        assert_ne!(normalize(wide), normalize(&wide.replace("check", "chekc")));
    }
}
