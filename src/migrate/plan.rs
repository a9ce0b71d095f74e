//! Pure planning: local migrations + the applied history + a target -> what to run, or why
//! not. Every rule of `status`, `validate`, `up` and `down` lives here, with its tests.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use super::layout::Layout;
use super::model::{Applied, Migration, Outcome, Script, Version};
pub use super::refusal::{Divergence, PlanError};

/// What `status` says of one version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    Applied,
    Pending,
    /// Pending, but numbered below the newest applied migration.
    OutOfOrder,
    /// Applied, but the file changed since.
    Modified,
    /// Applied, but its file is gone.
    Missing,
    /// A no-transaction migration that started and never finished.
    Failed,
    /// A no-transaction migration that another runner is applying right now.
    Applying,
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            State::Applied => "applied",
            State::Pending => "pending",
            State::OutOfOrder => "pending (out of order)",
            State::Modified => "modified",
            State::Missing => "missing",
            State::Failed => "failed",
            State::Applying => "applying",
        })
    }
}

/// One line of `status`.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub version: Version,
    pub name: String,
    pub state: State,
    pub local: Option<&'a Migration>,
    pub applied: Option<&'a Applied>,
}

impl Entry<'_> {
    /// The rollback file differs from the one recorded when the migration was applied: a
    /// normal fix, worth a warning, since `down` runs the file as it is now.
    pub fn rollback_edited(&self) -> bool {
        let recorded = self.applied.and_then(|a| a.rollback_checksum);
        let now = self.local.and_then(|m| m.down.as_ref()).map(|d| d.checksum);
        matches!((recorded, now), (Some(recorded), Some(now)) if recorded != now)
    }
}

/// Joins the files and the history, one entry per version, in version order.
pub fn status<'a>(local: &'a [Migration], applied: &'a [Applied]) -> Vec<Entry<'a>> {
    let newest_applied = applied
        .iter()
        .filter(|a| a.outcome == Outcome::Succeeded)
        .map(|a| a.version)
        .max();
    let mut by_version: BTreeMap<Version, (Option<&Migration>, Option<&Applied>)> = BTreeMap::new();
    for migration in local {
        by_version.entry(migration.version).or_default().0 = Some(migration);
    }
    for row in applied {
        by_version.entry(row.version).or_default().1 = Some(row);
    }
    by_version
        .into_iter()
        .map(|(version, (local, applied))| {
            let state = match (local, applied) {
                (_, Some(row)) if row.outcome == Outcome::Failed => State::Failed,
                (_, Some(row)) if row.outcome == Outcome::Applying => State::Applying,
                (None, Some(_)) => State::Missing,
                (Some(m), Some(row)) if row.checksum != Some(m.up.checksum) => State::Modified,
                (Some(_), Some(_)) => State::Applied,
                (Some(_), None) if newest_applied.is_some_and(|newest| version < newest) => {
                    State::OutOfOrder
                }
                (Some(_), None) => State::Pending,
                (None, None) => unreachable!("every entry comes from a file or a row"),
            };
            let name = local
                .map(|m| m.name.clone())
                .or_else(|| applied.map(|a| a.name.clone()))
                .unwrap_or_default();
            Entry {
                version,
                name,
                state,
                local,
                applied,
            }
        })
        .collect()
}

/// Which divergences the user accepts on purpose, each named by its own flag.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Allow {
    pub modified: bool,
    pub missing: bool,
    pub out_of_order: bool,
}

/// Every divergence not accepted by `allow`. A failed migration can never be waved through.
pub fn validate(entries: &[Entry<'_>], allow: Allow) -> Vec<Divergence> {
    let newest_applied = entries
        .iter()
        .filter(|e| matches!(e.state, State::Applied | State::Modified | State::Missing))
        .map(|e| e.version)
        .max();
    entries
        .iter()
        .filter_map(|entry| match entry.state {
            State::Modified if !allow.modified => {
                let local = entry.local?;
                Some(Divergence::Modified {
                    version: entry.version,
                    path: local.up.path.clone(),
                    applied: entry.applied.and_then(|a| a.checksum),
                    file: local.up.checksum,
                })
            }
            State::Missing if !allow.missing => Some(Divergence::Missing {
                version: entry.version,
                name: entry.name.clone(),
            }),
            State::OutOfOrder if !allow.out_of_order => Some(Divergence::OutOfOrder {
                version: entry.version,
                path: entry.local?.up.path.clone(),
                newest_applied: newest_applied?,
            }),
            State::Failed | State::Applying => unfinished(entry.version, &entry.name, entry.state),
            _ => None,
        })
        .collect()
}

/// The divergence of a no-transaction migration that has not finished, from its state.
fn unfinished(version: Version, name: &str, state: State) -> Option<Divergence> {
    let name = name.to_string();
    match state {
        State::Failed => Some(Divergence::Failed { version, name }),
        State::Applying => Some(Divergence::Applying { version, name }),
        _ => None,
    }
}

/// The history's unfinished no-transaction migrations (failed, or being applied), which
/// stop `up` and `down`.
pub fn unfinished_runs(applied: &[Applied]) -> Vec<Divergence> {
    applied
        .iter()
        .filter_map(|row| {
            let state = match row.outcome {
                Outcome::Succeeded => return None,
                Outcome::Failed => State::Failed,
                Outcome::Applying => State::Applying,
            };
            unfinished(row.version, &row.name, state)
        })
        .collect()
}

/// The pending migrations to apply, in order, up to `target` (inclusive) when given.
pub fn plan_up<'a>(
    entries: &[Entry<'a>],
    target: Option<Version>,
    allow: Allow,
) -> Result<Vec<&'a Migration>, PlanError> {
    let divergences = validate(entries, allow);
    if !divergences.is_empty() {
        return Err(PlanError::Diverged(divergences));
    }
    let mut steps = Vec::new();
    for entry in entries {
        if !matches!(entry.state, State::Pending | State::OutOfOrder) {
            continue;
        }
        if target.is_some_and(|t| entry.version > t) {
            continue;
        }
        let migration = entry.local.expect("pending entries come from files");
        if !migration.up.has_statements() {
            return Err(PlanError::Empty {
                version: migration.version,
                path: migration.up.path.clone(),
            });
        }
        steps.push(migration);
    }
    Ok(steps)
}

/// Whether `down` runs this rollback. One with no SQL is one not written yet (the tools'
/// `create` commands write empty ones), except that in another tool's layout a down file of
/// comments only (`-- no-op`) says on purpose that there is nothing to undo: those tools
/// run it as nothing, and so does dbward.
pub fn rollback_runs(layout: Layout, down: &Script) -> bool {
    down.has_statements() || (layout != Layout::Dbward && !down.sql.trim().is_empty())
}

/// How far `down` goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DownTarget {
    /// Undo this many of the newest applied migrations.
    Steps(usize),
    /// Undo every applied migration numbered above this one.
    To(Version),
    /// Undo every applied migration (in layouts where 0 is a version, `To(0)` keeps it).
    All,
}

/// The applied migrations to roll back, newest first.
pub fn plan_down<'a>(
    entries: &[Entry<'a>],
    target: DownTarget,
    layout: Layout,
) -> Result<Vec<&'a Migration>, PlanError> {
    let unfinished: Vec<Divergence> = entries
        .iter()
        .filter_map(|e| unfinished(e.version, &e.name, e.state))
        .collect();
    if !unfinished.is_empty() {
        return Err(PlanError::Diverged(unfinished));
    }
    let applied = entries
        .iter()
        .rev()
        .filter(|e| matches!(e.state, State::Applied | State::Modified | State::Missing));
    let chosen: Vec<&Entry<'a>> = match target {
        DownTarget::Steps(n) => applied.take(n).collect(),
        DownTarget::To(version) => applied.take_while(|e| e.version > version).collect(),
        DownTarget::All => applied.collect(),
    };
    let mut steps = Vec::new();
    for entry in chosen {
        let Some(migration) = entry.local else {
            return Err(PlanError::NoFile {
                version: entry.version,
                name: entry.name.clone(),
            });
        };
        let Some(down) = &migration.down else {
            return Err(PlanError::Irreversible {
                version: migration.version,
                path: migration.up.path.clone(),
                add: layout.missing_rollback(&migration.up.path),
            });
        };
        if !rollback_runs(layout, down) {
            return Err(PlanError::Empty {
                version: migration.version,
                path: down.path.clone(),
            });
        }
        steps.push(migration);
    }
    Ok(steps)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrate::model::Checksum;
    use crate::migrate::model::{Script, TransactionMode};
    use std::path::PathBuf;

    fn script(path: &str, sql: &str) -> Script {
        Script::new(
            PathBuf::from(path),
            sql.to_string(),
            Checksum::of(sql),
            TransactionMode::Transaction,
        )
    }

    fn migration(version: u64, reversible: bool) -> Migration {
        let sql = format!("create table t{version} ();");
        Migration {
            version: Version::new(version),
            name: format!("m{version}"),
            up: script(&format!("migrations/{version:03}_m{version}.sql"), &sql),
            rollback_path: reversible
                .then(|| PathBuf::from(format!("rollbacks/{version:03}_m{version}.sql"))),
            down: reversible.then(|| {
                script(
                    &format!("rollbacks/{version:03}_m{version}.sql"),
                    &format!("drop table t{version};"),
                )
            }),
        }
    }

    fn applied(m: &Migration) -> Applied {
        Applied {
            version: m.version,
            name: m.name.clone(),
            checksum: Some(m.up.checksum),
            rollback_checksum: m.down.as_ref().map(|d| d.checksum),
            applied_at: "2026-01-01T00:00:00Z".into(),
            applied_by: "test".into(),
            execution_ms: 1,
            outcome: Outcome::Succeeded,
        }
    }

    fn states(local: &[Migration], rows: &[Applied]) -> Vec<(u64, State)> {
        status(local, rows)
            .iter()
            .map(|e| (e.version.key(), e.state))
            .collect()
    }

    fn versions(steps: &[&Migration]) -> Vec<u64> {
        steps.iter().map(|m| m.version.key()).collect()
    }

    #[test]
    fn an_edited_rollback_is_told_from_an_added_or_removed_one() {
        let edited = |local: &Migration, row: &Applied| {
            status(std::slice::from_ref(local), std::slice::from_ref(row))[0].rollback_edited()
        };
        let m = migration(1, true);
        let row = applied(&m);
        assert!(!edited(&m, &row), "as recorded");
        let mut changed = migration(1, true);
        changed.down = Some(script("rollbacks/001_m1.sql", "drop table if exists t1;"));
        assert!(edited(&changed, &row), "edited since applied");
        let irreversible = migration(1, false);
        assert!(
            !edited(&irreversible, &row),
            "removed: the migration is irreversible now"
        );
        let row_without = applied(&irreversible);
        assert!(
            !edited(&m, &row_without),
            "written after the migration was applied"
        );
        assert!(
            status(&[], std::slice::from_ref(&row))
                .iter()
                .all(|e| !e.rollback_edited()),
            "file gone"
        );
    }

    #[test]
    fn fresh_database_has_everything_pending() {
        let local = vec![migration(1, true), migration(2, true)];
        assert_eq!(
            states(&local, &[]),
            vec![(1, State::Pending), (2, State::Pending)]
        );
        let entries = status(&local, &[]);
        assert_eq!(
            versions(&plan_up(&entries, None, Allow::default()).unwrap()),
            vec![1, 2]
        );
    }

    #[test]
    fn every_state_is_recognised() {
        let local = vec![
            migration(1, true),
            migration(2, true),
            migration(3, true),
            migration(5, true),
            migration(6, true),
        ];
        let mut rows = vec![applied(&local[0]), applied(&local[1]), applied(&local[3])];
        rows[1].checksum = Some(Checksum::of("something else"));
        rows.push(Applied {
            version: Version::new(4),
            name: "gone".into(),
            ..applied(&local[0])
        });
        let mut failed = applied(&local[4]);
        failed.outcome = Outcome::Failed;
        rows.push(failed);
        assert_eq!(
            states(&local, &rows),
            vec![
                (1, State::Applied),
                (2, State::Modified),
                (3, State::OutOfOrder),
                (4, State::Missing),
                (5, State::Applied),
                (6, State::Failed),
            ]
        );
        let entries = status(&local, &rows);
        let problems = validate(&entries, Allow::default());
        assert!(matches!(
            problems[0],
            Divergence::Modified { version, .. } if version == Version::new(2)
        ));
        assert!(matches!(
            problems[1],
            Divergence::OutOfOrder { version, newest_applied, .. } if version == Version::new(3) && newest_applied == Version::new(5)
        ));
        assert!(matches!(
            problems[2],
            Divergence::Missing { version, .. } if version == Version::new(4)
        ));
        assert!(matches!(
            problems[3],
            Divergence::Failed { version, .. } if version == Version::new(6)
        ));
        let everything = Allow {
            modified: true,
            missing: true,
            out_of_order: true,
        };
        assert_eq!(
            validate(&entries, everything).len(),
            1,
            "failed can never be allowed"
        );
    }

    #[test]
    fn divergences_name_the_file_and_the_flag() {
        let local = vec![migration(1, true), migration(2, true)];
        let mut row = applied(&local[1]);
        row.checksum = Some(Checksum::of("old"));
        let entries = status(&local, std::slice::from_ref(&row));
        let err = plan_up(&entries, None, Allow::default()).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("migrations/001_m1.sql") && text.contains("--allow-out-of-order"),
            "{text}"
        );
        assert!(
            text.contains("migrations/002_m2.sql") && text.contains("--allow-modified"),
            "{text}"
        );
    }

    #[test]
    fn allowed_out_of_order_migration_is_applied() {
        let local = vec![migration(1, true), migration(2, true)];
        let rows = vec![applied(&local[1])];
        let entries = status(&local, &rows);
        let allow = Allow {
            out_of_order: true,
            ..Allow::default()
        };
        assert_eq!(versions(&plan_up(&entries, None, allow).unwrap()), vec![1]);
    }

    #[test]
    fn up_stops_at_target() {
        let local: Vec<_> = (1..=4).map(|v| migration(v, true)).collect();
        let rows = vec![applied(&local[0])];
        let entries = status(&local, &rows);
        assert_eq!(
            versions(&plan_up(&entries, Some(Version::new(3)), Allow::default()).unwrap()),
            vec![2, 3]
        );
        assert!(
            plan_up(&entries, Some(Version::new(1)), Allow::default())
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn up_refuses_an_empty_pending_script() {
        let mut local = vec![migration(1, true)];
        local[0].up = script("migrations/001_m1.sql", "");
        let entries = status(&local, &[]);
        assert!(matches!(
            plan_up(&entries, None, Allow::default()),
            Err(PlanError::Empty { version, .. }) if version == Version::new(1)
        ));
    }

    #[test]
    fn down_goes_newest_first_by_steps_or_target() {
        let local: Vec<_> = (1..=4).map(|v| migration(v, true)).collect();
        let rows: Vec<_> = local[..3].iter().map(applied).collect();
        let entries = status(&local, &rows);
        assert_eq!(
            versions(&plan_down(&entries, DownTarget::Steps(1), Layout::Dbward).unwrap()),
            vec![3]
        );
        assert_eq!(
            versions(&plan_down(&entries, DownTarget::Steps(9), Layout::Dbward).unwrap()),
            vec![3, 2, 1]
        );
        assert_eq!(
            versions(
                &plan_down(&entries, DownTarget::To(Version::new(1)), Layout::Dbward).unwrap()
            ),
            vec![3, 2]
        );
        assert_eq!(
            versions(
                &plan_down(&entries, DownTarget::To(Version::new(0)), Layout::Dbward).unwrap()
            ),
            vec![3, 2, 1]
        );
        assert!(
            plan_down(&entries, DownTarget::To(Version::new(3)), Layout::Dbward)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn down_refuses_to_cross_an_irreversible_migration() {
        let local = vec![migration(1, true), migration(2, false), migration(3, true)];
        let rows: Vec<_> = local.iter().map(applied).collect();
        let entries = status(&local, &rows);
        assert_eq!(
            versions(&plan_down(&entries, DownTarget::Steps(1), Layout::Dbward).unwrap()),
            vec![3]
        );
        let err = plan_down(&entries, DownTarget::To(Version::new(0)), Layout::Dbward).unwrap_err();
        assert!(matches!(
            err,
            PlanError::Irreversible { version, .. } if version == Version::new(2)
        ));
        assert!(err.to_string().contains("rollbacks/002_m2.sql"), "{err}");
    }

    #[test]
    fn down_refuses_missing_files_and_failed_rows() {
        let local = vec![migration(1, true)];
        let mut rows = vec![applied(&local[0])];
        rows.push(Applied {
            version: Version::new(2),
            name: "gone".into(),
            ..applied(&local[0])
        });
        let entries = status(&local, &rows);
        assert!(matches!(
            plan_down(&entries, DownTarget::Steps(1), Layout::Dbward),
            Err(PlanError::NoFile { version, .. }) if version == Version::new(2)
        ));
        rows[1].outcome = Outcome::Failed;
        let entries = status(&local, &rows);
        assert!(matches!(
            plan_down(&entries, DownTarget::Steps(1), Layout::Dbward),
            Err(PlanError::Diverged(_))
        ));
    }

    #[test]
    fn a_run_being_applied_is_its_own_state_and_stops_up_and_down() {
        let local = vec![migration(1, true), migration(2, true), migration(3, true)];
        let mut rows = vec![applied(&local[0]), applied(&local[1])];
        rows[1].outcome = Outcome::Applying;
        assert_eq!(
            states(&local, &rows),
            vec![
                (1, State::Applied),
                (2, State::Applying),
                (3, State::Pending)
            ]
        );
        let entries = status(&local, &rows);
        let everything = Allow {
            modified: true,
            missing: true,
            out_of_order: true,
        };
        let applying = vec![Divergence::Applying {
            version: Version::new(2),
            name: "m2".into(),
        }];
        assert_eq!(validate(&entries, everything), applying);
        assert_eq!(
            plan_up(&entries, None, everything).err(),
            Some(PlanError::Diverged(applying.clone()))
        );
        assert_eq!(
            plan_down(&entries, DownTarget::Steps(1), Layout::Dbward).err(),
            Some(PlanError::Diverged(applying.clone()))
        );
        assert!(
            applying[0]
                .to_string()
                .contains("another runner is applying it right now")
        );
    }

    #[test]
    fn unfinished_runs_are_the_failed_and_applying_rows() {
        let local = [migration(1, true), migration(2, true), migration(3, true)];
        let mut rows: Vec<Applied> = local.iter().map(applied).collect();
        assert_eq!(unfinished_runs(&rows), vec![]);
        rows[0].outcome = Outcome::Failed;
        rows[2].outcome = Outcome::Applying;
        assert_eq!(
            unfinished_runs(&rows),
            vec![
                Divergence::Failed {
                    version: Version::new(1),
                    name: "m1".into()
                },
                Divergence::Applying {
                    version: Version::new(3),
                    name: "m3".into()
                },
            ]
        );
    }
}
