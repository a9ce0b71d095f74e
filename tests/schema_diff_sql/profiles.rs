//! A schema of profiles and notes: every kind made, changed in place and dropped.

use std::collections::BTreeSet;

use dbward::schema_diff::changes;
use dbward::schema_diff::model::{Body, ConstraintKind, Identity, Kind, PolicyCommand, Schema};

use crate::build::{Build, col, key, with_defaults};
use crate::catalog::{detail, made, run_each, run_in_transaction};

const FROM_SQL: &str = "
CREATE TYPE public.mood AS ENUM ('ok');
CREATE TABLE public.profiles (id uuid NOT NULL, name text);
ALTER TABLE public.profiles ADD CONSTRAINT profiles_pkey PRIMARY KEY (id);
CREATE TABLE public.notes (id bigint NOT NULL, profile_id uuid, body text,
  mood public.mood DEFAULT 'ok'::public.mood);
CREATE INDEX notes_old_idx ON public.notes USING btree (id);
CREATE VIEW public.old_view AS SELECT notes.id FROM public.notes;
COMMENT ON TABLE public.profiles IS 'people';
INSERT INTO public.profiles VALUES ('00000000-0000-0000-0000-000000000001', 'Ann');
INSERT INTO public.notes VALUES (1, '00000000-0000-0000-0000-000000000001', 'hello', 'ok');
";

fn from_model() -> Schema {
    let mut b = Build::new();
    b.add(
        Kind::Type,
        "public.mood",
        None,
        Body::Enum {
            labels: vec!["ok".into()],
        },
        &[],
    );
    b.table("public.profiles", false);
    b.column("public.profiles", "id", "uuid", true, None, None, 1, &[]);
    b.column("public.profiles", "name", "text", false, None, None, 2, &[]);
    b.constraint(
        "public.profiles",
        "profiles_pkey",
        ConstraintKind::PrimaryKey,
        "PRIMARY KEY (id)",
        &[col("public.profiles.id")],
    );
    b.table("public.notes", false);
    b.column("public.notes", "id", "bigint", true, None, None, 1, &[]);
    b.column(
        "public.notes",
        "profile_id",
        "uuid",
        false,
        None,
        None,
        2,
        &[],
    );
    b.column("public.notes", "body", "text", false, None, None, 3, &[]);
    b.column(
        "public.notes",
        "mood",
        "public.mood",
        false,
        Some("'ok'::public.mood"),
        None,
        4,
        &[key(Kind::Type, "public.mood")],
    );
    b.index(
        "public.notes",
        "notes_old_idx",
        "CREATE INDEX notes_old_idx ON public.notes USING btree (id)",
        &[col("public.notes.id")],
    );
    b.add(
        Kind::View,
        "public.old_view",
        None,
        Body::View {
            query: " SELECT notes.id\n   FROM public.notes;".into(),
            options: vec![],
        },
        &[col("public.notes.id"), key(Kind::Table, "public.notes")],
    );
    b.comment(
        "TABLE public.profiles",
        key(Kind::Table, "public.profiles"),
        "people",
    );
    with_defaults(b.0)
}

const TO_SQL: &str = r#"
CREATE SCHEMA private;
CREATE SCHEMA extensions;
CREATE EXTENSION citext WITH SCHEMA extensions;
CREATE TYPE public.mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN public.pos AS integer CONSTRAINT pos_check CHECK (VALUE > 0);
CREATE SEQUENCE public.counter AS bigint START WITH 10 INCREMENT BY 1;
CREATE FUNCTION private.is_owner(id uuid) RETURNS boolean LANGUAGE sql STABLE
  AS $function$select id is not null$function$;
CREATE FUNCTION private.touch() RETURNS trigger LANGUAGE plpgsql
  AS $function$begin return new; end$function$;
REVOKE ALL ON FUNCTION private.touch() FROM PUBLIC;
CREATE TABLE public.profiles (id uuid NOT NULL, full_name text DEFAULT ''::text NOT NULL,
  email extensions.citext);
ALTER TABLE public.profiles ADD CONSTRAINT profiles_pkey PRIMARY KEY (id);
ALTER TABLE public.profiles ENABLE ROW LEVEL SECURITY;
CREATE TRIGGER profiles_touch BEFORE UPDATE ON public.profiles FOR EACH ROW
  EXECUTE FUNCTION private.touch();
CREATE POLICY "owner's" ON public.profiles AS PERMISSIVE FOR SELECT TO PUBLIC
  USING (private.is_owner(id));
CREATE TABLE public.notes (id bigint NOT NULL, profile_id uuid, body character varying(500),
  mood public.mood DEFAULT 'ok'::public.mood,
  n bigint DEFAULT nextval('public.counter'::regclass));
ALTER SEQUENCE public.counter OWNED BY public.notes.n;
ALTER TABLE public.notes ADD CONSTRAINT notes_pkey PRIMARY KEY (id);
ALTER TABLE public.notes ADD CONSTRAINT notes_profile_id_fkey FOREIGN KEY (profile_id)
  REFERENCES public.profiles(id);
ALTER TABLE public.notes ADD CONSTRAINT notes_body_check CHECK ((length((body)::text) > 0));
CREATE INDEX notes_body_idx ON public.notes USING btree (body) WHERE (body IS NOT NULL);
CREATE TABLE public.tags (id bigint NOT NULL GENERATED ALWAYS AS IDENTITY, label text NOT NULL,
  weight public.pos);
ALTER TABLE public.tags ADD CONSTRAINT tags_pkey PRIMARY KEY (id);
CREATE UNIQUE INDEX tags_lower_idx ON public.tags USING btree (lower(label));
CREATE VIEW public.note_view AS SELECT notes.id, notes.body FROM public.notes;
CREATE MATERIALIZED VIEW public.tag_counts AS SELECT count(*) AS n FROM public.tags;
CREATE INDEX tag_counts_n_idx ON public.tag_counts USING btree (n);
COMMENT ON TABLE public.profiles IS 'people''s profiles';
COMMENT ON COLUMN public.notes.body IS 'the text';
GRANT SELECT ON TABLE public.notes TO PUBLIC;
CREATE PUBLICATION feed FOR TABLE public.notes WITH (publish = 'insert, update');
"#;

fn to_model() -> Schema {
    let mut b = Build::new();
    b.add(Kind::Schema, "private", None, Body::Schema, &[]);
    b.add(Kind::Schema, "extensions", None, Body::Schema, &[]);
    b.add(
        Kind::Extension,
        "citext",
        None,
        Body::Extension {
            schema: "extensions".into(),
        },
        &[key(Kind::Schema, "extensions")],
    );
    b.add(
        Kind::Type,
        "public.mood",
        None,
        Body::Enum {
            labels: vec!["sad".into(), "ok".into(), "happy".into()],
        },
        &[],
    );
    b.add(
        Kind::Type,
        "public.pos",
        None,
        Body::Domain {
            create: "CREATE DOMAIN public.pos AS integer CONSTRAINT pos_check CHECK (VALUE > 0)"
                .into(),
        },
        &[],
    );
    b.add(
        Kind::Sequence,
        "public.counter",
        None,
        Body::Sequence {
            create: "CREATE SEQUENCE public.counter AS bigint START WITH 10 INCREMENT BY 1 MINVALUE 1 NO MAXVALUE CACHE 1".into(),
            owned_by: Some("public.notes.n".into()),
        },
        &[col("public.notes.n")],
    );
    let is_owner = "CREATE OR REPLACE FUNCTION private.is_owner(id uuid)\n RETURNS boolean\n LANGUAGE sql\n STABLE\nAS $function$select id is not null$function$\n";
    b.add(
        Kind::Function,
        "private.is_owner(uuid)",
        None,
        Body::Function {
            create: is_owner.into(),
            returns: Some("boolean".into()),
            procedure: false,
        },
        &[key(Kind::Schema, "private")],
    );
    let touch = "CREATE OR REPLACE FUNCTION private.touch()\n RETURNS trigger\n LANGUAGE plpgsql\nAS $function$begin return new; end$function$\n";
    b.add(
        Kind::Function,
        "private.touch()",
        None,
        Body::Function {
            create: touch.into(),
            returns: Some("trigger".into()),
            procedure: false,
        },
        &[key(Kind::Schema, "private")],
    );
    b.table("public.profiles", true);
    b.column("public.profiles", "id", "uuid", true, None, None, 1, &[]);
    b.column(
        "public.profiles",
        "full_name",
        "text",
        true,
        Some("''::text"),
        None,
        3,
        &[],
    );
    b.column(
        "public.profiles",
        "email",
        "extensions.citext",
        false,
        None,
        None,
        4,
        &[key(Kind::Extension, "citext")],
    );
    b.constraint(
        "public.profiles",
        "profiles_pkey",
        ConstraintKind::PrimaryKey,
        "PRIMARY KEY (id)",
        &[col("public.profiles.id")],
    );
    b.add(
        Kind::Trigger,
        "public.profiles profiles_touch",
        Some(key(Kind::Table, "public.profiles")),
        Body::Trigger {
            table: "public.profiles".into(),
            create: "CREATE TRIGGER profiles_touch BEFORE UPDATE ON public.profiles FOR EACH ROW EXECUTE FUNCTION private.touch()".into(),
        },
        &[key(Kind::Function, "private.touch()")],
    );
    b.add(
        Kind::Policy,
        "public.profiles \"owner's\"",
        Some(key(Kind::Table, "public.profiles")),
        Body::Policy {
            table: "public.profiles".into(),
            policy: "\"owner's\"".into(),
            permissive: true,
            command: PolicyCommand::Select,
            roles: vec!["PUBLIC".into()],
            using: Some("private.is_owner(id)".into()),
            with_check: None,
        },
        &[
            key(Kind::Function, "private.is_owner(uuid)"),
            col("public.profiles.id"),
        ],
    );
    b.table("public.notes", false);
    b.column("public.notes", "id", "bigint", true, None, None, 1, &[]);
    b.column(
        "public.notes",
        "profile_id",
        "uuid",
        false,
        None,
        None,
        2,
        &[],
    );
    b.column(
        "public.notes",
        "body",
        "character varying(500)",
        false,
        None,
        None,
        3,
        &[],
    );
    b.column(
        "public.notes",
        "mood",
        "public.mood",
        false,
        Some("'ok'::public.mood"),
        None,
        4,
        &[key(Kind::Type, "public.mood")],
    );
    b.column(
        "public.notes",
        "n",
        "bigint",
        false,
        Some("nextval('public.counter'::regclass)"),
        None,
        5,
        &[key(Kind::Sequence, "public.counter")],
    );
    b.constraint(
        "public.notes",
        "notes_pkey",
        ConstraintKind::PrimaryKey,
        "PRIMARY KEY (id)",
        &[col("public.notes.id")],
    );
    b.constraint(
        "public.notes",
        "notes_profile_id_fkey",
        ConstraintKind::ForeignKey,
        "FOREIGN KEY (profile_id) REFERENCES public.profiles(id)",
        &[col("public.notes.profile_id"), col("public.profiles.id")],
    );
    b.constraint(
        "public.notes",
        "notes_body_check",
        ConstraintKind::Check,
        "CHECK ((length((body)::text) > 0))",
        &[col("public.notes.body")],
    );
    b.index(
        "public.notes",
        "notes_body_idx",
        "CREATE INDEX notes_body_idx ON public.notes USING btree (body) WHERE (body IS NOT NULL)",
        &[col("public.notes.body")],
    );
    b.table("public.tags", false);
    b.column(
        "public.tags",
        "id",
        "bigint",
        true,
        None,
        Some(Identity::Always),
        1,
        &[],
    );
    b.column("public.tags", "label", "text", true, None, None, 2, &[]);
    b.column(
        "public.tags",
        "weight",
        "public.pos",
        false,
        None,
        None,
        3,
        &[key(Kind::Type, "public.pos")],
    );
    b.constraint(
        "public.tags",
        "tags_pkey",
        ConstraintKind::PrimaryKey,
        "PRIMARY KEY (id)",
        &[col("public.tags.id")],
    );
    b.index(
        "public.tags",
        "tags_lower_idx",
        "CREATE UNIQUE INDEX tags_lower_idx ON public.tags USING btree (lower(label))",
        &[col("public.tags.label")],
    );
    b.add(
        Kind::View,
        "public.note_view",
        None,
        Body::View {
            query: " SELECT notes.id,\n    notes.body\n   FROM public.notes;".into(),
            options: vec![],
        },
        &[
            col("public.notes.id"),
            col("public.notes.body"),
            key(Kind::Table, "public.notes"),
        ],
    );
    b.add(
        Kind::MaterializedView,
        "public.tag_counts",
        None,
        Body::MaterializedView {
            query: " SELECT count(*) AS n\n   FROM public.tags;".into(),
        },
        &[key(Kind::Table, "public.tags")],
    );
    b.index(
        "public.tag_counts",
        "tag_counts_n_idx",
        "CREATE INDEX tag_counts_n_idx ON public.tag_counts USING btree (n)",
        &[],
    );
    b.comment(
        "TABLE public.profiles",
        key(Kind::Table, "public.profiles"),
        "people's profiles",
    );
    b.comment(
        "COLUMN public.notes.body",
        col("public.notes.body"),
        "the text",
    );
    b.add(
        Kind::Grant,
        "TABLE public.notes TO PUBLIC",
        Some(key(Kind::Table, "public.notes")),
        Body::Grant {
            on: "TABLE public.notes".into(),
            columns: vec![],
            grantee: "PUBLIC".into(),
            privileges: BTreeSet::from(["SELECT".to_string()]),
            grantable: BTreeSet::new(),
        },
        &[],
    );
    b.add(
        Kind::Publication,
        "feed",
        None,
        Body::Publication {
            all_tables: false,
            tables: BTreeSet::from(["public.notes".to_string()]),
            publish: "insert, update".into(),
        },
        &[key(Kind::Table, "public.notes")],
    );
    // The target takes EXECUTE on touch() back from PUBLIC.
    let mut schema = with_defaults(b.0);
    schema
        .objects
        .remove(&key(Kind::Grant, "FUNCTION private.touch() TO PUBLIC"));
    schema
}

#[test]
fn the_generated_pair_takes_the_schema_there_and_back_on_postgres() {
    let db = made(FROM_SQL);
    let target = made(&format!(
        "{FROM_SQL}\nDROP VIEW public.old_view;\nDROP TABLE public.notes, public.profiles;\nDROP TYPE public.mood;\n{TO_SQL}"
    ));
    let start = detail(&db);
    let plan = changes(&from_model(), &to_model());

    run_in_transaction(&db, &plan.main.up);
    run_each(&db, &plan.concurrent.up);
    assert_eq!(detail(&db), detail(&target));
    // The rows survived: the note's text, its mood, its new column filled from the sequence.
    assert_eq!(
        db.scalar("select body || ' ' || mood || ' ' || n from public.notes"),
        "hello ok 10"
    );
    // The new index was built concurrently, and the new keys validated, in the second file.
    assert_eq!(
        plan.concurrent
            .up
            .iter()
            .map(|s| s.sql.as_str())
            .collect::<Vec<_>>(),
        [
            "ALTER TABLE public.notes VALIDATE CONSTRAINT notes_body_check;",
            "ALTER TABLE public.notes VALIDATE CONSTRAINT notes_profile_id_fkey;",
            "CREATE INDEX CONCURRENTLY notes_body_idx ON public.notes USING btree (body) WHERE (body IS NOT NULL);"
        ]
    );
    assert_eq!(
        plan.possible_renames,
        ["public.profiles: name dropped, email, full_name added"]
    );

    run_each(&db, &plan.concurrent.down);
    run_in_transaction(&db, &plan.main.down);
    assert_eq!(detail(&db), start);
    assert_eq!(
        db.scalar("select body || ' ' || mood from public.notes"),
        "hello ok"
    );
}

#[test]
fn a_schema_made_from_nothing_and_dropped_to_nothing_runs() {
    let db = made("");
    let target = made(TO_SQL);
    let start = detail(&db);
    let plan = changes(&Schema::default(), &to_model());
    assert!(plan.concurrent.is_empty());
    run_in_transaction(&db, &plan.main.up);
    assert_eq!(detail(&db), detail(&target));
    run_in_transaction(&db, &plan.main.down);
    assert_eq!(detail(&db), start);
}
