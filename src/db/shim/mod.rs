//! `compat = "supabase"`: what Supabase gives every project, made on databases that are not
//! Supabase (the local cluster, CI, plain PostgreSQL) so that migrations written for Supabase
//! run unchanged. It is not a migration: never in the history, never rolled back.
//!
//! It comes in groups (the `extensions`, `auth` and `storage` schemas, the platform roles,
//! the realtime publication), each made only where the real thing is absent. The shim's
//! version is recorded as the comment of each schema it made (`dbward Supabase compatibility
//! shim, version 2`), so that a later dbward extends an older shim; dbward's first shim left
//! no comment and is recognised by its one table, `auth.users`. A schema without that mark is
//! the platform's (or the owner's) and is never touched.

use std::fmt;

use tokio_postgres::types::Type;

use crate::db::driver_error::describe;
use crate::db::session::Sql;
use crate::error::{Error, Result};

/// The shim this dbward makes. Version 1 was the first shim: roles and `auth` only.
pub const VERSION: i32 = 2;

/// How the comment of a schema the shim made begins; the version follows.
const MARK: &str = "dbward Supabase compatibility shim, version ";

const ROLES: &str = include_str!("roles.sql");
const EXTENSIONS: &str = include_str!("extensions.sql");
const AUTH: &str = include_str!("auth.sql");
const API_ROLES_INHERIT: &str = include_str!("api_roles_inherit.sql");
const STORAGE: &str = include_str!("storage.sql");
const REALTIME: &str = include_str!("realtime.sql");

/// What the database holds under one of the shim's schema names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    Absent,
    /// Made by dbward's shim of this version.
    Shim(i32),
    /// The platform's or the owner's: never touched.
    Foreign,
}

/// A schema as the shim looks at it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SchemaSeen {
    pub comment: Option<String>,
    /// Tables, views and the like, by name.
    pub relations: Vec<String>,
}

/// What dbward's first shim left in `auth`: no comment, the one table `users`.
fn first_shim_auth(seen: &SchemaSeen) -> bool {
    seen.comment.is_none() && seen.relations == ["users"]
}

/// Whose a schema is: the shim's (by its mark, or by `first_shim` for the first version,
/// which left none), absent, or someone else's.
pub fn found(seen: Option<&SchemaSeen>, first_shim: bool) -> Found {
    let Some(seen) = seen else {
        return Found::Absent;
    };
    match seen.comment.as_deref().and_then(|c| c.strip_prefix(MARK)) {
        Some(version) => version.parse().map_or(Found::Foreign, Found::Shim),
        None if first_shim => Found::Shim(1),
        None => Found::Foreign,
    }
}

/// A group of the shim's objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Extensions,
    Auth,
    Storage,
}

impl Group {
    fn schema(self) -> &'static str {
        match self {
            Group::Extensions => "extensions",
            Group::Auth => "auth",
            Group::Storage => "storage",
        }
    }

    fn sql(self) -> &'static str {
        match self {
            Group::Extensions => EXTENSIONS,
            Group::Auth => AUTH,
            Group::Storage => STORAGE,
        }
    }
}

/// What the shim does to one group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Made {
    Created,
    Upgraded { from: i32 },
}

/// The groups to make or upgrade, in order (the extensions before the tables whose defaults
/// may call them), from what each schema holds. `extensions` came with dbward's first shim
/// and without a mark: it is the shim's when `auth` is the first shim's.
pub fn plan(extensions: Found, auth: Found, storage: Found) -> Vec<(Group, Made)> {
    let extensions = match (extensions, &auth) {
        (Found::Foreign, Found::Shim(1)) => Found::Shim(1),
        (extensions, _) => extensions,
    };
    [
        (Group::Extensions, extensions),
        (Group::Auth, auth),
        (Group::Storage, storage),
    ]
    .into_iter()
    .filter_map(|(group, found)| match found {
        Found::Absent => Some((group, Made::Created)),
        Found::Shim(from) if from < VERSION => Some((group, Made::Upgraded { from })),
        Found::Shim(_) | Found::Foreign => None,
    })
    .collect()
}

/// What the shim did this time; nothing when every group was there.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShimOutcome {
    pub made: Vec<(Group, Made)>,
    /// Older groups this role could not upgrade (another role owns them), with the reason.
    pub not_upgraded: Vec<(Group, String)>,
}

impl ShimOutcome {
    /// Whether the database's search_path was set now: sessions opened before do not see it.
    pub fn search_path_set(&self) -> bool {
        self.made.iter().any(|(g, _)| *g == Group::Extensions)
    }
}

/// "created the Supabase compatibility shim (version 2: ...)", for the note `up` prints.
impl fmt::Display for ShimOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = |made: fn(&Made) -> bool| -> Vec<&str> {
            self.made
                .iter()
                .filter(|(_, m)| made(m))
                .map(|(g, _)| match g {
                    Group::Extensions => {
                        "schema extensions (pgcrypto, uuid-ossp where available; search_path)"
                    }
                    Group::Auth => {
                        "schema auth (users, identities, uid/role/email/jwt), publication supabase_realtime"
                    }
                    Group::Storage => "schema storage (buckets, objects, foldername/filename/extension)",
                })
                .collect()
        };
        let created = names(|m| *m == Made::Created);
        let upgraded = names(|m| *m != Made::Created);
        let mut parts = Vec::new();
        if !created.is_empty() {
            parts.push(format!(
                "created the Supabase compatibility shim (version {VERSION}: the roles anon, authenticated, service_role and Supabase's platform roles where missing, none able to log in; {})",
                created.join("; ")
            ));
        }
        if !upgraded.is_empty() {
            parts.push(format!(
                "upgraded the Supabase compatibility shim to version {VERSION} ({})",
                upgraded.join("; ")
            ));
        }
        for (group, reason) in &self.not_upgraded {
            parts.push(format!(
                "could not upgrade the Supabase compatibility shim's schema {} to version {VERSION} ({reason}): it stays as it was; run dbward once as the role that owns it",
                group.schema()
            ));
        }
        write!(f, "{}", parts.join("; "))
    }
}

/// Makes what is missing of the shim, upgrades an older shim, and leaves a real Supabase's
/// objects alone.
pub fn ensure_supabase(client: &mut impl Sql) -> Result<ShimOutcome> {
    let seen = schemas(client)?;
    let of = |name: &str| seen.iter().find(|(n, _)| n == name).map(|(_, s)| s);
    let auth_seen = of("auth");
    let planned = plan(
        found(of("extensions"), false),
        found(auth_seen, auth_seen.is_some_and(first_shim_auth)),
        found(of("storage"), false),
    );
    if planned.is_empty() {
        return Ok(ShimOutcome::default());
    }
    execute(client, ROLES)?;
    let mut outcome = ShimOutcome::default();
    for (group, made) in planned {
        if made == Made::Created {
            make(client, group).map_err(Error::db("creating the Supabase compatibility shim"))?;
            outcome.made.push((group, made));
            continue;
        }
        // An older shim another role owns cannot be upgraded by this one: it stays as it
        // was, and the run goes on as it did before this version.
        execute(client, "SAVEPOINT dbward_shim_upgrade")?;
        match make(client, group) {
            Ok(()) => {
                execute(client, "RELEASE SAVEPOINT dbward_shim_upgrade")?;
                outcome.made.push((group, made));
            }
            Err(error) => {
                execute(client, "ROLLBACK TO SAVEPOINT dbward_shim_upgrade")?;
                outcome.not_upgraded.push((group, describe(&error)));
            }
        }
    }
    Ok(outcome)
}

/// One group's objects and the mark of its version.
fn make(client: &mut impl Sql, group: Group) -> std::result::Result<(), tokio_postgres::Error> {
    client.batch_execute(group.sql())?;
    // The schema name and the mark are the shim's own constants, not input.
    client.batch_execute(&format!(
        "COMMENT ON SCHEMA {} IS '{MARK}{VERSION}'",
        group.schema()
    ))?;
    if group == Group::Auth {
        client.batch_execute(API_ROLES_INHERIT)?;
        client.batch_execute(REALTIME)?;
    }
    Ok(())
}

fn execute(client: &mut impl Sql, sql: &str) -> Result<()> {
    client
        .batch_execute(sql)
        .map_err(Error::db("creating the Supabase compatibility shim"))
}

/// The shim's schemas that exist, with their comment and relations.
fn schemas(client: &mut impl Sql) -> Result<Vec<(String, SchemaSeen)>> {
    let rows = client
        .query_typed(
            "SELECT n.nspname::text, obj_description(n.oid, 'pg_namespace'), \
                    ARRAY(SELECT c.relname::text FROM pg_class c \
                          WHERE c.relnamespace = n.oid AND c.relkind IN ('r', 'p', 'v', 'm', 'f') \
                          ORDER BY 1) \
             FROM pg_namespace n WHERE n.nspname = ANY($1)",
            &[(&vec!["extensions", "auth", "storage"], Type::TEXT_ARRAY)],
        )
        .map_err(Error::db("looking for the Supabase schemas"))?;
    Ok(rows
        .iter()
        .map(|row| {
            (
                row.get(0),
                SchemaSeen {
                    comment: row.get(1),
                    relations: row.get(2),
                },
            )
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(comment: Option<&str>, relations: &[&str]) -> SchemaSeen {
        SchemaSeen {
            comment: comment.map(str::to_string),
            relations: relations.iter().map(|r| r.to_string()).collect(),
        }
    }

    #[test]
    fn a_schema_is_the_shims_by_its_mark_or_as_the_first_shim_left_it() {
        let marked = seen(Some("dbward Supabase compatibility shim, version 2"), &[]);
        assert_eq!(found(Some(&marked), false), Found::Shim(2));
        assert_eq!(found(None, false), Found::Absent);
        let first = seen(None, &["users"]);
        assert!(first_shim_auth(&first));
        assert_eq!(found(Some(&first), first_shim_auth(&first)), Found::Shim(1));
        // GoTrue's auth has more tables than users; a comment of someone else's is theirs.
        let gotrue = seen(None, &["identities", "schema_migrations", "users"]);
        assert!(!first_shim_auth(&gotrue));
        assert_eq!(found(Some(&gotrue), false), Found::Foreign);
        let theirs = seen(Some("Auth: the platform's"), &["users"]);
        assert!(!first_shim_auth(&theirs));
        assert_eq!(found(Some(&theirs), false), Found::Foreign);
    }

    #[test]
    fn the_plan_makes_what_is_absent_upgrades_older_shims_and_leaves_the_rest() {
        use Found::*;
        assert_eq!(
            plan(Absent, Absent, Absent),
            vec![
                (Group::Extensions, Made::Created),
                (Group::Auth, Made::Created),
                (Group::Storage, Made::Created),
            ]
        );
        // The first shim made an unmarked `extensions` next to its `auth`.
        assert_eq!(
            plan(Foreign, Shim(1), Absent),
            vec![
                (Group::Extensions, Made::Upgraded { from: 1 }),
                (Group::Auth, Made::Upgraded { from: 1 }),
                (Group::Storage, Made::Created),
            ]
        );
        // A real Supabase: nothing; one without storage gets storage only.
        assert_eq!(plan(Foreign, Foreign, Foreign), vec![]);
        assert_eq!(
            plan(Foreign, Foreign, Absent),
            vec![(Group::Storage, Made::Created)]
        );
        assert_eq!(plan(Shim(VERSION), Shim(VERSION), Shim(VERSION)), vec![]);
    }

    #[test]
    fn every_group_is_marked_with_the_version() {
        let outcome = ShimOutcome {
            made: vec![(Group::Storage, Made::Created)],
            not_upgraded: vec![],
        };
        assert!(!outcome.search_path_set());
        assert!(outcome.to_string().starts_with(
            "created the Supabase compatibility shim (version 2: the roles anon, authenticated"
        ));
        assert!(ShimOutcome::default().to_string().is_empty());
    }
}
