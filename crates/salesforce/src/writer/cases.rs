//! Tickets → Cases, a chunk of threads at a time, then everything that
//! hangs off the chunk's Cases: files ([`super::files`]), EmailMessages
//! ([`super::messages`]), private notes ([`super::notes`]), status events
//! ([`super::events`]).
//!
//! Cases are **inserted**, not upserted: `CreatedDate` (audit fields) can
//! only be set on insert. The insert is keyed by `Stames_Ticket_Id__c`
//! (unique), so a Case whose insert landed before a crash answers
//! `DUPLICATE_VALUE` when sent again and is adopted ([`super::batch`]).
//! The route is chosen by volume: Bulk API 2.0 from
//! [`crate::SalesforceConfig::bulk_threshold`] tickets on, sObject
//! Collections below.
//!
//! Reminders, the SLA record and notification triggers land in the Case's
//! own fields and are counted with it.

use super::batch::{self, Item, Op, Route, Target};
use super::{api_failure, events, files, messages, notes, topics, updates, Run};
use crate::map::case;
use crate::map::schema;
use crate::map::users::UserDirectory;
use crate::map::validate::validate;
use crate::map::SfId;
use crate::prepare::Org;
use deskshift_core::destination::notes::Category;
use deskshift_core::destination::{DestinationError, Scope, DELTA};
use deskshift_core::engine::Written;
use deskshift_core::ledger::content_hash;
use deskshift_core::model::{ObjectKind, TicketThread};
use futures::TryStreamExt;
use serde_json::{json, Value};
use std::collections::HashMap;

const KIND: ObjectKind = ObjectKind::Tickets;

/// Threads per chunk on the Collections route.
pub const CHUNK: usize = 200;

/// A Contact as the Case and its messages need it.
#[derive(Debug, Clone, Default)]
pub struct ContactInfo {
    pub account_id: Option<SfId>,
    pub email: Option<String>,
}

/// A Case that is in Salesforce, with its thread.
pub struct Landed<'t> {
    pub thread: &'t TicketThread,
    pub case_id: SfId,
    pub contact: ContactInfo,
}

/// Loads every ticket of `scope` (all, or a sample's) with its children.
pub async fn load(
    run: &Run<'_>,
    org: &Org,
    users: &UserDirectory,
    scope: &Scope,
) -> Result<(), DestinationError> {
    let volume = scope
        .ticket_count()
        .unwrap_or(org.volume.tickets)
        .min(org.volume.tickets.max(1));
    let route = Route::for_volume(volume, run.config.bulk_threshold);
    let chunk_size = match route {
        Route::Collections => CHUNK,
        Route::Bulk => run.config.bulk_chunk.max(CHUNK),
    };
    run.ctx.progress.start(KIND, Some(volume as u64));
    let mut threads = run.threads(scope.tickets(run.ctx.source.tickets(None)));
    let mut chunk = Vec::with_capacity(chunk_size);
    while let Some(thread) = threads.try_next().await? {
        chunk.push(thread);
        if chunk.len() >= chunk_size {
            write_chunk(run, org, users, route, &std::mem::take(&mut chunk)).await?;
            run.flush_notes()?;
        }
    }
    write_chunk(run, org, users, route, &chunk).await?;
    run.ctx.progress.finish(KIND);
    Ok(())
}

async fn write_chunk(
    run: &Run<'_>,
    org: &Org,
    users: &UserDirectory,
    route: Route,
    threads: &[TicketThread],
) -> Result<(), DestinationError> {
    if threads.is_empty() {
        return Ok(());
    }
    let contacts = contacts_of(run, threads).await?;
    let describe = org.describe(schema::CASE);
    let mut landed: Vec<Landed<'_>> = Vec::new();
    let mut items = Vec::new();
    let mut waiting: HashMap<String, &TicketThread> = HashMap::new();
    for thread in threads {
        let t = &thread.ticket;
        run.ctx.counts.source(KIND, 1);
        let contact_id = run.done_dest_id(ObjectKind::Customers, &t.customer_id)?;
        let info = contact_id
            .as_ref()
            .and_then(|id| contacts.get(id))
            .cloned()
            .unwrap_or_default();
        let done = run.done_dest_id(KIND, &t.id)?;
        if let (Some(id), false) = (&done, run.phase == DELTA) {
            run.tally(KIND, &t.id, &Written::AlreadyDone(id.clone()))?;
            landed.push(Landed {
                thread,
                case_id: id.clone(),
                contact: info,
            });
            continue;
        }
        if contact_id.is_none() {
            let missing = run.missing_customer(&t.id, &t.customer_id)?;
            refuse(
                run,
                thread,
                Some(missing.field),
                &missing.reason,
                &missing.hint,
            )?;
            continue;
        }
        let ctx = org.case_context(
            contact_id.as_ref(),
            info.account_id.as_ref(),
            users,
            run.ctx.map,
        );
        let plan = match case::plan(thread, &ctx) {
            Ok(plan) => plan,
            Err(reject) => {
                refuse(
                    run,
                    thread,
                    reject.field.as_deref(),
                    &reject.to_string(),
                    &reject.action,
                )?;
                continue;
            }
        };
        let mut record = plan.record;
        let label = format!("Case for Stames ticket {}", t.id);
        let mut repairs = plan.repairs;
        match validate(&describe, &mut record, &label) {
            Ok(more) => repairs.extend(more),
            Err(reject) => {
                refuse(
                    run,
                    thread,
                    reject.field.as_deref(),
                    &reject.to_string(),
                    &reject.action,
                )?;
                continue;
            }
        }
        for r in repairs {
            run.notes.add(
                Category::Repair,
                KIND,
                &t.id,
                format!("{}: {}", r.field, r.detail),
            );
        }
        if let Some(case_id) = done {
            // In Salesforce already and changed in Stames since (delta):
            // its fields are brought up to date here, its new messages,
            // notes, files and events below with the chunk's.
            if !record.contains_key("OwnerId") {
                // Left to Salesforce on insert: the migration user owns it.
                let me = run
                    .client
                    .user_id()
                    .await
                    .map_err(|e| api_failure("read the migration user's id", e))?;
                record.insert("OwnerId".into(), json!(me));
            }
            let change = updates::Change {
                kind: KIND,
                source_id: &t.id,
                object: schema::CASE,
                hash: content_hash(thread),
                record: &record,
            };
            updates::apply(run, org, &case_id, change).await?;
            landed.push(Landed {
                thread,
                case_id,
                contact: info,
            });
            continue;
        }
        let key = record
            .get(schema::TICKET_ID)
            .and_then(Value::as_str)
            .unwrap_or(&t.id)
            .to_string();
        waiting.insert(t.id.clone(), thread);
        items.push(Item {
            source_id: t.id.clone(),
            hash: content_hash(thread),
            key,
            record,
            parent: contact_id.unwrap_or_default(),
        });
    }
    let target = Target {
        kind: KIND,
        object: schema::CASE,
        key_field: schema::TICKET_ID,
        op: Op::Insert,
        route,
    };
    for (source_id, written) in batch::write(run, &target, items).await? {
        let Some(thread) = waiting.get(&source_id).copied() else {
            continue;
        };
        run.tally(KIND, &source_id, &written)?;
        match written.dest_id() {
            Some(id) => {
                let contact = run
                    .done_dest_id(ObjectKind::Customers, &thread.ticket.customer_id)?
                    .and_then(|id| contacts.get(&id).cloned())
                    .unwrap_or_default();
                landed.push(Landed {
                    thread,
                    case_id: id.to_string(),
                    contact,
                });
            }
            None => count_children(run, thread, false),
        }
    }
    // Children of the chunk's Cases, parents before children.
    let files = files::load(run, org, &landed).await?;
    messages::load(run, org, users, &landed, &files).await?;
    notes::load(run, org, users, &landed, &files).await?;
    events::load(run, org, users, &landed).await?;
    topics::assign(run, &org.plan.tags, &landed).await?;
    for l in &landed {
        count_children(run, l.thread, true);
        run.ctx.progress.advance(KIND, 1);
    }
    Ok(())
}

/// The chunk's Contacts: id → Account and e-mail, one query per 4,000
/// characters of ids.
pub async fn contacts_of(
    run: &Run<'_>,
    threads: &[TicketThread],
) -> Result<HashMap<SfId, ContactInfo>, DestinationError> {
    let mut ids = Vec::new();
    for thread in threads {
        if let Some(id) = run.done_dest_id(ObjectKind::Customers, &thread.ticket.customer_id)? {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    let prefix = "SELECT Id, AccountId, Email FROM Contact WHERE ";
    let mut out = HashMap::new();
    let rows = run
        .client
        .query_in(prefix, "Id", ids.iter().map(String::as_str))
        .await
        .map_err(|e| api_failure("read the Contacts of the tickets' customers", e))?;
    for row in rows {
        let text = |f: &str| row.get(f).and_then(Value::as_str).map(String::from);
        if let Some(id) = text("Id") {
            out.insert(
                id,
                ContactInfo {
                    account_id: text("AccountId"),
                    email: text("Email"),
                },
            );
        }
    }
    Ok(out)
}

/// A ticket refused before any call: recorded with the reason, its
/// children counted with it.
fn refuse(
    run: &Run<'_>,
    thread: &TicketThread,
    field: Option<&str>,
    reason: &str,
    action: &str,
) -> Result<(), DestinationError> {
    run.reject(
        KIND,
        &thread.ticket.id,
        field.unwrap_or("(record)"),
        format!(
            "{reason} (its {} messages, files and status events wait with it)",
            thread.messages.len()
        ),
        action,
    )?;
    count_children(run, thread, false);
    run.ctx.progress.advance(KIND, 1);
    Ok(())
}

/// Counts what travels with a ticket. Landed: reminders, SLA and
/// notification triggers are in the Case's fields. Not landed: its
/// messages, files and status events are rejected with it (the ticket's
/// reject gives the reason).
fn count_children(run: &Run<'_>, thread: &TicketThread, landed: bool) {
    let c = run.ctx.counts;
    let t = &thread.ticket;
    let inline = [
        (ObjectKind::Reminders, t.reminders.len()),
        (ObjectKind::SlaRecords, usize::from(t.sla.is_some())),
        (ObjectKind::Notifications, t.notifications.len()),
    ];
    for (kind, n) in inline {
        c.source(kind, n as u64);
        if landed {
            for _ in 0..n {
                c.written(kind, &Written::Created(String::new()), false);
            }
        } else {
            c.rejected(kind, n as u64);
        }
    }
    if !landed {
        let files: usize = thread.messages.iter().map(|m| m.attachments.len()).sum();
        for (kind, n) in [
            (ObjectKind::Messages, thread.messages.len()),
            (ObjectKind::Attachments, files),
            (ObjectKind::StatusEvents, thread.status_history.len()),
        ] {
            c.source(kind, n as u64);
            c.rejected(kind, n as u64);
        }
    }
}
