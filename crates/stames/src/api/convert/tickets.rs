//! Tickets, their conversations, and the thread a source yields.

use super::cascade::message_children_rejects;
use super::values::{channel, custom_fields};
use super::{decode, require_id, Checker, FromWire};
use crate::api::wire::{WireMessage, WireTicket};
use deskshift_core::model::{
    Attachment, Message, Notification, ObjectKind, Reminder, Sender, SenderKind, Sla, StatusEvent,
    Ticket, TicketThread, Visibility,
};
use deskshift_core::source::Reject;
use serde_json::Value;

/// A converted ticket record, before its conversation is attached.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketHead {
    pub ticket: Ticket,
    pub status_history: Vec<StatusEvent>,
    /// How many messages Stames says the conversation has.
    pub message_count: u32,
}

impl FromWire for TicketHead {
    type Wire = WireTicket;
    const KIND: ObjectKind = ObjectKind::Tickets;

    fn from_wire(wire: WireTicket) -> Result<TicketHead, Reject> {
        let id = require_id(Self::KIND, wire.id)?;
        let check = Checker::new(Self::KIND, Some(&id));
        let customer_id = wire.customer_id.map(|c| c.to_string()).ok_or_else(|| {
            check.reject(
                "customer_id",
                "the ticket has no customer",
                "assign the ticket to a customer in Stames; both destinations require one",
            )
        })?;
        let mut reminders = Vec::with_capacity(wire.reminders.len());
        for (i, r) in wire.reminders.into_iter().enumerate() {
            reminders.push(Reminder {
                id: r.id.to_string(),
                remind_at: check.timestamp(&format!("reminders[{i}].remind_at"), &r.remind_at)?,
                note: r.note,
                agent_id: r.agent_id.map(|a| a.to_string()),
                completed: r.completed,
            });
        }
        let sla = match wire.sla {
            None => None,
            Some(sla) => Some(Sla {
                first_response_due_at: check.optional_timestamp(
                    "sla.first_response_due_at",
                    sla.first_response_due_at.as_deref(),
                )?,
                resolution_due_at: check.optional_timestamp(
                    "sla.resolution_due_at",
                    sla.resolution_due_at.as_deref(),
                )?,
                first_responded_at: check.optional_timestamp(
                    "sla.first_responded_at",
                    sla.first_responded_at.as_deref(),
                )?,
                policy: sla.policy,
                breached: sla.breached,
            }),
        };
        let mut status_history = Vec::with_capacity(wire.status_history.len());
        for (i, event) in wire.status_history.into_iter().enumerate() {
            status_history.push(StatusEvent {
                ticket_id: id.clone(),
                changed_at: check.timestamp(
                    &format!("status_history[{i}].changed_at"),
                    &event.changed_at,
                )?,
                from: event.from,
                to: event.to,
                changed_by: event.agent_id.map(|a| a.to_string()),
            });
        }
        let ticket = Ticket {
            subject: wire.subject,
            status: wire.status,
            priority: wire.priority,
            channel: channel(&wire.channel),
            department_id: wire.department_id.map(|d| d.to_string()),
            customer_id,
            assignee_id: wire.assignee_id.map(|a| a.to_string()),
            tags: wire.tags,
            custom_fields: custom_fields(&check, wire.custom_fields)?,
            reminders,
            notifications: wire
                .notifications
                .into_iter()
                .map(|n| Notification {
                    id: n.id.to_string(),
                    medium: n.medium,
                    event: n.event,
                    recipient: n.recipient,
                    enabled: n.enabled,
                })
                .collect(),
            sla,
            created_at: check.timestamp("created_at", &wire.created_at)?,
            updated_at: check.timestamp("updated_at", &wire.updated_at)?,
            closed_at: check.optional_timestamp("closed_at", wire.closed_at.as_deref())?,
            id,
        };
        Ok(TicketHead {
            ticket,
            status_history,
            message_count: wire.message_count,
        })
    }
}

impl FromWire for Message {
    type Wire = WireMessage;
    const KIND: ObjectKind = ObjectKind::Messages;

    fn from_wire(wire: WireMessage) -> Result<Message, Reject> {
        let id = require_id(Self::KIND, wire.id)?;
        let check = Checker::new(Self::KIND, Some(&id));
        let ticket_id = wire.ticket_id.to_string();
        let kind = match wire.author.author_type.as_str() {
            "customer" => SenderKind::Customer,
            "agent" => SenderKind::Agent,
            "system" => SenderKind::System,
            other => {
                return Err(check.reject(
                    "author.type",
                    format!("unknown author type {other:?}"),
                    "a message is written by a `customer`, an `agent` or the `system`; \
                     deskshift needs an update if Stames added another",
                ))
            }
        };
        let mut attachments = Vec::with_capacity(wire.attachments.len());
        for (i, a) in wire.attachments.into_iter().enumerate() {
            attachments.push(Attachment {
                id: a.id.to_string(),
                message_id: id.clone(),
                ticket_id: ticket_id.clone(),
                created_at: check
                    .timestamp(&format!("attachments[{i}].created_at"), &a.created_at)?,
                file_name: a.file_name,
                content_type: a.content_type,
                size_bytes: a.size,
                inline: a.inline,
                source_url: a.url,
                requires_auth: a.requires_auth,
            });
        }
        Ok(Message {
            sender: Sender {
                kind,
                id: wire.author.id.map(|a| a.to_string()),
                name: wire.author.name,
                address: wire.author.handle,
            },
            visibility: if wire.private {
                Visibility::PrivateNote
            } else {
                Visibility::Public
            },
            channel: channel(&wire.channel),
            body_text: wire.body_text,
            body_html: wire.body_html,
            attachments,
            created_at: check.timestamp("created_at", &wire.created_at)?,
            ticket_id,
            id,
        })
    }
}

/// Decodes one raw message. A rejected message takes its attachments with
/// it, so that attachments still reconcile (read + rejected = declared).
pub fn decode_message(raw: &Value) -> Result<Message, Vec<Reject>> {
    decode::<Message>(raw).map_err(|reject| {
        let mut rejects = vec![reject];
        rejects.extend(message_children_rejects(raw));
        rejects
    })
}

/// Puts a ticket and its decoded messages together: the rejects to yield
/// before the ticket, and the thread with its messages in chronological order.
///
/// The messages seen (accepted or rejected) are compared with the ticket's
/// `message_count`. A shortfall is logged as a warning naming the ticket and
/// not turned into a reject: the count is Stames's bookkeeping, not a record,
/// and the missing messages cannot be named. Where counts can be checked
/// (export manifests, declared totals) discovery reports the gap. More
/// messages than counted is normal on a live helpdesk (a reply arrived while
/// reading) and only logged at debug level.
pub fn assemble_thread(
    head: TicketHead,
    messages: impl IntoIterator<Item = Result<Message, Vec<Reject>>>,
) -> (Vec<Reject>, TicketThread) {
    let mut rejects = Vec::new();
    let mut accepted = Vec::new();
    let mut seen: u64 = 0;
    for message in messages {
        seen += 1;
        match message {
            Ok(message) => accepted.push(message),
            Err(mut message_rejects) => rejects.append(&mut message_rejects),
        }
    }
    let expected = u64::from(head.message_count);
    if seen < expected {
        tracing::warn!(
            ticket = %head.ticket.id,
            expected,
            seen,
            "ticket {} says it has {expected} messages, but only {seen} were found; \
             the missing ones cannot be migrated",
            head.ticket.id,
        );
    } else if seen > expected {
        tracing::debug!(ticket = %head.ticket.id, expected, seen, "more messages than counted");
    }
    // Stable: messages with the same timestamp keep the source's order.
    accepted.sort_by_key(|m| m.created_at);
    let thread = TicketThread {
        ticket: head.ticket,
        messages: accepted,
        status_history: head.status_history,
    };
    (rejects, thread)
}
