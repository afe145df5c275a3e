//! Apply: runs a plan's steps against the API in order, with bounded concurrency for
//! number batches and removals (`group`), one function per action (`step`), the split of a
//! refused batch (`bisect`), and the events progress is drawn from (`event`); re-reads
//! after ambiguous writes (docs/design.md, "Apply"). Uses `plan`, `telnyx` and `observe`.

mod bisect;
mod event;
mod step;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures::StreamExt;

pub use event::Event;

use crate::model::{Desired, Loa, ReputationSpec};
use crate::plan::{Action, Detail, Plan, Step};
use crate::telnyx::{ApiError, Client};
use bisect::{BatchEnd, Rereads, add_batch};

/// How apply behaves.
#[derive(Debug, Clone)]
pub struct ApplyOptions {
    /// Number batches and removals in flight at once.
    pub concurrency: usize,
    /// After a refused batch, run the later steps anyway.
    pub keep_going: bool,
    /// Stop before the steps that need vetting approval.
    pub no_wait: bool,
    /// The longest wait for vetting.
    pub approval_timeout: Duration,
    /// First poll interval of the vetting wait (doubles up to 30 s).
    pub poll_interval: Duration,
    /// Set when SIGINT or SIGTERM arrives: start nothing new.
    pub interrupted: Arc<AtomicBool>,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        Self {
            concurrency: 8,
            keep_going: false,
            no_wait: false,
            approval_timeout: Duration::from_secs(30 * 60),
            poll_interval: Duration::from_secs(1),
            interrupted: Arc::new(AtomicBool::new(false)),
        }
    }
}

/// How an apply ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Every step ran.
    Done,
    /// Stopped before the steps that need vetting approval (`--no-wait` or the timeout).
    VettingPending,
    /// Stopped before the numbers hosted elsewhere, whose ownership proof is still under
    /// review (`--no-wait` or the timeout).
    ProofPending,
    /// Interrupted: this many steps were done.
    Interrupted {
        /// Steps completed.
        done: usize,
        /// Steps in the plan.
        of: usize,
    },
    /// Some numbers were refused (named in events); with `--keep-going` the rest ran.
    Refused {
        /// `(number, reason)`.
        numbers: Vec<(String, String)>,
    },
}

/// Why apply stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// A call failed; the failure is the source.
    #[error("step {step} ({action}) failed")]
    Api {
        /// 1-based position.
        step: usize,
        /// The action's name.
        action: &'static str,
        /// The failure.
        #[source]
        source: ApiError,
    },
    /// A batch failed ambiguously every time it was sent, up to the retry budget.
    #[error(
        "step {step} (add_numbers): the batch failed {attempts} times without a definite answer; not added: {numbers}"
    )]
    BatchUnsure {
        /// 1-based position.
        step: usize,
        /// Sends made.
        attempts: u32,
        /// The numbers still not monitored, shortened.
        numbers: String,
        /// The last failure.
        #[source]
        source: Box<ApiError>,
    },
    /// Vetting was rejected.
    #[error("vetting was rejected: {}", reasons.join("; "))]
    Rejected {
        /// `rejection_reasons`.
        reasons: Vec<String>,
    },
    /// The ownership proof for numbers hosted elsewhere was rejected.
    #[error(
        "the ownership proof was rejected: {reason}; declare other documents under `reputation.external_verification` and apply again"
    )]
    ProofRejected {
        /// `rejection_reason`.
        reason: String,
    },
    /// A file a step uploads cannot be read (or grew past the documents API's limit).
    #[error("step {step} ({action}): cannot read `{}`", path.display())]
    ReadFile {
        /// 1-based position.
        step: usize,
        /// The action's name.
        action: &'static str,
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The plan cannot be executed as it is (it has errors).
    #[error("the plan has errors; run `telrep plan` to see them")]
    PlanHasErrors,
    /// Something the API said contradicts the plan.
    #[error("step {step} ({action}): {message}")]
    Unexpected {
        /// 1-based position.
        step: usize,
        /// The action's name.
        action: &'static str,
        /// What.
        message: String,
    },
}

impl ApplyError {
    /// The failure without the step it names, for an event line that names the step
    /// already (`[6] add_numbers failed: …`).
    pub fn cause(&self) -> String {
        use crate::telnyx::one_line;
        match self {
            Self::Api { source, .. } => one_line(source),
            Self::BatchUnsure {
                attempts,
                numbers,
                source,
                ..
            } => format!(
                "the batch failed {attempts} times without a definite answer; not added: {numbers}: {}",
                one_line(source.as_ref())
            ),
            Self::ReadFile { path, source, .. } => {
                format!("cannot read `{}`: {}", path.display(), one_line(source))
            }
            Self::Unexpected { message, .. } => message.clone(),
            other => one_line(other),
        }
    }

    /// Whether the failed call was a write that may or may not have taken effect.
    pub fn is_ambiguous(&self) -> bool {
        matches!(self, Self::Api { source, .. } if source.is_ambiguous())
            || matches!(self, Self::BatchUnsure { .. })
    }
}

/// Numbers the API refused, with its reasons.
type Refusals = Vec<(String, String)>;

/// The ids a run learns as it goes (the enterprise it creates, the LOA it uploads).
struct Run<'a> {
    client: &'a Client,
    desired: &'a Desired,
    options: &'a ApplyOptions,
    enterprise_id: Option<String>,
    document_id: Option<String>,
    /// Ownership proof files uploaded by this run, and the id each got.
    uploaded: std::collections::HashMap<String, String>,
    refused: Vec<(String, String)>,
}

/// Executes `plan` for `desired`; `events` sees each step begin and end.
pub async fn execute(
    client: &Client,
    desired: &Desired,
    plan: &Plan,
    options: &ApplyOptions,
    events: &(dyn Fn(Event) + Send + Sync),
) -> Result<Outcome, ApplyError> {
    if !plan.errors.is_empty() {
        return Err(ApplyError::PlanHasErrors);
    }
    let mut run = Run {
        client,
        desired,
        options,
        enterprise_id: plan.enterprise.id.clone(),
        document_id: match &desired.reputation {
            ReputationSpec::Enabled {
                loa: Loa::DocumentId(id),
                ..
            } => Some(id.clone()),
            _ => None,
        },
        uploaded: std::collections::HashMap::new(),
        refused: Vec::new(),
    };
    let total = plan.steps.len();
    let mut index = 0;
    while index < total {
        if options.interrupted.load(Ordering::SeqCst) {
            return Ok(Outcome::Interrupted {
                done: index,
                of: total,
            });
        }
        let Some(step) = plan.steps.get(index) else {
            break;
        };
        // Number batches and removals run together, bounded; every other step alone.
        let next = if matches!(step.action, Action::AddNumbers | Action::RemoveNumber) {
            run.number_steps(plan, index, events).await?
        } else {
            run.one_step(total, index, step, events).await?
        };
        match next {
            Next::Continue(next) => index = next,
            Next::Stop(outcome) => return Ok(outcome),
        }
    }
    if run.refused.is_empty() {
        Ok(Outcome::Done)
    } else {
        Ok(Outcome::Refused {
            numbers: run.refused,
        })
    }
}

/// Proves an apply: observes and plans again; `Ok` when nothing is left to do, else the
/// plan of what still differs. It compares and never forces (`--replace-loa` was for the
/// apply just done).
pub async fn verify(
    client: &Client,
    desired: &Desired,
    options: crate::plan::PlanOptions,
    prices: crate::plan::Prices,
) -> Result<(), Box<Plan>> {
    let options = crate::plan::PlanOptions {
        replace_loa: false,
        ..options
    };
    let replan = crate::observe::plan(client, desired, options, prices).await;
    if replan.errors.is_empty() && replan.steps.is_empty() {
        Ok(())
    } else {
        Err(Box::new(replan))
    }
}

/// Resolves once the interruption flag is set (SIGINT or SIGTERM arrived): what every wait
/// of apply races, so a signal is heard within 20 ms wherever apply waits.
pub async fn interrupted(flag: &AtomicBool) {
    crate::telnyx::until_set(flag).await;
}

/// Sleeps `duration`, waking early when an interruption arrives; false when interrupted.
async fn pause(duration: Duration, flag: &AtomicBool) -> bool {
    tokio::select! {
        () = tokio::time::sleep(duration) => !flag.load(Ordering::SeqCst),
        () = interrupted(flag) => false,
    }
}

/// After a step: go on at this index, or stop with this outcome.
enum Next {
    Continue(usize),
    Stop(Outcome),
}

impl Run<'_> {
    /// The run of number steps starting at `index` (all `add_numbers`, or all
    /// `remove_number`), `concurrency` at a time.
    async fn number_steps(
        &mut self,
        plan: &Plan,
        index: usize,
        events: &(dyn Fn(Event) + Send + Sync),
    ) -> Result<Next, ApplyError> {
        let total = plan.steps.len();
        let action = plan.steps.get(index).map(|step| step.action);
        // An index past the end is an empty run (`get` instead of a slice that could panic).
        let end = plan
            .steps
            .get(index..)
            .unwrap_or_default()
            .iter()
            .position(|candidate| Some(candidate.action) != action)
            .map_or(total, |offset| index + offset);
        let group: Vec<(usize, &Step)> = plan
            .steps
            .get(index..end)
            // `end` is at most the length and at least `index`: see above.
            .unwrap_or_default()
            .iter()
            .enumerate()
            .map(|(offset, step)| (index + offset + 1, step))
            .collect();
        let finished = self.group(&group, total, events).await?;
        if finished < group.len() {
            return Ok(Next::Stop(Outcome::Interrupted {
                done: index + finished,
                of: total,
            }));
        }
        if !self.refused.is_empty() && !self.options.keep_going {
            return Ok(Next::Stop(Outcome::Refused {
                numbers: std::mem::take(&mut self.refused),
            }));
        }
        Ok(Next::Continue(end))
    }

    /// One step that is not a number batch: its call, or the vetting wait.
    async fn one_step(
        &mut self,
        total: usize,
        index: usize,
        step: &Step,
        events: &(dyn Fn(Event) + Send + Sync),
    ) -> Result<Next, ApplyError> {
        let position = index + 1;
        events(Event::StepStarted {
            step: position,
            of: total,
            action: step.action,
            call: format!("{} {}", step.method(), step.path),
        });
        let done = if matches!(
            step.action,
            Action::WaitForVetting | Action::WaitForExternalVerification
        ) {
            let pending = if step.action == Action::WaitForVetting {
                Outcome::VettingPending
            } else {
                Outcome::ProofPending
            };
            if self.options.no_wait {
                return Ok(Next::Stop(pending));
            }
            let approved = if step.action == Action::WaitForVetting {
                self.wait(position, events).await
            } else {
                self.wait_for_proof(position, events).await
            };
            match approved {
                Ok(true) => Ok(()),
                Ok(false) if self.options.interrupted.load(Ordering::SeqCst) => {
                    return Ok(Next::Stop(Outcome::Interrupted {
                        done: index,
                        of: total,
                    }));
                }
                Ok(false) => return Ok(Next::Stop(pending)),
                Err(error) => Err(error),
            }
        } else {
            self.single(position, step, events).await
        };
        // A write still waiting for its turn when a signal came was never sent.
        if let Err(ApplyError::Api { source, .. }) = &done
            && source.is_not_started()
        {
            return Ok(Next::Stop(Outcome::Interrupted {
                done: index,
                of: total,
            }));
        }
        if let Err(error) = done {
            events(Event::StepFailed {
                step: position,
                action: step.action,
                error: error.cause(),
            });
            return Err(error);
        }
        let id = match step.action {
            Action::CreateEnterprise => self.enterprise_id.clone(),
            Action::UploadLoa => self.document_id.clone(),
            Action::UploadDocument => match &step.detail {
                Detail::UploadDocument { file } => self.uploaded.get(file).cloned(),
                _ => None,
            },
            _ => None,
        };
        events(Event::StepFinished {
            step: position,
            action: step.action,
            id,
        });
        Ok(Next::Continue(index + 1))
    }

    /// Runs a run of add or remove steps, `concurrency` at a time; how many finished
    /// (fewer when interrupted).
    async fn group(
        &mut self,
        group: &[(usize, &Step)],
        total: usize,
        events: &(dyn Fn(Event) + Send + Sync),
    ) -> Result<usize, ApplyError> {
        let id = self.enterprise(
            group.first().map_or(0, |(step, _)| *step),
            Action::AddNumbers,
        )?;
        let client = self.client;
        let interrupted = &self.options.interrupted;
        let rereads = Rereads::default();
        let results: Vec<Option<Result<Refusals, ApplyError>>> =
            futures::stream::iter(group.iter())
                .map(|(position, step)| {
                    let at = Place {
                        step: *position,
                        total,
                    };
                    number_step(client, &id, at, step, &rereads, interrupted, events)
                })
                .buffered(self.options.concurrency.max(1))
                .collect()
                .await;
        let mut finished = 0;
        let mut refused = Vec::new();
        for result in results {
            match result {
                None => break,
                Some(Ok(step_refused)) => {
                    refused.extend(step_refused);
                    finished += 1;
                }
                Some(Err(error)) => return Err(error),
            }
        }
        let last = group.last().map_or(0, |(step, _)| *step);
        let refused = still_refused(client, &id, &rereads, refused, last, events).await?;
        self.refused.extend(refused);
        Ok(finished)
    }
}

/// Which step of how many.
#[derive(Clone, Copy)]
struct Place {
    step: usize,
    total: usize,
}

/// The numbers of a group refused, less those the enterprise monitors once every batch was
/// answered: the API refuses a number "monitored by an enterprise" also when another apply
/// of the same manifest added it to this one meanwhile, which is not a refusal. One listing
/// for the group, only when something was refused.
async fn still_refused(
    client: &Client,
    id: &str,
    rereads: &Rereads,
    refused: Refusals,
    step: usize,
    events: &(dyn Fn(Event) + Send + Sync),
) -> Result<Refusals, ApplyError> {
    if refused.is_empty() {
        return Ok(refused);
    }
    let monitored = rereads
        .monitored(client, id, rereads.answered())
        .await
        .map_err(|source| ApplyError::Api {
            step,
            action: "add_numbers",
            source,
        })?;
    let (landed, refused): (Refusals, Refusals) = refused.into_iter().partition(|(number, _)| {
        crate::model::E164::parse(number).is_some_and(|number| monitored.contains(&number))
    });
    for (number, _) in &landed {
        events(Event::Reread {
            step,
            finding: format!(
                "`{number}` was refused but the enterprise monitors it: added meanwhile by another run"
            ),
        });
    }
    Ok(refused)
}

/// One number step of a group: its call and events; `None` when an interruption stopped it
/// before it finished.
async fn number_step(
    client: &Client,
    id: &str,
    Place {
        step: position,
        total,
    }: Place,
    step: &Step,
    rereads: &Rereads,
    interrupted: &AtomicBool,
    events: &(dyn Fn(Event) + Send + Sync),
) -> Option<Result<Refusals, ApplyError>> {
    if interrupted.load(Ordering::SeqCst) {
        return None;
    }
    events(Event::StepStarted {
        step: position,
        of: total,
        action: step.action,
        call: format!("{} {}", step.method(), step.path),
    });
    let result = match &step.detail {
        Detail::AddNumbers { phone_numbers } => {
            add_batch(
                client,
                id,
                phone_numbers,
                position,
                rereads,
                interrupted,
                events,
            )
            .await
        }
        Detail::RemoveNumber { phone_number } => client
            .delete_number(id, *phone_number)
            .await
            .map(|_| BatchEnd::Done(Vec::new()))
            .map_err(|source| ApplyError::Api {
                step: position,
                action: "remove_number",
                source,
            }),
        _ => Err(ApplyError::Unexpected {
            step: position,
            action: step.action.name(),
            message: "a number step without its numbers".to_owned(),
        }),
    };
    let result = match result {
        Ok(BatchEnd::Interrupted) => return None,
        // Queued for a free slot or the rate limit when a signal came: never sent.
        Err(ApplyError::Api { source, .. }) if source.is_not_started() => return None,
        Ok(BatchEnd::Done(refused)) => Ok(refused),
        Err(error) => Err(error),
    };
    let event = match &result {
        Ok(refused) if refused.is_empty() => Event::StepFinished {
            step: position,
            action: step.action,
            id: None,
        },
        Ok(refused) => Event::StepFailed {
            step: position,
            action: step.action,
            error: format!(
                "{} refused",
                crate::plan::Count::new(refused.len(), "number", "numbers")
            ),
        },
        Err(error) => Event::StepFailed {
            step: position,
            action: step.action,
            error: error.cause(),
        },
    };
    events(event);
    Some(result)
}
