//! Whether dbward may trust its own schema: another role's table, view, function or trigger
//! there could run that role's code with the rights of whoever runs dbward (a superuser,
//! often). dbward uses its schema only when the role it connects as owns the schema and
//! everything in it that dbward touches, and takes back what other roles were granted there.

use tokio_postgres::error::SqlState;
use tokio_postgres::types::Type;

use crate::db::claim;
use crate::db::schema::Schema;
use crate::db::session::{Client, Param, Sql};
use crate::error::{Error, Result};
use crate::ident::quote_ident;

/// The tables dbward keeps in its schema.
const TABLES: [&str; 3] = ["schema_history", "schema_events", "job_runs"];
/// Those that migrating uses (with the claim function).
pub(super) const MIGRATION_TABLES: [&str; 2] = ["schema_history", "schema_events"];

/// What kind of object a [`Found`] is, as [`SCHEMA_STATE_SQL`] labels it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ObjectKind {
    Schema,
    Table,
    View,
    MaterializedView,
    Sequence,
    ForeignTable,
    Type,
    Index,
    Function,
    Trigger,
}

impl ObjectKind {
    const ALL: [ObjectKind; 10] = [
        ObjectKind::Schema,
        ObjectKind::Table,
        ObjectKind::View,
        ObjectKind::MaterializedView,
        ObjectKind::Sequence,
        ObjectKind::ForeignTable,
        ObjectKind::Type,
        ObjectKind::Index,
        ObjectKind::Function,
        ObjectKind::Trigger,
    ];

    /// The label in the query, and in messages.
    fn label(self) -> &'static str {
        match self {
            ObjectKind::Schema => "schema",
            ObjectKind::Table => "table",
            ObjectKind::View => "view",
            ObjectKind::MaterializedView => "materialized view",
            ObjectKind::Sequence => "sequence",
            ObjectKind::ForeignTable => "foreign table",
            ObjectKind::Type => "type",
            ObjectKind::Index => "index",
            ObjectKind::Function => "function",
            ObjectKind::Trigger => "trigger",
        }
    }

    fn from_label(label: &str) -> Option<ObjectKind> {
        ObjectKind::ALL.into_iter().find(|k| k.label() == label)
    }

    /// What `REVOKE ... ON` names it as, when privileges can be granted on it.
    fn grant_target(self) -> Option<&'static str> {
        match self {
            ObjectKind::Schema => Some("SCHEMA"),
            ObjectKind::Function => Some("FUNCTION"),
            ObjectKind::Table
            | ObjectKind::View
            | ObjectKind::MaterializedView
            | ObjectKind::Sequence
            | ObjectKind::ForeignTable => Some("TABLE"),
            ObjectKind::Type | ObjectKind::Index | ObjectKind::Trigger => None,
        }
    }
}

/// One object dbward uses in its schema (or the schema itself), as the catalog has it.
#[derive(Debug, Clone)]
struct Found {
    kind: ObjectKind,
    /// Quoted as SQL names it.
    name: String,
    owner: String,
    /// Owned by the role dbward connects as.
    ours: bool,
    /// The bare name of a relation (`schema_history`); for a trigger, its function.
    relation: String,
    /// The claim function this dbward calls.
    claim: bool,
    /// Roles other than the owner holding a privilege on it; `None` is PUBLIC.
    grantees: Vec<Option<String>>,
}

/// What the catalog says about dbward's schema, in one query.
#[derive(Debug, Clone)]
struct SchemaState {
    /// The role dbward connects as.
    me: String,
    found: Vec<Found>,
}

impl SchemaState {
    fn has_table(&self, name: &str) -> bool {
        self.found
            .iter()
            .any(|f| f.kind != ObjectKind::Trigger && f.relation == name)
    }

    fn has_claim(&self) -> bool {
        self.found.iter().any(|f| f.claim)
    }

    /// Refuses the schema when another role owns it or anything in it that dbward would use
    /// (or a trigger's function on dbward's tables): such code would run with our rights.
    fn refuse_foreign(&self, schema: &str) -> Result<()> {
        let foreign: Vec<&Found> = self.found.iter().filter(|f| !f.ours).collect();
        let Some(first) = foreign.first() else {
            return Ok(());
        };
        let listed: Vec<String> = foreign
            .iter()
            .map(|f| match f.kind {
                ObjectKind::Trigger => format!(
                    "trigger {} runs function {}, owned by role {}",
                    f.name, f.relation, f.owner
                ),
                kind => format!("{} {} is owned by role {}", kind.label(), f.name, f.owner),
            })
            .collect();
        let me = quote_ident(&self.me);
        let example = match first.kind {
            ObjectKind::Trigger => format!("DROP TRIGGER {}", first.name),
            // An index belongs to its table's owner: it goes with the table.
            ObjectKind::Index => format!("DROP INDEX {}", first.name),
            kind => format!(
                "ALTER {} {} OWNER TO {me}",
                kind.label().to_uppercase(),
                first.name
            ),
        };
        Err(Error::UntrustedSchema(format!(
            "dbward refuses schema `{}`: {}. dbward uses only objects owned by the role it connects as ({}), because another role's objects there could run that role's code with your rights. Inspect them, then drop them or take them over (e.g. `{example}`)",
            schema,
            listed.join("; "),
            self.me
        )))
    }

    /// `REVOKE` statements taking every privilege on dbward's objects from every role but
    /// their owner (default privileges may have granted the API roles some).
    fn revokes(&self) -> Vec<String> {
        self.found
            .iter()
            .filter(|f| f.ours && !f.grantees.is_empty())
            .filter_map(|f| {
                let on = f.kind.grant_target()?;
                let from: Vec<String> = f
                    .grantees
                    .iter()
                    .map(|g| g.as_deref().map_or_else(|| "PUBLIC".into(), quote_ident))
                    .collect();
                Some(format!(
                    "REVOKE ALL ON {on} {} FROM {}",
                    f.name,
                    from.join(", ")
                ))
            })
            .collect()
    }
}

/// The usual case, in one small query that planning keeps cheap (one row of a join by key;
/// the privileges come back as text and are judged by [`granted_to_others`]): are the schema,
/// the tables `$2` and `$3` and the function `$4` (unless null) there, owned by the role
/// dbward connects as, the tables without triggers and the function not left to PUBLIC?
/// No row, or anything else, is looked at closely with [`SCHEMA_STATE_SQL`].
const SCHEMA_CLEAN_SQL: &str = "
SELECT pg_get_userbyid(n.nspowner) = current_user
         AND pg_get_userbyid(a.relowner) = current_user AND NOT a.relhastriggers
         AND pg_get_userbyid(b.relowner) = current_user AND NOT b.relhastriggers
         AND ($4::text IS NULL OR (pg_get_userbyid(f.proowner) = current_user AND f.proacl IS NOT NULL)),
       current_user::text,
       coalesce(n.nspacl::text[], '{}') || coalesce(a.relacl::text[], '{}')
         || coalesce(b.relacl::text[], '{}') || coalesce(f.proacl::text[], '{}')
FROM pg_namespace n
JOIN pg_class a ON a.oid = to_regclass($2)
JOIN pg_class b ON b.oid = to_regclass($3)
LEFT JOIN pg_proc f ON f.oid = to_regprocedure($4)
WHERE n.nspname = $1";

/// Fails (division by zero: a guard needs no function of its own) unless every object of
/// `$1`, `$2` and `$3` that exists (schema, table, claim function) is owned by the role
/// dbward connects as and the table has no trigger. Sent with a read in one transaction, it
/// keeps the read from running, even from being planned, on what another role made.
const OWNERS_GUARD_SQL: &str = "
SELECT 1 / (coalesce((SELECT pg_get_userbyid(nspowner) = current_user
                      FROM pg_namespace WHERE nspname = $1), true)
            AND coalesce((SELECT pg_get_userbyid(relowner) = current_user AND NOT relhastriggers
                          FROM pg_class WHERE oid = to_regclass($2)), true)
            AND coalesce((SELECT pg_get_userbyid(proowner) = current_user
                          FROM pg_proc WHERE oid = to_regprocedure($3)), true))::int";

/// True when a privilege list (`aclitem`s as text: `grantee=privileges/grantor`, an empty
/// grantee for PUBLIC, a name in double quotes when it needs them) grants anything to a
/// role other than `owner`.
fn granted_to_others(items: &[String], owner: &str) -> bool {
    items.iter().any(|item| {
        let grantee = match item.strip_prefix('"') {
            Some(quoted) => {
                let mut name = String::new();
                let mut chars = quoted.chars().peekable();
                while let Some(c) = chars.next() {
                    match c {
                        '"' if chars.peek() == Some(&'"') => {
                            chars.next();
                            name.push('"');
                        }
                        '"' => break,
                        c => name.push(c),
                    }
                }
                name
            }
            None => item.split('=').next().unwrap_or_default().to_string(),
        };
        grantee != owner
    })
}

/// Reads [`SchemaState`]: the schema, dbward's tables and claim functions, and the functions
/// of triggers on those tables, each with its owner and the roles it is granted to. Every
/// lookup goes through a catalog index.
const SCHEMA_STATE_SQL: &str = "
WITH s AS (SELECT oid, nspowner, nspacl FROM pg_namespace WHERE nspname = $1),
objects AS (
  SELECT 'schema' AS kind, quote_ident($1) AS name, s.nspowner AS owner,
         coalesce(s.nspacl, acldefault('n', s.nspowner)) AS acl, '' AS relation, false AS claim
  FROM s
  UNION ALL
  SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view'
           WHEN 'm' THEN 'materialized view' WHEN 'S' THEN 'sequence'
           WHEN 'f' THEN 'foreign table' WHEN 'c' THEN 'type' ELSE 'index' END,
         quote_ident($1) || '.' || quote_ident(c.relname), c.relowner,
         coalesce(c.relacl, acldefault('r', c.relowner)), c.relname::text, false
  FROM pg_class c JOIN s ON c.relnamespace = s.oid
  WHERE c.relname = ANY($2::name[])
  UNION ALL
  SELECT 'function',
         quote_ident($1) || '.' || quote_ident(p.proname) || '('
           || pg_get_function_identity_arguments(p.oid) || ')',
         p.proowner, coalesce(p.proacl, acldefault('f', p.proowner)), '',
         p.oid = to_regprocedure($3)
  FROM pg_proc p JOIN s ON p.pronamespace = s.oid
  WHERE p.proname >= $4::name AND p.proname < $5::name
  UNION ALL
  SELECT 'trigger',
         quote_ident(t.tgname) || ' ON ' || quote_ident($1) || '.' || quote_ident(c.relname),
         p.proowner, NULL, p.oid::regprocedure::text, false
  FROM pg_class c JOIN s ON c.relnamespace = s.oid
  JOIN pg_trigger t ON t.tgrelid = c.oid AND NOT t.tgisinternal
  JOIN pg_proc p ON p.oid = t.tgfoid
  WHERE c.relname = ANY($2::name[])
)
SELECT o.kind, o.name, pg_get_userbyid(o.owner)::text,
       o.owner IS NOT DISTINCT FROM (SELECT oid FROM pg_roles WHERE rolname = current_user),
       o.relation, o.claim,
       ARRAY(SELECT CASE WHEN a.grantee = 0 THEN NULL ELSE pg_get_userbyid(a.grantee)::text END
             FROM aclexplode(o.acl) a WHERE a.grantee <> o.owner
             GROUP BY a.grantee ORDER BY 1),
       current_user::text
FROM objects o";

/// Reads what the catalog says about dbward's schema (one query).
fn state(client: &mut impl Sql, schema: &Schema) -> Result<SchemaState> {
    let (first, past_last) = claim::function_name_range();
    let tables: Vec<&str> = TABLES.to_vec();
    let rows = client
        .query_typed(
            SCHEMA_STATE_SQL,
            &[
                (&schema.name(), Type::TEXT),
                (&tables, Type::TEXT_ARRAY),
                (&claim::claim_signature(schema.quoted()), Type::TEXT),
                (&first, Type::TEXT),
                (&past_last, Type::TEXT),
            ],
        )
        .map_err(Error::db(format!(
            "reading the owners of dbward's schema {}",
            schema.name()
        )))?;
    let found = rows
        .iter()
        .map(|r| {
            let label: &str = r.get(0);
            Ok(Found {
                kind: ObjectKind::from_label(label).ok_or_else(|| {
                    Error::UntrustedSchema(format!(
                        "dbward refuses schema `{}`: it holds an object of a kind dbward does not know (`{label}`)",
                        schema.name()
                    ))
                })?,
                name: r.get(1),
                owner: r.get(2),
                ours: r.get(3),
                relation: r.get(4),
                claim: r.get(5),
                grantees: r.get(6),
            })
        })
        .collect::<Result<Vec<Found>>>()?;
    Ok(SchemaState {
        me: rows.first().map(|r| r.get(7)).unwrap_or_default(),
        found,
    })
}

/// See [`SCHEMA_CLEAN_SQL`]: one or two tables by bare name, with the claim function or
/// not.
fn clean(
    client: &mut impl Sql,
    schema: &Schema,
    tables: &[&str],
    with_claim: bool,
) -> Result<bool> {
    client.pipeline(async |c| clean_in(c, schema, tables, with_claim).await)
}

/// [`clean`], to run in a flight with other statements.
async fn clean_in(
    client: &Client,
    schema: &Schema,
    tables: &[&str],
    with_claim: bool,
) -> Result<bool> {
    let table = |name: &str| format!("{}.{}", schema.quoted(), quote_ident(name));
    let first = table(tables[0]);
    let second = table(tables.get(1).unwrap_or(&tables[0]));
    let claim = with_claim.then(|| claim::claim_signature(schema.quoted()));
    let row = client
        .query_typed_opt(
            SCHEMA_CLEAN_SQL,
            &[
                (&schema.name(), Type::TEXT),
                (&first, Type::TEXT),
                (&second, Type::TEXT),
                (&claim, Type::TEXT),
            ],
        )
        .await
        .map_err(Error::db(format!(
            "reading the owners of dbward's schema {}",
            schema.name()
        )))?;
    Ok(row.is_some_and(|row| {
        row.get::<_, Option<bool>>(0) == Some(true)
            && !granted_to_others(&row.get::<_, Vec<String>>(2), row.get(1))
    }))
}

/// True when ensuring the migration tables would find nothing to do (the usual case): to
/// send in the flight that takes the migration lock, and skip the ensuring when it says so.
pub async fn migration_tables_ready_in(client: &Client, schema: &Schema) -> Result<bool> {
    clean_in(client, schema, &MIGRATION_TABLES, true).await
}

/// Refuses dbward's schema when another role owns it or an object in it that dbward uses.
/// Call it before the first read of a run that has not ensured the migration tables.
pub fn check(client: &mut impl Sql, schema: &Schema) -> Result<()> {
    if clean(client, schema, &MIGRATION_TABLES, true)? {
        return Ok(());
    }
    state(client, schema)?.refuse_foreign(schema.name())
}

/// Takes every privilege on dbward's objects from the roles that do not own them.
fn revoke_grants(client: &mut impl Sql, schema: &Schema, state: &SchemaState) -> Result<()> {
    let revokes = state.revokes();
    if revokes.is_empty() {
        return Ok(());
    }
    client
        .batch_execute(&revokes.join(";\n"))
        .map_err(Error::db(format!(
            "revoking other roles' privileges on dbward's schema {}",
            schema.name()
        )))
}

/// What dbward's schema must hold for one use of it, and how to make what is missing.
#[derive(Debug, Clone, Copy)]
pub struct Wanted<'a> {
    /// dbward's tables, by bare name (one or two).
    pub tables: &'a [&'a str],
    /// The claim function too.
    pub with_claim: bool,
    /// The statements that create what is missing.
    pub create: &'a str,
    /// What they create, for an error to name.
    pub what: &'a str,
}

/// Unless the wanted tables (and the claim function) are all there, ours and clean, checks
/// the owners closely (see [`check`]), creates what is missing, checks again (another role
/// may have created the schema meanwhile) and takes every grant to other roles back.
pub fn ensure(client: &mut impl Sql, schema: &Schema, wanted: Wanted<'_>) -> Result<()> {
    let Wanted {
        tables,
        with_claim,
        create,
        what,
    } = wanted;
    if clean(client, schema, tables, with_claim)? {
        return Ok(());
    }
    let present = |state: &SchemaState| {
        tables.iter().all(|t| state.has_table(t)) && (!with_claim || state.has_claim())
    };
    let mut state = state(client, schema)?;
    state.refuse_foreign(schema.name())?;
    if !present(&state) {
        client.batch_execute(create).map_err(Error::db(format!(
            "creating dbward's {what} in schema {}",
            schema.name()
        )))?;
        state = self::state(client, schema)?;
        state.refuse_foreign(schema.name())?;
    }
    revoke_grants(client, schema, &state)
}

/// What [`guard_in`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Guard {
    /// Everything there is plainly ours: what was read with the guard may be trusted.
    Ours,
    /// Something is not plainly ours (or not there yet): the guard aborted the transaction,
    /// and [`check`] looks closely.
    LookClosely,
}

/// [`OWNERS_GUARD_SQL`] for the schema and its table `table` (quoted), to send inside a
/// transaction ahead of a read in the same flight.
pub(super) async fn guard_in(client: &Client, schema: &Schema, table: &str) -> Result<Guard> {
    let claim = claim::claim_signature(schema.quoted());
    let params: [Param<'_>; 3] = [
        (&schema.name(), Type::TEXT),
        (&table, Type::TEXT),
        (&claim, Type::TEXT),
    ];
    match client.query_typed(OWNERS_GUARD_SQL, &params).await {
        Ok(_) => Ok(Guard::Ours),
        Err(e) if e.code() == Some(&SqlState::DIVISION_BY_ZERO) => Ok(Guard::LookClosely),
        Err(e) => Err(Error::db(format!(
            "reading the owners of dbward's schema {}",
            schema.name()
        ))(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_reads_back_from_its_label() {
        for kind in ObjectKind::ALL {
            assert_eq!(ObjectKind::from_label(kind.label()), Some(kind));
        }
        assert_eq!(ObjectKind::from_label("policy"), None);
        assert_eq!(ObjectKind::Index.grant_target(), None);
        assert_eq!(ObjectKind::View.grant_target(), Some("TABLE"));
    }

    #[test]
    fn privileges_of_other_roles_are_seen() {
        let acl = |items: &[&str]| items.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(!granted_to_others(&acl(&[]), "postgres"));
        assert!(!granted_to_others(
            &acl(&["postgres=arwdDxtm/postgres"]),
            "postgres"
        ));
        assert!(granted_to_others(
            &acl(&["postgres=X/postgres", "=X/postgres"]),
            "postgres"
        ));
        assert!(granted_to_others(&acl(&["anon=r/postgres"]), "postgres"));
        assert!(!granted_to_others(
            &acl(&["\"we\"\"ird=\"=U/\"we\"\"ird=\""]),
            "we\"ird="
        ));
        assert!(granted_to_others(&acl(&["\"we\"\"ird=\"=U/x"]), "we"));
    }
}
