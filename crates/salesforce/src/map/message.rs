//! The conversation: a public Stames message → one EmailMessage; a private
//! note → one or more CaseComments.
//!
//! **EmailMessage** (on the Case, `ParentId`): `Incoming` when the customer
//! wrote it; `MessageDate` the Stames time; `Status` is always `'3'` (Sent) —
//! inserting an EmailMessage record sends nothing, and a Draft (`'5'`) would
//! stay editable and could be sent from the UI. `FromAddress`/`ToAddress`
//! hold e-mail addresses only (they are e-mail fields); a phone number or
//! social handle of another channel goes into `FromName` (`Zoë (WhatsApp:
//! +1 202 555 0100)`), and the channel into `Stames_Channel_Source__c`.
//! `TextBody`/`HtmlBody` hold at most 131,072 characters each: a longer body
//! is cut with a visible `[…]` notice (a repair). Stames file URLs in the
//! bodies are rewritten to the migrated files (`/sfc/servlet.shepherd/
//! version/download/<ContentVersion id>`) when the writer uploaded them
//! first. `Subject` is the ticket's full subject (≤ 3,000).
//!
//! **CaseComment** (`IsPublished = false`, never shown to the customer):
//! CaseComment has no custom fields, so it cannot carry an external id;
//! instead every comment *starts* with a marker line, `[stames-note <id>
//! <part>/<total>]`, then who wrote it and when (CreatedDate/CreatedById
//! need audit fields, so the body says it either way), then the text. The
//! writer lists the Case's comments (`SELECT Id, CommentBody FROM
//! CaseComment WHERE ParentId = …`), parses their markers with
//! [`CommentMarker::parse`], and creates only the parts not there yet. The
//! body is limited to 4,000 **bytes**: a longer note is split at line
//! breaks into up to 20 comments; beyond that it is cut (a repair).

use super::schema;
use super::text::{
    datetime, human_time, is_email, non_blank, split_bytes, truncate_bytes, truncate_chars,
    truncate_with_marker,
};
use super::users::UserDirectory;
use super::{OrgCapabilities, Record, Repair, SfId};
use deskshift_core::model::{Channel, Message, SenderKind, SourceId, Visibility};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// EmailMessage `Status` for every migrated message: Sent.
pub const EMAIL_STATUS_SENT: &str = "3";
/// Longest `TextBody` / `HtmlBody`.
pub const MAX_BODY_CHARS: usize = 131_072;
/// Longest EmailMessage `Subject`.
pub const MAX_EMAIL_SUBJECT_LEN: usize = 3000;
/// Longest `FromName`.
pub const MAX_FROM_NAME_LEN: usize = 1000;
/// Longest `CommentBody`, in bytes.
pub const MAX_COMMENT_BYTES: usize = 4000;
/// Most comments one private note is split into.
pub const MAX_COMMENT_PARTS: usize = 20;
/// The notice ending a cut body.
pub const CUT_NOTICE: &str = "\n[… cut by deskshift: the message was longer than Salesforce keeps]";

/// Everything resolved beforehand that the map needs.
#[derive(Debug, Clone, Copy)]
pub struct MessageContext<'a> {
    /// The Case the message belongs to.
    pub case_id: &'a SfId,
    /// The ticket's full subject.
    pub subject: &'a str,
    /// The ticket customer's e-mail: `ToAddress` of outgoing messages.
    pub customer_email: Option<&'a str>,
    /// The Stames inbox address: `ToAddress` of incoming messages and
    /// `FromAddress` of automatic ones.
    pub support_address: Option<&'a str>,
    pub users: &'a UserDirectory,
    /// Stames attachment id → ContentVersion id, for the files the writer
    /// uploaded before the messages.
    pub files: &'a HashMap<SourceId, SfId>,
    pub caps: &'a OrgCapabilities,
}

/// What one Stames message becomes.
#[derive(Debug, Clone, PartialEq)]
pub enum MappedMessage {
    Email {
        record: Record,
        repairs: Vec<Repair>,
    },
    Note {
        parts: Vec<CommentPart>,
        repairs: Vec<Repair>,
    },
}

/// One CaseComment of a private note.
#[derive(Debug, Clone, PartialEq)]
pub struct CommentPart {
    pub marker: CommentMarker,
    pub record: Record,
}

/// The first line of every migrated CaseComment: which Stames note, which
/// part. deskshift's idempotency key where no external-ID field can exist.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CommentMarker {
    /// The Stames message id, percent-encoded to letters, digits and
    /// `-_.:` (so the line always parses back).
    pub encoded_id: String,
    pub part: usize,
    pub total: usize,
}

const MARKER_PREFIX: &str = "[stames-note ";

impl CommentMarker {
    pub fn new(message_id: &str, part: usize, total: usize) -> CommentMarker {
        CommentMarker {
            encoded_id: encode_id(message_id),
            part,
            total,
        }
    }

    /// `[stames-note 4711 1/2]`.
    pub fn line(&self) -> String {
        format!(
            "{MARKER_PREFIX}{} {}/{}]",
            self.encoded_id, self.part, self.total
        )
    }

    /// The marker a comment body starts with, if it is one of deskshift's.
    pub fn parse(body: &str) -> Option<CommentMarker> {
        let rest = body.strip_prefix(MARKER_PREFIX)?;
        let line = rest.split('\n').next()?;
        let inner = &line[..line.find(']')?];
        let (id, counts) = inner.split_once(' ')?;
        let (part, total) = counts.split_once('/')?;
        Some(CommentMarker {
            encoded_id: id.to_string(),
            part: part.parse().ok()?,
            total: total.parse().ok()?,
        })
    }
}

fn encode_id(id: &str) -> String {
    let mut out = String::new();
    for c in id.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':') {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for byte in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    if out.is_empty() {
        return "%00".to_string();
    }
    // A pathological id must not crowd the text out of a 4,000-byte body:
    // keep its start and a hash of the whole (still unique, still ASCII).
    if out.len() > MAX_MARKER_ID_LEN {
        let hash = hex::encode(Sha256::digest(out.as_bytes()));
        return format!("{}~{}", &out[..MAX_MARKER_ID_LEN - 17], &hash[..16]);
    }
    out
}

/// Longest encoded id in a marker.
const MAX_MARKER_ID_LEN: usize = 120;

pub fn message(m: &Message, ctx: &MessageContext<'_>) -> MappedMessage {
    match m.visibility {
        Visibility::Public => email(m, ctx),
        Visibility::PrivateNote => note(m, ctx),
    }
}

/// Who wrote `m`, as `(name for people, e-mail if any, CreatedById)`.
fn author(m: &Message, ctx: &MessageContext<'_>) -> (String, Option<String>, Option<SfId>) {
    let sender_name = non_blank(m.sender.name.as_deref());
    let sender_address = non_blank(m.sender.address.as_deref());
    match m.sender.kind {
        SenderKind::Customer => (
            sender_name.unwrap_or("Customer").to_string(),
            sender_address.filter(|a| is_email(a)).map(String::from),
            None,
        ),
        SenderKind::Agent => {
            let agent = m
                .sender
                .id
                .as_deref()
                .and_then(|id| ctx.users.agents.get(id));
            let name = agent
                .map(|a| a.name.trim().to_string())
                .filter(|n| !n.is_empty())
                .or(sender_name.map(String::from))
                .unwrap_or_else(|| "Agent".to_string());
            let address = agent
                .map(|a| a.email.trim().to_string())
                .filter(|e| is_email(e))
                .or(sender_address.filter(|a| is_email(a)).map(String::from));
            let user = m
                .sender
                .id
                .as_deref()
                .and_then(|id| ctx.users.user_of(id, ctx.caps))
                .cloned();
            (name, address, user)
        }
        SenderKind::System => (
            "Stames (automatic message)".to_string(),
            ctx.support_address
                .filter(|a| is_email(a))
                .map(String::from),
            None,
        ),
    }
}

fn email(m: &Message, ctx: &MessageContext<'_>) -> MappedMessage {
    let mut repairs = Vec::new();
    let mut record = Record::new();
    let incoming = m.sender.kind == SenderKind::Customer;
    let (name, address, user) = author(m, ctx);
    let handle = non_blank(m.sender.address.as_deref()).filter(|a| !is_email(a));
    let from_name = match handle {
        Some(handle) => format!("{name} ({}: {handle})", m.channel.label()),
        None => name,
    };
    record.insert(
        schema::MESSAGE_ID.into(),
        json!(super::customer::bounded_key(&m.id)),
    );
    record.insert("ParentId".into(), json!(ctx.case_id));
    record.insert("Incoming".into(), json!(incoming));
    record.insert("Status".into(), json!(EMAIL_STATUS_SENT));
    record.insert("MessageDate".into(), json!(datetime(m.created_at)));
    record.insert(
        "FromName".into(),
        json!(truncate_chars(&from_name, MAX_FROM_NAME_LEN)),
    );
    if let Some(address) = address {
        record.insert("FromAddress".into(), json!(address));
    }
    let to = if incoming {
        ctx.support_address
    } else {
        ctx.customer_email
    };
    if let Some(to) = to.map(str::trim).filter(|a| is_email(a)) {
        record.insert("ToAddress".into(), json!(to));
    }
    let subject = ctx.subject.trim();
    if !subject.is_empty() {
        record.insert(
            "Subject".into(),
            json!(truncate_chars(subject, MAX_EMAIL_SUBJECT_LEN)),
        );
    }
    let urls = file_urls(m, ctx.files);
    let text = rewrite(&m.body_text, &urls);
    record.insert(
        "TextBody".into(),
        json!(cut_body(&text, "TextBody", &mut repairs)),
    );
    if let Some(html) = non_blank(m.body_html.as_deref()) {
        let html = rewrite(html, &urls);
        record.insert(
            "HtmlBody".into(),
            json!(cut_body(&html, "HtmlBody", &mut repairs)),
        );
    }
    if m.channel != Channel::Email {
        record.insert(schema::CHANNEL_SOURCE.into(), json!(m.channel.label()));
    }
    stamp(&mut record, m, user, ctx.caps);
    MappedMessage::Email { record, repairs }
}

fn cut_body(body: &str, field: &str, repairs: &mut Vec<Repair>) -> String {
    match truncate_with_marker(body, MAX_BODY_CHARS, CUT_NOTICE) {
        Some(cut) => {
            repairs.push(Repair::new(
                field,
                format!(
                    "{} characters; EmailMessage keeps {MAX_BODY_CHARS}, cut with a notice",
                    body.chars().count()
                ),
            ));
            cut
        }
        None => body.to_string(),
    }
}

/// The original time and author: `CreatedDate` (+ `CreatedById` of a
/// matched agent) with audit fields, else `Stames_Created_Date__c` (the
/// time is in `MessageDate` too).
fn stamp(record: &mut Record, m: &Message, user: Option<SfId>, caps: &OrgCapabilities) {
    if caps.audit_fields {
        record.insert("CreatedDate".into(), json!(datetime(m.created_at)));
        if let Some(user) = user {
            record.insert("CreatedById".into(), json!(user));
        }
    } else {
        record.insert(schema::CREATED_DATE.into(), json!(datetime(m.created_at)));
    }
}

/// Stames file URL → the migrated file's download path.
fn file_urls(m: &Message, files: &HashMap<SourceId, SfId>) -> Vec<(String, String)> {
    m.attachments
        .iter()
        .filter(|a| !a.source_url.trim().is_empty())
        .filter_map(|a| {
            files.get(&a.id).map(|version| {
                (
                    a.source_url.clone(),
                    format!("/sfc/servlet.shepherd/version/download/{version}"),
                )
            })
        })
        .collect()
}

fn rewrite(body: &str, urls: &[(String, String)]) -> String {
    urls.iter()
        .fold(body.to_string(), |body, (from, to)| body.replace(from, to))
}

fn note(m: &Message, ctx: &MessageContext<'_>) -> MappedMessage {
    let mut repairs = Vec::new();
    let (name, address, user) = author(m, ctx);
    let who = match (m.sender.kind, address) {
        (SenderKind::Customer, _) => format!("the customer {name}"),
        (_, Some(address)) => format!("{name} <{address}>"),
        (_, None) => name,
    };
    let who = truncate_chars(&who, 300).to_string();
    let header = |marker: &CommentMarker| {
        format!(
            "{}\nPrivate note by {who}, {}\n\n",
            marker.line(),
            human_time(m.created_at)
        )
    };
    let widest = header(&CommentMarker::new(
        &m.id,
        MAX_COMMENT_PARTS,
        MAX_COMMENT_PARTS,
    ));
    let budget = MAX_COMMENT_BYTES.saturating_sub(widest.len()).max(4);
    let text = m.body_text.as_str();
    let limit = budget * MAX_COMMENT_PARTS;
    let text = if text.len() > limit {
        repairs.push(Repair::new(
            "body_text",
            format!(
                "private note of {} bytes; kept the first {limit} bytes in {MAX_COMMENT_PARTS} \
                 comments",
                text.len()
            ),
        ));
        truncate_bytes(text, limit)
    } else {
        text
    };
    let chunks = split_bytes(text, budget);
    if chunks.len() > 1 {
        repairs.push(Repair::new(
            "body_text",
            format!(
                "private note longer than {MAX_COMMENT_BYTES} bytes; split into {} comments",
                chunks.len()
            ),
        ));
    }
    let total = chunks.len();
    let parts = chunks
        .into_iter()
        .enumerate()
        .map(|(i, chunk)| {
            let marker = CommentMarker::new(&m.id, i + 1, total);
            let body = format!("{}{chunk}", header(&marker));
            let mut record = Record::new();
            record.insert("ParentId".into(), json!(ctx.case_id));
            record.insert("IsPublished".into(), json!(false));
            record.insert(
                "CommentBody".into(),
                json!(truncate_bytes(&body, MAX_COMMENT_BYTES)),
            );
            if ctx.caps.audit_fields {
                record.insert("CreatedDate".into(), json!(datetime(m.created_at)));
                if let Some(user) = &user {
                    record.insert("CreatedById".into(), json!(user));
                }
            }
            CommentPart { marker, record }
        })
        .collect();
    MappedMessage::Note { parts, repairs }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::map::users::{AgentMatch, UserMatch};
    use chrono::{TimeZone, Utc};
    use deskshift_core::model::{Attachment, Sender};
    use proptest::prelude::*;

    fn directory() -> UserDirectory {
        UserDirectory::new(
            vec![AgentMatch {
                agent_id: "a1".into(),
                name: "Ana Lima".into(),
                email: "ana@shop.io".into(),
                departed: false,
                user: UserMatch::Active("005A".into()),
                suggested_profile: "Standard User".into(),
                note: None,
            }],
            None,
        )
    }

    fn msg(kind: SenderKind, visibility: Visibility, channel: Channel) -> Message {
        Message {
            id: "m1".into(),
            ticket_id: "t1".into(),
            sender: Sender {
                kind,
                id: Some(
                    if kind == SenderKind::Agent {
                        "a1"
                    } else {
                        "c1"
                    }
                    .into(),
                ),
                name: Some("Zoë".into()),
                address: Some(
                    if channel == Channel::Email {
                        "zoe@x.io"
                    } else {
                        "+1 202 555"
                    }
                    .into(),
                ),
            },
            visibility,
            channel,
            body_text: "hello".into(),
            body_html: None,
            attachments: Vec::new(),
            created_at: Utc.with_ymd_and_hms(2024, 1, 2, 3, 4, 5).unwrap(),
        }
    }

    fn map_with(
        m: &Message,
        caps: OrgCapabilities,
        files: &HashMap<SourceId, SfId>,
    ) -> MappedMessage {
        let users = directory();
        let case_id = "500X".to_string();
        message(
            m,
            &MessageContext {
                case_id: &case_id,
                subject: "Broken tent",
                customer_email: Some("zoe@x.io"),
                support_address: Some("support@shop.io"),
                users: &users,
                files,
                caps: &caps,
            },
        )
    }

    fn email_of(m: &Message, caps: OrgCapabilities) -> Record {
        match map_with(m, caps, &HashMap::new()) {
            MappedMessage::Email { record, .. } => record,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn customer_email_is_incoming_and_sent() {
        let r = email_of(
            &msg(SenderKind::Customer, Visibility::Public, Channel::Email),
            OrgCapabilities::default(),
        );
        assert_eq!(r["Incoming"], true);
        assert_eq!(r["Status"], "3");
        assert_eq!(r["ParentId"], "500X");
        assert_eq!(r["FromAddress"], "zoe@x.io");
        assert_eq!(r["FromName"], "Zoë");
        assert_eq!(r["ToAddress"], "support@shop.io");
        assert_eq!(r["MessageDate"], "2024-01-02T03:04:05.000Z");
        assert_eq!(r[schema::MESSAGE_ID], "m1");
        assert_eq!(r[schema::CREATED_DATE], "2024-01-02T03:04:05.000Z");
        assert!(!r.contains_key(schema::CHANNEL_SOURCE));
        assert!(!r.contains_key("CreatedDate"));
    }

    #[test]
    fn agent_replies_on_other_channels_keep_the_channel_and_handle() {
        let caps = OrgCapabilities {
            audit_fields: true,
            ..Default::default()
        };
        let mut m = msg(SenderKind::Customer, Visibility::Public, Channel::Whatsapp);
        let r = email_of(&m, caps);
        assert_eq!(r["FromName"], "Zoë (WhatsApp: +1 202 555)");
        assert!(!r.contains_key("FromAddress"));
        assert_eq!(r[schema::CHANNEL_SOURCE], "WhatsApp");
        m.sender.kind = SenderKind::Agent;
        m.sender.id = Some("a1".into());
        m.sender.address = None;
        let r = email_of(&m, caps);
        assert_eq!(r["Incoming"], false);
        assert_eq!(
            (r["FromName"].as_str(), r["FromAddress"].as_str()),
            (Some("Ana Lima"), Some("ana@shop.io"))
        );
        assert_eq!(r["ToAddress"], "zoe@x.io");
        assert_eq!(r["CreatedDate"], "2024-01-02T03:04:05.000Z");
        assert_eq!(r["CreatedById"], "005A");
    }

    #[test]
    fn long_bodies_are_cut_with_a_notice_and_urls_rewritten() {
        let mut m = msg(SenderKind::Customer, Visibility::Public, Channel::Email);
        m.body_text = "x".repeat(MAX_BODY_CHARS + 10);
        m.body_html = Some("<img src=\"https://files.stames.app/a/9\">".into());
        m.attachments = vec![Attachment {
            id: "9".into(),
            message_id: "m1".into(),
            ticket_id: "t1".into(),
            file_name: "x.png".into(),
            content_type: "image/png".into(),
            size_bytes: 1,
            inline: true,
            source_url: "https://files.stames.app/a/9".into(),
            requires_auth: false,
            created_at: m.created_at,
        }];
        let mut files = HashMap::new();
        files.insert("9".to_string(), "068V".to_string());
        let MappedMessage::Email { record, repairs } =
            map_with(&m, OrgCapabilities::default(), &files)
        else {
            panic!()
        };
        let text = record["TextBody"].as_str().unwrap();
        assert_eq!(text.chars().count(), MAX_BODY_CHARS);
        assert!(text.ends_with(CUT_NOTICE));
        assert_eq!(repairs.len(), 1);
        assert_eq!(
            record["HtmlBody"],
            "<img src=\"/sfc/servlet.shepherd/version/download/068V\">"
        );
    }

    #[test]
    fn huge_ids_keep_markers_short_and_distinct() {
        let a = CommentMarker::new(&"é".repeat(500), 1, 1);
        let b = CommentMarker::new(&format!("{}e", "é".repeat(499)), 1, 1);
        assert!(a.encoded_id.len() <= MAX_MARKER_ID_LEN);
        assert_ne!(a, b);
        assert_eq!(CommentMarker::parse(&a.line()), Some(a));
    }

    #[test]
    fn private_notes_become_marked_unpublished_comments() {
        let m = msg(SenderKind::Agent, Visibility::PrivateNote, Channel::Email);
        let MappedMessage::Note { parts, repairs } =
            map_with(&m, OrgCapabilities::default(), &HashMap::new())
        else {
            panic!()
        };
        assert!(repairs.is_empty());
        assert_eq!(parts.len(), 1);
        let body = parts[0].record["CommentBody"].as_str().unwrap();
        assert_eq!(
            body,
            "[stames-note m1 1/1]\nPrivate note by Ana Lima <ana@shop.io>, 2024-01-02 03:04:05 UTC\n\nhello"
        );
        assert_eq!(parts[0].record["IsPublished"], false);
        assert_eq!(
            CommentMarker::parse(body),
            Some(CommentMarker::new("m1", 1, 1))
        );
        assert!(!parts[0].record.contains_key("CreatedDate"));
    }

    #[test]
    fn long_notes_split_within_4000_bytes_and_stay_findable() {
        let mut m = msg(SenderKind::Agent, Visibility::PrivateNote, Channel::Email);
        m.id = "id with ]spaces".into();
        m.body_text = "ünïcödé line\n".repeat(800);
        let MappedMessage::Note { parts, repairs } =
            map_with(&m, OrgCapabilities::default(), &HashMap::new())
        else {
            panic!()
        };
        assert!(parts.len() > 1);
        assert_eq!(repairs.len(), 1);
        let mut text = String::new();
        for (i, part) in parts.iter().enumerate() {
            let body = part.record["CommentBody"].as_str().unwrap();
            assert!(body.len() <= MAX_COMMENT_BYTES);
            let marker = CommentMarker::parse(body).unwrap();
            assert_eq!(marker, CommentMarker::new(&m.id, i + 1, parts.len()));
            text.push_str(body.split_once("\n\n").unwrap().1);
        }
        assert_eq!(text, m.body_text);
        m.body_text = "y".repeat(MAX_COMMENT_BYTES * (MAX_COMMENT_PARTS + 2));
        let MappedMessage::Note { parts, repairs } =
            map_with(&m, OrgCapabilities::default(), &HashMap::new())
        else {
            panic!()
        };
        assert_eq!(parts.len(), MAX_COMMENT_PARTS);
        assert_eq!(repairs.len(), 2);
    }

    proptest! {
        #[test]
        fn any_message_maps_within_limits(id in any::<String>(), body in any::<String>(), name in proptest::option::of(any::<String>()), address in proptest::option::of(any::<String>()), private in any::<bool>()) {
            let mut m = msg(SenderKind::Customer, if private { Visibility::PrivateNote } else { Visibility::Public }, Channel::Other("x".into()));
            m.id = id.clone();
            m.body_text = body;
            m.sender.name = name;
            m.sender.address = address;
            match map_with(&m, OrgCapabilities::default(), &HashMap::new()) {
                MappedMessage::Email { record, .. } => {
                    prop_assert!(record["FromName"].as_str().unwrap().chars().count() <= MAX_FROM_NAME_LEN);
                    prop_assert!(record["TextBody"].as_str().unwrap().chars().count() <= MAX_BODY_CHARS);
                }
                MappedMessage::Note { parts, .. } => {
                    for (i, part) in parts.iter().enumerate() {
                        let body = part.record["CommentBody"].as_str().unwrap();
                        prop_assert!(body.len() <= MAX_COMMENT_BYTES);
                        prop_assert_eq!(CommentMarker::parse(body), Some(CommentMarker::new(&id, i + 1, parts.len())));
                    }
                }
            }
        }
    }
}
