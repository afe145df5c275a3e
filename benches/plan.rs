//! Planning a converged fleet of 100,000 numbers: the `telrep plan` process against a
//! `telrep sandbox serve` process with 25 ms latency per request, its peak memory, the pure
//! diff alone, and the naive listing (the SDK's default page size, one page at a time).
//!
//! Run: `cargo bench --bench plan` (release). Prints a Markdown table for the README.

#![allow(
    clippy::too_many_lines,
    reason = "a benchmark reads top to bottom; the 80-line limit is for src/"
)]
#![expect(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "a benchmark fails loudly on a broken setup"
)]

#[path = "../tests/support/fleet.rs"]
mod fleet;
#[path = "support/serve.rs"]
mod serve;

#[path = "support/block.rs"]
mod block;
use std::process::Command;
use std::time::{Duration, Instant};

const NUMBERS: usize = 100_000;
const LATENCY_MS: u64 = 25;
const RUNS: usize = 5;

fn main() {
    block::begin("plan");
    run();
    block::end("plan");
}

fn run() {
    let binary = env!("CARGO_BIN_EXE_telrep");
    let temp = tempfile::tempdir().unwrap();
    // TELREP_BENCH_DIR keeps the fleet's files for profiling by hand.
    let directory = std::env::var_os("TELREP_BENCH_DIR")
        .map_or_else(|| temp.path().to_path_buf(), std::path::PathBuf::from);
    let (manifest, state) = fleet::converged_fleet(&directory, NUMBERS);
    let (walls, base, mut sandbox) = plan_runs(binary, &manifest, &state, LATENCY_MS);
    let peak_kib = children_peak_kib();
    let (unlatent, _, mut quick) = plan_runs(binary, &manifest, &state, 0);
    quick.kill().unwrap();
    let _ = quick.wait();

    let pages = NUMBERS.div_ceil(250);
    // The round trips: the terms beside the enterprise, the settings beside the first
    // number page, then the other pages 8 at a time.
    let floor = Duration::from_millis(LATENCY_MS * (2 + (pages as u64 - 1).div_ceil(8)));
    let median = walls[RUNS / 2];

    // The pure diff alone.
    let desired = telrep::manifest::load(&manifest, Default::default()).unwrap();
    let live = converged_live(&desired);
    let mut diffs = Vec::new();
    for _ in 0..7 {
        let start = Instant::now();
        let plan = telrep::diff::diff(&desired, &live, Default::default(), Default::default());
        diffs.push(start.elapsed());
        assert!(!plan.changes, "{:?}", plan.errors);
    }
    diffs.sort();
    // The first-time plan of the same fleet: every number to add, each eligible.
    let mut fresh = converged_live(&desired);
    fresh.candidates = fresh
        .numbers
        .drain(..)
        .map(|number| {
            let record = telrep::model::InventoryRecord {
                phone_number_type: telrep::model::NumberType::Local,
                status: telrep::model::InventoryStatus::Active,
                country_iso_alpha2: "US".to_owned(),
            };
            let candidate = telrep::model::Candidate {
                inventory: Some(record),
                monitored_by: None,
            };
            (number, candidate)
        })
        .collect();
    let mut first_time = Vec::new();
    for _ in 0..7 {
        let start = Instant::now();
        let plan = telrep::diff::diff(&desired, &fresh, Default::default(), Default::default());
        first_time.push(start.elapsed());
        assert_eq!(plan.numbers_added(), NUMBERS, "{:?}", plan.errors);
    }
    first_time.sort();

    // The naive way: page[size] at the API default (10), one page at a time. A sample of
    // pages, timed, extrapolated to the 10,000 pages of the whole listing.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let sample_pages = 80;
    let naive_sample = runtime.block_on(async {
        let http = reqwest::Client::builder().no_proxy().build().unwrap();
        let start = Instant::now();
        for page in 1..=sample_pages {
            let response = http
                .get(format!(
                    "{base}/enterprises/{}/reputation/numbers?page%5Bnumber%5D={page}",
                    fleet::FLEET_ENTERPRISE
                ))
                .bearer_auth("bench")
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200);
            response.bytes().await.unwrap();
        }
        start.elapsed()
    });
    let naive_pages = NUMBERS.div_ceil(10);
    let naive_total = naive_sample.as_secs_f64() / f64::from(sample_pages) * naive_pages as f64;
    sandbox.kill().unwrap();
    let _ = sandbox.wait();

    // `telrep report` of the same fleet, every number with reputation data, against the
    // same latency: the same reads as plan, so the same floor.
    let rated = with_reputation_data(&state, &directory);
    let (reports, _, mut rated_sandbox) = runs(binary, &manifest, &rated, LATENCY_MS, REPORT);
    rated_sandbox.kill().unwrap();
    let _ = rated_sandbox.wait();
    let (reports_text, _, mut rated_sandbox) =
        runs(binary, &manifest, &rated, LATENCY_MS, &["report"]);
    rated_sandbox.kill().unwrap();
    let _ = rated_sandbox.wait();

    println!("| case | figure |\n|---|---|");
    println!(
        "| `telrep plan` of a converged 100,000-number fleet, 25 ms per request (median of {RUNS} processes) | {} ms |",
        median.as_millis()
    );
    println!(
        "| the same with no added latency (CPU and loopback only) | {} ms |",
        unlatent[RUNS / 2].as_millis()
    );
    println!(
        "| floor: (terms ∥ enterprise, settings ∥ page 1, then ceil(399 / 8)) = 52 round trips × 25 ms | {} ms |",
        floor.as_millis()
    );
    println!(
        "| ratio to the floor | {:.2}× |",
        median.as_secs_f64() / floor.as_secs_f64()
    );
    println!(
        "| peak memory of `telrep plan` (max RSS) | {} MiB |",
        peak_kib / 1024
    );
    println!(
        "| the pure diff of 100,000 numbers (median of 7) | {:.1} ms |",
        diffs[3].as_secs_f64() * 1000.0
    );
    println!(
        "| the pure diff adding all 100,000 numbers (first-time plan, median of 7) | {:.1} ms |",
        first_time[3].as_secs_f64() * 1000.0
    );
    println!(
        "| `telrep report --format json`, the same fleet with reputation data, 25 ms per request (median of {RUNS} processes) | {} ms ({:.2}× the floor) |",
        reports[RUNS / 2].as_millis(),
        reports[RUNS / 2].as_secs_f64() / floor.as_secs_f64()
    );
    println!(
        "| `telrep report` (the text table), the same | {} ms ({:.2}× the floor) |",
        reports_text[RUNS / 2].as_millis(),
        reports_text[RUNS / 2].as_secs_f64() / floor.as_secs_f64()
    );
    println!(
        "| naive listing: page size 10, one page at a time ({sample_pages} pages timed, ×{naive_pages} pages) | {:.0} s ({:.1}× the plan) |",
        naive_total,
        naive_total / median.as_secs_f64()
    );
}

const PLAN: &[&str] = &["plan", "--detailed-exitcode"];
const REPORT: &[&str] = &["report", "--format", "json"];

/// Starts a sandbox with this latency and times `RUNS` plan processes against it; the
/// sorted wall times, the base URL and the running sandbox.
fn plan_runs(
    binary: &str,
    manifest: &std::path::Path,
    state: &std::path::Path,
    latency_ms: u64,
) -> (Vec<Duration>, String, std::process::Child) {
    runs(binary, manifest, state, latency_ms, PLAN)
}

/// A copy of the fleet's state file in which every number has reputation data (a third
/// rated above low), as after a refresh.
fn with_reputation_data(
    state: &std::path::Path,
    directory: &std::path::Path,
) -> std::path::PathBuf {
    let mut world: serde_json::Value =
        serde_json::from_slice(&std::fs::read(state).unwrap()).unwrap();
    let mut index = 0_u64;
    for records in world["numbers"].as_object_mut().unwrap().values_mut() {
        for record in records.as_array_mut().unwrap() {
            let risk = ["low", "low", "medium", "low", "high", "low"][(index % 6) as usize];
            record["reputation_data"] = serde_json::json!({
                "spam_risk": risk, "spam_category": null, "maturity_score": index % 101,
                "connection_score": 50, "engagement_score": null, "sentiment_score": 70,
                "last_refreshed_at": "2026-11-30T03:00:00Z"
            });
            index += 1;
        }
    }
    let rated = directory.join("rated.json");
    std::fs::write(&rated, serde_json::to_vec(&world).unwrap()).unwrap();
    rated
}

/// Starts a sandbox with this latency and times `RUNS` processes of `command` (plus the
/// manifest) against it; the sorted wall times, the base URL and the running sandbox.
fn runs(
    binary: &str,
    manifest: &std::path::Path,
    state: &std::path::Path,
    latency_ms: u64,
    command: &[&str],
) -> (Vec<Duration>, String, std::process::Child) {
    let (sandbox, base) = serve::serve(binary, state, latency_ms);
    let mut walls = Vec::new();
    for _ in 0..RUNS {
        let start = Instant::now();
        let output = Command::new(binary)
            .args(command)
            .args(["--api-url", &base])
            .arg(manifest)
            .env("TELNYX_API_KEY", "bench")
            .output()
            .unwrap();
        walls.push(start.elapsed());
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    walls.sort();
    (walls, base, sandbox)
}

/// Max resident set of the children waited for so far (the plan processes), in KiB.
fn children_peak_kib() -> u64 {
    let usage =
        nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN).unwrap();
    u64::try_from(usage.max_rss()).unwrap()
}

fn converged_live(desired: &telrep::model::Desired) -> telrep::model::Live {
    let telrep::model::ReputationSpec::Enabled { numbers, .. } = &desired.reputation else {
        unreachable!()
    };
    let serde_json::Value::Object(fields) = serde_json::to_value(&desired.enterprise).unwrap()
    else {
        unreachable!()
    };
    telrep::model::Live {
        terms_agreed: true,
        enterprise: Some(telrep::model::LiveEnterprise {
            id: fleet::FLEET_ENTERPRISE.to_owned(),
            fields: fields.into_iter().collect(),
        }),
        reputation: Some(telrep::model::LiveReputation {
            status: telrep::model::Status::Approved,
            loa_status: telrep::model::Status::Approved,
            loa_document_id: Some("2a7e8337-5f1c-4b2e-9d5a-7c3e1f0b6a49".to_owned()),
            check_frequency: "business_daily".to_owned(),
            rejection_reasons: Vec::new(),
            external_verification_status: None,
        }),
        numbers: numbers.numbers.clone(),
        // As observation hands it on, so the diff measured is the one `plan` runs.
        number_set: numbers.numbers.iter().copied().collect(),
        ..telrep::model::Live::default()
    }
}
