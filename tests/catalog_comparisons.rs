//! What `dbward ci`'s round trip and `dbward diff` compare beyond tables and columns:
//! publications and their tables, the roles a migration makes, grants, and the policies on
//! `storage.objects`, against a real PostgreSQL.

mod support;

use support::{Project, TestDb, assert_code};

/// A Supabase project with one table, `notes`, which the API roles get everything on.
fn notes_project() -> Project {
    let project = Project::new();
    project.write("dbward.toml", "compat = \"supabase\"\n");
    project.migration(
        "001_notes.sql",
        "create table notes (id bigint primary key, owner uuid not null references auth.users, body text);\n\
         alter table notes enable row level security;\n\
         create policy own_notes on notes for all to authenticated using (owner = (select auth.uid())) with check (owner = (select auth.uid()));",
        "drop table notes;",
    );
    project
}

/// Runs `ci` and asserts it fails the down step with exit 3 on the rollback of `version`,
/// naming each of `left`; returns the step's message.
fn assert_rollback_leaves(project: &Project, version: &str, left: &[&str]) -> String {
    let db = TestDb::new();
    let run = project.dbward(&db, &["ci", "--format", "json"]);
    assert_code(&run, 3);
    let doc = run.json();
    let step = doc["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["status"] == "failed")
        .unwrap_or_else(|| panic!("no step failed: {doc:#}"));
    assert_eq!(step["name"], "down", "{doc:#}");
    let message = step["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("the rollback of migration {version} is not")),
        "{message}"
    );
    for object in left {
        assert!(message.contains(object), "{object} not named: {message}");
    }
    message.to_string()
}

#[test]
fn a_rollback_that_forgets_a_publication_fails_the_down_step() {
    let project = notes_project();
    project.migration(
        "002_feed.sql",
        "create publication notes_feed for table notes with (publish = 'insert, update');",
        "select 1;",
    );
    assert_rollback_leaves(
        &project,
        "002",
        &[
            "publication notes_feed is there but should not be",
            "publication table notes_feed: public.notes is there but should not be",
        ],
    );
}

#[test]
fn a_rollback_that_leaves_a_table_in_supabase_realtime_fails_the_down_step() {
    let project = notes_project();
    // Supabase has the publication from the start; where the compat shim does not make it
    // yet, a forward-only migration does (the round trip stops there).
    project.write(
        "migrations/002_realtime_publication.sql",
        "do $$ begin\n\
           if not exists (select from pg_publication where pubname = 'supabase_realtime') then\n\
             create publication supabase_realtime;\n\
           end if;\n\
         end $$;",
    );
    project.migration(
        "003_realtime.sql",
        "alter publication supabase_realtime add table notes;",
        "select 1;",
    );
    let message = assert_rollback_leaves(
        &project,
        "003",
        &["publication table supabase_realtime: public.notes is there but should not be"],
    );
    assert_eq!(message.lines().count(), 2, "{message}");
}

#[test]
fn a_rollback_that_leaves_a_role_it_made_fails_the_down_step() {
    // The rollback revokes everything the role was granted but keeps the role: unused by
    // the database afterwards, it is still named.
    let project = notes_project();
    project.migration(
        "002_reporter.sql",
        "create role ci_catalog_reporter nologin;\ngrant select on notes to ci_catalog_reporter;\n\
         alter default privileges in schema public grant select on tables to ci_catalog_reporter;",
        "alter default privileges in schema public revoke select on tables from ci_catalog_reporter;\n\
         revoke select on notes from ci_catalog_reporter;",
    );
    let message = assert_rollback_leaves(
        &project,
        "002",
        &["role ci_catalog_reporter is there but should not be"],
    );
    assert_eq!(message.lines().count(), 2, "{message}");
}

#[test]
fn a_rollback_that_leaves_default_privileges_and_a_database_grant_fails_the_down_step() {
    let project = notes_project();
    project.migration(
        "002_viewer.sql",
        "create role ci_catalog_viewer nologin;",
        "drop role ci_catalog_viewer;",
    );
    project.migration(
        "003_viewer_grants.sql",
        "alter default privileges in schema public grant select on tables to ci_catalog_viewer;\n\
         do $$ begin execute format('grant connect on database %I to ci_catalog_viewer', current_database()); end $$;",
        "select 1;",
    );
    assert_rollback_leaves(
        &project,
        "003",
        &[
            "grant database to ci_catalog_viewer is there but should not be",
            "default privileges on tables in schema public to ci_catalog_viewer is there but should not be",
        ],
    );
}

#[test]
fn a_role_left_unused_by_its_rollback_fails_up_again() {
    // Roles belong to the whole cluster, and only those the database uses are compared; one
    // the database never used shows when the migration makes it again.
    let db = TestDb::new();
    let project = notes_project();
    project.migration(
        "002_bare_role.sql",
        "create role ci_catalog_bare nologin;",
        "select 1;",
    );
    let run = project.dbward(&db, &["ci", "--format", "json"]);
    assert_code(&run, 1);
    let doc = run.json();
    let step = doc["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["status"] == "failed")
        .unwrap_or_else(|| panic!("no step failed: {doc:#}"));
    assert_eq!(step["name"], "up again", "{doc:#}");
    let message = step["message"].as_str().unwrap();
    assert!(
        message.contains("ci_catalog_bare") && message.contains("already exists"),
        "{message}"
    );
}

#[test]
fn a_rollback_that_leaves_a_grant_to_anon_fails_the_down_step() {
    let project = notes_project();
    project.migration(
        "002_private.sql",
        "revoke all on notes from anon;",
        "grant all on notes to anon;",
    );
    project.migration(
        "003_public_read.sql",
        "grant select on notes to anon;\ngrant update (body) on notes to anon;",
        "revoke update (body) on notes from anon;",
    );
    let message = assert_rollback_leaves(
        &project,
        "003",
        &["grant table public.notes to anon is there but should not be"],
    );
    // The column grant was revoked: nothing said about it.
    assert!(!message.contains("column public.notes.body"), "{message}");
}

#[test]
fn a_rollback_that_leaves_a_storage_policy_fails_the_down_step() {
    let project = notes_project();
    // Where the compat shim has no storage schema yet, a forward-only migration makes the
    // part of it this test needs.
    project.write(
        "migrations/002_storage.sql",
        "create schema if not exists storage;\n\
         create table if not exists storage.objects (id uuid primary key, bucket_id text, name text, owner uuid);\n\
         alter table storage.objects enable row level security;",
    );
    project.migration(
        "003_avatars.sql",
        "create policy \"avatars are public\" on storage.objects for select using (bucket_id = 'avatars');\n\
         create policy \"users upload their avatar\" on storage.objects for insert to authenticated\n\
           with check (bucket_id = 'avatars' and owner = (select auth.uid()));",
        "drop policy \"avatars are public\" on storage.objects;",
    );
    let message = assert_rollback_leaves(
        &project,
        "003",
        &["policy storage.objects \"users upload their avatar\" is there but should not be"],
    );
    assert!(!message.contains("avatars are public"), "{message}");
}

#[test]
fn a_round_trip_that_reverses_grants_roles_and_publications_passes() {
    let db = TestDb::new();
    let project = notes_project();
    project.migration(
        "002_everything.sql",
        "create role ci_catalog_editor nologin;\n\
         grant select, update (body) on notes to ci_catalog_editor;\n\
         alter default privileges in schema public grant select on tables to ci_catalog_editor;\n\
         create publication notes_changes for table notes;",
        "drop publication notes_changes;\n\
         alter default privileges in schema public revoke select on tables from ci_catalog_editor;\n\
         revoke all on notes from ci_catalog_editor;\n\
         drop role ci_catalog_editor;",
    );
    let run = project.dbward(&db, &["ci", "--format", "json"]);
    assert_code(&run, 0);
}

/// `diff` builds its throw-away database on the project's local cluster: stop it however
/// the test ends.
struct DestroyLocal<'a>(&'a Project);

impl Drop for DestroyLocal<'_> {
    fn drop(&mut self) {
        let _ = self.0.run(&["local", "destroy"]);
    }
}

#[test]
fn diff_names_grants_roles_publication_tables_and_storage_policies_made_by_hand() {
    let db = TestDb::new();
    let project = notes_project();
    let _local = DestroyLocal(&project);
    assert_code(&project.dbward(&db, &["up"]), 0);
    // The shim's grants and default privileges are no drift, and neither is what a real
    // Supabase has besides: its empty publication, default privileges defined by its admin,
    // grants to its own roles.
    db.client()
        .batch_execute(
            "do $$ begin
               if not exists (select from pg_roles where rolname = 'supabase_admin') then
                 create role supabase_admin nologin;
               end if;
               if not exists (select from pg_publication where pubname = 'supabase_realtime') then
                 create publication supabase_realtime;
               end if;
             end $$;
             alter default privileges for role supabase_admin in schema public
               grant all on tables to postgres, anon, authenticated, service_role;
             grant usage on schema public to postgres;
             grant all on notes to supabase_admin;",
        )
        .unwrap();
    assert_code(&project.dbward(&db, &["diff"]), 0);

    db.client()
        .batch_execute(
            "create role diff_auditor nologin;
             grant select on notes to diff_auditor;
             revoke delete on notes from anon;
             do $$ begin
               if not exists (select from pg_publication where pubname = 'supabase_realtime') then
                 create publication supabase_realtime;
               end if;
             end $$;
             alter publication supabase_realtime add table notes;
             create schema if not exists storage;
             create table if not exists storage.objects (id uuid primary key, bucket_id text, owner uuid);
             create policy \"anyone reads avatars\" on storage.objects for select using (bucket_id = 'avatars');",
        )
        .unwrap();
    let run = project.dbward(&db, &["diff", "--format", "json"]);
    assert_code(&run, 3);
    let found = run.differences();
    for expected in [
        "grant table public.notes to diff_auditor",
        "grant table public.notes to anon",
        "role diff_auditor",
        "publication table supabase_realtime: public.notes",
        "policy storage.objects \"anyone reads avatars\"",
    ] {
        assert!(
            found.iter().any(|f| f == expected),
            "{expected} missing: {found:?}"
        );
    }
    // Supabase's publication itself, and its platform roles, are the platform's.
    for platform in [
        "publication supabase_realtime",
        "role anon",
        "role postgres",
    ] {
        assert!(
            !found.iter().any(|f| f == platform),
            "{platform} reported: {found:?}"
        );
    }
    assert_eq!(found.len(), 5, "{found:?}");
}
