//! Ticket messages (reference §4.2, §7): inline in `POST /api/tickets` and
//! through `POST /api/tickets/{id}/messages`.
//!
//! Sending (CM, documented): a message created with `sent_datetime` is
//! history and is not sent; one created without it is sent by Gorgias; an
//! `internal-note` is never sent. The emulator "sends" at once: it fills
//! `sent_datetime` and records a [`SendRecord`] — the evidence that a
//! migration sent something it must not.
//!
//! Sender and receiver (CMT for incoming, inferred for outgoing):
//! - incoming (`from_agent: false`): `sender` must be a customer, by `id` or
//!   `email` (an unknown e-mail creates the customer); `receiver` optional.
//! - outgoing (`from_agent: true`): `sender` is a user (by `id` or `email`;
//!   the API user when omitted); `receiver` is a customer and required,
//!   except on internal notes.
//!
//! A message needs a body (`body_text` or `body_html`) or an attachment
//! (inferred: Gorgias refuses empty messages).

use super::super::errors::{ApiError, FieldErrors};
use super::super::pagination::{Direction, ListSpec, SortKey, DEFAULT_LIMIT};
use super::super::render;
use super::super::store::model::*;
use super::super::store::{Origin, State};
use super::super::validate::*;
use super::super::vocab::{self, INTERNAL_NOTE};
use super::super::App;
use super::{
    created, customers, list_query, list_reply, no_content, ok, parse_id, JsonBody, Params, Reply,
};
use axum::extract::{Path, State as AxState};
use axum::http::Uri;
use serde_json::{json, Map, Value};
use std::sync::Arc;

/// Most messages one `POST /api/tickets` may carry (CT).
pub const MAX_INLINE_MESSAGES: usize = 500;

const FIELDS: &[&str] = &[
    "actions",
    "attachments",
    "body_html",
    "body_text",
    "channel",
    "created_datetime",
    "deleted_datetime",
    "external_id",
    "failed_datetime",
    "from_agent",
    "headers",
    "imported",
    "integration_id",
    "last_sending_error",
    "macros",
    "mention_ids",
    "message_id",
    "meta",
    "opened_datetime",
    "public",
    "receiver",
    "sender",
    "sent_datetime",
    "source",
    "stripped_html",
    "stripped_signature",
    "stripped_text",
    "subject",
    "via",
];

/// Kept as given and echoed back.
const PASSTHROUGH_STRINGS: &[&str] = &["stripped_html", "stripped_signature", "stripped_text"];
const PASSTHROUGH_TIMES: &[&str] = &["failed_datetime", "opened_datetime", "deleted_datetime"];
const PASSTHROUGH_OBJECTS: &[&str] = &["headers", "meta", "last_sending_error"];
const PASSTHROUGH_LISTS: &[&str] = &["macros", "actions", "mention_ids"];

const PARTY_FIELDS: &[&str] = &[
    "id",
    "email",
    "name",
    "firstname",
    "lastname",
    "external_id",
    "note",
    "timezone",
    "language",
    "meta",
    "channels",
];

/// A sender or receiver, resolved as far as possible without writing.
#[derive(Debug, Clone, PartialEq)]
pub enum PartyRef {
    User(u64),
    Customer(u64),
    /// A customer found or created by e-mail when the message is stored.
    CustomerByEmail {
        email: String,
        name: Option<String>,
    },
    Address {
        email: Option<String>,
        name: Option<String>,
    },
}

impl PartyRef {
    /// The customer this party is or will be, if any.
    pub fn customer(&self) -> Option<PartyRef> {
        match self {
            PartyRef::Customer(_) | PartyRef::CustomerByEmail { .. } => Some(self.clone()),
            _ => None,
        }
    }
}

/// A validated message, ready to store.
#[derive(Debug, Clone)]
pub struct MessageInput {
    pub channel: String,
    pub via: String,
    pub from_agent: bool,
    pub public: bool,
    pub sender: Option<PartyRef>,
    pub receiver: Option<PartyRef>,
    pub source: Option<Value>,
    pub subject: Option<String>,
    pub body_text: Option<String>,
    pub body_html: Option<String>,
    pub attachments: Vec<Attachment>,
    pub external_id: Option<String>,
    pub message_id: Option<String>,
    pub imported: bool,
    pub created_datetime: Option<Timestamp>,
    pub sent_datetime: Option<Timestamp>,
    pub extra: Map<String, Value>,
}

enum Role {
    /// Must be a user (outgoing sender, note author).
    User,
    /// Must be a customer; unknown e-mails create one.
    Customer,
    /// A user if one matches, else a customer by id, else a bare address.
    Anyone,
}

fn party(
    obj: &Map<String, Value>,
    key: &str,
    role: Role,
    s: &State,
    errors: &mut FieldErrors,
) -> Field<PartyRef> {
    let inner = match object(obj, key, errors) {
        Field::Set(inner) => inner,
        Field::Null => return Field::Null,
        Field::Absent => return Field::Absent,
    };
    let mut nested = FieldErrors::new();
    reject_unknown(inner, PARTY_FIELDS, &mut nested);
    let id = integer(inner, "id", &mut nested).value();
    let email = email(inner, "email", &mut nested).value();
    let name = string(inner, "name", None, &mut nested).value();
    let found = match (&role, id, &email) {
        (_, Some(id), _) if id <= 0 => {
            nested.add("id", NOT_INTEGER);
            None
        }
        (Role::User, Some(id), _) => match s.users.get(&(id as u64)) {
            Some(_) => Some(PartyRef::User(id as u64)),
            None => {
                nested.add("id", "User not found.");
                None
            }
        },
        (Role::User, None, Some(email)) => match s.user_by_email(email) {
            Some(id) => Some(PartyRef::User(id)),
            None => {
                nested.add("email", "No user with this email address.");
                None
            }
        },
        (Role::Customer, Some(id), _) => match s.customers.get(&(id as u64)) {
            Some(_) => Some(PartyRef::Customer(id as u64)),
            None => {
                nested.add("id", "Customer not found.");
                None
            }
        },
        (Role::Customer, None, Some(email)) => Some(match s.customer_by_email(email) {
            Some(id) => PartyRef::Customer(id),
            None => PartyRef::CustomerByEmail {
                email: email.clone(),
                name: name.clone(),
            },
        }),
        (Role::Anyone, Some(id), _) => {
            let id = id as u64;
            if s.users.contains_key(&id) {
                Some(PartyRef::User(id))
            } else if s.customers.contains_key(&id) {
                Some(PartyRef::Customer(id))
            } else {
                nested.add("id", "Not found.");
                None
            }
        }
        (Role::Anyone, None, Some(email)) => Some(
            s.user_by_email(email)
                .map(PartyRef::User)
                .or_else(|| s.customer_by_email(email).map(PartyRef::Customer))
                .unwrap_or(PartyRef::Address {
                    email: Some(email.clone()),
                    name: name.clone(),
                }),
        ),
        (_, None, None) => {
            if nested.is_empty() {
                nested.add("_schema", "Either id or email is required.");
            }
            None
        }
    };
    errors.merge_into(key, nested);
    match found {
        Some(p) => Field::Set(p),
        None => Field::Absent,
    }
}

fn attachments(obj: &Map<String, Value>, errors: &mut FieldErrors) -> Vec<Attachment> {
    let Field::Set(items) = array(obj, "attachments", errors) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let mut e = FieldErrors::new();
        if let Some(attachment) = body_object(item, &mut e).and_then(|a| attachment(a, &mut e)) {
            out.push(attachment);
        }
        errors.merge_item("attachments", i.to_string(), e);
    }
    out
}

fn attachment(a: &Map<String, Value>, e: &mut FieldErrors) -> Option<Attachment> {
    reject_unknown(
        a,
        &["url", "name", "content_type", "size", "public", "extra"],
        e,
    );
    let url = required_string(a, "url", Some(Len::between(1, 2048)), e);
    let name = required_string(a, "name", Some(Len::between(1, 1024)), e);
    let content_type = required_string(a, "content_type", Some(Len::between(1, 255)), e);
    // Documented as an integer, shown as a string in examples: take both.
    let size = match a.get("size") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) if n.as_u64().is_some() => n.as_u64(),
        Some(Value::String(t)) if t.parse::<u64>().is_ok() => t.parse::<u64>().ok(),
        Some(_) => {
            e.add("size", NOT_INTEGER);
            None
        }
    };
    let mut extra = Map::new();
    if let Field::Set(public) = boolean(a, "public", e) {
        extra.insert("public".into(), Value::Bool(public));
    }
    if let Field::Set(x) = free_object(a, "extra", e) {
        extra.insert("extra".into(), x);
    }
    Some(Attachment {
        url: url?,
        name: name?,
        content_type: content_type?,
        size,
        extra,
    })
}

fn address_list(value: &Value, errors: &mut FieldErrors) {
    match value {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                address(item, &mut *errors.nested(i.to_string()));
            }
        }
        _ => errors.add("_schema", NOT_LIST),
    }
}

fn address(value: &Value, errors: &mut FieldErrors) {
    match value {
        Value::Object(a) => {
            reject_unknown(a, &["name", "address"], errors);
            string(a, "name", None, errors);
            string(a, "address", None, errors);
        }
        _ => errors.add("_schema", NOT_OBJECT),
    }
}

fn source(obj: &Map<String, Value>, errors: &mut FieldErrors) -> Option<Value> {
    let Field::Set(src) = object(obj, "source", errors) else {
        return None;
    };
    let mut e = FieldErrors::new();
    reject_unknown(src, &["type", "from", "to", "cc", "bcc", "extra"], &mut e);
    one_of(src, "type", vocab::SOURCE_TYPES, &mut e);
    if let Some(from) = src.get("from").filter(|v| !v.is_null()) {
        address(from, e.nested("from"));
    }
    for key in ["to", "cc", "bcc"] {
        if let Some(list) = src.get(key).filter(|v| !v.is_null()) {
            address_list(list, e.nested(key));
        }
    }
    free_object(src, "extra", &mut e);
    let valid = e.is_empty();
    errors.merge_into("source", e);
    valid.then(|| Value::Object(src.clone()))
}

/// Validates one message body. Errors are relative to the message.
pub fn parse(
    obj: &Map<String, Value>,
    s: &State,
    errors: &mut FieldErrors,
) -> Option<MessageInput> {
    reject_unknown(obj, FIELDS, errors);
    let channel = required_string(obj, "channel", None, errors);
    if let Some(c) = &channel {
        if !vocab::is_channel(c) {
            errors.add(
                "channel",
                "Must be a channel slug (e.g. email, api, chat, internal-note).",
            );
        }
    }
    let from_agent = required_bool(obj, "from_agent", errors);
    let via = one_of(obj, "via", vocab::REQUEST_VIAS, errors)
        .value()
        .unwrap_or_else(|| "api".into());
    let is_note = channel.as_deref() == Some(INTERNAL_NOTE);
    let public = boolean(obj, "public", errors).value().unwrap_or(!is_note);
    let outgoing = from_agent.unwrap_or(false);
    let (sender, receiver) = if from_agent.is_none() {
        (None, None)
    } else if outgoing || is_note {
        let sender = party(obj, "sender", Role::User, s, errors).value();
        let receiver_role = if is_note {
            Role::Anyone
        } else {
            Role::Customer
        };
        let receiver = match party(obj, "receiver", receiver_role, s, errors) {
            Field::Set(r) => Some(r),
            _ => {
                if !is_note && !obj.contains_key("receiver") {
                    errors.add("receiver", MISSING);
                }
                None
            }
        };
        (
            Some(sender.unwrap_or(PartyRef::User(s.caller_user_id))),
            receiver,
        )
    } else {
        let sender = match party(obj, "sender", Role::Customer, s, errors) {
            Field::Set(p) => Some(p),
            _ => {
                if !obj.contains_key("sender") {
                    errors.add("sender", MISSING);
                }
                None
            }
        };
        let receiver = party(obj, "receiver", Role::Anyone, s, errors).value();
        (sender, receiver)
    };
    let source = source(obj, errors);
    let subject = string(obj, "subject", Some(Len::max(998)), errors).value();
    let body_text = string(obj, "body_text", None, errors).value();
    let body_html = string(obj, "body_html", None, errors).value();
    let attachments = attachments(obj, errors);
    let blank = |b: &Option<String>| b.as_deref().is_none_or(|t| t.trim().is_empty());
    let lists_attachments =
        matches!(obj.get("attachments"), Some(Value::Array(a)) if !a.is_empty());
    if blank(&body_text) && blank(&body_html) && !lists_attachments {
        errors.add(
            "body_text",
            "A message needs a body_text, a body_html or attachments.",
        );
    }
    let external_id = string(obj, "external_id", Some(Len::max(255)), errors).value();
    let message_id = string(obj, "message_id", Some(Len::max(998)), errors).value();
    let imported = boolean(obj, "imported", errors).value().unwrap_or(false);
    let created_datetime = datetime(obj, "created_datetime", errors).value();
    let sent_datetime = datetime(obj, "sent_datetime", errors).value();
    let mut extra = Map::new();
    for key in PASSTHROUGH_STRINGS {
        if let Field::Set(v) = string(obj, key, None, errors) {
            extra.insert((*key).into(), Value::String(v));
        }
    }
    for key in PASSTHROUGH_TIMES {
        if let Field::Set(v) = datetime(obj, key, errors) {
            extra.insert((*key).into(), render::time(&v));
        }
    }
    for key in PASSTHROUGH_OBJECTS {
        if let Field::Set(v) = free_object(obj, key, errors) {
            extra.insert((*key).into(), v);
        }
    }
    for key in PASSTHROUGH_LISTS {
        if let Field::Set(v) = array(obj, key, errors) {
            extra.insert((*key).into(), Value::Array(v.clone()));
        }
    }
    if let Field::Set(v) = integer(obj, "integration_id", errors) {
        extra.insert("integration_id".into(), json!(v));
    }
    Some(MessageInput {
        channel: channel?,
        via,
        from_agent: from_agent?,
        public,
        sender,
        receiver,
        source,
        subject,
        body_text,
        body_html,
        attachments,
        external_id,
        message_id,
        imported,
        created_datetime,
        sent_datetime,
        extra,
    })
}

/// Turns a [`PartyRef`] into a stored party, creating the customer of a
/// [`PartyRef::CustomerByEmail`] if an earlier message has not already.
pub fn resolve_party(s: &mut State, origin: Origin, p: PartyRef) -> Party {
    match p {
        PartyRef::User(id) => Party::User { id },
        PartyRef::Customer(id) => Party::Customer { id },
        PartyRef::CustomerByEmail { email, name } => Party::Customer {
            id: customers::find_or_create(s, origin, &email, name.as_deref()),
        },
        PartyRef::Address { email, name } => Party::Address { email, name },
    }
}

/// Stores a validated message on `ticket_id` (which must exist) and
/// returns its id. Does not touch the ticket's own datetimes.
pub fn insert(s: &mut State, origin: Origin, ticket_id: u64, input: MessageInput) -> u64 {
    let id = s.next_message_id();
    let now = s.now();
    let sender = input.sender.map(|p| resolve_party(s, origin, p));
    let receiver = input.receiver.map(|p| resolve_party(s, origin, p));
    let is_note = input.channel == INTERNAL_NOTE;
    // The documented rule: no sent_datetime and not a note → Gorgias sends it.
    let sends = input.sent_datetime.is_none() && !is_note && origin == Origin::Api;
    let sent_datetime = if sends {
        Some(now)
    } else {
        input.sent_datetime
    };
    if sends {
        s.record_send(SendRecord {
            kind: SendKind::Message,
            ticket_id,
            message_id: Some(id),
            survey_id: None,
            channel: Some(input.channel.clone()),
            at: now,
        });
    }
    let message = Message {
        id,
        ticket_id,
        external_id: input.external_id,
        message_id: input.message_id,
        channel: input.channel,
        via: input.via,
        from_agent: input.from_agent,
        public: input.public,
        sender,
        receiver,
        source: input.source,
        subject: input.subject,
        body_text: input.body_text,
        body_html: input.body_html,
        attachments: input.attachments,
        imported: input.imported,
        created_datetime: input.created_datetime.unwrap_or(now),
        sent_datetime,
        sent_by_emulator: sends,
        extra: input.extra,
    };
    s.messages.insert(id, message);
    if let Some(ticket) = s.tickets.get_mut(&ticket_id) {
        ticket.message_ids.push(id);
    }
    s.record_event(
        origin,
        "ticket-message-created",
        "TicketMessage",
        id,
        json!({"ticket_id": ticket_id}),
    );
    id
}

/// `POST /api/tickets/{id}/messages`.
pub fn create(
    s: &mut State,
    origin: Origin,
    ticket_id: u64,
    body: &Value,
) -> Result<u64, ApiError> {
    if !s.tickets.contains_key(&ticket_id) {
        return Err(ApiError::not_found("Ticket"));
    }
    let mut errors = FieldErrors::new();
    let input = body_object(body, &mut errors).and_then(|obj| parse(obj, s, &mut errors));
    errors.check("Failed to add message.")?;
    let Some(input) = input else {
        return Err(ApiError::bad_request("Failed to add message."));
    };
    let incoming = !input.from_agent && input.channel != INTERNAL_NOTE;
    let id = insert(s, origin, ticket_id, input);
    let created_at = s.messages.get(&id).map(|m| m.created_datetime);
    let now = s.now();
    if let Some(ticket) = s.tickets.get_mut(&ticket_id) {
        ticket.updated_datetime = now;
        if let Some(at) = created_at {
            ticket.last_message_datetime =
                Some(ticket.last_message_datetime.map_or(at, |t| t.max(at)));
            if incoming {
                ticket.last_received_message_datetime = Some(
                    ticket
                        .last_received_message_datetime
                        .map_or(at, |t| t.max(at)),
                );
            }
        }
    }
    s.fire_rules(origin, "ticket-message-created", ticket_id);
    Ok(id)
}

pub async fn create_handler(
    AxState(app): AxState<Arc<App>>,
    Path(ticket_id): Path<String>,
    params: Params,
    JsonBody(body): JsonBody,
) -> Reply {
    // `?action=force|retry|cancel` steer sending; nothing to steer here.
    params.only(&["action"])?;
    let ticket_id = parse_id(&ticket_id, "Ticket")?;
    let value = app.store.write(|s| {
        let id = create(s, Origin::Api, ticket_id, &body)?;
        Ok(s.messages
            .get(&id)
            .map(|m| render::message(s, m))
            .unwrap_or(Value::Null))
    })?;
    created(value)
}

/// `created_datetime` order, like Gorgias (newest first by default).
pub const LIST: ListSpec = ListSpec {
    orders: &["created_datetime"],
    default_order: ("created_datetime", Direction::Desc),
    default_limit: DEFAULT_LIMIT,
    filters: &["ticket_id"],
};

fn keys_for(s: &State, ticket_id: Option<u64>) -> Vec<(SortKey, u64)> {
    match ticket_id {
        Some(tid) => s
            .tickets
            .get(&tid)
            .map(|t| {
                t.message_ids
                    .iter()
                    .filter_map(|id| s.messages.get(id))
                    .map(|m| (SortKey::time(m.created_datetime), m.id))
                    .collect()
            })
            .unwrap_or_default(),
        None => s
            .messages
            .values()
            .map(|m| (SortKey::time(m.created_datetime), m.id))
            .collect(),
    }
}

fn render_one(s: &State, id: u64) -> Option<Value> {
    s.messages.get(&id).map(|m| render::message(s, m))
}

/// `GET /api/messages?ticket_id=`.
pub async fn list(AxState(app): AxState<Arc<App>>, uri: Uri, params: Params) -> Reply {
    let query = list_query(&uri, params, &LIST)?;
    let ticket_id = super::id_param(&query, "ticket_id")?;
    app.store
        .read(|s| list_reply(s, &query, keys_for(s, ticket_id), render_one))
}

/// `GET /api/tickets/{id}/messages` (deprecated in favour of the above).
pub async fn list_for_ticket(
    AxState(app): AxState<Arc<App>>,
    Path(ticket_id): Path<String>,
    uri: Uri,
    params: Params,
) -> Reply {
    let ticket_id = parse_id(&ticket_id, "Ticket")?;
    let spec = ListSpec {
        filters: &[],
        ..LIST
    };
    let query = list_query(&uri, params, &spec)?;
    app.store.read(|s| {
        if !s.tickets.contains_key(&ticket_id) {
            return Err(ApiError::not_found("Ticket"));
        }
        list_reply(s, &query, keys_for(s, Some(ticket_id)), render_one)
    })
}

fn find(s: &State, ticket_id: &str, message_id: &str) -> Result<(u64, u64), ApiError> {
    let tid = parse_id(ticket_id, "Ticket")?;
    let mid = parse_id(message_id, "Message")?;
    match s.messages.get(&mid) {
        Some(m) if m.ticket_id == tid => Ok((tid, mid)),
        _ => Err(ApiError::not_found("Message")),
    }
}

pub async fn get_one(
    AxState(app): AxState<Arc<App>>,
    Path((ticket_id, message_id)): Path<(String, String)>,
) -> Reply {
    app.store.read(|s| {
        let (_, mid) = find(s, &ticket_id, &message_id)?;
        ok(render_one(s, mid).unwrap_or(Value::Null))
    })
}

pub async fn delete(
    AxState(app): AxState<Arc<App>>,
    Path((ticket_id, message_id)): Path<(String, String)>,
) -> Reply {
    app.store.write(|s| {
        let (tid, mid) = find(s, &ticket_id, &message_id)?;
        s.messages.remove(&mid);
        let now = s.now();
        if let Some(t) = s.tickets.get_mut(&tid) {
            t.message_ids.retain(|id| *id != mid);
            t.updated_datetime = now;
        }
        s.record_event(
            Origin::Api,
            "ticket-message-deleted",
            "TicketMessage",
            mid,
            json!({"ticket_id": tid}),
        );
        Ok(())
    })?;
    no_content()
}
