//! The `policy` block: the rules `report` flags and `check` gates on, each optional.

use super::{POLICY_FIELDS, Walker};
use crate::manifest::diagnostic::shown;
use crate::manifest::rule;
use crate::manifest::tree::{Node, Value};
use crate::model::{Policy, SCORE_RULES, SpamRisk, parse_duration};

impl Walker<'_> {
    pub(super) fn policy(&mut self, node: &Node) -> Option<Policy> {
        let mapping = self.mapping(node, node.place, "policy", POLICY_FIELDS)?;
        let mut ok = true;
        let mut policy = Policy::default();
        if let Some(node) = mapping.get("max_spam_risk") {
            policy.max_spam_risk = self.choice::<SpamRisk>(node, "max_spam_risk");
            ok &= policy.max_spam_risk.is_some();
        }
        for (slot, (name, _)) in policy.min_scores.iter_mut().zip(SCORE_RULES) {
            if let Some(node) = mapping.get(name) {
                *slot = self.score(node, name);
                ok &= slot.is_some();
            }
        }
        if let Some(node) = mapping.get("max_data_age") {
            policy.max_data_age = self.duration(node, "max_data_age");
            ok &= policy.max_data_age.is_some();
        }
        if let Some(node) = mapping.get("require_data") {
            let value = self.boolean(node, "require_data");
            policy.require_data = value.unwrap_or(false);
            ok &= value.is_some();
        }
        ok.then_some(policy)
    }

    /// A whole number from 0 to 100.
    fn score(&mut self, node: &Node, field: &str) -> Option<u8> {
        if let Value::Int(value) = node.value
            && let Ok(score) = u8::try_from(value)
            && score <= 100
        {
            return Some(score);
        }
        let found = self.literal(node);
        self.error(
            rule::INVALID_VALUE,
            node.place,
            format!(
                "expected a whole number from 0 to 100 for `{field}`, found `{}`",
                shown(&found)
            ),
            Some("scores run from 0 to 100, e.g. `40`".to_owned()),
        );
        None
    }

    /// A duration: `0`, or a whole number with `ms`, `s`, `m`, `h` or `d`.
    fn duration(&mut self, node: &Node, field: &str) -> Option<std::time::Duration> {
        let text = match &node.value {
            Value::Str(text) => text.clone(),
            _ => self.literal(node),
        };
        if let Some(duration) = parse_duration(&text) {
            return Some(duration);
        }
        self.error(
            rule::INVALID_VALUE,
            node.place,
            format!(
                "expected a duration for `{field}`, found `{}`",
                shown(&text)
            ),
            Some(
                "write a whole number with `ms`, `s`, `m`, `h` or `d`, e.g. `14d`, or `0`"
                    .to_owned(),
            ),
        );
        None
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use crate::model::{Policy, SpamRisk};

    fn policy(block: &str) -> Policy {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let text = std::fs::read_to_string(root.join("valid_minimal.yaml")).unwrap() + block;
        let directory = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(directory.path().join("loa")).unwrap();
        std::fs::copy(
            root.join("loa/signed.pdf"),
            directory.path().join("loa/signed.pdf"),
        )
        .unwrap();
        let path = directory.path().join("acme.yaml");
        std::fs::write(&path, text).unwrap();
        crate::manifest::load(&path, Default::default())
            .unwrap()
            .policy
    }

    #[test]
    fn every_rule_reads_and_an_absent_block_is_no_rule() {
        assert_eq!(policy(""), Policy::default());
        assert_eq!(
            policy(
                "policy:\n  max_spam_risk: medium\n  min_maturity_score: 40\n  min_sentiment_score: 0\n  max_data_age: 14d\n  require_data: true\n"
            ),
            Policy {
                max_spam_risk: Some(SpamRisk::Medium),
                min_scores: [Some(40), None, None, Some(0)],
                max_data_age: Some(Duration::from_secs(14 * 86_400)),
                require_data: true,
            }
        );
    }
}
