//! Isolation probes: impersonate users the way PostgREST does (role `authenticated` and
//! `request.jwt.claims`, or role `anon`) and count what each can reach of other owners' rows:
//! select, update or delete them, insert a row owned by someone else, or hand their own rows
//! to someone else. Everything runs in one transaction that is rolled back. Each probe has
//! its own statement and lock timeouts, and one that fails is a finding: a probe that could
//! not run proved nothing. The run says what it covered and why the rest was not probed.

mod execute;
mod findings;
mod sql;

use std::time::Duration;

use serde::Serialize;
use tokio_postgres::types::Type;

use super::catalog::{API_ROLES, Catalog, PolicyCommand, Table};
use super::checks::{CheckContext, expr};
use super::finding::Finding;
use crate::db::session::{Session, Sql, Transaction};
use crate::error::{Error, Result};
use execute::{Call, Ended, Settings, Statement};
use sql::Target;

pub use findings::{FAILED_ID, ID, SHARED_ID};

/// How long one probe may run, and wait for a lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProbeTimeouts {
    pub statement: Duration,
    pub lock: Duration,
}

/// How many owners found in the data each table (or bucket) is probed as.
const SAMPLE: i64 = 3;
/// How many buckets of `storage.objects` are probed.
const BUCKETS: i64 = 5;
/// The other user a write is attempted for when the data holds one owner only.
const STRANGER: &str = "00000000-0000-4000-8000-0000000000ff";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    Select,
    Update,
    Delete,
    /// Insert a row owned by another user.
    Insert,
    /// Hand one's own rows to another user.
    UpdateOwner,
}

impl Operation {
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Select => "select",
            Operation::Update => "update",
            Operation::Delete => "delete",
            Operation::Insert => "insert",
            Operation::UpdateOwner => "update owner",
        }
    }

    fn writes(self) -> bool {
        self != Operation::Select
    }

    /// Writes a row for another owner than the caller.
    fn writes_for_another(self) -> bool {
        matches!(self, Operation::Insert | Operation::UpdateOwner)
    }
}

/// What a probe found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Nothing of others reached.
    Isolated,
    /// Rows of others reached, or written, other than through a sharing policy: an error.
    Leak,
    /// Rows of others read only through policies that do not look at the owner: a warning.
    Shared,
    Skipped,
    Failed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Isolated => "isolated",
            Outcome::Leak => "leak",
            Outcome::Shared => "shared",
            Outcome::Skipped => "skipped",
            Outcome::Failed => "failed",
        }
    }
}

/// A policy that lets others' rows be read without looking at the owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SharedRead {
    pub policy: String,
    /// Its USING, as the server prints it.
    pub using: String,
    pub rows: i64,
}

/// One probe: who, on what, doing what, and how many rows of others it reached.
#[derive(Debug, Clone, Serialize)]
pub struct ProbeResult {
    pub table: String,
    /// The bucket, for `storage.objects`.
    pub bucket: Option<String>,
    /// The owner column the probe compared.
    pub owner: String,
    pub role: &'static str,
    /// The impersonated user (`sub`), none for anon.
    pub user: Option<String>,
    pub operation: Operation,
    /// For insert and update owner: the other user the row was written for.
    pub written_for: Option<String>,
    /// Rows of other owners (for anon: of any owner) reached or written.
    pub rows: i64,
    /// Of those, the rows no sharing policy explains.
    pub leaked: i64,
    /// The policies that do not look at the owner, and the rows each let through.
    pub shared: Vec<SharedRead>,
    pub outcome: Outcome,
    /// How a write ended when it was refused after the policies, or by a trigger.
    pub note: Option<String>,
    /// Why the probe was not run (owners it cannot impersonate).
    pub skipped: Option<String>,
    /// Why the probe failed: an error or a timeout. Such a probe is a finding.
    pub failed: Option<String>,
    /// How the caller is compared with the owner column, for the fix.
    #[serde(skip)]
    caller: String,
}

/// Why tables were not probed (or only in part), with the tables.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotProbed {
    pub reason: &'static str,
    pub tables: Vec<String>,
}

/// What the probes covered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Coverage {
    /// Tables probed (as anon at least).
    pub probed: Vec<String>,
    pub not_probed: Vec<NotProbed>,
}

pub const NO_API_ROLES: &str =
    "no API roles: roles anon and authenticated do not exist, so there is no one to impersonate";
pub const NO_OWNER: &str = "no owner column found (declare one in [verify.owners])";
pub const NO_OWNED_ROWS: &str =
    "no owned rows in the data (seed rows owned by users, e.g. with dbward seed)";
pub const NOT_USER_IDS: &str = "the owner column does not hold user ids: probed as anon only";

impl Coverage {
    fn not_probed(&mut self, reason: &'static str, table: String) {
        match self.not_probed.iter_mut().find(|n| n.reason == reason) {
            Some(n) => n.tables.push(table),
            None => self.not_probed.push(NotProbed {
                reason,
                tables: vec![table],
            }),
        }
    }

    /// True when no probe ran at all.
    pub fn nothing_probed(&self) -> bool {
        self.probed.is_empty()
    }

    /// One line: what `probes` probes covered, and why the rest was not probed.
    pub fn summary(&self, probes: usize) -> String {
        let mut parts = vec![if self.nothing_probed() {
            "no probe ran".to_string()
        } else {
            format!(
                "{} ran on {}",
                crate::plural::count(probes, "probe", "probes"),
                self.probed.join(", ")
            )
        }];
        parts.extend(
            self.not_probed
                .iter()
                .map(|n| format!("not probed, {}: {}", n.reason, n.tables.join(", "))),
        );
        parts.join("; ")
    }
}

/// The probes' findings, every probe, and what they covered.
#[derive(Debug, Clone, Default)]
pub struct ProbeRun {
    pub findings: Vec<Finding>,
    pub results: Vec<ProbeResult>,
    pub coverage: Coverage,
}

/// Probes every table with an owner column and owned rows.
pub fn run(
    client: &mut Session,
    catalog: &Catalog,
    context: &CheckContext,
    timeouts: ProbeTimeouts,
) -> Result<ProbeRun> {
    let mut coverage = Coverage::default();
    if !API_ROLES
        .iter()
        .all(|r| catalog.api_roles.iter().any(|have| have == r))
    {
        for table in &catalog.tables {
            coverage.not_probed(NO_API_ROLES, table.qualified());
        }
        return Ok(ProbeRun {
            coverage,
            ..ProbeRun::default()
        });
    }
    let mut tx = client
        .transaction()
        .map_err(Error::db("starting the probe transaction"))?;
    // Sampling the owners is bounded too; each probe sets the same again in its savepoint.
    let settings = Settings::from(timeouts);
    tx.query_typed(
        "SELECT set_config('statement_timeout', $1, true), set_config('lock_timeout', $2, true)",
        &[
            (&settings.statement, Type::TEXT),
            (&settings.lock, Type::TEXT),
        ],
    )
    .map_err(Error::db("setting the probes' timeouts"))?;
    let mut results = Vec::new();
    for table in &catalog.tables {
        let Some(owner) = context.owner_column(table) else {
            coverage.not_probed(NO_OWNER, table.qualified());
            continue;
        };
        let mut probe = TableProbe {
            tx: &mut tx,
            table,
            owner,
            settings: &settings,
            results: &mut results,
        };
        match probe.run()? {
            Probed::No => coverage.not_probed(NO_OWNED_ROWS, table.qualified()),
            Probed::AnonOnly => {
                coverage.probed.push(table.qualified());
                coverage.not_probed(NOT_USER_IDS, table.qualified());
            }
            Probed::Fully => coverage.probed.push(table.qualified()),
        }
    }
    // A probe never changes data.
    tx.rollback()
        .map_err(Error::db("rolling the probes back"))?;
    Ok(ProbeRun {
        findings: findings::from_results(&results),
        results,
        coverage,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Probed {
    No,
    AnonOnly,
    Fully,
}

struct TableProbe<'a, 't> {
    tx: &'a mut Transaction<'t>,
    table: &'a Table,
    owner: &'a str,
    settings: &'a Settings,
    results: &'a mut Vec<ProbeResult>,
}

impl TableProbe<'_, '_> {
    fn run(&mut self) -> Result<Probed> {
        // storage.objects is probed bucket by bucket, as its policies are written.
        let buckets = if self.table.qualified() == "storage.objects"
            && self.table.column("bucket_id").is_some()
        {
            let name = Target::new(&self.table.schema, &self.table.name, self.owner, None);
            self.sample(&name.buckets(), BUCKETS, "sampling the buckets of")?
                .into_iter()
                .map(Some)
                .collect()
        } else {
            vec![None]
        };
        let mut probed = Probed::No;
        for bucket in buckets {
            probed = probed.max(self.run_scoped(bucket)?);
        }
        Ok(probed)
    }

    fn sample(&mut self, sql: &str, limit: i64, what: &str) -> Result<Vec<String>> {
        Ok(self
            .tx
            .query_typed(sql, &[(&limit, Type::INT8)])
            .map_err(Error::db(format!("{what} {}", self.table.qualified())))?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    fn run_scoped(&mut self, bucket: Option<String>) -> Result<Probed> {
        let target = Target::new(
            &self.table.schema,
            &self.table.name,
            self.owner,
            bucket.as_ref().map(|_| "bucket_id"),
        );
        let bucket_value = bucket.clone().unwrap_or_default();
        let owners: Vec<String> = self
            .tx
            .query_typed(
                &target.owners(),
                &[(&SAMPLE, Type::INT8), (&bucket_value, Type::TEXT)],
            )
            .map_err(Error::db(format!(
                "sampling the owners of {}",
                self.table.qualified()
            )))?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let Some(first) = owners.first().cloned() else {
            return Ok(Probed::No);
        };
        let scope = Scope {
            target: &target,
            bucket: bucket.as_deref(),
        };

        // anon owns nothing: every owned row it reaches is someone else's.
        let anon_claims = serde_json::json!({ "role": "anon" }).to_string();
        for operation in [Operation::Select, Operation::Update, Operation::Delete] {
            self.probe(&scope, "anon", &anon_claims, None, operation, None)?;
        }
        self.probe(
            &scope,
            "anon",
            &anon_claims,
            None,
            Operation::Insert,
            Some(&first),
        )?;

        // auth.uid() casts `sub` to uuid; other owner values (hashes, names) cannot be
        // impersonated without knowing whose they are.
        if !looks_like_uuid(&first) {
            self.results.push(ProbeResult {
                skipped: Some(format!(
                    "`{}` does not hold user ids; declare how to impersonate its owners, or probe as anon only",
                    self.owner
                )),
                outcome: Outcome::Skipped,
                ..self.result(&scope, "authenticated", Some(first), Operation::Select)
            });
            return Ok(Probed::AnonOnly);
        }
        for (i, user) in owners.iter().enumerate() {
            let other = match owners.len() {
                1 => STRANGER.to_string(),
                n => owners[(i + 1) % n].clone(),
            };
            let claims = serde_json::json!({ "sub": user, "role": "authenticated" }).to_string();
            for operation in [
                Operation::Select,
                Operation::Update,
                Operation::Delete,
                Operation::Insert,
                Operation::UpdateOwner,
            ] {
                self.probe(
                    &scope,
                    "authenticated",
                    &claims,
                    Some(user),
                    operation,
                    Some(&other),
                )?;
            }
        }
        Ok(Probed::Fully)
    }

    /// One probe as `role` (and `user`), writing for `other` where the operation writes.
    fn probe(
        &mut self,
        scope: &Scope<'_>,
        role: &'static str,
        claims: &str,
        user: Option<&String>,
        operation: Operation,
        other: Option<&String>,
    ) -> Result<()> {
        let mut result = self.result(scope, role, user.cloned(), operation);
        let shared_by = if operation == Operation::Select {
            sharing_policies(self.table, self.owner, role)
        } else {
            Vec::new()
        };
        let predicates: Vec<&str> = shared_by.iter().map(|(_, using)| using.as_str()).collect();
        let (sql, value) = match operation {
            Operation::Select => (scope.target.select(&predicates), String::new()),
            Operation::Update => (scope.target.update(), String::new()),
            Operation::Delete => (scope.target.delete(), String::new()),
            Operation::Insert => {
                let other = other.cloned().unwrap_or_default();
                let Some(row) = self.row_for(scope, user, &other)? else {
                    return Ok(());
                };
                result.written_for = Some(other);
                (scope.target.insert(&self.insert_columns()), row)
            }
            Operation::UpdateOwner => {
                let other = other.cloned().unwrap_or_default();
                result.written_for = Some(other.clone());
                let row = serde_json::json!({ self.owner: other }).to_string();
                (scope.target.update_owner(), row)
            }
        };
        let statement = match operation {
            Operation::Select | Operation::Update | Operation::Delete => Statement::Count(&sql),
            Operation::Insert | Operation::UpdateOwner => Statement::Write(&sql),
        };
        // Under FORCE ROW LEVEL SECURITY the verifying role's own counts are filtered too.
        let landed = scope.target.owned_by_written();
        let call = Call {
            role,
            claims,
            user: user.map_or("", String::as_str),
            other: &value,
            bucket: scope.bucket.unwrap_or(""),
            landed: (operation.writes_for_another() && !self.table.rls_forced)
                .then_some(landed.as_str()),
        };
        match execute::run(self.tx, &call, self.settings, statement)? {
            Ended::Counts(counts) => {
                result.rows = counts[0];
                result.leaked = counts[0];
                // A refusal (no privilege) is one zero, without the split by policy.
                if !shared_by.is_empty() && counts.len() == shared_by.len() + 2 {
                    result.leaked = counts[shared_by.len() + 1];
                    result.shared = shared_by
                        .iter()
                        .zip(&counts[1..])
                        .filter(|(_, rows)| **rows > 0)
                        .map(|((policy, using), rows)| SharedRead {
                            policy: policy.to_string(),
                            using: using.to_string(),
                            rows: *rows,
                        })
                        .collect();
                }
            }
            Ended::AdmittedThenRefused(message) => {
                result.rows = 1;
                result.leaked = 1;
                result.note = Some(format!(
                    "the policies let the row through; only a constraint refused it: {message}"
                ));
            }
            Ended::OwnerReplaced(rows) => {
                result.note = Some(format!(
                    "{} written, all with another owner than the one given: a trigger sets it",
                    crate::plural::count(rows, "row", "rows")
                ));
            }
            Ended::RefusedByTrigger(message) => {
                result.note = Some(format!("a trigger refused the write: {message}"));
            }
            Ended::Failed(message) => result.failed = Some(message),
        }
        result.outcome = if result.failed.is_some() {
            Outcome::Failed
        } else if result.leaked > 0 || (operation.writes() && result.rows > 0) {
            Outcome::Leak
        } else if result.rows > 0 {
            Outcome::Shared
        } else {
            Outcome::Isolated
        };
        self.results.push(result);
        Ok(())
    }

    fn result(
        &self,
        scope: &Scope<'_>,
        role: &'static str,
        user: Option<String>,
        operation: Operation,
    ) -> ProbeResult {
        let is_uuid = self
            .table
            .column(self.owner)
            .is_some_and(|c| c.data_type == "uuid");
        ProbeResult {
            table: self.table.qualified(),
            bucket: scope.bucket.map(str::to_string),
            owner: self.owner.to_string(),
            role,
            user,
            operation,
            written_for: None,
            rows: 0,
            leaked: 0,
            shared: Vec::new(),
            outcome: Outcome::Isolated,
            note: None,
            skipped: None,
            failed: None,
            caller: if is_uuid {
                "(select auth.uid())".into()
            } else {
                "(select auth.uid())::text".into()
            },
        }
    }

    /// The columns an insert gives: the owner and every column without a default.
    fn insert_columns(&self) -> Vec<String> {
        self.table
            .columns
            .iter()
            .filter(|c| c.name == self.owner || (c.default.is_none() && !c.generated))
            .map(|c| crate::ident::quote_ident(&c.name))
            .collect()
    }

    /// A row for `other` to insert: one of theirs in the data (in the bucket), else one of
    /// the caller's (or any owner's, for anon) given to them. Read as the verifying role.
    fn row_for(
        &mut self,
        scope: &Scope<'_>,
        user: Option<&String>,
        other: &str,
    ) -> Result<Option<String>> {
        for owner in [Some(other), user.map(String::as_str)]
            .into_iter()
            .flatten()
        {
            let row = self
                .tx
                .query_typed(
                    &scope.target.template(),
                    &[
                        (&self.owner, Type::TEXT),
                        (&owner, Type::TEXT),
                        (&scope.bucket.unwrap_or(""), Type::TEXT),
                        (&other, Type::TEXT),
                    ],
                )
                .map_err(Error::db(format!(
                    "reading a row of {} to probe inserts with",
                    self.table.qualified()
                )))?;
            if let Some(row) = row.first() {
                return Ok(Some(row.get(0)));
            }
        }
        Ok(None)
    }
}

/// Permissive policies that let `role` read rows without looking at the owner column
/// (`true`, `is_public`, `auth.role() = 'authenticated'`): by name, with the part of their
/// USING that does so. In a policy that also compares the owner (`is_public OR user_id =
/// auth.uid()`), that part is its branches about neither the owner nor the caller:
/// `auth.uid() IS NULL OR ...` shares nothing, it leaks to anon.
fn sharing_policies<'t>(table: &'t Table, owner: &str, role: &str) -> Vec<(&'t str, String)> {
    table
        .policies
        .iter()
        .filter(|p| {
            p.permissive
                && p.applies_to(role)
                && p.command.covers().contains(&PolicyCommand::Select)
        })
        .filter_map(|p| {
            let using = p.using.as_deref()?;
            if !expr::mentions_column(using, owner) {
                return Some((p.name.as_str(), using.to_string()));
            }
            let shared: Vec<String> = expr::disjuncts(using)
                .into_iter()
                .filter(|d| !expr::mentions_column(d, owner) && !expr::mentions_current_user(d))
                .map(|d| format!("({d})"))
                .collect();
            (!shared.is_empty()).then(|| (p.name.as_str(), shared.join(" OR ")))
        })
        .collect()
}

/// A table, or one bucket of `storage.objects`.
struct Scope<'a> {
    target: &'a Target,
    bucket: Option<&'a str>,
}

fn looks_like_uuid(text: &str) -> bool {
    text.len() == 36
        && text.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_says_what_was_and_was_not_probed() {
        let mut coverage = Coverage::default();
        coverage.not_probed(NO_API_ROLES, "public.a".into());
        coverage.not_probed(NO_API_ROLES, "public.b".into());
        assert_eq!(
            coverage.summary(0),
            format!("no probe ran; not probed, {NO_API_ROLES}: public.a, public.b")
        );
        let mut coverage = Coverage {
            probed: vec!["public.todos".into()],
            ..Coverage::default()
        };
        coverage.not_probed(NO_OWNER, "public.tags".into());
        coverage.not_probed(NO_OWNED_ROWS, "public.notes".into());
        assert_eq!(
            coverage.summary(20),
            format!(
                "20 probes ran on public.todos; not probed, {NO_OWNER}: public.tags; not probed, {NO_OWNED_ROWS}: public.notes"
            )
        );
    }

    #[test]
    fn uuids_are_recognised() {
        assert!(looks_like_uuid("6f1c1f5e-0000-4000-8000-000000000001"));
        assert!(looks_like_uuid(STRANGER));
        assert!(!looks_like_uuid("a3f5c2e1b4d6"));
    }
}
