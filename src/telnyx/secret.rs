//! `ApiKey`: the Telnyx API key, which must never reach output, logs, errors or files.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};

/// The API key. Its `Debug` and `Display` print `***`, and it is not `Serialize`, so it
/// cannot leak through formatting or a saved plan; only the client reads it, to build the
/// `Authorization` header.
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
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("ApiKey(***)")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("***")
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
}
