//! Customers and the custom-object records in their data, read back.

use super::{Check, Verdicts};
use crate::client::wire::{Customer as GCustomer, Id, NewCustomer};
use crate::map::customer::{self, CustomerFields};
use crate::writer::records::record_value;
use crate::writer::users::api_failure;
use crate::writer::Run;
use deskshift_core::destination::DestinationError;
use deskshift_core::ledger::IdMapState;
use deskshift_core::model::ObjectKind;
use deskshift_core::normalise::email_key;
use futures::TryStreamExt;
use serde_json::Value;

pub(super) async fn customers(
    run: &Run<'_>,
    fields: &CustomerFields,
    verdicts: &Verdicts,
) -> Result<(), DestinationError> {
    let mut customers = run.records(run.ctx.source.customers(None));
    while let Some(c) = customers.try_next().await? {
        let Some(entry) = run.mapping(ObjectKind::Customers, &c.id)? else {
            continue;
        };
        let Some(id) = entry.dest_id.as_deref().and_then(|d| d.parse::<Id>().ok()) else {
            continue;
        };
        if !matches!(entry.state, IdMapState::Created | IdMapState::Matched) {
            continue;
        }
        let found = run
            .client
            .customer(id)
            .await
            .map_err(|e| api_failure("read a Gorgias customer", e))?;
        let mut check = Check::new(ObjectKind::Customers, &c.id, id);
        match (found, entry.state) {
            (None, _) => check.differ("(record)", format!("customer {id}"), "missing".into()),
            // Matched customers are someone else's: they only have to exist.
            (Some(_), IdMapState::Matched) => {}
            (Some(found), _) => {
                compare_customer(&mut check, &customer::plan(&c, fields).body, &found)
            }
        }
        verdicts.record(ObjectKind::Customers, check.problems);
    }
    Ok(())
}

fn compare_customer(check: &mut Check<'_>, expected: &NewCustomer, found: &GCustomer) {
    check.eq(
        "external_id",
        Some(expected.external_id.as_str()),
        found.external_id.as_deref(),
    );
    check.eq("name", expected.name.as_deref(), found.name.as_deref());
    check.eq(
        "email",
        expected.email.as_deref().map(email_key),
        found.email.as_deref().map(email_key),
    );
    let channels = |list: Vec<(String, String)>| -> Vec<(String, String)> {
        let mut list = list;
        list.sort();
        list
    };
    check.eq(
        "channels",
        channels(
            expected
                .channels
                .iter()
                .map(|c| (c.channel_type.clone(), c.address.to_lowercase()))
                .collect(),
        ),
        channels(
            found
                .channels
                .iter()
                .map(|c| (c.channel_type.clone(), c.address.to_lowercase()))
                .collect(),
        ),
    );
    check.eq("note", expected.note.as_deref(), found.note.as_deref());
    let stames = |data: Option<&Value>| data.and_then(|d| d.get(customer::DATA_KEY)).cloned();
    check.eq(
        "data.stames",
        stames(expected.data.as_ref()),
        stames(found.data.as_ref()),
    );
}

pub(super) async fn records(run: &Run<'_>, verdicts: &Verdicts) -> Result<(), DestinationError> {
    let mut records = run.object_records(run.ctx.source.custom_object_records(None));
    let mut cache: Option<(Id, Value)> = None;
    while let Some(record) = records.try_next().await? {
        let Some(entry) = run.mapping(ObjectKind::CustomObjectRecords, &record.id)? else {
            continue;
        };
        let Some(customer) = entry.dest_id.as_deref().and_then(|d| d.parse::<Id>().ok()) else {
            continue;
        };
        if !matches!(entry.state, IdMapState::Created | IdMapState::Updated) {
            continue;
        }
        let data = match &cache {
            Some((id, data)) if *id == customer => data.clone(),
            _ => {
                let found = run
                    .client
                    .customer(customer)
                    .await
                    .map_err(|e| api_failure("read a Gorgias customer", e))?;
                let data = found.and_then(|c| c.data).unwrap_or(Value::Null);
                cache = Some((customer, data.clone()));
                data
            }
        };
        let mut check = Check::new(ObjectKind::CustomObjectRecords, &record.id, customer);
        let actual = data
            .get(customer::OBJECTS_KEY)
            .and_then(|o| o.get(&record.object_key))
            .and_then(|o| o.get(&record.id))
            .cloned();
        check.eq("data", Some(record_value(&record)), actual);
        verdicts.record(ObjectKind::CustomObjectRecords, check.problems);
    }
    Ok(())
}
