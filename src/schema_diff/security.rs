//! Row-level security policies and grants. A policy changes in place with `ALTER POLICY`
//! when only its roles or expressions change; a grant changes by the difference only.

use std::collections::BTreeSet;

use super::Statement;
use super::model::{Body, Object, PolicyCommand};
use super::plan::{Ctx, Edit};

fn at(object: &Object, sql: String) -> Statement {
    Statement {
        key: object.key.clone(),
        sql,
        hazard: None,
    }
}

fn command_word(command: PolicyCommand) -> &'static str {
    match command {
        PolicyCommand::All => "ALL",
        PolicyCommand::Select => "SELECT",
        PolicyCommand::Insert => "INSERT",
        PolicyCommand::Update => "UPDATE",
        PolicyCommand::Delete => "DELETE",
    }
}

fn roles_list(roles: &[String]) -> String {
    if roles.is_empty() {
        "PUBLIC".to_string()
    } else {
        roles.join(", ")
    }
}

pub fn create_policy(object: &Object) -> Vec<Statement> {
    let Body::Policy {
        table,
        policy,
        permissive,
        command,
        roles,
        using,
        with_check,
    } = &object.body
    else {
        return Vec::new();
    };
    let mode = if *permissive {
        "PERMISSIVE"
    } else {
        "RESTRICTIVE"
    };
    let mut sql = format!(
        "CREATE POLICY {policy} ON {table} AS {mode} FOR {} TO {}",
        command_word(*command),
        roles_list(roles)
    );
    if let Some(using) = using {
        sql.push_str(&format!(" USING ({using})"));
    }
    if let Some(check) = with_check {
        sql.push_str(&format!(" WITH CHECK ({check})"));
    }
    sql.push(';');
    vec![at(object, sql)]
}

pub fn drop_policy(object: &Object) -> Vec<Statement> {
    let Body::Policy { table, policy, .. } = &object.body else {
        return Vec::new();
    };
    vec![at(object, format!("DROP POLICY {policy} ON {table};"))]
}

/// `ALTER POLICY` cannot change the mode or the command, nor take an expression away.
pub fn policy_replaces(old: &Body, new: &Body) -> bool {
    match (old, new) {
        (
            Body::Policy {
                table: t1,
                policy: n1,
                permissive: p1,
                command: c1,
                using: u1,
                with_check: w1,
                ..
            },
            Body::Policy {
                table: t2,
                policy: n2,
                permissive: p2,
                command: c2,
                using: u2,
                with_check: w2,
                ..
            },
        ) => {
            t1 != t2
                || n1 != n2
                || p1 != p2
                || c1 != c2
                || (u1.is_some() && u2.is_none())
                || (w1.is_some() && w2.is_none())
        }
        _ => true,
    }
}

pub fn alter_policy(old: &Object, new: &Object) -> Edit {
    let mut edit = Edit::default();
    let (
        Body::Policy {
            roles: r1,
            using: u1,
            with_check: w1,
            ..
        },
        Body::Policy {
            table,
            policy,
            roles: r2,
            using: u2,
            with_check: w2,
            ..
        },
    ) = (&old.body, &new.body)
    else {
        return edit;
    };
    let mut sql = format!("ALTER POLICY {policy} ON {table}");
    if r1 != r2 {
        sql.push_str(&format!(" TO {}", roles_list(r2)));
    }
    if u1 != u2
        && let Some(using) = u2
    {
        sql.push_str(&format!(" USING ({using})"));
    }
    if w1 != w2
        && let Some(check) = w2
    {
        sql.push_str(&format!(" WITH CHECK ({check})"));
    }
    sql.push(';');
    edit.establish.push(at(new, sql));
    edit
}

fn privilege_list(privileges: &BTreeSet<String>, columns: &[String]) -> String {
    let cols = if columns.is_empty() {
        String::new()
    } else {
        format!(" ({})", columns.join(", "))
    };
    privileges
        .iter()
        .map(|p| format!("{p}{cols}"))
        .collect::<Vec<_>>()
        .join(", ")
}

struct GrantParts<'a> {
    on: &'a str,
    columns: &'a [String],
    grantee: &'a str,
}

fn parts(body: &Body) -> Option<(GrantParts<'_>, &BTreeSet<String>, &BTreeSet<String>)> {
    match body {
        Body::Grant {
            on,
            columns,
            grantee,
            privileges,
            grantable,
        } => Some((
            GrantParts {
                on,
                columns,
                grantee,
            },
            privileges,
            grantable,
        )),
        _ => None,
    }
}

fn grant(
    object: &Object,
    g: &GrantParts,
    privileges: &BTreeSet<String>,
    option: bool,
) -> Statement {
    let with = if option { " WITH GRANT OPTION" } else { "" };
    at(
        object,
        format!(
            "GRANT {} ON {} TO {}{with};",
            privilege_list(privileges, g.columns),
            g.on,
            g.grantee
        ),
    )
}

fn revoke(
    object: &Object,
    g: &GrantParts,
    privileges: &BTreeSet<String>,
    option: bool,
) -> Statement {
    let what = if option { "GRANT OPTION FOR " } else { "" };
    at(
        object,
        format!(
            "REVOKE {what}{} ON {} FROM {};",
            privilege_list(privileges, g.columns),
            g.on,
            g.grantee
        ),
    )
}

/// The privilege PostgreSQL gives PUBLIC on a function or type it makes, and the word
/// GRANT names such an object with.
fn public_default(object: &Object) -> Option<(&'static str, &'static str)> {
    match &object.body {
        Body::Function {
            procedure: true, ..
        } => Some(("EXECUTE", "PROCEDURE")),
        Body::Function { .. } => Some(("EXECUTE", "FUNCTION")),
        Body::Enum { .. } | Body::Domain { .. } | Body::Composite { .. } => Some(("USAGE", "TYPE")),
        _ => None,
    }
}

/// A function or type just made has PUBLIC's default privilege: taken back when the target
/// has no grant to PUBLIC on it.
pub fn revoke_public_default(ctx: &Ctx, object: &Object) -> Option<Statement> {
    let (_, word) = public_default(object)?;
    let granted = ctx.to_graph.owned_of(&object.key).iter().any(|k| {
        matches!(
            ctx.to.get(k).map(|o| &o.body),
            Some(Body::Grant { grantee, .. }) if grantee == "PUBLIC"
        )
    });
    (!granted).then(|| {
        at(
            object,
            format!("REVOKE ALL ON {word} {} FROM PUBLIC;", object.key.name),
        )
    })
}

/// A grant PostgreSQL makes itself with its object (EXECUTE to PUBLIC on a new function).
fn made_by_default(ctx: &Ctx, object: &Object) -> bool {
    let Some((g, privileges, grantable)) = parts(&object.body) else {
        return false;
    };
    let Some(owner) = object.owner.as_ref() else {
        return false;
    };
    let made = ctx.from.get(owner).is_none()
        || ctx.replaced.contains(owner)
        || ctx.recreated.contains(owner);
    let default = ctx.to.get(owner).and_then(public_default);
    made && g.grantee == "PUBLIC"
        && g.columns.is_empty()
        && grantable.is_empty()
        && default
            .is_some_and(|(privilege, _)| privileges.len() == 1 && privileges.contains(privilege))
}

pub fn create_grant(ctx: &Ctx, object: &Object) -> Vec<Statement> {
    if made_by_default(ctx, object) {
        return Vec::new();
    }
    let Some((g, privileges, grantable)) = parts(&object.body) else {
        return Vec::new();
    };
    let plain: BTreeSet<String> = privileges.difference(grantable).cloned().collect();
    let mut statements = Vec::new();
    if !plain.is_empty() {
        statements.push(grant(object, &g, &plain, false));
    }
    if !grantable.is_empty() {
        statements.push(grant(object, &g, grantable, true));
    }
    statements
}

pub fn drop_grant(object: &Object) -> Vec<Statement> {
    let Some((g, privileges, _)) = parts(&object.body) else {
        return Vec::new();
    };
    if privileges.is_empty() {
        return Vec::new();
    }
    vec![revoke(object, &g, privileges, false)]
}

pub fn alter_grant(old: &Object, new: &Object) -> Edit {
    let mut edit = Edit::default();
    let (Some((_, old_privileges, old_grantable)), Some((g, privileges, grantable))) =
        (parts(&old.body), parts(&new.body))
    else {
        return edit;
    };
    let removed: BTreeSet<String> = old_privileges.difference(privileges).cloned().collect();
    if !removed.is_empty() {
        edit.release.push(revoke(old, &g, &removed, false));
    }
    let option_removed: BTreeSet<String> = old_grantable
        .intersection(privileges)
        .filter(|p| !grantable.contains(*p))
        .cloned()
        .collect();
    if !option_removed.is_empty() {
        edit.release.push(revoke(old, &g, &option_removed, true));
    }
    let added: BTreeSet<String> = privileges
        .difference(old_privileges)
        .filter(|p| !grantable.contains(*p))
        .cloned()
        .collect();
    if !added.is_empty() {
        edit.establish.push(grant(new, &g, &added, false));
    }
    let option_added: BTreeSet<String> = grantable.difference(old_grantable).cloned().collect();
    if !option_added.is_empty() {
        edit.establish.push(grant(new, &g, &option_added, true));
    }
    edit
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use crate::schema_diff::model::{Body, Key, Kind, PolicyCommand};
    use crate::schema_diff::testing::*;

    fn set(words: &[&str]) -> BTreeSet<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    fn grant(
        columns: &[&str],
        privileges: &[&str],
        grantable: &[&str],
    ) -> crate::schema_diff::model::Object {
        let cols = if columns.is_empty() {
            String::new()
        } else {
            format!(" ({})", columns.join(", "))
        };
        object(
            Kind::Grant,
            &format!("TABLE public.t{cols} TO app"),
            Some(Key::new(Kind::Table, "public.t")),
            Body::Grant {
                on: "TABLE public.t".into(),
                columns: columns.iter().map(|c| c.to_string()).collect(),
                grantee: "app".into(),
                privileges: set(privileges),
                grantable: set(grantable),
            },
        )
    }

    #[test]
    fn a_policy_is_made_altered_in_place_and_made_again() {
        let mut p = policy("public.t", "own", "(owner = CURRENT_USER)");
        if let Body::Policy {
            command,
            roles,
            with_check,
            permissive,
            ..
        } = &mut p.body
        {
            *command = PolicyCommand::Update;
            *roles = vec!["app".into(), "\"Admin\"".into()];
            *with_check = Some("(owner = CURRENT_USER)".into());
            *permissive = false;
        }
        let changes = up_and_down(
            &schema(vec![table("public.t")]),
            &schema(vec![table("public.t"), p.clone()]),
        );
        assert_eq!(
            sqls(&changes.main.up),
            [
                "CREATE POLICY own ON public.t AS RESTRICTIVE FOR UPDATE TO app, \"Admin\" USING ((owner = CURRENT_USER)) WITH CHECK ((owner = CURRENT_USER));"
            ]
        );
        assert_eq!(sqls(&changes.main.down), ["DROP POLICY own ON public.t;"]);

        let mut wider = p.clone();
        if let Body::Policy { roles, using, .. } = &mut wider.body {
            *roles = vec!["PUBLIC".into()];
            *using = Some("true".into());
        }
        let changes = up_and_down(
            &schema(vec![table("public.t"), p.clone()]),
            &schema(vec![table("public.t"), wider]),
        );
        assert_eq!(
            sqls(&changes.main.up),
            ["ALTER POLICY own ON public.t TO PUBLIC USING (true);"]
        );

        let mut no_check = p.clone();
        if let Body::Policy { with_check, .. } = &mut no_check.body {
            *with_check = None;
        }
        let changes = up_and_down(
            &schema(vec![table("public.t"), p]),
            &schema(vec![table("public.t"), no_check]),
        );
        assert_eq!(
            sqls(&changes.main.up),
            [
                "DROP POLICY own ON public.t;",
                "CREATE POLICY own ON public.t AS RESTRICTIVE FOR UPDATE TO app, \"Admin\" USING ((owner = CURRENT_USER));"
            ]
        );
    }

    #[test]
    fn grants_change_by_their_difference() {
        let base = || vec![table("public.t")];
        let with = |g| {
            let mut objects = base();
            objects.push(g);
            schema(objects)
        };
        let changes = up_and_down(
            &schema(base()),
            &with(grant(&[], &["INSERT", "SELECT"], &["SELECT"])),
        );
        assert_eq!(
            sqls(&changes.main.up),
            [
                "GRANT INSERT ON TABLE public.t TO app;",
                "GRANT SELECT ON TABLE public.t TO app WITH GRANT OPTION;",
            ]
        );
        assert_eq!(
            sqls(&changes.main.down),
            ["REVOKE INSERT, SELECT ON TABLE public.t FROM app;"]
        );
        let changes = up_and_down(
            &with(grant(&[], &["INSERT", "SELECT"], &["SELECT"])),
            &with(grant(&[], &["SELECT", "UPDATE"], &[])),
        );
        assert_eq!(
            sqls(&changes.main.up),
            [
                "REVOKE INSERT ON TABLE public.t FROM app;",
                "REVOKE GRANT OPTION FOR SELECT ON TABLE public.t FROM app;",
                "GRANT UPDATE ON TABLE public.t TO app;",
            ]
        );
        let changes = up_and_down(
            &schema(base()),
            &with(grant(&["a", "b"], &["SELECT", "UPDATE"], &[])),
        );
        assert_eq!(
            sqls(&changes.main.up),
            ["GRANT SELECT (a, b), UPDATE (a, b) ON TABLE public.t TO app;"]
        );
    }

    #[test]
    fn grants_of_a_dropped_table_go_with_it() {
        let changes = up_and_down(
            &schema(vec![table("public.t"), grant(&[], &["SELECT"], &[])]),
            &schema(vec![]),
        );
        assert_eq!(sqls(&changes.main.up), ["DROP TABLE public.t;"]);
        assert_eq!(
            sqls(&changes.main.down),
            [
                "CREATE TABLE public.t ();",
                "GRANT SELECT ON TABLE public.t TO app;"
            ]
        );
    }

    #[test]
    fn a_column_grant_is_made_after_its_column_and_revoked_before_it_goes() {
        let from = schema(vec![table("public.t")]);
        let mut added = needing(
            column("public.t", "a", "public.later", 1),
            &[Key::new(Kind::Type, "public.later")],
        );
        if let Body::Column { data_type, .. } = &mut added.body {
            *data_type = "public.later".into();
        }
        let later = object(
            Kind::Type,
            "public.later",
            None,
            Body::Composite {
                create: "CREATE TYPE public.later AS (x integer)".into(),
            },
        );
        let to = schema(vec![
            table("public.t"),
            added,
            later,
            grant(&["a"], &["SELECT"], &[]),
        ]);
        let changes = up_and_down(&from, &to);
        assert_eq!(
            sqls(&changes.main.up),
            [
                "CREATE TYPE public.later AS (x integer);",
                "ALTER TABLE public.t ADD COLUMN a public.later;",
                "GRANT SELECT (a) ON TABLE public.t TO app;",
            ]
        );
        assert_eq!(
            sqls(&changes.main.down),
            [
                "REVOKE SELECT (a) ON TABLE public.t FROM app;",
                "ALTER TABLE public.t DROP COLUMN a;",
                "DROP TYPE public.later;",
            ]
        );
    }

    #[test]
    fn a_new_function_keeps_public_s_default_only_when_the_target_has_it() {
        let f = function(
            "public.f()",
            "CREATE OR REPLACE FUNCTION public.f()\n RETURNS integer\n LANGUAGE sql\nAS $function$select 1$function$\n",
            "integer",
        );
        let changes = up_and_down(&schema(vec![]), &schema_without_defaults(vec![f.clone()]));
        assert_eq!(
            sqls(&changes.main.up)[1..],
            [
                "CREATE OR REPLACE FUNCTION public.f()\n RETURNS integer\n LANGUAGE sql\nAS $function$select 1$function$;",
                "REVOKE ALL ON FUNCTION public.f() FROM PUBLIC;",
            ]
        );
        assert_eq!(sqls(&changes.main.down), ["DROP FUNCTION public.f();"]);
        // With the default grant listed, nothing is granted: PostgreSQL does it.
        let changes = up_and_down(&schema(vec![]), &schema(vec![f.clone()]));
        assert_eq!(changes.main.up.len(), 2);
        // Taking it back from a kept function is a revoke of its own.
        let changes = up_and_down(&schema(vec![f.clone()]), &schema_without_defaults(vec![f]));
        assert_eq!(
            sqls(&changes.main.up),
            ["REVOKE EXECUTE ON FUNCTION public.f() FROM PUBLIC;"]
        );
        assert_eq!(
            sqls(&changes.main.down),
            ["GRANT EXECUTE ON FUNCTION public.f() TO PUBLIC;"]
        );
    }
}
