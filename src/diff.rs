//! The diff: a pure function of what the manifest asks for and what the account holds, to
//! the ordered plan of DESIGN.md. No I/O, no clock: every planning rule is a unit test.

use std::collections::HashSet;

use serde_json::Value;

use crate::model::{
    CheckFrequency, Desired, E164, Eligibility, Live, Loa, ReputationSpec, WireEnum,
};
use crate::plan::{
    Action, Cost, FieldChange, FORMAT_VERSION, Plan, PlanEnterprise, PlanOptions, Prices, Step,
    cost, plural,
};

/// Fields the API refuses to change after creation (telnyx-api.md, `PUT /enterprises/{id}`).
const IMMUTABLE: &[&str] = &["organization_type", "country_code", "role_type"];
/// Numbers per add call: the API's atomic batch.
const BATCH: usize = 100;

/// Computes the plan that makes `live` match `desired`.
pub fn diff(desired: &Desired, live: &Live, options: PlanOptions, prices: Prices) -> Plan {
    let mut planner = Planner {
        desired,
        live,
        options,
        steps: Vec::new(),
        errors: Vec::new(),
        unmanaged: Vec::new(),
        id_path: live
            .enterprise
            .as_ref()
            .map_or_else(|| "{enterprise_id}".to_owned(), |enterprise| enterprise.id.clone()),
    };
    planner.enterprise();
    planner.reputation();
    if !live.terms_agreed && planner.steps.iter().any(|step| needs_terms(step.action)) {
        planner.steps.insert(
            0,
            Step::new(
                Action::AcceptTerms,
                "POST",
                "/terms_of_service/number_reputation/agree".to_owned(),
                false,
                "the current Number Reputation terms of service are not agreed; reputation calls answer 403 until they are".to_owned(),
            ),
        );
    }
    let cost = planner.cost(prices);
    let Planner {
        mut steps,
        errors,
        unmanaged,
        ..
    } = planner;
    if !errors.is_empty() {
        steps.clear();
    }
    Plan {
        format_version: FORMAT_VERSION,
        manifest: desired.manifest.display().to_string(),
        enterprise: PlanEnterprise {
            id: live.enterprise.as_ref().map(|enterprise| enterprise.id.clone()),
            legal_name: desired.enterprise.legal_name.clone(),
        },
        changes: !steps.is_empty(),
        steps,
        unmanaged: unmanaged.iter().map(ToString::to_string).collect(),
        errors,
        cost,
        fingerprint: fingerprint(live),
    }
}

/// `sha256:` of the canonical JSON of everything observed: a saved plan is stale when this
/// changes.
pub fn fingerprint(live: &Live) -> String {
    use sha2::Digest as _;
    let canonical = serde_json::to_vec(live).unwrap_or_default();
    let digest = sha2::Sha256::digest(&canonical);
    format!(
        "sha256:{}",
        digest.iter().map(|byte| format!("{byte:02x}")).collect::<String>()
    )
}

fn needs_terms(action: Action) -> bool {
    !matches!(
        action,
        Action::AcceptTerms | Action::CreateEnterprise | Action::UpdateEnterprise | Action::UploadLoa
    )
}

struct Planner<'a> {
    desired: &'a Desired,
    live: &'a Live,
    options: PlanOptions,
    steps: Vec<Step>,
    errors: Vec<String>,
    unmanaged: Vec<E164>,
    id_path: String,
}

impl Planner<'_> {
    fn reputation_path(&self) -> String {
        format!("/enterprises/{}/reputation", self.id_path)
    }

    fn enterprise(&mut self) {
        let desired = &self.desired.enterprise;
        let Some(live) = &self.live.enterprise else {
            if let Some(id) = &desired.id {
                self.errors.push(format!(
                    "the manifest pins enterprise `id` `{}`, which this account does not have: remove `id` to create `{}`, or fix the id",
                    id.as_str(),
                    desired.legal_name
                ));
                return;
            }
            self.steps.push(Step::new(
                Action::CreateEnterprise,
                "POST",
                "/enterprises".to_owned(),
                false,
                format!("no enterprise has legal_name `{}`", desired.legal_name),
            ));
            return;
        };
        let Ok(Value::Object(wanted)) = serde_json::to_value(desired) else {
            self.errors.push("internal error: the enterprise does not serialise; please report it".to_owned());
            return;
        };
        let mut changes = Vec::new();
        for (field, value) in &wanted {
            if field == "id" {
                continue;
            }
            let current = live.fields.get(field).unwrap_or(&Value::Null);
            let mut field_changes = Vec::new();
            compare(field, value, current, &mut field_changes);
            if field_changes.is_empty() {
                continue;
            }
            if IMMUTABLE.contains(&field.as_str()) {
                self.errors.push(format!(
                    "`{field}` cannot change from `{}` to `{}`: the API refuses changes to it after creation, and telrep never deletes an enterprise; put `{}` back in the manifest, or declare a new enterprise under another legal_name",
                    display(current).unwrap_or_default(),
                    display(value).unwrap_or_default(),
                    display(current).unwrap_or_default(),
                ));
                continue;
            }
            changes.extend(field_changes);
        }
        if !changes.is_empty() {
            let names: Vec<&str> = changes.iter().map(|change| change.field.as_str()).collect();
            let mut step = Step::new(
                Action::UpdateEnterprise,
                "PUT",
                format!("/enterprises/{}", live.id),
                false,
                format!("{} differ from the manifest", plural(names.len(), "field", "fields")),
            );
            step.fields = Some(changes);
            self.steps.push(step);
        }
    }

    fn reputation(&mut self) {
        match &self.desired.reputation {
            ReputationSpec::Disabled => {
                if self.live.reputation.is_some() {
                    let count = self.live.numbers.len();
                    self.require_disable(format!(
                        "`enabled: false` disables Number Reputation for `{}` and de-registers {}",
                        self.desired.enterprise.legal_name,
                        plural(count, "monitored number", "monitored numbers")
                    ));
                    self.steps.push(Step::new(
                        Action::DisableReputation,
                        "DELETE",
                        self.reputation_path(),
                        false,
                        format!("the manifest says `enabled: false`; this de-registers {}", plural(count, "number", "numbers")),
                    ));
                }
            }
            ReputationSpec::Enabled {
                loa,
                check_frequency,
                numbers,
                prune,
            } => self.enabled(loa, *check_frequency, &numbers.numbers, *prune, numbers),
        }
    }

    fn enabled(&mut self, loa: &Loa, frequency: CheckFrequency, wanted: &[E164], prune: bool, list: &crate::model::NumberList) {
        let live_numbers: HashSet<E164> = self.live.numbers.iter().copied().collect();
        let wanted_set: HashSet<E164> = wanted.iter().copied().collect();
        let Some(reputation) = &self.live.reputation else {
            let document = self.upload(loa);
            self.enable(&document, frequency, "Number Reputation is not enabled");
            self.wait("enable starts vetting; numbers can be added once `status` and `loa_status` are both approved");
            self.add(wanted, list, &live_numbers);
            return;
        };
        let loa_changed = match loa {
            Loa::DocumentId(id) => reputation.loa_document_id.as_deref() != Some(id.as_str()),
            Loa::File { sha256, .. } => self.live.loa_sha256.as_deref() != Some(sha256.as_str()),
        };
        let rejected = reputation.status == "rejected";
        if rejected || (loa_changed && reputation.loa_status == "approved") {
            let why = if rejected {
                format!(
                    "vetting was rejected ({}); resubmitting means disable then enable",
                    if reputation.rejection_reasons.is_empty() { "no reasons given".to_owned() } else { reputation.rejection_reasons.join("; ") }
                )
            } else {
                "the LOA must change and the live one is approved, which the API refuses to PATCH".to_owned()
            };
            let document = if loa_changed {
                self.upload(loa)
            } else {
                reputation.loa_document_id.clone().unwrap_or_default()
            };
            // The cascade re-adds what it de-registers, so nothing the manifest keeps is lost.
            let mut readd: Vec<E164> = wanted.to_vec();
            if !prune {
                readd.extend(self.live.numbers.iter().filter(|number| !wanted_set.contains(number)));
            }
            let batches = readd.len().div_ceil(BATCH);
            self.require_disable(format!(
                "{why}: disable de-registers {}, re-adds {} in {}, and bills enable again",
                plural(self.live.numbers.len(), "number", "numbers"),
                plural(readd.len(), "number", "numbers"),
                plural(batches, "batch", "batches")
            ));
            self.steps.push(Step::new(Action::DisableReputation, "DELETE", self.reputation_path(), false, why.clone()));
            self.enable(&document, frequency, "re-enable after the disable");
            self.wait("vetting restarts after enable; numbers can be added once it is approved");
            let none = HashSet::new();
            self.add_all(&readd, list, &none, &live_numbers);
            if prune {
                // Numbers the manifest drops are simply not re-added; rails still apply.
                let removed = self.live.numbers.iter().filter(|number| !wanted_set.contains(number)).count();
                self.check_removals(removed, wanted.is_empty());
            }
            return;
        }
        let mut needs_approval = false;
        if loa_changed {
            let document = self.upload(loa);
            let mut step = Step::new(
                Action::UpdateLoa,
                "PATCH",
                format!("{}/loa", self.reputation_path()),
                false,
                format!("the manifest's LOA differs from the live one, whose review is `{}`", reputation.loa_status),
            );
            step.old = reputation.loa_document_id.clone();
            step.new = Some(document);
            self.steps.push(step);
            needs_approval = true;
        }
        let live_frequency = CheckFrequency::from_wire(&reputation.check_frequency);
        let frequency_changes = live_frequency != Some(frequency);
        let to_add: Vec<E164> = wanted.iter().copied().filter(|number| !live_numbers.contains(number)).collect();
        let pending = reputation.status != "approved" || reputation.loa_status != "approved";
        if needs_approval || (pending && (frequency_changes || !to_add.is_empty())) {
            self.wait("the frequency and number calls need `status` and `loa_status` both approved");
        }
        if frequency_changes {
            let mut step = Step::new(
                Action::UpdateFrequency,
                "PATCH",
                format!("{}/frequency", self.reputation_path()),
                false,
                "the refresh frequency differs; it takes effect at the next scheduled refresh".to_owned(),
            );
            step.old = Some(reputation.check_frequency.clone());
            step.new = Some(frequency.as_str().to_owned());
            self.steps.push(step);
        }
        self.add(&to_add, list, &live_numbers);
        let absent: Vec<E164> = self.live.numbers.iter().copied().filter(|number| !wanted_set.contains(number)).collect();
        if prune {
            self.check_removals(absent.len(), wanted.is_empty());
            for number in absent {
                let mut step = Step::new(
                    Action::RemoveNumber,
                    "DELETE",
                    format!("{}/numbers/{}", self.reputation_path(), encode(number)),
                    false,
                    "monitored live but not in the manifest (`prune: true`)".to_owned(),
                );
                step.phone_number = Some(number.to_string());
                self.steps.push(step);
            }
        } else {
            self.unmanaged = absent;
        }
    }

    /// Uploads the LOA file when the manifest names one; the document id to link (the
    /// placeholder `{uploaded_document_id}` for a file not yet uploaded).
    fn upload(&mut self, loa: &Loa) -> String {
        match loa {
            Loa::DocumentId(id) => id.clone(),
            Loa::File { path, sha256 } => {
                self.steps.push(Step::new(
                    Action::UploadLoa,
                    "POST",
                    "/documents".to_owned(),
                    false,
                    format!(
                        "upload `{}` (sha256 {}…); no live LOA has its content. It is uploaded just before it is linked: an unlinked document is deleted after 30 minutes",
                        path.display(),
                        sha256.get(..12).unwrap_or(sha256)
                    ),
                ));
                "{uploaded_document_id}".to_owned()
            }
        }
    }

    fn enable(&mut self, document: &str, frequency: CheckFrequency, why: &str) {
        let mut step = Step::new(
            Action::EnableReputation,
            "POST",
            self.reputation_path(),
            true,
            format!("{why}: enable with loa_document_id `{document}` and check_frequency `{frequency}`"),
        );
        step.new = Some(frequency.as_str().to_owned());
        self.steps.push(step);
    }

    fn wait(&mut self, why: &str) {
        self.steps.push(Step::new(Action::WaitForVetting, "GET", self.reputation_path(), false, why.to_owned()));
    }

    /// One add step per batch of 100 for the numbers not yet monitored, after checking each
    /// can be added.
    fn add(&mut self, to_add: &[E164], list: &crate::model::NumberList, live_numbers: &HashSet<E164>) {
        self.add_all(to_add, list, live_numbers, live_numbers);
    }

    fn add_all(&mut self, numbers: &[E164], list: &crate::model::NumberList, skip: &HashSet<E164>, live_numbers: &HashSet<E164>) {
        let numbers: Vec<E164> = numbers.iter().copied().filter(|number| !skip.contains(number)).collect();
        for &number in &numbers {
            if live_numbers.contains(&number) {
                continue; // re-added after a cascade: it is ours, so it is eligible
            }
            let place = list
                .numbers
                .iter()
                .position(|candidate| *candidate == number)
                .and_then(|index| list.location(index))
                .unwrap_or_else(|| "live".to_owned());
            let problem = match self.live.candidates.get(&number) {
                Some(Eligibility::Eligible) => continue,
                Some(Eligibility::NotInInventory) => "not in the account's inventory: buy or port it first, or remove it from the manifest".to_owned(),
                Some(Eligibility::NotUsLocal { field, value }) => format!("in the inventory but not a US local number: `{field}` is `{value}`"),
                Some(Eligibility::MonitoredElsewhere { enterprise_id }) => format!("already monitored by enterprise `{enterprise_id}`; remove it there first"),
                None => "its eligibility was not observed; plan again".to_owned(),
            };
            self.errors.push(format!("`{number}` ({place}) cannot be added: {problem}"));
        }
        let batches = numbers.len().div_ceil(BATCH);
        for (index, batch) in numbers.chunks(BATCH).enumerate() {
            let mut step = Step::new(
                Action::AddNumbers,
                "POST",
                format!("{}/numbers", self.reputation_path()),
                true,
                format!("batch {} of {batches}: {} not monitored yet", index + 1, plural(batch.len(), "number", "numbers")),
            );
            step.phone_numbers = Some(batch.iter().map(ToString::to_string).collect());
            self.steps.push(step);
        }
    }

    fn check_removals(&mut self, removals: usize, to_zero: bool) {
        if self.options.allow_mass_removal || removals == 0 {
            return;
        }
        let live = self.live.numbers.len();
        let threshold = (live / 4).max(10);
        if to_zero {
            self.errors.push(format!(
                "`prune: true` with no numbers would remove all {} monitored numbers; pass --allow-mass-removal to accept",
                crate::plan::thousands(live)
            ));
        } else if removals > threshold {
            self.errors.push(format!(
                "`prune: true` would remove {} of {} monitored numbers, more than max(10, 25 %) = {}; pass --allow-mass-removal to accept",
                crate::plan::thousands(removals),
                crate::plan::thousands(live),
                crate::plan::thousands(threshold)
            ));
        }
    }

    fn require_disable(&mut self, what: String) {
        if !self.options.allow_disable {
            self.errors.push(format!("{what}; pass --allow-disable to accept"));
        }
    }

    fn cost(&self, prices: Prices) -> Cost {
        let mut apply_charges = Vec::new();
        let enables = self.steps.iter().filter(|step| step.action == Action::EnableReputation).count();
        if enables > 0 {
            apply_charges.push(cost::Charge {
                what: "enable Number Reputation (monthly monitoring, charged at enable)".to_owned(),
                amount: prices.monitoring_per_month,
            });
        }
        let added: usize = self.steps.iter().filter_map(|step| step.phone_numbers.as_ref()).map(Vec::len).sum();
        if added > 0 {
            #[expect(clippy::cast_precision_loss, reason = "a money estimate")]
            let amount = cost::round_cents(added as f64 * prices.per_check);
            apply_charges.push(cost::Charge {
                what: format!("{} added, one check each (estimate)", plural(added, "number", "numbers")),
                amount,
            });
        }
        let apply_total = cost::round_cents(apply_charges.iter().map(|charge| charge.amount).sum());
        let live_frequency = self
            .live
            .reputation
            .as_ref()
            .and_then(|reputation| CheckFrequency::from_wire(&reputation.check_frequency));
        let monthly_before = cost::monthly(prices, self.live.reputation.is_some(), self.live.numbers.len(), live_frequency);
        let monthly_after = match &self.desired.reputation {
            ReputationSpec::Disabled => 0.0,
            ReputationSpec::Enabled { check_frequency, numbers, prune, .. } => {
                let kept = if *prune { 0 } else { self.unmanaged.len() };
                cost::monthly(prices, true, numbers.numbers.len() + kept, Some(*check_frequency))
            }
        };
        Cost {
            apply_charges,
            apply_total,
            monthly_before,
            monthly_after,
        }
    }
}

/// A number as a path segment: `%2B…`.
fn encode(number: E164) -> String {
    format!("%2B{}", number.digits())
}

/// Adds a change for `field` (recursing one level into objects, dotted names) when the
/// manifest's value differs from the live one; nulls and absent fields are the same.
fn compare(field: &str, wanted: &Value, current: &Value, changes: &mut Vec<FieldChange>) {
    match (wanted, current) {
        (Value::Object(wanted), current) => {
            for (key, value) in wanted {
                let current = current.get(key).unwrap_or(&Value::Null);
                compare(&format!("{field}.{key}"), value, current, changes);
            }
        }
        (wanted, current) if wanted == current => {}
        (Value::Null, _) => {}
        (wanted, current) => changes.push(FieldChange {
            field: field.to_owned(),
            old: display(current),
            new: display(wanted),
        }),
    }
}

fn display(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(text) => Some(text.clone()),
        other => Some(other.to_string()),
    }
}
