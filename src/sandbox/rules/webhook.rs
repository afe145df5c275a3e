//! The ownership webhook (`PATCH …/reputation/webhook`): an `https://` URL or null. The
//! API never shows it again, so the sandbox keeps it only in its state (`World::webhooks`).
//! Uses the shared builders of `rules`, `terms`' gate and `reputation`'s lookup.

use serde_json::Value;

use super::{Outcome, Problem, data, invalid_body};
use crate::sandbox::state::World;

/// The longest URL accepted.
const URL_LIMIT: usize = 2_048;

impl World {
    /// `PATCH …/reputation/webhook`: 200 with the settings (which do not show the URL);
    /// 404 without settings, 422 unless `webhook_url` is an `https://` URL or null.
    pub fn patch_webhook(&mut self, id: &str, body: &Value) -> Outcome {
        self.require_terms()?;
        self.settings(id)?;
        match webhook_url(body)? {
            Some(url) => self.webhooks.insert(id.to_owned(), url),
            None => self.webhooks.remove(id),
        };
        data(200, &self.settings(id)?.settings)
    }
}

/// The body's URL (`None` for null), or a 422.
fn webhook_url(body: &Value) -> Result<Option<String>, Problem> {
    let invalid = invalid_body;
    let object = body
        .as_object()
        .ok_or_else(|| invalid("expected a JSON object".to_owned(), ""))?;
    if let Some(extra) = object.keys().find(|key| *key != "webhook_url") {
        return Err(invalid(
            format!("`{extra}` is not allowed"),
            &format!("/{extra}"),
        ));
    }
    let must = || {
        invalid(
            "`webhook_url` must be an https:// URL (at most 2048 characters), or null to stop delivery"
                .to_owned(),
            "/webhook_url",
        )
    };
    match object.get("webhook_url") {
        Some(Value::Null) => Ok(None),
        Some(Value::String(text)) if is_https_url(text) => Ok(Some(text.clone())),
        _ => Err(must()),
    }
}

/// An absolute `https://` URL with a host, no credentials, within the length limit.
fn is_https_url(text: &str) -> bool {
    text.len() <= URL_LIMIT
        && url::Url::parse(text).is_ok_and(|url| {
            url.scheme() == "https"
                && url.host_str().is_some_and(|host| !host.is_empty())
                && url.username().is_empty()
                && url.password().is_none()
        })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::tests::{agreed_with_acme, enabled_acme, invalid};
    use super::super::{Body, Reply, Rules};
    use super::*;
    use crate::sandbox::rules::not_found;

    #[test]
    fn the_url_is_kept_in_the_state_only() {
        let rules = Rules::default();
        let mut world = World::default();
        let id = enabled_acme(&mut world, &rules);
        let settings = Ok(Reply {
            status: 200,
            body: Some(Body::Value(
                json!({ "data": world.reputation[&id].settings }),
            )),
        });
        let url = "https://hooks.example.com/telnyx?team=voice";
        let outcome = world.patch_webhook(&id, &json!({ "webhook_url": url }));
        assert_eq!(outcome, settings);
        assert_eq!(world.webhooks[&id], url);
        assert_eq!(
            world.patch_webhook(&id, &json!({ "webhook_url": null })),
            settings
        );
        assert!(world.webhooks.is_empty());
    }

    #[test]
    fn the_url_must_be_https_or_null() {
        #[track_caller]
        fn case(body: Value, detail: &str, pointer: &str) {
            let rules = Rules::default();
            let mut world = World::default();
            let id = enabled_acme(&mut world, &rules);
            let before = world.clone();
            assert_eq!(
                world.patch_webhook(&id, &body),
                Err(Problem {
                    status: 422,
                    errors: vec![invalid("Invalid request body", detail, pointer)],
                })
            );
            assert_eq!(world, before);
        }
        let must = "`webhook_url` must be an https:// URL (at most 2048 characters), or null to stop delivery";
        case(
            json!({ "webhook_url": "http://hooks.example.com/" }),
            must,
            "/webhook_url",
        );
        case(json!({ "webhook_url": "https://" }), must, "/webhook_url");
        case(
            json!({ "webhook_url": "hooks.example.com" }),
            must,
            "/webhook_url",
        );
        case(
            json!({ "webhook_url": "https://user:pw@hooks.example.com/" }),
            must,
            "/webhook_url",
        );
        let long = format!("https://hooks.example.com/{}", "a".repeat(2_048));
        case(json!({ "webhook_url": long }), must, "/webhook_url");
        case(json!({ "webhook_url": 7 }), must, "/webhook_url");
        case(json!({}), must, "/webhook_url");
        case(
            json!("https://hooks.example.com/"),
            "expected a JSON object",
            "",
        );
        case(
            json!({ "webhook_url": null, "colour": "blue" }),
            "`colour` is not allowed",
            "/colour",
        );
    }

    #[test]
    fn the_url_needs_settings() {
        let rules = Rules::default();
        let mut world = World::default();
        let (id, _) = agreed_with_acme(&mut world, &rules);
        let body = json!({ "webhook_url": null });
        assert_eq!(
            world.patch_webhook(&id, &body),
            Err(not_found("Reputation settings"))
        );
        assert_eq!(
            world.patch_webhook("nope", &body),
            Err(not_found("Enterprise"))
        );
    }
}
