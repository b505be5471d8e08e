//! Users (agents; reference §4.4).
//!
//! Create requires `email`, `name` and `role {name}` with `name` one of
//! admin, agent, basic-agent, lite-agent, observer-agent (CU, S-DTO). A
//! duplicate e-mail is a 409 (inferred from ERR). Deactivation goes through
//! `PUT` with `active: false` or `deactivated_datetime` (null/`true`
//! reactivates); changing a user's e-mail needs `password_confirmation`
//! (CU). `GET /api/users/0` is the caller (BD). There is no `/api/roles`:
//! a role exists only as `user.role.name`.

use super::super::errors::{ApiError, FieldErrors};
use super::super::pagination::{Direction, ListSpec, SortKey, DEFAULT_LIMIT};
use super::super::render;
use super::super::store::model::*;
use super::super::store::{Origin, State};
use super::super::validate::*;
use super::super::vocab;
use super::super::App;
use super::{created, list_query, list_reply, no_content, ok, JsonBody, Params, Reply};
use axum::extract::{Path, State as AxState};
use axum::http::Uri;
use serde_json::{json, Map, Value};
use std::sync::Arc;

const CREATE_FIELDS: &[&str] = &[
    "bio",
    "country",
    "email",
    "external_id",
    "language",
    "meta",
    "name",
    "role",
    "timezone",
];
const UPDATE_ONLY: &[&str] = &["active", "deactivated_datetime", "password_confirmation"];

fn role(obj: &Map<String, Value>, errors: &mut FieldErrors) -> Field<String> {
    match object(obj, "role", errors) {
        Field::Set(r) => {
            let mut e = FieldErrors::new();
            reject_unknown(r, &["name"], &mut e);
            let name = one_of(r, "name", vocab::USER_ROLES, &mut e);
            if name.is_absent() && !r.contains_key("name") {
                e.add("name", MISSING);
            }
            errors.merge_into("role", e);
            name
        }
        Field::Null => Field::Null,
        Field::Absent => Field::Absent,
    }
}

/// Echoed profile fields: `bio`, `country`, `language`, `timezone`, `meta`.
fn profile(
    obj: &Map<String, Value>,
    errors: &mut FieldErrors,
) -> Vec<(&'static str, Field<Value>)> {
    let country = match string(obj, "country", None, errors) {
        Field::Set(c) if c.len() == 2 && c.chars().all(|ch| ch.is_ascii_uppercase()) => {
            Field::Set(c)
        }
        Field::Set(_) => {
            errors.add("country", "Not a valid ISO 3166-1 alpha-2 country code.");
            Field::Absent
        }
        other => other,
    };
    vec![
        (
            "bio",
            string(obj, "bio", Some(Len::max(1024)), errors).map(Value::String),
        ),
        ("country", country.map(Value::String)),
        (
            "language",
            one_of(obj, "language", &["en", "fr"], errors).map(Value::String),
        ),
        (
            "timezone",
            string(obj, "timezone", Some(Len::max(64)), errors).map(Value::String),
        ),
        ("meta", free_object(obj, "meta", errors)),
    ]
}

fn apply_profile(extra: &mut Map<String, Value>, fields: Vec<(&'static str, Field<Value>)>) {
    for (key, field) in fields {
        match field.update() {
            Some(Some(v)) => {
                extra.insert(key.into(), v);
            }
            Some(None) => {
                extra.remove(key);
            }
            None => {}
        }
    }
}

fn duplicate_email() -> ApiError {
    let mut errors = FieldErrors::new();
    errors.add("email", "A user with this email address already exists.");
    ApiError::conflict("A user with this email address already exists.", errors)
}

/// `POST /api/users`.
pub fn create(s: &mut State, origin: Origin, body: &Value) -> Result<u64, ApiError> {
    const MSG: &str = "Failed to create the user.";
    let mut errors = FieldErrors::new();
    let Some(obj) = body_object(body, &mut errors) else {
        return Err(ApiError::validation(MSG, errors));
    };
    reject_unknown(obj, CREATE_FIELDS, &mut errors);
    let email = match email(obj, "email", &mut errors) {
        Field::Set(e) => Some(e),
        Field::Null => {
            errors.add("email", NULL);
            None
        }
        Field::Absent => {
            if !obj.contains_key("email") {
                errors.add("email", MISSING);
            }
            None
        }
    };
    let name = required_string(obj, "name", Some(Len::between(1, 255)), &mut errors);
    let role = role(obj, &mut errors);
    if role.is_absent() && !obj.contains_key("role") {
        errors.add("role", MISSING);
    }
    let external_id = string(obj, "external_id", Some(Len::max(255)), &mut errors).value();
    let profile = profile(obj, &mut errors);
    errors.check(MSG)?;
    let (Some(email), Some(name), Field::Set(role)) = (email, name, role) else {
        return Err(ApiError::bad_request(MSG));
    };
    if s.user_by_email(&email).is_some() {
        return Err(duplicate_email());
    }
    let id = s.next_user_id();
    let now = s.now();
    let mut extra = Map::new();
    apply_profile(&mut extra, profile);
    s.users.insert(
        id,
        User {
            id,
            email,
            name,
            role,
            external_id,
            active: true,
            created_datetime: now,
            updated_datetime: now,
            deactivated_datetime: None,
            extra,
        },
    );
    s.record_event(origin, "user-created", "User", id, json!({}));
    Ok(id)
}

/// `PUT /api/users/{id}`.
pub fn update(s: &mut State, origin: Origin, id: u64, body: &Value) -> Result<(), ApiError> {
    const MSG: &str = "Failed to update the user.";
    let Some(existing) = s.users.get(&id).cloned() else {
        return Err(ApiError::not_found("User"));
    };
    let mut errors = FieldErrors::new();
    let Some(obj) = body_object(body, &mut errors) else {
        return Err(ApiError::validation(MSG, errors));
    };
    let allowed: Vec<&str> = CREATE_FIELDS.iter().chain(UPDATE_ONLY).copied().collect();
    reject_unknown(obj, &allowed, &mut errors);
    let email = email(obj, "email", &mut errors).value();
    let name = string(obj, "name", Some(Len::between(1, 255)), &mut errors).value();
    let role = role(obj, &mut errors).value();
    let external_id = string(obj, "external_id", Some(Len::max(255)), &mut errors).update();
    let active = boolean(obj, "active", &mut errors).value();
    let deactivated = datetime(obj, "deactivated_datetime", &mut errors);
    string(obj, "password_confirmation", None, &mut errors);
    let profile = profile(obj, &mut errors);
    let email_changes = email
        .as_ref()
        .is_some_and(|e| !e.eq_ignore_ascii_case(&existing.email));
    if email_changes && !obj.contains_key("password_confirmation") {
        errors.add(
            "password_confirmation",
            "Required to change the email address.",
        );
    }
    match (active, &deactivated) {
        (Some(true), Field::Set(_)) | (Some(false), Field::Null) => {
            errors.add("active", "Contradicts deactivated_datetime.");
        }
        _ => {}
    }
    errors.check(MSG)?;
    if let Some(e) = &email {
        if s.user_by_email(e).is_some_and(|other| other != id) {
            return Err(duplicate_email());
        }
    }
    let now = s.now();
    let mut user = existing;
    let was_active = user.active;
    if let Some(e) = email {
        user.email = e;
    }
    if let Some(n) = name {
        user.name = n;
    }
    if let Some(r) = role {
        user.role = r;
    }
    if let Some(x) = external_id {
        user.external_id = x;
    }
    match (active, deactivated) {
        (_, Field::Set(at)) => {
            user.active = false;
            user.deactivated_datetime = Some(at);
        }
        (_, Field::Null) | (Some(true), Field::Absent) => {
            user.active = true;
            user.deactivated_datetime = None;
        }
        (Some(false), Field::Absent) => {
            if user.active {
                user.deactivated_datetime = Some(now);
            }
            user.active = false;
        }
        (None, Field::Absent) => {}
    }
    apply_profile(&mut user.extra, profile);
    user.updated_datetime = now;
    let kind = match (was_active, user.active) {
        (true, false) => "user-deactivated",
        (false, true) => "user-reactivated",
        _ => "user-updated",
    };
    s.users.insert(id, user);
    s.record_event(origin, kind, "User", id, json!({}));
    Ok(())
}

/// `0` means the caller.
fn user_id(s: &State, text: &str) -> Result<u64, ApiError> {
    match text.parse::<u64>() {
        Ok(0) => Ok(s.caller_user_id),
        Ok(id) if s.users.contains_key(&id) => Ok(id),
        _ => Err(ApiError::not_found("User")),
    }
}

pub async fn create_handler(AxState(app): AxState<Arc<App>>, JsonBody(body): JsonBody) -> Reply {
    let value = app.store.write(|s| {
        let id = create(s, Origin::Api, &body)?;
        Ok(render::user(&s.users[&id]))
    })?;
    created(value)
}

pub async fn get_one(AxState(app): AxState<Arc<App>>, Path(id): Path<String>) -> Reply {
    app.store.read(|s| {
        let id = user_id(s, &id)?;
        ok(render::user(&s.users[&id]))
    })
}

pub async fn update_handler(
    AxState(app): AxState<Arc<App>>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Reply {
    let value = app.store.write(|s| {
        let id = user_id(s, &id)?;
        update(s, Origin::Api, id, &body)?;
        Ok(render::user(&s.users[&id]))
    })?;
    ok(value)
}

/// Deleting a user is allowed (deskshift deactivates instead); the caller
/// cannot delete itself. Messages keep a reference to the id.
pub async fn delete(AxState(app): AxState<Arc<App>>, Path(id): Path<String>) -> Reply {
    app.store.write(|s| {
        let id = user_id(s, &id)?;
        if id == s.caller_user_id {
            return Err(ApiError::bad_request("You cannot delete your own user."));
        }
        s.users.remove(&id);
        for ticket in s.tickets.values_mut() {
            if ticket.assignee_user_id == Some(id) {
                ticket.assignee_user_id = None;
            }
        }
        s.record_event(Origin::Api, "user-deleted", "User", id, json!({}));
        Ok(())
    })?;
    no_content()
}

pub const LIST: ListSpec = ListSpec {
    orders: &["created_datetime", "name", "email", "role.name"],
    default_order: ("created_datetime", Direction::Desc),
    default_limit: DEFAULT_LIMIT,
    filters: &["email", "external_id", "roles", "search"],
};

pub async fn list(AxState(app): AxState<Arc<App>>, uri: Uri, params: Params) -> Reply {
    let query = list_query(&uri, params, &LIST)?;
    let roles: Vec<String> = query
        .params("roles")
        .iter()
        .map(|r| r.to_string())
        .collect();
    let search = query.param("search").map(str::to_lowercase);
    app.store.read(|s| {
        let keys = s
            .users
            .values()
            .filter(|u| {
                query
                    .param("email")
                    .is_none_or(|e| u.email.eq_ignore_ascii_case(e))
            })
            .filter(|u| {
                query
                    .param("external_id")
                    .is_none_or(|x| u.external_id.as_deref() == Some(x))
            })
            .filter(|u| roles.is_empty() || roles.contains(&u.role))
            .filter(|u| {
                search.as_ref().is_none_or(|q| {
                    u.name.to_lowercase().contains(q) || u.email.to_lowercase().contains(q)
                })
            })
            .map(|u| {
                let key = match query.order_field {
                    "name" => SortKey::Text(u.name.clone()),
                    "email" => SortKey::Text(u.email.to_lowercase()),
                    "role.name" => SortKey::Text(u.role.clone()),
                    _ => SortKey::time(u.created_datetime),
                };
                (key, u.id)
            })
            .collect();
        list_reply(s, &query, keys, |s, id| s.users.get(&id).map(render::user))
    })
}
