//! Tickets and their conversations.
//!
//! `mod.rs` decides what every ticket will be (channel, status, special
//! attachments) and builds each one; `thread.rs` writes its conversation,
//! `files.rs` its attachments, `extras.rs` its history, reminders,
//! notifications and tags.
//!
//! Messiness produced here, on purpose:
//! - all six channels (all present once there are six tickets), all six
//!   statuses (likewise), older tickets mostly solved or closed;
//! - assignees that are missing, or departed agents;
//! - threads of 1–60 messages, most short, a few long; customer, agent and
//!   system authors; private notes; the occasional customer reply through
//!   another channel; bodies in several languages and scripts (including
//!   right-to-left), with emoji, HTML entities, links and quoted replies;
//! - attachments on about 15% of messages: common office and image files,
//!   inline images referenced from `body_html`, a few multi-megabyte files
//!   (about one per 150 tickets), and a few stored behind authentication;
//! - tags spelled inconsistently, custom field values of every type, reminders
//!   (~20% of tickets), notifications (~10%), SLA data (~60%, some breached),
//!   and a status history of 1–6 events that ends in the ticket's status.

use super::people::{Account, AgentInfo, Agents, CustomerInfo, Customers, Reach};
use super::schema::{sample_field_value, tag_spelling};
use super::text::{Block, Body, Inline};
use super::vocab::{
    order_number, AGENT_REPLIES, FOLLOW_UPS, NOTES, NOTIFICATION_EVENTS, OPENERS_AR, OPENERS_DE,
    OPENERS_EN, OPENERS_ES, OPENERS_FR, OPENERS_HE, OPENERS_ZH, REMINDER_NOTES, SIGN_OFFS,
    SUBJECTS_AR, SUBJECTS_DE, SUBJECTS_EN, SUBJECTS_ES, SUBJECTS_FR, SUBJECTS_HE, SUBJECTS_ZH,
    SYSTEM_MESSAGES,
};
use super::{ts, Gen};
use crate::stames::data::StamesTicket;
use crate::stames::url::attachment_url;
use chrono::{DateTime, Duration, Utc};
use deskshift_stames::api::wire::{
    WireAttachment, WireAuthor, WireCustomField, WireFieldValue, WireMessage, WireNotification,
    WireReminder, WireSla, WireStatusEvent, WireTicket,
};
use std::collections::BTreeSet;

mod extras;
mod files;
mod thread;

/// The six channels, with how often a ticket arrives through each.
pub const CHANNELS: [(&str, u32); 6] = [
    ("email", 38),
    ("contact_form", 14),
    ("facebook", 12),
    ("instagram", 10),
    ("whatsapp", 14),
    ("api", 12),
];

/// The six statuses.
pub const STATUSES: [&str; 6] = ["new", "open", "pending", "on_hold", "solved", "closed"];

/// Everything the ticket generator reads.
pub struct Context<'a> {
    pub count: usize,
    pub account: &'a Account,
    pub agents: &'a Agents,
    pub customers: &'a Customers,
    pub fields: &'a [WireCustomField],
}

pub struct Generated {
    pub tickets: Vec<StamesTicket>,
}

/// What is decided for all tickets before any is generated, so that coverage
/// (every channel, every status, the special attachments) can be guaranteed
/// even in small workspaces.
struct Skeleton {
    id: u64,
    created_at: DateTime<Utc>,
    channel: &'static str,
    status: &'static str,
    large_file: bool,
    private_file: bool,
    inline_image: bool,
}

/// Running id counters for records nested in tickets.
struct Ids {
    message: u64,
    attachment: u64,
    reminder: u64,
    notification: u64,
}

/// Rewrites entries of `values` so that each of `wanted` occurs at least once,
/// taking only from values that occur more than once. Deterministic.
fn ensure_each(g: &mut Gen, values: &mut [&'static str], wanted: &[&'static str]) {
    if values.len() < wanted.len() {
        return;
    }
    for want in wanted {
        if values.contains(want) {
            continue;
        }
        let candidates: Vec<usize> = (0..values.len())
            .filter(|&i| values.iter().filter(|v| **v == values[i]).count() > 1)
            .collect();
        if candidates.is_empty() {
            return;
        }
        let i = candidates[g.index(candidates.len())];
        values[i] = want;
    }
}

fn skeletons(g: &mut Gen, count: usize) -> Vec<Skeleton> {
    let anchor = g.anchor();
    let mut times: Vec<DateTime<Utc>> = (0..count)
        .map(|_| g.time_between(anchor - Duration::days(730), anchor - Duration::hours(6)))
        .collect();
    times.sort_unstable();
    let mut channels: Vec<&'static str> = (0..count).map(|_| g.weighted(&CHANNELS)).collect();
    ensure_each(g, &mut channels, &CHANNELS.map(|(c, _)| c));
    let mut statuses: Vec<&'static str> = times
        .iter()
        .map(|created| {
            if anchor - *created > Duration::days(45) {
                g.weighted(&[
                    ("new", 1),
                    ("open", 4),
                    ("pending", 3),
                    ("on_hold", 2),
                    ("solved", 30),
                    ("closed", 60),
                ])
            } else {
                g.weighted(&[
                    ("new", 15),
                    ("open", 30),
                    ("pending", 20),
                    ("on_hold", 8),
                    ("solved", 17),
                    ("closed", 10),
                ])
            }
        })
        .collect();
    ensure_each(g, &mut statuses, &STATUSES);

    let large: BTreeSet<usize> = g
        .sample_indices(0, count, ((count + 75) / 150).max(1))
        .into_iter()
        .collect();
    let private: BTreeSet<usize> = g
        .sample_indices(0, count, (count / 60).max(1))
        .into_iter()
        .collect();
    // Inline images need an HTML body, which e-mail and contact-form tickets
    // always start with.
    let html_tickets: Vec<usize> = (0..count)
        .filter(|&i| matches!(channels[i], "email" | "contact_form"))
        .collect();
    let inline: BTreeSet<usize> = g
        .sample_indices(0, html_tickets.len(), (count / 50).max(1))
        .into_iter()
        .map(|i| html_tickets[i])
        .collect();

    let mut id = 10_000u64;
    let mut out = Vec::with_capacity(count);
    for (i, created_at) in times.into_iter().enumerate() {
        // Deleted tickets leave gaps in the id sequence.
        id += 1 + if g.chance(0.02) { g.range(1, 3) } else { 0 };
        out.push(Skeleton {
            id,
            created_at,
            channel: channels[i],
            status: statuses[i],
            large_file: large.contains(&i),
            private_file: private.contains(&i),
            inline_image: inline.contains(&i),
        });
    }
    out
}

pub fn generate(g: &mut Gen, ctx: &Context<'_>) -> Generated {
    let skeletons = skeletons(g, ctx.count);
    let pools = Pools::new(ctx.customers);
    let mut ids = Ids {
        message: 5_000_000,
        attachment: 9_000_000,
        reminder: 0,
        notification: 0,
    };
    let tickets = skeletons
        .iter()
        .map(|sk| {
            TicketBuilder {
                g,
                ctx,
                pools: &pools,
                ids: &mut ids,
                sk,
            }
            .build()
        })
        .collect();
    Generated { tickets }
}

/// Customers by how they can be reached, for picking a plausible customer for
/// a ticket's channel.
struct Pools {
    email: Vec<usize>,
    phone: Vec<usize>,
    social: Vec<usize>,
    all: usize,
}

impl Pools {
    fn new(customers: &Customers) -> Pools {
        let mut pools = Pools {
            email: Vec::new(),
            phone: Vec::new(),
            social: Vec::new(),
            all: customers.info.len(),
        };
        for (i, c) in customers.info.iter().enumerate() {
            if c.email.is_some() {
                pools.email.push(i);
            }
            if c.phone.is_some() {
                pools.phone.push(i);
            }
            if c.reach == Reach::Social {
                pools.social.push(i);
            }
        }
        pools
    }

    fn pick(&self, g: &mut Gen, channel: &str) -> Option<usize> {
        let preferred = match channel {
            "email" | "contact_form" | "api" => &self.email,
            "whatsapp" => &self.phone,
            _ if g.chance(0.5) => &self.social,
            _ => &self.email,
        };
        if !preferred.is_empty() {
            Some(preferred[g.index(preferred.len())])
        } else if self.all > 0 {
            Some(g.index(self.all))
        } else {
            None
        }
    }
}

/// Who writes a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Customer,
    Agent(usize),
    Note(usize),
    AutoReply,
    System,
}

#[derive(Debug, Clone, Copy)]
enum Locale {
    En,
    De,
    Fr,
    Es,
    Zh,
    Ar,
    He,
}

impl Locale {
    fn subjects(self) -> &'static [&'static str] {
        match self {
            Locale::En => SUBJECTS_EN,
            Locale::De => SUBJECTS_DE,
            Locale::Fr => SUBJECTS_FR,
            Locale::Es => SUBJECTS_ES,
            Locale::Zh => SUBJECTS_ZH,
            Locale::Ar => SUBJECTS_AR,
            Locale::He => SUBJECTS_HE,
        }
    }

    fn openers(self) -> &'static [&'static str] {
        match self {
            Locale::En => OPENERS_EN,
            Locale::De => OPENERS_DE,
            Locale::Fr => OPENERS_FR,
            Locale::Es => OPENERS_ES,
            Locale::Zh => OPENERS_ZH,
            Locale::Ar => OPENERS_AR,
            Locale::He => OPENERS_HE,
        }
    }

    fn right_to_left(self) -> bool {
        matches!(self, Locale::Ar | Locale::He)
    }
}

/// Builds one ticket. A struct rather than a long argument list: every step
/// reads the same context.
struct TicketBuilder<'a, 'g> {
    g: &'g mut Gen,
    ctx: &'a Context<'a>,
    pools: &'a Pools,
    ids: &'a mut Ids,
    sk: &'a Skeleton,
}

/// One message before it is rendered.
struct Planned {
    role: Role,
    at: DateTime<Utc>,
}

impl<'a> TicketBuilder<'a, '_> {
    fn agents(&self) -> &'a [AgentInfo] {
        &self.ctx.agents.info
    }

    fn build(mut self) -> StamesTicket {
        let sk = self.sk;
        let anchor = self.g.anchor();
        let customer_index = self.pools.pick(self.g, sk.channel);
        let customer = customer_index.map(|i| &self.ctx.customers.info[i]);
        let locale = self.g.weighted(&[
            (Locale::En, 62),
            (Locale::De, 9),
            (Locale::Fr, 9),
            (Locale::Es, 7),
            (Locale::Zh, 5),
            (Locale::Ar, 4),
            (Locale::He, 4),
        ]);
        let order = order_number(self.g.range(0, 89_999) as u32);
        let subject = self.subject(locale, customer, &order);
        let priority = self
            .g
            .weighted(&[("urgent", 5), ("high", 15), ("normal", 60), ("low", 20)]);
        let department_id = if self.g.chance(0.1) {
            None
        } else {
            Some(self.g.pick(&self.ctx.account.wire.departments).id)
        };
        let assignee = self.assignee();

        let plan = self.plan_thread(assignee);
        let mut messages = Vec::with_capacity(plan.len());
        for (k, planned) in plan.iter().enumerate() {
            let message = self.message(k, planned, customer, locale, &order);
            messages.push(message);
        }
        let last_message_at = plan.last().map_or(sk.created_at, |p| p.at);
        let first_reply_at = plan
            .iter()
            .find(|p| matches!(p.role, Role::Agent(_)))
            .map(|p| p.at);

        let (status_history, final_at) = self.status_history(assignee, last_message_at);
        let closed_at = matches!(sk.status, "solved" | "closed").then_some(final_at);
        let updated_at = (last_message_at.max(final_at)
            + Duration::seconds(self.g.range(0, 600) as i64))
        .min(anchor);

        let sla = self.g.chance(0.6).then(|| {
            let hours = match priority {
                "urgent" => 1,
                "high" => 4,
                _ => 24,
            };
            let policy = match hours {
                1 => "Urgent (1h)",
                4 => "Priority (4h)",
                _ => "Standard (24h)",
            };
            let first_due = sk.created_at + Duration::hours(hours);
            let resolution_due = sk.created_at + Duration::hours(hours * 5);
            let first_breached = match first_reply_at {
                Some(at) => at > first_due,
                None => first_due < anchor && sk.status != "new",
            };
            let resolution_breached = match closed_at {
                Some(at) => at > resolution_due,
                None => resolution_due < anchor,
            };
            WireSla {
                policy: policy.to_string(),
                first_response_due_at: Some(ts(first_due)),
                resolution_due_at: Some(ts(resolution_due)),
                first_responded_at: first_reply_at.map(ts),
                breached: first_breached || resolution_breached,
            }
        });

        let reminders = self.reminders(assignee, last_message_at);
        let notifications = self.notifications(customer);
        let tags = self.tags();
        let custom_fields = self
            .ctx
            .fields
            .iter()
            .filter(|f| f.object == "ticket")
            .filter_map(|field| {
                let value = sample_field_value(self.g, field)?;
                // The order number field names the order the conversation
                // is about, in whichever style the agent typed it.
                let value = match value.as_str() {
                    Some(typed) if field.key == "order_number" => {
                        let hash = if typed.starts_with('#') { "#" } else { "" };
                        serde_json::Value::String(format!("{hash}{order}"))
                    }
                    _ => value,
                };
                Some(WireFieldValue {
                    field_id: field.id.unwrap_or_default(),
                    value,
                })
            })
            .collect();

        let ticket = WireTicket {
            id: Some(sk.id),
            subject,
            status: sk.status.to_string(),
            priority: priority.to_string(),
            channel: sk.channel.to_string(),
            department_id,
            customer_id: customer.map(|c| c.id),
            assignee_id: assignee.map(|a| self.agents()[a].id),
            tags,
            custom_fields,
            reminders,
            notifications,
            sla,
            status_history,
            message_count: u32::try_from(messages.len()).unwrap_or(u32::MAX),
            created_at: ts(sk.created_at),
            updated_at: ts(updated_at),
            closed_at: closed_at.map(ts),
        };
        StamesTicket { ticket, messages }
    }

    fn subject(&mut self, locale: Locale, customer: Option<&CustomerInfo>, order: &str) -> String {
        let social = matches!(self.sk.channel, "facebook" | "instagram" | "whatsapp");
        if social && self.g.chance(0.35) {
            let who = customer
                .and_then(|c| c.name.clone())
                .unwrap_or_else(|| customer.map_or("unknown".into(), |c| c.handle.clone()));
            return match self.sk.channel {
                _ if self.g.chance(0.08) => String::new(),
                "facebook" => format!("Facebook message from {who}"),
                "instagram" => format!(
                    "Instagram DM from {}",
                    customer.map_or("unknown", |c| c.handle.as_str())
                ),
                _ => format!(
                    "WhatsApp conversation with {}",
                    customer.and_then(|c| c.phone.as_deref()).unwrap_or(&who)
                ),
            };
        }
        let template = *self.g.pick(locale.subjects());
        template.replace("{order}", order)
    }

    /// The assignee, as an index into the agent list.
    fn assignee(&mut self) -> Option<usize> {
        let sk = self.sk;
        let unassigned = if sk.status == "new" { 0.7 } else { 0.08 };
        if self.g.chance(unassigned) {
            return None;
        }
        let agents = self.agents();
        if self.g.chance(0.05) {
            // Still assigned to someone who has left: common after staff turnover.
            let departed: Vec<usize> = (0..agents.len())
                .filter(|&i| agents[i].departed_at.is_some())
                .collect();
            if !departed.is_empty() {
                return Some(departed[self.g.index(departed.len())]);
            }
        }
        self.replier_at(sk.created_at)
    }

    /// An agent who could reply at `t`: not a light agent, employed then if
    /// anyone was.
    fn replier_at(&mut self, t: DateTime<Utc>) -> Option<usize> {
        let agents = self.agents();
        let mut eligible: Vec<usize> = (0..agents.len())
            .filter(|&i| agents[i].can_reply() && agents[i].employed_at(t))
            .collect();
        if eligible.is_empty() {
            eligible = (0..agents.len())
                .filter(|&i| agents[i].can_reply())
                .collect();
        }
        if eligible.is_empty() {
            None
        } else {
            Some(eligible[self.g.index(eligible.len())])
        }
    }

    /// Any agent employed at `t` (light agents included), for private notes.
    fn note_writer_at(&mut self, t: DateTime<Utc>) -> Option<usize> {
        let agents = self.agents();
        let employed: Vec<usize> = (0..agents.len())
            .filter(|&i| agents[i].employed_at(t))
            .collect();
        if employed.is_empty() {
            self.replier_at(t)
        } else {
            Some(employed[self.g.index(employed.len())])
        }
    }
}
