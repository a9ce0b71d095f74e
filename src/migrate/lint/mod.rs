//! squawk-linter's rules over the migrations' SQL text: each violation placed at
//! `file:line:column`, with its rule, its level and how to fix it. Pure: no database.

mod level;
mod same_migration;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use squawk_linter::{Linter, Rule};

use super::depth::with_tree;
use super::model::{Migration, TransactionMode, Version};
use super::statements::line_column;
pub use level::{Level, default_level};

/// `[check]` in dbward.toml: which squawk rules run, and from which migration on.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LintConfig {
    /// Rules to add to the defaults, by name (`require-timeout-settings`).
    #[serde(default)]
    pub include: Vec<String>,
    /// Rules to leave out, by name (`prefer-bigint-over-int`).
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Lint only migrations numbered above this one (those before ran in production long ago):
    /// a number, or a string for a dotted version (`"1.26"`).
    pub since: Option<SinceVersion>,
    /// `"warning"` fails `check` and `ci` on advice too; `"error"` (the default) on hazards only.
    pub fail_on: Option<Level>,
    /// Rules to treat as hazards (errors), by name.
    #[serde(default)]
    pub hazards: Vec<String>,
    /// Rules to treat as advice (warnings), by name.
    #[serde(default)]
    pub advice: Vec<String>,
}

/// `since` as dbward.toml writes it: `since = 12` or `since = "1.26"`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum SinceVersion {
    Number(u64),
    Text(String),
}

impl std::fmt::Display for SinceVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SinceVersion::Number(n) => write!(f, "{n}"),
            SinceVersion::Text(text) => f.write_str(text),
        }
    }
}

/// squawk's own defaults, less the two that every dbward migration would break: dbward runs
/// each file in a short transaction of its own, and timeouts belong to the runner.
const LEFT_OUT_BY_DEFAULT: [Rule; 2] = [Rule::RequireLockTimeout, Rule::RequireStatementTimeout];

/// One rule broken in one place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LintFinding {
    pub version: Version,
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
    pub rule: String,
    pub level: Level,
    pub message: String,
    pub fix: Option<String>,
}

impl std::fmt::Display for LintFinding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}: {}",
            self.path.display(),
            self.line,
            self.column,
            self.rule,
            self.message
        )?;
        if let Some(fix) = &self.fix {
            write!(f, " ({fix})")?;
        }
        Ok(())
    }
}

fn rules(names: &[String]) -> Result<Vec<Rule>, String> {
    names
        .iter()
        .map(|name| {
            Rule::try_from(name.as_str()).map_err(|_| {
                format!("[check] names `{name}`, which is not a squawk rule (see https://squawkhq.com/docs/rules)")
            })
        })
        .collect()
}

/// Each rule's level once `[check] hazards` and `advice` moved some.
struct Levels {
    hazards: Vec<Rule>,
    advice: Vec<Rule>,
}

impl Levels {
    fn from_config(config: &LintConfig) -> Result<Self, String> {
        let hazards = rules(&config.hazards)?;
        let advice = rules(&config.advice)?;
        if let Some(both) = hazards.iter().find(|rule| advice.contains(rule)) {
            return Err(format!(
                "[check] names `{both}` both in `hazards` and in `advice`: keep one"
            ));
        }
        Ok(Self { hazards, advice })
    }

    fn of(&self, rule: Rule) -> Level {
        if self.hazards.contains(&rule) {
            Level::Hazard
        } else if self.advice.contains(&rule) {
            Level::Advice
        } else {
            default_level(rule)
        }
    }
}

/// Lints the migrations numbered above `since` (those already applied elsewhere stay out).
pub fn lint(
    migrations: &[Migration],
    config: &LintConfig,
    since: Option<Version>,
) -> Result<Vec<LintFinding>, String> {
    let include = rules(&config.include)?;
    let levels = Levels::from_config(config)?;
    let mut exclude = rules(&config.exclude)?;
    exclude.extend(LEFT_OUT_BY_DEFAULT.iter().filter(|r| !include.contains(r)));
    let mut findings = Vec::new();
    for migration in migrations
        .iter()
        .filter(|m| since.is_none_or(|s| m.version > s))
    {
        let script = &migration.up;
        let depth = script.scan().depth;
        // Loading the files refused those too deep to parse: they have nothing to lint.
        let Ok(violations) = with_tree(&script.sql, depth, |parse| {
            let mut linter = Linter::with_rules(&include, &exclude);
            // dbward wraps every file but no-transaction ones in a transaction of its own.
            linter.settings.assume_in_transaction = script.mode == TransactionMode::Transaction;
            let violations = linter.lint(parse, &script.sql);
            same_migration::drop_safe(parse, violations)
        }) else {
            continue;
        };
        for violation in violations {
            let (line, column) =
                line_column(&script.sql, usize::from(violation.text_range.start()));
            findings.push(LintFinding {
                version: migration.version,
                path: script.path.clone(),
                line,
                column,
                rule: violation.code.to_string(),
                level: levels.of(violation.code),
                message: violation.message,
                fix: violation.help,
            });
        }
    }
    Ok(findings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrate::model::{Checksum, Script};

    fn migration(version: u64, sql: &str) -> Migration {
        Migration {
            version: Version::new(version),
            name: format!("m{version}"),
            up: Script::new(
                PathBuf::from(format!("migrations/{version:03}_m{version}.sql")),
                sql.to_string(),
                Checksum::of(sql),
                crate::migrate::directives::read(sql).unwrap().mode,
            ),
            rollback_path: None,
            down: None,
        }
    }

    #[test]
    fn violations_are_placed_in_their_file() {
        let m = migration(
            2,
            "-- add an index\nselect 1;\ncreate index users_email on users (email);\n",
        );
        let findings = lint(&[m], &LintConfig::default(), None).unwrap();
        let index = findings
            .iter()
            .find(|f| f.rule == "require-concurrent-index-creation")
            .unwrap_or_else(|| panic!("{findings:?}"));
        assert_eq!((index.line, index.column), (3, 1));
        assert!(
            index
                .to_string()
                .starts_with("migrations/002_m2.sql:3:1: require-concurrent-index-creation")
        );
    }

    #[test]
    fn ignore_comments_and_exclusions_are_honoured() {
        let sql = "-- squawk-ignore require-concurrent-index-creation\ncreate index users_email on users (email);\n";
        let findings = lint(&[migration(1, sql)], &LintConfig::default(), None).unwrap();
        assert!(
            !findings
                .iter()
                .any(|f| f.rule == "require-concurrent-index-creation"),
            "{findings:?}"
        );

        let config = LintConfig {
            exclude: vec!["require-concurrent-index-creation".into()],
            ..LintConfig::default()
        };
        let findings = lint(&[migration(1, "create index i on t (a);")], &config, None).unwrap();
        assert!(
            !findings
                .iter()
                .any(|f| f.rule == "require-concurrent-index-creation")
        );
    }

    #[test]
    fn since_leaves_applied_migrations_out() {
        let ms = vec![
            migration(1, "create index i on t (a);"),
            migration(2, "select 1;"),
        ];
        assert!(
            lint(&ms, &LintConfig::default(), Some(Version::new(1)))
                .unwrap()
                .is_empty()
        );
    }

    fn rules_found(sql: &str) -> Vec<(String, Level)> {
        lint(&[migration(2, sql)], &LintConfig::default(), None)
            .unwrap()
            .into_iter()
            .map(|f| (f.rule, f.level))
            .collect()
    }

    fn hazards(sql: &str) -> Vec<String> {
        rules_found(sql)
            .into_iter()
            .filter(|(_, level)| *level == Level::Hazard)
            .map(|(rule, _)| rule)
            .collect()
    }

    #[test]
    fn findings_carry_their_level() {
        let found = rules_found("create table t (id int primary key);\ncreate index i on u (a);");
        assert!(
            found.contains(&("prefer-bigint-over-int".into(), Level::Advice)),
            "{found:?}"
        );
        assert!(
            found.contains(&("require-concurrent-index-creation".into(), Level::Hazard)),
            "{found:?}"
        );
    }

    #[test]
    fn config_moves_rules_between_levels() {
        let config = LintConfig {
            hazards: vec!["prefer-robust-stmts".into()],
            advice: vec!["require-concurrent-index-creation".into()],
            ..LintConfig::default()
        };
        let found: Vec<(String, Level)> = lint(
            &[
                migration(2, "create index i on u (a);"),
                migration(
                    3,
                    "-- dbward:no-transaction\ncreate index concurrently j on u (a);",
                ),
            ],
            &config,
            None,
        )
        .unwrap()
        .into_iter()
        .map(|f| (f.rule, f.level))
        .collect();
        assert!(found.contains(&("require-concurrent-index-creation".into(), Level::Advice)));
        assert!(found.contains(&("prefer-robust-stmts".into(), Level::Hazard)));

        for (hazards, advice, named) in [
            (vec!["no-such-rule".to_string()], vec![], "no-such-rule"),
            (vec![], vec!["renaming-colum".to_string()], "renaming-colum"),
            (
                vec!["renaming-column".to_string()],
                vec!["renaming-column".to_string()],
                "renaming-column",
            ),
        ] {
            let config = LintConfig {
                hazards,
                advice,
                ..LintConfig::default()
            };
            let err = lint(&[], &config, None).unwrap_err();
            assert!(err.contains(named), "{err}");
        }
    }

    /// Each case squawk flags on an existing table, and not once the file made the table.
    #[test]
    fn nothing_is_a_hazard_on_a_table_the_file_created() {
        let cases = [
            (
                "create index i on t (a);",
                "require-concurrent-index-creation",
            ),
            (
                "alter table t add column x int default random();",
                "adding-field-with-default",
            ),
            (
                "alter table t add primary key (id);",
                "adding-serial-primary-key-field",
            ),
            (
                "alter table t add constraint t_u foreign key (a) references u (id);",
                "adding-foreign-key-constraint",
            ),
            (
                "alter table t add constraint t_a check (a > 0);",
                "constraint-missing-not-valid",
            ),
            (
                "alter table t add constraint t_a unique (a);",
                "disallowed-unique-constraint",
            ),
            (
                "alter table t alter column a type bigint;",
                "changing-column-type",
            ),
            ("alter table t rename column a to b;", "renaming-column"),
            ("alter table t drop column a;", "ban-drop-column"),
            (
                "alter table t alter column a set not null;",
                "adding-not-nullable-field",
            ),
        ];
        for (statement, rule) in cases {
            assert!(
                hazards(statement).contains(&rule.to_string()),
                "{statement}"
            );
            for create in [
                "create table t (id bigint, a int);",
                "create table \"T\" (id bigint, a int);",
            ] {
                let statement = if create.contains("\"T\"") {
                    statement.replacen(" t ", " \"T\" ", 1)
                } else {
                    statement.to_string()
                };
                let sql = format!("{create}\n{statement}");
                assert_eq!(hazards(&sql), Vec::<String>::new(), "{sql}");
            }
        }
        // A table dropped in the file that made it breaks nothing.
        assert!(hazards("drop table t;").contains(&"ban-drop-table".to_string()));
        assert_eq!(
            hazards("create table t (a bigint);\ndrop table t;"),
            Vec::<String>::new()
        );
        assert!(
            hazards("create table t (a bigint);\ndrop table t, u;")
                .contains(&"ban-drop-table".to_string())
        );
        // `IF NOT EXISTS` may have kept an older table: dbward's layer does not count it.
        assert!(
            hazards("create table if not exists t (a bigint);\nalter table t add primary key (a);")
                .contains(&"adding-serial-primary-key-field".to_string())
        );
        // Another table does not count.
        assert!(!hazards("create table u (a int);\ncreate index i on t (a);").is_empty());
        // Nor does an unquoted name for a quoted one of another case.
        assert!(!hazards("create table \"T\" (a int);\ncreate index i on t (a);").is_empty());
    }

    #[test]
    fn no_transaction_files_count_new_tables_too() {
        let sql = "-- dbward:no-transaction\ncreate table t (a bigint);\ncreate index i on t (a);\ndrop index i;";
        assert_eq!(hazards(sql), Vec::<String>::new());
        assert!(
            hazards("-- dbward:no-transaction\ndrop index i;")
                .contains(&"require-concurrent-index-deletion".to_string())
        );
    }

    #[test]
    fn a_signed_constant_default_is_as_safe_as_an_unsigned_one() {
        for default in ["1", "-1", "- 1", "+2", "-1.5", "'x'"] {
            let sql = format!("alter table t add column x int default {default};");
            assert_eq!(hazards(&sql), Vec::<String>::new(), "{sql}");
        }
        for volatile in ["random()", "-random()", "-(random())", "gen_random_uuid()"] {
            let sql = format!("alter table t add column x int default {volatile};");
            assert!(
                hazards(&sql).contains(&"adding-field-with-default".to_string()),
                "{sql}"
            );
        }
    }

    #[test]
    fn unknown_rule_names_are_refused() {
        let config = LintConfig {
            exclude: vec!["no-such-rule".into()],
            ..LintConfig::default()
        };
        assert!(
            lint(&[], &config, None)
                .unwrap_err()
                .contains("no-such-rule")
        );
    }
}
