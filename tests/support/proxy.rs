//! A man in the middle on 127.0.0.1:0: forwards every request to an upstream (the
//! sandbox) and lets a test rewrite the response bodies, for API answers the sandbox never
//! gives (a document without `sha256`, an echoed key). Loopback only.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;

/// How a response body is rewritten: (method, path, status, body) to the new body.
pub type Rewrite = dyn Fn(&str, &str, u16, Vec<u8>) -> Vec<u8> + Send + Sync;

struct Shared {
    upstream: String,
    rewrite: Box<Rewrite>,
    http: reqwest::Client,
}

/// A running proxy.
pub struct Proxy {
    address: std::net::SocketAddr,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

impl Proxy {
    /// Starts it in front of `upstream` (`http://127.0.0.1:PORT`, without `/v2`).
    pub async fn start(
        upstream: String,
        rewrite: impl Fn(&str, &str, u16, Vec<u8>) -> Vec<u8> + Send + Sync + 'static,
    ) -> Self {
        let shared = Arc::new(Shared {
            upstream,
            rewrite: Box::new(rewrite),
            http: reqwest::Client::builder().no_proxy().build().unwrap(),
        });
        let router = axum::Router::new().fallback(forward).with_state(shared);
        let (address, sender) = super::serve(router).await;
        Self {
            address,
            _shutdown: sender,
        }
    }

    /// `http://127.0.0.1:PORT/v2`.
    pub fn base_url(&self) -> String {
        format!("http://{}/v2", self.address)
    }
}

async fn forward(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let target = match request.uri().query() {
        Some(query) => format!("{}{path}?{query}", shared.upstream),
        None => format!("{}{path}", shared.upstream),
    };
    let mut outbound = shared.http.request(method.clone(), target);
    for (name, value) in request.headers() {
        if name != "host" && name != "content-length" {
            outbound = outbound.header(name, value);
        }
    }
    let body = axum::body::to_bytes(request.into_body(), usize::MAX)
        .await
        .unwrap();
    let answer = outbound.body(body).send().await.unwrap();
    let status = answer.status().as_u16();
    let content_type = answer.headers().get("content-type").cloned();
    let bytes = answer.bytes().await.unwrap().to_vec();
    let rewritten = (shared.rewrite)(method.as_str(), &path, status, bytes);
    let mut response = Response::new(Body::from(rewritten));
    *response.status_mut() = StatusCode::from_u16(status).unwrap();
    if let Some(content_type) = content_type {
        response.headers_mut().insert("content-type", content_type);
    } else {
        response
            .headers_mut()
            .insert("content-type", HeaderValue::from_static("application/json"));
    }
    response
}
