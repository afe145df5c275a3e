//! `Inventory`: the account's phone numbers in purchase order, with an index by number, so
//! that checking an add batch against it costs the batch, not the inventory. Written and
//! read as the vector it replaces, so state files keep their format. Depends on `listing`
//! and `telnyx::wire`.

use std::collections::HashMap;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::listing::Listing;
use crate::telnyx::wire::PhoneNumber;

/// The account's phone numbers, each once, in the order they were added.
#[derive(Clone, Default)]
pub struct Inventory {
    /// The items in listing order.
    items: Listing<PhoneNumber>,
    /// Each item's slot by its number. Changed only beside `items`, by the methods below.
    located: HashMap<String, usize>,
}

impl Inventory {
    /// How many numbers the account holds.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether the account holds none.
    pub fn is_empty(&self) -> bool {
        self.items.len() == 0
    }

    /// The items in listing order.
    pub fn iter(&self) -> impl Iterator<Item = &PhoneNumber> {
        self.items.iter()
    }

    /// The items at ranks `start..start + size`.
    pub fn page(&self, start: usize, size: usize) -> Vec<&PhoneNumber> {
        self.items.page(start, size)
    }

    /// The item of a number.
    pub fn get(&self, number: &str) -> Option<&PhoneNumber> {
        self.items.get(*self.located.get(number)?)
    }

    /// The item listed at `rank`.
    #[cfg(test)]
    pub fn nth(&self, rank: usize) -> Option<&PhoneNumber> {
        self.items.nth(rank)
    }

    /// The item listed at `rank`, to change in a test (not its `phone_number`: the index's
    /// key).
    #[cfg(test)]
    pub fn nth_mut(&mut self, rank: usize) -> Option<&mut PhoneNumber> {
        self.items.nth_mut(rank)
    }

    /// Adds an item at the end; false (and nothing added) when its number is there already.
    pub fn push(&mut self, item: PhoneNumber) -> bool {
        if self.located.contains_key(&item.phone_number) {
            return false;
        }
        let number = item.phone_number.clone();
        let slot = self.items.push(item);
        self.located.insert(number, slot);
        true
    }

    /// Takes a number out; its item.
    pub fn remove(&mut self, number: &str) -> Option<PhoneNumber> {
        let slot = self.located.remove(number)?;
        let located = &mut self.located;
        self.items.remove(slot, |item, slot| {
            if let Some(moved) = located.get_mut(&item.phone_number) {
                *moved = slot;
            }
        })
    }
}

/// The same items in the same order.
impl PartialEq for Inventory {
    fn eq(&self, other: &Self) -> bool {
        self.items == other.items
    }
}

impl fmt::Debug for Inventory {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.items.fmt(formatter)
    }
}

/// A sequence of items, as the vector before it was written.
impl Serialize for Inventory {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.items.serialize(serializer)
    }
}

/// Reads the sequence and builds the index (a number listed twice keeps its first item,
/// as adding it twice would).
impl<'de> Deserialize<'de> for Inventory {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let items = Vec::<PhoneNumber>::deserialize(deserializer)?;
        let mut inventory = Self::default();
        for item in items {
            inventory.push(item);
        }
        Ok(inventory)
    }
}
