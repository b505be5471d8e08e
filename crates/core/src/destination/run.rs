//! The bookkeeping every destination writer does around its calls, written
//! once: counting records, recording rejects with their reasons, skips and
//! notes, and reading the id map.
//!
//! A destination's own run state (its client, its configuration) wraps a
//! [`PhaseRun`] and dereferences to it, so writer code says `run.tally(…)`
//! and `run.ctx` whichever destination it belongs to.

use super::notes::{Category, Notebook};
use super::{DestinationError, LoadContext};
use crate::engine::{Changed, Written};
use crate::ledger::{IdMapEntry, IdMapState, Outcome};
use crate::model::ObjectKind;
use crate::source::{Read, ReadStream, Reject};
use futures::stream::{BoxStream, StreamExt};

/// The phase name of `verify` runs, which only read.
pub const VERIFY: &str = "verify";

/// The phase name of `delta` runs: writers also bring records that are in
/// the destination already up to date with the source (journaled updates).
pub const DELTA: &str = "delta";

/// One phase's bookkeeping.
pub struct PhaseRun<'a> {
    pub ctx: &'a LoadContext<'a>,
    pub notes: Notebook,
    /// `migrate`, `prepare`, `verify`: the phase named on rejects.
    pub phase: &'static str,
    /// How the destination is named to the operator (`Gorgias`, `Salesforce`).
    display_name: &'static str,
}

impl<'a> PhaseRun<'a> {
    /// `destination` keys the notes (`gorgias`); `display_name` is how
    /// refusals name it (`Gorgias refused it: …`).
    pub fn new(
        ctx: &'a LoadContext<'a>,
        destination: &'static str,
        display_name: &'static str,
        phase: &'static str,
    ) -> PhaseRun<'a> {
        PhaseRun {
            ctx,
            notes: Notebook::new(destination),
            phase,
            display_name,
        }
    }

    /// The records of a source stream; the source's own rejects are
    /// counted and recorded on the way (except by `verify`, which only
    /// reads: the loading phases already accounted for them).
    pub fn records<'s, T: Send + 's>(
        &'s self,
        stream: ReadStream<'s, T>,
    ) -> BoxStream<'s, Result<T, DestinationError>> {
        stream
            .filter_map(move |item| async move {
                match item {
                    Ok(Read::Record(record)) => Some(Ok(record)),
                    Ok(Read::Rejected(_)) if self.phase == VERIFY => None,
                    Ok(Read::Rejected(reject)) => {
                        self.ctx.counts.source(reject.kind, 1);
                        self.ctx.counts.rejected(reject.kind, 1);
                        self.record_reject(&reject).err().map(Err)
                    }
                    Err(error) => Some(Err(error.into())),
                }
            })
            .boxed()
    }

    pub fn record_reject(&self, reject: &Reject) -> Result<(), DestinationError> {
        let journal = self.ctx.journal;
        journal.with(|l| l.record_reject(journal.run(), self.phase, reject))?;
        Ok(())
    }

    /// Counts and records a record refused before or by the destination.
    pub fn reject(
        &self,
        kind: ObjectKind,
        source_id: &str,
        field: &str,
        reason: impl Into<String>,
        hint: &str,
    ) -> Result<(), DestinationError> {
        self.ctx.counts.rejected(kind, 1);
        self.record_reject(&Reject::new(
            kind,
            Some(source_id.to_string()),
            field,
            reason,
            hint,
        ))
    }

    /// Counts a record deliberately not written, with its reason.
    pub fn skip(&self, kind: ObjectKind, source_id: &str, reason: impl Into<String>) {
        self.ctx.counts.skipped(kind, 1);
        self.notes.add(Category::Skip, kind, source_id, reason);
    }

    /// Tallies a journal outcome; a refusal is recorded as a reject with
    /// the destination's own words.
    pub fn tally(
        &self,
        kind: ObjectKind,
        source_id: &str,
        written: &Written,
    ) -> Result<(), DestinationError> {
        match written {
            Written::Rejected(reason) => self.reject(
                kind,
                source_id,
                "(record)",
                format!("{} refused it: {reason}", self.display_name),
                "fix the record in Stames (or the map) and run migrate again",
            ),
            Written::AlreadyDone(_) => {
                let matched = self.state(kind, source_id)? == Some(IdMapState::Matched);
                self.ctx.counts.written(kind, written, matched);
                Ok(())
            }
            other => {
                self.ctx.counts.written(kind, other, false);
                Ok(())
            }
        }
    }

    /// Tallies a record that was already in the destination and was brought
    /// up to date (delta): counted as done, and as updated when it changed;
    /// a refused change is a reject with the destination's own words (the
    /// record stays as it was).
    pub fn tally_change(
        &self,
        kind: ObjectKind,
        source_id: &str,
        changed: &Changed,
    ) -> Result<(), DestinationError> {
        match changed {
            Changed::Rejected(reason) => self.reject(
                kind,
                source_id,
                "(update)",
                format!(
                    "{} refused the change: {reason}; the record is as it was",
                    self.display_name
                ),
                "fix the record in Stames (or the map) and run delta again",
            ),
            Changed::Updated(dest) | Changed::Unchanged(dest) => {
                if matches!(changed, Changed::Updated(_)) {
                    self.ctx.counts.updated(kind, 1);
                }
                self.tally(kind, source_id, &Written::AlreadyDone(dest.clone()))
            }
        }
    }

    pub fn mapping(
        &self,
        kind: ObjectKind,
        source_id: &str,
    ) -> Result<Option<IdMapEntry>, DestinationError> {
        Ok(self.ctx.journal.with(|l| l.mapping(kind, source_id))?)
    }

    fn state(
        &self,
        kind: ObjectKind,
        source_id: &str,
    ) -> Result<Option<IdMapState>, DestinationError> {
        Ok(self.mapping(kind, source_id)?.map(|e| e.state))
    }

    /// The destination id of a record that is done (created, matched, updated).
    pub fn done_dest_id(
        &self,
        kind: ObjectKind,
        source_id: &str,
    ) -> Result<Option<String>, DestinationError> {
        Ok(self
            .mapping(kind, source_id)?
            .and_then(|entry| match entry.state {
                IdMapState::Created | IdMapState::Matched | IdMapState::Updated => entry.dest_id,
                _ => None,
            }))
    }

    /// An intent left pending by a crash, for a write that is safe to repeat
    /// (an idempotent update, an upload that cannot be looked up): recorded
    /// as failed, so the write is simply made again.
    pub fn settle_pending(
        &self,
        kind: ObjectKind,
        source_id: &str,
    ) -> Result<(), DestinationError> {
        let journal = self.ctx.journal;
        journal.with(|l| match l.pending_entry(kind, source_id)? {
            Some(pending) if pending.run != journal.run() => l.resolve_pending(
                journal.run(),
                pending.id,
                &Outcome::Failed {
                    reason: "interrupted; the write is repeated".into(),
                },
            ),
            _ => Ok(()),
        })?;
        Ok(())
    }

    /// Writes the notes taken so far to the ledger.
    pub fn flush_notes(&self) -> Result<(), DestinationError> {
        self.notes.flush(self.ctx.journal)?;
        Ok(())
    }
}
