//! Gorgias's rate limit: a leaky bucket per account (reference §2, RL).
//!
//! The bucket holds at most `budget.calls` calls and leaks at
//! `calls / per` calls a second: 40 per 20 s means a burst of 40, then two a
//! second, exactly as the v1.1 docs describe ("2 calls per second with a
//! burst of 40"). A refused call does not enter the bucket.
//!
//! `X-Gorgias-Account-Api-Call-Limit` shows the level after the call,
//! rounded up, over the capacity (`12/40`). `Retry-after` is the time until
//! one call fits, in **whole seconds rounded down**: with a fast leak (tests
//! use `400/2`) it is often `0`, and a client must apply its own floor
//! instead of retrying at once. Time is passed in, so this is testable
//! without sleeping.

use crate::budget::Budget;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The outcome of one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Served; `used` calls are in the bucket now, this one included.
    Allowed { used: u32, limit: u32 },
    /// Refused; one call fits after `retry_after`.
    Limited { limit: u32, retry_after: Duration },
}

impl Decision {
    /// The `used/limit` value of `X-Gorgias-Account-Api-Call-Limit`.
    pub fn header_value(&self) -> String {
        match self {
            Decision::Allowed { used, limit } => format!("{used}/{limit}"),
            Decision::Limited { limit, .. } => format!("{limit}/{limit}"),
        }
    }
}

/// `Retry-after` in whole seconds, rounded down (may be 0).
pub fn retry_after_secs(wait: Duration) -> u64 {
    wait.as_secs()
}

#[derive(Debug)]
struct Level {
    calls: f64,
    at: Instant,
}

/// One account's bucket.
#[derive(Debug)]
pub struct LeakyBucket {
    budget: Budget,
    level: Mutex<Option<Level>>,
}

/// Slack for floating-point drift, so that exactly `calls` calls fit.
const EPSILON: f64 = 1e-9;

impl LeakyBucket {
    pub fn new(budget: Budget) -> LeakyBucket {
        LeakyBucket {
            budget,
            level: Mutex::new(None),
        }
    }

    pub fn budget(&self) -> Budget {
        self.budget
    }

    fn leak_per_sec(&self) -> f64 {
        self.budget.per_second()
    }

    /// Decides a call arriving at `now`.
    pub fn check(&self, now: Instant) -> Decision {
        // A poisoned lock only means a panic elsewhere; the level is valid.
        let mut guard = self.level.lock().unwrap_or_else(|p| p.into_inner());
        let capacity = f64::from(self.budget.calls);
        let current = match &*guard {
            Some(level) => {
                let elapsed = now.saturating_duration_since(level.at).as_secs_f64();
                (level.calls - elapsed * self.leak_per_sec()).max(0.0)
            }
            None => 0.0,
        };
        if current + 1.0 <= capacity + EPSILON {
            let calls = current + 1.0;
            *guard = Some(Level { calls, at: now });
            Decision::Allowed {
                used: (calls - EPSILON).ceil().clamp(1.0, capacity) as u32,
                limit: self.budget.calls,
            }
        } else {
            // Keep the drained level so that time keeps counting from now.
            *guard = Some(Level {
                calls: current,
                at: now,
            });
            let excess = current + 1.0 - capacity;
            Decision::Limited {
                limit: self.budget.calls,
                retry_after: Duration::from_secs_f64(excess / self.leak_per_sec()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_a_burst_then_leaks_steadily() {
        let bucket = LeakyBucket::new("40/20".parse().unwrap());
        let t0 = Instant::now();
        for n in 1..=40 {
            assert_eq!(bucket.check(t0), Decision::Allowed { used: n, limit: 40 });
        }
        match bucket.check(t0) {
            Decision::Limited { retry_after, limit } => {
                assert_eq!(limit, 40);
                assert_eq!(retry_after, Duration::from_millis(500));
                assert_eq!(retry_after_secs(retry_after), 0);
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        // Two calls a second leak out.
        let t1 = t0 + Duration::from_secs(1);
        assert!(matches!(
            bucket.check(t1),
            Decision::Allowed { used: 39, .. }
        ));
        assert!(matches!(
            bucket.check(t1),
            Decision::Allowed { used: 40, .. }
        ));
        assert!(matches!(bucket.check(t1), Decision::Limited { .. }));
        // An idle bucket empties completely.
        let t2 = t1 + Duration::from_secs(30);
        assert_eq!(bucket.check(t2), Decision::Allowed { used: 1, limit: 40 });
    }

    #[test]
    fn retry_after_is_whole_seconds_rounded_down() {
        let bucket = LeakyBucket::new("2/10".parse().unwrap());
        let t0 = Instant::now();
        bucket.check(t0);
        bucket.check(t0);
        match bucket.check(t0) {
            Decision::Limited { retry_after, .. } => {
                assert_eq!(retry_after, Duration::from_secs(5));
                assert_eq!(retry_after_secs(retry_after), 5);
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert_eq!(
            Decision::Limited {
                limit: 2,
                retry_after: Duration::ZERO
            }
            .header_value(),
            "2/2"
        );
    }
}
