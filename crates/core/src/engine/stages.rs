//! When each object kind was worked on during a run, read from the progress
//! events the destination already emits: the first event of a kind opens its
//! stage, the last one closes it.
//!
//! The ETA needs to know which part of a run grows with the number of
//! tickets (the customers and tickets stages) and which part a run pays
//! whatever its size (reading the source's definitions, schema checks,
//! listings). A whole-run duration cannot be split that way after the fact;
//! the stages can. They land in the summary JSON (`stages`), where they also
//! tell an operator where the time went.

use crate::model::ObjectKind;
use crate::progress::Progress;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Instant;

/// One kind's stage: seconds since the run began.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Stage {
    pub started_s: f64,
    pub finished_s: f64,
    /// Records reported done (`Progress::advance`).
    pub records: u64,
    /// Destination API calls made between the stage's first and last event.
    #[serde(default)]
    pub calls: u64,
}

impl Stage {
    pub fn seconds(&self) -> f64 {
        (self.finished_s - self.started_s).max(0.0)
    }
}

/// Seconds covered by the union of the stages of `kinds`: overlapping
/// stages (a destination may interleave kinds) are not counted twice.
pub fn covered_seconds(stages: &BTreeMap<ObjectKind, Stage>, kinds: &[ObjectKind]) -> f64 {
    let mut spans: Vec<(f64, f64)> = kinds
        .iter()
        .filter_map(|k| stages.get(k))
        .map(|s| (s.started_s, s.finished_s.max(s.started_s)))
        .collect();
    spans.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut total = 0.0;
    let mut open: Option<(f64, f64)> = None;
    for (start, end) in spans {
        open = match open {
            Some((s, e)) if start <= e => Some((s, e.max(end))),
            Some((s, e)) => {
                total += e - s;
                Some((start, end))
            }
            None => Some((start, end)),
        };
    }
    total + open.map_or(0.0, |(s, e)| e - s)
}

/// A [`Progress`] that forwards every event and times the stages.
pub struct StageClock<'a> {
    inner: &'a dyn Progress,
    /// The destination's call counter so far.
    calls: &'a (dyn Fn() -> u64 + Send + Sync),
    began: Instant,
    /// Per kind: the stage, and the call counter at its first event.
    stages: Mutex<BTreeMap<ObjectKind, (Stage, u64)>>,
}

impl<'a> StageClock<'a> {
    pub fn new(
        inner: &'a dyn Progress,
        calls: &'a (dyn Fn() -> u64 + Send + Sync),
    ) -> StageClock<'a> {
        StageClock {
            inner,
            calls,
            began: Instant::now(),
            stages: Mutex::default(),
        }
    }

    fn touch(&self, kind: ObjectKind, records: u64) {
        let now = self.began.elapsed().as_secs_f64();
        let calls = (self.calls)();
        let mut stages = self.stages.lock().unwrap_or_else(|p| p.into_inner());
        let (stage, calls_at_start) = stages.entry(kind).or_insert((
            Stage {
                started_s: now,
                finished_s: now,
                ..Stage::default()
            },
            calls,
        ));
        stage.finished_s = now;
        stage.records += records;
        stage.calls = calls.saturating_sub(*calls_at_start);
    }

    pub fn stages(&self) -> BTreeMap<ObjectKind, Stage> {
        self.stages
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|(kind, (stage, _))| (*kind, *stage))
            .collect()
    }
}

impl Progress for StageClock<'_> {
    fn start(&self, kind: ObjectKind, total: Option<u64>) {
        self.touch(kind, 0);
        self.inner.start(kind, total);
    }

    fn advance(&self, kind: ObjectKind, n: u64) {
        self.touch(kind, n);
        self.inner.advance(kind, n);
    }

    fn finish(&self, kind: ObjectKind) {
        self.touch(kind, 0);
        self.inner.finish(kind);
    }

    fn note(&self, line: &str) {
        self.inner.note(line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::Silent;

    fn stage(started_s: f64, finished_s: f64) -> Stage {
        Stage {
            started_s,
            finished_s,
            records: 1,
            calls: 0,
        }
    }

    #[test]
    fn overlapping_stages_count_once_and_gaps_not_at_all() {
        let stages = BTreeMap::from([
            (ObjectKind::Customers, stage(1.0, 3.0)),
            (ObjectKind::Tickets, stage(2.5, 6.0)),
            (ObjectKind::CustomObjectRecords, stage(8.0, 9.0)),
            (ObjectKind::Users, stage(0.0, 100.0)),
        ]);
        let kinds = [
            ObjectKind::Customers,
            ObjectKind::Tickets,
            ObjectKind::CustomObjectRecords,
        ];
        assert!((covered_seconds(&stages, &kinds) - 6.0).abs() < 1e-9);
        assert_eq!(covered_seconds(&stages, &[ObjectKind::Messages]), 0.0);
    }

    #[test]
    fn the_clock_counts_records_and_the_calls_made_inside_each_stage() {
        use std::sync::atomic::{AtomicU64, Ordering};
        let counter = AtomicU64::new(7);
        let calls = || counter.load(Ordering::Relaxed);
        let clock = StageClock::new(&Silent, &calls);
        clock.start(ObjectKind::Tickets, None);
        counter.fetch_add(4, Ordering::Relaxed);
        clock.advance(ObjectKind::Tickets, 2);
        clock.advance(ObjectKind::Tickets, 3);
        counter.fetch_add(1, Ordering::Relaxed);
        clock.finish(ObjectKind::Tickets);
        counter.fetch_add(10, Ordering::Relaxed);
        let stages = clock.stages();
        let tickets = stages[&ObjectKind::Tickets];
        assert_eq!((tickets.records, tickets.calls), (5, 5));
        assert!(tickets.finished_s >= tickets.started_s);
        assert!(!stages.contains_key(&ObjectKind::Customers));
    }
}
