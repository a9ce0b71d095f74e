//! Which version `dbward new` gives the next migration, and the files it writes, in each
//! tool's way.

use super::{Layout, NumberedFile};
use crate::migrate::model::Version;

/// How the versions of a project are chosen, which `dbward new` follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Numbering {
    /// 1, 2, 3, ... (with the width already in use).
    Sequential,
    /// `YYYYMMDDHHMMSS` in UTC.
    Timestamp,
}

/// The files `dbward new` writes: names (to be put in the project's folders) and text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFiles {
    pub version: Version,
    pub migration_file: String,
    pub migration_text: String,
    /// Absent where the tool keeps no rollback file of its own (its down section, if any,
    /// is in the migration).
    pub rollback: Option<(String, String)>,
}

/// How many digits a timestamp version has.
const TIMESTAMP_DIGITS: usize = 14;

impl Layout {
    /// How the project numbers its migrations: by the newest one, or as the tool does by
    /// default in a project without any.
    pub fn numbering(self, files: &[NumberedFile]) -> Numbering {
        let newest = files.iter().max_by_key(|f| f.version);
        match newest {
            Some(file) if file.version.number().is_some_and(is_timestamp) => Numbering::Timestamp,
            Some(_) => Numbering::Sequential,
            None => match self {
                Layout::Dbward | Layout::Flyway => Numbering::Sequential,
                _ => Numbering::Timestamp,
            },
        }
    }

    /// The number the next sequential migration gets, written as wide as the widest
    /// already used, so that the folder keeps sorting by number. For dotted versions, the
    /// next whole one.
    pub fn next_number(self, files: &[NumberedFile]) -> Version {
        let next = files
            .iter()
            .map(|f| f.version)
            .max()
            .map_or(1, |newest| newest.parts()[0] + 1);
        let width = files
            .iter()
            .filter_map(|f| f.version.number().map(|_| f.version.to_string().len()))
            .max()
            .unwrap_or(match self {
                Layout::Dbward => 3,
                Layout::GolangMigrate => 6,
                Layout::Goose => 5,
                _ => 1,
            });
        match self {
            Layout::Flyway => Version::dotted(&[next]).unwrap_or(Version::new(next)),
            _ => Version::padded(next, width),
        }
    }

    /// What `dbward new NAME` writes after the `existing` migrations, at `now` (UTC,
    /// `YYYYMMDDHHMMSS`) for projects numbered by timestamp. `name` is already checked with
    /// [`Layout::allows_name`]. A timestamp at or below the newest version is moved past
    /// it, so that the new migration is always the newest.
    pub fn new_files(self, existing: &[NumberedFile], name: &str, now: &str) -> NewFiles {
        let version = match self.numbering(existing) {
            Numbering::Sequential => self.next_number(existing),
            Numbering::Timestamp => {
                let now: u64 = now.parse().unwrap_or(0);
                let newest = existing.iter().filter_map(|f| f.version.number()).max();
                let next = newest.map_or(now, |n| now.max(n + 1));
                Version::padded(next, TIMESTAMP_DIGITS)
            }
        };
        let prose = name.replace('_', " ");
        let no_transaction = match self {
            Layout::Sqlx => "make the first line `-- no-transaction`",
            Layout::Goose => "add `-- +goose NO TRANSACTION` at the top",
            Layout::Dbmate => "write `-- migrate:up transaction:false`",
            _ => "make the first line `-- dbward:no-transaction`",
        };
        let header = |file: &str| {
            format!(
                "-- {file}: {prose}\n\
                 -- Runs in one transaction together with its history row. For statements that\n\
                 -- cannot run in a transaction (CREATE INDEX CONCURRENTLY), {no_transaction}.\n"
            )
        };
        let undoes = |file: &str| {
            format!("-- Undoes {file} exactly, so that `dbward down` leaves nothing of it.\n\n")
        };
        let pair = |up: String, down: String| {
            let text = format!("{}\n", header(&up));
            let rollback = undoes(&up);
            NewFiles {
                version,
                migration_file: up,
                migration_text: text,
                rollback: Some((down, rollback)),
            }
        };
        match self {
            Layout::Dbward => {
                let file = format!("{version}_{name}.sql");
                let text = format!("{}\n", header(&file));
                NewFiles {
                    version,
                    migration_text: text,
                    rollback: Some((file.clone(), undoes(&format!("migrations/{file}")))),
                    migration_file: file,
                }
            }
            Layout::Sqlx | Layout::GolangMigrate => pair(
                format!("{version}_{name}.up.sql"),
                format!("{version}_{name}.down.sql"),
            ),
            Layout::Goose | Layout::Dbmate => {
                let file = format!("{version}_{name}.sql");
                let (up, down) = match self {
                    Layout::Goose => ("-- +goose Up", "-- +goose Down"),
                    _ => ("-- migrate:up", "-- migrate:down"),
                };
                let text = format!(
                    "{}{up}\n\n\n{down}\n-- Undoes the section above exactly, so that `dbward down` leaves nothing of it.\n\n",
                    header(&file)
                );
                NewFiles {
                    version,
                    migration_file: file,
                    migration_text: text,
                    rollback: None,
                }
            }
            Layout::Flyway => {
                let file = format!("V{}__{name}.sql", version.parts()[0]);
                NewFiles {
                    version,
                    migration_text: format!("{}\n", header(&file)),
                    migration_file: file,
                    rollback: None,
                }
            }
            Layout::Supabase => {
                let file = format!("{version}_{name}.sql");
                NewFiles {
                    version,
                    migration_text: format!("{}\n", header(&file)),
                    migration_file: file,
                    rollback: None,
                }
            }
        }
    }
}

/// Whether a number reads as `YYYYMMDDHHMMSS`.
fn is_timestamp(number: u64) -> bool {
    (19_000_101_000_000..=29_991_231_235_959).contains(&number)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrate::layout::testing::file;

    #[test]
    fn next_number_follows_the_widest_and_highest() {
        let files = |names: &[&str]| -> Vec<NumberedFile> {
            names.iter().map(|n| file(Layout::Dbward, n)).collect()
        };
        for (names, next) in [
            (vec![], "001"),
            (vec!["0007_a.sql"], "0008"),
            (vec!["1_a.sql", "002_b.sql"], "003"),
            (vec!["12_a.sql", "003_b.sql"], "013"),
        ] {
            assert_eq!(Layout::Dbward.next_number(&files(&names)).to_string(), next);
        }
    }

    #[test]
    fn new_files_follow_the_layout_and_its_numbering() {
        use Layout::*;
        let now = "20261130031500";
        for (layout, existing, migration, rollback) in [
            (
                Dbward,
                vec!["09_a.sql"],
                "10_add_invoices.sql",
                Some("10_add_invoices.sql"),
            ),
            (
                Sqlx,
                vec![],
                "20261130031500_add_invoices.up.sql",
                Some("20261130031500_add_invoices.down.sql"),
            ),
            (
                Sqlx,
                vec!["0003_a.sql"],
                "0004_add_invoices.up.sql",
                Some("0004_add_invoices.down.sql"),
            ),
            (
                GolangMigrate,
                vec!["000001_a.up.sql"],
                "000002_add_invoices.up.sql",
                Some("000002_add_invoices.down.sql"),
            ),
            (
                GolangMigrate,
                vec!["20300101000000_a.up.sql"],
                "20300101000001_add_invoices.up.sql",
                Some("20300101000001_add_invoices.down.sql"),
            ),
            (Goose, vec!["00004_a.sql"], "00005_add_invoices.sql", None),
            (Dbmate, vec![], "20261130031500_add_invoices.sql", None),
            (Flyway, vec!["V1_2__a.sql"], "V2__add_invoices.sql", None),
            (Flyway, vec![], "V1__add_invoices.sql", None),
            (
                Supabase,
                vec!["20240101120000_a.sql"],
                "20261130031500_add_invoices.sql",
                None,
            ),
        ] {
            let existing: Vec<NumberedFile> = existing.iter().map(|n| file(layout, n)).collect();
            let new = layout.new_files(&existing, "add_invoices", now);
            assert_eq!(new.migration_file, migration, "{layout:?}");
            assert_eq!(
                new.rollback.as_ref().map(|(f, _)| f.as_str()),
                rollback,
                "{layout:?}"
            );
            // What it writes reads back as the migration it announced, and is the newest.
            let back = file(layout, &new.migration_file);
            assert_eq!(back.version, new.version, "{layout:?}");
            assert!(
                existing.iter().all(|e| e.version < back.version),
                "{layout:?}"
            );
            assert!(
                new.migration_text.contains(": add invoices\n"),
                "{layout:?}"
            );
        }
        let goose = Goose.new_files(&[], "a", now);
        assert!(
            goose.migration_text.contains("-- +goose Up\n")
                && goose.migration_text.contains("-- +goose Down\n")
        );
        let dbmate = Dbmate.new_files(&[], "a", now);
        assert!(
            dbmate.migration_text.contains("-- migrate:up\n")
                && dbmate.migration_text.contains("-- migrate:down\n")
        );
        let dbward = Dbward.new_files(&[], "a", now);
        assert!(dbward.migration_text.contains("`-- dbward:no-transaction`"));
        assert_eq!(
            dbward.rollback.unwrap().1,
            "-- Undoes migrations/001_a.sql exactly, so that `dbward down` leaves nothing of it.\n\n"
        );
    }
}
