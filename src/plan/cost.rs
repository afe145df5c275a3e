//! What a plan costs: the one-time charges apply would make and the monthly auto-refresh
//! bill before and after (docs/api.md, "Pricing"). Prices are configuration.

use serde::{Deserialize, Serialize};

use crate::model::CheckFrequency;

/// Published prices at the time of reading; `--prices FILE` overrides them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prices {
    /// Monitoring, per enterprise and month, charged at enable (USD).
    pub monitoring_per_month: f64,
    /// One reputation check (USD).
    pub per_check: f64,
    /// One number submitted for remediation (USD); optional, so price files written before
    /// remediation still read.
    #[serde(default = "default_per_remediation")]
    pub per_remediation: f64,
}

fn default_per_remediation() -> f64 {
    1.00
}

impl Default for Prices {
    fn default() -> Self {
        Self {
            monitoring_per_month: 100.0,
            per_check: 0.10,
            per_remediation: default_per_remediation(),
        }
    }
}

/// Scheduled checks a month per number: business days (261 a year), days, weeks,
/// fortnights, months.
pub fn checks_per_month(frequency: CheckFrequency) -> f64 {
    match frequency {
        CheckFrequency::BusinessDaily => 261.0 / 12.0,
        CheckFrequency::Daily => 365.0 / 12.0,
        CheckFrequency::Weekly => 52.0 / 12.0,
        CheckFrequency::Biweekly => 26.0 / 12.0,
        CheckFrequency::Monthly => 1.0,
        CheckFrequency::Never => 0.0,
    }
}

/// The plan's cost section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Cost {
    /// What apply bills when it runs: enable and added numbers (USD).
    pub apply_charges: Vec<Charge>,
    /// Sum of `apply_charges` (USD).
    pub apply_total: f64,
    /// Monthly monitoring plus auto-refresh now (USD).
    pub monthly_before: f64,
    /// Monthly monitoring plus auto-refresh after apply (USD).
    pub monthly_after: f64,
}

/// One billed item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Charge {
    /// What is billed.
    pub what: String,
    /// USD.
    pub amount: f64,
}

/// A monthly bill: monitoring when enabled, plus numbers × checks × price.
pub fn monthly(
    prices: Prices,
    enabled: bool,
    numbers: usize,
    frequency: Option<CheckFrequency>,
) -> f64 {
    if !enabled {
        return 0.0;
    }
    #[expect(clippy::cast_precision_loss, reason = "a money estimate")]
    let numbers = numbers as f64;
    let checks = frequency.map_or(0.0, checks_per_month);
    round_cents(prices.monitoring_per_month + numbers * checks * prices.per_check)
}

/// Rounds to whole cents.
pub fn round_cents(amount: f64) -> f64 {
    (amount * 100.0).round() / 100.0
}

/// `$1,234.50`.
pub fn dollars(amount: f64) -> String {
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "cents of a non-negative estimate"
    )]
    let cents = (amount * 100.0).round().max(0.0) as u64;
    format!(
        "${}.{:02}",
        super::thousands(usize::try_from(cents / 100).unwrap_or(usize::MAX)),
        cents % 100
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monthly_bills() {
        let prices = Prices::default();
        // docs/api.md, "Pricing": 500 numbers, monthly -> daily: about $150 -> about $1,620.
        assert_eq!(
            monthly(prices, true, 500, Some(CheckFrequency::Monthly)),
            150.0
        );
        assert_eq!(
            monthly(prices, true, 500, Some(CheckFrequency::Daily)),
            1620.83
        );
        assert_eq!(
            monthly(prices, false, 500, Some(CheckFrequency::Daily)),
            0.0
        );
        assert_eq!(dollars(1620.83), "$1,620.83");
        assert_eq!(dollars(0.1), "$0.10");
    }
}
