//! Each tool's rule for a file name, as its documentation and source give it.

use super::{Layout, Role};
use crate::migrate::model::Version;

/// `NNN_name`, dbward's own rule (also for fixtures in every layout).
pub(super) fn read_dbward(stem: &str, role: Role) -> Result<(Version, &str, Role), String> {
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
pub(super) fn read_numbered(stem: &str, layout: Layout) -> Result<(Version, &str, Role), String> {
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
pub(super) fn split_direction(name: &str, other: Role) -> (&str, Role) {
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
pub(super) fn number(digits: &str, layout: Layout) -> Result<Version, String> {
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
pub(super) fn read_flyway(stem: &str) -> Result<(Version, &str, Role), String> {
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
pub(super) fn flyway_version(text: &str) -> Result<Version, String> {
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
pub(super) fn has_sql_extension(name: &str) -> bool {
    name.len() > 4
        && name.is_char_boundary(name.len() - 4)
        && name[name.len() - 4..].eq_ignore_ascii_case(".sql")
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::migrate::layout::testing::{file, read};
    use crate::migrate::problems::FileProblem;

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
}
