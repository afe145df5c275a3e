//! Every API response telrep reads, under hostile bodies.
//!
//! Input: byte 0 picks one of the client's calls (`CALLS`), byte 1 the HTTP status the
//! server answers with (`STATUSES`), the rest is the body; bytes 0x1e (never in JSON text)
//! split it into the pages of a listing: page N of a listing is answered with part
//! `(N - 1) % parts`, every other call with part 0.
//!
//! Two paths are fuzzed with each input:
//! 1. Each part decoded directly as every response type (`wire`, `remediation`, the
//!    report's row), as the client's `from_body` does it: `serde_json::from_str` on UTF-8,
//!    `from_slice` otherwise. Both must agree, and decoding allocates at most
//!    `ALLOCATION_FACTOR` times the body plus a constant.
//! 2. The real client (`telrep::telnyx::Client`) calls a loopback server that answers with
//!    the parts: the real path, redaction of the key, `defang`, `from_body`, the listing
//!    checks, the monitored-number conversion, the error entries.
//!
//! What must hold of the client's answer: nothing it decoded and no error it gives
//! carries a character that could forge terminal output (`telrep::telnyx::is_forging`),
//! no error names the key, a GET is never ambiguous and an undecodable 2xx answer to a
//! write always is, and on a body `defang` and redaction leave alone the client decodes
//! exactly what `serde_json` does.

#![no_main]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::fmt::Debug;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use serde::Serialize;
use serde::de::{Deserialize, DeserializeOwned};
use telrep::model::{E164, EnterpriseSpec};
use telrep::report::ReportNumber;
use telrep::telnyx::remediation::{RemediationCreate, RemediationRequest, RemediationResults};
use telrep::telnyx::wire::{
    Document, Enterprise, ErrorBody, ExternalVerification, MonitoredNumber, NumberOwnership, Page,
    PhoneNumber, RefreshResult, ReputationNumber, ReputationSettings, Single, TosAgreement,
    TosStatus,
};
use telrep::telnyx::{ApiError, ApiErrorKind, ApiKey, Client, ClientConfig, NumberFilter};
use telrep::telnyx::{is_forging, leaves_alone, one_line};

/// The key the client sends; long enough to be scrubbed from success bodies too.
const KEY: &str = "KEYsuper-secret-0123456789";
const ID: &str = "4a6192a4-0c3b-4d1e-9f2a-8b7c6d5e4f30";
const STATUSES: [u16; 12] = [200, 200, 200, 201, 202, 302, 400, 401, 404, 409, 422, 500];
/// Decoding a body of n bytes allocates at most this many times n (plus `ALLOCATION_SLACK`).
const ALLOCATION_FACTOR: usize = 128;
const ALLOCATION_SLACK: usize = 1 << 20;

// --- allocation accounting for the direct decodes (this thread only) -------------------

struct Counting;

thread_local! {
    static LIVE: Cell<usize> = const { Cell::new(0) };
    static PEAK: Cell<usize> = const { Cell::new(0) };
}

fn add(size: usize) {
    let _ = LIVE.try_with(|live| {
        let now = live.get() + size;
        live.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
    });
}

fn sub(size: usize) {
    let _ = LIVE.try_with(|live| live.set(live.get().saturating_sub(size)));
}

// SAFETY: every call is passed on to `System` unchanged; only sizes are counted.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        add(layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        sub(layout.size());
        unsafe { System.dealloc(pointer, layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        add(layout.size());
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, pointer: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        sub(layout.size());
        add(new_size);
        unsafe { System.realloc(pointer, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Peak bytes allocated on this thread by `work`, beyond what was live before it.
fn peak_of(work: impl FnOnce()) -> usize {
    let base = LIVE.with(Cell::get);
    PEAK.with(|peak| peak.set(base));
    work();
    PEAK.with(Cell::get) - base
}

// --- the loopback server ----------------------------------------------------------------

/// What the server answers this run with.
struct Script {
    status: u16,
    parts: Vec<Vec<u8>>,
}

static SCRIPT: Mutex<Script> = Mutex::new(Script {
    status: 200,
    parts: Vec::new(),
});

fn serve(listener: TcpListener) {
    for stream in listener.incoming().flatten() {
        std::thread::spawn(move || {
            let _ = connection(stream);
        });
    }
}

/// Answers the requests of one keep-alive connection.
fn connection(stream: TcpStream) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line)? == 0 {
            return Ok(());
        }
        let mut length = 0usize;
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header)? == 0 {
                return Ok(());
            }
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        std::io::copy(&mut (&mut reader).take(length as u64), &mut std::io::sink())?;
        // `page%5Bnumber%5D=N` as the client encodes `page[number]`.
        let page = request_line
            .split_once("page%5Bnumber%5D=")
            .and_then(|(_, rest)| {
                rest.split(|c: char| !c.is_ascii_digit())
                    .next()?
                    .parse::<usize>()
                    .ok()
            })
            .unwrap_or(1);
        let (status, body) = {
            let script = SCRIPT
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let parts = script.parts.len().max(1);
            let body = script
                .parts
                .get((page.max(1) - 1) % parts)
                .cloned()
                .unwrap_or_default();
            (script.status, body)
        };
        let mut head = format!(
            "HTTP/1.1 {status} Fuzzed\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
            body.len()
        );
        if (300..400).contains(&status) {
            head.push_str(&format!("location: https://elsewhere.example/{KEY}\r\n"));
        }
        head.push_str("\r\n");
        writer.write_all(head.as_bytes())?;
        writer.write_all(&body)?;
        writer.flush()?;
    }
}

struct World {
    runtime: tokio::runtime::Runtime,
    client: Client,
    spec: EnterpriseSpec,
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        std::thread::spawn(move || serve(listener));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let mut config =
            ClientConfig::new(format!("http://{address}/v2"), ApiKey::new(KEY).unwrap());
        // Every answer is final: a retry would only ask the same server again.
        config.retry.max_retries = 0;
        config.timeout = Duration::from_secs(5);
        config.concurrency = 4;
        let client = {
            let _guard = runtime.enter();
            Client::new(config).unwrap()
        };
        let example = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/acme.yaml");
        let spec = telrep::manifest::load(std::path::Path::new(example), Default::default())
            .unwrap()
            .enterprise;
        World {
            runtime,
            client,
            spec,
        }
    })
}

// --- properties --------------------------------------------------------------------------

fn no_forging_strings(value: &serde_json::Value, what: &str) {
    match value {
        serde_json::Value::String(text) => {
            if let Some(character) = text.chars().find(|character| is_forging(*character)) {
                panic!("{what}: decoded {character:?} in {text:?}");
            }
            assert!(!text.contains(KEY), "{what}: decoded the key in {text:?}");
        }
        serde_json::Value::Array(items) => {
            items.iter().for_each(|item| no_forging_strings(item, what))
        }
        serde_json::Value::Object(map) => {
            map.values().for_each(|item| no_forging_strings(item, what))
        }
        _ => {}
    }
}

/// Rendering the LOA is a POST that changes nothing: its errors are never ambiguous.
fn renders_loa(error: &ApiError) -> bool {
    error.method == "POST" && error.path.ends_with("/reputation/loa")
}

fn check_error(error: &ApiError, status: u16, what: &str) {
    let line = one_line(error);
    if let Some(character) = line.chars().find(|character| is_forging(*character)) {
        panic!("{what}: error carries {character:?}: {line:?}");
    }
    assert!(!line.contains(KEY), "{what}: error names the key: {line:?}");
    if error.method == "GET" {
        assert!(!error.is_ambiguous(), "{what}: an ambiguous GET: {line}");
    } else if (200..300).contains(&status)
        && matches!(error.kind, ApiErrorKind::Decode { .. })
        && !renders_loa(error)
    {
        assert!(
            error.is_ambiguous(),
            "{what}: a write answered {status} not ambiguous: {line}"
        );
    }
    if let ApiErrorKind::Status { status: seen, .. } = error.kind {
        assert_eq!(seen, status, "{what}: {line}");
    }
}

fn check<T: Serialize>(result: &Result<T, ApiError>, status: u16, what: &str) {
    match result {
        Ok(value) => {
            assert!(
                (200..300).contains(&status) || status == 404,
                "{what}: success on {status}"
            );
            let value = serde_json::to_value(value).unwrap();
            no_forging_strings(&value, what);
        }
        Err(error) => check_error(error, status, what),
    }
}

/// Whether `defang` and the redaction leave `body` as it is: nothing starts an escape or a
/// forging character, and no spelling of the key (its base64 forms start `S0VZ`) is there.
fn untouched(body: &[u8]) -> bool {
    leaves_alone(body)
        && !body.windows(3).any(|window| window == b"KEY")
        && !body.windows(4).any(|window| window == b"S0VZ")
}

/// On an untouched 2xx body, a `{"data": T}` call answers what serde_json decodes.
fn same_as_serde<T: DeserializeOwned + PartialEq + Debug>(
    got: &Result<Option<T>, ApiError>,
    status: u16,
    body: &[u8],
    what: &str,
) {
    if !(200..300).contains(&status) {
        return;
    }
    // Making strings visible never makes invalid JSON valid: a body serde_json refuses is
    // refused, whatever else it holds.
    if serde_json::from_slice::<serde::de::IgnoredAny>(body).is_err() {
        assert!(got.is_err(), "{what}: invalid JSON answered {got:?}");
    }
    if !untouched(body) {
        return;
    }
    let direct = serde_json::from_slice::<Single<T>>(body).map(|single| single.data);
    match (got, direct) {
        (Ok(Some(got)), Ok(direct)) => assert_eq!(*got, direct, "{what}"),
        (Err(error), Err(_)) => {
            assert!(
                matches!(error.kind, ApiErrorKind::Decode { .. }),
                "{what}: {error}"
            )
        }
        (got, direct) => panic!("{what}: client {got:?}, serde_json {direct:?}"),
    }
}

/// Decodes `bytes` as `T` both ways `from_body` may: they must agree.
fn both<'a, T: Deserialize<'a> + PartialEq + Debug>(bytes: &'a [u8]) {
    let sliced = serde_json::from_slice::<T>(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        let read = serde_json::from_str::<T>(text);
        match (&sliced, &read) {
            (Ok(a), Ok(b)) => assert_eq!(a, b),
            (Err(_), Err(_)) => {}
            _ => panic!("from_slice {sliced:?} but from_str {read:?}"),
        }
    }
}

fn decode_every_type(bytes: &[u8]) {
    both::<Single<TosStatus>>(bytes);
    both::<Single<TosAgreement>>(bytes);
    both::<Single<Enterprise>>(bytes);
    both::<Page<Enterprise>>(bytes);
    both::<Single<ReputationSettings>>(bytes);
    both::<Single<ReputationNumber>>(bytes);
    both::<Page<ReputationNumber>>(bytes);
    both::<Page<MonitoredNumber<'_>>>(bytes);
    both::<MonitoredNumber<'_>>(bytes);
    both::<Page<ReportNumber>>(bytes);
    both::<Single<NumberOwnership>>(bytes);
    both::<Single<ExternalVerification>>(bytes);
    both::<Single<RefreshResult>>(bytes);
    both::<Single<Document>>(bytes);
    both::<Single<PhoneNumber>>(bytes);
    both::<Page<PhoneNumber>>(bytes);
    both::<Single<RemediationRequest>>(bytes);
    both::<RemediationResults>(bytes);
    both::<ErrorBody>(bytes);
}

fn number(text: &str) -> E164 {
    E164::parse(text).unwrap()
}

/// The client's calls, each with what its answer must satisfy.
const CALLS: u8 = 29;

async fn call(client: &Client, spec: &EnterpriseSpec, which: u8, status: u16, first: &[u8]) {
    let numbers = [number("+12025550100"), number("+13125550101")];
    let what = format!("call {which} answered {status}");
    let what = what.as_str();
    match which % CALLS {
        0 => {
            let got = client.tos_status().await;
            check(&got, status, what);
            same_as_serde(&got.map(Some), status, first, what);
        }
        1 => check(&client.tos_agree().await, status, what),
        2 => check(&client.list_enterprises(None).await, status, what),
        3 => {
            let got = client.get_enterprise(ID).await;
            check(&got, status, what);
            if status != 404 {
                same_as_serde(&got, status, first, what);
            }
        }
        4 => {
            let got = client.create_enterprise(spec).await;
            check(&got, status, what);
            same_as_serde(&got.map(Some), status, first, what);
        }
        5 => {
            let mut fields = serde_json::Map::new();
            fields.insert("website".to_owned(), serde_json::json!("https://acme.org"));
            check(&client.update_enterprise(ID, &fields).await, status, what);
        }
        6 => {
            let got = client.get_reputation(ID).await;
            check(&got, status, what);
            let deleted = serde_json::from_slice::<Single<ReputationSettings>>(first)
                .is_ok_and(|single| single.data.status == "deleted");
            if status != 404 && !deleted {
                same_as_serde(&got, status, first, what);
            }
        }
        7 => check(
            &client.enable_reputation(ID, "doc", Some("daily")).await,
            status,
            what,
        ),
        8 => check(&client.update_frequency(ID, "weekly").await, status, what),
        9 => check(&client.update_loa(ID, "doc").await, status, what),
        10 => check(&client.disable_reputation(ID).await, status, what),
        11 => check(
            &client.list_numbers(ID, &NumberFilter::All).await,
            status,
            what,
        ),
        12 => {
            let got = client.list_monitored(ID).await;
            let got = got.map(|monitored| {
                for external in &monitored.external {
                    assert!(
                        monitored.numbers.contains(external),
                        "{what}: {monitored:?}"
                    );
                }
                let numbers: Vec<String> =
                    monitored.numbers.iter().map(ToString::to_string).collect();
                (
                    numbers,
                    monitored.ownership.into_values().collect::<Vec<_>>(),
                )
            });
            check(&got, status, what);
        }
        13 => {
            let got = client
                .list_reputation_numbers(ID, |row: &ReportNumber| row.phone_number.clone())
                .await;
            check(&got, status, what);
        }
        14 => check(&client.list_all_numbers().await, status, what),
        15 => check(&client.add_numbers(ID, &numbers).await, status, what),
        16 => check(&client.delete_number(ID, numbers[0]).await, status, what),
        17 => {
            let got = client.refresh_numbers(ID, &numbers).await;
            check(&got, status, what);
            same_as_serde(&got.map(Some), status, first, what);
        }
        18 => {
            let body = RemediationCreate {
                phone_numbers: numbers.iter().map(ToString::to_string).collect(),
                call_purpose: "appointment reminders".to_owned(),
                contact_email: None,
                webhook_url: None,
            };
            check(&client.create_remediation(ID, &body).await, status, what);
        }
        19 => {
            let got = client.get_remediation(ID, "r1").await;
            check(&got, status, what);
            same_as_serde(&got.map(Some), status, first, what);
        }
        20 => match client.render_loa(ID).await {
            Ok(pdf) => {
                assert!(pdf.starts_with(b"%PDF-"), "{what}");
                assert_eq!(pdf, first, "{what}: a PDF is kept byte for byte");
            }
            Err(error) => check_error(&error, status, what),
        },
        21 => {
            let got = client.get_number(ID, numbers[0], true).await;
            check(&got, status, what);
            same_as_serde(&got.map(Some), status, first, what);
        }
        22 => check(
            &client.upload_document("loa.pdf", b"%PDF-1.4").await,
            status,
            what,
        ),
        23 => {
            let got = client.get_external_verification(ID).await;
            check(&got, status, what);
            if status != 404 {
                same_as_serde(&got, status, first, what);
            }
        }
        24 => {
            let documents = ["d1".to_owned()];
            check(
                &client.submit_external_verification(ID, &documents).await,
                status,
                what,
            );
        }
        25 => check(
            &client.confirm_ownership(ID, numbers[0]).await,
            status,
            what,
        ),
        26 => check(&client.set_ownership_webhook(ID, None).await, status, what),
        27 => {
            let got = client.get_document("d1").await;
            check(&got, status, what);
            if status != 404 {
                same_as_serde(&got, status, first, what);
            }
        }
        _ => check(&client.list_phone_numbers(None).await, status, what),
    }
}

fuzz_target!(|data: &[u8]| {
    let [which, status, body @ ..] = data else {
        return;
    };
    let status = STATUSES[usize::from(*status) % STATUSES.len()];
    // A listing reads at most a few parts before one contradicts another.
    let parts: Vec<Vec<u8>> = body
        .split(|byte| *byte == 0x1e)
        .take(8)
        .map(<[u8]>::to_vec)
        .collect();

    for part in &parts {
        let peak = peak_of(|| decode_every_type(part));
        assert!(
            peak <= ALLOCATION_FACTOR * part.len() + ALLOCATION_SLACK,
            "decoding {} bytes allocated {peak} bytes at its peak",
            part.len()
        );
    }

    let world = world();
    let first = parts.first().cloned().unwrap_or_default();
    *SCRIPT.lock().unwrap() = Script { status, parts };
    world
        .runtime
        .block_on(call(&world.client, &world.spec, *which, status, &first));
});
