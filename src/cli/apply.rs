//! `telrep apply`: plan, show, confirm, execute with progress, and verify by planning again.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};

use super::ExitCode;
use super::args::{ApplyArgs, OutputFormat};
use super::connect::connect;
use super::error::CliError;
use super::plan::{digests, load_all, prices_from};
use super::report::print_error;
use crate::apply::{ApplyOptions, Event, Outcome, execute};
use crate::model::Desired;
use crate::plan::render::{self, RenderOptions};
use crate::plan::{Plan, PlanOptions, Prices, SavedPlan, SavedPlans};
use crate::telnyx::Client;

/// Applies every manifest named: every plan shown, one confirmation, then all at once.
pub fn run(args: &ApplyArgs) -> ExitCode {
    let saved = match &args.plan {
        None => None,
        Some(path) => match read_saved(path) {
            Ok(saved) => Some(saved),
            Err(error) => {
                print_error(&error);
                return ExitCode::Failure;
            }
        },
    };
    let paths = match &saved {
        Some(saved) => saved
            .iter()
            .map(|entry| entry.manifest.clone().into())
            .collect(),
        None => args.paths.clone(),
    };
    let Ok(desireds) = load_all(&paths, args.allow_outside_paths, &args.exclude) else {
        return ExitCode::Failure;
    };
    let (prices, runtime) = match prices_from(args.prices.as_deref())
        .and_then(|prices| Ok((prices, super::connect::runtime()?)))
    {
        Ok(ready) => ready,
        Err(error) => {
            print_error(&error);
            return ExitCode::Failure;
        }
    };
    runtime.block_on(async {
        let (client, sandbox) = match connect(
            &args.connection,
            &desireds,
            crate::telnyx::RetryPolicy::UNATTENDED,
        )
        .await
        {
            Ok(connection) => connection,
            Err(error) => {
                print_error(&error);
                return ExitCode::Failure;
            }
        };
        let signal = Arc::new(AtomicU8::new(0));
        let interrupted = Arc::new(AtomicBool::new(false));
        let client = client.stopping_writes_on(interrupted.clone());
        let signals = super::connect::Signals::install();
        let watcher = tokio::spawn(watch_signals(signals, signal.clone(), interrupted.clone()));
        let code = apply_all(
            args,
            &client,
            &desireds,
            saved.as_deref(),
            prices,
            (&interrupted, &signal),
        )
        .await;
        watcher.abort();
        if let Some(sandbox) = sandbox {
            sandbox.shutdown().await;
        }
        code
    })
}

/// Says what was interrupted; the exit code of the signal (130 SIGINT, 143 SIGTERM).
fn interrupted_code(signal: &AtomicU8, what: &str) -> ExitCode {
    let _ = writeln!(anstream::stderr(), "interrupted {what}");
    if signal.load(Ordering::SeqCst) == 143 {
        ExitCode::Terminated
    } else {
        ExitCode::Interrupted
    }
}

/// Combines outcomes: an interruption wins, then failure, then pending, then success.
fn worst(current: ExitCode, next: ExitCode) -> ExitCode {
    let rank = |code: ExitCode| match code {
        ExitCode::Interrupted | ExitCode::Terminated => 4,
        ExitCode::Failure => 3,
        ExitCode::Pending => 2,
        ExitCode::Changes | ExitCode::Success => 1,
    };
    if rank(next) > rank(current) {
        next
    } else {
        current
    }
}

async fn watch_signals(
    signals: super::connect::Signals,
    signal: Arc<AtomicU8>,
    interrupted: Arc<AtomicBool>,
) {
    let code = signals.received().await;
    signal.store(code as u8, Ordering::SeqCst);
    interrupted.store(true, Ordering::SeqCst);
    let _ = writeln!(
        anstream::stderr(),
        "telrep: interrupted; finishing the calls in flight, starting nothing new"
    );
}

/// Plans every manifest at once, shows every plan, asks once for all of them, then applies
/// them at once: their requests share the client's `--concurrency` permits, each runs its
/// steps in its own order, and the exit code is the worst of theirs.
async fn apply_all(
    args: &ApplyArgs,
    client: &Client,
    desireds: &[Desired],
    saved: Option<&[SavedPlan]>,
    prices: (Prices, Option<Prices>),
    (interrupted, signal): (&Arc<AtomicBool>, &Arc<AtomicU8>),
) -> ExitCode {
    let options = args.rails.options();
    // Reads only: a signal abandons them at once (apply has written nothing yet).
    let plans = tokio::select! {
        plans = crate::observe::plan_all(client, desireds, options, prices.0) => plans,
        () = crate::apply::interrupted(interrupted) => {
            return interrupted_code(signal, "while reading the account, before any change; run apply again");
        }
    };
    let mut code = ExitCode::Success;
    let mut ready = Vec::new();
    for (desired, plan) in desireds.iter().zip(&plans) {
        match show(args, saved, desired, plan, prices.1) {
            Some(settled) => code = worst(code, settled),
            None => ready.push((desired, plan)),
        }
    }
    if ready.is_empty() {
        return code;
    }
    let to_apply: Vec<&Plan> = ready.iter().map(|(_, plan)| *plan).collect();
    if !args.auto_approve && !confirm(&to_apply) {
        return worst(code, ExitCode::Failure);
    }
    // With several manifests under way at once, each line and event names its manifest.
    let several = ready.len() > 1;
    let outcomes = futures::future::join_all(ready.iter().map(|(desired, plan)| {
        let label = several.then_some(plan.manifest.as_str());
        run_plan(
            args,
            client,
            desired,
            plan,
            prices,
            label,
            (interrupted, signal),
        )
    }))
    .await;
    outcomes.into_iter().fold(code, worst)
}

/// Checks a saved plan and prints the plan; the manifest's exit code when there is
/// nothing to apply (refused, failed, or converged), `None` when it has steps to run.
fn show(
    args: &ApplyArgs,
    saved: Option<&[SavedPlan]>,
    desired: &Desired,
    plan: &Plan,
    default_prices: Option<Prices>,
) -> Option<ExitCode> {
    if let Some(saved) = saved
        && let Err(error) = check_saved(saved, desired, plan)
    {
        print_error(&error);
        return Some(ExitCode::Failure);
    }
    let json = args.format == OutputFormat::Json;
    if !json {
        let shown = render::masked(plan);
        let _ = render::render_text(
            std::slice::from_ref(&shown),
            RenderOptions {
                default_prices,
                ..RenderOptions::default()
            },
            &mut anstream::stdout().lock(),
        );
    }
    if !plan.errors.is_empty() {
        if json {
            print_event(
                &serde_json::json!({"event": "plan_failed", "manifest": plan.manifest, "errors": plan.errors}),
            );
        }
        return Some(ExitCode::Failure);
    }
    if plan.steps.is_empty() {
        if json {
            print_event(
                &serde_json::json!({"event": "converged", "manifest": plan.manifest, "steps": 0}),
            );
        }
        return Some(ExitCode::Success);
    }
    None
}

/// Runs one confirmed plan and verifies it; `label` (the manifest) prefixes its lines and
/// tags its events when other manifests run beside it.
async fn run_plan(
    args: &ApplyArgs,
    client: &Client,
    desired: &Desired,
    plan: &Plan,
    prices: (Prices, Option<Prices>),
    label: Option<&str>,
    (interrupted, signal): (&Arc<AtomicBool>, &Arc<AtomicU8>),
) -> ExitCode {
    let json = args.format == OutputFormat::Json;
    let apply_options = ApplyOptions {
        concurrency: args.connection.concurrency.max(1),
        keep_going: args.keep_going,
        no_wait: args.no_wait,
        approval_timeout: args.approval_timeout,
        poll_interval: std::time::Duration::from_millis(500),
        interrupted: interrupted.clone(),
    };
    // Bars for one manifest on a terminal; several at once print lines.
    let terminal = !json && label.is_none() && std::io::stderr().is_terminal();
    let bars = Bars::new(plan, terminal);
    let prefix = label.map(|label| format!("{label}: ")).unwrap_or_default();
    let events = |event: Event| {
        if json {
            print_tagged(&event, label);
        } else if !bars.show(&event) {
            line(&format!("{} {prefix}{}", clock(), describe(&event)));
        }
    };
    let outcome = execute(client, desired, plan, &apply_options, &events).await;
    match outcome {
        Ok(Outcome::Done) => {
            verify(
                client,
                desired,
                args.rails.options(),
                prices,
                (json, &prefix),
                (interrupted, signal),
            )
            .await
        }
        other => report(other, &plan.manifest, (json, &prefix), signal),
    }
}

/// Writes one whole line to stderr, so lines of manifests applied at once never mix.
fn line(text: &str) {
    let _ = anstream::stderr().write_all(format!("{text}\n").as_bytes());
}

/// What an apply that did not run to its end says, and its exit code.
fn report(
    outcome: Result<Outcome, crate::apply::ApplyError>,
    manifest: &str,
    (json, prefix): (bool, &str),
    signal: &AtomicU8,
) -> ExitCode {
    let mut stderr = anstream::stderr();
    if !matches!(outcome, Ok(Outcome::Done)) {
        let _ = write!(stderr, "{prefix}");
    }
    match outcome {
        Err(error) => {
            print_error(&error);
            if error.is_ambiguous() {
                let _ = writeln!(
                    stderr,
                    "note: running apply again is safe: it re-reads the account first and picks up where this one stopped"
                );
            }
            ExitCode::Failure
        }
        Ok(Outcome::VettingPending) => {
            let _ = writeln!(stderr, "vetting pending: run apply again later");
            if json {
                print_event(&Event::VettingPending {
                    manifest: manifest.to_owned(),
                });
            }
            ExitCode::Pending
        }
        Ok(Outcome::ProofPending) => {
            let _ = writeln!(
                stderr,
                "ownership proof under review: the numbers hosted elsewhere are added once it is approved; run apply again later"
            );
            if json {
                print_event(&Event::ProofPending {
                    manifest: manifest.to_owned(),
                });
            }
            ExitCode::Pending
        }
        Ok(Outcome::Interrupted { done, of }) => {
            let _ = writeln!(
                stderr,
                "interrupted: {done} of {of} steps done, {} not started; run apply again to finish",
                of - done
            );
            if signal.load(Ordering::SeqCst) == 143 {
                ExitCode::Terminated
            } else {
                ExitCode::Interrupted
            }
        }
        Ok(Outcome::Refused { numbers }) => {
            let _ = writeln!(
                stderr,
                "error: the API refused {}:",
                crate::plan::Count::new(numbers.len(), "number", "numbers")
            );
            for (number, reason) in &numbers {
                let _ = writeln!(stderr, "  {number}: {reason}");
            }
            ExitCode::Failure
        }
        Ok(Outcome::Done) => ExitCode::Success,
    }
}

/// `apply --plan FILE`: the saved plan must be for this manifest, from the same files and
/// the same account; the refusal names what changed.
fn check_saved(saved: &[SavedPlan], desired: &Desired, plan: &Plan) -> Result<(), CliError> {
    let label = desired.manifest.display().to_string();
    let Some(entry) = saved.iter().find(|entry| entry.manifest == label) else {
        return Err(CliError::NotInSaved { manifest: label });
    };
    let mut changed = Vec::new();
    let now = digests(desired)?;
    if entry.manifest_digest != now.manifest {
        changed.push(changed_files(entry, &now.files, &label));
    }
    // A plan that cannot be made now has no fingerprint; its errors are reported after.
    if plan
        .fingerprint
        .as_ref()
        .is_some_and(|fingerprint| *fingerprint != entry.fingerprint)
    {
        changed.push("the account changed since the plan was saved".to_owned());
    }
    if changed.is_empty() {
        return Ok(());
    }
    Err(CliError::Stale { changed })
}

/// Re-observes and re-plans: success means nothing is left to do.
async fn verify(
    client: &Client,
    desired: &Desired,
    options: PlanOptions,
    (prices, default_prices): (Prices, Option<Prices>),
    (json, prefix): (bool, &str),
    (interrupted, signal): (&AtomicBool, &AtomicU8),
) -> ExitCode {
    let verified = tokio::select! {
        verified = crate::apply::verify(client, desired, options, prices) => verified,
        () = crate::apply::interrupted(interrupted) => {
            return interrupted_code(signal, "while verifying; every step ran: run `telrep plan` to check");
        }
    };
    let replan = match verified {
        Ok(()) => {
            line(&format!(
                "{prefix}Apply complete. The account matches the manifest."
            ));
            if json {
                print_event(&Event::Converged {
                    manifest: desired.manifest.display().to_string(),
                });
            }
            return ExitCode::Success;
        }
        Err(replan) => replan,
    };
    line(&format!(
        "{prefix}error: the account does not match the manifest after apply; still to do:"
    ));
    let _ = render::render_text(
        std::slice::from_ref(&render::masked(&replan)),
        RenderOptions {
            default_prices,
            ..RenderOptions::default()
        },
        &mut anstream::stderr().lock(),
    );
    ExitCode::Failure
}

/// Progress bars for the long steps (number batches, removals) on a terminal; elsewhere
/// every event is a timestamped line.
struct Bars {
    /// Numbers per step, by 1-based step position.
    sizes: Vec<u64>,
    adds: Option<indicatif::ProgressBar>,
    removes: Option<indicatif::ProgressBar>,
}

impl Bars {
    fn new(plan: &Plan, terminal: bool) -> Self {
        let sizes = plan
            .steps
            .iter()
            .map(|step| match &step.detail {
                crate::plan::Detail::AddNumbers { phone_numbers } => {
                    u64::try_from(phone_numbers.len()).unwrap_or(u64::MAX)
                }
                _ => 1,
            })
            .collect();
        let bar = |action: crate::plan::Action, label: &'static str| {
            let total: u64 = plan
                .steps
                .iter()
                .filter(|step| step.action == action)
                .map(|step| match &step.detail {
                    crate::plan::Detail::AddNumbers { phone_numbers } => {
                        u64::try_from(phone_numbers.len()).unwrap_or(u64::MAX)
                    }
                    _ => 1,
                })
                .sum();
            (terminal && total > 0).then(|| {
                let bar = indicatif::ProgressBar::new(total);
                if let Ok(style) = indicatif::ProgressStyle::with_template(&format!(
                    "{label} [{{bar:40}}] {{pos}}/{{len}} numbers ({{elapsed}})"
                )) {
                    bar.set_style(style.progress_chars("=> "));
                }
                bar
            })
        };
        Self {
            sizes,
            adds: bar(crate::plan::Action::AddNumbers, "add_numbers"),
            removes: bar(crate::plan::Action::RemoveNumber, "remove_number"),
        }
    }

    /// Draws `event` on a bar; false when it should be printed as a line instead.
    fn show(&self, event: &Event) -> bool {
        let bar = |action: crate::plan::Action| match action {
            crate::plan::Action::AddNumbers => self.adds.as_ref(),
            crate::plan::Action::RemoveNumber => self.removes.as_ref(),
            _ => None,
        };
        match event {
            Event::StepStarted { action, .. } => match bar(*action) {
                Some(progress) => {
                    if progress.position() == 0 {
                        progress.reset_elapsed();
                    }
                    true
                }
                None => false,
            },
            Event::StepFinished { step, action, .. } => match bar(*action) {
                Some(progress) => {
                    progress.inc(self.sizes.get(step.saturating_sub(1)).copied().unwrap_or(1));
                    let total = progress.length().unwrap_or(0);
                    if progress.position() >= total {
                        progress.finish_and_clear();
                        let _ = writeln!(
                            anstream::stderr(),
                            "{} {}: {} in {:.1} s",
                            clock(),
                            action.name(),
                            crate::plan::Count::new(
                                usize::try_from(total).unwrap_or(0),
                                "number",
                                "numbers"
                            ),
                            progress.elapsed().as_secs_f64()
                        );
                    }
                    true
                }
                None => false,
            },
            Event::StepFailed { action, .. } => match bar(*action) {
                Some(progress) => {
                    progress.println(describe(event));
                    true
                }
                None => false,
            },
            Event::NumberRefused { .. } => match &self.adds {
                Some(progress) => {
                    progress.println(describe(event));
                    true
                }
                None => false,
            },
            _ => false,
        }
    }
}

/// One confirmation for every plan about to run: `yes` on a terminal, else a refusal
/// that names `--auto-approve`.
fn confirm(plans: &[&Plan]) -> bool {
    let mut stderr = anstream::stderr();
    let steps: usize = plans.iter().map(|plan| plan.steps.len()).sum();
    if !std::io::stdin().is_terminal() {
        let _ = writeln!(
            stderr,
            "error: apply makes {} and was not confirmed: pass --auto-approve when not on a terminal",
            crate::plan::Count::new(steps, "call", "calls")
        );
        return false;
    }
    let targets: Vec<String> = plans
        .iter()
        .map(|plan| {
            let name = plan
                .enterprise
                .legal_name
                .as_deref()
                .unwrap_or(&plan.manifest);
            if plans.len() == 1 {
                name.to_owned()
            } else {
                format!(
                    "{name} ({})",
                    crate::plan::Count::new(plan.steps.len(), "step", "steps")
                )
            }
        })
        .collect();
    let _ = write!(
        stderr,
        "Apply {} to {}? Only `yes` is accepted: ",
        crate::plan::Count::new(steps, "step", "steps"),
        targets.join(", ")
    );
    let _ = stderr.flush();
    let mut answer = String::new();
    let _ = std::io::stdin().read_line(&mut answer);
    if answer.trim() == "yes" {
        true
    } else {
        let _ = writeln!(stderr, "Apply cancelled; nothing was changed.");
        false
    }
}

/// An event, tagged with its manifest when several are applied at once.
fn print_tagged(event: &Event, manifest: Option<&str>) {
    match (manifest, serde_json::to_value(event)) {
        (Some(manifest), Ok(serde_json::Value::Object(mut fields))) => {
            fields.insert("manifest".to_owned(), manifest.into());
            print_event(&fields);
        }
        _ => print_event(event),
    }
}

fn print_event(event: &impl serde::Serialize) {
    if let Ok(line) = serde_json::to_string(event) {
        let _ = writeln!(anstream::stdout().lock(), "{line}");
    }
}

fn clock() -> String {
    jiff::Timestamp::now().strftime("%H:%M:%S").to_string()
}

fn describe(event: &Event) -> String {
    match event {
        Event::StepStarted {
            step,
            of,
            action,
            call,
        } => format!("[{step}/{of}] {} {} {call}", action.symbol(), action.name()),
        Event::StepFinished { step, action, id } => match (action, id) {
            (crate::plan::Action::CreateEnterprise, Some(id)) => {
                format!("[{step}] {} done: enterprise id `{id}`", action.name())
            }
            (crate::plan::Action::UploadLoa, Some(id)) => {
                format!("[{step}] {} done: LOA document id `{id}`", action.name())
            }
            (crate::plan::Action::UploadDocument, Some(id)) => {
                format!("[{step}] {} done: document id `{id}`", action.name())
            }
            _ => format!("[{step}] {} done", action.name()),
        },
        Event::StepFailed {
            step,
            action,
            error,
        } => format!("[{step}] {} failed: {error}", action.name()),
        Event::Reread { step, finding } => {
            format!("[{step}] re-read after an ambiguous failure: {finding}")
        }
        Event::NumberRefused {
            step,
            phone_number,
            reason,
        } => format!("[{step}] refused {phone_number}: {reason}"),
        Event::Waiting { status, loa_status } => {
            format!("waiting for vetting: status `{status}`, loa_status `{loa_status}`")
        }
        Event::WaitingForProof {
            external_verification_status,
        } => format!(
            "waiting for the ownership proof: external_verification_status `{external_verification_status}`"
        ),
        Event::PlanFailed { manifest, errors } => {
            format!("{manifest}: the plan cannot be made: {}", errors.join("; "))
        }
        Event::VettingPending { manifest } => format!("{manifest}: vetting pending"),
        Event::ProofPending { manifest } => {
            format!("{manifest}: ownership proof under review")
        }
        Event::Converged { manifest } => format!("{manifest}: converged"),
    }
}

/// Which of the manifest's files changed since the plan was saved, in words.
fn changed_files(entry: &SavedPlan, now: &[(String, String)], label: &str) -> String {
    let mut names: Vec<String> = now
        .iter()
        .filter(|(path, sha256)| {
            !entry
                .files
                .iter()
                .any(|saved| saved.path == *path && saved.sha256 == *sha256)
        })
        .map(|(path, _)| format!("`{path}`"))
        .collect();
    names.extend(
        entry
            .files
            .iter()
            .filter(|saved| !now.iter().any(|(path, _)| *path == saved.path))
            .map(|saved| format!("`{}` (no longer read)", saved.path)),
    );
    if entry.files.is_empty() || names.is_empty() {
        return format!(
            "`{label}` (or a numbers file or the LOA it names) changed since the plan was saved"
        );
    }
    format!("{} changed since the plan was saved", names.join(", "))
}

/// `apply --plan FILE`: the entries `plan --out` wrote.
fn read_saved(path: &Path) -> Result<Vec<SavedPlan>, CliError> {
    let text = std::fs::read_to_string(path).map_err(|source| CliError::ReadSaved {
        path: path.to_owned(),
        source,
    })?;
    let file: SavedPlans = serde_json::from_str(&text).map_err(|source| CliError::NotSaved {
        path: path.to_owned(),
        source,
    })?;
    Ok(file.saved_plans)
}
