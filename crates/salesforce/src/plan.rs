//! `deskshift plan` for Salesforce: every source record through the same map
//! units ([`crate::map`]) and the same describe validation
//! ([`validate`]) the writer runs before it sends a record, with nothing
//! sent.
//!
//! The org is read as it is (describe, picklists, users) and then seen as
//! `prepare` would leave it ([`Org::as_prepared`]): the custom fields and
//! objects of the schema plan exist, the missing picklist values are added.
//! Ids the load would get from Salesforce are stood in for by a placeholder,
//! so a record is judged on its own fields. A customer rejected here makes
//! its tickets rejected too, as in the load. Records an earlier run already
//! migrated are counted as matched (the load leaves them alone).
//!
//! Memory: one e-mail per customer (the `ToAddress` of its tickets'
//! outgoing messages) and the ids of refused customers, a few megabytes for
//! a hundred thousand customers; threads stream one at a time.

use crate::map::message::{self, MappedMessage, MessageContext};
use crate::map::users::UserMatch;
use crate::map::validate::validate;
use crate::map::{attachment, case, customer, history, objects, schema, Reject, Repair, SfId};
use crate::prepare::{self, Org};
use crate::writer::messages::in_order;
use crate::writer::{users, Run};
use deskshift_core::destination::DestinationError;
use deskshift_core::model::{ObjectKind, SourceId, TicketThread, Visibility};
use deskshift_core::plan::{PlanTally, Verdict};
use futures::TryStreamExt;
use std::collections::{HashMap, HashSet};

/// Stands for an id Salesforce would assign (a well-formed 18-character id).
const PLACEHOLDER_ID: &str = "000000000000000AAA";

pub async fn plan(run: &Run<'_>, tally: &PlanTally) -> Result<(), DestinationError> {
    let mut org = prepare::schema(run, prepare::Mode::ReadOnly).await?;
    org.as_prepared();
    let org_users = users::org_users(run).await?;
    let (agents, users) = users::directory(run, &org_users).await?;
    for agent in &agents {
        let verdict = match users.agents.get(&agent.id).map(|m| &m.user) {
            Some(UserMatch::Active(id) | UserMatch::Inactive(id)) => {
                Verdict::Match(format!("e-mail matches Salesforce user {id}"))
            }
            _ => Verdict::Skip(
                "reconciliation queue: no Salesforce user has the agent's e-mail; their Cases \
                 are owned by the migration user (or the fallback owner)"
                    .into(),
            ),
        };
        tally.record(ObjectKind::Users, &agent.id, verdict, &[]);
    }
    let customers = customers(run, &org, tally).await?;
    tickets(run, &org, &users, &customers, tally).await?;
    object_records(run, &org, tally).await
}

/// A record already migrated by an earlier run is left alone by the load.
fn already_there(
    run: &Run<'_>,
    kind: ObjectKind,
    id: &str,
) -> Result<Option<String>, DestinationError> {
    Ok(run
        .done_dest_id(kind, id)?
        .map(|dest| format!("already in Salesforce as {dest} (an earlier run)")))
}

fn repairs_of(repairs: &[Repair]) -> Vec<(String, String)> {
    repairs
        .iter()
        .map(|r| (r.field.clone(), r.detail.clone()))
        .collect()
}

fn refusal(reject: Reject) -> Verdict {
    Verdict::Reject {
        field: reject.field.clone().unwrap_or_else(|| "(record)".into()),
        reason: format!("{}: {}", reject.record, reject.reason),
        hint: reject.action,
    }
}

/// What the tickets need to know of the customers.
#[derive(Default)]
struct Customers {
    /// Customers whose Contact would be refused: their tickets are too.
    refused: HashSet<SourceId>,
    /// E-mail by customer: the `ToAddress` of outgoing messages.
    emails: HashMap<SourceId, String>,
}

/// Account and Contact of every customer.
async fn customers(
    run: &Run<'_>,
    org: &Org,
    tally: &PlanTally,
) -> Result<Customers, DestinationError> {
    let kind = ObjectKind::Customers;
    let mut known = Customers::default();
    let account = org.describe(schema::ACCOUNT);
    let contact = org.describe(schema::CONTACT);
    let mut stream = run.records(run.ctx.source.customers(None));
    while let Some(c) = stream.try_next().await? {
        if let Some(email) = &c.email {
            known.emails.insert(c.id.clone(), email.clone());
        }
        if let Some(why) = already_there(run, kind, &c.id)? {
            tally.record(kind, &c.id, Verdict::Match(why), &[]);
            continue;
        }
        let plan = customer::plan(&c, &org.plan, &org.caps, run.ctx.map);
        let mut repairs = plan.repairs.clone();
        let mut account_record = plan.account.record.clone();
        let checked = validate(
            &account,
            &mut account_record,
            &format!("Account of Stames customer {}", c.id),
        )
        .and_then(|more| {
            repairs.extend(more);
            let Some(planned) = &plan.contact else {
                return Err(Reject {
                    record: format!("Contact for Stames customer {}", c.id),
                    field: None,
                    reason:
                        "planned as a Person Account, which this build of deskshift does not write"
                            .into(),
                    action: "turn Person Accounts off for the migration".into(),
                });
            };
            let mut record = planned.record.clone();
            record.insert("AccountId".into(), PLACEHOLDER_ID.into());
            validate(
                &contact,
                &mut record,
                &format!("Contact for Stames customer {}", c.id),
            )
        });
        match checked {
            Ok(more) => {
                repairs.extend(more);
                tally.record(kind, &c.id, Verdict::Create, &repairs_of(&repairs));
            }
            Err(reject) => {
                known.refused.insert(c.id.clone());
                tally.record(kind, &c.id, refusal(reject), &[]);
            }
        }
        run.ctx.progress.advance(kind, 1);
    }
    Ok(known)
}

/// Cases, then what each carries: messages, notes, files and status events.
async fn tickets(
    run: &Run<'_>,
    org: &Org,
    users: &crate::map::users::UserDirectory,
    customers: &Customers,
    tally: &PlanTally,
) -> Result<(), DestinationError> {
    let kind = ObjectKind::Tickets;
    let case_describe = org.describe(schema::CASE);
    let placeholder: SfId = PLACEHOLDER_ID.to_string();
    let mut threads = run.threads(run.ctx.source.tickets(None));
    while let Some(thread) = threads.try_next().await? {
        let t = &thread.ticket;
        if let Some(why) = already_there(run, kind, &t.id)? {
            tally.record(kind, &t.id, Verdict::Match(why), &[]);
            continue;
        }
        let contact_id = (!customers.refused.contains(&t.customer_id)).then_some(&placeholder);
        let ctx = org.case_context(contact_id, Some(&placeholder), users, run.ctx.map);
        let verdict = case::plan(&thread, &ctx).and_then(|plan| {
            let mut record = plan.record;
            let more = validate(
                &case_describe,
                &mut record,
                &format!("Case for Stames ticket {}", t.id),
            )?;
            Ok([plan.repairs, more].concat())
        });
        match verdict {
            Ok(repairs) => {
                tally.record(kind, &t.id, Verdict::Create, &repairs_of(&repairs));
                let email = customers.emails.get(&t.customer_id).map(String::as_str);
                carried(run, org, users, &thread, email, tally);
            }
            Err(reject) => {
                tally.record(kind, &t.id, refusal(reject), &[]);
                // Its messages, files and status events go with it, as in
                // the load.
                let messages = thread.messages.iter();
                tally.reject_carried(
                    ObjectKind::Messages,
                    messages.clone().map(|m| m.id.clone()),
                    &t.id,
                );
                let files = messages.flat_map(|m| &m.attachments).map(|a| a.id.clone());
                tally.reject_carried(ObjectKind::Attachments, files, &t.id);
                let events = (0..thread.status_history.len()).map(|p| history::event_key(&t.id, p));
                tally.reject_carried(ObjectKind::StatusEvents, events, &t.id);
            }
        }
        run.ctx.progress.advance(kind, 1);
    }
    Ok(())
}

/// The messages, notes, files and status events of a Case that would be written.
fn carried(
    run: &Run<'_>,
    org: &Org,
    users: &crate::map::users::UserDirectory,
    thread: &TicketThread,
    customer_email: Option<&str>,
    tally: &PlanTally,
) {
    let placeholder: SfId = PLACEHOLDER_ID.to_string();
    let files: HashMap<SourceId, SfId> = thread
        .messages
        .iter()
        .flat_map(|m| &m.attachments)
        .map(|a| (a.id.clone(), placeholder.clone()))
        .collect();
    let ctx = MessageContext {
        case_id: &placeholder,
        subject: &thread.ticket.subject,
        customer_email,
        support_address: run.config.support_address.as_deref(),
        users,
        files: &files,
        caps: &org.caps,
    };
    let email = org.describe(schema::EMAIL_MESSAGE);
    let comment = org.describe(schema::CASE_COMMENT);
    let content = org.describe(schema::CONTENT_VERSION);
    for visibility in [Visibility::Public, Visibility::PrivateNote] {
        for m in in_order(thread, visibility) {
            let label = format!("Stames message {}", m.id);
            let verdict = match message::message(m, &ctx) {
                MappedMessage::Email {
                    mut record,
                    repairs,
                } => validate(&email, &mut record, &format!("EmailMessage for {label}"))
                    .map(|more| [repairs, more].concat()),
                MappedMessage::Note { parts, repairs } => {
                    parts.into_iter().try_fold(repairs, |mut all, mut part| {
                        all.extend(validate(
                            &comment,
                            &mut part.record,
                            &format!("CaseComment for {label}"),
                        )?);
                        Ok(all)
                    })
                }
            };
            tally_verdict(tally, ObjectKind::Messages, &m.id, verdict);
            for file in &m.attachments {
                let private = visibility == Visibility::PrivateNote;
                let verdict = attachment::plan(file, &placeholder, private, &org.caps).and_then(
                    |mut plan| {
                        validate(
                            &content,
                            &mut plan.record,
                            &format!("ContentVersion for Stames attachment {}", file.id),
                        )
                    },
                );
                tally_verdict(tally, ObjectKind::Attachments, &file.id, verdict);
            }
        }
    }
    let events = org.describe(schema::STATUS_EVENT);
    let t = &thread.ticket;
    let records = history::records(
        &t.id,
        &thread.status_history,
        &placeholder,
        users,
        &org.caps,
    );
    for (position, mut record) in records.into_iter().enumerate() {
        let key = history::event_key(&t.id, position);
        let verdict = validate(
            &events,
            &mut record,
            &format!("status event {key} of Stames ticket {}", t.id),
        );
        tally_verdict(tally, ObjectKind::StatusEvents, &key, verdict);
    }
}

fn tally_verdict(
    tally: &PlanTally,
    kind: ObjectKind,
    id: &str,
    verdict: Result<Vec<Repair>, Reject>,
) {
    match verdict {
        Ok(repairs) => tally.record(kind, id, Verdict::Create, &repairs_of(&repairs)),
        Err(reject) => tally.record(kind, id, refusal(reject), &[]),
    }
}

async fn object_records(
    run: &Run<'_>,
    org: &Org,
    tally: &PlanTally,
) -> Result<(), DestinationError> {
    let kind = ObjectKind::CustomObjectRecords;
    let mut records = run.object_records(run.ctx.source.custom_object_records(None));
    let placeholder: SfId = PLACEHOLDER_ID.to_string();
    while let Some(r) = records.try_next().await? {
        if let Some(why) = already_there(run, kind, &r.id)? {
            tally.record(kind, &r.id, Verdict::Match(why), &[]);
            continue;
        }
        let cases: HashMap<SourceId, SfId> = r
            .ticket_ids
            .iter()
            .map(|id| (id.clone(), placeholder.clone()))
            .collect();
        let contacts: HashMap<SourceId, SfId> = r
            .customer_ids
            .iter()
            .map(|id| (id.clone(), placeholder.clone()))
            .collect();
        let parents = objects::Parents {
            cases: &cases,
            contacts: &contacts,
        };
        let verdict = objects::plan(&r, &org.plan, &parents, &org.caps).and_then(|mut plan| {
            let more = validate(
                &org.describe(&plan.object),
                &mut plan.record,
                &format!("record {} of {}", r.id, plan.object),
            )?;
            Ok([plan.repairs, more].concat())
        });
        tally_verdict(tally, kind, &r.id, verdict);
    }
    Ok(())
}
