//! A script PostgreSQL refused, placed in its file: what `up`, `down` and `seed` report when
//! a statement fails. Plain data; the database layer fills it from the server's error.

use std::fmt;
use std::path::PathBuf;

use serde::{Serialize, Serializer};

use crate::migrate::model::{Direction, Version};

/// What ran when PostgreSQL refused it: one way of a migration step, or a fixture of
/// `dbward seed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ran {
    Migration(Direction),
    Fixture,
}

/// As the one word `--format json` has always given under `direction`: `up`, `down` or
/// `seed`.
impl Serialize for Ran {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(match self {
            Ran::Migration(Direction::Up) => "up",
            Ran::Migration(Direction::Down) => "down",
            Ran::Fixture => "seed",
        })
    }
}

/// A script PostgreSQL refused, placed in its file.
#[derive(Debug, Clone, Serialize)]
pub struct MigrationFailure {
    pub version: Version,
    /// Named `direction` in JSON, as before fixtures had a name of their own here.
    #[serde(rename = "direction")]
    pub ran: Ran,
    pub path: PathBuf,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub sqlstate: Option<String>,
    pub message: String,
    pub detail: Option<String>,
    pub hint: Option<String>,
    /// PostgreSQL's context (the function or statement it was inside).
    pub context: Option<String>,
    /// The line of the file the position points into.
    pub source_line: Option<String>,
    /// What state the database was left in.
    pub outcome: String,
}

impl fmt::Display for MigrationFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        write!(f, ": ")?;
        if let Some(code) = &self.sqlstate {
            write!(f, "error {code}: ")?;
        }
        write!(f, "{}", self.message)?;
        if let (Some(line), Some(text)) = (self.line, &self.source_line) {
            let gutter = line.to_string();
            write!(f, "\n {gutter} | {text}")?;
            if let Some(column) = self.column {
                let pad: String = text
                    .chars()
                    .take(column.saturating_sub(1))
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                write!(f, "\n {} | {pad}^", " ".repeat(gutter.len()))?;
            }
        }
        if let Some(detail) = &self.detail {
            write!(f, "\n  detail: {detail}")?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        if let Some(context) = &self.context {
            write!(f, "\n  context: {context}")?;
        }
        write!(f, "\n{}", self.outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_points_at_the_column() {
        let failure = MigrationFailure {
            version: Version::new(3),
            ran: Ran::Migration(Direction::Up),
            path: PathBuf::from("migrations/003_x.sql"),
            line: Some(12),
            column: Some(8),
            sqlstate: Some("42P01".into()),
            message: "relation \"nope\" does not exist".into(),
            detail: None,
            hint: Some("check the name".into()),
            context: None,
            source_line: Some("insert nope values (1);".into()),
            outcome: "migration 3 was rolled back: nothing of it was applied".into(),
        };
        let text = failure.to_string();
        assert!(
            text.starts_with("migrations/003_x.sql:12:8: error 42P01: relation"),
            "{text}"
        );
        assert!(
            text.contains("\n 12 | insert nope values (1);\n    |        ^"),
            "{text}"
        );
        assert!(text.contains("hint: check the name"));
    }

    #[test]
    fn json_names_what_ran_as_its_direction() {
        let word = |ran: Ran| serde_json::to_value(ran).unwrap();
        assert_eq!(word(Ran::Migration(Direction::Up)), "up");
        assert_eq!(word(Ran::Migration(Direction::Down)), "down");
        assert_eq!(word(Ran::Fixture), "seed");
    }
}
