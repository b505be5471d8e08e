use super::*;
use deskshift_core::model::{
    Agent, Channel, CustomObjectRecord, Customer, FieldValue, Message, SenderKind, Tag, Visibility,
};
use serde_json::json;

fn agent() -> Value {
    json!({
        "id": 7, "name": "Ana", "email": " Ana@Example.COM ", "role": "admin",
        "status": "active", "departed_at": null, "department_ids": [1, 2],
        "created_at": "2024-01-01T10:00:00+02:00", "updated_at": "2024-02-01T00:00:00Z"
    })
}

fn ticket() -> Value {
    json!({
        "id": 42, "subject": "Où est ma commande ?", "status": "open", "priority": "high",
        "channel": "whatsapp", "department_id": 1, "customer_id": 9, "assignee_id": 7,
        "tags": ["VIP ", "refund"],
        "custom_fields": [{"field_id": 3, "value": "A-17"}, {"field_id": 4, "value": null}],
        "reminders": [{"id": 5, "remind_at": "2024-03-01T09:00:00Z", "note": null,
                       "agent_id": 7, "completed": false}],
        "notifications": [{"id": 6, "medium": "sms", "event": "ticket_reopened",
                           "recipient": "+33600000000", "enabled": true}],
        "sla": {"policy": "gold", "first_response_due_at": "2024-03-01T10:00:00Z",
                "resolution_due_at": null, "first_responded_at": null, "breached": false},
        "status_history": [{"from": null, "to": "open", "changed_at": "2024-03-01T08:00:00Z",
                            "agent_id": null}],
        "message_count": 2,
        "created_at": "2024-03-01T08:00:00Z", "updated_at": "2024-03-02T08:00:00Z",
        "closed_at": null
    })
}

fn message(id: u64, created_at: &str) -> Value {
    json!({
        "id": id, "ticket_id": 42,
        "author": {"type": "customer", "id": 9, "name": "Bob", "handle": "+33600000000"},
        "private": false, "channel": "whatsapp", "body_text": "Bonjour", "body_html": null,
        "attachments": [{"id": 100 + id, "file_name": "photo.jpg", "content_type": "image/jpeg",
                         "size": 2048, "url": "https://cdn.example/100", "inline": true,
                         "requires_auth": false, "created_at": created_at}],
        "created_at": created_at
    })
}

fn rejected<T: FromWire + std::fmt::Debug>(raw: &Value) -> Reject {
    decode::<T>(raw).expect_err("should be rejected")
}

#[test]
fn agents_convert_with_normalised_email_and_utc_times() {
    let agent: Agent = decode(&agent()).unwrap();
    assert_eq!(agent.id, "7");
    assert_eq!(agent.email, "ana@example.com");
    assert!(agent.active && agent.departed_at.is_none());
    assert_eq!(agent.department_ids, ["1", "2"]);
    assert_eq!(agent.created_at.to_rfc3339(), "2024-01-01T08:00:00+00:00");
}

#[test]
fn departed_agents_keep_a_departure_date() {
    let mut raw = agent();
    raw["status"] = json!("departed");
    let agent: Agent = decode(&raw).unwrap();
    assert!(!agent.active);
    assert_eq!(agent.departed_at, Some(agent.updated_at));
    raw["departed_at"] = json!("2023-12-31T00:00:00Z");
    let agent: Agent = decode(&raw).unwrap();
    assert_eq!(
        agent.departed_at.unwrap().to_rfc3339(),
        "2023-12-31T00:00:00+00:00"
    );
}

#[test]
fn agents_need_a_valid_email() {
    let mut raw = agent();
    raw["email"] = Value::Null;
    let reject = rejected::<Agent>(&raw);
    assert_eq!(
        (
            reject.kind,
            reject.source_id.as_deref(),
            reject.field.as_str()
        ),
        (ObjectKind::Users, Some("7"), "email")
    );
    for bad in [
        "bob at example.com",
        "bob@example",
        "@example.com",
        "a@b@c.com",
        "a b@c.com",
        "a@b..com",
    ] {
        raw["email"] = json!(bad);
        let reject = rejected::<Agent>(&raw);
        assert_eq!(reject.field, "email", "{bad}");
        assert!(reject.reason.contains(bad), "{}", reject.reason);
    }
}

#[test]
fn a_missing_id_is_rejected_without_one() {
    let mut raw = agent();
    raw["id"] = Value::Null;
    let reject = rejected::<Agent>(&raw);
    assert_eq!((reject.source_id, reject.field.as_str()), (None, "id"));
    assert!(!reject.hint.is_empty());
}

#[test]
fn bad_timestamps_name_their_field() {
    let mut raw = agent();
    raw["updated_at"] = json!("yesterday");
    assert_eq!(rejected::<Agent>(&raw).field, "updated_at");
    let mut raw = ticket();
    raw["reminders"][0]["remind_at"] = json!("2024-13-01");
    assert_eq!(rejected::<TicketHead>(&raw).field, "reminders[0].remind_at");
    let mut raw = ticket();
    raw["sla"]["first_response_due_at"] = json!("soon");
    assert_eq!(
        rejected::<TicketHead>(&raw).field,
        "sla.first_response_due_at"
    );
}

#[test]
fn wrong_json_types_name_the_record_and_the_path() {
    let mut raw = ticket();
    raw["custom_fields"][0]["field_id"] = json!("three");
    let reject = rejected::<TicketHead>(&raw);
    assert_eq!(reject.source_id.as_deref(), Some("42"));
    assert_eq!(reject.field, "custom_fields[0].field_id");
    assert!(reject.reason.contains("invalid type"), "{}", reject.reason);

    let mut raw = ticket();
    raw.as_object_mut().unwrap().remove("subject");
    assert_eq!(rejected::<TicketHead>(&raw).field, "subject");

    let reject = rejected::<Tag>(&json!("just a string"));
    assert_eq!(
        (reject.source_id, reject.field.as_str()),
        (None, "(record)")
    );
}

#[test]
fn customers_keep_optional_fields_and_typed_values() {
    let raw = json!({
        "id": 9, "name": null, "email": "  ", "phone": "+33 6", "company": {"name": "Acme", "domain": null},
        "custom_fields": [{"field_id": 1, "value": 3.5}, {"field_id": 2, "value": ["a", "b"]},
                          {"field_id": 3, "value": true}, {"field_id": 4, "value": null}],
        "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-01T00:00:00Z"
    });
    let customer: Customer = decode(&raw).unwrap();
    assert_eq!(customer.email, None);
    assert_eq!(customer.company.unwrap().name, "Acme");
    assert_eq!(customer.custom_fields.len(), 3);
    assert_eq!(customer.custom_fields["1"], FieldValue::Number(3.5));
    assert_eq!(
        customer.custom_fields["2"],
        FieldValue::List(vec!["a".into(), "b".into()])
    );
    assert_eq!(customer.custom_fields["3"], FieldValue::Bool(true));

    let mut nested = raw.clone();
    nested["custom_fields"][0]["value"] = json!({"a": 1});
    assert_eq!(rejected::<Customer>(&nested).field, "custom_fields.1");
    let mut mixed = raw;
    mixed["custom_fields"][1]["value"] = json!(["a", 2]);
    assert_eq!(rejected::<Customer>(&mixed).field, "custom_fields.2");
}

#[test]
fn custom_object_record_values_are_checked_by_key() {
    let raw = json!({
        "id": 1, "object_key": "warranty", "values": {"serial": "X1", "months": 24, "x": {"y": 1}},
        "ticket_ids": [42], "customer_ids": [],
        "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-01T00:00:00Z"
    });
    assert_eq!(rejected::<CustomObjectRecord>(&raw).field, "values.x");
}

#[test]
fn unknown_channels_are_kept_not_rejected() {
    let mut raw = ticket();
    raw["channel"] = json!("telegram");
    let head: TicketHead = decode(&raw).unwrap();
    assert_eq!(head.ticket.channel, Channel::Other("telegram".into()));
    raw["channel"] = json!("contact_form");
    let head: TicketHead = decode(&raw).unwrap();
    assert_eq!(head.ticket.channel, Channel::ContactForm);
}

#[test]
fn tickets_need_a_customer() {
    let mut raw = ticket();
    raw["customer_id"] = Value::Null;
    let reject = rejected::<TicketHead>(&raw);
    assert_eq!(
        (reject.kind, reject.field.as_str()),
        (ObjectKind::Tickets, "customer_id")
    );
}

#[test]
fn tickets_carry_their_inline_children() {
    let head: TicketHead = decode(&ticket()).unwrap();
    let ticket = &head.ticket;
    assert_eq!(ticket.customer_id, "9");
    assert_eq!(ticket.tags, ["VIP ", "refund"]);
    assert_eq!(ticket.custom_fields.len(), 1, "null values are unset");
    assert_eq!(ticket.reminders[0].id, "5");
    assert_eq!(ticket.notifications[0].medium, "sms");
    assert_eq!(ticket.sla.as_ref().unwrap().policy, "gold");
    assert_eq!(head.status_history[0].ticket_id, "42");
    assert_eq!(head.message_count, 2);
}

#[test]
fn messages_carry_attachment_metadata() {
    let message: Message = decode(&message(1, "2024-03-01T08:05:00Z")).unwrap();
    assert_eq!(message.sender.kind, SenderKind::Customer);
    assert_eq!(message.visibility, Visibility::Public);
    let attachment = &message.attachments[0];
    assert_eq!(
        (
            attachment.id.as_str(),
            attachment.message_id.as_str(),
            attachment.ticket_id.as_str()
        ),
        ("101", "1", "42")
    );
    assert!(attachment.inline && !attachment.requires_auth);
    assert_eq!(attachment.size_bytes, 2048);
}

#[test]
fn a_rejected_message_takes_its_attachments_along() {
    let mut raw = message(1, "2024-03-01T08:05:00Z");
    raw["author"]["type"] = json!("robot");
    let rejects = decode_message(&raw).unwrap_err();
    assert_eq!(rejects.len(), 2);
    assert_eq!(
        (rejects[0].kind, rejects[0].field.as_str()),
        (ObjectKind::Messages, "author.type")
    );
    assert_eq!(
        (rejects[1].kind, rejects[1].source_id.as_deref()),
        (ObjectKind::Attachments, Some("101"))
    );
}

#[test]
fn threads_are_chronological_and_rejects_come_apart() {
    let head: TicketHead = decode(&ticket()).unwrap();
    let mut broken = message(3, "2024-03-01T08:01:00Z");
    broken["created_at"] = json!("not a date");
    let raws = [
        message(2, "2024-03-01T09:00:00Z"),
        message(1, "2024-03-01T08:00:00Z"),
        broken,
    ];
    let (rejects, thread) = assemble_thread(head, raws.iter().map(decode_message));
    let ids: Vec<&str> = thread.messages.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["1", "2"]);
    assert_eq!(rejects.len(), 2, "the message and its attachment");
    assert_eq!(rejects[0].field, "created_at");
}

#[test]
fn a_rejected_ticket_accounts_for_its_children() {
    let raw = ticket();
    let kinds: Vec<ObjectKind> = ticket_children_rejects(&raw)
        .iter()
        .map(|r| r.kind)
        .collect();
    assert_eq!(
        kinds,
        [
            ObjectKind::StatusEvents,
            ObjectKind::Reminders,
            ObjectKind::Notifications,
            ObjectKind::SlaRecords
        ]
    );
    let rejects = message_of_rejected_ticket(&message(1, "2024-03-01T08:00:00Z"), "42");
    assert_eq!(rejects.len(), 2);
    assert!(rejects[0].reason.contains("ticket 42"));
}
