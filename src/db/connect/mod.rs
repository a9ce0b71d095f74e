//! Connecting: a URL or key=value string, libpq's environment, TLS through rustls. The
//! password never leaves this module in any printable form.

mod params;
mod pgpass;
mod tls;

use std::time::Duration;

use tokio_postgres::config::{Host, SslMode as DriverSslMode};
use tokio_postgres::{Config, NoTls};

pub use params::{PgEnv, SslMode};
use params::{default_host, take_tls_params};
use tls::{RootCerts, tls_config, tls_settings};

use crate::db::session::Session;
use crate::error::{Error, Result};

/// Where to connect and how, ready to use.
#[derive(Clone)]
pub struct Target {
    config: Config,
    ssl_mode: SslMode,
    /// None: Mozilla's roots for the verify modes, no check for `require`.
    root_cert: Option<RootCerts>,
    /// Why the password file was passed over, said only if connecting fails.
    passfile_skipped: Option<String>,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

impl Target {
    /// Parses a `postgres://` URL or a libpq key=value string. `env` fills what the string
    /// leaves out, as libpq does.
    pub fn parse(connection: &str, env: &PgEnv) -> Result<Target> {
        let (rest, ssl_mode, root_cert) = take_tls_params(connection)?;
        let mut config: Config = rest.parse().map_err(|e: tokio_postgres::Error| {
            // The driver's message names the bad key, never the value.
            Error::Usage(format!("the database URL cannot be read: {e}"))
        })?;
        if config.get_password().is_none()
            && let Some(password) = &env.password
        {
            config.password(password.expose());
        }
        if config.get_hosts().is_empty() {
            let port = config.get_ports().first().copied().unwrap_or(5432);
            config.host(env.host.clone().unwrap_or_else(|| default_host(port)));
        }
        if config.get_user().is_none() {
            config.user(env.user.as_deref().unwrap_or("postgres"));
        }
        if config.get_dbname().is_none()
            && let Some(database) = &env.database
        {
            config.dbname(database);
        }
        let (ssl_mode, root_cert) = tls_settings(ssl_mode, root_cert, env)?;
        Ok(Target::finish(config, ssl_mode, root_cert).with_password_file(env))
    }

    /// A target from libpq's environment alone.
    pub fn from_env(env: &PgEnv) -> Result<Target> {
        let mut config = Config::new();
        let port = match &env.port {
            Some(port) => port
                .parse()
                .map_err(|_| Error::Usage(format!("PGPORT `{port}` is not a port number")))?,
            None => 5432,
        };
        config.port(port);
        config.host(env.host.clone().unwrap_or_else(|| default_host(port)));
        config.user(env.user.as_deref().unwrap_or("postgres"));
        if let Some(database) = &env.database {
            config.dbname(database);
        }
        if let Some(password) = &env.password {
            config.password(password.expose());
        }
        let (ssl_mode, root_cert) = tls_settings(None, None, env)?;
        Ok(Target::finish(config, ssl_mode, root_cert).with_password_file(env))
    }

    /// The embedded local cluster, over its socket in a folder only its owner may enter:
    /// no password, no TLS.
    pub fn local(socket_dir: &std::path::Path, port: u16, database: &str) -> Target {
        let mut config = Config::new();
        config
            .host_path(socket_dir)
            .port(port)
            .user("postgres")
            .dbname(database);
        Target::finish(config, SslMode::Disable, None)
    }

    fn finish(mut config: Config, ssl_mode: SslMode, root_cert: Option<RootCerts>) -> Target {
        // PostgreSQL offers no TLS on a Unix socket, and libpq ignores sslmode there. Asked
        // for it, the driver would fail before connecting (a socket has no name to check).
        let hosts = config.get_hosts();
        let ssl_mode = if !hosts.is_empty() && hosts.iter().all(|h| matches!(h, Host::Unix(_))) {
            SslMode::Disable
        } else {
            ssl_mode
        };
        if config.get_application_name().is_none() {
            config.application_name("dbward");
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        config.ssl_mode(match ssl_mode {
            SslMode::Disable => DriverSslMode::Disable,
            SslMode::Prefer => DriverSslMode::Prefer,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => DriverSslMode::Require,
        });
        Target {
            config,
            ssl_mode,
            root_cert,
            passfile_skipped: None,
        }
    }

    /// Without a password from the URL or `PGPASSWORD`, the password file's, as libpq finds
    /// it: the first line matching the first host, port, database and user. Like libpq,
    /// it skips a file that others may read.
    fn with_password_file(mut self, env: &PgEnv) -> Target {
        if self.config.get_password().is_some() {
            return self;
        }
        let Some(path) = &env.passfile else {
            return self;
        };
        let file = match pgpass::read_file(path) {
            Ok(Some(file)) => file,
            Ok(None) => return self,
            Err(why) => {
                self.passfile_skipped = Some(why);
                return self;
            }
        };
        let host = self.host_name();
        let wanted = pgpass::Wanted {
            host: &host,
            port: self.port(),
            database: self.database(),
            user: self.user(),
        };
        if let Some(password) = pgpass::lookup(&file, wanted) {
            self.config.password(password);
        }
        self
    }

    /// The same server, another database.
    pub fn with_database(&self, database: &str) -> Target {
        let mut target = self.clone();
        target.config.dbname(database);
        target
    }

    pub fn port(&self) -> u16 {
        self.config.get_ports().first().copied().unwrap_or(5432)
    }

    /// `user@host:port/database`, never the password.
    pub fn describe(&self) -> String {
        format!(
            "{}@{}:{}/{}",
            self.user(),
            self.host_name(),
            self.port(),
            self.database()
        )
    }

    /// The first host: a name, an address, or a socket's folder.
    fn host_name(&self) -> String {
        match self.config.get_hosts().first() {
            Some(Host::Tcp(h)) => h.clone(),
            Some(Host::Unix(path)) => path.display().to_string(),
            None => "localhost".into(),
        }
    }

    fn user(&self) -> &str {
        self.config.get_user().unwrap_or("postgres")
    }

    /// As the server defaults it: the user's name.
    fn database(&self) -> &str {
        self.config.get_dbname().unwrap_or(self.user())
    }

    /// A `postgres://` URL without the password, for other tools on the local cluster.
    pub fn url_without_password(&self) -> String {
        format!("postgres://{}", self.describe())
    }

    /// A libpq `key=value` string for this server, user and database, without the password
    /// (for a server that asks none, such as the local cluster's socket).
    pub fn key_value_string(&self) -> String {
        let quote = |value: &str| format!("'{}'", value.replace('\\', "\\\\").replace('\'', "\\'"));
        format!(
            "host={} port={} user={} dbname={}",
            quote(&self.host_name()),
            self.port(),
            quote(self.user()),
            quote(self.database())
        )
    }

    pub fn connect(&self) -> Result<Session> {
        let result = match self.ssl_mode {
            SslMode::Disable => Session::connect(&self.config, NoTls),
            mode => {
                let tls = tls_config(mode, self.root_cert.as_ref())?;
                Session::connect(
                    &self.config,
                    tokio_postgres_rustls::MakeRustlsConnect::new(tls),
                )
            }
        };
        result.map_err(|message| {
            let mut message = match &self.passfile_skipped {
                Some(why) => format!("{message} ({why})"),
                None => message,
            };
            if message.contains("certificate") {
                message.push_str(&self.roots_checked());
            }
            Error::Connect {
                target: self.describe(),
                message,
            }
        })
    }

    /// What the server's certificate was checked against, for a refusal to say.
    fn roots_checked(&self) -> String {
        let roots = match &self.root_cert {
            Some(RootCerts::File(path)) => path.display().to_string(),
            Some(RootCerts::System) | None => "Mozilla's roots".to_string(),
        };
        match (self.ssl_mode, &self.root_cert) {
            (SslMode::Require, Some(RootCerts::File(_))) => format!(
                " (the server's certificate was checked against {roots}: when a root certificate file exists, sslmode=require checks the chain like verify-ca, as libpq does)"
            ),
            (SslMode::VerifyCa | SslMode::VerifyFull, _) => {
                format!(" (the server's certificate was checked against {roots})")
            }
            _ => String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    #[test]
    fn descriptions_never_hold_the_password() {
        let target = Target::parse(
            "postgres://app:hunter2-secret@db.example.com:6543/main?sslmode=require",
            &PgEnv::default(),
        )
        .unwrap();
        let text = format!(
            "{} {:?} {}",
            target.describe(),
            target,
            target.url_without_password()
        );
        assert!(!text.contains("hunter2"), "{text}");
        assert_eq!(target.describe(), "app@db.example.com:6543/main");
    }

    #[test]
    fn bad_urls_do_not_echo_the_password() {
        let err = Target::parse("postgres://app:hunter2@host:notaport/db", &PgEnv::default())
            .unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }

    #[test]
    fn the_environment_names_the_database_a_url_leaves_out() {
        let env = PgEnv {
            database: Some("main".into()),
            ..PgEnv::default()
        };
        let target = Target::parse("postgres://app@db", &env).unwrap();
        assert_eq!(target.describe(), "app@db:5432/main");
        let target = Target::parse("postgres://app@db/other", &env).unwrap();
        assert_eq!(target.describe(), "app@db:5432/other", "the URL wins");
    }

    #[test]
    fn environment_fills_what_the_url_leaves_out() {
        let env = PgEnv {
            password: Some(Secret::new("from-env")),
            sslmode: Some("require".into()),
            ..PgEnv::default()
        };
        let target = Target::parse("postgres://app@db/main", &env).unwrap();
        assert_eq!(target.config.get_password(), Some(&b"from-env"[..]));
        assert_eq!(target.ssl_mode, SslMode::Require);
    }

    #[test]
    fn a_root_certificate_file_is_named_or_found_where_libpq_looks() {
        let dir = tempfile::tempdir().unwrap();
        let home_root = dir.path().join(".postgresql/root.crt");
        let mut env = PgEnv {
            default_root_cert: Some(home_root.clone()),
            ..PgEnv::default()
        };
        let settings = |url: &str, env: &PgEnv| {
            let target = Target::parse(url, env).unwrap();
            (target.ssl_mode, target.root_cert)
        };
        // None in the home folder: require checks nothing, as before.
        assert_eq!(
            settings("postgres://app@db/main?sslmode=require", &env),
            (SslMode::Require, None)
        );
        std::fs::create_dir_all(home_root.parent().unwrap()).unwrap();
        std::fs::write(&home_root, "").unwrap();
        assert_eq!(
            settings("postgres://app@db/main?sslmode=require", &env),
            (SslMode::Require, Some(RootCerts::File(home_root.clone())))
        );
        // Named in the URL, then in PGSSLROOTCERT, it wins over the home folder's.
        env.sslrootcert = Some("/from/env.pem".into());
        assert_eq!(
            settings("postgres://app@db/main?sslrootcert=/from/url.pem", &env),
            (
                SslMode::Prefer,
                Some(RootCerts::File("/from/url.pem".into()))
            )
        );
        assert_eq!(
            settings("postgres://app@db/main", &env).1,
            Some(RootCerts::File("/from/env.pem".into()))
        );
    }

    #[test]
    fn sslrootcert_system_means_verify_full_and_nothing_weaker() {
        let env = PgEnv::default();
        let target = Target::parse("postgres://app@db/main?sslrootcert=system", &env).unwrap();
        assert_eq!(target.ssl_mode, SslMode::VerifyFull);
        assert_eq!(target.root_cert, Some(RootCerts::System));
        assert!(
            Target::parse(
                "postgres://app@db/main?sslrootcert=system&sslmode=verify-full",
                &env
            )
            .is_ok()
        );
        for weaker in ["disable", "prefer", "require", "verify-ca"] {
            let err = Target::parse(
                &format!("postgres://app@db/main?sslrootcert=system&sslmode={weaker}"),
                &env,
            )
            .unwrap_err();
            assert!(err.to_string().contains("verify-full"), "{err}");
        }
        let env = PgEnv {
            sslmode: Some("require".into()),
            sslrootcert: Some("system".into()),
            ..PgEnv::default()
        };
        assert!(Target::from_env(&env).is_err());
    }

    fn password_file(text: &str, mode: u32) -> (tempfile::TempDir, PgEnv) {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pgpass");
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        let env = PgEnv {
            passfile: Some(path),
            ..PgEnv::default()
        };
        (dir, env)
    }

    #[test]
    fn the_password_file_fills_a_missing_password() {
        let (_dir, env) = password_file("db:6543:main:app:from-file\n", 0o600);
        let target = Target::parse("postgres://app@db:6543/main", &env).unwrap();
        assert_eq!(target.config.get_password(), Some(&b"from-file"[..]));
        assert!(!format!("{target:?}").contains("from-file"));

        let target = Target::parse("postgres://app:in-url@db:6543/main", &env).unwrap();
        assert_eq!(
            target.config.get_password(),
            Some(&b"in-url"[..]),
            "the URL wins"
        );

        let target = Target::parse("postgres://app@db:5432/main", &env).unwrap();
        assert_eq!(target.config.get_password(), None, "no line for this port");
    }

    #[test]
    fn a_password_file_others_may_read_is_passed_over_and_the_reason_kept() {
        let (_dir, env) = password_file("*:*:*:*:from-file\n", 0o644);
        let target = Target::parse("postgres://app@db/main", &env).unwrap();
        assert_eq!(target.config.get_password(), None);
        let why = target.passfile_skipped.unwrap();
        assert!(
            why.contains("mode 644") && why.contains("chmod 600"),
            "{why}"
        );
        assert!(!why.contains("from-file"));
    }
}
