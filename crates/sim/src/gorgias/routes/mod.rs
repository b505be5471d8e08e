//! The HTTP face of the emulator: one module per resource, each with pure
//! `create`/`update` functions over the [`State`] (shared with seeding) and
//! thin axum handlers around them.

pub mod account;
pub mod custom_fields;
pub mod customers;
pub mod events;
pub mod messages;
pub mod rules;
pub mod surveys;
pub mod tags;
pub mod tickets;
pub mod upload;
pub mod users;

use super::auth::gate;
use super::errors::{self, ApiError};
use super::pagination::{self, ListQuery, ListSpec};
use super::store::State;
use super::App;
use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use bytes::Bytes;
use serde_json::{Map, Value};
use std::sync::Arc;

/// Largest JSON body accepted: a ticket with 500 long HTML messages fits.
pub const JSON_BODY_LIMIT: usize = 64 * 1024 * 1024;

pub type Reply = Result<Response, ApiError>;

pub fn created(value: Value) -> Reply {
    Ok((StatusCode::CREATED, Json(value)).into_response())
}

pub fn ok(value: Value) -> Reply {
    Ok(Json(value).into_response())
}

pub fn accepted(value: Value) -> Reply {
    Ok((StatusCode::ACCEPTED, Json(value)).into_response())
}

pub fn no_content() -> Reply {
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `DELETE /api/{records}/{id}`; `remove` answers whether the record existed.
pub fn delete_one(
    app: &App,
    id: &str,
    what: &'static str,
    remove: impl FnOnce(&mut State, u64) -> bool,
) -> Reply {
    let id = parse_id(id, what)?;
    app.store.write(|s| {
        if remove(s, id) {
            Ok(())
        } else {
            Err(ApiError::not_found(what))
        }
    })?;
    no_content()
}

/// `DELETE /api/{records}` with `{"ids": [...]}`; ids already gone are ignored.
pub fn delete_many(
    app: &App,
    body: &Value,
    failure: &str,
    remove: impl Fn(&mut State, u64) -> bool,
) -> Reply {
    let mut errors = errors::FieldErrors::new();
    let ids = customers::ids_body(body, &mut errors);
    errors.check(failure)?;
    app.store.write(|s| {
        for id in ids {
            remove(s, id);
        }
        Ok(())
    })?;
    no_content()
}

/// An id from the path; anything but a positive integer is a 404, as an
/// unknown id would be.
pub fn parse_id(text: &str, what: &str) -> Result<u64, ApiError> {
    text.parse::<u64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| ApiError::not_found(what))
}

/// A JSON request body, parsed by hand so that a malformed body gets the
/// API's error envelope instead of axum's plain-text rejection.
pub struct JsonBody(pub Value);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<JsonBody, ApiError> {
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::payload_too_large("Request body too large.")
                } else {
                    ApiError::bad_request("Could not read the request body.")
                }
            })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(JsonBody(Value::Object(Map::new())));
        }
        serde_json::from_slice(&bytes)
            .map(JsonBody)
            .map_err(|e| ApiError::bad_request(format!("Invalid JSON body: {e}.")))
    }
}

/// The decoded query string as pairs (repeatable keys kept).
pub struct Params(pub Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Params, ApiError> {
        Query::<Vec<(String, String)>>::from_request_parts(parts, state)
            .await
            .map(|Query(pairs)| Params(pairs))
            .map_err(|_| ApiError::bad_request("Invalid query string."))
    }
}

impl Params {
    /// Refuses any parameter not in `allowed`.
    pub fn only(&self, allowed: &[&str]) -> Result<(), ApiError> {
        let mut errors = errors::FieldErrors::new();
        for (key, _) in &self.0 {
            if !allowed.contains(&key.as_str()) {
                errors.add(key.clone(), super::validate::UNKNOWN);
            }
        }
        errors.check("Invalid query parameters.")
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// Parses a list request, or answers 400.
pub fn list_query(uri: &Uri, params: Params, spec: &ListSpec) -> Result<ListQuery, ApiError> {
    pagination::parse(uri, params.0, spec)
}

/// A filter value that must be an id.
pub fn id_param(query: &ListQuery, key: &str) -> Result<Option<u64>, ApiError> {
    match query.param(key) {
        None => Ok(None),
        Some(text) => text.trim().parse::<u64>().map(Some).map_err(|_| {
            ApiError::field(
                "Invalid query parameters.",
                key,
                super::validate::NOT_INTEGER,
            )
        }),
    }
}

/// A filter value that must be a boolean.
pub fn bool_param(query: &ListQuery, key: &str) -> Result<Option<bool>, ApiError> {
    match query.param(key) {
        None => Ok(None),
        Some("true") | Some("1") => Ok(Some(true)),
        Some("false") | Some("0") => Ok(Some(false)),
        Some(_) => Err(ApiError::field(
            "Invalid query parameters.",
            key,
            super::validate::NOT_BOOL,
        )),
    }
}

/// Renders one page of a list.
pub fn list_reply(
    state: &State,
    query: &ListQuery,
    keys: Vec<(pagination::SortKey, u64)>,
    render: impl Fn(&State, u64) -> Option<Value>,
) -> Reply {
    let page = pagination::paginate(keys, query);
    let data: Vec<Value> = page
        .ids
        .iter()
        .filter_map(|id| render(state, *id))
        .collect();
    ok(pagination::envelope(query, &page, data))
}

/// The API router (behind the gate) plus the unauthenticated file URLs.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/api/account", get(account::get_account))
        .route(
            "/api/tickets",
            get(tickets::list).post(tickets::create_handler),
        )
        .route(
            "/api/tickets/{id}",
            get(tickets::get_one)
                .put(tickets::update_handler)
                .delete(tickets::delete),
        )
        .route(
            "/api/tickets/{id}/tags",
            get(tickets::list_tags)
                .post(tickets::add_tags)
                .put(tickets::replace_tags)
                .delete(tickets::remove_tags),
        )
        .route(
            "/api/tickets/{id}/custom-fields",
            get(custom_fields::ticket_values).put(custom_fields::replace_ticket_values),
        )
        .route(
            "/api/tickets/{id}/custom-fields/{field_id}",
            put(custom_fields::set_ticket_value).delete(custom_fields::delete_ticket_value),
        )
        .route(
            "/api/tickets/{id}/messages",
            get(messages::list_for_ticket).post(messages::create_handler),
        )
        .route(
            "/api/tickets/{id}/messages/{message_id}",
            get(messages::get_one).delete(messages::delete),
        )
        .route("/api/messages", get(messages::list))
        .route(
            "/api/customers",
            get(customers::list)
                .post(customers::create_handler)
                .delete(customers::bulk_delete),
        )
        .route(
            "/api/customers/{id}",
            get(customers::get_one)
                .put(customers::update_handler)
                .delete(customers::delete),
        )
        .route("/api/customers/{id}/data", put(customers::set_data))
        .route("/api/users", get(users::list).post(users::create_handler))
        .route(
            "/api/users/{id}",
            get(users::get_one)
                .put(users::update_handler)
                .delete(users::delete),
        )
        .route(
            "/api/tags",
            get(tags::list)
                .post(tags::create_handler)
                .delete(tags::bulk_delete),
        )
        .route(
            "/api/tags/{id}",
            get(tags::get_one).put(tags::update).delete(tags::delete),
        )
        .route("/api/tags/{id}/merge", put(tags::merge))
        .route(
            "/api/custom-fields",
            get(custom_fields::list).post(custom_fields::create_handler),
        )
        .route(
            "/api/custom-fields/{id}",
            get(custom_fields::get_one).put(custom_fields::update),
        )
        .route(
            "/api/upload",
            post(upload::upload).layer(DefaultBodyLimit::disable()),
        )
        .route(
            "/api/satisfaction-surveys",
            get(surveys::list).post(surveys::create_handler),
        )
        .route(
            "/api/satisfaction-surveys/{id}",
            get(surveys::get_one).put(surveys::update),
        )
        .route("/api/rules", get(rules::list).post(rules::create_handler))
        .route(
            "/api/rules/{id}",
            get(rules::get_one).put(rules::update).delete(rules::delete),
        )
        .route("/api/events", get(events::list))
        .route("/api/events/{id}", get(events::get_one))
        .fallback(errors::no_such_path)
        .method_not_allowed_fallback(errors::wrong_method)
        .layer(DefaultBodyLimit::max(JSON_BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(Arc::clone(&app), gate))
        // Files are served like Gorgias's CDN links: no credentials, no budget.
        .route(upload::FILES_ROUTE, get(upload::download))
        .with_state(app)
}
