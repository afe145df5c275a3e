//! The terms of service: agreeing, the status and agreement listings, and the gate that
//! keeps reputation calls at 403 until the current terms are agreed (docs/api.md). Uses
//! the shared builders of `rules` and the wire types.

use serde_json::json;

use super::{
    Context, Outcome, Problem, Query, at_parameter, data, entry, paginate, problem, timestamp,
};
use crate::sandbox::state::{CURRENT_TERMS_VERSION, World};
use crate::telnyx::wire::TosAgreement;

impl World {
    fn has_agreed(&self) -> bool {
        self.agreements.iter().any(|agreement| {
            agreement.product_type == "number_reputation"
                && agreement.terms_version == CURRENT_TERMS_VERSION
        })
    }

    /// 403 on reputation calls until the current terms are agreed.
    pub fn require_terms(&self) -> Result<(), Problem> {
        if self.has_agreed() {
            Ok(())
        } else {
            Err(problem(
                403,
                "10010",
                "Terms of service not accepted",
                "Agree to the Number Reputation terms of service first: POST /terms_of_service/number_reputation/agree",
            ))
        }
    }

    /// `POST /terms_of_service/number_reputation/agree`: idempotent, 201.
    pub fn tos_agree(&mut self, context: Context<'_>) -> Outcome {
        if let Some(existing) = self.agreements.iter().find(|agreement| {
            agreement.product_type == "number_reputation"
                && agreement.terms_version == CURRENT_TERMS_VERSION
        }) {
            return data(201, existing);
        }
        let now = timestamp(context.now_ms);
        let agreement = TosAgreement {
            id: self.next_id(
                context.rules.seed,
                &format!("agreement/{CURRENT_TERMS_VERSION}"),
                |world, id| world.agreements.iter().any(|agreement| agreement.id == id),
            ),
            agreed_at: now.clone(),
            created_at: now,
            product_type: "number_reputation".to_owned(),
            terms_version: CURRENT_TERMS_VERSION.to_owned(),
            version: CURRENT_TERMS_VERSION.to_owned(),
        };
        self.agreements.push(agreement.clone());
        data(201, &agreement)
    }

    /// `GET /terms_of_service/status`; `product_type` defaults to `branded_calling`.
    pub fn tos_status(&self, query: &Query) -> Outcome {
        let product_type = query.get("product_type").unwrap_or("branded_calling");
        if !matches!(product_type, "branded_calling" | "number_reputation") {
            return Err(Problem {
                status: 422,
                errors: vec![at_parameter(
                    entry(
                        "10015",
                        "Invalid parameter",
                        format!("unknown product_type `{product_type}`"),
                    ),
                    "product_type",
                )],
            });
        }
        let latest = self
            .agreements
            .iter()
            .rev()
            .find(|agreement| agreement.product_type == product_type);
        let current =
            latest.is_some_and(|agreement| agreement.terms_version == CURRENT_TERMS_VERSION);
        data(
            200,
            &json!({
                "agreement_required": !current,
                "has_agreed": latest.is_some(),
                "current_terms_version": CURRENT_TERMS_VERSION,
                "agreed_version": latest.map(|agreement| agreement.terms_version.clone()),
                "agreed_at": latest.map(|agreement| agreement.agreed_at.clone()),
                "product_type": product_type,
            }),
        )
    }

    /// `GET /terms_of_service/agreements`, every product unless `product_type` narrows it.
    pub fn tos_agreements(&self, query: &Query) -> Outcome {
        let product_type = query.get("product_type");
        let agreements: Vec<&TosAgreement> = self
            .agreements
            .iter()
            .filter(|agreement| product_type.is_none_or(|wanted| agreement.product_type == wanted))
            .collect();
        paginate(&agreements, query, 20)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::super::tests::{NOW, acme, context, enabled_acme};
    use super::super::{Body, Reply, Rules};
    use super::*;

    fn not_agreed() -> Problem {
        problem(
            403,
            "10010",
            "Terms of service not accepted",
            "Agree to the Number Reputation terms of service first: POST /terms_of_service/number_reputation/agree",
        )
    }

    #[test]
    fn reputation_calls_are_403_until_the_terms_are_agreed() {
        let rules = Rules::default();
        let mut world = World::default();
        world.create_enterprise(&acme(), context(&rules)).unwrap();
        let id = world.enterprises[0].id.clone();
        let numbers = json!({ "phone_numbers": ["+12025551234"] });
        #[track_caller]
        fn case(world: &mut World, call: impl FnOnce(&mut World) -> Outcome) {
            let before = world.clone();
            assert_eq!(call(world), Err(not_agreed()));
            assert_eq!(*world, before);
        }
        let context = context(&rules);
        let number = "+12025551234";
        case(&mut world, |world| world.enable(&id, &json!({}), context));
        case(&mut world, |world| world.get_reputation(&id));
        case(&mut world, |world| world.disable(&id));
        case(&mut world, |world| {
            world.patch_frequency(&id, &json!({}), context)
        });
        case(&mut world, |world| {
            world.patch_loa(&id, &json!({}), context)
        });
        case(&mut world, |world| {
            world.list_numbers(&id, &Query::default())
        });
        case(&mut world, |world| {
            world.add_numbers(&id, &numbers, context)
        });
        case(&mut world, |world| world.refresh(&id, &numbers, context));
        case(&mut world, |world| {
            world.get_number(Some(&id), number, true, context)
        });
        case(&mut world, |world| {
            world.get_number(None, number, false, context)
        });
        case(&mut world, |world| world.delete_number(Some(&id), number));
        case(&mut world, |world| world.delete_number(None, number));
        case(&mut world, |world| {
            world.list_all_numbers(&Query::default())
        });
        case(&mut world, |world| {
            world.submit_external_verification(&id, &json!({}), context)
        });
        case(&mut world, |world| world.get_external_verification(&id));
        case(&mut world, |world| {
            world.get_ownership(&id, number, context)
        });
        case(&mut world, |world| {
            world.confirm_ownership(&id, number, &json!({ "still_own": true }), context)
        });
        case(&mut world, |world| {
            world.patch_webhook(&id, &json!({ "webhook_url": null }))
        });
        assert_eq!(world.require_terms(), Err(not_agreed()));
        world.tos_agree(context).unwrap();
        assert_eq!(world.require_terms(), Ok(()));
    }

    #[test]
    fn agreeing_is_idempotent() {
        let rules = Rules::default();
        let mut world = World::default();
        let first = world.tos_agree(context(&rules));
        let later = Context {
            now_ms: NOW + 60_000,
            rules: &rules,
        };
        let second = world.tos_agree(later);
        let expected = json!({ "data": {
            "id": world.agreements[0].id,
            "agreed_at": "2026-01-01T00:00:00Z",
            "created_at": "2026-01-01T00:00:00Z",
            "product_type": "number_reputation",
            "terms_version": CURRENT_TERMS_VERSION,
            "version": CURRENT_TERMS_VERSION,
        }});
        let reply = Ok(Reply {
            status: 201,
            body: Some(Body::Value(expected)),
        });
        assert_eq!(
            (first, second, world.agreements.len()),
            (reply.clone(), reply, 1)
        );
    }

    #[test]
    fn status_by_product() {
        #[track_caller]
        fn case(world: &World, query: &str, expected: Value) {
            assert_eq!(
                world.tos_status(&Query::parse(query)),
                Ok(Reply {
                    status: 200,
                    body: Some(Body::Value(json!({ "data": expected })))
                })
            );
        }
        let rules = Rules::default();
        let mut world = World::default();
        let never = |product_type: &str| {
            json!({
                "agreement_required": true,
                "has_agreed": false,
                "current_terms_version": CURRENT_TERMS_VERSION,
                "agreed_version": null,
                "agreed_at": null,
                "product_type": product_type,
            })
        };
        case(&world, "", never("branded_calling"));
        case(
            &world,
            "product_type=number_reputation",
            never("number_reputation"),
        );
        world.tos_agree(context(&rules)).unwrap();
        case(&world, "", never("branded_calling"));
        let agreed = json!({
            "agreement_required": false,
            "has_agreed": true,
            "current_terms_version": CURRENT_TERMS_VERSION,
            "agreed_version": CURRENT_TERMS_VERSION,
            "agreed_at": "2026-01-01T00:00:00Z",
            "product_type": "number_reputation",
        });
        case(&world, "product_type=number_reputation", agreed.clone());
        world.agreements[0].terms_version = "2025-01-01".to_owned();
        let mut outdated = agreed;
        outdated["agreement_required"] = json!(true);
        outdated["agreed_version"] = json!("2025-01-01");
        case(&world, "product_type=number_reputation", outdated);
    }

    #[test]
    fn status_of_an_unknown_product_is_422() {
        let expected = Problem {
            status: 422,
            errors: vec![at_parameter(
                entry("10015", "Invalid parameter", "unknown product_type `voice`"),
                "product_type",
            )],
        };
        assert_eq!(
            World::default().tos_status(&Query::parse("product_type=voice")),
            Err(expected)
        );
    }

    #[test]
    fn agreements_by_product() {
        #[track_caller]
        fn case(world: &World, query: &str, expected: &[&TosAgreement]) {
            let meta = json!({
                "page_number": 1,
                "page_size": expected.len(),
                "total_pages": 1,
                "total_results": expected.len(),
            });
            assert_eq!(
                world.tos_agreements(&Query::parse(query)),
                Ok(Reply {
                    status: 200,
                    body: Some(Body::Value(json!({ "data": expected, "meta": meta })))
                })
            );
        }
        let rules = Rules::default();
        let mut world = World::default();
        enabled_acme(&mut world, &rules);
        let mut branded = world.agreements[0].clone();
        branded.product_type = "branded_calling".to_owned();
        world.agreements.push(branded.clone());
        let reputation = world.agreements[0].clone();
        case(&world, "", &[&reputation, &branded]);
        case(&world, "product_type=number_reputation", &[&reputation]);
        case(&world, "product_type=branded_calling", &[&branded]);
        case(&world, "product_type=voice", &[]);
    }
}
