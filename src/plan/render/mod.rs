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
