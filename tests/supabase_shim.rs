//! `compat = "supabase"` on plain PostgreSQL: a project written from Supabase's documented
//! patterns runs `up`, `seed`, `down` and `ci`; an older shim is upgraded; a real Supabase's
//! objects are left alone; nothing the shim makes lets anyone log in; a missing extension
//! is named with where it comes from.

mod support;

use support::{Project, TestDb, assert_code};

const ADA: &str = "6f1c1f5e-0000-4000-8000-000000000001";
const BOB: &str = "6f1c1f5e-0000-4000-8000-000000000002";

/// Supabase's documented patterns: profiles keyed by auth.users and filled by a trigger, a
/// todos table with `extensions.uuid_generate_v4()` and realtime, the avatars bucket with its
/// policies, an auth hook granted to supabase_auth_admin, and a seed of GoTrue users.
fn supabase_app() -> Project {
    let project = Project::new();
    project.write("dbward.toml", "compat = \"supabase\"\n");
    project.migration(
        "001_profiles.sql",
        "create table public.profiles (\n\
           id uuid not null primary key references auth.users on delete cascade,\n\
           full_name text,\n\
           avatar_url text,\n\
           invite_code text not null default encode(gen_random_bytes(16), 'hex')\n\
         );\n\
         alter table public.profiles enable row level security;\n\
         create policy \"Users can see their own profile\" on public.profiles\n\
           for select to authenticated using ((select auth.uid()) = id);\n\
         create policy \"Users can update their own profile\" on public.profiles\n\
           for update to authenticated using ((select auth.uid()) = id) with check ((select auth.uid()) = id);\n\
         create function public.handle_new_user() returns trigger\n\
         language plpgsql security definer set search_path = ''\n\
         as $$\n\
         begin\n\
           insert into public.profiles (id, full_name, avatar_url)\n\
           values (new.id, new.raw_user_meta_data ->> 'full_name', new.raw_user_meta_data ->> 'avatar_url');\n\
           return new;\n\
         end;\n\
         $$;\n\
         create trigger on_auth_user_created after insert on auth.users\n\
           for each row execute procedure public.handle_new_user();\n",
        "drop trigger on_auth_user_created on auth.users;\n\
         drop function public.handle_new_user();\n\
         drop table public.profiles;\n",
    );
    project.migration(
        "002_todos.sql",
        "create table public.todos (\n\
           id uuid primary key default extensions.uuid_generate_v4(),\n\
           user_id uuid not null references auth.users on delete cascade,\n\
           task text not null,\n\
           is_complete boolean default false,\n\
           inserted_at timestamptz not null default now()\n\
         );\n\
         create index todos_user_id on public.todos (user_id);\n\
         alter table public.todos enable row level security;\n\
         create policy \"Individuals manage their todos\" on public.todos for all to authenticated\n\
           using ((select auth.uid()) = user_id) with check ((select auth.uid()) = user_id);\n\
         alter publication supabase_realtime add table public.todos;\n",
        "alter publication supabase_realtime drop table public.todos;\n\
         drop table public.todos;\n",
    );
    project.migration(
        "003_avatars.sql",
        "insert into storage.buckets (id, name, public) values ('avatars', 'avatars', true);\n\
         create policy \"Avatar images are publicly accessible\" on storage.objects\n\
           for select using (bucket_id = 'avatars');\n\
         create policy \"Users upload their own avatar\" on storage.objects for insert to authenticated\n\
           with check (bucket_id = 'avatars' and (storage.foldername(name))[1] = (select auth.uid()::text));\n",
        "drop policy \"Users upload their own avatar\" on storage.objects;\n\
         drop policy \"Avatar images are publicly accessible\" on storage.objects;\n\
         delete from storage.buckets where id = 'avatars';\n",
    );
    project.migration(
        "004_auth_hook.sql",
        "create function public.custom_access_token_hook(event jsonb) returns jsonb\n\
         language sql stable as $$ select event $$;\n\
         grant usage on schema public to supabase_auth_admin;\n\
         grant execute on function public.custom_access_token_hook to supabase_auth_admin;\n\
         revoke execute on function public.custom_access_token_hook from authenticated, anon, public;\n",
        "drop function public.custom_access_token_hook(jsonb);\n\
         revoke usage on schema public from supabase_auth_admin;\n",
    );
    project.write(
        "fixtures/001_users.sql",
        format!(
            "insert into auth.users (instance_id, id, aud, role, email, encrypted_password,\n\
               email_confirmed_at, raw_app_meta_data, raw_user_meta_data, created_at, updated_at,\n\
               confirmation_token, email_change, email_change_token_new, recovery_token)\n\
             values\n\
               ('00000000-0000-0000-0000-000000000000', '{ADA}', 'authenticated', 'authenticated',\n\
                'ada@example.com', crypt('not-a-real-one', gen_salt('bf')), now(),\n\
                '{{\"provider\":\"email\",\"providers\":[\"email\"]}}', '{{\"full_name\":\"Ada Lovelace\"}}',\n\
                now(), now(), '', '', '', ''),\n\
               ('00000000-0000-0000-0000-000000000000', '{BOB}', 'authenticated', 'authenticated',\n\
                'bob@example.com', crypt('not-a-real-one', gen_salt('bf')), now(),\n\
                '{{\"provider\":\"email\",\"providers\":[\"email\"]}}', '{{\"full_name\":\"Bob\"}}',\n\
                now(), now(), '', '', '', '')\n\
             on conflict (id) do nothing;\n\
             insert into auth.identities (provider_id, user_id, identity_data, provider, created_at, updated_at)\n\
             select id::text, id, jsonb_build_object('sub', id::text, 'email', email), 'email', now(), now()\n\
             from auth.users\n\
             on conflict (provider_id, provider) do nothing;\n"
        ),
    );
    project.write(
        "fixtures/002_todos.sql",
        format!(
            "insert into public.todos (user_id, task)\n\
             select '{ADA}', 'write the notes' where not exists (select 1 from public.todos);\n"
        ),
    );
    project
}

/// Runs `sql` as `authenticated` with Ada's claims as PostgREST sets them, in a transaction
/// rolled back; the last value of the last row, or the error's SQLSTATE.
fn as_ada(db: &TestDb, sql: &str) -> std::result::Result<String, String> {
    let mut client = db.client();
    let mut tx = client.transaction().unwrap();
    tx.batch_execute(&format!(
        "set local role authenticated;\n\
         select set_config('request.jwt.claims', '{{\"sub\":\"{ADA}\",\"role\":\"authenticated\"}}', true);\n\
         select set_config('request.headers', '{{\"x-client-info\":\"supabase-js/2\"}}', true);"
    ))
    .unwrap();
    let result = tx.simple_query(sql);
    let _ = tx.rollback();
    match result {
        Ok(messages) => Ok(messages
            .iter()
            .filter_map(|m| match m {
                postgres::SimpleQueryMessage::Row(row) => {
                    Some(row.get(row.len() - 1).unwrap_or("").to_string())
                }
                _ => None,
            })
            .last()
            .unwrap_or_default()),
        Err(e) => Err(e.code().map(|c| c.code().to_string()).unwrap_or_default()),
    }
}

#[test]
fn a_supabase_app_runs_up_seed_and_down_on_plain_postgres() {
    let db = TestDb::new();
    let project = supabase_app();

    // The first migration calls gen_random_bytes() unqualified: dbward's own session sees
    // the search_path the shim set.
    let up = project.dbward(&db, &["up"]);
    assert_code(&up, 0);
    assert!(
        up.stderr
            .contains("created the Supabase compatibility shim (version 2"),
        "{up:?}"
    );
    assert_eq!(
        db.scalar("show search_path"),
        "\"$user\", public, extensions"
    );
    assert_eq!(
        db.scalar("select string_agg(extname || '@' || extnamespace::regnamespace, ',' order by extname) from pg_extension where extname in ('pgcrypto', 'uuid-ossp')"),
        "pgcrypto@extensions,uuid-ossp@extensions"
    );
    assert_eq!(
        db.scalar(
            "select length(gen_random_bytes(16)) = 16 and extensions.uuid_generate_v4() is not null"
        ),
        "t"
    );
    for schema in ["auth", "storage", "extensions"] {
        assert_eq!(
            db.scalar(&format!(
                "select obj_description('{schema}'::regnamespace, 'pg_namespace')"
            )),
            "dbward Supabase compatibility shim, version 2",
            "{schema}"
        );
    }
    assert_eq!(
        db.scalar("select string_agg(tablename, ',') from pg_publication_tables where pubname = 'supabase_realtime'"),
        "todos"
    );
    assert_eq!(
        db.scalar("select has_function_privilege('supabase_auth_admin', 'public.custom_access_token_hook(jsonb)', 'execute') and not has_function_privilege('authenticated', 'public.custom_access_token_hook(jsonb)', 'execute')"),
        "t"
    );

    // A second run finds the shim in place and says nothing of it.
    let again = project.dbward(&db, &["up"]);
    assert_code(&again, 0);
    assert!(!again.stderr.contains("shim"), "{again:?}");

    let seed = project.dbward(&db, &["seed"]);
    assert_code(&seed, 0);
    assert_eq!(
        db.scalar(&format!(
            "select full_name from public.profiles where id = '{ADA}'"
        )),
        "Ada Lovelace",
        "on_auth_user_created made the profile from raw_user_meta_data"
    );
    assert_eq!(
        db.scalar(
            "select count(*) || ':' || bool_and(email = 'ada@example.com' or email = 'bob@example.com') from auth.identities"
        ),
        "2:true"
    );
    assert_eq!(
        db.scalar(&format!(
            "select encrypted_password = crypt('not-a-real-one', encrypted_password) and confirmed_at is not null from auth.users where id = '{ADA}'"
        )),
        "t"
    );
    assert_code(&project.dbward(&db, &["seed"]), 0);
    assert_eq!(db.scalar("select count(*) from auth.users"), "2");

    // The helpers read PostgREST's settings; RLS sees Ada's rows only.
    assert_eq!(as_ada(&db, "select auth.uid()"), Ok(ADA.to_string()));
    assert_eq!(
        as_ada(&db, "select auth.role()"),
        Ok("authenticated".into())
    );
    assert_eq!(
        as_ada(
            &db,
            "select current_setting('request.headers', true)::json ->> 'x-client-info'"
        ),
        Ok("supabase-js/2".into())
    );
    assert_eq!(
        as_ada(&db, "select count(*) from public.profiles"),
        Ok("1".into())
    );
    // The API roles read nothing of auth.users, as on Supabase.
    assert_eq!(
        as_ada(&db, "select count(*) from auth.users"),
        Err("42501".into())
    );
    // The older per-claim setting is still read first.
    assert_eq!(
        db.scalar(&format!(
            "select set_config('request.jwt.claim.sub', '{BOB}', false) is not null and auth.uid() = '{BOB}'"
        )),
        "t"
    );

    // Storage: the helpers as storage defines them, the bucket policies by folder.
    assert_eq!(
        db.scalar("select storage.foldername('a/b/c.tar.gz')::text || ' ' || storage.filename('a/b/c.tar.gz') || ' ' || storage.extension('a/b/c.tar.gz') || ' ' || storage.extension('a/readme')"),
        "{a,b} c.tar.gz gz readme"
    );
    assert_eq!(
        as_ada(
            &db,
            &format!(
                "insert into storage.objects (bucket_id, name, owner_id) values ('avatars', '{ADA}/me.png', '{ADA}') returning path_tokens::text"
            )
        ),
        Ok(format!("{{{ADA},me.png}}"))
    );
    assert_eq!(
        as_ada(
            &db,
            &format!(
                "insert into storage.objects (bucket_id, name) values ('avatars', '{BOB}/me.png')"
            )
        ),
        Err("42501".into()),
        "the policy keeps Ada out of Bob's folder"
    );
    assert_eq!(
        db.scalar("select relrowsecurity from pg_class where oid = 'storage.buckets'::regclass"),
        "t"
    );

    // Down to zero rolls back the migrations, never the shim.
    assert_code(&project.dbward(&db, &["down", "--to", "0"]), 0);
    assert!(!db.table_exists("public.profiles"));
    assert!(db.table_exists("auth.users") && db.table_exists("storage.objects"));
    assert_eq!(
        db.scalar("select count(*) from pg_publication where pubname = 'supabase_realtime'"),
        "1"
    );
}

#[test]
fn ci_passes_on_the_supabase_app() {
    let db = TestDb::new();
    let run = supabase_app().dbward(&db, &["ci", "--format", "json"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.json()["passed"], true);
}

#[test]
fn an_older_shim_is_upgraded_in_place() {
    let db = TestDb::new();
    // What dbward's first shim made, with a user in it.
    db.client()
        .batch_execute(include_str!("fixtures/supabase_shim_v1.sql"))
        .unwrap();
    db.client()
        .batch_execute(&format!(
            "insert into auth.users (id, email) values ('{ADA}', 'ada@example.com')"
        ))
        .unwrap();
    let project = supabase_app();
    let up = project.dbward(&db, &["up"]);
    assert_code(&up, 0);
    assert!(
        up.stderr
            .contains("upgraded the Supabase compatibility shim to version 2 (schema extensions"),
        "{up:?}"
    );
    assert!(
        up.stderr
            .contains("created the Supabase compatibility shim (version 2")
            && up.stderr.contains("schema storage"),
        "{up:?}"
    );
    assert_eq!(
        db.scalar(&format!(
            "select email || ':' || (confirmation_token is null) || ':' || is_anonymous from auth.users where id = '{ADA}'"
        )),
        "ada@example.com:true:false",
        "the user stays; the new columns are there"
    );
    assert!(db.table_exists("auth.identities"));
    assert_eq!(
        db.scalar("select obj_description('auth'::regnamespace, 'pg_namespace')"),
        "dbward Supabase compatibility shim, version 2"
    );
    assert_eq!(
        db.scalar("show search_path"),
        "\"$user\", public, extensions"
    );
    assert_eq!(
        db.scalar("select count(*) from pg_publication_tables where pubname = 'supabase_realtime'"),
        "1"
    );
    let again = project.dbward(&db, &["up"]);
    assert_code(&again, 0);
    assert!(!again.stderr.contains("shim"), "{again:?}");
}

#[test]
fn a_real_supabase_is_left_untouched() {
    let db = TestDb::new();
    // auth and extensions as the platform made them (their own tables, no dbward mark).
    db.client()
        .batch_execute(
            "create schema auth;\n\
             create table auth.users (instance_id uuid, id uuid primary key, email varchar(255), raw_user_meta_data jsonb);\n\
             create table auth.schema_migrations (version varchar(255) primary key);\n\
             create function auth.uid() returns uuid language sql stable as $$ select nullif(current_setting('request.jwt.claim.sub', true), '')::uuid $$;\n\
             create schema extensions;\n\
             create extension \"uuid-ossp\" with schema extensions;",
        )
        .unwrap();
    let auth_before = auth_catalog(&db);
    let project = Project::new();
    project.write("dbward.toml", "compat = \"supabase\"\n");
    project.migration(
        "001_t.sql",
        "create table t (id uuid primary key default extensions.uuid_generate_v4(), owner uuid references auth.users);",
        "drop table t;",
    );
    let up = project.dbward(&db, &["up"]);
    assert_code(&up, 0);
    assert_eq!(auth_catalog(&db), auth_before, "auth untouched");
    assert_eq!(
        db.scalar("select count(*) from pg_extension where extname = 'pgcrypto'"),
        "0",
        "nothing added to the platform's extensions schema"
    );
    assert_eq!(
        db.scalar("select count(*) from pg_db_role_setting s join pg_database d on d.oid = s.setdatabase where d.datname = current_database()"),
        "0",
        "the database's settings untouched"
    );
    // The group that was absent, storage, is made.
    assert!(up.stderr.contains("schema storage"), "{up:?}");
    assert!(!up.stderr.contains("schema auth"), "{up:?}");
    assert!(db.table_exists("storage.objects"));
}

/// Every object of `auth` with its definition's essentials, and the schema's comment.
fn auth_catalog(db: &TestDb) -> String {
    db.scalar(
        "select coalesce(obj_description('auth'::regnamespace, 'pg_namespace'), '-') || ' ' || \
           (select string_agg(c.relname || ':' || c.relkind::text || ':' || c.relrowsecurity || ':' || \
             (select string_agg(a.attname, ',' order by a.attnum) from pg_attribute a where a.attrelid = c.oid and a.attnum > 0), ' ' order by c.relname) \
            from pg_class c where c.relnamespace = 'auth'::regnamespace) || ' ' || \
           (select string_agg(p.proname || ':' || md5(p.prosrc), ' ' order by p.proname) from pg_proc p where p.pronamespace = 'auth'::regnamespace)",
    )
}

#[test]
fn nothing_the_shim_creates_lets_anyone_log_in() {
    let db = TestDb::new();
    let project = Project::new();
    project.write("dbward.toml", "compat = \"supabase\"\n");
    assert_code(&project.dbward(&db, &["up"]), 0);
    assert_eq!(
        db.scalar(
            "select string_agg(rolname || ':' || rolcanlogin || ':' || (rolpassword is null) || ':' || rolsuper, ',' order by rolname) \
             from pg_authid where rolname in ('anon', 'authenticated', 'service_role', 'authenticator', 'supabase_admin', \
               'supabase_auth_admin', 'supabase_storage_admin', 'dashboard_user')"
        ),
        "anon:false:true:false,authenticated:false:true:false,authenticator:false:true:false,\
         dashboard_user:false:true:false,service_role:false:true:false,supabase_admin:false:true:false,\
         supabase_auth_admin:false:true:false,supabase_storage_admin:false:true:false"
    );
    // Supabase's attributes otherwise: the API roles INHERIT today, authenticator does not.
    assert_eq!(
        db.scalar(
            "select string_agg(rolname || ':' || rolinherit || ':' || rolbypassrls || ':' || rolcreaterole, ',' order by rolname) \
             from pg_roles where rolname in ('anon', 'authenticated', 'service_role', 'authenticator', 'supabase_auth_admin')"
        ),
        "anon:true:false:false,authenticated:true:false:false,authenticator:false:false:false,\
         service_role:true:true:false,supabase_auth_admin:false:false:true"
    );
    assert_eq!(
        db.scalar("select pg_has_role('authenticator', 'authenticated', 'member') and pg_has_role('supabase_storage_admin', 'authenticator', 'member')"),
        "t"
    );
}

#[test]
fn a_migration_needing_a_missing_extension_names_where_it_comes_from() {
    let db = TestDb::new();
    let project = Project::new();
    project.write("dbward.toml", "compat = \"supabase\"\n");
    project.migration(
        "001_embeddings.sql",
        "create extension if not exists vector with schema extensions;\n\
         create table documents (id bigint primary key, embedding vector(3));",
        "drop table documents;",
    );
    let up = project.dbward(&db, &["up"]);
    assert_code(&up, 1);
    assert!(
        up.stderr.contains(
            "migrations/001_embeddings.sql:1:1: error 0A000: extension \"vector\" is not available"
        ),
        "{up:?}"
    );
    assert!(
        up.stderr.contains(
            "hint: the server has no extension `vector`: on Debian/Ubuntu, install the package `postgresql-15-pgvector`"
        ),
        "{up:?}"
    );

    project.remove("migrations/001_embeddings.sql");
    project.remove("rollbacks/001_embeddings.sql");
    project.migration(
        "001_webhooks.sql",
        "create extension if not exists pg_net;",
        "drop extension pg_net;",
    );
    let up = project.dbward(&db, &["up", "--format", "json"]);
    assert_code(&up, 1);
    let hint = up.json()["error"]["detail"]["hint"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        hint.starts_with("the extension `pg_net` exists only on Supabase's servers"),
        "{up:?}"
    );
}

#[test]
fn a_migrating_role_that_does_not_own_the_database_gets_the_search_path_on_itself() {
    // The roles exist (made by a superuser's run elsewhere in the cluster), as on a server
    // where the API roles were set up once.
    let first = TestDb::new();
    let empty = Project::new();
    empty.write("dbward.toml", "compat = \"supabase\"\n");
    assert_code(&empty.dbward(&first, &["up"]), 0);

    let db = TestDb::new();
    let role = format!("migrator_{}", db.name);
    db.client()
        .batch_execute(&format!(
            "create role {role} login password 'test-only';\n\
             grant create on database \"{}\" to {role};\n\
             grant usage, create on schema public to {role};",
            db.name
        ))
        .unwrap();
    let project = Project::new();
    project.write("dbward.toml", "compat = \"supabase\"\n");
    project.migration(
        "001_tokens.sql",
        "create table tokens (id uuid primary key default extensions.uuid_generate_v4(), token text default encode(gen_random_bytes(16), 'hex'));",
        "drop table tokens;",
    );
    let up = up_as(&project, &db, &role);
    assert_code(&up, 0);
    assert!(
        up.stderr
            .contains("created the Supabase compatibility shim"),
        "{up:?}"
    );
    assert_eq!(
        db.scalar(
            "select s.setrole::regrole::text || ' ' || array_to_string(s.setconfig, ',') \
             from pg_db_role_setting s join pg_database d on d.oid = s.setdatabase \
             where d.datname = current_database()"
        ),
        format!("{role} search_path=\"$user\", public, extensions")
    );
    assert!(db.table_exists("public.tokens"));
}

#[test]
fn an_extension_already_installed_elsewhere_stays_where_it_is() {
    let db = TestDb::new();
    db.client()
        .batch_execute("create extension pgcrypto with schema public;")
        .unwrap();
    let project = Project::new();
    project.write("dbward.toml", "compat = \"supabase\"\n");
    project.migration(
        "001_tokens.sql",
        "create table tokens (id uuid primary key default extensions.uuid_generate_v4(), token text default encode(gen_random_bytes(16), 'hex'));",
        "drop table tokens;",
    );
    assert_code(&project.dbward(&db, &["up"]), 0);
    assert_eq!(
        db.scalar("select string_agg(extname || '@' || extnamespace::regnamespace, ',' order by extname) from pg_extension where extname in ('pgcrypto', 'uuid-ossp')"),
        "pgcrypto@public,uuid-ossp@extensions"
    );
}

#[test]
fn an_older_shim_another_role_owns_stays_as_it_was_and_up_goes_on() {
    let db = TestDb::new();
    // The first shim, made by the superuser; dbward then runs as a role that owns none of it.
    db.client()
        .batch_execute(include_str!("fixtures/supabase_shim_v1.sql"))
        .unwrap();
    let role = format!("migrator_{}", db.name);
    db.client()
        .batch_execute(&format!(
            "create role {role} login password 'test-only';\n\
             grant create on database \"{}\" to {role};\n\
             grant usage, create on schema public to {role};\n\
             grant usage on schema auth to {role};\n\
             grant references on auth.users to {role};",
            db.name
        ))
        .unwrap();
    let project = Project::new();
    project.write("dbward.toml", "compat = \"supabase\"\n");
    project.migration(
        "001_notes.sql",
        "create table notes (id bigint primary key, owner uuid references auth.users);",
        "drop table notes;",
    );
    let up = up_as(&project, &db, &role);
    assert_code(&up, 0);
    assert!(
        up.stderr.contains(
            "could not upgrade the Supabase compatibility shim's schema auth to version 2 (permission denied for schema auth (42501)): it stays as it was; run dbward once as the role that owns it"
        ),
        "{up:?}"
    );
    assert!(db.table_exists("public.notes"));
    assert!(!db.table_exists("auth.identities"));
    assert_eq!(
        db.scalar("select obj_description('auth'::regnamespace, 'pg_namespace') is null"),
        "t"
    );
    // What was absent was made by this role.
    assert!(db.table_exists("storage.objects"));
}

/// `dbward up` in `project`, connecting as `role` (made with the password `test-only`).
fn up_as(project: &Project, db: &TestDb, role: &str) -> support::Run {
    let url = format!(
        "postgres://{role}:test-only@127.0.0.1:{}/{}",
        db.port, db.name
    );
    support::Run::from(
        project
            .command(&["up"])
            .env("DATABASE_URL", url)
            .output()
            .unwrap(),
    )
}
