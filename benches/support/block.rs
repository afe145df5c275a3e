//! The Markdown block a benchmark prints for the README: between `<!-- bench:NAME -->` and
//! `<!-- /bench:NAME -->`, opened by the date, the machine and the commit, so
//! `benches/regenerate.sh` can put each block in its place in README.md. A benchmark that
//! fails never prints its closing marker, and the script then keeps the README's block.

use std::process::Command;

/// Prints the opening marker and the line saying when, where and from what it was measured.
pub fn begin(name: &str) {
    println!("<!-- bench:{name} -->");
    println!(
        "Measured with `cargo bench --bench {name}` on {}, {}, telrep {}.\n",
        jiff::Timestamp::now().strftime("%Y-%m-%d"),
        machine(),
        commit()
    );
}

/// Prints the closing marker: the block is complete.
pub fn end(name: &str) {
    println!("<!-- /bench:{name} -->");
}

/// The processor, its cores and the memory, as Linux describes them (less elsewhere).
fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|line| line.strip_prefix("model name")?.split_once(':'))
        .map_or_else(
            || std::env::consts::ARCH.to_owned(),
            |(_, model)| model.trim().to_owned(),
        );
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory = meminfo
        .lines()
        .find_map(|line| line.strip_prefix("MemTotal:"))
        .and_then(|kib| kib.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map(|kib| format!(", {} GiB", (kib + 512 * 1024) / (1024 * 1024)))
        .unwrap_or_default();
    format!("{model} ({cores} cores{memory}, {})", std::env::consts::OS)
}

/// `0.1.0 (abc1234)`, the commit left out when git cannot say.
fn commit() -> String {
    let version = env!("CARGO_PKG_VERSION");
    Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|output| output.status.success())
        .and_then(|output| String::from_utf8(output.stdout).ok())
        .map_or_else(
            || version.to_owned(),
            |commit| format!("{version} ({})", commit.trim()),
        )
}
