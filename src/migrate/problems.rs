//! Everything that can be wrong with a project's files, found before any connection is
//! made, and the words that tell the user how to fix it.

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

use super::model::Version;

/// Something wrong with the files themselves, found before any connection is made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum FileProblem {
    Unreadable {
        path: PathBuf,
        message: String,
    },
    BadName {
        path: PathBuf,
        reason: String,
    },
    NotUtf8 {
        path: PathBuf,
        line: usize,
        byte_offset: usize,
    },
    DuplicateVersion {
        version: Version,
        paths: Vec<PathBuf>,
        next_free: Version,
    },
    DuplicateRollback {
        version: Version,
        paths: Vec<PathBuf>,
    },
    OrphanRollback {
        path: PathBuf,
        /// The migration with the same number, when there is one under another name.
        migration_with_same_number: Option<PathBuf>,
    },
    UnknownDirective {
        path: PathBuf,
        line: usize,
        directive: String,
    },
    /// A leading comment that was almost a directive.
    MisspeltDirective {
        path: PathBuf,
        line: usize,
        written: String,
    },
    /// A known directive with a value it cannot take.
    BadDirective {
        path: PathBuf,
        line: usize,
        message: String,
    },
    /// A folder named in dbward.toml that is not there.
    MissingFolder {
        path: PathBuf,
        key: String,
    },
    TransactionControl {
        path: PathBuf,
        line: usize,
        column: usize,
        keyword: String,
    },
    Unsplittable {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    /// A migration with nothing but white space and comments (or nothing at all).
    Empty {
        path: PathBuf,
    },
    /// PostgreSQL cannot take a NUL byte in a query.
    NulByte {
        path: PathBuf,
        line: usize,
        column: usize,
    },
    TooDeep {
        path: PathBuf,
        line: usize,
        message: String,
    },
    /// Another tool's marker that dbward cannot follow, or that would run the wrong SQL.
    Marker {
        path: PathBuf,
        line: usize,
        message: String,
    },
    /// A statement PostgreSQL runs only outside a transaction block, in a file that runs
    /// in one.
    NeedsNoTransaction {
        path: PathBuf,
        line: usize,
        column: usize,
        statement: String,
    },
    /// A file wrapped whole in a `BEGIN` whose options ask for a transaction unlike the one
    /// dbward runs it in.
    WrappedInAnotherTransaction {
        path: PathBuf,
        line: usize,
        column: usize,
        begin: String,
    },
}

impl fmt::Display for FileProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileProblem::Unreadable { path, message } => {
                write!(f, "{}: cannot be read: {message}", path.display())
            }
            FileProblem::BadName { path, reason } => write!(f, "{}: {reason}", path.display()),
            FileProblem::Marker {
                path,
                line,
                message,
            } => write!(f, "{}:{line}: {message}", path.display()),
            FileProblem::NotUtf8 {
                path,
                line,
                byte_offset,
            } => write!(
                f,
                "{}:{line}: is not UTF-8 (invalid byte at offset {byte_offset}); save the file as UTF-8",
                path.display()
            ),
            FileProblem::DuplicateVersion {
                version,
                paths,
                next_free,
            } => write!(
                f,
                "duplicate migration number {version}: {}; renumber all but one (the next free number is {next_free})",
                join_paths(paths)
            ),
            FileProblem::DuplicateRollback { version, paths } => write!(
                f,
                "duplicate rollback number {version}: {}; keep one rollback per migration",
                join_paths(paths)
            ),
            FileProblem::OrphanRollback {
                path,
                migration_with_same_number,
            } => match migration_with_same_number {
                Some(migration) => write!(
                    f,
                    "{}: rollback name does not match its migration {}; give both the same name",
                    path.display(),
                    migration.display()
                ),
                None => write!(
                    f,
                    "{}: rollback matches no migration; remove it or add the migration",
                    path.display()
                ),
            },
            FileProblem::UnknownDirective {
                path,
                line,
                directive,
            } => write!(
                f,
                "{}:{line}: unknown directive `-- dbward:{directive}`; the known ones are {}",
                path.display(),
                super::directives::KNOWN
            ),
            FileProblem::BadDirective {
                path,
                line,
                message,
            } => write!(f, "{}:{line}: {message}", path.display()),
            FileProblem::MisspeltDirective {
                path,
                line,
                written,
            } => write!(
                f,
                "{}:{line}: `-- {written}` looks like a directive but is not one; write `-- dbward:no-transaction` (lower-case) or reword the comment",
                path.display()
            ),
            FileProblem::MissingFolder { path, key } => write!(
                f,
                "{}: no such folder, though dbward.toml names it as `{key}`; create it or correct the setting",
                path.display()
            ),
            FileProblem::TransactionControl {
                path,
                line,
                column,
                keyword,
            } => write!(
                f,
                "{}:{line}:{column}: {keyword} would end dbward's transaction half-way; remove it (each migration already runs in one transaction) or start the file with `-- dbward:no-transaction`",
                path.display()
            ),
            FileProblem::Unsplittable {
                path,
                line,
                column,
                message,
            } => write!(
                f,
                "{}:{line}:{column}: cannot split this no-transaction file into statements: {message}",
                path.display()
            ),
            FileProblem::Empty { path } => write!(
                f,
                "{}: holds no SQL (only white space or comments); write the migration, or remove the file",
                path.display()
            ),
            FileProblem::NulByte { path, line, column } => write!(
                f,
                "{}:{line}:{column}: holds a NUL byte, which PostgreSQL cannot take; remove it",
                path.display()
            ),
            FileProblem::TooDeep {
                path,
                line,
                message,
            } => write!(f, "{}:{line}: {message}", path.display()),
            FileProblem::NeedsNoTransaction {
                path,
                line,
                column,
                statement,
            } => write!(
                f,
                "{}:{line}:{column}: {statement} cannot run inside a transaction; add -- dbward:no-transaction to the file's leading comments",
                path.display()
            ),
            FileProblem::WrappedInAnotherTransaction {
                path,
                line,
                column,
                begin,
            } => write!(
                f,
                "{}:{line}:{column}: `{begin}` asks for a transaction unlike the one dbward runs each migration in (read committed, read-write); remove its options to run the file in dbward's transaction, or start the file with `-- dbward:no-transaction` to run its own",
                path.display()
            ),
        }
    }
}

fn join_paths(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(" and ")
}
