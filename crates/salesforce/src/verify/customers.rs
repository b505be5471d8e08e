//! Customers: each migrated Contact, and the Account it must belong to,
//! read back in chunks and compared with the map.

use super::{fields_of, select_in, Check, Verdicts};
use crate::map::customer;
use crate::map::schema;
use crate::map::Record;
use crate::prepare::Org;
use crate::writer::customers::account_source_id;
use crate::writer::Run;
use deskshift_core::destination::DestinationError;
use deskshift_core::model::{Customer, ObjectKind};
use futures::TryStreamExt;
use serde_json::json;

const KIND: ObjectKind = ObjectKind::Customers;

pub async fn customers(
    run: &Run<'_>,
    org: &Org,
    verdicts: &mut Verdicts,
) -> Result<(), DestinationError> {
    let mut all = run.records(run.ctx.source.customers(None));
    let mut chunk = Vec::new();
    while let Some(c) = all.try_next().await? {
        chunk.push(c);
        if chunk.len() >= 200 {
            check_chunk(run, org, verdicts, std::mem::take(&mut chunk)).await?;
        }
    }
    check_chunk(run, org, verdicts, chunk).await
}

async fn check_chunk(
    run: &Run<'_>,
    org: &Org,
    verdicts: &mut Verdicts,
    chunk: Vec<Customer>,
) -> Result<(), DestinationError> {
    // (customer id, Contact id, expected Contact, expected Account)
    let mut expected: Vec<(String, String, Record, Record)> = Vec::new();
    for c in &chunk {
        let Some(contact_id) = run.done_dest_id(KIND, &c.id)? else {
            continue;
        };
        // A customer matched to a record that was there before is the
        // org's, not the map's: only its existence is checked.
        let plan = customer::plan(c, &org.plan, &org.caps, run.ctx.map);
        let Some(contact) = plan.contact else {
            continue;
        };
        let mut record = contact.record;
        let account = run.done_dest_id(KIND, &account_source_id(&contact.account_key))?;
        record.insert("AccountId".into(), json!(account));
        expected.push((c.id.clone(), contact_id, record, plan.account.record));
    }
    if expected.is_empty() {
        return Ok(());
    }
    let fields = fields_of(expected.iter().map(|(_, _, r, _)| r));
    let ids: Vec<String> = expected.iter().map(|(_, id, _, _)| id.clone()).collect();
    let contacts = select_in(run, schema::CONTACT, &fields, "Id", &ids).await?;
    let account_ids: Vec<String> = expected
        .iter()
        .filter_map(|(_, _, r, _)| {
            r.get("AccountId")
                .and_then(|v| v.as_str())
                .map(String::from)
        })
        .collect();
    let account_fields = fields_of(expected.iter().map(|(_, _, _, a)| a));
    let accounts = select_in(run, schema::ACCOUNT, &account_fields, "Id", &account_ids).await?;
    for (source_id, contact_id, record, account) in &expected {
        let mut check = Check::new(KIND, source_id, Some(contact_id));
        let row = contacts
            .iter()
            .find(|r| r.get("Id").and_then(|v| v.as_str()) == Some(contact_id.as_str()));
        match row {
            Some(row) => check.record(schema::CONTACT, record, row),
            None => check.differ("Contact.Id", contact_id.clone(), "(not found)"),
        }
        let account_id = record.get("AccountId").and_then(|v| v.as_str());
        match accounts
            .iter()
            .find(|r| r.get("Id").and_then(|v| v.as_str()) == account_id)
        {
            Some(row) => {
                // Shared company Accounts keep the first customer's values.
                let mut keyed = Record::new();
                let individual = account
                    .get(schema::ACCOUNT_KEY)
                    .and_then(|v| v.as_str())
                    .is_some_and(|k| k.starts_with("customer:"));
                let fields: &[&str] = if individual {
                    &[schema::ACCOUNT_KEY, "Name"]
                } else {
                    &[schema::ACCOUNT_KEY]
                };
                for field in fields.iter().copied() {
                    if let Some(v) = account.get(field) {
                        keyed.insert(field.into(), v.clone());
                    }
                }
                check.record(schema::ACCOUNT, &keyed, row)
            }
            None => check.differ(
                "Contact.AccountId",
                account_id.unwrap_or("(an Account)").to_string(),
                "(no such Account)",
            ),
        }
        verdicts.record(KIND, check.problems);
    }
    Ok(())
}
