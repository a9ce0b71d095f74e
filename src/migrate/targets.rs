//! Versions named on the command line (`up --to N`, `baseline N`) must each name a migration
//! of the project: a typo or a version from another branch would otherwise apply, or record
//! as applied, more or less than the user meant, without a word.

use super::model::{Migration, Version};
use super::refusal::PlanError;

/// The migration `version` names, or why there is none, with the migrations on either side
/// of it. `named` is how the command line named it (`` `--to 7` ``), for the message.
pub fn named_migration<'a>(
    local: &'a [Migration],
    version: Version,
    named: &str,
) -> Result<&'a Migration, PlanError> {
    if let Some(found) = local.iter().find(|m| m.version == version) {
        return Ok(found);
    }
    let shown = |m: &Migration| (m.version, m.up.path.clone());
    let below = local
        .iter()
        .filter(|m| m.version < version)
        .max_by_key(|m| m.version);
    let above = local
        .iter()
        .filter(|m| m.version > version)
        .min_by_key(|m| m.version);
    Err(PlanError::NoSuchVersion {
        named: named.to_string(),
        below: below.map(shown),
        above: above.map(shown),
    })
}

/// `up --to N`: a migration's version, or `0` where no migration has it, which applies none
/// and makes only dbward's own tables, as `down --to 0` rolls back all.
pub fn up_target(local: &[Migration], version: Version, named: &str) -> Result<(), PlanError> {
    if version.key() == 0 && !local.iter().any(|m| m.version == version) {
        return Ok(());
    }
    named_migration(local, version, named).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrate::model::{Checksum, Script, TransactionMode};
    use std::path::PathBuf;

    fn migration(version: u64) -> Migration {
        let sql = format!("create table t{version} ();");
        Migration {
            version: Version::padded(version, 3),
            name: format!("m{version}"),
            up: Script::new(
                PathBuf::from(format!("migrations/{version:03}_m{version}.sql")),
                sql.clone(),
                Checksum::of(&sql),
                TransactionMode::Transaction,
            ),
            rollback_path: None,
            down: None,
        }
    }

    fn refusal(local: &[Migration], version: u64) -> String {
        named_migration(local, Version::new(version), "`--to N`")
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn up_to_zero_means_no_migration_unless_one_is_numbered_zero() {
        let local = vec![migration(1), migration(2)];
        assert_eq!(up_target(&local, Version::new(0), "`--to 0`"), Ok(()));
        assert!(up_target(&local, Version::new(5), "`--to 5`").is_err());
        assert_eq!(up_target(&local, Version::new(2), "`--to 2`"), Ok(()));
        let with_zero = vec![migration(0), migration(1)];
        assert_eq!(up_target(&with_zero, Version::new(0), "`--to 0`"), Ok(()));
    }

    #[test]
    fn a_version_of_a_file_names_it_whatever_its_width() {
        let local = vec![migration(1), migration(2), migration(8)];
        let found = named_migration(&local, Version::new(2), "`--to 2`").unwrap();
        assert_eq!(found.name, "m2");
    }

    #[test]
    fn a_version_between_files_names_both_neighbours() {
        let local = vec![migration(8), migration(2), migration(1)];
        assert_eq!(
            refusal(&local, 5),
            "`--to N` names no migration: the nearest are 002 (migrations/002_m2.sql) and 008 (migrations/008_m8.sql)"
        );
    }

    #[test]
    fn a_version_beyond_the_newest_names_the_newest() {
        let local = vec![migration(1), migration(8)];
        assert_eq!(
            refusal(&local, 9),
            "`--to N` names no migration: the newest is 008 (migrations/008_m8.sql)"
        );
    }

    #[test]
    fn a_version_below_the_oldest_names_the_oldest_and_none_says_so() {
        let local = vec![migration(3)];
        assert_eq!(
            refusal(&local, 1),
            "`--to N` names no migration: the oldest is 003 (migrations/003_m3.sql)"
        );
        assert_eq!(
            refusal(&[], 1),
            "`--to N` names no migration: the project has no migration"
        );
    }
}
