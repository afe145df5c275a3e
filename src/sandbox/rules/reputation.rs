//! An enterprise's Number Reputation settings: enabling (billed), vetting and LOA review
//! on the sandbox's schedule, the frequency and LOA patches, and disabling (docs/api.md).
//! Uses the shared builders of `rules`, `terms`' gate and `enterprises`' lookup.

use std::collections::HashSet;

use serde_json::Value;

use super::{
    Context, Outcome, Problem, at_pointer, data, entry, no_content, not_found, problem, timestamp,
};
use crate::model::{CheckFrequency, WireEnum};
use crate::sandbox::state::{Reputation, World};
use crate::telnyx::wire::ReputationSettings;

impl World {
    /// Moves vetting and LOA reviews whose time has come out of `pending`.
    pub fn settle(&mut self, context: Context<'_>) {
        let rejected: HashSet<String> = self
            .enterprises
            .iter()
            .filter(|enterprise| context.rules.reject.contains(&enterprise.legal_name))
            .map(|enterprise| enterprise.id.clone())
            .collect();
        for (enterprise_id, record) in &mut self.reputation {
            if record
                .vetting_due_ms
                .is_some_and(|due| due <= context.now_ms)
            {
                record.vetting_due_ms = None;
                if rejected.contains(enterprise_id) {
                    record.settings.status = "rejected".to_owned();
                    record.settings.rejection_reasons = Some(vec![
                        "The business could not be verified from the details provided".to_owned(),
                        "The Letter of Authorization does not match the enterprise".to_owned(),
                    ]);
                } else {
                    record.settings.status = "approved".to_owned();
                }
                record.settings.updated_at = timestamp(context.now_ms);
            }
            if record.loa_due_ms.is_some_and(|due| due <= context.now_ms) {
                record.loa_due_ms = None;
                record.settings.loa_status = "approved".to_owned();
                record.settings.updated_at = timestamp(context.now_ms);
            }
        }
    }

    /// `POST /enterprises/{id}/reputation`: 201 and billed; 400 when already enabled; 422
    /// for an unknown document or frequency.
    pub fn enable(&mut self, id: &str, body: &Value, context: Context<'_>) -> Outcome {
        self.require_terms()?;
        if self.enterprise(id).is_none() {
            return Err(not_found("Enterprise"));
        }
        if self.reputation.contains_key(id) {
            return Err(problem(
                400,
                "10015",
                "Already enabled",
                "Number Reputation is already enabled for this enterprise",
            ));
        }
        let (document_id, check_frequency) = self.enable_body(body)?;
        let now = timestamp(context.now_ms);
        let due = context.now_ms + context.rules.approve_after_ms;
        let record = Reputation {
            settings: ReputationSettings {
                enterprise_id: id.to_owned(),
                status: "pending".to_owned(),
                loa_document_id: Some(document_id),
                loa_status: "pending".to_owned(),
                check_frequency,
                rejection_reasons: None,
                created_at: now.clone(),
                updated_at: now,
            },
            vetting_due_ms: Some(due),
            loa_due_ms: Some(due),
        };
        self.reputation.insert(id.to_owned(), record);
        self.set_enabled_flag(id, true);
        self.billing.enable += 1;
        self.settle(context);
        let settings = self
            .reputation
            .get(id)
            .map(|record| record.settings.clone());
        data(201, &settings)
    }

    /// The enable body's `loa_document_id` and `check_frequency` (defaulted), or a 422
    /// with one entry per unknown field, missing document and bad frequency.
    fn enable_body(&self, body: &Value) -> Result<(String, String), Problem> {
        let mut errors = Vec::new();
        let object = body.as_object().cloned().unwrap_or_default();
        for name in object.keys() {
            if !matches!(name.as_str(), "loa_document_id" | "check_frequency") {
                errors.push(at_pointer(
                    entry("10015", "Unknown field", format!("`{name}` is not allowed")),
                    &format!("/{name}"),
                ));
            }
        }
        let document_id = object
            .get("loa_document_id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        if !self
            .documents
            .iter()
            .any(|stored| stored.document.id == document_id)
        {
            errors.push(at_pointer(
                entry(
                    "10015",
                    "Invalid LOA document",
                    format!(
                        "no document `{document_id}`: upload the LOA with POST /documents first"
                    ),
                ),
                "/loa_document_id",
            ));
        }
        let check_frequency = match object.get("check_frequency") {
            None | Some(Value::Null) => CheckFrequency::default().as_str().to_owned(),
            Some(value) => {
                let text = value.as_str().unwrap_or_default();
                if CheckFrequency::from_wire(text).is_none() {
                    errors.push(at_pointer(
                        entry(
                            "10015",
                            "Invalid value",
                            format!("`{value}` is not a check_frequency"),
                        ),
                        "/check_frequency",
                    ));
                }
                text.to_owned()
            }
        };
        if errors.is_empty() {
            Ok((document_id, check_frequency))
        } else {
            Err(Problem {
                status: 422,
                errors,
            })
        }
    }

    fn set_enabled_flag(&mut self, id: &str, enabled: bool) {
        if let Some(enterprise) = self
            .enterprises
            .iter_mut()
            .find(|enterprise| enterprise.id == id)
        {
            enterprise.number_reputation_enabled = enabled;
        }
    }

    pub(super) fn settings(&self, id: &str) -> Result<&Reputation, Problem> {
        if self.enterprise(id).is_none() {
            return Err(not_found("Enterprise"));
        }
        self.reputation
            .get(id)
            .ok_or_else(|| not_found("Reputation settings"))
    }

    /// `GET /enterprises/{id}/reputation`; 404 when never enabled or disabled.
    pub fn get_reputation(&self, id: &str) -> Outcome {
        self.require_terms()?;
        data(200, &self.settings(id)?.settings)
    }

    /// `DELETE /enterprises/{id}/reputation`: 204, and every number is de-registered.
    pub fn disable(&mut self, id: &str) -> Outcome {
        self.require_terms()?;
        self.settings(id)?;
        self.reputation.remove(id);
        self.numbers.remove(id);
        self.set_enabled_flag(id, false);
        no_content()
    }

    /// `PATCH …/reputation/frequency`: only once approved.
    pub fn patch_frequency(&mut self, id: &str, body: &Value, context: Context<'_>) -> Outcome {
        self.require_terms()?;
        let record = self.settings(id)?;
        let object = body.as_object().cloned().unwrap_or_default();
        let value = object
            .get("check_frequency")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if object.len() != 1 || CheckFrequency::from_wire(value).is_none() {
            return Err(Problem {
                status: 422,
                errors: vec![at_pointer(
                    entry(
                        "10015",
                        "Invalid value",
                        "`check_frequency` must be one of business_daily, daily, weekly, biweekly, monthly, never",
                    ),
                    "/check_frequency",
                )],
            });
        }
        if record.settings.status != "approved" {
            return Err(problem(
                400,
                "10015",
                "Not approved",
                format!(
                    "the frequency can be changed once vetting is approved; status is `{}`",
                    record.settings.status
                ),
            ));
        }
        let record = self
            .reputation
            .get_mut(id)
            .ok_or_else(|| not_found("Reputation settings"))?;
        record.settings.check_frequency = value.to_owned();
        record.settings.updated_at = timestamp(context.now_ms);
        data(200, &record.settings)
    }

    /// `PATCH …/reputation/loa`: while `loa_status` is pending or rejected; restarts the
    /// LOA review.
    pub fn patch_loa(&mut self, id: &str, body: &Value, context: Context<'_>) -> Outcome {
        self.require_terms()?;
        let record = self.settings(id)?;
        let object = body.as_object().cloned().unwrap_or_default();
        let document_id = object
            .get("loa_document_id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        if object.len() != 1
            || !self
                .documents
                .iter()
                .any(|stored| stored.document.id == document_id)
        {
            return Err(Problem {
                status: 422,
                errors: vec![at_pointer(
                    entry(
                        "10015",
                        "Invalid LOA document",
                        format!("no document `{document_id}`"),
                    ),
                    "/loa_document_id",
                )],
            });
        }
        if record.settings.loa_status == "approved" {
            return Err(problem(
                400,
                "10015",
                "LOA already approved",
                "The authorization document cannot be changed after it has been approved.",
            ));
        }
        let record = self
            .reputation
            .get_mut(id)
            .ok_or_else(|| not_found("Reputation settings"))?;
        record.settings.loa_document_id = Some(document_id);
        record.settings.loa_status = "pending".to_owned();
        record.settings.updated_at = timestamp(context.now_ms);
        record.loa_due_ms = Some(context.now_ms + context.rules.approve_after_ms);
        self.settle(context);
        let settings = self
            .reputation
            .get(id)
            .map(|record| record.settings.clone());
        data(200, &settings)
    }
}
