//! Gorgias's request and response bodies (reference §4), as deskshift uses them.
//!
//! Requests are strict: only fields the API documents, optional ones left out
//! when unset (Gorgias rejects unknown fields, and an explicit `null` is not
//! always the same as an absent key). Responses are lenient: every field has
//! a default and unknown fields are ignored, so a Gorgias release that adds or
//! drops a field does not break a migration half-way.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// A Gorgias record id.
pub type Id = u64;

/// `{ "id": N }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdRef {
    pub id: Id,
}

// ---------------------------------------------------------------- requests

/// `POST /api/tickets` (reference §4.1).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewTicket {
    pub external_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    pub status: String,
    pub priority: String,
    pub channel: String,
    pub via: &'static str,
    pub from_agent: bool,
    pub customer: Party,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignee_user: Option<IdRef>,
    pub messages: Vec<NewMessage>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<TagName>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub custom_fields: Vec<FieldValue>,
    pub created_datetime: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opened_datetime: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closed_datetime: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_message_datetime: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_received_message_datetime: Option<String>,
    pub updated_datetime: String,
}

/// A message, inline in a ticket create or alone through
/// `POST /api/tickets/{id}/messages` (reference §4.2).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewMessage {
    pub external_id: String,
    pub channel: String,
    pub via: &'static str,
    pub from_agent: bool,
    pub public: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sender: Option<Party>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receiver: Option<Party>,
    pub source: MessageSource,
    pub body_text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_html: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<AttachmentRef>,
    pub created_datetime: String,
    /// Always set: a message without it is *sent* by Gorgias (invariant 4).
    pub sent_datetime: String,
}

/// A sender, receiver or ticket customer: an existing record by id, or
/// (only when no id is known) by e-mail and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Id>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl Party {
    pub fn id(id: Id) -> Party {
        Party {
            id: Some(id),
            email: None,
            name: None,
        }
    }
}

/// `message.source`: how the message travelled, for the channel icon.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MessageSource {
    #[serde(rename = "type")]
    pub source_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<Address>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

/// A file already uploaded, linked on a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentRef {
    pub url: String,
    pub name: String,
    pub content_type: String,
    pub size: u64,
}

/// `tags: [{name}]` on a ticket create: tags attach by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TagName {
    pub name: String,
}

/// One custom-field value, on a ticket create or a values PUT.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldValue {
    pub id: Id,
    pub value: Value,
}

/// `POST /api/customers` (reference §4.3).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewCustomer {
    pub external_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub channels: Vec<CustomerChannel>,
    /// Free text shown on the customer; deskshift keeps repairs here.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Sidebar data. Deprecated in create bodies by Gorgias (reference
    /// §4.3); where it is still kept it saves a `PUT …/data` call per
    /// customer (see `writer::customers::DataOnCreate`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerChannel {
    #[serde(rename = "type")]
    pub channel_type: String,
    pub address: String,
    #[serde(default)]
    pub preferred: bool,
}

/// `POST /api/users` (reference §4.4).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub role: RoleName,
    pub external_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleName {
    pub name: String,
}

/// `POST /api/tags`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewTag {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// `POST /api/custom-fields` (reference §4.6).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewCustomField {
    pub object_type: &'static str,
    pub label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub external_id: String,
    pub definition: Value,
}

/// `POST /api/satisfaction-surveys`: never with `should_send_datetime`, so
/// an imported survey is never sent (invariant 4).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewSurvey {
    pub customer_id: Id,
    pub ticket_id: Id,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_datetime: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scored_datetime: Option<String>,
}

// --------------------------------------------------------------- responses

/// A list answer: `{object, uri, data, meta{prev_cursor, next_cursor}}`.
#[derive(Debug, Clone, Deserialize)]
pub struct Page<T> {
    #[serde(default = "Vec::new")]
    pub data: Vec<T>,
    #[serde(default)]
    pub meta: PageMeta,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct PageMeta {
    #[serde(default)]
    pub next_cursor: Option<String>,
    #[serde(default)]
    pub total_resources: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Ticket {
    pub id: Id,
    pub external_id: Option<String>,
    pub subject: Option<String>,
    pub status: Option<String>,
    pub priority: Option<String>,
    pub channel: Option<String>,
    pub via: Option<String>,
    pub from_agent: Option<bool>,
    pub customer: Option<PartyOut>,
    pub assignee_user: Option<PartyOut>,
    #[serde(deserialize_with = "null_as_default")]
    pub tags: Vec<TagOut>,
    pub custom_fields: Value,
    #[serde(deserialize_with = "null_as_default")]
    pub messages: Vec<Message>,
    pub created_datetime: Option<String>,
    pub closed_datetime: Option<String>,
    pub updated_datetime: Option<String>,
}

impl Ticket {
    /// The custom-field values as `GET /api/tickets/{id}` shows them: an
    /// object keyed by field id (`{"12": {"id": 12, "value": …}}`) or a list.
    pub fn field_values(&self) -> std::collections::BTreeMap<Id, Value> {
        let items: Vec<&Value> = match &self.custom_fields {
            Value::Object(map) => map.values().collect(),
            Value::Array(items) => items.iter().collect(),
            _ => Vec::new(),
        };
        items
            .into_iter()
            .filter_map(|item| {
                let id = item
                    .get("id")
                    .and_then(Value::as_u64)
                    .or_else(|| item.pointer("/field/id").and_then(Value::as_u64))?;
                Some((id, item.get("value").cloned().unwrap_or(Value::Null)))
            })
            .collect()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Message {
    pub id: Id,
    pub ticket_id: Option<Id>,
    pub external_id: Option<String>,
    pub channel: Option<String>,
    pub via: Option<String>,
    pub from_agent: Option<bool>,
    pub public: Option<bool>,
    pub sender: Option<PartyOut>,
    pub receiver: Option<PartyOut>,
    pub source: Option<Value>,
    pub body_text: Option<String>,
    pub body_html: Option<String>,
    #[serde(deserialize_with = "null_as_default")]
    pub attachments: Vec<Uploaded>,
    pub created_datetime: Option<String>,
    pub sent_datetime: Option<String>,
}

/// A customer or user as embedded in a ticket or message.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct PartyOut {
    pub id: Id,
    pub email: Option<String>,
    pub name: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct TagOut {
    pub id: Id,
    pub name: String,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Customer {
    pub id: Id,
    pub external_id: Option<String>,
    pub email: Option<String>,
    pub name: Option<String>,
    #[serde(deserialize_with = "null_as_default")]
    pub channels: Vec<CustomerChannel>,
    pub note: Option<String>,
    pub data: Option<Value>,
    pub updated_datetime: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct User {
    pub id: Id,
    pub email: Option<String>,
    pub name: Option<String>,
    pub role: Option<RoleName>,
    pub active: Option<bool>,
    pub deactivated_datetime: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct CustomField {
    pub id: Id,
    pub object_type: Option<String>,
    pub label: Option<String>,
    pub external_id: Option<String>,
    pub definition: Value,
    pub deactivated_datetime: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Rule {
    pub id: Id,
    pub name: Option<String>,
    pub description: Option<String>,
    pub event_types: Option<String>,
    pub deactivated_datetime: Option<String>,
}

/// One stored custom-field value as `GET …/custom-fields` lists it.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct StoredFieldValue {
    pub id: Id,
    pub field: Option<IdOnly>,
    pub value: Value,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct IdOnly {
    pub id: Id,
}

/// One file of a `POST /api/upload` answer (reference §4.7).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Uploaded {
    pub url: String,
    pub name: String,
    #[serde(deserialize_with = "lenient_u64")]
    pub size: u64,
    pub content_type: String,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Event {
    pub id: Id,
    #[serde(rename = "type")]
    pub event_type: Option<String>,
    pub object_type: Option<String>,
    pub object_id: Option<Id>,
    pub created_datetime: Option<String>,
}

fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// `size` is documented as an integer and shown as a string in examples.
fn lenient_u64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    Ok(match Value::deserialize(deserializer)? {
        Value::Number(n) => n.as_u64().unwrap_or_default(),
        Value::String(s) => s.trim().parse().unwrap_or_default(),
        _ => 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn responses_tolerate_missing_null_and_extra_fields() {
        let ticket: Ticket = serde_json::from_value(json!({
            "id": 7, "tags": null, "messages": null, "unknown": {"x": 1}
        }))
        .unwrap();
        assert_eq!(ticket.id, 7);
        assert!(ticket.tags.is_empty() && ticket.messages.is_empty());
        let uploaded: Vec<Uploaded> = serde_json::from_value(json!([
            {"url": "u", "name": "a.png", "size": "784554", "content_type": "image/png"},
            {"url": "v", "name": "b", "size": 12, "content_type": "text/plain"}
        ]))
        .unwrap();
        assert_eq!((uploaded[0].size, uploaded[1].size), (784_554, 12));
    }

    #[test]
    fn ticket_field_values_read_both_shapes() {
        let object: Ticket =
            serde_json::from_value(json!({"custom_fields": {"12": {"id": 12, "value": "a"}}}))
                .unwrap();
        assert_eq!(object.field_values()[&12], "a");
        let list: Ticket = serde_json::from_value(
            json!({"custom_fields": [{"id": 3, "field": {"id": 3}, "value": 1.5}]}),
        )
        .unwrap();
        assert_eq!(list.field_values()[&3], 1.5);
    }

    #[test]
    fn requests_leave_unset_optionals_out() {
        let body = serde_json::to_value(NewTag {
            name: "vip".into(),
            description: None,
        })
        .unwrap();
        assert_eq!(body, json!({"name": "vip"}));
        assert_eq!(
            serde_json::to_value(Party::id(3)).unwrap(),
            json!({"id": 3})
        );
    }
}
