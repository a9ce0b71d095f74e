//! Where a cluster's data lives when the server's user cannot reach the project: as root in
//! `/root/project`, say, the data goes to a folder of its own in the system's state
//! directory, named by a hash of the project's path and recorded in `.dbward/`, so that
//! nothing of the user's needs loosening.

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::server_user::ServerUser;
use crate::error::{Error, Result};

/// The system's state directory for dbward's clusters (only root ever places one here).
pub(super) const STATE_DIR: &str = "/var/lib/dbward";

/// The file in `.dbward/` that names the folder of a cluster kept elsewhere.
pub(super) const RECORD: &str = "data-folder";

/// The folder recorded in `.dbward/`, when there is one and it lies in the state directory
/// (anything else is not dbward's to use).
pub(super) fn recorded(root: &Path) -> Option<PathBuf> {
    let text = fs::read_to_string(root.join(RECORD)).ok()?;
    let dir = PathBuf::from(text.trim());
    let named = dir.file_name().is_some() && dir.parent() == Some(Path::new(STATE_DIR));
    named.then_some(dir)
}

/// `NAME-HASH`: the project folder's name, for people, and 16 hex digits of the SHA-256 of
/// its absolute path, so that two projects never share a cluster.
pub(super) fn folder_name(project: &Path) -> String {
    let digest = Sha256::digest(project.as_os_str().as_encoded_bytes());
    let hash: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    let name: String = project
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .take(40)
        .collect();
    if name.is_empty() {
        hash
    } else {
        format!("{name}-{hash}")
    }
}

/// The project's folder in the state directory, made or checked: the state directory is
/// root's and no one else may write it; the folder is a real folder, the server user's,
/// mode 0700. An existing folder that is not exactly that is refused, never taken over.
pub(super) fn prepare(project: &Path, user: &ServerUser) -> Result<PathBuf> {
    let state = Path::new(STATE_DIR);
    if fs::symlink_metadata(state).is_err() {
        fs::create_dir_all(state).map_err(Error::io(state))?;
        // Whatever the umask: the server's user must pass through it.
        fs::set_permissions(state, fs::Permissions::from_mode(0o755)).map_err(Error::io(state))?;
    }
    let meta = fs::symlink_metadata(state).map_err(Error::io(state))?;
    if !meta.is_dir() || meta.uid() != 0 || meta.mode() & 0o022 != 0 {
        return Err(unsafe_folder(
            state,
            &meta,
            "a folder of root's that no one else may write",
        ));
    }
    let dir = state.join(folder_name(project));
    match fs::create_dir(&dir) {
        Ok(()) => {
            fs::set_permissions(&dir, fs::Permissions::from_mode(0o700))
                .map_err(Error::io(&dir))?;
            user.give(&dir)?;
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(Error::io(&dir)(e)),
    }
    check_owned(&dir, user)?;
    Ok(dir)
}

/// A cluster's folder in the state directory must be the server user's, mode 0700 or
/// stricter, and not a link: else someone else could read or swap the data.
pub(super) fn check_owned(dir: &Path, user: &ServerUser) -> Result<()> {
    let meta = fs::symlink_metadata(dir).map_err(Error::io(dir))?;
    let owner_ok = user.uid_gid().map_or(
        meta.uid() == nix::unistd::Uid::effective().as_raw(),
        |(uid, _)| meta.uid() == uid.as_raw(),
    );
    if !meta.is_dir() || !owner_ok || meta.mode() & 0o077 != 0 {
        return Err(unsafe_folder(
            dir,
            &meta,
            &format!("a folder of the `{}` user's, mode 0700", user.name()),
        ));
    }
    Ok(())
}

fn unsafe_folder(dir: &Path, meta: &fs::Metadata, wanted: &str) -> Error {
    let what = if meta.file_type().is_symlink() {
        "a symbolic link".to_string()
    } else if !meta.is_dir() {
        "not a folder".to_string()
    } else {
        format!(
            "owned by {} with mode {:04o}",
            owner_name(meta.uid()),
            meta.mode() & 0o7777
        )
    };
    Error::Local(format!(
        "{} is {what}; dbward keeps a local PostgreSQL's data only in {wanted}, and takes \
         over nothing else: remove it (or set it right) and run the command again",
        dir.display()
    ))
}

fn owner_name(uid: u32) -> String {
    nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid))
        .ok()
        .flatten()
        .map_or_else(|| format!("uid {uid}"), |user| format!("`{}`", user.name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_folder_is_named_by_the_project_and_its_paths_hash() {
        let a = folder_name(Path::new("/root/project"));
        let b = folder_name(Path::new("/home/root/project"));
        assert!(
            a.starts_with("project-") && b.starts_with("project-"),
            "{a} {b}"
        );
        assert_eq!(a.len(), "project-".len() + 16);
        assert_ne!(a, b, "two projects never share a folder");
        assert_eq!(a, folder_name(Path::new("/root/project")));
        let odd = folder_name(Path::new("/srv/my app/$(x)"));
        assert!(
            odd.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)),
            "{odd}"
        );
    }

    #[test]
    fn only_a_folder_of_the_state_directory_is_taken_from_the_record() {
        let root = tempfile::tempdir().unwrap();
        assert_eq!(recorded(root.path()), None);
        fs::write(root.path().join(RECORD), "/etc\n").unwrap();
        assert_eq!(recorded(root.path()), None);
        fs::write(root.path().join(RECORD), "/var/lib/dbward/..\n").unwrap();
        assert_eq!(recorded(root.path()), None);
        fs::write(root.path().join(RECORD), "/var/lib/dbward/x-1\n").unwrap();
        assert_eq!(
            recorded(root.path()),
            Some(PathBuf::from("/var/lib/dbward/x-1"))
        );
    }
}
