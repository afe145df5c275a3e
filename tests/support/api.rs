//! An in-process sandbox on 127.0.0.1:0 and a plain HTTP client for it that checks every
//! response body against Telnyx's official OpenAPI schema for its operation and status.

use std::sync::OnceLock;

use serde_json::{Value, json};
use telrep::sandbox::{Sandbox, SandboxConfig};

/// One operation of a schema file: method, path segments, response schemas by status.
pub struct Operation {
    /// `GET`, `POST`, …
    pub method: String,
    /// The path's segments, `{name}` for a parameter.
    pub segments: Vec<String>,
    /// Response schemas by status (`200`, `4XX`, `default`).
    pub responses: serde_json::Map<String, Value>,
}

/// The operations of `tests/openapi/FILE`.
pub fn load_operations(file: &str) -> Vec<Operation> {
    let text = std::fs::read_to_string(super::root().join("tests/openapi").join(file)).unwrap();
    let spec: Value = serde_json::from_str(&text).unwrap();
    spec["operations"]
        .as_object()
        .unwrap()
        .values()
        .map(|operation| Operation {
            method: operation["method"].as_str().unwrap().to_owned(),
            segments: operation["path"]
                .as_str()
                .unwrap()
                .trim_start_matches('/')
                .split('/')
                .map(str::to_owned)
                .collect(),
            responses: operation["responses"].as_object().unwrap().clone(),
        })
        .collect()
}

/// Telnyx's official schemas for the calls telrep makes (tests/openapi/subset.json, from
/// team-telnyx/openapi; see its README), then the schemas derived from its documentation
/// (derived-2026-10.json) for the calls the official subset does not have.
fn operations() -> &'static [Operation] {
    static OPERATIONS: OnceLock<Vec<Operation>> = OnceLock::new();
    OPERATIONS.get_or_init(|| {
        let mut operations = load_operations("subset.json");
        for derived in load_operations("derived-2026-10.json") {
            if !operations.iter().any(|official| {
                official.method == derived.method && official.segments == derived.segments
            }) {
                operations.push(derived);
            }
        }
        operations
    })
}

/// Panics unless `body` fits the schema of `method path` at `status`: the official one,
/// or the derived one for a call the official subset does not have.
pub fn check_against_openapi(method: &str, path: &str, status: u16, body: &Value) {
    let path = path.split('?').next().unwrap();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let candidates: Vec<&Operation> = operations()
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
        .collect();
    // The literal route wins over a template (`numbers/refresh` over `numbers/{phone_number}`).
    let operation = candidates
        .iter()
        .max_by_key(|operation| {
            operation
                .segments
                .iter()
                .filter(|segment| !segment.starts_with('{'))
                .count()
        })
        .unwrap_or_else(|| panic!("no OpenAPI operation for {method} {path}"));
    let class = format!("{}XX", status / 100);
    let response = operation
        .responses
        .get(&status.to_string())
        .or_else(|| operation.responses.get(&class))
        .or_else(|| operation.responses.get("default"));
    let schema = response.and_then(|response| response["content"]["application/json"].as_object());
    let schema = match schema {
        Some(schema) => Value::Object(schema.clone()),
        // Statuses the spec does not list (e.g. 403 before the ToS) still carry the
        // documented error shape.
        None if status >= 400 => json!({
            "type": "object", "required": ["errors"],
            "properties": {"errors": {"type": "array", "minItems": 1, "items": {
                "type": "object", "required": ["code", "title", "detail", "meta"],
                "properties": {"code": {"type": "string", "pattern": "^[0-9]+$"}, "title": {"type": "string"},
                               "detail": {"type": "string"}, "meta": {"type": "object", "required": ["url"]}}}}}
        }),
        None => panic!("the OpenAPI spec has no body for {method} {path} {status}"),
    };
    let errors = schema_errors(&schema, body);
    assert!(
        errors.is_empty(),
        "{method} {path} {status}: the body does not fit the official schema:\n{}\n{body:#}",
        errors.join("\n")
    );
}

/// Where `body` breaks `schema` (formats checked), one line per error with its place.
pub fn schema_errors(schema: &Value, body: &Value) -> Vec<String> {
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(schema)
        .unwrap();
    validator
        .iter_errors(body)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect()
}

/// A sandbox and a raw HTTP client for it.
pub struct Env {
    /// The server.
    pub sandbox: Sandbox,
    http: reqwest::Client,
}

impl Env {
    /// Starts a sandbox with `config`.
    pub async fn start(config: SandboxConfig) -> Self {
        let sandbox = Sandbox::start(config).await.unwrap();
        let http = reqwest::Client::builder().no_proxy().build().unwrap();
        Self { sandbox, http }
    }

    /// The API base URL.
    pub fn base(&self) -> String {
        self.sandbox.base_url()
    }

    /// `http://127.0.0.1:PORT` of the sandbox, for a proxy in front of it.
    pub fn upstream(&self) -> String {
        format!("http://{}", self.sandbox.address())
    }

    /// `METHOD /v2{path}` with the key and an optional JSON body; status and JSON body
    /// (null for an empty one), checked against the official schema.
    pub async fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        self.call_with(method, path, body, Some("KEY")).await
    }

    /// As `call`, with the key given (or none).
    pub async fn call_with(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        key: Option<&str>,
    ) -> (u16, Value) {
        let url = format!("{}{path}", self.base());
        let mut request = self.http.request(method.parse().unwrap(), url);
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
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
            check_against_openapi(method, path, status, &value);
        } else {
            assert_eq!(value, Value::Null, "a 204 has no body");
        }
        (status, value)
    }

    /// `GET /_sandbox/requests`, as `(method, path, query, status)`.
    pub async fn requests(&self) -> Vec<(String, String, String, u16)> {
        self.control("requests").await["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|record| {
                (
                    record["method"].as_str().unwrap().to_owned(),
                    record["path"].as_str().unwrap().to_owned(),
                    record["query"].as_str().unwrap().to_owned(),
                    u16::try_from(record["status"].as_u64().unwrap()).unwrap(),
                )
            })
            .collect()
    }

    /// `GET /_sandbox/{path}`'s body.
    async fn control(&self, path: &str) -> Value {
        let url = format!("http://{}/_sandbox/{path}", self.sandbox.address());
        self.http
            .get(url)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// `DELETE /_sandbox/requests`.
    pub async fn clear_requests(&self) {
        let url = format!("http://{}/_sandbox/requests", self.sandbox.address());
        assert_eq!(self.http.delete(url).send().await.unwrap().status(), 204);
    }

    /// `GET /_sandbox/billing`'s counters.
    pub async fn billing(&self) -> Value {
        self.control("billing").await["data"].clone()
    }

    /// `POST` or `DELETE /_sandbox/inventory`.
    pub async fn inventory(&self, method: &str, numbers: &[&str], number_type: &str) -> Value {
        let url = format!("http://{}/_sandbox/inventory", self.sandbox.address());
        self.http
            .request(method.parse().unwrap(), url)
            .json(&json!({"phone_numbers": numbers, "type": number_type}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Agrees to the ToS, uploads the example LOA, creates Acme Corp and enables reputation;
    /// the enterprise id and the document id.
    pub async fn enabled_enterprise(&self) -> (String, String) {
        assert_eq!(
            self.call("POST", "/terms_of_service/number_reputation/agree", None)
                .await
                .0,
            201
        );
        let (status, enterprise) = self.call("POST", "/enterprises", Some(acme())).await;
        assert_eq!(status, 201, "{enterprise}");
        let id = enterprise["data"]["id"].as_str().unwrap().to_owned();
        let document = self.upload_loa().await;
        let (status, body) = self
            .call(
                "POST",
                &format!("/enterprises/{id}/reputation"),
                Some(json!({"loa_document_id": document})),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        (id, document)
    }

    /// The ids of the account's enterprises (first page of 250).
    pub async fn enterprises(&self) -> Vec<String> {
        let (status, listed) = self.call("GET", "/enterprises?page[size]=250", None).await;
        assert_eq!(status, 200, "{listed}");
        listed["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|enterprise| enterprise["id"].as_str().unwrap().to_owned())
            .collect()
    }

    /// The numbers the sandbox monitors for enterprise `id`, every page of them, sorted.
    pub async fn monitored(&self, id: &str) -> Vec<String> {
        let mut numbers = Vec::new();
        for page in 1.. {
            let path =
                format!("/enterprises/{id}/reputation/numbers?page[size]=250&page[number]={page}");
            let (status, listed) = self.call("GET", &path, None).await;
            assert_eq!(status, 200, "{listed}");
            let data = listed["data"].as_array().unwrap();
            if data.is_empty() {
                break;
            }
            numbers.extend(
                data.iter()
                    .map(|item| item["phone_number"].as_str().unwrap().to_owned()),
            );
        }
        numbers.sort();
        numbers
    }

    /// Uploads the example LOA as JSON; its document id.
    pub async fn upload_loa(&self) -> String {
        use base64::Engine as _;
        let pdf = std::fs::read(super::root().join("examples/loa/acme-signed.pdf")).unwrap();
        let body = json!({"file": base64::engine::general_purpose::STANDARD.encode(pdf), "filename": "acme loa.pdf"});
        let (status, document) = self.call("POST", "/documents", Some(body)).await;
        assert_eq!(status, 200, "{document}");
        document["data"]["id"].as_str().unwrap().to_owned()
    }
}

/// The example manifest's enterprise as a create body.
pub fn acme() -> Value {
    let desired = telrep::manifest::load(
        &super::root().join("examples/acme.yaml"),
        Default::default(),
    )
    .unwrap();
    let mut body = serde_json::to_value(&desired.enterprise).unwrap();
    body.as_object_mut().unwrap().remove("id");
    body
}

/// The faults of the reliability trials (README, "Reliability"): 10 % of requests answered
/// 5xx, 5 % of connections reset mid-response, 15 requests a second before 429s.
pub fn trial_faults(config: &mut SandboxConfig) {
    config.faults.error_rate = 0.10;
    config.faults.reset_rate = 0.05;
    config.faults.rate_limit = Some(15);
}

/// An in-memory sandbox that approves at once, with these numbers in the inventory.
pub fn config_with_inventory(numbers: &[&str]) -> SandboxConfig {
    let mut config = SandboxConfig::local();
    config.inventory = numbers
        .iter()
        .map(|number| ((*number).to_owned(), "local".to_owned()))
        .collect();
    config
}

/// Waits until `condition` holds, polling, for at most `seconds`: only for what the sandbox
/// changes on its own clock (a review that comes due), which no event announces; what
/// telrep does is waited for with `support::wait_until`.
pub async fn eventually<F, Fut>(seconds: u64, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(seconds);
    while !condition().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "condition not met within {seconds} s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// A temporary directory holding the fixture manifest (as `acme.yaml`) and its LOA, with
/// `numbers` as its list and `extra` appended to its `reputation` section.
pub fn workspace(numbers: &[&str], extra: &str) -> tempfile::TempDir {
    let fixtures = super::fixtures();
    let temp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(temp.path().join("loa")).unwrap();
    std::fs::copy(
        fixtures.join("loa/signed.pdf"),
        temp.path().join("loa/signed.pdf"),
    )
    .unwrap();
    let list: String = numbers
        .iter()
        .map(|number| format!("    - \"{number}\"\n"))
        .collect();
    let manifest = std::fs::read_to_string(fixtures.join("valid_minimal.yaml"))
        .unwrap()
        .replace("    - \"+12025551234\"\n", &format!("{list}{extra}"));
    std::fs::write(temp.path().join("acme.yaml"), manifest).unwrap();
    temp
}

/// Runs `telrep ARGS --api-url SANDBOX` in `directory` with a key and no terminal, off the
/// runtime's threads (the sandbox keeps serving meanwhile).
pub async fn telrep_against(
    env: &Env,
    directory: &std::path::Path,
    args: &[&str],
) -> std::process::Output {
    telrep_at(env.base(), directory, args).await
}

/// As `telrep_against`, with any API base URL (a scripted server, a proxy).
pub async fn telrep_at(
    base: String,
    directory: &std::path::Path,
    args: &[&str],
) -> std::process::Output {
    telrep_keyed(base, "test-key-not-secret", directory, args).await
}

/// As `telrep_at`, with the API key `key` (a test that looks for it in the output).
pub async fn telrep_keyed(
    base: String,
    key: &'static str,
    directory: &std::path::Path,
    args: &[&str],
) -> std::process::Output {
    let directory = directory.to_path_buf();
    let args: Vec<String> = args.iter().map(|arg| (*arg).to_owned()).collect();
    tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_telrep"))
            .args(&args)
            .arg("--api-url")
            .arg(&base)
            .current_dir(directory)
            .env("TELNYX_API_KEY", key)
            .env("NO_COLOR", "1")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

/// Applies `manifest` in `directory` against the sandbox until a plan of it is empty, as a
/// pipeline reruns apply: `apply --auto-approve`, then `plan --detailed-exitcode`, at most
/// 8 times. The enterprise id.
pub async fn converge(env: &Env, directory: &std::path::Path, manifest: &str) -> String {
    let mut last = String::new();
    for _ in 0..8 {
        let applied = telrep_against(env, directory, &["apply", "--auto-approve", manifest]).await;
        if applied.status.code() != Some(0) {
            last = super::render(&applied);
            continue;
        }
        let planned = telrep_against(
            env,
            directory,
            &["plan", "--format", "json", "--detailed-exitcode", manifest],
        )
        .await;
        if planned.status.code() == Some(0) {
            let plan: Value = serde_json::from_slice(&planned.stdout).unwrap();
            return plan["enterprise"]["id"].as_str().unwrap().to_owned();
        }
        last = super::render(&planned);
    }
    panic!("`{manifest}` did not converge in 8 applies; the last run:\n{last}");
}
