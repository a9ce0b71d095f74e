//! How a project names its script files: the one place that knows each tool's naming rule,
//! folders and suffixes, how a migration finds its rollback, what `dbward new` writes and
//! the hints that tell a user how to name a file. Every other module asks a [`Layout`].
//! Pure: no file is opened (what a file holds is read by `sections`).

use std::path::{Path, PathBuf};

use super::model::Version;
use super::problems::FileProblem;

/// A convention for naming migrations and rollbacks: dbward's own, or another tool's, read
/// by that tool's documented rules so that a project can switch to dbward as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Layout {
    /// `migrations/NNN_name.sql`, its rollback `rollbacks/NNN_name.sql` with the same number
    /// and name. The number may be written with any width.
    #[default]
    Dbward,
    /// sqlx: `<version>_<description>.sql`, or reversible `.up.sql` / `.down.sql` pairs;
    /// `-- no-transaction` on the first line runs a file outside a transaction.
    Sqlx,
    /// golang-migrate: `<version>_<title>.up.sql` / `.down.sql`; version 0 is legal.
    GolangMigrate,
    /// goose: `<version>_<name>.sql`, one file with `-- +goose Up` and `-- +goose Down`.
    Goose,
    /// dbmate: `db/migrations/<version>_<name>.sql` with `-- migrate:up` / `-- migrate:down`.
    Dbmate,
    /// Flyway (and refinery): `V<version>__<description>.sql`, versions like `1`, `1.1` or
    /// `1_2`; `U<version>__...` undoes one. Repeatable `R__` files are refused.
    Flyway,
    /// Supabase CLI: `supabase/migrations/<timestamp>_<name>.sql`, forward only.
    Supabase,
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
    /// As written: it shows with the width the file gave it.
    pub version: Version,
    pub name: String,
    pub path: PathBuf,
    pub role: Role,
}

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
    pub const ALL: [Layout; 7] = [
        Layout::Dbward,
        Layout::Sqlx,
        Layout::GolangMigrate,
        Layout::Goose,
        Layout::Dbmate,
        Layout::Flyway,
        Layout::Supabase,
    ];

    /// The name dbward.toml's `layout` key takes.
    pub fn name(self) -> &'static str {
        match self {
            Layout::Dbward => "dbward",
            Layout::Sqlx => "sqlx",
            Layout::GolangMigrate => "golang-migrate",
            Layout::Goose => "goose",
            Layout::Dbmate => "dbmate",
            Layout::Flyway => "flyway",
            Layout::Supabase => "supabase",
        }
    }

    /// A layout by the name dbward.toml gives it; `refinery` reads as Flyway.
    pub fn from_name(name: &str) -> Option<Layout> {
        match name {
            "refinery" => Some(Layout::Flyway),
            _ => Layout::ALL.into_iter().find(|l| l.name() == name),
        }
    }

    /// The migrations folder when dbward.toml names none and detection found none.
    pub fn default_migrations_dir(self) -> &'static str {
        match self {
            Layout::Dbward
            | Layout::Sqlx
            | Layout::GolangMigrate
            | Layout::Goose
            | Layout::Flyway => "migrations",
            Layout::Dbmate => "db/migrations",
            Layout::Supabase => "supabase/migrations",
        }
    }

    /// The folder of rollbacks, for the one layout that keeps them apart; the others keep
    /// them beside their migrations or inside them.
    pub fn separate_rollbacks_dir(self) -> Option<&'static str> {
        match self {
            Layout::Dbward => Some("rollbacks"),
            _ => None,
        }
    }

    /// Whether one file holds both directions, in sections the tool marks.
    pub fn has_sections(self) -> bool {
        matches!(self, Layout::Goose | Layout::Dbmate)
    }

    /// Reads a file name found in the folder of scripts with `role` (the migrations folder
    /// holds rollbacks too where the tool keeps them there). `Ok(None)` for files that are
    /// not scripts at all; a name that looks like a script but breaks the rule is a problem,
    /// so that no script is silently passed over.
    pub fn parse(self, path: &Path, role: Role) -> Result<Option<NumberedFile>, FileProblem> {
        let Some(file_name) = path.file_name().and_then(|n| n.to_str()) else {
            return Err(FileProblem::BadName {
                path: path.to_path_buf(),
                reason: "file name is not UTF-8".into(),
            });
        };
        if file_name.starts_with('.') {
            return Ok(None);
        }
        let bad = |reason: String| FileProblem::BadName {
            path: path.to_path_buf(),
            reason,
        };
        if self == Layout::Goose && role != Role::Fixture && file_name.ends_with(".go") {
            return Err(bad(
                "is a goose migration written in Go, which dbward cannot run; rewrite it in SQL"
                    .into(),
            ));
        }
        let Some(stem) = file_name.strip_suffix(".sql") else {
            if has_sql_extension(file_name) {
                return Err(bad(format!(
                    "dbward reads only names ending in lower-case `.sql`, so it would pass this file over; rename it to {}.sql",
                    &file_name[..file_name.len() - 4]
                )));
            }
            return Ok(None);
        };
        let read = match (self, role) {
            (_, Role::Fixture) | (Layout::Dbward, _) => read_dbward(stem, role),
            (Layout::Sqlx, _) => read_numbered(stem, self).map(|(v, name, _)| {
                let (name, role) = split_direction(name, Role::Migration);
                (v, name, role)
            }),
            (Layout::GolangMigrate, _) => {
                read_numbered(stem, self).and_then(|(v, name, _)| {
                    match split_direction(name, Role::Fixture) {
                        (_, Role::Fixture) => Err(
                            "has no `.up` or `.down` before `.sql`; golang-migrate names files <version>_<title>.up.sql and <version>_<title>.down.sql"
                                .to_string(),
                        ),
                        (name, role) => Ok((v, name, role)),
                    }
                })
            }
            (Layout::Goose | Layout::Dbmate | Layout::Supabase, _) => {
                read_numbered(stem, self).map(|(v, name, _)| (v, name, Role::Migration))
            }
            (Layout::Flyway, _) => read_flyway(stem),
        };
        let (version, name, role) = read.map_err(bad)?;
        Ok(Some(NumberedFile {
            version,
            name: name.to_string(),
            path: path.to_path_buf(),
            role,
        }))
    }

    /// Reads a version as this layout writes it (`--to`, another tool's history row). 0 is
    /// read in every layout: `down --to 0` undoes everything numbered above it.
    pub fn parse_version(self, text: &str) -> Result<Version, String> {
        match self {
            Layout::Flyway => flyway_version(text),
            _ => number(text.trim(), Layout::Sqlx),
        }
    }

    /// Whether a name (of a file or a folder) ends like a script in any letter case: a
    /// folder named so is refused, as nothing in it would run.
    pub fn looks_like_script(self, file_name: &str) -> bool {
        has_sql_extension(file_name)
    }

    /// Whether every character of a name `dbward new` gives is allowed (an empty name
    /// passes: callers refuse it with their own words).
    pub fn allows_name(self, name: &str) -> bool {
        name.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    }

    /// A script's file name without its suffix: what `seed --only` also accepts.
    pub fn stem(self, file_name: &str) -> &str {
        file_name.trim_end_matches(".sql")
    }

    /// Whether `down` is the rollback of `up`. In dbward's layout the same number is not
    /// enough, the names must agree too, so that a renamed migration does not inherit a
    /// stale rollback (its rollbacks live in another folder, where they are easy to
    /// forget). The other tools pair a rollback with its migration by version alone, and
    /// real projects name them apart (`30_add_x.up.sql`, `30_drop_x.down.sql`).
    pub fn is_rollback_of(self, down: &NumberedFile, up: &NumberedFile) -> bool {
        match self {
            Layout::Dbward => down.version == up.version && down.name == up.name,
            _ => down.version == up.version,
        }
    }

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
        let newest = files.iter().map(|f| f.version).max();
        let next = match newest {
            Some(v) => v.parts()[0] + 1,
            None if matches!(self, Layout::GolangMigrate) => 1,
            None => 1,
        };
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

    /// The file to add so that the migration at `migration` can be rolled back, as the
    /// messages name it.
    pub fn missing_rollback(self, migration: &Path) -> String {
        let file_name = migration
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let sibling = |name: String| match migration.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.join(name).display().to_string(),
            _ => name,
        };
        match self {
            Layout::Dbward => format!("rollbacks/{file_name}"),
            Layout::Sqlx => {
                let stem = self.stem(&file_name).trim_end_matches(".up");
                format!(
                    "{} (and rename the migration to {stem}.up.sql)",
                    sibling(format!("{stem}.down.sql"))
                )
            }
            Layout::GolangMigrate => sibling(file_name.replace(".up.sql", ".down.sql")),
            Layout::Goose => format!("a `-- +goose Down` section to {file_name}"),
            Layout::Dbmate => format!("a `-- migrate:down` section to {file_name}"),
            Layout::Flyway => sibling(format!("U{}", file_name.trim_start_matches('V'))),
            Layout::Supabase => {
                "a new migration that undoes it (Supabase migrations have no rollbacks)".to_string()
            }
        }
    }
}

/// Whether a number reads as `YYYYMMDDHHMMSS`.
fn is_timestamp(number: u64) -> bool {
    (19_000_101_000_000..=29_991_231_235_959).contains(&number)
}

/// `NNN_name`, dbward's own rule (also for fixtures in every layout).
fn read_dbward(stem: &str, role: Role) -> Result<(Version, &str, Role), String> {
    let bad = |reason: &str| format!("{reason}; expected NNN_name.sql, e.g. 001_create_users.sql");
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
    let version = number(digits, Layout::Dbward).map_err(|e| bad(&e))?;
    Ok((version, name, role))
}

/// `<digits>_<name>` as sqlx, golang-migrate, goose, dbmate and the Supabase CLI write it:
/// the name may hold anything.
fn read_numbered(stem: &str, layout: Layout) -> Result<(Version, &str, Role), String> {
    let example = match layout {
        Layout::Supabase | Layout::Dbmate | Layout::Sqlx => "20240101120000_create_users.sql",
        Layout::GolangMigrate => "000001_create_users.up.sql",
        _ => "00001_create_users.sql",
    };
    let bad = |reason: &str| format!("{reason}; {} names files like {example}", layout.name());
    if layout == Layout::Dbmate {
        // dbmate reads the leading digits as the version, whatever follows them.
        let end = stem
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(stem.len());
        if end == 0 {
            return Err(bad("does not start with a version number"));
        }
        let name = stem[end..].trim_start_matches(['_', '-']);
        let version = number(&stem[..end], layout).map_err(|e| bad(&e))?;
        return Ok((version, name, Role::Migration));
    }
    let Some((digits, name)) = stem.split_once('_') else {
        return Err(bad("no `_` between version and name"));
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad("does not start with a version number"));
    }
    let version = number(digits, layout).map_err(|e| bad(&e))?;
    Ok((version, name, Role::Migration))
}

/// `name.up` / `name.down` into the name and its role; `other` when it is neither.
fn split_direction(name: &str, other: Role) -> (&str, Role) {
    if let Some(name) = name.strip_suffix(".up") {
        (name, Role::Migration)
    } else if let Some(name) = name.strip_suffix(".down") {
        (name, Role::Rollback)
    } else {
        (name, other)
    }
}

/// A plain version number: digits, at most [`Version::MAX_NUMBER`], and above 0 where the
/// tool wants that.
fn number(digits: &str, layout: Layout) -> Result<Version, String> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("`{digits}` is not a version number"));
    }
    let value: u64 = digits
        .parse()
        .ok()
        .filter(|n| *n <= Version::MAX_NUMBER)
        .ok_or_else(|| "number is too large".to_string())?;
    if value == 0 && matches!(layout, Layout::Dbward | Layout::Goose) {
        return Err("number must be positive".into());
    }
    Ok(Version::padded(value, digits.len()))
}

/// `V<version>__<description>` (or `U` for its undo); `R__` repeatables are refused.
fn read_flyway(stem: &str) -> Result<(Version, &str, Role), String> {
    const RULE: &str = "Flyway names files V<version>__<description>.sql, e.g. V1__create_users.sql or V1.1__add_index.sql";
    let (role, rest) = match stem.split_at_checked(1) {
        Some(("V", rest)) => (Role::Migration, rest),
        Some(("U", rest)) => (Role::Rollback, rest),
        Some(("R", rest)) if rest.starts_with("__") => {
            return Err(
                "is a Flyway repeatable migration (R__), which dbward does not run: dbward applies each migration once, in order; make it a versioned V<version>__ migration (a new one each time it changes) or move it out of the folder"
                    .into(),
            );
        }
        _ if FLYWAY_CALLBACKS.contains(&stem)
            || stem.starts_with("before")
            || stem.starts_with("after") =>
        {
            return Err(
                "is a Flyway callback, which dbward does not run; move it out of the migrations folder (and into a migration, if its SQL must run)"
                    .into(),
            );
        }
        _ => return Err(format!("does not start with V or U; {RULE}")),
    };
    let Some((version, description)) = rest.split_once("__") else {
        return Err(format!("no `__` between version and description; {RULE}"));
    };
    if description.is_empty() {
        return Err(format!("has no description after `__`; {RULE}"));
    }
    let version = flyway_version(version).map_err(|e| format!("{e}; {RULE}"))?;
    Ok((version, description, role))
}

/// Flyway's SQL callbacks most projects use (the others start with before/after too).
const FLYWAY_CALLBACKS: [&str; 4] = [
    "beforeMigrate",
    "afterMigrate",
    "beforeEachMigrate",
    "afterEachMigrate",
];

/// `1`, `1.1`, `1_2`, `2023.05.01.1200`: numbers separated by `.` or `_`.
fn flyway_version(text: &str) -> Result<Version, String> {
    let parts: Option<Vec<u64>> = text
        .split(['.', '_'])
        .map(|part| {
            (!part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
                .then(|| part.parse().ok())
                .flatten()
        })
        .collect();
    let parts = parts.ok_or_else(|| format!("version `{text}` is not numbers separated by `.`"))?;
    Version::dotted(&parts).ok_or_else(|| format!("version `{text}` is too long to store"))
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

    fn read(layout: Layout, file: &str) -> Result<Option<NumberedFile>, FileProblem> {
        layout.parse(&Path::new("dir").join(file), Role::Migration)
    }

    fn file(layout: Layout, name: &str) -> NumberedFile {
        read(layout, name).unwrap().unwrap()
    }

    #[test]
    fn each_layout_reads_its_tools_names() {
        use Layout::*;
        for (layout, name, version, shown, stem, role) in [
            (Dbward, "001_init.sql", 1, "001", "init", Role::Migration),
            (Dbward, "7_add-x_2.sql", 7, "7", "add-x_2", Role::Migration),
            (
                Sqlx,
                "20220101000000_create users.sql",
                20220101000000,
                "20220101000000",
                "create users",
                Role::Migration,
            ),
            (Sqlx, "1_a.up.sql", 1, "1", "a", Role::Migration),
            (Sqlx, "0001_a.down.sql", 1, "0001", "a", Role::Rollback),
            (
                GolangMigrate,
                "000000_init.up.sql",
                0,
                "000000",
                "init",
                Role::Migration,
            ),
            (
                GolangMigrate,
                "1481574547_create_users_table.down.sql",
                1481574547,
                "1481574547",
                "create_users_table",
                Role::Rollback,
            ),
            (
                Goose,
                "00001_create.sql",
                1,
                "00001",
                "create",
                Role::Migration,
            ),
            (
                Dbmate,
                "20151129054053_test_migration.sql",
                20151129054053,
                "20151129054053",
                "test_migration",
                Role::Migration,
            ),
            (
                Supabase,
                "00000000000001_init.sql",
                1,
                "00000000000001",
                "init",
                Role::Migration,
            ),
            (
                Supabase,
                "20240101120000_add.view.sql",
                20240101120000,
                "20240101120000",
                "add.view",
                Role::Migration,
            ),
            (Flyway, "V1__init.sql", 0, "1", "init", Role::Migration),
            (
                Flyway,
                "V1_1__add_index.sql",
                0,
                "1.1",
                "add_index",
                Role::Migration,
            ),
            (Flyway, "V2.0.3__x.sql", 0, "2.0.3", "x", Role::Migration),
            (
                Flyway,
                "U1_1__add_index.sql",
                0,
                "1.1",
                "add_index",
                Role::Rollback,
            ),
        ] {
            let parsed = file(layout, name);
            assert_eq!(parsed.version.to_string(), shown, "{name}");
            if parsed.version.is_number() {
                assert_eq!(parsed.version.key(), version, "{name}");
            }
            assert_eq!((parsed.name.as_str(), parsed.role), (stem, role), "{name}");
            assert_eq!(parsed.path, Path::new("dir").join(name));
        }
        assert_eq!(
            file(Dbward, "001_a.sql").version,
            file(Dbward, "1_a.sql").version
        );
        assert_eq!(
            file(Flyway, "V1.1__a.sql").version,
            file(Flyway, "V1_1__a.sql").version
        );
        assert!(file(Flyway, "V1.9__a.sql").version < file(Flyway, "V1.10__a.sql").version);
    }

    #[test]
    fn bad_names_are_refused_with_a_reason() {
        use Layout::*;
        for (layout, name, reason) in [
            (Dbward, "init.sql", "no `_`"),
            (Dbward, "abc_init.sql", "does not start with a number"),
            (Dbward, "000_init.sql", "positive"),
            (Dbward, "001_.sql", "no name"),
            (Dbward, "001_add users.sql", "letters, digits"),
            (Dbward, "001_x.up.sql", "letters, digits"),
            (Dbward, "99999999999999999999_x.sql", "too large"),
            (Dbward, "4611686018427387904_x.sql", "too large"),
            (Dbward, "001_init.SQL", "rename it to 001_init.sql"),
            (Sqlx, "init.sql", "sqlx names files like"),
            (GolangMigrate, "1_init.sql", "no `.up` or `.down`"),
            (Goose, "00000_init.sql", "positive"),
            (Goose, "00001_init.go", "written in Go"),
            (Supabase, "init.sql", "no `_`"),
            (Flyway, "R__views.sql", "repeatable"),
            (Flyway, "V1_init.sql", "no `__`"),
            (Flyway, "V1__.sql", "no description"),
            (Flyway, "Vx__a.sql", "not numbers"),
            (Flyway, "beforeMigrate.sql", "is a Flyway callback"),
            (Flyway, "afterMigrate__grants.sql", "is a Flyway callback"),
            (Flyway, "init.sql", "does not start with V or U"),
            (Flyway, "V20240101120000.20240101120000__a.sql", "too long"),
        ] {
            match read(layout, name) {
                Err(FileProblem::BadName { reason: r, .. }) => {
                    assert!(r.contains(reason), "{name}: {r}")
                }
                other => panic!("{name}: {other:?}"),
            }
        }
    }

    #[test]
    fn non_sql_and_hidden_files_are_ignored() {
        for layout in Layout::ALL {
            assert_eq!(read(layout, "README.md").unwrap(), None);
            assert_eq!(read(layout, ".001_x.sql").unwrap(), None);
            assert_eq!(read(layout, "001_x.sql.bak").unwrap(), None);
            assert_eq!(read(layout, ".sql").unwrap(), None);
        }
    }

    #[test]
    fn fixtures_are_named_as_dbward_names_them_in_every_layout() {
        for layout in Layout::ALL {
            let fixture = layout
                .parse(Path::new("002_demo_users.sql"), Role::Fixture)
                .unwrap()
                .unwrap();
            assert_eq!(
                (fixture.version.key(), fixture.name.as_str()),
                (2, "demo_users")
            );
        }
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
        let up = file(Layout::Dbward, "1_a.sql");
        assert!(Layout::Dbward.is_rollback_of(&file(Layout::Dbward, "01_a.sql"), &up));
        assert!(!Layout::Dbward.is_rollback_of(&file(Layout::Dbward, "1_b.sql"), &up));
        assert!(!Layout::Dbward.is_rollback_of(&file(Layout::Dbward, "2_a.sql"), &up));
        // The other tools pair by version alone.
        let up = file(Layout::GolangMigrate, "30_add_x.up.sql");
        let down = file(Layout::GolangMigrate, "30_drop_x.down.sql");
        assert!(Layout::GolangMigrate.is_rollback_of(&down, &up));
        let other = file(Layout::GolangMigrate, "31_add_x.down.sql");
        assert!(!Layout::GolangMigrate.is_rollback_of(&other, &up));
    }

    #[test]
    fn names_and_versions_by_the_names_dbward_toml_gives() {
        for layout in Layout::ALL {
            assert_eq!(Layout::from_name(layout.name()), Some(layout));
        }
        assert_eq!(Layout::from_name("refinery"), Some(Layout::Flyway));
        assert_eq!(Layout::from_name("Flyway"), None);
        assert_eq!(
            Layout::Flyway.parse_version("1.1").unwrap().to_string(),
            "1.1"
        );
        assert_eq!(
            Layout::Supabase
                .parse_version("20240101120000")
                .unwrap()
                .key(),
            20240101120000
        );
        assert_eq!(Layout::GolangMigrate.parse_version("0").unwrap().key(), 0);
        assert_eq!(Layout::Dbward.parse_version("0").unwrap().key(), 0);
        assert!(Layout::Dbward.parse_version("x").is_err());
        assert!(Layout::Sqlx.parse_version("1.1").is_err());
    }

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
        for (layout, migration, hint) in [
            (
                Layout::Dbward,
                "db/migrations/002_m2.sql",
                "rollbacks/002_m2.sql",
            ),
            (
                Layout::GolangMigrate,
                "m/002_m2.up.sql",
                "m/002_m2.down.sql",
            ),
            (
                Layout::Sqlx,
                "m/002_m2.sql",
                "m/002_m2.down.sql (and rename the migration to 002_m2.up.sql)",
            ),
            (Layout::Flyway, "m/V2__m2.sql", "m/U2__m2.sql"),
            (
                Layout::Goose,
                "m/00002_m2.sql",
                "a `-- +goose Down` section to 00002_m2.sql",
            ),
        ] {
            assert_eq!(layout.missing_rollback(Path::new(migration)), hint);
        }
        assert_eq!(
            (
                Layout::Dbward.default_migrations_dir(),
                Layout::Dbward.separate_rollbacks_dir()
            ),
            ("migrations", Some("rollbacks"))
        );
    }
}
