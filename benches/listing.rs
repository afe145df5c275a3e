//! Whether the sandbox serves a page in time independent of the fleet's size: one telrep
//! client (concurrency 8) lists every monitored number of a converged fleet served by a
//! `telrep sandbox serve --latency 0ms` process: 1,000,000 numbers (4,000 pages) once,
//! against 100,000 numbers (400 pages) ten times. Equal work, so a ratio near 1 means a
//! page costs the same whatever the fleet. Then `telrep plan --detailed-exitcode` of the
//! converged 1,000,000-number fleet, at 0 ms and at 25 ms a request: the plan process's own
//! peak memory and CPU, measured by GNU time around that process alone (the sandbox is
//! another process).
//!
//! Run: `cargo bench --bench listing` (release; needs `/usr/bin/time`). Prints Markdown
//! tables for the README.

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

use telrep::telnyx::{ApiKey, Client, ClientConfig};

const RUNS: usize = 3;

fn main() {
    // For profiling: `TELREP_BENCH_FLEET=DIR cargo bench --bench listing` writes the
    // converged 1,000,000-number fleet (manifest, numbers file, sandbox state) into DIR and
    // measures nothing.
    if let Some(directory) = std::env::var_os("TELREP_BENCH_FLEET") {
        let (manifest, state) = fleet::converged_fleet(std::path::Path::new(&directory), 1_000_000);
        println!("{}\n{}", manifest.display(), state.display());
        return;
    }
    block::begin("listing");
    run();
    block::end("listing");
}

fn run() {
    let binary = env!("CARGO_BIN_EXE_telrep");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut rows = Vec::new();
    let mut plans = Vec::new();
    for (count, listings) in [(100_000, 10), (1_000_000, 1)] {
        let temp = tempfile::tempdir().unwrap();
        let (manifest, state) = fleet::converged_fleet(temp.path(), count);
        let (mut sandbox, base) = serve::serve(binary, &state, 0);
        let client = Client::new(ClientConfig::new(
            base.clone(),
            ApiKey::new("bench").unwrap(),
        ))
        .unwrap();
        let mut walls: Vec<Duration> = (0..RUNS)
            .map(|_| {
                runtime.block_on(async {
                    let start = Instant::now();
                    for _ in 0..listings {
                        let monitored = client
                            .list_monitored(fleet::FLEET_ENTERPRISE)
                            .await
                            .unwrap();
                        assert_eq!(monitored.numbers.len(), count);
                    }
                    start.elapsed()
                })
            })
            .collect();
        walls.sort();
        if count == 1_000_000 {
            plans.push((0, plan_runs(binary, &manifest, &base)));
        }
        sandbox.kill().unwrap();
        let _ = sandbox.wait();
        if count == 1_000_000 {
            let (mut slow, slow_base) = serve::serve(binary, &state, 25);
            plans.push((25, plan_runs(binary, &manifest, &slow_base)));
            slow.kill().unwrap();
            let _ = slow.wait();
        }
        rows.push((count, listings, walls[RUNS / 2]));
    }
    let pages = |count: usize, listings: usize| count.div_ceil(250) * listings;
    println!("| listing | pages | wall (median of {RUNS}) | per page |\n|---|---|---|---|");
    for (count, listings, wall) in &rows {
        let pages = pages(*count, *listings);
        println!(
            "| {count} numbers × {listings} | {pages} | {} ms | {:.2} ms |",
            wall.as_millis(),
            wall.as_secs_f64() * 1000.0 / pages as f64
        );
    }
    let (small, large) = (rows[0].2, rows[1].2);
    println!(
        "\nratio (1,000,000 once ÷ 100,000 × 10): {:.2}",
        large.as_secs_f64() / small.as_secs_f64()
    );
    // The floor at 25 ms: the terms beside the enterprise, the settings beside the first
    // page, then 3,999 pages 8 at a time.
    let floor = 25 * (2 + 3_999_u64.div_ceil(8));
    println!(
        "\n| `telrep plan`, 1,000,000 numbers (median of {RUNS}) | wall | user CPU | peak RSS |\n|---|---|---|---|"
    );
    for (latency, (wall, user, rss)) in &plans {
        let ratio = if *latency == 25 {
            format!(
                " ({:.2}× the {floor} ms floor)",
                *wall as f64 / floor as f64
            )
        } else {
            String::new()
        };
        println!(
            "| {latency} ms a request | {wall} ms{ratio} | {user:.2} s | {} MiB |",
            rss / 1024
        );
    }
}

/// `RUNS` plan processes under GNU time: the medians of wall (ms), user CPU (s) and peak
/// RSS (KiB), each of the plan process alone.
fn plan_runs(binary: &str, manifest: &std::path::Path, base: &str) -> (u128, f64, u64) {
    let mut walls = Vec::new();
    let mut users = Vec::new();
    let mut peaks = Vec::new();
    for _ in 0..RUNS {
        let start = Instant::now();
        let output = Command::new("/usr/bin/time")
            .args([
                "-f",
                "%U %M",
                binary,
                "plan",
                "--detailed-exitcode",
                "--api-url",
                base,
            ])
            .arg(manifest)
            .env("TELNYX_API_KEY", "bench")
            .output()
            .unwrap();
        walls.push(start.elapsed().as_millis());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{stderr}");
        let measured = stderr.lines().last().unwrap();
        let (user, rss) = measured.split_once(' ').unwrap();
        users.push(user.parse::<f64>().unwrap());
        peaks.push(rss.trim().parse::<u64>().unwrap());
    }
    walls.sort_unstable();
    users.sort_by(f64::total_cmp);
    peaks.sort_unstable();
    (walls[RUNS / 2], users[RUNS / 2], peaks[RUNS / 2])
}
