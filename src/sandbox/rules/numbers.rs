//! Monitored numbers: the atomic batch add with one error entry per bad number, listings,
//! lookups with their billing rules, refresh and removal (docs/api.md, "Monitored
//! numbers"). Uses the shared builders of `rules`, `terms`' gate and `reputation`'s lookup.

use std::collections::{HashMap, HashSet};

use serde_json::{Value, json};

use super::external::external_problem;
use super::ownership::is_monitored;
use super::scores::reputation_data;
use super::{
    Context, Outcome, Problem, Query, Rules, at_parameter, at_pointer, data, entry, no_content,
    not_found, ok, paginate_filtered, paginate_ranked, problem, timestamp,
};
use crate::sandbox::state::World;
use crate::telnyx::wire::{ErrorEntry, PhoneNumber, RefreshItem, RefreshResult, ReputationNumber};

/// The numbers of a batch that passed every check, by what adding them involves.
#[derive(Debug, Default)]
struct Accepted<'n> {
    /// Not in the inventory: `source: external`.
    external: HashSet<&'n str>,
    /// Listed as removed (in any enterprise): that record makes way for the new one.
    readded: HashSet<&'n str>,
}

impl World {
    /// `GET /enterprises/{id}/reputation/numbers`: default page 10, `eq` and `contains`
    /// filters.
    pub fn list_numbers(&self, id: &str, query: &Query) -> Outcome {
        self.require_terms()?;
        if self.enterprise(id).is_none() {
            return Err(not_found("Enterprise"));
        }
        let filter = NumberFilter::parse(query)?;
        if filter.is_none() {
            return paginate_ranked(
                self.numbers.len(id),
                |start, size| self.numbers.page(id, start, size),
                query,
                10,
            );
        }
        if let Some(number) = filter.equals {
            // One number at most: found by the index, not by reading the list.
            let found = self.numbers.get_in(id, number);
            return paginate_filtered(
                found.into_iter().filter(|record| filter.admits(record)),
                query,
                10,
            );
        }
        paginate_filtered(
            self.numbers.iter(id).filter(|record| filter.admits(record)),
            query,
            10,
        )
    }

    /// `POST /enterprises/{id}/reputation/numbers`: 1–100 numbers, all or none. A number of
    /// the inventory is `source: telnyx`; one hosted elsewhere is `external` and needs the
    /// enterprise's approved ownership proof. A removed number may be added again (a new
    /// association, billed as an add).
    pub fn add_numbers(&mut self, id: &str, body: &Value, context: Context<'_>) -> Outcome {
        self.require_terms()?;
        let record = self.settings(id)?;
        let numbers = phone_numbers_body(body)?;
        if record.settings.status != "approved" || record.settings.loa_status != "approved" {
            return Err(problem(
                400,
                "10015",
                "Not approved",
                format!(
                    "numbers can be added once vetting and the LOA are approved; status is `{}`, loa_status is `{}`",
                    record.settings.status, record.settings.loa_status
                ),
            ));
        }
        let accepted = self
            .accept_batch(id, &numbers, context.rules)
            .map_err(|errors| Problem {
                status: 400,
                errors,
            })?;
        // A number added again gets an id other than the record it replaces.
        let mut replaced: HashMap<&str, String> = HashMap::new();
        for number in &accepted.readded {
            if let Some(record) = self.numbers.remove(number) {
                replaced.insert(number, record.id);
            }
            self.ownership.remove(number);
        }
        let now = timestamp(context.now_ms);
        let mut added = Vec::with_capacity(numbers.len());
        for number in &numbers {
            let association = self.next_id(
                context.rules.seed,
                &format!("association/{id}/{number}"),
                |_, candidate| {
                    replaced
                        .get(number.as_str())
                        .is_some_and(|old| old == candidate)
                },
            );
            let mut record = ReputationNumber::added(association, id, number.clone(), &now);
            if accepted.external.contains(number.as_str()) {
                record.source = Some("external".to_owned());
            }
            self.numbers.push(record.clone());
            added.push(record);
        }
        self.billing.numbers_added += u64::try_from(added.len()).unwrap_or(0);
        let count = added.len();
        ok(
            201,
            json!({
                "data": added,
                "meta": {"page_number": 1, "page_size": count, "total_pages": 1, "total_results": count}
            }),
        )
    }

    /// Which numbers of an addable batch are hosted elsewhere and which were removed before,
    /// or one error entry per number that cannot be added, in request order.
    fn accept_batch<'n>(
        &self,
        id: &str,
        numbers: &'n [String],
        rules: &Rules,
    ) -> Result<Accepted<'n>, Vec<ErrorEntry>> {
        // Each number is looked up in the indexes of the inventory and of the monitored
        // numbers: a batch costs its 100 numbers, whatever the fleet's size.
        let external_status = self.external_status(id);
        let mut accepted = Accepted::default();
        let mut errors = Vec::new();
        let mut seen = HashSet::new();
        for (index, number) in numbers.iter().enumerate() {
            let item = self.inventory.get(number);
            let listed = self.numbers.get(number);
            let reason = if !is_us_e164(number) {
                Some(format!(
                    "`{number}` is not an E.164 US number (+1 and ten digits)"
                ))
            } else if !seen.insert(number.as_str()) {
                Some(format!("`{number}` is listed twice in this request"))
            } else if let Some(reason) = match item {
                Some(item) => Self::inventory_problem(number, item),
                None => external_problem(number, external_status),
            } {
                Some(reason)
            } else if let Some(owner) = listed.filter(|record| is_monitored(record)) {
                Some(format!(
                    "`{number}` is already monitored by enterprise `{}`",
                    owner.enterprise_id
                ))
            } else if rules.refuse.contains(number) {
                Some(format!("`{number}` is not eligible for Number Reputation"))
            } else {
                None
            };
            if let Some(reason) = reason {
                errors.push(at_pointer(
                    entry("10015", "Invalid phone number", reason),
                    &format!("/phone_numbers/{index}"),
                ));
                continue;
            }
            if item.is_none() {
                accepted.external.insert(number);
            }
            if listed.is_some() {
                accepted.readded.insert(number);
            }
        }
        if errors.is_empty() {
            Ok(accepted)
        } else {
            Err(errors)
        }
    }

    /// Why an inventory item keeps its number from being added: only active US local and
    /// toll-free numbers (legacy types `longcode` and `tollfree` too) are eligible.
    fn inventory_problem(number: &str, item: &PhoneNumber) -> Option<String> {
        if item.country_iso_alpha2 != "US" {
            return Some(format!(
                "`{number}` is a number of `{}`, not `US`",
                item.country_iso_alpha2
            ));
        }
        if !matches!(
            item.phone_number_type.as_str(),
            "local" | "longcode" | "toll_free" | "tollfree"
        ) {
            return Some(format!(
                "`{number}` is a `{}` number, not a local or toll-free one",
                item.phone_number_type
            ));
        }
        if item.status != "active" {
            return Some(format!("`{number}` is `{}`, not `active`", item.status));
        }
        None
    }

    /// One monitored number, with the billing rules: `fresh` is a billed live lookup, and
    /// so is the first lookup of a number without cached data (a removed number is shown
    /// as it is, unbilled). 403 until approved.
    pub fn get_number(
        &mut self,
        enterprise_id: Option<&str>,
        number: &str,
        fresh: bool,
        context: Context<'_>,
    ) -> Outcome {
        self.require_terms()?;
        if let Some(id) = enterprise_id {
            let record = self.settings(id)?;
            if record.settings.status != "approved" {
                return Err(problem(
                    403,
                    "10010",
                    "Not approved",
                    "reputation data is available once vetting is approved",
                ));
            }
        }
        let seed = context.rules.seed;
        let record = match enterprise_id {
            Some(id) => self.numbers.get_in_mut(id, number),
            None => self.numbers.get_mut(number),
        };
        let Some(record) = record else {
            return Err(not_found("Phone number"));
        };
        if !is_monitored(record) {
            // A removed number stays listed but is not monitored: no lookup, no bill.
            return data(200, &*record);
        }
        if fresh {
            self.billing.fresh_lookups += 1;
        } else if record.reputation_data.is_none() {
            self.billing.first_lookups += 1;
        }
        if fresh || record.reputation_data.is_none() {
            record.reputation_data = Some(reputation_data(number, seed, context.now_ms));
            record.updated_at = timestamp(context.now_ms);
        }
        data(200, &*record)
    }

    /// Stops monitoring one number (enterprise-scoped or across all); 204 or 404.
    pub fn delete_number(&mut self, enterprise_id: Option<&str>, number: &str) -> Outcome {
        self.require_terms()?;
        if let Some(id) = enterprise_id {
            self.settings(id)?;
        }
        let listed = match enterprise_id {
            Some(id) => self.numbers.get_in(id, number).is_some(),
            None => self.numbers.get(number).is_some(),
        };
        if !listed {
            return Err(not_found("Phone number"));
        }
        self.numbers.remove(number);
        self.ownership.remove(number);
        no_content()
    }

    /// `POST …/numbers/refresh`: billed per number refreshed (a removed number fails).
    pub fn refresh(&mut self, id: &str, body: &Value, context: Context<'_>) -> Outcome {
        self.require_terms()?;
        self.settings(id)?;
        let numbers = phone_numbers_body(body)?;
        let mut results = Vec::with_capacity(numbers.len());
        for number in &numbers {
            let record = self
                .numbers
                .get_in_mut(id, number)
                .filter(|record| is_monitored(record));
            match record {
                Some(record) => {
                    record.reputation_data =
                        Some(reputation_data(number, context.rules.seed, context.now_ms));
                    record.updated_at = timestamp(context.now_ms);
                    self.billing.refreshes += 1;
                    results.push(RefreshItem {
                        phone_number: number.clone(),
                        success: true,
                        error: None,
                    });
                }
                None => results.push(RefreshItem {
                    phone_number: number.clone(),
                    success: false,
                    error: Some("number is not monitored by this enterprise".to_owned()),
                }),
            }
        }
        let successful =
            u64::try_from(results.iter().filter(|item| item.success).count()).unwrap_or(0);
        let requested = u64::try_from(results.len()).unwrap_or(0);
        data(
            200,
            &RefreshResult {
                results,
                total_requested: requested,
                total_successful: successful,
                total_failed: requested - successful,
            },
        )
    }

    /// `GET /reputation/numbers`: every enterprise's numbers, default page 20.
    pub fn list_all_numbers(&self, query: &Query) -> Outcome {
        self.require_terms()?;
        let enterprise = query.get("filter[enterprise_id]");
        let filter = NumberFilter::parse(query)?;
        if filter.is_none() {
            return paginate_ranked(
                self.numbers.len_across(enterprise),
                |start, size| self.numbers.page_across(enterprise, start, size),
                query,
                20,
            );
        }
        if let Some(number) = filter.equals {
            let found = self.numbers.get(number).filter(|record| {
                enterprise.is_none_or(|wanted| self.numbers.get_in(wanted, number).is_some())
                    && filter.admits(record)
            });
            return paginate_filtered(found.into_iter(), query, 20);
        }
        let numbers = self
            .numbers
            .iter_across(enterprise)
            .filter(|number| filter.admits(number));
        paginate_filtered(numbers, query, 20)
    }
}

/// The listing filters: `filter[phone_number][eq]`, `filter[phone_number][contains]` (at
/// least 5 digits), `filter[source]` and `filter[ownership_status]`.
struct NumberFilter<'q> {
    equals: Option<&'q str>,
    contains: Option<&'q str>,
    source: Option<&'q str>,
    ownership_status: Option<&'q str>,
}

impl<'q> NumberFilter<'q> {
    fn parse(query: &'q Query) -> Result<Self, Problem> {
        let contains = query.get("filter[phone_number][contains]");
        if let Some(digits) = contains {
            let count = digits.bytes().filter(u8::is_ascii_digit).count();
            if count < 5 {
                return Err(Problem {
                    status: 400,
                    errors: vec![at_parameter(
                        entry(
                            "10015",
                            "Invalid parameter",
                            "`filter[phone_number][contains]` needs at least 5 digits",
                        ),
                        "filter[phone_number][contains]",
                    )],
                });
            }
        }
        Ok(Self {
            equals: query.get("filter[phone_number][eq]"),
            contains,
            source: query.get("filter[source]"),
            ownership_status: query.get("filter[ownership_status]"),
        })
    }

    /// No filter at all: every record is listed.
    fn is_none(&self) -> bool {
        self.equals.is_none()
            && self.contains.is_none()
            && self.source.is_none()
            && self.ownership_status.is_none()
    }

    fn admits(&self, number: &ReputationNumber) -> bool {
        self.equals
            .is_none_or(|wanted| number.phone_number == wanted)
            && self
                .contains
                .is_none_or(|digits| number.phone_number.contains(digits))
            && self
                .source
                .is_none_or(|wanted| number.source.as_deref() == Some(wanted))
            && self
                .ownership_status
                .is_none_or(|wanted| number.ownership.ownership_status.as_deref() == Some(wanted))
    }
}

/// The `{phone_numbers: [...]}` body of add and refresh: 1 to 100 strings, no other keys.
fn phone_numbers_body(body: &Value) -> Result<Vec<String>, Problem> {
    let invalid = |detail: &str, pointer: &str| Problem {
        status: 422,
        errors: vec![at_pointer(
            entry("10015", "Invalid request body", detail),
            pointer,
        )],
    };
    let Some(object) = body.as_object() else {
        return Err(invalid("expected a JSON object", ""));
    };
    if let Some(extra) = object.keys().find(|key| *key != "phone_numbers") {
        return Err(invalid(
            &format!("`{extra}` is not allowed"),
            &format!("/{extra}"),
        ));
    }
    let Some(list) = object.get("phone_numbers").and_then(Value::as_array) else {
        return Err(invalid("`phone_numbers` is required", "/phone_numbers"));
    };
    if list.is_empty() || list.len() > 100 {
        return Err(Problem {
            status: 400,
            errors: vec![at_pointer(
                entry(
                    "10015",
                    "Invalid request body",
                    format!("send 1 to 100 numbers per request, not {}", list.len()),
                ),
                "/phone_numbers",
            )],
        });
    }
    list.iter()
        .enumerate()
        .map(|(index, value)| {
            value.as_str().map(str::to_owned).ok_or_else(|| {
                invalid(
                    "each phone number must be a string",
                    &format!("/phone_numbers/{index}"),
                )
            })
        })
        .collect()
}

/// True for `+1` followed by ten digits: a US number (docs/api.md, "Monitored numbers").
fn is_us_e164(text: &str) -> bool {
    text.len() == 12
        && text.starts_with("+1")
        && text.bytes().skip(1).all(|byte| byte.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use serde_json::{Value, json};

    use super::super::tests::{
        EXTERNAL, NOW, context, enabled_acme, invalid, upload, with_external_number,
    };
    use super::super::{Body, Reply, Rules};
    use super::*;
    use crate::sandbox::state::Billing;

    /// The `index`th number of the test inventory.
    fn number(index: usize) -> String {
        format!("+1202555{:04}", 1000 + index)
    }

    /// An approved Acme with numbers 0 to `count - 1` in the inventory; the enterprise id.
    fn approved_with_inventory(world: &mut World, rules: &Rules, count: usize) -> String {
        let id = enabled_acme(world, rules);
        let inventory: Vec<(String, String)> = (0..count)
            .map(|index| (number(index), "local".to_owned()))
            .collect();
        world.add_inventory(&inventory, context(rules));
        id
    }

    fn phone_numbers(numbers: &[String]) -> Value {
        json!({ "phone_numbers": numbers })
    }

    fn page(status: u16, data: &[ReputationNumber], meta: [usize; 4]) -> Outcome {
        let [page_number, page_size, total_pages, total_results] = meta;
        Ok(Reply {
            status,
            body: Some(Body::Value(json!({
                "data": data,
                "meta": {
                    "page_number": page_number,
                    "page_size": page_size,
                    "total_pages": total_pages,
                    "total_results": total_results,
                }
            }))),
        })
    }

    #[test]
    fn a_batch_of_100_adds_all_or_names_every_bad_number() {
        let rules = Rules {
            refuse: HashSet::from([number(80)]),
            ..Rules::default()
        };
        let mut world = World::default();
        let id = approved_with_inventory(&mut world, &rules, 100);
        let mut batch: Vec<String> = (0..100).map(number).collect();
        batch[10] = "2025551010".to_owned();
        batch[20] = number(0);
        batch[30] = "+12025559999".to_owned();
        world.inventory.nth_mut(40).unwrap().country_iso_alpha2 = "CA".to_owned();
        world.inventory.nth_mut(50).unwrap().phone_number_type = "mobile".to_owned();
        world.inventory.nth_mut(51).unwrap().phone_number_type = "toll_free".to_owned();
        world.inventory.nth_mut(52).unwrap().phone_number_type = "tollfree".to_owned();
        world.inventory.nth_mut(53).unwrap().phone_number_type = "longcode".to_owned();
        world.inventory.nth_mut(60).unwrap().status = "port_pending".to_owned();
        let other = ReputationNumber::added(
            "association".to_owned(),
            "other",
            number(70),
            "2026-01-01T00:00:00Z",
        );
        world.numbers.insert("other".to_owned(), vec![other]);
        let before = world.clone();
        let bad = |index: usize, reason: String| {
            invalid(
                "Invalid phone number",
                &reason,
                &format!("/phone_numbers/{index}"),
            )
        };
        let expected = Problem {
            status: 400,
            errors: vec![
                bad(
                    10,
                    "`2025551010` is not an E.164 US number (+1 and ten digits)".to_owned(),
                ),
                bad(
                    20,
                    format!("`{}` is listed twice in this request", number(0)),
                ),
                bad(
                    30,
                    "`+12025559999` is not in this account's inventory, and numbers hosted elsewhere need an approved external verification: none was submitted".to_owned(),
                ),
                bad(
                    40,
                    format!("`{}` is a number of `CA`, not `US`", number(40)),
                ),
                bad(
                    50,
                    format!(
                        "`{}` is a `mobile` number, not a local or toll-free one",
                        number(50)
                    ),
                ),
                bad(
                    60,
                    format!("`{}` is `port_pending`, not `active`", number(60)),
                ),
                bad(
                    70,
                    format!(
                        "`{}` is already monitored by enterprise `other`",
                        number(70)
                    ),
                ),
                bad(
                    80,
                    format!("`{}` is not eligible for Number Reputation", number(80)),
                ),
            ],
        };
        let outcome = world.add_numbers(&id, &phone_numbers(&batch), context(&rules));
        assert_eq!(outcome, Err(expected));
        assert_eq!(world, before);
    }

    #[test]
    fn a_good_batch_is_added_whole_and_billed() {
        let rules = Rules::default();
        let mut world = World::default();
        let id = approved_with_inventory(&mut world, &rules, 100);
        let batch: Vec<String> = (0..100).map(number).collect();
        let outcome = world.add_numbers(&id, &phone_numbers(&batch), context(&rules));
        let added = &world.numbers.to_vec(&id);
        let numbers: Vec<&str> = added
            .iter()
            .map(|record| record.phone_number.as_str())
            .collect();
        assert_eq!(numbers, batch);
        assert_eq!(outcome, page(201, added, [1, 100, 1, 100]));
        let billing = Billing {
            enable: 1,
            numbers_added: 100,
            ..Billing::default()
        };
        assert_eq!(world.billing, billing);
    }

    /// Asserts that adding `body` to an Acme whose vetting and LOA are at `status` and
    /// `loa_status` is refused with `expected` and changes nothing.
    #[track_caller]
    fn refused(status: &str, loa_status: &str, body: Value, expected: Problem) {
        let rules = Rules::default();
        let mut world = World::default();
        let id = approved_with_inventory(&mut world, &rules, 101);
        let settings = &mut world.reputation.get_mut(&id).unwrap().settings;
        settings.status = status.to_owned();
        settings.loa_status = loa_status.to_owned();
        let before = world.clone();
        assert_eq!(
            world.add_numbers(&id, &body, context(&rules)),
            Err(expected)
        );
        assert_eq!(world, before);
    }

    #[test]
    fn add_refuses_bad_bodies() {
        #[track_caller]
        fn case(body: Value, expected: Problem) {
            refused("approved", "approved", body, expected);
        }
        let unprocessable = |detail: &str, pointer: &str| Problem {
            status: 422,
            errors: vec![invalid("Invalid request body", detail, pointer)],
        };
        let count = |count: usize| Problem {
            status: 400,
            errors: vec![invalid(
                "Invalid request body",
                &format!("send 1 to 100 numbers per request, not {count}"),
                "/phone_numbers",
            )],
        };
        let all: Vec<String> = (0..101).map(number).collect();
        case(phone_numbers(&all), count(101));
        case(phone_numbers(&[]), count(0));
        case(json!([]), unprocessable("expected a JSON object", ""));
        case(
            json!({}),
            unprocessable("`phone_numbers` is required", "/phone_numbers"),
        );
        case(
            json!({ "phone_numbers": "+12025551000" }),
            unprocessable("`phone_numbers` is required", "/phone_numbers"),
        );
        case(
            json!({ "phone_numbers": ["+12025551000"], "colour": "blue" }),
            unprocessable("`colour` is not allowed", "/colour"),
        );
        case(
            json!({ "phone_numbers": ["+12025551000", 12_025_551_001_u64] }),
            unprocessable("each phone number must be a string", "/phone_numbers/1"),
        );
    }

    #[test]
    fn add_waits_for_vetting_and_the_loa() {
        #[track_caller]
        fn case(status: &str, loa_status: &str) {
            let expected = problem(
                400,
                "10015",
                "Not approved",
                format!(
                    "numbers can be added once vetting and the LOA are approved; status is `{status}`, loa_status is `{loa_status}`"
                ),
            );
            refused(status, loa_status, phone_numbers(&[number(0)]), expected);
        }
        case("pending", "approved");
        case("rejected", "approved");
        case("approved", "pending");
        case("approved", "rejected");
        case("pending", "pending");
    }

    #[test]
    fn listing_filters_and_pages() {
        #[track_caller]
        fn case(world: &World, id: &str, query: &str, expected: Outcome) {
            assert_eq!(world.list_numbers(id, &Query::parse(query)), expected);
        }
        let rules = Rules::default();
        let mut world = World::default();
        let id = approved_with_inventory(&mut world, &rules, 12);
        let batch: Vec<String> = (0..12).map(number).collect();
        world
            .add_numbers(&id, &phone_numbers(&batch), context(&rules))
            .unwrap();
        let records = world.numbers.to_vec(&id);
        let short = Problem {
            status: 400,
            errors: vec![at_parameter(
                entry(
                    "10015",
                    "Invalid parameter",
                    "`filter[phone_number][contains]` needs at least 5 digits",
                ),
                "filter[phone_number][contains]",
            )],
        };
        case(&world, &id, "", page(200, &records[..10], [1, 10, 2, 12]));
        case(
            &world,
            &id,
            "page[number]=2",
            page(200, &records[10..], [2, 2, 2, 12]),
        );
        case(
            &world,
            &id,
            "filter[phone_number][eq]=%2B12025551003",
            page(200, &records[3..4], [1, 1, 1, 1]),
        );
        case(
            &world,
            &id,
            "filter[phone_number][contains]=555101",
            page(200, &records[10..], [1, 2, 1, 2]),
        );
        case(
            &world,
            &id,
            "filter[phone_number][contains]=5551-003",
            page(200, &[], [1, 0, 1, 0]),
        );
        case(
            &world,
            &id,
            "filter[phone_number][contains]=1003",
            Err(short),
        );
        case(&world, "nope", "", Err(not_found("Enterprise")));
        let everyone = world.list_all_numbers(&Query::parse("filter[enterprise_id]=nope"));
        assert_eq!(everyone, page(200, &[], [1, 0, 1, 0]));
        let everyone = world.list_all_numbers(&Query::default());
        assert_eq!(everyone, page(200, &records, [1, 12, 1, 12]));
    }

    #[test]
    fn lookups_bill_fresh_and_first_reads() {
        let rules = Rules::default();
        let mut world = World::default();
        let id = approved_with_inventory(&mut world, &rules, 1);
        world
            .add_numbers(&id, &phone_numbers(&[number(0)]), context(&rules))
            .unwrap();
        let mut record = world.numbers.to_vec(&id)[0].clone();
        let later = Context {
            now_ms: NOW + 5_000,
            rules: &rules,
        };
        #[track_caller]
        fn case(
            world: &mut World,
            id: Option<&str>,
            fresh: bool,
            context: Context<'_>,
            expected: &ReputationNumber,
            billing: [u64; 2],
        ) {
            let reply = Ok(Reply {
                status: 200,
                body: Some(Body::Value(json!({ "data": expected }))),
            });
            assert_eq!(world.get_number(id, &number(0), fresh, context), reply);
            assert_eq!(
                [world.billing.first_lookups, world.billing.fresh_lookups],
                billing
            );
        }
        record.reputation_data = Some(reputation_data(&number(0), 0, NOW));
        case(
            &mut world,
            Some(&id),
            false,
            context(&rules),
            &record,
            [1, 0],
        );
        case(&mut world, None, false, later, &record, [1, 0]);
        record.reputation_data = Some(reputation_data(&number(0), 0, NOW + 5_000));
        record.updated_at = "2026-01-01T00:00:05Z".to_owned();
        case(&mut world, None, true, later, &record, [1, 1]);
        case(&mut world, Some(&id), false, later, &record, [1, 1]);
        assert_eq!(
            world.get_number(Some(&id), "+12025559999", false, later),
            Err(not_found("Phone number"))
        );
        world.reputation.get_mut(&id).unwrap().settings.status = "pending".to_owned();
        assert_eq!(
            world.get_number(Some(&id), &number(0), false, later),
            Err(problem(
                403,
                "10010",
                "Not approved",
                "reputation data is available once vetting is approved"
            ))
        );
    }

    #[test]
    fn refresh_is_billed_per_number_refreshed() {
        let rules = Rules::default();
        let mut world = World::default();
        let id = approved_with_inventory(&mut world, &rules, 1);
        world
            .add_numbers(&id, &phone_numbers(&[number(0)]), context(&rules))
            .unwrap();
        let body = phone_numbers(&[number(0), number(1)]);
        let expected = RefreshResult {
            results: vec![
                RefreshItem {
                    phone_number: number(0),
                    success: true,
                    error: None,
                },
                RefreshItem {
                    phone_number: number(1),
                    success: false,
                    error: Some("number is not monitored by this enterprise".to_owned()),
                },
            ],
            total_requested: 2,
            total_successful: 1,
            total_failed: 1,
        };
        let reply = Ok(Reply {
            status: 200,
            body: Some(Body::Value(json!({ "data": expected }))),
        });
        assert_eq!(world.refresh(&id, &body, context(&rules)), reply);
        assert_eq!(
            (
                world.billing.refreshes,
                &world.numbers.to_vec(&id)[0].reputation_data
            ),
            (1, &Some(reputation_data(&number(0), 0, NOW)))
        );
    }

    #[test]
    fn delete_stops_monitoring_one_number() {
        let rules = Rules::default();
        let mut world = World::default();
        let id = approved_with_inventory(&mut world, &rules, 2);
        let batch = phone_numbers(&[number(0), number(1)]);
        world.add_numbers(&id, &batch, context(&rules)).unwrap();
        assert_eq!(
            world.delete_number(Some(&id), &number(0)),
            Ok(Reply {
                status: 204,
                body: None
            })
        );
        assert_eq!(
            world.delete_number(Some(&id), &number(0)),
            Err(not_found("Phone number"))
        );
        assert_eq!(
            world.delete_number(None, &number(1)),
            Ok(Reply {
                status: 204,
                body: None
            })
        );
        assert_eq!(
            world.delete_number(Some("nope"), &number(1)),
            Err(not_found("Enterprise"))
        );
        assert_eq!(world.numbers.to_vec(&id), []);
    }

    #[test]
    fn numbers_hosted_elsewhere_need_an_approved_proof_and_carry_their_source() {
        let rules = Rules::default();
        let mut world = World::default();
        let id = approved_with_inventory(&mut world, &rules, 2);
        world.inventory.nth_mut(1).unwrap().phone_number_type = "toll_free".to_owned();
        let batch = vec![number(0), number(1), EXTERNAL.to_owned()];
        let before = world.clone();
        let refused = Problem {
            status: 400,
            errors: vec![invalid(
                "Invalid phone number",
                &format!(
                    "`{EXTERNAL}` is not in this account's inventory, and numbers hosted elsewhere need an approved external verification: none was submitted"
                ),
                "/phone_numbers/2",
            )],
        };
        assert_eq!(
            world.add_numbers(&id, &phone_numbers(&batch), context(&rules)),
            Err(refused)
        );
        assert_eq!(world, before);
        let proof = upload(&mut world, &rules, "invoice.pdf");
        world
            .submit_external_verification(&id, &json!({ "document_ids": [proof] }), context(&rules))
            .unwrap();
        let outcome = world.add_numbers(&id, &phone_numbers(&batch), context(&rules));
        let records = &world.numbers.to_vec(&id);
        let sources: Vec<Option<&str>> = records
            .iter()
            .map(|record| record.source.as_deref())
            .collect();
        assert_eq!(sources, [Some("telnyx"), Some("telnyx"), Some("external")]);
        assert_eq!(outcome, page(201, records, [1, 3, 1, 3]));
        let wire = serde_json::to_value(&records[2]).unwrap();
        let ownership: Vec<&Value> = [
            "ownership_status",
            "flag_reason",
            "confirm_by",
            "removal_reason",
            "removed_at",
        ]
        .iter()
        .map(|key| &wire[key])
        .collect();
        assert_eq!(
            ownership,
            [
                &json!("verified"),
                &Value::Null,
                &Value::Null,
                &Value::Null,
                &Value::Null
            ]
        );
    }

    #[test]
    fn a_removed_number_stays_listed_unmonitored_and_may_be_added_again() {
        let rules = Rules::default();
        let mut world = World::default();
        let id = with_external_number(&mut world, &rules);
        let body = json!({ "phone_number": EXTERNAL, "ownership_status": "removed" });
        world.control_ownership(&body, context(&rules)).unwrap();
        let removed = world.numbers.to_vec(&id)[1].clone();
        assert_eq!(
            removed.ownership.ownership_status.as_deref(),
            Some("removed")
        );
        let listed = |world: &World, query: &str| {
            let reply = world.list_numbers(&id, &Query::parse(query)).unwrap();
            let body = reply.json();
            body["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|record| record["phone_number"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        };
        assert_eq!(listed(&world, ""), ["+12025551234", EXTERNAL]);
        assert_eq!(
            listed(&world, "filter[ownership_status]=removed"),
            [EXTERNAL]
        );
        assert_eq!(listed(&world, "filter[source]=telnyx"), ["+12025551234"]);
        assert_eq!(
            listed(
                &world,
                "filter[source]=external&filter[ownership_status]=verified"
            ),
            Vec::<String>::new()
        );
        let billing = world.billing;
        assert_eq!(
            world.get_number(Some(&id), EXTERNAL, true, context(&rules)),
            Ok(Reply {
                status: 200,
                body: Some(Body::Value(json!({ "data": removed }))),
            })
        );
        let refreshed = world
            .refresh(&id, &phone_numbers(&[EXTERNAL.to_owned()]), context(&rules))
            .unwrap();
        assert_eq!(refreshed.json()["data"]["total_failed"], 1);
        assert_eq!(world.billing, billing);
    }

    #[test]
    fn association_ids_do_not_depend_on_the_order_of_batches() {
        let rules = Rules::default();
        let ids = |batches: [[usize; 2]; 2]| {
            let mut world = World::default();
            let id = approved_with_inventory(&mut world, &rules, 4);
            for batch in batches {
                let batch: Vec<String> = batch.into_iter().map(number).collect();
                world
                    .add_numbers(&id, &phone_numbers(&batch), context(&rules))
                    .unwrap();
            }
            let mut ids: Vec<(String, String)> = world
                .numbers
                .iter(&id)
                .map(|record| (record.phone_number.clone(), record.id.clone()))
                .collect();
            ids.sort();
            ids
        };
        assert_eq!(ids([[0, 1], [2, 3]]), ids([[2, 3], [0, 1]]));
    }

    #[test]
    fn adding_a_removed_number_again_is_a_new_association() {
        let rules = Rules::default();
        let mut world = World::default();
        let id = with_external_number(&mut world, &rules);
        let body = json!({ "phone_number": EXTERNAL, "ownership_status": "removed" });
        world.control_ownership(&body, context(&rules)).unwrap();
        let removed = world.numbers.to_vec(&id)[1].clone();
        let billing = world.billing;
        let later = Context {
            now_ms: NOW + 1_000,
            rules: &rules,
        };
        let again = world.add_numbers(&id, &phone_numbers(&[EXTERNAL.to_owned()]), later);
        let records = &world.numbers.to_vec(&id);
        assert_eq!(records.len(), 2);
        let readded = &records[1];
        assert_eq!(
            again,
            page(201, std::slice::from_ref(readded), [1, 1, 1, 1])
        );
        assert_eq!(
            (
                readded.ownership.ownership_status.as_deref(),
                readded.ownership.removal_reason.as_deref(),
                readded.created_at.as_str(),
                world.billing.numbers_added,
                world.ownership.contains_key(EXTERNAL),
            ),
            (
                Some("verified"),
                None,
                "2026-01-01T00:00:01Z",
                billing.numbers_added + 1,
                false
            )
        );
        assert_ne!(readded.id, removed.id);
        assert_eq!(
            world.delete_number(Some(&id), EXTERNAL),
            Ok(Reply {
                status: 204,
                body: None
            })
        );
    }

    #[test]
    fn us_numbers() {
        #[track_caller]
        fn case(text: &str, expected: bool) {
            assert_eq!(is_us_e164(text), expected, "{text}");
        }
        case("+12025551234", true);
        case("+1202555123", false);
        case("+120255512345", false);
        case("12025551234", false);
        case("+442025551234", false);
        case("+1202555123x", false);
    }
}
