//! What dbward tells shells and `man` about itself: completion scripts and man pages, made
//! from the command line's own definition so that they never fall behind it.

use std::path::Path;

use clap::CommandFactory;

use crate::cli::Cli;
use crate::error::{Error, Result};
use crate::report::ManReport;

/// The completion script for `shell`.
pub fn completions(shell: clap_complete::Shell) -> Vec<u8> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "dbward", &mut script);
    script
}

/// dbward's own man page, in roff.
pub fn man_page() -> Result<Vec<u8>> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut page)
        .map_err(|source| Error::Io {
            path: "dbward.1".into(),
            source,
        })?;
    Ok(page)
}

/// Writes dbward.1 and a page for each command (dbward-up.1, dbward-job-run.1, ...) into
/// `dir`, which must exist.
pub fn write_man_pages(dir: &Path) -> Result<ManReport> {
    if !dir.is_dir() {
        return Err(Error::Usage(format!(
            "{}: no such folder; create it first",
            dir.display()
        )));
    }
    let mut command = Cli::command();
    command.build();
    clap_mangen::generate_to(command, dir).map_err(|source| Error::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut pages: Vec<String> = std::fs::read_dir(dir)
        .map_err(|source| Error::Io {
            path: dir.to_path_buf(),
            source,
        })?
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.starts_with("dbward") && name.ends_with(".1"))
        .collect();
    pages.sort();
    Ok(ManReport {
        dir: dir.display().to_string(),
        pages,
    })
}
