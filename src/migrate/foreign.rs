//! Another migration tool's history as dbward reads it: which tool, and what each of its
//! rows says. The readers in `db/foreign/` make these; `adopt.rs` matches them with the
//! project's files. Pure.

use std::fmt;

use serde::Serialize;

use super::foreign_checksum::RefineryVersion;

/// A tool whose history `dbward adopt` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Tool {
    Sqlx,
    Refinery,
    GolangMigrate,
    Dbmate,
    Flyway,
    Supabase,
    Goose,
}

impl Tool {
    pub const ALL: [Tool; 7] = [
        Tool::Sqlx,
        Tool::Refinery,
        Tool::GolangMigrate,
        Tool::Dbmate,
        Tool::Flyway,
        Tool::Supabase,
        Tool::Goose,
    ];

    /// As `--from` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Tool::Sqlx => "sqlx",
            Tool::Refinery => "refinery",
            Tool::GolangMigrate => "golang-migrate",
            Tool::Dbmate => "dbmate",
            Tool::Flyway => "flyway",
            Tool::Supabase => "supabase",
            Tool::Goose => "goose",
        }
    }

    /// The table the tool keeps its history in, as it names it (found through the
    /// `search_path`, as the tools themselves look for it, unless schema-qualified).
    pub fn table(self) -> &'static str {
        match self {
            Tool::Sqlx => "_sqlx_migrations",
            Tool::Refinery => "refinery_schema_history",
            Tool::GolangMigrate | Tool::Dbmate => "schema_migrations",
            Tool::Flyway => "flyway_schema_history",
            Tool::Supabase => "supabase_migrations.schema_migrations",
            Tool::Goose => "goose_db_version",
        }
    }

    /// What the tool keeps of a file to tell an edit by, for the report.
    pub fn checksum_kind(self) -> Option<&'static str> {
        match self {
            Tool::Sqlx => Some("SHA-384"),
            Tool::Refinery => Some("SipHash-1-3"),
            Tool::Flyway => Some("CRC-32"),
            Tool::GolangMigrate | Tool::Dbmate | Tool::Supabase | Tool::Goose => None,
        }
    }
}

impl fmt::Display for Tool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A checksum as a tool stored it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToolChecksum {
    /// sqlx: SHA-384 of the file.
    Sha384(Vec<u8>),
    /// refinery: its hash of name, version and text, stored as decimal text; the version
    /// as its column holds it (int4 or int8).
    Refinery {
        stored: String,
        version: RefineryVersion,
    },
    /// Flyway: CRC-32 of the lines.
    Crc32(i32),
}

/// What one row of another tool's history says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowState {
    /// Applied: its file must be there, and match the checksum when the tool keeps one.
    Applied(Option<ToolChecksum>),
    /// golang-migrate's one row: this version, and every file below it, is applied.
    Current,
    /// A Flyway baseline: every file at or below it is taken as there, none needed.
    Baseline,
    /// A run that failed (`success = false`).
    Failed,
    /// golang-migrate's `dirty`: a run stopped half-way.
    Dirty,
    /// A Flyway repeatable migration (no version): dbward has none.
    Repeatable,
}

/// One row of another tool's history, as its reader in `db/foreign/` made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignRow {
    /// As the tool stored it (`20240101120000`, `1.1`).
    pub version: String,
    /// The name or description, where the tool keeps one.
    pub name: Option<String>,
    pub state: RowState,
}

/// The tool whose history to adopt: the one asked for, or the only one there.
pub fn choose(asked: Option<Tool>, found: &[Tool]) -> Result<Tool, String> {
    let names = |tools: &[Tool]| {
        tools
            .iter()
            .map(|t| format!("{t} ({})", t.table()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match (asked, found) {
        (Some(tool), found) if found.contains(&tool) => Ok(tool),
        (Some(tool), []) => Err(format!(
            "{tool}'s history table {} is not in this database, nor any other tool's",
            tool.table()
        )),
        (Some(tool), found) => Err(format!(
            "{tool}'s history table {} is not in this database; it holds {}",
            tool.table(),
            names(found)
        )),
        (None, []) => Err(format!(
            "no other tool's history is in this database (looked for {}); `dbward baseline N` adopts a database without one",
            names(&Tool::ALL)
        )),
        (None, [tool]) => Ok(*tool),
        (None, found) => Err(format!(
            "this database holds the histories of {}: say which to adopt with --from {}",
            names(found),
            found
                .iter()
                .map(|t| t.name())
                .collect::<Vec<_>>()
                .join(" or --from ")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tool_is_the_one_asked_for_or_the_only_one_there() {
        use Tool::*;
        assert_eq!(choose(None, &[Dbmate]), Ok(Dbmate));
        assert_eq!(choose(Some(Flyway), &[Sqlx, Flyway]), Ok(Flyway));
        for (asked, found, says) in [
            (None, vec![], "no other tool's history"),
            (None, vec![Sqlx, Flyway], "--from sqlx or --from flyway"),
            (
                Some(Goose),
                vec![],
                "goose's history table goose_db_version is not",
            ),
            (Some(Goose), vec![Sqlx], "it holds sqlx (_sqlx_migrations)"),
        ] {
            let message = choose(asked, &found).unwrap_err();
            assert!(message.contains(says), "{message}");
        }
    }
}
