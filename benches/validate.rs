//! Validation at fleet scale: a manifest with a 1,000,000-number file, and how fast hostile
//! input is refused. Prints a Markdown table for the README.
//!
//! Run: `cargo bench --bench validate` (release profile). Each figure is the median of
//! several runs in this process; peak memory comes from a child process that validates
//! once and reports its own high-water mark (VmHWM).

#![allow(
    clippy::too_many_lines,
    reason = "a benchmark reads top to bottom; the 80-line limit is for src/"
)]
#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "a benchmark fails loudly on a broken setup"
)]

#[path = "support/block.rs"]
mod block;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use telrep::manifest::{self, LoadOptions};
use telrep::model::E164;

const RUNS: usize = 7;
const NPAS: [u32; 12] = [202, 212, 312, 415, 617, 206, 303, 512, 404, 305, 213, 702];

fn main() {
    let arguments: Vec<String> = std::env::args().collect();
    if let Some(position) = arguments
        .iter()
        .position(|argument| argument == "--child-load")
    {
        let path = PathBuf::from(&arguments[position + 1]);
        let result = manifest::load(&path, LoadOptions::default());
        let count = match result.expect("valid").reputation {
            telrep::model::ReputationSpec::Enabled { numbers, .. } => numbers.numbers.len(),
            telrep::model::ReputationSpec::Disabled => 0,
        };
        println!("{count} {}", peak_kib());
        return;
    }
    block::begin("validate");
    let temp = tempfile::tempdir().unwrap();
    let root = temp.path();
    let million = write_fleet(root, 1_000_000);
    let mut table = String::from("| case | median | runs |\n|---|---|---|\n");

    let (median, count) = time(|| numbers_of(&million));
    assert_eq!(count, 1_000_000, "every generated number must be valid");
    row(
        &mut table,
        "validate a manifest with 1,000,000 numbers (memoised per NPA-NXX)",
        median,
    );

    let sample: Vec<E164> = std::fs::read_to_string(root.join("numbers.txt"))
        .unwrap()
        .lines()
        .take(20_000)
        .map(|line| E164::parse(line).unwrap())
        .collect();
    let (uncached, _) = time(|| {
        sample
            .iter()
            .filter(|&&number| manifest::Verdict::UsLocal == manifest::ask_libphonenumber(number))
            .count()
    });
    row(
        &mut table,
        "libphonenumber without the cache, 20,000 numbers (×50 for a million)",
        uncached,
    );

    let bomb = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/alias_bomb.yaml");
    let (median, _) = time(|| manifest::load(&bomb, LoadOptions::default()).is_err());
    row(
        &mut table,
        "refuse an alias bomb (10 levels of 10 aliases)",
        median,
    );

    let huge = root.join("huge.yaml");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(100 * 1024 * 1024)
        .unwrap();
    let (median, _) = time(|| manifest::load(&huge, LoadOptions::default()).is_err());
    row(&mut table, "refuse a 100 MB manifest", median);

    let dense = root.join("dense.txt");
    std::fs::write(&dense, "+12025551234\n".repeat(100 * 1024 * 1024 / 13 + 1)).unwrap();
    let dense_manifest = root.join("dense.yaml");
    std::fs::write(
        &dense_manifest,
        std::fs::read_to_string(&million)
            .unwrap()
            .replace("numbers.txt", "dense.txt"),
    )
    .unwrap();
    let (median, _) = time(|| manifest::load(&dense_manifest, LoadOptions::default()).is_err());
    row(&mut table, "refuse a 100 MB numbers file", median);

    let child = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--child-load", million.to_str().unwrap()])
        .output()
        .unwrap();
    let report = String::from_utf8(child.stdout).unwrap();
    let mut fields = report.split_whitespace();
    let count = fields.next().unwrap();
    let peak: u64 = fields.next().unwrap().parse().unwrap();
    let _ = writeln!(
        table,
        "\nPeak memory of one validation of {count} numbers (numbers file {} MiB): {} MiB (VmHWM).",
        std::fs::metadata(root.join("numbers.txt")).unwrap().len() / (1024 * 1024),
        peak / 1024
    );
    print!("{table}");
    block::end("validate");
}

fn numbers_of(path: &Path) -> usize {
    match manifest::load(path, LoadOptions::default())
        .expect("valid")
        .reputation
    {
        telrep::model::ReputationSpec::Enabled { numbers, .. } => numbers.numbers.len(),
        telrep::model::ReputationSpec::Disabled => 0,
    }
}

fn time<T>(mut work: impl FnMut() -> T) -> (Duration, T) {
    let mut durations = Vec::with_capacity(RUNS);
    let mut last = None;
    for _ in 0..RUNS {
        let start = Instant::now();
        let value = std::hint::black_box(work());
        durations.push(start.elapsed());
        last = Some(value);
    }
    durations.sort();
    (durations[RUNS / 2], last.unwrap())
}

fn row(table: &mut String, case: &str, median: Duration) {
    let _ = writeln!(
        table,
        "| {case} | {:.1} ms | {RUNS} |",
        median.as_secs_f64() * 1000.0
    );
}

/// A manifest whose numbers file holds `count` distinct numbers spread over 9,600 NPA-NXX
/// blocks of 12 area codes, as a fleet bought in blocks would be.
fn write_fleet(root: &Path, count: u32) -> PathBuf {
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    std::fs::create_dir_all(root.join("loa")).unwrap();
    std::fs::copy(fixtures.join("loa/signed.pdf"), root.join("loa/signed.pdf")).unwrap();
    let mut numbers = String::with_capacity(usize::try_from(count).unwrap() * 13);
    let blocks: Vec<(u32, u32)> = NPAS
        .iter()
        .flat_map(|&npa| (200..1000).map(move |nxx| (npa, nxx)))
        .collect();
    for index in 0..count {
        let (npa, nxx) = blocks[usize::try_from(index).unwrap() % blocks.len()];
        let line = index / u32::try_from(blocks.len()).unwrap();
        let _ = writeln!(numbers, "+1{npa}{nxx}{line:04}");
    }
    std::fs::write(root.join("numbers.txt"), numbers).unwrap();
    let manifest = std::fs::read_to_string(fixtures.join("valid_minimal.yaml"))
        .unwrap()
        .replace("    - \"+12025551234\"\n", "    - file: numbers.txt\n");
    let path = root.join("fleet.yaml");
    std::fs::write(&path, manifest).unwrap();
    path
}

fn peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}
