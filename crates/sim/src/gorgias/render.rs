//! Stored records → the JSON objects the API returns (reference §4: the
//! Ticket, TicketMessage, Customer, User, Tag, CustomField,
//! SatisfactionSurvey, Rule and Event objects).
//!
//! Datetimes are rendered as RFC 3339 with `+00:00`, one of the two forms
//! Gorgias emits (PAG). Nested people (`customer`, `assignee_user`,
//! `sender`, `receiver`) are rendered from the live records, so a rename
//! shows everywhere; a reference to a deleted record keeps only its id.

use super::store::model::*;
use super::store::State;
use chrono::SecondsFormat;
use serde_json::{json, Map, Value};

pub fn time(t: &Timestamp) -> Value {
    Value::String(t.to_rfc3339_opts(SecondsFormat::AutoSi, false))
}

pub fn opt_time(t: &Option<Timestamp>) -> Value {
    t.as_ref().map(time).unwrap_or(Value::Null)
}

fn extra_or_null(extra: &Map<String, Value>, key: &str) -> Value {
    extra.get(key).cloned().unwrap_or(Value::Null)
}

/// `firstname` / `lastname` as given, else split from `name`.
fn names(name: Option<&str>, extra: &Map<String, Value>) -> (Value, Value) {
    let (first, last) = match name {
        Some(name) => match name.trim().split_once(char::is_whitespace) {
            Some((first, last)) => (first.to_string(), last.trim().to_string()),
            None => (name.trim().to_string(), String::new()),
        },
        None => (String::new(), String::new()),
    };
    (
        extra
            .get("firstname")
            .cloned()
            .unwrap_or(Value::String(first)),
        extra
            .get("lastname")
            .cloned()
            .unwrap_or(Value::String(last)),
    )
}

pub fn user(u: &User) -> Value {
    let (firstname, lastname) = names(Some(&u.name), &u.extra);
    json!({
        "id": u.id,
        "uri": format!("/api/users/{}/", u.id),
        "external_id": u.external_id,
        "active": u.active,
        "email": u.email,
        "name": u.name,
        "firstname": firstname,
        "lastname": lastname,
        "bio": extra_or_null(&u.extra, "bio"),
        "country": extra_or_null(&u.extra, "country"),
        "language": extra_or_null(&u.extra, "language"),
        "timezone": u.extra.get("timezone").cloned().unwrap_or(json!("UTC")),
        "meta": u.extra.get("meta").cloned().unwrap_or(json!({})),
        "role": {"name": u.role},
        "created_datetime": time(&u.created_datetime),
        "updated_datetime": time(&u.updated_datetime),
        "deactivated_datetime": opt_time(&u.deactivated_datetime),
    })
}

/// A user as nested in a ticket or message.
pub fn user_ref(s: &State, id: u64) -> Value {
    match s.users.get(&id) {
        Some(u) => {
            let (firstname, lastname) = names(Some(&u.name), &u.extra);
            json!({
                "id": u.id,
                "email": u.email,
                "name": u.name,
                "firstname": firstname,
                "lastname": lastname,
                "meta": u.extra.get("meta").cloned().unwrap_or(json!({})),
            })
        }
        None => json!({"id": id}),
    }
}

fn channel(c: &CustomerChannel) -> Value {
    json!({
        "id": c.id,
        "type": c.kind,
        "address": c.address,
        "preferred": c.preferred,
        "created_datetime": time(&c.created_datetime),
        "deleted_datetime": null,
    })
}

pub fn customer(c: &Customer) -> Value {
    let (firstname, lastname) = names(c.name.as_deref(), &c.extra);
    json!({
        "id": c.id,
        "uri": format!("/api/customers/{}/", c.id),
        "external_id": c.external_id,
        "active": true,
        "email": c.email,
        "name": c.name,
        "firstname": firstname,
        "lastname": lastname,
        "language": extra_or_null(&c.extra, "language"),
        "timezone": c.extra.get("timezone").cloned().unwrap_or(json!("UTC")),
        "note": extra_or_null(&c.extra, "note"),
        "channels": c.channels.iter().map(channel).collect::<Vec<_>>(),
        "data": c.data.clone().unwrap_or(Value::Null),
        "meta": c.extra.get("meta").cloned().unwrap_or(json!({})),
        "integrations": {},
        "created_datetime": time(&c.created_datetime),
        "updated_datetime": time(&c.updated_datetime),
    })
}

/// A customer as nested in a ticket or message.
pub fn customer_ref(s: &State, id: u64) -> Value {
    match s.customers.get(&id) {
        Some(c) => {
            let (firstname, lastname) = names(c.name.as_deref(), &c.extra);
            json!({
                "id": c.id,
                "email": c.email,
                "name": c.name,
                "firstname": firstname,
                "lastname": lastname,
                "external_id": c.external_id,
                "channels": c.channels.iter().map(channel).collect::<Vec<_>>(),
                "meta": c.extra.get("meta").cloned().unwrap_or(json!({})),
            })
        }
        None => json!({"id": id}),
    }
}

pub fn party(s: &State, p: &Party) -> Value {
    match p {
        Party::User { id } => user_ref(s, *id),
        Party::Customer { id } => customer_ref(s, *id),
        Party::Address { email, name } => json!({"id": null, "email": email, "name": name}),
    }
}

pub fn tag(s: &State, t: &Tag) -> Value {
    json!({
        "id": t.id,
        "uri": format!("/api/tags/{}/", t.id),
        "name": t.name,
        "description": t.description,
        "decoration": t.decoration,
        "usage": s.tag_usage(t.id),
        "created_datetime": time(&t.created_datetime),
        "deleted_datetime": null,
    })
}

/// A tag as nested in a ticket.
pub fn tag_ref(t: &Tag) -> Value {
    json!({
        "id": t.id,
        "uri": format!("/api/tags/{}/", t.id),
        "name": t.name,
        "decoration": t.decoration,
    })
}

pub fn custom_field(f: &CustomField) -> Value {
    json!({
        "id": f.id,
        "uri": format!("/api/custom-fields/{}/", f.id),
        "external_id": f.external_id,
        "object_type": f.object_type,
        "label": f.label,
        "description": extra_or_null(&f.extra, "description"),
        "priority": f.priority,
        "required": f.required,
        "requirement_type": extra_or_null(&f.extra, "requirement_type"),
        "managed_type": extra_or_null(&f.extra, "managed_type"),
        "definition": f.definition,
        "created_datetime": time(&f.created_datetime),
        "updated_datetime": time(&f.updated_datetime),
        "deactivated_datetime": opt_time(&f.deactivated_datetime),
    })
}

/// One `TicketCustomFieldValue`: `{id, field, value, prediction}`, where
/// `id` is the field's id (inferred shape, PYMCP / S-DTO).
pub fn custom_field_value(s: &State, field_id: u64, value: &Value) -> Value {
    json!({
        "id": field_id,
        "field": s.custom_fields.get(&field_id).map(custom_field).unwrap_or(json!({"id": field_id})),
        "value": value,
        "prediction": null,
    })
}

pub fn attachment(a: &Attachment) -> Value {
    let mut object = json!({
        "url": a.url,
        "name": a.name,
        "content_type": a.content_type,
        "size": a.size,
    });
    if let Value::Object(map) = &mut object {
        for (k, v) in &a.extra {
            map.insert(k.clone(), v.clone());
        }
    }
    object
}

pub fn message(s: &State, m: &Message) -> Value {
    let mut object = json!({
        "id": m.id,
        "uri": format!("/api/tickets/{}/messages/{}/", m.ticket_id, m.id),
        "message_id": m.message_id,
        "ticket_id": m.ticket_id,
        "external_id": m.external_id,
        "public": m.public,
        "channel": m.channel,
        "via": m.via,
        "source": m.source,
        "sender": m.sender.as_ref().map(|p| party(s, p)),
        "receiver": m.receiver.as_ref().map(|p| party(s, p)),
        "integration_id": null,
        "rule_id": null,
        "from_agent": m.from_agent,
        "subject": m.subject,
        "body_text": m.body_text,
        "body_html": m.body_html,
        "stripped_text": null,
        "stripped_html": null,
        "stripped_signature": null,
        "attachments": m.attachments.iter().map(attachment).collect::<Vec<_>>(),
        "macros": [],
        "actions": null,
        "headers": null,
        "meta": null,
        "imported": m.imported,
        "intents": [],
        "created_datetime": time(&m.created_datetime),
        "sent_datetime": opt_time(&m.sent_datetime),
        "failed_datetime": null,
        "opened_datetime": null,
        "deleted_datetime": null,
        "last_sending_error": null,
        "is_retriable": false,
    });
    if let Value::Object(map) = &mut object {
        for (k, v) in &m.extra {
            map.insert(k.clone(), v.clone());
        }
    }
    object
}

/// The Ticket object. Lists leave `messages` out (they carry
/// `messages_count`); a single ticket includes them in creation order.
pub fn ticket(s: &State, t: &Ticket, with_messages: bool) -> Value {
    let tags: Vec<Value> = t
        .tag_ids
        .iter()
        .filter_map(|id| s.tags.get(id))
        .map(tag_ref)
        .collect();
    let custom_fields: Map<String, Value> = t
        .custom_fields
        .iter()
        .map(|(id, value)| (id.to_string(), json!({"id": id, "value": value})))
        .collect();
    let survey = s.surveys.values().find(|v| v.ticket_id == t.id).map(survey);
    let mut object = json!({
        "id": t.id,
        "uri": format!("/api/tickets/{}/", t.id),
        "external_id": t.external_id,
        "language": t.language,
        "status": t.status,
        "priority": t.priority,
        "channel": t.channel,
        "via": t.via,
        "from_agent": t.from_agent,
        "spam": t.spam,
        "imported": t.imported,
        "is_unread": t.is_unread,
        "customer": t.customer_id.map(|id| customer_ref(s, id)),
        "assignee_user": t.assignee_user_id.map(|id| user_ref(s, id)),
        "assignee_team": null,
        "subject": t.subject,
        "meta": t.meta,
        "tags": tags,
        "custom_fields": custom_fields,
        "satisfaction_survey": survey,
        "reply_options": {},
        "integrations": [],
        "messages_count": t.message_ids.len(),
        "created_datetime": time(&t.created_datetime),
        "opened_datetime": opt_time(&t.opened_datetime),
        "last_received_message_datetime": opt_time(&t.last_received_message_datetime),
        "last_message_datetime": opt_time(&t.last_message_datetime),
        "updated_datetime": time(&t.updated_datetime),
        "closed_datetime": opt_time(&t.closed_datetime),
        "snooze_datetime": opt_time(&t.snooze_datetime),
        "trashed_datetime": opt_time(&t.trashed_datetime),
    });
    if let Value::Object(map) = &mut object {
        for (k, v) in &t.extra {
            map.insert(k.clone(), v.clone());
        }
        if with_messages {
            let messages: Vec<Value> = t
                .message_ids
                .iter()
                .filter_map(|id| s.messages.get(id))
                .map(|m| message(s, m))
                .collect();
            map.insert("messages".into(), Value::Array(messages));
        }
    }
    object
}

pub fn survey(v: &Survey) -> Value {
    json!({
        "id": v.id,
        "uri": format!("/api/satisfaction-surveys/{}/", v.id),
        "ticket_id": v.ticket_id,
        "customer_id": v.customer_id,
        "score": v.score,
        "body_text": v.body_text,
        "created_datetime": time(&v.created_datetime),
        "scored_datetime": opt_time(&v.scored_datetime),
        "sent_datetime": opt_time(&v.sent_datetime),
        "should_send_datetime": opt_time(&v.should_send_datetime),
        "meta": v.meta,
    })
}

pub fn rule(r: &Rule) -> Value {
    json!({
        "id": r.id,
        "uri": format!("/api/rules/{}/", r.id),
        "name": r.name,
        "description": extra_or_null(&r.extra, "description"),
        "code": r.code,
        "code_ast": extra_or_null(&r.extra, "code_ast"),
        "event_types": r.event_types,
        "priority": r.priority,
        "created_datetime": time(&r.created_datetime),
        "updated_datetime": time(&r.updated_datetime),
        "deactivated_datetime": opt_time(&r.deactivated_datetime),
    })
}

pub fn event(e: &Event) -> Value {
    json!({
        "id": e.id,
        "uri": format!("/api/events/{}/", e.id),
        "context": e.context,
        "created_datetime": time(&e.created_datetime),
        "data": e.data,
        "object_id": e.object_id,
        "object_type": e.object_type,
        "type": e.kind,
        "user_id": e.user_id,
    })
}

pub fn account(s: &State) -> Value {
    json!({
        "domain": s.account.domain,
        "created_datetime": time(&s.account.created_datetime),
        "deactivated_datetime": null,
        "status": {"status": "active"},
        "settings": [],
        "meta": {},
    })
}

/// Every business record as the API shows it, for before/after
/// comparisons. Events, sends, uploaded files and id sequences are left out:
/// the API offers no way to remove them, so no rollback could restore them.
pub fn snapshot(s: &State) -> Value {
    json!({
        "users": s.users.values().map(user).collect::<Vec<_>>(),
        "customers": s.customers.values().map(customer).collect::<Vec<_>>(),
        "tags": s.tags.values().map(|t| tag(s, t)).collect::<Vec<_>>(),
        "custom_fields": s.custom_fields.values().map(custom_field).collect::<Vec<_>>(),
        "tickets": s.tickets.values().map(|t| ticket(s, t, true)).collect::<Vec<_>>(),
        "satisfaction_surveys": s.surveys.values().map(survey).collect::<Vec<_>>(),
        "rules": s.rules.values().map(rule).collect::<Vec<_>>(),
    })
}
