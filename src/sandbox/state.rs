//! The sandbox's world: everything a Telnyx account holds that telrep touches, plus the
//! counters tests read. Serialisable, so `--state FILE` survives restarts; written
//! atomically (temporary file, fsync, rename). The numbers, the inventory and the ownership
//! tracking carry indexes (`numbers`, `inventory`, `trackings`) that are not written: they
//! are rebuilt when a state file is read, so the file's format is the one before them.

mod inventory;
mod listing;
mod numbers;
mod trackings;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

pub use inventory::Inventory;
pub use numbers::Numbers;
pub use trackings::Trackings;

use crate::telnyx::remediation::{RemediationRequest, RemediationResults};
use crate::telnyx::wire::{
    Document, Enterprise, ExternalVerification, OwnershipEvent, ReputationSettings, TosAgreement,
};

/// The ToS version the sandbox serves as current.
pub const CURRENT_TERMS_VERSION: &str = "2026-06-01";

/// Counters of the calls Telnyx bills (`GET /_sandbox/billing`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Billing {
    /// `POST …/reputation` that succeeded ($100 a month each).
    pub enable: u64,
    /// Numbers associated by successful add calls.
    pub numbers_added: u64,
    /// `fresh=true` lookups.
    pub fresh_lookups: u64,
    /// Lookups of numbers with no cached data (billed although not fresh).
    pub first_lookups: u64,
    /// Numbers refreshed by the refresh call.
    pub refreshes: u64,
    /// Numbers submitted for remediation (ineligible ones are not billed).
    #[serde(default)]
    pub remediations: u64,
}

/// An enterprise's reputation record with the sandbox's vetting schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reputation {
    /// What the API shows.
    pub settings: ReputationSettings,
    /// When `status` leaves `pending` (Unix milliseconds).
    pub vetting_due_ms: Option<i64>,
    /// When `loa_status` leaves `pending` (Unix milliseconds).
    pub loa_due_ms: Option<i64>,
}

/// A stored document: its record (the content itself is not kept, only its digest).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredDocument {
    /// What the API shows.
    pub document: Document,
}

/// An enterprise's ownership proof for numbers hosted elsewhere, with its review schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternalReview {
    /// What the API shows.
    pub verification: ExternalVerification,
    /// When `status` leaves `pending` (Unix milliseconds).
    pub due_ms: Option<i64>,
}

/// A monitored number's ownership tracking beyond its record, kept only once something
/// happened to it (a flag, a confirmation, a removal), so a fleet of plain adds stays small.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tracking {
    /// The enterprise monitoring the number.
    pub enterprise_id: String,
    /// The carrier recorded when the number was added or last confirmed.
    pub baseline_carrier: String,
    /// The carrier the last check saw.
    pub carrier: String,
    /// Ownership events, oldest first.
    pub history: Vec<OwnershipEvent>,
    /// The `confirm_by` deadline while a confirmation is awaited (Unix milliseconds).
    pub confirm_by_ms: Option<i64>,
}

/// A remediation request with the outcome the sandbox decided when it was submitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredRemediation {
    /// The enterprise it belongs to.
    pub enterprise_id: String,
    /// The request as submitted (`status` pending, no results).
    pub request: RemediationRequest,
    /// Each number's bucket, shown once the request completes.
    pub results: RemediationResults,
    /// When it was submitted (Unix milliseconds).
    pub created_ms: i64,
    /// When it completes (Unix milliseconds).
    pub due_ms: i64,
    /// `failed` or `cancelled` when `POST /_sandbox/remediation` ended it, and when.
    pub ended: Option<(String, i64)>,
}

/// The account.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct World {
    /// The ToS agreements, oldest first.
    pub agreements: Vec<TosAgreement>,
    /// Enterprises in creation order.
    pub enterprises: Vec<Enterprise>,
    /// Reputation records by enterprise id.
    pub reputation: BTreeMap<String, Reputation>,
    /// Monitored numbers by enterprise id, each in association order (grouped, so one
    /// enterprise's listing does not scan every other's numbers), indexed by number.
    pub numbers: Numbers,
    /// Uploaded documents in upload order.
    pub documents: Vec<StoredDocument>,
    /// The account's phone numbers, indexed by number.
    pub inventory: Inventory,
    /// Billable calls so far.
    pub billing: Billing,
    /// Ids handed out so far. Ids derive from the seed and what they name, no longer from
    /// this count; it is kept so that state files stay readable by earlier versions.
    pub ids_issued: u64,
    /// Ownership proofs for numbers hosted elsewhere, by enterprise id.
    #[serde(default)]
    pub external_verifications: BTreeMap<String, ExternalReview>,
    /// Ownership tracking by phone number (a number is in one enterprise at most), with
    /// the deadlines in order.
    #[serde(default)]
    pub ownership: Trackings,
    /// The ownership webhook URL by enterprise id: write-only in the API, so only the state
    /// file shows it.
    #[serde(default)]
    pub webhooks: BTreeMap<String, String>,
    /// Remediation requests in submission order.
    #[serde(default)]
    pub remediations: Vec<StoredRemediation>,
}

impl World {
    /// Reads a state file; a missing file is an empty account.
    pub fn load(path: &Path) -> std::io::Result<Self> {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|error| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("{} is not a sandbox state file: {error}", path.display()),
                )
            }),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(error) => Err(error),
        }
    }

    /// Writes the state so that a crash leaves either the old or the new file, never half.
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        let bytes = serde_json::to_vec(self).map_err(std::io::Error::other)?;
        let directory = path
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty());
        if let Some(directory) = directory {
            std::fs::create_dir_all(directory)?;
        }
        let file_name = path.file_name().map_or_else(
            || "sandbox.json".into(),
            |name| name.to_string_lossy().into_owned(),
        );
        let temporary = path.with_file_name(format!(".{file_name}.{}.tmp", std::process::id()));
        {
            let mut file = std::fs::File::create(&temporary)?;
            file.write_all(&bytes)?;
            file.sync_all()?;
        }
        std::fs::rename(&temporary, path)?;
        if let Some(directory) = directory {
            // Make the rename itself durable; not every file system supports this.
            let _ = std::fs::File::open(directory).and_then(|directory| directory.sync_all());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::telnyx::wire::{PhoneNumber, ReputationNumber};

    #[test]
    fn the_indexed_parts_are_written_as_the_map_and_vector_before_them() {
        let record = |number: &str, enterprise_id: &str| {
            ReputationNumber::added(
                format!("association-{number}"),
                enterprise_id,
                number.to_owned(),
                "2026-01-01T00:00:00Z",
            )
        };
        let item: PhoneNumber = serde_json::from_value(json!({
            "id": "item", "record_type": "phone_number", "phone_number": "+12025551234",
            "country_iso_alpha2": "US", "status": "active", "external_pin": null,
            "phone_number_type": "local",
        }))
        .unwrap();
        let tracking = Tracking {
            enterprise_id: "acme".to_owned(),
            baseline_carrier: "Lumen".to_owned(),
            carrier: "Bandwidth".to_owned(),
            history: Vec::new(),
            confirm_by_ms: Some(1_767_225_600_000),
        };
        // What an earlier version wrote: a map of vectors, a vector, a map.
        let numbers = BTreeMap::from([
            (
                "acme".to_owned(),
                vec![
                    record("+12025551234", "acme"),
                    record("+13125550100", "acme"),
                ],
            ),
            ("globex".to_owned(), Vec::new()),
        ]);
        let ownership = BTreeMap::from([("+13125550100".to_owned(), tracking.clone())]);
        let mut old = serde_json::to_value(World::default()).unwrap();
        old["numbers"] = serde_json::to_value(&numbers).unwrap();
        old["inventory"] = json!([item]);
        old["ownership"] = serde_json::to_value(&ownership).unwrap();
        let world: World = serde_json::from_value(old.clone()).unwrap();
        assert_eq!(serde_json::to_value(&world).unwrap(), old);
        let mut built = World::default();
        for (enterprise_id, records) in numbers {
            built.numbers.insert(enterprise_id, records);
        }
        built.inventory.push(item.clone());
        built.ownership.insert("+13125550100".to_owned(), tracking);
        assert_eq!(world, built);
        assert_eq!(
            (
                world
                    .numbers
                    .get("+13125550100")
                    .map(|record| record.id.as_str()),
                world.inventory.get("+12025551234"),
                world.ownership.due(|_| true).count(),
            ),
            (Some("association-+13125550100"), Some(&item), 1)
        );
        assert_eq!(old["numbers"]["globex"], Value::Array(Vec::new()));
    }

    #[test]
    fn saves_and_loads() {
        let temp = tempfile::tempdir().unwrap();
        let path = temp.path().join("state/sandbox.json");
        assert_eq!(World::load(&path).unwrap(), World::default());
        let mut world = World::default();
        world.billing.enable = 3;
        world.ids_issued = 7;
        world.save(&path).unwrap();
        assert_eq!(World::load(&path).unwrap(), world);
        let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(leftovers, ["sandbox.json"]);
        std::fs::write(&path, "{").unwrap();
        assert!(World::load(&path).is_err());
    }

    #[test]
    fn a_state_file_from_before_ownership_tracking_loads() {
        let temp = tempfile::tempdir().unwrap();
        let path = temp.path().join("sandbox.json");
        let mut world = World {
            ids_issued: 7,
            ..World::default()
        };
        world
            .webhooks
            .insert("acme".to_owned(), "https://hooks.example.com/".to_owned());
        world.save(&path).unwrap();
        assert_eq!(World::load(&path).unwrap(), world);
        let mut old = serde_json::to_value(World {
            ids_issued: 7,
            ..World::default()
        })
        .unwrap();
        for key in [
            "external_verifications",
            "ownership",
            "webhooks",
            "remediations",
        ] {
            old.as_object_mut().unwrap().remove(key);
        }
        std::fs::write(&path, old.to_string()).unwrap();
        world.webhooks.clear();
        assert_eq!(World::load(&path).unwrap(), world);
    }
}
