//! `--format markdown`: for a pull-request comment. Summary and cost first, details in
//! `<details>` blocks, never over GitHub's 65,536 characters however many numbers.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::{
    RenderOptions, Shown, combined_summary, price_note, shortened, shown_steps, summarize,
};
use crate::plan::cost::dollars;
use crate::plan::{Count, Detail, Plan, PlanDiagnostic, Step};

/// GitHub's limit on a comment body.
pub const MARKDOWN_LIMIT: usize = 65_536;

/// How to write the comment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MarkdownOptions {
    /// The path arguments as given, joined by spaces: the first line's marker, so a CI job
    /// finds its earlier comment and updates it in place.
    pub marker: String,
    /// List every number (unless that would pass the limit).
    pub full: bool,
    /// The prices are the built-in table: the cost says so.
    pub default_prices: Option<crate::plan::Prices>,
}

/// Writes the comment; with `full`, every number is listed unless that would pass the
/// limit, in which case lists are summarised and the comment says how to see them all.
pub fn render_markdown(
    plans: &[Plan],
    options: &MarkdownOptions,
    out: &mut impl Write,
) -> io::Result<()> {
    let mut text = build(plans, options, options.full);
    if text.len() > MARKDOWN_LIMIT {
        text = build(plans, options, false);
        if options.full {
            text.push_str("_Every list in full would pass GitHub's comment limit, so long lists are shortened here; `telrep plan --full` prints them._\n");
        }
    }
    if text.len() > MARKDOWN_LIMIT {
        text = build_brief(plans, options);
    }
    out.write_all(text.as_bytes())
}

/// The first line: an HTML comment naming the paths, invisible on GitHub.
fn marker(options: &MarkdownOptions, text: &mut String) {
    let _ = writeln!(text, "<!-- telrep plan: {} -->", options.marker);
}

fn build(plans: &[Plan], options: &MarkdownOptions, full: bool) -> String {
    let mut text = String::new();
    marker(options, &mut text);
    if plans.len() > 1 {
        let _ = writeln!(text, "**{}**\n", combined_summary(plans));
    }
    for plan in plans {
        section(plan, options, full, &mut text);
    }
    text
}

fn header(plan: &Plan, options: &MarkdownOptions, full: bool, text: &mut String) {
    match &plan.enterprise.legal_name {
        Some(legal_name) => {
            let _ = writeln!(
                text,
                "### telrep plan: {legal_name} (`{}`)\n",
                plan.manifest
            );
        }
        None => {
            let _ = writeln!(text, "### telrep plan: `{}`\n", plan.manifest);
        }
    }
    let _ = writeln!(text, "**{}**\n", plan.summary_line());
    let entries: Vec<&PlanDiagnostic> = plan.diagnostics.iter().collect();
    for entry in shortened(&entries, full) {
        match entry {
            Shown::Item(diagnostic) => {
                // A number's error already names its place; a manifest problem does not.
                let place = match (diagnostic.line, diagnostic.column) {
                    (Some(line), Some(column))
                        if !diagnostic
                            .message
                            .contains(&format!("{}:{line}:{column}", diagnostic.file)) =>
                    {
                        format!(" (`{}:{line}:{column}`)", diagnostic.file)
                    }
                    _ => String::new(),
                };
                let _ = writeln!(text, "- :x: {}{place}", diagnostic.message);
                if let Some(help) = &diagnostic.help {
                    let _ = writeln!(text, "  - help: {help}");
                }
            }
            Shown::Elided(count) => {
                let _ = writeln!(
                    text,
                    "- … {} (`telrep plan --full` shows all) …",
                    Count::new(count, "more error", "more errors")
                );
            }
        }
    }
    for warning in &plan.warnings {
        let _ = writeln!(text, "- :warning: {}", warning.message);
    }
    if !plan.diagnostics.is_empty() || !plan.warnings.is_empty() {
        text.push('\n');
    }
    if let Some(cost) = &plan.cost {
        let _ = writeln!(
            text,
            "| cost | amount |\n|---|---|\n| billed by apply | {} |\n| monthly before | {} |\n| monthly after | {} |\n",
            dollars(cost.apply_total),
            dollars(cost.monthly_before),
            dollars(cost.monthly_after)
        );
        if let Some(note) = price_note(RenderOptions {
            full,
            color: false,
            default_prices: options.default_prices,
        }) {
            let _ = writeln!(text, "_{note}_\n");
        }
    }
}

fn section(plan: &Plan, options: &MarkdownOptions, full: bool, text: &mut String) {
    header(plan, options, full, text);
    if plan.steps.is_empty() && plan.unmanaged.is_empty() {
        return;
    }
    let _ = writeln!(
        text,
        "<details><summary>{}</summary>\n",
        Count::new(plan.steps.len(), "step", "steps")
    );
    for entry in shown_steps(&plan.steps, full) {
        match entry {
            Shown::Item(step) => step_line(step, full, text),
            Shown::Elided(count) => {
                let _ = writeln!(
                    text,
                    "- … {} (`telrep plan --full` shows all) …",
                    Count::new(count, "more remove_number step", "more remove_number steps")
                );
            }
        }
    }
    if !plan.unmanaged.is_empty() {
        let _ = writeln!(
            text,
            "\nUnmanaged ({}, kept by `prune: false`): {}",
            Count::new(plan.unmanaged.len(), "number", "numbers"),
            summarize(&plan.unmanaged, full)
        );
    }
    let _ = writeln!(text, "\n</details>\n");
}

fn step_line(step: &Step, full: bool, text: &mut String) {
    let billable = if step.billable() { " (billable)" } else { "" };
    let _ = writeln!(
        text,
        "- `{}` **{}** `{} {}`{billable}: {}",
        step.action.symbol(),
        step.action.name(),
        step.method(),
        step.path,
        step.reason
    );
    for change in step.fields() {
        let old = change.old.as_deref().unwrap_or("(unset)");
        let new = change.new.as_deref().unwrap_or("(unset)");
        if super::is_long(old, new) {
            let _ = writeln!(text, "  - `{}`:\n\n    ```diff", change.field);
            for line in super::value_diff(old, new, "    ") {
                let _ = writeln!(text, "{line}");
            }
            let _ = writeln!(text, "    ```");
        } else {
            let _ = writeln!(text, "  - `{}`: `{old}` → `{new}`", change.field);
        }
    }
    if let Some((old, new)) = step.change() {
        let _ = writeln!(text, "  - `{old}` → `{new}`");
    }
    if let Detail::AddNumbers { phone_numbers } = &step.detail {
        let numbers: Vec<String> = phone_numbers.iter().map(ToString::to_string).collect();
        let _ = writeln!(text, "  - {}", summarize(&numbers, full));
    }
    if let Detail::RemoveNumber {
        phone_number: number,
    } = &step.detail
    {
        let _ = writeln!(text, "  - {number}");
    }
}

/// Only the summaries: for plans so large that even summarised steps pass the limit.
fn build_brief(plans: &[Plan], options: &MarkdownOptions) -> String {
    let mut text = String::new();
    marker(options, &mut text);
    for plan in plans {
        header(plan, options, false, &mut text);
    }
    let _ = writeln!(
        text,
        "_The full plan is too long for a comment: run `telrep plan --full` to see every step._"
    );
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Action, Cost, Detail, FORMAT_VERSION, PlanEnterprise, Step};

    fn plan_with_batches(batches: usize) -> Plan {
        let steps = (0..batches)
            .map(|batch| {
                let mut step = Step::new(
                    Action::AddNumbers,
                    "/enterprises/{enterprise_id}/reputation/numbers".to_owned(),
                    format!(
                        "batch {} of {batches}: 100 numbers not monitored yet",
                        batch + 1
                    ),
                );
                step.detail = Detail::AddNumbers {
                    phone_numbers: (0..100)
                        .filter_map(|index| {
                            crate::model::E164::parse(&format!("+1202{:07}", batch * 100 + index))
                        })
                        .collect(),
                };
                step
            })
            .collect();
        Plan {
            format_version: FORMAT_VERSION,
            manifest: "fleet.yaml".to_owned(),
            enterprise: PlanEnterprise {
                id: None,
                legal_name: Some("Acme Corp".to_owned()),
            },
            changes: true,
            steps,
            unmanaged: Vec::new(),
            errors: Vec::new(),
            summary: None,
            diagnostics: Vec::new(),
            warnings: Vec::new(),
            cost: Some(Cost {
                apply_charges: Vec::new(),
                apply_total: 0.0,
                monthly_before: 0.0,
                monthly_after: 0.0,
            }),
            fingerprint: Some("sha256:0".to_owned()),
            observed: true,
        }
    }

    fn render(plan: &Plan, full: bool) -> String {
        let mut out = Vec::new();
        let options = MarkdownOptions {
            marker: "fleet.yaml".to_owned(),
            full,
            default_prices: None,
        };
        render_markdown(std::slice::from_ref(plan), &options, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_long_value_is_shown_as_a_diff_block() {
        let mut plan = plan_with_batches(0);
        plan.steps = vec![
            Step::new(
                Action::UpdateEnterprise,
                "/enterprises/ID".to_owned(),
                "2 fields differ from the manifest".to_owned(),
            )
            .with(Detail::UpdateEnterprise {
                fields: vec![
                    crate::plan::FieldChange {
                        field: "street_address".to_owned(),
                        old: Some("1 Infinite Loop, Building 4, Cupertino, CA".to_owned()),
                        new: Some("1 Infinite Loop, Building 5, Cupertino, CA".to_owned()),
                    },
                    crate::plan::FieldChange {
                        field: "fein".to_owned(),
                        old: Some("12-3456789".to_owned()),
                        new: Some("98-7654321".to_owned()),
                    },
                ],
            }),
        ];
        let text = render(&plan, false);
        assert!(
            text.contains(
                "  - `street_address`:\n\n    ```diff\n    - 1 Infinite Loop, Building 4, Cupertino, CA\n                                ^\n    + 1 Infinite Loop, Building 5, Cupertino, CA\n                                ^\n    ```\n  - `fein`: `12-3456789` → `98-7654321`\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn long_runs_of_removals_are_shortened() {
        let mut plan = plan_with_batches(0);
        plan.steps = (0..8)
            .map(|index| {
                Step::new(
                    Action::RemoveNumber,
                    format!("/enterprises/ID/reputation/numbers/%2B1202555000{index}"),
                    "monitored live but not in the manifest (`prune: true`)".to_owned(),
                )
                .with(Detail::RemoveNumber {
                    phone_number: crate::model::E164::parse(&format!("+1202555000{index}"))
                        .unwrap(),
                })
            })
            .collect();
        let text = render(&plan, false);
        assert_eq!(text.matches("**remove_number**").count(), 5);
        assert!(text.contains(
            "- … 3 more remove_number steps (`telrep plan --full` shows all) …\n- `-` **remove_number** `DELETE /enterprises/ID/reputation/numbers/%2B12025550006`"
        ));
        assert_eq!(render(&plan, true).matches("**remove_number**").count(), 8);
    }

    #[test]
    fn stays_within_the_comment_limit() {
        // 3 batches: everything fits, even with --full.
        let small = render(&plan_with_batches(3), true);
        assert!(small.contains("+12020000299"));
        assert!(!small.contains("too long for a comment"));
        // 1,000 batches (100,000 numbers): --full is summarised, then only the summary is left.
        let large = plan_with_batches(1_000);
        for full in [false, true] {
            let text = render(&large, full);
            assert!(text.len() <= MARKDOWN_LIMIT, "{} characters", text.len());
            assert!(text.starts_with("<!-- telrep plan: fleet.yaml -->\n### telrep plan: Acme Corp (`fleet.yaml`)\n\n**Plan: 0 to create, 100,000 numbers to add, 0 to remove, 0 to change.**"));
            assert!(text.ends_with("_The full plan is too long for a comment: run `telrep plan --full` to see every step._\n"));
        }
        // 200 batches: summarised number lists fit, full lists do not.
        let medium = plan_with_batches(200);
        let text = render(&medium, true);
        assert!(text.len() <= MARKDOWN_LIMIT);
        assert!(text.contains("… 95 more …"));
        assert!(!text.contains("too long for a comment"));
    }
}
