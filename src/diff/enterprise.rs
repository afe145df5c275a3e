//! The enterprise part of the diff: create or update (mutable fields, old → new; an
//! immutable one is an error), and the other enterprises an error names.

use serde_json::Value;

use super::*;

/// Fields the API refuses to change after creation (docs/api.md, "Enterprises").
const IMMUTABLE: &[&str] = &["organization_type", "country_code", "role_type"];

impl Planner<'_> {
    pub(super) fn enterprise(&mut self) {
        let desired = &self.desired.enterprise;
        let Some(live) = &self.live.enterprise else {
            if let Some(id) = &desired.id {
                let mut problem = Problem::new(
                    "enterprise_not_found",
                    format!(
                        "the manifest pins enterprise `id` `{}`, which this account does not have: remove `id` to create `{}`, or fix the id",
                        id.as_str(),
                        desired.legal_name
                    ),
                );
                problem.help = self.similar_enterprise_help();
                self.problems.push(problem);
                return;
            }
            self.steps.push(Step::new(
                Action::CreateEnterprise,
                "/enterprises".to_owned(),
                format!("no enterprise has legal_name `{}`", desired.legal_name),
            ));
            for other in &self.live.other_enterprises {
                // An enterprise monitoring the manifest's numbers gets the error's advice.
                if let Some(name) = &other.legal_name
                    && similar_names(name, &desired.legal_name)
                    && !self.monitors_manifest_numbers(&other.id)
                {
                    self.warnings.push(Warning {
                        rule: "similar_enterprise".to_owned(),
                        message: format!(
                            "an enterprise with a similar legal name exists: `{name}` (`{}`); if it is this manifest's enterprise, pin it with `id: {}` under `enterprise` instead of creating another",
                            other.id, other.id
                        ),
                        phone_number: None,
                        confirm_by: None,
                    });
                }
            }
            return;
        };
        let Ok(Value::Object(desired_fields)) = serde_json::to_value(desired) else {
            self.problems.push(Problem::new(
                "internal",
                "internal error: the enterprise does not serialise; please report it".to_owned(),
            ));
            return;
        };
        let mut changes = Vec::new();
        for (field, value) in &desired_fields {
            if field == "id" {
                continue;
            }
            let live_value = live.fields.get(field).unwrap_or(&Value::Null);
            let mut field_changes = Vec::new();
            compare(field, value, live_value, &mut field_changes);
            if field_changes.is_empty() {
                continue;
            }
            if IMMUTABLE.contains(&field.as_str()) {
                self.problems.push(Problem::new("immutable_field", format!(
                    "`{field}` cannot change from `{}` to `{}`: the API refuses changes to it after creation, and telrep never deletes an enterprise; put `{}` back in the manifest, or declare a new enterprise under another legal_name",
                    // An absent value reads as empty between the backticks.
                    display(live_value).unwrap_or_default(),
                    display(value).unwrap_or_default(),
                    display(live_value).unwrap_or_default(),
                )));
                continue;
            }
            changes.extend(field_changes);
        }
        if !changes.is_empty() {
            let names: Vec<&str> = changes.iter().map(|change| change.field.as_str()).collect();
            let step = Step::new(
                Action::UpdateEnterprise,
                format!("/enterprises/{}", live.id),
                format!(
                    "{} from the manifest",
                    Count::new(names.len(), "field differs", "fields differ")
                ),
            );
            self.steps
                .push(step.with(Detail::UpdateEnterprise { fields: changes }));
        }
    }

    pub(super) fn other(&self, enterprise_id: &str) -> Option<&crate::model::OtherEnterprise> {
        self.live
            .other_enterprises
            .iter()
            .find(|other| other.id == enterprise_id)
    }

    /// "`Legal Name` (`id`)" when the name is known, else "`id`".
    pub(super) fn enterprise_name(&self, enterprise_id: &str) -> String {
        match self
            .other(enterprise_id)
            .and_then(|other| other.legal_name.as_deref())
        {
            Some(legal_name) => format!("`{legal_name}` (`{enterprise_id}`)"),
            None => format!("`{enterprise_id}`"),
        }
    }

    /// Whether enterprise `id` already monitors some of the manifest's numbers.
    fn monitors_manifest_numbers(&self, id: &str) -> bool {
        self.live.candidates.values().any(|candidate| {
            matches!(eligibility(candidate), Eligibility::MonitoredElsewhere { enterprise_id } if enterprise_id == id)
        })
    }

    /// For a pinned id that does not exist: the live enterprises it may have meant.
    pub(super) fn similar_enterprise_help(&self) -> Option<String> {
        let legal_name = &self.desired.enterprise.legal_name;
        let named: Vec<String> = self
            .live
            .other_enterprises
            .iter()
            .filter(|other| {
                other
                    .legal_name
                    .as_deref()
                    .is_some_and(|other| similar_names(other, legal_name))
            })
            .map(|other| self.enterprise_name(&other.id))
            .collect();
        let owners: Vec<String> = self
            .live
            .candidates
            .values()
            .filter_map(|candidate| match eligibility(candidate) {
                Eligibility::MonitoredElsewhere { enterprise_id } => {
                    Some(self.enterprise_name(&enterprise_id))
                }
                _ => None,
            })
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let exact = self
            .live
            .other_enterprises
            .iter()
            .any(|other| other.legal_name.as_deref() == Some(legal_name.as_str()));
        if !named.is_empty() {
            Some(format!(
                "{}: {}; pin its id, or remove `id` to match by legal_name",
                if exact {
                    format!("an enterprise with legal_name `{legal_name}` exists")
                } else {
                    "an enterprise with a similar legal name exists".to_owned()
                },
                named.join(", ")
            ))
        } else if !owners.is_empty() {
            Some(format!(
                "the manifest's numbers are monitored by {}: if that is this enterprise, pin its id",
                owners.join(", ")
            ))
        } else {
            None
        }
    }
}

/// Whether two legal names are probably the same business: equal ignoring case, one
/// containing the other, or close in edit distance.
pub(super) fn similar_names(live: &str, desired: &str) -> bool {
    let (live, desired) = (live.to_lowercase(), desired.to_lowercase());
    live.contains(&desired)
        || desired.contains(&live)
        || strsim::normalized_levenshtein(&live, &desired) >= 0.6
}

/// Adds a change for `field` (recursing one level into objects, dotted names) when the
/// manifest's value differs from the live one; nulls and absent fields are the same.
pub(super) fn compare(field: &str, desired: &Value, live: &Value, changes: &mut Vec<FieldChange>) {
    match (desired, live) {
        (Value::Object(desired), live) => {
            for (key, value) in desired {
                let live = live.get(key).unwrap_or(&Value::Null);
                compare(&format!("{field}.{key}"), value, live, changes);
            }
        }
        (desired, live) if desired == live => {}
        (Value::Null, _) => {}
        (desired, live) => changes.push(FieldChange {
            field: field.to_owned(),
            old: display(live),
            new: display(desired),
        }),
    }
}

pub(super) fn display(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(text) => Some(text.clone()),
        other => Some(other.to_string()),
    }
}
