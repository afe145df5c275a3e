//! `telrep refresh`: billed live lookups of managed numbers, in batches of 100 at bounded
//! concurrency, after showing what they bill and getting an approval. A batch whose answer
//! is lost is never resent: its numbers are reported as "may have been billed".

use std::io::{IsTerminal as _, Write as _};

use futures::StreamExt as _;

use super::ExitCode;
use super::args::RefreshArgs;
use super::error::CliError;
use super::report::print_error;
use crate::model::E164;
use crate::plan::{Count, cost::dollars, cost::round_cents};
use crate::report::Report;
use crate::telnyx::Client;

/// The refresh call's batch.
const BATCH: usize = 100;

/// The numbers to refresh for one enterprise.
struct Target {
    legal_name: String,
    enterprise_id: String,
    numbers: Vec<E164>,
}

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
    let prices = match super::plan::prices_from(args.prices.as_deref()) {
        Ok((prices, _)) => prices,
        Err(error) => {
            print_error(&error);
            return ExitCode::Failure;
        }
    };
    let Ok(desireds) = super::plan::load_all(
        &args.paths,
        args.read.allow_outside_paths,
        &args.read.exclude,
    ) else {
        return ExitCode::Failure;
    };
    let result = super::connect::runtime().and_then(|runtime| {
        runtime.block_on(async {
            let (client, sandbox) =
                super::connect::connect(&args.read.connection, &desireds).await?;
            let result = async {
                let reports = super::reputation::read_all(&client, &desireds).await?;
                let targets = select(args, &reports)?;
                let count: usize = targets.iter().map(|target| target.numbers.len()).sum();
                if count == 0 {
                    let _ = writeln!(
                        anstream::stdout(),
                        "Nothing to refresh: no managed number matches."
                    );
                    return Ok(Outcome::default());
                }
                let bill = round_cents(count as f64 * prices.per_check);
                approve(args, &targets, count, bill)?;
                Ok(execute(&client, &targets, args.read.connection.concurrency).await)
            }
            .await;
            if let Some(sandbox) = sandbox {
                sandbox.shutdown().await;
            }
            result
        })
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

/// The managed, monitored numbers each manifest's flags name; a `--number` that is not
/// one of them is an error before anything is billed.
fn select(args: &RefreshArgs, reports: &[Report]) -> Result<Vec<Target>, CliError> {
    let now = jiff::Timestamp::now();
    let mut targets = Vec::new();
    let mut unmatched: Vec<E164> = args.numbers.clone();
    for report in reports {
        let Some(enterprise_id) = report
            .enterprise
            .id
            .clone()
            .filter(|_| report.settings.is_some())
        else {
            return Err(CliError::NothingMonitored {
                manifest: report.manifest.clone(),
                legal_name: report.enterprise.legal_name.clone(),
            });
        };
        let managed = report.numbers.iter().filter(|number| number.managed);
        let chosen: Vec<String> = if args.all {
            managed.map(|number| number.phone_number.clone()).collect()
        } else if let Some(age) = args.stale_after {
            crate::report::stale(report, age, now)
        } else {
            managed
                .map(|number| number.phone_number.clone())
                .filter(|number| {
                    E164::parse(number).is_some_and(|number| args.numbers.contains(&number))
                })
                .collect()
        };
        let numbers: Vec<E164> = chosen
            .iter()
            .filter_map(|number| E164::parse(number))
            .collect();
        unmatched.retain(|number| !numbers.contains(number));
        targets.push(Target {
            legal_name: report.enterprise.legal_name.clone(),
            enterprise_id,
            numbers,
        });
    }
    if let Some(number) = unmatched.first() {
        return Err(CliError::NotManaged {
            number: number.to_string(),
        });
    }
    Ok(targets)
}

/// Prints what the refresh bills, then refuses above `--max-cost`, or without approval
/// (`--auto-approve`, or `yes` on a terminal).
fn approve(
    args: &RefreshArgs,
    targets: &[Target],
    count: usize,
    bill: f64,
) -> Result<(), CliError> {
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
    if let Some(max) = args.max_cost
        && bill > max
    {
        return Err(CliError::OverBudget {
            bill: dollars(bill),
            max: dollars(max),
        });
    }
    if args.auto_approve {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(CliError::NotApproved {
            what: format!("refresh bills {}", dollars(bill)),
        });
    }
    let _ = write!(stderr, "Refresh? Only `yes` is accepted: ");
    let _ = stderr.flush();
    let mut answer = String::new();
    let _ = std::io::stdin().read_line(&mut answer);
    if answer.trim() == "yes" {
        Ok(())
    } else {
        Err(CliError::NotApproved {
            what: "refresh was cancelled".to_owned(),
        })
    }
}

/// Sends the batches, `concurrency` at a time, and prints every number's result.
async fn execute(client: &Client, targets: &[Target], concurrency: usize) -> Outcome {
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
    let mut stdout = anstream::stdout();
    while let Some((batch, answer)) = answers.next().await {
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
                    let _ = writeln!(stdout, "`{number}`: failed: the answer does not mention it");
                }
                for item in result.results {
                    if item.success {
                        outcome.refreshed += 1;
                        let _ = writeln!(stdout, "`{}`: refreshed", item.phone_number);
                    } else {
                        outcome.failed += 1;
                        let _ = writeln!(
                            stdout,
                            "`{}`: failed: {}",
                            item.phone_number,
                            item.error.as_deref().unwrap_or("no reason given")
                        );
                    }
                }
            }
            Err(error) => {
                let unsure = error.is_ambiguous();
                let why = crate::telnyx::one_line(&error);
                for number in batch {
                    if unsure {
                        outcome.unsure += 1;
                        let _ = writeln!(
                            stdout,
                            "`{number}`: may have been billed: the call's answer was lost ({why}); not resent"
                        );
                    } else {
                        outcome.failed += 1;
                        let _ = writeln!(stdout, "`{number}`: failed: {why}");
                    }
                }
            }
        }
    }
    let _ = writeln!(
        stdout,
        "Refreshed {}; {} failed; {} may have been billed.",
        Count::new(outcome.refreshed, "number", "numbers"),
        crate::plan::thousands(outcome.failed),
        crate::plan::thousands(outcome.unsure)
    );
    outcome
}
