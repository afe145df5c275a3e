//! The account's phone numbers: the `GET /phone_numbers` listing with its filters, and the
//! sandbox's own inventory changes (seeding, `/_sandbox/inventory`). Uses the shared
//! builders of `rules`, the manifest's libphonenumber check for the country, and the wire
//! types.

use std::collections::HashSet;

use super::{Context, Outcome, Problem, Query, at_parameter, entry, paginate, timestamp};
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
        let numbers: Vec<&PhoneNumber> = self
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
            .filter(|item| status.is_none_or(|wanted| item.status == wanted))
            .collect();
        paginate(&numbers, query, 20)
    }

    /// Adds numbers to the inventory (skipping ones already there); the count added.
    pub fn add_inventory(&mut self, numbers: &[(String, String)], context: Context<'_>) -> usize {
        let mut added = 0;
        let now = timestamp(context.now_ms);
        let existing: HashSet<String> = self
            .inventory
            .iter()
            .map(|item| item.phone_number.clone())
            .collect();
        for (number, number_type) in numbers {
            if existing.contains(number) {
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
                id: self.next_id(context.rules.seed),
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
            self.inventory.push(item);
            added += 1;
        }
        added
    }

    /// Takes numbers out of the inventory; the count removed.
    pub fn remove_inventory(&mut self, numbers: &[String]) -> usize {
        let remove: HashSet<&str> = numbers.iter().map(String::as_str).collect();
        let before = self.inventory.len();
        self.inventory
            .retain(|item| !remove.contains(item.phone_number.as_str()));
        before - self.inventory.len()
    }
}
