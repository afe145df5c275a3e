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
    /// effect: re-read state before deciding (docs/design.md, "Apply"). What the transport
    /// said, layer by layer, is the error's source chain.
    #[error("{method} {path}: {message}{}", if *.ambiguous { " (the write may or may not have taken effect)" } else { "" })]
    Transport {
        /// HTTP method.
        method: String,
        /// Path after the base URL.
        path: String,
        /// What failed: `could not connect`, `timed out`, `the connection failed`.
        message: String,
        /// Whether a non-idempotent write may have been processed.
        ambiguous: bool,
        /// Why, as the HTTP stack said it (scrubbed of the key).
        #[source]
        cause: Option<Box<Cause>>,
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

/// One layer of what a lower library said, kept as text (scrubbed of the key) with the
/// layers below it as its source, so `caused by:` lines can show each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cause {
    message: String,
    source: Option<Box<Cause>>,
}

impl Cause {
    /// The chain `messages[0]` caused by `messages[1]` …; `None` when there is none.
    pub fn chain(messages: Vec<String>) -> Option<Box<Self>> {
        messages.into_iter().rev().fold(None, |source, message| {
            Some(Box::new(Self { message, source }))
        })
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.message)
    }
}

impl std::error::Error for Cause {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|cause| cause as &(dyn std::error::Error + 'static))
    }
}

/// An error and every source below it, each once: what a one-line message or a
/// `caused by:` list shows.
pub fn chain(error: &dyn std::error::Error) -> Vec<String> {
    let mut messages = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        // A message that already quotes its source (a library's habit) is not repeated.
        if messages.last().is_none_or(|last| !last.ends_with(&text)) {
            messages.push(text);
        }
        source = cause.source();
    }
    messages
}

/// The chain on one line, `: `-joined, for an event or a diagnostic.
pub fn one_line(error: &dyn std::error::Error) -> String {
    chain(error).join(": ")
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
