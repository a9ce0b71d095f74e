//! How deep a script's parse tree can get, told by the lexer before anything is parsed.
//!
//! squawk's parser, its tree and the linter's walk all recurse once per level of nesting: a
//! file with tens of thousands of nested brackets would overflow the stack and abort the
//! process. One linear pass of the lexer bounds the depth; a statement beyond the bounds is
//! refused by name, and a deep one within them is parsed on a thread with room for it.

use squawk_lexer::TokenKind;
use squawk_syntax::{Parse, SourceFile};

/// Brackets, `CASE`s and prefix operators inside one another. PostgreSQL's own parser gives
/// up before 10,000 nested brackets ("memory exhausted").
pub const MAX_NESTING: usize = 10_000;

/// Operators in one expression (between brackets or commas), such as a long `OR` chain,
/// which PostgreSQL takes by the ten thousand.
pub const MAX_CHAIN: usize = 100_000;

/// Beyond these, the parse runs on a thread of its own with [`DEEP_STACK`].
const SHALLOW_NESTING: usize = 100;
const SHALLOW_CHAIN: usize = 200;

/// Room for [`MAX_NESTING`] and [`MAX_CHAIN`] at once in an unoptimised build: about 4 KiB
/// a level of nesting, and up to 2 KiB a link of a chain whose links the parser recurses
/// into (`a = not b = not c ...`), twice over. Only the part used is ever touched.
const DEEP_STACK: usize = 512 << 20;

/// The deepest a script gets, and where.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Depth {
    pub nesting: usize,
    pub chain: usize,
    /// Byte offset of the statement that goes deepest past a limit (else of any).
    pub offset: usize,
}

/// A statement beyond what dbward parses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TooDeep {
    Nesting {
        offset: usize,
        levels: usize,
    },
    Chain {
        offset: usize,
        operators: usize,
    },
    /// Within the limits, but no thread with room for it could be made.
    NoRoom {
        offset: usize,
    },
}

impl TooDeep {
    pub fn offset(&self) -> usize {
        match self {
            TooDeep::Nesting { offset, .. }
            | TooDeep::Chain { offset, .. }
            | TooDeep::NoRoom { offset } => *offset,
        }
    }
}

impl std::fmt::Display for TooDeep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TooDeep::Nesting { levels, .. } => write!(
                f,
                "statement nested too deeply ({levels} levels of brackets, CASE or prefix operators; dbward accepts up to {MAX_NESTING})"
            ),
            TooDeep::Chain { operators, .. } => write!(
                f,
                "statement nested too deeply ({operators} operators in one expression; dbward accepts up to {MAX_CHAIN})"
            ),
            TooDeep::NoRoom { .. } => write!(
                f,
                "statement too deep to parse: no memory for a thread with room for it"
            ),
        }
    }
}

impl Depth {
    pub fn check(self) -> Result<Depth, TooDeep> {
        if self.nesting > MAX_NESTING {
            Err(TooDeep::Nesting {
                offset: self.offset,
                levels: self.nesting,
            })
        } else if self.chain > MAX_CHAIN {
            Err(TooDeep::Chain {
                offset: self.offset,
                operators: self.chain,
            })
        } else {
            Ok(self)
        }
    }

    fn is_shallow(self) -> bool {
        self.nesting <= SHALLOW_NESTING && self.chain <= SHALLOW_CHAIN
    }
}

/// What opened a level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Opener {
    Statement,
    Paren,
    Bracket,
    Case,
}

#[derive(Debug, Clone, Copy)]
struct Level {
    opener: Opener,
    /// Operators since the level opened or its last comma.
    operators: usize,
    /// Operators in a row, with no operand between them: each wraps the next.
    run: usize,
}

/// Follows the levels of a script one token at a time.
pub struct Tracker {
    levels: Vec<Level>,
    operators: usize,
    runs: usize,
    statement_start: usize,
    /// The next token starts a statement.
    starts_statement: bool,
    deepest: Depth,
    /// Set once a statement went past a limit: the scan ends with that statement.
    past_limit: bool,
}

impl Default for Tracker {
    fn default() -> Self {
        Tracker {
            levels: vec![Level {
                opener: Opener::Statement,
                operators: 0,
                run: 0,
            }],
            operators: 0,
            runs: 0,
            statement_start: 0,
            starts_statement: true,
            deepest: Depth::default(),
            past_limit: false,
        }
    }
}

/// Words that join or wrap expressions the way symbols do.
fn is_operator_word(word: &str) -> bool {
    const WORDS: [&str; 19] = [
        "and",
        "or",
        "not",
        "is",
        "isnull",
        "notnull",
        "like",
        "ilike",
        "similar",
        "between",
        "in",
        "collate",
        "at",
        "overlaps",
        "union",
        "intersect",
        "except",
        "join",
        "escape",
    ];
    word.len() <= 9 && WORDS.iter().any(|w| w.eq_ignore_ascii_case(word))
}

impl Tracker {
    /// True once the scan can stop: a statement past a limit has ended.
    pub fn finished(&self) -> bool {
        self.past_limit && self.statement_start > self.deepest.offset
    }

    pub fn depth(&self) -> Depth {
        self.deepest
    }

    /// Takes the next token (not white space or a comment) at byte `offset`.
    pub fn token(&mut self, kind: TokenKind, text: &str, offset: usize) {
        if std::mem::take(&mut self.starts_statement) {
            self.statement_start = offset;
        }
        match kind {
            TokenKind::Semi if self.levels.len() == 1 => {
                self.clear_top();
                self.starts_statement = true;
                return;
            }
            TokenKind::Semi | TokenKind::Comma => self.clear_top(),
            TokenKind::OpenParen => self.open(Opener::Paren),
            TokenKind::OpenBracket => self.open(Opener::Bracket),
            TokenKind::CloseParen => self.close(Opener::Paren),
            TokenKind::CloseBracket => self.close(Opener::Bracket),
            TokenKind::Ident => {
                let top = self.top().opener;
                if text.eq_ignore_ascii_case("case") {
                    self.open(Opener::Case);
                } else if top == Opener::Case && text.eq_ignore_ascii_case("end") {
                    self.close(Opener::Case);
                } else if top == Opener::Case
                    && ["when", "then", "else"]
                        .iter()
                        .any(|w| text.eq_ignore_ascii_case(w))
                {
                    self.clear_top();
                } else if is_operator_word(text) {
                    self.operator();
                } else {
                    self.operand();
                }
            }
            TokenKind::Literal { .. }
            | TokenKind::QuotedIdent { .. }
            | TokenKind::PositionalParam { .. } => self.operand(),
            _ => self.operator(),
        }
        self.measure();
    }

    fn top(&mut self) -> &mut Level {
        self.levels.last_mut().expect("the statement level stays")
    }

    fn clear_top(&mut self) {
        let top = *self.top();
        self.operators -= top.operators;
        self.runs -= top.run;
        let top = self.top();
        top.operators = 0;
        top.run = 0;
    }

    fn open(&mut self, opener: Opener) {
        self.levels.push(Level {
            opener,
            operators: 0,
            run: 0,
        });
    }

    /// Closes up to the nearest level `opener` opened (none: the closer is stray).
    fn close(&mut self, opener: Opener) {
        let Some(index) = self.levels.iter().rposition(|l| l.opener == opener) else {
            return;
        };
        for level in self.levels.drain(index..) {
            self.operators -= level.operators;
            self.runs -= level.run;
        }
        // What closed was an operand of the level around it.
        self.operand();
    }

    fn operator(&mut self) {
        let top = self.top();
        top.operators += 1;
        top.run += 1;
        self.operators += 1;
        self.runs += 1;
    }

    fn operand(&mut self) {
        let run = std::mem::take(&mut self.top().run);
        self.runs -= run;
    }

    fn measure(&mut self) {
        // The statement level is not a nesting level.
        let nesting = self.levels.len() - 1 + self.runs;
        let chain = self.operators;
        let deepest = &mut self.deepest;
        let was_past = deepest.check().is_err();
        deepest.nesting = deepest.nesting.max(nesting);
        deepest.chain = deepest.chain.max(chain);
        if !was_past {
            deepest.offset = self.statement_start;
            if deepest.check().is_err() {
                self.past_limit = true;
            }
        }
    }
}

/// The deepest a script gets. Stops at the end of the first statement past a limit.
pub fn measure(sql: &str) -> Depth {
    let mut tracker = Tracker::default();
    let mut offset = 0usize;
    for token in squawk_lexer::tokenize(sql) {
        let start = offset;
        offset += token.len as usize;
        if matches!(
            token.kind,
            TokenKind::Whitespace | TokenKind::LineComment | TokenKind::BlockComment { .. }
        ) {
            continue;
        }
        tracker.token(token.kind, &sql[start..offset], start);
        if tracker.finished() {
            break;
        }
    }
    tracker.depth()
}

/// Parses `sql` and hands the tree to `work`, on a thread with room for the tree when it is
/// deep; the tree is dropped there too, as dropping it recurses as deep. A script past the
/// limits is not parsed at all.
pub fn with_tree<T: Send>(
    sql: &str,
    depth: Depth,
    work: impl FnOnce(&Parse<SourceFile>) -> T + Send,
) -> Result<T, TooDeep> {
    let depth = depth.check()?;
    let run = move || {
        let parse = SourceFile::parse(sql);
        work(&parse)
    };
    if depth.is_shallow() {
        return Ok(run());
    }
    std::thread::scope(|scope| {
        match std::thread::Builder::new()
            .name("dbward-parse".into())
            .stack_size(DEEP_STACK)
            .spawn_scoped(scope, run)
        {
            Ok(handle) => Ok(handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))),
            // Refused rather than parsed where it would overflow.
            Err(_) => Err(TooDeep::NoRoom {
                offset: depth.offset,
            }),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brackets_case_and_prefix_runs_are_nesting() {
        assert_eq!(measure("select ((1)), [2];").nesting, 2);
        assert_eq!(measure("select array[array[1]];").nesting, 2);
        assert_eq!(
            measure("select case when case when true then 1 end = 1 then 2 end;").nesting,
            2
        );
        assert!(measure(&format!("select {}true;", "not ".repeat(50))).nesting >= 50);
        assert!(measure(&format!("select {}1;", "- ".repeat(50))).nesting >= 50);
        assert!(measure("select 1 + 2 - 3;").nesting <= 2);
    }

    #[test]
    fn chains_count_operators_between_commas() {
        let chain = format!("select 1{};", " + 1".repeat(500));
        assert_eq!(measure(&chain).chain, 500);
        let list = format!("select {}1;", "1 + 1, ".repeat(500));
        assert!(measure(&list).chain <= 2);
        let or = format!("select 1 where {}true;", "a = 1 or ".repeat(500));
        assert_eq!(measure(&or).chain, 1000);
        // A CASE's branches are siblings, not links of one chain.
        let case = format!("select case {} end;", "when a = 1 then 'x' ".repeat(5000));
        assert!(measure(&case).chain <= 2, "{:?}", measure(&case));
    }

    #[test]
    fn the_statement_past_a_limit_is_named() {
        let sql = format!(
            "select 1;\nselect 2;\nselect {}1{};\nselect 3;",
            "(".repeat(MAX_NESTING + 5),
            ")".repeat(MAX_NESTING + 5)
        );
        let too_deep = measure(&sql).check().unwrap_err();
        assert_eq!(
            too_deep,
            TooDeep::Nesting {
                offset: sql.find("select (").unwrap(),
                levels: MAX_NESTING + 5
            }
        );
        let chain = format!("select 1{};", " + 1".repeat(MAX_CHAIN + 1));
        assert!(matches!(
            measure(&chain).check(),
            Err(TooDeep::Chain { offset: 0, operators }) if operators == MAX_CHAIN + 1
        ));
    }

    #[test]
    fn strings_and_comments_do_not_count() {
        let sql = format!(
            "select '{}' -- {}\n;",
            "(".repeat(20_000),
            "(".repeat(20_000)
        );
        assert_eq!(measure(&sql).nesting, 0);
    }

    #[test]
    fn deep_trees_are_parsed_on_a_roomy_thread() {
        // Deeper than the 2 MiB of a default thread holds in an unoptimised build.
        let sql = format!("select {}1{};", "(".repeat(3000), ")".repeat(3000));
        let depth = measure(&sql);
        assert_eq!(depth.nesting, 3000);
        let statements = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || with_tree(&sql, depth, |parse| parse.tree().stmts().count()))
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(statements, Ok(1));
    }
}
