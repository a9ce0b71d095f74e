//! What is read and what is not: the session's search_path, extensions' objects, dbward's
//! own schema, Supabase's platform roles.

use dbward::db::schema_read::{ReadScope, read};
use dbward::db::session::{Session, Sql};
use dbward::schema_diff::model::{Body, Kind};

use super::support::TestDb;
use super::*;

/// The session's search_path is cleared while reading (names print qualified) and then
/// put back.
#[test]
fn the_sessions_search_path_is_put_back() {
    let db = TestDb::new();
    setup(
        &db,
        "CREATE SCHEMA app; CREATE TYPE app.mood AS ENUM ('ok'); CREATE TABLE app.t (m app.mood);",
    );
    let config: tokio_postgres::Config = db.url().parse().unwrap();
    let mut session = Session::connect(&config, tokio_postgres::NoTls).unwrap();
    session
        .batch_execute("SET search_path = app, public")
        .unwrap();
    let scope = ReadScope {
        schemas: None,
        dbward_schema: "dbward",
        supabase: false,
    };
    let schema = read(&mut session, &scope).unwrap();
    assert!(matches!(
        body(&schema, Kind::Column, "app.t.m"),
        Body::Column { data_type, .. } if data_type == "app.mood"
    ));
    let path: String = session
        .query_typed_one("SELECT current_setting('search_path')", &[])
        .unwrap()
        .get(0);
    assert_eq!(path, "app, public");
}

/// What an extension made is the extension's: not read, and what uses it depends on the
/// extension. dbward's own schema is never read, even when every schema is.
#[test]
fn extensions_stand_for_their_objects_and_dbwards_schema_is_never_read() {
    let db = TestDb::new();
    setup(
        &db,
        "CREATE EXTENSION pg_trgm;
         CREATE SCHEMA extensions;
         CREATE EXTENSION citext SCHEMA extensions;
         CREATE SCHEMA dbward;
         CREATE TABLE dbward.history (version text PRIMARY KEY);
         CREATE FUNCTION dbward.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
         CREATE TRIGGER history_touch BEFORE UPDATE ON dbward.history FOR EACH ROW EXECUTE FUNCTION dbward.touch();
         COMMENT ON TABLE dbward.history IS 'applied migrations';
         CREATE TABLE public.docs (body text, name extensions.citext, tags extensions.citext[]);
         CREATE INDEX docs_trgm ON public.docs USING gin (body gin_trgm_ops);",
    );
    let schema = read_schema(&db, None, false);
    let mut read = keys(&schema);
    read.sort();
    let mut expected = strings(&[
        "schema extensions",
        "extension citext",
        "extension pg_trgm",
        "table public.docs",
        "column public.docs.body",
        "column public.docs.name",
        "column public.docs.tags",
        "index public.docs_trgm",
        "grant SCHEMA public TO PUBLIC",
        "comment EXTENSION citext",
        "comment EXTENSION pg_trgm",
    ]);
    expected.sort();
    assert_eq!(read, expected);
    assert_eq!(
        body(&schema, Kind::Extension, "citext"),
        Body::Extension {
            schema: "extensions".into()
        }
    );
    use Kind::*;
    assert_eq!(
        depends(&schema, Index, "public.docs_trgm"),
        set(&[(Column, "public.docs.body"), (Extension, "pg_trgm")])
    );
    assert_eq!(
        depends(&schema, Column, "public.docs.name"),
        set(&[(Extension, "citext")])
    );
    assert_eq!(
        depends(&schema, Column, "public.docs.tags"),
        set(&[(Extension, "citext")])
    );
    assert_eq!(
        depends(&schema, Extension, "citext"),
        set(&[(Schema, "extensions")])
    );
}

/// With `supabase`, grants to the platform's roles are the platform's; those to the API
/// roles, and the policies on storage's tables (outside the schemas read), are the project's.
#[test]
fn supabase_platform_grants_are_left_out_and_storage_policies_kept() {
    let db = TestDb::new();
    setup(
        &db,
        "CREATE ROLE anon NOLOGIN;
         CREATE ROLE authenticator NOLOGIN;
         CREATE SCHEMA storage;
         CREATE TABLE storage.objects (id integer, owner uuid);
         CREATE TABLE storage.buckets (id text);
         CREATE POLICY read_own ON storage.objects FOR SELECT TO anon USING (owner IS NULL);
         CREATE TABLE public.notes (id integer);
         GRANT SELECT ON public.notes TO anon, authenticator;",
    );
    let schemas = ["public".to_string()];
    let common = [
        "table public.notes",
        "column public.notes.id",
        "policy storage.objects read_own",
        "grant SCHEMA public TO PUBLIC",
        "grant TABLE public.notes TO anon",
    ];
    let supabase = keys(&read_schema(&db, Some(&schemas), true));
    let mut expected = strings(&common);
    expected.sort();
    assert_eq!(supabase, expected);

    let plain = keys(&read_schema(&db, Some(&schemas), false));
    expected.push("grant TABLE public.notes TO authenticator".into());
    expected.sort();
    assert_eq!(plain, expected);
}
