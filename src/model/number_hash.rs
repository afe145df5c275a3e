//! Hashing for sets and maps keyed by phone numbers. A million-number plan hashes every
//! number several times (the manifest's duplicate check, the listing's, observation's and
//! the diff's sets), and the standard library's SipHash was a fifth of its CPU. An `E164`
//! is one `u64`, so one 128-bit multiply by a fixed odd constant (the golden ratio's
//! fraction, whose bits are well spread), folded to 64 bits, mixes it enough. The number
//! is first XORed with a random value drawn once per process, so a server cannot send
//! numbers chosen in advance to collide in telrep's tables. (A random multiplier is
//! worse: one with few high bits spread 64 consecutive numbers over as few as 5 of 64
//! buckets.)

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, Hasher};
use std::sync::OnceLock;

use super::E164;

/// A set of numbers hashed with `NumberHash`.
pub type NumberSet = HashSet<E164, NumberHash>;
/// A map keyed by numbers hashed with `NumberHash`.
pub type NumberMap<V> = HashMap<E164, V, NumberHash>;

/// 2^64 divided by the golden ratio, rounded to odd: every bit of a number reaches the
/// high half of the product.
const MULTIPLIER: u64 = 0x9E37_79B9_7F4A_7C15;

/// Builds the keyed folded-multiply hasher; every instance of a process has the same keys.
#[derive(Debug, Clone, Copy)]
pub struct NumberHash {
    seed: u64,
    multiplier: u64,
}

impl Default for NumberHash {
    fn default() -> Self {
        static KEYS: OnceLock<NumberHash> = OnceLock::new();
        *KEYS.get_or_init(|| Self {
            seed: fastrand::u64(..),
            multiplier: MULTIPLIER,
        })
    }
}

impl BuildHasher for NumberHash {
    type Hasher = FoldedMultiply;

    fn build_hasher(&self) -> FoldedMultiply {
        FoldedMultiply {
            state: self.seed,
            multiplier: self.multiplier,
        }
    }
}

/// The hasher: each `u64` written is mixed into the state by one folded multiply.
#[derive(Debug, Clone, Copy)]
pub struct FoldedMultiply {
    state: u64,
    multiplier: u64,
}

impl Hasher for FoldedMultiply {
    fn finish(&self) -> u64 {
        self.state
    }

    fn write_u64(&mut self, value: u64) {
        let product = u128::from(self.state ^ value) * u128::from(self.multiplier);
        self.state = (product as u64) ^ ((product >> 64) as u64);
    }

    /// Anything other than a `u64` (an enum's discriminant, a string) 8 bytes at a time.
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0_u8; 8];
            if let Some(prefix) = word.get_mut(..chunk.len()) {
                prefix.copy_from_slice(chunk);
            }
            self.write_u64(u64::from_le_bytes(word));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_and_maps_behave_as_the_standard_ones() {
        let numbers: Vec<E164> = (0..10_000_u64)
            .map(|index| E164::parse(&format!("+1202{:07}", index * 7)).unwrap())
            .collect();
        let set: NumberSet = numbers.iter().copied().collect();
        assert_eq!(set.len(), 10_000);
        assert!(numbers.iter().all(|number| set.contains(number)));
        assert!(!set.contains(&E164::parse("+12029999999").unwrap()));
        let map: NumberMap<usize> = numbers.iter().copied().zip(0..).collect();
        assert_eq!(map.get(&numbers[1234]), Some(&1234));
    }

    #[test]
    fn one_process_hashes_alike_and_neighbours_spread() {
        let hash = |number: u64| {
            let mut hasher = NumberHash::default().build_hasher();
            hasher.write_u64(number);
            hasher.finish()
        };
        assert_eq!(hash(12_025_550_101), hash(12_025_550_101));
        // Consecutive numbers spread over the buckets of a small table (the low bits): 40
        // of 64 on average for random keys, at least 29 in 6,000 trials of random seeds.
        let buckets: HashSet<u64> = (12_025_550_100..12_025_550_164)
            .map(|number| hash(number) & 63)
            .collect();
        assert!(buckets.len() >= 24, "{} of 64 buckets", buckets.len());
        // And over a large one: 65,536 consecutive numbers in 65,536 buckets.
        let buckets: HashSet<u64> = (12_025_550_000..12_025_615_536)
            .map(|number| hash(number) & 0xffff)
            .collect();
        assert!(
            buckets.len() > 32_768,
            "{} of 65,536 buckets",
            buckets.len()
        );
    }

    #[test]
    fn other_keys_are_hashed_eight_bytes_at_a_time() {
        let hash = |bytes: &[u8]| {
            let mut hasher = NumberHash::default().build_hasher();
            hasher.write(bytes);
            hasher.finish()
        };
        assert_ne!(hash(b"abcdefghi"), hash(b"abcdefghj"));
        let mut words = NumberHash::default().build_hasher();
        words.write_u64(u64::from_le_bytes(*b"abcdefgh"));
        words.write_u64(u64::from_le_bytes(*b"i\0\0\0\0\0\0\0"));
        assert_eq!(hash(b"abcdefghi"), words.finish());
    }
}
