//! The CI formats of problems: GitHub workflow commands, so each problem is an annotation
//! on the line at fault in a pull request; GitLab's Code Quality report; and SARIF 2.1.0,
//! which code-scanning services (GitHub's among them) read. Columns are 1-based counts of
//! Unicode scalar values everywhere, as the diagnostics count them.

use std::fmt::Write as _;

/// How bad a problem is, as CI systems rank it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Level {
    /// Stops the command.
    Error,
    /// Worth a look.
    Warning,
}

/// One problem, wherever it came from (validation, a plan, a policy check).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Finding {
    /// The stable rule id.
    pub rule: String,
    /// Error or warning.
    pub level: Level,
    /// The file, as the user named it.
    pub file: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column in Unicode scalar values, when known.
    pub column: Option<usize>,
    /// What is wrong.
    pub message: String,
    /// The fix, when known.
    pub help: Option<String>,
    /// What the problem is about, without its place: the text of the line at fault, or
    /// the message without the places it names. Fingerprints hash it, so a problem keeps
    /// its fingerprint when lines move.
    pub subject: String,
}

impl From<&crate::manifest::Diagnostic> for Finding {
    fn from(diagnostic: &crate::manifest::Diagnostic) -> Self {
        Self {
            rule: diagnostic.rule.to_owned(),
            level: Level::Error,
            file: diagnostic.file.display().to_string(),
            line: Some(diagnostic.line),
            column: Some(diagnostic.column),
            message: diagnostic.message.clone(),
            help: diagnostic.help.clone(),
            subject: diagnostic.source_line.as_deref().map_or_else(
                || without_places(&diagnostic.message),
                |line| line.trim().to_owned(),
            ),
        }
    }
}

/// `text` without the `FILE:LINE:COL` places it names (`(acme.yaml:43:7)`), which move.
fn without_places(text: &str) -> String {
    text.split(' ')
        .filter(|word| {
            let word = word.trim_matches(|character: char| "()`,;".contains(character));
            let mut parts = word.rsplitn(3, ':');
            let numeric = |part: Option<&str>| {
                part.is_some_and(|part| {
                    !part.is_empty() && part.bytes().all(|byte| byte.is_ascii_digit())
                })
            };
            !(numeric(parts.next()) && numeric(parts.next()) && parts.next().is_some())
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A plan's errors (each at its place) and warnings (at the manifest).
pub(crate) fn plan_findings(plan: &crate::plan::Plan) -> Vec<Finding> {
    let errors = plan.diagnostics.iter().map(|diagnostic| Finding {
        rule: diagnostic.rule.clone(),
        level: match diagnostic.severity {
            crate::plan::Severity::Error => Level::Error,
            crate::plan::Severity::Warning => Level::Warning,
        },
        file: diagnostic.file.clone(),
        line: diagnostic.line,
        column: diagnostic.column,
        message: diagnostic.message.clone(),
        help: diagnostic.help.clone(),
        subject: without_places(&diagnostic.message),
    });
    let warnings = plan.warnings.iter().map(|warning| Finding {
        rule: warning.rule.clone(),
        level: Level::Warning,
        file: plan.manifest.clone(),
        line: None,
        column: None,
        message: warning.message.clone(),
        help: None,
        subject: warning.message.clone(),
    });
    errors.chain(warnings).collect()
}

/// The CI formats `validate`, `plan` and `check` share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CiFormat {
    /// GitHub Actions workflow commands.
    Github,
    /// GitLab Code Quality.
    Gitlab,
    /// SARIF 2.1.0.
    Sarif,
}

/// The findings in `format`.
pub(crate) fn render(format: CiFormat, findings: &[Finding]) -> String {
    match format {
        CiFormat::Github => github(findings),
        CiFormat::Gitlab => gitlab(findings),
        CiFormat::Sarif => sarif(findings),
    }
}

/// The findings of `check`: each violation at the manifest line of its number (or the
/// manifest, when no line lists it), its subject the number, so it keeps its
/// fingerprint when the numbers move.
pub(crate) fn violation_finding(
    file: &str,
    line: Option<usize>,
    column: Option<usize>,
    phone_number: &str,
    rule: &str,
    detail: &str,
) -> Finding {
    Finding {
        rule: rule.to_owned(),
        level: Level::Error,
        file: file.to_owned(),
        line,
        column,
        message: format!("`{phone_number}` breaks {rule}: {detail}"),
        help: None,
        subject: phone_number.to_owned(),
    }
}

/// GitHub shows at most this many annotations of each severity per step.
pub(crate) const ANNOTATED: usize = 10;

/// Workflow commands, one per finding, at most `ANNOTATED` of each level; when some were
/// left out, a notice saying how many, then every finding as text (the step's log keeps
/// them all).
pub(crate) fn github(findings: &[Finding]) -> String {
    let mut out = String::new();
    let mut shown = [0_usize; 2];
    let mut left_out = 0;
    for finding in findings {
        let (command, count) = match finding.level {
            Level::Error => ("error", &mut shown[0]),
            Level::Warning => ("warning", &mut shown[1]),
        };
        if *count == ANNOTATED {
            left_out += 1;
            continue;
        }
        *count += 1;
        let mut properties = format!("file={}", property(&finding.file));
        if let Some(line) = finding.line {
            let _ = write!(properties, ",line={line}");
        }
        if let Some(column) = finding.column {
            let _ = write!(properties, ",col={column}");
        }
        let _ = writeln!(
            out,
            "::{command} {properties},title={}::{}",
            property(&finding.rule),
            data(&message(finding))
        );
    }
    if left_out > 0 {
        let _ = writeln!(
            out,
            "::notice::{}",
            data(&format!(
                "{left_out} more {} not annotated (GitHub shows {ANNOTATED} errors and {ANNOTATED} warnings a step); every problem follows as text",
                if left_out == 1 {
                    "problem is"
                } else {
                    "problems are"
                }
            ))
        );
        for finding in findings {
            out.push_str(&text_line(finding));
        }
    }
    out
}

/// One fingerprint per finding: a SHA-256 of its file, rule and subject, and which of
/// equal ones it is (the first, the second, …), so it survives moved lines.
fn fingerprints(findings: &[Finding]) -> Vec<String> {
    use sha2::Digest as _;
    let mut seen: std::collections::HashMap<(&str, &str, &str), usize> =
        std::collections::HashMap::new();
    findings
        .iter()
        .map(|finding| {
            let key = (
                finding.file.as_str(),
                finding.rule.as_str(),
                finding.subject.as_str(),
            );
            let occurrence = seen.entry(key).or_insert(0);
            *occurrence += 1;
            let digest = sha2::Sha256::digest(
                format!(
                    "{}\0{}\0{}\0{occurrence}",
                    finding.file, finding.rule, finding.subject
                )
                .as_bytes(),
            );
            crate::model::hex(&digest)
        })
        .collect()
}

/// GitLab's Code Quality report: a JSON array, one issue per finding, each with its
/// fingerprint, so an issue keeps its identity when lines move.
pub(crate) fn gitlab(findings: &[Finding]) -> String {
    let issues: Vec<serde_json::Value> = findings
        .iter()
        .zip(fingerprints(findings))
        .map(|(finding, fingerprint)| {
            serde_json::json!({
                "description": message(finding),
                "check_name": finding.rule,
                "fingerprint": fingerprint,
                "severity": match finding.level {
                    Level::Error => "major",
                    Level::Warning => "minor",
                },
                "location": {
                    "path": finding.file,
                    "lines": { "begin": finding.line.unwrap_or(1) },
                },
            })
        })
        .collect();
    serde_json::to_string_pretty(&issues).unwrap_or_else(|_| "[]".to_owned()) + "\n"
}

/// A SARIF 2.1.0 log of one run: the rules that occur (each with its meaning), then one
/// result per finding at its file, line and column (`columnKind` `unicodeCodePoints`),
/// with the fingerprint as `partialFingerprints`.
pub(crate) fn sarif(findings: &[Finding]) -> String {
    let mut rules: Vec<&str> = Vec::new();
    for finding in findings {
        if !rules.contains(&finding.rule.as_str()) {
            rules.push(&finding.rule);
        }
    }
    let descriptors: Vec<serde_json::Value> = rules
        .iter()
        .map(|rule| {
            let meaning = crate::plan::rule::meaning(rule).unwrap_or(rule);
            serde_json::json!({
                "id": rule,
                "shortDescription": { "text": meaning },
            })
        })
        .collect();
    let results: Vec<serde_json::Value> = findings
        .iter()
        .zip(fingerprints(findings))
        .map(|(finding, fingerprint)| {
            // Code scanning wants a line on every result: a problem of the whole file (a
            // plan warning, a violation no line lists) is put on its first, as GitLab's.
            let line = finding.line.unwrap_or(1);
            let region = match finding.column {
                Some(column) => serde_json::json!({ "startLine": line, "startColumn": column }),
                None => serde_json::json!({ "startLine": line }),
            };
            let location = serde_json::json!({
                "artifactLocation": { "uri": uri(&finding.file) },
                "region": region,
            });
            serde_json::json!({
                "ruleId": finding.rule,
                "ruleIndex": rules.iter().position(|rule| *rule == finding.rule),
                "level": match finding.level {
                    Level::Error => "error",
                    Level::Warning => "warning",
                },
                "message": { "text": message(finding) },
                "locations": [{ "physicalLocation": location }],
                "partialFingerprints": { "telrep/v1": fingerprint },
            })
        })
        .collect();
    let log = serde_json::json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "telrep",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": descriptors,
                },
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    serde_json::to_string_pretty(&log).unwrap_or_default() + "\n"
}

/// What a path keeps as itself in a URI reference: unreserved characters and `/`; a space,
/// `#`, `%` or a non-ASCII letter in a file name is percent-encoded (as UTF-8).
const PATH_KEPT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/');

/// A path as a URI reference, as SARIF's `artifactLocation.uri` wants it: relative paths
/// without a leading `./` (code scanning matches them to the repository's files).
fn uri(path: &str) -> String {
    let mut relative = path;
    while let Some(rest) = relative.strip_prefix("./") {
        relative = rest;
    }
    percent_encoding::utf8_percent_encode(relative, PATH_KEPT).to_string()
}

/// The message and, on its own line, the fix.
fn message(finding: &Finding) -> String {
    match &finding.help {
        Some(help) => format!("{}\nhelp: {help}", finding.message),
        None => finding.message.clone(),
    }
}

/// `FILE:LINE:COL: error[RULE]: MESSAGE` and the fix, as plain lines.
fn text_line(finding: &Finding) -> String {
    let place = match (finding.line, finding.column) {
        (Some(line), Some(column)) => format!("{}:{line}:{column}", finding.file),
        (Some(line), None) => format!("{}:{line}", finding.file),
        _ => finding.file.clone(),
    };
    let level = match finding.level {
        Level::Error => "error",
        Level::Warning => "warning",
    };
    let mut out = format!("{place}: {level}[{}]: {}\n", finding.rule, finding.message);
    if let Some(help) = &finding.help {
        let _ = writeln!(out, "  help: {help}");
    }
    out
}

/// A workflow command's message: `%`, CR and LF escaped.
fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A workflow command's property value: also `:` and `,`.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(rule: &str, level: Level, line: usize) -> Finding {
        Finding {
            rule: rule.to_owned(),
            level,
            file: "acme.yaml".to_owned(),
            line: Some(line),
            column: Some(3),
            message: format!("problem on line {line}"),
            help: None,
            subject: format!("line {line}"),
        }
    }

    #[test]
    fn messages_and_properties_are_escaped() {
        let escaped = Finding {
            rule: "unknown_field".to_owned(),
            level: Level::Error,
            file: "dir,1/a:b%.yaml".to_owned(),
            line: Some(4),
            column: Some(7),
            message: "100% wrong\r\nsecond line".to_owned(),
            help: Some("remove `a, b: c`".to_owned()),
            subject: String::new(),
        };
        assert_eq!(
            github(&[escaped]),
            "::error file=dir%2C1/a%3Ab%25.yaml,line=4,col=7,title=unknown_field::100%25 wrong%0D%0Asecond line%0Ahelp: remove `a, b: c`\n"
        );
    }

    #[test]
    fn ten_of_each_level_are_annotated_and_every_problem_then_follows_as_text() {
        let mut findings: Vec<Finding> = (1..=12)
            .map(|line| finding("invalid_number", Level::Error, line))
            .collect();
        findings.push(finding("similar_enterprise", Level::Warning, 20));
        let out = github(&findings);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 10 + 1 + 1 + 13);
        assert_eq!(
            lines[9],
            "::error file=acme.yaml,line=10,col=3,title=invalid_number::problem on line 10"
        );
        assert_eq!(
            lines[10],
            "::warning file=acme.yaml,line=20,col=3,title=similar_enterprise::problem on line 20"
        );
        assert_eq!(
            lines[11],
            "::notice::2 more problems are not annotated (GitHub shows 10 errors and 10 warnings a step); every problem follows as text"
        );
        assert_eq!(
            lines[12],
            "acme.yaml:1:3: error[invalid_number]: problem on line 1"
        );
        assert_eq!(
            lines[24],
            "acme.yaml:20:3: warning[similar_enterprise]: problem on line 20"
        );
    }

    #[test]
    fn a_sarif_result_without_a_line_is_on_line_one_and_each_rule_is_listed_once() {
        let mut warning = finding("similar_enterprise", Level::Warning, 1);
        warning.line = None;
        warning.column = None;
        let findings = [
            finding("invalid_number", Level::Error, 4),
            warning,
            finding("invalid_number", Level::Error, 5),
        ];
        let log: serde_json::Value = serde_json::from_str(&sarif(&findings)).unwrap();
        let run = &log["runs"][0];
        let rules: Vec<&str> = run["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|rule| rule["id"].as_str().unwrap())
            .collect();
        assert_eq!(rules, ["invalid_number", "similar_enterprise"]);
        let results = run["results"].as_array().unwrap();
        let summary: Vec<(u64, &str)> = results
            .iter()
            .map(|result| {
                (
                    result["ruleIndex"].as_u64().unwrap(),
                    result["level"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(summary, [(0, "error"), (1, "warning"), (0, "error")]);
        assert_eq!(
            results[1]["locations"][0]["physicalLocation"],
            serde_json::json!({
                "artifactLocation": { "uri": "acme.yaml" },
                "region": { "startLine": 1 },
            })
        );
        assert_eq!(
            results[2]["locations"][0]["physicalLocation"]["region"],
            serde_json::json!({ "startLine": 5, "startColumn": 3 })
        );
    }

    #[test]
    fn a_sarif_uri_keeps_slashes_and_encodes_the_rest() {
        assert_eq!(uri("fleet/acme corp#1.yaml"), "fleet/acme%20corp%231.yaml");
        assert_eq!(uri("café.yaml"), "caf%C3%A9.yaml");
        assert_eq!(uri("a-b_c.~d/e.yml"), "a-b_c.~d/e.yml");
        assert_eq!(uri("././manifests/acme.yaml"), "manifests/acme.yaml");
    }

    #[test]
    fn places_are_not_part_of_a_subject() {
        assert_eq!(
            without_places("`+12025550102` (acme.yaml:43:7) cannot be added: not in the inventory"),
            "`+12025550102` cannot be added: not in the inventory"
        );
        assert_eq!(without_places("a 10:30 meeting"), "a 10:30 meeting");
    }
}
