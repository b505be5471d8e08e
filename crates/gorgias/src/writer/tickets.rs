//! Tickets, with their messages, tags, custom-field values and files.
//!
//! One `POST /api/tickets` per ticket carries up to 499 messages plus the
//! migration note, the tags and the field values; a longer conversation
//! continues through `POST /api/tickets/{id}/messages`, one create per
//! message, each through the exactly-once protocol (looked up by its
//! `external_id` if an attempt was unsure). A few tickets are in flight at
//! once ([`crate::GorgiasConfig::concurrency`]) so that the API budget, not
//! latency, is the limit.
//!
//! Counting: the ticket's messages, status events, reminders and SLA record
//! land with the ticket (inline or in its note) and are counted with it;
//! notification triggers are automations, listed in the note, and counted
//! as skipped.

use super::files::{self, Postpone};
use super::users::api_failure;
use super::{journal_error, updates, Run};
use crate::client::wire::{AttachmentRef, Id, NewMessage};
use crate::client::{ApiError, GorgiasClient};
use crate::map::extras::ExtraField;
use crate::map::fields::FieldIndex;
use crate::map::message::FileOutcome;
use crate::map::people::AgentDirectory;
use crate::map::ticket::{self, TicketContext, TicketPlan};
use deskshift_core::destination::notes::Category;
use deskshift_core::destination::{DestinationError, Scope, DELTA};
use deskshift_core::engine::{WriteError, Written};
use deskshift_core::ledger::{content_hash, IdMapState};
use deskshift_core::model::{Attachment, Message, ObjectKind, SourceId, TicketThread};
use futures::TryStreamExt;
use std::collections::HashMap;

/// What every ticket needs and nobody changes while tickets load.
#[derive(Debug)]
pub struct Shared<'a> {
    pub agents: &'a AgentDirectory,
    pub fields: &'a FieldIndex,
    pub extras: &'a HashMap<ExtraField, Id>,
    pub tags: &'a HashMap<String, String>,
}

/// Loads every ticket of `scope` (all, or a sample's).
pub async fn load(
    run: &Run<'_>,
    shared: &Shared<'_>,
    scope: &Scope,
) -> Result<(), DestinationError> {
    run.ctx
        .progress
        .start(ObjectKind::Tickets, scope.ticket_count().map(|n| n as u64));
    let threads = run.threads(scope.tickets(run.ctx.source.tickets(None)));
    threads
        .try_for_each_concurrent(run.config.concurrency.max(1), |thread| async move {
            one(run, shared, &thread).await?;
            run.ctx.progress.advance(ObjectKind::Tickets, 1);
            Ok(())
        })
        .await?;
    run.ctx.progress.finish(ObjectKind::Tickets);
    run.flush_notes()
}

/// The messages in the order the map writes them, split into those inline
/// in the ticket create and those sent after.
fn split(thread: &TicketThread) -> (Vec<&Message>, Vec<&Message>) {
    let mut ordered = ticket::chronological(thread);
    let rest = ordered.split_off(ordered.len().min(ticket::INLINE_MESSAGES));
    (ordered, rest)
}

pub(super) fn attachments<'m>(messages: &[&'m Message]) -> Vec<&'m Attachment> {
    messages.iter().flat_map(|m| m.attachments.iter()).collect()
}

async fn one(
    run: &Run<'_>,
    shared: &Shared<'_>,
    thread: &TicketThread,
) -> Result<(), DestinationError> {
    let t = &thread.ticket;
    let counts = run.ctx.counts;
    counts.source(ObjectKind::Tickets, 1);
    let children = Children::of(thread);
    children.count_source(run);
    let (inline, rest) = split(thread);
    let done = match run.done_id(ObjectKind::Tickets, &t.id)? {
        Some(id) => Some(id),
        None => settle_landed(run, thread, &inline).await?,
    };
    if let (Some(id), DELTA) = (done, run.phase) {
        // In Gorgias already and changed in Stames since.
        return updates::ticket(run, shared, thread, id).await;
    }
    let customers = customers_of(run, thread)?;
    if done.is_none() && !customers.contains_key(&t.customer_id) {
        // Checked before any upload: nothing is spent on a ticket that
        // cannot be written.
        for _ in 0..attachments(&inline).len() + attachments(&rest).len() {
            counts.source(ObjectKind::Attachments, 1);
            counts.rejected(ObjectKind::Attachments, 1);
        }
        let missing = run.missing_customer(&t.id, &t.customer_id)?;
        return refuse(
            run,
            thread,
            &children,
            false,
            missing.field,
            &missing.reason,
            &missing.hint,
        );
    }

    // Files first: a ticket refers to them by URL.
    let needed = if done.is_some() {
        attachments(&rest)
    } else {
        attachments(&inline)
            .into_iter()
            .chain(attachments(&rest))
            .collect()
    };
    let mut files = match files::provide(run, &needed).await? {
        Ok(files) => files,
        Err(Postpone(reason)) => {
            if done.is_some() {
                tally_done_files(run, &attachments(&inline))?;
            }
            return refuse(
                run,
                thread,
                &children,
                done.is_some(),
                "attachments",
                &reason,
                "run migrate again",
            );
        }
    };
    if done.is_some() {
        tally_done_files(run, &attachments(&inline))?;
        for a in attachments(&inline) {
            files
                .entry(a.id.clone())
                .or_insert(FileOutcome::Missing("already migrated".into()));
        }
    }

    let ctx = TicketContext {
        customers: &customers,
        agents: shared.agents,
        fields: shared.fields,
        extras: shared.extras,
        files: &files,
        tags: shared.tags,
        map: run.ctx.map,
    };
    let plan = match ticket::plan(thread, &ctx) {
        Ok(plan) => plan,
        Err(refusal) => {
            return refuse(
                run,
                thread,
                &children,
                done.is_some(),
                refusal.field,
                &refusal.reason,
                refusal.fix.unwrap_or(
                    "migrate the customer first (see its reject), then run migrate again",
                ),
            )
        }
    };
    for repair in &plan.repairs {
        run.notes.add(
            Category::Repair,
            ObjectKind::Tickets,
            &t.id,
            format!("{}: {}", repair.field, repair.detail),
        );
    }

    let ticket_id = match done {
        Some(id) => {
            run.tally(
                ObjectKind::Tickets,
                &t.id,
                &Written::AlreadyDone(id.to_string()),
            )?;
            id
        }
        None => match create(run, thread, &plan).await? {
            Written::Rejected(reason) => {
                run.tally(
                    ObjectKind::Tickets,
                    &t.id,
                    &Written::Rejected(reason.clone()),
                )?;
                children.count_refused(run);
                return Ok(());
            }
            written => {
                run.tally(ObjectKind::Tickets, &t.id, &written)?;
                match written.dest_id().and_then(|id| id.parse::<Id>().ok()) {
                    Some(id) => id,
                    None => {
                        return Err(DestinationError::Other(format!(
                            "ticket {} has no usable Gorgias id",
                            t.id
                        )))
                    }
                }
            }
        },
    };
    for _ in &inline {
        counts.written(
            ObjectKind::Messages,
            &Written::Created(String::new()),
            false,
        );
    }
    for (message_id, body) in &plan.rest {
        let written = create_message(run, ticket_id, message_id, body).await?;
        run.tally(ObjectKind::Messages, message_id, &written)?;
    }
    children.count_landed(run, &t.id);
    Ok(())
}

/// POST /api/tickets through the exactly-once protocol.
async fn create(
    run: &Run<'_>,
    thread: &TicketThread,
    plan: &TicketPlan,
) -> Result<Written, DestinationError> {
    let t = &thread.ticket;
    let client = run.client;
    run.ctx
        .journal
        .create_once(
            ObjectKind::Tickets,
            &t.id,
            &content_hash(thread),
            || find_ticket(client, &t.id),
            || async {
                client
                    .create_ticket(&plan.ticket)
                    .await
                    .map(|t| t.id.to_string())
                    .map_err(ApiError::into_write_error)
            },
        )
        .await
        .map_err(journal_error)
}

/// The Gorgias ticket an earlier create made for Stames ticket `source_id`.
async fn find_ticket(
    client: &GorgiasClient,
    source_id: &str,
) -> Result<Option<String>, WriteError> {
    let found = client
        .tickets_by_external_id(source_id)
        .await
        .map_err(ApiError::into_write_error)?;
    if found.len() > 1 {
        tracing::warn!(ticket = %source_id, copies = found.len(), "Gorgias holds several tickets with this external id; adopting the oldest");
    }
    Ok(found.iter().map(|t| t.id).min().map(|id| id.to_string()))
}

/// Settles a create of this ticket left unsure by a crash *before* its
/// files are uploaded: if it landed, it carries files uploaded by the dead
/// run, whose outcomes may be lost too. Their URLs are then taken from the
/// ticket's own messages, so nothing is uploaded again and the ledger names
/// the files the ticket really shows.
async fn settle_landed(
    run: &Run<'_>,
    thread: &TicketThread,
    inline: &[&Message],
) -> Result<Option<Id>, DestinationError> {
    let t = &thread.ticket;
    let client = run.client;
    let settled = run
        .ctx
        .journal
        .settle(ObjectKind::Tickets, &t.id, &content_hash(thread), || {
            find_ticket(client, &t.id)
        })
        .await
        .map_err(journal_error)?;
    let Some(id) = settled.as_ref().and_then(|w| w.dest_id()) else {
        return Ok(None);
    };
    let id: Id = id.parse().map_err(|_| {
        DestinationError::Other(format!("ticket {} has no usable Gorgias id ({id})", t.id))
    })?;
    let mut shown: HashMap<String, Vec<AttachmentRef>> = HashMap::new();
    let mut messages = client.messages(id);
    while let Some(m) = messages
        .try_next()
        .await
        .map_err(|e| api_failure("read the messages of an adopted Gorgias ticket", e))?
    {
        if let Some(external_id) = m.external_id {
            let files = m.attachments.into_iter().map(|u| AttachmentRef {
                url: u.url,
                name: u.name,
                content_type: u.content_type,
                size: u.size,
            });
            shown.entry(external_id).or_default().extend(files);
        }
    }
    for m in inline {
        let Some(files) = shown.get_mut(&m.id) else {
            continue;
        };
        for a in &m.attachments {
            if run
                .mapping(ObjectKind::Attachments, &a.id)?
                .is_some_and(|e| e.state == IdMapState::Created)
            {
                continue;
            }
            if let Some(at) = files.iter().position(|f| f.name == a.file_name) {
                let file = files.remove(at);
                files::adopt(run, a, &file.url)?;
            }
        }
    }
    Ok(Some(id))
}

/// `POST /api/tickets/{ticket}/messages` through the exactly-once protocol.
/// The destination id is `ticket/message`: Gorgias addresses a message
/// through its ticket, and rollback may have to remove one alone.
pub(super) async fn create_message(
    run: &Run<'_>,
    ticket: Id,
    message_id: &str,
    body: &NewMessage,
) -> Result<Written, DestinationError> {
    let client = run.client;
    run.ctx
        .journal
        .create_once(
            ObjectKind::Messages,
            message_id,
            &content_hash(body),
            || async {
                let found = client
                    .message_by_external_id(ticket, message_id)
                    .await
                    .map_err(ApiError::into_write_error)?;
                Ok(found.map(|m| message_dest_id(ticket, m.id)))
            },
            || async {
                client
                    .create_message(ticket, body)
                    .await
                    .map(|m| message_dest_id(ticket, m.id))
                    .map_err(ApiError::into_write_error)
            },
        )
        .await
        .map_err(journal_error)
}

/// How the ledger names a Gorgias message: `ticket/message`.
pub fn message_dest_id(ticket: Id, message: Id) -> String {
    format!("{ticket}/{message}")
}

/// The ticket and message ids of a ledger message id; `None` for a bare
/// message id (written by deskshift before 0.2), which names no ticket.
pub fn parse_message_dest_id(dest: &str) -> Option<(Id, Id)> {
    let (ticket, message) = dest.split_once('/')?;
    Some((ticket.parse().ok()?, message.parse().ok()?))
}

/// Gorgias ids of the customers a ticket mentions (its customer and any
/// other customer who wrote in it), from the ledger.
pub fn customers_of(
    run: &Run<'_>,
    thread: &TicketThread,
) -> Result<HashMap<SourceId, Id>, DestinationError> {
    let mut customers = HashMap::new();
    for id in ticket::customer_ids(thread) {
        if customers.contains_key(id) {
            continue;
        }
        if let Some(dest) = run.done_id(ObjectKind::Customers, id)? {
            customers.insert(id.clone(), dest);
        }
    }
    Ok(customers)
}

/// Counts the files of messages that are already in Gorgias by what the
/// ledger says happened to them.
pub(super) fn tally_done_files(
    run: &Run<'_>,
    attachments: &[&Attachment],
) -> Result<(), DestinationError> {
    for a in attachments {
        run.ctx.counts.source(ObjectKind::Attachments, 1);
        match run.mapping(ObjectKind::Attachments, &a.id)? {
            Some(entry) if entry.state == IdMapState::Created => {
                run.tally(
                    ObjectKind::Attachments,
                    &a.id,
                    &Written::AlreadyDone(entry.dest_id.unwrap_or_default()),
                )?;
            }
            _ => run.ctx.counts.rejected(ObjectKind::Attachments, 1),
        }
    }
    Ok(())
}

/// A ticket that cannot be written now: recorded with the reason, its
/// children counted with it.
pub(super) fn refuse(
    run: &Run<'_>,
    thread: &TicketThread,
    children: &Children,
    done: bool,
    field: &str,
    reason: &str,
    hint: &str,
) -> Result<(), DestinationError> {
    if done {
        // Already in Gorgias: only the continuation failed.
        run.tally(
            ObjectKind::Tickets,
            &thread.ticket.id,
            &Written::AlreadyDone(String::new()),
        )?;
        let (inline, rest) = split(thread);
        for _ in &inline {
            run.ctx.counts.written(
                ObjectKind::Messages,
                &Written::Created(String::new()),
                false,
            );
        }
        run.ctx
            .counts
            .rejected(ObjectKind::Messages, rest.len() as u64);
        children.count_landed(run, &thread.ticket.id);
        return run.record_reject(&deskshift_core::source::Reject::new(
            ObjectKind::Messages,
            Some(thread.ticket.id.clone()),
            "messages",
            format!(
                "{} messages past the first {} could not be added: {reason}",
                rest.len(),
                inline.len()
            ),
            hint,
        ));
    }
    run.reject(
        ObjectKind::Tickets,
        &thread.ticket.id,
        field,
        format!(
            "{reason} (its {} messages wait with it)",
            thread.messages.len()
        ),
        hint,
    )?;
    children.count_refused(run);
    Ok(())
}

/// The records that travel with a ticket.
#[derive(Debug, Clone, Copy)]
pub(super) struct Children {
    messages: u64,
    status_events: u64,
    reminders: u64,
    sla: u64,
    notifications: u64,
}

impl Children {
    pub(super) fn of(thread: &TicketThread) -> Children {
        let t = &thread.ticket;
        Children {
            messages: thread.messages.len() as u64,
            status_events: thread.status_history.len() as u64,
            reminders: t.reminders.len() as u64,
            sla: u64::from(t.sla.is_some()),
            notifications: t.notifications.len() as u64,
        }
    }

    fn count_source(&self, run: &Run<'_>) {
        let c = run.ctx.counts;
        c.source(ObjectKind::Messages, self.messages);
        c.source(ObjectKind::StatusEvents, self.status_events);
        c.source(ObjectKind::Reminders, self.reminders);
        c.source(ObjectKind::SlaRecords, self.sla);
        c.source(ObjectKind::Notifications, self.notifications);
    }

    /// The ticket is in Gorgias: its history, reminders and SLA are in its
    /// note and fields; notification triggers are not migrated.
    pub(super) fn count_landed(&self, run: &Run<'_>, ticket_id: &str) {
        let c = run.ctx.counts;
        for (kind, n) in [
            (ObjectKind::StatusEvents, self.status_events),
            (ObjectKind::Reminders, self.reminders),
            (ObjectKind::SlaRecords, self.sla),
        ] {
            for _ in 0..n {
                c.written(kind, &Written::Created(String::new()), false);
            }
        }
        if self.notifications > 0 {
            c.skipped(ObjectKind::Notifications, self.notifications);
            run.notes.add(
                Category::Skip,
                ObjectKind::Notifications,
                ticket_id,
                format!(
                    "{} notification trigger(s): automations, not data; listed in the ticket's \
                     migration note and the automation inventory, rebuild as Gorgias rules",
                    self.notifications
                ),
            );
        }
    }

    /// The ticket is not in Gorgias: neither is anything of it.
    fn count_refused(&self, run: &Run<'_>) {
        let c = run.ctx.counts;
        c.rejected(ObjectKind::Messages, self.messages);
        c.rejected(ObjectKind::StatusEvents, self.status_events);
        c.rejected(ObjectKind::Reminders, self.reminders);
        c.rejected(ObjectKind::SlaRecords, self.sla);
        c.rejected(ObjectKind::Notifications, self.notifications);
    }
}
