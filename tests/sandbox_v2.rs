//! The sandbox's rules of the October 2026 API generation over HTTP: toll-free inventory
//! numbers, numbers hosted elsewhere and their ownership proof, ownership tracking, the
//! write-only ownership webhook and `/_sandbox/ownership`. Each asserts the status and the
//! whole body; every body is checked against the schemas derived from Telnyx's
//! documentation (`tests/openapi/derived-2026-10.json`) and, where the call is older,
//! Telnyx's official ones (`tests/openapi/subset.json`). It needs only the library's
//! `Sandbox` and the schema loader of `support::api`.

use std::path::Path;
use std::sync::OnceLock;

use serde_json::{Value, json};
use telrep::sandbox::{Sandbox, SandboxConfig};

use crate::support::api::{Operation, load_operations};

const EXTERNAL: &str = "+13125550100";
const LOCAL: &str = "+12025550101";

/// The derived schemas, then the official ones.
fn schema_files() -> &'static [Vec<Operation>; 2] {
    static FILES: OnceLock<[Vec<Operation>; 2]> = OnceLock::new();
    FILES.get_or_init(|| {
        [
            load_operations("derived-2026-10.json"),
            load_operations("subset.json"),
        ]
    })
}

/// The schema `operations` give `method path` at `status`: the most literal matching
/// operation's exact status, else its `NXX`, else its `default`.
fn schema_in(operations: &[Operation], method: &str, path: &str, status: u16) -> Option<Value> {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let operation = operations
        .iter()
        .filter(|operation| {
            operation.method == method
                && operation.segments.len() == segments.len()
                && operation
                    .segments
                    .iter()
                    .zip(&segments)
                    .all(|(template, actual)| template.starts_with('{') || template == actual)
        })
        .max_by_key(|operation| {
            operation
                .segments
                .iter()
                .filter(|segment| !segment.starts_with('{'))
                .count()
        })?;
    let response = operation
        .responses
        .get(&status.to_string())
        .or_else(|| operation.responses.get(&format!("{}XX", status / 100)))
        .or_else(|| operation.responses.get("default"))?;
    response["content"]["application/json"]
        .as_object()
        .map(|schema| Value::Object(schema.clone()))
}

/// Panics unless `body` fits every schema either file has for the response, and at least
/// one file has one.
fn check(method: &str, path: &str, status: u16, body: &Value) {
    let path = path.split('?').next().unwrap();
    let schemas: Vec<Value> = schema_files()
        .iter()
        .filter_map(|operations| schema_in(operations, method, path, status))
        .collect();
    assert!(
        !schemas.is_empty(),
        "no schema for {method} {path} {status}"
    );
    for schema in schemas {
        let errors = crate::support::api::schema_errors(&schema, body);
        assert!(
            errors.is_empty(),
            "{method} {path} {status}: the body does not fit {}:\n{}\n{body:#}",
            schema["description"],
            errors.join("\n")
        );
    }
}

/// A sandbox and a plain HTTP client for it.
struct Env {
    sandbox: Sandbox,
    http: reqwest::Client,
}

impl Env {
    async fn start(config: SandboxConfig) -> Self {
        let sandbox = Sandbox::start(config).await.unwrap();
        let http = reqwest::Client::builder().no_proxy().build().unwrap();
        Self { sandbox, http }
    }

    /// `METHOD /v2{path}` with a key; status and body, checked against the schemas.
    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let url = format!("{}{path}", self.sandbox.base_url());
        let mut request = self
            .http
            .request(method.parse().unwrap(), url)
            .bearer_auth("KEY");
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let bytes = response.bytes().await.unwrap();
        let value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap()
        };
        if status != 204 {
            check(method, path, status, &value);
        }
        (status, value)
    }

    /// `METHOD /_sandbox/{path}`; status and body.
    async fn control(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let url = format!("http://{}/_sandbox/{path}", self.sandbox.address());
        let mut request = self.http.request(method.parse().unwrap(), url);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// `POST /_sandbox/ownership`, expecting a 200; the record.
    async fn move_ownership(&self, body: Value) -> Value {
        let (status, record) = self.control("POST", "ownership", Some(body)).await;
        assert_eq!(status, 200, "{record}");
        record
    }

    /// Agrees to the terms once and creates an enterprise of `legal_name`; its id.
    async fn enterprise(&self, legal_name: &str) -> String {
        let (status, _) = self
            .call("POST", "/terms_of_service/number_reputation/agree", None)
            .await;
        assert_eq!(status, 201);
        let (status, body) = self
            .call("POST", "/enterprises", Some(enterprise_body(legal_name)))
            .await;
        assert_eq!(status, 201, "{body}");
        body["data"]["id"].as_str().unwrap().to_owned()
    }

    /// As `enterprise`, with Number Reputation enabled.
    async fn enabled(&self, legal_name: &str) -> String {
        let id = self.enterprise(legal_name).await;
        let loa = self.upload("loa.pdf").await;
        let (status, body) = self
            .call(
                "POST",
                &format!("/enterprises/{id}/reputation"),
                Some(json!({ "loa_document_id": loa })),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        id
    }

    /// Uploads a small PDF; its document id.
    async fn upload(&self, filename: &str) -> String {
        use base64::Engine as _;
        let content = format!("%PDF-1.4 {filename}");
        let body = json!({
            "file": base64::engine::general_purpose::STANDARD.encode(content),
            "filename": filename,
        });
        let (status, document) = self.call("POST", "/documents", Some(body)).await;
        assert_eq!(status, 200, "{document}");
        document["data"]["id"].as_str().unwrap().to_owned()
    }

    /// Submits an ownership proof of one new document; status and body.
    async fn submit_proof(&self, id: &str) -> (u16, Value) {
        let proof = self.upload("invoice.pdf").await;
        self.call(
            "POST",
            &format!("/enterprises/{id}/reputation/external_verification"),
            Some(json!({ "document_ids": [proof] })),
        )
        .await
    }
}

fn enterprise_body(legal_name: &str) -> Value {
    let contact = |email: &str| json!({ "first_name": "Jane", "last_name": "Smith", "email": email, "phone_number": "+12025551234" });
    let address = json!({
        "country": "US", "administrative_area": "CA", "city": "San Francisco",
        "postal_code": "94105", "street_address": "123 Main St",
    });
    let mut organization_contact = contact("jane@acme.com");
    organization_contact["job_title"] = json!("CTO");
    json!({
        "legal_name": legal_name, "doing_business_as": "Acme", "organization_type": "commercial",
        "country_code": "US", "website": "https://acme.com", "fein": "12-3456789",
        "industry": "technology", "number_of_employees": "51-200",
        "organization_legal_type": "corporation", "jurisdiction_of_incorporation": "Delaware",
        "organization_contact": organization_contact, "billing_contact": contact("billing@acme.com"),
        "organization_physical_address": address, "billing_address": address,
    })
}

/// A sandbox that approves at once, with these `(number, type)` in the inventory.
fn config(inventory: &[(&str, &str)]) -> SandboxConfig {
    let mut config = SandboxConfig::local();
    config.inventory = inventory
        .iter()
        .map(|(number, kind)| ((*number).to_owned(), (*kind).to_owned()))
        .collect();
    config
}

/// A Telnyx error body of one entry per `(title, detail, pointer)`; code 10015 unless the
/// title is a 403's or a 404's.
fn errors(entries: &[(&str, &str, Option<&str>)]) -> Value {
    let entries: Vec<Value> = entries
        .iter()
        .map(|(title, detail, pointer)| {
            let code = match *title {
                "Resource not found" => "10005",
                "Terms of service not accepted" => "10010",
                _ => "10015",
            };
            let mut entry = json!({
                "code": code,
                "title": title,
                "detail": detail,
                "meta": { "url": format!("https://developers.telnyx.com/docs/overview/errors/{code}") },
            });
            if let Some(pointer) = pointer {
                entry["source"] = json!({ "pointer": format!("/body{pointer}") });
            }
            entry
        })
        .collect();
    json!({ "errors": entries })
}

fn not_found(what: &str) -> Value {
    errors(&[("Resource not found", &format!("{what} not found"), None)])
}

/// `value` with every string under one of `keys` replaced by `[redacted]` (times, ids).
fn redacted(value: &Value, keys: &[&str]) -> Value {
    match value {
        Value::Object(object) => Value::Object(
            object
                .iter()
                .map(|(key, value)| {
                    let value = if keys.contains(&key.as_str()) && value.is_string() {
                        json!("[redacted]")
                    } else {
                        redacted(value, keys)
                    };
                    (key.clone(), value)
                })
                .collect(),
        ),
        Value::Array(items) => {
            Value::Array(items.iter().map(|item| redacted(item, keys)).collect())
        }
        other => other.clone(),
    }
}

const TIMES: &[&str] = &[
    "created_at",
    "updated_at",
    "reviewed_at",
    "occurred_at",
    "last_checked_at",
    "id",
];

/// A number record as added: only the source varies.
fn added(id: &str, number: &str, source: &str) -> Value {
    json!({
        "id": "[redacted]", "enterprise_id": id, "phone_number": number, "source": source,
        "ownership_status": "verified", "flag_reason": null, "confirm_by": null,
        "removal_reason": null, "removed_at": null, "reputation_data": null,
        "created_at": "[redacted]", "updated_at": "[redacted]",
    })
}

#[tokio::test]
async fn the_new_calls_answer_403_until_the_terms_are_agreed() {
    let env = Env::start(config(&[])).await;
    let (status, enterprise) = env
        .call("POST", "/enterprises", Some(enterprise_body("Acme Corp")))
        .await;
    assert_eq!(status, 201);
    let id = enterprise["data"]["id"].as_str().unwrap();
    let reputation = format!("/enterprises/{id}/reputation");
    let number = format!("{reputation}/numbers/%2B13125550100");
    let forbidden = errors(&[(
        "Terms of service not accepted",
        "Agree to the Number Reputation terms of service first: POST /terms_of_service/number_reputation/agree",
        None,
    )]);
    for (method, path, body) in [
        (
            "POST",
            format!("{reputation}/external_verification"),
            Some(json!({ "document_ids": [] })),
        ),
        ("GET", format!("{reputation}/external_verification"), None),
        ("GET", format!("{number}/ownership"), None),
        (
            "POST",
            format!("{number}/ownership_confirm"),
            Some(json!({ "still_own": true })),
        ),
        (
            "PATCH",
            format!("{reputation}/webhook"),
            Some(json!({ "webhook_url": null })),
        ),
    ] {
        assert_eq!(
            env.call(method, &path, body).await,
            (403, forbidden.clone()),
            "{method} {path}"
        );
    }
}

#[tokio::test]
async fn a_proof_is_404_until_submitted_and_pending_until_reviewed() {
    let mut config = config(&[]);
    config.rules.approve_after_ms = 3_600_000;
    let env = Env::start(config).await;
    let id = env.enterprise("Acme Corp").await;
    let path = format!("/enterprises/{id}/reputation/external_verification");
    let proof = env.upload("invoice.pdf").await;
    let body = json!({ "document_ids": [proof] });
    assert_eq!(
        env.call("POST", &path, Some(body.clone())).await,
        (404, not_found("Reputation settings"))
    );
    let loa = env.upload("loa.pdf").await;
    let (status, settings) = env
        .call(
            "POST",
            &format!("/enterprises/{id}/reputation"),
            Some(json!({ "loa_document_id": loa })),
        )
        .await;
    assert_eq!(
        (status, &settings["data"]["external_verification_status"]),
        (201, &Value::Null)
    );
    assert_eq!(
        env.call("GET", &path, None).await,
        (404, not_found("External verification"))
    );
    let unknown = "00000000-0000-4000-8000-000000000000";
    let bad = json!({ "document_ids": [unknown], "phone_numbers": ["13125550100"] });
    let expected = errors(&[
        (
            "Invalid document",
            &format!("no document `{unknown}`: upload the proof with POST /documents first"),
            Some("/document_ids/0"),
        ),
        (
            "Invalid request body",
            "`\"13125550100\"` is not an E.164 number",
            Some("/phone_numbers/0"),
        ),
    ]);
    assert_eq!(env.call("POST", &path, Some(bad)).await, (422, expected));
    let empty = errors(&[(
        "Invalid request body",
        "`document_ids` is required: a list of at least one uploaded document id",
        Some("/document_ids"),
    )]);
    assert_eq!(
        env.call("POST", &path, Some(json!({ "document_ids": [] })))
            .await,
        (422, empty)
    );
    let pending = |document_ids: &[&str], phone_numbers: &[&str]| {
        json!({ "data": {
            "enterprise_id": id, "status": "pending", "document_ids": document_ids,
            "phone_numbers": phone_numbers, "rejection_reason": null, "reviewed_at": null,
            "created_at": "[redacted]", "updated_at": "[redacted]",
        }})
    };
    let (status, first) = env.call("POST", &path, Some(body)).await;
    assert_eq!(
        (status, redacted(&first, TIMES)),
        (201, pending(&[&proof], &[]))
    );
    assert_eq!(env.call("GET", &path, None).await, (200, first.clone()));
    let (_, settings) = env
        .call("GET", &format!("/enterprises/{id}/reputation"), None)
        .await;
    assert_eq!(settings["data"]["external_verification_status"], "pending");
    let second = env.upload("statement.pdf").await;
    let replace = json!({ "document_ids": [second], "phone_numbers": [EXTERNAL] });
    let (status, replaced) = env.call("POST", &path, Some(replace)).await;
    assert_eq!(
        (status, redacted(&replaced, TIMES)),
        (201, pending(&[&second], &[EXTERNAL]))
    );
    assert_eq!(replaced["data"]["created_at"], first["data"]["created_at"]);
}

#[tokio::test]
async fn a_review_approves_and_locks_or_rejects_a_legal_name_with_a_reason() {
    let mut config = config(&[]);
    config.rules.reject_external = vec!["Rejected Corp".to_owned()];
    let env = Env::start(config).await;
    let approved = env.enabled("Acme Corp").await;
    let (status, body) = env.submit_proof(&approved).await;
    assert_eq!(
        (
            status,
            &body["data"]["status"],
            &body["data"]["rejection_reason"]
        ),
        (201, &json!("approved"), &Value::Null)
    );
    assert!(body["data"]["reviewed_at"].is_string());
    let (_, settings) = env
        .call("GET", &format!("/enterprises/{approved}/reputation"), None)
        .await;
    assert_eq!(settings["data"]["external_verification_status"], "approved");
    let locked = errors(&[(
        "External verification already approved",
        "The ownership proof cannot be changed after it has been approved.",
        None,
    )]);
    assert_eq!(env.submit_proof(&approved).await, (400, locked));
    let rejected = env.enabled("Rejected Corp").await;
    for _ in 0..2 {
        let (status, body) = env.submit_proof(&rejected).await;
        assert_eq!(
            (
                status,
                &body["data"]["status"],
                &body["data"]["rejection_reason"]
            ),
            (
                201,
                &json!("rejected"),
                &json!("The documents do not show the enterprise as the holder of the numbers")
            )
        );
    }
    let (_, settings) = env
        .call("GET", &format!("/enterprises/{rejected}/reputation"), None)
        .await;
    assert_eq!(settings["data"]["external_verification_status"], "rejected");
}

#[tokio::test]
async fn toll_free_and_hosted_elsewhere_numbers_are_added_by_the_rules() {
    let env = Env::start(config(&[
        (LOCAL, "local"),
        ("+18005550100", "toll_free"),
        ("+18885550100", "tollfree"),
        ("+12025550102", "longcode"),
        ("+12025550103", "mobile"),
    ]))
    .await;
    let id = env.enabled("Acme Corp").await;
    let path = format!("/enterprises/{id}/reputation/numbers");
    let batch = json!({ "phone_numbers": [
        LOCAL, "+18005550100", "+18885550100", "+12025550102", "+12025550103",
        EXTERNAL, "+18775550100", "+14165550123",
    ]});
    let expected = errors(&[
        (
            "Invalid phone number",
            "`+12025550103` is a `mobile` number, not a local or toll-free one",
            Some("/phone_numbers/4"),
        ),
        (
            "Invalid phone number",
            "`+13125550100` is not in this account's inventory, and numbers hosted elsewhere need an approved external verification: none was submitted",
            Some("/phone_numbers/5"),
        ),
        (
            "Invalid phone number",
            "`+18775550100` is a toll-free number hosted elsewhere: only US local numbers can be added from outside the inventory",
            Some("/phone_numbers/6"),
        ),
        (
            "Invalid phone number",
            "`+14165550123` is a number of `CA`, not `US`",
            Some("/phone_numbers/7"),
        ),
    ]);
    assert_eq!(env.call("POST", &path, Some(batch)).await, (400, expected));
    let (status, _) = env.submit_proof(&id).await;
    assert_eq!(status, 201);
    let batch = json!({ "phone_numbers": [LOCAL, "+18005550100", "+18885550100", "+12025550102", EXTERNAL] });
    let (status, body) = env.call("POST", &path, Some(batch)).await;
    let data = vec![
        added(&id, LOCAL, "telnyx"),
        added(&id, "+18005550100", "telnyx"),
        added(&id, "+18885550100", "telnyx"),
        added(&id, "+12025550102", "telnyx"),
        added(&id, EXTERNAL, "external"),
    ];
    let meta = json!({ "page_number": 1, "page_size": 5, "total_pages": 1, "total_results": 5 });
    assert_eq!(
        (status, redacted(&body, TIMES)),
        (201, json!({ "data": data, "meta": meta }))
    );
    let (status, external) = env
        .call("GET", &format!("{path}?filter[source]=external"), None)
        .await;
    let meta = json!({ "page_number": 1, "page_size": 1, "total_pages": 1, "total_results": 1 });
    assert_eq!(
        (status, redacted(&external, TIMES)),
        (
            200,
            json!({ "data": [added(&id, EXTERNAL, "external")], "meta": meta })
        )
    );
}

/// An enabled Acme whose proof is approved, monitoring `LOCAL` and `EXTERNAL`; its id.
async fn monitoring_both(env: &Env) -> String {
    let id = env.enabled("Acme Corp").await;
    assert_eq!(env.submit_proof(&id).await.0, 201);
    let (status, body) = env
        .call(
            "POST",
            &format!("/enterprises/{id}/reputation/numbers"),
            Some(json!({ "phone_numbers": [LOCAL, EXTERNAL] })),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    id
}

#[tokio::test]
async fn ownership_is_flagged_confirmed_and_given_up() {
    let env = Env::start(config(&[(LOCAL, "local")])).await;
    let id = monitoring_both(&env).await;
    let number = format!("/enterprises/{id}/reputation/numbers/%2B13125550100");
    let (status, detail) = env.call("GET", &format!("{number}/ownership"), None).await;
    let baseline = detail["data"]["baseline_carrier"]
        .as_str()
        .unwrap()
        .to_owned();
    let event = |event: &str, status: &str, reason: Value| json!({ "occurred_at": "[redacted]", "event": event, "ownership_status": status, "reason": reason, "carrier": "[redacted]" });
    let expected = json!({ "data": {
        "phone_number": EXTERNAL, "enterprise_id": id, "source": "external",
        "ownership_status": "verified", "flag_reason": null, "confirm_by": null,
        "removal_reason": null, "removed_at": null, "last_checked_at": "[redacted]",
        "baseline_carrier": baseline, "history": [event("added", "verified", Value::Null)],
    }});
    let keys = [TIMES, &["carrier"][..]].concat();
    assert_eq!((status, redacted(&detail, &keys)), (200, expected.clone()));
    let flag = json!({ "phone_number": EXTERNAL, "ownership_status": "pending_confirmation", "confirm_by": "2099-01-01T00:00:00Z" });
    let flagged = env.move_ownership(flag).await;
    assert_eq!(
        (
            &flagged["data"]["ownership_status"],
            &flagged["data"]["flag_reason"],
            &flagged["data"]["confirm_by"]
        ),
        (
            &json!("pending_confirmation"),
            &json!("carrier_changed"),
            &json!("2099-01-01T00:00:00Z")
        )
    );
    let (_, detail) = env.call("GET", &format!("{number}/ownership"), None).await;
    let history = &detail["data"]["history"];
    assert_eq!(
        redacted(history, &keys),
        json!([
            event("added", "verified", Value::Null),
            event("flagged", "pending_confirmation", json!("carrier_changed"))
        ])
    );
    assert_ne!(
        history[1]["carrier"],
        json!(baseline),
        "the carrier changed"
    );
    let confirm = format!("{number}/ownership_confirm");
    let required = errors(&[(
        "Invalid request body",
        "`still_own` is required: true or false",
        Some("/still_own"),
    )]);
    assert_eq!(
        env.call("POST", &confirm, Some(json!({ "still_own": "yes" })))
            .await,
        (422, required)
    );
    let (status, verified) = env
        .call("POST", &confirm, Some(json!({ "still_own": true })))
        .await;
    assert_eq!(
        (status, redacted(&verified, TIMES)),
        (200, json!({ "data": added(&id, EXTERNAL, "external") }))
    );
    let (_, detail) = env.call("GET", &format!("{number}/ownership"), None).await;
    assert_eq!(
        detail["data"]["baseline_carrier"], history[1]["carrier"],
        "the new carrier is the baseline"
    );
    let nothing = errors(&[(
        "Nothing to confirm",
        "the ownership of `+13125550100` is already verified",
        None,
    )]);
    assert_eq!(
        env.call("POST", &confirm, Some(json!({ "still_own": true })))
            .await,
        (400, nothing)
    );
    let telnyx = errors(&[(
        "Nothing to confirm",
        "`+12025550101` is a Telnyx number: its ownership needs no confirmation",
        None,
    )]);
    let local = format!("/enterprises/{id}/reputation/numbers/%2B12025550101/ownership_confirm");
    assert_eq!(
        env.call("POST", &local, Some(json!({ "still_own": true })))
            .await,
        (400, telnyx)
    );
    let elsewhere = format!("/enterprises/{id}/reputation/numbers/%2B12025559999/ownership");
    assert_eq!(
        env.call("GET", &elsewhere, None).await,
        (404, not_found("Phone number"))
    );
    let (status, removed) = env
        .call("POST", &confirm, Some(json!({ "still_own": false })))
        .await;
    assert_eq!(
        (
            status,
            &removed["data"]["ownership_status"],
            &removed["data"]["removal_reason"]
        ),
        (200, &json!("removed"), &json!("released_by_customer"))
    );
    assert!(removed["data"]["removed_at"].is_string());
    let gone = errors(&[(
        "Number removed",
        "`+13125550100` was removed from monitoring; add it again instead",
        None,
    )]);
    assert_eq!(
        env.call("POST", &confirm, Some(json!({ "still_own": true })))
            .await,
        (400, gone)
    );
}

#[tokio::test]
async fn a_removed_number_stays_listed_and_may_be_added_again() {
    let env = Env::start(config(&[(LOCAL, "local")])).await;
    let id = monitoring_both(&env).await;
    let numbers = format!("/enterprises/{id}/reputation/numbers");
    // A deadline long past: the check at 07:00Z after it removed the number.
    let flag = json!({ "phone_number": EXTERNAL, "ownership_status": "pending_confirmation", "confirm_by": "2020-01-01T12:00:00Z" });
    let removed = env.move_ownership(flag).await;
    let expected = json!({
        "ownership_status": "removed", "flag_reason": "carrier_changed",
        "confirm_by": "2020-01-01T12:00:00Z", "removal_reason": "unconfirmed_ownership",
        "removed_at": "2020-01-02T07:00:00Z",
    });
    for (key, value) in expected.as_object().unwrap() {
        assert_eq!(&removed["data"][key], value, "{key}");
    }
    let (status, got) = env
        .call("GET", &format!("{numbers}/%2B13125550100"), None)
        .await;
    assert_eq!((status, &got), (200, &removed));
    let (status, listed) = env
        .call(
            "GET",
            &format!("{numbers}?filter[ownership_status]=removed"),
            None,
        )
        .await;
    let only = Value::Array(vec![removed["data"].clone()]);
    assert_eq!(
        (status, &listed["data"], &listed["meta"]["total_results"]),
        (200, &only, &json!(1))
    );
    let (_, billing) = env.control("GET", "billing", None).await;
    assert_eq!(billing["data"]["numbers_added"], 2);
    let (status, again) = env
        .call(
            "POST",
            &numbers,
            Some(json!({ "phone_numbers": [EXTERNAL] })),
        )
        .await;
    assert_eq!(
        (status, redacted(&again["data"], TIMES)),
        (201, json!([added(&id, EXTERNAL, "external")]))
    );
    let (_, billing) = env.control("GET", "billing", None).await;
    assert_eq!(
        billing["data"]["numbers_added"], 3,
        "adding it again is billed"
    );
    let (_, listed) = env.call("GET", &numbers, None).await;
    assert_eq!(listed["meta"]["total_results"], 2);
    let (status, detail) = env
        .call("GET", &format!("{numbers}/%2B13125550100/ownership"), None)
        .await;
    assert_eq!(
        (status, detail["data"]["history"].as_array().unwrap().len()),
        (200, 1)
    );
    assert_eq!(
        env.call("DELETE", &format!("{numbers}/%2B13125550100"), None)
            .await,
        (204, Value::Null)
    );
}

#[tokio::test]
async fn the_ownership_control_refuses_what_cannot_be() {
    let env = Env::start(config(&[(LOCAL, "local")])).await;
    monitoring_both(&env).await;
    let cases = [
        (
            json!({ "phone_number": "+12025559999", "ownership_status": "verified" }),
            404,
            not_found("Phone number"),
        ),
        (
            json!({ "phone_number": LOCAL, "ownership_status": "flagged" }),
            422,
            errors(&[(
                "Not tracked",
                "`+12025550101` is a Telnyx number: only numbers hosted elsewhere are flagged",
                None,
            )]),
        ),
        (
            json!({ "phone_number": EXTERNAL, "ownership_status": "lost" }),
            422,
            errors(&[(
                "Invalid request body",
                "`ownership_status` must be verified, pending_confirmation, flagged or removed",
                Some("/ownership_status"),
            )]),
        ),
        (
            json!({ "phone_number": EXTERNAL, "ownership_status": "removed", "confirm_by": "2026-01-01T00:00:00Z" }),
            422,
            errors(&[(
                "Invalid request body",
                "`confirm_by` does not apply to `removed`",
                Some("/confirm_by"),
            )]),
        ),
    ];
    for (body, status, expected) in cases {
        assert_eq!(
            env.control("POST", "ownership", Some(body.clone())).await,
            (status, expected),
            "{body}"
        );
    }
    let flagged = env
        .move_ownership(json!({ "phone_number": EXTERNAL, "ownership_status": "flagged", "flag_reason": "reverification_due" }))
        .await;
    assert_eq!(flagged["data"]["ownership_status"], "flagged");
    assert!(
        flagged["data"]["confirm_by"].is_string(),
        "a deadline 72 h ahead"
    );
    let verified = env
        .move_ownership(json!({ "phone_number": EXTERNAL, "ownership_status": "verified" }))
        .await;
    assert_eq!(
        redacted(&verified["data"], TIMES)["flag_reason"],
        Value::Null
    );
}

/// The sandbox's state file as JSON.
fn state(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[tokio::test]
async fn the_webhook_url_is_write_only() {
    let temp = tempfile::tempdir().unwrap();
    let mut config = config(&[]);
    config.state_file = Some(temp.path().join("sandbox.json"));
    let env = Env::start(config).await;
    let none = env.enterprise("Acme Corp").await;
    let url = json!({ "webhook_url": "https://hooks.example.com/telnyx" });
    let path = |id: &str| format!("/enterprises/{id}/reputation/webhook");
    assert_eq!(
        env.call("PATCH", &path(&none), Some(url.clone())).await,
        (404, not_found("Reputation settings"))
    );
    let id = env.enabled("Acme West").await;
    let (_, settings) = env
        .call("GET", &format!("/enterprises/{id}/reputation"), None)
        .await;
    assert_eq!(
        env.call("PATCH", &path(&id), Some(url)).await,
        (200, settings.clone())
    );
    let webhooks = state(&temp.path().join("sandbox.json"))["webhooks"].clone();
    assert_eq!(
        (webhooks.as_object().unwrap().len(), &webhooks[&id]),
        (1, &json!("https://hooks.example.com/telnyx"))
    );
    assert_eq!(
        env.call("GET", &format!("/enterprises/{id}/reputation"), None)
            .await,
        (200, settings.clone())
    );
    let must = errors(&[(
        "Invalid request body",
        "`webhook_url` must be an https:// URL (at most 2048 characters), or null to stop delivery",
        Some("/webhook_url"),
    )]);
    let plain = json!({ "webhook_url": "http://hooks.example.com/telnyx" });
    assert_eq!(
        env.call("PATCH", &path(&id), Some(plain)).await,
        (422, must)
    );
    assert_eq!(
        env.call("PATCH", &path(&id), Some(json!({ "webhook_url": null })))
            .await,
        (200, settings)
    );
    assert_eq!(
        state(&temp.path().join("sandbox.json"))["webhooks"],
        json!({})
    );
    let (_, requests) = env.control("GET", "requests", None).await;
    let keys: Vec<&Value> = requests["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|request| request["method"] == "PATCH" && request["status"] == 200)
        .map(|request| &request["body_keys"])
        .collect();
    assert_eq!(keys, [&json!(["webhook_url"]), &json!(["webhook_url"])]);
}

#[tokio::test]
async fn proofs_tracking_and_webhooks_survive_a_restart() {
    let temp = tempfile::tempdir().unwrap();
    let mut config = config(&[(LOCAL, "local")]);
    config.state_file = Some(temp.path().join("sandbox.json"));
    let env = Env::start(config.clone()).await;
    let id = monitoring_both(&env).await;
    let flag = json!({ "phone_number": EXTERNAL, "ownership_status": "pending_confirmation", "confirm_by": "2099-01-01T00:00:00Z" });
    env.move_ownership(flag).await;
    let webhook = json!({ "webhook_url": "https://hooks.example.com/" });
    env.call(
        "PATCH",
        &format!("/enterprises/{id}/reputation/webhook"),
        Some(webhook),
    )
    .await;
    let proof = format!("/enterprises/{id}/reputation/external_verification");
    let ownership = format!("/enterprises/{id}/reputation/numbers/%2B13125550100/ownership");
    let before = (
        env.call("GET", &proof, None).await,
        env.call("GET", &ownership, None).await,
    );
    env.sandbox.shutdown().await;
    let env = Env::start(config).await;
    let after = (
        env.call("GET", &proof, None).await,
        env.call("GET", &ownership, None).await,
    );
    assert_eq!(
        redacted(&json!([after.0, after.1]), &["last_checked_at"]),
        redacted(&json!([before.0, before.1]), &["last_checked_at"])
    );
    assert_eq!(
        after.1.1["data"]["ownership_status"],
        "pending_confirmation"
    );
    assert_eq!(
        state(&temp.path().join("sandbox.json"))["webhooks"][&id],
        "https://hooks.example.com/"
    );
}

#[tokio::test]
async fn sandbox_serve_rejects_the_proofs_of_reject_external() {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_telrep"))
        .args([
            "sandbox",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--approve-after",
            "0",
        ])
        .args(["--reject-external", "Acme Corp"])
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let base = tokio::task::spawn_blocking(move || {
        use std::io::BufRead as _;
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .unwrap();
        line.trim()
            .strip_prefix("listening on ")
            .unwrap()
            .to_owned()
    })
    .await
    .unwrap();
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let call = async |method: &str, path: &str, body: Value| -> Value {
        let response = http
            .request(method.parse().unwrap(), format!("{base}{path}"))
            .bearer_auth("KEY")
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap();
        check(method, path, status, &body);
        body
    };
    call(
        "POST",
        "/terms_of_service/number_reputation/agree",
        json!({}),
    )
    .await;
    let enterprise = call("POST", "/enterprises", enterprise_body("Acme Corp")).await;
    let id = enterprise["data"]["id"].as_str().unwrap().to_owned();
    use base64::Engine as _;
    let pdf = json!({ "file": base64::engine::general_purpose::STANDARD.encode("%PDF-1.4 proof"), "filename": "proof.pdf" });
    let document = call("POST", "/documents", pdf).await["data"]["id"].clone();
    call(
        "POST",
        &format!("/enterprises/{id}/reputation"),
        json!({ "loa_document_id": document }),
    )
    .await;
    let proof = call(
        "POST",
        &format!("/enterprises/{id}/reputation/external_verification"),
        json!({ "document_ids": [document] }),
    )
    .await;
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        (&proof["data"]["status"], &proof["data"]["rejection_reason"]),
        (
            &json!("rejected"),
            &json!("The documents do not show the enterprise as the holder of the numbers")
        )
    );
}

#[tokio::test]
async fn remediation_requests_over_http_fit_the_documented_shapes() {
    let numbers = ["+12025550111", "+12025550112", "+12025550113"];
    let inventory: Vec<(&str, &str)> = numbers.iter().map(|number| (*number, "local")).collect();
    let mut config = config(&inventory);
    config.rules.approve_after_ms = 0;
    let env = Env::start(config).await;
    let id = env.enabled("Acme Corp").await;
    let (status, body) = env
        .call(
            "POST",
            &format!("/enterprises/{id}/reputation/numbers"),
            Some(json!({ "phone_numbers": numbers })),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    for (number, risk) in numbers.iter().zip(["high", "medium"]) {
        let data = json!({"phone_number": number, "reputation_data": {"spam_risk": risk}});
        assert_eq!(env.control("POST", "reputation", Some(data)).await.0, 200);
    }
    let path = format!("/enterprises/{id}/reputation/remediation");
    let body = json!({
        "phone_numbers": numbers, "call_purpose": "appointment reminders",
        "contact_email": "ops@example.com", "webhook_url": "https://hooks.example.com/remediation",
    });
    let (status, accepted) = env.call("POST", &path, Some(body)).await;
    assert_eq!(status, 202, "{accepted}");
    let request = accepted["data"]["id"].as_str().unwrap().to_owned();
    let mut expected = accepted["data"].clone();
    assert_eq!(
        (
            &expected["status"],
            &expected["results"],
            &expected["phone_numbers_submitted"]
        ),
        (&json!("pending"), &Value::Null, &json!(2))
    );
    // Approved at once: the first read finds it completed, one bucket per number.
    let (status, read) = env.call("GET", &format!("{path}/{request}"), None).await;
    assert_eq!(status, 200, "{read}");
    expected["status"] = json!("completed");
    expected["results"] = json!({
        "remediated": [numbers[0]], "requires_review": [numbers[1]], "not_flagged": [],
        "ineligible": [numbers[2]], "refused": []
    });
    for field in ["tier1_completed_at", "tier2_completed_at", "updated_at"] {
        expected[field] = read["data"][field].clone();
    }
    assert_eq!(read["data"], expected);
    let (status, list) = env
        .call("GET", &format!("{path}?filter[status]=completed"), None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(list["meta"]["total_results"], 1);
    assert_eq!(list["data"][0]["id"], json!(request));
    // The refusals, each in the documented shape.
    let (status, body) = env
        .call(
            "POST",
            &path,
            Some(json!({"phone_numbers": ["+12025550199"], "call_purpose": "x"})),
        )
        .await;
    assert_eq!(
        (status, body),
        (
            422,
            errors(&[(
                "Invalid request body",
                "`+12025550199` is not monitored by this enterprise",
                Some("/phone_numbers/0")
            )])
        )
    );
    let (status, _) = env.call("GET", &format!("{path}/missing"), None).await;
    assert_eq!(status, 404);
    let other = env.enterprise("Initech").await;
    let (status, _) = env
        .call(
            "POST",
            &format!("/enterprises/{other}/reputation/remediation"),
            Some(json!({"phone_numbers": [numbers[0]], "call_purpose": "x"})),
        )
        .await;
    assert_eq!(status, 404, "no settings");
    let (status, _) = env
        .call(
            "GET",
            &format!("/enterprises/{other}/reputation/remediation/{request}"),
            None,
        )
        .await;
    assert_eq!(status, 404, "another enterprise's request");
    let (status, billing) = env.control("GET", "billing", None).await;
    assert_eq!(status, 200);
    assert_eq!(billing["data"]["remediations"], 2);
}
