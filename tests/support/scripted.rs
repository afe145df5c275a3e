//! A server that misbehaves on purpose, for the client's failure paths the sandbox never
//! shows (a lying `total_pages`, a redirect, an endless body). Each request is answered by
//! a function of (path, query, attempt number) and recorded. Loopback only. A script that
//! writes `{authorization}` in a body or header value has it replaced by the request's
//! `Authorization` header, as a server that echoes it would.

use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;

/// How the scripted server answers: status, headers and body for (path, query, count of
/// earlier requests to the same path and query).
pub type Script =
    dyn Fn(&str, &str, usize) -> (u16, Vec<(&'static str, String)>, String) + Send + Sync;

struct Shared {
    script: Box<Script>,
    seen: Mutex<Vec<(String, String, Option<String>)>>,
}

/// A running scripted server.
pub struct Scripted {
    /// Its address.
    pub address: std::net::SocketAddr,
    shared: Arc<Shared>,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

impl Scripted {
    /// Starts it on 127.0.0.1:0.
    pub async fn start(
        script: impl Fn(&str, &str, usize) -> (u16, Vec<(&'static str, String)>, String)
        + Send
        + Sync
        + 'static,
    ) -> Self {
        let shared = Arc::new(Shared {
            script: Box::new(script),
            seen: Mutex::new(Vec::new()),
        });
        let router = axum::Router::new()
            .fallback(answer)
            .with_state(shared.clone());
        let (address, sender) = super::serve(router).await;
        Self {
            address,
            shared,
            _shutdown: sender,
        }
    }

    /// `http://127.0.0.1:PORT/v2`.
    pub fn base_url(&self) -> String {
        format!("http://{}/v2", self.address)
    }

    /// Every request so far: path, query, and the Authorization header.
    pub fn seen(&self) -> Vec<(String, String, Option<String>)> {
        self.shared.seen.lock().unwrap().clone()
    }
}

async fn answer(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    let query = request.uri().query().unwrap_or_default().to_owned();
    let authorization = request
        .headers()
        .get("authorization")
        .map(|value| value.to_str().unwrap().to_owned());
    let count = {
        let mut seen = shared.seen.lock().unwrap();
        let count = seen
            .iter()
            .filter(|(p, q, _)| *p == path && *q == query)
            .count();
        seen.push((path.clone(), query.clone(), authorization.clone()));
        count
    };
    let (status, headers, body) = (shared.script)(&path, &query, count);
    let echo = |text: &str| text.replace("{authorization}", authorization.as_deref().unwrap_or(""));
    let mut response = Response::new(Body::from(echo(&body)));
    *response.status_mut() = StatusCode::from_u16(status).unwrap();
    for (name, value) in headers {
        response
            .headers_mut()
            .insert(name, HeaderValue::from_str(&echo(&value)).unwrap());
    }
    response
        .headers_mut()
        .entry("content-type")
        .or_insert(HeaderValue::from_static("application/json"));
    response
}

/// A page of `count` reputation numbers starting at `first`, with the meta given.
pub fn numbers_page(
    first: u64,
    count: u64,
    page_number: u64,
    total_pages: u64,
    total_results: u64,
) -> String {
    let data: Vec<serde_json::Value> = (first..first + count)
        .map(|index| {
            serde_json::json!({
                "id": format!("00000000-0000-4000-8000-{index:012}"),
                "enterprise_id": "4a6192a4-0c3b-4d1e-9f2a-8b7c6d5e4f30",
                "phone_number": format!("+1202{index:07}"),
                "reputation_data": null,
                "created_at": "2026-11-25T03:00:00Z",
                "updated_at": "2026-11-25T03:00:00Z",
            })
        })
        .collect();
    serde_json::json!({
        "data": data,
        "meta": {"page_number": page_number, "page_size": count, "total_pages": total_pages, "total_results": total_results}
    })
    .to_string()
}
