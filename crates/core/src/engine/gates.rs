//! What must hold before a phase may start, beyond the destination's own
//! preflight:
//!
//! - **reconciliation**: every writing run ends with a per-kind row count
//!   (source = created + matched + rejected + skipped), kept in the ledger
//!   ([`RunCounts`]); the next phase does not start while the last run of
//!   the phase before it did not add up;
//! - **no unfinished rollback**: a rollback that stopped half-way is run
//!   again before anything writes to the destination, so a migration never
//!   builds on a half-removed one.

use super::PhaseError;
use crate::ledger::{Ledger, LedgerError, Run, RunId, RunStatus};
use crate::model::ObjectKind;
use crate::summary::ObjectSummary;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The command name of rollback runs.
pub const ROLLBACK: &str = "rollback";

/// A finished run's row counts per object kind, kept for the gate of the
/// next phase and for `deskshift report`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunCounts {
    pub run: RunId,
    pub phase: String,
    pub objects: BTreeMap<ObjectKind, ObjectSummary>,
    /// Kinds whose counts do not add up, as lines a person can read.
    pub discrepancies: Vec<String>,
    /// Whether the destination finished its work: the counts of a run
    /// stopped by an error are partial, and say so.
    pub finished: bool,
}

impl RunCounts {
    /// Finished, and every kind adds up.
    pub fn reconciled(&self) -> bool {
        self.finished && self.discrepancies.is_empty()
    }
}

fn counts_key(run: RunId) -> String {
    format!("reconciliation.run.{run}")
}

/// Keeps a run's counts in the ledger.
pub fn keep_run_counts(ledger: &Ledger, counts: &RunCounts) -> Result<(), LedgerError> {
    let text = serde_json::to_string(counts).map_err(|source| LedgerError::Encode {
        what: "a run's reconciliation",
        source,
    })?;
    ledger.set_meta(&counts_key(counts.run), &text)
}

/// The counts kept for `run`, if it kept any (runs that never reached
/// their end did not).
pub fn run_counts(ledger: &Ledger, run: RunId) -> Result<Option<RunCounts>, LedgerError> {
    Ok(ledger
        .meta(&counts_key(run))?
        .and_then(|text| serde_json::from_str(&text).ok()))
}

/// The phases whose last run must have added up before `phase` starts.
fn predecessors(phase: &str) -> &'static [&'static str] {
    match phase {
        "migrate" => &["prepare"],
        "delta" => &["migrate"],
        "verify" => &["migrate", "delta"],
        _ => &[],
    }
}

/// Refuses `phase` while the latest run of the phase before it did not
/// reconcile. Running that phase again is how it is fixed (it resumes).
pub fn reconciliation_gate(ledger: &Ledger, phase: &str) -> Result<(), PhaseError> {
    let before = predecessors(phase);
    let latest = ledger
        .runs()?
        .into_iter()
        .rev()
        .find(|run| before.contains(&run.command.as_str()));
    let Some(latest) = latest else {
        return Ok(());
    };
    match run_counts(ledger, latest.id)? {
        Some(counts) if counts.finished && !counts.reconciled() => {
            Err(PhaseError::Refused(format!(
            "the last {} run ({}) does not reconcile: {}; run `deskshift {}` again (it resumes \
             and accounts for every record) before {phase}",
            latest.command,
            latest.id,
            counts.discrepancies.join("; "),
            latest.command
        )))
        }
        _ => Ok(()),
    }
}

/// The latest rollback run, when it did not finish.
pub fn unfinished_rollback(ledger: &Ledger) -> Result<Option<Run>, LedgerError> {
    let latest = ledger
        .runs()?
        .into_iter()
        .rev()
        .find(|run| run.command == ROLLBACK);
    Ok(latest.filter(|run| run.status != RunStatus::Succeeded))
}

/// Refuses a phase that writes while a rollback is unfinished.
pub fn rollback_gate(ledger: &Ledger, phase: &str) -> Result<(), PhaseError> {
    match unfinished_rollback(ledger)? {
        Some(run) => Err(PhaseError::Refused(format!(
            "rollback run {} did not finish ({}); run `deskshift rollback` again to finish it \
             before {phase} writes to the destination",
            run.id,
            run.message.as_deref().unwrap_or(run.status.as_str())
        ))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::RunOutcome;

    fn finish(ledger: &Ledger, command: &str, discrepancies: Vec<String>) -> RunId {
        let run = ledger.begin_run(command).unwrap();
        keep_run_counts(
            ledger,
            &RunCounts {
                run,
                phase: command.into(),
                objects: BTreeMap::new(),
                discrepancies: discrepancies.clone(),
                finished: true,
            },
        )
        .unwrap();
        let outcome = if discrepancies.is_empty() {
            RunOutcome::Succeeded
        } else {
            RunOutcome::Failed(discrepancies.join("; "))
        };
        ledger.finish_run(run, outcome).unwrap();
        run
    }

    #[test]
    fn a_phase_waits_for_the_phase_before_it_to_add_up() {
        let ledger = Ledger::open_in_memory().unwrap();
        assert!(
            reconciliation_gate(&ledger, "verify").is_ok(),
            "nothing ran"
        );
        finish(&ledger, "migrate", vec!["tickets: source 3 ≠ …".into()]);
        let err = reconciliation_gate(&ledger, "verify").unwrap_err();
        assert!(
            err.to_string().contains("tickets: source 3")
                && err.to_string().contains("deskshift migrate"),
            "{err}"
        );
        assert!(
            reconciliation_gate(&ledger, "migrate").is_ok(),
            "the phase itself may run again"
        );
        finish(&ledger, "migrate", Vec::new());
        assert!(reconciliation_gate(&ledger, "verify").is_ok());
        assert!(reconciliation_gate(&ledger, "delta").is_ok());
    }

    #[test]
    fn writes_wait_for_an_unfinished_rollback() {
        let ledger = Ledger::open_in_memory().unwrap();
        assert!(rollback_gate(&ledger, "migrate").is_ok());
        let run = ledger.begin_run(ROLLBACK).unwrap();
        ledger
            .finish_run(run, RunOutcome::Failed("Gorgias answered 503".into()))
            .unwrap();
        let err = rollback_gate(&ledger, "migrate").unwrap_err();
        assert!(err.to_string().contains("503"), "{err}");
        let run = ledger.begin_run(ROLLBACK).unwrap();
        ledger.finish_run(run, RunOutcome::Succeeded).unwrap();
        assert!(rollback_gate(&ledger, "migrate").is_ok());
    }
}
