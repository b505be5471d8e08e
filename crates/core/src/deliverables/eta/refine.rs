//! Refinement by a sample run and the comparison with the full run.
//!
//! A sample migrates N tickets with their customers and files and measures
//! what the projection can only assume:
//!
//! - the calls a ticket really costs: every call of the run except the ones
//!   paid once per run, divided by N;
//! - the time a run costs whatever its size: reading the source's customers
//!   and records, indexing them, listing the destination. It is what the
//!   sample took beyond the time its calls need under the budget, and the
//!   full run pays it again.
//!
//! The rest is projected from those two measures, the budget and the
//! per-call latency of the model: a sample is too small to measure latency
//! apart from the run's fixed cost, and under a real budget the pacing, not
//! latency, sets the pace anyway.

use super::Projection;
use crate::model::ObjectKind;
use crate::summary::Summary;
use serde::{Deserialize, Serialize};

/// Ledger meta key under which a `migrate --sample` run should keep its
/// summary, so that the full run's summary (`migrate.summary`) does not
/// replace it.
pub const SAMPLE_SUMMARY_KEY: &str = "migrate.sample.summary";

/// The duration error the ETA promises to stay within.
const TOLERANCE_PCT: f64 = 20.0;

/// What a migration run measured (from its summary JSON).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Measured {
    /// Tickets the run went through (`objects.tickets.source`).
    pub tickets: u64,
    /// Destination API calls (`api.calls`).
    pub calls: u64,
    pub duration_s: f64,
}

impl Measured {
    pub fn from_summary(summary: &Summary) -> Measured {
        Measured {
            tickets: summary
                .objects
                .get(&ObjectKind::Tickets)
                .map_or(0, |o| o.source),
            calls: summary.api.calls,
            duration_s: summary.duration_s.max(0.0),
        }
    }
}

/// Sorts the runs the ledger kept into (sample, full run): the summary
/// under [`SAMPLE_SUMMARY_KEY`] is a sample; the last `migrate` summary is
/// the full run when it went through every ticket, else it is itself a
/// sample (so a ledger whose sample was not kept apart still refines).
pub fn classify_runs(
    sample: Option<&Summary>,
    last_migrate: Option<&Summary>,
    tickets: u64,
) -> (Option<Measured>, Option<Measured>) {
    let sample = sample.map(Measured::from_summary);
    match last_migrate.map(Measured::from_summary) {
        Some(last) if last.tickets < tickets => (sample.or(Some(last)), None),
        last => (sample, last),
    }
}

/// The projection redone with the sample's measures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Refined {
    pub sample: Measured,
    /// Calls per ticket the sample really cost, once-per-run calls aside.
    pub calls_per_ticket: f64,
    /// Seconds the sample took beyond what its calls need: the cost of a
    /// run whatever its size, paid again by the next run.
    pub fixed_seconds: f64,
    /// The run that finishes the migration after the sample.
    pub remaining_tickets: u64,
    pub remaining_calls: u64,
    pub remaining_duration_s: f64,
    /// A whole migration from scratch at the measured rates.
    pub full_calls: u64,
    pub full_duration_s: f64,
}

/// Projection against measurement, after the full run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// `sample-refined` or `scope-only`.
    pub basis: String,
    pub projected_calls: u64,
    pub actual_calls: u64,
    pub projected_duration_s: f64,
    pub actual_duration_s: f64,
    /// (projected − actual) / actual, in percent; 0 when actual is 0.
    pub calls_error_pct: f64,
    pub duration_error_pct: f64,
    /// Whether the duration was predicted within ±20 %.
    pub within_tolerance: bool,
}

/// Re-projects the migration from a sample run's measures.
pub fn refine(projection: &Projection, sample: &Measured) -> Refined {
    let fixed = projection.migrate_fixed_calls;
    let tickets = sample.tickets.max(1) as f64;
    let per_run = if sample.calls > fixed { fixed } else { 0 };
    let calls_per_ticket = (sample.calls - per_run) as f64 / tickets;
    let calls_time = |calls| {
        projection
            .budget
            .time_for(calls, projection.seconds_per_call)
    };
    let fixed_seconds = (sample.duration_s - calls_time(sample.calls)).max(0.0);
    let calls_for = |tickets: u64| fixed + (calls_per_ticket * tickets as f64).round() as u64;
    let remaining_tickets = projection.tickets.saturating_sub(sample.tickets);
    let remaining_calls = calls_for(remaining_tickets);
    let full_calls = calls_for(projection.tickets);
    Refined {
        sample: *sample,
        calls_per_ticket,
        fixed_seconds,
        remaining_tickets,
        remaining_calls,
        remaining_duration_s: fixed_seconds + calls_time(remaining_calls),
        full_calls,
        full_duration_s: fixed_seconds + calls_time(full_calls),
    }
}

/// Compares the best projection available with the full run's measures.
pub fn compare(
    projection: &Projection,
    refined: Option<&Refined>,
    actual: &Measured,
) -> Comparison {
    let (basis, projected_calls, projected_duration_s) = match refined {
        Some(r) => ("sample-refined", r.remaining_calls, r.remaining_duration_s),
        None => (
            "scope-only",
            projection.migrate_calls,
            projection.migrate_duration_s,
        ),
    };
    let error = |projected: f64, actual: f64| {
        if actual > 0.0 {
            (projected - actual) / actual * 100.0
        } else {
            0.0
        }
    };
    let duration_error_pct = error(projected_duration_s, actual.duration_s);
    Comparison {
        basis: basis.into(),
        projected_calls,
        actual_calls: actual.calls,
        projected_duration_s,
        actual_duration_s: actual.duration_s,
        calls_error_pct: error(projected_calls as f64, actual.calls as f64),
        duration_error_pct,
        within_tolerance: duration_error_pct.abs() <= TOLERANCE_PCT,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deliverables::eta::{project, Budget, BudgetKind, Workload};
    use crate::deliverables::Target;
    use std::collections::BTreeMap;

    fn window(calls: u64, per_s: f64) -> Budget {
        Budget {
            calls,
            per_s,
            kind: BudgetKind::Window,
            origin: "test".into(),
        }
    }

    /// A workspace of `tickets` tickets with one customer and 2 calls each.
    fn projection(tickets: u64, budget: Budget) -> Projection {
        let w = Workload {
            agents: 5,
            customers: tickets,
            tickets,
            thread_lengths: BTreeMap::from([(4, tickets)]),
            ..Workload::default()
        };
        project(Target::Gorgias, &w, &budget)
    }

    /// A run of `tickets` that really costs `per_ticket` calls a ticket plus
    /// the once-per-run calls, `fixed_s` of work whatever its size, and
    /// `latency` seconds per call unless the budget is slower.
    fn simulated_run(
        p: &Projection,
        tickets: u64,
        per_ticket: u64,
        fixed_s: f64,
        latency: f64,
    ) -> Measured {
        let calls = p.migrate_fixed_calls + per_ticket * tickets;
        Measured {
            tickets,
            calls,
            duration_s: fixed_s + p.budget.time_for(calls, latency),
        }
    }

    #[test]
    fn a_sample_predicts_the_rest_within_20_percent_when_fixed_costs_dominate_it() {
        // The demo's situation: a generous budget, 50 s of fixed work per
        // run, tickets really costing 3 calls (the model says 2) and a
        // latency 20 % above the model's.
        let p = projection(1000, window(400, 2.0));
        let latency = p.seconds_per_call * 1.2;
        let sample = simulated_run(&p, 50, 3, 50.0, latency);
        let refined = refine(&p, &sample);
        assert!((refined.calls_per_ticket - 3.0).abs() < 0.2, "{refined:?}");
        assert!(refined.fixed_seconds > 45.0, "{refined:?}");
        let actual = simulated_run(&p, 950, 3, 50.0, latency);
        let c = compare(&p, Some(&refined), &actual);
        assert!(c.within_tolerance, "{c:?}");
        assert!(c.calls_error_pct.abs() < 1.0, "{c:?}");
        assert_eq!(c.basis, "sample-refined");
    }

    #[test]
    fn a_sample_predicts_a_paced_run_within_20_percent() {
        // 40/20: the sample fits in the first window and looks fast; the
        // rest is paced at 2 calls a second, which the refinement respects.
        let p = projection(1000, window(40, 20.0));
        let sample = simulated_run(&p, 10, 3, 5.0, 0.05);
        let refined = refine(&p, &sample);
        let actual = simulated_run(&p, 990, 3, 5.0, 0.05);
        let c = compare(&p, Some(&refined), &actual);
        assert!(c.within_tolerance, "{c:?}");
        let paced = (refined.remaining_calls - 40) as f64 / 2.0;
        assert!(refined.remaining_duration_s >= paced);
    }

    #[test]
    fn the_comparison_says_how_far_off_a_projection_was() {
        let p = projection(100, window(40, 20.0));
        let actual = Measured {
            tickets: 100,
            calls: p.migrate_calls,
            duration_s: p.migrate_duration_s * 2.0,
        };
        let c = compare(&p, None, &actual);
        assert_eq!(c.basis, "scope-only");
        assert_eq!(c.calls_error_pct, 0.0);
        assert!((c.duration_error_pct + 50.0).abs() < 1e-9);
        assert!(!c.within_tolerance);
    }

    #[test]
    fn odd_measures_do_not_panic() {
        let p = projection(0, window(40, 20.0));
        let zero = Measured {
            tickets: 0,
            calls: 0,
            duration_s: 0.0,
        };
        let r = refine(&p, &zero);
        assert_eq!(r.fixed_seconds, 0.0);
        let c = compare(&p, Some(&r), &zero);
        assert_eq!(c.duration_error_pct, 0.0);
    }

    #[test]
    fn a_partial_last_run_is_a_sample_and_a_complete_one_the_full_run() {
        let scope = crate::deliverables::fixture::scope();
        let mut partial = Summary::from_scope(None, &scope);
        partial
            .objects
            .get_mut(&ObjectKind::Tickets)
            .unwrap()
            .source = 1;
        let full = Summary::from_scope(None, &scope);
        let (s, a) = classify_runs(None, Some(&partial), 3);
        assert_eq!((s.map(|m| m.tickets), a), (Some(1), None));
        let (s, a) = classify_runs(Some(&partial), Some(&full), 3);
        assert_eq!(
            (s.map(|m| m.tickets), a.map(|m| m.tickets)),
            (Some(1), Some(3))
        );
        assert_eq!(classify_runs(None, None, 3), (None, None));
    }

    #[test]
    fn a_summary_gives_tickets_calls_and_duration() {
        let mut summary = Summary::from_scope(None, &crate::deliverables::fixture::scope());
        summary.api.calls = 77;
        summary.duration_s = 12.5;
        let m = Measured::from_summary(&summary);
        assert_eq!((m.calls, m.duration_s), (77, 12.5));
        assert_eq!(m.tickets, 3);
    }
}
