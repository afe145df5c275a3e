//! HTTP for the sandbox: decodes each request (Bearer auth, path segments with `+` or
//! `%2B`, bracketed query keys in either spelling, JSON or multipart bodies), applies the
//! faults, runs the rule, records the request, and persists the state after a change.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use percent_encoding::percent_decode_str;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::faults::{Admission, Strike};
use super::rules::{Context, Outcome, Problem, Query, Upload, problem};
use super::{Shared, World};
use crate::telnyx::wire::{DocumentUpload, ErrorBody};

/// One served request, as `GET /_sandbox/requests` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestRecord {
    /// HTTP method.
    pub method: String,
    /// Path as received, e.g. `/v2/enterprises/…/reputation/numbers/%2B12025551234`.
    pub path: String,
    /// Query string as received (empty when none).
    pub query: String,
    /// Status answered (0 when the connection was reset mid-response).
    pub status: u16,
    /// Top-level keys of the JSON body, sorted (for `multipart/form-data`, the part names).
    pub body_keys: Vec<String>,
}

/// The single handler: the sandbox's routing is a match on path segments, which keeps the
/// decoding of `+`/`%2B` and of bracketed query keys in one place.
pub async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    // No query string is the empty one: no filters, the first page.
    let raw_query = request.uri().query().unwrap_or_default().to_owned();
    if let Some(rest) = path.strip_prefix("/_sandbox/") {
        return control(&shared, &method, rest, request).await;
    }
    if let Some(delay) = shared.delay() {
        tokio::time::sleep(delay).await;
    }
    let mut body_keys = Vec::new();
    let (response, status) =
        api(&shared, &method, &path, &raw_query, request, &mut body_keys).await;
    shared.record(RequestRecord {
        method: method.to_string(),
        path,
        query: raw_query,
        status,
        body_keys,
    });
    response
}

async fn api(
    shared: &Shared,
    method: &Method,
    path: &str,
    raw_query: &str,
    request: Request,
    body_keys: &mut Vec<String>,
) -> (Response, u16) {
    let unauthorized = || {
        reply(Err(problem(
            401,
            "10009",
            "Authentication failed",
            "send `Authorization: Bearer <API key>`",
        )))
    };
    let Some(limit) = shared.faults.rate_limit else {
        if !authorized(request.headers()) {
            return unauthorized();
        }
        return call(shared, method, path, raw_query, request, body_keys).await;
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let admission = shared.limiter.lock().map_or(
        Admission {
            allowed: true,
            remaining: 0,
            reset: std::time::Duration::from_secs(1),
        },
        |mut window| window.admit(now, limit),
    );
    let reset_ms = u64::try_from(admission.reset.as_millis()).unwrap_or(1000);
    let (mut response, status) = if !admission.allowed {
        let mut response = reply(Err(problem(
            429,
            "10011",
            "Too many requests",
            "rate limit reached; retry after the time in Retry-After",
        )))
        .0;
        // Whole seconds in Retry-After (what HTTP allows), the exact wait in
        // milliseconds beside it (what the official client reads first).
        let headers = response.headers_mut();
        headers.insert(
            header::RETRY_AFTER,
            HeaderValue::from(reset_ms.div_ceil(1000)),
        );
        headers.insert("retry-after-ms", HeaderValue::from(reset_ms));
        (response, 429)
    } else if authorized(request.headers()) {
        call(shared, method, path, raw_query, request, body_keys).await
    } else {
        unauthorized()
    };
    // Every answer says where the window stands, as Telnyx's do: the reset in seconds,
    // to the millisecond.
    let headers = response.headers_mut();
    headers.insert("x-ratelimit-limit", HeaderValue::from(limit));
    headers.insert(
        "x-ratelimit-remaining",
        HeaderValue::from(admission.remaining),
    );
    let reset = format!("{}.{:03}", reset_ms / 1000, reset_ms % 1000);
    if let Ok(reset) = HeaderValue::from_str(&reset) {
        headers.insert("x-ratelimit-reset", reset);
    }
    (response, status)
}

/// An authorized request within the rate limit: faults, routing, the body, the rules.
async fn call(
    shared: &Shared,
    method: &Method,
    path: &str,
    raw_query: &str,
    request: Request,
    body_keys: &mut Vec<String>,
) -> (Response, u16) {
    let is_write = *method != Method::GET;
    let strike = shared.strike(is_write);
    if matches!(strike, Strike::ErrorBefore | Strike::ResetBefore) {
        return fault(strike);
    }
    let segments: Vec<String> = path
        .trim_start_matches('/')
        .split('/')
        .map(|segment| percent_decode_str(segment).decode_utf8_lossy().into_owned())
        .collect();
    let Some(("v2", route)) = segments
        .split_first()
        .map(|(first, rest)| (first.as_str(), rest))
    else {
        return reply(Err(problem(
            404,
            "10005",
            "Resource not found",
            format!("no route for {method} {path}"),
        )));
    };
    if shared
        .faults
        .fail_routes
        .iter()
        .any(|fail| fail.matches(method.as_str(), route))
    {
        return fault(Strike::ErrorBefore);
    }
    let query = Query::parse(raw_query);
    let body = match read_body(method, route, request).await {
        Ok(body) => body,
        Err(problem) => return reply(Err(problem)),
    };
    *body_keys = match &body {
        Input::Json(Value::Object(object)) => object.keys().cloned().collect(),
        Input::Upload(upload) => upload.parts.clone(),
        _ => Vec::new(),
    };
    body_keys.sort();
    // The LOA render answers a PDF, not JSON: it is served here, beside the JSON rules.
    if let ("POST", [enterprises, id, reputation, loa]) = (method.as_str(), route)
        && enterprises == "enterprises"
        && reputation == "reputation"
        && loa == "loa"
    {
        let body = match &body {
            Input::Json(value) => value.clone(),
            _ => Value::Null,
        };
        return match shared.run(|world, _| world.render_loa(id, &body)) {
            Ok(pdf) => (
                ([(header::CONTENT_TYPE, "application/pdf")], pdf).into_response(),
                200,
            ),
            Err(problem) => reply(Err(problem)),
        };
    }
    let outcome = match listing(shared, method, route, &query) {
        Some(outcome) => outcome,
        None => {
            shared.run(|world, context| route_call(world, context, method, route, &query, body))
        }
    };
    if outcome.is_ok() && is_write {
        shared.persist();
    }
    match strike {
        Strike::ErrorAfter | Strike::ResetAfter => fault(strike),
        _ => reply(outcome),
    }
}

/// The number and inventory listings only read: they are served under the read lock, so
/// the pages of one listing are serialized side by side. `None` for every other call.
fn listing(shared: &Shared, method: &Method, route: &[String], query: &Query) -> Option<Outcome> {
    if *method != Method::GET {
        return None;
    }
    let route: Vec<&str> = route.iter().map(String::as_str).collect();
    match route.as_slice() {
        ["enterprises", id, "reputation", "numbers"] => {
            Some(shared.read(|world| world.list_numbers(id, query)))
        }
        ["reputation", "numbers"] => Some(shared.read(|world| world.list_all_numbers(query))),
        ["phone_numbers"] => Some(shared.read(|world| world.list_phone_numbers(query))),
        _ => None,
    }
}

/// A request body: JSON, or for `POST /documents` also multipart.
enum Input {
    None,
    Json(Value),
    Upload(Upload),
}

async fn read_body(method: &Method, route: &[String], request: Request) -> Result<Input, Problem> {
    if *method == Method::GET || *method == Method::DELETE {
        return Ok(Input::None);
    }
    let is_documents =
        route.len() == 1 && route.first().is_some_and(|segment| segment == "documents");
    // No (or a non-ASCII) Content-Type is not multipart: the body is read as JSON.
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    if is_documents && content_type.starts_with("multipart/form-data") {
        return read_multipart(request).await.map(Input::Upload);
    }
    let bytes = axum::body::to_bytes(request.into_body(), 64 * 1024 * 1024)
        .await
        .map_err(|error| problem(400, "10015", "Invalid request body", error.to_string()))?;
    if bytes.is_empty() {
        return Ok(Input::Json(Value::Null));
    }
    let value: Value = serde_json::from_slice(&bytes)
        .map_err(|error| problem(400, "10015", "Invalid JSON", error.to_string()))?;
    if is_documents {
        return json_upload(value).map(Input::Upload);
    }
    Ok(Input::Json(value))
}

fn json_upload(value: Value) -> Result<Upload, Problem> {
    use base64::Engine as _;
    if value.get("url").is_some() && value.get("file").is_none() {
        return Err(problem(
            422,
            "10015",
            "Unsupported in the sandbox",
            "the sandbox never fetches URLs; upload the file itself as base64 in `file`",
        ));
    }
    let upload: DocumentUpload = serde_json::from_value(value)
        .map_err(|error| problem(422, "10015", "Invalid document", error.to_string()))?;
    let content = base64::engine::general_purpose::STANDARD
        .decode(upload.file.as_bytes())
        .map_err(|_| problem(422, "10015", "Invalid document", "`file` is not base64"))?;
    let mut parts = vec!["file".to_owned(), "filename".to_owned()];
    if upload.customer_reference.is_some() {
        parts.push("customer_reference".to_owned());
    }
    Ok(Upload {
        filename: upload.filename,
        content,
        customer_reference: upload.customer_reference,
        parts,
    })
}

async fn read_multipart(request: Request) -> Result<Upload, Problem> {
    let invalid = |detail: String| problem(422, "10015", "Invalid document", detail);
    let mut multipart = axum::extract::Multipart::from_request(request, &())
        .await
        .map_err(|error| invalid(error.to_string()))?;
    let mut upload = Upload {
        filename: String::new(),
        content: Vec::new(),
        customer_reference: None,
        parts: Vec::new(),
    };
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|error| invalid(error.to_string()))?
    {
        upload.parts.extend(field.name().map(str::to_owned));
        match field.name() {
            Some("file") => {
                upload.filename = field.file_name().unwrap_or("document").to_owned();
                upload.content = field
                    .bytes()
                    .await
                    .map_err(|error| invalid(error.to_string()))?
                    .to_vec();
            }
            Some("customer_reference") => {
                upload.customer_reference = Some(
                    field
                        .text()
                        .await
                        .map_err(|error| invalid(error.to_string()))?,
                );
            }
            _ => {}
        }
    }
    Ok(upload)
}

/// Every call but the listings that only read (`call` serves those under the read lock).
fn route_call(
    world: &mut super::state::World,
    context: Context<'_>,
    method: &Method,
    route: &[String],
    query: &Query,
    input: Input,
) -> Outcome {
    let body = match &input {
        Input::Json(value) => value.clone(),
        _ => Value::Null,
    };
    let parts: Vec<&str> = route.iter().map(String::as_str).collect();
    let fresh = query.get("fresh") == Some("true");
    match (method.as_str(), parts.as_slice()) {
        ("POST", ["terms_of_service", "number_reputation", "agree"]) => world.tos_agree(context),
        ("GET", ["terms_of_service", "status"]) => world.tos_status(query),
        ("GET", ["terms_of_service", "agreements"]) => world.tos_agreements(query),
        ("GET", ["enterprises"]) => world.list_enterprises(query),
        ("POST", ["enterprises"]) => world.create_enterprise(&body, context),
        ("GET", ["enterprises", id]) => world.get_enterprise(id),
        ("PUT", ["enterprises", id]) => world.update_enterprise(id, &body, context),
        (method, ["enterprises", id, "reputation", rest @ ..]) => {
            route_reputation(world, context, (method, id, rest), query, &body)
        }
        ("GET", ["reputation", "numbers", number]) => {
            world.get_number(None, number, fresh, context)
        }
        ("DELETE", ["reputation", "numbers", number]) => world.delete_number(None, number),
        ("POST", ["documents"]) => match input {
            Input::Upload(upload) => world.create_document(upload, context),
            _ => Err(problem(
                422,
                "10015",
                "Invalid document",
                "send JSON with `file` (base64) and `filename`, or multipart/form-data with a `file` part",
            )),
        },
        ("GET", ["documents"]) => world.list_documents(query),
        ("GET", ["documents", id]) => world.get_document(id),
        _ => Err(no_route(method, route)),
    }
}

/// The calls under `/enterprises/{id}/reputation`: `call` is the method, the enterprise id
/// and the segments after `reputation`.
fn route_reputation(
    world: &mut super::state::World,
    context: Context<'_>,
    call: (&str, &str, &[&str]),
    query: &Query,
    body: &Value,
) -> Outcome {
    let (method, id, rest) = call;
    let fresh = query.get("fresh") == Some("true");
    match (method, rest) {
        ("POST", []) => world.enable(id, body, context),
        ("GET", []) => world.get_reputation(id),
        ("DELETE", []) => world.disable(id),
        ("PATCH", ["frequency"]) => world.patch_frequency(id, body, context),
        ("PATCH", ["loa"]) => world.patch_loa(id, body, context),
        ("PATCH", ["webhook"]) => world.patch_webhook(id, body),
        ("POST", ["external_verification"]) => {
            world.submit_external_verification(id, body, context)
        }
        ("GET", ["external_verification"]) => world.get_external_verification(id),
        ("GET", ["numbers"]) => world.list_numbers(id, query),
        ("POST", ["numbers"]) => world.add_numbers(id, body, context),
        ("POST", ["numbers", "refresh"]) => world.refresh(id, body, context),
        ("POST", ["remediation"]) => world.create_remediation(id, body, context),
        ("GET", ["remediation"]) => world.list_remediations(id, query, context),
        ("GET", ["remediation", request]) => world.get_remediation(id, request, context),
        ("GET", ["numbers", number]) => world.get_number(Some(id), number, fresh, context),
        ("DELETE", ["numbers", number]) => world.delete_number(Some(id), number),
        ("GET", ["numbers", number, "ownership"]) => world.get_ownership(id, number, context),
        ("POST", ["numbers", number, "ownership_confirm"]) => {
            world.confirm_ownership(id, number, body, context)
        }
        _ => {
            let mut route = vec!["enterprises", id, "reputation"];
            route.extend_from_slice(rest);
            Err(no_route(method, &route))
        }
    }
}

/// The 404 for a method and path the sandbox does not serve.
fn no_route(method: impl std::fmt::Display, route: &[impl AsRef<str>]) -> super::rules::Problem {
    let route: Vec<&str> = route.iter().map(AsRef::as_ref).collect();
    problem(
        404,
        "10005",
        "Resource not found",
        format!(
            "the sandbox has no route for {method} /v2/{}",
            route.join("/")
        ),
    )
}

fn authorized(headers: &HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .is_some_and(|key| !key.trim().is_empty())
}

fn reply(outcome: Outcome) -> (Response, u16) {
    match outcome {
        Ok(reply) => {
            let status =
                StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let response = match reply.body {
                Some(super::rules::Body::Value(body)) => (status, axum::Json(body)).into_response(),
                Some(super::rules::Body::Serialized(bytes)) => (
                    status,
                    [(
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("application/json"),
                    )],
                    bytes,
                )
                    .into_response(),
                None => status.into_response(),
            };
            (response, reply.status)
        }
        Err(problem) => {
            let status =
                StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let body = ErrorBody {
                errors: problem.errors,
            };
            ((status, axum::Json(body)).into_response(), problem.status)
        }
    }
}

fn fault(strike: Strike) -> (Response, u16) {
    match strike {
        Strike::ResetBefore | Strike::ResetAfter => {
            // Half a body, then an error: hyper aborts the connection mid-response.
            let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
                Ok(Bytes::from_static(b"{\"data\": {\"id\": \"")),
                Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "sandbox: injected reset",
                )),
            ];
            let mut response = Response::new(Body::from_stream(futures::stream::iter(chunks)));
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            response
                .headers_mut()
                .insert(header::CONTENT_LENGTH, HeaderValue::from_static("4096"));
            (response, 0)
        }
        _ => reply(Err(problem(
            500,
            "10007",
            "Unexpected error",
            "sandbox: injected server error",
        ))),
    }
}

/// `POST /_sandbox/ownership` (moves a number's ownership state) and `POST
/// /_sandbox/reputation` (sets its reputation data): `change` applied to the JSON body.
async fn control_change(
    shared: &Shared,
    request: Request,
    change: fn(&mut World, &Value, Context<'_>) -> Outcome,
) -> Response {
    let Ok(bytes) = axum::body::to_bytes(request.into_body(), 1024 * 1024).await else {
        return reply(Err(problem(
            400,
            "10015",
            "Invalid request body",
            "the body could not be read (at most 1 MiB)".to_owned(),
        )))
        .0;
    };
    // A body that is not JSON is refused by the control's checks with 422.
    let body = serde_json::from_slice::<Value>(&bytes).unwrap_or(Value::Null);
    let outcome = shared.run(|world, context| change(world, &body, context));
    if outcome.is_ok() {
        shared.persist();
    }
    reply(outcome).0
}

/// The `/_sandbox/*` control endpoints, beside `/v2`.
async fn control(shared: &Shared, method: &Method, rest: &str, request: Request) -> Response {
    match (method.as_str(), rest) {
        ("GET", "requests") => axum::Json(json!({ "data": shared.requests() })).into_response(),
        ("DELETE", "requests") => {
            shared.clear_requests();
            StatusCode::NO_CONTENT.into_response()
        }
        ("GET", "billing") => {
            axum::Json(json!({ "data": shared.run(|world, _| world.billing()) })).into_response()
        }
        ("POST", "ownership") => control_change(shared, request, World::control_ownership).await,
        ("POST", "reputation") => control_change(shared, request, World::control_reputation).await,
        ("POST", "remediation") => {
            control_change(shared, request, World::control_remediation).await
        }
        ("POST" | "DELETE", "inventory") => {
            let bytes = match axum::body::to_bytes(request.into_body(), 64 * 1024 * 1024).await {
                Ok(bytes) => bytes,
                Err(error) => {
                    return reply(Err(problem(
                        400,
                        "10015",
                        "Invalid request body",
                        error.to_string(),
                    )))
                    .0;
                }
            };
            #[derive(Deserialize)]
            struct InventoryChange {
                phone_numbers: Vec<String>,
                #[serde(rename = "type", default = "local")]
                number_type: String,
            }
            fn local() -> String {
                "local".to_owned()
            }
            let Ok(change) = serde_json::from_slice::<InventoryChange>(&bytes) else {
                return reply(Err(problem(
                    422,
                    "10015",
                    "Invalid request body",
                    "expected {\"phone_numbers\": [...], \"type\": \"local\"}",
                )))
                .0;
            };
            let count = if *method == Method::POST {
                let pairs: Vec<(String, String)> = change
                    .phone_numbers
                    .into_iter()
                    .map(|number| (number, change.number_type.clone()))
                    .collect();
                shared.run(|world, context| world.add_inventory(&pairs, context))
            } else {
                shared.run(|world, _| world.remove_inventory(&change.phone_numbers))
            };
            shared.persist();
            axum::Json(json!({ "data": { "changed": count } })).into_response()
        }
        _ => {
            reply(Err(problem(
                404,
                "10005",
                "Resource not found",
                format!("no sandbox control endpoint {method} /_sandbox/{rest}"),
            )))
            .0
        }
    }
}
