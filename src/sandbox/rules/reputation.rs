//! An enterprise's Number Reputation settings: enabling (billed), vetting and LOA review
//! on the sandbox's schedule, the frequency and LOA patches, and disabling (docs/api.md).
//! Uses the shared builders of `rules`, `terms`' gate and `enterprises`' lookup.

use serde_json::Value;

use super::{
    Context, Outcome, Problem, at_pointer, data, entry, no_content, not_found, problem, timestamp,
};
use crate::model::{CheckFrequency, WireEnum};
use crate::sandbox::state::{Reputation, World};
use crate::telnyx::wire::ReputationSettings;

impl World {
    /// Moves vetting, LOA and ownership-proof reviews whose time has come out of `pending`,
    /// and removes flagged numbers whose deadline passed.
    /// It runs before every request, so it reads only what may have come due: whether an
    /// enterprise is rejected is asked once its vetting ends.
    pub fn settle(&mut self, context: Context<'_>) {
        for (enterprise_id, record) in &mut self.reputation {
            if record
                .vetting_due_ms
                .is_some_and(|due| due <= context.now_ms)
            {
                record.vetting_due_ms = None;
                let rejected = self.enterprises.iter().any(|enterprise| {
                    enterprise.id == *enterprise_id
                        && context.rules.reject.contains(&enterprise.legal_name)
                });
                if rejected {
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
        self.settle_external(context);
        self.settle_ownership(context);
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
                external_verification_status: None,
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
        // A body that is not an object has no fields: the checks below answer 422 for the
        // missing document, as the API does.
        let object = body.as_object().cloned().unwrap_or_default();
        for name in object.keys() {
            if !matches!(name.as_str(), "loa_document_id" | "check_frequency") {
                errors.push(at_pointer(
                    entry("10015", "Unknown field", format!("`{name}` is not allowed")),
                    &format!("/{name}"),
                ));
            }
        }
        // No id (or not a string) is no document's id: the check below refuses it.
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
                // A value that is not a string is no frequency: refused below with 422.
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

    /// `DELETE /enterprises/{id}/reputation`: 204, and every number is de-registered; the
    /// ownership proof, the numbers' tracking and the webhook go with the settings.
    pub fn disable(&mut self, id: &str) -> Outcome {
        self.require_terms()?;
        self.settings(id)?;
        self.reputation.remove(id);
        self.numbers.remove_enterprise(id);
        self.external_verifications.remove(id);
        self.webhooks.remove(id);
        self.ownership
            .retain(|_, tracking| tracking.enterprise_id != id);
        self.set_enabled_flag(id, false);
        no_content()
    }

    /// `PATCH …/reputation/frequency`: only once approved.
    pub fn patch_frequency(&mut self, id: &str, body: &Value, context: Context<'_>) -> Outcome {
        self.require_terms()?;
        let record = self.settings(id)?;
        // A body that is not an object, or has no string `check_frequency`, is refused
        // below with 422 (`""` is no frequency).
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
        // A body that is not an object, or has no string `loa_document_id`, is refused
        // below with 422 (`""` is no document's id).
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::tests::{
        EXTERNAL, NOW, agreed_with_acme, context, enabled_acme, invalid, with_external_number,
    };
    use super::super::{Body, Reply, Rules, Upload};
    use super::*;
    use crate::sandbox::state::Billing;

    /// The settings of an enterprise enabled at `NOW` with `document_id`.
    fn settings(id: &str, document_id: &str, status: &str, loa_status: &str) -> ReputationSettings {
        ReputationSettings {
            enterprise_id: id.to_owned(),
            status: status.to_owned(),
            loa_document_id: Some(document_id.to_owned()),
            loa_status: loa_status.to_owned(),
            check_frequency: "business_daily".to_owned(),
            rejection_reasons: None,
            external_verification_status: None,
            created_at: "2026-01-01T00:00:00Z".to_owned(),
            updated_at: "2026-01-01T00:00:00Z".to_owned(),
        }
    }

    fn reply(status: u16, settings: &ReputationSettings) -> Outcome {
        Ok(Reply {
            status,
            body: Some(Body::Value(json!({ "data": settings }))),
        })
    }

    #[test]
    fn enable_is_billed_and_vetting_settles_on_schedule() {
        let rules = Rules {
            approve_after_ms: 1_000,
            ..Rules::default()
        };
        let mut world = World::default();
        let (id, document_id) = agreed_with_acme(&mut world, &rules);
        let body = json!({ "loa_document_id": document_id, "check_frequency": "weekly" });
        let mut pending = settings(&id, &document_id, "pending", "pending");
        pending.check_frequency = "weekly".to_owned();
        assert_eq!(
            world.enable(&id, &body, context(&rules)),
            reply(201, &pending)
        );
        assert_eq!(
            (
                world.billing,
                world.enterprises[0].number_reputation_enabled
            ),
            (
                Billing {
                    enable: 1,
                    ..Billing::default()
                },
                true
            )
        );
        let mut approved = pending.clone();
        approved.status = "approved".to_owned();
        approved.loa_status = "approved".to_owned();
        approved.updated_at = "2026-01-01T00:00:01Z".to_owned();
        for (now_ms, expected) in [(NOW + 999, &pending), (NOW + 1_000, &approved)] {
            world.settle(Context {
                now_ms,
                rules: &rules,
            });
            assert_eq!(world.get_reputation(&id), reply(200, expected));
        }
    }

    #[test]
    fn vetting_of_a_rejected_legal_name_carries_reasons() {
        let rules = Rules {
            reject: vec!["Acme Corp".to_owned()],
            ..Rules::default()
        };
        let mut world = World::default();
        let id = enabled_acme(&mut world, &rules);
        let document_id = world.documents[0].document.id.clone();
        let mut expected = settings(&id, &document_id, "rejected", "approved");
        expected.rejection_reasons = Some(vec![
            "The business could not be verified from the details provided".to_owned(),
            "The Letter of Authorization does not match the enterprise".to_owned(),
        ]);
        assert_eq!(world.get_reputation(&id), reply(200, &expected));
    }

    #[test]
    fn enable_refuses() {
        #[track_caller]
        fn case(enable_first: bool, id: Option<&str>, body: Value, expected: Problem) {
            let rules = Rules::default();
            let mut world = World::default();
            let (acme, document_id) = agreed_with_acme(&mut world, &rules);
            if enable_first {
                let body = json!({ "loa_document_id": document_id });
                world.enable(&acme, &body, context(&rules)).unwrap();
            }
            let before = world.clone();
            let id = id.unwrap_or(&acme);
            assert_eq!(world.enable(id, &body, context(&rules)), Err(expected));
            assert_eq!(world, before);
        }
        let unprocessable = |errors| Problem {
            status: 422,
            errors,
        };
        let no_document = |id: &str| {
            invalid(
                "Invalid LOA document",
                &format!("no document `{id}`: upload the LOA with POST /documents first"),
                "/loa_document_id",
            )
        };
        case(
            false,
            None,
            json!({ "colour": "blue", "loa_document_id": "nope", "check_frequency": "hourly" }),
            unprocessable(vec![
                invalid("Unknown field", "`colour` is not allowed", "/colour"),
                no_document("nope"),
                invalid(
                    "Invalid value",
                    "`\"hourly\"` is not a check_frequency",
                    "/check_frequency",
                ),
            ]),
        );
        case(
            false,
            None,
            json!(null),
            unprocessable(vec![no_document("")]),
        );
        case(
            true,
            None,
            json!({}),
            problem(
                400,
                "10015",
                "Already enabled",
                "Number Reputation is already enabled for this enterprise",
            ),
        );
        case(false, Some("nope"), json!({}), not_found("Enterprise"));
    }

    #[test]
    fn disable_removes_the_settings_and_every_number() {
        let rules = Rules::default();
        let mut world = World::default();
        let id = enabled_acme(&mut world, &rules);
        world.add_inventory(
            &[("+12025551234".to_owned(), "local".to_owned())],
            context(&rules),
        );
        let numbers = json!({ "phone_numbers": ["+12025551234"] });
        world.add_numbers(&id, &numbers, context(&rules)).unwrap();
        let mut expected = world.clone();
        expected.reputation.clear();
        expected.numbers.remove_enterprise(&id);
        expected.enterprises[0].number_reputation_enabled = false;
        assert_eq!(
            world.disable(&id),
            Ok(Reply {
                status: 204,
                body: None
            })
        );
        assert_eq!(world, expected);
        let gone = Err(not_found("Reputation settings"));
        assert_eq!(
            (world.disable(&id), world.get_reputation(&id)),
            (gone.clone(), gone)
        );
        assert_eq!(world.disable("nope"), Err(not_found("Enterprise")));
    }

    #[test]
    fn disable_drops_the_ownership_proof_the_tracking_and_the_webhook() {
        let rules = Rules::default();
        let mut world = World::default();
        let id = with_external_number(&mut world, &rules);
        let flag = json!({ "phone_number": EXTERNAL, "ownership_status": "pending_confirmation" });
        world.control_ownership(&flag, context(&rules)).unwrap();
        let url = json!({ "webhook_url": "https://hooks.example.com/" });
        world.patch_webhook(&id, &url).unwrap();
        let kept = |world: &World| {
            (
                world.external_verifications.len(),
                world.ownership.len(),
                world.webhooks.len(),
            )
        };
        assert_eq!(kept(&world), (1, 1, 1));
        world.disable(&id).unwrap();
        assert_eq!(kept(&world), (0, 0, 0));
        let document_id = world.documents[0].document.id.clone();
        let enabled = world
            .enable(
                &id,
                &json!({ "loa_document_id": document_id }),
                context(&rules),
            )
            .unwrap();
        assert_eq!(
            enabled.json()["data"]["external_verification_status"],
            Value::Null
        );
    }

    #[test]
    fn frequency_changes_only_once_approved() {
        #[track_caller]
        fn case(status: &str, body: Value, expected: Result<&str, Problem>) {
            let rules = Rules::default();
            let mut world = World::default();
            let id = enabled_acme(&mut world, &rules);
            let record = world.reputation.get_mut(&id).unwrap();
            record.settings.status = status.to_owned();
            let mut settings = record.settings.clone();
            let before = world.clone();
            let later = Context {
                now_ms: NOW + 1_000,
                rules: &rules,
            };
            let outcome = world.patch_frequency(&id, &body, later);
            match expected {
                Ok(check_frequency) => {
                    settings.check_frequency = check_frequency.to_owned();
                    settings.updated_at = "2026-01-01T00:00:01Z".to_owned();
                    assert_eq!(outcome, reply(200, &settings));
                    assert_eq!(world.reputation[&id].settings, settings);
                }
                Err(problem) => {
                    assert_eq!(outcome, Err(problem));
                    assert_eq!(world, before);
                }
            }
        }
        let bad = || Problem {
            status: 422,
            errors: vec![invalid(
                "Invalid value",
                "`check_frequency` must be one of business_daily, daily, weekly, biweekly, monthly, never",
                "/check_frequency",
            )],
        };
        let not_approved = |status: &str| {
            problem(
                400,
                "10015",
                "Not approved",
                format!(
                    "the frequency can be changed once vetting is approved; status is `{status}`"
                ),
            )
        };
        case(
            "approved",
            json!({ "check_frequency": "monthly" }),
            Ok("monthly"),
        );
        case(
            "approved",
            json!({ "check_frequency": "never" }),
            Ok("never"),
        );
        case(
            "pending",
            json!({ "check_frequency": "monthly" }),
            Err(not_approved("pending")),
        );
        case(
            "rejected",
            json!({ "check_frequency": "monthly" }),
            Err(not_approved("rejected")),
        );
        case(
            "pending",
            json!({ "check_frequency": "hourly" }),
            Err(bad()),
        );
        case(
            "approved",
            json!({ "check_frequency": "daily", "colour": "blue" }),
            Err(bad()),
        );
        case("approved", json!({}), Err(bad()));
    }

    #[test]
    fn the_loa_changes_only_while_pending_or_rejected() {
        #[track_caller]
        fn case(loa_status: &str, document: Option<&str>, expected: Option<Problem>) {
            let rules = Rules {
                approve_after_ms: 1_000,
                ..Rules::default()
            };
            let mut world = World::default();
            let id = enabled_acme(&mut world, &rules);
            let upload = Upload {
                filename: "loa-2.pdf".to_owned(),
                content: b"%PDF-1.4 signed again".to_vec(),
                customer_reference: None,
                parts: Vec::new(),
            };
            world.create_document(upload, context(&rules)).unwrap();
            let document_id =
                document.map_or_else(|| world.documents[1].document.id.clone(), str::to_owned);
            let record = world.reputation.get_mut(&id).unwrap();
            record.settings.status = "approved".to_owned();
            record.settings.loa_status = loa_status.to_owned();
            record.vetting_due_ms = None;
            record.loa_due_ms = None;
            let before = world.clone();
            let later = Context {
                now_ms: NOW + 2_000,
                rules: &rules,
            };
            let outcome = world.patch_loa(&id, &json!({ "loa_document_id": document_id }), later);
            match expected {
                None => {
                    let mut expected = before.clone();
                    let record = expected.reputation.get_mut(&id).unwrap();
                    record.settings.loa_document_id = Some(document_id);
                    record.settings.loa_status = "pending".to_owned();
                    record.settings.updated_at = "2026-01-01T00:00:02Z".to_owned();
                    record.loa_due_ms = Some(NOW + 3_000);
                    assert_eq!(outcome, reply(200, &record.settings));
                    assert_eq!(world, expected);
                }
                Some(problem) => {
                    assert_eq!(outcome, Err(problem));
                    assert_eq!(world, before);
                }
            }
        }
        let approved = problem(
            400,
            "10015",
            "LOA already approved",
            "The authorization document cannot be changed after it has been approved.",
        );
        let no_document = Problem {
            status: 422,
            errors: vec![invalid(
                "Invalid LOA document",
                "no document `nope`",
                "/loa_document_id",
            )],
        };
        case("pending", None, None);
        case("rejected", None, None);
        case("approved", None, Some(approved));
        case("rejected", Some("nope"), Some(no_document));
    }
}
