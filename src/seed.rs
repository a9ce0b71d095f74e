//! Fixtures: `fixtures/NNN_name.sql`, or a Supabase project's seed files, read and chosen
//! here (pure); `dbward seed` applies them.

use std::path::{Component, Path, PathBuf};

use crate::migrate::layout::{Layout, Role};
use crate::migrate::model::{Script, Version};
use crate::migrate::scripts::{check_script, read_script};
use crate::migrate::source::{self, FileProblem};

/// Fixtures are dbward's own files, named as its migrations are whatever tool wrote those.
const FIXTURES: Layout = Layout::Dbward;

/// Where a project keeps its fixtures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fixtures {
    /// dbward's own: `NNN_name.sql` files in a folder, run in number order.
    Folder(PathBuf),
    /// The Supabase CLI's seed files, in this `supabase/` folder: those its config.toml lists
    /// under `[db.seed] sql_paths` (globs allowed), else `seed.sql`.
    Supabase(PathBuf),
}

impl Fixtures {
    /// Where the fixtures are looked for, relative to the project's folder, as a message
    /// that found none names it: the folder, or the Supabase seed files looked for.
    pub fn looked_in(&self, project_root: &Path) -> String {
        let shown = |dir: &Path| {
            let dir = dir.strip_prefix(project_root).unwrap_or(dir);
            format!("{}/", dir.display())
        };
        match self {
            Fixtures::Folder(dir) => shown(dir),
            Fixtures::Supabase(dir) => match supabase_seed_paths(dir) {
                Ok(patterns) if patterns.is_empty() => format!(
                    "{} (seeding is off: `[db.seed] enabled = false` in config.toml)",
                    shown(dir)
                ),
                Ok(patterns) => {
                    let patterns: Vec<&str> = patterns
                        .iter()
                        .map(|p| p.strip_prefix("./").unwrap_or(p))
                        .collect();
                    format!("{} ({})", shown(dir), patterns.join(", "))
                }
                Err(_) => shown(dir),
            },
        }
    }
}

/// The seed files Supabase reads when its config.toml names none.
const SUPABASE_DEFAULT_SEED: &str = "./seed.sql";

/// One fixture file.
#[derive(Debug, Clone)]
pub struct Fixture {
    pub version: Version,
    pub name: String,
    pub script: Script,
}

/// Reads every fixture in order. Duplicate numbers and unreadable files are problems, as
/// they are for migrations.
pub fn load(fixtures: &Fixtures) -> Result<Vec<Fixture>, Vec<FileProblem>> {
    match fixtures {
        Fixtures::Folder(dir) => load_folder(dir),
        Fixtures::Supabase(dir) => load_supabase(dir),
    }
}

fn load_folder(dir: &Path) -> Result<Vec<Fixture>, Vec<FileProblem>> {
    let (files, mut problems) = source::scan(FIXTURES, dir, Role::Fixture);
    problems.extend(source::duplicate_versions(FIXTURES, &files));
    let mut fixtures = Vec::new();
    for file in files {
        read_fixture(
            file.version,
            file.name,
            &file.path,
            &mut fixtures,
            &mut problems,
        );
    }
    if problems.is_empty() {
        fixtures.sort_by_key(|f| f.version);
        Ok(fixtures)
    } else {
        Err(problems)
    }
}

/// A Supabase project's seed files, in the order its config.toml lists them; each numbered
/// by its place, so that `--only` takes a number too. A path or glob that matches nothing
/// is passed over, as the Supabase CLI does.
fn load_supabase(dir: &Path) -> Result<Vec<Fixture>, Vec<FileProblem>> {
    let mut problems = Vec::new();
    let patterns = supabase_seed_paths(dir).unwrap_or_else(|problem| {
        problems.push(problem);
        Vec::new()
    });
    let mut paths: Vec<PathBuf> = Vec::new();
    for pattern in &patterns {
        for path in expand(dir, pattern) {
            if !paths.contains(&path) {
                paths.push(path);
            }
        }
    }
    let mut fixtures = Vec::new();
    for (index, path) in paths.iter().enumerate() {
        let name = path
            .file_stem()
            .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
        let version = Version::new(index as u64 + 1);
        read_fixture(version, name, path, &mut fixtures, &mut problems);
    }
    // `supabase init` writes a seed.sql with nothing in it, and the Supabase CLI runs such a
    // file as nothing: it is no fixture, not an error.
    fixtures.retain(|fixture| fixture.script.has_statements());
    if problems.is_empty() {
        Ok(fixtures)
    } else {
        Err(problems)
    }
}

/// `[db.seed] sql_paths` of `supabase/config.toml` (none when seeding is turned off there),
/// or Supabase's default.
fn supabase_seed_paths(dir: &Path) -> Result<Vec<String>, FileProblem> {
    let config = dir.join("config.toml");
    let text = match std::fs::read_to_string(&config) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(vec![SUPABASE_DEFAULT_SEED.to_string()]);
        }
        Err(e) => {
            return Err(FileProblem::Unreadable {
                path: config,
                message: e.to_string(),
            });
        }
    };
    let unreadable = |message: String| FileProblem::Unreadable {
        path: config.clone(),
        message,
    };
    let value: toml::Value = toml::from_str(&text)
        .map_err(|e| unreadable(format!("is not valid TOML: {}", e.message().trim_end())))?;
    let seed = value.get("db").and_then(|db| db.get("seed"));
    if seed
        .and_then(|s| s.get("enabled"))
        .and_then(toml::Value::as_bool)
        == Some(false)
    {
        return Ok(Vec::new());
    }
    match seed.and_then(|s| s.get("sql_paths")) {
        None => Ok(vec![SUPABASE_DEFAULT_SEED.to_string()]),
        Some(toml::Value::Array(items)) => items
            .iter()
            .map(|item| {
                item.as_str().map(str::to_string).ok_or_else(|| {
                    unreadable("[db.seed] sql_paths must be a list of paths".to_string())
                })
            })
            .collect(),
        Some(_) => Err(unreadable(
            "[db.seed] sql_paths must be a list of paths".to_string(),
        )),
    }
}

/// The files a `sql_paths` entry names, relative to the `supabase/` folder: the file itself,
/// or a glob's matches (`*` and `?` within one path component), sorted by name.
fn expand(dir: &Path, pattern: &str) -> Vec<PathBuf> {
    let mut matches = vec![dir.to_path_buf()];
    for component in Path::new(pattern).components() {
        let part = match component {
            Component::CurDir => continue,
            Component::Normal(part) => part.to_string_lossy().into_owned(),
            other => {
                matches = matches.into_iter().map(|m| m.join(other)).collect();
                continue;
            }
        };
        if !part.contains(['*', '?']) {
            matches = matches.into_iter().map(|m| m.join(&part)).collect();
            continue;
        }
        let mut next = Vec::new();
        for folder in matches {
            let Ok(entries) = std::fs::read_dir(&folder) else {
                continue;
            };
            let mut names: Vec<String> = entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|name| !name.starts_with('.') && glob_matches(&part, name))
                .collect();
            names.sort();
            next.extend(names.into_iter().map(|name| folder.join(name)));
        }
        matches = next;
    }
    matches.retain(|m| m.is_file());
    matches
}

/// Whether `name` matches `pattern`, where `*` is any run of characters and `?` one.
fn glob_matches(pattern: &str, name: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let name: Vec<char> = name.chars().collect();
    // The positions in `pattern` reachable after each prefix of `name`.
    let mut reach = vec![false; pattern.len() + 1];
    reach[0] = true;
    let close = |reach: &mut Vec<bool>| {
        for i in 0..pattern.len() {
            if reach[i] && pattern[i] == '*' {
                reach[i + 1] = true;
            }
        }
    };
    close(&mut reach);
    for c in name {
        let mut next = vec![false; pattern.len() + 1];
        for i in 0..pattern.len() {
            if reach[i] && (pattern[i] == '*' || pattern[i] == '?' || pattern[i] == c) {
                next[if pattern[i] == '*' { i } else { i + 1 }] = true;
            }
        }
        close(&mut next);
        reach = next;
    }
    reach[pattern.len()]
}

fn read_fixture(
    version: Version,
    name: String,
    path: &Path,
    fixtures: &mut Vec<Fixture>,
    problems: &mut Vec<FileProblem>,
) {
    match read_script(path).and_then(|script| check_script(&script).map_or(Ok(script), Err)) {
        Ok(script) => fixtures.push(Fixture {
            version,
            name,
            script,
        }),
        Err(problem) => problems.push(problem),
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
        let loaded = load(&Fixtures::Folder(dir.path().into())).unwrap();
        (dir, loaded)
    }

    #[test]
    fn the_place_looked_in_is_named_from_the_project_folder() {
        let root = Path::new("/srv/app");
        assert_eq!(
            Fixtures::Folder(root.join("fixtures")).looked_in(root),
            "fixtures/"
        );
        assert_eq!(
            Fixtures::Folder(root.join("db/seeds")).looked_in(root),
            "db/seeds/"
        );
        assert_eq!(
            Fixtures::Folder("/elsewhere/seeds".into()).looked_in(root),
            "/elsewhere/seeds/"
        );
        let dir = tempfile::tempdir().unwrap();
        let supabase = dir.path().join("supabase");
        std::fs::create_dir(&supabase).unwrap();
        let looked_in = || Fixtures::Supabase(supabase.clone()).looked_in(dir.path());
        assert_eq!(looked_in(), "supabase/ (seed.sql)");
        let config = supabase.join("config.toml");
        std::fs::write(
            &config,
            "[db.seed]\nsql_paths = ['./seeds/*.sql', 'more.sql']\n",
        )
        .unwrap();
        assert_eq!(looked_in(), "supabase/ (seeds/*.sql, more.sql)");
        std::fs::write(&config, "[db.seed]\nenabled = false\n").unwrap();
        assert_eq!(
            looked_in(),
            "supabase/ (seeding is off: `[db.seed] enabled = false` in config.toml)"
        );
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
            load(&Fixtures::Folder(dir.path().into())).unwrap_err()[0],
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

    fn supabase(files: &[(&str, &str)]) -> (tempfile::TempDir, Vec<String>) {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let loaded = load(&Fixtures::Supabase(dir.path().into())).unwrap();
        let names = loaded
            .iter()
            .map(|f| {
                let path = f.script.path.strip_prefix(dir.path()).unwrap();
                format!("{}:{}", f.version.key(), path.display())
            })
            .collect();
        (dir, names)
    }

    #[test]
    fn supabase_seeds_are_its_seed_file_or_the_ones_its_config_lists() {
        assert_eq!(supabase(&[("seed.sql", "select 1;")]).1, ["1:seed.sql"]);
        assert!(supabase(&[]).1.is_empty());
        // As `supabase init` writes it: nothing to run, no fixture, no error.
        assert!(
            supabase(&[("seed.sql", "-- seed data goes here\n")])
                .1
                .is_empty()
        );
        assert!(
            supabase(&[("config.toml", "[db]\nport = 1\n")])
                .1
                .is_empty()
        );
        assert_eq!(
            supabase(&[
                ("config.toml", "[db.seed]\nenabled = true\nsql_paths = ['./countries.sql', './seeds/*.sql', 'seeds/b.sql', 'none/*.sql']\n"),
                ("countries.sql", "select 1;"),
                ("seeds/b.sql", "select 1;"),
                ("seeds/a.sql", "select 1;"),
                ("seeds/notes.txt", "x"),
                ("seed.sql", "select 1;"),
            ])
            .1,
            ["1:countries.sql", "2:seeds/a.sql", "3:seeds/b.sql"]
        );
        assert!(
            supabase(&[
                ("config.toml", "[db.seed]\nenabled = false\n"),
                ("seed.sql", "select 1;")
            ])
            .1
            .is_empty()
        );
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("config.toml"),
            "[db.seed]\nsql_paths = 'seed.sql'\n",
        )
        .unwrap();
        let err = load(&Fixtures::Supabase(dir.path().into())).unwrap_err();
        assert!(
            err[0].to_string().contains("sql_paths must be a list"),
            "{}",
            err[0]
        );
    }

    #[test]
    fn globs_match_within_a_name() {
        for (pattern, name, matches) in [
            ("*.sql", "a.sql", true),
            ("*.sql", "a.sql.bak", false),
            ("seed_?.sql", "seed_1.sql", true),
            ("seed_?.sql", "seed_10.sql", false),
            ("*", "", true),
            ("a*b*c", "aXbYc", true),
            ("a*b*c", "aXbY", false),
        ] {
            assert_eq!(glob_matches(pattern, name), matches, "{pattern} {name}");
        }
    }
}
