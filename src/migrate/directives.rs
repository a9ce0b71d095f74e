//! The `-- dbward:` directives of a script's leading comments, and the comments that were
//! meant as one: a misspelt directive passed over would run a file the wrong way.

use super::lock_wait;
use super::model::{ScriptTimeouts, TransactionMode};

const PREFIX: &str = "dbward:";
const NO_TRANSACTION: &str = "no-transaction";
const LOCK_TIMEOUT: &str = "lock-timeout";
const STATEMENT_TIMEOUT: &str = "statement-timeout";

/// The directives dbward knows, as written, for messages.
pub const KNOWN: &str = "`-- dbward:no-transaction`, `-- dbward:lock-timeout DURATION` and `-- dbward:statement-timeout DURATION`";

/// What a script's directives say about running it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Directives {
    pub mode: TransactionMode,
    pub timeouts: ScriptTimeouts,
}

/// A leading comment that is not a directive dbward knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DirectiveProblem {
    /// `-- dbward:something-else`.
    Unknown { line: usize, directive: String },
    /// Almost a directive: `-- DBWARD:NO-TRANSACTION`, `-- dbwrad:no-transaction`,
    /// `-- no-transaction`.
    Misspelt { line: usize, written: String },
    /// A known directive with a value it cannot take: `-- dbward:lock-timeout soon`.
    BadValue { line: usize, message: String },
}

/// Reads the directives from the leading comment lines (those before the first statement).
pub fn read(sql: &str) -> Result<Directives, DirectiveProblem> {
    let mut directives = Directives::default();
    for (index, line) in sql.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let Some(comment) = line.strip_prefix("--") else {
            break;
        };
        let comment = comment.trim();
        match comment.strip_prefix(PREFIX) {
            Some(directive) => read_one(directive.trim(), index + 1, &mut directives)?,
            None if is_near_miss(comment) => {
                return Err(DirectiveProblem::Misspelt {
                    line: index + 1,
                    written: comment.to_string(),
                });
            }
            None => {}
        }
    }
    Ok(directives)
}

/// One directive, `name` or `name value`, into `directives`.
fn read_one(
    directive: &str,
    line: usize,
    directives: &mut Directives,
) -> Result<(), DirectiveProblem> {
    let (name, value) = match directive.split_once(char::is_whitespace) {
        Some((name, value)) => (name, Some(value.trim())),
        None => (directive, None),
    };
    let timeout = |setting: &str| match value {
        Some(value) => lock_wait::parse_timeout(setting, value)
            .map(Some)
            .map_err(|message| DirectiveProblem::BadValue { line, message }),
        None => Err(DirectiveProblem::BadValue {
            line,
            message: format!(
                "`-- dbward:{name}` needs a duration, like `-- dbward:{name} 30s` (or `off`)"
            ),
        }),
    };
    match (name, value) {
        (NO_TRANSACTION, None) => directives.mode = TransactionMode::NoTransaction,
        (NO_TRANSACTION, Some(_)) => {
            return Err(DirectiveProblem::BadValue {
                line,
                message: format!("`-- dbward:{NO_TRANSACTION}` takes no value"),
            });
        }
        (LOCK_TIMEOUT, _) => directives.timeouts.lock = timeout("lock_timeout")?,
        (STATEMENT_TIMEOUT, _) => directives.timeouts.statement = timeout("statement_timeout")?,
        _ => {
            return Err(DirectiveProblem::Unknown {
                line,
                directive: directive.to_string(),
            });
        }
    }
    Ok(())
}

/// A comment that reads as a directive with a slip: the prefix in another case or one
/// edit away (a swap of two letters counts as one), followed by one word; or the
/// directive's name alone. Prose (`-- Edward: please review`) has spaces after the colon.
fn is_near_miss(comment: &str) -> bool {
    let lower = comment.to_ascii_lowercase();
    if lower.trim_start_matches(['-', ' ']) == NO_TRANSACTION {
        return true;
    }
    let Some((prefix, rest)) = lower.split_once(':') else {
        return false;
    };
    let prefix = prefix.trim();
    let rest = rest.trim();
    if prefix == "dbward" {
        return true;
    }
    let one_word = !rest.is_empty()
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    one_word && prefix.len() >= 4 && strsim::osa_distance(prefix, "dbward") <= 2
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn no_transaction() -> Directives {
        Directives {
            mode: TransactionMode::NoTransaction,
            ..Directives::default()
        }
    }

    #[test]
    fn timeouts_are_read_with_their_durations() {
        let read_timeouts = |sql: &str| read(sql).map(|d| d.timeouts);
        assert_eq!(
            read_timeouts(
                "-- dbward:lock-timeout 30s\n-- dbward:statement-timeout 10min\nalter table t add c int;"
            ),
            Ok(ScriptTimeouts {
                lock: Some(Duration::from_secs(30)),
                statement: Some(Duration::from_secs(600)),
            })
        );
        assert_eq!(
            read_timeouts("-- dbward:lock-timeout off\nselect 1;"),
            Ok(ScriptTimeouts {
                lock: Some(Duration::ZERO),
                statement: None,
            })
        );
        let both =
            read("-- dbward:no-transaction\n-- dbward:statement-timeout 2h\nselect 1;").unwrap();
        assert_eq!(both.mode, TransactionMode::NoTransaction);
        assert_eq!(both.timeouts.statement, Some(Duration::from_secs(7200)));
    }

    #[test]
    fn bad_values_are_named_with_their_line() {
        let problem = |sql: &str| match read(sql) {
            Err(DirectiveProblem::BadValue { line, message }) => (line, message),
            other => panic!("{sql}: {other:?}"),
        };
        let (line, message) = problem("-- fast\n-- dbward:lock-timeout soon\nselect 1;");
        assert_eq!(line, 2);
        assert!(
            message.starts_with("lock_timeout `soon` is not a duration like 5s"),
            "{message}"
        );
        assert_eq!(
            problem("-- dbward:statement-timeout\n"),
            (1, "`-- dbward:statement-timeout` needs a duration, like `-- dbward:statement-timeout 30s` (or `off`)".to_string())
        );
        assert_eq!(
            problem("-- dbward:no-transaction yes\n"),
            (1, "`-- dbward:no-transaction` takes no value".to_string())
        );
        assert_eq!(
            read("-- dbward:lock_timeout 5s\n"),
            Err(DirectiveProblem::Unknown {
                line: 1,
                directive: "lock_timeout 5s".to_string()
            })
        );
    }

    #[test]
    fn directives_come_from_leading_comments_only() {
        assert_eq!(
            read("-- dbward:no-transaction\ncreate index concurrently i on t(a);"),
            Ok(no_transaction())
        );
        assert_eq!(
            read("-- adds an index\n\n--   dbward:no-transaction\nselect 1;"),
            Ok(no_transaction())
        );
        assert_eq!(
            read("select 1;\n-- dbward:no-transaction\n"),
            Ok(Directives::default())
        );
        assert_eq!(
            read("-- note\n-- dbward:no-transactoin\n"),
            Err(DirectiveProblem::Unknown {
                line: 2,
                directive: "no-transactoin".to_string()
            })
        );
    }

    #[test]
    fn near_misses_are_named() {
        for (comment, line) in [
            ("-- DBWARD:NO-TRANSACTION", 1),
            ("-- Dbward: no-transaction", 1),
            ("-- dbwrad:no-transaction", 1),
            ("-- dbwar:no-transaction", 1),
            ("-- db-ward:no-transaction", 1),
            ("-- dbward :no-transaction", 1),
            ("-- no-transaction", 1),
            ("---- NO-TRANSACTION", 1),
        ] {
            let sql = format!("{comment}\nselect 1;");
            assert_eq!(
                read(&sql),
                Err(DirectiveProblem::Misspelt {
                    line,
                    written: comment.strip_prefix("--").unwrap().trim().to_string()
                }),
                "{comment}"
            );
        }
    }

    #[test]
    fn prose_is_not_a_directive() {
        for comment in [
            "-- Edward: please review before merging",
            "-- onward: more tables",
            "-- TODO: index later",
            "-- note: runs in a transaction",
            "-- this file needs no transaction",
            "-- see https://example.com/dbward",
        ] {
            let sql = format!("{comment}\nselect 1;");
            assert_eq!(read(&sql), Ok(Directives::default()), "{comment}");
        }
    }
}
