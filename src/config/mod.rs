//! dbward.toml + environment + flags -> [`Settings`]. Flags win, then the environment, then
//! the file; every key has a default.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::cli::{Format, Global};
use crate::db::connect::PgEnv;
use crate::error::{Error, Result};
use crate::migrate::detect::{Candidate, Detection};
use crate::migrate::layout::Layout;
use crate::migrate::lock_wait::StepLimits;
use crate::migrate::source::SourceDirs;
use crate::secret::Secret;
use crate::seed::Fixtures;

mod database;

pub use crate::project::CONFIG_FILE;
use database::Requested;
pub use database::{DatabaseChoice, Environment, EnvironmentConfig};

/// What `dbward.toml` may hold.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Discouraged for anything with a password: prefer DATABASE_URL.
    pub database_url: Option<Secret>,
    pub schema: Option<String>,
    /// Whose file names the migrations follow: `dbward`, `sqlx`, `golang-migrate`, `goose`,
    /// `dbmate`, `flyway` (or `refinery`), `supabase`;
    /// detected from the files when absent.
    pub layout: Option<String>,
    pub migrations_dir: Option<PathBuf>,
    pub rollbacks_dir: Option<PathBuf>,
    pub fixtures_dir: Option<PathBuf>,
    pub wait_for_lock: Option<String>,
    /// How long a migration's statement may wait for a table lock: a duration, or `off`.
    pub lock_timeout: Option<String>,
    /// How many times a migration that timed out on a lock is tried again.
    pub lock_retries: Option<u32>,
    /// How long a migration's statement may run: a duration, or `off`.
    pub statement_timeout: Option<String>,
    pub compat: Option<Compat>,
    /// Named databases (`--env NAME`), e.g. staging and production.
    #[serde(default)]
    pub environments: BTreeMap<String, EnvironmentConfig>,
    #[serde(default)]
    pub verify: VerifyConfig,
    /// Maintenance jobs, by name.
    #[serde(default)]
    pub jobs: BTreeMap<String, crate::jobs::JobConfig>,
    /// What `dbward check` lints.
    #[serde(default)]
    pub check: crate::migrate::lint::LintConfig,
    /// What `dbward ci` demands.
    #[serde(default)]
    pub ci: CiConfig,
}

/// `[ci]`.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CiConfig {
    /// A migration without a rollback fails `ci` (as `--require-rollbacks` does); without
    /// it, the round trip covers the newest migrations that have one.
    #[serde(default)]
    pub require_rollbacks: bool,
}

/// `[verify]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyConfig {
    /// The schemas verified (the ones the API exposes).
    #[serde(default = "default_schemas")]
    pub schemas: Vec<String>,
    /// The expected-state file, relative to the project.
    #[serde(default = "default_spec")]
    pub spec: PathBuf,
    /// `schema.table` -> owner column, where it cannot be found on its own.
    #[serde(default)]
    pub owners: BTreeMap<String, String>,
    /// Findings accepted on purpose, each with its reason.
    #[serde(default)]
    pub accept: Vec<crate::verify::Acceptance>,
    /// How long one probe's statement may run (`statement_timeout`, set locally).
    #[serde(default = "default_probe_statement_timeout")]
    pub probe_statement_timeout: String,
    /// How long one probe may wait for a lock (`lock_timeout`, set locally).
    #[serde(default = "default_probe_lock_timeout")]
    pub probe_lock_timeout: String,
}

impl Default for VerifyConfig {
    fn default() -> Self {
        VerifyConfig {
            schemas: default_schemas(),
            spec: default_spec(),
            owners: BTreeMap::new(),
            accept: Vec::new(),
            probe_statement_timeout: default_probe_statement_timeout(),
            probe_lock_timeout: default_probe_lock_timeout(),
        }
    }
}

impl VerifyConfig {
    /// The probes' timeouts; each must be a duration of at least a millisecond (0 would
    /// mean no timeout to PostgreSQL).
    pub fn probe_timeouts(
        &self,
    ) -> std::result::Result<crate::verify::probe::ProbeTimeouts, String> {
        let read = |key: &str, text: &str| {
            let duration = humantime::parse_duration(text).map_err(|e| {
                format!("[verify] {key} `{text}` is not a duration like 500ms, 5s or 1m: {e}")
            })?;
            if duration < Duration::from_millis(1) {
                return Err(format!(
                    "[verify] {key} must be at least 1ms: a probe without a timeout could hold the run forever"
                ));
            }
            Ok(duration)
        };
        Ok(crate::verify::probe::ProbeTimeouts {
            statement: read("probe_statement_timeout", &self.probe_statement_timeout)?,
            lock: read("probe_lock_timeout", &self.probe_lock_timeout)?,
        })
    }
}

fn default_probe_statement_timeout() -> String {
    "5s".to_string()
}

fn default_probe_lock_timeout() -> String {
    "1s".to_string()
}

fn default_schemas() -> Vec<String> {
    vec!["public".to_string()]
}

fn default_spec() -> PathBuf {
    PathBuf::from("dbward.spec.toml")
}

/// Which platform's conventions migrations expect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Compat {
    #[default]
    None,
    /// Supabase's roles, `auth`, `storage` and `extensions`; a shim is made where missing.
    Supabase,
}

#[derive(Debug, Clone)]
pub struct Settings {
    /// The project's root as paths are shown: empty for the current folder.
    pub project_dir: PathBuf,
    /// How many folders above the current one the project was found.
    pub found_levels_up: usize,
    /// The same folder, absolute: where `.dbward/` goes.
    pub project_root: PathBuf,
    pub dirs: SourceDirs,
    pub fixtures: Fixtures,
    pub schema: String,
    pub wait_for_lock: Duration,
    /// How each migration's statements are bounded.
    pub step_limits: StepLimits,
    pub compat: Compat,
    pub database: DatabaseChoice,
    pub environment: Option<Environment>,
    /// Databases set but not used, said on stderr.
    pub passed_over: Vec<String>,
    pub pg_env: PgEnv,
    pub format: Format,
    pub quiet: bool,
    pub verify: VerifyConfig,
    pub jobs: BTreeMap<String, crate::jobs::JobConfig>,
    pub check: crate::migrate::lint::LintConfig,
    pub ci: CiConfig,
}

impl Settings {
    pub fn resolve(global: &Global) -> Result<Settings> {
        let (project_dir, found_levels_up, project_root) =
            locate(global.paths.project_dir.as_deref())?;
        let file = read_file(&project_dir.join(CONFIG_FILE))?;
        let pg_env = PgEnv::from_process();
        let relative = |configured: &Option<PathBuf>, default: &str| {
            project_dir.join(configured.as_deref().unwrap_or(Path::new(default)))
        };
        let schema = std::env::var("DBWARD_SCHEMA")
            .ok()
            .or(file.schema.clone())
            .unwrap_or_else(|| "dbward".to_string());
        check_schema(&schema)?;
        let wait = global
            .connection
            .wait_for_lock
            .clone()
            .or(file.wait_for_lock.clone())
            .unwrap_or_else(|| "60s".to_string());
        let wait_for_lock = humantime::parse_duration(&wait).map_err(|e| {
            Error::Usage(format!(
                "wait_for_lock `{wait}` is not a duration like 30s or 2m: {e}"
            ))
        })?;
        let lock_timeout = global.connection.lock_timeout.as_ref();
        let step_limits = StepLimits::resolve(
            lock_timeout
                .or(file.lock_timeout.as_ref())
                .map(String::as_str),
            file.lock_retries,
            file.statement_timeout.as_deref(),
        )
        .map_err(Error::Usage)?;
        let chosen = database::choose(
            &Requested {
                flag_url: global.connection.database_url.as_ref(),
                environment: global.connection.env.as_deref(),
                shell_url: Requested::shell_url(),
            },
            &file.environments,
            file.database_url.as_ref(),
            &pg_env,
        )?;
        let (layout, detected_dir) = choose_layout(&project_dir, &file)?;
        let migrations = relative(
            &file.migrations_dir.clone().or(detected_dir),
            layout.default_migrations_dir(),
        );
        // Other tools keep a migration's rollback beside it, or in the same file.
        let rollbacks = match layout.separate_rollbacks_dir() {
            Some(default) => relative(&file.rollbacks_dir, default),
            None => migrations.clone(),
        };
        let fixtures = match (&file.fixtures_dir, layout) {
            (None, Layout::Supabase) => Fixtures::Supabase(project_dir.join("supabase")),
            (dir, _) => Fixtures::Folder(relative(dir, "fixtures")),
        };
        Ok(Settings {
            dirs: SourceDirs {
                layout,
                migrations,
                rollbacks,
                named_in_config: [
                    ("migrations_dir", &file.migrations_dir),
                    ("rollbacks_dir", &file.rollbacks_dir),
                ]
                .into_iter()
                .filter_map(|(key, dir)| Some((key, project_dir.join(dir.as_ref()?))))
                .collect(),
            },
            fixtures,
            schema,
            wait_for_lock,
            step_limits,
            // Supabase's roles and `auth.uid()` come with its layout, unless said otherwise.
            compat: file.compat.unwrap_or(if layout == Layout::Supabase {
                Compat::Supabase
            } else {
                Compat::None
            }),
            database: chosen.database,
            environment: chosen.environment,
            passed_over: chosen.passed_over,
            pg_env,
            format: global.output.format,
            quiet: global.output.quiet,
            verify: VerifyConfig {
                spec: project_dir.join(&file.verify.spec),
                ..file.verify.clone()
            },
            jobs: file.jobs.clone(),
            check: file.check.clone(),
            ci: file.ci,
            project_dir,
            found_levels_up,
            project_root,
        })
    }
}

/// The project folder: the one `-C` names, or the nearest holding a project from the
/// current folder upward; how many folders above the current one that is; and the folder,
/// absolute. A folder without a project is refused, so that no command starts a database
/// in a random place.
fn locate(given: Option<&Path>) -> Result<(PathBuf, usize, PathBuf)> {
    if let Some(dir) = given {
        if !dir.is_dir() {
            return Err(Error::Usage(format!(
                "project folder {} does not exist",
                dir.display()
            )));
        }
        let absolute = std::path::absolute(dir).map_err(Error::io(dir))?;
        if !crate::project::is_project(dir) {
            return Err(no_project(&absolute, false));
        }
        return Ok((dir.to_path_buf(), 0, absolute));
    }
    let here = std::env::current_dir().map_err(Error::io("the current folder"))?;
    match crate::project::find(&here) {
        Some(root) => {
            let absolute = here
                .ancestors()
                .nth(root.levels_up)
                .unwrap_or(&here)
                .to_path_buf();
            Ok((root.dir, root.levels_up, absolute))
        }
        None => Err(no_project(&here, true)),
    }
}

fn no_project(dir: &Path, above: bool) -> Error {
    Error::Usage(format!(
        "no dbward project in {}{}: no {CONFIG_FILE} and no migrations folder dbward reads; \
         start one here with `dbward init`, or pass -C DIR",
        dir.display(),
        if above { " or any folder above it" } else { "" }
    ))
}

/// The layout dbward.toml names, or the one detection finds (with the folder it found);
/// an ambiguous project is refused with its candidates.
fn choose_layout(project_dir: &Path, file: &FileConfig) -> Result<(Layout, Option<PathBuf>)> {
    let config = || project_dir.join(CONFIG_FILE);
    let (layout, detected) = match &file.layout {
        // Checked when the file was read.
        Some(name) => (Layout::from_name(name).unwrap_or_default(), None),
        None => {
            let root = if project_dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                project_dir
            };
            match crate::project::detect_layout(
                root,
                file.migrations_dir.as_deref(),
                file.rollbacks_dir.is_some(),
            ) {
                Detection::Found {
                    layout,
                    migrations_dir,
                } => (layout, Some(migrations_dir)),
                Detection::None => (Layout::default(), None),
                Detection::Ambiguous(candidates) => {
                    return Err(Error::Usage(ambiguous(project_dir, &candidates)));
                }
            }
        }
    };
    if file.rollbacks_dir.is_some() && layout.separate_rollbacks_dir().is_none() {
        return Err(Error::Config {
            path: config(),
            message: format!(
                "rollbacks_dir is for dbward's own layout; with layout `{}` a migration's rollback is in its migrations folder or in the migration itself: remove rollbacks_dir",
                layout.name()
            ),
        });
    }
    Ok((layout, detected))
}

/// What to say of a project whose files fit several layouts.
fn ambiguous(root: &Path, candidates: &[Candidate]) -> String {
    format!(
        "the files in {} fit more than one layout; say which in {CONFIG_FILE} with one of these lines:{}",
        if root.as_os_str().is_empty() {
            Path::new(".")
        } else {
            root
        }
        .display(),
        candidates_list(candidates, |name| format!("layout = \"{name}\""))
    )
}

/// One line per candidate: how to choose it (`line` of its name), and the files behind it.
pub fn candidates_list(candidates: &[Candidate], line: fn(&str) -> String) -> String {
    let mut list = String::new();
    for candidate in candidates {
        let shown: Vec<String> = candidate
            .evidence
            .iter()
            .take(3)
            .map(|p| p.display().to_string())
            .collect();
        let more = candidate.evidence.len().saturating_sub(3);
        list.push_str(&format!(
            "\n  {}   # {}{}",
            line(candidate.layout.name()),
            shown.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        ));
    }
    list
}

/// The names the `layout` key takes.
pub fn layout_names() -> String {
    let names: Vec<&str> = Layout::ALL.iter().map(|l| l.name()).collect();
    format!("{} (and refinery, read as flyway)", names.join(", "))
}

/// Reads dbward.toml. What is wrong with the file itself (a folder in its place, bytes
/// that are not UTF-8, bad TOML) is bad input, exit 2; a file that cannot be read is not.
fn read_file(path: &Path) -> Result<FileConfig> {
    let bad = |message: String| Error::Config {
        path: path.to_path_buf(),
        message,
    };
    if path.is_dir() {
        return Err(bad(
            "is a folder; dbward.toml must be a file (or absent)".to_string()
        ));
    }
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(FileConfig::default()),
        Err(e) => return Err(Error::io(path)(e)),
    };
    let text = std::str::from_utf8(&bytes).map_err(|e| {
        let offset = e.valid_up_to();
        let line = bytes[..offset].iter().filter(|b| **b == b'\n').count() + 1;
        bad(format!(
            "line {line}: is not UTF-8 (invalid byte at offset {offset}); save the file as UTF-8"
        ))
    })?;
    parse_file(text).map_err(bad)
}

pub fn parse_file(text: &str) -> std::result::Result<FileConfig, String> {
    let file: FileConfig = toml::from_str(text).map_err(|e| {
        // Where and what, without quoting the line: it may be a URL with its password.
        let start = e.span().map_or(0, |span| span.start).min(text.len());
        let before = &text[..start];
        let line = before.matches('\n').count() + 1;
        let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
        format!("line {line}, column {column}: {}", e.message().trim_end())
    })?;
    if let Some(name) = &file.layout {
        let Some(layout) = Layout::from_name(name) else {
            return Err(format!(
                "layout `{name}` is not one dbward reads; it reads {}",
                layout_names()
            ));
        };
        if file.rollbacks_dir.is_some() && layout.separate_rollbacks_dir().is_none() {
            return Err(format!(
                "rollbacks_dir is for dbward's own layout; with layout `{name}` a migration's rollback is in its migrations folder or in the migration itself: remove rollbacks_dir"
            ));
        }
    }
    file.verify.probe_timeouts()?;
    crate::verify::check_acceptances(&file.verify.accept)?;
    // A job that could never run is refused with the file, not at 3 a.m.
    for (name, job) in &file.jobs {
        job.job()
            .check()
            .map_err(|message| format!("job `{name}`: {message}"))?;
    }
    Ok(file)
}

/// dbward's schema must be its own: never `public` (Supabase exposes it over its API).
fn check_schema(schema: &str) -> Result<()> {
    if schema.is_empty() || schema == "public" || schema.starts_with("pg_") {
        return Err(Error::Usage(format!(
            "schema `{schema}` cannot hold dbward's tables; use a schema of its own such as `dbward`"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_say_where_without_quoting_the_line() {
        let message =
            parse_file("schema = \"dbward\"\ndatabase_url = \"postgres://app:pa\"ss@db/main\"\n")
                .unwrap_err();
        assert!(message.starts_with("line 2, column "), "{message}");
        assert!(
            !message.contains("pa\"ss") && !message.contains("ss@db"),
            "{message}"
        );
    }

    #[test]
    fn every_key_has_a_default() {
        let file = parse_file("").unwrap();
        assert!(file.schema.is_none() && file.compat.is_none());
    }

    #[test]
    fn compat_and_paths_are_read() {
        let file =
            parse_file("compat = \"supabase\"\nmigrations_dir = \"db/up\"\nwait_for_lock = \"5s\"")
                .unwrap();
        assert_eq!(file.compat, Some(Compat::Supabase));
        assert_eq!(file.migrations_dir, Some(PathBuf::from("db/up")));
    }

    #[test]
    fn the_layout_key_takes_a_known_name() {
        for name in [
            "dbward",
            "sqlx",
            "golang-migrate",
            "goose",
            "dbmate",
            "flyway",
            "refinery",
            "supabase",
        ] {
            let file = parse_file(&format!("layout = \"{name}\"\n")).unwrap();
            assert_eq!(file.layout.as_deref(), Some(name));
        }
        let err = parse_file("layout = \"Flyway\"\n").unwrap_err();
        assert!(
            err.contains("layout `Flyway` is not one dbward reads"),
            "{err}"
        );
        assert!(err.contains(&layout_names()), "{err}");
        assert!(parse_file("layout = \"dbward\"\nrollbacks_dir = \"down\"\n").is_ok());
        let err = parse_file("layout = \"goose\"\nrollbacks_dir = \"down\"\n").unwrap_err();
        assert!(
            err.contains("rollbacks_dir is for dbward's own layout"),
            "{err}"
        );
    }

    #[test]
    fn unknown_keys_are_refused_by_name() {
        let err = parse_file("shema = \"x\"").unwrap_err();
        assert!(err.contains("shema"), "{err}");
    }

    #[test]
    fn environments_are_read() {
        let file = parse_file(
            "[environments.production]\ndatabase_url_env = \"PROD_URL\"\nprotected = true\n\n[environments.dev]\ndatabase_url = \"postgres://localhost/dev\"\n",
        )
        .unwrap();
        assert!(file.environments["production"].protected);
        assert!(!file.environments["dev"].protected);
        assert!(parse_file("[environments.x]\nprotect = true").is_err());
    }

    #[test]
    fn a_retention_condition_is_checked_with_the_file() {
        let job = "[jobs.old]\nkind = \"retention\"\ntable = \"events\"\ncolumn = \"at\"\nolder_than = \"1 day\"\n";
        assert!(parse_file(&format!("{job}where = \"read\"\n")).is_ok());
        let err = parse_file(&format!("{job}where = \"false) OR (true\"\n")).unwrap_err();
        assert!(
            err.starts_with("job `old`: `where` must be one SQL expression"),
            "{err}"
        );
    }

    #[test]
    fn probe_timeouts_have_defaults_and_are_checked() {
        let file = parse_file("").unwrap();
        let timeouts = file.verify.probe_timeouts().unwrap();
        assert_eq!(timeouts.statement, Duration::from_secs(5));
        assert_eq!(timeouts.lock, Duration::from_secs(1));
        let file = parse_file("[verify]\nprobe_statement_timeout = \"250ms\"\n").unwrap();
        assert_eq!(
            file.verify.probe_timeouts().unwrap().statement,
            Duration::from_millis(250)
        );
        let err = parse_file("[verify]\nprobe_lock_timeout = \"0s\"\n").unwrap_err();
        assert!(
            err.contains("probe_lock_timeout must be at least 1ms"),
            "{err}"
        );
        assert!(parse_file("[verify]\nprobe_statement_timeout = \"soon\"\n").is_err());
    }

    #[test]
    fn accepted_checks_must_exist() {
        let accept = |check: &str| {
            parse_file(&format!(
                "[[verify.accept]]\ncheck = \"{check}\"\nobject = \"public.t\"\nreason = \"r\"\n"
            ))
        };
        for check in ["no_primary_key", "spec", "probe_leak", "probe_failed"] {
            assert!(accept(check).is_ok(), "{check}");
        }
        let err = accept("probe_leek").unwrap_err();
        assert!(err.contains("check `probe_leek`"), "{err}");
        assert!(err.contains("probe_leak, probe_failed"), "{err}");
    }

    /// The seed systems' files are what users copy: each must keep loading.
    #[test]
    fn every_seed_systems_config_loads() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = vec![root.join("dbward.toml")];
        for entry in std::fs::read_dir(root.join("examples")).unwrap() {
            let file = entry.unwrap().path().join("dbward.toml");
            if file.exists() {
                files.push(file);
            }
        }
        assert!(files.len() > 1, "{files:?}");
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            if let Err(err) = parse_file(&text) {
                panic!("{}: {err}", file.display());
            }
        }
    }

    #[test]
    fn public_is_not_dbwards_schema() {
        assert!(check_schema("public").is_err());
        assert!(check_schema("pg_x").is_err());
        assert!(check_schema("dbward").is_ok());
    }
}
