//! `Diagnostic`: one problem found in a manifest or numbers file, with its exact place.

use std::path::PathBuf;

use serde::Serialize;

/// How bad a diagnostic is; only errors exist today, the field keeps the JSON stable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The manifest cannot be used until this is fixed.
    Error,
}

/// A problem at `file:line:column`, with the text a compiler-style renderer needs.
///
/// It carries its own source line so it renders without reading files again and stays
/// meaningful after the files change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// The stable id of the rule that found it (`unknown_field`, `invalid_number`, …), so
    /// CI tools can group and silence problems by kind.
    pub rule: &'static str,
    /// The file the problem is in (a manifest or a numbers file), as the user named it.
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// How many characters to underline from `column` (at least 1 when shown).
    #[serde(skip)]
    pub length: usize,
    /// Always `error` for now.
    pub severity: Severity,
    /// What was found and what was expected.
    pub message: String,
    /// The exact edit or flag that fixes it, when one is known.
    pub help: Option<String>,
    /// The text of `line`, when the file could be read as text.
    #[serde(skip)]
    pub source_line: Option<String>,
}

impl Diagnostic {
    /// An error at a place, without help yet.
    pub fn error(file: impl Into<PathBuf>, line: usize, column: usize, message: String) -> Self {
        Self {
            rule: "invalid_manifest",
            file: file.into(),
            line,
            column,
            length: 1,
            severity: Severity::Error,
            message,
            help: None,
            source_line: None,
        }
    }

    /// Names the rule that found it.
    #[must_use]
    pub fn with_rule(mut self, rule: &'static str) -> Self {
        self.rule = rule;
        self
    }

    /// Adds the fix to show under the snippet.
    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds the line to quote and how much of it to underline.
    #[must_use]
    pub fn with_source(mut self, source_line: impl Into<String>, length: usize) -> Self {
        self.source_line = Some(source_line.into());
        self.length = length.max(1);
        self
    }
}
