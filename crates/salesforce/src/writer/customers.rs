//! Customers → Accounts + Contacts ([`map::customer`]), a chunk at a time
//! so memory stays flat:
//!
//! 1. each customer is planned; its Account key is `company:<name>` (one
//!    business Account per company, shared) or `customer:<id>`;
//! 2. the chunk's Accounts not done yet are **inserted** keyed by
//!    `Stames_Account_Key__c` (unique), each once;
//! 3. the Contacts, `AccountId` resolved, are inserted keyed by
//!    `Stames_Customer_Id__c` (unique).
//!
//! Inserts, not upserts, for the same reason as Cases: the original
//! `CreatedDate` (audit fields) can only be set on insert, and an upsert
//! repeated after a crash would turn into an update that Salesforce refuses
//! for carrying it. A repeated insert answers `DUPLICATE_VALUE … with id`,
//! and that record is adopted ([`super::batch`]).
//!
//! Accounts are not Stames records: they are journaled under the
//! `customers` kind with the source id `account:<key>` (so rollback finds
//! them) and not counted; a customer counts once, by its Contact.

use super::batch::{self, Item, Op, Route, Target};
use super::{updates, Run};
use crate::map::customer::{self, CustomerPlan};
use crate::map::schema;
use crate::map::validate::validate;
use crate::prepare::Org;
use deskshift_core::destination::notes::Category;
use deskshift_core::destination::{DestinationError, DELTA};
use deskshift_core::engine::Written;
use deskshift_core::ledger::{content_hash, IdMapState};
use deskshift_core::model::{Customer, ObjectKind};
use futures::TryStreamExt;
use serde_json::json;
use std::collections::{HashMap, HashSet};

const KIND: ObjectKind = ObjectKind::Customers;

/// Customers planned and written per chunk.
pub const CHUNK: usize = 200;

/// The ledger source id of the Account with `key`.
pub fn account_source_id(key: &str) -> String {
    format!("account:{key}")
}

/// Migrates every customer (or only those in `only`, for a sample).
pub async fn load(
    run: &Run<'_>,
    org: &Org,
    only: Option<&HashSet<String>>,
) -> Result<(), DestinationError> {
    let declared = run
        .ctx
        .source
        .declared_counts()
        .await
        .ok()
        .and_then(|c| c.get(&KIND).copied())
        .unwrap_or(0) as usize;
    let route = Route::for_volume(declared, run.config.bulk_threshold);
    let chunk_size = match route {
        Route::Collections => CHUNK,
        Route::Bulk => run.config.bulk_chunk.max(CHUNK),
    };
    run.ctx
        .progress
        .start(KIND, (declared > 0).then_some(declared as u64));
    let mut customers = run.records(run.ctx.source.customers(None));
    let mut chunk = Vec::with_capacity(chunk_size);
    while let Some(c) = customers.try_next().await? {
        if only.is_some_and(|only| !only.contains(&c.id)) {
            continue;
        }
        chunk.push(c);
        if chunk.len() >= chunk_size {
            write_chunk(run, org, route, std::mem::take(&mut chunk)).await?;
        }
    }
    write_chunk(run, org, route, chunk).await?;
    run.ctx.progress.finish(KIND);
    Ok(())
}

async fn write_chunk(
    run: &Run<'_>,
    org: &Org,
    route: Route,
    chunk: Vec<Customer>,
) -> Result<(), DestinationError> {
    let mut planned: Vec<(Customer, CustomerPlan)> = Vec::new();
    for c in chunk {
        run.ctx.counts.source(KIND, 1);
        let plan = customer::plan(&c, &org.plan, &org.caps, run.ctx.map);
        if let Some(id) = run.done_dest_id(KIND, &c.id)? {
            let ours = run
                .mapping(KIND, &c.id)?
                .is_some_and(|e| e.state != IdMapState::Matched);
            match (&plan.contact, run.phase == DELTA && ours) {
                // Created by deskshift and changed in Stames since: the
                // Contact's fields are brought up to date (it stays on its
                // Account).
                (Some(contact), true) => {
                    let change = updates::Change {
                        kind: KIND,
                        source_id: &c.id,
                        object: schema::CONTACT,
                        hash: content_hash(&c),
                        record: &contact.record,
                    };
                    updates::apply(run, org, &id, change).await?;
                }
                _ => run.tally(KIND, &c.id, &Written::AlreadyDone(id))?,
            }
            run.ctx.progress.advance(KIND, 1);
            continue;
        }
        for repair in &plan.repairs {
            run.notes.add(
                Category::Repair,
                KIND,
                &c.id,
                format!("{}: {}", repair.field, repair.detail),
            );
        }
        planned.push((c, plan));
    }
    if planned.is_empty() {
        return Ok(());
    }
    let accounts = accounts(run, org, route, &planned).await?;
    let describe = org.describe(schema::CONTACT);
    let mut items = Vec::new();
    for (c, plan) in &planned {
        let Some(contact) = &plan.contact else {
            run.reject(
                KIND,
                &c.id,
                "(record)",
                "planned as a Person Account, which this build of deskshift does not write",
                "turn Person Accounts off for the migration",
            )?;
            continue;
        };
        let account = match accounts.get(&contact.account_key) {
            Some(Ok(id)) => id.clone(),
            other => {
                let reason = match other {
                    Some(Err(reason)) => reason.clone(),
                    _ => "its Account was not written".to_string(),
                };
                run.reject(
                    KIND,
                    &c.id,
                    "company",
                    format!(
                        "its Account ({}) is not in Salesforce: {reason}",
                        contact.account_key
                    ),
                    "fix the Account's problem (see the reason), then run migrate again",
                )?;
                run.ctx.progress.advance(KIND, 1);
                continue;
            }
        };
        let mut record = contact.record.clone();
        record.insert("AccountId".into(), json!(account));
        let label = format!("Contact for Stames customer {}", c.id);
        match validate(&describe, &mut record, &label) {
            Ok(repairs) => {
                for r in repairs {
                    run.notes.add(
                        Category::Repair,
                        KIND,
                        &c.id,
                        format!("{}: {}", r.field, r.detail),
                    );
                }
            }
            Err(reject) => {
                run.reject(
                    KIND,
                    &c.id,
                    reject.field.as_deref().unwrap_or("(record)"),
                    format!("{}: {}", reject.record, reject.reason),
                    &reject.action,
                )?;
                run.ctx.progress.advance(KIND, 1);
                continue;
            }
        }
        let key = record
            .get(schema::CUSTOMER_ID)
            .and_then(|v| v.as_str())
            .unwrap_or(&c.id)
            .to_string();
        items.push(Item {
            source_id: c.id.clone(),
            hash: content_hash(c),
            key,
            record,
            parent: account,
        });
    }
    let target = Target {
        kind: KIND,
        object: schema::CONTACT,
        key_field: schema::CUSTOMER_ID,
        op: Op::Insert,
        route,
    };
    for (source_id, written) in batch::write(run, &target, items).await? {
        run.tally(KIND, &source_id, &written)?;
        run.ctx.progress.advance(KIND, 1);
    }
    Ok(())
}

/// The chunk's Accounts: key → id, or why it is not in Salesforce.
async fn accounts(
    run: &Run<'_>,
    org: &Org,
    route: Route,
    planned: &[(Customer, CustomerPlan)],
) -> Result<HashMap<String, Result<String, String>>, DestinationError> {
    let describe = org.describe(schema::ACCOUNT);
    let mut known: HashMap<String, Result<String, String>> = HashMap::new();
    let mut items = Vec::new();
    for (c, plan) in planned {
        let key = &plan.account.key;
        if known.contains_key(key) {
            continue;
        }
        let source_id = account_source_id(key);
        if let Some(id) = run.done_dest_id(KIND, &source_id)? {
            known.insert(key.clone(), Ok(id));
            continue;
        }
        let mut record = plan.account.record.clone();
        let label = format!("Account {key} (Stames customer {})", c.id);
        if let Err(reject) = validate(&describe, &mut record, &label) {
            known.insert(key.clone(), Err(reject.to_string()));
            continue;
        }
        known.insert(key.clone(), Err("not written yet".into()));
        items.push(Item {
            source_id,
            hash: content_hash(&record),
            key: key.clone(),
            record,
            parent: String::new(),
        });
    }
    let target = Target {
        kind: KIND,
        object: schema::ACCOUNT,
        key_field: schema::ACCOUNT_KEY,
        op: Op::Insert,
        route,
    };
    for (source_id, written) in batch::write(run, &target, items).await? {
        let key = source_id.trim_start_matches("account:").to_string();
        let result = match written {
            Written::Rejected(reason) => Err(format!("Salesforce refused it: {reason}")),
            other => other
                .dest_id()
                .map(String::from)
                .ok_or_else(|| "no id".to_string()),
        };
        known.insert(key, result);
    }
    Ok(known)
}
