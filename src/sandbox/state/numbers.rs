//! `Numbers`: every enterprise's monitored numbers in association order, with an index of
//! where each number is, so that a lookup, a delete and an add batch cost what they touch
//! (docs/api.md, "Monitored numbers"). Written and read as the map of lists it replaces, so
//! state files keep their format. Depends on `listing` and `telnyx::wire`.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::listing::Listing;
use crate::telnyx::wire::ReputationNumber;

/// Monitored numbers by enterprise id, each list in association order. A number is listed
/// once at most across the account (the API refuses a second association and replaces a
/// removed one), which is what lets one index find it.
#[derive(Clone, Default)]
pub struct Numbers {
    /// The lists by enterprise id (kept, empty, once the enterprise's last number goes).
    lists: BTreeMap<Arc<str>, Listing<ReputationNumber>>,
    /// Where each listed number is. Changed only beside `lists`, by the methods below.
    located: HashMap<String, Location>,
}

/// A number's list and slot in it.
#[derive(Debug, Clone)]
struct Location {
    enterprise_id: Arc<str>,
    slot: usize,
}

impl Numbers {
    /// Replaces an enterprise's list with `records`, in order (what a state file or a test
    /// seeds). A number listed already, here or in another list, leaves its old place.
    pub fn insert(&mut self, enterprise_id: String, records: Vec<ReputationNumber>) {
        self.remove_enterprise(&enterprise_id);
        self.lists
            .insert(Arc::from(enterprise_id.as_str()), Listing::default());
        for record in records {
            self.append(&enterprise_id, record);
        }
    }

    /// Lists a new association at the end of its enterprise's list (`enterprise_id` of the
    /// record); a record of the same number elsewhere makes way for it.
    pub fn push(&mut self, record: ReputationNumber) {
        let enterprise_id = record.enterprise_id.clone();
        self.append(&enterprise_id, record);
    }

    fn append(&mut self, enterprise_id: &str, record: ReputationNumber) {
        self.remove(&record.phone_number);
        if !self.lists.contains_key(enterprise_id) {
            self.lists
                .insert(Arc::from(enterprise_id), Listing::default());
        }
        let Some((key, _)) = self.lists.get_key_value(enterprise_id) else {
            return;
        };
        let key = Arc::clone(key);
        let number = record.phone_number.clone();
        let Some(list) = self.lists.get_mut(enterprise_id) else {
            return;
        };
        let slot = list.push(record);
        self.located.insert(
            number,
            Location {
                enterprise_id: key,
                slot,
            },
        );
    }

    /// Takes a number out of whichever list holds it; its record.
    pub fn remove(&mut self, number: &str) -> Option<ReputationNumber> {
        let location = self.located.remove(number)?;
        let list = self.lists.get_mut(&*location.enterprise_id)?;
        let located = &mut self.located;
        list.remove(location.slot, |record, slot| {
            if let Some(moved) = located.get_mut(&record.phone_number) {
                moved.slot = slot;
            }
        })
    }

    /// Drops an enterprise's list and every number in it; whether it had one.
    pub fn remove_enterprise(&mut self, enterprise_id: &str) -> bool {
        let Some(list) = self.lists.remove(enterprise_id) else {
            return false;
        };
        for record in list.iter() {
            self.located.remove(&record.phone_number);
        }
        true
    }

    /// A number's record, in whichever enterprise lists it.
    pub fn get(&self, number: &str) -> Option<&ReputationNumber> {
        let location = self.located.get(number)?;
        self.lists.get(&*location.enterprise_id)?.get(location.slot)
    }

    /// A number's record in whichever enterprise lists it, to change (neither its
    /// `phone_number` nor its `enterprise_id`: they are where the index finds it).
    pub fn get_mut(&mut self, number: &str) -> Option<&mut ReputationNumber> {
        let location = self.located.get(number)?;
        self.lists
            .get_mut(&*location.enterprise_id)?
            .get_mut(location.slot)
    }

    /// A number's record if `enterprise_id`'s list holds it.
    pub fn get_in(&self, enterprise_id: &str, number: &str) -> Option<&ReputationNumber> {
        let location = self.located.get(number)?;
        if &*location.enterprise_id != enterprise_id {
            return None;
        }
        self.lists.get(enterprise_id)?.get(location.slot)
    }

    /// As `get_in`, to change (as `get_mut` says).
    pub fn get_in_mut(
        &mut self,
        enterprise_id: &str,
        number: &str,
    ) -> Option<&mut ReputationNumber> {
        let location = self.located.get(number)?;
        if &*location.enterprise_id != enterprise_id {
            return None;
        }
        self.lists.get_mut(enterprise_id)?.get_mut(location.slot)
    }

    /// How many numbers an enterprise lists.
    pub fn len(&self, enterprise_id: &str) -> usize {
        self.lists.get(enterprise_id).map_or(0, Listing::len)
    }

    /// An enterprise's numbers at ranks `start..start + size`.
    pub fn page(&self, enterprise_id: &str, start: usize, size: usize) -> Vec<&ReputationNumber> {
        self.lists
            .get(enterprise_id)
            .map_or_else(Vec::new, |list| list.page(start, size))
    }

    /// An enterprise's numbers in association order.
    pub fn iter(&self, enterprise_id: &str) -> impl Iterator<Item = &ReputationNumber> {
        self.lists
            .get(enterprise_id)
            .into_iter()
            .flat_map(Listing::iter)
    }

    /// A copy of an enterprise's numbers, in order (what tests compare).
    #[cfg(test)]
    pub fn to_vec(&self, enterprise_id: &str) -> Vec<ReputationNumber> {
        self.iter(enterprise_id).cloned().collect()
    }

    /// The lists of every enterprise (`None`) or of one, in enterprise id order.
    fn lists_of(
        &self,
        enterprise_id: Option<&str>,
    ) -> impl Iterator<Item = &Listing<ReputationNumber>> {
        self.lists
            .iter()
            .filter(move |(id, _)| enterprise_id.is_none_or(|wanted| &***id == wanted))
            .map(|(_, list)| list)
    }

    /// Every enterprise's numbers (or one's), enterprise by enterprise in id order.
    pub fn iter_across<'a>(
        &'a self,
        enterprise_id: Option<&'a str>,
    ) -> impl Iterator<Item = &'a ReputationNumber> {
        self.lists_of(enterprise_id).flat_map(Listing::iter)
    }

    /// How many numbers `iter_across` yields.
    pub fn len_across(&self, enterprise_id: Option<&str>) -> usize {
        self.lists_of(enterprise_id).map(Listing::len).sum()
    }

    /// The numbers `iter_across` yields at ranks `start..start + size`, reached list by
    /// list without walking the numbers before them.
    pub fn page_across(
        &self,
        enterprise_id: Option<&str>,
        start: usize,
        size: usize,
    ) -> Vec<&ReputationNumber> {
        let mut page = Vec::new();
        let mut skip = start;
        for list in self.lists_of(enterprise_id) {
            if page.len() == size {
                break;
            }
            if skip >= list.len() {
                skip -= list.len();
                continue;
            }
            page.extend(list.page(skip, size - page.len()));
            skip = 0;
        }
        page
    }
}

/// The same lists with the same numbers in the same order.
impl PartialEq for Numbers {
    fn eq(&self, other: &Self) -> bool {
        self.lists == other.lists
    }
}

impl fmt::Debug for Numbers {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.debug_map().entries(self.lists.iter()).finish()
    }
}

/// `{enterprise_id: [record, ...]}`, as the map of vectors before it was written.
impl Serialize for Numbers {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.lists.iter().map(|(id, list)| (&**id, list)))
    }
}

/// Reads the map of lists and builds the index (a number listed twice keeps its last
/// record).
impl<'de> Deserialize<'de> for Numbers {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let lists = BTreeMap::<String, Vec<ReputationNumber>>::deserialize(deserializer)?;
        let mut numbers = Self::default();
        for (enterprise_id, records) in lists {
            numbers.insert(enterprise_id, records);
        }
        Ok(numbers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: usize, enterprise_id: &str, number: &str) -> ReputationNumber {
        ReputationNumber::added(
            format!("association-{id}"),
            enterprise_id,
            number.to_owned(),
            "2026-01-01T00:00:00Z",
        )
    }

    fn phone(index: usize) -> String {
        format!("+1202555{:04}", index)
    }

    fn listed(numbers: &Numbers, enterprise_id: &str) -> Vec<String> {
        numbers
            .iter(enterprise_id)
            .map(|record| record.phone_number.clone())
            .collect()
    }

    #[test]
    fn finds_removes_and_pages_through_thousands_of_deletes() {
        let mut numbers = Numbers::default();
        let mut expected: Vec<String> = (0..1_000).map(phone).collect();
        for (index, number) in expected.iter().enumerate() {
            numbers.push(record(index, "acme", number));
        }
        numbers.push(record(1_000, "globex", &phone(5_000)));
        for index in (0..1_000).filter(|index| index % 4 != 3) {
            assert_eq!(
                numbers
                    .remove(&phone(index))
                    .map(|record| record.phone_number),
                Some(phone(index))
            );
        }
        expected.retain(|number| numbers.get(number).is_some());
        assert_eq!(listed(&numbers, "acme"), expected);
        assert_eq!(numbers.len("acme"), 250);
        for (rank, number) in expected.iter().enumerate() {
            assert_eq!(
                numbers.get_in("acme", number).map(|r| &r.phone_number),
                Some(number)
            );
            assert!(numbers.get_in("globex", number).is_none());
            assert_eq!(numbers.page("acme", rank, 1)[0].phone_number, *number);
        }
        assert_eq!(numbers.remove(&phone(0)), None);
        let across: Vec<&str> = numbers
            .page_across(None, 248, 5)
            .into_iter()
            .map(|record| record.phone_number.as_str())
            .collect();
        assert_eq!(
            across,
            [expected[248].as_str(), &expected[249], &phone(5_000)]
        );
        assert_eq!(numbers.len_across(None), 251);
        assert_eq!(numbers.len_across(Some("globex")), 1);
    }

    #[test]
    fn a_number_is_listed_once_and_keeps_its_format() {
        let mut numbers = Numbers::default();
        numbers.push(record(0, "acme", &phone(0)));
        numbers.push(record(1, "acme", &phone(1)));
        numbers.push(record(2, "globex", &phone(0)));
        assert_eq!(listed(&numbers, "acme"), [phone(1)]);
        assert_eq!(listed(&numbers, "globex"), [phone(0)]);
        numbers.remove(&phone(1));
        let written = serde_json::to_value(&numbers).unwrap();
        assert_eq!(written["acme"], serde_json::json!([]));
        let read: Numbers = serde_json::from_value(written.clone()).unwrap();
        assert_eq!(read, numbers);
        let old: BTreeMap<String, Vec<ReputationNumber>> = serde_json::from_value(written).unwrap();
        assert_eq!(old["globex"], [record(2, "globex", &phone(0))]);
        assert!(numbers.remove_enterprise("globex"));
        assert_eq!(numbers.get(&phone(0)), None);
    }
}
