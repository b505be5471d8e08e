//! A fixed-window rate limiter that enforces a [`Budget`].
//!
//! A fixed window (rather than a token bucket) is what most helpdesk APIs
//! document, and it maps one-to-one onto the usual `Limit` / `Remaining` /
//! `Reset` headers: the window opens with the first request after the previous
//! one expired, allows `budget.calls` requests, and refuses the rest until it
//! ends. The limiter only decides; each emulator renders the decision in its own
//! service's headers and error body.
//!
//! Time is passed in (`check(now)`), so the behaviour is testable without sleeping.

use crate::budget::Budget;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The caller's standing after a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    pub limit: u32,
    pub remaining: u32,
    /// Time until the current window ends and the full budget is back.
    pub reset_in: Duration,
}

impl Quota {
    /// `reset_in` as whole seconds, rounded up, the way `X-RateLimit-Reset`
    /// style headers carry it.
    pub fn reset_secs(&self) -> u64 {
        ceil_secs(self.reset_in)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Serve the request; one call of the budget was used.
    Allowed(Quota),
    /// Refuse it; the client should wait `retry_after`.
    Limited { quota: Quota, retry_after: Duration },
}

impl Decision {
    pub fn quota(&self) -> Quota {
        match self {
            Decision::Allowed(quota) | Decision::Limited { quota, .. } => *quota,
        }
    }
}

/// Whole seconds, rounded up. A `Retry-After` of zero would invite a retry storm
/// at the window edge, so callers that need "at least one" use
/// [`retry_after_secs`].
pub fn ceil_secs(duration: Duration) -> u64 {
    let secs = duration.as_secs();
    if duration.subsec_nanos() > 0 {
        secs + 1
    } else {
        secs
    }
}

/// The value of a `Retry-After` header: whole seconds, rounded up, at least 1.
pub fn retry_after_secs(duration: Duration) -> u64 {
    ceil_secs(duration).max(1)
}

#[derive(Debug)]
struct Window {
    opened: Instant,
    used: u32,
}

/// A shared limiter for one account. Cheap to call from every request handler.
#[derive(Debug)]
pub struct FixedWindow {
    budget: Budget,
    window: Mutex<Option<Window>>,
}

impl FixedWindow {
    pub fn new(budget: Budget) -> FixedWindow {
        FixedWindow {
            budget,
            window: Mutex::new(None),
        }
    }

    pub fn budget(&self) -> Budget {
        self.budget
    }

    /// Decides one request arriving at `now`, using one call of the budget if it
    /// is allowed. Refused requests use nothing.
    pub fn check(&self, now: Instant) -> Decision {
        // A poisoned lock only means another request panicked mid-decision; the
        // counter inside is still a valid count.
        let mut guard = self
            .window
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let expired = match &*guard {
            Some(window) => now.saturating_duration_since(window.opened) >= self.budget.per,
            None => true,
        };
        if expired {
            *guard = Some(Window {
                opened: now,
                used: 0,
            });
        }
        let window = guard.as_mut().expect("window was just opened");
        let reset_in = (window.opened + self.budget.per).saturating_duration_since(now);
        if window.used < self.budget.calls {
            window.used += 1;
            Decision::Allowed(Quota {
                limit: self.budget.calls,
                remaining: self.budget.calls - window.used,
                reset_in,
            })
        } else {
            Decision::Limited {
                quota: Quota {
                    limit: self.budget.calls,
                    remaining: 0,
                    reset_in,
                },
                retry_after: reset_in,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget(text: &str) -> Budget {
        text.parse().unwrap()
    }

    #[test]
    fn allows_the_budget_then_refuses_until_the_window_ends() {
        let limiter = FixedWindow::new(budget("3/2"));
        let t0 = Instant::now();
        for expected_remaining in [2, 1, 0] {
            match limiter.check(t0) {
                Decision::Allowed(q) => assert_eq!(q.remaining, expected_remaining),
                other => panic!("expected allowed, got {other:?}"),
            }
        }
        let later = t0 + Duration::from_millis(500);
        match limiter.check(later) {
            Decision::Limited { retry_after, quota } => {
                assert_eq!(retry_after, Duration::from_millis(1500));
                assert_eq!(retry_after_secs(retry_after), 2);
                assert_eq!(quota.remaining, 0);
            }
            other => panic!("expected limited, got {other:?}"),
        }
        // A new window opens once the old one has passed.
        match limiter.check(t0 + Duration::from_secs(2)) {
            Decision::Allowed(q) => {
                assert_eq!(q.remaining, 2);
                assert_eq!(q.reset_secs(), 2);
            }
            other => panic!("expected allowed, got {other:?}"),
        }
    }

    #[test]
    fn retry_after_is_never_zero() {
        assert_eq!(retry_after_secs(Duration::ZERO), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(1001)), 2);
        assert_eq!(ceil_secs(Duration::from_secs(60)), 60);
    }
}
