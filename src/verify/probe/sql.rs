//! The probes' statements. Names are quoted, values bound: `$1` is the impersonated user
//! (empty for anon), `$2` another owner or a row as JSON, `$3` the storage bucket. Every
//! statement is given all three, typed text, whether it reads them or not.

use crate::ident::quote_ident;

/// What a probe runs on: a table, its owner column, and for `storage.objects` one bucket.
#[derive(Debug, Clone)]
pub struct Target {
    /// `"schema"."table"`.
    pub name: String,
    /// The owner column, quoted.
    pub owner: String,
    /// The bucket column, quoted, when the probe is scoped to one bucket.
    pub bucket: Option<String>,
}

impl Target {
    pub fn new(schema: &str, table: &str, owner: &str, bucket: Option<&str>) -> Target {
        Target {
            name: format!("{}.{}", quote_ident(schema), quote_ident(table)),
            owner: quote_ident(owner),
            bucket: bucket.map(quote_ident),
        }
    }

    /// Rows owned by someone other than `$1` (for anon, `$1` is empty: any owned row), in
    /// the bucket `$3` when scoped.
    fn others(&self) -> String {
        let owner = &self.owner;
        format!(
            "{owner} IS NOT NULL AND {owner}::text IS DISTINCT FROM nullif($1::text, ''){}",
            self.in_bucket()
        )
    }

    fn in_bucket(&self) -> String {
        self.bucket
            .as_ref()
            .map_or_else(String::new, |b| format!(" AND {b}::text = $3::text"))
    }

    /// A row of owner `$2` to copy into an insert, as JSON text, with its column `$1` (the
    /// owner's name) set to `$4`.
    pub fn template(&self) -> String {
        format!(
            "SELECT (to_jsonb(t) || jsonb_build_object($1::text, $4::text))::text FROM {} AS t WHERE {}::text = $2::text{} LIMIT 1",
            self.name,
            self.owner,
            self.in_bucket()
        )
    }

    /// Up to `$1` owners found in the data (in the bucket `$2`).
    pub fn owners(&self) -> String {
        let owner = &self.owner;
        let scope = self
            .bucket
            .as_ref()
            .map_or_else(String::new, |b| format!(" AND {b}::text = $2::text"));
        format!(
            "SELECT DISTINCT {owner}::text FROM {} WHERE {owner} IS NOT NULL{scope} ORDER BY 1 LIMIT $1",
            self.name
        )
    }

    /// Up to `$1` buckets holding owned rows.
    pub fn buckets(&self) -> String {
        format!(
            "SELECT DISTINCT bucket_id::text FROM {} WHERE {} IS NOT NULL AND bucket_id IS NOT NULL ORDER BY 1 LIMIT $1",
            self.name, self.owner
        )
    }

    /// Counts the rows of others that can be selected; after the total, for each predicate
    /// (USING of a policy that does not look at the owner), the rows it lets through, and
    /// last, the rows none of them lets through. The predicates are the server's own text
    /// of the table's policies (`pg_get_expr`), evaluated as the role they apply to, so
    /// they mean here what they mean in the policy; nothing from outside the catalog enters.
    pub fn select(&self, shared_by: &[&str]) -> String {
        let holds: Vec<String> = shared_by
            .iter()
            .map(|p| format!("coalesce(({p}), false)"))
            .collect();
        let mut counts = vec!["count(*)".to_string()];
        counts.extend(holds.iter().map(|h| format!("count(*) FILTER (WHERE {h})")));
        if !holds.is_empty() {
            counts.push(format!(
                "count(*) FILTER (WHERE NOT ({}))",
                holds.join(" OR ")
            ));
        }
        format!(
            "SELECT {} FROM {} WHERE {}",
            counts.join(", "),
            self.name,
            self.others()
        )
    }

    /// Updates the rows of others, setting the owner to itself: it passes only where USING
    /// and WITH CHECK both let it.
    pub fn update(&self) -> String {
        let owner = &self.owner;
        format!(
            "WITH touched AS (UPDATE {} SET {owner} = {owner} WHERE {} RETURNING 1) SELECT count(*) FROM touched",
            self.name,
            self.others()
        )
    }

    pub fn delete(&self) -> String {
        format!(
            "WITH touched AS (DELETE FROM {} WHERE {} RETURNING 1) SELECT count(*) FROM touched",
            self.name,
            self.others()
        )
    }

    /// Inserts the row `$2` (JSON), giving `columns` (quoted) from it and leaving the others
    /// to their defaults. No RETURNING, as PostgREST's `return=minimal`: only WITH CHECK
    /// judges the row.
    pub fn insert(&self, columns: &[String]) -> String {
        let list = columns.join(", ");
        format!(
            "INSERT INTO {name} ({list}) SELECT {list} FROM jsonb_populate_record(NULL::{name}, $2::jsonb)",
            name = self.name
        )
    }

    /// Counts the rows owned by the owner in the row `$2` (JSON): run as the verifying role
    /// around a write, it tells whether the rows written kept the owner they were given.
    pub fn owned_by_written(&self) -> String {
        let owner = &self.owner;
        format!(
            "SELECT count(*) FROM {name} WHERE {owner} = (SELECT r.{owner} FROM jsonb_populate_record(NULL::{name}, $2::jsonb) AS r)",
            name = self.name
        )
    }

    /// Hands the caller's own rows to the owner in `$2` (JSON). Without a WHERE (unless
    /// scoped to a bucket, as the storage API is) nothing is read, so UPDATE's USING picks
    /// the rows and its WITH CHECK alone judges the new owner.
    pub fn update_owner(&self) -> String {
        let owner = &self.owner;
        let scope = self
            .bucket
            .as_ref()
            .map_or_else(String::new, |b| format!(" WHERE {b}::text = $3::text"));
        format!(
            "UPDATE {name} SET {owner} = (SELECT r.{owner} FROM jsonb_populate_record(NULL::{name}, $2::jsonb) AS r){scope}",
            name = self.name
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_quote_names_and_bind_values() {
        let t = Target::new("public", "to\"dos", "user id", None);
        assert_eq!(
            t.update(),
            "WITH touched AS (UPDATE \"public\".\"to\"\"dos\" SET \"user id\" = \"user id\" WHERE \"user id\" IS NOT NULL AND \"user id\"::text IS DISTINCT FROM nullif($1::text, '') RETURNING 1) SELECT count(*) FROM touched"
        );
        assert_eq!(
            t.insert(&["\"user id\"".into(), "\"title\"".into()]),
            "INSERT INTO \"public\".\"to\"\"dos\" (\"user id\", \"title\") SELECT \"user id\", \"title\" FROM jsonb_populate_record(NULL::\"public\".\"to\"\"dos\", $2::jsonb)"
        );
        assert_eq!(
            t.update_owner(),
            "UPDATE \"public\".\"to\"\"dos\" SET \"user id\" = (SELECT r.\"user id\" FROM jsonb_populate_record(NULL::\"public\".\"to\"\"dos\", $2::jsonb) AS r)"
        );
    }

    #[test]
    fn selects_split_the_rows_by_the_policies_that_share_them() {
        let t = Target::new("public", "posts", "user_id", None);
        assert_eq!(
            t.select(&[]),
            "SELECT count(*) FROM \"public\".\"posts\" WHERE \"user_id\" IS NOT NULL AND \"user_id\"::text IS DISTINCT FROM nullif($1::text, '')"
        );
        assert_eq!(
            t.select(&["true", "(is_public = true)"]),
            "SELECT count(*), count(*) FILTER (WHERE coalesce((true), false)), count(*) FILTER (WHERE coalesce(((is_public = true)), false)), count(*) FILTER (WHERE NOT (coalesce((true), false) OR coalesce(((is_public = true)), false))) FROM \"public\".\"posts\" WHERE \"user_id\" IS NOT NULL AND \"user_id\"::text IS DISTINCT FROM nullif($1::text, '')"
        );
    }

    #[test]
    fn storage_probes_are_scoped_to_a_bucket() {
        let t = Target::new("storage", "objects", "owner", Some("bucket_id"));
        assert!(t.delete().ends_with(
            "IS DISTINCT FROM nullif($1::text, '') AND \"bucket_id\"::text = $3::text RETURNING 1) SELECT count(*) FROM touched"
        ));
        assert!(
            t.update_owner()
                .ends_with(" WHERE \"bucket_id\"::text = $3::text")
        );
        assert!(t.template().ends_with(
            "WHERE \"owner\"::text = $2::text AND \"bucket_id\"::text = $3::text LIMIT 1"
        ));
    }
}
