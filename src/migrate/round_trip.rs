//! What `dbward ci`'s round trip (down, then up again) covers when some migrations have no
//! rollback: down goes from the newest migration as far as rollbacks allow, and stops at
//! the newest one without. A rollback with no SQL in it (a placeholder such as `-- not
//! reversible`) counts as none. Pure: migrations in, the plan and its words out.

use super::layout::Layout;
use super::model::Migration;
use super::plan::rollback_runs;

/// How many files without a rollback the words name; the rest are counted.
const NAMED: usize = 5;

/// The round trip over a project's migrations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundTrip {
    /// How many of the newest migrations are rolled back and applied again.
    pub covered: usize,
    pub total: usize,
    /// The file names of the migrations without a rollback, oldest first.
    pub without_rollback: Vec<String>,
    /// The newest migration without a rollback: where down stops.
    pub stops_at: Option<String>,
}

impl RoundTrip {
    /// The round trip over `migrations` (oldest first). When rollbacks are required, it
    /// covers every migration, so that down stops with an error at the first one missing.
    pub fn plan(migrations: &[Migration], layout: Layout, require_rollbacks: bool) -> RoundTrip {
        let without_rollback: Vec<String> = migrations
            .iter()
            .filter(|m| !has_rollback(m, layout))
            .map(|m| m.up.file_name())
            .collect();
        let stops_at = migrations
            .iter()
            .rev()
            .find(|m| !has_rollback(m, layout))
            .map(|m| m.up.file_name());
        let covered = if require_rollbacks {
            migrations.len()
        } else {
            migrations
                .iter()
                .rev()
                .take_while(|m| has_rollback(m, layout))
                .count()
        };
        RoundTrip {
            covered,
            total: migrations.len(),
            without_rollback,
            stops_at,
        }
    }

    /// What the down step says once its rollbacks ran, each the exact reverse of its
    /// migration.
    pub fn describe(&self) -> String {
        let Some(stops_at) = &self.stops_at else {
            return format!(
                "{}, each the exact reverse of its migration",
                crate::plural::count(self.covered, "rollback", "rollbacks")
            );
        };
        let mut names = self
            .without_rollback
            .iter()
            .take(NAMED)
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(", ");
        if self.without_rollback.len() > NAMED {
            names.push_str(&format!(
                ", and {} more",
                self.without_rollback.len() - NAMED
            ));
        }
        let without = format!("{} without rollback: {names}", self.without_rollback.len());
        if self.covered == 0 {
            format!(
                "round trip over 0 of {}: the newest, {stops_at}, has no rollback; {without}",
                crate::plural::count(self.total, "migration", "migrations")
            )
        } else {
            format!(
                "round trip over {} of {}, each rollback the exact reverse of its migration (down stops at {stops_at}, which has none); {without}",
                self.covered,
                crate::plural::count(self.total, "migration", "migrations")
            )
        }
    }
}

/// A rollback file with SQL in it.
/// A rollback `down` runs: written, or a no-op said on purpose in another tool's layout.
fn has_rollback(migration: &Migration, layout: Layout) -> bool {
    migration
        .down
        .as_ref()
        .is_some_and(|down| rollback_runs(layout, down))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrate::model::{Checksum, Script, TransactionMode, Version};
    use std::path::PathBuf;

    /// Migrations numbered from 1, reversible where the pattern says `r`, with a rollback
    /// holding only a comment where it says `e`, without one where it says `-`.
    fn project(pattern: &str) -> Vec<Migration> {
        pattern
            .chars()
            .enumerate()
            .map(|(i, kind)| {
                let version = i as u64 + 1;
                let script = |folder: &str, sql: &str| {
                    Script::new(
                        PathBuf::from(format!("{folder}/{version:03}_m{version}.sql")),
                        sql.into(),
                        Checksum::of(sql),
                        TransactionMode::Transaction,
                    )
                };
                let rollback = match kind {
                    'r' => Some("select 1;"),
                    'e' => Some("-- not reversible"),
                    _ => None,
                };
                Migration {
                    version: Version::new(version),
                    name: format!("m{version}"),
                    up: script("migrations", "select 1;"),
                    rollback_path: rollback
                        .map(|_| PathBuf::from(format!("rollbacks/{version:03}_m{version}.sql"))),
                    down: rollback.map(|sql| script("rollbacks", sql)),
                }
            })
            .collect()
    }

    #[test]
    fn down_stops_at_the_newest_migration_without_a_rollback() {
        for (pattern, covered, stops_at) in [
            ("", 0, None),
            ("rrr", 3, None),
            ("---", 0, Some("003_m3.sql")),
            ("-r-r", 1, Some("003_m3.sql")),
            ("r-rr", 2, Some("002_m2.sql")),
            ("rr-", 0, Some("003_m3.sql")),
            ("rer", 1, Some("002_m2.sql")),
        ] {
            let trip = RoundTrip::plan(&project(pattern), Layout::Dbward, false);
            assert_eq!(trip.covered, covered, "{pattern}");
            assert_eq!(trip.total, pattern.len(), "{pattern}");
            assert_eq!(trip.stops_at.as_deref(), stops_at, "{pattern}");
            let required = RoundTrip::plan(&project(pattern), Layout::Dbward, true);
            assert_eq!(required.covered, pattern.len(), "{pattern}: all, to fail");
        }
        // In another tool's layout a down of comments only is a no-op said on purpose,
        // which down runs: the round trip goes through it.
        let trip = RoundTrip::plan(&project("rer"), Layout::GolangMigrate, false);
        assert_eq!((trip.covered, trip.stops_at), (3, None));
    }

    #[test]
    fn the_words_say_what_the_round_trip_covers_and_name_what_it_leaves_out() {
        for (pattern, words) in [
            ("rr", "2 rollbacks, each the exact reverse of its migration"),
            (
                "---",
                "round trip over 0 of 3 migrations: the newest, 003_m3.sql, has no rollback; 3 without rollback: 001_m1.sql, 002_m2.sql, 003_m3.sql",
            ),
            (
                "-r-r",
                "round trip over 1 of 4 migrations, each rollback the exact reverse of its migration (down stops at 003_m3.sql, which has none); 2 without rollback: 001_m1.sql, 003_m3.sql",
            ),
            (
                "-------r",
                "round trip over 1 of 8 migrations, each rollback the exact reverse of its migration (down stops at 007_m7.sql, which has none); 7 without rollback: 001_m1.sql, 002_m2.sql, 003_m3.sql, 004_m4.sql, 005_m5.sql, and 2 more",
            ),
        ] {
            assert_eq!(
                RoundTrip::plan(&project(pattern), Layout::Dbward, false).describe(),
                words,
                "{pattern}"
            );
        }
    }
}
