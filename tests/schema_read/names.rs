//! Names that need quoting come out quoted wherever they appear: keys, bodies, grants and
//! comments.

use dbward::schema_diff::model::{Body, Kind, PolicyCommand};

use super::support::TestDb;
use super::*;

#[test]
fn names_that_need_quotes_are_quoted_everywhere() {
    let db = TestDb::new();
    setup(
        &db,
        r#"CREATE ROLE "Reader Role" NOLOGIN;
           CREATE SCHEMA "My App";
           CREATE TYPE "My App"."Mood" AS ENUM ('it''s ok', 'fine');
           CREATE TABLE "My App"."Users" ("Id" serial PRIMARY KEY, "E-mail" text, mood "My App"."Mood");
           CREATE TABLE "My App"."Log" (at date NOT NULL) PARTITION BY RANGE (at);
           CREATE INDEX "Log At" ON "My App"."Log" (at);
           CREATE VIEW "My App"."User View" AS SELECT "E-mail" FROM "My App"."Users";
           COMMENT ON COLUMN "My App"."User View"."E-mail" IS 'seen';
           CREATE FUNCTION "My App"."Check It"("Arg" integer) RETURNS boolean LANGUAGE sql AS $$ SELECT true $$;
           ALTER TABLE "My App"."Users" ENABLE ROW LEVEL SECURITY;
           CREATE POLICY "Everyone's" ON "My App"."Users" AS RESTRICTIVE TO PUBLIC
             USING (true) WITH CHECK ("My App"."Check It"(1));
           GRANT SELECT ("E-mail") ON "My App"."Users" TO "Reader Role";
           GRANT USAGE ON SCHEMA "My App" TO "Reader Role";"#,
    );
    let schema = read_schema(&db, None, false);
    let mut expected = strings(&[
        r#"schema "My App""#,
        r#"type "My App"."Mood""#,
        r#"sequence "My App"."Users_Id_seq""#,
        r#"table "My App"."Log""#,
        r#"table "My App"."Users""#,
        r#"column "My App"."Log".at"#,
        r#"column "My App"."Users"."E-mail""#,
        r#"column "My App"."Users"."Id""#,
        r#"column "My App"."Users".mood"#,
        r#"constraint "My App"."Users" "Users_pkey""#,
        r#"index "My App"."Log At""#,
        r#"view "My App"."User View""#,
        r#"function "My App"."Check It"("Arg" integer)"#,
        r#"policy "My App"."Users" "Everyone's""#,
        r#"grant FUNCTION "My App"."Check It"("Arg" integer) TO PUBLIC"#,
        r#"grant SCHEMA "My App" TO "Reader Role""#,
        r#"grant SCHEMA public TO PUBLIC"#,
        r#"grant TABLE "My App"."Users" ("E-mail") TO "Reader Role""#,
        r#"grant TYPE "My App"."Mood" TO PUBLIC"#,
        r#"comment COLUMN "My App"."User View"."E-mail""#,
    ]);
    expected.sort();
    assert_eq!(keys(&schema), expected);

    assert_eq!(
        body(&schema, Kind::Type, r#""My App"."Mood""#),
        Body::Enum {
            labels: strings(&["it's ok", "fine"])
        }
    );
    assert!(matches!(
        body(&schema, Kind::Sequence, r#""My App"."Users_Id_seq""#),
        Body::Sequence { owned_by: Some(column), .. } if column == r#""My App"."Users"."Id""#
    ));
    assert!(matches!(
        body(&schema, Kind::Column, r#""My App"."Users"."Id""#),
        Body::Column { column, default: Some(default), .. }
            if column == r#""Id""# && default == r#"nextval('"My App"."Users_Id_seq"'::regclass)"#
    ));
    assert_eq!(
        body(&schema, Kind::Index, r#""My App"."Log At""#),
        Body::Index {
            table: r#""My App"."Log""#.into(),
            create: r#"CREATE INDEX "Log At" ON "My App"."Log" USING btree (at)"#.into()
        }
    );
    assert_eq!(
        body(&schema, Kind::Policy, r#""My App"."Users" "Everyone's""#),
        Body::Policy {
            table: r#""My App"."Users""#.into(),
            policy: r#""Everyone's""#.into(),
            permissive: false,
            command: PolicyCommand::All,
            roles: strings(&["PUBLIC"]),
            using: Some("true".into()),
            with_check: Some(r#""My App"."Check It"(1)"#.into())
        }
    );
    assert!(matches!(
        body(&schema, Kind::Grant, r#"TABLE "My App"."Users" ("E-mail") TO "Reader Role""#),
        Body::Grant { columns, grantee, .. }
            if columns == [r#""E-mail""#] && grantee == r#""Reader Role""#
    ));
    assert_eq!(
        schema
            .get(&key(
                Kind::Comment,
                r#"COLUMN "My App"."User View"."E-mail""#
            ))
            .unwrap()
            .owner,
        Some(key(Kind::View, r#""My App"."User View""#))
    );
}
