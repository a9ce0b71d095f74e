//! `dbward new NAME`: the next numbered migration and its rollback.

use std::fs;
use std::io::Write;
use std::path::Path;

use super::Context;
use crate::error::{Error, Result};
use crate::migrate::source;
use crate::report::NewReport;

pub fn run(ctx: &Context, name: &str) -> Result<()> {
    let name = clean_name(name)?;
    let dirs = &ctx.settings.dirs;
    // Numbering reads names only, so a project with other problems can still grow.
    let (files, _) = source::scan(&dirs.migrations);
    let (version, width) = source::next_number(&files);
    let file_name = format!("{:0width$}_{name}.sql", version.0);
    let migration = dirs.migrations.join(&file_name);
    let rollback = dirs.rollbacks.join(&file_name);
    write_new(
        &migration,
        &format!(
            "-- {file_name}: {}\n\
             -- Runs in one transaction together with its history row. For statements that\n\
             -- cannot run in a transaction (CREATE INDEX CONCURRENTLY), make the first line\n\
             -- `-- dbward:no-transaction`.\n\n",
            name.replace('_', " ")
        ),
    )?;
    write_new(
        &rollback,
        &format!(
            "-- Undoes migrations/{file_name} exactly, so that `dbward down` leaves nothing of it.\n\n"
        ),
    )?;
    ctx.out.new_migration(&NewReport {
        version,
        migration: migration.display().to_string(),
        rollback: rollback.display().to_string(),
    });
    Ok(())
}

/// Spaces become `_`; anything else outside letters, digits, `_` and `-` is refused.
fn clean_name(name: &str) -> Result<String> {
    let cleaned: String = name.trim().replace([' ', '\t'], "_");
    if cleaned.is_empty() {
        return Err(Error::Usage(
            "a migration needs a name that says what it changes, as in `dbward new add_invoices`"
                .into(),
        ));
    }
    if !cleaned
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
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
        assert_eq!(clean_name("add invoices").unwrap(), "add_invoices");
        assert_eq!(clean_name("add-x_2").unwrap(), "add-x_2");
        assert!(clean_name("drop;table").is_err());
        let empty = clean_name("  ").unwrap_err().to_string();
        assert!(empty.contains("needs a name"), "{empty}");
        assert!(clean_name("  ").is_err());
        assert!(clean_name("../x").is_err());
    }
}
