//! Why a plan is refused: the divergences between a database and its project, and the
//! other reasons `up` and `down` stop, each with the message that names the way out.

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

use super::model::{Checksum, Version};

/// Why a database and its project disagree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum Divergence {
    Modified {
        version: Version,
        path: PathBuf,
        applied: Option<Checksum>,
        file: Checksum,
    },
    Missing {
        version: Version,
        name: String,
    },
    OutOfOrder {
        version: Version,
        path: PathBuf,
        newest_applied: Version,
    },
    Failed {
        version: Version,
        name: String,
    },
    Applying {
        version: Version,
        name: String,
    },
    /// `down` was about to roll back `version`, and another runner applied a newer one since
    /// the run planned.
    NewerApplied {
        version: Version,
        newest_applied: Version,
    },
}

impl fmt::Display for Divergence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Divergence::Modified {
                version,
                path,
                applied,
                file,
            } => write!(
                f,
                "{}: migration {version} changed after it was applied (checksum {} was {}); restore the file, or accept the edit with `dbward repair` (or `--allow-modified` for this run)",
                path.display(),
                file.short(),
                applied.map_or_else(|| "not recorded".to_string(), |c| c.short())
            ),
            Divergence::Missing { version, name } => write!(
                f,
                "migration {version} ({name}) is applied but its file is gone; restore it, forget it for good with `dbward repair --forget-missing`, or pass `--allow-missing` for this run"
            ),
            Divergence::OutOfOrder {
                version,
                path,
                newest_applied,
            } => write!(
                f,
                "{}: pending migration {version} is numbered below the newest applied one ({newest_applied}); renumber it above {newest_applied}, or pass `--allow-out-of-order`",
                path.display()
            ),
            Divergence::Failed { version, name } => write!(
                f,
                "migration {version} ({name}) runs outside a transaction and did not finish (it failed, or its runner stopped); finish or undo it by hand, then run `dbward repair` to clear it"
            ),
            Divergence::NewerApplied {
                version,
                newest_applied,
            } => write!(
                f,
                "another runner applied migration {newest_applied} while this run was rolling back, so migration {version} is no longer the newest and stays applied; run `dbward down` again to plan from the history as it is now"
            ),
            Divergence::Applying { version, name } => write!(
                f,
                "migration {version} ({name}) runs outside a transaction and another runner is applying it right now; run again once it is done (`dbward status` shows it as applying until then)"
            ),
        }
    }
}

/// Why a plan cannot be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanError {
    Diverged(Vec<Divergence>),
    /// A script that would run holds no SQL.
    Empty {
        version: Version,
        path: PathBuf,
    },
    /// `down` would cross a migration that has no rollback.
    Irreversible {
        version: Version,
        path: PathBuf,
        /// What to add, in the project's layout.
        add: String,
    },
    /// `down` would undo a migration whose files are gone.
    NoFile {
        version: Version,
        name: String,
    },
    /// A version named on the command line (`` `--to 7` ``) that no migration has, with
    /// the migrations on either side of it (version and file).
    NoSuchVersion {
        named: String,
        below: Option<(Version, PathBuf)>,
        above: Option<(Version, PathBuf)>,
    },
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlanError::Diverged(divergences) => {
                for (i, d) in divergences.iter().enumerate() {
                    if i > 0 {
                        writeln!(f)?;
                    }
                    write!(f, "{d}")?;
                }
                Ok(())
            }
            PlanError::Empty { version, path } => write!(
                f,
                "{}: script of migration {version} holds no SQL; write it, or remove the file",
                path.display()
            ),
            PlanError::Irreversible { version, path, add } => write!(
                f,
                "migration {version} ({}) has no rollback, so `down` stops before it; add {add}",
                path.display(),
            ),
            PlanError::NoFile { version, name } => write!(
                f,
                "migration {version} ({name}) is applied but its files are gone, so it cannot be rolled back; restore them"
            ),
            PlanError::NoSuchVersion {
                named,
                below,
                above,
            } => write!(
                f,
                "{named} names no migration: {}",
                describe_neighbours(below.as_ref(), above.as_ref())
            ),
        }
    }
}

/// What [`PlanError::NoSuchVersion`] says of the migrations around the version named.
fn describe_neighbours(
    below: Option<&(Version, PathBuf)>,
    above: Option<&(Version, PathBuf)>,
) -> String {
    let one = |(version, path): &(Version, PathBuf)| format!("{version} ({})", path.display());
    match (below, above) {
        (Some(below), Some(above)) => {
            format!("the nearest are {} and {}", one(below), one(above))
        }
        (Some(newest), None) => format!("the newest is {}", one(newest)),
        (None, Some(oldest)) => format!("the oldest is {}", one(oldest)),
        (None, None) => "the project has no migration".to_string(),
    }
}
