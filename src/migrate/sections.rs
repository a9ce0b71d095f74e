//! What another tool's markers in a script mean: the up and down sections of a goose or
//! dbmate file, each tool's way of asking for no transaction, and the down markers that
//! must never run as part of an up. Pure: works on a file's text.

use super::layout::Layout;
use super::model::TransactionMode;

/// One section of a file, ready to become a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// The section's lines, after as many empty lines as came before it in the file: line
    /// numbers in errors still point into the file.
    pub sql: String,
    /// The section's own text: what its checksum is taken over, so that editing the other
    /// section does not look like an edit of this one.
    pub own_text: String,
    /// What the tool's own markers ask for; `None` when they say nothing.
    pub mode: Option<TransactionMode>,
}

/// A goose or dbmate file read into its sections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sections {
    pub up: Section,
    /// Absent when the file has no down section, or one with no SQL in it: the tools run an
    /// empty down as nothing, which would leave the migration's objects behind.
    pub down: Option<Section>,
}

/// A marker dbward cannot follow, and the line it is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkerProblem {
    pub line: usize,
    pub message: String,
}

/// Down markers of the tools that keep both directions in one file, lower-cased.
const DOWN_MARKERS: [(&str, &str); 3] = [
    ("-- +goose down", "goose"),
    ("-- migrate:down", "dbmate"),
    ("-- +migrate down", "sql-migrate"),
];

/// In a layout that does not split files, the first line that marks a down section: run
/// whole, the file would undo itself as part of its up.
pub fn foreign_down_marker(layout: Layout, text: &str) -> Option<MarkerProblem> {
    for (index, line) in text.lines().enumerate() {
        // Most lines are SQL, and most comments prose: only a comment whose first word
        // starts like a marker is lower-cased and compared (this runs on every file `status`
        // reads).
        let Some(comment) = line.trim_start().strip_prefix("--") else {
            continue;
        };
        if !comment
            .trim_start()
            .starts_with(|c: char| c == '+' || c.eq_ignore_ascii_case(&'m'))
        {
            continue;
        }
        let lower = line.trim().to_ascii_lowercase();
        let lower = squeeze_comment(&lower);
        for (marker, tool) in DOWN_MARKERS {
            let own = matches!(
                (layout, tool),
                (Layout::Goose, "goose") | (Layout::Dbmate, "dbmate")
            );
            if !own && starts_word(&lower, marker) {
                return Some(MarkerProblem {
                    line: index + 1,
                    message: format!(
                        "holds `{}`, {tool}'s down marker, but the {} layout runs the whole file as the migration, so its down section would run as part of the up; move the down section into the migration's rollback ({})",
                        line.trim(),
                        layout.name(),
                        match layout {
                            Layout::Dbward => "rollbacks/ with the same file name",
                            Layout::Sqlx | Layout::GolangMigrate => "a .down.sql file",
                            Layout::Flyway => "a U<version>__ file",
                            Layout::Supabase => "Supabase migrations have none: drop it",
                            Layout::Goose | Layout::Dbmate => "its own section",
                        }
                    ),
                });
            }
        }
    }
    None
}

/// `--  +goose   Down` as `-- +goose down`: tools trim the spaces around their markers.
fn squeeze_comment(lower: &str) -> String {
    match lower.strip_prefix("--") {
        Some(rest) => format!(
            "-- {}",
            rest.split_whitespace().collect::<Vec<_>>().join(" ")
        ),
        None => lower.to_string(),
    }
}

/// Whether `line` starts with `marker` followed by nothing or a space.
fn starts_word(line: &str, marker: &str) -> bool {
    line.strip_prefix(marker)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(' '))
}

/// The first Flyway placeholder (`${name}`) in a Flyway file: Flyway replaces them, or
/// fails on one it has no value for; run as written, the SQL would differ.
pub fn flyway_placeholder(text: &str) -> Option<MarkerProblem> {
    let mut rest = text;
    let mut offset = 0;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let end = after.find('}')?;
        let name = &after[..end];
        let plausible = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':' | '-'));
        if plausible {
            let line = text[..offset + start].matches('\n').count() + 1;
            return Some(MarkerProblem {
                line,
                message: format!(
                    "holds the Flyway placeholder `${{{name}}}`, which Flyway replaces before it runs the file and dbward does not; write the value into the SQL"
                ),
            });
        }
        offset += start + 2;
        rest = after;
    }
    None
}

/// sqlx's directive: `-- no-transaction` as the file's first line.
pub fn sqlx_mode(text: &str) -> Option<TransactionMode> {
    text.lines()
        .next()
        .filter(|first| first.trim() == "-- no-transaction")
        .map(|_| TransactionMode::NoTransaction)
}

/// Which section a marker line opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    Up,
    Down,
}

/// Splits a goose or dbmate file into its sections, by the tool's markers.
pub fn split(layout: Layout, text: &str) -> Result<Sections, MarkerProblem> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut up: Option<(usize, Option<TransactionMode>)> = None;
    let mut down: Option<(usize, Option<TransactionMode>)> = None;
    let mut no_transaction = false;
    let mut first_statement: Option<usize> = None;
    for (index, raw) in lines.iter().enumerate() {
        let line = raw.trim();
        let marker = match layout {
            Layout::Goose => goose_marker(line, index)?,
            _ => dbmate_marker(line, index)?,
        };
        match marker {
            Some(Marker::Open(direction, mode)) => {
                if direction == Direction::Down && up.is_none() {
                    return Err(MarkerProblem {
                        line: index + 1,
                        message: format!(
                            "`{line}` comes before the up section; write the up section first"
                        ),
                    });
                }
                let slot = match direction {
                    Direction::Up => &mut up,
                    Direction::Down => &mut down,
                };
                if slot.is_some() {
                    return Err(MarkerProblem {
                        line: index + 1,
                        message: format!("a second `{line}`: a file holds one section of each"),
                    });
                }
                *slot = Some((index, mode));
            }
            Some(Marker::NoTransaction) => no_transaction = true,
            Some(Marker::Other) => {}
            None => {
                if up.is_none() && first_statement.is_none() && is_statement_line(line) {
                    first_statement = Some(index);
                }
            }
        }
    }
    let up_marker = match layout {
        Layout::Goose => "-- +goose Up",
        _ => "-- migrate:up",
    };
    let Some((up_line, up_mode)) = up else {
        return Err(MarkerProblem {
            line: 1,
            message: format!(
                "has no `{up_marker}` line, so nothing in it is marked to run; {} starts a migration's SQL with it",
                layout.name()
            ),
        });
    };
    if let Some(index) = first_statement {
        return Err(MarkerProblem {
            line: index + 1,
            message: format!("SQL before `{up_marker}` belongs to no section; move it below"),
        });
    }
    let forced = no_transaction.then_some(TransactionMode::NoTransaction);
    let up_end = down.map_or(lines.len(), |(line, _)| line);
    let section = |from: usize, to: usize, mode: Option<TransactionMode>| {
        let own_text: String = lines[from + 1..to].concat();
        Section {
            sql: "\n".repeat(from + 1) + &own_text,
            own_text,
            mode: forced.or(mode),
        }
    };
    let down = down
        .map(|(line, mode)| section(line, lines.len(), mode))
        .filter(|s| s.own_text.lines().any(|l| is_statement_line(l.trim())));
    Ok(Sections {
        up: section(up_line, up_end, up_mode),
        down,
    })
}

/// A line that holds SQL rather than white space or a line comment (block comments count
/// as SQL here: rare in these files, and safer to run than to drop).
fn is_statement_line(line: &str) -> bool {
    !line.is_empty() && !line.starts_with("--")
}

enum Marker {
    Open(Direction, Option<TransactionMode>),
    NoTransaction,
    /// A marker with no effect on dbward (goose's StatementBegin / StatementEnd: dbward
    /// splits statements by the SQL grammar, so a function body is one statement anyway).
    Other,
}

/// `-- +goose Up`, `Down`, `NO TRANSACTION`, `StatementBegin`, `StatementEnd`.
fn goose_marker(line: &str, index: usize) -> Result<Option<Marker>, MarkerProblem> {
    let Some(rest) = line.strip_prefix("--") else {
        return Ok(None);
    };
    let Some(command) = rest.trim_start().strip_prefix("+goose") else {
        return Ok(None);
    };
    let command = command.split_whitespace().collect::<Vec<_>>().join(" ");
    let marker = match command.to_ascii_lowercase().as_str() {
        "up" => Marker::Open(Direction::Up, None),
        "down" => Marker::Open(Direction::Down, None),
        "no transaction" => Marker::NoTransaction,
        "statementbegin" | "statementend" => Marker::Other,
        "envsub on" | "envsub off" => {
            return Err(MarkerProblem {
                line: index + 1,
                message: "`-- +goose ENVSUB` substitutes environment variables into the SQL, which dbward does not do: the file would run with the variables unreplaced; write the values into the SQL".into(),
            });
        }
        _ => {
            return Err(MarkerProblem {
                line: index + 1,
                message: format!(
                    "`{line}` is not a goose annotation dbward knows (Up, Down, NO TRANSACTION, StatementBegin, StatementEnd)"
                ),
            });
        }
    };
    Ok(Some(marker))
}

/// `-- migrate:up` / `-- migrate:down`, each with options such as `transaction:false`.
fn dbmate_marker(line: &str, index: usize) -> Result<Option<Marker>, MarkerProblem> {
    let Some(rest) = line.strip_prefix("--") else {
        return Ok(None);
    };
    let mut words = rest.split_whitespace();
    let direction = match words.next() {
        Some("migrate:up") => Direction::Up,
        Some("migrate:down") => Direction::Down,
        _ => return Ok(None),
    };
    let mut mode = None;
    for option in words {
        mode = match option {
            "transaction:false" => Some(TransactionMode::NoTransaction),
            "transaction:true" => Some(TransactionMode::Transaction),
            _ => {
                return Err(MarkerProblem {
                    line: index + 1,
                    message: format!(
                        "`{option}` is not a dbmate option dbward knows (transaction:false, transaction:true)"
                    ),
                });
            }
        };
    }
    Ok(Some(Marker::Open(direction, mode)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn goose_sections_keep_their_lines() {
        let text = "-- a comment\n-- +goose Up\ncreate table t (id int);\n\n-- +goose Down\ndrop table t;\n";
        let sections = split(Layout::Goose, text).unwrap();
        assert_eq!(sections.up.sql, "\n\ncreate table t (id int);\n\n");
        assert_eq!(sections.up.own_text, "create table t (id int);\n\n");
        assert_eq!(sections.up.mode, None);
        let down = sections.down.unwrap();
        assert_eq!(down.sql, "\n\n\n\n\ndrop table t;\n");
        assert_eq!(down.own_text, "drop table t;\n");
    }

    #[test]
    fn goose_annotations_are_read_in_any_case_and_spacing() {
        let text = "-- +goose NO TRANSACTION\n--  +goose  up\n-- +goose StatementBegin\ncreate function f() returns int language sql as $$ select 1; $$;\n-- +goose StatementEnd\ncreate index concurrently i on t (a);\n-- +goose DOWN\ndrop index i;\n";
        let sections = split(Layout::Goose, text).unwrap();
        assert_eq!(sections.up.mode, Some(TransactionMode::NoTransaction));
        assert_eq!(
            sections.down.unwrap().mode,
            Some(TransactionMode::NoTransaction)
        );
    }

    #[test]
    fn an_empty_down_section_is_no_rollback() {
        for text in [
            "-- +goose Up\ncreate table t (id int);\n-- +goose Down\n",
            "-- +goose Up\ncreate table t (id int);\n-- +goose Down\n-- nothing to undo\n\n",
            "-- +goose Up\ncreate table t (id int);\n",
        ] {
            assert_eq!(split(Layout::Goose, text).unwrap().down, None, "{text}");
        }
    }

    #[test]
    fn dbmate_sections_and_transaction_options() {
        let text = "-- migrate:up transaction:false\ncreate index concurrently i on t (a);\n-- migrate:down\ndrop index i;\n";
        let sections = split(Layout::Dbmate, text).unwrap();
        assert_eq!(sections.up.mode, Some(TransactionMode::NoTransaction));
        let down = sections.down.unwrap();
        assert_eq!(down.mode, None);
        assert_eq!(down.sql, "\n\n\ndrop index i;\n");
    }

    #[test]
    fn marker_problems_name_the_line() {
        for (layout, text, line, words) in [
            (
                Layout::Goose,
                "create table t ();\n",
                1,
                "has no `-- +goose Up`",
            ),
            (Layout::Dbmate, "select 1;\n", 1, "has no `-- migrate:up`"),
            (
                Layout::Goose,
                "select 1;\n-- +goose Up\nselect 2;\n",
                1,
                "SQL before",
            ),
            (
                Layout::Goose,
                "-- +goose Down\nselect 1;\n-- +goose Up\n",
                1,
                "before the up section",
            ),
            (
                Layout::Goose,
                "-- +goose Up\nselect 1;\n-- +goose Up\n",
                3,
                "a second",
            ),
            (
                Layout::Goose,
                "-- +goose Up\n-- +goose ENVSUB ON\nselect '${X}';\n",
                2,
                "ENVSUB",
            ),
            (
                Layout::Goose,
                "-- +goose Up\n-- +goose Sideways\n",
                2,
                "not a goose annotation",
            ),
            (
                Layout::Dbmate,
                "-- migrate:up transaction:maybe\nselect 1;\n",
                1,
                "transaction:maybe",
            ),
        ] {
            let problem = split(layout, text).unwrap_err();
            assert_eq!(problem.line, line, "{text}");
            assert!(
                problem.message.contains(words),
                "{text}: {}",
                problem.message
            );
        }
    }

    #[test]
    fn down_markers_of_other_tools_are_found() {
        for (layout, text, line) in [
            (
                Layout::Dbward,
                "-- migrate:up\ncreate table t ();\n-- migrate:down\ndrop table t;\n",
                3,
            ),
            (
                Layout::Sqlx,
                "-- +goose Up\nselect 1;\n--   +goose   DOWN\nselect 2;\n",
                3,
            ),
            (Layout::Supabase, "select 1;\n-- +migrate Down\n", 2),
            (
                Layout::Goose,
                "-- +goose Up\nselect 1;\n-- migrate:down\n",
                3,
            ),
            (
                Layout::Dbmate,
                "-- migrate:up\nselect 1;\n-- +goose Down\n",
                3,
            ),
        ] {
            let problem = foreign_down_marker(layout, text).unwrap();
            assert_eq!(problem.line, line, "{text}");
            assert!(
                problem.message.contains("down marker"),
                "{}",
                problem.message
            );
        }
        for (layout, text) in [
            (Layout::Goose, "-- +goose Up\nselect 1;\n-- +goose Down\n"),
            (
                Layout::Dbmate,
                "-- migrate:up\nselect 1;\n-- migrate:down\n",
            ),
            (Layout::Dbward, "-- migrate:downstream tables\nselect 1;\n"),
            (Layout::Dbward, "select '-- migrate:down';\n"),
        ] {
            assert_eq!(foreign_down_marker(layout, text), None, "{text}");
        }
    }

    #[test]
    fn flyway_placeholders_are_found() {
        let found =
            flyway_placeholder("select 1;\ncreate table ${flyway:defaultSchema}.t ();\n").unwrap();
        assert_eq!(found.line, 2);
        assert!(
            found.message.contains("`${flyway:defaultSchema}`"),
            "{}",
            found.message
        );
        assert_eq!(flyway_placeholder("select '${ not one }', '$x{}';"), None);
        assert_eq!(flyway_placeholder("select 1;"), None);
    }

    #[test]
    fn sqlx_reads_no_transaction_on_the_first_line_only() {
        assert_eq!(
            sqlx_mode("-- no-transaction\ncreate index concurrently i on t (a);"),
            Some(TransactionMode::NoTransaction)
        );
        assert_eq!(sqlx_mode("\n-- no-transaction\n"), None);
        assert_eq!(sqlx_mode("select 1;"), None);
    }
}
