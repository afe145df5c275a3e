//! A `telrep sandbox serve` process for the benchmarks that time telrep processes against
//! one: started on a state file (or other options) with a latency, its base URL read from
//! its first line.

use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// A sandbox serving `state` with `latency_ms` added to every request, and its base URL.
pub fn serve(binary: &str, state: &std::path::Path, latency_ms: u64) -> (Child, String) {
    serve_with(
        binary,
        latency_ms,
        &[OsStr::new("--state"), state.as_os_str()],
    )
}

/// A sandbox with `latency_ms` added to every request and these further options of
/// `telrep sandbox serve` (`--inventory FILE`, `--approve-after 0`), and its base URL.
pub fn serve_with(binary: &str, latency_ms: u64, options: &[&OsStr]) -> (Child, String) {
    let mut sandbox = Command::new(binary)
        .args(["sandbox", "serve", "--latency", &format!("{latency_ms}ms")])
        .args(options)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(sandbox.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_owned();
    (sandbox, base)
}
