//! Findings squawk reports that are not hazards: a lock on a table or index the same file
//! created earlier (no one else uses it yet, so nothing waits and nothing breaks), and a
//! column default that is a signed number constant (as safe as an unsigned one). Pure.

use std::collections::HashSet;
use std::ops::Range;

use squawk_linter::{Rule, Violation};
use squawk_syntax::ast::{self, AstNode};
use squawk_syntax::{Parse, SourceFile, SyntaxKind};

use super::level::{Level, default_level};

/// `violations` less those on objects made earlier in the file and signed constant defaults.
pub(super) fn drop_safe(parse: &Parse<SourceFile>, violations: Vec<Violation>) -> Vec<Violation> {
    let new_objects = statements_on_new_objects(&parse.tree());
    violations
        .into_iter()
        .filter(|violation| {
            let start = usize::from(violation.text_range.start());
            let end = usize::from(violation.text_range.end());
            let on_new_object = default_level(violation.code) == Level::Hazard
                && new_objects
                    .iter()
                    .any(|range| range.start <= start && end <= range.end);
            !on_new_object && !is_signed_constant_default(parse, violation)
        })
        .collect()
}

/// The ranges of the statements that act only on tables or indexes the file created before.
fn statements_on_new_objects(file: &SourceFile) -> Vec<Range<usize>> {
    let mut tables = HashSet::new();
    let mut indexes = HashSet::new();
    let mut ranges = Vec::new();
    for stmt in file.stmts() {
        let on_new = match &stmt {
            // `IF NOT EXISTS` may leave an older table of that name in place: not new.
            ast::Stmt::CreateTable(create) if create.if_not_exists().is_none() => {
                tables.extend(create.table_name().and_then(|t| t.path()).and_then(name));
                false
            }
            ast::Stmt::CreateTableAs(create) if create.if_not_exists().is_none() => {
                tables.extend(create.table_name().and_then(|t| t.path()).and_then(name));
                false
            }
            ast::Stmt::CreateIndex(create) => {
                let on_new = create
                    .table_relation_name()
                    .and_then(|r| r.table_name_ref())
                    .and_then(|t| t.path_ref())
                    .and_then(name_ref)
                    .is_some_and(|table| tables.contains(&table));
                // An index on a new table is new itself.
                if on_new {
                    indexes.extend(create.index().and_then(|i| i.path()).and_then(name));
                }
                on_new
            }
            ast::Stmt::AlterTable(alter) => alter
                .table_relation_name()
                .and_then(|r| r.table_name_ref())
                .and_then(|t| t.path_ref())
                .and_then(name_ref)
                .is_some_and(|table| tables.contains(&table)),
            ast::Stmt::DropTable(drop) => {
                let names: Vec<Option<String>> = drop
                    .table_name_refs()
                    .map(|t| t.path_ref().and_then(name_ref))
                    .collect();
                all_in(&names, &tables)
            }
            ast::Stmt::DropIndex(drop) => {
                let names: Vec<Option<String>> = drop
                    .index_refs()
                    .map(|i| i.path_ref().and_then(name_ref))
                    .collect();
                all_in(&names, &indexes)
            }
            _ => false,
        };
        if on_new {
            let range = stmt.syntax().text_range();
            ranges.push(usize::from(range.start())..usize::from(range.end()));
        }
    }
    ranges
}

/// Whether a statement names objects and each of them is in `made`.
fn all_in(names: &[Option<String>], made: &HashSet<String>) -> bool {
    !names.is_empty()
        && names
            .iter()
            .all(|name| name.as_ref().is_some_and(|name| made.contains(name)))
}

/// The object's own name, as PostgreSQL folds it; the schema is left aside, as squawk does.
fn name(path: ast::Path) -> Option<String> {
    path.segment().map(|segment| segment.text())
}

fn name_ref(path: ast::PathRef) -> Option<String> {
    path.segment().map(|segment| segment.text())
}

/// `adding-field-with-default` on `DEFAULT -1`: squawk passes literals, not a sign before one.
fn is_signed_constant_default(parse: &Parse<SourceFile>, violation: &Violation) -> bool {
    if violation.code != Rule::AddingFieldWithDefault {
        return false;
    }
    parse
        .syntax_node()
        .descendants()
        .filter(|node| node.text_range() == violation.text_range)
        .filter_map(ast::PrefixExpr::cast)
        .any(|prefix| {
            let signed = prefix
                .syntax()
                .first_token()
                .is_some_and(|token| matches!(token.kind(), SyntaxKind::MINUS | SyntaxKind::PLUS));
            let number = matches!(prefix.expr(), Some(ast::Expr::Literal(literal))
                if literal.syntax().first_token().is_some_and(|token|
                    matches!(token.kind(), SyntaxKind::INT_NUMBER | SyntaxKind::NUMERIC_NUMBER)));
            signed && number
        })
}
