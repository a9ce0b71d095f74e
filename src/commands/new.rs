//! `dbward new NAME`: the next numbered migration and its rollback.

use std::fs;
use std::io::Write;
use std::path::Path;

use super::Context;
use crate::error::{Error, Result};
use crate::migrate::layout::{Layout, Role};
use crate::migrate::source;
use crate::report::NewReport;

pub fn run(ctx: &Context, name: &str) -> Result<()> {
    let dirs = &ctx.settings.dirs;
    let name = clean_name(dirs.layout, name)?;
    // Numbering reads names only, so a project with other problems can still grow.
    let (files, _) = source::scan(dirs.layout, &dirs.migrations, Role::Migration);
    let new = dirs.layout.new_files(&files, &name);
    let migration = dirs.migrations.join(&new.migration_file);
    let rollback = dirs.rollbacks.join(&new.rollback_file);
    write_new(&migration, &new.migration_text)?;
    write_new(&rollback, &new.rollback_text)?;
    ctx.out.new_migration(&NewReport {
        version: new.version,
        migration: migration.display().to_string(),
        rollback: rollback.display().to_string(),
    });
    Ok(())
}

/// Spaces become `_`; anything else outside letters, digits, `_` and `-` is refused.
fn clean_name(layout: Layout, name: &str) -> Result<String> {
    let cleaned: String = name.trim().replace([' ', '\t'], "_");
    if cleaned.is_empty() {
        return Err(Error::Usage(
            "a migration needs a name that says what it changes, as in `dbward new add_invoices`"
                .into(),
        ));
    }
    if !layout.allows_name(&cleaned) {
        return Err(Error::Usage(format!(
            "migration name `{name}` may hold only letters, digits, `_` and `-`"
        )));
    }
    Ok(cleaned)
}

fn write_new(path: &Path, content: &str) -> Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(Error::io(dir))?;
    }
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(Error::io(path))?;
    file.write_all(content.as_bytes()).map_err(Error::io(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_cleaned_or_refused() {
        assert_eq!(
            clean_name(Layout::Dbward, "add invoices").unwrap(),
            "add_invoices"
        );
        assert_eq!(clean_name(Layout::Dbward, "add-x_2").unwrap(), "add-x_2");
        assert!(clean_name(Layout::Dbward, "drop;table").is_err());
        let empty = clean_name(Layout::Dbward, "  ").unwrap_err().to_string();
        assert!(empty.contains("needs a name"), "{empty}");
        assert!(clean_name(Layout::Dbward, "  ").is_err());
        assert!(clean_name(Layout::Dbward, "../x").is_err());
    }
}
