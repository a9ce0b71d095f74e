//! A file wrapped whole in `BEGIN; ... COMMIT;`, as Supabase and sqlx projects often write
//! them: dbward already runs the file in one transaction of its own, so it sends the file
//! without its wrapper. Only the wrapper itself goes: transaction control anywhere else in
//! the file is still refused (see [`super::in_transaction`]).
//!
//! dbward's transaction is `READ COMMITTED` and read-write. A `BEGIN` that asks for
//! anything else (`ISOLATION LEVEL SERIALIZABLE`, `READ ONLY`, `DEFERRABLE`) is refused
//! rather than silently dropped: the file would run under rules other than its author's.

use squawk_syntax::ast::{self, AstNode, ChainClause, Stmt, TransactionMode};
use squawk_syntax::{Parse, SourceFile, SyntaxKind, SyntaxNode};

use super::depth::with_tree;
use super::model::{self, Script};
use super::problems::FileProblem;
use super::statements;

/// What the first and last statements of a script say about a wrapper.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wrapper {
    /// Not wrapped whole: the text runs as written (any BEGIN or COMMIT in it is refused).
    Absent,
    /// Wrapped whole: the text to send, the wrapper's two statements blanked with spaces
    /// (every newline kept, so lines and columns still point into the file).
    Removed(String),
    /// Wrapped whole by a `BEGIN` that asks for a transaction unlike dbward's.
    Unlike {
        /// Where the `BEGIN` starts.
        offset: usize,
        /// The `BEGIN` as written, white space and comments aside (`begin isolation level
        /// serializable`).
        begin: String,
    },
}

/// Reads a parsed script for a whole-file wrapper: the first statement `BEGIN` (or `START
/// TRANSACTION`, with `WORK` or `TRANSACTION`), the last `COMMIT` or `END` (not `AND
/// CHAIN`, which would begin another transaction), and nothing but white space, comments
/// and empty statements (`;`) outside the two.
pub fn find(sql: &str, parse: &Parse<SourceFile>) -> Wrapper {
    let file = parse.tree();
    let mut significant = file
        .syntax()
        .children_with_tokens()
        .filter(|element| {
            !matches!(
                element.kind(),
                SyntaxKind::WHITESPACE | SyntaxKind::COMMENT | SyntaxKind::EMPTY_STMT
            )
        })
        .map(|element| element.into_node());
    let (Some(Some(first)), Some(Some(last))) = (significant.next(), significant.last()) else {
        return Wrapper::Absent;
    };
    let (Some(Stmt::Begin(begin)), Some(Stmt::Commit(ast::Commit::CommitTransaction(commit)))) =
        (Stmt::cast(first), Stmt::cast(last))
    else {
        return Wrapper::Absent;
    };
    if matches!(commit.chain_clause(), Some(ChainClause::AndChain(_))) {
        return Wrapper::Absent;
    }
    let begin_range = range(begin.syntax());
    if !asks_for_dbwards_transaction(&begin) {
        return Wrapper::Unlike {
            offset: begin_range.start,
            begin: words(begin.syntax()),
        };
    }
    Wrapper::Removed(blank(sql, &[begin_range, range(commit.syntax())]))
}

/// True when every option of the `BEGIN` is what dbward's own transaction already is:
/// read committed (PostgreSQL runs read uncommitted as read committed), read-write, not
/// deferrable.
fn asks_for_dbwards_transaction(begin: &ast::Begin) -> bool {
    let Some(modes) = begin.transaction_mode_list() else {
        return true;
    };
    modes.transaction_modes().all(|mode| {
        matches!(
            mode,
            TransactionMode::ReadCommitted(_)
                | TransactionMode::ReadUncommitted(_)
                | TransactionMode::ReadWrite(_)
                | TransactionMode::NotDeferrable(_)
        )
    })
}

fn range(node: &SyntaxNode) -> std::ops::Range<usize> {
    let range = node.text_range();
    usize::from(range.start())..usize::from(range.end())
}

/// The text with every character in `ranges` but newlines turned into a space: the same
/// lines, each as many characters long.
fn blank(sql: &str, ranges: &[std::ops::Range<usize>]) -> String {
    sql.char_indices()
        .map(|(at, c)| {
            if c != '\n' && ranges.iter().any(|r| r.contains(&at)) {
                ' '
            } else {
                c
            }
        })
        .collect()
}

/// A statement's words as written, one space apart, without comments or its semicolon.
fn words(node: &SyntaxNode) -> String {
    let mut text = String::new();
    for token in node
        .descendants_with_tokens()
        .filter_map(|element| element.into_token())
    {
        match token.kind() {
            SyntaxKind::COMMENT | SyntaxKind::SEMICOLON => {}
            SyntaxKind::WHITESPACE => text.push(' '),
            _ => text.push_str(token.text()),
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The script as it is to be sent: without its wrapper when it runs in dbward's
/// transaction and is wrapped whole; as read otherwise (a no-transaction script runs its
/// own `BEGIN` and `COMMIT` statement by statement). The checksum stays the file's. Refused
/// when the wrapper asks for a transaction unlike dbward's. A text too deep to parse is
/// left for [`super::scripts::check_role`] to refuse.
pub fn unwrap_script(script: Script) -> Result<Script, FileProblem> {
    if script.mode != model::TransactionMode::Transaction || !starts_a_transaction(&script.sql) {
        return Ok(script);
    }
    let depth = script.scan().depth;
    let Ok(wrapper) = with_tree(&script.sql, depth, |parse| find(&script.sql, parse)) else {
        return Ok(script);
    };
    match wrapper {
        Wrapper::Absent => Ok(script),
        Wrapper::Removed(sql) => Ok(Script::new(script.path, sql, script.checksum, script.mode)
            .with_timeouts(script.timeouts)),
        Wrapper::Unlike { offset, begin } => {
            let (line, column) = statements::line_column(&script.sql, offset);
            Err(FileProblem::WrappedInAnotherTransaction {
                path: script.path,
                line,
                column,
                begin,
            })
        }
    }
}

/// Whether the first word of the text (after white space and comments) is `BEGIN` or
/// `START`: only then is the text parsed to look for a wrapper (lexing stops at once).
fn starts_a_transaction(sql: &str) -> bool {
    use squawk_lexer::TokenKind;
    let mut offset = 0usize;
    for token in squawk_lexer::tokenize(sql) {
        let start = offset;
        offset += token.len as usize;
        match token.kind {
            TokenKind::Whitespace | TokenKind::LineComment | TokenKind::BlockComment { .. } => {}
            TokenKind::Ident => {
                let word = &sql[start..offset];
                return word.eq_ignore_ascii_case("begin") || word.eq_ignore_ascii_case("start");
            }
            _ => return false,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrate::model::Checksum;
    use std::path::PathBuf;

    fn wrapper(sql: &str) -> Wrapper {
        find(sql, &SourceFile::parse(sql))
    }

    #[test]
    fn whole_file_wrappers_are_removed_keeping_every_line_and_column() {
        for (sql, sent) in [
            (
                "BEGIN;\ncreate table t (id int);\nCOMMIT;\n",
                "      \ncreate table t (id int);\n       \n",
            ),
            (
                "-- dbward keeps comments\nbegin transaction;\nselect 1;\ncommit transaction;",
                "-- dbward keeps comments\n                  \nselect 1;\n                   ",
            ),
            (
                "begin work; select 1; commit work;",
                "            select 1;             ",
            ),
            (
                "start transaction; select 1; end;",
                "                   select 1;     ",
            ),
            ("Begin;select 1;End", "      select 1;   "),
            (
                "begin; select 1; commit and no chain;",
                "       select 1;                     ",
            ),
            (
                "begin isolation level read committed, read write; select 1; commit;",
                "                                                  select 1;        ",
            ),
            (
                "/* head */ begin;;\nselect 1;\ncommit;; -- tail\n",
                "/* head */       ;\nselect 1;\n       ; -- tail\n",
            ),
            (
                "begin -- é comment\n;\nselect 'é';\ncommit;",
                "                  \n \nselect 'é';\n       ",
            ),
            (
                "begin;\ncreate function f() returns int language plpgsql as $$ begin return 1; end $$;\ncommit;",
                "      \ncreate function f() returns int language plpgsql as $$ begin return 1; end $$;\n       ",
            ),
        ] {
            assert_eq!(wrapper(sql), Wrapper::Removed(sent.to_string()), "{sql}");
            assert_eq!(sent.chars().count(), sql.chars().count(), "{sql}");
        }
    }

    #[test]
    fn anything_but_a_whole_file_wrapper_is_left_as_written() {
        for sql in [
            "create table t (id int);",
            "select 1;\ncommit;",
            "begin;\nselect 1;",
            "begin;\nselect 1;\nrollback;",
            "begin;\nselect 1;\nabort;",
            "select 1;\nbegin;\nselect 2;\ncommit;",
            "begin;\nselect 1;\ncommit;\nselect 2;",
            "begin;\nselect 1;\ncommit and chain;",
            "begin;\nselect 1;\nprepare transaction 'x';",
            "begin;\nselect 1;\ncommit prepared 'x';",
            "begin;",
            "commit;",
            "",
            "-- begin;\nselect 1;\n-- commit;",
        ] {
            assert_eq!(wrapper(sql), Wrapper::Absent, "{sql}");
        }
    }

    #[test]
    fn transaction_control_inside_a_wrapper_stays_for_the_refusal() {
        for (sql, inner, line) in [
            (
                "begin;\nselect 1;\ncommit;\nbegin;\nselect 2;\ncommit;",
                "COMMIT",
                3,
            ),
            ("begin;\nbegin;\nselect 1;\ncommit;", "BEGIN", 2),
            ("begin;\nselect 1;\nrollback;\ncommit;", "ROLLBACK", 3),
        ] {
            let Wrapper::Removed(sent) = wrapper(sql) else {
                panic!("{sql}: not a wrapper");
            };
            let found = crate::migrate::in_transaction::refusals(&SourceFile::parse(&sent))
                .transaction_control
                .unwrap_or_else(|| panic!("{sql}: nothing refused in {sent:?}"));
            assert_eq!(found.name, inner, "{sql}");
            assert_eq!(
                statements::line_column(&sent, found.offset),
                (line, 1),
                "{sql}"
            );
        }
    }

    #[test]
    fn a_begin_asking_for_another_transaction_is_named() {
        for (sql, begin) in [
            (
                "begin isolation level serializable;\nselect 1;\ncommit;",
                "begin isolation level serializable",
            ),
            (
                "-- x\nSTART TRANSACTION READ ONLY;\nselect 1;\nCOMMIT;",
                "START TRANSACTION READ ONLY",
            ),
            (
                "begin isolation level repeatable read, /* why */ deferrable; select 1; commit;",
                "begin isolation level repeatable read, deferrable",
            ),
        ] {
            let offset = sql.to_lowercase().find(&begin[..5].to_lowercase()).unwrap();
            assert_eq!(
                wrapper(sql),
                Wrapper::Unlike {
                    offset,
                    begin: begin.to_string()
                },
                "{sql}"
            );
        }
    }

    fn script(sql: &str) -> Script {
        Script::new(
            PathBuf::from("migrations/001_w.sql"),
            sql.to_string(),
            Checksum::of(sql),
            crate::migrate::directives::read(sql).unwrap().mode,
        )
    }

    #[test]
    fn an_unwrapped_script_keeps_the_files_checksum() {
        let sql = "BEGIN;\ncreate table t (id int);\nCOMMIT;\n";
        let sent = unwrap_script(script(sql)).unwrap();
        assert_eq!(sent.sql, "      \ncreate table t (id int);\n       \n");
        assert_eq!(sent.checksum, Checksum::of(sql));
        assert!(sent.has_statements());
        assert!(
            !unwrap_script(script("begin;\ncommit;\n"))
                .unwrap()
                .has_statements(),
            "a wrapper around nothing is an empty file"
        );
    }

    #[test]
    fn a_no_transaction_script_keeps_its_own_transaction() {
        let sql = "-- dbward:no-transaction\nbegin;\nselect 1;\ncommit;\n";
        assert_eq!(unwrap_script(script(sql)).unwrap().sql, sql);
    }

    #[test]
    fn a_begin_asking_for_another_transaction_is_refused_in_place() {
        let sql = "-- keep\nbegin isolation level serializable;\nselect 1;\ncommit;\n";
        let problem = unwrap_script(script(sql)).unwrap_err();
        assert_eq!(
            problem,
            FileProblem::WrappedInAnotherTransaction {
                path: PathBuf::from("migrations/001_w.sql"),
                line: 2,
                column: 1,
                begin: "begin isolation level serializable".into(),
            }
        );
        assert!(
            problem.to_string().starts_with(
                "migrations/001_w.sql:2:1: `begin isolation level serializable` asks for"
            ),
            "{problem}"
        );
    }

    #[test]
    fn only_a_first_word_begin_or_start_is_parsed() {
        assert!(starts_a_transaction("-- c\n/* d */ BEGIN;"));
        assert!(starts_a_transaction("start transaction;"));
        assert!(!starts_a_transaction("select 1; begin;"));
        assert!(!starts_a_transaction("'begin'"));
        assert!(!starts_a_transaction("-- begin"));
    }
}
