//! The plan for people: grouped by step, billable steps marked, long number lists
//! summarised, ending in the summary line of docs/design.md, "Outputs".

use std::io::{self, Write};

use anstyle::{AnsiColor, Style};

use super::{RenderOptions, combined_summary, summarize};
use crate::plan::cost::dollars;
use crate::plan::{Action, Plan, plural};

fn style(color: bool, action: Action) -> Style {
    if !color {
        return Style::new();
    }
    let ansi = match action.symbol() {
        '+' => AnsiColor::Green,
        '~' => AnsiColor::Yellow,
        '-' => AnsiColor::Red,
        _ => AnsiColor::Cyan,
    };
    Style::new().fg_color(Some(ansi.into())).bold()
}

/// Writes every plan, then a combined summary when there are several.
pub fn render_text(plans: &[Plan], options: RenderOptions, out: &mut impl Write) -> io::Result<()> {
    for (index, plan) in plans.iter().enumerate() {
        if index > 0 {
            writeln!(out)?;
        }
        render_one(plan, options, out)?;
    }
    if plans.len() > 1 {
        writeln!(out, "\n{}", combined_summary(plans))?;
    }
    Ok(())
}

fn render_one(plan: &Plan, options: RenderOptions, out: &mut impl Write) -> io::Result<()> {
    let id = plan
        .enterprise
        .id
        .as_deref()
        .map_or_else(|| "not created yet".to_owned(), |id| format!("id {id}"));
    writeln!(
        out,
        "Enterprise {} ({id}), manifest {}",
        plan.enterprise.legal_name, plan.manifest
    )?;
    if !plan.errors.is_empty() {
        writeln!(out, "\nThe plan cannot be made:")?;
        for error in &plan.errors {
            writeln!(out, "  - {error}")?;
        }
        writeln!(out, "\n{}", plan.summary())?;
        return Ok(());
    }
    if !plan.steps.is_empty() {
        writeln!(out)?;
    }
    for step in &plan.steps {
        let style = style(options.color, step.action);
        let billable = if step.billable { "  [billable]" } else { "" };
        writeln!(
            out,
            "{style}{} {}{style:#}  {} {}{billable}",
            step.action.symbol(),
            step.action.name(),
            step.method,
            step.path
        )?;
        writeln!(out, "    {}", step.reason)?;
        for change in step.fields.iter().flatten() {
            writeln!(
                out,
                "      {}: {} → {}",
                change.field,
                change.old.as_deref().unwrap_or("(unset)"),
                change.new.as_deref().unwrap_or("(unset)")
            )?;
        }
        if let (Some(old), Some(new)) = (&step.old, &step.new) {
            writeln!(out, "      {old} → {new}")?;
        }
        if let Some(numbers) = &step.phone_numbers {
            writeln!(out, "      {}", summarize(numbers, options.full))?;
        }
        if let Some(number) = &step.phone_number {
            writeln!(out, "      {number}")?;
        }
    }
    if !plan.unmanaged.is_empty() {
        writeln!(
            out,
            "\nUnmanaged: {} monitored live but not in the manifest (`prune: false` keeps them)",
            plural(plan.unmanaged.len(), "number", "numbers")
        )?;
        writeln!(out, "      {}", summarize(&plan.unmanaged, options.full))?;
    }
    let cost = &plan.cost;
    writeln!(out, "\nCost")?;
    if cost.apply_charges.is_empty() {
        writeln!(out, "  apply bills nothing")?;
    } else {
        writeln!(out, "  apply bills {}:", dollars(cost.apply_total))?;
        for charge in &cost.apply_charges {
            writeln!(out, "    {}: {}", charge.what, dollars(charge.amount))?;
        }
    }
    if (cost.monthly_before - cost.monthly_after).abs() >= 0.005 {
        writeln!(
            out,
            "  monthly (monitoring and auto-refresh): {} → {}",
            dollars(cost.monthly_before),
            dollars(cost.monthly_after)
        )?;
    } else {
        writeln!(
            out,
            "  monthly (monitoring and auto-refresh): {}, unchanged",
            dollars(cost.monthly_after)
        )?;
    }
    writeln!(out, "\n{}", plan.summary())
}
