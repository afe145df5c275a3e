//! Manifest loading under hostile input: the YAML manifest and a numbers file it may name
//! (`numbers: - file: fleet.txt`), loaded by the real loader, `telrep::manifest::load`, and
//! by the directory search, `telrep::manifest::load_all`.
//!
//! The input is the manifest's bytes, then `SPLIT`, then the numbers file's bytes (no
//! `SPLIT`: an empty numbers file). Both are written into one directory made once per
//! process (overwritten every run, so a run costs two small writes) beside the PDFs the
//! fixtures name (`loa/signed.pdf`, …), so a fixture loads as it does in the repository.
//!
//! Never a panic, and every answer must hold up:
//! - a failure carries at least one diagnostic, each at line >= 1 and column >= 1, within
//!   the file it names (the manifest or `fleet.txt`: at most one line past its last);
//! - no message, help or quoted source line carries a control character or a bidi
//!   control (the diagnostics promise that nothing a file holds can forge the terminal);
//! - a success lists each number once, each with an origin inside a file it read;
//! - `load_all` on the directory agrees with `load` on the file.

#![no_main]

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use telrep::manifest::{Diagnostic, LoadOptions, Verdict, ask_libphonenumber, load, load_all};
use telrep::model::ReputationSpec;
use telrep::telnyx::is_forging;

/// Where the manifest ends and the numbers file starts.
const SPLIT: &[u8] = b"\n#=== fleet.txt\n";

const PDF: &[u8] = include_bytes!("../../tests/fixtures/loa/signed.pdf");

struct Dir {
    root: PathBuf,
    manifest: PathBuf,
    fleet: PathBuf,
}

fn dir() -> &'static Dir {
    static DIR: OnceLock<Dir> = OnceLock::new();
    DIR.get_or_init(|| {
        let root =
            std::env::temp_dir().join(format!("telrep-fuzz-manifest-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        for pdf in [
            "loa/signed.pdf",
            "loa/acme-signed.pdf",
            "loa-signed.pdf",
            "proof/carrier-invoice.pdf",
        ] {
            let path = root.join(pdf);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, PDF).unwrap();
        }
        Dir {
            manifest: root.join("manifest.yaml"),
            fleet: root.join("fleet.txt"),
            root,
        }
    })
}

fn split(data: &[u8]) -> (&[u8], &[u8]) {
    match data.windows(SPLIT.len()).position(|window| window == SPLIT) {
        Some(at) => (&data[..at], &data[at + SPLIT.len()..]),
        None => (data, &[]),
    }
}

/// Lines of a file as the diagnostics count them: one more than its line breaks.
fn lines(bytes: &[u8]) -> usize {
    // A line ends at LF, CRLF or a lone CR, for the YAML parser and telrep alike.
    let lone_crs = bytes
        .windows(2)
        .filter(|pair| pair[0] == b'\r' && pair[1] != b'\n')
        .count()
        + usize::from(bytes.last() == Some(&b'\r'));
    bytes.iter().filter(|byte| **byte == b'\n').count() + lone_crs + 1
}

/// Whether text could forge a terminal line: a control character or a bidi control
/// (tab is allowed in quoted source lines, which keep columns).
fn forging(text: &str, allow_tab: bool) -> Option<char> {
    text.chars()
        .find(|character| is_forging(*character) && !(allow_tab && *character == '\t'))
}

fn check_diagnostics(diagnostics: &[Diagnostic], files: &[(&Path, &[u8])]) {
    assert!(!diagnostics.is_empty(), "a failure without a diagnostic");
    for diagnostic in diagnostics {
        assert!(
            diagnostic.line >= 1 && diagnostic.column >= 1,
            "place {}:{} of {diagnostic:?}",
            diagnostic.line,
            diagnostic.column
        );
        assert!(!diagnostic.file.as_os_str().is_empty(), "{diagnostic:?}");
        assert!(!diagnostic.message.is_empty(), "{diagnostic:?}");
        for (path, bytes) in files {
            if diagnostic.file == *path {
                assert!(
                    diagnostic.line <= lines(bytes),
                    "line {} of a {}-line file: {diagnostic:?}",
                    diagnostic.line,
                    lines(bytes)
                );
            }
        }
        if let Some(character) = forging(&diagnostic.message, false) {
            panic!("message carries {character:?}: {diagnostic:?}");
        }
        if let Some(character) = diagnostic
            .help
            .as_deref()
            .and_then(|help| forging(help, false))
        {
            panic!("help carries {character:?}: {diagnostic:?}");
        }
        if let Some(character) = diagnostic
            .source_line
            .as_deref()
            .and_then(|line| forging(line, true))
        {
            panic!("source line carries {character:?}: {diagnostic:?}");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let dir = dir();
    let (manifest, fleet) = split(data);
    std::fs::write(&dir.manifest, manifest).unwrap();
    std::fs::write(&dir.fleet, fleet).unwrap();
    let files: [(&Path, &[u8]); 2] = [(&dir.manifest, manifest), (&dir.fleet, fleet)];

    let options = LoadOptions::default();
    let loaded = load(&dir.manifest, options);
    match &loaded {
        Err(diagnostics) => check_diagnostics(diagnostics, &files),
        Ok(desired) => {
            assert_eq!(desired.manifest, dir.manifest);
            if let ReputationSpec::Enabled { numbers, .. } = &desired.reputation {
                assert_eq!(numbers.numbers.len(), numbers.origins.len());
                assert_eq!(numbers.sources.first(), Some(&dir.manifest));
                let unique: HashSet<_> = numbers.numbers.iter().collect();
                assert_eq!(unique.len(), numbers.numbers.len(), "a number listed twice");
                for (number, origin) in numbers.numbers.iter().zip(&numbers.origins) {
                    assert!(
                        matches!(
                            ask_libphonenumber(*number),
                            Verdict::UsLocal | Verdict::UsTollFree
                        ),
                        "{number} accepted"
                    );
                    let source = &numbers.sources[origin.source as usize];
                    let bytes = if *source == dir.manifest {
                        manifest
                    } else {
                        assert_eq!(*source, dir.fleet, "a number from a file never written");
                        fleet
                    };
                    let line = origin.line as usize;
                    assert!(
                        line >= 1 && line <= lines(bytes) && origin.column >= 1,
                        "{number} at {origin:?}"
                    );
                }
            }
        }
    }

    // The directory search finds the manifest (or skips it as other YAML) and must say
    // what `load` said of it.
    let all = load_all(std::slice::from_ref(&dir.root), options, &[]);
    if all.manifests.is_empty() {
        assert_eq!(all.skipped, 1, "{all:?}");
        assert_eq!(all.path_problems, all.diagnostics.len(), "{all:?}");
        check_diagnostics(&all.diagnostics, &files);
        return;
    }
    assert_eq!(all.manifests, [dir.manifest.clone()]);
    match &loaded {
        Ok(desired) => {
            assert!(all.diagnostics.is_empty(), "{all:?}");
            assert_eq!(all.desireds, [desired.clone()]);
        }
        Err(diagnostics) => {
            assert!(all.desireds.is_empty());
            assert_eq!(&all.diagnostics[all.path_problems..], &diagnostics[..]);
        }
    }
});
