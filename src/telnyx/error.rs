//! `ApiError`: everything that can go wrong talking to Telnyx, said for people in one line
//! that names the call and never the key.

use std::fmt;

use super::wire::ErrorEntry;

/// A failed API call.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The API answered with an error status and body.
    #[error("{method} {path}: {status} {}", summarize(.errors))]
    Status {
        /// HTTP method.
        method: String,
        /// Path after the base URL.
        path: String,
        /// HTTP status.
        status: u16,
        /// The body's error entries (empty when the body was not a Telnyx error body).
        errors: Vec<ErrorEntry>,
    },
    /// The connection failed or timed out. `ambiguous` marks a write that may have taken
    /// effect: re-read state before deciding (docs/design.md, "Apply").
    #[error("{method} {path}: {message}{}", if *.ambiguous { " (the write may or may not have taken effect)" } else { "" })]
    Transport {
        /// HTTP method.
        method: String,
        /// Path after the base URL.
        path: String,
        /// What the transport said.
        message: String,
        /// Whether a non-idempotent write may have been processed.
        ambiguous: bool,
    },
    /// A 5xx to a non-idempotent write, which is not resent: it may have taken effect.
    #[error("{method} {path}: {status} {} (the write may or may not have taken effect)", summarize(.errors))]
    AmbiguousStatus {
        /// HTTP method.
        method: String,
        /// Path after the base URL.
        path: String,
        /// HTTP status.
        status: u16,
        /// The body's error entries.
        errors: Vec<ErrorEntry>,
    },
    /// The API answered with a redirect, which telrep never follows: the key would go with it.
    #[error(
        "{method} {path}: the server redirected to `{location}`; telrep does not follow redirects (check --api-url)"
    )]
    Redirect {
        /// HTTP method.
        method: String,
        /// Path after the base URL.
        path: String,
        /// Where it pointed.
        location: String,
    },
    /// The response body was larger than the cap.
    #[error("{method} {path}: the response body is larger than {limit} bytes")]
    BodyTooLarge {
        /// HTTP method.
        method: String,
        /// Path after the base URL.
        path: String,
        /// The cap.
        limit: usize,
    },
    /// The body was not what the API documents.
    #[error("{method} {path}: unexpected response body: {message}")]
    Decode {
        /// HTTP method.
        method: String,
        /// Path after the base URL.
        path: String,
        /// What did not fit.
        message: String,
    },
    /// A paginated listing contradicted itself; nothing of it is used.
    #[error("{path}: inconsistent listing: {message}")]
    Inconsistent {
        /// The listing's path.
        path: String,
        /// What contradicted what.
        message: String,
    },
    /// The base URL is not one telrep will send a key to.
    #[error("refusing the API URL `{url}`: {reason}")]
    BadUrl {
        /// The URL given.
        url: String,
        /// Why.
        reason: String,
    },
}

impl ApiError {
    /// The HTTP status, when the API answered with one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Status { status, .. } | Self::AmbiguousStatus { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether a write may have taken effect although it failed.
    pub fn is_ambiguous(&self) -> bool {
        matches!(
            self,
            Self::AmbiguousStatus { .. }
                | Self::Transport {
                    ambiguous: true,
                    ..
                }
        )
    }
}

/// Every entry of an error body on one line: `title: detail (at /body/legal_name)`.
fn summarize(errors: &[ErrorEntry]) -> String {
    if errors.is_empty() {
        return "(no Telnyx error body)".to_owned();
    }
    errors
        .iter()
        .map(|entry| Entry(entry).to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

struct Entry<'a>(&'a ErrorEntry);

impl fmt::Display for Entry<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let entry = self.0;
        write!(formatter, "{} [{}]", entry.title, entry.code)?;
        if let Some(detail) = entry
            .detail
            .as_deref()
            .filter(|detail| *detail != entry.title)
        {
            write!(formatter, ": {detail}")?;
        }
        if let Some(source) = &entry.source {
            if let Some(pointer) = &source.pointer {
                write!(formatter, " (at `{pointer}`)")?;
            } else if let Some(parameter) = &source.parameter {
                write!(formatter, " (parameter `{parameter}`)")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::telnyx::wire::ErrorSource;

    #[test]
    fn renders_every_entry_on_one_line() {
        let error = ApiError::Status {
            method: "POST".to_owned(),
            path: "/enterprises".to_owned(),
            status: 422,
            errors: vec![
                ErrorEntry {
                    code: "10015".to_owned(),
                    title: "Invalid value".to_owned(),
                    detail: Some("legal_name must be 3 to 64 characters".to_owned()),
                    source: Some(ErrorSource {
                        pointer: Some("/body/legal_name".to_owned()),
                        parameter: None,
                    }),
                    meta: None,
                },
                ErrorEntry {
                    code: "10005".to_owned(),
                    title: "Missing field".to_owned(),
                    detail: Some("Missing field".to_owned()),
                    source: None,
                    meta: None,
                },
            ],
        };
        assert_eq!(
            error.to_string(),
            "POST /enterprises: 422 Invalid value [10015]: legal_name must be 3 to 64 \
             characters (at `/body/legal_name`); Missing field [10005]"
        );
        assert_eq!(error.status(), Some(422));
        assert!(!error.is_ambiguous());
    }
}
