//! A call budget: at most `calls` requests in any `per`-long stretch of time.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// At most `calls` requests in any window of length `per`.
///
/// Written and parsed as `CALLS/SECONDS` (`40/20`, `10/0.5`), the same spelling
/// the command line uses for `--budget`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    calls: u32,
    per: Duration,
}

/// Why a budget is not usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid API budget {input:?}: {reason} (expected CALLS/SECONDS, e.g. 40/20)")]
pub struct BudgetError {
    input: String,
    reason: &'static str,
}

impl Budget {
    /// A budget of `calls` per `per`; `None` when either is zero, which would
    /// mean "never call" and is always a configuration mistake.
    pub fn new(calls: u32, per: Duration) -> Option<Budget> {
        (calls > 0 && !per.is_zero()).then_some(Budget { calls, per })
    }

    pub fn calls(&self) -> u32 {
        self.calls
    }

    pub fn per(&self) -> Duration {
        self.per
    }

    /// The same rate over a shorter window, so that the pacer's log of recent
    /// calls stays small (see [`crate::Pacer`]). Never looser than `self`: any
    /// window of the original length spans `factor` scaled windows, each holding
    /// at most `calls / factor` calls.
    pub(crate) fn scaled_to_at_most(self, max_calls: u32) -> Budget {
        if self.calls <= max_calls {
            return self;
        }
        let factor = self.calls.div_ceil(max_calls);
        Budget {
            calls: (self.calls / factor).max(1),
            per: self.per / factor,
        }
    }
}

impl fmt::Display for Budget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.calls, self.per.as_secs_f64())
    }
}

impl FromStr for Budget {
    type Err = BudgetError;

    fn from_str(input: &str) -> Result<Budget, BudgetError> {
        let error = |reason| BudgetError {
            input: input.to_string(),
            reason,
        };
        let (calls, seconds) = input.trim().split_once('/').ok_or(error("no `/`"))?;
        let calls: u32 = calls
            .trim()
            .parse()
            .map_err(|_| error("CALLS is not a whole number"))?;
        let seconds: f64 = seconds
            .trim()
            .parse()
            .map_err(|_| error("SECONDS is not a number"))?;
        if !seconds.is_finite() || seconds <= 0.0 || seconds > 366.0 * 86_400.0 {
            return Err(error("SECONDS must be positive and at most a year"));
        }
        Budget::new(calls, Duration::from_secs_f64(seconds)).ok_or(error("CALLS must be positive"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_calls_per_seconds() {
        let budget: Budget = "10/0.5".parse().unwrap();
        assert_eq!(budget.calls(), 10);
        assert_eq!(budget.per(), Duration::from_millis(500));
        assert_eq!(budget.to_string(), "10/0.5");
        assert_eq!(" 40 / 20 ".parse::<Budget>().unwrap().to_string(), "40/20");
    }

    #[test]
    fn rejects_nonsense_with_the_expected_shape() {
        for bad in ["", "40", "0/1", "1/0", "x/1", "1/-2", "1/inf"] {
            let err = bad.parse::<Budget>().unwrap_err().to_string();
            assert!(err.contains("CALLS/SECONDS"), "{err}");
        }
    }

    #[test]
    fn scaling_keeps_the_rate_and_never_loosens() {
        let daily = Budget::new(100_000, Duration::from_secs(86_400)).unwrap();
        let scaled = daily.scaled_to_at_most(1000);
        assert!(scaled.calls() <= 1000);
        let windows = daily.per().as_secs_f64() / scaled.per().as_secs_f64();
        assert!(f64::from(scaled.calls()) * windows.round() <= 100_000.0);
        let small = Budget::new(20, Duration::from_secs(1)).unwrap();
        assert_eq!(small.scaled_to_at_most(1000), small);
    }
}
