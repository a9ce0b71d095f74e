//! dbward's own PostgreSQL under `.dbward/`: made and started on demand, managed by
//! `dbward local`, usable as root (the server then runs as an unprivileged user).

mod support;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::{Command, Output};

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
    let password = std::fs::read_to_string(project.path().join(".dbward/password")).unwrap();
    let psql = psql(
        None,
        &url,
        Some(password.trim()),
        "select count(*) from dbward.schema_history",
    );
    assert_eq!(
        String::from_utf8_lossy(&psql.stdout).trim(),
        "1",
        "{psql:?}"
    );

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
    // A project: in a folder with none, dbward would refuse before looking for a server.
    project.write("migrations/001_t.sql", "select 1;");
    let run = run_with_bindir(&project, "/nonexistent/bin");
    assert_code(&run, 1);
    assert!(!project.path().join(".dbward").exists(), "{run:?}");
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
    // It failed before it had a use for `.dbward/`: none is left behind.
    assert!(!project.path().join(".dbward").exists());
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

/// psql on one connection string, never prompting, as another OS user when given.
fn psql(
    user: Option<&nix::unistd::User>,
    connection: &str,
    password: Option<&str>,
    sql: &str,
) -> Output {
    use std::os::unix::process::CommandExt;
    let mut command = Command::new("psql");
    command
        .args(["-X", "-w", "-At", "-d", connection, "-c", sql])
        .env_remove("PGPASSWORD")
        .env_remove("PGPASSFILE")
        .env("PGCONNECT_TIMEOUT", "5")
        .current_dir("/");
    if let Some(password) = password {
        command.env("PGPASSWORD", password);
    }
    if let Some(user) = user {
        command
            .uid(user.uid.as_raw())
            .gid(user.gid.as_raw())
            .env("HOME", "/nonexistent");
    }
    command.output().unwrap()
}

/// The postmaster's pid, from the first line of `postmaster.pid`.
fn postmaster_pid(project: &Project) -> u32 {
    let text = std::fs::read_to_string(project.path().join(".dbward/data/postmaster.pid")).unwrap();
    text.lines().next().unwrap().trim().parse().unwrap()
}

fn socket_connection(project: &Project, port: &str) -> String {
    format!(
        "host={} port={port} user=postgres dbname=postgres",
        project.path().join(".dbward/run").display()
    )
}

#[test]
fn no_other_os_user_gets_in_over_tcp_or_the_socket() {
    let project = Project::new();
    // `local` works on a project's cluster: in a folder with none, it refuses.
    project.write("dbward.toml", "");
    let _guard = Destroy(&project);
    assert_code(&project.run(&["local", "start"]), 0);
    let url = project.run(&["local", "url", "--format", "json"]);
    assert_code(&url, 0);
    let json = url.json();
    let url = json["url"].as_str().unwrap().to_string();
    let port = url
        .rsplit_once(':')
        .unwrap()
        .1
        .split('/')
        .next()
        .unwrap()
        .to_string();

    // The password: random, in a file only its owner reads, named by `local url`.
    let password_file = project.path().join(".dbward/password");
    assert_eq!(json["password_file"], password_file.display().to_string());
    let meta = std::fs::metadata(&password_file).unwrap();
    assert_eq!(meta.mode() & 0o777, 0o600);
    assert_eq!(meta.uid(), nix::unistd::Uid::effective().as_raw());
    let password = std::fs::read_to_string(&password_file)
        .unwrap()
        .trim()
        .to_string();
    assert_eq!(password.len(), 64, "32 random bytes, in hex");
    assert!(!format!("{json}").contains(&password), "never printed");

    // TCP: only with the password.
    let with = psql(None, &url, Some(&password), "select current_user");
    assert_eq!(
        String::from_utf8_lossy(&with.stdout).trim(),
        "postgres",
        "{with:?}"
    );
    let without = psql(None, &url, None, "select 1");
    assert_eq!(without.status.code(), Some(2), "{without:?}");
    assert!(
        String::from_utf8_lossy(&without.stderr).contains("password"),
        "{without:?}"
    );
    let wrong = psql(None, &url, Some("guess"), "select 1");
    assert_eq!(wrong.status.code(), Some(2), "{wrong:?}");
    assert!(
        String::from_utf8_lossy(&wrong.stderr).contains("password authentication failed"),
        "{wrong:?}"
    );

    // The socket: in a folder of the server user's alone, so the owner needs no password.
    let run = std::fs::metadata(project.path().join(".dbward/run")).unwrap();
    assert_eq!(run.mode() & 0o777, 0o700);
    let socket = psql(None, &socket_connection(&project, &port), None, "select 1");
    assert_eq!(
        String::from_utf8_lossy(&socket.stdout).trim(),
        "1",
        "{socket:?}"
    );

    if !nix::unistd::Uid::effective().is_root() {
        return;
    }
    // As root, the server runs as a user of its own, not `postgres`, which a system
    // cluster trusts by peer authentication.
    let status =
        std::fs::read_to_string(format!("/proc/{}/status", postmaster_pid(&project))).unwrap();
    let server_uid: u32 = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|l| l.split_whitespace().next()?.parse().ok())
        .unwrap();
    let server_user = nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(server_uid))
        .unwrap()
        .unwrap();
    assert_eq!(server_user.name, "dbward");
    assert_eq!(run.uid(), server_uid);

    // Another OS user: refused on both ways in, even knowing the port.
    let other = nix::unistd::User::from_name("nobody")
        .unwrap()
        .expect("a nobody user");
    let tcp = psql(Some(&other), &url, None, "select 1");
    assert_eq!(tcp.status.code(), Some(2), "{tcp:?}");
    assert!(
        String::from_utf8_lossy(&tcp.stderr).contains("password"),
        "{tcp:?}"
    );
    let socket = psql(
        Some(&other),
        &socket_connection(&project, &port),
        None,
        "select 1",
    );
    assert_eq!(socket.status.code(), Some(2), "{socket:?}");
    assert!(
        String::from_utf8_lossy(&socket.stderr).contains("Permission denied"),
        "{socket:?}"
    );
    // Nor can it read the password.
    let cat = {
        use std::os::unix::process::CommandExt;
        Command::new("cat")
            .arg(&password_file)
            .uid(other.uid.as_raw())
            .gid(other.gid.as_raw())
            .output()
            .unwrap()
    };
    assert_ne!(cat.status.code(), Some(0), "{cat:?}");
}

#[test]
fn the_server_keeps_nothing_of_the_callers_environment() {
    let project = Project::new();
    // `local` works on a project's cluster: in a folder with none, it refuses.
    project.write("dbward.toml", "");
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
    // `local` works on a project's cluster: in a folder with none, it refuses.
    project.write("dbward.toml", "");
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

    // A link in place of the data folder itself: nothing is written where it points.
    assert_code(&project.run(&["local", "stop"]), 0);
    let data = project.path().join(".dbward/data");
    let moved = project.path().join(".dbward/data-moved");
    std::fs::rename(&data, &moved).unwrap();
    std::os::unix::fs::symlink(outside.path(), &data).unwrap();
    std::fs::write(outside.path().join("PG_VERSION"), "15\n").unwrap();
    let start = project.run(&["local", "start"]);
    assert_code(&start, 1);
    assert!(start.stderr.contains("symbolic link"), "{start:?}");
    assert!(!outside.path().join("dbward.conf").exists());
    std::fs::remove_file(&data).unwrap();
    std::fs::rename(&moved, &data).unwrap();
}

/// Runs a server program (pg_ctl) on the project's cluster as `user`, or as ourselves.
fn pg_ctl(project: &Project, user: Option<&nix::unistd::User>, args: &[&str]) -> Output {
    use std::os::unix::process::CommandExt;
    let bin = dbward::local::Binaries::find().unwrap().dir;
    let mut command = Command::new(bin.join("pg_ctl"));
    command
        .arg("-D")
        .arg(project.path().join(".dbward/data"))
        .args(args)
        .current_dir("/")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null());
    if let Some(user) = user {
        command.uid(user.uid.as_raw()).gid(user.gid.as_raw());
    }
    command.output().unwrap()
}

#[test]
fn a_cluster_made_by_an_older_dbward_is_brought_to_the_new_rules_with_its_data() {
    let project = Project::new();
    let _guard = Destroy(&project);
    project.migration("001_t.sql", "create table t (id int);", "drop table t;");
    assert_code(&project.run(&["up"]), 0);
    assert_code(&project.run(&["local", "stop"]), 0);

    // What an older dbward left: no password file, trust for every local connection and,
    // as root, everything owned by `postgres`, the server running as that user.
    let dbward = project.path().join(".dbward");
    std::fs::remove_file(dbward.join("password")).unwrap();
    std::fs::write(
        dbward.join("data/pg_hba.conf"),
        "local all all trust\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n",
    )
    .unwrap();
    let old_user = if nix::unistd::Uid::effective().is_root() {
        let postgres = nix::unistd::User::from_name("postgres")
            .unwrap()
            .expect("a postgres user");
        for entry in walk(&dbward.join("data"))
            .into_iter()
            .chain(walk(&dbward.join("run")))
        {
            std::os::unix::fs::lchown(
                &entry,
                Some(postgres.uid.as_raw()),
                Some(postgres.gid.as_raw()),
            )
            .unwrap();
        }
        Some(postgres)
    } else {
        None
    };
    let log = dbward.join("run/postgres.log").display().to_string();
    let started = pg_ctl(&project, old_user.as_ref(), &["start", "-w", "-l", &log]);
    assert_eq!(started.status.code(), Some(0), "{started:?}");
    let port = std::fs::read_to_string(dbward.join("port")).unwrap();
    let url = format!("postgres://postgres@127.0.0.1:{}/postgres", port.trim());
    let open = psql(None, &url, None, "select 1");
    assert_eq!(
        String::from_utf8_lossy(&open.stdout).trim(),
        "1",
        "the old cluster trusts TCP: {open:?}"
    );

    // The next command stops it, hands it over, sets a password, and goes on.
    let status = project.run(&["status", "--format", "json"]);
    assert_code(&status, 0);
    assert_eq!(
        status.json()["migrations"][0]["state"],
        "applied",
        "the data is kept"
    );
    let password_file = dbward.join("password");
    assert_eq!(
        std::fs::metadata(&password_file).unwrap().mode() & 0o777,
        0o600
    );
    let password = std::fs::read_to_string(&password_file).unwrap();
    assert_eq!(password.trim().len(), 64);
    let url = project.run(&["local", "url"]).stdout.trim().to_string();
    let without = psql(None, &url, None, "select 1");
    assert_eq!(without.status.code(), Some(2), "{without:?}");
    let with = psql(None, &url, Some(password.trim()), "select count(*) from t");
    assert_eq!(
        String::from_utf8_lossy(&with.stdout).trim(),
        "0",
        "{with:?}"
    );
    if nix::unistd::Uid::effective().is_root() {
        let dbward_user = nix::unistd::User::from_name("dbward").unwrap().unwrap();
        for entry in walk(&dbward.join("data")) {
            let meta = std::fs::symlink_metadata(&entry).unwrap();
            assert_eq!(meta.uid(), dbward_user.uid.as_raw(), "{}", entry.display());
        }
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", postmaster_pid(&project))).unwrap();
        let uid_line = status.lines().find(|l| l.starts_with("Uid:")).unwrap();
        assert!(
            uid_line.split_whitespace().nth(1) == Some(&dbward_user.uid.as_raw().to_string()[..]),
            "{uid_line}"
        );
    }
}

#[test]
fn a_project_too_deep_for_a_socket_path_gets_a_private_one_in_tmp() {
    let project = Project::new();
    let deep = project.path().join("a-folder-name-long-enough-to-push-the-socket-path-past-its-limit-of-about-one-hundred-bytes");
    std::fs::create_dir(&deep).unwrap();
    std::fs::set_permissions(&deep, std::fs::Permissions::from_mode(0o755)).unwrap();
    let dir = deep.display().to_string();
    let run = |args: &[&str]| {
        let mut all = vec!["-C", dir.as_str()];
        all.extend_from_slice(args);
        project.run(&all)
    };
    std::fs::write(deep.join("dbward.toml"), "").unwrap();
    std::fs::create_dir_all(deep.join("migrations")).unwrap();
    std::fs::write(
        deep.join("migrations/001_t.sql"),
        "create table t (id int);",
    )
    .unwrap();
    let up = run(&["up"]);
    let pid_file =
        std::fs::read_to_string(deep.join(".dbward/data/postmaster.pid")).unwrap_or_default();
    let socket_dir = pid_file.lines().nth(4).unwrap_or_default().to_string();
    let socket_mode = std::fs::metadata(&socket_dir).map(|m| m.mode() & 0o777);
    let stop = run(&["local", "stop"]);
    let destroy = run(&["local", "destroy"]);
    assert_code(&up, 0);
    assert!(socket_dir.starts_with("/tmp/dbward-"), "{pid_file}");
    assert_eq!(socket_mode.unwrap(), 0o700);
    assert_code(&stop, 0);
    assert!(!Path::new(&socket_dir).exists(), "removed at stop");
    assert_code(&destroy, 0);
}

/// As root in a folder the server's user cannot pass (`/root/project`), the data goes to a
/// folder of its own in the state directory; nothing of the user's is loosened, and a
/// folder there that is not exactly dbward's is refused, never taken over.
#[test]
fn a_project_the_server_user_cannot_reach_keeps_its_data_in_the_state_directory() {
    if !nix::unistd::Uid::effective().is_root() {
        // Not root: the server runs as the caller, who reaches the project.
        return;
    }
    let outer = Project::new();
    let inner = outer.path().join("project");
    std::fs::create_dir(&inner).unwrap();
    std::fs::create_dir(inner.join("migrations")).unwrap();
    std::fs::write(
        inner.join("migrations/001_t.sql"),
        "create table t (id int);",
    )
    .unwrap();
    let dir = inner.display().to_string();
    let run = |args: &[&str]| {
        let mut all = vec!["-C", dir.as_str()];
        all.extend_from_slice(args);
        outer.run(&all)
    };
    struct DestroyIn<'a>(&'a dyn Fn(&[&str]) -> support::Run);
    impl Drop for DestroyIn<'_> {
        fn drop(&mut self) {
            let _ = (self.0)(&["local", "destroy"]);
        }
    }
    let _guard = DestroyIn(&run);

    // A cluster made while the folder was open stays put, and the way out is said.
    assert_code(&run(&["local", "start"]), 0);
    assert_code(&run(&["local", "stop"]), 0);
    std::fs::set_permissions(outer.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    let closed = run(&["local", "start"]);
    assert_code(&closed, 1);
    assert!(
        closed.stderr.contains("does not let that user through")
            && closed.stderr.contains("`dbward local destroy`"),
        "{closed:?}"
    );
    assert_code(&run(&["local", "destroy"]), 0);

    let up = run(&["up"]);
    assert_code(&up, 0);
    let recorded = std::fs::read_to_string(inner.join(".dbward/data-folder")).unwrap();
    let kept = Path::new(recorded.trim()).to_path_buf();
    assert!(
        kept.starts_with("/var/lib/dbward")
            && kept
                .file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("project-"),
        "{recorded}"
    );
    assert!(
        up.stderr.contains(&format!(
            "started dbward's local PostgreSQL ({}",
            kept.join("data").display()
        )),
        "{up:?}"
    );
    let server_user = nix::unistd::User::from_name("dbward").unwrap().unwrap();
    let meta = std::fs::symlink_metadata(&kept).unwrap();
    assert_eq!(meta.uid(), server_user.uid.as_raw());
    assert_eq!(meta.mode() & 0o777, 0o700, "no one else reads the data");
    assert!(kept.join("data/PG_VERSION").is_file());
    assert!(!inner.join(".dbward/data").exists());
    assert_eq!(
        std::fs::metadata(outer.path()).unwrap().mode() & 0o777,
        0o700,
        "nothing was loosened"
    );
    let status = run(&["local", "status"]);
    assert_code(&status, 0);
    assert!(
        status
            .stdout
            .contains(&format!("data in {}", kept.display())),
        "{status:?}"
    );
    assert_eq!(
        run(&["status", "--format", "json"]).json()["migrations"][0]["state"],
        "applied"
    );

    // A folder there that anyone may enter, or that is not the server user's, is refused.
    assert_code(&run(&["local", "stop"]), 0);
    std::fs::set_permissions(&kept, std::fs::Permissions::from_mode(0o755)).unwrap();
    let loose = run(&["local", "start"]);
    assert_code(&loose, 1);
    assert!(
        loose.stderr.contains(&format!(
            "{} is owned by `dbward` with mode 0755",
            kept.display()
        )) && loose.stderr.contains("takes over nothing else"),
        "{loose:?}"
    );
    std::fs::set_permissions(&kept, std::fs::Permissions::from_mode(0o700)).unwrap();
    nix::unistd::chown(&kept, Some(nix::unistd::Uid::from_raw(0)), None).unwrap();
    let foreign = run(&["local", "start"]);
    assert_code(&foreign, 1);
    assert!(
        foreign.stderr.contains("is owned by `root` with mode 0700"),
        "{foreign:?}"
    );
    nix::unistd::chown(&kept, Some(server_user.uid), None).unwrap();
    assert_code(&run(&["local", "start"]), 0);

    let destroy = run(&["local", "destroy"]);
    assert_code(&destroy, 0);
    assert!(!kept.exists(), "destroy removes the data's folder too");
    assert!(!inner.join(".dbward").exists());
}
