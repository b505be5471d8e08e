//! The load, in dependency order (docs/mapping-salesforce.md, "Order of
//! the load"):
//!
//! 1. schema ([`crate::prepare`]): idempotent, so a `migrate` without
//!    `prepare` still has its fields and picklist values;
//! 2. users ([`users`]): matched by e-mail, never created;
//! 3. customers ([`customers`]): Accounts (deduplicated by key) then
//!    Contacts with `AccountId` resolved, both **upserted** on their
//!    external id, so a repeat is harmless by construction;
//! 4. tickets ([`cases`]): Cases **inserted** (audit fields can only be set
//!    on insert) through sObject Collections or Bulk API 2.0 by volume,
//!    then per chunk of Cases their files ([`files`]), EmailMessages
//!    ([`messages`]), private notes as CaseComments ([`notes`]), status
//!    events ([`events`]) and, when tags go to Topics, TopicAssignments
//!    ([`topics`]);
//! 5. custom-object records ([`records`]), after their parents.
//!
//! Batched inserts follow one protocol ([`batch`]): intents recorded
//! durably before the call, outcomes after; a batch left pending by a crash
//! is simply sent again and every `DUPLICATE_VALUE` answer adopts the
//! record the first attempt created (DESIGN.md invariant 3).

pub mod batch;
pub mod cases;
pub mod customers;
pub mod events;
pub mod files;
pub mod messages;
pub mod notes;
pub mod records;
pub mod topics;
pub mod updates;
pub mod users;

use crate::client::{ApiError, SalesforceClient};
use crate::prepare::Org;
use crate::SalesforceConfig;
use deskshift_core::destination::{DestinationError, LoadContext, PhaseRun, Scope};
use deskshift_core::engine::journal::JournalError;
use deskshift_core::plan::PlanTally;
use std::collections::HashSet;
use std::ops::Deref;

pub use deskshift_core::destination::VERIFY;

/// One phase's shared state: the client and configuration, over the
/// bookkeeping every destination shares ([`PhaseRun`]: counts, rejects,
/// skips, notes, id map), which it dereferences to.
pub struct Run<'a> {
    pub client: &'a SalesforceClient,
    pub config: &'a SalesforceConfig,
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
        client: &'a SalesforceClient,
        ctx: &'a LoadContext<'a>,
        config: &'a SalesforceConfig,
        phase: &'static str,
    ) -> Run<'a> {
        Run {
            client,
            config,
            books: PhaseRun::new(ctx, "salesforce", "Salesforce", phase),
        }
    }

    /// A `plan` run: reads only; rejects go to `tally`.
    pub fn for_plan(
        client: &'a SalesforceClient,
        ctx: &'a LoadContext<'a>,
        config: &'a SalesforceConfig,
        tally: &'a PlanTally,
    ) -> Run<'a> {
        Run {
            client,
            config,
            books: PhaseRun::for_plan(ctx, "salesforce", "Salesforce", tally),
        }
    }
}

/// Loads everything in dependency order.
pub async fn load(run: &Run<'_>, org: &Org, scope: &Scope) -> Result<(), DestinationError> {
    let only: Option<HashSet<String>> = scope.customers().map(|c| c.iter().cloned().collect());
    let users = users::load(run).await?;
    run.flush_notes()?;
    customers::load(run, org, only.as_ref()).await?;
    run.flush_notes()?;
    cases::load(run, org, &users, scope).await?;
    run.flush_notes()?;
    records::load(run, org, only.is_some()).await?;
    Ok(())
}

/// A failed call that stops the phase: refused credentials are an
/// authentication error, quota and outages unavailability, anything else
/// a failure naming what was being done.
pub fn api_failure(what: &str, error: ApiError) -> DestinationError {
    match error {
        ApiError::Denied { .. } => DestinationError::Auth(format!("cannot {what}: {error}")),
        ApiError::Quota(_)
        | ApiError::Uncertain(_)
        | ApiError::Locked { .. }
        | ApiError::Throttled { .. } => {
            DestinationError::Unavailable(format!("cannot {what}: {error}"))
        }
        other => DestinationError::Other(format!("cannot {what}: {other}")),
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
