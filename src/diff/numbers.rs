//! The numbers part of the diff: batches of 100, after checking each number can be added;
//! numbers another enterprise monitors while the manifest's does not exist are one error.

use crate::model::NumberSet;
use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::{Candidate, InventoryRecord, InventoryStatus, NumberType, OwnershipStatus};

use super::enterprise::similar_names;
use super::external::{ProofState, is_toll_free};
use super::*;

impl Planner<'_> {
    /// One add step per batch of 100 after checking that each number not already monitored
    /// here can be added: the inventory's numbers first, then (after the ownership proof's
    /// steps and its wait) those hosted elsewhere; no batch mixes the two. `live_numbers`
    /// are this enterprise's own (re-added after a cascade), so eligible.
    pub(super) fn add(
        &mut self,
        numbers: &[E164],
        list: &crate::model::NumberList,
        live_numbers: &NumberSet,
    ) {
        let (inventory, external) = self.sort_out(numbers, list, live_numbers);
        let proof = self.proof_steps();
        if proof == ProofState::Unusable && !external.is_empty() && self.proof_dropped {
            self.proof_needed(&external);
        }
        let total = inventory.len().div_ceil(BATCH) + external.len().div_ceil(BATCH);
        let mut position = 0;
        for batch in inventory.chunks(BATCH) {
            position += 1;
            self.batch(batch, position, total, "not monitored yet");
        }
        if external.is_empty() {
            return;
        }
        if proof == ProofState::UnderReview {
            self.wait_for_proof();
        }
        for batch in external.chunks(BATCH) {
            position += 1;
            self.batch(
                batch,
                position,
                total,
                "hosted elsewhere, not monitored yet",
            );
        }
    }

    /// The numbers to add from the inventory and from elsewhere, in manifest order; every
    /// number that cannot be added is an error instead.
    fn sort_out(
        &mut self,
        numbers: &[E164],
        list: &crate::model::NumberList,
        live_numbers: &NumberSet,
    ) -> (Vec<E164>, Vec<E164>) {
        // Numbers another enterprise monitors while the manifest's own does not exist have
        // one cause (a renamed legal_name, a wrong pin): one error per such enterprise.
        let mut elsewhere: BTreeMap<String, Vec<E164>> = BTreeMap::new();
        let mut inventory = Vec::with_capacity(numbers.len());
        let mut external = Vec::new();
        let covered = self.proof_covers();
        for &number in numbers {
            if live_numbers.contains(&number) {
                // This enterprise's own, re-added after a cascade: each where it came from.
                if self.live.external.contains(&number) {
                    external.push(number);
                } else {
                    inventory.push(number);
                }
                continue;
            }
            let candidate = self.live.candidates.get(&number);
            let mut verdict = candidate.map(eligibility);
            if verdict == Some(Eligibility::NotInInventory) && covered {
                verdict = Some(
                    match candidate.and_then(|found| found.monitored_by.clone()) {
                        Some(enterprise_id) => Eligibility::MonitoredElsewhere { enterprise_id },
                        None if is_toll_free(number) => {
                            self.number_problem(list, number, "number_not_eligible", "not in the account's inventory, and a toll-free number can be monitored only from it: buy or port it first, or remove it from the manifest".to_owned());
                            continue;
                        }
                        None => {
                            external.push(number);
                            continue;
                        }
                    },
                );
            }
            let (rule, problem) = match verdict {
                Some(Eligibility::Eligible) => {
                    inventory.push(number);
                    continue;
                }
                Some(Eligibility::MonitoredElsewhere { enterprise_id })
                    if self.live.enterprise.is_none() =>
                {
                    elsewhere.entry(enterprise_id).or_default().push(number);
                    continue;
                }
                Some(Eligibility::NotInInventory) => ("number_not_in_inventory", "not in the account's inventory: buy or port it first, or remove it from the manifest".to_owned()),
                Some(Eligibility::NotUsLocal { field, value }) => ("number_not_eligible", format!("in the inventory but not an active US local or toll-free number: `{field}` is `{value}`")),
                Some(Eligibility::MonitoredElsewhere { enterprise_id }) => ("monitored_elsewhere", format!("already monitored by enterprise {}; remove it there first", self.enterprise_name(&enterprise_id))),
                None => ("internal", "its eligibility was not observed; plan again".to_owned()),
            };
            self.number_problem(list, number, rule, problem);
            if rule == "number_not_in_inventory"
                && let Some(last) = self.problems.last_mut()
            {
                last.help = Some(EXTERNAL_HELP.to_owned());
            }
        }
        if self.desired.enterprise.id.is_none() {
            for (enterprise_id, owned) in elsewhere {
                self.monitored_by_another(&enterprise_id, &owned, list);
            }
        }
        (inventory, external)
    }

    fn number_problem(
        &mut self,
        list: &crate::model::NumberList,
        number: E164,
        rule: &'static str,
        problem: String,
    ) {
        let place = place_of(list, number);
        let location = place.as_ref().map_or_else(
            || "live".to_owned(),
            |place| format!("{}:{}:{}", place.file, place.line, place.column),
        );
        self.problems.push(Problem {
            rule,
            message: format!("`{number}` ({location}) cannot be added: {problem}"),
            help: None,
            place,
        });
    }

    /// One `add_numbers` step; its reason names the numbers Telnyx removed, which it adds
    /// back.
    fn batch(&mut self, batch: &[E164], position: usize, total: usize, what: &str) {
        let removed: Vec<String> = batch
            .iter()
            .filter_map(|number| {
                let ownership = self.live.ownership.get(number)?;
                (ownership.status == OwnershipStatus::Removed).then(|| {
                    format!(
                        "`{number}` ({}, {})",
                        ownership
                            .removal_reason
                            .as_deref()
                            .unwrap_or("no reason given"),
                        ownership
                            .removed_at
                            .as_deref()
                            .unwrap_or("at an unknown time")
                    )
                })
            })
            .collect();
        let count = Count::new(batch.len(), "number", "numbers");
        let listed = crate::plan::render::summarize(&removed, false);
        let reason = if removed.is_empty() {
            format!("batch {position} of {total}: {count} {what}")
        } else if removed.len() == batch.len() {
            let what = what.replace("not monitored yet", "no longer monitored");
            format!(
                "batch {position} of {total}: {count} {what}: Telnyx removed {} from monitoring, added again: {listed}",
                if batch.len() == 1 { "it" } else { "them" }
            )
        } else {
            format!(
                "batch {position} of {total}: {count} {what} or no longer monitored: Telnyx removed {} of them from monitoring, added again: {listed}",
                crate::plan::thousands(removed.len())
            )
        };
        let step = Step::new(
            Action::AddNumbers,
            format!("{}/numbers", self.reputation_path()),
            reason,
        );
        self.steps.push(step.with(Detail::AddNumbers {
            phone_numbers: batch.to_vec(),
        }));
    }

    /// A warning for each of the manifest's numbers whose ownership Telnyx asks to confirm:
    /// unanswered by `confirm_by`, Telnyx removes it.
    pub(super) fn ownership_warnings(&mut self, listed: &NumberSet) {
        for (number, ownership) in &self.live.ownership {
            if !ownership.status.awaits_confirmation() || !listed.contains(number) {
                continue;
            }
            let deadline = ownership
                .confirm_by
                .as_deref()
                .map_or_else(String::new, |at| format!(" by {at}"));
            let why = ownership
                .flag_reason
                .as_deref()
                .map_or_else(String::new, |reason| format!(" ({reason})"));
            self.warnings.push(Warning {
                rule: "ownership_unconfirmed".to_owned(),
                message: format!(
                    "`{number}` ownership is `{}`{why}: confirm it{deadline} with `telrep ownership confirm {} --number {number}`, or Telnyx removes it from monitoring",
                    ownership.status,
                    self.desired.manifest.display()
                ),
                phone_number: Some(number.to_string()),
                confirm_by: ownership.confirm_by.clone(),
            });
        }
    }

    /// The one error for numbers monitored by another enterprise while the manifest's does
    /// not exist: most likely the same enterprise under another legal name.
    pub(super) fn monitored_by_another(
        &mut self,
        enterprise_id: &str,
        owned: &[E164],
        list: &crate::model::NumberList,
    ) {
        let listed: Vec<String> = owned.iter().map(ToString::to_string).collect();
        let name = self.enterprise_name(enterprise_id);
        let legal_name = &self.desired.enterprise.legal_name;
        let mut problem = Problem::new(
            "monitored_elsewhere",
            format!(
                "{} of the manifest's numbers ({}) {} already monitored by enterprise {name}, and no enterprise has legal_name `{legal_name}`",
                crate::plan::thousands(owned.len()),
                crate::plan::render::summarize(&listed, false),
                if owned.len() == 1 { "is" } else { "are" },
            ),
        );
        let similar = self
            .other(enterprise_id)
            .and_then(|other| other.legal_name.as_deref())
            .is_some_and(|other| similar_names(other, legal_name));
        problem.help = Some(if similar {
            format!(
                "an enterprise with a similar legal name exists: {name}; if it is this manifest's enterprise, pin it with `id: {enterprise_id}` under `enterprise` (a changed legal_name is then planned as an update)"
            )
        } else {
            format!(
                "if {name} is this manifest's enterprise under another legal name, pin it with `id: {enterprise_id}` under `enterprise`; otherwise remove the numbers from it first"
            )
        });
        problem.place = owned.first().and_then(|number| place_of(list, *number));
        self.problems.push(problem);
    }
}

/// How a number hosted with another carrier becomes one telrep can add.
const EXTERNAL_HELP: &str = "if it is hosted with another carrier, declare the ownership proof under `reputation.external_verification` (`files: [PDF, ...]` or `document_ids: [ID, ...]`): numbers hosted elsewhere are added once Telnyx approves it";

/// Where the manifest lists `number`; a scan, so only for numbers in error.
pub(super) fn place_of(list: &crate::model::NumberList, number: E164) -> Option<Place> {
    list.numbers
        .iter()
        .position(|candidate| *candidate == number)
        .and_then(|index| list.place(index))
}

/// Whether a number can be added to this enterprise (docs/api.md, "Inventory"), as the
/// fingerprint records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Eligibility {
    /// In the inventory as an active US local or toll-free number, monitored nowhere.
    Eligible,
    /// Not among the account's phone numbers.
    NotInInventory,
    /// In the inventory, but a field disqualifies it (`phone_number_type` is `mobile`…).
    /// Named before toll-free numbers became eligible; kept so fingerprints stay stable.
    NotUsLocal {
        /// The disqualifying field.
        field: String,
        /// Its value.
        value: String,
    },
    /// Another enterprise already monitors it.
    MonitoredElsewhere {
        /// That enterprise.
        enterprise_id: String,
    },
}

/// The planning rule for one number to add: in the inventory as an active US local or
/// toll-free number, and monitored by no other enterprise. A number outside the inventory
/// may still be added as one hosted elsewhere: that is the ownership proof's rule. The inventory rules come first, so a number that
/// could never be added is not reported as someone else's.
pub fn eligibility(candidate: &Candidate) -> Eligibility {
    let Some(record) = &candidate.inventory else {
        return Eligibility::NotInInventory;
    };
    if let Some((field, value)) = disqualifying(record) {
        return Eligibility::NotUsLocal {
            field: field.to_owned(),
            value: value.to_owned(),
        };
    }
    match &candidate.monitored_by {
        Some(enterprise_id) => Eligibility::MonitoredElsewhere {
            enterprise_id: enterprise_id.clone(),
        },
        None => Eligibility::Eligible,
    }
}

/// The first inventory field that rules a number out, with its value.
fn disqualifying(record: &InventoryRecord) -> Option<(&'static str, &str)> {
    if record.country_iso_alpha2 != "US" {
        return Some(("country_iso_alpha2", &record.country_iso_alpha2));
    }
    if let NumberType::Other(value) = &record.phone_number_type {
        return Some(("phone_number_type", value));
    }
    if let InventoryStatus::Other(value) = &record.status {
        return Some(("status", value));
    }
    None
}

/// Serialises each candidate as its verdict: what the fingerprint of a plan depends on.
pub fn serialize_verdicts<S: serde::Serializer>(
    candidates: &BTreeMap<E164, Candidate>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_map(
        candidates
            .iter()
            .map(|(number, candidate)| (number, eligibility(candidate))),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(phone_number_type: &str, status: &str, country: &str) -> Candidate {
        Candidate {
            inventory: Some(InventoryRecord {
                phone_number_type: NumberType::from_wire(phone_number_type),
                status: InventoryStatus::from_wire(status),
                country_iso_alpha2: country.to_owned(),
            }),
            monitored_by: None,
        }
    }

    fn not_us_local(field: &str, value: &str) -> Eligibility {
        Eligibility::NotUsLocal {
            field: field.to_owned(),
            value: value.to_owned(),
        }
    }

    #[test]
    fn the_inventory_decides_before_another_enterprise() {
        assert_eq!(
            eligibility(&Candidate::default()),
            Eligibility::NotInInventory
        );
        assert_eq!(
            eligibility(&record("local", "active", "US")),
            Eligibility::Eligible
        );
        assert_eq!(
            eligibility(&record("longcode", "active", "US")),
            Eligibility::Eligible
        );
        assert_eq!(
            eligibility(&record("toll_free", "active", "US")),
            Eligibility::Eligible
        );
        assert_eq!(
            eligibility(&record("tollfree", "active", "US")),
            Eligibility::Eligible
        );
        assert_eq!(
            eligibility(&record("mobile", "active", "US")),
            not_us_local("phone_number_type", "mobile")
        );
        assert_eq!(
            eligibility(&record("local", "port-pending", "US")),
            not_us_local("status", "port-pending")
        );
        assert_eq!(
            eligibility(&record("toll_free", "port-pending", "CA")),
            not_us_local("country_iso_alpha2", "CA")
        );
        let mut elsewhere = record("local", "active", "US");
        elsewhere.monitored_by = Some("other".to_owned());
        assert_eq!(
            eligibility(&elsewhere),
            Eligibility::MonitoredElsewhere {
                enterprise_id: "other".to_owned()
            }
        );
        elsewhere.inventory = None;
        assert_eq!(eligibility(&elsewhere), Eligibility::NotInInventory);
    }

    #[test]
    fn the_fingerprint_holds_verdicts_not_facts() {
        let number = E164::parse("+12025550100").unwrap();
        let json = |candidate: Candidate| {
            let mut map = BTreeMap::new();
            map.insert(number, candidate);
            let mut out = Vec::new();
            serialize_verdicts(&map, &mut serde_json::Serializer::new(&mut out)).unwrap();
            String::from_utf8(out).unwrap()
        };
        assert_eq!(
            json(record("local", "active", "US")),
            r#"{"+12025550100":"Eligible"}"#
        );
        assert_eq!(
            json(record("longcode", "active", "US")),
            r#"{"+12025550100":"Eligible"}"#
        );
        assert_eq!(
            json(record("mobile", "active", "US")),
            r#"{"+12025550100":{"NotUsLocal":{"field":"phone_number_type","value":"mobile"}}}"#
        );
    }
}
