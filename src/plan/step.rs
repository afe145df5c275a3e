//! `Step`: one API call of a plan (or the vetting wait), with a typed payload per action, so
//! the executor never parses back what the diff wrote. Serialised flat, in the JSON shape
//! of docs/design.md ("The JSON plan"). Depends only on `model`.

use serde::{Deserialize, Serialize};

use crate::model::{CheckFrequency, E164, WireEnum};

/// The API actions a plan can take, in plan order (docs/design.md); the JSON `action` names.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Agree to the current Number Reputation terms.
    AcceptTerms,
    /// Create the enterprise.
    CreateEnterprise,
    /// Change the enterprise's mutable fields.
    UpdateEnterprise,
    /// Upload the LOA PDF.
    UploadLoa,
    /// Disable reputation (cascade: every number is de-registered).
    DisableReputation,
    /// Enable reputation (billed).
    EnableReputation,
    /// Point reputation at another LOA while it is pending or rejected.
    UpdateLoa,
    /// Wait until `status` and `loa_status` are both approved.
    WaitForVetting,
    /// Change the refresh frequency.
    UpdateFrequency,
    /// Upload one PDF of the ownership proof for numbers hosted elsewhere.
    UploadDocument,
    /// Submit the ownership proof for review (replaces a pending or rejected one).
    SubmitExternalVerification,
    /// Add one atomic batch of at most 100 numbers (billed).
    AddNumbers,
    /// Wait until the ownership proof is approved, before the first batch of numbers
    /// hosted elsewhere.
    WaitForExternalVerification,
    /// Stop monitoring one number.
    RemoveNumber,
}

impl Action {
    /// The symbol every renderer shows for it: `+` creates, `~` changes, `-` removes,
    /// `=` waits.
    pub fn symbol(self) -> char {
        match self {
            Self::AcceptTerms
            | Self::CreateEnterprise
            | Self::UploadLoa
            | Self::EnableReputation
            | Self::UploadDocument
            | Self::SubmitExternalVerification
            | Self::AddNumbers => '+',
            Self::UpdateEnterprise | Self::UpdateLoa | Self::UpdateFrequency => '~',
            Self::DisableReputation | Self::RemoveNumber => '-',
            Self::WaitForVetting | Self::WaitForExternalVerification => '=',
        }
    }

    /// The HTTP method of its call, fixed per action (the wait polls with `GET`).
    pub fn method(self) -> &'static str {
        match self {
            Self::AcceptTerms
            | Self::CreateEnterprise
            | Self::UploadLoa
            | Self::EnableReputation
            | Self::UploadDocument
            | Self::SubmitExternalVerification
            | Self::AddNumbers => "POST",
            Self::UpdateEnterprise => "PUT",
            Self::DisableReputation | Self::RemoveNumber => "DELETE",
            Self::UpdateLoa | Self::UpdateFrequency => "PATCH",
            Self::WaitForVetting | Self::WaitForExternalVerification => "GET",
        }
    }

    /// Whether Telnyx bills its call (docs/api.md, "Billed calls"): enable and adding
    /// numbers; fixed per action.
    pub fn billable(self) -> bool {
        matches!(self, Self::EnableReputation | Self::AddNumbers)
    }

    /// The JSON name, e.g. `add_numbers`.
    pub fn name(self) -> &'static str {
        match self {
            Self::AcceptTerms => "accept_terms",
            Self::CreateEnterprise => "create_enterprise",
            Self::UpdateEnterprise => "update_enterprise",
            Self::UploadLoa => "upload_loa",
            Self::DisableReputation => "disable_reputation",
            Self::EnableReputation => "enable_reputation",
            Self::UpdateLoa => "update_loa",
            Self::WaitForVetting => "wait_for_vetting",
            Self::UpdateFrequency => "update_frequency",
            Self::UploadDocument => "upload_document",
            Self::SubmitExternalVerification => "submit_external_verification",
            Self::AddNumbers => "add_numbers",
            Self::WaitForExternalVerification => "wait_for_external_verification",
            Self::RemoveNumber => "remove_number",
        }
    }
}

/// One changed enterprise field, `old` → `new` (dotted for nested fields:
/// `organization_contact.email`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FieldChange {
    /// The API's field name.
    pub field: String,
    /// The live value (`null` when unset).
    pub old: Option<String>,
    /// The manifest's value.
    pub new: Option<String>,
}

/// What a step carries beyond its action, typed: the values apply sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Detail {
    /// Nothing more than the action and its path (terms, create, upload, enable, disable,
    /// the wait).
    None,
    /// `add_numbers`: one atomic batch.
    AddNumbers {
        /// At most 100 numbers.
        phone_numbers: Vec<E164>,
    },
    /// `remove_number`: the number.
    RemoveNumber {
        /// The number to stop monitoring.
        phone_number: E164,
    },
    /// `update_enterprise`: the fields that change.
    UpdateEnterprise {
        /// `live` → manifest, dotted for nested fields.
        fields: Vec<FieldChange>,
    },
    /// `update_frequency`: the live value (as the API spells it) and the manifest's.
    UpdateFrequency {
        /// The live `check_frequency`.
        live: String,
        /// The manifest's.
        desired: CheckFrequency,
    },
    /// `update_loa`: the live LOA document and the one to link (a placeholder until
    /// uploaded).
    UpdateLoa {
        /// The live `loa_document_id`.
        live: Option<String>,
        /// The document to link.
        desired: String,
    },
    /// `upload_document`: one PDF of the ownership proof.
    UploadDocument {
        /// The file, as the manifest resolves it.
        file: String,
    },
    /// `submit_external_verification`: the proof's documents, those uploaded by this plan
    /// named by their file.
    SubmitExternalVerification {
        /// Each document, live or to be uploaded.
        document_ids: Vec<DocumentRef>,
    },
}

/// A document a step sends: one that exists, or one an earlier step of the plan uploads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocumentRef {
    /// An uploaded document's id.
    Id(String),
    /// The document `upload_document` makes of this file.
    Uploaded(String),
}

impl DocumentRef {
    /// As the JSON plan spells it: the id, or `{uploaded:FILE}`.
    pub fn to_json(&self) -> String {
        match self {
            Self::Id(id) => id.clone(),
            Self::Uploaded(file) => format!("{{uploaded:{file}}}"),
        }
    }

    /// Read back from the JSON plan.
    pub fn from_json(text: &str) -> Self {
        match text
            .strip_prefix("{uploaded:")
            .and_then(|rest| rest.strip_suffix('}'))
        {
            Some(file) => Self::Uploaded(file.to_owned()),
            None => Self::Id(text.to_owned()),
        }
    }
}

/// One API call of the plan (or the vetting wait).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "StepJson", try_from = "StepJson")]
pub struct Step {
    /// What it does; fixes the method and whether it is billed.
    pub action: Action,
    /// Path after the base URL; `{enterprise_id}` before the enterprise exists.
    pub path: String,
    /// Why it is needed.
    pub reason: String,
    /// The values it sends.
    pub detail: Detail,
}

impl Step {
    /// A step with no details.
    pub fn new(action: Action, path: String, reason: String) -> Self {
        Self {
            action,
            path,
            reason,
            detail: Detail::None,
        }
    }

    /// The same step carrying `detail`.
    #[must_use]
    pub fn with(mut self, detail: Detail) -> Self {
        self.detail = detail;
        self
    }

    /// HTTP method of its call.
    pub fn method(&self) -> &'static str {
        self.action.method()
    }

    /// Whether Telnyx bills it.
    pub fn billable(&self) -> bool {
        self.action.billable()
    }

    /// The numbers an `add_numbers` step adds (none for other steps).
    pub fn phone_numbers(&self) -> &[E164] {
        match &self.detail {
            Detail::AddNumbers { phone_numbers } => phone_numbers,
            _ => &[],
        }
    }

    /// The fields an `update_enterprise` step changes (none for other steps).
    pub fn fields(&self) -> &[FieldChange] {
        match &self.detail {
            Detail::UpdateEnterprise { fields } => fields,
            _ => &[],
        }
    }

    /// `(live, desired)` of an `update_frequency` or `update_loa` step, as shown.
    pub fn change(&self) -> Option<(String, String)> {
        match &self.detail {
            Detail::UpdateFrequency { live, desired } => {
                Some((live.clone(), desired.as_str().to_owned()))
            }
            Detail::UpdateLoa {
                live: Some(live),
                desired,
            } => Some((live.clone(), desired.clone())),
            _ => None,
        }
    }
}

/// Why a saved plan's step does not read back (a hand-edited or foreign file).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StepError {
    /// A number that is not E.164.
    #[error("`{0}` is not an E.164 number")]
    NotE164(String),
    /// A key the action needs is absent.
    #[error("{0}")]
    Missing(&'static str),
}

/// A step as the JSON plan spells it (docs/design.md): flat, the payload's keys beside the
/// call's, in this order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[schemars(
    rename = "Step",
    description = "One API call of the plan (or the vetting wait)."
)]
pub struct StepJson {
    /// What it does.
    pub action: Action,
    /// HTTP method.
    pub method: String,
    /// Path after the base URL; `{enterprise_id}` before the enterprise exists.
    pub path: String,
    /// Whether Telnyx bills it.
    pub billable: bool,
    /// Why it is needed.
    pub reason: String,
    /// `add_numbers`: the batch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_numbers: Option<Vec<String>>,
    /// `remove_number`: the number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// `update_enterprise`: the fields that change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<FieldChange>>,
    /// `update_frequency`, `update_loa`: the live value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old: Option<String>,
    /// `update_frequency`, `update_loa`: the new value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new: Option<String>,
    /// `upload_document`: the PDF.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// `submit_external_verification`: the documents, `{uploaded:FILE}` for one this plan
    /// uploads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_ids: Option<Vec<String>>,
}

impl From<Step> for StepJson {
    fn from(step: Step) -> Self {
        let mut json = Self {
            action: step.action,
            method: step.action.method().to_owned(),
            path: step.path,
            billable: step.action.billable(),
            reason: step.reason,
            phone_numbers: None,
            phone_number: None,
            fields: None,
            old: None,
            new: None,
            file: None,
            document_ids: None,
        };
        match step.detail {
            Detail::None => {}
            Detail::AddNumbers { phone_numbers } => {
                json.phone_numbers = Some(phone_numbers.iter().map(ToString::to_string).collect());
            }
            Detail::RemoveNumber { phone_number } => {
                json.phone_number = Some(phone_number.to_string());
            }
            Detail::UpdateEnterprise { fields } => json.fields = Some(fields),
            Detail::UpdateFrequency { live, desired } => {
                json.old = Some(live);
                json.new = Some(desired.as_str().to_owned());
            }
            Detail::UpdateLoa { live, desired } => {
                json.old = live;
                json.new = Some(desired);
            }
            Detail::UploadDocument { file } => json.file = Some(file),
            Detail::SubmitExternalVerification { document_ids } => {
                json.document_ids = Some(document_ids.iter().map(DocumentRef::to_json).collect());
            }
        }
        json
    }
}

impl TryFrom<StepJson> for Step {
    type Error = StepError;

    fn try_from(json: StepJson) -> Result<Self, StepError> {
        let number =
            |text: &str| E164::parse(text).ok_or_else(|| StepError::NotE164(text.to_owned()));
        let missing = |what: &'static str| StepError::Missing(what);
        let detail = match json.action {
            Action::AddNumbers => Detail::AddNumbers {
                phone_numbers: json
                    .phone_numbers
                    .iter()
                    .flatten()
                    .map(|text| number(text))
                    .collect::<Result<_, _>>()?,
            },
            Action::RemoveNumber => Detail::RemoveNumber {
                phone_number: number(
                    json.phone_number
                        .as_deref()
                        .ok_or_else(|| missing("`remove_number` without `phone_number`"))?,
                )?,
            },
            Action::UpdateEnterprise => Detail::UpdateEnterprise {
                fields: json
                    .fields
                    .ok_or_else(|| missing("`update_enterprise` without `fields`"))?,
            },
            Action::UpdateFrequency => Detail::UpdateFrequency {
                live: json
                    .old
                    .ok_or_else(|| missing("`update_frequency` without `old`"))?,
                desired: json
                    .new
                    .as_deref()
                    .and_then(CheckFrequency::from_wire)
                    .ok_or_else(|| missing("`update_frequency` without a valid `new`"))?,
            },
            Action::UpdateLoa => Detail::UpdateLoa {
                live: json.old,
                desired: json
                    .new
                    .ok_or_else(|| missing("`update_loa` without `new`"))?,
            },
            Action::UploadDocument => Detail::UploadDocument {
                file: json
                    .file
                    .ok_or_else(|| missing("`upload_document` without `file`"))?,
            },
            Action::SubmitExternalVerification => Detail::SubmitExternalVerification {
                document_ids: json
                    .document_ids
                    .ok_or_else(|| {
                        missing("`submit_external_verification` without `document_ids`")
                    })?
                    .iter()
                    .map(|text| DocumentRef::from_json(text))
                    .collect(),
            },
            _ => Detail::None,
        };
        Ok(Self {
            action: json.action,
            path: json.path,
            reason: json.reason,
            detail,
        })
    }
}

impl schemars::JsonSchema for Step {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        StepJson::schema_name()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        StepJson::json_schema(generator)
    }
}
