//! Writing the cluster's files: whole, never through a link, and the random password.

use std::fs;
use std::io::{Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use nix::unistd::{Gid, Uid};

use crate::error::{Error, Result};

/// Refuses a symbolic link where dbward keeps a folder of its own.
pub(super) fn real_dir(dir: &Path) -> Result<()> {
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
pub(super) fn write_file(
    path: &Path,
    content: &str,
    mode: u32,
    owner: Option<(Uid, Gid)>,
) -> Result<()> {
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
pub(super) fn random_password() -> Result<String> {
    let mut bytes = [0u8; 32];
    fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(|e| Error::Local(format!("cannot read /dev/urandom for a password: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::MetadataExt;

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
}
