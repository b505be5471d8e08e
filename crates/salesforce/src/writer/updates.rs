//! `delta`: Cases, Contacts and custom-object records already in Salesforce
//! brought up to date with the source.
//!
//! The record is mapped exactly as `migrate` maps it; the fields the org
//! lets an update change (describe's `updateable`: never the audit fields
//! or the external id) are read first — their values are the before-image
//! the journal keeps ([`Journal::update_once`]) — and written with one
//! `PATCH`. Rollback puts an image back with [`restore`]. New messages,
//! notes, files and status events of a Case are inserted by their own
//! writers, which skip what is in Salesforce already.
//!
//! An image is `{"object": "Case", "fields": {…}}`.

use super::{journal_error, Run};
use crate::client::{ApiError, SalesforceClient};
use crate::map::Record;
use crate::prepare::Org;
use deskshift_core::destination::DestinationError;
use deskshift_core::engine::WriteError;
use deskshift_core::model::ObjectKind;
use serde_json::{json, Map, Value};

/// One record to bring up to date.
pub struct Change<'a> {
    pub kind: ObjectKind,
    pub source_id: &'a str,
    pub object: &'a str,
    /// Its content hash, as the writer journals it.
    pub hash: String,
    /// The record as the map wants it (the insert body).
    pub record: &'a Record,
}

/// Writes the updatable part of `change.record` to `dest`; counts the record.
pub async fn apply(
    run: &Run<'_>,
    org: &Org,
    dest: &str,
    change: Change<'_>,
) -> Result<(), DestinationError> {
    let fields = org.updatable_part(change.object, change.record);
    let client = run.client;
    let object = change.object;
    let changed = run
        .ctx
        .journal
        .update_once(
            change.kind,
            change.source_id,
            &change.hash,
            |_| read(client, object, dest, fields.keys()),
            |_| async {
                client
                    .update(object, dest, &Value::Object(fields.clone()))
                    .await
                    .map_err(ApiError::into_write_error)
            },
        )
        .await
        .map_err(journal_error)?;
    run.tally_change(change.kind, change.source_id, &changed)
}

/// The current values of `fields` of record `id`: the image a change
/// overwrites.
pub async fn read<'f>(
    client: &SalesforceClient,
    object: &str,
    id: &str,
    fields: impl Iterator<Item = &'f String>,
) -> Result<Value, WriteError> {
    let names: Vec<&str> = fields.map(String::as_str).collect();
    let found = client
        .get(object, id, &names)
        .await
        .map_err(ApiError::into_write_error)?
        .ok_or_else(|| {
            WriteError::Refused(format!("{object} {id} is not in Salesforce any more"))
        })?;
    let values: Map<String, Value> = names
        .iter()
        .map(|name| {
            let value = found
                .as_object()
                .and_then(|o| o.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)))
                .map(|(_, v)| v.clone())
                .unwrap_or(Value::Null);
            (name.to_string(), value)
        })
        .collect();
    Ok(json!({ "object": object, "id": id, "fields": values }))
}

/// Puts an image back: one `PATCH` of the fields it holds.
pub async fn restore(client: &SalesforceClient, image: &Value) -> Result<(), ApiError> {
    let object = image["object"].as_str().unwrap_or_default();
    let id = image["id"].as_str().unwrap_or_default();
    client.update(object, id, &image["fields"]).await
}
