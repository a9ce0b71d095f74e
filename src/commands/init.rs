//! `dbward init`: a dbward.toml naming the layout of the migrations already there, or a new
//! dbward project (dbward.toml, migrations/, rollbacks/) where there are none.

use std::fs;
use std::path::{Path, PathBuf};

use crate::config::{CONFIG_FILE, candidates_list, layout_names};
use crate::error::{Error, Result};
use crate::migrate::detect::{Detection, detect};
use crate::migrate::layout::{Layout, Role};
use crate::migrate::model::Version;
use crate::migrate::source;
use crate::output::Output;
use crate::report::InitReport;

pub fn run(dir: Option<&Path>, layout: Option<&str>, out: &Output) -> Result<()> {
    let folder = dir.map_or_else(PathBuf::new, Path::to_path_buf);
    if !folder.as_os_str().is_empty() && !folder.is_dir() {
        return Err(Error::Usage(format!(
            "folder {} does not exist",
            folder.display()
        )));
    }
    let shown = if folder.as_os_str().is_empty() {
        Path::new(".")
    } else {
        folder.as_path()
    };
    // Without -C, a project above (this may be its `migrations/`) is where to work.
    if dir.is_none() {
        let here = std::env::current_dir().map_err(Error::io("the current folder"))?;
        if let Some(parent) = here.parent()
            && let Some(root) = crate::project::find(parent)
        {
            let above = parent
                .ancestors()
                .nth(root.levels_up)
                .unwrap_or(parent)
                .display()
                .to_string();
            return Err(Error::Usage(format!(
                "{above} above already holds a dbward project; run dbward there, or `dbward -C . init` to start a separate one here"
            )));
        }
    }
    let config = folder.join(CONFIG_FILE);
    if config.exists() {
        return Err(Error::Usage(format!(
            "{} already exists; dbward init writes nothing over it (edit it, or remove it first)",
            config.display()
        )));
    }
    let detection = detect(shown);
    let fresh = detection == Detection::None;
    let (layout, migrations_dir) = match layout {
        Some(name) => {
            let layout = Layout::from_name(name).ok_or_else(|| {
                Error::Usage(format!(
                    "layout `{name}` is not one dbward reads; it reads {}",
                    layout_names()
                ))
            })?;
            (layout, folder_of(&detection, layout))
        }
        None => match detection {
            Detection::Found {
                layout,
                migrations_dir,
            } => (layout, migrations_dir),
            Detection::None => (
                Layout::Dbward,
                PathBuf::from(Layout::Dbward.default_migrations_dir()),
            ),
            Detection::Ambiguous(candidates) => {
                return Err(Error::Usage(format!(
                    "the files in {} fit more than one layout, so nothing was written; choose one:{}",
                    shown.display(),
                    candidates_list(&candidates, |name| format!("dbward init --layout {name}"))
                )));
            }
        },
    };
    let mut created = Vec::new();
    // A new project gets its folders; one with migrations already has what it needs.
    for dir in std::iter::once(migrations_dir.as_path())
        .chain(layout.separate_rollbacks_dir().map(Path::new))
        .filter(|_| fresh)
    {
        let path = folder.join(dir);
        if !path.exists() {
            fs::create_dir_all(&path).map_err(Error::io(&path))?;
            created.push(format!("{}/", path.display()));
        }
    }
    // The migrations already there ran wherever the project is deployed: lint what comes
    // after them.
    let newest = if fresh {
        None
    } else {
        let (files, _) = source::scan(layout, &folder.join(&migrations_dir), Role::Migration);
        files
            .iter()
            .filter(|file| file.role == Role::Migration)
            .map(|file| file.version)
            .max()
    };
    let text = config_text(layout, &migrations_dir, newest);
    super::operations::write_new_file(&config, &text)?;
    created.insert(0, config.display().to_string());
    out.init(&InitReport {
        folder: shown.display().to_string(),
        layout: layout.name().to_string(),
        migrations_dir: migrations_dir.display().to_string(),
        created,
    });
    Ok(())
}

/// The folder detection found for `layout`, or the layout's default.
fn folder_of(detection: &Detection, layout: Layout) -> PathBuf {
    match detection {
        Detection::Found {
            layout: found,
            migrations_dir,
        } if *found == layout => Some(migrations_dir.clone()),
        Detection::Ambiguous(candidates) => candidates
            .iter()
            .find(|c| c.layout == layout)
            .map(|c| c.migrations_dir.clone()),
        _ => None,
    }
    .unwrap_or_else(|| PathBuf::from(layout.default_migrations_dir()))
}

/// dbward.toml for a new project: the layout and its folder, and the settings a user
/// reaches for first, commented out.
fn config_text(layout: Layout, migrations_dir: &Path, newest: Option<Version>) -> String {
    let mut text = format!(
        "# dbward's settings for this project; every key is described in dbward's README.\n\
         \n\
         # Whose file layout the migrations follow: dbward reads it as that tool does.\n\
         layout = \"{}\"\n\
         migrations_dir = \"{}\"\n",
        layout.name(),
        migrations_dir.display()
    );
    if let Some(rollbacks) = layout.separate_rollbacks_dir() {
        text.push_str(&format!("rollbacks_dir = \"{rollbacks}\"\n"));
    }
    if layout == Layout::Supabase {
        text.push_str(
            "# Fixtures are supabase/seed.sql (or [db.seed] sql_paths of supabase/config.toml),\n\
             # and Supabase's roles and auth.uid() are expected (compat = \"supabase\").\n",
        );
    } else {
        text.push_str("# fixtures_dir = \"fixtures\"\n");
    }
    text.push_str(
        "\n\
         # With no database named (here, DATABASE_URL, --database-url or PGHOST), dbward runs\n\
         # a PostgreSQL of its own under .dbward/. Prefer DATABASE_URL for anything with a\n\
         # password; named databases go in [environments.NAME].\n\
         # database_url = \"postgres://app@localhost:5432/app\"\n",
    );
    if let Some(newest) = newest {
        text.push_str(&format!(
            "\n\
             # The migrations here when `dbward init` ran are taken as deployed already: `check`\n\
             # (and ci's check step) lints only those after {newest}. Remove it to lint them all.\n\
             [check]\n\
             since = \"{newest}\"\n"
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What init writes is a dbward.toml dbward reads back, naming the same layout.
    #[test]
    fn the_written_config_loads_for_every_layout() {
        for (layout, newest) in Layout::ALL.into_iter().zip([
            None,
            Some(Version::padded(20240101120000, 14)),
            Some(Version::padded(7, 6)),
            None,
            None,
            Version::dotted(&[1, 26]),
            None,
        ]) {
            let dir = PathBuf::from(layout.default_migrations_dir());
            let text = config_text(layout, &dir, newest);
            let file = crate::config::parse_file(&text)
                .unwrap_or_else(|e| panic!("{}: {e}\n{text}", layout.name()));
            assert_eq!(file.layout.as_deref(), Some(layout.name()));
            assert_eq!(file.migrations_dir, Some(dir));
            assert_eq!(
                file.rollbacks_dir.is_some(),
                layout.separate_rollbacks_dir().is_some()
            );
            let since = file.check.since.map(|since| since.to_string());
            assert_eq!(since, newest.map(|v| v.to_string()), "{text}");
        }
    }
}
