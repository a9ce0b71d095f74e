//! The migration model: what a project's files say and what a database remembers.

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;
use sha2::{Digest, Sha256};

/// A migration's version: the key the database orders and stores it by, and how to show it
/// as its file wrote it (`00000000000001`, `1.1`). Two versions are the same when their keys
/// are, whatever their width: `001` and `1` are one version.
#[derive(Debug, Clone, Copy)]
pub struct Version {
    key: u64,
    /// Digits to pad a plain number to; 0 when the width is not known (a history row).
    width: u8,
}

/// Keys at or above this hold a dotted version (Flyway's `1.1`, `2_3`), encoded so that
/// their order as numbers is Flyway's order of versions; plain numbers stay below it.
const DOTTED: u64 = 1 << 62;

impl Version {
    /// The largest plain number a version may be.
    pub const MAX_NUMBER: u64 = DOTTED - 1;

    /// A plain number, shown without padding. Numbers above [`Version::MAX_NUMBER`] are
    /// refused when files are read.
    pub const fn new(number: u64) -> Version {
        Version {
            key: number,
            width: 0,
        }
    }

    /// A plain number as a file wrote it, `width` digits wide.
    pub fn padded(number: u64, width: usize) -> Version {
        Version {
            key: number,
            width: u8::try_from(width).unwrap_or(u8::MAX),
        }
    }

    /// A version of several numbers (`1.2.3`), compared part by part as Flyway does, trailing
    /// zeros ignored (`1.0` is `1`). `None` when it cannot be encoded in a key.
    pub fn dotted(parts: &[u64]) -> Option<Version> {
        let parts = match parts.iter().rposition(|p| *p != 0) {
            Some(last) => &parts[..=last],
            None => &parts[..1.min(parts.len())],
        };
        // Each part: a 1 bit (another part follows), 6 bits of bit length, then the bits
        // below the leading one. A sequence that is a prefix of another ends in 0 bits, so
        // it sorts first, and within a part a shorter number sorts first.
        let mut code: u128 = 0;
        let mut bits = 0u32;
        for &part in parts {
            let length = u64::BITS - part.leading_zeros();
            let rest = length.saturating_sub(1);
            code = (code << 1 | 1) << 6 | u128::from(length);
            code = code << rest | u128::from(part) & ((1u128 << rest) - 1);
            bits += 7 + rest;
            if bits > 62 {
                return None;
            }
        }
        Some(Version {
            key: DOTTED | (code << (62 - bits)) as u64,
            width: 0,
        })
    }

    /// The version a database key stands for, shown without padding.
    pub fn from_key(key: i64) -> Version {
        Version::new(key as u64)
    }

    /// The key versions are ordered by: the same as [`Version::as_i64`].
    pub fn key(self) -> u64 {
        self.key
    }

    /// The key ordered and stored in the database: never above `i64::MAX`.
    pub fn as_i64(self) -> i64 {
        self.key as i64
    }

    /// The parts of a dotted version, or the one number of a plain one.
    pub fn parts(self) -> Vec<u64> {
        if self.key < DOTTED {
            return vec![self.key];
        }
        let mut code = self.key & (DOTTED - 1);
        let mut bits = 62u32;
        let mut parts = Vec::new();
        let take = |code: &mut u64, bits: &mut u32, n: u32| -> u64 {
            let value = if n == 0 {
                0
            } else {
                (*code >> (*bits - n)) & ((1u64 << n) - 1)
            };
            *bits -= n;
            value
        };
        while bits >= 7 && take(&mut code, &mut bits, 1) == 1 {
            let length = take(&mut code, &mut bits, 6) as u32;
            let rest = length.saturating_sub(1);
            let low = take(&mut code, &mut bits, rest);
            parts.push(if length == 0 { 0 } else { 1 << rest | low });
        }
        parts
    }

    /// Whether this is a plain number (not a dotted version).
    pub fn is_number(self) -> bool {
        self.key < DOTTED
    }

    /// The plain number, when it is one.
    pub fn number(self) -> Option<u64> {
        self.is_number().then_some(self.key)
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl Eq for Version {}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key.cmp(&other.key)
    }
}

impl std::hash::Hash for Version {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.key.hash(state);
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_number() {
            return write!(f, "{:0width$}", self.key, width = usize::from(self.width));
        }
        let parts: Vec<String> = self.parts().iter().map(u64::to_string).collect();
        f.write_str(&parts.join("."))
    }
}

impl Serialize for Version {
    /// A plain number as a JSON number, as before; a dotted one as its text.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.number() {
            Some(n) => s.serialize_u64(n),
            None => s.serialize_str(&self.to_string()),
        }
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

/// The waits a script's directives set for itself; `None` where the project's setting
/// holds, `Some(ZERO)` for no limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ScriptTimeouts {
    /// How long a statement may wait for a lock (`lock_timeout`).
    pub lock: Option<std::time::Duration>,
    /// How long a statement may run (`statement_timeout`).
    pub statement: Option<std::time::Duration>,
}

/// One SQL file as read from disk.
#[derive(Debug, Clone)]
pub struct Script {
    pub path: PathBuf,
    /// The text with BOM removed and CRLF turned into LF: what is checksummed and sent.
    pub sql: String,
    pub checksum: Checksum,
    pub mode: TransactionMode,
    /// Its own `-- dbward:lock-timeout` and `-- dbward:statement-timeout`, if any.
    pub timeouts: ScriptTimeouts,
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
            timeouts: ScriptTimeouts::default(),
            lexed: std::sync::OnceLock::new(),
        }
    }

    /// The script with its own timeouts, from its directives.
    pub fn with_timeouts(mut self, timeouts: ScriptTimeouts) -> Script {
        self.timeouts = timeouts;
        self
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
    fn dotted_versions_sort_as_flyway_sorts_them() {
        let v = |parts: &[u64]| Version::dotted(parts).unwrap();
        let ordered = [
            v(&[0]),
            v(&[1]),
            v(&[1, 0, 1]),
            v(&[1, 1]),
            v(&[1, 2]),
            v(&[1, 9]),
            v(&[1, 10]),
            v(&[2]),
            v(&[2, 0, 0, 1]),
            v(&[10]),
            v(&[2023, 5, 1, 1200]),
            v(&[20240101120000]),
        ];
        for pair in ordered.windows(2) {
            assert!(pair[0] < pair[1], "{} < {}", pair[0], pair[1]);
        }
        assert_eq!(v(&[1, 0]), v(&[1]));
        for version in ordered {
            assert!(!version.is_number());
            assert!(version.as_i64() > 0);
            assert_eq!(Version::dotted(&version.parts()), Some(version));
        }
        assert_eq!(v(&[1, 10, 3]).to_string(), "1.10.3");
        assert_eq!(v(&[7, 0]).to_string(), "7");
        assert_eq!(v(&[0]).to_string(), "0");
        assert_eq!(Version::dotted(&[20240101120000, 20240101120000]), None);
    }

    #[test]
    fn numbers_show_as_written_and_compare_by_value() {
        assert_eq!(Version::padded(1, 14).to_string(), "00000000000001");
        assert_eq!(Version::new(1).to_string(), "1");
        assert_eq!(Version::padded(1, 3), Version::new(1));
        assert!(Version::new(Version::MAX_NUMBER) < Version::dotted(&[0]).unwrap());
        assert_eq!(
            serde_json::to_string(&[Version::padded(7, 3), Version::dotted(&[1, 2]).unwrap()])
                .unwrap(),
            r#"[7,"1.2"]"#
        );
    }

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
