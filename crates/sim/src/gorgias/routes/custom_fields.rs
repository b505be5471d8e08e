//! Custom fields and ticket custom-field values (reference §4.6).
//!
//! Definitions (S-W1, S-DTO): `object_type` Ticket|Customer, `label` 1–255,
//! `definition` one of
//! - `{data_type:"text", input_settings:{input_type:"input", placeholder?}}`
//! - `{data_type:"text", input_settings:{input_type:"dropdown", choices:[str], default?}}`
//! - `{data_type:"number", input_settings:{input_type:"input_number", placeholder?, min?, max?}}`
//! - `{data_type:"boolean", input_settings:{input_type:"dropdown", choices:[bool], default?}}`
//!
//! There is no DELETE (405): a field is archived by setting
//! `deactivated_datetime`. Listing requires `object_type` (400 without).
//!
//! Ticket values: `PUT /api/tickets/{id}/custom-fields` takes a bare array
//! and **replaces the whole set** — fields missing from the body are
//! deleted (UTCF, documented). Values are checked against the definition:
//! dropdown choices, number type and bounds, booleans. Archived fields and
//! Customer fields refuse ticket values. `required` is not enforced on
//! writes through the API (inferred).

use super::super::errors::{ApiError, FieldErrors};
use super::super::pagination::{whole_list, Direction, ListSpec, SortKey, DEFAULT_LIMIT};
use super::super::render;
use super::super::store::model::*;
use super::super::store::{Origin, State};
use super::super::validate::*;
use super::super::vocab;
use super::super::App;
use super::{created, list_query, list_reply, no_content, ok, parse_id, JsonBody, Params, Reply};
use axum::extract::{Path, State as AxState};
use axum::http::Uri;
use serde_json::{json, Map, Value};
use std::sync::Arc;

const CREATE_FIELDS: &[&str] = &[
    "object_type",
    "label",
    "definition",
    "description",
    "external_id",
    "priority",
    "required",
    "requirement_type",
    "managed_type",
    "deactivated_datetime",
];

const DATA_TYPES: &[&str] = &["text", "number", "boolean"];

fn number(value: Option<&Value>) -> Option<f64> {
    value.and_then(Value::as_f64)
}

/// Checks a `definition` object; errors go under `definition`.
fn check_definition(definition: &Map<String, Value>, errors: &mut FieldErrors) {
    reject_unknown(definition, &["data_type", "input_settings"], errors);
    let data_type = one_of(definition, "data_type", DATA_TYPES, errors).value();
    if !definition.contains_key("data_type") {
        errors.add("data_type", MISSING);
    }
    let settings = match object(definition, "input_settings", errors) {
        Field::Set(settings) => settings,
        Field::Null => {
            errors.add("input_settings", NULL);
            return;
        }
        Field::Absent => {
            if !definition.contains_key("input_settings") {
                errors.add("input_settings", MISSING);
            }
            return;
        }
    };
    let e = errors.nested("input_settings");
    let input_type = required_string(settings, "input_type", None, e);
    match (data_type.as_deref(), input_type.as_deref()) {
        (Some("text"), Some("input")) => {
            reject_unknown(settings, &["input_type", "placeholder"], e);
            string(settings, "placeholder", Some(Len::max(255)), e);
        }
        (Some("text"), Some("dropdown")) => {
            reject_unknown(settings, &["input_type", "choices", "default"], e);
            let choices = string_choices(settings, e);
            if let Some(default) = settings.get("default").filter(|v| !v.is_null()) {
                if !choices.iter().any(|c| Some(c.as_str()) == default.as_str()) {
                    e.add("default", "Must be one of the choices.");
                }
            }
        }
        (Some("number"), Some("input_number")) => {
            reject_unknown(settings, &["input_type", "placeholder", "min", "max"], e);
            string(settings, "placeholder", Some(Len::max(255)), e);
            for key in ["min", "max"] {
                if let Some(v) = settings.get(key).filter(|v| !v.is_null()) {
                    if !v.is_number() {
                        e.add(key, NOT_NUMBER);
                    }
                }
            }
            if let (Some(min), Some(max)) =
                (number(settings.get("min")), number(settings.get("max")))
            {
                if min > max {
                    e.add("min", "Must not be greater than max.");
                }
            }
        }
        (Some("boolean"), Some("dropdown")) => {
            reject_unknown(settings, &["input_type", "choices", "default"], e);
            match settings.get("choices") {
                Some(Value::Array(items))
                    if !items.is_empty() && items.iter().all(Value::is_boolean) => {}
                None => e.add("choices", MISSING),
                Some(_) => e.add("choices", "Must be a non-empty list of booleans."),
            }
            if let Some(default) = settings.get("default").filter(|v| !v.is_null()) {
                if !default.is_boolean() {
                    e.add("default", NOT_BOOL);
                }
            }
        }
        (Some(dt), Some(_)) if DATA_TYPES.contains(&dt) => {
            let allowed: &[&str] = match dt {
                "text" => &["input", "dropdown"],
                "number" => &["input_number"],
                _ => &["dropdown"],
            };
            e.add("input_type", must_be_one_of(allowed));
        }
        _ => {}
    }
}

fn string_choices(settings: &Map<String, Value>, e: &mut FieldErrors) -> Vec<String> {
    match settings.get("choices") {
        Some(Value::Array(items)) if !items.is_empty() => {
            let mut out: Vec<String> = Vec::new();
            for (i, item) in items.iter().enumerate() {
                match item.as_str() {
                    Some(c) if !c.trim().is_empty() && !out.iter().any(|o| o == c) => {
                        out.push(c.to_string())
                    }
                    Some(c) if !c.trim().is_empty() => {
                        e.nested("choices").add(i.to_string(), "Duplicate choice.")
                    }
                    _ => e
                        .nested("choices")
                        .add(i.to_string(), "Must be a non-empty string."),
                }
            }
            out
        }
        None => {
            e.add("choices", MISSING);
            Vec::new()
        }
        Some(_) => {
            e.add("choices", "Must be a non-empty list of strings.");
            Vec::new()
        }
    }
}

/// Checks a value against a field's definition; `Err` is the message.
pub fn check_value(field: &CustomField, value: &Value) -> Result<(), String> {
    if field.deactivated_datetime.is_some() {
        return Err("This custom field is archived.".into());
    }
    let definition = &field.definition;
    let settings = &definition["input_settings"];
    match (
        definition["data_type"].as_str(),
        settings["input_type"].as_str(),
    ) {
        (Some("text"), Some("dropdown")) => {
            let text = value.as_str().ok_or(NOT_STRING)?;
            let choices = settings["choices"].as_array().cloned().unwrap_or_default();
            if choices.iter().any(|c| c.as_str() == Some(text)) {
                Ok(())
            } else {
                Err(format!("\"{text}\" is not one of the field's choices."))
            }
        }
        (Some("text"), _) => match value.as_str() {
            Some(t) if t.chars().count() <= 2000 => Ok(()),
            Some(_) => Err("Longer than maximum length 2000.".into()),
            None => Err(NOT_STRING.into()),
        },
        (Some("number"), _) => {
            let n = value.as_f64().ok_or(NOT_NUMBER)?;
            if number(settings.get("min")).is_some_and(|min| n < min) {
                return Err(format!("Must be at least {}.", settings["min"]));
            }
            if number(settings.get("max")).is_some_and(|max| n > max) {
                return Err(format!("Must be at most {}.", settings["max"]));
            }
            Ok(())
        }
        (Some("boolean"), _) => value
            .is_boolean()
            .then_some(())
            .ok_or_else(|| NOT_BOOL.into()),
        _ => Ok(()),
    }
}

/// Reads `[{id, value}]` (a ticket body's `custom_fields`, or the bare body
/// of `PUT /api/tickets/{id}/custom-fields`); errors under `index → field`.
pub fn values(items: &[Value], s: &State, errors: &mut FieldErrors) -> Vec<(u64, Value)> {
    let mut out: Vec<(u64, Value)> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let e = errors.nested(i.to_string());
        let Some(obj) = body_object(item, e) else {
            continue;
        };
        reject_unknown(obj, &["id", "value"], e);
        let id = required_id(obj, "id", e);
        let value = match obj.get("value") {
            None => {
                e.add("value", MISSING);
                None
            }
            Some(Value::Null) => {
                e.add("value", NULL);
                None
            }
            Some(v) => Some(v.clone()),
        };
        let (Some(id), Some(value)) = (id, value) else {
            continue;
        };
        match s.custom_fields.get(&id) {
            None => e.add("id", "Custom field not found."),
            Some(f) if f.object_type != "Ticket" => e.add("id", "Not a Ticket custom field."),
            Some(f) => match check_value(f, &value) {
                Ok(()) => {
                    out.retain(|(other, _)| *other != id);
                    out.push((id, value));
                }
                Err(message) => e.add("value", message),
            },
        }
    }
    out
}

/// `POST /api/custom-fields`.
pub fn create(s: &mut State, origin: Origin, body: &Value) -> Result<u64, ApiError> {
    let mut errors = FieldErrors::new();
    let Some(obj) = body_object(body, &mut errors) else {
        return Err(ApiError::validation(
            "Failed to create the custom field.",
            errors,
        ));
    };
    reject_unknown(obj, CREATE_FIELDS, &mut errors);
    let object_type = one_of(
        obj,
        "object_type",
        vocab::CUSTOM_FIELD_OBJECT_TYPES,
        &mut errors,
    );
    if object_type.is_absent() && !obj.contains_key("object_type") {
        errors.add("object_type", MISSING);
    }
    let label = required_string(obj, "label", Some(Len::between(1, 255)), &mut errors);
    let definition = match object(obj, "definition", &mut errors) {
        Field::Set(d) => {
            check_definition(d, errors.nested("definition"));
            Some(Value::Object(d.clone()))
        }
        Field::Null => {
            errors.add("definition", NULL);
            None
        }
        Field::Absent => {
            if !obj.contains_key("definition") {
                errors.add("definition", MISSING);
            }
            None
        }
    };
    let mut extra = Map::new();
    if let Field::Set(d) = string(obj, "description", Some(Len::max(1024)), &mut errors) {
        extra.insert("description".into(), json!(d));
    }
    if let Field::Set(r) = one_of(
        obj,
        "requirement_type",
        vocab::REQUIREMENT_TYPES,
        &mut errors,
    ) {
        extra.insert("requirement_type".into(), json!(r));
    }
    let managed: &[&str] = match object_type {
        Field::Set(ref t) if t == "Customer" => vocab::CUSTOMER_MANAGED_TYPES,
        _ => vocab::TICKET_MANAGED_TYPES,
    };
    if let Field::Set(m) = one_of(obj, "managed_type", managed, &mut errors) {
        extra.insert("managed_type".into(), json!(m));
    }
    let external_id = string(obj, "external_id", Some(Len::max(255)), &mut errors).value();
    let priority = integer(obj, "priority", &mut errors).value();
    let required = boolean(obj, "required", &mut errors)
        .value()
        .unwrap_or(false);
    let deactivated = datetime(obj, "deactivated_datetime", &mut errors).value();
    errors.check("Failed to create the custom field.")?;
    let (Field::Set(object_type), Some(label), Some(definition)) = (object_type, label, definition)
    else {
        return Err(ApiError::bad_request("Failed to create the custom field."));
    };
    let id = s.next_custom_field_id();
    let now = s.now();
    let priority = priority.unwrap_or_else(|| {
        s.custom_fields
            .values()
            .filter(|f| f.object_type == object_type)
            .map(|f| f.priority + 1)
            .max()
            .unwrap_or(0)
    });
    s.custom_fields.insert(
        id,
        CustomField {
            id,
            object_type,
            label,
            definition,
            external_id,
            priority,
            required,
            created_datetime: now,
            updated_datetime: now,
            deactivated_datetime: deactivated,
            extra,
        },
    );
    s.record_event(origin, "custom-field-created", "CustomField", id, json!({}));
    Ok(id)
}

pub async fn create_handler(AxState(app): AxState<Arc<App>>, JsonBody(body): JsonBody) -> Reply {
    let value = app.store.write(|s| {
        let id = create(s, Origin::Api, &body)?;
        Ok(render::custom_field(&s.custom_fields[&id]))
    })?;
    created(value)
}

pub const LIST: ListSpec = ListSpec {
    orders: &["priority"],
    default_order: ("priority", Direction::Asc),
    default_limit: DEFAULT_LIMIT,
    filters: &["object_type", "archived", "search"],
};

pub async fn list(AxState(app): AxState<Arc<App>>, uri: Uri, params: Params) -> Reply {
    let query = list_query(&uri, params, &LIST)?;
    let object_type = match query.param("object_type") {
        Some(t) if vocab::CUSTOM_FIELD_OBJECT_TYPES.contains(&t) => t.to_string(),
        Some(_) => {
            return Err(ApiError::field(
                "Invalid query parameters.",
                "object_type",
                must_be_one_of(vocab::CUSTOM_FIELD_OBJECT_TYPES),
            ))
        }
        None => {
            return Err(ApiError::field(
                "Invalid query parameters.",
                "object_type",
                MISSING,
            ))
        }
    };
    let archived = super::bool_param(&query, "archived")?;
    let search = query.param("search").map(str::to_lowercase);
    app.store.read(|s| {
        let keys = s
            .custom_fields
            .values()
            .filter(|f| f.object_type == object_type)
            .filter(|f| archived.is_none_or(|a| a == f.deactivated_datetime.is_some()))
            .filter(|f| {
                search
                    .as_ref()
                    .is_none_or(|q| f.label.to_lowercase().contains(q))
            })
            .map(|f| (SortKey::Int(f.priority), f.id))
            .collect();
        list_reply(s, &query, keys, |s, id| {
            s.custom_fields.get(&id).map(render::custom_field)
        })
    })
}

pub async fn get_one(AxState(app): AxState<Arc<App>>, Path(id): Path<String>) -> Reply {
    let id = parse_id(&id, "Custom field")?;
    app.store.read(|s| match s.custom_fields.get(&id) {
        Some(f) => ok(render::custom_field(f)),
        None => Err(ApiError::not_found("Custom field")),
    })
}

/// `PUT /api/custom-fields/{id}`: `object_type` cannot change; archive or
/// unarchive with `deactivated_datetime`.
pub async fn update(
    AxState(app): AxState<Arc<App>>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Reply {
    let id = parse_id(&id, "Custom field")?;
    let value = app.store.write(|s| {
        let Some(existing) = s.custom_fields.get(&id).cloned() else {
            return Err(ApiError::not_found("Custom field"));
        };
        let mut errors = FieldErrors::new();
        let Some(obj) = body_object(&body, &mut errors) else {
            return Err(ApiError::validation(
                "Failed to update the custom field.",
                errors,
            ));
        };
        reject_unknown(obj, CREATE_FIELDS, &mut errors);
        if let Field::Set(t) = string(obj, "object_type", None, &mut errors) {
            if t != existing.object_type {
                errors.add("object_type", "Cannot be changed.");
            }
        }
        let label = string(obj, "label", Some(Len::between(1, 255)), &mut errors);
        let definition = match object(obj, "definition", &mut errors) {
            Field::Set(d) => {
                check_definition(d, errors.nested("definition"));
                Some(Value::Object(d.clone()))
            }
            Field::Null => {
                errors.add("definition", NULL);
                None
            }
            Field::Absent => None,
        };
        let description = string(obj, "description", Some(Len::max(1024)), &mut errors).update();
        let requirement = one_of(
            obj,
            "requirement_type",
            vocab::REQUIREMENT_TYPES,
            &mut errors,
        )
        .update();
        let external_id = string(obj, "external_id", Some(Len::max(255)), &mut errors).update();
        let priority = integer(obj, "priority", &mut errors).value();
        let required = boolean(obj, "required", &mut errors).value();
        let deactivated = datetime(obj, "deactivated_datetime", &mut errors).update();
        errors.check("Failed to update the custom field.")?;
        let now = s.now();
        let mut field = existing;
        if let Some(label) = label.value() {
            field.label = label;
        }
        if let Some(d) = definition {
            field.definition = d;
        }
        for (key, update) in [
            ("description", description),
            ("requirement_type", requirement),
        ] {
            match update {
                Some(Some(v)) => {
                    field.extra.insert(key.into(), json!(v));
                }
                Some(None) => {
                    field.extra.remove(key);
                }
                None => {}
            }
        }
        if let Some(x) = external_id {
            field.external_id = x;
        }
        if let Some(p) = priority {
            field.priority = p;
        }
        if let Some(r) = required {
            field.required = r;
        }
        if let Some(d) = deactivated {
            field.deactivated_datetime = d;
        }
        field.updated_datetime = now;
        let value = render::custom_field(&field);
        s.custom_fields.insert(id, field);
        s.record_event(
            Origin::Api,
            "custom-field-updated",
            "CustomField",
            id,
            json!({}),
        );
        Ok(value)
    })?;
    ok(value)
}

fn ticket_values_json(s: &State, ticket_id: u64) -> Value {
    let data = s
        .tickets
        .get(&ticket_id)
        .map(|t| {
            t.custom_fields
                .iter()
                .map(|(id, v)| render::custom_field_value(s, *id, v))
                .collect()
        })
        .unwrap_or_default();
    whole_list(format!("/api/tickets/{ticket_id}/custom-fields"), data)
}

/// A ticket's values changed: timestamps, event, rules.
fn touched(s: &mut State, ticket_id: u64) {
    let now = s.now();
    if let Some(t) = s.tickets.get_mut(&ticket_id) {
        t.updated_datetime = now;
    }
    s.record_event(
        Origin::Api,
        "ticket-updated",
        "Ticket",
        ticket_id,
        json!({"custom_fields": true}),
    );
    s.fire_rules(Origin::Api, "ticket-updated", ticket_id);
}

/// `GET /api/tickets/{id}/custom-fields`: `{"data": [...]}` (list envelope).
pub async fn ticket_values(AxState(app): AxState<Arc<App>>, Path(id): Path<String>) -> Reply {
    let id = parse_id(&id, "Ticket")?;
    app.store.read(|s| {
        if !s.tickets.contains_key(&id) {
            return Err(ApiError::not_found("Ticket"));
        }
        ok(ticket_values_json(s, id))
    })
}

/// `PUT /api/tickets/{id}/custom-fields`: replaces the whole set.
pub async fn replace_ticket_values(
    AxState(app): AxState<Arc<App>>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Reply {
    let id = parse_id(&id, "Ticket")?;
    let value = app.store.write(|s| {
        if !s.tickets.contains_key(&id) {
            return Err(ApiError::not_found("Ticket"));
        }
        let Value::Array(items) = &body else {
            return Err(ApiError::field(
                "Failed to update the ticket custom fields.",
                "_schema",
                "Expected a list of {id, value}.",
            ));
        };
        let mut errors = FieldErrors::new();
        let values = values(items, s, &mut errors);
        errors.check("Failed to update the ticket custom fields.")?;
        if let Some(t) = s.tickets.get_mut(&id) {
            t.custom_fields = values.into_iter().collect();
        }
        touched(s, id);
        Ok(ticket_values_json(s, id))
    })?;
    ok(value)
}

/// `PUT /api/tickets/{id}/custom-fields/{field_id}` with `{"value": …}`.
pub async fn set_ticket_value(
    AxState(app): AxState<Arc<App>>,
    Path((id, field_id)): Path<(String, String)>,
    JsonBody(body): JsonBody,
) -> Reply {
    let id = parse_id(&id, "Ticket")?;
    let field_id = parse_id(&field_id, "Custom field")?;
    let value = app.store.write(|s| {
        if !s.tickets.contains_key(&id) {
            return Err(ApiError::not_found("Ticket"));
        }
        let Some(field) = s.custom_fields.get(&field_id) else {
            return Err(ApiError::not_found("Custom field"));
        };
        let mut errors = FieldErrors::new();
        let value = body_object(&body, &mut errors).and_then(|obj| {
            reject_unknown(obj, &["id", "value"], &mut errors);
            if obj
                .get("id")
                .is_some_and(|given| given.as_u64() != Some(field_id))
            {
                errors.add("id", "Does not match the custom field in the URL.");
            }
            match obj.get("value") {
                None => {
                    errors.add("value", MISSING);
                    None
                }
                Some(Value::Null) => {
                    errors.add("value", NULL);
                    None
                }
                Some(v) => Some(v.clone()),
            }
        });
        if field.object_type != "Ticket" {
            errors.add("id", "Not a Ticket custom field.");
        } else if let Some(Err(message)) = value.as_ref().map(|v| check_value(field, v)) {
            errors.add("value", message);
        }
        errors.check("Failed to update the ticket custom field.")?;
        let (Some(v), fid) = (value, field_id) else {
            return Err(ApiError::bad_request(
                "Failed to update the ticket custom field.",
            ));
        };
        if let Some(t) = s.tickets.get_mut(&id) {
            t.custom_fields.insert(fid, v.clone());
        }
        touched(s, id);
        Ok(render::custom_field_value(s, fid, &v))
    })?;
    ok(value)
}

/// `DELETE /api/tickets/{id}/custom-fields/{field_id}`: 204.
pub async fn delete_ticket_value(
    AxState(app): AxState<Arc<App>>,
    Path((id, field_id)): Path<(String, String)>,
) -> Reply {
    let id = parse_id(&id, "Ticket")?;
    let field_id = parse_id(&field_id, "Custom field")?;
    app.store.write(|s| {
        let removed = match s.tickets.get_mut(&id) {
            None => return Err(ApiError::not_found("Ticket")),
            Some(t) => t.custom_fields.remove(&field_id).is_some(),
        };
        if removed {
            touched(s, id);
        }
        Ok(())
    })?;
    no_content()
}
