//! The executor: one plan's steps, in order, with bounded concurrency for number batches
//! and removals, the vetting wait, bisection of rejected batches, and re-reads after
//! ambiguous writes (docs/design.md, "Apply").

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures::StreamExt;
use serde::Serialize;

use crate::model::{CheckFrequency, Desired, E164, Loa, ReputationSpec, Status, WireEnum};
use crate::plan::{Action, Detail, Plan, Step};
use crate::telnyx::{ApiError, Client};

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

/// What happened, for progress lines and `--format json` events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// A step began.
    StepStarted {
        /// 1-based position in the plan.
        step: usize,
        /// Of how many.
        of: usize,
        /// The action.
        action: Action,
        /// Method and path.
        call: String,
    },
    /// A step finished.
    StepFinished {
        /// 1-based position.
        step: usize,
        /// The action.
        action: Action,
        /// The id of what the step created: the enterprise, or the uploaded LOA document.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
    },
    /// A step failed.
    StepFailed {
        /// 1-based position.
        step: usize,
        /// The action.
        action: Action,
        /// Why.
        error: String,
    },
    /// A write failed ambiguously; the state was re-read to decide.
    Reread {
        /// 1-based position.
        step: usize,
        /// What the re-read found.
        finding: String,
    },
    /// A number of a refused batch was refused by the API.
    NumberRefused {
        /// 1-based position.
        step: usize,
        /// The number.
        phone_number: String,
        /// The API's reason.
        reason: String,
    },
    /// Waiting for vetting.
    Waiting {
        /// `status` now.
        status: String,
        /// `loa_status` now.
        loa_status: String,
    },
    /// The plan could not be made; nothing was applied.
    PlanFailed {
        /// The manifest.
        manifest: String,
        /// Why.
        errors: Vec<String>,
    },
    /// Stopped before the steps that need approval; run apply again later.
    VettingPending {
        /// The manifest.
        manifest: String,
    },
    /// The account matches the manifest (verified by planning again).
    Converged {
        /// The manifest.
        manifest: String,
    },
}

/// How an apply ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Every step ran.
    Done,
    /// Stopped before the steps that need approval (`--no-wait` or the timeout).
    VettingPending,
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
    /// A call failed.
    #[error("step {step} ({action}): {source}")]
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
        "step {step} (add_numbers): the batch failed {attempts} times without a definite answer ({source}); not added: {numbers}"
    )]
    BatchUnsure {
        /// 1-based position.
        step: usize,
        /// Sends made.
        attempts: u32,
        /// The numbers still not monitored, shortened.
        numbers: String,
        /// The last failure.
        source: ApiError,
    },
    /// Vetting was rejected.
    #[error("vetting was rejected: {}", reasons.join("; "))]
    Rejected {
        /// `rejection_reasons`.
        reasons: Vec<String>,
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
        if matches!(step.action, Action::AddNumbers | Action::RemoveNumber) {
            let end = plan
                .steps
                .get(index..)
                .unwrap_or_default()
                .iter()
                .position(|candidate| candidate.action != step.action)
                .map_or(total, |offset| index + offset);
            let group: Vec<(usize, &Step)> = plan
                .steps
                .get(index..end)
                .unwrap_or_default()
                .iter()
                .enumerate()
                .map(|(offset, step)| (index + offset + 1, step))
                .collect();
            let finished = run.group(&group, total, events).await?;
            if finished < group.len() {
                return Ok(Outcome::Interrupted {
                    done: index + finished,
                    of: total,
                });
            }
            if !run.refused.is_empty() && !options.keep_going {
                return Ok(Outcome::Refused {
                    numbers: run.refused,
                });
            }
            index = end;
            continue;
        }
        let number = index + 1;
        events(Event::StepStarted {
            step: number,
            of: total,
            action: step.action,
            call: format!("{} {}", step.method(), step.path),
        });
        if step.action == Action::WaitForVetting {
            if options.no_wait {
                return Ok(Outcome::VettingPending);
            }
            match run.wait(number, events).await {
                Ok(true) => {}
                Ok(false) if options.interrupted.load(Ordering::SeqCst) => {
                    return Ok(Outcome::Interrupted {
                        done: index,
                        of: total,
                    });
                }
                Ok(false) => return Ok(Outcome::VettingPending),
                Err(error) => {
                    events(Event::StepFailed {
                        step: number,
                        action: step.action,
                        error: error.to_string(),
                    });
                    return Err(error);
                }
            }
        } else if let Err(error) = run.single(number, step, events).await {
            events(Event::StepFailed {
                step: number,
                action: step.action,
                error: error.to_string(),
            });
            return Err(error);
        }
        let id = match step.action {
            Action::CreateEnterprise => run.enterprise_id.clone(),
            Action::UploadLoa => run.document_id.clone(),
            _ => None,
        };
        events(Event::StepFinished {
            step: number,
            action: step.action,
            id,
        });
        index += 1;
    }
    if run.refused.is_empty() {
        Ok(Outcome::Done)
    } else {
        Ok(Outcome::Refused {
            numbers: run.refused,
        })
    }
}

impl Run<'_> {
    fn enterprise(&self, step: usize, action: Action) -> Result<String, ApplyError> {
        self.enterprise_id.clone().ok_or(ApplyError::Unexpected {
            step,
            action: action.name(),
            message: "the enterprise id is not known yet".to_owned(),
        })
    }

    fn document(&self, step: usize, action: Action) -> Result<String, ApplyError> {
        self.document_id.clone().ok_or(ApplyError::Unexpected {
            step,
            action: action.name(),
            message: "no LOA document to link".to_owned(),
        })
    }

    fn frequency(&self) -> Option<CheckFrequency> {
        match &self.desired.reputation {
            ReputationSpec::Enabled {
                check_frequency, ..
            } => Some(*check_frequency),
            ReputationSpec::Disabled => None,
        }
    }

    async fn single(
        &mut self,
        step: usize,
        plan_step: &Step,
        events: &(dyn Fn(Event) + Send + Sync),
    ) -> Result<(), ApplyError> {
        let action = plan_step.action;
        let api = |source: ApiError| ApplyError::Api {
            step,
            action: action.name(),
            source,
        };
        let client = self.client;
        match action {
            Action::AcceptTerms => {
                client.tos_agree().await.map_err(api)?;
            }
            Action::CreateEnterprise => {
                let created = match client.create_enterprise(&self.desired.enterprise).await {
                    Ok(created) => created.id,
                    Err(error) if error.is_ambiguous() => {
                        // Was it created? The legal name is the natural key: look it up.
                        let legal_name = &self.desired.enterprise.legal_name;
                        let found = client
                            .list_enterprises(Some(legal_name))
                            .await
                            .map_err(api)?
                            .into_iter()
                            .find(|enterprise| enterprise.legal_name == *legal_name);
                        match found {
                            Some(enterprise) => {
                                events(Event::Reread {
                                    step,
                                    finding: format!(
                                        "the enterprise was created (`{}`)",
                                        enterprise.id
                                    ),
                                });
                                enterprise.id
                            }
                            None => {
                                events(Event::Reread {
                                    step,
                                    finding: "the enterprise was not created; sending again"
                                        .to_owned(),
                                });
                                client
                                    .create_enterprise(&self.desired.enterprise)
                                    .await
                                    .map_err(api)?
                                    .id
                            }
                        }
                    }
                    Err(error) => return Err(api(error)),
                };
                self.enterprise_id = Some(created);
            }
            Action::UpdateEnterprise => {
                let id = self.enterprise(step, action)?;
                let serde_json::Value::Object(all) =
                    serde_json::to_value(&self.desired.enterprise).unwrap_or_default()
                else {
                    return Err(ApplyError::Unexpected {
                        step,
                        action: action.name(),
                        message: "the enterprise does not serialise".to_owned(),
                    });
                };
                // A dotted field (`billing_contact.email`) sends its whole top-level object.
                let changed: HashSet<&str> = plan_step
                    .fields()
                    .iter()
                    .filter_map(|change| change.field.split('.').next())
                    .collect();
                let fields = all
                    .into_iter()
                    .filter(|(name, _)| changed.contains(name.as_str()))
                    .collect();
                client.update_enterprise(&id, &fields).await.map_err(api)?;
            }
            Action::UploadLoa => {
                let ReputationSpec::Enabled {
                    loa: Loa::File { path, .. },
                    ..
                } = &self.desired.reputation
                else {
                    return Err(ApplyError::Unexpected {
                        step,
                        action: action.name(),
                        message: "the manifest has no `loa.file`".to_owned(),
                    });
                };
                let content = std::fs::read(path).map_err(|error| ApplyError::Unexpected {
                    step,
                    action: action.name(),
                    message: format!("cannot read `{}`: {error}", path.display()),
                })?;
                let name = path.file_name().map_or_else(
                    || "loa.pdf".to_owned(),
                    |name| name.to_string_lossy().into_owned(),
                );
                // An upload that may have gone through is sent again: a stray document is
                // not billed and is deleted after 30 minutes unlinked.
                let document = match client.upload_document(&name, &content).await {
                    Ok(document) => document,
                    Err(error) if error.is_ambiguous() => {
                        client.upload_document(&name, &content).await.map_err(api)?
                    }
                    Err(error) => return Err(api(error)),
                };
                self.document_id = Some(document.id);
            }
            Action::DisableReputation => {
                let id = self.enterprise(step, action)?;
                match client.disable_reputation(&id).await {
                    Ok(()) => {}
                    Err(error) if error.status() == Some(404) => {}
                    Err(error) => return Err(api(error)),
                }
            }
            Action::EnableReputation => {
                let id = self.enterprise(step, action)?;
                let document = self.document(step, action)?;
                let frequency = self.frequency().map(|frequency| frequency.as_str());
                match client.enable_reputation(&id, &document, frequency).await {
                    Ok(_) => {}
                    Err(error) if error.is_ambiguous() => {
                        // Never bill enable twice: read the settings back first.
                        if client.get_reputation(&id).await.map_err(api)?.is_some() {
                            events(Event::Reread {
                                step,
                                finding: "reputation is enabled".to_owned(),
                            });
                        } else {
                            events(Event::Reread {
                                step,
                                finding: "reputation is not enabled; sending again".to_owned(),
                            });
                            client
                                .enable_reputation(&id, &document, frequency)
                                .await
                                .map_err(api)?;
                        }
                    }
                    Err(error) => return Err(api(error)),
                }
            }
            Action::UpdateLoa => {
                let id = self.enterprise(step, action)?;
                let document = self.document(step, action)?;
                client.update_loa(&id, &document).await.map_err(api)?;
            }
            Action::UpdateFrequency => {
                let id = self.enterprise(step, action)?;
                let Detail::UpdateFrequency { desired, .. } = &plan_step.detail else {
                    return Err(ApplyError::Unexpected {
                        step,
                        action: action.name(),
                        message: "the step carries no frequency".to_owned(),
                    });
                };
                client
                    .update_frequency(&id, desired.as_str())
                    .await
                    .map_err(api)?;
            }
            Action::WaitForVetting | Action::AddNumbers | Action::RemoveNumber => {}
        }
        Ok(())
    }

    /// Polls the settings with backoff until both statuses are approved (true), the timeout
    /// passes (false), or vetting is rejected (error).
    async fn wait(
        &mut self,
        step: usize,
        events: &(dyn Fn(Event) + Send + Sync),
    ) -> Result<bool, ApplyError> {
        let id = self.enterprise(step, Action::WaitForVetting)?;
        let deadline = tokio::time::Instant::now() + self.options.approval_timeout;
        let mut interval = self.options.poll_interval;
        let mut last = None;
        loop {
            let settings =
                self.client
                    .get_reputation(&id)
                    .await
                    .map_err(|source| ApplyError::Api {
                        step,
                        action: "wait_for_vetting",
                        source,
                    })?;
            let Some(settings) = settings else {
                return Err(ApplyError::Unexpected {
                    step,
                    action: "wait_for_vetting",
                    message: "reputation is not enabled".to_owned(),
                });
            };
            let status = Status::from_wire(&settings.status);
            let loa_status = Status::from_wire(&settings.loa_status);
            if status == Status::Rejected || loa_status == Status::Rejected {
                // No reasons is a documented possibility: the list is then empty.
                let mut reasons = settings.rejection_reasons.unwrap_or_default();
                if loa_status == Status::Rejected {
                    reasons.push("the LOA was rejected".to_owned());
                }
                return Err(ApplyError::Rejected { reasons });
            }
            if status == Status::Approved && loa_status == Status::Approved {
                return Ok(true);
            }
            let now = (settings.status.clone(), settings.loa_status.clone());
            if last.as_ref() != Some(&now) {
                events(Event::Waiting {
                    status: now.0.clone(),
                    loa_status: now.1.clone(),
                });
                last = Some(now);
            }
            if self.options.interrupted.load(Ordering::SeqCst)
                || tokio::time::Instant::now() + interval > deadline
            {
                return Ok(false);
            }
            if !pause(interval, &self.options.interrupted).await {
                return Ok(false);
            }
            interval = (interval * 2).min(Duration::from_secs(30));
        }
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
        let results: Vec<Option<Result<Refusals, ApplyError>>> =
            futures::stream::iter(group.iter())
                .map(|(number, step)| {
                    let id = id.clone();
                    async move {
                        if interrupted.load(Ordering::SeqCst) {
                            return None;
                        }
                        events(Event::StepStarted {
                            step: *number,
                            of: total,
                            action: step.action,
                            call: format!("{} {}", step.method(), step.path),
                        });
                        let result = match &step.detail {
                            Detail::AddNumbers { phone_numbers } => {
                                add_batch(client, &id, phone_numbers, *number, interrupted, events)
                                    .await
                            }
                            Detail::RemoveNumber { phone_number } => client
                                .delete_number(&id, *phone_number)
                                .await
                                .map(|_| BatchEnd::Done(Vec::new()))
                                .map_err(|source| ApplyError::Api {
                                    step: *number,
                                    action: "remove_number",
                                    source,
                                }),
                            _ => Err(ApplyError::Unexpected {
                                step: *number,
                                action: step.action.name(),
                                message: "a number step without its numbers".to_owned(),
                            }),
                        };
                        let result = match result {
                            Ok(BatchEnd::Interrupted) => return None,
                            Ok(BatchEnd::Done(refused)) => Ok(refused),
                            Err(error) => Err(error),
                        };
                        match &result {
                            Ok(refused) if refused.is_empty() => events(Event::StepFinished {
                                step: *number,
                                action: step.action,
                                id: None,
                            }),
                            Ok(refused) => events(Event::StepFailed {
                                step: *number,
                                action: step.action,
                                error: format!(
                                    "{} refused",
                                    crate::plan::plural(refused.len(), "number", "numbers")
                                ),
                            }),
                            Err(error) => events(Event::StepFailed {
                                step: *number,
                                action: step.action,
                                error: error.to_string(),
                            }),
                        }
                        Some(result)
                    }
                })
                .buffered(self.options.concurrency.max(1))
                .collect()
                .await;
        let mut finished = 0;
        for result in results {
            match result {
                None => break,
                Some(Ok(refused)) => {
                    self.refused.extend(refused);
                    finished += 1;
                }
                Some(Err(error)) => return Err(error),
            }
        }
        Ok(finished)
    }
}

/// How many times a batch whose add failed ambiguously is sent again (after re-reading
/// which of its numbers landed), with the client's backoff between sends.
const BATCH_RESENDS: u32 = 2;

/// Sleeps `duration`, waking early when an interruption arrives; false when interrupted.
async fn pause(duration: Duration, interrupted: &AtomicBool) -> bool {
    let deadline = tokio::time::Instant::now() + duration;
    while !interrupted.load(Ordering::SeqCst) {
        let now = tokio::time::Instant::now();
        if now >= deadline {
            return true;
        }
        tokio::time::sleep((deadline - now).min(Duration::from_millis(50))).await;
    }
    false
}

/// How a batch ended: its refused numbers, or stopped by an interruption.
enum BatchEnd {
    Done(Refusals),
    Interrupted,
}

/// Adds one batch; a batch the API rejects as a whole is split in halves until the numbers
/// at fault are alone (the halves that succeed add their numbers). An ambiguous failure is
/// decided by re-reading, and what did not land is sent again at most `BATCH_RESENDS`
/// times, with backoff; then the step fails naming the numbers.
async fn add_batch(
    client: &Client,
    id: &str,
    batch: &[E164],
    step: usize,
    interrupted: &AtomicBool,
    events: &(dyn Fn(Event) + Send + Sync),
) -> Result<BatchEnd, ApplyError> {
    let api = |source| ApplyError::Api {
        step,
        action: "add_numbers",
        source,
    };
    let mut refused = Vec::new();
    let mut resends = 0;
    let mut pending: Vec<Vec<E164>> = vec![batch.to_vec()];
    while let Some(part) = pending.pop() {
        if part.is_empty() {
            continue;
        }
        if interrupted.load(Ordering::SeqCst) {
            return Ok(BatchEnd::Interrupted);
        }
        match client.add_numbers(id, &part).await {
            Ok(_) => {}
            Err(error) if error.is_ambiguous() => {
                // Atomic: either the whole part was added or none of it. Read it back.
                let monitored: HashSet<E164> = client
                    .list_monitored(id)
                    .await
                    .map_err(api)?
                    .into_iter()
                    .collect();
                let missing: Vec<E164> = part
                    .iter()
                    .copied()
                    .filter(|number| !monitored.contains(number))
                    .collect();
                events(Event::Reread {
                    step,
                    finding: format!(
                        "{} of {} numbers of the batch are monitored",
                        part.len() - missing.len(),
                        part.len()
                    ),
                });
                if missing.is_empty() {
                    continue;
                }
                if resends >= BATCH_RESENDS {
                    let listed: Vec<String> = missing.iter().map(ToString::to_string).collect();
                    return Err(ApplyError::BatchUnsure {
                        step,
                        attempts: resends + 1,
                        numbers: crate::plan::render::summarize(&listed, false),
                        source: error,
                    });
                }
                if !pause(
                    crate::telnyx::retry::default_wait(resends, fastrand::f64()),
                    interrupted,
                )
                .await
                {
                    return Ok(BatchEnd::Interrupted);
                }
                resends += 1;
                pending.push(missing);
            }
            Err(ApiError::Status {
                status: 400,
                errors,
                ..
            }) if part.len() == 1 => {
                let number = part.first().map(ToString::to_string).unwrap_or_default();
                let reason = errors
                    .iter()
                    .filter_map(|entry| entry.detail.clone())
                    .collect::<Vec<_>>()
                    .join("; ");
                events(Event::NumberRefused {
                    step,
                    phone_number: number.clone(),
                    reason: reason.clone(),
                });
                refused.push((number, reason));
            }
            Err(ApiError::Status { status: 400, .. }) => {
                let (left, right) = part.split_at(part.len() / 2);
                pending.push(right.to_vec());
                pending.push(left.to_vec());
            }
            Err(source) => return Err(api(source)),
        }
    }
    Ok(BatchEnd::Done(refused))
}
