//! Records real response bodies for the `responses` fuzz target's seed corpus: drives the
//! in-process sandbox (`telrep::sandbox`) through every call the client makes, and writes
//! each answer as a seed, `[call, status, body]` in the target's layout (see
//! fuzz_targets/responses.rs). Run by seed.sh:
//!
//!     cargo run --manifest-path fuzz/Cargo.toml --example record_responses -- DIR

use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde_json::{Value, json};
use telrep::sandbox::{Sandbox, SandboxConfig};

/// The `responses` target's statuses, in its order (byte 1 indexes them).
const STATUSES: [u16; 12] = [200, 200, 200, 201, 202, 302, 400, 401, 404, 409, 422, 500];
const KEY: &str = "KEYsuper-secret-0123456789";

struct Recorder {
    http: reqwest::Client,
    base: String,
    out: PathBuf,
    count: usize,
}

impl Recorder {
    /// `METHOD /v2{path}`: the status and the raw body.
    async fn raw(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        accept: &str,
    ) -> (u16, Vec<u8>) {
        let mut request = self
            .http
            .request(method.parse().unwrap(), format!("{}{path}", self.base))
            .bearer_auth(KEY)
            .header("accept", accept);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.bytes().await.unwrap().to_vec())
    }

    fn save(&mut self, calls: &[u8], status: u16, parts: &[&[u8]]) {
        let status = STATUSES
            .iter()
            .position(|known| *known == status)
            .unwrap_or(0) as u8;
        for call in calls {
            let mut seed = vec![*call, status];
            for (index, part) in parts.iter().enumerate() {
                if index > 0 {
                    seed.push(0x1e);
                }
                seed.extend_from_slice(part);
            }
            self.count += 1;
            std::fs::write(
                self.out
                    .join(format!("sandbox-{:03}-call{call}", self.count)),
                seed,
            )
            .unwrap();
        }
    }

    /// Calls `METHOD path` and saves the answer as a seed of each of `calls`; the body.
    async fn record(
        &mut self,
        calls: &[u8],
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Value {
        let (status, bytes) = self.raw(method, path, body, "application/json").await;
        self.save(calls, status, &[&bytes]);
        serde_json::from_slice(&bytes).unwrap_or(Value::Null)
    }
}

#[tokio::main]
async fn main() {
    let out = PathBuf::from(
        std::env::args()
            .nth(1)
            .expect("usage: record_responses DIR"),
    );
    std::fs::create_dir_all(&out).unwrap();
    let numbers: Vec<String> = (0..300)
        .map(|index| format!("+1202555{index:04}"))
        .collect();
    let mut config = SandboxConfig::local();
    config.inventory = numbers
        .iter()
        .map(|number| (number.clone(), "local".to_owned()))
        .collect();
    let sandbox = Sandbox::start(config).await.unwrap();
    let mut recorder = Recorder {
        http: reqwest::Client::builder().no_proxy().build().unwrap(),
        base: sandbox.base_url(),
        out,
        count: 0,
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let desired =
        telrep::manifest::load(&root.join("examples/acme.yaml"), Default::default()).unwrap();
    let mut spec = serde_json::to_value(&desired.enterprise).unwrap();
    spec.as_object_mut().unwrap().remove("id");
    let pdf = std::fs::read(root.join("examples/loa/acme-signed.pdf")).unwrap();

    let r = &mut recorder;
    r.record(
        &[0],
        "GET",
        "/terms_of_service/status?product_type=number_reputation",
        None,
    )
    .await;
    r.record(
        &[1],
        "POST",
        "/terms_of_service/number_reputation/agree",
        None,
    )
    .await;
    r.record(
        &[0],
        "GET",
        "/terms_of_service/status?product_type=number_reputation",
        None,
    )
    .await;
    r.record(&[4], "POST", "/enterprises", Some(json!({})))
        .await;
    let enterprise = r.record(&[4], "POST", "/enterprises", Some(spec)).await;
    let id = enterprise["data"]["id"].as_str().unwrap().to_owned();
    let listing = "page%5Bnumber%5D=1&page%5Bsize%5D=250";
    r.record(&[2], "GET", &format!("/enterprises?{listing}"), None)
        .await;
    r.record(&[3], "GET", &format!("/enterprises/{id}"), None)
        .await;
    r.record(
        &[3],
        "GET",
        "/enterprises/00000000-0000-4000-8000-000000000000",
        None,
    )
    .await;
    r.record(
        &[5],
        "PUT",
        &format!("/enterprises/{id}"),
        Some(json!({"website": "https://acme.org"})),
    )
    .await;
    let reputation = format!("/enterprises/{id}/reputation");
    r.record(&[6], "GET", &reputation, None).await;
    let file = base64::engine::general_purpose::STANDARD.encode(&pdf);
    let document = r
        .record(
            &[22],
            "POST",
            "/documents",
            Some(json!({"file": file, "filename": "acme-signed.pdf"})),
        )
        .await;
    let document_id = document["data"]["id"].as_str().unwrap().to_owned();
    r.record(&[27], "GET", &format!("/documents/{document_id}"), None)
        .await;
    r.record(&[27], "GET", "/documents/missing", None).await;
    let (status, rendered) = r
        .raw(
            "POST",
            &format!("{reputation}/loa"),
            Some(json!({})),
            "application/pdf",
        )
        .await;
    r.save(&[20], status, &[&rendered]);
    r.record(
        &[7],
        "POST",
        &reputation,
        Some(json!({"loa_document_id": document_id, "check_frequency": "daily"})),
    )
    .await;
    r.record(&[6], "GET", &reputation, None).await;
    r.record(
        &[8],
        "PATCH",
        &format!("{reputation}/frequency"),
        Some(json!({"check_frequency": "weekly"})),
    )
    .await;
    r.record(
        &[8],
        "PATCH",
        &format!("{reputation}/frequency"),
        Some(json!({"check_frequency": "hourly"})),
    )
    .await;
    r.record(
        &[9],
        "PATCH",
        &format!("{reputation}/loa"),
        Some(json!({"loa_document_id": document_id})),
    )
    .await;
    r.record(
        &[26],
        "PATCH",
        &format!("{reputation}/webhook"),
        Some(json!({"webhook_url": null})),
    )
    .await;
    for batch in numbers.chunks(100) {
        r.record(
            &[15],
            "POST",
            &format!("{reputation}/numbers"),
            Some(json!({"phone_numbers": batch})),
        )
        .await;
    }
    r.record(
        &[15],
        "POST",
        &format!("{reputation}/numbers"),
        Some(json!({"phone_numbers": ["+1202"]})),
    )
    .await;
    // The number listing: two pages of 250 and 50, as one seed and page by page.
    let (status, page1) = r
        .raw(
            "GET",
            &format!("{reputation}/numbers?{listing}"),
            None,
            "application/json",
        )
        .await;
    let (_, page2) = r
        .raw(
            "GET",
            &format!("{reputation}/numbers?page%5Bnumber%5D=2&page%5Bsize%5D=250"),
            None,
            "application/json",
        )
        .await;
    r.save(&[11, 12, 13], status, &[&page1, &page2]);
    r.save(&[11, 12, 13], status, &[&page2]);
    r.record(
        &[14],
        "GET",
        &format!("/reputation/numbers?{listing}"),
        None,
    )
    .await;
    let first = format!("{reputation}/numbers/%2B12025550000");
    r.record(&[21], "GET", &format!("{first}?fresh=true"), None)
        .await;
    r.record(
        &[21],
        "GET",
        &format!("{reputation}/numbers/%2B13125550000"),
        None,
    )
    .await;
    r.record(
        &[17],
        "POST",
        &format!("{reputation}/numbers/refresh"),
        Some(json!({"phone_numbers": &numbers[..3]})),
    )
    .await;
    let remediation = r
        .record(
            &[18],
            "POST",
            &format!("{reputation}/remediation"),
            Some(json!({"phone_numbers": &numbers[..2], "call_purpose": "appointment reminders"})),
        )
        .await;
    if let Some(request) = remediation["data"]["id"].as_str() {
        r.record(
            &[19],
            "GET",
            &format!("{reputation}/remediation/{request}"),
            None,
        )
        .await;
    }
    r.record(
        &[23],
        "GET",
        &format!("{reputation}/external_verification"),
        None,
    )
    .await;
    r.record(
        &[24],
        "POST",
        &format!("{reputation}/external_verification"),
        Some(json!({"document_ids": [document_id]})),
    )
    .await;
    r.record(
        &[23],
        "GET",
        &format!("{reputation}/external_verification"),
        None,
    )
    .await;
    r.record(
        &[25],
        "POST",
        &format!("{first}/ownership_confirm"),
        Some(json!({"still_own": true})),
    )
    .await;
    r.record(&[28], "GET", &format!("/phone_numbers?{listing}"), None)
        .await;
    r.record(&[16], "DELETE", &first, None).await;
    r.record(&[16], "DELETE", &first, None).await;
    r.record(&[10], "DELETE", &reputation, None).await;
    r.record(&[6], "GET", &reputation, None).await;

    // What the sandbox never sends: the key echoed, forging characters, a lying listing.
    let echoed = format!(
        r#"{{"errors":[{{"code":"10001","title":"Bearer {KEY}","detail":"key \u001b[2J {KEY}","source":{{"pointer":"/body/\u202e"}}}}]}}"#
    );
    r.save(&[3, 11, 18], 400, &[echoed.as_bytes()]);
    let forging = "{\"data\":{\"agreement_required\":true,\"current_terms_version\":\"v1\\n\\u0007\u{202e}\u{85}\",\"agreed_version\":null,\"agreed_at\":null}}";
    r.save(&[0], 200, &[forging.as_bytes()]);
    let lying = r#"{"data":[],"meta":{"page_number":1,"page_size":250,"total_pages":40001,"total_results":10000250}}"#;
    r.save(&[11, 12, 14, 28], 200, &[lying.as_bytes()]);
    println!("{} seeds in {}", r.count, r.out.display());
    sandbox.shutdown().await;
}
