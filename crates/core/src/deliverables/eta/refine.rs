//! Refinement by a sample run and the comparison with the full run.
//!
//! A sample (`migrate --sample N`) migrates the first N tickets with their
//! customers and measures what the projection can only assume. Its summary
//! carries the *stages* of the run (`engine::stages`): when customers and
//! tickets were written and how many calls each stage made. That splits the
//! sample into
//!
//! - customers: seconds and calls per customer (one kind of record, one
//!   price each; a destination that already holds some makes fewer calls,
//!   and the sample sees it);
//! - tickets: seconds per call of the tickets stage, which carries the
//!   messages, files, notes and status events of each ticket. Tickets vary
//!   (the first N may carry more or fewer files than the rest), so the
//!   calls the rest needs come from the model, exact for what the
//!   destination does with tickets, less what the sample already made;
//! - what a run pays whatever its size: everything else (sign-in,
//!   preflight, the schema check, reading the source's definitions,
//!   listings), measured.
//!
//! The run that finishes the migration pays the fixed part again; the
//! destination's budget bounds it from below (a small sample may fit in the
//! first window of a rolling budget and look faster than the steady rate
//! allows).

use super::Projection;
use crate::engine::stages::{covered_seconds, Stage};
use crate::model::ObjectKind;
use crate::summary::Summary;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The duration error the ETA promises to stay within.
pub const TOLERANCE_PCT: f64 = 20.0;

/// The stages that grow with the number of tickets migrated.
const SCALING: [ObjectKind; 2] = [ObjectKind::Customers, ObjectKind::Tickets];

/// What a migration run measured (from its summary JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Measured {
    /// Tickets the run went through (`objects.tickets.source`).
    pub tickets: u64,
    /// Customers the run went through (`objects.customers.source`).
    #[serde(default)]
    pub customers: u64,
    /// Destination API calls (`api.calls`).
    pub calls: u64,
    pub duration_s: f64,
    /// The run's stages, when its summary has them.
    #[serde(default)]
    pub stages: BTreeMap<ObjectKind, Stage>,
}

impl Measured {
    pub fn from_summary(summary: &Summary) -> Measured {
        let source = |kind| summary.objects.get(&kind).map_or(0, |o| o.source);
        Measured {
            tickets: source(ObjectKind::Tickets),
            customers: source(ObjectKind::Customers),
            calls: summary.api.calls,
            duration_s: summary.duration_s.max(0.0),
            stages: summary.stages.clone(),
        }
    }

    fn stage(&self, kind: ObjectKind) -> Stage {
        self.stages.get(&kind).copied().unwrap_or_default()
    }
}

/// The projection redone with the sample's measures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Refined {
    pub sample: Measured,
    /// `stages` when the sample's stages split it, `whole run` when the
    /// sample had none (every call and second but the projection's
    /// once-per-run calls is then taken to belong to the tickets).
    pub basis: String,
    /// Calls per ticket the sample made in its tickets stage.
    pub calls_per_ticket: f64,
    pub calls_per_customer: f64,
    /// Calls a run makes whatever its size.
    pub fixed_calls: u64,
    /// Seconds per call of the tickets stage.
    pub seconds_per_ticket_call: f64,
    pub seconds_per_customer: f64,
    /// Seconds a run takes whatever its size.
    pub fixed_seconds: f64,
    /// The run that finishes the migration after the sample.
    pub remaining_tickets: u64,
    pub remaining_customers: u64,
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
    let per = |amount: f64, records: u64| {
        if records == 0 {
            0.0
        } else {
            amount / records as f64
        }
    };
    let (basis, customers, tickets, scaling_seconds) = if sample.stages.is_empty() {
        // No stages: all but the modelled once-per-run calls belong to the
        // tickets; the time is split in the same proportion.
        let fixed = projection.migrate_fixed_calls.min(sample.calls);
        let share = per((sample.calls - fixed) as f64, sample.calls.max(1));
        let tickets = Stage {
            calls: sample.calls - fixed,
            finished_s: sample.duration_s * share,
            ..Stage::default()
        };
        ("whole run", Stage::default(), tickets, tickets.seconds())
    } else {
        (
            "stages",
            sample.stage(ObjectKind::Customers),
            sample.stage(ObjectKind::Tickets),
            covered_seconds(&sample.stages, &SCALING),
        )
    };
    // Overlapping customer and ticket stages share their seconds in
    // proportion to their own lengths.
    let overlap =
        ((customers.seconds() + tickets.seconds()) / scaling_seconds.max(f64::EPSILON)).max(1.0);
    let rates = Rates {
        calls_per_customer: per(customers.calls as f64, sample.customers),
        seconds_per_customer: per(customers.seconds() / overlap, sample.customers),
        seconds_per_ticket_call: per(tickets.seconds() / overlap, tickets.calls),
        seconds_per_ticket: per(tickets.seconds() / overlap, sample.tickets),
        fixed_calls: sample.calls.saturating_sub(customers.calls + tickets.calls),
        fixed_seconds: (sample.duration_s - scaling_seconds).max(0.0),
    };
    let ticket_calls = projection.stage_calls(ObjectKind::Tickets);
    let remaining = Work {
        tickets: projection.tickets.saturating_sub(sample.tickets),
        ticket_calls: ticket_calls.saturating_sub(tickets.calls),
        customers: projection.customers.saturating_sub(sample.customers),
    };
    let whole = Work {
        tickets: projection.tickets,
        ticket_calls,
        customers: projection.customers,
    };
    let (remaining_calls, remaining_duration_s) = rates.run(projection, &remaining);
    let (full_calls, full_duration_s) = rates.run(projection, &whole);
    Refined {
        sample: sample.clone(),
        basis: basis.into(),
        calls_per_ticket: per(tickets.calls as f64, sample.tickets),
        calls_per_customer: rates.calls_per_customer,
        fixed_calls: rates.fixed_calls,
        seconds_per_ticket_call: rates.seconds_per_ticket_call,
        seconds_per_customer: rates.seconds_per_customer,
        fixed_seconds: rates.fixed_seconds,
        remaining_tickets: remaining.tickets,
        remaining_customers: remaining.customers,
        remaining_calls,
        remaining_duration_s,
        full_calls,
        full_duration_s,
    }
}

/// What a run has to write.
struct Work {
    tickets: u64,
    /// Calls of the tickets stage, from the model.
    ticket_calls: u64,
    customers: u64,
}

/// The sample's measures, per record, per call and per run.
struct Rates {
    calls_per_customer: f64,
    seconds_per_customer: f64,
    seconds_per_ticket_call: f64,
    /// Used when the tickets stage made no call to time.
    seconds_per_ticket: f64,
    fixed_calls: u64,
    fixed_seconds: f64,
}

impl Rates {
    /// Calls and seconds of a run doing `work`: the measured rates, and
    /// never faster than the budget lets the calls go.
    fn run(&self, projection: &Projection, work: &Work) -> (u64, f64) {
        let customer_calls = (self.calls_per_customer * work.customers as f64).round() as u64;
        let calls = self.fixed_calls + customer_calls + work.ticket_calls;
        let tickets_s = if self.seconds_per_ticket_call > 0.0 {
            self.seconds_per_ticket_call * work.ticket_calls as f64
        } else {
            self.seconds_per_ticket * work.tickets as f64
        };
        let measured =
            self.fixed_seconds + self.seconds_per_customer * work.customers as f64 + tickets_s;
        let paced = self.fixed_seconds + projection.budget.time_for(calls, 0.0);
        (calls, measured.max(paced))
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

    /// A workspace of `tickets` tickets, one customer each.
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

    /// What a run of `tickets` new tickets (and as many customers) measures
    /// when a ticket costs `per_ticket` calls and `ticket_s` seconds, a
    /// customer one call and `customer_s` seconds, and the run `fixed_s`
    /// seconds and 4 calls whatever its size; the budget slows it when its
    /// pace is the slower one.
    fn simulated_run(
        budget: &Budget,
        tickets: u64,
        per_ticket: u64,
        ticket_s: f64,
        customer_s: f64,
        fixed_s: f64,
    ) -> Measured {
        let fixed_calls = 4;
        let customer_calls = tickets;
        let ticket_calls = per_ticket * tickets;
        let calls = fixed_calls + customer_calls + ticket_calls;
        let working = customer_s * tickets as f64 + ticket_s * tickets as f64;
        let paced = budget.time_for(calls, 0.0);
        let stretch = if working > 0.0 {
            (paced / working).max(1.0)
        } else {
            1.0
        };
        let customers_end = fixed_s / 2.0 + customer_s * tickets as f64 * stretch;
        Measured {
            tickets,
            customers: tickets,
            calls,
            duration_s: fixed_s + working * stretch,
            stages: BTreeMap::from([
                (
                    ObjectKind::Customers,
                    Stage {
                        started_s: fixed_s / 2.0,
                        finished_s: customers_end,
                        records: tickets,
                        calls: customer_calls,
                    },
                ),
                (
                    ObjectKind::Tickets,
                    Stage {
                        started_s: customers_end,
                        finished_s: customers_end + ticket_s * tickets as f64 * stretch,
                        records: tickets,
                        calls: ticket_calls,
                    },
                ),
            ]),
        }
    }

    #[test]
    fn a_sample_splits_into_per_record_rates_and_a_fixed_part() {
        // The model: one create per ticket (4 messages, no files).
        let budget = window(400, 2.0);
        let p = projection(1000, budget.clone());
        assert_eq!(p.stage_calls(ObjectKind::Tickets), 1000);
        let sample = simulated_run(&budget, 50, 1, 0.02, 0.01, 5.0);
        let r = refine(&p, &sample);
        assert_eq!(r.basis, "stages");
        assert!((r.calls_per_ticket - 1.0).abs() < 1e-9, "{r:?}");
        assert!((r.calls_per_customer - 1.0).abs() < 1e-9, "{r:?}");
        assert!((r.seconds_per_ticket_call - 0.02).abs() < 1e-9, "{r:?}");
        assert_eq!(r.fixed_calls, 4);
        assert!((r.fixed_seconds - 5.0).abs() < 1e-6, "{r:?}");
        assert_eq!((r.remaining_tickets, r.remaining_customers), (950, 950));
        assert_eq!(r.remaining_calls, 4 + 950 + 950);
    }

    #[test]
    fn a_sample_predicts_the_rest_within_20_percent_when_latency_sets_the_pace() {
        let budget = window(400, 2.0);
        let p = projection(1000, budget.clone());
        let sample = simulated_run(&budget, 50, 1, 0.02, 0.01, 5.0);
        let actual = simulated_run(&budget, 950, 1, 0.02, 0.01, 5.0);
        let c = compare(&p, Some(&refine(&p, &sample)), &actual);
        assert_eq!(c.basis, "sample-refined");
        assert!(c.within_tolerance, "{c:?}");
        assert!(c.calls_error_pct.abs() < 1e-9, "{c:?}");
    }

    #[test]
    fn heavy_sample_tickets_are_not_taken_for_the_average() {
        // The first 50 tickets cost 3 calls each (files), the other 950 one:
        // the model knows the total, so only the time per call carries over.
        let budget = window(400, 2.0);
        let mut p = projection(1000, budget.clone());
        for row in &mut p.rows {
            if row.object == "attachments" {
                row.calls = 100;
            }
        }
        let sample = simulated_run(&budget, 50, 3, 0.06, 0.01, 5.0);
        let r = refine(&p, &sample);
        assert_eq!(r.remaining_calls, 4 + 950 + 950, "{r:?}");
        let actual = simulated_run(&budget, 950, 1, 0.02, 0.01, 5.0);
        let c = compare(&p, Some(&r), &actual);
        assert!(c.within_tolerance, "{c:?}");
        assert!(c.calls_error_pct.abs() < 1e-9, "{c:?}");
    }

    #[test]
    fn a_sample_inside_the_first_window_does_not_hide_the_steady_pace() {
        // 40 calls per 20 s: the sample's 24 calls fit in the first window
        // and look fast; the rest is paced at 2 calls a second.
        let budget = window(40, 20.0);
        let p = projection(1000, budget.clone());
        let sample = simulated_run(&budget, 10, 1, 0.01, 0.01, 1.0);
        let r = refine(&p, &sample);
        let actual = simulated_run(&budget, 990, 1, 0.01, 0.01, 1.0);
        let c = compare(&p, Some(&r), &actual);
        assert!(c.within_tolerance, "{c:?}");
        let paced = (r.remaining_calls - 40) as f64 / 2.0;
        assert!(r.remaining_duration_s >= paced);
    }

    #[test]
    fn a_sample_without_stages_falls_back_to_the_whole_run() {
        let budget = window(400, 2.0);
        let p = projection(100, budget);
        let sample = Measured {
            tickets: 10,
            customers: 10,
            calls: p.migrate_fixed_calls + 30,
            duration_s: 3.0,
            stages: BTreeMap::new(),
        };
        let r = refine(&p, &sample);
        assert_eq!(r.basis, "whole run");
        assert!((r.calls_per_ticket - 3.0).abs() < 1e-9, "{r:?}");
        assert_eq!(r.fixed_calls, p.migrate_fixed_calls);
        assert!(r.remaining_duration_s > 0.0);
    }

    #[test]
    fn the_comparison_says_how_far_off_a_projection_was() {
        let p = projection(100, window(40, 20.0));
        let actual = Measured {
            tickets: 100,
            customers: 100,
            calls: p.migrate_calls,
            duration_s: p.migrate_duration_s * 2.0,
            stages: BTreeMap::new(),
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
            customers: 0,
            calls: 0,
            duration_s: 0.0,
            stages: BTreeMap::new(),
        };
        let r = refine(&p, &zero);
        assert_eq!(r.fixed_seconds, 0.0);
        let c = compare(&p, Some(&r), &zero);
        assert_eq!(c.duration_error_pct, 0.0);
        let mut empty_stages = zero.clone();
        empty_stages
            .stages
            .insert(ObjectKind::Tickets, Stage::default());
        let r = refine(&p, &empty_stages);
        assert!(r.remaining_duration_s.is_finite());
    }

    #[test]
    fn a_summary_gives_records_calls_duration_and_stages() {
        let mut summary = Summary::from_scope(None, &crate::deliverables::fixture::scope());
        summary.api.calls = 77;
        summary.duration_s = 12.5;
        summary.stages.insert(ObjectKind::Tickets, Stage::default());
        let m = Measured::from_summary(&summary);
        assert_eq!((m.calls, m.duration_s), (77, 12.5));
        assert_eq!((m.tickets, m.customers), (3, 4));
        assert_eq!(m.stages.len(), 1);
    }
}
