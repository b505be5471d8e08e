//! Tickets: each migrated Case and everything hanging off it — its
//! EmailMessages (count, order, fields, bodies by hash), its private notes'
//! CaseComments, its status events and its files — read back a chunk of
//! Cases at a time (by `Id` and by parent) and compared with the map.

use super::{fields_of, select_in, Check, Verdicts};
use crate::map::case::{self, CaseContext};
use crate::map::history;
use crate::map::message::{self, MappedMessage};
use crate::map::schema;
use crate::map::tags::TagStrategy;
use crate::map::users::UserDirectory;
use crate::map::{Record, SfId};
use crate::prepare::Org;
use crate::writer::cases::{contacts_of, Landed};
use crate::writer::messages::{context, in_order};
use crate::writer::topics;
use crate::writer::{api_failure, Run};
use deskshift_core::destination::DestinationError;
use deskshift_core::model::{ObjectKind, SourceId, TicketThread, Visibility};
use futures::TryStreamExt;
use serde_json::{json, Value};
use std::collections::{BTreeSet, HashMap};

pub async fn cases(
    run: &Run<'_>,
    org: &Org,
    users: &UserDirectory,
    verdicts: &mut Verdicts,
) -> Result<(), DestinationError> {
    let migration_user = run
        .client
        .user_id()
        .await
        .map_err(|e| api_failure("read the migration user's id", e))?;
    let mut threads = run.threads(run.ctx.source.tickets(None));
    let mut chunk = Vec::new();
    while let Some(t) = threads.try_next().await? {
        chunk.push(t);
        if chunk.len() >= 200 {
            let ctx = Shared {
                org,
                users,
                migration_user: &migration_user,
            };
            check_chunk(run, &ctx, verdicts, &std::mem::take(&mut chunk)).await?;
        }
    }
    let ctx = Shared {
        org,
        users,
        migration_user: &migration_user,
    };
    check_chunk(run, &ctx, verdicts, &chunk).await
}

struct Shared<'a> {
    org: &'a Org,
    users: &'a UserDirectory,
    migration_user: &'a str,
}

fn id_of(row: &Value) -> Option<&str> {
    row.get("Id").and_then(Value::as_str)
}

fn find<'r>(rows: &'r [Value], id: &str) -> Option<&'r Value> {
    rows.iter().find(|r| id_of(r) == Some(id))
}

async fn check_chunk(
    run: &Run<'_>,
    shared: &Shared<'_>,
    verdicts: &mut Verdicts,
    threads: &[TicketThread],
) -> Result<(), DestinationError> {
    let org = shared.org;
    let contacts = contacts_of(run, threads).await?;
    let mut landed = Vec::new();
    for thread in threads {
        if let Some(case_id) = run.done_dest_id(ObjectKind::Tickets, &thread.ticket.id)? {
            let contact = run
                .done_dest_id(ObjectKind::Customers, &thread.ticket.customer_id)?
                .and_then(|id| contacts.get(&id).cloned())
                .unwrap_or_default();
            landed.push(Landed {
                thread,
                case_id,
                contact,
            });
        }
    }
    if landed.is_empty() {
        return Ok(());
    }
    // Expected Cases.
    let mut expected: Vec<Record> = Vec::new();
    for l in &landed {
        let contact_id = run.done_dest_id(ObjectKind::Customers, &l.thread.ticket.customer_id)?;
        let ctx = CaseContext {
            contact_id: contact_id.as_ref(),
            account_id: l.contact.account_id.as_ref(),
            users: shared.users,
            schema: &org.plan,
            map: run.ctx.map,
            statuses: &org.statuses,
            priorities: &org.priorities,
            origins: &org.origins,
            caps: &org.caps,
        };
        let mut record = case::plan(l.thread, &ctx)
            .map(|p| p.record)
            .unwrap_or_default();
        record
            .entry("OwnerId")
            .or_insert_with(|| json!(shared.migration_user));
        expected.push(record);
    }
    let case_ids: Vec<String> = landed.iter().map(|l| l.case_id.clone()).collect();
    let rows = select_in(run, schema::CASE, &fields_of(&expected), "Id", &case_ids).await?;
    let files = files_of(run, &landed)?;
    let emails = emails(run, shared, &landed, &files, &case_ids, verdicts).await?;
    notes(run, shared, &landed, &files, &case_ids, verdicts).await?;
    events(run, shared, &landed, &case_ids, verdicts).await?;
    attachments(run, &org.caps, &landed, verdicts).await?;
    let worn = match org.plan.tags {
        TagStrategy::Topics { .. } => Some(topics::worn(run, &case_ids).await?),
        TagStrategy::Picklist { .. } => None,
    };
    for (l, record) in landed.iter().zip(&expected) {
        let t = &l.thread.ticket;
        let mut check = Check::new(ObjectKind::Tickets, &t.id, Some(&l.case_id));
        match find(&rows, &l.case_id) {
            Some(row) => check.record(schema::CASE, record, row),
            None => check.differ("Case.Id", l.case_id.clone(), "(not found)"),
        }
        if let Some(problem) = emails.get(&l.case_id) {
            check.differ("EmailMessage (order)", problem.0.clone(), problem.1.clone());
        }
        if let Some(worn) = &worn {
            let want: BTreeSet<String> = topics::wanted(&t.tags)
                .into_iter()
                .map(|n| n.to_lowercase())
                .collect();
            let have = worn.get(&l.case_id).cloned().unwrap_or_default();
            if want != have {
                check.differ(
                    "TopicAssignment",
                    want.into_iter().collect::<Vec<_>>().join(", "),
                    have.into_iter().collect::<Vec<_>>().join(", "),
                );
            }
        }
        let clean = check.problems.is_empty();
        verdicts.record(ObjectKind::Tickets, check.problems);
        // Reminders, SLA and notification triggers are Case fields.
        for (kind, n) in [
            (ObjectKind::Reminders, t.reminders.len()),
            (ObjectKind::SlaRecords, usize::from(t.sla.is_some())),
            (ObjectKind::Notifications, t.notifications.len()),
        ] {
            for _ in 0..n {
                let problems = if clean {
                    Vec::new()
                } else {
                    let mut c = Check::new(kind, &t.id, Some(&l.case_id));
                    c.differ("Case", "a clean Case", "the Case has mismatches");
                    c.problems
                };
                verdicts.record(kind, problems);
            }
        }
    }
    Ok(())
}

/// Stames attachment id → ContentVersion id, from the ledger.
fn files_of(
    run: &Run<'_>,
    landed: &[Landed<'_>],
) -> Result<HashMap<SourceId, SfId>, DestinationError> {
    let mut files = HashMap::new();
    for l in landed {
        for m in &l.thread.messages {
            for a in &m.attachments {
                if let Some(id) = run.done_dest_id(ObjectKind::Attachments, &a.id)? {
                    files.insert(a.id.clone(), id);
                }
            }
        }
    }
    Ok(files)
}

/// EmailMessages; returns, per Case, an (expected, actual) order problem.
async fn emails(
    run: &Run<'_>,
    shared: &Shared<'_>,
    landed: &[Landed<'_>],
    files: &HashMap<SourceId, SfId>,
    case_ids: &[String],
    verdicts: &mut Verdicts,
) -> Result<HashMap<String, (String, String)>, DestinationError> {
    let kind = ObjectKind::Messages;
    let mut expected: Vec<(String, String, String, Record)> = Vec::new();
    for l in landed {
        let ctx = context(run, shared.org, shared.users, l, files);
        for m in in_order(l.thread, Visibility::Public) {
            let Some(dest) = run.done_dest_id(kind, &m.id)? else {
                continue;
            };
            if let MappedMessage::Email { record, .. } = message::message(m, &ctx) {
                expected.push((l.case_id.clone(), m.id.clone(), dest, record));
            }
        }
    }
    let mut fields = fields_of(expected.iter().map(|(_, _, _, r)| r));
    for f in ["ParentId", "MessageDate", schema::MESSAGE_ID] {
        if !fields.iter().any(|x| x == f) {
            fields.push(f.to_string());
        }
    }
    let rows = select_in(run, schema::EMAIL_MESSAGE, &fields, "ParentId", case_ids).await?;
    for (_, source_id, dest, record) in &expected {
        let mut check = Check::new(kind, source_id, Some(dest));
        match find(&rows, dest) {
            Some(row) => check.record(schema::EMAIL_MESSAGE, record, row),
            None => check.differ("EmailMessage.Id", dest.clone(), "(not found)"),
        }
        verdicts.record(kind, check.problems);
    }
    // Count and order per Case: the migrated messages, by MessageDate.
    let mut problems = HashMap::new();
    for case_id in case_ids {
        let want: Vec<&str> = expected
            .iter()
            .filter(|(c, ..)| c == case_id)
            .map(|(_, _, d, _)| d.as_str())
            .collect();
        let mut got: Vec<&Value> = rows
            .iter()
            .filter(|r| r.get("ParentId").and_then(Value::as_str) == Some(case_id.as_str()))
            .filter(|r| !r.get(schema::MESSAGE_ID).is_none_or(Value::is_null))
            .collect();
        got.sort_by_key(|r| {
            r.get("MessageDate")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        });
        let got: Vec<&str> = got.iter().filter_map(|r| id_of(r)).collect();
        if want.len() != got.len() {
            problems.insert(
                case_id.clone(),
                (
                    format!("{} messages", want.len()),
                    format!("{} messages", got.len()),
                ),
            );
        } else if want != got {
            problems.insert(case_id.clone(), (want.join(","), got.join(",")));
        }
    }
    Ok(problems)
}

/// Private notes: every part's comment is there, with its body.
async fn notes(
    run: &Run<'_>,
    shared: &Shared<'_>,
    landed: &[Landed<'_>],
    files: &HashMap<SourceId, SfId>,
    case_ids: &[String],
    verdicts: &mut Verdicts,
) -> Result<(), DestinationError> {
    let kind = ObjectKind::Messages;
    let fields = [
        "ParentId".to_string(),
        "CommentBody".into(),
        "IsPublished".into(),
    ];
    let rows = select_in(run, schema::CASE_COMMENT, &fields, "ParentId", case_ids).await?;
    for l in landed {
        let ctx = context(run, shared.org, shared.users, l, files);
        for m in in_order(l.thread, Visibility::PrivateNote) {
            let Some(dest) = run.done_dest_id(kind, &m.id)? else {
                continue;
            };
            let MappedMessage::Note { parts, .. } = message::message(m, &ctx) else {
                continue;
            };
            let mut check = Check::new(kind, &m.id, Some(&dest));
            for part in parts {
                let line = part.marker.line();
                let found = rows.iter().find(|r| {
                    r.get("ParentId").and_then(Value::as_str) == Some(l.case_id.as_str())
                        && r.get("CommentBody")
                            .and_then(Value::as_str)
                            .is_some_and(|b| b.starts_with(&line))
                });
                match found {
                    Some(row) => {
                        check.record(schema::CASE_COMMENT, &without_parent(&part.record), row)
                    }
                    None => check.differ("CaseComment", line, "(no comment with this marker)"),
                }
            }
            verdicts.record(kind, check.problems);
        }
    }
    Ok(())
}

fn without_parent(record: &Record) -> Record {
    let mut r = record.clone();
    r.remove("CreatedDate");
    r.remove("CreatedById");
    r
}

async fn events(
    run: &Run<'_>,
    shared: &Shared<'_>,
    landed: &[Landed<'_>],
    case_ids: &[String],
    verdicts: &mut Verdicts,
) -> Result<(), DestinationError> {
    let kind = ObjectKind::StatusEvents;
    let mut expected = Vec::new();
    for l in landed {
        let t = &l.thread.ticket;
        let records = history::records(
            &t.id,
            &l.thread.status_history,
            &l.case_id,
            shared.users,
            &shared.org.caps,
        );
        for (position, record) in records.into_iter().enumerate() {
            let key = history::event_key(&t.id, position);
            if let Some(dest) = run.done_dest_id(kind, &key)? {
                expected.push((key, dest, record));
            }
        }
    }
    if expected.is_empty() {
        return Ok(());
    }
    let fields = fields_of(expected.iter().map(|(_, _, r)| r));
    let rows = select_in(
        run,
        schema::STATUS_EVENT,
        &fields,
        schema::EVENT_CASE,
        case_ids,
    )
    .await?;
    for (key, dest, record) in &expected {
        let mut check = Check::new(kind, key, Some(dest));
        match find(&rows, dest) {
            Some(row) => check.record(schema::STATUS_EVENT, record, row),
            None => check.differ("Stames_Status_Event__c.Id", dest.clone(), "(not found)"),
        }
        verdicts.record(kind, check.problems);
    }
    Ok(())
}

/// Files: each ContentVersion is there with its key and name.
async fn attachments(
    run: &Run<'_>,
    caps: &crate::map::OrgCapabilities,
    landed: &[Landed<'_>],
    verdicts: &mut Verdicts,
) -> Result<(), DestinationError> {
    let kind = ObjectKind::Attachments;
    let mut expected = Vec::new();
    for l in landed {
        for m in &l.thread.messages {
            for a in &m.attachments {
                if let Some(dest) = run.done_dest_id(kind, &a.id)? {
                    let private = m.visibility == Visibility::PrivateNote;
                    let Ok(plan) = crate::map::attachment::plan(a, &l.case_id, private, caps)
                    else {
                        continue;
                    };
                    let mut record = Record::new();
                    for field in [schema::ATTACHMENT_ID, "Title", "PathOnClient"] {
                        if let Some(v) = plan.record.get(field) {
                            record.insert(field.into(), v.clone());
                        }
                    }
                    expected.push((a.id.clone(), dest, record));
                }
            }
        }
    }
    if expected.is_empty() {
        return Ok(());
    }
    let ids: Vec<String> = expected.iter().map(|(_, d, _)| d.clone()).collect();
    let fields = fields_of(expected.iter().map(|(_, _, r)| r));
    let rows = select_in(run, schema::CONTENT_VERSION, &fields, "Id", &ids).await?;
    for (source_id, dest, record) in &expected {
        let mut check = Check::new(kind, source_id, Some(dest));
        match find(&rows, dest) {
            Some(row) => check.record(schema::CONTENT_VERSION, record, row),
            None => check.differ("ContentVersion.Id", dest.clone(), "(not found)"),
        }
        verdicts.record(kind, check.problems);
    }
    Ok(())
}
