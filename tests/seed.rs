//! `dbward seed` and `compat = "supabase"` on a real PostgreSQL.

mod support;

use support::{Project, TestDb, assert_code};

fn project_with_fixtures() -> Project {
    let project = Project::new();
    project.migration(
        "001_people.sql",
        "create table people (id int primary key, name text not null);\ncreate table pets (id int primary key, owner int references people);",
        "drop table pets;\ndrop table people;",
    );
    project.write(
        "fixtures/001_people.sql",
        "insert into people values (1, 'ada'), (2, 'bob') on conflict (id) do nothing;",
    );
    project.write(
        "fixtures/002_pets.sql",
        "insert into pets values (10, 1) on conflict (id) do nothing;",
    );
    project
}

#[test]
fn seed_applies_fixtures_in_order_and_reports_rows_per_table() {
    let db = TestDb::new();
    let project = project_with_fixtures();
    assert_code(&project.dbward(&db, &["up"]), 0);
    let seed = project.dbward(&db, &["seed", "--format", "json"]);
    assert_code(&seed, 0);
    let doc = seed.json();
    assert_eq!(doc["tables"][0]["table"], "public.people");
    assert_eq!(doc["tables"][0]["inserted"], 2);
    assert_eq!(doc["tables"][1]["table"], "public.pets");
    assert_eq!(doc["tables"][1]["inserted"], 1);

    let again = project.dbward(&db, &["seed"]);
    assert_code(&again, 0);
    assert!(again.stdout.contains("0 rows inserted"), "{again:?}");
    assert_eq!(db.scalar("select count(*) from people"), "2");
}

#[test]
fn a_failing_fixture_rolls_back_every_fixture() {
    let db = TestDb::new();
    let project = project_with_fixtures();
    project.write(
        "fixtures/003_broken.sql",
        "insert into pets values (11, 1);\ninsert into pets values (12, 99);\n",
    );
    assert_code(&project.dbward(&db, &["up"]), 0);
    let seed = project.dbward(&db, &["seed"]);
    assert_code(&seed, 1);
    assert!(
        seed.stderr
            .contains("fixtures/003_broken.sql:2:1: error 23503"),
        "{seed:?}"
    );
    assert!(seed.stderr.contains("no fixture was applied"), "{seed:?}");
    assert_eq!(db.scalar("select count(*) from people"), "0");
}

#[test]
fn only_names_the_fixtures_to_apply() {
    let db = TestDb::new();
    let project = project_with_fixtures();
    assert_code(&project.dbward(&db, &["up"]), 0);
    assert_code(&project.dbward(&db, &["seed", "--only", "people"]), 0);
    assert_eq!(db.scalar("select count(*) from people"), "2");
    assert_eq!(db.scalar("select count(*) from pets"), "0");
    let unknown = project.dbward(&db, &["seed", "--only", "cats"]);
    assert_code(&unknown, 2);
    assert!(
        unknown.stderr.contains("001_people.sql, 002_pets.sql"),
        "{unknown:?}"
    );
}

#[test]
fn protected_environments_refuse_to_be_seeded_unless_allowed() {
    let db = TestDb::new();
    let project = project_with_fixtures();
    project.write(
        "dbward.toml",
        "[environments.production]\ndatabase_url_env = \"PROD_URL\"\nprotected = true\n",
    );
    let run = |args: &[&str]| {
        let output = project
            .command(args)
            .env("PROD_URL", db.url())
            .output()
            .unwrap();
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    assert_eq!(run(&["--env", "production", "up"]).0, Some(0));
    let (code, stderr) = run(&["--env", "production", "seed"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("protected") && stderr.contains("--allow-protected"),
        "{stderr}"
    );
    assert_eq!(db.scalar("select count(*) from people"), "0");
    assert_eq!(
        run(&["--env", "production", "seed", "--allow-protected"]).0,
        Some(0)
    );
    assert_eq!(db.scalar("select count(*) from people"), "2");

    let (code, stderr) = run(&["--env", "staging", "status"]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("no environment `staging`") && stderr.contains("production"),
        "{stderr}"
    );
}

#[test]
fn the_supabase_shim_is_made_where_auth_is_missing_and_behaves_like_supabase() {
    let db = TestDb::new();
    let project = Project::new();
    project.write("dbward.toml", "compat = \"supabase\"\n");
    project.migration(
        "001_notes.sql",
        "create table notes (id int primary key, owner uuid not null default auth.uid(), body text);\n\
         alter table notes enable row level security;\n\
         create policy own_notes on notes for all to authenticated\n  using (owner = (select auth.uid())) with check (owner = (select auth.uid()));",
        "drop table notes;",
    );
    let up = project.dbward(&db, &["up"]);
    assert_code(&up, 0);
    assert!(
        up.stderr
            .contains("created the Supabase compatibility shim"),
        "{up:?}"
    );
    assert_eq!(
        db.scalar("select string_agg(rolname || ':' || rolbypassrls, ',' order by rolname) from pg_roles where rolname in ('anon', 'authenticated', 'service_role')"),
        "anon:false,authenticated:false,service_role:true"
    );
    let claims = r#"{"sub":"6f1c1f5e-0000-4000-8000-000000000001","role":"authenticated","email":"ada@example.com"}"#;
    assert_eq!(
        db.scalar(&format!(
            "select set_config('request.jwt.claims', '{claims}', false) is not null and auth.uid()::text = '6f1c1f5e-0000-4000-8000-000000000001' and auth.role() = 'authenticated' and auth.email() = 'ada@example.com' and auth.jwt() ->> 'sub' = auth.uid()::text"
        )),
        "t"
    );
    // RLS works as on Supabase: each user sees only their rows.
    let mut client = db.client();
    client
        .batch_execute(
            "insert into notes (id, owner) values (1, '6f1c1f5e-0000-4000-8000-000000000001'), (2, '6f1c1f5e-0000-4000-8000-000000000002');",
        )
        .unwrap();
    let visible = client
        .simple_query(&format!(
            "begin; set local role authenticated; select set_config('request.jwt.claims', '{claims}', true); select count(*) from notes; rollback;"
        ))
        .unwrap();
    let counts: Vec<String> = visible
        .iter()
        .filter_map(|m| match m {
            postgres::SimpleQueryMessage::Row(row) => Some(row.get(0).unwrap_or("").to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(counts.last().map(String::as_str), Some("1"));

    // Never rolled back: down to zero leaves the shim.
    assert_code(&project.dbward(&db, &["down", "--to", "0"]), 0);
    assert!(db.table_exists("auth.users"));
}

#[test]
fn an_existing_auth_schema_is_left_alone() {
    let db = TestDb::new();
    db.client()
        .batch_execute("create schema auth; create function auth.uid() returns uuid language sql as $$ select null::uuid $$;")
        .unwrap();
    let project = Project::new();
    project.write("dbward.toml", "compat = \"supabase\"\n");
    project.migration("001_t.sql", "create table t (id int);", "drop table t;");
    let up = project.dbward(&db, &["up"]);
    assert_code(&up, 0);
    // The groups that were absent are made; the existing auth schema is not touched.
    assert!(up.stderr.contains("schema storage"), "{up:?}");
    assert!(!up.stderr.contains("schema auth"), "{up:?}");
    assert!(
        !db.table_exists("auth.users"),
        "the shim must not touch an existing auth schema"
    );
    assert_eq!(
        db.scalar("select obj_description('auth'::regnamespace, 'pg_namespace') is null"),
        "t"
    );
}

#[test]
fn seed_without_fixtures_says_where_it_looked_and_touches_no_database() {
    let db = TestDb::new();
    let project = Project::new();
    project.migration(
        "001_people.sql",
        "create table people (id int primary key);",
        "drop table people;",
    );
    let seed = project.dbward(&db, &["seed"]);
    assert_code(&seed, 0);
    assert_eq!(
        seed.stdout.trim(),
        "no fixtures in fixtures/: nothing to seed",
        "{seed:?}"
    );
    assert!(!seed.stdout.contains("already there"), "{seed:?}");
    let json = project.dbward(&db, &["seed", "--format", "json"]);
    assert_code(&json, 0);
    let doc = json.json();
    assert_eq!(doc["database"], serde_json::Value::Null);
    assert_eq!(doc["looked_in"], "fixtures/");
    assert_eq!(doc["fixtures"], serde_json::json!([]));
    // Nothing ran, so nothing was made there: not even dbward's schema.
    assert_eq!(
        db.scalar("select count(*) from pg_namespace where nspname = 'dbward'"),
        "0"
    );

    // The folder as configured; an empty one is no different from none.
    project.write("dbward.toml", "fixtures_dir = \"db/seeds\"\n");
    std::fs::create_dir_all(project.path().join("db/seeds")).unwrap();
    let configured = project.dbward(&db, &["seed"]);
    assert_code(&configured, 0);
    assert_eq!(
        configured.stdout.trim(),
        "no fixtures in db/seeds/: nothing to seed",
        "{configured:?}"
    );

    // Naming a fixture that is not there is still an error.
    let only = project.dbward(&db, &["seed", "--only", "people"]);
    assert_code(&only, 2);
    assert!(
        only.stderr
            .contains("no fixture is named `people`; the fixtures are: none"),
        "{only:?}"
    );

    // With no database configured, no local PostgreSQL is started for nothing.
    let local = project.run(&["seed"]);
    assert_code(&local, 0);
    assert!(!project.path().join(".dbward").exists(), "{local:?}");
}

#[test]
fn a_supabase_project_without_seed_files_names_them() {
    let db = TestDb::new();
    let project = Project::new();
    project.write("dbward.toml", "layout = \"supabase\"\n");
    project.write(
        "supabase/migrations/20240101000000_people.sql",
        "create table people (id int primary key);",
    );
    // `supabase init` writes an empty seed.sql: no fixture.
    project.write("supabase/seed.sql", "");
    let seed = project.dbward(&db, &["seed"]);
    assert_code(&seed, 0);
    assert_eq!(
        seed.stdout.trim(),
        "no fixtures in supabase/ (seed.sql): nothing to seed",
        "{seed:?}"
    );
    project.write(
        "supabase/config.toml",
        "[db.seed]\nsql_paths = ['./seeds/*.sql']\n",
    );
    let listed = project.dbward(&db, &["seed"]);
    assert_code(&listed, 0);
    assert_eq!(
        listed.stdout.trim(),
        "no fixtures in supabase/ (seeds/*.sql): nothing to seed",
        "{listed:?}"
    );
}

/// `--env production` with another database in DATABASE_URL uses production's, says which
/// it passed over, and production's protection holds; the same database reached through
/// DATABASE_URL alone is protected too; `--database-url` and a different `--env` database
/// are refused rather than guessed between.
#[test]
fn the_named_environment_wins_and_its_protection_follows_its_database() {
    let production = TestDb::new();
    let shell = TestDb::new();
    let project = project_with_fixtures();
    project.write(
        "dbward.toml",
        "[environments.production]\ndatabase_url_env = \"PROD_URL\"\nprotected = true\n",
    );
    let run = |envs: &[(&str, String)], args: &[&str]| {
        let mut command = project.command(args);
        command.env("PROD_URL", production.url());
        for (key, value) in envs {
            command.env(key, value);
        }
        support::Run::from(command.output().unwrap())
    };
    let in_shell = [("DATABASE_URL", shell.url())];
    let named = |db: &TestDb| format!("postgres@127.0.0.1:{}/{}", db.port, db.name);

    let up = run(&in_shell, &["--env", "production", "up"]);
    assert_code(&up, 0);
    assert!(production.table_exists("people"), "{up:?}");
    assert!(
        !shell.table_exists("people"),
        "DATABASE_URL was passed over"
    );
    assert!(
        up.stderr.contains(&format!(
            "DATABASE_URL ({}) is set, but --env production names its own database: using {}",
            named(&shell),
            named(&production)
        )),
        "{up:?}"
    );
    assert!(up.stdout.contains(&named(&production)), "{up:?}");

    // DBWARD_ENV is the same choice as --env.
    let by_variable = run(
        &[
            ("DATABASE_URL", shell.url()),
            ("DBWARD_ENV", "production".into()),
        ],
        &["seed"],
    );
    assert_code(&by_variable, 2);
    assert!(
        by_variable
            .stderr
            .contains("environment `production` is marked protected"),
        "{by_variable:?}"
    );

    // The production database reached through DATABASE_URL, without --env, is protected.
    let unnamed = run(&[("DATABASE_URL", production.url())], &["seed"]);
    assert_code(&unnamed, 2);
    assert!(
        unnamed.stderr.contains(
            "the database in use is environment `production`'s, which is marked protected"
        ),
        "{unnamed:?}"
    );
    assert_eq!(production.scalar("select count(*) from people"), "0");

    // The shell's database, chosen as itself, is not production: it seeds.
    assert_code(&run(&in_shell, &["up"]), 0);
    assert_code(&run(&in_shell, &["seed"]), 0);
    assert_eq!(shell.scalar("select count(*) from people"), "2");

    let both = run(
        &[],
        &[
            "--env",
            "production",
            "--database-url",
            &shell.url(),
            "status",
        ],
    );
    assert_code(&both, 2);
    assert!(
        both.stderr.contains(&format!(
            "--database-url and --env production name different databases ({} and {})",
            named(&shell),
            named(&production)
        )),
        "{both:?}"
    );
    assert!(!both.stderr.contains(&shell.password), "{both:?}");
}
