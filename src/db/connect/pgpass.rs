//! libpq's password file (`~/.pgpass`, or the file `PGPASSFILE` names): one line per server,
//! `hostname:port:database:username:password`, where any of the first four may be `*` and
//! `\:` and `\\` stand for `:` and `\`. The first line that matches gives the password.
//! Operators keep passwords there rather than in a crontab's `DATABASE_URL`.

use super::params::LIBPQ_SOCKET_DIRS;

/// What a connection is to, as the file's lines are matched against it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wanted<'a> {
    pub host: &'a str,
    pub port: u16,
    pub database: &'a str,
    pub user: &'a str,
}

/// The password of the first line of `file` that matches `wanted`.
pub fn lookup(file: &str, wanted: Wanted<'_>) -> Option<String> {
    let port = wanted.port.to_string();
    let hosts = host_names(wanted.host);
    file.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(fields)
        .find(|[host, line_port, database, user, _]| {
            let matches = |field: &str, value: &str| field == "*" || field == value;
            (host == "*" || hosts.contains(&host.as_str()))
                && matches(line_port, &port)
                && matches(database, wanted.database)
                && matches(user, wanted.user)
        })
        .map(|[.., password]| password)
}

/// The names a host goes by in the file. libpq writes a Unix socket in the default folder
/// as `localhost`.
fn host_names(host: &str) -> Vec<&str> {
    if LIBPQ_SOCKET_DIRS.contains(&host.trim_end_matches('/')) {
        vec![host, "localhost"]
    } else {
        vec![host]
    }
}

/// A line's five fields, unescaped; None for a line with fewer. Colons past the fourth
/// belong to the password, as libpq reads them.
fn fields(line: &str) -> Option<[String; 5]> {
    let mut fields: Vec<String> = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(next) = chars.next() {
                    fields.last_mut()?.push(next);
                }
            }
            ':' if fields.len() < 5 => fields.push(String::new()),
            c => fields.last_mut()?.push(c),
        }
    }
    fields.try_into().ok()
}

/// The password file's text; None when there is none. An error says why a file that is
/// there was not read.
pub(super) fn read_file(path: &std::path::Path) -> std::result::Result<Option<String>, String> {
    use std::os::unix::fs::PermissionsExt;
    let metadata = match std::fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("password file {} not read: {e}", path.display())),
    };
    if !metadata.is_file() {
        return Err(format!("password file {} is not a file", path.display()));
    }
    let mode = metadata.permissions().mode();
    if mode & 0o077 != 0 {
        return Err(format!(
            "password file {} not read: others may read it (mode {:o}); chmod 600 it, as libpq also requires",
            path.display(),
            mode & 0o777
        ));
    }
    std::fs::read_to_string(path)
        .map(Some)
        .map_err(|e| format!("password file {} not read: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wanted<'a>(host: &'a str, port: u16, database: &'a str, user: &'a str) -> Wanted<'a> {
        Wanted {
            host,
            port,
            database,
            user,
        }
    }

    #[test]
    fn the_first_matching_line_wins() {
        let file = "# ops\n\
                    db.internal:5432:app:ops:first\n\
                    db.internal:5432:*:ops:second\n\
                    *:*:*:*:last\n";
        assert_eq!(
            lookup(file, wanted("db.internal", 5432, "app", "ops")).as_deref(),
            Some("first")
        );
        assert_eq!(
            lookup(file, wanted("db.internal", 5432, "reports", "ops")).as_deref(),
            Some("second")
        );
        assert_eq!(
            lookup(file, wanted("other", 6543, "app", "ops")).as_deref(),
            Some("last")
        );
    }

    #[test]
    fn every_field_must_match_unless_it_is_a_star() {
        let file = "db:5432:app:ops:secret\n";
        assert_eq!(
            lookup(file, wanted("db", 5432, "app", "ops")).as_deref(),
            Some("secret")
        );
        assert_eq!(lookup(file, wanted("db2", 5432, "app", "ops")), None);
        assert_eq!(lookup(file, wanted("db", 5433, "app", "ops")), None);
        assert_eq!(lookup(file, wanted("db", 5432, "app2", "ops")), None);
        assert_eq!(lookup(file, wanted("db", 5432, "app", "ops2")), None);
    }

    #[test]
    fn escapes_and_colons_in_the_password() {
        let file = "db\\:1:5432:app:ops:pa\\:ss\\\\word\n\
                    db:5432:app:ops:a:b:c\n";
        assert_eq!(
            lookup(file, wanted("db:1", 5432, "app", "ops")).as_deref(),
            Some("pa:ss\\word")
        );
        assert_eq!(
            lookup(file, wanted("db", 5432, "app", "ops")).as_deref(),
            Some("a:b:c")
        );
    }

    #[test]
    fn short_lines_and_comments_are_skipped() {
        let file = "db:5432:app\n#db:5432:app:ops:commented\n\ndb:5432:app:ops:kept\n";
        assert_eq!(
            lookup(file, wanted("db", 5432, "app", "ops")).as_deref(),
            Some("kept")
        );
    }

    #[test]
    fn a_socket_in_the_default_folder_is_localhost() {
        let file = "localhost:5432:app:ops:local\n/srv/pg:5432:app:ops:srv\n";
        assert_eq!(
            lookup(file, wanted("/var/run/postgresql", 5432, "app", "ops")).as_deref(),
            Some("local")
        );
        assert_eq!(
            lookup(file, wanted("/srv/pg", 5432, "app", "ops")).as_deref(),
            Some("srv")
        );
    }
}
