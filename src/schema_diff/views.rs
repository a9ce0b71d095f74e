//! Views and materialized views: made from their query, made again when it changes (the
//! planner makes again what depends on them too).

use super::Statement;
use super::model::{Body, Object};
use super::quote::statement;

fn query_of(query: &str) -> &str {
    query.trim().trim_end_matches(';').trim_end()
}

pub fn create(object: &Object) -> Vec<Statement> {
    let name = &object.key.name;
    let sql = match &object.body {
        Body::View { query, options } => {
            let with = if options.is_empty() {
                String::new()
            } else {
                format!(" WITH ({})", options.join(", "))
            };
            format!("CREATE VIEW {name}{with} AS\n{};", query_of(query))
        }
        Body::MaterializedView { query } => {
            format!("CREATE MATERIALIZED VIEW {name} AS\n{};", query_of(query))
        }
        _ => return Vec::new(),
    };
    vec![Statement {
        key: object.key.clone(),
        sql: statement(&sql),
        hazard: None,
    }]
}

pub fn drop(object: &Object) -> Vec<Statement> {
    let name = &object.key.name;
    let (sql, hazard) = match &object.body {
        Body::MaterializedView { .. } => (
            format!("DROP MATERIALIZED VIEW {name};"),
            Some(format!(
                "drops materialized view {name}: making it again runs its query in full"
            )),
        ),
        _ => (format!("DROP VIEW {name};"), None),
    };
    vec![Statement {
        key: object.key.clone(),
        sql,
        hazard,
    }]
}

#[cfg(test)]
mod tests {
    use crate::schema_diff::model::{Body, Kind};
    use crate::schema_diff::testing::*;

    #[test]
    fn a_view_with_options_is_made_and_dropped() {
        let mut v = view("public.v", " SELECT 1 AS one;");
        if let Body::View { options, .. } = &mut v.body {
            options.push("security_invoker=true".into());
        }
        let changes = up_and_down(&schema(vec![]), &schema(vec![v]));
        assert_eq!(
            sqls(&changes.main.up),
            ["CREATE VIEW public.v WITH (security_invoker=true) AS\nSELECT 1 AS one;"]
        );
        assert_eq!(sqls(&changes.main.down), ["DROP VIEW public.v;"]);
    }

    #[test]
    fn a_changed_view_is_made_again_with_the_views_over_it() {
        let over = || {
            needing(
                view("public.w", " SELECT one FROM public.v;"),
                &[key(Kind::View, "public.v")],
            )
        };
        let from = schema(vec![view("public.v", " SELECT 1 AS one;"), over()]);
        let to = schema(vec![view("public.v", " SELECT 2 AS one;"), over()]);
        let changes = up_and_down(&from, &to);
        assert_eq!(
            sqls(&changes.main.up),
            [
                "DROP VIEW public.w;",
                "DROP VIEW public.v;",
                "CREATE VIEW public.v AS\nSELECT 2 AS one;",
                "CREATE VIEW public.w AS\nSELECT one FROM public.v;",
            ]
        );
    }

    #[test]
    fn a_materialized_view_is_made_and_dropped_with_a_hazard() {
        let m = object(
            Kind::MaterializedView,
            "public.m",
            None,
            Body::MaterializedView {
                query: " SELECT 1 AS one;".into(),
            },
        );
        let changes = up_and_down(&schema(vec![]), &schema(vec![m]));
        assert_eq!(
            sqls(&changes.main.up),
            ["CREATE MATERIALIZED VIEW public.m AS\nSELECT 1 AS one;"]
        );
        assert_eq!(
            sqls(&changes.main.down),
            ["DROP MATERIALIZED VIEW public.m;"]
        );
        assert_eq!(
            hazards(&changes.main.down),
            ["drops materialized view public.m: making it again runs its query in full"]
        );
    }
}
