//! Rollback's primitives for Gorgias: how each kind of record deskshift
//! wrote is taken back, as far as the API allows (reference §4):
//!
//! | kind | remove | restore |
//! |---|---|---|
//! | tickets | `DELETE /api/tickets/{id}` (messages go with it) | subject, status, priority, assignee, tags, fields, note ([`writer::updates::put_ticket`]) |
//! | messages | with their ticket; alone `DELETE …/messages/{id}` | — |
//! | attachments | nothing to call: no API removes an upload; no message shows it any more | — |
//! | customers | `DELETE /api/customers` with `{ids}`, 100 per call | name, e-mail, channels, note, deskshift's data ([`writer::updates::put_customer`]) |
//! | custom-object records | with their customer; else taken out of its data | the customer's data as it was |
//! | users | deactivated, never deleted | — |
//! | tags | `DELETE /api/tags` with `{ids}` | — |
//! | custom fields | archived (`deactivated_datetime`): Gorgias cannot delete a field | archived again (one a later migration brought back) |
//!
//! Every call is safe to repeat: a record already gone answers `Gone`.
//! Paused rules are re-enabled ([`crate::prepare::restore_rules`]).
//!
//! [`changed_after`] lists tickets and customers whose `updated_datetime`
//! is later than deskshift's last write: someone worked on them.

use crate::client::wire::Id;
use crate::client::{ApiError, GorgiasClient};
use crate::map::customer::OBJECTS_KEY;
use crate::map::time;
use crate::writer::tickets::parse_message_dest_id;
use crate::writer::updates::{self, CustomerState, TicketState};
use crate::writer::users::api_failure;
use deskshift_core::destination::{
    DestinationError, Touched, UndoAction, UndoContext, UndoStep, Undone,
};
use deskshift_core::model::{ObjectKind, Timestamp};
use futures::TryStreamExt;
use serde_json::Value;
use std::collections::BTreeMap;

/// Ids per bulk delete.
pub const BULK: usize = 100;

/// Undoes `steps`, all of `kind`; one answer per step.
pub async fn undo(
    client: &GorgiasClient,
    ctx: &UndoContext<'_>,
    kind: ObjectKind,
    steps: &[UndoStep],
) -> Result<Vec<Undone>, DestinationError> {
    let mut answers = Vec::with_capacity(steps.len());
    match kind {
        ObjectKind::Customers | ObjectKind::Tags => {
            let mut removed = Vec::new();
            for step in steps {
                match (&step.action, id_of(step)) {
                    (_, Err(refusal)) => answers.push(refusal),
                    (UndoAction::Remove, Ok(id)) => {
                        removed.push(id);
                        answers.push(Undone::Done("deleted".into()));
                    }
                    (UndoAction::Restore(image), Ok(id)) if kind == ObjectKind::Customers => {
                        answers.push(restore_customer(client, id, image).await?);
                    }
                    (UndoAction::Restore(_), Ok(_)) => answers.push(not_restorable(kind)),
                }
            }
            for chunk in removed.chunks(BULK) {
                let deleted = match kind {
                    ObjectKind::Customers => client.delete_customers(chunk).await,
                    _ => client.delete_tags(chunk).await,
                };
                deleted.map_err(|e| api_failure(&format!("delete Gorgias {kind}"), e))?;
            }
        }
        _ => {
            for step in steps {
                answers.push(undo_one(client, ctx, step).await?);
            }
        }
    }
    Ok(answers)
}

async fn undo_one(
    client: &GorgiasClient,
    ctx: &UndoContext<'_>,
    step: &UndoStep,
) -> Result<Undone, DestinationError> {
    let kind = step.kind;
    let failed = |e: ApiError| refusal_or_failure(kind, &step.dest_id, e);
    match (kind, &step.action) {
        (ObjectKind::Messages, UndoAction::Remove) => {
            let Some((ticket, message)) = parse_message_dest_id(&step.dest_id) else {
                return Ok(Undone::Refused(format!(
                    "message {} was written by an older deskshift and does not name its \
                     ticket; delete it in Gorgias by hand",
                    step.dest_id
                )));
            };
            if ctx.plan.removes(ObjectKind::Tickets, &ticket.to_string()) {
                return Ok(Undone::Done("removed with its ticket".into()));
            }
            gone_or_done(client.delete_message(ticket, message).await, "deleted").or_else(failed)
        }
        (ObjectKind::Attachments, UndoAction::Remove) => Ok(Undone::Done(
            "no API removes an upload from Gorgias's file store; no message shows it any more"
                .into(),
        )),
        (ObjectKind::CustomObjectRecords, action) => {
            let Ok(customer) = step.dest_id.parse::<Id>() else {
                return Ok(bad_id(step));
            };
            if ctx.plan.removes(ObjectKind::Customers, &step.dest_id) {
                return Ok(Undone::Done("removed with its customer".into()));
            }
            let found = client
                .customer(customer)
                .await
                .map_err(|e| api_failure("read a Gorgias customer", e))?;
            let Some(found) = found else {
                return Ok(Undone::Gone);
            };
            let data = match action {
                UndoAction::Restore(image) => image.clone(),
                UndoAction::Remove => without_record(found.data.as_ref(), &step.source_id),
            };
            if Some(&data) == found.data.as_ref() {
                return Ok(Undone::Done("not in the customer's data".into()));
            }
            client
                .put_customer_data(customer, &data)
                .await
                .map(|()| Undone::Done("taken out of its customer's data".into()))
                .or_else(failed)
        }
        (_, action) => {
            let Ok(id) = step.dest_id.parse::<Id>() else {
                return Ok(bad_id(step));
            };
            match (kind, action) {
                (ObjectKind::Tickets, UndoAction::Remove) => {
                    gone_or_done(client.delete_ticket(id).await, "deleted").or_else(failed)
                }
                (ObjectKind::Tickets, UndoAction::Restore(image)) => {
                    restore_ticket(client, id, image).await
                }
                (ObjectKind::Users, UndoAction::Remove) => match client.user(id).await {
                    Ok(None) => Ok(Undone::Gone),
                    Ok(Some(_)) => client
                        .set_user_active(id, false)
                        .await
                        .map(|()| {
                            Undone::Done("deactivated (Gorgias users are never deleted)".into())
                        })
                        .or_else(failed),
                    Err(e) => failed(e),
                },
                (ObjectKind::CustomFields, action) => {
                    // Removed: archived (Gorgias cannot delete a field);
                    // restored: archived again as it was.
                    let at = match action {
                        UndoAction::Remove => Some(time::format(chrono::Utc::now())),
                        UndoAction::Restore(image) => {
                            image["deactivated_datetime"].as_str().map(String::from)
                        }
                    };
                    match client.set_field_archived(id, at.as_deref()).await {
                        Ok(()) => Ok(Undone::Done(
                            "archived (Gorgias cannot delete custom fields)".into(),
                        )),
                        Err(e) if e.is_not_found() => Ok(Undone::Gone),
                        Err(e) => failed(e),
                    }
                }
                _ => Ok(not_restorable(kind)),
            }
        }
    }
}

fn id_of(step: &UndoStep) -> Result<Id, Undone> {
    step.dest_id.parse().map_err(|_| bad_id(step))
}

fn bad_id(step: &UndoStep) -> Undone {
    Undone::Refused(format!(
        "{} {} has no usable Gorgias id ({:?}); undo it in Gorgias by hand",
        step.kind, step.source_id, step.dest_id
    ))
}

fn not_restorable(kind: ObjectKind) -> Undone {
    Undone::Refused(format!(
        "deskshift never changes existing {kind} in Gorgias, so there is nothing to restore"
    ))
}

fn gone_or_done(deleted: Result<bool, ApiError>, done: &str) -> Result<Undone, ApiError> {
    deleted.map(|existed| {
        if existed {
            Undone::Done(done.into())
        } else {
            Undone::Gone
        }
    })
}

/// A refusal Gorgias gave (4xx) is the record's; anything else stops the
/// rollback (it is run again).
fn refusal_or_failure(
    kind: ObjectKind,
    dest: &str,
    error: ApiError,
) -> Result<Undone, DestinationError> {
    match error {
        ApiError::Refused { .. } | ApiError::Conflict { .. } => Ok(Undone::Refused(format!(
            "Gorgias would not undo {kind} {dest}: {error}"
        ))),
        other => Err(api_failure(&format!("undo {kind} {dest}"), other)),
    }
}

/// `data` without custom-object record `record` under any object.
fn without_record(data: Option<&Value>, record: &str) -> Value {
    let mut data = data.cloned().unwrap_or(Value::Null);
    if let Some(objects) = data.get_mut(OBJECTS_KEY).and_then(Value::as_object_mut) {
        for of_kind in objects.values_mut() {
            if let Some(records) = of_kind.as_object_mut() {
                records.remove(record);
            }
        }
    }
    data
}

async fn restore_ticket(
    client: &GorgiasClient,
    id: Id,
    image: &Value,
) -> Result<Undone, DestinationError> {
    let wanted = match TicketState::from_value(image) {
        Ok(state) => state,
        Err(reason) => return Ok(Undone::Refused(reason)),
    };
    let Some(found) = client
        .ticket(id)
        .await
        .map_err(|e| api_failure("read a Gorgias ticket", e))?
    else {
        return Ok(Undone::Gone);
    };
    let current = TicketState::of(&found);
    let notes = updates::note_ids(&found);
    let external_id = found.external_id.clone().unwrap_or_default();
    match updates::put_ticket(client, id, &external_id, &current, &notes, &wanted).await {
        Ok(()) => Ok(Undone::Done("restored".into())),
        Err(e) => refusal_or_failure(ObjectKind::Tickets, &id.to_string(), e),
    }
}

async fn restore_customer(
    client: &GorgiasClient,
    id: Id,
    image: &Value,
) -> Result<Undone, DestinationError> {
    let wanted = match CustomerState::from_value(image) {
        Ok(state) => state,
        Err(reason) => return Ok(Undone::Refused(reason)),
    };
    let Some(found) = client
        .customer(id)
        .await
        .map_err(|e| api_failure("read a Gorgias customer", e))?
    else {
        return Ok(Undone::Gone);
    };
    let current = CustomerState::of(&found);
    match updates::put_customer(client, id, &current, found.data.as_ref(), &wanted).await {
        Ok(()) => Ok(Undone::Done("restored".into())),
        Err(e) => refusal_or_failure(ObjectKind::Customers, &id.to_string(), e),
    }
}

/// Tickets and customers updated after `after`, newest first, by their
/// `updated_datetime`; other kinds have no trace of later work to find.
pub async fn changed_after(
    client: &GorgiasClient,
    kind: ObjectKind,
    after: Timestamp,
) -> Result<Vec<Touched>, DestinationError> {
    let mut touched = Vec::new();
    let mut found: BTreeMap<Id, Option<Timestamp>> = BTreeMap::new();
    match kind {
        ObjectKind::Tickets => {
            let mut all = client.tickets_recently_updated();
            while let Some(t) = all
                .try_next()
                .await
                .map_err(|e| api_failure("list recently updated Gorgias tickets", e))?
            {
                let at = t.updated_datetime.as_deref().and_then(time::parse);
                if at.is_none_or(|at| at <= after) {
                    break;
                }
                found.insert(t.id, at);
            }
        }
        ObjectKind::Customers => {
            let mut all = client.customers_recently_updated();
            while let Some(c) = all
                .try_next()
                .await
                .map_err(|e| api_failure("list recently updated Gorgias customers", e))?
            {
                let at = c.updated_datetime.as_deref().and_then(time::parse);
                if at.is_none_or(|at| at <= after) {
                    break;
                }
                found.insert(c.id, at);
            }
        }
        _ => {}
    }
    for (id, at) in found {
        touched.push(Touched {
            kind,
            dest_id: id.to_string(),
            detail: format!(
                "updated in Gorgias at {}",
                at.map(time::format).unwrap_or_default()
            ),
            modified_at: at,
        });
    }
    Ok(touched)
}
