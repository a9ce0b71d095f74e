//! Row-level security policies: made, dropped, changed in place with `ALTER POLICY` when
//! only their roles or expressions change, else made again.

use super::Statement;
use super::context::Edit;
use super::model::{Body, Object, PolicyCommand};

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

#[cfg(test)]
mod tests {
    use crate::schema_diff::model::{Body, PolicyCommand};
    use crate::schema_diff::testing::*;

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
}
