//! dbward's own PostgreSQL under `.dbward/`: made and started on demand, managed by
//! `dbward local`, usable as root (the server then runs as an unprivileged user).

mod support;

use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use support::{Project, assert_code};

/// Destroys the project's cluster however the test ends.
struct Destroy<'a>(&'a Project);

impl Drop for Destroy<'_> {
    fn drop(&mut self) {
        let _ = self.0.run(&["local", "destroy"]);
    }
}

#[test]
fn commands_start_the_local_database_on_demand_and_local_manages_it() {
    let project = Project::new();
    let _guard = Destroy(&project);
    project.migration("001_t.sql", "create table t (id int);", "drop table t;");

    let status = project.run(&["local", "status", "--format", "json"]);
    assert_code(&status, 0);
    assert_eq!(status.json()["state"], "not-created");

    // No database configured: `up` makes and starts the local one.
    let up = project.run(&["up"]);
    assert_code(&up, 0);
    assert!(
        up.stderr.contains("started dbward's local PostgreSQL"),
        "{up:?}"
    );
    assert!(project.path().join(".dbward/data/PG_VERSION").is_file());
    assert_eq!(
        std::fs::read_to_string(project.path().join(".dbward/.gitignore")).unwrap(),
        "*\n",
        "the folder keeps itself out of git"
    );

    let url = project.run(&["local", "url"]);
    assert_code(&url, 0);
    let url = url.stdout.trim().to_string();
    assert!(url.starts_with("postgres://postgres@127.0.0.1:"), "{url}");
    let psql = Command::new("psql")
        .args([&url, "-Atc", "select count(*) from dbward.schema_history"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&psql.stdout).trim(), "1");

    assert_code(&project.run(&["local", "stop"]), 0);
    assert_eq!(
        project.run(&["local", "status", "--format", "json"]).json()["state"],
        "stopped"
    );
    // Started again on demand, with the data kept.
    let status = project.run(&["status", "--format", "json"]);
    assert_code(&status, 0);
    assert_eq!(status.json()["migrations"][0]["state"], "applied");

    let destroy = project.run(&["local", "destroy"]);
    assert_code(&destroy, 0);
    assert!(!project.path().join(".dbward").exists());
}

#[test]
fn missing_server_binaries_say_how_to_install_them_or_connect_elsewhere() {
    let project = Project::new();
    let run = run_with_bindir(&project, "/nonexistent/bin");
    assert_code(&run, 1);
    assert!(
        run.stderr.contains("DBWARD_PG_BINDIR=/nonexistent/bin"),
        "{run:?}"
    );

    let empty_path = tempfile::tempdir().unwrap();
    let output = project
        .command(&["status"])
        .env("PATH", empty_path.path())
        .env("DBWARD_PG_SEARCH_ROOT", empty_path.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("apt-get install postgresql"), "{stderr}");
    assert!(stderr.contains("--database-url"), "{stderr}");
}

fn run_with_bindir(project: &Project, dir: &str) -> support::Run {
    let output = project
        .command(&["status"])
        .env("DBWARD_PG_BINDIR", dir)
        .output()
        .unwrap();
    support::Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// As root the test above already runs the server as another user; this one runs dbward
/// itself as an ordinary user.
#[test]
fn works_for_an_ordinary_user() {
    if !nix::unistd::Uid::effective().is_root() {
        // Not root: every other test here already runs as an ordinary user.
        return;
    }
    let user = nix::unistd::User::from_name("postgres")
        .ok()
        .flatten()
        .or_else(|| nix::unistd::User::from_name("nobody").ok().flatten())
        .expect("a postgres or nobody user");
    let project = Project::new();
    project.migration("001_t.sql", "create table t (id int);", "drop table t;");
    for entry in walk(project.path()) {
        nix::unistd::chown(&entry, Some(user.uid), Some(user.gid)).unwrap();
    }
    std::fs::set_permissions(project.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    // The checkout may sit where that user cannot reach: run a copy of the binary.
    let binary = project.path().join("dbward-copy");
    std::fs::copy(env!("CARGO_BIN_EXE_dbward"), &binary).unwrap();
    let as_user = |args: &[&str]| {
        use std::os::unix::process::CommandExt;
        project
            .command_of(&binary, args)
            .uid(user.uid.as_raw())
            .gid(user.gid.as_raw())
            .env("HOME", project.path())
            .output()
            .unwrap()
    };
    let up = as_user(&["up"]);
    let destroy = as_user(&["local", "destroy"]);
    assert_eq!(
        up.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&up.stderr)
    );
    assert_eq!(
        destroy.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&destroy.stderr)
    );
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut all = vec![dir.to_path_buf()];
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        if entry.file_type().unwrap().is_dir() {
            all.extend(walk(&entry.path()));
        } else {
            all.push(entry.path());
        }
    }
    all
}

/// The postmaster's pid, from the first line of `postmaster.pid`.
fn postmaster_pid(project: &Project) -> u32 {
    let text = std::fs::read_to_string(project.path().join(".dbward/data/postmaster.pid")).unwrap();
    text.lines().next().unwrap().trim().parse().unwrap()
}

#[test]
fn the_server_keeps_nothing_of_the_callers_environment() {
    let project = Project::new();
    let _guard = Destroy(&project);
    let start = project
        .command(&["local", "start"])
        .env("DATABASE_URL", "postgres://app:hunter2-url@db.example/app")
        .env("PGPASSWORD", "hunter2-pgpassword")
        .env("AWS_SECRET_ACCESS_KEY", "hunter2-aws")
        .output()
        .unwrap();
    assert_eq!(start.status.code(), Some(0), "{start:?}");
    let environ = std::fs::read(format!("/proc/{}/environ", postmaster_pid(&project))).unwrap();
    let environ = String::from_utf8_lossy(&environ);
    let names: Vec<&str> = environ
        .split('\0')
        .filter(|v| !v.is_empty())
        .map(|v| v.split('=').next().unwrap())
        .collect();
    assert!(!environ.contains("hunter2"), "{names:?}");
    // What dbward gives, and what pg_ctl and its shell add themselves.
    let given = ["LC_ALL", "PATH"];
    let added = [
        "PGDATA",
        "PGLOCALEDIR",
        "PGSYSCONFDIR",
        "PG_GRANDPARENT_PID",
        "PWD",
    ];
    for name in given {
        assert!(names.contains(&name), "{environ}");
    }
    for name in &names {
        assert!(
            given.contains(name) || added.contains(name),
            "{name} in {environ}"
        );
    }
}

#[test]
fn a_link_planted_in_the_servers_folder_is_not_written_through() {
    let project = Project::new();
    let _guard = Destroy(&project);
    assert_code(&project.run(&["local", "start"]), 0);
    assert_code(&project.run(&["local", "stop"]), 0);
    let outside = tempfile::tempdir().unwrap();
    let precious = outside.path().join("precious.conf");
    std::fs::write(&precious, "keep me\n").unwrap();
    let conf = project.path().join(".dbward/data/dbward.conf");
    std::fs::remove_file(&conf).unwrap();
    std::os::unix::fs::symlink(&precious, &conf).unwrap();

    let start = project.run(&["local", "start"]);
    assert_code(&start, 1);
    assert!(start.stderr.contains("symbolic link"), "{start:?}");
    assert_eq!(std::fs::read_to_string(&precious).unwrap(), "keep me\n");
    assert!(std::fs::symlink_metadata(&conf).unwrap().is_symlink());

    // Removed, the next start writes its own file again.
    std::fs::remove_file(&conf).unwrap();
    assert_code(&project.run(&["local", "start"]), 0);
    assert!(std::fs::symlink_metadata(&conf).unwrap().is_file());
}
