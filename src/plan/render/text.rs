//! The plan for people: grouped by step, billable steps marked, long number lists
//! summarised, ending in the summary line of docs/design.md, "Outputs".

use std::io::{self, Write};

use anstyle::{AnsiColor, Style};

use super::{
    RenderOptions, Shown, combined_summary, price_note, shortened, shown_steps, summarize,
};
use crate::plan::cost::dollars;
use crate::plan::{Action, Cost, Count, Detail, Plan, Step};

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

/// Why the plan cannot be made, each reason with its help; long lists shortened.
fn render_errors(plan: &Plan, options: RenderOptions, out: &mut impl Write) -> io::Result<()> {
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
                "  - … {} (`--full` shows all) …",
                Count::new(count, "more error", "more errors")
            )?,
        }
    }
    render_warnings(plan, out)?;
    writeln!(out, "\n{}", plan.summary_line())?;
    Ok(())
}

/// What needs attention though it changes nothing (ownership to confirm, a similar name).
fn render_warnings(plan: &Plan, out: &mut impl Write) -> io::Result<()> {
    if !plan.warnings.is_empty() {
        writeln!(out, "\nWarnings:")?;
        for warning in &plan.warnings {
            writeln!(out, "  - {}", warning.message)?;
        }
    }
    Ok(())
}

/// The steps, a long run of removals shortened like a long number list.
fn render_steps(plan: &Plan, options: RenderOptions, out: &mut impl Write) -> io::Result<()> {
    if !plan.steps.is_empty() {
        writeln!(out)?;
    }
    for entry in shown_steps(&plan.steps, options.full) {
        match entry {
            Shown::Item(step) => render_step(step, options, out)?,
            Shown::Elided(count) => writeln!(
                out,
                "  … {} (`--full` shows all) …",
                Count::new(count, "more remove_number step", "more remove_number steps")
            )?,
        }
    }
    Ok(())
}

fn render_one(plan: &Plan, options: RenderOptions, out: &mut impl Write) -> io::Result<()> {
    writeln!(out, "{}", heading(plan))?;
    if !plan.errors.is_empty() {
        return render_errors(plan, options, out);
    }
    render_steps(plan, options, out)?;
    if !plan.unmanaged.is_empty() {
        writeln!(
            out,
            "\nUnmanaged: {} monitored live but not in the manifest (`prune: false` keeps them)",
            Count::new(plan.unmanaged.len(), "number", "numbers")
        )?;
        writeln!(out, "      {}", summarize(&plan.unmanaged, options.full))?;
    }
    render_warnings(plan, out)?;
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
    let billable = if step.billable() { "  [billable]" } else { "" };
    writeln!(
        out,
        "{style}{} {}{style:#}  {} {}{billable}",
        step.action.symbol(),
        step.action.name(),
        step.method(),
        step.path
    )?;
    writeln!(out, "    {}", step.reason)?;
    for change in step.fields() {
        let old = change.old.as_deref().unwrap_or("(unset)");
        let new = change.new.as_deref().unwrap_or("(unset)");
        if super::is_long(old, new) {
            writeln!(out, "      {}:", change.field)?;
            for line in super::value_diff(old, new, "        ") {
                writeln!(out, "{line}")?;
            }
        } else {
            writeln!(out, "      {}: {old} → {new}", change.field)?;
        }
    }
    if let Some((old, new)) = step.change() {
        writeln!(out, "      {old} → {new}")?;
    }
    if let Detail::AddNumbers { phone_numbers } = &step.detail {
        let numbers: Vec<String> = phone_numbers.iter().map(ToString::to_string).collect();
        writeln!(out, "      {}", summarize(&numbers, options.full))?;
    }
    if let Detail::RemoveNumber {
        phone_number: number,
    } = &step.detail
    {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Cost, FORMAT_VERSION, PlanDiagnostic, PlanEnterprise, Severity};

    fn plan(steps: Vec<Step>, errors: Vec<String>) -> Plan {
        let diagnostics = errors
            .iter()
            .map(|message| PlanDiagnostic {
                rule: "number_not_in_inventory".to_owned(),
                severity: Severity::Error,
                message: message.clone(),
                file: "acme.yaml".to_owned(),
                line: Some(1),
                column: Some(1),
                help: None,
            })
            .collect();
        let failed = !errors.is_empty();
        Plan {
            format_version: FORMAT_VERSION,
            manifest: "acme.yaml".to_owned(),
            enterprise: PlanEnterprise {
                id: Some("4a6192a4-0c3b-4d1e-9f2a-8b7c6d5e4f30".to_owned()),
                legal_name: Some("Acme Corp".to_owned()),
            },
            changes: !steps.is_empty(),
            steps,
            unmanaged: Vec::new(),
            errors,
            summary: None,
            diagnostics,
            warnings: Vec::new(),
            cost: (!failed).then(|| Cost {
                apply_charges: Vec::new(),
                apply_total: 0.0,
                monthly_before: 101.0,
                monthly_after: 100.0,
            }),
            fingerprint: None,
            observed: true,
        }
    }

    fn render(plan: &Plan, full: bool) -> String {
        let mut out = Vec::new();
        let options = RenderOptions {
            full,
            color: false,
            default_prices: None,
        };
        render_text(std::slice::from_ref(plan), options, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn issue_8_long_error_lists_are_shortened() {
        let errors = (0..10)
            .map(|index| format!("`+1202555000{index}` cannot be added"))
            .collect();
        assert_eq!(
            render(&plan(Vec::new(), errors), false),
            "Enterprise Acme Corp (id 4a6192a4-0c3b-4d1e-9f2a-8b7c6d5e4f30), manifest acme.yaml

The plan cannot be made:
  - `+12025550000` cannot be added
  - `+12025550001` cannot be added
  - `+12025550002` cannot be added
  - … 5 more errors (`--full` shows all) …
  - `+12025550008` cannot be added
  - `+12025550009` cannot be added

Plan failed: 10 errors.
"
        );
    }

    #[test]
    fn issue_8_long_runs_of_removals_are_shortened() {
        let steps: Vec<Step> = (0..8)
            .map(|index| {
                let mut step = Step::new(
                    Action::RemoveNumber,
                    format!("/enterprises/ID/reputation/numbers/%2B1202555000{index}"),
                    "monitored live but not in the manifest (`prune: true`)".to_owned(),
                );
                step.detail = Detail::RemoveNumber {
                    phone_number: crate::model::E164::parse(&format!("+1202555000{index}"))
                        .unwrap(),
                };
                step
            })
            .collect();
        let plan = plan(steps, Vec::new());
        let expected =
            "Enterprise Acme Corp (id 4a6192a4-0c3b-4d1e-9f2a-8b7c6d5e4f30), manifest acme.yaml

- remove_number  DELETE /enterprises/ID/reputation/numbers/%2B12025550000
    monitored live but not in the manifest (`prune: true`)
      +12025550000
- remove_number  DELETE /enterprises/ID/reputation/numbers/%2B12025550001
    monitored live but not in the manifest (`prune: true`)
      +12025550001
- remove_number  DELETE /enterprises/ID/reputation/numbers/%2B12025550002
    monitored live but not in the manifest (`prune: true`)
      +12025550002
  … 3 more remove_number steps (`--full` shows all) …
- remove_number  DELETE /enterprises/ID/reputation/numbers/%2B12025550006
    monitored live but not in the manifest (`prune: true`)
      +12025550006
- remove_number  DELETE /enterprises/ID/reputation/numbers/%2B12025550007
    monitored live but not in the manifest (`prune: true`)
      +12025550007

Cost
  apply bills nothing
  monthly (monitoring and auto-refresh): $101.00 → $100.00

Plan: 0 to create, 0 numbers to add, 8 to remove, 0 to change.
";
        assert_eq!(render(&plan, false), expected);
        assert_eq!(render(&plan, true).matches("- remove_number").count(), 8);
    }
}
