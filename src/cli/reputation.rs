//! `telrep report` and `telrep check`: read each manifest's account with free calls (the
//! number pages at 250, never a number one by one) and show or gate on its reputation.

use serde::Serialize;

use super::ExitCode;
use super::args::{CheckArgs, CheckFormat, ReadArgs, ReportArgs, ReportFormat};
use super::error::CliError;
use super::report::{print_error, print_output};
use crate::model::Desired;
use crate::report::{self, Report, ReportNumber, Reports, Violation};

/// Prints the reports of every manifest, or nothing but the error when one cannot be read.
pub fn report(args: &ReportArgs) -> ExitCode {
    let reports = match read(&args.paths, &args.read) {
        Ok(reports) => reports,
        Err(code) => return code,
    };
    let styled = args.format == ReportFormat::Text && colour();
    let text = match args.format {
        ReportFormat::Text => report::text(&reports, styled),
        ReportFormat::Csv => report::csv(&reports),
        ReportFormat::Markdown => report::markdown(&reports),
        ReportFormat::Json => {
            let reports = Reports {
                format_version: report::FORMAT_VERSION,
                reports,
            };
            return json_out(&reports);
        }
    };
    print_output(&text, styled);
    ExitCode::Success
}

/// The JSON report written straight to stdout (tens of megabytes at 100,000 numbers: no
/// copy of it is held); a closed stdout ends it quietly, as `print_output` does.
fn json_out(reports: &Reports) -> ExitCode {
    use std::io::Write as _;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let written = serde_json::to_writer_pretty(&mut out, reports)
        .map_err(|error| (!error.is_io()).then_some(error))
        .and_then(|()| writeln!(out).and_then(|()| out.flush()).map_err(|_| None));
    match written {
        Err(Some(error)) => {
            print_error(&CliError::internal_from(
                "the report cannot be serialized",
                error,
            ));
            ExitCode::Failure
        }
        Ok(()) | Err(None) => ExitCode::Success,
    }
}

/// `check --format json`: the violations of the managed numbers, per manifest.
#[derive(Debug, Serialize)]
struct Checks {
    format_version: u32,
    checks: Vec<Check>,
    violations: usize,
}

#[derive(Debug, Serialize)]
struct Check {
    manifest: String,
    enterprise: report::ReportEnterprise,
    managed: usize,
    violations: Vec<Found>,
}

/// One broken rule of one number, at the place that lists the number.
#[derive(Debug, Serialize)]
struct Found {
    phone_number: String,
    file: String,
    line: Option<usize>,
    column: Option<usize>,
    rule: String,
    detail: String,
}

/// Exit 2 when a managed number breaks a rule, 0 when none does, 1 when an account
/// cannot be read or a manifest's enterprise monitors nothing.
pub fn check(args: &CheckArgs) -> ExitCode {
    let reports = match read(&args.paths, &args.read) {
        Ok(reports) => reports,
        Err(code) => return code,
    };
    let now = jiff::Timestamp::now();
    let mut checks = Vec::new();
    for report in &reports {
        if report.settings.is_none() {
            print_error(&CliError::NothingMonitored {
                manifest: report.manifest.clone(),
                legal_name: report.enterprise.legal_name.clone(),
            });
            return ExitCode::Failure;
        }
        checks.push(Check {
            manifest: report.manifest.clone(),
            enterprise: report.enterprise.clone(),
            managed: report
                .numbers
                .iter()
                .filter(|number| number.managed)
                .count(),
            violations: report::gate(report, now)
                .iter()
                .flat_map(|number| found(report, number))
                .collect(),
        });
    }
    let total: usize = checks.iter().map(|check| check.violations.len()).sum();
    let text = match args.format {
        CheckFormat::Text => check_text(&checks, total),
        CheckFormat::Markdown => check_markdown(&checks, total),
        CheckFormat::Github | CheckFormat::Gitlab | CheckFormat::Sarif => {
            let findings: Vec<super::ci::Finding> = checks
                .iter()
                .flat_map(|check| &check.violations)
                .map(|found| {
                    super::ci::violation_finding(
                        &found.file,
                        found.line,
                        found.column,
                        &found.phone_number,
                        &found.rule,
                        &found.detail,
                    )
                })
                .collect();
            args.format
                .ci()
                .map(|format| super::ci::render(format, &findings))
                .unwrap_or_default()
        }
        CheckFormat::Json => match json(&Checks {
            format_version: report::FORMAT_VERSION,
            checks,
            violations: total,
        }) {
            Ok(text) => text,
            Err(code) => return code,
        },
    };
    print_output(&text, false);
    if total == 0 {
        ExitCode::Success
    } else {
        ExitCode::Changes
    }
}

fn found(report: &Report, number: &ReportNumber) -> Vec<Found> {
    let place = number.place.as_ref();
    number
        .violations
        .iter()
        .map(|Violation { rule, detail }| Found {
            phone_number: number.phone_number.clone(),
            file: place.map_or_else(|| report.manifest.clone(), |place| place.file.clone()),
            line: place.map(|place| place.line),
            column: place.map(|place| place.column),
            rule: rule.clone(),
            detail: detail.clone(),
        })
        .collect()
}

fn location(found: &Found) -> String {
    match (found.line, found.column) {
        (Some(line), Some(column)) => format!("{}:{line}:{column}", found.file),
        _ => found.file.clone(),
    }
}

fn check_text(checks: &[Check], total: usize) -> String {
    let mut out = String::new();
    for check in checks {
        for found in &check.violations {
            out.push_str(&format!(
                "{}: `{}` breaks {}: {}\n",
                location(found),
                found.phone_number,
                found.rule,
                found.detail
            ));
        }
    }
    let managed: usize = checks.iter().map(|check| check.managed).sum();
    let managed = crate::plan::Count::new(managed, "managed number", "managed numbers");
    if total == 0 {
        out.push_str(&format!("check passed: no violation among {managed}\n"));
    } else {
        out.push_str(&format!(
            "check failed: {} among {managed}\n",
            crate::plan::Count::new(total, "violation", "violations")
        ));
    }
    out
}

fn check_markdown(checks: &[Check], total: usize) -> String {
    let mut out = String::from("### Reputation check\n\n");
    if total > 0 {
        out.push_str("| where | number | rule | detail |\n|---|---|---|---|\n");
        for found in checks.iter().flat_map(|check| &check.violations) {
            out.push_str(&format!(
                "| `{}` | {} | `{}` | {} |\n",
                location(found),
                found.phone_number,
                found.rule,
                found.detail.replace('|', "\\|")
            ));
        }
        out.push('\n');
    }
    out.push_str(
        &check_text(&[], total).replace("no violation among 0 managed numbers", "no violation"),
    );
    out
}

fn json(value: &impl Serialize) -> Result<String, ExitCode> {
    match serde_json::to_string_pretty(value) {
        Ok(text) => Ok(text + "\n"),
        Err(error) => {
            print_error(&CliError::internal_from(
                "the report cannot be serialized",
                error,
            ));
            Err(ExitCode::Failure)
        }
    }
}

/// Whether stdout gets colour (a terminal, unless NO_COLOR or `--color never`).
fn colour() -> bool {
    !matches!(
        anstream::ColorChoice::global(),
        anstream::ColorChoice::Never
    ) && {
        use std::io::IsTerminal as _;
        std::io::stdout().is_terminal()
            || anstream::ColorChoice::global() == anstream::ColorChoice::Always
    }
}

/// Loads the manifests and reads each one's account: the reports, or the exit code after
/// the errors were printed.
pub(super) fn read(paths: &[std::path::PathBuf], args: &ReadArgs) -> Result<Vec<Report>, ExitCode> {
    let Ok(desireds) = super::plan::load_all(paths, args.allow_outside_paths, &args.exclude) else {
        return Err(ExitCode::Failure);
    };
    let result = super::connect::runtime().and_then(|runtime| {
        runtime.block_on(async {
            let (client, sandbox) = super::connect::connect(
                &args.connection,
                &desireds,
                crate::telnyx::RetryPolicy::OFFICIAL,
            )
            .await?;
            let result = read_all(&client, &desireds).await;
            if let Some(sandbox) = sandbox {
                sandbox.shutdown().await;
            }
            result
        })
    });
    result.map_err(|error| {
        print_error(&error);
        ExitCode::Failure
    })
}

pub(super) async fn read_all(
    client: &crate::telnyx::Client,
    desireds: &[Desired],
) -> Result<Vec<Report>, CliError> {
    let mut reports = Vec::with_capacity(desireds.len());
    for desired in desireds {
        let account = crate::observe::account(client, desired)
            .await
            .map_err(|source| CliError::Unreadable {
                manifest: desired.manifest.display().to_string(),
                host: client.host().to_owned(),
                source: Box::new(source),
            })?;
        reports.push(report::build(desired, account, jiff::Timestamp::now()));
    }
    Ok(reports)
}
