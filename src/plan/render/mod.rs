//! Renderers of plans: text for people, JSON for programs, Markdown for pull-request
//! comments. Each writes into the writer it is given and takes colour as an argument.

mod diff;
mod json;
mod markdown;
mod text;

pub use diff::manifest_diff;
pub use json::render_json;
pub use markdown::{MARKDOWN_LIMIT, MarkdownOptions, render_markdown};
pub use text::render_text;

use super::{Count, Plan};

/// How to render.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RenderOptions {
    /// List every number instead of the first and last few.
    pub full: bool,
    /// ANSI colours (text only).
    pub color: bool,
    /// The prices are the built-in table, not `--prices FILE`: the cost says so.
    pub default_prices: Option<super::Prices>,
}

/// The line under the cost that says where the prices came from, when they are the
/// built-in ones.
pub(crate) fn price_note(options: RenderOptions) -> Option<String> {
    options.default_prices.map(|prices| {
        format!(
            "prices: the built-in table ({} a month for monitoring, {} a check); `--prices FILE` sets yours",
            super::cost::dollars(prices.monitoring_per_month),
            super::cost::dollars(prices.per_check)
        )
    })
}

/// How many items a shortened list shows first and last.
pub(crate) const HEAD: usize = 3;
/// See `HEAD`.
pub(crate) const TAIL: usize = 2;

/// An entry of a shortened list: an item, or how many were left out in its place.
pub(crate) enum Shown<T> {
    Item(T),
    Elided(usize),
}

/// The first three and last two of a long list (all of it with `full`), as number lists
/// are shortened.
pub(crate) fn shortened<T: Clone>(items: &[T], full: bool) -> Vec<Shown<T>> {
    if full || items.len() <= HEAD + TAIL + 1 {
        return items.iter().cloned().map(Shown::Item).collect();
    }
    let mut shown: Vec<Shown<T>> = items.iter().take(HEAD).cloned().map(Shown::Item).collect();
    shown.push(Shown::Elided(items.len() - HEAD - TAIL));
    shown.extend(
        items
            .iter()
            .skip(items.len() - TAIL)
            .cloned()
            .map(Shown::Item),
    );
    shown
}

/// A plan's steps as renderers show them: a long run of `remove_number` steps reads like a
/// long number list, its first three and last two (all with `full`).
pub(crate) fn shown_steps(steps: &[super::Step], full: bool) -> Vec<Shown<&super::Step>> {
    let mut shown = Vec::new();
    let mut rest = steps;
    while let Some(first) = rest.first() {
        let run = rest
            .iter()
            .take_while(|step| step.action == first.action)
            .count();
        let (group, tail) = rest.split_at(run);
        if first.action == super::Action::RemoveNumber {
            shown.extend(shortened(&group.iter().collect::<Vec<_>>(), full));
        } else {
            shown.extend(group.iter().map(Shown::Item));
        }
        rest = tail;
    }
    shown
}

/// Fields holding personal data: shown changed, with a short hash, unless
/// `--show-sensitive` (pull-request comments are widely readable).
pub fn is_sensitive(field: &str) -> bool {
    field == "fein"
        || [
            "organization_contact.",
            "billing_contact.",
            "organization_physical_address.",
            "billing_address.",
        ]
        .iter()
        .any(|prefix| field.starts_with(prefix))
}

/// The plan with personal data replaced by `sha256:` and eight hex digits of the value.
pub fn masked(plan: &Plan) -> Plan {
    let mut plan = plan.clone();
    for step in &mut plan.steps {
        let crate::plan::Detail::UpdateEnterprise { fields } = &mut step.detail else {
            continue;
        };
        for change in fields {
            if is_sensitive(&change.field) {
                change.old = change.old.as_deref().map(short_hash);
                change.new = change.new.as_deref().map(short_hash);
            }
        }
    }
    plan
}

fn short_hash(value: &str) -> String {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(value.as_bytes());
    let head: Vec<u8> = digest.iter().take(4).copied().collect();
    format!("sha256:{}", crate::model::hex(&head))
}

/// The first three and last two of a long list, with how many are left out.
pub(crate) fn summarize(numbers: &[String], full: bool) -> String {
    if full || numbers.len() <= HEAD + TAIL + 1 {
        return numbers.join(", ");
    }
    let joined = |shown: Vec<&str>| shown.join(", ");
    let head = joined(numbers.iter().take(HEAD).map(String::as_str).collect());
    let tail = joined(
        numbers
            .iter()
            .skip(numbers.len() - TAIL)
            .map(String::as_str)
            .collect(),
    );
    format!(
        "{head}, … {} more …, {tail}",
        super::thousands(numbers.len() - HEAD - TAIL)
    )
}

/// Exit-code-ready combination of many plans' outcomes: any error, else any change.
pub fn combined_summary(plans: &[Plan]) -> String {
    let failed = plans.iter().filter(|plan| !plan.errors.is_empty()).count();
    if plans.iter().all(|plan| !plan.observed) {
        return format!(
            "Total: nothing was planned ({} could not be); no request was made.",
            Count::new(failed, "entry", "entries")
        );
    }
    let changed = plans
        .iter()
        .filter(|plan| plan.errors.is_empty() && plan.changes)
        .count();
    let (mut create, mut add, mut remove, mut change) = (0, 0, 0, 0);
    for plan in plans.iter().filter(|plan| plan.errors.is_empty()) {
        let counts = plan.counts();
        create += counts.0;
        add += counts.1;
        remove += counts.2;
        change += counts.3;
    }
    format!(
        "Total: {} planned, {changed} with changes, {failed} failed; {create} to create, {} to add, {remove} to remove, {change} to change.",
        Count::new(plans.len(), "manifest", "manifests"),
        Count::new(add, "number", "numbers")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sensitive_fields_and_summaries() {
        assert!(is_sensitive("fein"));
        assert!(is_sensitive("billing_contact.email"));
        assert!(!is_sensitive("website"));
        assert!(!is_sensitive("legal_name"));
        assert_eq!(short_hash("12-3456789").len(), "sha256:".len() + 8);
        let numbers: Vec<String> = (0..10).map(|index| format!("+1202555000{index}")).collect();
        assert_eq!(
            summarize(&numbers, false),
            "+12025550000, +12025550001, +12025550002, … 5 more …, +12025550008, +12025550009"
        );
        assert_eq!(summarize(&numbers[..6], false), numbers[..6].join(", "));
        assert_eq!(summarize(&numbers, true), numbers.join(", "));
    }
}

#[cfg(test)]
#[path = "tests.rs"]
mod whole_output;

/// A value longer than this (or of several lines) is shown as a diff of its old and new
/// forms instead of `old → new` on one line, where the change would be hard to spot.
pub(crate) const LONG_VALUE: usize = 40;

/// Whether a change of `old` to `new` is shown as a diff.
pub(crate) fn is_long(old: &str, new: &str) -> bool {
    [old, new]
        .iter()
        .any(|value| value.chars().count() > LONG_VALUE || value.contains('\n'))
}

/// A long value's change, made with `similar`: for one-line values the `-` and `+` lines
/// each followed by a line of `^` under the words and signs that differ (a marker never
/// splits a word); for several lines a line diff. Every line is indented by `indent`.
pub(crate) fn value_diff(old: &str, new: &str, indent: &str) -> Vec<String> {
    if old.contains('\n') || new.contains('\n') {
        return similar::TextDiff::from_lines(old, new)
            .iter_all_changes()
            .map(|change| {
                let sign = match change.tag() {
                    similar::ChangeTag::Delete => '-',
                    similar::ChangeTag::Insert => '+',
                    similar::ChangeTag::Equal => ' ',
                };
                format!("{indent}{sign} {}", change.value().trim_end_matches('\n'))
            })
            .collect();
    }
    let (old_tokens, new_tokens) = (tokens(old), tokens(new));
    let (mut old_marks, mut new_marks) = (String::new(), String::new());
    let width = |tokens: &[&str], start: usize, len: usize| -> usize {
        tokens
            .iter()
            .skip(start)
            .take(len)
            .map(|token| token.chars().count())
            .sum()
    };
    for op in similar::capture_diff_slices(similar::Algorithm::Myers, &old_tokens, &new_tokens) {
        let (old_range, new_range) = (op.old_range(), op.new_range());
        let (old_width, new_width) = (
            width(&old_tokens, old_range.start, old_range.len()),
            width(&new_tokens, new_range.start, new_range.len()),
        );
        let mark = if matches!(op, similar::DiffOp::Equal { .. }) {
            " "
        } else {
            "^"
        };
        old_marks.push_str(&mark.repeat(old_width));
        new_marks.push_str(&mark.repeat(new_width));
    }
    let mut lines = vec![format!("{indent}- {old}")];
    if old_marks.contains('^') {
        lines.push(format!("{indent}  {}", old_marks.trim_end()));
    }
    lines.push(format!("{indent}+ {new}"));
    if new_marks.contains('^') {
        lines.push(format!("{indent}  {}", new_marks.trim_end()));
    }
    lines
}

/// Runs of letters and digits, and each other character alone: what a change is marked by.
fn tokens(text: &str) -> Vec<&str> {
    let mut tokens = Vec::new();
    let mut start = None;
    for (at, character) in text.char_indices() {
        if character.is_alphanumeric() {
            start.get_or_insert(at);
            continue;
        }
        if let Some(from) = start.take() {
            tokens.extend(text.get(from..at));
        }
        tokens.extend(text.get(at..at + character.len_utf8()));
    }
    if let Some(from) = start {
        tokens.extend(text.get(from..));
    }
    tokens
}

#[cfg(test)]
mod value_diff_tests {
    use super::{is_long, value_diff};

    #[test]
    fn short_values_stay_on_one_line_and_long_ones_are_marked_word_by_word() {
        assert!(!is_long(
            "https://acme.example",
            "https://acme.example/about"
        ));
        assert!(is_long("a", &"x".repeat(41)));
        assert!(is_long("one\ntwo", "one"));
        assert_eq!(
            value_diff(
                "https://www.acme-corporation.example/contact",
                "https://www.acme-corporation.example/about-us",
                "  "
            ),
            [
                "  - https://www.acme-corporation.example/contact",
                "                                         ^^^^^^^",
                "  + https://www.acme-corporation.example/about-us",
                "                                         ^^^^^^^^",
            ]
        );
        // An insertion marks only the new line.
        assert_eq!(
            value_diff(
                "Suite 100, 1 Market Street, San Francisco",
                "Suite 100, Floor 2, 1 Market Street, San Francisco",
                ""
            ),
            [
                "- Suite 100, 1 Market Street, San Francisco",
                "+ Suite 100, Floor 2, 1 Market Street, San Francisco",
                "             ^^^^^^^^^",
            ]
        );
        assert_eq!(
            value_diff("line one\nline two\n", "line one\nline 2\n", "  "),
            ["    line one", "  - line two", "  + line 2"]
        );
    }
}
