//! Indexes, as `pg_get_indexdef` prints them. On a kept table the planner moves them to the
//! second, non-transactional migration, built `CONCURRENTLY`.

use super::Statement;
use super::context::Ctx;
use super::model::{Body, Object};
use super::quote::statement;

pub fn create(ctx: &Ctx, object: &Object) -> Vec<Statement> {
    let Body::Index { table, create } = &object.body else {
        return Vec::new();
    };
    let hazard = ctx.existing_table(table).then(|| {
        format!(
            "builds {} without CONCURRENTLY: writes to {table} wait until it is built",
            object.key.name
        )
    });
    vec![Statement {
        key: object.key.clone(),
        sql: statement(create),
        hazard,
    }]
}

pub fn drop(object: &Object) -> Vec<Statement> {
    vec![Statement {
        key: object.key.clone(),
        sql: format!("DROP INDEX {};", object.key.name),
        hazard: None,
    }]
}

/// `CREATE [UNIQUE] INDEX name ...` as `CREATE [UNIQUE] INDEX CONCURRENTLY name ...`.
pub fn concurrently(create: &str) -> String {
    match create.find("INDEX ") {
        Some(at) => format!(
            "{}INDEX CONCURRENTLY {}",
            &create[..at],
            &create[at + "INDEX ".len()..]
        ),
        None => create.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use crate::schema_diff::model::{Body, ConstraintKind, Key, Kind};
    use crate::schema_diff::testing::*;

    fn base() -> Vec<crate::schema_diff::model::Object> {
        vec![table("public.t"), column("public.t", "a", "int", 1)]
    }

    fn with(extra: Vec<crate::schema_diff::model::Object>) -> crate::schema_diff::model::Schema {
        let mut objects = base();
        objects.extend(extra);
        schema(objects)
    }

    #[test]
    fn an_index_on_a_kept_table_is_built_concurrently_in_the_second_pair() {
        let changes = up_and_down(
            &with(vec![]),
            &with(vec![index(
                "public.t",
                "public.t_a_idx",
                "CREATE UNIQUE INDEX t_a_idx ON public.t USING btree (a) WHERE (a > 0)",
            )]),
        );
        assert!(changes.main.is_empty());
        assert_eq!(
            sqls(&changes.concurrent.up),
            ["CREATE UNIQUE INDEX CONCURRENTLY t_a_idx ON public.t USING btree (a) WHERE (a > 0);"]
        );
        assert_eq!(
            hazards(&changes.concurrent.up),
            [
                "a failed concurrent build leaves public.t_a_idx invalid: drop it before running again"
            ]
        );
        assert_eq!(
            sqls(&changes.concurrent.down),
            ["DROP INDEX CONCURRENTLY public.t_a_idx;"]
        );
    }

    #[test]
    fn an_index_on_a_new_table_is_made_with_it() {
        let changes = up_and_down(
            &schema(vec![]),
            &with(vec![index(
                "public.t",
                "public.t_a_idx",
                "CREATE INDEX t_a_idx ON public.t USING btree (a)",
            )]),
        );
        assert_eq!(
            sqls(&changes.main.up),
            [
                "CREATE TABLE public.t (\n    a int\n);",
                "CREATE INDEX t_a_idx ON public.t USING btree (a);",
            ]
        );
        assert!(changes.concurrent.is_empty());
    }

    #[test]
    fn a_changed_index_is_dropped_first_and_its_rollback_builds_the_old_one_with_a_hazard() {
        let old = index(
            "public.t",
            "public.t_a_idx",
            "CREATE INDEX t_a_idx ON public.t USING btree (a)",
        );
        let new = index(
            "public.t",
            "public.t_a_idx",
            "CREATE INDEX t_a_idx ON public.t USING hash (a)",
        );
        let changes = up_and_down(&with(vec![old]), &with(vec![new]));
        assert_eq!(sqls(&changes.main.up), ["DROP INDEX public.t_a_idx;"]);
        assert_eq!(
            sqls(&changes.concurrent.up),
            ["CREATE INDEX CONCURRENTLY t_a_idx ON public.t USING hash (a);"]
        );
        assert_eq!(
            sqls(&changes.concurrent.down),
            ["DROP INDEX CONCURRENTLY public.t_a_idx;"]
        );
        // The rollback runs after the second pair's: the new index is gone already.
        assert_eq!(
            sqls(&changes.main.down),
            ["CREATE INDEX t_a_idx ON public.t USING btree (a);"]
        );
        assert_eq!(
            hazards(&changes.main.down),
            [
                "builds public.t_a_idx without CONCURRENTLY: writes to public.t wait until it is built"
            ]
        );
    }

    #[test]
    fn an_index_on_a_partitioned_table_stays_in_the_transaction_with_its_hazard() {
        let parted = || {
            let mut t = table("public.t");
            if let Body::Table { partition_by, .. } = &mut t.body {
                *partition_by = Some("RANGE (a)".into());
            }
            vec![t, column("public.t", "a", "int", 1)]
        };
        let mut to = parted();
        to.push(index(
            "public.t",
            "public.t_a_idx",
            "CREATE INDEX t_a_idx ON ONLY public.t USING btree (a)",
        ));
        let changes = up_and_down(&schema(parted()), &schema(to));
        assert!(changes.concurrent.is_empty());
        assert_eq!(
            sqls(&changes.main.up),
            ["CREATE INDEX t_a_idx ON ONLY public.t USING btree (a);"]
        );
        assert_eq!(
            hazards(&changes.main.up),
            [
                "builds public.t_a_idx without CONCURRENTLY: writes to public.t wait until it is built"
            ]
        );
    }

    #[test]
    fn an_index_s_comment_goes_with_it_to_the_second_pair() {
        let idx = index(
            "public.t",
            "public.t_a_idx",
            "CREATE INDEX t_a_idx ON public.t USING btree (a)",
        );
        let note = object(
            Kind::Comment,
            "INDEX public.t_a_idx",
            Some(Key::new(Kind::Index, "public.t_a_idx")),
            Body::Comment {
                on: "INDEX public.t_a_idx".into(),
                text: "fast a".into(),
            },
        );
        let changes = up_and_down(&with(vec![]), &with(vec![idx, note]));
        assert!(changes.main.is_empty());
        assert_eq!(
            sqls(&changes.concurrent.up),
            [
                "CREATE INDEX CONCURRENTLY t_a_idx ON public.t USING btree (a);",
                "COMMENT ON INDEX public.t_a_idx IS 'fast a';",
            ]
        );
        assert_eq!(
            sqls(&changes.concurrent.down),
            ["DROP INDEX CONCURRENTLY public.t_a_idx;"]
        );
    }

    #[test]
    fn an_index_a_new_foreign_key_needs_is_built_in_the_first_migration() {
        let unique = index(
            "public.t",
            "public.t_a_key",
            "CREATE UNIQUE INDEX t_a_key ON public.t USING btree (a)",
        );
        let mut fk = constraint(
            "public.t",
            "t_self_fkey",
            ConstraintKind::ForeignKey,
            "FOREIGN KEY (a) REFERENCES public.t(a)",
        );
        fk.depends_on
            .insert(Key::new(Kind::Index, "public.t_a_key"));
        let changes = up_and_down(&with(vec![]), &with(vec![unique, fk]));
        assert_eq!(
            sqls(&changes.main.up),
            [
                "CREATE UNIQUE INDEX t_a_key ON public.t USING btree (a);",
                "ALTER TABLE public.t ADD CONSTRAINT t_self_fkey FOREIGN KEY (a) REFERENCES public.t(a) NOT VALID;",
            ]
        );
        assert_eq!(
            sqls(&changes.concurrent.up),
            ["ALTER TABLE public.t VALIDATE CONSTRAINT t_self_fkey;"]
        );
    }

    #[test]
    fn an_index_on_a_kept_materialized_view_is_built_concurrently() {
        let view = object(
            Kind::MaterializedView,
            "public.m",
            None,
            Body::MaterializedView {
                query: " SELECT 1 AS a;".into(),
            },
        );
        let mut idx = index(
            "public.m",
            "public.m_a_idx",
            "CREATE INDEX m_a_idx ON public.m USING btree (a)",
        );
        idx.owner = Some(Key::new(Kind::MaterializedView, "public.m"));
        let changes = up_and_down(&schema(vec![view.clone()]), &schema(vec![view, idx]));
        assert!(changes.main.is_empty());
        assert_eq!(
            sqls(&changes.concurrent.up),
            ["CREATE INDEX CONCURRENTLY m_a_idx ON public.m USING btree (a);"]
        );
    }
}
