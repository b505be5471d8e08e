//! Tickets (reference §4.1, §7).
//!
//! Create (`POST /api/tickets`, 201): `messages` is required, 1–500 (CT);
//! `status` open|closed, `priority` critical|high|normal|low, `channel` a
//! legacy channel or another channel slug, `via` the request enum;
//! `external_id` ≤ 255 (not unique: Gorgias does not use it), `subject`
//! ≤ 998. Every writable datetime is kept as given. `customer` is `{id}` or
//! `{email, name}` (found by e-mail or created); without one, the customer
//! is the first incoming message's sender (or the first outgoing message's
//! receiver). `assignee_user {id}` must exist; `tags [{name}|{id}]` attach
//! by name and create unknown names; `custom_fields [{id, value}]` are
//! checked against their definitions.
//!
//! Defaults when not given (inferred): status `open`, priority `normal`,
//! `via` `api`, `channel` and `from_agent` from the first message,
//! `created_datetime`/`updated_datetime` now, `last_message_datetime` the
//! latest message, `closed_datetime` now when created closed.
//!
//! Update (`PUT`, 200): the same fields plus `is_unread`, all optional;
//! `tags` **replaces** every tag (BP); `custom_fields` sets the given
//! values and keeps the others (use the custom-fields endpoint to replace
//! the set). Delete (204) is permanent: messages, tags links, custom-field
//! values and the survey go with it. Ids are never reused.
//!
//! List filters: `customer_id`, `external_id`, `ticket_ids[]`, `trashed`
//! (trashed tickets are hidden unless `trashed=true`, inferred).
//!
//! Side effects of API writes: `ticket-created` / `ticket-updated` events,
//! and active rules listening to those events fire.

use super::super::errors::{ApiError, FieldErrors};
use super::super::pagination::{whole_list, Direction, ListSpec, SortKey, DEFAULT_LIMIT};
use super::super::render;
use super::super::store::model::*;
use super::super::store::{Origin, State};
use super::super::validate::*;
use super::super::vocab::{self, INTERNAL_NOTE};
use super::super::App;
use super::messages::{self, MessageInput, PartyRef, MAX_INLINE_MESSAGES};
use super::tags::{self, TagRef};
use super::{
    created, custom_fields, customers, list_query, list_reply, no_content, ok, parse_id, JsonBody,
    Params, Reply,
};
use axum::extract::{Path, State as AxState};
use axum::http::{StatusCode, Uri};
use axum::response::IntoResponse;
use axum::Json;
use serde_json::{json, Map, Value};
use std::sync::Arc;

const COMMON_FIELDS: &[&str] = &[
    "assignee_team",
    "assignee_user",
    "channel",
    "closed_datetime",
    "created_datetime",
    "custom_fields",
    "customer",
    "external_id",
    "from_agent",
    "imported",
    "language",
    "last_message_datetime",
    "last_received_message_datetime",
    "meta",
    "opened_datetime",
    "priority",
    "snooze_datetime",
    "spam",
    "status",
    "subject",
    "tags",
    "trashed_datetime",
    "updated_datetime",
    "via",
];
const CREATE_ONLY: &[&str] = &["messages", "split_from"];
const UPDATE_ONLY: &[&str] = &["is_unread"];

/// `customer` of a ticket body.
#[derive(Debug, Clone)]
enum CustomerRef {
    Id(u64),
    Email { email: String, name: Option<String> },
}

/// The ticket fields of a create or update body, validated.
struct Input {
    external_id: Field<String>,
    subject: Field<String>,
    status: Field<String>,
    priority: Field<String>,
    channel: Field<String>,
    via: Field<String>,
    from_agent: Field<bool>,
    spam: Field<bool>,
    imported: Field<bool>,
    is_unread: Field<bool>,
    language: Field<String>,
    customer: Field<CustomerRef>,
    assignee_user: Field<u64>,
    meta: Field<Value>,
    tags: Field<Vec<TagRef>>,
    custom_fields: Field<Vec<(u64, Value)>>,
    created: Field<Timestamp>,
    updated: Field<Timestamp>,
    opened: Field<Timestamp>,
    closed: Field<Timestamp>,
    last_message: Field<Timestamp>,
    last_received: Field<Timestamp>,
    snooze: Field<Timestamp>,
    trashed: Field<Timestamp>,
}

fn customer_ref(
    obj: &Map<String, Value>,
    s: &State,
    errors: &mut FieldErrors,
) -> Field<CustomerRef> {
    let inner = match object(obj, "customer", errors) {
        Field::Set(inner) => inner,
        Field::Null => return Field::Null,
        Field::Absent => return Field::Absent,
    };
    let mut e = FieldErrors::new();
    reject_unknown(
        inner,
        &[
            "id",
            "email",
            "name",
            "firstname",
            "lastname",
            "external_id",
        ],
        &mut e,
    );
    let id = integer(inner, "id", &mut e).value();
    let email = email(inner, "email", &mut e).value();
    let name = string(inner, "name", Some(Len::max(255)), &mut e).value();
    let found = match (id, email) {
        (Some(id), _) => match u64::try_from(id)
            .ok()
            .filter(|id| s.customers.contains_key(id))
        {
            Some(id) => Some(CustomerRef::Id(id)),
            None => {
                e.add("id", "Customer not found.");
                None
            }
        },
        (None, Some(email)) => Some(match s.customer_by_email(&email) {
            Some(id) => CustomerRef::Id(id),
            None => CustomerRef::Email { email, name },
        }),
        (None, None) => {
            if e.is_empty() {
                e.add("_schema", "Either id or email is required.");
            }
            None
        }
    };
    errors.merge_into("customer", e);
    found.map_or(Field::Absent, Field::Set)
}

fn assignee(obj: &Map<String, Value>, s: &State, errors: &mut FieldErrors) -> Field<u64> {
    match id_ref(obj, "assignee_user", errors) {
        Field::Set(id) if !s.users.contains_key(&id) => {
            errors.nested("assignee_user").add("id", "User not found.");
            Field::Absent
        }
        other => other,
    }
}

fn parse(obj: &Map<String, Value>, s: &State, creating: bool, errors: &mut FieldErrors) -> Input {
    let extra = if creating { CREATE_ONLY } else { UPDATE_ONLY };
    let allowed: Vec<&str> = COMMON_FIELDS.iter().chain(extra).copied().collect();
    reject_unknown(obj, &allowed, errors);
    let channel = string(obj, "channel", None, errors);
    let channel = match channel {
        Field::Set(c) if !vocab::is_channel(&c) => {
            errors.add(
                "channel",
                "Must be a channel slug (e.g. email, api, chat, internal-note).",
            );
            Field::Absent
        }
        other => other,
    };
    // Teams are not emulated: only "no team" is a valid assignee team.
    if let Field::Set(_) = id_ref(obj, "assignee_team", errors) {
        errors.nested("assignee_team").add("id", "Team not found.");
    }
    let custom_fields = match array(obj, "custom_fields", errors) {
        Field::Set(items) => {
            let values = custom_fields::values(items, s, errors.nested("custom_fields"));
            Field::Set(values)
        }
        Field::Null => Field::Null,
        Field::Absent => Field::Absent,
    };
    Input {
        external_id: string(obj, "external_id", Some(Len::max(255)), errors),
        subject: string(obj, "subject", Some(Len::max(998)), errors),
        status: one_of(obj, "status", vocab::TICKET_STATUSES, errors),
        priority: one_of(obj, "priority", vocab::TICKET_PRIORITIES, errors),
        channel,
        via: one_of(obj, "via", vocab::REQUEST_VIAS, errors),
        from_agent: boolean(obj, "from_agent", errors),
        spam: boolean(obj, "spam", errors),
        imported: boolean(obj, "imported", errors),
        is_unread: boolean(obj, "is_unread", errors),
        language: language(obj, "language", errors),
        customer: customer_ref(obj, s, errors),
        assignee_user: assignee(obj, s, errors),
        meta: free_object(obj, "meta", errors),
        tags: tags::refs(obj, s, errors),
        custom_fields,
        created: datetime(obj, "created_datetime", errors),
        updated: datetime(obj, "updated_datetime", errors),
        opened: datetime(obj, "opened_datetime", errors),
        closed: datetime(obj, "closed_datetime", errors),
        last_message: datetime(obj, "last_message_datetime", errors),
        last_received: datetime(obj, "last_received_message_datetime", errors),
        snooze: datetime(obj, "snooze_datetime", errors),
        trashed: datetime(obj, "trashed_datetime", errors),
    }
}

fn not_null(field: &Field<impl Sized>, key: &str, errors: &mut FieldErrors) {
    if matches!(field, Field::Null) {
        errors.add(key, NULL);
    }
}

/// `POST /api/tickets`: validates everything, then writes.
pub fn create(s: &mut State, origin: Origin, body: &Value) -> Result<u64, ApiError> {
    const MSG: &str = "Failed to create the ticket.";
    let mut errors = FieldErrors::new();
    let Some(obj) = body_object(body, &mut errors) else {
        return Err(ApiError::validation(MSG, errors));
    };
    let input = parse(obj, s, true, &mut errors);
    for (field, key) in [
        (&input.status, "status"),
        (&input.priority, "priority"),
        (&input.via, "via"),
    ] {
        not_null(field, key, &mut errors);
    }
    let split_from = integer(obj, "split_from", &mut errors).value();
    let mut inputs: Vec<MessageInput> = Vec::new();
    match array(obj, "messages", &mut errors) {
        Field::Set(items) => {
            if items.is_empty() || items.len() > MAX_INLINE_MESSAGES {
                errors.add(
                    "messages",
                    format!("Length must be between 1 and {MAX_INLINE_MESSAGES}."),
                );
            }
            for (i, item) in items.iter().enumerate() {
                let mut e = FieldErrors::new();
                if let Some(m) =
                    body_object(item, &mut e).and_then(|m| messages::parse(m, s, &mut e))
                {
                    inputs.push(m);
                }
                errors.merge_item("messages", i.to_string(), e);
            }
        }
        Field::Null => errors.add("messages", NULL),
        Field::Absent => {
            if !obj.contains_key("messages") {
                errors.add("messages", MISSING);
            }
        }
    }
    // The customer: given, or the first incoming sender, or the first
    // outgoing receiver.
    let customer = match input.customer.clone() {
        Field::Set(CustomerRef::Id(id)) => Some(PartyRef::Customer(id)),
        Field::Set(CustomerRef::Email { email, name }) => {
            Some(PartyRef::CustomerByEmail { email, name })
        }
        _ => inputs
            .iter()
            .filter(|m| !m.from_agent && m.channel != INTERNAL_NOTE)
            .find_map(|m| m.sender.as_ref().and_then(PartyRef::customer))
            .or_else(|| {
                inputs
                    .iter()
                    .filter(|m| m.from_agent)
                    .find_map(|m| m.receiver.as_ref().and_then(PartyRef::customer))
            }),
    };
    if customer.is_none() && errors.is_empty() {
        errors.add("customer", MISSING);
    }
    errors.check(MSG)?;

    // Everything is valid: write.
    let id = s.next_ticket_id();
    let now = s.now();
    let customer_id = customer.and_then(|c| match messages::resolve_party(s, origin, c) {
        Party::Customer { id } => Some(id),
        Party::User { .. } | Party::Address { .. } => None,
    });
    let tag_ids = tags::resolve(s, origin, input.tags.value().unwrap_or_default());
    let first = inputs.first().map(|m| (m.channel.clone(), m.from_agent));
    let status = input.status.value().unwrap_or_else(|| "open".into());
    let mut extra = Map::new();
    if let Some(split) = split_from {
        extra.insert("split_from".into(), json!(split));
    }
    let ticket = Ticket {
        id,
        external_id: input.external_id.value(),
        subject: input.subject.value(),
        closed_datetime: input
            .closed
            .value()
            .or_else(|| (status == "closed").then_some(now)),
        status,
        priority: input.priority.value().unwrap_or_else(|| "normal".into()),
        channel: input
            .channel
            .value()
            .or_else(|| first.as_ref().map(|f| f.0.clone()))
            .unwrap_or_else(|| "api".into()),
        via: input.via.value().unwrap_or_else(|| "api".into()),
        from_agent: input
            .from_agent
            .value()
            .or(first.map(|f| f.1))
            .unwrap_or(false),
        spam: input.spam.value().unwrap_or(false),
        imported: input.imported.value().unwrap_or(false),
        is_unread: false,
        language: input.language.value(),
        customer_id,
        assignee_user_id: input.assignee_user.value(),
        meta: input.meta.value(),
        tag_ids,
        custom_fields: input
            .custom_fields
            .value()
            .unwrap_or_default()
            .into_iter()
            .collect(),
        message_ids: Vec::new(),
        created_datetime: input.created.value().unwrap_or(now),
        updated_datetime: input.updated.value().unwrap_or(now),
        opened_datetime: input.opened.value(),
        last_message_datetime: input.last_message.value(),
        last_received_message_datetime: input.last_received.value(),
        snooze_datetime: input.snooze.value(),
        trashed_datetime: input.trashed.value(),
        extra,
    };
    s.tickets.insert(id, ticket);
    s.record_event(origin, "ticket-created", "Ticket", id, json!({}));
    for m in inputs {
        messages::insert(s, origin, id, m);
    }
    // Derived datetimes the client did not give.
    let (latest, latest_received) = {
        let ticket = &s.tickets[&id];
        let dates = ticket.message_ids.iter().filter_map(|m| s.messages.get(m));
        let latest = dates.clone().map(|m| m.created_datetime).max();
        let received = dates
            .filter(|m| !m.from_agent && m.channel != INTERNAL_NOTE)
            .map(|m| m.created_datetime)
            .max();
        (latest, received)
    };
    if let Some(ticket) = s.tickets.get_mut(&id) {
        ticket.last_message_datetime = ticket.last_message_datetime.or(latest);
        ticket.last_received_message_datetime =
            ticket.last_received_message_datetime.or(latest_received);
    }
    s.fire_rules(origin, "ticket-created", id);
    Ok(id)
}

pub async fn create_handler(AxState(app): AxState<Arc<App>>, JsonBody(body): JsonBody) -> Reply {
    let value = app.store.write(|s| {
        let id = create(s, Origin::Api, &body)?;
        Ok(render::ticket(s, &s.tickets[&id], true))
    })?;
    created(value)
}

/// `PUT /api/tickets/{id}`.
pub fn update(s: &mut State, origin: Origin, id: u64, body: &Value) -> Result<(), ApiError> {
    const MSG: &str = "Failed to update the ticket.";
    let Some(existing) = s.tickets.get(&id).cloned() else {
        return Err(ApiError::not_found("Ticket"));
    };
    let mut errors = FieldErrors::new();
    let Some(obj) = body_object(body, &mut errors) else {
        return Err(ApiError::validation(MSG, errors));
    };
    let input = parse(obj, s, false, &mut errors);
    for (field, key) in [
        (&input.status, "status"),
        (&input.priority, "priority"),
        (&input.via, "via"),
        (&input.channel, "channel"),
    ] {
        not_null(field, key, &mut errors);
    }
    not_null(&input.created, "created_datetime", &mut errors);
    not_null(&input.customer, "customer", &mut errors);
    errors.check(MSG)?;

    let now = s.now();
    let mut t = existing;
    let old_assignee = t.assignee_user_id;
    if let Some(customer) = input.customer.value() {
        t.customer_id = Some(match customer {
            CustomerRef::Id(id) => id,
            CustomerRef::Email { email, name } => {
                customers::find_or_create(s, origin, &email, name.as_deref())
            }
        });
    }
    if let Some(tag_refs) = input.tags.update() {
        t.tag_ids = tags::resolve(s, origin, tag_refs.unwrap_or_default());
    }
    if let Some(values) = input.custom_fields.value() {
        t.custom_fields.extend(values);
    }
    if let Some(status) = input.status.value() {
        if status != t.status {
            if status == "closed" && input.closed.is_absent() {
                t.closed_datetime = Some(now);
            }
            if status == "open" && input.closed.is_absent() {
                t.closed_datetime = None;
            }
        }
        t.status = status;
    }
    macro_rules! set {
        ($field:ident, $input:expr) => {
            if let Some(v) = $input.update() {
                t.$field = v;
            }
        };
    }
    set!(external_id, input.external_id);
    set!(subject, input.subject);
    set!(language, input.language);
    set!(assignee_user_id, input.assignee_user);
    set!(meta, input.meta);
    set!(opened_datetime, input.opened);
    set!(closed_datetime, input.closed);
    set!(last_message_datetime, input.last_message);
    set!(last_received_message_datetime, input.last_received);
    set!(snooze_datetime, input.snooze);
    set!(trashed_datetime, input.trashed);
    if let Some(v) = input.priority.value() {
        t.priority = v;
    }
    if let Some(v) = input.channel.value() {
        t.channel = v;
    }
    if let Some(v) = input.via.value() {
        t.via = v;
    }
    if let Some(v) = input.created.value() {
        t.created_datetime = v;
    }
    t.from_agent = input.from_agent.value().unwrap_or(t.from_agent);
    t.spam = input.spam.value().unwrap_or(t.spam);
    t.imported = input.imported.value().unwrap_or(t.imported);
    t.is_unread = input.is_unread.value().unwrap_or(t.is_unread);
    t.updated_datetime = input.updated.value().unwrap_or(now);
    let assigned = t.assignee_user_id.is_some() && t.assignee_user_id != old_assignee;
    s.tickets.insert(id, t);
    s.record_event(origin, "ticket-updated", "Ticket", id, json!({}));
    s.fire_rules(origin, "ticket-updated", id);
    if assigned {
        s.fire_rules(origin, "ticket-assigned", id);
    }
    Ok(())
}

pub async fn update_handler(
    AxState(app): AxState<Arc<App>>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Reply {
    let id = parse_id(&id, "Ticket")?;
    let value = app.store.write(|s| {
        update(s, Origin::Api, id, &body)?;
        Ok(render::ticket(s, &s.tickets[&id], true))
    })?;
    ok(value)
}

/// Deletes a ticket with everything that belongs to it.
pub fn remove(s: &mut State, origin: Origin, id: u64) -> bool {
    let Some(ticket) = s.tickets.remove(&id) else {
        return false;
    };
    for m in &ticket.message_ids {
        s.messages.remove(m);
    }
    s.surveys.retain(|_, survey| survey.ticket_id != id);
    s.record_event(origin, "ticket-deleted", "Ticket", id, json!({}));
    true
}

pub async fn delete(AxState(app): AxState<Arc<App>>, Path(id): Path<String>) -> Reply {
    super::delete_one(&app, &id, "Ticket", |s, id| remove(s, Origin::Api, id))
}

pub async fn get_one(
    AxState(app): AxState<Arc<App>>,
    Path(id): Path<String>,
    params: Params,
) -> Reply {
    params.only(&["relationships"])?;
    let id = parse_id(&id, "Ticket")?;
    app.store.read(|s| match s.tickets.get(&id) {
        Some(t) => ok(render::ticket(s, t, true)),
        None => Err(ApiError::not_found("Ticket")),
    })
}

pub const LIST: ListSpec = ListSpec {
    orders: &["created_datetime", "updated_datetime"],
    default_order: ("created_datetime", Direction::Desc),
    default_limit: DEFAULT_LIMIT,
    filters: &["customer_id", "external_id", "ticket_ids", "trashed"],
};

pub async fn list(AxState(app): AxState<Arc<App>>, uri: Uri, params: Params) -> Reply {
    let query = list_query(&uri, params, &LIST)?;
    let customer_id = super::id_param(&query, "customer_id")?;
    let trashed = super::bool_param(&query, "trashed")?.unwrap_or(false);
    let mut ticket_ids = Vec::new();
    for text in query.params("ticket_ids") {
        for part in text.split(',').filter(|p| !p.trim().is_empty()) {
            ticket_ids.push(part.trim().parse::<u64>().map_err(|_| {
                ApiError::field("Invalid query parameters.", "ticket_ids", NOT_INTEGER)
            })?);
        }
    }
    let external_id = query.param("external_id").map(str::to_string);
    app.store.read(|s| {
        let keys = s
            .tickets
            .values()
            .filter(|t| customer_id.is_none_or(|c| t.customer_id == Some(c)))
            .filter(|t| {
                external_id
                    .as_ref()
                    .is_none_or(|x| t.external_id.as_ref() == Some(x))
            })
            .filter(|t| ticket_ids.is_empty() || ticket_ids.contains(&t.id))
            .filter(|t| t.trashed_datetime.is_some() == trashed)
            .map(|t| {
                let key = if query.order_field == "updated_datetime" {
                    t.updated_datetime
                } else {
                    t.created_datetime
                };
                (SortKey::time(key), t.id)
            })
            .collect();
        list_reply(s, &query, keys, |s, id| {
            s.tickets.get(&id).map(|t| render::ticket(s, t, false))
        })
    })
}

// --- /api/tickets/{id}/tags -------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq)]
enum TagChange {
    Add,
    Replace,
    Remove,
}

fn tag_list(s: &State, id: u64) -> Value {
    let data = s
        .tickets
        .get(&id)
        .map(|t| {
            t.tag_ids
                .iter()
                .filter_map(|tag| s.tags.get(tag))
                .map(|tag| render::tag(s, tag))
                .collect()
        })
        .unwrap_or_default();
    whole_list(format!("/api/tickets/{id}/tags"), data)
}

/// Body `{ids?: [...], names?: [...]}` (BP).
fn change_tags(s: &mut State, id: u64, body: &Value, change: TagChange) -> Result<(), ApiError> {
    const MSG: &str = "Failed to update the ticket tags.";
    if !s.tickets.contains_key(&id) {
        return Err(ApiError::not_found("Ticket"));
    }
    let mut errors = FieldErrors::new();
    let Some(obj) = body_object(body, &mut errors) else {
        return Err(ApiError::validation(MSG, errors));
    };
    reject_unknown(obj, &["ids", "names"], &mut errors);
    let mut refs: Vec<TagRef> = Vec::new();
    if let Field::Set(items) = array(obj, "ids", &mut errors) {
        for (i, item) in items.iter().enumerate() {
            match item.as_u64().filter(|t| s.tags.contains_key(t)) {
                Some(t) => refs.push(TagRef::Id(t)),
                None => errors.nested("ids").add(i.to_string(), "Tag not found."),
            }
        }
    }
    if let Field::Set(items) = array(obj, "names", &mut errors) {
        for (i, item) in items.iter().enumerate() {
            match item.as_str() {
                Some(name) if (1..=256).contains(&name.chars().count()) => {
                    refs.push(TagRef::Name(name.to_string(), None))
                }
                _ => errors
                    .nested("names")
                    .add(i.to_string(), "Must be a tag name of 1 to 256 characters."),
            }
        }
    }
    errors.check(MSG)?;
    let ids = match change {
        TagChange::Remove => refs
            .into_iter()
            .filter_map(|r| match r {
                TagRef::Id(id) => Some(id),
                TagRef::Name(name, _) => s.tag_by_name(&name),
            })
            .collect(),
        _ => tags::resolve(s, Origin::Api, refs),
    };
    let now = s.now();
    if let Some(t) = s.tickets.get_mut(&id) {
        match change {
            TagChange::Add => {
                for tag in ids {
                    if !t.tag_ids.contains(&tag) {
                        t.tag_ids.push(tag);
                    }
                }
            }
            TagChange::Replace => t.tag_ids = ids,
            TagChange::Remove => t.tag_ids.retain(|tag| !ids.contains(tag)),
        }
        t.updated_datetime = now;
    }
    s.record_event(
        Origin::Api,
        "ticket-updated",
        "Ticket",
        id,
        json!({"tags": true}),
    );
    s.fire_rules(Origin::Api, "ticket-updated", id);
    Ok(())
}

pub async fn list_tags(AxState(app): AxState<Arc<App>>, Path(id): Path<String>) -> Reply {
    let id = parse_id(&id, "Ticket")?;
    app.store.read(|s| {
        if !s.tickets.contains_key(&id) {
            return Err(ApiError::not_found("Ticket"));
        }
        ok(tag_list(s, id))
    })
}

async fn tags_reply(app: Arc<App>, id: String, body: Value, change: TagChange) -> Reply {
    let id = parse_id(&id, "Ticket")?;
    let value = app.store.write(|s| {
        change_tags(s, id, &body, change)?;
        Ok(tag_list(s, id))
    })?;
    let status = match change {
        TagChange::Add => StatusCode::CREATED,
        TagChange::Replace => StatusCode::ACCEPTED,
        TagChange::Remove => return no_content(),
    };
    Ok((status, Json(value)).into_response())
}

/// `POST`: adds (201).
pub async fn add_tags(
    AxState(app): AxState<Arc<App>>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Reply {
    tags_reply(app, id, body, TagChange::Add).await
}

/// `PUT`: replaces (202).
pub async fn replace_tags(
    AxState(app): AxState<Arc<App>>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Reply {
    tags_reply(app, id, body, TagChange::Replace).await
}

/// `DELETE`: removes the given tags (204).
pub async fn remove_tags(
    AxState(app): AxState<Arc<App>>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Reply {
    tags_reply(app, id, body, TagChange::Remove).await
}
