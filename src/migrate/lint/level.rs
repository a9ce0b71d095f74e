//! How much each squawk rule matters: a hazard (an error) harms production when the
//! migration runs, advice (a warning) is about style or the next migration. Pure.

use serde::{Deserialize, Serialize};
use squawk_linter::Rule;

/// A finding's level. `check` and `ci` fail on hazards; on advice too with `--fail-on warning`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, clap::ValueEnum,
)]
pub enum Level {
    /// Style and habits: a warning.
    #[serde(rename = "warning")]
    #[value(name = "warning")]
    Advice,
    /// A lock that blocks reads or writes of an existing table for longer than a catalog
    /// change, a table rewrite, or a change that breaks running code: an error.
    #[serde(rename = "error")]
    #[value(name = "error")]
    Hazard,
}

impl Level {
    /// The prefix of a finding's line, as compilers write it.
    pub fn label(self) -> &'static str {
        match self {
            Level::Hazard => "error",
            Level::Advice => "warning",
        }
    }
}

/// The level of each rule, before `[check] hazards` / `advice` move it. The match is
/// exhaustive, so a squawk upgrade that adds a rule does not compile until it has a level.
pub fn default_level(rule: Rule) -> Level {
    use Rule::*;
    match rule {
        // Locks that block writes or reads of an existing table, and rewrites.
        RequireConcurrentIndexCreation
        | RequireConcurrentIndexDeletion
        | RequireConcurrentPartitionDetach
        | RequireConcurrentReindex
        | ConstraintMissingNotValid
        | AddingFieldWithDefault
        | AddingForeignKeyConstraint
        | AddingSerialPrimaryKeyField
        | AddingNotNullableField
        | ChangingColumnType
        | DisallowedUniqueConstraint
        | BanAlterDomainWithAddConstraint
        | BanAlterGeneratedExpression
        | PreferRepack
        // Changes that break the code running against the database.
        | AddingRequiredField
        | RenamingColumn
        | RenamingTable
        | RenamingObject
        | BanSetSchema
        | BanDropDatabase
        | BanDropColumn
        | BanDropTable
        | BanDropNotNull
        | BanDropView
        | BanDropFunction
        | BanDropType
        | BanDropDefault
        | BanDropTrigger
        | BanDropSchema
        | BanDropSequence
        | BanDropDomain
        | BanDropConstraint
        | BanDropGeneratedExpression
        | BanDropExtension
        | BanDropIndex
        | BanDropPolicy
        | BanTruncateCascade
        | BanAlterIdentity
        | BanSetDefault
        | BanDisableTrigger
        | BanReplicaIdentity
        | BanRevoke
        | BanReplaceViewFunction
        | BanAlterPolicyCondition
        | BanAlterPolicyRoles
        | BanCreatePolicy
        | BanAlterFunctionOptions
        | BanAlterViewOptions
        | BanAlterRoleOptions
        | BanAlterDatabaseOptions
        | BanAlterRowLevelSecurity
        | BanNewWriteRestriction
        | BanAddEnumValue
        | BanAddCompositeAttribute
        | BanAddColumn
        | BanDetachInheritance
        | BanAlterSequenceValues
        | BanAlterSystemOptions
        | BanAlterExtension
        // SQL that cannot do what it says: a transaction left open or nested in dbward's,
        // a column assigned twice.
        | TransactionNesting
        | BanUncommittedTransaction
        | BanDuplicateColumnAssignments => Level::Hazard,
        // Style, and rules about the next migration rather than this one. A CONCURRENTLY
        // inside a transaction is refused when the files are read, before any lint.
        PreferBigintOverInt
        | PreferBigintOverSmallint
        | PreferIdentity
        | PreferRobustStmts
        | PreferTextField
        | PreferTimestampTz
        | BanCharField
        | BanCreateDomainWithConstraint
        | BanConcurrentIndexCreationInTransaction
        | IdentifierTooLong
        | RequireEnumValueOrdering
        | RequireTableSchema
        | RequireTimeoutSettings
        | RequireLockTimeout
        | RequireStatementTimeout
        | UnusedIgnore => Level::Advice,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_squawk_rule_has_a_level() {
        let rules: Vec<Rule> = enum_iterator::all::<Rule>().collect();
        assert!(rules.len() > 40, "{}", rules.len());
        for rule in rules {
            let _ = default_level(rule);
            // The name round-trips, so `[check]` can name it to move it (squawk's own
            // unused-ignore report has no name to configure).
            if rule != Rule::UnusedIgnore {
                assert_eq!(Rule::try_from(rule.to_string().as_str()), Ok(rule));
            }
        }
    }

    #[test]
    fn style_is_advice_and_locks_are_hazards() {
        for advice in [
            "prefer-bigint-over-int",
            "prefer-identity",
            "prefer-robust-stmts",
            "identifier-too-long",
        ] {
            assert_eq!(
                default_level(Rule::try_from(advice).unwrap()),
                Level::Advice,
                "{advice}"
            );
        }
        for hazard in [
            "require-concurrent-index-creation",
            "adding-field-with-default",
            "changing-column-type",
            "constraint-missing-not-valid",
            "renaming-column",
            "ban-drop-column",
        ] {
            assert_eq!(
                default_level(Rule::try_from(hazard).unwrap()),
                Level::Hazard,
                "{hazard}"
            );
        }
        assert!(Level::Hazard > Level::Advice);
    }
}
