//! The five seed systems with `dbward diff --write`:
//! - their schemas as declared ones: from an empty project with the system's settings,
//!   `dbward diff --from <its migrations> --write init` writes one migration (and its
//!   rollback), proven, that `dbward ci` then runs up, down and up again;
//! - hand edits on a database the system's migrations built: a copy of the project gets the
//!   pair (or pairs) that make them, and `dbward ci` runs all its migrations both ways.

mod support;

use std::path::PathBuf;

use support::{Project, TestDb, assert_code};

struct DestroyLocal<'a>(&'a Project);

impl Drop for DestroyLocal<'_> {
    fn drop(&mut self) {
        let _ = self.0.run(&["local", "destroy"]);
    }
}

fn declared(system: &str) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(system);
    let project = Project::new();
    let _local = DestroyLocal(&project);
    // The system's settings (compat, accepted findings, jobs); none of its migrations.
    project.write(
        "dbward.toml",
        std::fs::read_to_string(root.join("dbward.toml")).unwrap(),
    );
    let schema = root.join("migrations");
    let run = project.run(&[
        "diff",
        "--from",
        schema.to_str().unwrap(),
        "--write",
        "init",
    ]);
    assert_code(&run, 0);
    let written: Vec<_> = std::fs::read_dir(project.path().join("migrations"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(written.len(), 1, "{system}: {written:?}");
    let ci = project.run(&["ci"]);
    assert_code(&ci, 0);
}

/// A copy of the system's project: its settings, migrations, rollbacks and fixtures.
fn copy_of(system: &str) -> Project {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(system);
    let project = Project::new();
    project.write(
        "dbward.toml",
        std::fs::read_to_string(root.join("dbward.toml")).unwrap(),
    );
    for folder in ["migrations", "rollbacks", "fixtures"] {
        let Ok(entries) = std::fs::read_dir(root.join(folder)) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_file() {
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                project.write(&format!("{folder}/{name}"), std::fs::read(&path).unwrap());
            }
        }
    }
    project
}

/// Edits anyone could make by hand on any of the systems: a new schema with a table, and a
/// column, a check and an index on the system's first table.
fn hand_edits(system: &str) {
    let project = copy_of(system);
    let _local = DestroyLocal(&project);
    let db = TestDb::new();
    assert_code(&project.dbward(&db, &["up"]), 0);
    let first = db.scalar(
        "select format('%I.%I', schemaname, tablename) from pg_tables where schemaname = 'public' order by tablename limit 1",
    );
    db.client()
        .batch_execute(&format!(
            "create schema extra;
             create table extra.audit (id bigint generated always as identity primary key, at timestamptz not null default now(), what text);
             comment on table extra.audit is 'what happened';
             alter table {first} add column hand_note text;
             alter table {first} add constraint hand_note_short check (length(hand_note) < 500);
             create index on {first} (hand_note);"
        ))
        .unwrap();
    let run = project.dbward(&db, &["diff", "--write", "hand_edits"]);
    assert_code(&run, 0);
    assert_code(&project.dbward(&db, &["status", "--exit-code"]), 0);
    let fresh = TestDb::new();
    assert_code(&project.dbward(&fresh, &["ci"]), 0);
}

#[test]
fn blog_ai() {
    declared(".");
}

#[test]
fn mirai() {
    declared("examples/mirai");
}

#[test]
fn mindroom() {
    declared("examples/mindroom");
}

#[test]
fn subtle() {
    declared("examples/subtle");
}

#[test]
fn dalsiai() {
    declared("examples/dalsiai");
}

#[test]
fn blog_ai_hand_edits() {
    hand_edits(".");
}

#[test]
fn mirai_hand_edits() {
    hand_edits("examples/mirai");
}

#[test]
fn mindroom_hand_edits() {
    hand_edits("examples/mindroom");
}

#[test]
fn subtle_hand_edits() {
    hand_edits("examples/subtle");
}

#[test]
fn dalsiai_hand_edits() {
    hand_edits("examples/dalsiai");
}
