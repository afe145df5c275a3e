//! `plan --format diff`: the live account written in manifest form against the manifest's
//! normalised form, as a unified diff (`--- live`, `+++ manifest`, 3 lines of context),
//! the way `kubectl diff` shows drift. Both sides hold the same keys in the same order:
//! the enterprise fields the manifest sets, the reputation settings, and the numbers one
//! a line, sorted; personal data is masked as in the other formats.

use serde_json::Value;

use crate::model::{Desired, Live, Loa, ReputationSpec, WireEnum as _};

/// Which side of the diff a form is written for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Live,
    Manifest,
}

/// The unified diff of one manifest's account; empty when the two forms agree.
pub fn manifest_diff(desired: &Desired, live: &Live, show_sensitive: bool) -> String {
    let before = form(desired, live, Side::Live, show_sensitive);
    let after = form(desired, live, Side::Manifest, show_sensitive);
    similar::TextDiff::from_lines(&before, &after)
        .unified_diff()
        .context_radius(3)
        .header("live", "manifest")
        .to_string()
}

/// One side in manifest form.
fn form(desired: &Desired, live: &Live, side: Side, show_sensitive: bool) -> String {
    let mut out = String::from("enterprise:\n");
    if let Ok(Value::Object(fields)) = serde_json::to_value(&desired.enterprise) {
        for (field, value) in fields.iter().filter(|(field, _)| *field != "id") {
            let shown = match side {
                Side::Manifest => Some(value),
                Side::Live => live
                    .enterprise
                    .as_ref()
                    .and_then(|enterprise| enterprise.fields.get(field)),
            };
            entry(&mut out, 1, field, field, value, shown, show_sensitive);
        }
    }
    out.push_str("reputation:\n");
    let (enabled, frequency, loa, numbers) = match side {
        Side::Manifest => manifest_reputation(&desired.reputation),
        Side::Live => live_reputation(desired, live),
    };
    out.push_str(&format!("  enabled: {enabled}\n"));
    if enabled {
        if let Some(frequency) = frequency {
            out.push_str(&format!("  check_frequency: {frequency}\n"));
        }
        if let Some(loa) = loa {
            out.push_str(&format!("  loa:\n    {loa}\n"));
        }
        out.push_str("  numbers:\n");
        for number in numbers {
            out.push_str(&format!("    - \"{number}\"\n"));
        }
    }
    out
}

/// A `key: value` line at `depth`, or a block when the manifest's `shape` is one (the keys
/// are always the manifest's); masked when `path` is personal data.
fn entry(
    out: &mut String,
    depth: usize,
    key: &str,
    path: &str,
    shape: &Value,
    value: Option<&Value>,
    show_sensitive: bool,
) {
    let indent = "  ".repeat(depth);
    if let Value::Object(fields) = shape {
        out.push_str(&format!("{indent}{key}:\n"));
        for (field, inner) in fields {
            let found = value.and_then(|value| value.get(field));
            entry(
                out,
                depth + 1,
                field,
                &format!("{path}.{field}"),
                inner,
                found,
                show_sensitive,
            );
        }
        return;
    }
    let text = match value {
        None | Some(Value::Null) => {
            out.push_str(&format!("{indent}{key}: ~\n"));
            return;
        }
        Some(Value::String(text)) => text.clone(),
        Some(other) => other.to_string(),
    };
    let text = if !show_sensitive && super::is_sensitive(path) {
        super::short_hash(&text)
    } else {
        text
    };
    out.push_str(&format!("{indent}{key}: {text}\n"));
}

/// `enabled`, `check_frequency`, the LOA line and the sorted numbers the manifest wants.
fn manifest_reputation(
    reputation: &ReputationSpec,
) -> (bool, Option<String>, Option<String>, Vec<String>) {
    match reputation {
        ReputationSpec::Disabled => (false, None, None, Vec::new()),
        ReputationSpec::Enabled {
            loa,
            check_frequency,
            numbers,
            ..
        } => {
            let loa = match loa {
                Loa::DocumentId(id) => format!("document_id: {id}"),
                Loa::File { sha256, .. } => format!("sha256: {sha256}"),
            };
            (
                true,
                Some(check_frequency.as_str().to_owned()),
                Some(loa),
                sorted(numbers.numbers.iter().map(ToString::to_string)),
            )
        }
    }
}

/// The same of the live account, the LOA spelt as the manifest names it (by its digest for
/// `loa.file`, else by document id).
fn live_reputation(
    desired: &Desired,
    live: &Live,
) -> (bool, Option<String>, Option<String>, Vec<String>) {
    let Some(reputation) = &live.reputation else {
        return (false, None, None, Vec::new());
    };
    let loa = match &desired.reputation {
        ReputationSpec::Enabled {
            loa: Loa::File { .. },
            ..
        } => format!(
            "sha256: {}",
            live.loa_sha256.as_deref().unwrap_or("~ (not known)")
        ),
        _ => format!(
            "document_id: {}",
            reputation.loa_document_id.as_deref().unwrap_or("~")
        ),
    };
    (
        true,
        Some(reputation.check_frequency.clone()),
        Some(loa),
        sorted(live.numbers.iter().map(ToString::to_string)),
    )
}

fn sorted(numbers: impl Iterator<Item = String>) -> Vec<String> {
    let mut numbers: Vec<String> = numbers.collect();
    numbers.sort();
    numbers
}
