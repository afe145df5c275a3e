//! `telrep validate`: every rule's fixture, rendered in full, and the hostile inputs.

use std::fs;
use std::path::Path;

use crate::support::{check_sarif, fixtures, root, run, telrep};

mod hostile;

/// `loa/signed.pdf` of the fixtures into `directory`, where `valid_minimal.yaml` looks for it.
fn copy_signed_loa(directory: &Path) {
    fs::create_dir_all(directory.join("loa")).unwrap();
    fs::copy(
        fixtures().join("loa/signed.pdf"),
        directory.join("loa/signed.pdf"),
    )
    .unwrap();
}

/// One snapshot per fixture: the complete output of `telrep validate FIXTURE`, run from the
/// fixtures directory so paths read as a user would type them.
#[track_caller]
fn fixture(name: &str) {
    let output = run(&fixtures(), &["validate", name]);
    insta::assert_snapshot!(name, output);
}

#[test]
fn example_is_valid() {
    insta::assert_snapshot!(run(&root(), &["validate", "examples/acme.yaml"]), @r"
    exit: 0
    ----- stdout -----
    examples/acme.yaml: valid (Acme Corp, 302 numbers)
    ----- stderr -----
    ");
}

#[test]
fn valid_fixtures() {
    insta::assert_snapshot!(run(&fixtures(), &["validate", "valid_minimal.yaml", "valid_disabled.yaml"]), @r"
    exit: 0
    ----- stdout -----
    valid_minimal.yaml: valid (Acme Corp, 1 number)
    valid_disabled.yaml: valid (Acme Dormant Corp, 0 numbers)
    ----- stderr -----
    ");
}

#[test]
fn unknown_keys() {
    fixture("unknown_keys.yaml");
}

#[test]
fn bad_enums() {
    fixture("bad_enums.yaml");
}

#[test]
fn missing_fields() {
    fixture("missing_fields.yaml");
}

#[test]
fn bad_numbers() {
    fixture("bad_numbers.yaml");
}

#[test]
fn bad_contacts() {
    fixture("bad_contacts.yaml");
}

#[test]
fn bad_identity() {
    fixture("bad_identity.yaml");
}

#[test]
fn bad_loa() {
    fixture("bad_loa.yaml");
}

#[test]
fn bad_policy() {
    fixture("bad_policy.yaml");
}

#[test]
fn loa_not_pdf() {
    fixture("loa_not_pdf.yaml");
}

#[test]
fn loa_missing() {
    fixture("loa_missing.yaml");
}

#[test]
fn paths_escape() {
    fixture("paths_escape.yaml");
}

/// Issue 9: NUL, CR/LF, ESC and BEL by YAML escapes, bidi controls, a blank name,
/// `!!binary`, `!!str` on a boolean, a custom tag and a `%TAG` one, each at its place.
#[test]
fn issue_9_hidden_values() {
    fixture("hidden_values.yaml");
}

#[test]
fn version() {
    fixture("version.yaml");
}

#[test]
fn bad_booleans() {
    fixture("bad_booleans.yaml");
}

#[test]
fn bad_booleans_spellings() {
    fixture("bad_booleans_spellings.yaml");
}

#[test]
fn whole_fixes() {
    fixture("whole_fixes.yaml");
}

#[test]
fn near_misses() {
    fixture("near_misses.yaml");
}

#[test]
fn duplicate_key() {
    fixture("duplicate_key.yaml");
}

#[test]
fn syntax_error() {
    fixture("syntax_error.yaml");
}

#[test]
fn alias_bomb() {
    fixture("alias_bomb.yaml");
}

#[test]
fn deep_nesting() {
    fixture("deep_nesting.yaml");
}

#[test]
fn not_utf8() {
    fixture("not_utf8.yaml");
}

#[test]
fn nul_byte() {
    fixture("nul_byte.yaml");
}

#[test]
fn json_format() {
    let output = telrep(
        &fixtures(),
        &[
            "validate",
            "--format",
            "json",
            "bad_loa.yaml",
            "version.yaml",
        ],
    );
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(output.stderr, b"");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"diagnostics": [
            {"rule": "conflicting_fields", "file": "bad_loa.yaml", "line": 41, "column": 11, "severity": "error",
             "message": "`reputation.loa` has both `document_id` and `file`",
             "help": "keep exactly one of them"},
            {"rule": "unsupported_version", "file": "version.yaml", "line": 2, "column": 10, "severity": "error",
             "message": "unsupported manifest version `2`; this telrep reads version 1",
             "help": "write `version: 1`"},
        ]})
    );
}

/// Every invalid fixture's problems by rule id: each rule has a stable id, none is the
/// catch-all.
#[test]
fn rule_ids() {
    let mut names: Vec<String> = fs::read_dir(fixtures())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".yaml") && !name.starts_with("valid_"))
        .collect();
    names.sort();
    let mut args = vec!["validate", "--format", "json"];
    args.extend(names.iter().map(String::as_str));
    let output = telrep(&fixtures(), &args);
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let rules: Vec<String> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|diagnostic| {
            format!(
                "{}:{} {}",
                diagnostic["file"].as_str().unwrap(),
                diagnostic["line"],
                diagnostic["rule"].as_str().unwrap()
            )
        })
        .collect();
    insta::assert_snapshot!(rules.join("\n"), @"
    alias_bomb.yaml:5 yaml_too_complex
    bad_booleans.yaml:39 invalid_boolean
    bad_booleans.yaml:42 invalid_value
    bad_booleans.yaml:45 invalid_boolean
    bad_booleans_spellings.yaml:38 invalid_boolean
    bad_booleans_spellings.yaml:41 invalid_boolean
    bad_contacts.yaml:17 invalid_value
    bad_contacts.yaml:19 invalid_number
    bad_contacts.yaml:21 invalid_value
    bad_contacts.yaml:26 invalid_value
    bad_contacts.yaml:29 unquoted_value
    bad_contacts.yaml:32 invalid_value
    bad_enums.yaml:6 invalid_value
    bad_enums.yaml:7 invalid_value
    bad_enums.yaml:10 invalid_value
    bad_enums.yaml:11 invalid_value
    bad_enums.yaml:13 invalid_value
    bad_enums.yaml:42 invalid_value
    bad_identity.yaml:4 invalid_value
    bad_identity.yaml:5 invalid_value
    bad_identity.yaml:9 invalid_value
    bad_identity.yaml:10 invalid_value
    bad_identity.yaml:29 invalid_value
    bad_identity.yaml:30 invalid_value
    bad_loa.yaml:41 conflicting_fields
    bad_numbers.yaml:43 invalid_number
    bad_numbers.yaml:45 invalid_number
    bad_numbers.yaml:46 invalid_number
    bad_numbers.yaml:47 invalid_number
    bad_numbers.yaml:48 unquoted_value
    bad_numbers.yaml:49 duplicate_number
    bad_numbers.yaml:50 unquoted_value
    numbers/mixed.txt:4 invalid_number
    numbers/mixed.txt:6 duplicate_number
    numbers/mixed.txt:7 invalid_number
    bad_policy.yaml:46 invalid_value
    bad_policy.yaml:47 invalid_value
    bad_policy.yaml:48 invalid_boolean
    bad_policy.yaml:49 unknown_field
    deep_nesting.yaml:3 yaml_too_complex
    duplicate_key.yaml:9 duplicate_key
    hidden_values.yaml:7 control_character
    hidden_values.yaml:8 control_character
    hidden_values.yaml:9 yaml_tag
    hidden_values.yaml:13 yaml_tag
    hidden_values.yaml:16 control_character
    hidden_values.yaml:18 bidi_control
    hidden_values.yaml:19 bidi_control
    hidden_values.yaml:24 invalid_value
    hidden_values.yaml:31 yaml_tag
    hidden_values.yaml:41 yaml_tag
    loa_missing.yaml:39 missing_field
    loa_missing.yaml:41 file_not_found
    loa_not_pdf.yaml:40 loa_not_pdf
    missing_fields.yaml:3 missing_field
    missing_fields.yaml:12 missing_field
    missing_fields.yaml:13 missing_field
    missing_fields.yaml:35 missing_field
    near_misses.yaml:41 file_not_found
    numbers/fleet.csv:1 invalid_number
    numbers/fleet.csv:2 invalid_number
    numbers/fleet.csv:3 invalid_number
    not_utf8.yaml:4 not_utf8
    nul_byte.yaml:2 nul_byte
    paths_escape.yaml:42 path_outside
    paths_escape.yaml:43 path_outside
    syntax_error.yaml:9 invalid_yaml
    unknown_keys.yaml:10 unknown_field
    unknown_keys.yaml:19 unknown_field
    unknown_keys.yaml:42 unknown_field
    unknown_keys.yaml:45 unknown_field
    version.yaml:2 unsupported_version
    whole_fixes.yaml:9 invalid_value
    whole_fixes.yaml:11 invalid_value
    whole_fixes.yaml:17 invalid_value
    whole_fixes.yaml:19 unknown_field
    whole_fixes.yaml:23 invalid_value
    whole_fixes.yaml:40 invalid_value
    ");
}

#[test]
fn json_format_when_valid() {
    let output = telrep(
        &root(),
        &["validate", "--format", "json", "examples/acme.yaml"],
    );
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        "{\n  \"diagnostics\": []\n}\n"
    );
}

/// A directory is searched recursively for `*.yaml`/`*.yml`, in sorted order; one bad
/// manifest fails the run and the others are still reported.
#[test]
fn directories() {
    let temp = tempfile::tempdir().unwrap();
    for directory in [temp.path().to_path_buf(), temp.path().join("team/east")] {
        fs::create_dir_all(directory.join("loa")).unwrap();
        fs::copy(
            fixtures().join("loa/signed.pdf"),
            directory.join("loa/signed.pdf"),
        )
        .unwrap();
    }
    fs::copy(
        fixtures().join("valid_minimal.yaml"),
        temp.path().join("a.yaml"),
    )
    .unwrap();
    fs::copy(fixtures().join("version.yaml"), temp.path().join("c.yaml")).unwrap();
    fs::copy(
        fixtures().join("valid_disabled.yaml"),
        temp.path().join("team/east/b.yml"),
    )
    .unwrap();
    fs::write(temp.path().join("team/east/notes.txt"), "not a manifest").unwrap();
    insta::assert_snapshot!(run(temp.path(), &["validate", "."]), @"
    exit: 1
    ----- stdout -----
    ./a.yaml: valid (Acme Corp, 1 number)
    ./team/east/b.yml: valid (Acme Dormant Corp, 0 numbers)
    ----- stderr -----
    ./c.yaml:2:10: error: unsupported manifest version `2`; this telrep reads version 1
      |
    2 | version: 2
      |          ^
    help: write `version: 1`

    found 1 problem in 1 of 3 manifests
    ");
}

/// Writes a manifest that names `numbers_file` (and the fixture LOA) into `directory`.
fn manifest_with_numbers_file(directory: &Path, numbers_file: &str) {
    fs::create_dir_all(directory.join("loa")).unwrap();
    fs::copy(
        fixtures().join("loa/signed.pdf"),
        directory.join("loa/signed.pdf"),
    )
    .unwrap();
    let manifest = fs::read_to_string(fixtures().join("valid_minimal.yaml"))
        .unwrap()
        .replace(
            "    - \"+12025551234\"\n",
            &format!("    - file: {numbers_file}\n"),
        );
    fs::write(directory.join("m.yaml"), manifest).unwrap();
}

#[test]
fn oversized_manifest_is_refused_before_reading() {
    let temp = tempfile::tempdir().unwrap();
    let file = fs::File::create(temp.path().join("huge.yaml")).unwrap();
    file.set_len(100 * 1024 * 1024).unwrap();
    insta::assert_snapshot!(run(temp.path(), &["validate", "huge.yaml"]), @"
    exit: 1
    ----- stdout -----
    ----- stderr -----
    huge.yaml:1:1: error: the manifest is 104857600 bytes; the limit is 16 MiB (16777216 bytes)
    help: move long number lists into numbers files (`- file: PATH`)

    found 1 problem in 1 of 1 manifest
    ");
}

#[test]
fn oversized_numbers_file_is_refused() {
    let temp = tempfile::tempdir().unwrap();
    manifest_with_numbers_file(temp.path(), "numbers.txt");
    let file = fs::File::create(temp.path().join("numbers.txt")).unwrap();
    file.set_len(64 * 1024 * 1024 + 1).unwrap();
    insta::assert_snapshot!(run(temp.path(), &["validate", "m.yaml"]), @"
    exit: 1
    ----- stdout -----
    ----- stderr -----
    m.yaml:42:13: error: the numbers file `numbers.txt` is 67108865 bytes; the limit is 64 MiB (67108864 bytes)
       |
    42 |     - file: numbers.txt
       |             ^^^^^^^^^^^
    help: split it into several files of at most 64 MiB

    found 1 problem in 1 of 1 manifest
    ");
}

#[test]
fn oversized_loa_is_refused() {
    let temp = tempfile::tempdir().unwrap();
    manifest_with_numbers_file(temp.path(), "numbers.txt");
    fs::write(temp.path().join("numbers.txt"), "+12025551234\n").unwrap();
    let loa = temp.path().join("loa/signed.pdf");
    fs::write(&loa, b"%PDF-1.4\n").unwrap();
    fs::OpenOptions::new()
        .write(true)
        .open(&loa)
        .unwrap()
        .set_len(20_000_001)
        .unwrap();
    insta::assert_snapshot!(run(temp.path(), &["validate", "m.yaml"]), @"
    exit: 1
    ----- stdout -----
    ----- stderr -----
    m.yaml:40:11: error: the LOA `loa/signed.pdf` is too large for the documents API: it is 20000001 bytes; the limit is 20 MB (20000000 bytes)
       |
    40 |     file: loa/signed.pdf
       |           ^^^^^^^^^^^^^^
    help: compress or rescan the PDF below 20 MB

    found 1 problem in 1 of 1 manifest
    ");
}

#[test]
fn symlink_out_of_the_manifest_directory() {
    let temp = tempfile::tempdir().unwrap();
    let inside = temp.path().join("repo");
    fs::create_dir_all(&inside).unwrap();
    fs::write(temp.path().join("secret.txt"), "+12025551234\n").unwrap();
    std::os::unix::fs::symlink(temp.path().join("secret.txt"), inside.join("numbers.txt")).unwrap();
    manifest_with_numbers_file(&inside, "numbers.txt");
    insta::assert_snapshot!(run(&inside, &["validate", "m.yaml"]), @"
    exit: 1
    ----- stdout -----
    ----- stderr -----
    m.yaml:42:13: error: `numbers.txt` is a symlink that leads out of the manifest's directory `.`
       |
    42 |     - file: numbers.txt
       |             ^^^^^^^^^^^
    help: keep the file inside the manifest's directory, or pass `--allow-outside-paths` if this is intended

    found 1 problem in 1 of 1 manifest
    ");
    insta::assert_snapshot!(run(&inside, &["validate", "--allow-outside-paths", "m.yaml"]), @"
    exit: 0
    ----- stdout -----
    m.yaml: valid (Acme Corp, 1 number)
    ----- stderr -----
    ");
}

#[test]
fn missing_path() {
    insta::assert_snapshot!(run(&fixtures(), &["validate", "nope.yaml"]), @"
    exit: 1
    ----- stdout -----
    ----- stderr -----
    nope.yaml:1:1: error: cannot read `nope.yaml`: No such file or directory (os error 2)

    found 1 problem: 1 path could not be read
    ");
}

/// The closing count is true with several kinds of problem: a path that cannot be read is
/// not a manifest that failed.
#[test]
fn issue_8_counts() {
    insta::assert_snapshot!(run(&fixtures(), &["validate", "nope.yaml", "version.yaml", "valid_minimal.yaml", "gone/"]), @"
    exit: 1
    ----- stdout -----
    valid_minimal.yaml: valid (Acme Corp, 1 number)
    ----- stderr -----
    nope.yaml:1:1: error: cannot read `nope.yaml`: No such file or directory (os error 2)

    gone/:1:1: error: cannot read `gone/`: No such file or directory (os error 2)

    version.yaml:2:10: error: unsupported manifest version `2`; this telrep reads version 1
      |
    2 | version: 2
      |          ^
    help: write `version: 1`

    found 3 problems: 1 in 1 of 2 manifests, 2 paths could not be read
    ");
}

/// Writes `text` at `relative` below `root`, making the directories.
fn write(root: &Path, relative: &str, text: &str) {
    let path = root.join(relative);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

/// A directory holds other YAML: only manifests (and what looks like one, misspelt or
/// broken) are validated; the rest is counted; hidden directories, `.telrep/` and
/// `--exclude` matches are not looked at; a file named explicitly is always read.
#[test]
fn issue_8_directories_skip_other_yaml() {
    let temp = tempfile::tempdir().unwrap();
    let root = temp.path();
    manifest_with_numbers_file(root, "numbers.txt");
    fs::write(root.join("numbers.txt"), "+12025551234\n").unwrap();
    write(root, ".github/workflows/ci.yml", "on: [push]\njobs: {}\n");
    write(root, ".telrep/broken.yaml", "enterprise: [\n");
    write(
        root,
        "prices.yaml",
        "monitoring_per_month: 100\nper_check: 0.1\n",
    );
    write(root, "deploy/compose.yml", "services:\n  web: {image: x}\n");
    write(root, "typo.yaml", "version: 1\nentreprise: {}\n");
    write(
        root,
        "broken.yaml",
        "version: 1\nreputation:\n  enabled: true\n enterprise: [\n",
    );
    write(root, "legacy/old.yaml", "version: 1\nenterprise: {}\n");
    insta::assert_snapshot!(run(root, &["validate", "--exclude", "legacy/**", "."]), @"
    exit: 1
    ----- stdout -----
    ./m.yaml: valid (Acme Corp, 1 number)
    ----- stderr -----
    ./broken.yaml:4:2: error: invalid YAML: while parsing a block mapping, did not find expected key
      |
    4 |  enterprise: [
      |  ^

    ./typo.yaml:1:1: error: missing field `reputation` in the manifest
      |
    1 | version: 1
      | ^
    help: add `reputation:` to the manifest

    ./typo.yaml:2:1: error: unknown field `entreprise` in the manifest
      |
    2 | entreprise: {}
      | ^^^^^^^^^^
    help: did you mean `enterprise`?

    skipped 2 YAML files that are not telrep manifests
    found 3 problems in 2 of 3 manifests
    ");
    insta::assert_snapshot!(run(root, &["validate", "--exclude", "*.yaml", "prices.yaml"]), @"
    exit: 1
    ----- stdout -----
    ----- stderr -----
    prices.yaml:1:1: error: unknown field `monitoring_per_month` in the manifest
      |
    1 | monitoring_per_month: 100
      | ^^^^^^^^^^^^^^^^^^^^
    help: the manifest has these fields: `version`, `enterprise`, `reputation`, `policy`

    prices.yaml:1:1: error: missing field `version` in the manifest
      |
    1 | monitoring_per_month: 100
      | ^
    help: add `version:` to the manifest

    prices.yaml:1:1: error: missing field `enterprise` in the manifest
      |
    1 | monitoring_per_month: 100
      | ^
    help: add `enterprise:` to the manifest

    prices.yaml:1:1: error: missing field `reputation` in the manifest
      |
    1 | monitoring_per_month: 100
      | ^
    help: add `reputation:` to the manifest

    prices.yaml:2:1: error: unknown field `per_check` in the manifest
      |
    2 | per_check: 0.1
      | ^^^^^^^^^
    help: the manifest has these fields: `version`, `enterprise`, `reputation`, `policy`

    found 5 problems in 1 of 1 manifest
    ");
}

/// Symlinks: a loop is entered once; a link out of the directory argument is named, not
/// read, unless `--allow-outside-paths`.
#[test]
fn issue_8_directory_symlinks() {
    let temp = tempfile::tempdir().unwrap();
    let root = temp.path().join("repo");
    manifest_with_numbers_file(&root, "numbers.txt");
    fs::write(root.join("numbers.txt"), "+12025551234\n").unwrap();
    std::os::unix::fs::symlink(&root, root.join("loop")).unwrap();
    write(
        temp.path(),
        "outside/secret.yaml",
        "version: 2\nenterprise: x\nreputation: {enabled: false}\n",
    );
    std::os::unix::fs::symlink(temp.path().join("outside"), root.join("elsewhere")).unwrap();
    insta::assert_snapshot!(run(&root, &["validate", "."]), @"
    exit: 1
    ----- stdout -----
    ./m.yaml: valid (Acme Corp, 1 number)
    ----- stderr -----
    ./elsewhere:1:1: error: `./elsewhere` is a symlink that leads out of `.`; it was not followed
    help: name the target explicitly, exclude the link with `--exclude`, or pass `--allow-outside-paths` if this is intended

    found 1 problem: 1 symlink leads out of a directory
    ");
    insta::assert_snapshot!(run(&root, &["validate", "--allow-outside-paths", "."]), @"
    exit: 1
    ----- stdout -----
    ./m.yaml: valid (Acme Corp, 1 number)
    ----- stderr -----
    ./elsewhere/secret.yaml:1:10: error: unsupported manifest version `2`; this telrep reads version 1
      |
    1 | version: 2
      |          ^
    help: write `version: 1`

    ./elsewhere/secret.yaml:2:13: error: expected a mapping for enterprise, found a string
      |
    2 | enterprise: x
      |             ^

    found 2 problems in 1 of 2 manifests
    ");
}

/// A directory with no manifest is an error for validate, plan and apply alike, before any
/// request.
#[test]
fn issue_8_directory_without_manifests() {
    let temp = tempfile::tempdir().unwrap();
    let root = temp.path();
    write(root, "ci/workflow.yml", "on: [push]\n");
    write(root, "empty/.keep", "");
    insta::assert_snapshot!(run(root, &["validate", "ci"]), @"
    exit: 1
    ----- stdout -----
    ----- stderr -----
    ci:1:1: error: no telrep manifest in `ci`: looked for `*.yaml` and `*.yml` files whose top level has `enterprise` or `reputation`; skipped 1 YAML file that is not a telrep manifest
    help: name the manifest files, or a directory that holds them

    skipped 1 YAML file that is not a telrep manifest
    found 1 problem: 1 directory holds no manifest
    ");
    insta::assert_snapshot!(run(root, &["validate", "empty"]), @"
    exit: 1
    ----- stdout -----
    ----- stderr -----
    empty:1:1: error: no telrep manifest in `empty`: looked for `*.yaml` and `*.yml` files whose top level has `enterprise` or `reputation`; it holds no YAML files that are not excluded
    help: name the manifest files, or a directory that holds them

    found 1 problem: 1 directory holds no manifest
    ");
    insta::assert_snapshot!(run(root, &["plan", "--api-url", "http://127.0.0.1:9/v2", "ci"]), @"
    exit: 1
    ----- stdout -----
    ----- stderr -----
    skipped 1 YAML file that is not a telrep manifest
    ci:1:1: error: no telrep manifest in `ci`: looked for `*.yaml` and `*.yml` files whose top level has `enterprise` or `reputation`; skipped 1 YAML file that is not a telrep manifest
    help: name the manifest files, or a directory that holds them

    error: no request was made
    ");
    insta::assert_snapshot!(run(root, &["apply", "--auto-approve", "--api-url", "http://127.0.0.1:9/v2", "ci"]), @"
    exit: 1
    ----- stdout -----
    ----- stderr -----
    skipped 1 YAML file that is not a telrep manifest
    ci:1:1: error: no telrep manifest in `ci`: looked for `*.yaml` and `*.yml` files whose top level has `enterprise` or `reputation`; skipped 1 YAML file that is not a telrep manifest
    help: name the manifest files, or a directory that holds them

    error: no request was made
    ");
}

#[test]
fn issue_8_one_round_fixes_for_what_review_found() {
    let temp = tempfile::tempdir().unwrap();
    copy_signed_loa(temp.path());
    let manifest = fs::read_to_string(fixtures().join("valid_minimal.yaml"))
        .unwrap()
        .replace("  legal_name: Acme Corp", "  legal_name: A")
        .replace("  fein: 12-3456789", "  fein: 012345678")
        .replace("  number_of_employees: 51-200", "  number_of_employees: 0")
        + "  prune:\n";
    fs::write(temp.path().join("m.yaml"), manifest).unwrap();
    insta::assert_snapshot!(run(temp.path(), &["validate", "m.yaml"]), @r#"
    exit: 1
    ----- stdout -----
    ----- stderr -----
    m.yaml:4:15: error: `legal_name` is 1 character long; the API needs at least 3
      |
    4 |   legal_name: A
      |               ^

    m.yaml:9:9: error: expected a US FEIN like `12-3456789` for `fein`, found the number `012345678`
      |
    9 |   fein: 012345678
      |         ^^^^^^^^^
    help: write it as `"01-2345678"`, quoted, with the dash

    m.yaml:11:24: error: `0` is not a bracket: `number_of_employees` takes a range of values
       |
    11 |   number_of_employees: 0
       |                        ^
    help: write one of `1-10`, `11-50`, `51-200`, `201-500`, `501-2000`, `2001-10000`, `10001+`; `1-10` is the nearest to 0

    m.yaml:43:8: error: expected `true` or `false` for `prune`, found no value
       |
    43 |   prune:
       |        ^
    help: write `prune: false` (the default), or remove the key

    found 4 problems in 1 of 1 manifest
    "#);
}

#[test]
fn issue_9_a_symlink_to_a_manifest_of_the_tree_is_read_at_its_real_place() {
    let temp = tempfile::tempdir().unwrap();
    copy_signed_loa(temp.path());
    fs::create_dir_all(temp.path().join("a")).unwrap();
    fs::copy(
        fixtures().join("valid_minimal.yaml"),
        temp.path().join("acme.yaml"),
    )
    .unwrap();
    std::os::unix::fs::symlink("../acme.yaml", temp.path().join("a/dup.yaml")).unwrap();
    insta::assert_snapshot!(run(temp.path(), &["validate", "."]), @"
    exit: 0
    ----- stdout -----
    ./acme.yaml: valid (Acme Corp, 1 number)
    ----- stderr -----
    ");
}

/// A manifest with two problems, one of them in a non-ASCII line, as GitHub annotations:
/// the column counts characters, and `%`, `,` and `:` are escaped.
#[test]
fn github_annotations_point_at_each_problem() {
    let temp = tempfile::tempdir().unwrap();
    let manifest = fs::read_to_string(fixtures().join("valid_minimal.yaml"))
        .unwrap()
        .replace(
            "  doing_business_as: Acme\n",
            "  doing_business_as: Acme\n  \"ünknown%\": 1\n",
        )
        .replace("    - \"+12025551234\"\n", "    - \"+1202555123\"\n");
    copy_signed_loa(temp.path());
    fs::write(temp.path().join("a,b.yaml"), manifest).unwrap();
    insta::assert_snapshot!(run(temp.path(), &["validate", "--format", "github", "a,b.yaml"]), @"
    exit: 1
    ----- stdout -----
    ::error file=a%2Cb.yaml,line=6,col=3,title=unknown_field::unknown field `ünknown%25` in enterprise%0Ahelp: enterprise has these fields: `id`, `legal_name`, `doing_business_as`, `organization_type`, `country_code`, `website`, `fein`, `industry`, `number_of_employees`, `organization_legal_type`, `jurisdiction_of_incorporation`, `organization_contact`, `billing_contact`, `organization_physical_address`, `billing_address`, `role_type`, `customer_reference`, `corporate_registration_number`, `dun_bradstreet_number`, `primary_business_domain_sic_code`, `professional_license_number`
    ::error file=a%2Cb.yaml,line=43,col=7,title=invalid_number::`+1202555123` is not a valid phone number%0Ahelp: libphonenumber's metadata has no numbering plan for it: check the digits
    ----- stderr -----
    ");
}

/// More than ten problems: ten annotations, a notice, then every problem as text.
#[test]
fn github_annotates_ten_and_lists_the_rest() {
    let temp = tempfile::tempdir().unwrap();
    let numbers: String = (0..12)
        .map(|index| format!("    - \"+1202555{index:03}\"\n"))
        .collect();
    let manifest = fs::read_to_string(fixtures().join("valid_minimal.yaml"))
        .unwrap()
        .replace("    - \"+12025551234\"\n", &numbers);
    copy_signed_loa(temp.path());
    fs::write(temp.path().join("acme.yaml"), manifest).unwrap();
    let output = telrep(
        temp.path(),
        &["validate", "--format", "github", "acme.yaml"],
    );
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines
            .iter()
            .filter(|line| line.starts_with("::error "))
            .count(),
        10
    );
    assert_eq!(
        lines[10],
        "::notice::2 more problems are not annotated (GitHub shows 10 errors and 10 warnings a step); every problem follows as text"
    );
    let listed = lines
        .iter()
        .filter(|line| line.starts_with("acme.yaml:"))
        .count();
    assert_eq!(listed, 12, "{stdout}");
}

/// `--format sarif`: a SARIF 2.1.0 log that the vendored schema accepts, one rule per rule
/// id with its meaning, and columns in Unicode scalar values: the unknown key follows
/// `Zoë Ødegård` on its line, so it is at character 139 (byte 142). GitHub's annotation
/// names the same column.
#[test]
fn sarif_is_valid_and_columns_count_characters() {
    let temp = tempfile::tempdir().unwrap();
    copy_signed_loa(temp.path());
    let contact = "  organization_contact:\n    first_name: Jane\n    last_name: Smith\n    email: jane@acme.com\n    job_title: CTO\n    phone_number: \"+12025551234\"\n";
    let flow = "  organization_contact: {first_name: \"Zoë Ødegård\", last_name: Smith, email: jane@acme.com, job_title: CTO, phone_number: \"+12025551234\", tïtle: x}\n";
    let manifest = fs::read_to_string(fixtures().join("valid_minimal.yaml"))
        .unwrap()
        .replace(contact, flow)
        .replace("    - \"+12025551234\"\n", "    - \"+1202555123\"\n");
    assert!(manifest.contains("tïtle"));
    fs::write(temp.path().join("my acme.yaml"), &manifest).unwrap();
    let output = telrep(
        temp.path(),
        &["validate", "--format", "sarif", "my acme.yaml"],
    );
    assert_eq!(output.status.code(), Some(1));
    let log: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    check_sarif(&log);
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    assert_eq!(log["runs"].as_array().unwrap().len(), 1);
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    assert_eq!(run["tool"]["driver"]["name"], "telrep");
    assert_eq!(
        run["tool"]["driver"]["rules"],
        serde_json::json!([
            {"id": "unknown_field", "shortDescription": {"text": "a key the manifest does not have"}},
            {"id": "invalid_number", "shortDescription": {"text": "a phone number that is not E.164, or not one Number Reputation monitors"}},
        ])
    );
    let results: Vec<(String, u64, String, String, u64, u64)> = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|result| {
            let location = &result["locations"][0]["physicalLocation"];
            (
                result["ruleId"].as_str().unwrap().to_owned(),
                result["ruleIndex"].as_u64().unwrap(),
                result["level"].as_str().unwrap().to_owned(),
                location["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
                location["region"]["startLine"].as_u64().unwrap(),
                location["region"]["startColumn"].as_u64().unwrap(),
            )
        })
        .collect();
    let place = |rule: &str, index, line, column| {
        (
            rule.to_owned(),
            index,
            "error".to_owned(),
            "my%20acme.yaml".to_owned(),
            line,
            column,
        )
    };
    assert_eq!(
        results,
        [
            place("unknown_field", 0, 14, 139),
            place("invalid_number", 1, 37, 7)
        ]
    );
    assert!(
        run["results"][0]["message"]["text"]
            .as_str()
            .unwrap()
            .starts_with("unknown field `tïtle` in organization_contact\nhelp: ")
    );
    for result in run["results"].as_array().unwrap() {
        assert_eq!(
            result["partialFingerprints"]["telrep/v1"]
                .as_str()
                .unwrap()
                .len(),
            64
        );
    }
    let github = telrep(
        temp.path(),
        &["validate", "--format", "github", "my acme.yaml"],
    );
    let annotations = String::from_utf8(github.stdout).unwrap();
    assert!(
        annotations.starts_with(
            "::error file=my acme.yaml,line=14,col=139,title=unknown_field::unknown field `tïtle` in organization_contact"
        ),
        "{annotations}"
    );
}

/// `--format gitlab`: a Code Quality issue per problem with exactly the documented keys,
/// unique fingerprints, and the same fingerprints when a blank line moves the problems.
#[test]
fn gitlab_fingerprints_survive_moved_lines() {
    let temp = tempfile::tempdir().unwrap();
    copy_signed_loa(temp.path());
    let manifest = fs::read_to_string(fixtures().join("valid_minimal.yaml"))
        .unwrap()
        .replace(
            "  doing_business_as: Acme\n",
            "  doing_business_as: Acme\n  colour: blue\n",
        )
        .replace(
            "    - \"+12025551234\"\n",
            "    - \"+1202555123\"\n    - \"+1202555123\"\n    - \"+1202555124\"\n",
        );
    let report = |text: &str| -> Vec<serde_json::Value> {
        fs::write(temp.path().join("acme.yaml"), text).unwrap();
        let output = telrep(
            temp.path(),
            &["validate", "--format", "gitlab", "acme.yaml"],
        );
        assert_eq!(output.status.code(), Some(1));
        serde_json::from_slice::<Vec<serde_json::Value>>(&output.stdout).unwrap()
    };
    let before = report(&manifest);
    let rules: Vec<&str> = before
        .iter()
        .map(|issue| issue["check_name"].as_str().unwrap())
        .collect();
    // The same invalid number twice: two issues of the same text, told apart by occurrence.
    assert_eq!(
        rules,
        [
            "unknown_field",
            "invalid_number",
            "invalid_number",
            "invalid_number"
        ]
    );
    for issue in &before {
        let mut keys: Vec<&str> = issue
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "check_name",
                "description",
                "fingerprint",
                "location",
                "severity"
            ]
        );
        assert_eq!(issue["severity"], "major");
        assert_eq!(issue["location"]["path"], "acme.yaml");
        assert_eq!(issue["fingerprint"].as_str().unwrap().len(), 64);
    }
    let fingerprints = |issues: &[serde_json::Value]| -> Vec<String> {
        issues
            .iter()
            .map(|issue| issue["fingerprint"].as_str().unwrap().to_owned())
            .collect()
    };
    let unique: std::collections::BTreeSet<String> = fingerprints(&before).into_iter().collect();
    assert_eq!(unique.len(), 4);
    // A blank line above both problems: every line moves, no fingerprint does.
    let after = report(&manifest.replacen("enterprise:\n", "\nenterprise:\n", 1));
    assert_eq!(fingerprints(&after), fingerprints(&before));
    let lines = |issues: &[serde_json::Value]| -> Vec<u64> {
        issues
            .iter()
            .map(|issue| issue["location"]["lines"]["begin"].as_u64().unwrap())
            .collect()
    };
    assert_eq!(
        lines(&after),
        lines(&before)
            .iter()
            .map(|line| line + 1)
            .collect::<Vec<_>>()
    );
}
