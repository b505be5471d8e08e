//! The records the emulator keeps, as stored (not as rendered: see
//! `render.rs`). References between records are ids, so a rename or a
//! deletion shows everywhere at once, as it does in Gorgias.
//!
//! Fields the emulator only echoes back (`stripped_html`, `headers`,
//! `integration_id`, …) live in an `extra` map instead of a typed field each.

use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

pub type Timestamp = DateTime<Utc>;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Account {
    pub domain: String,
    pub created_datetime: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub id: u64,
    pub email: String,
    pub name: String,
    pub role: String,
    pub external_id: Option<String>,
    pub active: bool,
    pub created_datetime: Timestamp,
    pub updated_datetime: Timestamp,
    pub deactivated_datetime: Option<Timestamp>,
    /// `bio`, `country`, `language`, `timezone`, `meta`.
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerChannel {
    pub id: u64,
    #[serde(rename = "type")]
    pub kind: String,
    pub address: String,
    pub preferred: bool,
    pub created_datetime: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    pub id: u64,
    pub email: Option<String>,
    pub name: Option<String>,
    pub external_id: Option<String>,
    pub channels: Vec<CustomerChannel>,
    /// Sidebar data set with `PUT /api/customers/{id}/data`.
    pub data: Option<Value>,
    pub created_datetime: Timestamp,
    pub updated_datetime: Timestamp,
    /// `firstname`, `lastname`, `language`, `timezone`, `note`, `meta`.
    pub extra: Map<String, Value>,
}

impl Customer {
    /// Every e-mail address this customer is known by, lowercased: the
    /// `email` field and the addresses of its `email` channels.
    pub fn emails(&self) -> Vec<String> {
        let mut emails: Vec<String> = self.email.iter().map(|e| e.to_lowercase()).collect();
        for channel in &self.channels {
            if channel.kind == "email" {
                let address = channel.address.to_lowercase();
                if !emails.contains(&address) {
                    emails.push(address);
                }
            }
        }
        emails
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tag {
    pub id: u64,
    pub name: String,
    pub description: Option<String>,
    pub decoration: Option<Value>,
    pub created_datetime: Timestamp,
    pub updated_datetime: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomField {
    pub id: u64,
    pub object_type: String,
    pub label: String,
    pub definition: Value,
    pub external_id: Option<String>,
    pub priority: i64,
    pub required: bool,
    pub created_datetime: Timestamp,
    pub updated_datetime: Timestamp,
    pub deactivated_datetime: Option<Timestamp>,
    /// `description`, `requirement_type`, `managed_type`.
    pub extra: Map<String, Value>,
}

/// The sender or receiver of a message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Party {
    User {
        id: u64,
    },
    Customer {
        id: u64,
    },
    /// An address that is neither a user nor a customer (e.g. the support
    /// mailbox an incoming e-mail was sent to).
    Address {
        email: Option<String>,
        name: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attachment {
    pub url: String,
    pub name: String,
    pub content_type: String,
    pub size: Option<u64>,
    /// `public`, `extra`.
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub id: u64,
    pub ticket_id: u64,
    pub external_id: Option<String>,
    pub message_id: Option<String>,
    pub channel: String,
    pub via: String,
    pub from_agent: bool,
    pub public: bool,
    pub sender: Option<Party>,
    pub receiver: Option<Party>,
    pub source: Option<Value>,
    pub subject: Option<String>,
    pub body_text: Option<String>,
    pub body_html: Option<String>,
    pub attachments: Vec<Attachment>,
    pub imported: bool,
    pub created_datetime: Timestamp,
    pub sent_datetime: Option<Timestamp>,
    /// Set when the emulator "sent" the message itself (no `sent_datetime`
    /// given): evidence a migration must never produce.
    pub sent_by_emulator: bool,
    /// `stripped_*`, `headers`, `meta`, `integration_id`, `macros`,
    /// `actions`, `mention_ids`, `last_sending_error`, `failed_datetime`,
    /// `opened_datetime`, `deleted_datetime` as given.
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ticket {
    pub id: u64,
    pub external_id: Option<String>,
    pub subject: Option<String>,
    pub status: String,
    pub priority: String,
    pub channel: String,
    pub via: String,
    pub from_agent: bool,
    pub spam: bool,
    pub imported: bool,
    pub is_unread: bool,
    pub language: Option<String>,
    pub customer_id: Option<u64>,
    pub assignee_user_id: Option<u64>,
    pub meta: Option<Value>,
    pub tag_ids: Vec<u64>,
    /// Custom field id → value.
    pub custom_fields: BTreeMap<u64, Value>,
    /// In creation order.
    pub message_ids: Vec<u64>,
    pub created_datetime: Timestamp,
    pub updated_datetime: Timestamp,
    pub opened_datetime: Option<Timestamp>,
    pub closed_datetime: Option<Timestamp>,
    pub last_message_datetime: Option<Timestamp>,
    pub last_received_message_datetime: Option<Timestamp>,
    pub snooze_datetime: Option<Timestamp>,
    pub trashed_datetime: Option<Timestamp>,
    /// `split_from` as given.
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Survey {
    pub id: u64,
    pub ticket_id: u64,
    pub customer_id: u64,
    pub score: Option<i64>,
    pub body_text: Option<String>,
    pub created_datetime: Timestamp,
    pub scored_datetime: Option<Timestamp>,
    pub sent_datetime: Option<Timestamp>,
    pub should_send_datetime: Option<Timestamp>,
    pub meta: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    pub id: u64,
    pub name: String,
    pub code: String,
    pub event_types: Option<String>,
    pub priority: i64,
    pub created_datetime: Timestamp,
    pub updated_datetime: Timestamp,
    pub deactivated_datetime: Option<Timestamp>,
    /// `description`, `code_ast`.
    pub extra: Map<String, Value>,
}

impl Rule {
    pub fn is_active(&self) -> bool {
        self.deactivated_datetime.is_none()
    }

    /// Whether this rule listens to `event_type`.
    pub fn triggers_on(&self, event_type: &str) -> bool {
        self.event_types
            .as_deref()
            .unwrap_or("")
            .split(',')
            .any(|t| t.trim() == event_type)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub id: u64,
    #[serde(rename = "type")]
    pub kind: String,
    pub object_type: String,
    pub object_id: u64,
    pub user_id: Option<u64>,
    pub context: String,
    pub data: Value,
    pub created_datetime: Timestamp,
}

/// A file received by `POST /api/upload`, served back at its URL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Upload {
    pub id: u64,
    pub name: String,
    pub content_type: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(with = "base64_bytes")]
    pub bytes: Bytes,
    pub created_datetime: Timestamp,
}

/// What the emulator "sent" to someone: the side effect a migration must
/// never cause.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendRecord {
    pub kind: SendKind,
    pub ticket_id: u64,
    /// The message sent (for [`SendKind::Message`]).
    pub message_id: Option<u64>,
    /// The survey sent (for [`SendKind::SatisfactionSurvey`]).
    pub survey_id: Option<u64>,
    /// The message's channel (for messages).
    pub channel: Option<String>,
    pub at: Timestamp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SendKind {
    /// A message created without `sent_datetime` on a channel other than
    /// `internal-note`.
    Message,
    /// A satisfaction survey with `should_send_datetime` set.
    SatisfactionSurvey,
}

/// Stores file contents as base64 inside the JSON state file.
mod base64_bytes {
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;
    use bytes::Bytes;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &Bytes, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Bytes, D::Error> {
        let text = String::deserialize(deserializer)?;
        STANDARD
            .decode(text.as_bytes())
            .map(Bytes::from)
            .map_err(serde::de::Error::custom)
    }
}
