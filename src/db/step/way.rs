//! Which way a step goes (`up` applies, `down` rolls back) and all that the way decides:
//! the script, the history change, what the history must say, and the words for what
//! became of the database.

use std::time::Instant;

use crate::db::claim::{Fence, Intent};
use crate::db::history::History;
use crate::db::lock::{self, LockKey};
use crate::db::session::{Client, Session, Transaction};
use crate::error::{Error, Result};
use crate::migrate::failure::Ran;
use crate::migrate::model::{Direction, Migration, Outcome, Script};
use crate::migrate::plan::Divergence;

use super::elapsed_ms;

/// Which way a step goes, and all that the way decides: the script, the history change,
/// what the history must say, and the words for what became of the database.
#[derive(Clone, Copy)]
pub(super) struct Way<'m> {
    pub(super) migration: &'m Migration,
    pub(super) intent: Intent,
    pub(super) script: &'m Script,
    pub(super) ran: Ran,
}

impl<'m> Way<'m> {
    pub(super) fn new(migration: &'m Migration, intent: Intent) -> Way<'m> {
        let (script, direction) = match intent {
            Intent::Apply { .. } => (&migration.up, Direction::Up),
            Intent::RollBack => (
                migration
                    .down
                    .as_ref()
                    .expect("plan_down only returns reversible migrations"),
                Direction::Down,
            ),
        };
        Way {
            migration,
            intent,
            script,
            ran: Ran::Migration(direction),
        }
    }

    /// The history change that goes with the script, in its transaction.
    pub(super) async fn book(&self, client: &Client, history: &History) -> Result<()> {
        match self.intent {
            Intent::Apply { .. } => {
                history
                    .record(client, self.migration, Outcome::Succeeded, None)
                    .await
            }
            Intent::RollBack => history
                .remove(client, self.migration.version)
                .await
                .map(|_| ()),
        }
    }

    /// Before a no-transaction script runs: its history row marked unfinished and the
    /// `applying` session lock taken, in `tx`, which this commits.
    pub(super) fn mark_unfinished(
        &self,
        mut tx: Transaction<'_>,
        history: &History,
        applying: LockKey,
    ) -> Result<()> {
        let version = self.migration.version;
        match self.intent {
            Intent::Apply { .. } => {
                let ((locked, recorded), committed) = tx.commit_after(async |c| {
                    tokio::join!(
                        biased;
                        lock::try_session_in(c, applying),
                        history.record(c, self.migration, Outcome::Failed, Some(0)),
                    )
                });
                // Not granted only when a pooler stranded it on another connection: the
                // row then reads as applying until that connection closes, which is safe.
                locked?;
                recorded?;
                committed.map_err(Error::db(format!("recording migration {version}")))
            }
            Intent::RollBack => {
                lock::try_session(&mut tx, applying)?;
                history.set_outcome(&mut tx, version, Outcome::Failed, 0)?;
                tx.commit()
                    .map_err(Error::db(format!("recording the rollback of {version}")))
            }
        }
    }

    /// After a no-transaction script ran whole: its history row says so.
    pub(super) fn finish(
        &self,
        session: &mut Session,
        history: &History,
        started: Instant,
    ) -> Result<()> {
        let version = self.migration.version;
        match self.intent {
            Intent::Apply { .. } => {
                history.set_outcome(session, version, Outcome::Succeeded, elapsed_ms(started))
            }
            Intent::RollBack => session
                .pipeline(async |c| history.remove(c, version).await)
                .map(|_| ()),
        }
    }

    /// True when the history, read under the lock, shows the step made by another runner.
    pub(super) fn already_done(&self, fence: &Fence) -> bool {
        match self.intent {
            Intent::Apply { .. } => fence.this_recorded,
            Intent::RollBack => !fence.this_recorded,
        }
    }

    /// Why the step may not go ahead past a newer applied migration, if it may not.
    pub(super) fn passes_newer(&self, fence: &Fence) -> Option<Divergence> {
        let version = self.migration.version;
        let newest = fence.newest_applied.filter(|newest| *newest > version)?;
        match self.intent {
            Intent::Apply { below_newest: true } => None,
            Intent::Apply {
                below_newest: false,
            } => Some(Divergence::OutOfOrder {
                version,
                path: self.script.path.clone(),
                newest_applied: newest,
            }),
            Intent::RollBack => Some(Divergence::NewerApplied {
                version,
                newest_applied: newest,
            }),
        }
    }

    /// What became of the database when the script failed in its transaction.
    pub(super) fn rolled_back(&self) -> String {
        let version = self.migration.version;
        match self.intent {
            Intent::Apply { .. } => format!(
                "migration {version} was rolled back: nothing of it was applied (migrations before it stay applied)"
            ),
            Intent::RollBack => format!(
                "the rollback of migration {version} was undone: migration {version} stays applied"
            ),
        }
    }

    pub(super) fn committing(&self) -> String {
        let version = self.migration.version;
        match self.intent {
            Intent::Apply { .. } => format!("committing migration {version}"),
            Intent::RollBack => format!("committing the rollback of {version}"),
        }
    }

    /// What became of the database when a no-transaction script failed after `done`
    /// statements.
    pub(super) fn half_done(&self, done: usize) -> String {
        let stay = if done == 1 { "stays" } else { "stay" };
        let done = crate::plural::count(done, "statement", "statements");
        let version = self.migration.version;
        match self.intent {
            Intent::Apply { .. } => format!(
                "migration {version} runs outside a transaction: {done} before this one {stay} committed. It is recorded as failed and `up` stops until you finish or undo it by hand and run `dbward repair`."
            ),
            Intent::RollBack => format!(
                "the rollback of migration {version} runs outside a transaction: {done} before this one {stay} committed. It is recorded as failed until you finish it by hand and run `dbward repair`."
            ),
        }
    }

    pub(super) fn resetting(&self) -> String {
        let version = self.migration.version;
        match self.intent {
            Intent::Apply { .. } => format!("resetting the session after migration {version}"),
            Intent::RollBack => format!("resetting the session after the rollback of {version}"),
        }
    }
}
