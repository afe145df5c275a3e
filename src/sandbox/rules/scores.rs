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
            .values_mut()
            .flatten()
            .find(|record| record.phone_number == phone_number && is_monitored(record))
            .ok_or_else(|| not_found("Phone number"))?;
        record.reputation_data = reputation;
        record.updated_at = timestamp(context.now_ms);
        data(200, record)
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
        let record = &reply.body.unwrap()["data"];
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
            world.numbers[&id][0]
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
}
