//! One snapshot of `pg_catalog`, loaded in a handful of queries (one per kind of object,
//! never one per table), and the plain data every check reads.

use std::collections::BTreeMap;

use serde::Serialize;
use std::time::Duration;

use tokio_postgres::error::SqlState;
use tokio_postgres::types::Type;

use crate::db::session::Sql;
use crate::error::{Error, Result};
use crate::ident::quote_qualified;

/// The roles Supabase's API (PostgREST) connects as.
pub const API_ROLES: [&str; 2] = ["anon", "authenticated"];

#[derive(Debug, Clone, Default, Serialize)]
pub struct Catalog {
    pub tables: Vec<Table>,
    pub views: Vec<View>,
    pub functions: Vec<Function>,
    /// Roles that exist, of those the checks care about (anon, authenticated, service_role).
    pub api_roles: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Table {
    pub schema: String,
    pub name: String,
    pub rls_enabled: bool,
    pub rls_forced: bool,
    pub columns: Vec<Column>,
    pub primary_key: Option<Vec<String>>,
    pub foreign_keys: Vec<ForeignKey>,
    pub indexes: Vec<Index>,
    pub policies: Vec<Policy>,
    /// Privileges the API roles hold on the table: role -> privileges (SELECT, INSERT, ...).
    pub grants: BTreeMap<String, Vec<String>>,
}

impl Table {
    /// `schema.name`, as findings and specs name it.
    pub fn qualified(&self) -> String {
        format!("{}.{}", self.schema, self.name)
    }

    /// `schema.name` quoted, as SQL in a fix text names it.
    pub fn quoted(&self) -> String {
        quote_qualified(&self.schema, &self.name)
    }

    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// True when `anon` or `authenticated` may read or write it.
    pub fn reachable_by_api(&self) -> bool {
        API_ROLES
            .iter()
            .any(|role| self.grants.get(*role).is_some_and(|p| !p.is_empty()))
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Column {
    pub name: String,
    pub data_type: String,
    pub not_null: bool,
    pub default: Option<String>,
    /// Filled in by the server (identity or generated): an insert leaves it out.
    pub generated: bool,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ForeignKey {
    pub name: String,
    pub columns: Vec<String>,
    /// `schema.table` referenced.
    pub references: String,
    pub referenced_columns: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Index {
    pub name: String,
    /// Key columns in order (expressions show as empty strings).
    pub columns: Vec<String>,
    pub unique: bool,
    pub primary: bool,
    pub partial: bool,
    pub definition: String,
}

/// Which commands a policy applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PolicyCommand {
    All,
    Select,
    Insert,
    Update,
    Delete,
}

/// A spec names a command in any case; one it does not know is refused when the spec loads.
impl<'de> serde::Deserialize<'de> for PolicyCommand {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Self, D::Error> {
        let text = <String as serde::Deserialize>::deserialize(deserializer)?;
        PolicyCommand::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "`{text}` is not a policy command; use all, select, insert, update or delete"
            ))
        })
    }
}

impl PolicyCommand {
    pub fn from_catalog(code: &str) -> PolicyCommand {
        match code {
            "r" => PolicyCommand::Select,
            "a" => PolicyCommand::Insert,
            "w" => PolicyCommand::Update,
            "d" => PolicyCommand::Delete,
            _ => PolicyCommand::All,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PolicyCommand::All => "all",
            PolicyCommand::Select => "select",
            PolicyCommand::Insert => "insert",
            PolicyCommand::Update => "update",
            PolicyCommand::Delete => "delete",
        }
    }

    /// Case as the user likes: `SELECT` and `select` are one command.
    pub fn parse(text: &str) -> Option<PolicyCommand> {
        Some(match text.to_ascii_lowercase().as_str() {
            "all" => PolicyCommand::All,
            "select" => PolicyCommand::Select,
            "insert" => PolicyCommand::Insert,
            "update" => PolicyCommand::Update,
            "delete" => PolicyCommand::Delete,
            _ => return None,
        })
    }

    /// Whether the policy lets rows be written.
    pub fn writes(self) -> bool {
        self != PolicyCommand::Select
    }

    /// The single commands it covers.
    pub fn covers(self) -> &'static [PolicyCommand] {
        match self {
            PolicyCommand::All => &[
                PolicyCommand::Select,
                PolicyCommand::Insert,
                PolicyCommand::Update,
                PolicyCommand::Delete,
            ],
            PolicyCommand::Select => &[PolicyCommand::Select],
            PolicyCommand::Insert => &[PolicyCommand::Insert],
            PolicyCommand::Update => &[PolicyCommand::Update],
            PolicyCommand::Delete => &[PolicyCommand::Delete],
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Policy {
    pub name: String,
    pub command: PolicyCommand,
    pub permissive: bool,
    /// `public` when the policy names no role.
    pub roles: Vec<String>,
    /// USING, as `pg_get_expr` prints it.
    pub using: Option<String>,
    /// WITH CHECK, as `pg_get_expr` prints it.
    pub with_check: Option<String>,
}

impl Policy {
    /// True when it applies to `role` (directly or through `public`).
    pub fn applies_to(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role || r == "public")
    }

    /// The API roles it applies to.
    pub fn api_roles(&self) -> Vec<&'static str> {
        API_ROLES
            .iter()
            .copied()
            .filter(|role| self.applies_to(role))
            .collect()
    }

    /// Both predicates, for checks that look at either.
    pub fn predicates(&self) -> impl Iterator<Item = &str> {
        self.using
            .iter()
            .chain(self.with_check.iter())
            .map(String::as_str)
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct View {
    pub schema: String,
    pub name: String,
    pub security_invoker: bool,
    pub grants: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Function {
    pub schema: String,
    pub name: String,
    pub arguments: String,
    pub security_definer: bool,
    /// `proconfig`: settings fixed on the function, like `search_path=""`.
    pub settings: Vec<String>,
}

impl Function {
    pub fn signature(&self) -> String {
        format!("{}.{}({})", self.schema, self.name, self.arguments)
    }

    /// The signature with the names quoted (PostgreSQL already quotes the arguments).
    pub fn quoted_signature(&self) -> String {
        format!(
            "{}({})",
            quote_qualified(&self.schema, &self.name),
            self.arguments
        )
    }

    pub fn fixes_search_path(&self) -> bool {
        self.settings.iter().any(|s| s.starts_with("search_path="))
    }
}

/// Loads the snapshot of the given schemas. Describing an object locks it for a moment,
/// so a table that another session holds exclusively (a migration under way) would stall
/// the load for as long as that session likes: it waits for a lock at most `lock_wait`,
/// then fails, saying why.
pub fn load(client: &mut impl Sql, schemas: &[String], lock_wait: Duration) -> Result<Catalog> {
    let millis = lock_wait.as_millis().max(1).to_string();
    client
        .query_typed(
            "SELECT set_config('lock_timeout', $1, false)",
            &[(&millis, Type::TEXT)],
        )
        .map_err(Error::db("bounding the catalog's lock wait"))?;
    let loaded = load_snapshot(client, schemas, lock_wait);
    client
        .batch_execute("RESET lock_timeout")
        .map_err(Error::db("ending the catalog's lock wait"))?;
    loaded
}

fn load_snapshot(
    client: &mut impl Sql,
    schemas: &[String],
    lock_wait: Duration,
) -> Result<Catalog> {
    let schemas: Vec<&str> = schemas.iter().map(String::as_str).collect();
    let q = |client: &mut _, what: &str, sql: &str| -> Result<Vec<tokio_postgres::Row>> {
        Sql::query_typed(client, sql, &[(&schemas, Type::TEXT_ARRAY)]).map_err(|e| {
            let context = if e.code() == Some(&SqlState::LOCK_NOT_AVAILABLE) {
                format!(
                    "reading the catalog ({what}): another session held a lock on a verified object for longer than wait_for_lock ({}), so nothing was verified; run again when that transaction ends, or raise --wait-for-lock",
                    humantime::format_duration(lock_wait)
                )
            } else {
                format!("reading the catalog ({what})")
            };
            Error::db(context)(e)
        })
    };
    let api_roles: Vec<String> = client
        .query_typed(
            "SELECT rolname::text FROM pg_roles WHERE rolname IN ('anon', 'authenticated', 'service_role') ORDER BY 1",
            &[],
        )
        .map_err(Error::db("reading the catalog (roles)"))?
        .iter()
        .map(|r| r.get(0))
        .collect();

    // Privileges of the API roles, for tables and views alike.
    let grants_sql = "
        SELECT c.oid::bigint, r.rolname::text, p.privilege
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        CROSS JOIN pg_roles r
        CROSS JOIN unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE']) AS p(privilege)
        WHERE n.nspname = ANY($1) AND c.relkind IN ('r', 'p', 'v', 'm')
          AND r.rolname IN ('anon', 'authenticated')
          AND has_table_privilege(r.oid, c.oid, p.privilege)
        ORDER BY 1, 2, 3";
    let mut grants: BTreeMap<i64, BTreeMap<String, Vec<String>>> = BTreeMap::new();
    for row in q(client, "grants", grants_sql)? {
        grants
            .entry(row.get(0))
            .or_default()
            .entry(row.get(1))
            .or_default()
            .push(row.get(2));
    }

    let mut tables: BTreeMap<i64, Table> = BTreeMap::new();
    for row in q(
        client,
        "tables",
        "SELECT c.oid::bigint, n.nspname::text, c.relname::text, c.relrowsecurity, c.relforcerowsecurity
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = ANY($1) AND c.relkind IN ('r', 'p') AND NOT c.relispartition
         ORDER BY 2, 3",
    )? {
        let oid: i64 = row.get(0);
        tables.insert(
            oid,
            Table {
                schema: row.get(1),
                name: row.get(2),
                rls_enabled: row.get(3),
                rls_forced: row.get(4),
                grants: grants.get(&oid).cloned().unwrap_or_default(),
                ..Table::default()
            },
        );
    }

    for row in q(
        client,
        "columns",
        "SELECT a.attrelid::bigint, a.attname::text, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                pg_get_expr(d.adbin, d.adrelid), a.attidentity <> '' OR a.attgenerated <> ''
         FROM pg_attribute a
         JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
         WHERE n.nspname = ANY($1) AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
         ORDER BY a.attrelid, a.attnum",
    )? {
        if let Some(table) = tables.get_mut(&row.get::<_, i64>(0)) {
            table.columns.push(Column {
                name: row.get(1),
                data_type: row.get(2),
                not_null: row.get(3),
                default: row.get(4),
                generated: row.get(5),
            });
        }
    }

    for row in q(
        client,
        "constraints",
        "SELECT con.conrelid::bigint, con.conname::text, con.contype::text,
                ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(num, ord)
                      JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num ORDER BY k.ord),
                coalesce(fn.nspname || '.' || fc.relname, ''),
                ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(num, ord)
                      JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num ORDER BY k.ord)
         FROM pg_constraint con
         JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN pg_class fc ON fc.oid = con.confrelid
         LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
         WHERE n.nspname = ANY($1) AND con.contype IN ('p', 'f')
         ORDER BY 1, 2",
    )? {
        let Some(table) = tables.get_mut(&row.get::<_, i64>(0)) else {
            continue;
        };
        let columns: Vec<String> = row.get(3);
        match row.get::<_, &str>(2) {
            "p" => table.primary_key = Some(columns),
            _ => table.foreign_keys.push(ForeignKey {
                name: row.get(1),
                columns,
                references: row.get(4),
                referenced_columns: row.get(5),
            }),
        }
    }

    for row in q(
        client,
        "indexes",
        "SELECT i.indrelid::bigint, ic.relname::text,
                ARRAY(SELECT coalesce(a.attname::text, '') FROM unnest(i.indkey) WITH ORDINALITY k(num, ord)
                      LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.num
                      WHERE k.ord <= i.indnkeyatts ORDER BY k.ord),
                i.indisunique, i.indisprimary, i.indpred IS NOT NULL, pg_get_indexdef(i.indexrelid)
         FROM pg_index i
         JOIN pg_class ic ON ic.oid = i.indexrelid
         JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = ANY($1)
         ORDER BY 1, 2",
    )? {
        if let Some(table) = tables.get_mut(&row.get::<_, i64>(0)) {
            table.indexes.push(Index {
                name: row.get(1),
                columns: row.get(2),
                unique: row.get(3),
                primary: row.get(4),
                partial: row.get(5),
                definition: row.get(6),
            });
        }
    }

    for row in q(
        client,
        "policies",
        "SELECT p.polrelid::bigint, p.polname::text, p.polcmd::text, p.polpermissive,
                CASE WHEN p.polroles = '{0}' THEN ARRAY['public']
                     ELSE ARRAY(SELECT rolname::text FROM pg_roles WHERE oid = ANY(p.polroles) ORDER BY 1) END,
                pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid)
         FROM pg_policy p
         JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = ANY($1)
         ORDER BY 1, 2",
    )? {
        if let Some(table) = tables.get_mut(&row.get::<_, i64>(0)) {
            table.policies.push(Policy {
                name: row.get(1),
                command: PolicyCommand::from_catalog(row.get(2)),
                permissive: row.get(3),
                roles: row.get(4),
                using: row.get(5),
                with_check: row.get(6),
            });
        }
    }

    let views = q(
        client,
        "views",
        "SELECT c.oid::bigint, n.nspname::text, c.relname::text,
                coalesce(c.reloptions::text[] && ARRAY['security_invoker=true', 'security_invoker=on', 'security_invoker=1'], false)
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = ANY($1) AND c.relkind IN ('v', 'm')
         ORDER BY 2, 3",
    )?
    .iter()
    .map(|row| View {
        schema: row.get(1),
        name: row.get(2),
        security_invoker: row.get(3),
        grants: grants.get(&row.get::<_, i64>(0)).cloned().unwrap_or_default(),
    })
    .collect();

    let functions = q(
        client,
        "functions",
        "SELECT n.nspname::text, p.proname::text, pg_get_function_identity_arguments(p.oid),
                p.prosecdef, coalesce(p.proconfig, ARRAY[]::text[])
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
         LEFT JOIN pg_depend d ON d.objid = p.oid AND d.deptype = 'e'
         WHERE n.nspname = ANY($1) AND d.objid IS NULL AND p.prokind IN ('f', 'p')
         ORDER BY 1, 2, 3",
    )?
    .iter()
    .map(|row| Function {
        schema: row.get(0),
        name: row.get(1),
        arguments: row.get(2),
        security_definer: row.get(3),
        settings: row.get(4),
    })
    .collect();

    Ok(Catalog {
        tables: tables.into_values().collect(),
        views,
        functions,
        api_roles,
    })
}
