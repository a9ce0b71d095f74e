//! Finding the PostgreSQL server programs the local cluster is made and run with.

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The PostgreSQL server programs.
#[derive(Debug, Clone)]
pub struct Binaries {
    pub dir: PathBuf,
}

impl Binaries {
    /// `DBWARD_PG_BINDIR`, then PATH, then the newest `/usr/lib/postgresql/*/bin`.
    pub fn find() -> Result<Binaries> {
        let has_all = |dir: &Path| {
            ["initdb", "pg_ctl", "postgres"]
                .iter()
                .all(|b| dir.join(b).is_file())
        };
        if let Some(dir) = std::env::var_os("DBWARD_PG_BINDIR") {
            let dir = PathBuf::from(dir);
            return if has_all(&dir) {
                Ok(Binaries { dir })
            } else {
                Err(Error::Local(format!(
                    "DBWARD_PG_BINDIR={} does not hold initdb, pg_ctl and postgres",
                    dir.display()
                )))
            };
        }
        let from_path = std::env::var_os("PATH")
            .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
            .unwrap_or_default();
        for dir in from_path {
            if has_all(&dir) {
                // Follow symlinks so pg_ctl finds `postgres` beside itself.
                let initdb = fs::canonicalize(dir.join("initdb")).unwrap_or(dir.join("initdb"));
                let real = initdb.parent().map(Path::to_path_buf).unwrap_or(dir);
                return Ok(Binaries { dir: real });
            }
        }
        // Tests point this elsewhere to see the "not found" path on a machine that has them.
        let search_root = std::env::var_os("DBWARD_PG_SEARCH_ROOT")
            .map_or_else(|| PathBuf::from("/usr/lib/postgresql"), PathBuf::from);
        let mut versions: Vec<(u32, PathBuf)> = fs::read_dir(search_root)
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let version = e.file_name().to_str()?.parse::<u32>().ok()?;
                let bin = e.path().join("bin");
                has_all(&bin).then_some((version, bin))
            })
            .collect();
        versions.sort();
        match versions.pop() {
            Some((_, dir)) => Ok(Binaries { dir }),
            None => Err(Error::Local(
                "no PostgreSQL server binaries (initdb, pg_ctl, postgres) on PATH or under \
                 /usr/lib/postgresql/*/bin, so dbward cannot start its local database.\n\
                 Install them (Debian/Ubuntu: `apt-get install postgresql`; Fedora: `dnf install \
                 postgresql-server`; macOS: `brew install postgresql@16`) or set DBWARD_PG_BINDIR, \
                 or point dbward at an existing server with --database-url, DATABASE_URL or PGHOST."
                    .into(),
            )),
        }
    }

    pub(super) fn program(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}
