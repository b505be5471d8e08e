//! Stames's rate-limit headers, read for the shared pacer.

use super::endpoints::{RATE_LIMIT_LIMIT, RATE_LIMIT_REMAINING, RATE_LIMIT_RESET};
use deskshift_http::reqwest::header::HeaderMap;
use deskshift_http::{BudgetObservation, RateLimitHeaders};
use std::time::Duration;

/// Reads `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset`
/// (seconds until the window resets; fractions accepted).
#[derive(Debug, Clone, Copy, Default)]
pub struct StamesRateLimit;

impl RateLimitHeaders for StamesRateLimit {
    fn observe(&self, headers: &HeaderMap) -> Option<BudgetObservation> {
        let text = |name: &str| headers.get(name)?.to_str().ok().map(str::trim);
        let remaining = text(RATE_LIMIT_REMAINING)?.parse().ok()?;
        Some(BudgetObservation {
            remaining,
            limit: text(RATE_LIMIT_LIMIT).and_then(|v| v.parse().ok()),
            reset_in: text(RATE_LIMIT_RESET)
                .and_then(|v| v.parse::<f64>().ok())
                .filter(|secs| secs.is_finite() && *secs >= 0.0)
                .map(Duration::from_secs_f64),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use deskshift_http::reqwest::header::HeaderValue;

    #[test]
    fn reads_all_three_headers() {
        let mut headers = HeaderMap::new();
        headers.insert(RATE_LIMIT_LIMIT, HeaderValue::from_static("20"));
        headers.insert(RATE_LIMIT_REMAINING, HeaderValue::from_static("7"));
        headers.insert(RATE_LIMIT_RESET, HeaderValue::from_static("2"));
        assert_eq!(
            StamesRateLimit.observe(&headers),
            Some(BudgetObservation {
                remaining: 7,
                limit: Some(20),
                reset_in: Some(Duration::from_secs(2)),
            })
        );
    }

    #[test]
    fn needs_at_least_the_remaining_count() {
        let mut headers = HeaderMap::new();
        headers.insert(RATE_LIMIT_LIMIT, HeaderValue::from_static("20"));
        assert_eq!(StamesRateLimit.observe(&headers), None);
        headers.insert(RATE_LIMIT_REMAINING, HeaderValue::from_static("lots"));
        assert_eq!(StamesRateLimit.observe(&headers), None);
        headers.insert(RATE_LIMIT_REMAINING, HeaderValue::from_static("3"));
        headers.insert(RATE_LIMIT_RESET, HeaderValue::from_static("-1"));
        let seen = StamesRateLimit.observe(&headers).unwrap();
        assert_eq!((seen.remaining, seen.reset_in), (3, None));
    }
}
