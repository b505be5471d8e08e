//! The generator: determinism, internal consistency, the messiness promised in
//! the module docs, and malformed-record injection.

use chrono::{DateTime, Utc};
use deskshift_core::model::ObjectKind;
use deskshift_sim::stames::{anchor, GenerateOptions, StamesData};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

fn parse(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|e| panic!("{text:?} is not RFC 3339: {e}"))
        .with_timezone(&Utc)
}

#[test]
fn same_seed_gives_identical_json_and_another_seed_does_not() {
    let a = serde_json::to_vec(&StamesData::generate(42, 80, 5)).unwrap();
    let b = serde_json::to_vec(&StamesData::generate(42, 80, 5)).unwrap();
    assert!(a == b, "same seed and size must give byte-identical data");
    let c = serde_json::to_vec(&StamesData::generate(43, 80, 5)).unwrap();
    assert_ne!(a, c);
}

#[test]
fn account_id_only_changes_the_account_and_urls() {
    let default = StamesData::generate(5, 30, 0);
    let other = StamesData::generate_with(&GenerateOptions {
        account_id: "acme-support".into(),
        ..GenerateOptions::new(5, 30)
    });
    assert_eq!(other.account.id, "acme-support");
    assert_eq!(default.customers, other.customers);
    let urls: Vec<String> = other.attachments().map(|(_, _, a)| a.url.clone()).collect();
    assert!(!urls.is_empty());
    assert!(urls
        .iter()
        .all(|u| u.starts_with("https://files.stames.app/acme-support/")));
}

#[test]
fn totals_agree_with_the_data() {
    let data = StamesData::generate(7, 150, 0);
    let totals = data.totals();
    let messages: usize = data.tickets.iter().map(|t| t.messages.len()).sum();
    let message_counts: u64 = data
        .tickets
        .iter()
        .map(|t| u64::from(t.ticket.message_count))
        .sum();
    assert_eq!(totals[&ObjectKind::Messages], messages as u64);
    assert_eq!(message_counts, messages as u64);
    assert_eq!(totals[&ObjectKind::Tickets], 150);
    assert_eq!(totals[&ObjectKind::Users], data.agents.len() as u64);
    assert_eq!(totals[&ObjectKind::Customers], data.customers.len() as u64);
    assert_eq!(totals[&ObjectKind::Tags], data.tags.len() as u64);
    // 14 fixed fields and 3 whose label and type hide what they hold
    // (`Warranty Exp.`, `Order #`, `VIP?`).
    assert_eq!(totals[&ObjectKind::CustomFields], 17);
    assert_eq!(totals[&ObjectKind::CustomObjects], 1);
    assert_eq!(
        totals[&ObjectKind::CustomObjectRecords],
        data.custom_object_records.len() as u64
    );
    assert_eq!(totals[&ObjectKind::Departments], 3);
    assert_eq!(
        totals[&ObjectKind::ChannelIntegrations],
        data.account.channels.len() as u64
    );
    let attachments: Vec<_> = data.attachments().collect();
    assert_eq!(totals[&ObjectKind::Attachments], attachments.len() as u64);
    assert_eq!(
        data.attachment_bytes_total(),
        attachments.iter().map(|(_, _, a)| a.size).sum::<u64>()
    );
    let sum = |f: fn(&deskshift_stames::api::wire::WireTicket) -> usize| -> u64 {
        data.tickets.iter().map(|t| f(&t.ticket) as u64).sum()
    };
    assert_eq!(
        totals[&ObjectKind::StatusEvents],
        sum(|t| t.status_history.len())
    );
    assert_eq!(totals[&ObjectKind::Reminders], sum(|t| t.reminders.len()));
    assert_eq!(
        totals[&ObjectKind::Notifications],
        sum(|t| t.notifications.len())
    );
    assert_eq!(
        totals[&ObjectKind::SlaRecords],
        sum(|t| usize::from(t.sla.is_some()))
    );
    // Every kind listed in the contract is present, the portal is not counted.
    for kind in ObjectKind::ALL {
        assert_eq!(
            totals.contains_key(&kind),
            kind != ObjectKind::Portal,
            "{kind}"
        );
    }
}

#[test]
fn records_are_ordered_and_timestamps_consistent() {
    let data = StamesData::generate(11, 200, 0);
    let anchor = anchor();
    let ids = |ids: Vec<Option<u64>>| {
        let ids: Vec<u64> = ids.into_iter().map(Option::unwrap).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids must ascend");
    };
    ids(data.agents.iter().map(|a| a.id).collect());
    ids(data.customers.iter().map(|c| c.id).collect());
    ids(data.tickets.iter().map(|t| t.ticket.id).collect());
    ids(data.tags.iter().map(|t| t.id).collect());
    ids(data.custom_object_records.iter().map(|r| r.id).collect());
    ids(data.automations.iter().map(|a| a.id).collect());
    let mut all_messages = Vec::new();
    for thread in &data.tickets {
        let t = &thread.ticket;
        let created = parse(&t.created_at);
        let updated = parse(&t.updated_at);
        assert!(created <= updated && updated <= anchor, "ticket {:?}", t.id);
        assert_eq!(t.message_count as usize, thread.messages.len());
        assert!((1..=60).contains(&thread.messages.len()));
        let mut previous = created;
        for m in &thread.messages {
            assert_eq!(Some(m.ticket_id), t.id);
            let at = parse(&m.created_at);
            assert!(at >= previous, "messages are chronological");
            assert!(at <= updated, "updated_at is at or after the last message");
            previous = at;
            all_messages.push(m.id.unwrap());
            if m.private {
                assert_eq!(m.author.author_type, "agent", "only agents write notes");
            }
        }
        assert_eq!(thread.messages[0].created_at, t.created_at);
        // Status history: 1–6 events, from `new` to the ticket's status, chained.
        let history = &t.status_history;
        assert!((1..=6).contains(&history.len()), "{} events", history.len());
        assert_eq!(history[0].from, None);
        assert_eq!(history[0].to, "new");
        assert_eq!(history.last().unwrap().to, t.status);
        for pair in history.windows(2) {
            assert_eq!(pair[1].from.as_deref(), Some(pair[0].to.as_str()));
            assert!(parse(&pair[0].changed_at) <= parse(&pair[1].changed_at));
        }
        assert_eq!(
            t.closed_at.is_some(),
            matches!(t.status.as_str(), "solved" | "closed")
        );
    }
    assert!(all_messages.windows(2).all(|w| w[0] < w[1]));
    for customer in &data.customers {
        assert!(parse(&customer.created_at) <= parse(&customer.updated_at));
    }
    // Customers exist before their tickets.
    let created: HashMap<u64, DateTime<Utc>> = data
        .customers
        .iter()
        .map(|c| (c.id.unwrap(), parse(&c.created_at)))
        .collect();
    for thread in &data.tickets {
        let customer = thread.ticket.customer_id.unwrap();
        assert!(created[&customer] <= parse(&thread.ticket.created_at));
    }
    // Everything happened within about two years before the anchor.
    let first = parse(&data.tickets[0].ticket.created_at);
    assert!(anchor - first <= chrono::Duration::days(731));
}

#[test]
fn the_workspace_is_messy_in_every_promised_way() {
    let data = StamesData::generate(3, 200, 0);

    // Agents: roles, departed and inactive ones.
    let roles: BTreeSet<&str> = data.agents.iter().map(|a| a.role.as_str()).collect();
    assert_eq!(
        roles,
        BTreeSet::from(["owner", "admin", "agent", "light_agent"])
    );
    let departed: Vec<_> = data
        .agents
        .iter()
        .filter(|a| a.status == "departed")
        .collect();
    assert!(departed.len() >= 2);
    assert!(departed.iter().all(|a| a.departed_at.is_some()));
    assert!(data.agents.iter().any(|a| a.status == "inactive"));
    let departed_ids: HashSet<u64> = departed.iter().filter_map(|a| a.id).collect();
    assert!(
        data.tickets.iter().any(|t| t
            .ticket
            .assignee_id
            .is_some_and(|a| departed_ids.contains(&a))),
        "some ticket is still assigned to a departed agent"
    );
    assert!(data.tickets.iter().any(|t| t.ticket.assignee_id.is_none()));

    // Customers: duplicates by e-mail spelled differently, no e-mail, companies.
    assert!((150..=170).contains(&data.customers.len()));
    let mut by_email: HashMap<String, Vec<&str>> = HashMap::new();
    for c in &data.customers {
        if let Some(email) = &c.email {
            by_email
                .entry(email.trim().to_lowercase())
                .or_default()
                .push(email);
        }
    }
    let duplicated: Vec<_> = by_email.values().filter(|v| v.len() > 1).collect();
    assert!(!duplicated.is_empty(), "some customers share an e-mail");
    assert!(
        duplicated.iter().any(|v| v.iter().any(|e| *e != v[0])),
        "duplicates are spelled differently"
    );
    let without_email = data.customers.iter().filter(|c| c.email.is_none()).count();
    assert!(
        without_email >= 5,
        "{without_email} customers without e-mail"
    );
    assert!(data
        .customers
        .iter()
        .any(|c| c.email.is_none() && c.phone.is_some()));
    let mut companies: HashMap<&str, usize> = HashMap::new();
    for c in data.customers.iter().filter_map(|c| c.company.as_ref()) {
        *companies.entry(&c.name).or_default() += 1;
    }
    assert!(companies.values().any(|n| *n >= 2), "companies are shared");
    assert!(data
        .customers
        .iter()
        .filter_map(|c| c.name.as_deref())
        .any(|n| !n.is_ascii()));

    // Channels and statuses, all six of each.
    let channels: BTreeSet<&str> = data
        .tickets
        .iter()
        .map(|t| t.ticket.channel.as_str())
        .collect();
    assert_eq!(
        channels,
        BTreeSet::from([
            "api",
            "contact_form",
            "email",
            "facebook",
            "instagram",
            "whatsapp"
        ])
    );
    let configured: BTreeSet<&str> = data
        .account
        .channels
        .iter()
        .map(|c| c.channel_type.as_str())
        .collect();
    assert_eq!(configured, channels);
    assert!(data
        .account
        .channels
        .iter()
        .any(|c| c.status == "disconnected"));
    assert!(
        data.account
            .channels
            .iter()
            .filter(|c| c.channel_type == "email")
            .count()
            >= 3
    );
    assert!(data.account.portal.enabled && data.account.portal.url.is_some());
    let statuses: BTreeSet<&str> = data
        .tickets
        .iter()
        .map(|t| t.ticket.status.as_str())
        .collect();
    assert_eq!(statuses.len(), 6, "{statuses:?}");

    // Tags that only differ in case, spacing or punctuation.
    let names: Vec<&str> = data.tags.iter().map(|t| t.name.as_str()).collect();
    assert!(names.contains(&"VIP") || names.contains(&"vip ") || names.contains(&"Vip"));
    let normalise = |s: &str| s.trim().to_lowercase().replace(['-', '_'], " ");
    let mut groups: HashMap<String, usize> = HashMap::new();
    for name in &names {
        *groups.entry(normalise(name)).or_default() += 1;
    }
    assert!(groups.values().any(|n| *n >= 2), "{names:?}");
    let used: BTreeSet<&str> = data
        .tickets
        .iter()
        .flat_map(|t| t.ticket.tags.iter().map(String::as_str))
        .collect();
    assert!(
        used.iter().all(|t| names.contains(t)),
        "every used tag is listed"
    );

    // Custom fields of every type on tickets and customers.
    for object in ["ticket", "customer"] {
        let types: BTreeSet<&str> = data
            .custom_fields
            .iter()
            .filter(|f| f.object == object)
            .map(|f| f.field_type.as_str())
            .collect();
        assert_eq!(types.len(), 6, "{object}: {types:?}");
    }
    for f in &data.custom_fields {
        let needs_options = matches!(f.field_type.as_str(), "select" | "multi_select");
        assert_eq!(needs_options, !f.options.is_empty(), "{}", f.key);
    }
    let purchase_date = data
        .custom_fields
        .iter()
        .find(|f| f.key == "purchase_date")
        .unwrap();
    assert_eq!(purchase_date.field_type, "text");
    let values: Vec<&str> = data
        .tickets
        .iter()
        .flat_map(|t| t.ticket.custom_fields.iter())
        .filter(|v| Some(v.field_id) == purchase_date.id)
        .filter_map(|v| v.value.as_str())
        .collect();
    assert!(!values.is_empty());
    assert!(values
        .iter()
        .all(|v| chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").is_ok()));
    let filled_types: BTreeSet<&str> = data
        .tickets
        .iter()
        .flat_map(|t| t.ticket.custom_fields.iter())
        .filter(|v| !v.value.is_null())
        .filter_map(|v| data.custom_fields.iter().find(|f| f.id == Some(v.field_id)))
        .map(|f| f.field_type.as_str())
        .collect();
    assert_eq!(filled_types.len(), 6);

    // Reminders, notifications, SLA (some breached).
    let with = |f: fn(&deskshift_stames::api::wire::WireTicket) -> bool| {
        data.tickets.iter().filter(|t| f(&t.ticket)).count()
    };
    let reminders = with(|t| !t.reminders.is_empty());
    let notifications = with(|t| !t.notifications.is_empty());
    let sla = with(|t| t.sla.is_some());
    assert!((20..=65).contains(&reminders), "{reminders}");
    assert!((6..=40).contains(&notifications), "{notifications}");
    assert!((95..=145).contains(&sla), "{sla}");
    assert!(with(|t| t.sla.as_ref().is_some_and(|s| s.breached)) > 0);
    assert!(with(|t| t.sla.as_ref().is_some_and(|s| !s.breached)) > 0);
    let media: BTreeSet<&str> = data
        .tickets
        .iter()
        .flat_map(|t| t.ticket.notifications.iter().map(|n| n.medium.as_str()))
        .collect();
    assert_eq!(media, BTreeSet::from(["email", "sms"]));

    // Conversations: short mostly, some long, notes, system messages, HTML.
    let lengths: Vec<usize> = data.tickets.iter().map(|t| t.messages.len()).collect();
    let short = lengths.iter().filter(|n| **n <= 10).count();
    assert!(short * 100 / lengths.len() >= 55, "most threads are short");
    assert!(lengths.iter().any(|n| *n >= 25), "a few threads are long");
    let messages: Vec<_> = data
        .tickets
        .iter()
        .flat_map(|t| t.messages.iter())
        .collect();
    assert!(messages.iter().any(|m| m.private));
    assert!(messages.iter().any(|m| m.author.author_type == "system"));
    assert!(messages.iter().any(|m| m.body_html.is_none()));
    let html: Vec<&str> = messages
        .iter()
        .filter_map(|m| m.body_html.as_deref())
        .collect();
    for needle in [
        "<p>",
        "<br>",
        "<a href=",
        "&amp;",
        "&#39;",
        "dir=\"rtl\"",
        "<img src=",
    ] {
        assert!(
            html.iter().any(|h| h.contains(needle)),
            "no body has {needle}"
        );
    }
    assert!(messages.iter().any(|m| m
        .body_text
        .chars()
        .any(|c| ('\u{1F300}'..='\u{1FAFF}').contains(&c))));
    assert!(messages.iter().any(|m| m
        .body_text
        .chars()
        .any(|c| ('\u{0590}'..='\u{06FF}').contains(&c))));
    let off_channel = data
        .tickets
        .iter()
        .any(|t| t.messages.iter().any(|m| m.channel != t.ticket.channel));
    assert!(
        off_channel,
        "some customer answered through another channel"
    );

    // Attachments: ~15% of messages, inline, large, private, typical types.
    let with_attachments = messages
        .iter()
        .filter(|m| !m.attachments.is_empty())
        .count();
    let share = with_attachments * 100 / messages.len();
    assert!(
        (8..=25).contains(&share),
        "{share}% of messages have attachments"
    );
    let attachments: Vec<_> = data.attachments().collect();
    for (_, message, a) in &attachments {
        assert!(a.url.starts_with(&format!(
            "https://files.stames.app/{}/{}/",
            data.account.id, a.id
        )));
        if a.inline {
            let html = message.body_html.as_deref().unwrap_or_default();
            assert!(
                html.contains(&format!("<img src=\"{}\"", a.url)),
                "inline image in body"
            );
        }
    }
    assert!(attachments.iter().any(|(_, _, a)| a.inline));
    assert!(attachments.iter().any(|(_, _, a)| a.requires_auth));
    let large = attachments
        .iter()
        .filter(|(_, _, a)| a.size >= 5 * 1024 * 1024)
        .count();
    assert!((1..=4).contains(&large), "{large} large files");
    let types: BTreeSet<&str> = attachments
        .iter()
        .map(|(_, _, a)| a.content_type.as_str())
        .collect();
    for t in [
        "application/pdf",
        "image/png",
        "image/jpeg",
        "text/csv",
        "text/plain",
    ] {
        assert!(types.contains(t), "no {t} attachment");
    }
    assert!(attachments.iter().any(|(_, _, a)| !a.file_name.is_ascii()));

    // The warranty object and its records.
    let warranty = &data.custom_objects[0];
    assert_eq!(warranty.key, "warranty");
    let keys: Vec<&str> = warranty.fields.iter().map(|f| f.key.as_str()).collect();
    assert_eq!(keys, ["serial_number", "product", "expires_on", "extended"]);
    assert!(data.custom_object_records.len() >= 30);
    assert!(data
        .custom_object_records
        .iter()
        .any(|r| !r.ticket_ids.is_empty()));
    assert!(data
        .custom_object_records
        .iter()
        .any(|r| r.ticket_ids.is_empty() && !r.customer_ids.is_empty()));

    // Automations.
    assert!((10..=15).contains(&data.automations.len()));
    assert!(data.automations.iter().any(|a| !a.active));
    let triggers: BTreeSet<&str> = data
        .automations
        .iter()
        .map(|a| a.trigger.as_str())
        .collect();
    assert!(triggers.len() >= 4, "{triggers:?}");
}

#[test]
fn malformed_records_are_injected_exactly_and_listed() {
    let clean = StamesData::generate(5, 100, 0);
    assert!(clean.malformed_records().is_empty());
    let data = StamesData::generate(5, 100, 7);
    let listed = data.malformed_records();
    assert_eq!(listed.len(), 7);
    let kinds: BTreeMap<ObjectKind, usize> = listed.iter().fold(BTreeMap::new(), |mut m, r| {
        *m.entry(r.kind).or_default() += 1;
        m
    });
    assert_eq!(kinds[&ObjectKind::Customers], 2);
    assert_eq!(kinds[&ObjectKind::Users], 1);
    assert_eq!(kinds[&ObjectKind::Tickets], 2);
    assert_eq!(kinds[&ObjectKind::Messages], 1);
    assert_eq!(kinds[&ObjectKind::CustomObjectRecords], 1);

    // Added records count in their kind; changed ones leave counts alone.
    let (c, d) = (clean.totals(), data.totals());
    assert_eq!(d[&ObjectKind::Customers], c[&ObjectKind::Customers] + 2);
    assert_eq!(d[&ObjectKind::Users], c[&ObjectKind::Users] + 1);
    assert_eq!(d[&ObjectKind::Tickets], c[&ObjectKind::Tickets]);
    assert_eq!(d[&ObjectKind::Messages], c[&ObjectKind::Messages]);

    // Each listed defect is really there.
    let customer_ids: HashSet<u64> = data.customers.iter().filter_map(|c| c.id).collect();
    let agent_ids: HashSet<u64> = data.agents.iter().filter_map(|a| a.id).collect();
    for record in listed {
        match (record.kind, record.field.as_str()) {
            (ObjectKind::Customers, "id") => {
                assert!(data.customers.iter().any(|c| c.id.is_none()));
            }
            (ObjectKind::Customers, "email") | (ObjectKind::Users, "email") => {
                let email = if record.kind == ObjectKind::Customers {
                    data.customers
                        .iter()
                        .find(|c| c.id == record.id)
                        .unwrap()
                        .email
                        .clone()
                } else {
                    data.agents
                        .iter()
                        .find(|a| a.id == record.id)
                        .unwrap()
                        .email
                        .clone()
                };
                let email = email.unwrap();
                assert!(
                    !email.contains('@') || email.ends_with('@') || email.contains("@@"),
                    "{email}"
                );
            }
            (ObjectKind::Tickets, "created_at") => {
                let t = data.ticket(record.id.unwrap()).unwrap();
                assert!(DateTime::parse_from_rfc3339(&t.ticket.created_at).is_err());
            }
            (ObjectKind::Tickets, "customer_id") => {
                let t = data.ticket(record.id.unwrap()).unwrap();
                assert!(!customer_ids.contains(&t.ticket.customer_id.unwrap()));
            }
            (ObjectKind::Messages, "author.id") => {
                let m = data
                    .tickets
                    .iter()
                    .flat_map(|t| t.messages.iter())
                    .find(|m| m.id == record.id)
                    .unwrap();
                assert_eq!(m.author.author_type, "agent");
                assert!(!agent_ids.contains(&m.author.id.unwrap()));
            }
            (ObjectKind::CustomObjectRecords, "created_at") => {
                let r = data
                    .custom_object_records
                    .iter()
                    .find(|r| r.id == record.id)
                    .unwrap();
                assert!(DateTime::parse_from_rfc3339(&r.created_at).is_err());
            }
            other => panic!("unexpected malformed record {other:?}"),
        }
    }

    // Broken tickets are distinct, so each carries exactly one defect.
    let broken_tickets: Vec<u64> = listed
        .iter()
        .filter(|r| r.kind == ObjectKind::Tickets)
        .filter_map(|r| r.id)
        .collect();
    assert_eq!(
        broken_tickets.iter().collect::<HashSet<_>>().len(),
        broken_tickets.len()
    );

    // Larger requests go round the kinds again.
    assert_eq!(
        StamesData::generate(5, 100, 20).malformed_records().len(),
        20
    );
    // Without tickets, only the added kinds can be injected.
    let empty = StamesData::generate(5, 0, 7);
    assert_eq!(empty.malformed_records().len(), 7);
    assert!(empty
        .malformed_records()
        .iter()
        .all(|r| matches!(r.kind, ObjectKind::Customers | ObjectKind::Users)));
}

#[test]
fn a_thousand_tickets_has_realistic_volumes() {
    let started = std::time::Instant::now();
    let data = StamesData::generate(7, 1000, 0);
    let elapsed = started.elapsed();
    // Release builds take a few tens of milliseconds; this only catches
    // accidental quadratic work in debug builds.
    assert!(elapsed.as_secs() < 10, "generation took {elapsed:?}");
    let totals = data.totals();
    let messages = totals[&ObjectKind::Messages];
    assert!((8_000..=30_000).contains(&messages), "{messages} messages");
    assert_eq!(totals[&ObjectKind::Users], 25);
    assert_eq!(totals[&ObjectKind::Customers], 800);
    let large = data
        .attachments()
        .filter(|(_, _, a)| a.size >= 5 * 1024 * 1024)
        .count();
    assert!((5..=9).contains(&large), "{large} large files");
}

#[test]
fn tiny_and_empty_workspaces_work() {
    let empty = StamesData::generate(1, 0, 0);
    assert!(empty.tickets.is_empty() && empty.customers.is_empty());
    assert_eq!(empty.agents.len(), 8);
    let one = StamesData::generate(1, 1, 0);
    assert_eq!(one.tickets.len(), 1);
    assert_eq!(one.customers.len(), 1);
    assert!(one.tickets[0].ticket.customer_id.is_some());
}

#[test]
fn small_workspaces_still_cover_every_special_case() {
    for seed in 0..12 {
        let data = StamesData::generate(seed, 30, 0);
        let attachments: Vec<_> = data.attachments().map(|(_, _, a)| a).collect();
        assert!(attachments.iter().any(|a| a.inline), "seed {seed}: inline");
        assert!(
            attachments.iter().any(|a| a.requires_auth),
            "seed {seed}: auth"
        );
        assert!(
            attachments.iter().any(|a| a.size >= 5 * 1024 * 1024),
            "seed {seed}: large"
        );
        let channels: HashSet<&str> = data
            .tickets
            .iter()
            .map(|t| t.ticket.channel.as_str())
            .collect();
        assert_eq!(channels.len(), 6, "seed {seed}: channels");
        let statuses: HashSet<&str> = data
            .tickets
            .iter()
            .map(|t| t.ticket.status.as_str())
            .collect();
        assert_eq!(statuses.len(), 6, "seed {seed}: statuses");
        assert!(
            data.customers.iter().any(|c| c.email.is_none()),
            "seed {seed}"
        );
        let emails: Vec<String> = data
            .customers
            .iter()
            .filter_map(|c| c.email.as_ref())
            .map(|e| e.trim().to_lowercase())
            .collect();
        let distinct: HashSet<&String> = emails.iter().collect();
        assert!(
            distinct.len() < emails.len(),
            "seed {seed}: duplicate e-mail"
        );
        assert!(
            data.agents.iter().any(|a| a.status == "departed"),
            "seed {seed}"
        );
    }
}

#[test]
fn retyped_fields_hold_values_their_declared_type_hides() {
    let data = StamesData::generate(7, 150, 0);
    let field = |key: &str| {
        data.custom_fields
            .iter()
            .find(|f| f.key == key)
            .unwrap_or_else(|| panic!("no field {key}"))
    };
    let values_of = |id: u64| -> Vec<String> {
        let tickets = data.tickets.iter().flat_map(|t| &t.ticket.custom_fields);
        let customers = data.customers.iter().flat_map(|c| &c.custom_fields);
        tickets
            .chain(customers)
            .filter(|v| v.field_id == id)
            .map(|v| v.value.as_str().expect("typed as text").to_string())
            .collect()
    };
    for (key, label, holds) in [
        ("warranty_exp", "Warranty Exp.", "date"),
        ("order_no", "Order #", "number"),
        ("vip", "VIP?", "yes/no"),
    ] {
        let def = field(key);
        assert_eq!(
            (def.label.as_str(), def.field_type.as_str()),
            (label, "text")
        );
        let values = values_of(def.id.unwrap());
        assert!(values.len() > 20, "{key}: {} values", values.len());
        for value in values {
            let fits = match holds {
                "date" => chrono::NaiveDate::parse_from_str(&value, "%Y-%m-%d").is_ok(),
                "number" => value.parse::<u64>().is_ok(),
                _ => ["yes", "no"].contains(&value.to_lowercase().as_str()),
            };
            assert!(fits, "{key}: {value:?} is not a {holds}");
        }
    }
    assert_eq!(field("vip").object, "customer");
}
