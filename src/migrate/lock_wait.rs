//! How long a migration may wait for a table lock, and how it tries again when it waited
//! too long: the settings and the pauses, without a database.

use std::time::Duration;

use super::model::{Script, TransactionMode};

/// A migration's lock wait when nothing says otherwise: long enough for a catalog change
/// behind a short transaction, short enough that the queries queued behind the migration's
/// lock request never wait long.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(5);

/// How many times a migration that timed out on a lock is tried again.
pub const DEFAULT_LOCK_RETRIES: u32 = 3;

/// The first pause before a try again; each next one doubles, up to [`LONGEST_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_millis(500);
const LONGEST_PAUSE: Duration = Duration::from_secs(8);

/// How the project bounds each migration's statements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepLimits {
    /// How long a statement may wait for a lock; zero for no limit.
    pub lock_timeout: Duration,
    /// How many times a migration that timed out on a lock is tried again.
    pub lock_retries: u32,
    /// How long a statement may run; `None` leaves the server's setting.
    pub statement_timeout: Option<Duration>,
}

impl Default for StepLimits {
    fn default() -> StepLimits {
        StepLimits {
            lock_timeout: DEFAULT_LOCK_TIMEOUT,
            lock_retries: DEFAULT_LOCK_RETRIES,
            statement_timeout: None,
        }
    }
}

/// The settings one script runs with, as PostgreSQL reads them; `None` leaves the
/// session's own.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ScriptSettings {
    pub lock_timeout: Option<String>,
    pub statement_timeout: Option<String>,
}

impl StepLimits {
    /// From the settings as given (flag or environment before dbward.toml for
    /// `lock_timeout`), each checked.
    pub fn resolve(
        lock_timeout: Option<&str>,
        lock_retries: Option<u32>,
        statement_timeout: Option<&str>,
    ) -> Result<StepLimits, String> {
        let defaults = StepLimits::default();
        Ok(StepLimits {
            lock_timeout: lock_timeout
                .map(parse_lock_timeout)
                .transpose()?
                .unwrap_or(defaults.lock_timeout),
            lock_retries: lock_retries.unwrap_or(defaults.lock_retries),
            statement_timeout: statement_timeout
                .map(|given| parse_timeout("statement_timeout", given))
                .transpose()?,
        })
    }

    /// What `script` runs with: its own directives, else, in a transaction, the project's
    /// settings. A no-transaction script gets only what it asks for itself: a `CREATE
    /// INDEX CONCURRENTLY` stopped by a timeout leaves an invalid index behind.
    pub fn for_script(&self, script: &Script) -> ScriptSettings {
        let own = script.timeouts;
        match script.mode {
            TransactionMode::Transaction => ScriptSettings {
                lock_timeout: Some(setting(own.lock.unwrap_or(self.lock_timeout))),
                statement_timeout: own.statement.or(self.statement_timeout).map(setting),
            },
            TransactionMode::NoTransaction => ScriptSettings {
                lock_timeout: own.lock.map(setting),
                statement_timeout: own.statement.map(setting),
            },
        }
    }
}

/// `lock_timeout`: a duration like `5s` or `300ms`; `0` or `off` for no limit.
pub fn parse_lock_timeout(given: &str) -> Result<Duration, String> {
    parse_timeout("lock_timeout", given)
}

/// A timeout setting named `setting` (`lock_timeout`, `statement_timeout`): a duration like
/// `5s` or `300ms`; `0` or `off` for no limit.
pub fn parse_timeout(setting: &str, given: &str) -> Result<Duration, String> {
    let given = given.trim();
    if given == "0" || given.eq_ignore_ascii_case("off") {
        return Ok(Duration::ZERO);
    }
    let timeout = humantime::parse_duration(given).map_err(|e| {
        format!("{setting} `{given}` is not a duration like 5s or 300ms (or `off`): {e}")
    })?;
    if timeout < Duration::from_millis(1) {
        return Err(format!(
            "{setting} `{given}` is under a millisecond; use `off` for no limit"
        ));
    }
    Ok(timeout)
}

/// A timeout as PostgreSQL reads it: whole milliseconds, `0ms` for no limit.
pub fn setting(timeout: Duration) -> String {
    format!("{}ms", timeout.as_millis())
}

/// The pause before try number `retry` (1 for the first try again): doubling from half a
/// second, capped, with `jitter` (0.0 to 1.0) taking up to half of it off, so that runners
/// that timed out together do not come back together.
pub fn pause(retry: u32, jitter: f64) -> Duration {
    let doubled = FIRST_PAUSE.saturating_mul(1 << retry.saturating_sub(1).min(16));
    let pause = doubled.min(LONGEST_PAUSE);
    pause.mul_f64(1.0 - jitter.clamp(0.0, 1.0) / 2.0)
}

/// A number from 0.0 to 1.0 that differs between runners and tries.
pub fn jitter() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    (hasher.finish() % 1_000_001) as f64 / 1_000_000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_timeout_is_a_duration_or_off() {
        assert_eq!(parse_lock_timeout("300ms"), Ok(Duration::from_millis(300)));
        assert_eq!(parse_lock_timeout("5s"), Ok(Duration::from_secs(5)));
        assert_eq!(parse_lock_timeout("off"), Ok(Duration::ZERO));
        assert_eq!(parse_lock_timeout("0"), Ok(Duration::ZERO));
        assert!(parse_lock_timeout("soon").is_err());
        assert!(parse_lock_timeout("10us").is_err());
        assert!(
            parse_timeout("statement_timeout", "soon")
                .unwrap_err()
                .starts_with("statement_timeout `soon` is not a duration like 5s")
        );
        assert_eq!(setting(Duration::from_millis(300)), "300ms");
        assert_eq!(setting(Duration::ZERO), "0ms");
    }

    #[test]
    fn a_script_s_directives_win_and_no_transaction_gets_only_its_own() {
        use crate::migrate::model::{Checksum, ScriptTimeouts};
        let script = |mode, lock: Option<u64>, statement: Option<u64>| {
            Script::new(
                "1.sql".into(),
                String::new(),
                Checksum::of_normalised(""),
                mode,
            )
            .with_timeouts(ScriptTimeouts {
                lock: lock.map(Duration::from_millis),
                statement: statement.map(Duration::from_millis),
            })
        };
        let settings = |lock: Option<&str>, statement: Option<&str>| ScriptSettings {
            lock_timeout: lock.map(str::to_string),
            statement_timeout: statement.map(str::to_string),
        };
        let project = StepLimits::default();
        let with_statement = StepLimits {
            statement_timeout: Some(Duration::from_secs(60)),
            ..project
        };
        let (tx, none) = (TransactionMode::Transaction, TransactionMode::NoTransaction);
        for (limits, script, expected) in [
            (
                project,
                script(tx, None, None),
                settings(Some("5000ms"), None),
            ),
            (
                with_statement,
                script(tx, None, None),
                settings(Some("5000ms"), Some("60000ms")),
            ),
            (
                with_statement,
                script(tx, Some(30_000), Some(0)),
                settings(Some("30000ms"), Some("0ms")),
            ),
            (
                project,
                script(tx, Some(0), None),
                settings(Some("0ms"), None),
            ),
            (
                with_statement,
                script(none, None, None),
                settings(None, None),
            ),
            (
                project,
                script(none, Some(1000), Some(2000)),
                settings(Some("1000ms"), Some("2000ms")),
            ),
        ] {
            assert_eq!(
                limits.for_script(&script),
                expected,
                "{limits:?} {:?}",
                script.timeouts
            );
        }
    }

    #[test]
    fn limits_resolve_from_the_settings_given() {
        assert_eq!(
            StepLimits::resolve(None, None, None),
            Ok(StepLimits::default())
        );
        assert_eq!(
            StepLimits::resolve(Some("off"), Some(0), Some("10min")),
            Ok(StepLimits {
                lock_timeout: Duration::ZERO,
                lock_retries: 0,
                statement_timeout: Some(Duration::from_secs(600)),
            })
        );
        assert!(
            StepLimits::resolve(None, None, Some("forever"))
                .unwrap_err()
                .starts_with("statement_timeout `forever`")
        );
    }

    #[test]
    fn pauses_double_up_to_a_cap_and_jitter_shortens_them() {
        assert_eq!(pause(1, 0.0), Duration::from_millis(500));
        assert_eq!(pause(2, 0.0), Duration::from_secs(1));
        assert_eq!(pause(3, 0.0), Duration::from_secs(2));
        assert_eq!(pause(10, 0.0), LONGEST_PAUSE);
        assert_eq!(pause(100, 0.0), LONGEST_PAUSE);
        assert_eq!(pause(1, 1.0), Duration::from_millis(250));
        let j = jitter();
        assert!((0.0..=1.0).contains(&j));
    }
}
