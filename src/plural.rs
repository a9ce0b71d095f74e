//! Counts read as English: `1 query`, `2 queries`, `0 rows`.

use std::fmt::Display;

/// `n` and the word for that many: `one` for exactly 1, `many` otherwise.
pub fn count(n: impl Display, one: &str, many: &str) -> String {
    let n = n.to_string();
    let word = if n == "1" { one } else { many };
    format!("{n} {word}")
}

/// The word alone, for counts written apart from it.
pub fn word<'a>(n: impl Display, one: &'a str, many: &'a str) -> &'a str {
    if n.to_string() == "1" { one } else { many }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_singular_and_every_other_count_plural() {
        assert_eq!(count(1, "query", "queries"), "1 query");
        assert_eq!(count(2, "query", "queries"), "2 queries");
        assert_eq!(count(0_usize, "migration", "migrations"), "0 migrations");
        assert_eq!(count(1_i64, "row", "rows"), "1 row");
        assert_eq!(count(11_u64, "batch", "batches"), "11 batches");
        assert_eq!(word(1, "error", "errors"), "error");
        assert_eq!(word(19, "error", "errors"), "errors");
    }
}
