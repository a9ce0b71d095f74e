//! dbward's own PostgreSQL: a cluster under `.dbward/` made with the server binaries found
//! on the machine. Only its owner gets in: over a Unix socket in a folder no one else may
//! enter, or over 127.0.0.1 with a random password kept in `.dbward/password` (mode 0600).

mod binaries;
mod files;
mod placement;
pub mod scratch;
mod server_user;

use std::fs;
use std::io::Write;
use std::net::TcpListener;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Output;

use nix::unistd::Pid;
use tokio_postgres::types::Type;

pub use binaries::Binaries;
use files::{random_password, real_dir, write_file};
pub use server_user::SERVER_USER;
use server_user::{ServerUser, private_dir};

use crate::db::connect::Target;
use crate::db::session::Sql;
use crate::error::{Error, Result};

/// The database dbward uses inside its local cluster.
pub const LOCAL_DATABASE: &str = "postgres";

/// How much a cluster's data is worth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// A developer's database: survives a crash of the machine.
    Safe,
    /// CI and tests: thrown away, so no fsync.
    Throwaway,
}

/// What `dbward local status` reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocalState {
    NotCreated,
    Stopped,
    Running { port: u16, socket_dir: PathBuf },
}

/// A running cluster, as `start` leaves it.
#[derive(Debug, Clone)]
pub struct Running {
    /// dbward's own way in: the private socket, no password.
    pub target: Target,
    pub port: u16,
    /// Whether this call started it.
    pub started: bool,
    /// The account made for the server by this call, when it made one.
    pub created_user: Option<String>,
}

/// A cluster in a folder: `port`, `password`, and `data/` and `run/` (socket and log),
/// which live beside them unless the server's user cannot reach the folder.
#[derive(Debug, Clone)]
pub struct LocalCluster {
    root: PathBuf,
    /// Where `data/` and `run/` are: `root`, or a folder of the system's state directory.
    server_dir: PathBuf,
    durability: Durability,
}

impl LocalCluster {
    /// The project's cluster, `.dbward/` beside `dbward.toml`.
    pub fn for_project(project_dir: &Path) -> LocalCluster {
        // Absolute, because pg_ctl runs the server from another working directory.
        let project_dir = if project_dir.as_os_str().is_empty() {
            std::env::current_dir().unwrap_or_default()
        } else {
            std::path::absolute(project_dir).unwrap_or_else(|_| project_dir.into())
        };
        let root = project_dir.join(".dbward");
        LocalCluster {
            server_dir: placement::recorded(&root).unwrap_or_else(|| root.clone()),
            root,
            durability: Durability::Safe,
        }
    }

    /// A cluster in any folder (CI, tests).
    pub fn in_folder(root: PathBuf, durability: Durability) -> LocalCluster {
        LocalCluster {
            server_dir: root.clone(),
            root,
            durability,
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The server's data folder: under `.dbward/`, or in the system's state directory.
    pub fn data_dir(&self) -> PathBuf {
        self.data()
    }

    /// The folder kept elsewhere because the server's user cannot reach `.dbward/`.
    pub fn kept_elsewhere(&self) -> Option<&Path> {
        (self.server_dir != self.root).then_some(self.server_dir.as_path())
    }

    fn data(&self) -> PathBuf {
        self.server_dir.join("data")
    }

    fn run_dir(&self) -> PathBuf {
        self.server_dir.join("run")
    }

    fn port_file(&self) -> PathBuf {
        self.root.join("port")
    }

    /// The password of the `postgres` role over TCP; only the one who made the cluster
    /// may read it.
    pub fn password_file(&self) -> PathBuf {
        self.root.join("password")
    }

    /// The password applications give over TCP.
    pub fn password(&self) -> Result<String> {
        let path = self.password_file();
        let text = fs::read_to_string(&path).map_err(Error::io(&path))?;
        Ok(text.trim().to_string())
    }

    /// What an application connects to: loopback TCP, the password left out.
    pub fn application_url(port: u16) -> String {
        format!("postgres://postgres@127.0.0.1:{port}/{LOCAL_DATABASE}")
    }

    fn log_file(&self) -> PathBuf {
        self.run_dir().join("postgres.log")
    }

    fn saved_port(&self) -> Option<u16> {
        fs::read_to_string(self.port_file())
            .ok()?
            .trim()
            .parse()
            .ok()
    }

    pub fn state(&self) -> Result<LocalState> {
        if !self.data().join("PG_VERSION").exists() {
            return Ok(LocalState::NotCreated);
        }
        match (self.running_postmaster()?, self.saved_port()) {
            (Some(socket_dir), Some(port)) => Ok(LocalState::Running { port, socket_dir }),
            _ => Ok(LocalState::Stopped),
        }
    }

    /// The socket folder of the postmaster named in `postmaster.pid`, when it is alive:
    /// what `pg_ctl status` decides, without starting a process for it, which every
    /// command on the local database would otherwise pay for (about 3 ms).
    fn running_postmaster(&self) -> Result<Option<PathBuf>> {
        let path = self.data().join("postmaster.pid");
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io(path)(e)),
        };
        if !postmaster_pid(&text).is_some_and(process_exists) {
            return Ok(None);
        }
        Ok(Some(postmaster_socket_dir(&text).unwrap_or_default()))
    }

    /// Makes the cluster if needed and starts it if stopped. A `.dbward/` this call made
    /// is removed again when it fails before a cluster was made in it.
    pub fn start(&self) -> Result<Running> {
        let made_root = self.create_root()?;
        let started = self.start_in_root();
        if started.is_err() && made_root {
            // What this call made, and no cluster came of: nothing of dbward's stays behind.
            let placed = placement::recorded(&self.root).unwrap_or_else(|| self.root.clone());
            if !placed.join("data/PG_VERSION").exists() {
                if placed != self.root && real_dir(&placed).is_ok() {
                    let _ = fs::remove_dir_all(&placed);
                }
                let _ = fs::remove_dir_all(&self.root);
            }
        }
        started
    }

    fn start_in_root(&self) -> Result<Running> {
        let _guard = self.exclusive()?;
        let (cluster, made_user) = self.placed()?;
        cluster.start_placed(made_user)
    }

    /// Where the cluster is to run: here, or, as root in a project the server's user cannot
    /// reach, for a cluster not made yet, a folder of the state directory (recorded in
    /// `.dbward/`). And whether the server's account was made on the way.
    fn placed(&self) -> Result<(LocalCluster, bool)> {
        if !nix::unistd::Uid::effective().is_root()
            || self.server_dir != self.root
            || self.data().join("PG_VERSION").exists()
        {
            return Ok((self.clone(), false));
        }
        let user = ServerUser::detect(&self.data())?;
        if user.blocking_folder(&self.data()).is_none() {
            return Ok((self.clone(), user.created));
        }
        let project = self.root.parent().unwrap_or(&self.root);
        let server_dir = placement::prepare(project, &user)?;
        write_file(
            &self.root.join(placement::RECORD),
            &format!("{}\n", server_dir.display()),
            0o644,
            None,
        )?;
        let cluster = LocalCluster {
            root: self.root.clone(),
            server_dir,
            durability: self.durability,
        };
        Ok((cluster, user.created))
    }

    /// `start`, with `.dbward/` made, locked, and the data's place settled.
    fn start_placed(&self, made_user: bool) -> Result<Running> {
        // A cluster without a password file is an older dbward's, which trusted every local
        // connection (and, as root, ran as `postgres`): it is stopped and brought to the
        // rules of a new one, its data kept.
        let upgrading = self.data().join("PG_VERSION").exists() && !self.password_file().exists();
        if upgrading {
            self.stop()?;
        } else if let LocalState::Running { port, socket_dir } = self.state()? {
            return Ok(Running {
                target: self.target(&socket_dir, port)?,
                port,
                started: false,
                created_user: None,
            });
        }
        let binaries = Binaries::find()?;
        let user = if upgrading {
            ServerUser::take_over(&[self.data(), self.run_dir()])?
        } else {
            ServerUser::detect(&self.data())?
        };
        if let Some(dir) = self.kept_elsewhere() {
            placement::check_owned(dir, &user)?;
        }
        user.check_reachable(&self.data())?;
        if !self.data().join("PG_VERSION").exists() {
            self.init(&binaries, &user)?;
        } else if upgrading {
            real_dir(&self.data())?;
            write_file(
                &self.data().join("pg_hba.conf"),
                PG_HBA,
                0o600,
                user.uid_gid(),
            )?;
        }
        let port = self.choose_port()?;
        let socket_dir = self.socket_dir(&user)?;
        self.write_settings(port, &socket_dir, &user)?;
        let output = self.pg_ctl(
            &binaries,
            &user,
            &[
                "start",
                "-w",
                "-t",
                "60",
                "-l",
                &self.log_file().to_string_lossy(),
            ],
        )?;
        if !output.status.success() {
            let log = fs::read_to_string(self.log_file()).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(8).collect();
            return Err(Error::Local(format!(
                "the local PostgreSQL did not start: {}\n{}",
                String::from_utf8_lossy(&output.stderr).trim(),
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            )));
        }
        write_file(&self.port_file(), &port.to_string(), 0o644, None)?;
        let target = self.target(&socket_dir, port)?;
        if upgrading {
            self.set_password(&target)?;
        }
        Ok(Running {
            target,
            port,
            started: true,
            created_user: (user.created || made_user).then(|| SERVER_USER.to_string()),
        })
    }

    /// Gives `postgres` a new random password, then writes it down: the file is what says
    /// the cluster has one. The server gets only its SCRAM verifier, made here.
    fn set_password(&self, target: &Target) -> Result<()> {
        let password = random_password()?;
        let verifier = postgres_protocol::password::scram_sha_256(password.as_bytes());
        let mut session = target.connect()?;
        // ALTER ROLE takes no parameters: the server quotes the bound verifier itself.
        let statement: String = session
            .query_typed_one(
                "SELECT format('ALTER ROLE postgres PASSWORD %L', $1::text)",
                &[(&verifier, Type::TEXT)],
            )
            .map_err(Error::db("setting the local cluster's password"))?
            .get(0);
        session
            .batch_execute(&statement)
            .map_err(Error::db("setting the local cluster's password"))?;
        write_file(&self.password_file(), &password, 0o600, None)
    }

    /// dbward's own connection: the private socket, which needs no password.
    fn target(&self, socket_dir: &Path, port: u16) -> Result<Target> {
        if socket_dir.as_os_str().is_empty() {
            return Err(Error::Local(format!(
                "the local PostgreSQL in {} runs without a Unix socket, which dbward connects \
                 through; `dbward local stop` and run the command again",
                self.root.display()
            )));
        }
        Ok(Target::local(socket_dir, port, LOCAL_DATABASE))
    }

    /// Stops the server; false when it was not running.
    pub fn stop(&self) -> Result<bool> {
        let LocalState::Running { socket_dir, .. } = self.state()? else {
            return Ok(false);
        };
        let binaries = Binaries::find()?;
        let user = ServerUser::detect(&self.data())?;
        let output = self.pg_ctl(&binaries, &user, &["stop", "-w", "-m", "fast"])?;
        if !output.status.success() {
            return Err(Error::Local(format!(
                "the local PostgreSQL did not stop: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            )));
        }
        // A socket folder made in /tmp for a long path goes with the server (empty now).
        // Only one of that name: postmaster.pid is the server user's to write.
        let made_in_tmp = socket_dir.parent() == Some(Path::new("/tmp"))
            && socket_dir
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("dbward-"));
        if made_in_tmp {
            let _ = fs::remove_dir(&socket_dir);
        }
        Ok(true)
    }

    /// Stops the server and removes the folder with all its data (and the data's folder
    /// in the state directory, when it is kept there).
    pub fn destroy(&self) -> Result<bool> {
        if !self.root.exists() && self.kept_elsewhere().is_none() {
            return Ok(false);
        }
        if self.data().join("PG_VERSION").exists() {
            self.stop()?;
        }
        if let Some(dir) = self.kept_elsewhere()
            && fs::symlink_metadata(dir).is_ok()
        {
            real_dir(dir)?;
            fs::remove_dir_all(dir).map_err(Error::io(dir))?;
        }
        if self.root.exists() {
            fs::remove_dir_all(&self.root).map_err(Error::io(&self.root))?;
        }
        Ok(true)
    }

    /// Makes `.dbward/`; true when this call made it.
    fn create_root(&self) -> Result<bool> {
        if self.root.is_dir() {
            return Ok(false);
        }
        fs::create_dir_all(&self.root).map_err(Error::io(&self.root))?;
        fs::set_permissions(&self.root, fs::Permissions::from_mode(0o755))
            .map_err(Error::io(&self.root))?;
        // The folder ignores itself, so no project needs a .gitignore line for it.
        write_file(&self.root.join(".gitignore"), "*\n", 0o644, None)?;
        Ok(true)
    }

    /// Serialises concurrent `dbward` processes starting the same cluster.
    fn exclusive(&self) -> Result<nix::fcntl::Flock<fs::File>> {
        let path = self.root.join("lock");
        let file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .custom_flags(nix::fcntl::OFlag::O_NOFOLLOW.bits())
            .open(&path)
            .map_err(Error::io(&path))?;
        nix::fcntl::Flock::lock(file, nix::fcntl::FlockArg::LockExclusive)
            .map_err(|(_, e)| Error::Local(format!("cannot lock {}: {e}", path.display())))
    }

    fn init(&self, binaries: &Binaries, user: &ServerUser) -> Result<()> {
        for dir in [self.data(), self.run_dir()] {
            private_dir(&dir, user)?;
        }
        // The password is written before the cluster exists, so that a cluster without
        // one is always an older dbward's.
        let password = random_password()?;
        write_file(&self.password_file(), &password, 0o600, None)?;
        // initdb runs as the server user, which may not read .dbward/password: it gets a
        // copy in its own folder for the moment it runs.
        let pwfile = self.run_dir().join("initdb-password");
        write_file(&pwfile, &password, 0o600, user.uid_gid())?;
        let output = user
            .command(binaries.program("initdb"))
            .arg("-D")
            .arg(self.data())
            .arg(format!("--pwfile={}", pwfile.display()))
            .args([
                "-U",
                "postgres",
                // The socket's folder is the server user's alone (see socket_dir); TCP
                // takes the password.
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-instructions",
            ])
            .args(match self.durability {
                Durability::Safe => &[][..],
                Durability::Throwaway => &["--no-sync"][..],
            })
            .output();
        let _ = fs::remove_file(&pwfile);
        let output = output.map_err(|e| Error::Local(format!("cannot run initdb: {e}")))?;
        if !output.status.success() {
            return Err(Error::Local(format!(
                "initdb failed: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            )));
        }
        let conf = self.data().join("postgresql.conf");
        let mut file = fs::OpenOptions::new()
            .append(true)
            .custom_flags(nix::fcntl::OFlag::O_NOFOLLOW.bits())
            .open(&conf)
            .map_err(Error::io(&conf))?;
        writeln!(file, "\ninclude_if_exists = 'dbward.conf'").map_err(Error::io(&conf))?;
        Ok(())
    }

    /// The saved port while it is free, else a new free one.
    fn choose_port(&self) -> Result<u16> {
        if let Some(port) = self.saved_port()
            && TcpListener::bind(("127.0.0.1", port)).is_ok()
        {
            return Ok(port);
        }
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .map_err(|e| Error::Local(format!("no free port on 127.0.0.1: {e}")))?;
        let port = listener
            .local_addr()
            .map_err(|e| Error::Local(format!("no free port on 127.0.0.1: {e}")))?
            .port();
        Ok(port)
    }

    /// The socket's folder: `run/`, the server user's alone (mode 0700), so that the
    /// socket's `trust` admits no one else. A Unix socket path is limited to about 100
    /// bytes; for a longer one, a new private folder in /tmp, removed at `stop`.
    fn socket_dir(&self, user: &ServerUser) -> Result<PathBuf> {
        private_dir(&self.run_dir(), user)?;
        if self.run_dir().as_os_str().len() + 20 < 100 {
            return Ok(self.run_dir());
        }
        let dir = nix::unistd::mkdtemp("/tmp/dbward-XXXXXX")
            .map_err(|e| Error::Local(format!("cannot make a socket folder in /tmp: {e}")))?;
        user.give(&dir)?;
        Ok(dir)
    }

    fn write_settings(&self, port: u16, socket_dir: &Path, user: &ServerUser) -> Result<()> {
        let mut settings = format!(
            "# Written by dbward at each start.\nport = {port}\nlisten_addresses = '127.0.0.1'\n\
             unix_socket_directories = {}\nunix_socket_permissions = 0700\n\
             password_encryption = 'scram-sha-256'\nmax_connections = 200\n",
            conf_quote(&socket_dir.to_string_lossy())
        );
        if self.durability == Durability::Throwaway {
            settings.push_str("fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n");
        }
        real_dir(&self.data())?;
        write_file(
            &self.data().join("dbward.conf"),
            &settings,
            0o600,
            user.uid_gid(),
        )
    }

    fn pg_ctl(&self, binaries: &Binaries, user: &ServerUser, args: &[&str]) -> Result<Output> {
        let mut command = user.command(binaries.program("pg_ctl"));
        command.arg("-D").arg(self.data()).args(args);
        // pg_ctl start leaves the server running: keep its output away from our pipes.
        if args.first() == Some(&"start") {
            command.stdin(std::process::Stdio::null());
            command.stdout(std::process::Stdio::null());
        }
        command
            .output()
            .map_err(|e| Error::Local(format!("cannot run pg_ctl: {e}")))
    }
}

/// Who may connect how: anyone who reaches the socket, which only the server user can
/// (its folder is private), and over TCP with the password.
const PG_HBA: &str =
    "# Written by dbward: the socket's folder admits the server user alone; TCP takes the password.
local all all trust
host all all 127.0.0.1/32 scram-sha-256
host all all ::1/128 scram-sha-256
local replication all trust
host replication all 127.0.0.1/32 scram-sha-256
host replication all ::1/128 scram-sha-256
";

/// The postmaster's pid: the first line of `postmaster.pid`. None for a file being written,
/// or one a single-user backend left (its pid is negative).
fn postmaster_pid(pid_file: &str) -> Option<Pid> {
    let pid: i32 = pid_file.lines().next()?.trim().parse().ok()?;
    (pid > 0).then(|| Pid::from_raw(pid))
}

/// The first socket folder (line 5 of `postmaster.pid`); None when the server has none.
fn postmaster_socket_dir(pid_file: &str) -> Option<PathBuf> {
    let dir = pid_file.lines().nth(4)?.trim();
    (!dir.is_empty()).then(|| PathBuf::from(dir))
}

/// A process exists when signal 0 reaches it, or is refused because it is another user's.
fn process_exists(pid: Pid) -> bool {
    match nix::sys::signal::kill(pid, None) {
        Ok(()) => true,
        Err(errno) => errno == nix::errno::Errno::EPERM,
    }
}

/// A value for postgresql.conf: single-quoted, quotes doubled.
fn conf_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_postmaster_pid_is_the_first_line() {
        let file = "4711\n/p/.dbward/data\n1763800000\n5432\n/p/.dbward/run\n127.0.0.1\n  5432001  32770\nready   \n";
        assert_eq!(postmaster_pid(file), Some(Pid::from_raw(4711)));
        assert_eq!(postmaster_pid(""), None, "a file still being written");
        assert_eq!(postmaster_pid("-4711\n"), None, "a single-user backend");
        assert_eq!(postmaster_pid("0\n"), None);
        assert_eq!(postmaster_pid("not a pid\n"), None);
    }

    #[test]
    fn the_socket_folder_is_the_fifth_line() {
        let file = "4711\n/p/.dbward/data\n1763800000\n5432\n/p/.dbward/run\n127.0.0.1\n";
        assert_eq!(
            postmaster_socket_dir(file),
            Some(PathBuf::from("/p/.dbward/run"))
        );
        let no_socket = "4711\n/p/.dbward/data\n1763800000\n5432\n\n127.0.0.1\n";
        assert_eq!(postmaster_socket_dir(no_socket), None);
        assert_eq!(
            postmaster_socket_dir("4711\n"),
            None,
            "a file still being written"
        );
    }

    #[test]
    fn a_process_exists_while_it_runs() {
        assert!(process_exists(Pid::this()));
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = Pid::from_raw(child.id() as i32);
        child.wait().unwrap();
        assert!(!process_exists(pid), "reaped, so gone");
    }

    #[test]
    fn conf_values_are_quoted() {
        assert_eq!(conf_quote("/a/b"), "'/a/b'");
        assert_eq!(conf_quote("/it's"), "'/it''s'");
    }
}
