//! Reads `migrations/` and `rollbacks/` into checked [`Migration`]s. Every problem in the
//! files is collected, so one run names them all, and nothing here touches a database.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::directives::{self, DirectiveProblem};
use super::model::{Checksum, Migration, Script, TransactionMode, Version};
use super::statements;

/// Where a project keeps its scripts.
#[derive(Debug, Clone)]
pub struct SourceDirs {
    pub migrations: PathBuf,
    pub rollbacks: PathBuf,
    /// The dbward.toml keys that named these folders: a folder named there must exist (a
    /// default one may not yet, in a fresh project).
    pub named_in_config: Vec<(&'static str, PathBuf)>,
}

impl SourceDirs {
    /// The folders dbward.toml names that are not there.
    pub fn missing(&self) -> Vec<FileProblem> {
        self.named_in_config
            .iter()
            .filter(|(_, path)| !path.exists())
            .map(|(key, path)| FileProblem::MissingFolder {
                path: path.clone(),
                key: key.to_string(),
            })
            .collect()
    }
}

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
    /// A statement PostgreSQL runs only outside a transaction block, in a file that runs
    /// in one.
    NeedsNoTransaction {
        path: PathBuf,
        line: usize,
        column: usize,
        statement: String,
    },
}

impl fmt::Display for FileProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileProblem::Unreadable { path, message } => {
                write!(f, "{}: cannot be read: {message}", path.display())
            }
            FileProblem::BadName { path, reason } => write!(f, "{}: {reason}", path.display()),
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
                "{}:{line}: unknown directive `-- dbward:{directive}`; the known one is `-- dbward:no-transaction`",
                path.display()
            ),
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

/// A file name read as `NNN_name.sql`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberedFile {
    pub version: Version,
    pub name: String,
    /// How many digits the number was written with.
    pub width: usize,
    pub path: PathBuf,
}

/// Parses `NNN_name.sql`. `Ok(None)` for files that are not SQL scripts at all.
pub fn parse_file_name(path: &Path) -> Result<Option<NumberedFile>, FileProblem> {
    let Some(file_name) = path.file_name().and_then(|n| n.to_str()) else {
        return Err(FileProblem::BadName {
            path: path.to_path_buf(),
            reason: "file name is not UTF-8".into(),
        });
    };
    if file_name.starts_with('.') {
        return Ok(None);
    }
    let Some(stem) = file_name.strip_suffix(".sql") else {
        if has_sql_extension(file_name) {
            return Err(FileProblem::BadName {
                path: path.to_path_buf(),
                reason: format!(
                    "dbward reads only names ending in lower-case `.sql`, so it would pass this file over; rename it to {}.sql",
                    &file_name[..file_name.len() - 4]
                ),
            });
        }
        return Ok(None);
    };
    let bad = |reason: &str| FileProblem::BadName {
        path: path.to_path_buf(),
        reason: format!("{reason}; expected NNN_name.sql, e.g. 001_create_users.sql"),
    };
    let Some((digits, name)) = stem.split_once('_') else {
        return Err(bad("no `_` between number and name"));
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad("does not start with a number"));
    }
    if name.is_empty() {
        return Err(bad("has no name after the number"));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(bad("name may hold only letters, digits, `_` and `-`"));
    }
    let number: u64 = digits
        .parse()
        .ok()
        .filter(|n| *n <= i64::MAX as u64)
        .ok_or_else(|| bad("number is too large"))?;
    if number == 0 {
        return Err(bad("number must be positive"));
    }
    Ok(Some(NumberedFile {
        version: Version(number),
        name: name.to_string(),
        width: digits.len(),
        path: path.to_path_buf(),
    }))
}

/// `.sql` in any case.
fn has_sql_extension(name: &str) -> bool {
    name.len() > 4
        && name.is_char_boundary(name.len() - 4)
        && name[name.len() - 4..].eq_ignore_ascii_case(".sql")
}

/// Lists the numbered `.sql` files of a folder, sorted by path. A missing folder is empty.
/// A folder named like a script is refused: what is in it would never run.
pub fn scan(dir: &Path) -> (Vec<NumberedFile>, Vec<FileProblem>) {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (files, problems),
        Err(e) => {
            problems.push(FileProblem::Unreadable {
                path: dir.to_path_buf(),
                message: e.to_string(),
            });
            return (files, problems);
        }
    };
    // One folder: the paths share everything up to the file name, so comparing them as
    // bytes orders them by name, and costs far less than comparing component by component.
    let mut entries: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok())
        .filter(|entry| {
            let is_dir = match entry.file_type() {
                Ok(file_type) => file_type.is_dir(),
                Err(e) => {
                    problems.push(FileProblem::Unreadable {
                        path: entry.path(),
                        message: e.to_string(),
                    });
                    return false;
                }
            };
            if is_dir && entry.file_name().to_str().is_some_and(has_sql_extension) {
                problems.push(FileProblem::BadName {
                    path: entry.path(),
                    reason: "is a folder, not a script, so nothing in it would run; move its contents out and remove it".into(),
                });
            }
            !is_dir
        })
        .map(|entry| entry.path())
        .collect();
    entries.sort_unstable_by(|a, b| {
        a.as_os_str()
            .as_encoded_bytes()
            .cmp(b.as_os_str().as_encoded_bytes())
    });
    for path in entries {
        match parse_file_name(&path) {
            Ok(Some(file)) => files.push(file),
            Ok(None) => {}
            Err(problem) => problems.push(problem),
        }
    }
    (files, problems)
}

/// Reads one script: UTF-8, normalised, checksummed, directives parsed. [`check_script`]
/// looks deeper.
pub fn read_script(path: &Path) -> Result<Script, FileProblem> {
    read_script_with(path, &mut Vec::new())
}

/// [`read_script`] through a buffer the caller keeps between files, so that reading many
/// files allocates once per file (its text), not once per growth step of its buffer.
fn read_script_with(path: &Path, buffer: &mut Vec<u8>) -> Result<Script, FileProblem> {
    read_bytes(path, buffer).map_err(|e| FileProblem::Unreadable {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let text = std::str::from_utf8(buffer).map_err(|e| {
        let offset = e.valid_up_to();
        let line = buffer[..offset].iter().filter(|b| **b == b'\n').count() + 1;
        FileProblem::NotUtf8 {
            path: path.to_path_buf(),
            line,
            byte_offset: offset,
        }
    })?;
    let sql = super::model::normalise(text).into_owned();
    if let Some(offset) = sql.find('\0') {
        let (line, column) = statements::line_column(&sql, offset);
        return Err(FileProblem::NulByte {
            path: path.to_path_buf(),
            line,
            column,
        });
    }
    let checksum = Checksum::of_normalised(&sql);
    let mode = directives::read(&sql).map_err(|problem| match problem {
        DirectiveProblem::Unknown { line, directive } => FileProblem::UnknownDirective {
            path: path.to_path_buf(),
            line,
            directive,
        },
        DirectiveProblem::Misspelt { line, written } => FileProblem::MisspeltDirective {
            path: path.to_path_buf(),
            line,
            written,
        },
    })?;
    Ok(Script::new(path.to_path_buf(), sql, checksum, mode))
}

/// Replaces `buffer`'s contents with the file's bytes. Through `take`, std does not ask the
/// file for its size and position first: two system calls fewer per file on a
/// thousand-file `status`. A buffer with room left needs one read and one more to find the
/// end.
fn read_bytes(path: &Path, buffer: &mut Vec<u8>) -> std::io::Result<()> {
    use std::io::Read;
    buffer.clear();
    buffer.reserve(16 * 1024);
    std::fs::File::open(path)?
        .take(u64::MAX)
        .read_to_end(buffer)?;
    Ok(())
}

/// What a script is for: what it must hold depends on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Migration,
    /// Runs only on `down`, which refuses it there when it holds no SQL: an unwritten
    /// rollback does not stop `up`.
    Rollback,
    /// A seed file: `seed` itself refuses empty ones, and always runs them in a transaction.
    Fixture,
}

/// What the text of a fixture must not hold (see [`check_role`]).
pub fn check_script(script: &Script) -> Option<FileProblem> {
    check_role(script, Role::Fixture)
}

/// What the text of a script must not hold: a statement nested too deep to parse; for a
/// migration, no SQL at all; in a file that runs in a transaction, transaction control or
/// (but in a fixture) a statement that cannot run in a transaction; without one, a text the
/// parser cannot split into statements.
pub fn check_role(script: &Script, role: Role) -> Option<FileProblem> {
    let path = || script.path.clone();
    let sql = &script.sql;
    let scan = script.scan();
    let too_deep = |too_deep: super::depth::TooDeep| {
        let (line, _) = statements::line_column(sql, too_deep.offset());
        FileProblem::TooDeep {
            path: path(),
            line,
            message: too_deep.to_string(),
        }
    };
    if let Err(problem) = scan.depth.check() {
        return Some(too_deep(problem));
    }
    if !scan.has_statements && role == Role::Migration {
        return Some(FileProblem::Empty { path: path() });
    }
    match script.mode {
        TransactionMode::Transaction => {
            let refusals = match statements::transaction_refusals(sql, scan) {
                Ok(refusals) => refusals,
                Err(problem) => return Some(too_deep(problem)),
            };
            if let Some(control) = refusals.transaction_control {
                let (line, column) = statements::line_column(sql, control.offset);
                return Some(FileProblem::TransactionControl {
                    path: path(),
                    line,
                    column,
                    keyword: control.name,
                });
            }
            let outside = refusals.outside_only.filter(|_| role != Role::Fixture)?;
            let (line, column) = statements::line_column(sql, outside.offset);
            Some(FileProblem::NeedsNoTransaction {
                path: path(),
                line,
                column,
                statement: outside.name,
            })
        }
        TransactionMode::NoTransaction => {
            let problem = statements::split(sql).err()?;
            let (line, column) = statements::line_column(sql, problem.offset);
            Some(FileProblem::Unsplittable {
                path: path(),
                line,
                column,
                message: problem.message,
            })
        }
    }
}

/// How much of the files a command needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    /// Everything read and checked: for commands that run SQL.
    Full,
    /// Only what `status` shows: migrations and rollbacks read and checksummed (an edited
    /// rollback is shown), no lexing or parsing.
    Status,
}

/// [`read_script`] (and at [`Depth::Full`] [`check_role`]) for many files, results in
/// order. At [`Depth::Full`], many files are spread over the machine's cores.
pub fn read_scripts(paths: &[(&Path, Role)], depth: Depth) -> Vec<Result<Script, FileProblem>> {
    let read_all = |part: &[(&Path, Role)]| {
        let mut buffer = Vec::new();
        part.iter()
            .map(|(path, role)| {
                let script = read_script_with(path, &mut buffer)?;
                match depth {
                    Depth::Full => check_role(&script, *role).map_or(Ok(script), Err),
                    Depth::Status => Ok(script),
                }
            })
            .collect::<Vec<_>>()
    };
    let workers = match depth {
        // `status` reads on one thread while its session starts: a second reading thread
        // competes with the server for the cores and the process ends later (bench/README.md).
        Depth::Status => 1,
        // Threads cost more than they save on a few files.
        Depth::Full if paths.len() < 64 => 1,
        Depth::Full => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    if workers < 2 {
        return read_all(paths);
    }
    let mut parts = paths.chunks(paths.len().div_ceil(workers));
    let first = parts.next().unwrap_or_default();
    std::thread::scope(|scope| {
        // The calling thread reads the first share itself.
        let others: Vec<_> = parts
            .map(|part| scope.spawn(move || read_all(part)))
            .collect();
        let mut results = read_all(first);
        for other in others {
            results.extend(other.join().expect("reading scripts does not panic"));
        }
        results
    })
}

/// The number `dbward new` gives the next migration, and how many digits to write it with.
pub fn next_number(files: &[NumberedFile]) -> (Version, usize) {
    let next = files.iter().map(|f| f.version.0).max().unwrap_or(0) + 1;
    let width = files.iter().map(|f| f.width).max().unwrap_or(3);
    (Version(next), width)
}

/// Files sharing a number, each group with the next free number.
pub fn find_duplicates(files: &[NumberedFile]) -> Vec<(Version, Vec<PathBuf>)> {
    // Ordered by number (a stable sort keeps the name order within one), files sharing a
    // number are neighbours, and only their paths are copied.
    let mut by_version: Vec<&NumberedFile> = files.iter().collect();
    by_version.sort_by_key(|file| file.version);
    by_version
        .chunk_by(|a, b| a.version == b.version)
        .filter(|same| same.len() > 1)
        .map(|same| {
            let paths = same.iter().map(|file| file.path.clone()).collect();
            (same[0].version, paths)
        })
        .collect()
}

/// A project's numbered files, paired and checked by name only: no file is opened yet.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    ups: BTreeMap<Version, NumberedFile>,
    downs: BTreeMap<Version, NumberedFile>,
}

/// The migrations folder listed and its numbers checked: what must hold before dbward
/// connects. The rollbacks are listed later, against it.
#[derive(Debug, Clone, Default)]
pub struct Migrations {
    ups: BTreeMap<Version, NumberedFile>,
}

/// Lists the migrations folder: bad names and duplicate numbers are found here.
pub fn list_migrations(dir: &Path) -> (Migrations, Vec<FileProblem>) {
    let (ups, mut problems) = scan(dir);
    let (next_free, _) = next_number(&ups);
    for (version, paths) in find_duplicates(&ups) {
        problems.push(FileProblem::DuplicateVersion {
            version,
            paths,
            next_free,
        });
    }
    let ups = ups.into_iter().map(|f| (f.version, f)).collect();
    (Migrations { ups }, problems)
}

/// Lists the rollbacks folder and pairs each rollback with its migration: bad names,
/// duplicate numbers and orphaned rollbacks are found here.
pub fn pair_rollbacks(migrations: Migrations, dir: &Path) -> (Listing, Vec<FileProblem>) {
    let ups = migrations.ups;
    let (downs, mut problems) = scan(dir);
    for (version, paths) in find_duplicates(&downs) {
        problems.push(FileProblem::DuplicateRollback { version, paths });
    }
    let mut paired: BTreeMap<Version, NumberedFile> = BTreeMap::new();
    for down in downs {
        match ups.get(&down.version) {
            Some(up) if up.name == down.name => {
                paired.insert(down.version, down);
            }
            Some(up) => problems.push(FileProblem::OrphanRollback {
                path: down.path,
                migration_with_same_number: Some(up.path.clone()),
            }),
            None => problems.push(FileProblem::OrphanRollback {
                path: down.path,
                migration_with_same_number: None,
            }),
        }
    }
    (Listing { ups, downs: paired }, problems)
}

/// Lists the rollbacks against `migrations`, then reads the files: every problem of both,
/// or the migrations.
pub fn pair_and_read(
    migrations: Migrations,
    rollbacks: &Path,
    depth: Depth,
) -> Result<Vec<Migration>, Vec<FileProblem>> {
    let (listing, problems) = pair_rollbacks(migrations, rollbacks);
    with_problems(problems, read(&listing, depth))
}

/// What a later step gave, with the `problems` found before it: the migrations only when
/// there is no problem at all.
fn with_problems(
    mut problems: Vec<FileProblem>,
    later: Result<Vec<Migration>, Vec<FileProblem>>,
) -> Result<Vec<Migration>, Vec<FileProblem>> {
    match later {
        Ok(migrations) if problems.is_empty() => Ok(migrations),
        Ok(_) => Err(problems),
        Err(more) => {
            problems.extend(more);
            Err(problems)
        }
    }
}

/// Reads the listed files.
pub fn read(listing: &Listing, depth: Depth) -> Result<Vec<Migration>, Vec<FileProblem>> {
    let mut problems = Vec::new();
    let paths: Vec<(&Path, Role)> = listing
        .ups
        .values()
        .map(|up| (up.path.as_path(), Role::Migration))
        .chain(
            listing
                .downs
                .values()
                .map(|down| (down.path.as_path(), Role::Rollback)),
        )
        .collect();
    // Results come back in the order of `paths`: ups by version, then the rollbacks read.
    let mut results = read_scripts(&paths, depth).into_iter();
    let mut up_scripts: Vec<Result<Script, FileProblem>> =
        results.by_ref().take(listing.ups.len()).collect();
    let mut down_scripts: BTreeMap<Version, Result<Script, FileProblem>> =
        listing.downs.keys().copied().zip(results).collect();
    up_scripts.reverse();

    let mut migrations = Vec::new();
    for up in listing.ups.values() {
        let up_script = up_scripts.pop().expect("one result per migration");
        let rollback_path = listing.downs.get(&up.version).map(|d| d.path.clone());
        let down_script = down_scripts.remove(&up.version);
        match (up_script, down_script.transpose()) {
            (Ok(up_script), Ok(down)) => migrations.push(Migration {
                version: up.version,
                name: up.name.clone(),
                up: up_script,
                rollback_path,
                down,
            }),
            (up_result, down_result) => {
                problems.extend(up_result.err());
                problems.extend(down_result.err());
            }
        }
    }
    if problems.is_empty() {
        Ok(migrations)
    } else {
        Err(problems)
    }
}

/// Lists, reads and checks every migration and rollback. All problems or none.
pub fn load(dirs: &SourceDirs, depth: Depth) -> Result<Vec<Migration>, Vec<FileProblem>> {
    let (migrations, mut problems) = list_migrations(&dirs.migrations);
    problems.splice(0..0, dirs.missing());
    with_problems(problems, pair_and_read(migrations, &dirs.rollbacks, depth))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn project(files: &[(&str, &[u8])]) -> (tempfile::TempDir, SourceDirs) {
        let dir = tempfile::tempdir().unwrap();
        for (path, content) in files {
            let full = dir.path().join(path);
            fs::create_dir_all(full.parent().unwrap()).unwrap();
            fs::write(full, content).unwrap();
        }
        let dirs = SourceDirs {
            migrations: dir.path().join("migrations"),
            rollbacks: dir.path().join("rollbacks"),
            named_in_config: Vec::new(),
        };
        (dir, dirs)
    }

    fn name(s: &str) -> Result<Option<NumberedFile>, FileProblem> {
        parse_file_name(Path::new(s))
    }

    #[test]
    fn names_any_width_are_the_same_version() {
        let a = name("001_init.sql").unwrap().unwrap();
        let b = name("1_init.sql").unwrap().unwrap();
        assert_eq!(a.version, b.version);
        assert_eq!((a.width, b.width), (3, 1));
        assert_eq!(a.name, "init");
    }

    #[test]
    fn bad_names_are_refused_with_a_reason() {
        for (file, reason) in [
            ("init.sql", "no `_`"),
            ("abc_init.sql", "does not start with a number"),
            ("000_init.sql", "positive"),
            ("001_.sql", "no name"),
            ("001_add users.sql", "letters, digits"),
            ("001_x.up.sql", "letters, digits"),
            ("99999999999999999999_x.sql", "too large"),
        ] {
            match name(file) {
                Err(FileProblem::BadName { reason: r, .. }) => {
                    assert!(r.contains(reason), "{file}: {r}")
                }
                other => panic!("{file}: {other:?}"),
            }
        }
    }

    #[test]
    fn non_sql_and_hidden_files_are_ignored() {
        assert_eq!(name("README.md").unwrap(), None);
        assert_eq!(name(".001_x.sql").unwrap(), None);
    }

    #[test]
    fn loads_pairs_in_order() {
        let (_dir, dirs) = project(&[
            ("migrations/002_b.sql", b"create table b (id int);"),
            ("migrations/1_a.sql", b"create table a (id int);"),
            ("rollbacks/001_a.sql", b"drop table a;"),
        ]);
        let migrations = load(&dirs, Depth::Full).unwrap();
        assert_eq!(
            migrations.iter().map(|m| m.version.0).collect::<Vec<_>>(),
            vec![1, 2]
        );
        assert!(migrations[0].is_reversible());
        assert!(!migrations[1].is_reversible());
    }

    #[test]
    fn missing_folders_are_an_empty_project() {
        let (_dir, dirs) = project(&[]);
        assert!(load(&dirs, Depth::Full).unwrap().is_empty());
    }

    #[test]
    fn duplicates_are_found_when_name_order_is_not_number_order() {
        let file = |name: &str, version: u64| NumberedFile {
            version: Version(version),
            name: name.to_string(),
            width: 1,
            path: PathBuf::from(name),
        };
        // As a folder lists them, by name: 02 < 10 < 2.
        let files = [
            file("02_c.sql", 2),
            file("10_a.sql", 10),
            file("2_b.sql", 2),
        ];
        assert_eq!(
            find_duplicates(&files),
            vec![(
                Version(2),
                vec![PathBuf::from("02_c.sql"), PathBuf::from("2_b.sql")]
            )]
        );
        assert!(find_duplicates(&files[..2]).is_empty());
        assert!(find_duplicates(&[]).is_empty());
    }

    #[test]
    fn duplicates_name_every_file_and_the_next_free_number() {
        let (_dir, dirs) = project(&[
            ("migrations/001_a.sql", b"select 1;"),
            ("migrations/1_b.sql", b"select 1;"),
            ("migrations/004_add_favorites.sql", b"select 1;"),
            ("migrations/004_create_templates.sql", b"select 1;"),
            ("migrations/008_stripe.sql", b"select 1;"),
        ]);
        let problems = load(&dirs, Depth::Full).unwrap_err();
        let duplicates: Vec<_> = problems
            .iter()
            .filter_map(|p| match p {
                FileProblem::DuplicateVersion {
                    version,
                    paths,
                    next_free,
                } => Some((version.0, paths.len(), next_free.0)),
                _ => None,
            })
            .collect();
        assert_eq!(duplicates, vec![(1, 2, 9), (4, 2, 9)]);
        let text = problems[1].to_string();
        assert!(
            text.contains("004_add_favorites.sql") && text.contains("004_create_templates.sql")
        );
        assert!(text.contains("next free number is 9"), "{text}");
    }

    #[test]
    fn orphan_rollbacks_are_refused() {
        let (_dir, dirs) = project(&[
            ("migrations/001_a.sql", b"select 1;"),
            ("rollbacks/001_b.sql", b"select 1;"),
            ("rollbacks/002_c.sql", b"select 1;"),
        ]);
        let problems = load(&dirs, Depth::Full).unwrap_err();
        assert!(matches!(
            &problems[0],
            FileProblem::OrphanRollback { migration_with_same_number: Some(p), .. } if p.ends_with("001_a.sql")
        ));
        assert!(matches!(
            &problems[1],
            FileProblem::OrphanRollback {
                migration_with_same_number: None,
                ..
            }
        ));
    }

    #[test]
    fn non_utf8_names_the_line() {
        let (_dir, dirs) = project(&[("migrations/001_a.sql", b"select 1;\nselect '\xff';")]);
        assert!(matches!(
            load(&dirs, Depth::Full).unwrap_err()[0],
            FileProblem::NotUtf8 { line: 2, .. }
        ));
    }

    #[test]
    fn transaction_control_is_refused_unless_no_transaction() {
        let (_dir, dirs) = project(&[("migrations/001_a.sql", b"select 1;\nCOMMIT;\n")]);
        assert!(matches!(
            &load(&dirs, Depth::Full).unwrap_err()[0],
            FileProblem::TransactionControl { line: 2, column: 1, keyword, .. } if keyword == "COMMIT"
        ));
    }

    #[test]
    fn files_read_on_several_threads_are_checked_too() {
        // Enough files to be read in parallel; the bad one lands in the last share.
        let names: Vec<String> = (1..=200)
            .map(|n| format!("migrations/{n:03}_m{n}.sql"))
            .collect();
        let mut files: Vec<(&str, &[u8])> = names
            .iter()
            .map(|name| (name.as_str(), b"select 1;\n".as_slice()))
            .collect();
        files[199].1 = b"select 1;\nCOMMIT;\n";
        let (_dir, dirs) = project(&files);
        let problems = load(&dirs, Depth::Full).unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(matches!(
            &problems[0],
            FileProblem::TransactionControl { path, keyword, .. }
                if keyword == "COMMIT" && path.ends_with("200_m200.sql")
        ));
        // Status only reads: the same files load.
        assert_eq!(load(&dirs, Depth::Status).unwrap().len(), 200);
    }

    #[test]
    fn empty_migrations_are_refused_and_empty_rollbacks_load() {
        let (_dir, dirs) = project(&[
            ("migrations/001_a.sql", b""),
            ("migrations/002_b.sql", b"-- todo\n/* later */\n"),
            ("migrations/003_c.sql", b"\xef\xbb\xbf"),
            ("migrations/004_d.sql", b"select 1;"),
            ("rollbacks/004_d.sql", b"-- todo\n"),
        ]);
        let problems = load(&dirs, Depth::Full).unwrap_err();
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(
            problems
                .iter()
                .all(|p| matches!(p, FileProblem::Empty { .. }))
        );
        // `status` only reads them.
        let migrations = load(&dirs, Depth::Status).unwrap();
        assert!(!migrations[0].up.has_statements());
    }

    #[test]
    fn a_nul_byte_is_placed() {
        // Placed in the text as read, after a byte-order mark is dropped.
        let (_dir, dirs) = project(&[(
            "migrations/001_a.sql",
            b"\xef\xbb\xbfselect 1;\r\nselect 'a\0';",
        )]);
        for depth in [Depth::Full, Depth::Status] {
            assert_eq!(
                load(&dirs, depth).unwrap_err(),
                vec![FileProblem::NulByte {
                    path: dirs.migrations.join("001_a.sql"),
                    line: 2,
                    column: 10
                }]
            );
        }
    }

    #[test]
    fn statements_outside_a_transaction_need_the_directive() {
        let (_dir, dirs) = project(&[
            (
                "migrations/001_a.sql",
                b"create table t (a int);\n  create index concurrently i on t (a);\n",
            ),
            (
                "migrations/002_b.sql",
                b"-- dbward:no-transaction\ncreate index concurrently j on t (a);\n",
            ),
            (
                "migrations/003_c.sql",
                b"savepoint s;\nselect 1;\nrollback to savepoint s;\n",
            ),
            ("rollbacks/003_c.sql", b"vacuum;\n"),
        ]);
        let problems = load(&dirs, Depth::Full).unwrap_err();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert_eq!(
            problems[0].to_string(),
            format!(
                "{}:2:3: CREATE INDEX CONCURRENTLY cannot run inside a transaction; add -- dbward:no-transaction to the file's leading comments",
                dirs.migrations.join("001_a.sql").display()
            )
        );
        assert!(
            matches!(&problems[1], FileProblem::NeedsNoTransaction { statement, .. } if statement == "VACUUM")
        );
    }

    #[test]
    fn next_number_follows_existing_width() {
        let (_dir, dirs) = project(&[("migrations/0007_a.sql", b"select 1;")]);
        let (files, _) = scan(&dirs.migrations);
        assert_eq!(next_number(&files), (Version(8), 4));
        assert_eq!(next_number(&[]), (Version(1), 3));
    }

    #[test]
    fn crlf_and_bom_do_not_change_the_checksum() {
        let (_dir, dirs) = project(&[
            ("migrations/001_a.sql", b"select 1;\nselect 2;\n"),
            (
                "migrations/002_a.sql",
                b"\xef\xbb\xbfselect 1;\r\nselect 2;\r\n",
            ),
        ]);
        let migrations = load(&dirs, Depth::Full).unwrap();
        assert_eq!(migrations[0].up.checksum, migrations[1].up.checksum);
    }
}
