//! Which tool's layout a project's files are in, told from the folders alone: the folders
//! each tool uses by default, the names of the `.sql` files in them, the first lines of
//! those files (goose's and dbmate's section markers), and whether the root's Cargo.toml or
//! go.mod names sqlx or golang-migrate. Reads directory listings and the start of `.sql`
//! files; opens nothing else and writes nothing. The rules are in README.md, "Finding the
//! project".

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::layout::Layout;

/// The folders looked at, relative to the root, in this order.
pub const CANDIDATE_DIRS: [&str; 7] = [
    "migrations",
    "db/migrations",
    "db/migration",
    "src/main/resources/db/migration",
    "sql",
    "src/migrations",
    "database/migrations",
];

/// Supabase CLI's folder, its config file and its migrations folder.
const SUPABASE_CONFIG: &str = "supabase/config.toml";
const SUPABASE_MIGRATIONS: &str = "supabase/migrations";

/// How much of a file is read for goose's and dbmate's markers: they open the file.
const HEAD_BYTES: u64 = 4096;

/// What a folder holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Detection {
    /// One layout, and its migrations folder relative to the root.
    Found {
        layout: Layout,
        migrations_dir: PathBuf,
    },
    /// Several layouts fit: dbward.toml must say which (`layout = "..."`).
    Ambiguous(Vec<Candidate>),
    /// No layout dbward reads.
    None,
}

/// A layout a folder may be in, with the files (relative to the root) that suggest it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub layout: Layout,
    pub migrations_dir: PathBuf,
    pub evidence: Vec<PathBuf>,
}

/// The shape of one `.sql` file name (and, for plain numbered names, of its first lines).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Shape {
    /// `V1__x.sql`, `U1__x.sql`, `R__x.sql`.
    Flyway,
    /// `1_x.up.sql`, `1_x.down.sql`: sqlx or golang-migrate.
    UpDown,
    /// `1_x.sql` holding `-- +goose Up`.
    Goose,
    /// `1_x.sql` holding `-- migrate:up`.
    Dbmate,
    /// `1_x.sql`, nothing else said.
    Plain,
}

/// What the root's build files say about the tools a project uses.
#[derive(Debug, Clone, Copy, Default)]
struct Signals {
    /// Cargo.toml names sqlx.
    sqlx: bool,
    /// go.mod names golang-migrate.
    golang_migrate: bool,
}

impl Signals {
    fn read(root: &Path) -> Signals {
        let mentions = |file: &str, word: &str| {
            std::fs::read_to_string(root.join(file)).is_ok_and(|text| text.contains(word))
        };
        Signals {
            sqlx: mentions("Cargo.toml", "sqlx"),
            golang_migrate: mentions("go.mod", "golang-migrate/migrate"),
        }
    }
}

/// The layout of the project at `root`, from every folder a tool uses by default.
pub fn detect(root: &Path) -> Detection {
    let signals = Signals::read(root);
    let mut strong = Vec::new();
    let mut weak = Vec::new();
    if root.join(SUPABASE_CONFIG).is_file() {
        strong.push(Candidate {
            layout: Layout::Supabase,
            migrations_dir: PathBuf::from(SUPABASE_MIGRATIONS),
            evidence: vec![PathBuf::from(SUPABASE_CONFIG)],
        });
    }
    for dir in CANDIDATE_DIRS {
        let rollbacks = dir == "migrations" && root.join("rollbacks").is_dir();
        let folder = classify(root, Path::new(dir), rollbacks, signals);
        strong.extend(folder.strong);
        weak.extend(folder.weak);
    }
    conclude(strong, weak)
}

/// The layout of one folder dbward.toml names (relative to `root`); `rollbacks` when a
/// rollbacks folder is named or sits beside it.
pub fn detect_folder(root: &Path, dir: &Path, rollbacks: bool) -> Detection {
    if !rollbacks && dir == Path::new(SUPABASE_MIGRATIONS) && root.join(SUPABASE_CONFIG).is_file() {
        return Detection::Found {
            layout: Layout::Supabase,
            migrations_dir: dir.to_path_buf(),
        };
    }
    let folder = classify(root, dir, rollbacks, Signals::read(root));
    conclude(folder.strong, folder.weak)
}

fn conclude(strong: Vec<Candidate>, weak: Vec<Candidate>) -> Detection {
    let mut candidates = if strong.is_empty() { weak } else { strong };
    match candidates.len() {
        0 => Detection::None,
        1 => {
            let only = candidates.remove(0);
            Detection::Found {
                layout: only.layout,
                migrations_dir: only.migrations_dir,
            }
        }
        _ => Detection::Ambiguous(candidates),
    }
}

/// The candidates one folder gives: strong ones from its scripts, a weak dbward one from
/// a `migrations/` folder that holds no script yet (a fresh project).
#[derive(Default)]
struct Folder {
    strong: Vec<Candidate>,
    weak: Vec<Candidate>,
}

fn classify(root: &Path, dir: &Path, rollbacks: bool, signals: Signals) -> Folder {
    let mut folder = Folder::default();
    let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
        return folder;
    };
    let mut by_shape: BTreeMap<Shape, Vec<PathBuf>> = BTreeMap::new();
    // Anything but notes and hidden files: another tool's migrations (Go, Ruby, Prisma's
    // folders), so an empty-looking folder is not taken for a fresh dbward one.
    let mut other_entries = false;
    let mut names: Vec<(String, bool)> = entries
        .filter_map(|entry| entry.ok())
        .map(|entry| {
            let is_file = entry.file_type().is_ok_and(|t| t.is_file());
            (entry.file_name().to_string_lossy().into_owned(), is_file)
        })
        .collect();
    names.sort();
    for (name, is_file) in names {
        if name.starts_with('.') {
            continue;
        }
        // Beside a rollbacks folder, numbered files are dbward's whatever they hold (the
        // layout refuses another tool's markers in them), so none is opened.
        let shape = if is_file && name.ends_with(".sql") {
            shape_of(&name, || {
                if rollbacks {
                    String::new()
                } else {
                    head(&root.join(dir).join(&name))
                }
            })
        } else {
            None
        };
        match shape {
            Some(shape) => by_shape.entry(shape).or_default().push(dir.join(&name)),
            None if name.ends_with(".sql") || name.to_ascii_lowercase().starts_with("readme") => {}
            None => other_entries = true,
        }
    }
    let mut add = |layout: Layout, files: &[PathBuf]| match folder
        .strong
        .iter_mut()
        .find(|c| c.layout == layout)
    {
        Some(candidate) => candidate.evidence.extend_from_slice(files),
        None => folder.strong.push(Candidate {
            layout,
            migrations_dir: dir.to_path_buf(),
            evidence: files.to_vec(),
        }),
    };
    for (shape, files) in &by_shape {
        match shape {
            Shape::Flyway => add(Layout::Flyway, files),
            Shape::Goose => add(Layout::Goose, files),
            Shape::Dbmate => add(Layout::Dbmate, files),
            Shape::UpDown => match (signals.sqlx, signals.golang_migrate) {
                (true, false) => add(Layout::Sqlx, files),
                (false, true) => add(Layout::GolangMigrate, files),
                _ => {
                    add(Layout::Sqlx, files);
                    add(Layout::GolangMigrate, files);
                }
            },
            // sqlx reads plain numbered files too; a rollbacks folder says dbward.
            Shape::Plain if signals.sqlx && !rollbacks => add(Layout::Sqlx, files),
            Shape::Plain => add(Layout::Dbward, files),
        }
    }
    if rollbacks && !by_shape.is_empty() {
        add(Layout::Dbward, &[PathBuf::from("rollbacks")]);
    }
    if by_shape.is_empty() && dir == Path::new("migrations") && (rollbacks || !other_entries) {
        folder.weak.push(Candidate {
            layout: Layout::Dbward,
            migrations_dir: dir.to_path_buf(),
            evidence: vec![dir.to_path_buf()],
        });
    }
    folder
}

/// The shape of a `.sql` file name; `head` gives the file's first lines when the name alone
/// does not tell. `None` for names no tool gives a migration.
fn shape_of(name: &str, head: impl FnOnce() -> String) -> Option<Shape> {
    let stem = name.strip_suffix(".sql")?;
    if let Some(rest) = stem.strip_prefix("R__") {
        return (!rest.is_empty()).then_some(Shape::Flyway);
    }
    if let Some(rest) = stem.strip_prefix('V').or_else(|| stem.strip_prefix('U')) {
        let (version, description) = rest.split_once("__")?;
        let version_ok = !version.is_empty()
            && version.starts_with(|c: char| c.is_ascii_digit())
            && version
                .chars()
                .all(|c| c.is_ascii_digit() || c == '.' || c == '_');
        return (version_ok && !description.is_empty()).then_some(Shape::Flyway);
    }
    let end = stem.find(|c: char| !c.is_ascii_digit())?;
    let (digits, rest) = stem.split_at(end);
    let separator = rest.chars().next()?;
    let rest = &rest[1..];
    if digits.is_empty() || !matches!(separator, '_' | '-') || rest.is_empty() {
        return None;
    }
    if separator == '_' && (rest.ends_with(".up") || rest.ends_with(".down")) {
        return Some(Shape::UpDown);
    }
    let head = head();
    // Only dbmate reads a version followed by anything but `_` (`1712766721-events.sql`).
    if separator == '-' {
        return head_has_marker(&head, "migrate:up").then_some(Shape::Dbmate);
    }
    Some(if head_has_marker(&head, "+goose up") {
        Shape::Goose
    } else if head_has_marker(&head, "migrate:up") {
        Shape::Dbmate
    } else {
        Shape::Plain
    })
}

/// Whether a line comment of `head` starts with `wanted` (lower case), in any case.
fn head_has_marker(head: &str, wanted: &str) -> bool {
    head.lines().any(|line| {
        line.trim()
            .strip_prefix("--")
            .is_some_and(|comment| comment.trim().to_ascii_lowercase().starts_with(wanted))
    })
}

/// The first bytes of a file, as text (nothing when it cannot be read).
fn head(path: &Path) -> String {
    let mut bytes = Vec::new();
    if let Ok(file) = std::fs::File::open(path) {
        let _ = file.take(HEAD_BYTES).read_to_end(&mut bytes);
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOSE: &str = "-- +goose Up\ncreate table t (id int);\n-- +goose Down\ndrop table t;\n";
    const DBMATE: &str =
        "-- migrate:up\ncreate table t (id int);\n-- migrate:down\ndrop table t;\n";

    fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (path, content) in files {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            if path.to_string_lossy().ends_with('/') {
                std::fs::create_dir_all(&path).unwrap();
            } else {
                std::fs::write(path, content).unwrap();
            }
        }
        dir
    }

    fn found(layout: Layout, dir: &str) -> Detection {
        Detection::Found {
            layout,
            migrations_dir: PathBuf::from(dir),
        }
    }

    #[test]
    fn each_tools_own_layout_is_found() {
        for (files, expected) in [
            (
                vec![
                    ("migrations/001_a.sql", "select 1;"),
                    ("rollbacks/001_a.sql", ""),
                ],
                found(Layout::Dbward, "migrations"),
            ),
            (
                vec![("migrations/001_a.sql", "select 1;")],
                found(Layout::Dbward, "migrations"),
            ),
            (
                vec![("migrations/", "")],
                found(Layout::Dbward, "migrations"),
            ),
            (
                vec![("migrations/.gitkeep", ""), ("migrations/README.md", "x")],
                found(Layout::Dbward, "migrations"),
            ),
            (
                vec![
                    ("supabase/config.toml", "project_id = \"x\"\n"),
                    ("supabase/migrations/20240101000000_init.sql", "select 1;"),
                ],
                found(Layout::Supabase, "supabase/migrations"),
            ),
            (
                vec![("supabase/config.toml", "")],
                found(Layout::Supabase, "supabase/migrations"),
            ),
            (
                vec![("db/migrations/20240101000000_a.sql", DBMATE)],
                found(Layout::Dbmate, "db/migrations"),
            ),
            (
                vec![("migrations/00001_a.sql", GOOSE)],
                found(Layout::Goose, "migrations"),
            ),
            (
                vec![
                    ("src/main/resources/db/migration/V1__init.sql", "select 1;"),
                    (
                        "src/main/resources/db/migration/V1.1__more.sql",
                        "select 1;",
                    ),
                ],
                found(Layout::Flyway, "src/main/resources/db/migration"),
            ),
            (
                vec![("sql/V1_2__x.sql", ""), ("sql/R__views.sql", "")],
                found(Layout::Flyway, "sql"),
            ),
            (
                vec![
                    ("Cargo.toml", "[dependencies]\nsqlx = \"0.8\"\n"),
                    ("migrations/20240101000000_a.up.sql", ""),
                    ("migrations/20240101000000_a.down.sql", ""),
                ],
                found(Layout::Sqlx, "migrations"),
            ),
            (
                vec![
                    ("Cargo.toml", "[dependencies]\nsqlx = \"0.8\"\n"),
                    ("migrations/20240101000000_a.sql", "select 1;"),
                ],
                found(Layout::Sqlx, "migrations"),
            ),
            (
                vec![
                    (
                        "go.mod",
                        "require github.com/golang-migrate/migrate/v4 v4.17.0\n",
                    ),
                    ("db/migrations/0_a.up.sql", ""),
                    ("db/migrations/0_a.down.sql", ""),
                ],
                found(Layout::GolangMigrate, "db/migrations"),
            ),
            (
                // A rollbacks folder says dbward, whatever else the project uses.
                vec![
                    ("Cargo.toml", "sqlx = \"0.8\"\n"),
                    ("migrations/001_a.sql", ""),
                    ("rollbacks/001_a.sql", ""),
                ],
                found(Layout::Dbward, "migrations"),
            ),
            (
                // Beside rollbacks/, files are dbward's: the layout refuses goose's
                // markers in them by name.
                vec![("migrations/1_a.sql", GOOSE), ("rollbacks/1_a.sql", "")],
                found(Layout::Dbward, "migrations"),
            ),
            (
                vec![("database/migrations/1_a.sql", "select 1;")],
                found(Layout::Dbward, "database/migrations"),
            ),
        ] {
            let dir = project(&files);
            assert_eq!(detect(dir.path()), expected, "{files:?}");
        }
    }

    #[test]
    fn other_tools_folders_are_no_layout() {
        for files in [
            vec![],
            vec![("README.md", "x")],
            // goose written in Go, Rails, Django, knex.
            vec![("migrations/00001_init.go", "package migrations")],
            vec![("db/migrate/20240101000000_init.rb", "class Init")],
            vec![("migrations/0001_initial.py", "")],
            vec![("migrations/20240101_init.js", "")],
            // Prisma and diesel: a folder per migration.
            vec![
                ("migrations/20240101000000_init/migration.sql", "select 1;"),
                ("migrations/migration_lock.toml", ""),
            ],
            vec![("migrations/2024-01-01-000000_init/up.sql", "select 1;")],
            // Scripts that are no tool's migrations, outside `migrations/`.
            vec![("sql/schema.sql", "select 1;")],
        ] {
            let dir = project(&files);
            assert_eq!(detect(dir.path()), Detection::None, "{files:?}");
        }
    }

    #[test]
    fn mixed_evidence_is_ambiguous_and_names_the_files() {
        let layouts = |files: &[(&str, &str)]| match detect(project(files).path()) {
            Detection::Ambiguous(candidates) => candidates
                .into_iter()
                .map(|c| {
                    let files: Vec<String> =
                        c.evidence.iter().map(|p| p.display().to_string()).collect();
                    format!("{}:{}", c.layout.name(), files.join(","))
                })
                .collect::<Vec<_>>(),
            other => panic!("{files:?}: {other:?}"),
        };
        // .up/.down pairs and nothing to tell sqlx from golang-migrate.
        assert_eq!(
            layouts(&[
                ("migrations/1_a.up.sql", ""),
                ("migrations/1_a.down.sql", "")
            ]),
            [
                "sqlx:migrations/1_a.down.sql,migrations/1_a.up.sql",
                "golang-migrate:migrations/1_a.down.sql,migrations/1_a.up.sql"
            ]
        );
        // Both named.
        assert_eq!(
            layouts(&[
                ("Cargo.toml", "sqlx"),
                ("go.mod", "github.com/golang-migrate/migrate/v4"),
                ("migrations/1_a.up.sql", ""),
            ])
            .len(),
            2
        );
        // goose and dbmate files in one folder.
        assert_eq!(
            layouts(&[
                ("migrations/1_a.sql", GOOSE),
                ("migrations/2_b.sql", DBMATE)
            ]),
            ["goose:migrations/1_a.sql", "dbmate:migrations/2_b.sql"]
        );
        // A plain file among dbmate ones.
        assert_eq!(
            layouts(&[
                ("db/migrations/1_a.sql", DBMATE),
                ("db/migrations/2_b.sql", "x")
            ]),
            [
                "dbmate:db/migrations/1_a.sql",
                "dbward:db/migrations/2_b.sql"
            ]
        );
        // Two folders with scripts.
        assert_eq!(
            layouts(&[("migrations/1_a.sql", ""), ("db/migration/V1__a.sql", "")]),
            ["dbward:migrations/1_a.sql", "flyway:db/migration/V1__a.sql"]
        );
        // A Supabase project with another folder of scripts.
        assert_eq!(
            layouts(&[("supabase/config.toml", ""), ("migrations/1_a.sql", "")]),
            ["supabase:supabase/config.toml", "dbward:migrations/1_a.sql"]
        );
        // .up/.down pairs beside a rollbacks folder.
        assert_eq!(
            layouts(&[("migrations/1_a.up.sql", ""), ("rollbacks/1_a.sql", "")]),
            [
                "sqlx:migrations/1_a.up.sql",
                "golang-migrate:migrations/1_a.up.sql",
                "dbward:rollbacks"
            ]
        );
    }

    #[test]
    fn an_empty_migrations_folder_gives_way_to_a_tools_own() {
        let dir = project(&[
            ("migrations/", ""),
            ("supabase/config.toml", ""),
            ("supabase/migrations/20240101000000_a.sql", ""),
        ]);
        assert_eq!(
            detect(dir.path()),
            found(Layout::Supabase, "supabase/migrations")
        );
    }

    #[test]
    fn names_are_read_by_shape() {
        let plain = || String::new();
        for (name, shape) in [
            ("V1__a.sql", Some(Shape::Flyway)),
            ("V1.2.3__a.sql", Some(Shape::Flyway)),
            ("U2__a.sql", Some(Shape::Flyway)),
            ("R__views.sql", Some(Shape::Flyway)),
            ("V__a.sql", None),
            ("Vx__a.sql", None),
            ("1_a.up.sql", Some(Shape::UpDown)),
            ("20240101000000_a.down.sql", Some(Shape::UpDown)),
            ("001_a.sql", Some(Shape::Plain)),
            ("001_.sql", None),
            ("schema.sql", None),
            ("a_1.sql", None),
        ] {
            assert_eq!(shape_of(name, plain), shape, "{name}");
        }
        assert_eq!(
            shape_of("1_a.sql", || "-- comment\n--+goose up\n".into()),
            Some(Shape::Goose)
        );
        assert_eq!(
            shape_of("1_a.sql", || "-- migrate:up transaction:false\n".into()),
            Some(Shape::Dbmate)
        );
        assert_eq!(
            shape_of("1712766721-events.sql", || "-- migrate:up\n".into()),
            Some(Shape::Dbmate)
        );
        assert_eq!(
            shape_of("1712766721-events.sql", || "create table t ();\n".into()),
            None
        );
        assert_eq!(
            shape_of("1_a.sql", || "select '-- migrate:up';\n".into()),
            Some(Shape::Plain)
        );
    }

    #[test]
    fn one_named_folder_is_read_alone() {
        let dir = project(&[("db/up/1_a.sql", GOOSE), ("migrations/1_a.up.sql", "")]);
        assert_eq!(
            detect_folder(dir.path(), Path::new("db/up"), false),
            found(Layout::Goose, "db/up")
        );
        assert_eq!(
            detect_folder(dir.path(), Path::new("nowhere"), false),
            Detection::None
        );
        // Supabase's folder named: its layout, unless rollbacks say dbward's.
        let dir = project(&[
            ("supabase/config.toml", ""),
            ("supabase/migrations/20240101000000_a.sql", ""),
        ]);
        let named = Path::new("supabase/migrations");
        assert_eq!(
            detect_folder(dir.path(), named, false),
            found(Layout::Supabase, "supabase/migrations")
        );
        assert_eq!(
            detect_folder(dir.path(), named, true),
            found(Layout::Dbward, "supabase/migrations")
        );
    }
}
