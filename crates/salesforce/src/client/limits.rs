//! The org's daily API request limit, read from `Sforce-Limit-Info`.
//!
//! Salesforce does not rate-limit per second; it counts API requests over a
//! rolling 24 hours, org-wide (reference §6), and says on every answer how
//! many are used: `Sforce-Limit-Info: api-usage=10018/100000` (reference
//! §2.4; the count is approximate and recomputed asynchronously). Running
//! into the limit makes *every* integration of the customer's org fail with
//! `403 REQUEST_LIMIT_EXCEEDED`, not just ours, so deskshift stops itself
//! first: [`UsageGuard`] refuses calls once a configured share of the daily
//! limit is used (by default 90%, leaving 10% for the org's other work).
//!
//! Between two answers the guard counts our own calls, so concurrent workers
//! cannot overshoot by more than the calls already in flight.
//!
//! The guard is fed through [`deskshift_http::RateLimitHeaders`], so it sees
//! every answer, retried attempts included; it tells the shared pacer nothing:
//! a daily quota is not a pace, and holding calls for up to a day would look
//! like a hang. Pacing, when wanted, is the configured budget's job.

use super::ApiError;
use deskshift_http::reqwest::header::HeaderMap;
use deskshift_http::{BudgetObservation, RateLimitHeaders};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// The header Salesforce sends on REST answers.
pub const LIMIT_INFO_HEADER: &str = "sforce-limit-info";

/// Parses `api-usage=N/M` (other entries, e.g. `per-app-api-usage=…`, may
/// follow after a comma) into `(used, max)`.
pub fn parse_limit_info(value: &str) -> Option<(u64, u64)> {
    value.split(',').find_map(|entry| {
        let (key, usage) = entry.trim().split_once('=')?;
        if key.trim() != "api-usage" {
            return None;
        }
        let (used, max) = usage.trim().split_once('/')?;
        let max: u64 = max.trim().parse().ok()?;
        Some((used.trim().parse().ok()?, max)).filter(|_| max > 0)
    })
}

/// Stops deskshift before it spends more than its share of the org's daily
/// API requests. Shared (`Arc`) by the client and its header reader.
#[derive(Debug)]
pub struct UsageGuard {
    /// The share of the daily limit deskshift may bring usage up to, in
    /// thousandths (900 = 90%).
    share_permille: u64,
    /// Requests used, as last reported plus our calls since.
    used: AtomicU64,
    /// The daily limit; 0 while no answer has said.
    max: AtomicU64,
}

impl UsageGuard {
    /// A guard that lets usage reach `share` (0.0–1.0) of the daily limit.
    pub fn new(share: f64) -> UsageGuard {
        let share = if share.is_finite() { share } else { 0.9 };
        UsageGuard {
            share_permille: (share.clamp(0.0, 1.0) * 1000.0).round() as u64,
            used: AtomicU64::new(0),
            max: AtomicU64::new(0),
        }
    }

    /// Records what an answer said.
    pub fn observe(&self, used: u64, max: u64) {
        self.max.store(max, Ordering::Relaxed);
        self.used.store(used, Ordering::Relaxed);
    }

    /// `(used, max)` as last known, `None` before the first answer.
    pub fn usage(&self) -> Option<(u64, u64)> {
        let max = self.max.load(Ordering::Relaxed);
        (max > 0).then(|| (self.used.load(Ordering::Relaxed), max))
    }

    /// The usage at which calls stop.
    fn ceiling(&self, max: u64) -> u64 {
        max.saturating_mul(self.share_permille) / 1000
    }

    /// Called before every request: counts it, or refuses it with
    /// [`ApiError::Quota`] when it would pass the allowed share.
    pub fn before_call(&self) -> Result<(), ApiError> {
        let max = self.max.load(Ordering::Relaxed);
        let used = self.used.fetch_add(1, Ordering::Relaxed);
        if max == 0 || used < self.ceiling(max) {
            return Ok(());
        }
        self.used.fetch_sub(1, Ordering::Relaxed);
        Err(ApiError::Quota(format!(
            "stopped before exceeding the Salesforce daily API limit: {used} of {max} requests \
             are used in the last 24 hours and deskshift may use up to {}% of them, leaving \
             the rest for the org's other integrations; run the same command again later (it \
             resumes where it stopped), or raise the allowed share in deskshift.toml",
            self.share_permille / 10
        )))
    }
}

/// Feeds every answer's `Sforce-Limit-Info` into a [`UsageGuard`].
#[derive(Debug, Clone)]
pub struct LimitInfoReader {
    pub guard: Arc<UsageGuard>,
}

impl RateLimitHeaders for LimitInfoReader {
    fn observe(&self, headers: &HeaderMap) -> Option<BudgetObservation> {
        let value = headers.get(LIMIT_INFO_HEADER)?.to_str().ok()?;
        if let Some((used, max)) = parse_limit_info(value) {
            self.guard.observe(used, max);
        }
        // See the module docs: a daily quota is not a pace.
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use deskshift_http::reqwest::header::HeaderValue;

    #[test]
    fn parses_api_usage() {
        assert_eq!(
            parse_limit_info("api-usage=10018/100000"),
            Some((10018, 100000))
        );
        assert_eq!(
            parse_limit_info("api-usage=25/15000, per-app-api-usage=17/250(appName=sample)"),
            Some((25, 15000))
        );
        assert_eq!(
            parse_limit_info("per-app-api-usage=17/250, api-usage=3/15000"),
            Some((3, 15000))
        );
        for bad in [
            "",
            "api-usage=",
            "api-usage=1",
            "api-usage=x/10",
            "api-usage=1/0",
            "calls=1/2",
        ] {
            assert_eq!(parse_limit_info(bad), None, "{bad}");
        }
    }

    #[test]
    fn guard_stops_at_the_allowed_share() {
        let guard = UsageGuard::new(0.9);
        // Nothing known yet: calls go.
        assert!(guard.before_call().is_ok());
        guard.observe(88, 100);
        assert!(guard.before_call().is_ok()); // 88 -> 89
        assert!(guard.before_call().is_ok()); // 89 -> 90
        let refused = guard.before_call().unwrap_err();
        assert!(
            matches!(&refused, ApiError::Quota(m) if m.contains("90 of 100")),
            "{refused}"
        );
        // A refused call is not counted.
        assert_eq!(guard.usage(), Some((90, 100)));
        // A later answer may report usage went down (the window rolled).
        guard.observe(10, 100);
        assert!(guard.before_call().is_ok());
    }

    #[test]
    fn reader_feeds_the_guard_and_not_the_pacer() {
        let guard = Arc::new(UsageGuard::new(0.9));
        let reader = LimitInfoReader {
            guard: guard.clone(),
        };
        let mut headers = HeaderMap::new();
        headers.insert(
            LIMIT_INFO_HEADER,
            HeaderValue::from_static("api-usage=7/15000"),
        );
        assert_eq!(reader.observe(&headers), None);
        assert_eq!(guard.usage(), Some((7, 15000)));
    }
}
