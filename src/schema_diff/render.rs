//! The text of one generated file.

use super::Statement;

/// Each statement with its hazard as `-- hazard:` comment lines above it, a blank line
/// between statements, a newline at the end; empty for no statements.
pub fn render(statements: &[Statement]) -> String {
    let blocks: Vec<String> = statements.iter().map(render_statement).collect();
    if blocks.is_empty() {
        return String::new();
    }
    format!("{}\n", blocks.join("\n\n"))
}

/// One statement with its hazard as `-- hazard:` comment lines above it, no newline at the
/// end: a file's statement, as each layout frames it.
pub fn render_statement(statement: &Statement) -> String {
    let mut block = String::new();
    if let Some(hazard) = &statement.hazard {
        for line in hazard.lines() {
            block.push_str("-- hazard: ");
            block.push_str(line);
            block.push('\n');
        }
    }
    block.push_str(&statement.sql);
    block
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema_diff::model::{Key, Kind};

    #[test]
    fn hazards_are_comments_above_their_statement() {
        let statements = vec![
            Statement {
                key: Key::new(Kind::Table, "public.a"),
                sql: "DROP TABLE public.a;".into(),
                hazard: Some("drops table public.a and its rows".into()),
            },
            Statement {
                key: Key::new(Kind::Schema, "app"),
                sql: "CREATE SCHEMA app;".into(),
                hazard: None,
            },
        ];
        assert_eq!(
            render(&statements),
            "-- hazard: drops table public.a and its rows\nDROP TABLE public.a;\n\nCREATE SCHEMA app;\n"
        );
        assert_eq!(render(&[]), "");
    }
}
