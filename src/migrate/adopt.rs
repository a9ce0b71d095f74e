//! Adopting a database another tool migrated: that tool's history rows and the project's
//! files in, the migrations to record as applied out, or every reason not to. Pure: the
//! rows come from `db/foreign/`, the files' bytes from the command.

use std::fmt;

use serde::Serialize;

use super::foreign::{ForeignRow, RowState, Tool, ToolChecksum};
use super::foreign_checksum;
use super::model::{Applied, Migration, Outcome, Version};

/// One of the project's migrations with its forward file's bytes as they are on disk.
#[derive(Debug, Clone, Copy)]
pub struct LocalFile<'m> {
    pub migration: &'m Migration,
    pub raw: &'m [u8],
}

/// Why a migration is recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Its row, with the tool's checksum compared.
    ChecksumMatched,
    /// Its row; the tool keeps no checksum.
    Listed,
    /// At or below golang-migrate's current version.
    BelowCurrent,
    /// At or below a Flyway baseline.
    Baseline,
}

/// A migration to record as applied.
#[derive(Debug, Clone, Copy)]
pub struct Match<'m> {
    pub migration: &'m Migration,
    pub reason: Reason,
}

/// What adopting would do.
#[derive(Debug, Clone)]
pub struct Adoption<'m> {
    /// To record, in version order.
    pub record: Vec<Match<'m>>,
    /// Already in dbward's history, as the tool has them.
    pub already_recorded: Vec<Version>,
    /// Files the tool had not applied: what `up` runs next.
    pub pending: Vec<Version>,
}

/// Why a database is not adopted. Each names its version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Refusal {
    Dirty {
        tool: Tool,
        version: String,
    },
    Failed {
        tool: Tool,
        version: String,
        name: Option<String>,
    },
    MissingFile {
        tool: Tool,
        version: String,
        name: Option<String>,
    },
    ChecksumDiffers {
        tool: Tool,
        version: String,
        file: String,
        stored: String,
        file_has: String,
    },
    BadVersion {
        tool: Tool,
        version: String,
        reason: String,
    },
    BadChecksum {
        tool: Tool,
        version: String,
        stored: String,
    },
    Repeatable {
        name: String,
    },
    /// dbward's own history has a version the tool applied, but not as the same file.
    HistoryDisagrees {
        version: Version,
        reason: String,
    },
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let named = |name: &Option<String>| {
            name.as_deref()
                .filter(|n| !n.is_empty())
                .map_or_else(String::new, |n| format!(" ({n})"))
        };
        match self {
            Refusal::Dirty { tool, version } => write!(
                f,
                "{tool} marks version {version} dirty: a run stopped half-way; finish or undo it by hand, clear the mark with {tool}'s own `force`, then adopt"
            ),
            Refusal::Failed {
                tool,
                version,
                name,
            } => write!(
                f,
                "{tool} records version {version}{} as failed; finish or undo it by hand and remove that row with {tool}'s repair, then adopt",
                named(name)
            ),
            Refusal::MissingFile {
                tool,
                version,
                name,
            } => write!(
                f,
                "{tool} applied version {version}{}, and no migration file has that version; restore the file, then adopt",
                named(name)
            ),
            Refusal::ChecksumDiffers {
                tool,
                version,
                file,
                stored,
                file_has,
            } => write!(
                f,
                "{file} changed since {tool} applied version {version}: {tool}'s checksum {stored}, the file's {file_has}; restore the file as it ran, then adopt"
            ),
            Refusal::BadVersion {
                tool,
                version,
                reason,
            } => write!(
                f,
                "{tool}'s history holds version `{version}`, which this project's layout cannot read: {reason}"
            ),
            Refusal::BadChecksum {
                tool,
                version,
                stored,
            } => write!(
                f,
                "{tool}'s checksum of version {version} is not one it writes: `{stored}`"
            ),
            Refusal::Repeatable { name } => write!(
                f,
                "flyway applied the repeatable migration `{name}`, and dbward has no repeatable migrations; make it a versioned one first"
            ),
            Refusal::HistoryDisagrees { version, reason } => write!(
                f,
                "dbward's history already records migration {version}, {reason}; adopt only adds to a history that agrees with the tool's"
            ),
        }
    }
}

/// Matches the tool's rows with the project's files. `parse` reads a version as the tool
/// stored it, through the project's layout. `recorded` is dbward's own history: a version
/// both histories have must be there as a finished run of the same file, or nothing is
/// adopted; a version only dbward has is its own and stays.
pub fn plan<'m>(
    tool: Tool,
    rows: &[ForeignRow],
    files: &[LocalFile<'m>],
    recorded: &[Applied],
    parse: impl Fn(&str) -> Result<Version, String>,
) -> Result<Adoption<'m>, Vec<Refusal>> {
    let mut refusals = Vec::new();
    let mut applied: Vec<Match<'m>> = Vec::new();
    // A version reached twice (a row below golang-migrate's current one) counts once.
    fn add<'m>(m: Match<'m>, applied: &mut Vec<Match<'m>>) {
        if !applied
            .iter()
            .any(|a| a.migration.version == m.migration.version)
        {
            applied.push(m);
        }
    }
    let find = |version: Version| files.iter().find(|f| f.migration.version == version);
    for row in rows {
        // What the tool itself marks as not cleanly applied is refused before any matching.
        let marked = match row.state {
            RowState::Repeatable => Some(Refusal::Repeatable {
                name: row.name.clone().unwrap_or_default(),
            }),
            RowState::Dirty => Some(Refusal::Dirty {
                tool,
                version: row.version.clone(),
            }),
            RowState::Failed => Some(Refusal::Failed {
                tool,
                version: row.version.clone(),
                name: row.name.clone(),
            }),
            RowState::Applied(_) | RowState::Current | RowState::Baseline => None,
        };
        if let Some(refusal) = marked {
            refusals.push(refusal);
            continue;
        }
        let version = match parse(&row.version) {
            Ok(version) => version,
            Err(reason) => {
                refusals.push(Refusal::BadVersion {
                    tool,
                    version: row.version.clone(),
                    reason,
                });
                continue;
            }
        };
        let missing = || Refusal::MissingFile {
            tool,
            version: row.version.clone(),
            name: row.name.clone(),
        };
        match &row.state {
            RowState::Applied(checksum) => {
                let Some(file) = find(version) else {
                    refusals.push(missing());
                    continue;
                };
                match compare(tool, &row.version, checksum.as_ref(), file) {
                    Ok(reason) => add(
                        Match {
                            migration: file.migration,
                            reason,
                        },
                        &mut applied,
                    ),
                    Err(refusal) => refusals.push(refusal),
                }
            }
            RowState::Current | RowState::Baseline => {
                let (reason, needs_file) = if row.state == RowState::Current {
                    (Reason::BelowCurrent, true)
                } else {
                    (Reason::Baseline, false)
                };
                if needs_file && find(version).is_none() {
                    refusals.push(missing());
                    continue;
                }
                for file in files.iter().filter(|f| f.migration.version <= version) {
                    add(
                        Match {
                            migration: file.migration,
                            reason,
                        },
                        &mut applied,
                    );
                }
            }
            // Refused above.
            RowState::Failed | RowState::Dirty | RowState::Repeatable => {}
        }
    }
    applied.sort_by_key(|m| m.migration.version);
    let mut already_recorded = Vec::new();
    for row in recorded {
        // A version only dbward has is its own work (an `up` after an earlier adopt).
        let Some(matched) = applied.iter().find(|m| m.migration.version == row.version) else {
            continue;
        };
        let file = &matched.migration.up;
        let reason = if row.outcome != Outcome::Succeeded {
            Some("as a run that did not finish".to_string())
        } else if row.checksum != Some(file.checksum) {
            Some(format!(
                "with another checksum than {}'s",
                file.path.display()
            ))
        } else {
            None
        };
        match reason {
            Some(reason) => refusals.push(Refusal::HistoryDisagrees {
                version: row.version,
                reason,
            }),
            None => already_recorded.push(row.version),
        }
    }
    if !refusals.is_empty() {
        return Err(refusals);
    }
    let pending = files
        .iter()
        .map(|f| f.migration.version)
        .filter(|v| !applied.iter().any(|m| m.migration.version == *v))
        .filter(|v| !recorded.iter().any(|r| r.version == *v))
        .collect();
    applied.retain(|m| !already_recorded.contains(&m.migration.version));
    Ok(Adoption {
        record: applied,
        already_recorded,
        pending,
    })
}

/// The tool's checksum of a file against the one it stored.
fn compare(
    tool: Tool,
    version: &str,
    stored: Option<&ToolChecksum>,
    file: &LocalFile<'_>,
) -> Result<Reason, Refusal> {
    let differs = |stored: String, file_has: String| Refusal::ChecksumDiffers {
        tool,
        version: version.to_string(),
        file: file.migration.up.path.display().to_string(),
        stored,
        file_has,
    };
    match stored {
        None => Ok(Reason::Listed),
        Some(ToolChecksum::Sha384(stored)) => {
            let has = foreign_checksum::sqlx(file.raw);
            if has == *stored {
                Ok(Reason::ChecksumMatched)
            } else {
                Err(differs(hex(stored), hex(&has)))
            }
        }
        Some(ToolChecksum::Crc32(stored)) => {
            let has = foreign_checksum::flyway(file.raw);
            if has == *stored {
                Ok(Reason::ChecksumMatched)
            } else {
                Err(differs(stored.to_string(), has.to_string()))
            }
        }
        Some(ToolChecksum::Refinery {
            stored,
            version: number,
        }) => {
            let Ok(expected) = stored.trim().parse::<u64>() else {
                return Err(Refusal::BadChecksum {
                    tool,
                    version: version.to_string(),
                    stored: stored.clone(),
                });
            };
            let path = &file.migration.up.path;
            let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
            let name =
                foreign_checksum::refinery_name(stem).unwrap_or(file.migration.name.as_str());
            let text = String::from_utf8_lossy(file.raw);
            let has = foreign_checksum::refinery(name, *number, &text);
            if has == expected {
                Ok(Reason::ChecksumMatched)
            } else {
                Err(differs(expected.to_string(), has.to_string()))
            }
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    let full: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    full.chars().take(16).collect()
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::migrate::foreign_checksum::RefineryVersion;
    use crate::migrate::model::{Checksum, Script, TransactionMode};

    fn migration(version: u64, file: &str, text: &str) -> Migration {
        Migration {
            version: Version::new(version),
            name: file.to_string(),
            up: Script::new(
                PathBuf::from(format!("migrations/{file}.sql")),
                text.to_string(),
                Checksum::of(text),
                TransactionMode::Transaction,
            ),
            rollback_path: None,
            down: None,
        }
    }

    fn row(version: &str, state: RowState) -> ForeignRow {
        ForeignRow {
            version: version.to_string(),
            name: Some(format!("m{version}")),
            state,
        }
    }

    fn numbers(s: &str) -> Result<Version, String> {
        s.parse::<u64>()
            .map(Version::new)
            .map_err(|_| "not a number".to_string())
    }

    const TEXTS: [&str; 3] = [
        "create table a ();\n",
        "create table b ();\r\n",
        "\u{feff}create table c ();\n",
    ];

    fn project() -> Vec<Migration> {
        vec![
            migration(1, "V1__a", TEXTS[0]),
            migration(2, "V2__b", TEXTS[1]),
            migration(3, "V3__c", TEXTS[2]),
        ]
    }

    fn files(migrations: &[Migration]) -> Vec<LocalFile<'_>> {
        migrations
            .iter()
            .zip(TEXTS)
            .map(|(migration, text)| LocalFile {
                migration,
                raw: text.as_bytes(),
            })
            .collect()
    }

    fn succeeded(version: u64, text: &str) -> Applied {
        Applied {
            version: Version::new(version),
            name: "x".into(),
            checksum: Some(Checksum::of(text)),
            rollback_checksum: None,
            applied_at: "2026-11-30T00:00:00Z".into(),
            applied_by: "postgres".into(),
            execution_ms: 0,
            outcome: Outcome::Succeeded,
        }
    }

    /// `recorded` and `pending` versions, or the refusals' kinds.
    fn outcome(tool: Tool, rows: &[ForeignRow], recorded: &[Applied]) -> String {
        let migrations = project();
        let files = files(&migrations);
        match plan(tool, rows, &files, recorded, numbers) {
            Ok(a) => format!(
                "record {:?} already {:?} pending {:?}",
                a.record
                    .iter()
                    .map(|m| m.migration.version.key())
                    .collect::<Vec<_>>(),
                a.already_recorded
                    .iter()
                    .map(|v| v.key())
                    .collect::<Vec<_>>(),
                a.pending.iter().map(|v| v.key()).collect::<Vec<_>>()
            ),
            Err(refusals) => refusals
                .iter()
                .map(|r| {
                    serde_json::to_value(r).unwrap()["kind"]
                        .as_str()
                        .unwrap()
                        .to_string()
                })
                .collect::<Vec<_>>()
                .join(","),
        }
    }

    fn sha(i: usize) -> Option<ToolChecksum> {
        Some(ToolChecksum::Sha384(foreign_checksum::sqlx(
            TEXTS[i].as_bytes(),
        )))
    }

    fn crc(i: usize) -> Option<ToolChecksum> {
        Some(ToolChecksum::Crc32(foreign_checksum::flyway(
            TEXTS[i].as_bytes(),
        )))
    }

    fn refinery(i: usize, name: &str) -> Option<ToolChecksum> {
        let version = RefineryVersion::Int4(i as i32 + 1);
        Some(ToolChecksum::Refinery {
            stored: foreign_checksum::refinery(name, version, TEXTS[i]).to_string(),
            version,
        })
    }

    #[test]
    fn rows_match_files_or_are_refused_by_name() {
        use RowState::*;
        let applied = |c| Applied(c);
        for (tool, rows, expected) in [
            (
                Tool::Sqlx,
                vec![row("1", applied(sha(0))), row("2", applied(sha(1)))],
                "record [1, 2] already [] pending [3]",
            ),
            // The file's own bytes: a CRLF file is hashed with its CRs, a BOM file with it.
            (
                Tool::Sqlx,
                vec![row("2", applied(sha(0)))],
                "checksum_differs",
            ),
            (
                Tool::Sqlx,
                vec![row("1", applied(sha(0))), row("2", Failed)],
                "failed",
            ),
            (Tool::Sqlx, vec![row("9", applied(sha(0)))], "missing_file"),
            (
                Tool::Flyway,
                vec![row("1", applied(crc(0))), row("3", applied(crc(2)))],
                "record [1, 3] already [] pending [2]",
            ),
            (
                Tool::Flyway,
                vec![row("1", applied(crc(1)))],
                "checksum_differs",
            ),
            (
                Tool::Flyway,
                vec![row("2", Baseline), row("3", applied(crc(2)))],
                "record [1, 2, 3] already [] pending []",
            ),
            (
                Tool::Flyway,
                vec![ForeignRow {
                    version: String::new(),
                    name: Some("views".into()),
                    state: Repeatable,
                }],
                "repeatable",
            ),
            (
                Tool::Refinery,
                vec![
                    row("1", applied(refinery(0, "a"))),
                    row("2", applied(refinery(1, "b"))),
                ],
                "record [1, 2] already [] pending [3]",
            ),
            // refinery's hash holds the name: a renamed file is another migration.
            (
                Tool::Refinery,
                vec![row("1", applied(refinery(0, "initial")))],
                "checksum_differs",
            ),
            (
                Tool::Refinery,
                vec![row(
                    "1",
                    applied(Some(ToolChecksum::Refinery {
                        stored: "abc".into(),
                        version: RefineryVersion::Int4(1),
                    })),
                )],
                "bad_checksum",
            ),
            (
                Tool::GolangMigrate,
                vec![row("2", Current)],
                "record [1, 2] already [] pending [3]",
            ),
            (Tool::GolangMigrate, vec![row("2", Dirty)], "dirty"),
            (Tool::GolangMigrate, vec![row("7", Current)], "missing_file"),
            (
                Tool::Dbmate,
                vec![row("1", applied(None)), row("3", applied(None))],
                "record [1, 3] already [] pending [2]",
            ),
            (Tool::Dbmate, vec![row("x1", applied(None))], "bad_version"),
            (
                Tool::Supabase,
                vec![],
                "record [] already [] pending [1, 2, 3]",
            ),
            // Every case is named, not only the first.
            (
                Tool::Sqlx,
                vec![
                    row("1", applied(sha(1))),
                    row("2", Failed),
                    row("8", applied(sha(0))),
                ],
                "checksum_differs,failed,missing_file",
            ),
        ] {
            assert_eq!(outcome(tool, &rows, &[]), expected, "{tool} {rows:?}");
        }
    }

    #[test]
    fn dbwards_own_history_must_agree_with_the_tools() {
        let rows = [
            row("1", RowState::Applied(sha(0))),
            row("2", RowState::Applied(sha(1))),
        ];
        // Adopting twice records nothing the second time.
        assert_eq!(
            outcome(Tool::Sqlx, &rows, &[succeeded(1, TEXTS[0])]),
            "record [2] already [1] pending [3]"
        );
        // A version only dbward has (applied by `up` since) is its own, not pending.
        assert_eq!(
            outcome(Tool::Sqlx, &rows, &[succeeded(3, TEXTS[2])]),
            "record [1, 2] already [] pending []"
        );
        // Of another file, or unfinished: refused.
        assert_eq!(
            outcome(Tool::Sqlx, &rows, &[succeeded(2, "something else")]),
            "history_disagrees"
        );
        let failed = Applied {
            outcome: Outcome::Failed,
            ..succeeded(1, TEXTS[0])
        };
        assert_eq!(outcome(Tool::Sqlx, &rows, &[failed]), "history_disagrees");
    }

    #[test]
    fn refusals_say_what_to_do() {
        let text = Refusal::Dirty {
            tool: Tool::GolangMigrate,
            version: "3".into(),
        }
        .to_string();
        assert!(
            text.contains("golang-migrate marks version 3 dirty"),
            "{text}"
        );
        let text = Refusal::MissingFile {
            tool: Tool::Dbmate,
            version: "20240101120000".into(),
            name: None,
        }
        .to_string();
        assert!(
            text.contains("dbmate applied version 20240101120000, and no migration file"),
            "{text}"
        );
    }
}
