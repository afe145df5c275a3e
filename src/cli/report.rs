//! How telrep reports problems to people, and the exit codes of every command.

use std::fmt::Write as _;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use anstyle::{AnsiColor, Style};

use crate::manifest::Diagnostic;

/// telrep's exit codes (docs/design.md, "Exit codes"), one place for all commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// Success; for `plan --detailed-exitcode`, no changes; for `apply`, converged.
    Success = 0,
    /// Invalid manifest, API failure, refused rail, impossible plan, not converged.
    Failure = 1,
    /// `plan --detailed-exitcode`: there are changes.
    Changes = 2,
    /// `apply` stopped before the steps that need vetting approval.
    Pending = 3,
    /// Interrupted by SIGINT after finishing the calls in flight.
    Interrupted = 130,
    /// Interrupted by SIGTERM after finishing the calls in flight.
    Terminated = 143,
}

impl From<ExitCode> for std::process::ExitCode {
    fn from(code: ExitCode) -> Self {
        Self::from(code as u8)
    }
}

/// Renders an error and its causes as uv and cargo do: `error: WHAT` then one
/// `caused by: WHY` line per source, each message once.
pub fn render_error(error: &dyn std::error::Error, styled: bool) -> String {
    let error_style = if styled {
        Style::new().bold().fg_color(Some(AnsiColor::Red.into()))
    } else {
        Style::new()
    };
    let mut out = String::new();
    for (index, line) in crate::telnyx::chain(error).iter().enumerate() {
        let _ = if index == 0 {
            writeln!(out, "{error_style}error{error_style:#}: {line}")
        } else {
            writeln!(out, "caused by: {line}")
        };
    }
    out
}

/// Writes a command's error to stderr the same way for every command: `render_error`'s
/// `error:` line and one `caused by:` line per source.
pub(crate) fn print_error(error: &dyn std::error::Error) {
    use std::io::Write as _;
    let styled = !matches!(
        anstream::ColorChoice::global(),
        anstream::ColorChoice::Never
    );
    let _ = write!(anstream::stderr(), "{}", render_error(error, styled));
}

/// Writes a command's output to stdout: through anstream only when it carries styles
/// (anstream scans every byte for escapes, a third of `report --format json`'s CPU at
/// 100,000 numbers); machine formats and unstyled text go straight out. A closed stdout
/// (`telrep report | head`) ends the output quietly: the exit code tells.
pub(crate) fn print_output(text: &str, styled: bool) {
    use std::io::Write as _;
    let _ = if styled {
        anstream::stdout().lock().write_all(text.as_bytes())
    } else {
        std::io::stdout().lock().write_all(text.as_bytes())
    };
}

/// Renders one diagnostic like a compiler: `FILE:LINE:COL: error: MESSAGE`, the source line
/// with a caret under the item, and a `help:` line; ANSI styles only when `styled`.
pub fn render_diagnostic(diagnostic: &Diagnostic, styled: bool) -> String {
    let error_style = if styled {
        Style::new().bold().fg_color(Some(AnsiColor::Red.into()))
    } else {
        Style::new()
    };
    let help_style = if styled {
        Style::new().bold().fg_color(Some(AnsiColor::Cyan.into()))
    } else {
        Style::new()
    };
    let mut out = format!(
        "{}:{}:{}: {error_style}error{error_style:#}: {}\n",
        crate::manifest::escaped_path(&diagnostic.file),
        diagnostic.line,
        diagnostic.column,
        diagnostic.message
    );
    if let Some(line_text) = &diagnostic.source_line {
        let start = byte_index(line_text, diagnostic.column.saturating_sub(1));
        let end = byte_index(
            line_text,
            diagnostic.column.saturating_sub(1) + diagnostic.length.max(1),
        );
        let end = if end == start { start + 1 } else { end };
        let group = Group::with_level(Level::ERROR).element(
            Snippet::source(line_text.as_str())
                .line_start(diagnostic.line)
                .annotation(AnnotationKind::Primary.span(start..end)),
        );
        let renderer = if styled {
            Renderer::styled()
        } else {
            Renderer::plain()
        };
        out.push_str(&renderer.render(&[group]));
        out.push('\n');
    }
    if let Some(help) = &diagnostic.help {
        let _ = writeln!(out, "{help_style}help{help_style:#}: {help}");
    }
    out
}

/// The byte index of character `column` (0-based) in `text`, or its end.
fn byte_index(text: &str, column: usize) -> usize {
    text.char_indices()
        .nth(column)
        .map_or(text.len(), |(index, _)| index)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_like_a_compiler() {
        let diagnostic = Diagnostic::error(
            "examples/acme.yaml",
            14,
            3,
            "unknown field `check_frequncy` in reputation".to_owned(),
        )
        .with_source("  check_frequncy: daily", 14)
        .with_help("did you mean `check_frequency`?");
        assert_eq!(
            render_diagnostic(&diagnostic, false),
            "examples/acme.yaml:14:3: error: unknown field `check_frequncy` in reputation
   |
14 |   check_frequncy: daily
   |   ^^^^^^^^^^^^^^
help: did you mean `check_frequency`?
"
        );
    }

    #[test]
    fn an_error_with_two_causes() {
        let error = crate::apply::ApplyError::Api {
            step: 2,
            action: "create_enterprise",
            source: crate::telnyx::ApiError::new(
                "POST",
                "/enterprises",
                crate::telnyx::ApiErrorKind::Transport {
                    message: "could not connect".to_owned(),
                    cause: crate::telnyx::Cause::chain(vec![
                        "client error (Connect)".to_owned(),
                        "tcp connect error: Connection refused (os error 111)".to_owned(),
                    ]),
                },
            ),
        };
        assert_eq!(
            render_error(&error, false),
            "error: step 2 (create_enterprise) failed
caused by: POST /enterprises: could not connect
caused by: client error (Connect)
caused by: tcp connect error: Connection refused (os error 111)
"
        );
        // A message that already ends with its source's text is not repeated.
        let quoted = crate::telnyx::Cause::chain(vec![
            "read failed: broken pipe".to_owned(),
            "broken pipe".to_owned(),
        ])
        .unwrap();
        assert_eq!(
            render_error(&quoted, false),
            "error: read failed: broken pipe\n"
        );
    }

    #[test]
    fn a_command_error_shows_each_layer_once() {
        // What the system said, itself caused by a lower layer, under telrep's own message.
        let error = crate::cli::error::CliError::WritePlan {
            path: "plans/plan.json".into(),
            source: std::io::Error::other(
                *crate::telnyx::Cause::chain(vec![
                    "the disk quota is exhausted".to_owned(),
                    "Disk quota exceeded (os error 122)".to_owned(),
                ])
                .unwrap(),
            ),
        };
        assert_eq!(
            render_error(&error, false),
            "error: cannot write the plan `plans/plan.json`
caused by: the disk quota is exhausted
caused by: Disk quota exceeded (os error 122)
"
        );
        assert_eq!(
            crate::telnyx::one_line(&error),
            "cannot write the plan `plans/plan.json`: the disk quota is exhausted: Disk quota exceeded (os error 122)"
        );
    }

    #[test]
    fn an_internal_error_names_the_library_error_once() {
        let json = serde_json::from_str::<u8>("300").unwrap_err();
        let error = crate::cli::error::CliError::internal_from(
            "the saved plans cannot be serialized",
            json,
        );
        assert_eq!(
            render_error(&error, false),
            "error: internal error: the saved plans cannot be serialized; please report it
caused by: invalid value: integer `300`, expected u8 at line 1 column 3
"
        );
    }

    #[test]
    fn renders_without_a_source_line() {
        let diagnostic = Diagnostic::error("gone.yaml", 1, 1, "cannot read".to_owned());
        assert_eq!(
            render_diagnostic(&diagnostic, false),
            "gone.yaml:1:1: error: cannot read\n"
        );
    }
}
