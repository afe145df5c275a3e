//! The stable ids of the rules that find manifest problems.
//!
//! Every `Diagnostic` names one of these, so CI formats (`--format json` today, GitHub,
//! GitLab and SARIF later) can group, count and silence problems by kind without parsing
//! messages. An id never changes meaning once released; README's table lists them all and a
//! test keeps it in step with `ALL`.

/// The file is not YAML, or holds more than one document.
pub const INVALID_YAML: &str = "invalid_yaml";
/// The YAML nests too deeply or uses too many aliases: refused before it costs memory.
pub const YAML_TOO_COMPLEX: &str = "yaml_too_complex";
/// A mapping has the same key twice.
pub const DUPLICATE_KEY: &str = "duplicate_key";
/// A file (manifest, numbers file, LOA, or a path given on the command line) cannot be read.
pub const UNREADABLE_FILE: &str = "unreadable_file";
/// A path named in a manifest does not exist.
pub const FILE_NOT_FOUND: &str = "file_not_found";
/// A manifest, numbers file or LOA that is not a regular file (a FIFO, socket, device or
/// directory): refused before it is opened.
pub const NOT_A_FILE: &str = "not_a_file";
/// A file is over its size limit.
pub const FILE_TOO_LARGE: &str = "file_too_large";
/// A file holds bytes that are not UTF-8.
pub const NOT_UTF8: &str = "not_utf8";
/// A file holds a NUL byte.
pub const NUL_BYTE: &str = "nul_byte";
/// A YAML tag (`!!binary`, `!!str`, `!foo`, or one a `%TAG` directive defines): a value
/// that is not what it reads as, or a tag telrep would ignore.
pub const YAML_TAG: &str = "yaml_tag";
/// A string or key holds a control character (NUL, CR, LF, ESC, BEL, …).
pub const CONTROL_CHARACTER: &str = "control_character";
/// A string or key holds a bidi control (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F,
/// U+061C).
pub const BIDI_CONTROL: &str = "bidi_control";
/// `version` is not 1.
pub const UNSUPPORTED_VERSION: &str = "unsupported_version";
/// A key the manifest does not know.
pub const UNKNOWN_FIELD: &str = "unknown_field";
/// A required field is absent or has no value.
pub const MISSING_FIELD: &str = "missing_field";
/// Two fields that exclude each other are both set.
pub const CONFLICTING_FIELDS: &str = "conflicting_fields";
/// A value of the wrong kind: a list where a mapping belongs, and the like.
pub const INVALID_TYPE: &str = "invalid_type";
/// An unquoted number or boolean where a string belongs.
pub const UNQUOTED_VALUE: &str = "unquoted_value";
/// A value the field does not accept: not one of its choices, too long, a malformed URL,
/// FEIN, email or UUID.
pub const INVALID_VALUE: &str = "invalid_value";
/// A boolean field holds something other than `true` or `false`.
pub const INVALID_BOOLEAN: &str = "invalid_boolean";
/// A phone number that is not E.164, or that Number Reputation cannot monitor.
pub const INVALID_NUMBER: &str = "invalid_number";
/// A number listed twice across the manifest and its numbers files.
pub const DUPLICATE_NUMBER: &str = "duplicate_number";
/// The same numbers file is listed twice in `numbers`.
pub const DUPLICATE_FILE: &str = "duplicate_file";
/// A path that leaves the manifest's directory, or a symlink that leaves a directory
/// argument, without `--allow-outside-paths`.
pub const PATH_OUTSIDE: &str = "path_outside";
/// `loa.file` is not a PDF.
pub const LOA_NOT_PDF: &str = "loa_not_pdf";
/// An `external_verification.files` entry is not a PDF.
pub const PROOF_NOT_PDF: &str = "proof_not_pdf";

/// Closes the list of a file with more than 1,000 problems: "and N more problems in FILE".
pub const TOO_MANY_PROBLEMS: &str = "too_many_problems";

/// A directory argument holds no manifest.
pub const NO_MANIFESTS: &str = "no_manifests";
/// Two manifests of one run declare the same enterprise (legal name or id).
pub const DUPLICATE_ENTERPRISE: &str = "duplicate_enterprise";

/// Every rule id and what it means, in README's order.
pub const ALL: &[(&str, &str)] = &[
    (
        INVALID_YAML,
        "the file is not YAML, or holds more than one document",
    ),
    (
        YAML_TOO_COMPLEX,
        "nesting deeper than 64, more than 100 aliases or anchors, or more than 250,000 nodes",
    ),
    (DUPLICATE_KEY, "a mapping has the same key twice"),
    (
        UNREADABLE_FILE,
        "a manifest, numbers file, LOA, proof or command-line path cannot be read",
    ),
    (FILE_NOT_FOUND, "a path named in a manifest does not exist"),
    (
        NOT_A_FILE,
        "a manifest, numbers file, LOA or proof that is not a regular file (a FIFO, socket, device or directory)",
    ),
    (
        FILE_TOO_LARGE,
        "a manifest over 16 MiB, a numbers file over 64 MiB, an LOA or proof over 20 MB",
    ),
    (NOT_UTF8, "a file holds bytes that are not UTF-8"),
    (NUL_BYTE, "a file holds a NUL byte"),
    (
        YAML_TAG,
        "a YAML tag (`!!binary`, `!!str`, `!foo`, or one from a `%TAG` directive)",
    ),
    (
        CONTROL_CHARACTER,
        "a string or key holds a control character (NUL, CR, LF, ESC, BEL, …)",
    ),
    (
        BIDI_CONTROL,
        "a string or key holds a bidi control (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C)",
    ),
    (UNSUPPORTED_VERSION, "`version` is not `1`"),
    (UNKNOWN_FIELD, "a key the manifest does not have"),
    (MISSING_FIELD, "a required field is absent or has no value"),
    (
        CONFLICTING_FIELDS,
        "fields that exclude each other are both set (`loa.document_id` and `loa.file`, `files` and `document_ids`)",
    ),
    (
        INVALID_TYPE,
        "a value of the wrong kind (a list where a mapping belongs, …)",
    ),
    (
        UNQUOTED_VALUE,
        "an unquoted number or boolean where a string belongs",
    ),
    (
        INVALID_VALUE,
        "a value the field does not accept (not one of its choices, too long, a bad URL, FEIN, email or UUID)",
    ),
    (
        INVALID_BOOLEAN,
        "a boolean field holds something other than `true` or `false`",
    ),
    (
        INVALID_NUMBER,
        "a phone number that is not E.164, or not one Number Reputation monitors",
    ),
    (
        DUPLICATE_NUMBER,
        "a number listed twice across the manifest and its numbers files",
    ),
    (
        DUPLICATE_FILE,
        "the same numbers file is listed twice in `numbers`",
    ),
    (
        PATH_OUTSIDE,
        "a path or symlink that leaves the manifest's directory, or a symlink out of a directory argument",
    ),
    (LOA_NOT_PDF, "`loa.file` does not start with `%PDF-`"),
    (
        PROOF_NOT_PDF,
        "an `external_verification.files` entry does not start with `%PDF-`",
    ),
    (
        TOO_MANY_PROBLEMS,
        "a file has more than 1,000 problems: the first 1,000 are shown, then how many more",
    ),
    (
        NO_MANIFESTS,
        "a directory argument holds no manifest (other YAML files are skipped)",
    ),
    (
        DUPLICATE_ENTERPRISE,
        "two manifests of one run declare the same enterprise (legal name or id)",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// README's table of rule ids is exactly `ALL`, row for row.
    #[test]
    fn readme_lists_every_rule() {
        let readme = include_str!("../../README.md");
        let table: Vec<&str> = readme
            .lines()
            .skip_while(|line| *line != "| rule | meaning |")
            .skip(2)
            .take_while(|line| line.starts_with('|'))
            .collect();
        let expected: Vec<String> = ALL
            .iter()
            .map(|(id, meaning)| format!("| `{id}` | {meaning} |"))
            .collect();
        assert_eq!(table, expected);
    }

    #[test]
    fn ids_are_snake_case_and_unique() {
        let mut ids: Vec<&str> = ALL.iter().map(|(id, _)| *id).collect();
        assert!(ids.iter().all(|id| {
            id.chars()
                .all(|character| matches!(character, 'a'..='z' | '0'..='9' | '_'))
        }));
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), ALL.len());
    }
}
