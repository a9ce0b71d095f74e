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

/// The top-level OR branches of a predicate, as `pg_get_expr` prints it (`((a) OR (b))`),
/// nested ORs flattened; parentheses and quoted text are respected. One branch when there
/// is no OR.
pub fn disjuncts(expr: &str) -> Vec<&str> {
    let expr = strip_parens(expr.trim());
    let mut parts = Vec::new();
    let (mut depth, mut quoted, mut start) = (0i32, None::<char>, 0);
    let bytes = expr.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i] as char;
        match quoted {
            Some(q) if c == q => quoted = None,
            Some(_) => {}
            None => match c {
                '\'' | '"' => quoted = Some(c),
                '(' => depth += 1,
                ')' => depth -= 1,
                ' ' if depth == 0 && expr[i..].starts_with(" OR ") => {
                    parts.push(&expr[start..i]);
                    i += 4;
                    start = i;
                    continue;
                }
                _ => {}
            },
        }
        i += 1;
    }
    if parts.is_empty() {
        return vec![expr];
    }
    parts.push(&expr[start..]);
    parts.into_iter().flat_map(disjuncts).collect()
}

/// `(x)` without its parentheses when they enclose all of it.
fn strip_parens(expr: &str) -> &str {
    let Some(inner) = expr.strip_prefix('(').and_then(|e| e.strip_suffix(')')) else {
        return expr;
    };
    let mut depth = 0i32;
    let mut quoted = None::<char>;
    for c in inner.chars() {
        match quoted {
            Some(q) if c == q => quoted = None,
            Some(_) => {}
            None => match c {
                '\'' | '"' => quoted = Some(c),
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    // `(a) AND (b)`: the first `(` closes early, so it does not enclose all.
                    if depth < 0 {
                        return expr;
                    }
                }
                _ => {}
            },
        }
    }
    strip_parens(inner.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn predicates_split_on_their_top_level_ors() {
        assert_eq!(
            disjuncts("((is_public = true) OR (user_id = ( SELECT auth.uid() AS uid)))"),
            vec!["is_public = true", "user_id = ( SELECT auth.uid() AS uid)"]
        );
        assert_eq!(
            disjuncts("(((a = 1) OR (b = 2)) OR (c = 3))"),
            vec!["a = 1", "b = 2", "c = 3"]
        );
        assert_eq!(
            disjuncts("((a = 1) AND ((b = 2) OR (c = 3)))"),
            vec!["(a = 1) AND ((b = 2) OR (c = 3))"]
        );
        assert_eq!(
            disjuncts("(name = ' OR '::text)"),
            vec!["name = ' OR '::text"]
        );
        assert_eq!(disjuncts("true"), vec!["true"]);
        assert_eq!(disjuncts("(a) AND (b)"), vec!["(a) AND (b)"]);
    }

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
