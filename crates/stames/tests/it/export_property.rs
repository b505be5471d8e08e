//! Property: any wire records, written as an export bundle and read back,
//! give exactly what converting the wire records directly gives — records
//! and rejects alike. The bundle is written here from the spec
//! (`docs/stames-export.md`), independently of the emulator's writer.

use chrono::{DateTime, FixedOffset, SecondsFormat};
use deskshift_core::model::{Agent, Customer, ObjectKind, TicketThread};
use deskshift_core::source::{Read, ReadStream, Reject, Source};
use deskshift_stames::api::convert::{
    assemble_thread, decode, decode_message, message_of_rejected_ticket, ticket_children_rejects,
    TicketHead,
};
use deskshift_stames::api::wire::{
    WireAccount, WireAgent, WireAttachment, WireAuthor, WireCustomer, WireFieldValue, WireMessage,
    WirePortal, WireReminder, WireSla, WireStatusEvent, WireTicket,
};
use deskshift_stames::ExportBundle;
use futures::StreamExt;
use proptest::prelude::*;
use serde::Serialize;
use serde_json::{json, Value};
use std::path::Path;

/// A reject as both paths must agree on it; the export adds the file and
/// line to the reason, so the reason is left out.
type Outcome<T> = Result<T, (ObjectKind, Option<String>, String)>;

fn outcome<T>(result: Result<T, Reject>) -> Outcome<T> {
    result.map_err(|r| (r.kind, r.source_id, r.field))
}

fn timestamp() -> impl Strategy<Value = String> {
    let valid = (
        0i64..2_000_000_000,
        prop::sample::select(vec![0, 7200, -19800]),
    )
        .prop_map(|(secs, offset)| {
            let offset = FixedOffset::east_opt(offset).unwrap();
            DateTime::from_timestamp(secs, 0)
                .unwrap()
                .with_timezone(&offset)
                .to_rfc3339_opts(SecondsFormat::Secs, true)
        });
    prop_oneof![
        8 => valid,
        1 => Just("yesterday".to_string()),
        1 => "[0-9/: -]{0,12}",
    ]
}

fn email() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        4 => "[a-z]{1,6}@[a-z]{1,6}\\.(com|org)".prop_map(Some),
        1 => "[A-Z]{1,6}@[A-Z]{1,6}\\.COM".prop_map(|e| Some(format!("  {e} "))),
        1 => "[a-z]{1,6} at [a-z]{1,6}".prop_map(Some),
        1 => Just(Some(String::new())),
        1 => Just(None),
    ]
}

/// Custom field values of every JSON type. Numbers are multiples of 1/4 so
/// they survive a trip through JSON text exactly.
fn field_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-4000i32..4000).prop_map(|n| json!(f64::from(n) / 4.0)),
        "[a-zé ]{0,8}".prop_map(Value::String),
        prop::collection::vec("[a-z]{1,5}", 0..3).prop_map(|items| json!(items)),
        Just(json!({"nested": true})),
    ]
}

fn field_values() -> impl Strategy<Value = Vec<WireFieldValue>> {
    prop::collection::vec(
        (1u64..6, field_value()).prop_map(|(field_id, value)| WireFieldValue { field_id, value }),
        0..3,
    )
}

fn id() -> impl Strategy<Value = Option<u64>> {
    prop_oneof![9 => (1u64..1_000_000).prop_map(Some), 1 => Just(None)]
}

fn customer() -> impl Strategy<Value = WireCustomer> {
    (id(), email(), field_values(), timestamp(), timestamp()).prop_map(
        |(id, email, custom_fields, created_at, updated_at)| WireCustomer {
            id,
            name: Some("Zoë Ångström".into()),
            email,
            phone: None,
            company: None,
            custom_fields,
            created_at,
            updated_at,
        },
    )
}

fn agent() -> impl Strategy<Value = WireAgent> {
    (
        id(),
        email(),
        prop::sample::select(vec!["active", "inactive", "departed"]),
        prop::option::of(timestamp()),
        timestamp(),
    )
        .prop_map(|(id, email, status, departed_at, stamp)| WireAgent {
            id,
            name: "Agent".into(),
            email,
            role: "agent".into(),
            status: status.into(),
            departed_at,
            department_ids: vec![1],
            created_at: stamp.clone(),
            updated_at: stamp,
        })
}

fn message() -> impl Strategy<Value = WireMessage> {
    (
        id(),
        prop::sample::select(vec!["customer", "agent", "system", "robot"]),
        any::<bool>(),
        timestamp(),
        prop::collection::vec(timestamp(), 0..2),
    )
        .prop_map(
            |(id, author, private, created_at, attachment_times)| WireMessage {
                id,
                ticket_id: 0, // set by the ticket
                author: WireAuthor {
                    author_type: author.into(),
                    id: Some(5),
                    name: None,
                    handle: None,
                },
                private,
                channel: "email".into(),
                body_text: "Hello <b>there</b> — ça va ?".into(),
                body_html: Some("<p>Hello</p>".into()),
                attachments: attachment_times
                    .into_iter()
                    .enumerate()
                    .map(|(i, created_at)| WireAttachment {
                        id: id.unwrap_or(0) * 10 + i as u64,
                        file_name: "a.png".into(),
                        content_type: "image/png".into(),
                        size: 10,
                        url: "https://cdn.example/a.png".into(),
                        inline: i == 0,
                        requires_auth: false,
                        created_at,
                    })
                    .collect(),
                created_at,
            },
        )
}

fn ticket() -> impl Strategy<Value = (WireTicket, Vec<WireMessage>)> {
    (
        prop::option::of(1u64..50),
        field_values(),
        timestamp(),
        prop::option::of(timestamp()),
        prop::collection::vec(message(), 0..4),
    )
        .prop_map(|(customer_id, custom_fields, stamp, due, messages)| {
            let ticket = WireTicket {
                id: None, // assigned in ascending order
                subject: "Order".into(),
                status: "open".into(),
                priority: "normal".into(),
                channel: "facebook".into(),
                department_id: None,
                customer_id,
                assignee_id: None,
                tags: vec!["VIP ".into()],
                custom_fields,
                reminders: vec![WireReminder {
                    id: 1,
                    remind_at: stamp.clone(),
                    note: None,
                    agent_id: None,
                    completed: false,
                }],
                notifications: Vec::new(),
                sla: Some(WireSla {
                    policy: "gold".into(),
                    first_response_due_at: due,
                    resolution_due_at: None,
                    first_responded_at: None,
                    breached: false,
                }),
                status_history: vec![WireStatusEvent {
                    from: None,
                    to: "open".into(),
                    changed_at: stamp.clone(),
                    agent_id: None,
                }],
                message_count: messages.len() as u32,
                created_at: stamp.clone(),
                updated_at: stamp,
                closed_at: None,
            };
            (ticket, messages)
        })
}

fn write_jsonl<T: Serialize>(dir: &Path, file: &str, records: &[T]) {
    let mut text = String::new();
    for record in records {
        text.push_str(&serde_json::to_string(record).unwrap());
        text.push('\n');
    }
    std::fs::write(dir.join(file), text).unwrap();
}

fn write_bundle(
    dir: &Path,
    customers: &[WireCustomer],
    agents: &[WireAgent],
    tickets: &[(WireTicket, Vec<WireMessage>)],
) {
    let account = WireAccount {
        id: "acme".into(),
        name: "Acme".into(),
        departments: Vec::new(),
        channels: Vec::new(),
        portal: WirePortal {
            enabled: false,
            url: None,
        },
    };
    std::fs::write(
        dir.join("account.json"),
        serde_json::to_vec(&account).unwrap(),
    )
    .unwrap();
    write_jsonl(dir, "customers.jsonl", customers);
    write_jsonl(dir, "agents.jsonl", agents);
    let ticket_records: Vec<&WireTicket> = tickets.iter().map(|(t, _)| t).collect();
    write_jsonl(dir, "tickets.jsonl", &ticket_records);
    let messages: Vec<&WireMessage> = tickets.iter().flat_map(|(_, m)| m).collect();
    write_jsonl(dir, "messages.jsonl", &messages);
    let empty: [Value; 0] = [];
    for file in [
        "tags",
        "custom_fields",
        "custom_objects",
        "custom_object_records",
        "automations",
    ] {
        write_jsonl(dir, &format!("{file}.jsonl"), &empty);
    }
    let manifest = json!({
        "format": "stames-export", "version": 1, "account_id": "acme",
        "exported_at": "2026-01-01T00:00:00Z",
        "counts": {"customers": customers.len(), "agents": agents.len(),
                   "tickets": tickets.len(), "messages": messages.len()}
    });
    std::fs::write(dir.join("manifest.json"), manifest.to_string()).unwrap();
}

async fn collect<T>(stream: ReadStream<'_, T>) -> Vec<Outcome<T>> {
    stream
        .map(|item| match item.expect("the bundle reads") {
            Read::Record(record) => Ok(record),
            Read::Rejected(reject) => outcome(Err(reject)),
        })
        .collect()
        .await
}

/// What a ticket with its messages converts to, straight from the wire.
fn convert_thread(ticket: &WireTicket, messages: &[WireMessage]) -> Vec<Outcome<TicketThread>> {
    let raw_ticket = serde_json::to_value(ticket).unwrap();
    let raw_messages: Vec<Value> = messages
        .iter()
        .map(|m| serde_json::to_value(m).unwrap())
        .collect();
    match decode::<TicketHead>(&raw_ticket) {
        Ok(head) => {
            let (rejects, thread) = assemble_thread(head, raw_messages.iter().map(decode_message));
            let mut items: Vec<_> = rejects.into_iter().map(|r| outcome(Err(r))).collect();
            items.push(Ok(thread));
            items
        }
        Err(reject) => {
            let id = ticket.id.unwrap().to_string();
            std::iter::once(reject)
                .chain(ticket_children_rejects(&raw_ticket))
                .chain(
                    raw_messages
                        .iter()
                        .flat_map(|m| message_of_rejected_ticket(m, &id)),
                )
                .map(|r| outcome(Err(r)))
                .collect()
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn a_bundle_reads_like_its_wire_records(
        customers in prop::collection::vec(customer(), 0..6),
        agents in prop::collection::vec(agent(), 0..4),
        mut tickets in prop::collection::vec(ticket(), 0..5),
    ) {
        for (n, (ticket, messages)) in tickets.iter_mut().enumerate() {
            let id = 10 * (n as u64 + 1);
            ticket.id = Some(id);
            for message in messages {
                message.ticket_id = id;
            }
        }
        let dir = tempfile::tempdir().unwrap();
        write_bundle(dir.path(), &customers, &agents, &tickets);

        let runtime = tokio::runtime::Runtime::new().unwrap();
        let (read_customers, read_agents, read_threads) = runtime.block_on(async {
            let bundle = ExportBundle::open(dir.path()).unwrap();
            (
                collect(bundle.customers(None)).await,
                collect(bundle.agents()).await,
                collect(bundle.tickets(None)).await,
            )
        });

        let direct_customers: Vec<Outcome<Customer>> = customers
            .iter()
            .map(|c| outcome(decode(&serde_json::to_value(c).unwrap())))
            .collect();
        let direct_agents: Vec<Outcome<Agent>> = agents
            .iter()
            .map(|a| outcome(decode(&serde_json::to_value(a).unwrap())))
            .collect();
        let direct_threads: Vec<Outcome<TicketThread>> = tickets
            .iter()
            .flat_map(|(ticket, messages)| convert_thread(ticket, messages))
            .collect();
        prop_assert_eq!(read_customers, direct_customers);
        prop_assert_eq!(read_agents, direct_agents);
        prop_assert_eq!(read_threads, direct_threads);
    }
}
