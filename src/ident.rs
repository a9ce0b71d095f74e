//! Quoting SQL identifiers. Pure: the database code quotes the names it sends with it, and
//! the checks the names they print in fixes, so a pasted fix does what it says.

/// Quotes an identifier for PostgreSQL: `a"b` becomes `"a""b"`.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `schema.name`, both quoted.
pub fn quote_qualified(schema: &str, name: &str) -> String {
    format!("{}.{}", quote_ident(schema), quote_ident(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(quote_ident("dbward"), "\"dbward\"");
        assert_eq!(quote_ident("we\"ird"), "\"we\"\"ird\"");
        assert_eq!(
            quote_qualified("public", "nopk; drop table y; --"),
            "\"public\".\"nopk; drop table y; --\""
        );
    }
}
