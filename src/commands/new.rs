//! `dbward new NAME`: the next numbered migration and its rollback.

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
    let new = dirs.layout.new_files(&files, &name, &utc_timestamp());
    let migration = dirs.migrations.join(&new.migration_file);
    let rollback = new
        .rollback
        .as_ref()
        .map(|(file, text)| (dirs.rollbacks.join(file), text));
    if let Some((path, _)) = rollback.as_ref().filter(|(path, _)| path.exists()) {
        // Checked before the migration is written, so that nothing is left half made.
        return Err(Error::io(path)(std::io::ErrorKind::AlreadyExists.into()));
    }
    super::operations::write_new_file(&migration, &new.migration_text)?;
    if let Some((path, text)) = &rollback {
        super::operations::write_new_file(path, text)?;
    }
    ctx.out.new_migration(&NewReport {
        version: new.version,
        migration: migration.display().to_string(),
        rollback: rollback.map(|(path, _)| path.display().to_string()),
    });
    Ok(())
}

/// Now in UTC as `YYYYMMDDHHMMSS`, the timestamp versions most tools use.
pub(super) fn utc_timestamp() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now())
        .to_string()
        .chars()
        .filter(char::is_ascii_digit)
        .collect()
}

/// Spaces become `_`; anything else outside letters, digits, `_` and `-` is refused.
pub(super) fn clean_name(layout: Layout, name: &str) -> Result<String> {
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
