//! The Telnyx API's request and response bodies (docs/api.md), shared by the client and
//! the sandbox so the two cannot drift apart. Responses ignore unknown fields ("the field
//! set may grow"); enum-like fields stay strings on this side so a new value from the API
//! is carried, not rejected.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

/// `{"data": T}`, how single resources come.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Single<T> {
    /// The resource.
    pub data: T,
}

/// `{"data": [T], "meta": …}`, one page of a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    /// The items of this page.
    pub data: Vec<T>,
    /// Where this page sits in the whole listing.
    pub meta: PageMeta,
}

/// Pagination facts every list response carries (all four always present).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageMeta {
    /// 1-based number of this page.
    pub page_number: u64,
    /// Items actually returned on this page.
    pub page_size: u64,
    /// Pages in the listing.
    pub total_pages: u64,
    /// Items in the listing.
    pub total_results: u64,
}

/// A Telnyx error body; never empty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// One entry per problem.
    pub errors: Vec<ErrorEntry>,
}

/// One problem reported by the API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorEntry {
    /// A string of digits, e.g. `"10015"`; branch on the HTTP status, not on this.
    pub code: String,
    /// Short summary.
    pub title: String,
    /// What exactly was wrong.
    #[serde(default)]
    pub detail: Option<String>,
    /// Which part of the request was wrong.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<ErrorSource>,
    /// Link to the error's documentation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<ErrorMeta>,
}

/// Points at the request body (`/body/legal_name`) or a query parameter (`page[size]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorSource {
    /// JSON pointer into the body, prefixed `/body`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    /// Query parameter name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
}

/// Extra facts of an error entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorMeta {
    /// Documentation of the error code.
    #[serde(default)]
    pub url: Option<String>,
}

/// `GET /terms_of_service/status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TosStatus {
    /// True when the current terms must be agreed before reputation calls work.
    pub agreement_required: bool,
    /// Whether any version was ever agreed.
    #[serde(default)]
    pub has_agreed: bool,
    /// The version in force.
    #[serde(default)]
    pub current_terms_version: String,
    /// The version last agreed, if any.
    pub agreed_version: Option<String>,
    /// When, if ever.
    pub agreed_at: Option<String>,
    /// `number_reputation` or `branded_calling`.
    #[serde(default)]
    pub product_type: String,
}

/// `POST /terms_of_service/number_reputation/agree` and the agreements list.
// Every field defaults: telrep shows an agreement, it decides nothing on one.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct TosAgreement {
    /// Agreement id.
    pub id: String,
    /// When agreed.
    pub agreed_at: String,
    /// When recorded.
    #[serde(default)]
    pub created_at: String,
    /// The product.
    pub product_type: String,
    /// The version agreed.
    pub terms_version: String,
    /// Repeats `terms_version`.
    pub version: String,
}

/// A contact person as the API returns it; the API generation before June 2026 called the
/// phone `phone`, which is read too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// Email address.
    pub email: String,
    /// Job title (organisation contact only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_title: Option<String>,
    /// E.164 phone number.
    #[serde(alias = "phone")]
    pub phone_number: String,
}

/// A postal address as the API returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    /// ISO country code.
    pub country: String,
    /// State or province.
    pub administrative_area: String,
    /// City.
    pub city: String,
    /// Postal code.
    pub postal_code: String,
    /// Street and number.
    pub street_address: String,
    /// Suite, floor; `null` when unset.
    #[serde(default)]
    pub extended_address: Option<String>,
}

/// An enterprise as the API returns it (`EnterprisePublic`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enterprise {
    /// Lowercase UUID.
    pub id: String,
    /// Registered legal name.
    pub legal_name: String,
    /// Trading name.
    #[serde(default)]
    pub doing_business_as: String,
    /// `commercial`, `government`, `non_profit`.
    #[serde(default)]
    pub organization_type: String,
    /// `US` or `CA`.
    #[serde(default)]
    pub country_code: String,
    /// Website.
    #[serde(default)]
    pub website: String,
    /// Employer id.
    #[serde(default)]
    pub fein: String,
    /// Industry.
    #[serde(default)]
    pub industry: String,
    /// Headcount bracket.
    #[serde(default)]
    pub number_of_employees: String,
    /// Legal form.
    #[serde(default)]
    pub organization_legal_type: String,
    /// Where incorporated.
    #[serde(default)]
    pub jurisdiction_of_incorporation: Option<String>,
    /// Organisation contact.
    pub organization_contact: Contact,
    /// Billing contact.
    pub billing_contact: Contact,
    /// Physical address.
    pub organization_physical_address: Address,
    /// Billing address.
    pub billing_address: Address,
    /// `enterprise` or `bpo`.
    #[serde(default)]
    pub role_type: Option<String>,
    /// Absent when never set, never null.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_reference: Option<String>,
    /// Optional registration number.
    #[serde(default)]
    pub corporate_registration_number: Option<String>,
    /// Optional D-U-N-S.
    #[serde(default)]
    pub dun_bradstreet_number: Option<String>,
    /// Optional SIC code.
    #[serde(default)]
    pub primary_business_domain_sic_code: Option<String>,
    /// Optional licence number.
    #[serde(default)]
    pub professional_license_number: Option<String>,
    /// Whether Number Reputation is on.
    #[serde(default)]
    pub number_reputation_enabled: bool,
    /// Whether Branded Calling is on.
    #[serde(default)]
    pub branded_calling_enabled: bool,
    /// RFC 3339.
    #[serde(default)]
    pub created_at: String,
    /// RFC 3339.
    #[serde(default)]
    pub updated_at: String,
}

/// An enterprise's reputation settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReputationSettings {
    /// The enterprise.
    #[serde(default)]
    pub enterprise_id: String,
    /// `pending`, `approved`, `rejected` (or `deleted`, read as not enabled).
    pub status: String,
    /// The linked LOA.
    pub loa_document_id: Option<String>,
    /// `pending`, `approved`, `rejected`.
    pub loa_status: String,
    /// Refresh frequency.
    pub check_frequency: String,
    /// Why vetting was rejected; null otherwise.
    #[serde(default)]
    pub rejection_reasons: Option<Vec<String>>,
    /// The ownership proof's review for numbers hosted elsewhere (`pending`, `approved`,
    /// `rejected`); null until a first submission.
    #[serde(default)]
    pub external_verification_status: Option<String>,
    /// RFC 3339.
    #[serde(default)]
    pub created_at: String,
    /// RFC 3339.
    #[serde(default)]
    pub updated_at: String,
}

/// `POST /enterprises/{id}/reputation`: exactly these keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnableReputation {
    /// The LOA document.
    pub loa_document_id: String,
    /// Defaults to `business_daily` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_frequency: Option<String>,
}

/// `PATCH …/reputation/frequency`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrequencyUpdate {
    /// The new frequency.
    pub check_frequency: String,
}

/// `PATCH …/reputation/loa`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoaUpdate {
    /// The new LOA document.
    pub loa_document_id: String,
}

/// Body of the numbers add and refresh calls: 1 to 100 numbers, no other keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhoneNumbers {
    /// E.164 numbers.
    pub phone_numbers: Vec<String>,
}

/// A monitored number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReputationNumber {
    /// Association id.
    #[serde(default)]
    pub id: String,
    /// The enterprise monitoring it.
    pub enterprise_id: String,
    /// E.164.
    pub phone_number: String,
    /// `telnyx` (the account's inventory) or `external` (hosted elsewhere); absent before
    /// the October 2026 API generation.
    #[serde(default)]
    pub source: Option<String>,
    /// Ownership tracking of the number (absent before the October 2026 generation).
    #[serde(flatten)]
    pub ownership: Ownership,
    /// Null until the first refresh.
    #[serde(default)]
    pub reputation_data: Option<ReputationData>,
    /// RFC 3339.
    #[serde(default)]
    pub created_at: String,
    /// RFC 3339.
    #[serde(default)]
    pub updated_at: String,
}

impl ReputationNumber {
    /// A number from the inventory just added, as the API records it (`source: telnyx`,
    /// ownership `verified`, no reputation data yet); the sandbox's and the tests' records.
    pub fn added(id: String, enterprise_id: &str, phone_number: String, now: &str) -> Self {
        Self {
            id,
            enterprise_id: enterprise_id.to_owned(),
            phone_number,
            source: Some("telnyx".to_owned()),
            ownership: Ownership {
                ownership_status: Some("verified".to_owned()),
                ..Ownership::default()
            },
            reputation_data: None,
            created_at: now.to_owned(),
            updated_at: now.to_owned(),
        }
    }
}

/// Just the number of a monitored-number record: what observation needs, read without
/// allocating the rest (a fleet of a million stays small): the strings borrow from the
/// page's body unless they hold escapes, and the ownership fields are null unless set.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct MonitoredNumber<'a> {
    /// E.164.
    #[serde(borrow)]
    pub phone_number: Cow<'a, str>,
    /// `telnyx` or `external`.
    #[serde(default, borrow)]
    pub source: Option<Text<'a>>,
    /// `Ownership`'s fields, inline: `flatten` would buffer every record of a listing of
    /// a million numbers.
    #[serde(default, borrow)]
    pub ownership_status: Option<Text<'a>>,
    /// See `Ownership`.
    #[serde(default)]
    pub flag_reason: Option<String>,
    /// See `Ownership`.
    #[serde(default)]
    pub confirm_by: Option<String>,
    /// See `Ownership`.
    #[serde(default)]
    pub removal_reason: Option<String>,
    /// See `Ownership`.
    #[serde(default)]
    pub removed_at: Option<String>,
}

/// A string borrowed from the body unless it holds escapes: serde borrows a `Cow<str>`
/// field but not one inside an `Option`, which allocated two strings a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text<'a>(pub Cow<'a, str>);

impl std::ops::Deref for Text<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        /// Takes the string as the body holds it when it can.
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Text<'de>;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("a string")
            }

            fn visit_borrowed_str<E: serde::de::Error>(
                self,
                text: &'de str,
            ) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(text)))
            }

            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(text.to_owned())))
            }

            fn visit_string<E: serde::de::Error>(self, text: String) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(text)))
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

/// A monitored number's ownership tracking (numbers hosted elsewhere are checked daily):
/// the status and the four fields that explain it, null unless set.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Ownership {
    /// `verified`, `pending_confirmation`, `flagged`, `removed`, or a value the API adds.
    #[serde(default)]
    pub ownership_status: Option<String>,
    /// Why it was flagged, e.g. `carrier_changed`.
    #[serde(default)]
    pub flag_reason: Option<String>,
    /// The deadline for `ownership_confirm` (RFC 3339).
    #[serde(default)]
    pub confirm_by: Option<String>,
    /// Why Telnyx removed it, e.g. `unconfirmed_ownership`.
    #[serde(default)]
    pub removal_reason: Option<String>,
    /// When Telnyx removed it (RFC 3339).
    #[serde(default)]
    pub removed_at: Option<String>,
}

/// `GET …/numbers/{pn}/ownership`: a number's ownership tracking in full, what the record
/// itself does not carry (the carrier baseline, the last check, the events).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NumberOwnership {
    /// E.164.
    pub phone_number: String,
    /// The enterprise monitoring it.
    #[serde(default)]
    pub enterprise_id: String,
    /// `telnyx` or `external`.
    #[serde(default)]
    pub source: Option<String>,
    /// The status and the four fields that explain it, as on the number record.
    #[serde(flatten)]
    pub ownership: Ownership,
    /// When the carrier was last compared with the baseline (RFC 3339).
    #[serde(default)]
    pub last_checked_at: Option<String>,
    /// The carrier recorded at add time or at the last confirmation.
    #[serde(default)]
    pub baseline_carrier: Option<String>,
    /// Ownership events, oldest first.
    #[serde(default)]
    pub history: Vec<OwnershipEvent>,
}

/// One ownership event of a number (`added`, `flagged`, `confirmed`, `released`,
/// `removed`, or a value the API adds).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnershipEvent {
    /// When it happened (RFC 3339).
    pub occurred_at: String,
    /// What happened.
    pub event: String,
    /// The status it left the number in.
    #[serde(default)]
    pub ownership_status: Option<String>,
    /// Why (`carrier_changed`, `unconfirmed_ownership`, …); null when nothing needs saying.
    #[serde(default)]
    pub reason: Option<String>,
    /// The carrier seen at that moment.
    #[serde(default)]
    pub carrier: Option<String>,
}

/// The ownership proof for numbers hosted elsewhere (`…/reputation/external_verification`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternalVerification {
    /// The enterprise.
    #[serde(default)]
    pub enterprise_id: String,
    /// `pending`, `approved`, `rejected`, or a value the API adds.
    pub status: String,
    /// The proof's documents.
    #[serde(default)]
    pub document_ids: Vec<String>,
    /// Numbers the submission named for the reviewer (a hint only).
    #[serde(default)]
    pub phone_numbers: Vec<String>,
    /// Why it was rejected.
    #[serde(default)]
    pub rejection_reason: Option<String>,
    /// When it was reviewed (RFC 3339).
    #[serde(default)]
    pub reviewed_at: Option<String>,
    /// RFC 3339.
    #[serde(default)]
    pub created_at: String,
    /// RFC 3339.
    #[serde(default)]
    pub updated_at: String,
}

/// `POST …/reputation/external_verification`: the proof's documents (at least one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubmitExternalVerification {
    /// Uploaded documents proving ownership (carrier invoice, account statement).
    pub document_ids: Vec<String>,
    /// Numbers to point the reviewer at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_numbers: Option<Vec<String>>,
}

/// `POST …/numbers/{pn}/ownership_confirm`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OwnershipConfirm {
    /// telrep only ever sends `true`: giving a number up is a removal, done by the manifest.
    pub still_own: bool,
}

/// `PATCH …/reputation/webhook`: where ownership events go; `null` stops them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookUpdate {
    /// An `https://` URL, or null.
    pub webhook_url: Option<String>,
}

/// What the call-screening ecosystem thinks of a number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReputationData {
    /// `low`, `medium`, `high` or null.
    pub spam_risk: Option<String>,
    /// Free text, opaque.
    pub spam_category: Option<String>,
    /// 0–100.
    pub maturity_score: Option<i64>,
    /// 0–100.
    pub connection_score: Option<i64>,
    /// 0–100.
    pub engagement_score: Option<i64>,
    /// 0–100.
    pub sentiment_score: Option<i64>,
    /// RFC 3339.
    pub last_refreshed_at: Option<String>,
}

/// `POST …/reputation/numbers/refresh`'s answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshResult {
    /// One per number.
    #[serde(default)]
    pub results: Vec<RefreshItem>,
    /// Numbers asked for.
    #[serde(default)]
    pub total_requested: u64,
    /// Refreshed.
    #[serde(default)]
    pub total_successful: u64,
    /// Not refreshed.
    #[serde(default)]
    pub total_failed: u64,
}

/// One number's refresh outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshItem {
    /// E.164.
    pub phone_number: String,
    /// Whether it was refreshed.
    pub success: bool,
    /// Why not.
    #[serde(default)]
    pub error: Option<String>,
}

/// `POST /documents` as JSON: the fields at the top level, the file base64-encoded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentUpload {
    /// Base64 of the file.
    pub file: String,
    /// File name (the API removes spaces).
    pub filename: String,
    /// Free text of yours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_reference: Option<String>,
}

/// An uploaded document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    /// What `loa_document_id` expects.
    pub id: String,
    /// `document`.
    #[serde(default)]
    pub record_type: String,
    /// File name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
    /// MIME type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Size in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<DocumentSize>,
    /// Hex SHA-256 of the content: how telrep matches an LOA file to the live one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// `pending`, `verified`, `denied`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Antivirus scan status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub av_scan_status: Option<String>,
    /// Free text of yours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_reference: Option<String>,
    /// RFC 3339.
    #[serde(default)]
    pub created_at: String,
    /// RFC 3339.
    #[serde(default)]
    pub updated_at: String,
}

/// A document's size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentSize {
    /// How many units.
    pub amount: u64,
    /// `bytes`.
    pub unit: String,
}

/// A number of the account's inventory (`GET /phone_numbers`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneNumber {
    /// Inventory id.
    #[serde(default)]
    pub id: String,
    /// `phone_number`.
    #[serde(default)]
    pub record_type: String,
    /// E.164.
    pub phone_number: String,
    /// Country, e.g. `US`.
    pub country_iso_alpha2: String,
    /// `active`, `port-pending`, …
    pub status: String,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// PIN for porting.
    pub external_pin: Option<String>,
    /// RFC 3339.
    #[serde(default)]
    pub created_at: String,
    /// `local`, `toll_free`, … (legacy `longcode`, `tollfree`).
    pub phone_number_type: String,
    /// RFC 3339.
    #[serde(default)]
    pub purchased_at: String,
    /// Whether deletion is locked.
    #[serde(default)]
    pub deletion_lock_enabled: bool,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// Responses carrying fields and values telrep has never seen, and lacking the fields
    /// it does not need, still read; the values are kept as text.
    #[test]
    fn responses_read_with_unknown_fields_and_values() {
        let settings: ReputationSettings = serde_json::from_value(json!({
            "enterprise_id": "e", "status": "suspended", "loa_document_id": null,
            "loa_status": "under_review", "check_frequency": "hourly",
            "external_verification_status": "escalated", "brand_new": {"nested": [1, 2]}
        }))
        .unwrap();
        assert_eq!(
            (
                settings.status.as_str(),
                settings.loa_status.as_str(),
                settings.external_verification_status.as_deref(),
                settings.created_at.as_str()
            ),
            ("suspended", "under_review", Some("escalated"), "")
        );
        let number: ReputationNumber = serde_json::from_value(json!({
            "enterprise_id": "e", "phone_number": "+12025550100", "source": "partner",
            "ownership_status": "audited", "flag_reason": "periodic_reverification",
            "reputation_data": {"spam_risk": "severe", "spam_category": null,
                "maturity_score": 5, "connection_score": null, "engagement_score": null,
                "sentiment_score": null, "last_refreshed_at": null, "trust_index": 7},
            "carrier": "Other Co"
        }))
        .unwrap();
        assert_eq!(
            (
                number.source.as_deref(),
                number.ownership.ownership_status.as_deref(),
                number.ownership.flag_reason.as_deref(),
                number.reputation_data.and_then(|data| data.spam_risk)
            ),
            (
                Some("partner"),
                Some("audited"),
                Some("periodic_reverification"),
                Some("severe".to_owned())
            )
        );
        let text = json!({
            "phone_number": "+12025550100", "ownership_status": "removed",
            "removal_reason": "unconfirmed_ownership", "removed_at": "2026-10-09T07:00:03+00:00",
            "whatever": true
        })
        .to_string();
        let listed: MonitoredNumber<'_> = serde_json::from_str(&text).unwrap();
        let escaped: MonitoredNumber<'_> =
            serde_json::from_str(r#"{"phone_number": "+1202555\u0030100", "source": "ext\u0065rnal", "ownership_status": "verified"}"#)
                .unwrap();
        assert_eq!(
            (
                &*escaped.phone_number,
                escaped.source.as_deref(),
                matches!(
                    escaped.ownership_status,
                    Some(Text(Cow::Borrowed("verified")))
                )
            ),
            ("+12025550100", Some("external"), true)
        );
        assert_eq!(
            (
                listed.ownership_status.as_deref(),
                listed.removed_at.as_deref()
            ),
            (Some("removed"), Some("2026-10-09T07:00:03+00:00"))
        );
        let proof: ExternalVerification = serde_json::from_value(json!({
            "status": "needs_more_info", "document_ids": ["d"], "reviewer": "x"
        }))
        .unwrap();
        assert_eq!(
            (
                proof.status.as_str(),
                proof.document_ids,
                proof.rejection_reason
            ),
            ("needs_more_info", vec!["d".to_owned()], None)
        );
    }

    /// An enterprise record needs its identity and its contacts and addresses (compared
    /// with the manifest), the terms status `agreement_required`, an inventory record what
    /// decides eligibility; the other fields may be missing, and read as empty.
    #[test]
    fn records_read_without_the_fields_telrep_does_not_need() {
        let contact = json!({"first_name": "A", "last_name": "B", "email": "a@example.com",
            "phone_number": "+12025550100", "pronouns": "they"});
        let address = json!({"country": "US", "administrative_area": "DC", "city": "W",
            "postal_code": "20001", "street_address": "1 Main St", "plus_code": "x"});
        let enterprise: Enterprise = serde_json::from_value(json!({
            "id": "e", "legal_name": "Acme", "organization_contact": contact,
            "billing_contact": contact, "organization_physical_address": address,
            "billing_address": address, "bpo_verification_status": "pending"
        }))
        .unwrap();
        assert_eq!(
            (enterprise.legal_name.as_str(), enterprise.fein.as_str()),
            ("Acme", "")
        );
        let inventory: PhoneNumber = serde_json::from_value(json!({
            "phone_number": "+18005550100", "country_iso_alpha2": "US",
            "status": "active", "phone_number_type": "toll_free_plus", "emergency": {}
        }))
        .unwrap();
        assert_eq!(
            (inventory.phone_number_type.as_str(), inventory.id.as_str()),
            ("toll_free_plus", "")
        );
        let terms: TosStatus =
            serde_json::from_value(json!({"agreement_required": true, "region": "eu"})).unwrap();
        assert_eq!(
            (
                terms.agreement_required,
                terms.current_terms_version.as_str()
            ),
            (true, "")
        );
        let agreed: TosAgreement =
            serde_json::from_value(json!({"id": "a", "scope": "all"})).unwrap();
        assert_eq!(
            (agreed.id.as_str(), agreed.terms_version.as_str()),
            ("a", "")
        );
    }

    /// What telrep needs must be there: its absence names the field.
    #[test]
    fn a_missing_needed_field_is_named() {
        let error = serde_json::from_str::<MonitoredNumber<'_>>(r#"{"source": "telnyx"}"#)
            .unwrap_err()
            .to_string();
        assert_eq!(error, "missing field `phone_number` at line 1 column 20");
    }
}
