//! `deskshift plan` for Gorgias: every source record through the same map
//! units ([`crate::map`]) the writer calls, with nothing sent.
//!
//! Gorgias has no describe to validate against; what it refuses or changes
//! is known to the map units (an address it would not accept, a subject over
//! its length, a file stored behind authentication), so plan asks them.
//! What is read: the account's users (agents are matched by e-mail) and,
//! when the account is small enough to list, its customers (an existing
//! customer with the same e-mail is matched, not created — the writer's
//! rule, [`writer::customers::list_existing`]). Ids Gorgias would assign are
//! stood in for by placeholders so each record is judged on its own fields.
//!
//! Not foreseen here: a `to` row naming a Gorgias ticket field the account
//! lacks (`prepare` rejects that definition by name; plan takes the row's
//! type for the field's shape without listing the account's fields).

use crate::client::wire::{AttachmentRef, Id};
use crate::map::customer::{self, CustomerFields};
use crate::map::extras::ExtraField;
use crate::map::fields::{self, FieldIndex, FieldLanding};
use crate::map::message::FileOutcome;
use crate::map::people::{AgentDirectory, AgentRef};
use crate::map::ticket::{self, TicketContext};
use crate::map::Repair;
use crate::writer::customers::{list_existing, Holder};
use crate::writer::users::users_by_email;
use crate::writer::Run;
use deskshift_core::destination::DestinationError;
use deskshift_core::mapping::{FieldMap, Target, ValueType};
use deskshift_core::model::{CustomFieldDef, FieldObject, ObjectKind, SourceId, TicketThread};
use deskshift_core::normalise::email_key;
use deskshift_core::plan::{PlanTally, Verdict};
use futures::TryStreamExt;
use std::collections::{HashMap, HashSet};

/// Stands for an id Gorgias would assign.
const PLACEHOLDER_ID: Id = 0;

pub async fn plan(run: &Run<'_>, tally: &PlanTally) -> Result<(), DestinationError> {
    let defs: Vec<CustomFieldDef> = run
        .records(run.ctx.source.custom_fields())
        .try_collect()
        .await?;
    let map = run.ctx.map;
    let ticket_fields = ticket_fields(map, &defs);
    let customer_fields = CustomerFields::of(map, &defs);
    let agents = agents(run, tally).await?;
    let untouched = customers(run, &customer_fields, tally).await?;
    object_records(run, &untouched, tally).await?;
    let extras: HashMap<ExtraField, Id> = ExtraField::ALL
        .into_iter()
        .map(|x| (x, PLACEHOLDER_ID))
        .collect();
    let tags = HashMap::new();
    let mut threads = run.threads(run.ctx.source.tickets(None));
    while let Some(thread) = threads.try_next().await? {
        let ctx = Stand {
            agents: &agents,
            fields: &ticket_fields,
            extras: &extras,
            tags: &tags,
        };
        one_ticket(run, &thread, &ctx, tally)?;
        run.ctx.progress.advance(ObjectKind::Tickets, 1);
    }
    Ok(())
}

/// What every ticket's context shares.
struct Stand<'a> {
    agents: &'a AgentDirectory,
    fields: &'a FieldIndex,
    extras: &'a HashMap<ExtraField, Id>,
    tags: &'a HashMap<String, String>,
}

/// Where each Stames ticket field's values land by the confirmed map, as
/// `prepare` would leave it: a field it creates (of the row's type) or
/// reuses, or nothing (a `drop` or `inventory` row).
fn ticket_fields(map: &FieldMap, defs: &[CustomFieldDef]) -> FieldIndex {
    let mut index = FieldIndex::new();
    for def in defs.iter().filter(|d| d.object == FieldObject::Ticket) {
        let Some(row) = map.custom_field_row(def) else {
            continue;
        };
        let landing = match &row.target {
            Target::Drop(_) | Target::Inventory(_) => FieldLanding::NotWritten(row.clone()),
            Target::NewField { field, field_type } => FieldLanding::field(
                PLACEHOLDER_ID,
                fields::label(&field.field, &def.key),
                fields::shape(*field_type, &def.options),
                row,
            ),
            Target::Field(field) => {
                let value_type = row.value_type.unwrap_or(ValueType::of(def.field_type));
                FieldLanding::field(
                    PLACEHOLDER_ID,
                    field.field.clone(),
                    fields::shape(value_type, &def.options),
                    row,
                )
            }
        };
        index.insert(def.id.clone(), landing);
    }
    index
}

/// Agents matched to the account's users by e-mail, as the writer matches
/// them; the others stand in for the migration user (or the fallback).
async fn agents(run: &Run<'_>, tally: &PlanTally) -> Result<AgentDirectory, DestinationError> {
    let kind = ObjectKind::Users;
    let (_, by_email) = users_by_email(run).await?;
    let mut directory = AgentDirectory {
        agents: HashMap::new(),
        migration_user: PLACEHOLDER_ID,
        fallback_user: None,
    };
    let mut agents = run.records(run.ctx.source.agents());
    while let Some(agent) = agents.try_next().await? {
        let user = by_email.get(&email_key(&agent.email)).copied();
        let verdict = match user {
            Some(id) => Verdict::Match(format!("e-mail matches Gorgias user {id}")),
            None => Verdict::Skip(
                "no Gorgias user has the agent's e-mail: the agent goes to the reconciliation \
                 queue and its messages to the stand-in user"
                    .into(),
            ),
        };
        tally.record(kind, &agent.id, verdict, &[]);
        directory
            .agents
            .insert(agent.id.clone(), AgentRef::new(&agent, user));
    }
    Ok(directory)
}

/// Every customer: matched (an earlier run, an existing Gorgias customer or
/// an earlier Stames customer with the same e-mail) or created; Gorgias
/// refuses none (an address it would not take is repaired). Returns the
/// customers matched to a Gorgias customer that existed before the
/// migration, which the load leaves untouched.
async fn customers(
    run: &Run<'_>,
    fields: &CustomerFields,
    tally: &PlanTally,
) -> Result<HashSet<SourceId>, DestinationError> {
    let kind = ObjectKind::Customers;
    let mut untouched = HashSet::new();
    let mut directory = list_existing(run, HashMap::new()).await?;
    if directory.ask {
        tally.note(
            "Gorgias: the account holds too many customers to list: existing Gorgias customers are \
             matched by e-mail during migrate, not counted here",
        );
    }
    let mut customers = run.records(run.ctx.source.customers(None));
    while let Some(c) = customers.try_next().await? {
        let email = customer::email_of(&c);
        let holder = email.as_ref().and_then(|e| directory.known.get(e)).cloned();
        let verdict = if let Some(id) = run.done_id(kind, &c.id)? {
            Verdict::Match(format!(
                "already in Gorgias as customer {id} (an earlier run)"
            ))
        } else {
            match holder {
                Some(Holder::Existing(id)) => {
                    untouched.insert(c.id.clone());
                    Verdict::Match(format!(
                        "its e-mail belongs to Gorgias customer {id}, which is left untouched"
                    ))
                }
                Some(Holder::Migrated { stames, .. }) => Verdict::Match(format!(
                    "same e-mail as Stames customer {stames}: merged into its Gorgias customer"
                )),
                None => {
                    let plan = customer::plan(&c, fields);
                    tally.record(kind, &c.id, Verdict::Create, &repairs_of(&plan.repairs));
                    if let Some(email) = email {
                        directory.known.insert(
                            email,
                            Holder::Migrated {
                                dest: PLACEHOLDER_ID,
                                stames: c.id.clone(),
                            },
                        );
                    }
                    continue;
                }
            }
        };
        tally.record(kind, &c.id, verdict, &[]);
    }
    Ok(untouched)
}

/// Custom-object records ride in the sidebar data of the customers they
/// link to ([`crate::writer::records`]); one whose customers all existed in
/// Gorgias before the migration is skipped, as the load leaves those alone.
async fn object_records(
    run: &Run<'_>,
    untouched: &HashSet<SourceId>,
    tally: &PlanTally,
) -> Result<(), DestinationError> {
    let kind = ObjectKind::CustomObjectRecords;
    let mut records = run.object_records(run.ctx.source.custom_object_records(None));
    while let Some(r) = records.try_next().await? {
        let verdict = if run.done_id(kind, &r.id)?.is_some() {
            Verdict::Match("already in Gorgias customer data (an earlier run)".into())
        } else if !r.customer_ids.is_empty() && r.customer_ids.iter().all(|c| untouched.contains(c))
        {
            Verdict::Skip(
                "its customers existed in Gorgias before the migration and are left untouched"
                    .into(),
            )
        } else {
            Verdict::Create
        };
        tally.record(kind, &r.id, verdict, &[]);
    }
    Ok(())
}

fn repairs_of(repairs: &[Repair]) -> Vec<(String, String)> {
    repairs
        .iter()
        .map(|r| (r.field.clone(), r.detail.clone()))
        .collect()
}

/// One ticket, its messages and their files, through the ticket map.
fn one_ticket(
    run: &Run<'_>,
    thread: &TicketThread,
    stand: &Stand<'_>,
    tally: &PlanTally,
) -> Result<(), DestinationError> {
    let t = &thread.ticket;
    if let Some(id) = run.done_id(ObjectKind::Tickets, &t.id)? {
        let why = format!("already in Gorgias as ticket {id} (an earlier run)");
        tally.record(ObjectKind::Tickets, &t.id, Verdict::Match(why), &[]);
        return Ok(());
    }
    let mut files = HashMap::new();
    for a in thread.messages.iter().flat_map(|m| &m.attachments) {
        let outcome = if a.requires_auth {
            let reason = "it is stored behind authentication in Stames";
            tally.record(
                ObjectKind::Attachments,
                &a.id,
                Verdict::Reject {
                    field: "requires_auth".into(),
                    reason: reason.into(),
                    hint: "re-host the file where it can be downloaded, then run delta".into(),
                },
                &[],
            );
            FileOutcome::Missing(reason.into())
        } else {
            tally.record(ObjectKind::Attachments, &a.id, Verdict::Create, &[]);
            FileOutcome::Uploaded(AttachmentRef {
                url: format!("https://planned.invalid/{}", a.id),
                name: a.file_name.clone(),
                content_type: a.content_type.clone(),
                size: a.size_bytes,
            })
        };
        files.insert(a.id.clone(), outcome);
    }
    let customers: HashMap<SourceId, Id> = ticket::customer_ids(thread)
        .map(|id| (id.clone(), PLACEHOLDER_ID))
        .collect();
    let ctx = TicketContext {
        map: run.ctx.map,
        customers: &customers,
        agents: stand.agents,
        fields: stand.fields,
        extras: stand.extras,
        files: &files,
        tags: stand.tags,
    };
    match ticket::plan(thread, &ctx) {
        Ok(plan) => {
            tally.record(
                ObjectKind::Tickets,
                &t.id,
                Verdict::Create,
                &repairs_of(&plan.repairs),
            );
            for m in &thread.messages {
                tally.record(ObjectKind::Messages, &m.id, Verdict::Create, &[]);
            }
            // Status history rides in the ticket's migration note.
            for key in status_keys(thread) {
                tally.record(ObjectKind::StatusEvents, &key, Verdict::Create, &[]);
            }
        }
        Err(refusal) => {
            let hint = refusal
                .fix
                .unwrap_or("migrate the customer first (see its reject), then run migrate again");
            tally.record(
                ObjectKind::Tickets,
                &t.id,
                Verdict::Reject {
                    field: refusal.field.into(),
                    reason: format!("ticket {}: {}", t.id, refusal.reason),
                    hint: hint.into(),
                },
                &[],
            );
            // Its messages and status history go with it, as in the load
            // (its files were uploaded before, as the load uploads them).
            let messages = thread.messages.iter().map(|m| m.id.clone());
            tally.reject_carried(ObjectKind::Messages, messages, &t.id);
            tally.reject_carried(ObjectKind::StatusEvents, status_keys(thread), &t.id);
        }
    }
    Ok(())
}

/// Names for a ticket's status events, which have no id of their own.
fn status_keys(thread: &TicketThread) -> impl Iterator<Item = String> + '_ {
    (0..thread.status_history.len()).map(|p| format!("{}:{p}", thread.ticket.id))
}
