//! `telrep schema`: prints the manifest's JSON Schema.

use std::io::Write;

use super::ExitCode;

/// Prints the schema; the checked-in schema/telrep.schema.json is this output.
pub fn run() -> ExitCode {
    let schema = crate::manifest::schema();
    let text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    let mut stdout = anstream::stdout().lock();
    // A closed pipe (`telrep schema | head`) is not an error worth reporting.
    let _ = writeln!(stdout, "{text}");
    ExitCode::Success
}
