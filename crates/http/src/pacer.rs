//! The pacing scheduler: one per remote API account, shared by every worker.
//!
//! Three things can hold a call back, and [`Pacer::acquire`] waits for all three:
//!
//! 1. **A shared pause.** After a 429 every worker waits out the same
//!    `Retry-After`, instead of each retrying on its own schedule (a retry storm).
//! 2. **The remote's own budget.** Rate-limit headers on each answer tell how
//!    many calls are left and when the remote's window resets. The pacer keeps an
//!    estimate of the calls left — lowered on every call it lets through, and
//!    corrected by every answer — and holds calls once it reaches zero. When
//!    a window ends, the next one is assumed to hold the last limit seen, so
//!    the calls let through before its first answer arrives stay within it;
//!    calls still in flight when an answer arrives are assumed not yet counted
//!    by the remote. A window that says no limit (a leaky bucket, which
//!    refills by leaking, not all at once) and that ran out is followed by
//!    one probing call, not a burst: the bucket may still be nearly full, of
//!    another process's calls or of our own. A lone client thus never runs
//!    into a 429 against a fixed-window limit; clients sharing an account see
//!    each other's calls only through the headers and may, which the shared
//!    pause handles.
//! 3. **The configured budget**, if any: at most `calls` in *any* `per`-long
//!    stretch (a sliding-window log). This is the operator's cap, e.g. to leave
//!    room for other integrations sharing the account; it also paces APIs that
//!    send no usable headers.
//!
//! A waiting caller holds nothing while it waits: it sleeps until the
//! earliest instant worth checking, then checks again. This matters because
//! callers are often futures inside `buffered` streams, which stop polling
//! some of their futures while the consumer is busy elsewhere; a fair
//! (FIFO) queue would hand the next turn to such a future, which then never
//! takes it, and every other caller would wait behind it forever. Callers
//! woken at the same instant race for the slot, so order is roughly, not
//! strictly, first-come; no caller is held up by another one's absence.
//! Every observed answer wakes the sleepers too, since it may say there is
//! room now.

use crate::Budget;
use reqwest::header::HeaderMap;
use std::collections::VecDeque;
use std::fmt;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::time::Instant;

/// Longest call log kept for a configured budget; larger budgets (daily
/// quotas) are paced at the same rate over a proportionally shorter window.
const MAX_LOGGED_CALLS: u32 = 4096;

/// What one answer's headers said about the remote's budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BudgetObservation {
    /// Calls left before the remote starts answering 429.
    pub remaining: u64,
    /// The remote's limit per window, when it says.
    pub limit: Option<u64>,
    /// Time until the remote's window resets (or its bucket has room again),
    /// when it says.
    pub reset_in: Option<Duration>,
}

/// Reads a remote API's rate-limit headers. Each API spells them differently
/// (Stames: `X-RateLimit-*`; Gorgias: `X-Gorgias-Account-Api-Call-Limit`;
/// Salesforce: `Sforce-Limit-Info`), so each API crate brings its own reader.
pub trait RateLimitHeaders: Send + Sync + fmt::Debug {
    /// `None` when the headers are absent or unreadable; the pacer then relies
    /// on its configured budget and on 429 answers.
    fn observe(&self, headers: &HeaderMap) -> Option<BudgetObservation>;
}

/// For APIs that send no rate-limit headers.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoRateLimitHeaders;

impl RateLimitHeaders for NoRateLimitHeaders {
    fn observe(&self, _headers: &HeaderMap) -> Option<BudgetObservation> {
        None
    }
}

/// Paces calls to one remote account. Share it with `Arc` across all clients
/// and workers that spend the same budget.
pub struct Pacer {
    /// The bookkeeping, behind a blocking mutex because it is only ever held for
    /// a few instructions and never across an `.await`.
    state: Mutex<State>,
    /// The shortest shared pause, so that `Retry-After: 0` or a reset "in 0
    /// seconds" (rounded down) still gives the remote a moment.
    min_pause: Duration,
    /// The configured budget as given (before scaling).
    configured: Option<Budget>,
    /// Wakes waiting callers when an answer was observed.
    news: Notify,
}

#[derive(Default)]
struct State {
    /// The configured budget, possibly scaled to a shorter window.
    budget: Option<Budget>,
    /// When the calls inside the current budget window were let through.
    sent: VecDeque<Instant>,
    paused_until: Option<Instant>,
    server: Option<ServerWindow>,
    in_flight: u64,
    issued: u64,
    /// The remote's budget as its headers describe it: the last limit seen
    /// and the longest reset time seen (which approaches the window length).
    observed_limit: Option<u64>,
    longest_reset: Duration,
    first: Option<Instant>,
    last: Option<Instant>,
}

/// What we believe about the remote's current window.
#[derive(Debug, Clone, Copy)]
struct ServerWindow {
    /// A lower bound on the calls left: lowered by every call we let through,
    /// and never raised by an answer within the same window.
    remaining: u64,
    /// When the window resets, as early as any answer said; for an assumed
    /// window, when to stop waiting for an answer.
    reset_at: Option<Instant>,
    /// The remote's limit per window, when it said.
    limit: Option<u64>,
    /// No answer has described this window yet: it was assumed when the last
    /// one ran out.
    assumed: bool,
}

impl Pacer {
    /// A pacer with an optional configured budget. With `None`, calls are held
    /// back only by the remote's headers and 429s.
    pub fn new(budget: Option<Budget>) -> Pacer {
        Pacer {
            state: Mutex::new(State {
                budget: budget.map(|b| b.scaled_to_at_most(MAX_LOGGED_CALLS)),
                ..State::default()
            }),
            min_pause: Duration::from_millis(250),
            configured: budget,
            news: Notify::new(),
        }
    }

    /// Sets the shortest shared pause (default 250 ms).
    pub fn with_min_pause(mut self, min_pause: Duration) -> Pacer {
        self.min_pause = min_pause;
        self
    }

    /// The configured budget, if any.
    pub fn budget(&self) -> Option<Budget> {
        self.configured
    }

    /// Waits until a call may be made, then counts it as made. Hold the permit
    /// until the answer's headers have been passed to [`Pacer::observe`]: the
    /// pacer uses the number of calls in flight to read those headers right.
    pub async fn acquire(&self) -> CallPermit<'_> {
        loop {
            // Made before the state is read, so news arriving between the
            // read and the sleep is not missed.
            let news = self.news.notified();
            let ready_at = {
                let mut state = self.state();
                let now = Instant::now();
                match state.next_slot(now, self.min_pause) {
                    None => {
                        state.record(now);
                        return CallPermit { pacer: self };
                    }
                    Some(at) => at,
                }
            };
            // Nothing is held while sleeping (see the module docs). Another
            // caller may take the slot first or extend a pause meanwhile; the
            // loop checks again. An answer's news (room in the remote's
            // budget) wakes the sleeper early.
            tokio::select! {
                () = tokio::time::sleep_until(ready_at) => {}
                () = news => {}
            }
        }
    }

    /// Feeds what an answer's headers said about the remote's budget.
    pub fn observe(&self, observation: &BudgetObservation) {
        let now = Instant::now();
        let mut state = self.state();
        // Calls still in flight besides the one that carried this answer may
        // not have been counted by the remote yet; assume they were not.
        let others = state.in_flight.saturating_sub(1);
        state.observed_limit = observation.limit.or(state.observed_limit);
        if let Some(reset_in) = observation.reset_in {
            state.longest_reset = state.longest_reset.max(reset_in);
        }
        let remaining = observation.remaining.saturating_sub(others);
        match observation.reset_in {
            Some(reset_in) => {
                let reset_in = if observation.remaining == 0 {
                    reset_in.max(self.min_pause)
                } else {
                    reset_in
                };
                let seen = ServerWindow {
                    remaining,
                    reset_at: Some(now + reset_in),
                    limit: observation.limit,
                    assumed: false,
                };
                state.server = Some(match state.server {
                    // The answer to a probe of a limitless window, the only
                    // call in flight: news, not a correction of counts we
                    // guessed. (With other calls in flight, the answer may be
                    // an older call's, from before the bucket filled: the
                    // lower count stands, below.)
                    Some(known) if known.assumed && known.limit.is_none() && others == 0 => seen,
                    // A window we only assumed: the calls we counted against it
                    // may not all have reached the remote yet.
                    Some(known) if known.assumed => ServerWindow {
                        remaining: known.remaining.min(seen.remaining),
                        limit: seen.limit.or(known.limit),
                        ..seen
                    },
                    // The same window: keep the lowest count and earliest end.
                    Some(known) if known.reset_at.is_some_and(|at| now < at) => ServerWindow {
                        remaining: known.remaining.min(seen.remaining),
                        reset_at: known.reset_at.min(seen.reset_at),
                        limit: seen.limit.or(known.limit),
                        assumed: false,
                    },
                    _ => seen,
                });
            }
            // No reset time (a leaky bucket, a daily quota): an empty budget is
            // the only actionable news. Pause briefly; the next answer says more.
            None if observation.remaining == 0 => state.pause_until(now + self.min_pause),
            None => {}
        }
        drop(state);
        self.news.notify_waiters();
    }

    /// Holds every caller for at least `duration` (at least the minimum pause),
    /// e.g. for a 429's `Retry-After`. Overlapping pauses merge into one.
    pub fn pause_for(&self, duration: Duration) {
        let until = Instant::now() + duration.max(self.min_pause);
        self.state().pause_until(until);
    }

    /// When the shared pause running now ends, if one is: for progress
    /// displays ("rate limited, resuming in 3 s").
    pub fn paused_until(&self) -> Option<std::time::Instant> {
        let now = Instant::now();
        let until = self.state().paused_until.filter(|&until| until > now)?;
        Some(until.into_std())
    }

    /// Share of the budget used while calls were being made: calls made
    /// divided by the calls the budget allowed from the first call until one
    /// window after the last. The budget is the configured one, else the
    /// remote's as its headers describe it (an estimate: the window length is
    /// taken to be the longest reset time seen). `None` when neither is known.
    pub fn utilization(&self) -> Option<f64> {
        let state = self.state();
        let budget = self.configured.or_else(|| {
            let limit = u32::try_from(state.observed_limit?).unwrap_or(u32::MAX);
            Budget::new(limit, state.longest_reset)
        })?;
        let (first, last) = (state.first?, state.last?);
        let windows = (last - first).as_secs_f64() / budget.per().as_secs_f64() + 1.0;
        let allowed = f64::from(budget.calls()) * windows;
        Some((state.issued as f64 / allowed).min(1.0))
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // The state is consistent after every statement, so a panic elsewhere
        // while holding the lock leaves nothing half-done.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl fmt::Debug for Pacer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pacer")
            .field("budget", &self.configured)
            .field("min_pause", &self.min_pause)
            .finish_non_exhaustive()
    }
}

impl State {
    /// `None` if a call may go at `now`, else the earliest instant worth
    /// checking again.
    fn next_slot(&mut self, now: Instant, min_pause: Duration) -> Option<Instant> {
        if let Some(until) = self.paused_until {
            if now < until {
                return Some(until);
            }
            self.paused_until = None;
        }
        if let Some(window) = self.server {
            if window.reset_at.is_some_and(|at| now >= at) {
                self.server = match (window.assumed, window.limit) {
                    // The window is over. Assume the next one holds the same
                    // limit, so that the calls let through before its first
                    // answer stay within it.
                    (false, Some(limit)) => Some(ServerWindow {
                        remaining: limit,
                        reset_at: None,
                        limit: Some(limit),
                        assumed: true,
                    }),
                    // A window without a limit (a leaky bucket) that we
                    // spent to the last call: the remote's room grows by
                    // what leaked meanwhile, which nobody told us. Ask with
                    // one call rather than burst into a full bucket.
                    (false, None) if window.remaining == 0 => Some(ServerWindow {
                        remaining: 1,
                        reset_at: None,
                        limit: None,
                        assumed: true,
                    }),
                    (false, None) => None,
                    // We spent an assumed window and no answer came in time
                    // (the calls in flight failed, or are slow): let one call
                    // through to ask.
                    (true, limit) => Some(ServerWindow {
                        remaining: 1,
                        reset_at: None,
                        limit,
                        assumed: true,
                    }),
                };
            }
        }
        // A probe of a limitless window waits for its answer at least one
        // leak long, so slow answers do not turn into a probe per pause.
        let probe_wait = min_pause.max(self.longest_reset);
        if let Some(window) = &mut self.server {
            if window.remaining == 0 {
                let wait = if window.limit.is_none() {
                    probe_wait
                } else {
                    min_pause
                };
                let at = *window.reset_at.get_or_insert(now + wait);
                return Some(at);
            }
        }
        if let Some(budget) = self.budget {
            while self.sent.front().is_some_and(|&t| t + budget.per() <= now) {
                self.sent.pop_front();
            }
            if self.sent.len() >= budget.calls() as usize {
                return self.sent.front().map(|&oldest| oldest + budget.per());
            }
        }
        None
    }

    fn record(&mut self, now: Instant) {
        if self.budget.is_some() {
            self.sent.push_back(now);
        }
        if let Some(window) = &mut self.server {
            window.remaining = window.remaining.saturating_sub(1);
        }
        self.in_flight += 1;
        self.issued += 1;
        self.first.get_or_insert(now);
        self.last = Some(now);
    }

    fn pause_until(&mut self, until: Instant) {
        self.paused_until = Some(self.paused_until.map_or(until, |known| known.max(until)));
    }
}

/// A call let through by the pacer; counts as in flight until dropped.
#[must_use = "hold the permit until the answer's headers were observed"]
pub struct CallPermit<'a> {
    pacer: &'a Pacer,
}

impl Drop for CallPermit<'_> {
    fn drop(&mut self) {
        let mut state = self.pacer.state();
        state.in_flight = state.in_flight.saturating_sub(1);
    }
}

impl fmt::Debug for CallPermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CallPermit")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn observation(remaining: u64, reset_ms: u64) -> BudgetObservation {
        BudgetObservation {
            remaining,
            limit: Some(10),
            reset_in: Some(Duration::from_millis(reset_ms)),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_waiting_caller_that_is_no_longer_polled_holds_nobody_up() {
        // A future inside a `buffered` stream starts waiting for the next
        // slot, then its stream stops polling it (the consumer is busy
        // elsewhere). The others must still get their calls.
        let pacer = Pacer::new(Some(Budget::new(1, Duration::from_millis(100)).unwrap()));
        drop(pacer.acquire().await);
        let mut abandoned = Box::pin(pacer.acquire());
        assert!(futures::poll!(&mut abandoned).is_pending());
        let other = tokio::time::timeout(Duration::from_secs(5), pacer.acquire()).await;
        assert!(
            other.is_ok(),
            "a caller that is not polled blocked the others"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn configured_budget_allows_bursts_up_to_the_limit_then_waits() {
        let pacer = Pacer::new(Budget::new(3, Duration::from_secs(1)));
        let start = Instant::now();
        for _ in 0..3 {
            drop(pacer.acquire().await);
        }
        assert_eq!(Instant::now(), start);
        drop(pacer.acquire().await);
        assert_eq!(Instant::now(), start + Duration::from_secs(1));
    }

    #[tokio::test(start_paused = true)]
    async fn an_exhausted_remote_budget_holds_calls_until_its_reset() {
        let pacer = Pacer::new(None);
        let start = Instant::now();
        let permit = pacer.acquire().await;
        pacer.observe(&observation(0, 700));
        drop(permit);
        drop(pacer.acquire().await);
        assert_eq!(Instant::now(), start + Duration::from_millis(700));
        // The window passed: the estimate is dropped and calls flow again.
        drop(pacer.acquire().await);
        assert_eq!(Instant::now(), start + Duration::from_millis(700));
    }

    #[tokio::test(start_paused = true)]
    async fn a_new_window_is_assumed_to_hold_the_last_known_limit() {
        let pacer = Pacer::new(None).with_min_pause(Duration::from_millis(100));
        let start = Instant::now();
        let permit = pacer.acquire().await;
        pacer.observe(&BudgetObservation {
            remaining: 0,
            limit: Some(2),
            reset_in: Some(Duration::from_secs(1)),
        });
        drop(permit);
        // After the reset, two calls may go before anything is heard …
        let first = pacer.acquire().await;
        let second = pacer.acquire().await;
        assert_eq!(Instant::now(), start + Duration::from_secs(1));
        // … and a third waits for an answer, or, when none comes, goes alone
        // after the shortest pause to ask.
        let third = pacer.acquire().await;
        assert_eq!(Instant::now(), start + Duration::from_millis(1100));
        let fourth = pacer.acquire().await;
        assert_eq!(Instant::now(), start + Duration::from_millis(1200));
        drop((first, second, third, fourth));
    }

    #[tokio::test(start_paused = true)]
    async fn a_full_bucket_is_probed_with_one_call_before_more_go() {
        // A leaky bucket says how full it is, not how much refills when; a
        // process that starts after another one filled it (or a run whose
        // concurrent calls filled it) must not burst into it.
        let pacer = Pacer::new(Budget::new(100, Duration::from_secs(2)))
            .with_min_pause(Duration::from_millis(10));
        let full = |remaining| BudgetObservation {
            remaining,
            limit: None,
            reset_in: Some(Duration::from_millis(20)),
        };
        let start = Instant::now();
        let permit = pacer.acquire().await;
        pacer.observe(&full(0));
        drop(permit);
        // One call leaked out: one goes, the next waits for its answer …
        let probe = pacer.acquire().await;
        assert_eq!(Instant::now(), start + Duration::from_millis(20));
        let mut waiting = Box::pin(pacer.acquire());
        assert!(futures::poll!(&mut waiting).is_pending());
        // … which says there is room for three: they go at once.
        pacer.observe(&full(3));
        drop(probe);
        let permits = vec![waiting.await, pacer.acquire().await, pacer.acquire().await];
        assert_eq!(Instant::now(), start + Duration::from_millis(20));
        drop(permits);
    }

    #[tokio::test(start_paused = true)]
    async fn an_answer_in_an_assumed_window_takes_over() {
        let pacer = Pacer::new(None);
        let start = Instant::now();
        let permit = pacer.acquire().await;
        let reset = |remaining| BudgetObservation {
            remaining,
            limit: Some(5),
            reset_in: Some(Duration::from_secs(1)),
        };
        pacer.observe(&reset(0));
        drop(permit);
        let permit = pacer.acquire().await;
        assert_eq!(Instant::now(), start + Duration::from_secs(1));
        // The remote says another client already spent all but one call.
        pacer.observe(&reset(1));
        drop(permit);
        drop(pacer.acquire().await);
        drop(pacer.acquire().await);
        assert_eq!(Instant::now(), start + Duration::from_secs(2));
    }

    #[tokio::test(start_paused = true)]
    async fn remaining_counts_down_locally_between_answers() {
        let pacer = Pacer::new(None);
        let start = Instant::now();
        let permit = pacer.acquire().await;
        pacer.observe(&observation(2, 1000));
        drop(permit);
        drop(pacer.acquire().await);
        drop(pacer.acquire().await);
        assert_eq!(Instant::now(), start);
        drop(pacer.acquire().await);
        assert_eq!(Instant::now(), start + Duration::from_secs(1));
    }

    #[tokio::test(start_paused = true)]
    async fn calls_in_flight_are_assumed_uncounted_by_the_remote() {
        let pacer = Pacer::new(None);
        let start = Instant::now();
        let first = pacer.acquire().await;
        let _second = pacer.acquire().await;
        // The remote says one call is left, but `_second` may not have reached
        // it yet: treat the budget as spent.
        pacer.observe(&observation(1, 500));
        drop(first);
        drop(pacer.acquire().await);
        assert_eq!(Instant::now(), start + Duration::from_millis(500));
    }

    #[tokio::test(start_paused = true)]
    async fn pauses_merge_and_have_a_floor() {
        let pacer = Pacer::new(None).with_min_pause(Duration::from_millis(100));
        let start = Instant::now();
        pacer.pause_for(Duration::ZERO);
        drop(pacer.acquire().await);
        assert_eq!(Instant::now(), start + Duration::from_millis(100));
        pacer.pause_for(Duration::from_secs(2));
        pacer.pause_for(Duration::from_secs(1));
        drop(pacer.acquire().await);
        assert_eq!(Instant::now(), start + Duration::from_millis(2100));
    }

    #[tokio::test(start_paused = true)]
    async fn utilization_compares_calls_with_what_the_budget_allowed() {
        let pacer = Pacer::new(Budget::new(4, Duration::from_secs(1)));
        // Nothing called yet: nothing to measure.
        assert_eq!(pacer.utilization(), None);
        for _ in 0..2 {
            drop(pacer.acquire().await);
        }
        assert_eq!(pacer.utilization(), Some(0.5));

        // Without a configured budget, the remote's headers describe one.
        let pacer = Pacer::new(None);
        let permit = pacer.acquire().await;
        assert_eq!(pacer.utilization(), None);
        pacer.observe(&BudgetObservation {
            remaining: 3,
            limit: Some(4),
            reset_in: Some(Duration::from_secs(1)),
        });
        drop(permit);
        assert_eq!(pacer.utilization(), Some(0.25));
    }
}
