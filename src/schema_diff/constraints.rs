//! Table constraints: added, dropped, made again when changed; on a kept table a foreign
//! key or check is added `NOT VALID` and validated after, so the scan takes no long lock of
//! its own.

use super::Statement;
use super::context::{Ctx, Edit};
use super::model::{Body, ConstraintKind, Object};

/// The constraint's own name: its key is `table name`.
pub fn own_name<'a>(table: &str, key_name: &'a str) -> &'a str {
    key_name
        .strip_prefix(table)
        .and_then(|rest| rest.strip_prefix(' '))
        .unwrap_or(key_name)
}

fn statement(object: &Object, sql: String, hazard: Option<String>) -> Statement {
    Statement {
        key: object.key.clone(),
        sql,
        hazard,
    }
}

pub fn create(ctx: &Ctx, object: &Object) -> Vec<Statement> {
    let Body::Constraint {
        table,
        constraint,
        definition,
        validated,
    } = &object.body
    else {
        return Vec::new();
    };
    let name = own_name(table, &object.key.name);
    let add = format!("ALTER TABLE {table} ADD CONSTRAINT {name} {definition}");
    let existing = ctx.existing_table(table);
    let checked_later = matches!(
        constraint,
        ConstraintKind::ForeignKey | ConstraintKind::Check
    );
    if !validated {
        return vec![statement(object, format!("{add} NOT VALID;"), None)];
    }
    // PostgreSQL has no NOT VALID foreign key on a partitioned table.
    if existing && ctx.partitioned(table) && *constraint == ConstraintKind::ForeignKey {
        return vec![statement(
            object,
            format!("{add};"),
            Some(format!(
                "checks every row of {table} while holding a SHARE ROW EXCLUSIVE lock"
            )),
        )];
    }
    if existing && checked_later {
        return vec![
            statement(object, format!("{add} NOT VALID;"), None),
            statement(object, validation(object), None),
        ];
    }
    let hazard = match constraint {
        ConstraintKind::PrimaryKey | ConstraintKind::Unique | ConstraintKind::Exclusion
            if existing =>
        {
            Some(format!(
                "builds the index of {name} under an ACCESS EXCLUSIVE lock on {table}"
            ))
        }
        _ => None,
    };
    vec![statement(object, format!("{add};"), hazard)]
}

/// `ALTER TABLE .. VALIDATE CONSTRAINT ..` of a constraint.
pub fn validation(object: &Object) -> String {
    match &object.body {
        Body::Constraint { table, .. } => format!(
            "ALTER TABLE {table} VALIDATE CONSTRAINT {};",
            own_name(table, &object.key.name)
        ),
        _ => String::new(),
    }
}

/// Takes a validation back, which PostgreSQL has no statement for: the constraint is
/// dropped and added again `NOT VALID`, in one `ALTER TABLE`.
pub fn unvalidation(object: &Object) -> Option<String> {
    let Body::Constraint {
        table, definition, ..
    } = &object.body
    else {
        return None;
    };
    let name = own_name(table, &object.key.name);
    Some(format!(
        "ALTER TABLE {table} DROP CONSTRAINT {name}, ADD CONSTRAINT {name} {definition} NOT VALID;"
    ))
}

pub fn drop(object: &Object) -> Vec<Statement> {
    let Body::Constraint { table, .. } = &object.body else {
        return Vec::new();
    };
    let name = own_name(table, &object.key.name);
    vec![statement(
        object,
        format!("ALTER TABLE {table} DROP CONSTRAINT {name};"),
        None,
    )]
}

/// Only validation happens in place.
pub fn replaces(old: &Body, new: &Body) -> bool {
    match (old, new) {
        (
            Body::Constraint {
                table: t1,
                constraint: k1,
                definition: d1,
                validated: v1,
            },
            Body::Constraint {
                table: t2,
                constraint: k2,
                definition: d2,
                validated: v2,
            },
        ) => t1 != t2 || k1 != k2 || d1 != d2 || (*v1 && !*v2),
        _ => true,
    }
}

pub fn alter(new: &Object) -> Edit {
    Edit {
        release: Vec::new(),
        establish: vec![statement(new, validation(new), None)],
    }
}

#[cfg(test)]
mod tests {
    use crate::schema_diff::model::{Body, ConstraintKind, Kind};
    use crate::schema_diff::testing::*;

    fn orders() -> Vec<crate::schema_diff::model::Object> {
        vec![
            table("public.orders"),
            column("public.orders", "user_id", "bigint", 1),
            table("public.users"),
            column("public.users", "id", "bigint", 1),
            constraint(
                "public.users",
                "users_pkey",
                ConstraintKind::PrimaryKey,
                "PRIMARY KEY (id)",
            ),
        ]
    }

    fn foreign_key() -> crate::schema_diff::model::Object {
        needing(
            constraint(
                "public.orders",
                "orders_user_id_fkey",
                ConstraintKind::ForeignKey,
                "FOREIGN KEY (user_id) REFERENCES public.users(id)",
            ),
            &[
                key(Kind::Column, "public.orders.user_id"),
                key(Kind::Column, "public.users.id"),
            ],
        )
    }

    #[test]
    fn a_foreign_key_on_a_kept_table_is_added_not_valid_then_validated() {
        let from = schema(orders());
        let mut to_objects = orders();
        to_objects.push(foreign_key());
        let changes = up_and_down(&from, &schema(to_objects));
        assert_eq!(
            sqls(&changes.main.up),
            [
                "ALTER TABLE public.orders ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) NOT VALID;"
            ]
        );
        // The scan runs in the second migration, outside the first's transaction.
        assert_eq!(
            sqls(&changes.concurrent.up),
            ["ALTER TABLE public.orders VALIDATE CONSTRAINT orders_user_id_fkey;"]
        );
        // Its rollback takes the validation back, as `ci` holds each migration to: PostgreSQL
        // has no statement for it, so the constraint is made again NOT VALID.
        assert_eq!(
            sqls(&changes.concurrent.down),
            [
                "ALTER TABLE public.orders DROP CONSTRAINT orders_user_id_fkey, ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) NOT VALID;"
            ]
        );
        assert_eq!(
            sqls(&changes.main.down),
            ["ALTER TABLE public.orders DROP CONSTRAINT orders_user_id_fkey;"]
        );
    }

    #[test]
    fn a_primary_key_on_a_kept_table_names_its_lock() {
        let from = schema(vec![table("public.t"), column("public.t", "id", "int", 1)]);
        let to = schema(vec![
            table("public.t"),
            column("public.t", "id", "int", 1),
            constraint(
                "public.t",
                "t_pkey",
                ConstraintKind::PrimaryKey,
                "PRIMARY KEY (id)",
            ),
        ]);
        let changes = up_and_down(&from, &to);
        assert_eq!(
            sqls(&changes.main.up),
            ["ALTER TABLE public.t ADD CONSTRAINT t_pkey PRIMARY KEY (id);"]
        );
        assert_eq!(
            hazards(&changes.main.up),
            ["builds the index of t_pkey under an ACCESS EXCLUSIVE lock on public.t"]
        );
    }

    #[test]
    fn a_changed_check_is_dropped_and_added_and_validation_happens_in_place() {
        let check = |definition: &str, validated: bool| {
            let mut c = constraint("public.t", "t_n_check", ConstraintKind::Check, definition);
            if let Body::Constraint { validated: v, .. } = &mut c.body {
                *v = validated;
            }
            c
        };
        let base = || vec![table("public.t"), column("public.t", "n", "int", 1)];
        let with = |c| {
            let mut objects = base();
            objects.push(c);
            schema(objects)
        };
        let changes = up_and_down(
            &with(check("CHECK ((n > 0))", true)),
            &with(check("CHECK ((n > 1))", true)),
        );
        assert_eq!(
            sqls(&changes.main.up),
            [
                "ALTER TABLE public.t DROP CONSTRAINT t_n_check;",
                "ALTER TABLE public.t ADD CONSTRAINT t_n_check CHECK ((n > 1)) NOT VALID;",
            ]
        );
        assert_eq!(
            sqls(&changes.concurrent.up),
            ["ALTER TABLE public.t VALIDATE CONSTRAINT t_n_check;"]
        );
        assert_eq!(
            sqls(&changes.main.down),
            [
                "ALTER TABLE public.t DROP CONSTRAINT t_n_check;",
                "ALTER TABLE public.t ADD CONSTRAINT t_n_check CHECK ((n > 0)) NOT VALID;",
                "ALTER TABLE public.t VALIDATE CONSTRAINT t_n_check;",
            ]
        );
        let changes = up_and_down(
            &with(check("CHECK ((n > 0))", false)),
            &with(check("CHECK ((n > 0))", true)),
        );
        assert_eq!(
            sqls(&changes.main.up),
            ["ALTER TABLE public.t VALIDATE CONSTRAINT t_n_check;"]
        );
        assert_eq!(
            sqls(&changes.main.down),
            [
                "ALTER TABLE public.t DROP CONSTRAINT t_n_check;",
                "ALTER TABLE public.t ADD CONSTRAINT t_n_check CHECK ((n > 0)) NOT VALID;",
            ]
        );
    }

    #[test]
    fn a_foreign_key_on_a_kept_partitioned_table_is_added_valid_with_a_hazard() {
        let parted = || {
            let mut objects = orders();
            if let Some(Body::Table { partition_by, .. }) = objects
                .iter_mut()
                .find(|o| o.key.name == "public.orders")
                .map(|o| &mut o.body)
            {
                *partition_by = Some("HASH (user_id)".into());
            }
            objects
        };
        let mut to = parted();
        to.push(foreign_key());
        let changes = up_and_down(&schema(parted()), &schema(to));
        assert_eq!(
            sqls(&changes.main.up),
            [
                "ALTER TABLE public.orders ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);"
            ]
        );
        assert_eq!(
            hazards(&changes.main.up),
            ["checks every row of public.orders while holding a SHARE ROW EXCLUSIVE lock"]
        );
    }
}
