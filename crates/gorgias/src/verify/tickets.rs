//! Tickets with their messages and files, read back.

use super::schema::Schema;
use super::{body_hash, Check, Verdicts};
use crate::client::wire::{Id, Message as GMessage, NewMessage, Ticket as GTicket};
use crate::map::people::AgentDirectory;
use crate::map::ticket::{self, TicketContext, TicketPlan};
use crate::map::time;
use crate::writer::users::api_failure;
use crate::writer::Run;
use deskshift_core::destination::{DestinationError, Mismatch};
use deskshift_core::ledger::IdMapState;
use deskshift_core::model::{ObjectKind, TicketThread};
use deskshift_core::normalise::tag_key;
use futures::TryStreamExt;
use serde_json::Value;
use std::collections::HashMap;

pub(super) async fn tickets(
    run: &Run<'_>,
    schema: &Schema,
    agents: &AgentDirectory,
    verdicts: &Verdicts,
) -> Result<(), DestinationError> {
    let threads = run.threads(run.ctx.source.tickets(None));
    threads
        .try_for_each_concurrent(run.config.concurrency.max(1), |thread| async move {
            let Some(id) = run.done_id(ObjectKind::Tickets, &thread.ticket.id)? else {
                return Ok(());
            };
            let found = run
                .client
                .ticket(id)
                .await
                .map_err(|e| api_failure("read a Gorgias ticket", e))?;
            let Some(mut found) = found else {
                let mut check = Check::new(ObjectKind::Tickets, &thread.ticket.id, id);
                check.differ("(record)", format!("ticket {id}"), "missing".into());
                verdicts.record(ObjectKind::Tickets, check.problems);
                return Ok(());
            };
            if found.messages.len() <= thread.messages.len() {
                // The ticket object may carry only part of a long thread.
                found.messages = run
                    .client
                    .messages(id)
                    .try_collect()
                    .await
                    .map_err(|e| api_failure("list a ticket's messages", e))?;
            }
            check_ticket(run, schema, agents, &thread, id, &found, verdicts)
        })
        .await
}

fn check_ticket(
    run: &Run<'_>,
    schema: &Schema,
    agents: &AgentDirectory,
    thread: &TicketThread,
    id: Id,
    found: &GTicket,
    verdicts: &Verdicts,
) -> Result<(), DestinationError> {
    let t = &thread.ticket;
    let customers = crate::writer::tickets::customers_of(run, thread)?;
    let files = crate::writer::files::known(run, thread)?;
    let no_tags = HashMap::new();
    let ctx = TicketContext {
        customers: &customers,
        agents,
        fields: &schema.ticket_fields,
        extras: &schema.extras,
        files: &files,
        tags: &no_tags,
        map: run.ctx.map,
    };
    let mut check = Check::new(ObjectKind::Tickets, &t.id, id);
    let plan = match ticket::plan(thread, &ctx) {
        Ok(plan) => plan,
        Err(refusal) => {
            check.differ(refusal.field, "a writable ticket".into(), refusal.reason);
            verdicts.record(ObjectKind::Tickets, check.problems);
            return Ok(());
        }
    };
    compare_ticket(&mut check, &plan, found);
    let messages = compare_messages(run, thread, &plan, found, verdicts);
    if !messages {
        check.differ(
            "messages",
            "every message as mapped".into(),
            "see the message mismatches".into(),
        );
    }
    let clean = check.problems.is_empty();
    verdicts.record(ObjectKind::Tickets, check.problems);
    // History, reminders and SLA live in the note and fields of a ticket
    // that verified clean.
    for (kind, n) in [
        (ObjectKind::StatusEvents, thread.status_history.len()),
        (ObjectKind::Reminders, t.reminders.len()),
        (ObjectKind::SlaRecords, usize::from(t.sla.is_some())),
    ] {
        for _ in 0..n {
            let problems = if clean {
                Vec::new()
            } else {
                vec![Mismatch {
                    kind,
                    source_id: t.id.clone(),
                    dest_id: Some(id.to_string()),
                    field: "(ticket)".into(),
                    expected: "its ticket verified".into(),
                    actual: "its ticket has mismatches".into(),
                }]
            };
            verdicts.record(kind, problems);
        }
    }
    Ok(())
}

fn compare_ticket(check: &mut Check<'_>, plan: &TicketPlan, found: &GTicket) {
    let e = &plan.ticket;
    check.eq(
        "external_id",
        Some(e.external_id.as_str()),
        found.external_id.as_deref(),
    );
    check.eq("status", Some(e.status.as_str()), found.status.as_deref());
    check.eq(
        "priority",
        Some(e.priority.as_str()),
        found.priority.as_deref(),
    );
    check.eq(
        "channel",
        Some(e.channel.as_str()),
        found.channel.as_deref(),
    );
    check.eq("subject", e.subject.as_deref(), found.subject.as_deref());
    check.eq(
        "customer",
        e.customer.id,
        found.customer.as_ref().map(|c| c.id),
    );
    check.eq(
        "assignee_user",
        e.assignee_user.map(|a| a.id),
        found.assignee_user.as_ref().map(|a| a.id),
    );
    let mut expected_tags: Vec<String> = e.tags.iter().map(|t| tag_key(&t.name)).collect();
    let mut actual_tags: Vec<String> = found.tags.iter().map(|t| tag_key(&t.name)).collect();
    expected_tags.sort();
    actual_tags.sort();
    check.eq("tags", expected_tags, actual_tags);
    let actual_fields = found.field_values();
    for value in &e.custom_fields {
        let actual = actual_fields.get(&value.id);
        if !same_value(&value.value, actual) {
            check.differ(
                format!("custom_fields.{}", value.id),
                value.value.to_string(),
                actual.map_or("(none)".into(), Value::to_string),
            );
        }
    }
    same_time(
        check,
        "created_datetime",
        Some(&e.created_datetime),
        found.created_datetime.as_deref(),
    );
    same_time(
        check,
        "closed_datetime",
        e.closed_datetime.as_ref(),
        found.closed_datetime.as_deref(),
    );
}

fn same_value(expected: &Value, actual: Option<&Value>) -> bool {
    match (expected, actual) {
        (Value::Number(a), Some(Value::Number(b))) => a.as_f64() == b.as_f64(),
        (a, Some(b)) => a == b,
        (_, None) => false,
    }
}

fn same_time(check: &mut Check<'_>, field: &str, expected: Option<&String>, actual: Option<&str>) {
    let e = expected.and_then(|t| time::parse(t));
    let a = actual.and_then(time::parse);
    let same = match (e, a) {
        (Some(e), Some(a)) => time::same_second(e, a),
        (None, None) => true,
        _ => false,
    };
    if !same {
        check.differ(field, format!("{expected:?}"), format!("{actual:?}"));
    }
}

/// Compares the messages in order; records a verdict per Stames message and
/// per file; `true` when all agree.
fn compare_messages(
    run: &Run<'_>,
    thread: &TicketThread,
    plan: &TicketPlan,
    found: &GTicket,
    verdicts: &Verdicts,
) -> bool {
    let expected: Vec<&NewMessage> = plan
        .ticket
        .messages
        .iter()
        .chain(plan.rest.iter().map(|(_, m)| m))
        .collect();
    let mut actual: Vec<&GMessage> = found.messages.iter().collect();
    actual.sort_by_key(|m| (m.created_datetime.as_deref().and_then(time::parse), m.id));
    let by_external: HashMap<&str, &GMessage> = actual
        .iter()
        .filter_map(|m| m.external_id.as_deref().map(|x| (x, *m)))
        .collect();
    let mut all_clean = expected.len() == actual.len();
    // Order: the Stames messages must appear in the same order.
    let order_expected: Vec<&str> = expected
        .iter()
        .map(|m| m.external_id.as_str())
        .filter(|x| !x.starts_with("deskshift-note:"))
        .collect();
    let order_actual: Vec<&str> = actual
        .iter()
        .filter_map(|m| m.external_id.as_deref())
        .filter(|x| !x.starts_with("deskshift-note:"))
        .collect();
    let in_order = order_expected == order_actual;
    all_clean &= in_order;
    let by_id: HashMap<&str, &deskshift_core::model::Message> =
        thread.messages.iter().map(|m| (m.id.as_str(), m)).collect();
    for e in &expected {
        let is_note = e.external_id.starts_with("deskshift-note:");
        let source_id = if is_note {
            thread.ticket.id.as_str()
        } else {
            e.external_id.as_str()
        };
        let mut check = Check::new(ObjectKind::Messages, source_id, found.id);
        match by_external.get(e.external_id.as_str()) {
            None => check.differ("(record)", e.external_id.clone(), "missing".into()),
            Some(a) => {
                check.dest_id = a.id.to_string();
                compare_message(&mut check, e, a);
                if !in_order {
                    let want = order_expected.iter().position(|x| *x == e.external_id);
                    let got = order_actual.iter().position(|x| *x == e.external_id);
                    if want != got {
                        check.eq("position", want, got);
                    }
                }
                if let Some(m) = by_id.get(e.external_id.as_str()) {
                    compare_files(run, m, a, verdicts);
                }
            }
        }
        all_clean &= check.problems.is_empty();
        if is_note {
            // The note is not a Stames record: its problems are the ticket's.
            let mut list = verdicts
                .mismatches
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            list.extend(check.problems);
        } else {
            verdicts.record(ObjectKind::Messages, check.problems);
        }
    }
    all_clean
}

fn compare_message(check: &mut Check<'_>, e: &NewMessage, a: &GMessage) {
    check.eq("from_agent", Some(e.from_agent), a.from_agent);
    check.eq("public", Some(e.public), a.public);
    check.eq("channel", Some(e.channel.as_str()), a.channel.as_deref());
    check.eq(
        "sender",
        e.sender.as_ref().and_then(|s| s.id),
        a.sender.as_ref().map(|s| s.id),
    );
    if let Some(receiver) = e.receiver.as_ref().and_then(|r| r.id) {
        check.eq(
            "receiver",
            Some(receiver),
            a.receiver.as_ref().map(|r| r.id),
        );
    }
    same_time(
        check,
        "created_datetime",
        Some(&e.created_datetime),
        a.created_datetime.as_deref(),
    );
    same_time(
        check,
        "sent_datetime",
        Some(&e.sent_datetime),
        a.sent_datetime.as_deref(),
    );
    check.eq(
        "body_text",
        body_hash(&e.body_text),
        body_hash(a.body_text.as_deref().unwrap_or("")),
    );
    if let Some(html) = &e.body_html {
        check.eq(
            "body_html",
            body_hash(html),
            body_hash(a.body_html.as_deref().unwrap_or("")),
        );
    }
}

/// Files of one Stames message: the uploaded ones must be on the Gorgias
/// message, in order, with their names and sizes. (Names repeat — two
/// `screenshot.png` — so files are paired by position.)
fn compare_files(
    run: &Run<'_>,
    m: &deskshift_core::model::Message,
    a: &GMessage,
    verdicts: &Verdicts,
) {
    let uploaded = m.attachments.iter().filter(|file| {
        run.mapping(ObjectKind::Attachments, &file.id)
            .ok()
            .flatten()
            .is_some_and(|e| e.state == IdMapState::Created)
    });
    for (i, file) in uploaded.enumerate() {
        let mut check = Check::new(ObjectKind::Attachments, &file.id, a.id);
        match a.attachments.get(i) {
            None => check.differ("(record)", file.file_name.clone(), "missing".into()),
            Some(x) => {
                check.eq("name", file.file_name.as_str(), x.name.as_str());
                check.eq("size", file.size_bytes, x.size);
            }
        }
        verdicts.record(ObjectKind::Attachments, check.problems);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_compare_by_value() {
        assert!(same_value(
            &serde_json::json!(7.0),
            Some(&serde_json::json!(7))
        ));
    }
}
