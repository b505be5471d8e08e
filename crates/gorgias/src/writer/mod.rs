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
pub mod records;
pub mod spill;
pub mod tickets;
pub mod updates;
pub mod users;

use crate::client::GorgiasClient;
use crate::GorgiasConfig;
use deskshift_core::destination::{DestinationError, LoadContext, PhaseRun};
use deskshift_core::engine::journal::JournalError;
use deskshift_core::model::ObjectKind;
use deskshift_core::plan::PlanTally;
use std::ops::Deref;

pub use deskshift_core::destination::VERIFY;

/// One phase's shared state: the client and configuration, over the
/// bookkeeping every destination shares ([`PhaseRun`]: counts, rejects,
/// skips, notes, id map), which it dereferences to.
pub struct Run<'a> {
    pub client: &'a GorgiasClient,
    pub config: &'a GorgiasConfig,
    books: PhaseRun<'a>,
}

impl<'a> Deref for Run<'a> {
    type Target = PhaseRun<'a>;

    fn deref(&self) -> &PhaseRun<'a> {
        &self.books
    }
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
            config,
            books: PhaseRun::new(ctx, "gorgias", "Gorgias", phase),
        }
    }

    /// A `plan` run: reads only; rejects go to `tally`.
    pub fn for_plan(
        client: &'a GorgiasClient,
        ctx: &'a LoadContext<'a>,
        config: &'a GorgiasConfig,
        tally: &'a PlanTally,
    ) -> Run<'a> {
        Run {
            client,
            config,
            books: PhaseRun::for_plan(ctx, "gorgias", "Gorgias", tally),
        }
    }

    /// The Gorgias id of a record that is done (created, matched, updated).
    pub fn done_id(
        &self,
        kind: ObjectKind,
        source_id: &str,
    ) -> Result<Option<u64>, DestinationError> {
        Ok(self
            .done_dest_id(kind, source_id)?
            .and_then(|id| id.parse().ok()))
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
