//! When to try again, and how long to wait first.

use backon::{BackoffBuilder, ExponentialBuilder};
use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::StatusCode;
use std::time::{Duration, SystemTime};

/// How hard a [`crate::Client`] tries before giving up on a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries per call against transient failures (5xx, 408, timeouts, refused
    /// or reset connections), the first one included.
    pub max_attempts: u32,
    /// 429 answers one call may wait out before giving up. Counted apart from
    /// `max_attempts`: on a tight budget 429s are normal, not a sign of an outage.
    pub max_rate_limited: u32,
    /// First backoff delay; each retry doubles it, plus random jitter so that
    /// workers that failed together do not come back together.
    pub min_delay: Duration,
    /// Longest backoff delay, and the most a 5xx's `Retry-After` is honoured.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 5,
            max_rate_limited: 20,
            min_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// The delays before retries 1, 2, … of one call; ends when the attempts
    /// are used up.
    pub(crate) fn backoff(&self) -> impl Iterator<Item = Duration> {
        ExponentialBuilder::default()
            .with_min_delay(self.min_delay)
            .with_max_delay(self.max_delay)
            .with_max_times(self.max_attempts.saturating_sub(1) as usize)
            .with_jitter()
            .build()
    }
}

/// Whether an answer with this status is worth trying again after a backoff.
/// 429 is handled apart (a shared pause, not a per-worker backoff).
pub(crate) fn is_transient(status: StatusCode) -> bool {
    status == StatusCode::REQUEST_TIMEOUT
        || (status.is_server_error()
            && status != StatusCode::NOT_IMPLEMENTED
            && status != StatusCode::HTTP_VERSION_NOT_SUPPORTED)
}

/// Whether a transport error (no answer at all) is worth trying again.
pub(crate) fn is_transient_error(error: &reqwest::Error) -> bool {
    error.is_timeout() || error.is_connect() || error.is_request() || error.is_body()
}

/// `Retry-After` as a delay: either whole seconds or an HTTP date. A date in
/// the past, or `0`, gives zero; the pacer applies its own floor.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(
        at.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        assert_eq!(retry_after(&headers("3")), Some(Duration::from_secs(3)));
        assert_eq!(retry_after(&headers("0")), Some(Duration::ZERO));
        let soon = SystemTime::now() + Duration::from_secs(120);
        let date = httpdate::fmt_http_date(soon);
        let delay = retry_after(&headers(&date)).unwrap();
        assert!(delay > Duration::from_secs(100) && delay <= Duration::from_secs(120));
        let past = httpdate::fmt_http_date(SystemTime::UNIX_EPOCH);
        assert_eq!(retry_after(&headers(&past)), Some(Duration::ZERO));
        assert_eq!(retry_after(&headers("soon")), None);
        assert_eq!(retry_after(&HeaderMap::new()), None);
    }

    #[test]
    fn backoff_is_bounded_by_the_attempts() {
        let policy = RetryPolicy {
            max_attempts: 4,
            ..RetryPolicy::default()
        };
        let delays: Vec<_> = policy.backoff().collect();
        assert_eq!(delays.len(), 3);
        // Exponential with jitter: each delay lies in [base, 2 × base).
        for (i, delay) in delays.iter().enumerate() {
            let base = policy.min_delay * 2u32.pow(i as u32);
            let (low, high) = (base.mul_f64(0.999), base.mul_f64(2.001));
            assert!(*delay >= low && *delay < high, "{delay:?} vs {base:?}");
        }
    }

    #[test]
    fn only_transient_statuses_are_retried() {
        for status in [500, 502, 503, 504, 408] {
            assert!(is_transient(StatusCode::from_u16(status).unwrap()));
        }
        for status in [400, 401, 403, 404, 422, 429, 501] {
            assert!(!is_transient(StatusCode::from_u16(status).unwrap()));
        }
    }
}
