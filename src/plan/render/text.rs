//! The plan for people: grouped by step, billable steps marked, long number lists
//! summarised, ending in the summary line of docs/design.md, "Outputs".

use std::io::{self, Write};

use anstyle::{AnsiColor, Style};

use super::{HEAD, RenderOptions, Shown, TAIL, combined_summary, price_note, shortened, summarize};
use crate::plan::cost::dollars;
use crate::plan::{Action, Cost, Plan, Step, plural};

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
    writeln!(out, "{}", heading(plan))?;
    if !plan.errors.is_empty() {
        writeln!(out, "\nThe plan cannot be made:")?;
        let helps: Vec<Option<&str>> = if plan.diagnostics.len() == plan.errors.len() {
            plan.diagnostics
                .iter()
                .map(|diagnostic| diagnostic.help.as_deref())
                .collect()
        } else {
            vec![None; plan.errors.len()]
        };
        let entries: Vec<(&String, Option<&str>)> = plan.errors.iter().zip(helps).collect();
        for entry in shortened(&entries, options.full) {
            match entry {
                Shown::Item((error, help)) => {
                    writeln!(out, "  - {error}")?;
                    if let Some(help) = help {
                        writeln!(out, "    help: {help}")?;
                    }
                }
                Shown::Elided(count) => writeln!(
                    out,
                    "  - … {} more (`--full` shows all) …",
                    plural(count, "error", "errors")
                )?,
            }
        }
        writeln!(out, "\n{}", plan.summary_line())?;
        return Ok(());
    }
    if !plan.steps.is_empty() {
        writeln!(out)?;
    }
    let mut index = 0;
    while let Some(step) = plan.steps.get(index) {
        // A long run of removals reads like a long number list: first three, last two.
        let run = plan
            .steps
            .get(index..)
            .unwrap_or_default()
            .iter()
            .take_while(|candidate| candidate.action == step.action)
            .count();
        if step.action == Action::RemoveNumber && run > HEAD + TAIL + 1 && !options.full {
            let removals = plan.steps.get(index..index + run).unwrap_or_default();
            for (position, removal) in removals.iter().enumerate() {
                if position == HEAD {
                    writeln!(
                        out,
                        "  … {} more (`--full` shows all) …",
                        plural(
                            run - HEAD - TAIL,
                            "remove_number step",
                            "remove_number steps"
                        )
                    )?;
                }
                if position < HEAD || position >= run - TAIL {
                    render_step(removal, options, out)?;
                }
            }
            index += run;
            continue;
        }
        render_step(step, options, out)?;
        index += 1;
    }
    if !plan.unmanaged.is_empty() {
        writeln!(
            out,
            "\nUnmanaged: {} monitored live but not in the manifest (`prune: false` keeps them)",
            plural(plan.unmanaged.len(), "number", "numbers")
        )?;
        writeln!(out, "      {}", summarize(&plan.unmanaged, options.full))?;
    }
    if !plan.warnings.is_empty() {
        writeln!(out, "\nWarnings:")?;
        for warning in &plan.warnings {
            writeln!(out, "  - {}", warning.message)?;
        }
    }
    if let Some(cost) = &plan.cost {
        render_cost(cost, options, out)?;
    }
    writeln!(out, "\n{}", plan.summary_line())
}

/// `Enterprise NAME (id ID), manifest PATH`, saying only what was read.
fn heading(plan: &Plan) -> String {
    let Some(legal_name) = &plan.enterprise.legal_name else {
        return format!("Manifest {}", plan.manifest);
    };
    match (&plan.enterprise.id, plan.observed) {
        (Some(id), _) => format!(
            "Enterprise {legal_name} (id {id}), manifest {}",
            plan.manifest
        ),
        (None, true) => format!(
            "Enterprise {legal_name} (not created yet), manifest {}",
            plan.manifest
        ),
        (None, false) => format!("Enterprise {legal_name}, manifest {}", plan.manifest),
    }
}

fn render_step(step: &Step, options: RenderOptions, out: &mut impl Write) -> io::Result<()> {
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
    Ok(())
}

fn render_cost(cost: &Cost, options: RenderOptions, out: &mut impl Write) -> io::Result<()> {
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
    if let Some(note) = price_note(options) {
        writeln!(out, "  {note}")?;
    }
    Ok(())
}
