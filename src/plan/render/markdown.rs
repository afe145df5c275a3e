//! `--format markdown`: for a pull-request comment. Summary and cost first, details in
//! `<details>` blocks, never over GitHub's 65,536 characters however many numbers.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::{combined_summary, summarize};
use crate::plan::cost::dollars;
use crate::plan::{Plan, plural};

/// GitHub's limit on a comment body.
pub const MARKDOWN_LIMIT: usize = 65_536;

/// Writes the comment; with `full`, every number is listed unless that would pass the
/// limit, in which case lists are summarised and the comment says how to see them all.
pub fn render_markdown(plans: &[Plan], full: bool, out: &mut impl Write) -> io::Result<()> {
    let mut text = build(plans, full);
    if text.len() > MARKDOWN_LIMIT {
        text = build(plans, false);
    }
    if text.len() > MARKDOWN_LIMIT {
        text = build_brief(plans);
    }
    out.write_all(text.as_bytes())
}

fn build(plans: &[Plan], full: bool) -> String {
    let mut text = String::new();
    if plans.len() > 1 {
        let _ = writeln!(text, "**{}**\n", combined_summary(plans));
    }
    for plan in plans {
        section(plan, full, &mut text);
    }
    text
}

fn header(plan: &Plan, text: &mut String) {
    let _ = writeln!(
        text,
        "### telrep plan: {} (`{}`)\n",
        plan.enterprise.legal_name, plan.manifest
    );
    let _ = writeln!(text, "**{}**\n", plan.summary());
    for error in &plan.errors {
        let _ = writeln!(text, "- :x: {error}");
    }
    if !plan.errors.is_empty() {
        text.push('\n');
    }
    let cost = &plan.cost;
    let _ = writeln!(
        text,
        "| cost | amount |\n|---|---|\n| billed by apply | {} |\n| monthly before | {} |\n| monthly after | {} |\n",
        dollars(cost.apply_total),
        dollars(cost.monthly_before),
        dollars(cost.monthly_after)
    );
}

fn section(plan: &Plan, full: bool, text: &mut String) {
    header(plan, text);
    if plan.steps.is_empty() && plan.unmanaged.is_empty() {
        return;
    }
    let _ = writeln!(
        text,
        "<details><summary>{} </summary>\n",
        plural(plan.steps.len(), "step", "steps")
    );
    for step in &plan.steps {
        let billable = if step.billable { " (billable)" } else { "" };
        let _ = writeln!(
            text,
            "- `{}` **{}** `{} {}`{billable}: {}",
            step.action.symbol(),
            step.action.name(),
            step.method,
            step.path,
            step.reason
        );
        for change in step.fields.iter().flatten() {
            let _ = writeln!(
                text,
                "  - `{}`: `{}` → `{}`",
                change.field,
                change.old.as_deref().unwrap_or("(unset)"),
                change.new.as_deref().unwrap_or("(unset)")
            );
        }
        if let (Some(old), Some(new)) = (&step.old, &step.new) {
            let _ = writeln!(text, "  - `{old}` → `{new}`");
        }
        if let Some(numbers) = &step.phone_numbers {
            let _ = writeln!(text, "  - {}", summarize(numbers, full));
        }
        if let Some(number) = &step.phone_number {
            let _ = writeln!(text, "  - {number}");
        }
    }
    if !plan.unmanaged.is_empty() {
        let _ = writeln!(
            text,
            "\nUnmanaged ({}, kept by `prune: false`): {}",
            plural(plan.unmanaged.len(), "number", "numbers"),
            summarize(&plan.unmanaged, full)
        );
    }
    let _ = writeln!(text, "\n</details>\n");
}

/// Only the summaries: for plans so large that even summarised steps pass the limit.
fn build_brief(plans: &[Plan]) -> String {
    let mut text = String::new();
    for plan in plans {
        header(plan, &mut text);
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
    use crate::plan::{Action, Cost, FORMAT_VERSION, PlanEnterprise, Step};

    fn plan_with_batches(batches: usize) -> Plan {
        let steps = (0..batches)
            .map(|batch| {
                let mut step = Step::new(
                    Action::AddNumbers,
                    "POST",
                    "/enterprises/{enterprise_id}/reputation/numbers".to_owned(),
                    true,
                    format!(
                        "batch {} of {batches}: 100 numbers not monitored yet",
                        batch + 1
                    ),
                );
                step.phone_numbers = Some(
                    (0..100)
                        .map(|index| format!("+1202{:07}", batch * 100 + index))
                        .collect(),
                );
                step
            })
            .collect();
        Plan {
            format_version: FORMAT_VERSION,
            manifest: "fleet.yaml".to_owned(),
            enterprise: PlanEnterprise {
                id: None,
                legal_name: "Acme Corp".to_owned(),
            },
            changes: true,
            steps,
            unmanaged: Vec::new(),
            errors: Vec::new(),
            cost: Cost {
                apply_charges: Vec::new(),
                apply_total: 0.0,
                monthly_before: 0.0,
                monthly_after: 0.0,
            },
            fingerprint: "sha256:0".to_owned(),
        }
    }

    fn render(plan: &Plan, full: bool) -> String {
        let mut out = Vec::new();
        render_markdown(std::slice::from_ref(plan), full, &mut out).unwrap();
        String::from_utf8(out).unwrap()
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
            assert!(text.starts_with("### telrep plan: Acme Corp (`fleet.yaml`)\n\n**Plan: 0 to create, 100,000 numbers to add, 0 to remove, 0 to change.**"));
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
