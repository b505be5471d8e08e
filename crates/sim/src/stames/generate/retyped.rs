//! Custom fields whose label hides what they hold and whose declared type
//! is wrong, as in helpdesks that grew by hand: `Warranty Exp.` (text, all
//! dates), `Order #` (text, all numbers) and, on customers, `VIP?` (text,
//! all yes/no). The field map must see through both the name and the type.
//!
//! Their values come from a stream of their own ([`Gen::fork`]), drawn
//! after everything else, so adding them changed no other record of any
//! workspace: every count a test asserts stays what it was.

use super::Gen;
use crate::stames::data::StamesTicket;
use chrono::{DateTime, Duration, Utc};
use deskshift_stames::api::wire::{WireCustomField, WireCustomer, WireFieldValue};
use serde_json::json;

/// Stream id for [`Gen::fork`]; distinct from the main and malformed ones.
const RETYPED_STREAM: u64 = 0x7265_7479;

pub const WARRANTY_EXP: u64 = 15;
pub const ORDER_NO: u64 = 16;
pub const VIP: u64 = 17;

/// The three definitions, after the fixed ones (ids 15–17).
pub fn custom_fields() -> Vec<WireCustomField> {
    let field = |id: u64, object: &str, key: &str, label: &str| WireCustomField {
        id: Some(id),
        object: object.into(),
        key: key.into(),
        label: label.into(),
        field_type: "text".into(),
        options: Vec::new(),
        required: false,
    };
    vec![
        field(WARRANTY_EXP, "ticket", "warranty_exp", "Warranty Exp."),
        field(ORDER_NO, "ticket", "order_no", "Order #"),
        field(VIP, "customer", "vip", "VIP?"),
    ]
}

/// Fills the three fields on some tickets and customers.
pub fn fill(seed: u64, tickets: &mut [StamesTicket], customers: &mut [WireCustomer]) {
    let mut g = Gen::fork(seed, RETYPED_STREAM);
    for thread in tickets.iter_mut() {
        let created = DateTime::parse_from_rfc3339(&thread.ticket.created_at)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|_| g.anchor());
        if g.chance(0.3) {
            // A warranty runs one to three years from around the purchase.
            let expires = created + Duration::days(g.range(300, 3 * 365) as i64);
            thread.ticket.custom_fields.push(WireFieldValue {
                field_id: WARRANTY_EXP,
                value: json!(expires.date_naive().format("%Y-%m-%d").to_string()),
            });
        }
        if g.chance(0.5) {
            // Typed into a text field, so numbers arrive as text.
            thread.ticket.custom_fields.push(WireFieldValue {
                field_id: ORDER_NO,
                value: json!(g.range(10_000, 99_999).to_string()),
            });
        }
    }
    for customer in customers.iter_mut() {
        if g.chance(0.6) {
            let yes = g.chance(0.2);
            let spelling = match (yes, g.chance(0.5)) {
                (true, true) => "yes",
                (true, false) => "Yes",
                (false, true) => "no",
                (false, false) => "No",
            };
            customer.custom_fields.push(WireFieldValue {
                field_id: VIP,
                value: json!(spelling),
            });
        }
    }
}
