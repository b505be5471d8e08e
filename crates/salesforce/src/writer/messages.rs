//! Public messages → EmailMessages on their Case ([`map::message`]),
//! inserted in chronological order with `Stames_Message_Id__c` as the key,
//! through the same batch protocol as Cases ([`super::batch`]): a batch
//! left pending by a crash is sent again and duplicates are adopted. The
//! route is chosen by the number of messages, not tickets.
//!
//! Every EmailMessage has `Status = '3'` (Sent): inserting the record sends
//! nothing. Private notes are [`super::notes`]'s.

use super::batch::{self, Item, Op, Route, Target};
use super::cases::Landed;
use super::Run;
use crate::map::message::{self, MappedMessage, MessageContext};
use crate::map::schema;
use crate::map::users::UserDirectory;
use crate::map::validate::validate;
use crate::map::SfId;
use crate::prepare::Org;
use deskshift_core::destination::notes::Category;
use deskshift_core::destination::DestinationError;
use deskshift_core::ledger::content_hash;
use deskshift_core::model::{Message, ObjectKind, SourceId, TicketThread, Visibility};
use serde_json::Value;
use std::collections::HashMap;

const KIND: ObjectKind = ObjectKind::Messages;

/// A thread's messages of `visibility`, oldest first (stable for equal times).
pub fn in_order(thread: &TicketThread, visibility: Visibility) -> Vec<&Message> {
    let mut messages: Vec<&Message> = thread
        .messages
        .iter()
        .filter(|m| m.visibility == visibility)
        .collect();
    messages.sort_by_key(|m| m.created_at);
    messages
}

/// The map's context for one landed Case.
pub fn context<'a>(
    run: &'a Run<'_>,
    org: &'a Org,
    users: &'a UserDirectory,
    landed: &'a Landed<'_>,
    files: &'a HashMap<SourceId, SfId>,
) -> MessageContext<'a> {
    MessageContext {
        case_id: &landed.case_id,
        subject: &landed.thread.ticket.subject,
        customer_email: landed.contact.email.as_deref(),
        support_address: run.config.support_address.as_deref(),
        users,
        files,
        caps: &org.caps,
    }
}

pub async fn load(
    run: &Run<'_>,
    org: &Org,
    users: &UserDirectory,
    landed: &[Landed<'_>],
    files: &HashMap<SourceId, SfId>,
) -> Result<(), DestinationError> {
    let describe = org.describe(schema::EMAIL_MESSAGE);
    let mut items = Vec::new();
    for l in landed {
        let ctx = context(run, org, users, l, files);
        for m in in_order(l.thread, Visibility::Public) {
            run.ctx.counts.source(KIND, 1);
            let MappedMessage::Email {
                mut record,
                repairs,
            } = message::message(m, &ctx)
            else {
                continue;
            };
            let label = format!("EmailMessage for Stames message {}", m.id);
            match validate(&describe, &mut record, &label) {
                Ok(more) => {
                    for r in repairs.iter().chain(&more) {
                        run.notes.add(
                            Category::Repair,
                            KIND,
                            &m.id,
                            format!("{}: {}", r.field, r.detail),
                        );
                    }
                }
                Err(reject) => {
                    run.reject(
                        KIND,
                        &m.id,
                        reject.field.as_deref().unwrap_or("(record)"),
                        format!("{}: {}", reject.record, reject.reason),
                        &reject.action,
                    )?;
                    continue;
                }
            }
            let key = record
                .get(schema::MESSAGE_ID)
                .and_then(Value::as_str)
                .unwrap_or(&m.id)
                .to_string();
            items.push(Item {
                source_id: m.id.clone(),
                hash: content_hash(m),
                key,
                record,
                parent: l.case_id.clone(),
            });
        }
    }
    let target = Target {
        kind: KIND,
        object: schema::EMAIL_MESSAGE,
        key_field: schema::MESSAGE_ID,
        op: Op::Insert,
        route: Route::for_volume(org.volume.messages, run.config.bulk_threshold),
    };
    for (source_id, written) in batch::write(run, &target, items).await? {
        run.tally(KIND, &source_id, &written)?;
    }
    Ok(())
}
