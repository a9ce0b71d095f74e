//! Where the connection comes from (flag, DATABASE_URL, PG* variables, dbward.toml) and TLS
//! through rustls for every sslmode, against a server with a certificate made here.

mod support;

use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use support::{Project, Run, TestDb, assert_code};

fn tls_project() -> Project {
    let project = Project::new();
    project.migration(
        "001_seen.sql",
        "create table seen as select ssl from pg_stat_ssl where pid = pg_backend_pid();",
        "drop table seen;",
    );
    project
}

fn run_with(project: &Project, envs: &[(&str, String)], args: &[&str]) -> Run {
    let mut command = project.command(args);
    for (key, value) in envs {
        command.env(key, value);
    }
    let output = command.output().unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

#[test]
fn libpq_environment_variables_name_the_server() {
    let db = TestDb::new();
    let project = tls_project();
    let env = [
        ("PGHOST", "127.0.0.1".to_string()),
        ("PGPORT", db.port.to_string()),
        ("PGUSER", "postgres".to_string()),
        ("PGPASSWORD", db.password.clone()),
        ("PGDATABASE", db.name.clone()),
        ("PGSSLMODE", "disable".to_string()),
    ];
    let run = run_with(&project, &env, &["up"]);
    assert_code(&run, 0);
    assert_eq!(db.scalar("SELECT ssl FROM seen"), "f");
}

#[test]
fn the_flag_wins_over_the_environment_which_wins_over_the_file() {
    let db = TestDb::new();
    let project = tls_project();
    project.write(
        "dbward.toml",
        "database_url = \"postgres://postgres@127.0.0.1:9/from_file\"\n",
    );
    let from_file = project.run(&["status"]);
    assert_code(&from_file, 1);
    assert!(from_file.stderr.contains("/from_file"), "{from_file:?}");

    let env = [("DATABASE_URL", db.url())];
    assert_code(&run_with(&project, &env, &["status"]), 0);

    let bad_env = [(
        "DATABASE_URL",
        "postgres://postgres@127.0.0.1:9/from_env".to_string(),
    )];
    let flag = db.url();
    assert_code(
        &run_with(&project, &bad_env, &["--database-url", &flag, "status"]),
        0,
    );
}

/// Certificates for the test server: a CA, a server certificate for `localhost` only, and
/// another CA that signed nothing the server shows.
struct Certs {
    ca: PathBuf,
    other_ca: PathBuf,
}

static CERTS: OnceLock<Certs> = OnceLock::new();

fn tls_server() -> &'static Certs {
    CERTS.get_or_init(|| {
        let cluster = support::cluster();
        let dir = cluster.root.join("tls");
        std::fs::create_dir_all(&dir).unwrap();
        let sh = |script: &str| {
            let status = Command::new("sh")
                .arg("-c")
                .arg(script)
                .current_dir(&dir)
                .output()
                .unwrap();
            assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
        };
        sh("openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj '/CN=dbward test CA' \
            -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign");
        sh("openssl req -x509 -newkey rsa:2048 -nodes -keyout other-ca.key -out other-ca.pem -days 2 -subj '/CN=dbward other CA' \
            -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign");
        sh("openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj '/CN=localhost'");
        sh("printf 'subjectAltName=DNS:localhost\\nbasicConstraints=CA:FALSE\\nkeyUsage=digitalSignature,keyEncipherment\\nextendedKeyUsage=serverAuth\\n' > ext.cnf && \
            openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile ext.cnf");
        // The server reads its key as its own user, with nobody else allowed.
        let data = cluster.root.join("cluster/data");
        let owner = std::fs::metadata(&data).unwrap();
        for file in ["server.pem", "server.key"] {
            let target = data.join(file);
            std::fs::copy(dir.join(file), &target).unwrap();
            nix::unistd::chown(
                &target,
                Some(nix::unistd::Uid::from_raw(owner.uid())),
                Some(nix::unistd::Gid::from_raw(owner.gid())),
            )
            .unwrap();
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let mut admin = postgres::Client::connect(&cluster.admin_url(), postgres::NoTls).unwrap();
        for statement in [
            "ALTER SYSTEM SET ssl = on",
            "ALTER SYSTEM SET ssl_cert_file = 'server.pem'",
            "ALTER SYSTEM SET ssl_key_file = 'server.key'",
            "SELECT pg_reload_conf()",
        ] {
            admin.batch_execute(statement).unwrap();
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
        Certs {
            ca: dir.join("ca.pem"),
            other_ca: dir.join("other-ca.pem"),
        }
    })
}

fn url(db: &TestDb, host: &str, params: &str) -> String {
    format!(
        "postgres://postgres:{}@{host}:{}/{}?{params}",
        db.password, db.port, db.name
    )
}

#[test]
fn sslmode_require_encrypts() {
    tls_server();
    let db = TestDb::new();
    let project = tls_project();
    let url = url(&db, "127.0.0.1", "sslmode=require");
    assert_code(&project.run(&["--database-url", &url, "up"]), 0);
    assert_eq!(db.scalar("SELECT ssl FROM seen"), "t");
}

#[test]
fn sslmode_verify_full_checks_the_chain_and_the_name() {
    let certs = tls_server();
    let ca = certs.ca.display().to_string();
    let db = TestDb::new();
    let project = tls_project();

    // Right CA, right name.
    let good = url(
        &db,
        "localhost",
        &format!("sslmode=verify-full&sslrootcert={ca}"),
    );
    assert_code(&project.run(&["--database-url", &good, "up"]), 0);
    assert_eq!(db.scalar("SELECT ssl FROM seen"), "t");

    // Right CA, wrong name: verify-full refuses, verify-ca accepts.
    let wrong_name = url(
        &db,
        "127.0.0.1",
        &format!("sslmode=verify-full&sslrootcert={ca}"),
    );
    let refused = project.run(&["--database-url", &wrong_name, "status"]);
    assert_code(&refused, 1);
    assert!(refused.stderr.contains("cannot connect"), "{refused:?}");
    let chain_only = url(
        &db,
        "127.0.0.1",
        &format!("sslmode=verify-ca&sslrootcert={ca}"),
    );
    assert_code(&project.run(&["--database-url", &chain_only, "status"]), 0);

    // The public roots do not know our CA.
    let unknown = url(&db, "localhost", "sslmode=verify-full");
    let refused = project.run(&["--database-url", &unknown, "status"]);
    assert_code(&refused, 1);
    assert!(
        refused.stderr.to_lowercase().contains("certificate"),
        "{refused:?}"
    );

    // PGSSLMODE and PGSSLROOTCERT do the same.
    let env = [
        (
            "DATABASE_URL",
            format!(
                "postgres://postgres:{}@localhost:{}/{}",
                db.password, db.port, db.name
            ),
        ),
        ("PGSSLMODE", "verify-full".to_string()),
        ("PGSSLROOTCERT", ca.clone()),
    ];
    assert_code(&run_with(&project, &env, &["status"]), 0);
}

#[test]
fn sslmode_require_with_a_root_certificate_checks_the_chain() {
    let certs = tls_server();
    let (ca, other_ca) = (
        certs.ca.display().to_string(),
        certs.other_ca.display().to_string(),
    );
    let db = TestDb::new();
    let project = tls_project();
    // An empty home: no ~/.postgresql/root.crt of the machine's gets in the way.
    let home = tempfile::tempdir().unwrap();
    let run = |params: &str, envs: &[(&str, String)], args: &[&str]| {
        let url = url(&db, "127.0.0.1", params);
        let mut env = vec![("HOME", home.path().display().to_string())];
        env.extend_from_slice(envs);
        let mut all = vec!["--database-url", url.as_str()];
        all.extend_from_slice(args);
        run_with(&project, &env, &all)
    };

    // A CA that did not sign the server's certificate: refused, saying against what.
    let refused = run(
        &format!("sslmode=require&sslrootcert={other_ca}"),
        &[],
        &["status"],
    );
    assert_code(&refused, 1);
    assert!(
        refused.stderr.contains("cannot connect")
            && refused.stderr.contains("certificate")
            && refused.stderr.contains(&other_ca)
            && refused.stderr.contains("verify-ca"),
        "{refused:?}"
    );
    let from_env = run(
        "",
        &[
            ("PGSSLMODE", "require".into()),
            ("PGSSLROOTCERT", other_ca.clone()),
        ],
        &["status"],
    );
    assert_code(&from_env, 1);
    assert!(from_env.stderr.contains(&other_ca), "{from_env:?}");

    // The right CA: connects, encrypted; the name is not checked (127.0.0.1, not localhost).
    assert_code(
        &run(&format!("sslmode=require&sslrootcert={ca}"), &[], &["up"]),
        0,
    );
    assert_eq!(db.scalar("SELECT ssl FROM seen"), "t");

    // A root certificate file that is named must be there.
    let missing = run(
        "sslmode=require&sslrootcert=/nonexistent/root.crt",
        &[],
        &["status"],
    );
    assert_code(&missing, 2);
    assert!(
        missing.stderr.contains("sslrootcert /nonexistent/root.crt"),
        "{missing:?}"
    );

    // sslrootcert=system: verify-full against the public roots, which do not know our CA;
    // anything weaker is refused before connecting.
    let system = run("sslrootcert=system", &[], &["status"]);
    assert_code(&system, 1);
    assert!(system.stderr.contains("certificate"), "{system:?}");
    let weak = run("sslrootcert=system&sslmode=require", &[], &["status"]);
    assert_code(&weak, 2);
    assert!(weak.stderr.contains("verify-full"), "{weak:?}");
}

#[test]
fn a_root_certificate_in_the_home_folder_makes_require_check_the_chain() {
    let certs = tls_server();
    let db = TestDb::new();
    let project = tls_project();
    let home = tempfile::tempdir().unwrap();
    let root = home.path().join(".postgresql/root.crt");
    let run = |params: &str, args: &[&str]| {
        let url = url(&db, "127.0.0.1", params);
        let mut all = vec!["--database-url", url.as_str()];
        all.extend_from_slice(args);
        run_with(
            &project,
            &[("HOME", home.path().display().to_string())],
            &all,
        )
    };

    // No root file: encrypted, nothing checked, as before.
    assert_code(&run("sslmode=require", &["status"]), 0);

    std::fs::create_dir_all(root.parent().unwrap()).unwrap();
    std::fs::copy(&certs.other_ca, &root).unwrap();
    let refused = run("sslmode=require", &["status"]);
    assert_code(&refused, 1);
    assert!(
        refused.stderr.contains("certificate")
            && refused.stderr.contains(&root.display().to_string()),
        "{refused:?}"
    );
    // A URL's own sslrootcert wins over the home folder's.
    let named = format!("sslmode=require&sslrootcert={}", certs.ca.display());
    assert_code(&run(&named, &["status"]), 0);

    std::fs::copy(&certs.ca, &root).unwrap();
    assert_code(&run("sslmode=require", &["up"]), 0);
    assert_eq!(db.scalar("SELECT ssl FROM seen"), "t");
    // verify-ca and verify-full use it too, as libpq does.
    assert_code(&run("sslmode=verify-ca", &["status"]), 0);
    let full = url(&db, "localhost", "sslmode=verify-full");
    assert_code(
        &run_with(
            &project,
            &[("HOME", home.path().display().to_string())],
            &["--database-url", &full, "status"],
        ),
        0,
    );
    // prefer never checks.
    std::fs::copy(&certs.other_ca, &root).unwrap();
    assert_code(&run("sslmode=prefer", &["status"]), 0);
}

#[test]
fn a_unix_socket_host_connects_without_tls_whatever_sslmode_says() {
    // TLS is on for TCP, as a hosted server would have it; the socket never offers it.
    tls_server();
    let db = TestDb::new();
    let project = tls_project();
    let socket_dir = support::cluster().root.join("cluster/run");
    assert!(
        socket_dir.join(format!(".s.PGSQL.{}", db.port)).exists(),
        "the test cluster listens on a socket"
    );
    let socket_dir = socket_dir.display().to_string();
    for sslmode in ["", "prefer", "require"] {
        let mut env = vec![
            ("PGHOST", socket_dir.clone()),
            ("PGPORT", db.port.to_string()),
            ("PGUSER", "postgres".to_string()),
            ("PGDATABASE", db.name.clone()),
        ];
        if !sslmode.is_empty() {
            env.push(("PGSSLMODE", sslmode.to_string()));
        }
        let status = run_with(&project, &env, &["status"]);
        assert_code(&status, 0);
        assert!(status.stdout.contains(&socket_dir), "{status:?}");
    }
    // A key=value string naming the socket directory, as libpq takes it.
    let connection = format!(
        "host={socket_dir} port={} user=postgres dbname={}",
        db.port, db.name
    );
    assert_code(&project.run(&["--database-url", &connection, "up"]), 0);
    assert_eq!(db.scalar("SELECT ssl FROM seen"), "f");
}

/// A role that must give its password over TCP, on the shared cluster (as every role must).
fn password_role() -> &'static str {
    static ROLE: OnceLock<&'static str> = OnceLock::new();
    ROLE.get_or_init(|| {
        let cluster = support::cluster();
        let mut admin = postgres::Client::connect(&cluster.admin_url(), postgres::NoTls).unwrap();
        admin
            .batch_execute("CREATE ROLE pgpass_user LOGIN PASSWORD 'pw-from-file-7'")
            .unwrap();
        "pgpass_user"
    })
}

#[test]
fn the_password_file_gives_the_password_and_it_never_shows() {
    use std::os::unix::fs::PermissionsExt;
    let role = password_role();
    let db = TestDb::new();
    db.scalar(&format!("ALTER DATABASE {} OWNER TO {role}", db.name));
    let project = tls_project();
    let dir = tempfile::tempdir().unwrap();
    let passfile = dir.path().join("pgpass");
    std::fs::write(
        &passfile,
        format!(
            "# the operator's passwords\n127.0.0.1:{}:{}:{role}:pw-from-file-7\n",
            db.port, db.name
        ),
    )
    .unwrap();
    std::fs::set_permissions(&passfile, std::fs::Permissions::from_mode(0o600)).unwrap();
    let url = format!(
        "postgres://{role}@127.0.0.1:{}/{}?sslmode=disable",
        db.port, db.name
    );
    let with_file = |file: &std::path::Path, args: &[&str]| {
        let mut all = vec!["--database-url", url.as_str()];
        all.extend_from_slice(args);
        run_with(
            &project,
            &[("PGPASSFILE", file.display().to_string())],
            &all,
        )
    };

    let without = with_file(&dir.path().join("none"), &["status"]);
    assert_code(&without, 1);
    assert!(without.stderr.contains("password"), "{without:?}");

    let up = with_file(&passfile, &["up"]);
    assert_code(&up, 0);
    assert_eq!(db.scalar("SELECT count(*) FROM dbward.schema_history"), "1");
    assert!(!format!("{up:?}").contains("pw-from-file-7"));

    // Readable by others: passed over, as libpq does, and the failure says why.
    std::fs::set_permissions(&passfile, std::fs::Permissions::from_mode(0o644)).unwrap();
    let open = with_file(&passfile, &["status"]);
    assert_code(&open, 1);
    assert!(open.stderr.contains("chmod 600"), "{open:?}");
    assert!(!format!("{open:?}").contains("pw-from-file-7"));
}

/// Removes a path when dropped, so that a failing test leaves nothing in /tmp.
struct Removed(PathBuf);

impl Drop for Removed {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
fn with_no_host_named_a_socket_in_libpqs_folder_is_used() {
    let db = TestDb::new();
    let project = tls_project();
    // The test cluster's socket, shown where libpq looks by default.
    let socket = format!(".s.PGSQL.{}", db.port);
    let link = Removed(PathBuf::from("/tmp").join(&socket));
    std::os::unix::fs::symlink(
        support::cluster().root.join("cluster/run").join(&socket),
        &link.0,
    )
    .unwrap();
    let env = [
        ("PGPORT", db.port.to_string()),
        ("PGUSER", "postgres".to_string()),
        ("PGDATABASE", db.name.clone()),
    ];
    let run = run_with(&project, &env, &["up"]);
    assert_code(&run, 0);
    assert!(
        run.stdout.contains(&format!("postgres@/tmp:{}/", db.port)),
        "{run:?}"
    );
    assert_eq!(db.scalar("SELECT ssl FROM seen"), "f");
}

/// Where an output does not end with the database, a line on stderr names it.
#[test]
fn outputs_without_the_database_name_it_on_stderr() {
    let db = TestDb::new();
    let project = Project::new();
    project.write("dbward.toml", "");
    std::fs::create_dir(project.path().join("migrations")).unwrap();
    let named = format!("database: postgres@127.0.0.1:{}/{}", db.port, db.name);
    let status = project.dbward(&db, &["status"]);
    assert_code(&status, 0);
    assert!(
        status.stdout.starts_with("no migrations yet") && status.stderr.contains(&named),
        "{status:?}"
    );
    // --quiet asks for the result alone.
    let quiet = project.dbward(&db, &["--quiet", "status"]);
    assert_code(&quiet, 0);
    assert_eq!(quiet.stderr, "", "{quiet:?}");
}
