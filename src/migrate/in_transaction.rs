//! What a script run inside dbward's transaction must not hold: statements that would end
//! that transaction, and statements PostgreSQL refuses inside a transaction block (SQLSTATE
//! 25001), which belong in a `-- dbward:no-transaction` file.

use squawk_syntax::ast::{self, AlterTableAction, AstNode, Stmt};
use squawk_syntax::{Parse, SourceFile, SyntaxKind, SyntaxNode};

/// A top-level statement found, where it starts and what it is called.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub offset: usize,
    pub name: String,
}

/// Everything in one script that cannot run inside dbward's transaction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Refusals {
    /// The first BEGIN, COMMIT, ROLLBACK or PREPARE TRANSACTION: it would commit or abort
    /// half a migration.
    pub transaction_control: Option<Found>,
    /// The first statement PostgreSQL runs only outside a transaction block.
    pub outside_only: Option<Found>,
}

/// Reads the top-level statements of a parsed script (function bodies are strings to it).
pub fn refusals(parse: &Parse<SourceFile>) -> Refusals {
    let mut refusals = Refusals::default();
    for stmt in parse.tree().stmts() {
        let offset = usize::from(stmt.syntax().text_range().start());
        let found = |name: &str| {
            Some(Found {
                offset,
                name: name.to_string(),
            })
        };
        if refusals.transaction_control.is_none() {
            refusals.transaction_control = transaction_control(&stmt).and_then(found);
        }
        if refusals.outside_only.is_none() {
            refusals.outside_only = outside_only(&stmt).and_then(found);
        }
        if refusals.transaction_control.is_some() && refusals.outside_only.is_some() {
            break;
        }
    }
    refusals
}

/// BEGIN, COMMIT, ROLLBACK (not `ROLLBACK TO SAVEPOINT`, which stays inside the transaction)
/// or PREPARE TRANSACTION.
fn transaction_control(stmt: &Stmt) -> Option<&'static str> {
    match stmt {
        Stmt::Begin(_) => Some("BEGIN"),
        Stmt::Commit(ast::Commit::CommitTransaction(_)) => Some("COMMIT"),
        Stmt::Rollback(ast::Rollback::RollbackTransaction(_)) => Some("ROLLBACK"),
        Stmt::PrepareTransaction(_) => Some("PREPARE TRANSACTION"),
        _ => None,
    }
}

/// The statements PostgreSQL refuses inside a transaction block, as far as the text alone
/// tells (`CLUSTER` on a partitioned table or `DROP SUBSCRIPTION` of one with a slot need
/// the catalog, so they are left to the server).
fn outside_only(stmt: &Stmt) -> Option<&'static str> {
    match stmt {
        Stmt::CreateIndex(s) if s.concurrently_token().is_some() => {
            Some("CREATE INDEX CONCURRENTLY")
        }
        Stmt::DropIndex(s) if s.concurrently_token().is_some() => Some("DROP INDEX CONCURRENTLY"),
        Stmt::Reindex(s) => reindex(s),
        Stmt::Vacuum(_) => Some("VACUUM"),
        Stmt::Cluster(s) if s.table_name_ref().is_none() && s.cluster_legacy().is_none() => {
            Some("CLUSTER without a table")
        }
        Stmt::CreateDatabase(_) => Some("CREATE DATABASE"),
        Stmt::DropDatabase(_) => Some("DROP DATABASE"),
        Stmt::AlterDatabase(s)
            if matches!(s.action(), Some(ast::AlterDatabaseAction::SetTablespace(_))) =>
        {
            Some("ALTER DATABASE ... SET TABLESPACE")
        }
        Stmt::CreateTablespace(_) => Some("CREATE TABLESPACE"),
        Stmt::DropTablespace(_) => Some("DROP TABLESPACE"),
        Stmt::AlterSystem(_) => Some("ALTER SYSTEM"),
        Stmt::Commit(ast::Commit::CommitPrepared(_)) => Some("COMMIT PREPARED"),
        Stmt::Rollback(ast::Rollback::RollbackPrepared(_)) => Some("ROLLBACK PREPARED"),
        Stmt::Discard(s)
            if matches!(s.discard_target(), Some(ast::DiscardTarget::DiscardAll(_))) =>
        {
            Some("DISCARD ALL")
        }
        Stmt::AlterTable(s)
            if s.actions().any(|action| match action {
                AlterTableAction::DetachPartition(detach) => {
                    has_word(detach.syntax(), "concurrently")
                }
                _ => false,
            }) =>
        {
            Some("ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY")
        }
        Stmt::CreateSubscription(s) if creates_a_slot(s) => {
            Some("CREATE SUBSCRIPTION (which creates a replication slot)")
        }
        _ => None,
    }
}

fn reindex(s: &ast::Reindex) -> Option<&'static str> {
    let whole = match s.reindex_target() {
        Some(ast::ReindexTarget::ReindexTargetDatabase(_)) => Some("REINDEX DATABASE"),
        Some(ast::ReindexTarget::ReindexTargetSchema(_)) => Some("REINDEX SCHEMA"),
        Some(ast::ReindexTarget::ReindexTargetSystem(_)) => Some("REINDEX SYSTEM"),
        _ => None,
    };
    if whole.is_some() {
        return whole;
    }
    // `REINDEX TABLE CONCURRENTLY t`, or `REINDEX (CONCURRENTLY [true]) TABLE t`.
    let words = lower_words(s.syntax());
    let concurrently = words.iter().position(|w| w == "concurrently")?;
    let value = words.get(concurrently + 1).map(String::as_str);
    if matches!(value, Some("false" | "off" | "0" | "no")) {
        return None;
    }
    Some("REINDEX ... CONCURRENTLY")
}

/// True unless `WITH (connect = false)` or `WITH (create_slot = false)`.
fn creates_a_slot(s: &ast::CreateSubscription) -> bool {
    let Some(params) = s.with_params() else {
        return true;
    };
    let words = lower_words(params.syntax());
    !words.windows(3).any(|w| {
        matches!(w[0].as_str(), "connect" | "create_slot")
            && w[1] == "="
            && matches!(
                w[2].as_str(),
                "false" | "off" | "0" | "no" | "'false'" | "'off'"
            )
    })
}

/// The node's tokens, lower-cased, without white space and comments.
fn lower_words(node: &SyntaxNode) -> Vec<String> {
    node.descendants_with_tokens()
        .filter_map(|element| element.into_token())
        .filter(|token| !matches!(token.kind(), SyntaxKind::WHITESPACE | SyntaxKind::COMMENT))
        .map(|token| token.text().to_ascii_lowercase())
        .collect()
}

fn has_word(node: &SyntaxNode, word: &str) -> bool {
    lower_words(node).iter().any(|w| w == word)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(sql: &str) -> Refusals {
        refusals(&SourceFile::parse(sql))
    }

    fn outside(sql: &str) -> Option<String> {
        check(sql).outside_only.map(|f| f.name)
    }

    #[test]
    fn savepoints_stay_inside_the_transaction() {
        for sql in [
            "savepoint a; select 1; rollback to savepoint a; release savepoint a;",
            "SAVEPOINT a; ROLLBACK TO a;",
            "savepoint a; rollback work to savepoint a;",
            "savepoint a; Rollback Transaction To Savepoint a;",
        ] {
            assert_eq!(check(sql), Refusals::default(), "{sql}");
        }
    }

    #[test]
    fn transaction_control_is_found() {
        for (sql, name) in [
            ("begin; select 1;", "BEGIN"),
            ("start transaction;", "BEGIN"),
            ("select 1;\ncommit;", "COMMIT"),
            ("end;", "COMMIT"),
            ("rollback;", "ROLLBACK"),
            ("abort;", "ROLLBACK"),
            ("rollback work;", "ROLLBACK"),
            ("prepare transaction 'x';", "PREPARE TRANSACTION"),
        ] {
            let found = check(sql).transaction_control;
            assert_eq!(found.map(|f| f.name), Some(name.to_string()), "{sql}");
        }
        let body = "create function f() returns void language plpgsql as $$ begin commit; end $$;";
        assert_eq!(check(body), Refusals::default());
    }

    #[test]
    fn statements_that_need_no_transaction_are_found() {
        for (sql, name) in [
            (
                "create index concurrently i on t (a);",
                "CREATE INDEX CONCURRENTLY",
            ),
            (
                "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a);",
                "CREATE INDEX CONCURRENTLY",
            ),
            ("drop index concurrently i;", "DROP INDEX CONCURRENTLY"),
            ("reindex index concurrently i;", "REINDEX ... CONCURRENTLY"),
            ("reindex table concurrently t;", "REINDEX ... CONCURRENTLY"),
            (
                "reindex (concurrently) table t;",
                "REINDEX ... CONCURRENTLY",
            ),
            ("reindex database d;", "REINDEX DATABASE"),
            ("reindex schema s;", "REINDEX SCHEMA"),
            ("reindex system d;", "REINDEX SYSTEM"),
            ("vacuum;", "VACUUM"),
            ("vacuum (analyze) t;", "VACUUM"),
            ("VACUUM FULL t;", "VACUUM"),
            ("cluster;", "CLUSTER without a table"),
            ("create database d;", "CREATE DATABASE"),
            ("drop database if exists d;", "DROP DATABASE"),
            (
                "alter database d set tablespace s;",
                "ALTER DATABASE ... SET TABLESPACE",
            ),
            ("create tablespace s location '/x';", "CREATE TABLESPACE"),
            ("drop tablespace s;", "DROP TABLESPACE"),
            ("alter system set work_mem = '8MB';", "ALTER SYSTEM"),
            ("commit prepared 'x';", "COMMIT PREPARED"),
            ("rollback prepared 'x';", "ROLLBACK PREPARED"),
            ("discard all;", "DISCARD ALL"),
            (
                "alter table t detach partition p concurrently;",
                "ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY",
            ),
            (
                "create subscription s connection 'host=x' publication p;",
                "CREATE SUBSCRIPTION (which creates a replication slot)",
            ),
        ] {
            assert_eq!(outside(sql), Some(name.to_string()), "{sql}");
        }
    }

    #[test]
    fn their_transactional_forms_are_accepted() {
        for sql in [
            "create index i on t (a);",
            "drop index i;",
            "reindex index i;",
            "reindex table t;",
            "reindex (concurrently false) table t;",
            "reindex (verbose) table t;",
            "analyze t;",
            "cluster t using i;",
            "cluster t;",
            "refresh materialized view concurrently v;",
            "alter database d set work_mem = '8MB';",
            "alter table t detach partition p;",
            "alter table t add column concurrently int;",
            "alter type e add value 'x';",
            "discard temp;",
            "create subscription s connection 'host=x' publication p with (connect = false);",
            "create subscription s connection 'host=x' publication p with (create_slot = false);",
            "select 'vacuum; create database d';",
            "create function f() returns void language sql as $$ vacuum $$;",
        ] {
            assert_eq!(outside(sql), None, "{sql}");
        }
    }

    #[test]
    fn the_first_of_each_is_placed() {
        let sql = "select 1;\ncreate index concurrently i on t (a);\ncommit;\nvacuum;";
        let found = check(sql);
        assert_eq!(found.outside_only.unwrap().offset, 10);
        assert_eq!(
            found.transaction_control.unwrap().offset,
            sql.find("commit").unwrap()
        );
    }
}
