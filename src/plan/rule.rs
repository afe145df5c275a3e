//! The stable ids of the rules behind plan errors and warnings, and of `check`'s policy
//! rules: CI formats group and silence problems by them (SARIF lists each with its meaning),
//! and README's tables list them all; tests keep both in step with these lists.

/// Every plan error and warning rule and what it means, in README's order.
pub const ALL: &[(&str, &str)] = &[
    (
        "account_unreadable",
        "the account could not be read (after the client's retries): nothing is planned",
    ),
    (
        "ambiguous_enterprise",
        "several enterprises of the account match the manifest: pin one with `enterprise.id`",
    ),
    (
        "account_changed",
        "another run created the manifest's enterprise while the account was read, on each of three reads: nothing is planned",
    ),
    (
        "invalid_settings",
        "the run cannot reach an account at all: no key, a refused API URL, a bad price table, a sandbox that did not start",
    ),
    (
        "not_planned",
        "a valid manifest left unplanned because another manifest of the run is invalid",
    ),
    (
        "enterprise_not_found",
        "the manifest's enterprise `id` names no enterprise of the account",
    ),
    (
        "immutable_field",
        "a field the API cannot change once set (`organization_type`, `country_code`, `role_type`)",
    ),
    (
        "loa_unreadable",
        "the live LOA document answered 404, so `loa.file` cannot be compared with it",
    ),
    (
        "document_not_found",
        "a `document_id` (LOA or ownership proof) that the account's documents do not hold",
    ),
    (
        "proof_required",
        "numbers hosted elsewhere must be added again after a disable and the manifest declares no ownership proof",
    ),
    (
        "proof_rejected",
        "the ownership proof was rejected and the manifest still declares it",
    ),
    (
        "proof_locked",
        "the approved ownership proof is locked and the manifest declares another",
    ),
    (
        "number_not_in_inventory",
        "a number to add that the account does not own (declare an ownership proof to add it as hosted elsewhere)",
    ),
    (
        "number_not_eligible",
        "a number in the inventory that is not an active US local or toll-free number, or a toll-free number outside it (toll-free numbers are monitored only from the inventory)",
    ),
    (
        "monitored_elsewhere",
        "a number another enterprise of the account already monitors",
    ),
    (
        "mass_removal",
        "`prune: true` would remove more than max(10, 25 %) of the monitored numbers, or all of them, without `--allow-mass-removal`",
    ),
    (
        "disable_refused",
        "the plan disables Number Reputation without `--allow-disable`",
    ),
    (
        "internal",
        "the plan could not be made from what was read (a number whose eligibility was not observed: plan again), or a bug in telrep (the message says which)",
    ),
    (
        "similar_enterprise",
        "warning: no enterprise has the legal name, one has a similar one",
    ),
    (
        "loa_not_comparable",
        "warning: the live LOA has no sha256, size or name to compare `loa.file` with",
    ),
    (
        "ownership_unconfirmed",
        "warning: a number hosted elsewhere whose ownership awaits confirmation",
    ),
];

/// `check`'s rules: the policy's keys, and the ownership deadline.
pub const POLICY: &[(&str, &str)] = &[
    (
        "max_spam_risk",
        "`spam_risk` is above the policy's `max_spam_risk`",
    ),
    (
        "min_maturity_score",
        "`maturity_score` is below `min_maturity_score`",
    ),
    (
        "min_connection_score",
        "`connection_score` is below `min_connection_score`",
    ),
    (
        "min_engagement_score",
        "`engagement_score` is below `min_engagement_score`",
    ),
    (
        "min_sentiment_score",
        "`sentiment_score` is below `min_sentiment_score`",
    ),
    (
        "max_data_age",
        "the data was last refreshed longer ago than `max_data_age`",
    ),
    (
        "require_data",
        "the number has no `spam_risk` yet (no reputation data, or data without a rating)",
    ),
    (
        "ownership_confirmation",
        "Telnyx asks to confirm the number's ownership within 24 hours (or by an unknown deadline)",
    ),
];

/// What a rule id means, whichever list holds it (validation, plan, policy).
pub fn meaning(rule: &str) -> Option<&'static str> {
    crate::manifest::rule::ALL
        .iter()
        .chain(ALL)
        .chain(POLICY)
        .find(|(id, _)| *id == rule)
        .map(|(_, meaning)| *meaning)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rule ids written as literals in the planner's source: the first argument of
    /// `Problem::new(` (on its line or the next), `rule: "…"`, the rule argument of
    /// `number_problem`, and the first of a verdict's `=> ("rule", …)` pair.
    fn rules_in(source: &str) -> Vec<String> {
        let lines: Vec<&str> = source
            .lines()
            .take_while(|line| !line.starts_with("#[cfg(test)]"))
            .collect();
        let mut found = Vec::new();
        for (index, line) in lines.iter().enumerate() {
            let next = lines.get(index + 1).copied().unwrap_or("");
            let sites = [
                line.split("Problem::new(")
                    .nth(1)
                    .map(|rest| if rest.trim().is_empty() { next } else { rest }),
                line.split("rule: ").nth(1),
                line.split("number_problem(list, number, ").nth(1),
                line.split("=> (")
                    .nth(1)
                    .map(|rest| if rest.trim().is_empty() { next } else { rest }),
            ];
            for after in sites.into_iter().flatten() {
                let Some(literal) = after.trim_start().strip_prefix('"') else {
                    continue;
                };
                let id: String = literal
                    .chars()
                    .take_while(|character| character.is_ascii_lowercase() || *character == '_')
                    .collect();
                if literal
                    .get(id.len()..)
                    .is_some_and(|rest| rest.starts_with('"'))
                {
                    found.push(id);
                }
            }
        }
        found
    }

    #[test]
    fn every_rule_the_planner_writes_is_listed() {
        let sources = [
            include_str!("../diff/mod.rs"),
            include_str!("../diff/numbers.rs"),
            include_str!("../diff/external.rs"),
            include_str!("../diff/enterprise.rs"),
            include_str!("../diff/loa.rs"),
            include_str!("../cli/plan.rs"),
            include_str!("../observe.rs"),
        ];
        let written: std::collections::BTreeSet<String> =
            sources.iter().flat_map(|source| rules_in(source)).collect();
        let listed: std::collections::BTreeSet<String> = ALL
            .iter()
            .map(|(id, _)| (*id).to_owned())
            .chain([
                super::super::safety::MASS_REMOVAL.to_owned(),
                super::super::safety::DISABLE_REFUSED.to_owned(),
            ])
            .collect();
        let unlisted: Vec<&String> = written.difference(&listed).collect();
        assert!(
            unlisted.is_empty(),
            "rules not in plan::rule::ALL: {unlisted:?}"
        );
        // The scan finds what it must: the literals of each kind of site.
        for id in [
            "immutable_field",
            "number_not_in_inventory",
            "monitored_elsewhere",
            "similar_enterprise",
            "not_planned",
            "account_unreadable",
        ] {
            assert!(
                written.contains(id),
                "{id} not found by the scan: {written:?}"
            );
        }
    }

    #[test]
    fn the_policy_rules_are_the_policys_keys() {
        let ids: Vec<&str> = POLICY.iter().map(|(id, _)| *id).collect();
        let mut expected = vec!["max_spam_risk"];
        expected.extend(crate::model::SCORE_RULES.iter().map(|(rule, _)| *rule));
        expected.extend(["max_data_age", "require_data", "ownership_confirmation"]);
        assert_eq!(ids, expected);
    }

    /// README's tables of plan and policy rules are exactly `ALL` and `POLICY`.
    #[test]
    fn readme_lists_every_plan_and_policy_rule() {
        let readme = include_str!("../../README.md");
        for (header, list) in [
            ("| plan rule | meaning |", ALL),
            ("| policy rule | meaning |", POLICY),
        ] {
            let table: Vec<&str> = readme
                .lines()
                .skip_while(|line| *line != header)
                .skip(2)
                .take_while(|line| line.starts_with('|'))
                .collect();
            let expected: Vec<String> = list
                .iter()
                .map(|(id, meaning)| format!("| `{id}` | {meaning} |"))
                .collect();
            assert_eq!(table, expected, "{header}");
        }
    }

    #[test]
    fn ids_are_unique_across_every_list() {
        let mut ids: Vec<&str> = crate::manifest::rule::ALL
            .iter()
            .chain(ALL)
            .chain(POLICY)
            .map(|(id, _)| *id)
            .collect();
        let count = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), count);
        assert_eq!(
            meaning("max_data_age"),
            Some("the data was last refreshed longer ago than `max_data_age`")
        );
        assert_eq!(meaning("no_such_rule"), None);
    }
}
