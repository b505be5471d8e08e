//! `/sobjects`: describe, and one record at a time (REST API guide,
//! "sObject Basic Information", "sObject Describe", "sObject Rows",
//! "sObject Rows by External ID", "Insert or Update (Upsert) a Record Using
//! an External ID").
//!
//! - create → 201 `{"id","success":true,"errors":[]}`;
//! - update and delete → 204;
//! - upsert → 201 with `created:true`, or 200 with `created:false` (v46+;
//!   204 before), 300 with the matching record URLs when several records
//!   have the value, 404 for a field that is not an external id;
//! - an unknown sObject → 404 `NOT_FOUND`.

use super::dispatch::{Call, Env, Outcome, Reply};
use crate::salesforce::errors::SfError;
use crate::salesforce::schema::{describe, FieldType, ObjectDef};
use crate::salesforce::soql::attributes;
use crate::salesforce::state::{is_deleted, text, Record, State, UndoLog};
use crate::salesforce::write::{self, Upserted};
use axum::http::StatusCode;
use serde_json::{json, Map, Value};

/// A data-API object named in a URL, or 404.
pub fn object<'s>(state: &'s State, name: &str) -> Result<&'s ObjectDef, SfError> {
    state.schema.data(name).ok_or_else(SfError::not_found)
}

fn body_map(call: &Call) -> Result<&Map<String, Value>, SfError> {
    call.body()?.as_object().ok_or_else(|| {
        SfError::json_parser("Cannot deserialize instance of sObject from START_ARRAY value")
    })
}

pub fn global(state: &State, version: &str) -> Value {
    let objects: Vec<&ObjectDef> = state
        .schema
        .objects()
        .filter(|o| o.api == crate::salesforce::schema::Api::Data)
        .collect();
    describe::global(&objects, version)
}

pub fn info(state: &State, call: &Call, name: &str) -> Outcome {
    let object = object(state, name)?;
    Ok(Reply::ok(json!({
        "objectDescribe": describe::object_summary(object, &call.version),
        "recentItems": [],
    })))
}

/// Record types of `object` as `recordTypeInfos`, the Master one last.
fn record_type_infos(state: &State, object: &str) -> Vec<Value> {
    let mut infos: Vec<Value> = state
        .live_records("RecordType")
        .filter(|r| text(r, "SobjectType") == Some(object))
        .map(|r| {
            json!({
                "active": r.get("IsActive").cloned().unwrap_or(Value::Bool(true)),
                "available": true,
                "defaultRecordTypeMapping": false,
                "developerName": text(r, "DeveloperName"),
                "master": false,
                "name": text(r, "Name"),
                "recordTypeId": text(r, "Id"),
            })
        })
        .collect();
    infos.push(json!({
        "active": true,
        "available": true,
        "defaultRecordTypeMapping": infos.is_empty(),
        "developerName": "Master",
        "master": true,
        "name": "Master",
        "recordTypeId": "012000000000000AAA",
    }));
    infos
}

pub fn describe_object(state: &State, object: &ObjectDef, version: &str) -> Value {
    let visible = |f: &crate::salesforce::schema::FieldDef| state.can_read(&object.name, f);
    describe::object(
        &state.schema,
        object,
        version,
        &visible,
        record_type_infos(state, &object.name),
        state.org.set_audit_fields,
    )
}

pub fn describe(state: &State, call: &Call, name: &str) -> Outcome {
    let object = object(state, name)?;
    Ok(Reply::ok(describe_object(state, object, &call.version)))
}

/// A record as `GET /sobjects/T/id` renders it: the fields asked for (all
/// visible ones by default); file bodies as their URL.
pub fn render(
    state: &State,
    object: &ObjectDef,
    record: &Record,
    fields: Option<&str>,
    version: &str,
) -> Result<Value, SfError> {
    let id = text(record, "Id").unwrap_or_default();
    let mut out = Map::new();
    out.insert("attributes".into(), attributes(&object.name, id, version));
    let wanted: Vec<&crate::salesforce::schema::FieldDef> = match fields {
        Some(list) => list
            .split(',')
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .map(|f| {
                object
                    .field(f)
                    .filter(|d| state.can_read(&object.name, d))
                    .ok_or_else(|| SfError::no_such_column(f, &object.name))
            })
            .collect::<Result<_, _>>()?,
        None => object
            .fields
            .iter()
            .filter(|f| state.can_read(&object.name, f))
            .collect(),
    };
    for field in wanted {
        let value = if field.kind == FieldType::Base64 {
            json!(format!(
                "/services/data/{version}/sobjects/{}/{id}/{}",
                object.name, field.name
            ))
        } else {
            record.get(&field.name).cloned().unwrap_or(Value::Null)
        };
        out.insert(field.name.clone(), value);
    }
    Ok(Value::Object(out))
}

fn live_record<'s>(state: &'s State, object: &ObjectDef, id: &str) -> Result<&'s Record, SfError> {
    let id = crate::salesforce::ids::normalize(id).ok_or_else(SfError::not_found)?;
    match state.get(&object.name, &id) {
        Some(r) if !is_deleted(r) => Ok(r),
        Some(_) => Err(SfError::new(
            StatusCode::NOT_FOUND,
            "ENTITY_IS_DELETED",
            "entity is deleted",
        )),
        None => Err(SfError::not_found()),
    }
}

pub fn read(state: &State, call: &Call, name: &str, id: &str) -> Outcome {
    let object = object(state, name)?;
    let record = live_record(state, object, id)?;
    Ok(Reply::ok(render(
        state,
        object,
        record,
        call.param("fields"),
        &call.version,
    )?))
}

fn saved(id: &str) -> Value {
    json!({"id": id, "success": true, "errors": []})
}

pub fn create(
    state: &mut State,
    env: &Env<'_>,
    call: &Call,
    name: &str,
    undo: &mut UndoLog,
) -> Outcome {
    let object = object(state, name)?.name.clone();
    let body = body_map(call)?;
    let id = write::insert(state, &call.ctx(env), &object, body, undo)?;
    let mut reply = Reply::with(StatusCode::CREATED, saved(&id));
    reply.location = Some(format!(
        "/services/data/{}/sobjects/{object}/{id}",
        call.version
    ));
    Ok(reply)
}

pub fn update(
    state: &mut State,
    env: &Env<'_>,
    call: &Call,
    name: &str,
    id: &str,
    undo: &mut UndoLog,
) -> Outcome {
    let object = object(state, name)?.name.clone();
    let body = body_map(call)?;
    write::update(state, &call.ctx(env), &object, id, body, undo)?;
    Ok(Reply::no_content())
}

pub fn delete(
    state: &mut State,
    env: &Env<'_>,
    call: &Call,
    name: &str,
    id: &str,
    undo: &mut UndoLog,
) -> Outcome {
    let object = object(state, name)?.name.clone();
    write::delete(state, &call.ctx(env), &object, id, undo)?;
    Ok(Reply::no_content())
}

/// The record whose external id `field` is `value` (one), for GET/DELETE.
fn by_external_id<'s>(
    state: &'s State,
    object: &ObjectDef,
    field: &str,
    value: &str,
    version: &str,
) -> Result<&'s Record, Reply> {
    let def = write::external_id_field(state, object, field).map_err(error_reply)?;
    let ids = if def.name == "Id" {
        vec![value.to_string()]
    } else {
        state.find_by(&object.name, def, value)
    };
    match ids.as_slice() {
        [id] => live_record(state, object, id).map_err(error_reply),
        [] => Err(error_reply(SfError::not_found())),
        many => Err(multiple(&object.name, many, version)),
    }
}

fn error_reply(e: SfError) -> Reply {
    Reply::with(e.status, json!([e.rest_item()]))
}

/// 300: the URLs of the records sharing an external id value.
fn multiple(object: &str, ids: &[String], version: &str) -> Reply {
    let urls: Vec<String> = ids
        .iter()
        .map(|id| format!("/services/data/{version}/sobjects/{object}/{id}"))
        .collect();
    Reply::with(StatusCode::MULTIPLE_CHOICES, json!(urls))
}

pub fn read_by_external_id(
    state: &State,
    call: &Call,
    name: &str,
    field: &str,
    value: &str,
) -> Outcome {
    let object = object(state, name)?;
    match by_external_id(state, object, field, value, &call.version) {
        Ok(record) => Ok(Reply::ok(render(
            state,
            object,
            record,
            call.param("fields"),
            &call.version,
        )?)),
        Err(reply) => Ok(reply),
    }
}

pub fn delete_by_external_id(
    state: &mut State,
    env: &Env<'_>,
    call: &Call,
    name: &str,
    field: &str,
    value: &str,
    undo: &mut UndoLog,
) -> Outcome {
    let object = object(state, name)?.clone();
    let id = match by_external_id(state, &object, field, value, &call.version) {
        Ok(record) => text(record, "Id").unwrap_or_default().to_string(),
        Err(reply) => return Ok(reply),
    };
    write::delete(state, &call.ctx(env), &object.name, &id, undo)?;
    Ok(Reply::no_content())
}

/// API versions before 46.0 answer an update-by-upsert with 204.
fn version_number(version: &str) -> u32 {
    version
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

pub fn upsert(
    state: &mut State,
    env: &Env<'_>,
    call: &Call,
    name: &str,
    field: &str,
    value: &str,
    undo: &mut UndoLog,
) -> Outcome {
    let object = object(state, name)?.name.clone();
    let body = body_map(call)?;
    let with_created = version_number(&call.version) >= 46;
    match write::upsert(state, &call.ctx(env), &object, field, value, body, undo) {
        Ok(Upserted::Created(id)) => {
            let mut v = saved(&id);
            if with_created {
                v["created"] = json!(true);
            }
            Ok(Reply::with(StatusCode::CREATED, v))
        }
        Ok(Upserted::Updated(id)) if with_created => {
            let mut v = saved(&id);
            v["created"] = json!(false);
            Ok(Reply::ok(v))
        }
        Ok(Upserted::Updated(_)) => Ok(Reply::no_content()),
        Err(e) if e.code == "DUPLICATE_EXTERNAL_ID" => {
            Ok(multiple(&object, &e.fields, &call.version))
        }
        Err(e) => Err(e),
    }
}
