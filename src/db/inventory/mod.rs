//! Every object a migration can create, one line each (kind, name, definition), so that two
//! databases, or one database at two moments, can be compared: the round trip of
//! `dbward ci` and the drift of `dbward diff`. Besides the schema's objects: grants and
//! default privileges, publications and their tables, and the roles the database uses
//! (roles belong to the whole cluster, see [`Catalog::used_roles`]).

mod grants;
mod objects;
mod publications;
mod roles;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use tokio_postgres::Row;

use crate::db::session::Sql;
use crate::error::Result;

/// (kind, name) -> definition.
pub type Inventory = BTreeMap<(String, String), String>;

/// The namespaces compared, as a CTE named `ns`: those in `$1` (every one but the system's
/// when NULL), never dbward's own (`$2`).
pub(crate) const NAMESPACES: &str = "ns AS (
               SELECT oid, nspname FROM pg_namespace
               WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND nspname <> $2
                 AND nspname NOT LIKE 'pg_temp%' AND nspname NOT LIKE 'pg_toast_temp%'
                 AND ($1::text[] IS NULL OR nspname = ANY($1))
             )";

/// Supabase's own roles, made by the platform (or dbward's shim) before any migration: no
/// role line in a drift, and what is granted to them there is the platform's doing.
pub(crate) const PLATFORM_ROLES: [&str; 15] = [
    "postgres",
    "supabase_admin",
    "authenticator",
    "supabase_auth_admin",
    "supabase_storage_admin",
    "supabase_functions_admin",
    "supabase_realtime_admin",
    "supabase_replication_admin",
    "supabase_read_only_user",
    "supabase_etl_admin",
    "dashboard_user",
    "pgbouncer",
    "pgsodium_keyholder",
    "pgsodium_keyiduser",
    "pgsodium_keymaker",
];

/// The roles the API runs as: no role line in a drift either (the platform makes them), but
/// what is granted to them is the project's, and compared.
const API_ROLES: [&str; 3] = ["anon", "authenticated", "service_role"];

/// Supabase's publications: whether they exist is the platform's business; the tables
/// added to them are the project's, and compared.
const PLATFORM_PUBLICATIONS: [&str; 2] = [
    "supabase_realtime",
    "supabase_realtime_messages_publication",
];

/// What a load covers.
#[derive(Debug, Clone)]
pub struct Scope<'a> {
    schemas: Option<&'a [String]>,
    dbward_schema: &'a str,
    /// One database at two moments (`ci`), rather than two databases (`diff`).
    round_trip: bool,
    /// Supabase's platform objects are left out (a drift against a Supabase project).
    supabase: bool,
}

impl<'a> Scope<'a> {
    /// `ci`: every schema but the system's and dbward's, every grant and publication, and the
    /// owners among the roles used.
    pub fn round_trip(dbward_schema: &'a str) -> Scope<'a> {
        Scope {
            schemas: None,
            dbward_schema,
            round_trip: true,
            supabase: false,
        }
    }

    /// `diff`: the schemas given; with `supabase`, Supabase's platform roles and publications
    /// are left out (their tables, and grants to the API roles, are not).
    pub fn drift(schemas: &'a [String], dbward_schema: &'a str, supabase: bool) -> Scope<'a> {
        Scope {
            schemas: Some(schemas),
            dbward_schema,
            round_trip: false,
            supabase,
        }
    }

    fn schema_names(&self) -> Option<Vec<&'a str>> {
        self.schemas.map(|s| s.iter().map(String::as_str).collect())
    }

    /// Roles whose grants are not compared.
    fn ignored_grantees(&self) -> Vec<&'static str> {
        if self.supabase {
            PLATFORM_ROLES.to_vec()
        } else {
            Vec::new()
        }
    }

    /// Roles without a role line.
    fn ignored_roles(&self) -> Vec<&'static str> {
        let mut ignored = self.ignored_grantees();
        if self.supabase {
            ignored.extend(API_ROLES);
        }
        ignored
    }

    fn ignored_publications(&self) -> Vec<&'static str> {
        if self.supabase {
            PLATFORM_PUBLICATIONS.to_vec()
        } else {
            Vec::new()
        }
    }
}

/// A database's catalog as compared.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// The database's own objects, grants and publications.
    pub objects: Inventory,
    /// Every role of the cluster but the predefined ones (`pg_*`): quoted name -> definition.
    pub roles: BTreeMap<String, String>,
    /// The roles this database uses: granted something, named in a policy, and (in a round
    /// trip) owning something. Roles belong to the whole cluster, and other databases' roles
    /// come and go with them: only the roles one of the compared catalogs uses are compared.
    pub used_roles: BTreeSet<String>,
}

impl Catalog {
    /// How many lines a comparison would look at.
    pub fn len(&self) -> usize {
        self.objects.len() + self.used_roles.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The catalog of the database `client` is connected to.
pub fn load(client: &mut impl Sql, scope: &Scope) -> Result<Catalog> {
    let mut objects = objects::load(client, scope)?;
    objects.extend(grants::load(client, scope)?);
    objects.extend(publications::load(client, scope)?);
    let (roles, used_roles) = roles::load(client, scope)?;
    Ok(Catalog {
        objects,
        roles,
        used_roles,
    })
}

/// Rows of (kind, name, definition) as an inventory.
fn lines(rows: &[Row]) -> Inventory {
    rows.iter()
        .map(|row| ((row.get(0), row.get(1)), row.get(2)))
        .collect()
}

/// How one object differs between two inventories.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    pub kind: String,
    pub name: String,
    /// The definition on the expected side (`None`: the object is not there).
    pub expected: Option<String>,
    /// The definition on the actual side.
    pub actual: Option<String>,
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.expected, &self.actual) {
            (None, Some(_)) => write!(f, "{} {} is there but should not be", self.kind, self.name),
            (Some(_), None) => write!(f, "{} {} is missing", self.kind, self.name),
            (Some(e), Some(a)) => write!(
                f,
                "{} {} differs: `{a}` (expected `{e}`)",
                self.kind, self.name
            ),
            (None, None) => Ok(()),
        }
    }
}

/// Everything that differs, in kind and name order; the roles compared are those either
/// catalog uses.
pub fn compare(expected: &Catalog, actual: &Catalog) -> Vec<Difference> {
    compare_across(expected, actual, &[])
}

/// The same, also comparing the roles the catalogs `between` use: a role a migration made
/// and used, then left unused by its rollback, is still compared.
pub fn compare_across(
    expected: &Catalog,
    actual: &Catalog,
    between: &[&Catalog],
) -> Vec<Difference> {
    let used: BTreeSet<&String> = [expected, actual]
        .into_iter()
        .chain(between.iter().copied())
        .flat_map(|c| &c.used_roles)
        .collect();
    let roles = |catalog: &Catalog| -> Inventory {
        catalog
            .roles
            .iter()
            .filter(|(name, _)| used.contains(name))
            .map(|(name, definition)| (("role".to_string(), name.clone()), definition.clone()))
            .collect()
    };
    let mut differences = compare_lines(&expected.objects, &actual.objects);
    differences.extend(compare_lines(&roles(expected), &roles(actual)));
    differences.sort_by(|a, b| (&a.kind, &a.name).cmp(&(&b.kind, &b.name)));
    differences
}

fn compare_lines(expected: &Inventory, actual: &Inventory) -> Vec<Difference> {
    let mut keys: Vec<&(String, String)> = expected.keys().chain(actual.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|key| {
            let (e, a) = (expected.get(key), actual.get(key));
            (e != a).then(|| Difference {
                kind: key.0.clone(),
                name: key.1.clone(),
                expected: e.cloned(),
                actual: a.cloned(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog(items: &[(&str, &str, &str)]) -> Catalog {
        let mut catalog = Catalog::default();
        for (kind, name, definition) in items {
            if *kind == "role" {
                catalog
                    .roles
                    .insert(name.to_string(), definition.to_string());
            } else {
                catalog
                    .objects
                    .insert((kind.to_string(), name.to_string()), definition.to_string());
            }
        }
        catalog
    }

    fn text(differences: &[Difference]) -> Vec<String> {
        differences.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn differences_name_what_is_extra_missing_or_changed() {
        let expected = catalog(&[
            ("table", "public.a", "rls on"),
            ("column", "public.a.x", "text"),
        ]);
        let actual = catalog(&[
            ("table", "public.a", "rls on"),
            ("column", "public.a.x", "character varying"),
            ("index", "public.a_x", "CREATE INDEX"),
        ]);
        assert_eq!(
            text(&compare(&expected, &actual)),
            vec![
                "column public.a.x differs: `character varying` (expected `text`)",
                "index public.a_x is there but should not be",
            ]
        );
        assert!(compare(&expected, &expected).is_empty());
    }

    #[test]
    fn only_the_roles_a_compared_catalog_uses_are_compared() {
        // Another database's role came meanwhile; this one's `reporter` was left behind.
        let before = catalog(&[("role", "anon", "nologin")]);
        let mut migrated = catalog(&[
            ("role", "anon", "nologin"),
            ("role", "reporter", "nologin"),
            ("grant", "table public.a to reporter", "select"),
        ]);
        migrated.used_roles.insert("reporter".into());
        let rolled_back = catalog(&[
            ("role", "anon", "nologin"),
            ("role", "reporter", "nologin"),
            ("role", "elsewhere", "login"),
        ]);
        assert!(compare(&before, &rolled_back).is_empty());
        assert_eq!(
            text(&compare_across(&before, &rolled_back, &[&migrated])),
            vec!["role reporter is there but should not be"]
        );

        let mut changed = before.clone();
        changed.roles.insert("anon".into(), "login".into());
        changed.used_roles.insert("anon".into());
        assert_eq!(
            text(&compare(&before, &changed)),
            vec!["role anon differs: `login` (expected `nologin`)"]
        );
    }
}
