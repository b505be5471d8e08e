//! The writes the emulator accepts, so tests and `delta` runs have changes to
//! find: add a message, change a ticket, create a ticket, create or change a
//! customer.
//!
//! deskshift itself never writes to Stames (it is the source); these exist for
//! the emulator only and are documented in `docs/stames-api.md` as such. Each
//! write validates its whole request before it changes anything, takes its
//! timestamp from the store's clock (later than anything already in the
//! data), and bumps the `updated_at` of what it touches, so `updated_since`
//! finds it. Writes do not run automations and do
//! not change a ticket's status as a side effect.

use super::generate::ts;
use super::state::{AttachmentMeta, Inner};
use super::url::attachment_url;
use deskshift_stames::api::wire::{
    WireAttachment, WireAuthor, WireCompany, WireCustomer, WireFieldValue, WireMessage,
    WireStatusEvent, WireTag, WireTicket,
};
use serde::{Deserialize, Deserializer, Serialize};

/// Channels, statuses and priorities the API accepts on writes.
pub const CHANNELS: [&str; 6] = [
    "facebook",
    "instagram",
    "whatsapp",
    "email",
    "api",
    "contact_form",
];
pub const STATUSES: [&str; 6] = ["new", "open", "pending", "on_hold", "solved", "closed"];
pub const PRIORITIES: [&str; 4] = ["urgent", "high", "normal", "low"];

/// Largest attachment a write may declare (the content is generated, but a
/// typo should not create a terabyte file for the export writer).
pub const MAX_ATTACHMENT_SIZE: u64 = 100 * 1024 * 1024;

/// Why a write was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WriteError {
    /// The record the path names does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The request body is not acceptable.
    #[error("{0}")]
    Invalid(String),
}

/// Distinguishes an absent field (`None`) from an explicit `null`
/// (`Some(None)`), for PATCH bodies where `null` means "clear".
fn double_option<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// `POST /tickets/{id}/messages`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewMessage {
    /// Defaults to the ticket's customer (or, for a private note, its assignee).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<NewAuthor>,
    #[serde(default)]
    pub private: bool,
    #[serde(default)]
    pub body_text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_html: Option<String>,
    /// Defaults to the ticket's channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<NewAttachment>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewAuthor {
    /// `customer`, `agent` or `system`.
    #[serde(rename = "type")]
    pub author_type: String,
    /// Customer or agent id; defaults to the ticket's customer or assignee.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<u64>,
}

/// Attachment metadata; the content is generated like every other
/// attachment's, from the workspace seed and the id the server assigns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewAttachment {
    pub file_name: String,
    pub content_type: String,
    pub size: u64,
    #[serde(default)]
    pub inline: bool,
}

/// `PATCH /tickets/{id}`. Absent fields are left as they are.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TicketPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
    /// `null` unassigns.
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub assignee_id: Option<Option<u64>>,
    /// Replaces the ticket's tags; new spellings are added to the tag list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// The agent making the change, recorded in the status history.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<u64>,
}

/// `POST /customers`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewCustomer {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<WireCompany>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub custom_fields: Vec<WireFieldValue>,
}

/// `PATCH /customers/{id}`. Absent fields are left as they are; `null`
/// clears a field. Custom field values are merged by `field_id` (a `null`
/// value unsets that field).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerPatch {
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub name: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub email: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub phone: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub company: Option<Option<WireCompany>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub custom_fields: Vec<WireFieldValue>,
}

/// `POST /tickets`: a ticket with its first message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewTicket {
    pub subject: String,
    pub channel: String,
    pub customer_id: u64,
    /// Defaults to `new`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Defaults to `normal`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee_id: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department_id: Option<u64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub custom_fields: Vec<WireFieldValue>,
    pub message: NewMessage,
}

impl NewTicket {
    /// A ticket with defaults everywhere: `subject`, by `customer`, one
    /// customer message `body` on `channel`.
    pub fn simple(subject: &str, channel: &str, customer: u64, body: &str) -> NewTicket {
        NewTicket {
            subject: subject.into(),
            channel: channel.into(),
            customer_id: customer,
            status: None,
            priority: None,
            assignee_id: None,
            department_id: None,
            tags: Vec::new(),
            custom_fields: Vec::new(),
            message: NewMessage {
                body_text: body.into(),
                ..NewMessage::default()
            },
        }
    }
}

fn invalid(message: impl Into<String>) -> WriteError {
    WriteError::Invalid(message.into())
}

fn one_of(field: &str, value: &str, allowed: &[&str]) -> Result<(), WriteError> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(invalid(format!(
            "{field} must be one of {}, got {value:?}",
            allowed.join(", ")
        )))
    }
}

/// The same plain check a helpdesk's form would do: one `@`, something on
/// both sides, a dot in the domain, no whitespace.
fn check_email(email: &str) -> Result<(), WriteError> {
    let ok = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
                && !email.chars().any(char::is_whitespace)
        }
        None => false,
    };
    if ok {
        Ok(())
    } else {
        Err(invalid(format!("email is not a valid address: {email:?}")))
    }
}

fn agent_exists(inner: &Inner, id: u64) -> Result<(), WriteError> {
    if inner.data.agents.iter().any(|a| a.id == Some(id)) {
        Ok(())
    } else {
        Err(invalid(format!("agent {id} does not exist")))
    }
}

fn check_custom_fields(
    inner: &Inner,
    object: &str,
    values: &[WireFieldValue],
) -> Result<(), WriteError> {
    for value in values {
        let known = inner
            .data
            .custom_fields
            .iter()
            .any(|f| f.id == Some(value.field_id) && f.object == object);
        if !known {
            return Err(invalid(format!(
                "custom field {} is not a {object} field",
                value.field_id
            )));
        }
    }
    Ok(())
}

fn check_tags(tags: &[String]) -> Result<(), WriteError> {
    if tags.iter().any(|t| t.trim().is_empty()) {
        return Err(invalid("tags must not be empty"));
    }
    Ok(())
}

/// Adds spellings not yet in the tag list (Stames creates a tag on first use).
fn register_tags(inner: &mut Inner, tags: &[String], at: &str) {
    for tag in tags {
        if !inner.data.tags.iter().any(|t| &t.name == tag) {
            let id = inner.next_tag_id;
            inner.next_tag_id += 1;
            inner.data.tags.push(WireTag {
                id: Some(id),
                name: tag.clone(),
                created_at: Some(at.to_string()),
            });
        }
    }
}

/// A message validated against its ticket, not yet numbered or stored.
struct CheckedMessage {
    author: WireAuthor,
    channel: String,
}

fn check_message(
    inner: &Inner,
    ticket: &WireTicket,
    new: &NewMessage,
) -> Result<CheckedMessage, WriteError> {
    if new.body_text.trim().is_empty()
        && new.body_html.as_deref().is_none_or(|h| h.trim().is_empty())
        && new.attachments.is_empty()
    {
        return Err(invalid(
            "a message needs body_text, body_html or attachments",
        ));
    }
    let channel = new
        .channel
        .clone()
        .unwrap_or_else(|| ticket.channel.clone());
    one_of("channel", &channel, &CHANNELS)?;
    for a in &new.attachments {
        if a.file_name.trim().is_empty() {
            return Err(invalid("attachment file_name must not be empty"));
        }
        if a.size > MAX_ATTACHMENT_SIZE {
            return Err(invalid(format!(
                "attachment {:?} is {} bytes; the limit is {MAX_ATTACHMENT_SIZE}",
                a.file_name, a.size
            )));
        }
    }
    let default_type = if new.private { "agent" } else { "customer" };
    let author_type = new
        .author
        .as_ref()
        .map_or(default_type, |a| a.author_type.as_str());
    one_of("author.type", author_type, &["customer", "agent", "system"])?;
    let requested = new.author.as_ref().and_then(|a| a.id);
    if new.private && author_type != "agent" {
        return Err(invalid("only agents can write private notes"));
    }
    let author = match author_type {
        "customer" => {
            let id = requested
                .or(ticket.customer_id)
                .ok_or_else(|| invalid("the ticket has no customer; give author.id"))?;
            let customer = inner
                .data
                .customers
                .iter()
                .find(|c| c.id == Some(id))
                .ok_or_else(|| invalid(format!("customer {id} does not exist")))?;
            WireAuthor {
                author_type: "customer".into(),
                id: Some(id),
                name: customer.name.clone(),
                handle: customer.email.clone().or_else(|| customer.phone.clone()),
            }
        }
        "agent" => {
            let id = requested
                .or(ticket.assignee_id)
                .ok_or_else(|| invalid("the ticket has no assignee; give author.id"))?;
            let agent = inner
                .data
                .agents
                .iter()
                .find(|a| a.id == Some(id))
                .ok_or_else(|| invalid(format!("agent {id} does not exist")))?;
            WireAuthor {
                author_type: "agent".into(),
                id: Some(id),
                name: Some(agent.name.clone()),
                handle: agent.email.clone(),
            }
        }
        _ => {
            if requested.is_some() {
                return Err(invalid("system messages have no author.id"));
            }
            WireAuthor {
                author_type: "system".into(),
                id: None,
                name: Some("Stames".into()),
                handle: None,
            }
        }
    };
    Ok(CheckedMessage { author, channel })
}

/// Numbers and stores a checked message's attachments and builds the message.
fn build_message(
    inner: &mut Inner,
    ticket_id: u64,
    new: NewMessage,
    checked: CheckedMessage,
    at: &str,
) -> WireMessage {
    let id = inner.next_message_id;
    inner.next_message_id += 1;
    let mut attachments = Vec::with_capacity(new.attachments.len());
    for a in new.attachments {
        let attachment_id = inner.next_attachment_id;
        inner.next_attachment_id += 1;
        let attachment = WireAttachment {
            id: attachment_id,
            url: attachment_url(&inner.data.account.id, attachment_id, &a.file_name),
            file_name: a.file_name,
            content_type: a.content_type,
            size: a.size,
            inline: a.inline,
            requires_auth: false,
            created_at: at.to_string(),
        };
        inner
            .attachments
            .insert(attachment_id, AttachmentMeta::from(&attachment));
        attachments.push(attachment);
    }
    WireMessage {
        id: Some(id),
        ticket_id,
        author: checked.author,
        private: new.private,
        channel: checked.channel,
        body_text: new.body_text,
        body_html: new.body_html,
        attachments,
        created_at: at.to_string(),
    }
}

fn ticket_position(inner: &Inner, ticket_id: u64) -> Result<usize, WriteError> {
    inner
        .data
        .ticket_index(ticket_id)
        .ok_or_else(|| WriteError::NotFound(format!("ticket {ticket_id} does not exist")))
}

/// Appends a message to a ticket; bumps its `updated_at` and `message_count`.
pub(crate) fn add_message(
    inner: &mut Inner,
    ticket_id: u64,
    new: NewMessage,
) -> Result<WireMessage, WriteError> {
    let index = ticket_position(inner, ticket_id)?;
    let checked = check_message(inner, &inner.data.tickets[index].ticket, &new)?;
    let at = ts_ms(inner);
    let message = build_message(inner, ticket_id, new, checked, &at);
    let thread = &mut inner.data.tickets[index];
    thread.messages.push(message.clone());
    thread.ticket.message_count = u32::try_from(thread.messages.len()).unwrap_or(u32::MAX);
    thread.ticket.updated_at = at;
    Ok(message)
}

/// Changes a ticket; a status change appends to its history and sets or
/// clears `closed_at`. Always bumps `updated_at`.
pub(crate) fn patch_ticket(
    inner: &mut Inner,
    ticket_id: u64,
    patch: TicketPatch,
) -> Result<WireTicket, WriteError> {
    let index = ticket_position(inner, ticket_id)?;
    if let Some(status) = &patch.status {
        one_of("status", status, &STATUSES)?;
    }
    if let Some(priority) = &patch.priority {
        one_of("priority", priority, &PRIORITIES)?;
    }
    if let Some(Some(assignee)) = patch.assignee_id {
        agent_exists(inner, assignee)?;
    }
    if let Some(agent) = patch.agent_id {
        agent_exists(inner, agent)?;
    }
    if let Some(tags) = &patch.tags {
        check_tags(tags)?;
    }
    let at = ts_ms(inner);
    if let Some(tags) = &patch.tags {
        register_tags(inner, tags, &at);
    }
    let ticket = &mut inner.data.tickets[index].ticket;
    if let Some(status) = patch.status {
        if status != ticket.status {
            ticket.status_history.push(WireStatusEvent {
                from: Some(ticket.status.clone()),
                to: status.clone(),
                changed_at: at.clone(),
                agent_id: patch.agent_id,
            });
            let closing = matches!(status.as_str(), "solved" | "closed");
            let was_closed = matches!(ticket.status.as_str(), "solved" | "closed");
            if !closing {
                ticket.closed_at = None;
            } else if !was_closed {
                ticket.closed_at = Some(at.clone());
            }
            ticket.status = status;
        }
    }
    if let Some(priority) = patch.priority {
        ticket.priority = priority;
    }
    if let Some(assignee) = patch.assignee_id {
        ticket.assignee_id = assignee;
    }
    if let Some(tags) = patch.tags {
        ticket.tags = tags;
    }
    ticket.updated_at = at;
    Ok(ticket.clone())
}

/// Creates a ticket with its first message.
pub(crate) fn create_ticket(inner: &mut Inner, new: NewTicket) -> Result<WireTicket, WriteError> {
    if new.subject.chars().count() > 1_000 {
        return Err(invalid("subject is longer than 1000 characters"));
    }
    one_of("channel", &new.channel, &CHANNELS)?;
    let status = new.status.clone().unwrap_or_else(|| "new".into());
    one_of("status", &status, &STATUSES)?;
    let priority = new.priority.clone().unwrap_or_else(|| "normal".into());
    one_of("priority", &priority, &PRIORITIES)?;
    if !inner
        .data
        .customers
        .iter()
        .any(|c| c.id == Some(new.customer_id))
    {
        return Err(invalid(format!(
            "customer {} does not exist",
            new.customer_id
        )));
    }
    if let Some(assignee) = new.assignee_id {
        agent_exists(inner, assignee)?;
    }
    if let Some(department) = new.department_id {
        if !inner
            .data
            .account
            .departments
            .iter()
            .any(|d| d.id == department)
        {
            return Err(invalid(format!("department {department} does not exist")));
        }
    }
    check_tags(&new.tags)?;
    check_custom_fields(inner, "ticket", &new.custom_fields)?;
    let id = inner.next_ticket_id;
    let mut ticket = WireTicket {
        id: Some(id),
        subject: new.subject,
        status: status.clone(),
        priority,
        channel: new.channel,
        department_id: new.department_id,
        customer_id: Some(new.customer_id),
        assignee_id: new.assignee_id,
        tags: new.tags,
        custom_fields: new.custom_fields,
        reminders: Vec::new(),
        notifications: Vec::new(),
        sla: None,
        status_history: Vec::new(),
        message_count: 1,
        created_at: String::new(),
        updated_at: String::new(),
        closed_at: None,
    };
    let checked = check_message(inner, &ticket, &new.message)?;
    // Everything is valid; from here on the write happens.
    inner.next_ticket_id += 1;
    let at = ts_ms(inner);
    register_tags(inner, &ticket.tags.clone(), &at);
    let message = build_message(inner, id, new.message, checked, &at);
    ticket.status_history.push(WireStatusEvent {
        from: None,
        to: status.clone(),
        changed_at: at.clone(),
        agent_id: None,
    });
    if matches!(status.as_str(), "solved" | "closed") {
        ticket.closed_at = Some(at.clone());
    }
    ticket.created_at = at.clone();
    ticket.updated_at = at;
    // New ids are above every existing one, so pushing keeps ascending order.
    inner.data.tickets.push(super::data::StamesTicket {
        ticket: ticket.clone(),
        messages: vec![message],
    });
    Ok(ticket)
}

fn check_contact(email: Option<&str>) -> Result<(), WriteError> {
    match email {
        Some(email) => check_email(email),
        None => Ok(()),
    }
}

/// Creates a customer. Duplicated e-mail addresses are accepted, as Stames
/// does.
pub(crate) fn create_customer(
    inner: &mut Inner,
    new: NewCustomer,
) -> Result<WireCustomer, WriteError> {
    if new.name.is_none() && new.email.is_none() && new.phone.is_none() {
        return Err(invalid("a customer needs a name, an email or a phone"));
    }
    check_contact(new.email.as_deref())?;
    check_custom_fields(inner, "customer", &new.custom_fields)?;
    let at = ts_ms(inner);
    let id = inner.next_customer_id;
    inner.next_customer_id += 1;
    let customer = WireCustomer {
        id: Some(id),
        name: new.name,
        email: new.email,
        phone: new.phone,
        company: new.company,
        custom_fields: new.custom_fields,
        created_at: at.clone(),
        updated_at: at,
    };
    inner.data.customers.push(customer.clone());
    Ok(customer)
}

/// Changes a customer; always bumps `updated_at`.
pub(crate) fn patch_customer(
    inner: &mut Inner,
    customer_id: u64,
    patch: CustomerPatch,
) -> Result<WireCustomer, WriteError> {
    let index = inner
        .data
        .customers
        .iter()
        .position(|c| c.id == Some(customer_id))
        .ok_or_else(|| WriteError::NotFound(format!("customer {customer_id} does not exist")))?;
    if let Some(Some(email)) = &patch.email {
        check_email(email)?;
    }
    check_custom_fields(inner, "customer", &patch.custom_fields)?;
    let at = ts_ms(inner);
    let customer = &mut inner.data.customers[index];
    if let Some(name) = patch.name {
        customer.name = name;
    }
    if let Some(email) = patch.email {
        customer.email = email;
    }
    if let Some(phone) = patch.phone {
        customer.phone = phone;
    }
    if let Some(company) = patch.company {
        customer.company = company;
    }
    for value in patch.custom_fields {
        customer
            .custom_fields
            .retain(|v| v.field_id != value.field_id);
        if !value.value.is_null() {
            customer.custom_fields.push(value);
        }
    }
    customer.custom_fields.sort_by_key(|v| v.field_id);
    customer.updated_at = at;
    Ok(customer.clone())
}

/// Write timestamps carry milliseconds, so two writes in the same second still
/// order correctly.
fn ts_ms(inner: &mut Inner) -> String {
    let now = inner.clock.now();
    if now.timestamp_subsec_millis() == 0 {
        ts(now)
    } else {
        now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stames::data::StamesData;

    fn inner() -> Inner {
        Inner::new(StamesData::generate(11, 12, 0))
    }

    #[test]
    fn patch_null_means_clear_and_absent_means_keep() {
        let patch: TicketPatch = serde_json::from_str(r#"{"assignee_id": null}"#).unwrap();
        assert_eq!(patch.assignee_id, Some(None));
        let patch: TicketPatch = serde_json::from_str(r#"{}"#).unwrap();
        assert_eq!(patch.assignee_id, None);
        let err = serde_json::from_str::<TicketPatch>(r#"{"stauts": "open"}"#).unwrap_err();
        assert!(err.to_string().contains("stauts"));
    }

    #[test]
    fn invalid_writes_change_nothing() {
        let mut inner = inner();
        let before = inner.data.clone();
        let id = before.tickets[0].ticket.id.unwrap();
        let bad = TicketPatch {
            status: Some("archived".into()),
            ..TicketPatch::default()
        };
        assert!(matches!(
            patch_ticket(&mut inner, id, bad),
            Err(WriteError::Invalid(_))
        ));
        let bad = NewMessage {
            body_text: "hi".into(),
            author: Some(NewAuthor {
                author_type: "agent".into(),
                id: Some(1),
            }),
            ..NewMessage::default()
        };
        assert!(add_message(&mut inner, id, bad).is_err());
        assert!(matches!(
            add_message(&mut inner, 1, NewMessage::default()),
            Err(WriteError::NotFound(_))
        ));
        let bad = NewCustomer {
            email: Some("bob at example".into()),
            ..NewCustomer::default()
        };
        assert!(create_customer(&mut inner, bad).is_err());
        assert_eq!(inner.data, before);
    }

    #[test]
    fn status_change_appends_history_and_closes() {
        let mut inner = inner();
        let thread = inner
            .data
            .tickets
            .iter()
            .find(|t| t.ticket.status == "open" || t.ticket.status == "pending")
            .or(inner.data.tickets.first())
            .unwrap()
            .clone();
        let id = thread.ticket.id.unwrap();
        let target = if thread.ticket.status == "closed" {
            "open"
        } else {
            "closed"
        };
        let updated = patch_ticket(
            &mut inner,
            id,
            TicketPatch {
                status: Some(target.into()),
                tags: Some(vec!["brand new tag".into()]),
                ..TicketPatch::default()
            },
        )
        .unwrap();
        let last = updated.status_history.last().unwrap();
        assert_eq!(last.to, target);
        assert_eq!(last.from.as_deref(), Some(thread.ticket.status.as_str()));
        assert!(updated.updated_at > thread.ticket.updated_at);
        assert_eq!(updated.closed_at.is_some(), target == "closed");
        assert!(inner.data.tags.iter().any(|t| t.name == "brand new tag"));
    }
}
