//! Enum, domain and composite types. An enum gains labels in place; one that loses or
//! reorders labels is made again beside the old one and its columns converted.

use super::Statement;
use super::context::{Ctx, Edit};
use super::model::{Body, Kind, Object};
use super::quote::{quote_literal, split_qualified, statement, unquote};
use crate::ident::quote_ident;

fn at(object: &Object, sql: String, hazard: Option<String>) -> Statement {
    Statement {
        key: object.key.clone(),
        sql,
        hazard,
    }
}

fn labels_list(labels: &[String]) -> String {
    labels
        .iter()
        .map(|l| quote_literal(l))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn create(object: &Object) -> Vec<Statement> {
    let name = &object.key.name;
    let sql = match &object.body {
        Body::Enum { labels } => format!("CREATE TYPE {name} AS ENUM ({});", labels_list(labels)),
        Body::Domain { create } | Body::Composite { create } => statement(create),
        _ => return Vec::new(),
    };
    vec![at(object, sql, None)]
}

pub fn drop(object: &Object) -> Vec<Statement> {
    let name = &object.key.name;
    let word = match object.body {
        Body::Domain { .. } => "DOMAIN",
        _ => "TYPE",
    };
    vec![at(
        object,
        format!("DROP {word} {name};"),
        Some(format!("drops type {name}")),
    )]
}

/// `from`'s labels all kept, in the same order: new ones can be added in place.
fn added_in_place(old: &[String], new: &[String]) -> bool {
    let mut rest = new.iter();
    old.iter().all(|label| rest.any(|l| l == label))
}

/// Domains and composites change only by being made again.
pub fn replaces(old: &Body, new: &Body) -> bool {
    !matches!((old, new), (Body::Enum { .. }, Body::Enum { .. }))
}

pub fn enum_recreated(old: &Object, new: &Object) -> bool {
    match (&old.body, &new.body) {
        (Body::Enum { labels: a }, Body::Enum { labels: b }) => !added_in_place(a, b),
        _ => false,
    }
}

pub fn alter(ctx: &Ctx, old: &Object, new: &Object) -> Edit {
    let (Body::Enum { labels: old_labels }, Body::Enum { labels }) = (&old.body, &new.body) else {
        return Edit::default();
    };
    if added_in_place(old_labels, labels) {
        return add_labels(new, old_labels, labels);
    }
    recreate(ctx, old, new, labels)
}

fn add_labels(new: &Object, old: &[String], labels: &[String]) -> Edit {
    let name = &new.key.name;
    let add = |label: &str, place: String| {
        at(
            new,
            format!(
                "ALTER TYPE {name} ADD VALUE {}{place};",
                quote_literal(label)
            ),
            Some(format!(
                "the label {} cannot be used before this migration commits",
                quote_literal(label)
            )),
        )
    };
    let mut edit = Edit::default();
    let first_kept = labels.iter().position(|l| old.contains(l));
    let Some(first_kept) = first_kept else {
        // No label before: added in order at the end.
        edit.establish = labels.iter().map(|l| add(l, String::new())).collect();
        return edit;
    };
    for i in (0..first_kept).rev() {
        let place = format!(" BEFORE {}", quote_literal(&labels[i + 1]));
        edit.establish.push(add(&labels[i], place));
    }
    for i in first_kept + 1..labels.len() {
        if !old.contains(&labels[i]) {
            let place = format!(" AFTER {}", quote_literal(&labels[i - 1]));
            edit.establish.push(add(&labels[i], place));
        }
    }
    edit
}

/// Renames the old type, makes the new one, converts each column through text, drops the
/// old one. What else uses the type is dropped and made again by the planner.
fn recreate(ctx: &Ctx, old: &Object, new: &Object, labels: &[String]) -> Edit {
    let name = &new.key.name;
    let (namespace, own) = split_qualified(name).unwrap_or(("", name.as_str()));
    let old_own = quote_ident(&format!("{}__old", unquote(own)));
    let old_name = if namespace.is_empty() {
        old_own.clone()
    } else {
        format!("{namespace}.{old_own}")
    };
    let mut edit = Edit::default();
    edit.release.push(at(
        old,
        format!("ALTER TYPE {name} RENAME TO {old_own};"),
        Some(format!(
            "enum type {name} is made again: every column of it is rewritten"
        )),
    ));
    edit.establish.push(at(
        new,
        format!("CREATE TYPE {name} AS ENUM ({});", labels_list(labels)),
        None,
    ));
    edit.establish
        .extend(super::grants::revoke_defaults(ctx, new));
    for dependent in ctx.from_graph.dependents_of(&old.key) {
        if dependent.kind != Kind::Column || ctx.replaced.contains(dependent) {
            continue;
        }
        let Some(column) = ctx.to.get(dependent) else {
            continue;
        };
        if column.owner.as_ref().is_some_and(|t| ctx.made_table(t)) {
            continue;
        }
        let Body::Column {
            table,
            column: column_name,
            data_type,
            default,
            ..
        } = &column.body
        else {
            continue;
        };
        let alter = format!("ALTER TABLE {table} ALTER COLUMN {column_name}");
        let had_default = matches!(
            ctx.from.get(dependent).map(|o| &o.body),
            Some(Body::Column {
                default: Some(_),
                ..
            })
        );
        if had_default {
            edit.establish
                .push(at(new, format!("{alter} DROP DEFAULT;"), None));
        }
        let via = if data_type.ends_with("[]") {
            "text[]"
        } else {
            "text"
        };
        edit.establish.push(at(
            new,
            format!("{alter} TYPE {data_type} USING {column_name}::{via}::{data_type};"),
            Some(format!("rewrites {table} under an ACCESS EXCLUSIVE lock")),
        ));
        if let Some(default) = default {
            edit.establish
                .push(at(new, format!("{alter} SET DEFAULT {default};"), None));
        }
    }
    edit.establish
        .push(at(new, format!("DROP TYPE {old_name};"), None));
    edit
}

#[cfg(test)]
mod tests {
    use crate::schema_diff::model::{Body, Kind};
    use crate::schema_diff::testing::*;

    #[test]
    fn an_enum_is_made_and_dropped() {
        let changes = up_and_down(
            &schema(vec![]),
            &schema(vec![enum_type("public.mood", &["sad", "it's ok"])]),
        );
        assert_eq!(
            sqls(&changes.main.up),
            ["CREATE TYPE public.mood AS ENUM ('sad', 'it''s ok');"]
        );
        assert_eq!(sqls(&changes.main.down), ["DROP TYPE public.mood;"]);
        assert_eq!(hazards(&changes.main.down), ["drops type public.mood"]);
    }

    #[test]
    fn labels_are_added_in_place_in_order_and_their_removal_makes_the_type_again() {
        let from = schema(vec![
            enum_type("public.mood", &["ok"]),
            table("public.t"),
            needing(
                with_column(column("public.t", "m", "public.mood", 1), |c| {
                    c.default = Some("'ok'::public.mood".into())
                }),
                &[key(Kind::Type, "public.mood")],
            ),
        ]);
        let mut to = from.clone();
        to.insert(enum_type("public.mood", &["sad", "ok", "happy"]));
        let changes = up_and_down(&from, &to);
        assert_eq!(
            sqls(&changes.main.up),
            [
                "ALTER TYPE public.mood ADD VALUE 'sad' BEFORE 'ok';",
                "ALTER TYPE public.mood ADD VALUE 'happy' AFTER 'ok';",
            ]
        );
        assert_eq!(
            sqls(&changes.main.down),
            [
                "ALTER TYPE public.mood RENAME TO \"mood__old\";",
                "CREATE TYPE public.mood AS ENUM ('ok');",
                "ALTER TABLE public.t ALTER COLUMN m DROP DEFAULT;",
                "ALTER TABLE public.t ALTER COLUMN m TYPE public.mood USING m::text::public.mood;",
                "ALTER TABLE public.t ALTER COLUMN m SET DEFAULT 'ok'::public.mood;",
                "DROP TYPE public.\"mood__old\";",
            ]
        );
        assert_eq!(
            hazards(&changes.main.down),
            [
                "enum type public.mood is made again: every column of it is rewritten",
                "rewrites public.t under an ACCESS EXCLUSIVE lock",
            ]
        );
    }

    #[test]
    fn a_changed_domain_is_made_again_with_its_columns() {
        let domain = |check: &str| {
            object(
                Kind::Type,
                "public.pos",
                None,
                Body::Domain {
                    create: format!("CREATE DOMAIN public.pos AS integer CHECK ({check})"),
                },
            )
        };
        let objects = |check: &str| {
            schema(vec![
                domain(check),
                table("public.t"),
                needing(
                    column("public.t", "p", "public.pos", 1),
                    &[key(Kind::Type, "public.pos")],
                ),
            ])
        };
        let changes = up_and_down(&objects("VALUE > 0"), &objects("VALUE >= 0"));
        assert_eq!(
            sqls(&changes.main.up),
            [
                "ALTER TABLE public.t DROP COLUMN p;",
                "DROP DOMAIN public.pos;",
                "CREATE DOMAIN public.pos AS integer CHECK (VALUE >= 0);",
                "ALTER TABLE public.t ADD COLUMN p public.pos;",
            ]
        );
        assert_eq!(
            hazards(&changes.main.up),
            [
                "drops column public.t.p and its data",
                "drops type public.pos"
            ]
        );
    }

    #[test]
    fn an_enum_made_again_gets_its_comment_and_grants_back() {
        let comment = object(
            Kind::Comment,
            "TYPE public.mood",
            Some(key(Kind::Type, "public.mood")),
            Body::Comment {
                on: "TYPE public.mood".into(),
                text: "how it went".into(),
            },
        );
        let from = schema(vec![enum_type("public.mood", &["a", "b"]), comment.clone()]);
        let to = schema_without_defaults(vec![enum_type("public.mood", &["b", "a"]), comment]);
        let changes = up_and_down(&from, &to);
        assert_eq!(
            sqls(&changes.main.up),
            [
                "ALTER TYPE public.mood RENAME TO \"mood__old\";",
                "CREATE TYPE public.mood AS ENUM ('b', 'a');",
                "REVOKE ALL ON TYPE public.mood FROM PUBLIC;",
                "DROP TYPE public.\"mood__old\";",
                "COMMENT ON TYPE public.mood IS 'how it went';",
            ]
        );
    }

    #[test]
    fn a_function_over_an_enum_made_again_is_made_again_around_it() {
        let f = needing(
            function(
                "public.is_ok(public.mood)",
                "CREATE OR REPLACE FUNCTION public.is_ok(m public.mood)\n RETURNS boolean\n LANGUAGE sql\nAS $function$select m = 'ok'$function$\n",
                "boolean",
            ),
            &[key(Kind::Type, "public.mood")],
        );
        let from = schema(vec![enum_type("public.mood", &["ok", "bad"]), f.clone()]);
        let to = schema(vec![enum_type("public.mood", &["ok"]), f]);
        let up = up_and_down(&from, &to).main.up;
        assert_eq!(
            sqls(&up)[..4],
            [
                "SET LOCAL check_function_bodies = off;",
                "DROP FUNCTION public.is_ok(public.mood);",
                "ALTER TYPE public.mood RENAME TO \"mood__old\";",
                "CREATE TYPE public.mood AS ENUM ('ok');",
            ]
        );
        assert_eq!(sqls(&up)[4], "DROP TYPE public.\"mood__old\";");
        assert!(sqls(&up)[5].starts_with("CREATE OR REPLACE FUNCTION public.is_ok(m public.mood)"));
        assert_eq!(up.len(), 6);
    }
}
