//! Schemas, extensions, sequences, comments and publications.

use std::collections::BTreeSet;

use super::Statement;
use super::context::Edit;
use super::model::{Body, Object};
use super::quote::{quote_literal, statement};

fn at(object: &Object, sql: String, hazard: Option<String>) -> Statement {
    Statement {
        key: object.key.clone(),
        sql,
        hazard,
    }
}

fn table_list(tables: &BTreeSet<String>) -> String {
    tables.iter().cloned().collect::<Vec<_>>().join(", ")
}

pub fn create(object: &Object) -> Vec<Statement> {
    let name = &object.key.name;
    let sql = match &object.body {
        Body::Schema => format!("CREATE SCHEMA {name};"),
        Body::Extension { schema } => format!("CREATE EXTENSION {name} WITH SCHEMA {schema};"),
        Body::Sequence { create, .. } | Body::Collation { create } => statement(create),
        Body::Comment { on, text } => format!("COMMENT ON {on} IS {};", quote_literal(text)),
        Body::Publication {
            all_tables,
            tables,
            publish,
        } => {
            let what = if *all_tables {
                " FOR ALL TABLES".to_string()
            } else if tables.is_empty() {
                String::new()
            } else {
                format!(" FOR TABLE {}", table_list(tables))
            };
            format!(
                "CREATE PUBLICATION {name}{what} WITH (publish = {});",
                quote_literal(publish)
            )
        }
        _ => return Vec::new(),
    };
    vec![at(object, sql, None)]
}

pub fn drop(object: &Object) -> Vec<Statement> {
    let name = &object.key.name;
    let (sql, hazard) = match &object.body {
        Body::Schema => (
            format!("DROP SCHEMA {name};"),
            Some(format!("drops schema {name}")),
        ),
        Body::Extension { .. } => (
            format!("DROP EXTENSION {name};"),
            Some(format!("drops extension {name} and what it provides")),
        ),
        Body::Sequence { .. } => (
            format!("DROP SEQUENCE {name};"),
            Some(format!("drops sequence {name} and its current value")),
        ),
        Body::Comment { on, .. } => (format!("COMMENT ON {on} IS NULL;"), None),
        Body::Collation { .. } => (format!("DROP COLLATION {name};"), None),
        Body::Publication { .. } => (
            format!("DROP PUBLICATION {name};"),
            Some(format!(
                "drops publication {name}: its subscribers stop receiving changes"
            )),
        ),
        _ => return Vec::new(),
    };
    vec![at(object, sql, hazard)]
}

/// The options of a sequence's `CREATE SEQUENCE name ...`, which `ALTER SEQUENCE` takes as
/// they are.
fn sequence_options<'a>(name: &str, create: &'a str) -> Option<&'a str> {
    let rest = create
        .trim()
        .strip_prefix("CREATE SEQUENCE ")?
        .strip_prefix(name)?;
    if !rest.starts_with(char::is_whitespace) {
        return None;
    }
    let options = rest.trim().trim_end_matches(';').trim_end();
    (!options.is_empty()).then_some(options)
}

pub fn replaces(old: &Object, new: &Object) -> bool {
    match (&old.body, &new.body) {
        (Body::Extension { .. }, Body::Extension { .. })
        | (Body::Comment { .. }, Body::Comment { .. }) => false,
        (Body::Sequence { create: a, .. }, Body::Sequence { create: b, .. }) => {
            a != b && sequence_options(&new.key.name, b).is_none()
        }
        (Body::Publication { all_tables: a, .. }, Body::Publication { all_tables: b, .. }) => {
            a != b
        }
        _ => true,
    }
}

pub fn alter(old: &Object, new: &Object) -> Edit {
    let mut edit = Edit::default();
    let name = &new.key.name;
    match (&old.body, &new.body) {
        (Body::Extension { schema: a }, Body::Extension { schema: b }) if a != b => {
            edit.establish.push(at(
                new,
                format!("ALTER EXTENSION {name} SET SCHEMA {b};"),
                None,
            ));
        }
        (Body::Sequence { create: a, .. }, Body::Sequence { create: b, .. }) if a != b => {
            if let Some(options) = sequence_options(name, b) {
                // CREATE says CYCLE or nothing; ALTER keeps what it is not told.
                let cycle = if options.ends_with(" CYCLE") {
                    ""
                } else {
                    " NO CYCLE"
                };
                edit.establish.push(at(
                    new,
                    format!("ALTER SEQUENCE {name} {options}{cycle};"),
                    None,
                ));
            }
        }
        (Body::Comment { .. }, Body::Comment { .. }) => {
            edit.establish.extend(create(new));
        }
        (
            Body::Publication {
                tables: t1,
                publish: p1,
                ..
            },
            Body::Publication {
                tables: t2,
                publish: p2,
                ..
            },
        ) => {
            let dropped: BTreeSet<String> = t1.difference(t2).cloned().collect();
            let added: BTreeSet<String> = t2.difference(t1).cloned().collect();
            if !dropped.is_empty() {
                edit.release.push(at(
                    old,
                    format!(
                        "ALTER PUBLICATION {name} DROP TABLE {};",
                        table_list(&dropped)
                    ),
                    None,
                ));
            }
            if !added.is_empty() {
                edit.establish.push(at(
                    new,
                    format!("ALTER PUBLICATION {name} ADD TABLE {};", table_list(&added)),
                    None,
                ));
            }
            if p1 != p2 {
                edit.establish.push(at(
                    new,
                    format!(
                        "ALTER PUBLICATION {name} SET (publish = {});",
                        quote_literal(p2)
                    ),
                    None,
                ));
            }
        }
        _ => {}
    }
    edit
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use crate::schema_diff::model::{Body, Key, Kind};
    use crate::schema_diff::testing::*;

    fn sequence(create: &str, owned_by: Option<&str>) -> crate::schema_diff::model::Object {
        object(
            Kind::Sequence,
            "public.t_id_seq",
            None,
            Body::Sequence {
                create: create.into(),
                owned_by: owned_by.map(String::from),
            },
        )
    }

    fn publication(all: bool, tables: &[&str], publish: &str) -> crate::schema_diff::model::Object {
        object(
            Kind::Publication,
            "feed",
            None,
            Body::Publication {
                all_tables: all,
                tables: tables
                    .iter()
                    .map(|t| t.to_string())
                    .collect::<BTreeSet<_>>(),
                publish: publish.into(),
            },
        )
    }

    #[test]
    fn schemas_and_extensions_are_made_and_dropped() {
        let ext = object(
            Kind::Extension,
            "pgcrypto",
            None,
            Body::Extension {
                schema: "extensions".into(),
            },
        );
        let changes = up_and_down(
            &schema(vec![]),
            &schema(vec![ext.clone(), namespace("extensions")]),
        );
        assert_eq!(
            sqls(&changes.main.up),
            [
                "CREATE SCHEMA extensions;",
                "CREATE EXTENSION pgcrypto WITH SCHEMA extensions;"
            ]
        );
        assert_eq!(
            sqls(&changes.main.down),
            ["DROP EXTENSION pgcrypto;", "DROP SCHEMA extensions;"]
        );
        let mut moved = ext.clone();
        moved.body = Body::Extension {
            schema: "public".into(),
        };
        let changes = up_and_down(
            &schema(vec![ext, namespace("extensions")]),
            &schema(vec![moved, namespace("extensions")]),
        );
        assert_eq!(
            sqls(&changes.main.up),
            ["ALTER EXTENSION pgcrypto SET SCHEMA public;"]
        );
    }

    #[test]
    fn a_sequence_is_made_before_the_column_using_it_and_owned_by_it_after() {
        let id = needing(
            with_column(column("public.t", "id", "integer", 1), |c| {
                c.default = Some("nextval('public.t_id_seq'::regclass)".into());
                c.not_null = true;
            }),
            &[key(Kind::Sequence, "public.t_id_seq")],
        );
        let seq = needing(
            sequence(
                "CREATE SEQUENCE public.t_id_seq AS integer START WITH 1 INCREMENT BY 1",
                Some("public.t.id"),
            ),
            &[key(Kind::Column, "public.t.id")],
        );
        let changes = up_and_down(&schema(vec![]), &schema(vec![table("public.t"), id, seq]));
        assert_eq!(
            sqls(&changes.main.up),
            [
                "CREATE SEQUENCE public.t_id_seq AS integer START WITH 1 INCREMENT BY 1;",
                "CREATE TABLE public.t (\n    id integer DEFAULT nextval('public.t_id_seq'::regclass) NOT NULL\n);",
                "ALTER SEQUENCE public.t_id_seq OWNED BY public.t.id;",
            ]
        );
        // The sequence goes with the table that owns it.
        assert_eq!(sqls(&changes.main.down), ["DROP TABLE public.t;"]);
    }

    #[test]
    fn a_sequence_changes_in_place() {
        let changes = up_and_down(
            &schema(vec![sequence(
                "CREATE SEQUENCE public.t_id_seq AS integer START WITH 1 INCREMENT BY 1",
                None,
            )]),
            &schema(vec![sequence(
                "CREATE SEQUENCE public.t_id_seq AS bigint START WITH 1 INCREMENT BY 5",
                None,
            )]),
        );
        assert_eq!(
            sqls(&changes.main.up),
            ["ALTER SEQUENCE public.t_id_seq AS bigint START WITH 1 INCREMENT BY 5 NO CYCLE;"]
        );
        let changes = up_and_down(
            &schema(vec![sequence("CREATE SEQUENCE public.t_id_seq", None)]),
            &schema(vec![]),
        );
        assert_eq!(sqls(&changes.main.up), ["DROP SEQUENCE public.t_id_seq;"]);
        assert_eq!(
            hazards(&changes.main.up),
            ["drops sequence public.t_id_seq and its current value"]
        );
    }

    #[test]
    fn comments_are_set_changed_and_removed() {
        let comment = |text: &str| {
            object(
                Kind::Comment,
                "TABLE public.t",
                Some(Key::new(Kind::Table, "public.t")),
                Body::Comment {
                    on: "TABLE public.t".into(),
                    text: text.into(),
                },
            )
        };
        let changes = up_and_down(
            &schema(vec![table("public.t")]),
            &schema(vec![table("public.t"), comment("the team's")]),
        );
        assert_eq!(
            sqls(&changes.main.up),
            ["COMMENT ON TABLE public.t IS 'the team''s';"]
        );
        assert_eq!(
            sqls(&changes.main.down),
            ["COMMENT ON TABLE public.t IS NULL;"]
        );
        let changes = up_and_down(
            &schema(vec![table("public.t"), comment("a")]),
            &schema(vec![table("public.t"), comment("b")]),
        );
        assert_eq!(
            sqls(&changes.main.up),
            ["COMMENT ON TABLE public.t IS 'b';"]
        );
    }

    #[test]
    fn publications_are_made_and_changed_by_their_tables_and_options() {
        let tables = || vec![table("public.a"), table("public.b")];
        let with = |p| {
            let mut objects = tables();
            objects.push(p);
            schema(objects)
        };
        let changes = up_and_down(
            &schema(tables()),
            &with(publication(false, &["public.a"], "insert, update")),
        );
        assert_eq!(
            sqls(&changes.main.up),
            ["CREATE PUBLICATION feed FOR TABLE public.a WITH (publish = 'insert, update');"]
        );
        assert_eq!(sqls(&changes.main.down), ["DROP PUBLICATION feed;"]);
        let changes = up_and_down(
            &with(publication(false, &["public.a"], "insert, update")),
            &with(publication(false, &["public.b"], "insert")),
        );
        assert_eq!(
            sqls(&changes.main.up),
            [
                "ALTER PUBLICATION feed DROP TABLE public.a;",
                "ALTER PUBLICATION feed ADD TABLE public.b;",
                "ALTER PUBLICATION feed SET (publish = 'insert');",
            ]
        );
        let changes = up_and_down(&schema(tables()), &with(publication(true, &[], "insert")));
        assert_eq!(
            sqls(&changes.main.up),
            ["CREATE PUBLICATION feed FOR ALL TABLES WITH (publish = 'insert');"]
        );
    }
}
