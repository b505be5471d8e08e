//! The account, its agents and its customers.
//!
//! Messiness produced here, on purpose:
//! - agents: an owner, admins, agents and light agents; some departed (status
//!   `departed`, `departed_at` set, still assigned to tickets and authors of
//!   messages), some inactive;
//! - customers: about 5% share an e-mail address with an earlier customer,
//!   spelled with different casing or stray whitespace; about 10% have no
//!   e-mail (a phone number or only a social handle); about 30% belong to a
//!   company that several customers share; names in many scripts, with
//!   apostrophes and emoji; a few have no name at all.

use super::schema::sample_field_value;
use super::vocab::{
    ascii_slug, ACCOUNT_NAMES, BRANCHES, COMPANIES, DEPARTMENTS, FIRST_NAMES, LAST_NAMES,
    MAIL_DOMAINS, WHOLE_NAMES,
};
use super::{ts, Gen};
use crate::stames::data::StamesTicket;
use chrono::{DateTime, Duration, Utc};
use deskshift_stames::api::wire::{
    WireAccount, WireAgent, WireChannel, WireCompany, WireCustomField, WireCustomer,
    WireDepartment, WireFieldValue, WirePortal,
};
use std::collections::{BTreeSet, HashMap};

/// The account plus the brand details later parts need (agent addresses,
/// links in replies).
pub struct Account {
    pub wire: WireAccount,
    pub name: &'static str,
    pub domain: &'static str,
}

pub fn account(g: &mut Gen, account_id: &str) -> Account {
    let (name, domain) = *g.pick(ACCOUNT_NAMES);
    let departments = DEPARTMENTS
        .iter()
        .zip(7001..)
        .map(|(name, id)| WireDepartment {
            id,
            name: (*name).to_string(),
        })
        .collect();
    let social = ascii_slug(name, '.');
    // One of the social channels was disconnected at some point; the legacy
    // inbox always is.
    let disconnected_social = g.index(3);
    let mut channels = Vec::new();
    let mut add = |channel_type: &str, name: String, connected: bool| {
        channels.push(WireChannel {
            id: channels.len() as u64 + 1,
            channel_type: channel_type.to_string(),
            name,
            status: if connected {
                "connected"
            } else {
                "disconnected"
            }
            .to_string(),
        });
    };
    add(
        "facebook",
        format!("{name} (Facebook page)"),
        disconnected_social != 0,
    );
    add("instagram", format!("@{social}"), disconnected_social != 1);
    add(
        "whatsapp",
        "+1 202 555 0100".to_string(),
        disconnected_social != 2,
    );
    add("email", format!("support@{domain}"), true);
    add("email", format!("billing@{domain}"), true);
    add("email", format!("returns@{domain}"), true);
    add("email", format!("help@old-{domain}"), false);
    add("api", "Shopify app".to_string(), true);
    add("contact_form", "Website contact form".to_string(), true);
    Account {
        wire: WireAccount {
            id: account_id.to_string(),
            name: name.to_string(),
            departments,
            channels,
            portal: WirePortal {
                enabled: true,
                url: Some(format!("https://help.{domain}/portal")),
            },
        },
        name,
        domain,
    }
}

/// What the ticket generator needs to know about an agent.
#[derive(Debug, Clone)]
pub struct AgentInfo {
    pub id: u64,
    pub name: String,
    pub email: String,
    pub role: &'static str,
    pub created_at: DateTime<Utc>,
    pub departed_at: Option<DateTime<Utc>>,
}

impl AgentInfo {
    /// Light agents may only leave private notes; everyone else takes tickets.
    pub fn can_reply(&self) -> bool {
        self.role != "light_agent"
    }

    /// Whether the agent was employed at `t`.
    pub fn employed_at(&self, t: DateTime<Utc>) -> bool {
        self.created_at <= t && self.departed_at.is_none_or(|d| d > t)
    }
}

pub struct Agents {
    pub records: Vec<WireAgent>,
    pub info: Vec<AgentInfo>,
}

/// A person's display name and the ASCII local part their address would use.
fn person_name(g: &mut Gen, whole_name_rate: f64) -> (String, String) {
    if g.chance(whole_name_rate) {
        let (name, local) = *g.pick(WHOLE_NAMES);
        return (name.to_string(), local.to_string());
    }
    let first = *g.pick(FIRST_NAMES);
    let last = *g.pick(LAST_NAMES);
    // Both lists are Latin-script, so neither slug is empty.
    let f = ascii_slug(first, '.');
    let l = ascii_slug(last, '.').replace('.', "");
    let local = match g.index(4) {
        0 => format!("{f}.{l}"),
        1 => format!("{f}{l}"),
        2 => format!("{}.{l}", &f[..1.min(f.len())]),
        _ => format!("{f}_{l}{}", g.range(1, 99)),
    };
    (format!("{first} {last}"), local)
}

pub fn agents(g: &mut Gen, tickets: usize, account: &Account) -> Agents {
    let n = (tickets / 40).max(8);
    let anchor = g.anchor();
    let departed_count = (n * 15 / 100).max(2);
    let inactive_count = (n / 10).max(1);
    let drawn = g.sample_indices(1, n, departed_count + inactive_count);
    let departed: BTreeSet<usize> = drawn.iter().take(departed_count).copied().collect();
    let inactive: BTreeSet<usize> = drawn.iter().skip(departed_count).copied().collect();
    let departments: Vec<u64> = account.wire.departments.iter().map(|d| d.id).collect();
    let mut used_emails = BTreeSet::new();
    let mut records = Vec::with_capacity(n);
    let mut info = Vec::with_capacity(n);
    for i in 0..n {
        let id = 1001 + i as u64;
        let (name, local) = person_name(g, 0.08);
        let mut email = format!("{local}@{}", account.domain);
        let mut suffix = 2;
        while !used_emails.insert(email.clone()) {
            email = format!("{local}{suffix}@{}", account.domain);
            suffix += 1;
        }
        let role = match i {
            0 => "owner",
            1 | 2 => "admin",
            _ if g.chance(0.2) => "light_agent",
            _ => "agent",
        };
        let created_at = if i == 0 {
            anchor - Duration::days(3 * 365) - g.log_secs(3600, 60 * 86_400)
        } else {
            g.time_between(
                anchor - Duration::days(3 * 365),
                anchor - Duration::days(60),
            )
        };
        let departed_at = departed.contains(&i).then(|| {
            let earliest = (created_at + Duration::days(30)).min(anchor - Duration::days(7));
            g.time_between(earliest, anchor - Duration::days(7))
        });
        let updated_at = match departed_at {
            Some(d) => d + Duration::minutes(g.range(1, 90) as i64),
            None => g.time_between(created_at, anchor - Duration::days(1)),
        };
        let status = if departed_at.is_some() {
            "departed"
        } else if inactive.contains(&i) {
            "inactive"
        } else {
            "active"
        };
        let department_ids = if i == 0 {
            departments.clone()
        } else {
            let first = *g.pick(&departments);
            let mut ids = vec![first];
            if g.chance(0.3) {
                let second = *g.pick(&departments);
                if second != first {
                    ids.push(second);
                    ids.sort_unstable();
                }
            }
            ids
        };
        records.push(WireAgent {
            id: Some(id),
            name: name.clone(),
            email: Some(email.clone()),
            role: role.to_string(),
            status: status.to_string(),
            departed_at: departed_at.map(ts),
            department_ids,
            created_at: ts(created_at),
            updated_at: ts(updated_at),
        });
        info.push(AgentInfo {
            id,
            name,
            email,
            role,
            created_at,
            departed_at,
        });
    }
    Agents { records, info }
}

/// How a customer can be reached, which decides the channels their tickets
/// come through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    Email,
    Phone,
    Social,
}

#[derive(Debug, Clone)]
pub struct CustomerInfo {
    pub id: u64,
    pub name: Option<String>,
    /// As stored (possibly with odd casing or whitespace).
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Social handle used on Facebook / Instagram messages.
    pub handle: String,
    pub reach: Reach,
    pub created_at: DateTime<Utc>,
}

pub struct Customers {
    pub records: Vec<WireCustomer>,
    pub info: Vec<CustomerInfo>,
}

fn phone(g: &mut Gen) -> String {
    match g.index(4) {
        0 => format!("+44 7700 900{:03}", g.range(0, 999)),
        1 => format!("+447700900{:03}", g.range(0, 999)),
        2 => format!("(202) 555-01{:02}", g.range(0, 99)),
        _ => format!("+33 6 12 34 {:02} {:02}", g.range(0, 99), g.range(0, 99)),
    }
}

/// The same address as a human would mistype it: different casing or stray
/// whitespace, never a different mailbox.
fn email_variant(g: &mut Gen, email: &str) -> String {
    let trimmed = email.trim();
    let variant = match g.index(4) {
        0 => {
            // Capitalise the first letter of the local part and the domain.
            let (local, domain) = trimmed.split_once('@').unwrap_or((trimmed, ""));
            let cap = |s: &str| {
                let mut c = s.chars();
                match c.next() {
                    Some(first) => first.to_uppercase().chain(c).collect::<String>(),
                    None => String::new(),
                }
            };
            format!("{}@{}", cap(local), cap(domain))
        }
        1 => format!("{} ", trimmed.to_uppercase()),
        2 => format!(" {trimmed}"),
        _ => format!("{trimmed} "),
    };
    if variant == email {
        format!("{trimmed}  ")
    } else {
        variant
    }
}

struct CompanyPool {
    companies: Vec<WireCompany>,
}

impl CompanyPool {
    fn new(g: &mut Gen, size: usize) -> CompanyPool {
        let mut companies = Vec::with_capacity(size);
        for k in 0..size {
            let base = COMPANIES[k % COMPANIES.len()];
            let round = k / COMPANIES.len();
            let name = match round {
                0 => base.to_string(),
                r if r <= BRANCHES.len() => format!("{base} {}", BRANCHES[r - 1]),
                r => format!("{base} #{r}"),
            };
            let slug = ascii_slug(base, '-');
            let domain = (!slug.is_empty() && !g.chance(0.2)).then(|| format!("{slug}.example"));
            companies.push(WireCompany { name, domain });
        }
        CompanyPool { companies }
    }
}

pub fn customers(g: &mut Gen, tickets: usize, fields: &[WireCustomField]) -> Customers {
    let n = if tickets == 0 {
        0
    } else {
        ((tickets * 4 + 2) / 5).max(1)
    };
    let anchor = g.anchor();
    let pool = CompanyPool::new(g, (n / 10).max(1));
    let customer_fields: Vec<&WireCustomField> =
        fields.iter().filter(|f| f.object == "customer").collect();
    let mut records: Vec<WireCustomer> = Vec::with_capacity(n);
    let mut info: Vec<CustomerInfo> = Vec::with_capacity(n);
    let mut with_email: Vec<usize> = Vec::new();
    let (mut duplicates, mut without_email) = (0usize, 0usize);
    let mut id = 200_000u64;
    for i in 0..n {
        id += 1 + if g.chance(0.03) { g.range(1, 4) } else { 0 };
        let force_no_email = n >= 3 && i == n - 2 && without_email == 0;
        let force_duplicate = n >= 3 && i == n - 1 && duplicates == 0 && !with_email.is_empty();
        let duplicate_of = if force_duplicate || (!with_email.is_empty() && g.chance(0.05)) {
            Some(with_email[g.index(with_email.len())])
        } else {
            None
        };
        let company;
        let (name, email, phone_number, reach);
        if let Some(original) = duplicate_of.filter(|_| !force_no_email) {
            duplicates += 1;
            let orig = &info[original];
            name = match g.index(4) {
                0 | 1 => orig.name.clone(),
                2 => orig.name.as_ref().map(|n| n.to_lowercase()),
                _ => None,
            };
            email = orig.email.as_deref().map(|e| email_variant(g, e));
            phone_number = None;
            reach = Reach::Email;
            company = if g.chance(0.5) {
                records[original].company.clone()
            } else {
                None
            };
        } else {
            let no_email = force_no_email || g.chance(0.105);
            let (display, local) = person_name(g, 0.12);
            name = if g.chance(0.02) { None } else { Some(display) };
            company = g
                .chance(0.3)
                .then(|| pool.companies[g.index(pool.companies.len())].clone());
            if no_email {
                without_email += 1;
                if g.chance(0.6) {
                    reach = Reach::Phone;
                    phone_number = Some(phone(g));
                } else {
                    reach = Reach::Social;
                    phone_number = None;
                }
                email = None;
            } else {
                let domain = match company.as_ref().and_then(|c| c.domain.as_deref()) {
                    Some(domain) if g.chance(0.7) => domain.to_string(),
                    _ => (*g.pick(MAIL_DOMAINS)).to_string(),
                };
                let local = if local.is_empty() {
                    format!("customer{id}")
                } else if g.chance(0.05) {
                    format!("{local}+shop")
                } else {
                    local
                };
                email = Some(format!("{local}@{domain}"));
                phone_number = g.chance(0.3).then(|| phone(g));
                reach = Reach::Email;
            }
        }
        if email.is_some() && duplicate_of.is_none() {
            with_email.push(i);
        }
        let slug = name
            .as_deref()
            .map(|n| ascii_slug(n, '.'))
            .unwrap_or_default();
        let handle = if slug.is_empty() {
            format!("@user{id}")
        } else {
            format!("@{slug}{}", g.range(1, 999))
        };
        let created_at =
            g.time_between(anchor - Duration::days(3 * 365), anchor - Duration::days(1));
        let mut custom_fields = Vec::new();
        for field in &customer_fields {
            if let Some(value) = sample_field_value(g, field) {
                custom_fields.push(WireFieldValue {
                    field_id: field.id.unwrap_or_default(),
                    value,
                });
            }
        }
        records.push(WireCustomer {
            id: Some(id),
            name: name.clone(),
            email: email.clone(),
            phone: phone_number.clone(),
            company,
            custom_fields,
            created_at: ts(created_at),
            updated_at: ts(created_at),
        });
        info.push(CustomerInfo {
            id,
            name,
            email,
            phone: phone_number,
            handle,
            reach,
            created_at,
        });
    }
    Customers { records, info }
}

/// Moves each customer's `created_at` before their first ticket and sets
/// `updated_at` somewhere after it, now that tickets exist.
pub fn settle_customer_dates(g: &mut Gen, customers: &mut Customers, tickets: &[StamesTicket]) {
    let anchor = g.anchor();
    let mut first_ticket: HashMap<u64, DateTime<Utc>> = HashMap::new();
    for thread in tickets {
        let (Some(customer), Ok(created)) = (
            thread.ticket.customer_id,
            DateTime::parse_from_rfc3339(&thread.ticket.created_at),
        ) else {
            continue;
        };
        let created = created.with_timezone(&Utc);
        first_ticket
            .entry(customer)
            .and_modify(|t| *t = (*t).min(created))
            .or_insert(created);
    }
    for (record, info) in customers.records.iter_mut().zip(customers.info.iter_mut()) {
        if let Some(first) = first_ticket.get(&info.id) {
            if info.created_at > *first - Duration::minutes(1) {
                info.created_at = *first - g.log_secs(60, 90 * 86_400);
            }
        }
        let updated_at = (info.created_at + g.log_secs(1, 400 * 86_400)).min(anchor);
        record.created_at = ts(info.created_at);
        record.updated_at = ts(updated_at);
    }
}
