//! Reads one script and checks its text for what its [`Role`] must not hold: the work done
//! per file, kept apart from listing folders so that reading stays one pass per file.

use std::path::Path;

use super::directives::{self, DirectiveProblem, Directives};
use super::layout::{Layout, Role};
use super::model::{Checksum, Script, TransactionMode};
use super::problems::FileProblem;
use super::{sections, statements};

/// Reads one script: UTF-8, normalised, checksummed, dbward's directives parsed, a
/// whole-file `BEGIN; ... COMMIT;` wrapper removed from what is sent. [`check_script`]
/// looks deeper.
pub fn read_script(path: &Path) -> Result<Script, FileProblem> {
    let sql = read_text(path, &mut Vec::new())?;
    let directives = dbward_directives(path, &sql)?;
    let checksum = Checksum::of_normalised(&sql);
    super::wrapper::unwrap_script(
        Script::new(path.to_path_buf(), sql, checksum, directives.mode)
            .with_timeouts(directives.timeouts),
    )
}

/// A script file read by its layout's rules: the script, and the rollback a goose or
/// dbmate file holds in its down section.
pub type ReadFile = (Script, Option<Script>);

/// Reads a migration or rollback file named by `layout`. Buffered through the caller's
/// `buffer`, so that reading many files allocates once per file (its text), not once per
/// growth step of its buffer.
fn read_file_with(
    path: &Path,
    layout: Layout,
    role: Role,
    buffer: &mut Vec<u8>,
) -> Result<ReadFile, FileProblem> {
    let sql = read_text(path, buffer)?;
    let marker_problem = |problem: sections::MarkerProblem| FileProblem::Marker {
        path: path.to_path_buf(),
        line: problem.line,
        message: problem.message,
    };
    if layout.has_sections() && role == Role::Migration {
        let split = sections::split(layout, &sql).map_err(marker_problem)?;
        if let Some(problem) = sections::foreign_down_marker(layout, &sql) {
            return Err(marker_problem(problem));
        }
        let script = |section: sections::Section| -> Result<Script, FileProblem> {
            let directives = dbward_directives(path, &section.sql)?;
            let mode = section.mode.unwrap_or(directives.mode);
            let checksum = Checksum::of_normalised(&section.own_text);
            Ok(Script::new(path.to_path_buf(), section.sql, checksum, mode)
                .with_timeouts(directives.timeouts))
        };
        let down = split.down.map(script).transpose()?;
        return Ok((script(split.up)?, down));
    }
    if let Some(problem) = sections::foreign_down_marker(layout, &sql) {
        return Err(marker_problem(problem));
    }
    if let Some(problem) = (layout == Layout::Flyway)
        .then(|| sections::flyway_placeholder(&sql))
        .flatten()
    {
        return Err(marker_problem(problem));
    }
    let directives = match (layout, sections::sqlx_mode(&sql)) {
        // The directive line is read; the rest may hold dbward's own.
        (Layout::Sqlx, Some(mode)) => {
            let rest = sql.split_once('\n').map_or("", |(_, rest)| rest);
            Directives {
                mode,
                ..dbward_directives(path, &format!("\n{rest}"))?
            }
        }
        _ => dbward_directives(path, &sql)?,
    };
    let checksum = Checksum::of_normalised(&sql);
    let script = Script::new(path.to_path_buf(), sql, checksum, directives.mode)
        .with_timeouts(directives.timeouts);
    Ok((script, None))
}

/// The file's text: UTF-8, without a byte-order mark, LF line ends, no NUL.
fn read_text(path: &Path, buffer: &mut Vec<u8>) -> Result<String, FileProblem> {
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
    Ok(sql)
}

/// How the `-- dbward:` directives of `sql`'s leading comments say to run it.
fn dbward_directives(path: &Path, sql: &str) -> Result<Directives, FileProblem> {
    directives::read(sql).map_err(|problem| match problem {
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
        DirectiveProblem::BadValue { line, message } => FileProblem::BadDirective {
            path: path.to_path_buf(),
            line,
            message,
        },
    })
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

/// Whether a file refused inside dbward's transaction is one its tool runs outside any
/// transaction without being asked, so that dbward runs it so too (statement by
/// statement, as a `-- dbward:no-transaction` file):
/// - one statement that needs it, in golang-migrate or Flyway: golang-migrate sends a file
///   as one query, which PostgreSQL runs outside a transaction when it is one statement;
///   Flyway detects the statement. Several statements still need the directive, as those
///   tools fail on the mix too;
/// - a golang-migrate file with its own `BEGIN` ... `COMMIT` blocks: golang-migrate gives a
///   file no transaction, so such files manage their own.
fn runs_outside_as_its_tool_does(layout: Layout, problem: &FileProblem, script: &Script) -> bool {
    match problem {
        FileProblem::NeedsNoTransaction { .. } => {
            matches!(layout, Layout::GolangMigrate | Layout::Flyway)
                && statements::split(&script.sql).is_ok_and(|statements| statements.len() == 1)
        }
        FileProblem::TransactionControl { .. } => layout == Layout::GolangMigrate,
        _ => false,
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

/// Reads many files named by `layout` (and at [`Depth::Full`] checks them with
/// [`check_role`]), results in order. At [`Depth::Full`], many files are spread over the
/// machine's cores.
pub fn read_scripts(
    paths: &[(&Path, Role)],
    layout: Layout,
    depth: Depth,
) -> Vec<Result<ReadFile, FileProblem>> {
    let read_all = |part: &[(&Path, Role)]| {
        let mut buffer = Vec::new();
        part.iter()
            .map(|(path, role)| {
                let (script, down) = read_file_with(path, layout, *role, &mut buffer)?;
                if depth == Depth::Full {
                    // Kept only where the tool may run the file as written.
                    let written = matches!(layout, Layout::GolangMigrate | Layout::Flyway)
                        .then(|| script.clone());
                    let mut script = super::wrapper::unwrap_script(script)?;
                    let down = down.map(super::wrapper::unwrap_script).transpose()?;
                    if let Some(problem) = check_role(&script, *role) {
                        if !runs_outside_as_its_tool_does(layout, &problem, &script) {
                            return Err(problem);
                        }
                        // As golang-migrate and Flyway run it: as written (its own BEGIN
                        // and COMMIT kept), no transaction of dbward's.
                        script = written.unwrap_or(script);
                        script.mode = TransactionMode::NoTransaction;
                        if let Some(problem) = check_role(&script, *role) {
                            return Err(problem);
                        }
                    }
                    if let Some(problem) = down.as_ref().and_then(|d| check_role(d, Role::Rollback))
                    {
                        return Err(problem);
                    }
                    return Ok((script, down));
                }
                Ok((script, down))
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
