//! The JSON shapes of the Stames REST API (`/api/v1`), as assumed in
//! `docs/stames-api.md`. The export bundle reuses them line for line
//! (`docs/stames-export.md`).
//!
//! These types are deliberately *loose*: ids are optional and timestamps are
//! plain strings, so that a malformed record still deserialises and can be
//! rejected with a reason naming the record and field, instead of failing a
//! whole page. Validation happens in [`super::convert`]. The emulator in
//! `deskshift-sim` serves exactly these types, so a change here is a change to
//! the assumed API and must be reflected in the docs.

use serde::{Deserialize, Serialize};

/// Every list endpoint answers with this envelope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    pub data: Vec<T>,
    pub meta: PageMeta,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageMeta {
    /// 1-based page number.
    pub page: u32,
    pub per_page: u32,
    /// Records matching the query across all pages.
    pub total: u64,
    pub total_pages: u32,
}

/// Error body of every non-2xx answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// Machine code: `unauthorized`, `rate_limited`, `not_found`, `forbidden`,
    /// `invalid_request`.
    pub code: String,
    pub message: String,
}

/// `GET /account`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireAccount {
    pub id: String,
    pub name: String,
    pub departments: Vec<WireDepartment>,
    pub channels: Vec<WireChannel>,
    pub portal: WirePortal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireDepartment {
    pub id: u64,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireChannel {
    pub id: u64,
    /// `facebook`, `instagram`, `whatsapp`, `email`, `api`, `contact_form`.
    #[serde(rename = "type")]
    pub channel_type: String,
    pub name: String,
    /// `connected` or `disconnected`.
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WirePortal {
    pub enabled: bool,
    pub url: Option<String>,
}

/// `GET /agents`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireAgent {
    pub id: Option<u64>,
    pub name: String,
    pub email: Option<String>,
    /// `owner`, `admin`, `agent`, `light_agent`.
    pub role: String,
    /// `active`, `inactive`, `departed`.
    pub status: String,
    pub departed_at: Option<String>,
    #[serde(default)]
    pub department_ids: Vec<u64>,
    pub created_at: String,
    pub updated_at: String,
}

/// `GET /customers`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireCustomer {
    pub id: Option<u64>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub company: Option<WireCompany>,
    #[serde(default)]
    pub custom_fields: Vec<WireFieldValue>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireCompany {
    pub name: String,
    pub domain: Option<String>,
}

/// A custom field value on a ticket or customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireFieldValue {
    pub field_id: u64,
    /// string, number, boolean or array of strings; `null` means unset.
    pub value: serde_json::Value,
}

/// `GET /tickets`. Status history, reminders, notifications and SLA are embedded;
/// the conversation is at `GET /tickets/{id}/messages`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireTicket {
    pub id: Option<u64>,
    pub subject: String,
    /// `new`, `open`, `pending`, `on_hold`, `solved`, `closed`.
    pub status: String,
    /// `urgent`, `high`, `normal`, `low`.
    pub priority: String,
    pub channel: String,
    pub department_id: Option<u64>,
    pub customer_id: Option<u64>,
    pub assignee_id: Option<u64>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub custom_fields: Vec<WireFieldValue>,
    #[serde(default)]
    pub reminders: Vec<WireReminder>,
    #[serde(default)]
    pub notifications: Vec<WireNotification>,
    pub sla: Option<WireSla>,
    #[serde(default)]
    pub status_history: Vec<WireStatusEvent>,
    /// Number of messages in the conversation, as Stames counts them.
    pub message_count: u32,
    pub created_at: String,
    pub updated_at: String,
    pub closed_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireReminder {
    pub id: u64,
    pub remind_at: String,
    pub note: Option<String>,
    pub agent_id: Option<u64>,
    pub completed: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireNotification {
    pub id: u64,
    /// `email` or `sms`.
    pub medium: String,
    pub event: String,
    pub recipient: String,
    pub enabled: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireSla {
    pub policy: String,
    pub first_response_due_at: Option<String>,
    pub resolution_due_at: Option<String>,
    pub first_responded_at: Option<String>,
    pub breached: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireStatusEvent {
    pub from: Option<String>,
    pub to: String,
    pub changed_at: String,
    pub agent_id: Option<u64>,
}

/// `GET /tickets/{id}/messages`, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireMessage {
    pub id: Option<u64>,
    pub ticket_id: u64,
    pub author: WireAuthor,
    /// `true` for an agent-only note.
    pub private: bool,
    pub channel: String,
    pub body_text: String,
    pub body_html: Option<String>,
    #[serde(default)]
    pub attachments: Vec<WireAttachment>,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireAuthor {
    /// `customer`, `agent` or `system`.
    #[serde(rename = "type")]
    pub author_type: String,
    pub id: Option<u64>,
    pub name: Option<String>,
    /// E-mail, phone number or social handle.
    pub handle: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireAttachment {
    pub id: u64,
    pub file_name: String,
    pub content_type: String,
    pub size: u64,
    /// Public CDN URL the message bodies use; content is downloaded from
    /// `GET /attachments/{id}/content`, not from here.
    pub url: String,
    pub inline: bool,
    /// Stored in the customer's private storage; the content endpoint answers 403.
    pub requires_auth: bool,
    pub created_at: String,
}

/// `GET /tags`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireTag {
    pub id: Option<u64>,
    pub name: String,
    pub created_at: Option<String>,
}

/// `GET /custom_fields`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireCustomField {
    pub id: Option<u64>,
    /// `ticket` or `customer`.
    pub object: String,
    pub key: String,
    pub label: String,
    /// `text`, `number`, `date`, `boolean`, `select`, `multi_select`.
    #[serde(rename = "type")]
    pub field_type: String,
    #[serde(default)]
    pub options: Vec<String>,
    pub required: bool,
}

/// `GET /custom_objects`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireCustomObject {
    pub id: Option<u64>,
    pub key: String,
    pub label: String,
    pub fields: Vec<WireCustomObjectField>,
    /// `ticket` and/or `customer`.
    pub links: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireCustomObjectField {
    pub key: String,
    pub label: String,
    #[serde(rename = "type")]
    pub field_type: String,
    #[serde(default)]
    pub options: Vec<String>,
}

/// `GET /custom_objects/{key}/records`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireCustomObjectRecord {
    pub id: Option<u64>,
    pub object_key: String,
    /// Field key → value (string, number, boolean, array of strings or null).
    pub values: serde_json::Map<String, serde_json::Value>,
    #[serde(default)]
    pub ticket_ids: Vec<u64>,
    #[serde(default)]
    pub customer_ids: Vec<u64>,
    pub created_at: String,
    pub updated_at: String,
}

/// `GET /automations`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireAutomation {
    pub id: Option<u64>,
    pub name: String,
    pub trigger: String,
    pub conditions: Vec<WireCondition>,
    pub actions: Vec<WireAction>,
    pub active: bool,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireCondition {
    pub field: String,
    pub operator: String,
    pub value: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireAction {
    #[serde(rename = "type")]
    pub action_type: String,
    #[serde(default)]
    pub params: serde_json::Value,
}
