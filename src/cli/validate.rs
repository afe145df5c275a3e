//! `telrep validate`: checks manifests offline and reports every problem.

use std::io::Write;

use serde::Serialize;

use super::args::{ValidateArgs, ValidateFormat};
use super::error::CliError;
use super::report::print_error;
use super::{ExitCode, render_diagnostic};
use crate::manifest::{self, Diagnostic, LoadOptions, Loaded, rule};
use crate::model::ReputationSpec;
use crate::plan::Count;

#[derive(Serialize)]
struct JsonReport<'a> {
    diagnostics: &'a [Diagnostic],
}

/// Validates every manifest named; exit 0 when all are valid, 1 otherwise.
pub fn run(args: &ValidateArgs) -> ExitCode {
    let options = LoadOptions {
        allow_outside_paths: args.allow_outside_paths,
    };
    let loaded = manifest::load_all(&args.paths, options, &args.exclude);
    // Write errors (a closed pipe) end the output quietly; the exit code still tells.
    match args.format {
        ValidateFormat::Json => {
            if let Some(line) = skipped_line(loaded.skipped) {
                let _ = writeln!(anstream::stderr(), "{line}");
            }
            let report = JsonReport {
                diagnostics: &loaded.diagnostics,
            };
            match serde_json::to_string_pretty(&report) {
                Ok(text) => {
                    let _ = writeln!(anstream::stdout().lock(), "{text}");
                }
                Err(error) => {
                    print_error(&CliError::internal_from(
                        "the diagnostics cannot be serialized",
                        error,
                    ));
                    return ExitCode::Failure;
                }
            }
        }
        ValidateFormat::Github | ValidateFormat::Gitlab | ValidateFormat::Sarif => {
            if let Some(line) = skipped_line(loaded.skipped) {
                let _ = writeln!(anstream::stderr(), "{line}");
            }
            let findings: Vec<super::ci::Finding> = loaded
                .diagnostics
                .iter()
                .map(super::ci::Finding::from)
                .collect();
            let text = args
                .format
                .ci()
                .map(|format| super::ci::render(format, &findings))
                .unwrap_or_default();
            // Workflow commands go to stdout, where the runner reads them; the report too.
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
        }
        ValidateFormat::Text => render_text(&loaded),
    }
    if loaded.diagnostics.is_empty() {
        ExitCode::Success
    } else {
        ExitCode::Failure
    }
}

fn render_text(loaded: &Loaded) {
    let mut stdout = anstream::stdout().lock();
    for desired in &loaded.desireds {
        let numbers = match &desired.reputation {
            ReputationSpec::Enabled { numbers, .. } => numbers.numbers.len(),
            ReputationSpec::Disabled => 0,
        };
        let _ = writeln!(
            stdout,
            "{}: valid ({}, {})",
            desired.manifest.display(),
            desired.enterprise.legal_name,
            Count::new(numbers, "number", "numbers").without_separators()
        );
    }
    drop(stdout);
    let mut stderr = anstream::stderr().lock();
    let styled = !matches!(
        anstream::ColorChoice::global(),
        anstream::ColorChoice::Never
    );
    for diagnostic in &loaded.diagnostics {
        let _ = writeln!(stderr, "{}", render_diagnostic(diagnostic, styled));
    }
    if let Some(line) = skipped_line(loaded.skipped) {
        let _ = writeln!(stderr, "{line}");
    }
    if let Some(line) = closing_line(loaded) {
        let _ = writeln!(stderr, "{line}");
    }
}

/// "skipped 3 YAML files that are not telrep manifests", when a directory held any.
pub(crate) fn skipped_line(skipped: usize) -> Option<String> {
    match skipped {
        0 => None,
        1 => Some("skipped 1 YAML file that is not a telrep manifest".to_owned()),
        count => Some(format!(
            "skipped {count} YAML files that are not telrep manifests"
        )),
    }
}

/// The count that ends a run with problems, true in every case: problems of manifests are
/// counted against the manifests, problems of paths (unreadable, no manifest in a
/// directory, a symlink out of it) as what they are.
pub(crate) fn closing_line(loaded: &Loaded) -> Option<String> {
    let total: usize = loaded.diagnostics.iter().map(Diagnostic::problems).sum();
    if total == 0 {
        return None;
    }
    let in_manifests = total - loaded.path_problems;
    let manifests = format!(
        "in {} of {}",
        loaded.failed(),
        Count::new(loaded.manifests.len(), "manifest", "manifests").without_separators()
    );
    if loaded.path_problems == 0 {
        return Some(format!(
            "found {} {manifests}",
            Count::new(total, "problem", "problems").without_separators()
        ));
    }
    let mut parts = Vec::new();
    if in_manifests > 0 {
        parts.push(format!("{in_manifests} {manifests}"));
    }
    let path_rules = loaded.diagnostics.iter().take(loaded.path_problems);
    let count = |wanted: &str| {
        path_rules
            .clone()
            .filter(|diagnostic| diagnostic.rule == wanted)
            .count()
    };
    let unreadable = count(rule::UNREADABLE_FILE);
    let empty = count(rule::NO_MANIFESTS);
    let outside = count(rule::PATH_OUTSIDE);
    if unreadable > 0 {
        let verb = if unreadable == 1 { "path" } else { "paths" };
        parts.push(format!("{unreadable} {verb} could not be read"));
    }
    if empty > 0 {
        let (noun, verb) = if empty == 1 {
            ("directory", "holds")
        } else {
            ("directories", "hold")
        };
        parts.push(format!("{empty} {noun} {verb} no manifest"));
    }
    if outside > 0 {
        let (noun, verb) = if outside == 1 {
            ("symlink", "leads")
        } else {
            ("symlinks", "lead")
        };
        parts.push(format!("{outside} {noun} {verb} out of a directory"));
    }
    Some(format!(
        "found {}: {}",
        Count::new(total, "problem", "problems").without_separators(),
        parts.join(", ")
    ))
}
