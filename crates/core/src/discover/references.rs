//! Cross-record reference checks: a ticket whose customer does not exist, a
//! message signed by an agent nobody knows. Each check is a small pure function
//! over a [`KnownIds`] index, so the same rules serve discovery and migration.
//!
//! The index is the ledger's source index (SQLite), not a `HashSet`, so memory
//! stays flat however many customers the helpdesk has.

use crate::model::{CustomObjectRecord, ObjectKind, SenderKind, TicketThread};
use crate::source::Reject;

/// Answers "was a record of this kind with this id read from the source?".
pub trait KnownIds {
    type Error;
    fn contains(&self, kind: ObjectKind, id: &str) -> Result<bool, Self::Error>;
}

/// The ticket-level problems of a thread: a missing customer or assignee.
/// When this returns a reject, the whole thread is rejected with it.
pub fn check_ticket<K: KnownIds>(
    thread: &TicketThread,
    known: &K,
) -> Result<Option<Reject>, K::Error> {
    let ticket = &thread.ticket;
    if !known.contains(ObjectKind::Customers, &ticket.customer_id)? {
        return Ok(Some(Reject::new(
            ObjectKind::Tickets,
            Some(ticket.id.clone()),
            "customer_id",
            format!(
                "refers to customer {} which the source does not have",
                ticket.customer_id
            ),
            "restore or re-assign the customer in Stames, then run discover again",
        )));
    }
    if let Some(agent) = &ticket.assignee_id {
        if !known.contains(ObjectKind::Users, agent)? {
            return Ok(Some(Reject::new(
                ObjectKind::Tickets,
                Some(ticket.id.clone()),
                "assignee_id",
                format!("refers to agent {agent} which the source does not have"),
                "re-assign the ticket in Stames (or unassign it), then run discover again",
            )));
        }
    }
    Ok(None)
}

/// Message-level problems: an author id that points nowhere. Returns the index
/// of each bad message with its reject.
pub fn check_messages<K: KnownIds>(
    thread: &TicketThread,
    known: &K,
) -> Result<Vec<(usize, Reject)>, K::Error> {
    let mut bad = Vec::new();
    for (index, message) in thread.messages.iter().enumerate() {
        let kind = match message.sender.kind {
            SenderKind::Agent => ObjectKind::Users,
            SenderKind::Customer => ObjectKind::Customers,
            SenderKind::System => continue,
        };
        let Some(author) = &message.sender.id else {
            continue;
        };
        if !known.contains(kind, author)? {
            let who = if kind == ObjectKind::Users {
                "agent"
            } else {
                "customer"
            };
            bad.push((
                index,
                Reject::new(
                    ObjectKind::Messages,
                    Some(message.id.clone()),
                    "author.id",
                    format!(
                        "message on ticket {} is signed by {who} {author}, which the source does not have",
                        message.ticket_id
                    ),
                    format!("restore {who} {author} in Stames, or accept losing this message"),
                ),
            ));
        }
    }
    Ok(bad)
}

/// Custom object records may link only to tickets and customers that exist.
pub fn check_custom_object_record<K: KnownIds>(
    record: &CustomObjectRecord,
    known: &K,
) -> Result<Option<Reject>, K::Error> {
    let links = record
        .ticket_ids
        .iter()
        .map(|id| (ObjectKind::Tickets, "ticket_ids", id))
        .chain(
            record
                .customer_ids
                .iter()
                .map(|id| (ObjectKind::Customers, "customer_ids", id)),
        );
    for (kind, field, id) in links {
        if !known.contains(kind, id)? {
            return Ok(Some(Reject::new(
                ObjectKind::CustomObjectRecords,
                Some(record.id.clone()),
                field,
                format!(
                    "{} record links to {} {id}, which the source does not have (or which was rejected)",
                    record.object_key,
                    if kind == ObjectKind::Tickets { "ticket" } else { "customer" }
                ),
                "fix or remove the link in Stames, then run discover again",
            )));
        }
    }
    Ok(None)
}

/// Rejects for everything hanging off a rejected ticket, so that each child
/// kind still reconciles (source = read + rejected) and each carries a reason.
pub fn cascade_ticket_reject(thread: &TicketThread) -> Vec<Reject> {
    let ticket_id = &thread.ticket.id;
    let reason = || format!("belongs to ticket {ticket_id}, which was rejected");
    let hint = "fix the ticket's own reject first; its children follow it";
    let mut rejects = Vec::new();
    for message in &thread.messages {
        rejects.push(Reject::new(
            ObjectKind::Messages,
            Some(message.id.clone()),
            "ticket_id",
            reason(),
            hint,
        ));
        rejects.extend(cascade_message_reject(message));
    }
    for (n, _) in thread.status_history.iter().enumerate() {
        let id = format!("{ticket_id}#status{}", n + 1);
        rejects.push(Reject::new(
            ObjectKind::StatusEvents,
            Some(id),
            "ticket_id",
            reason(),
            hint,
        ));
    }
    for reminder in &thread.ticket.reminders {
        rejects.push(Reject::new(
            ObjectKind::Reminders,
            Some(reminder.id.clone()),
            "ticket_id",
            reason(),
            hint,
        ));
    }
    for notification in &thread.ticket.notifications {
        rejects.push(Reject::new(
            ObjectKind::Notifications,
            Some(notification.id.clone()),
            "ticket_id",
            reason(),
            hint,
        ));
    }
    if thread.ticket.sla.is_some() {
        rejects.push(Reject::new(
            ObjectKind::SlaRecords,
            Some(ticket_id.clone()),
            "ticket_id",
            reason(),
            hint,
        ));
    }
    rejects
}

/// Rejects for the attachments of a rejected message.
pub fn cascade_message_reject(message: &crate::model::Message) -> Vec<Reject> {
    message
        .attachments
        .iter()
        .map(|a| {
            Reject::new(
                ObjectKind::Attachments,
                Some(a.id.clone()),
                "message_id",
                format!("belongs to message {}, which was rejected", message.id),
                "fix the message's reject first; its attachments follow it",
            )
        })
        .collect()
}
