//! Turns a manifest's YAML tree into a `Desired`, collecting every problem on the way.
//!
//! Each check points at the offending item: the key for an unknown key, the value (its
//! opening quote when quoted) for a bad value, the path for a `file:` entry, the second
//! occurrence of a duplicate. Field names, types and limits follow `raw.rs` (the schema)
//! and docs/api.md ("Enterprises", "Reputation settings", "Documents").
//!
//! This file holds the walker and its generic checks (mappings, required fields, strings,
//! choices, booleans); the sections live beside it: `enterprise`, `reputation`, `numbers`
//! (the `numbers` list and numbers files) and `files` (paths and unreadable files).

mod enterprise;
mod files;
mod hidden;
mod numbers;
mod policy;
mod reputation;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::diagnostic::{Diagnostic, PER_FILE_LIMIT, shown};
use super::rule;
use super::source::SourceText;
use super::suggest::suggest;
use super::tree::{Key, Node, Place, Value};
use crate::model::{Desired, WireEnum};

pub(crate) use files::{file_problem, not_regular, nul_problem};

pub(crate) const MANIFEST_FIELDS: &[&str] = &["version", "enterprise", "reputation", "policy"];
pub(crate) const POLICY_FIELDS: &[&str] = &[
    "max_spam_risk",
    "min_maturity_score",
    "min_connection_score",
    "min_engagement_score",
    "min_sentiment_score",
    "max_data_age",
    "require_data",
];
pub(crate) const ENTERPRISE_FIELDS: &[&str] = &[
    "id",
    "legal_name",
    "doing_business_as",
    "organization_type",
    "country_code",
    "website",
    "fein",
    "industry",
    "number_of_employees",
    "organization_legal_type",
    "jurisdiction_of_incorporation",
    "organization_contact",
    "billing_contact",
    "organization_physical_address",
    "billing_address",
    "role_type",
    "customer_reference",
    "corporate_registration_number",
    "dun_bradstreet_number",
    "primary_business_domain_sic_code",
    "professional_license_number",
];
pub(crate) const ORGANIZATION_CONTACT_FIELDS: &[&str] = &[
    "first_name",
    "last_name",
    "email",
    "job_title",
    "phone_number",
];
pub(crate) const BILLING_CONTACT_FIELDS: &[&str] =
    &["first_name", "last_name", "email", "phone_number"];
pub(crate) const ADDRESS_FIELDS: &[&str] = &[
    "country",
    "administrative_area",
    "city",
    "postal_code",
    "street_address",
    "extended_address",
];
pub(crate) const REPUTATION_FIELDS: &[&str] = &[
    "enabled",
    "loa",
    "check_frequency",
    "numbers",
    "prune",
    "external_verification",
];
pub(crate) const EXTERNAL_VERIFICATION_FIELDS: &[&str] = &["files", "document_ids"];
/// Fields the API renamed, old name first: a manifest written from the older guide gets the
/// new name at once instead of a list of fields to choose from.
const RENAMED: &[(&str, &str)] = &[("phone", "phone_number")];
pub(crate) const LOA_FIELDS: &[&str] = &["document_id", "file"];
pub(crate) const NUMBERS_FILE_FIELDS: &[&str] = &["file"];

/// The largest LOA the documents API takes (docs/api.md, "Documents": 20 MB). Read as
/// 20,000,000 bytes, the stricter reading of "MB".
pub const LOA_LIMIT: u64 = 20_000_000;

/// What the caller allows beyond the defaults.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoadOptions {
    /// Let `file:` entries and `loa.file` point outside the manifest's directory.
    pub allow_outside_paths: bool,
}

/// Walks the tree of `source` (a manifest) into a `Desired`; `Err` holds every problem.
pub fn validate(
    source: &SourceText,
    root: &Node,
    options: LoadOptions,
) -> Result<Desired, Vec<Diagnostic>> {
    // The parent as the user named it (empty for a manifest in the current directory), so
    // that joined paths read `numbers/east.txt`, not `./numbers/east.txt`.
    let directory = source
        .path
        .parent()
        .map_or_else(PathBuf::new, Path::to_path_buf);
    let mut walker = Walker {
        source,
        directory,
        options,
        diagnostics: Vec::new(),
        counts: HashMap::new(),
    };
    walker.hidden_content(root, "the manifest");
    let desired = walker.manifest(root);
    match desired {
        Some(desired) if walker.diagnostics.is_empty() => Ok(desired),
        _ => {
            let mut diagnostics = walker.diagnostics;
            for (file, count) in walker.counts {
                if count.omitted > 0 {
                    diagnostics.push(more_problems(file, &count));
                }
            }
            Err(in_reading_order(&source.path, diagnostics))
        }
    }
}

/// How many diagnostics of one file were kept, and what was left out.
#[derive(Default)]
struct FileCount {
    kept: usize,
    omitted: usize,
    /// Line and column of the first problem left out.
    first_omitted: (usize, usize),
}

/// "and N more problems in FILE", which closes the list of a file with too many.
fn more_problems(file: PathBuf, count: &FileCount) -> Diagnostic {
    let (line, column) = count.first_omitted;
    let problems = if count.omitted == 1 {
        "problem"
    } else {
        "problems"
    };
    let message = format!(
        "and {} more {problems} in `{}`",
        count.omitted,
        file.display()
    );
    let mut diagnostic = Diagnostic::error(file, line, column, message)
        .with_rule(rule::TOO_MANY_PROBLEMS)
        .with_help(format!(
            "telrep shows the first {PER_FILE_LIMIT} problems of a file: fix these and run it again"
        ));
    diagnostic.omitted = count.omitted;
    diagnostic
}

/// Orders diagnostics as a reader meets them: the manifest first, then each numbers file in
/// the order the manifest names them, each by line and column.
fn in_reading_order(manifest: &Path, mut diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut files = vec![manifest.to_path_buf()];
    for diagnostic in &diagnostics {
        if !files.contains(&diagnostic.file) {
            files.push(diagnostic.file.clone());
        }
    }
    diagnostics.sort_by_key(|diagnostic| {
        let rank = files.iter().position(|file| *file == diagnostic.file);
        (
            rank,
            diagnostic.omitted > 0,
            diagnostic.line,
            diagnostic.column,
        )
    });
    diagnostics
}

struct Walker<'s> {
    source: &'s SourceText,
    directory: PathBuf,
    options: LoadOptions,
    diagnostics: Vec<Diagnostic>,
    /// Diagnostics per file, to keep at most `PER_FILE_LIMIT` of each.
    counts: HashMap<PathBuf, FileCount>,
}

/// A mapping's entries with the place to blame when a required key is missing.
struct Mapping<'n> {
    entries: &'n [(Key, Node)],
    /// Where "missing field" points: the key that holds this mapping.
    owner: Place,
    /// How messages name this mapping: `enterprise`, `reputation.loa`.
    name: &'static str,
    /// Fields that an unknown key here was taken for a misspelling of: their absence is
    /// already reported by that key's "did you mean".
    suggested: Vec<&'static str>,
}

impl<'n> Mapping<'n> {
    fn get(&self, field: &str) -> Option<&'n Node> {
        self.entries
            .iter()
            .find(|(key, _)| key.name == field)
            .map(|(_, node)| node)
            .filter(|node| node.value != Value::Null)
    }
}

impl Walker<'_> {
    fn error(&mut self, rule: &'static str, place: Place, message: String, help: Option<String>) {
        let line = place.line.max(1);
        let column = place.column.max(1);
        let mut diagnostic =
            Diagnostic::error(&self.source.path, line, column, message).with_rule(rule);
        if let Some(line_text) = self.source.line(line) {
            let length = place
                .offset
                .and_then(|offset| self.source.text.get(offset..offset + place.length))
                .map_or(1, |text| {
                    text.split(['\n', '\r'])
                        .next()
                        .map_or(1, |first| first.chars().count())
                });
            diagnostic = diagnostic.with_source(line_text, length);
        }
        diagnostic.help = help;
        self.push(diagnostic);
    }

    /// Keeps `diagnostic` while its file has fewer than `PER_FILE_LIMIT`; counts it
    /// otherwise, so a million bad lines cost a count, not a million messages.
    fn push(&mut self, diagnostic: Diagnostic) {
        let count = match self.counts.get_mut(&diagnostic.file) {
            Some(count) => count,
            None => self.counts.entry(diagnostic.file.clone()).or_default(),
        };
        if count.kept < PER_FILE_LIMIT {
            count.kept += 1;
            self.diagnostics.push(diagnostic);
        } else {
            if count.omitted == 0 {
                count.first_omitted = (diagnostic.line, diagnostic.column);
            }
            count.omitted += 1;
        }
    }

    /// The node's text as written in the file (for unquoted numbers and the like).
    fn literal(&self, node: &Node) -> String {
        node.place
            .offset
            .and_then(|offset| self.source.text.get(offset..offset + node.place.length))
            .map_or_else(String::new, |text| text.trim().to_owned())
    }

    fn manifest(&mut self, root: &Node) -> Option<Desired> {
        // A missing top-level field points at the first key, not at a leading comment.
        let mapping = self.mapping(root, root.place, "the manifest", MANIFEST_FIELDS)?;
        self.version(&mapping);
        let enterprise = self
            .required(&mapping, "enterprise")
            .and_then(|(key, node)| self.enterprise(key, node));
        let reputation = self
            .required(&mapping, "reputation")
            .and_then(|(key, node)| self.reputation(key, node));
        let policy = match mapping.get("policy") {
            None => Some(crate::model::Policy::default()),
            Some(node) => self.policy(node),
        };
        Some(Desired {
            manifest: self.source.path.clone(),
            enterprise: enterprise?,
            reputation: reputation?,
            policy: policy?,
        })
    }

    fn version(&mut self, mapping: &Mapping<'_>) {
        let Some((_, node)) = self.required(mapping, "version") else {
            return;
        };
        if node.value != Value::Int(1) {
            let found = self.literal(node);
            self.error(
                rule::UNSUPPORTED_VERSION,
                node.place,
                format!(
                    "unsupported manifest version `{}`; this telrep reads version 1",
                    shown(&found)
                ),
                Some("write `version: 1`".to_owned()),
            );
        }
    }

    /// Checks that `node` is a mapping and that every key is one of `known`.
    fn mapping<'n>(
        &mut self,
        node: &'n Node,
        owner: Place,
        name: &'static str,
        known: &'static [&'static str],
    ) -> Option<Mapping<'n>> {
        let Value::Map(entries) = &node.value else {
            self.error(
                rule::INVALID_TYPE,
                node.place,
                format!("expected a mapping for {name}, found {}", node.value.kind()),
                None,
            );
            return None;
        };
        let mut suggested = Vec::new();
        for (index, (key, _)) in entries.iter().enumerate() {
            let first = entries
                .iter()
                .take(index)
                .find(|(earlier, _)| earlier.name == key.name);
            if let Some((first, _)) = first {
                self.error(
                    rule::DUPLICATE_KEY,
                    key.place,
                    format!(
                        "duplicate key `{}` in {name}; it is first at line {}",
                        key.name, first.place.line
                    ),
                    Some(format!(
                        "remove one of the two `{}` keys (lines {} and {})",
                        key.name, first.place.line, key.place.line
                    )),
                );
            } else if !known.contains(&key.name.as_str()) {
                suggested.extend(self.unknown_field(key, name, known));
            }
        }
        Some(Mapping {
            entries,
            owner,
            name,
            suggested,
        })
    }

    /// Reports a key that `known` does not have, with the field it probably meant, which it
    /// returns.
    fn unknown_field(
        &mut self,
        key: &Key,
        name: &'static str,
        known: &'static [&'static str],
    ) -> Option<&'static str> {
        let renamed = RENAMED
            .iter()
            .find(|(old, new)| *old == key.name && known.contains(new));
        let near = renamed
            .map(|(_, new)| *new)
            .or_else(|| suggest(&key.name, known.iter().copied()));
        let help = match (renamed, near) {
            (Some((old, new)), _) => {
                format!("`{old}` was renamed to `{new}` in the current API: write `{new}:`")
            }
            (None, Some(near)) => format!("did you mean `{near}`?"),
            (None, None) => format!(
                "{name} has these fields: {}",
                known
                    .iter()
                    .map(|field| format!("`{field}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        self.error(
            rule::UNKNOWN_FIELD,
            key.place,
            format!("unknown field `{}` in {name}", shown(&key.name)),
            Some(help),
        );
        near
    }

    /// The entry for a required field, or a "missing field" error at the mapping's key.
    fn required<'n>(
        &mut self,
        mapping: &Mapping<'n>,
        field: &'static str,
    ) -> Option<(Place, &'n Node)> {
        let found = mapping
            .entries
            .iter()
            .find(|(key, _)| key.name == field)
            .map(|(key, node)| (key.place, node));
        match found {
            Some((_, node)) if node.value == Value::Null => {
                self.error(
                    rule::MISSING_FIELD,
                    node.place,
                    format!("`{field}` in {} has no value", mapping.name),
                    Some(format!("give `{field}` a value")),
                );
                None
            }
            Some(found) => Some(found),
            None if mapping.suggested.contains(&field) => None,
            None => {
                self.error(
                    rule::MISSING_FIELD,
                    mapping.owner,
                    format!("missing field `{field}` in {}", mapping.name),
                    Some(format!("add `{field}:` to {}", mapping.name)),
                );
                None
            }
        }
    }

    /// A string value; numbers and booleans are refused with a hint to quote them.
    fn string(&mut self, node: &Node, field: &str) -> Option<String> {
        match &node.value {
            Value::Str(text) => Some(text.clone()),
            Value::Int(_) | Value::Float(_) | Value::Bool(_) => {
                let literal = self.literal(node);
                self.error(
                    rule::UNQUOTED_VALUE,
                    node.place,
                    format!(
                        "expected a string for `{field}`, found {} `{literal}`",
                        node.value.kind()
                    ),
                    Some(format!("quote it: `\"{}\"`", shown(&literal))),
                );
                None
            }
            other => {
                self.error(
                    rule::INVALID_TYPE,
                    node.place,
                    format!("expected a string for `{field}`, found {}", other.kind()),
                    None,
                );
                None
            }
        }
    }

    /// A string of `min..=max` characters.
    fn text(&mut self, node: &Node, field: &str, min: usize, max: usize) -> Option<String> {
        let text = self.string(node, field)?;
        let length = text.chars().count();
        if length > 0 && text.trim().is_empty() {
            self.error(
                rule::INVALID_VALUE,
                node.place,
                format!("`{field}` is blank: it holds only whitespace"),
                Some(format!("give `{field}` a value")),
            );
            return None;
        }
        if length < min || length > max {
            let message = if length == 0 {
                format!("`{field}` is empty")
            } else if length < min {
                format!(
                    "`{field}` is {} long; the API needs at least {min}",
                    crate::plan::Count::new(length, "character", "characters")
                )
            } else {
                format!(
                    "`{field}` is {} long; the API allows at most {max}",
                    crate::plan::Count::new(length, "character", "characters")
                )
            };
            self.error(rule::INVALID_VALUE, node.place, message, None);
            return None;
        }
        Some(text)
    }

    /// A required string field of at most `max` characters, not empty.
    fn required_text(
        &mut self,
        mapping: &Mapping<'_>,
        field: &'static str,
        max: usize,
    ) -> Option<String> {
        let (_, node) = self.required(mapping, field)?;
        self.text(node, field, 1, max)
    }

    fn optional_text(
        &mut self,
        mapping: &Mapping<'_>,
        field: &'static str,
    ) -> Option<Option<String>> {
        match mapping.get(field) {
            None => Some(None),
            Some(node) => self.string(node, field).map(Some),
        }
    }

    /// One of `T`'s wire names. An unquoted number (`number_of_employees: 250`) is not
    /// told to be quoted, which would only lead to a second error: it gets the valid
    /// choices at once, and the bracket that holds it when the choices are ranges.
    fn choice<T: WireEnum>(&mut self, node: &Node, field: &str) -> Option<T> {
        let text = match &node.value {
            Value::Str(text) => text.clone(),
            Value::Int(_) | Value::Float(_) | Value::Bool(_) => self.literal(node),
            _ => return self.string(node, field).and(None),
        };
        if let (Value::Str(_), Some(value)) = (&node.value, T::from_wire(&text)) {
            return Some(value);
        }
        let names: Vec<&str> = T::ALL.iter().map(|value| value.as_str()).collect();
        let all = names
            .iter()
            .map(|name| format!("`{name}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let (message, help) = if let Some((bracket, holds)) = bracket_holding(&text, &names) {
            (
                format!(
                    "`{}` is not a bracket: `{field}` takes a range of values",
                    shown(&text)
                ),
                format!(
                    "write one of {all}; `{bracket}` is the {} {}",
                    if holds {
                        "one that holds"
                    } else {
                        "nearest to"
                    },
                    shown(&text)
                ),
            )
        } else {
            let help = suggest(&text, names.iter().copied()).map_or_else(
                || format!("expected one of {all}"),
                |near| format!("did you mean `{near}`?"),
            );
            (format!("unknown `{field}` value `{}`", shown(&text)), help)
        };
        self.error(rule::INVALID_VALUE, node.place, message, Some(help));
        None
    }

    fn required_choice<T: WireEnum>(
        &mut self,
        mapping: &Mapping<'_>,
        field: &'static str,
    ) -> Option<T> {
        let (_, node) = self.required(mapping, field)?;
        self.choice(node, field)
    }

    /// Exactly `true` or `false`, as the schema says. The literal text is checked, not what
    /// YAML resolved: YAML 1.1 readers take `yes`, `on` or `True` for booleans and others
    /// take them for strings, and for `prune`, which deletes numbers, that difference must
    /// not decide anything.
    fn boolean(&mut self, node: &Node, field: &str) -> Option<bool> {
        if node.tag.is_some() {
            // Reported once, as a tagged value, by `hidden_content`.
            return None;
        }
        let literal = self.literal(node);
        if let (Value::Bool(value), "true" | "false") = (&node.value, literal.as_str()) {
            return Some(*value);
        }
        let spelling = literal.trim_matches(|character| character == '"' || character == '\'');
        let meant = match spelling.to_ascii_lowercase().as_str() {
            "true" | "yes" | "y" | "on" => Some(true),
            "false" | "no" | "n" | "off" => Some(false),
            _ => None,
        };
        let quoted = spelling.len() != literal.len();
        let help = match meant {
            Some(value) if quoted => {
                format!("write `{value}` without quotes; a quoted value is a string")
            }
            Some(value) => format!("write `{value}`; a boolean is exactly `true` or `false`"),
            None => "write `true` or `false`".to_owned(),
        };
        self.error(
            rule::INVALID_BOOLEAN,
            node.place,
            format!(
                "expected `true` or `false` for `{field}`, found `{}`",
                shown(&literal)
            ),
            Some(help),
        );
        None
    }
}

/// For choices that are ranges (`1-10`, …, `10001+`), the one nearest to the number `text`
/// (the one that holds it, when one does); `None` when `text` is not a number or the choices
/// are not ranges.
/// The bracket nearest to a number written instead of one, and whether it holds it.
fn bracket_holding<'a>(text: &str, names: &[&'a str]) -> Option<(&'a str, bool)> {
    let number: u64 = text.trim().parse().ok()?;
    let range = |name: &str| -> Option<(u64, u64)> {
        if let Some(low) = name.strip_suffix('+') {
            return Some((low.parse().ok()?, u64::MAX));
        }
        let (low, high) = name.split_once('-')?;
        Some((low.parse().ok()?, high.parse().ok()?))
    };
    let distance = |(low, high): (u64, u64)| {
        if number < low {
            low - number
        } else {
            number.saturating_sub(high)
        }
    };
    names
        .iter()
        .map(|name| range(name).map(|bounds| (*name, bounds)))
        .collect::<Option<Vec<_>>>()?
        .into_iter()
        .min_by_key(|(_, bounds)| distance(*bounds))
        .map(|(name, bounds)| (name, distance(bounds) == 0))
}

fn to_u32(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value as Json;

    fn properties<'a>(schema: &'a Json, definition: Option<&str>) -> Vec<&'a str> {
        let object = match definition {
            Some(name) => &schema["$defs"][name],
            None => schema,
        };
        let mut names: Vec<&str> = object["properties"]
            .as_object()
            .map(|properties| properties.keys().map(String::as_str).collect())
            .expect("every definition checked here is an object with properties");
        names.sort_unstable();
        names
    }

    fn sorted(fields: &[&'static str]) -> Vec<&'static str> {
        let mut fields = fields.to_vec();
        fields.sort_unstable();
        fields
    }

    #[test]
    fn field_lists_match_the_schema() {
        let schema = crate::manifest::schema().unwrap();
        assert_eq!(properties(&schema, None), sorted(MANIFEST_FIELDS));
        assert_eq!(properties(&schema, Some("Policy")), sorted(POLICY_FIELDS));
        assert_eq!(
            properties(&schema, Some("EnterpriseSpec")),
            sorted(ENTERPRISE_FIELDS)
        );
        assert_eq!(
            properties(&schema, Some("OrganizationContact")),
            sorted(ORGANIZATION_CONTACT_FIELDS)
        );
        assert_eq!(
            properties(&schema, Some("BillingContact")),
            sorted(BILLING_CONTACT_FIELDS)
        );
        assert_eq!(properties(&schema, Some("Address")), sorted(ADDRESS_FIELDS));
        assert_eq!(
            properties(&schema, Some("Reputation")),
            sorted(REPUTATION_FIELDS)
        );
        assert_eq!(
            properties(&schema, Some("NumbersFile")),
            sorted(NUMBERS_FILE_FIELDS)
        );
        let loa_variants: Vec<&str> = schema["$defs"]["Loa"]["oneOf"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|variant| variant["required"].as_array().unwrap())
            .map(|name| name.as_str().unwrap())
            .collect();
        assert_eq!(loa_variants, LOA_FIELDS);
        let proof_variants: Vec<&str> = schema["$defs"]["ExternalVerification"]["oneOf"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|variant| variant["required"].as_array().unwrap())
            .map(|name| name.as_str().unwrap())
            .collect();
        assert_eq!(proof_variants, EXTERNAL_VERIFICATION_FIELDS);
    }

    #[test]
    fn brackets() {
        let names = ["1-10", "11-50", "51-200", "201-500", "10001+"];
        assert_eq!(bracket_holding("250", &names), Some(("201-500", true)));
        assert_eq!(bracket_holding("10", &names), Some(("1-10", true)));
        assert_eq!(bracket_holding("0", &names), Some(("1-10", false)));
        assert_eq!(bracket_holding("700", &names), Some(("201-500", false)));
        assert_eq!(bracket_holding("20000", &names), Some(("10001+", true)));
        assert_eq!(bracket_holding("many", &names), None);
        assert_eq!(bracket_holding("1", &["daily", "weekly"]), None);
    }
}
