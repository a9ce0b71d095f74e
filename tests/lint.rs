//! `dbward check` and `dbward ci`'s check step on squawk's two levels: hazards fail, advice
//! warns unless `--fail-on warning`, and nothing on a table the same migration created is a
//! hazard. ci runs against a real PostgreSQL.

mod support;

use support::{Project, TestDb, assert_code};

/// `id int` and `varchar`: squawk's advice, no hazard.
fn advice_only_project() -> Project {
    let project = Project::new();
    project.migration(
        "001_notes.sql",
        "create table notes (id int primary key, body varchar(200));",
        "drop table notes;",
    );
    project.migration(
        "002_created.sql",
        "alter table notes add column created timestamp;",
        "alter table notes drop column created;",
    );
    project
}

/// Every statement squawk flags on an existing table, on tables the same file created.
const SAME_MIGRATION: &str = "create table owners (id bigint primary key);
create table notes (id bigint, owner bigint, body text);
create index notes_body on notes (body);
alter table notes add column rank int default 1;
alter table notes add column score int default -1;
alter table notes add column made timestamptz default now();
alter table notes add primary key (id);
alter table notes add constraint notes_owner foreign key (owner) references owners (id);
alter table notes add constraint notes_rank check (rank > 0);
alter table notes alter column body set not null;
drop index notes_body;
";

fn ci(project: &Project, args: &[&str]) -> (i32, serde_json::Value) {
    // ci wants an empty database each time.
    let db = TestDb::new();
    let mut all = vec!["ci", "--format", "json"];
    all.extend_from_slice(args);
    let run = project.dbward(&db, &all);
    (run.code, run.json())
}

fn step<'a>(doc: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    doc["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no step {name}: {doc:#}"))
}

#[test]
fn advice_warns_and_fails_only_with_fail_on_warning() {
    let project = advice_only_project();
    let check = project.run(&["check"]);
    assert_code(&check, 0);
    assert!(
        check
            .stdout
            .contains("warning: migrations/001_notes.sql:1:24: prefer-bigint-over-int"),
        "{check:?}"
    );
    assert!(
        check
            .stdout
            .contains("warning: migrations/002_created.sql:1:"),
        "{check:?}"
    );
    assert!(!check.stdout.contains("error:"), "{check:?}");

    let strict = project.run(&["check", "--fail-on", "warning"]);
    assert_code(&strict, 3);
    assert!(
        strict
            .stderr
            .contains(" at or above --fail-on in the migrations"),
        "{strict:?}"
    );

    let json = project.run(&["check", "--format", "json"]);
    assert_code(&json, 0);
    let doc = json.json();
    let findings = doc["findings"].as_array().unwrap();
    assert!(!findings.is_empty(), "{doc:#}");
    assert!(findings.iter().all(|f| f["level"] == "warning"), "{doc:#}");
    assert_eq!(doc["fail_on"], "error");

    // The same from dbward.toml, and the flag wins over it.
    project.write("dbward.toml", "[check]\nfail_on = \"warning\"\n");
    assert_code(&project.run(&["check"]), 3);
    assert_code(&project.run(&["check", "--fail-on", "error"]), 0);
}

#[test]
fn a_hazard_fails_and_config_moves_rules_between_levels() {
    let project = advice_only_project();
    // notes exists already: renaming a column breaks the code that reads it.
    project.migration(
        "003_rename.sql",
        "alter table notes rename column body to content;",
        "alter table notes rename column content to body;",
    );
    let check = project.run(&["check"]);
    assert_code(&check, 3);
    assert!(
        check
            .stdout
            .contains("error: migrations/003_rename.sql:1:19: renaming-column"),
        "{check:?}"
    );
    let json = project.run(&["check", "--format", "json"]);
    assert_code(&json, 3);
    let doc = json.json();
    let rename = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "renaming-column")
        .unwrap_or_else(|| panic!("{doc:#}"));
    assert_eq!(rename["level"], "error");

    project.write("dbward.toml", "[check]\nadvice = [\"renaming-column\"]\n");
    let check = project.run(&["check"]);
    assert_code(&check, 0);
    assert!(
        check
            .stdout
            .contains("warning: migrations/003_rename.sql:1:19: renaming-column"),
        "{check:?}"
    );

    project.write(
        "dbward.toml",
        "[check]\nhazards = [\"prefer-bigint-over-int\"]\nadvice = [\"renaming-column\"]\n",
    );
    let check = project.run(&["check"]);
    assert_code(&check, 3);
    assert!(
        check
            .stdout
            .contains("error: migrations/001_notes.sql:1:24: prefer-bigint-over-int"),
        "{check:?}"
    );

    project.write("dbward.toml", "[check]\nadvice = [\"renaming-colum\"]\n");
    let refused = project.run(&["check"]);
    assert_code(&refused, 2);
    assert!(refused.stderr.contains("renaming-colum"), "{refused:?}");
}

#[test]
fn nothing_on_a_table_made_earlier_in_the_same_migration_is_a_hazard() {
    let project = Project::new();
    project.migration(
        "001_notes.sql",
        SAME_MIGRATION,
        "drop table notes;\ndrop table owners;",
    );
    let check = project.run(&["check"]);
    assert_code(&check, 0);
    assert!(!check.stdout.contains("error:"), "{check:?}");

    // The same statements on a table an earlier migration made are hazards, each one.
    let (create, rest) = SAME_MIGRATION.split_at(SAME_MIGRATION.find("create index").unwrap());
    project.migration(
        "001_notes.sql",
        create,
        "drop table notes;\ndrop table owners;",
    );
    project.migration("002_change.sql", rest, "select 1;");
    let json = project.run(&["check", "--format", "json"]);
    assert_code(&json, 3);
    let doc = json.json();
    let mut hazards: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["level"] == "error")
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    hazards.sort_unstable();
    hazards.dedup();
    assert_eq!(
        hazards,
        [
            "adding-foreign-key-constraint",
            "adding-not-nullable-field",
            "adding-serial-primary-key-field",
            "constraint-missing-not-valid",
            "require-concurrent-index-creation",
            "require-concurrent-index-deletion",
        ],
        "{doc:#}"
    );
}

#[test]
fn ci_check_step_fails_on_hazards_and_on_advice_only_when_asked() {
    let advice = advice_only_project();
    let (code, doc) = ci(&advice, &[]);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(step(&doc, "check")["status"], "passed");
    assert!(
        step(&doc, "check")["message"]
            .as_str()
            .unwrap()
            .contains(" lint warning"),
        "{doc:#}"
    );

    let (code, doc) = ci(&advice, &["--fail-on", "warning"]);
    assert_eq!(code, 3, "{doc:#}");
    assert_eq!(step(&doc, "check")["status"], "failed");
    assert!(
        step(&doc, "check")["message"]
            .as_str()
            .unwrap()
            .contains("warning: migrations/001_notes.sql:1:24: prefer-bigint-over-int"),
        "{doc:#}"
    );

    advice.migration(
        "003_index.sql",
        "create index notes_body on notes (body);",
        "drop index notes_body;",
    );
    let (code, doc) = ci(&advice, &[]);
    assert_eq!(code, 3, "{doc:#}");
    assert_eq!(step(&doc, "check")["status"], "failed");
    assert!(
        step(&doc, "check")["message"]
            .as_str()
            .unwrap()
            .contains("error: migrations/003_index.sql:1:1: require-concurrent-index-creation"),
        "{doc:#}"
    );
}

#[test]
fn ci_passes_a_migration_that_changes_only_tables_it_made() {
    let project = Project::new();
    project.migration(
        "001_notes.sql",
        SAME_MIGRATION,
        "drop table notes;\ndrop table owners;",
    );
    let (code, doc) = ci(&project, &[]);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(doc["passed"], true, "{doc:#}");
}
