//! The files `dbward diff --write` writes: a generated migration and its rollback, named and
//! marked as the project's tool expects (its sections, its no-transaction marker).

use super::{Layout, NumberedFile, Role};
use crate::migrate::model::{TransactionMode, Version};

/// The SQL of a generated migration, each statement already with its comment lines.
#[derive(Debug, Clone, Copy)]
pub struct GeneratedSql<'a> {
    pub up: &'a [String],
    pub down: &'a [String],
    pub mode: TransactionMode,
    /// What the migration was made from, for its header: `the local database`.
    pub source: &'a str,
}

/// A file to write: its name (in the project's migrations or rollbacks folder) and text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    pub file: String,
    pub text: String,
}

/// What a generated migration becomes in a layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFiles {
    pub version: Version,
    /// In the migrations folder.
    pub migration: GeneratedFile,
    /// In the rollbacks folder (dbward's layout) or beside the migration.
    pub rollback: Option<GeneratedFile>,
    /// The rollback's SQL where the tool keeps no rollbacks (Supabase, Flyway): proven like
    /// the others, printed, not written.
    pub unwritten_rollback: Option<String>,
}

impl Layout {
    /// The files of a generated migration after the `existing` ones, at `now` (UTC,
    /// `YYYYMMDDHHMMSS`). `name` is already checked with [`Layout::allows_name`].
    pub fn generated_files(
        self,
        existing: &[NumberedFile],
        name: &str,
        now: &str,
        sql: GeneratedSql<'_>,
    ) -> GeneratedFiles {
        let names = self.new_files(existing, name, now);
        let no_transaction = sql.mode == TransactionMode::NoTransaction;
        let header = |file: &str, what: &str| {
            let mut text = String::new();
            if no_transaction {
                match self {
                    Layout::Sqlx => text.push_str("-- no-transaction\n"),
                    Layout::Goose => text.push_str("-- +goose NO TRANSACTION\n"),
                    // dbmate marks it on each section.
                    Layout::Dbmate => {}
                    _ => text.push_str("-- dbward:no-transaction\n"),
                }
            }
            text.push_str(&format!(
                "-- {file}: {}\n-- {what}. Written by `dbward diff --write` from the schema of\n-- {}, and proven on a throw-away database first.\n",
                name.replace('_', " "),
                sql.source
            ));
            if no_transaction {
                text.push_str(
                    "-- Runs outside a transaction: CONCURRENTLY and VALIDATE do not block writes.\n",
                );
            }
            text
        };
        let body = |statements: &[String]| -> String {
            let mut text = String::new();
            for statement in statements {
                text.push('\n');
                if self == Layout::Goose {
                    // goose splits on semicolons unless told where a statement ends.
                    text.push_str(&format!(
                        "-- +goose StatementBegin\n{statement}\n-- +goose StatementEnd\n"
                    ));
                } else {
                    text.push_str(statement);
                    text.push('\n');
                }
            }
            text
        };
        let file = names.migration_file;
        let migration_header = header(&file, "The migration");
        match self {
            Layout::Goose | Layout::Dbmate => {
                let (up, down) = match (self, no_transaction) {
                    (Layout::Goose, _) => ("-- +goose Up", "-- +goose Down"),
                    (_, false) => ("-- migrate:up", "-- migrate:down"),
                    (_, true) => (
                        "-- migrate:up transaction:false",
                        "-- migrate:down transaction:false",
                    ),
                };
                let text = format!(
                    "{migration_header}{up}\n{}\n{down}\n{}",
                    body(sql.up),
                    body(sql.down)
                );
                GeneratedFiles {
                    version: names.version,
                    migration: GeneratedFile { file, text },
                    rollback: None,
                    unwritten_rollback: None,
                }
            }
            Layout::Flyway | Layout::Supabase => GeneratedFiles {
                version: names.version,
                migration: GeneratedFile {
                    text: format!("{migration_header}{}", body(sql.up)),
                    file,
                },
                rollback: None,
                unwritten_rollback: Some(body(sql.down).trim_start().to_string()),
            },
            Layout::Dbward | Layout::Sqlx | Layout::GolangMigrate => {
                let (rollback_file, _) = names
                    .rollback
                    .expect("these layouts keep a rollback file beside each migration");
                let rollback = GeneratedFile {
                    text: format!(
                        "{}{}",
                        header(&rollback_file, "The rollback"),
                        body(sql.down)
                    ),
                    file: rollback_file,
                };
                GeneratedFiles {
                    version: names.version,
                    migration: GeneratedFile {
                        text: format!("{migration_header}{}", body(sql.up)),
                        file,
                    },
                    rollback: Some(rollback),
                    unwritten_rollback: None,
                }
            }
        }
    }

    /// The migration file as the project's files are read: so that a second generated
    /// migration is numbered after the first.
    pub fn generated_file(self, folder: &std::path::Path, file: &str) -> Option<NumberedFile> {
        self.parse(&folder.join(file), Role::Migration)
            .ok()
            .flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrate::layout::testing::file;
    use crate::migrate::sections;

    const NOW: &str = "20261130031500";

    fn generate(layout: Layout, existing: &[&str], mode: TransactionMode) -> GeneratedFiles {
        let existing: Vec<NumberedFile> = existing.iter().map(|n| file(layout, n)).collect();
        let up = vec!["CREATE TABLE public.t (a integer);".to_string()];
        let down =
            vec!["-- hazard: drops the table and its rows\nDROP TABLE public.t;".to_string()];
        layout.generated_files(
            &existing,
            "add_t",
            NOW,
            GeneratedSql {
                up: &up,
                down: &down,
                mode,
                source: "the local database",
            },
        )
    }

    #[test]
    fn dbward_writes_a_migration_and_a_rollback_of_the_same_name() {
        let files = generate(Layout::Dbward, &["001_a.sql"], TransactionMode::Transaction);
        assert_eq!(files.migration.file, "002_add_t.sql");
        assert_eq!(
            files.migration.text,
            "-- 002_add_t.sql: add t\n-- The migration. Written by `dbward diff --write` from the schema of\n-- the local database, and proven on a throw-away database first.\n\nCREATE TABLE public.t (a integer);\n"
        );
        let rollback = files.rollback.unwrap();
        assert_eq!(rollback.file, "002_add_t.sql");
        assert!(
            rollback
                .text
                .ends_with("\n-- hazard: drops the table and its rows\nDROP TABLE public.t;\n"),
            "{}",
            rollback.text
        );
        assert_eq!(files.unwritten_rollback, None);
    }

    #[test]
    fn no_transaction_is_marked_as_each_tool_reads_it() {
        let files = generate(Layout::Dbward, &[], TransactionMode::NoTransaction);
        assert!(
            files
                .migration
                .text
                .starts_with("-- dbward:no-transaction\n")
        );
        let files = generate(Layout::Sqlx, &[], TransactionMode::NoTransaction);
        assert_eq!(
            sections::sqlx_mode(&files.migration.text),
            Some(TransactionMode::NoTransaction)
        );
        assert_eq!(files.migration.file, "20261130031500_add_t.up.sql");
        assert_eq!(
            files.rollback.unwrap().file,
            "20261130031500_add_t.down.sql"
        );
        for layout in [Layout::Goose, Layout::Dbmate] {
            let files = generate(layout, &[], TransactionMode::NoTransaction);
            let read = sections::split(layout, &files.migration.text).unwrap();
            assert_eq!(
                read.up.mode,
                Some(TransactionMode::NoTransaction),
                "{layout:?}"
            );
        }
    }

    #[test]
    fn sections_hold_both_directions_and_goose_marks_each_statement() {
        let files = generate(Layout::Goose, &[], TransactionMode::Transaction);
        assert!(files.rollback.is_none());
        assert!(files.migration.text.contains(
            "-- +goose Up\n\n-- +goose StatementBegin\nCREATE TABLE public.t (a integer);\n-- +goose StatementEnd\n\n-- +goose Down\n"
        ), "{}", files.migration.text);
        let read = sections::split(Layout::Goose, &files.migration.text).unwrap();
        assert!(read.down.unwrap().sql.contains("DROP TABLE public.t;"));
        let files = generate(Layout::Dbmate, &[], TransactionMode::Transaction);
        assert!(
            files
                .migration
                .text
                .contains("-- migrate:up\n\nCREATE TABLE")
        );
    }

    #[test]
    fn tools_without_rollbacks_get_the_migration_and_the_rollback_to_print() {
        let files = generate(Layout::Supabase, &[], TransactionMode::Transaction);
        assert_eq!(files.migration.file, "20261130031500_add_t.sql");
        assert!(files.rollback.is_none());
        assert_eq!(
            files.unwritten_rollback.as_deref(),
            Some("-- hazard: drops the table and its rows\nDROP TABLE public.t;\n")
        );
    }
}
