//! The manifest file's shape as serde and schemars types: the source of the checked-in
//! JSON Schema (`telrep schema`) that editors use to complete and check manifests.
//!
//! `validate` does not deserialise through these types, because serde stops at the first
//! error; it walks the YAML tree instead and must accept exactly what they describe. A unit
//! test there compares its field lists with this schema, and the integration tests check
//! every example against both.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::model::{CheckFrequency, EnterpriseSpec};

/// A telrep manifest: one enterprise and its Number Reputation setup.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "telrep manifest, version 1")]
pub struct Manifest {
    /// The manifest format version; this telrep reads version 1.
    #[schemars(range(min = 1, max = 1))]
    pub version: u32,
    /// The enterprise, matched to the live one by exact `legal_name` unless `id` pins it.
    pub enterprise: EnterpriseSpec,
    /// Number Reputation for the enterprise.
    pub reputation: Reputation,
    /// What `telrep report` flags and `telrep check` gates on; every rule is optional.
    #[serde(default)]
    pub policy: Option<Policy>,
}

/// The reputation a team accepts for its managed numbers.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// `low`, `medium` or `high`: a number rated above it violates.
    #[serde(default)]
    pub max_spam_risk: Option<crate::model::SpamRisk>,
    /// A lower `maturity_score` violates (a null score never does).
    #[serde(default)]
    #[schemars(range(min = 0, max = 100))]
    pub min_maturity_score: Option<u8>,
    /// A lower `connection_score` violates (a null score never does).
    #[serde(default)]
    #[schemars(range(min = 0, max = 100))]
    pub min_connection_score: Option<u8>,
    /// A lower `engagement_score` violates (a null score never does).
    #[serde(default)]
    #[schemars(range(min = 0, max = 100))]
    pub min_engagement_score: Option<u8>,
    /// A lower `sentiment_score` violates (a null score never does).
    #[serde(default)]
    #[schemars(range(min = 0, max = 100))]
    pub min_sentiment_score: Option<u8>,
    /// Data refreshed longer ago than this violates: `0`, or a whole number with `ms`,
    /// `s`, `m`, `h` or `d` (`14d`).
    #[serde(default)]
    #[schemars(regex(pattern = r"^(0|[0-9]+(ms|s|m|h|d))$"))]
    pub max_data_age: Option<String>,
    /// `true`: a number with no reputation data yet violates.
    #[serde(default)]
    pub require_data: bool,
}

/// Number Reputation settings; with `enabled: false` the other fields are ignored.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Reputation {
    /// `true` to monitor the numbers; `false` disables reputation (needs `--allow-disable`).
    pub enabled: bool,
    /// The Letter of Authorization: exactly one of `document_id` or `file`.
    #[serde(default)]
    pub loa: Option<Loa>,
    /// How often Telnyx refreshes every number; each refresh is billed per number.
    #[serde(default)]
    pub check_frequency: CheckFrequency,
    /// Numbers to monitor: E.164 strings, or `{file: PATH}` for a file of one number a line.
    #[serde(default)]
    pub numbers: Vec<NumberEntry>,
    /// `true`: numbers monitored live but absent here are removed.
    #[serde(default)]
    pub prune: bool,
    /// The ownership proof for numbers hosted with another carrier (not in the account's
    /// inventory): exactly one of `files` or `document_ids`. Needed only for such numbers.
    #[serde(default)]
    pub external_verification: Option<ExternalVerification>,
}

/// The documents proving the enterprise owns numbers hosted elsewhere; reviewed by Telnyx,
/// and locked once approved.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum ExternalVerification {
    /// PDFs (a carrier invoice, an account statement), relative to the manifest, that
    /// telrep uploads (at most 20 MB each).
    Files(#[schemars(length(min = 1))] Vec<String>),
    /// Ids of documents already uploaded to Telnyx.
    DocumentIds(
        #[schemars(
            length(min = 1),
            inner(regex(
                pattern = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
            ))
        )]
        Vec<String>,
    ),
}

/// Where the Letter of Authorization comes from.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum Loa {
    /// The id of a document already uploaded to Telnyx.
    DocumentId(
        #[schemars(regex(
            pattern = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
        ))]
        String,
    ),
    /// A signed PDF, relative to the manifest, that telrep uploads (at most 20 MB).
    File(String),
}

/// One entry of `numbers`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum NumberEntry {
    /// An E.164 number, quoted: `"+12025551234"`.
    Number(#[schemars(regex(pattern = r"^\+[1-9][0-9]{1,14}$"))] String),
    /// A file of numbers.
    File(NumbersFile),
}

/// A file of numbers, relative to the manifest: one E.164 number a line, `#` comments.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NumbersFile {
    /// The file's path, relative to the manifest's directory.
    pub file: String,
}

/// The manifest's JSON Schema, as `telrep schema` prints it and schema/telrep.schema.json
/// holds it; an error would be a bug (schemars makes JSON), left to the caller to report.
pub fn schema() -> Result<serde_json::Value, serde_json::Error> {
    serde_json::to_value(schemars::schema_for!(Manifest))
}
