//! `ApiKey`: the Telnyx API key, which must never reach output, logs, errors or files.

use std::fmt;

use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use secrecy::{ExposeSecret, SecretString};

/// What replaces the key wherever a server echoed it.
pub const REDACTED: &str = "***";

/// The API key. Its `Debug` and `Display` print `***`, and it is not `Serialize`, so it
/// cannot leak through formatting or a saved plan; only the client reads it, to build the
/// `Authorization` header and to scrub it from what a server sends back.
#[derive(Clone)]
pub struct ApiKey(SecretString);

impl ApiKey {
    /// Wraps a key read from `TELNYX_API_KEY` or a key file; surrounding whitespace (the
    /// newline a file ends with) is not part of it. `None` when nothing is left.
    pub fn new(key: &str) -> Option<Self> {
        let key = key.trim();
        (!key.is_empty()).then(|| Self(SecretString::from(key.to_owned())))
    }

    /// The header value, for the client alone.
    pub(crate) fn bearer(&self) -> String {
        format!("Bearer {}", self.0.expose_secret())
    }

    /// `text` with the key replaced by `***`, also in its percent-encoded and base64 forms,
    /// so a server that echoes the key (an error body quoting the `Authorization` header, a
    /// redirect `Location`) cannot put it in front of a user, in a log or in a saved plan.
    pub(crate) fn redact(&self, text: &str) -> String {
        let mut text = text.to_owned();
        for form in self.forms() {
            if text.contains(form.as_str()) {
                text = text.replace(form.as_str(), REDACTED);
            }
        }
        text
    }

    /// `redact` for a response body, which is left untouched unless it is UTF-8 (JSON
    /// always is) and holds a form of the key.
    pub(crate) fn redact_bytes(&self, body: Vec<u8>) -> Vec<u8> {
        match std::str::from_utf8(&body) {
            Ok(text) if self.forms().iter().any(|form| text.contains(form.as_str())) => {
                self.redact(text).into_bytes()
            }
            _ => body,
        }
    }

    /// The spellings of the key a server may echo, longest first so a longer form is
    /// replaced whole before a shorter one inside it.
    fn forms(&self) -> Vec<String> {
        use base64::Engine as _;
        use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
        let key = self.0.expose_secret();
        let mut forms = vec![
            key.to_owned(),
            utf8_percent_encode(key, NON_ALPHANUMERIC).to_string(),
            url::form_urlencoded::byte_serialize(key.as_bytes()).collect(),
            STANDARD_NO_PAD.encode(key),
            URL_SAFE_NO_PAD.encode(key),
        ];
        forms.sort_by_key(|form| std::cmp::Reverse(form.len()));
        forms.dedup();
        forms
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("ApiKey(***)")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(REDACTED)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_shows_the_key() {
        let key = ApiKey::new("  KEYsecret123\n").unwrap();
        assert_eq!(format!("{key}"), "***");
        assert_eq!(format!("{key:?}"), "ApiKey(***)");
        assert_eq!(key.bearer(), "Bearer KEYsecret123");
        assert!(ApiKey::new(" \n").is_none());
    }

    #[test]
    fn issue_9_every_echoed_form_of_the_key_is_redacted() {
        let key = ApiKey::new("KEY+secret/0=").unwrap();
        let text = "Bearer KEY+secret/0= KEY%2Bsecret%2F0%3D KEY%2Bsecret%2F0%3D \
                    S0VZK3NlY3JldC8wPQ== S0VZK3NlY3JldC8wPQ S0VZK3NlY3JldC8wPQ";
        assert_eq!(key.redact(text), "Bearer *** *** *** ***== *** ***");
        assert_eq!(
            key.redact_bytes(b"{\"a\":\"KEY+secret/0=\"}".to_vec()),
            b"{\"a\":\"***\"}"
        );
        assert_eq!(key.redact_bytes(vec![0xff, b'K']), [0xff, b'K']);
    }
}
