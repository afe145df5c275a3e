//! `Diagnostic`: one problem found in a manifest or numbers file, with its exact place, and
//! the bounds that keep diagnostics small whatever the input: values and source lines are
//! cut, control characters never reach the terminal, and a file has at most
//! `PER_FILE_LIMIT` diagnostics.

use std::path::{Path, PathBuf};

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
    /// The text of `line`, when the file could be read as text: at most
    /// `SOURCE_LINE_LIMIT` characters, control characters shown as symbols.
    #[serde(skip)]
    pub source_line: Option<String>,
    /// For the diagnostic that closes a file's list once it holds `PER_FILE_LIMIT`
    /// problems ("and N more problems in FILE"), N; 0 for every other. Counts stay true
    /// while memory and output stay bounded.
    #[serde(skip)]
    pub omitted: usize,
}

/// The most characters of a value a message quotes; the rest is elided with `…`, so a
/// 63 MiB line does not become a 63 MiB message.
pub const VALUE_LIMIT: usize = 80;
/// The most characters of a source line a diagnostic keeps to quote.
pub const SOURCE_LINE_LIMIT: usize = 160;
/// The most diagnostics kept per file; the rest are counted in one closing diagnostic.
pub const PER_FILE_LIMIT: usize = 1000;

/// `value` as a message quotes it: control characters and bidi controls escaped
/// (`\u{1b}`), so what the terminal shows is what the file holds, and at most
/// `VALUE_LIMIT` characters, then `…`.
pub fn shown(value: &str) -> String {
    let mut out = String::new();
    for (index, character) in value.chars().enumerate() {
        if index == VALUE_LIMIT {
            out.push('…');
            break;
        }
        push_escaped(&mut out, character);
    }
    out
}

/// The most characters of a path a message quotes: more than a value, since a real path
/// is often long, but bounded, since a `file:` entry is the manifest's own text.
pub const PATH_LIMIT: usize = 160;

/// `path` as a message quotes it: escaped as `shown` escapes a value, and when it is
/// longer than `PATH_LIMIT` characters its end after `…`, because the file's name is what
/// tells two paths apart.
pub fn shown_path(path: &Path) -> String {
    let text = path.to_string_lossy();
    let count = text.chars().count();
    let mut out = String::new();
    let skip = if count > PATH_LIMIT {
        out.push('…');
        count - (PATH_LIMIT - 1)
    } else {
        0
    };
    for character in text.chars().skip(skip) {
        push_escaped(&mut out, character);
    }
    out
}

/// `path` whole, escaped as `shown` escapes a value: for the `FILE:LINE:COL` a terminal
/// shows, where a file named with an escape sequence must not restyle the screen and
/// cutting would stop editors from jumping to it.
pub fn escaped_path(path: &Path) -> String {
    let text = path.to_string_lossy();
    if !text.chars().any(needs_escape) {
        return text.into_owned();
    }
    let mut out = String::new();
    for character in text.chars() {
        push_escaped(&mut out, character);
    }
    out
}

fn needs_escape(character: char) -> bool {
    character.is_control() || is_bidi_control(character)
}

fn push_escaped(out: &mut String, character: char) {
    if needs_escape(character) {
        out.extend(character.escape_unicode());
    } else {
        out.push(character);
    }
}

/// The Unicode bidi controls, which make text display in an order other than its own
/// (the "Trojan Source" characters): U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069.
pub fn is_bidi_control(character: char) -> bool {
    matches!(character, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// One character of a quoted source line, as the terminal should show it: a control
/// character as its Control Pictures symbol (`␛`), a bidi control as `�`, one for one so
/// columns still line up.
fn displayed(character: char) -> char {
    match u32::from(character) {
        0x09 => character,
        code @ 0x00..=0x1f => char::from_u32(0x2400 + code).unwrap_or('\u{fffd}'),
        0x7f => '\u{2421}',
        _ if character.is_control() || is_bidi_control(character) => '\u{fffd}',
        _ => character,
    }
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
            omitted: 0,
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

    /// Adds the line to quote and how much of it to underline. A line longer than
    /// `SOURCE_LINE_LIMIT` characters is cut there (with `…`), or not quoted when the
    /// problem starts beyond the cut.
    #[must_use]
    pub fn with_source(mut self, source_line: &str, length: usize) -> Self {
        let start = self.column.saturating_sub(1);
        if start >= SOURCE_LINE_LIMIT {
            return self;
        }
        let mut line: String = source_line
            .chars()
            .take(SOURCE_LINE_LIMIT)
            .map(displayed)
            .collect();
        if source_line.chars().nth(SOURCE_LINE_LIMIT).is_some() {
            line.push('…');
        }
        self.source_line = Some(line);
        self.length = length.clamp(1, SOURCE_LINE_LIMIT - start);
        self
    }

    /// How many problems this diagnostic stands for: 1, or the problems it closes a list
    /// with.
    pub fn problems(&self) -> usize {
        if self.omitted > 0 { self.omitted } else { 1 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_escaped_and_a_long_one_keeps_its_end() {
        assert_eq!(shown_path(Path::new("loa/acme.pdf")), "loa/acme.pdf");
        assert_eq!(
            shown_path(Path::new("loa/\u{1b}[2J\u{202e}.pdf")),
            "loa/\\u{1b}[2J\\u{202e}.pdf"
        );
        let long = format!("{}/signed.pdf", "d".repeat(300));
        let shown = shown_path(Path::new(&long));
        assert_eq!(shown.chars().count(), PATH_LIMIT);
        assert!(
            shown.starts_with("…d") && shown.ends_with("d/signed.pdf"),
            "{shown}"
        );
        let exact = "e".repeat(PATH_LIMIT);
        assert_eq!(shown_path(Path::new(&exact)), exact);
        assert_eq!(escaped_path(Path::new(&long)), long);
        assert_eq!(escaped_path(Path::new("a\u{7f}b")), "a\\u{7f}b");
    }
}
