//! The US verdict of a NANP number without libphonenumber's regex cache: the same metadata
//! patterns and the same order of type checks, compiled once. The crate's cache hashes
//! each pattern's whole text (kilobytes for the US fixed-line one) on every match, which
//! made a fleet of 9,600 NPA-NXX blocks spend most of its validation hashing.
//!
//! Exactness: for country code 1 the crate searches the regions of the code in order; the
//! US comes first and has no leading-digits pattern, so a number is American exactly when
//! the US metadata gives it a type. That is checked when the patterns are compiled (else
//! this path is off), and a number the US metadata gives no type is left to the crate
//! (Canada, the Caribbean, invalid numbers). A unit test compares both paths on every NPA.

use std::sync::OnceLock;

use phonenumber::Type;
use phonenumber::metadata::{DATABASE, Descriptor};

/// One descriptor of the US metadata: its pattern, compiled as the crate compiles it
/// (whitespace ignored), and its possible lengths.
struct Pattern {
    regex: regex::Regex,
    lengths: Vec<u16>,
    source: String,
}

impl Pattern {
    fn new(descriptor: &Descriptor) -> Option<Self> {
        let source = descriptor.national_number().as_str().to_owned();
        let regex = regex::RegexBuilder::new(&source)
            .ignore_whitespace(true)
            .build()
            .ok()?;
        Some(Self {
            regex,
            lengths: descriptor.possible_length().to_vec(),
            source,
        })
    }

    /// As the crate's `Descriptor::is_match`: a possible length, and a match at the start.
    fn matches(&self, national: &str) -> bool {
        let length = u16::try_from(national.len()).unwrap_or(u16::MAX);
        (self.lengths.is_empty() || self.lengths.contains(&length))
            && self
                .regex
                .find(national)
                .is_some_and(|found| found.start() == 0)
    }
}

/// The US descriptors in the order the crate checks them.
struct Us {
    general: Pattern,
    /// Each type before fixed line and mobile, in the crate's order.
    others: Vec<(Type, Pattern)>,
    fixed_line: Option<Pattern>,
    mobile: Option<Pattern>,
}

fn compile() -> Option<Us> {
    let regions = DATABASE.region(&1)?;
    let us = DATABASE.by_id("US")?;
    // The crate decides the region of a +1 number by the first region of the code: only
    // when that is the US, searched by type (no leading digits), is the US type the answer.
    if regions.first() != Some(&"US") || us.leading_digits().is_some() {
        return None;
    }
    let descriptors = us.descriptors();
    let optional = |descriptor: Option<&Descriptor>| descriptor.map(Pattern::new);
    let mut others = Vec::new();
    for (kind, descriptor) in [
        (Type::PremiumRate, descriptors.premium_rate()),
        (Type::TollFree, descriptors.toll_free()),
        (Type::SharedCost, descriptors.shared_cost()),
        (Type::Voip, descriptors.voip()),
        (Type::PersonalNumber, descriptors.personal_number()),
        (Type::Pager, descriptors.pager()),
        (Type::Uan, descriptors.uan()),
        (Type::Voicemail, descriptors.voicemail()),
    ] {
        if let Some(pattern) = optional(descriptor) {
            others.push((kind, pattern?));
        }
    }
    Some(Us {
        general: Pattern::new(descriptors.general())?,
        others,
        fixed_line: match optional(descriptors.fixed_line()) {
            Some(pattern) => Some(pattern?),
            None => None,
        },
        mobile: match optional(descriptors.mobile()) {
            Some(pattern) => Some(pattern?),
            None => None,
        },
    })
}

impl Us {
    /// The crate's `number_type` on the US metadata.
    fn number_type(&self, national: &str) -> Type {
        if !self.general.matches(national) {
            return Type::Unknown;
        }
        if let Some((kind, _)) = self
            .others
            .iter()
            .find(|(_, pattern)| pattern.matches(national))
        {
            return *kind;
        }
        let mobile = self.mobile.as_ref();
        match &self.fixed_line {
            Some(fixed) if fixed.matches(national) => {
                let same = mobile.is_some_and(|mobile| mobile.source == fixed.source);
                if same || mobile.is_some_and(|mobile| mobile.matches(national)) {
                    Type::FixedLineOrMobile
                } else {
                    Type::FixedLine
                }
            }
            _ if mobile.is_some_and(|mobile| mobile.matches(national)) => Type::Mobile,
            _ => Type::Unknown,
        }
    }
}

/// The type the US metadata gives a +1 number's ten national digits, `None` when this path
/// cannot say (no US type: another region's, or invalid; or the metadata is not shaped as
/// this path assumes) and the crate must be asked.
pub fn us_type(national: &str) -> Option<Type> {
    static US: OnceLock<Option<Us>> = OnceLock::new();
    let us = US.get_or_init(compile).as_ref()?;
    // A national number starting with 0 or 1 may lose a national prefix when parsed.
    if national.len() != 10 || !national.starts_with(|digit: char| ('2'..='9').contains(&digit)) {
        return None;
    }
    match us.number_type(national) {
        Type::Unknown => None,
        kind => Some(kind),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_us_patterns_answer_for_american_numbers_and_leave_the_rest() {
        // The path is on: the metadata has the shape it assumes.
        assert!(matches!(
            us_type("2025551234"),
            Some(Type::FixedLineOrMobile)
        ));
        assert_eq!(us_type("8005551234"), Some(Type::TollFree));
        assert_eq!(us_type("9005551234"), Some(Type::PremiumRate));
        // Canadian, unassigned, or not ten digits from 2-9: the crate is asked.
        assert_eq!(us_type("4165551234"), None);
        assert_eq!(us_type("5555551234"), None);
        assert_eq!(us_type("1202555123"), None);
        assert_eq!(us_type("202555123"), None);
    }
}
