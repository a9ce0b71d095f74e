//! dbward's own PostgreSQL: a cluster under `.dbward/` made with the server binaries found
//! on the machine. Only its owner gets in: over a Unix socket in a folder no one else may
//! enter, or over 127.0.0.1 with a random password kept in `.dbward/password` (mode 0600).

use std::fs;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use nix::unistd::{Gid, Pid, Uid, User};

use tokio_postgres::types::Type;

use super::connect::Target;
use super::session::Sql;
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

/// The account dbward makes to run the server as when it runs as root.
pub const SERVER_USER: &str = "dbward";

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

/// The PostgreSQL server programs.
#[derive(Debug, Clone)]
pub struct Binaries {
    pub dir: PathBuf,
}

impl Binaries {
    /// `DBWARD_PG_BINDIR`, then PATH, then the newest `/usr/lib/postgresql/*/bin`.
    pub fn find() -> Result<Binaries> {
        let has_all = |dir: &Path| {
            ["initdb", "pg_ctl", "postgres"]
                .iter()
                .all(|b| dir.join(b).is_file())
        };
        if let Some(dir) = std::env::var_os("DBWARD_PG_BINDIR") {
            let dir = PathBuf::from(dir);
            return if has_all(&dir) {
                Ok(Binaries { dir })
            } else {
                Err(Error::Local(format!(
                    "DBWARD_PG_BINDIR={} does not hold initdb, pg_ctl and postgres",
                    dir.display()
                )))
            };
        }
        let from_path = std::env::var_os("PATH")
            .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
            .unwrap_or_default();
        for dir in from_path {
            if has_all(&dir) {
                // Follow symlinks so pg_ctl finds `postgres` beside itself.
                let initdb = fs::canonicalize(dir.join("initdb")).unwrap_or(dir.join("initdb"));
                let real = initdb.parent().map(Path::to_path_buf).unwrap_or(dir);
                return Ok(Binaries { dir: real });
            }
        }
        // Tests point this elsewhere to see the "not found" path on a machine that has them.
        let search_root = std::env::var_os("DBWARD_PG_SEARCH_ROOT")
            .map_or_else(|| PathBuf::from("/usr/lib/postgresql"), PathBuf::from);
        let mut versions: Vec<(u32, PathBuf)> = fs::read_dir(search_root)
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let version = e.file_name().to_str()?.parse::<u32>().ok()?;
                let bin = e.path().join("bin");
                has_all(&bin).then_some((version, bin))
            })
            .collect();
        versions.sort();
        match versions.pop() {
            Some((_, dir)) => Ok(Binaries { dir }),
            None => Err(Error::Local(
                "no PostgreSQL server binaries (initdb, pg_ctl, postgres) on PATH or under \
                 /usr/lib/postgresql/*/bin, so dbward cannot start its local database.\n\
                 Install them (Debian/Ubuntu: `apt-get install postgresql`; Fedora: `dnf install \
                 postgresql-server`; macOS: `brew install postgresql@16`) or set DBWARD_PG_BINDIR, \
                 or point dbward at an existing server with --database-url, DATABASE_URL or PGHOST."
                    .into(),
            )),
        }
    }

    fn program(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

/// The account the server runs as: ourselves, or, when we are root (PostgreSQL refuses to
/// run as root), an unprivileged account of its own. Not `postgres`, which a system
/// cluster trusts by peer authentication, nor the shared `nobody`: whoever runs as the
/// server's account can enter its socket folder.
#[derive(Debug, Clone)]
struct ServerUser {
    switch_to: Option<(Uid, Gid, String)>,
    /// True when this call made the account.
    created: bool,
}

impl ServerUser {
    /// As root: the owner of an existing cluster, else the `dbward` account, made when
    /// missing.
    fn detect(data: &Path) -> Result<ServerUser> {
        if !Uid::effective().is_root() {
            return Ok(ServerUser {
                switch_to: None,
                created: false,
            });
        }
        if let Ok(meta) = fs::symlink_metadata(data)
            && meta.is_dir()
            && meta.uid() != 0
        {
            let uid = Uid::from_raw(meta.uid());
            let name = User::from_uid(uid)
                .ok()
                .flatten()
                .map_or_else(|| meta.uid().to_string(), |u| u.name);
            return Ok(ServerUser {
                switch_to: Some((uid, Gid::from_raw(meta.gid()), name)),
                created: false,
            });
        }
        ServerUser::dedicated()
    }

    /// As root, the `dbward` account, made when missing.
    fn dedicated() -> Result<ServerUser> {
        let mut created = false;
        if User::from_name(SERVER_USER).ok().flatten().is_none() {
            created = create_system_user(SERVER_USER)?;
        }
        let user = User::from_name(SERVER_USER).ok().flatten().ok_or_else(|| {
            Error::Local(format!(
                "the `{SERVER_USER}` user is still missing after useradd"
            ))
        })?;
        Ok(ServerUser {
            switch_to: Some((user.uid, user.gid, SERVER_USER.to_string())),
            created,
        })
    }

    /// For an older dbward's cluster: as root, hands its folders from the account that
    /// dbward ran it as then (`postgres` or `nobody`) to the `dbward` account. A cluster
    /// someone made as themselves stays theirs.
    fn take_over(dirs: &[PathBuf]) -> Result<ServerUser> {
        let owner = ServerUser::detect(&dirs[0])?;
        let old_server_user = owner
            .switch_to
            .as_ref()
            .is_some_and(|(_, _, name)| name == "postgres" || name == "nobody");
        if !old_server_user {
            return Ok(owner);
        }
        let user = ServerUser::dedicated()?;
        for dir in dirs {
            if fs::symlink_metadata(dir).is_ok() {
                real_dir(dir)?;
                user.give_all(dir)?;
            }
        }
        Ok(user)
    }

    /// `give` for a folder and everything in it, never following a link.
    fn give_all(&self, dir: &Path) -> Result<()> {
        self.give(dir)?;
        for entry in fs::read_dir(dir).map_err(Error::io(dir))? {
            let entry = entry.map_err(Error::io(dir))?;
            let path = entry.path();
            if entry.file_type().map_err(Error::io(&path))?.is_dir() {
                self.give_all(&path)?;
            } else {
                self.give(&path)?;
            }
        }
        Ok(())
    }

    fn uid_gid(&self) -> Option<(Uid, Gid)> {
        self.switch_to.as_ref().map(|(uid, gid, _)| (*uid, *gid))
    }

    /// A server program with nothing of the caller's environment (it may hold
    /// `DATABASE_URL`, `PGPASSWORD` or a cloud key, and a server's environment is readable
    /// in /proc as long as it runs): a fixed PATH, the C locale, and TZ when set.
    fn command(&self, program: PathBuf) -> Command {
        let mut command = Command::new(program);
        if let Some((uid, gid, _)) = &self.switch_to {
            // std also drops root's supplementary groups when it switches uid.
            command.uid(uid.as_raw()).gid(gid.as_raw());
        }
        command
            .env_clear()
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .env("LC_ALL", "C");
        if let Some(tz) = std::env::var_os("TZ") {
            command.env("TZ", tz);
        }
        command
    }

    /// Hands a folder dbward just made to the server user (never a link's target).
    fn give(&self, path: &Path) -> Result<()> {
        if let Some((uid, gid, _)) = &self.switch_to {
            std::os::unix::fs::lchown(path, Some(uid.as_raw()), Some(gid.as_raw())).map_err(
                |e| {
                    Error::Local(format!(
                        "cannot hand {} to the server user: {e}",
                        path.display()
                    ))
                },
            )?;
        }
        Ok(())
    }

    /// As root, every folder above the cluster must let the server user through.
    fn check_reachable(&self, path: &Path) -> Result<()> {
        let Some((uid, gid, name)) = &self.switch_to else {
            return Ok(());
        };
        for dir in path.ancestors().skip(1) {
            let Ok(meta) = fs::metadata(dir) else {
                continue;
            };
            let mode = meta.mode();
            let passes = mode & 0o001 != 0
                || (meta.uid() == uid.as_raw() && mode & 0o100 != 0)
                || (meta.gid() == gid.as_raw() && mode & 0o010 != 0);
            if !passes {
                return Err(Error::Local(format!(
                    "dbward runs its local PostgreSQL as user `{name}` (it refuses to run as root), \
                     and {} does not let that user through; `chmod o+x {}` or keep the project elsewhere",
                    dir.display(),
                    dir.display()
                )));
            }
        }
        Ok(())
    }
}

/// A cluster in a folder: `data/`, `run/` (socket and log), `port`, `password`.
#[derive(Debug, Clone)]
pub struct LocalCluster {
    root: PathBuf,
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
        LocalCluster {
            root: project_dir.join(".dbward"),
            durability: Durability::Safe,
        }
    }

    /// A cluster in any folder (CI, tests).
    pub fn in_folder(root: PathBuf, durability: Durability) -> LocalCluster {
        LocalCluster { root, durability }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn data(&self) -> PathBuf {
        self.root.join("data")
    }

    fn run_dir(&self) -> PathBuf {
        self.root.join("run")
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

    /// Makes the cluster if needed and starts it if stopped. Says whether it started it.
    pub fn ensure_running(&self) -> Result<(Target, bool)> {
        let running = self.start()?;
        Ok((running.target, running.started))
    }

    /// Makes the cluster if needed and starts it if stopped.
    pub fn start(&self) -> Result<Running> {
        self.create_root()?;
        let _guard = self.exclusive()?;
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
        user.check_reachable(&self.root)?;
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
            created_user: user.created.then(|| SERVER_USER.to_string()),
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

    /// Stops the server and removes the folder with all its data.
    pub fn destroy(&self) -> Result<bool> {
        if !self.root.exists() {
            return Ok(false);
        }
        if self.data().join("PG_VERSION").exists() {
            self.stop()?;
        }
        fs::remove_dir_all(&self.root).map_err(Error::io(&self.root))?;
        Ok(true)
    }

    fn create_root(&self) -> Result<()> {
        if self.root.is_dir() {
            return Ok(());
        }
        fs::create_dir_all(&self.root).map_err(Error::io(&self.root))?;
        fs::set_permissions(&self.root, fs::Permissions::from_mode(0o755))
            .map_err(Error::io(&self.root))?;
        // The folder ignores itself, so no project needs a .gitignore line for it.
        write_file(&self.root.join(".gitignore"), "*\n", 0o644, None)
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

/// Makes a system account for the server (as root only). False when another process made
/// it first.
fn create_system_user(name: &str) -> Result<bool> {
    let shell = ["/usr/sbin/nologin", "/sbin/nologin", "/bin/false"]
        .into_iter()
        .find(|shell| Path::new(shell).exists())
        .unwrap_or("/bin/false");
    // One dbward at a time (tests start many at once): the others wait here, then find
    // the user made. /etc/passwd itself is the lock, so no file is added anywhere.
    let passwd = fs::File::open("/etc/passwd").map_err(Error::io("/etc/passwd"))?;
    let _lock = nix::fcntl::Flock::lock(passwd, nix::fcntl::FlockArg::LockExclusive)
        .map_err(|(_, e)| Error::Local(format!("cannot lock /etc/passwd: {e}")))?;
    if User::from_name(name).ok().flatten().is_some() {
        return Ok(false);
    }
    let mut last = String::new();
    // useradd fails while another program holds /etc/passwd: a few tries.
    for _ in 0..20 {
        let output = Command::new("useradd")
            .args(["--system", "--no-create-home", "--user-group"])
            .args(["--home-dir", "/nonexistent", "--shell", shell])
            .args(["--comment", "dbward local PostgreSQL", name])
            .env("PATH", "/usr/local/sbin:/usr/sbin:/sbin:/usr/bin:/bin")
            .output();
        match output {
            Ok(output) if output.status.success() => return Ok(true),
            Ok(output) => last = String::from_utf8_lossy(&output.stderr).trim().to_string(),
            Err(e) => last = e.to_string(),
        }
        if User::from_name(name).ok().flatten().is_some() {
            return Ok(false);
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    Err(Error::Local(format!(
        "running as root, dbward runs its local PostgreSQL as the `{name}` user, and could not \
         make it with useradd ({last}); make it yourself (useradd --system {name})"
    )))
}

/// A folder of the server's made private: mode 0700, owned by the server user, and not a
/// link to some other folder.
fn private_dir(dir: &Path, user: &ServerUser) -> Result<()> {
    match fs::create_dir(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(Error::io(dir)(e)),
    }
    real_dir(dir)?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(Error::io(dir))?;
    user.give(dir)
}

/// Refuses a symbolic link where dbward keeps a folder of its own.
fn real_dir(dir: &Path) -> Result<()> {
    let meta = fs::symlink_metadata(dir).map_err(Error::io(dir))?;
    if meta.is_dir() {
        Ok(())
    } else {
        Err(Error::Local(format!(
            "{} is not a folder (a symbolic link?); dbward writes only into its own folders",
            dir.display()
        )))
    }
}

/// Writes a file whole without following a link at its place, so that whoever can write
/// the folder cannot send dbward (perhaps root) to another file. `owner` gets the file
/// (the server user, for files it reads).
fn write_file(path: &Path, content: &str, mode: u32, owner: Option<(Uid, Gid)>) -> Result<()> {
    use nix::fcntl::OFlag;
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .mode(mode)
        // O_NONBLOCK: a FIFO put there fails instead of blocking.
        .custom_flags((OFlag::O_NOFOLLOW | OFlag::O_NONBLOCK).bits())
        .open(path)
        .map_err(|e| match e.raw_os_error() {
            Some(code) if code == nix::errno::Errno::ELOOP as i32 => Error::Local(format!(
                "{} is a symbolic link; dbward does not write through one. Remove it and run again",
                path.display()
            )),
            _ => Error::io(path)(e),
        })?;
    let meta = file.metadata().map_err(Error::io(path))?;
    if !meta.is_file() {
        return Err(Error::Local(format!(
            "{} is not a regular file; dbward does not write to it",
            path.display()
        )));
    }
    if let Some((uid, gid)) = owner {
        std::os::unix::fs::fchown(&file, Some(uid.as_raw()), Some(gid.as_raw()))
            .map_err(Error::io(path))?;
    }
    file.set_permissions(fs::Permissions::from_mode(mode))
        .map_err(Error::io(path))?;
    file.set_len(0).map_err(Error::io(path))?;
    file.write_all(content.as_bytes())
        .map_err(Error::io(path))?;
    Ok(())
}

/// 32 bytes from the system's random source, as hex: nothing to escape in a URL.
fn random_password() -> Result<String> {
    let mut bytes = [0u8; 32];
    fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(|e| Error::Local(format!("cannot read /dev/urandom for a password: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

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
    fn files_are_written_whole_and_never_through_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("dbward.conf");
        write_file(&file, "port = 1\nlonger line\n", 0o600, None).unwrap();
        write_file(&file, "port = 2\n", 0o600, None).unwrap();
        assert_eq!(fs::read_to_string(&file).unwrap(), "port = 2\n");
        assert_eq!(fs::metadata(&file).unwrap().mode() & 0o777, 0o600);

        let target = dir.path().join("precious");
        fs::write(&target, "keep").unwrap();
        let link = dir.path().join("link.conf");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let err = write_file(&link, "x", 0o600, None).unwrap_err().to_string();
        assert!(err.contains("symbolic link"), "{err}");
        assert_eq!(fs::read_to_string(&target).unwrap(), "keep");

        let fifo = dir.path().join("fifo.conf");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).unwrap();
        assert!(
            write_file(&fifo, "x", 0o600, None).is_err(),
            "no wait on a FIFO"
        );

        let linked_dir = dir.path().join("data");
        std::os::unix::fs::symlink(dir.path(), &linked_dir).unwrap();
        assert!(real_dir(&linked_dir).is_err());
        assert!(real_dir(dir.path()).is_ok());
    }

    #[test]
    fn passwords_are_random_hex() {
        let (a, b) = (random_password().unwrap(), random_password().unwrap());
        assert_eq!(a.len(), 64);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()), "{a}");
        assert_ne!(a, b);
    }

    #[test]
    fn the_postmaster_pid_is_the_first_line() {
        let file = "4711\n/work/.dbward/data\n1763800000\n5432\n/work/.dbward/run\n127.0.0.1\n  5432001  32770\nready   \n";
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
        let mut child = Command::new("true").spawn().unwrap();
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
