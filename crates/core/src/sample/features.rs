//! What makes a ticket worth migrating first: the kinds of content that
//! break on the way (a channel, files, inline images, a long thread, a
//! departed agent, a customer merged with another, odd text, …). The
//! sample covers each of them; the spot-check packet of the reconciliation
//! report ranks migrated tickets by some of the same measures.

use crate::model::{Channel, SenderKind, TicketThread, Visibility};
use crate::source::{Read, Source, SourceError};
use futures::StreamExt;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// One kind of content a sample must show, in the order a too-small sample
/// covers them: channels first (each lands differently), then what the
/// issue names, then the rest of what Stames tickets carry.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Feature {
    Channel(Channel),
    Attachments,
    InlineImages,
    /// The longest thread of the source (only the longest ticket has it).
    LongestThread,
    CustomFields,
    DepartedAgent,
    /// The ticket's customer shares its e-mail with another customer record:
    /// the destination merges them.
    DuplicateCustomer,
    OddEncoding,
    CustomObjectRecords,
    PrivateNotes,
    StatusHistory,
    Reminders,
    Sla,
    Notifications,
    Tags,
}

impl fmt::Display for Feature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Feature::Channel(channel) => write!(f, "channel {}", channel.label()),
            Feature::Attachments => f.write_str("attachments"),
            Feature::InlineImages => f.write_str("inline images"),
            Feature::LongestThread => f.write_str("the longest thread"),
            Feature::CustomFields => f.write_str("filled custom fields"),
            Feature::DepartedAgent => f.write_str("a departed agent"),
            Feature::DuplicateCustomer => f.write_str("a customer merged with another by e-mail"),
            Feature::OddEncoding => f.write_str("odd text encodings"),
            Feature::CustomObjectRecords => f.write_str("linked custom-object records"),
            Feature::PrivateNotes => f.write_str("private notes"),
            Feature::StatusHistory => f.write_str("a status history"),
            Feature::Reminders => f.write_str("reminders"),
            Feature::Sla => f.write_str("an SLA"),
            Feature::Notifications => f.write_str("notification triggers"),
            Feature::Tags => f.write_str("tags"),
        }
    }
}

/// What the selection knows beyond the ticket itself.
#[derive(Debug, Default)]
pub struct Context {
    /// Departed agents: id → name.
    pub departed: BTreeMap<String, String>,
    /// Tickets and customers custom-object records link to (bounded; see
    /// [`super::select`]).
    pub linked_tickets: BTreeSet<String>,
    pub linked_customers: BTreeSet<String>,
}

/// Every feature `thread` shows, but [`Feature::LongestThread`] (relative to
/// the whole source) and [`Feature::DuplicateCustomer`] (a ledger look-up).
pub fn features_of(thread: &TicketThread, ctx: &Context) -> BTreeSet<Feature> {
    let t = &thread.ticket;
    let mut features = BTreeSet::new();
    features.insert(Feature::Channel(t.channel.clone()));
    for m in &thread.messages {
        features.insert(Feature::Channel(m.channel.clone()));
        if m.visibility == Visibility::PrivateNote {
            features.insert(Feature::PrivateNotes);
        }
        for a in &m.attachments {
            features.insert(if a.inline {
                Feature::InlineImages
            } else {
                Feature::Attachments
            });
        }
    }
    let flags = [
        (
            t.custom_fields.values().any(|v| v.is_filled()),
            Feature::CustomFields,
        ),
        (
            !departed_in(thread, &ctx.departed).is_empty(),
            Feature::DepartedAgent,
        ),
        (!odd_in(thread).is_empty(), Feature::OddEncoding),
        (
            ctx.linked_tickets.contains(&t.id) || ctx.linked_customers.contains(&t.customer_id),
            Feature::CustomObjectRecords,
        ),
        (thread.status_history.len() > 1, Feature::StatusHistory),
        (!t.reminders.is_empty(), Feature::Reminders),
        (t.sla.is_some(), Feature::Sla),
        (!t.notifications.is_empty(), Feature::Notifications),
        (!t.tags.is_empty(), Feature::Tags),
    ];
    features.extend(flags.into_iter().filter(|(on, _)| *on).map(|(_, f)| f));
    features
}

/// The departed agents, by name, who own `thread` or wrote in it.
pub fn departed_in(thread: &TicketThread, departed: &BTreeMap<String, String>) -> BTreeSet<String> {
    let authors = thread
        .messages
        .iter()
        .filter(|m| m.sender.kind == SenderKind::Agent)
        .filter_map(|m| m.sender.id.as_ref());
    thread
        .ticket
        .assignee_id
        .iter()
        .chain(authors)
        .filter_map(|id| departed.get(id).cloned())
        .collect()
}

/// The kinds of odd text in the subject and message bodies of `thread`.
pub fn odd_in(thread: &TicketThread) -> BTreeSet<&'static str> {
    let mut odd = odd_text(&thread.ticket.subject);
    for m in &thread.messages {
        odd.extend(odd_text(&m.body_text));
    }
    odd
}

/// The kinds of text that often break on the way: what `text` holds of them.
pub fn odd_text(text: &str) -> BTreeSet<&'static str> {
    let mut odd = BTreeSet::new();
    for c in text.chars() {
        let label = match c as u32 {
            0x1F000..=0x1FAFF | 0x2600..=0x27BF => "emoji",
            0x0590..=0x08FF => "right-to-left script",
            0x3000..=0x9FFF | 0xAC00..=0xD7AF => "CJK or Hangul",
            0x0300..=0x036F => "combining marks",
            0x200B..=0x200F | 0xFEFF => "zero-width characters",
            0xFFFD => "replacement characters (broken encoding)",
            0x00..=0x08 | 0x0B | 0x0C | 0x0E..=0x1F | 0x7F => "control characters",
            _ => continue,
        };
        odd.insert(label);
    }
    odd
}

/// The departed agents of the source: id → name (agents are few).
pub async fn departed_agents(source: &dyn Source) -> Result<BTreeMap<String, String>, SourceError> {
    let mut departed = BTreeMap::new();
    let mut agents = source.agents();
    while let Some(item) = agents.next().await {
        if let Read::Record(agent) = item? {
            if agent.is_departed() {
                departed.insert(agent.id.clone(), agent.name.clone());
            }
        }
    }
    Ok(departed)
}
