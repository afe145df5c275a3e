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

/// Applies every manifest named, one after the other.
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
        let (client, sandbox) = match connect(&args.connection, &desireds).await {
            Ok(connection) => connection,
            Err(error) => {
                print_error(&error);
                return ExitCode::Failure;
            }
        };
        let signal = Arc::new(AtomicU8::new(0));
        let interrupted = Arc::new(AtomicBool::new(false));
        let signals = super::connect::Signals::install();
        let watcher = tokio::spawn(watch_signals(signals, signal.clone(), interrupted.clone()));
        let mut code = ExitCode::Success;
        for desired in &desireds {
            let outcome = apply_one(
                args,
                &client,
                desired,
                saved.as_deref(),
                prices,
                &interrupted,
                &signal,
            )
            .await;
            code = worst(code, outcome);
            if matches!(code, ExitCode::Interrupted | ExitCode::Terminated) {
                break;
            }
        }
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

async fn apply_one(
    args: &ApplyArgs,
    client: &Client,
    desired: &Desired,
    saved: Option<&[SavedPlan]>,
    (prices, default_prices): (Prices, Option<Prices>),
    interrupted: &Arc<AtomicBool>,
    signal: &Arc<AtomicU8>,
) -> ExitCode {
    let options = args.rails.options();
    // Reads only: a signal abandons them at once (apply has written nothing yet).
    let plan = tokio::select! {
        plan = crate::observe::plan(client, desired, options, prices) => plan,
        () = crate::apply::interrupted(interrupted) => {
            return interrupted_code(signal, "while reading the account, before any change; run apply again");
        }
    };
    if let Some(saved) = saved
        && let Err(error) = check_saved(saved, desired, &plan)
    {
        print_error(&error);
        return ExitCode::Failure;
    }
    let json = args.format == OutputFormat::Json;
    if !json {
        let shown = render::masked(&plan);
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
        return ExitCode::Failure;
    }
    if plan.steps.is_empty() {
        if json {
            print_event(
                &serde_json::json!({"event": "converged", "manifest": plan.manifest, "steps": 0}),
            );
        }
        return ExitCode::Success;
    }
    if !args.auto_approve && !confirm(&plan) {
        return ExitCode::Failure;
    }
    let apply_options = ApplyOptions {
        concurrency: args.connection.concurrency.max(1),
        keep_going: args.keep_going,
        no_wait: args.no_wait,
        approval_timeout: args.approval_timeout,
        poll_interval: std::time::Duration::from_millis(500),
        interrupted: interrupted.clone(),
    };
    let bars = Bars::new(&plan, !json && std::io::stderr().is_terminal());
    let events = move |event: Event| {
        if json {
            print_event(&event);
        } else if !bars.show(&event) {
            let _ = writeln!(anstream::stderr(), "{} {}", clock(), describe(&event));
        }
    };
    let outcome = execute(client, desired, &plan, &apply_options, &events).await;
    match outcome {
        Ok(Outcome::Done) => {
            verify(
                client,
                desired,
                options,
                (prices, default_prices),
                json,
                (interrupted, signal),
            )
            .await
        }
        other => report(other, &plan.manifest, json, signal),
    }
}

/// What an apply that did not run to its end says, and its exit code.
fn report(
    outcome: Result<Outcome, crate::apply::ApplyError>,
    manifest: &str,
    json: bool,
    signal: &AtomicU8,
) -> ExitCode {
    let mut stderr = anstream::stderr();
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
    json: bool,
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
            let _ = writeln!(
                anstream::stderr(),
                "Apply complete. The account matches the manifest."
            );
            if json {
                print_event(&Event::Converged {
                    manifest: desired.manifest.display().to_string(),
                });
            }
            return ExitCode::Success;
        }
        Err(replan) => replan,
    };
    let _ = writeln!(
        anstream::stderr(),
        "error: the account does not match the manifest after apply; still to do:"
    );
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

fn confirm(plan: &Plan) -> bool {
    let mut stderr = anstream::stderr();
    if !std::io::stdin().is_terminal() {
        let _ = writeln!(
            stderr,
            "error: apply makes {} and was not confirmed: pass --auto-approve when not on a terminal",
            crate::plan::Count::new(plan.steps.len(), "call", "calls")
        );
        return false;
    }
    let _ = write!(
        stderr,
        "Apply {} to {}? Only `yes` is accepted: ",
        crate::plan::Count::new(plan.steps.len(), "step", "steps"),
        plan.enterprise
            .legal_name
            .as_deref()
            .unwrap_or(&plan.manifest)
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
