//! Fixtures: `fixtures/NNN_name.sql`, read and chosen here (pure); `dbward seed` applies them.

use std::path::Path;

use crate::migrate::layout::{Layout, Role};
use crate::migrate::model::{Script, Version};
use crate::migrate::scripts::{check_script, read_script};
use crate::migrate::source::{self, FileProblem};

/// Fixtures are dbward's own files, named as its migrations are whatever tool wrote those.
const FIXTURES: Layout = Layout::Dbward;

/// One fixture file.
#[derive(Debug, Clone)]
pub struct Fixture {
    pub version: Version,
    pub name: String,
    pub script: Script,
}

/// Reads every fixture in order. Duplicate numbers and unreadable files are problems, as
/// they are for migrations.
pub fn load(dir: &Path) -> Result<Vec<Fixture>, Vec<FileProblem>> {
    let (files, mut problems) = source::scan(FIXTURES, dir, Role::Fixture);
    problems.extend(source::duplicate_versions(FIXTURES, &files));
    let mut fixtures = Vec::new();
    for file in files {
        match read_script(&file.path)
            .and_then(|script| check_script(&script).map_or(Ok(script), Err))
        {
            Ok(script) => fixtures.push(Fixture {
                version: file.version,
                name: file.name,
                script,
            }),
            Err(problem) => problems.push(problem),
        }
    }
    if problems.is_empty() {
        fixtures.sort_by_key(|f| f.version);
        Ok(fixtures)
    } else {
        Err(problems)
    }
}

/// The fixtures `--only` names, by name (`demo_users`), file stem (`002_demo_users`) or
/// number (`2`). `None` when nothing matches.
pub fn select<'a>(fixtures: &'a [Fixture], only: &[String]) -> Result<Vec<&'a Fixture>, String> {
    if only.is_empty() {
        return Ok(fixtures.iter().collect());
    }
    let mut chosen = Vec::new();
    for wanted in only {
        let found: Vec<&Fixture> = fixtures
            .iter()
            .filter(|f| {
                f.name == *wanted
                    || FIXTURES.stem(&f.script.file_name()) == wanted
                    || wanted.parse::<u64>().is_ok_and(|n| n == f.version.key())
            })
            .collect();
        if found.is_empty() {
            let known: Vec<String> = fixtures.iter().map(|f| f.script.file_name()).collect();
            return Err(format!(
                "no fixture is named `{wanted}`; the fixtures are: {}",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            ));
        }
        chosen.extend(found);
    }
    chosen.sort_by_key(|f| f.version);
    chosen.dedup_by_key(|f| f.version);
    Ok(chosen)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixtures(files: &[(&str, &str)]) -> (tempfile::TempDir, Vec<Fixture>) {
        let dir = tempfile::tempdir().unwrap();
        for (name, sql) in files {
            std::fs::write(dir.path().join(name), sql).unwrap();
        }
        let loaded = load(dir.path()).unwrap();
        (dir, loaded)
    }

    #[test]
    fn fixtures_load_in_number_order() {
        let (_dir, all) = fixtures(&[("10_b.sql", "select 2;"), ("002_a.sql", "select 1;")]);
        assert_eq!(
            all.iter().map(|f| f.version.key()).collect::<Vec<_>>(),
            vec![2, 10]
        );
    }

    #[test]
    fn duplicate_fixture_numbers_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("001_a.sql"), "select 1;").unwrap();
        std::fs::write(dir.path().join("1_b.sql"), "select 1;").unwrap();
        assert!(matches!(
            load(dir.path()).unwrap_err()[0],
            FileProblem::DuplicateVersion { .. }
        ));
    }

    #[test]
    fn only_selects_by_name_stem_or_number() {
        let (_dir, all) = fixtures(&[
            ("001_users.sql", "select 1;"),
            ("002_posts.sql", "select 2;"),
            ("003_tags.sql", "select 3;"),
        ]);
        let names = |only: &[&str]| {
            select(
                &all,
                &only.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            )
            .map(|v| v.iter().map(|f| f.name.clone()).collect::<Vec<_>>())
        };
        assert_eq!(names(&[]).unwrap().len(), 3);
        assert_eq!(names(&["posts"]).unwrap(), vec!["posts"]);
        assert_eq!(names(&["003_tags", "1"]).unwrap(), vec!["users", "tags"]);
        let err = names(&["nope"]).unwrap_err();
        assert!(err.contains("001_users.sql"), "{err}");
    }
}
