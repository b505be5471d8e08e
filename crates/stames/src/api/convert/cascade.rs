//! Rejects for the children of a rejected record.
//!
//! When a ticket or message is rejected, what hangs off it cannot be migrated
//! either. Each child gets its own reject, so every kind still reconciles
//! (read + rejected = declared) and an operator sees why it is missing. The
//! children are found in the raw JSON, since the parent did not convert; the
//! ids and wording follow discovery's own cascade
//! (`deskshift_core::discover::references`), so a child reads the same
//! whichever layer rejected its parent.

use super::raw_id;
use deskshift_core::model::ObjectKind;
use deskshift_core::source::Reject;
use serde_json::Value;

const TICKET_HINT: &str = "fix the ticket's own reject first; its children follow it";
const MESSAGE_HINT: &str = "fix the message's reject first; its attachments follow it";

/// Rejects for what a rejected ticket carries inline: status history,
/// reminders, notifications and SLA. Its messages are separate records; see
/// [`message_of_rejected_ticket`].
pub fn ticket_children_rejects(raw_ticket: &Value) -> Vec<Reject> {
    let ticket_id = raw_id(raw_ticket).unwrap_or_else(|| "(no id)".to_string());
    let reason = || format!("belongs to ticket {ticket_id}, which was rejected");
    let child =
        |kind, id: Option<String>| Reject::new(kind, id, "ticket_id", reason(), TICKET_HINT);
    let mut rejects = Vec::new();
    for n in 1..=array(raw_ticket, "status_history").len() {
        rejects.push(child(
            ObjectKind::StatusEvents,
            Some(format!("{ticket_id}#status{n}")),
        ));
    }
    for reminder in array(raw_ticket, "reminders") {
        rejects.push(child(ObjectKind::Reminders, raw_id(reminder)));
    }
    for notification in array(raw_ticket, "notifications") {
        rejects.push(child(ObjectKind::Notifications, raw_id(notification)));
    }
    if raw_ticket.get("sla").is_some_and(|sla| !sla.is_null()) {
        rejects.push(child(ObjectKind::SlaRecords, Some(ticket_id.clone())));
    }
    rejects
}

/// Rejects for one message of a rejected ticket, and for its attachments.
pub fn message_of_rejected_ticket(raw_message: &Value, ticket_id: &str) -> Vec<Reject> {
    let mut rejects = vec![Reject::new(
        ObjectKind::Messages,
        raw_id(raw_message),
        "ticket_id",
        format!("belongs to ticket {ticket_id}, which was rejected"),
        TICKET_HINT,
    )];
    rejects.extend(message_children_rejects(raw_message));
    rejects
}

/// Rejects for the attachments of a rejected message.
pub(crate) fn message_children_rejects(raw_message: &Value) -> Vec<Reject> {
    let message_id = raw_id(raw_message).unwrap_or_else(|| "(no id)".to_string());
    array(raw_message, "attachments")
        .iter()
        .map(|attachment| {
            Reject::new(
                ObjectKind::Attachments,
                raw_id(attachment),
                "message_id",
                format!("belongs to message {message_id}, which was rejected"),
                MESSAGE_HINT,
            )
        })
        .collect()
}

fn array<'a>(raw: &'a Value, key: &str) -> &'a [Value] {
    raw.get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}
