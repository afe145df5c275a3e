//! Records the git commit telrep is built from, for `telrep --version`: `TELREP_COMMIT`
//! when set (a build from a tarball), else `git rev-parse` of the checkout, else nothing.
//! And writes libphonenumber's US patterns out of the `phonenumber` crate's metadata
//! (`src/manifest/nanp.rs`): loading the whole metadata at run time took about 130 ms of
//! every command that validates a manifest, for patterns that never change between builds.

use std::fmt::Write as _;
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
    write_us_patterns();
}

/// `$OUT_DIR/nanp_us.rs`: `US_PATTERNS`, the US descriptors in the order the crate checks
/// them, or `None` when +1 numbers are not decided by the US metadata alone (its first
/// region is not the US, or the US has leading digits): then every number asks the crate.
fn write_us_patterns() {
    use phonenumber::metadata::{DATABASE, Descriptor};
    let Some(out) = std::env::var_os("OUT_DIR") else {
        return;
    };
    let source = |descriptor: &Descriptor| {
        format!(
            "({:?}, &{:?})",
            descriptor.national_number().as_str(),
            descriptor.possible_length()
        )
    };
    let mut code = String::from(
        "// Written by build.rs from the phonenumber crate's metadata: do not edit.\n",
    );
    let us = DATABASE.by_id("US");
    let decided_by_us = DATABASE
        .region(&1)
        .and_then(|regions| regions.first().copied())
        == Some("US")
        && us.is_some_and(|us| us.leading_digits().is_none());
    match us.filter(|_| decided_by_us) {
        Some(us) => {
            let descriptors = us.descriptors();
            code.push_str("const US_PATTERNS: Option<UsPatterns> = Some(UsPatterns {\n");
            let _ = writeln!(code, "    general: {},", source(descriptors.general()));
            code.push_str("    others: &[\n");
            for (kind, descriptor) in [
                ("PremiumRate", descriptors.premium_rate()),
                ("TollFree", descriptors.toll_free()),
                ("SharedCost", descriptors.shared_cost()),
                ("Voip", descriptors.voip()),
                ("PersonalNumber", descriptors.personal_number()),
                ("Pager", descriptors.pager()),
                ("Uan", descriptors.uan()),
                ("Voicemail", descriptors.voicemail()),
            ] {
                if let Some(descriptor) = descriptor {
                    let _ = writeln!(code, "        (Type::{kind}, {}),", source(descriptor));
                }
            }
            code.push_str("    ],\n");
            for (name, descriptor) in [
                ("fixed_line", descriptors.fixed_line()),
                ("mobile", descriptors.mobile()),
            ] {
                let value = descriptor.map_or_else(
                    || "None".to_owned(),
                    |descriptor| format!("Some({})", source(descriptor)),
                );
                let _ = writeln!(code, "    {name}: {value},");
            }
            code.push_str("});\n");
        }
        None => code.push_str("const US_PATTERNS: Option<UsPatterns> = None;\n"),
    }
    let path = std::path::Path::new(&out).join("nanp_us.rs");
    if let Err(error) = std::fs::write(&path, code) {
        println!("cargo:warning=cannot write {}: {error}", path.display());
    }
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
