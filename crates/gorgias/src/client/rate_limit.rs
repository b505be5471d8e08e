//! Gorgias's rate-limit header, read for the shared pacer.
//!
//! Gorgias limits an account with a *leaky bucket* (reference §2): the bucket
//! holds `limit` calls and leaks `limit` calls per window (40 per 20 s for an
//! API key). Every answer says how full the bucket is after that call:
//! `X-Gorgias-Account-Api-Call-Limit: used/limit`.
//!
//! The pacer thinks in windows ("`remaining` calls until `reset_in`, then a
//! new window"), so the bucket is described as a window one leak long: until
//! one more call has leaked out, only the free room may be spent, which keeps
//! the pacer from sending a burst into a full bucket. The window's *limit* is
//! left unsaid: a leaky bucket does not refill to a fixed count, it carries
//! its free room over and adds one call. Saying "1 per leak" would make the
//! pacer assume a fresh window of one call after every leak and serialise
//! all workers behind one answer at a time (it did: a third of the budget
//! went unused). Without a limit, the pacer forgets the window when it ends
//! and the next answer describes the bucket again — unless the window was
//! spent, i.e. the bucket was full: then one call goes to ask, and the rest
//! wait for its answer (a burst there would be answered with 429s, as it
//! was at the start of each stage before). The steady rate itself is
//! held by the configured budget (see [`crate::GorgiasConfig::budget`]);
//! these headers correct it when another integration spends the same account.

use deskshift_http::reqwest::header::HeaderMap;
use deskshift_http::{BudgetObservation, RateLimitHeaders};
use std::time::Duration;

/// The header Gorgias sends on every answer, e.g. `12/40`.
pub const CALL_LIMIT_HEADER: &str = "x-gorgias-account-api-call-limit";

/// Reads `X-Gorgias-Account-Api-Call-Limit` for a bucket that drains in
/// `window` (20 s for API keys and OAuth apps, 10 s on Enterprise plans).
#[derive(Debug, Clone, Copy)]
pub struct GorgiasRateLimit {
    window: Duration,
}

impl GorgiasRateLimit {
    pub fn new(window: Duration) -> GorgiasRateLimit {
        GorgiasRateLimit { window }
    }

    /// How long one call takes to leak out of a bucket of `limit` calls.
    pub fn leak_interval(&self, limit: u64) -> Duration {
        self.window / u32::try_from(limit.max(1)).unwrap_or(u32::MAX)
    }
}

/// Parses `used/limit`; `None` for anything else.
pub fn parse_call_limit(value: &str) -> Option<(u64, u64)> {
    let (used, limit) = value.trim().split_once('/')?;
    let used = used.trim().parse().ok()?;
    let limit: u64 = limit.trim().parse().ok()?;
    (limit > 0).then_some((used, limit))
}

impl RateLimitHeaders for GorgiasRateLimit {
    fn observe(&self, headers: &HeaderMap) -> Option<BudgetObservation> {
        let value = headers.get(CALL_LIMIT_HEADER)?.to_str().ok()?;
        let (used, limit) = parse_call_limit(value)?;
        Some(BudgetObservation {
            remaining: limit.saturating_sub(used),
            // See the module docs: the free room carries over, so no fixed
            // count refills when this one-leak "window" ends.
            limit: None,
            reset_in: Some(self.leak_interval(limit)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use deskshift_http::reqwest::header::HeaderValue;

    fn headers(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(CALL_LIMIT_HEADER, HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn parses_used_over_limit() {
        assert_eq!(parse_call_limit("12/40"), Some((12, 40)));
        assert_eq!(parse_call_limit(" 40 / 40 "), Some((40, 40)));
        for bad in ["", "12", "x/40", "12/0", "12/-1"] {
            assert_eq!(parse_call_limit(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_full_bucket_holds_calls_for_one_leak() {
        let reader = GorgiasRateLimit::new(Duration::from_secs(20));
        let seen = reader.observe(&headers("40/40")).unwrap();
        assert_eq!(seen.remaining, 0);
        assert_eq!(seen.reset_in, Some(Duration::from_millis(500)));
        assert_eq!(seen.limit, None, "a leaky bucket refills by carrying over");
        let seen = reader.observe(&headers("10/40")).unwrap();
        assert_eq!(seen.remaining, 30);
        // A reading above the limit (another client raced us) is "full".
        assert_eq!(reader.observe(&headers("41/40")).unwrap().remaining, 0);
    }

    #[test]
    fn absent_or_garbled_headers_say_nothing() {
        let reader = GorgiasRateLimit::new(Duration::from_secs(20));
        assert_eq!(reader.observe(&HeaderMap::new()), None);
        assert_eq!(reader.observe(&headers("lots")), None);
    }
}
