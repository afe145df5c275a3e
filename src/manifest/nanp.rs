//! The US verdict of a NANP number without libphonenumber's regex cache or its metadata
//! loaded: the crate's own US patterns, written out by `build.rs` from the same crate
//! version, in the same order of type checks, compiled once. The crate's cache hashes each
//! pattern's whole text (kilobytes for the US fixed-line one) on every match, which made a
//! fleet of 9,600 NPA-NXX blocks spend most of its validation hashing; loading the
//! metadata of every region took about 130 ms of each command.
//!
//! Exactness: for country code 1 the crate searches the regions of the code in order; the
//! US comes first and has no leading-digits pattern, so a number is American exactly when
//! the US metadata gives it a type. `build.rs` checks that (else `US_PATTERNS` is `None`
//! and this path is off), and a number the US metadata gives no type is left to the crate
//! (Canada, the Caribbean, invalid numbers). Unit tests compare the written patterns with
//! the crate's metadata, and both paths on every NPA.

use std::sync::OnceLock;

use phonenumber::Type;

/// A descriptor as `build.rs` writes it: the pattern's text and its possible lengths.
type Source = (&'static str, &'static [u16]);

/// The US descriptors in the order the crate checks them.
struct UsPatterns {
    general: Source,
    /// Each type before fixed line and mobile, in the crate's order.
    others: &'static [(Type, Source)],
    fixed_line: Option<Source>,
    mobile: Option<Source>,
}

include!(concat!(env!("OUT_DIR"), "/nanp_us.rs"));

/// One descriptor, compiled as the crate compiles it (whitespace ignored).
struct Pattern {
    regex: regex::Regex,
    lengths: &'static [u16],
}

impl Pattern {
    fn new((source, lengths): Source) -> Option<Self> {
        let regex = regex::RegexBuilder::new(source)
            .ignore_whitespace(true)
            .build()
            .ok()?;
        Some(Self { regex, lengths })
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

/// The compiled US descriptors.
struct Us {
    general: Pattern,
    others: Vec<(Type, Pattern)>,
    fixed_line: Option<Pattern>,
    /// `None` when it is the fixed-line pattern itself (`mobile_is_fixed_line`).
    mobile: Option<Pattern>,
    /// The crate calls a number of identical fixed-line and mobile patterns either.
    mobile_is_fixed_line: bool,
}

fn compile() -> Option<Us> {
    let patterns = US_PATTERNS.as_ref()?;
    let mut others = Vec::with_capacity(patterns.others.len());
    for (kind, source) in patterns.others {
        others.push((*kind, Pattern::new(*source)?));
    }
    let mobile_is_fixed_line = patterns.fixed_line.is_some()
        && patterns.mobile.map(|(text, _)| text) == patterns.fixed_line.map(|(text, _)| text);
    // An absent descriptor is `None`; one that does not compile turns the path off.
    let fixed_line = match patterns.fixed_line {
        Some(source) => Some(Pattern::new(source)?),
        None => None,
    };
    let mobile = match patterns.mobile {
        Some(source) if !mobile_is_fixed_line => Some(Pattern::new(source)?),
        _ => None,
    };
    Some(Us {
        general: Pattern::new(patterns.general)?,
        others,
        fixed_line,
        mobile,
        mobile_is_fixed_line,
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
        let mobile = || {
            self.mobile
                .as_ref()
                .is_some_and(|mobile| mobile.matches(national))
        };
        match &self.fixed_line {
            Some(fixed) if fixed.matches(national) => {
                if self.mobile_is_fixed_line || mobile() {
                    Type::FixedLineOrMobile
                } else {
                    Type::FixedLine
                }
            }
            _ if mobile() => Type::Mobile,
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

    #[test]
    fn the_written_patterns_are_the_crates_us_metadata_in_its_order() {
        use phonenumber::metadata::{DATABASE, Descriptor};
        let us = DATABASE.by_id("US").unwrap();
        assert_eq!(DATABASE.region(&1).unwrap().first(), Some(&"US"));
        assert!(us.leading_digits().is_none());
        let written = US_PATTERNS.as_ref().unwrap();
        let source = |descriptor: &Descriptor| {
            (
                descriptor.national_number().as_str().to_owned(),
                descriptor.possible_length().to_vec(),
            )
        };
        let owned = |(text, lengths): Source| (text.to_owned(), lengths.to_vec());
        let descriptors = us.descriptors();
        assert_eq!(owned(written.general), source(descriptors.general()));
        let others: Vec<(Type, (String, Vec<u16>))> = [
            (Type::PremiumRate, descriptors.premium_rate()),
            (Type::TollFree, descriptors.toll_free()),
            (Type::SharedCost, descriptors.shared_cost()),
            (Type::Voip, descriptors.voip()),
            (Type::PersonalNumber, descriptors.personal_number()),
            (Type::Pager, descriptors.pager()),
            (Type::Uan, descriptors.uan()),
            (Type::Voicemail, descriptors.voicemail()),
        ]
        .into_iter()
        .filter_map(|(kind, descriptor)| Some((kind, source(descriptor?))))
        .collect();
        let written_others: Vec<(Type, (String, Vec<u16>))> = written
            .others
            .iter()
            .map(|(kind, pattern)| (*kind, owned(*pattern)))
            .collect();
        assert_eq!(written_others, others);
        assert!(!others.is_empty());
        assert_eq!(
            written.fixed_line.map(owned),
            descriptors.fixed_line().map(source)
        );
        assert_eq!(written.mobile.map(owned), descriptors.mobile().map(source));
    }
}
