//! `telrep report` and `check`: what Telnyx knows of each monitored number, sorted by risk,
//! with the manifest's policy applied. Pure: the account arrives as values and the clock as
//! a timestamp, so every rule is a unit test.

mod render;

use serde::{Deserialize, Serialize};

use crate::model::{Desired, E164, OwnershipStatus, Policy, SCORE_RULES, SpamRisk, WireEnum};
use crate::telnyx::wire::{ReputationData, ReputationSettings};

pub use render::{csv, markdown, text};

/// Bumped when a key's meaning changes; new keys may appear without a bump.
pub const FORMAT_VERSION: u32 = 1;

/// How long before `confirm_by` an unconfirmed ownership already fails `check`.
const CONFIRM_MARGIN: jiff::SignedDuration = jiff::SignedDuration::from_hours(24);

/// `report --format json`: one report per manifest.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Reports {
    /// 1.
    pub format_version: u32,
    /// In the order the manifests were named.
    pub reports: Vec<Report>,
}

/// One manifest's enterprise, settings and monitored numbers.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Report {
    /// The manifest, as named.
    pub manifest: String,
    /// The enterprise it declares.
    pub enterprise: ReportEnterprise,
    /// Its reputation settings; null when Number Reputation is not enabled.
    pub settings: Option<ReportSettings>,
    /// Every monitored number, managed or not, worst first.
    pub numbers: Vec<ReportNumber>,
    /// Counts over `numbers`.
    pub summary: Summary,
}

/// The enterprise by id (null when it does not exist yet) and legal name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ReportEnterprise {
    /// Lowercase UUID.
    pub id: Option<String>,
    /// As the manifest names it.
    pub legal_name: String,
}

/// The settings a reader of a report needs, as the API spells them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ReportSettings {
    /// Vetting.
    pub status: String,
    /// The LOA's review.
    pub loa_status: String,
    /// The linked LOA document.
    pub loa_document_id: Option<String>,
    /// The refresh frequency.
    pub check_frequency: String,
    /// The ownership proof's review; null until one is submitted.
    pub external_verification_status: Option<String>,
}

impl From<&ReputationSettings> for ReportSettings {
    fn from(settings: &ReputationSettings) -> Self {
        Self {
            status: settings.status.clone(),
            loa_status: settings.loa_status.clone(),
            loa_document_id: settings.loa_document_id.clone(),
            check_frequency: settings.check_frequency.clone(),
            external_verification_status: settings.external_verification_status.clone(),
        }
    }
}

/// One monitored number.
// Decoded from its record of the number pages (inline, no `flatten`, which would buffer
// every record), then given what the manifest and the policy say of it in place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ReportNumber {
    /// E.164.
    pub phone_number: String,
    /// Whether the manifest lists it.
    #[serde(skip_deserializing)]
    pub managed: bool,
    /// `telnyx` or `external`; null before the API reported it.
    #[serde(default)]
    pub source: Option<String>,
    /// `verified`, `pending_confirmation`, `flagged`, `removed`, or a value the API adds.
    #[serde(default)]
    pub ownership_status: Option<String>,
    /// The deadline for confirming its ownership, when Telnyx asks.
    #[serde(default)]
    pub confirm_by: Option<String>,
    /// Null until its first refresh.
    #[serde(default)]
    #[schemars(with = "Option<ReportData>")]
    pub reputation_data: Option<ReputationData>,
    /// The policy rules it breaks.
    #[serde(skip_deserializing)]
    pub violations: Vec<Violation>,
    /// Where the manifest lists it, for the numbers `check` may name (a violation, or an
    /// ownership deadline).
    #[serde(skip)]
    pub place: Option<crate::model::Place>,
}

/// `reputation_data`'s documented keys, for the schema (the API may add more).
#[derive(schemars::JsonSchema)]
#[allow(dead_code)]
struct ReportData {
    spam_risk: Option<String>,
    spam_category: Option<String>,
    maturity_score: Option<i64>,
    connection_score: Option<i64>,
    engagement_score: Option<i64>,
    sentiment_score: Option<i64>,
    last_refreshed_at: Option<String>,
}

/// A broken rule, named as its manifest key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Violation {
    /// `max_spam_risk`, `min_maturity_score`, …, `ownership_confirmation`.
    pub rule: String,
    /// What the number's data says against it.
    pub detail: String,
}

/// Counts over a report's numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, schemars::JsonSchema)]
pub struct Summary {
    /// Monitored numbers.
    pub numbers: usize,
    /// By `spam_risk`.
    pub by_spam_risk: BySpamRisk,
    /// In `pending_confirmation` or `flagged`.
    pub ownership_flagged: usize,
    /// With at least one violation.
    pub violations: usize,
}

/// Numbers per `spam_risk`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, schemars::JsonSchema)]
pub struct BySpamRisk {
    /// `high`.
    pub high: usize,
    /// `medium`.
    pub medium: usize,
    /// `low`.
    pub low: usize,
    /// A value the API added.
    pub other: usize,
    /// No data yet, or `spam_risk` null.
    pub no_data: usize,
}

/// Where a number stands on the risk scale, worst first; the sort key of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Risk {
    /// `high`.
    High,
    /// `medium`.
    Medium,
    /// `low`.
    Low,
    /// A value the API added.
    Other,
    /// No data yet.
    NoData,
}

impl Risk {
    /// The risk of `data` (no data, or a null `spam_risk`, is `NoData`).
    pub fn of(data: Option<&ReputationData>) -> Self {
        match data.and_then(|data| data.spam_risk.as_deref()) {
            None => Self::NoData,
            Some("high") => Self::High,
            Some("medium") => Self::Medium,
            Some("low") => Self::Low,
            Some(_) => Self::Other,
        }
    }
}

/// What `report` reads for one manifest: the enterprise's id, settings and number pages.
#[derive(Debug, Clone, Default)]
pub struct Account {
    /// The enterprise's id, when it exists.
    pub enterprise_id: Option<String>,
    /// Its settings, when Number Reputation is enabled.
    pub settings: Option<ReputationSettings>,
    /// Every record of its number pages.
    pub numbers: Vec<ReportNumber>,
}

/// The report of one manifest at `now`: its numbers worst first (then by number), each
/// with the policy's violations; a number Telnyx removed is not monitored, so not listed.
pub fn build(desired: &Desired, account: Account, now: jiff::Timestamp) -> Report {
    let places = desired_numbers(desired);
    // Sorted and searched: a hash of 100,000 numbers cost more than the search.
    let mut index_of: Vec<(E164, usize)> = places
        .numbers
        .iter()
        .enumerate()
        .map(|(index, number)| (*number, index))
        .collect();
    index_of.sort_unstable();
    let mut numbers = account.numbers;
    numbers.retain(|number| ownership(number) != Some(OwnershipStatus::Removed));
    // Ordered where they lie (one pass of swaps), then completed in place: sorting the
    // rows, or moving them into a second vector, moved tens of megabytes twice.
    let order = sort_order(&numbers);
    permute(&mut numbers, &order);
    for number in &mut numbers {
        let index = E164::parse(&number.phone_number).and_then(|parsed| {
            let found = index_of.binary_search_by_key(&parsed, |(managed, _)| *managed);
            found
                .ok()
                .and_then(|at| index_of.get(at))
                .map(|(_, index)| *index)
        });
        number.managed = index.is_some();
        number.violations = violations(&desired.policy, number.reputation_data.as_ref(), now);
        // Only `check` names places, of numbers with a violation or a deadline: building
        // one for each of 100,000 numbers was a string apiece.
        number.place = index
            .filter(|_| !number.violations.is_empty() || number.confirm_by.is_some())
            .and_then(|index| places.place(index));
    }
    let summary = summarize(&numbers);
    Report {
        manifest: desired.manifest.display().to_string(),
        enterprise: ReportEnterprise {
            id: account.enterprise_id,
            legal_name: desired.enterprise.legal_name.clone(),
        },
        settings: account.settings.as_ref().map(ReportSettings::from),
        numbers,
        summary,
    }
}

/// The report's order of `records`, worst risk first, then by number as text: the index of
/// the record each position takes. Each number is listed once, so an unstable sort gives
/// the same order as a stable one.
fn sort_order(records: &[ReportNumber]) -> Vec<usize> {
    let risk = |record: &ReportNumber| Risk::of(record.reputation_data.as_ref());
    let keys: Option<Vec<(Risk, u64, usize)>> = records
        .iter()
        .enumerate()
        .map(|(index, record)| Some((risk(record), text_order(&record.phone_number)?, index)))
        .collect();
    if let Some(mut keys) = keys {
        keys.sort_unstable();
        return keys.into_iter().map(|(_, _, index)| index).collect();
    }
    // A number the API spelled otherwise: the text itself is the key.
    let mut keys: Vec<(Risk, &str, usize)> = records
        .iter()
        .enumerate()
        .map(|(index, record)| (risk(record), record.phone_number.as_str(), index))
        .collect();
    keys.sort_unstable();
    keys.into_iter().map(|(_, _, index)| index).collect()
}

/// A number that compares as its text does, for `+` and 1 to 15 digits: each digit one
/// more than itself in base 11, padded with zeros (lower than any digit) to 15 places, so
/// a prefix sorts first, as in text. `None` for any other spelling.
fn text_order(text: &str) -> Option<u64> {
    let digits = text.strip_prefix('+')?.as_bytes();
    if digits.is_empty() || digits.len() > 15 {
        return None;
    }
    let mut key: u64 = 0;
    for place in 0..15 {
        let value = match digits.get(place) {
            Some(digit) if digit.is_ascii_digit() => u64::from(digit - b'0') + 1,
            Some(_) => return None,
            None => 0,
        };
        key = key * 11 + value;
    }
    Some(key)
}

/// Reorders `items` so position `i` holds what was at `order[i]`, by following each cycle
/// of the permutation with swaps: no second vector. `order` must be a permutation.
fn permute<T>(items: &mut [T], order: &[usize]) {
    let mut placed = vec![false; items.len()];
    for start in 0..items.len() {
        let mut current = start;
        loop {
            match placed.get_mut(current) {
                Some(done) if !*done => *done = true,
                _ => break,
            }
            let Some(&source) = order.get(current) else {
                break;
            };
            if source == start || source >= items.len() {
                break;
            }
            items.swap(current, source);
            current = source;
        }
    }
}

fn desired_numbers(desired: &Desired) -> &crate::model::NumberList {
    static EMPTY: std::sync::OnceLock<crate::model::NumberList> = std::sync::OnceLock::new();
    match &desired.reputation {
        crate::model::ReputationSpec::Enabled { numbers, .. } => numbers,
        crate::model::ReputationSpec::Disabled => {
            EMPTY.get_or_init(crate::model::NumberList::default)
        }
    }
}

fn ownership(record: &ReportNumber) -> Option<OwnershipStatus> {
    record
        .ownership_status
        .as_deref()
        .map(OwnershipStatus::from_wire)
}

fn summarize(numbers: &[ReportNumber]) -> Summary {
    let mut summary = Summary {
        numbers: numbers.len(),
        ..Summary::default()
    };
    for number in numbers {
        let counter = match Risk::of(number.reputation_data.as_ref()) {
            Risk::High => &mut summary.by_spam_risk.high,
            Risk::Medium => &mut summary.by_spam_risk.medium,
            Risk::Low => &mut summary.by_spam_risk.low,
            Risk::Other => &mut summary.by_spam_risk.other,
            Risk::NoData => &mut summary.by_spam_risk.no_data,
        };
        *counter += 1;
        if number
            .ownership_status
            .as_deref()
            .is_some_and(|status| OwnershipStatus::from_wire(status).awaits_confirmation())
        {
            summary.ownership_flagged += 1;
        }
        if !number.violations.is_empty() {
            summary.violations += 1;
        }
    }
    summary
}

/// The policy rules `data` breaks at `now`, in the manifest's key order. A null score never
/// breaks a `min_*` rule; a `spam_risk` value the API added is not ranked, so breaks none.
pub fn violations(
    policy: &Policy,
    data: Option<&ReputationData>,
    now: jiff::Timestamp,
) -> Vec<Violation> {
    let mut found = Vec::new();
    let mut push = |rule: &str, detail: String| {
        found.push(Violation {
            rule: rule.to_owned(),
            detail,
        });
    };
    let risk = data.and_then(|data| data.spam_risk.as_deref());
    if let (Some(max), Some(risk)) = (policy.max_spam_risk, risk)
        && let Some(rated) = SpamRisk::from_wire(risk)
        && rank(rated) > rank(max)
    {
        push(
            "max_spam_risk",
            format!("spam_risk `{risk}` is above `{}`", max.as_str()),
        );
    }
    if let Some(data) = data {
        let scores = [
            data.maturity_score,
            data.connection_score,
            data.engagement_score,
            data.sentiment_score,
        ];
        for ((rule, field), (min, score)) in
            SCORE_RULES.iter().zip(policy.min_scores.iter().zip(scores))
        {
            if let (Some(min), Some(score)) = (min, score)
                && score < i64::from(*min)
            {
                push(rule, format!("{field} {score} is below {min}"));
            }
        }
    }
    if let Some(age) = policy.max_data_age
        && let Some(refreshed) = data.and_then(|data| data.last_refreshed_at.as_deref())
        && let Ok(at) = refreshed.parse::<jiff::Timestamp>()
        && let Ok(age) = jiff::SignedDuration::try_from(age)
        && now.duration_since(at) > age
    {
        push(
            "max_data_age",
            format!(
                "last refreshed at {refreshed}, {} ago, longer than {}",
                whole(now.duration_since(at)),
                whole(age)
            ),
        );
    }
    if policy.require_data && risk.is_none() {
        push("require_data", "no reputation data yet".to_owned());
    }
    found
}

fn rank(risk: SpamRisk) -> u8 {
    match risk {
        SpamRisk::Low => 0,
        SpamRisk::Medium => 1,
        SpamRisk::High => 2,
    }
}

/// `check`'s extra rule: a managed number whose ownership Telnyx asks about, with
/// `confirm_by` past or less than 24 hours away.
pub fn ownership_violation(number: &ReportNumber, now: jiff::Timestamp) -> Option<Violation> {
    let status = OwnershipStatus::from_wire(number.ownership_status.as_deref()?);
    if !status.awaits_confirmation() {
        return None;
    }
    let deadline = number.confirm_by.as_deref();
    let due = deadline
        .and_then(|at| at.parse::<jiff::Timestamp>().ok())
        .is_none_or(|at| at.duration_since(now) <= CONFIRM_MARGIN);
    due.then(|| Violation {
        rule: "ownership_confirmation".to_owned(),
        detail: format!(
            "ownership is `{status}`, to confirm by {}: `telrep ownership confirm` answers it",
            deadline.unwrap_or("an unknown deadline")
        ),
    })
}

/// A duration in its largest whole unit (`31d`, `5h`, `12m`, `40s`).
fn whole(duration: jiff::SignedDuration) -> String {
    let seconds = duration.as_secs().max(0);
    match seconds {
        s if s >= 86_400 => format!("{}d", s / 86_400),
        s if s >= 3_600 => format!("{}h", s / 3_600),
        s if s >= 60 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// The managed numbers of `report` that break a rule at `now`, with `check`'s ownership
/// rule added: what the gate fails on.
pub fn gate(report: &Report, now: jiff::Timestamp) -> Vec<ReportNumber> {
    report
        .numbers
        .iter()
        .filter(|number| number.managed)
        .filter_map(|number| {
            let mut number = number.clone();
            number.violations.extend(ownership_violation(&number, now));
            (!number.violations.is_empty()).then_some(number)
        })
        .collect()
}

/// The managed numbers a refresh with `--stale-after age` takes: never refreshed, or
/// longer ago than `age` at `now` (an unreadable timestamp counts as stale).
pub fn stale(report: &Report, age: std::time::Duration, now: jiff::Timestamp) -> Vec<String> {
    let age = jiff::SignedDuration::try_from(age).unwrap_or(jiff::SignedDuration::MAX);
    report
        .numbers
        .iter()
        .filter(|number| number.managed)
        .filter(|number| {
            let refreshed = number
                .reputation_data
                .as_ref()
                .and_then(|data| data.last_refreshed_at.as_deref())
                .and_then(|at| at.parse::<jiff::Timestamp>().ok());
            refreshed.is_none_or(|at| now.duration_since(at) > age)
        })
        .map(|number| number.phone_number.clone())
        .collect()
}

#[cfg(test)]
mod tests;
