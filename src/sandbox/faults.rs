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

/// `--fail-route "METHOD /PATH"`, the path as after `/v2`, `*` for any one segment.
pub fn parse_fail_route(text: &str) -> Result<FailRoute, String> {
    let (method, path) = text
        .trim()
        .split_once(' ')
        .ok_or_else(|| format!("expected `METHOD /PATH` such as `POST /enterprises/*/reputation/numbers`, found `{text}`"))?;
    let method = method.trim().to_ascii_uppercase();
    if !matches!(method.as_str(), "GET" | "POST" | "PUT" | "PATCH" | "DELETE") {
        return Err(format!("`{method}` is not an HTTP method telrep uses"));
    }
    let path = path.trim();
    if !path.starts_with('/') {
        return Err(format!("the path must start with `/`, found `{path}`"));
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

/// A fixed one-second window counter for `--rate-limit`.
#[derive(Debug, Default)]
pub struct RateWindow {
    second: u64,
    count: u32,
}

impl RateWindow {
    /// Counts a request at Unix second `now_second`; `Some(remaining)` when it is allowed,
    /// `None` when the limit is reached.
    pub fn admit(&mut self, now_second: u64, limit: u32) -> Option<u32> {
        if now_second != self.second {
            self.second = now_second;
            self.count = 0;
        }
        if self.count >= limit {
            return None;
        }
        self.count += 1;
        Some(limit - self.count)
    }
}

/// Parses `250ms`, `2s`, `1m`, `1h` or `0` (the sandbox's duration syntax).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if text == "0" {
        return Ok(Duration::ZERO);
    }
    let split = text
        .find(|character: char| !character.is_ascii_digit())
        .ok_or_else(|| format!("`{text}` needs a unit: ms, s, m or h (e.g. `500ms`)"))?;
    let (digits, unit) = text.split_at(split);
    let value: u64 = digits
        .parse()
        .map_err(|_| format!("`{text}` must start with a whole number, e.g. `500ms`"))?;
    match unit {
        "ms" => Ok(Duration::from_millis(value)),
        "s" => Ok(Duration::from_secs(value)),
        "m" => Ok(Duration::from_secs(value.saturating_mul(60))),
        "h" => Ok(Duration::from_secs(value.saturating_mul(3600))),
        other => Err(format!(
            "unknown unit `{other}` in `{text}`: use ms, s, m or h"
        )),
    }
}

/// Parses `--latency`: one duration, or a range `10ms..50ms`.
pub fn parse_latency(text: &str) -> Result<(Duration, Duration), String> {
    match text.split_once("..") {
        Some((low, high)) => {
            let (low, high) = (parse_duration(low)?, parse_duration(high)?);
            if high < low {
                return Err(format!("`{text}`: the range's end is before its start"));
            }
            Ok((low, high))
        }
        None => parse_duration(text).map(|fixed| (fixed, fixed)),
    }
}

/// Parses `--rate-limit N/s`.
pub fn parse_rate_limit(text: &str) -> Result<u32, String> {
    let number = text.strip_suffix("/s").unwrap_or(text);
    match number.parse::<u32>() {
        Ok(limit) if limit > 0 => Ok(limit),
        _ => Err(format!("`{text}` is not a rate like `20/s`")),
    }
}

/// Parses a share in [0, 1] (`0.1` or `10%`).
pub fn parse_rate(text: &str) -> Result<f64, String> {
    let (number, scale) = match text.strip_suffix('%') {
        Some(number) => (number, 100.0),
        None => (text, 1.0),
    };
    match number.parse::<f64>() {
        Ok(value) if (0.0..=scale).contains(&value) => Ok(value / scale),
        _ => Err(format!(
            "`{text}` is not a rate between 0 and 1 (or 0% and 100%)"
        )),
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
        assert_eq!(
            parse_fail_route("POST"),
            Err("expected `METHOD /PATH` such as `POST /enterprises/*/reputation/numbers`, found `POST`".to_owned())
        );
        assert_eq!(
            parse_fail_route("FETCH /x"),
            Err("`FETCH` is not an HTTP method telrep uses".to_owned())
        );
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("1m"), Ok(Duration::from_secs(60)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(
            parse_duration("5"),
            Err("`5` needs a unit: ms, s, m or h (e.g. `500ms`)".to_owned())
        );
        assert_eq!(
            parse_duration("5d"),
            Err("unknown unit `d` in `5d`: use ms, s, m or h".to_owned())
        );
        assert_eq!(
            parse_latency("10ms..30ms"),
            Ok((Duration::from_millis(10), Duration::from_millis(30)))
        );
        assert_eq!(
            parse_latency("25ms"),
            Ok((Duration::from_millis(25), Duration::from_millis(25)))
        );
        assert!(parse_latency("30ms..10ms").is_err());
        assert_eq!(parse_rate_limit("20/s"), Ok(20));
        assert!(parse_rate_limit("0/s").is_err());
        assert_eq!(parse_rate("10%"), Ok(0.1));
        assert_eq!(parse_rate("0.25"), Ok(0.25));
        assert!(parse_rate("1.5").is_err());
    }

    #[test]
    fn rate_window() {
        let mut window = RateWindow::default();
        assert_eq!(window.admit(100, 2), Some(1));
        assert_eq!(window.admit(100, 2), Some(0));
        assert_eq!(window.admit(100, 2), None);
        assert_eq!(window.admit(101, 2), Some(1));
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
