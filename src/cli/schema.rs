//! `telrep schema`: prints the manifest's JSON Schema.

use std::io::Write;

use super::ExitCode;

/// Prints the manifest's schema (schema/telrep.schema.json), with `plan` the plan's
/// (schema/plan.schema.json), with `events` an apply event's (schema/apply-event.schema.json).
pub fn run(plan: bool, events: bool) -> ExitCode {
    let schema = if plan {
        serde_json::to_value(schemars::schema_for!(crate::plan::Plan)).unwrap_or_default()
    } else if events {
        serde_json::to_value(schemars::schema_for!(crate::apply::Event)).unwrap_or_default()
    } else {
        crate::manifest::schema()
    };
    let text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    let mut stdout = anstream::stdout().lock();
    // A closed pipe (`telrep schema | head`) is not an error worth reporting.
    let _ = writeln!(stdout, "{text}");
    ExitCode::Success
}
