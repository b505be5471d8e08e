//! The ETA: API calls per object and the time the destination's budget
//! allows for them, projected from the scope, refined by a sample run,
//! compared with the full run.
//!
//! The destination's budget is the speed limit (DESIGN.md invariant 8), so
//! the model counts calls the way each writer really makes them
//! ([`gorgias`], [`salesforce`]) and divides by the budget. What the model
//! cannot know before a run (the destination's latency, how many records it
//! already holds) a sample run measures: [`refine`] replaces the modelled
//! calls per ticket and seconds per call by measured ones.

mod budget;
mod gorgias;
mod refine;
pub mod runs;
mod salesforce;
mod workload;

pub use budget::{Budget, BudgetKind};
pub use refine::{compare, refine, Comparison, Measured, Refined, TOLERANCE_PCT};
pub use workload::Workload;

use super::Target;
use crate::model::ObjectKind;
use serde::{Deserialize, Serialize};

/// The sample size suggested before any run: large enough to average out
/// per-ticket variation, small enough to take minutes.
const SUGGESTED_SAMPLE: u64 = 50;

/// Which phase makes a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Prepare,
    Migrate,
}

/// The calls one object costs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallRow {
    pub phase: Phase,
    pub object: String,
    pub records: u64,
    pub calls: u64,
    /// How the calls are made, e.g. `1 POST /api/tickets per ticket`.
    pub method: String,
    /// Whether the calls grow with the number of tickets migrated (customers,
    /// tickets, messages, files) rather than being paid once per run.
    pub scales_with_tickets: bool,
    /// The writer's stage (its progress events) the calls are made in:
    /// customers, tickets (with their messages, files and events), or
    /// `None` for calls made once per run. A sample's stages are matched
    /// against these rows.
    #[serde(default)]
    pub stage: Option<ObjectKind>,
}

impl CallRow {
    pub fn new(
        phase: Phase,
        object: &str,
        records: u64,
        calls: u64,
        method: impl Into<String>,
        stage: Option<ObjectKind>,
    ) -> CallRow {
        CallRow {
            phase,
            object: object.into(),
            records,
            calls,
            method: method.into(),
            scales_with_tickets: stage.is_some(),
            stage,
        }
    }
}

/// The projection from the scope alone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Projection {
    pub budget: Budget,
    pub rows: Vec<CallRow>,
    pub total_calls: u64,
    /// Calls of `migrate` alone (what its summary's `api.calls` counts).
    pub migrate_calls: u64,
    /// Of those, the calls paid once per run whatever its size.
    pub migrate_fixed_calls: u64,
    pub tickets: u64,
    #[serde(default)]
    pub customers: u64,
    pub duration_s: f64,
    /// The duration of `migrate` alone.
    pub migrate_duration_s: f64,
    /// Seconds a call takes when the budget does not hold it back (latency).
    pub seconds_per_call: f64,
    /// Salesforce: the calendar days the daily request limit forces (1 when
    /// everything fits in one day). Gorgias: `None` (a rolling window).
    pub days_forced: Option<u64>,
    pub assumptions: Vec<String>,
}

impl Projection {
    /// Calls `migrate` makes in the writer's `stage`.
    pub fn stage_calls(&self, stage: ObjectKind) -> u64 {
        self.rows
            .iter()
            .filter(|r| r.phase == Phase::Migrate && r.stage == Some(stage))
            .map(|r| r.calls)
            .sum()
    }

    fn from_rows(
        budget: Budget,
        rows: Vec<CallRow>,
        workload: &Workload,
        assumptions: Vec<String>,
        seconds_per_call: f64,
        processing_s: f64,
    ) -> Projection {
        let sum = |keep: &dyn Fn(&CallRow) -> bool| -> u64 {
            rows.iter().filter(|r| keep(r)).map(|r| r.calls).sum()
        };
        let total_calls = sum(&|_| true);
        let migrate_calls = sum(&|r| r.phase == Phase::Migrate);
        let migrate_fixed_calls = sum(&|r| r.phase == Phase::Migrate && !r.scales_with_tickets);
        Projection {
            days_forced: budget.days_forced(total_calls),
            duration_s: budget.time_for(total_calls, seconds_per_call) + processing_s,
            migrate_duration_s: budget.time_for(migrate_calls, seconds_per_call) + processing_s,
            seconds_per_call,
            budget,
            rows,
            total_calls,
            migrate_calls,
            migrate_fixed_calls,
            tickets: workload.tickets,
            customers: workload.customers,
            assumptions,
        }
    }
}

/// Projects the calls and duration of a migration of `workload`.
pub fn project(target: Target, workload: &Workload, budget: &Budget) -> Projection {
    match target {
        Target::Gorgias => gorgias::project(workload, budget),
        Target::Salesforce => salesforce::project(workload, budget),
    }
}

/// The ETA section: the projection, its refinement by a sample run and its
/// comparison with the full run, whichever are known.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Eta {
    pub projection: Projection,
    pub refined: Option<Refined>,
    pub comparison: Option<Comparison>,
    /// What to do next to sharpen the estimate.
    pub next_step: String,
}

impl Eta {
    pub fn assemble(
        projection: Projection,
        sample: Option<Measured>,
        actual: Option<Measured>,
    ) -> Eta {
        let refined = sample.map(|s| refine(&projection, &s));
        let comparison = actual.map(|a| compare(&projection, refined.as_ref(), &a));
        let next_step = match (&refined, &comparison) {
            (Some(_), Some(_)) => "The full run is measured: the comparison above is final.".into(),
            (None, Some(_)) => "The full run is measured against the projection from the scope \
                                alone; on the next project, a `deskshift migrate --sample N` \
                                first measures the destination's real pace and refines the ETA."
                .into(),
            (Some(_), None) => {
                "Run `deskshift migrate` for the rest; `deskshift report` then compares this \
                 projection with what the run measured."
                    .into()
            }
            (None, None) => format!(
                "Run `deskshift migrate --sample {}` to measure real calls per ticket and \
                 seconds per call; the ETA is then refined from them.",
                projection.tickets.clamp(1, SUGGESTED_SAMPLE)
            ),
        };
        Eta {
            projection,
            refined,
            comparison,
            next_step,
        }
    }
}

/// `n / d` rounded up, 0 when `d` is 0.
fn div_ceil(n: u64, d: u64) -> u64 {
    if d == 0 {
        0
    } else {
        n.div_ceil(d)
    }
}
