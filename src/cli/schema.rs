//! `telrep schema`: prints the manifest's JSON Schema.

use std::io::Write;

use super::ExitCode;
use super::error::CliError;
use super::report::print_error;

/// Prints the manifest's schema (schema/telrep.schema.json), with `plan` the plan's
/// (schema/plan.schema.json), with `events` an apply event's (schema/apply-event.schema.json),
/// with `report` a report's (schema/report.schema.json).
pub fn run(args: &super::args::SchemaArgs) -> ExitCode {
    match text(args) {
        Ok(text) => {
            let mut stdout = anstream::stdout().lock();
            // A closed pipe (`telrep schema | head`) is not an error worth reporting.
            let _ = writeln!(stdout, "{text}");
            ExitCode::Success
        }
        Err(error) => {
            print_error(&error);
            ExitCode::Failure
        }
    }
}

/// The schema asked for, pretty-printed; schemars' output is always JSON, so an error
/// here is a bug.
fn text(args: &super::args::SchemaArgs) -> Result<String, CliError> {
    let cannot = |error| CliError::internal_from("the JSON Schema cannot be serialized", error);
    let schema = if args.report {
        {
            // What telrep writes: the report's rows are also decoded from the API, and
            // that side of them (fields it does not take from the server) is not the
            // report's shape.
            let schema = schemars::generate::SchemaSettings::draft2020_12()
                .for_serialize()
                .into_generator()
                .into_root_schema_for::<crate::report::Reports>();
            serde_json::to_value(schema).map_err(cannot)?
        }
    } else if args.plan {
        serde_json::to_value(schemars::schema_for!(crate::plan::Plan)).map_err(cannot)?
    } else if args.events {
        serde_json::to_value(schemars::schema_for!(crate::apply::Event)).map_err(cannot)?
    } else {
        crate::manifest::schema().map_err(cannot)?
    };
    serde_json::to_string_pretty(&schema).map_err(cannot)
}
