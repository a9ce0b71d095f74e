//! Reading SQL text with squawk's lexer and parser: statement boundaries, whether a file
//! holds any SQL at all, how deep it goes, and what cannot run in dbward's transaction.

use std::ops::Range;

use squawk_syntax::ast::AstNode;

use super::depth::{Depth, TooDeep, Tracker, with_tree};
use super::in_transaction::Refusals;

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

/// What one pass of the lexer says about a script (fast: no parse tree).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scan {
    pub has_statements: bool,
    /// A word outside strings and comments that could start a statement that cannot run
    /// inside dbward's transaction: only then is the script parsed to look.
    pub needs_transaction_check: bool,
    /// How deep the parse tree would get.
    pub depth: Depth,
}

/// The words that start or mark the statements [`super::in_transaction`] looks for.
const TRANSACTION_WORDS: [&str; 17] = [
    "begin",
    "commit",
    "rollback",
    "end",
    "abort",
    "prepare",
    "start",
    "concurrently",
    "vacuum",
    "database",
    "tablespace",
    "system",
    "cluster",
    "reindex",
    "subscription",
    "discard",
    "detach",
];

/// One pass of the lexer over a script; it stops early after a statement too deep to parse.
pub fn scan(sql: &str) -> Scan {
    use squawk_lexer::TokenKind;
    let mut has_statements = false;
    let mut needs_transaction_check = false;
    let mut depth = Tracker::default();
    let mut offset = 0usize;
    for token in squawk_lexer::tokenize(sql) {
        let start = offset;
        offset += token.len as usize;
        match token.kind {
            TokenKind::Whitespace | TokenKind::LineComment | TokenKind::BlockComment { .. } => {
                continue;
            }
            TokenKind::Semi => {}
            TokenKind::Ident => {
                has_statements = true;
                let text = &sql[start..offset];
                if !needs_transaction_check
                    && text.len() <= 12
                    && TRANSACTION_WORDS
                        .iter()
                        .any(|k| text.eq_ignore_ascii_case(k))
                {
                    needs_transaction_check = true;
                }
            }
            _ => has_statements = true,
        }
        depth.token(token.kind, &sql[start..offset], start);
        if depth.finished() {
            break;
        }
    }
    Scan {
        has_statements,
        needs_transaction_check,
        depth: depth.depth(),
    }
}

/// Splits a script into its top-level statements, as PostgreSQL's grammar reads it (so
/// semicolons inside strings, dollar quotes and function bodies do not split).
pub fn split(sql: &str) -> Result<Vec<Statement>, SyntaxProblem> {
    let split = with_tree(sql, scan(sql).depth, |parse| {
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
    });
    split.unwrap_or_else(|too_deep| {
        Err(SyntaxProblem {
            offset: too_deep.offset(),
            message: too_deep.to_string(),
        })
    })
}

/// What in a script cannot run inside dbward's transaction (nothing, when the lexer saw
/// no word that could start it: parsing is slow next to lexing).
pub fn transaction_refusals(sql: &str, scan: &Scan) -> Result<Refusals, TooDeep> {
    if !scan.needs_transaction_check {
        return Ok(Refusals::default());
    }
    with_tree(sql, scan.depth, super::in_transaction::refusals)
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
        let has_statements = |sql: &str| scan(sql).has_statements;
        assert!(!has_statements(""));
        assert!(!has_statements("  \n\t"));
        assert!(!has_statements("-- just a note\n/* and a block */\n"));
        assert!(has_statements("-- note\nselect 1;"));
    }

    #[test]
    fn transaction_words_decide_whether_to_parse() {
        let plain = scan("create table a (id int);\nselect 'commit';");
        assert!(!plain.needs_transaction_check);
        assert_eq!(
            transaction_refusals("select 1;", &plain),
            Ok(Refusals::default())
        );
        let sql = "create table a (id int);\nCOMMIT;";
        let found = transaction_refusals(sql, &scan(sql)).unwrap();
        assert_eq!(found.transaction_control.map(|f| f.offset), Some(25));
    }

    #[test]
    fn too_deep_text_is_not_parsed() {
        let sql = format!("select {}1{};", "(".repeat(20_000), ")".repeat(20_000));
        let problem = split(&sql).unwrap_err();
        assert!(problem.message.contains("nested too deeply"), "{problem:?}");
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
