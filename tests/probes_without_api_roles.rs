//! On plain PostgreSQL, without Supabase's API roles, `verify --probe` has no one to
//! impersonate: it says so, naming the tables, and `ci` does not claim probes ran. A test
//! binary of its own, so that its cluster has never seen `compat = "supabase"` create the
//! roles (roles belong to the cluster, not to one database).

mod support;

use support::{Project, TestDb, assert_code};

const REASON: &str =
    "no API roles: roles anon and authenticated do not exist, so there is no one to impersonate";

#[test]
fn without_api_roles_nothing_is_probed_and_verify_and_ci_say_why() {
    let db = TestDb::new();
    let project = Project::new();
    project.write("dbward.toml", "");
    project.migration(
        "001_notes.sql",
        "create table notes (id bigint primary key, user_id uuid not null, body text);",
        "drop table notes;",
    );
    project.write(
        "fixtures/001_notes.sql",
        "insert into notes values (1, 'a0000000-0000-4000-8000-00000000000a', 'a') on conflict do nothing;",
    );
    assert_code(&project.dbward(&db, &["up"]), 0);
    assert_code(&project.dbward(&db, &["seed"]), 0);

    let run = project.dbward(&db, &["verify", "--probe", "--format", "json"]);
    assert_code(&run, 0);
    let doc = run.json();
    assert_eq!(doc["probes"], serde_json::json!([]));
    assert_eq!(
        doc["coverage"],
        serde_json::json!({"probed": [], "not_probed": [{"reason": REASON, "tables": ["public.notes"]}]})
    );
    let table = project.dbward(&db, &["verify", "--probe"]);
    assert_code(&table, 0);
    assert!(
        table.stdout.contains(&format!(
            "no table was probed\nnot probed, {REASON}: public.notes\n"
        )),
        "{}",
        table.stdout
    );

    let ci_db = TestDb::new();
    let ci = project.dbward(&ci_db, &["ci", "--format", "json"]);
    assert_code(&ci, 0);
    let doc = ci.json();
    let verify = doc["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "verify")
        .unwrap();
    assert_eq!(
        verify["message"],
        format!("no finding at error level; no probe ran; not probed, {REASON}: public.notes")
    );
}
