//! The Tooling API subset a schema preparation uses (Tooling API guide:
//! "CustomField", "CustomObject", "StandardValueSet", "ValidationRule",
//! "ApexTrigger", "query").
//!
//! - `POST /tooling/sobjects/CustomField` `{"FullName":"Case.X__c",
//!   "Metadata":{…}}` adds the field to the schema (and to `describe` once
//!   field-level security grants it); `PATCH …/CustomField/{id}` replaces
//!   picklist values and labels; `DELETE` removes the field and its data.
//! - `POST /tooling/sobjects/CustomObject` adds a custom object.
//! - Standard picklists (Case Status, Priority, Origin, Type, Reason) are
//!   extended with `PATCH /tooling/sobjects/StandardValueSet/{id}`
//!   `{"Metadata":{"standardValue":[{"fullName","label","default","closed"}],
//!   "sorted":false}}`: the value list is replaced by the one given, the
//!   Metadata API semantics of `StandardValueSet`. Find the id with
//!   `SELECT Id FROM StandardValueSet WHERE MasterLabel = 'CaseStatus'`.
//! - `GET /tooling/query?q=` over CustomField, CustomObject,
//!   StandardValueSet, ValidationRule and ApexTrigger.

use super::dispatch::{Call, Env, Outcome, Reply};
use super::query;
use crate::salesforce::errors::SfError;
use crate::salesforce::schema::{custom, describe, standard, Api, ObjectDef};
use crate::salesforce::state::{text, Record, State, UndoLog};
use axum::http::{Method, StatusCode};
use serde_json::{json, Map, Value};

pub fn dispatch(
    state: &mut State,
    env: &Env<'_>,
    call: &Call,
    rest: &[&str],
    _undo: &mut UndoLog,
) -> Outcome {
    let m = &call.method;
    match rest {
        ["query"] if m == Method::GET => query::run(state, env, call, Api::Tooling, false),
        ["query", locator] if m == Method::GET => query::more(state, call, locator),
        ["sobjects"] if m == Method::GET => {
            let objects: Vec<&ObjectDef> = state
                .schema
                .objects()
                .filter(|o| o.api == Api::Tooling)
                .collect();
            Ok(Reply::ok(describe::global(&objects, &call.version)))
        }
        ["sobjects", object, "describe"] if m == Method::GET => {
            let o = tooling_object(state, object)?;
            Ok(Reply::ok(describe::object(
                &state.schema,
                o,
                &call.version,
                &|_| true,
                Vec::new(),
                false,
            )))
        }
        ["sobjects", object] if m == Method::POST => create(state, env, call, object),
        ["sobjects", object, id] => {
            let object = tooling_object(state, object)?.name.clone();
            let id = crate::salesforce::ids::normalize(id).ok_or_else(SfError::not_found)?;
            let record = state
                .live(&object, &id)
                .cloned()
                .ok_or_else(SfError::not_found)?;
            match *m {
                Method::GET => Ok(Reply::ok(render(&object, &record, &call.version))),
                Method::PATCH => update(state, env, call, &object, record),
                Method::DELETE => delete(state, &object, record),
                _ => Err(SfError::not_found()),
            }
        }
        _ => Err(SfError::not_found()),
    }
}

fn tooling_object<'s>(state: &'s State, name: &str) -> Result<&'s ObjectDef, SfError> {
    state.schema.tooling(name).ok_or_else(SfError::not_found)
}

fn render(object: &str, record: &Record, version: &str) -> Value {
    let mut out = Map::new();
    let id = text(record, "Id").unwrap_or_default();
    out.insert(
        "attributes".into(),
        json!({"type": object, "url": format!("/services/data/{version}/tooling/sobjects/{object}/{id}")}),
    );
    for (k, v) in record {
        out.insert(k.clone(), v.clone());
    }
    Value::Object(out)
}

/// A Tooling record with the system fields.
fn new_record(state: &mut State, prefix: &str, now: &str, fields: Value) -> Record {
    let id = state.next_id(prefix);
    let mut record = Record::new();
    record.insert("Id".into(), json!(id));
    record.insert("IsDeleted".into(), json!(false));
    for key in ["CreatedDate", "LastModifiedDate", "SystemModstamp"] {
        record.insert(key.into(), json!(now));
    }
    for key in ["CreatedById", "LastModifiedById"] {
        record.insert(key.into(), json!(state.api_user_id));
    }
    if let Value::Object(map) = fields {
        record.extend(map);
    }
    record
}

fn metadata_body(call: &Call) -> Result<(String, Value), SfError> {
    let body = call.body()?;
    let full_name = body
        .get("FullName")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            SfError::bad(
                "REQUIRED_FIELD_MISSING",
                "Required fields are missing: [FullName]",
            )
            .with_fields(["FullName"])
        })?;
    let metadata = body
        .get("Metadata")
        .filter(|m| m.is_object())
        .ok_or_else(|| {
            SfError::bad(
                "REQUIRED_FIELD_MISSING",
                "Required fields are missing: [Metadata]",
            )
            .with_fields(["Metadata"])
        })?;
    Ok((full_name.to_string(), metadata.clone()))
}

fn create(state: &mut State, env: &Env<'_>, call: &Call, object: &str) -> Outcome {
    let object = tooling_object(state, object)?.name.clone();
    let (full_name, metadata) = metadata_body(call)?;
    let record = match object.as_str() {
        "CustomField" => {
            let (owner, field) = custom::field_from_metadata(&state.schema, &full_name, &metadata)?;
            let developer = field.name.trim_end_matches("__c").to_string();
            // TableEnumOrId: the name of a standard object, the id of a custom one.
            let table = state
                .live_records("CustomObject")
                .find(|r| text(r, "FullName") == Some(owner.as_str()))
                .and_then(|r| text(r, "Id"))
                .map(str::to_string)
                .unwrap_or_else(|| owner.clone());
            let full = format!("{owner}.{}", field.name);
            if let Some(o) = state.schema.get_mut(&owner) {
                o.fields.push(field);
            }
            new_record(
                state,
                "00N",
                &env.now,
                json!({"DeveloperName": developer, "TableEnumOrId": table, "FullName": full, "NamespacePrefix": null, "Metadata": metadata}),
            )
        }
        "CustomObject" => {
            let def = custom::object_from_metadata(&state.schema, &full_name, &metadata)?;
            let developer = def.name.trim_end_matches("__c").to_string();
            state.schema.insert(def);
            new_record(
                state,
                "01I",
                &env.now,
                json!({"DeveloperName": developer, "FullName": full_name, "NamespacePrefix": null, "Metadata": metadata}),
            )
        }
        other => {
            return Err(SfError::bad(
                "INVALID_TYPE_FOR_OPERATION",
                format!("entity type cannot be inserted by this emulator: {other}"),
            ))
        }
    };
    let id = text(&record, "Id").unwrap_or_default().to_string();
    let mut undo = UndoLog::new();
    state.put(&object, record, &mut undo);
    Ok(Reply::with(
        StatusCode::CREATED,
        json!({"id": id, "success": true, "errors": [], "warnings": [], "infos": []}),
    ))
}

fn update(
    state: &mut State,
    env: &Env<'_>,
    call: &Call,
    object: &str,
    mut record: Record,
) -> Outcome {
    let metadata = call.body()?.get("Metadata").cloned().ok_or_else(|| {
        SfError::bad(
            "REQUIRED_FIELD_MISSING",
            "Required fields are missing: [Metadata]",
        )
    })?;
    match object {
        "CustomField" => {
            let full = text(&record, "FullName").unwrap_or_default().to_string();
            let (owner, name) = full.split_once('.').unwrap_or_default();
            let field = state
                .schema
                .get_mut(owner)
                .and_then(|o| o.field_mut(name))
                .ok_or_else(SfError::not_found)?;
            custom::update_field(field, &metadata)?;
        }
        "StandardValueSet" => {
            let set = text(&record, "MasterLabel").unwrap_or_default().to_string();
            set_standard_values(state, &set, &metadata)?;
        }
        other => {
            return Err(SfError::bad(
                "INVALID_TYPE_FOR_OPERATION",
                format!("entity type cannot be updated by this emulator: {other}"),
            ))
        }
    }
    record.insert("Metadata".into(), metadata);
    record.insert("LastModifiedDate".into(), json!(env.now));
    let mut undo = UndoLog::new();
    state.put(object, record, &mut undo);
    if object == "StandardValueSet" {
        refresh_value_sets(state);
    }
    Ok(Reply::no_content())
}

/// Replaces the values of every standard picklist fed by value set `set`.
fn set_standard_values(state: &mut State, set: &str, metadata: &Value) -> Result<(), SfError> {
    let values = metadata
        .get("standardValue")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            SfError::bad(
                "FIELD_INTEGRITY_EXCEPTION",
                "Metadata.standardValue must be a list",
            )
        })?;
    let mut parsed = Vec::new();
    for v in values {
        let name = v
            .get("fullName")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                SfError::bad(
                    "FIELD_INTEGRITY_EXCEPTION",
                    "every standardValue needs a fullName",
                )
            })?;
        let mut value = crate::salesforce::schema::PicklistValue::new(name);
        if let Some(label) = v.get("label").and_then(Value::as_str) {
            value.label = label.to_string();
        }
        value.default = v.get("default").and_then(Value::as_bool).unwrap_or(false);
        value.closed = v.get("closed").and_then(Value::as_bool).unwrap_or(false);
        parsed.push(value);
    }
    let objects: Vec<String> = state.schema.objects().map(|o| o.name.clone()).collect();
    for name in objects {
        if let Some(object) = state.schema.get_mut(&name) {
            for field in object
                .fields
                .iter_mut()
                .filter(|f| f.value_set.as_deref() == Some(set))
            {
                field.picklist = parsed.clone();
            }
        }
    }
    Ok(())
}

/// Rewrites the `Metadata` of every StandardValueSet record from the schema.
pub fn refresh_value_sets(state: &mut State) {
    let sets: Vec<(String, Record)> = state
        .live_records("StandardValueSet")
        .filter_map(|r| Some((text(r, "MasterLabel")?.to_string(), r.clone())))
        .collect();
    for (set, mut record) in sets {
        let values: Vec<Value> = state
            .schema
            .objects()
            .flat_map(|o| o.fields.iter())
            .find(|f| f.value_set.as_deref() == Some(set.as_str()))
            .map(|f| f.picklist.iter().map(standard::value_json).collect())
            .unwrap_or_default();
        record.insert(
            "Metadata".into(),
            json!({"standardValue": values, "sorted": false}),
        );
        let mut undo = UndoLog::new();
        state.put("StandardValueSet", record, &mut undo);
    }
}

/// Removes a custom field (and its values and permissions) or a custom
/// object (and its records) for good.
fn delete(state: &mut State, object: &str, record: Record) -> Outcome {
    let full = text(&record, "FullName").unwrap_or_default().to_string();
    match object {
        "CustomField" => {
            let (owner, name) = full.split_once('.').unwrap_or_default();
            if let Some(o) = state.schema.get_mut(owner) {
                o.fields.retain(|f| !f.name.eq_ignore_ascii_case(name));
            }
            let owner_name = owner.to_string();
            if let Some(records) = state.records.get_mut(&owner_name) {
                for r in records.values_mut() {
                    r.retain(|k, _| !k.eq_ignore_ascii_case(name));
                }
            }
            if let Some(fps) = state.records.get_mut("FieldPermissions") {
                fps.retain(|_, r| !text(r, "Field").is_some_and(|f| f.eq_ignore_ascii_case(&full)));
            }
        }
        "CustomObject" => {
            state
                .schema
                .get(&full)
                .filter(|o| o.custom)
                .ok_or_else(SfError::not_found)?;
            let lower = full.to_ascii_lowercase();
            let objects: Vec<String> = state.schema.objects().map(|o| o.name.clone()).collect();
            for name in objects {
                if let Some(o) = state.schema.get_mut(&name) {
                    o.fields.retain(|f| {
                        !f.reference_to
                            .iter()
                            .any(|t| t.to_ascii_lowercase() == lower)
                    });
                }
            }
            state.records.remove(&full);
            let mut schema = std::mem::take(&mut state.schema);
            schema.remove(&full);
            state.schema = schema;
        }
        _ => {
            return Err(SfError::bad(
                "INVALID_TYPE_FOR_OPERATION",
                "entity type cannot be deleted",
            ))
        }
    }
    if let Some(records) = state.records.get_mut(object) {
        records.remove(text(&record, "Id").unwrap_or_default());
    }
    state.reindex();
    Ok(Reply::no_content())
}
