//! The retry policy of the official Telnyx client (docs/api.md, "Retries"), as a pure
//! function of the attempt, the failure, the response headers, the time and a random
//! number, so every rule is testable without sockets or clocks.
//!
//! Read from the SDK's `client.js` (7.24.0, `shouldRetry`, `retryRequest`,
//! `calculateDefaultRetryTimeoutMillis`): retry on 408, 409, 429 and every 5xx and on
//! connection errors; `x-should-retry: true|false` overrides; wait `retry-after-ms`, else
//! `Retry-After` (seconds, or an HTTP date), else 0.5 s doubling per retry up to 8 s, times a
//! jitter factor in (0.75, 1]. Two retries by default.
//!
//! telrep adds two things the SDK does not do. Writes that the API cannot deduplicate
//! (create enterprise, enable, add numbers) are resent only after 408 or
//! 429, which mean the request was not processed; a 5xx or a broken connection after the
//! request was sent is "ambiguous" and goes back to the caller, who re-reads state
//! (docs/design.md, "Apply"). And a server-requested wait is capped (`max_wait`), so a pipeline
//! cannot be parked for hours by one header.

use std::time::{Duration, SystemTime};

/// How many times to retry and how long a server may make us wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (the SDK's `maxRetries`, default 2).
    pub max_retries: u32,
    /// The longest wait honoured from `retry-after-ms` / `Retry-After`.
    pub max_wait: Duration,
    /// The most one call waits between its attempts in all; `None`: only each wait is
    /// capped. A retry that would wait past it is not made.
    pub total_wait: Option<Duration>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self::OFFICIAL
    }
}

impl RetryPolicy {
    /// The official client's: two retries. What `plan`, `report` and `check` use: someone
    /// is waiting for the answer, and a failure costs one re-run.
    pub const OFFICIAL: Self = Self {
        max_retries: 2,
        max_wait: Duration::from_secs(60),
        total_wait: None,
    };

    /// What `apply`, `refresh` and `remediate` use: they run unattended in a pipeline, where
    /// a call given up stops a deployment, so five retries within a minute of waiting.
    pub const UNATTENDED: Self = Self {
        max_retries: 5,
        max_wait: Duration::from_secs(60),
        total_wait: Some(Duration::from_secs(60)),
    };

    /// This policy with `--max-retries`, when given.
    #[must_use]
    pub fn with_max_retries(self, max_retries: Option<u32>) -> Self {
        Self {
            max_retries: max_retries.unwrap_or(self.max_retries),
            ..self
        }
    }
}

/// Whether resending a request can do its work twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Safety {
    /// Reads and idempotent writes (ToS agree, PUT, PATCH, DELETE): resend freely.
    Idempotent,
    /// Writes the API cannot deduplicate: resend only when the API says it did not process.
    NotIdempotent,
}

/// What went wrong with one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure<'a> {
    /// A response with a non-success status and its headers (`name` lowercase → value).
    Status {
        /// The HTTP status.
        status: u16,
        /// Response headers, looked up by lowercase name.
        headers: &'a [(String, String)],
    },
    /// The connection could not be made: the request was never sent.
    Connect,
    /// The request was sent, then the connection failed or timed out before a full
    /// response: the server may or may not have acted on it.
    Transport,
}

/// What to do about a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Send again after this wait.
    Retry(Duration),
    /// Report the failure; it is definite.
    Fail,
    /// Report the failure as ambiguous: the write may have taken effect; re-read state.
    Ambiguous,
}

/// How far one call has got: retries made (0 after the first attempt) and the time waited
/// between its attempts so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    /// Retries already made.
    pub retries_done: u32,
    /// Waited before them, in all.
    pub waited: Duration,
}

/// Decides what to do after a failed attempt, given how far the call has got (`progress`);
/// `random` is a uniform number in [0, 1).
pub fn decide(
    policy: RetryPolicy,
    safety: Safety,
    progress: Progress,
    failure: Failure<'_>,
    now: SystemTime,
    random: f64,
) -> Decision {
    let (retryable, headers, unprocessed) = match failure {
        Failure::Status { status, headers } => {
            let retryable = match header(headers, "x-should-retry") {
                Some("true") => true,
                Some("false") => false,
                _ => matches!(status, 408 | 409 | 429) || status >= 500,
            };
            (retryable, headers, matches!(status, 408 | 429))
        }
        Failure::Connect => (true, &[][..], true),
        Failure::Transport => (true, &[][..], false),
    };
    let ambiguous = safety == Safety::NotIdempotent
        && !unprocessed
        && (failure == Failure::Transport
            || matches!(failure, Failure::Status { status, .. } if status >= 500));
    if ambiguous {
        return Decision::Ambiguous;
    }
    let may_resend = safety == Safety::Idempotent || unprocessed;
    if !retryable || !may_resend || progress.retries_done >= policy.max_retries {
        return Decision::Fail;
    }
    let wait = requested_wait(headers, now).map_or_else(
        || default_wait(progress.retries_done, random),
        |wait| wait.min(policy.max_wait),
    );
    if policy
        .total_wait
        .is_some_and(|total| progress.waited.saturating_add(wait) > total)
    {
        return Decision::Fail;
    }
    Decision::Retry(wait)
}

fn header<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.trim())
}

/// The wait the server asked for: `retry-after-ms`, else `Retry-After` in seconds or as an
/// HTTP date. As in the SDK, a zero or unparsable `retry-after-ms` falls through to
/// `Retry-After`, and a date in the past means no wait.
pub(crate) fn requested_wait(headers: &[(String, String)], now: SystemTime) -> Option<Duration> {
    let milliseconds = header(headers, "retry-after-ms")
        .and_then(|value| value.parse::<f64>().ok())
        .filter(|value| value.is_finite() && *value != 0.0);
    if let Some(milliseconds) = milliseconds {
        return Some(seconds_to_duration(milliseconds / 1000.0));
    }
    let value = header(headers, "retry-after")?;
    if let Ok(seconds) = value.parse::<f64>() {
        return seconds.is_finite().then(|| seconds_to_duration(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Seconds as a duration: negative ones are none, ones too large for a `Duration` (a
/// header of `1e20`) the longest, which the caller caps.
pub(crate) fn seconds_to_duration(seconds: f64) -> Duration {
    Duration::try_from_secs_f64(seconds.max(0.0)).unwrap_or(Duration::MAX)
}

/// 0.5 s doubling per retry up to 8 s, times a jitter factor in (0.75, 1].
/// The SDK's backoff when the server names no wait: 0.5 s doubling to 8 s, times a jitter
/// in (0.75, 1]; also what apply waits before resending a batch whose fate it re-read.
pub fn default_wait(retries_done: u32, random: f64) -> Duration {
    let seconds = (0.5 * 2_f64.powi(i32::try_from(retries_done).unwrap_or(i32::MAX))).min(8.0);
    let jitter = 1.0 - random.clamp(0.0, 1.0) * 0.25;
    Duration::from_secs_f64(seconds * jitter)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect()
    }

    fn now() -> SystemTime {
        httpdate::parse_http_date("Wed, 25 Nov 2026 03:00:00 GMT").unwrap()
    }

    #[track_caller]
    fn case(
        safety: Safety,
        retries_done: u32,
        failure: Failure<'_>,
        random: f64,
        expected: Decision,
    ) {
        let policy = RetryPolicy::default();
        let progress = Progress {
            retries_done,
            waited: Duration::ZERO,
        };
        assert_eq!(
            decide(policy, safety, progress, failure, now(), random),
            expected
        );
    }

    fn done(retries_done: u32) -> Progress {
        Progress {
            retries_done,
            waited: Duration::ZERO,
        }
    }

    fn ms(milliseconds: u64) -> Decision {
        Decision::Retry(Duration::from_millis(milliseconds))
    }

    #[test]
    fn statuses() {
        use Safety::{Idempotent, NotIdempotent};
        let none = headers(&[]);
        let status = |status| Failure::Status {
            status,
            headers: &none,
        };
        for retryable in [408, 409, 429, 500, 502, 503, 599] {
            case(Idempotent, 0, status(retryable), 0.0, ms(500));
        }
        for definite in [400, 401, 403, 404, 422] {
            case(Idempotent, 0, status(definite), 0.0, Decision::Fail);
            case(NotIdempotent, 0, status(definite), 0.0, Decision::Fail);
        }
        // Not processed: safe to resend even a create.
        case(NotIdempotent, 0, status(408), 0.0, ms(500));
        case(NotIdempotent, 0, status(429), 0.0, ms(500));
        // Processed or maybe processed: never resent, handed back.
        case(NotIdempotent, 0, status(500), 0.0, Decision::Ambiguous);
        case(
            NotIdempotent,
            0,
            Failure::Transport,
            0.0,
            Decision::Ambiguous,
        );
        case(NotIdempotent, 0, status(409), 0.0, Decision::Fail);
        // Never sent: resent whatever it is.
        case(NotIdempotent, 0, Failure::Connect, 0.0, ms(500));
        case(Idempotent, 0, Failure::Transport, 0.0, ms(500));
    }

    #[test]
    fn backoff_doubles_to_eight_seconds_with_jitter() {
        let none = headers(&[]);
        let failure = Failure::Status {
            status: 503,
            headers: &none,
        };
        let policy = RetryPolicy {
            max_retries: 10,
            ..RetryPolicy::default()
        };
        let waits: Vec<Decision> = (0..6)
            .map(|retries| {
                decide(
                    policy,
                    Safety::Idempotent,
                    done(retries),
                    failure,
                    now(),
                    0.0,
                )
            })
            .collect();
        assert_eq!(
            waits,
            [ms(500), ms(1000), ms(2000), ms(4000), ms(8000), ms(8000)]
        );
        assert_eq!(
            decide(policy, Safety::Idempotent, done(0), failure, now(), 0.5),
            Decision::Retry(Duration::from_secs_f64(0.4375))
        );
        assert_eq!(
            decide(
                policy,
                Safety::Idempotent,
                done(3),
                failure,
                now(),
                0.999_999
            ),
            Decision::Retry(Duration::from_secs_f64(4.0 * (1.0 - 0.999_999 * 0.25)))
        );
    }

    #[test]
    fn gives_up_after_max_retries() {
        let none = headers(&[]);
        let failure = Failure::Status {
            status: 503,
            headers: &none,
        };
        case(Safety::Idempotent, 1, failure, 0.0, ms(1000));
        case(Safety::Idempotent, 2, failure, 0.0, Decision::Fail);
        let unattended = RetryPolicy::UNATTENDED;
        let waits: Vec<Decision> = (0..6)
            .map(|retries| {
                decide(
                    unattended,
                    Safety::Idempotent,
                    done(retries),
                    failure,
                    now(),
                    0.0,
                )
            })
            .collect();
        assert_eq!(
            waits,
            [
                ms(500),
                ms(1000),
                ms(2000),
                ms(4000),
                ms(8000),
                Decision::Fail
            ]
        );
        let once = RetryPolicy::UNATTENDED.with_max_retries(Some(1));
        assert_eq!(
            (once.max_retries, once.total_wait),
            (1, Some(Duration::from_secs(60)))
        );
        assert_eq!(
            decide(once, Safety::Idempotent, done(1), failure, now(), 0.0),
            Decision::Fail
        );
        let none = RetryPolicy::OFFICIAL.with_max_retries(Some(0));
        assert_eq!(
            decide(none, Safety::Idempotent, done(0), failure, now(), 0.0),
            Decision::Fail
        );
    }

    #[test]
    fn an_unattended_call_waits_a_minute_at_most_in_all() {
        let asked = headers(&[("retry-after", "25")]);
        let failure = Failure::Status {
            status: 429,
            headers: &asked,
        };
        let after = |retries_done, seconds| Progress {
            retries_done,
            waited: Duration::from_secs(seconds),
        };
        let decide_after = |progress| {
            decide(
                RetryPolicy::UNATTENDED,
                Safety::NotIdempotent,
                progress,
                failure,
                now(),
                0.0,
            )
        };
        // 25 s, then 25 s more (50 in all), then a third would make 75: given up.
        assert_eq!(decide_after(after(0, 0)), ms(25_000));
        assert_eq!(decide_after(after(1, 25)), ms(25_000));
        assert_eq!(decide_after(after(2, 50)), Decision::Fail);
        // Exactly the minute is still within it.
        assert_eq!(decide_after(after(2, 35)), ms(25_000));
        // The official policy bounds only each wait.
        assert_eq!(
            decide(
                RetryPolicy::OFFICIAL,
                Safety::NotIdempotent,
                after(1, 3_600),
                failure,
                now(),
                0.0
            ),
            ms(25_000)
        );
    }

    #[test]
    fn should_retry_header_overrides() {
        let yes = headers(&[("X-Should-Retry", "true")]);
        let no = headers(&[("x-should-retry", "false")]);
        case(
            Safety::Idempotent,
            0,
            Failure::Status {
                status: 400,
                headers: &yes,
            },
            0.0,
            ms(500),
        );
        case(
            Safety::Idempotent,
            0,
            Failure::Status {
                status: 503,
                headers: &no,
            },
            0.0,
            Decision::Fail,
        );
    }

    #[test]
    fn server_requested_waits() {
        let case_headers = |pairs: &[(&str, &str)]| {
            let list = headers(pairs);
            decide(
                RetryPolicy::default(),
                Safety::Idempotent,
                done(0),
                Failure::Status {
                    status: 429,
                    headers: &list,
                },
                now(),
                0.0,
            )
        };
        assert_eq!(case_headers(&[("retry-after-ms", "1500")]), ms(1500));
        assert_eq!(
            case_headers(&[("retry-after-ms", "250.5"), ("retry-after", "9")]),
            Decision::Retry(Duration::from_micros(250_500))
        );
        // Zero or garbage milliseconds fall through to Retry-After, as in the SDK.
        assert_eq!(
            case_headers(&[("retry-after-ms", "0"), ("retry-after", "3")]),
            ms(3000)
        );
        assert_eq!(
            case_headers(&[("retry-after-ms", "soon"), ("retry-after", "2")]),
            ms(2000)
        );
        assert_eq!(case_headers(&[("retry-after", "1.5")]), ms(1500));
        assert_eq!(
            case_headers(&[("retry-after", "Wed, 25 Nov 2026 03:00:07 GMT")]),
            ms(7000)
        );
        assert_eq!(
            case_headers(&[("retry-after", "Wed, 25 Nov 2026 02:59:00 GMT")]),
            ms(0)
        );
        // Unreadable Retry-After: the default backoff.
        assert_eq!(case_headers(&[("retry-after", "later")]), ms(500));
        // Capped at max_wait, also when too large for a duration.
        assert_eq!(case_headers(&[("retry-after", "86400")]), ms(60_000));
        assert_eq!(case_headers(&[("retry-after", "1e20")]), ms(60_000));
        assert_eq!(case_headers(&[("retry-after-ms", "1e30")]), ms(60_000));
    }
}
