//! A migrated record as Salesforce holds it now: the state a restore would
//! overwrite (its before-image), and a readable view for the
//! reconciliation report's spot checks.

use crate::client::soql::quote;
use crate::client::SalesforceClient;
use crate::map::schema;
use crate::undo::prefixes;
use crate::writer::{api_failure, updates};
use deskshift_core::destination::DestinationError;
use deskshift_core::model::ObjectKind;
use futures::TryStreamExt;
use serde_json::{json, Value};

/// Characters of a message body shown in a spot check.
pub const EXCERPT: usize = 280;

/// What a restore of the record `dest_id` would overwrite: every field an
/// update may change (a standard value set: its value list); `None` when
/// it is gone.
pub async fn state(
    client: &SalesforceClient,
    kind: ObjectKind,
    dest_id: &str,
) -> Result<Option<Value>, DestinationError> {
    if kind == ObjectKind::CustomFields && (dest_id.starts_with("00N") || dest_id.contains('.')) {
        let failed = |e| api_failure("read a custom field", e);
        let Some(id) = crate::undo::field_id(client, dest_id)
            .await
            .map_err(failed)?
        else {
            return Ok(None);
        };
        let metadata = client.custom_field_metadata(&id).await.map_err(failed)?;
        return Ok(Some(json!({"field": dest_id, "metadata": metadata})));
    }
    if kind == ObjectKind::CustomFields {
        let path = format!("/tooling/sobjects/StandardValueSet/{dest_id}");
        let found: Option<Value> = match client.get_json(&path, &[]).await {
            Ok(found) => Some(found),
            Err(e) if e.is_not_found() => None,
            Err(e) => return Err(api_failure("read a standard value set", e)),
        };
        return Ok(found
            .map(|v| json!({"value_set": v.get("MasterLabel"), "metadata": v.get("Metadata")})));
    }
    let objects = prefixes(client).await?;
    let Some(object) = objects.get(dest_id.get(..3).unwrap_or_default()) else {
        return Err(DestinationError::Other(format!(
            "{kind} {dest_id:?} is not an id of any object in this org"
        )));
    };
    let describe = client
        .describe(object)
        .await
        .map_err(|e| api_failure(&format!("describe {object}"), e))?;
    let fields: Vec<String> = describe
        .fields
        .iter()
        .filter(|f| f.updateable)
        .map(|f| f.name.clone())
        .collect();
    match updates::read(client, object, dest_id, fields.iter()).await {
        Ok(image) => Ok(Some(image)),
        Err(deskshift_core::engine::WriteError::Refused(_)) => Ok(None),
        Err(e) => Err(DestinationError::Unavailable(format!(
            "cannot read {object} {dest_id}: {e}"
        ))),
    }
}

/// A readable view of a Case with its e-mails and notes (or of any other
/// record: its state).
pub async fn record(
    client: &SalesforceClient,
    kind: ObjectKind,
    dest_id: &str,
) -> Result<Option<Value>, DestinationError> {
    if kind != ObjectKind::Tickets {
        return state(client, kind, dest_id).await;
    }
    let fields = [
        "Subject",
        "Status",
        "Priority",
        "Origin",
        "OwnerId",
        "ContactId",
        "CreatedDate",
        "ClosedDate",
        schema::TAGS,
    ];
    let Some(case) = client
        .get(schema::CASE, dest_id, &fields)
        .await
        .map_err(|e| api_failure("read a Case", e))?
    else {
        return Ok(None);
    };
    let id = quote(dest_id);
    let emails: Vec<Value> = client
        .query(&format!(
            "SELECT Id, MessageDate, FromAddress, Incoming, Subject, TextBody, HasAttachment \
             FROM EmailMessage WHERE ParentId = {id} ORDER BY MessageDate"
        ))
        .try_collect()
        .await
        .map_err(|e| api_failure("read a Case's e-mails", e))?;
    let comments: Vec<Value> = client
        .query(&format!(
            "SELECT Id, CreatedDate, CommentBody FROM CaseComment WHERE ParentId = {id}"
        ))
        .try_collect()
        .await
        .map_err(|e| api_failure("read a Case's comments", e))?;
    let excerpt = |v: Option<&Value>| -> String {
        v.and_then(Value::as_str)
            .unwrap_or_default()
            .chars()
            .take(EXCERPT)
            .collect()
    };
    let messages: Vec<Value> = emails
        .iter()
        .map(|m| {
            json!({
                "created": m.get("MessageDate"),
                "from": m.get("FromAddress"),
                "incoming": m.get("Incoming"),
                "attachments": m.get("HasAttachment"),
                "body": excerpt(m.get("TextBody")),
            })
        })
        .chain(comments.iter().map(|c| {
            json!({
                "created": c.get("CreatedDate"),
                "private_note": true,
                "body": excerpt(c.get("CommentBody")),
            })
        }))
        .collect();
    let mut view = case;
    if let Some(map) = view.as_object_mut() {
        map.remove("attributes");
        map.insert("messages".into(), Value::Array(messages));
    }
    Ok(Some(view))
}

/// Where a person opens a migrated record in the org: `{instance}/{id}`,
/// which Salesforce redirects to the record's page in Lightning or Classic.
/// Only plain record ids have one (not a custom field's `Object.Field`).
pub fn url(instance_url: &str, kind: ObjectKind, dest_id: &str) -> Option<String> {
    let plain =
        matches!(dest_id.len(), 15 | 18) && dest_id.chars().all(|c| c.is_ascii_alphanumeric());
    let record = !matches!(kind, ObjectKind::CustomFields | ObjectKind::CustomObjects);
    (plain && record).then(|| format!("{}/{dest_id}", instance_url.trim_end_matches('/')))
}
