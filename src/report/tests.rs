use std::time::Duration;

use super::*;

const NOW: &str = "2026-12-02T12:00:00Z";

fn now() -> jiff::Timestamp {
    NOW.parse().unwrap()
}

fn data(risk: Option<&str>, maturity: Option<i64>, refreshed: &str) -> ReputationData {
    ReputationData {
        spam_risk: risk.map(str::to_owned),
        spam_category: None,
        maturity_score: maturity,
        connection_score: Some(50),
        engagement_score: None,
        sentiment_score: Some(70),
        last_refreshed_at: Some(refreshed.to_owned()),
    }
}

fn policy() -> Policy {
    Policy {
        max_spam_risk: Some(SpamRisk::Medium),
        min_scores: [Some(40), None, Some(10), Some(80)],
        max_data_age: Some(Duration::from_secs(14 * 86_400)),
        require_data: true,
    }
}

fn rules(found: &[Violation]) -> Vec<(&str, &str)> {
    found
        .iter()
        .map(|violation| (violation.rule.as_str(), violation.detail.as_str()))
        .collect()
}

#[test]
fn every_rule_is_named_as_its_key_and_null_never_violates_a_minimum() {
    let old = data(Some("high"), Some(12), "2026-11-01T12:00:00Z");
    assert_eq!(
        rules(&violations(&policy(), Some(&old), now())),
        [
            ("max_spam_risk", "spam_risk `high` is above `medium`"),
            ("min_maturity_score", "maturity_score 12 is below 40"),
            ("min_sentiment_score", "sentiment_score 70 is below 80"),
            (
                "max_data_age",
                "last refreshed at 2026-11-01T12:00:00Z, 31d ago, longer than 14d"
            ),
        ]
    );
    // engagement_score is null: its minimum of 10 is not broken.
    let fresh = data(Some("medium"), Some(40), "2026-12-01T12:00:00Z");
    let mut lenient = policy();
    lenient.min_scores[3] = None;
    assert_eq!(violations(&lenient, Some(&fresh), now()), []);
    assert_eq!(
        rules(&violations(&policy(), None, now())),
        [("require_data", "no reputation data yet")]
    );
    // A null spam_risk is no data; a value the API added is not ranked.
    let unrated = data(None, None, "2026-12-01T12:00:00Z");
    assert_eq!(
        rules(&violations(&lenient, Some(&unrated), now())),
        [("require_data", "no reputation data yet")]
    );
    let severe = data(Some("severe"), None, "2026-12-01T12:00:00Z");
    assert_eq!(violations(&lenient, Some(&severe), now()), []);
    assert_eq!(violations(&Policy::default(), Some(&old), now()), []);
}

/// A record as the number pages give it: nothing of the manifest or the policy yet.
fn record(number: &str, reputation: Option<ReputationData>) -> ReportNumber {
    ReportNumber {
        phone_number: number.to_owned(),
        managed: false,
        source: Some("telnyx".to_owned()),
        ownership_status: Some("verified".to_owned()),
        confirm_by: None,
        reputation_data: reputation,
        violations: Vec::new(),
        place: None,
    }
}

impl ReportNumber {
    fn with_nothing_reported(mut self) -> Self {
        self.source = None;
        self.ownership_status = None;
        self
    }
}

fn desired(listed: &[&str]) -> Desired {
    let numbers: Vec<E164> = listed.iter().map(|n| E164::parse(n).unwrap()).collect();
    let mut desired = crate::diff::tests::desired(&numbers, false);
    desired.policy = Policy {
        max_spam_risk: Some(SpamRisk::Low),
        ..Policy::default()
    };
    desired
}

fn fleet() -> Report {
    let fresh = "2026-12-01T12:00:00Z";
    let mut flagged = record("+12025550105", Some(data(Some("low"), Some(90), fresh)));
    flagged.ownership_status = Some("pending_confirmation".to_owned());
    flagged.confirm_by = Some("2026-12-03T06:00:00Z".to_owned());
    let mut removed = record("+12025550106", None);
    removed.ownership_status = Some("removed".to_owned());
    let account = Account {
        enterprise_id: Some("e".to_owned()),
        settings: None,
        numbers: vec![
            record("+12025550104", None),
            record("+12025550103", Some(data(Some("low"), Some(90), fresh))),
            record("+12025550102", Some(data(Some("high"), Some(5), fresh))),
            flagged,
            record("+12025550101", Some(data(Some("severe"), None, fresh))),
            record("+12025550100", Some(data(Some("medium"), Some(60), fresh))),
            removed,
        ],
    };
    build(
        &desired(&["+12025550100", "+12025550102", "+12025550105"]),
        account,
        now(),
    )
}

#[test]
fn numbers_sort_by_risk_then_number_and_the_summary_counts_them() {
    let report = fleet();
    let order: Vec<(&str, bool)> = report
        .numbers
        .iter()
        .map(|number| (number.phone_number.as_str(), number.managed))
        .collect();
    assert_eq!(
        order,
        [
            ("+12025550102", true),
            ("+12025550100", true),
            ("+12025550103", false),
            ("+12025550105", true),
            ("+12025550101", false),
            ("+12025550104", false),
        ]
    );
    assert_eq!(
        report.summary,
        Summary {
            numbers: 6,
            by_spam_risk: BySpamRisk {
                high: 1,
                medium: 1,
                low: 2,
                other: 1,
                no_data: 1
            },
            ownership_flagged: 1,
            violations: 2,
        }
    );
}

#[test]
fn a_record_of_the_number_pages_decodes_into_a_row_with_nothing_of_the_manifest() {
    // What the API sends, with keys telrep does not read and two it must not take from
    // the server: whether the manifest lists the number, and its violations.
    let row: ReportNumber = serde_json::from_value(serde_json::json!({
        "phone_number": "+12025550100",
        "source": "external",
        "ownership_status": "flagged",
        "flag_reason": "carrier_changed",
        "confirm_by": "2026-12-03T06:00:00Z",
        "reputation_data": {"spam_risk": "high", "maturity_score": 7, "new_score": 1},
        "managed": true,
        "violations": [{"rule": "x", "detail": "y"}],
    }))
    .unwrap();
    assert_eq!(row.phone_number, "+12025550100");
    assert_eq!(row.source.as_deref(), Some("external"));
    assert_eq!(row.ownership_status.as_deref(), Some("flagged"));
    assert_eq!(row.confirm_by.as_deref(), Some("2026-12-03T06:00:00Z"));
    let data = row.reputation_data.as_ref().unwrap();
    assert_eq!(
        (data.spam_risk.as_deref(), data.maturity_score),
        (Some("high"), Some(7))
    );
    assert!(!row.managed);
    assert_eq!(row.violations, []);
    assert_eq!(row.place, None);
    // Absent fields are null.
    let bare: ReportNumber =
        serde_json::from_value(serde_json::json!({"phone_number": "+12025550101"})).unwrap();
    assert_eq!(bare, record("+12025550101", None).with_nothing_reported());
}

#[test]
fn the_number_key_orders_as_the_text_does_and_odd_spellings_sort_as_text() {
    let spellings = [
        "+1",
        "+10",
        "+19",
        "+100",
        "+12025550100",
        "+1202555010",
        "+120255501000",
        "+447911123456",
        "+44",
        "+999999999999999",
        "+0",
        "+123456789012345",
        "+2",
    ];
    for left in spellings {
        for right in spellings {
            assert_eq!(
                text_order(left).cmp(&text_order(right)),
                left.cmp(right),
                "{left} against {right}"
            );
        }
    }
    assert_eq!(text_order("+1234567890123456"), None);
    assert_eq!(text_order("+"), None);
    assert_eq!(text_order("12025550100"), None);
    assert_eq!(text_order("+1202555O100"), None);
    // One spelling the key cannot hold puts the whole account on the text order.
    let records = vec![
        record("+12025550102", None),
        record("tel:+12025550101", None),
        record("+1202555010", None),
    ];
    assert_eq!(sort_order(&records), [2, 0, 1]);
}

#[test]
fn a_permutation_is_applied_in_place_cycle_by_cycle() {
    // Two cycles (0 2 4) and (1 3), and a fixed point 5.
    let order = [2, 3, 4, 1, 0, 5];
    let mut items = ["a", "b", "c", "d", "e", "f"];
    permute(&mut items, &order);
    assert_eq!(items, ["c", "d", "e", "b", "a", "f"]);
    let mut reversed: Vec<usize> = (0..1_000).collect();
    let order: Vec<usize> = (0..1_000).rev().collect();
    permute(&mut reversed, &order);
    assert_eq!(reversed, order);
}

#[test]
fn check_gates_on_managed_numbers_and_near_ownership_deadlines() {
    let report = fleet();
    let gate_now = gate(&report, now());
    let gated: Vec<(&str, Vec<&str>)> = gate_now
        .iter()
        .map(|number| {
            (
                number.phone_number.as_str(),
                number.violations.iter().map(|v| v.rule.as_str()).collect(),
            )
        })
        .collect();
    assert_eq!(
        gated,
        [
            ("+12025550102", vec!["max_spam_risk"]),
            ("+12025550100", vec!["max_spam_risk"]),
            ("+12025550105", vec!["ownership_confirmation"]),
        ]
    );
    // Two days before the deadline, the ownership rule does not fire yet.
    let earlier: jiff::Timestamp = "2026-12-01T05:00:00Z".parse().unwrap();
    assert_eq!(gate(&report, earlier).len(), 2);
}

#[test]
fn csv_has_the_exact_header_and_quotes_what_needs_it() {
    let mut report = fleet();
    report.numbers.truncate(1);
    if let Some(data) = &mut report.numbers[0].reputation_data {
        data.spam_category = Some("Debt \"Collector\", Inc".to_owned());
    }
    assert_eq!(
        csv(&[report]),
        "manifest,phone_number,managed,source,spam_risk,spam_category,maturity_score,connection_score,engagement_score,sentiment_score,last_refreshed_at,ownership_status,violations\r\n\
         acme.yaml,+12025550102,true,telnyx,high,\"Debt \"\"Collector\"\", Inc\",5,50,,70,2026-12-01T12:00:00Z,verified,max_spam_risk\r\n"
    );
}

#[test]
fn the_text_table_is_aligned() {
    let mut report = fleet();
    report.numbers.truncate(2);
    report.summary = summarize(&report.numbers);
    assert_eq!(
        text(&[report], false),
        "Enterprise Acme Corp (id e), manifest acme.yaml
Number Reputation is not enabled: nothing is monitored

  PHONE NUMBER  MANAGED  SOURCE  SPAM RISK  CATEGORY  MATURITY  CONNECTION  ENGAGEMENT  SENTIMENT  REFRESHED             OWNERSHIP  VIOLATIONS
  +12025550102  yes      telnyx  high       -         5         50          -           70         2026-12-01T12:00:00Z  verified   max_spam_risk
  +12025550100  yes      telnyx  medium     -         60        50          -           70         2026-12-01T12:00:00Z  verified   max_spam_risk

2 numbers: 1 high, 1 medium, 0 low, 0 other, 0 no data; 0 ownership flagged; 2 with violations
"
    );
}

#[test]
fn markdown_stays_within_the_comment_limit_worst_numbers_first() {
    let numbers: Vec<ReportNumber> = (0..5_000)
        .map(|index| {
            let risk = if index % 10 == 0 { "high" } else { "low" };
            record(
                &format!("+1202555{index:04}"),
                Some(data(Some(risk), Some(50), "2026-12-01T12:00:00Z")),
            )
        })
        .collect();
    let report = build(
        &desired(&[]),
        Account {
            enterprise_id: Some("e".to_owned()),
            settings: None,
            numbers,
        },
        now(),
    );
    let text = markdown(&[report]);
    assert!(text.len() <= 65_536, "{}", text.len());
    let rows: Vec<&str> = text
        .lines()
        .filter(|line| line.starts_with("| +1"))
        .collect();
    assert_eq!(rows.first().map(|row| &row[..16]), Some("| +12025550000 |"));
    // All 500 high numbers come before any low one.
    assert!(rows.len() > 500 && rows[..500].iter().all(|row| row.contains("| high |")));
    let left = 5_000 - rows.len();
    assert!(text.contains(&format!(
        "_… and {} more numbers, less at risk (`telrep report --format csv` lists every number)_",
        crate::plan::thousands(left)
    )));
    assert!(
        text.ends_with("| 5,000 | 500 | 0 | 4,500 | 0 | 0 | 0 | 500 |\n\n"),
        "{}",
        &text[text.len() - 200..]
    );
}
