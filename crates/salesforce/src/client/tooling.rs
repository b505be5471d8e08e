//! Schema changes for `prepare` (reference §5): custom fields and objects
//! through the Tooling API, values added to standard picklists, and
//! field-level security so the integration user can see the new fields.
//!
//! **Standard picklists** (Case Status, Origin, Priority, …) are not custom
//! fields: since API 38.0 their values are a `StandardValueSet` (named
//! `CaseStatus`, `CaseOrigin`, … — Metadata API "StandardValueSet Names and
//! Standard Picklist Fields"). The Tooling API exposes `StandardValueSet`
//! with Query, GET, POST and PATCH from API 39.0 (Tooling API reference,
//! "StandardValueSet"), so values are added by reading the set's `Metadata`,
//! appending the missing values, and PATCHing the whole `Metadata` back —
//! one REST round trip instead of a SOAP `updateMetadata` or a zip deploy.
//! Existing values keep their order and flags; new ones copy the key
//! spelling of the existing entries (`valueName` in Tooling JSON).
//!
//! **Field-level security**: a field created through the API is invisible to
//! every profile until granted. deskshift inserts `FieldPermissions` rows
//! (plain REST, not Tooling) on the permission set owned by the signed-in
//! user's profile, found with one SOQL query on `PermissionSetAssignment`.

use super::composite::MAX_COLLECTION;
use super::soql::{in_lists, quote, MAX_WHERE_CHARS};
use super::transport::Call;
use super::wire::{SaveResult, Saved};
use super::{sobjects::name, sobjects::segment, ApiError, SalesforceClient};
use deskshift_http::reqwest::Method;
use futures::TryStreamExt;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// A value to add to a standard picklist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPicklistValue {
    /// The API value, also used as label unless one is given.
    pub value: String,
    pub label: Option<String>,
    /// For `CaseStatus`: whether the status closes the Case.
    pub closed: Option<bool>,
}

impl NewPicklistValue {
    pub fn new(value: impl Into<String>) -> NewPicklistValue {
        NewPicklistValue {
            value: value.into(),
            label: None,
            closed: None,
        }
    }
}

impl SalesforceClient {
    /// `POST /tooling/sobjects/CustomField` with
    /// `{"FullName": "Case.Legacy_Id__c", "Metadata": {...}}`; the
    /// `Metadata` keys are the Metadata API's (`label`, `type`, `length`,
    /// `externalId`, `unique`, `valueSet`, …). Returns the field's id.
    pub async fn create_custom_field(
        &self,
        full_name: &str,
        metadata: &Value,
    ) -> Result<String, ApiError> {
        self.tooling_create("CustomField", full_name, metadata)
            .await
    }

    /// `POST /tooling/sobjects/CustomObject` with `{"FullName":
    /// "Stames_Status_Event__c", "Metadata": {label, pluralLabel, nameField,
    /// deploymentStatus, sharingModel}}`.
    pub async fn create_custom_object(
        &self,
        full_name: &str,
        metadata: &Value,
    ) -> Result<String, ApiError> {
        self.tooling_create("CustomObject", full_name, metadata)
            .await
    }

    async fn tooling_create(
        &self,
        kind: &str,
        full_name: &str,
        metadata: &Value,
    ) -> Result<String, ApiError> {
        let call = Call::new(Method::POST, format!("/tooling/sobjects/{}", name(kind)?))
            .json(&json!({"FullName": full_name, "Metadata": metadata}))?;
        let what = format!("{} (creating {kind} {full_name})", call.what());
        let saved = self
            .send_json::<SaveResult>(call)
            .await?
            .into_result(&what, true)?;
        Ok(saved.id)
    }

    /// Adds `values` missing from the standard value set `value_set`
    /// (`CaseStatus`, `CaseOrigin`, `CasePriority`, …); returns the values
    /// added (none when all were there, and then nothing is written).
    pub async fn add_standard_picklist_values(
        &self,
        value_set: &str,
        values: &[NewPicklistValue],
    ) -> Result<Vec<String>, ApiError> {
        let (id, mut metadata) = self.standard_value_set(value_set).await?;
        let added =
            merge_standard_values(&mut metadata, values).map_err(|detail| ApiError::Protocol {
                what: format!("the standard value set {value_set}"),
                detail,
            })?;
        if !added.is_empty() {
            self.put_standard_value_set(&id, &metadata).await?;
        }
        Ok(added)
    }

    /// The Tooling id and the `Metadata` (its values, in order, with their
    /// flags) of the standard value set `value_set`.
    pub async fn standard_value_set(&self, value_set: &str) -> Result<(String, Value), ApiError> {
        let soql = format!(
            "SELECT Id FROM StandardValueSet WHERE MasterLabel = {}",
            quote(name(value_set)?)
        );
        let found: Vec<Value> = self.tooling_query(&soql).try_collect().await?;
        let id = found
            .first()
            .and_then(|r| r.get("Id"))
            .and_then(Value::as_str)
            .ok_or_else(|| ApiError::NotFound {
                what: format!("standard value set {value_set}"),
                message: "see \"StandardValueSet Names and Standard Picklist Fields\"".into(),
            })?
            .to_string();
        let path = format!("/tooling/sobjects/StandardValueSet/{}", segment(&id));
        let current: Value = self.get_json(&path, &[]).await?;
        Ok((id, current.get("Metadata").cloned().unwrap_or(Value::Null)))
    }

    /// Replaces a standard value set's values with `metadata` (the whole
    /// list, Metadata API semantics): how values are added, and how a
    /// rollback puts the list back as it was.
    pub async fn put_standard_value_set(&self, id: &str, metadata: &Value) -> Result<(), ApiError> {
        let path = format!("/tooling/sobjects/StandardValueSet/{}", segment(id));
        self.send(Call::new(Method::PATCH, path).json(&json!({ "Metadata": metadata }))?)
            .await?;
        Ok(())
    }

    /// The Tooling id of the custom field `api_name` (`Legacy_Id__c`) of
    /// `object`, if it exists.
    pub async fn custom_field_id(
        &self,
        object: &str,
        api_name: &str,
    ) -> Result<Option<String>, ApiError> {
        // `TableEnumOrId` holds a standard object's name but a custom
        // object's Tooling id: a field on a custom object takes one query more.
        let table = if object.ends_with("__c") {
            let soql = format!(
                "SELECT Id FROM CustomObject WHERE DeveloperName = {}",
                quote(object.trim_end_matches("__c"))
            );
            match self.first_tooling_id(&soql).await? {
                Some(id) => id,
                None => return Ok(None),
            }
        } else {
            object.to_string()
        };
        let soql = format!(
            "SELECT Id FROM CustomField WHERE DeveloperName = {} AND TableEnumOrId = {}",
            quote(api_name.trim_end_matches("__c")),
            quote(&table)
        );
        self.first_tooling_id(&soql).await
    }

    /// The `Id` of the first row a Tooling query answers.
    async fn first_tooling_id(&self, soql: &str) -> Result<Option<String>, ApiError> {
        let rows: Vec<Value> = self.tooling_query(soql).try_collect().await?;
        Ok(rows
            .first()
            .and_then(|r| r.get("Id"))
            .and_then(Value::as_str)
            .map(String::from))
    }

    /// The `Metadata` of custom field `id` (Tooling id).
    pub async fn custom_field_metadata(&self, id: &str) -> Result<Value, ApiError> {
        let path = format!("/tooling/sobjects/CustomField/{}", segment(id));
        let found: Value = self.get_json(&path, &[]).await?;
        Ok(found.get("Metadata").cloned().unwrap_or(Value::Null))
    }

    /// `PATCH /tooling/sobjects/CustomField/{id}` with `{"Metadata": …}`:
    /// replaces a field's label and, for a picklist, its whole value list.
    pub async fn update_custom_field(&self, id: &str, metadata: &Value) -> Result<(), ApiError> {
        let path = format!("/tooling/sobjects/CustomField/{}", segment(id));
        self.send(Call::new(Method::PATCH, path).json(&json!({ "Metadata": metadata }))?)
            .await?;
        Ok(())
    }

    /// `DELETE /tooling/sobjects/{kind}/{id}` (a `CustomField` with its data
    /// and permissions, a `CustomObject` with its records); `false` when it
    /// was gone already.
    pub async fn delete_tooling(&self, kind: &str, id: &str) -> Result<bool, ApiError> {
        let path = format!("/tooling/sobjects/{}/{}", name(kind)?, segment(id));
        match self.send(Call::new(Method::DELETE, path)).await {
            Ok(_) => Ok(true),
            Err(e) if e.is_not_found() => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// The id of the permission set owned by the signed-in user's profile.
    pub async fn profile_permission_set(&self) -> Result<String, ApiError> {
        let user = self.user_id().await?;
        let soql = format!(
            "SELECT PermissionSetId FROM PermissionSetAssignment WHERE AssigneeId = {} \
             AND PermissionSet.IsOwnedByProfile = true LIMIT 1",
            quote(&user)
        );
        self.query_first(&soql)
            .await?
            .as_ref()
            .and_then(|r| r.get("PermissionSetId"))
            .and_then(Value::as_str)
            .map(String::from)
            .ok_or_else(|| ApiError::NotFound {
                what: format!("profile permission set of user {user}"),
                message: "no PermissionSetAssignment owned by a profile".into(),
            })
    }

    /// Grants read (and `edit`) on `fields` (`Case.Legacy_Id__c`) to the
    /// permission set `permission_set`: existing `FieldPermissions` rows are
    /// updated, missing ones inserted. One result per field, in order.
    /// Required fields cannot carry field permissions; Salesforce refuses
    /// those rows, which is harmless (they are always visible).
    pub async fn grant_field_permissions(
        &self,
        permission_set: &str,
        fields: &[&str],
        edit: bool,
    ) -> Result<Vec<Result<Saved, ApiError>>, ApiError> {
        let mut existing: HashMap<String, String> = HashMap::new();
        let prefix = format!(
            "SELECT Id, Field FROM FieldPermissions WHERE ParentId = {} AND ",
            quote(permission_set)
        );
        let budget = MAX_WHERE_CHARS.saturating_sub(prefix.len());
        for list in in_lists("Field", fields.iter().copied(), budget) {
            let rows: Vec<Value> = self.query(&format!("{prefix}{list}")).try_collect().await?;
            for row in rows {
                if let (Some(id), Some(field)) = (
                    row.get("Id").and_then(Value::as_str),
                    row.get("Field").and_then(Value::as_str),
                ) {
                    existing.insert(field.to_ascii_lowercase(), id.to_string());
                }
            }
        }
        let mut updates = Vec::new();
        let mut creates = Vec::new();
        for (i, field) in fields.iter().enumerate() {
            let grant = json!({"PermissionsRead": true, "PermissionsEdit": edit});
            let mut record: Map<String, Value> = grant.as_object().cloned().unwrap_or_default();
            match existing.get(&field.to_ascii_lowercase()) {
                Some(id) => {
                    record.insert("Id".into(), Value::from(id.clone()));
                    updates.push((i, Value::Object(record)));
                }
                None => {
                    let sobject = field.split('.').next().unwrap_or_default();
                    record.insert("ParentId".into(), Value::from(permission_set));
                    record.insert("SobjectType".into(), Value::from(sobject));
                    record.insert("Field".into(), Value::from(*field));
                    creates.push((i, Value::Object(record)));
                }
            }
        }
        let mut results: Vec<Option<Result<Saved, ApiError>>> = vec![None; fields.len()];
        for (rows, create) in [(updates, false), (creates, true)] {
            for chunk in rows.chunks(MAX_COLLECTION) {
                let records: Vec<Value> = chunk.iter().map(|(_, r)| r.clone()).collect();
                let saved = if create {
                    self.create_many("FieldPermissions", &records).await
                } else {
                    self.update_many("FieldPermissions", &records).await
                };
                for ((i, _), result) in chunk.iter().zip(saved) {
                    results[*i] = Some(result);
                }
            }
        }
        Ok(results
            .into_iter()
            .map(|r| {
                r.unwrap_or_else(|| {
                    Err(ApiError::Protocol {
                        what: "field permissions".into(),
                        detail: "a field got no result".into(),
                    })
                })
            })
            .collect())
    }
}

/// Appends the `values` missing from a StandardValueSet's `Metadata`
/// (`{"sorted": false, "standardValue": [{"valueName": "New", …}]}`);
/// returns the values added. Comparison ignores case, as Salesforce does.
pub fn merge_standard_values(
    metadata: &mut Value,
    values: &[NewPicklistValue],
) -> Result<Vec<String>, String> {
    let entries = metadata
        .get_mut("standardValue")
        .and_then(Value::as_array_mut)
        .ok_or("the value set's Metadata has no standardValue list")?;
    // Tooling JSON names a value `valueName`; Metadata API files `fullName`.
    let key = entries
        .iter()
        .find_map(|e| {
            ["valueName", "fullName"]
                .into_iter()
                .find(|k| e.get(*k).is_some())
        })
        .unwrap_or("valueName");
    let mut known: Vec<String> = entries
        .iter()
        .filter_map(|e| e.get(key).and_then(Value::as_str))
        .map(str::to_lowercase)
        .collect();
    let mut added = Vec::new();
    for value in values {
        if known.contains(&value.value.to_lowercase()) {
            continue;
        }
        let mut entry = Map::new();
        entry.insert(key.into(), Value::from(value.value.clone()));
        entry.insert(
            "label".into(),
            Value::from(value.label.clone().unwrap_or_else(|| value.value.clone())),
        );
        entry.insert("default".into(), Value::Bool(false));
        if let Some(closed) = value.closed {
            entry.insert("closed".into(), Value::Bool(closed));
        }
        entries.push(Value::Object(entry));
        known.push(value.value.to_lowercase());
        added.push(value.value.clone());
    }
    Ok(added)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_values_are_appended_once_in_the_existing_spelling() {
        let mut metadata = json!({"sorted": false, "standardValue": [
            {"valueName": "New", "label": "New", "default": true, "closed": false},
            {"valueName": "Closed", "label": "Closed", "default": false, "closed": true}
        ]});
        let added = merge_standard_values(
            &mut metadata,
            &[
                NewPicklistValue::new("new"),
                NewPicklistValue {
                    value: "Pending Customer".into(),
                    label: None,
                    closed: Some(false),
                },
                NewPicklistValue::new("Pending Customer"),
            ],
        )
        .unwrap();
        assert_eq!(added, vec!["Pending Customer"]);
        let values = metadata["standardValue"].as_array().unwrap();
        assert_eq!(values.len(), 3);
        assert_eq!(
            values[2],
            json!({"valueName": "Pending Customer", "label": "Pending Customer", "default": false, "closed": false})
        );
        // The first value keeps its default flag.
        assert_eq!(values[0]["default"], json!(true));

        let mut files = json!({"standardValue": [{"fullName": "Web"}]});
        merge_standard_values(&mut files, &[NewPicklistValue::new("Chat")]).unwrap();
        assert_eq!(files["standardValue"][1]["fullName"], json!("Chat"));
        assert!(merge_standard_values(&mut json!({}), &[]).is_err());
    }
}
