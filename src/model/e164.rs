//! `E164`: a phone number already checked to be E.164, stored as its digits.

use std::fmt;

/// A number in E.164 form, kept as an integer so a million of them stay small and cheap to
/// hash; E.164 has at most 15 digits and no leading zero, so the `u64` is lossless.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct E164(u64);

impl E164 {
    /// Parses the exact E.164 spelling (`+` then 2 to 15 digits, the first not `0`), so that
    /// every later stage can trust the value without checking it again.
    pub fn parse(text: &str) -> Option<Self> {
        let digits = text.strip_prefix('+')?.as_bytes();
        if !(2..=15).contains(&digits.len()) || digits.first() == Some(&b'0') {
            return None;
        }
        let mut value: u64 = 0;
        for &byte in digits {
            if !byte.is_ascii_digit() {
                return None;
            }
            value = value * 10 + u64::from(byte - b'0');
        }
        Some(Self(value))
    }

    /// The digits without the `+`, as the inventory filter and NANP rules want them.
    pub fn digits(self) -> u64 {
        self.0
    }

    /// The NANP NPA-NXX block (`202555` for `+12025551234`), when this is an 11-digit `+1`
    /// number; libphonenumber's US verdict is the same across a block, so it keys the cache.
    pub fn nanp_block(self) -> Option<u32> {
        if (10_000_000_000..20_000_000_000).contains(&self.0) {
            u32::try_from((self.0 - 10_000_000_000) / 10_000).ok()
        } else {
            None
        }
    }
}

/// The spelling of one number, written without the formatting machinery: a plan's
/// fingerprint writes a million of them, and `write!` cost over a thousand instructions
/// each.
struct Spelled {
    /// `+` and up to 20 digits (any `u64`), right-aligned.
    bytes: [u8; 21],
    start: usize,
}

impl Spelled {
    fn of(number: E164) -> Self {
        let mut bytes = [0; 21];
        let mut start = bytes.len();
        let mut value = number.0;
        for (index, slot) in bytes.iter_mut().enumerate().rev() {
            start = index;
            if value == 0 && index + 1 < 21 {
                *slot = b'+';
                break;
            }
            *slot = b'0' + u8::try_from(value % 10).unwrap_or_default();
            value /= 10;
        }
        Self { bytes, start }
    }

    fn as_str(&self) -> &str {
        // Only ASCII was written, so this never fails.
        self.bytes
            .get(self.start..)
            .and_then(|bytes| std::str::from_utf8(bytes).ok())
            .unwrap_or_default()
    }
}

impl serde::Serialize for E164 {
    /// As the API writes it: `"+12025551234"`.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(Spelled::of(*self).as_str())
    }
}

impl fmt::Display for E164 {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(Spelled::of(*self).as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn case(text: &str, expected: Option<&str>) {
        assert_eq!(
            E164::parse(text)
                .map(|number| number.to_string())
                .as_deref(),
            expected
        );
    }

    #[test]
    fn parse() {
        case("+12025551234", Some("+12025551234"));
        case("+447911123456", Some("+447911123456"));
        case("+123456789012345", Some("+123456789012345"));
        case("+1234567890123456", None);
        case("+1", None);
        case("12025551234", None);
        case("+02025551234", None);
        case("+1 202 555 1234", None);
        case("+1202555123a", None);
        case("", None);
        case("+", None);
    }

    #[test]
    fn spelled_like_the_integer() {
        for value in [0, 7, 10, 12_025_551_234, 999_999_999_999_999, u64::MAX] {
            assert_eq!(Spelled::of(E164(value)).as_str(), format!("+{value}"));
        }
        let json = serde_json::to_string(&E164::parse("+447911123456")).unwrap();
        assert_eq!(json, r#""+447911123456""#);
    }

    #[test]
    fn nanp_block() {
        let block = |text: &str| E164::parse(text).and_then(E164::nanp_block);
        assert_eq!(block("+12025551234"), Some(202_555));
        assert_eq!(block("+19999999999"), Some(999_999));
        assert_eq!(block("+1202555123"), None);
        assert_eq!(block("+447911123456"), None);
    }
}
