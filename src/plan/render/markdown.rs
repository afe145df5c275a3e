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
