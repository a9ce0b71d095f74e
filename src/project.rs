//! Where the project is: as git and cargo find theirs, from the current folder upward, the
//! first folder holding a `dbward.toml` or a layout [`detect`] recognises. Reads directory
//! listings and dbward.toml's folder keys; writes nothing.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::migrate::detect::{Detection, detect, detect_folder};
use crate::migrate::layout::Layout;

pub const CONFIG_FILE: &str = "dbward.toml";

/// How far above a folder found by its layout another may claim the same migrations:
/// the deepest default folder (`src/main/resources/db/migration`) is five levels down.
const CLAIM_LEVELS: usize = 5;

/// The project a command works on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Root {
    /// The project folder as paths are shown from the current folder: empty for the current
    /// folder itself, `..`, `../..` above it, or as `-C` gave it.
    pub dir: PathBuf,
    /// How many folders above the current one it was found (0: here, or given with `-C`).
    pub levels_up: usize,
}

/// The project holding `start` (an absolute folder): `start` itself or the nearest folder
/// above. `None` when no folder up to the filesystem root holds one.
pub fn find(start: &Path) -> Option<Root> {
    let ancestors: Vec<&Path> = start.ancestors().collect();
    let found = ancestors.iter().position(|dir| is_project(dir))?;
    // From inside a tool's folder (`supabase/`, `db/`), its `migrations/` looks like a
    // project of its own: the folder above that names the same migrations is the root.
    let mut chosen = found;
    if !ancestors[found].join(CONFIG_FILE).exists() {
        let mine = migrations_folders(ancestors[found]);
        for (above, dir) in ancestors
            .iter()
            .enumerate()
            .skip(found + 1)
            .take(CLAIM_LEVELS)
        {
            if migrations_folders(dir)
                .iter()
                .any(|folder| mine.contains(folder))
            {
                chosen = above;
            }
        }
    }
    Some(Root {
        dir: std::iter::repeat_n("..", chosen).collect(),
        levels_up: chosen,
    })
}

/// Whether `dir` holds a project: a dbward.toml or a layout detection recognises.
pub fn is_project(dir: &Path) -> bool {
    dir.join(CONFIG_FILE).exists() || detect(dir) != Detection::None
}

/// The folders dbward.toml's `migrations_dir` and `layout` keys, read alone.
#[derive(Debug, Default, Deserialize)]
struct Folders {
    migrations_dir: Option<PathBuf>,
    layout: Option<String>,
}

/// The migrations folders (absolute) a folder's project could use: the one its dbward.toml
/// names, or those its layout detection gives.
fn migrations_folders(dir: &Path) -> Vec<PathBuf> {
    let config = dir.join(CONFIG_FILE);
    if config.exists() {
        let folders: Folders = std::fs::read_to_string(&config)
            .ok()
            .and_then(|text| toml::from_str(&text).ok())
            .unwrap_or_default();
        let layout = folders.layout.as_deref().and_then(Layout::from_name);
        match (folders.migrations_dir, layout) {
            (Some(named), _) => return vec![dir.join(named)],
            (None, Some(layout)) => return vec![dir.join(layout.default_migrations_dir())],
            (None, None) => {}
        }
    }
    match detect(dir) {
        Detection::Found { migrations_dir, .. } => vec![dir.join(migrations_dir)],
        Detection::Ambiguous(candidates) => candidates
            .into_iter()
            .map(|c| dir.join(c.migrations_dir))
            .collect(),
        Detection::None if config.exists() => {
            vec![dir.join(Layout::Dbward.default_migrations_dir())]
        }
        Detection::None => Vec::new(),
    }
}

/// The layout of a project folder whose dbward.toml names none: of the folder it names
/// (with a rollbacks folder named or present, dbward's), or of the whole project.
pub fn detect_layout(root: &Path, migrations_dir: Option<&Path>, rollbacks: bool) -> Detection {
    match migrations_dir {
        Some(dir) => detect_folder(root, dir, rollbacks || root.join("rollbacks").is_dir()),
        None => detect(root),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(paths: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for path in paths {
            let path = dir.path().join(path);
            if path.to_string_lossy().ends_with('/') {
                std::fs::create_dir_all(&path).unwrap();
            } else {
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, "").unwrap();
            }
        }
        dir
    }

    fn levels(root: &Path, from: &str) -> Option<usize> {
        find(&root.join(from)).map(|found| {
            assert_eq!(
                found.dir,
                std::iter::repeat_n("..", found.levels_up).collect::<PathBuf>()
            );
            found.levels_up
        })
    }

    #[test]
    fn the_nearest_project_above_is_found() {
        let dir = tree(&[
            "app/dbward.toml",
            "app/migrations/001_a.sql",
            "app/src/deep/",
            "app/supabase/config.toml",
            "app/supabase/migrations/20240101000000_a.sql",
            "plain/migrations/001_a.sql",
            "dbmate/db/migrations/1_a.sql",
            "empty/",
        ]);
        let root = dir.path();
        assert_eq!(levels(root, "app"), Some(0));
        assert_eq!(levels(root, "app/src/deep"), Some(2));
        // From inside migrations/, never migrations/ itself.
        assert_eq!(levels(root, "app/migrations"), Some(1));
        assert_eq!(levels(root, "plain/migrations"), Some(1));
        // supabase/ and db/ hold a `migrations/` of their own: the folder above claims it.
        assert_eq!(levels(root, "app/supabase"), Some(1));
        assert_eq!(levels(root, "app/supabase/migrations"), Some(2));
        assert_eq!(levels(root, "dbmate/db"), Some(1));
        assert_eq!(levels(root, "dbmate/db/migrations"), Some(2));
    }

    #[test]
    fn no_project_is_none() {
        // A temporary folder has no project above it (unless the machine's /tmp holds one).
        let dir = tree(&["empty/", "notes/README.md"]);
        if is_project(&std::env::temp_dir()) || is_project(Path::new("/")) {
            return;
        }
        assert_eq!(find(&dir.path().join("empty")), None);
        assert_eq!(find(&dir.path().join("notes")), None);
    }

    #[test]
    fn a_named_folder_is_detected_alone() {
        let dir = tree(&["db/up/V1__a.sql", "migrations/1_a.up.sql"]);
        assert_eq!(
            detect_layout(dir.path(), Some(Path::new("db/up")), false),
            Detection::Found {
                layout: Layout::Flyway,
                migrations_dir: PathBuf::from("db/up")
            }
        );
        assert!(matches!(
            detect_layout(dir.path(), None, false),
            Detection::Ambiguous(_)
        ));
    }
}
