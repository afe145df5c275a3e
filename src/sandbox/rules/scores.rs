//! `POST /_sandbox/reputation`: sets a monitored number's `reputation_data` as a refresh
//! would, without billing, so tests and demos can show any rating.

use serde_json::Value;

use super::ownership::is_monitored;
use super::{Context, Outcome, data, invalid_body, not_found, timestamp};
use crate::sandbox::state::World;
use crate::telnyx::wire::ReputationData;

impl World {
    /// `{"phone_number", "reputation_data": {...} | null}`: 200 with the number's record;
    /// 404 for a number no enterprise monitors; 422 for a bad body, naming the field. A
    /// given `last_refreshed_at` is kept, else it is now.
    pub fn control_reputation(&mut self, body: &Value, context: Context<'_>) -> Outcome {
        let invalid = invalid_body;
        let object = body
            .as_object()
            .ok_or_else(|| invalid("expected a JSON object".to_owned(), ""))?;
        if let Some(extra) = object
            .keys()
            .find(|key| !matches!(key.as_str(), "phone_number" | "reputation_data"))
        {
            return Err(invalid(
                format!("`{extra}` is not allowed"),
                &format!("/{extra}"),
            ));
        }
        let phone_number = object
            .get("phone_number")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid("`phone_number` is required".to_owned(), "/phone_number"))?;
        let given = object.get("reputation_data").ok_or_else(|| {
            invalid(
                "`reputation_data` is required (an object, or null)".to_owned(),
                "/reputation_data",
            )
        })?;
        let reputation = match given {
            Value::Null => None,
            value => {
                let mut parsed: ReputationData =
                    serde_json::from_value(value.clone()).map_err(|error| {
                        invalid(format!("`reputation_data`: {error}"), "/reputation_data")
                    })?;
                if parsed.last_refreshed_at.is_none() {
                    parsed.last_refreshed_at = Some(timestamp(context.now_ms));
                }
                Some(parsed)
            }
        };
        let record = self
            .numbers
            .get_mut(phone_number)
            .filter(|record| is_monitored(record))
            .ok_or_else(|| not_found("Phone number"))?;
        record.reputation_data = reputation;
        record.updated_at = timestamp(context.now_ms);
        data(200, record)
    }
}

/// Reputation data derived from the number and the seed, so reports are reproducible:
/// about 80 % low, 15 % medium and 5 % high risk, scores 0–100, refreshed `now_ms`.
pub(super) fn reputation_data(number: &str, seed: u64, now_ms: i64) -> ReputationData {
    let digits: u64 = number.trim_start_matches('+').parse().unwrap_or(0);
    let mut rng = fastrand::Rng::with_seed(seed ^ digits.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let (spam_risk, categories): (&str, &[&str]) = match rng.u8(..20) {
        0..=15 => ("low", &[]),
        16..=18 => ("medium", &["Survey", "Political", "Nonprofit"]),
        _ => ("high", &["Telemarketer", "Debt Collector"]),
    };
    // Low risk has no category: `get` of an empty list is none.
    let spam_category = categories
        .get(rng.usize(..categories.len().max(1)))
        .map(|category| (*category).to_owned());
    ReputationData {
        spam_risk: Some(spam_risk.to_owned()),
        spam_category,
        maturity_score: Some(rng.i64(0..=100)),
        connection_score: Some(rng.i64(0..=100)),
        engagement_score: Some(rng.i64(0..=100)),
        sentiment_score: Some(rng.i64(0..=100)),
        last_refreshed_at: Some(timestamp(now_ms)),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::Rules;
    use super::super::tests::{NOW, context, enabled_acme};
    use super::*;

    fn monitored(world: &mut World, rules: &Rules) -> String {
        let id = enabled_acme(world, rules);
        world.add_inventory(
            &[("+12025550100".to_owned(), "local".to_owned())],
            context(rules),
        );
        world
            .add_numbers(
                &id,
                &json!({"phone_numbers": ["+12025550100"]}),
                context(rules),
            )
            .unwrap();
        id
    }

    #[test]
    fn sets_the_data_unbilled_and_keeps_a_given_time() {
        let rules = Rules::default();
        let mut world = World::default();
        let id = monitored(&mut world, &rules);
        let before = world.billing;
        let reply = world
            .control_reputation(
                &json!({"phone_number": "+12025550100", "reputation_data": {
                    "spam_risk": "high", "maturity_score": 7, "new_key": 1}}),
                context(&rules),
            )
            .unwrap();
        let record = &reply.json()["data"];
        assert_eq!(record["reputation_data"]["spam_risk"], "high");
        assert_eq!(
            record["reputation_data"]["last_refreshed_at"],
            timestamp(NOW)
        );
        assert_eq!(world.billing, before);
        world
            .control_reputation(
                &json!({"phone_number": "+12025550100", "reputation_data": {
                    "spam_risk": null, "last_refreshed_at": "2025-01-01T00:00:00Z"}}),
                context(&rules),
            )
            .unwrap();
        assert_eq!(
            world.numbers.to_vec(&id)[0]
                .reputation_data
                .as_ref()
                .and_then(|data| data.last_refreshed_at.as_deref()),
            Some("2025-01-01T00:00:00Z")
        );
    }

    #[test]
    fn refuses_an_unknown_number_and_a_bad_body() {
        let rules = Rules::default();
        let mut world = World::default();
        monitored(&mut world, &rules);
        let status = |world: &mut World, body: Value| {
            world
                .control_reputation(&body, context(&rules))
                .unwrap_err()
                .status
        };
        assert_eq!(
            status(
                &mut world,
                json!({"phone_number": "+12025550199", "reputation_data": null})
            ),
            404
        );
        assert_eq!(
            status(&mut world, json!({"phone_number": "+12025550100"})),
            422
        );
        assert_eq!(
            status(
                &mut world,
                json!({"phone_number": "+12025550100", "reputation_data": {"maturity_score": "x"}})
            ),
            422
        );
        assert_eq!(
            status(
                &mut world,
                json!({"phone_number": "+12025550100", "reputation_data": null, "x": 1})
            ),
            422
        );
    }

    #[test]
    fn reputation_data_follows_the_number_and_the_seed() {
        let data = reputation_data("+12025551234", 7, NOW);
        assert_eq!(data, reputation_data("+12025551234", 7, NOW));
        assert_ne!(data, reputation_data("+12025551234", 8, NOW));
        assert_eq!(
            data.last_refreshed_at.as_deref(),
            Some("2026-01-01T00:00:00Z")
        );
    }

    #[test]
    fn seeded_data_is_mostly_low_risk() {
        let mut counts = std::collections::BTreeMap::new();
        for index in 0..10_000 {
            let data = reputation_data(&format!("+1202{index:07}"), 7, NOW);
            let risk = data.spam_risk.unwrap();
            assert_eq!(data.spam_category.is_none(), risk == "low", "{risk}");
            *counts.entry(risk).or_insert(0_u32) += 1;
        }
        let share = |risk: &str| f64::from(counts[risk]) / 10_000.0;
        assert!((share("low") - 0.80).abs() < 0.02, "{counts:?}");
        assert!((share("medium") - 0.15).abs() < 0.02, "{counts:?}");
        assert!((share("high") - 0.05).abs() < 0.01, "{counts:?}");
    }
}
