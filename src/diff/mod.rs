//! The diff: a pure function of what the manifest asks for and what the account holds, to
//! the ordered plan of docs/design.md. No I/O, no clock: every planning rule is a unit test.

mod enterprise;
mod external;
mod loa;
mod numbers;

pub use numbers::{Eligibility, eligibility, serialize_verdicts};

use crate::model::NumberSet;

use crate::model::{
    CheckFrequency, Desired, E164, Live, LiveReputation, Loa, Place, ReputationSpec, Status,
    WireEnum,
};
use crate::plan::{
    Action, Cost, Count, Detail, FORMAT_VERSION, FieldChange, Plan, PlanDiagnostic, PlanEnterprise,
    PlanOptions, Prices, Severity, Step, Warning, cost, safety,
};

/// Numbers per add call: the API's atomic batch.
const BATCH: usize = 100;

/// Computes the plan that makes `live` match `desired`.
pub fn diff(desired: &Desired, live: &Live, options: PlanOptions, prices: Prices) -> Plan {
    diff_detailed(desired, live, options, prices).plan
}

/// A plan, and the pinned documents it would link: observation checks that those exist
/// (a free read) before the plan is shown, then diffs again with what it found.
#[derive(Debug, Clone)]
pub struct Diffed {
    /// The plan.
    pub plan: Plan,
    /// Document ids from the manifest that a step links, whether or not the plan failed.
    pub linked_documents: Vec<String>,
}

/// `diff`, with the facts observation must still check.
pub fn diff_detailed(
    desired: &Desired,
    live: &Live,
    options: PlanOptions,
    prices: Prices,
) -> Diffed {
    let mut planner = Planner::new(desired, live, options);
    planner.enterprise();
    planner.reputation();
    planner.accept_terms_first();
    let cost = planner.cost(prices);
    // `Live` has string keys and plain values only, so this cannot fail; were it to, a plan
    // without a fingerprint could never be checked for staleness, so it is not made.
    let fingerprinted = fingerprint(live);
    if let Err(error) = &fingerprinted {
        planner.problems.push(Problem::new(
            "internal",
            format!("the observed state cannot be fingerprinted ({error}); this is a bug in telrep, please report it"),
        ));
    }
    let Planner {
        steps,
        problems,
        warnings,
        unmanaged,
        linked_documents,
        ..
    } = planner;
    let enterprise = PlanEnterprise {
        id: live
            .enterprise
            .as_ref()
            .map(|enterprise| enterprise.id.clone()),
        legal_name: Some(desired.enterprise.legal_name.clone()),
    };
    let manifest = desired.manifest.display().to_string();
    if !problems.is_empty() {
        let diagnostics = problems
            .into_iter()
            .map(|problem| problem.diagnostic(&manifest))
            .collect();
        let mut plan = Plan::failed(manifest, enterprise, diagnostics);
        plan.observed = true;
        // What needs attention still does when the plan cannot be made.
        plan.warnings = warnings;
        return Diffed {
            plan,
            linked_documents,
        };
    }
    let mut plan = Plan {
        format_version: FORMAT_VERSION,
        manifest,
        enterprise,
        changes: !steps.is_empty(),
        steps,
        unmanaged: unmanaged.iter().map(ToString::to_string).collect(),
        errors: Vec::new(),
        summary: None,
        diagnostics: Vec::new(),
        warnings,
        cost: None,
        fingerprint: fingerprinted.ok(),
        observed: true,
    };
    plan.summary = Some(plan.summarize(&cost));
    plan.cost = Some(cost);
    Diffed {
        plan,
        linked_documents,
    }
}

/// Why a plan cannot be made, with the rule that says so and, for a number, the place that
/// lists it.
#[derive(Debug, Clone)]
struct Problem {
    rule: &'static str,
    message: String,
    help: Option<String>,
    place: Option<Place>,
}

impl Problem {
    fn new(rule: &'static str, message: String) -> Self {
        Self {
            rule,
            message,
            help: None,
            place: None,
        }
    }

    fn diagnostic(self, manifest: &str) -> PlanDiagnostic {
        let (file, line, column) = match self.place {
            Some(place) => (place.file, Some(place.line), Some(place.column)),
            None => (manifest.to_owned(), None, None),
        };
        PlanDiagnostic {
            rule: self.rule.to_owned(),
            severity: Severity::Error,
            message: self.message,
            file,
            line,
            column,
            help: self.help,
        }
    }
}

/// `sha256:` of the canonical JSON of everything observed: a saved plan is stale when this
/// changes.
pub fn fingerprint(live: &Live) -> Result<String, serde_json::Error> {
    use sha2::Digest as _;
    /// Hashes the JSON as it is written: a million numbers' worth is never held.
    struct Hashing(sha2::Sha256);
    impl std::io::Write for Hashing {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.update(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut hashing = Hashing(sha2::Sha256::new());
    serde_json::to_writer(&mut hashing, live)?;
    Ok(format!(
        "sha256:{}",
        crate::model::hex(&hashing.0.finalize())
    ))
}

fn needs_terms(action: Action) -> bool {
    !matches!(
        action,
        Action::AcceptTerms
            | Action::CreateEnterprise
            | Action::UpdateEnterprise
            | Action::UploadLoa
            | Action::UploadDocument
    )
}

/// The manifest's numbers, with a set for lookups.
struct DesiredNumbers<'a> {
    numbers: &'a [E164],
    set: NumberSet,
    prune: bool,
    list: &'a crate::model::NumberList,
}

struct Planner<'a> {
    desired: &'a Desired,
    live: &'a Live,
    /// The manifest's ownership proof for numbers hosted elsewhere.
    proof: Option<&'a crate::model::ExternalProof>,
    /// The plan disables reputation before adding numbers, which drops the live proof.
    proof_dropped: bool,
    options: PlanOptions,
    steps: Vec<Step>,
    problems: Vec<Problem>,
    warnings: Vec<Warning>,
    unmanaged: Vec<E164>,
    linked_documents: Vec<String>,
    id_path: String,
}

impl<'a> Planner<'a> {
    fn new(desired: &'a Desired, live: &'a Live, options: PlanOptions) -> Self {
        Self {
            desired,
            live,
            proof: None,
            proof_dropped: false,
            options,
            steps: Vec::new(),
            problems: Vec::new(),
            warnings: Vec::new(),
            unmanaged: Vec::new(),
            linked_documents: Vec::new(),
            id_path: live.enterprise.as_ref().map_or_else(
                || "{enterprise_id}".to_owned(),
                |enterprise| enterprise.id.clone(),
            ),
        }
    }

    /// Until the current terms are agreed every reputation call answers 403: agreeing
    /// comes first.
    fn accept_terms_first(&mut self) {
        if !self.live.terms_agreed && self.steps.iter().any(|step| needs_terms(step.action)) {
            self.steps.insert(
                0,
                Step::new(
                    Action::AcceptTerms,
                    "/terms_of_service/number_reputation/agree".to_owned(),
                    "the current Number Reputation terms of service are not agreed; reputation calls answer 403 until they are".to_owned(),
                ),
            );
        }
    }
}

impl Planner<'_> {
    fn reputation_path(&self) -> String {
        format!("/enterprises/{}/reputation", self.id_path)
    }

    fn reputation(&mut self) {
        match &self.desired.reputation {
            ReputationSpec::Disabled => {
                if self.live.reputation.is_some() {
                    let count = self.live.numbers.len();
                    self.require_disable(format!(
                        "`enabled: false` disables Number Reputation for `{}` and de-registers {}",
                        self.desired.enterprise.legal_name,
                        Count::new(count, "monitored number", "monitored numbers")
                    ));
                    self.steps.push(Step::new(
                        Action::DisableReputation,
                        self.reputation_path(),
                        format!(
                            "the manifest says `enabled: false`; this de-registers {}",
                            Count::new(count, "number", "numbers")
                        ),
                    ));
                }
            }
            ReputationSpec::Enabled {
                loa,
                check_frequency,
                numbers,
                prune,
                external_verification,
            } => {
                self.proof = external_verification.as_ref();
                self.enabled(loa, *check_frequency, &numbers.numbers, *prune, numbers);
            }
        }
    }

    fn enabled(
        &mut self,
        loa: &Loa,
        check_frequency: CheckFrequency,
        numbers: &[E164],
        prune: bool,
        list: &crate::model::NumberList,
    ) {
        let live_numbers = self.live.number_set();
        let live_numbers = live_numbers.as_ref();
        let desired_numbers = DesiredNumbers {
            numbers,
            set: numbers.iter().copied().collect(),
            prune,
            list,
        };
        self.ownership_warnings(&desired_numbers.set);
        let Some(reputation) = &self.live.reputation else {
            let document = self.upload(loa);
            self.enable(
                &document,
                check_frequency,
                "Number Reputation is not enabled",
            );
            self.wait("enable starts vetting; numbers can be added once `status` and `loa_status` are both approved");
            self.add(numbers, list, live_numbers);
            return;
        };
        let loa_changed = self.loa_changed(loa, reputation);
        let rejected = reputation.status == Status::Rejected;
        if rejected || (loa_changed && reputation.loa_status == Status::Approved) {
            self.cascade(
                loa,
                check_frequency,
                reputation,
                loa_changed,
                &desired_numbers,
                live_numbers,
            );
        } else {
            self.in_place(
                loa,
                check_frequency,
                reputation,
                loa_changed,
                &desired_numbers,
                live_numbers,
            );
        }
    }

    /// Disable then enable: the only way to replace an approved LOA or to resubmit rejected
    /// vetting. It re-adds what it de-registers, so nothing the manifest keeps is lost.
    fn cascade(
        &mut self,
        loa: &Loa,
        check_frequency: CheckFrequency,
        reputation: &LiveReputation,
        loa_changed: bool,
        desired_numbers: &DesiredNumbers<'_>,
        live_numbers: &NumberSet,
    ) {
        let rejected = reputation.status == Status::Rejected;
        let why = if rejected {
            format!(
                "vetting was rejected ({}); resubmitting means disable then enable",
                if reputation.rejection_reasons.is_empty() {
                    "no reasons given".to_owned()
                } else {
                    reputation.rejection_reasons.join("; ")
                }
            )
        } else {
            "the LOA must change and the live one is approved, which the API refuses to PATCH"
                .to_owned()
        };
        // `loa_changed` is true whenever the live settings name no LOA document.
        let document = match (&reputation.loa_document_id, loa_changed) {
            (Some(live), false) => live.clone(),
            _ => self.upload(loa),
        };
        // The cascade re-adds what it de-registers, so nothing the manifest keeps is lost.
        let mut readd: Vec<E164> = desired_numbers.numbers.to_vec();
        if !desired_numbers.prune {
            readd.extend(
                self.live
                    .numbers
                    .iter()
                    .filter(|number| !desired_numbers.set.contains(number)),
            );
        }
        let batches = readd.len().div_ceil(BATCH);
        self.require_disable(format!(
            "{why}: disable de-registers {}, re-adds {} in {}, and bills enable again",
            Count::new(self.live.numbers.len(), "number", "numbers"),
            Count::new(readd.len(), "number", "numbers"),
            Count::new(batches, "batch", "batches")
        ));
        self.steps.push(Step::new(
            Action::DisableReputation,
            self.reputation_path(),
            why.clone(),
        ));
        self.enable(&document, check_frequency, "re-enable after the disable");
        self.wait("vetting restarts after enable; numbers can be added once it is approved");
        self.proof_dropped = true;
        self.add(&readd, desired_numbers.list, live_numbers);
        if desired_numbers.prune {
            // Numbers the manifest drops are simply not re-added; rails still apply.
            let removed = self
                .live
                .numbers
                .iter()
                .filter(|number| !desired_numbers.set.contains(number))
                .count();
            self.check_removals(removed, desired_numbers.numbers.is_empty());
        }
    }

    /// LOA, frequency and numbers changed in place, with the vetting wait they need.
    fn in_place(
        &mut self,
        loa: &Loa,
        check_frequency: CheckFrequency,
        reputation: &LiveReputation,
        loa_changed: bool,
        desired_numbers: &DesiredNumbers<'_>,
        live_numbers: &NumberSet,
    ) {
        let mut needs_approval = false;
        if loa_changed {
            let document = self.upload(loa);
            let step = Step::new(
                Action::UpdateLoa,
                format!("{}/loa", self.reputation_path()),
                format!(
                    "the manifest's LOA differs from the live one, whose review is `{}`",
                    reputation.loa_status
                ),
            );
            self.steps.push(step.with(Detail::UpdateLoa {
                live: reputation.loa_document_id.clone(),
                desired: document,
            }));
            needs_approval = true;
        }
        let live_frequency = CheckFrequency::from_wire(&reputation.check_frequency);
        let frequency_changes = live_frequency != Some(check_frequency);
        let to_add: Vec<E164> = desired_numbers
            .numbers
            .iter()
            .copied()
            .filter(|number| !live_numbers.contains(number))
            .collect();
        let pending =
            reputation.status != Status::Approved || reputation.loa_status != Status::Approved;
        if needs_approval || (pending && (frequency_changes || !to_add.is_empty())) {
            self.wait(
                "the frequency and number calls need `status` and `loa_status` both approved",
            );
        }
        if frequency_changes {
            let step = Step::new(
                Action::UpdateFrequency,
                format!("{}/frequency", self.reputation_path()),
                "the refresh frequency differs; it takes effect at the next scheduled refresh"
                    .to_owned(),
            );
            self.steps.push(step.with(Detail::UpdateFrequency {
                live: reputation.check_frequency.clone(),
                desired: check_frequency,
            }));
        }
        self.add(&to_add, desired_numbers.list, live_numbers);
        let absent: Vec<E164> = self
            .live
            .numbers
            .iter()
            .copied()
            .filter(|number| !desired_numbers.set.contains(number))
            .collect();
        if desired_numbers.prune {
            self.check_removals(absent.len(), desired_numbers.numbers.is_empty());
            for number in absent {
                let step = Step::new(
                    Action::RemoveNumber,
                    format!("{}/numbers/{}", self.reputation_path(), encode(number)),
                    "monitored live but not in the manifest (`prune: true`)".to_owned(),
                );
                self.steps.push(step.with(Detail::RemoveNumber {
                    phone_number: number,
                }));
            }
        } else {
            self.unmanaged = absent;
        }
    }

    fn enable(&mut self, document: &str, check_frequency: CheckFrequency, why: &str) {
        self.steps.push(Step::new(
            Action::EnableReputation,
            self.reputation_path(),
            format!(
                "{why}: enable with loa_document_id `{document}` and check_frequency `{check_frequency}`"
            ),
        ));
    }

    fn wait(&mut self, why: &str) {
        self.steps.push(Step::new(
            Action::WaitForVetting,
            self.reputation_path(),
            why.to_owned(),
        ));
    }

    fn check_removals(&mut self, removals: usize, to_zero: bool) {
        let live = self.live.numbers.len();
        if let Some(refusal) = safety::removal_refusal(live, removals, to_zero, self.options) {
            self.problems
                .push(Problem::new(safety::MASS_REMOVAL, refusal));
        }
    }

    fn require_disable(&mut self, what: String) {
        if let Some(refusal) = safety::disable_refusal(&what, self.options) {
            self.problems
                .push(Problem::new(safety::DISABLE_REFUSED, refusal));
        }
    }

    fn cost(&self, prices: Prices) -> Cost {
        let mut apply_charges = Vec::new();
        let enables = self
            .steps
            .iter()
            .filter(|step| step.action == Action::EnableReputation)
            .count();
        if enables > 0 {
            apply_charges.push(cost::Charge {
                what: "enable Number Reputation (monthly monitoring, charged at enable)".to_owned(),
                amount: prices.monitoring_per_month,
            });
        }
        let added: usize = self
            .steps
            .iter()
            .map(|step| step.phone_numbers().len())
            .sum();
        if added > 0 {
            #[expect(clippy::cast_precision_loss, reason = "a money estimate")]
            let amount = cost::round_cents(added as f64 * prices.per_check);
            apply_charges.push(cost::Charge {
                what: format!(
                    "{} added, one check each (estimate)",
                    Count::new(added, "number", "numbers")
                ),
                amount,
            });
        }
        // A fold from +0.0: an empty float `sum()` is -0.0, which JSON would show.
        let apply_total = cost::round_cents(
            apply_charges
                .iter()
                .fold(0.0, |total, charge| total + charge.amount),
        );
        let live_frequency = self
            .live
            .reputation
            .as_ref()
            .and_then(|reputation| CheckFrequency::from_wire(&reputation.check_frequency));
        let monthly_before = cost::monthly(
            prices,
            self.live.reputation.is_some(),
            self.live.numbers.len(),
            live_frequency,
        );
        let monthly_after = match &self.desired.reputation {
            ReputationSpec::Disabled => 0.0,
            ReputationSpec::Enabled {
                check_frequency,
                numbers,
                prune,
                ..
            } => {
                let kept = if *prune { 0 } else { self.unmanaged.len() };
                cost::monthly(
                    prices,
                    true,
                    numbers.numbers.len() + kept,
                    Some(*check_frequency),
                )
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

#[cfg(test)]
pub(crate) mod tests {
    use std::collections::BTreeMap;
    use std::path::Path;

    use super::*;
    use crate::model::{
        Candidate, InventoryRecord, LiveEnterprise, LiveReputation, NumberList, Origin,
    };
    use serde_json::Value;

    pub(super) const ID: &str = "4a6192a4-0c3b-4d1e-9f2a-8b7c6d5e4f30";
    pub(super) const DOCUMENT: &str = "2a7e8337-5f1c-4b2e-9d5a-7c3e1f0b6a49";
    const OTHER_DOCUMENT: &str = "9b8c7d6e-5f4a-4b3c-8d2e-1f0a9b8c7d6e";

    pub(super) fn number(index: usize) -> E164 {
        E164::parse(&format!("+1202555{index:04}")).unwrap()
    }

    pub(super) fn numbers(range: std::ops::Range<usize>) -> Vec<E164> {
        range.map(number).collect()
    }

    /// The fixture manifest with `loa.document_id`, daily checks, these numbers, and `prune`.
    pub(crate) fn desired(listed: &[E164], prune: bool) -> Desired {
        let mut desired = crate::manifest::load(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/valid_minimal.yaml"),
            Default::default(),
        )
        .unwrap();
        desired.manifest = "acme.yaml".into();
        let list = NumberList {
            sources: vec!["acme.yaml".into()],
            numbers: listed.to_vec(),
            origins: (0..listed.len())
                .map(|index| Origin {
                    source: 0,
                    line: u32::try_from(index).unwrap() + 10,
                    column: 7,
                })
                .collect(),
        };
        desired.reputation = ReputationSpec::Enabled {
            loa: Loa::DocumentId(DOCUMENT.to_owned()),
            check_frequency: CheckFrequency::Daily,
            numbers: list,
            prune,
            external_verification: None,
        };
        desired
    }

    /// A live account that matches `desired` exactly, with these numbers monitored.
    pub(super) fn converged(desired: &Desired, monitored: &[E164]) -> Live {
        let Value::Object(fields) = serde_json::to_value(&desired.enterprise).unwrap() else {
            unreachable!()
        };
        let mut fields: BTreeMap<String, Value> = fields.into_iter().collect();
        fields.insert("id".to_owned(), Value::String(ID.to_owned()));
        fields.insert("number_reputation_enabled".to_owned(), Value::Bool(true));
        fields.insert("corporate_registration_number".to_owned(), Value::Null);
        Live {
            terms_agreed: true,
            enterprise: Some(LiveEnterprise {
                id: ID.to_owned(),
                fields,
            }),
            reputation: Some(LiveReputation {
                status: Status::Approved,
                loa_status: Status::Approved,
                loa_document_id: Some(DOCUMENT.to_owned()),
                check_frequency: "daily".to_owned(),
                rejection_reasons: Vec::new(),
                external_verification_status: None,
            }),
            numbers: monitored.to_vec(),
            // Left empty: `Live::number_set` builds it, as for any account made by hand.
            number_set: NumberSet::default(),
            external: std::collections::BTreeSet::new(),
            loa_sha256: None,
            loa_size: None,
            loa_filename: None,
            loa_missing: false,
            candidates: BTreeMap::new(),
            documents: BTreeMap::new(),
            external_verification: None,
            ownership: BTreeMap::new(),
            other_enterprises: Vec::new(),
        }
    }

    /// An active US number of the inventory of type `kind`, monitored nowhere.
    pub(super) fn in_inventory(kind: &str) -> Candidate {
        Candidate {
            inventory: Some(InventoryRecord {
                phone_number_type: crate::model::NumberType::from_wire(kind),
                status: crate::model::InventoryStatus::Active,
                country_iso_alpha2: "US".to_owned(),
            }),
            monitored_by: None,
        }
    }

    /// An active local number of the inventory that `enterprise_id` monitors.
    pub(super) fn monitored_by(enterprise_id: &str) -> Candidate {
        Candidate {
            monitored_by: Some(enterprise_id.to_owned()),
            ..in_inventory("local")
        }
    }

    pub(super) fn eligible(live: &mut Live, listed: &[E164]) {
        for number in listed {
            live.candidates.insert(*number, in_inventory("local"));
        }
    }

    /// A step as the JSON plan spells it.
    fn json(step: &Step) -> crate::plan::StepJson {
        step.clone().into()
    }

    pub(super) fn make(desired: &Desired, live: &Live, options: PlanOptions) -> Plan {
        diff(desired, live, options, Prices::default())
    }

    /// `symbol action path` per step.
    pub(super) fn outline(plan: &Plan) -> Vec<String> {
        plan.steps
            .iter()
            .map(|step| {
                format!(
                    "{} {} {}",
                    step.action.symbol(),
                    step.action.name(),
                    step.path.replace(ID, "ID")
                )
            })
            .collect()
    }

    const ALLOW_ALL: PlanOptions = PlanOptions {
        allow_disable: true,
        allow_mass_removal: true,
        replace_loa: false,
    };

    #[test]
    fn no_changes_when_converged() {
        let listed = numbers(0..3);
        let desired = desired(&listed, true);
        let plan = make(
            &desired,
            &converged(&desired, &listed),
            PlanOptions::default(),
        );
        assert_eq!(outline(&plan), Vec::<String>::new());
        assert!(!plan.changes);
        assert_eq!(plan.errors, Vec::<String>::new());
        assert_eq!(
            plan.summary_line(),
            "No changes. The account matches the manifest."
        );
        assert_eq!(plan.cost.as_ref().unwrap().apply_total, 0.0);
        assert_eq!(
            plan.cost.as_ref().unwrap().monthly_before,
            plan.cost.as_ref().unwrap().monthly_after
        );
    }

    #[test]
    fn first_time_setup_in_design_order() {
        let listed = numbers(0..250);
        let mut desired = desired(&listed, false);
        if let ReputationSpec::Enabled { loa, .. } = &mut desired.reputation {
            *loa = Loa::File {
                path: "loa/signed.pdf".into(),
                sha256: "ab".repeat(32),
                size: 1_000,
            };
        }
        let mut live = Live::default();
        eligible(&mut live, &listed);
        let plan = make(&desired, &live, PlanOptions::default());
        assert_eq!(
            outline(&plan),
            [
                "+ accept_terms /terms_of_service/number_reputation/agree",
                "+ create_enterprise /enterprises",
                "+ upload_loa /documents",
                "+ enable_reputation /enterprises/{enterprise_id}/reputation",
                "= wait_for_vetting /enterprises/{enterprise_id}/reputation",
                "+ add_numbers /enterprises/{enterprise_id}/reputation/numbers",
                "+ add_numbers /enterprises/{enterprise_id}/reputation/numbers",
                "+ add_numbers /enterprises/{enterprise_id}/reputation/numbers",
            ]
        );
        let batches: Vec<usize> = plan
            .steps
            .iter()
            .filter_map(|step| json(step).phone_numbers.map(|numbers| numbers.len()))
            .collect();
        assert_eq!(batches, [100, 100, 50]);
        let first_batch = json(&plan.steps[5]).phone_numbers.clone().unwrap();
        assert_eq!(
            first_batch.first().map(String::as_str),
            Some("+12025550000")
        );
        assert_eq!(plan.steps.iter().filter(|step| step.billable()).count(), 4);
        assert_eq!(
            plan.summary_line(),
            "Plan: 4 to create, 250 numbers to add, 0 to remove, 0 to change."
        );
        assert_eq!(plan.cost.as_ref().unwrap().apply_total, 125.0);
        assert_eq!(plan.cost.as_ref().unwrap().monthly_before, 0.0);
        assert_eq!(plan.cost.as_ref().unwrap().monthly_after, 860.42);
    }

    #[test]
    fn enterprise_field_changes_and_immutable_fields() {
        let listed = numbers(0..1);
        let desired = desired(&listed, false);
        let mut live = converged(&desired, &listed);
        let fields = &mut live.enterprise.as_mut().unwrap().fields;
        fields.insert(
            "website".to_owned(),
            Value::String("https://old.example".to_owned()),
        );
        fields.get_mut("billing_contact").unwrap()["email"] =
            Value::String("old@acme.com".to_owned());
        let plan = make(&desired, &live, PlanOptions::default());
        assert_eq!(outline(&plan), ["~ update_enterprise /enterprises/ID"]);
        assert_eq!(
            json(&plan.steps[0]).fields,
            Some(vec![
                FieldChange {
                    field: "billing_contact.email".to_owned(),
                    old: Some("old@acme.com".to_owned()),
                    new: Some("billing@acme.com".to_owned())
                },
                FieldChange {
                    field: "website".to_owned(),
                    old: Some("https://old.example".to_owned()),
                    new: Some("https://acme.com".to_owned())
                },
            ])
        );
        let masked = crate::plan::render::masked(&plan);
        let masked_fields = json(&masked.steps[0]).fields.clone().unwrap();
        assert!(
            masked_fields[0]
                .new
                .as_deref()
                .unwrap()
                .starts_with("sha256:")
        );
        assert_eq!(masked_fields[1].new.as_deref(), Some("https://acme.com"));

        let mut live = converged(&desired, &listed);
        live.enterprise
            .as_mut()
            .unwrap()
            .fields
            .insert("country_code".to_owned(), Value::String("CA".to_owned()));
        let plan = make(&desired, &live, PlanOptions::default());
        assert_eq!(outline(&plan), Vec::<String>::new());
        assert_eq!(
            plan.errors,
            [
                "`country_code` cannot change from `CA` to `US`: the API refuses changes to it after creation, and telrep never deletes an enterprise; put `CA` back in the manifest, or declare a new enterprise under another legal_name"
            ]
        );
        assert_eq!(plan.summary_line(), "Plan failed: 1 error.");
    }

    #[test]
    fn pinned_id_that_does_not_exist() {
        let mut desired = desired(&[], false);
        desired.enterprise.id = crate::model::EnterpriseId::parse(ID);
        let plan = make(
            &desired,
            &Live {
                terms_agreed: true,
                ..Live::default()
            },
            PlanOptions::default(),
        );
        assert_eq!(
            plan.errors,
            [format!(
                "the manifest pins enterprise `id` `{ID}`, which this account does not have: remove `id` to create `Acme Corp`, or fix the id"
            )]
        );
    }

    #[test]
    fn issue_8_one_changed_field_reads_in_the_singular() {
        let listed = numbers(0..1);
        let desired = desired(&listed, false);
        let mut live = converged(&desired, &listed);
        live.enterprise.as_mut().unwrap().fields.insert(
            "website".to_owned(),
            Value::String("https://old.example".to_owned()),
        );
        let plan = make(&desired, &live, PlanOptions::default());
        assert_eq!(plan.steps[0].reason, "1 field differs from the manifest");
    }

    #[test]
    fn issue_8_nothing_to_bill_is_a_positive_zero() {
        let listed = numbers(0..2);
        let desired = desired(&listed, false);
        let plan = make(
            &desired,
            &converged(&desired, &listed),
            PlanOptions::default(),
        );
        let cost = plan.cost.as_ref().unwrap();
        assert_eq!(serde_json::to_string(&cost.apply_total).unwrap(), "0.0");
        assert_eq!(
            serde_json::to_value(plan.summary.unwrap()).unwrap(),
            serde_json::json!({"create": 0, "update": 0, "add_numbers": 0, "remove_numbers": 0,
                "has_disable": false, "billable": false, "apply_total": 0.0,
                "monthly_before": 106.08, "monthly_after": 106.08})
        );
    }

    #[test]
    fn issue_8_summary_counts_steps_and_numbers() {
        let listed = numbers(0..150);
        let desired = desired(&listed, true);
        let mut live = converged(&desired, &numbers(140..160));
        live.reputation.as_mut().unwrap().check_frequency = "weekly".to_owned();
        eligible(&mut live, &listed);
        let plan = make(&desired, &live, ALLOW_ALL);
        assert_eq!(plan.errors, Vec::<String>::new());
        let summary = plan.summary.unwrap();
        assert_eq!(
            (
                summary.create,
                summary.update,
                summary.add_numbers,
                summary.remove_numbers
            ),
            (0, 1, 140, 10)
        );
        assert!(summary.billable && !summary.has_disable);
        assert_eq!(summary.apply_total, plan.cost.as_ref().unwrap().apply_total);
    }

    #[test]
    fn issue_8_a_failed_plan_has_no_cost_summary_or_fingerprint() {
        let listed = numbers(0..1);
        let desired = desired(&listed, false);
        let mut live = converged(&desired, &[]);
        live.candidates.insert(listed[0], Candidate::default());
        let plan = make(&desired, &live, PlanOptions::default());
        assert_eq!(
            (plan.cost, plan.summary, plan.fingerprint),
            (None, None, None)
        );
        assert_eq!(
            plan.diagnostics,
            [PlanDiagnostic {
                rule: "number_not_in_inventory".to_owned(),
                severity: Severity::Error,
                message: "`+12025550000` (acme.yaml:10:7) cannot be added: not in the account's inventory: buy or port it first, or remove it from the manifest".to_owned(),
                file: "acme.yaml".to_owned(),
                line: Some(10),
                column: Some(7),
                help: Some("if it is hosted with another carrier, declare the ownership proof under `reputation.external_verification` (`files: [PDF, ...]` or `document_ids: [ID, ...]`): numbers hosted elsewhere are added once Telnyx approves it".to_owned()),
            }]
        );
    }

    #[test]
    fn issue_8_a_pinned_document_is_checked_only_when_linked() {
        let listed = numbers(0..1);
        let desired = desired(&listed, false);
        // Converged: nothing links the document, so nothing asks for it.
        let live = converged(&desired, &listed);
        let diffed = diff_detailed(&desired, &live, PlanOptions::default(), Prices::default());
        assert_eq!(diffed.linked_documents, Vec::<String>::new());
        // Enable links it: observation is asked to check it; a missing one is an error.
        let mut live = converged(&desired, &[]);
        live.reputation = None;
        eligible(&mut live, &listed);
        let diffed = diff_detailed(&desired, &live, PlanOptions::default(), Prices::default());
        assert_eq!(diffed.linked_documents, [DOCUMENT]);
        assert_eq!(diffed.plan.errors, Vec::<String>::new());
        live.documents.insert(DOCUMENT.to_owned(), false);
        let plan = make(&desired, &live, PlanOptions::default());
        assert_eq!(
            plan.errors,
            [format!(
                "`loa.document_id` `{DOCUMENT}` is not a document of this account (`GET /documents/{DOCUMENT}` answered 404)"
            )]
        );
        assert_eq!(plan.diagnostics[0].rule, "document_not_found");
        live.documents.insert(DOCUMENT.to_owned(), true);
        assert_eq!(
            make(&desired, &live, PlanOptions::default()).errors,
            Vec::<String>::new()
        );
    }

    #[test]
    fn issue_8_numbers_of_a_renamed_enterprise_are_one_error() {
        let listed = numbers(0..35);
        let desired = desired(&listed, false);
        let mut live = Live {
            terms_agreed: true,
            other_enterprises: vec![crate::model::OtherEnterprise {
                id: ID.to_owned(),
                legal_name: Some("Acme Corp Inc".to_owned()),
            }],
            ..Live::default()
        };
        for number in &listed {
            live.candidates.insert(*number, monitored_by(ID));
        }
        let plan = make(&desired, &live, PlanOptions::default());
        assert_eq!(
            plan.errors,
            [format!(
                "35 of the manifest's numbers (+12025550000, +12025550001, +12025550002, … 30 more …, +12025550033, +12025550034) are already monitored by enterprise `Acme Corp Inc` (`{ID}`), and no enterprise has legal_name `Acme Corp`"
            )]
        );
        assert_eq!(
            plan.diagnostics[0].help.as_deref(),
            Some(format!("an enterprise with a similar legal name exists: `Acme Corp Inc` (`{ID}`); if it is this manifest's enterprise, pin it with `id: {ID}` under `enterprise` (a changed legal_name is then planned as an update)").as_str())
        );
        assert_eq!(plan.diagnostics[0].line, Some(10));
        // A pin that does not exist: one error, the owner named in its help.
        let mut pinned = desired.clone();
        pinned.enterprise.id = crate::model::EnterpriseId::parse(OTHER_DOCUMENT);
        live.other_enterprises[0].legal_name = Some("Globex".to_owned());
        let plan = make(&pinned, &live, PlanOptions::default());
        assert_eq!(plan.errors.len(), 1);
        assert_eq!(
            plan.diagnostics[0].help.as_deref(),
            Some(format!("the manifest's numbers are monitored by `Globex` (`{ID}`): if that is this enterprise, pin its id").as_str())
        );
    }

    #[test]
    fn issue_8_creating_beside_a_similar_name_warns() {
        let desired = desired(&[], false);
        let live = Live {
            terms_agreed: true,
            other_enterprises: vec![crate::model::OtherEnterprise {
                id: ID.to_owned(),
                legal_name: Some("Acme Corp (US)".to_owned()),
            }],
            ..Live::default()
        };
        let plan = make(&desired, &live, PlanOptions::default());
        assert_eq!(
            outline(&plan),
            [
                "+ create_enterprise /enterprises",
                "+ enable_reputation /enterprises/{enterprise_id}/reputation",
                "= wait_for_vetting /enterprises/{enterprise_id}/reputation"
            ]
        );
        assert_eq!(
            plan.warnings,
            [Warning {
                rule: "similar_enterprise".to_owned(),
                message: format!(
                    "an enterprise with a similar legal name exists: `Acme Corp (US)` (`{ID}`); if it is this manifest's enterprise, pin it with `id: {ID}` under `enterprise` instead of creating another"
                ),
                phone_number: None,
                confirm_by: None,
            }]
        );
    }

    #[test]
    fn issue_9_an_unknown_loa_digest_is_not_a_difference() {
        let listed = numbers(0..1);
        let mut desired = desired(&listed, false);
        let sha256 = "ab".repeat(32);
        if let ReputationSpec::Enabled { loa, .. } = &mut desired.reputation {
            *loa = Loa::File {
                path: "loa/signed.pdf".into(),
                sha256: sha256.clone(),
                size: 1_000,
            };
        }
        let case = |setup: &dyn Fn(&mut Live),
                    options: PlanOptions|
         -> (Vec<String>, Vec<String>, Vec<String>) {
            let mut live = converged(&desired, &listed);
            setup(&mut live);
            let plan = make(&desired, &live, options);
            (
                outline(&plan),
                plan.errors.clone(),
                plan.warnings
                    .iter()
                    .map(|warning| warning.rule.clone())
                    .collect(),
            )
        };
        let none = (Vec::new(), Vec::new(), Vec::new());
        let cascade = vec![
            "+ upload_loa /documents".to_owned(),
            "- disable_reputation /enterprises/ID/reputation".to_owned(),
            "+ enable_reputation /enterprises/ID/reputation".to_owned(),
            "= wait_for_vetting /enterprises/ID/reputation".to_owned(),
            "+ add_numbers /enterprises/ID/reputation/numbers".to_owned(),
        ];
        // Upper-case hex is the same digest.
        assert_eq!(
            case(
                &|live| live.loa_sha256 = Some(sha256.to_uppercase()),
                ALLOW_ALL
            ),
            none
        );
        // No digest: size and name decide.
        let same = |live: &mut Live| {
            live.loa_size = Some(1_000);
            live.loa_filename = Some("signed.pdf".to_owned());
        };
        assert_eq!(case(&same, ALLOW_ALL), none);
        let bigger = |live: &mut Live| live.loa_size = Some(2_000);
        assert_eq!(case(&bigger, ALLOW_ALL).0, cascade);
        // Nothing to compare: no change, a warning; --replace-loa forces it.
        assert_eq!(
            case(&|_| {}, ALLOW_ALL),
            (
                Vec::new(),
                Vec::new(),
                vec!["loa_not_comparable".to_owned()]
            )
        );
        let replace = PlanOptions {
            replace_loa: true,
            ..ALLOW_ALL
        };
        assert_eq!(case(&|_| {}, replace).0, cascade);
        // It never forces what can be compared: a replaced LOA is not replaced again.
        assert_eq!(
            case(&|live| live.loa_sha256 = Some(sha256.clone()), replace),
            none
        );
        // A document that answered 404 is an error, never "changed".
        let (steps, errors, _) = case(&|live| live.loa_missing = true, ALLOW_ALL);
        assert_eq!(steps, Vec::<String>::new());
        assert_eq!(
            errors,
            [format!(
                "the live LOA document `{DOCUMENT}` answered 404, so `loa/signed.pdf` cannot be compared with it"
            )]
        );
    }

    #[test]
    fn loa_and_vetting_states() {
        let listed = numbers(0..2);
        let desired = desired(&listed, false);
        let with = |status: &str, loa_status: &str, document: &str| {
            let mut live = converged(&desired, &listed);
            let reputation = live.reputation.as_mut().unwrap();
            reputation.status = Status::from_wire(status);
            reputation.loa_status = Status::from_wire(loa_status);
            reputation.loa_document_id = Some(document.to_owned());
            if status == "rejected" {
                reputation.rejection_reasons = vec!["unverifiable business".to_owned()];
            }
            live
        };
        // LOA differs while its review is pending or rejected: PATCH it, then wait.
        for loa_status in ["pending", "rejected"] {
            let plan = make(
                &desired,
                &with("approved", loa_status, OTHER_DOCUMENT),
                PlanOptions::default(),
            );
            assert_eq!(
                outline(&plan),
                [
                    "~ update_loa /enterprises/ID/reputation/loa",
                    "= wait_for_vetting /enterprises/ID/reputation"
                ],
                "{loa_status}"
            );
            assert_eq!(
                (
                    json(&plan.steps[0]).old.as_deref(),
                    json(&plan.steps[0]).new.as_deref()
                ),
                (Some(OTHER_DOCUMENT), Some(DOCUMENT))
            );
        }
        // LOA differs and the live one is approved: the cascade, behind --allow-disable.
        let live = with("approved", "approved", OTHER_DOCUMENT);
        let refused = make(&desired, &live, PlanOptions::default());
        assert_eq!(
            refused.errors,
            [
                "the LOA must change and the live one is approved, which the API refuses to PATCH: disable de-registers 2 numbers, re-adds 2 numbers in 1 batch, and bills enable again; pass --allow-disable to accept"
            ]
        );
        let cascade = make(
            &desired,
            &live,
            PlanOptions {
                allow_disable: true,
                ..PlanOptions::default()
            },
        );
        assert_eq!(
            outline(&cascade),
            [
                "- disable_reputation /enterprises/ID/reputation",
                "+ enable_reputation /enterprises/ID/reputation",
                "= wait_for_vetting /enterprises/ID/reputation",
                "+ add_numbers /enterprises/ID/reputation/numbers",
            ]
        );
        // Rejected vetting: disable and enable again with the same LOA.
        let rejected = make(&desired, &with("rejected", "approved", DOCUMENT), ALLOW_ALL);
        assert_eq!(outline(&rejected), outline(&cascade));
        assert_eq!(
            rejected.steps[0].reason,
            "vetting was rejected (unverifiable business); resubmitting means disable then enable"
        );
        // Vetting pending, nothing else to do: nothing to plan.
        assert_eq!(
            outline(&make(
                &desired,
                &with("pending", "pending", DOCUMENT),
                PlanOptions::default()
            )),
            Vec::<String>::new()
        );
    }

    #[test]
    fn the_cascade_keeps_unmanaged_numbers() {
        let listed = numbers(0..2);
        let desired = desired(&listed, false);
        let mut live = converged(&desired, &numbers(0..3));
        live.reputation.as_mut().unwrap().loa_document_id = Some(OTHER_DOCUMENT.to_owned());
        let plan = make(&desired, &live, ALLOW_ALL);
        assert_eq!(
            json(&plan.steps[3]).phone_numbers,
            Some(vec![
                "+12025550000".to_owned(),
                "+12025550001".to_owned(),
                "+12025550002".to_owned()
            ])
        );
    }

    #[test]
    fn frequency_waits_for_approval() {
        let listed = numbers(0..1);
        let desired = desired(&listed, false);
        let mut live = converged(&desired, &listed);
        live.reputation.as_mut().unwrap().check_frequency = "monthly".to_owned();
        let plan_approved = make(&desired, &live, PlanOptions::default());
        assert_eq!(
            outline(&plan_approved),
            ["~ update_frequency /enterprises/ID/reputation/frequency"]
        );
        assert_eq!(
            (
                json(&plan_approved.steps[0]).old.as_deref(),
                json(&plan_approved.steps[0]).new.as_deref()
            ),
            (Some("monthly"), Some("daily"))
        );
        assert_eq!(
            (
                plan_approved.cost.as_ref().unwrap().monthly_before,
                plan_approved.cost.as_ref().unwrap().monthly_after
            ),
            (100.1, 103.04)
        );
        live.reputation.as_mut().unwrap().status = Status::Pending;
        let plan_pending = make(&desired, &live, PlanOptions::default());
        assert_eq!(
            outline(&plan_pending),
            [
                "= wait_for_vetting /enterprises/ID/reputation",
                "~ update_frequency /enterprises/ID/reputation/frequency"
            ]
        );
    }

    #[test]
    fn removals_unmanaged_and_rails() {
        let live_numbers = numbers(0..20);
        // prune: three removals, under the rail.
        let desired_pruned = desired(&live_numbers[..17], true);
        let plan_pruned = make(
            &desired_pruned,
            &converged(&desired_pruned, &live_numbers),
            PlanOptions::default(),
        );
        assert_eq!(
            outline(&plan_pruned),
            [
                "- remove_number /enterprises/ID/reputation/numbers/%2B12025550017",
                "- remove_number /enterprises/ID/reputation/numbers/%2B12025550018",
                "- remove_number /enterprises/ID/reputation/numbers/%2B12025550019",
            ]
        );
        assert_eq!(
            json(&plan_pruned.steps[0]).phone_number.as_deref(),
            Some("+12025550017")
        );
        assert_eq!(
            plan_pruned.summary_line(),
            "Plan: 0 to create, 0 numbers to add, 3 to remove, 0 to change."
        );
        // prune: false: the same numbers are unmanaged, not removed.
        let desired_kept = desired(&live_numbers[..17], false);
        let plan_kept = make(
            &desired_kept,
            &converged(&desired_kept, &live_numbers),
            PlanOptions::default(),
        );
        assert_eq!(outline(&plan_kept), Vec::<String>::new());
        assert_eq!(
            plan_kept.unmanaged,
            ["+12025550017", "+12025550018", "+12025550019"]
        );
        // Eleven of twenty is more than max(10, 25 %).
        let desired_mass = desired(&live_numbers[..9], true);
        let live_mass = converged(&desired_mass, &live_numbers);
        assert_eq!(
            make(&desired_mass, &live_mass, PlanOptions::default()).errors,
            [
                "`prune: true` would remove 11 of 20 monitored numbers, more than max(10, 25 %) = 10; pass --allow-mass-removal to accept"
            ]
        );
        assert_eq!(make(&desired_mass, &live_mass, ALLOW_ALL).steps.len(), 11);
        // Pruning to zero is always refused without the flag.
        let desired_zero = desired(&[], true);
        let live_zero = converged(&desired_zero, &live_numbers[..1]);
        assert_eq!(
            make(&desired_zero, &live_zero, PlanOptions::default()).errors,
            [
                "`prune: true` with no numbers would remove the 1 monitored number; pass --allow-mass-removal to accept"
            ]
        );
    }

    #[test]
    fn numbers_that_cannot_be_added_are_errors_naming_their_place() {
        let listed = numbers(0..4);
        let desired = desired(&listed, false);
        let mut live = converged(&desired, &[]);
        live.candidates.insert(listed[0], in_inventory("local"));
        live.candidates.insert(listed[1], Candidate::default());
        live.candidates.insert(listed[2], in_inventory("mobile"));
        live.candidates
            .insert(listed[3], monitored_by(OTHER_DOCUMENT));
        let plan = make(&desired, &live, PlanOptions::default());
        assert_eq!(outline(&plan), Vec::<String>::new());
        assert_eq!(
            plan.errors,
            [
                "`+12025550001` (acme.yaml:11:7) cannot be added: not in the account's inventory: buy or port it first, or remove it from the manifest",
                "`+12025550002` (acme.yaml:12:7) cannot be added: in the inventory but not an active US local or toll-free number: `phone_number_type` is `mobile`",
                &format!(
                    "`+12025550003` (acme.yaml:13:7) cannot be added: already monitored by enterprise `{OTHER_DOCUMENT}`; remove it there first"
                ),
            ]
        );
    }

    #[test]
    fn disabling() {
        let listed = numbers(0..5);
        let mut desired = desired(&listed, false);
        let live = converged(&desired, &listed);
        desired.reputation = ReputationSpec::Disabled;
        assert_eq!(
            make(&desired, &live, PlanOptions::default()).errors,
            [
                "`enabled: false` disables Number Reputation for `Acme Corp` and de-registers 5 monitored numbers; pass --allow-disable to accept"
            ]
        );
        let allowed = make(&desired, &live, ALLOW_ALL);
        assert_eq!(
            outline(&allowed),
            ["- disable_reputation /enterprises/ID/reputation"]
        );
        assert_eq!(allowed.cost.as_ref().unwrap().monthly_after, 0.0);
        let never_enabled = Live {
            reputation: None,
            numbers: Vec::new(),
            ..live
        };
        assert_eq!(
            outline(&make(&desired, &never_enabled, PlanOptions::default())),
            Vec::<String>::new()
        );
    }

    #[test]
    fn every_kind_in_order() {
        let live_numbers = numbers(0..4);
        let listed: Vec<E164> = numbers(1..6);
        let desired = desired(&listed, true);
        let mut live = converged(&desired, &live_numbers);
        live.terms_agreed = false;
        live.enterprise.as_mut().unwrap().fields.insert(
            "doing_business_as".to_owned(),
            Value::String("Acme Inc".to_owned()),
        );
        let reputation = live.reputation.as_mut().unwrap();
        reputation.loa_status = Status::Pending;
        reputation.loa_document_id = Some(OTHER_DOCUMENT.to_owned());
        reputation.check_frequency = "weekly".to_owned();
        eligible(&mut live, &listed);
        let plan = make(&desired, &live, PlanOptions::default());
        assert_eq!(
            outline(&plan),
            [
                "+ accept_terms /terms_of_service/number_reputation/agree",
                "~ update_enterprise /enterprises/ID",
                "~ update_loa /enterprises/ID/reputation/loa",
                "= wait_for_vetting /enterprises/ID/reputation",
                "~ update_frequency /enterprises/ID/reputation/frequency",
                "+ add_numbers /enterprises/ID/reputation/numbers",
                "- remove_number /enterprises/ID/reputation/numbers/%2B12025550000",
            ]
        );
        assert_eq!(
            json(&plan.steps[5]).phone_numbers,
            Some(vec!["+12025550004".to_owned(), "+12025550005".to_owned()])
        );
        assert_eq!(
            plan.summary_line(),
            "Plan: 1 to create, 2 numbers to add, 1 to remove, 3 to change."
        );
    }

    #[test]
    fn fingerprint_follows_the_live_state() {
        let desired = desired(&numbers(0..2), false);
        let live = converged(&desired, &numbers(0..2));
        let same = fingerprint(&live.clone()).unwrap();
        assert_eq!(fingerprint(&live).unwrap(), same);
        assert!(same.starts_with("sha256:") && same.len() == 71);
        let changed = converged(&desired, &numbers(0..1));
        assert_ne!(fingerprint(&changed).unwrap(), same);
    }
}
