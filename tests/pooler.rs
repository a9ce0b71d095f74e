//! Through a transaction-mode pooler (PgBouncer, as Supabase's port 6543 is), where session
//! locks are stranded and named prepared statements fail, runners still serialise and every
//! migration is applied exactly once.

mod support;

use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::{Project, TestDb};

struct Bouncer {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Bouncer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn pgbouncer_binary() -> PathBuf {
    [
        "/usr/sbin/pgbouncer",
        "/usr/bin/pgbouncer",
        "/usr/local/bin/pgbouncer",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.is_file())
    .expect("these tests need PgBouncer (apt-get install pgbouncer; .ci/run installs it)")
}

/// PgBouncer in transaction mode in front of the test cluster, with a tiny pool so that
/// client sessions really share server connections.
fn bouncer() -> Bouncer {
    let cluster = support::cluster();
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let ini = dir.path().join("pgbouncer.ini");
    // PgBouncer logs in to the server with the password it keeps for the client's user.
    let users = dir.path().join("users.txt");
    std::fs::write(&users, format!("\"postgres\" \"{}\"\n", cluster.password)).unwrap();
    std::fs::write(
        &ini,
        format!(
            "[databases]\n* = host=127.0.0.1 port={}\n\n[pgbouncer]\nlisten_addr = 127.0.0.1\n\
             listen_port = {port}\nunix_socket_dir =\nauth_type = trust\nauth_file = {}\n\
             pool_mode = transaction\ndefault_pool_size = 2\nmax_client_conn = 100\n\
             logfile = {}\n",
            cluster.port,
            dir.path().join("users.txt").display(),
            dir.path().join("pgbouncer.log").display()
        ),
    )
    .unwrap();
    for entry in std::fs::read_dir(dir.path()).unwrap().flatten() {
        std::fs::set_permissions(entry.path(), std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    std::fs::set_permissions(&users, std::fs::Permissions::from_mode(0o600)).unwrap();
    let mut command = Command::new(pgbouncer_binary());
    command
        .arg(&ini)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if nix::unistd::Uid::effective().is_root() {
        // PgBouncer refuses to run as root.
        let user = nix::unistd::User::from_name("postgres")
            .ok()
            .flatten()
            .or_else(|| nix::unistd::User::from_name("nobody").ok().flatten())
            .expect("a postgres or nobody user");
        std::fs::write(dir.path().join("pgbouncer.log"), "").unwrap();
        for file in ["pgbouncer.log", "users.txt"] {
            nix::unistd::chown(&dir.path().join(file), Some(user.uid), Some(user.gid)).unwrap();
        }
        command.uid(user.uid.as_raw()).gid(user.gid.as_raw());
    }
    let child = command.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "PgBouncer did not start: {}",
            std::fs::read_to_string(dir.path().join("pgbouncer.log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Bouncer {
        child,
        port,
        _dir: dir,
    }
}

#[test]
fn eight_runners_through_a_transaction_pooler_apply_each_migration_once() {
    let bouncer = bouncer();
    let db = TestDb::new();
    let project = Project::logging(8);
    project.migration(
        "009_index.sql",
        "-- dbward:no-transaction\ncreate index concurrently t2_id on t2 (id);\n",
        "-- dbward:no-transaction\ndrop index concurrently t2_id;\n",
    );
    let url = format!(
        "postgres://postgres@127.0.0.1:{}/{}?sslmode=disable",
        bouncer.port, db.name
    );
    project.race(&url, &["up", "--to", "8"], 8);
    assert_eq!(
        db.scalar("SELECT count(*) || '/' || count(DISTINCT version) FROM applied_log"),
        "8/8"
    );

    // The rest, a no-transaction migration among them, then all the way down and up again.
    let run = |args: &[&str]| {
        let output = project
            .command(args)
            .env("DATABASE_URL", &url)
            .output()
            .unwrap();
        assert_eq!(
            output.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    run(&["up"]);
    run(&["status"]);
    run(&["down", "--to", "0"]);
    assert_eq!(db.scalar("SELECT count(*) FROM dbward.schema_history"), "0");
    run(&["up", "--single-transaction", "--to", "8"]);
    assert_eq!(db.scalar("SELECT count(*) FROM dbward.schema_history"), "8");
}

/// The race of `tests/concurrency.rs` through the pooler: sixteen runners, three
/// no-transaction migrations among thirty, no runner fails and each migration runs once.
#[test]
fn sixteen_runners_through_a_pooler_race_over_no_transaction_migrations() {
    let bouncer = bouncer();
    let project = Project::thirty_with_three_no_transaction();
    for _ in 0..support::race_trials(2) {
        let db = TestDb::new();
        let url = format!(
            "postgres://postgres@127.0.0.1:{}/{}?sslmode=disable",
            bouncer.port, db.name
        );
        project.race_thirty_with_three_no_transaction(&db, &url);
    }
}

/// Through the pooler, the backend watched is the one the migration's transaction runs on,
/// so the session that blocks it is named, not guessed.
#[test]
fn a_lock_timeout_through_the_pooler_names_the_session_blocking_the_migration() {
    let bouncer = bouncer();
    let db = TestDb::new();
    let project = Project::new();
    project
        .write("dbward.toml", "lock_retries = 0\n")
        .migration(
            "001_t.sql",
            "create table t (id bigint primary key);",
            "drop table t;",
        );
    let url = format!(
        "postgres://postgres@127.0.0.1:{}/{}?sslmode=disable",
        bouncer.port, db.name
    );
    let up = || {
        project
            .command(&["up", "--lock-timeout", "1500ms"])
            .env("DATABASE_URL", &url)
            .output()
            .unwrap()
    };
    assert_eq!(up().status.code(), Some(0));
    project.migration(
        "002_c.sql",
        "alter table t add column c int;",
        "alter table t drop column c;",
    );

    let mut holder = db.client();
    holder
        .batch_execute("SET application_name = 'pooled_blocker'; BEGIN; LOCK TABLE t")
        .unwrap();
    let pid: i32 = holder
        .query_one("SELECT pg_backend_pid()", &[])
        .unwrap()
        .get(0);
    let run = up();
    holder.batch_execute("COMMIT").unwrap();

    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "tried 1 time; the lock is held by pid {pid} (pooled_blocker, idle in transaction) since "
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("a guess"), "{stderr}");
}
