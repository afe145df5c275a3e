//! The plain values telrep reasons about: what the manifest asks for (`Desired`) and the
//! validated newtypes both sides share. Depends on nothing else in the crate (but for the
//! diff's eligibility verdicts, which `Live` serialises into the fingerprint), so every
//! planning rule built on it stays a pure, testable function.

mod desired;
mod e164;
mod enums;
mod live;
mod number_hash;
mod policy;

pub use desired::{
    Address, BillingContact, Desired, EnterpriseId, EnterpriseSpec, ExternalProof, Loa, NumberList,
    OrganizationContact, Origin, PdfFile, Place, ReputationSpec,
};
pub use e164::E164;
pub use enums::{
    CheckFrequency, CountryCode, Industry, NumberOfEmployees, OrganizationLegalType,
    OrganizationType, RoleType, SpamRisk, WireEnum,
};
pub use live::{
    Candidate, InventoryRecord, InventoryStatus, Live, LiveEnterprise, LiveOwnership, LiveProof,
    LiveReputation, NumberType, OtherEnterprise, OwnershipStatus, Status,
};
pub use number_hash::{NumberHash, NumberMap, NumberSet};
pub use policy::{Policy, SCORE_RULES, parse_duration};

pub(crate) use desired::is_lowercase_uuid;

/// Lowercase hex of `bytes`, the form the documents API gives a SHA-256 in; one helper for
/// every digest telrep shows or compares (sha2 0.11 digests no longer format as hex).
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut text, byte| {
            let _ = write!(text, "{byte:02x}");
            text
        })
}
