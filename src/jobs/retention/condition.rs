//! A retention job's `where`: exactly one SQL expression, so that `AND (where)` cannot reach
//! past its parentheses.

/// Longest `where` condition read: a condition is a line or two; a bound keeps the parser's
/// recursion far from the stack's end.
const CONDITION_MAX_BYTES: usize = 4096;
/// Deepest nesting of parentheses and brackets in a `where` condition, for the same reason.
const CONDITION_MAX_DEPTH: usize = 32;

/// Checks that `text` is exactly one SQL expression, so that `AND (text)` cannot reach past
/// its parentheses: no comment, semicolon or parameter, every quote closed, parentheses
/// balanced, and squawk's parser reading `SELECT 1 WHERE text` with `text` as the whole WHERE.
pub fn check_condition(text: &str) -> std::result::Result<(), String> {
    use squawk_lexer::{LiteralKind, TokenKind};
    use squawk_syntax::SourceFile;
    use squawk_syntax::ast::{AstNode, Stmt};

    let text = text.trim();
    if text.is_empty() {
        return Err("`where` is empty; leave it out to remove every expired row".into());
    }
    if text.len() > CONDITION_MAX_BYTES {
        return Err(format!(
            "`where` is longer than {CONDITION_MAX_BYTES} bytes; put the logic in a function or a view"
        ));
    }
    if text.contains('\0') {
        return Err("`where` holds a NUL byte, which PostgreSQL does not take".into());
    }
    let mut depth = 0usize;
    for token in squawk_lexer::tokenize(text) {
        let refused = match token.kind {
            TokenKind::LineComment | TokenKind::BlockComment { .. } => Some("a comment"),
            TokenKind::Semi => Some("a semicolon"),
            TokenKind::PositionalParam { .. } => Some("a parameter ($n)"),
            TokenKind::QuotedIdent {
                terminated: false, ..
            } => Some("an unclosed quoted name"),
            TokenKind::Literal { kind } => match kind {
                LiteralKind::Str { terminated }
                | LiteralKind::NationalStr { terminated }
                | LiteralKind::ByteStr { terminated }
                | LiteralKind::BitStr { terminated }
                | LiteralKind::DollarQuotedString { terminated }
                | LiteralKind::UnicodeEscStr { terminated }
                | LiteralKind::EscStr { terminated }
                    if !terminated =>
                {
                    Some("an unclosed string")
                }
                _ => None,
            },
            TokenKind::OpenParen | TokenKind::OpenBracket => {
                depth += 1;
                (depth > CONDITION_MAX_DEPTH).then_some("parentheses nested too deeply")
            }
            TokenKind::CloseParen | TokenKind::CloseBracket => match depth.checked_sub(1) {
                Some(d) => {
                    depth = d;
                    None
                }
                None => Some("a closing parenthesis without its opening one"),
            },
            TokenKind::Unknown => Some("a character SQL does not use"),
            _ => None,
        };
        if let Some(what) = refused {
            return Err(format!(
                "`where` must be one SQL expression, and `{text}` holds {what}"
            ));
        }
    }
    if depth != 0 {
        return Err(format!(
            "`where` must be one SQL expression, and `{text}` leaves a parenthesis open"
        ));
    }
    let prefix = "SELECT 1 WHERE ";
    let sql = format!("{prefix}{text}");
    let parse = SourceFile::parse(&sql);
    let not_one_expression = || format!("`where` must be one SQL expression, and `{text}` is not");
    if let Some(error) = parse.errors().first() {
        return Err(format!(
            "`where` must be one SQL expression, and `{text}` does not parse: {}",
            error.message()
        ));
    }
    let stmts: Vec<Stmt> = parse.tree().stmts().collect();
    let [Stmt::Select(select)] = stmts.as_slice() else {
        return Err(not_one_expression());
    };
    let expression = select
        .where_clause()
        .and_then(|w| w.expr())
        .ok_or_else(not_one_expression)?;
    let range = expression.syntax().text_range();
    let whole = usize::from(range.start()) == prefix.len() && usize::from(range.end()) == sql.len();
    // Anything after the expression (ORDER BY, LIMIT, FOR UPDATE, UNION ...) is not a condition.
    let only_where = select.syntax().text_range().end() == range.end()
        && select.select_clause().is_some()
        && select.from_clause().is_none();
    if !whole || !only_where {
        return Err(not_one_expression());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_condition_is_exactly_one_expression() {
        for accepted in [
            "read",
            "status = 'processed'",
            "status IN ('a', 'b') AND NOT pinned",
            "(kind = 'x') OR (kind = 'y')",
            "note <> 'it''s; -- not a comment'",
            "payload ->> 'kind' = 'click' AND tags @> ARRAY['old']",
            "coalesce(archived_at, created_at) < now() - interval '1 day'",
            "id NOT IN (SELECT id FROM public.keep)",
            "EXISTS (SELECT 1 FROM public.holds h WHERE h.id = id)",
            "$$a$$ = name",
        ] {
            assert_eq!(check_condition(accepted), Ok(()), "{accepted}");
        }
        for (refused, why) in [
            ("false) OR (true", "closing parenthesis"),
            ("(true", "parenthesis open"),
            ("true; DELETE FROM users", "semicolon"),
            ("true -- and the rest", "comment"),
            ("true /* x */", "comment"),
            ("read = 'x", "unclosed string"),
            ("\"read", "unclosed quoted name"),
            ("id = $1", "parameter"),
            ("true UNION SELECT 1", "is not"),
            ("true ORDER BY 1", "is not"),
            ("true LIMIT 1", "is not"),
            ("true FOR UPDATE", "is not"),
            ("true GROUP BY 1", "is not"),
            ("true) UNION (SELECT 1", "closing parenthesis"),
            ("", "empty"),
            ("   ", "empty"),
            ("status =", "does not parse"),
            ("read = '\0'", "NUL byte"),
            ("read \0", "NUL byte"),
            ("()", "does not parse"),
        ] {
            let err = check_condition(refused).expect_err(refused);
            assert!(err.contains(why), "{refused}: {err}");
        }
        let deep = format!("{}true{}", "(".repeat(1000), ")".repeat(1000));
        assert!(
            check_condition(&deep)
                .unwrap_err()
                .contains("nested too deeply")
        );
        let long = vec!["NOT"; 2000].join(" ") + " true";
        assert!(check_condition(&long).unwrap_err().contains("longer than"));
        // The longest condition read is no trouble for the parser.
        let nots = vec!["NOT"; 1020].join(" ") + " true";
        assert_eq!(check_condition(&nots), Ok(()));
        let sum = vec!["1"; 2040].join("+") + " = 2";
        assert_eq!(check_condition(&sum), Ok(()));
    }
}
