//! No PostgreSQL starts unannounced: every start of the local cluster is said on stderr
//! (with --quiet and --format json too), `local url` says when it starts one, and `ci`
//! stops again the cluster it started.

mod support;

use support::{Project, Run, TestDb, assert_code};

/// Destroys the project's cluster however the test ends.
struct Destroy<'a>(&'a Project);

impl Drop for Destroy<'_> {
    fn drop(&mut self) {
        let _ = self.0.run(&["local", "destroy"]);
    }
}

fn project() -> Project {
    let project = Project::new();
    project.migration("001_t.sql", "create table t (id int);", "drop table t;");
    project
}

/// Whether the postmaster of the project's cluster is alive, as `pg_ctl status` decides:
/// the pid in `postmaster.pid` answers signal 0.
fn postmaster_alive(project: &Project) -> bool {
    let Ok(text) = std::fs::read_to_string(project.path().join(".dbward/data/postmaster.pid"))
    else {
        return false;
    };
    let pid: i32 = text.lines().next().unwrap().trim().parse().unwrap();
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_ok()
}

fn state(project: &Project) -> String {
    let status = project.run(&["local", "status", "--format", "json"]);
    assert_code(&status, 0);
    status.json()["state"].as_str().unwrap().to_string()
}

fn starts(run: &Run) -> usize {
    run.stderr
        .matches("started dbward's local PostgreSQL")
        .count()
}

#[test]
fn the_first_ci_stops_the_cluster_it_started() {
    let project = project();
    let _guard = Destroy(&project);
    let ci = project.run(&["ci"]);
    assert_code(&ci, 0);
    assert_eq!(starts(&ci), 1, "{ci:?}");
    assert!(
        ci.stderr
            .contains("stopped dbward's local PostgreSQL again"),
        "{ci:?}"
    );
    assert!(!postmaster_alive(&project), "{ci:?}");
    assert_eq!(state(&project), "stopped");

    // A cluster already running is the developer's: ci leaves it as it found it.
    assert_code(&project.run(&["local", "start"]), 0);
    let ci = project.run(&["ci"]);
    assert_code(&ci, 0);
    assert_eq!(starts(&ci), 0, "{ci:?}");
    assert!(!ci.stderr.contains("stopped"), "{ci:?}");
    assert!(postmaster_alive(&project));
    assert_eq!(state(&project), "running");

    // A failing ci stops what it started all the same.
    assert_code(&project.run(&["local", "stop"]), 0);
    project.write("migrations/002_bad.sql", "create table u (id int);");
    project.write("rollbacks/002_bad.sql", "select 1;");
    let failed = project.run(&["ci"]);
    assert_code(&failed, 3);
    assert_eq!(starts(&failed), 1, "{failed:?}");
    assert!(!postmaster_alive(&project), "{failed:?}");
}

#[test]
fn every_start_is_said_on_stderr_even_quiet_or_json() {
    let project = project();
    let _guard = Destroy(&project);

    // `local url` prints the URL alone on stdout, and says on stderr that it started one.
    let url = project.run(&["local", "url"]);
    assert_code(&url, 0);
    assert!(
        url.stdout.starts_with("postgres://postgres@127.0.0.1:") && url.stdout.lines().count() == 1,
        "{url:?}"
    );
    assert_eq!(starts(&url), 1, "{url:?}");
    let again = project.run(&["local", "url"]);
    assert_code(&again, 0);
    assert_eq!(again.stdout, url.stdout);
    assert_eq!(starts(&again), 0, "already running: {again:?}");

    assert_code(&project.run(&["local", "stop"]), 0);
    let quiet = project.run(&["--quiet", "status"]);
    assert_code(&quiet, 0);
    assert_eq!(starts(&quiet), 1, "{quiet:?}");
    assert!(postmaster_alive(&project));

    assert_code(&project.run(&["local", "stop"]), 0);
    let json = project.run(&["status", "--format", "json"]);
    assert_code(&json, 0);
    let event: serde_json::Value = json
        .stderr
        .lines()
        .find_map(|line| serde_json::from_str(line).ok())
        .unwrap_or_else(|| panic!("no JSON event on stderr: {json:?}"));
    assert_eq!(event["event"], "local_started");
    assert!(
        event["folder"].as_str().unwrap().ends_with(".dbward/data"),
        "{event}"
    );
    // stdout stays the one JSON document.
    assert_eq!(json.json()["migrations"][0]["state"], "pending");
}

/// Two `ci` runs at once on a stopped cluster: the one that started it does not stop it
/// under the other, and both pass.
#[test]
fn a_ci_leaves_running_a_cluster_another_ci_still_uses() {
    let project = project();
    let _guard = Destroy(&project);
    // Made beforehand, stopped: the race is about stopping, not about initdb.
    assert_code(&project.run(&["local", "start"]), 0);
    assert_code(&project.run(&["local", "stop"]), 0);
    let children: Vec<_> = (0..2)
        .map(|_| {
            project
                .command(&["ci"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let runs: Vec<Run> = children
        .into_iter()
        .map(|child| Run::from(child.wait_with_output().unwrap()))
        .collect();
    for run in &runs {
        assert_code(run, 0);
    }
    assert_eq!(runs.iter().map(starts).sum::<usize>(), 1, "{runs:?}");
}

/// From a subfolder, the project above is used, and the start of its cluster is said.
#[test]
fn a_status_in_a_subfolder_says_what_it_started_and_where() {
    let project = project();
    let _guard = Destroy(&project);
    std::fs::create_dir(project.path().join("src")).unwrap();
    let status = Run::from(
        project
            .command(&["status"])
            .current_dir(project.path().join("src"))
            .output()
            .unwrap(),
    );
    assert_code(&status, 0);
    assert!(
        status.stderr.contains(&format!(
            "started dbward's local PostgreSQL ({}",
            project.path().join(".dbward/data").display()
        )),
        "{status:?}"
    );
    assert!(postmaster_alive(&project));
}

/// `diff` builds its expected catalog on the local cluster: started for it, stopped after.
#[test]
fn diff_stops_the_cluster_it_started() {
    let db = TestDb::new();
    let project = project();
    let _guard = Destroy(&project);
    assert_code(&project.dbward(&db, &["up"]), 0);
    let diff = project.dbward(&db, &["diff"]);
    assert_code(&diff, 0);
    assert_eq!(starts(&diff), 1, "{diff:?}");
    assert!(
        diff.stderr
            .contains("stopped dbward's local PostgreSQL again"),
        "{diff:?}"
    );
    assert!(!postmaster_alive(&project), "{diff:?}");
}
