//! Many enterprises: a directory of 50 manifests × 2,000 numbers (50 enterprises, 100,000
//! numbers) against one in-memory `telrep sandbox serve --latency 25ms`. Applied from
//! nothing by one `telrep apply --auto-approve DIR` (every manifest at once under one
//! `--concurrency 8` limit) and, on a second fresh sandbox, by one `telrep apply` process
//! per manifest, one after another (how manifests were applied before). Then the converged
//! directory is planned by `telrep plan --detailed-exitcode DIR` against its floor: the
//! round trips of the requests that plan made with 8 in flight, ceil(requests ÷ 8) × 25 ms.
//!
//! Run: `cargo bench --bench enterprises` (release). Prints a Markdown table for the README.

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

const MANIFESTS: usize = 50;
const NUMBERS_EACH: usize = 2_000;
const LATENCY_MS: u64 = 25;
const CONCURRENCY: u64 = 8;
const RUNS: usize = 5;

fn main() {
    block::begin("enterprises");
    run();
    block::end("enterprises");
}

fn run() {
    let binary = env!("CARGO_BIN_EXE_telrep");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let temp = tempfile::tempdir().unwrap();
    let fleet = temp.path().join("fleet");
    let numbers = fleet::fleet_numbers(MANIFESTS * NUMBERS_EACH);
    let inventory = temp.path().join("inventory.txt");
    std::fs::write(&inventory, numbers.join("\n") + "\n").unwrap();
    let minimal = std::fs::read_to_string(root.join("tests/fixtures/valid_minimal.yaml")).unwrap();
    let mut manifests = Vec::new();
    for (index, chunk) in numbers.chunks(NUMBERS_EACH).enumerate() {
        let directory = fleet.join(format!("m{index:02}"));
        std::fs::create_dir_all(directory.join("loa")).unwrap();
        std::fs::copy(
            root.join("tests/fixtures/loa/signed.pdf"),
            directory.join("loa/signed.pdf"),
        )
        .unwrap();
        std::fs::write(directory.join("numbers.txt"), chunk.join("\n") + "\n").unwrap();
        let manifest = minimal
            .replace(
                "legal_name: Acme Corp",
                &format!("legal_name: Fleet {index:02}"),
            )
            .replace("    - \"+12025551234\"\n", "    - file: numbers.txt\n");
        std::fs::write(directory.join("fleet.yaml"), manifest).unwrap();
        manifests.push(directory.join("fleet.yaml"));
    }
    let options = [
        OsStr::new("--inventory"),
        inventory.as_os_str(),
        OsStr::new("--approve-after"),
        OsStr::new("0"),
    ];

    // One after another, as before: one apply process per manifest.
    let (sandbox, base) = serve::serve_with(binary, LATENCY_MS, &options);
    let started = Instant::now();
    for manifest in &manifests {
        assert_eq!(
            telrep(binary, &base, &["apply", "--auto-approve"], manifest),
            0
        );
    }
    let one_by_one = started.elapsed();
    let one_by_one_requests = requests(&base);
    stop(sandbox);

    // All at once.
    let (sandbox, base) = serve::serve_with(binary, LATENCY_MS, &options);
    let started = Instant::now();
    assert_eq!(
        telrep(binary, &base, &["apply", "--auto-approve"], &fleet),
        0
    );
    let at_once = started.elapsed();
    let at_once_requests = requests(&base);

    let mut plans = Vec::new();
    let mut plan_requests = 0;
    for _ in 0..RUNS {
        clear(&base);
        let started = Instant::now();
        assert_eq!(
            telrep(binary, &base, &["plan", "--detailed-exitcode"], &fleet),
            0
        );
        plans.push(started.elapsed());
        plan_requests = requests(&base);
    }
    stop(sandbox);
    plans.sort();
    let floor = |requests: usize| {
        Duration::from_millis(LATENCY_MS * (requests as u64).div_ceil(CONCURRENCY))
    };
    let row = |case: &str, requests: usize, wall: Duration| {
        println!(
            "| {case} | {requests} | {} ms | {} ms | {:.2}× |",
            wall.as_millis(),
            floor(requests).as_millis(),
            wall.as_secs_f64() / floor(requests).as_secs_f64()
        );
    };
    println!(
        "| {MANIFESTS} manifests × {NUMBERS_EACH} numbers, 25 ms a request | requests | wall | ceil(requests ÷ 8) × 25 ms | ratio |\n|---|---|---|---|---|"
    );
    row(
        "`telrep plan DIR`, converged (median of 5)",
        plan_requests,
        plans[RUNS / 2],
    );
    row(
        "`telrep apply DIR` from nothing, every manifest at once",
        at_once_requests,
        at_once,
    );
    row(
        "one `telrep apply` per manifest, one after another",
        one_by_one_requests,
        one_by_one,
    );
}

/// `telrep ARGS PATH --api-url BASE`; its exit code, its stderr shown when it is not 0.
fn telrep(binary: &str, base: &str, args: &[&str], path: &Path) -> i32 {
    let output = Command::new(binary)
        .args(args)
        .arg(path)
        .args(["--api-url", base, "--color", "never"])
        .env("TELNYX_API_KEY", "bench")
        .output()
        .unwrap();
    let code = output.status.code().unwrap_or(-1);
    if code != 0 && code != 2 {
        eprintln!("{}", String::from_utf8_lossy(&output.stderr));
    }
    code
}

/// How many requests the sandbox has served.
fn requests(base: &str) -> usize {
    let log: serde_json::Value = runtime().block_on(async {
        reqwest::get(control(base))
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    log["data"].as_array().unwrap().len()
}

/// Empties the sandbox's request log.
fn clear(base: &str) {
    runtime().block_on(async {
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let response = client.delete(control(base)).send().await.unwrap();
        assert_eq!(response.status(), 204);
    });
}

fn control(base: &str) -> String {
    format!("{}/_sandbox/requests", base.strip_suffix("/v2").unwrap())
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn stop(mut sandbox: Child) {
    sandbox.kill().unwrap();
    let _ = sandbox.wait();
}
