//! A whole Stames ticket thread → one `POST /api/tickets` (reference §4.1),
//! plus the messages that do not fit in it.
//!
//! - Messages are inline, in chronological order (stable for equal times),
//!   up to Gorgias's 500 per create; the rest go through the messages
//!   endpoint one by one.
//! - Tags and custom-field values are inline too: one call per ticket.
//! - Every ticket gets one internal note, the *migration note*: what
//!   Gorgias cannot hold (status history, reminders, SLA, notification
//!   triggers), every repair, and who really wrote messages written under a
//!   stand-in user. It is inline (no extra call) and is dated with the last
//!   message so it sorts last.
//! - A subject over 998 characters is cut; the full one is in the note.

use super::extras::{self, ExtraField};
use super::fields::{self, FieldIndex};
use super::message::{self, FileOutcome, MessageContext};
use super::people::AgentDirectory;
use super::{channel, history, status, tags, time, truncate_chars, Repair};
use crate::client::wire::{
    FieldValue, Id, IdRef, MessageSource, NewMessage, NewTicket, Party, TagName,
};
use deskshift_core::mapping::apply::FIX_THE_MAP;
use deskshift_core::mapping::{map_value, FieldMap, SourceEnumeration, UnmappedValue};
use deskshift_core::model::{Message, SenderKind, SourceId, TicketThread, Visibility};
use serde_json::Value;
use std::collections::HashMap;

/// Most messages one ticket create takes.
pub const MAX_MESSAGES_PER_CREATE: usize = 500;
/// Stames messages inline in the create: the 500th slot is the note's.
pub const INLINE_MESSAGES: usize = MAX_MESSAGES_PER_CREATE - 1;
/// Gorgias's longest subject.
pub const MAX_SUBJECT_LEN: usize = 998;

/// The thread's messages in the order they are written: by `created_at`,
/// stable for equal times (the source's order breaks ties).
pub fn chronological(thread: &TicketThread) -> Vec<&Message> {
    let mut ordered: Vec<&Message> = thread.messages.iter().collect();
    ordered.sort_by_key(|m| m.created_at);
    ordered
}

/// The Stames customer ids a ticket needs in Gorgias: its customer, then
/// any other customer who wrote in it.
pub fn customer_ids(thread: &TicketThread) -> impl Iterator<Item = &SourceId> {
    std::iter::once(&thread.ticket.customer_id).chain(
        thread
            .messages
            .iter()
            .filter(|m| m.sender.kind == SenderKind::Customer)
            .filter_map(|m| m.sender.id.as_ref()),
    )
}

/// The migration note's `external_id`.
pub fn note_external_id(ticket_id: &str) -> String {
    format!("deskshift-note:{ticket_id}")
}

/// Everything resolved beforehand that the map needs.
#[derive(Debug, Clone, Copy)]
pub struct TicketContext<'a> {
    /// Gorgias ids of the Stames customers this ticket mentions.
    pub customers: &'a HashMap<SourceId, Id>,
    pub agents: &'a AgentDirectory,
    pub fields: &'a FieldIndex,
    pub extras: &'a HashMap<ExtraField, Id>,
    pub files: &'a HashMap<SourceId, FileOutcome>,
    /// Normalised tag name → the Gorgias tag's exact name (an existing
    /// Gorgias tag may differ in case); names not in it are used as they are.
    pub tags: &'a HashMap<String, String>,
    /// The confirmed field map: status, priority and channel value maps,
    /// custom-field rows.
    pub map: &'a FieldMap,
}

/// Why a ticket cannot be written: the field at fault, why, and the fix
/// when it is the map's (otherwise the caller knows it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub field: &'static str,
    pub reason: String,
    pub fix: Option<&'static str>,
}

impl Refusal {
    fn unmapped(field: &'static str, error: UnmappedValue) -> Refusal {
        Refusal {
            field,
            reason: error.to_string(),
            fix: Some(FIX_THE_MAP),
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.reason)
    }
}

/// `value` of the ticket's `field` through the confirmed value map `name`,
/// with a note line when Gorgias spells it differently.
fn through(
    map: &FieldMap,
    name: SourceEnumeration,
    field: &'static str,
    value: &str,
) -> Result<(String, Option<String>), Refusal> {
    let to = map_value(map, name.name(), value).map_err(|e| Refusal::unmapped(field, e))?;
    let note = (to != value.trim()).then(|| {
        format!(
            "Stames {field} `{value}` became `{to}` (value map [value_maps.{}])",
            name.name()
        )
    });
    Ok((to.to_string(), note))
}

/// The calls one ticket takes.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketPlan {
    /// The create, with the first messages and the migration note.
    pub ticket: NewTicket,
    /// Messages that did not fit, in order, by Stames id.
    pub rest: Vec<(SourceId, NewMessage)>,
    pub repairs: Vec<Repair>,
}

/// Plans the ticket; `Err` when it cannot be written: its customer is not
/// in Gorgias, or the confirmed map has no Gorgias value for its status,
/// priority or a channel.
pub fn plan(thread: &TicketThread, ctx: &TicketContext<'_>) -> Result<TicketPlan, Refusal> {
    let t = &thread.ticket;
    let customer_id = ctx
        .customers
        .get(&t.customer_id)
        .copied()
        .ok_or_else(|| Refusal {
            field: "(record)",
            reason: format!(
                "its customer {} is not in Gorgias (rejected or skipped earlier; see that \
                 customer's reason)",
                t.customer_id
            ),
            fix: None,
        })?;
    let customer = Party::id(customer_id);
    let mut note = Note::new(&t.id);
    let mut repairs = Vec::new();

    let (status, status_note) = through(
        ctx.map,
        SourceEnumeration::TicketStatus,
        "status",
        &t.status,
    )?;
    note.add_opt("Status", status_note);
    let (priority, priority_note) = through(
        ctx.map,
        SourceEnumeration::TicketPriority,
        "priority",
        &t.priority,
    )?;
    note.add_opt("Priority", priority_note);
    let ticket_channel =
        channel::confirmed(ctx.map, &t.channel).map_err(|e| Refusal::unmapped("channel", e))?;
    note.add_opt("Channel", ticket_channel.note);

    let subject = t.subject.trim();
    let subject = if subject.chars().count() > MAX_SUBJECT_LEN {
        let cut = format!("{}…", truncate_chars(subject, MAX_SUBJECT_LEN - 1));
        repairs.push(Repair::new(
            "subject",
            format!(
                "longer than {MAX_SUBJECT_LEN} characters; cut, full subject in the migration note"
            ),
        ));
        note.add("Full subject", subject.to_string());
        Some(cut)
    } else {
        (!subject.is_empty()).then(|| subject.to_string())
    };

    let ordered = chronological(thread);
    let mut mapped = Vec::with_capacity(ordered.len());
    for m in &ordered {
        let author = match m.sender.kind {
            // A note needs a user as author; the customer is named instead.
            SenderKind::Customer if m.visibility == Visibility::PrivateNote => {
                super::people::Author {
                    party: Party::id(ctx.agents.migration_user),
                    attribution: Some(format!(
                        "originally by the customer {}",
                        m.sender
                            .name
                            .as_deref()
                            .or(m.sender.address.as_deref())
                            .unwrap_or("(unnamed)")
                    )),
                }
            }
            SenderKind::Customer => {
                let party = m
                    .sender
                    .id
                    .as_ref()
                    .and_then(|id| ctx.customers.get(id))
                    .map_or_else(|| customer.clone(), |id| Party::id(*id));
                super::people::Author {
                    party,
                    attribution: None,
                }
            }
            SenderKind::Agent => ctx.agents.author(m.sender.id.as_ref()),
            SenderKind::System => ctx.agents.author(None),
        };
        let one = message::message(
            m,
            &MessageContext {
                author,
                customer: &customer,
                map: ctx.map,
                files: ctx.files,
            },
        )
        .map_err(|e| Refusal::unmapped("channel", e))?;
        let when = time::format(m.created_at);
        if let Some(who) = &one.attribution {
            note.add("Author", format!("message {} of {when}: {who}", m.id));
        }
        note.add_opt("Channel", one.channel_note.clone());
        for repair in &one.repairs {
            note.add(
                "Repair",
                format!("message {} of {when}: {}", m.id, repair.detail),
            );
        }
        repairs.extend(one.repairs.iter().cloned());
        mapped.push((m.id.clone(), one.body));
    }

    let mut custom_fields: Vec<FieldValue>;
    let field_notes;
    (custom_fields, field_notes) = fields::values(&t.custom_fields, ctx.fields, ctx.map);
    for line in field_notes {
        note.add("Custom field", line);
    }
    for extra in ExtraField::ALL {
        if let (Some(id), Some(value)) = (
            ctx.extras.get(&extra),
            extra.value(&t.reminders, t.sla.as_ref()),
        ) {
            custom_fields.push(FieldValue { id: *id, value });
        }
    }
    for line in extras::lines(&t.reminders, t.sla.as_ref(), &t.notifications) {
        note.add("Follow-up", line);
    }

    let mut tag_names: Vec<TagName> = Vec::new();
    for tag in &t.tags {
        match tags::tag_name(tag) {
            Some(name) => {
                note.add_opt("Tag", name.note);
                let name = ctx.tags.get(&name.value).cloned().unwrap_or(name.value);
                if !tag_names.iter().any(|t| t.name == name) {
                    tag_names.push(TagName { name });
                }
            }
            None => note.add(
                "Tag",
                format!("tag `{tag}` has no usable name and was left out"),
            ),
        }
    }

    let assignee_user = match &t.assignee_id {
        Some(id) => {
            let (user, why) = ctx.agents.assignee(id);
            note.add_opt("Assignee", why);
            user.map(|id| IdRef { id })
        }
        None => None,
    };

    for line in history::lines(&thread.status_history, |id| ctx.agents.name(id)) {
        note.add("Status history", line);
    }

    let last = ordered.last().map(|m| m.created_at);
    let last_received = ordered
        .iter()
        .rev()
        .find(|m| m.sender.kind == SenderKind::Customer)
        .map(|m| m.created_at);
    let note_at = time::format(last.unwrap_or(t.created_at));
    let note_message = note.into_message(&t.id, ctx.agents.migration_user, note_at);

    let inline = mapped.len().min(INLINE_MESSAGES);
    let rest = mapped.split_off(inline);
    let mut messages: Vec<NewMessage> = mapped.into_iter().map(|(_, body)| body).collect();
    let from_agent = messages.first().is_none_or(|m| m.from_agent);
    messages.push(note_message);

    let closed = status == status::CLOSED;
    Ok(TicketPlan {
        ticket: NewTicket {
            external_id: t.id.clone(),
            subject,
            status,
            priority,
            channel: ticket_channel.value.channel,
            via: channel::VIA,
            from_agent,
            customer,
            assignee_user,
            messages,
            tags: tag_names,
            custom_fields,
            created_datetime: time::format(t.created_at),
            opened_datetime: None,
            closed_datetime: closed.then(|| time::format(t.closed_at.unwrap_or(t.updated_at))),
            last_message_datetime: last.map(time::format),
            last_received_message_datetime: last_received.map(time::format),
            updated_datetime: time::format(t.updated_at),
        },
        rest,
        repairs,
    })
}

/// The migration note, built section by section.
struct Note {
    header: String,
    sections: Vec<(&'static str, Vec<String>)>,
}

impl Note {
    fn new(ticket_id: &str) -> Note {
        Note {
            header: format!("Migrated from Stames ticket {ticket_id} by deskshift."),
            sections: Vec::new(),
        }
    }

    fn add(&mut self, section: &'static str, line: String) {
        match self.sections.iter_mut().find(|(name, _)| *name == section) {
            Some((_, lines)) => lines.push(line),
            None => self.sections.push((section, vec![line])),
        }
    }

    fn add_opt(&mut self, section: &'static str, line: Option<String>) {
        if let Some(line) = line {
            self.add(section, line);
        }
    }

    fn text(&self) -> String {
        let mut text = self.header.clone();
        for (name, lines) in &self.sections {
            text.push_str(&format!("\n\n{name}:"));
            for line in lines {
                text.push_str(&format!("\n- {line}"));
            }
        }
        text
    }

    fn into_message(self, ticket_id: &str, author: Id, at: String) -> NewMessage {
        note_message(ticket_id, author, self.text(), at)
    }
}

/// The migration note of `ticket_id` with `text`, written by `author` and
/// dated `at` (RFC 3339): an internal note, never sent.
pub fn note_message(ticket_id: &str, author: Id, text: String, at: String) -> NewMessage {
    let note = channel::internal_note();
    NewMessage {
        external_id: note_external_id(ticket_id),
        channel: note.channel,
        via: note.via,
        from_agent: true,
        public: false,
        sender: Some(Party::id(author)),
        receiver: None,
        source: MessageSource {
            source_type: note.source_type,
            from: None,
        },
        body_text: text,
        body_html: None,
        attachments: Vec::new(),
        created_datetime: at.clone(),
        sent_datetime: at,
    }
}

/// The value of `field` among `values`, for verify.
pub fn field_value(values: &[FieldValue], field: Id) -> Option<&Value> {
    values.iter().find(|v| v.id == field).map(|v| &v.value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::map::fields::{FieldLanding, GorgiasField, TargetField};
    use crate::map::people::AgentRef;
    use chrono::{Duration, TimeZone, Utc};
    use deskshift_core::mapping::{FieldRef, Target, Transform, ValueType};
    use deskshift_core::model::{
        Channel, FieldValue as StamesValue, Message, Sender, Sla, StatusEvent, Ticket,
    };
    use std::collections::BTreeMap;

    fn thread(messages: usize) -> TicketThread {
        let start = Utc.with_ymd_and_hms(2024, 5, 1, 8, 0, 0).unwrap();
        let mut custom_fields = BTreeMap::new();
        custom_fields.insert("3".to_string(), StamesValue::Number(12.5));
        TicketThread {
            ticket: Ticket {
                id: "100".into(),
                subject: "Broken tent".into(),
                status: "solved".into(),
                priority: "urgent".into(),
                channel: Channel::Email,
                department_id: None,
                customer_id: "c1".into(),
                assignee_id: Some("a1".into()),
                tags: vec![
                    "Refund Request".into(),
                    "refund_request".into(),
                    "VIP".into(),
                ],
                custom_fields,
                reminders: Vec::new(),
                notifications: Vec::new(),
                sla: Some(Sla {
                    policy: "Gold".into(),
                    first_response_due_at: None,
                    resolution_due_at: Some(start),
                    first_responded_at: None,
                    breached: false,
                }),
                created_at: start,
                updated_at: start + Duration::days(2),
                closed_at: Some(start + Duration::days(1)),
            },
            // Deliberately out of order: the map sorts by time.
            messages: (0..messages)
                .rev()
                .map(|i| Message {
                    id: format!("m{i}"),
                    ticket_id: "100".into(),
                    sender: Sender {
                        kind: if i % 2 == 0 {
                            SenderKind::Customer
                        } else {
                            SenderKind::Agent
                        },
                        id: Some(if i % 2 == 0 { "c1".into() } else { "a1".into() }),
                        name: None,
                        address: None,
                    },
                    visibility: Visibility::Public,
                    channel: Channel::Email,
                    body_text: format!("message {i}"),
                    body_html: None,
                    attachments: Vec::new(),
                    created_at: start + Duration::minutes(i as i64),
                })
                .collect(),
            status_history: vec![StatusEvent {
                ticket_id: "100".into(),
                from: Some("open".into()),
                to: "solved".into(),
                changed_at: start + Duration::days(1),
                changed_by: Some("a1".into()),
            }],
        }
    }

    struct Fixture {
        customers: HashMap<SourceId, Id>,
        agents: AgentDirectory,
        fields: FieldIndex,
        extras: HashMap<ExtraField, Id>,
        files: HashMap<SourceId, FileOutcome>,
        tags: HashMap<String, String>,
        map: FieldMap,
    }

    impl Fixture {
        fn new() -> Fixture {
            let mut customers = HashMap::new();
            customers.insert("c1".to_string(), 7);
            let mut agents = AgentDirectory {
                migration_user: 1,
                ..AgentDirectory::default()
            };
            agents.agents.insert(
                "a1".into(),
                AgentRef {
                    name: "Ana".into(),
                    email: "ana@x.io".into(),
                    departed: false,
                    user: Some(3),
                },
            );
            let mut fields = FieldIndex::new();
            fields.insert(
                "3".into(),
                FieldLanding::Field(TargetField {
                    id: 30,
                    label: "Refund".into(),
                    shape: GorgiasField::Number,
                    row: crate::map::fields::tests::row(
                        "refund",
                        ValueType::Number,
                        Target::NewField {
                            field: FieldRef::new("Ticket", "Refund"),
                            field_type: ValueType::Number,
                        },
                        Transform::Copy,
                    ),
                }),
            );
            let mut extras = HashMap::new();
            extras.insert(ExtraField::SlaDeadline, 91);
            Fixture {
                customers,
                agents,
                fields,
                extras,
                files: HashMap::new(),
                tags: HashMap::new(),
                map: crate::map::standard_map(),
            }
        }

        fn ctx(&self) -> TicketContext<'_> {
            TicketContext {
                customers: &self.customers,
                agents: &self.agents,
                fields: &self.fields,
                extras: &self.extras,
                files: &self.files,
                tags: &self.tags,
                map: &self.map,
            }
        }
    }

    #[test]
    fn one_create_carries_messages_tags_and_field_values() {
        let f = Fixture::new();
        let plan = plan(&thread(3), &f.ctx()).unwrap();
        let t = &plan.ticket;
        assert_eq!(
            (t.status.as_str(), t.priority.as_str(), t.channel.as_str()),
            ("closed", "critical", "email")
        );
        assert_eq!(t.external_id, "100");
        assert_eq!(t.customer, Party::id(7));
        assert_eq!(t.assignee_user, Some(IdRef { id: 3 }));
        assert_eq!(t.tags.len(), 2, "Refund Request and refund_request collide");
        assert_eq!(
            field_value(&t.custom_fields, 30),
            Some(&serde_json::json!(12.5))
        );
        assert_eq!(
            field_value(&t.custom_fields, 91),
            Some(&serde_json::json!("2024-05-01T08:00:00Z"))
        );
        let ids: Vec<&str> = t.messages.iter().map(|m| m.external_id.as_str()).collect();
        assert_eq!(ids, ["m0", "m1", "m2", "deskshift-note:100"]);
        assert!(!t.from_agent, "the first message is the customer's");
        assert_eq!(t.closed_datetime.as_deref(), Some("2024-05-02T08:00:00Z"));
        assert_eq!(
            t.last_message_datetime.as_deref(),
            Some("2024-05-01T08:02:00Z")
        );
        assert!(plan.rest.is_empty());
        let note = &t.messages[3];
        assert!(!note.public && note.channel == "internal-note");
        assert!(
            note.body_text.contains("open → solved (by Ana)"),
            "{}",
            note.body_text
        );
        assert!(note.body_text.contains("SLA policy `Gold`"));
    }

    #[test]
    fn more_than_500_messages_continue_through_the_messages_endpoint() {
        let f = Fixture::new();
        let plan = plan(&thread(620), &f.ctx()).unwrap();
        assert_eq!(plan.ticket.messages.len(), MAX_MESSAGES_PER_CREATE);
        assert_eq!(plan.ticket.messages[498].external_id, "m498");
        assert_eq!(plan.rest.len(), 620 - 499);
        assert_eq!(plan.rest[0].0, "m499");
        assert_eq!(plan.rest.last().unwrap().1.external_id, "m619");
    }

    #[test]
    fn a_long_subject_is_cut_and_kept_in_the_note() {
        let f = Fixture::new();
        let mut t = thread(1);
        t.ticket.subject = "s".repeat(1200);
        let plan = plan(&t, &f.ctx()).unwrap();
        assert_eq!(
            plan.ticket.subject.as_ref().unwrap().chars().count(),
            MAX_SUBJECT_LEN
        );
        assert_eq!(plan.repairs[0].field, "subject");
        assert!(plan
            .ticket
            .messages
            .last()
            .unwrap()
            .body_text
            .contains(&"s".repeat(1200)));
    }

    #[test]
    fn a_ticket_whose_customer_is_missing_is_refused_with_a_reason() {
        let mut f = Fixture::new();
        f.customers.clear();
        assert!(plan(&thread(1), &f.ctx())
            .unwrap_err()
            .reason
            .contains("customer c1"));
    }

    #[test]
    fn a_customers_private_note_is_written_by_a_user_and_attributed() {
        let f = Fixture::new();
        let mut t = thread(1);
        t.messages[0].visibility = Visibility::PrivateNote;
        t.messages[0].sender.name = Some("Zoë".into());
        let plan = plan(&t, &f.ctx()).unwrap();
        let note = &plan.ticket.messages[0];
        assert!(note.from_agent && !note.public);
        assert_eq!(note.sender, Some(Party::id(1)));
        let migration_note = &plan.ticket.messages[1].body_text;
        assert!(
            migration_note.contains("originally by the customer Zoë"),
            "{migration_note}"
        );
    }

    #[test]
    fn a_ticket_without_messages_still_has_its_note() {
        let f = Fixture::new();
        let plan = plan(&thread(0), &f.ctx()).unwrap();
        assert_eq!(plan.ticket.messages.len(), 1);
        assert!(plan.ticket.from_agent);
    }
}
