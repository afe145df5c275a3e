//! Pacing under the API's rate limit, shared by every request of the process: a pure state
//! machine fed the `x-ratelimit-limit`, `x-ratelimit-remaining` and `x-ratelimit-reset`
//! headers of each answer and the wait of each 429, asked before each request how long to
//! wait, with the time injected, so every wait is testable without a clock.
//!
//! Requests start at most `limit × share` a window apart, the window being the longest
//! reset seen (a reset is the time left in the current window, so the longest is its
//! length). `share` starts just under the whole limit, so that a fixed window aligned
//! anywhere never holds one more than the limit; a 429 (another client spent the quota,
//! or the limit shrank) lowers it by a quarter and blocks every request for the wait it
//! named (at most a minute, the retry policy's cap on a server-requested wait), and each window without one raises it again by a twentieth. An answer saying
//! nothing is left blocks until the window ends (at most a minute as well). Answers without the headers leave it
//! idle: no limit known, no pacing.
//!
//! Tolerant of how a server spells the reset: whole or fractional seconds until the window
//! ends, or (a value larger than any window) a Unix time.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use reqwest::header::HeaderMap;

/// The share of the announced limit aimed at before any 429: 19 of 20, so that a window
/// of fixed boundaries never holds a 21st whatever its phase.
const FULL_SHARE: f64 = 0.95;
/// The lowest share a run of 429s brings it to.
const LOWEST_SHARE: f64 = 0.25;
/// How much a 429 keeps of the share.
const CUT: f64 = 0.75;
/// How much each window without a 429 gives back.
const GROWTH: f64 = 0.05;
/// The window assumed when a server announces a limit but no reset.
const DEFAULT_WINDOW: Duration = Duration::from_secs(1);
/// The longest window believed; a longer one is a broken header.
const LONGEST: Duration = Duration::from_secs(3600);
/// The longest every request is held by one answer (a spent window, a 429's wait): the
/// cap the retry policy puts on a server-requested wait, so one header cannot park a
/// pipeline for an hour.
const LONGEST_BLOCK: Duration = Duration::from_secs(60);
/// A reset above this many seconds is read as a Unix time (no window is ten years long).
const UNIX_TIME_ABOVE: f64 = 315_360_000.0;

/// What one answer says about the rate limit.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct RateHeaders {
    /// `x-ratelimit-limit`: requests a window.
    pub limit: Option<u32>,
    /// `x-ratelimit-remaining`: requests left in this window.
    pub remaining: Option<u32>,
    /// `x-ratelimit-reset`: time until this window ends.
    pub reset: Option<Duration>,
}

impl RateHeaders {
    /// Reads the three headers; anything unreadable is absent, never an error.
    pub fn parse(headers: &HeaderMap, now: SystemTime) -> Self {
        let text = |name: &str| {
            headers
                .get(name)
                .and_then(|value| value.to_str().ok())
                .map(str::trim)
        };
        let count = |name: &str| text(name).and_then(|value| value.parse::<u32>().ok());
        Self {
            limit: count("x-ratelimit-limit").filter(|limit| *limit > 0),
            remaining: count("x-ratelimit-remaining"),
            reset: text("x-ratelimit-reset").and_then(|value| reset(value, now)),
        }
    }
}

/// A reset as a duration: seconds until the window ends, or a Unix time.
fn reset(value: &str, now: SystemTime) -> Option<Duration> {
    let seconds = value
        .parse::<f64>()
        .ok()
        .filter(|seconds| seconds.is_finite() && *seconds >= 0.0)?;
    let seconds = if seconds > UNIX_TIME_ABOVE {
        let now = now.duration_since(UNIX_EPOCH).ok()?.as_secs_f64();
        (seconds - now).max(0.0)
    } else {
        seconds
    };
    Some(super::retry::seconds_to_duration(seconds).min(LONGEST))
}

/// The process's view of the rate limit.
#[derive(Debug, Clone)]
pub struct Pacer {
    limit: Option<u32>,
    window: Option<Duration>,
    share: f64,
    next: Option<Instant>,
    blocked_until: Option<Instant>,
    grown_at: Option<Instant>,
}

impl Default for Pacer {
    fn default() -> Self {
        Self {
            limit: None,
            window: None,
            share: FULL_SHARE,
            next: None,
            blocked_until: None,
            grown_at: None,
        }
    }
}

impl Pacer {
    /// How long the request about to start at `now` waits; its start is reserved, so the
    /// next caller waits one interval more.
    pub fn reserve(&mut self, now: Instant) -> Duration {
        let mut start = now;
        if let Some(blocked) = self.blocked_until {
            start = start.max(blocked);
        }
        if let Some(interval) = self.interval() {
            if let Some(next) = self.next {
                start = start.max(next);
            }
            self.next = Some(start + interval);
        }
        start - now
    }

    /// Whether a request that waited its reserved time must wait again: a 429 or a spent
    /// window was reported meanwhile.
    pub fn blocked(&self, now: Instant) -> bool {
        self.blocked_until.is_some_and(|until| until > now)
    }

    /// Learns from one answer: its status, its rate headers and, for a 429, the wait it
    /// asked for (`Retry-After`).
    pub fn observe(
        &mut self,
        status: u16,
        headers: RateHeaders,
        retry_after: Option<Duration>,
        now: Instant,
    ) {
        if let Some(limit) = headers.limit {
            self.limit = Some(limit);
        }
        if let Some(reset) = headers.reset.filter(|reset| !reset.is_zero()) {
            self.window = Some(self.window.map_or(reset, |window| window.max(reset)));
        }
        if headers.remaining == Some(0)
            && let Some(reset) = headers.reset
        {
            self.block(now, reset);
        }
        if status == 429 {
            let wait = retry_after.or(headers.reset).unwrap_or(DEFAULT_WINDOW);
            self.block(now, wait);
            self.share = (self.share * CUT).max(LOWEST_SHARE);
            self.grown_at = Some(now);
        } else if let Some(window) = self.window.or(self.limit.map(|_| DEFAULT_WINDOW))
            && self.share < FULL_SHARE
            && self.grown_at.is_none_or(|grown| now >= grown + window)
        {
            self.share = (self.share + GROWTH).min(FULL_SHARE);
            self.grown_at = Some(now);
        }
    }

    /// The spacing between starts, once a limit is known.
    pub fn interval(&self) -> Option<Duration> {
        let limit = f64::from(self.limit?);
        let window = self.window.unwrap_or(DEFAULT_WINDOW);
        Some(window.div_f64(limit * self.share))
    }

    fn block(&mut self, now: Instant, wait: Duration) {
        let until = now + wait.min(LONGEST_BLOCK);
        self.blocked_until = Some(
            self.blocked_until
                .map_or(until, |blocked| blocked.max(until)),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(milliseconds: u64) -> Duration {
        Duration::from_millis(milliseconds)
    }

    fn headers(limit: u32, remaining: u32, reset_ms: u64) -> RateHeaders {
        RateHeaders {
            limit: Some(limit),
            remaining: Some(remaining),
            reset: Some(ms(reset_ms)),
        }
    }

    #[test]
    fn without_a_limit_nothing_waits() {
        let start = Instant::now();
        let mut pacer = Pacer::default();
        let waits: Vec<Duration> = (0..5).map(|_| pacer.reserve(start)).collect();
        assert_eq!(waits, [Duration::ZERO; 5]);
        pacer.observe(200, RateHeaders::default(), None, start);
        assert_eq!(pacer.reserve(start), Duration::ZERO);
        assert_eq!(pacer.interval(), None);
    }

    #[test]
    fn a_known_limit_spaces_starts_at_nineteen_twentieths_of_it() {
        let start = Instant::now();
        let mut pacer = Pacer::default();
        pacer.observe(200, headers(20, 19, 1000), None, start);
        // 1 s ÷ (20 × 0.95) = 52.631… ms between starts.
        let interval = Duration::from_secs(1).div_f64(20.0 * FULL_SHARE);
        assert_eq!(pacer.interval(), Some(interval));
        let waits: Vec<Duration> = (0..4).map(|_| pacer.reserve(start)).collect();
        assert_eq!(
            waits,
            [Duration::ZERO, interval, interval * 2, interval * 3]
        );
        // A caller arriving after its slot does not wait, and the next is spaced from it.
        let later = start + ms(500);
        assert_eq!(pacer.reserve(later), Duration::ZERO);
        assert_eq!(pacer.reserve(later), interval);
        // Twenty starts never fit in a second: the 20th is 19 intervals after the first.
        assert!(interval * 19 >= Duration::from_secs(1));
    }

    #[test]
    fn the_window_is_the_longest_reset_seen() {
        let start = Instant::now();
        let mut pacer = Pacer::default();
        pacer.observe(200, headers(600, 500, 20_000), None, start);
        assert_eq!(
            pacer.interval(),
            Some(ms(20_000).div_f64(600.0 * FULL_SHARE))
        );
        pacer.observe(200, headers(600, 100, 5_000), None, start);
        assert_eq!(
            pacer.interval(),
            Some(ms(20_000).div_f64(600.0 * FULL_SHARE))
        );
        pacer.observe(200, headers(600, 599, 60_000), None, start);
        assert_eq!(
            pacer.interval(),
            Some(ms(60_000).div_f64(600.0 * FULL_SHARE))
        );
    }

    #[test]
    fn no_answer_holds_requests_longer_than_a_minute() {
        let start = Instant::now();
        let mut pacer = Pacer::default();
        pacer.observe(200, headers(20, 0, 3_600_000), None, start);
        assert_eq!(pacer.reserve(start), ms(60_000));
        let mut pacer = Pacer::default();
        pacer.observe(429, headers(20, 0, 1000), Some(ms(7_200_000)), start);
        assert_eq!(pacer.reserve(start), ms(60_000));
    }

    #[test]
    fn a_spent_window_blocks_until_it_ends() {
        let start = Instant::now();
        let mut pacer = Pacer::default();
        pacer.observe(200, headers(20, 0, 300), None, start);
        assert!(pacer.blocked(start + ms(299)));
        assert!(!pacer.blocked(start + ms(300)));
        assert_eq!(pacer.reserve(start + ms(100)), ms(200));
    }

    #[test]
    fn a_429_blocks_for_its_wait_and_cuts_the_share_which_grows_back() {
        let start = Instant::now();
        let mut pacer = Pacer::default();
        pacer.observe(200, headers(20, 10, 1000), None, start);
        pacer.observe(429, headers(20, 0, 400), Some(ms(700)), start);
        // Retry-After (700 ms) outlasts the window's reset (400 ms).
        assert_eq!(pacer.reserve(start), ms(700));
        let cut = Duration::from_secs(1).div_f64(20.0 * (FULL_SHARE * CUT));
        assert_eq!(pacer.interval(), Some(cut));
        assert_eq!(pacer.reserve(start), ms(700) + cut);
        // Within a window of the 429 the share stays; a window later it grows by 0.05.
        pacer.observe(200, headers(20, 19, 1000), None, start + ms(999));
        assert_eq!(pacer.interval(), Some(cut));
        pacer.observe(200, headers(20, 19, 1000), None, start + ms(1000));
        let grown = Duration::from_secs(1).div_f64(20.0 * (FULL_SHARE * CUT + GROWTH));
        assert_eq!(pacer.interval(), Some(grown));
    }

    #[test]
    fn a_run_of_429s_bottoms_out_and_recovers_to_the_full_share() {
        let start = Instant::now();
        let mut pacer = Pacer::default();
        for second in 0..10 {
            pacer.observe(429, headers(20, 0, 1000), None, start + ms(second));
        }
        assert_eq!(
            pacer.interval(),
            Some(Duration::from_secs(1).div_f64(20.0 * 0.25))
        );
        // Without Retry-After a 429 blocks until the window's reset.
        assert_eq!(pacer.reserve(start + ms(9)), ms(1000));
        for second in 1..=20 {
            pacer.observe(
                200,
                headers(20, 19, 1000),
                None,
                start + ms(9 + 1000 * second),
            );
        }
        assert_eq!(
            pacer.interval(),
            Some(Duration::from_secs(1).div_f64(20.0 * FULL_SHARE))
        );
    }

    #[test]
    fn headers_are_read_tolerantly() {
        let now = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let parse = |pairs: &[(&'static str, &'static str)]| {
            let mut map = HeaderMap::new();
            for (name, value) in pairs {
                map.insert(*name, value.parse().unwrap());
            }
            RateHeaders::parse(&map, now)
        };
        let read = |limit, remaining, reset: Option<Duration>| RateHeaders {
            limit,
            remaining,
            reset,
        };
        assert_eq!(
            parse(&[
                ("x-ratelimit-limit", "20"),
                ("x-ratelimit-remaining", "7"),
                ("x-ratelimit-reset", "0.347")
            ]),
            read(Some(20), Some(7), Some(ms(347)))
        );
        // Whole seconds, and a Unix time 30 s ahead.
        assert_eq!(
            parse(&[("x-ratelimit-reset", " 60 ")]).reset,
            Some(ms(60_000))
        );
        assert_eq!(
            parse(&[("x-ratelimit-reset", "1800000030")]).reset,
            Some(ms(30_000))
        );
        // A Unix time past is no wait; garbage, negatives, a zero limit and an absurd
        // window are ignored or capped.
        assert_eq!(
            parse(&[("x-ratelimit-reset", "1799999990")]).reset,
            Some(Duration::ZERO)
        );
        assert_eq!(
            parse(&[
                ("x-ratelimit-limit", "0"),
                ("x-ratelimit-remaining", "-1"),
                ("x-ratelimit-reset", "soon")
            ]),
            read(None, None, None)
        );
        assert_eq!(parse(&[("x-ratelimit-reset", "-5")]).reset, None);
        // Beyond any duration, as seconds or as a Unix time: the longest window.
        assert_eq!(parse(&[("x-ratelimit-reset", "1e20")]).reset, Some(LONGEST));
        assert_eq!(
            parse(&[("x-ratelimit-reset", "1e300")]).reset,
            Some(LONGEST)
        );
        assert_eq!(
            parse(&[("x-ratelimit-reset", "86400")]).reset,
            Some(LONGEST)
        );
    }
}
