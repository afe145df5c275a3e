//! The ownership proof for numbers hosted elsewhere (`…/reputation/external_verification`):
//! submission while none, pending or rejected (it replaces the documents and restarts the
//! review), the lookup, and the review on the sandbox's schedule (`--approve-after`,
//! `--reject-external`), mirrored into the settings' `external_verification_status`.
//! Uses the shared builders of `rules`, `terms`' gate and `reputation`'s lookup.

use serde_json::{Map, Value};

use super::{Context, Outcome, Problem, at_pointer, data, entry, not_found, problem, timestamp};
use crate::sandbox::state::{ExternalReview, World};
use crate::telnyx::wire::{ErrorEntry, ExternalVerification};

/// The reason a rejected proof carries.
pub const EXTERNAL_REJECTION: &str =
    "The documents do not show the enterprise as the holder of the numbers";

impl World {
    /// `POST …/reputation/external_verification`: 201 with the proof (`pending` until its
    /// review); 404 without settings, 422 for a bad body or unknown document, 400 once
    /// approved.
    pub fn submit_external_verification(
        &mut self,
        id: &str,
        body: &Value,
        context: Context<'_>,
    ) -> Outcome {
        self.require_terms()?;
        self.settings(id)?;
        let (document_ids, phone_numbers) = self.external_body(body)?;
        let existing = self.external_verifications.get(id);
        if existing.is_some_and(|review| review.verification.status == "approved") {
            return Err(problem(
                400,
                "10015",
                "External verification already approved",
                "The ownership proof cannot be changed after it has been approved.",
            ));
        }
        let now = timestamp(context.now_ms);
        let created_at = existing.map_or_else(
            || now.clone(),
            |review| review.verification.created_at.clone(),
        );
        let verification = ExternalVerification {
            enterprise_id: id.to_owned(),
            status: "pending".to_owned(),
            document_ids,
            phone_numbers,
            rejection_reason: None,
            reviewed_at: None,
            created_at,
            updated_at: now.clone(),
        };
        self.external_verifications.insert(
            id.to_owned(),
            ExternalReview {
                verification,
                due_ms: Some(
                    context
                        .now_ms
                        .saturating_add(context.rules.approve_after_ms),
                ),
            },
        );
        if let Some(record) = self.reputation.get_mut(id) {
            record.settings.external_verification_status = Some("pending".to_owned());
            record.settings.updated_at = now;
        }
        self.settle(context);
        let verification = self
            .external_verifications
            .get(id)
            .map(|review| review.verification.clone());
        data(201, &verification)
    }

    /// `GET …/reputation/external_verification`: 404 until a first submission.
    pub fn get_external_verification(&self, id: &str) -> Outcome {
        self.require_terms()?;
        self.settings(id)?;
        match self.external_verifications.get(id) {
            Some(review) => data(200, &review.verification),
            None => Err(not_found("External verification")),
        }
    }

    /// The proof's status (`pending`, `approved`, `rejected`), `None` before a submission.
    pub(super) fn external_status(&self, id: &str) -> Option<&str> {
        self.external_verifications
            .get(id)
            .map(|review| review.verification.status.as_str())
    }

    /// Reviews proofs whose time has come: approved, or rejected with a reason for the
    /// `--reject-external` legal names; the review time is the due time.
    pub(super) fn settle_external(&mut self, context: Context<'_>) {
        for (id, review) in &mut self.external_verifications {
            let Some(due) = review.due_ms.filter(|due| *due <= context.now_ms) else {
                continue;
            };
            review.due_ms = None;
            let verification = &mut review.verification;
            // Asked only of a review that ends: `settle` runs before every request.
            let rejected = self.enterprises.iter().any(|enterprise| {
                enterprise.id == *id
                    && context
                        .rules
                        .reject_external
                        .contains(&enterprise.legal_name)
            });
            if rejected {
                verification.status = "rejected".to_owned();
                verification.rejection_reason = Some(EXTERNAL_REJECTION.to_owned());
            } else {
                verification.status = "approved".to_owned();
            }
            verification.reviewed_at = Some(timestamp(due));
            verification.updated_at = timestamp(due);
            if let Some(record) = self.reputation.get_mut(id) {
                record.settings.external_verification_status = Some(verification.status.clone());
                record.settings.updated_at = timestamp(due);
            }
        }
    }

    /// The submission's document ids (each uploaded) and hinted numbers, or a 422 with one
    /// entry per problem.
    fn external_body(&self, body: &Value) -> Result<(Vec<String>, Vec<String>), Problem> {
        let Some(object) = body.as_object() else {
            return Err(unprocessable(vec![at_pointer(
                entry("10015", "Invalid request body", "expected a JSON object"),
                "",
            )]));
        };
        let mut errors: Vec<ErrorEntry> = object
            .keys()
            .filter(|name| !matches!(name.as_str(), "document_ids" | "phone_numbers"))
            .map(|name| {
                at_pointer(
                    entry("10015", "Unknown field", format!("`{name}` is not allowed")),
                    &format!("/{name}"),
                )
            })
            .collect();
        let document_ids = self.document_ids(object, &mut errors);
        let phone_numbers = hinted_numbers(object, &mut errors);
        if errors.is_empty() {
            Ok((document_ids, phone_numbers))
        } else {
            Err(unprocessable(errors))
        }
    }

    /// `document_ids`: at least one id of an uploaded document.
    fn document_ids(
        &self,
        object: &Map<String, Value>,
        errors: &mut Vec<ErrorEntry>,
    ) -> Vec<String> {
        let invalid = |detail: String, pointer: &str| {
            at_pointer(entry("10015", "Invalid request body", detail), pointer)
        };
        let list = match object.get("document_ids").and_then(Value::as_array) {
            Some(list) if !list.is_empty() => list,
            _ => {
                errors.push(invalid(
                    "`document_ids` is required: a list of at least one uploaded document id"
                        .to_owned(),
                    "/document_ids",
                ));
                return Vec::new();
            }
        };
        let mut ids = Vec::with_capacity(list.len());
        for (index, value) in list.iter().enumerate() {
            let pointer = format!("/document_ids/{index}");
            let Some(id) = value.as_str() else {
                errors.push(invalid(
                    "each document id must be a string".to_owned(),
                    &pointer,
                ));
                continue;
            };
            if !self.documents.iter().any(|stored| stored.document.id == id) {
                errors.push(at_pointer(
                    entry(
                        "10015",
                        "Invalid document",
                        format!("no document `{id}`: upload the proof with POST /documents first"),
                    ),
                    &pointer,
                ));
            }
            ids.push(id.to_owned());
        }
        ids
    }
}

/// Area codes of NANP toll-free numbers, which cannot be added from outside the inventory.
const TOLL_FREE_NPAS: &[&str] = &["800", "833", "844", "855", "866", "877", "888"];

/// Why a number hosted elsewhere (a `+1` and ten digits, not in the inventory) cannot be
/// added: it must be a US local number, and the enterprise's proof must be `approved`.
pub(super) fn external_problem(number: &str, status: Option<&str>) -> Option<String> {
    // A number too short for an area code has none: empty matches no toll-free code.
    let npa = number.get(2..5).unwrap_or_default();
    if TOLL_FREE_NPAS.contains(&npa) {
        return Some(format!(
            "`{number}` is a toll-free number hosted elsewhere: only US local numbers can be added from outside the inventory"
        ));
    }
    if let Some(problem) = not_us_local(number) {
        return Some(problem);
    }
    match status {
        Some("approved") => None,
        None => Some(format!(
            "`{number}` is not in this account's inventory, and numbers hosted elsewhere need an approved external verification: none was submitted"
        )),
        Some(status) => Some(format!(
            "`{number}` is not in this account's inventory, and numbers hosted elsewhere need an approved external verification: it is `{status}`"
        )),
    }
}

/// What libphonenumber says against a number hosted elsewhere: another region, or a US type
/// other than local. A number it does not know is given the benefit of the doubt, as the
/// inventory's country is.
fn not_us_local(number: &str) -> Option<String> {
    use phonenumber::Type;
    use phonenumber::metadata::DATABASE;
    let parsed = phonenumber::parse(None, number).ok()?;
    if !phonenumber::is_valid(&parsed) {
        return None;
    }
    let region = parsed.country().id().map(|id| id.as_ref().to_owned());
    if region.as_deref() != Some("US") {
        return Some(format!(
            "`{number}` is a number of `{}`, not `US`",
            region.as_deref().unwrap_or("??")
        ));
    }
    match parsed.number_type(&DATABASE) {
        Type::FixedLine | Type::Mobile | Type::FixedLineOrMobile => None,
        _ => Some(format!(
            "`{number}` is not a US local number: only US local numbers can be added from outside the inventory"
        )),
    }
}

/// `phone_numbers` (optional, may be null): E.164 numbers the reviewer is pointed at.
fn hinted_numbers(object: &Map<String, Value>, errors: &mut Vec<ErrorEntry>) -> Vec<String> {
    let invalid = |detail: String, pointer: &str| {
        at_pointer(entry("10015", "Invalid request body", detail), pointer)
    };
    let list = match object.get("phone_numbers") {
        None | Some(Value::Null) => return Vec::new(),
        Some(Value::Array(list)) => list,
        Some(_) => {
            errors.push(invalid(
                "`phone_numbers` must be a list of E.164 numbers".to_owned(),
                "/phone_numbers",
            ));
            return Vec::new();
        }
    };
    let mut numbers = Vec::with_capacity(list.len());
    for (index, value) in list.iter().enumerate() {
        match value.as_str().filter(|text| is_e164(text)) {
            Some(number) => numbers.push(number.to_owned()),
            None => errors.push(invalid(
                format!("`{value}` is not an E.164 number"),
                &format!("/phone_numbers/{index}"),
            )),
        }
    }
    numbers
}

/// `+`, a non-zero digit, then 9 to 14 digits.
fn is_e164(text: &str) -> bool {
    let Some(digits) = text.strip_prefix('+') else {
        return false;
    };
    (10..=15).contains(&digits.len())
        && !digits.starts_with('0')
        && digits.bytes().all(|byte| byte.is_ascii_digit())
}

fn unprocessable(errors: Vec<ErrorEntry>) -> Problem {
    Problem {
        status: 422,
        errors,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::tests::{NOW, agreed_with_acme, context, enabled_acme, invalid, upload};
    use super::super::{Body, Reply, Rules};
    use super::*;

    fn reply(status: u16, verification: &ExternalVerification) -> Outcome {
        Ok(Reply {
            status,
            body: Some(Body::Value(json!({ "data": verification }))),
        })
    }

    fn at(ms: i64, rules: &Rules) -> Context<'_> {
        Context { now_ms: ms, rules }
    }

    /// A proof of Acme submitted at `NOW` with `document_ids`, still pending.
    fn pending(id: &str, document_ids: &[&str]) -> ExternalVerification {
        ExternalVerification {
            enterprise_id: id.to_owned(),
            status: "pending".to_owned(),
            document_ids: document_ids.iter().map(|id| (*id).to_owned()).collect(),
            phone_numbers: Vec::new(),
            rejection_reason: None,
            reviewed_at: None,
            created_at: "2026-01-01T00:00:00Z".to_owned(),
            updated_at: "2026-01-01T00:00:00Z".to_owned(),
        }
    }

    #[test]
    fn a_proof_is_pending_until_its_review_then_approved_and_locked() {
        let rules = Rules {
            approve_after_ms: 1_000,
            ..Rules::default()
        };
        let mut world = World::default();
        let id = enabled_acme(&mut world, &rules);
        let proof = upload(&mut world, &rules, "invoice.pdf");
        let status = |world: &World| {
            world.reputation[&id]
                .settings
                .external_verification_status
                .clone()
        };
        assert_eq!(status(&world), None);
        let body = json!({ "document_ids": [proof], "phone_numbers": ["+13125550100"] });
        let mut expected = pending(&id, &[&proof]);
        expected.phone_numbers = vec!["+13125550100".to_owned()];
        assert_eq!(
            world.submit_external_verification(&id, &body, context(&rules)),
            reply(201, &expected)
        );
        assert_eq!(world.get_external_verification(&id), reply(200, &expected));
        assert_eq!(status(&world).as_deref(), Some("pending"));
        world.settle(at(NOW + 999, &rules));
        assert_eq!(world.get_external_verification(&id), reply(200, &expected));
        world.settle(at(NOW + 5_000, &rules));
        expected.status = "approved".to_owned();
        expected.reviewed_at = Some("2026-01-01T00:00:01Z".to_owned());
        expected.updated_at = "2026-01-01T00:00:01Z".to_owned();
        assert_eq!(world.get_external_verification(&id), reply(200, &expected));
        assert_eq!(status(&world).as_deref(), Some("approved"));
        let before = world.clone();
        assert_eq!(
            world.submit_external_verification(&id, &body, at(NOW + 6_000, &rules)),
            Err(problem(
                400,
                "10015",
                "External verification already approved",
                "The ownership proof cannot be changed after it has been approved.",
            ))
        );
        assert_eq!(world, before);
    }

    #[test]
    fn a_rejected_proof_carries_its_reason_and_may_be_resubmitted() {
        let rules = Rules {
            approve_after_ms: 1_000,
            reject_external: vec!["Acme Corp".to_owned()],
            ..Rules::default()
        };
        let mut world = World::default();
        let id = enabled_acme(&mut world, &rules);
        let first = upload(&mut world, &rules, "invoice.pdf");
        let second = upload(&mut world, &rules, "statement.pdf");
        world
            .submit_external_verification(&id, &json!({ "document_ids": [first] }), context(&rules))
            .unwrap();
        world.settle(at(NOW + 1_000, &rules));
        let mut expected = pending(&id, &[&first]);
        expected.status = "rejected".to_owned();
        expected.rejection_reason = Some(EXTERNAL_REJECTION.to_owned());
        expected.reviewed_at = Some("2026-01-01T00:00:01Z".to_owned());
        expected.updated_at = "2026-01-01T00:00:01Z".to_owned();
        assert_eq!(world.get_external_verification(&id), reply(200, &expected));
        let body = json!({ "document_ids": [second, first], "phone_numbers": null });
        let mut again = pending(&id, &[&second, &first]);
        again.updated_at = "2026-01-01T00:00:02Z".to_owned();
        assert_eq!(
            world.submit_external_verification(&id, &body, at(NOW + 2_000, &rules)),
            reply(201, &again)
        );
        assert_eq!(
            world.reputation[&id]
                .settings
                .external_verification_status
                .as_deref(),
            Some("pending")
        );
        assert_eq!(world.external_verifications[&id].due_ms, Some(NOW + 3_000));
    }

    #[test]
    fn submission_refuses_bad_bodies() {
        #[track_caller]
        fn case(body: Value, errors: Vec<ErrorEntry>) {
            let rules = Rules::default();
            let mut world = World::default();
            let id = enabled_acme(&mut world, &rules);
            let before = world.clone();
            assert_eq!(
                world.submit_external_verification(&id, &body, context(&rules)),
                Err(Problem {
                    status: 422,
                    errors
                })
            );
            assert_eq!(world, before);
        }
        let required = || {
            invalid(
                "Invalid request body",
                "`document_ids` is required: a list of at least one uploaded document id",
                "/document_ids",
            )
        };
        case(
            json!([]),
            vec![invalid(
                "Invalid request body",
                "expected a JSON object",
                "",
            )],
        );
        case(json!({}), vec![required()]);
        case(json!({ "document_ids": [] }), vec![required()]);
        case(json!({ "document_ids": "nope" }), vec![required()]);
        case(
            json!({ "document_ids": [7, "nope"], "colour": "blue", "phone_numbers": ["2025551234", "+12025551234"] }),
            vec![
                invalid("Unknown field", "`colour` is not allowed", "/colour"),
                invalid(
                    "Invalid request body",
                    "each document id must be a string",
                    "/document_ids/0",
                ),
                invalid(
                    "Invalid document",
                    "no document `nope`: upload the proof with POST /documents first",
                    "/document_ids/1",
                ),
                invalid(
                    "Invalid request body",
                    "`\"2025551234\"` is not an E.164 number",
                    "/phone_numbers/0",
                ),
            ],
        );
        case(
            json!({ "document_ids": ["nope"], "phone_numbers": "+12025551234" }),
            vec![
                invalid(
                    "Invalid document",
                    "no document `nope`: upload the proof with POST /documents first",
                    "/document_ids/0",
                ),
                invalid(
                    "Invalid request body",
                    "`phone_numbers` must be a list of E.164 numbers",
                    "/phone_numbers",
                ),
            ],
        );
    }

    #[test]
    fn a_proof_needs_settings_and_is_404_until_submitted() {
        let rules = Rules::default();
        let mut world = World::default();
        let (id, document_id) = agreed_with_acme(&mut world, &rules);
        let body = json!({ "document_ids": [document_id] });
        assert_eq!(
            world.submit_external_verification(&id, &body, context(&rules)),
            Err(not_found("Reputation settings"))
        );
        assert_eq!(
            world.submit_external_verification("nope", &body, context(&rules)),
            Err(not_found("Enterprise"))
        );
        assert_eq!(
            world.get_external_verification(&id),
            Err(not_found("Reputation settings"))
        );
        world
            .enable(
                &id,
                &json!({ "loa_document_id": document_id }),
                context(&rules),
            )
            .unwrap();
        assert_eq!(
            world.get_external_verification(&id),
            Err(not_found("External verification"))
        );
    }

    #[test]
    fn numbers_hosted_elsewhere_are_us_local_numbers_under_an_approved_proof() {
        #[track_caller]
        fn case(number: &str, status: Option<&str>, expected: Option<&str>) {
            assert_eq!(
                external_problem(number, status).as_deref(),
                expected,
                "{number}"
            );
        }
        let toll_free = |number: &str| {
            format!(
                "`{number}` is a toll-free number hosted elsewhere: only US local numbers can be added from outside the inventory"
            )
        };
        for npa in TOLL_FREE_NPAS {
            let number = format!("+1{npa}5550100");
            case(&number, Some("approved"), Some(&toll_free(&number)));
        }
        case("+12025551234", Some("approved"), None);
        case("+13125550100", Some("approved"), None);
        case(
            "+14165550123",
            Some("approved"),
            Some("`+14165550123` is a number of `CA`, not `US`"),
        );
        case(
            "+19005551234",
            Some("approved"),
            Some(
                "`+19005551234` is not a US local number: only US local numbers can be added from outside the inventory",
            ),
        );
        case(
            "+12025551234",
            None,
            Some(
                "`+12025551234` is not in this account's inventory, and numbers hosted elsewhere need an approved external verification: none was submitted",
            ),
        );
        case(
            "+12025551234",
            Some("rejected"),
            Some(
                "`+12025551234` is not in this account's inventory, and numbers hosted elsewhere need an approved external verification: it is `rejected`",
            ),
        );
    }

    #[test]
    fn e164() {
        #[track_caller]
        fn case(text: &str, expected: bool) {
            assert_eq!(is_e164(text), expected, "{text}");
        }
        case("+12025551234", true);
        case("+442071234567", true);
        case("+123456789", false);
        case("+1234567890123456", false);
        case("+02025551234", false);
        case("12025551234", false);
        case("+1202555123x", false);
    }
}
