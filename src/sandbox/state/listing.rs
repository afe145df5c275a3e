//! `Listing`: records in the order the API lists them (association or purchase order),
//! where removing one from the middle and reaching the record at any rank each cost
//! O(log n), so a delete and a page deep into 100,000 numbers cost what they touch, not
//! the fleet. Depends on nothing in the crate.
//!
//! A removal leaves a hole in `slots`; a Fenwick tree over the slots counts the live ones,
//! which turns a rank (the `n`th listed record) into a slot in O(log n). Once the holes
//! outnumber the records the slots are compacted: that O(n) pass is paid for by the n/2
//! removals that made the holes, so a removal is amortised O(log n). Owners that keep a
//! record's slot in an index hear of every move through the callback of `remove`.

use std::fmt;

use serde::{Serialize, Serializer};

/// Holes tolerated before a compaction is considered (a small listing keeps its holes).
const MIN_HOLES: usize = 64;

/// Records in listing order, with holes where records were removed.
#[derive(Clone)]
pub struct Listing<T> {
    /// The records by slot; `None` where one was removed.
    slots: Vec<Option<T>>,
    /// Fenwick tree over `slots`: node `i` (1-based, stored at `i - 1`) counts the live
    /// slots in `(i - lowbit(i), i]`.
    live: Vec<usize>,
    /// Live records.
    len: usize,
}

impl<T> Default for Listing<T> {
    fn default() -> Self {
        Self {
            slots: Vec::new(),
            live: Vec::new(),
            len: 0,
        }
    }
}

/// The lowest set bit of `node` (its span in the Fenwick tree).
fn lowbit(node: usize) -> usize {
    node & node.wrapping_neg()
}

impl<T> Listing<T> {
    /// Live records.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Appends a record; its slot.
    pub fn push(&mut self, item: T) -> usize {
        let slot = self.slots.len();
        let node = slot + 1;
        let span = lowbit(node);
        // The node counts itself and the live slots of its span before it; without holes
        // that is the whole span.
        let count = if self.len == slot {
            span
        } else {
            1 + self.prefix(slot) - self.prefix(node - span)
        };
        self.slots.push(Some(item));
        self.live.push(count);
        self.len += 1;
        slot
    }

    /// The record in `slot`, if it is live.
    pub fn get(&self, slot: usize) -> Option<&T> {
        self.slots.get(slot)?.as_ref()
    }

    /// The record in `slot`, if it is live, to change (not its owner's key).
    pub fn get_mut(&mut self, slot: usize) -> Option<&mut T> {
        self.slots.get_mut(slot)?.as_mut()
    }

    /// Removes the record in `slot`; when that leaves the slots sparse they are compacted,
    /// and `moved` hears each record's new slot.
    pub fn remove(&mut self, slot: usize, moved: impl FnMut(&T, usize)) -> Option<T> {
        let item = self.slots.get_mut(slot)?.take()?;
        let mut node = slot + 1;
        while let Some(count) = self.live.get_mut(node - 1) {
            *count = count.saturating_sub(1);
            node += lowbit(node);
        }
        self.len -= 1;
        let holes = self.slots.len() - self.len;
        if holes > self.len.max(MIN_HOLES) {
            self.compact(moved);
        }
        Some(item)
    }

    /// Drops the holes, renumbering the records in order.
    fn compact(&mut self, mut moved: impl FnMut(&T, usize)) {
        let slots = std::mem::take(&mut self.slots);
        *self = Self::default();
        for item in slots.into_iter().flatten() {
            let slot = self.push(item);
            if let Some(item) = self.get(slot) {
                moved(item, slot);
            }
        }
    }

    /// Live records among the first `slots` slots.
    fn prefix(&self, slots: usize) -> usize {
        let mut node = slots;
        let mut sum = 0;
        while node > 0 {
            sum += self.live.get(node - 1).copied().unwrap_or(0);
            node -= lowbit(node);
        }
        sum
    }

    /// The slot of the record listed at `rank` (0 is the first), by a descent of the tree.
    fn slot_of_rank(&self, rank: usize) -> Option<usize> {
        if rank >= self.len {
            return None;
        }
        if self.len == self.slots.len() {
            return Some(rank);
        }
        let mut node = 0;
        let mut remaining = rank + 1;
        let mut step = self
            .live
            .len()
            .checked_ilog2()
            .map_or(0, |power| 1 << power);
        while step > 0 {
            if let Some(&count) = self.live.get(node + step - 1)
                && count < remaining
            {
                node += step;
                remaining -= count;
            }
            step /= 2;
        }
        // `node` slots hold `rank` live records: the next slot is the one.
        Some(node)
    }

    /// The record listed at `rank`.
    #[cfg(test)]
    pub fn nth(&self, rank: usize) -> Option<&T> {
        self.get(self.slot_of_rank(rank)?)
    }

    /// The record listed at `rank`, to change.
    #[cfg(test)]
    pub fn nth_mut(&mut self, rank: usize) -> Option<&mut T> {
        let slot = self.slot_of_rank(rank)?;
        self.get_mut(slot)
    }

    /// The records listed at ranks `start..start + size` (fewer past the end).
    pub fn page(&self, start: usize, size: usize) -> Vec<&T> {
        let end = start.saturating_add(size).min(self.len);
        let start = start.min(end);
        if self.len == self.slots.len() {
            return self
                .slots
                .get(start..end)
                .unwrap_or_default()
                .iter()
                .flatten()
                .collect();
        }
        (start..end)
            .filter_map(|rank| self.get(self.slot_of_rank(rank)?))
            .collect()
    }

    /// The records in listing order.
    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.slots.iter().flatten()
    }
}

/// The same records in the same order, wherever the holes are.
impl<T: PartialEq> PartialEq for Listing<T> {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

impl<T: fmt::Debug> fmt::Debug for Listing<T> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.debug_list().entries(self.iter()).finish()
    }
}

/// A sequence of the records, as the `Vec` it replaces was written.
impl<T: Serialize> Serialize for Listing<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `page` answers, compared with the same page of a plain vector that had the
    /// same removals, at every rank.
    #[track_caller]
    fn check(listing: &Listing<usize>, expected: &[usize]) {
        assert_eq!(listing.len(), expected.len());
        assert_eq!(listing.iter().copied().collect::<Vec<_>>(), expected);
        for start in 0..=expected.len() + 1 {
            for size in [1, 3, 250] {
                let page: Vec<usize> = listing.page(start, size).into_iter().copied().collect();
                let end = (start + size).min(expected.len());
                assert_eq!(page, expected[start.min(end)..end], "{start} {size}");
            }
        }
    }

    #[test]
    fn pages_by_rank_around_holes() {
        let mut listing = Listing::default();
        let mut expected = Vec::new();
        for item in 0..300 {
            assert_eq!(listing.push(item), item);
            expected.push(item);
        }
        check(&listing, &expected);
        let mut moves = 0;
        for item in (0..300).filter(|item| item % 3 == 1) {
            assert_eq!(listing.remove(item, |_, _| moves += 1), Some(item));
            expected.retain(|kept| *kept != item);
        }
        assert_eq!((listing.remove(1, |_, _| {}), moves), (None, 0));
        check(&listing, &expected);
        for item in 300..310 {
            listing.push(item);
            expected.push(item);
        }
        check(&listing, &expected);
    }

    #[test]
    fn compacts_once_holes_outnumber_records_and_reports_every_move() {
        let mut listing = Listing::default();
        for item in 0..200 {
            listing.push(item);
        }
        let mut slots: Vec<Option<usize>> = (0..200).map(Some).collect();
        let mut compactions = 0;
        for item in 0..150 {
            let slot = slots[item].unwrap();
            let mut moved = Vec::new();
            listing.remove(slot, |record, slot| moved.push((*record, slot)));
            slots[item] = None;
            if !moved.is_empty() {
                compactions += 1;
                for (record, slot) in moved {
                    slots[record] = Some(slot);
                }
            }
        }
        assert_eq!(compactions, 1);
        let expected: Vec<usize> = (150..200).collect();
        check(&listing, &expected);
        for (item, slot) in slots.iter().enumerate().skip(150) {
            assert_eq!(listing.get(slot.unwrap()), Some(&item));
        }
        let mut other = Listing::default();
        for item in 150..200 {
            other.push(item);
        }
        assert_eq!(listing, other);
        assert_eq!(
            serde_json::to_value(&listing).unwrap(),
            serde_json::json!(expected)
        );
    }
}
