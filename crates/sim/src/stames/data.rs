//! The emulator's whole workspace in memory, as the Stames API would serve it.
//!
//! Records are kept in their wire shapes ([`deskshift_stames::api::wire`]) so the
//! server can hand them out as they are and the export writer can print them line
//! for line: there is no second model to keep in sync with the assumed API.

use chrono::{DateTime, Utc};
use deskshift_core::model::ObjectKind;
use deskshift_stames::api::wire::{
    WireAccount, WireAgent, WireAttachment, WireAutomation, WireCustomField, WireCustomObject,
    WireCustomObjectRecord, WireCustomer, WireMessage, WireTag, WireTicket,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A ticket with its conversation, oldest message first. Keeping the two
/// together is what "messages grouped by ticket" means in the export and what
/// `GET /tickets/{id}/messages` serves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StamesTicket {
    pub ticket: WireTicket,
    pub messages: Vec<WireMessage>,
}

/// A record the generator broke on purpose (see
/// [`StamesData::generate`](crate::stames::StamesData::generate)'s `malformed`).
/// A reader must reject exactly these, naming the record and the field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MalformedRecord {
    pub kind: ObjectKind,
    /// `None` when the missing id is the defect.
    pub id: Option<u64>,
    /// The wire field that is wrong, e.g. `email`, `created_at`, `author.id`.
    pub field: String,
    /// What was done to it, for test failure messages.
    pub problem: String,
}

/// A generated (or loaded) Stames workspace.
///
/// Every collection is in ascending id order, the order the API pages through
/// it; a record whose id is missing (a malformed record) keeps the position it
/// was created at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StamesData {
    /// The seed the workspace was generated from. Attachment content is derived
    /// from it, so it travels with the data (e.g. in a `--state` file).
    pub seed: u64,
    pub account: WireAccount,
    pub agents: Vec<WireAgent>,
    pub customers: Vec<WireCustomer>,
    pub tags: Vec<WireTag>,
    pub custom_fields: Vec<WireCustomField>,
    pub custom_objects: Vec<WireCustomObject>,
    pub custom_object_records: Vec<WireCustomObjectRecord>,
    pub automations: Vec<WireAutomation>,
    pub tickets: Vec<StamesTicket>,
    /// The records broken on purpose, in injection order.
    #[serde(default)]
    pub malformed: Vec<MalformedRecord>,
}

/// Counts per object kind: the emulator's own view of its workspace, which
/// discovery and migration reports are tested against.
///
/// Keys are every kind the Stames API exposes as countable records: `users`
/// (agents), `customers`, `tags`, `custom_fields`, `custom_objects`,
/// `custom_object_records`, `automations`, `tickets`, `messages`,
/// `attachments` (inline and `requires_auth` ones included), `status_events`,
/// `reminders`, `notifications`, `sla_records` (tickets with an SLA),
/// `departments` and `channel_integrations`. Malformed records count in their
/// kind. The portal is a single inventory item, not a count, and is left out.
/// The byte volume is [`StamesData::attachment_bytes_total`].
pub type Totals = BTreeMap<ObjectKind, u64>;

fn len(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

impl StamesData {
    /// The records broken on purpose.
    pub fn malformed_records(&self) -> &[MalformedRecord] {
        &self.malformed
    }

    /// Counts per object kind, computed from the data as it is now (writes
    /// included).
    pub fn totals(&self) -> Totals {
        let mut messages = 0;
        let mut attachments = 0;
        let mut status_events = 0;
        let mut reminders = 0;
        let mut notifications = 0;
        let mut sla_records = 0;
        for thread in &self.tickets {
            let t = &thread.ticket;
            messages += len(thread.messages.len());
            status_events += len(t.status_history.len());
            reminders += len(t.reminders.len());
            notifications += len(t.notifications.len());
            sla_records += u64::from(t.sla.is_some());
            for message in &thread.messages {
                attachments += len(message.attachments.len());
            }
        }
        BTreeMap::from([
            (ObjectKind::Departments, len(self.account.departments.len())),
            (ObjectKind::Users, len(self.agents.len())),
            (ObjectKind::Customers, len(self.customers.len())),
            (ObjectKind::Tags, len(self.tags.len())),
            (ObjectKind::CustomFields, len(self.custom_fields.len())),
            (ObjectKind::CustomObjects, len(self.custom_objects.len())),
            (ObjectKind::Tickets, len(self.tickets.len())),
            (ObjectKind::Messages, messages),
            (ObjectKind::Attachments, attachments),
            (ObjectKind::StatusEvents, status_events),
            (ObjectKind::Reminders, reminders),
            (ObjectKind::Notifications, notifications),
            (ObjectKind::SlaRecords, sla_records),
            (
                ObjectKind::CustomObjectRecords,
                len(self.custom_object_records.len()),
            ),
            (ObjectKind::Automations, len(self.automations.len())),
            (
                ObjectKind::ChannelIntegrations,
                len(self.account.channels.len()),
            ),
        ])
    }

    /// Sum of every attachment's `size`, including the ones that require auth
    /// (and so cannot be downloaded).
    pub fn attachment_bytes_total(&self) -> u64 {
        self.attachments().map(|(_, _, a)| a.size).sum()
    }

    /// The ticket with this id and its conversation.
    pub fn ticket(&self, id: u64) -> Option<&StamesTicket> {
        self.ticket_index(id).map(|i| &self.tickets[i])
    }

    /// Position of ticket `id` in [`StamesData::tickets`]. Tickets are stored
    /// in ascending id order, so this is a binary search.
    pub fn ticket_index(&self, id: u64) -> Option<usize> {
        self.tickets
            .binary_search_by(|t| t.ticket.id.cmp(&Some(id)))
            .ok()
    }

    /// Every attachment with the ticket and message it hangs off, in ticket and
    /// message order.
    pub fn attachments(
        &self,
    ) -> impl Iterator<Item = (&WireTicket, &WireMessage, &WireAttachment)> {
        self.tickets.iter().flat_map(|thread| {
            thread.messages.iter().flat_map(move |message| {
                message
                    .attachments
                    .iter()
                    .map(move |attachment| (&thread.ticket, message, attachment))
            })
        })
    }

    /// The latest timestamp anywhere in the data that parses. The server's clock
    /// never hands out a time at or before it, so writes always sort after
    /// generated (and previously written) records.
    pub fn latest_timestamp(&self) -> Option<DateTime<Utc>> {
        let agents = self.agents.iter().map(|a| a.updated_at.as_str());
        let customers = self.customers.iter().map(|c| c.updated_at.as_str());
        let records = self
            .custom_object_records
            .iter()
            .map(|r| r.updated_at.as_str());
        let automations = self.automations.iter().map(|a| a.updated_at.as_str());
        let tickets = self.tickets.iter().flat_map(|t| {
            std::iter::once(t.ticket.updated_at.as_str())
                .chain(t.messages.iter().map(|m| m.created_at.as_str()))
                .chain(
                    t.ticket
                        .status_history
                        .iter()
                        .map(|e| e.changed_at.as_str()),
                )
        });
        agents
            .chain(customers)
            .chain(records)
            .chain(automations)
            .chain(tickets)
            .filter_map(|text| DateTime::parse_from_rfc3339(text).ok())
            .map(|t| t.with_timezone(&Utc))
            .max()
    }
}
