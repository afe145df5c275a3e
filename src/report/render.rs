//! The report's text table, CSV and Markdown; JSON is the `Reports` type itself.

use std::borrow::Cow;
use std::fmt::Write as _;

use super::{Report, ReportNumber, Risk, Summary};
use crate::plan::{Count, thousands};

/// GitHub's limit for a comment body and a job summary.
const MARKDOWN_LIMIT: usize = 65_536;

/// The columns of the text and Markdown tables.
const COLUMNS: [&str; 12] = [
    "phone number",
    "managed",
    "source",
    "spam risk",
    "category",
    "maturity",
    "connection",
    "engagement",
    "sentiment",
    "refreshed",
    "ownership",
    "violations",
];

/// A number's values from `source` to `ownership_status`, in `COLUMNS` order, `None` for
/// null: the text and Markdown tables show it as `-`, the CSV as an empty cell.
fn values(number: &ReportNumber) -> [Option<Cow<'_, str>>; 9] {
    fn text(value: Option<&String>) -> Option<Cow<'_, str>> {
        value.map(|value| Cow::Borrowed(value.as_str()))
    }
    let data = number.reputation_data.as_ref();
    let score = |pick: fn(&crate::telnyx::wire::ReputationData) -> Option<i64>| {
        data.and_then(pick)
            .map(|score| Cow::Owned(score.to_string()))
    };
    [
        text(number.source.as_ref()),
        text(data.and_then(|data| data.spam_risk.as_ref())),
        text(data.and_then(|data| data.spam_category.as_ref())),
        score(|data| data.maturity_score),
        score(|data| data.connection_score),
        score(|data| data.engagement_score),
        score(|data| data.sentiment_score),
        text(data.and_then(|data| data.last_refreshed_at.as_ref())),
        text(number.ownership_status.as_ref()),
    ]
}

fn rule_names(number: &ReportNumber) -> Vec<&str> {
    number
        .violations
        .iter()
        .map(|violation| violation.rule.as_str())
        .collect()
}

/// One number's cells, `-` for null, in `COLUMNS` order; borrowed from the number where
/// they can be (a table of 100,000 numbers was 1,200,000 strings).
fn cells(number: &ReportNumber) -> [Cow<'_, str>; 12] {
    let [
        source,
        risk,
        category,
        maturity,
        connection,
        engagement,
        sentiment,
        refreshed,
        ownership,
    ] = values(number).map(|value| value.unwrap_or(Cow::Borrowed("-")));
    let rules = match number.violations.as_slice() {
        [] => Cow::Borrowed("-"),
        [only] => Cow::Borrowed(only.rule.as_str()),
        _ => Cow::Owned(rule_names(number).join(", ")),
    };
    [
        Cow::Borrowed(number.phone_number.as_str()),
        Cow::Borrowed(if number.managed { "yes" } else { "no" }),
        source,
        risk,
        category,
        maturity,
        connection,
        engagement,
        sentiment,
        refreshed,
        ownership,
        rules,
    ]
}

/// How many columns a cell takes: its characters.
fn width(cell: &str) -> usize {
    if cell.is_ascii() {
        cell.len()
    } else {
        cell.chars().count()
    }
}

fn summary_line(summary: &Summary) -> String {
    let by = summary.by_spam_risk;
    format!(
        "{}: {} high, {} medium, {} low, {} other, {} no data; {} ownership flagged; {} with violations",
        Count::new(summary.numbers, "number", "numbers"),
        thousands(by.high),
        thousands(by.medium),
        thousands(by.low),
        thousands(by.other),
        thousands(by.no_data),
        thousands(summary.ownership_flagged),
        thousands(summary.violations)
    )
}

fn settings_line(report: &Report) -> String {
    match &report.settings {
        None => "Number Reputation is not enabled: nothing is monitored".to_owned(),
        Some(settings) => format!(
            "Settings: status {}, loa_status {}, loa_document_id {}, check_frequency {}, external_verification_status {}",
            settings.status,
            settings.loa_status,
            settings.loa_document_id.as_deref().unwrap_or("none"),
            settings.check_frequency,
            settings
                .external_verification_status
                .as_deref()
                .unwrap_or("none")
        ),
    }
}

fn heading(report: &Report) -> String {
    match &report.enterprise.id {
        Some(id) => format!(
            "Enterprise {} (id {id}), manifest {}",
            report.enterprise.legal_name, report.manifest
        ),
        None => format!(
            "Enterprise {} (does not exist yet), manifest {}",
            report.enterprise.legal_name, report.manifest
        ),
    }
}

/// The style of a risk cell on a terminal.
fn risk_style(number: &ReportNumber) -> anstyle::Style {
    let color = match Risk::of(number.reputation_data.as_ref()) {
        Risk::High => anstyle::AnsiColor::Red,
        Risk::Medium => anstyle::AnsiColor::Yellow,
        Risk::Low => anstyle::AnsiColor::Green,
        Risk::Other | Risk::NoData => return anstyle::Style::new(),
    };
    anstyle::Style::new().fg_color(Some(color.into()))
}

/// The aligned table for people, the risk coloured when `color`.
pub fn text(reports: &[Report], color: bool) -> String {
    let mut out = String::new();
    for (index, report) in reports.iter().enumerate() {
        if index > 0 {
            out.push('\n');
        }
        let _ = writeln!(out, "{}", heading(report));
        let _ = writeln!(out, "{}", settings_line(report));
        if !report.numbers.is_empty() {
            let rows: Vec<[Cow<'_, str>; 12]> = report.numbers.iter().map(cells).collect();
            let mut widths = COLUMNS.map(str::len);
            for row in &rows {
                for (column, cell) in widths.iter_mut().zip(row) {
                    *column = (*column).max(width(cell));
                }
            }
            out.reserve(rows.len() * (widths.iter().sum::<usize>() + 2 * widths.len()));
            out.push('\n');
            let header = COLUMNS.map(|column| Cow::Owned(column.to_uppercase()));
            table_row(&mut out, &header, &widths, None);
            for (row, number) in rows.iter().zip(&report.numbers) {
                table_row(&mut out, row, &widths, color.then(|| risk_style(number)));
            }
        }
        let _ = writeln!(out, "\n{}", summary_line(&report.summary));
    }
    out
}

fn table_row(
    out: &mut String,
    row: &[Cow<'_, str>; 12],
    widths: &[usize; 12],
    risk: Option<anstyle::Style>,
) {
    let start = out.len();
    out.push(' ');
    for (column, (cell, cell_width)) in row.iter().zip(widths).enumerate() {
        let pad = cell_width.saturating_sub(width(cell));
        out.push(' ');
        match risk {
            Some(style) if column == 3 => {
                let _ = write!(out, "{style}{cell}{style:#}");
            }
            _ => out.push_str(cell),
        }
        if column + 1 < row.len() {
            out.extend(std::iter::repeat_n(' ', pad + 1));
        }
    }
    // No trailing blanks, as if the line were trimmed.
    let kept = out.get(start..).map_or(0, |line| line.trim_end().len());
    out.truncate(start + kept);
    out.push('\n');
}

/// RFC 4180 CSV of every number of every report, one header.
pub fn csv(reports: &[Report]) -> String {
    let mut out = String::from(
        "manifest,phone_number,managed,source,spam_risk,spam_category,maturity_score,connection_score,engagement_score,sentiment_score,last_refreshed_at,ownership_status,violations\r\n",
    );
    // Written cell by cell: a row of temporary strings each was most of the time at
    // 100,000 numbers.
    for report in reports {
        for number in &report.numbers {
            push_csv_field(&mut out, &report.manifest);
            out.push(',');
            push_csv_field(&mut out, &number.phone_number);
            out.push_str(if number.managed { ",true" } else { ",false" });
            // An empty cell is how the CSV spells null, as the header's contract says.
            for value in values(number) {
                out.push(',');
                push_csv_field(&mut out, value.as_deref().unwrap_or_default());
            }
            out.push(',');
            push_csv_field(&mut out, &rule_names(number).join("; "));
            out.push_str("\r\n");
        }
    }
    out
}

/// A field, quoted when it holds a comma, a quote or a line break (quotes doubled).
fn push_csv_field(out: &mut String, field: &str) {
    if field.contains([',', '"', '\r', '\n']) {
        out.push('"');
        out.push_str(&field.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(field);
    }
}

/// Markdown for a pull-request comment or a job summary: per manifest the worst numbers
/// first, then the counts; never longer than GitHub's 65,536 characters, however many
/// numbers (the ones left out are counted).
pub fn markdown(reports: &[Report]) -> String {
    let fixed: Vec<(String, String)> = reports.iter().map(markdown_frame).collect();
    // What every manifest shows whatever happens, plus a line saying what was left out.
    let reserved: usize = fixed
        .iter()
        .map(|(head, tail)| head.len() + tail.len() + 200)
        .sum();
    let mut budget = MARKDOWN_LIMIT.saturating_sub(reserved);
    let mut out = String::new();
    for (report, (head, tail)) in reports.iter().zip(fixed) {
        out.push_str(&head);
        let mut shown = 0;
        if !report.numbers.is_empty() {
            let header = format!(
                "| {} |\n|{}\n",
                COLUMNS.join(" | "),
                "---|".repeat(COLUMNS.len())
            );
            if header.len() <= budget {
                budget -= header.len();
                out.push_str(&header);
                for number in &report.numbers {
                    let row = format!(
                        "| {} |\n",
                        cells(number).map(|cell| markdown_cell(&cell)).join(" | ")
                    );
                    if row.len() > budget {
                        break;
                    }
                    budget -= row.len();
                    out.push_str(&row);
                    shown += 1;
                }
            }
        }
        let left = report.numbers.len() - shown;
        if left > 0 {
            let _ = writeln!(
                out,
                "\n_… and {}, less at risk (`telrep report --format csv` lists every number)_",
                Count::new(left, "more number", "more numbers")
            );
        }
        out.push_str(&tail);
    }
    out
}

/// A manifest's heading and settings, and its counts table.
fn markdown_frame(report: &Report) -> (String, String) {
    let head = format!(
        "### Reputation of {}\n\n`{}` · {}\n\n",
        markdown_cell(&report.enterprise.legal_name),
        report.manifest,
        markdown_cell(&settings_line(report))
    );
    let summary = report.summary;
    let by = summary.by_spam_risk;
    let tail = format!(
        "\n| numbers | high | medium | low | other | no data | ownership flagged | with violations |\n|---|---|---|---|---|---|---|---|\n| {} | {} | {} | {} | {} | {} | {} | {} |\n\n",
        thousands(summary.numbers),
        thousands(by.high),
        thousands(by.medium),
        thousands(by.low),
        thousands(by.other),
        thousands(by.no_data),
        thousands(summary.ownership_flagged),
        thousands(summary.violations)
    );
    (head, tail)
}

/// Text safe in a table cell: pipes escaped, line breaks as spaces.
fn markdown_cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\r', '\n'], " ")
}
