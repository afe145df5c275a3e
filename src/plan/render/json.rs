//! `--format json`: one object per manifest (an object with `plans` for several), shaped as
//! docs/design.md, "The JSON plan" says; schema in schema/plan.schema.json.

use std::io::{self, Write};

use crate::plan::Plan;

/// Writes one plan as its JSON object, or several as `{"format_version": 1, "plans": [...]}`.
pub fn render_json(plans: &[Plan], out: &mut impl Write) -> io::Result<()> {
    let text = match plans {
        [plan] => serde_json::to_string_pretty(plan),
        plans => serde_json::to_string_pretty(&serde_json::json!({
            "format_version": crate::plan::FORMAT_VERSION,
            "plans": plans,
        })),
    }
    .map_err(io::Error::other)?;
    writeln!(out, "{text}")
}
