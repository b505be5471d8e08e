//! The Composite family (REST API guide, "sObject Collections", "Composite",
//! "allOrNone Parameters in Composite and Collections Requests").
//!
//! sObject Collections (`/composite/sobjects`): up to 200 records, answered
//! 200 with one SaveResult per record **in request order**, errors keyed
//! `statusCode`. With `allOrNone`, one failure rolls every record back and
//! the others report `ALL_OR_NONE_OPERATION_ROLLED_BACK`.
//!
//! Composite (`/composite`): up to 25 subrequests run in order, each a REST
//! call on this org; `@{ref.id}` and `@{ref.records[0].Id}` name values of
//! earlier answers. A subrequest whose reference cannot be resolved is not
//! run and answers `PROCESSING_HALTED`. With `allOrNone`, the first failure
//! rolls back every subrequest and all others answer `PROCESSING_HALTED`.
//! The whole request counts as one API call.

use super::dispatch::{dispatch, Call, Env, Outcome, Reply};
use crate::salesforce::errors::{failed_save, rolled_back, SfError};
use crate::salesforce::state::{State, UndoLog};
use crate::salesforce::write::{self, AutoAssign, Upserted};
use axum::http::{Method, StatusCode};
use serde_json::{json, Map, Value};
use std::collections::HashMap;

pub const MAX_COLLECTION: usize = 200;
pub const MAX_SUBREQUESTS: usize = 25;

fn all_or_none(body: &Value) -> bool {
    body.get("allOrNone")
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

fn records(call: &Call) -> Result<(&Vec<Value>, bool), SfError> {
    let body = call.body()?;
    let records = body
        .get("records")
        .and_then(Value::as_array)
        .ok_or_else(|| SfError::json_parser("records is required"))?;
    if records.len() > MAX_COLLECTION {
        return Err(SfError::bad(
            "EXCEEDED_ID_LIMIT",
            "record limit reached. cannot submit more than 200 records into this call",
        ));
    }
    Ok((records, all_or_none(body)))
}

/// The `attributes.type` of a Collections record.
fn record_type(record: &Value) -> Result<&str, SfError> {
    record
        .pointer("/attributes/type")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            SfError::bad(
                "INVALID_TYPE",
                "sObject type must be specified in attributes",
            )
        })
}

fn fields(record: &Value) -> Result<&Map<String, Value>, SfError> {
    record
        .as_object()
        .ok_or_else(|| SfError::json_parser("Cannot deserialize instance of sObject"))
}

/// Runs one operation per record; with `all_or_none`, a failure undoes
/// them all. Returns the SaveResults in request order.
fn save_each<I>(
    state: &mut State,
    undo: &mut UndoLog,
    all_or_none: bool,
    items: I,
    mut op: impl FnMut(&mut State, &I::Item, &mut UndoLog) -> Result<Value, SfError>,
) -> Vec<Value>
where
    I: IntoIterator,
{
    let mut local = UndoLog::new();
    let mut results: Vec<Result<Value, SfError>> = Vec::new();
    for item in items {
        results.push(op(state, &item, &mut local));
    }
    let any_failed = results.iter().any(Result::is_err);
    if all_or_none && any_failed {
        state.rollback(local);
        return results
            .into_iter()
            .map(|r| match r {
                Ok(_) => failed_save(&[rolled_back()]),
                Err(e) => failed_save(&[e]),
            })
            .collect();
    }
    undo.extend(local);
    results
        .into_iter()
        .map(|r| r.unwrap_or_else(|e| failed_save(&[e])))
        .collect()
}

fn saved(id: &str) -> Value {
    json!({"id": id, "success": true, "errors": []})
}

/// `/composite/sobjects`: create (POST), update (PATCH), delete (DELETE
/// `?ids=…&allOrNone=`), retrieve (GET `?ids=…&fields=…` on `/{T}`).
pub fn collections(state: &mut State, env: &Env<'_>, call: &Call, undo: &mut UndoLog) -> Outcome {
    let ctx = call.ctx(env);
    let results = match call.method {
        Method::POST => {
            let (records, aon) = records(call)?;
            save_each(state, undo, aon, records, |state, record, undo| {
                let object = record_type(record)?.to_string();
                let body = fields(record)?;
                if body.keys().any(|k| k.eq_ignore_ascii_case("id")) {
                    return Err(SfError::bad(
                        "INVALID_FIELD",
                        "cannot specify Id in an insert call",
                    )
                    .with_fields(["Id"]));
                }
                write::insert(state, &ctx, &object, body, undo).map(|id| saved(&id))
            })
        }
        Method::PATCH => {
            let (records, aon) = records(call)?;
            save_each(state, undo, aon, records, |state, record, undo| {
                let object = record_type(record)?.to_string();
                let body = fields(record)?;
                let id = body
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case("id"))
                    .and_then(|(_, v)| v.as_str())
                    .ok_or_else(|| {
                        SfError::bad("MISSING_ARGUMENT", "Id not specified in an update call")
                    })?
                    .to_string();
                let mut changes = body.clone();
                changes.retain(|k, _| !k.eq_ignore_ascii_case("id"));
                write::update(state, &ctx, &object, &id, &changes, undo).map(|()| saved(&id))
            })
        }
        Method::DELETE => {
            let ids: Vec<String> = call
                .param("ids")
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect();
            if ids.len() > MAX_COLLECTION {
                return Err(SfError::bad(
                    "EXCEEDED_ID_LIMIT",
                    "record limit reached. cannot submit more than 200 records into this call",
                ));
            }
            let aon = call
                .param("allOrNone")
                .is_some_and(|v| v.eq_ignore_ascii_case("true"));
            save_each(state, undo, aon, ids, |state, id, undo| {
                let object = state
                    .object_of(id)
                    .map(|o| o.name.clone())
                    .ok_or_else(|| SfError::bad("MALFORMED_ID", format!("malformed id {id}")))?;
                write::delete(state, &ctx, &object, id, undo).map(|()| saved(id))
            })
        }
        _ => return Err(SfError::not_found()),
    };
    Ok(Reply::ok(Value::Array(results)))
}

/// `PATCH /composite/sobjects/{T}/{ExternalIdField}` (v46+): upsert up to
/// 200 records of one type, each with `created`.
pub fn upsert(
    state: &mut State,
    env: &Env<'_>,
    call: &Call,
    object: &str,
    field: &str,
    undo: &mut UndoLog,
) -> Outcome {
    let def = super::sobjects::object(state, object)?.clone();
    write::external_id_field(state, &def, field)?;
    let (records, aon) = records(call)?;
    let ctx = call.ctx(env);
    let results = save_each(state, undo, aon, records, |state, record, undo| {
        if !record_type(record)?.eq_ignore_ascii_case(&def.name) {
            return Err(SfError::bad(
                "INVALID_TYPE",
                "all records must be of the sObject type in the URL",
            ));
        }
        let body = fields(record)?;
        let key = body
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(field))
            .and_then(|(_, v)| match v {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .ok_or_else(|| SfError::bad("MISSING_ARGUMENT", format!("{field} not specified")))?;
        let (id, created) = match write::upsert(state, &ctx, &def.name, field, &key, body, undo)? {
            Upserted::Created(id) => (id, true),
            Upserted::Updated(id) => (id, false),
        };
        let mut v = saved(&id);
        v["created"] = json!(created);
        Ok(v)
    });
    Ok(Reply::ok(Value::Array(results)))
}

/// The value of `@{ref.path}` in the answers so far: `id`,
/// `records[0].Id`, nested keys.
fn lookup(answers: &HashMap<String, Value>, reference: &str) -> Option<String> {
    let (name, path) = reference.split_once('.')?;
    let mut current = answers.get(name)?;
    for part in path.split('.') {
        let (key, index) = match part.split_once('[') {
            Some((key, rest)) => (key, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (part, None),
        };
        current = current.get(key)?;
        if let Some(i) = index {
            current = current.get(i)?;
        }
    }
    match current {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// Replaces every `@{…}` in `text`; the first unresolved reference is the error.
fn substitute(text: &str, answers: &HashMap<String, Value>) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("@{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find('}').ok_or_else(|| after.to_string())?;
        let reference = &after[..end];
        out.push_str(&lookup(answers, reference).ok_or_else(|| reference.to_string())?);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn substitute_json(value: &Value, answers: &HashMap<String, Value>) -> Result<Value, String> {
    Ok(match value {
        Value::String(s) => Value::String(substitute(s, answers)?),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| substitute_json(v, answers))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| Ok((k.clone(), substitute_json(v, answers)?)))
                .collect::<Result<_, String>>()?,
        ),
        other => other.clone(),
    })
}

fn halted(message: impl Into<String>) -> Value {
    json!([{"errorCode": "PROCESSING_HALTED", "message": message.into()}])
}

fn sub_answer(
    reference_id: &str,
    status: StatusCode,
    body: Option<Value>,
    location: Option<String>,
) -> Value {
    let headers = match location {
        Some(l) => json!({"Location": l}),
        None => json!({}),
    };
    json!({"body": body, "httpHeaders": headers, "httpStatusCode": status.as_u16(), "referenceId": reference_id})
}

/// Parses a subrequest URL into a call on this org.
fn sub_call(
    outer: &Call,
    request: &Value,
    url: &str,
    body: Option<Value>,
) -> Result<Call, SfError> {
    let method = request
        .get("method")
        .and_then(Value::as_str)
        .and_then(|m| Method::from_bytes(m.to_ascii_uppercase().as_bytes()).ok())
        .ok_or_else(|| SfError::bad("INVALID_BATCH_REQUEST", "method is required"))?;
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let rest = path
        .strip_prefix("/services/data/")
        .ok_or_else(|| SfError::bad("INVALID_BATCH_REQUEST", format!("invalid url: {url}")))?;
    let mut segments: Vec<String> = rest
        .split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    if segments.is_empty() || !super::meta::valid_version(&segments[0]) {
        return Err(SfError::bad(
            "INVALID_BATCH_REQUEST",
            format!("invalid url: {url}"),
        ));
    }
    let version = segments.remove(0);
    if segments.first().map(String::as_str) == Some("composite") && segments.len() == 1 {
        return Err(SfError::bad(
            "INVALID_BATCH_REQUEST",
            "a composite request cannot contain another composite request",
        ));
    }
    let params = serde_urlencoded::from_str::<Vec<(String, String)>>(query)
        .unwrap_or_default()
        .into_iter()
        .collect();
    let header = |name: &str| {
        request
            .get("httpHeaders")
            .and_then(Value::as_object)
            .and_then(|h| h.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)))
            .and_then(|(_, v)| v.as_str())
    };
    let auto_assign = match header("Sforce-Auto-Assign") {
        Some(v) => AutoAssign::from_header(Some(v)),
        None => outer.auto_assign.clone(),
    };
    Ok(Call {
        method,
        segments,
        params,
        body,
        version,
        auto_assign,
        batch_size: outer.batch_size,
    })
}

/// `POST /composite`.
pub fn composite(state: &mut State, env: &Env<'_>, call: &Call, undo: &mut UndoLog) -> Outcome {
    let body = call.body()?;
    let requests = body
        .get("compositeRequest")
        .and_then(Value::as_array)
        .ok_or_else(|| SfError::json_parser("compositeRequest is required"))?;
    if requests.len() > MAX_SUBREQUESTS {
        return Err(SfError::bad(
            "LIMIT_EXCEEDED",
            "Composite requests cannot have more than 25 subrequests",
        ));
    }
    let mut seen = Vec::new();
    for r in requests {
        let id = r
            .get("referenceId")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if id.is_empty()
            || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            || seen.contains(&id)
        {
            return Err(SfError::bad(
                "INVALID_BATCH_REQUEST",
                format!("invalid or duplicate referenceId: {id:?}"),
            ));
        }
        seen.push(id);
    }
    let aon = all_or_none(body);
    let mut answers: HashMap<String, Value> = HashMap::new();
    let mut out: Vec<Value> = Vec::new();
    let mut local = UndoLog::new();
    let mut failed_at: Option<usize> = None;
    for (index, request) in requests.iter().enumerate() {
        let reference_id = request
            .get("referenceId")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if aon && failed_at.is_some() {
            out.push(sub_answer(reference_id, StatusCode::BAD_REQUEST, Some(halted("The transaction was rolled back since another operation in the same transaction failed.")), None));
            continue;
        }
        let url = request
            .get("url")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let resolved = substitute(url, &answers).and_then(|url| {
            let body = request
                .get("body")
                .map(|b| substitute_json(b, &answers))
                .transpose()?;
            Ok((url, body))
        });
        let (url, sub_body) = match resolved {
            Ok(r) => r,
            Err(reference) => {
                out.push(sub_answer(reference_id, StatusCode::BAD_REQUEST, Some(halted(format!("Invalid reference specified. No value for {reference} found in the results of earlier subrequests."))), None));
                failed_at.get_or_insert(index);
                continue;
            }
        };
        // Allow a composite allOrNone to govern nested collections too.
        let sub_body = sub_body.map(|mut b| {
            if aon {
                if let Value::Object(m) = &mut b {
                    if m.contains_key("records") {
                        m.insert("allOrNone".into(), Value::Bool(true));
                    }
                }
            }
            b
        });
        let outcome = sub_call(call, request, &url, sub_body)
            .and_then(|sub| dispatch(state, env, &sub, &mut local));
        let failed_collection = |reply: &Reply| {
            aon && reply
                .body
                .as_ref()
                .and_then(Value::as_array)
                .is_some_and(|rs| {
                    rs.iter()
                        .any(|r| r.get("success") == Some(&Value::Bool(false)))
                })
        };
        match outcome {
            Ok(reply) if reply.status.is_success() && !failed_collection(&reply) => {
                if let Some(b) = &reply.body {
                    answers.insert(reference_id.to_string(), b.clone());
                }
                out.push(sub_answer(
                    reference_id,
                    reply.status,
                    reply.body,
                    reply.location,
                ));
            }
            Ok(reply) => {
                out.push(sub_answer(
                    reference_id,
                    reply.status,
                    reply.body,
                    reply.location,
                ));
                failed_at.get_or_insert(index);
            }
            Err(e) => {
                out.push(sub_answer(
                    reference_id,
                    e.status,
                    Some(json!([e.rest_item()])),
                    None,
                ));
                failed_at.get_or_insert(index);
            }
        }
    }
    match failed_at {
        Some(failed) if aon => {
            state.rollback(local);
            for (index, answer) in out.iter_mut().enumerate() {
                if index < failed {
                    let reference_id = answer["referenceId"].clone();
                    *answer = json!({
                        "body": halted("The transaction was rolled back since another operation in the same transaction failed."),
                        "httpHeaders": {},
                        "httpStatusCode": 400,
                        "referenceId": reference_id,
                    });
                }
            }
        }
        _ => undo.extend(local),
    }
    Ok(Reply::ok(json!({"compositeResponse": out})))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_resolve_into_earlier_answers() {
        let mut answers = HashMap::new();
        answers.insert("acct".to_string(), json!({"id": "001x"}));
        answers.insert("q".to_string(), json!({"records": [{"Id": "003y"}]}));
        assert_eq!(
            substitute("/x/@{acct.id}/@{q.records[0].Id}", &answers).unwrap(),
            "/x/001x/003y"
        );
        assert_eq!(substitute("@{nope.id}", &answers).unwrap_err(), "nope.id");
        assert!(substitute("@{acct.id", &answers).is_err());
    }
}
