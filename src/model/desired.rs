//! `Desired`: what one manifest asks the account to look like, after validation.
//!
//! The enterprise types double as the manifest's schema (schemars reads their doc comments
//! and limits), so the manifest reference and the checked-in JSON Schema cannot drift from
//! the values the validator produces.

use std::path::PathBuf;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{
    CheckFrequency, CountryCode, E164, Industry, NumberOfEmployees, OrganizationLegalType,
    OrganizationType, RoleType,
};

/// One manifest, resolved: its enterprise and its reputation settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Desired {
    /// The manifest file this came from, for messages and saved plans.
    pub manifest: PathBuf,
    /// The enterprise the manifest declares.
    pub enterprise: EnterpriseSpec,
    /// What Number Reputation should look like for it.
    pub reputation: ReputationSpec,
    /// What `report` flags and `check` gates on (all rules off when absent).
    pub policy: super::Policy,
}

/// A Telnyx enterprise id: a lowercase UUID, checked once at the edge.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct EnterpriseId(
    #[schemars(regex(
        pattern = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
    ))]
    String,
);

impl EnterpriseId {
    /// Accepts only the API's own spelling (lowercase, hyphenated) so ids compare as strings.
    pub fn parse(text: &str) -> Option<Self> {
        is_lowercase_uuid(text).then(|| Self(text.to_owned()))
    }

    /// The id as the API spells it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// True for `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in lowercase hex, the form of every Telnyx id.
pub(crate) fn is_lowercase_uuid(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(index, &byte)| match index {
            8 | 13 | 18 | 23 => byte == b'-',
            _ => byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte),
        })
}

/// The enterprise as the manifest declares it; field names are the API's (docs/api.md,
/// "Enterprises").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnterpriseSpec {
    /// Pins an existing enterprise by its id instead of finding it by `legal_name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<EnterpriseId>,
    /// The registered legal name; the natural key telrep matches live enterprises on (exactly).
    #[schemars(length(min = 3, max = 64))]
    pub legal_name: String,
    /// The name the business trades under.
    #[schemars(length(min = 1, max = 255))]
    pub doing_business_as: String,
    /// `commercial`, `government` or `non_profit`; cannot change once the enterprise exists.
    pub organization_type: OrganizationType,
    /// `US` or `CA`; cannot change once the enterprise exists.
    pub country_code: CountryCode,
    /// The business's website, an http(s) URL.
    #[schemars(length(min = 1, max = 255))]
    pub website: String,
    /// Federal Employer Identification Number: `NN-NNNNNNN` in the US.
    pub fein: String,
    /// The industry Telnyx vets the enterprise under.
    pub industry: Industry,
    /// Headcount bracket.
    pub number_of_employees: NumberOfEmployees,
    /// Legal form.
    pub organization_legal_type: OrganizationLegalType,
    /// Where the enterprise is incorporated, e.g. `Delaware`.
    #[schemars(length(min = 1, max = 255))]
    pub jurisdiction_of_incorporation: String,
    /// Who Telnyx contacts about the enterprise.
    pub organization_contact: OrganizationContact,
    /// Who Telnyx contacts about billing.
    pub billing_contact: BillingContact,
    /// Where the enterprise physically is.
    pub organization_physical_address: Address,
    /// Where invoices go.
    pub billing_address: Address,
    /// `enterprise` or `bpo`; cannot change once the enterprise exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_type: Option<RoleType>,
    /// Free text of yours that Telnyx stores with the enterprise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_reference: Option<String>,
    /// Company registration number, where one exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corporate_registration_number: Option<String>,
    /// D-U-N-S number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dun_bradstreet_number: Option<String>,
    /// SIC code of the primary business.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_business_domain_sic_code: Option<String>,
    /// Professional licence number, for licensed professions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub professional_license_number: Option<String>,
}

/// The organisation's contact person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationContact {
    /// Given name.
    #[schemars(length(min = 1, max = 255))]
    pub first_name: String,
    /// Family name.
    #[schemars(length(min = 1, max = 255))]
    pub last_name: String,
    /// Email address.
    #[schemars(length(min = 3, max = 255))]
    pub email: String,
    /// Job title.
    #[schemars(length(min = 1, max = 255))]
    pub job_title: String,
    /// E.164 phone number, e.g. `+12025551234` (quote it in YAML).
    #[schemars(regex(pattern = r"^\+[1-9][0-9]{1,14}$"))]
    pub phone_number: String,
}

/// The billing contact person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BillingContact {
    /// Given name.
    #[schemars(length(min = 1, max = 255))]
    pub first_name: String,
    /// Family name.
    #[schemars(length(min = 1, max = 255))]
    pub last_name: String,
    /// Email address.
    #[schemars(length(min = 3, max = 255))]
    pub email: String,
    /// E.164 phone number, e.g. `+12025551234` (quote it in YAML).
    #[schemars(regex(pattern = r"^\+[1-9][0-9]{1,14}$"))]
    pub phone_number: String,
}

/// A postal address.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Address {
    /// ISO 3166-1 alpha-2 country code, e.g. `US`.
    #[schemars(regex(pattern = r"^[A-Z]{2}$"))]
    pub country: String,
    /// State or province, e.g. `CA`.
    #[schemars(length(min = 1, max = 255))]
    pub administrative_area: String,
    /// City.
    #[schemars(length(min = 1, max = 100))]
    pub city: String,
    /// Postal code (quote it in YAML so leading zeros survive).
    #[schemars(length(min = 1, max = 20))]
    pub postal_code: String,
    /// Street and number.
    #[schemars(length(min = 1, max = 255))]
    pub street_address: String,
    /// Suite, floor, building.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 255))]
    pub extended_address: Option<String>,
}

/// Number Reputation for the enterprise: on with its settings, or off.
#[derive(Debug, Clone, PartialEq)]
pub enum ReputationSpec {
    /// `enabled: false`: reputation must be disabled.
    Disabled,
    /// `enabled: true` with the settings to converge on.
    Enabled {
        /// The Letter of Authorization to link.
        loa: Loa,
        /// How often Telnyx refreshes the numbers.
        check_frequency: CheckFrequency,
        /// Every number to monitor, in manifest order, with where each was written.
        numbers: NumberList,
        /// Whether live numbers absent from the manifest are removed.
        prune: bool,
        /// The ownership proof that lets numbers hosted with another carrier be monitored.
        external_verification: Option<ExternalProof>,
    },
}

/// The documents proving the enterprise owns numbers hosted elsewhere (a carrier invoice,
/// an account statement): reviewed once per enterprise, locked once approved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExternalProof {
    /// PDFs that telrep uploads, each matched to the live proof's documents by sha256.
    Files(Vec<PdfFile>),
    /// Documents already uploaded, by id.
    DocumentIds(Vec<String>),
}

/// A PDF the manifest names, hashed when it was validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfFile {
    /// Where it is, resolved against the manifest's directory.
    pub path: PathBuf,
    /// Hex SHA-256 of its content.
    pub sha256: String,
    /// Its size in bytes.
    pub size: u64,
}

/// Where the LOA comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Loa {
    /// An already uploaded document, by id.
    DocumentId(String),
    /// A PDF that telrep uploads; resolved against the manifest's directory.
    File {
        /// Where it is.
        path: PathBuf,
        /// Hex SHA-256 of its content, compared with the live document's `sha256`.
        sha256: String,
        /// Its size in bytes, compared when the live document has no `sha256`.
        size: u64,
    },
}

/// Where a number was written: which source file (index into `NumberList::sources`), line
/// and column, 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Origin {
    /// Index into `NumberList::sources`.
    pub source: u32,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
}

/// The manifest's numbers in order, stored as two parallel columns so a fleet of a million
/// stays compact, with the files they came from.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NumberList {
    /// Files that numbers came from; the manifest itself is always `sources[0]`.
    pub sources: Vec<PathBuf>,
    /// The numbers, unique, in manifest order.
    pub numbers: Vec<E164>,
    /// Where each of `numbers` was written, same index.
    pub origins: Vec<Origin>,
}

/// A place in a manifest or numbers file, for diagnostics that point at the line at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// The file, as the user named it.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in Unicode scalar values.
    pub column: usize,
}

impl NumberList {
    /// `FILE:LINE:COL` of the number at `index`, for messages that point back at the manifest.
    pub fn location(&self, index: usize) -> Option<String> {
        let place = self.place(index)?;
        Some(format!("{}:{}:{}", place.file, place.line, place.column))
    }

    /// Where the number at `index` was written.
    pub fn place(&self, index: usize) -> Option<Place> {
        let origin = self.origins.get(index)?;
        let source = self.sources.get(usize::try_from(origin.source).ok()?)?;
        Some(Place {
            file: source.display().to_string(),
            line: usize::try_from(origin.line).ok()?,
            column: usize::try_from(origin.column).ok()?,
        })
    }
}
