//! The whole account in memory, with the bookkeeping every write shares:
//! the clock, id sequences, the e-mail index, events, rule executions and
//! sends.

use super::model::*;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};

/// Where a write comes from. Seeded records ([`crate::gorgias::ExistingData`])
/// are history: they produce no events, fire no rules and send nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Api,
    Seed,
}

/// Next id of each kind. Ids are never reused, also after a deletion, so a
/// stale id in a client's ledger can never point at a different record.
/// The kinds start in different ranges so that a client mixing up a user
/// id and a customer id gets a 4xx instead of a silent wrong link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sequences {
    pub user: u64,
    pub customer: u64,
    pub channel: u64,
    pub ticket: u64,
    pub message: u64,
    pub tag: u64,
    pub custom_field: u64,
    pub survey: u64,
    pub rule: u64,
    pub event: u64,
    pub upload: u64,
}

impl Default for Sequences {
    fn default() -> Sequences {
        Sequences {
            user: 1_001,
            customer: 200_001,
            channel: 400_001,
            ticket: 30_001,
            message: 700_001,
            tag: 501,
            custom_field: 101,
            survey: 9_001,
            rule: 301,
            event: 1,
            upload: 1,
        }
    }
}

fn take(next: &mut u64) -> u64 {
    let id = *next;
    *next += 1;
    id
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct State {
    pub account: Account,
    pub sequences: Sequences,
    /// The last timestamp handed out; see [`State::now`].
    pub clock: Timestamp,
    /// The user the API credentials belong to (`GET /api/users/0`).
    pub caller_user_id: u64,
    pub users: BTreeMap<u64, User>,
    pub customers: BTreeMap<u64, Customer>,
    pub tags: BTreeMap<u64, Tag>,
    pub custom_fields: BTreeMap<u64, CustomField>,
    pub tickets: BTreeMap<u64, Ticket>,
    pub messages: BTreeMap<u64, Message>,
    pub surveys: BTreeMap<u64, Survey>,
    pub rules: BTreeMap<u64, Rule>,
    pub events: BTreeMap<u64, Event>,
    pub uploads: BTreeMap<u64, Upload>,
    pub sends: Vec<SendRecord>,
    /// Lowercased e-mail → customer id; rebuilt on load.
    #[serde(skip)]
    customer_emails: HashMap<String, u64>,
}

impl State {
    /// An empty account whose only record is the API user.
    pub fn new(domain: &str, caller_email: &str) -> State {
        let now = wall_clock();
        let mut state = State {
            account: Account {
                domain: domain.to_string(),
                created_datetime: now,
            },
            sequences: Sequences::default(),
            clock: now,
            caller_user_id: 0,
            users: BTreeMap::new(),
            customers: BTreeMap::new(),
            tags: BTreeMap::new(),
            custom_fields: BTreeMap::new(),
            tickets: BTreeMap::new(),
            messages: BTreeMap::new(),
            surveys: BTreeMap::new(),
            rules: BTreeMap::new(),
            events: BTreeMap::new(),
            uploads: BTreeMap::new(),
            sends: Vec::new(),
            customer_emails: HashMap::new(),
        };
        state.ensure_caller(caller_email);
        state
    }

    /// Makes the user with `email` the caller (`GET /api/users/0`),
    /// creating it as an admin when the account has no such user: an API
    /// key always belongs to a user.
    pub fn ensure_caller(&mut self, email: &str) {
        if let Some(id) = self.user_by_email(email) {
            self.caller_user_id = id;
            return;
        }
        let id = take(&mut self.sequences.user);
        let now = self.now();
        let name = email.split('@').next().unwrap_or("api").to_string();
        self.users.insert(
            id,
            User {
                id,
                email: email.to_string(),
                name,
                role: "admin".into(),
                external_id: None,
                active: true,
                created_datetime: now,
                updated_datetime: now,
                deactivated_datetime: None,
                extra: Default::default(),
            },
        );
        self.caller_user_id = id;
    }

    /// Rebuilds the indexes a loaded state does not carry.
    pub fn reindex(&mut self) {
        self.customer_emails.clear();
        let ids: Vec<u64> = self.customers.keys().copied().collect();
        for id in ids {
            self.index_customer(id);
        }
    }

    /// Server time for a write: the wall clock at microsecond resolution,
    /// but always strictly after every timestamp handed out before, so that
    /// `created_datetime` ordering and `[gte]` filters never tie or go back.
    pub fn now(&mut self) -> Timestamp {
        let next = wall_clock().max(self.clock + chrono::Duration::microseconds(1));
        self.clock = next;
        next
    }

    pub fn next_user_id(&mut self) -> u64 {
        take(&mut self.sequences.user)
    }
    pub fn next_customer_id(&mut self) -> u64 {
        take(&mut self.sequences.customer)
    }
    pub fn next_channel_id(&mut self) -> u64 {
        take(&mut self.sequences.channel)
    }
    pub fn next_ticket_id(&mut self) -> u64 {
        take(&mut self.sequences.ticket)
    }
    pub fn next_message_id(&mut self) -> u64 {
        take(&mut self.sequences.message)
    }
    pub fn next_tag_id(&mut self) -> u64 {
        take(&mut self.sequences.tag)
    }
    pub fn next_custom_field_id(&mut self) -> u64 {
        take(&mut self.sequences.custom_field)
    }
    pub fn next_survey_id(&mut self) -> u64 {
        take(&mut self.sequences.survey)
    }
    pub fn next_rule_id(&mut self) -> u64 {
        take(&mut self.sequences.rule)
    }
    pub fn next_upload_id(&mut self) -> u64 {
        take(&mut self.sequences.upload)
    }

    /// The customer known by `email` (case-insensitive), if any.
    pub fn customer_by_email(&self, email: &str) -> Option<u64> {
        self.customer_emails.get(&email.to_lowercase()).copied()
    }

    /// Adds the customer's addresses to the e-mail index. Call after every
    /// insert or change of a customer (after [`State::unindex_customer`]).
    pub fn index_customer(&mut self, id: u64) {
        if let Some(customer) = self.customers.get(&id) {
            for email in customer.emails() {
                self.customer_emails.entry(email).or_insert(id);
            }
        }
    }

    pub fn unindex_customer(&mut self, id: u64) {
        self.customer_emails.retain(|_, owner| *owner != id);
    }

    /// The user with this e-mail (case-insensitive), if any.
    pub fn user_by_email(&self, email: &str) -> Option<u64> {
        self.users
            .values()
            .find(|u| u.email.eq_ignore_ascii_case(email))
            .map(|u| u.id)
    }

    /// The tag named exactly `name` (tag names are case-sensitive).
    pub fn tag_by_name(&self, name: &str) -> Option<u64> {
        self.tags.values().find(|t| t.name == name).map(|t| t.id)
    }

    /// Tickets carrying the tag.
    pub fn tag_usage(&self, tag_id: u64) -> u64 {
        self.tickets
            .values()
            .filter(|t| t.tag_ids.contains(&tag_id))
            .count() as u64
    }

    /// Records an event (API writes only).
    pub fn record_event(
        &mut self,
        origin: Origin,
        kind: &str,
        object_type: &str,
        object_id: u64,
        data: Value,
    ) {
        if origin == Origin::Seed {
            return;
        }
        let id = take(&mut self.sequences.event);
        let created_datetime = self.now();
        let user_id = (!kind.starts_with("rule-executed")).then_some(self.caller_user_id);
        self.events.insert(
            id,
            Event {
                id,
                kind: kind.to_string(),
                object_type: object_type.to_string(),
                object_id,
                user_id,
                context: context_uuid(id),
                data,
                created_datetime,
            },
        );
    }

    /// Runs every active rule listening to `trigger` on the ticket: the
    /// emulator does not interpret rule code, it records a `rule-executed`
    /// event, which is the side effect a migration's preflight must prevent.
    pub fn fire_rules(&mut self, origin: Origin, trigger: &str, ticket_id: u64) {
        if origin == Origin::Seed {
            return;
        }
        let firing: Vec<(u64, String)> = self
            .rules
            .values()
            .filter(|r| r.is_active() && r.triggers_on(trigger))
            .map(|r| (r.id, r.name.clone()))
            .collect();
        for (rule_id, name) in firing {
            self.record_event(
                origin,
                "rule-executed",
                "Ticket",
                ticket_id,
                json!({"rule_id": rule_id, "rule_name": name, "trigger": trigger}),
            );
        }
    }

    /// Records that something was sent to a person.
    pub fn record_send(&mut self, record: SendRecord) {
        self.sends.push(record);
    }
}

fn wall_clock() -> Timestamp {
    let now = chrono::Utc::now();
    use chrono::DurationRound;
    now.duration_trunc(chrono::Duration::microseconds(1))
        .unwrap_or(now)
}

/// A stable, uuid-shaped context for an event id.
fn context_uuid(id: u64) -> String {
    let hex = format!(
        "{:032x}",
        u128::from(id).wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835)
    );
    format!(
        "{}-{}-4{}-a{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[13..16],
        &hex[17..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_is_strictly_increasing() {
        let mut state = State::new("acme", "api@acme.test");
        let a = state.now();
        let b = state.now();
        assert!(b > a);
    }

    #[test]
    fn new_account_has_the_caller_as_admin() {
        let state = State::new("acme", "api@acme.test");
        let caller = &state.users[&state.caller_user_id];
        assert_eq!(caller.email, "api@acme.test");
        assert_eq!(caller.role, "admin");
    }

    #[test]
    fn context_looks_like_a_uuid() {
        let c = context_uuid(42);
        assert_eq!(c.len(), 36);
        assert_eq!(c.matches('-').count(), 4);
        assert_ne!(context_uuid(1), context_uuid(2));
    }
}
