//! The `-- dbward:` directives of a script's leading comments, and the comments that were
//! meant as one: a misspelt directive passed over would run a file the wrong way.

use super::model::TransactionMode;

const PREFIX: &str = "dbward:";
const NO_TRANSACTION: &str = "no-transaction";

/// A leading comment that is not a directive dbward knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DirectiveProblem {
    /// `-- dbward:something-else`.
    Unknown { line: usize, directive: String },
    /// Almost a directive: `-- DBWARD:NO-TRANSACTION`, `-- dbwrad:no-transaction`,
    /// `-- no-transaction`.
    Misspelt { line: usize, written: String },
}

/// Reads the directives from the leading comment lines (those before the first statement).
pub fn read(sql: &str) -> Result<TransactionMode, DirectiveProblem> {
    let mut mode = TransactionMode::Transaction;
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
            Some(directive) => match directive.trim() {
                NO_TRANSACTION => mode = TransactionMode::NoTransaction,
                other => {
                    return Err(DirectiveProblem::Unknown {
                        line: index + 1,
                        directive: other.to_string(),
                    });
                }
            },
            None if is_near_miss(comment) => {
                return Err(DirectiveProblem::Misspelt {
                    line: index + 1,
                    written: comment.to_string(),
                });
            }
            None => {}
        }
    }
    Ok(mode)
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

    #[test]
    fn directives_come_from_leading_comments_only() {
        assert_eq!(
            read("-- dbward:no-transaction\ncreate index concurrently i on t(a);"),
            Ok(TransactionMode::NoTransaction)
        );
        assert_eq!(
            read("-- adds an index\n\n--   dbward:no-transaction\nselect 1;"),
            Ok(TransactionMode::NoTransaction)
        );
        assert_eq!(
            read("select 1;\n-- dbward:no-transaction\n"),
            Ok(TransactionMode::Transaction)
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
            assert_eq!(read(&sql), Ok(TransactionMode::Transaction), "{comment}");
        }
    }
}
