//! Custom-object records → records of their custom object
//! ([`map::objects`]), after their Cases and Contacts so the lookups can
//! be filled, inserted with `Stames_Record_Id__c` as the key through the
//! batch protocol ([`super::batch`]), one object at a time.

use super::batch::{self, Item, Op, Route, Target};
use super::{updates, Run};
use crate::map::objects::{self, Parents};
use crate::map::schema;
use crate::map::validate::validate;
use crate::prepare::Org;
use deskshift_core::destination::notes::Category;
use deskshift_core::destination::{DestinationError, DELTA};
use deskshift_core::engine::Written;
use deskshift_core::ledger::content_hash;
use deskshift_core::model::{CustomObjectRecord, ObjectKind};
use futures::TryStreamExt;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

const KIND: ObjectKind = ObjectKind::CustomObjectRecords;
const CHUNK: usize = 200;

/// Loads every record; in a sample, only those whose linked tickets and
/// customers the sample migrated, all of them.
pub async fn load(run: &Run<'_>, org: &Org, sample: bool) -> Result<(), DestinationError> {
    run.ctx.progress.start(KIND, None);
    let mut all = run.object_records(run.ctx.source.custom_object_records(None));
    let mut chunk = Vec::new();
    while let Some(r) = all.try_next().await? {
        chunk.push(r);
        if chunk.len() >= CHUNK {
            write_chunk(run, org, sample, std::mem::take(&mut chunk)).await?;
        }
    }
    write_chunk(run, org, sample, chunk).await?;
    run.ctx.progress.finish(KIND);
    Ok(())
}

async fn write_chunk(
    run: &Run<'_>,
    org: &Org,
    sample: bool,
    chunk: Vec<CustomObjectRecord>,
) -> Result<(), DestinationError> {
    let mut by_object: BTreeMap<String, Vec<Item>> = BTreeMap::new();
    for r in &chunk {
        run.ctx.counts.source(KIND, 1);
        let done = run.done_dest_id(KIND, &r.id)?;
        if let (Some(id), false) = (&done, run.phase == DELTA) {
            run.tally(KIND, &r.id, &Written::AlreadyDone(id.clone()))?;
            continue;
        }
        let mut cases = HashMap::new();
        for id in &r.ticket_ids {
            if let Some(dest) = run.done_dest_id(ObjectKind::Tickets, id)? {
                cases.insert(id.clone(), dest);
            }
        }
        let mut contacts = HashMap::new();
        for id in &r.customer_ids {
            if let Some(dest) = run.done_dest_id(ObjectKind::Customers, id)? {
                contacts.insert(id.clone(), dest);
            }
        }
        // A sample writes only records whose every parent it migrated: a
        // record written with a lookup left empty would be reused as it is
        // by the full run, without its missing parent.
        let unmigrated = r.ticket_ids.len() - cases.len() + r.customer_ids.len() - contacts.len();
        if sample && unmigrated > 0 {
            run.skip(
                KIND,
                &r.id,
                format!(
                    "outside the sample: {unmigrated} of the tickets and customers it links \
                     were not migrated; the full run loads it"
                ),
            );
            continue;
        }
        let parents = Parents {
            cases: &cases,
            contacts: &contacts,
        };
        let plan = match objects::plan(r, &org.plan, &parents, &org.caps) {
            Ok(plan) => plan,
            Err(reject) => {
                run.reject(
                    KIND,
                    &r.id,
                    reject.field.as_deref().unwrap_or("object_key"),
                    format!("{}: {}", reject.record, reject.reason),
                    &reject.action,
                )?;
                continue;
            }
        };
        let mut record = plan.record;
        let label = format!("{} record for Stames record {}", plan.object, r.id);
        match validate(&org.describe(&plan.object), &mut record, &label) {
            Ok(more) => {
                for rep in plan.repairs.iter().chain(&more) {
                    run.notes.add(
                        Category::Repair,
                        KIND,
                        &r.id,
                        format!("{}: {}", rep.field, rep.detail),
                    );
                }
            }
            Err(reject) => {
                run.reject(
                    KIND,
                    &r.id,
                    reject.field.as_deref().unwrap_or("(record)"),
                    format!("{}: {}", reject.record, reject.reason),
                    &reject.action,
                )?;
                continue;
            }
        }
        if let Some(id) = &done {
            // In Salesforce already and changed in Stames since (delta).
            let change = updates::Change {
                kind: KIND,
                source_id: &r.id,
                object: &plan.object,
                hash: content_hash(r),
                record: &record,
            };
            updates::apply(run, org, id, change).await?;
            continue;
        }
        let key = record
            .get(schema::RECORD_ID)
            .and_then(Value::as_str)
            .unwrap_or(&r.id)
            .to_string();
        by_object.entry(plan.object).or_default().push(Item {
            source_id: r.id.clone(),
            hash: content_hash(r),
            key,
            record,
            parent: String::new(),
        });
    }
    for (object, items) in by_object {
        let target = Target {
            kind: KIND,
            object: &object,
            key_field: schema::RECORD_ID,
            op: Op::Insert,
            route: Route::for_volume(items.len(), run.config.bulk_threshold),
        };
        for (source_id, written) in batch::write(run, &target, items).await? {
            run.tally(KIND, &source_id, &written)?;
        }
    }
    run.ctx.progress.advance(KIND, chunk.len() as u64);
    Ok(())
}
