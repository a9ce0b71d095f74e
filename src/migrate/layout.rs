//! How a project names its script files: the one place that knows the naming rule, the
//! folders and suffixes, how a migration finds its rollback, what `dbward new` writes and
//! the hints that tell a user how to name a file. Every other module asks a [`Layout`], so
//! that following another tool's files is one more variant here. Pure: no file is opened.

use std::path::{Path, PathBuf};

use super::model::Version;
use super::problems::FileProblem;

/// A convention for naming migrations and rollbacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Layout {
    /// dbward's own: `migrations/NNN_name.sql`, its rollback `rollbacks/NNN_name.sql` with
    /// the same number and name. The number may be written with any width.
    #[default]
    Dbward,
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

/// A file name read through a [`Layout`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberedFile {
    pub version: Version,
    pub name: String,
    /// How many digits the number was written with.
    pub width: usize,
    pub path: PathBuf,
    pub role: Role,
}

/// The two files `dbward new` writes: names (to be put in the project's folders) and text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFiles {
    pub version: Version,
    pub migration_file: String,
    pub migration_text: String,
    pub rollback_file: String,
    pub rollback_text: String,
}

impl Layout {
    /// The migrations folder when dbward.toml names none.
    pub fn default_migrations_dir(self) -> &'static str {
        match self {
            Layout::Dbward => "migrations",
        }
    }

    /// The rollbacks folder when dbward.toml names none.
    pub fn default_rollbacks_dir(self) -> &'static str {
        match self {
            Layout::Dbward => "rollbacks",
        }
    }

    /// Reads a file name found in the folder of scripts with `role`. `Ok(None)` for files
    /// that are not scripts at all; a name that looks like a script but breaks the rule is a
    /// problem, so that no script is silently passed over.
    pub fn parse(self, path: &Path, role: Role) -> Result<Option<NumberedFile>, FileProblem> {
        match self {
            Layout::Dbward => parse_dbward(path, role),
        }
    }

    /// Whether a name (of a file or a folder) ends like a script in any letter case: a
    /// folder named so is refused, as nothing in it would run.
    pub fn looks_like_script(self, file_name: &str) -> bool {
        match self {
            Layout::Dbward => has_sql_extension(file_name),
        }
    }

    /// Whether every character of a migration's name is allowed (an empty name passes:
    /// callers refuse it with their own words).
    pub fn allows_name(self, name: &str) -> bool {
        match self {
            Layout::Dbward => name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'),
        }
    }

    /// A script's file name without its suffix: what `seed --only` also accepts.
    pub fn stem(self, file_name: &str) -> &str {
        match self {
            Layout::Dbward => file_name.trim_end_matches(".sql"),
        }
    }

    /// Whether `down` is the rollback of `up`: the same number is not enough, the names must
    /// agree too, so that a renamed migration does not inherit a stale rollback.
    pub fn is_rollback_of(self, down: &NumberedFile, up: &NumberedFile) -> bool {
        match self {
            Layout::Dbward => down.version == up.version && down.name == up.name,
        }
    }

    /// The number the next migration gets, and how many digits to write it with: the widest
    /// already used, so that the folder keeps sorting by number.
    pub fn next_number(self, files: &[NumberedFile]) -> (Version, usize) {
        match self {
            Layout::Dbward => {
                let next = files.iter().map(|f| f.version.key()).max().unwrap_or(0) + 1;
                let width = files.iter().map(|f| f.width).max().unwrap_or(3);
                (Version::new(next), width)
            }
        }
    }

    /// What `dbward new NAME` writes after the `existing` migrations. `name` is already
    /// checked with [`Layout::allows_name`].
    pub fn new_files(self, existing: &[NumberedFile], name: &str) -> NewFiles {
        match self {
            Layout::Dbward => {
                let (version, width) = self.next_number(existing);
                let file_name = format!("{:0width$}_{name}.sql", version.key());
                NewFiles {
                    version,
                    migration_text: format!(
                        "-- {file_name}: {}\n\
                         -- Runs in one transaction together with its history row. For statements that\n\
                         -- cannot run in a transaction (CREATE INDEX CONCURRENTLY), make the first line\n\
                         -- `-- dbward:no-transaction`.\n\n",
                        name.replace('_', " ")
                    ),
                    rollback_text: format!(
                        "-- Undoes migrations/{file_name} exactly, so that `dbward down` leaves nothing of it.\n\n"
                    ),
                    migration_file: file_name.clone(),
                    rollback_file: file_name,
                }
            }
        }
    }

    /// The file to add so that the migration at `migration` can be rolled back, as the
    /// messages name it.
    pub fn missing_rollback(self, migration: &Path) -> String {
        match self {
            Layout::Dbward => format!(
                "rollbacks/{}",
                migration
                    .file_name()
                    .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
            ),
        }
    }
}

/// `NNN_name.sql`; the role is the folder's.
fn parse_dbward(path: &Path, role: Role) -> Result<Option<NumberedFile>, FileProblem> {
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
    if !Layout::Dbward.allows_name(name) {
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
        version: Version::new(number),
        name: name.to_string(),
        width: digits.len(),
        path: path.to_path_buf(),
        role,
    }))
}

/// `.sql` in any case.
fn has_sql_extension(name: &str) -> bool {
    name.len() > 4
        && name.is_char_boundary(name.len() - 4)
        && name[name.len() - 4..].eq_ignore_ascii_case(".sql")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> Result<Option<NumberedFile>, FileProblem> {
        Layout::Dbward.parse(Path::new(s), Role::Migration)
    }

    fn file(name: &str, version: u64, width: usize) -> NumberedFile {
        NumberedFile {
            version: Version::new(version),
            name: name.to_string(),
            width,
            path: PathBuf::from(format!("{version:0width$}_{name}.sql")),
            role: Role::Migration,
        }
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
    fn names_are_read_into_number_name_width_and_role() {
        for (file, role, version, name, width) in [
            ("001_init.sql", Role::Migration, 1, "init", 3),
            ("7_add-x_2.sql", Role::Rollback, 7, "add-x_2", 1),
            ("0042_Users.sql", Role::Fixture, 42, "Users", 4),
            (
                "9223372036854775807_max.sql",
                Role::Migration,
                i64::MAX as u64,
                "max",
                19,
            ),
        ] {
            let parsed = Layout::Dbward
                .parse(&Path::new("dir").join(file), role)
                .unwrap()
                .unwrap();
            assert_eq!(
                (
                    parsed.version.key(),
                    parsed.name.as_str(),
                    parsed.width,
                    parsed.role
                ),
                (version, name, width, role),
                "{file}"
            );
            assert_eq!(parsed.path, Path::new("dir").join(file));
        }
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
            ("9223372036854775808_x.sql", "too large"),
            ("001_init.SQL", "rename it to 001_init.sql"),
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
        assert_eq!(name("001_x.sql.bak").unwrap(), None);
        assert_eq!(name(".sql").unwrap(), None);
    }

    #[test]
    fn script_suffix_is_told_in_any_case() {
        for (file_name, looks) in [
            ("a.sql", true),
            ("a.SQL", true),
            ("a.Sql", true),
            (".sql", false),
            ("a.sq", false),
            ("aé.sql", true),
            ("é", false),
        ] {
            assert_eq!(
                Layout::Dbward.looks_like_script(file_name),
                looks,
                "{file_name}"
            );
        }
        assert_eq!(Layout::Dbward.stem("002_demo_users.sql"), "002_demo_users");
    }

    #[test]
    fn a_rollback_pairs_by_number_and_name() {
        let up = file("a", 1, 3);
        let same = NumberedFile {
            role: Role::Rollback,
            width: 1,
            ..file("a", 1, 3)
        };
        assert!(Layout::Dbward.is_rollback_of(&same, &up));
        assert!(!Layout::Dbward.is_rollback_of(&file("b", 1, 3), &up));
        assert!(!Layout::Dbward.is_rollback_of(&file("a", 2, 3), &up));
    }

    #[test]
    fn next_number_follows_the_widest_and_highest() {
        for (files, next) in [
            (vec![], (1, 3)),
            (vec![file("a", 7, 4)], (8, 4)),
            (vec![file("a", 1, 1), file("b", 2, 3)], (3, 3)),
            (vec![file("a", 12, 2), file("b", 3, 3)], (13, 3)),
        ] {
            let (version, width) = Layout::Dbward.next_number(&files);
            assert_eq!((version.key(), width), next, "{files:?}");
        }
    }

    #[test]
    fn new_files_are_numbered_named_and_say_what_to_write() {
        let new = Layout::Dbward.new_files(&[file("a", 9, 2)], "add_invoices");
        assert_eq!(new.version, Version::new(10));
        assert_eq!(new.migration_file, "10_add_invoices.sql");
        assert_eq!(new.rollback_file, "10_add_invoices.sql");
        assert!(
            new.migration_text
                .starts_with("-- 10_add_invoices.sql: add invoices\n"),
            "{}",
            new.migration_text
        );
        assert!(new.migration_text.contains("`-- dbward:no-transaction`"));
        assert_eq!(
            new.rollback_text,
            "-- Undoes migrations/10_add_invoices.sql exactly, so that `dbward down` leaves nothing of it.\n\n"
        );
        // The file it writes reads back as the migration it announced.
        let back = name(&new.migration_file).unwrap().unwrap();
        assert_eq!(
            (back.version, back.name.as_str()),
            (new.version, "add_invoices")
        );
    }

    #[test]
    fn names_allow_letters_digits_underscore_and_dash() {
        for (name, allowed) in [
            ("add_invoices", true),
            ("add-x_2", true),
            ("drop;table", false),
            ("../x", false),
            ("a b", false),
            ("é", false),
        ] {
            assert_eq!(Layout::Dbward.allows_name(name), allowed, "{name}");
        }
    }

    #[test]
    fn the_missing_rollback_is_named_after_its_migration() {
        assert_eq!(
            Layout::Dbward.missing_rollback(Path::new("db/migrations/002_m2.sql")),
            "rollbacks/002_m2.sql"
        );
        assert_eq!(
            (
                Layout::Dbward.default_migrations_dir(),
                Layout::Dbward.default_rollbacks_dir()
            ),
            ("migrations", "rollbacks")
        );
    }
}
