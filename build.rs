//! Records the git commit telrep is built from, for `telrep --version`: `TELREP_COMMIT`
//! when set (a build from a tarball), else `git rev-parse` of the checkout, else nothing.

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=TELREP_COMMIT");
    println!("cargo:rerun-if-changed=.git/HEAD");
    println!("cargo:rerun-if-changed=.git/refs");
    println!("cargo:rerun-if-changed=.git/packed-refs");
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    let commit = std::env::var("TELREP_COMMIT")
        .ok()
        .filter(|commit| !commit.trim().is_empty())
        .or_else(git_commit);
    let shown = match commit {
        Some(commit) => format!("{version} (commit {})", commit.trim()),
        None => version,
    };
    println!("cargo:rustc-env=TELREP_VERSION={shown}");
}

fn git_commit() -> Option<String> {
    let directory = std::env::var_os("CARGO_MANIFEST_DIR")?;
    let output = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(directory)
        .output()
        .ok()?;
    let commit = String::from_utf8(output.stdout).ok()?;
    (output.status.success() && !commit.trim().is_empty()).then_some(commit)
}
