//! Literals and names in generated SQL. The model's names are already quoted SQL; literals
//! (comment text, enum labels, options) are quoted here. `standard_conforming_strings` is
//! assumed on, so a backslash is an ordinary character.

/// A string literal: `it's` becomes `'it''s'`.
pub fn quote_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// Splits a qualified name as the model writes it (`public."My.Type"`) into its schema and
/// its own name, both still quoted; `None` when it has no unquoted dot.
pub fn split_qualified(name: &str) -> Option<(&str, &str)> {
    let mut quoted = false;
    for (i, c) in name.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '.' if !quoted => return Some((&name[..i], &name[i + 1..])),
            _ => {}
        }
    }
    None
}

/// The identifier an already quoted name stands for: `"My""T"` is `My"T`, `users` is `users`.
pub fn unquote(name: &str) -> String {
    match name.strip_prefix('"').and_then(|n| n.strip_suffix('"')) {
        Some(inner) => inner.replace("\"\"", "\""),
        None => name.to_string(),
    }
}

/// A name as PostgreSQL's `quote_ident` writes it, keywords aside: bare when it is lower
/// case letters, digits and `_` (not first a digit), else quoted.
pub fn quote_name(name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if plain {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// A definition as the catalog prints it, ended with exactly one `;`.
pub fn statement(definition: &str) -> String {
    let trimmed = definition.trim().trim_end_matches(';').trim_end();
    format!("{trimmed};")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_double_their_quotes() {
        assert_eq!(quote_literal("it's"), "'it''s'");
        assert_eq!(quote_literal("a\\b"), "'a\\b'");
        assert_eq!(quote_literal(""), "''");
    }

    #[test]
    fn qualified_names_split_at_the_first_unquoted_dot() {
        assert_eq!(split_qualified("public.users"), Some(("public", "users")));
        assert_eq!(
            split_qualified("\"a.b\".\"c.d\""),
            Some(("\"a.b\"", "\"c.d\""))
        );
        assert_eq!(split_qualified("pgcrypto"), None);
    }

    #[test]
    fn quoted_names_unquote() {
        assert_eq!(unquote("\"My\"\"T\""), "My\"T");
        assert_eq!(unquote("users"), "users");
    }

    #[test]
    fn definitions_end_with_one_semicolon() {
        assert_eq!(statement(" SELECT 1;\n"), "SELECT 1;");
        assert_eq!(
            statement("CREATE INDEX i ON t (a)"),
            "CREATE INDEX i ON t (a);"
        );
    }
}
