//! Applying at fleet scale with 25 ms added to every request: 10,000 numbers added in 100
//! calls at concurrency 8 against the floor, the whole apply, and the naive way (one add
//! call at a time); then removing 1,000 numbers, concurrent against sequential.
//!
//! Run: `cargo bench --bench apply` (release). Prints a Markdown table for the README.

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
#[expect(
    dead_code,
    reason = "shared with the tests; this benchmark needs only the numbers"
)]
mod fleet;

#[path = "support/block.rs"]
mod block;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use telrep::apply::{ApplyOptions, Event, Outcome};
use telrep::model::Desired;
use telrep::plan::Action;
use telrep::sandbox::{Sandbox, SandboxConfig};
use telrep::telnyx::{ApiKey, Client, ClientConfig};

const NUMBERS: usize = 10_000;
const REMOVED: usize = 1_000;
const LATENCY: Duration = Duration::from_millis(25);
/// `--rate-limit` of the rate-limited run, requests a second.
const RATE: u32 = 20;

struct Timing {
    first_start: Option<Instant>,
    last_finish: Option<Instant>,
}

/// Applies `manifest` to the sandbox at `concurrency`; the whole apply's duration and the
/// `action` phase's (first request to last response).
async fn timed_apply(
    client: &Client,
    desired: &Desired,
    concurrency: usize,
    action: Action,
) -> (Duration, Duration) {
    let start = Instant::now();
    let live = telrep::observe::observe(client, desired).await.unwrap();
    let plan = telrep::diff::diff(
        desired,
        &live,
        telrep::plan::PlanOptions {
            allow_disable: false,
            allow_mass_removal: true,
            replace_loa: false,
        },
        Default::default(),
    );
    assert!(plan.errors.is_empty(), "{:?}", plan.errors);
    let timing = Mutex::new(Timing {
        first_start: None,
        last_finish: None,
    });
    let events = |event: Event| match event {
        Event::StepStarted {
            action: started, ..
        } if started == action => {
            timing
                .lock()
                .unwrap()
                .first_start
                .get_or_insert_with(Instant::now);
        }
        Event::StepFinished {
            action: finished, ..
        } if finished == action => {
            timing.lock().unwrap().last_finish = Some(Instant::now());
        }
        _ => {}
    };
    let options = ApplyOptions {
        concurrency,
        poll_interval: Duration::from_millis(50),
        ..ApplyOptions::default()
    };
    let outcome = telrep::apply::execute(client, desired, &plan, &options, &events)
        .await
        .unwrap();
    assert_eq!(outcome, Outcome::Done);
    let whole = start.elapsed();
    let timing = timing.into_inner().unwrap();
    (
        whole,
        timing.last_finish.unwrap() - timing.first_start.unwrap(),
    )
}

async fn fresh(numbers: &[String], rate_limit: Option<u32>) -> (Sandbox, Client) {
    let mut config = SandboxConfig::local();
    config.inventory = numbers
        .iter()
        .map(|number| (number.clone(), "local".to_owned()))
        .collect();
    config.faults.latency = Some((LATENCY, LATENCY));
    config.faults.rate_limit = rate_limit;
    let sandbox = Sandbox::start(config).await.unwrap();
    let client = Client::new(ClientConfig::new(
        sandbox.base_url(),
        ApiKey::new("bench").unwrap(),
    ))
    .unwrap();
    (sandbox, client)
}

/// Every request the sandbox served: method, path, status.
async fn served(sandbox: &Sandbox) -> Vec<serde_json::Value> {
    let requests: serde_json::Value =
        reqwest::get(format!("http://{}/_sandbox/requests", sandbox.address()))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    requests["data"].as_array().unwrap().clone()
}

/// The same two applies under `--rate-limit RATE/s`: their wall against the rate's floor
/// (the requests served ÷ the rate) and the share answered 429.
async fn rate_limited(numbers: &[String], all: &Desired, pruned: &Desired) {
    let (sandbox, client) = fresh(numbers, Some(RATE)).await;
    let start = Instant::now();
    timed_apply(&client, all, 8, Action::AddNumbers).await;
    timed_apply(&client, pruned, 8, Action::RemoveNumber).await;
    let wall = start.elapsed();
    let requests = served(&sandbox).await;
    sandbox.shutdown().await;
    let limited = requests
        .iter()
        .filter(|request| request["status"] == 429)
        .count();
    let calls = requests.len();
    let floor = Duration::from_secs_f64((calls - limited) as f64 / f64::from(RATE));
    println!(
        "\n| under `--rate-limit {RATE}/s`, concurrency 8 | figure |\n|---|---|\n\
         | requests served (both applies) | {calls} |\n\
         | answered 429 | {limited} ({:.1} %) |\n\
         | wall, add {NUMBERS} then prune {REMOVED} | {} ms |\n\
         | floor: {} requests answered ÷ {RATE} a second | {} ms |\n\
         | ratio | {:.3}× |",
        100.0 * limited as f64 / calls as f64,
        wall.as_millis(),
        calls - limited,
        floor.as_millis(),
        wall.as_secs_f64() / floor.as_secs_f64()
    );
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    block::begin("apply");
    run().await;
    block::end("apply");
}

async fn run() {
    let temp = tempfile::tempdir().unwrap();
    let numbers = fleet::fleet_numbers(NUMBERS);
    std::fs::write(temp.path().join("fleet.txt"), numbers.join("\n") + "\n").unwrap();
    std::fs::create_dir_all(temp.path().join("loa")).unwrap();
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    std::fs::copy(
        fixtures.join("loa/signed.pdf"),
        temp.path().join("loa/signed.pdf"),
    )
    .unwrap();
    let manifest = std::fs::read_to_string(fixtures.join("valid_minimal.yaml")).unwrap();
    std::fs::write(
        temp.path().join("all.yaml"),
        manifest.replace("    - \"+12025551234\"\n", "    - file: fleet.txt\n"),
    )
    .unwrap();
    std::fs::write(
        temp.path().join("kept.txt"),
        numbers[REMOVED..].join("\n") + "\n",
    )
    .unwrap();
    std::fs::write(
        temp.path().join("pruned.yaml"),
        manifest.replace(
            "    - \"+12025551234\"\n",
            "    - file: kept.txt\n  prune: true\n",
        ),
    )
    .unwrap();
    let all = telrep::manifest::load(&temp.path().join("all.yaml"), Default::default()).unwrap();
    let pruned =
        telrep::manifest::load(&temp.path().join("pruned.yaml"), Default::default()).unwrap();

    let mut rows = Vec::new();
    for (label, concurrency) in [
        ("telrep, concurrency 8", 8),
        ("naive: one call at a time", 1),
    ] {
        let (sandbox, client) = fresh(&numbers, None).await;
        let (whole, adds) = timed_apply(&client, &all, concurrency, Action::AddNumbers).await;
        let (_, removes) = timed_apply(&client, &pruned, concurrency, Action::RemoveNumber).await;
        let add_calls = served(&sandbox)
            .await
            .iter()
            .filter(|request| {
                request["method"] == "POST"
                    && request["path"]
                        .as_str()
                        .unwrap()
                        .ends_with("/reputation/numbers")
            })
            .count();
        assert_eq!(add_calls, NUMBERS / 100);
        rows.push((label, concurrency, add_calls, adds, whole, removes));
        sandbox.shutdown().await;
    }
    println!(
        "| way | add calls | add phase | floor | ratio | whole first apply | removing {REMOVED} numbers |\n|---|---|---|---|---|---|---|"
    );
    for (label, concurrency, calls, adds, whole, removes) in rows {
        let floor = LATENCY * u32::try_from(calls.div_ceil(concurrency)).unwrap();
        println!(
            "| {label} | {calls} | {} ms | {} ms | {:.2}× | {} ms | {} ms |",
            adds.as_millis(),
            floor.as_millis(),
            adds.as_secs_f64() / floor.as_secs_f64(),
            whole.as_millis(),
            removes.as_millis()
        );
    }
    rate_limited(&numbers, &all, &pruned).await;
}
