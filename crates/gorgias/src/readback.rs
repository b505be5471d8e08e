//! A migrated record as Gorgias holds it now: the state a restore would
//! overwrite (its before-image), and a readable view for the
//! reconciliation report's spot checks.

use crate::client::wire::{Id, Ticket};
use crate::client::GorgiasClient;
use crate::writer::updates::{CustomerState, TicketState};
use crate::writer::users::api_failure;
use deskshift_core::destination::DestinationError;
use deskshift_core::model::ObjectKind;
use futures::TryStreamExt;
use serde_json::{json, Value};

/// Characters of a message body shown in a spot check.
pub const EXCERPT: usize = 280;

fn id(kind: ObjectKind, dest_id: &str) -> Result<Id, DestinationError> {
    dest_id.parse().map_err(|_| {
        DestinationError::Other(format!(
            "{kind} {dest_id:?} is not a Gorgias id; the ledger entry is damaged"
        ))
    })
}

/// A ticket with all its messages (the ticket object may carry only part
/// of a long thread).
async fn ticket_with_messages(
    client: &GorgiasClient,
    id: Id,
) -> Result<Option<Ticket>, DestinationError> {
    let Some(mut ticket) = client
        .ticket(id)
        .await
        .map_err(|e| api_failure("read a Gorgias ticket", e))?
    else {
        return Ok(None);
    };
    ticket.messages = client
        .messages(id)
        .try_collect()
        .await
        .map_err(|e| api_failure("list a ticket's messages", e))?;
    Ok(Some(ticket))
}

/// What a restore of `kind` would overwrite; `None` when it is gone.
pub async fn state(
    client: &GorgiasClient,
    kind: ObjectKind,
    dest_id: &str,
) -> Result<Option<Value>, DestinationError> {
    match kind {
        ObjectKind::Tickets => Ok(ticket_with_messages(client, id(kind, dest_id)?)
            .await?
            .map(|t| TicketState::of(&t).to_value())),
        ObjectKind::Customers => Ok(client
            .customer(id(kind, dest_id)?)
            .await
            .map_err(|e| api_failure("read a Gorgias customer", e))?
            .map(|c| CustomerState::of(&c).to_value())),
        // A custom-object record's destination is its customer's data.
        ObjectKind::CustomObjectRecords => Ok(client
            .customer(id(kind, dest_id)?)
            .await
            .map_err(|e| api_failure("read a Gorgias customer", e))?
            .map(|c| c.data.unwrap_or(Value::Null))),
        // A field deskshift brought back from the archive: whether it is archived.
        ObjectKind::CustomFields => Ok(client
            .custom_field(id(kind, dest_id)?)
            .await
            .map_err(|e| api_failure("read a Gorgias custom field", e))?
            .map(|f| serde_json::json!({ "deactivated_datetime": f.deactivated_datetime }))),
        other => Err(DestinationError::Other(format!(
            "deskshift never changes existing {other} in Gorgias, so it has no state to read"
        ))),
    }
}

/// A readable view of a ticket (or customer) for a spot check.
pub async fn record(
    client: &GorgiasClient,
    kind: ObjectKind,
    dest_id: &str,
) -> Result<Option<Value>, DestinationError> {
    match kind {
        ObjectKind::Tickets => {
            let Some(t) = ticket_with_messages(client, id(kind, dest_id)?).await? else {
                return Ok(None);
            };
            let messages: Vec<Value> = t
                .messages
                .iter()
                .map(|m| {
                    let body = m.body_text.as_deref().unwrap_or_default();
                    json!({
                        "external_id": m.external_id,
                        "created": m.created_datetime,
                        "from_agent": m.from_agent,
                        "private_note": m.public == Some(false),
                        "channel": m.channel,
                        "sender": m.sender.as_ref().map(|s| s.email.clone().or(s.name.clone()).unwrap_or_else(|| s.id.to_string())),
                        "body": body.chars().take(EXCERPT).collect::<String>(),
                        "attachments": m.attachments.iter().map(|a| format!("{} ({} bytes)", a.name, a.size)).collect::<Vec<_>>(),
                    })
                })
                .collect();
            Ok(Some(json!({
                "id": t.id,
                "subject": t.subject,
                "status": t.status,
                "priority": t.priority,
                "channel": t.channel,
                "customer": t.customer.as_ref().map(|c| c.email.clone().or(c.name.clone()).unwrap_or_else(|| c.id.to_string())),
                "assignee": t.assignee_user.as_ref().map(|u| u.email.clone().or(u.name.clone()).unwrap_or_else(|| u.id.to_string())),
                "tags": t.tags.iter().map(|t| t.name.clone()).collect::<Vec<_>>(),
                "custom_fields": t.field_values(),
                "created": t.created_datetime,
                "closed": t.closed_datetime,
                "messages": messages,
            })))
        }
        other => state(client, other, dest_id).await,
    }
}

/// Where a person opens a migrated ticket or customer in the Gorgias app
/// (`https://acme.gorgias.com/app/ticket/123`); a message opens its ticket.
pub fn url(base_url: &str, kind: ObjectKind, dest_id: &str) -> Option<String> {
    let base = base_url.trim().trim_end_matches('/');
    match kind {
        ObjectKind::Tickets => Some(format!("{base}/app/ticket/{dest_id}")),
        ObjectKind::Messages => {
            let ticket = dest_id.split('/').next()?;
            Some(format!("{base}/app/ticket/{ticket}"))
        }
        ObjectKind::Customers => Some(format!("{base}/app/customer/{dest_id}")),
        _ => None,
    }
}
