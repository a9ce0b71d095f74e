//! `SET NOT NULL` on a column of a table that stays, made safe across the two migrations, as
//! PostgreSQL 12 and later allow: the first adds `CHECK (col IS NOT NULL) NOT VALID` (a
//! moment's lock); the second, outside a transaction, validates it (a scan that lets reads
//! and writes go on), sets NOT NULL (which the valid check spares a scan) and drops the
//! check. Its rollback takes NOT NULL off and adds the check back NOT VALID: the state
//! between the two.

use std::collections::BTreeSet;

use super::Statement;
use super::model::{Body, ConstraintKind, Key, Kind, Object, Schema};
use super::quote::{quote_name, split_qualified, unquote};

/// A column made NOT NULL in the second migration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deferred {
    /// The column's key.
    pub column_key: Key,
    /// The table and the column, quoted.
    pub table: String,
    pub column: String,
    /// The check's name, quoted.
    pub check: String,
}

impl Deferred {
    fn check_definition(&self) -> String {
        format!("CHECK ({} IS NOT NULL)", self.column)
    }

    fn check_key(&self) -> Key {
        Key::new(Kind::Constraint, format!("{} {}", self.table, self.check))
    }
}

/// The columns of kept tables that become NOT NULL and change no identity or generated
/// expression (an identity needs NOT NULL before it).
pub fn deferred(from: &Schema, to: &Schema) -> Vec<Deferred> {
    let mut found = Vec::new();
    for new in to.objects.values() {
        let Body::Column {
            table,
            column,
            not_null: true,
            identity,
            generated,
            ..
        } = &new.body
        else {
            continue;
        };
        let Some(Body::Column {
            not_null: false,
            identity: old_identity,
            generated: old_generated,
            ..
        }) = from.get(&new.key).map(|o| &o.body)
        else {
            continue;
        };
        // The table is kept: there before, and not made again (a new partitioning).
        let table_key = Key::new(Kind::Table, table.clone());
        let kept = match (from.get(&table_key), to.get(&table_key)) {
            (Some(old), Some(new)) => !super::tables::table_replaces(&old.body, &new.body),
            _ => false,
        };
        if !kept || identity != old_identity || generated != old_generated {
            continue;
        }
        let own_table = split_qualified(table).map_or(table.as_str(), |(_, own)| own);
        let check = quote_name(&format!(
            "{}_{}_not_null",
            unquote(own_table),
            unquote(column)
        ));
        let deferred = Deferred {
            column_key: new.key.clone(),
            table: table.clone(),
            column: column.clone(),
            check,
        };
        // A constraint of that name in either schema: the plain SET NOT NULL then.
        if from.get(&deferred.check_key()).is_none() && to.get(&deferred.check_key()).is_none() {
            found.push(deferred);
        }
    }
    found
}

/// `to` as the first migration leaves it: those columns still nullable, each with its check
/// not validated yet.
pub fn first_state(to: &Schema, deferred: &[Deferred]) -> Schema {
    let mut first = to.clone();
    for d in deferred {
        if let Some(Body::Column { not_null, .. }) =
            first.objects.get_mut(&d.column_key).map(|o| &mut o.body)
        {
            *not_null = false;
        }
        first.insert(Object {
            key: d.check_key(),
            owner: Some(Key::new(Kind::Table, d.table.clone())),
            body: Body::Constraint {
                table: d.table.clone(),
                constraint: ConstraintKind::Check,
                definition: d.check_definition(),
                validated: false,
            },
            depends_on: BTreeSet::from([d.column_key.clone()]),
        });
    }
    first
}

fn at(d: &Deferred, sql: String, hazard: Option<String>) -> Statement {
    Statement {
        key: d.column_key.clone(),
        sql,
        hazard,
    }
}

/// The second migration's statements for one column.
pub fn second_up(d: &Deferred) -> Vec<Statement> {
    let Deferred {
        table,
        column,
        check,
        ..
    } = d;
    vec![
        at(
            d,
            format!("ALTER TABLE {table} VALIDATE CONSTRAINT {check};"),
            Some(format!(
                "scans {table} (reads and writes go on) and fails if {column} holds a NULL"
            )),
        ),
        at(
            d,
            format!("ALTER TABLE {table} ALTER COLUMN {column} SET NOT NULL;"),
            None,
        ),
        // The check was there only to spare SET NOT NULL its scan: no guarantee is lost.
        at(
            d,
            format!(
                "-- squawk-ignore ban-drop-constraint\nALTER TABLE {table} DROP CONSTRAINT {check};"
            ),
            None,
        ),
    ]
}

/// The second migration's rollback for one column: the state between the two again.
pub fn second_down(d: &Deferred) -> Statement {
    at(
        d,
        format!(
            "ALTER TABLE {} ALTER COLUMN {} DROP NOT NULL, ADD CONSTRAINT {} {} NOT VALID;",
            d.table,
            d.column,
            d.check,
            d.check_definition()
        ),
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema_diff::testing::*;

    fn not_null(mut object: Object) -> Object {
        if let Body::Column { not_null, .. } = &mut object.body {
            *not_null = true;
        }
        object
    }

    #[test]
    fn a_kept_table_s_column_is_made_not_null_in_the_second_migration() {
        let from = schema(vec![table("public.t"), column("public.t", "a", "text", 1)]);
        let to = schema(vec![
            table("public.t"),
            not_null(column("public.t", "a", "text", 1)),
        ]);
        let changes = up_and_down(&from, &to);
        assert_eq!(
            sqls(&changes.main.up),
            ["ALTER TABLE public.t ADD CONSTRAINT t_a_not_null CHECK (a IS NOT NULL) NOT VALID;"]
        );
        assert_eq!(
            sqls(&changes.concurrent.up),
            [
                "ALTER TABLE public.t VALIDATE CONSTRAINT t_a_not_null;",
                "ALTER TABLE public.t ALTER COLUMN a SET NOT NULL;",
                "-- squawk-ignore ban-drop-constraint\nALTER TABLE public.t DROP CONSTRAINT t_a_not_null;",
            ]
        );
        assert_eq!(
            sqls(&changes.concurrent.down),
            [
                "ALTER TABLE public.t ALTER COLUMN a DROP NOT NULL, ADD CONSTRAINT t_a_not_null CHECK (a IS NOT NULL) NOT VALID;"
            ]
        );
        assert_eq!(
            sqls(&changes.main.down),
            ["ALTER TABLE public.t DROP CONSTRAINT t_a_not_null;"]
        );
    }

    #[test]
    fn a_new_table_or_a_new_identity_keeps_the_plain_form() {
        let to = schema(vec![
            table("public.t"),
            not_null(column("public.t", "a", "text", 1)),
        ]);
        assert!(deferred(&Schema::default(), &to).is_empty());
        let from = schema(vec![
            table("public.t"),
            column("public.t", "a", "bigint", 1),
        ]);
        let mut identity = not_null(column("public.t", "a", "bigint", 1));
        if let Body::Column { identity: i, .. } = &mut identity.body {
            *i = Some(crate::schema_diff::model::Identity::ByDefault);
        }
        let to = schema(vec![table("public.t"), identity]);
        assert!(deferred(&from, &to).is_empty());
    }
}
