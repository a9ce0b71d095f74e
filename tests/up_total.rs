//! `up`'s total is the migrations' own time; starting the local cluster is told apart.

mod support;

use support::{Project, assert_code};

/// Destroys the project's cluster however the test ends.
struct Destroy<'a>(&'a Project);

impl Drop for Destroy<'_> {
    fn drop(&mut self) {
        let _ = self.0.run(&["local", "destroy"]);
    }
}

/// The number of milliseconds written just before ` ms` + `after` in `text`.
fn ms_before(text: &str, after: &str) -> u64 {
    let end = text
        .find(&format!(" ms{after}"))
        .unwrap_or_else(|| panic!("no \" ms{after}\" in {text}"));
    let start = text[..end].rfind(' ').unwrap() + 1;
    text[start..end].parse().unwrap()
}

#[test]
fn up_tells_its_own_time_apart_from_starting_the_local_cluster() {
    let project = Project::new();
    let _guard = Destroy(&project);
    project.migration("001_t.sql", "create table t (id int);", "drop table t;");

    // No database configured: this `up` starts the local cluster first.
    let wall = std::time::Instant::now();
    let first = project.run(&["up"]);
    let wall = wall.elapsed().as_millis() as u64;
    assert_code(&first, 0);
    let line = first
        .stdout
        .lines()
        .find(|l| l.contains(": ran 1 migration in "))
        .unwrap_or_else(|| panic!("{first:?}"));
    assert!(
        line.ends_with(" ms starting the local PostgreSQL"),
        "{line}"
    );
    let own = ms_before(line, ", after ");
    let start = ms_before(line, " starting the local PostgreSQL");
    // Apart, the two add up to no more than the whole command; counted twice, they would.
    assert!(start > 0, "{line}");
    assert!(own + start <= wall, "{line} (the command took {wall} ms)");

    // Running already: nothing started, nothing to tell apart.
    project.migration("002_u.sql", "create table u (id int);", "drop table u;");
    let second = project.run(&["up", "--format", "json"]);
    assert_code(&second, 0);
    let doc = second.json();
    assert!(doc["local_start_ms"].is_null(), "{doc:#}");
    assert!(doc["elapsed_ms"].is_i64(), "{doc:#}");
    project.migration("003_v.sql", "create table v (id int);", "drop table v;");
    let third = project.run(&["up"]);
    assert_code(&third, 0);
    let line = third.stdout.lines().last().unwrap_or_default();
    assert!(line.contains(": ran 1 migration in "), "{third:?}");
    assert!(line.ends_with(" ms"), "{third:?}");
}
