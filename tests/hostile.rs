//! Hostile input, property-based and bounded (the CI counterpart of the fuzz targets in
//! `fuzz/`): manifests and numbers files from a grammar close to the schema, and response
//! bodies (random bytes and mutated real ones, recorded from the sandbox), through the
//! real loader, the real binary and the real client.
//!
//! 128 cases per property (`CASES`), 64 for the ones that go through the client and 24
//! for the one that runs the binary; failures are not persisted (no files are written
//! beside the tests), proptest prints the minimal input instead.

use std::collections::HashSet;
use std::fmt::Debug;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use proptest::prelude::*;
use proptest::test_runner::Config;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use telrep::manifest::{Diagnostic, LoadOptions, Verdict, ask_libphonenumber, load, load_all};
use telrep::model::{E164, EnterpriseSpec, ReputationSpec, WireEnum};
use telrep::report::ReportNumber;
use telrep::telnyx::remediation::{RemediationCreate, RemediationRequest, RemediationResults};
use telrep::telnyx::wire::{
    Document, Enterprise, ErrorBody, ExternalVerification, MonitoredNumber, NumberOwnership, Page,
    PhoneNumber, RefreshResult, ReputationNumber, ReputationSettings, Single, TosAgreement,
    TosStatus,
};
use telrep::telnyx::{
    ApiError, ApiErrorKind, ApiKey, Client, ClientConfig, NumberFilter, is_forging, leaves_alone,
    one_line,
};

use crate::support::fixtures;

const CASES: u32 = 128;
const CLIENT_CASES: u32 = 64;
const BINARY_CASES: u32 = 24;

fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

// ---------------------------------------------------------------------------------------
// Manifests.

/// US numbers libphonenumber calls local (the fixtures' area codes) or toll-free.
const AREA_CODES: &[&str] = &[
    "202", "212", "312", "415", "617", "718", "305", "512", "800",
];

fn valid_number(index: usize) -> String {
    let area = AREA_CODES[index % AREA_CODES.len()];
    format!("+1{area}555{:04}", index / AREA_CODES.len() % 10_000)
}

/// One number of a numbers file, as written: leading and trailing blanks, an optional
/// trailing comment.
#[derive(Debug, Clone)]
struct FileLine {
    lead: String,
    trail: String,
    comment: Option<String>,
}

/// Filler between a numbers file's numbers.
#[derive(Debug, Clone)]
enum Filler {
    Blank(String),
    Comment(String),
}

#[derive(Debug, Clone)]
struct ValidManifest {
    legal_name: String,
    quote: usize,
    organization_type: usize,
    employees: usize,
    legal_type: usize,
    frequency: Option<usize>,
    /// Numbers written in the manifest, before the `file:` entry.
    before: usize,
    /// After it.
    after: usize,
    /// Whether there is a numbers file at all.
    file: bool,
    lines: Vec<(Vec<Filler>, FileLine)>,
    tail: Vec<Filler>,
    bom: bool,
    crlf: bool,
    final_newline: bool,
    /// Shifts the pool of numbers so runs use different ones.
    offset: usize,
}

fn blanks() -> impl Strategy<Value = String> {
    proptest::string::string_regex("[ \t]{0,3}").unwrap()
}

fn filler() -> impl Strategy<Value = Filler> {
    prop_oneof![
        blanks().prop_map(Filler::Blank),
        proptest::string::string_regex("[ \t]{0,2}#[ -~]{0,20}")
            .unwrap()
            .prop_map(Filler::Comment),
    ]
}

fn file_line() -> impl Strategy<Value = FileLine> {
    (
        blanks(),
        blanks(),
        proptest::option::of(proptest::string::string_regex("[ -~]{0,20}").unwrap()),
    )
        .prop_map(|(lead, trail, comment)| FileLine {
            lead,
            trail,
            comment,
        })
}

fn valid_manifest() -> impl Strategy<Value = ValidManifest> {
    (
        (
            proptest::string::string_regex("[A-Z][a-z]{2,12}( [A-Z][a-z]{1,10}){0,2}").unwrap(),
            0..3usize,
            0..telrep::model::OrganizationType::ALL.len(),
            0..telrep::model::NumberOfEmployees::ALL.len(),
            0..telrep::model::OrganizationLegalType::ALL.len(),
            proptest::option::of(0..telrep::model::CheckFrequency::ALL.len()),
        ),
        (0..4usize, 0..4usize, any::<bool>()),
        (
            proptest::collection::vec(
                (proptest::collection::vec(filler(), 0..3), file_line()),
                0..12,
            ),
            proptest::collection::vec(filler(), 0..3),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            0..5000usize,
        ),
    )
        .prop_map(
            |(
                (legal_name, quote, organization_type, employees, legal_type, frequency),
                (before, after, file),
                (lines, tail, bom, crlf, final_newline, offset),
            )| {
                let mut manifest = ValidManifest {
                    // A suffix keeps a plain scalar a string (`Yes`, `Null` would not be).
                    legal_name: format!("{legal_name} LLC"),
                    quote,
                    organization_type,
                    employees,
                    legal_type,
                    frequency,
                    before,
                    after,
                    file,
                    lines,
                    tail,
                    bom,
                    crlf,
                    final_newline,
                    offset,
                };
                if !manifest.file {
                    manifest.lines.clear();
                    manifest.tail.clear();
                }
                if manifest.before + manifest.after + manifest.lines.len() == 0 {
                    manifest.before = 1;
                }
                manifest
            },
        )
}

/// A number to write, and where it ends up.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Written {
    number: String,
    /// `true`: in `fleet.txt`; `false`: in the manifest.
    in_file: bool,
    line: usize,
    column: usize,
}

/// A manifest and its numbers file as text, with every number's place.
#[derive(Debug, Clone)]
struct Rendered {
    manifest: String,
    fleet: Vec<u8>,
    numbers: Vec<Written>,
}

fn quoted(text: &str, style: usize) -> String {
    match style {
        0 => text.to_owned(),
        1 => format!("\"{text}\""),
        _ => format!("'{text}'"),
    }
}

fn choice<T: WireEnum>(index: usize) -> &'static str {
    T::ALL[index % T::ALL.len()].as_str()
}

impl ValidManifest {
    fn render(&self) -> Rendered {
        use telrep::model::OrganizationType;
        use telrep::model::{CheckFrequency, NumberOfEmployees, OrganizationLegalType};
        let frequency = self.frequency.map_or(String::new(), |index| {
            format!("  check_frequency: {}\n", choice::<CheckFrequency>(index))
        });
        let mut manifest = format!(
            "# generated\nversion: 1\nenterprise:\n  legal_name: {}\n  doing_business_as: Acme\n  organization_type: {}\n  country_code: US\n  website: https://acme.com\n  fein: 12-3456789\n  industry: technology\n  number_of_employees: \"{}\"\n  organization_legal_type: {}\n  jurisdiction_of_incorporation: Delaware\n  organization_contact:\n    first_name: Jane\n    last_name: Smith\n    email: jane@acme.com\n    job_title: CTO\n    phone_number: \"+12025551234\"\n  billing_contact:\n    first_name: Jane\n    last_name: Smith\n    email: billing@acme.com\n    phone_number: \"+12025551234\"\n  organization_physical_address:\n    country: US\n    administrative_area: CA\n    city: San Francisco\n    postal_code: \"94105\"\n    street_address: 123 Main St\n  billing_address:\n    country: US\n    administrative_area: CA\n    city: San Francisco\n    postal_code: \"94105\"\n    street_address: 123 Main St\nreputation:\n  enabled: true\n  loa:\n    file: loa/signed.pdf\n{frequency}  numbers:\n",
            quoted(&self.legal_name, self.quote),
            choice::<OrganizationType>(self.organization_type),
            choice::<NumberOfEmployees>(self.employees),
            choice::<OrganizationLegalType>(self.legal_type),
        );
        let mut next = self.offset;
        let mut numbers = Vec::new();
        let inline = |manifest: &mut String, numbers: &mut Vec<Written>, next: &mut usize| {
            let number = valid_number(*next);
            *next += 1;
            let line = manifest.matches('\n').count() + 1;
            manifest.push_str(&format!("    - {}\n", quoted(&number, 1 + *next % 2)));
            numbers.push(Written {
                number,
                in_file: false,
                line,
                column: 7,
            });
        };
        for _ in 0..self.before {
            inline(&mut manifest, &mut numbers, &mut next);
        }
        if self.file {
            manifest.push_str("    - file: fleet.txt\n");
        }
        // The numbers file: lines split on `\n`, so CRLF files count lines the same.
        let newline = if self.crlf { "\r\n" } else { "\n" };
        let mut fleet = String::new();
        if self.bom {
            fleet.push('\u{feff}');
        }
        let mut line = 1;
        let filler = |fleet: &mut String, line: &mut usize, filler: &[Filler]| {
            for item in filler {
                match item {
                    Filler::Blank(text) | Filler::Comment(text) => fleet.push_str(text),
                }
                fleet.push_str(newline);
                *line += 1;
            }
        };
        let mut file_numbers = Vec::new();
        for (before, written) in &self.lines {
            filler(&mut fleet, &mut line, before);
            let number = valid_number(next);
            next += 1;
            fleet.push_str(&written.lead);
            fleet.push_str(&number);
            fleet.push_str(&written.trail);
            if let Some(comment) = &written.comment {
                fleet.push_str(" #");
                fleet.push_str(comment);
            }
            fleet.push_str(newline);
            file_numbers.push(Written {
                number,
                in_file: true,
                line,
                column: written.lead.chars().count() + 1,
            });
            line += 1;
        }
        filler(&mut fleet, &mut line, &self.tail);
        if !self.final_newline && fleet.ends_with(newline) {
            fleet.truncate(fleet.len() - newline.len());
        }
        numbers.extend(file_numbers);
        for _ in 0..self.after {
            inline(&mut manifest, &mut numbers, &mut next);
        }
        manifest.push_str("  prune: false\n");
        Rendered {
            manifest,
            fleet: fleet.into_bytes(),
            numbers,
        }
    }
}

/// A directory with the LOA the manifests name, `m.yaml` and `fleet.txt`.
struct Workdir {
    _temp: tempfile::TempDir,
    root: PathBuf,
    manifest: PathBuf,
    fleet: PathBuf,
}

impl Workdir {
    fn new() -> Self {
        let temp = tempfile::tempdir().unwrap();
        let root = temp.path().to_path_buf();
        std::fs::create_dir_all(root.join("loa")).unwrap();
        std::fs::copy(
            fixtures().join("loa/signed.pdf"),
            root.join("loa/signed.pdf"),
        )
        .unwrap();
        Self {
            manifest: root.join("m.yaml"),
            fleet: root.join("fleet.txt"),
            root,
            _temp: temp,
        }
    }

    fn write(&self, manifest: &[u8], fleet: &[u8]) {
        std::fs::write(&self.manifest, manifest).unwrap();
        std::fs::write(&self.fleet, fleet).unwrap();
    }
}

fn lines(bytes: &[u8]) -> usize {
    // A line ends at LF, CRLF or a lone CR, for the YAML parser and telrep alike.
    let lone_crs = bytes
        .windows(2)
        .filter(|pair| pair[0] == b'\r' && pair[1] != b'\n')
        .count()
        + usize::from(bytes.last() == Some(&b'\r'));
    bytes.iter().filter(|byte| **byte == b'\n').count() + lone_crs + 1
}

fn forging(text: &str, allow_tab: bool) -> Option<char> {
    text.chars()
        .find(|character| is_forging(*character) && !(allow_tab && *character == '\t'))
}

/// What every failure must look like: at least one diagnostic, each placed inside the file
/// it names, none able to forge terminal output, none carrying a huge value.
fn check_diagnostics(
    diagnostics: &[Diagnostic],
    files: &[(&Path, &[u8])],
) -> Result<(), TestCaseError> {
    prop_assert!(!diagnostics.is_empty(), "a failure without a diagnostic");
    for diagnostic in diagnostics {
        prop_assert!(
            diagnostic.line >= 1 && diagnostic.column >= 1,
            "{diagnostic:?}"
        );
        prop_assert!(!diagnostic.file.as_os_str().is_empty(), "{diagnostic:?}");
        prop_assert!(!diagnostic.message.is_empty(), "{diagnostic:?}");
        for (path, bytes) in files {
            if diagnostic.file == *path {
                prop_assert!(
                    diagnostic.line <= lines(bytes),
                    "past the end: {diagnostic:?}"
                );
            }
        }
        prop_assert_eq!(
            forging(&diagnostic.message, false),
            None,
            "{:?}",
            diagnostic
        );
        prop_assert_eq!(
            diagnostic
                .help
                .as_deref()
                .and_then(|help| forging(help, false)),
            None,
            "{:?}",
            diagnostic
        );
        prop_assert_eq!(
            diagnostic
                .source_line
                .as_deref()
                .and_then(|line| forging(line, true)),
            None,
            "{:?}",
            diagnostic
        );
        // Values are quoted to 80 characters, source lines to 160: a 100 kB line stays small.
        prop_assert!(
            diagnostic.message.chars().count() <= 1_000,
            "{diagnostic:?}"
        );
        prop_assert!(
            diagnostic
                .source_line
                .as_ref()
                .is_none_or(|line| line.chars().count() <= 161),
            "{diagnostic:?}"
        );
    }
    Ok(())
}

/// Loads what `dir` holds with `load` and with `load_all`, checks every answer, and
/// returns `load`'s.
fn load_and_check(
    dir: &Workdir,
    manifest: &[u8],
    fleet: &[u8],
) -> Result<Result<telrep::model::Desired, Vec<Diagnostic>>, TestCaseError> {
    dir.write(manifest, fleet);
    let files: [(&Path, &[u8]); 2] = [(&dir.manifest, manifest), (&dir.fleet, fleet)];
    let loaded = load(&dir.manifest, LoadOptions::default());
    match &loaded {
        Err(diagnostics) => check_diagnostics(diagnostics, &files)?,
        Ok(desired) => {
            if let ReputationSpec::Enabled { numbers, .. } = &desired.reputation {
                let unique: HashSet<_> = numbers.numbers.iter().collect();
                prop_assert_eq!(unique.len(), numbers.numbers.len(), "a number listed twice");
                for number in &numbers.numbers {
                    prop_assert!(
                        matches!(
                            ask_libphonenumber(*number),
                            Verdict::UsLocal | Verdict::UsTollFree
                        ),
                        "{} accepted",
                        number
                    );
                }
            }
        }
    }
    let all = load_all(std::slice::from_ref(&dir.root), LoadOptions::default(), &[]);
    if all.manifests.is_empty() {
        // Skipped as other YAML: then it is only a path problem ("no manifests").
        prop_assert_eq!(all.skipped, 1);
        check_diagnostics(&all.diagnostics, &files)?;
    } else {
        prop_assert_eq!(
            all.manifests.as_slice(),
            std::slice::from_ref(&dir.manifest)
        );
        match &loaded {
            Ok(desired) => {
                prop_assert!(all.diagnostics.is_empty(), "{:?}", all.diagnostics);
                prop_assert_eq!(all.desireds.as_slice(), std::slice::from_ref(desired));
            }
            Err(diagnostics) => {
                prop_assert_eq!(&all.diagnostics[all.path_problems..], &diagnostics[..])
            }
        }
    }
    Ok(loaded)
}

/// How one number is spoilt.
#[derive(Debug, Clone)]
enum Spoil {
    /// Replaced by a text that is not a number telrep monitors.
    Text(&'static str),
    /// Replaced by an earlier number: the later one is reported.
    Duplicate,
}

const BAD_NUMBERS: &[&str] = &[
    "202-555-1234",  // national format
    "2025551234",    // no +1
    "+1202555123x",  // a letter
    "+1617555018",   // too short
    "+120255512345", // too long
    "+15555551234",  // no numbering plan
    "+19005551234",  // premium rate
    "+442071838750", // another region
    "+0",            // no country
    "++12025551234",
    "+1 202 555 1234",   // spaced
    "+12025551234,Main", // a CSV row
    "+1２０２5551234",   // full-width digits
];

fn spoil() -> impl Strategy<Value = Spoil> {
    prop_oneof![
        4 => proptest::sample::select(BAD_NUMBERS).prop_map(Spoil::Text),
        1 => Just(Spoil::Duplicate),
    ]
}

// ---------------------------------------------------------------------------------------
// Random manifests: the valid one's lines, edited from a grammar of the schema's keys and
// hostile scalars; random numbers files.

const KEYS: &[&str] = &[
    "version",
    "enterprise",
    "reputation",
    "policy",
    "id",
    "legal_name",
    "doing_business_as",
    "organization_type",
    "country_code",
    "website",
    "fein",
    "industry",
    "number_of_employees",
    "organization_legal_type",
    "jurisdiction_of_incorporation",
    "organization_contact",
    "billing_contact",
    "organization_physical_address",
    "billing_address",
    "role_type",
    "customer_reference",
    "first_name",
    "last_name",
    "email",
    "job_title",
    "phone_number",
    "phone",
    "country",
    "administrative_area",
    "city",
    "postal_code",
    "street_address",
    "extended_address",
    "enabled",
    "loa",
    "check_frequency",
    "numbers",
    "prune",
    "external_verification",
    "files",
    "document_ids",
    "document_id",
    "file",
    "max_spam_risk",
    "min_maturity_score",
    "max_data_age",
    "require_data",
    "legal_nam",
    "reputaton",
    "enterprize",
    "<<",
    "",
    "~",
    "null",
    "true",
    "? x",
    "0",
];

fn scalar() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("~".to_owned()),
        Just("null".to_owned()),
        Just("".to_owned()),
        proptest::sample::select(&["yes", "no", "on", "off", "True", "FALSE", "y", "n"][..]).prop_map(str::to_owned),
        any::<i64>().prop_map(|number| number.to_string()),
        any::<f64>().prop_map(|number| number.to_string()),
        Just("1e400".to_owned()),
        Just("0x1F".to_owned()),
        Just("2026-11-25T03:00:00Z".to_owned()),
        (0..2000usize).prop_map(valid_number).prop_map(|number| format!("\"{number}\"")),
        proptest::sample::select(BAD_NUMBERS).prop_map(|text| format!("{text:?}")),
        proptest::string::string_regex("[a-zA-Z0-9 _.-]{0,30}").unwrap(),
        // Double-quoted with YAML escapes, forging ones included.
        proptest::sample::select(&[r#""\e[2J\a""#, r#""\u202Eevil""#, r#""\x85\0""#, r#""\N\L\P""#, r#""\uD800""#][..]).prop_map(str::to_owned),
        any::<String>().prop_map(|text| format!("{text:?}")),
        Just("&anchor value".to_owned()),
        Just("*anchor".to_owned()),
        Just("*undefined".to_owned()),
        Just("!!binary aGVsbG8=".to_owned()),
        Just("!custom x".to_owned()),
        Just("|\n  block\n  text".to_owned()),
        Just(">-\n  folded".to_owned()),
        Just("{a: 1, b: [x, y]}".to_owned()),
        Just("[\"+12025551234\", {file: fleet.txt}]".to_owned()),
        Just("{file: fleet.txt}".to_owned()),
        Just("{file: ../../etc/passwd}".to_owned()),
        Just("{file: /dev/zero}".to_owned()),
        Just("{file: fleet.txt, file: fleet.txt}".to_owned()),
        (1..20_000usize).prop_map(|length| "x".repeat(length)),
        Just("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]".to_owned()),
    ]
}

#[derive(Debug, Clone)]
enum Edit {
    Keep,
    Value(String),
    Key(&'static str),
    Delete,
    Duplicate,
    Insert(usize, &'static str, String),
    Indent(usize),
    Garbage(Vec<u8>),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        30 => Just(Edit::Keep),
        3 => scalar().prop_map(Edit::Value),
        2 => proptest::sample::select(KEYS).prop_map(Edit::Key),
        1 => Just(Edit::Delete),
        1 => Just(Edit::Duplicate),
        2 => (0..8usize, proptest::sample::select(KEYS), scalar()).prop_map(|(indent, key, value)| Edit::Insert(indent, key, value)),
        1 => (0..6usize).prop_map(Edit::Indent),
        1 => proptest::collection::vec(any::<u8>(), 1..8).prop_map(Edit::Garbage),
    ]
}

fn apply_edits(text: &str, edits: &[Edit]) -> Vec<u8> {
    let mut out = Vec::new();
    for (line, edit) in text.lines().zip(edits.iter().cycle()) {
        let indent = line.len() - line.trim_start().len();
        let (key, value) = line.split_once(':').unwrap_or((line, ""));
        let rendered = match edit {
            Edit::Keep => line.to_owned(),
            Edit::Value(scalar) => {
                let scalar = scalar.replace('\n', &format!("\n{}", " ".repeat(indent + 2)));
                format!("{key}: {scalar}")
            }
            Edit::Key(name) if !value.is_empty() || line.trim_end().ends_with(':') => {
                format!("{}{name}:{value}", " ".repeat(indent))
            }
            Edit::Key(_) => line.to_owned(),
            Edit::Delete => continue,
            Edit::Duplicate => format!("{line}\n{line}"),
            Edit::Insert(extra, name, scalar) => {
                format!("{line}\n{}{name}: {scalar}", " ".repeat(*extra))
            }
            Edit::Indent(extra) => format!("{}{line}", " ".repeat(*extra)),
            Edit::Garbage(bytes) => {
                out.extend_from_slice(line.as_bytes());
                out.extend_from_slice(bytes);
                out.push(b'\n');
                continue;
            }
        };
        out.extend_from_slice(rendered.as_bytes());
        out.push(b'\n');
    }
    out
}

/// Random numbers files: lines of numbers, near-numbers and garbage, huge lines, NULs,
/// byte-order marks, CR and CRLF, invalid UTF-8.
fn hostile_fleet() -> impl Strategy<Value = Vec<u8>> {
    let line = prop_oneof![
        4 => (0..3000usize).prop_map(|index| valid_number(index).into_bytes()),
        2 => proptest::sample::select(BAD_NUMBERS).prop_map(|text| text.as_bytes().to_vec()),
        1 => Just(b"# comment".to_vec()),
        1 => Just(Vec::new()),
        1 => proptest::collection::vec(any::<u8>(), 0..40),
        1 => Just(b"+12025551234\0".to_vec()),
        1 => Just(b"\xef\xbb\xbf+12025551234".to_vec()),
        1 => Just(b"+12025551234\r".to_vec()),
        1 => (1000..100_000usize).prop_map(|length| {
            let mut line = b"+1".to_vec();
            line.resize(length, b'9');
            line
        }),
        1 => (1..5000usize).prop_map(|length| "\u{202e}".repeat(length).into_bytes()),
    ];
    proptest::collection::vec(line, 0..40).prop_map(|lines| lines.join(&b'\n'))
}

proptest! {
    #![proptest_config(config(CASES))]

    /// Manifests from the schema's grammar with unique US numbers, inline and in a numbers
    /// file written every way the reader allows (comments, blanks, BOM, CRLF): each loads,
    /// with exactly the numbers written, in order, each at its line and column.
    #[test]
    fn valid_manifests_load_with_every_number_placed(generated in valid_manifest()) {
        let dir = Workdir::new();
        let rendered = generated.render();
        let loaded = load_and_check(&dir, rendered.manifest.as_bytes(), &rendered.fleet)?;
        let desired = match loaded {
            Ok(desired) => desired,
            Err(diagnostics) => {
                return Err(TestCaseError::fail(format!("{diagnostics:#?}\n{}\n{}", rendered.manifest, String::from_utf8_lossy(&rendered.fleet))));
            }
        };
        let ReputationSpec::Enabled { numbers, .. } = &desired.reputation else {
            return Err(TestCaseError::fail("reputation not enabled"));
        };
        let listed: Vec<String> = numbers.numbers.iter().map(ToString::to_string).collect();
        let written: Vec<String> = rendered.numbers.iter().map(|written| written.number.clone()).collect();
        prop_assert_eq!(listed, written);
        for (origin, written) in numbers.origins.iter().zip(&rendered.numbers) {
            let source = &numbers.sources[origin.source as usize];
            prop_assert_eq!(source, if written.in_file { &dir.fleet } else { &dir.manifest });
            prop_assert_eq!((origin.line as usize, origin.column as usize), (written.line, written.column), "{:?}", written);
        }
    }

    /// The same manifests with one number spoilt (a near-miss spelling, another region, a
    /// premium-rate number, a duplicate of an earlier one): exactly one diagnostic, in the
    /// file and on the line of that number.
    #[test]
    fn one_spoilt_number_is_reported_at_its_line(generated in valid_manifest(), which in any::<prop::sample::Index>(), spoil in spoil()) {
        let dir = Workdir::new();
        let rendered = generated.render();
        let target = which.index(rendered.numbers.len());
        let spoilt = &rendered.numbers[target];
        let replacement = match spoil {
            Spoil::Text(text) => text.to_owned(),
            Spoil::Duplicate if target > 0 => rendered.numbers[target - 1].number.clone(),
            Spoil::Duplicate => BAD_NUMBERS[0].to_owned(),
        };
        let (mut manifest, mut fleet) = (rendered.manifest.clone(), String::from_utf8(rendered.fleet.clone()).unwrap());
        let text = if spoilt.in_file { &mut fleet } else { &mut manifest };
        // Replace the number on its own line only.
        let mut edited: Vec<String> = text.split('\n').map(str::to_owned).collect();
        let line = &mut edited[spoilt.line - 1];
        prop_assert!(line.contains(&spoilt.number));
        *line = line.replacen(&spoilt.number, &replacement, 1);
        *text = edited.join("\n");
        let loaded = load_and_check(&dir, manifest.as_bytes(), fleet.as_bytes())?;
        let Err(diagnostics) = loaded else {
            return Err(TestCaseError::fail(format!("`{replacement}` accepted")));
        };
        let file = if spoilt.in_file { &dir.fleet } else { &dir.manifest };
        let places: Vec<(PathBuf, usize)> = diagnostics.iter().map(|diagnostic| (diagnostic.file.clone(), diagnostic.line)).collect();
        prop_assert_eq!(places, vec![(file.clone(), spoilt.line)], "{:#?}", diagnostics);
    }

    /// Valid-ish manifests (the valid one's lines edited from a grammar of the schema's keys,
    /// hostile scalars, anchors, tags, block scalars, garbage bytes) with hostile numbers
    /// files: never a panic, every failure placed and harmless to print, `load_all` agrees.
    #[test]
    fn random_manifests_fail_with_placed_diagnostics(
        base in any::<bool>(),
        edits in proptest::collection::vec(edit(), 1..60),
        fleet in hostile_fleet(),
    ) {
        let dir = Workdir::new();
        let template = std::fs::read_to_string(fixtures().join(if base { "valid_minimal.yaml" } else { "bad_numbers.yaml" })).unwrap()
            .replace("    - \"+12025551234\"\n", "    - \"+12025551234\"\n    - file: fleet.txt\n");
        let manifest = apply_edits(&template, &edits);
        let _outcome = load_and_check(&dir, &manifest, &fleet)?;
    }

    /// Bytes of the real fixtures flipped, cut and spliced: the same guarantees.
    #[test]
    fn mutated_fixtures_fail_with_placed_diagnostics(
        fixture in proptest::sample::select(&["valid_minimal.yaml", "bad_numbers.yaml", "near_misses.yaml", "alias_bomb.yaml", "deep_nesting.yaml", "hidden_values.yaml", "bad_policy.yaml", "valid_disabled.yaml"][..]),
        mutations in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0..3u8), 1..16),
        fleet in hostile_fleet(),
    ) {
        let dir = Workdir::new();
        let mut manifest = std::fs::read(fixtures().join(fixture)).unwrap();
        for (at, byte, kind) in mutations {
            let index = at.index(manifest.len().max(1)).min(manifest.len());
            match kind {
                0 if index < manifest.len() => manifest[index] = byte,
                1 => manifest.insert(index, byte),
                _ if index < manifest.len() => { manifest.remove(index); }
                _ => manifest.push(byte),
            }
        }
        let _outcome = load_and_check(&dir, &manifest, &fleet)?;
    }
}

proptest! {
    #![proptest_config(config(BINARY_CASES))]

    /// The real binary on random manifests: exit 0 or 1 (never a panic's 101 or a signal),
    /// as the library decides, and `--format json` lists as many problems as it found.
    #[test]
    fn the_binary_agrees_with_the_loader(
        edits in proptest::collection::vec(edit(), 1..40),
        fleet in hostile_fleet(),
    ) {
        let dir = Workdir::new();
        let template = std::fs::read_to_string(fixtures().join("valid_minimal.yaml")).unwrap()
            .replace("    - \"+12025551234\"\n", "    - \"+12025551234\"\n    - file: fleet.txt\n");
        let manifest = apply_edits(&template, &edits);
        let loaded = load_and_check(&dir, &manifest, &fleet)?;
        let output = crate::support::telrep(&dir.root, &["validate", "--format", "json", "m.yaml"]);
        let code = output.status.code();
        prop_assert_eq!(code, Some(if loaded.is_ok() { 0 } else { 1 }), "{}", crate::support::render(&output));
        let report: Value = serde_json::from_slice(&output.stdout).unwrap();
        let problems = count_problems(&report);
        let expected = loaded.err().map_or(0, |diagnostics| diagnostics.iter().map(Diagnostic::problems).sum::<usize>());
        prop_assert_eq!(problems, expected, "{}", crate::support::render(&output));
    }
}

/// Problems in `validate --format json`'s report: every object with a `line` and a `rule`.
fn count_problems(value: &Value) -> usize {
    match value {
        Value::Object(map) if map.contains_key("rule") && map.contains_key("line") => 1,
        Value::Object(map) => map.values().map(count_problems).sum(),
        Value::Array(items) => items.iter().map(count_problems).sum(),
        _ => 0,
    }
}

// ---------------------------------------------------------------------------------------
// Response bodies.

const KEY: &str = "KEYsuper-secret-0123456789";
const ID: &str = "4a6192a4-0c3b-4d1e-9f2a-8b7c6d5e4f30";
const STATUSES: &[u16] = &[200, 201, 202, 302, 400, 401, 404, 409, 422, 500];

/// Decodes `bytes` as `T` both ways the client's `from_body` may (`from_str` on UTF-8,
/// `from_slice` otherwise): they must agree.
fn both<'a, T: Deserialize<'a> + PartialEq + Debug>(bytes: &'a [u8]) -> Result<(), TestCaseError> {
    let sliced = serde_json::from_slice::<T>(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        let read = serde_json::from_str::<T>(text);
        match (&sliced, &read) {
            (Ok(a), Ok(b)) => prop_assert_eq!(a, b),
            (Err(_), Err(_)) => {}
            _ => {
                return Err(TestCaseError::fail(format!(
                    "from_slice {sliced:?}, from_str {read:?}"
                )));
            }
        }
    }
    Ok(())
}

/// Every response type, decoded both ways.
fn decode_every_type(bytes: &[u8]) -> Result<(), TestCaseError> {
    both::<Single<TosStatus>>(bytes)?;
    both::<Single<TosAgreement>>(bytes)?;
    both::<Single<Enterprise>>(bytes)?;
    both::<Page<Enterprise>>(bytes)?;
    both::<Single<ReputationSettings>>(bytes)?;
    both::<Single<ReputationNumber>>(bytes)?;
    both::<Page<ReputationNumber>>(bytes)?;
    both::<Page<MonitoredNumber<'_>>>(bytes)?;
    both::<Page<ReportNumber>>(bytes)?;
    both::<Single<NumberOwnership>>(bytes)?;
    both::<Single<ExternalVerification>>(bytes)?;
    both::<Single<RefreshResult>>(bytes)?;
    both::<Single<Document>>(bytes)?;
    both::<Page<PhoneNumber>>(bytes)?;
    both::<Single<RemediationRequest>>(bytes)?;
    both::<RemediationResults>(bytes)?;
    both::<ErrorBody>(bytes)
}

/// What the loopback server answers: a status, and the parts of the body (page N of a
/// listing gets part `(N - 1) % parts`).
#[derive(Default)]
struct Script {
    status: u16,
    parts: Vec<Vec<u8>>,
}

/// A loopback server answering from a `Script`, and a client for it (no retries).
struct Harness {
    runtime: tokio::runtime::Runtime,
    client: Client,
    script: Arc<Mutex<Script>>,
    spec: EnterpriseSpec,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

async fn answer(
    axum::extract::State(script): axum::extract::State<Arc<Mutex<Script>>>,
    request: axum::extract::Request,
) -> axum::response::Response {
    let page = request
        .uri()
        .query()
        .and_then(|query| {
            url::form_urlencoded::parse(query.as_bytes())
                .find(|(name, _)| name == "page[number]")
                .and_then(|(_, value)| value.parse::<usize>().ok())
        })
        .unwrap_or(1);
    let (status, body) = {
        let script = script.lock().unwrap();
        let parts = script.parts.len().max(1);
        let body = script
            .parts
            .get((page.max(1) - 1) % parts)
            .cloned()
            .unwrap_or_default();
        (script.status, body)
    };
    let mut response = axum::response::Response::new(axum::body::Body::from(body));
    *response.status_mut() = axum::http::StatusCode::from_u16(status).unwrap();
    let headers = response.headers_mut();
    headers.insert(
        "content-type",
        axum::http::HeaderValue::from_static("application/json"),
    );
    if (300..400).contains(&status) {
        headers.insert(
            "location",
            axum::http::HeaderValue::from_str(&format!("https://elsewhere.example/{KEY}")).unwrap(),
        );
    }
    response
}

impl Harness {
    fn start() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let script = Arc::new(Mutex::new(Script::default()));
        let router = axum::Router::new()
            .fallback(answer)
            .with_state(script.clone());
        let (address, shutdown) = runtime.block_on(crate::support::serve(router));
        let mut config =
            ClientConfig::new(format!("http://{address}/v2"), ApiKey::new(KEY).unwrap());
        config.retry.max_retries = 0;
        config.timeout = Duration::from_secs(10);
        let client = {
            let _guard = runtime.enter();
            Client::new(config).unwrap()
        };
        let spec = load(
            &crate::support::root().join("examples/acme.yaml"),
            LoadOptions::default(),
        )
        .unwrap()
        .enterprise;
        Self {
            runtime,
            client,
            script,
            spec,
            _shutdown: shutdown,
        }
    }

    fn answer(&self, which: u8, status: u16, parts: Vec<Vec<u8>>) -> Result<Value, ApiError> {
        *self.script.lock().unwrap() = Script { status, parts };
        self.runtime.block_on(call(&self.client, &self.spec, which))
    }
}

/// The client's calls, numbered as the fuzz target numbers them.
const CALLS: u8 = 29;

fn to_value<T: serde::Serialize>(result: Result<T, ApiError>) -> Result<Value, ApiError> {
    result.map(|value| serde_json::to_value(value).unwrap())
}

/// Calls `which` and returns what it decoded, as JSON (a PDF as an array of bytes, the
/// monitored numbers as `{numbers, external, ownership}`).
async fn call(client: &Client, spec: &EnterpriseSpec, which: u8) -> Result<Value, ApiError> {
    let numbers = [
        E164::parse("+12025550100").unwrap(),
        E164::parse("+13125550101").unwrap(),
    ];
    match which % CALLS {
        0 => to_value(client.tos_status().await),
        1 => to_value(client.tos_agree().await),
        2 => to_value(client.list_enterprises(None).await),
        3 => to_value(client.get_enterprise(ID).await),
        4 => to_value(client.create_enterprise(spec).await),
        5 => {
            let mut fields = serde_json::Map::new();
            fields.insert("website".to_owned(), json!("https://acme.org"));
            to_value(client.update_enterprise(ID, &fields).await)
        }
        6 => to_value(client.get_reputation(ID).await),
        7 => to_value(client.enable_reputation(ID, "doc", Some("daily")).await),
        8 => to_value(client.update_frequency(ID, "weekly").await),
        9 => to_value(client.update_loa(ID, "doc").await),
        10 => to_value(client.disable_reputation(ID).await),
        11 => to_value(client.list_numbers(ID, &NumberFilter::All).await),
        12 => client.list_monitored(ID).await.map(|monitored| {
            let text = |numbers: &mut dyn Iterator<Item = &E164>| {
                numbers.map(ToString::to_string).collect::<Vec<_>>()
            };
            json!({
                "numbers": text(&mut monitored.numbers.iter()),
                "external": text(&mut monitored.external.iter()),
                "ownership": monitored.ownership.values().collect::<Vec<_>>(),
            })
        }),
        13 => to_value(
            client
                .list_reputation_numbers(ID, |row: &ReportNumber| row.phone_number.clone())
                .await,
        ),
        14 => to_value(client.list_all_numbers().await),
        15 => to_value(client.add_numbers(ID, &numbers).await),
        16 => to_value(client.delete_number(ID, numbers[0]).await),
        17 => to_value(client.refresh_numbers(ID, &numbers).await),
        18 => {
            let body = RemediationCreate {
                phone_numbers: numbers.iter().map(ToString::to_string).collect(),
                call_purpose: "appointment reminders".to_owned(),
                contact_email: None,
                webhook_url: None,
            };
            to_value(client.create_remediation(ID, &body).await)
        }
        19 => to_value(client.get_remediation(ID, "r1").await),
        20 => to_value(client.render_loa(ID).await),
        21 => to_value(client.get_number(ID, numbers[0], true).await),
        22 => to_value(client.upload_document("loa.pdf", b"%PDF-1.4").await),
        23 => to_value(client.get_external_verification(ID).await),
        24 => to_value(
            client
                .submit_external_verification(ID, &["d1".to_owned()])
                .await,
        ),
        25 => to_value(client.confirm_ownership(ID, numbers[0]).await),
        26 => to_value(client.set_ownership_webhook(ID, None).await),
        27 => to_value(client.get_document("d1").await),
        _ => to_value(client.list_phone_numbers(None).await),
    }
}

/// For a call that decodes `{"data": T}`, what serde_json alone makes of `body`.
fn direct(which: u8, body: &[u8]) -> Option<Result<Value, ()>> {
    fn data<T: DeserializeOwned + serde::Serialize>(body: &[u8]) -> Option<Result<Value, ()>> {
        Some(
            serde_json::from_slice::<Single<T>>(body)
                .map(|single| serde_json::to_value(single.data).unwrap())
                .map_err(|_| ()),
        )
    }
    match which % CALLS {
        0 => data::<TosStatus>(body),
        1 => data::<TosAgreement>(body),
        3..=5 => data::<Enterprise>(body),
        7 | 8 | 9 | 26 => data::<ReputationSettings>(body),
        17 => data::<RefreshResult>(body),
        18 | 19 => data::<RemediationRequest>(body),
        21 | 25 => data::<ReputationNumber>(body),
        22 | 27 => data::<Document>(body),
        23 | 24 => data::<ExternalVerification>(body),
        _ => None,
    }
}

fn strings_are_harmless(value: &Value) -> Result<(), TestCaseError> {
    match value {
        Value::String(text) => {
            prop_assert_eq!(forging(text, false), None, "decoded {:?}", text);
        }
        Value::Array(items) => items.iter().try_for_each(strings_are_harmless)?,
        Value::Object(map) => map.values().try_for_each(strings_are_harmless)?,
        _ => {}
    }
    Ok(())
}

/// Rendering the LOA is a POST that changes nothing: its errors are never ambiguous.
fn renders_loa(error: &ApiError) -> bool {
    error.method == "POST" && error.path.ends_with("/reputation/loa")
}

/// What every answer of the client must satisfy, whatever the server sent.
fn check_answer(
    which: u8,
    status: u16,
    body: &[u8],
    got: &Result<Value, ApiError>,
) -> Result<(), TestCaseError> {
    match got {
        Ok(value) => {
            prop_assert!(
                (200..300).contains(&status) || status == 404,
                "success on {}",
                status
            );
            if which % CALLS != 20 {
                strings_are_harmless(value)?;
            }
        }
        Err(error) => {
            let line = one_line(error);
            prop_assert_eq!(forging(&line, false), None, "{}", line);
            prop_assert!(!line.contains(KEY), "the key in {line}");
            if error.method == "GET" {
                prop_assert!(!error.is_ambiguous(), "an ambiguous GET: {line}");
            } else if (200..300).contains(&status)
                && matches!(error.kind, ApiErrorKind::Decode { .. })
                && !renders_loa(error)
            {
                prop_assert!(
                    error.is_ambiguous(),
                    "a write answered {status} not ambiguous: {line}"
                );
            }
            if let ApiErrorKind::Status { status: seen, .. } = error.kind {
                prop_assert_eq!(seen, status);
            }
        }
    }
    let expected = (200..300)
        .contains(&status)
        .then(|| direct(which, body))
        .flatten();
    // Making strings visible never makes invalid JSON valid: a body serde_json refuses is
    // refused, whatever else it holds.
    if expected.is_some() && serde_json::from_slice::<serde::de::IgnoredAny>(body).is_err() {
        prop_assert!(got.is_err(), "invalid JSON answered {:?}", got);
    }
    // A body `defang` and the redaction leave alone decodes exactly as serde_json has it.
    let untouched = leaves_alone(body)
        && !String::from_utf8_lossy(body).contains("KEY")
        && !String::from_utf8_lossy(body).contains("S0VZ");
    if untouched && let Some(direct) = expected {
        match (got, direct) {
            (Ok(got), Ok(direct)) => prop_assert_eq!(got, &direct),
            (Err(error), Err(())) => prop_assert!(
                matches!(error.kind, ApiErrorKind::Decode { .. }),
                "{}",
                error
            ),
            (got, direct) => {
                return Err(TestCaseError::fail(format!(
                    "client {got:?}, serde_json {direct:?}"
                )));
            }
        }
    }
    Ok(())
}

/// A response of the sandbox: which calls read it, its status, its body.
#[derive(Debug, Clone)]
struct Recorded {
    calls: &'static [u8],
    status: u16,
    body: Vec<u8>,
}

/// The sandbox's answers to the calls telrep makes, recorded once.
fn recorded() -> &'static [Recorded] {
    static RECORDED: OnceLock<Vec<Recorded>> = OnceLock::new();
    RECORDED.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(record())
    })
}

async fn record() -> Vec<Recorded> {
    use telrep::sandbox::{Sandbox, SandboxConfig};
    let numbers: Vec<String> = (0..260)
        .map(|index| format!("+1202555{index:04}"))
        .collect();
    let mut config = SandboxConfig::local();
    config.inventory = numbers
        .iter()
        .map(|number| (number.clone(), "local".to_owned()))
        .collect();
    let sandbox = Sandbox::start(config).await.unwrap();
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let base = sandbox.base_url();
    let mut out = Vec::new();
    let mut record =
        async |calls: &'static [u8], method: &str, path: &str, body: Option<Value>| -> Value {
            let mut request = http
                .request(method.parse().unwrap(), format!("{base}{path}"))
                .bearer_auth(KEY);
            if let Some(body) = body {
                request = request.json(&body);
            }
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let body = response.bytes().await.unwrap().to_vec();
            let value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            out.push(Recorded {
                calls,
                status,
                body,
            });
            value
        };
    let mut spec = serde_json::to_value(
        load(
            &crate::support::root().join("examples/acme.yaml"),
            LoadOptions::default(),
        )
        .unwrap()
        .enterprise,
    )
    .unwrap();
    spec.as_object_mut().unwrap().remove("id");
    let listing = "page%5Bnumber%5D=1&page%5Bsize%5D=250";
    record(
        &[0],
        "GET",
        "/terms_of_service/status?product_type=number_reputation",
        None,
    )
    .await;
    record(
        &[1],
        "POST",
        "/terms_of_service/number_reputation/agree",
        None,
    )
    .await;
    record(&[4], "POST", "/enterprises", Some(json!({}))).await;
    let enterprise = record(&[3, 4, 5], "POST", "/enterprises", Some(spec)).await;
    let id = enterprise["data"]["id"].as_str().unwrap().to_owned();
    record(&[2], "GET", &format!("/enterprises?{listing}"), None).await;
    record(
        &[3],
        "GET",
        "/enterprises/00000000-0000-4000-8000-000000000000",
        None,
    )
    .await;
    let pdf = std::fs::read(crate::support::root().join("examples/loa/acme-signed.pdf")).unwrap();
    use base64::Engine as _;
    let file = base64::engine::general_purpose::STANDARD.encode(&pdf);
    let document = record(
        &[22, 27],
        "POST",
        "/documents",
        Some(json!({"file": file, "filename": "acme-signed.pdf"})),
    )
    .await;
    let document_id = document["data"]["id"].as_str().unwrap().to_owned();
    let reputation = format!("/enterprises/{id}/reputation");
    record(
        &[6, 7, 8, 9, 26],
        "POST",
        &reputation,
        Some(json!({"loa_document_id": document_id, "check_frequency": "daily"})),
    )
    .await;
    record(
        &[8],
        "PATCH",
        &format!("{reputation}/frequency"),
        Some(json!({"check_frequency": "hourly"})),
    )
    .await;
    for batch in numbers.chunks(100) {
        record(
            &[15],
            "POST",
            &format!("{reputation}/numbers"),
            Some(json!({"phone_numbers": batch})),
        )
        .await;
    }
    record(
        &[11, 12, 13],
        "GET",
        &format!("{reputation}/numbers?{listing}"),
        None,
    )
    .await;
    record(
        &[11, 12, 13],
        "GET",
        &format!("{reputation}/numbers?page%5Bnumber%5D=2&page%5Bsize%5D=250"),
        None,
    )
    .await;
    record(
        &[14],
        "GET",
        &format!("/reputation/numbers?{listing}"),
        None,
    )
    .await;
    record(
        &[21, 25],
        "GET",
        &format!("{reputation}/numbers/%2B12025550000"),
        None,
    )
    .await;
    record(
        &[17],
        "POST",
        &format!("{reputation}/numbers/refresh"),
        Some(json!({"phone_numbers": &numbers[..3]})),
    )
    .await;
    let remediation = record(
        &[18, 19],
        "POST",
        &format!("{reputation}/remediation"),
        Some(json!({"phone_numbers": &numbers[..2], "call_purpose": "appointment reminders"})),
    )
    .await;
    let request = remediation["data"]["id"]
        .as_str()
        .unwrap_or("r1")
        .to_owned();
    record(
        &[19],
        "GET",
        &format!("{reputation}/remediation/{request}"),
        None,
    )
    .await;
    record(
        &[23, 24],
        "POST",
        &format!("{reputation}/external_verification"),
        Some(json!({"document_ids": [document_id]})),
    )
    .await;
    record(
        &[25],
        "POST",
        &format!("{reputation}/numbers/%2B12025550000/ownership_confirm"),
        Some(json!({"still_own": true})),
    )
    .await;
    record(&[28], "GET", &format!("/phone_numbers?{listing}"), None).await;
    record(
        &[16, 10],
        "DELETE",
        &format!("{reputation}/numbers/%2B12025550000"),
        None,
    )
    .await;
    sandbox.shutdown().await;
    out
}

/// A hostile string to put into a body: forging characters as JSON escapes and raw, the
/// key, quotes and backslashes, long runs.
fn hostile_text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("\u{1b}[2J\u{7}".to_owned()),
        Just("two\nlines\r\ttab\u{8}\u{c}".to_owned()),
        Just("evil\u{202e}fdp.exe\u{2066}\u{200f}\u{61c}".to_owned()),
        Just("c1\u{85}\u{9b}31m\u{7f}".to_owned()),
        Just("quote \" backslash \\ slash /".to_owned()),
        Just(format!("Bearer {KEY}")),
        proptest::collection::vec(any::<char>(), 0..40)
            .prop_map(|chars| chars.into_iter().collect()),
        (1..5000usize).prop_map(|length| "\u{202e}".repeat(length)),
    ]
}

/// `text` as the client must hand it over once the body carried it as serde_json writes
/// it (short escapes for `\n` and friends, `\u00XX` for other C0 controls, the rest raw):
/// every forging character as visible text, the key as `***`.
fn visible(text: &str) -> String {
    let mut out = String::new();
    for character in text.chars() {
        match character {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            other if is_forging(other) => out.push_str(&format!("\\u{:04x}", u32::from(other))),
            other => out.push(other),
        }
    }
    out.replace(KEY, "***")
}

/// Every string leaf of `value`, as JSON pointers.
fn string_leaves(value: &Value, at: String, out: &mut Vec<String>) {
    match value {
        Value::String(_) => out.push(at),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .for_each(|(index, item)| string_leaves(item, format!("{at}/{index}"), out)),
        Value::Object(map) => map
            .iter()
            .for_each(|(key, item)| string_leaves(item, format!("{at}/{key}"), out)),
        _ => {}
    }
}

/// How a real body is spoilt.
#[derive(Debug, Clone)]
enum BodyMutation {
    /// One string value replaced by a hostile text (the body stays valid JSON).
    Text(prop::sample::Index, String),
    /// One value replaced by another JSON value of any type.
    Value(prop::sample::Index, Value),
    /// An unknown field holding a large value, in the body and in each record.
    Amplify(usize, u8),
    /// Bytes flipped, inserted, cut.
    Bytes(Vec<(prop::sample::Index, u8, u8)>),
    /// Cut short.
    Truncate(prop::sample::Index),
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|number| json!(number)),
        any::<u64>().prop_map(|number| json!(number)),
        any::<f64>().prop_map(|number| json!(number)),
        hostile_text().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map("[a-z_]{0,12}", inner, 0..4)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

fn body_mutation() -> impl Strategy<Value = BodyMutation> {
    prop_oneof![
        4 => (any::<prop::sample::Index>(), hostile_text()).prop_map(|(at, text)| BodyMutation::Text(at, text)),
        2 => (any::<prop::sample::Index>(), json_value()).prop_map(|(at, value)| BodyMutation::Value(at, value)),
        1 => (1..3000usize, 0..4u8).prop_map(|(count, kind)| BodyMutation::Amplify(count, kind)),
        2 => proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0..3u8), 1..8).prop_map(BodyMutation::Bytes),
        1 => any::<prop::sample::Index>().prop_map(BodyMutation::Truncate),
    ]
}

/// Sets the value at a JSON pointer.
fn set(value: &mut Value, pointer: &str, new: Value) {
    if let Some(slot) = value.pointer_mut(pointer) {
        *slot = new;
    }
}

fn amplifier(count: usize, kind: u8) -> Value {
    match kind {
        0 => Value::Array(vec![json!(0); count]),
        1 => Value::Array(vec![json!([]); count]),
        2 => Value::Array(vec![json!({}); count]),
        _ => Value::Array(vec![json!(""); count]),
    }
}

proptest! {
    #![proptest_config(config(CASES))]

    /// Random bytes, decoded as every response type the client reads: never a panic, both
    /// ways of decoding agree, and memory stays within 128 times the body.
    #[test]
    fn random_bytes_decode_as_every_type(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        decode_every_type(&bytes)?;
    }

    /// Random JSON documents (nested, hostile strings, huge arrays): the same.
    #[test]
    fn random_json_decodes_as_every_type(value in json_value(), wrap in 0..3u8) {
        let value = match wrap {
            0 => value,
            1 => json!({"data": value}),
            _ => json!({"data": [value], "meta": {"page_number": 1, "page_size": 1, "total_pages": 1, "total_results": 1}}),
        };
        decode_every_type(serde_json::to_string(&value).unwrap().as_bytes())?;
    }
}

proptest! {
    #![proptest_config(config(CLIENT_CASES))]

    /// The sandbox's real answers, spoilt, through the real client: the body decoded as
    /// every type, and the call that reads it answers without a panic, with nothing that
    /// could forge terminal output, never the key in an error, a GET never ambiguous and an
    /// unreadable 2xx to a write always; on a body left valid with a hostile text in one
    /// string, the call succeeds with that text made visible (`\u001b`, `\u202e`, `***`).
    #[test]
    fn mutated_real_bodies_through_the_client(
        (index, mutation, status) in (0..recorded().len(), body_mutation(), proptest::option::weighted(0.2, proptest::sample::select(STATUSES))),
        pick in any::<prop::sample::Index>(),
    ) {
        static HARNESS: OnceLock<Mutex<Harness>> = OnceLock::new();
        let harness = HARNESS.get_or_init(|| Mutex::new(Harness::start())).lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let recorded = &recorded()[index];
        let which = *pick.get(recorded.calls);
        let status = status.unwrap_or(recorded.status);
        let mut expected = None;
        let body = match (&mutation, serde_json::from_slice::<Value>(&recorded.body)) {
            (BodyMutation::Text(at, text), Ok(mut value)) => {
                let mut leaves = Vec::new();
                string_leaves(&value, String::new(), &mut leaves);
                if !leaves.is_empty() {
                    let pointer = at.get(&leaves).clone();
                    set(&mut value, &pointer, Value::String(text.clone()));
                    expected = Some((pointer, visible(text)));
                }
                serde_json::to_vec(&value).unwrap()
            }
            (BodyMutation::Value(at, new), Ok(mut value)) => {
                let mut leaves = Vec::new();
                string_leaves(&value, String::new(), &mut leaves);
                if !leaves.is_empty() {
                    let pointer: &String = at.get(&leaves);
                    set(&mut value, pointer, new.clone());
                }
                serde_json::to_vec(&value).unwrap()
            }
            (BodyMutation::Amplify(count, kind), Ok(mut value)) => {
                let big = amplifier(*count, *kind);
                if let Some(object) = value.as_object_mut() {
                    object.insert("padding".to_owned(), big.clone());
                }
                match value.get_mut("data") {
                    Some(Value::Object(record)) => { record.insert("padding".to_owned(), big); }
                    Some(Value::Array(records)) => records.iter_mut().filter_map(Value::as_object_mut).take(4).for_each(|record| { record.insert("padding".to_owned(), big.clone()); }),
                    _ => {}
                }
                serde_json::to_vec(&value).unwrap()
            }
            (BodyMutation::Bytes(edits), _) => {
                let mut body = recorded.body.clone();
                for (at, byte, kind) in edits {
                    let index = at.index(body.len().max(1)).min(body.len());
                    match kind {
                        0 if index < body.len() => body[index] = *byte,
                        1 => body.insert(index, *byte),
                        _ if index < body.len() => { body.remove(index); }
                        _ => body.push(*byte),
                    }
                }
                body
            }
            (BodyMutation::Truncate(at), _) => recorded.body[..at.index(recorded.body.len() + 1)].to_vec(),
            _ => recorded.body.clone(),
        };
        decode_every_type(&body)?;
        let got = harness.answer(which, status, vec![body.clone()]);
        check_answer(which, status, &body, &got)?;
        // A hostile text in a string the call keeps comes out visible, never as itself.
        if let (Some((pointer, visible)), true) = (expected, status == recorded.status && (200..300).contains(&status)) {
            let pointer = pointer.strip_prefix("/data").unwrap_or(&pointer);
            if let Some(single) = direct(which, &recorded.body).and_then(Result::ok) {
                let got = got.map_err(|error| TestCaseError::fail(format!("a valid body refused: {error}")))?;
                let _ = single;
                if let Some(Value::String(text)) = got.pointer(pointer) {
                    prop_assert_eq!(text, &visible, "at {}", pointer);
                }
            }
        }
    }

    /// Random bytes as the answer to each call, in up to three pages: the same guarantees.
    #[test]
    fn random_bodies_through_the_client(
        which in 0..CALLS,
        status in proptest::sample::select(STATUSES),
        parts in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..512), 1..4),
    ) {
        static HARNESS: OnceLock<Mutex<Harness>> = OnceLock::new();
        let harness = HARNESS.get_or_init(|| Mutex::new(Harness::start())).lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let first = parts[0].clone();
        let got = harness.answer(which, status, parts);
        check_answer(which, status, &first, &got)?;
    }
}

/// The key spelt with JSON escapes in an error body is still kept out of the error.
#[test]
fn the_key_spelt_with_escapes_stays_out_of_errors() {
    let harness = Harness::start();
    let escaped: String = KEY
        .chars()
        .map(|character| format!("\\u{:04x}", u32::from(character)))
        .collect();
    let body = format!(
        r#"{{"errors":[{{"code":"10001","title":"bad key {escaped}","detail":"{escaped}","source":{{"pointer":"/{escaped}"}}}}]}}"#
    );
    for which in [0, 3, 11, 18] {
        let error = harness
            .answer(which, 401, vec![body.clone().into_bytes()])
            .unwrap_err();
        let line = one_line(&error);
        assert!(!line.contains(KEY), "{line}");
        assert!(line.contains("***"), "{line}");
    }
}

/// Found by fuzzing: a raw NUL inside a key is invalid JSON and is refused, even when a
/// raw DEL elsewhere makes the body one `defang` rewrites (it turned the NUL into visible
/// text, and the body decoded).
#[test]
fn invalid_json_beside_a_forging_character_is_refused() {
    let harness = Harness::start();
    let body = "{\"data\":{\"id\":\"d\u{7f}1\",\"\u{0}x\":1}}";
    assert!(serde_json::from_slice::<serde::de::IgnoredAny>(body.as_bytes()).is_err());
    // 27: `get_document`, a `{"data": T}` read.
    let error = harness
        .answer(27, 200, vec![body.as_bytes().to_vec()])
        .unwrap_err();
    assert!(
        matches!(error.kind, ApiErrorKind::Decode { .. }),
        "{}",
        one_line(&error)
    );
}

/// Found by fuzzing: an error body that is not UTF-8 only inside a value serde_json skips
/// still decodes, and its escaped ESC reached the error line.
#[test]
fn escapes_in_a_body_that_is_not_utf8_stay_visible() {
    let harness = Harness::start();
    let mut body = br#"{"errors":[{"code":"10001","title":"bad","detail":"key \u001b[2J","source":{"unknown":""#.to_vec();
    body.extend_from_slice(b"\x92\x92\"}}]}");
    assert!(std::str::from_utf8(&body).is_err());
    // 11: listing the enterprise's numbers.
    let error = harness.answer(11, 400, vec![body]).unwrap_err();
    let line = one_line(&error);
    assert_eq!(forging(&line, false), None, "{line}");
    assert!(line.contains("key \\u001b[2J"), "{line}");
}

/// Set in the child process of `decoding_memory_is_bounded`.
const MEMORY_CHILD: &str = "TELREP_HOSTILE_MEMORY_CHILD";
/// The largest body the memory test decodes.
const MEMORY_BODY: usize = 256 * 1024;

/// Bodies of `MEMORY_BODY` bytes built to make decoding allocate: records padded with
/// unknown fields (`flatten` buffers them), arrays of empty strings, records and error
/// entries, deep nesting, escapes.
fn amplifying_bodies() -> Vec<Vec<u8>> {
    let fill = |head: &str, item: &str, tail: &str| {
        let mut body = head.to_owned();
        while body.len() + item.len() + tail.len() < MEMORY_BODY {
            body.push_str(item);
        }
        body.pop();
        body.push_str(tail);
        body.into_bytes()
    };
    let meta = r#"],"meta":{"page_number":1,"page_size":1,"total_pages":1,"total_results":1}}"#;
    let record = r#"{"data":{"enterprise_id":"e","phone_number":"+12025550100","padding":["#;
    vec![
        fill(record, "0,", "]}}"),
        fill(record, "[],", "]}}"),
        fill(record, "{},", "]}}"),
        fill(record, "\"\",", "]}}"),
        fill(
            r#"{"data":[{"phone_number":"+12025550100","country_iso_alpha2":"US","status":"active","phone_number_type":"local","external_pin":null,"tags":["#,
            "\"\",",
            "]}]}",
        ),
        fill(r#"{"remediated":["#, "\"\",", "]}"),
        fill(r#"{"data":["#, r#"{"phone_number":""},"#, meta),
        fill(
            r#"{"data":["#,
            r#"{"enterprise_id":"","phone_number":""},"#,
            meta,
        ),
        fill(r#"{"errors":["#, r#"{"code":"","title":""},"#, "]}"),
        fill(r#"{"data":{"id":""#, r"\u0041", "\"}}"),
        fill("", "[", ""),
    ]
}

/// Decoding is bounded in memory: the bodies of `amplifying_bodies`, each decoded as every
/// response type, in a process of its own (this test binary again, running
/// `decoding_memory_child` alone) whose peak RSS may grow by at most 64 times the body
/// plus 32 MiB.
#[test]
fn decoding_memory_is_bounded() {
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "hostile::decoding_memory_child",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(MEMORY_CHILD, "1")
        .output()
        .unwrap();
    let shown = crate::support::render(&output);
    assert!(output.status.success(), "{shown}");
    assert!(shown.contains("peak RSS grew by"), "{shown}");
}

#[test]
#[ignore = "run by decoding_memory_is_bounded in a process of its own"]
fn decoding_memory_child() {
    if std::env::var_os(MEMORY_CHILD).is_none() {
        return;
    }
    let peak = || {
        let usage =
            nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_SELF).unwrap();
        usize::try_from(usage.max_rss()).unwrap() * 1024
    };
    let bodies = amplifying_bodies();
    decode_every_type(b"{}").unwrap();
    let before = peak();
    for (index, body) in bodies.iter().enumerate() {
        decode_every_type(body).unwrap();
        println!(
            "after body {index}: peak RSS {} bytes above the start",
            peak().saturating_sub(before)
        );
    }
    let grown = peak().saturating_sub(before);
    println!(
        "peak RSS grew by {grown} bytes decoding {} bodies of {MEMORY_BODY} bytes",
        bodies.len()
    );
    assert!(grown <= 64 * MEMORY_BODY + (32 << 20), "{grown} bytes");
}
