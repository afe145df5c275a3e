//! The naive way beside telrep, in one run against the same sandbox: a script with the
//! official Telnyx SDK (`tests/sdk/naive.mjs`: auto-pagination at the SDK's default page
//! size, one add call per 100 numbers, one delete at a time, in sequence) and `telrep apply`
//! each add N numbers, then prune N/10 of them, on identical fresh `telrep sandbox serve`
//! processes with 25 ms added to every request. Calls are counted by the sandbox.
//!
//! Run: `cargo bench --bench naive` (release; needs `node` and `tests/sdk/node_modules`,
//! from `npm ci --prefix tests/sdk`). Prints a Markdown table for the README.

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
#[path = "support/serve.rs"]
#[expect(
    dead_code,
    reason = "shared with the other benchmarks; this one starts no sandbox on a state file"
)]
mod serve;

#[path = "support/block.rs"]
mod block;
use std::ffi::OsStr;
use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use serde_json::Value;

const SIZES: [usize; 2] = [10_000, 100_000];
const LATENCY_MS: u64 = 25;
const KEY: &str = "bench";

/// The manifest's numbers, as `valid_minimal.yaml` lists them.
const NUMBERS_ENTRY: &str = "  numbers:\n    - \"+12025551234\"\n";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Way {
    Naive,
    Telrep,
}

/// The requests the sandbox served in one way's two runs, by kind.
#[derive(Debug, Default, PartialEq, Eq)]
struct Calls {
    list: usize,
    add: usize,
    delete: usize,
    other: usize,
}

impl Calls {
    fn total(&self) -> usize {
        self.list + self.add + self.delete + self.other
    }
}

/// One way at one size: its calls, the wall of each run (add N, prune N/10), and the
/// naive script's own report of each run.
struct Row {
    way: Way,
    numbers: usize,
    calls: Calls,
    walls: [Duration; 2],
    reports: Vec<Value>,
}

fn main() {
    block::begin("naive");
    run();
    block::end("naive");
}

fn run() {
    let began = Instant::now();
    let binary = env!("CARGO_BIN_EXE_telrep");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let script = root.join("tests/sdk/naive.mjs");
    assert!(
        root.join("tests/sdk/node_modules/telnyx/package.json")
            .exists(),
        "the official SDK is missing: run `npm ci --prefix tests/sdk`"
    );
    let temp = tempfile::tempdir().unwrap();
    let directory = temp.path();
    std::fs::create_dir_all(directory.join("loa")).unwrap();
    std::fs::copy(
        root.join("tests/fixtures/loa/signed.pdf"),
        directory.join("loa/signed.pdf"),
    )
    .unwrap();
    let minimal = std::fs::read_to_string(root.join("tests/fixtures/valid_minimal.yaml")).unwrap();
    assert!(minimal.contains(NUMBERS_ENTRY));
    let manifest = |name: &str, numbers: &str| {
        let path = directory.join(name);
        std::fs::write(&path, minimal.replace(NUMBERS_ENTRY, numbers)).unwrap();
        path
    };
    let seed = manifest("seed.yaml", "  numbers: []\n");

    let mut rows = Vec::new();
    for numbers in SIZES {
        let fleet = fleet::fleet_numbers(numbers);
        let pruned = numbers / 10;
        let write = |name: &str, numbers: &[String]| {
            let path = directory.join(name);
            std::fs::write(&path, numbers.join("\n") + "\n").unwrap();
            path
        };
        let inventory = write(&format!("inventory-{numbers}.txt"), &fleet);
        let all = write(&format!("all-{numbers}.txt"), &fleet);
        let kept = write(&format!("kept-{numbers}.txt"), &fleet[pruned..]);
        let all_manifest = manifest(
            &format!("all-{numbers}.yaml"),
            &format!("  numbers:\n    - file: all-{numbers}.txt\n"),
        );
        let kept_manifest = manifest(
            &format!("kept-{numbers}.yaml"),
            &format!("  numbers:\n    - file: kept-{numbers}.txt\n  prune: true\n"),
        );
        for way in [Way::Naive, Way::Telrep] {
            let (sandbox, base) = fresh(binary, &inventory, &seed);
            let mut walls = [Duration::ZERO; 2];
            let mut reports = Vec::new();
            let runs = match way {
                Way::Naive => [all.as_path(), kept.as_path()],
                Way::Telrep => [all_manifest.as_path(), kept_manifest.as_path()],
            };
            for (wall, desired) in walls.iter_mut().zip(runs) {
                let start = Instant::now();
                match way {
                    Way::Naive => reports.push(naive(&script, &base, desired)),
                    Way::Telrep => telrep_apply(binary, &base, desired),
                }
                *wall = start.elapsed();
            }
            let calls = served(&base);
            assert_eq!(monitored(&base), numbers - pruned);
            if way == Way::Naive {
                assert_eq!(calls, reported(&reports));
            }
            eprintln!(
                "{} at {numbers}: {} calls, {:.1} s",
                label(way),
                calls.total(),
                (walls[0] + walls[1]).as_secs_f64()
            );
            stop(sandbox);
            rows.push(Row {
                way,
                numbers,
                calls,
                walls,
                reports,
            });
        }
    }

    println!(
        "| way | numbers | list calls | add calls | delete calls | other calls | total calls | add N (wall) | prune N/10 (wall) | total wall | naive ÷ telrep |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for pair in rows.chunks(2) {
        let [naive, telrep] = pair else {
            unreachable!()
        };
        for row in [telrep, naive] {
            let total = row.walls[0] + row.walls[1];
            let ratio = if row.way == Way::Naive {
                let telrep_total = telrep.walls[0] + telrep.walls[1];
                format!(
                    "{:.1}× calls, {:.1}× wall",
                    row.calls.total() as f64 / telrep.calls.total() as f64,
                    total.as_secs_f64() / telrep_total.as_secs_f64()
                )
            } else {
                "".to_owned()
            };
            println!(
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {ratio} |",
                label(row.way),
                thousands(row.numbers),
                thousands(row.calls.list),
                thousands(row.calls.add),
                thousands(row.calls.delete),
                thousands(row.calls.other),
                thousands(row.calls.total()),
                seconds(row.walls[0]),
                seconds(row.walls[1]),
                seconds(total),
            );
        }
    }
    println!();
    println!("The naive script's own phases (ms: find the enterprise, list, add, delete):");
    println!();
    println!("| numbers | run | find | list | add | delete |\n|---|---|---|---|---|---|");
    for row in rows.iter().filter(|row| row.way == Way::Naive) {
        for (run, report) in ["add N", "prune N/10"].iter().zip(&row.reports) {
            let ms = &report["ms"];
            println!(
                "| {} | {run} | {} | {} | {} | {} |",
                thousands(row.numbers),
                ms["find"],
                thousands(ms["list"].as_u64().unwrap() as usize),
                thousands(ms["add"].as_u64().unwrap() as usize),
                thousands(ms["delete"].as_u64().unwrap() as usize),
            );
        }
    }
    eprintln!("whole benchmark: {:.0} s", began.elapsed().as_secs_f64());
}

fn label(way: Way) -> &'static str {
    match way {
        Way::Naive => "naive: official SDK, page size 10, one call at a time",
        Way::Telrep => "`telrep apply`, concurrency 8",
    }
}

/// A sandbox whose inventory holds `inventory`, with the enterprise of `seed` created,
/// vetted and enabled by `telrep apply`, and its request log cleared.
fn fresh(binary: &str, inventory: &Path, seed: &Path) -> (Child, String) {
    let (sandbox, base) = serve::serve_with(
        binary,
        LATENCY_MS,
        &[
            OsStr::new("--inventory"),
            inventory.as_os_str(),
            OsStr::new("--approve-after"),
            OsStr::new("0"),
        ],
    );
    telrep_apply(binary, &base, seed);
    assert_eq!(http("DELETE", &control(&base)).status, 204);
    (sandbox, base)
}

/// `telrep apply --auto-approve` of `manifest`; panics unless it converged.
fn telrep_apply(binary: &str, base: &str, manifest: &Path) {
    let output = Command::new(binary)
        .args([
            "apply",
            "--auto-approve",
            "--color",
            "never",
            "--api-url",
            base,
        ])
        .arg(manifest)
        .env("TELNYX_API_KEY", KEY)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Runs the naive script towards the numbers in `desired`; its JSON report.
fn naive(script: &Path, base: &str, desired: &Path) -> Value {
    let output = Command::new("node")
        .arg(script)
        .arg(base)
        .arg(desired)
        .env("TELNYX_API_KEY", KEY)
        // The SDK asks api.telnyx.com for an OAuth token when these are set.
        .env_remove("TELNYX_CLIENT_ID")
        .env_remove("TELNYX_CLIENT_SECRET")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The sandbox's request log, by kind; panics on any request not answered with a 2xx.
fn served(base: &str) -> Calls {
    let log: Value = http("GET", &control(base)).json().unwrap();
    let mut calls = Calls::default();
    for request in log["data"].as_array().unwrap() {
        let status = request["status"].as_u64().unwrap();
        assert!((200..300).contains(&status), "{request}");
        let path = request["path"].as_str().unwrap();
        let kind = match request["method"].as_str().unwrap() {
            "GET" if path.ends_with("/reputation/numbers") => &mut calls.list,
            "POST" if path.ends_with("/reputation/numbers") => &mut calls.add,
            "DELETE" if path.contains("/reputation/numbers/") => &mut calls.delete,
            _ => &mut calls.other,
        };
        *kind += 1;
    }
    calls
}

/// The script's own counts of both runs, in the sandbox's kinds.
fn reported(reports: &[Value]) -> Calls {
    let mut calls = Calls::default();
    for report in reports {
        let count = |kind: &str| report["calls"][kind].as_u64().unwrap() as usize;
        calls.list += count("list_numbers");
        calls.add += count("add");
        calls.delete += count("delete");
        calls.other += count("list_enterprises") + count("other");
    }
    calls
}

/// How many numbers the sandbox's one enterprise monitors (read after the request log).
fn monitored(base: &str) -> usize {
    let enterprises: Value = http("GET", &format!("{base}/enterprises")).json().unwrap();
    let id = enterprises["data"][0]["id"].as_str().unwrap();
    let page: Value = http(
        "GET",
        &format!("{base}/enterprises/{id}/reputation/numbers?page%5Bsize%5D=1"),
    )
    .json()
    .unwrap();
    page["meta"]["total_results"].as_u64().unwrap() as usize
}

fn control(base: &str) -> String {
    format!("{}/_sandbox/requests", base.strip_suffix("/v2").unwrap())
}

fn stop(mut sandbox: Child) {
    sandbox.kill().unwrap();
    let _ = sandbox.wait();
}

/// A response read to the end, from a one-request runtime (the benchmark is otherwise
/// synchronous: it only starts processes).
fn http(method: &str, url: &str) -> Response {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let response = client
            .request(method.parse().unwrap(), url)
            .bearer_auth(KEY)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let body = response.bytes().await.unwrap().to_vec();
        Response { status, body }
    })
}

struct Response {
    status: u16,
    body: Vec<u8>,
}

impl Response {
    fn json(&self) -> serde_json::Result<Value> {
        serde_json::from_slice(&self.body)
    }
}

fn seconds(duration: Duration) -> String {
    format!("{:.1} s", duration.as_secs_f64())
}

/// `100000` as `100,000`.
fn thousands(value: usize) -> String {
    let digits = value.to_string();
    let mut text = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            text.push(',');
        }
        text.push(digit);
    }
    text
}
