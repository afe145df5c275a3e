//! The account's phone numbers: the `GET /phone_numbers` listing with its filters, and the
//! sandbox's own inventory changes (seeding, `/_sandbox/inventory`). Uses the shared
//! builders of `rules`, the manifest's libphonenumber check for the country, and the wire
//! types.

use super::{
    Context, Outcome, Problem, Query, at_parameter, entry, paginate_filtered, paginate_ranked,
    timestamp,
};
use crate::model::E164;
use crate::sandbox::state::World;
use crate::telnyx::wire::PhoneNumber;

impl World {
    /// `GET /phone_numbers`: `filter[phone_number]` matches digits only (a `+` or other
    /// non-digit matches nothing), plus country, type and status filters.
    pub fn list_phone_numbers(&self, query: &Query) -> Outcome {
        let digits = query.get("filter[phone_number]");
        if let Some(digits) = digits
            && digits.len() < 3
            && digits.bytes().all(|byte| byte.is_ascii_digit())
        {
            return Err(Problem {
                status: 400,
                errors: vec![at_parameter(
                    entry(
                        "10015",
                        "Invalid parameter",
                        "`filter[phone_number]` needs at least 3 digits",
                    ),
                    "filter[phone_number]",
                )],
            });
        }
        let country = query.get("filter[country_iso_alpha2]");
        let number_type = query.get("filter[number_type][eq]");
        let status = query.get("filter[status]");
        if digits.is_none() && country.is_none() && number_type.is_none() && status.is_none() {
            return paginate_ranked(
                self.inventory.len(),
                |start, size| self.inventory.page(start, size),
                query,
                20,
            );
        }
        let numbers = self
            .inventory
            .iter()
            .filter(|item| {
                digits.is_none_or(|digits| {
                    digits.bytes().all(|byte| byte.is_ascii_digit())
                        && item.phone_number.contains(digits)
                })
            })
            .filter(|item| country.is_none_or(|wanted| item.country_iso_alpha2 == wanted))
            .filter(|item| number_type.is_none_or(|wanted| item.phone_number_type == wanted))
            .filter(|item| status.is_none_or(|wanted| item.status == wanted));
        paginate_filtered(numbers, query, 20)
    }

    /// Adds numbers to the inventory (skipping ones already there, and a number's second
    /// mention); the count added.
    pub fn add_inventory(&mut self, numbers: &[(String, String)], context: Context<'_>) -> usize {
        let mut added = 0;
        let now = timestamp(context.now_ms);
        for (number, number_type) in numbers {
            if self.inventory.get(number).is_some() {
                continue;
            }
            let country = E164::parse(number)
                .map(crate::manifest::ask_libphonenumber)
                .map_or("US".to_owned(), |verdict| match verdict {
                    crate::manifest::Verdict::OtherRegion(region) => {
                        String::from_utf8_lossy(&region).into_owned()
                    }
                    _ => "US".to_owned(),
                });
            let item = PhoneNumber {
                // The number is in no item: no other id of its scope is in use.
                id: self.next_id(
                    context.rules.seed,
                    &format!("inventory/{number}"),
                    |_, _| false,
                ),
                record_type: "phone_number".to_owned(),
                phone_number: number.clone(),
                country_iso_alpha2: country,
                status: "active".to_owned(),
                tags: Vec::new(),
                external_pin: None,
                created_at: now.clone(),
                phone_number_type: number_type.clone(),
                purchased_at: now.clone(),
                deletion_lock_enabled: false,
            };
            if self.inventory.push(item) {
                added += 1;
            }
        }
        added
    }

    /// Takes numbers out of the inventory; the count removed.
    pub fn remove_inventory(&mut self, numbers: &[String]) -> usize {
        numbers
            .iter()
            .filter(|number| self.inventory.remove(number).is_some())
            .count()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::tests::context;
    use super::super::{Body, Reply, Rules};
    use super::*;

    /// An inventory of a local, a toll-free and a Canadian number, and an inactive one.
    fn world() -> World {
        let rules = Rules::default();
        let mut world = World::default();
        let numbers = [
            ("+12025551234", "local"),
            ("+18005550100", "toll_free"),
            ("+14165550123", "local"),
            ("+13125550100", "local"),
        ];
        let numbers: Vec<(String, String)> = numbers
            .iter()
            .map(|(number, number_type)| ((*number).to_owned(), (*number_type).to_owned()))
            .collect();
        assert_eq!(world.add_inventory(&numbers, context(&rules)), 4);
        assert_eq!(world.add_inventory(&numbers[..1], context(&rules)), 0);
        world.inventory.nth_mut(2).unwrap().country_iso_alpha2 = "CA".to_owned();
        world.inventory.nth_mut(3).unwrap().status = "port_pending".to_owned();
        world
    }

    #[test]
    fn listing_filters() {
        #[track_caller]
        fn case(query: &str, expected: &[usize]) {
            let world = world();
            let data: Vec<&PhoneNumber> = expected
                .iter()
                .map(|index| world.inventory.nth(*index).unwrap())
                .collect();
            let meta = json!({
                "page_number": 1,
                "page_size": data.len(),
                "total_pages": 1,
                "total_results": data.len(),
            });
            assert_eq!(
                world.list_phone_numbers(&Query::parse(query)),
                Ok(Reply {
                    status: 200,
                    body: Some(Body::Value(json!({ "data": data, "meta": meta }))),
                })
            );
        }
        case("", &[0, 1, 2, 3]);
        case("filter[phone_number]=555", &[0, 1, 2, 3]);
        case("filter[phone_number]=2025551234", &[0]);
        case("filter[phone_number]=12025551234", &[0]);
        case("filter[phone_number]=%2B12025551234", &[]);
        case("filter[phone_number]=+12025551234", &[]);
        case("filter[phone_number]=202-555", &[]);
        case("filter[country_iso_alpha2]=CA", &[2]);
        case("filter[number_type][eq]=toll_free", &[1]);
        case("filter[status]=active", &[0, 1, 2]);
        case(
            "filter[status]=active&filter[number_type][eq]=local&filter[phone_number]=202",
            &[0],
        );
    }

    #[test]
    fn a_phone_number_filter_needs_3_digits() {
        #[track_caller]
        fn case(digits: &str) {
            let expected = Problem {
                status: 400,
                errors: vec![at_parameter(
                    entry(
                        "10015",
                        "Invalid parameter",
                        "`filter[phone_number]` needs at least 3 digits",
                    ),
                    "filter[phone_number]",
                )],
            };
            let query = Query(vec![("filter[phone_number]".to_owned(), digits.to_owned())]);
            assert_eq!(world().list_phone_numbers(&query), Err(expected));
        }
        case("");
        case("2");
        case("20");
    }

    #[test]
    fn items_added_to_the_inventory() {
        let world = world();
        let expected = PhoneNumber {
            id: world.inventory.nth(1).unwrap().id.clone(),
            record_type: "phone_number".to_owned(),
            phone_number: "+18005550100".to_owned(),
            country_iso_alpha2: "US".to_owned(),
            status: "active".to_owned(),
            tags: Vec::new(),
            external_pin: None,
            created_at: "2026-01-01T00:00:00Z".to_owned(),
            phone_number_type: "toll_free".to_owned(),
            purchased_at: "2026-01-01T00:00:00Z".to_owned(),
            deletion_lock_enabled: false,
        };
        assert_eq!(world.inventory.nth(1), Some(&expected));
    }

    #[test]
    fn removal_counts_what_it_took_out() {
        let mut world = world();
        let remove = ["+12025551234".to_owned(), "+19995550000".to_owned()];
        assert_eq!(world.remove_inventory(&remove), 1);
        let left: Vec<&str> = world
            .inventory
            .iter()
            .map(|item| item.phone_number.as_str())
            .collect();
        assert_eq!(left, ["+18005550100", "+14165550123", "+13125550100"]);
    }
}
