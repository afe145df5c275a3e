//! The sandbox's rules: each asserts the status code, the error body, and the state after.
//! Every response body is also checked against Telnyx's official schema (`support::api`).

use serde_json::{Value, json};
use telrep::sandbox::SandboxConfig;

use crate::support::api::{Env, acme, config_with_inventory, eventually};

/// Each error entry as `(title, detail, pointer or parameter)`.
fn errors(body: &Value) -> Vec<(String, String, String)> {
    body["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("not an error body: {body}"))
        .iter()
        .map(|entry| {
            let source = entry["source"]["pointer"]
                .as_str()
                .or_else(|| entry["source"]["parameter"].as_str())
                .unwrap_or_default();
            (
                entry["title"].as_str().unwrap().to_owned(),
                entry["detail"].as_str().unwrap().to_owned(),
                source.to_owned(),
            )
        })
        .collect()
}

fn error(title: &str, detail: &str, source: &str) -> (String, String, String) {
    (title.to_owned(), detail.to_owned(), source.to_owned())
}

#[tokio::test]
async fn bearer_auth() {
    let env = Env::start(SandboxConfig::local()).await;
    let (status, body) = env.call_with("GET", "/enterprises", None, None).await;
    assert_eq!(status, 401);
    assert_eq!(
        errors(&body),
        [error(
            "Authentication failed",
            "send `Authorization: Bearer <API key>`",
            ""
        )]
    );
    assert_eq!(
        env.call_with("GET", "/enterprises", None, Some("any-key"))
            .await
            .0,
        200
    );
}

#[tokio::test]
async fn terms_gate_reputation_calls_and_agreeing_is_idempotent() {
    let env = Env::start(config_with_inventory(&[])).await;
    let (_, enterprise) = env.call("POST", "/enterprises", Some(acme())).await;
    let id = enterprise["data"]["id"].as_str().unwrap().to_owned();
    let (status, body) = env
        .call("GET", &format!("/enterprises/{id}/reputation"), None)
        .await;
    assert_eq!(status, 403);
    assert_eq!(
        errors(&body),
        [error(
            "Terms of service not accepted",
            "Agree to the Number Reputation terms of service first: POST /terms_of_service/number_reputation/agree",
            ""
        )]
    );
    let (status, before) = env
        .call(
            "GET",
            "/terms_of_service/status?product_type=number_reputation",
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(before["data"]["agreement_required"], true);
    assert_eq!(before["data"]["has_agreed"], false);
    assert_eq!(before["data"]["agreed_version"], Value::Null);
    let (status, first) = env
        .call("POST", "/terms_of_service/number_reputation/agree", None)
        .await;
    assert_eq!(status, 201);
    assert_eq!(first["data"]["version"], first["data"]["terms_version"]);
    let (status, second) = env
        .call("POST", "/terms_of_service/number_reputation/agree", None)
        .await;
    assert_eq!((status, &second), (201, &first));
    let (_, after) = env
        .call(
            "GET",
            "/terms_of_service/status?product_type=number_reputation",
            None,
        )
        .await;
    assert_eq!(after["data"]["agreement_required"], false);
    assert_eq!(
        after["data"]["agreed_version"],
        telrep::sandbox::CURRENT_TERMS_VERSION
    );
    // The default product is branded_calling, which was not agreed.
    let (_, branded) = env.call("GET", "/terms_of_service/status", None).await;
    assert_eq!(branded["data"]["product_type"], "branded_calling");
    assert_eq!(branded["data"]["agreement_required"], true);
    let (_, agreements) = env
        .call(
            "GET",
            "/terms_of_service/agreements?product_type=number_reputation",
            None,
        )
        .await;
    assert_eq!(agreements["data"].as_array().unwrap().len(), 1);
    assert_eq!(
        env.call("GET", &format!("/enterprises/{id}/reputation"), None)
            .await
            .0,
        404
    );
}

#[tokio::test]
async fn create_enterprise_reports_every_bad_field() {
    let env = Env::start(SandboxConfig::local()).await;
    let mut body = acme();
    let object = body.as_object_mut().unwrap();
    object.remove("fein");
    object.remove("website");
    object.insert("legal_name".to_owned(), json!("AC"));
    object.insert("industry".to_owned(), json!("customer_service"));
    object.insert("colour".to_owned(), json!("blue"));
    let (status, response) = env.call("POST", "/enterprises", Some(body)).await;
    assert_eq!(status, 422);
    assert_eq!(
        errors(&response),
        [
            error(
                "Invalid value",
                "`legal_name` must be 3 to 64 characters",
                "/body/legal_name"
            ),
            error(
                "Missing required field",
                "`website` is required",
                "/body/website"
            ),
            error("Missing required field", "`fein` is required", "/body/fein"),
            error(
                "Invalid value",
                "`customer_service` is not an industry",
                "/body/industry"
            ),
            error(
                "Unknown field",
                "`colour` is not a field of an enterprise",
                "/body/colour"
            ),
        ]
    );
    let (_, listed) = env.call("GET", "/enterprises", None).await;
    assert_eq!(listed["meta"]["total_results"], 0);
}

#[tokio::test]
async fn create_get_update_and_duplicates() {
    let env = Env::start(SandboxConfig::local()).await;
    let (status, created) = env.call("POST", "/enterprises", Some(acme())).await;
    assert_eq!(status, 201);
    let data = &created["data"];
    let id = data["id"].as_str().unwrap();
    assert_eq!(data["legal_name"], "Acme Corp");
    assert_eq!(data["number_reputation_enabled"], false);
    assert_eq!(data["corporate_registration_number"], Value::Null);
    assert!(
        data.get("customer_reference").is_none(),
        "absent when never set, never null"
    );
    let (status, duplicate) = env.call("POST", "/enterprises", Some(acme())).await;
    assert_eq!(status, 409);
    assert_eq!(
        errors(&duplicate),
        [error(
            "Enterprise already exists",
            "an enterprise with legal_name `Acme Corp` already exists",
            ""
        )]
    );
    let (status, fetched) = env.call("GET", &format!("/enterprises/{id}"), None).await;
    assert_eq!((status, &fetched["data"]), (200, data));
    let missing = "00000000-0000-4000-8000-000000000000";
    assert_eq!(
        env.call("GET", &format!("/enterprises/{missing}"), None)
            .await
            .0,
        404
    );
    let (status, refused) = env
        .call(
            "PUT",
            &format!("/enterprises/{id}"),
            Some(json!({"country_code": "CA", "role_type": "bpo", "website": "https://acme.org"})),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        errors(&refused),
        [
            error(
                "Field not allowed",
                "Field 'country_code' is not allowed in this request",
                "/body/country_code"
            ),
            error(
                "Field not allowed",
                "Field 'role_type' is not allowed in this request",
                "/body/role_type"
            ),
        ]
    );
    let (status, updated) = env
        .call(
            "PUT",
            &format!("/enterprises/{id}"),
            Some(json!({"website": "https://acme.org", "customer_reference": "ops-42"})),
        )
        .await;
    assert_eq!(status, 200);
    let mut expected = data.clone();
    expected["website"] = json!("https://acme.org");
    expected["customer_reference"] = json!("ops-42");
    expected["updated_at"] = updated["data"]["updated_at"].clone();
    assert_eq!(updated["data"], expected);
}

#[tokio::test]
async fn enterprise_listing_filters_and_pages() {
    let env = Env::start(SandboxConfig::local()).await;
    for index in 0..12 {
        let mut body = acme();
        body["legal_name"] = json!(format!("Acme Branch {index:02}"));
        assert_eq!(env.call("POST", "/enterprises", Some(body)).await.0, 201);
    }
    let mut other = acme();
    other["legal_name"] = json!("Globex");
    env.call("POST", "/enterprises", Some(other)).await;
    let (_, first) = env.call("GET", "/enterprises", None).await;
    assert_eq!(
        first["meta"],
        json!({"page_number": 1, "page_size": 10, "total_pages": 2, "total_results": 13})
    );
    let (_, filtered) = env
        .call(
            "GET",
            "/enterprises?legal_name=acme%20branch&page[size]=5&page[number]=3",
            None,
        )
        .await;
    assert_eq!(
        filtered["meta"],
        json!({"page_number": 3, "page_size": 2, "total_pages": 3, "total_results": 12})
    );
    let (_, contains) = env
        .call(
            "GET",
            "/enterprises?filter%5Blegal_name%5D%5Bcontains%5D=GLOB",
            None,
        )
        .await;
    let names: Vec<&str> = contains["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["legal_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Globex"]);
    let (_, clamped) = env
        .call("GET", "/enterprises?page%5Bsize%5D=1000", None)
        .await;
    assert_eq!(
        clamped["meta"],
        json!({"page_number": 1, "page_size": 13, "total_pages": 1, "total_results": 13})
    );
    let (_, past) = env.call("GET", "/enterprises?page[number]=9", None).await;
    assert_eq!(
        past,
        json!({"data": [], "meta": {"page_number": 9, "page_size": 0, "total_pages": 2, "total_results": 13}})
    );
    let (status, bad) = env.call("GET", "/enterprises?page[size]=zero", None).await;
    assert_eq!(status, 400);
    assert_eq!(
        errors(&bad),
        [error(
            "Invalid parameter",
            "`page[size]` must be a positive integer, got `zero`",
            "page[size]"
        )]
    );
}

#[tokio::test]
async fn enable_vetting_frequency_loa_and_disable() {
    let mut config = config_with_inventory(&["+12025550101", "+12025550102"]);
    config.rules.approve_after_ms = 1_500;
    let env = Env::start(config).await;
    let (id, document) = env.enabled_enterprise().await;
    let path = format!("/enterprises/{id}/reputation");
    let (status, settings) = env.call("GET", &path, None).await;
    assert_eq!(status, 200);
    assert_eq!(
        (
            settings["data"]["status"].as_str(),
            settings["data"]["loa_status"].as_str(),
            settings["data"]["check_frequency"].as_str()
        ),
        (Some("pending"), Some("pending"), Some("business_daily"))
    );
    let (status, again) = env
        .call("POST", &path, Some(json!({"loa_document_id": document})))
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        errors(&again),
        [error(
            "Already enabled",
            "Number Reputation is already enabled for this enterprise",
            ""
        )]
    );
    let (status, early) = env
        .call(
            "PATCH",
            &format!("{path}/frequency"),
            Some(json!({"check_frequency": "daily"})),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        errors(&early),
        [error(
            "Not approved",
            "the frequency can be changed once vetting is approved; status is `pending`",
            ""
        )]
    );
    let (status, early_add) = env
        .call(
            "POST",
            &format!("{path}/numbers"),
            Some(json!({"phone_numbers": ["+12025550101"]})),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        errors(&early_add),
        [error(
            "Not approved",
            "numbers can be added once vetting and the LOA are approved; status is `pending`, loa_status is `pending`",
            ""
        )]
    );
    // An LOA PATCH while pending is allowed and restarts the review.
    let second = env.upload_loa().await;
    let (status, patched) = env
        .call(
            "PATCH",
            &format!("{path}/loa"),
            Some(json!({"loa_document_id": second})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(patched["data"]["loa_document_id"], json!(second));
    assert_eq!(patched["data"]["loa_status"], "pending");
    eventually(20, || async {
        let (_, settings) = env.call("GET", &path, None).await;
        settings["data"]["status"] == "approved" && settings["data"]["loa_status"] == "approved"
    })
    .await;
    let (status, approved_patch) = env
        .call(
            "PATCH",
            &format!("{path}/loa"),
            Some(json!({"loa_document_id": document})),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        errors(&approved_patch),
        [error(
            "LOA already approved",
            "The authorization document cannot be changed after it has been approved.",
            ""
        )]
    );
    let (status, frequency) = env
        .call(
            "PATCH",
            &format!("{path}/frequency"),
            Some(json!({"check_frequency": "daily"})),
        )
        .await;
    assert_eq!(
        (status, frequency["data"]["check_frequency"].as_str()),
        (200, Some("daily"))
    );
    let (status, _) = env
        .call(
            "POST",
            &format!("{path}/numbers"),
            Some(json!({"phone_numbers": ["+12025550101", "+12025550102"]})),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(env.call("DELETE", &path, None).await.0, 204);
    assert_eq!(env.call("GET", &path, None).await.0, 404);
    let (_, remaining) = env.call("GET", "/reputation/numbers", None).await;
    assert_eq!(
        remaining["meta"]["total_results"], 0,
        "disable de-registers every number"
    );
    assert_eq!(env.call("DELETE", &path, None).await.0, 404);
    let (_, enterprise) = env.call("GET", &format!("/enterprises/{id}"), None).await;
    assert_eq!(enterprise["data"]["number_reputation_enabled"], false);
    assert_eq!(env.billing().await["enable"], 1);
}

#[tokio::test]
async fn enable_refuses_an_unknown_document_and_frequency() {
    let env = Env::start(SandboxConfig::local()).await;
    env.call("POST", "/terms_of_service/number_reputation/agree", None)
        .await;
    let (_, enterprise) = env.call("POST", "/enterprises", Some(acme())).await;
    let id = enterprise["data"]["id"].as_str().unwrap();
    let missing = "11111111-1111-4111-8111-111111111111";
    let (status, body) = env
        .call(
            "POST",
            &format!("/enterprises/{id}/reputation"),
            Some(json!({"loa_document_id": missing, "check_frequency": "hourly"})),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(
        errors(&body),
        [
            error(
                "Invalid LOA document",
                &format!("no document `{missing}`: upload the LOA with POST /documents first"),
                "/body/loa_document_id"
            ),
            error(
                "Invalid value",
                "`\"hourly\"` is not a check_frequency",
                "/body/check_frequency"
            ),
        ]
    );
    assert_eq!(env.billing().await["enable"], 0);
}

#[tokio::test]
async fn rejected_vetting_carries_reasons() {
    let mut config = SandboxConfig::local();
    config.rules.reject = vec!["Acme Corp".to_owned()];
    let env = Env::start(config).await;
    let (id, _) = env.enabled_enterprise().await;
    let (_, settings) = env
        .call("GET", &format!("/enterprises/{id}/reputation"), None)
        .await;
    assert_eq!(settings["data"]["status"], "rejected");
    assert_eq!(
        settings["data"]["rejection_reasons"],
        json!([
            "The business could not be verified from the details provided",
            "The Letter of Authorization does not match the enterprise"
        ])
    );
}

#[tokio::test]
async fn adding_numbers_is_atomic_and_checked_number_by_number() {
    let mut config = config_with_inventory(&[
        "+12025550101",
        "+12025550102",
        "+12025550103",
        "+12025550104",
    ]);
    config
        .inventory
        .push(("+12025550105".to_owned(), "mobile".to_owned()));
    config.rules.refuse.insert("+12025550104".to_owned());
    let env = Env::start(config).await;
    let (id, _) = env.enabled_enterprise().await;
    let path = format!("/enterprises/{id}/reputation/numbers");
    assert_eq!(
        env.call(
            "POST",
            &path,
            Some(json!({"phone_numbers": ["+12025550103"]}))
        )
        .await
        .0,
        201
    );
    let batch = json!({"phone_numbers": ["+12025550101", "2025550102", "+12025550105", "+13125550100", "+12025550103", "+12025550104", "+12025550101"]});
    let (status, body) = env.call("POST", &path, Some(batch)).await;
    assert_eq!(status, 400);
    assert_eq!(
        errors(&body),
        [
            error(
                "Invalid phone number",
                "`2025550102` is not an E.164 US number (+1 and ten digits)",
                "/body/phone_numbers/1"
            ),
            error(
                "Invalid phone number",
                "`+12025550105` is a `mobile` number, not a local or toll-free one",
                "/body/phone_numbers/2"
            ),
            error(
                "Invalid phone number",
                "`+13125550100` is not in this account's inventory, and numbers hosted elsewhere need an approved external verification: none was submitted",
                "/body/phone_numbers/3"
            ),
            error(
                "Invalid phone number",
                &format!("`+12025550103` is already monitored by enterprise `{id}`"),
                "/body/phone_numbers/4"
            ),
            error(
                "Invalid phone number",
                "`+12025550104` is not eligible for Number Reputation",
                "/body/phone_numbers/5"
            ),
            error(
                "Invalid phone number",
                "`+12025550101` is listed twice in this request",
                "/body/phone_numbers/6"
            ),
        ]
    );
    let (_, listed) = env.call("GET", &path, None).await;
    assert_eq!(
        listed["meta"]["total_results"], 1,
        "nothing of a refused batch is added"
    );
    let too_many: Vec<String> = (0..101)
        .map(|index| format!("+1202555{index:04}"))
        .collect();
    let (status, body) = env
        .call("POST", &path, Some(json!({"phone_numbers": too_many})))
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        errors(&body),
        [error(
            "Invalid request body",
            "send 1 to 100 numbers per request, not 101",
            "/body/phone_numbers"
        )]
    );
    let (status, body) = env
        .call("POST", &path, Some(json!({"phone_numbers": [], "x": 1})))
        .await;
    assert_eq!(status, 422);
    assert_eq!(
        errors(&body),
        [error(
            "Invalid request body",
            "`x` is not allowed",
            "/body/x"
        )]
    );
    let (status, added) = env
        .call(
            "POST",
            &path,
            Some(json!({"phone_numbers": ["+12025550101", "+12025550102"]})),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(
        added["meta"],
        json!({"page_number": 1, "page_size": 2, "total_pages": 1, "total_results": 2})
    );
    assert_eq!(added["data"][0]["reputation_data"], Value::Null);
    assert_eq!(env.billing().await["numbers_added"], 3);
}

#[tokio::test]
async fn numbers_listing_paths_lookups_and_billing() {
    let inventory: Vec<String> = (0..23)
        .map(|index| format!("+1202555{:04}", 100 + index))
        .collect();
    let inventory_refs: Vec<&str> = inventory.iter().map(String::as_str).collect();
    let env = Env::start(config_with_inventory(&inventory_refs)).await;
    let (id, _) = env.enabled_enterprise().await;
    let path = format!("/enterprises/{id}/reputation/numbers");
    assert_eq!(
        env.call("POST", &path, Some(json!({"phone_numbers": inventory})))
            .await
            .0,
        201
    );
    let (_, first) = env.call("GET", &path, None).await;
    assert_eq!(
        first["meta"],
        json!({"page_number": 1, "page_size": 10, "total_pages": 3, "total_results": 23})
    );
    let (_, simplified) = env.call("GET", "/reputation/numbers", None).await;
    assert_eq!(
        simplified["meta"],
        json!({"page_number": 1, "page_size": 20, "total_pages": 2, "total_results": 23})
    );
    let (_, equal) = env
        .call(
            "GET",
            &format!("{path}?filter[phone_number][eq]=%2B12025550105"),
            None,
        )
        .await;
    assert_eq!(equal["meta"]["total_results"], 1);
    let (_, contains) = env
        .call(
            "GET",
            &format!("{path}?filter%5Bphone_number%5D%5Bcontains%5D=555012"),
            None,
        )
        .await;
    assert_eq!(contains["meta"]["total_results"], 3);
    let (status, short) = env
        .call(
            "GET",
            &format!("{path}?filter[phone_number][contains]=555"),
            None,
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        errors(&short),
        [error(
            "Invalid parameter",
            "`filter[phone_number][contains]` needs at least 5 digits",
            "filter[phone_number][contains]"
        )]
    );
    // A literal `+` and `%2B` name the same number.
    let (status, looked_up) = env.call("GET", &format!("{path}/+12025550100"), None).await;
    assert_eq!(status, 200);
    let data = looked_up["data"]["reputation_data"].clone();
    assert!(
        data.is_object(),
        "the first lookup fills the cache: {looked_up}"
    );
    let (_, again) = env
        .call("GET", &format!("{path}/%2B12025550100"), None)
        .await;
    assert_eq!(
        again["data"]["reputation_data"], data,
        "deterministic per number and seed"
    );
    env.call("GET", &format!("{path}/%2B12025550100?fresh=true"), None)
        .await;
    env.call("GET", "/reputation/numbers/%2B12025550101", None)
        .await;
    let (status, refreshed) = env
        .call(
            "POST",
            &format!("{path}/refresh"),
            Some(json!({"phone_numbers": ["+12025550102", "+19995550000"]})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        (
            refreshed["data"]["total_requested"].as_u64(),
            refreshed["data"]["total_successful"].as_u64(),
            refreshed["data"]["total_failed"].as_u64()
        ),
        (Some(2), Some(1), Some(1))
    );
    assert_eq!(
        env.billing().await,
        json!({"enable": 1, "numbers_added": 23, "fresh_lookups": 1, "first_lookups": 2, "refreshes": 1, "remediations": 0})
    );
    assert_eq!(
        env.call("DELETE", &format!("{path}/+12025550100"), None)
            .await
            .0,
        204
    );
    let (status, gone) = env
        .call("DELETE", &format!("{path}/%2B12025550100"), None)
        .await;
    assert_eq!(status, 404);
    assert_eq!(
        errors(&gone),
        [error("Resource not found", "Phone number not found", "")]
    );
    assert_eq!(
        env.call("DELETE", "/reputation/numbers/%2B12025550101", None)
            .await
            .0,
        204
    );
    assert_eq!(
        env.call("GET", "/reputation/numbers/%2B12025550101", None)
            .await
            .0,
        404
    );
    let (_, left) = env.call("GET", &path, None).await;
    assert_eq!(left["meta"]["total_results"], 21);
}

#[tokio::test]
async fn number_lookup_is_forbidden_until_approved() {
    let mut config = config_with_inventory(&["+12025550101"]);
    config.rules.approve_after_ms = 60_000;
    let env = Env::start(config).await;
    let (id, _) = env.enabled_enterprise().await;
    let (status, body) = env
        .call(
            "GET",
            &format!("/enterprises/{id}/reputation/numbers/%2B12025550101"),
            None,
        )
        .await;
    assert_eq!(status, 403);
    assert_eq!(
        errors(&body),
        [error(
            "Not approved",
            "reputation data is available once vetting is approved",
            ""
        )]
    );
}

#[tokio::test]
async fn documents_json_and_multipart() {
    let env = Env::start(SandboxConfig::local()).await;
    let document = env.upload_loa().await;
    let (status, fetched) = env
        .call("GET", &format!("/documents/{document}"), None)
        .await;
    assert_eq!(status, 200);
    let pdf = std::fs::read(crate::support::root().join("examples/loa/acme-signed.pdf")).unwrap();
    use sha2::Digest as _;
    let digest: String = sha2::Sha256::digest(&pdf)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    assert_eq!(fetched["data"]["sha256"], json!(digest));
    assert_eq!(
        fetched["data"]["size"],
        json!({"amount": pdf.len(), "unit": "bytes"})
    );
    assert_eq!(fetched["data"]["filename"], "acmeloa.pdf");
    assert_eq!(fetched["data"]["content_type"], "application/pdf");
    let form = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(pdf.clone()).file_name("signed loa.pdf"),
        )
        .text("customer_reference", "acme-2026");
    let response = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .post(format!("{}/documents", env.base()))
        .bearer_auth("KEY")
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    crate::support::api::check_against_openapi("POST", "/documents", 200, &body);
    assert_eq!(body["data"]["sha256"], json!(digest));
    assert_eq!(body["data"]["customer_reference"], "acme-2026");
    let (_, listed) = env
        .call(
            "GET",
            "/documents?filter[customer_reference][eq]=acme-2026",
            None,
        )
        .await;
    assert_eq!(listed["meta"]["total_results"], 1);
    let (_, by_name) = env
        .call("GET", "/documents?filter[filename][contains]=loa", None)
        .await;
    assert_eq!(by_name["meta"]["total_results"], 2);
    assert_eq!(
        env.call(
            "GET",
            "/documents/22222222-2222-4222-8222-222222222222",
            None
        )
        .await
        .0,
        404
    );
    let (status, body) = env
        .call(
            "POST",
            "/documents",
            Some(json!({"url": "https://example.com/loa.pdf"})),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(
        errors(&body),
        [error(
            "Unsupported in the sandbox",
            "the sandbox never fetches URLs; upload the file itself as base64 in `file`",
            ""
        )]
    );
}

#[tokio::test]
async fn inventory_listing_and_control_endpoints() {
    let mut config = config_with_inventory(&["+12025550101", "+13125550100"]);
    config
        .inventory
        .push(("+18005550100".to_owned(), "toll_free".to_owned()));
    let env = Env::start(config).await;
    let (status, all) = env.call("GET", "/phone_numbers", None).await;
    assert_eq!(status, 200);
    assert_eq!(all["meta"]["total_results"], 3);
    let item = &all["data"][0];
    for field in [
        "id",
        "record_type",
        "phone_number",
        "country_iso_alpha2",
        "status",
        "tags",
        "external_pin",
        "created_at",
        "phone_number_type",
        "purchased_at",
        "deletion_lock_enabled",
    ] {
        assert!(
            item.get(field).is_some(),
            "inventory items always have `{field}`: {item}"
        );
    }
    let (_, digits) = env
        .call(
            "GET",
            "/phone_numbers?filter[phone_number]=2025550101",
            None,
        )
        .await;
    assert_eq!(digits["meta"]["total_results"], 1);
    let (_, plus) = env
        .call(
            "GET",
            "/phone_numbers?filter[phone_number]=%2B12025550101",
            None,
        )
        .await;
    assert_eq!(plus["meta"]["total_results"], 0, "a `+` matches nothing");
    let (_, toll_free) = env
        .call(
            "GET",
            "/phone_numbers?filter[number_type][eq]=toll_free",
            None,
        )
        .await;
    assert_eq!(toll_free["data"][0]["phone_number"], "+18005550100");
    assert_eq!(
        env.inventory("POST", &["+14155550100", "+12025550101"], "local")
            .await,
        json!({"data": {"changed": 1}})
    );
    assert_eq!(
        env.inventory("DELETE", &["+13125550100"], "local").await,
        json!({"data": {"changed": 1}})
    );
    let (_, after) = env
        .call(
            "GET",
            "/phone_numbers?filter[country_iso_alpha2]=US&filter[status]=active",
            None,
        )
        .await;
    let numbers: Vec<&str> = after["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["phone_number"].as_str().unwrap())
        .collect();
    assert_eq!(numbers, ["+12025550101", "+18005550100", "+14155550100"]);
    assert_eq!(
        env.requests().await,
        [
            (
                "GET".to_owned(),
                "/v2/phone_numbers".to_owned(),
                String::new(),
                200
            ),
            (
                "GET".to_owned(),
                "/v2/phone_numbers".to_owned(),
                "filter[phone_number]=2025550101".to_owned(),
                200
            ),
            (
                "GET".to_owned(),
                "/v2/phone_numbers".to_owned(),
                "filter[phone_number]=%2B12025550101".to_owned(),
                200
            ),
            (
                "GET".to_owned(),
                "/v2/phone_numbers".to_owned(),
                "filter[number_type][eq]=toll_free".to_owned(),
                200
            ),
            (
                "GET".to_owned(),
                "/v2/phone_numbers".to_owned(),
                "filter[country_iso_alpha2]=US&filter[status]=active".to_owned(),
                200
            ),
        ]
    );
    env.clear_requests().await;
    assert_eq!(env.requests().await, []);
}

#[tokio::test]
async fn state_survives_a_restart() {
    let temp = tempfile::tempdir().unwrap();
    let mut config = config_with_inventory(&["+12025550101"]);
    config.state_file = Some(temp.path().join("sandbox.json"));
    let env = Env::start(config.clone()).await;
    let (id, _) = env.enabled_enterprise().await;
    env.call(
        "POST",
        &format!("/enterprises/{id}/reputation/numbers"),
        Some(json!({"phone_numbers": ["+12025550101"]})),
    )
    .await;
    env.sandbox.shutdown().await;
    let env = Env::start(config).await;
    let (status, numbers) = env
        .call(
            "GET",
            &format!("/enterprises/{id}/reputation/numbers"),
            None,
        )
        .await;
    assert_eq!(
        (status, numbers["meta"]["total_results"].as_u64()),
        (200, Some(1))
    );
    assert_eq!(env.billing().await["numbers_added"], 1);
    let (_, second) = env
        .call(
            "POST",
            "/enterprises",
            Some({
                let mut body = acme();
                body["legal_name"] = json!("Acme West");
                body
            }),
        )
        .await;
    assert_ne!(
        second["data"]["id"],
        json!(id),
        "ids keep counting after a restart"
    );
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after_before_any_write() {
    let mut config = SandboxConfig::local();
    config.faults.rate_limit = Some(2);
    let env = Env::start(config).await;
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let mut statuses = Vec::new();
    let mut windows = Vec::new();
    let mut limited = None;
    for _ in 0..4 {
        let response = http
            .post(format!(
                "{}/terms_of_service/number_reputation/agree",
                env.base()
            ))
            .bearer_auth("KEY")
            .send()
            .await
            .unwrap();
        statuses.push(response.status().as_u16());
        // Every answer, not only a 429, says where the window stands.
        let header = |name: &str| response.headers()[name].to_str().unwrap().to_owned();
        windows.push((
            response.status().as_u16(),
            header("x-ratelimit-limit"),
            header("x-ratelimit-remaining"),
            header("x-ratelimit-reset"),
        ));
        if response.status() == 429 {
            let headers = response.headers().clone();
            let body: Value = response.json().await.unwrap();
            // The exact wait beside the whole seconds: the window's end.
            let exact: u64 = headers["retry-after-ms"].to_str().unwrap().parse().unwrap();
            assert!((1..=1000).contains(&exact), "{exact}");
            limited = Some((
                headers["retry-after"].to_str().unwrap().to_owned(),
                headers["x-ratelimit-limit"].to_str().unwrap().to_owned(),
                headers["x-ratelimit-remaining"]
                    .to_str()
                    .unwrap()
                    .to_owned(),
                body["errors"][0]["code"].as_str().unwrap().to_owned(),
            ));
        }
    }
    // Two a second pass: six quick requests span at most two one-second windows, so two to
    // four pass and the rest are refused.
    let passed = statuses.iter().filter(|status| **status == 201).count();
    assert!(
        (2..=4).contains(&passed) && statuses.contains(&429),
        "{statuses:?}"
    );
    // The reset is the time left in the one-second window, in seconds to the millisecond.
    for (_, _, _, reset) in &windows {
        let (seconds, milliseconds) = reset.split_once('.').unwrap();
        let reset = seconds.parse::<u64>().unwrap() * 1000 + milliseconds.parse::<u64>().unwrap();
        assert!(
            milliseconds.len() == 3 && (1..=1000).contains(&reset),
            "{windows:?}"
        );
    }
    let first = |status: u16, remaining: &str| (status, "2".to_owned(), remaining.to_owned());
    let windows: Vec<_> = windows
        .into_iter()
        .map(|(status, limit, remaining, _)| (status, limit, remaining))
        .collect();
    assert_eq!(
        windows[0],
        first(201, "1"),
        "a fresh window has one left after the first"
    );
    for window in &windows {
        let allowed = [first(201, "1"), first(201, "0"), first(429, "0")];
        assert!(allowed.contains(window), "{windows:?}");
    }
    // A request without a key is refused (401, or 429 while this second's window is
    // spent), and still told where the window stands.
    let response = http
        .get(format!("{}/enterprises", env.base()))
        .send()
        .await
        .unwrap();
    assert!([401, 429].contains(&response.status().as_u16()));
    assert_eq!(response.headers()["x-ratelimit-limit"], "2");
    assert_eq!(
        limited,
        Some((
            "1".to_owned(),
            "2".to_owned(),
            "0".to_owned(),
            "10011".to_owned()
        ))
    );
}

#[tokio::test]
async fn the_sandbox_for_manifests_holds_their_numbers() {
    let temp = tempfile::tempdir().unwrap();
    for entry in ["acme.yaml", "numbers", "loa"] {
        let source = crate::support::root().join("examples").join(entry);
        if source.is_dir() {
            std::fs::create_dir_all(temp.path().join(entry)).unwrap();
            for file in std::fs::read_dir(&source).unwrap() {
                let file = file.unwrap();
                std::fs::copy(file.path(), temp.path().join(entry).join(file.file_name())).unwrap();
            }
        } else {
            std::fs::copy(&source, temp.path().join(entry)).unwrap();
        }
    }
    let desired =
        telrep::manifest::load(&temp.path().join("acme.yaml"), Default::default()).unwrap();
    let config = SandboxConfig::for_manifests(std::slice::from_ref(&desired));
    assert_eq!(
        config.state_file,
        Some(temp.path().join(".telrep/sandbox.json"))
    );
    assert_eq!(config.rules.approve_after_ms, 1_000);
    assert!(config.listen.ip().is_loopback());
    let env = Env::start(config).await;
    let (_, listed) = env
        .call("GET", "/phone_numbers?filter[number_type][eq]=local", None)
        .await;
    assert_eq!(listed["meta"]["total_results"], 302);
    assert!(temp.path().join(".telrep/sandbox.json").exists());
}

#[tokio::test]
async fn injected_errors_strike_before_or_after_the_write() {
    let temp = tempfile::tempdir().unwrap();
    let mut config = SandboxConfig::local();
    config.faults.error_rate = 1.0;
    config.rules.seed = 3;
    config.state_file = Some(temp.path().join("state.json"));
    let env = Env::start(config).await;
    for _ in 0..20 {
        let (status, body) = env
            .call("POST", "/terms_of_service/number_reputation/agree", None)
            .await;
        assert_eq!(status, 500);
        assert_eq!(
            errors(&body),
            [error(
                "Unexpected error",
                "sandbox: injected server error",
                ""
            )]
        );
    }
    let statuses: Vec<u16> = env
        .requests()
        .await
        .into_iter()
        .map(|(_, _, _, status)| status)
        .collect();
    assert_eq!(statuses, [500; 20]);
    // Some of the twenty struck after the (idempotent) agreement was recorded.
    let state: Value =
        serde_json::from_str(&std::fs::read_to_string(temp.path().join("state.json")).unwrap())
            .unwrap();
    assert_eq!(state["agreements"].as_array().unwrap().len(), 1);
}
