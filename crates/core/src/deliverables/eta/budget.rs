//! The destination's API budget as the ETA sees it.
//!
//! `deskshift.toml` spells it `CALLS/SECONDS` (`[destination] budget`). The
//! HTTP crate parses the same spelling for pacing, but the core imports no
//! other workspace crate, so the few lines are repeated here.

use super::super::Target;
use crate::discover::ScopeReport;
use serde::{Deserialize, Serialize};

/// Gorgias API keys: 40 calls per 20 s (OAuth apps 80/20; Enterprise the
/// same counts over 10 s). Reference §2.
const GORGIAS_DEFAULT: (u64, f64) = (40, 20.0);
/// Salesforce Enterprise/Professional: 100,000 requests per rolling 24 h,
/// plus 1,000 per Salesforce licence.
const SALESFORCE_BASE_DAILY: u64 = 100_000;
const SALESFORCE_PER_LICENCE: u64 = 1_000;
const DAY_S: f64 = 86_400.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BudgetKind {
    /// A short rolling window the pacer spreads calls over (Gorgias).
    Window,
    /// A daily request limit: calls beyond it wait for the next day
    /// (Salesforce, when the window is a day or longer).
    Daily,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Budget {
    pub calls: u64,
    pub per_s: f64,
    pub kind: BudgetKind,
    /// Where the figure comes from, for the reader.
    pub origin: String,
}

impl Budget {
    /// The configured budget, else the destination's documented default.
    pub fn for_target(
        target: Target,
        configured: Option<&str>,
        scope: &ScopeReport,
    ) -> Result<Budget, String> {
        if let Some(text) = configured.filter(|t| !t.trim().is_empty()) {
            let (calls, per_s) = parse(text)?;
            let kind = if per_s >= DAY_S {
                BudgetKind::Daily
            } else {
                BudgetKind::Window
            };
            return Ok(Budget {
                calls,
                per_s,
                kind,
                origin: format!(
                    "`[destination] budget = \"{}\"` in deskshift.toml",
                    text.trim()
                ),
            });
        }
        Ok(match target {
            Target::Gorgias => Budget {
                calls: GORGIAS_DEFAULT.0,
                per_s: GORGIAS_DEFAULT.1,
                kind: BudgetKind::Window,
                origin: "Gorgias API-key default (40 per 20 s; set `budget = \"80/20\"` for an \
                         OAuth app, `\"40/10\"` for Enterprise)"
                    .into(),
            },
            Target::Salesforce => {
                let licences = scope.agents.active;
                Budget {
                    calls: SALESFORCE_BASE_DAILY + SALESFORCE_PER_LICENCE * licences,
                    per_s: DAY_S,
                    kind: BudgetKind::Daily,
                    origin: format!(
                        "Salesforce Enterprise daily limit: 100,000 + 1,000 × {licences} licences \
                         (one per active Stames agent); a Developer org has 15,000 — set \
                         `budget = \"15000/86400\"`"
                    ),
                }
            }
        })
    }

    /// Calls per second at the steady rate.
    pub fn rate(&self) -> f64 {
        self.calls as f64 / self.per_s
    }

    /// Seconds `calls` take when only the budget limits them: the first
    /// window's worth goes at once, the rest at the steady rate.
    pub fn paced_seconds(&self, calls: u64) -> f64 {
        calls.saturating_sub(self.calls) as f64 / self.rate()
    }

    /// Seconds `calls` take at `seconds_per_call` of latency: never faster
    /// than a window budget allows; a daily limit adds the days it makes
    /// the load wait.
    pub fn time_for(&self, calls: u64, seconds_per_call: f64) -> f64 {
        let working = calls as f64 * seconds_per_call;
        match self.kind {
            BudgetKind::Window => working.max(self.paced_seconds(calls)),
            BudgetKind::Daily => {
                let waiting = self.days_forced(calls).unwrap_or(1).saturating_sub(1);
                waiting as f64 * self.per_s + working
            }
        }
    }

    /// Days a daily limit forces on `calls` (`None` for a short window).
    pub fn days_forced(&self, calls: u64) -> Option<u64> {
        (self.kind == BudgetKind::Daily).then(|| super::div_ceil(calls, self.calls).max(1))
    }
}

/// `CALLS/SECONDS`, both positive.
fn parse(text: &str) -> Result<(u64, f64), String> {
    let bad = |why: &str| {
        format!("[destination] budget = {text:?}: {why} (expected CALLS/SECONDS, e.g. 40/20)")
    };
    let (calls, seconds) = text.trim().split_once('/').ok_or_else(|| bad("no `/`"))?;
    let calls: u64 = calls
        .trim()
        .parse()
        .map_err(|_| bad("CALLS is not a whole number"))?;
    let seconds: f64 = seconds
        .trim()
        .parse()
        .map_err(|_| bad("SECONDS is not a number"))?;
    if calls == 0 || !seconds.is_finite() || seconds <= 0.0 {
        return Err(bad("both must be positive"));
    }
    Ok((calls, seconds))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deliverables::fixture;

    #[test]
    fn configured_budget_wins_and_a_day_long_window_is_a_daily_limit() {
        let scope = fixture::scope();
        let b = Budget::for_target(Target::Gorgias, Some("80/20"), &scope).unwrap();
        assert_eq!((b.calls, b.per_s, b.kind), (80, 20.0, BudgetKind::Window));
        let b = Budget::for_target(Target::Salesforce, Some("15000/86400"), &scope).unwrap();
        assert_eq!(b.kind, BudgetKind::Daily);
        assert_eq!(b.days_forced(30_001), Some(3));
        assert_eq!(b.days_forced(0), Some(1));
    }

    #[test]
    fn defaults_follow_the_documented_budgets() {
        let scope = fixture::scope();
        let g = Budget::for_target(Target::Gorgias, None, &scope).unwrap();
        assert_eq!((g.calls, g.per_s), (40, 20.0));
        let s = Budget::for_target(Target::Salesforce, None, &scope).unwrap();
        assert_eq!(s.calls, 100_000 + 1_000 * scope.agents.active);
    }

    #[test]
    fn a_bad_budget_names_the_setting() {
        let scope = fixture::scope();
        for text in ["40", "x/20", "40/0", "0/20", "40/NaN"] {
            let err = Budget::for_target(Target::Gorgias, Some(text), &scope).unwrap_err();
            assert!(err.contains("[destination] budget"), "{err}");
        }
    }

    #[test]
    fn pacing_lets_the_first_window_through_then_holds_the_rate() {
        let b = Budget {
            calls: 40,
            per_s: 20.0,
            kind: BudgetKind::Window,
            origin: String::new(),
        };
        assert_eq!(b.paced_seconds(40), 0.0);
        assert_eq!(b.paced_seconds(140), 50.0);
    }
}
