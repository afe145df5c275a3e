//! A plan: the ordered API calls that make the account match a manifest, with why each is
//! needed, what it bills, and the fingerprint of the live state it was computed from.
//! Plain data; `diff` builds it, the renderers show it, `apply` (next) executes it.

pub mod cost;
mod count;
pub mod render;
pub mod rule;
pub mod safety;
mod saved;
mod step;

use std::path::Path;

use serde::{Deserialize, Serialize};

pub use cost::{Cost, Prices, checks_per_month};
pub use count::Count;
pub use saved::{SavedFile, SavedPlan, SavedPlans};
pub use step::{Action, Detail, DocumentRef, FieldChange, Step, StepJson};

/// Version of the plan's JSON shape (`format_version`).
pub const FORMAT_VERSION: u32 = 1;

/// The enterprise a plan is for, as far as it is known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PlanEnterprise {
    /// Its id, once it exists (and when the account could be read).
    pub id: Option<String>,
    /// Its legal name; `null` when the manifest could not be read.
    pub legal_name: Option<String>,
}

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The plan cannot be made until this is fixed.
    Error,
    /// Worth knowing; not a change, never changes the exit code.
    Warning,
}

/// A manifest problem or plan error, in validate's shape plus its rule, so CI tools can
/// annotate the line at fault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PlanDiagnostic {
    /// Stable id of the rule (`invalid_number`, `number_not_in_inventory`, `mass_removal`…).
    pub rule: String,
    /// Always `error` for plan errors.
    pub severity: Severity,
    /// What was found and what was expected.
    pub message: String,
    /// The file at fault (the manifest, or the numbers file that lists a number).
    pub file: String,
    /// 1-based line, when the problem has a place.
    pub line: Option<usize>,
    /// 1-based column in Unicode scalar values, when the problem has a place.
    pub column: Option<usize>,
    /// The exact edit or flag that fixes it, when one is known.
    pub help: Option<String>,
}

/// Something a reviewer should know that is not a change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Warning {
    /// Stable id of the rule.
    pub rule: String,
    /// What it is and what to do.
    pub message: String,
    /// The number it is about, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// When the number must be confirmed by, if that applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirm_by: Option<String>,
}

/// The plan in counts, for programs that gate on it without walking the steps.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Summary {
    /// Steps that create something (terms, enterprise, documents, enable), number batches
    /// excluded.
    pub create: usize,
    /// Steps that change something in place.
    pub update: usize,
    /// Numbers added.
    pub add_numbers: usize,
    /// Numbers removed.
    pub remove_numbers: usize,
    /// Whether any step disables reputation.
    pub has_disable: bool,
    /// Whether any step is billed.
    pub billable: bool,
    /// What apply bills (USD), as in `cost`.
    pub apply_total: f64,
    /// The monthly bill now (USD), as in `cost`.
    pub monthly_before: f64,
    /// The monthly bill after apply (USD), as in `cost`.
    pub monthly_after: f64,
}

/// A whole plan for one manifest, in the JSON shape of docs/design.md (`--format json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[schemars(transform = always_present)]
pub struct Plan {
    /// Always 1.
    pub format_version: u32,
    /// The manifest, as named on the command line.
    pub manifest: String,
    /// The enterprise.
    pub enterprise: PlanEnterprise,
    /// True exactly when `steps` is not empty.
    pub changes: bool,
    /// The calls, in order.
    pub steps: Vec<Step>,
    /// Numbers monitored live that the manifest does not list (`prune: false`).
    pub unmanaged: Vec<String>,
    /// Why the plan cannot be made; when not empty, `steps` is empty.
    pub errors: Vec<String>,
    /// The counts of the plan; `null` when it could not be made.
    pub summary: Option<Summary>,
    /// Manifest problems and plan errors, each with its rule and place.
    pub diagnostics: Vec<PlanDiagnostic>,
    /// What is worth knowing but is no change.
    pub warnings: Vec<Warning>,
    /// What apply would bill, and the monthly auto-refresh cost; `null` when the plan could
    /// not be made.
    pub cost: Option<Cost>,
    /// `sha256:` of everything observed; `null` when the plan could not be made.
    pub fingerprint: Option<String>,
    /// Whether the account was read (false for an invalid manifest or an unreadable
    /// account), so renderers never describe an account they did not see.
    #[serde(skip)]
    #[schemars(skip)]
    pub observed: bool,
}

/// `summary`, `cost` and `fingerprint` are always in the JSON, `null` when the plan could
/// not be made: the schema requires them (schemars leaves `Option` fields optional).
fn always_present(schema: &mut schemars::Schema) {
    if let Some(serde_json::Value::Array(required)) = schema.get_mut("required") {
        for key in ["summary", "cost", "fingerprint"] {
            if !required.iter().any(|present| present == key) {
                required.push(serde_json::Value::String(key.to_owned()));
            }
        }
    }
}

impl Plan {
    /// A plan that could not be made: no steps, no cost, no fingerprint, only why.
    pub fn failed(
        manifest: String,
        enterprise: PlanEnterprise,
        diagnostics: Vec<PlanDiagnostic>,
    ) -> Self {
        Self {
            format_version: FORMAT_VERSION,
            manifest,
            enterprise,
            changes: false,
            steps: Vec::new(),
            unmanaged: Vec::new(),
            errors: diagnostics
                .iter()
                .map(|diagnostic| diagnostic.message.clone())
                .collect(),
            summary: None,
            diagnostics,
            warnings: Vec::new(),
            cost: None,
            fingerprint: None,
            observed: false,
        }
    }

    /// The numbers the plan adds.
    pub fn numbers_added(&self) -> usize {
        self.steps
            .iter()
            .map(|step| step.phone_numbers().len())
            .sum()
    }

    /// `(create, add, remove, change)` counts for the summary line.
    pub fn counts(&self) -> (usize, usize, usize, usize) {
        let count = |symbol| {
            self.steps
                .iter()
                .filter(|step| step.action != Action::AddNumbers && step.action.symbol() == symbol)
                .count()
        };
        (count('+'), self.numbers_added(), count('-'), count('~'))
    }

    /// The counts as the JSON `summary` gives them, with the cost's totals.
    pub fn summarize(&self, cost: &Cost) -> Summary {
        let (create, add_numbers, _, update) = self.counts();
        Summary {
            create,
            update,
            add_numbers,
            remove_numbers: self
                .steps
                .iter()
                .filter(|step| step.action == Action::RemoveNumber)
                .count(),
            has_disable: self
                .steps
                .iter()
                .any(|step| step.action == Action::DisableReputation),
            billable: self.steps.iter().any(Step::billable),
            apply_total: cost.apply_total,
            monthly_before: cost.monthly_before,
            monthly_after: cost.monthly_after,
        }
    }

    /// The plan's one-line summary, as docs/design.md ("Outputs") words it.
    pub fn summary_line(&self) -> String {
        if !self.errors.is_empty() {
            return format!(
                "Plan failed: {}.",
                Count::new(self.errors.len(), "error", "errors")
            );
        }
        if self.steps.is_empty() {
            return "No changes. The account matches the manifest.".to_owned();
        }
        let (create, add, remove, change) = self.counts();
        format!(
            "Plan: {create} to create, {} to add, {remove} to remove, {change} to change.",
            Count::new(add, "number", "numbers")
        )
    }
}

/// `1,204`.
pub fn thousands(count: usize) -> String {
    let digits = count.to_string();
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// What the user allows beyond the safe defaults.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PlanOptions {
    /// `--allow-disable`: disabling reputation (alone or in the cascade) is accepted.
    pub allow_disable: bool,
    /// `--allow-mass-removal`: removing many numbers, or all of them, is accepted.
    pub allow_mass_removal: bool,
    /// `--replace-loa`: upload and link `loa.file` even when the live LOA cannot be
    /// compared with it (no digest, size or name; or its document cannot be read).
    pub replace_loa: bool,
}

/// The manifest's path as plans show it.
pub fn manifest_label(path: &Path) -> String {
    path.display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_204), "1,204");
        assert_eq!(thousands(1_000_000), "1,000,000");
        assert_eq!(Count::new(1, "number", "numbers").to_string(), "1 number");
        assert_eq!(
            Count::new(1_204, "number", "numbers").to_string(),
            "1,204 numbers"
        );
    }
}
