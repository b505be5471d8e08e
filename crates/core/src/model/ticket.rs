//! People, tickets and everything hanging off a ticket.

use super::{FieldValue, SourceId, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A Stames user who answers tickets. Departed agents are kept: their messages
/// and tickets must stay attributable after the migration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Agent {
    pub id: SourceId,
    pub name: String,
    pub email: String,
    /// The Stames role as spelled in the source (`owner`, `admin`, `agent`, …).
    pub role: String,
    pub active: bool,
    /// When the agent left; `Some` means departed even if `active` says otherwise.
    pub departed_at: Option<Timestamp>,
    pub department_ids: Vec<SourceId>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Agent {
    pub fn is_departed(&self) -> bool {
        self.departed_at.is_some()
    }
}

/// The organisation a customer belongs to, when Stames knows one. Salesforce turns
/// it into an Account; Gorgias keeps it as customer data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Company {
    pub name: String,
    pub domain: Option<String>,
}

/// An end customer. E-mail is optional (social and WhatsApp customers often have
/// none) and not unique in Stames: deduplication is the destination writer's job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    pub id: SourceId,
    pub name: Option<String>,
    /// Lower-cased and trimmed by the reader; validated as an address.
    pub email: Option<String>,
    pub phone: Option<String>,
    pub company: Option<Company>,
    /// Custom field values keyed by the field definition's id.
    pub custom_fields: BTreeMap<SourceId, FieldValue>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// The channel a ticket or message came through.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Facebook,
    Instagram,
    Whatsapp,
    Email,
    Api,
    ContactForm,
    /// A channel Stames added after this model was written; kept verbatim.
    Other(String),
}

impl Channel {
    /// The six channels Stames documents, in display order.
    pub const KNOWN: [Channel; 6] = [
        Channel::Facebook,
        Channel::Instagram,
        Channel::Whatsapp,
        Channel::Email,
        Channel::Api,
        Channel::ContactForm,
    ];

    /// Human name, as an operator would write it in a checklist.
    pub fn label(&self) -> String {
        match self {
            Channel::Facebook => "Facebook".into(),
            Channel::Instagram => "Instagram".into(),
            Channel::Whatsapp => "WhatsApp".into(),
            Channel::Email => "Email".into(),
            Channel::Api => "API".into(),
            Channel::ContactForm => "Contact Form".into(),
            Channel::Other(name) => name.clone(),
        }
    }

    /// Whether the destination needs this channel reconnected by hand: every
    /// channel that rides on a third-party platform account does, the API does not.
    pub fn needs_manual_reconnection(&self) -> bool {
        !matches!(self, Channel::Api)
    }
}

/// A ticket's fields. Its conversation and history travel beside it in a
/// [`TicketThread`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ticket {
    pub id: SourceId,
    pub subject: String,
    /// Source spelling, e.g. `open`, `pending`, `solved`.
    pub status: String,
    /// Source spelling, e.g. `urgent`, `high`, `normal`, `low`.
    pub priority: String,
    pub channel: Channel,
    pub department_id: Option<SourceId>,
    pub customer_id: SourceId,
    pub assignee_id: Option<SourceId>,
    /// Tag names exactly as applied in Stames (casing and spacing untouched).
    pub tags: Vec<String>,
    pub custom_fields: BTreeMap<SourceId, FieldValue>,
    pub reminders: Vec<Reminder>,
    pub notifications: Vec<Notification>,
    pub sla: Option<Sla>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub closed_at: Option<Timestamp>,
}

/// A ticket with its conversation (chronological) and status history: the unit a
/// source yields and a destination writes, because neither half makes sense alone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketThread {
    pub ticket: Ticket,
    pub messages: Vec<Message>,
    pub status_history: Vec<StatusEvent>,
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SenderKind {
    Customer,
    Agent,
    /// Stames itself (auto-replies, merge notices).
    System,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sender {
    pub kind: SenderKind,
    /// Customer or agent id; `None` for system messages.
    pub id: Option<SourceId>,
    pub name: Option<String>,
    /// E-mail address, phone number or social handle, as the channel knows it.
    pub address: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    Public,
    /// An agent-only note; must never reach the customer.
    PrivateNote,
}

/// One entry of a ticket's conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub id: SourceId,
    pub ticket_id: SourceId,
    pub sender: Sender,
    pub visibility: Visibility,
    pub channel: Channel,
    pub body_text: String,
    pub body_html: Option<String>,
    pub attachments: Vec<Attachment>,
    pub created_at: Timestamp,
}

/// File metadata. The bytes are not here: they are opened lazily as a stream
/// through [`crate::source::Source::open_attachment`], so a 2 GB file never sits
/// in memory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attachment {
    pub id: SourceId,
    pub message_id: SourceId,
    pub ticket_id: SourceId,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: u64,
    /// Shown inside the body (`<img src=…>`) rather than listed below it.
    pub inline: bool,
    /// The URL the source's bodies use to reference this file; body rewriting
    /// looks for it.
    pub source_url: String,
    /// Stored somewhere the API cannot download from; must be re-hosted first.
    pub requires_auth: bool,
    pub created_at: Timestamp,
}

/// One status change. Stames keeps these; neither destination can write history
/// natively, so each destination documents its lossy landing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusEvent {
    pub ticket_id: SourceId,
    pub from: Option<String>,
    pub to: String,
    pub changed_at: Timestamp,
    /// The agent who changed it; `None` for automations.
    pub changed_by: Option<SourceId>,
}

/// A follow-up reminder an agent set on a ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reminder {
    pub id: SourceId,
    pub remind_at: Timestamp,
    pub note: Option<String>,
    pub agent_id: Option<SourceId>,
    pub completed: bool,
}

/// A per-ticket notification setting (SMS or e-mail on an event). These are
/// triggers, not data: they land in the automation inventory as well.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    pub id: SourceId,
    /// `email` or `sms`.
    pub medium: String,
    /// The event that fires it, e.g. `ticket_reopened`.
    pub event: String,
    pub recipient: String,
    pub enabled: bool,
}

/// Service-level targets and outcome on a ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sla {
    pub policy: String,
    pub first_response_due_at: Option<Timestamp>,
    pub resolution_due_at: Option<Timestamp>,
    pub first_responded_at: Option<Timestamp>,
    pub breached: bool,
}

/// A tag as defined in the source's tag list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tag {
    pub id: SourceId,
    /// Exactly as Stames spells it; normalisation is a mapping decision.
    pub name: String,
    pub created_at: Option<Timestamp>,
}
