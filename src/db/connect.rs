//! Connecting: a URL or key=value string, libpq's environment, TLS through rustls. The
//! password never leaves this module in any printable form.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio_postgres::config::{Host, SslMode as DriverSslMode};
use tokio_postgres::{Config, NoTls};

use crate::db::pgpass;
use crate::db::session::Session;
use crate::error::{Error, Result};
use crate::secret::Secret;

/// libpq's `sslmode`, all of it (the driver itself knows only the first three).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    fn parse(value: &str) -> Result<SslMode> {
        Ok(match value {
            "disable" => SslMode::Disable,
            "allow" | "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            other => {
                return Err(Error::Usage(format!(
                    "sslmode `{other}` is not one of disable, allow, prefer, require, verify-ca, verify-full"
                )));
            }
        })
    }
}

/// Where the roots that check the server's certificate come from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum RootCerts {
    /// A PEM file: `sslrootcert`, `PGSSLROOTCERT`, or libpq's `~/.postgresql/root.crt`.
    File(PathBuf),
    /// `sslrootcert=system`: the TLS library's own roots (Mozilla's).
    System,
}

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

/// libpq's environment variables that dbward honours, read once.
#[derive(Debug, Clone, Default)]
pub struct PgEnv {
    pub host: Option<String>,
    pub port: Option<String>,
    pub user: Option<String>,
    pub password: Option<Secret>,
    pub database: Option<String>,
    pub sslmode: Option<String>,
    pub sslrootcert: Option<String>,
    /// libpq's password file: `PGPASSFILE`, else `~/.pgpass`.
    pub passfile: Option<PathBuf>,
    /// libpq's root certificate file when none is named: `~/.postgresql/root.crt`.
    pub default_root_cert: Option<PathBuf>,
}

impl PgEnv {
    pub fn from_process() -> PgEnv {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let home = home_dir();
        PgEnv {
            host: var("PGHOST"),
            port: var("PGPORT"),
            user: var("PGUSER"),
            password: var("PGPASSWORD").map(Secret::new),
            database: var("PGDATABASE"),
            sslmode: var("PGSSLMODE"),
            sslrootcert: var("PGSSLROOTCERT"),
            passfile: var("PGPASSFILE")
                .map(PathBuf::from)
                .or_else(|| home.as_ref().map(|home| home.join(".pgpass"))),
            default_root_cert: home.map(|home| home.join(".postgresql/root.crt")),
        }
    }

    /// True when the environment names a server on its own.
    pub fn names_a_server(&self) -> bool {
        self.host.is_some() || self.port.is_some() || self.database.is_some()
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
        let file = match read_password_file(path) {
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

/// libpq's `sslmode` and root certificates from the connection string's own (`mode`,
/// `named_root`) or else the environment's. As libpq: a root certificate file (named, or
/// `~/.postgresql/root.crt` when it exists) makes `require` check the chain as `verify-ca`
/// does, and `sslrootcert=system` means `verify-full`, refusing any weaker mode.
fn tls_settings(
    mode: Option<SslMode>,
    named_root: Option<PathBuf>,
    env: &PgEnv,
) -> Result<(SslMode, Option<RootCerts>)> {
    let mode = match mode {
        Some(mode) => Some(mode),
        None => env.sslmode.as_deref().map(SslMode::parse).transpose()?,
    };
    let named_root = named_root.or_else(|| env.sslrootcert.as_ref().map(PathBuf::from));
    if named_root.as_deref() == Some(std::path::Path::new("system")) {
        return match mode {
            None | Some(SslMode::VerifyFull) => Ok((SslMode::VerifyFull, Some(RootCerts::System))),
            Some(_) => Err(Error::Usage(
                "sslrootcert=system needs sslmode=verify-full (or no sslmode): anyone can get a certificate from a public CA for a host name of their own, so a weaker mode would check nothing"
                    .into(),
            )),
        };
    }
    let roots = match named_root {
        // Named, it must be there: unlike libpq, a missing file is not quietly skipped.
        Some(path) => Some(RootCerts::File(path)),
        None => env
            .default_root_cert
            .clone()
            .filter(|path| path.exists())
            .map(RootCerts::File),
    };
    Ok((mode.unwrap_or(SslMode::Prefer), roots))
}

/// The user's home folder, as libpq finds it: `HOME`, else the password database.
fn home_dir() -> Option<PathBuf> {
    match std::env::var_os("HOME").filter(|home| !home.is_empty()) {
        Some(home) => Some(PathBuf::from(home)),
        None => nix::unistd::User::from_uid(nix::unistd::getuid())
            .ok()
            .flatten()
            .map(|user| user.dir),
    }
}

/// The host when none is named anywhere: as libpq, a Unix socket in its usual folder, when
/// a server listens there on `port`; else `localhost` over TCP.
fn default_host(port: u16) -> String {
    pgpass::LIBPQ_SOCKET_DIRS
        .iter()
        .find(|dir| {
            std::path::Path::new(dir)
                .join(format!(".s.PGSQL.{port}"))
                .exists()
        })
        .map_or_else(|| "localhost".to_string(), |dir| dir.to_string())
}

/// The password file's text; None when there is none. An error says why a file that is
/// there was not read.
fn read_password_file(path: &std::path::Path) -> std::result::Result<Option<String>, String> {
    use std::os::unix::fs::PermissionsExt;
    let metadata = match std::fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("password file {} not read: {e}", path.display())),
    };
    if !metadata.is_file() {
        return Err(format!("password file {} is not a file", path.display()));
    }
    let mode = metadata.permissions().mode();
    if mode & 0o077 != 0 {
        return Err(format!(
            "password file {} not read: others may read it (mode {:o}); chmod 600 it, as libpq also requires",
            path.display(),
            mode & 0o777
        ));
    }
    std::fs::read_to_string(path)
        .map(Some)
        .map_err(|e| format!("password file {} not read: {e}", path.display()))
}

/// Pulls `sslmode` and `sslrootcert` out of a connection string, which the driver would
/// refuse (`verify-ca`, `verify-full`) or ignore.
fn take_tls_params(connection: &str) -> Result<(String, Option<SslMode>, Option<PathBuf>)> {
    let mut ssl_mode = None;
    let mut root_cert = None;
    let mut take = |key: &str, value: &str| -> Result<bool> {
        match key {
            "sslmode" => {
                ssl_mode = Some(SslMode::parse(value)?);
                Ok(true)
            }
            "sslrootcert" => {
                root_cert = Some(PathBuf::from(value));
                Ok(true)
            }
            _ => Ok(false),
        }
    };
    if connection.starts_with("postgres://") || connection.starts_with("postgresql://") {
        let Some((base, query)) = connection.split_once('?') else {
            return Ok((connection.to_string(), None, None));
        };
        let mut kept = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            if !take(key, &percent_decode(value))? {
                kept.push(pair);
            }
        }
        let rest = if kept.is_empty() {
            base.to_string()
        } else {
            format!("{base}?{}", kept.join("&"))
        };
        Ok((rest, ssl_mode, root_cert))
    } else {
        let mut kept = Vec::new();
        for (key, value, raw) in key_values(connection) {
            if !take(&key, &value)? {
                kept.push(raw);
            }
        }
        Ok((kept.join(" "), ssl_mode, root_cert))
    }
}

/// `key=value` pairs of a libpq string, with their raw text (values may be single-quoted).
fn key_values(text: &str) -> Vec<(String, String, String)> {
    let mut pairs = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let mut key = String::new();
        while let Some(&(_, c)) = chars.peek() {
            if c == '=' || c.is_whitespace() {
                break;
            }
            key.push(c);
            chars.next();
        }
        while chars.peek().is_some_and(|(_, c)| c.is_whitespace()) {
            chars.next();
        }
        let mut value = String::new();
        if chars.peek().is_some_and(|(_, c)| *c == '=') {
            chars.next();
            while chars.peek().is_some_and(|(_, c)| c.is_whitespace()) {
                chars.next();
            }
            if chars.peek().is_some_and(|(_, c)| *c == '\'') {
                chars.next();
                while let Some((_, c)) = chars.next() {
                    match c {
                        '\\' => {
                            if let Some((_, escaped)) = chars.next() {
                                value.push(escaped);
                            }
                        }
                        '\'' => break,
                        c => value.push(c),
                    }
                }
            } else {
                while let Some(&(_, c)) = chars.peek() {
                    if c.is_whitespace() {
                        break;
                    }
                    value.push(c);
                    chars.next();
                }
            }
        }
        let end = chars.peek().map_or(text.len(), |(i, _)| *i);
        pairs.push((key, value, text[start..end].to_string()));
    }
    pairs
}

fn percent_decode(value: &str) -> String {
    let hex = |b: u8| (b as char).to_digit(16);
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(high), Some(low)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((high * 16 + low) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn tls_config(mode: SslMode, root_cert: Option<&RootCerts>) -> Result<ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Usage(format!("TLS set-up failed: {e}")))?;
    // libpq's require checks the chain when it has a root certificate file.
    let mode = match (mode, root_cert) {
        (SslMode::Require, Some(RootCerts::File(_))) => SslMode::VerifyCa,
        (mode, _) => mode,
    };
    let config = match mode {
        SslMode::Disable | SslMode::Prefer | SslMode::Require => builder
            .dangerous()
            // libpq's prefer, and require without a root file, encrypt without checking
            // who answers.
            .with_custom_certificate_verifier(Arc::new(NoVerification(provider)))
            .with_no_client_auth(),
        SslMode::VerifyCa | SslMode::VerifyFull => {
            let roots = Arc::new(root_store(root_cert)?);
            let webpki = rustls::client::WebPkiServerVerifier::builder_with_provider(
                roots,
                provider.clone(),
            )
            .build()
            .map_err(|e| Error::Usage(format!("TLS set-up failed: {e}")))?;
            if mode == SslMode::VerifyFull {
                builder.with_webpki_verifier(webpki).with_no_client_auth()
            } else {
                builder
                    .dangerous()
                    .with_custom_certificate_verifier(Arc::new(ChainOnly(webpki)))
                    .with_no_client_auth()
            }
        }
    };
    Ok(config)
}

fn root_store(root_cert: Option<&RootCerts>) -> Result<RootCertStore> {
    let mut roots = RootCertStore::empty();
    match root_cert {
        Some(RootCerts::File(path)) => {
            use rustls::pki_types::pem::PemObject;
            let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
                .map_err(|e| Error::Usage(format!("sslrootcert {}: {e}", path.display())))?
                .collect::<Result<_, _>>()
                .map_err(|e| Error::Usage(format!("sslrootcert {}: {e}", path.display())))?;
            if certs.is_empty() {
                return Err(Error::Usage(format!(
                    "sslrootcert {} holds no PEM certificate",
                    path.display()
                )));
            }
            for cert in certs {
                roots
                    .add(cert)
                    .map_err(|e| Error::Usage(format!("sslrootcert {}: {e}", path.display())))?;
            }
        }
        Some(RootCerts::System) | None => {
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        }
    }
    Ok(roots)
}

/// `sslmode=prefer`, and `require` without a root certificate file: encrypted, but the
/// certificate is not checked (as libpq does).
#[derive(Debug)]
struct NoVerification(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for NoVerification {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// `sslmode=verify-ca` (and `require` with a root certificate file): the chain must lead to a
/// trusted root; the host name is not checked.
#[derive(Debug)]
struct ChainOnly(Arc<rustls::client::WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::NotValidForName
                | rustls::CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verify_modes_are_taken_out_of_urls() {
        let (rest, mode, root) = take_tls_params(
            "postgres://u:secret@db.example.com:6543/app?sslmode=verify-full&sslrootcert=%2Ftmp%2Fca.pem&application_name=x",
        )
        .unwrap();
        assert_eq!(
            rest,
            "postgres://u:secret@db.example.com:6543/app?application_name=x"
        );
        assert_eq!(mode, Some(SslMode::VerifyFull));
        assert_eq!(root, Some(PathBuf::from("/tmp/ca.pem")));
    }

    #[test]
    fn verify_modes_are_taken_out_of_key_values() {
        let (rest, mode, _) =
            take_tls_params("host=db port=5432 sslmode=verify-ca password='a b\\'c'").unwrap();
        assert_eq!(rest, "host=db port=5432 password='a b\\'c'");
        assert_eq!(mode, Some(SslMode::VerifyCa));
    }

    #[test]
    fn unknown_sslmode_is_refused() {
        assert!(take_tls_params("postgres://h/d?sslmode=sometimes").is_err());
    }

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
