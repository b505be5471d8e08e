//! A small, deliberately awkward scope report the deliverables' tests share:
//! a departed agent with tickets, files behind authentication, duplicate
//! customers, lossy field types, notification triggers and hostile text.

use crate::discover::*;
use crate::model::{
    Automation, AutomationAction, AutomationCondition, Department, FieldObject, FieldType,
    InventoryItem, InventoryKind, LinkTarget, ObjectKind, Portal,
};
use serde_json::json;
use std::collections::BTreeMap;

pub const HOSTILE: &str = "<script>alert('x')</script> & \"quotes\"";

fn field(id: &str, object: FieldObject, field_type: FieldType, label: &str) -> FieldProfile {
    FieldProfile {
        id: id.into(),
        object,
        key: format!("key_{id}"),
        label: label.into(),
        field_type,
        options: Vec::new(),
        required: false,
        records: 3,
        filled: 2,
        fill_rate: 2.0 / 3.0,
        value_shapes: BTreeMap::new(),
        type_mismatches: 0,
        unknown_options: 0,
        max_length: 0,
        max_decimals: 0,
        distinct: 0,
        distinct_capped: false,
        samples: Vec::new(),
    }
}

fn automation(id: &str, name: &str, trigger: &str, actions: &[&str], active: bool) -> Automation {
    let at = chrono::DateTime::parse_from_rfc3339("2024-01-01T00:00:00Z")
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or_default();
    Automation {
        id: id.into(),
        name: name.into(),
        trigger: trigger.into(),
        conditions: vec![AutomationCondition {
            field: "channel".into(),
            operator: "equals".into(),
            value: json!("email"),
        }],
        actions: actions
            .iter()
            .map(|a| AutomationAction {
                action: a.to_string(),
                params: json!({"tag": "billing"}),
            })
            .collect(),
        active,
        created_at: at,
        updated_at: at,
    }
}

pub fn scope() -> ScopeReport {
    let count = |read| KindCount {
        declared: Some(read),
        read,
        rejected: 0,
    };
    let counts = BTreeMap::from([
        (ObjectKind::Users, count(3)),
        (ObjectKind::Customers, count(4)),
        (ObjectKind::Tickets, count(3)),
        (ObjectKind::Messages, count(9)),
        (ObjectKind::Attachments, count(3)),
        (ObjectKind::StatusEvents, count(5)),
        (ObjectKind::Notifications, count(2)),
        (ObjectKind::Reminders, count(1)),
        (ObjectKind::CustomFields, count(3)),
        (ObjectKind::CustomObjects, count(1)),
        (ObjectKind::CustomObjectRecords, count(2)),
        (ObjectKind::Automations, count(3)),
        (ObjectKind::Tags, count(2)),
    ]);
    let agent = |id: &str, name: &str, departed: bool, tickets| AgentEntry {
        id: id.into(),
        name: name.into(),
        email: format!("{id}@example.com"),
        role: "agent".into(),
        active: !departed,
        departed,
        assigned_tickets: tickets,
    };
    let file = |id: &str, size| AttachmentRef {
        id: id.into(),
        ticket_id: "t1".into(),
        file_name: format!("{id}.pdf"),
        size_bytes: size,
    };
    ScopeReport {
        generated_at: chrono::Utc::now(),
        source: "Stames API at http://127.0.0.1:1".into(),
        workspace: WorkspaceSummary {
            account_id: "acme".into(),
            name: format!("Acme {HOSTILE}"),
            departments: vec![Department {
                id: "d1".into(),
                name: "Billing".into(),
            }],
            portal: Portal {
                enabled: true,
                url: Some("https://help.acme.example".into()),
            },
        },
        counts,
        reconciled: true,
        discrepancies: Vec::new(),
        agents: AgentSummary {
            active: 2,
            inactive: 0,
            departed: 1,
            by_role: BTreeMap::from([("agent".into(), 3)]),
            roster: vec![
                agent("a1", "Ana Lima", false, 1),
                agent("a2", HOSTILE, false, 0),
                agent("a3", "Departed Dan", true, 2),
            ],
        },
        customers: CustomerSummary {
            with_email: 4,
            without_email: 0,
            with_company: 1,
            duplicate_email_groups: 1,
            customers_in_duplicate_groups: 2,
            duplicate_examples: vec![("dup@example.com".into(), 2)],
            companies: 1,
        },
        tickets: TicketSummary {
            by_status: BTreeMap::from([("open".into(), 2), ("solved".into(), 1)]),
            assigned_to_departed: 2,
            with_reminders: 1,
            with_notifications: 2,
            thread_lengths: BTreeMap::from([(3, 3)]),
            open_reminders: 1,
            notification_triggers: vec![
                NotificationTriggerUse {
                    medium: "sms".into(),
                    event: "ticket_reopened".into(),
                    enabled: true,
                    settings: 1,
                },
                NotificationTriggerUse {
                    medium: "email".into(),
                    event: "ticket_solved".into(),
                    enabled: false,
                    settings: 1,
                },
            ],
            ..TicketSummary::default()
        },
        messages: MessageSummary {
            public: 7,
            private_notes: 2,
            ..MessageSummary::default()
        },
        channels: vec![
            ChannelUse {
                channel: "Email".into(),
                tickets: 2,
                messages: 6,
                integrations: vec![IntegrationStatus {
                    name: "support@acme.example".into(),
                    connected: true,
                }],
                needs_manual_reconnection: true,
            },
            ChannelUse {
                channel: "API".into(),
                tickets: 1,
                messages: 3,
                integrations: Vec::new(),
                needs_manual_reconnection: false,
            },
        ],
        attachments: AttachmentSummary {
            count: 3,
            total_bytes: 3_000,
            inline: 0,
            requires_auth: 1,
            largest: vec![file("f1", 2_000), file("f2", 600), file("f3", 400)],
            requires_auth_examples: vec![file("f3", 400)],
            downloadable_per_ticket: BTreeMap::from([(2, 1)]),
            downloadable_bytes: 2_600,
            downloadable_on_private_notes: 1,
            downloadable_empty: 0,
        },
        custom_fields: vec![
            field("1", FieldObject::Ticket, FieldType::Date, "Due <b>date</b>"),
            field("2", FieldObject::Ticket, FieldType::Select, "Reason"),
            field("3", FieldObject::Customer, FieldType::Text, "Plan"),
        ],
        tags: TagSummary {
            defined: 2,
            distinct_used: 2,
            applications: 3,
            collisions: Vec::new(),
        },
        custom_objects: vec![CustomObjectSummary {
            key: "warranty".into(),
            label: "Warranty".into(),
            fields: vec!["serial".into()],
            field_defs: Vec::new(),
            links: vec![LinkTarget::Customer],
            records: 2,
        }],
        automations: vec![
            automation(
                "1",
                "Auto-tag billing",
                "ticket_created",
                &["add_tag"],
                true,
            ),
            automation("2", HOSTILE, "message_received", &["send_sms"], true),
            automation("3", "Old rule", "time_based", &["set_status"], false),
        ],
        unreachable: vec![InventoryItem {
            kind: InventoryKind::PortalConfiguration,
            name: "Self-service portal".into(),
            detail: "Portal at https://help.acme.example is enabled".into(),
        }],
        rejects: RejectSummary::default(),
        api: Default::default(),
        duration_s: 1.0,
    }
}
