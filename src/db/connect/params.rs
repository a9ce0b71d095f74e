//! What libpq would take from a connection string and from its environment, read without
//! touching the network: the `sslmode` and `sslrootcert` the driver does not know, the
//! environment variables, and the defaults libpq falls back on.

use std::path::PathBuf;

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
    pub(super) fn parse(value: &str) -> Result<SslMode> {
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

/// The folders a libpq build keeps its Unix sockets in, by platform: where a host named
/// nowhere is looked for, and the hosts the file calls `localhost`.
pub(super) const LIBPQ_SOCKET_DIRS: [&str; 3] = ["/var/run/postgresql", "/run/postgresql", "/tmp"];

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
pub(super) fn default_host(port: u16) -> String {
    LIBPQ_SOCKET_DIRS
        .iter()
        .find(|dir| {
            std::path::Path::new(dir)
                .join(format!(".s.PGSQL.{port}"))
                .exists()
        })
        .map_or_else(|| "localhost".to_string(), |dir| dir.to_string())
}

/// Pulls `sslmode` and `sslrootcert` out of a connection string, which the driver would
/// refuse (`verify-ca`, `verify-full`) or ignore.
pub(super) fn take_tls_params(
    connection: &str,
) -> Result<(String, Option<SslMode>, Option<PathBuf>)> {
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
}
