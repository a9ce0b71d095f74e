//! How long a migration may wait for a table lock, and how it tries again when it waited
//! too long: the settings and the pauses, without a database.

use std::time::Duration;

/// A migration's lock wait when nothing says otherwise: long enough for a catalog change
/// behind a short transaction, short enough that the queries queued behind the migration's
/// lock request never wait long.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(5);

/// How many times a migration that timed out on a lock is tried again.
pub const DEFAULT_LOCK_RETRIES: u32 = 3;

/// The first pause before a try again; each next one doubles, up to [`LONGEST_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_millis(500);
const LONGEST_PAUSE: Duration = Duration::from_secs(8);

/// `lock_timeout`: a duration like `5s` or `300ms`; `0` or `off` for no limit.
pub fn parse_lock_timeout(given: &str) -> Result<Duration, String> {
    let given = given.trim();
    if given == "0" || given.eq_ignore_ascii_case("off") {
        return Ok(Duration::ZERO);
    }
    let timeout = humantime::parse_duration(given).map_err(|e| {
        format!("lock_timeout `{given}` is not a duration like 5s or 300ms (or `off`): {e}")
    })?;
    if timeout < Duration::from_millis(1) {
        return Err(format!(
            "lock_timeout `{given}` is under a millisecond; use `off` for no limit"
        ));
    }
    Ok(timeout)
}

/// `lock_timeout` as PostgreSQL reads it: whole milliseconds, `0ms` for no limit.
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
        assert_eq!(setting(Duration::from_millis(300)), "300ms");
        assert_eq!(setting(Duration::ZERO), "0ms");
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
