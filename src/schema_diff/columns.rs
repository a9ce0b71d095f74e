//! Columns of a kept table: added, dropped, altered in place (type, default, NOT NULL,
//! identity), dropped and added again when a generated expression changes.

use super::Statement;
use super::context::{Ctx, Edit};
use super::model::{Body, Identity, Object};

fn statement(object: &Object, sql: String, hazard: Option<String>) -> Statement {
    Statement {
        key: object.key.clone(),
        sql,
        hazard,
    }
}

fn identity_words(identity: Identity) -> &'static str {
    match identity {
        Identity::Always => "ALWAYS",
        Identity::ByDefault => "BY DEFAULT",
    }
}

/// ` (SEQUENCE NAME ..)` for an identity whose sequence is not named as PostgreSQL would.
fn sequence_name(sequence: &Option<String>) -> String {
    sequence
        .as_ref()
        .map_or_else(String::new, |name| format!(" (SEQUENCE NAME {name})"))
}

/// `name type [COLLATE ..] [DEFAULT ..] [NOT NULL] [GENERATED ..]`, as a column is declared.
pub fn column_definition(body: &Body) -> String {
    let Body::Column {
        column,
        data_type,
        collation,
        not_null,
        default,
        identity,
        identity_sequence,
        generated,
        ..
    } = body
    else {
        return String::new();
    };
    let mut sql = format!("{column} {data_type}");
    if let Some(collation) = collation {
        sql.push_str(&format!(" COLLATE {collation}"));
    }
    if let Some(default) = default {
        sql.push_str(&format!(" DEFAULT {default}"));
    }
    if *not_null {
        sql.push_str(" NOT NULL");
    }
    if let Some(identity) = identity {
        sql.push_str(&format!(
            " GENERATED {} AS IDENTITY{}",
            identity_words(*identity),
            sequence_name(identity_sequence)
        ));
    }
    if let Some(generated) = generated {
        sql.push_str(&format!(" GENERATED ALWAYS AS ({generated}) STORED"));
    }
    sql
}

pub fn add_column(column: &Object) -> Vec<Statement> {
    let Body::Column {
        table,
        not_null,
        default,
        identity,
        generated,
        ..
    } = &column.body
    else {
        return Vec::new();
    };
    let hazard = if generated.is_some() {
        Some(format!("a generated column rewrites {table}"))
    } else if identity.is_some() {
        Some(format!("an identity column rewrites {table} to fill it"))
    } else if *not_null && default.is_none() {
        Some(format!(
            "NOT NULL without a default fails if {table} has rows"
        ))
    } else {
        None
    };
    vec![statement(
        column,
        format!(
            "ALTER TABLE {table} ADD COLUMN {};",
            column_definition(&column.body)
        ),
        hazard,
    )]
}

pub fn drop_column(column: &Object) -> Vec<Statement> {
    let Body::Column {
        table,
        column: name,
        ..
    } = &column.body
    else {
        return Vec::new();
    };
    vec![statement(
        column,
        format!("ALTER TABLE {table} DROP COLUMN {name};"),
        Some(format!("drops column {} and its data", column.key.name)),
    )]
}

/// A generated column's expression changes only by dropping and adding it.
pub fn column_replaces(old: &Body, new: &Body) -> bool {
    match (old, new) {
        (
            Body::Column {
                generated: a,
                table: t1,
                column: c1,
                ..
            },
            Body::Column {
                generated: b,
                table: t2,
                column: c2,
                ..
            },
        ) => a != b || t1 != t2 || c1 != c2,
        _ => false,
    }
}

pub fn column_type_changed(old: &Object, new: &Object) -> bool {
    match (&old.body, &new.body) {
        (
            Body::Column {
                data_type: a,
                collation: ca,
                ..
            },
            Body::Column {
                data_type: b,
                collation: cb,
                ..
            },
        ) => a != b || ca != cb,
        _ => false,
    }
}

pub fn alter_column(ctx: &Ctx, old: &Object, new: &Object) -> Edit {
    let mut edit = Edit::default();
    let (
        Body::Column {
            not_null: old_not_null,
            default: old_default,
            identity: old_identity,
            ..
        },
        Body::Column {
            table,
            column,
            data_type,
            collation,
            not_null,
            default,
            identity,
            identity_sequence,
            ..
        },
    ) = (&old.body, &new.body)
    else {
        return edit;
    };
    let alter = format!("ALTER TABLE {table} ALTER COLUMN {column}");
    let type_changed = column_type_changed(old, new);
    let identity_added = old_identity.is_none() && identity.is_some();
    let drop_default = old_default.is_some()
        && (old_default != default
            || type_changed
            || identity_added
            || ctx.refresh_default.contains(&new.key));
    if drop_default {
        edit.release
            .push(statement(old, format!("{alter} DROP DEFAULT;"), None));
    }
    if old_identity.is_some() && identity.is_none() {
        edit.release
            .push(statement(old, format!("{alter} DROP IDENTITY;"), None));
    }
    if type_changed {
        let collate = collation
            .as_ref()
            .map(|c| format!(" COLLATE {c}"))
            .unwrap_or_default();
        edit.establish.push(statement(
            new,
            format!("{alter} TYPE {data_type}{collate} USING {column}::{data_type};"),
            Some(format!(
                "changing the type of {} takes an ACCESS EXCLUSIVE lock on {table} and, unless the types are binary compatible, rewrites it and its indexes",
                new.key.name
            )),
        ));
    }
    if *old_not_null && !*not_null {
        edit.establish
            .push(statement(new, format!("{alter} DROP NOT NULL;"), None));
    }
    if !*old_not_null && *not_null {
        edit.establish.push(statement(
            new,
            format!("{alter} SET NOT NULL;"),
            Some(format!(
                "SET NOT NULL scans {table} under an ACCESS EXCLUSIVE lock and fails if {column} holds a NULL"
            )),
        ));
    }
    match (old_identity, identity) {
        (None, Some(identity)) => edit.establish.push(statement(
            new,
            format!(
                "{alter} ADD GENERATED {} AS IDENTITY{};",
                identity_words(*identity),
                sequence_name(identity_sequence)
            ),
            Some(format!(
                "the identity of {} starts at 1: rows already there may hold the values it gives",
                new.key.name
            )),
        )),
        (Some(a), Some(b)) if a != b => edit.establish.push(statement(
            new,
            format!("{alter} SET GENERATED {};", identity_words(*b)),
            None,
        )),
        _ => {}
    }
    if let Some(default) = default
        && (drop_default || old_default.is_none())
    {
        edit.establish.push(statement(
            new,
            format!("{alter} SET DEFAULT {default};"),
            None,
        ));
    }
    edit
}

#[cfg(test)]
mod tests {
    use super::column_definition;
    use crate::schema_diff::model::{Body, Identity};
    use crate::schema_diff::testing::*;

    #[test]
    fn columns_are_added_and_dropped_on_a_kept_table_and_pointed_out_as_a_rename() {
        let from = schema(vec![
            table("public.users"),
            column("public.users", "name", "text", 1),
        ]);
        let to = schema(vec![
            table("public.users"),
            with_column(column("public.users", "full_name", "text", 2), |c| {
                c.not_null = true
            }),
        ]);
        let changes = up_and_down(&from, &to);
        assert_eq!(
            sqls(&changes.main.up),
            [
                "ALTER TABLE public.users DROP COLUMN name;",
                "ALTER TABLE public.users ADD COLUMN full_name text NOT NULL;",
            ]
        );
        assert_eq!(
            hazards(&changes.main.up),
            [
                "drops column public.users.name and its data",
                "NOT NULL without a default fails if public.users has rows"
            ]
        );
        assert_eq!(
            sqls(&changes.main.down),
            [
                "ALTER TABLE public.users DROP COLUMN full_name;",
                "ALTER TABLE public.users ADD COLUMN name text;",
            ]
        );
        assert_eq!(
            changes.possible_renames,
            ["public.users: name dropped, full_name added"]
        );
    }

    #[test]
    fn a_column_changes_type_default_and_null_in_place() {
        let old = with_column(column("public.t", "n", "integer", 1), |c| {
            c.default = Some("0".into())
        });
        let new = with_column(column("public.t", "n", "bigint", 1), |c| {
            c.default = Some("1".into());
            c.not_null = true;
        });
        let changes = up_and_down(
            &schema(vec![table("public.t"), old]),
            &schema(vec![table("public.t"), new]),
        );
        // NOT NULL comes in the second migration, through a check (not_null.rs).
        assert_eq!(
            sqls(&changes.main.up),
            [
                "ALTER TABLE public.t ALTER COLUMN n DROP DEFAULT;",
                "ALTER TABLE public.t ALTER COLUMN n TYPE bigint USING n::bigint;",
                "ALTER TABLE public.t ALTER COLUMN n SET DEFAULT 1;",
                "ALTER TABLE public.t ADD CONSTRAINT t_n_not_null CHECK (n IS NOT NULL) NOT VALID;",
            ]
        );
        assert_eq!(
            hazards(&changes.main.up),
            [
                "changing the type of public.t.n takes an ACCESS EXCLUSIVE lock on public.t and, unless the types are binary compatible, rewrites it and its indexes",
            ]
        );
        assert_eq!(
            sqls(&changes.main.down),
            [
                "ALTER TABLE public.t DROP CONSTRAINT t_n_not_null;",
                "ALTER TABLE public.t ALTER COLUMN n DROP DEFAULT;",
                "ALTER TABLE public.t ALTER COLUMN n TYPE integer USING n::integer;",
                "ALTER TABLE public.t ALTER COLUMN n SET DEFAULT 0;",
            ]
        );
        // Made NOT NULL in place where it cannot wait: with an identity added.
        let plain = with_column(column("public.t", "n", "integer", 1), |c| {
            c.not_null = true;
            c.identity = Some(Identity::ByDefault);
        });
        let changes = up_and_down(
            &schema(vec![
                table("public.t"),
                column("public.t", "n", "integer", 1),
            ]),
            &schema(vec![table("public.t"), plain]),
        );
        assert!(
            sqls(&changes.main.up).contains(&"ALTER TABLE public.t ALTER COLUMN n SET NOT NULL;"),
            "{:?}",
            sqls(&changes.main.up)
        );
        assert!(
            hazards(&changes.main.up).contains(
                &"SET NOT NULL scans public.t under an ACCESS EXCLUSIVE lock and fails if n holds a NULL"
            )
        );
    }

    #[test]
    fn an_identity_keeps_a_sequence_named_otherwise() {
        let mut body = column("public.goods", "id", "bigint", 1).body;
        if let Body::Column {
            identity,
            identity_sequence,
            ..
        } = &mut body
        {
            *identity = Some(Identity::Always);
            *identity_sequence = Some("public.items_id_seq".into());
        }
        assert_eq!(
            column_definition(&body),
            "id bigint GENERATED ALWAYS AS IDENTITY (SEQUENCE NAME public.items_id_seq)"
        );
    }

    #[test]
    fn identity_is_added_set_and_dropped() {
        let plain = column("public.t", "id", "integer", 1);
        let always = with_column(column("public.t", "id", "integer", 1), |c| {
            c.not_null = true;
            c.identity = Some(Identity::Always);
        });
        let by_default = with_column(always.clone(), |c| c.identity = Some(Identity::ByDefault));
        let changes = up_and_down(
            &schema(vec![table("public.t"), plain]),
            &schema(vec![table("public.t"), always.clone()]),
        );
        assert_eq!(
            sqls(&changes.main.up),
            [
                "ALTER TABLE public.t ALTER COLUMN id SET NOT NULL;",
                "ALTER TABLE public.t ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY;",
            ]
        );
        assert_eq!(
            sqls(&changes.main.down),
            [
                "ALTER TABLE public.t ALTER COLUMN id DROP IDENTITY;",
                "ALTER TABLE public.t ALTER COLUMN id DROP NOT NULL;",
            ]
        );
        let changes = up_and_down(
            &schema(vec![table("public.t"), always]),
            &schema(vec![table("public.t"), by_default]),
        );
        assert_eq!(
            sqls(&changes.main.up),
            ["ALTER TABLE public.t ALTER COLUMN id SET GENERATED BY DEFAULT;"]
        );
        assert_eq!(
            sqls(&changes.main.down),
            ["ALTER TABLE public.t ALTER COLUMN id SET GENERATED ALWAYS;"]
        );
    }

    #[test]
    fn a_generated_expression_changes_by_drop_and_add() {
        let old = with_column(column("public.t", "g", "integer", 2), |c| {
            c.generated = Some("(a * 2)".into())
        });
        let new = with_column(column("public.t", "g", "integer", 2), |c| {
            c.generated = Some("(a * 3)".into())
        });
        let a = column("public.t", "a", "integer", 1);
        let changes = up_and_down(
            &schema(vec![table("public.t"), a.clone(), old]),
            &schema(vec![table("public.t"), a, new]),
        );
        assert_eq!(
            sqls(&changes.main.up),
            [
                "ALTER TABLE public.t DROP COLUMN g;",
                "ALTER TABLE public.t ADD COLUMN g integer GENERATED ALWAYS AS ((a * 3)) STORED;",
            ]
        );
        assert_eq!(
            sqls(&changes.main.down)[1],
            "ALTER TABLE public.t ADD COLUMN g integer GENERATED ALWAYS AS ((a * 2)) STORED;"
        );
        assert!(changes.possible_renames.is_empty());
    }

    #[test]
    fn columns_added_to_a_kept_table_go_in_the_target_s_order() {
        let from = schema(vec![table("public.t"), column("public.t", "id", "int", 1)]);
        let to = schema(vec![
            table("public.t"),
            column("public.t", "id", "int", 1),
            column("public.t", "zeta", "int", 3),
            column("public.t", "alpha", "int", 4),
        ]);
        let changes = up_and_down(&from, &to);
        assert_eq!(
            sqls(&changes.main.up),
            [
                "ALTER TABLE public.t ADD COLUMN zeta int;",
                "ALTER TABLE public.t ADD COLUMN alpha int;",
            ]
        );
    }
}
