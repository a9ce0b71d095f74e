//! What a check reports.

use std::fmt;

use serde::Serialize;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// One problem: which check, how bad, on what, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub check: &'static str,
    pub severity: Severity,
    /// `schema.table`, `schema.table policy name`, `schema.function(args)`, ...
    pub object: String,
    pub message: String,
    pub fix: String,
    /// The reason given in dbward.toml when the finding is accepted on purpose.
    pub accepted: Option<String>,
}

impl Finding {
    pub fn new(
        check: &'static str,
        severity: Severity,
        object: impl Into<String>,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) -> Finding {
        Finding {
            check,
            severity,
            object: object.into(),
            message: message.into(),
            fix: fix.into(),
            accepted: None,
        }
    }
}
