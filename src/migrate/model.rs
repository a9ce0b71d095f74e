//! The migration model: what a project's files say and what a database remembers.

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;
use sha2::{Digest, Sha256};

/// A migration number. Any width on disk (`001` and `1` are the same version).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Version(pub u64);

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl Version {
    /// The value as PostgreSQL's `bigint`. Versions above `i64::MAX` are refused when files
    /// are read, so this never wraps.
    pub fn as_i64(self) -> i64 {
        self.0 as i64
    }
}

/// SHA-256 of a script, normalised so that a Windows checkout does not look like an edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Checksum(pub [u8; 32]);

impl Checksum {
    pub fn of(text: &str) -> Checksum {
        Checksum::of_normalised(&normalise(text))
    }

    /// For text already passed through [`normalise`].
    pub fn of_normalised(text: &str) -> Checksum {
        Checksum(Sha256::digest(text.as_bytes()).into())
    }

    pub fn to_hex(self) -> String {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut hex = String::with_capacity(64);
        for byte in self.0 {
            hex.push(DIGITS[usize::from(byte >> 4)] as char);
            hex.push(DIGITS[usize::from(byte & 0xf)] as char);
        }
        hex
    }

    /// Exactly 64 hex digits, either case; `status` decodes one per applied migration.
    pub fn from_hex(hex: &str) -> Option<Checksum> {
        fn digit(c: u8) -> Option<u8> {
            match c {
                b'0'..=b'9' => Some(c - b'0'),
                b'a'..=b'f' => Some(c - b'a' + 10),
                b'A'..=b'F' => Some(c - b'A' + 10),
                _ => None,
            }
        }
        let hex = hex.as_bytes();
        if hex.len() != 64 {
            return None;
        }
        let mut bytes = [0u8; 32];
        for (byte, pair) in bytes.iter_mut().zip(hex.chunks_exact(2)) {
            *byte = digit(pair[0])? << 4 | digit(pair[1])?;
        }
        Some(Checksum(bytes))
    }

    /// The first 12 hex digits, enough for people to compare by eye.
    pub fn short(self) -> String {
        self.to_hex()[..12].to_string()
    }
}

impl fmt::Display for Checksum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl Serialize for Checksum {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

/// Drops a leading byte-order mark and turns CRLF into LF (copying only when it must).
pub fn normalise(text: &str) -> std::borrow::Cow<'_, str> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.contains("\r\n") {
        std::borrow::Cow::Owned(text.replace("\r\n", "\n"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// How a script must be run, from its leading `-- dbward:` directives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TransactionMode {
    /// The whole file and its history row commit together.
    #[default]
    Transaction,
    /// Statement by statement outside a transaction (`CREATE INDEX CONCURRENTLY`).
    NoTransaction,
}

/// One SQL file as read from disk.
#[derive(Debug, Clone)]
pub struct Script {
    pub path: PathBuf,
    /// The text with BOM removed and CRLF turned into LF: what is checksummed and sent.
    pub sql: String,
    pub checksum: Checksum,
    pub mode: TransactionMode,
    /// Lexed on first use: `status` never needs it.
    lexed: std::sync::OnceLock<super::statements::Scan>,
}

impl Script {
    pub fn new(path: PathBuf, sql: String, checksum: Checksum, mode: TransactionMode) -> Script {
        Script {
            path,
            sql,
            checksum,
            mode,
            lexed: std::sync::OnceLock::new(),
        }
    }

    /// What one pass of the lexer says about the text, made once.
    pub fn scan(&self) -> &super::statements::Scan {
        self.lexed
            .get_or_init(|| super::statements::scan(&self.sql))
    }

    /// False when the file holds nothing but white space and comments.
    pub fn has_statements(&self) -> bool {
        self.scan().has_statements
    }

    pub fn file_name(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }
}

/// A forward migration and, when it has one, its rollback.
#[derive(Debug, Clone)]
pub struct Migration {
    pub version: Version,
    pub name: String,
    pub up: Script,
    /// The rollback file, when there is one.
    pub rollback_path: Option<PathBuf>,
    /// The rollback itself; not read when the files were loaded only to show `status`.
    pub down: Option<Script>,
}

impl Migration {
    pub fn is_reversible(&self) -> bool {
        self.rollback_path.is_some()
    }
}

/// Which way a migration step goes: its forward script or its rollback.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Up,
    Down,
}

/// Whether an applied migration finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Succeeded,
    /// A no-transaction migration that started and never finished: it blocks `up`.
    Failed,
    /// A no-transaction migration that started and whose runner is still at work: stored
    /// as `Failed`, and read as this while that runner holds the migration's applying lock.
    Applying,
}

/// One row of `dbward.schema_history`.
#[derive(Debug, Clone, Serialize)]
pub struct Applied {
    pub version: Version,
    pub name: String,
    pub checksum: Option<Checksum>,
    pub rollback_checksum: Option<Checksum>,
    /// RFC 3339, UTC.
    pub applied_at: String,
    pub applied_by: String,
    pub execution_ms: i64,
    pub outcome: Outcome,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_ignores_bom_and_crlf() {
        let unix = Checksum::of("create table t (id int);\nselect 1;\n");
        let windows = Checksum::of("\u{feff}create table t (id int);\r\nselect 1;\r\n");
        assert_eq!(unix, windows);
        assert_ne!(
            unix,
            Checksum::of("create table t (id bigint);\nselect 1;\n")
        );
    }

    #[test]
    fn checksum_is_sha256_of_the_normalised_text() {
        // sha256("") is a well-known constant.
        assert_eq!(
            Checksum::of("").to_hex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn checksum_hex_round_trips() {
        let c = Checksum::of("select 1");
        assert_eq!(Checksum::from_hex(&c.to_hex()), Some(c));
        assert_eq!(Checksum::from_hex("zz"), None);
        assert_eq!(Checksum::from_hex(&"g".repeat(64)), None);
        assert_eq!(
            Checksum::from_hex(&c.to_hex().to_uppercase()),
            Some(c),
            "upper-case digits are the same checksum"
        );
        // A sign is not a digit, though `from_str_radix` would take "+f" as 15.
        assert_eq!(Checksum::from_hex(&"+f".repeat(32)), None);
        assert_eq!(
            Checksum::from_hex(&"é".repeat(32)),
            None,
            "64 bytes, not ASCII"
        );
    }
}
