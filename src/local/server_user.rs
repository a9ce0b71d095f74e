//! The account the local server runs as, and the folders and programs handed to it.

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use nix::unistd::{Gid, Uid, User};

use super::files::real_dir;
use crate::error::{Error, Result};

/// The account dbward makes to run the server as when it runs as root.
pub const SERVER_USER: &str = "dbward";

/// The account the server runs as: ourselves, or, when we are root (PostgreSQL refuses to
/// run as root), an unprivileged account of its own. Not `postgres`, which a system
/// cluster trusts by peer authentication, nor the shared `nobody`: whoever runs as the
/// server's account can enter its socket folder.
#[derive(Debug, Clone)]
pub(super) struct ServerUser {
    switch_to: Option<(Uid, Gid, String)>,
    /// True when this call made the account.
    pub(super) created: bool,
}

impl ServerUser {
    /// As root: the owner of an existing cluster, else the `dbward` account, made when
    /// missing.
    pub(super) fn detect(data: &Path) -> Result<ServerUser> {
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
    pub(super) fn dedicated() -> Result<ServerUser> {
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
    pub(super) fn take_over(dirs: &[PathBuf]) -> Result<ServerUser> {
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
    pub(super) fn give_all(&self, dir: &Path) -> Result<()> {
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

    /// The account's name, for messages.
    pub(super) fn name(&self) -> String {
        match &self.switch_to {
            Some((_, _, name)) => name.clone(),
            None => User::from_uid(Uid::effective())
                .ok()
                .flatten()
                .map_or_else(|| Uid::effective().to_string(), |user| user.name),
        }
    }

    pub(super) fn uid_gid(&self) -> Option<(Uid, Gid)> {
        self.switch_to.as_ref().map(|(uid, gid, _)| (*uid, *gid))
    }

    /// A server program with nothing of the caller's environment (it may hold
    /// `DATABASE_URL`, `PGPASSWORD` or a cloud key, and a server's environment is readable
    /// in /proc as long as it runs): a fixed PATH, the C locale, and TZ when set.
    pub(super) fn command(&self, program: PathBuf) -> Command {
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
    pub(super) fn give(&self, path: &Path) -> Result<()> {
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
    pub(super) fn check_reachable(&self, path: &Path) -> Result<()> {
        match self.blocking_folder(path) {
            None => Ok(()),
            Some(dir) => Err(Error::Local(format!(
                "dbward runs its local PostgreSQL as user `{}` (it refuses to run as root), \
                 and {} does not let that user through to {}. A cluster made before that \
                 folder was closed stays where it is: move the project where that user can \
                 reach it, or remove the cluster with `dbward local destroy` (its data is \
                 lost), and dbward makes the next one where that user can reach it, \
                 loosening nothing",
                self.name(),
                dir.display(),
                path.display()
            ))),
        }
    }

    /// The first folder above `path` that the server user (when it is not us) may not pass.
    pub(super) fn blocking_folder(&self, path: &Path) -> Option<PathBuf> {
        let (uid, gid, _) = self.switch_to.as_ref()?;
        path.ancestors().skip(1).find_map(|dir| {
            let meta = fs::metadata(dir).ok()?;
            let mode = meta.mode();
            let passes = mode & 0o001 != 0
                || (meta.uid() == uid.as_raw() && mode & 0o100 != 0)
                || (meta.gid() == gid.as_raw() && mode & 0o010 != 0);
            (!passes).then(|| dir.to_path_buf())
        })
    }
}

/// A folder of the server's made private: mode 0700, owned by the server user, and not a
/// link to some other folder.
pub(super) fn private_dir(dir: &Path, user: &ServerUser) -> Result<()> {
    match fs::create_dir(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(Error::io(dir)(e)),
    }
    real_dir(dir)?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(Error::io(dir))?;
    user.give(dir)
}

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
