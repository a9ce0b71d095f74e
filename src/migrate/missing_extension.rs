//! A script that needs an extension the server lacks: which extension, and where it comes
//! from (the Debian/Ubuntu package that brings it, PostgreSQL's contrib, or only Supabase's
//! servers). Plain text in, a hint out.

/// Where an extension comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    /// A Debian/Ubuntu package (PostgreSQL's apt repository); `{v}` is the server's major
    /// version.
    Package(&'static str),
    /// PostgreSQL's contrib modules.
    Contrib,
    /// Supabase's own servers only.
    Supabase,
}

const SOURCES: &[(&str, Source)] = &[
    ("vector", Source::Package("postgresql-{v}-pgvector")),
    ("postgis", Source::Package("postgresql-{v}-postgis-3")),
    (
        "postgis_raster",
        Source::Package("postgresql-{v}-postgis-3"),
    ),
    (
        "postgis_topology",
        Source::Package("postgresql-{v}-postgis-3"),
    ),
    (
        "postgis_sfcgal",
        Source::Package("postgresql-{v}-postgis-3"),
    ),
    (
        "postgis_tiger_geocoder",
        Source::Package("postgresql-{v}-postgis-3"),
    ),
    (
        "address_standardizer",
        Source::Package("postgresql-{v}-postgis-3"),
    ),
    ("pgrouting", Source::Package("postgresql-{v}-pgrouting")),
    ("pg_cron", Source::Package("postgresql-{v}-cron")),
    ("pgtap", Source::Package("postgresql-{v}-pgtap")),
    ("http", Source::Package("postgresql-{v}-http")),
    ("hypopg", Source::Package("postgresql-{v}-hypopg")),
    ("pg_repack", Source::Package("postgresql-{v}-repack")),
    (
        "plpgsql_check",
        Source::Package("postgresql-{v}-plpgsql-check"),
    ),
    ("pgaudit", Source::Package("postgresql-{v}-pgaudit")),
    ("pg_partman", Source::Package("postgresql-{v}-partman")),
    ("rum", Source::Package("postgresql-{v}-rum")),
    ("orafce", Source::Package("postgresql-{v}-orafce")),
    ("pgcrypto", Source::Contrib),
    ("uuid-ossp", Source::Contrib),
    ("pg_trgm", Source::Contrib),
    ("citext", Source::Contrib),
    ("hstore", Source::Contrib),
    ("ltree", Source::Contrib),
    ("unaccent", Source::Contrib),
    ("fuzzystrmatch", Source::Contrib),
    ("pg_stat_statements", Source::Contrib),
    ("btree_gin", Source::Contrib),
    ("btree_gist", Source::Contrib),
    ("cube", Source::Contrib),
    ("earthdistance", Source::Contrib),
    ("intarray", Source::Contrib),
    ("tablefunc", Source::Contrib),
    ("dblink", Source::Contrib),
    ("postgres_fdw", Source::Contrib),
    ("moddatetime", Source::Contrib),
    ("pgstattuple", Source::Contrib),
    ("pg_net", Source::Supabase),
    ("supabase_vault", Source::Supabase),
    ("vault", Source::Supabase),
    ("pg_graphql", Source::Supabase),
    ("pgsodium", Source::Supabase),
    ("pg_jsonschema", Source::Supabase),
    ("wrappers", Source::Supabase),
    ("index_advisor", Source::Supabase),
    ("supautils", Source::Supabase),
    ("plv8", Source::Supabase),
];

/// For an error that says an extension is not installed on the server (SQLSTATE 0A000
/// `extension "x" is not available` since PostgreSQL 15, 58P01 `could not open extension
/// control file ".../x.control"` before), what to do about it; `None` for any other error.
pub fn hint(sqlstate: &str, message: &str, detail: Option<&str>) -> Option<String> {
    if sqlstate != "0A000" && sqlstate != "58P01" {
        return None;
    }
    let control_file = [Some(message), detail]
        .into_iter()
        .flatten()
        .find_map(control_file_path);
    let name = match message
        .strip_prefix("extension \"")
        .and_then(|rest| rest.strip_suffix("\" is not available"))
    {
        Some(name) => name.to_string(),
        None => extension_of(control_file?)?,
    };
    let version = control_file.and_then(major_version);
    let package = |pattern: &str| match &version {
        Some(v) => pattern.replace("{v}", v),
        None => pattern.replace("{v}", "<major version>"),
    };
    let source = SOURCES.iter().find(|(n, _)| *n == name).map(|(_, s)| *s);
    Some(match source {
        Some(Source::Package(pattern)) => format!(
            "the server has no extension `{name}`: on Debian/Ubuntu, install the package `{}` (PostgreSQL's apt repository) on the database server",
            package(pattern)
        ),
        Some(Source::Contrib) => format!(
            "the server has no extension `{name}`, one of PostgreSQL's contrib modules: install them on the database server (Debian/Ubuntu: `{}`; other systems: postgresql-contrib)",
            package("postgresql-{v}")
        ),
        Some(Source::Supabase) => format!(
            "the extension `{name}` exists only on Supabase's servers (and its Docker image), not in PostgreSQL's packages: run this migration against Supabase, or create the extension only where it is available"
        ),
        None => format!(
            "the server has no extension `{name}`: install the package that brings it on the database server"
        ),
    })
}

/// `/usr/share/postgresql/15/extension/vector.control` out of an error's text.
fn control_file_path(text: &str) -> Option<&str> {
    let end = text.find(".control\"")? + ".control".len();
    let start = text[..end].rfind('"')? + 1;
    Some(&text[start..end])
}

fn extension_of(path: &str) -> Option<String> {
    let file = path.rsplit('/').next()?;
    Some(file.strip_suffix(".control")?.to_string())
}

/// The major version in Debian's layout, `/usr/share/postgresql/15/extension/...`.
fn major_version(path: &str) -> Option<String> {
    let parts: Vec<&str> = path.split('/').collect();
    let at = parts.iter().position(|p| *p == "extension")?;
    let version = parts.get(at.checked_sub(1)?)?;
    let numeric = !version.is_empty() && version.chars().all(|c| c.is_ascii_digit() || c == '.');
    numeric.then(|| version.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DETAIL_15: &str = "Could not open extension control file \"/usr/share/postgresql/15/extension/{}.control\": No such file or directory.";

    fn on_15(name: &str) -> Option<String> {
        hint(
            "0A000",
            &format!("extension \"{name}\" is not available"),
            Some(&DETAIL_15.replace("{}", name)),
        )
    }

    #[test]
    fn names_the_package_the_supabase_only_extension_or_contrib() {
        let cases = [
            ("vector", "install the package `postgresql-15-pgvector`"),
            ("postgis", "`postgresql-15-postgis-3`"),
            ("pg_cron", "`postgresql-15-cron`"),
            ("pg_net", "`pg_net` exists only on Supabase's servers"),
            ("supabase_vault", "`supabase_vault` exists only on Supabase"),
            ("pg_graphql", "exists only on Supabase"),
            ("pgsodium", "exists only on Supabase"),
            ("plv8", "exists only on Supabase"),
            ("pgcrypto", "contrib modules"),
            ("made_up", "no extension `made_up`: install the package"),
        ];
        for (name, expected) in cases {
            let text = on_15(name).unwrap();
            assert!(text.contains(expected), "{name}: {text}");
            assert!(text.contains(&format!("`{name}`")), "{name}: {text}");
        }
    }

    #[test]
    fn reads_the_older_control_file_error_and_works_without_a_version() {
        let old = hint(
            "58P01",
            "could not open extension control file \"/usr/share/postgresql/14/extension/vector.control\": No such file or directory",
            None,
        )
        .unwrap();
        assert!(old.contains("`postgresql-14-pgvector`"), "{old}");
        let elsewhere = hint(
            "0A000",
            "extension \"vector\" is not available",
            Some("Could not open extension control file \"/opt/pg/share/extension/vector.control\": No such file or directory."),
        )
        .unwrap();
        assert!(
            elsewhere.contains("`postgresql-<major version>-pgvector`"),
            "{elsewhere}"
        );
    }

    #[test]
    fn other_errors_get_no_hint() {
        assert_eq!(hint("42P01", "relation \"x\" does not exist", None), None);
        assert_eq!(hint("0A000", "cannot alter type of a column", None), None);
        assert_eq!(
            hint("58P01", "could not open file \"base/1/2\"", None),
            None
        );
    }
}
