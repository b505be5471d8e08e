//! The bookkeeping every destination writer does around its calls, written
//! once: counting records, recording rejects with their reasons, skips and
//! notes, and reading the id map.
//!
//! A destination's own run state (its client, its configuration) wraps a
//! [`PhaseRun`] and dereferences to it, so writer code says `run.tally(…)`
//! and `run.ctx` whichever destination it belongs to.

use super::notes::{Category, Notebook};
use super::{DestinationError, LoadContext};
use crate::discover::references::{self, KnownIds};
use crate::engine::{Changed, Written};
use crate::ledger::{IdMapEntry, IdMapState, LedgerError, Outcome};
use crate::model::{CustomObjectRecord, ObjectKind, TicketThread};
use crate::plan::PlanTally;
use crate::source::{Read, ReadStream, Reject};
use futures::stream::{BoxStream, StreamExt};
use std::collections::BTreeMap;
use std::sync::Mutex;

/// The phase name of `verify` runs, which only read.
pub const VERIFY: &str = "verify";

/// A record refers to one that is not in the destination: which field, why,
/// and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingReference {
    pub field: &'static str,
    pub reason: String,
    pub hint: String,
}

/// The phase name of `plan` runs, which write nothing: their rejects go to
/// the plan's tally ([`PhaseRun::for_plan`]), not to the ledger.
pub const PLAN: &str = "plan";

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
    /// Per kind, whether discovery's source index holds any record of it;
    /// asked once per kind, not once per reference.
    indexed: Mutex<BTreeMap<ObjectKind, bool>>,
    /// Set for `plan`: where rejects (the source's and the reference
    /// checks') are told instead of the ledger.
    plan: Option<&'a PlanTally>,
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
            indexed: Mutex::default(),
            plan: None,
        }
    }

    /// The bookkeeping of a `plan` run: the same source reading and
    /// reference checks as `migrate`, with every reject told to `tally`.
    pub fn for_plan(
        ctx: &'a LoadContext<'a>,
        destination: &'static str,
        display_name: &'static str,
        tally: &'a PlanTally,
    ) -> PhaseRun<'a> {
        PhaseRun {
            plan: Some(tally),
            ..PhaseRun::new(ctx, destination, display_name, PLAN)
        }
    }

    /// Whether discovery indexed any record of `kind` in this project.
    fn indexed(&self, kind: ObjectKind) -> Result<bool, LedgerError> {
        let mut indexed = self.indexed.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(known) = indexed.get(&kind) {
            return Ok(*known);
        }
        let any = self.ctx.journal.with(|l| l.source_count(kind))? > 0;
        indexed.insert(kind, any);
        Ok(any)
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

    /// The ticket threads of a source stream, with the reference checks
    /// discovery applies ([`references`]): a ticket whose customer or
    /// assignee Stames does not have is rejected with all it carries, and a
    /// message signed by nobody Stames knows is taken out of its thread and
    /// rejected with its files, so the destination only sees threads whose
    /// references exist, and migration rejects what discovery rejected.
    ///
    /// Known means read by discovery (the ledger's source index) or already
    /// in the id map (a customer a delta run created after discovery).
    /// Kinds the index does not hold at all (no discovery in this project)
    /// are not checked: the destination's own checks name what is missing.
    pub fn threads<'s>(
        &'s self,
        stream: ReadStream<'s, TicketThread>,
    ) -> BoxStream<'s, Result<TicketThread, DestinationError>> {
        self.records(stream)
            .filter_map(move |thread| async move {
                match thread {
                    Ok(thread) => self.check_references(thread).transpose(),
                    Err(error) => Some(Err(error)),
                }
            })
            .boxed()
    }

    /// The custom-object records of a source stream, with discovery's
    /// reference check: a record linking to a ticket or customer Stames does
    /// not have (or rejected) is rejected, as discovery rejected it.
    pub fn object_records<'s>(
        &'s self,
        stream: ReadStream<'s, CustomObjectRecord>,
    ) -> BoxStream<'s, Result<CustomObjectRecord, DestinationError>> {
        self.records(stream)
            .filter_map(move |record| async move {
                let record = match record {
                    Ok(record) => record,
                    Err(error) => return Some(Err(error)),
                };
                let known = Known { run: self };
                match references::check_custom_object_record(&record, &known) {
                    Ok(None) => Some(Ok(record)),
                    Ok(Some(_)) if self.phase == VERIFY => None,
                    Ok(Some(reject)) => self.reject_all(&[reject]).err().map(Err),
                    Err(error) => Some(Err(error.into())),
                }
            })
            .boxed()
    }

    fn check_references(
        &self,
        mut thread: TicketThread,
    ) -> Result<Option<TicketThread>, DestinationError> {
        let known = Known { run: self };
        let verifying = self.phase == VERIFY;
        if let Some(reject) = references::check_ticket(&thread, &known)? {
            if !verifying {
                let mut rejects = vec![reject];
                rejects.extend(references::cascade_ticket_reject(&thread));
                self.reject_all(&rejects)?;
            }
            return Ok(None);
        }
        let bad = references::check_messages(&thread, &known)?;
        for (index, reject) in bad.into_iter().rev() {
            let message = thread.messages.remove(index);
            if !verifying {
                let mut rejects = vec![reject];
                rejects.extend(references::cascade_message_reject(&message));
                self.reject_all(&rejects)?;
            }
        }
        Ok(Some(thread))
    }

    /// Counts (source and rejected) and records each of `rejects`.
    fn reject_all(&self, rejects: &[Reject]) -> Result<(), DestinationError> {
        for reject in rejects {
            self.ctx.counts.source(reject.kind, 1);
            self.ctx.counts.rejected(reject.kind, 1);
            self.record_reject(reject)?;
        }
        Ok(())
    }

    pub fn record_reject(&self, reject: &Reject) -> Result<(), DestinationError> {
        if let Some(tally) = self.plan {
            tally.source_reject(reject);
            return Ok(());
        }
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

    /// Why a ticket's customer is not in the destination, phrased so the
    /// operator knows where to look: Stames itself has no such customer
    /// (discovery's source index says so), or the customer was rejected or
    /// skipped earlier (its own reject says why).
    pub fn missing_customer(
        &self,
        ticket_id: &str,
        customer_id: &str,
    ) -> Result<MissingReference, DestinationError> {
        let journal = self.ctx.journal;
        let indexed = self.indexed(ObjectKind::Customers)?;
        let in_source = journal.with(|l| l.source_contains(ObjectKind::Customers, customer_id))?;
        Ok(if indexed && !in_source {
            MissingReference {
                field: "customer_id",
                reason: format!(
                    "ticket {ticket_id} refers to customer {customer_id}, which Stames does not have"
                ),
                hint: "restore or re-assign the customer in Stames, then run discover and \
                       migrate again"
                    .into(),
            }
        } else {
            MissingReference {
                field: "customer_id",
                reason: format!(
                    "its customer {customer_id} is not in {} (rejected or skipped; see that \
                     customer's reason)",
                    self.display_name
                ),
                hint: "fix that customer's reject first, then run migrate again".into(),
            }
        })
    }

    /// Writes the notes taken so far to the ledger.
    pub fn flush_notes(&self) -> Result<(), DestinationError> {
        self.notes.flush(self.ctx.journal)?;
        Ok(())
    }
}

/// Known ids during a writing phase: see [`PhaseRun::threads`].
struct Known<'r, 'a> {
    run: &'r PhaseRun<'a>,
}

impl KnownIds for Known<'_, '_> {
    type Error = LedgerError;

    fn contains(&self, kind: ObjectKind, id: &str) -> Result<bool, LedgerError> {
        if !self.run.indexed(kind)? {
            return Ok(true);
        }
        // Written (or being written) by this migration: a delta run's new
        // records are not in discovery's index.
        let written = |state| {
            matches!(
                state,
                IdMapState::Created
                    | IdMapState::Matched
                    | IdMapState::Updated
                    | IdMapState::Pending
            )
        };
        self.run.ctx.journal.with(|l| {
            Ok(l.source_contains(kind, id)?
                || l.mapping(kind, id)?.is_some_and(|e| written(e.state)))
        })
    }
}
