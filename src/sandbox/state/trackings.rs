//! `Trackings`: the ownership tracking of monitored numbers by phone number, with the
//! `confirm_by` deadlines in order, so that the check run before every request looks at
//! the deadlines that came due, not at every tracked number. Written and read as the map it
//! replaces, so state files keep their format. Depends on `state`'s `Tracking`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::ops::Deref;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::Tracking;

/// Ownership tracking by phone number (a number is in one enterprise at most). Read it as
/// the map it derefs to; change it through the methods, which keep the deadlines in step.
#[derive(Clone, Default)]
pub struct Trackings {
    /// The tracking by phone number.
    by_number: BTreeMap<String, Tracking>,
    /// `(confirm_by_ms, phone number)` of every tracking awaiting a confirmation.
    deadlines: BTreeSet<(i64, String)>,
}

impl Deref for Trackings {
    type Target = BTreeMap<String, Tracking>;

    fn deref(&self) -> &Self::Target {
        &self.by_number
    }
}

impl Trackings {
    /// Sets a number's tracking; the one it replaces.
    pub fn insert(&mut self, number: String, tracking: Tracking) -> Option<Tracking> {
        if let Some(confirm_by_ms) = tracking.confirm_by_ms {
            self.deadlines.insert((confirm_by_ms, number.clone()));
        }
        let old = self.by_number.insert(number.clone(), tracking);
        self.forget_deadline(&number, old.as_ref());
        old
    }

    /// Applies `change` to a number's tracking, if it has one; what `change` returns.
    pub fn update<T>(
        &mut self,
        number: &str,
        change: impl FnOnce(&mut Tracking) -> T,
    ) -> Option<T> {
        let tracking = self.by_number.get_mut(number)?;
        let before = tracking.confirm_by_ms;
        let result = change(tracking);
        let after = tracking.confirm_by_ms;
        if before != after {
            if let Some(before) = before {
                self.deadlines.remove(&(before, number.to_owned()));
            }
            if let Some(after) = after {
                self.deadlines.insert((after, number.to_owned()));
            }
        }
        Some(result)
    }

    /// Drops a number's tracking; what it was.
    pub fn remove(&mut self, number: &str) -> Option<Tracking> {
        let old = self.by_number.remove(number);
        self.forget_deadline(number, old.as_ref());
        old
    }

    /// Keeps only the tracking `keep` accepts.
    pub fn retain(&mut self, mut keep: impl FnMut(&str, &Tracking) -> bool) {
        let by_number = &mut self.by_number;
        let deadlines = &mut self.deadlines;
        by_number.retain(|number, tracking| {
            let kept = keep(number, tracking);
            if !kept && let Some(confirm_by_ms) = tracking.confirm_by_ms {
                deadlines.remove(&(confirm_by_ms, number.clone()));
            }
            kept
        });
    }

    /// The numbers whose deadline `is_due` (which must be monotonic: once true for a
    /// deadline, true for every earlier one), earliest deadline first.
    pub fn due(&self, is_due: impl Fn(i64) -> bool) -> impl Iterator<Item = (&str, &Tracking)> {
        self.deadlines
            .iter()
            .take_while(move |(confirm_by_ms, _)| is_due(*confirm_by_ms))
            .filter_map(|(_, number)| {
                self.by_number
                    .get_key_value(number)
                    .map(|(number, tracking)| (number.as_str(), tracking))
            })
    }

    fn forget_deadline(&mut self, number: &str, old: Option<&Tracking>) {
        let Some(confirm_by_ms) = old.and_then(|old| old.confirm_by_ms) else {
            return;
        };
        let still = self
            .by_number
            .get(number)
            .and_then(|tracking| tracking.confirm_by_ms);
        if still != Some(confirm_by_ms) {
            self.deadlines.remove(&(confirm_by_ms, number.to_owned()));
        }
    }
}

/// The same tracking of the same numbers.
impl PartialEq for Trackings {
    fn eq(&self, other: &Self) -> bool {
        self.by_number == other.by_number
    }
}

impl fmt::Debug for Trackings {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.by_number.fmt(formatter)
    }
}

/// The map by phone number, as before the deadlines were indexed.
impl Serialize for Trackings {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.by_number.serialize(serializer)
    }
}

/// Reads the map and indexes its deadlines.
impl<'de> Deserialize<'de> for Trackings {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let by_number = BTreeMap::<String, Tracking>::deserialize(deserializer)?;
        let mut trackings = Self::default();
        for (number, tracking) in by_number {
            trackings.insert(number, tracking);
        }
        Ok(trackings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tracking(confirm_by_ms: Option<i64>) -> Tracking {
        Tracking {
            enterprise_id: "acme".to_owned(),
            baseline_carrier: "Lumen".to_owned(),
            carrier: "Lumen".to_owned(),
            history: Vec::new(),
            confirm_by_ms,
        }
    }

    fn due(trackings: &Trackings, by: i64) -> Vec<&str> {
        trackings
            .due(|confirm_by_ms| confirm_by_ms <= by)
            .map(|(number, _)| number)
            .collect()
    }

    #[test]
    fn deadlines_follow_every_change() {
        let mut trackings = Trackings::default();
        trackings.insert("+13125550100".to_owned(), tracking(Some(30)));
        trackings.insert("+13125550101".to_owned(), tracking(Some(10)));
        trackings.insert("+13125550102".to_owned(), tracking(None));
        assert_eq!(due(&trackings, 30), ["+13125550101", "+13125550100"]);
        assert_eq!(due(&trackings, 29), ["+13125550101"]);
        trackings.update("+13125550101", |tracking| tracking.confirm_by_ms = Some(40));
        trackings.update("+13125550102", |tracking| tracking.confirm_by_ms = Some(5));
        assert_eq!(due(&trackings, 30), ["+13125550102", "+13125550100"]);
        trackings.insert("+13125550100".to_owned(), tracking(None));
        trackings.remove("+13125550102");
        assert_eq!(due(&trackings, 100), ["+13125550101"]);
        trackings.retain(|number, _| number != "+13125550101");
        assert_eq!(due(&trackings, 100), Vec::<&str>::new());
        assert_eq!(trackings.deadlines.len(), 0);
        trackings.insert("+13125550103".to_owned(), tracking(Some(7)));
        let read: Trackings =
            serde_json::from_value(serde_json::to_value(&trackings).unwrap()).unwrap();
        assert_eq!(due(&read, 7), ["+13125550103"]);
        assert_eq!(read, trackings);
    }
}
