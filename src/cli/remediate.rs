//! `telrep remediate`: submits managed numbers for re-evaluation in requests of up to 2,000,
//! after showing what they bill and getting an approval; with `--wait`, polls each request
//! (2 s doubling to 30 s) until it ends and prints its result buckets. A request whose
//! answer is lost is never resent: its numbers are reported as "may have been billed".

use std::io::Write as _;
use std::time::Duration;

use futures::StreamExt as _;

use super::ExitCode;
use super::args::{RemediateArgs, RiskFloor};
use super::billed::{Approval, Progress, Target, approve, prepare, select, with_reports};
use super::report::print_error;
use crate::model::E164;
use crate::plan::{Count, cost::dollars, cost::round_cents};
use crate::report::{Report, Risk};
use crate::telnyx::Client;
use crate::telnyx::remediation::{
    MAX_NUMBERS, RemediationCreate, RemediationRequest, RemediationStatus,
};

/// An accepted request to follow with `--wait`.
struct Accepted {
    legal_name: String,
    enterprise_id: String,
    id: String,
}

/// How the requests came out.
#[derive(Debug, Default, PartialEq, Eq)]
struct Outcome {
    /// Requests accepted.
    accepted: usize,
    /// A request was refused, may have been billed, failed or was cancelled, or a poll
    /// failed: exit 1.
    failed: bool,
    /// `--timeout` ran out with a request still under way: exit 3.
    timed_out: bool,
}

/// Shows the count and the bill, asks, submits, and with `--wait` follows each request to
/// its end. Exit 0 once accepted (or completed with `--wait`), 1 on an error, a refusal, a
/// request that failed or was cancelled, 3 when `--timeout` ran out first.
pub fn run(args: &RemediateArgs) -> ExitCode {
    let Some((prices, desireds)) = prepare(args.prices.as_deref(), &args.paths, &args.read) else {
        return ExitCode::Failure;
    };
    let result = with_reports(&args.read, &desireds, async |client, reports| {
        let targets = select(&reports, &args.numbers, |report| {
            chosen(report, args.spam_risk)
        })?;
        let count: usize = targets.iter().map(|target| target.numbers.len()).sum();
        if count == 0 {
            let _ = writeln!(
                anstream::stdout(),
                "Nothing to remediate: no managed number matches."
            );
            return Ok(Outcome::default());
        }
        let bill = round_cents(count as f64 * prices.per_remediation);
        show_bill(&targets, count, bill);
        approve(&Approval {
            bill,
            max_cost: args.max_cost,
            auto_approve: args.auto_approve,
            verb: "Remediate",
            what: format!("remediation bills up to {}", dollars(bill)),
        })?;
        let (mut outcome, accepted) = submit(client, args, &targets, count).await;
        if args.wait && !accepted.is_empty() {
            follow(client, &accepted, args.timeout, &mut outcome).await;
        }
        Ok(outcome)
    });
    match result {
        Ok(outcome) if outcome.failed => ExitCode::Failure,
        Ok(outcome) if outcome.timed_out => ExitCode::Pending,
        Ok(_) => ExitCode::Success,
        Err(error) => {
            print_error(&error);
            ExitCode::Failure
        }
    }
}

/// The managed numbers rated `floor` or worse (`medium` includes `high`).
fn chosen(report: &Report, floor: Option<RiskFloor>) -> Vec<String> {
    report
        .numbers
        .iter()
        .filter(|number| number.managed)
        .filter(|number| {
            matches!(
                (Risk::of(number.reputation_data.as_ref()), floor),
                (Risk::High, Some(_)) | (Risk::Medium, Some(RiskFloor::Medium))
            )
        })
        .map(|number| number.phone_number.clone())
        .collect()
}

/// Prints what the requests bill at most, per enterprise and in all.
fn show_bill(targets: &[Target], count: usize, bill: f64) {
    let mut stderr = anstream::stderr();
    for target in targets.iter().filter(|target| !target.numbers.is_empty()) {
        let _ = writeln!(
            stderr,
            "{}: remediate {} in {}",
            target.legal_name,
            Count::new(target.numbers.len(), "number", "numbers"),
            Count::new(
                target.numbers.len().div_ceil(MAX_NUMBERS),
                "request",
                "requests"
            )
        );
    }
    let _ = writeln!(
        stderr,
        "This bills up to {} ({} at the per_remediation price; numbers Telnyx finds ineligible are not billed).",
        dollars(bill),
        Count::new(count, "number", "numbers")
    );
}

/// Sends the requests, `--concurrency` at a time, and says what became of each.
async fn submit(
    client: &Client,
    args: &RemediateArgs,
    targets: &[Target],
    count: usize,
) -> (Outcome, Vec<Accepted>) {
    let requests = targets.iter().flat_map(|target| {
        target
            .numbers
            .chunks(MAX_NUMBERS)
            .map(move |numbers| (target, numbers))
    });
    let mut answers = futures::stream::iter(requests)
        .map(|(target, numbers)| async move {
            let body = RemediationCreate {
                phone_numbers: numbers.iter().map(E164::to_string).collect(),
                call_purpose: args.call_purpose.clone(),
                contact_email: args.contact_email.clone(),
                webhook_url: None,
            };
            let answer = client
                .create_remediation(&target.enterprise_id, &body)
                .await;
            (target, numbers, answer)
        })
        .buffer_unordered(args.read.connection.concurrency.max(1));
    let mut outcome = Outcome::default();
    let mut accepted = Vec::new();
    let progress = Progress::new(count, "remediate");
    while let Some((target, numbers, answer)) = answers.next().await {
        progress.advance(numbers.len());
        let name = &target.legal_name;
        let numbers_said = Count::new(numbers.len(), "number", "numbers");
        match answer {
            Ok(request) => {
                outcome.accepted += 1;
                progress.line(&format!(
                    "{name}: request `{}` accepted: {numbers_said} ({} submitted, {} ineligible), status `{}`",
                    request.id,
                    request.phone_numbers_submitted,
                    request.phone_numbers_ineligible,
                    request.status
                ));
                accepted.push(Accepted {
                    legal_name: name.clone(),
                    enterprise_id: target.enterprise_id.clone(),
                    id: request.id,
                });
            }
            Err(error) => {
                outcome.failed = true;
                let why = crate::telnyx::one_line(&error);
                let line = if error.is_ambiguous() {
                    format!(
                        "{name}: a request of {numbers_said} may have been billed: its answer was lost or unreadable ({why}); not resent, see `GET …/reputation/remediation` before running again"
                    )
                } else {
                    format!("{name}: a request of {numbers_said} was refused: {why}")
                };
                progress.line(&line);
            }
        }
    }
    progress.finish();
    (outcome, accepted)
}

/// The wait before poll `attempt` (0-based): 2 s, doubling, at most 30 s.
fn poll_delay(attempt: u32) -> Duration {
    Duration::from_secs(2_u64.saturating_mul(1 << attempt.min(5)).min(30))
}

/// Polls every accepted request until it ends or `timeout` runs out, printing each one's
/// results as it ends.
async fn follow(client: &Client, accepted: &[Accepted], timeout: Duration, outcome: &mut Outcome) {
    // A timeout too long to add is no deadline at all (about 136 years).
    let now = tokio::time::Instant::now();
    let deadline = now
        .checked_add(timeout)
        .unwrap_or_else(|| now + Duration::from_secs(u64::from(u32::MAX)));
    let mut waiting: Vec<&Accepted> = accepted.iter().collect();
    let mut last: Vec<String> = Vec::new();
    let mut attempt = 0;
    loop {
        let mut still = Vec::new();
        last.clear();
        for request in waiting {
            match client
                .get_remediation(&request.enterprise_id, &request.id)
                .await
            {
                Ok(now) => {
                    let status = RemediationStatus::from_wire(&now.status);
                    if status.is_final() {
                        // Completed without its buckets is not an outcome telrep can show.
                        outcome.failed |=
                            status != RemediationStatus::Completed || now.results.is_none();
                        print_results(request, &now);
                    } else {
                        last.push(format!("`{}` is `{}`", request.id, now.status));
                        still.push(request);
                    }
                }
                Err(error) => {
                    outcome.failed = true;
                    print_error(&error);
                    let _ = writeln!(
                        anstream::stderr(),
                        "note: {}: request `{}` could not be read and may still be under way at Telnyx: list the enterprise's requests (`GET …/reputation/remediation`) before submitting its numbers again",
                        request.legal_name,
                        request.id
                    );
                }
            }
        }
        waiting = still;
        let now = tokio::time::Instant::now();
        if waiting.is_empty() {
            return;
        }
        if now >= deadline {
            outcome.timed_out = true;
            let _ = writeln!(
                anstream::stderr(),
                "timed out after {}: {}; run `telrep remediate` again later only for numbers not in these requests (a number in a request under way is refused)",
                humantime(timeout),
                last.join(", ")
            );
            return;
        }
        tokio::time::sleep(poll_delay(attempt).min(deadline - now)).await;
        attempt += 1;
    }
}

/// Each number's bucket, then the request's counts.
fn print_results(request: &Accepted, now: &RemediationRequest) {
    let mut stdout = anstream::stdout();
    let name = &request.legal_name;
    let Some(results) = now.results.as_ref().filter(|_| now.status == "completed") else {
        let _ = writeln!(
            stdout,
            "{name}: request `{}` ended `{}` without results",
            request.id, now.status
        );
        return;
    };
    for (bucket, numbers) in results.buckets() {
        for number in numbers {
            let _ = writeln!(stdout, "`{number}`: {bucket}");
        }
    }
    let counts: Vec<String> = results
        .buckets()
        .iter()
        .map(|(bucket, numbers)| format!("{} {bucket}", crate::plan::thousands(numbers.len())))
        .collect();
    let _ = writeln!(
        stdout,
        "{name}: request `{}` completed: {}.",
        request.id,
        counts.join(", ")
    );
}

/// `30m`, `2h`, `45s`: a timeout as the flag spells it.
fn humantime(duration: Duration) -> String {
    let seconds = duration.as_secs();
    match seconds {
        0 => "0s".to_owned(),
        _ if seconds.is_multiple_of(3_600) => format!("{}h", seconds / 3_600),
        _ if seconds.is_multiple_of(60) => format!("{}m", seconds / 60),
        _ => format!("{seconds}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polls_back_off_from_2_s_to_30_s() {
        let delays: Vec<u64> = (0..8)
            .map(|attempt| poll_delay(attempt).as_secs())
            .collect();
        assert_eq!(delays, [2, 4, 8, 16, 30, 30, 30, 30]);
        assert_eq!(poll_delay(u32::MAX).as_secs(), 30);
    }

    #[test]
    fn timeouts_read_as_they_are_written() {
        let said: Vec<String> = [0, 45, 60, 1_800, 7_200, 5_400]
            .into_iter()
            .map(|seconds| humantime(Duration::from_secs(seconds)))
            .collect();
        assert_eq!(said, ["0s", "45s", "1m", "30m", "2h", "90m"]);
    }
}
