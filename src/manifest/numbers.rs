//! Which numbers Number Reputation can monitor, as libphonenumber's metadata decides it,
//! and the reader of numbers files.
//!
//! The rule (docs/api.md, "Monitored numbers" and "Inventory"): a valid number of region
//! `US` whose type is fixed-line, mobile, fixed-line-or-mobile or toll-free. telrep adds no
//! rules of its own. Asking `phonenumber` costs about 11 µs, so the verdict is memoised per NANP
//! NPA-NXX block (the first six national digits), within which libphonenumber's US
//! patterns do not vary.

use phonenumber::Type;

use crate::model::E164;

/// Why a number cannot be monitored, or that it can.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// A US fixed-line or mobile number.
    UsLocal,
    /// A US toll-free number: monitored only from the account's own inventory.
    UsTollFree,
    /// libphonenumber knows no numbering plan that contains it.
    Invalid,
    /// A valid number of another region (two ASCII letters).
    OtherRegion([u8; 2]),
    /// A valid US number of a type Number Reputation does not monitor.
    NotLocal(Type),
}

impl Verdict {
    /// The message for a number with this verdict, `None` when it is fine.
    pub fn problem(self, number: E164) -> Option<(String, String)> {
        match self {
            Self::UsLocal | Self::UsTollFree => None,
            Self::Invalid => Some((
                format!("`{number}` is not a valid phone number"),
                "libphonenumber's metadata has no numbering plan for it: check the digits"
                    .to_owned(),
            )),
            Self::OtherRegion(region) => Some((
                format!(
                    "`{number}` is a number of region `{}`, not `US`",
                    String::from_utf8_lossy(&region)
                ),
                "Number Reputation monitors US numbers only: remove it".to_owned(),
            )),
            Self::NotLocal(kind) => Some((
                format!("`{number}` is a {} number, not a local one", type_name(kind)),
                "Number Reputation monitors US local (fixed-line or mobile) and toll-free numbers only: remove it"
                    .to_owned(),
            )),
        }
    }
}

fn type_name(kind: Type) -> &'static str {
    match kind {
        Type::FixedLine => "fixed-line",
        Type::Mobile => "mobile",
        Type::FixedLineOrMobile => "fixed-line-or-mobile",
        Type::TollFree => "toll-free",
        Type::PremiumRate => "premium-rate",
        Type::SharedCost => "shared-cost",
        Type::PersonalNumber => "personal",
        Type::Voip => "VoIP",
        Type::Pager => "pager",
        Type::Uan => "UAN",
        Type::Emergency => "emergency",
        Type::Voicemail => "voicemail",
        Type::ShortCode => "short-code",
        Type::StandardRate => "standard-rate",
        Type::Carrier => "carrier",
        Type::NoInternational => "domestic-only",
        Type::Unknown => "unknown-type",
    }
}

const BLOCKS: usize = 1_000_000;

/// Memoised US-local verdicts, one per NPA-NXX block.
pub struct UsLocalCheck {
    blocks: Vec<Option<Verdict>>,
}

impl Default for UsLocalCheck {
    fn default() -> Self {
        Self::new()
    }
}

impl UsLocalCheck {
    /// An empty cache.
    pub fn new() -> Self {
        Self { blocks: Vec::new() }
    }

    /// The verdict for one number; cheap after the first number of its block.
    pub fn verdict(&mut self, number: E164) -> Verdict {
        let Some(block) = number
            .nanp_block()
            .and_then(|block| usize::try_from(block).ok())
        else {
            return ask_libphonenumber(number);
        };
        if self.blocks.is_empty() {
            self.blocks = vec![None; BLOCKS];
        }
        match self.blocks.get_mut(block) {
            Some(Some(verdict)) => *verdict,
            Some(slot) => *slot.insert(ask_libphonenumber(number)),
            None => ask_libphonenumber(number),
        }
    }
}

/// The uncached verdict: what libphonenumber's metadata says of the number.
pub fn ask_libphonenumber(number: E164) -> Verdict {
    let text = number.to_string();
    // Country code 1 is the only one that starts with 1.
    if let Some(kind) = text.strip_prefix("+1").and_then(super::nanp::us_type) {
        return us_verdict(kind);
    }
    let Ok(parsed) = phonenumber::parse(None, text) else {
        return Verdict::Invalid;
    };
    let database = &phonenumber::metadata::DATABASE;
    // `is_valid` is exactly "a region's metadata gives it a type", so the type alone says
    // it; each of `is_valid`, `country().id()` and `number_type` would search the regions
    // of the country code again (the cost at 9,600 NPA-NXX blocks).
    let kind = parsed.number_type(database);
    if kind == Type::Unknown {
        return Verdict::Invalid;
    }
    let region = parsed.metadata(database).map(|metadata| {
        let code = metadata.id().as_bytes();
        [
            code.first().copied().unwrap_or(b'?'),
            code.get(1).copied().unwrap_or(b'?'),
        ]
    });
    if region != Some(*b"US") {
        return Verdict::OtherRegion(region.unwrap_or(*b"??"));
    }
    us_verdict(kind)
}

fn us_verdict(kind: Type) -> Verdict {
    match kind {
        Type::FixedLine | Type::Mobile | Type::FixedLineOrMobile => Verdict::UsLocal,
        Type::TollFree => Verdict::UsTollFree,
        other => Verdict::NotLocal(other),
    }
}

/// One entry of a numbers file: the text of the number and where it stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry<'a> {
    /// The number as written (comments and whitespace removed).
    pub text: &'a str,
    /// 1-based line.
    pub line: usize,
    /// 1-based character column of the number's first character.
    pub column: usize,
    /// The whole line, for diagnostics.
    pub line_text: &'a str,
}

/// The entries of a numbers file: one number a line; blank lines, `#` comment lines and
/// trailing `# …` comments are skipped; surrounding whitespace is ignored.
pub fn entries(text: &str) -> impl Iterator<Item = Entry<'_>> {
    // Editors on Windows may save a byte-order mark; it is invisible, so columns skip it.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    lines(text).enumerate().filter_map(|(index, line_text)| {
        let content = line_text
            .bytes()
            .position(|byte| byte == b'#')
            .and_then(|hash| line_text.get(..hash))
            .unwrap_or(line_text);
        let text = content.trim();
        if text.is_empty() {
            return None;
        }
        let leading = content.len() - content.trim_start().len();
        let column = if leading == 0 {
            1
        } else {
            content
                .get(..leading)
                .map_or(0, |prefix| prefix.chars().count())
                + 1
        };
        Some(Entry {
            text,
            line: index + 1,
            column,
            line_text,
        })
    })
}

/// The lines of a numbers file, by a byte loop: a numbers file's lines are a dozen bytes,
/// and the pattern searcher `str::lines` sets up for each was a twentieth of loading a
/// million numbers. A line ends at LF, CRLF or a lone CR (a file saved with old Mac line
/// endings), as a manifest's lines do.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let bytes = rest.as_bytes();
        let Some(end) = bytes
            .iter()
            .position(|byte| *byte == b'\n' || *byte == b'\r')
        else {
            return Some(std::mem::take(&mut rest));
        };
        let ending = if bytes
            .get(end..)
            .is_some_and(|tail| tail.starts_with(b"\r\n"))
        {
            2
        } else {
            1
        };
        let line = rest.get(..end)?;
        rest = rest.get(end + ending..)?;
        Some(line)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn case(number: &str, expected: Verdict) {
        let number = E164::parse(number).unwrap();
        assert_eq!(ask_libphonenumber(number), expected, "{number}");
        let mut check = UsLocalCheck::new();
        assert_eq!(check.verdict(number), expected, "{number} (cached)");
        assert_eq!(check.verdict(number), expected, "{number} (cached twice)");
    }

    #[test]
    fn verdicts_follow_libphonenumber() {
        case("+12025551234", Verdict::UsLocal);
        case("+13125550100", Verdict::UsLocal);
        case("+18005551234", Verdict::UsTollFree);
        case("+18885550100", Verdict::UsTollFree);
        case("+19005551234", Verdict::NotLocal(Type::PremiumRate));
        case("+14165551234", Verdict::OtherRegion(*b"CA"));
        case("+15555551234", Verdict::Invalid);
        case("+447400123456", Verdict::OtherRegion(*b"GB"));
    }

    /// The verdict the three public calls give, each searching the regions itself.
    fn composed(number: E164) -> Verdict {
        let Ok(parsed) = phonenumber::parse(None, number.to_string()) else {
            return Verdict::Invalid;
        };
        if !phonenumber::is_valid(&parsed) {
            return Verdict::Invalid;
        }
        let region = parsed.country().id().map(|id| {
            let code = id.as_ref().as_bytes();
            [code[0], code[1]]
        });
        if region != Some(*b"US") {
            return Verdict::OtherRegion(region.unwrap_or(*b"??"));
        }
        match parsed.number_type(&phonenumber::metadata::DATABASE) {
            Type::FixedLine | Type::Mobile | Type::FixedLineOrMobile => Verdict::UsLocal,
            Type::TollFree => Verdict::UsTollFree,
            other => Verdict::NotLocal(other),
        }
    }

    #[test]
    fn the_fast_paths_give_the_verdict_of_the_three_public_calls() {
        let mut kinds = std::collections::BTreeMap::new();
        // Every NPA of the plan (valid, Canadian, Caribbean, toll-free, premium and
        // unassigned ones), three exchanges each, and numbers of other countries: the US
        // patterns compiled once, and the one region search, against the crate's calls.
        let numbers = (200..1000)
            .flat_map(|npa| {
                let spread = 200 + (npa * 7) % 800;
                [
                    format!("+1{npa}2001234"),
                    format!("+1{npa}5550100"),
                    format!("+1{npa}{spread}9876"),
                ]
            })
            .chain(
                [
                    "+447400123456",
                    "+33612345678",
                    "+4915112345678",
                    "+61412345678",
                    "+999123",
                ]
                .map(String::from),
            );
        for text in numbers {
            let number = E164::parse(&text).unwrap();
            let verdict = ask_libphonenumber(number);
            assert_eq!(verdict, composed(number), "{number}");
            *kinds
                .entry(format!("{verdict:?}").chars().take(8).collect::<String>())
                .or_insert(0) += 1;
        }
        // The sample reaches every kind of verdict.
        assert_eq!(
            kinds.keys().collect::<Vec<_>>(),
            ["Invalid", "NotLocal", "OtherReg", "UsLocal", "UsTollFr"]
        );
    }

    #[test]
    fn problems_read_well() {
        let number = E164::parse("+19005551234").unwrap();
        assert_eq!(
            Verdict::NotLocal(Type::PremiumRate).problem(number),
            Some((
                "`+19005551234` is a premium-rate number, not a local one".to_owned(),
                "Number Reputation monitors US local (fixed-line or mobile) and toll-free numbers only: remove it"
                    .to_owned()
            ))
        );
        assert_eq!(Verdict::UsLocal.problem(number), None);
        assert_eq!(Verdict::UsTollFree.problem(number), None);
    }

    #[test]
    fn entries_skip_comments_and_blanks() {
        let text = "\u{feff}# east\n+12025551234\n\n  +13125550100  # HQ\r\n\t#x\n+1 202\n";
        let found: Vec<_> = entries(text)
            .map(|entry| (entry.text, entry.line, entry.column))
            .collect();
        assert_eq!(
            found,
            [
                ("+12025551234", 2, 1),
                ("+13125550100", 4, 3),
                ("+1 202", 6, 1)
            ]
        );
    }

    #[test]
    fn lines_end_at_lf_crlf_or_a_lone_cr() {
        let cases: [(&str, &[&str]); 11] = [
            ("", &[]),
            ("\n", &[""]),
            ("a", &["a"]),
            ("a\n", &["a"]),
            ("a\r\nb", &["a", "b"]),
            ("a\r\n\r\n", &["a", ""]),
            ("\r", &[""]),
            ("a\rb\n", &["a", "b"]),
            ("é\n\nü", &["é", "", "ü"]),
            ("x\r", &["x"]),
            ("a\r\rb\n\r", &["a", "", "b", ""]),
        ];
        for (text, expected) in cases {
            assert_eq!(lines(text).collect::<Vec<_>>(), expected, "{text:?}");
        }
    }
}
