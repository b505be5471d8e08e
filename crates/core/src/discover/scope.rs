//! The scope report: what `deskshift discover` found, serialised as
//! `reports/scope.json` and rendered as `reports/scope.md`.
//!
//! Field names are part of the JSON contract; add fields, don't rename them.

use crate::model::{
    Automation, CustomObjectField, Department, FieldObject, FieldType, InventoryItem, LinkTarget,
    ObjectKind, Portal, SourceId, Timestamp,
};
use crate::source::{ApiStats, Reject};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScopeReport {
    pub generated_at: Timestamp,
    /// The source, as [`crate::source::Source::describe`] names it.
    pub source: String,
    pub workspace: WorkspaceSummary,
    /// Per object kind: what the source declared, what was read, what was rejected.
    pub counts: BTreeMap<ObjectKind, KindCount>,
    /// True when every kind's `read + rejected` equals what the source declared.
    pub reconciled: bool,
    /// One line per kind that did not add up.
    pub discrepancies: Vec<String>,
    pub agents: AgentSummary,
    pub customers: CustomerSummary,
    pub tickets: TicketSummary,
    pub messages: MessageSummary,
    pub channels: Vec<ChannelUse>,
    pub attachments: AttachmentSummary,
    pub custom_fields: Vec<FieldProfile>,
    pub tags: TagSummary,
    pub custom_objects: Vec<CustomObjectSummary>,
    pub automations: Vec<Automation>,
    /// Configuration no API exposes: portal, channel credentials.
    pub unreachable: Vec<InventoryItem>,
    pub rejects: RejectSummary,
    pub api: ApiStats,
    pub duration_s: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkspaceSummary {
    pub account_id: String,
    pub name: String,
    pub departments: Vec<Department>,
    pub portal: Portal,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindCount {
    /// What the source said it holds, where it can say.
    pub declared: Option<u64>,
    pub read: u64,
    pub rejected: u64,
}

impl KindCount {
    /// The number the reconciliation starts from: declared when known.
    pub fn source(&self) -> u64 {
        self.declared.unwrap_or(self.read + self.rejected)
    }

    /// Records the source declared that were neither read nor rejected.
    pub fn unaccounted(&self) -> i128 {
        self.source() as i128 - (self.read + self.rejected) as i128
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AgentSummary {
    pub active: u64,
    pub inactive: u64,
    pub departed: u64,
    pub by_role: BTreeMap<String, u64>,
    /// Every agent with the tickets assigned to them: the reconciliation
    /// queue is built from it (agents are few, so they are all listed).
    #[serde(default)]
    pub roster: Vec<AgentEntry>,
}

/// One agent as the reconciliation checklist needs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentEntry {
    pub id: SourceId,
    pub name: String,
    pub email: String,
    pub role: String,
    pub active: bool,
    pub departed: bool,
    /// Tickets read whose assignee is this agent.
    pub assigned_tickets: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CustomerSummary {
    pub with_email: u64,
    pub without_email: u64,
    pub with_company: u64,
    /// E-mail addresses shared by more than one customer.
    pub duplicate_email_groups: u64,
    /// Customers carrying one of those addresses.
    pub customers_in_duplicate_groups: u64,
    /// Up to ten shared addresses with their customer count.
    pub duplicate_examples: Vec<(String, u64)>,
    /// Distinct companies (by `normalise::company_key`): a destination with
    /// accounts gives each one account, shared by its customers.
    #[serde(default)]
    pub companies: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TicketSummary {
    pub by_status: BTreeMap<String, u64>,
    pub by_priority: BTreeMap<String, u64>,
    pub unassigned: u64,
    pub assigned_to_departed: u64,
    pub with_sla: u64,
    pub sla_breached: u64,
    pub with_reminders: u64,
    pub with_notifications: u64,
    pub oldest_created_at: Option<Timestamp>,
    pub newest_created_at: Option<Timestamp>,
    pub longest_thread: Option<ThreadLength>,
    /// Messages per ticket → number of tickets with that many. Exact and
    /// small (one entry per distinct length); the ETA needs it because a
    /// destination may take only so many messages inline in a ticket create.
    #[serde(default)]
    pub thread_lengths: BTreeMap<u64, u64>,
    /// Reminders not completed yet.
    #[serde(default)]
    pub open_reminders: u64,
    /// Per-ticket notification settings grouped by medium, event and state:
    /// triggers for the automation inventory.
    #[serde(default)]
    pub notification_triggers: Vec<NotificationTriggerUse>,
}

/// Tickets carrying one kind of notification trigger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationTriggerUse {
    /// `email` or `sms`.
    pub medium: String,
    /// The event that fires it, e.g. `ticket_reopened`.
    pub event: String,
    pub enabled: bool,
    /// Notification settings of this kind (one ticket may hold several).
    pub settings: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThreadLength {
    pub ticket_id: SourceId,
    pub messages: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MessageSummary {
    pub public: u64,
    pub private_notes: u64,
    pub from_customers: u64,
    pub from_agents: u64,
    pub from_system: u64,
    pub with_html: u64,
    /// Private notes over 2,000 bytes of text: size in bytes, rounded up to
    /// a hundred → notes. A destination that caps a note's size (Salesforce
    /// CaseComment: 4,000 bytes) splits them, one call per part.
    #[serde(default)]
    pub long_private_notes: BTreeMap<u64, u64>,
}

/// One channel: how much traffic it carried and which integrations feed it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChannelUse {
    pub channel: String,
    pub tickets: u64,
    pub messages: u64,
    pub integrations: Vec<IntegrationStatus>,
    pub needs_manual_reconnection: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntegrationStatus {
    pub name: String,
    pub connected: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AttachmentSummary {
    pub count: u64,
    pub total_bytes: u64,
    pub inline: u64,
    pub requires_auth: u64,
    /// The five largest files.
    pub largest: Vec<AttachmentRef>,
    /// Up to twenty files that must be re-hosted before migration.
    pub requires_auth_examples: Vec<AttachmentRef>,
    /// Files that can be downloaded (not behind authentication) per ticket →
    /// number of tickets with that many; tickets without any are left out.
    /// Uploads are batched per ticket, so the ETA needs the distribution.
    #[serde(default)]
    pub downloadable_per_ticket: BTreeMap<u64, u64>,
    /// Bytes of the files that can be downloaded.
    #[serde(default)]
    pub downloadable_bytes: u64,
    /// Of the files that can be downloaded, those on private notes (a
    /// destination may share them with internal users only, which costs a
    /// link of their own) and those of 0 bytes (a destination may refuse
    /// them without a call).
    #[serde(default)]
    pub downloadable_on_private_notes: u64,
    #[serde(default)]
    pub downloadable_empty: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttachmentRef {
    pub id: SourceId,
    pub ticket_id: SourceId,
    pub file_name: String,
    pub size_bytes: u64,
}

/// A custom field with how it is actually used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldProfile {
    pub id: SourceId,
    pub object: FieldObject,
    pub key: String,
    pub label: String,
    pub field_type: FieldType,
    pub options: Vec<String>,
    pub required: bool,
    /// Records of the field's object that were read.
    pub records: u64,
    /// Of those, records with a non-empty value.
    pub filled: u64,
    /// `filled / records`, 0 when there are no records.
    pub fill_rate: f64,
    /// Shapes of the filled values: `date`, `number`, `boolean`, `email`, `url`,
    /// `list`, `text`.
    pub value_shapes: BTreeMap<String, u64>,
    /// Filled values whose shape does not fit the declared type.
    pub type_mismatches: u64,
    /// Select values not among the declared options.
    pub unknown_options: u64,
    /// Longest filled value, in characters (a list: its items joined with `, `).
    #[serde(default)]
    pub max_length: u64,
    /// Most decimal places of a number value.
    #[serde(default)]
    pub max_decimals: u32,
    /// Distinct filled values seen (list items count one by one), counted up
    /// to [`DISTINCT_CAP`]; `distinct_capped` says the real number is larger.
    #[serde(default)]
    pub distinct: u64,
    #[serde(default)]
    pub distinct_capped: bool,
    /// The first few distinct values, shortened: what the field map shows a
    /// person (and, redacted, a model) to judge the field by.
    #[serde(default)]
    pub samples: Vec<String>,
}

/// How many distinct values the profiler tells apart per field: enough to
/// see an enumeration, bounded so memory does not grow with the helpdesk.
pub const DISTINCT_CAP: u64 = 50;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TagSummary {
    /// Tags in the source's tag list.
    pub defined: u64,
    /// Distinct spellings applied to tickets.
    pub distinct_used: u64,
    /// Tag applications (ticket × tag).
    pub applications: u64,
    /// Spellings that normalise to the same tag and will be merged, e.g.
    /// `["VIP", "vip "]`.
    pub collisions: Vec<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomObjectSummary {
    pub key: String,
    pub label: String,
    /// Field keys.
    pub fields: Vec<String>,
    /// The fields with their labels, types and options, for the field map.
    #[serde(default)]
    pub field_defs: Vec<CustomObjectField>,
    pub links: Vec<LinkTarget>,
    pub records: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RejectSummary {
    pub total: u64,
    pub by_kind: BTreeMap<ObjectKind, u64>,
    /// The first twenty, in reading order; all of them are in the ledger.
    pub examples: Vec<Reject>,
}
