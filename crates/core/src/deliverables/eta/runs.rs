//! The runs the ETA learns from, kept in the ledger.
//!
//! `migrate` keeps its latest summary for `status` whatever it did; the ETA
//! needs more care: the *sample* (`migrate --sample N`) refines the
//! projection and the *full run* after it is what the refined projection is
//! compared with. Each is kept under its own key, and only when the run
//! wrote something: a `migrate` repeated after everything is done measures
//! a pass over finished work and must not replace the run that did it.

use super::Measured;
use crate::destination::Scope;
use crate::ledger::{Ledger, LedgerError};
use crate::summary::Summary;

/// Ledger meta key of the sample run's summary.
pub const SAMPLE_KEY: &str = "eta.sample_run";
/// Ledger meta key of the full run's summary.
pub const FULL_KEY: &str = "eta.full_run";

/// Keeps a finished `migrate` run for the ETA. `wrote` says whether the
/// run changed the ledger's id map (created, matched or rejected anything).
pub fn record(
    ledger: &Ledger,
    scope: &Scope,
    summary: &Summary,
    wrote: bool,
) -> Result<(), LedgerError> {
    if !wrote {
        return Ok(());
    }
    let key = match scope {
        Scope::Sample(_) => SAMPLE_KEY,
        Scope::All => FULL_KEY,
    };
    let json = serde_json::to_string(summary).map_err(|source| LedgerError::Encode {
        what: "the run's summary",
        source,
    })?;
    ledger.set_meta(key, &json)
}

/// The kept sample and full run. A full run that went through fewer tickets
/// than the workspace holds is not a full run (the workspace grew, or the
/// run was a resumed tail) and is left out of the comparison.
pub fn kept(
    ledger: &Ledger,
    tickets: u64,
) -> Result<(Option<Measured>, Option<Measured>), LedgerError> {
    let read = |key: &str| -> Result<Option<Measured>, LedgerError> {
        Ok(ledger
            .meta(key)?
            .and_then(|json| serde_json::from_str::<Summary>(&json).ok())
            .map(|s| Measured::from_summary(&s)))
    };
    let sample = read(SAMPLE_KEY)?;
    let full = read(FULL_KEY)?.filter(|m| m.tickets >= tickets);
    Ok((sample, full))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deliverables::fixture;
    use crate::model::ObjectKind;

    fn summary(tickets: u64, calls: u64) -> Summary {
        let mut s = Summary::from_scope(None, &fixture::scope());
        s.objects.get_mut(&ObjectKind::Tickets).unwrap().source = tickets;
        s.api.calls = calls;
        s
    }

    #[test]
    fn samples_and_full_runs_are_kept_apart_and_idle_runs_not_at_all() {
        let ledger = Ledger::open_in_memory().unwrap();
        assert_eq!(kept(&ledger, 3).unwrap(), (None, None));
        record(
            &ledger,
            &Scope::Sample(Default::default()),
            &summary(1, 10),
            true,
        )
        .unwrap();
        record(&ledger, &Scope::All, &summary(3, 40), true).unwrap();
        record(&ledger, &Scope::All, &summary(3, 2), false).unwrap();
        let (sample, full) = kept(&ledger, 3).unwrap();
        assert_eq!(sample.map(|m| (m.tickets, m.calls)), Some((1, 10)));
        assert_eq!(full.map(|m| (m.tickets, m.calls)), Some((3, 40)));
    }

    #[test]
    fn a_full_run_over_fewer_tickets_than_the_workspace_is_not_compared() {
        let ledger = Ledger::open_in_memory().unwrap();
        record(&ledger, &Scope::All, &summary(3, 40), true).unwrap();
        assert!(kept(&ledger, 5).unwrap().1.is_none());
    }
}
