//! Which database a command uses: the flag, the environment chosen by name, the shell's
//! variables, dbward.toml, or the local cluster; and whether it is a protected one.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::db::connect::{PgEnv, Target};
use crate::error::{Error, Result};
use crate::secret::Secret;

use super::CONFIG_FILE;

/// `[environments.NAME]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentConfig {
    pub database_url: Option<Secret>,
    /// The name of an environment variable holding the URL, so no password sits in the file.
    pub database_url_env: Option<String>,
    /// Refuses destructive conveniences such as `dbward seed` unless `--allow-protected`.
    #[serde(default)]
    pub protected: bool,
}

impl EnvironmentConfig {
    /// The environment's URL, when it names one; `Err` when the variable it reads is unset.
    fn url(&self, name: &str) -> Result<Option<Secret>> {
        match (&self.database_url, &self.database_url_env) {
            (_, Some(var)) => match std::env::var(var) {
                Ok(url) if !url.is_empty() => Ok(Some(Secret::new(url))),
                _ => Err(Error::Usage(format!(
                    "environment `{name}` reads its URL from ${var}, which is not set"
                ))),
            },
            (Some(url), None) => Ok(Some(url.clone())),
            (None, None) => Ok(None),
        }
    }
}

/// The environment in use.
#[derive(Debug, Clone)]
pub struct Environment {
    pub name: String,
    pub protected: bool,
    /// True when `--env` named it; false when the database in use is its database,
    /// reached some other way (then its protection still holds).
    pub named: bool,
}

/// Where the database comes from.
#[derive(Debug, Clone)]
pub enum DatabaseChoice {
    Url(Secret),
    /// PGHOST, PGPORT, PGDATABASE, ... alone.
    Environment,
    /// dbward's own cluster under `.dbward/`.
    Local,
}

/// What the command line and the shell say.
pub struct Requested<'a> {
    /// `--database-url`.
    pub flag_url: Option<&'a Secret>,
    /// `--env NAME` (or `DBWARD_ENV`).
    pub environment: Option<&'a str>,
    /// `DATABASE_URL`.
    pub shell_url: Option<Secret>,
}

impl Requested<'_> {
    /// `DATABASE_URL` from the process; empty counts as unset.
    pub fn shell_url() -> Option<Secret> {
        std::env::var("DATABASE_URL")
            .ok()
            .filter(|url| !url.is_empty())
            .map(Secret::new)
    }
}

/// The database chosen, the environment it belongs to, and what was set but passed over
/// (said on stderr, so that no one wonders which database a command used).
#[derive(Debug)]
pub struct Chosen {
    pub database: DatabaseChoice,
    pub environment: Option<Environment>,
    pub passed_over: Vec<String>,
}

/// The first that is set: `--database-url`; the database of the environment `--env` names;
/// `DATABASE_URL`; PGHOST/PGPORT/PGDATABASE; dbward.toml's `database_url`; the local
/// cluster. An environment named on purpose beats what merely lies in the shell; two
/// explicit choices that disagree are refused rather than guessed between.
pub fn choose(
    requested: &Requested,
    environments: &BTreeMap<String, EnvironmentConfig>,
    file_url: Option<&Secret>,
    pg_env: &PgEnv,
) -> Result<Chosen> {
    let flag_url = requested.flag_url.filter(|url| !url.is_empty());
    let mut passed_over = Vec::new();
    let (environment, environment_url) = match requested.environment {
        Some(name) => {
            let Some(config) = environments.get(name) else {
                return Err(unknown_environment(name, environments));
            };
            let environment = Environment {
                name: name.to_string(),
                protected: config.protected,
                named: true,
            };
            (Some(environment), config.url(name)?)
        }
        None => (None, None),
    };
    let database = match (flag_url, environment_url) {
        (Some(flag), Some(own)) => {
            let name = requested.environment.unwrap_or_default();
            if !same_database(flag, &own, pg_env) {
                return Err(Error::Usage(format!(
                    "--database-url and --env {name} name different databases ({} and {}); \
                     pass one of them",
                    shown(flag, pg_env),
                    shown(&own, pg_env)
                )));
            }
            DatabaseChoice::Url(flag.clone())
        }
        (Some(flag), None) => DatabaseChoice::Url(flag.clone()),
        (None, Some(own)) => {
            let name = requested.environment.unwrap_or_default();
            if let Some(shell) = &requested.shell_url
                && !same_database(shell, &own, pg_env)
            {
                passed_over.push(format!(
                    "DATABASE_URL ({}) is set, but --env {name} names its own database: using {}",
                    shown(shell, pg_env),
                    shown(&own, pg_env)
                ));
            } else if requested.shell_url.is_none() && pg_env.names_a_server() {
                passed_over.push(format!(
                    "PGHOST, PGPORT or PGDATABASE is set, but --env {name} names its own database: using {}",
                    shown(&own, pg_env)
                ));
            }
            DatabaseChoice::Url(own)
        }
        (None, None) => match (&requested.shell_url, file_url) {
            (Some(shell), _) => DatabaseChoice::Url(shell.clone()),
            _ if pg_env.names_a_server() => DatabaseChoice::Environment,
            (None, Some(url)) => DatabaseChoice::Url(url.clone()),
            (None, None) => DatabaseChoice::Local,
        },
    };
    let environment = match environment {
        Some(environment) => Some(environment),
        None => protected_owner(&database, environments, pg_env),
    };
    Ok(Chosen {
        database,
        environment,
        passed_over,
    })
}

/// The protected environment whose database is the one in use, though `--env` did not name
/// it: `DATABASE_URL` set to production's URL is production all the same.
fn protected_owner(
    database: &DatabaseChoice,
    environments: &BTreeMap<String, EnvironmentConfig>,
    pg_env: &PgEnv,
) -> Option<Environment> {
    let in_use = match database {
        DatabaseChoice::Url(url) => Target::parse(url.expose(), pg_env).ok()?,
        DatabaseChoice::Environment => Target::from_env(pg_env).ok()?,
        DatabaseChoice::Local => return None,
    };
    environments
        .iter()
        .filter(|(_, config)| config.protected)
        .find(|(name, config)| {
            // An environment whose variable is unset names no database here.
            config.url(name).ok().flatten().is_some_and(|url| {
                Target::parse(url.expose(), pg_env)
                    .is_ok_and(|own| server_and_database(&own) == server_and_database(&in_use))
            })
        })
        .map(|(name, _)| Environment {
            name: name.clone(),
            protected: true,
            named: false,
        })
}

/// Two connection strings reach the same database when host, port and database agree;
/// one that cannot be read is compared as written.
fn same_database(a: &Secret, b: &Secret, pg_env: &PgEnv) -> bool {
    match (
        Target::parse(a.expose(), pg_env),
        Target::parse(b.expose(), pg_env),
    ) {
        (Ok(a), Ok(b)) => server_and_database(&a) == server_and_database(&b),
        _ => a.expose() == b.expose(),
    }
}

/// `host:port/database`: what names a database, whoever logs in.
fn server_and_database(target: &Target) -> String {
    let described = target.describe();
    match described.split_once('@') {
        Some((_, rest)) => rest.to_string(),
        None => described,
    }
}

/// A URL as messages show it: `user@host:port/database`, never its password.
fn shown(url: &Secret, pg_env: &PgEnv) -> String {
    Target::parse(url.expose(), pg_env).map_or_else(
        |_| "a URL that cannot be read".to_string(),
        |target| target.describe(),
    )
}

fn unknown_environment(name: &str, environments: &BTreeMap<String, EnvironmentConfig>) -> Error {
    let known: Vec<&str> = environments.keys().map(String::as_str).collect();
    Error::Usage(format!(
        "no environment `{name}` in {CONFIG_FILE}; it has: {}",
        if known.is_empty() {
            "none".to_string()
        } else {
            known.join(", ")
        }
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn environments(text: &str) -> BTreeMap<String, EnvironmentConfig> {
        super::super::parse_file(text).unwrap().environments
    }

    fn no_pg_env() -> PgEnv {
        PgEnv::default()
    }

    const PRODUCTION: &str = "[environments.production]\ndatabase_url = \"postgres://app@prod.internal/app\"\nprotected = true\n";

    fn url_of(choice: &DatabaseChoice) -> &str {
        match choice {
            DatabaseChoice::Url(url) => url.expose(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_named_environment_beats_database_url() {
        let shell = Secret::new("postgres://me@localhost/dev");
        let chosen = choose(
            &Requested {
                flag_url: None,
                environment: Some("production"),
                shell_url: Some(shell),
            },
            &environments(PRODUCTION),
            None,
            &no_pg_env(),
        )
        .unwrap();
        assert_eq!(url_of(&chosen.database), "postgres://app@prod.internal/app");
        assert!(chosen.environment.unwrap().protected);
        assert_eq!(chosen.passed_over.len(), 1, "{:?}", chosen.passed_over);
        assert!(
            chosen.passed_over[0].contains("me@localhost:5432/dev"),
            "{:?}",
            chosen.passed_over
        );
    }

    #[test]
    fn the_flag_and_a_different_environment_are_refused() {
        let flag = Secret::new("postgres://me@localhost/dev");
        let requested = Requested {
            flag_url: Some(&flag),
            environment: Some("production"),
            shell_url: None,
        };
        let err = choose(&requested, &environments(PRODUCTION), None, &no_pg_env())
            .unwrap_err()
            .to_string();
        assert!(err.contains("name different databases"), "{err}");
        assert!(
            err.contains("me@localhost:5432/dev") && err.contains("app@prod.internal:5432/app"),
            "{err}"
        );
        // The same database twice is no conflict, whoever logs in.
        let same = Secret::new("postgres://admin:pw@prod.internal:5432/app");
        let requested = Requested {
            flag_url: Some(&same),
            ..requested
        };
        let chosen = choose(&requested, &environments(PRODUCTION), None, &no_pg_env()).unwrap();
        assert_eq!(url_of(&chosen.database), same.expose());
    }

    #[test]
    fn an_environment_without_a_url_keeps_its_protection_on_the_shells_database() {
        let shell = Secret::new("postgres://me@db.internal/app");
        let chosen = choose(
            &Requested {
                flag_url: None,
                environment: Some("production"),
                shell_url: Some(shell),
            },
            &environments("[environments.production]\nprotected = true\n"),
            None,
            &no_pg_env(),
        )
        .unwrap();
        assert_eq!(url_of(&chosen.database), "postgres://me@db.internal/app");
        let environment = chosen.environment.unwrap();
        assert!(environment.protected && environment.named);
        assert!(chosen.passed_over.is_empty());
    }

    #[test]
    fn a_protected_database_reached_without_env_is_still_protected() {
        let chosen = choose(
            &Requested {
                flag_url: None,
                environment: None,
                shell_url: Some(Secret::new("postgres://other:pw@prod.internal:5432/app")),
            },
            &environments(PRODUCTION),
            None,
            &no_pg_env(),
        )
        .unwrap();
        let environment = chosen.environment.unwrap();
        assert_eq!(environment.name, "production");
        assert!(environment.protected && !environment.named);

        let elsewhere = choose(
            &Requested {
                flag_url: None,
                environment: None,
                shell_url: Some(Secret::new("postgres://app@prod.internal/other")),
            },
            &environments(PRODUCTION),
            None,
            &no_pg_env(),
        )
        .unwrap();
        assert!(elsewhere.environment.is_none());
    }

    #[test]
    fn without_a_choice_the_shell_then_the_file_then_the_local_cluster() {
        let nothing = Requested {
            flag_url: None,
            environment: None,
            shell_url: None,
        };
        let file = Secret::new("postgres://app@file.internal/app");
        let chosen = choose(&nothing, &BTreeMap::new(), Some(&file), &no_pg_env()).unwrap();
        assert_eq!(url_of(&chosen.database), file.expose());
        let chosen = choose(&nothing, &BTreeMap::new(), None, &no_pg_env()).unwrap();
        assert!(matches!(chosen.database, DatabaseChoice::Local));
        let err = choose(
            &Requested {
                environment: Some("staging"),
                ..nothing
            },
            &environments(PRODUCTION),
            None,
            &no_pg_env(),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("no environment `staging`") && err.contains("production"),
            "{err}"
        );
    }
}
