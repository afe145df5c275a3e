//! `telrep validate`: checks manifests offline and reports every problem.

use std::io::Write;

use serde::Serialize;

use super::args::{OutputFormat, ValidateArgs};
use super::{ExitCode, render_diagnostic};
use crate::manifest::{self, Diagnostic, LoadOptions};
use crate::model::ReputationSpec;

#[derive(Serialize)]
struct JsonReport<'a> {
    diagnostics: &'a [Diagnostic],
}

/// Validates every manifest named; exit 0 when all are valid, 1 otherwise.
pub fn run(args: &ValidateArgs) -> ExitCode {
    let options = LoadOptions {
        allow_outside_paths: args.allow_outside_paths,
    };
    let loaded = manifest::load_all(&args.paths, options);
    let summaries: Vec<String> = loaded
        .desireds
        .iter()
        .map(|desired| {
            let numbers = match &desired.reputation {
                ReputationSpec::Enabled { numbers, .. } => numbers.numbers.len(),
                ReputationSpec::Disabled => 0,
            };
            format!(
                "{}: valid ({}, {} {})",
                desired.manifest.display(),
                desired.enterprise.legal_name,
                numbers,
                if numbers == 1 { "number" } else { "numbers" }
            )
        })
        .collect();
    let diagnostics = &loaded.diagnostics;
    let manifests = &loaded.manifests;
    let code = if diagnostics.is_empty() {
        ExitCode::Success
    } else {
        ExitCode::Failure
    };
    // Write errors (a closed pipe) end the output quietly; the exit code still tells.
    match args.format {
        OutputFormat::Json => {
            let report = JsonReport { diagnostics };
            let text = serde_json::to_string_pretty(&report).unwrap_or_default();
            let _ = writeln!(anstream::stdout().lock(), "{text}");
        }
        OutputFormat::Text => {
            let mut stdout = anstream::stdout().lock();
            for summary in &summaries {
                let _ = writeln!(stdout, "{summary}");
            }
            drop(stdout);
            let mut stderr = anstream::stderr().lock();
            let styled = !matches!(
                anstream::ColorChoice::global(),
                anstream::ColorChoice::Never
            );
            for diagnostic in diagnostics {
                let _ = writeln!(stderr, "{}", render_diagnostic(diagnostic, styled));
            }
            if !diagnostics.is_empty() {
                let failed = loaded.failed();
                let _ = writeln!(
                    stderr,
                    "found {} {} in {} of {} {}",
                    diagnostics.len(),
                    if diagnostics.len() == 1 {
                        "problem"
                    } else {
                        "problems"
                    },
                    failed,
                    manifests.len(),
                    if manifests.len() == 1 {
                        "manifest"
                    } else {
                        "manifests"
                    },
                );
            }
        }
    }
    code
}
