//! Functions, procedures and triggers, as `pg_get_functiondef` and `pg_get_triggerdef`
//! print them.

use super::Statement;
use super::constraints::own_name;
use super::model::{Body, Object};
use super::quote::statement;

fn at(object: &Object, sql: String, hazard: Option<String>) -> Statement {
    Statement {
        key: object.key.clone(),
        sql,
        hazard,
    }
}

pub fn create(object: &Object) -> Vec<Statement> {
    match &object.body {
        Body::Function { create, .. } | Body::Trigger { create, .. } => {
            vec![at(object, statement(create), None)]
        }
        _ => Vec::new(),
    }
}

pub fn drop(object: &Object) -> Vec<Statement> {
    let name = &object.key.name;
    match &object.body {
        Body::Function { procedure, .. } => {
            let word = if *procedure { "PROCEDURE" } else { "FUNCTION" };
            vec![at(
                object,
                format!("DROP {word} {name};"),
                Some(format!(
                    "drops {} {name}: what calls it fails until it is made again",
                    word.to_lowercase()
                )),
            )]
        }
        Body::Trigger { table, .. } => vec![at(
            object,
            format!("DROP TRIGGER {} ON {table};", own_name(table, name)),
            None,
        )],
        _ => Vec::new(),
    }
}

/// `CREATE OR REPLACE` cannot change what a function returns, nor make a function a
/// procedure, nor rename a parameter or take a default away (its first line, the
/// signature, changes); a trigger is always made again.
pub fn replaces(old: &Body, new: &Body) -> bool {
    match (old, new) {
        (
            Body::Function {
                create: c1,
                returns: r1,
                procedure: p1,
            },
            Body::Function {
                create: c2,
                returns: r2,
                procedure: p2,
            },
        ) => r1 != r2 || p1 != p2 || signature(c1) != signature(c2),
        _ => true,
    }
}

fn signature(create: &str) -> &str {
    create.trim_start().lines().next().unwrap_or("").trim_end()
}

#[cfg(test)]
mod tests {
    use crate::schema_diff::model::{Body, Kind};
    use crate::schema_diff::testing::*;

    const TOUCH: &str = "CREATE OR REPLACE FUNCTION public.touch()\n RETURNS trigger\n LANGUAGE plpgsql\nAS $function$begin new.at := now(); return new; end$function$\n";

    #[test]
    fn a_function_is_made_replaced_in_place_and_dropped() {
        let changes = up_and_down(
            &schema(vec![]),
            &schema(vec![function("public.touch()", TOUCH, "trigger")]),
        );
        assert_eq!(
            sqls(&changes.main.up),
            [
                "SET LOCAL check_function_bodies = off;",
                "CREATE OR REPLACE FUNCTION public.touch()\n RETURNS trigger\n LANGUAGE plpgsql\nAS $function$begin new.at := now(); return new; end$function$;",
            ]
        );
        assert_eq!(sqls(&changes.main.down), ["DROP FUNCTION public.touch();"]);
        let changed = TOUCH.replace("now()", "clock_timestamp()");
        let changes = up_and_down(
            &schema(vec![function("public.touch()", TOUCH, "trigger")]),
            &schema(vec![function("public.touch()", &changed, "trigger")]),
        );
        assert_eq!(changes.main.up.len(), 2);
        assert!(changes.main.up[1].sql.contains("clock_timestamp()"));
        assert!(changes.main.down[1].sql.contains("now()"));
    }

    #[test]
    fn a_function_returning_another_type_is_dropped_and_made_again() {
        let one = function(
            "public.f(integer)",
            "CREATE OR REPLACE FUNCTION public.f(a integer)\n RETURNS integer\n LANGUAGE sql\nAS $function$select a$function$\n",
            "integer",
        );
        let two = function(
            "public.f(integer)",
            "CREATE OR REPLACE FUNCTION public.f(a integer)\n RETURNS bigint\n LANGUAGE sql\nAS $function$select a::bigint$function$\n",
            "bigint",
        );
        let changes = up_and_down(&schema(vec![one]), &schema(vec![two]));
        let up = sqls(&changes.main.up);
        assert_eq!(up[0], "SET LOCAL check_function_bodies = off;");
        assert_eq!(up[1], "DROP FUNCTION public.f(integer);");
        assert!(up[2].contains("RETURNS bigint"));
    }

    #[test]
    fn a_renamed_parameter_makes_the_function_again() {
        let one = function(
            "public.f(integer)",
            "CREATE OR REPLACE FUNCTION public.f(a integer)\n RETURNS integer\n LANGUAGE sql\nAS $function$select a$function$\n",
            "integer",
        );
        let two = function(
            "public.f(integer)",
            "CREATE OR REPLACE FUNCTION public.f(b integer)\n RETURNS integer\n LANGUAGE sql\nAS $function$select b$function$\n",
            "integer",
        );
        let changes = up_and_down(&schema(vec![one]), &schema(vec![two]));
        assert_eq!(
            sqls(&changes.main.up)[1],
            "DROP FUNCTION public.f(integer);"
        );
        assert!(sqls(&changes.main.up)[2].contains("f(b integer)"));
    }

    #[test]
    fn a_procedure_is_dropped_as_one() {
        let procedure = object(
            Kind::Function,
            "public.p()",
            None,
            Body::Function {
                create: "CREATE OR REPLACE PROCEDURE public.p()\n LANGUAGE sql\nAS $procedure$select 1$procedure$\n".into(),
                returns: None,
                procedure: true,
            },
        );
        let changes = up_and_down(&schema(vec![procedure]), &schema(vec![]));
        assert_eq!(sqls(&changes.main.up), ["DROP PROCEDURE public.p();"]);
    }

    #[test]
    fn a_trigger_is_made_after_its_function_and_table_and_made_again_when_changed() {
        let base = || {
            vec![
                table("public.t"),
                function("public.touch()", TOUCH, "trigger"),
            ]
        };
        let trig = |when: &str| {
            needing(
                trigger(
                    "public.t",
                    "t_touch",
                    &format!(
                        "CREATE TRIGGER t_touch {when} UPDATE ON public.t FOR EACH ROW EXECUTE FUNCTION touch()"
                    ),
                ),
                &[
                    key(Kind::Function, "public.touch()"),
                    key(Kind::Table, "public.t"),
                ],
            )
        };
        let mut with_before = base();
        with_before.push(trig("BEFORE"));
        let mut with_after = base();
        with_after.push(trig("AFTER"));
        let changes = up_and_down(&schema(base()), &schema(with_before.clone()));
        assert_eq!(
            sqls(&changes.main.up),
            [
                "CREATE TRIGGER t_touch BEFORE UPDATE ON public.t FOR EACH ROW EXECUTE FUNCTION touch();"
            ]
        );
        assert_eq!(
            sqls(&changes.main.down),
            ["DROP TRIGGER t_touch ON public.t;"]
        );
        let changes = up_and_down(&schema(with_before), &schema(with_after));
        assert_eq!(
            sqls(&changes.main.up),
            [
                "DROP TRIGGER t_touch ON public.t;",
                "CREATE TRIGGER t_touch AFTER UPDATE ON public.t FOR EACH ROW EXECUTE FUNCTION touch();"
            ]
        );
    }
}
