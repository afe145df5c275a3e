//! `Count`: a number and the noun it counts, the one way telrep says "1 step" or
//! "1,204 numbers".

use std::fmt;

/// A count and its noun (`1 number`, `1,204 numbers`), so every message agrees on when
/// the plural is used and on thousands separators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count<'a> {
    count: usize,
    one: &'a str,
    many: &'a str,
    separators: bool,
}

impl<'a> Count<'a> {
    /// `one` when `count` is 1, else `many` (irregular plurals: `entry` / `entries`), the
    /// count with thousands separators, as plans show counts.
    pub fn new(count: usize, one: &'a str, many: &'a str) -> Self {
        Self {
            count,
            one,
            many,
            separators: true,
        }
    }

    /// The same without thousands separators, as `validate`'s lines have always been.
    #[must_use]
    pub fn without_separators(self) -> Self {
        Self {
            separators: false,
            ..self
        }
    }
}

impl fmt::Display for Count<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let noun = if self.count == 1 { self.one } else { self.many };
        if self.separators {
            write!(formatter, "{} {noun}", super::thousands(self.count))
        } else {
            write!(formatter, "{} {noun}", self.count)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn singular_plural_and_separators() {
        assert_eq!(Count::new(0, "step", "steps").to_string(), "0 steps");
        assert_eq!(Count::new(1, "step", "steps").to_string(), "1 step");
        assert_eq!(Count::new(2, "entry", "entries").to_string(), "2 entries");
        assert_eq!(
            Count::new(1_204, "number", "numbers").to_string(),
            "1,204 numbers"
        );
        assert_eq!(
            Count::new(1_204, "number", "numbers")
                .without_separators()
                .to_string(),
            "1204 numbers"
        );
        assert_eq!(
            Count::new(1, "problem", "problems")
                .without_separators()
                .to_string(),
            "1 problem"
        );
    }
}
