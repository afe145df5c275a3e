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

/// Why a text is not a usable key, said without the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyProblem {
    /// Nothing is left once the trailing newline and surrounding spaces are removed.
    Empty,
    /// A line break or another control character sits inside the key, at this 1-based
    /// character position; it cannot go into an HTTP header.
    ControlCharacter(usize),
}

impl ApiKey {
    /// Wraps a valid key (see `parse`); `None` when it is empty or has a control character.
    pub fn new(key: &str) -> Option<Self> {
        Self::parse(key).ok()
    }

    /// Checks a key read from `TELNYX_API_KEY` or a key file, so a bad one is refused with
    /// its reason before any request: one trailing newline (`\n` or `\r\n`, what an editor
    /// or `echo` leaves) and surrounding spaces are not part of it; what is left must be
    /// non-empty and free of control characters (a newline inside cannot be a header).
    pub fn parse(text: &str) -> Result<Self, KeyProblem> {
        let text = text
            .strip_suffix("\r\n")
            .or_else(|| text.strip_suffix('\n'))
            .unwrap_or(text)
            .trim_matches(' ');
        if text.is_empty() {
            return Err(KeyProblem::Empty);
        }
        if let Some(position) = text.chars().position(char::is_control) {
            return Err(KeyProblem::ControlCharacter(position + 1));
        }
        Ok(Self(SecretString::from(text.to_owned())))
    }

    /// Whether the key is long enough to be scrubbed from success bodies too: a short key
    /// (`test`, `data`) would also match real data there and corrupt it, so it is scrubbed
    /// only from what is shown of a failure. Real Telnyx keys are far longer.
    pub(crate) fn scrub_success_bodies(&self) -> bool {
        self.0.expose_secret().chars().count() >= MIN_SCRUBBED_EVERYWHERE
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

/// Keys at least this long are scrubbed from every response body, not only from failures.
pub(crate) const MIN_SCRUBBED_EVERYWHERE: usize = 16;

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

    #[track_caller]
    fn case(text: &str, expected: Result<&str, KeyProblem>) {
        assert_eq!(
            ApiKey::parse(text).map(|key| key.bearer()),
            expected.map(|key| format!("Bearer {key}"))
        );
    }

    #[test]
    fn issue_9_one_trailing_newline_and_no_control_characters() {
        case("KEY1\n", Ok("KEY1"));
        case("KEY1\r\n", Ok("KEY1"));
        case("KEY1", Ok("KEY1"));
        case("", Err(KeyProblem::Empty));
        case("\n", Err(KeyProblem::Empty));
        case("KEY1\n\n", Err(KeyProblem::ControlCharacter(5)));
        case("KEY1\nKEY2\n", Err(KeyProblem::ControlCharacter(5)));
        case("KE\tY", Err(KeyProblem::ControlCharacter(3)));
        case("\0\0\0", Err(KeyProblem::ControlCharacter(1)));
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
