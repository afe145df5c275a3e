//! What the billed commands (`refresh`, `remediate`) share: reading every manifest's account
//! for free, choosing managed numbers, the approval guard in front of the bill, and the
//! progress bar on a terminal.

use std::io::{IsTerminal as _, Write as _};

use super::args::ReadArgs;
use super::error::CliError;
use crate::model::{Desired, E164};
use crate::plan::cost::dollars;
use crate::report::Report;
use crate::telnyx::Client;

/// The numbers a billed command acts on for one enterprise.
pub(super) struct Target {
    /// The manifest's legal name, for people.
    pub legal_name: String,
    /// Where the calls go.
    pub enterprise_id: String,
    /// Managed numbers the enterprise monitors.
    pub numbers: Vec<E164>,
}

/// The price table (`--prices`, else the built-in one) and the manifests a billed command
/// acts on; `None` once the reason has been printed.
pub(super) fn prepare(
    prices: Option<&std::path::Path>,
    paths: &[std::path::PathBuf],
    read: &ReadArgs,
) -> Option<(crate::plan::Prices, Vec<Desired>)> {
    let prices = match super::plan::prices_from(prices) {
        Ok((prices, _)) => prices,
        Err(error) => {
            super::report::print_error(&error);
            return None;
        }
    };
    let desireds = super::plan::load_all(paths, read.allow_outside_paths, &read.exclude).ok()?;
    Some((prices, desireds))
}

/// Runs `work` with a client and every manifest's report (free reads), then stops the
/// in-process sandbox if one was started, whatever `work` returned.
pub(super) fn with_reports<T>(
    read: &ReadArgs,
    desireds: &[Desired],
    work: impl AsyncFnOnce(&Client, Vec<Report>) -> Result<T, CliError>,
) -> Result<T, CliError> {
    super::connect::runtime()?.block_on(async {
        let (client, sandbox) = super::connect::connect(
            &read.connection,
            desireds,
            crate::telnyx::RetryPolicy::UNATTENDED,
        )
        .await?;
        let result = match super::reputation::read_all(&client, desireds).await {
            Ok(reports) => work(&client, reports).await,
            Err(error) => Err(error),
        };
        if let Some(sandbox) = sandbox {
            sandbox.shutdown().await;
        }
        result
    })
}

/// Each report's managed numbers that `choose` picks, or those `--number` names when
/// given; a `--number` that is none of them is an error before anything is billed, and so
/// is a manifest whose enterprise monitors nothing.
pub(super) fn select(
    reports: &[Report],
    named: &[E164],
    choose: impl Fn(&Report) -> Vec<String>,
) -> Result<Vec<Target>, CliError> {
    let mut targets = Vec::new();
    let mut unmatched: Vec<E164> = named.to_vec();
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
        let chosen: Vec<String> = if named.is_empty() {
            choose(report)
        } else {
            report
                .numbers
                .iter()
                .filter(|number| number.managed)
                .map(|number| number.phone_number.clone())
                .filter(|number| E164::parse(number).is_some_and(|number| named.contains(&number)))
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

/// What the guard needs to know about a bill it was just shown.
pub(super) struct Approval<'a> {
    /// The bill (USD).
    pub bill: f64,
    /// `--max-cost`.
    pub max_cost: Option<f64>,
    /// `--auto-approve`.
    pub auto_approve: bool,
    /// The prompt's verb ("Refresh", "Remediate").
    pub verb: &'a str,
    /// The refusal's subject ("refresh bills $0.80").
    pub what: String,
}

/// Refuses above `--max-cost`, or without approval (`--auto-approve`, or `yes` typed on a
/// terminal); the bill must have been printed already.
pub(super) fn approve(approval: &Approval<'_>) -> Result<(), CliError> {
    if let Some(max) = approval.max_cost
        && approval.bill > max
    {
        return Err(CliError::OverBudget {
            bill: dollars(approval.bill),
            max: dollars(max),
        });
    }
    if approval.auto_approve {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(CliError::NotApproved {
            what: approval.what.clone(),
        });
    }
    let mut stderr = anstream::stderr();
    let _ = write!(stderr, "{}? Only `yes` is accepted: ", approval.verb);
    let _ = stderr.flush();
    let mut answer = String::new();
    let _ = std::io::stdin().read_line(&mut answer);
    if answer.trim() == "yes" {
        Ok(())
    } else {
        Err(CliError::NotApproved {
            what: format!("{} was cancelled", approval.verb.to_lowercase()),
        })
    }
}

/// Per-number result lines on stdout, under a progress bar of the numbers done when
/// stderr is a terminal (the bar is drawn there, the lines printed above it).
pub(super) struct Progress {
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    /// A bar of `total` numbers labelled `label`, on a terminal only.
    pub(super) fn new(total: usize, label: &str) -> Self {
        let total = u64::try_from(total).unwrap_or(u64::MAX);
        let bar = (std::io::stderr().is_terminal() && total > 0).then(|| {
            let bar = indicatif::ProgressBar::new(total);
            if let Ok(style) = indicatif::ProgressStyle::with_template(&format!(
                "{label} [{{bar:40}}] {{pos}}/{{len}} numbers ({{elapsed}})"
            )) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar
        });
        Self { bar }
    }

    /// Prints one line on stdout without tearing the bar.
    pub(super) fn line(&self, text: &str) {
        let print = || {
            let _ = writeln!(anstream::stdout(), "{text}");
        };
        match &self.bar {
            Some(bar) => bar.suspend(print),
            None => print(),
        }
    }

    /// Counts `numbers` more as done.
    pub(super) fn advance(&self, numbers: usize) {
        if let Some(bar) = &self.bar {
            bar.inc(u64::try_from(numbers).unwrap_or(u64::MAX));
        }
    }

    /// Removes the bar before the summary.
    pub(super) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
