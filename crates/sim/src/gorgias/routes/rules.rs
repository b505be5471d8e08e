//! Rules (reference §4.9; S-W1, S-DTO `Rule`).
//!
//! Create requires `code` and `name` (201). `PUT` with `deactivated_datetime`
//! set deactivates a rule and `null` reactivates it (inferred: the field is
//! in the schema and `rule-deactivated` / `rule-reactivated` events exist).
//! The list defaults to 100 per page.
//!
//! Active rules fire (a simplification: rule code is not interpreted). An
//! API write triggers, per ticket:
//! - `ticket-created`: `POST /api/tickets` (its inline messages do not
//!   trigger `ticket-message-created` separately);
//! - `ticket-message-created`: `POST /api/tickets/{id}/messages`;
//! - `ticket-updated`: `PUT /api/tickets/{id}`, ticket tags and
//!   custom-field values; `ticket-assigned` too when the assignee changes;
//! - `satisfaction-survey-responded`: a survey created or updated with a score.
//!
//! Every active rule whose `event_types` lists the trigger records a
//! `rule-executed` event on the ticket (see `State::fire_rules`): the side
//! effect a migration's preflight exists to prevent. Seeded records
//! trigger nothing, and a rule without `event_types` never fires.

use super::super::errors::{ApiError, FieldErrors};
use super::super::pagination::{Direction, ListSpec, SortKey, MAX_LIMIT};
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

const FIELDS: &[&str] = &[
    "code",
    "code_ast",
    "deactivated_datetime",
    "description",
    "event_types",
    "name",
    "priority",
];

/// `event_types` is a comma-separated list of trigger events.
fn event_types(obj: &Map<String, Value>, errors: &mut FieldErrors) -> Field<String> {
    match string(obj, "event_types", Some(Len::max(1024)), errors) {
        Field::Set(text) => {
            let unknown: Vec<&str> = text
                .split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty() && !vocab::RULE_EVENT_TYPES.contains(t))
                .collect();
            if unknown.is_empty() {
                Field::Set(text)
            } else {
                errors.add(
                    "event_types",
                    format!(
                        "Unknown event types: {}. Each must be one of: {}.",
                        unknown.join(", "),
                        vocab::RULE_EVENT_TYPES.join(", ")
                    ),
                );
                Field::Absent
            }
        }
        other => other,
    }
}

fn extras(obj: &Map<String, Value>, errors: &mut FieldErrors) -> Vec<(&'static str, Field<Value>)> {
    vec![
        (
            "description",
            string(obj, "description", Some(Len::max(1024)), errors).map(Value::String),
        ),
        ("code_ast", free_object(obj, "code_ast", errors)),
    ]
}

/// `POST /api/rules`.
pub fn create(s: &mut State, origin: Origin, body: &Value) -> Result<u64, ApiError> {
    const MSG: &str = "Failed to create the rule.";
    let mut errors = FieldErrors::new();
    let Some(obj) = body_object(body, &mut errors) else {
        return Err(ApiError::validation(MSG, errors));
    };
    reject_unknown(obj, FIELDS, &mut errors);
    let name = required_string(obj, "name", Some(Len::between(1, 255)), &mut errors);
    let code = required_string(obj, "code", None, &mut errors);
    let event_types = event_types(obj, &mut errors).value();
    let priority = integer(obj, "priority", &mut errors).value().unwrap_or(0);
    let deactivated = datetime(obj, "deactivated_datetime", &mut errors).value();
    let extras = extras(obj, &mut errors);
    errors.check(MSG)?;
    let (Some(name), Some(code)) = (name, code) else {
        return Err(ApiError::bad_request(MSG));
    };
    let id = s.next_rule_id();
    let now = s.now();
    let mut extra = Map::new();
    for (key, field) in extras {
        if let Some(v) = field.value() {
            extra.insert(key.into(), v);
        }
    }
    s.rules.insert(
        id,
        Rule {
            id,
            name,
            code,
            event_types,
            priority,
            created_datetime: now,
            updated_datetime: now,
            deactivated_datetime: deactivated,
            extra,
        },
    );
    s.record_event(origin, "rule-created", "Rule", id, json!({}));
    Ok(id)
}

pub async fn create_handler(AxState(app): AxState<Arc<App>>, JsonBody(body): JsonBody) -> Reply {
    let value = app.store.write(|s| {
        let id = create(s, Origin::Api, &body)?;
        Ok(render::rule(&s.rules[&id]))
    })?;
    created(value)
}

/// `PUT /api/rules/{id}`.
pub async fn update(
    AxState(app): AxState<Arc<App>>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Reply {
    const MSG: &str = "Failed to update the rule.";
    let id = parse_id(&id, "Rule")?;
    let value = app.store.write(|s| {
        let Some(mut rule) = s.rules.get(&id).cloned() else {
            return Err(ApiError::not_found("Rule"));
        };
        let mut errors = FieldErrors::new();
        let Some(obj) = body_object(&body, &mut errors) else {
            return Err(ApiError::validation(MSG, errors));
        };
        reject_unknown(obj, FIELDS, &mut errors);
        let name = string(obj, "name", Some(Len::between(1, 255)), &mut errors);
        let code = string(obj, "code", None, &mut errors);
        for (field, key) in [(&name, "name"), (&code, "code")] {
            if matches!(field, Field::Null) {
                errors.add(key, NULL);
            }
        }
        let event_types = event_types(obj, &mut errors).update();
        let priority = integer(obj, "priority", &mut errors).value();
        let deactivated = datetime(obj, "deactivated_datetime", &mut errors).update();
        let extras = extras(obj, &mut errors);
        errors.check(MSG)?;
        let was_active = rule.is_active();
        if let Some(v) = name.value() {
            rule.name = v;
        }
        if let Some(v) = code.value() {
            rule.code = v;
        }
        if let Some(v) = event_types {
            rule.event_types = v;
        }
        if let Some(v) = priority {
            rule.priority = v;
        }
        if let Some(v) = deactivated {
            rule.deactivated_datetime = v;
        }
        for (key, field) in extras {
            match field.update() {
                Some(Some(v)) => {
                    rule.extra.insert(key.into(), v);
                }
                Some(None) => {
                    rule.extra.remove(key);
                }
                None => {}
            }
        }
        rule.updated_datetime = s.now();
        let kind = match (was_active, rule.is_active()) {
            (true, false) => "rule-deactivated",
            (false, true) => "rule-reactivated",
            _ => "rule-updated",
        };
        let value = render::rule(&rule);
        s.rules.insert(id, rule);
        s.record_event(Origin::Api, kind, "Rule", id, json!({}));
        Ok(value)
    })?;
    ok(value)
}

pub async fn get_one(AxState(app): AxState<Arc<App>>, Path(id): Path<String>) -> Reply {
    let id = parse_id(&id, "Rule")?;
    app.store.read(|s| match s.rules.get(&id) {
        Some(r) => ok(render::rule(r)),
        None => Err(ApiError::not_found("Rule")),
    })
}

pub async fn delete(AxState(app): AxState<Arc<App>>, Path(id): Path<String>) -> Reply {
    let id = parse_id(&id, "Rule")?;
    app.store.write(|s| {
        if s.rules.remove(&id).is_none() {
            return Err(ApiError::not_found("Rule"));
        }
        s.record_event(Origin::Api, "rule-deleted", "Rule", id, json!({}));
        Ok(())
    })?;
    no_content()
}

/// Rules default to 100 per page (S-W1, S-DTO).
pub const LIST: ListSpec = ListSpec {
    orders: &["created_datetime"],
    default_order: ("created_datetime", Direction::Desc),
    default_limit: MAX_LIMIT,
    filters: &[],
};

pub async fn list(AxState(app): AxState<Arc<App>>, uri: Uri, params: Params) -> Reply {
    let query = list_query(&uri, params, &LIST)?;
    app.store.read(|s| {
        let keys = s
            .rules
            .values()
            .map(|r| (SortKey::time(r.created_datetime), r.id))
            .collect();
        list_reply(s, &query, keys, |s, id| s.rules.get(&id).map(render::rule))
    })
}
