//! The Telnyx client: auth, retries (`retry.rs`), pagination, and the calls telrep makes.
//!
//! Every call goes through `execute`, which counts it, logs it at debug level (method,
//! path, status, attempt, latency; never the key), refuses redirects, caps the body it
//! reads, and applies the retry policy.
//!
//! Everything a server sends back passes `read` (bodies, the `Location` of a redirect) or
//! `transport_failure` (what the connection said), and both replace the key with `***`
//! there: a server that echoes the `Authorization` header cannot put the key into an
//! error, a log, a plan or a saved file. Error entries and decode messages are built from
//! the scrubbed body and scrubbed once more, in case the body spelt the key with JSON
//! escapes.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use url::Url;

use super::error::{ApiError, ApiErrorKind};
use super::pace::{Pacer, RateHeaders};
use super::retry::{self, Decision, Failure, RetryPolicy, Safety};
use super::secret::ApiKey;
use super::wire::{ErrorBody, Page, PageMeta, Single};
use crate::model::E164;

/// The API's documented base URL.
pub const DEFAULT_BASE_URL: &str = "https://api.telnyx.com/v2";
/// The largest `page[size]` the API serves; telrep always asks for it.
pub const PAGE_SIZE: u64 = 250;

/// The most pages telrep reads of one listing (10,000,000 items at 250 a page): far more
/// than any account holds, and few enough that a server announcing more is refused before
/// its second page instead of being read for hours.
pub const MAX_PAGES: u64 = 40_000;

/// The most keys a listing's duplicate check reserves room for before they arrive.
const RESERVED_KEYS: usize = 2_000_000;

/// Path-segment encoding: everything but unreserved characters, so `+` goes as `%2B`.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// How the client is set up.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Base URL, e.g. `https://api.telnyx.com/v2`.
    pub base_url: String,
    /// The key.
    pub api_key: ApiKey,
    /// Retries and waits.
    pub retry: RetryPolicy,
    /// Per-request timeout (the SDK's is 60 s).
    pub timeout: Duration,
    /// Requests in flight at once across the process (so also the pages of one listing
    /// fetched at once).
    pub concurrency: usize,
    /// The largest response body read.
    pub max_body: usize,
}

impl ClientConfig {
    /// The defaults for `base_url` and `api_key`: two retries, 60 s timeout, 8 pages at
    /// once, 32 MiB bodies.
    pub fn new(base_url: impl Into<String>, api_key: ApiKey) -> Self {
        Self {
            base_url: base_url.into(),
            api_key,
            retry: RetryPolicy::default(),
            timeout: Duration::from_secs(60),
            concurrency: 8,
            max_body: 32 * 1024 * 1024,
        }
    }
}

/// A typed client for the calls telrep makes; cheap to clone (shared connection pool and
/// counters).
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    config: Arc<ClientConfig>,
    requests: Arc<AtomicU64>,
    /// The rate limit as the answers so far describe it, shared by every request.
    pacer: Arc<Mutex<Pacer>>,
    /// One permit per request in flight, `concurrency` in all: every listing, batch and
    /// manifest of the process shares them.
    in_flight: Arc<tokio::sync::Semaphore>,
    /// Once set (a signal during apply), a write still waiting for its turn is not sent.
    stop_writes: Option<Arc<AtomicBool>>,
}

/// One HTTP call, before it is sent.
pub(super) struct Call {
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    body: Option<Vec<u8>>,
    safety: Safety,
    /// The media type asked for: JSON, or a PDF whose bytes are kept as they came.
    accept: &'static str,
}

impl Call {
    pub(super) fn new(method: Method, path: String, safety: Safety) -> Self {
        Self {
            method,
            path,
            query: Vec::new(),
            body: None,
            safety,
            accept: "application/json",
        }
    }

    /// Asks for a PDF: the answer's bytes are not screened as text.
    pub(super) fn accepting_pdf(mut self) -> Self {
        self.accept = "application/pdf";
        self
    }

    pub(super) fn query(mut self, name: &str, value: impl Into<String>) -> Self {
        self.query.push((name.to_owned(), value.into()));
        self
    }

    pub(super) fn json(mut self, body: &impl Serialize) -> Self {
        self.body = serde_json::to_vec(body).ok();
        self
    }
}

/// A filter of `GET /enterprises/{id}/reputation/numbers`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NumberFilter {
    /// Every number.
    All,
    /// `filter[phone_number][eq]`.
    Equals(E164),
    /// `filter[phone_number][contains]` (5 digits or more).
    Contains(String),
}

impl Client {
    /// Builds a client; refuses a base URL that is not https, unless it is plain http to a
    /// loopback address (the sandbox).
    pub fn new(config: ClientConfig) -> Result<Self, ApiError> {
        let base = config.base_url.trim_end_matches('/').to_owned();
        check_base_url(&base)?;
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(config.timeout)
            .user_agent(concat!("telrep/", env!("CARGO_PKG_VERSION")))
            .no_proxy()
            .build()
            .map_err(|error| {
                ApiError::new(
                    "",
                    base.clone(),
                    ApiErrorKind::BadUrl {
                        reason: format!("cannot build an HTTP client: {error}"),
                    },
                )
            })?;
        Ok(Self {
            http,
            base,
            requests: Arc::new(AtomicU64::new(0)),
            pacer: Arc::new(Mutex::new(Pacer::default())),
            in_flight: Arc::new(tokio::sync::Semaphore::new(config.concurrency.max(1))),
            stop_writes: None,
            config: Arc::new(config),
        })
    }

    /// The API's host (and port, when not the scheme's default), for errors that must say
    /// which server could not be read.
    pub fn host(&self) -> String {
        Url::parse(&self.base).map_or_else(
            |_| self.base.clone(),
            |url| {
                // A base URL without a host (never one telrep sends to) shows as empty.
                let host = url.host_str().unwrap_or_default().to_owned();
                match url.port() {
                    Some(port) => format!("{host}:{port}"),
                    None => host,
                }
            },
        )
    }

    /// This client, with writes that still wait for their turn (pacing, a free
    /// `--concurrency` slot) dropped once `flag` is set: after a signal, apply finishes the
    /// calls in flight and sends nothing new, however many were queued.
    #[must_use]
    pub fn stopping_writes_on(mut self, flag: Arc<AtomicBool>) -> Self {
        self.stop_writes = Some(flag);
        self
    }

    /// How this client retries (apply resends an ambiguous batch as often).
    pub fn retry_policy(&self) -> RetryPolicy {
        self.config.retry
    }

    /// Requests sent so far, retries included.
    pub fn request_count(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Sends a call with retries; the body of the final success, or the error.
    async fn execute(&self, call: &Call) -> Result<(StatusCode, Vec<u8>), ApiError> {
        let url = self.url(call)?;
        let mut progress = retry::Progress::default();
        loop {
            let attempt = progress.retries_done + 1;
            let started = Instant::now();
            let outcome = self.attempt(call, &url).await;
            let latency = started.elapsed().as_millis();
            let (failure_status, headers, body, failure) = match outcome {
                Ok((status, body)) => {
                    tracing::debug!(method = %call.method, path = %call.path, status = status.as_u16(), attempt, latency_ms = latency, "telnyx call");
                    return Ok((status, body));
                }
                Err(Attempt::Fatal(error)) => return Err(error),
                Err(Attempt::Status {
                    status,
                    headers,
                    body,
                }) => (Some(status), headers, body, None),
                Err(Attempt::Transport {
                    sent,
                    message,
                    causes,
                }) => (None, Vec::new(), Vec::new(), Some((sent, message, causes))),
            };
            tracing::debug!(method = %call.method, path = %call.path, status = failure_status.map(|status| status.as_u16()), attempt, latency_ms = latency, "telnyx call failed");
            let failure_kind = match (&failure_status, &failure) {
                (Some(status), _) => Failure::Status {
                    status: status.as_u16(),
                    headers: &headers,
                },
                (None, Some((false, _, _))) => Failure::Connect,
                _ => Failure::Transport,
            };
            let decision = retry::decide(
                self.config.retry,
                call.safety,
                progress,
                failure_kind,
                SystemTime::now(),
                fastrand::f64(),
            );
            match decision {
                Decision::Retry(wait) => {
                    tracing::debug!(method = %call.method, path = %call.path, wait_ms = wait.as_millis(), "retrying");
                    tokio::time::sleep(wait).await;
                    progress.retries_done += 1;
                    progress.waited = progress.waited.saturating_add(wait);
                }
                Decision::Fail | Decision::Ambiguous => {
                    let ambiguous = decision == Decision::Ambiguous;
                    return Err(self.final_error(call, failure_status, &body, failure, ambiguous));
                }
            }
        }
    }

    /// Waits for the attempt's turn under the rate limit the answers so far announced
    /// (`pace.rs`); no wait while none did. A 429 or a spent window reported while it
    /// waited sends it back for a new turn.
    async fn pace(&self, write: bool) {
        loop {
            let wait = self.with_pacer(|pacer| pacer.reserve(Instant::now()));
            if wait.is_zero() {
                return;
            }
            tracing::debug!(wait_ms = wait.as_millis(), "pacing under the rate limit");
            // A write's wait ends early on a signal: it will not be sent.
            match (&self.stop_writes, write) {
                (Some(flag), true) => {
                    tokio::select! {
                        () = tokio::time::sleep(wait) => {}
                        () = until_set(flag) => return,
                    }
                }
                _ => tokio::time::sleep(wait).await,
            }
            if !self.with_pacer(|pacer| pacer.blocked(Instant::now())) {
                return;
            }
        }
    }

    /// Runs `work` on the pacer; a pacer poisoned by a panic elsewhere is used as it is (it
    /// holds only waits, never a half-made change worth refusing for).
    fn with_pacer<T>(&self, work: impl FnOnce(&mut Pacer) -> T) -> T {
        let mut pacer = self
            .pacer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        work(&mut pacer)
    }

    /// Tells the pacer what an answer said about the rate limit.
    fn observe_rate(&self, response: &reqwest::Response) {
        let headers = response.headers();
        let status = response.status().as_u16();
        let rate = RateHeaders::parse(headers, SystemTime::now());
        let retry_after = (status == 429)
            .then(|| {
                let pairs: Vec<(String, String)> = ["retry-after-ms", "retry-after"]
                    .into_iter()
                    .filter_map(|name| {
                        let value = headers.get(name)?.to_str().ok()?;
                        Some((name.to_owned(), value.to_owned()))
                    })
                    .collect();
                retry::requested_wait(&pairs, SystemTime::now())
            })
            .flatten();
        self.with_pacer(|pacer| pacer.observe(status, rate, retry_after, Instant::now()));
    }

    /// One attempt of a call: sent with the key, its response read.
    async fn attempt(&self, call: &Call, url: &Url) -> Result<(StatusCode, Vec<u8>), Attempt> {
        // Held until the answer is read, the pacing wait included (requests that waited
        // for a slot would otherwise go out together); the semaphore is never closed, so a
        // failure to acquire (which cannot happen) sends the request without a permit.
        let _permit = self.in_flight.acquire().await.ok();
        self.pace(call.method != Method::GET).await;
        if call.method != Method::GET
            && self
                .stop_writes
                .as_ref()
                .is_some_and(|flag| flag.load(Ordering::SeqCst))
        {
            return Err(Attempt::Fatal(ApiError::new(
                call.method.as_str(),
                call.path.clone(),
                ApiErrorKind::NotStarted,
            )));
        }
        self.requests.fetch_add(1, Ordering::Relaxed);
        let mut request = self
            .http
            .request(call.method.clone(), url.clone())
            .header(reqwest::header::AUTHORIZATION, self.config.api_key.bearer())
            .header(reqwest::header::ACCEPT, call.accept);
        if let Some(body) = &call.body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.clone());
        }
        match request.send().await {
            Ok(response) => {
                self.observe_rate(&response);
                self.read(call, response).await
            }
            Err(error) => Err(self.transport_failure(&error)),
        }
    }

    /// The error a call ends with once the retry policy gives up (or calls it ambiguous).
    fn final_error(
        &self,
        call: &Call,
        status: Option<StatusCode>,
        body: &[u8],
        transport: Option<(bool, String, Vec<String>)>,
        ambiguous: bool,
    ) -> ApiError {
        let method = call.method.to_string();
        let path = call.path.clone();
        match status {
            Some(status) => {
                let errors = self.error_entries(body);
                let status = status.as_u16();
                ApiError::new(method, path, ApiErrorKind::Status { status, errors })
                    .maybe_done(ambiguous)
            }
            None => {
                // Neither a status nor a transport failure was recorded: nothing to add.
                let (message, causes) = transport
                    .map(|(_, message, causes)| (message, causes))
                    .unwrap_or_default();
                let cause = super::error::Cause::chain(causes);
                ApiError::new(method, path, ApiErrorKind::Transport { message, cause })
                    .maybe_done(ambiguous)
            }
        }
    }

    fn url(&self, call: &Call) -> Result<Url, ApiError> {
        let mut url = Url::parse(&format!("{}{}", self.base, call.path)).map_err(|error| {
            ApiError::new(
                "",
                self.base.clone(),
                ApiErrorKind::BadUrl {
                    reason: error.to_string(),
                },
            )
        })?;
        if !call.query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (name, value) in &call.query {
                pairs.append_pair(name, value);
            }
        }
        Ok(url)
    }

    /// Reads a response: a success body (capped), or what the retry policy needs.
    async fn read(
        &self,
        call: &Call,
        mut response: reqwest::Response,
    ) -> Result<(StatusCode, Vec<u8>), Attempt> {
        let status = response.status();
        if status.is_redirection() {
            let location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|value| value.to_str().ok())
                .map_or_else(
                    || "(no Location header)".to_owned(),
                    |location| self.config.api_key.redact(location),
                );
            return Err(Attempt::Fatal(ApiError::new(
                call.method.as_str(),
                call.path.clone(),
                ApiErrorKind::Redirect { location },
            )));
        }
        let headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .filter_map(|(name, value)| {
                Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned()))
            })
            .collect();
        // Sized once from the announced length (bounded by the limit): a page grown by
        // doubling was copied and its fresh memory faulted in several times over.
        let announced = response.content_length().unwrap_or(0);
        let mut body = Vec::with_capacity(
            usize::try_from(announced).map_or(0, |length| length.min(self.config.max_body)),
        );
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > self.config.max_body {
                        // A write answered 2xx took effect, however long its answer.
                        let done = status.is_success() && call.method != Method::GET;
                        return Err(Attempt::Fatal(
                            ApiError::new(
                                call.method.as_str(),
                                call.path.clone(),
                                ApiErrorKind::BodyTooLarge {
                                    limit: self.config.max_body,
                                },
                            )
                            .maybe_done(done),
                        ));
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(error) => return Err(self.transport_failure(&error)),
            }
        }
        let body = if status.is_success() && !self.config.api_key.scrub_success_bodies() {
            body
        } else {
            self.config.api_key.redact_bytes(body)
        };
        // A PDF is binary: only text answers are screened for control characters.
        let binary = status.is_success() && call.accept != "application/json";
        let body = match super::defang::defang(&body) {
            std::borrow::Cow::Owned(defanged) if !binary => defanged,
            _ => body,
        };
        if status.is_success() {
            Ok((status, body))
        } else {
            Err(Attempt::Status {
                status,
                headers,
                body,
            })
        }
    }

    pub(super) async fn send<T: DeserializeOwned>(&self, call: Call) -> Result<T, ApiError> {
        self.send_decoded(call, |body| from_body(body)).await
    }

    /// `send` with the body decoded by `decode`, which may borrow from it.
    async fn send_decoded<V>(
        &self,
        call: Call,
        decode: impl FnOnce(&[u8]) -> Result<V, serde_json::Error>,
    ) -> Result<V, ApiError> {
        let (_, body) = self.execute(&call).await?;
        // A write the server answered with 2xx took effect even when its answer cannot be
        // read, so the caller must treat it as possibly done (re-read, never resend).
        decode(&body).map_err(|error| {
            ApiError::new(
                call.method.as_str(),
                call.path.clone(),
                ApiErrorKind::Decode {
                    message: self.config.api_key.redact(&error.to_string()),
                },
            )
            .maybe_done(call.method != Method::GET)
        })
    }

    pub(super) async fn send_data<T: DeserializeOwned>(&self, call: Call) -> Result<T, ApiError> {
        self.send::<Single<T>>(call).await.map(|single| single.data)
    }

    /// A call whose 404 means "not there" rather than an error.
    pub(super) async fn send_optional<T: DeserializeOwned>(
        &self,
        call: Call,
    ) -> Result<Option<T>, ApiError> {
        match self.send_data(call).await {
            Ok(value) => Ok(Some(value)),
            Err(error) if error.status() == Some(404) => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// A call whose answer is kept as bytes (a rendered PDF).
    pub(super) async fn send_bytes(&self, call: Call) -> Result<Vec<u8>, ApiError> {
        self.execute(&call).await.map(|(_, body)| body)
    }

    pub(super) async fn send_empty(&self, call: Call) -> Result<(), ApiError> {
        self.execute(&call).await.map(|_| ())
    }

    /// Every item of a paginated listing, in order (docs/api.md, "Pagination"). The first
    /// page says how many pages there are and is checked before any other is asked for: a
    /// `total_pages` that does not fit `total_results` at 250 a page, or above
    /// `MAX_PAGES`, is an error at once. The rest are fetched concurrently and checked as
    /// they arrive; the first that contradicts page 1 (or itself, or holds an item twice)
    /// ends the listing and no further page is asked for. Any failed page fails the
    /// listing: what could not be read is never treated as absent.
    pub(super) async fn list_all<T, K>(
        &self,
        path: String,
        query: Vec<(String, String)>,
        key: K,
    ) -> Result<Vec<T>, ApiError>
    where
        T: DeserializeOwned + Send + 'static,
        K: Fn(&T) -> String,
    {
        self.list_all_as(
            path,
            query,
            |item: &T| ListingKey::of(key(item)),
            |body| from_body::<Page<T>>(body).map(Ok),
        )
        .await
        .map(|(items, _)| items)
    }

    /// `list_all`, each page decoded and its records made into what the caller keeps
    /// (`decode`) in the task that read it, so a listing of a million records never holds
    /// them all and a record may borrow from its page's body; a record `decode` refuses
    /// (its reason, the inner error) makes the listing inconsistent. With the items, the
    /// phone numbers among their keys as a set (the duplicate check's).
    pub(super) async fn list_all_as<U, K>(
        &self,
        path: String,
        query: Vec<(String, String)>,
        key: K,
        decode: PageDecoder<U>,
    ) -> Result<(Vec<U>, crate::model::NumberSet), ApiError>
    where
        U: Send + 'static,
        K: Fn(&U) -> ListingKey,
    {
        // A later page that contradicts the earlier ones may be the listing changing while
        // it is read (another run's writes landing): read it again from page 1, as often
        // as a call is retried. What page 1 says of itself is not a change: never re-read.
        let mut restarts = 0;
        loop {
            match self.list_once(&path, &query, &key, decode).await {
                Ok(items) => return Ok(items),
                Err(Reading::Changed(error)) if restarts < self.config.retry.max_retries => {
                    tracing::debug!(path = %path, error = %error, "listing changed while read; reading it again");
                    tokio::time::sleep(retry::default_wait(restarts, fastrand::f64())).await;
                    restarts += 1;
                }
                Err(Reading::Changed(mut error)) => {
                    if let ApiErrorKind::Inconsistent { message } = &mut error.kind
                        && restarts > 0
                    {
                        message.push_str(&format!(" (read {} times)", restarts + 1));
                    }
                    return Err(error);
                }
                Err(Reading::Failed(error)) => return Err(error),
            }
        }
    }

    /// One reading of a listing: `list_all_as` without re-reading.
    async fn list_once<U, K>(
        &self,
        path: &str,
        query: &[(String, String)],
        key: &K,
        decode: PageDecoder<U>,
    ) -> Result<(Vec<U>, crate::model::NumberSet), Reading>
    where
        U: Send + 'static,
        K: Fn(&U) -> ListingKey,
    {
        let call = |number: u64| {
            let mut call = Call::new(Method::GET, path.to_owned(), Safety::Idempotent);
            call.query = query.to_vec();
            call.query("page[number]", number.to_string())
                .query("page[size]", PAGE_SIZE.to_string())
        };
        let inconsistent =
            |message: String| ApiError::new("GET", path, ApiErrorKind::Inconsistent { message });
        let first = self.send_decoded(call(1), decode).await?;
        let first = first.map_err(inconsistent)?;
        let mut listing = Listing::new(path, first.meta, key)?;
        let total_pages = listing.total_pages;
        listing.take(1, first)?;
        // Each page is fetched, decoded and converted in a task of its own, so that work
        // uses every worker thread, and the next page starts as soon as any finishes (not
        // when the oldest does). Dropping the set (on an error) aborts the pages under way.
        let mut pages = tokio::task::JoinSet::new();
        let mut next = 2;
        let concurrency = self.config.concurrency.max(1);
        loop {
            while next <= total_pages && pages.len() < concurrency {
                let (client, call) = (self.clone(), call(next));
                let number = next;
                pages.spawn(async move { (number, client.send_decoded(call, decode).await) });
                next += 1;
            }
            let Some(joined) = pages.join_next().await else {
                break;
            };
            let (number, page) = joined.map_err(|error| {
                ApiError::new(
                    "GET",
                    path,
                    ApiErrorKind::Internal {
                        message: format!("the task reading a page stopped: {error}"),
                    },
                )
            })?;
            listing
                .take(number, page?.map_err(inconsistent)?)
                .map_err(Reading::Changed)?;
        }
        Ok(listing.into_parts())
    }
}

/// Why one reading of a listing ended early.
enum Reading {
    /// A later page contradicted the earlier ones: the listing may have changed.
    Changed(ApiError),
    /// Anything else: a failed call, a page 1 that contradicts itself, a refused record.
    Failed(ApiError),
}

impl From<ApiError> for Reading {
    fn from(error: ApiError) -> Self {
        Self::Failed(error)
    }
}

/// Returns once `flag` is set (checked every 20 ms): how a wait hears an interruption.
pub async fn until_set(flag: &AtomicBool) {
    while !flag.load(Ordering::SeqCst) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A JSON body decoded; its UTF-8 checked once for the whole body, not once for each of
/// its strings (the keys and values of a page of 250 records are thousands of short
/// strings, and checking each was a seventh of decoding a listing). A body that is not
/// UTF-8 is decoded byte by byte, so the error says where.
pub(super) fn from_body<'a, T: serde::Deserialize<'a>>(
    body: &'a [u8],
) -> Result<T, serde_json::Error> {
    match std::str::from_utf8(body) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(body),
    }
}

/// How a listing's page body becomes the items the caller keeps: a decoding error, or
/// the page with its records converted or the first record's refusal.
pub(super) type PageDecoder<U> = fn(&[u8]) -> Result<Result<Page<U>, String>, serde_json::Error>;

/// A page with each record converted, or the first refusal. Collected into a vector of
/// its own size: `collect` would reuse the decoded records' buffer, and a listing keeping a
/// million 24-byte items in buffers sized for the records held about 125 MiB more.
pub(super) fn converted<T, U>(
    page: Page<T>,
    convert: impl Fn(T) -> Result<U, String>,
) -> Result<Page<U>, String> {
    let mut data = Vec::with_capacity(page.data.len());
    for record in page.data {
        data.push(convert(record)?);
    }
    Ok(Page {
        data,
        meta: page.meta,
    })
}

/// A listing being read: what page 1 announced, and the items so far.
struct Listing<'a, T, K> {
    path: &'a str,
    total_pages: u64,
    total_results: u64,
    /// The items of each page, by page number less one: pages arrive in any order.
    pages: Vec<Vec<T>>,
    /// Every phone number so far, as its digits (a million strings, then a million
    /// 24-byte keys, were most of a listing's memory beside the records).
    numbers: crate::model::NumberSet,
    /// Every other key so far (ids).
    texts: HashSet<String>,
    key: &'a K,
}

impl<'a, T, K: Fn(&T) -> ListingKey> Listing<'a, T, K> {
    /// Checks what page 1 announces against the documented page size (docs/api.md,
    /// "Pagination": 250 a page, only the last page shorter) and `MAX_PAGES`, before any
    /// other page is asked for.
    fn new(path: &'a str, first: PageMeta, key: &'a K) -> Result<Self, ApiError> {
        let PageMeta {
            page_size,
            total_pages,
            total_results,
            ..
        } = first;
        // A `page_size` above the documented 250 would allow even fewer pages.
        let by_page_size = (page_size > PAGE_SIZE).then(|| total_results.div_ceil(page_size));
        let needed = total_results.div_ceil(PAGE_SIZE).max(1);
        let says =
            format!("page 1 says {total_pages} pages of {PAGE_SIZE} for {total_results} results");
        let listing = Self {
            path,
            total_pages: total_pages.max(1),
            total_results,
            pages: Vec::new(),
            numbers: crate::model::NumberSet::default(),
            texts: HashSet::new(),
            key,
        };
        if let Some(possible) = by_page_size.filter(|possible| listing.total_pages > *possible) {
            Err(listing.inconsistent(format!(
                "page 1 says {total_pages} pages of {page_size} for {total_results} results: at most {possible} pages are possible"
            )))
        } else if listing.total_pages > needed {
            Err(listing.inconsistent(format!("{says}: at most {needed} pages are possible")))
        } else if listing.total_pages < needed {
            Err(listing.inconsistent(format!("{says}: {needed} pages are needed")))
        } else if total_pages > MAX_PAGES {
            Err(listing.inconsistent(format!(
                "{says}: telrep reads at most {MAX_PAGES} pages ({} results) of one listing",
                MAX_PAGES * PAGE_SIZE
            )))
        } else {
            Ok(listing)
        }
    }

    /// Adds page `number` once its meta agrees with page 1's and it holds the number of
    /// items page 1 implies for it, none of them seen before.
    fn take(&mut self, number: u64, page: Page<T>) -> Result<(), ApiError> {
        let (total_pages, total_results) = (self.total_pages, self.total_results);
        let meta = page.meta;
        if meta.total_results != total_results || meta.total_pages.max(1) != total_pages {
            return Err(self.inconsistent(format!(
                "page {number} says {} results in {} pages, page 1 said {total_results} in {total_pages}: the listing changed while it was read; run again",
                meta.total_results, meta.total_pages
            )));
        }
        if meta.page_number != number {
            return Err(self.inconsistent(format!(
                "page {number} says it is page {}",
                meta.page_number
            )));
        }
        let expected = if number < total_pages {
            PAGE_SIZE
        } else {
            total_results - PAGE_SIZE * (total_pages - 1)
        };
        let got = u64::try_from(page.data.len()).unwrap_or(u64::MAX);
        if got != expected {
            return Err(self.inconsistent(format!(
                "page {number} of {total_pages} holds {got} items, {expected} expected"
            )));
        }
        if number == 1 {
            // Sized once for what page 1 announced (at most a few million, so a server
            // announcing more cannot make telrep reserve more than that).
            let announced = usize::try_from(total_results).unwrap_or(usize::MAX);
            self.numbers.reserve(announced.min(RESERVED_KEYS));
        }
        for item in &page.data {
            let first_time = match (self.key)(item) {
                ListingKey::Number(phone_number) => self.numbers.insert(phone_number),
                ListingKey::Text(text) => self.texts.insert(text),
            };
            if !first_time {
                return Err(self.inconsistent(format!("`{}` is listed twice", (self.key)(item))));
            }
        }
        let index = usize::try_from(number - 1).unwrap_or(usize::MAX);
        if self.pages.len() <= index {
            self.pages.resize_with(index + 1, Vec::new);
        }
        if let Some(slot) = self.pages.get_mut(index) {
            *slot = page.data;
        }
        Ok(())
    }

    /// Every item, in page order: sized once, each page's buffer freed as it is moved (a
    /// flattened collect grew by doubling, copying a million records on the way).
    /// With the phone numbers listed, as the duplicate check kept them.
    fn into_parts(self) -> (Vec<T>, crate::model::NumberSet) {
        let mut items = Vec::with_capacity(self.pages.iter().map(Vec::len).sum());
        for page in self.pages {
            items.extend(page);
        }
        (items, self.numbers)
    }

    fn inconsistent(&self, message: String) -> ApiError {
        ApiError::new("GET", self.path, ApiErrorKind::Inconsistent { message })
    }
}

/// A listing item's key as the duplicate check keeps it.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(super) enum ListingKey {
    /// An E.164 number, as its digits.
    Number(E164),
    /// Any other key (an id), as its text.
    Text(String),
}

impl ListingKey {
    /// A key as text: a number when it is one.
    pub(super) fn of(key: String) -> Self {
        E164::parse(&key).map_or(Self::Text(key), Self::Number)
    }
}

impl std::fmt::Display for ListingKey {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Number(number) => write!(formatter, "{number}"),
            Self::Text(text) => formatter.write_str(text),
        }
    }
}

/// Why one attempt did not succeed.
enum Attempt {
    /// No retry can help (a redirect, an oversized body).
    Fatal(ApiError),
    /// An error status with its headers and body.
    Status {
        status: StatusCode,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// A transport failure; `sent` when the request may have reached the server.
    Transport {
        sent: bool,
        message: String,
        causes: Vec<String>,
    },
}

impl Client {
    fn transport_failure(&self, error: &reqwest::Error) -> Attempt {
        let sent = !error.is_connect();
        let message = if error.is_timeout() {
            "timed out".to_owned()
        } else if error.is_connect() {
            "could not connect".to_owned()
        } else {
            "the connection failed".to_owned()
        };
        // reqwest's own text names the URL (no key); its source chain says why, and may
        // quote what the server sent, so it is scrubbed.
        // An error with no source has no causes to list.
        let causes = std::error::Error::source(error)
            .map(super::error::chain)
            .unwrap_or_default()
            .into_iter()
            .map(|cause| self.config.api_key.redact(&cause))
            .collect();
        Attempt::Transport {
            sent,
            message,
            causes,
        }
    }

    /// The entries of an error body, each text scrubbed of the key.
    fn error_entries(&self, body: &[u8]) -> Vec<super::wire::ErrorEntry> {
        let key = &self.config.api_key;
        let redact = |text: &mut String| *text = key.redact(text);
        // A body that is not a Telnyx error body has no entries; the status still speaks.
        let mut entries = serde_json::from_slice::<ErrorBody>(body)
            .map(|body| body.errors)
            .unwrap_or_default();
        for entry in &mut entries {
            redact(&mut entry.code);
            redact(&mut entry.title);
            let source = entry.source.as_mut();
            let meta = entry.meta.as_mut();
            for text in [
                entry.detail.as_mut(),
                source.and_then(|source| source.pointer.as_mut()),
                meta.and_then(|meta| meta.url.as_mut()),
            ]
            .into_iter()
            .flatten()
            {
                redact(text);
            }
            if let Some(parameter) = entry
                .source
                .as_mut()
                .and_then(|source| source.parameter.as_mut())
            {
                redact(parameter);
            }
        }
        entries
    }
}

pub(super) fn segment(text: &str) -> String {
    utf8_percent_encode(text, SEGMENT).to_string()
}

pub(super) fn reputation_path(id: &str) -> String {
    format!("/enterprises/{}/reputation", segment(id))
}

pub(super) fn number_path(id: &str, number: E164) -> String {
    format!(
        "{}/numbers/{}",
        reputation_path(id),
        segment(&number.to_string())
    )
}

/// Only https, or plain http to a loopback address.
fn check_base_url(base: &str) -> Result<(), ApiError> {
    let shown = without_credentials(base);
    let refuse = |reason: &str| {
        ApiError::new(
            "",
            shown.clone(),
            ApiErrorKind::BadUrl {
                reason: reason.to_owned(),
            },
        )
    };
    let url = Url::parse(base).map_err(|error| refuse(&error.to_string()))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refuse(
            "credentials in the URL are not allowed; the key comes from TELNYX_API_KEY or --api-key-file",
        ));
    }
    match url.scheme() {
        "https" => Ok(()),
        "http" => {
            let loopback = match url.host() {
                Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
                Some(url::Host::Ipv4(address)) => address.is_loopback(),
                Some(url::Host::Ipv6(address)) => address.is_loopback(),
                None => false,
            };
            if loopback {
                Ok(())
            } else {
                Err(refuse(
                    "plain http:// would send the API key unencrypted; use https:// (http:// is allowed only to a loopback address such as the sandbox)",
                ))
            }
        }
        other => Err(refuse(&format!("unsupported scheme `{other}`"))),
    }
}

/// `base` as an error may show it: whatever sits between the scheme and an `@` of the
/// authority (a user name, a password, a key) is replaced, parseable or not.
fn without_credentials(base: &str) -> String {
    // The parser accepts more spellings than `scheme://` (`https:user:KEY@host`), so the
    // credentials are taken out of what it parsed, and the raw text only when it fails.
    if let Ok(mut url) = Url::parse(base) {
        if url.username().is_empty() && url.password().is_none() {
            return base.to_owned();
        }
        let _ = url.set_username("");
        let _ = url.set_password(None);
        return format!("{url} [credentials removed]");
    }
    match base.rfind('@') {
        Some(at) => format!("[credentials removed]@{}", &base[at + 1..]),
        None => base.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listing_key_keeps_a_number_as_digits_and_shows_it_as_it_came() {
        let number = ListingKey::of("+12025550100".to_owned());
        assert_eq!(
            number,
            ListingKey::Number(E164::parse("+12025550100").unwrap())
        );
        assert_eq!(number.to_string(), "+12025550100");
        let id = ListingKey::of("5b0e1c2d-0000-4000-8000-000000000000".to_owned());
        assert_eq!(id.to_string(), "5b0e1c2d-0000-4000-8000-000000000000");
        // Not the exact E.164 spelling: kept as text, so it cannot equal a number.
        let spaced = ListingKey::of("+1 202 555 0100".to_owned());
        assert_eq!(spaced, ListingKey::Text("+1 202 555 0100".to_owned()));
        assert_ne!(spaced, number);
    }

    #[test]
    fn a_refused_url_never_shows_its_credentials() {
        let error = check_base_url("https://user:KEY123@api.example/v2").unwrap_err();
        assert_eq!(
            crate::telnyx::one_line(&error),
            "refusing the API URL `https://api.example/v2 [credentials removed]`: credentials in the URL are not allowed; the key comes from TELNYX_API_KEY or --api-key-file"
        );
        assert_eq!(
            without_credentials("http://KEY123@[::1/v2"),
            "[credentials removed]@[::1/v2"
        );
        // Spellings the URL parser accepts without `://` lose their credentials too.
        for base in [
            "https:user:KEY123@api.example/v2",
            "https:/user:KEY123@api.example/v2",
            "https:\\\\user:KEY123@api.example/v2",
        ] {
            assert_eq!(
                without_credentials(base),
                "https://api.example/v2 [credentials removed]",
                "{base}"
            );
        }
        assert_eq!(
            without_credentials("https://api.telnyx.com/v2?a=b@c"),
            "https://api.telnyx.com/v2?a=b@c"
        );
    }

    #[test]
    fn base_urls() {
        assert!(check_base_url("https://api.telnyx.com/v2").is_ok());
        assert!(check_base_url("http://127.0.0.1:8080/v2").is_ok());
        assert!(check_base_url("http://127.8.0.1:8080/v2").is_ok());
        assert!(check_base_url("http://localhost:1/v2").is_ok());
        assert!(check_base_url("http://[::1]:1/v2").is_ok());
        assert_eq!(
            check_base_url("http://api.telnyx.com/v2")
                .unwrap_err()
                .to_string(),
            "refusing the API URL `http://api.telnyx.com/v2`: plain http:// would send the API \
             key unencrypted; use https:// (http:// is allowed only to a loopback address such \
             as the sandbox)"
        );
        assert!(check_base_url("http://10.0.0.1/v2").is_err());
        assert!(check_base_url("ftp://127.0.0.1/v2").is_err());
        assert!(check_base_url("https://user:pw@api.telnyx.com/v2").is_err());
    }

    #[test]
    fn paths_encode_the_plus() {
        let number = E164::parse("+12025551234").unwrap();
        assert_eq!(
            number_path("4a6192a4-0c3b-4d1e-9f2a-8b7c6d5e4f30", number),
            "/enterprises/4a6192a4-0c3b-4d1e-9f2a-8b7c6d5e4f30/reputation/numbers/%2B12025551234"
        );
        assert_eq!(segment("a/b c"), "a%2Fb%20c");
    }
}
