//! The manifest's `policy:` block: what `report` flags and `check` gates on, as plain
//! values, and the durations every flag and manifest field spells the same way.

use std::time::Duration;

use super::SpamRisk;

/// The reputation a team accepts for its managed numbers; every rule is optional.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Policy {
    /// A number rated above it violates `max_spam_risk`.
    pub max_spam_risk: Option<SpamRisk>,
    /// `min_maturity_score`, `min_connection_score`, `min_engagement_score`,
    /// `min_sentiment_score`, in this order (0–100; a null score never violates).
    pub min_scores: [Option<u8>; 4],
    /// Data refreshed longer ago than this violates `max_data_age`.
    pub max_data_age: Option<Duration>,
    /// A number with no reputation data yet violates `require_data`.
    pub require_data: bool,
}

/// The `min_*` rules' names, in `Policy::min_scores` order, with the score each reads.
pub const SCORE_RULES: [(&str, &str); 4] = [
    ("min_maturity_score", "maturity_score"),
    ("min_connection_score", "connection_score"),
    ("min_engagement_score", "engagement_score"),
    ("min_sentiment_score", "sentiment_score"),
];

/// A duration as telrep spells it everywhere: `0`, or a whole number with `ms`, `s`, `m`,
/// `h` or `d`; `None` for anything else.
pub fn parse_duration(text: &str) -> Option<Duration> {
    if text == "0" {
        return Some(Duration::ZERO);
    }
    let split = text.find(|character: char| !character.is_ascii_digit())?;
    let (digits, unit) = text.split_at(split);
    let value: u64 = digits.parse().ok()?;
    let seconds = |factor: u64| Some(Duration::from_secs(value.checked_mul(factor)?));
    match unit {
        "ms" => Some(Duration::from_millis(value)),
        "s" => seconds(1),
        "m" => seconds(60),
        "h" => seconds(3_600),
        "d" => seconds(86_400),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("0"), Some(Duration::ZERO));
        assert_eq!(parse_duration("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(
            parse_duration("14d"),
            Some(Duration::from_secs(14 * 86_400))
        );
        assert_eq!(parse_duration("2h"), Some(Duration::from_secs(7_200)));
        for bad in ["", "d", "1.5h", "14 d", "-1s", "3w", "0s0"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }
}
