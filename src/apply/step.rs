//! One function per action: the call a step makes, and the re-read that decides an
//! ambiguous write (docs/design.md, "Apply"), plus the vetting wait.

use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::time::Duration;

use super::{ApplyError, Event, Run, pause};
use crate::model::{CheckFrequency, Loa, ReputationSpec, Status, WireEnum};
use crate::plan::{Action, Detail, DocumentRef, Step};
use crate::telnyx::ApiError;

impl Run<'_> {
    pub(super) fn enterprise(&self, step: usize, action: Action) -> Result<String, ApplyError> {
        self.enterprise_id.clone().ok_or(ApplyError::Unexpected {
            step,
            action: action.name(),
            message: "the enterprise id is not known yet".to_owned(),
        })
    }

    pub(super) fn document(&self, step: usize, action: Action) -> Result<String, ApplyError> {
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

    /// Makes the call of one step (not a number batch, not the wait).
    pub(super) async fn single(
        &mut self,
        step: usize,
        plan_step: &Step,
        events: &(dyn Fn(Event) + Send + Sync),
    ) -> Result<(), ApplyError> {
        match plan_step.action {
            Action::AcceptTerms => self.accept_terms(step).await,
            Action::CreateEnterprise => self.create_enterprise(step, events).await,
            Action::UpdateEnterprise => self.update_enterprise(step, plan_step).await,
            Action::UploadLoa => self.upload_loa(step).await,
            Action::DisableReputation => self.disable_reputation(step).await,
            Action::EnableReputation => self.enable_reputation(step, events).await,
            Action::UpdateLoa => self.update_loa(step).await,
            Action::UpdateFrequency => self.update_frequency(step, plan_step).await,
            Action::UploadDocument => self.upload_proof(step, plan_step).await,
            Action::SubmitExternalVerification => self.submit_proof(step, plan_step, events).await,
            Action::WaitForVetting
            | Action::WaitForExternalVerification
            | Action::AddNumbers
            | Action::RemoveNumber => Ok(()),
        }
    }

    /// Agrees to the terms (idempotent: resent freely).
    async fn accept_terms(&mut self, step: usize) -> Result<(), ApplyError> {
        let action = Action::AcceptTerms;
        let api = api_error(step, action);
        let client = self.client;
        client.tos_agree().await.map_err(api)?;
        Ok(())
    }

    /// Creates the enterprise; after an ambiguous failure, finds it by legal name before
    /// sending again (as often as calls are retried).
    async fn create_enterprise(
        &mut self,
        step: usize,
        events: &(dyn Fn(Event) + Send + Sync),
    ) -> Result<(), ApplyError> {
        let action = Action::CreateEnterprise;
        let api = api_error(step, action);
        let client = self.client;
        let mut resends = 0;
        let created = loop {
            match client.create_enterprise(&self.desired.enterprise).await {
                Ok(created) => break created.id,
                Err(error) if error.is_ambiguous() => {
                    // Was it created? The legal name is the natural key: look it up.
                    if let Some(enterprise) = self.by_legal_name().await.map_err(api)? {
                        events(Event::Reread {
                            step,
                            finding: format!("the enterprise was created (`{}`)", enterprise.id),
                        });
                        break enterprise.id;
                    }
                    if !self.may_resend(resends) {
                        return Err(api(error));
                    }
                    events(Event::Reread {
                        step,
                        finding: "the enterprise was not created; sending again".to_owned(),
                    });
                    if !self.back_off(&mut resends).await {
                        return Err(api(error));
                    }
                }
                Err(error) if error.status() == Some(409) => {
                    // An enterprise with these details exists: another apply of the same
                    // manifest created it since the plan was made, or an earlier send of
                    // this one landed late. Carry on with it.
                    let Some(enterprise) = self.by_legal_name().await.map_err(api)? else {
                        return Err(api(error));
                    };
                    events(Event::Reread {
                        step,
                        finding: format!(
                            "the enterprise exists already (`{}`): created meanwhile by another run or an earlier send; continuing with it",
                            enterprise.id
                        ),
                    });
                    break enterprise.id;
                }
                Err(error) => return Err(api(error)),
            }
        };
        self.enterprise_id = Some(created);
        Ok(())
    }

    /// Whether a write that failed ambiguously and was found not done may be sent again:
    /// as often as calls are retried.
    fn may_resend(&self, resends: u32) -> bool {
        resends < self.client.retry_policy().max_retries
    }

    /// The client's backoff before resend number `resends`, counted; false when a signal
    /// came during it.
    async fn back_off(&self, resends: &mut u32) -> bool {
        let wait = crate::telnyx::retry::default_wait(*resends, fastrand::f64());
        *resends += 1;
        pause(wait, &self.options.interrupted).await
    }

    /// The enterprise with the manifest's exact legal name (the natural key), if any.
    async fn by_legal_name(&self) -> Result<Option<crate::telnyx::wire::Enterprise>, ApiError> {
        let legal_name = &self.desired.enterprise.legal_name;
        Ok(self
            .client
            .list_enterprises(Some(legal_name))
            .await?
            .into_iter()
            .find(|enterprise| enterprise.legal_name == *legal_name))
    }

    /// Sends the changed top-level fields (a dotted change sends its whole object).
    async fn update_enterprise(&mut self, step: usize, plan_step: &Step) -> Result<(), ApplyError> {
        let action = Action::UpdateEnterprise;
        let api = api_error(step, action);
        let client = self.client;
        let id = self.enterprise(step, action)?;
        let Ok(serde_json::Value::Object(all)) = serde_json::to_value(&self.desired.enterprise)
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
        Ok(())
    }

    /// Uploads the LOA; an upload that may have gone through is sent again (a stray document is free and expires).
    async fn upload_loa(&mut self, step: usize) -> Result<(), ApplyError> {
        let action = Action::UploadLoa;
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
        let id = self.upload(step, action, path, "loa.pdf").await?;
        self.document_id = Some(id);
        Ok(())
    }

    /// Uploads one PDF of the ownership proof, as `upload_loa` does the LOA.
    async fn upload_proof(&mut self, step: usize, plan_step: &Step) -> Result<(), ApplyError> {
        let action = Action::UploadDocument;
        let Detail::UploadDocument { file } = &plan_step.detail else {
            return Err(ApplyError::Unexpected {
                step,
                action: action.name(),
                message: "the step names no file".to_owned(),
            });
        };
        let id = self
            .upload(step, action, std::path::Path::new(file), "proof.pdf")
            .await?;
        self.uploaded.insert(file.clone(), id);
        Ok(())
    }

    /// `POST /documents` of the file at `path`: its id. Read as validation read it, at most
    /// the documents API's limit, so a file that grew (or was swapped for a stream) since
    /// cannot be sent whole. An upload that may have gone through is sent again by the
    /// client's retries: a stray document is not billed and is deleted after 30 minutes
    /// unlinked.
    async fn upload(
        &self,
        step: usize,
        action: Action,
        path: &std::path::Path,
        fallback: &str,
    ) -> Result<String, ApplyError> {
        let api = api_error(step, action);
        let content = read_capped(path, crate::manifest::LOA_LIMIT).map_err(|source| {
            ApplyError::ReadFile {
                step,
                action: action.name(),
                path: path.to_path_buf(),
                source,
            }
        })?;
        let name = path.file_name().map_or_else(
            || fallback.to_owned(),
            |name| name.to_string_lossy().into_owned(),
        );
        // Retried by the client like an idempotent call (`Client::upload_document`).
        let document = self
            .client
            .upload_document(&name, &content)
            .await
            .map_err(api)?;
        Ok(document.id)
    }

    /// Submits the ownership proof with the documents the plan names, uploads resolved. A
    /// refusal is read back: a resend whose first try went through unheard meets the review
    /// that approved it meanwhile (400, an approved proof cannot change), which is the goal
    /// when the approved proof holds these very documents.
    async fn submit_proof(
        &mut self,
        step: usize,
        plan_step: &Step,
        events: &(dyn Fn(Event) + Send + Sync),
    ) -> Result<(), ApplyError> {
        let action = Action::SubmitExternalVerification;
        let api = api_error(step, action);
        let id = self.enterprise(step, action)?;
        let Detail::SubmitExternalVerification { document_ids } = &plan_step.detail else {
            return Err(ApplyError::Unexpected {
                step,
                action: action.name(),
                message: "the step names no documents".to_owned(),
            });
        };
        let mut ids = Vec::with_capacity(document_ids.len());
        for document in document_ids {
            ids.push(match document {
                DocumentRef::Id(id) => id.clone(),
                DocumentRef::Uploaded(file) => {
                    self.uploaded
                        .get(file)
                        .cloned()
                        .ok_or_else(|| ApplyError::Unexpected {
                            step,
                            action: action.name(),
                            message: format!("`{file}` was not uploaded by an earlier step"),
                        })?
                }
            });
        }
        let error = match self.client.submit_external_verification(&id, &ids).await {
            Ok(_) => return Ok(()),
            Err(error) if error.status() == Some(400) => error,
            Err(error) => return Err(api(error)),
        };
        let live = match self.client.get_external_verification(&id).await {
            Ok(live) => live,
            Err(unread) => {
                // The refusal says more than the failed read-back: it is the step's error.
                tracing::debug!(error = %unread, "the ownership proof could not be read back");
                return Err(api(error));
            }
        };
        let wanted: std::collections::BTreeSet<&String> = ids.iter().collect();
        match live {
            Some(proof)
                if proof.status == "approved"
                    && proof
                        .document_ids
                        .iter()
                        .collect::<std::collections::BTreeSet<_>>()
                        == wanted =>
            {
                events(Event::Reread {
                    step,
                    finding: "the ownership proof with these documents is approved".to_owned(),
                });
                Ok(())
            }
            _ => Err(api(error)),
        }
    }

    /// Disables reputation; already disabled (404) is done.
    async fn disable_reputation(&mut self, step: usize) -> Result<(), ApplyError> {
        let action = Action::DisableReputation;
        let api = api_error(step, action);
        let client = self.client;
        let id = self.enterprise(step, action)?;
        match client.disable_reputation(&id).await {
            Ok(()) => {}
            Err(error) if error.status() == Some(404) => {}
            Err(error) => return Err(api(error)),
        }
        Ok(())
    }

    /// Enables reputation (billed); after an ambiguous failure, reads the settings back
    /// before sending again (as often as calls are retried).
    async fn enable_reputation(
        &mut self,
        step: usize,
        events: &(dyn Fn(Event) + Send + Sync),
    ) -> Result<(), ApplyError> {
        let action = Action::EnableReputation;
        let api = api_error(step, action);
        let client = self.client;
        let id = self.enterprise(step, action)?;
        let document = self.document(step, action)?;
        let frequency = self.frequency().map(|frequency| frequency.as_str());
        let mut resends = 0;
        loop {
            match client.enable_reputation(&id, &document, frequency).await {
                Ok(_) => break,
                Err(error) if error.is_ambiguous() => {
                    // Never bill enable twice: read the settings back first.
                    if client.get_reputation(&id).await.map_err(api)?.is_some() {
                        events(Event::Reread {
                            step,
                            finding: "reputation is enabled".to_owned(),
                        });
                        break;
                    }
                    if !self.may_resend(resends) {
                        return Err(api(error));
                    }
                    events(Event::Reread {
                        step,
                        finding: "reputation is not enabled; sending again".to_owned(),
                    });
                    if !self.back_off(&mut resends).await {
                        return Err(api(error));
                    }
                }
                Err(error) if error.status() == Some(400) => {
                    // "Already enabled" when another apply of the same manifest enabled it
                    // since the plan was made (billed once, by that run), or an earlier
                    // send of this one landed late: carry on if the settings say so, else
                    // the refusal stands.
                    if client.get_reputation(&id).await.map_err(api)?.is_none() {
                        return Err(api(error));
                    }
                    events(Event::Reread {
                        step,
                        finding: "reputation is enabled already: enabled meanwhile by another run or an earlier send".to_owned(),
                    });
                    break;
                }
                Err(error) => return Err(api(error)),
            }
        }
        Ok(())
    }

    /// Points reputation at the uploaded or pinned LOA.
    async fn update_loa(&mut self, step: usize) -> Result<(), ApplyError> {
        let action = Action::UpdateLoa;
        let api = api_error(step, action);
        let client = self.client;
        let id = self.enterprise(step, action)?;
        let document = self.document(step, action)?;
        client.update_loa(&id, &document).await.map_err(api)?;
        Ok(())
    }

    /// Sets the refresh frequency the step carries.
    async fn update_frequency(&mut self, step: usize, plan_step: &Step) -> Result<(), ApplyError> {
        let action = Action::UpdateFrequency;
        let api = api_error(step, action);
        let client = self.client;
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
        Ok(())
    }

    /// Polls the settings with backoff until both statuses are approved (true), the timeout
    /// passes (false), or vetting is rejected (error).
    pub(super) async fn wait(
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
}

impl Run<'_> {
    /// Polls the settings' `external_verification_status` with the vetting wait's backoff
    /// until it is approved (true), the timeout passes (false), or it is rejected (an error
    /// quoting the proof's `rejection_reason`).
    pub(super) async fn wait_for_proof(
        &mut self,
        step: usize,
        events: &(dyn Fn(Event) + Send + Sync),
    ) -> Result<bool, ApplyError> {
        let action = Action::WaitForExternalVerification;
        let api = api_error(step, action);
        let id = self.enterprise(step, action)?;
        let deadline = tokio::time::Instant::now() + self.options.approval_timeout;
        let mut interval = self.options.poll_interval;
        let mut last = None;
        loop {
            let settings = self.client.get_reputation(&id).await.map_err(api)?;
            let status = settings
                .and_then(|settings| settings.external_verification_status)
                .unwrap_or_else(|| "none".to_owned());
            match Status::from_wire(&status) {
                Status::Approved => return Ok(true),
                Status::Rejected => {
                    let proof = self
                        .client
                        .get_external_verification(&id)
                        .await
                        .map_err(api)?;
                    let reason = proof
                        .and_then(|proof| proof.rejection_reason)
                        .unwrap_or_else(|| "no reason given".to_owned());
                    return Err(ApplyError::ProofRejected { reason });
                }
                _ => {}
            }
            if last.as_ref() != Some(&status) {
                events(Event::WaitingForProof {
                    external_verification_status: status.clone(),
                });
                last = Some(status);
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
}

/// The file's content, refused past `limit` bytes (it grew since it was validated).
fn read_capped(path: &std::path::Path, limit: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read as _;
    let file = std::fs::File::open(path)?;
    let mut content = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut content)?;
    if u64::try_from(content.len()).unwrap_or(u64::MAX) > limit {
        return Err(std::io::Error::other(format!(
            "it grew past {limit} bytes since it was validated; validate and plan again"
        )));
    }
    Ok(content)
}

/// What a failed call of step `step` becomes: the step that failed, the API's failure as
/// its source.
fn api_error(step: usize, action: Action) -> impl Fn(ApiError) -> ApplyError + Copy {
    move |source| ApplyError::Api {
        step,
        action: action.name(),
        source,
    }
}
