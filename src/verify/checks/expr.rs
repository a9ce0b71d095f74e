//! Reading policy predicates as `pg_get_expr` prints them. PostgreSQL normalises the text
//! (`( SELECT auth.uid() AS uid)` for a wrapped call), so plain text rules are reliable.

/// Calls that depend only on the request, so should be evaluated once per statement.
pub const REQUEST_FUNCTIONS: [&str; 5] = [
    "auth.uid()",
    "auth.jwt()",
    "auth.role()",
    "auth.email()",
    "current_setting(",
];

/// Request-function calls that are evaluated for every row (not wrapped in a sub-select).
pub fn per_row_calls(expr: &str) -> Vec<&'static str> {
    REQUEST_FUNCTIONS
        .iter()
        .copied()
        .filter(|call| {
            expr.match_indices(call).any(|(at, _)| {
                let before = expr[..at].trim_end();
                !before.ends_with("SELECT")
            })
        })
        .collect()
}

/// True when the predicate refers to who is asking.
pub fn mentions_current_user(expr: &str) -> bool {
    [
        "auth.uid()",
        "auth.jwt()",
        "auth.email()",
        "CURRENT_USER",
        "SESSION_USER",
        "current_setting(",
    ]
    .iter()
    .any(|needle| expr.contains(needle))
}

/// True when a predicate is the constant `true`.
pub fn is_always_true(expr: &str) -> bool {
    let trimmed = expr
        .trim()
        .trim_start_matches('(')
        .trim_end_matches(')')
        .trim();
    trimmed.eq_ignore_ascii_case("true")
}

/// True when the expression refers to a column by name (as `pg_get_expr` prints it,
/// unqualified or table-qualified, quoted when needed).
pub fn mentions_column(expr: &str, column: &str) -> bool {
    let quoted = format!("\"{column}\"");
    expr.match_indices(column).any(|(at, _)| {
        let before = expr[..at].chars().next_back();
        let after = expr[at + column.len()..].chars().next();
        let boundary = |c: Option<char>| c.is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        boundary(before) && boundary(after)
    }) || expr.contains(&quoted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapped_calls_are_not_per_row() {
        assert_eq!(per_row_calls("(user_id = auth.uid())"), vec!["auth.uid()"]);
        assert!(per_row_calls("(user_id = ( SELECT auth.uid() AS uid))").is_empty());
        assert_eq!(
            per_row_calls(
                "((( SELECT auth.uid() AS uid) = user_id) OR (auth.jwt() ->> 'role'::text) = 'admin'::text)"
            ),
            vec!["auth.jwt()"]
        );
    }

    #[test]
    fn constant_true_is_recognised() {
        assert!(is_always_true("true"));
        assert!(is_always_true("(true)"));
        assert!(!is_always_true("(user_id IS NOT NULL)"));
    }

    #[test]
    fn columns_are_matched_on_word_boundaries() {
        assert!(mentions_column("(user_hash IS NOT NULL)", "user_hash"));
        assert!(!mentions_column(
            "(other_user_hash IS NOT NULL)",
            "user_hash"
        ));
        assert!(mentions_column("(\"User\" = 1)", "User"));
    }
}
