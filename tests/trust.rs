//! dbward's own schema is trusted only when the role dbward connects as owns it and what it
//! uses there: another role's table, function or trigger is refused before it can run, and
//! what dbward creates is granted to nobody else, whatever the default privileges say.

mod support;

use support::{Project, TestDb, assert_code};

/// A role that owns the test database (so it may create schemas there), as an attacker who
/// was given a database of their own would.
fn database_owner(db: &TestDb, role: &str) {
    db.client()
        .batch_execute(&format!(
            "CREATE ROLE {role} LOGIN; ALTER DATABASE \"{}\" OWNER TO {role};",
            db.name
        ))
        .unwrap();
}

/// Runs `sql` as `role` (a superuser session that sets the role: what it creates is the
/// role's).
fn as_role(db: &TestDb, role: &str, sql: &str) {
    db.client()
        .batch_execute(&format!("SET ROLE {role}; {sql}"))
        .unwrap();
}

fn is_superuser(db: &TestDb, role: &str) -> String {
    db.scalar(&format!(
        "SELECT rolsuper FROM pg_roles WHERE rolname = '{role}'"
    ))
}

/// A function that makes `role` a superuser when a superuser calls it.
fn escalating(name: &str, role: &str, returns: &str, body_end: &str) -> String {
    format!(
        "CREATE FUNCTION {name} RETURNS {returns} LANGUAGE plpgsql AS $$
           BEGIN ALTER ROLE {role} SUPERUSER; {body_end} END $$;"
    )
}

fn project() -> Project {
    let project = Project::new();
    project.migration(
        "001_notes.sql",
        "create table notes (id int primary key);",
        "drop table notes;",
    );
    project
}

#[test]
fn a_claim_function_planted_by_another_role_is_refused_and_never_called() {
    let db = TestDb::new();
    database_owner(&db, "mallory_claim");
    as_role(
        &db,
        "mallory_claim",
        &format!(
            "CREATE SCHEMA dbward;
             CREATE TABLE dbward.schema_history (version bigint PRIMARY KEY, name text NOT NULL,
               checksum text NOT NULL, rollback_checksum text,
               applied_at timestamptz NOT NULL DEFAULT now(),
               applied_by text NOT NULL DEFAULT current_user,
               execution_ms bigint NOT NULL DEFAULT 0, success boolean NOT NULL);
             CREATE TABLE dbward.schema_events (id bigint);
             {}",
            escalating(
                "dbward.claim_step_v2(lock_key bigint, step_version bigint, direction text, below_newest boolean)",
                "mallory_claim",
                "void",
                ""
            )
        ),
    );
    let project = project();
    for command in [
        &["up"][..],
        &["status"],
        &["validate"],
        &["down"],
        &["repair"],
    ] {
        let run = project.dbward(&db, command);
        assert_code(&run, 1);
        assert!(
            run.stderr.contains("dbward refuses schema `dbward`: schema dbward is owned by role mallory_claim")
                && run.stderr.contains("function dbward.claim_step_v2(lock_key bigint, step_version bigint, direction text, below_newest boolean) is owned by role mallory_claim")
                && run.stderr.contains("`ALTER SCHEMA dbward OWNER TO \"postgres\"`"),
            "{command:?}: {run:?}"
        );
    }
    assert_eq!(is_superuser(&db, "mallory_claim"), "f");
    assert!(!db.table_exists("public.notes"), "nothing was migrated");
}

#[test]
fn a_history_table_another_role_owns_is_refused_with_its_trigger() {
    let db = TestDb::new();
    let project = project();
    assert_code(&project.dbward(&db, &["up"]), 0);
    // Someone gave mallory_table the history table; mallory_table hangs a trigger on it that escalates
    // whoever records a migration next.
    db.client()
        .batch_execute(
            "CREATE ROLE mallory_table; ALTER TABLE dbward.schema_history OWNER TO mallory_table;
             GRANT USAGE ON SCHEMA dbward TO mallory_table;
             GRANT CREATE ON SCHEMA public TO mallory_table;",
        )
        .unwrap();
    as_role(
        &db,
        "mallory_table",
        &format!(
            "{}
             CREATE TRIGGER grab BEFORE INSERT OR DELETE ON dbward.schema_history
               FOR EACH ROW EXECUTE FUNCTION public.grab();",
            escalating("public.grab()", "mallory_table", "trigger", "RETURN NEW;")
        ),
    );
    project.migration(
        "002_more.sql",
        "create table more (id int);",
        "drop table more;",
    );
    for command in [&["up"][..], &["status"], &["down"], &["job", "history"]] {
        let run = project.dbward(&db, command);
        assert_code(&run, 1);
        assert!(
            run.stderr
                .contains("table dbward.schema_history is owned by role mallory_table")
                && run.stderr.contains(
                    "trigger grab ON dbward.schema_history runs function grab(), owned by role mallory_table"
                )
                && run
                    .stderr
                    .contains("`ALTER TABLE dbward.schema_history OWNER TO \"postgres\"`"),
            "{command:?}: {run:?}"
        );
    }
    assert_eq!(is_superuser(&db, "mallory_table"), "f");
    assert!(!db.table_exists("public.more"));
    assert!(db.table_exists("public.notes"), "001 was not rolled back");
}

#[test]
fn a_schema_taken_over_is_refused_until_given_back() {
    let db = TestDb::new();
    let project = project();
    assert_code(&project.dbward(&db, &["up"]), 0);
    db.client()
        .batch_execute("CREATE ROLE mallory_schema; ALTER SCHEMA dbward OWNER TO mallory_schema;")
        .unwrap();
    project.migration(
        "002_more.sql",
        "create table more (id int);",
        "drop table more;",
    );
    let run = project.dbward(&db, &["up", "--format", "json"]);
    assert_code(&run, 1);
    let error = &run.json()["error"];
    assert_eq!(error["kind"], "untrusted_schema");
    assert!(
        error["message"].as_str().unwrap().starts_with(
            "dbward refuses schema `dbward`: schema dbward is owned by role mallory_schema."
        ),
        "{run:?}"
    );
    assert!(!db.table_exists("public.more"));
    // What the message says to run, after looking, gives the schema back.
    db.client()
        .batch_execute("ALTER SCHEMA dbward OWNER TO \"postgres\"")
        .unwrap();
    assert_code(&project.dbward(&db, &["up"]), 0);
    assert!(db.table_exists("public.more"));
}

#[test]
fn default_privileges_do_not_expose_dbwards_objects_to_the_api_roles() {
    let db = TestDb::new();
    db.client()
        .batch_execute(
            "CREATE ROLE anon NOLOGIN; CREATE ROLE authenticated NOLOGIN;
             ALTER DEFAULT PRIVILEGES GRANT ALL ON TABLES TO anon, authenticated;
             ALTER DEFAULT PRIVILEGES GRANT ALL ON FUNCTIONS TO anon, authenticated;
             ALTER DEFAULT PRIVILEGES GRANT ALL ON SCHEMAS TO anon, authenticated;
             ALTER DEFAULT PRIVILEGES GRANT ALL ON SEQUENCES TO anon;",
        )
        .unwrap();
    let project = project();
    project.write(
        "dbward.toml",
        "[jobs.tidy]\nkind = \"sql\"\nsql = \"SELECT 1\"\n",
    );
    assert_code(&project.dbward(&db, &["up"]), 0);
    assert_code(&project.dbward(&db, &["job", "run", "tidy"]), 0);
    // Migrated tables still get what the project's default privileges say.
    assert_eq!(
        db.scalar("SELECT has_table_privilege('anon', 'public.notes', 'SELECT')"),
        "t"
    );
    let exposed = "SELECT count(*) FROM (
          SELECT has_schema_privilege(r, 'dbward', 'USAGE') OR has_schema_privilege(r, 'dbward', 'CREATE') AS p FROM unnest(ARRAY['anon', 'authenticated']) r
          UNION ALL SELECT has_table_privilege(r, 'dbward.' || t, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')
            FROM unnest(ARRAY['anon', 'authenticated']) r, unnest(ARRAY['schema_history', 'schema_events', 'job_runs']) t
          UNION ALL SELECT has_function_privilege(r, 'dbward.claim_step_v2(bigint, bigint, text, boolean)', 'EXECUTE')
            FROM unnest(ARRAY['anon', 'authenticated', 'public']) r
        ) s WHERE p";
    assert_eq!(db.scalar(exposed), "0");

    // As anon, for real: nothing to read, nothing to call.
    let mut client = db.client();
    client.batch_execute("SET ROLE anon").unwrap();
    for sql in [
        "SELECT * FROM dbward.schema_history",
        "SELECT * FROM dbward.job_runs",
        "SELECT dbward.claim_step_v2(1, 1, 'up', false)",
    ] {
        let err = client.batch_execute(sql).unwrap_err();
        assert_eq!(
            err.code(),
            Some(&postgres::error::SqlState::INSUFFICIENT_PRIVILEGE),
            "{sql}: {err}"
        );
    }
    drop(client);

    // A grant made since is taken back by the next run.
    db.client()
        .batch_execute(
            "GRANT USAGE ON SCHEMA dbward TO anon; GRANT SELECT, TRIGGER ON dbward.schema_history TO anon;
             GRANT EXECUTE ON FUNCTION dbward.claim_step_v2(bigint, bigint, text, boolean) TO PUBLIC;",
        )
        .unwrap();
    assert_ne!(db.scalar(exposed), "0");
    assert_code(&project.dbward(&db, &["up"]), 0);
    assert_eq!(db.scalar(exposed), "0");
}

#[test]
fn a_role_that_is_not_a_superuser_keeps_its_own_schema() {
    let db = TestDb::new();
    database_owner(&db, "deployer");
    // Sessions of postgres in this database act as deployer, as a deploy role's would.
    db.client()
        .batch_execute(&format!(
            "ALTER ROLE postgres IN DATABASE \"{}\" SET role = 'deployer'",
            db.name
        ))
        .unwrap();
    let project = project();
    assert_code(&project.dbward(&db, &["up"]), 0);
    project.migration(
        "002_more.sql",
        "create table more (id int);",
        "drop table more;",
    );
    assert_code(&project.dbward(&db, &["up"]), 0);
    assert_code(&project.dbward(&db, &["down"]), 0);
    assert_eq!(
        db.lines(
            "SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'dbward'
             UNION ALL SELECT DISTINCT pg_get_userbyid(relowner) FROM pg_class WHERE relnamespace = 'dbward'::regnamespace"
        ),
        vec!["deployer", "deployer"]
    );
}

#[test]
fn a_trigger_hung_on_dbwards_table_by_a_grantee_is_refused_until_dropped() {
    let db = TestDb::new();
    let project = project();
    assert_code(&project.dbward(&db, &["up"]), 0);
    // What default privileges once granted an API role is enough to hang a trigger.
    db.client()
        .batch_execute(
            "CREATE ROLE mallory_trigger;
             GRANT USAGE ON SCHEMA dbward TO mallory_trigger;
             GRANT TRIGGER ON dbward.schema_history TO mallory_trigger;
             GRANT CREATE ON SCHEMA public TO mallory_trigger;",
        )
        .unwrap();
    as_role(
        &db,
        "mallory_trigger",
        &format!(
            "{}
             CREATE TRIGGER grab BEFORE INSERT ON dbward.schema_history
               FOR EACH ROW EXECUTE FUNCTION public.grab();",
            escalating("public.grab()", "mallory_trigger", "trigger", "RETURN NEW;")
        ),
    );
    project.migration(
        "002_more.sql",
        "create table more (id int);",
        "drop table more;",
    );
    let run = project.dbward(&db, &["up"]);
    assert_code(&run, 1);
    assert!(
        run.stderr.contains(
            "dbward refuses schema `dbward`: trigger grab ON dbward.schema_history runs function grab(), owned by role mallory_trigger. "
        ) && run
            .stderr
            .contains("`DROP TRIGGER grab ON dbward.schema_history`"),
        "{run:?}"
    );
    assert_eq!(is_superuser(&db, "mallory_trigger"), "f");
    assert!(!db.table_exists("public.more"));

    db.client()
        .batch_execute("DROP TRIGGER grab ON dbward.schema_history")
        .unwrap();
    assert_code(&project.dbward(&db, &["up"]), 0);
    assert!(db.table_exists("public.more"));
    assert_eq!(is_superuser(&db, "mallory_trigger"), "f");
    // The grants that let the trigger be made are gone.
    assert_eq!(
        db.scalar("SELECT has_table_privilege('mallory_trigger', 'dbward.schema_history', 'TRIGGER') OR has_schema_privilege('mallory_trigger', 'dbward', 'USAGE')"),
        "f"
    );
}

#[test]
fn a_view_in_place_of_the_history_is_never_read() {
    let db = TestDb::new();
    database_owner(&db, "mallory_view");
    as_role(
        &db,
        "mallory_view",
        &format!(
            "CREATE SCHEMA dbward;
             {}
             CREATE VIEW dbward.schema_history AS
               SELECT dbward.grab() AS version, 'x'::text AS name, 'x'::text AS checksum,
                      NULL::text AS rollback_checksum, now() AS applied_at,
                      'x'::text AS applied_by, 0::bigint AS execution_ms, true AS success;",
            escalating("dbward.grab()", "mallory_view", "bigint", "RETURN 1;")
        ),
    );
    let project = project();
    for command in [
        &["status"][..],
        &["validate"],
        &["up", "--dry-run"],
        &["down"],
    ] {
        let run = project.dbward(&db, command);
        assert_code(&run, 1);
        assert!(
            run.stderr.contains(
                "dbward refuses schema `dbward`: schema dbward is owned by role mallory_view; view dbward.schema_history is owned by role mallory_view"
            ),
            "{command:?}: {run:?}"
        );
    }
    assert_eq!(is_superuser(&db, "mallory_view"), "f");
}
