//! An API call budget: "at most `calls` requests every `per`".
//!
//! Every emulator enforces one (the real services all rate-limit, and deskshift's
//! pacing must be tested against a limit it cannot see in advance). The textual
//! form `CALLS/SECONDS` is what `deskshift sim … --budget` accepts, e.g. `1200/60`,
//! `40/20` or `20/0.5`; fractional seconds let tests use tiny windows.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// At most `calls` requests in every window of length `per`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Budget {
    /// Requests allowed per window; always at least 1.
    pub calls: u32,
    /// Window length; always positive.
    pub per: Duration,
}

/// Why a `CALLS/SECONDS` string was refused. The messages are written for the
/// person who typed the flag.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BudgetParseError {
    #[error("budget {0:?} must look like CALLS/SECONDS, e.g. 1200/60")]
    Shape(String),
    #[error("budget {0:?}: CALLS must be a whole number of at least 1")]
    Calls(String),
    #[error("budget {0:?}: SECONDS must be a positive number, e.g. 60 or 0.5")]
    Seconds(String),
}

impl Budget {
    /// A budget of `calls` per `per`.
    ///
    /// Returns `None` for a budget nobody could satisfy (zero calls or an empty
    /// window) instead of building a limiter that refuses everything.
    pub fn new(calls: u32, per: Duration) -> Option<Budget> {
        (calls > 0 && !per.is_zero()).then_some(Budget { calls, per })
    }

    /// Requests per second, for reports and pacing estimates.
    pub fn per_second(&self) -> f64 {
        f64::from(self.calls) / self.per.as_secs_f64()
    }
}

impl Default for Budget {
    /// `1200/60`, the Stames emulator's budget (20 requests a second on
    /// average). Emulators of other services state their own budget
    /// explicitly rather than relying on this.
    fn default() -> Budget {
        Budget {
            calls: 1200,
            per: Duration::from_secs(60),
        }
    }
}

impl FromStr for Budget {
    type Err = BudgetParseError;

    fn from_str(text: &str) -> Result<Budget, BudgetParseError> {
        let (calls, seconds) = text
            .trim()
            .split_once('/')
            .ok_or_else(|| BudgetParseError::Shape(text.to_string()))?;
        let calls: u32 = calls
            .trim()
            .parse()
            .ok()
            .filter(|c| *c > 0)
            .ok_or_else(|| BudgetParseError::Calls(text.to_string()))?;
        let seconds: f64 = seconds
            .trim()
            .parse()
            .ok()
            .filter(|s: &f64| s.is_finite() && *s > 0.0 && *s < 1e9)
            .ok_or_else(|| BudgetParseError::Seconds(text.to_string()))?;
        let per = Duration::from_secs_f64(seconds);
        Budget::new(calls, per).ok_or_else(|| BudgetParseError::Seconds(text.to_string()))
    }
}

impl fmt::Display for Budget {
    /// The same `CALLS/SECONDS` form [`FromStr`] accepts, so a budget round-trips
    /// through a flag or a report.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.per.subsec_nanos() == 0 {
            write!(f, "{}/{}", self.calls, self.per.as_secs())
        } else {
            write!(f, "{}/{}", self.calls, self.per.as_secs_f64())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_whole_and_fractional_seconds() {
        let b: Budget = "1200/60".parse().unwrap();
        assert_eq!(b.calls, 1200);
        assert_eq!(b.per, Duration::from_secs(60));
        let b: Budget = " 20 / 0.5 ".parse().unwrap();
        assert_eq!(b.calls, 20);
        assert_eq!(b.per, Duration::from_millis(500));
        assert_eq!(b.per_second(), 40.0);
    }

    #[test]
    fn display_round_trips() {
        for text in ["1200/60", "40/2", "20/0.5", "5/1"] {
            let b: Budget = text.parse().unwrap();
            assert_eq!(b.to_string(), text);
            assert_eq!(b.to_string().parse::<Budget>().unwrap(), b);
        }
    }

    #[test]
    fn refuses_nonsense_with_a_reason() {
        assert!(matches!(
            "1200".parse::<Budget>(),
            Err(BudgetParseError::Shape(_))
        ));
        assert!(matches!(
            "0/60".parse::<Budget>(),
            Err(BudgetParseError::Calls(_))
        ));
        assert!(matches!(
            "-1/60".parse::<Budget>(),
            Err(BudgetParseError::Calls(_))
        ));
        assert!(matches!(
            "x/60".parse::<Budget>(),
            Err(BudgetParseError::Calls(_))
        ));
        assert!(matches!(
            "10/0".parse::<Budget>(),
            Err(BudgetParseError::Seconds(_))
        ));
        assert!(matches!(
            "10/-2".parse::<Budget>(),
            Err(BudgetParseError::Seconds(_))
        ));
        assert!(matches!(
            "10/inf".parse::<Budget>(),
            Err(BudgetParseError::Seconds(_))
        ));
        assert!(matches!(
            "10/NaN".parse::<Budget>(),
            Err(BudgetParseError::Seconds(_))
        ));
        let message = "10/abc".parse::<Budget>().unwrap_err().to_string();
        assert!(message.contains("SECONDS"), "{message}");
    }

    #[test]
    fn default_is_the_stames_budget() {
        assert_eq!(Budget::default().to_string(), "1200/60");
    }

    #[test]
    fn new_refuses_empty_budgets() {
        assert!(Budget::new(0, Duration::from_secs(1)).is_none());
        assert!(Budget::new(1, Duration::ZERO).is_none());
        assert!(Budget::new(1, Duration::from_millis(1)).is_some());
    }
}
