//! `dbward diff --write`: the next migration and its rollback, from hand edits on a live
//! database or from a declared schema, proven before they are written, then run for real
//! by `dbward ci` (up, down, up again on a throw-away database).

mod support;

use support::{Project, TestDb, assert_code};

/// Stops and removes the project's local PostgreSQL, which the throw-away databases use.
struct DestroyLocal<'a>(&'a Project);

impl Drop for DestroyLocal<'_> {
    fn drop(&mut self) {
        let _ = self.0.run(&["local", "destroy"]);
    }
}

fn notes_project() -> Project {
    let project = Project::new();
    project.write("dbward.toml", "");
    project.migration(
        "001_notes.sql",
        "create table notes (id bigint generated always as identity primary key, owner text not null, body text);",
        "drop table notes;",
    );
    project
}

/// The notes project, migrated on a database of its own.
fn migrated_notes() -> (TestDb, Project) {
    let db = TestDb::new();
    let project = notes_project();
    assert_code(&project.dbward(&db, &["up"]), 0);
    (db, project)
}

fn read(project: &Project, relative: &str) -> String {
    std::fs::read_to_string(project.path().join(relative))
        .unwrap_or_else(|e| panic!("{relative}: {e}"))
}

fn files(project: &Project, folder: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(project.path().join(folder))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn hand_edits_on_a_live_database_become_a_pair_that_ci_runs_both_ways() {
    let (db, project) = migrated_notes();
    let _local = DestroyLocal(&project);
    assert_code(&project.dbward(&db, &["diff", "--write", "nothing"]), 0);
    assert_eq!(files(&project, "migrations"), vec!["001_notes.sql"]);

    db.client()
        .batch_execute(
            "create schema private;
             create type mood as enum ('calm', 'busy');
             alter table notes add column mood mood not null default 'calm', add column title varchar(80);
             alter table notes alter column body set not null;
             create table tags (note_id bigint not null references notes on delete cascade, tag text not null, primary key (note_id, tag));
             create function private.is_owner(owner text) returns boolean language sql stable as $$ select owner = current_user $$;
             create function private.touch() returns trigger language plpgsql as $$ begin new.title := coalesce(new.title, 'untitled'); return new; end $$;
             create trigger notes_touch before insert on notes for each row execute function private.touch();
             alter table notes enable row level security;
             create policy own_notes on notes for all using (private.is_owner(owner));
             create view note_titles as select id, title from notes;
             create index notes_owner on notes (owner);
             comment on table notes is 'what people wrote';",
        )
        .unwrap();
    let run = project.dbward(&db, &["diff", "--write", "hand_edits"]);
    assert_code(&run, 0);
    assert_eq!(
        files(&project, "migrations"),
        vec![
            "001_notes.sql",
            "002_hand_edits.sql",
            "003_hand_edits_concurrently.sql"
        ]
    );
    assert_eq!(
        files(&project, "rollbacks"),
        vec![
            "001_notes.sql",
            "002_hand_edits.sql",
            "003_hand_edits_concurrently.sql"
        ]
    );
    let concurrently = read(&project, "migrations/003_hand_edits_concurrently.sql");
    assert!(
        concurrently.starts_with("-- dbward:no-transaction\n"),
        "{concurrently}"
    );
    assert!(
        concurrently.contains("CREATE INDEX CONCURRENTLY notes_owner ON public.notes"),
        "{concurrently}"
    );
    let up = read(&project, "migrations/002_hand_edits.sql");
    // The function the policy and the trigger call, in another schema, comes first.
    let function = up
        .find("CREATE OR REPLACE FUNCTION private.is_owner")
        .unwrap();
    let policy = up.find("CREATE POLICY own_notes").unwrap();
    let trigger = up.find("CREATE TRIGGER notes_touch").unwrap();
    assert!(function < policy && function < trigger, "{up}");

    // The pair runs both ways on a fresh database, and the round trip is exact.
    let fresh = TestDb::new();
    let ci = project.dbward(&fresh, &["ci"]);
    assert_code(&ci, 0);
    // The live database holds their schema: both are recorded as applied there, and the
    // migrations now build what it holds.
    assert!(
        run.stdout.contains("recorded 002 and 003 as applied in"),
        "{run:?}"
    );
    assert_code(&project.dbward(&db, &["status", "--exit-code"]), 0);
    assert_code(&project.dbward(&db, &["diff"]), 0);
}

#[test]
fn dry_run_prints_both_files_and_writes_nothing() {
    let (db, project) = migrated_notes();
    let _local = DestroyLocal(&project);
    db.client()
        .batch_execute(
            "alter table notes add column done boolean not null default false;
             alter table notes alter column body set not null;",
        )
        .unwrap();
    let run = project.dbward(&db, &["diff", "--write", "add done", "--dry-run"]);
    assert_code(&run, 0);
    assert!(
        run.stdout
            .contains("ALTER TABLE public.notes ADD COLUMN done boolean DEFAULT false NOT NULL;")
            || run
                .stdout
                .contains("ADD COLUMN done boolean NOT NULL DEFAULT false;"),
        "{run:?}"
    );
    assert!(run.stdout.contains("DROP COLUMN done"), "{run:?}");
    // SET NOT NULL on a filled table is a hazard: said above the statement and printed.
    assert!(
        run.stdout.contains("-- hazard: ")
            && run.stdout.contains("\nhazard: column public.notes.body"),
        "{run:?}"
    );
    assert!(run.stdout.contains("nothing written"), "{run:?}");
    assert_eq!(files(&project, "migrations"), vec!["001_notes.sql"]);
}

#[test]
fn a_live_database_behind_the_migrations_is_refused() {
    let db = TestDb::new();
    let project = notes_project();
    let _local = DestroyLocal(&project);
    assert_code(&project.dbward(&db, &["up", "--to", "0"]), 0);
    let run = project.dbward(&db, &["diff", "--write", "x"]);
    assert_code(&run, 2);
    assert!(
        run.stderr.contains("1 migration not applied") && run.stderr.contains("dbward up"),
        "{run:?}"
    );
    assert_eq!(files(&project, "migrations"), vec!["001_notes.sql"]);
}

#[test]
fn what_the_generator_cannot_make_is_named_and_nothing_is_written() {
    let (db, project) = migrated_notes();
    let _local = DestroyLocal(&project);
    // An aggregate is not among the kinds the generator makes: the proof must catch it.
    db.client()
        .batch_execute(
            "create function pick_longer(a text, b text) returns text language sql immutable as $$ select case when length(b) > length(coalesce(a, '')) then b else a end $$;
             create aggregate longest(text) (sfunc = pick_longer, stype = text);",
        )
        .unwrap();
    let run = project.dbward(&db, &["diff", "--write", "x"]);
    assert_code(&run, 1);
    assert!(run.stderr.contains("nothing was written"), "{run:?}");
    assert!(
        run.stderr.contains("aggregate public.longest(text)"),
        "{run:?}"
    );
    assert_eq!(files(&project, "migrations"), vec!["001_notes.sql"]);
    assert_eq!(files(&project, "rollbacks"), vec!["001_notes.sql"]);
}

#[test]
fn a_declared_schema_becomes_the_first_migration_of_an_empty_project() {
    let project = Project::new();
    project.write("dbward.toml", "");
    let _local = DestroyLocal(&project);
    // The policy calls a function in a schema that sorts after `public`: the migration must
    // still make the function first.
    project.write(
        "schema/01_private.sql",
        "create schema private;
         create function private.allowed(uid text) returns boolean language sql stable as $$ select uid = current_user $$;",
    );
    project.write(
        "schema/02_tables.sql",
        "create table public.accounts (id text primary key, plan text not null default 'free' check (plan in ('free', 'pro')));
         create table public.invoices (id bigint generated by default as identity primary key, account text not null references public.accounts, total numeric(12,2) not null);
         create index invoices_account on public.invoices (account);
         alter table public.invoices enable row level security;
         create policy own_invoices on public.invoices for select using (private.allowed(account));",
    );
    let run = project.run(&["diff", "--from", "schema", "--write", "init"]);
    assert_code(&run, 0);
    // No table existed before: the index is built in the migration itself.
    assert_eq!(files(&project, "migrations"), vec!["001_init.sql"]);
    let db = TestDb::new();
    assert_code(&project.dbward(&db, &["ci"]), 0);
    // The declared schema and the migration build the same catalog.
    let again = project.run(&["diff", "--from", "schema", "--write", "again"]);
    assert_code(&again, 0);
    assert!(again.stdout.contains("nothing to write"), "{again:?}");
}

#[test]
fn the_local_database_is_the_default_target_and_a_possible_rename_is_said() {
    let project = notes_project();
    let _local = DestroyLocal(&project);
    assert_code(&project.run(&["up"]), 0);
    let url = project.run(&["local", "url"]).stdout.trim().to_string();
    let password = std::fs::read_to_string(project.path().join(".dbward/password")).unwrap();
    let mut config: postgres::Config = url.parse().unwrap();
    config.password(password.trim());
    let mut local = config.connect(postgres::NoTls).unwrap();
    local
        .batch_execute(
            "alter table notes drop column body; alter table notes add column content text;",
        )
        .unwrap();
    drop(local);
    let run = project.run(&["diff", "--write", "body_to_content"]);
    assert_code(&run, 0);
    assert!(
        run.stdout
            .contains("possible rename, written as a drop and an add: public.notes: body dropped, content added"),
        "{run:?}"
    );
    assert!(
        run.stdout
            .contains("recorded 002 as applied in the local database"),
        "{run:?}"
    );
    let up = read(&project, "migrations/002_body_to_content.sql");
    assert!(
        up.contains("-- the local database, and proven on a throw-away database first.")
            && up.contains("DROP COLUMN body"),
        "{up}"
    );
    assert_code(&project.run(&["status", "--exit-code"]), 0);
}

#[test]
fn bad_input_is_refused_before_anything_runs() {
    let project = notes_project();
    for (args, says) in [
        (
            vec!["diff", "--from", "missing", "--write", "x"],
            "--from missing: not a folder of .sql files",
        ),
        (vec!["diff", "--dry-run"], "--write"),
        (vec!["diff", "--from", "schema"], "--write"),
        (
            vec!["diff", "--write", "drop;table"],
            "may hold only letters, digits",
        ),
    ] {
        let run = project.run(&args);
        assert_code(&run, 2);
        assert!(run.stderr.contains(says), "{args:?}: {run:?}");
    }
    project.write("schema/readme.txt", "no sql here");
    let run = project.run(&["diff", "--from", "schema", "--write", "x"]);
    assert_code(&run, 2);
    assert!(
        run.stderr.contains("the folder holds no .sql file"),
        "{run:?}"
    );
    // Nothing was started or written.
    assert!(!project.path().join(".dbward").exists());
    assert_eq!(files(&project, "migrations"), vec!["001_notes.sql"]);
}

/// A project in another tool's layout whose first migration makes `notes`, given a new
/// column and an index by hand; `diff --write` writes in that layout, and `ci` reads it.
fn other_layout(layout: &str, first: &[(&str, &str)], written: &[&str]) {
    let db = TestDb::new();
    let project = Project::new();
    project.write("dbward.toml", format!("layout = \"{layout}\"\n"));
    for (file, text) in first {
        project.write(&format!("migrations/{file}"), text);
    }
    let _local = DestroyLocal(&project);
    assert_code(&project.dbward(&db, &["up"]), 0);
    db.client()
        .batch_execute(
            "create function note_length(n notes) returns int language sql stable as $$ select length(n.body); $$;
             alter table notes add column title text;
             create index notes_title on notes (title);",
        )
        .unwrap();
    let run = project.dbward(&db, &["diff", "--write", "add_title"]);
    assert_code(&run, 0);
    let mut all = files(&project, "migrations");
    all.retain(|f| !first.iter().any(|(file, _)| file == f));
    assert_eq!(all, written, "{run:?}");
    assert_code(&project.dbward(&db, &["status", "--exit-code"]), 0);
    let fresh = TestDb::new();
    assert_code(&project.dbward(&fresh, &["ci"]), 0);
}

#[test]
fn goose_gets_sections_with_each_statement_marked_and_ci_runs_them() {
    other_layout(
        "goose",
        &[(
            "00001_notes.sql",
            "-- +goose Up\ncreate table notes (id bigint primary key, body text);\n-- +goose Down\ndrop table notes;\n",
        )],
        &["00002_add_title.sql", "00003_add_title_concurrently.sql"],
    );
}

#[test]
fn sqlx_gets_up_and_down_files_and_ci_runs_them() {
    other_layout(
        "sqlx",
        &[
            (
                "1_notes.up.sql",
                "create table notes (id bigint primary key, body text);\n",
            ),
            ("1_notes.down.sql", "drop table notes;\n"),
        ],
        &[
            "2_add_title.down.sql",
            "2_add_title.up.sql",
            "3_add_title_concurrently.down.sql",
            "3_add_title_concurrently.up.sql",
        ],
    );
}
