//! The API's rules, as the sandbox enforces them (docs/api.md): one method of `World`
//! per call, taking decoded inputs and returning the status and body to send. No HTTP
//! here; `routes.rs` does the decoding.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::state::{Billing, CURRENT_TERMS_VERSION, Reputation, StoredDocument, World};
use crate::model::{
    CheckFrequency, CountryCode, E164, Industry, NumberOfEmployees, OrganizationLegalType,
    OrganizationType, RoleType, WireEnum,
};
use crate::telnyx::wire::{
    Address, Contact, Document, DocumentSize, Enterprise, ErrorEntry, ErrorMeta, ErrorSource,
    PhoneNumber, RefreshItem, RefreshResult, ReputationData, ReputationNumber, ReputationSettings,
    TosAgreement,
};

/// The sandbox's fixed behaviour, from its command line.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    /// How long vetting and each LOA review take (milliseconds; 0 approves at once).
    pub approve_after_ms: i64,
    /// Legal names whose vetting is rejected.
    pub reject: Vec<String>,
    /// Numbers whose add fails their batch although they are in the inventory.
    pub refuse: HashSet<String>,
    /// Seed of ids and reputation data.
    pub seed: u64,
}

/// The time and rules a call runs under.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// Unix milliseconds.
    pub now_ms: i64,
    /// The rules.
    pub rules: &'a Rules,
}

/// A success: status and JSON body (none for 204).
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// The body.
    pub body: Option<Value>,
}

/// A failure: status and the Telnyx error entries.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// HTTP status.
    pub status: u16,
    /// One entry per problem; never empty.
    pub errors: Vec<ErrorEntry>,
}

/// What every rule returns.
pub type Outcome = Result<Reply, Problem>;

/// An error entry with the sandbox's codes (callers branch on the status, not on these).
pub fn entry(code: &str, title: &str, detail: impl Into<String>) -> ErrorEntry {
    ErrorEntry {
        code: code.to_owned(),
        title: title.to_owned(),
        detail: Some(detail.into()),
        source: None,
        meta: Some(ErrorMeta {
            url: Some(format!(
                "https://developers.telnyx.com/docs/overview/errors/{code}"
            )),
        }),
    }
}

fn at_pointer(mut error: ErrorEntry, pointer: &str) -> ErrorEntry {
    error.source = Some(ErrorSource {
        pointer: Some(format!("/body{pointer}")),
        parameter: None,
    });
    error
}

fn at_parameter(mut error: ErrorEntry, parameter: &str) -> ErrorEntry {
    error.source = Some(ErrorSource {
        pointer: None,
        parameter: Some(parameter.to_owned()),
    });
    error
}

/// A one-entry problem.
pub fn problem(status: u16, code: &str, title: &str, detail: impl Into<String>) -> Problem {
    Problem {
        status,
        errors: vec![entry(code, title, detail)],
    }
}

fn not_found(what: &str) -> Problem {
    problem(
        404,
        "10005",
        "Resource not found",
        format!("{what} not found"),
    )
}

fn ok(status: u16, body: Value) -> Outcome {
    Ok(Reply {
        status,
        body: Some(body),
    })
}

fn data(status: u16, value: &impl Serialize) -> Outcome {
    ok(status, json!({ "data": value }))
}

fn no_content() -> Outcome {
    Ok(Reply {
        status: 204,
        body: None,
    })
}

/// RFC 3339 in UTC, to the second.
pub fn timestamp(now_ms: i64) -> String {
    jiff::Timestamp::from_millisecond(now_ms)
        .map(|time| time.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_owned())
}

/// A decoded query string, in order, with bracketed keys (`page[size]`) decoded from
/// either spelling.
#[derive(Debug, Clone, Default)]
pub struct Query(pub Vec<(String, String)>);

impl Query {
    /// Decodes `raw` (may be empty).
    pub fn parse(raw: &str) -> Self {
        Self(
            url::form_urlencoded::parse(raw.as_bytes())
                .into_owned()
                .collect(),
        )
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// One page of `items` as `{data, meta}`, by `page[number]` and `page[size]` (clamped to
/// 250; past the end an empty page with correct meta).
fn paginate<T: Serialize>(items: &[T], query: &Query, default_size: usize) -> Outcome {
    paginate_filtered(items.iter(), query, default_size)
}

/// `paginate` over the items an iterator yields, in one pass that keeps only the page: a
/// listing of 100,000 numbers costs no allocation beyond its 250 items.
fn paginate_filtered<'a, T: Serialize + 'a>(
    items: impl Iterator<Item = &'a T>,
    query: &Query,
    default_size: usize,
) -> Outcome {
    let number = page_parameter(query, "page[number]", 1)?;
    let size = page_parameter(query, "page[size]", default_size)?.min(250);
    let start = (number - 1).saturating_mul(size);
    let mut total = 0;
    let mut page: Vec<&T> = Vec::with_capacity(size.min(250));
    for item in items {
        if total >= start && total - start < size {
            page.push(item);
        }
        total += 1;
    }
    let total_pages = total.div_ceil(size).max(1);
    ok(
        200,
        json!({
            "data": page,
            "meta": {
                "page_number": number,
                "page_size": page.len(),
                "total_pages": total_pages,
                "total_results": total,
            }
        }),
    )
}

fn page_parameter(query: &Query, name: &str, default: usize) -> Result<usize, Problem> {
    match query.get(name) {
        None => Ok(default),
        Some(text) => match text.parse::<usize>() {
            Ok(value) if value >= 1 => Ok(value),
            _ => Err(Problem {
                status: 400,
                errors: vec![at_parameter(
                    entry(
                        "10015",
                        "Invalid parameter",
                        format!("`{name}` must be a positive integer, got `{text}`"),
                    ),
                    name,
                )],
            }),
        },
    }
}

/// Reputation data derived from the number and the seed, so reports are reproducible.
fn reputation_data(number: &str, seed: u64, now_ms: i64) -> ReputationData {
    let digits: u64 = number.trim_start_matches('+').parse().unwrap_or(0);
    let mut rng = fastrand::Rng::with_seed(seed ^ digits.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let spam_risk = match rng.u8(..5) {
        0..=2 => "low",
        3 => "medium",
        _ => "high",
    };
    let spam_category = match spam_risk {
        "high" => Some("telemarketing".to_owned()),
        "medium" => Some("survey".to_owned()),
        _ => None,
    };
    ReputationData {
        spam_risk: Some(spam_risk.to_owned()),
        spam_category,
        maturity_score: Some(rng.i64(0..=100)),
        connection_score: Some(rng.i64(0..=100)),
        engagement_score: Some(rng.i64(0..=100)),
        sentiment_score: Some(rng.i64(0..=100)),
        last_refreshed_at: Some(timestamp(now_ms)),
    }
}

/// True for `+1` followed by ten digits: a US number (docs/api.md, "Monitored numbers").
fn is_us_e164(text: &str) -> bool {
    text.len() == 12
        && text.starts_with("+1")
        && text.bytes().skip(1).all(|byte| byte.is_ascii_digit())
}

impl World {
    fn next_id(&mut self, seed: u64) -> String {
        self.ids_issued += 1;
        let mut rng = fastrand::Rng::with_seed(
            seed.wrapping_add(self.ids_issued.wrapping_mul(0x2545_F491_4F6C_DD1D)),
        );
        let mut bytes = [0_u8; 16];
        rng.fill(&mut bytes);
        uuid::Builder::from_random_bytes(bytes)
            .into_uuid()
            .to_string()
    }

    /// Moves vetting and LOA reviews whose time has come out of `pending`.
    pub fn settle(&mut self, context: Context<'_>) {
        let rejected: HashSet<String> = self
            .enterprises
            .iter()
            .filter(|enterprise| context.rules.reject.contains(&enterprise.legal_name))
            .map(|enterprise| enterprise.id.clone())
            .collect();
        for (enterprise_id, record) in &mut self.reputation {
            if record
                .vetting_due_ms
                .is_some_and(|due| due <= context.now_ms)
            {
                record.vetting_due_ms = None;
                if rejected.contains(enterprise_id) {
                    record.settings.status = "rejected".to_owned();
                    record.settings.rejection_reasons = Some(vec![
                        "The business could not be verified from the details provided".to_owned(),
                        "The Letter of Authorization does not match the enterprise".to_owned(),
                    ]);
                } else {
                    record.settings.status = "approved".to_owned();
                }
                record.settings.updated_at = timestamp(context.now_ms);
            }
            if record.loa_due_ms.is_some_and(|due| due <= context.now_ms) {
                record.loa_due_ms = None;
                record.settings.loa_status = "approved".to_owned();
                record.settings.updated_at = timestamp(context.now_ms);
            }
        }
    }

    fn has_agreed(&self) -> bool {
        self.agreements.iter().any(|agreement| {
            agreement.product_type == "number_reputation"
                && agreement.terms_version == CURRENT_TERMS_VERSION
        })
    }

    /// 403 on reputation calls until the current terms are agreed.
    pub fn require_terms(&self) -> Result<(), Problem> {
        if self.has_agreed() {
            Ok(())
        } else {
            Err(problem(
                403,
                "10010",
                "Terms of service not accepted",
                "Agree to the Number Reputation terms of service first: POST /terms_of_service/number_reputation/agree",
            ))
        }
    }

    /// `POST /terms_of_service/number_reputation/agree`: idempotent, 201.
    pub fn tos_agree(&mut self, context: Context<'_>) -> Outcome {
        if let Some(existing) = self.agreements.iter().find(|agreement| {
            agreement.product_type == "number_reputation"
                && agreement.terms_version == CURRENT_TERMS_VERSION
        }) {
            return data(201, existing);
        }
        let now = timestamp(context.now_ms);
        let agreement = TosAgreement {
            id: self.next_id(context.rules.seed),
            agreed_at: now.clone(),
            created_at: now,
            product_type: "number_reputation".to_owned(),
            terms_version: CURRENT_TERMS_VERSION.to_owned(),
            version: CURRENT_TERMS_VERSION.to_owned(),
        };
        self.agreements.push(agreement.clone());
        data(201, &agreement)
    }

    /// `GET /terms_of_service/status`; `product_type` defaults to `branded_calling`.
    pub fn tos_status(&self, query: &Query) -> Outcome {
        let product_type = query.get("product_type").unwrap_or("branded_calling");
        if !matches!(product_type, "branded_calling" | "number_reputation") {
            return Err(Problem {
                status: 422,
                errors: vec![at_parameter(
                    entry(
                        "10015",
                        "Invalid parameter",
                        format!("unknown product_type `{product_type}`"),
                    ),
                    "product_type",
                )],
            });
        }
        let latest = self
            .agreements
            .iter()
            .rev()
            .find(|agreement| agreement.product_type == product_type);
        let current =
            latest.is_some_and(|agreement| agreement.terms_version == CURRENT_TERMS_VERSION);
        data(
            200,
            &json!({
                "agreement_required": !current,
                "has_agreed": latest.is_some(),
                "current_terms_version": CURRENT_TERMS_VERSION,
                "agreed_version": latest.map(|agreement| agreement.terms_version.clone()),
                "agreed_at": latest.map(|agreement| agreement.agreed_at.clone()),
                "product_type": product_type,
            }),
        )
    }

    /// `GET /terms_of_service/agreements`, every product unless `product_type` narrows it.
    pub fn tos_agreements(&self, query: &Query) -> Outcome {
        let product_type = query.get("product_type");
        let agreements: Vec<&TosAgreement> = self
            .agreements
            .iter()
            .filter(|agreement| product_type.is_none_or(|wanted| agreement.product_type == wanted))
            .collect();
        paginate(&agreements, query, 20)
    }

    /// `GET /enterprises` with the partial `legal_name` filters; default page 10.
    pub fn list_enterprises(&self, query: &Query) -> Outcome {
        let filters: Vec<String> = ["legal_name", "filter[legal_name][contains]"]
            .iter()
            .filter_map(|name| query.get(name))
            .map(str::to_lowercase)
            .collect();
        let matching: Vec<&Enterprise> = self
            .enterprises
            .iter()
            .filter(|enterprise| {
                let name = enterprise.legal_name.to_lowercase();
                filters.iter().all(|filter| name.contains(filter.as_str()))
            })
            .collect();
        paginate(&matching, query, 10)
    }

    /// `GET /enterprises/{id}`.
    pub fn get_enterprise(&self, id: &str) -> Outcome {
        match self.enterprise(id) {
            Some(enterprise) => data(200, enterprise),
            None => Err(not_found("Enterprise")),
        }
    }

    fn enterprise(&self, id: &str) -> Option<&Enterprise> {
        self.enterprises
            .iter()
            .find(|enterprise| enterprise.id == id)
    }

    /// `POST /enterprises`: 201, 422 with one entry per bad or missing field, 409 on a
    /// duplicate legal name.
    pub fn create_enterprise(&mut self, body: &Value, context: Context<'_>) -> Outcome {
        let Some(object) = body.as_object() else {
            return Err(problem(
                422,
                "10015",
                "Invalid request body",
                "expected a JSON object",
            ));
        };
        let mut errors = Vec::new();
        for (name, required) in CREATE_FIELDS {
            match object.get(*name) {
                None | Some(Value::Null) if *required => errors.push(at_pointer(
                    entry(
                        "10005",
                        "Missing required field",
                        format!("`{name}` is required"),
                    ),
                    &format!("/{name}"),
                )),
                None | Some(Value::Null) => {}
                Some(value) => check_field(name, value, &mut errors),
            }
        }
        for name in object.keys() {
            if !CREATE_FIELDS.iter().any(|(known, _)| known == name) {
                errors.push(unknown_enterprise_field(name));
            }
        }
        if !errors.is_empty() {
            return Err(Problem {
                status: 422,
                errors,
            });
        }
        let legal_name = string_field(object, "legal_name");
        if self
            .enterprises
            .iter()
            .any(|enterprise| enterprise.legal_name == legal_name)
        {
            return Err(problem(
                409,
                "10016",
                "Enterprise already exists",
                format!("an enterprise with legal_name `{legal_name}` already exists"),
            ));
        }
        let now = timestamp(context.now_ms);
        let mut record = object.clone();
        record.insert("id".to_owned(), json!(self.next_id(context.rules.seed)));
        record.insert("created_at".to_owned(), json!(now));
        record.insert("updated_at".to_owned(), json!(now));
        record.insert("number_reputation_enabled".to_owned(), json!(false));
        record.insert("branded_calling_enabled".to_owned(), json!(false));
        for optional in OPTIONAL_NULLABLE {
            record.entry((*optional).to_owned()).or_insert(Value::Null);
        }
        record
            .entry("role_type".to_owned())
            .or_insert(json!("enterprise"));
        let enterprise: Enterprise = serde_json::from_value(Value::Object(record))
            .map_err(|error| problem(422, "10015", "Invalid request body", error.to_string()))?;
        self.enterprises.push(enterprise.clone());
        data(201, &enterprise)
    }

    /// `PUT /enterprises/{id}`: only the fields sent change; immutable fields are a 400.
    pub fn update_enterprise(&mut self, id: &str, body: &Value, context: Context<'_>) -> Outcome {
        let Some(object) = body.as_object() else {
            return Err(problem(
                422,
                "10015",
                "Invalid request body",
                "expected a JSON object",
            ));
        };
        let Some(index) = self
            .enterprises
            .iter()
            .position(|enterprise| enterprise.id == id)
        else {
            return Err(not_found("Enterprise"));
        };
        let immutable: Vec<ErrorEntry> = object
            .keys()
            .filter(|name| IMMUTABLE_FIELDS.contains(&name.as_str()))
            .map(|name| {
                at_pointer(
                    entry(
                        "10015",
                        "Field not allowed",
                        format!("Field '{name}' is not allowed in this request"),
                    ),
                    &format!("/{name}"),
                )
            })
            .collect();
        if !immutable.is_empty() {
            return Err(Problem {
                status: 400,
                errors: immutable,
            });
        }
        let mut errors = Vec::new();
        for (name, value) in object {
            if CREATE_FIELDS.iter().any(|(known, _)| known == name) {
                if !value.is_null() || !OPTIONAL_NULLABLE.contains(&name.as_str()) {
                    check_field(name, value, &mut errors);
                }
            } else {
                errors.push(unknown_enterprise_field(name));
            }
        }
        if !errors.is_empty() {
            return Err(Problem {
                status: 422,
                errors,
            });
        }
        let current = self
            .enterprises
            .get(index)
            .ok_or_else(|| not_found("Enterprise"))?;
        let Value::Object(mut record) = serde_json::to_value(current).unwrap_or_default() else {
            return Err(problem(
                500,
                "10007",
                "Unexpected error",
                "enterprise record",
            ));
        };
        for (name, value) in object {
            record.insert(name.clone(), value.clone());
        }
        record.insert("updated_at".to_owned(), json!(timestamp(context.now_ms)));
        let updated: Enterprise = serde_json::from_value(Value::Object(record))
            .map_err(|error| problem(422, "10015", "Invalid request body", error.to_string()))?;
        if let Some(slot) = self.enterprises.get_mut(index) {
            *slot = updated.clone();
        }
        data(200, &updated)
    }

    /// `POST /enterprises/{id}/reputation`: 201 and billed; 400 when already enabled; 422
    /// for an unknown document or frequency.
    pub fn enable(&mut self, id: &str, body: &Value, context: Context<'_>) -> Outcome {
        self.require_terms()?;
        if self.enterprise(id).is_none() {
            return Err(not_found("Enterprise"));
        }
        if self.reputation.contains_key(id) {
            return Err(problem(
                400,
                "10015",
                "Already enabled",
                "Number Reputation is already enabled for this enterprise",
            ));
        }
        let mut errors = Vec::new();
        let object = body.as_object().cloned().unwrap_or_default();
        for name in object.keys() {
            if !matches!(name.as_str(), "loa_document_id" | "check_frequency") {
                errors.push(at_pointer(
                    entry("10015", "Unknown field", format!("`{name}` is not allowed")),
                    &format!("/{name}"),
                ));
            }
        }
        let document_id = object
            .get("loa_document_id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        if !self
            .documents
            .iter()
            .any(|stored| stored.document.id == document_id)
        {
            errors.push(at_pointer(
                entry(
                    "10015",
                    "Invalid LOA document",
                    format!(
                        "no document `{document_id}`: upload the LOA with POST /documents first"
                    ),
                ),
                "/loa_document_id",
            ));
        }
        let check_frequency = match object.get("check_frequency") {
            None | Some(Value::Null) => CheckFrequency::default().as_str().to_owned(),
            Some(value) => {
                let text = value.as_str().unwrap_or_default();
                if CheckFrequency::from_wire(text).is_none() {
                    errors.push(at_pointer(
                        entry(
                            "10015",
                            "Invalid value",
                            format!("`{value}` is not a check_frequency"),
                        ),
                        "/check_frequency",
                    ));
                }
                text.to_owned()
            }
        };
        if !errors.is_empty() {
            return Err(Problem {
                status: 422,
                errors,
            });
        }
        let now = timestamp(context.now_ms);
        let due = context.now_ms + context.rules.approve_after_ms;
        let record = Reputation {
            settings: ReputationSettings {
                enterprise_id: id.to_owned(),
                status: "pending".to_owned(),
                loa_document_id: Some(document_id),
                loa_status: "pending".to_owned(),
                check_frequency,
                rejection_reasons: None,
                created_at: now.clone(),
                updated_at: now,
            },
            vetting_due_ms: Some(due),
            loa_due_ms: Some(due),
        };
        self.reputation.insert(id.to_owned(), record);
        self.set_enabled_flag(id, true);
        self.billing.enable += 1;
        self.settle(context);
        let settings = self
            .reputation
            .get(id)
            .map(|record| record.settings.clone());
        data(201, &settings)
    }

    fn set_enabled_flag(&mut self, id: &str, enabled: bool) {
        if let Some(enterprise) = self
            .enterprises
            .iter_mut()
            .find(|enterprise| enterprise.id == id)
        {
            enterprise.number_reputation_enabled = enabled;
        }
    }

    fn settings(&self, id: &str) -> Result<&Reputation, Problem> {
        if self.enterprise(id).is_none() {
            return Err(not_found("Enterprise"));
        }
        self.reputation
            .get(id)
            .ok_or_else(|| not_found("Reputation settings"))
    }

    /// `GET /enterprises/{id}/reputation`; 404 when never enabled or disabled.
    pub fn get_reputation(&self, id: &str) -> Outcome {
        self.require_terms()?;
        data(200, &self.settings(id)?.settings)
    }

    /// `DELETE /enterprises/{id}/reputation`: 204, and every number is de-registered.
    pub fn disable(&mut self, id: &str) -> Outcome {
        self.require_terms()?;
        self.settings(id)?;
        self.reputation.remove(id);
        self.numbers.remove(id);
        self.set_enabled_flag(id, false);
        no_content()
    }

    /// `PATCH …/reputation/frequency`: only once approved.
    pub fn patch_frequency(&mut self, id: &str, body: &Value, context: Context<'_>) -> Outcome {
        self.require_terms()?;
        let record = self.settings(id)?;
        let object = body.as_object().cloned().unwrap_or_default();
        let value = object
            .get("check_frequency")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if object.len() != 1 || CheckFrequency::from_wire(value).is_none() {
            return Err(Problem {
                status: 422,
                errors: vec![at_pointer(
                    entry(
                        "10015",
                        "Invalid value",
                        "`check_frequency` must be one of business_daily, daily, weekly, biweekly, monthly, never",
                    ),
                    "/check_frequency",
                )],
            });
        }
        if record.settings.status != "approved" {
            return Err(problem(
                400,
                "10015",
                "Not approved",
                format!(
                    "the frequency can be changed once vetting is approved; status is `{}`",
                    record.settings.status
                ),
            ));
        }
        let record = self
            .reputation
            .get_mut(id)
            .ok_or_else(|| not_found("Reputation settings"))?;
        record.settings.check_frequency = value.to_owned();
        record.settings.updated_at = timestamp(context.now_ms);
        data(200, &record.settings)
    }

    /// `PATCH …/reputation/loa`: while `loa_status` is pending or rejected; restarts the
    /// LOA review.
    pub fn patch_loa(&mut self, id: &str, body: &Value, context: Context<'_>) -> Outcome {
        self.require_terms()?;
        let record = self.settings(id)?;
        let object = body.as_object().cloned().unwrap_or_default();
        let document_id = object
            .get("loa_document_id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        if object.len() != 1
            || !self
                .documents
                .iter()
                .any(|stored| stored.document.id == document_id)
        {
            return Err(Problem {
                status: 422,
                errors: vec![at_pointer(
                    entry(
                        "10015",
                        "Invalid LOA document",
                        format!("no document `{document_id}`"),
                    ),
                    "/loa_document_id",
                )],
            });
        }
        if record.settings.loa_status == "approved" {
            return Err(problem(
                400,
                "10015",
                "LOA already approved",
                "The authorization document cannot be changed after it has been approved.",
            ));
        }
        let record = self
            .reputation
            .get_mut(id)
            .ok_or_else(|| not_found("Reputation settings"))?;
        record.settings.loa_document_id = Some(document_id);
        record.settings.loa_status = "pending".to_owned();
        record.settings.updated_at = timestamp(context.now_ms);
        record.loa_due_ms = Some(context.now_ms + context.rules.approve_after_ms);
        self.settle(context);
        let settings = self
            .reputation
            .get(id)
            .map(|record| record.settings.clone());
        data(200, &settings)
    }

    /// `GET /enterprises/{id}/reputation/numbers`: default page 10, `eq` and `contains`
    /// filters.
    pub fn list_numbers(&self, id: &str, query: &Query) -> Outcome {
        self.require_terms()?;
        if self.enterprise(id).is_none() {
            return Err(not_found("Enterprise"));
        }
        let equals = query.get("filter[phone_number][eq]");
        let contains = query.get("filter[phone_number][contains]");
        if let Some(digits) = contains {
            let count = digits.bytes().filter(u8::is_ascii_digit).count();
            if count < 5 {
                return Err(Problem {
                    status: 400,
                    errors: vec![at_parameter(
                        entry(
                            "10015",
                            "Invalid parameter",
                            "`filter[phone_number][contains]` needs at least 5 digits",
                        ),
                        "filter[phone_number][contains]",
                    )],
                });
            }
        }
        let numbers = self
            .numbers
            .get(id)
            .into_iter()
            .flatten()
            .filter(|number| equals.is_none_or(|wanted| number.phone_number == wanted))
            .filter(|number| contains.is_none_or(|digits| number.phone_number.contains(digits)));
        paginate_filtered(numbers, query, 10)
    }

    /// `POST /enterprises/{id}/reputation/numbers`: 1–100 numbers, all or none.
    pub fn add_numbers(&mut self, id: &str, body: &Value, context: Context<'_>) -> Outcome {
        self.require_terms()?;
        let record = self.settings(id)?;
        let numbers = phone_numbers_body(body)?;
        if record.settings.status != "approved" || record.settings.loa_status != "approved" {
            return Err(problem(
                400,
                "10015",
                "Not approved",
                format!(
                    "numbers can be added once vetting and the LOA are approved; status is `{}`, loa_status is `{}`",
                    record.settings.status, record.settings.loa_status
                ),
            ));
        }
        // One pass over the inventory and the monitored numbers for the whole batch, so a
        // fleet of 100,000 numbers is seeded in linear time.
        let batch: HashSet<&str> = numbers.iter().map(String::as_str).collect();
        let inventory: HashMap<&str, &PhoneNumber> = self
            .inventory
            .iter()
            .filter(|item| batch.contains(item.phone_number.as_str()))
            .map(|item| (item.phone_number.as_str(), item))
            .collect();
        let monitored: HashMap<&str, &str> = self
            .numbers
            .values()
            .flatten()
            .filter(|record| batch.contains(record.phone_number.as_str()))
            .map(|record| (record.phone_number.as_str(), record.enterprise_id.as_str()))
            .collect();
        let mut errors = Vec::new();
        let mut seen = HashSet::new();
        for (index, number) in numbers.iter().enumerate() {
            let pointer = format!("/phone_numbers/{index}");
            let reason = if !is_us_e164(number) {
                Some(format!(
                    "`{number}` is not an E.164 US number (+1 and ten digits)"
                ))
            } else if !seen.insert(number.as_str()) {
                Some(format!("`{number}` is listed twice in this request"))
            } else if let Some(reason) =
                Self::inventory_problem(number, inventory.get(number.as_str()).copied())
            {
                Some(reason)
            } else if let Some(owner) = monitored.get(number.as_str()) {
                Some(format!(
                    "`{number}` is already monitored by enterprise `{owner}`"
                ))
            } else if context.rules.refuse.contains(number) {
                Some(format!("`{number}` is not eligible for Number Reputation"))
            } else {
                None
            };
            if let Some(reason) = reason {
                errors.push(at_pointer(
                    entry("10015", "Invalid phone number", reason),
                    &pointer,
                ));
            }
        }
        if !errors.is_empty() {
            return Err(Problem {
                status: 400,
                errors,
            });
        }
        let now = timestamp(context.now_ms);
        let mut added = Vec::with_capacity(numbers.len());
        for number in numbers {
            let record = ReputationNumber {
                id: self.next_id(context.rules.seed),
                enterprise_id: id.to_owned(),
                phone_number: number,
                reputation_data: None,
                created_at: now.clone(),
                updated_at: now.clone(),
            };
            self.numbers
                .entry(id.to_owned())
                .or_default()
                .push(record.clone());
            added.push(record);
        }
        self.billing.numbers_added += u64::try_from(added.len()).unwrap_or(0);
        let count = added.len();
        ok(
            201,
            json!({
                "data": added,
                "meta": {"page_number": 1, "page_size": count, "total_pages": 1, "total_results": count}
            }),
        )
    }

    /// Why an inventory item (or its absence) keeps a number from being added.
    fn inventory_problem(number: &str, item: Option<&PhoneNumber>) -> Option<String> {
        let Some(item) = item else {
            return Some(format!("`{number}` is not in this account's inventory"));
        };
        if item.country_iso_alpha2 != "US" {
            return Some(format!(
                "`{number}` is a number of `{}`, not `US`",
                item.country_iso_alpha2
            ));
        }
        if !matches!(item.phone_number_type.as_str(), "local" | "longcode") {
            return Some(format!(
                "`{number}` is a `{}` number, not a local one",
                item.phone_number_type
            ));
        }
        if item.status != "active" {
            return Some(format!("`{number}` is `{}`, not `active`", item.status));
        }
        None
    }

    /// One monitored number, with the billing rules: `fresh` is a billed live lookup, and
    /// so is the first lookup of a number without cached data. 403 until approved.
    pub fn get_number(
        &mut self,
        enterprise_id: Option<&str>,
        number: &str,
        fresh: bool,
        context: Context<'_>,
    ) -> Outcome {
        self.require_terms()?;
        if let Some(id) = enterprise_id {
            let record = self.settings(id)?;
            if record.settings.status != "approved" {
                return Err(problem(
                    403,
                    "10010",
                    "Not approved",
                    "reputation data is available once vetting is approved",
                ));
            }
        }
        let seed = context.rules.seed;
        let Some(record) = self
            .numbers
            .iter_mut()
            .filter(|(id, _)| enterprise_id.is_none_or(|wanted| *id == wanted))
            .flat_map(|(_, records)| records.iter_mut())
            .find(|record| record.phone_number == number)
        else {
            return Err(not_found("Phone number"));
        };
        if fresh {
            self.billing.fresh_lookups += 1;
        } else if record.reputation_data.is_none() {
            self.billing.first_lookups += 1;
        }
        if fresh || record.reputation_data.is_none() {
            record.reputation_data = Some(reputation_data(number, seed, context.now_ms));
            record.updated_at = timestamp(context.now_ms);
        }
        data(200, &*record)
    }

    /// Stops monitoring one number (enterprise-scoped or across all); 204 or 404.
    pub fn delete_number(&mut self, enterprise_id: Option<&str>, number: &str) -> Outcome {
        self.require_terms()?;
        if let Some(id) = enterprise_id {
            self.settings(id)?;
        }
        let mut removed = 0;
        for (id, records) in &mut self.numbers {
            if enterprise_id.is_none_or(|wanted| id == wanted) {
                let before = records.len();
                records.retain(|record| record.phone_number != number);
                removed += before - records.len();
            }
        }
        if removed == 0 {
            return Err(not_found("Phone number"));
        }
        no_content()
    }

    /// `POST …/numbers/refresh`: billed per number refreshed.
    pub fn refresh(&mut self, id: &str, body: &Value, context: Context<'_>) -> Outcome {
        self.require_terms()?;
        self.settings(id)?;
        let numbers = phone_numbers_body(body)?;
        let mut results = Vec::with_capacity(numbers.len());
        for number in &numbers {
            let record = self.numbers.get_mut(id).and_then(|records| {
                records
                    .iter_mut()
                    .find(|record| record.phone_number == *number)
            });
            match record {
                Some(record) => {
                    record.reputation_data =
                        Some(reputation_data(number, context.rules.seed, context.now_ms));
                    record.updated_at = timestamp(context.now_ms);
                    self.billing.refreshes += 1;
                    results.push(RefreshItem {
                        phone_number: number.clone(),
                        success: true,
                        error: None,
                    });
                }
                None => results.push(RefreshItem {
                    phone_number: number.clone(),
                    success: false,
                    error: Some("number is not monitored by this enterprise".to_owned()),
                }),
            }
        }
        let successful =
            u64::try_from(results.iter().filter(|item| item.success).count()).unwrap_or(0);
        let requested = u64::try_from(results.len()).unwrap_or(0);
        data(
            200,
            &RefreshResult {
                results,
                total_requested: requested,
                total_successful: successful,
                total_failed: requested - successful,
            },
        )
    }

    /// `GET /reputation/numbers`: every enterprise's numbers, default page 20.
    pub fn list_all_numbers(&self, query: &Query) -> Outcome {
        self.require_terms()?;
        let enterprise = query.get("filter[enterprise_id]");
        let numbers = self
            .numbers
            .iter()
            .filter(|(id, _)| enterprise.is_none_or(|wanted| *id == wanted))
            .flat_map(|(_, records)| records.iter());
        paginate_filtered(numbers, query, 20)
    }

    /// `POST /documents`: 200 with the document's `sha256` and `size`; 422 on bad input.
    pub fn create_document(&mut self, upload: Upload, context: Context<'_>) -> Outcome {
        const LIMIT: usize = 20_000_000;
        if upload.content.is_empty() {
            return Err(Problem {
                status: 422,
                errors: vec![at_pointer(
                    entry("10015", "Invalid document", "the file is empty"),
                    "/file",
                )],
            });
        }
        if upload.content.len() > LIMIT {
            return Err(Problem {
                status: 422,
                errors: vec![at_pointer(
                    entry(
                        "10015",
                        "Invalid document",
                        "documents are limited to 20 MB",
                    ),
                    "/file",
                )],
            });
        }
        use sha2::Digest as _;
        let digest = sha2::Sha256::digest(&upload.content);
        let sha256: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
        let content_type = if upload.content.starts_with(b"%PDF-") {
            "application/pdf"
        } else {
            "application/octet-stream"
        };
        let now = timestamp(context.now_ms);
        let document = Document {
            id: self.next_id(context.rules.seed),
            record_type: "document".to_owned(),
            filename: Some(upload.filename.replace(' ', "")),
            content_type: Some(content_type.to_owned()),
            size: Some(DocumentSize {
                amount: u64::try_from(upload.content.len()).unwrap_or(0),
                unit: "bytes".to_owned(),
            }),
            sha256: Some(sha256),
            status: Some("verified".to_owned()),
            av_scan_status: Some("scanned".to_owned()),
            customer_reference: upload.customer_reference,
            created_at: now.clone(),
            updated_at: now,
        };
        self.documents.push(StoredDocument {
            document: document.clone(),
        });
        data(200, &document)
    }

    /// `GET /documents/{id}`.
    pub fn get_document(&self, id: &str) -> Outcome {
        match self
            .documents
            .iter()
            .find(|stored| stored.document.id == id)
        {
            Some(stored) => data(200, &stored.document),
            None => Err(not_found("Document")),
        }
    }

    /// `GET /documents` with `filter[customer_reference][eq]` and `filter[filename][contains]`.
    pub fn list_documents(&self, query: &Query) -> Outcome {
        let reference = query.get("filter[customer_reference][eq]");
        let filename = query.get("filter[filename][contains]");
        let documents: Vec<&Document> = self
            .documents
            .iter()
            .map(|stored| &stored.document)
            .filter(|document| {
                reference
                    .is_none_or(|wanted| document.customer_reference.as_deref() == Some(wanted))
            })
            .filter(|document| {
                filename.is_none_or(|part| {
                    document
                        .filename
                        .as_deref()
                        .is_some_and(|name| name.contains(part))
                })
            })
            .collect();
        paginate(&documents, query, 20)
    }

    /// `GET /phone_numbers`: `filter[phone_number]` matches digits only (a `+` or other
    /// non-digit matches nothing), plus country, type and status filters.
    pub fn list_phone_numbers(&self, query: &Query) -> Outcome {
        let digits = query.get("filter[phone_number]");
        if let Some(digits) = digits
            && digits.len() < 3
            && digits.bytes().all(|byte| byte.is_ascii_digit())
        {
            return Err(Problem {
                status: 400,
                errors: vec![at_parameter(
                    entry(
                        "10015",
                        "Invalid parameter",
                        "`filter[phone_number]` needs at least 3 digits",
                    ),
                    "filter[phone_number]",
                )],
            });
        }
        let country = query.get("filter[country_iso_alpha2]");
        let number_type = query.get("filter[number_type][eq]");
        let status = query.get("filter[status]");
        let numbers: Vec<&PhoneNumber> = self
            .inventory
            .iter()
            .filter(|item| {
                digits.is_none_or(|digits| {
                    digits.bytes().all(|byte| byte.is_ascii_digit())
                        && item.phone_number.contains(digits)
                })
            })
            .filter(|item| country.is_none_or(|wanted| item.country_iso_alpha2 == wanted))
            .filter(|item| number_type.is_none_or(|wanted| item.phone_number_type == wanted))
            .filter(|item| status.is_none_or(|wanted| item.status == wanted))
            .collect();
        paginate(&numbers, query, 20)
    }

    /// Adds numbers to the inventory (skipping ones already there); the count added.
    pub fn add_inventory(&mut self, numbers: &[(String, String)], context: Context<'_>) -> usize {
        let mut added = 0;
        let now = timestamp(context.now_ms);
        let existing: HashSet<String> = self
            .inventory
            .iter()
            .map(|item| item.phone_number.clone())
            .collect();
        for (number, number_type) in numbers {
            if existing.contains(number) {
                continue;
            }
            let country = E164::parse(number)
                .map(crate::manifest::ask_libphonenumber)
                .map_or("US".to_owned(), |verdict| match verdict {
                    crate::manifest::Verdict::OtherRegion(region) => {
                        String::from_utf8_lossy(&region).into_owned()
                    }
                    _ => "US".to_owned(),
                });
            let item = PhoneNumber {
                id: self.next_id(context.rules.seed),
                record_type: "phone_number".to_owned(),
                phone_number: number.clone(),
                country_iso_alpha2: country,
                status: "active".to_owned(),
                tags: Vec::new(),
                external_pin: None,
                created_at: now.clone(),
                phone_number_type: number_type.clone(),
                purchased_at: now.clone(),
                deletion_lock_enabled: false,
            };
            self.inventory.push(item);
            added += 1;
        }
        added
    }

    /// Takes numbers out of the inventory; the count removed.
    pub fn remove_inventory(&mut self, numbers: &[String]) -> usize {
        let remove: HashSet<&str> = numbers.iter().map(String::as_str).collect();
        let before = self.inventory.len();
        self.inventory
            .retain(|item| !remove.contains(item.phone_number.as_str()));
        before - self.inventory.len()
    }

    /// The billing counters.
    pub fn billing(&self) -> Billing {
        self.billing
    }
}

/// A document as uploaded, from either JSON or multipart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    /// The name given.
    pub filename: String,
    /// The bytes.
    pub content: Vec<u8>,
    /// Free text of the uploader's.
    pub customer_reference: Option<String>,
    /// The JSON keys or multipart part names it came with (for the request log).
    pub parts: Vec<String>,
}

/// The `{phone_numbers: [...]}` body of add and refresh: 1 to 100 strings, no other keys.
fn phone_numbers_body(body: &Value) -> Result<Vec<String>, Problem> {
    let invalid = |detail: &str, pointer: &str| Problem {
        status: 422,
        errors: vec![at_pointer(
            entry("10015", "Invalid request body", detail),
            pointer,
        )],
    };
    let Some(object) = body.as_object() else {
        return Err(invalid("expected a JSON object", ""));
    };
    if let Some(extra) = object.keys().find(|key| *key != "phone_numbers") {
        return Err(invalid(
            &format!("`{extra}` is not allowed"),
            &format!("/{extra}"),
        ));
    }
    let Some(list) = object.get("phone_numbers").and_then(Value::as_array) else {
        return Err(invalid("`phone_numbers` is required", "/phone_numbers"));
    };
    if list.is_empty() || list.len() > 100 {
        return Err(Problem {
            status: 400,
            errors: vec![at_pointer(
                entry(
                    "10015",
                    "Invalid request body",
                    format!("send 1 to 100 numbers per request, not {}", list.len()),
                ),
                "/phone_numbers",
            )],
        });
    }
    list.iter()
        .enumerate()
        .map(|(index, value)| {
            value.as_str().map(str::to_owned).ok_or_else(|| {
                invalid(
                    "each phone number must be a string",
                    &format!("/phone_numbers/{index}"),
                )
            })
        })
        .collect()
}

/// Fields of the create call and whether they are required.
const CREATE_FIELDS: &[(&str, bool)] = &[
    ("legal_name", true),
    ("doing_business_as", true),
    ("organization_type", true),
    ("country_code", true),
    ("website", true),
    ("fein", true),
    ("industry", true),
    ("number_of_employees", true),
    ("organization_legal_type", true),
    ("jurisdiction_of_incorporation", true),
    ("organization_contact", true),
    ("billing_contact", true),
    ("organization_physical_address", true),
    ("billing_address", true),
    ("role_type", false),
    ("customer_reference", false),
    ("corporate_registration_number", false),
    ("dun_bradstreet_number", false),
    ("primary_business_domain_sic_code", false),
    ("professional_license_number", false),
];

const OPTIONAL_NULLABLE: &[&str] = &[
    "corporate_registration_number",
    "dun_bradstreet_number",
    "primary_business_domain_sic_code",
    "professional_license_number",
];

const IMMUTABLE_FIELDS: &[&str] = &[
    "id",
    "record_type",
    "created_at",
    "updated_at",
    "number_reputation_enabled",
    "branded_calling_enabled",
    "organization_type",
    "country_code",
    "role_type",
];

fn unknown_enterprise_field(name: &str) -> ErrorEntry {
    at_pointer(
        entry(
            "10015",
            "Unknown field",
            format!("`{name}` is not a field of an enterprise"),
        ),
        &format!("/{name}"),
    )
}

fn string_field(object: &Map<String, Value>, name: &str) -> String {
    object
        .get(name)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// Checks one enterprise field's value the way the API does, appending error entries.
fn check_field(name: &str, value: &Value, errors: &mut Vec<ErrorEntry>) {
    {
        let pointer = format!("/{name}");
        let invalid =
            |detail: String| at_pointer(entry("10015", "Invalid value", detail), &pointer);
        match name {
            "organization_contact" | "billing_contact" => {
                let needs_title = name == "organization_contact";
                match serde_json::from_value::<Contact>(value.clone()) {
                    Ok(contact) if needs_title && contact.job_title.is_none() => {
                        errors.push(at_pointer(
                            entry("10005", "Missing required field", "`job_title` is required"),
                            &format!("{pointer}/job_title"),
                        ));
                    }
                    Ok(contact) => {
                        if E164::parse(&contact.phone_number).is_none() {
                            errors.push(at_pointer(
                                entry("10015", "Invalid value", "`phone_number` must be E.164"),
                                &format!("{pointer}/phone_number"),
                            ));
                        }
                        if !contact.email.contains('@') {
                            errors.push(at_pointer(
                                entry("10015", "Invalid value", "`email` is not an email address"),
                                &format!("{pointer}/email"),
                            ));
                        }
                    }
                    Err(error) => errors.push(invalid(format!("`{name}`: {error}"))),
                }
            }
            "organization_physical_address" | "billing_address" => {
                if let Err(error) = serde_json::from_value::<Address>(value.clone()) {
                    errors.push(invalid(format!("`{name}`: {error}")));
                }
            }
            _ => {
                let Some(text) = value.as_str() else {
                    errors.push(invalid(format!("`{name}` must be a string")));
                    return;
                };
                let length = text.chars().count();
                let problem = match name {
                    "legal_name" if !(3..=64).contains(&length) => {
                        Some("`legal_name` must be 3 to 64 characters".to_owned())
                    }
                    "doing_business_as" | "website" | "jurisdiction_of_incorporation"
                        if length == 0 || length > 255 =>
                    {
                        Some(format!("`{name}` must be 1 to 255 characters"))
                    }
                    "organization_type" if OrganizationType::from_wire(text).is_none() => {
                        Some(format!("`{text}` is not an organization_type"))
                    }
                    "country_code" if CountryCode::from_wire(text).is_none() => {
                        Some(format!("`{text}` is not a country_code (US or CA)"))
                    }
                    "industry" if Industry::from_wire(text).is_none() => {
                        Some(format!("`{text}` is not an industry"))
                    }
                    "number_of_employees" if NumberOfEmployees::from_wire(text).is_none() => {
                        Some(format!("`{text}` is not a number_of_employees bracket"))
                    }
                    "organization_legal_type"
                        if OrganizationLegalType::from_wire(text).is_none() =>
                    {
                        Some(format!("`{text}` is not an organization_legal_type"))
                    }
                    "role_type" if RoleType::from_wire(text).is_none() => {
                        Some(format!("`{text}` is not a role_type"))
                    }
                    "fein" if length == 0 => Some("`fein` is required".to_owned()),
                    _ => None,
                };
                if let Some(problem) = problem {
                    errors.push(invalid(problem));
                }
            }
        }
    }
}
