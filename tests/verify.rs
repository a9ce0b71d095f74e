//! `dbward verify` against a real PostgreSQL: every lint on a minimal schema that triggers it
//! and one that does not, the spec, acceptances, the probes, and the seed systems.

mod support;

use support::{Project, TestDb, assert_code};

/// A Supabase-style project whose one migration is `sql`, applied to a fresh database.
fn migrated(sql: &str) -> (TestDb, Project) {
    let db = TestDb::new();
    let project = Project::new();
    project.write("dbward.toml", "compat = \"supabase\"\n");
    project.migration("001_schema.sql", sql, "select 1;");
    assert_code(&project.dbward(&db, &["up"]), 0);
    (db, project)
}

fn findings(db: &TestDb, project: &Project, args: &[&str]) -> (i32, Vec<serde_json::Value>) {
    let mut all = vec!["verify", "--format", "json", "--fail-on", "info"];
    all.extend_from_slice(args);
    let run = project.dbward(db, &all);
    assert!(run.code == 0 || run.code == 3, "{run:?}");
    let doc = run.json();
    (run.code, doc["findings"].as_array().unwrap().clone())
}

fn has(findings: &[serde_json::Value], check: &str) -> bool {
    findings.iter().any(|f| f["check"] == check)
}

const OWNED: &str = "create table t (id int primary key, user_id uuid, user_hash text);\nalter table t enable row level security;\n";

#[test]
fn every_lint_fires_on_its_mistake_and_not_on_the_fix() {
    let own = "user_id = (select auth.uid())";
    let cases: Vec<(&str, String, String)> = vec![
        (
            "rls_disabled_exposed",
            "create table t (id int primary key);".into(),
            "create table t (id int primary key);\nalter table t enable row level security;".into(),
        ),
        (
            "policy_with_rls_disabled",
            "create table t (id int primary key);\ncreate policy p on t for select to authenticated using (true);".into(),
            "create table t (id int primary key);\nalter table t enable row level security;\ncreate policy p on t for select to authenticated using (true);".into(),
        ),
        (
            "rls_enabled_no_policy",
            OWNED.to_string(),
            format!("{OWNED}create policy p on t for select to authenticated using ({own});"),
        ),
        (
            "per_row_auth_call",
            format!("{OWNED}create policy p on t for select to authenticated using (user_id = auth.uid());"),
            format!("{OWNED}create policy p on t for select to authenticated using ({own});"),
        ),
        (
            "insecure_write_policy",
            format!("{OWNED}create policy p on t for update to authenticated using (true) with check (true);"),
            format!("{OWNED}create policy p on t for update to authenticated using ({own}) with check ({own});"),
        ),
        (
            "auth_is_null_or",
            format!("{OWNED}create policy p on t for select using (auth.uid() is null or user_id = auth.uid());"),
            format!("{OWNED}create policy p on t for select using ({own});"),
        ),
        (
            "ownership_not_checked",
            format!("{OWNED}create policy p on t for select to anon, authenticated using (user_id is not null);"),
            format!("{OWNED}create policy p on t for select to anon, authenticated using ({own});"),
        ),
        (
            "multiple_permissive_policies",
            format!("{OWNED}create policy a on t for select to authenticated using ({own});\ncreate policy b on t for select to authenticated using (id < 10);"),
            format!("{OWNED}create policy a on t for select to authenticated using ({own} or id < 10);"),
        ),
        (
            "user_metadata_in_policy",
            format!("{OWNED}create policy p on t for select to authenticated using ((select auth.jwt()) -> 'user_metadata' ->> 'role' = 'admin');"),
            format!("{OWNED}create policy p on t for select to authenticated using ((select auth.jwt()) -> 'app_metadata' ->> 'role' = 'admin');"),
        ),
        (
            "security_definer_view",
            format!("{OWNED}create view v as select id from t;"),
            format!("{OWNED}create view v with (security_invoker = true) as select id from t;"),
        ),
        (
            "security_definer_search_path",
            "create function f() returns int language sql security definer as 'select 1';".into(),
            "create function f() returns int language sql security definer set search_path = '' as 'select 1';".into(),
        ),
        (
            "unindexed_foreign_key",
            "create table a (id int primary key);\ncreate table b (id int primary key, a_id int references a);".into(),
            "create table a (id int primary key);\ncreate table b (id int primary key, a_id int references a);\ncreate index on b (a_id);".into(),
        ),
        (
            "no_primary_key",
            "create table t (id int);".into(),
            "create table t (id int primary key);".into(),
        ),
    ];
    for (check, bad, good) in cases {
        let (db, project) = migrated(&bad);
        let (code, found) = findings(&db, &project, &[]);
        assert!(
            has(&found, check),
            "{check} did not fire on:\n{bad}\n{found:#?}"
        );
        assert_eq!(code, 3, "{check}: a finding at or above --fail-on exits 3");
        let (db, project) = migrated(&good);
        let (_, found) = findings(&db, &project, &[]);
        assert!(
            !has(&found, check),
            "{check} fired on the fix:\n{good}\n{found:#?}"
        );
    }
}

#[test]
fn fail_on_sets_the_threshold_and_accepted_findings_show_but_pass() {
    let (db, project) = migrated(
        "create table a (id int primary key);\ncreate table b (id int primary key, a_id int references a);\nalter table a enable row level security;\nalter table b enable row level security;\ncreate policy p on a for select to anon using (true);\ncreate policy p on b for select to anon using (true);",
    );
    // Only an info finding (the unindexed foreign key): fine at the default threshold.
    assert_code(&project.dbward(&db, &["verify"]), 0);
    assert_code(&project.dbward(&db, &["verify", "--fail-on", "info"]), 3);

    project.write(
        "dbward.toml",
        "compat = \"supabase\"\n\n[[verify.accept]]\ncheck = \"unindexed_foreign_key\"\nobject = 'public.b constraint \"b_a_id_fkey\"'\nreason = \"b has ten rows\"\n",
    );
    let run = project.dbward(&db, &["verify", "--fail-on", "info", "--format", "json"]);
    assert_code(&run, 0);
    let doc = run.json();
    assert_eq!(doc["findings"][0]["accepted"], "b has ten rows");
    let table = project.dbward(&db, &["verify", "--fail-on", "info"]);
    assert!(
        table.stdout.contains("[accepted: b has ten rows]"),
        "{table:?}"
    );
}

#[test]
fn the_spec_is_written_from_a_database_and_names_each_difference() {
    let (db, project) = migrated(&format!(
        "{OWNED}create index t_user on t (user_id);\ncreate policy own on t for select to authenticated using (user_id = (select auth.uid()));"
    ));
    assert_code(&project.dbward(&db, &["verify", "--write-spec"]), 0);
    let spec = std::fs::read_to_string(project.path().join("dbward.spec.toml")).unwrap();
    assert!(spec.contains("[tables.\"public.t\"]"), "{spec}");
    assert_code(&project.dbward(&db, &["verify"]), 0);

    // Edits in a dashboard: a column, a policy and an index changed by hand.
    db.client()
        .batch_execute(
            "alter table t alter column user_hash type varchar(64);
             drop policy own on t; create policy own on t for select to authenticated using (true);
             drop index t_user;",
        )
        .unwrap();
    let run = project.dbward(&db, &["verify", "--format", "json"]);
    assert_code(&run, 3);
    let objects: Vec<String> = run.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check"] == "spec")
        .map(|f| f["object"].as_str().unwrap().to_string())
        .collect();
    assert!(
        objects.contains(&"public.t.user_hash".to_string()),
        "{objects:?}"
    );
    assert!(
        objects.contains(&"public.t policy \"own\"".to_string()),
        "{objects:?}"
    );
    assert!(
        objects.contains(&"public.t index \"t_user\"".to_string()),
        "{objects:?}"
    );
}

#[test]
fn write_spec_keeps_an_existing_spec_unless_forced() {
    let (db, project) = migrated(OWNED);
    project.write("dbward.spec.toml", "# kept by hand\n");
    let refused = project.dbward(&db, &["verify", "--write-spec"]);
    assert_code(&refused, 2);
    assert!(
        refused
            .stderr
            .contains("dbward.spec.toml exists: --write-spec does not overwrite it; pass --force"),
        "{refused:?}"
    );
    let spec = || std::fs::read_to_string(project.path().join("dbward.spec.toml")).unwrap();
    assert_eq!(spec(), "# kept by hand\n");

    // --force means nothing without --write-spec.
    assert_code(&project.dbward(&db, &["verify", "--force"]), 2);

    assert_code(
        &project.dbward(&db, &["verify", "--write-spec", "--force"]),
        0,
    );
    assert!(spec().contains("[tables.\"public.t\"]"), "{}", spec());
}

#[test]
fn probes_find_leaks_and_change_nothing() {
    let (db, project) = migrated(&format!(
        "{OWNED}create policy read_all on t for select to anon, authenticated using (true);
         create policy delete_any on t for delete to authenticated using (user_id is not null);
         create table private (id int primary key, user_id uuid);
         alter table private enable row level security;
         create policy own on private for all to authenticated using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()));"
    ));
    db.client()
        .batch_execute(
            "insert into t values (1, 'a0000000-0000-4000-8000-000000000001'), (2, 'a0000000-0000-4000-8000-000000000002'), (3, 'a0000000-0000-4000-8000-000000000002');
             insert into private values (1, 'a0000000-0000-4000-8000-000000000001'), (2, 'a0000000-0000-4000-8000-000000000002');",
        )
        .unwrap();
    let run = project.dbward(&db, &["verify", "--probe", "--format", "json"]);
    assert_code(&run, 3);
    let doc = run.json();
    let leaks: Vec<String> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check"] == "probe_leak")
        .map(|f| {
            format!(
                "{} {}",
                f["object"].as_str().unwrap(),
                f["message"].as_str().unwrap()
            )
        })
        .collect();
    // Reading every row is what policy read_all says: shared by it, a warning.
    let shared = messages_at(&run, "probe_shared_read", "warning");
    assert!(
        shared.iter().any(|l| l.starts_with(
            "public.t (anon select) policy \"read_all\": as anon, 3 rows owned by users can be selected: shared by policy \"read_all\" (using true)"
        )),
        "{shared:?}"
    );
    assert!(
        leaks.iter().any(|l| l.starts_with("public.t (authenticated delete) as authenticated user a0000000-0000-4000-8000-000000000001, 2 rows of other owners can be deleted")),
        "{leaks:?}"
    );
    assert!(
        !leaks.iter().any(|l| l.starts_with("public.private")),
        "{leaks:?}"
    );
    // The probed deletes were rolled back.
    assert_eq!(db.scalar("select count(*) from t"), "3");
    assert_eq!(db.scalar("select count(*) from private"), "2");
}

#[test]
fn blog_ai_shows_the_documented_gaps_before_the_fix_and_is_clean_after() {
    let db = TestDb::new();
    let runner = Project::new();
    let dbward = |args: &[&str]| runner.dbward_in(&db, ".", args);
    assert_code(&dbward(&["up", "--to", "12"]), 0);
    assert_code(&dbward(&["seed"]), 0);
    let before = dbward(&["verify", "--probe", "--format", "json"]);
    assert_code(&before, 3);
    let found: Vec<String> = before.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f["check"].as_str().unwrap(),
                f["object"].as_str().unwrap()
            )
        })
        .collect();
    for gap in [
        "ownership_not_checked public.generated_content policy \"Users can read own content\"",
        "ownership_not_checked public.templates policy \"Users can update own\"",
        "ownership_not_checked public.templates policy \"Users can delete own\"",
        "probe_leak public.generated_content (anon select)",
        // "Anonymous can insert" checks nothing: anon writes rows owned by users.
        "probe_leak public.generated_content (anon insert)",
    ] {
        assert!(found.iter().any(|f| f == gap), "missing {gap}: {found:#?}");
    }

    assert_code(&dbward(&["up"]), 0);
    let after = dbward(&["verify", "--probe", "--format", "json"]);
    assert_code(&after, 0);
    let open: Vec<String> = after.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["accepted"].is_null() && f["severity"] != "info")
        .map(|f| f.to_string())
        .collect();
    assert!(open.is_empty(), "{open:#?}");
}

#[test]
fn the_other_seed_systems_verify_clean_with_probes() {
    for system in ["mirai", "mindroom", "subtle", "dalsiai"] {
        let db = TestDb::new();
        let runner = Project::new();
        let dir = format!("examples/{system}");
        let dbward = |args: &[&str]| runner.dbward_in(&db, &dir, args);
        assert_code(&dbward(&["up"]), 0);
        assert_code(&dbward(&["seed"]), 0);
        let run = dbward(&["verify", "--probe", "--format", "json"]);
        assert_eq!(run.code, 0, "{system}: {}", run.stdout);
        let probes = run.json()["probes"].as_array().unwrap().len();
        assert!(probes > 0, "{system}: no probe ran");
    }
}

#[test]
fn fixes_quote_the_names_they_print() {
    let (db, project) = migrated(
        "create table y (id int primary key);\ncreate table \"nopk; drop table y; --\" (id int);\ngrant select on \"nopk; drop table y; --\" to anon;",
    );
    let (_, found) = findings(&db, &project, &[]);
    let fix = |check: &str| {
        found
            .iter()
            .find(|f| f["check"] == check && f["object"] == "public.nopk; drop table y; --")
            .unwrap_or_else(|| panic!("no {check} finding: {found:#?}"))["fix"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(
        fix("no_primary_key"),
        "ALTER TABLE \"public\".\"nopk; drop table y; --\" ADD PRIMARY KEY (...)"
    );
    // Pasted, the fix's statement does what it says and nothing else.
    let exposed = fix("rls_disabled_exposed");
    let statement = exposed.split("; then ").next().unwrap();
    assert_eq!(
        statement,
        "ALTER TABLE \"public\".\"nopk; drop table y; --\" ENABLE ROW LEVEL SECURITY"
    );
    db.client().batch_execute(statement).unwrap();
    assert!(db.table_exists("public.y"));
    assert_eq!(
        db.scalar("select relrowsecurity from pg_class where relname = 'nopk; drop table y; --'"),
        "t"
    );
}

/// Runs `dbward verify --probe --format json` and fails the test if it is not over within
/// `limit`: a probe held by a lock must not hold the run.
/// `dbward ARGS`, killed (and the test failed) when it runs longer than `limit`.
fn run_within(
    db: &TestDb,
    project: &Project,
    args: &[&str],
    limit: std::time::Duration,
) -> support::Run {
    let mut child = project
        .command(args)
        .env("DATABASE_URL", db.url())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > limit {
            child.kill().unwrap();
            panic!("{args:?} was still running after {limit:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    support::Run::from(child.wait_with_output().unwrap())
}

/// `check object: message` of each finding of `check`.
fn messages(run: &support::Run, check: &str) -> Vec<String> {
    messages_at(run, check, "error")
}

/// `object: message` of each finding of `check`, all at `severity`.
fn messages_at(run: &support::Run, check: &str, severity: &str) -> Vec<String> {
    run.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check"] == check)
        .map(|f| {
            assert_eq!(f["severity"], severity, "{f}");
            format!(
                "{}: {}",
                f["object"].as_str().unwrap(),
                f["message"].as_str().unwrap()
            )
        })
        .collect()
}

const OWNERS: &str =
    "'a0000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000002'";

#[test]
fn a_probe_that_runs_out_of_time_is_an_error_and_the_others_still_run() {
    let (db, project) = migrated(&format!(
        "create table slow (id int primary key, user_id uuid);
         alter table slow enable row level security;
         create policy own on slow for all to anon, authenticated
           using (user_id = (select auth.uid()) and (select true from pg_sleep(30)));
         create table open (id int primary key, user_id uuid);
         alter table open enable row level security;
         create policy everyone on open for select to anon using (true);
         insert into slow select g, (array[{OWNERS}]::uuid[])[g % 2 + 1] from generate_series(1, 4) g;
         insert into open select g, (array[{OWNERS}]::uuid[])[g % 2 + 1] from generate_series(1, 4) g;"
    ));
    project.write(
        "dbward.toml",
        "compat = \"supabase\"\n[verify]\nprobe_statement_timeout = \"300ms\"\n",
    );
    let run = run_within(
        &db,
        &project,
        &["verify", "--probe", "--format", "json"],
        std::time::Duration::from_secs(60),
    );
    assert_code(&run, 3);
    let failed = messages(&run, "probe_failed");
    assert!(
        failed.iter().any(|m| m.starts_with(
            "public.slow (anon select): as anon, the select probe failed, so nothing is known about it: statement timeout: it ran longer than probe_statement_timeout (300ms)"
        )),
        "{failed:#?}"
    );
    assert!(
        failed.iter().any(|m| m.starts_with(
            "public.slow (authenticated update): as authenticated user a0000000-0000-4000-8000-00000000000"
        ) && m.contains("statement timeout")),
        "{failed:#?}"
    );
    assert!(
        !failed.iter().any(|m| m.starts_with("public.open")),
        "{failed:#?}"
    );
    // The other table was probed as usual: its policy shares every row with anon.
    let shared = messages_at(&run, "probe_shared_read", "warning");
    assert!(
        shared.iter().any(|m| m.starts_with(
            "public.open (anon select) policy \"everyone\": as anon, 4 rows owned by users can be selected: shared by policy \"everyone\""
        )),
        "{shared:#?}"
    );
}

#[test]
fn a_probe_blocked_by_a_row_lock_is_an_error_within_the_lock_timeout() {
    let (db, project) = migrated(&format!(
        "create table busy (id int primary key, user_id uuid);
         alter table busy enable row level security;
         create policy anyone on busy for all to anon, authenticated using (true) with check (true);
         create table calm (id int primary key, user_id uuid);
         alter table calm enable row level security;
         create policy own on calm for all to authenticated
           using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()));
         insert into busy select g, (array[{OWNERS}]::uuid[])[g % 2 + 1] from generate_series(1, 4) g;
         insert into calm select g, (array[{OWNERS}]::uuid[])[g % 2 + 1] from generate_series(1, 4) g;"
    ));
    project.write(
        "dbward.toml",
        "compat = \"supabase\"\n[verify]\nprobe_lock_timeout = \"200ms\"\n",
    );
    // An application holds a row of `busy` in an open transaction.
    let mut application = db.client();
    application
        .batch_execute("BEGIN; SELECT * FROM busy WHERE id = 1 FOR UPDATE")
        .unwrap();
    let run = run_within(
        &db,
        &project,
        &["verify", "--probe", "--format", "json"],
        std::time::Duration::from_secs(60),
    );
    application.batch_execute("ROLLBACK").unwrap();
    assert_code(&run, 3);
    let failed = messages(&run, "probe_failed");
    for probe in ["anon update", "anon delete"] {
        assert!(
            failed.iter().any(|m| m.starts_with(&format!(
                "public.busy ({probe}): as anon, the {} probe failed, so nothing is known about it: lock timeout: another session held a lock it needed for longer than probe_lock_timeout (200ms)",
                probe.split(' ').nth(1).unwrap()
            ))),
            "{probe}: {failed:#?}"
        );
    }
    assert!(
        !failed.iter().any(|m| m.starts_with("public.calm")),
        "{failed:#?}"
    );
    // Reads do not wait for row locks: the select probes ran and found the shared read.
    let shared = messages_at(&run, "probe_shared_read", "warning");
    assert!(
        shared.iter().any(|m| m.starts_with(
            "public.busy (anon select) policy \"anyone\": as anon, 4 rows owned by users"
        )),
        "{shared:#?}"
    );
    let probes = run.json()["probes"].as_array().unwrap().clone();
    assert!(
        probes.iter().any(|p| p["table"] == "public.calm"
            && p["failed"].is_null()
            && p["skipped"].is_null()),
        "{probes:#?}"
    );
    assert_eq!(db.scalar("select count(*) from busy"), "4");
}

#[test]
fn probe_timeouts_that_are_not_durations_are_refused_with_the_file() {
    let project = Project::new();
    project.write("dbward.toml", "[verify]\nprobe_lock_timeout = \"0s\"\n");
    let run = project.run(&["verify", "--probe"]);
    assert_code(&run, 2);
    assert!(
        run.stderr
            .contains("probe_lock_timeout must be at least 1ms"),
        "{run:?}"
    );
}

#[test]
fn an_accepted_check_dbward_does_not_have_is_refused_with_the_file() {
    let project = Project::new();
    project.write(
        "dbward.toml",
        "[[verify.accept]]\ncheck = \"probe_leek\"\nobject = \"public.t\"\nreason = \"a typo\"\n",
    );
    // Refused when the file loads, before any connection is tried.
    let run = project.run(&["verify", "--probe"]);
    assert_code(&run, 2);
    assert_eq!(
        run.stderr.trim_end(),
        "error: dbward.toml: [[verify.accept]] names check `probe_leek`, which dbward does not have; \
         the checks are: rls_disabled_exposed, policy_with_rls_disabled, rls_enabled_no_policy, \
         per_row_auth_call, insecure_write_policy, auth_is_null_or, ownership_not_checked, \
         multiple_permissive_policies, user_metadata_in_policy, security_definer_view, \
         security_definer_search_path, unindexed_foreign_key, no_primary_key, spec, probe_leak, \
         probe_failed, probe_shared_read",
        "{run:?}"
    );
}

#[test]
fn a_spec_policy_command_dbward_does_not_know_is_refused_with_the_spec() {
    let (db, project) = migrated(
        "create table notes (id int primary key);\nalter table notes enable row level security;\ncreate policy own on notes for select to anon using (true);",
    );
    project.write(
        "dbward.spec.toml",
        "[tables.\"public.notes\".policies.own]\ncommand = \"selekt\"\nroles = [\"anon\"]\n",
    );
    let run = project.dbward(&db, &["verify"]);
    assert_code(&run, 2);
    assert!(
        run.stderr.starts_with("error: dbward.spec.toml: ")
            && run.stderr.contains(
                "`selekt` is not a policy command; use all, select, insert, update or delete"
            ),
        "{run:?}"
    );
    // The same command in capitals is the policy's: nothing differs.
    project.write(
        "dbward.spec.toml",
        "[tables.\"public.notes\".policies.own]\ncommand = \"SELECT\"\nroles = [\"anon\"]\nusing = \"true\"\n",
    );
    let run = project.dbward(&db, &["verify", "--format", "json"]);
    assert_code(&run, 0);
    assert_eq!(run.json()["findings"], serde_json::json!([]), "{run:?}");
}

#[test]
fn a_catalog_held_locked_fails_verify_within_wait_for_lock_and_says_why() {
    let (db, project) = migrated(OWNED);
    // A migration (or an application) holds the table exclusively in an open transaction.
    let mut holder = db.client();
    holder
        .batch_execute("BEGIN; LOCK TABLE t IN ACCESS EXCLUSIVE MODE")
        .unwrap();
    let run = run_within(
        &db,
        &project,
        &["verify", "--wait-for-lock", "1s"],
        std::time::Duration::from_secs(30),
    );
    holder.batch_execute("ROLLBACK").unwrap();
    assert_code(&run, 1);
    assert!(
        run.stderr.contains(
            "another session held a lock on a verified object for longer than wait_for_lock (1s), so nothing was verified"
        ),
        "{run:?}"
    );
    // Once the lock is gone, verify runs.
    let again = project.dbward(&db, &["verify", "--fail-on", "error"]);
    assert!(again.code == 0 || again.code == 3, "{again:?}");
}
