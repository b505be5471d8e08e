//! One Stames message → one Gorgias message (reference §4.2).
//!
//! - `from_agent`: written by an agent or by Stames itself (not the customer);
//!   internal notes always (Gorgias takes notes from users only).
//! - `sender`: the customer, or the agent's Gorgias user (see [`super::people`]);
//!   `receiver`: the ticket's customer on public agent messages, nobody
//!   otherwise (incoming messages and notes have no receiver, per Gorgias).
//! - Private notes are `internal-note` messages with `public: false`.
//! - `sent_datetime` is **always** the Stames `created_at`, like
//!   `created_datetime`: a message without it would be sent (invariant 4).
//! - `external_id` is the Stames message id.

use super::body::{self, MissingFile};
use super::channel::{confirmed, internal_note, Attribution};
use super::people::Author;
use super::{time, Repair};
use crate::client::wire::{Address, AttachmentRef, MessageSource, NewMessage, Party};
use deskshift_core::mapping::{FieldMap, UnmappedValue};
use deskshift_core::model::{Message, SenderKind, SourceId, Visibility};
use std::collections::HashMap;

/// What became of one Stames attachment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileOutcome {
    Uploaded(AttachmentRef),
    /// Not in Gorgias, and why (e.g. stored behind authentication).
    Missing(String),
}

/// What the map needs besides the message.
#[derive(Debug, Clone)]
pub struct MessageContext<'a> {
    pub author: Author,
    /// The confirmed field map: the `channel` value map.
    pub map: &'a FieldMap,
    /// The ticket's customer: receiver of public agent messages.
    pub customer: &'a Party,
    pub files: &'a HashMap<SourceId, FileOutcome>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MappedMessage {
    pub body: NewMessage,
    pub repairs: Vec<Repair>,
    /// Who really wrote it, when the Gorgias sender is a stand-in.
    pub attribution: Option<String>,
    pub channel_note: Option<String>,
}

/// The message as Gorgias takes it; `Err` when the confirmed map has no
/// Gorgias channel for a public message's Stames channel.
pub fn message(m: &Message, ctx: &MessageContext<'_>) -> Result<MappedMessage, UnmappedValue> {
    let public = m.visibility == Visibility::Public;
    // An internal note is always written by a user (Gorgias requires it).
    let from_agent = m.sender.kind != SenderKind::Customer || !public;
    let (route, channel_note): (Attribution, _) = if public {
        let mapped = confirmed(ctx.map, &m.channel)?;
        (mapped.value, mapped.note)
    } else {
        (internal_note(), None)
    };
    let mut uploaded = Vec::new();
    let mut urls = Vec::new();
    let mut missing = Vec::new();
    for file in &m.attachments {
        match ctx.files.get(&file.id) {
            Some(FileOutcome::Uploaded(reference)) => {
                urls.push((file.source_url.clone(), reference.url.clone()));
                uploaded.push(reference.clone());
            }
            Some(FileOutcome::Missing(reason)) => missing.push(MissingFile {
                name: file.file_name.clone(),
                reason: reason.clone(),
            }),
            None => missing.push(MissingFile {
                name: file.file_name.clone(),
                reason: "it was not uploaded".into(),
            }),
        }
    }
    let (body, repair) = body::body(
        &m.body_text,
        m.body_html.as_deref(),
        &urls,
        &missing,
        !uploaded.is_empty(),
    );
    let from = (m.sender.name.is_some() || m.sender.address.is_some()).then(|| Address {
        name: m.sender.name.clone(),
        address: m.sender.address.clone(),
    });
    let at = time::format(m.created_at);
    Ok(MappedMessage {
        body: NewMessage {
            external_id: m.id.clone(),
            channel: route.channel,
            via: route.via,
            from_agent,
            public,
            sender: Some(ctx.author.party.clone()),
            receiver: (from_agent && public).then(|| ctx.customer.clone()),
            source: MessageSource {
                source_type: route.source_type,
                from,
            },
            body_text: body.text,
            body_html: body.html,
            attachments: uploaded,
            created_datetime: at.clone(),
            sent_datetime: at,
        },
        repairs: repair.into_iter().collect(),
        attribution: ctx.author.attribution.clone(),
        channel_note,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use deskshift_core::model::{Attachment, Channel, Sender};

    fn stames_message(kind: SenderKind, visibility: Visibility) -> Message {
        Message {
            id: "m1".into(),
            ticket_id: "t1".into(),
            sender: Sender {
                kind,
                id: Some("c1".into()),
                name: Some("Zoë".into()),
                address: Some("zoe@x.io".into()),
            },
            visibility,
            channel: Channel::Whatsapp,
            body_text: "hello".into(),
            body_html: None,
            attachments: Vec::new(),
            created_at: Utc.with_ymd_and_hms(2024, 1, 2, 3, 4, 5).unwrap(),
        }
    }

    fn map(m: &Message, files: &HashMap<SourceId, FileOutcome>) -> MappedMessage {
        let customer = Party::id(7);
        let ctx = MessageContext {
            author: Author {
                party: Party::id(if m.sender.kind == SenderKind::Customer {
                    7
                } else {
                    3
                }),
                attribution: None,
            },
            customer: &customer,
            map: &crate::map::standard_map(),
            files,
        };
        message(m, &ctx).expect("every known channel is mapped")
    }

    #[test]
    fn customer_messages_are_incoming_without_receiver() {
        let mapped = map(
            &stames_message(SenderKind::Customer, Visibility::Public),
            &HashMap::new(),
        );
        let body = mapped.body;
        assert!(!body.from_agent && body.public);
        assert_eq!(body.sender, Some(Party::id(7)));
        assert_eq!(body.receiver, None);
        assert_eq!(
            (body.channel.as_str(), body.source.source_type),
            ("whatsapp", "whatsapp-message")
        );
        assert_eq!(body.external_id, "m1");
    }

    #[test]
    fn every_message_carries_sent_datetime_equal_to_its_creation() {
        for kind in [SenderKind::Customer, SenderKind::Agent, SenderKind::System] {
            for visibility in [Visibility::Public, Visibility::PrivateNote] {
                let body = map(&stames_message(kind, visibility), &HashMap::new()).body;
                assert_eq!(body.sent_datetime, "2024-01-02T03:04:05Z");
                assert_eq!(body.created_datetime, body.sent_datetime);
            }
        }
    }

    #[test]
    fn agent_replies_go_to_the_customer_and_notes_to_nobody() {
        let reply = map(
            &stames_message(SenderKind::Agent, Visibility::Public),
            &HashMap::new(),
        )
        .body;
        assert!(reply.from_agent && reply.public);
        assert_eq!(reply.receiver, Some(Party::id(7)));
        let note = map(
            &stames_message(SenderKind::Agent, Visibility::PrivateNote),
            &HashMap::new(),
        )
        .body;
        assert!(note.from_agent && !note.public);
        assert_eq!(note.channel, "internal-note");
        assert_eq!(note.receiver, None);
    }

    #[test]
    fn files_are_linked_or_announced() {
        let mut m = stames_message(SenderKind::Customer, Visibility::Public);
        let file = |id: &str, name: &str| Attachment {
            id: id.into(),
            message_id: "m1".into(),
            ticket_id: "t1".into(),
            file_name: name.into(),
            content_type: "image/png".into(),
            size_bytes: 10,
            inline: true,
            source_url: format!("https://files.stames.app/a/{id}"),
            requires_auth: false,
            created_at: m.created_at,
        };
        m.attachments = vec![file("a1", "x.png"), file("a2", "secret.pdf")];
        m.body_html = Some("<img src=\"https://files.stames.app/a/a1\">".into());
        let uploaded = AttachmentRef {
            url: "https://g/x.png".into(),
            name: "x.png".into(),
            content_type: "image/png".into(),
            size: 10,
        };
        let mut files = HashMap::new();
        files.insert("a1".to_string(), FileOutcome::Uploaded(uploaded.clone()));
        files.insert(
            "a2".to_string(),
            FileOutcome::Missing("needs a login".into()),
        );
        let body = map(&m, &files).body;
        assert_eq!(body.attachments, vec![uploaded]);
        assert_eq!(
            body.body_html
                .as_deref()
                .map(|h| h.contains("https://g/x.png")),
            Some(true)
        );
        assert!(body
            .body_text
            .contains("“secret.pdf” could not be migrated: needs a login"));
    }
}
