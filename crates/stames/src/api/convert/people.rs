//! Agents and customers.

use super::values::custom_fields;
use super::{require_id, Checker, FromWire};
use crate::api::wire::{WireAgent, WireCustomer};
use deskshift_core::model::{Agent, Company, Customer, ObjectKind};
use deskshift_core::source::Reject;

impl FromWire for Agent {
    type Wire = WireAgent;
    const KIND: ObjectKind = ObjectKind::Users;

    fn from_wire(wire: WireAgent) -> Result<Agent, Reject> {
        let id = require_id(Self::KIND, wire.id)?;
        let check = Checker::new(Self::KIND, Some(&id));
        let email = match wire.email.as_deref() {
            Some(email) => check.email("email", email)?,
            None => {
                return Err(check.reject(
                    "email",
                    "the agent has no e-mail address",
                    "add the agent's e-mail address in Stames; destinations match agents to \
                     users by e-mail",
                ))
            }
        };
        let created_at = check.timestamp("created_at", &wire.created_at)?;
        let updated_at = check.timestamp("updated_at", &wire.updated_at)?;
        let departed_at =
            match check.optional_timestamp("departed_at", wire.departed_at.as_deref())? {
                Some(at) => Some(at),
                None if wire.status == "departed" => Some(updated_at),
                None => None,
            };
        Ok(Agent {
            active: wire.status == "active",
            departed_at,
            department_ids: wire.department_ids.iter().map(u64::to_string).collect(),
            name: wire.name,
            email,
            role: wire.role,
            created_at,
            updated_at,
            id,
        })
    }
}

impl FromWire for Customer {
    type Wire = WireCustomer;
    const KIND: ObjectKind = ObjectKind::Customers;

    fn from_wire(wire: WireCustomer) -> Result<Customer, Reject> {
        let id = require_id(Self::KIND, wire.id)?;
        let check = Checker::new(Self::KIND, Some(&id));
        let email = match wire.email.as_deref() {
            Some(email) if !email.trim().is_empty() => Some(check.email("email", email)?),
            _ => None,
        };
        Ok(Customer {
            name: wire.name,
            email,
            phone: wire.phone,
            company: wire.company.map(|c| Company {
                name: c.name,
                domain: c.domain,
            }),
            custom_fields: custom_fields(&check, wire.custom_fields)?,
            created_at: check.timestamp("created_at", &wire.created_at)?,
            updated_at: check.timestamp("updated_at", &wire.updated_at)?,
            id,
        })
    }
}
