//! Reading SQL text with squawk's PostgreSQL parser: statement boundaries, whether a file
//! holds any SQL at all, and transaction control that would break dbward's own transaction.

use std::ops::Range;

use squawk_syntax::SourceFile;
use squawk_syntax::ast::{AstNode, Stmt};

/// One top-level statement: its byte range in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub range: Range<usize>,
}

/// The parser could not read the text: where, and what it said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxProblem {
    pub offset: usize,
    pub message: String,
}

/// A statement that commits or aborts the surrounding transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionControl {
    pub offset: usize,
    pub keyword: String,
}

/// What one pass of the lexer says about a script (fast: no parse tree).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Scan {
    has_statements: bool,
    /// A word outside strings and comments that could start transaction control.
    mentions_transaction_keyword: bool,
}

fn scan(sql: &str) -> Scan {
    use squawk_lexer::TokenKind;
    let mut result = Scan {
        has_statements: false,
        mentions_transaction_keyword: false,
    };
    let mut offset = 0usize;
    for token in squawk_lexer::tokenize(sql) {
        let text = &sql[offset..offset + token.len as usize];
        offset += token.len as usize;
        match token.kind {
            TokenKind::Whitespace
            | TokenKind::LineComment
            | TokenKind::BlockComment { .. }
            | TokenKind::Semi => {}
            TokenKind::Ident => {
                result.has_statements = true;
                if [
                    "begin", "commit", "rollback", "end", "abort", "prepare", "start",
                ]
                .iter()
                .any(|k| text.eq_ignore_ascii_case(k))
                {
                    result.mentions_transaction_keyword = true;
                }
            }
            _ => result.has_statements = true,
        }
    }
    result
}

/// True when the text holds anything but white space and comments.
pub fn has_statements(sql: &str) -> bool {
    scan(sql).has_statements
}

/// Splits a script into its top-level statements, as PostgreSQL's grammar reads it (so
/// semicolons inside strings, dollar quotes and function bodies do not split).
pub fn split(sql: &str) -> Result<Vec<Statement>, SyntaxProblem> {
    let parse = SourceFile::parse(sql);
    if let Some(error) = parse.errors().first() {
        return Err(SyntaxProblem {
            offset: usize::from(error.range().start()),
            message: error.message().to_string(),
        });
    }
    Ok(parse
        .tree()
        .stmts()
        .map(|stmt| {
            let range = stmt.syntax().text_range();
            Statement {
                range: usize::from(range.start())..usize::from(range.end()),
            }
        })
        .collect())
}

/// The first BEGIN, COMMIT, ROLLBACK or PREPARE TRANSACTION in a script, if any. dbward runs
/// each migration inside its own transaction, so one of these would commit half a migration.
pub fn find_transaction_control(sql: &str) -> Option<TransactionControl> {
    // Parsing is slow next to lexing: only parse when a keyword shows up outside strings.
    if !scan(sql).mentions_transaction_keyword {
        return None;
    }
    SourceFile::parse(sql).tree().stmts().find_map(|stmt| {
        let keyword = match &stmt {
            Stmt::Begin(_) => "BEGIN",
            Stmt::Commit(_) => "COMMIT",
            Stmt::Rollback(_) => "ROLLBACK",
            Stmt::PrepareTransaction(_) => "PREPARE TRANSACTION",
            _ => return None,
        };
        Some(TransactionControl {
            offset: usize::from(stmt.syntax().text_range().start()),
            keyword: keyword.to_string(),
        })
    })
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_column(text: &str, byte_offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(text, byte_offset.min(text.len()));
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// The byte offset of a 1-based character position, as PostgreSQL reports error positions.
pub fn byte_offset_of_char(text: &str, char_position: usize) -> usize {
    text.char_indices()
        .nth(char_position.saturating_sub(1))
        .map_or(text.len(), |(i, _)| i)
}

/// The full text of the line holding a byte offset, without its newline.
pub fn line_text(text: &str, byte_offset: usize) -> &str {
    let offset = floor_char_boundary(text, byte_offset.min(text.len()));
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    &text[start..end]
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts<'a>(sql: &'a str, statements: &[Statement]) -> Vec<&'a str> {
        statements.iter().map(|s| &sql[s.range.clone()]).collect()
    }

    #[test]
    fn splits_on_top_level_semicolons_only() {
        let sql = "create table t (id int, note text default 'a;b');\n\
                   create function f() returns int language plpgsql as $$ begin return 1; end $$;\n\
                   create index concurrently t_id on t (id);";
        let statements = split(sql).unwrap();
        let texts = texts(sql, &statements);
        assert_eq!(texts.len(), 3, "{texts:?}");
        assert!(texts[0].starts_with("create table t"));
        assert!(texts[1].contains("return 1; end"));
        assert!(texts[2].starts_with("create index concurrently"));
    }

    #[test]
    fn split_reports_syntax_errors_with_offset() {
        let problem = split("select 1;\ncreate tabel x ();").unwrap_err();
        assert!(problem.offset >= 10, "{problem:?}");
    }

    #[test]
    fn comment_only_text_has_no_statements() {
        assert!(!has_statements(""));
        assert!(!has_statements("  \n\t"));
        assert!(!has_statements("-- just a note\n/* and a block */\n"));
        assert!(has_statements("-- note\nselect 1;"));
    }

    #[test]
    fn finds_transaction_control() {
        assert_eq!(
            find_transaction_control("create table a (id int);\nCOMMIT;").map(|t| t.keyword),
            Some("COMMIT".to_string())
        );
        assert_eq!(
            find_transaction_control("begin;\nselect 1;").map(|t| (t.keyword, t.offset)),
            Some(("BEGIN".to_string(), 0))
        );
        assert!(
            find_transaction_control(
                "create function f() returns void language plpgsql as $$ begin commit; end $$;"
            )
            .is_none()
        );
    }

    #[test]
    fn line_and_column_count_characters() {
        let text = "select 1;\nselect 'é', x;";
        let offset = text.find('x').unwrap();
        assert_eq!(line_column(text, offset), (2, 13));
        assert_eq!(line_text(text, offset), "select 'é', x;");
        assert_eq!(line_column(text, 0), (1, 1));
    }

    #[test]
    fn char_positions_map_to_bytes() {
        let text = "é x";
        assert_eq!(byte_offset_of_char(text, 1), 0);
        assert_eq!(byte_offset_of_char(text, 3), 3);
        assert_eq!(byte_offset_of_char(text, 99), text.len());
    }
}
