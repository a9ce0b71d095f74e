//! Problems in the files are refused with exit 2 before any connection is made: these runs
//! point at a port where nothing listens, so reaching the database would be exit 1.

mod support;

use support::{Project, Run, assert_code};

const NOWHERE: &str = "postgres://postgres:not-a-real-password@127.0.0.1:9/none";

fn refused(project: &Project, args: &[&str]) -> Run {
    let run = project_run(project, args);
    assert_code(&run, 2);
    assert!(!run.stderr.contains("not-a-real-password"), "{run:?}");
    run
}

fn project_run(project: &Project, args: &[&str]) -> Run {
    let output = project
        .command(args)
        .env("DATABASE_URL", NOWHERE)
        .output()
        .unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

#[test]
fn the_blog_ai_duplicate_004_is_refused_naming_both_files() {
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/blog_ai_duplicate_004");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_dbward"))
        .args(["-C"])
        .arg(&fixture)
        .args(["up"])
        .env("DATABASE_URL", NOWHERE)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("duplicate migration number 004"),
        "{stderr}"
    );
    assert!(
        stderr.contains("004_add_favorites.sql") && stderr.contains("004_create_templates.sql"),
        "{stderr}"
    );
    assert!(stderr.contains("the next free number is 009"), "{stderr}");
}

#[test]
fn duplicates_of_any_width_are_refused_for_every_command() {
    let project = Project::new();
    project.write("migrations/001_a.sql", "select 1;");
    project.write("migrations/1_b.sql", "select 1;");
    for command in [&["up"][..], &["status"], &["validate"], &["down"]] {
        let run = refused(&project, command);
        assert!(
            run.stderr.contains("001_a.sql") && run.stderr.contains("1_b.sql"),
            "{run:?}"
        );
        assert!(run.stderr.contains("next free number is 002"), "{run:?}");
    }
    let json = refused(&project, &["up", "--format", "json"]);
    assert_eq!(json.json()["error"]["kind"], "files");
    assert_eq!(
        json.json()["error"]["detail"][0]["problem"],
        "duplicate_version"
    );
}

#[track_caller]
fn assert_names_all(run: &Run, problems: &[&str]) {
    for expected in problems {
        assert!(
            run.stderr.contains(expected),
            "missing {expected:?} in {}",
            run.stderr
        );
    }
}

#[test]
fn each_bad_file_gets_its_own_error() {
    let project = Project::new();
    project.write("migrations/001_ok.sql", "select 1;");
    project.write("migrations/two_bad.sql", "select 1;");
    project.write("migrations/003_latin1.sql", b"select 'caf\xe9';".as_slice());
    project.write("rollbacks/004_orphan.sql", "select 1;");
    project.write("rollbacks/001_other_name.sql", "select 1;");
    project.write(
        "migrations/005_directive.sql",
        "-- dbward:no-transacton\nselect 1;",
    );
    project.write(
        "migrations/006_commit.sql",
        "create table x (id int);\ncommit;\n",
    );
    let run = refused(&project, &["up"]);
    assert_names_all(
        &run,
        &[
            "two_bad.sql: does not start with a number",
            "003_latin1.sql:1: is not UTF-8",
            "004_orphan.sql: rollback matches no migration",
            "001_other_name.sql: rollback name does not match its migration",
            "005_directive.sql:1: unknown directive `-- dbward:no-transacton`",
            "006_commit.sql:2:1: COMMIT would end dbward's transaction",
        ],
    );

    // status refuses a bad migration name before it connects, and finds the rest while it
    // connects (here, to nowhere): those still win over the connection's failure, all of
    // them but the lexer's, which status does not run.
    project.remove("migrations/two_bad.sql");
    let run = refused(&project, &["status"]);
    assert_names_all(
        &run,
        &[
            "003_latin1.sql:1: is not UTF-8",
            "004_orphan.sql: rollback matches no migration",
            "001_other_name.sql: rollback name does not match its migration",
            "005_directive.sql:1: unknown directive `-- dbward:no-transacton`",
        ],
    );
    assert!(!run.stderr.contains("cannot connect"), "{run:?}");
}

#[test]
fn bad_configuration_is_refused() {
    let project = Project::new();
    project.write("dbward.toml", "shema = \"x\"\n");
    let run = refused(&project, &["status"]);
    assert!(
        run.stderr.contains("dbward.toml") && run.stderr.contains("shema"),
        "{run:?}"
    );

    let project = Project::new();
    project.write("dbward.toml", "wait_for_lock = \"soon\"\n");
    let run = refused(&project, &["status"]);
    assert!(run.stderr.contains("wait_for_lock"), "{run:?}");
}

#[test]
fn bad_invocations_exit_2_and_help_has_examples() {
    let project = Project::new();
    assert_code(&project.run(&["up", "--to", "abc"]), 2);
    assert_code(&project.run(&["frobnicate"]), 2);
    assert_code(&project.run(&["down", "--steps", "1", "--to", "0"]), 2);
    for command in [
        "new", "status", "up", "down", "redo", "validate", "repair", "baseline",
    ] {
        let help = project.run(&[command, "--help"]);
        assert_code(&help, 0);
        assert!(
            help.stdout.contains("Example"),
            "{command} --help has no example: {}",
            help.stdout
        );
    }
}

#[test]
fn a_connection_failure_is_exit_1_and_never_shows_the_password() {
    let project = Project::new();
    project.write("migrations/001_a.sql", "select 1;");
    let run = project_run(&project, &["status"]);
    assert_code(&run, 1);
    assert!(
        run.stderr
            .contains("cannot connect to postgres@127.0.0.1:9/none"),
        "{run:?}"
    );
    assert!(!run.stderr.contains("not-a-real-password"), "{run:?}");
    let json = project_run(&project, &["status", "--format", "json"]);
    assert!(!json.stdout.contains("not-a-real-password"), "{json:?}");
}

#[test]
fn files_dbward_would_pass_over_are_named() {
    let project = Project::new();
    project.write("migrations/001_ok.sql", "select 1;");
    project.write("migrations/002_upper.SQL", "select 1;");
    project.write("migrations/003_folder.sql/inner.sql", "select 1;");
    project.write("migrations/README.md", "notes are fine");
    project.write(
        "migrations/archive/old.sql",
        "subfolders with other names are fine",
    );
    project.write(
        "migrations/004_shout.sql",
        "-- DBWARD:NO-TRANSACTION\ncreate index concurrently i on t (a);",
    );
    project.write(
        "migrations/005_typo.sql",
        "-- adds an index\n-- dbwrad:no-transaction\ncreate index concurrently j on t (a);",
    );
    project.write("rollbacks/001_ok.SQL", "select 1;");
    for command in [&["check"][..], &["up"], &["status"]] {
        let run = refused(&project, command);
        assert_names_all(
            &run,
            &[
                "002_upper.SQL: dbward reads only names ending in lower-case `.sql`, so it would pass this file over; rename it to 002_upper.sql",
                "003_folder.sql: is a folder, not a script",
            ],
        );
        // `status` stops at bad migration names, before it reads anything else.
        if command != ["status"] {
            assert_names_all(
                &run,
                &[
                    "rollbacks/001_ok.SQL: dbward reads only names ending in lower-case `.sql`",
                    "004_shout.sql:1: `-- DBWARD:NO-TRANSACTION` looks like a directive but is not one; write `-- dbward:no-transaction`",
                    "005_typo.sql:2: `-- dbwrad:no-transaction` looks like a directive",
                ],
            );
        }
        assert!(
            !run.stderr.contains("README") && !run.stderr.contains("archive"),
            "{run:?}"
        );
    }
}

#[test]
fn a_folder_named_in_dbward_toml_must_exist() {
    let project = Project::new();
    project.write(
        "dbward.toml",
        "migrations_dir = \"db/migrate\"\nrollbacks_dir = \"db/rollback\"\n",
    );
    for command in [
        &["check"][..],
        &["up"],
        &["status"],
        &["down"],
        &["validate"],
    ] {
        let run = refused(&project, command);
        assert_names_all(
            &run,
            &[
                "db/migrate: no such folder, though dbward.toml names it as `migrations_dir`",
                "db/rollback: no such folder, though dbward.toml names it as `rollbacks_dir`",
            ],
        );
    }
    // `new` makes them.
    assert_code(&project.run(&["new", "first"]), 0);
    assert!(project.path().join("db/migrate/001_first.sql").is_file());
    assert!(project.path().join("db/rollback/001_first.sql").is_file());

    // The default folders may be missing in a fresh project: there is nothing to check.
    let fresh = Project::new();
    fresh.write("dbward.toml", "");
    assert_code(&fresh.run(&["check"]), 0);
}

#[test]
fn a_dbward_toml_that_is_a_folder_or_not_utf8_is_bad_input() {
    let project = Project::new();
    std::fs::create_dir(project.path().join("dbward.toml")).unwrap();
    for command in [&["check"][..], &["status"], &["up"]] {
        let run = refused(&project, command);
        assert!(
            run.stderr
                .contains("dbward.toml: is a folder; dbward.toml must be a file"),
            "{run:?}"
        );
    }

    let project = Project::new();
    project.write("dbward.toml", b"schema = \"ops\"\n# caf\xe9\n".as_slice());
    for command in [&["check"][..], &["status"], &["up"]] {
        let run = refused(&project, command);
        assert!(
            run.stderr
                .contains("dbward.toml: line 2: is not UTF-8 (invalid byte at offset 20)"),
            "{run:?}"
        );
    }
}
