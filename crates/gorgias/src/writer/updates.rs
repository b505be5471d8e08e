//! `delta`: tickets and customers already in Gorgias brought up to date
//! with the source.
//!
//! What deskshift controls on a record is one *state* value: a ticket's
//! subject, status, priority, assignee, closing time, tags, custom-field
//! values and migration note ([`TicketState`]); a customer's name, e-mail,
//! channels, note and deskshift's part of its sidebar data
//! ([`CustomerState`]). A change reads the state from Gorgias (the
//! before-image the journal keeps), computes the wanted one with the very
//! map `migrate` used, and writes only what differs ([`put_ticket`],
//! [`put_customer`]). Rollback restores a before-image with the same two
//! functions, so a change and its undo cannot drift apart.
//!
//! New messages of a ticket are appended in chronological order, each
//! through the exactly-once create protocol, before the ticket's state is
//! updated (its note lists them).

use super::files::{self, Postpone};
use super::tickets::{self, create_message, customers_of, Shared};
use super::users::api_failure;
use super::{journal_error, Run};
use crate::client::wire::{
    Customer as GCustomer, CustomerChannel, FieldValue, Id, Ticket as GTicket,
};
use crate::client::{ApiError, GorgiasClient};
use crate::map::customer::{CustomerFields, DATA_KEY};
use crate::map::ticket::{self, note_external_id, TicketContext, TicketPlan};
use crate::map::{customer, time};
use deskshift_core::destination::notes::Category;
use deskshift_core::destination::DestinationError;
use deskshift_core::engine::{WriteError, Written};
use deskshift_core::ledger::content_hash;
use deskshift_core::model::{Customer, Message, ObjectKind, TicketThread};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashSet};

// ------------------------------------------------------------------ tickets

/// What deskshift controls on a Gorgias ticket. Datetimes are kept as
/// RFC 3339 to the second, so states compare as Gorgias compares them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketState {
    pub subject: Option<String>,
    pub status: Option<String>,
    pub priority: Option<String>,
    pub assignee_user: Option<Id>,
    pub closed_datetime: Option<String>,
    /// Tag names, sorted.
    pub tags: Vec<String>,
    pub custom_fields: BTreeMap<Id, Value>,
    pub note: Option<NoteState>,
}

/// The migration note as Gorgias holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoteState {
    pub body_text: String,
    pub sender: Option<Id>,
    pub created_datetime: Option<String>,
}

/// An RFC 3339 datetime to the second, whatever form Gorgias used.
fn second(text: Option<&str>) -> Option<String> {
    text.and_then(time::parse).map(time::format)
}

impl TicketState {
    /// The state of a ticket as read (`GET /api/tickets/{id}`, messages
    /// included).
    pub fn of(found: &GTicket) -> TicketState {
        let mut tags: Vec<String> = found.tags.iter().map(|t| t.name.clone()).collect();
        tags.sort();
        let note_id = found.external_id.as_deref().map(note_external_id);
        let note = found
            .messages
            .iter()
            .rev()
            .find(|m| m.external_id.is_some() && m.external_id == note_id)
            .map(|m| NoteState {
                body_text: m.body_text.clone().unwrap_or_default(),
                sender: m.sender.as_ref().map(|s| s.id),
                created_datetime: second(m.created_datetime.as_deref()),
            });
        TicketState {
            subject: found.subject.clone(),
            status: found.status.clone(),
            priority: found.priority.clone(),
            assignee_user: found.assignee_user.as_ref().map(|u| u.id),
            closed_datetime: second(found.closed_datetime.as_deref()),
            tags,
            custom_fields: found.field_values(),
            note,
        }
    }

    /// The state the map wants, from a planned create.
    pub fn planned(plan: &TicketPlan) -> TicketState {
        let t = &plan.ticket;
        let mut tags: Vec<String> = t.tags.iter().map(|t| t.name.clone()).collect();
        tags.sort();
        let note_id = note_external_id(&t.external_id);
        let note = t
            .messages
            .iter()
            .find(|m| m.external_id == note_id)
            .map(|m| NoteState {
                body_text: m.body_text.clone(),
                sender: m.sender.as_ref().and_then(|s| s.id),
                created_datetime: second(Some(&m.created_datetime)),
            });
        TicketState {
            subject: t.subject.clone(),
            status: Some(t.status.to_string()),
            priority: Some(t.priority.to_string()),
            assignee_user: t.assignee_user.map(|a| a.id),
            closed_datetime: second(t.closed_datetime.as_deref()),
            tags,
            custom_fields: t
                .custom_fields
                .iter()
                .map(|v| (v.id, v.value.clone()))
                .collect(),
            note,
        }
    }

    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    pub fn from_value(value: &Value) -> Result<TicketState, String> {
        serde_json::from_value(value.clone())
            .map_err(|e| format!("the journaled ticket state cannot be read: {e}"))
    }
}

/// The ids of a ticket's migration notes (normally one).
pub fn note_ids(found: &GTicket) -> Vec<Id> {
    let note_id = found.external_id.as_deref().map(note_external_id);
    found
        .messages
        .iter()
        .filter(|m| m.external_id.is_some() && m.external_id == note_id)
        .map(|m| m.id)
        .collect()
}

/// Makes ticket `id` (Stames ticket `external_id`) hold `wanted`, writing
/// only what differs from `current`; `notes` are the ids of the notes it
/// shows now. Every write is idempotent, so a repeat after a crash is safe.
pub async fn put_ticket(
    client: &GorgiasClient,
    id: Id,
    external_id: &str,
    current: &TicketState,
    notes: &[Id],
    wanted: &TicketState,
) -> Result<(), ApiError> {
    let fields_differ = (
        &current.subject,
        &current.status,
        &current.priority,
        current.assignee_user,
        &current.closed_datetime,
        &current.tags,
    ) != (
        &wanted.subject,
        &wanted.status,
        &wanted.priority,
        wanted.assignee_user,
        &wanted.closed_datetime,
        &wanted.tags,
    );
    if fields_differ {
        let tags: Vec<Value> = wanted.tags.iter().map(|n| json!({ "name": n })).collect();
        let mut changes = json!({
            "subject": wanted.subject,
            "assignee_user": wanted.assignee_user.map(|id| json!({ "id": id })),
            "closed_datetime": wanted.closed_datetime,
            "tags": tags,
        });
        for (key, value) in [("status", &wanted.status), ("priority", &wanted.priority)] {
            if let Some(value) = value {
                changes[key] = json!(value);
            }
        }
        client.update_ticket(id, &changes).await?;
    }
    if current.custom_fields != wanted.custom_fields {
        let values: Vec<FieldValue> = wanted
            .custom_fields
            .iter()
            .map(|(id, value)| FieldValue {
                id: *id,
                value: value.clone(),
            })
            .collect();
        client.put_ticket_fields(id, &values).await?;
    }
    if current.note != wanted.note {
        for note in notes {
            client.delete_message(id, *note).await?;
        }
        if let (Some(note), Some(author)) =
            (&wanted.note, wanted.note.as_ref().and_then(|n| n.sender))
        {
            let at = note.created_datetime.clone().unwrap_or_default();
            let body = ticket::note_message(external_id, author, note.body_text.clone(), at);
            client.create_message(id, &body).await?;
        }
    }
    Ok(())
}

/// Brings a ticket that is in Gorgias up to date: its new messages (and
/// their files), then its state. Counts the ticket and its children.
pub async fn ticket(
    run: &Run<'_>,
    shared: &Shared<'_>,
    thread: &TicketThread,
    id: Id,
) -> Result<(), DestinationError> {
    let t = &thread.ticket;
    let found = run
        .client
        .ticket(id)
        .await
        .map_err(|e| api_failure("read a Gorgias ticket", e))?;
    let children = tickets::Children::of(thread);
    let Some(found) = found else {
        return tickets::refuse(
            run,
            thread,
            &children,
            false,
            "(record)",
            &format!("Gorgias ticket {id} no longer exists (deleted in Gorgias)"),
            "find out who deleted it; `deskshift rollback` of this ticket, then migrate, \
             creates it again",
        );
    };
    let present: HashSet<&str> = found
        .messages
        .iter()
        .filter_map(|m| m.external_id.as_deref())
        .collect();
    let missing: Vec<&Message> = ticket::chronological(thread)
        .into_iter()
        .filter(|m| !present.contains(m.id.as_str()))
        .collect();
    let there: Vec<&Message> = thread
        .messages
        .iter()
        .filter(|m| present.contains(m.id.as_str()))
        .collect();
    tickets::tally_done_files(run, &tickets::attachments(&there))?;
    let fresh = tickets::attachments(&missing);
    if let Err(Postpone(reason)) = files::provide(run, &fresh).await? {
        return tickets::refuse(
            run,
            thread,
            &children,
            true,
            "attachments",
            &reason,
            "run delta again",
        );
    }
    let known = files::known(run, thread)?;
    let customers = customers_of(run, thread)?;
    let ctx = TicketContext {
        customers: &customers,
        agents: shared.agents,
        fields: shared.fields,
        extras: shared.extras,
        files: &known,
        tags: shared.tags,
        map: run.ctx.map,
    };
    let plan = match ticket::plan(thread, &ctx) {
        Ok(plan) => plan,
        Err(refusal) => {
            // The map lacks a value the changed ticket now has: the update is
            // refused (the ticket stays as it was in Gorgias), named.
            let map_refused = refusal.fix.is_some();
            return tickets::refuse(
                run,
                thread,
                &children,
                !map_refused,
                refusal.field,
                &refusal.reason,
                refusal
                    .fix
                    .unwrap_or("migrate the customer first (see its reject), then run delta again"),
            );
        }
    };
    let bodies = plan
        .ticket
        .messages
        .iter()
        .chain(plan.rest.iter().map(|(_, m)| m));
    for body in bodies.filter(|b| missing.iter().any(|m| m.id == b.external_id)) {
        let written = create_message(run, id, &body.external_id, body).await?;
        run.tally(ObjectKind::Messages, &body.external_id, &written)?;
    }
    for _ in 0..there.len() {
        run.ctx.counts.written(
            ObjectKind::Messages,
            &Written::AlreadyDone(String::new()),
            false,
        );
    }
    let current = TicketState::of(&found);
    let wanted = TicketState::planned(&plan);
    let notes = note_ids(&found);
    let client = run.client;
    let changed = run
        .ctx
        .journal
        .update_once(
            ObjectKind::Tickets,
            &t.id,
            &content_hash(thread),
            |_| async { Ok(current.to_value()) },
            |_| async {
                put_ticket(client, id, &t.id, &current, &notes, &wanted)
                    .await
                    .map_err(ApiError::into_write_error)
            },
        )
        .await
        .map_err(journal_error)?;
    run.tally_change(ObjectKind::Tickets, &t.id, &changed)?;
    children.count_landed(run, &t.id);
    Ok(())
}

// ---------------------------------------------------------------- customers

/// What deskshift controls on a Gorgias customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerState {
    pub name: Option<String>,
    pub email: Option<String>,
    pub channels: Vec<CustomerChannel>,
    pub note: Option<String>,
    /// deskshift's part of the sidebar data (`stames`); other keys, such as
    /// custom-object records, are left as they are.
    pub data: Option<Value>,
}

impl CustomerState {
    pub fn of(found: &GCustomer) -> CustomerState {
        CustomerState {
            name: found.name.clone(),
            email: found.email.clone(),
            channels: found.channels.clone(),
            note: found.note.clone(),
            data: found.data.as_ref().and_then(|d| d.get(DATA_KEY)).cloned(),
        }
    }

    pub fn planned(c: &Customer, fields: &CustomerFields) -> CustomerState {
        let body = customer::plan(c, fields).body;
        CustomerState {
            name: body.name,
            email: body.email,
            channels: body.channels,
            note: body.note,
            data: body.data.and_then(|d| d.get(DATA_KEY).cloned()),
        }
    }

    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    pub fn from_value(value: &Value) -> Result<CustomerState, String> {
        serde_json::from_value(value.clone())
            .map_err(|e| format!("the journaled customer state cannot be read: {e}"))
    }
}

/// Makes customer `id` hold `wanted`, writing only what differs; its
/// `data` (as read) keeps every key but deskshift's own.
pub async fn put_customer(
    client: &GorgiasClient,
    id: Id,
    current: &CustomerState,
    data: Option<&Value>,
    wanted: &CustomerState,
) -> Result<(), ApiError> {
    let mut changes = Map::new();
    if current.name != wanted.name {
        changes.insert("name".into(), json!(wanted.name));
    }
    if current.note != wanted.note {
        changes.insert("note".into(), json!(wanted.note));
    }
    let same_channels = {
        let key = |c: &CustomerChannel| (c.channel_type.clone(), c.address.to_lowercase());
        let mut a: Vec<_> = current.channels.iter().map(key).collect();
        let mut b: Vec<_> = wanted.channels.iter().map(key).collect();
        a.sort();
        b.sort();
        a == b
    };
    if !same_channels || current.email != wanted.email {
        changes.insert("email".into(), json!(wanted.email));
        changes.insert("channels".into(), json!(wanted.channels));
    }
    if current.data != wanted.data {
        let mut merged = match data {
            Some(Value::Object(map)) => map.clone(),
            _ => Map::new(),
        };
        match &wanted.data {
            Some(ours) => merged.insert(DATA_KEY.into(), ours.clone()),
            None => merged.remove(DATA_KEY),
        };
        // The documented way: the customer update body has no `data` in
        // Gorgias's current OpenAPI (see `docs/deviations.md`).
        client.put_customer_data(id, &Value::Object(merged)).await?;
    }
    if changes.is_empty() {
        return Ok(());
    }
    client.update_customer(id, &Value::Object(changes)).await
}

/// Brings a customer deskshift created up to date; counts it.
pub async fn customer(
    run: &Run<'_>,
    c: &Customer,
    id: Id,
    fields: &CustomerFields,
) -> Result<(), DestinationError> {
    const KIND: ObjectKind = ObjectKind::Customers;
    let client = run.client;
    let found = client
        .customer(id)
        .await
        .map_err(|e| api_failure("read a Gorgias customer", e))?;
    let Some(found) = found else {
        return run.reject(
            KIND,
            &c.id,
            "(record)",
            format!("Gorgias customer {id} no longer exists (deleted in Gorgias)"),
            "find out who deleted it; `deskshift rollback`, then migrate, creates it again",
        );
    };
    let current = CustomerState::of(&found);
    let wanted = CustomerState::planned(c, fields);
    for repair in customer::plan(c, fields).repairs {
        run.notes
            .add(Category::Repair, KIND, &c.id, repair.detail.clone());
    }
    let changed = run
        .ctx
        .journal
        .update_once(
            KIND,
            &c.id,
            &content_hash(c),
            |_| async { Ok(current.to_value()) },
            |_| async {
                put_customer(client, id, &current, found.data.as_ref(), &wanted)
                    .await
                    .map_err(|e| match e {
                        ApiError::Conflict { message, .. } => WriteError::Refused(format!(
                            "another Gorgias customer has this e-mail: {message}"
                        )),
                        other => other.into_write_error(),
                    })
            },
        )
        .await
        .map_err(journal_error)?;
    run.tally_change(KIND, &c.id, &changed)
}
