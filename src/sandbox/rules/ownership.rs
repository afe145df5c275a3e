//! Ownership tracking of monitored numbers: the `/ownership` detail, `ownership_confirm`,
//! the daily check that removes a number whose `confirm_by` passed (evaluated lazily at
//! the first 07:00Z check after the deadline), and the `/_sandbox/ownership` control that
//! moves a number's state. A removed number stays listed with `ownership_status: removed`
//! and counts as not monitored. Uses the shared builders of `rules`, `terms`' gate and
//! `reputation`'s lookup.

use serde_json::{Map, Value};

use super::{
    Context, Outcome, Problem, at_pointer, data, entry, invalid_body, not_found, problem, timestamp,
};
use crate::sandbox::state::{Tracking, World};
use crate::telnyx::wire::{
    ErrorEntry, NumberOwnership, Ownership, OwnershipEvent, ReputationNumber,
};

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;
/// The daily ownership check runs at 07:00Z.
const CHECK_OFFSET_MS: i64 = 7 * HOUR_MS;
/// How long a flagged number has to be confirmed.
const CONFIRM_WITHIN_MS: i64 = 72 * HOUR_MS;
/// Carriers the simulator records as a number's baseline (numbers hosted elsewhere).
const CARRIERS: &[&str] = &["Bandwidth", "Lumen", "Peerless Network", "Inteliquent"];

/// The latest daily check at or before `ms`.
pub fn check_at_or_before(ms: i64) -> i64 {
    (ms - CHECK_OFFSET_MS).div_euclid(DAY_MS) * DAY_MS + CHECK_OFFSET_MS
}

/// The first daily check after the deadline `confirm_by_ms`: when an unconfirmed number is
/// removed (a check at the very deadline still finds it in time).
pub fn removal_check(confirm_by_ms: i64) -> i64 {
    check_at_or_before(confirm_by_ms).saturating_add(DAY_MS)
}

/// Unix milliseconds of an RFC 3339 time (`Z` or an offset).
pub fn parse_time(text: &str) -> Option<i64> {
    text.parse::<jiff::Timestamp>()
        .ok()
        .map(jiff::Timestamp::as_millisecond)
}

/// Whether a record is monitored (anything but `removed`).
pub fn is_monitored(record: &ReputationNumber) -> bool {
    record.ownership.ownership_status.as_deref() != Some("removed")
}

/// The carrier the simulator says holds a number: Telnyx for its own, else one derived
/// from the number and the seed.
fn carrier_of(record: &ReputationNumber, seed: u64) -> String {
    if record.source.as_deref() != Some("external") {
        return "Telnyx".to_owned();
    }
    let digits: u64 = record
        .phone_number
        .trim_start_matches('+')
        .parse()
        .unwrap_or(0);
    let index = usize::try_from((digits ^ seed) % 4).unwrap_or(0);
    CARRIERS
        .get(index)
        .copied()
        .unwrap_or("Bandwidth")
        .to_owned()
}

/// Another carrier than `current`, for a flag of `carrier_changed`.
fn other_carrier(current: &str) -> String {
    let index = CARRIERS
        .iter()
        .position(|carrier| *carrier == current)
        .map_or(0, |index| (index + 1) % CARRIERS.len());
    CARRIERS.get(index).copied().unwrap_or("Lumen").to_owned()
}

/// What tracking a record has before anything happened to it: its add as the only event.
fn initial_tracking(record: &ReputationNumber, seed: u64) -> Tracking {
    let carrier = carrier_of(record, seed);
    Tracking {
        enterprise_id: record.enterprise_id.clone(),
        baseline_carrier: carrier.clone(),
        carrier: carrier.clone(),
        history: vec![OwnershipEvent {
            occurred_at: record.created_at.clone(),
            event: "added".to_owned(),
            ownership_status: Some("verified".to_owned()),
            reason: None,
            carrier: Some(carrier),
        }],
        confirm_by_ms: None,
    }
}

impl World {
    /// `GET …/numbers/{pn}/ownership`: 200 with the detail; 404 when the number is not in
    /// this enterprise.
    pub fn get_ownership(&self, id: &str, number: &str, context: Context<'_>) -> Outcome {
        self.require_terms()?;
        self.settings(id)?;
        let Some(record) = self.numbers.get_in(id, number) else {
            return Err(not_found("Phone number"));
        };
        let tracking = self
            .ownership
            .get(number)
            .cloned()
            .unwrap_or_else(|| initial_tracking(record, context.rules.seed));
        data(200, &detail(record, tracking, context.now_ms))
    }

    /// `POST …/numbers/{pn}/ownership_confirm`: `still_own: true` verifies a flagged
    /// number, `false` removes any number at once; 200 with the record.
    pub fn confirm_ownership(
        &mut self,
        id: &str,
        number: &str,
        body: &Value,
        context: Context<'_>,
    ) -> Outcome {
        self.require_terms()?;
        self.settings(id)?;
        let Some(record) = self.numbers.get_in(id, number) else {
            return Err(not_found("Phone number"));
        };
        let still_own = still_own(body)?;
        confirmable(record, still_own)?;
        let seed = context.rules.seed;
        let now = timestamp(context.now_ms);
        let (status, event, reason) = if still_own {
            ("verified", "confirmed", None)
        } else {
            ("removed", "released", Some("released_by_customer"))
        };
        self.move_ownership(id, number, seed, |record, tracking| {
            if still_own {
                record.ownership.flag_reason = None;
                record.ownership.confirm_by = None;
                tracking.baseline_carrier = tracking.carrier.clone();
            } else {
                record.ownership.removal_reason = reason.map(str::to_owned);
                record.ownership.removed_at = Some(now.clone());
            }
            record.ownership.ownership_status = Some(status.to_owned());
            tracking.confirm_by_ms = None;
            (now.clone(), event, reason.map(str::to_owned))
        })
        .map_or_else(
            || Err(not_found("Phone number")),
            |record| data(200, &record),
        )
    }

    /// Applies `change` to a number's record and tracking (created from the record when
    /// absent), stamps the record and appends the event `change` names; the record after.
    fn move_ownership(
        &mut self,
        id: &str,
        number: &str,
        seed: u64,
        change: impl FnOnce(
            &mut ReputationNumber,
            &mut Tracking,
        ) -> (String, &'static str, Option<String>),
    ) -> Option<ReputationNumber> {
        let record = self.numbers.get_in_mut(id, number)?;
        if !self.ownership.contains_key(number) {
            self.ownership
                .insert(number.to_owned(), initial_tracking(record, seed));
        }
        self.ownership.update(number, |tracking| {
            let (at, event, reason) = change(record, tracking);
            record.updated_at.clone_from(&at);
            tracking.history.push(OwnershipEvent {
                occurred_at: at,
                event: event.to_owned(),
                ownership_status: record.ownership.ownership_status.clone(),
                reason,
                carrier: Some(tracking.carrier.clone()),
            });
            record.clone()
        })
    }

    /// Removes the flagged numbers whose deadline's check has come (`unconfirmed_ownership`,
    /// `removed_at` the check's time).
    pub(super) fn settle_ownership(&mut self, context: Context<'_>) {
        // Only the deadlines that came due are read (a later deadline's check is later).
        let mut due: Vec<(String, String, i64)> = self
            .ownership
            .due(|confirm_by_ms| removal_check(confirm_by_ms) <= context.now_ms)
            .filter_map(|(number, tracking)| {
                let at = removal_check(tracking.confirm_by_ms?);
                Some((number.to_owned(), tracking.enterprise_id.clone(), at))
            })
            .collect();
        // In number order, as the tracking is kept.
        due.sort();
        for (number, id, at) in due {
            self.move_ownership(&id, &number, context.rules.seed, |record, tracking| {
                tracking.confirm_by_ms = None;
                record.ownership.ownership_status = Some("removed".to_owned());
                record.ownership.removal_reason = Some("unconfirmed_ownership".to_owned());
                record.ownership.removed_at = Some(timestamp(at));
                (
                    timestamp(at),
                    "removed",
                    Some("unconfirmed_ownership".to_owned()),
                )
            });
        }
    }

    /// `POST /_sandbox/ownership`: moves a number (in any enterprise) to an ownership
    /// state, as Telnyx's daily check or a test needs; 200 with the record after.
    pub fn control_ownership(&mut self, body: &Value, context: Context<'_>) -> Outcome {
        let change = control_body(body, context.now_ms)?;
        let Some(record) = self.numbers.get(&change.phone_number) else {
            return Err(not_found("Phone number"));
        };
        let flags = matches!(change.status.as_str(), "pending_confirmation" | "flagged");
        if flags && record.source.as_deref() != Some("external") {
            return Err(problem(
                422,
                "10015",
                "Not tracked",
                format!(
                    "`{}` is a Telnyx number: only numbers hosted elsewhere are flagged",
                    change.phone_number
                ),
            ));
        }
        let id = record.enterprise_id.clone();
        let now = timestamp(context.now_ms);
        let moved = self.move_ownership(
            &id,
            &change.phone_number,
            context.rules.seed,
            |record, tracking| {
                apply_control(&change, record, tracking, &now);
                (now.clone(), change.event(), change.reason())
            },
        );
        self.settle_ownership(context);
        let record = moved.and_then(|_| self.numbers.get_in(&id, &change.phone_number).cloned());
        record.map_or_else(
            || Err(not_found("Phone number")),
            |record| data(200, &record),
        )
    }
}

/// The `/ownership` detail of a record: `last_checked_at` is the latest daily check since
/// the last event (or that event), null for Telnyx's own numbers, which are not checked.
fn detail(record: &ReputationNumber, tracking: Tracking, now_ms: i64) -> NumberOwnership {
    let last_event = tracking
        .history
        .last()
        .and_then(|event| parse_time(&event.occurred_at));
    let last_checked_at = match (record.source.as_deref(), is_monitored(record)) {
        (Some("external"), true) => {
            let since = last_event.unwrap_or(now_ms);
            Some(timestamp(check_at_or_before(now_ms).max(since)))
        }
        (Some("external"), false) => record.ownership.removed_at.clone(),
        _ => None,
    };
    NumberOwnership {
        phone_number: record.phone_number.clone(),
        enterprise_id: record.enterprise_id.clone(),
        source: record.source.clone(),
        ownership: record.ownership.clone(),
        last_checked_at,
        baseline_carrier: Some(tracking.baseline_carrier),
        history: tracking.history,
    }
}

/// The `{still_own: bool}` body, or a 422.
fn still_own(body: &Value) -> Result<bool, Problem> {
    let required = || Problem {
        status: 422,
        errors: vec![at_pointer(
            entry(
                "10015",
                "Invalid request body",
                "`still_own` is required: true or false",
            ),
            "/still_own",
        )],
    };
    let object = body.as_object().ok_or_else(required)?;
    if let Some(extra) = object.keys().find(|key| *key != "still_own") {
        return Err(Problem {
            status: 422,
            errors: vec![at_pointer(
                entry(
                    "10015",
                    "Unknown field",
                    format!("`{extra}` is not allowed"),
                ),
                &format!("/{extra}"),
            )],
        });
    }
    object
        .get("still_own")
        .and_then(Value::as_bool)
        .ok_or_else(required)
}

/// 400 when the answer does not fit the number's state: a removed number, and `true` for
/// a verified or a Telnyx number (nothing to confirm).
fn confirmable(record: &ReputationNumber, still_own: bool) -> Result<(), Problem> {
    let number = &record.phone_number;
    let status = record
        .ownership
        .ownership_status
        .as_deref()
        .unwrap_or("verified");
    if status == "removed" {
        return Err(problem(
            400,
            "10015",
            "Number removed",
            format!("`{number}` was removed from monitoring; add it again instead"),
        ));
    }
    if still_own && record.source.as_deref() != Some("external") {
        return Err(problem(
            400,
            "10015",
            "Nothing to confirm",
            format!("`{number}` is a Telnyx number: its ownership needs no confirmation"),
        ));
    }
    if still_own && status == "verified" {
        return Err(problem(
            400,
            "10015",
            "Nothing to confirm",
            format!("the ownership of `{number}` is already verified"),
        ));
    }
    Ok(())
}

/// A decoded `/_sandbox/ownership` body.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ControlChange {
    phone_number: String,
    status: String,
    flag_reason: String,
    confirm_by_ms: i64,
    removal_reason: String,
}

impl ControlChange {
    fn event(&self) -> &'static str {
        match self.status.as_str() {
            "pending_confirmation" | "flagged" => "flagged",
            "removed" => "removed",
            _ => "verified",
        }
    }

    fn reason(&self) -> Option<String> {
        match self.status.as_str() {
            "pending_confirmation" | "flagged" => Some(self.flag_reason.clone()),
            "removed" => Some(self.removal_reason.clone()),
            _ => None,
        }
    }
}

/// Sets a record and its tracking to the state `change` asks for.
fn apply_control(
    change: &ControlChange,
    record: &mut ReputationNumber,
    tracking: &mut Tracking,
    now: &str,
) {
    let ownership = &mut record.ownership;
    match change.status.as_str() {
        "pending_confirmation" | "flagged" => {
            *ownership = Ownership {
                ownership_status: Some(change.status.clone()),
                flag_reason: Some(change.flag_reason.clone()),
                confirm_by: Some(timestamp(change.confirm_by_ms)),
                removal_reason: None,
                removed_at: None,
            };
            if change.flag_reason == "carrier_changed" {
                tracking.carrier = other_carrier(&tracking.baseline_carrier);
            }
            tracking.confirm_by_ms = Some(change.confirm_by_ms);
        }
        "removed" => {
            ownership.ownership_status = Some("removed".to_owned());
            ownership.removal_reason = Some(change.removal_reason.clone());
            ownership.removed_at = Some(now.to_owned());
            tracking.confirm_by_ms = None;
        }
        _ => {
            *ownership = Ownership {
                ownership_status: Some("verified".to_owned()),
                ..Ownership::default()
            };
            tracking.carrier = tracking.baseline_carrier.clone();
            tracking.confirm_by_ms = None;
        }
    }
}

/// Decodes `{"phone_number", "ownership_status", "confirm_by"?, "flag_reason"?,
/// "removal_reason"?}`; a 422 names what is wrong.
fn control_body(body: &Value, now_ms: i64) -> Result<ControlChange, Problem> {
    let invalid = invalid_body;
    let object = body
        .as_object()
        .ok_or_else(|| invalid("expected a JSON object".to_owned(), ""))?;
    let allowed = [
        "phone_number",
        "ownership_status",
        "confirm_by",
        "flag_reason",
        "removal_reason",
    ];
    if let Some(extra) = object.keys().find(|key| !allowed.contains(&key.as_str())) {
        return Err(invalid(
            format!("`{extra}` is not allowed"),
            &format!("/{extra}"),
        ));
    }
    let text = |name: &str| object.get(name).and_then(Value::as_str).map(str::to_owned);
    let phone_number = text("phone_number")
        .ok_or_else(|| invalid("`phone_number` is required".to_owned(), "/phone_number"))?;
    // No status is `""`, which the match below refuses with 422.
    let status = text("ownership_status").unwrap_or_default();
    let flags = matches!(status.as_str(), "pending_confirmation" | "flagged");
    if !flags && !matches!(status.as_str(), "verified" | "removed") {
        return Err(invalid(
            "`ownership_status` must be verified, pending_confirmation, flagged or removed"
                .to_owned(),
            "/ownership_status",
        ));
    }
    only_with(object, &["confirm_by", "flag_reason"], flags, &status)?;
    only_with(object, &["removal_reason"], status == "removed", &status)?;
    let confirm_by_ms = match object.get("confirm_by") {
        None | Some(Value::Null) => now_ms.saturating_add(CONFIRM_WITHIN_MS),
        Some(value) => value
            .as_str()
            .and_then(parse_time)
            .map(|ms| ms - ms.rem_euclid(1_000))
            .ok_or_else(|| {
                invalid(
                    "`confirm_by` must be an RFC 3339 time".to_owned(),
                    "/confirm_by",
                )
            })?,
    };
    Ok(ControlChange {
        phone_number,
        status,
        flag_reason: text("flag_reason").unwrap_or_else(|| "carrier_changed".to_owned()),
        confirm_by_ms,
        removal_reason: text("removal_reason")
            .unwrap_or_else(|| "unconfirmed_ownership".to_owned()),
    })
}

/// A 422 when one of `names` is given although `allowed` is false for `status`.
fn only_with(
    object: &Map<String, Value>,
    names: &[&str],
    allowed: bool,
    status: &str,
) -> Result<(), Problem> {
    let misplaced: Vec<ErrorEntry> = names
        .iter()
        .filter(|name| !allowed && object.get(**name).is_some_and(|value| !value.is_null()))
        .map(|name| {
            at_pointer(
                entry(
                    "10015",
                    "Invalid request body",
                    format!("`{name}` does not apply to `{status}`"),
                ),
                &format!("/{name}"),
            )
        })
        .collect();
    if misplaced.is_empty() {
        Ok(())
    } else {
        Err(Problem {
            status: 422,
            errors: misplaced,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::tests::{EXTERNAL, NOW, context, invalid, with_external_number};
    use super::super::{Body, Reply, Rules};
    use super::*;

    const TELNYX: &str = "+12025551234";

    fn at(ms: i64, rules: &Rules) -> Context<'_> {
        Context { now_ms: ms, rules }
    }

    fn record(world: &World, id: &str, number: &str) -> ReputationNumber {
        world.numbers.get_in(id, number).unwrap().clone()
    }

    fn reply(record: &ReputationNumber) -> Outcome {
        Ok(Reply {
            status: 200,
            body: Some(Body::Value(json!({ "data": record }))),
        })
    }

    fn event(
        at: &str,
        event: &str,
        status: &str,
        reason: Option<&str>,
        carrier: &str,
    ) -> OwnershipEvent {
        OwnershipEvent {
            occurred_at: at.to_owned(),
            event: event.to_owned(),
            ownership_status: Some(status.to_owned()),
            reason: reason.map(str::to_owned),
            carrier: Some(carrier.to_owned()),
        }
    }

    /// Flags `EXTERNAL` through the control endpoint at `NOW + 1 s` (deadline now + 72 h).
    fn flag(world: &mut World, rules: &Rules) {
        let body = json!({ "phone_number": EXTERNAL, "ownership_status": "pending_confirmation" });
        world
            .control_ownership(&body, at(NOW + 1_000, rules))
            .unwrap();
    }

    #[test]
    fn times_of_the_daily_check() {
        #[track_caller]
        fn case(time: &str, before: &str, removal: &str) {
            let ms = parse_time(time).unwrap();
            assert_eq!(
                (
                    timestamp(check_at_or_before(ms)),
                    timestamp(removal_check(ms))
                ),
                (before.to_owned(), removal.to_owned()),
                "{time}"
            );
        }
        case(
            "2026-10-08T07:00:00Z",
            "2026-10-08T07:00:00Z",
            "2026-10-09T07:00:00Z",
        );
        case(
            "2026-10-08T06:59:59Z",
            "2026-10-07T07:00:00Z",
            "2026-10-08T07:00:00Z",
        );
        case(
            "2026-10-08T07:00:01Z",
            "2026-10-08T07:00:00Z",
            "2026-10-09T07:00:00Z",
        );
        case(
            "2026-10-08T00:00:00+00:00",
            "2026-10-07T07:00:00Z",
            "2026-10-08T07:00:00Z",
        );
        case(
            "1970-01-01T00:00:00Z",
            "1969-12-31T07:00:00Z",
            "1970-01-01T07:00:00Z",
        );
        assert_eq!(parse_time("yesterday"), None);
    }

    #[test]
    fn added_numbers_are_verified_with_their_add_as_history() {
        let rules = Rules::default();
        let mut world = World::default();
        let id = with_external_number(&mut world, &rules);
        let telnyx = record(&world, &id, TELNYX);
        let external = record(&world, &id, EXTERNAL);
        assert_eq!(
            (telnyx.source.as_deref(), external.source.as_deref()),
            (Some("telnyx"), Some("external"))
        );
        let verified = Ownership {
            ownership_status: Some("verified".to_owned()),
            ..Ownership::default()
        };
        assert_eq!(
            (&telnyx.ownership, &external.ownership),
            (&verified, &verified)
        );
        let carrier = carrier_of(&external, 0);
        let detail = |number: &str, source: &str, last_checked_at: Option<&str>, carrier: &str| {
            Ok(Reply {
                status: 200,
                body: Some(Body::Value(json!({ "data": NumberOwnership {
                    phone_number: number.to_owned(),
                    enterprise_id: id.clone(),
                    source: Some(source.to_owned()),
                    ownership: verified.clone(),
                    last_checked_at: last_checked_at.map(str::to_owned),
                    baseline_carrier: Some(carrier.to_owned()),
                    history: vec![event("2026-01-01T00:00:00Z", "added", "verified", None, carrier)],
                }}))),
            })
        };
        assert_eq!(
            world.get_ownership(&id, TELNYX, context(&rules)),
            detail(TELNYX, "telnyx", None, "Telnyx")
        );
        assert_eq!(
            world.get_ownership(&id, EXTERNAL, context(&rules)),
            detail(EXTERNAL, "external", Some("2026-01-01T00:00:00Z"), &carrier)
        );
        let next_day = at(NOW + 8 * HOUR_MS, &rules);
        assert_eq!(
            world.get_ownership(&id, EXTERNAL, next_day),
            detail(EXTERNAL, "external", Some("2026-01-01T07:00:00Z"), &carrier)
        );
        assert_eq!(
            world.get_ownership(&id, "+12025559999", context(&rules)),
            Err(not_found("Phone number"))
        );
        assert_eq!(
            world.get_ownership("nope", EXTERNAL, context(&rules)),
            Err(not_found("Enterprise"))
        );
    }

    #[test]
    fn confirming_verifies_a_flagged_number_and_giving_up_removes_it_at_once() {
        let rules = Rules::default();
        let mut world = World::default();
        let id = with_external_number(&mut world, &rules);
        flag(&mut world, &rules);
        let mut expected = record(&world, &id, EXTERNAL);
        assert_eq!(
            expected.ownership,
            Ownership {
                ownership_status: Some("pending_confirmation".to_owned()),
                flag_reason: Some("carrier_changed".to_owned()),
                confirm_by: Some("2026-01-04T00:00:01Z".to_owned()),
                removal_reason: None,
                removed_at: None,
            }
        );
        let baseline = world.ownership[EXTERNAL].baseline_carrier.clone();
        let changed = world.ownership[EXTERNAL].carrier.clone();
        assert_ne!(baseline, changed);
        let later = at(NOW + 2_000, &rules);
        let outcome = world.confirm_ownership(&id, EXTERNAL, &json!({ "still_own": true }), later);
        expected.ownership = Ownership {
            ownership_status: Some("verified".to_owned()),
            ..Ownership::default()
        };
        expected.updated_at = "2026-01-01T00:00:02Z".to_owned();
        assert_eq!(outcome, reply(&expected));
        let tracking = &world.ownership[EXTERNAL];
        assert_eq!(
            (
                &tracking.baseline_carrier,
                tracking.confirm_by_ms,
                &tracking.history
            ),
            (
                &changed,
                None,
                &vec![
                    event("2026-01-01T00:00:00Z", "added", "verified", None, &baseline),
                    event(
                        "2026-01-01T00:00:01Z",
                        "flagged",
                        "pending_confirmation",
                        Some("carrier_changed"),
                        &changed
                    ),
                    event(
                        "2026-01-01T00:00:02Z",
                        "confirmed",
                        "verified",
                        None,
                        &changed
                    ),
                ]
            )
        );
        let outcome = world.confirm_ownership(&id, EXTERNAL, &json!({ "still_own": false }), later);
        expected.ownership.ownership_status = Some("removed".to_owned());
        expected.ownership.removal_reason = Some("released_by_customer".to_owned());
        expected.ownership.removed_at = Some("2026-01-01T00:00:02Z".to_owned());
        assert_eq!(outcome, reply(&expected));
        let detail = world
            .get_ownership(&id, EXTERNAL, at(NOW + DAY_MS, &rules))
            .unwrap();
        assert_eq!(
            detail.json()["data"]["last_checked_at"],
            "2026-01-01T00:00:02Z"
        );
    }

    #[test]
    fn confirming_refuses() {
        #[track_caller]
        fn case(
            setup: impl FnOnce(&mut World, &Rules),
            number: &str,
            body: Value,
            expected: Problem,
        ) {
            let rules = Rules::default();
            let mut world = World::default();
            let id = with_external_number(&mut world, &rules);
            setup(&mut world, &rules);
            let before = world.clone();
            assert_eq!(
                world.confirm_ownership(&id, number, &body, context(&rules)),
                Err(expected)
            );
            assert_eq!(world, before);
        }
        let yes = || json!({ "still_own": true });
        let required = || Problem {
            status: 422,
            errors: vec![invalid(
                "Invalid request body",
                "`still_own` is required: true or false",
                "/still_own",
            )],
        };
        case(|_, _| {}, "+12025559999", yes(), not_found("Phone number"));
        case(flag, EXTERNAL, json!({}), required());
        case(flag, EXTERNAL, json!({ "still_own": "yes" }), required());
        case(flag, EXTERNAL, json!(null), required());
        case(
            flag,
            EXTERNAL,
            json!({ "still_own": true, "colour": "blue" }),
            Problem {
                status: 422,
                errors: vec![invalid(
                    "Unknown field",
                    "`colour` is not allowed",
                    "/colour",
                )],
            },
        );
        let nothing = |detail: String| problem(400, "10015", "Nothing to confirm", detail);
        let verified = format!("the ownership of `{EXTERNAL}` is already verified");
        case(|_, _| {}, EXTERNAL, yes(), nothing(verified));
        let telnyx = format!("`{TELNYX}` is a Telnyx number: its ownership needs no confirmation");
        case(|_, _| {}, TELNYX, yes(), nothing(telnyx));
        let removed = |world: &mut World, rules: &Rules| {
            let body = json!({ "phone_number": EXTERNAL, "ownership_status": "removed" });
            world.control_ownership(&body, context(rules)).unwrap();
        };
        case(
            removed,
            EXTERNAL,
            json!({ "still_own": false }),
            problem(
                400,
                "10015",
                "Number removed",
                format!("`{EXTERNAL}` was removed from monitoring; add it again instead"),
            ),
        );
    }

    #[test]
    fn an_unconfirmed_number_is_removed_at_the_first_check_after_its_deadline() {
        let rules = Rules::default();
        let mut world = World::default();
        let id = with_external_number(&mut world, &rules);
        flag(&mut world, &rules);
        let flagged = record(&world, &id, EXTERNAL);
        // Deadline 2026-01-04T00:00:01Z: the check that removes it is at 07:00 that day.
        let removal = parse_time("2026-01-04T07:00:00Z").unwrap();
        world.settle(at(removal - 1, &rules));
        assert_eq!(record(&world, &id, EXTERNAL), flagged);
        world.settle(at(removal + 5 * HOUR_MS, &rules));
        let mut expected = flagged;
        expected.ownership.ownership_status = Some("removed".to_owned());
        expected.ownership.removal_reason = Some("unconfirmed_ownership".to_owned());
        expected.ownership.removed_at = Some("2026-01-04T07:00:00Z".to_owned());
        expected.updated_at = "2026-01-04T07:00:00Z".to_owned();
        assert_eq!(record(&world, &id, EXTERNAL), expected);
        let tracking = &world.ownership[EXTERNAL];
        assert_eq!(tracking.confirm_by_ms, None);
        assert_eq!(
            tracking.history.last(),
            Some(&event(
                "2026-01-04T07:00:00Z",
                "removed",
                "removed",
                Some("unconfirmed_ownership"),
                &tracking.carrier
            ))
        );
    }

    #[test]
    fn the_control_moves_a_number_to_any_state() {
        let rules = Rules::default();
        let mut world = World::default();
        let id = with_external_number(&mut world, &rules);
        let control =
            |world: &mut World, body: Value| world.control_ownership(&body, context(&rules));
        let body = json!({ "phone_number": EXTERNAL, "ownership_status": "flagged", "confirm_by": "2026-01-02T10:00:00.250+00:00", "flag_reason": "reverification_due" });
        let flagged = control(&mut world, body).unwrap();
        let mut expected = record(&world, &id, EXTERNAL);
        assert_eq!(flagged, reply(&expected).unwrap());
        assert_eq!(
            expected.ownership,
            Ownership {
                ownership_status: Some("flagged".to_owned()),
                flag_reason: Some("reverification_due".to_owned()),
                confirm_by: Some("2026-01-02T10:00:00Z".to_owned()),
                removal_reason: None,
                removed_at: None,
            }
        );
        let body = json!({ "phone_number": EXTERNAL, "ownership_status": "removed", "removal_reason": "ported_away" });
        control(&mut world, body).unwrap();
        expected.ownership.ownership_status = Some("removed".to_owned());
        expected.ownership.removal_reason = Some("ported_away".to_owned());
        expected.ownership.removed_at = Some("2026-01-01T00:00:00Z".to_owned());
        assert_eq!(record(&world, &id, EXTERNAL), expected);
        let body = json!({ "phone_number": TELNYX, "ownership_status": "removed" });
        control(&mut world, body).unwrap();
        assert_eq!(
            record(&world, &id, TELNYX)
                .ownership
                .removal_reason
                .as_deref(),
            Some("unconfirmed_ownership")
        );
        let body = json!({ "phone_number": EXTERNAL, "ownership_status": "verified" });
        control(&mut world, body).unwrap();
        expected.ownership = Ownership {
            ownership_status: Some("verified".to_owned()),
            ..Ownership::default()
        };
        assert_eq!(record(&world, &id, EXTERNAL), expected);
        // A deadline already past: removed at once, at the check after it.
        let body = json!({ "phone_number": EXTERNAL, "ownership_status": "pending_confirmation", "confirm_by": "2025-12-30T07:00:00Z" });
        let removed = control(&mut world, body).unwrap();
        assert_eq!(removed.json()["data"]["removed_at"], "2025-12-31T07:00:00Z");
    }

    #[test]
    fn the_control_refuses_what_cannot_be() {
        #[track_caller]
        fn case(body: Value, expected: Problem) {
            let rules = Rules::default();
            let mut world = World::default();
            with_external_number(&mut world, &rules);
            let before = world.clone();
            assert_eq!(
                world.control_ownership(&body, context(&rules)),
                Err(expected)
            );
            assert_eq!(world, before);
        }
        let unprocessable = |detail: &str, pointer: &str| Problem {
            status: 422,
            errors: vec![invalid("Invalid request body", detail, pointer)],
        };
        let to = |status: &str, extra: Value| {
            let mut body = json!({ "phone_number": EXTERNAL, "ownership_status": status });
            body.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            body
        };
        case(
            json!({ "phone_number": "+12025559999", "ownership_status": "verified" }),
            not_found("Phone number"),
        );
        case(
            json!({ "phone_number": TELNYX, "ownership_status": "flagged" }),
            problem(
                422,
                "10015",
                "Not tracked",
                format!("`{TELNYX}` is a Telnyx number: only numbers hosted elsewhere are flagged"),
            ),
        );
        case(json!([]), unprocessable("expected a JSON object", ""));
        case(
            json!({ "ownership_status": "verified" }),
            unprocessable("`phone_number` is required", "/phone_number"),
        );
        case(
            to("lost", json!({})),
            unprocessable(
                "`ownership_status` must be verified, pending_confirmation, flagged or removed",
                "/ownership_status",
            ),
        );
        case(
            to("verified", json!({ "colour": 1 })),
            unprocessable("`colour` is not allowed", "/colour"),
        );
        case(
            to("removed", json!({ "confirm_by": "2026-01-02T00:00:00Z" })),
            unprocessable("`confirm_by` does not apply to `removed`", "/confirm_by"),
        );
        case(
            to("verified", json!({ "removal_reason": "x" })),
            unprocessable(
                "`removal_reason` does not apply to `verified`",
                "/removal_reason",
            ),
        );
        case(
            to("flagged", json!({ "confirm_by": "soon" })),
            unprocessable("`confirm_by` must be an RFC 3339 time", "/confirm_by"),
        );
    }
}
