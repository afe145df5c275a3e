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
            id: self.next_id(context.rules.seed),
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
