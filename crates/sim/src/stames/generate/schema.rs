//! What users built inside Stames: custom fields, the `warranty` custom object
//! and its records, the tag list, and automations.
//!
//! Messiness produced here: fields of all six types on tickets and customers; a
//! *text* field (`purchase_date`) whose values are all dates (and, in
//! `retyped`, three more whose labels hide what they hold); a *required*
//! field that older tickets leave empty; occasional explicit `null` values;
//! tags whose spellings differ only in case, spacing or punctuation (the list
//! holds each spelling actually used, plus a few unused ones, some without a
//! creation date); inactive automations.

use super::vocab::{order_number, PRODUCTS, TAG_GROUPS, UNUSED_TAGS};
use super::{ts, Gen};
use crate::stames::data::StamesTicket;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use deskshift_stames::api::wire::{
    WireAction, WireAutomation, WireCondition, WireCustomField, WireCustomObject,
    WireCustomObjectField, WireCustomObjectRecord, WireCustomer, WireTag,
};
use serde_json::{json, Map, Value};
use std::collections::HashSet;

fn field(
    id: u64,
    object: &str,
    key: &str,
    label: &str,
    field_type: &str,
    options: &[&str],
    required: bool,
) -> WireCustomField {
    WireCustomField {
        id: Some(id),
        object: object.to_string(),
        key: key.to_string(),
        label: label.to_string(),
        field_type: field_type.to_string(),
        options: options.iter().map(|o| (*o).to_string()).collect(),
        required,
    }
}

/// The custom field definitions; fixed, so their ids are stable across seeds.
pub fn custom_fields() -> Vec<WireCustomField> {
    vec![
        field(
            1,
            "ticket",
            "order_number",
            "Order number",
            "text",
            &[],
            false,
        ),
        // A text field that only ever holds dates: mapping should notice.
        field(
            2,
            "ticket",
            "purchase_date",
            "Purchase date",
            "text",
            &[],
            false,
        ),
        field(
            3,
            "ticket",
            "refund_amount",
            "Refund amount (€)",
            "number",
            &[],
            false,
        ),
        field(
            4,
            "ticket",
            "delivery_date",
            "Expected delivery",
            "date",
            &[],
            false,
        ),
        field(5, "ticket", "is_gift", "Gift order?", "boolean", &[], false),
        field(
            6,
            "ticket",
            "product_line",
            "Product line",
            "select",
            &[
                "Tents",
                "Backpacks",
                "Sleeping bags",
                "Footwear",
                "Apparel",
                "Accessories",
            ],
            false,
        ),
        field(
            7,
            "ticket",
            "issue_types",
            "Issue types",
            "multi_select",
            &[
                "Damaged",
                "Late",
                "Wrong item",
                "Missing parts",
                "Sizing",
                "Billing",
            ],
            false,
        ),
        // Required since it was added, but older tickets predate it.
        field(
            8,
            "ticket",
            "contact_reason",
            "Contact reason",
            "select",
            &[
                "Order status",
                "Return",
                "Warranty",
                "Billing",
                "Product question",
                "Other",
            ],
            true,
        ),
        field(
            9,
            "customer",
            "loyalty_tier",
            "Loyalty tier",
            "select",
            &["Bronze", "Silver", "Gold", "Platinum"],
            false,
        ),
        field(
            10,
            "customer",
            "lifetime_value",
            "Lifetime value",
            "number",
            &[],
            false,
        ),
        field(11, "customer", "birthday", "Birthday", "date", &[], false),
        field(
            12,
            "customer",
            "newsletter_opt_in",
            "Newsletter",
            "boolean",
            &[],
            false,
        ),
        field(
            13,
            "customer",
            "customer_notes",
            "Notes",
            "text",
            &[],
            false,
        ),
        field(
            14,
            "customer",
            "interests",
            "Interests",
            "multi_select",
            &[
                "Hiking",
                "Climbing",
                "Camping",
                "Skiing",
                "Trail running",
                "Kayaking",
            ],
            false,
        ),
    ]
}

/// How often each field is filled in.
fn fill_rate(key: &str) -> f64 {
    match key {
        "order_number" => 0.7,
        "purchase_date" => 0.4,
        "refund_amount" => 0.2,
        "delivery_date" => 0.35,
        "is_gift" => 0.5,
        "product_line" => 0.6,
        "issue_types" => 0.45,
        "contact_reason" => 0.9,
        "loyalty_tier" => 0.5,
        "lifetime_value" => 0.6,
        "birthday" => 0.2,
        "newsletter_opt_in" => 0.7,
        "customer_notes" => 0.15,
        "interests" => 0.3,
        _ => 0.5,
    }
}

fn date_between(g: &mut Gen, from: NaiveDate, to: NaiveDate) -> String {
    let span = (to - from).num_days().max(0).unsigned_abs();
    (from + Duration::days(g.range(0, span) as i64))
        .format("%Y-%m-%d")
        .to_string()
}

fn some_options(g: &mut Gen, options: &[String]) -> Vec<String> {
    let mut picked: Vec<String> = options.iter().filter(|_| g.chance(0.3)).cloned().collect();
    if picked.is_empty() && !options.is_empty() {
        picked.push(g.pick(options).clone());
    }
    picked
}

/// A value for `field`, `None` when the record leaves it unset. About 3% of
/// unset values are sent as an explicit `null`, as Stames does for fields that
/// were once filled and then cleared.
pub fn sample_field_value(g: &mut Gen, field: &WireCustomField) -> Option<Value> {
    if !g.chance(fill_rate(&field.key)) {
        return g.chance(0.03).then_some(Value::Null);
    }
    let anchor = g.anchor().date_naive();
    let value = match (field.key.as_str(), field.field_type.as_str()) {
        ("order_number", _) => {
            let n = order_number(g.range(0, 89_999) as u32);
            json!(if g.chance(0.5) { format!("#{n}") } else { n })
        }
        ("refund_amount", _) => json!(g.log_range(500, 45_000) as f64 / 100.0),
        ("lifetime_value", _) => json!(g.log_range(1_000, 2_500_000) as f64 / 100.0),
        ("birthday", _) => json!(date_between(
            g,
            anchor - Duration::days(70 * 365),
            anchor - Duration::days(18 * 365)
        )),
        ("customer_notes", _) => json!(*g.pick(&[
            // Notes collect personal data people type in: what the field
            // map's model assist must redact before anything leaves.
            "Prefers e-mail over phone; mobile +44 7700 900461 only if urgent.",
            "Tried to return a used tent twice ⚠️",
            "Spricht nur Deutsch. Rückruf an anna.weber@example.de",
            "Wholesale buyer — see contract <2024-07>",
            "Very patient & friendly 😊",
        ])),
        (_, "text") => json!(date_between(g, anchor - Duration::days(800), anchor)),
        (_, "number") => json!(g.range(0, 1000)),
        (_, "date") => json!(date_between(
            g,
            anchor - Duration::days(760),
            anchor + Duration::days(30)
        )),
        (_, "boolean") => json!(g.chance(0.3)),
        (_, "select") => json!(g.pick(&field.options)),
        (_, "multi_select") => json!(some_options(g, &field.options)),
        _ => Value::Null,
    };
    Some(value)
}

/// The tag list: every spelling the tickets use, in order of first use (so
/// ids ascend with creation time), after a few tags no ticket uses any more.
pub fn tags(g: &mut Gen, tickets: &[StamesTicket]) -> Vec<WireTag> {
    let anchor = g.anchor();
    let mut out: Vec<WireTag> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    for name in UNUSED_TAGS {
        seen.insert((*name).to_string());
        let created = g.time_between(
            anchor - Duration::days(4 * 365),
            anchor - Duration::days(3 * 365),
        );
        out.push(WireTag {
            id: None,
            name: (*name).to_string(),
            created_at: Some(ts(created)),
        });
    }
    for thread in tickets {
        for tag in &thread.ticket.tags {
            if seen.insert(tag.clone()) {
                // Tags that predate Stames' audit log carry no creation date.
                let created_at = if g.chance(0.1) {
                    None
                } else {
                    Some(thread.ticket.created_at.clone())
                };
                out.push(WireTag {
                    id: None,
                    name: tag.clone(),
                    created_at,
                });
            }
        }
    }
    for (tag, id) in out.iter_mut().zip(1..) {
        tag.id = Some(id);
    }
    out
}

/// A tag spelling for a ticket: a concept, then one of its spellings, the
/// first (canonical) one most often.
pub fn tag_spelling(g: &mut Gen) -> &'static str {
    let group = *g.pick(TAG_GROUPS);
    if group.len() == 1 || g.chance(0.55) {
        group[0]
    } else {
        group[1 + g.index(group.len() - 1)]
    }
}

/// The one custom object: product warranties, linked to tickets and customers.
pub fn warranty_object() -> WireCustomObject {
    let f = |key: &str, label: &str, field_type: &str, options: &[&str]| WireCustomObjectField {
        key: key.to_string(),
        label: label.to_string(),
        field_type: field_type.to_string(),
        options: options.iter().map(|o| (*o).to_string()).collect(),
    };
    WireCustomObject {
        id: Some(1),
        key: "warranty".to_string(),
        label: "Warranty".to_string(),
        fields: vec![
            f("serial_number", "Serial number", "text", &[]),
            f("product", "Product", "select", PRODUCTS),
            f("expires_on", "Expires on", "date", &[]),
            f("extended", "Extended warranty", "boolean", &[]),
        ],
        links: vec!["ticket".to_string(), "customer".to_string()],
    }
}

/// Warranty records: about one per four tickets, linked to the ticket and its
/// customer, plus some registered by customers without a ticket.
pub fn warranty_records(
    g: &mut Gen,
    tickets: &[StamesTicket],
    customers: &[WireCustomer],
) -> Vec<WireCustomObjectRecord> {
    let anchor = g.anchor();
    let mut drafts: Vec<(DateTime<Utc>, Vec<u64>, Vec<u64>)> = Vec::new();
    for thread in tickets {
        if !g.chance(0.25) {
            continue;
        }
        let Ok(created) = DateTime::parse_from_rfc3339(&thread.ticket.created_at) else {
            continue;
        };
        let at = (created.with_timezone(&Utc) + g.log_secs(60, 3 * 86_400)).min(anchor);
        let ticket_ids = thread.ticket.id.into_iter().collect();
        let customer_ids = thread.ticket.customer_id.into_iter().collect();
        drafts.push((at, ticket_ids, customer_ids));
    }
    let customer_only = drafts.len() / 5;
    for _ in 0..customer_only {
        if customers.is_empty() {
            break;
        }
        let customer = &customers[g.index(customers.len())];
        let at = g.time_between(anchor - Duration::days(730), anchor - Duration::days(1));
        drafts.push((at, Vec::new(), customer.id.into_iter().collect()));
    }
    // Ids ascend with creation time, as a real database's would.
    drafts.sort_by_key(|(at, _, _)| *at);
    let mut records = Vec::with_capacity(drafts.len());
    for ((created, ticket_ids, customer_ids), id) in drafts.into_iter().zip(1..) {
        let mut values = Map::new();
        let serial = format!("SN-{:04X}-{:04X}", g.range(0, 0xFFFF), g.range(0, 0xFFFF));
        values.insert("serial_number".into(), json!(serial));
        values.insert(
            "product".into(),
            if g.chance(0.05) {
                Value::Null
            } else {
                json!(g.pick(PRODUCTS))
            },
        );
        let years = g.range(1, 3) as i64;
        let expires = (created - Duration::days(g.range(0, 200) as i64)
            + Duration::days(365 * years))
        .date_naive();
        values.insert(
            "expires_on".into(),
            json!(expires.format("%Y-%m-%d").to_string()),
        );
        values.insert("extended".into(), json!(g.chance(0.25)));
        let updated = (created + g.log_secs(1, 200 * 86_400)).min(anchor);
        records.push(WireCustomObjectRecord {
            id: Some(id),
            object_key: "warranty".into(),
            values,
            ticket_ids,
            customer_ids,
            created_at: ts(created),
            updated_at: ts(updated),
        });
    }
    records
}

fn condition(field: &str, operator: &str, value: Value) -> WireCondition {
    WireCondition {
        field: field.into(),
        operator: operator.into(),
        value,
    }
}

fn action(action_type: &str, params: Value) -> WireAction {
    WireAction {
        action_type: action_type.into(),
        params,
    }
}

/// A catalogue entry: name, trigger, conditions, actions, active.
type Rule = (
    &'static str,
    &'static str,
    Vec<WireCondition>,
    Vec<WireAction>,
    bool,
);

/// 10 to 15 automations drawn (in order) from a fixed catalogue; at least one
/// is inactive.
pub fn automations(g: &mut Gen, agents: &super::people::Agents) -> Vec<WireAutomation> {
    let anchor = g.anchor();
    let agent = |i: usize| {
        agents
            .info
            .get(i % agents.info.len().max(1))
            .map_or(Value::Null, |a| json!(a.id))
    };
    #[rustfmt::skip]
    let catalogue: Vec<Rule> = vec![
        ("Auto-assign billing tickets", "ticket_created",
            vec![condition("subject", "contains", json!("invoice"))],
            vec![action("assign_agent", json!({"agent_id": agent(1)})), action("add_tag", json!({"tag": "billing"}))], true),
        ("VIP first", "ticket_created",
            vec![condition("ticket.tags", "contains", json!("VIP"))],
            vec![action("set_priority", json!({"priority": "urgent"})), action("notify_agent", json!({"agent_id": agent(0)}))], true),
        ("WhatsApp after-hours reply", "message_received",
            vec![condition("channel", "equals", json!("whatsapp")), condition("business_hours", "equals", json!(false))],
            vec![action("send_sms", json!({"template": "We're closed — back at 9:00 CET 🌙"}))], true),
        ("E-mail acknowledgement", "ticket_created",
            vec![condition("channel", "equals", json!("email"))],
            vec![action("send_email", json!({"to": "customer", "template": "We received your request"}))], true),
        ("Escalate SLA breaches", "sla_breached",
            vec![],
            vec![action("set_priority", json!({"priority": "high"})), action("notify_agent", json!({"agent_id": agent(0)}))], true),
        ("Close solved tickets after 7 days", "time_based",
            vec![condition("status", "equals", json!("solved")), condition("hours_since_solved", "greater_than", json!(168))],
            vec![action("set_status", json!({"status": "closed"}))], true),
        ("Old rule – Black Friday 2023", "ticket_created",
            vec![condition("created_at", "between", json!(["2023-11-24", "2023-11-27"]))],
            vec![action("add_tag", json!({"tag": "Black Friday 2023"}))], false),
        ("Tag refund requests", "message_received",
            vec![condition("message.body", "contains_any", json!(["refund", "Rückerstattung", "remboursement"]))],
            vec![action("add_tag", json!({"tag": "refund request"}))], true),
        ("Notify on reopen", "ticket_updated",
            vec![condition("status", "changed_from", json!("solved"))],
            vec![action("notify_agent", json!({"agent_id": "assignee"}))], true),
        ("Returns to the returns team", "ticket_created",
            vec![condition("custom_field.contact_reason", "equals", json!("Return"))],
            vec![action("assign_agent", json!({"agent_id": agent(2)}))], true),
        ("Pending reminder (48h)", "time_based",
            vec![condition("status", "equals", json!("pending")), condition("hours_since_update", "greater_than", json!(48))],
            vec![action("send_email", json!({"to": "customer", "template": "Just checking in…"}))], true),
        ("Instagram DM triage", "message_received",
            vec![condition("channel", "equals", json!("instagram"))],
            vec![action("add_tag", json!({"tag": "social"}))], true),
        ("SMS the on-call agent for urgent tickets", "ticket_updated",
            vec![condition("priority", "changed_to", json!("urgent"))],
            vec![action("send_sms", json!({"to": "+44 7700 900999"}))], true),
        ("Legacy: forward to old inbox", "ticket_created",
            vec![condition("channel", "equals", json!("email"))],
            vec![action("send_email", json!({"to": "help@old-domain.example"}))], false),
        ("Negative feedback alert", "message_received",
            vec![condition("message.body", "contains", json!("😡"))],
            vec![action("notify_agent", json!({"agent_id": agent(0)})), action("set_priority", json!({"priority": "high"}))], true),
    ];
    let keep = g.range(10, 15) as usize;
    // Keep `keep` of the catalogue, in catalogue order.
    let mut chosen: Vec<usize> = (0..catalogue.len()).collect();
    while chosen.len() > keep {
        let drop = g.index(chosen.len());
        chosen.remove(drop);
    }
    let mut out = Vec::with_capacity(keep);
    for (index, id) in chosen.into_iter().zip(1..) {
        let (name, trigger, conditions, actions, active) = catalogue[index].clone();
        let created = g.time_between(
            anchor - Duration::days(3 * 365),
            anchor - Duration::days(30),
        );
        let updated = (created + g.log_secs(1, 365 * 86_400)).min(anchor);
        out.push(WireAutomation {
            id: Some(id),
            name: name.into(),
            trigger: trigger.into(),
            conditions,
            actions,
            active,
            created_at: ts(created),
            updated_at: ts(updated),
        });
    }
    if out.iter().all(|a| a.active) {
        if let Some(last) = out.last_mut() {
            last.active = false;
        }
    }
    out
}
