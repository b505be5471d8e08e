//! Invalid records, injected on request, so readers can be tested on the bad
//! input they must reject (with a reason naming the record and field) without
//! stopping.
//!
//! Kinds are used in turn: customer without id, customer with an invalid
//! e-mail, agent with an invalid e-mail, ticket with an unparseable
//! `created_at`, ticket referring to a customer that does not exist, message
//! referring to an agent that does not exist, custom object record with an
//! impossible timestamp.
//!
//! The broken customers and agent are *added* (nobody refers to them, so
//! rejecting them cannot cascade into other rejects); the others are existing
//! records changed in place, each on a different ticket, so every defect is the
//! only one on its ticket. Injection draws from its own random stream, so a
//! workspace with malformed records is otherwise identical to the clean one
//! from the same seed, apart from the added records.

use super::{anchor, ts, Gen};
use crate::stames::data::{MalformedRecord, StamesData};
use chrono::Duration;
use deskshift_core::model::ObjectKind;
use deskshift_stames::api::wire::{WireAgent, WireCustomer};
use std::collections::HashSet;

/// Stream id for [`Gen::fork`]; distinct from the main generator's stream.
const MALFORMED_STREAM: u64 = 0x6d61_6c66;

#[derive(Debug, Clone, Copy)]
enum Defect {
    CustomerWithoutId,
    CustomerBadEmail,
    AgentBadEmail,
    TicketBadCreatedAt,
    TicketUnknownCustomer,
    MessageUnknownAgent,
    RecordBadTimestamp,
}

const ORDER: [Defect; 7] = [
    Defect::CustomerWithoutId,
    Defect::CustomerBadEmail,
    Defect::AgentBadEmail,
    Defect::TicketBadCreatedAt,
    Defect::TicketUnknownCustomer,
    Defect::MessageUnknownAgent,
    Defect::RecordBadTimestamp,
];

const BAD_EMAILS: [&str; 3] = ["bob at example", "jamie.invited@", "no-reply@@example.com"];
const BAD_TICKET_DATES: [&str; 3] = ["31/12/2023 14:05", "yesterday", "2024-13-01T00:00:00Z"];
const BAD_RECORD_DATES: [&str; 3] = ["2024-02-30T10:00:00Z", "", "1700000000"];

struct Injector<'d> {
    g: Gen,
    data: &'d mut StamesData,
    /// Ticket positions already carrying a defect.
    used_tickets: HashSet<usize>,
    used_records: HashSet<usize>,
    next_customer_id: u64,
    next_agent_id: u64,
    /// Ids that certainly name nobody.
    ghost_id: u64,
}

/// Injects up to `count` invalid records and lists them in `data.malformed`.
/// Fewer are injected only when the workspace has nothing left to break (e.g.
/// no tickets).
pub fn inject(data: &mut StamesData, count: usize) {
    if count == 0 {
        return;
    }
    let next_customer_id = data
        .customers
        .iter()
        .filter_map(|c| c.id)
        .max()
        .unwrap_or(200_000)
        + 1;
    let next_agent_id = data
        .agents
        .iter()
        .filter_map(|a| a.id)
        .max()
        .unwrap_or(1_000)
        + 1;
    let mut injector = Injector {
        g: Gen::fork(data.seed, MALFORMED_STREAM),
        data,
        used_tickets: HashSet::new(),
        used_records: HashSet::new(),
        next_customer_id,
        next_agent_id,
        ghost_id: 990_000_000,
    };
    let mut injected = 0;
    let mut misses = 0;
    let mut turn = 0;
    while injected < count && misses < ORDER.len() {
        let defect = ORDER[turn % ORDER.len()];
        let round = turn / ORDER.len();
        turn += 1;
        match injector.apply(defect, round) {
            Some(record) => {
                injector.data.malformed.push(record);
                injected += 1;
                misses = 0;
            }
            None => misses += 1,
        }
    }
}

impl Injector<'_> {
    fn apply(&mut self, defect: Defect, round: usize) -> Option<MalformedRecord> {
        let created = ts(anchor() - Duration::days(10 + round as i64));
        match defect {
            Defect::CustomerWithoutId => {
                self.data.customers.push(WireCustomer {
                    id: None,
                    name: Some(format!("Imported contact {}", round + 1)),
                    email: Some(format!("imported{}@example.org", round + 1)),
                    phone: None,
                    company: None,
                    custom_fields: Vec::new(),
                    created_at: created.clone(),
                    updated_at: created,
                });
                Some(record(ObjectKind::Customers, None, "id", "missing id"))
            }
            Defect::CustomerBadEmail => {
                let id = self.next_customer_id;
                self.next_customer_id += 1;
                let email = BAD_EMAILS[round % BAD_EMAILS.len()];
                self.data.customers.push(WireCustomer {
                    id: Some(id),
                    name: Some("Bob".into()),
                    email: Some(email.into()),
                    phone: None,
                    company: None,
                    custom_fields: Vec::new(),
                    created_at: created.clone(),
                    updated_at: created,
                });
                Some(record(
                    ObjectKind::Customers,
                    Some(id),
                    "email",
                    &format!("invalid e-mail {email:?}"),
                ))
            }
            Defect::AgentBadEmail => {
                let id = self.next_agent_id;
                self.next_agent_id += 1;
                let email = BAD_EMAILS[(round + 1) % BAD_EMAILS.len()];
                self.data.agents.push(WireAgent {
                    id: Some(id),
                    name: "Jamie (invited)".into(),
                    email: Some(email.into()),
                    role: "agent".into(),
                    status: "inactive".into(),
                    departed_at: None,
                    department_ids: Vec::new(),
                    created_at: created.clone(),
                    updated_at: created,
                });
                Some(record(
                    ObjectKind::Users,
                    Some(id),
                    "email",
                    &format!("invalid e-mail {email:?}"),
                ))
            }
            Defect::TicketBadCreatedAt => {
                let i = self.free_ticket(|_| true)?;
                let bad = BAD_TICKET_DATES[round % BAD_TICKET_DATES.len()];
                let ticket = &mut self.data.tickets[i].ticket;
                ticket.created_at = bad.to_string();
                Some(record(
                    ObjectKind::Tickets,
                    ticket.id,
                    "created_at",
                    &format!("unparseable timestamp {bad:?}"),
                ))
            }
            Defect::TicketUnknownCustomer => {
                let i = self.free_ticket(|_| true)?;
                let ghost = self.ghost();
                let ticket = &mut self.data.tickets[i].ticket;
                ticket.customer_id = Some(ghost);
                Some(record(
                    ObjectKind::Tickets,
                    ticket.id,
                    "customer_id",
                    &format!("refers to customer {ghost}, which does not exist"),
                ))
            }
            Defect::MessageUnknownAgent => {
                let i = self
                    .free_ticket(|t| t.messages.iter().any(|m| m.author.author_type == "agent"))?;
                let ghost = self.ghost();
                let message = self.data.tickets[i]
                    .messages
                    .iter_mut()
                    .find(|m| m.author.author_type == "agent")?;
                message.author.id = Some(ghost);
                Some(record(
                    ObjectKind::Messages,
                    message.id,
                    "author.id",
                    &format!("refers to agent {ghost}, which does not exist"),
                ))
            }
            Defect::RecordBadTimestamp => {
                let free: Vec<usize> = (0..self.data.custom_object_records.len())
                    .filter(|i| !self.used_records.contains(i))
                    .collect();
                if free.is_empty() {
                    return None;
                }
                let i = free[self.g.index(free.len())];
                self.used_records.insert(i);
                let bad = BAD_RECORD_DATES[round % BAD_RECORD_DATES.len()];
                let rec = &mut self.data.custom_object_records[i];
                rec.created_at = bad.to_string();
                Some(record(
                    ObjectKind::CustomObjectRecords,
                    rec.id,
                    "created_at",
                    &format!("unparseable timestamp {bad:?}"),
                ))
            }
        }
    }

    /// A ticket position not yet broken that satisfies `fits`, marked as used.
    fn free_ticket(
        &mut self,
        fits: impl Fn(&crate::stames::data::StamesTicket) -> bool,
    ) -> Option<usize> {
        let free: Vec<usize> = (0..self.data.tickets.len())
            .filter(|i| !self.used_tickets.contains(i) && fits(&self.data.tickets[*i]))
            .collect();
        if free.is_empty() {
            return None;
        }
        let i = free[self.g.index(free.len())];
        self.used_tickets.insert(i);
        Some(i)
    }

    fn ghost(&mut self) -> u64 {
        self.ghost_id += 1;
        self.ghost_id
    }
}

fn record(kind: ObjectKind, id: Option<u64>, field: &str, problem: &str) -> MalformedRecord {
    MalformedRecord {
        kind,
        id,
        field: field.to_string(),
        problem: problem.to_string(),
    }
}
