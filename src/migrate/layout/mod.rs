//! How a project names its script files: the one place that knows each tool's naming rule,
//! folders and suffixes, how a migration finds its rollback, what `dbward new` writes and
//! the hints that tell a user how to name a file. Every other module asks a [`Layout`].
//! Pure: no file is opened (what a file holds is read by `sections`).

use std::path::{Path, PathBuf};

use super::model::Version;
use super::problems::FileProblem;

mod generated;
mod names;
mod numbering;

pub use generated::{GeneratedFile, GeneratedFiles, GeneratedSql};
use names::{
    flyway_version, has_sql_extension, number, read_dbward, read_flyway, read_numbered,
    split_direction,
};
pub use numbering::{NewFiles, Numbering};

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
            Layout::Flyway => format!(
                "{}, Flyway's undo file (in refinery, where U means unversioned, a U file is a migration: undo with a new V migration instead)",
                sibling(format!("U{}", file_name.trim_start_matches('V')))
            ),
            Layout::Supabase => {
                "a new migration that undoes it (Supabase migrations have no rollbacks)".to_string()
            }
        }
    }
}

/// Reading file names in the layout's tests.
#[cfg(test)]
pub(crate) mod testing {
    use std::path::Path;

    use super::{FileProblem, Layout, NumberedFile, Role};

    pub fn read(layout: Layout, file: &str) -> Result<Option<NumberedFile>, FileProblem> {
        layout.parse(&Path::new("dir").join(file), Role::Migration)
    }

    pub fn file(layout: Layout, name: &str) -> NumberedFile {
        read(layout, name).unwrap().unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::testing::file;
    use super::*;

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
            (
                Layout::Flyway,
                "m/V2__m2.sql",
                "m/U2__m2.sql, Flyway's undo file (in refinery, where U means unversioned, a U file is a migration: undo with a new V migration instead)",
            ),
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
