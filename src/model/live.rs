//! `Live`: what the account looks like, as observation read it. Plain values only, so the
//! diff is a pure function; everything in here feeds the plan's fingerprint.

use std::collections::BTreeMap;

use serde::Serialize;

use super::E164;

/// Everything the diff needs to know about the account, read with free calls only.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Live {
    /// False when the status call says the current Number Reputation terms must be agreed.
    pub terms_agreed: bool,
    /// The enterprise the manifest names, if it exists.
    pub enterprise: Option<LiveEnterprise>,
    /// Its reputation settings; `None` when never enabled, disabled, or `deleted`.
    pub reputation: Option<LiveReputation>,
    /// The numbers the enterprise monitors, in the API's order.
    pub numbers: Vec<E164>,
    /// The same numbers as a set, for lookups: the listing's own duplicate check, handed
    /// on so a million numbers are hashed once. Whoever leaves it empty beside `numbers`
    /// (a test's account) gets it rebuilt by `Live::number_set`.
    #[serde(skip)]
    pub number_set: crate::model::NumberSet,
    /// Those of them hosted elsewhere (`source: external`): a cascade re-adds them after
    /// the ownership proof, not with the inventory's.
    #[serde(skip_serializing_if = "std::collections::BTreeSet::is_empty")]
    pub external: std::collections::BTreeSet<E164>,
    /// The live LOA document's sha256, read only when the manifest has `loa.file`.
    pub loa_sha256: Option<String>,
    /// Its size in bytes and file name, compared when it has no `sha256` (optional in
    /// the API's schema).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub loa_size: Option<u64>,
    /// See `loa_size`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub loa_filename: Option<String>,
    /// The linked LOA document answered 404: it cannot be compared, which is not a change.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub loa_missing: bool,
    /// For each number the plan would add, what observation found; the fingerprint holds
    /// the diff's verdict on each, so facts that decide nothing do not make a plan stale.
    #[serde(serialize_with = "crate::diff::serialize_verdicts")]
    pub candidates: BTreeMap<E164, Candidate>,
    /// Pinned document ids the plan would link, and whether each exists; read only when a
    /// step links one, so a converged plan reads no document.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub documents: BTreeMap<String, bool>,
    /// The ownership proof for numbers hosted elsewhere, read when the settings say one was
    /// submitted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_verification: Option<LiveProof>,
    /// Monitored numbers whose ownership is not `verified` (rare; the rest are not stored).
    /// A `removed` number is listed by the API but not monitored, so not in `numbers`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub ownership: BTreeMap<E164, LiveOwnership>,
    /// Other enterprises worth naming in an error: those monitoring a number the manifest
    /// lists, and those whose legal name is like the manifest's (read only when the
    /// manifest's enterprise was not found or a number is monitored elsewhere).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub other_enterprises: Vec<OtherEnterprise>,
}

impl Live {
    /// `number_set`, or a set built from `numbers` when it does not hold them all.
    pub fn number_set(&self) -> std::borrow::Cow<'_, crate::model::NumberSet> {
        if self.number_set.len() == self.numbers.len() {
            std::borrow::Cow::Borrowed(&self.number_set)
        } else {
            std::borrow::Cow::Owned(self.numbers.iter().copied().collect())
        }
    }
}

/// Another enterprise of the account, by id and legal name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OtherEnterprise {
    /// Its id.
    pub id: String,
    /// Its legal name (`None` when it could not be read).
    pub legal_name: Option<String>,
}

/// The live enterprise: its id and every field, as the API spells them, in JSON form
/// (nested contacts and addresses included).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LiveEnterprise {
    /// Lowercase UUID.
    pub id: String,
    /// Every field the API returned, by name.
    pub fields: BTreeMap<String, serde_json::Value>,
}

/// A review's state (`status`, `loa_status`); a value the API may add later is kept as
/// text and shown, never an error (docs/api.md, "Reputation settings").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Under review.
    Pending,
    /// Approved.
    Approved,
    /// Rejected, with reasons.
    Rejected,
    /// Anything else the API says.
    Other(String),
}

impl Status {
    /// The status spelled `text` on the wire.
    pub fn from_wire(text: &str) -> Self {
        match text {
            "pending" => Self::Pending,
            "approved" => Self::Approved,
            "rejected" => Self::Rejected,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The API's spelling.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Other(text) => text,
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// As the API spells it, so the fingerprint of a state does not depend on this type.
impl Serialize for Status {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// The live reputation settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LiveReputation {
    /// Vetting.
    pub status: Status,
    /// The LOA's review.
    pub loa_status: Status,
    /// The linked LOA document.
    pub loa_document_id: Option<String>,
    /// The refresh frequency as the API spells it.
    pub check_frequency: String,
    /// Why vetting was rejected.
    pub rejection_reasons: Vec<String>,
    /// The ownership proof's review; `None` until a first submission.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_verification_status: Option<Status>,
}

/// The live ownership proof (`…/reputation/external_verification`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LiveProof {
    /// Its review.
    pub status: Status,
    /// Its documents.
    pub document_ids: Vec<String>,
    /// Why it was rejected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rejection_reason: Option<String>,
    /// Each document's sha256, read only when the manifest names files (`None`: the
    /// document has none, or answered 404).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub sha256: BTreeMap<String, Option<String>>,
}

/// Where a number's ownership stands (`ownership_status`); a value the API may add later
/// is kept as text and shown, never an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OwnershipStatus {
    /// Confirmed (and what a record from before ownership tracking means).
    Verified,
    /// Telnyx asks the enterprise to confirm it by `confirm_by`.
    PendingConfirmation,
    /// Flagged for re-verification.
    Flagged,
    /// Telnyx took it out of monitoring; still listed.
    Removed,
    /// Anything else the API says.
    Other(String),
}

impl OwnershipStatus {
    /// The status spelled `text` on the wire.
    pub fn from_wire(text: &str) -> Self {
        match text {
            "verified" => Self::Verified,
            "pending_confirmation" => Self::PendingConfirmation,
            "flagged" => Self::Flagged,
            "removed" => Self::Removed,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The API's spelling.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Verified => "verified",
            Self::PendingConfirmation => "pending_confirmation",
            Self::Flagged => "flagged",
            Self::Removed => "removed",
            Self::Other(text) => text,
        }
    }

    /// Whether Telnyx waits for the enterprise to confirm it (unanswered, it is removed).
    pub fn awaits_confirmation(&self) -> bool {
        matches!(self, Self::PendingConfirmation | Self::Flagged)
    }
}

impl std::fmt::Display for OwnershipStatus {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// As the API spells it, so the fingerprint does not depend on this type.
impl Serialize for OwnershipStatus {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// A monitored number's ownership, when it is not `verified`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LiveOwnership {
    /// Not `verified`.
    pub status: OwnershipStatus,
    /// Why it was flagged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flag_reason: Option<String>,
    /// The deadline for confirming it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirm_by: Option<String>,
    /// Why Telnyx removed it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub removal_reason: Option<String>,
    /// When Telnyx removed it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub removed_at: Option<String>,
}

/// What observation found about a number the plan would add: facts only; whether it can
/// be added is the diff's decision (`diff::eligibility`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Candidate {
    /// Its record in the account's inventory (`GET /phone_numbers`), if any.
    pub inventory: Option<InventoryRecord>,
    /// The other enterprise that monitors it, if any.
    pub monitored_by: Option<String>,
}

/// The inventory fields that decide eligibility.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InventoryRecord {
    /// Its type, as telrep classifies the API's spellings.
    pub phone_number_type: NumberType,
    /// Whether it is in service.
    pub status: InventoryStatus,
    /// `US`, …
    pub country_iso_alpha2: String,
}

/// An inventory number's `phone_number_type`. The API's own type filter does not know the
/// legacy spellings, so telrep classifies them: `local` and `longcode` are local,
/// `toll_free` and `tollfree` toll-free; any other value is kept as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NumberType {
    /// `local` or `longcode`.
    Local,
    /// `toll_free` or `tollfree`.
    TollFree,
    /// `mobile`, `national`, …: not eligible.
    Other(String),
}

impl NumberType {
    /// The type spelled `text` on the wire.
    pub fn from_wire(text: &str) -> Self {
        match text {
            "local" | "longcode" => Self::Local,
            "toll_free" | "tollfree" => Self::TollFree,
            other => Self::Other(other.to_owned()),
        }
    }
}

/// An inventory number's `status`: only `active` numbers can be monitored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InventoryStatus {
    /// In service.
    Active,
    /// `port-pending`, `purchase-pending`, …, as the API spells it.
    Other(String),
}

impl InventoryStatus {
    /// The status spelled `text` on the wire.
    pub fn from_wire(text: &str) -> Self {
        match text {
            "active" => Self::Active,
            other => Self::Other(other.to_owned()),
        }
    }
}

#[cfg(test)]
mod number_set_tests {
    use super::*;

    #[test]
    fn the_listings_set_is_used_when_whole_and_rebuilt_otherwise() {
        let numbers: Vec<E164> = ["+12025550101", "+12025550102"]
            .iter()
            .filter_map(|text| E164::parse(text))
            .collect();
        let mut live = Live {
            numbers: numbers.clone(),
            ..Live::default()
        };
        let rebuilt = live.number_set();
        assert!(matches!(rebuilt, std::borrow::Cow::Owned(_)));
        assert_eq!(rebuilt.len(), 2);
        assert!(numbers.iter().all(|number| rebuilt.contains(number)));
        live.number_set = numbers.iter().copied().collect();
        assert!(matches!(live.number_set(), std::borrow::Cow::Borrowed(_)));
    }
}
