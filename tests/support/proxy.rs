//! A man in the middle on 127.0.0.1:0: forwards every request to an upstream (the
//! sandbox), lets a test rewrite the response bodies (for API answers the sandbox never
//! gives: a document without `sha256`, an echoed key), publishes every request it sees on
//! a watch channel (so a test waits on what telrep did, never on the clock), and can hold
//! chosen answers until the test releases them (so a signal lands at an exact point).
//! Loopback only.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use tokio::sync::{oneshot, watch};

/// How a response body is rewritten: (method, path, status, body) to the new body.
pub type Rewrite = dyn Fn(&str, &str, u16, Vec<u8>) -> Vec<u8> + Send + Sync;

/// Whether the answer to this request is held: the request, with the ones before it.
pub type Hold = dyn Fn(&Seen, &[Seen]) -> bool + Send + Sync;

/// Another answer (status and body) to pass on instead of the upstream's, which the
/// upstream gave all the same (so a write is made and its answer lost): the request as
/// answered, with the ones before it.
pub type Answer = dyn Fn(&Seen, &[Seen]) -> Option<(u16, String)> + Send + Sync;

/// One request the proxy forwarded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// `GET`, `POST`…
    pub method: String,
    /// The path, `/v2/…`, without the query.
    pub path: String,
    /// The request body.
    pub body: String,
    /// The upstream's status, once it answered.
    pub status: Option<u16>,
    /// Whether the answer waits for `release`.
    pub held: bool,
}

impl Seen {
    /// Answered by the upstream with `status` (whether or not passed on yet).
    pub fn answered(&self, method: &str, suffix: &str, status: u16) -> bool {
        self.method == method && self.path.ends_with(suffix) && self.status == Some(status)
    }
}

struct Shared {
    upstream: String,
    rewrite: Box<Rewrite>,
    hold: Box<Hold>,
    answer: Box<Answer>,
    http: reqwest::Client,
    log: watch::Sender<Vec<Seen>>,
    gates: Mutex<HashMap<usize, oneshot::Sender<()>>>,
}

/// A running proxy.
pub struct Proxy {
    address: std::net::SocketAddr,
    shared: Arc<Shared>,
    _shutdown: oneshot::Sender<()>,
}

impl Proxy {
    /// Starts it in front of `upstream` (`http://127.0.0.1:PORT`, without `/v2`).
    pub async fn start(
        upstream: String,
        rewrite: impl Fn(&str, &str, u16, Vec<u8>) -> Vec<u8> + Send + Sync + 'static,
    ) -> Self {
        Self::start_with(
            upstream,
            Box::new(rewrite),
            Box::new(|_, _| false),
            Box::new(|_, _| None),
        )
        .await
    }

    /// Starts it in front of `upstream`, passing on `answer`'s answers instead of the
    /// upstream's where it gives one.
    pub async fn answering(
        upstream: String,
        answer: impl Fn(&Seen, &[Seen]) -> Option<(u16, String)> + Send + Sync + 'static,
    ) -> Self {
        Self::start_with(
            upstream,
            Box::new(|_, _, _, body| body),
            Box::new(|_, _| false),
            Box::new(answer),
        )
        .await
    }

    /// Starts it in front of `upstream`, passing bodies on as they are and holding the
    /// answers `hold` picks.
    pub async fn holding(
        upstream: String,
        hold: impl Fn(&Seen, &[Seen]) -> bool + Send + Sync + 'static,
    ) -> Self {
        Self::start_with(
            upstream,
            Box::new(|_, _, _, body| body),
            Box::new(hold),
            Box::new(|_, _| None),
        )
        .await
    }

    async fn start_with(
        upstream: String,
        rewrite: Box<Rewrite>,
        hold: Box<Hold>,
        answer: Box<Answer>,
    ) -> Self {
        let shared = Arc::new(Shared {
            upstream,
            rewrite,
            hold,
            answer,
            http: reqwest::Client::builder().no_proxy().build().unwrap(),
            log: watch::channel(Vec::new()).0,
            gates: Mutex::new(HashMap::new()),
        });
        let router = axum::Router::new()
            .fallback(forward)
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

    /// Every request so far, updated as they come and are answered.
    pub fn log(&self) -> watch::Receiver<Vec<Seen>> {
        self.shared.log.subscribe()
    }

    /// Passes on the held answer to request `index` (its place in the log).
    pub fn release(&self, index: usize) {
        let gate = self.shared.gates.lock().unwrap().remove(&index);
        let gate = gate.unwrap_or_else(|| panic!("request {index} is not held"));
        let _ = gate.send(());
        self.shared.log.send_modify(|log| log[index].held = false);
    }
}

impl Drop for Proxy {
    /// Passes on whatever is still held, so no connection waits for ever.
    fn drop(&mut self) {
        self.shared.gates.lock().unwrap().clear();
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
    let mut index = 0;
    shared.log.send_modify(|log| {
        index = log.len();
        log.push(Seen {
            method: method.to_string(),
            path: path.clone(),
            body: String::from_utf8_lossy(&body).into_owned(),
            status: None,
            held: false,
        });
    });
    let answer = outbound.body(body).send().await.unwrap();
    let status = answer.status().as_u16();
    let content_type = answer.headers().get("content-type").cloned();
    let bytes = answer.bytes().await.unwrap().to_vec();
    let (gate, replaced) = {
        let log = shared.log.borrow();
        let seen = Seen {
            status: Some(status),
            ..log[index].clone()
        };
        let gate = (shared.hold)(&seen, &log[..index]).then(|| {
            let (sender, receiver) = oneshot::channel();
            shared.gates.lock().unwrap().insert(index, sender);
            receiver
        });
        (gate, (shared.answer)(&seen, &log[..index]))
    };
    shared.log.send_modify(|log| {
        log[index].status = Some(status);
        log[index].held = gate.is_some();
    });
    if let Some(gate) = gate {
        // Released, or the proxy dropped: pass the answer on either way.
        let _ = gate.await;
    }
    let (status, rewritten) = match replaced {
        Some((status, body)) => (status, body.into_bytes()),
        None => (
            status,
            (shared.rewrite)(method.as_str(), &path, status, bytes),
        ),
    };
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
