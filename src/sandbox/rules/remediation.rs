//! Remediation requests (`…/reputation/remediation`): submitted numbers go `pending`, then
//! `in_progress` halfway through `--approve-after`, then `completed` with one bucket per
//! number decided from its `spam_risk` when it was submitted (high → `remediated`, medium →
//! `requires_review`, low → `not_flagged`, no data → `ineligible`). Billed per number
//! submitted (ineligible ones are not). `POST /_sandbox/remediation` can fail or cancel
//! one, which the simulator never does by itself.

use std::collections::HashSet;

use serde_json::Value;

use super::ownership::is_monitored;
use super::{Context, Outcome, Problem, Query, data, invalid_body, not_found, problem, timestamp};
use crate::sandbox::state::{StoredRemediation, World};
use crate::telnyx::remediation::{
    MAX_NUMBERS, RemediationCreate, RemediationRequest, RemediationResults,
};

impl World {
    /// `POST …/remediation`: 202 with the request `pending`; 403 without the terms, 404
    /// without the enterprise or its settings, 400 until vetting and the LOA are approved,
    /// 422 for a bad body or a number this enterprise does not monitor, 409 for a number
    /// already in a request under way.
    pub fn create_remediation(&mut self, id: &str, body: &Value, context: Context<'_>) -> Outcome {
        self.require_terms()?;
        let settings = &self.settings(id)?.settings;
        if settings.status != "approved" || settings.loa_status != "approved" {
            return Err(problem(
                400,
                "10015",
                "Reputation not approved",
                format!(
                    "remediation needs approved vetting and LOA; status is `{}`, loa_status `{}`",
                    settings.status, settings.loa_status
                ),
            ));
        }
        let create = remediation_body(body)?;
        let busy = self.in_flight(id, context.now_ms);
        let mut results = RemediationResults::default();
        for (index, number) in create.phone_numbers.iter().enumerate() {
            let record = self
                .numbers
                .get_in(id, number)
                .filter(|record| is_monitored(record));
            let Some(record) = record else {
                return Err(invalid_body(
                    format!("`{number}` is not monitored by this enterprise"),
                    &format!("/phone_numbers/{index}"),
                ));
            };
            if busy.contains(number.as_str()) {
                return Err(problem(
                    409,
                    "10015",
                    "Remediation already in progress",
                    format!("`{number}` is in a remediation request that has not finished"),
                ));
            }
            let risk = record
                .reputation_data
                .as_ref()
                .and_then(|data| data.spam_risk.as_deref());
            let bucket = match risk {
                Some("high") => &mut results.remediated,
                Some("low") => &mut results.not_flagged,
                Some(_) => &mut results.requires_review,
                None => &mut results.ineligible,
            };
            bucket.push(number.clone());
        }
        let count = create.phone_numbers.len() as u64;
        let ineligible = results.ineligible.len() as u64;
        let now = timestamp(context.now_ms);
        let request = RemediationRequest {
            id: self.remediation_id(context.rules.seed, id, &create.phone_numbers),
            status: "pending".to_owned(),
            call_purpose: create.call_purpose,
            phone_numbers_count: count,
            phone_numbers_submitted: count - ineligible,
            phone_numbers_ineligible: ineligible,
            contact_email: create.contact_email,
            webhook_url: create.webhook_url,
            tier1_completed_at: None,
            tier2_completed_at: None,
            results: None,
            created_at: now.clone(),
            updated_at: now,
        };
        self.billing.remediations += count - ineligible;
        self.remediations.push(StoredRemediation {
            enterprise_id: id.to_owned(),
            request: request.clone(),
            results,
            created_ms: context.now_ms,
            due_ms: context.now_ms + context.rules.approve_after_ms.max(0),
            ended: None,
        });
        data(202, &request)
    }

    /// A new request's id, named by its enterprise and its numbers (another request of the
    /// same numbers gets the next id of that name).
    fn remediation_id(&mut self, seed: u64, enterprise_id: &str, numbers: &[String]) -> String {
        let scope = format!("remediation/{enterprise_id}/{}", numbers.join(","));
        self.next_id(seed, &scope, |world, id| {
            world
                .remediations
                .iter()
                .any(|stored| stored.request.id == id)
        })
    }

    /// `GET …/remediation/{request}`: 200 with where it stands now; 404 for an unknown
    /// request or one of another enterprise.
    pub fn get_remediation(&self, id: &str, request: &str, context: Context<'_>) -> Outcome {
        self.require_terms()?;
        self.enterprise(id).ok_or_else(|| not_found("Enterprise"))?;
        let stored = self
            .remediations
            .iter()
            .find(|stored| stored.enterprise_id == id && stored.request.id == request)
            .ok_or_else(|| not_found("Remediation request"))?;
        data(200, &view(stored, context.now_ms))
    }

    /// `GET …/remediation`: the enterprise's requests, newest first, 20 a page by default;
    /// `filter[status]` and `filter[created_at][gte|lte]` (RFC 3339); slim items.
    pub fn list_remediations(&self, id: &str, query: &Query, context: Context<'_>) -> Outcome {
        self.require_terms()?;
        self.enterprise(id).ok_or_else(|| not_found("Enterprise"))?;
        let bound = |name: &str| -> Result<Option<jiff::Timestamp>, Problem> {
            query
                .get(name)
                .map(|text| {
                    text.parse::<jiff::Timestamp>().map_err(|_| {
                        problem(
                            400,
                            "10015",
                            "Invalid parameter",
                            format!("`{name}` must be an RFC 3339 time, got `{text}`"),
                        )
                    })
                })
                .transpose()
        };
        let (since, until) = (
            bound("filter[created_at][gte]")?,
            bound("filter[created_at][lte]")?,
        );
        let status = query.get("filter[status]");
        let items: Vec<Value> = self
            .remediations
            .iter()
            .rev()
            .filter(|stored| stored.enterprise_id == id)
            .filter(|stored| {
                let created = jiff::Timestamp::from_millisecond(stored.created_ms).ok();
                since.is_none_or(|since| created.is_some_and(|created| created >= since))
                    && until.is_none_or(|until| created.is_some_and(|created| created <= until))
            })
            .map(|stored| view(stored, context.now_ms))
            .filter(|request| status.is_none_or(|wanted| request.status == wanted))
            .map(|request| {
                serde_json::json!({
                    "id": request.id, "status": request.status,
                    "call_purpose": request.call_purpose,
                    "phone_numbers_count": request.phone_numbers_count,
                    "created_at": request.created_at, "updated_at": request.updated_at,
                })
            })
            .collect();
        super::paginate(&items, query, 20)
    }

    /// `POST /_sandbox/remediation` `{"id", "status": "failed" | "cancelled"}`: ends a
    /// request that has not completed; 200 with it, 404 for an unknown id, 422 otherwise.
    pub fn control_remediation(&mut self, body: &Value, context: Context<'_>) -> Outcome {
        let text = |name: &str| body.get(name).and_then(Value::as_str);
        let id = text("id").ok_or_else(|| invalid_body("`id` is required".to_owned(), "/id"))?;
        let status = match text("status") {
            Some(status @ ("failed" | "cancelled")) => status.to_owned(),
            _ => {
                return Err(invalid_body(
                    "`status` must be `failed` or `cancelled`".to_owned(),
                    "/status",
                ));
            }
        };
        let stored = self
            .remediations
            .iter_mut()
            .find(|stored| stored.request.id == id)
            .ok_or_else(|| not_found("Remediation request"))?;
        let now = status_at(stored, context.now_ms);
        if matches!(now, "completed" | "failed" | "cancelled") {
            return Err(invalid_body(
                format!("the request is already `{now}`"),
                "/status",
            ));
        }
        stored.ended = Some((status, context.now_ms));
        data(200, &view(stored, context.now_ms))
    }

    /// The numbers in the enterprise's requests that have not finished.
    fn in_flight(&self, id: &str, now_ms: i64) -> HashSet<&str> {
        self.remediations
            .iter()
            .filter(|stored| stored.enterprise_id == id)
            .filter(|stored| matches!(status_at(stored, now_ms), "pending" | "in_progress"))
            .flat_map(stored_numbers)
            .map(String::as_str)
            .collect()
    }
}

/// Every number of a stored request, whatever its bucket.
fn stored_numbers(stored: &StoredRemediation) -> impl Iterator<Item = &String> {
    stored
        .results
        .buckets()
        .into_iter()
        .flat_map(|(_, numbers)| numbers.iter())
}

/// Halfway from submission to the due time: where the first review tier ends.
fn halfway(stored: &StoredRemediation) -> i64 {
    stored.created_ms + (stored.due_ms - stored.created_ms) / 2
}

/// A request's status at `now_ms`: pending, in progress from halfway to its due time,
/// then completed; or as the control endpoint ended it.
fn status_at(stored: &StoredRemediation, now_ms: i64) -> &str {
    match &stored.ended {
        Some((status, _)) => status,
        None if now_ms >= stored.due_ms => "completed",
        None if now_ms >= halfway(stored) && now_ms > stored.created_ms => "in_progress",
        None => "pending",
    }
}

/// A request as the API shows it at `now_ms`: its status, the tiers' times, and the
/// results once completed.
fn view(stored: &StoredRemediation, now_ms: i64) -> RemediationRequest {
    let mut request = stored.request.clone();
    let halfway = halfway(stored);
    request.status = status_at(stored, now_ms).to_owned();
    match (&stored.ended, request.status.as_str()) {
        (Some((_, at)), _) => {
            request.updated_at = timestamp(*at);
            if *at >= halfway && *at > stored.created_ms {
                request.tier1_completed_at = Some(timestamp(halfway));
            }
        }
        (None, "completed") => {
            request.tier1_completed_at = Some(timestamp(halfway));
            request.tier2_completed_at = Some(timestamp(stored.due_ms));
            request.updated_at = timestamp(stored.due_ms);
            request.results = Some(stored.results.clone());
        }
        (None, "in_progress") => {
            request.tier1_completed_at = Some(timestamp(halfway));
            request.updated_at = timestamp(halfway);
        }
        _ => {}
    }
    request
}

/// The body, checked as the API's schema does, each problem at its field.
fn remediation_body(body: &Value) -> Result<RemediationCreate, Problem> {
    if let Some(extra) = body
        .as_object()
        .and_then(|object| object.keys().find(|key| !KEYS.contains(&key.as_str())))
    {
        return Err(invalid_body(
            format!("`{extra}` is not allowed"),
            &format!("/{extra}"),
        ));
    }
    let create: RemediationCreate = serde_json::from_value(body.clone())
        .map_err(|error| invalid_body(format!("{error}"), ""))?;
    let count = create.phone_numbers.len();
    if !(1..=MAX_NUMBERS).contains(&count) {
        return Err(invalid_body(
            format!("`phone_numbers` holds {count} numbers; 1 to {MAX_NUMBERS} are allowed"),
            "/phone_numbers",
        ));
    }
    let mut seen = HashSet::new();
    for (index, number) in create.phone_numbers.iter().enumerate() {
        let pointer = format!("/phone_numbers/{index}");
        if !is_e164(number) {
            return Err(invalid_body(
                format!("`{number}` is not an E.164 number"),
                &pointer,
            ));
        }
        if !seen.insert(number) {
            return Err(invalid_body(
                format!("`{number}` is listed twice"),
                &pointer,
            ));
        }
    }
    let length = create.call_purpose.chars().count();
    if !(1..=2_000).contains(&length) {
        return Err(invalid_body(
            format!("`call_purpose` has {length} characters; 1 to 2,000 are allowed"),
            "/call_purpose",
        ));
    }
    if let Some(email) = &create.contact_email
        && (email.chars().count() > 255 || !email.contains('@'))
    {
        return Err(invalid_body(
            "`contact_email` must be an email address of at most 255 characters".to_owned(),
            "/contact_email",
        ));
    }
    if let Some(url) = &create.webhook_url
        && (url.len() > 2_048 || !url.starts_with("https://"))
    {
        return Err(invalid_body(
            "`webhook_url` must be an https URL of at most 2,048 characters".to_owned(),
            "/webhook_url",
        ));
    }
    Ok(create)
}

/// The body's keys (`additionalProperties: false`).
const KEYS: &[&str] = &[
    "phone_numbers",
    "call_purpose",
    "contact_email",
    "webhook_url",
];

/// `^\+[1-9][0-9]{9,14}$`, the API's pattern.
fn is_e164(text: &str) -> bool {
    let Some(digits) = text.strip_prefix('+') else {
        return false;
    };
    (10..=15).contains(&digits.len())
        && digits.bytes().all(|byte| byte.is_ascii_digit())
        && !digits.starts_with('0')
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::Rules;
    use super::super::tests::{NOW, context, enabled_acme};
    use super::*;

    /// An approved enterprise monitoring four numbers rated high, medium, low and not at
    /// all; reviews take 10 s.
    fn account() -> (World, Rules, String, Vec<String>) {
        let rules = Rules {
            approve_after_ms: 10_000,
            ..Rules::default()
        };
        let mut world = World::default();
        let id = enabled_acme(&mut world, &Rules::default());
        let numbers: Vec<String> = (0..4).map(|index| format!("+1202555010{index}")).collect();
        let inventory: Vec<(String, String)> = numbers
            .iter()
            .map(|number| (number.clone(), "local".to_owned()))
            .collect();
        world.add_inventory(&inventory, context(&rules));
        let reply = world
            .add_numbers(&id, &json!({"phone_numbers": numbers}), context(&rules))
            .unwrap();
        assert_eq!(reply.status, 201);
        for (number, risk) in numbers.iter().zip(["high", "medium", "low"]) {
            let body = json!({"phone_number": number, "reputation_data": {"spam_risk": risk}});
            world.control_reputation(&body, context(&rules)).unwrap();
        }
        (world, rules, id, numbers)
    }

    fn at(rules: &Rules, now_ms: i64) -> Context<'_> {
        Context { now_ms, rules }
    }

    fn submit(world: &mut World, rules: &Rules, id: &str, numbers: &[String]) -> Outcome {
        let body = json!({"phone_numbers": numbers, "call_purpose": "appointment reminders"});
        world.create_remediation(id, &body, context(rules))
    }

    fn status_of(reply: &super::super::Reply) -> (String, Value) {
        let data = &reply.json()["data"];
        (
            data["status"].as_str().unwrap().to_owned(),
            data["results"].clone(),
        )
    }

    #[test]
    fn a_request_goes_pending_in_progress_completed_with_buckets_by_risk() {
        let (mut world, rules, id, numbers) = account();
        let reply = submit(&mut world, &rules, &id, &numbers).unwrap();
        assert_eq!(reply.status, 202);
        let data = &reply.json()["data"];
        assert_eq!(
            (
                &data["status"],
                &data["results"],
                &data["phone_numbers_count"],
                &data["phone_numbers_submitted"],
                &data["phone_numbers_ineligible"]
            ),
            (
                &json!("pending"),
                &Value::Null,
                &json!(4),
                &json!(3),
                &json!(1)
            )
        );
        assert_eq!(
            world.billing.remediations, 3,
            "the ineligible one is not billed"
        );
        let request = data["id"].as_str().unwrap().to_owned();
        let read = |world: &World, now_ms| {
            status_of(
                &world
                    .get_remediation(&id, &request, at(&rules, now_ms))
                    .unwrap(),
            )
        };
        assert_eq!(read(&world, NOW + 4_999).0, "pending");
        assert_eq!(read(&world, NOW + 5_000).0, "in_progress");
        let (status, results) = read(&world, NOW + 10_000);
        assert_eq!(status, "completed");
        assert_eq!(
            results,
            json!({
                "remediated": [numbers[0]], "requires_review": [numbers[1]],
                "not_flagged": [numbers[2]], "ineligible": [numbers[3]], "refused": []
            })
        );
        let other = world.get_remediation("other", &request, context(&rules));
        assert_eq!(other.unwrap_err().status, 404);
    }

    #[test]
    fn a_number_under_way_conflicts_until_its_request_ends() {
        let (mut world, rules, id, numbers) = account();
        submit(&mut world, &rules, &id, &numbers[..1]).unwrap();
        let conflict = submit(&mut world, &rules, &id, &numbers[..2]).unwrap_err();
        assert_eq!(conflict.status, 409);
        assert_eq!(
            world.billing.remediations, 1,
            "a refused request bills nothing"
        );
        // Completed requests no longer hold their numbers.
        let later = Context {
            now_ms: NOW + 10_000,
            rules: &rules,
        };
        let body = json!({"phone_numbers": &numbers[..2], "call_purpose": "reminders"});
        assert_eq!(
            world.create_remediation(&id, &body, later).unwrap().status,
            202
        );
    }

    #[test]
    fn bodies_and_numbers_the_api_refuses() {
        let (mut world, rules, id, numbers) = account();
        let mut case = |body: Value| {
            let problem = world
                .create_remediation(&id, &body, context(&rules))
                .unwrap_err();
            let error = &problem.errors[0];
            (
                problem.status,
                error
                    .source
                    .as_ref()
                    .and_then(|source| source.pointer.clone()),
            )
        };
        let pointer = |text: &str| Some(text.to_owned());
        assert_eq!(
            case(json!({"phone_numbers": [], "call_purpose": "x"})),
            (422, pointer("/body/phone_numbers"))
        );
        assert_eq!(
            case(json!({"phone_numbers": ["2025550100"], "call_purpose": "x"})),
            (422, pointer("/body/phone_numbers/0"))
        );
        assert_eq!(
            case(json!({"phone_numbers": [numbers[0], numbers[0]], "call_purpose": "x"})),
            (422, pointer("/body/phone_numbers/1"))
        );
        assert_eq!(
            case(json!({"phone_numbers": [numbers[0]], "call_purpose": ""})),
            (422, pointer("/body/call_purpose"))
        );
        assert_eq!(
            case(json!({"phone_numbers": [numbers[0]], "call_purpose": "x", "priority": 1})),
            (422, pointer("/body/priority"))
        );
        assert_eq!(
            case(
                json!({"phone_numbers": [numbers[0]], "call_purpose": "x", "contact_email": "ops"})
            ),
            (422, pointer("/body/contact_email"))
        );
        assert_eq!(
            case(
                json!({"phone_numbers": [numbers[0]], "call_purpose": "x", "webhook_url": "http://a"})
            ),
            (422, pointer("/body/webhook_url"))
        );
        assert_eq!(
            case(json!({"phone_numbers": ["+12025550199"], "call_purpose": "x"})),
            (422, pointer("/body/phone_numbers/0"))
        );
        assert_eq!(world.billing.remediations, 0);
        assert!(world.remediations.is_empty());
    }

    #[test]
    fn a_request_needs_the_terms_and_approved_settings() {
        let (mut world, rules, id, numbers) = account();
        world.reputation.get_mut(&id).unwrap().settings.status = "pending".to_owned();
        assert_eq!(
            submit(&mut world, &rules, &id, &numbers)
                .unwrap_err()
                .status,
            400
        );
        assert_eq!(
            submit(&mut world, &rules, "missing", &numbers)
                .unwrap_err()
                .status,
            404
        );
        world.agreements.clear();
        assert_eq!(
            submit(&mut world, &rules, &id, &numbers)
                .unwrap_err()
                .status,
            403
        );
    }

    #[test]
    fn the_control_endpoint_fails_or_cancels_a_request_under_way() {
        let (mut world, rules, id, numbers) = account();
        let reply = submit(&mut world, &rules, &id, &numbers[..1]).unwrap();
        let request = reply.json()["data"]["id"].as_str().unwrap().to_owned();
        let end = |world: &mut World, status: &str, now_ms| {
            world.control_remediation(
                &json!({"id": request, "status": status}),
                at(&rules, now_ms),
            )
        };
        assert_eq!(end(&mut world, "done", NOW).unwrap_err().status, 422);
        let reply = end(&mut world, "failed", NOW + 6_000).unwrap();
        assert_eq!(status_of(&reply), ("failed".to_owned(), Value::Null));
        // It stays failed, and its number is free again.
        let read = world
            .get_remediation(&id, &request, at(&rules, NOW + 20_000))
            .unwrap();
        assert_eq!(status_of(&read).0, "failed");
        assert_eq!(
            end(&mut world, "cancelled", NOW + 7_000)
                .unwrap_err()
                .status,
            422
        );
        assert_eq!(
            submit(&mut world, &rules, &id, &numbers[..1])
                .unwrap()
                .status,
            202
        );
        let unknown =
            world.control_remediation(&json!({"id": "x", "status": "failed"}), context(&rules));
        assert_eq!(unknown.unwrap_err().status, 404);
    }

    #[test]
    fn the_list_filters_by_status_and_time() {
        let (mut world, rules, id, numbers) = account();
        for number in &numbers[..3] {
            submit(&mut world, &rules, &id, std::slice::from_ref(number)).unwrap();
        }
        let list = |world: &World, query: &str| {
            let reply = world
                .list_remediations(&id, &Query::parse(query), context(&rules))
                .unwrap();
            let body = reply.json();
            (
                body["data"].as_array().unwrap().len(),
                body["meta"]["total_results"].clone(),
            )
        };
        assert_eq!(list(&world, ""), (3, json!(3)));
        assert_eq!(
            list(&world, "filter[status]=pending&page[size]=2"),
            (2, json!(3))
        );
        assert_eq!(list(&world, "filter[status]=completed"), (0, json!(0)));
        assert_eq!(
            list(&world, "filter[created_at][gte]=2026-01-02T00:00:00Z"),
            (0, json!(0))
        );
        let bad = world.list_remediations(
            &id,
            &Query::parse("filter[created_at][lte]=yesterday"),
            context(&rules),
        );
        assert_eq!(bad.unwrap_err().status, 400);
    }
}
