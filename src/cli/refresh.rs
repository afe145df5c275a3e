//! `telrep refresh`: billed live lookups of managed numbers, in batches of 100 at bounded
//! concurrency, after showing what they bill and getting an approval. A batch whose answer
//! is lost is never resent: its numbers are reported as "may have been billed".

use std::io::Write as _;

use futures::StreamExt as _;

use super::ExitCode;
use super::args::RefreshArgs;
use super::billed::{Approval, Progress, Target, approve, prepare, select, with_reports};
use super::report::print_error;
use crate::plan::{Count, cost::dollars, cost::round_cents};
use crate::report::Report;
use crate::telnyx::Client;

/// The refresh call's batch.
const BATCH: usize = 100;

/// How each number came out.
#[derive(Debug, Default)]
struct Outcome {
    refreshed: usize,
    failed: usize,
    unsure: usize,
}

/// Shows the count and the bill, asks, refreshes, prints each number's result. Exit 0
/// when every number was refreshed, 1 on an error, a refusal, or a number that failed or
/// may have been billed.
pub fn run(args: &RefreshArgs) -> ExitCode {
    let Some((prices, desireds)) = prepare(args.prices.as_deref(), &args.paths, &args.read) else {
        return ExitCode::Failure;
    };
    let result = with_reports(&args.read, &desireds, async |client, reports| {
        let now = jiff::Timestamp::now();
        let targets = select(&reports, &args.numbers, |report| {
            if let Some(age) = args.stale_after {
                crate::report::stale(report, age, now)
            } else {
                managed(report)
            }
        })?;
        let count: usize = targets.iter().map(|target| target.numbers.len()).sum();
        if count == 0 {
            let _ = writeln!(
                anstream::stdout(),
                "Nothing to refresh: no managed number matches."
            );
            return Ok(Outcome::default());
        }
        let bill = round_cents(count as f64 * prices.per_check);
        show_bill(&targets, count, bill);
        approve(&Approval {
            bill,
            max_cost: args.max_cost,
            auto_approve: args.auto_approve,
            verb: "Refresh",
            what: format!("refresh bills {}", dollars(bill)),
        })?;
        Ok(execute(client, &targets, count, args.read.connection.concurrency).await)
    });
    match result {
        Ok(outcome) if outcome.failed == 0 && outcome.unsure == 0 => ExitCode::Success,
        Ok(_) => ExitCode::Failure,
        Err(error) => {
            print_error(&error);
            ExitCode::Failure
        }
    }
}

/// Every managed number the report lists.
fn managed(report: &Report) -> Vec<String> {
    report
        .numbers
        .iter()
        .filter(|number| number.managed)
        .map(|number| number.phone_number.clone())
        .collect()
}

/// Prints what the refresh bills, per enterprise and in all.
fn show_bill(targets: &[Target], count: usize, bill: f64) {
    let mut stderr = anstream::stderr();
    for target in targets.iter().filter(|target| !target.numbers.is_empty()) {
        let _ = writeln!(
            stderr,
            "{}: refresh {} in {}",
            target.legal_name,
            Count::new(target.numbers.len(), "number", "numbers"),
            Count::new(target.numbers.len().div_ceil(BATCH), "call", "calls")
        );
    }
    let _ = writeln!(
        stderr,
        "This bills {} ({} at the per_check price).",
        dollars(bill),
        Count::new(count, "refresh", "refreshes")
    );
}

/// Sends the batches, `concurrency` at a time, and prints every number's result.
async fn execute(client: &Client, targets: &[Target], count: usize, concurrency: usize) -> Outcome {
    let batches = targets.iter().flat_map(|target| {
        target
            .numbers
            .chunks(BATCH)
            .map(move |batch| (target.enterprise_id.as_str(), batch))
    });
    let mut answers = futures::stream::iter(batches)
        .map(|(id, batch)| async move { (batch, client.refresh_numbers(id, batch).await) })
        .buffer_unordered(concurrency.max(1));
    let mut outcome = Outcome::default();
    let progress = Progress::new(count, "refresh");
    while let Some((batch, answer)) = answers.next().await {
        progress.advance(batch.len());
        match answer {
            Ok(result) => {
                // A number of the batch the answer does not mention was not refreshed.
                for number in batch.iter().filter(|number| {
                    let number = number.to_string();
                    !result
                        .results
                        .iter()
                        .any(|item| item.phone_number == number)
                }) {
                    outcome.failed += 1;
                    progress.line(&format!(
                        "`{number}`: failed: the answer does not mention it"
                    ));
                }
                for item in result.results {
                    if item.success {
                        outcome.refreshed += 1;
                        progress.line(&format!("`{}`: refreshed", item.phone_number));
                    } else {
                        outcome.failed += 1;
                        progress.line(&format!(
                            "`{}`: failed: {}",
                            item.phone_number,
                            item.error.as_deref().unwrap_or("no reason given")
                        ));
                    }
                }
            }
            Err(error) => {
                let unsure = error.is_ambiguous();
                let why = crate::telnyx::one_line(&error);
                for number in batch {
                    if unsure {
                        outcome.unsure += 1;
                        progress.line(&format!(
                            "`{number}`: may have been billed: the call's answer was lost or unreadable ({why}); not resent"
                        ));
                    } else {
                        outcome.failed += 1;
                        progress.line(&format!("`{number}`: failed: {why}"));
                    }
                }
            }
        }
    }
    progress.finish();
    let _ = writeln!(
        anstream::stdout(),
        "Refreshed {}; {} failed; {} may have been billed.",
        Count::new(outcome.refreshed, "number", "numbers"),
        crate::plan::thousands(outcome.failed),
        crate::plan::thousands(outcome.unsure)
    );
    outcome
}
