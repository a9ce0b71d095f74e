//! The five seed systems' schemas as declared ones: from an empty project with the system's
//! settings, `dbward diff --from <its migrations> --write init` writes one migration (and its
//! rollback), proven, that `dbward ci` then runs up, down and up again.

mod support;

use std::path::PathBuf;

use support::{Project, assert_code};

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
