//! `deskshift delta`: the cutover sync. Picks up the source records created
//! or changed since the migration (or the last delta) and applies them,
//! without duplicates; `delta --check` only says what changed, for the freeze.
//!
//! # The window
//!
//! Records are read with the source's `updated_since`, from the start of
//! the last successful delta, or, before any, from the start of the first
//! migrate (a migrate run that finds a record already loaded does not
//! apply changes to it, so a later migrate run cannot open the window) —
//! minus an overlap margin for clock skew between Stames and this machine
//! ([`DEFAULT_OVERLAP`]). Only runs after the last finished rollback count:
//! a rolled-back migration has nothing to sync.
//!
//! A window that opens too early costs reading, never a duplicate: every
//! record read is compared with the content the ledger says landed
//! ([`view::classify`]), and only new and changed records reach the
//! destination. That is also why a second delta in a row changes nothing.
//!
//! # The order of events
//!
//! The core owns it: gates (no unfinished rollback, the migration
//! reconciled, no active automation), the window, one ledger run, the
//! narrowed source handed to [`crate::destination::Destination::delta`],
//! and the reconciliation that fails a run whose counts do not add up.
//! Each update goes through [`crate::engine::Journal::update_once`], which
//! journals the record's before-image before changing it.

pub mod view;

pub use view::{Change, ChangeCounts, ChangedSource};

use crate::engine::phases::{close, Measure};
use crate::engine::{gates, preflight_gate, Counts, PhaseError, Phases};
use crate::ledger::{Ledger, Run, RunId, RunStatus};
use crate::model::{ObjectKind, Timestamp};
use crate::source::Source;
use crate::summary::Summary;
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Mutex;

/// The default overlap margin: records changed up to this long before the
/// window's start are read again (and found unchanged if they are).
pub const DEFAULT_OVERLAP: std::time::Duration = std::time::Duration::from_secs(5 * 60);

/// Where a delta's window opens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    /// Records updated at or after this instant are read.
    pub since: Timestamp,
    /// The run whose start opened the window, and its command.
    pub baseline_run: RunId,
    pub baseline_command: String,
    pub baseline_started_at: Timestamp,
    pub overlap_s: i64,
}

/// Opens the window (see the module docs); refuses before any migration.
pub fn window(ledger: &Ledger, overlap: std::time::Duration) -> Result<Window, PhaseError> {
    let overlap = chrono::Duration::from_std(overlap).unwrap_or(chrono::Duration::MAX);
    let runs = ledger.runs()?;
    let after_rollback = runs
        .iter()
        .rposition(|r| r.command == gates::ROLLBACK && r.status == RunStatus::Succeeded)
        .map_or(0, |at| at + 1);
    let runs = &runs[after_rollback..];
    if !runs
        .iter()
        .any(|r| r.command == "migrate" && r.status == RunStatus::Succeeded)
    {
        return Err(PhaseError::Refused(
            "delta picks up what changed after a migration, and no migration has succeeded \
             yet (or the last one was rolled back); run `deskshift migrate` first"
                .into(),
        ));
    }
    let first_migrate = runs.iter().find(|r| r.command == "migrate");
    let last_delta = runs
        .iter()
        .rev()
        .find(|r| r.command == "delta" && r.status == RunStatus::Succeeded);
    let baseline: &Run = match (last_delta, first_migrate) {
        (Some(delta), Some(migrate)) if delta.id > migrate.id => delta,
        (_, Some(migrate)) => migrate,
        (Some(delta), None) => delta,
        (None, None) => unreachable!("a successful migrate exists"),
    };
    Ok(Window {
        since: baseline.started_at - overlap,
        baseline_run: baseline.id,
        baseline_command: baseline.command.clone(),
        baseline_started_at: baseline.started_at,
        overlap_s: overlap.num_seconds(),
    })
}

/// What a delta (or `delta --check`) found in its window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeltaReport {
    pub window: Window,
    /// Per kind, how the records of the window compare with the destination.
    pub changes: BTreeMap<ObjectKind, ChangeCounts>,
    /// Per kind, the first changed records (id and change).
    pub examples: BTreeMap<ObjectKind, Vec<(String, Change)>>,
    /// Changes not in the destination yet (new + changed): zero after a
    /// delta when the source is quiet.
    pub pending: u64,
    /// `check` only looked; `delta` applied.
    pub applied: bool,
}

impl DeltaReport {
    fn new(window: Window, view: &ChangedSource<'_>, applied: bool) -> DeltaReport {
        let changes = view.counts();
        let pending = changes.values().map(ChangeCounts::pending).sum();
        DeltaReport {
            window,
            changes,
            examples: view.examples(),
            pending,
            applied,
        }
    }
}

/// `deskshift delta --check`: reads the window and compares it with the
/// ledger, changing nothing anywhere.
pub async fn check(
    ledger: Ledger,
    source: &dyn Source,
    overlap: std::time::Duration,
) -> Result<(Ledger, DeltaReport), PhaseError> {
    let window = window(&ledger, overlap)?;
    let ids = Mutex::new(ledger);
    let view = ChangedSource::new(source, window.since, &ids);
    drain(view.customers(None)).await?;
    drain(view.tickets(None)).await?;
    drain(view.custom_object_records(None)).await?;
    let report = DeltaReport::new(window, &view, false);
    drop(view);
    Ok((ids.into_inner().unwrap_or_else(|p| p.into_inner()), report))
}

async fn drain<T>(mut stream: crate::source::ReadStream<'_, T>) -> Result<(), PhaseError> {
    while let Some(item) = stream.next().await {
        item.map_err(|e| PhaseError::Destination(e.into()))?;
    }
    Ok(())
}

impl Phases<'_> {
    /// `deskshift delta`: applies the window's changes in one ledger run;
    /// returns the ledger, the summary and what the window held.
    pub async fn delta(
        &self,
        ledger: Ledger,
        overlap: std::time::Duration,
        allow_side_effects: bool,
    ) -> Result<(Ledger, Summary, DeltaReport), PhaseError> {
        gates::rollback_gate(&ledger, "delta")?;
        gates::reconciliation_gate(&ledger, "delta")?;
        let window = window(&ledger, overlap)?;
        let map = crate::engine::applied_map(&ledger)?;
        preflight_gate(self.destination, allow_side_effects).await?;
        let run = Measure::begin(self.destination);
        let journal = crate::engine::phases::begin_writing(ledger, "delta")?;
        let counts = Counts::default();
        let view = ChangedSource::new(self.source, window.since, &journal);
        let outcome = self
            .destination
            .delta(&self.context_over(&view, &journal, &counts, self.progress, &map))
            .await;
        let report = DeltaReport::new(window, &view, true);
        drop(view);
        let ledger = close(journal, "delta", &counts, outcome)?;
        Ok((ledger, self.summary(&counts, run, "delta"), report))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::RunOutcome;

    fn run(ledger: &Ledger, command: &str, ok: bool) -> RunId {
        let run = ledger.begin_run(command).unwrap();
        let outcome = if ok {
            RunOutcome::Succeeded
        } else {
            RunOutcome::Failed("stopped".into())
        };
        ledger.finish_run(run, outcome).unwrap();
        run
    }

    fn started(ledger: &Ledger, run: RunId) -> Timestamp {
        ledger.run(run).unwrap().unwrap().started_at
    }

    #[test]
    fn the_window_opens_at_the_first_migrate_then_at_the_last_delta() {
        let ledger = Ledger::open_in_memory().unwrap();
        let overlap = std::time::Duration::from_secs(60);
        assert!(matches!(
            window(&ledger, overlap),
            Err(PhaseError::Refused(_))
        ));
        let sample = run(&ledger, "migrate", false);
        assert!(
            window(&ledger, overlap).is_err(),
            "no migrate succeeded yet"
        );
        run(&ledger, "migrate", true);
        let w = window(&ledger, overlap).unwrap();
        assert_eq!(
            w.baseline_run, sample,
            "an earlier attempt loaded records too"
        );
        assert_eq!(
            w.since,
            started(&ledger, sample) - chrono::Duration::seconds(60)
        );
        run(&ledger, "delta", false);
        assert_eq!(window(&ledger, overlap).unwrap().baseline_run, sample);
        let delta = run(&ledger, "delta", true);
        assert_eq!(window(&ledger, overlap).unwrap().baseline_run, delta);
        run(&ledger, "migrate", true);
        assert_eq!(
            window(&ledger, overlap).unwrap().baseline_run,
            delta,
            "a later migrate leaves loaded records as they are"
        );
        run(&ledger, gates::ROLLBACK, true);
        assert!(
            window(&ledger, overlap).is_err(),
            "rolled back: nothing to sync"
        );
        let again = run(&ledger, "migrate", true);
        assert_eq!(window(&ledger, overlap).unwrap().baseline_run, again);
    }
}
