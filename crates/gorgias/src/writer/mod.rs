//! The load, in dependency order (DESIGN.md §4):
//!
//! 1. schema ([`crate::prepare`]): custom fields and tags, idempotent, so a
//!    `migrate` without `prepare` still has them;
//! 2. users ([`users`]): matched by e-mail, never created by default;
//! 3. customers ([`customers`]): deduplicated by e-mail, existing ones matched;
//! 4. tickets with their messages, tags, field values and files ([`tickets`],
//!    [`files`]);
//! 5. custom-object records into customer data ([`records`]);
//! 6. rules paused by `prepare --pause-rules` are re-enabled.
//!
//! Every create goes through the journal's exactly-once protocol; ids are
//! resolved through the ledger's id map, so memory stays flat.

pub mod customers;
pub mod files;
pub mod notes;
pub mod records;
pub mod spill;
pub mod tickets;
pub mod users;

use crate::client::GorgiasClient;
use crate::GorgiasConfig;
use deskshift_core::destination::{DestinationError, LoadContext};
use deskshift_core::engine::journal::JournalError;
use deskshift_core::engine::Written;
use deskshift_core::ledger::{IdMapEntry, IdMapState};
use deskshift_core::model::ObjectKind;
use deskshift_core::source::{Read, ReadStream, Reject};
use futures::stream::{BoxStream, StreamExt};
use notes::{Category, Notebook};

/// The phase name of `verify` runs.
pub const VERIFY: &str = "verify";

/// One phase's shared state.
pub struct Run<'a> {
    pub client: &'a GorgiasClient,
    pub ctx: &'a LoadContext<'a>,
    pub config: &'a GorgiasConfig,
    pub notes: Notebook,
    /// `migrate`, `prepare`: the phase named on rejects.
    pub phase: &'static str,
}

impl<'a> Run<'a> {
    pub fn new(
        client: &'a GorgiasClient,
        ctx: &'a LoadContext<'a>,
        config: &'a GorgiasConfig,
        phase: &'static str,
    ) -> Run<'a> {
        Run {
            client,
            ctx,
            config,
            notes: Notebook::default(),
            phase,
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

    /// Counts and records a record refused before or by Gorgias.
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
    /// Gorgias's own words.
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
                format!("Gorgias refused it: {reason}"),
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

    /// The Gorgias id of a record that is done (created, matched, updated).
    pub fn done_id(
        &self,
        kind: ObjectKind,
        source_id: &str,
    ) -> Result<Option<u64>, DestinationError> {
        Ok(self
            .mapping(kind, source_id)?
            .and_then(|entry| match entry.state {
                IdMapState::Created | IdMapState::Matched | IdMapState::Updated => {
                    entry.dest_id.and_then(|id| id.parse().ok())
                }
                _ => None,
            }))
    }

    /// Writes the notes taken so far to the ledger.
    pub fn flush_notes(&self) -> Result<(), DestinationError> {
        self.notes.flush(self.ctx.journal)?;
        Ok(())
    }
}

/// A journal failure as the phase reports it.
pub fn journal_error(error: JournalError) -> DestinationError {
    match error {
        JournalError::Fatal { message, .. } if message.contains("denied") => {
            DestinationError::Auth(message)
        }
        other => DestinationError::Journal(other),
    }
}

/// An intent left pending by a crash, for a write that is safe to repeat
/// (an idempotent update, an upload that cannot be looked up): recorded as
/// failed, so the write is simply made again.
pub fn settle_pending(
    run: &Run<'_>,
    kind: ObjectKind,
    source_id: &str,
) -> Result<(), DestinationError> {
    let journal = run.ctx.journal;
    if let Some(entry) = run.mapping(kind, source_id)? {
        if let (IdMapState::Pending, Some(pending)) = (entry.state, entry.journal) {
            journal.with(|l| {
                l.resolve_pending(
                    journal.run(),
                    pending,
                    &deskshift_core::ledger::Outcome::Failed {
                        reason: "interrupted; the write is repeated".into(),
                    },
                )
            })?;
        }
    }
    Ok(())
}
