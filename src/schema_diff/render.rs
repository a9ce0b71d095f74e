//! The text of one generated file.

use super::Statement;

/// Each statement with its hazard as `-- hazard:` comment lines above it, a blank line
/// between statements, a newline at the end; empty for no statements.
pub fn render(statements: &[Statement]) -> String {
    let blocks: Vec<String> = statements
        .iter()
        .map(|s| {
            let mut block = String::new();
            if let Some(hazard) = &s.hazard {
                for line in hazard.lines() {
                    block.push_str("-- hazard: ");
                    block.push_str(line);
                    block.push('\n');
                }
            }
            block.push_str(&s.sql);
            block
        })
        .collect();
    if blocks.is_empty() {
        return String::new();
    }
    format!("{}\n", blocks.join("\n\n"))
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
