//! Faults the sandbox can inject: latency, 5xx, 429 from a rate limit, and connections
//! reset mid-response. A 429 always strikes before a write; a 5xx or reset on a write
//! strikes before or after the write takes effect, at random from the seed, so clients
//! meet both cases (docs/design.md, "Sandbox").

use std::time::Duration;

/// Which faults to inject, from the command line.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Faults {
    /// Added to every API request: fixed (`min == max`) or uniform in the range.
    pub latency: Option<(Duration, Duration)>,
    /// Share of API requests answered 5xx, in [0, 1].
    pub error_rate: f64,
    /// Requests a second before 429s (a one-second window).
    pub rate_limit: Option<u32>,
    /// Share of API requests whose connection is closed mid-response, in [0, 1].
    pub reset_rate: f64,
    /// Routes answered 500 every time, before acting (`--fail-route "POST
    /// /enterprises/*/reputation/numbers"`): a persistent outage of one endpoint.
    pub fail_routes: Vec<FailRoute>,
}

/// A route that always fails: a method and a path under `/v2` whose `*` segments match any
/// one segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailRoute {
    /// `GET`, `POST`, ….
    pub method: String,
    /// Segments after `/v2`, `*` for any.
    pub segments: Vec<String>,
}

impl FailRoute {
    /// Whether a request (method, segments after `/v2`, decoded) is on this route.
    pub fn matches(&self, method: &str, segments: &[String]) -> bool {
        self.method.eq_ignore_ascii_case(method)
            && self.segments.len() == segments.len()
            && self
                .segments
                .iter()
                .zip(segments)
                .all(|(pattern, segment)| pattern == "*" || pattern == segment)
    }
}

/// Why a fault flag's value was refused. These are clap value parsers' errors, and clap
/// prints only an error's own message (`invalid value 'X' for '--flag': MESSAGE`), never
/// its sources, so each message is complete and none has a source.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FaultError {
    /// `--fail-route` without a space between method and path.
    #[error(
        "expected `METHOD /PATH` such as `POST /enterprises/*/reputation/numbers`, found `{0}`"
    )]
    NotARoute(String),
    /// `--fail-route` with a method the client never sends.
    #[error("`{0}` is not an HTTP method telrep uses")]
    Method(String),
    /// `--fail-route` with a relative path.
    #[error("the path must start with `/`, found `{0}`")]
    RelativePath(String),
    /// A duration without its unit.
    #[error("`{0}` needs a unit: ms, s, m or h (e.g. `500ms`)")]
    NoUnit(String),
    /// A duration that does not start with a whole number.
    #[error("`{0}` must start with a whole number, e.g. `500ms`")]
    NotAWholeNumber(String),
    /// A duration with a unit other than ms, s, m and h.
    #[error("unknown unit `{unit}` in `{text}`: use ms, s, m or h")]
    Unit {
        /// The unit as written.
        unit: String,
        /// The whole value.
        text: String,
    },
    /// `--latency A..B` with B before A.
    #[error("`{0}`: the range's end is before its start")]
    ReversedRange(String),
    /// `--rate-limit` that is not `N/s` with N at least 1.
    #[error("`{0}` is not a rate like `20/s`")]
    RateLimit(String),
    /// A share outside [0, 1] (or 0% to 100%), or not a number.
    #[error("`{0}` is not a rate between 0 and 1 (or 0% and 100%)")]
    Rate(String),
}

/// `--fail-route "METHOD /PATH"`, the path as after `/v2`, `*` for any one segment.
pub fn parse_fail_route(text: &str) -> Result<FailRoute, FaultError> {
    let (method, path) = text
        .trim()
        .split_once(' ')
        .ok_or_else(|| FaultError::NotARoute(text.to_owned()))?;
    let method = method.trim().to_ascii_uppercase();
    if !matches!(method.as_str(), "GET" | "POST" | "PUT" | "PATCH" | "DELETE") {
        return Err(FaultError::Method(method));
    }
    let path = path.trim();
    if !path.starts_with('/') {
        return Err(FaultError::RelativePath(path.to_owned()));
    }
    Ok(FailRoute {
        method,
        segments: path
            .trim_start_matches('/')
            .split('/')
            .map(str::to_owned)
            .collect(),
    })
}

/// What to do to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strike {
    /// Serve it normally.
    None,
    /// Answer 500 without acting.
    ErrorBefore,
    /// Act, then answer 500.
    ErrorAfter,
    /// Close the connection mid-response without acting.
    ResetBefore,
    /// Act, then close the connection mid-response.
    ResetAfter,
}

impl Faults {
    /// Picks the fault for one request from the seeded generator; reads are never
    /// "after", since they change nothing.
    pub fn strike(&self, rng: &mut fastrand::Rng, is_write: bool) -> Strike {
        let error = self.error_rate > 0.0 && rng.f64() < self.error_rate;
        let reset = !error && self.reset_rate > 0.0 && rng.f64() < self.reset_rate;
        let after = is_write && (error || reset) && rng.bool();
        match (error, reset, after) {
            (true, _, false) => Strike::ErrorBefore,
            (true, _, true) => Strike::ErrorAfter,
            (false, true, false) => Strike::ResetBefore,
            (false, true, true) => Strike::ResetAfter,
            _ => Strike::None,
        }
    }

    /// The latency to add to one request.
    pub fn delay(&self, rng: &mut fastrand::Rng) -> Option<Duration> {
        let (low, high) = self.latency?;
        if high <= low {
            return Some(low);
        }
        let span = u64::try_from((high - low).as_micros()).unwrap_or(u64::MAX);
        Some(low + Duration::from_micros(rng.u64(0..=span)))
    }
}

/// A fixed one-second window counter for `--rate-limit`, aligned to the Unix second.
#[derive(Debug, Default)]
pub struct RateWindow {
    second: u64,
    count: u32,
}

/// Where one request stands in the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Admission {
    /// Whether it is served (else 429).
    pub allowed: bool,
    /// Requests still allowed in this window after it.
    pub remaining: u32,
    /// Time until the window ends (at least a millisecond).
    pub reset: Duration,
}

impl RateWindow {
    /// Counts a request at `now` (since the Unix epoch).
    pub fn admit(&mut self, now: Duration, limit: u32) -> Admission {
        let second = now.as_secs();
        if second != self.second {
            self.second = second;
            self.count = 0;
        }
        let into = Duration::from_millis(u64::from(now.subsec_millis()));
        let reset = Duration::from_secs(1)
            .saturating_sub(into)
            .max(Duration::from_millis(1));
        let allowed = self.count < limit;
        if allowed {
            self.count += 1;
        }
        Admission {
            allowed,
            remaining: limit - self.count,
            reset,
        }
    }
}

/// Parses `250ms`, `2s`, `1m`, `1h` or `0` (the sandbox's duration syntax).
pub fn parse_duration(text: &str) -> Result<Duration, FaultError> {
    let text = text.trim();
    if text == "0" {
        return Ok(Duration::ZERO);
    }
    let split = text
        .find(|character: char| !character.is_ascii_digit())
        .ok_or_else(|| FaultError::NoUnit(text.to_owned()))?;
    let (digits, unit) = text.split_at(split);
    let value: u64 = digits
        .parse()
        .map_err(|_| FaultError::NotAWholeNumber(text.to_owned()))?;
    match unit {
        "ms" => Ok(Duration::from_millis(value)),
        "s" => Ok(Duration::from_secs(value)),
        "m" => Ok(Duration::from_secs(value.saturating_mul(60))),
        "h" => Ok(Duration::from_secs(value.saturating_mul(3600))),
        other => Err(FaultError::Unit {
            unit: other.to_owned(),
            text: text.to_owned(),
        }),
    }
}

/// Parses `--latency`: one duration, or a range `10ms..50ms`.
pub fn parse_latency(text: &str) -> Result<(Duration, Duration), FaultError> {
    match text.split_once("..") {
        Some((low, high)) => {
            let (low, high) = (parse_duration(low)?, parse_duration(high)?);
            if high < low {
                return Err(FaultError::ReversedRange(text.to_owned()));
            }
            Ok((low, high))
        }
        None => parse_duration(text).map(|fixed| (fixed, fixed)),
    }
}

/// Parses `--rate-limit N/s`.
pub fn parse_rate_limit(text: &str) -> Result<u32, FaultError> {
    let number = text.strip_suffix("/s").unwrap_or(text);
    match number.parse::<u32>() {
        Ok(limit) if limit > 0 => Ok(limit),
        _ => Err(FaultError::RateLimit(text.to_owned())),
    }
}

/// Parses a share in [0, 1] (`0.1` or `10%`).
pub fn parse_rate(text: &str) -> Result<f64, FaultError> {
    let (number, scale) = match text.strip_suffix('%') {
        Some(number) => (number, 100.0),
        None => (text, 1.0),
    };
    match number.parse::<f64>() {
        Ok(value) if (0.0..=scale).contains(&value) => Ok(value / scale),
        _ => Err(FaultError::Rate(text.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fail_routes() {
        let route = parse_fail_route("post /enterprises/*/reputation/numbers").unwrap();
        let segments = |path: &str| -> Vec<String> { path.split('/').map(str::to_owned).collect() };
        assert!(route.matches("POST", &segments("enterprises/abc/reputation/numbers")));
        assert!(!route.matches("GET", &segments("enterprises/abc/reputation/numbers")));
        assert!(!route.matches("POST", &segments("enterprises/abc/reputation")));
        let refused = |text: &str| parse_fail_route(text).unwrap_err().to_string();
        assert_eq!(
            refused("POST"),
            "expected `METHOD /PATH` such as `POST /enterprises/*/reputation/numbers`, found `POST`"
        );
        assert_eq!(
            refused("FETCH /x"),
            "`FETCH` is not an HTTP method telrep uses"
        );
        assert_eq!(
            refused("GET x/y"),
            "the path must start with `/`, found `x/y`"
        );
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("1m"), Ok(Duration::from_secs(60)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        let refused = |text: &str| parse_duration(text).unwrap_err().to_string();
        assert_eq!(
            refused("5"),
            "`5` needs a unit: ms, s, m or h (e.g. `500ms`)"
        );
        assert_eq!(refused("5d"), "unknown unit `d` in `5d`: use ms, s, m or h");
        assert_eq!(
            refused("ms"),
            "`ms` must start with a whole number, e.g. `500ms`"
        );
        assert_eq!(
            parse_latency("10ms..30ms"),
            Ok((Duration::from_millis(10), Duration::from_millis(30)))
        );
        assert_eq!(
            parse_latency("25ms"),
            Ok((Duration::from_millis(25), Duration::from_millis(25)))
        );
        assert_eq!(
            parse_latency("30ms..10ms").unwrap_err().to_string(),
            "`30ms..10ms`: the range's end is before its start"
        );
        assert_eq!(parse_rate_limit("20/s"), Ok(20));
        assert_eq!(
            parse_rate_limit("0/s").unwrap_err().to_string(),
            "`0/s` is not a rate like `20/s`"
        );
        assert_eq!(parse_rate("10%"), Ok(0.1));
        assert_eq!(parse_rate("0.25"), Ok(0.25));
        assert_eq!(
            parse_rate("1.5").unwrap_err().to_string(),
            "`1.5` is not a rate between 0 and 1 (or 0% and 100%)"
        );
    }

    #[test]
    fn rate_window() {
        let mut window = RateWindow::default();
        let at = |milliseconds: u64| Duration::from_millis(milliseconds);
        let admission = |allowed, remaining, reset_ms| Admission {
            allowed,
            remaining,
            reset: at(reset_ms),
        };
        assert_eq!(window.admit(at(100_000), 2), admission(true, 1, 1000));
        assert_eq!(window.admit(at(100_250), 2), admission(true, 0, 750));
        assert_eq!(window.admit(at(100_999), 2), admission(false, 0, 1));
        // The next Unix second is a new window.
        assert_eq!(window.admit(at(101_000), 2), admission(true, 1, 1000));
    }

    #[test]
    fn strikes_are_seeded_and_reads_never_act() {
        let faults = Faults {
            error_rate: 0.5,
            reset_rate: 0.5,
            ..Faults::default()
        };
        let run = |seed, is_write| {
            let mut rng = fastrand::Rng::with_seed(seed);
            (0..200)
                .map(|_| faults.strike(&mut rng, is_write))
                .collect::<Vec<_>>()
        };
        assert_eq!(run(7, true), run(7, true));
        let reads = run(7, false);
        assert!(!reads.contains(&Strike::ErrorAfter) && !reads.contains(&Strike::ResetAfter));
        let writes = run(7, true);
        for strike in [
            Strike::None,
            Strike::ErrorBefore,
            Strike::ErrorAfter,
            Strike::ResetBefore,
            Strike::ResetAfter,
        ] {
            assert!(writes.contains(&strike), "{strike:?} never struck");
        }
    }
}
