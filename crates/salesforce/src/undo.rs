//! Rollback's primitives for Salesforce: how each kind of record deskshift
//! wrote is taken back (reference §2, §3, §5):
//!
//! | kind | remove | restore |
//! |---|---|---|
//! | Cases, Contacts, Accounts, EmailMessages, CaseComments, status events, custom-object records | deleted by id: sObject Collections (200 per call), or one Bulk API 2.0 `delete` job per object from [`crate::SalesforceConfig::bulk_threshold`] records on; Contacts before Accounts | the fields delta changed, one `PATCH` ([`crate::writer::updates::restore`]) |
//! | files | their ContentDocument deleted (a Case's deletion leaves a file in place) | — |
//! | custom fields, custom objects | Tooling `DELETE` (with their data and permissions) | standard value sets: the value list as it was |
//! | tags | a value of `Stames_Tags__c`: goes with that field | — |
//!
//! A record already in the Recycle Bin (cascaded with its parent, or a
//! rollback repeated) answers `Gone`. Users are never created, so only
//! released (by the core). [`changed_after`] asks SOQL for Cases, Contacts
//! and Accounts modified after deskshift's last write.

use crate::client::bulk::{BulkIngest, BulkOperation, BulkOutcome};
use crate::client::soql::quote;
use crate::client::{ApiError, SalesforceClient};
use crate::map::schema;
use crate::prepare::own_source_id;
use crate::writer::api_failure;
use crate::writer::batch::Route;
use crate::writer::updates;
use crate::SalesforceConfig;
use deskshift_core::destination::{
    DestinationError, Touched, UndoAction, UndoContext, UndoStep, Undone,
};
use deskshift_core::model::{ObjectKind, Timestamp};
use futures::TryStreamExt;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

/// Object API names by record-id prefix (`500` → `Case`), from the global
/// describe.
pub async fn prefixes(
    client: &SalesforceClient,
) -> Result<HashMap<String, String>, DestinationError> {
    Ok(client
        .global_describe()
        .await
        .map_err(|e| api_failure("list the org's objects", e))?
        .into_iter()
        .filter_map(|o| Some((o.key_prefix?, o.name)))
        .collect())
}

/// Undoes `steps`, all of `kind`; one answer per step.
pub async fn undo(
    client: &SalesforceClient,
    config: &SalesforceConfig,
    ctx: &UndoContext<'_>,
    kind: ObjectKind,
    steps: &[UndoStep],
) -> Result<Vec<Undone>, DestinationError> {
    let mut answers: Vec<Option<Undone>> = vec![None; steps.len()];
    let mut removals: Vec<usize> = Vec::new();
    for (at, step) in steps.iter().enumerate() {
        let answer = match (kind, &step.action) {
            (_, UndoAction::Remove) if deleted_by_id(kind) => {
                removals.push(at);
                continue;
            }
            (ObjectKind::Attachments, UndoAction::Remove) => {
                removals.push(at);
                continue;
            }
            (ObjectKind::CustomFields, UndoAction::Remove) => {
                remove_field(client, &step.dest_id).await?
            }
            (ObjectKind::CustomFields, UndoAction::Restore(image)) => {
                restore_schema(client, &step.dest_id, image).await?
            }
            (ObjectKind::CustomObjects, UndoAction::Remove) => {
                remove_object(client, &step.dest_id).await?
            }
            (ObjectKind::Tags, UndoAction::Remove) => tag_value(ctx, step)?,
            (_, UndoAction::Restore(image)) if deleted_by_id(kind) => {
                match updates::restore(client, image).await {
                    Ok(()) => Undone::Done("restored".into()),
                    Err(e) if e.is_gone() => Undone::Gone,
                    Err(e) => refusal_or_failure(kind, &step.dest_id, e)?,
                }
            }
            (_, _) => Undone::Refused(format!(
                "deskshift does not create or change {kind} in Salesforce, so there is nothing \
                 to undo"
            )),
        };
        answers[at] = Some(answer);
    }
    if !removals.is_empty() {
        let ids: Vec<String> = removals
            .iter()
            .map(|&at| steps[at].dest_id.clone())
            .collect();
        let removed = if kind == ObjectKind::Attachments {
            remove_files(client, &ids).await?
        } else {
            remove_records(client, config, &ids).await?
        };
        for (at, answer) in removals.into_iter().zip(removed) {
            answers[at] = Some(answer);
        }
    }
    Ok(answers
        .into_iter()
        .map(|a| a.unwrap_or_else(|| Undone::Refused("no answer".into())))
        .collect())
}

/// Kinds whose records are deleted by id.
fn deleted_by_id(kind: ObjectKind) -> bool {
    matches!(
        kind,
        ObjectKind::Tickets
            | ObjectKind::Customers
            | ObjectKind::Messages
            | ObjectKind::StatusEvents
            | ObjectKind::CustomObjectRecords
    )
}

fn refusal_or_failure(
    kind: ObjectKind,
    dest: &str,
    error: ApiError,
) -> Result<Undone, DestinationError> {
    match error {
        ApiError::Refused { .. } | ApiError::NotFound { .. } | ApiError::Ambiguous { .. } => Ok(
            Undone::Refused(format!("Salesforce would not undo {kind} {dest}: {error}")),
        ),
        other => Err(api_failure(&format!("undo {kind} {dest}"), other)),
    }
}

/// Deletes records by id, grouped by object (children's objects first, as
/// the ids came; Contacts before Accounts), each group through sObject
/// Collections or, from the Bulk threshold on, one Bulk API 2.0 job.
async fn remove_records(
    client: &SalesforceClient,
    config: &SalesforceConfig,
    ids: &[String],
) -> Result<Vec<Undone>, DestinationError> {
    let objects = prefixes(client).await?;
    let groups = by_object(&objects, ids);
    let mut answers: Vec<Option<Undone>> = vec![None; ids.len()];
    for ((_, object), members) in groups {
        let group: Vec<&str> = members.iter().map(|&at| ids[at].as_str()).collect();
        let results = if object.is_empty() {
            unknown_ids(&group)
        } else {
            match Route::for_volume(group.len(), config.bulk_threshold) {
                Route::Collections => delete_collections(client, &group).await?,
                Route::Bulk => delete_bulk(client, config, &object, &group).await?,
            }
        };
        for (at, answer) in members.into_iter().zip(results) {
            answers[at] = Some(answer);
        }
    }
    Ok(answers
        .into_iter()
        .map(|a| a.unwrap_or(Undone::Gone))
        .collect())
}

/// Positions of `ids` per (rank, object): Accounts rank after the rest, so
/// Contacts go before the Accounts they are on.
fn by_object(
    objects: &HashMap<String, String>,
    ids: &[String],
) -> BTreeMap<(u8, String), Vec<usize>> {
    let mut groups: BTreeMap<(u8, String), Vec<usize>> = BTreeMap::new();
    for (at, id) in ids.iter().enumerate() {
        let object = objects
            .get(id.get(..3).unwrap_or_default())
            .cloned()
            .unwrap_or_default();
        let rank = u8::from(object == schema::ACCOUNT);
        groups.entry((rank, object)).or_default().push(at);
    }
    groups
}

fn unknown_ids(ids: &[&str]) -> Vec<Undone> {
    ids.iter()
        .map(|id| {
            Undone::Refused(format!(
                "{id} is not an id of any object in this org; delete it by hand"
            ))
        })
        .collect()
}

/// One Bulk delete row: `Id`.
fn id_row(id: &str) -> Map<String, Value> {
    let mut row = Map::new();
    row.insert("Id".into(), json!(id));
    row
}

async fn delete_collections(
    client: &SalesforceClient,
    ids: &[&str],
) -> Result<Vec<Undone>, DestinationError> {
    let mut answers = Vec::with_capacity(ids.len());
    for (id, result) in ids.iter().zip(client.delete_many(ids).await) {
        answers.push(match result {
            Ok(_) => Undone::Done("deleted".into()),
            Err(e) if e.is_gone() => Undone::Gone,
            Err(e) => refusal_or_failure(ObjectKind::Tickets, id, e)?,
        });
    }
    Ok(answers)
}

async fn delete_bulk(
    client: &SalesforceClient,
    config: &SalesforceConfig,
    object: &str,
    ids: &[&str],
) -> Result<Vec<Undone>, DestinationError> {
    let mut ingest = BulkIngest::new(object, BulkOperation::Delete, vec!["Id".into()], "Id")
        .map_err(|e| api_failure(&format!("start a Bulk delete of {object}"), e))?;
    ingest.poll_min = config.bulk_poll;
    ingest.poll_max = Duration::from_secs(10).max(config.bulk_poll);
    let rows: Vec<Map<String, Value>> = ids.iter().map(|id| id_row(id)).collect();
    let mut results: HashMap<String, BulkOutcome> = HashMap::new();
    ingest
        .run(client, rows, |r| {
            results.insert(r.key, r.outcome);
        })
        .await
        .map_err(|e| api_failure(&format!("delete {object} records in bulk"), e))?;
    let mut answers = Vec::with_capacity(ids.len());
    for id in ids {
        answers.push(match results.remove(*id) {
            Some(BulkOutcome::Saved { .. }) => Undone::Done("deleted (Bulk API)".into()),
            Some(BulkOutcome::Failed(e)) if e.is_gone() => Undone::Gone,
            Some(BulkOutcome::Failed(e)) => {
                Undone::Refused(format!("Salesforce would not delete {object} {id}: {e}"))
            }
            // Not processed or in no result file: the rollback is run again.
            _ => {
                return Err(DestinationError::Unavailable(format!(
                    "the Bulk delete of {object} left {id} unprocessed; run rollback again"
                )))
            }
        });
    }
    Ok(answers)
}

/// Files: a ContentVersion's ContentDocument is deleted (with every version
/// and link).
async fn remove_files(
    client: &SalesforceClient,
    versions: &[String],
) -> Result<Vec<Undone>, DestinationError> {
    let prefix = "SELECT Id, ContentDocumentId FROM ContentVersion WHERE ";
    let mut documents: HashMap<String, String> = HashMap::new();
    let rows = client
        .query_in(prefix, "Id", versions.iter().map(String::as_str))
        .await
        .map_err(|e| api_failure("find the files' documents", e))?;
    for row in rows {
        if let (Some(id), Some(doc)) = (
            row.get("Id").and_then(Value::as_str),
            row.get("ContentDocumentId").and_then(Value::as_str),
        ) {
            documents.insert(id.to_string(), doc.to_string());
        }
    }
    let mut answers = Vec::with_capacity(versions.len());
    let present: Vec<&str> = versions
        .iter()
        .filter_map(|v| documents.get(v).map(String::as_str))
        .collect();
    let mut deleted = delete_collections(client, &present).await?.into_iter();
    for version in versions {
        answers.push(match documents.get(version) {
            None => Undone::Gone,
            Some(_) => deleted.next().unwrap_or(Undone::Gone),
        });
    }
    Ok(answers)
}

/// A custom field's Tooling id: the ledger holds it, or (for a field found
/// as it was) its full name, `Case.Stames_Channel_Source__c`.
pub async fn field_id(client: &SalesforceClient, dest: &str) -> Result<Option<String>, ApiError> {
    match dest.split_once('.') {
        Some((object, field)) => client.custom_field_id(object, field).await,
        None => Ok(Some(dest.to_string())),
    }
}

async fn remove_field(client: &SalesforceClient, dest: &str) -> Result<Undone, DestinationError> {
    let failed = |e| api_failure(&format!("remove the custom field {dest}"), e);
    let Some(id) = field_id(client, dest).await.map_err(failed)? else {
        return Ok(Undone::Gone);
    };
    match client.delete_tooling("CustomField", &id).await {
        Ok(true) => Ok(Undone::Done("deleted with its values".into())),
        Ok(false) => Ok(Undone::Gone),
        Err(e) => refusal_or_failure(ObjectKind::CustomFields, dest, e),
    }
}

async fn remove_object(
    client: &SalesforceClient,
    api_name: &str,
) -> Result<Undone, DestinationError> {
    let soql = format!(
        "SELECT Id FROM CustomObject WHERE DeveloperName = {}",
        quote(api_name.trim_end_matches("__c"))
    );
    let rows: Vec<Value> = client
        .tooling_query(&soql)
        .try_collect()
        .await
        .map_err(|e| api_failure(&format!("find the custom object {api_name}"), e))?;
    let Some(id) = rows
        .first()
        .and_then(|r| r.get("Id"))
        .and_then(Value::as_str)
    else {
        return Ok(Undone::Gone);
    };
    match client.delete_tooling("CustomObject", id).await {
        Ok(true) => Ok(Undone::Done("deleted with its records".into())),
        Ok(false) => Ok(Undone::Gone),
        Err(e) => refusal_or_failure(ObjectKind::CustomObjects, api_name, e),
    }
}

/// A schema element deskshift changed gets its metadata back: a standard
/// value set its value list, a custom field (whose picklist was extended)
/// its whole metadata.
async fn restore_schema(
    client: &SalesforceClient,
    dest: &str,
    image: &Value,
) -> Result<Undone, DestinationError> {
    let Some(metadata) = image.get("metadata") else {
        return Ok(Undone::Refused(
            "the journaled image holds no metadata to put back".into(),
        ));
    };
    let restored = if image.get("field").is_some() {
        let failed = |e| api_failure(&format!("find the custom field {dest}"), e);
        let Some(id) = field_id(client, dest).await.map_err(failed)? else {
            return Ok(Undone::Gone);
        };
        client.update_custom_field(&id, metadata).await
    } else {
        client.put_standard_value_set(dest, metadata).await
    };
    match restored {
        Ok(()) => Ok(Undone::Done("its metadata is as it was".into())),
        Err(e) if e.is_not_found() => Ok(Undone::Gone),
        Err(e) => refusal_or_failure(ObjectKind::CustomFields, dest, e),
    }
}

/// A tag is a value of deskshift's tags field: it goes when that field does.
fn tag_value(ctx: &UndoContext<'_>, step: &UndoStep) -> Result<Undone, DestinationError> {
    let field = format!("{}.{}", schema::CASE, schema::TAGS);
    let entry = ctx
        .load
        .journal
        .with(|l| l.mapping(ObjectKind::CustomFields, &own_source_id(&field)))?;
    let removed = entry
        .and_then(|e| e.dest_id)
        .is_some_and(|dest| ctx.plan.removes(ObjectKind::CustomFields, &dest));
    Ok(if removed {
        Undone::Done(format!("a value of {field}, removed with that field"))
    } else {
        Undone::Refused(format!(
            "{} is a value of {field}, which this rollback keeps; remove the value in Setup → \
             Object Manager → Case → {} if it must go",
            step.dest_id,
            schema::TAGS
        ))
    })
}

/// A Salesforce datetime (`2024-03-05T14:22:11.000+0000`).
fn parse_datetime(text: &str) -> Option<Timestamp> {
    chrono::DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%z")
        .or_else(|_| chrono::DateTime::parse_from_rfc3339(text))
        .ok()
        .map(|t| t.with_timezone(&chrono::Utc))
}

/// Cases (tickets), Contacts and Accounts (customers) whose
/// `LastModifiedDate` is later than `after`.
pub async fn changed_after(
    client: &SalesforceClient,
    kind: ObjectKind,
    after: Timestamp,
) -> Result<Vec<Touched>, DestinationError> {
    let objects: &[&str] = match kind {
        ObjectKind::Tickets => &[schema::CASE],
        ObjectKind::Customers => &[schema::CONTACT, schema::ACCOUNT],
        _ => &[],
    };
    // SOQL literals carry whole seconds: ask from the second `after` falls
    // in, and keep what was modified after it to the millisecond the
    // answer gives.
    let literal = after.format("%Y-%m-%dT%H:%M:%SZ");
    let mut touched = Vec::new();
    for object in objects {
        let soql = format!(
            "SELECT Id, LastModifiedDate, LastModifiedById FROM {object} \
             WHERE LastModifiedDate >= {literal}"
        );
        let rows: Vec<Value> = client
            .query(&soql)
            .try_collect()
            .await
            .map_err(|e| api_failure(&format!("list recently modified {object}s"), e))?;
        for row in rows {
            let text = |f: &str| row.get(f).and_then(Value::as_str).unwrap_or_default();
            let modified_at = parse_datetime(text("LastModifiedDate"));
            if modified_at.is_some_and(|at| at <= after) {
                continue;
            }
            touched.push(Touched {
                kind,
                dest_id: text("Id").to_string(),
                detail: format!(
                    "{object} modified at {} by user {}",
                    text("LastModifiedDate"),
                    text("LastModifiedById")
                ),
                modified_at,
            });
        }
    }
    Ok(touched)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn salesforce_datetimes_read_to_the_millisecond() {
        let at = parse_datetime("2024-03-05T14:22:11.250+0000").unwrap();
        assert_eq!(at.timestamp_subsec_millis(), 250);
        assert_eq!(
            parse_datetime("2024-03-05T14:22:11Z").unwrap().timestamp(),
            at.timestamp()
        );
        assert_eq!(parse_datetime("yesterday"), None);
    }
}
