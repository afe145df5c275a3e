//! `ApiError`: everything that can go wrong talking to Telnyx, said for people in one line
//! that names the call and never the key.

use std::fmt;

use super::wire::ErrorEntry;

/// A failed API call: which call, what went wrong, and whether the write may have taken
/// effect anyway (then the caller re-reads state before deciding; docs/design.md, "Apply").
#[derive(Debug)]
pub struct ApiError {
    /// HTTP method (`GET` for a listing).
    pub method: String,
    /// Path after the base URL (empty when no call was made).
    pub path: String,
    /// What went wrong.
    pub kind: ApiErrorKind,
    /// A non-idempotent write that may or may not have been processed.
    pub ambiguous: bool,
}

/// What went wrong with a call.
#[derive(Debug)]
pub enum ApiErrorKind {
    /// The API answered with an error status and body.
    Status {
        /// HTTP status.
        status: u16,
        /// The body's error entries (empty when the body was not a Telnyx error body).
        errors: Vec<ErrorEntry>,
    },
    /// The connection failed or timed out; what the transport said, layer by layer, is the
    /// error's source chain.
    Transport {
        /// What failed: `could not connect`, `timed out`, `the connection failed`.
        message: String,
        /// Why, as the HTTP stack said it (scrubbed of the key).
        cause: Option<Box<Cause>>,
    },
    /// The API answered with a redirect, which telrep never follows: the key would go with it.
    Redirect {
        /// Where it pointed.
        location: String,
    },
    /// The response body was larger than the cap.
    BodyTooLarge {
        /// The cap.
        limit: usize,
    },
    /// The body was not what the API documents.
    Decode {
        /// What did not fit.
        message: String,
    },
    /// A paginated listing contradicted itself; nothing of it is used.
    Inconsistent {
        /// What contradicted what.
        message: String,
    },
    /// The base URL (held in `path`: no call was made) is not one telrep will send a key
    /// to.
    BadUrl {
        /// Why.
        reason: String,
    },
    /// telrep broke one of its own invariants before sending (no call was made).
    Internal {
        /// Which.
        message: String,
    },
    /// A write not sent because telrep was interrupted while it waited for its turn.
    NotStarted,
}

impl ApiError {
    /// A definite failure of `method path`.
    pub fn new(method: impl Into<String>, path: impl Into<String>, kind: ApiErrorKind) -> Self {
        Self {
            method: method.into(),
            path: path.into(),
            kind,
            ambiguous: false,
        }
    }

    /// The same failure, marked as a write that may have taken effect.
    #[must_use]
    pub fn maybe_done(mut self, ambiguous: bool) -> Self {
        self.ambiguous = ambiguous;
        self
    }

    /// The HTTP status, when the API answered with one.
    pub fn status(&self) -> Option<u16> {
        match &self.kind {
            ApiErrorKind::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether a write may have taken effect although it failed.
    pub fn is_ambiguous(&self) -> bool {
        self.ambiguous
    }

    /// Whether the call was never sent because of an interruption (nothing happened).
    pub fn is_not_started(&self) -> bool {
        matches!(self.kind, ApiErrorKind::NotStarted)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (method, path) = (&self.method, &self.path);
        match &self.kind {
            ApiErrorKind::Status { status, errors } => {
                write!(formatter, "{method} {path}: {status} {}", summarize(errors))?;
            }
            ApiErrorKind::Transport { message, .. } => {
                write!(formatter, "{method} {path}: {message}")?;
            }
            ApiErrorKind::Redirect { location } => write!(
                formatter,
                "{method} {path}: the server redirected to `{location}`; telrep does not follow redirects (check --api-url)"
            )?,
            ApiErrorKind::BodyTooLarge { limit } => write!(
                formatter,
                "{method} {path}: the response body is larger than {limit} bytes"
            )?,
            ApiErrorKind::Decode { message } => {
                write!(
                    formatter,
                    "{method} {path}: unexpected response body: {message}"
                )?;
            }
            ApiErrorKind::Inconsistent { message } => {
                write!(formatter, "{path}: inconsistent listing: {message}")?;
            }
            ApiErrorKind::BadUrl { reason } => {
                write!(formatter, "refusing the API URL `{path}`: {reason}")?;
            }
            ApiErrorKind::Internal { message } => {
                write!(
                    formatter,
                    "{method} {path} was not sent: internal error: {message}; please report it"
                )?;
            }
            ApiErrorKind::NotStarted => {
                write!(formatter, "{method} {path} was not sent: interrupted")?;
            }
        }
        if self.ambiguous {
            formatter.write_str(" (the write may or may not have taken effect)")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            ApiErrorKind::Transport {
                cause: Some(cause), ..
            } => Some(cause.as_ref()),
            _ => None,
        }
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
        let error = ApiError::new(
            "POST",
            "/enterprises",
            ApiErrorKind::Status {
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
            },
        );
        assert_eq!(
            error.to_string(),
            "POST /enterprises: 422 Invalid value [10015]: legal_name must be 3 to 64 \
             characters (at `/body/legal_name`); Missing field [10005]"
        );
        assert_eq!(error.status(), Some(422));
        assert!(!error.is_ambiguous());
    }
}
