//! One filter table for every snapshot of an output that holds volatile parts, and the
//! macro that applies it: `crate::snapshot!(text, @"…")` is `insta::assert_snapshot!` with
//! the table bound. A test never masks by hand; what the table does not cover is exact.

/// An id no account has, which tests write into manifests (a pin to nothing); fixed, so
/// snapshots show it as it is while the ids the sandbox issues read `[UUID]`.
pub const UNKNOWN_ID: &str = "0e6a1c52-3b7d-4f8e-9a21-5c4d3b2a1f00";

/// What varies from run to run, and the placeholder that stands for it, applied in order.
pub const FILTERS: &[(&str, &str)] = &[
    // An ephemeral loopback port (four or five digits; `127.0.0.1:1`, refused on purpose,
    // stays).
    (r"127\.0\.0\.1:\d{4,5}\b", "127.0.0.1:[PORT]"),
    // Enterprise, document, agreement and number record ids.
    (
        r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b",
        "[UUID]",
    ),
    // RFC 3339 timestamps (`created_at`, `agreed_at`).
    (
        r"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})",
        "[TIMESTAMP]",
    ),
    // The time of day on apply's progress lines.
    // (also right after a terminal's escape sequence, as in `␛[2K12:34:56`).
    (r"(?m)(^|[^0-9:])\d{2}:\d{2}:\d{2}\b", "${1}[TIME]"),
    // Elapsed times: apply's `… 3 numbers in 0.4 s` and a progress bar's `(2s)`.
    (r" in \d+\.\d s\b", " in [DURATION]"),
    (r"\(\d+[smh]\)", "([DURATION])"),
];

/// The temporary directories `tempfile` makes (`/tmp/.tmpAbC123`), as a pattern.
fn temp_filter() -> (String, &'static str) {
    let temp = std::env::temp_dir();
    let temp = temp.to_string_lossy();
    let escaped: String = temp
        .trim_end_matches('/')
        .chars()
        .flat_map(|c| {
            let special = "\\.+*?()|[]{}^$#&-~".contains(c);
            special
                .then_some('\\')
                .into_iter()
                .chain(std::iter::once(c))
        })
        .collect();
    (format!(r"{escaped}/\.tmp[0-9A-Za-z]+"), "[TEMP]")
}

/// The current insta settings with the table added (`UNKNOWN_ID` is set aside first and
/// put back last, so the id filter leaves it).
pub fn settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    let aside = UNKNOWN_ID.replace('-', "\u{2011}");
    settings.add_filter(UNKNOWN_ID, aside.as_str());
    let (temp, placeholder) = temp_filter();
    settings.add_filter(&temp, placeholder);
    for (pattern, placeholder) in FILTERS {
        settings.add_filter(pattern, *placeholder);
    }
    settings.add_filter(&aside, UNKNOWN_ID);
    settings
}

/// `insta::assert_snapshot!` with the filter table of `support::snapshot` bound.
#[macro_export]
macro_rules! snapshot {
    ($value:expr, @$expected:literal $(,)?) => {{
        let value = $value;
        $crate::support::snapshot::settings().bind(|| {
            insta::assert_snapshot!(value, @$expected);
        })
    }};
}

#[test]
fn the_table_masks_what_varies_and_nothing_else() {
    let temp = tempfile::tempdir().unwrap();
    let text = format!(
        "12:34:56 [2] create_enterprise done: enterprise id `200315be-b054-4eab-8914-d939a11204a5`\n\
         12:34:57 add_numbers: 1,000 numbers in 12.3 s\n\
         add_numbers [=====] 3/3 numbers (2s) ␛[2K12:34:58 add_numbers: 3 numbers in 0.0 s\n\
         telrep: using a local sandbox at http://127.0.0.1:40123/v2 in {}/state.json\n\
         cannot read the account at `127.0.0.1:1`, created 2026-11-25T03:00:00Z\n\
         the manifest pins enterprise `id` `{UNKNOWN_ID}`\n\
         The longest wait (`30m`, `1h`, `90s`) [default: 30m]; 1,000 numbers (os error 111)\n",
        temp.path().display()
    );
    crate::snapshot!(text, @"
    [TIME] [2] create_enterprise done: enterprise id `[UUID]`
    [TIME] add_numbers: 1,000 numbers in [DURATION]
    add_numbers [=====] 3/3 numbers ([DURATION]) ␛[2K[TIME] add_numbers: 3 numbers in [DURATION]
    telrep: using a local sandbox at http://127.0.0.1:[PORT]/v2 in [TEMP]/state.json
    cannot read the account at `127.0.0.1:1`, created [TIMESTAMP]
    the manifest pins enterprise `id` `0e6a1c52-3b7d-4f8e-9a21-5c4d3b2a1f00`
    The longest wait (`30m`, `1h`, `90s`) [default: 30m]; 1,000 numbers (os error 111)
    ");
}
