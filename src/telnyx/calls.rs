//! The calls telrep makes, one method each, on top of the client's `execute`: paths,
//! query parameters and bodies as docs/api.md gives them.

use reqwest::Method;

use super::client::{Call, Client, NumberFilter, number_path, reputation_path, segment};
use super::error::{ApiError, ApiErrorKind};
use super::remediation::{RemediationCreate, RemediationRequest};
use super::retry::Safety;
use super::wire::{
    Document, DocumentUpload, EnableReputation, Enterprise, ExternalVerification, FrequencyUpdate,
    LoaUpdate, MonitoredNumber, OwnershipConfirm, Page, PhoneNumber, PhoneNumbers, RefreshResult,
    ReputationNumber, ReputationSettings, SubmitExternalVerification, TosAgreement, TosStatus,
    WebhookUpdate,
};
use crate::model::{E164, EnterpriseSpec, LiveOwnership, OwnershipStatus};

impl Client {
    /// `GET /terms_of_service/status?product_type=number_reputation`.
    pub async fn tos_status(&self) -> Result<TosStatus, ApiError> {
        let call = Call::new(
            Method::GET,
            "/terms_of_service/status".to_owned(),
            Safety::Idempotent,
        )
        .query("product_type", "number_reputation");
        self.send_data(call).await
    }

    /// `POST /terms_of_service/number_reputation/agree` (idempotent).
    pub async fn tos_agree(&self) -> Result<TosAgreement, ApiError> {
        let call = Call::new(
            Method::POST,
            "/terms_of_service/number_reputation/agree".to_owned(),
            Safety::Idempotent,
        );
        self.send_data(call).await
    }

    /// Enterprises whose legal name contains `legal_name` (the API's partial match).
    pub async fn list_enterprises(
        &self,
        legal_name: Option<&str>,
    ) -> Result<Vec<Enterprise>, ApiError> {
        let query = legal_name
            .map(|name| ("legal_name".to_owned(), name.to_owned()))
            .into_iter()
            .collect();
        self.list_all(
            "/enterprises".to_owned(),
            query,
            |enterprise: &Enterprise| enterprise.id.clone(),
        )
        .await
    }

    /// `GET /enterprises/{id}`; `None` when missing.
    pub async fn get_enterprise(&self, id: &str) -> Result<Option<Enterprise>, ApiError> {
        let call = Call::new(
            Method::GET,
            format!("/enterprises/{}", segment(id)),
            Safety::Idempotent,
        );
        self.send_optional(call).await
    }

    /// `POST /enterprises` (not idempotent: never resent after it may have been processed).
    pub async fn create_enterprise(
        &self,
        enterprise: &EnterpriseSpec,
    ) -> Result<Enterprise, ApiError> {
        let Ok(serde_json::Value::Object(mut object)) = serde_json::to_value(enterprise) else {
            let message = "the enterprise does not encode as a JSON object".to_owned();
            let kind = super::error::ApiErrorKind::Internal { message };
            return Err(ApiError::new("POST", "/enterprises", kind));
        };
        object.remove("id");
        let body = serde_json::Value::Object(object);
        let call = Call::new(
            Method::POST,
            "/enterprises".to_owned(),
            Safety::NotIdempotent,
        )
        .json(&body);
        self.send_data(call).await
    }

    /// `PUT /enterprises/{id}` with only the fields to change.
    pub async fn update_enterprise(
        &self,
        id: &str,
        fields: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Enterprise, ApiError> {
        let call = Call::new(
            Method::PUT,
            format!("/enterprises/{}", segment(id)),
            Safety::Idempotent,
        )
        .json(fields);
        self.send_data(call).await
    }

    /// `GET /enterprises/{id}/reputation`; `None` when never enabled, disabled or `deleted`.
    pub async fn get_reputation(&self, id: &str) -> Result<Option<ReputationSettings>, ApiError> {
        let call = Call::new(Method::GET, reputation_path(id), Safety::Idempotent);
        let settings: Option<ReputationSettings> = self.send_optional(call).await?;
        Ok(settings.filter(|settings| settings.status != "deleted"))
    }

    /// `POST /enterprises/{id}/reputation` (billable; not idempotent).
    pub async fn enable_reputation(
        &self,
        id: &str,
        loa_document_id: &str,
        check_frequency: Option<&str>,
    ) -> Result<ReputationSettings, ApiError> {
        let body = EnableReputation {
            loa_document_id: loa_document_id.to_owned(),
            check_frequency: check_frequency.map(str::to_owned),
        };
        let call = Call::new(Method::POST, reputation_path(id), Safety::NotIdempotent).json(&body);
        self.send_data(call).await
    }

    /// `DELETE /enterprises/{id}/reputation`: disables and de-registers every number.
    pub async fn disable_reputation(&self, id: &str) -> Result<(), ApiError> {
        self.send_empty(Call::new(
            Method::DELETE,
            reputation_path(id),
            Safety::Idempotent,
        ))
        .await
    }

    /// `PATCH /enterprises/{id}/reputation/frequency`.
    pub async fn update_frequency(
        &self,
        id: &str,
        check_frequency: &str,
    ) -> Result<ReputationSettings, ApiError> {
        let body = FrequencyUpdate {
            check_frequency: check_frequency.to_owned(),
        };
        let call = Call::new(
            Method::PATCH,
            format!("{}/frequency", reputation_path(id)),
            Safety::Idempotent,
        )
        .json(&body);
        self.send_data(call).await
    }

    /// `PATCH /enterprises/{id}/reputation/loa`.
    pub async fn update_loa(
        &self,
        id: &str,
        loa_document_id: &str,
    ) -> Result<ReputationSettings, ApiError> {
        let body = LoaUpdate {
            loa_document_id: loa_document_id.to_owned(),
        };
        let call = Call::new(
            Method::PATCH,
            format!("{}/loa", reputation_path(id)),
            Safety::Idempotent,
        )
        .json(&body);
        self.send_data(call).await
    }

    /// Every monitored number of an enterprise (free), optionally filtered.
    pub async fn list_numbers(
        &self,
        id: &str,
        filter: &NumberFilter,
    ) -> Result<Vec<ReputationNumber>, ApiError> {
        let query = match filter {
            NumberFilter::All => Vec::new(),
            NumberFilter::Equals(number) => {
                vec![("filter[phone_number][eq]".to_owned(), number.to_string())]
            }
            NumberFilter::Contains(digits) => {
                vec![("filter[phone_number][contains]".to_owned(), digits.clone())]
            }
        };
        self.list_all(
            format!("{}/numbers", reputation_path(id)),
            query,
            |number: &ReputationNumber| number.phone_number.clone(),
        )
        .await
    }

    /// The numbers an enterprise monitors, parsed, in the API's order: what observation
    /// reads (a number the API returns that is not E.164 is an inconsistency).
    pub async fn list_monitored(&self, id: &str) -> Result<Monitored, ApiError> {
        let (items, mut set) = self
            .list_all_as(
                format!("{}/numbers", reputation_path(id)),
                Vec::new(),
                |item: &MonitoredItem| super::client::ListingKey::Number(item.number),
                |body| {
                    let page: Page<MonitoredNumber<'_>> = super::client::from_body(body)?;
                    Ok(super::client::converted(page, MonitoredItem::of))
                },
            )
            .await?;
        let mut monitored = Monitored::default();
        monitored.numbers.reserve(items.len());
        for item in items {
            if item.removed {
                set.remove(&item.number);
            } else {
                monitored.numbers.push(item.number);
                if item.external {
                    monitored.external.insert(item.number);
                }
            }
            if let Some(ownership) = item.ownership {
                monitored.ownership.insert(item.number, *ownership);
            }
        }
        monitored.set = set;
        Ok(monitored)
    }

    /// Every record of an enterprise's number pages, reputation data included: what
    /// `report` shows (a number Telnyx removed is listed too, as `removed`). Each record is
    /// decoded straight into the caller's row type `T` (the report's, so 100,000 rows are
    /// not copied into a second shape); `key` is its phone number, for the listing checks.
    pub async fn list_reputation_numbers<T, K>(&self, id: &str, key: K) -> Result<Vec<T>, ApiError>
    where
        T: serde::de::DeserializeOwned + Send + 'static,
        K: Fn(&T) -> String,
    {
        self.list_all(format!("{}/numbers", reputation_path(id)), Vec::new(), key)
            .await
    }

    /// Every monitored number of every enterprise (`GET /reputation/numbers`).
    pub async fn list_all_numbers(&self) -> Result<Vec<ReputationNumber>, ApiError> {
        self.list_all(
            "/reputation/numbers".to_owned(),
            Vec::new(),
            |number: &ReputationNumber| number.phone_number.clone(),
        )
        .await
    }

    /// `POST /enterprises/{id}/reputation/numbers`: 1 to 100 numbers, atomic, billable.
    pub async fn add_numbers(
        &self,
        id: &str,
        numbers: &[E164],
    ) -> Result<Vec<ReputationNumber>, ApiError> {
        let body = PhoneNumbers {
            phone_numbers: numbers.iter().map(E164::to_string).collect(),
        };
        let call = Call::new(
            Method::POST,
            format!("{}/numbers", reputation_path(id)),
            Safety::NotIdempotent,
        )
        .json(&body);
        self.send::<Page<ReputationNumber>>(call)
            .await
            .map(|page| page.data)
    }

    /// `DELETE /enterprises/{id}/reputation/numbers/{e164}`; `false` when it was not monitored.
    pub async fn delete_number(&self, id: &str, number: E164) -> Result<bool, ApiError> {
        let call = Call::new(Method::DELETE, number_path(id, number), Safety::Idempotent);
        match self.send_empty(call).await {
            Ok(()) => Ok(true),
            Err(error) if error.status() == Some(404) => Ok(false),
            Err(error) => Err(error),
        }
    }

    /// `POST /enterprises/{id}/reputation/numbers/refresh` (billable, only on request).
    pub async fn refresh_numbers(
        &self,
        id: &str,
        numbers: &[E164],
    ) -> Result<RefreshResult, ApiError> {
        let body = PhoneNumbers {
            phone_numbers: numbers.iter().map(E164::to_string).collect(),
        };
        let call = Call::new(
            Method::POST,
            format!("{}/numbers/refresh", reputation_path(id)),
            Safety::NotIdempotent,
        )
        .json(&body);
        self.send_data(call).await
    }

    /// `POST /enterprises/{id}/reputation/remediation` (billed per number submitted; not
    /// idempotent: never resent once it may have been processed).
    pub async fn create_remediation(
        &self,
        id: &str,
        body: &RemediationCreate,
    ) -> Result<RemediationRequest, ApiError> {
        let call = Call::new(
            Method::POST,
            format!("{}/remediation", reputation_path(id)),
            Safety::NotIdempotent,
        )
        .json(body);
        self.send_data(call).await
    }

    /// `GET /enterprises/{id}/reputation/remediation/{request}`: where a request stands (free).
    pub async fn get_remediation(
        &self,
        id: &str,
        request: &str,
    ) -> Result<RemediationRequest, ApiError> {
        let call = Call::new(
            Method::GET,
            format!("{}/remediation/{}", reputation_path(id), segment(request)),
            Safety::Idempotent,
        );
        self.send_data(call).await
    }

    /// `POST /enterprises/{id}/reputation/loa` with `Accept: application/pdf`: the LOA
    /// rendered for signature (free, works before enable); an answer that is not a PDF is
    /// an error.
    pub async fn render_loa(&self, id: &str) -> Result<Vec<u8>, ApiError> {
        let path = format!("{}/loa", reputation_path(id));
        let call = Call::new(Method::POST, path.clone(), Safety::Idempotent)
            .json(&serde_json::json!({}))
            .accepting_pdf();
        let bytes = self.send_bytes(call).await?;
        if bytes.starts_with(b"%PDF-") {
            Ok(bytes)
        } else {
            Err(ApiError::new(
                "POST",
                path,
                ApiErrorKind::Decode {
                    message: "the answer is not a PDF (it does not start with `%PDF-`)".to_owned(),
                },
            ))
        }
    }

    /// One number's reputation. It can be billed (always with `fresh`, and for a number
    /// without cached data), so telrep calls it only when a user asks for a lookup.
    pub async fn get_number(
        &self,
        id: &str,
        number: E164,
        fresh: bool,
    ) -> Result<ReputationNumber, ApiError> {
        let mut call = Call::new(Method::GET, number_path(id, number), Safety::Idempotent);
        if fresh {
            call = call.query("fresh", "true");
        }
        self.send_data(call).await
    }

    /// `POST /documents` as JSON with the file base64-encoded. Not deduplicated by the API,
    /// but resent as freely as an idempotent call: a second copy is not billed and an
    /// unlinked document is deleted after 30 minutes, so a retry can do no harm.
    pub async fn upload_document(
        &self,
        filename: &str,
        content: &[u8],
    ) -> Result<Document, ApiError> {
        use base64::Engine as _;
        let body = DocumentUpload {
            file: base64::engine::general_purpose::STANDARD.encode(content),
            filename: filename.to_owned(),
            customer_reference: None,
        };
        let call = Call::new(Method::POST, "/documents".to_owned(), Safety::Idempotent).json(&body);
        self.send_data(call).await
    }

    /// `GET …/reputation/external_verification`; `None` when no proof was submitted.
    pub async fn get_external_verification(
        &self,
        id: &str,
    ) -> Result<Option<ExternalVerification>, ApiError> {
        let call = Call::new(
            Method::GET,
            format!("{}/external_verification", reputation_path(id)),
            Safety::Idempotent,
        );
        self.send_optional(call).await
    }

    /// `POST …/reputation/external_verification`. Sending the same documents again leaves
    /// the same pending review, so it is resent like an idempotent write.
    pub async fn submit_external_verification(
        &self,
        id: &str,
        document_ids: &[String],
    ) -> Result<ExternalVerification, ApiError> {
        let body = SubmitExternalVerification {
            document_ids: document_ids.to_vec(),
            phone_numbers: None,
        };
        let call = Call::new(
            Method::POST,
            format!("{}/external_verification", reputation_path(id)),
            Safety::Idempotent,
        )
        .json(&body);
        self.send_data(call).await
    }

    /// `POST …/numbers/{pn}/ownership_confirm` with `still_own: true`, the only answer
    /// telrep gives (not resent: a second `true` on a verified number is refused).
    pub async fn confirm_ownership(
        &self,
        id: &str,
        number: E164,
    ) -> Result<ReputationNumber, ApiError> {
        let call = Call::new(
            Method::POST,
            format!("{}/ownership_confirm", number_path(id, number)),
            Safety::NotIdempotent,
        )
        .json(&OwnershipConfirm { still_own: true });
        self.send_data(call).await
    }

    /// `PATCH …/reputation/webhook`: where ownership events go (`None` stops them).
    pub async fn set_ownership_webhook(
        &self,
        id: &str,
        webhook_url: Option<&str>,
    ) -> Result<ReputationSettings, ApiError> {
        let body = WebhookUpdate {
            webhook_url: webhook_url.map(str::to_owned),
        };
        let call = Call::new(
            Method::PATCH,
            format!("{}/webhook", reputation_path(id)),
            Safety::Idempotent,
        )
        .json(&body);
        self.send_data(call).await
    }

    /// `GET /documents/{id}`; `None` when missing.
    pub async fn get_document(&self, id: &str) -> Result<Option<Document>, ApiError> {
        let call = Call::new(
            Method::GET,
            format!("/documents/{}", segment(id)),
            Safety::Idempotent,
        );
        self.send_optional(call).await
    }

    /// The account's inventory; `digits` narrows by `filter[phone_number]` (digits only).
    pub async fn list_phone_numbers(
        &self,
        digits: Option<&str>,
    ) -> Result<Vec<PhoneNumber>, ApiError> {
        let query = digits
            .map(|digits| ("filter[phone_number]".to_owned(), digits.to_owned()))
            .into_iter()
            .collect();
        self.list_all(
            "/phone_numbers".to_owned(),
            query,
            |number: &PhoneNumber| number.id.clone(),
        )
        .await
    }
}

/// What observation keeps of one record of the number pages, made in the task that
/// decoded its page: about 24 bytes a number instead of the record's strings.
struct MonitoredItem {
    number: E164,
    /// Telnyx removed it: listed, no longer monitored.
    removed: bool,
    /// `source: external`.
    external: bool,
    /// Its ownership tracking, when it is not `verified`.
    ownership: Option<Box<LiveOwnership>>,
}

impl MonitoredItem {
    /// The record's number parsed (a number the API returns that is not E.164 is an
    /// inconsistency), its ownership read (a record without the field, from before
    /// ownership tracking, reads as `verified`).
    fn of(record: MonitoredNumber<'_>) -> Result<Self, String> {
        let Some(number) = E164::parse(&record.phone_number) else {
            return Err(format!("`{}` is not an E.164 number", record.phone_number));
        };
        let status = record
            .ownership_status
            .as_deref()
            .map_or(OwnershipStatus::Verified, OwnershipStatus::from_wire);
        Ok(Self {
            number,
            removed: status == OwnershipStatus::Removed,
            external: record.source.as_deref() == Some("external"),
            ownership: (status != OwnershipStatus::Verified).then(|| {
                Box::new(LiveOwnership {
                    status,
                    flag_reason: record.flag_reason,
                    confirm_by: record.confirm_by,
                    removal_reason: record.removal_reason,
                    removed_at: record.removed_at,
                })
            }),
        })
    }
}

/// An enterprise's numbers as the API lists them.
#[derive(Debug, Default)]
pub struct Monitored {
    /// The numbers it monitors, in the API's order (a number Telnyx removed is listed with
    /// `ownership_status: removed` but is not monitored, so not here).
    pub numbers: Vec<E164>,
    /// The same numbers as a set (the listing's duplicate check's, so hashed once).
    pub set: crate::model::NumberSet,
    /// Those of them hosted elsewhere (`source: external`).
    pub external: std::collections::BTreeSet<E164>,
    /// Every listed number whose ownership is not `verified` (a record without the field,
    /// from before ownership tracking, reads as `verified`).
    pub ownership: std::collections::BTreeMap<E164, LiveOwnership>,
}
