//! Tables: `CREATE TABLE` with the columns inline, partitions attached and detached, RLS
//! switched on and off.

use super::Statement;
use super::columns::column_definition;
use super::context::{Ctx, Edit};
use super::model::{Body, Object};

fn statement(object: &Object, sql: String, hazard: Option<String>) -> Statement {
    Statement {
        key: object.key.clone(),
        sql,
        hazard,
    }
}

fn partition_by_clause(partition_by: &str) -> String {
    if partition_by
        .to_ascii_uppercase()
        .starts_with("PARTITION BY")
    {
        partition_by.to_string()
    } else {
        format!("PARTITION BY {partition_by}")
    }
}

pub fn create_table(ctx: &Ctx, table: &Object) -> Vec<Statement> {
    let Body::Table {
        partition_by,
        partition_of,
        unlogged,
        row_security,
        force_row_security,
    } = &table.body
    else {
        return Vec::new();
    };
    let name = &table.key.name;
    let unlogged = if *unlogged { "UNLOGGED " } else { "" };
    let mut sql = match partition_of {
        // A partition's columns are its parent's.
        Some((parent, bound)) => {
            format!("CREATE {unlogged}TABLE {name} PARTITION OF {parent} {bound}")
        }
        None => {
            let mut columns: Vec<&Object> = ctx
                .to
                .owned_by(&table.key)
                .filter(|o| matches!(o.body, Body::Column { .. }))
                .collect();
            columns.sort_by_key(|o| match o.body {
                Body::Column { position, .. } => position,
                _ => 0,
            });
            let lines: Vec<String> = columns
                .iter()
                .map(|c| format!("    {}", column_definition(&c.body)))
                .collect();
            if lines.is_empty() {
                format!("CREATE {unlogged}TABLE {name} ()")
            } else {
                format!("CREATE {unlogged}TABLE {name} (\n{}\n)", lines.join(",\n"))
            }
        }
    };
    if let Some(partition_by) = partition_by {
        sql.push(' ');
        sql.push_str(&partition_by_clause(partition_by));
    }
    sql.push(';');
    let mut statements = vec![statement(table, sql, None)];
    if *row_security {
        statements.push(statement(
            table,
            format!("ALTER TABLE {name} ENABLE ROW LEVEL SECURITY;"),
            None,
        ));
    }
    if *force_row_security {
        statements.push(statement(
            table,
            format!("ALTER TABLE {name} FORCE ROW LEVEL SECURITY;"),
            None,
        ));
    }
    statements
}

pub fn drop_table(table: &Object) -> Vec<Statement> {
    let name = &table.key.name;
    vec![statement(
        table,
        format!("DROP TABLE {name};"),
        Some(format!("drops table {name} and all its rows")),
    )]
}

/// A partitioning scheme cannot change in place.
pub fn table_replaces(old: &Body, new: &Body) -> bool {
    match (old, new) {
        (
            Body::Table {
                partition_by: a, ..
            },
            Body::Table {
                partition_by: b, ..
            },
        ) => a != b,
        _ => false,
    }
}

pub fn alter_table(old: &Object, new: &Object) -> Edit {
    let mut edit = Edit::default();
    let (
        Body::Table {
            partition_of: old_parent,
            unlogged: old_unlogged,
            row_security: old_rls,
            force_row_security: old_force,
            ..
        },
        Body::Table {
            partition_of: new_parent,
            unlogged: new_unlogged,
            row_security: new_rls,
            force_row_security: new_force,
            ..
        },
    ) = (&old.body, &new.body)
    else {
        return edit;
    };
    let name = &new.key.name;
    if old_parent != new_parent {
        if let Some((parent, _)) = old_parent {
            edit.release.push(statement(
                old,
                format!("ALTER TABLE {parent} DETACH PARTITION {name};"),
                None,
            ));
        }
        if let Some((parent, bound)) = new_parent {
            edit.establish.push(statement(
                new,
                format!("ALTER TABLE {parent} ATTACH PARTITION {name} {bound};"),
                Some(format!(
                    "attaching {name} scans it to check its rows fit the bound"
                )),
            ));
        }
    }
    if old_unlogged != new_unlogged {
        let word = if *new_unlogged { "UNLOGGED" } else { "LOGGED" };
        edit.establish.push(statement(
            new,
            format!("ALTER TABLE {name} SET {word};"),
            Some(format!(
                "SET {word} rewrites {name} under an ACCESS EXCLUSIVE lock"
            )),
        ));
    }
    if old_rls != new_rls {
        let word = if *new_rls { "ENABLE" } else { "DISABLE" };
        edit.establish.push(statement(
            new,
            format!("ALTER TABLE {name} {word} ROW LEVEL SECURITY;"),
            None,
        ));
    }
    if old_force != new_force {
        let word = if *new_force { "FORCE" } else { "NO FORCE" };
        edit.establish.push(statement(
            new,
            format!("ALTER TABLE {name} {word} ROW LEVEL SECURITY;"),
            None,
        ));
    }
    edit
}

#[cfg(test)]
mod tests {
    use crate::schema_diff::model::{Body, Identity};
    use crate::schema_diff::testing::*;

    fn users() -> Vec<crate::schema_diff::model::Object> {
        let mut t = table("public.users");
        if let Body::Table { row_security, .. } = &mut t.body {
            *row_security = true;
        }
        let id = with_column(column("public.users", "id", "bigint", 1), |c| {
            c.not_null = true;
            c.identity = Some(Identity::Always);
        });
        let mut email = with_column(column("public.users", "email", "text", 2), |c| {
            c.not_null = true;
            c.default = Some("''::text".into());
        });
        if let Body::Column { collation, .. } = &mut email.body {
            *collation = Some("\"C\"".into());
        }
        vec![t, email, id]
    }

    #[test]
    fn a_new_table_has_its_columns_inline_in_position_order() {
        let changes = up_and_down(&schema(vec![]), &schema(users()));
        assert_eq!(
            sqls(&changes.main.up),
            [
                "CREATE TABLE public.users (\n    id bigint NOT NULL GENERATED ALWAYS AS IDENTITY,\n    email text COLLATE \"C\" DEFAULT ''::text NOT NULL\n);",
                "ALTER TABLE public.users ENABLE ROW LEVEL SECURITY;",
            ]
        );
        // Its columns go with it.
        assert_eq!(sqls(&changes.main.down), ["DROP TABLE public.users;"]);
        assert_eq!(
            hazards(&changes.main.down),
            ["drops table public.users and all its rows"]
        );
        assert!(changes.concurrent.is_empty());
    }

    #[test]
    fn partitions_and_partitioned_tables_are_made_with_their_clauses() {
        let mut parent = table("public.events");
        if let Body::Table { partition_by, .. } = &mut parent.body {
            *partition_by = Some("RANGE (at)".into());
        }
        let mut part = table("public.events_2026");
        if let Body::Table {
            partition_of,
            unlogged,
            ..
        } = &mut part.body
        {
            *partition_of = Some((
                "public.events".into(),
                "FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')".into(),
            ));
            *unlogged = true;
        }
        let at = column("public.events", "at", "date", 1);
        let changes = up_and_down(&schema(vec![]), &schema(vec![part, parent, at]));
        assert_eq!(
            sqls(&changes.main.up),
            [
                "CREATE TABLE public.events (\n    at date\n) PARTITION BY RANGE (at);",
                "CREATE UNLOGGED TABLE public.events_2026 PARTITION OF public.events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');",
            ]
        );
        assert_eq!(
            sqls(&changes.main.down),
            [
                "DROP TABLE public.events_2026;",
                "DROP TABLE public.events;"
            ]
        );
    }

    #[test]
    fn row_level_security_is_switched_both_ways() {
        let off = table("public.t");
        let mut on = table("public.t");
        if let Body::Table {
            row_security,
            force_row_security,
            ..
        } = &mut on.body
        {
            *row_security = true;
            *force_row_security = true;
        }
        let changes = up_and_down(&schema(vec![off]), &schema(vec![on]));
        assert_eq!(
            sqls(&changes.main.up),
            [
                "ALTER TABLE public.t ENABLE ROW LEVEL SECURITY;",
                "ALTER TABLE public.t FORCE ROW LEVEL SECURITY;",
            ]
        );
        assert_eq!(
            sqls(&changes.main.down),
            [
                "ALTER TABLE public.t DISABLE ROW LEVEL SECURITY;",
                "ALTER TABLE public.t NO FORCE ROW LEVEL SECURITY;",
            ]
        );
    }

    #[test]
    fn a_partition_is_attached_and_detached_and_logging_switched() {
        let parent = || {
            let mut t = table("public.p");
            if let Body::Table { partition_by, .. } = &mut t.body {
                *partition_by = Some("LIST (k)".into());
            }
            t
        };
        let loose = table("public.c");
        let mut attached = table("public.c");
        if let Body::Table {
            partition_of,
            unlogged,
            ..
        } = &mut attached.body
        {
            *partition_of = Some(("public.p".into(), "FOR VALUES IN (1)".into()));
            *unlogged = true;
        }
        let changes = up_and_down(
            &schema(vec![parent(), loose]),
            &schema(vec![parent(), attached]),
        );
        assert_eq!(
            sqls(&changes.main.up),
            [
                "ALTER TABLE public.p ATTACH PARTITION public.c FOR VALUES IN (1);",
                "ALTER TABLE public.c SET UNLOGGED;",
            ]
        );
        assert_eq!(
            sqls(&changes.main.down),
            [
                "ALTER TABLE public.p DETACH PARTITION public.c;",
                "ALTER TABLE public.c SET LOGGED;",
            ]
        );
        assert_eq!(
            hazards(&changes.main.down),
            ["SET LOGGED rewrites public.c under an ACCESS EXCLUSIVE lock"]
        );
    }

    #[test]
    fn a_new_partitioning_makes_the_table_again_with_what_it_owns() {
        let t = |by: Option<&str>| {
            let mut t = table("public.t");
            if let Body::Table { partition_by, .. } = &mut t.body {
                *partition_by = by.map(String::from);
            }
            t
        };
        let a = column("public.t", "a", "int", 1);
        let changes = up_and_down(
            &schema(vec![t(None), a.clone()]),
            &schema(vec![t(Some("HASH (a)")), a]),
        );
        assert_eq!(
            sqls(&changes.main.up),
            [
                "DROP TABLE public.t;",
                "CREATE TABLE public.t (\n    a int\n) PARTITION BY HASH (a);"
            ]
        );
    }
}
