//! Custom-object records → the sidebar data of the customers they link to,
//! under `stames_objects.<object>.<id>`. Gorgias has no custom objects; this
//! keeps every value visible next to the customer (lossy: not queryable;
//! `docs/deviations.md`).
//!
//! Most records travel *inside* their customer's create (see
//! [`super::spill`] and [`super::customers`]), those of a customer merged
//! into another one (same e-mail) inside that one's create: no call of
//! their own. This module writes the rest after the customers: records of
//! customers done in an earlier run, or merged into a customer done in an
//! earlier run. A data PUT replaces the
//! customer's whole data, so each such write reads the customer first (also
//! the before-image rollback restores), adds the records and writes once
//! per customer. Customers that existed in Gorgias before the migration are
//! left untouched: their records are skipped with the reason. A record
//! linked to several customers is kept on the first one written.

use super::spill::RecordIndex;
use super::users::api_failure;
use super::Run;
use crate::client::wire::Id;
use crate::map::customer::OBJECTS_KEY;
use deskshift_core::destination::{DestinationError, DELTA};
use deskshift_core::engine::Written;
use deskshift_core::ledger::{content_hash, IdMapState, Intent, Outcome};
use deskshift_core::model::{CustomObjectRecord, ObjectKind};
use serde_json::{json, Map, Value};

const KIND: ObjectKind = ObjectKind::CustomObjectRecords;

/// The meta key remembering that Stames customer `id` was merged into
/// another Stames customer's Gorgias customer (see the customers writer).
pub fn merged_key(id: &str) -> String {
    format!("gorgias.customer_merged_into.{id}")
}

/// Whether a record is done; tallies it (and marks it in the index) if so.
pub fn done(
    run: &Run<'_>,
    index: &RecordIndex,
    record: &CustomObjectRecord,
) -> Result<bool, DestinationError> {
    let Some(entry) = run.mapping(KIND, &record.id)? else {
        return Ok(false);
    };
    if !matches!(entry.state, IdMapState::Created | IdMapState::Updated) {
        return Ok(false);
    }
    if run.phase == DELTA && entry.content_hash.as_deref() != Some(&content_hash(record)) {
        // Changed in Stames since: written again into its customer's data.
        return Ok(false);
    }
    run.tally(
        KIND,
        &record.id,
        &Written::AlreadyDone(entry.dest_id.unwrap_or_default()),
    )?;
    index.account(&record.id)?;
    Ok(true)
}

/// Writes every record still open in the index.
pub async fn finish(run: &Run<'_>, index: &RecordIndex) -> Result<(), DestinationError> {
    run.ctx.progress.start(KIND, None);
    let mut after: Option<String> = None;
    while let Some(customer) = index.next_open_customer(after.as_deref())? {
        let mut open = Vec::new();
        for record in index.open_records_of(&customer)? {
            if !done(run, index, &record)? {
                open.push(record);
            }
        }
        if customer.is_empty() {
            for r in &open {
                run.skip(
                    KIND,
                    &r.id,
                    "links no customer; Gorgias keeps custom-object data on customers only",
                );
                index.account(&r.id)?;
            }
        } else if !open.is_empty() {
            match target(run, &customer)? {
                Ok(dest) => write_customer(run, dest, &open).await?,
                Err(reason) => {
                    for r in &open {
                        run.skip(KIND, &r.id, reason.clone());
                    }
                }
            }
            for r in &open {
                index.account(&r.id)?;
            }
        }
        run.ctx.progress.advance(KIND, open.len() as u64);
        after = Some(customer);
    }
    run.ctx.progress.finish(KIND);
    run.flush_notes()
}

/// The Gorgias customer deskshift created for Stames customer `id`, or why
/// its records cannot be written.
pub fn target(run: &Run<'_>, id: &str) -> Result<Result<Id, String>, DestinationError> {
    let Some(entry) = run.mapping(ObjectKind::Customers, id)? else {
        return Ok(Err(format!("customer {id} is not in Gorgias")));
    };
    let dest = entry.dest_id.as_deref().and_then(|d| d.parse().ok());
    match (entry.state, dest) {
        (IdMapState::Created, Some(dest)) => Ok(Ok(dest)),
        (IdMapState::Matched, Some(_)) => {
            let merged = run.ctx.journal.with(|l| l.meta(&merged_key(id)))?;
            match merged {
                Some(first) => target(run, &first),
                None => Ok(Err(format!(
                    "customer {id} existed in Gorgias before the migration and is left untouched"
                ))),
            }
        }
        _ => Ok(Err(format!("customer {id} is not in Gorgias"))),
    }
}

/// Adds `records` to one customer's data: read, merge, write, journaled
/// as updates (the before-image is the data as read).
async fn write_customer(
    run: &Run<'_>,
    customer: Id,
    records: &[CustomObjectRecord],
) -> Result<(), DestinationError> {
    let client = run.client;
    let current = client
        .customer(customer)
        .await
        .map_err(|e| api_failure("read a Gorgias customer", e))?;
    let Some(current) = current else {
        for r in records {
            run.reject(
                KIND,
                &r.id,
                "customer_ids",
                format!("Gorgias customer {customer} no longer exists"),
                "run migrate again to recreate the customer",
            )?;
        }
        return Ok(());
    };
    let before = current.data.clone().unwrap_or(Value::Null);
    let refs: Vec<&CustomObjectRecord> = records.iter().collect();
    let after = with_records(&before, &refs);
    let journal = run.ctx.journal;
    for r in records {
        run.settle_pending(KIND, &r.id)?;
    }
    let intents: Vec<Intent> = records
        .iter()
        .map(|r| {
            Intent::update(
                KIND,
                r.id.clone(),
                customer.to_string(),
                content_hash(r),
                before.clone(),
            )
        })
        .collect();
    let ids = journal.with(|l| l.record_intents(journal.run(), &intents))?;
    let result = if after == before {
        Ok(())
    } else {
        client.put_customer_data(customer, &after).await
    };
    let outcome = |o: Outcome| ids.iter().map(|id| (*id, o.clone())).collect::<Vec<_>>();
    match result {
        Ok(()) => {
            journal.with(|l| {
                l.record_outcomes(&outcome(Outcome::Updated {
                    dest_id: customer.to_string(),
                }))
            })?;
            for r in records {
                run.tally(KIND, &r.id, &Written::Created(customer.to_string()))?;
            }
            Ok(())
        }
        Err(error) => {
            let reason = error.to_string();
            journal.with(|l| {
                l.record_outcomes(&outcome(Outcome::Failed {
                    reason: reason.clone(),
                }))
            })?;
            if matches!(error, crate::client::ApiError::Denied { .. }) {
                return Err(DestinationError::Auth(reason));
            }
            for r in records {
                run.reject(
                    KIND,
                    &r.id,
                    "(record)",
                    format!("writing customer {customer}'s data failed: {reason}"),
                    "run migrate again",
                )?;
            }
            Ok(())
        }
    }
}

/// `data` with `records` added under `stames_objects.<object>.<id>`.
pub fn with_records(data: &Value, records: &[&CustomObjectRecord]) -> Value {
    let mut data = match data {
        Value::Object(map) => map.clone(),
        _ => Map::new(),
    };
    let objects = data.entry(OBJECTS_KEY).or_insert_with(|| json!({}));
    if !objects.is_object() {
        *objects = json!({});
    }
    for r in records {
        if let Some(objects) = objects.as_object_mut() {
            let of_kind = objects
                .entry(r.object_key.clone())
                .or_insert_with(|| json!({}));
            if !of_kind.is_object() {
                *of_kind = json!({});
            }
            if let Some(of_kind) = of_kind.as_object_mut() {
                of_kind.insert(r.id.clone(), record_value(r));
            }
        }
    }
    Value::Object(data)
}

/// What one record looks like in customer data.
pub fn record_value(r: &CustomObjectRecord) -> Value {
    json!({
        "values": r.values,
        "ticket_ids": r.ticket_ids,
        "created_at": crate::map::time::format(r.created_at),
        "updated_at": crate::map::time::format(r.updated_at),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use deskshift_core::model::FieldValue;
    use std::collections::BTreeMap;

    fn record(id: &str) -> CustomObjectRecord {
        let mut values = BTreeMap::new();
        values.insert("serial_number".to_string(), FieldValue::Text("SN-1".into()));
        CustomObjectRecord {
            id: id.into(),
            object_key: "warranty".into(),
            values,
            ticket_ids: vec!["100".into()],
            customer_ids: vec!["c1".into()],
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn records_merge_into_existing_data_without_losing_it() {
        let data = json!({"stames": {"company": {"name": "Acme"}}});
        let (a, b) = (record("1"), record("2"));
        let merged = with_records(&data, &[&a, &b]);
        assert_eq!(merged["stames"]["company"]["name"], "Acme");
        assert_eq!(
            merged["stames_objects"]["warranty"]["1"]["values"]["serial_number"],
            "SN-1"
        );
        assert!(merged["stames_objects"]["warranty"]["2"].is_object());
        // Writing the same records again changes nothing.
        assert_eq!(with_records(&merged, &[&a]), merged);
        assert!(with_records(&Value::Null, &[&a])["stames_objects"].is_object());
    }
}
