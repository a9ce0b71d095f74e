//! Lists `migrations/` and `rollbacks/` through the project's [`Layout`], pairs them and
//! reads them into checked [`Migration`]s. Every problem in the files is collected, so one
//! run names them all, and nothing here touches a database.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::layout::{Layout, NumberedFile, Role};
use super::model::{Migration, Script, Version};
use super::scripts::{ReadFile, read_scripts};

// The commands name these through this module, as they load files through it.
pub use super::problems::FileProblem;
pub use super::scripts::Depth;

/// Where a project keeps its scripts.
#[derive(Debug, Clone)]
pub struct SourceDirs {
    /// How the files in these folders are named and paired.
    pub layout: Layout,
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

/// Lists the scripts of a folder that holds those with `role`, named as `layout` says,
/// sorted by path. A missing folder is empty. A folder named like a script is refused: what
/// is in it would never run.
pub fn scan(layout: Layout, dir: &Path, role: Role) -> (Vec<NumberedFile>, Vec<FileProblem>) {
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
            if is_dir && entry.file_name().to_str().is_some_and(|name| layout.looks_like_script(name)) {
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
        match layout.parse(&path, role) {
            Ok(Some(file)) => files.push(file),
            Ok(None) => {}
            Err(problem) => problems.push(problem),
        }
    }
    (files, problems)
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

/// A problem for each number that several of `files` share, naming the next free number:
/// migrations and fixtures alike.
pub fn duplicate_versions(layout: Layout, files: &[NumberedFile]) -> Vec<FileProblem> {
    let next_free = layout.next_number(files);
    find_duplicates(files)
        .into_iter()
        .map(|(version, paths)| FileProblem::DuplicateVersion {
            version,
            paths,
            next_free,
        })
        .collect()
}

/// A project's numbered files, paired and checked by name only: no file is opened yet.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    layout: Layout,
    ups: BTreeMap<Version, NumberedFile>,
    downs: BTreeMap<Version, NumberedFile>,
}

/// The migrations folder listed and its numbers checked: what must hold before dbward
/// connects. The rollbacks are listed later, against it.
#[derive(Debug, Clone, Default)]
pub struct Migrations {
    layout: Layout,
    ups: BTreeMap<Version, NumberedFile>,
    /// Rollbacks found beside the migrations, where the layout keeps them there.
    downs_beside: Vec<NumberedFile>,
}

/// Lists the migrations folder: bad names and duplicate numbers are found here.
pub fn list_migrations(layout: Layout, dir: &Path) -> (Migrations, Vec<FileProblem>) {
    let (files, mut problems) = scan(layout, dir, Role::Migration);
    let (ups, downs_beside): (Vec<_>, Vec<_>) =
        files.into_iter().partition(|f| f.role == Role::Migration);
    problems.extend(duplicate_versions(layout, &ups));
    let ups = ups.into_iter().map(|f| (f.version, f)).collect();
    (
        Migrations {
            layout,
            ups,
            downs_beside,
        },
        problems,
    )
}

/// Lists the rollbacks (in their own folder where the layout has one) and pairs each
/// rollback with its migration: bad names, duplicate numbers and orphaned rollbacks are
/// found here.
pub fn pair_rollbacks(migrations: Migrations, dir: &Path) -> (Listing, Vec<FileProblem>) {
    let Migrations {
        layout,
        ups,
        downs_beside,
    } = migrations;
    let (downs, mut problems) = match layout.separate_rollbacks_dir() {
        Some(_) => scan(layout, dir, Role::Rollback),
        None => (downs_beside, Vec::new()),
    };
    for (version, paths) in find_duplicates(&downs) {
        problems.push(FileProblem::DuplicateRollback { version, paths });
    }
    let mut paired: BTreeMap<Version, NumberedFile> = BTreeMap::new();
    for down in downs {
        match ups.get(&down.version) {
            Some(up) if layout.is_rollback_of(&down, up) => {
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
    (
        Listing {
            layout,
            ups,
            downs: paired,
        },
        problems,
    )
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
    let mut results = read_scripts(&paths, listing.layout, depth).into_iter();
    let mut up_scripts: Vec<Result<ReadFile, FileProblem>> =
        results.by_ref().take(listing.ups.len()).collect();
    let mut down_scripts: BTreeMap<Version, Result<Script, FileProblem>> = listing
        .downs
        .keys()
        .copied()
        .zip(results.map(|read| read.map(|(script, _)| script)))
        .collect();
    up_scripts.reverse();

    let mut migrations = Vec::new();
    for up in listing.ups.values() {
        let up_read = up_scripts.pop().expect("one result per migration");
        let mut rollback_path = listing.downs.get(&up.version).map(|d| d.path.clone());
        let mut down_script = down_scripts.remove(&up.version);
        let up_script = up_read.map(|(script, section)| {
            // A goose or dbmate file's down section is its rollback.
            if let Some(section) = section {
                rollback_path = Some(section.path.clone());
                down_script = Some(Ok(section));
            }
            script
        });
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
    let (migrations, mut problems) = list_migrations(dirs.layout, &dirs.migrations);
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
            layout: Layout::Dbward,
            migrations: dir.path().join("migrations"),
            rollbacks: dir.path().join("rollbacks"),
            named_in_config: Vec::new(),
        };
        (dir, dirs)
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
            migrations
                .iter()
                .map(|m| m.version.key())
                .collect::<Vec<_>>(),
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
            version: Version::new(version),
            name: name.to_string(),
            path: PathBuf::from(name),
            role: Role::Migration,
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
                Version::new(2),
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
                } => Some((version.key(), paths.len(), next_free.key())),
                _ => None,
            })
            .collect();
        assert_eq!(duplicates, vec![(1, 2, 9), (4, 2, 9)]);
        let text = problems[1].to_string();
        assert!(
            text.contains("004_add_favorites.sql") && text.contains("004_create_templates.sql")
        );
        assert!(text.contains("next free number is 009"), "{text}");
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
        let (files, _) = scan(Layout::Dbward, &dirs.migrations, Role::Migration);
        assert_eq!(Layout::Dbward.next_number(&files).to_string(), "0008");
        assert_eq!(Layout::Dbward.next_number(&[]).to_string(), "001");
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
