//! Customers (reference §4.3).
//!
//! - `channels` is required on create (S-DTO, S-W1), each `{type, address,
//!   preferred}`; `type` is a channel slug.
//! - E-mail addresses are unique across customers, case-insensitively:
//!   a duplicate answers **409** (ERR, documented). A customer is known by
//!   its `email` and by the addresses of its `email` channels; the emulator
//!   keeps both in step (an `email` without a matching channel gets one, a
//!   customer with only an e-mail channel gets it as `email`) — inferred.
//! - `PUT /api/customers/{id}/data` sets the sidebar data, 202. What a
//!   create does with `data` is configurable ([`CustomerDataOnCreate`]).
//! - Merge is not emulated.

use super::super::errors::{ApiError, FieldErrors};
use super::super::pagination::{Direction, ListSpec, SortKey, DEFAULT_LIMIT};
use super::super::render;
use super::super::store::model::*;
use super::super::store::{Origin, State};
use super::super::validate::*;
use super::super::{App, CustomerDataOnCreate};
use super::{accepted, created, list_query, list_reply, ok, parse_id, JsonBody, Params, Reply};
use axum::extract::{Path, State as AxState};
use axum::http::Uri;
use serde_json::{json, Map, Value};
use std::sync::Arc;

const FIELDS: &[&str] = &[
    "channels",
    "data",
    "email",
    "external_id",
    "firstname",
    "language",
    "lastname",
    "meta",
    "name",
    "note",
    "timezone",
];

/// Echoed fields kept in `extra`.
const EXTRA_STRINGS: &[&str] = &["firstname", "lastname", "note", "timezone"];

struct Input {
    email: Field<String>,
    name: Field<String>,
    external_id: Field<String>,
    channels: Field<Vec<(String, String, bool)>>,
    data: Field<Value>,
    extra: Vec<(&'static str, Field<Value>)>,
}

fn channels(
    obj: &Map<String, Value>,
    errors: &mut FieldErrors,
) -> Field<Vec<(String, String, bool)>> {
    let items = match array(obj, "channels", errors) {
        Field::Set(items) => items,
        Field::Null => return Field::Null,
        Field::Absent => return Field::Absent,
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let mut e = FieldErrors::new();
        if let Some(c) = body_object(item, &mut e) {
            reject_unknown(c, &["type", "address", "preferred"], &mut e);
            let kind = required_string(c, "type", Some(Len::between(1, 64)), &mut e);
            let address = required_string(c, "address", Some(Len::between(1, 320)), &mut e);
            let preferred = required_bool(c, "preferred", &mut e);
            if let Some(k) = &kind {
                if !is_slug(k) {
                    e.add(
                        "type",
                        "Must be a channel type such as email, phone or chat.",
                    );
                }
            }
            if let (Some("email"), Some(a)) = (kind.as_deref(), &address) {
                if !is_email(a) {
                    e.add("address", NOT_EMAIL);
                }
            }
            if let (Some(k), Some(a), Some(p), true) = (kind, address, preferred, e.is_empty()) {
                out.push((k, a, p));
            }
        }
        errors.merge_item("channels", i.to_string(), e);
    }
    Field::Set(out)
}

fn parse(obj: &Map<String, Value>, creating: bool, errors: &mut FieldErrors) -> Input {
    reject_unknown(obj, FIELDS, errors);
    let channels = channels(obj, errors);
    if creating && channels.is_absent() && !obj.contains_key("channels") {
        errors.add("channels", MISSING);
    }
    let mut extra = Vec::new();
    for key in EXTRA_STRINGS {
        extra.push((
            *key,
            string(obj, key, Some(Len::max(1024)), errors).map(Value::String),
        ));
    }
    extra.push((
        "language",
        language(obj, "language", errors).map(Value::String),
    ));
    extra.push(("meta", free_object(obj, "meta", errors)));
    Input {
        email: email(obj, "email", errors),
        name: string(obj, "name", Some(Len::max(255)), errors),
        external_id: string(obj, "external_id", Some(Len::max(255)), errors),
        channels,
        data: free_object(obj, "data", errors),
        extra,
    }
}

/// Makes `email` and the e-mail channels agree (see the module docs).
fn align_email(customer: &mut Customer, s: &mut State, now: Timestamp) {
    match &customer.email {
        Some(email) => {
            let known = customer
                .channels
                .iter()
                .any(|c| c.kind == "email" && c.address.eq_ignore_ascii_case(email));
            if !known {
                let preferred = !customer.channels.iter().any(|c| c.preferred);
                customer.channels.push(CustomerChannel {
                    id: s.next_channel_id(),
                    kind: "email".into(),
                    address: email.clone(),
                    preferred,
                    created_datetime: now,
                });
            }
        }
        None => {
            let mut emails: Vec<&CustomerChannel> = customer
                .channels
                .iter()
                .filter(|c| c.kind == "email")
                .collect();
            emails.sort_by_key(|c| !c.preferred);
            customer.email = emails.first().map(|c| c.address.clone());
        }
    }
}

/// The first other customer already known by one of `emails`.
fn conflicting(s: &State, emails: &[String], except: Option<u64>) -> Option<u64> {
    emails
        .iter()
        .filter_map(|e| s.customer_by_email(e))
        .find(|id| Some(*id) != except)
}

fn conflict_error() -> ApiError {
    let mut errors = FieldErrors::new();
    errors.add(
        "email",
        "A customer with this email address already exists.",
    );
    ApiError::conflict("A customer with this email address already exists.", errors)
}

fn build_channels(
    s: &mut State,
    list: Vec<(String, String, bool)>,
    now: Timestamp,
) -> Vec<CustomerChannel> {
    list.into_iter()
        .map(|(kind, address, preferred)| CustomerChannel {
            id: s.next_channel_id(),
            kind,
            address,
            preferred,
            created_datetime: now,
        })
        .collect()
}

fn apply_extra(extra: &mut Map<String, Value>, updates: Vec<(&'static str, Field<Value>)>) {
    for (key, field) in updates {
        match field.update() {
            None => {}
            Some(None) => {
                extra.remove(key);
            }
            Some(Some(v)) => {
                extra.insert(key.to_string(), v);
            }
        }
    }
}

/// `POST /api/customers`.
pub fn create(s: &mut State, origin: Origin, body: &Value) -> Result<u64, ApiError> {
    let mut errors = FieldErrors::new();
    let input = body_object(body, &mut errors).map(|obj| parse(obj, true, &mut errors));
    errors.check("Failed to create the customer.")?;
    let Some(input) = input else {
        return Err(ApiError::bad_request("Failed to create the customer."));
    };
    let now = s.now();
    let mut customer = Customer {
        id: 0,
        email: input.email.value(),
        name: input.name.value(),
        external_id: input.external_id.value(),
        channels: Vec::new(),
        data: input.data.value(),
        created_datetime: now,
        updated_datetime: now,
        extra: Map::new(),
    };
    let channel_list = input.channels.value().unwrap_or_default();
    // Check before taking any id: a refused create changes nothing.
    let mut emails: Vec<String> = customer.email.iter().map(|e| e.to_lowercase()).collect();
    emails.extend(
        channel_list
            .iter()
            .filter(|(k, _, _)| k == "email")
            .map(|(_, a, _)| a.to_lowercase()),
    );
    if conflicting(s, &emails, None).is_some() {
        return Err(conflict_error());
    }
    customer.channels = build_channels(s, channel_list, now);
    apply_extra(&mut customer.extra, input.extra);
    align_email(&mut customer, s, now);
    customer.id = s.next_customer_id();
    let id = customer.id;
    s.customers.insert(id, customer);
    s.index_customer(id);
    s.record_event(origin, "customer-created", "Customer", id, json!({}));
    Ok(id)
}

/// The customer known by `email`, created (with an e-mail channel) when
/// there is none: what Gorgias does for a message sender given by e-mail.
/// `email` must already be validated.
pub fn find_or_create(s: &mut State, origin: Origin, email: &str, name: Option<&str>) -> u64 {
    if let Some(id) = s.customer_by_email(email) {
        return id;
    }
    let now = s.now();
    let id = s.next_customer_id();
    let mut customer = Customer {
        id,
        email: Some(email.to_string()),
        name: name.map(str::to_string),
        external_id: None,
        channels: Vec::new(),
        data: None,
        created_datetime: now,
        updated_datetime: now,
        extra: Map::new(),
    };
    align_email(&mut customer, s, now);
    s.customers.insert(id, customer);
    s.index_customer(id);
    s.record_event(origin, "customer-created", "Customer", id, json!({}));
    id
}

/// `PUT /api/customers/{id}`: given fields change, `channels` replaces all.
pub fn update(s: &mut State, origin: Origin, id: u64, body: &Value) -> Result<(), ApiError> {
    let Some(existing) = s.customers.get(&id).cloned() else {
        return Err(ApiError::not_found("Customer"));
    };
    let mut errors = FieldErrors::new();
    let input = body_object(body, &mut errors).map(|obj| parse(obj, false, &mut errors));
    errors.check("Failed to update the customer.")?;
    let Some(input) = input else {
        return Err(ApiError::bad_request("Failed to update the customer."));
    };
    let now = s.now();
    let mut customer = existing;
    if let Some(email) = input.email.update() {
        customer.email = email;
    }
    if let Some(name) = input.name.update() {
        customer.name = name;
    }
    if let Some(external_id) = input.external_id.update() {
        customer.external_id = external_id;
    }
    if let Some(data) = input.data.update() {
        customer.data = data;
    }
    let new_channels = input.channels.update();
    let mut emails: Vec<String> = customer.email.iter().map(|e| e.to_lowercase()).collect();
    if let Some(Some(list)) = &new_channels {
        emails.extend(
            list.iter()
                .filter(|(k, _, _)| k == "email")
                .map(|(_, a, _)| a.to_lowercase()),
        );
    }
    if conflicting(s, &emails, Some(id)).is_some() {
        return Err(conflict_error());
    }
    if let Some(list) = new_channels {
        customer.channels = build_channels(s, list.unwrap_or_default(), now);
    }
    apply_extra(&mut customer.extra, input.extra);
    align_email(&mut customer, s, now);
    customer.updated_datetime = now;
    s.unindex_customer(id);
    s.customers.insert(id, customer);
    s.index_customer(id);
    s.record_event(origin, "customer-updated", "Customer", id, json!({}));
    Ok(())
}

fn remove(s: &mut State, id: u64) -> bool {
    if s.customers.remove(&id).is_none() {
        return false;
    }
    s.unindex_customer(id);
    s.record_event(Origin::Api, "customer-deleted", "Customer", id, json!({}));
    true
}

pub const LIST: ListSpec = ListSpec {
    orders: &["created_datetime", "updated_datetime"],
    default_order: ("created_datetime", Direction::Desc),
    default_limit: DEFAULT_LIMIT,
    filters: &[
        "email",
        "external_id",
        "name",
        "channel_type",
        "channel_address",
        "language",
        "timezone",
    ],
};

pub async fn list(AxState(app): AxState<Arc<App>>, uri: Uri, params: Params) -> Reply {
    let query = list_query(&uri, params, &LIST)?;
    app.store.read(|s| {
        let email = query.param("email").map(str::to_lowercase);
        let keys = s
            .customers
            .values()
            .filter(|c| email.as_ref().is_none_or(|e| c.emails().contains(e)))
            .filter(|c| {
                query
                    .param("external_id")
                    .is_none_or(|x| c.external_id.as_deref() == Some(x))
            })
            .filter(|c| {
                query
                    .param("name")
                    .is_none_or(|x| c.name.as_deref() == Some(x))
            })
            .filter(|c| {
                query
                    .param("channel_type")
                    .is_none_or(|t| c.channels.iter().any(|ch| ch.kind == t))
            })
            .filter(|c| {
                query.param("channel_address").is_none_or(|a| {
                    c.channels
                        .iter()
                        .any(|ch| ch.address.eq_ignore_ascii_case(a))
                })
            })
            .filter(|c| {
                query
                    .param("language")
                    .is_none_or(|l| c.extra.get("language").and_then(Value::as_str) == Some(l))
            })
            .filter(|c| {
                query.param("timezone").is_none_or(|z| {
                    c.extra
                        .get("timezone")
                        .and_then(Value::as_str)
                        .unwrap_or("UTC")
                        == z
                })
            })
            .map(|c| {
                let key = if query.order_field == "updated_datetime" {
                    c.updated_datetime
                } else {
                    c.created_datetime
                };
                (SortKey::time(key), c.id)
            })
            .collect();
        list_reply(s, &query, keys, |s, id| {
            s.customers.get(&id).map(render::customer)
        })
    })
}

pub async fn create_handler(
    AxState(app): AxState<Arc<App>>,
    JsonBody(mut body): JsonBody,
) -> Reply {
    if let Some(obj) = body.as_object_mut().filter(|o| o.contains_key("data")) {
        match app.customer_data_on_create {
            CustomerDataOnCreate::Kept => {}
            CustomerDataOnCreate::Ignored => {
                obj.remove("data");
            }
            CustomerDataOnCreate::Refused => {
                let mut errors = FieldErrors::new();
                errors.add("data", UNKNOWN);
                errors.check("Failed to create the customer.")?;
            }
        }
    }
    let value = app.store.write(|s| {
        let id = create(s, Origin::Api, &body)?;
        Ok(render::customer(&s.customers[&id]))
    })?;
    created(value)
}

pub async fn get_one(AxState(app): AxState<Arc<App>>, Path(id): Path<String>) -> Reply {
    let id = parse_id(&id, "Customer")?;
    app.store.read(|s| match s.customers.get(&id) {
        Some(c) => ok(render::customer(c)),
        None => Err(ApiError::not_found("Customer")),
    })
}

pub async fn update_handler(
    AxState(app): AxState<Arc<App>>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Reply {
    let id = parse_id(&id, "Customer")?;
    let value = app.store.write(|s| {
        update(s, Origin::Api, id, &body)?;
        Ok(render::customer(&s.customers[&id]))
    })?;
    ok(value)
}

pub async fn delete(AxState(app): AxState<Arc<App>>, Path(id): Path<String>) -> Reply {
    super::delete_one(&app, &id, "Customer", remove)
}

/// `DELETE /api/customers` with `{"ids": [...]}`.
pub async fn bulk_delete(AxState(app): AxState<Arc<App>>, JsonBody(body): JsonBody) -> Reply {
    super::delete_many(&app, &body, "Failed to delete the customers.", remove)
}

/// `{"ids": [1, 2]}` as used by the bulk deletes.
pub fn ids_body(body: &Value, errors: &mut FieldErrors) -> Vec<u64> {
    let Some(obj) = body_object(body, errors) else {
        return Vec::new();
    };
    reject_unknown(obj, &["ids"], errors);
    match array(obj, "ids", errors) {
        Field::Set(items) => items
            .iter()
            .enumerate()
            .filter_map(|(i, v)| {
                let id = v.as_u64().filter(|id| *id > 0);
                if id.is_none() {
                    errors.nested("ids").add(i.to_string(), NOT_INTEGER);
                }
                id
            })
            .collect(),
        _ => {
            if !obj.contains_key("ids") {
                errors.add("ids", MISSING);
            }
            Vec::new()
        }
    }
}

/// `PUT /api/customers/{id}/data` with `{"data": {...}, "version"?}`.
pub async fn set_data(
    AxState(app): AxState<Arc<App>>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Reply {
    let id = parse_id(&id, "Customer")?;
    let mut errors = FieldErrors::new();
    let data = body_object(&body, &mut errors).and_then(|obj| {
        reject_unknown(obj, &["data", "version"], &mut errors);
        string(obj, "version", None, &mut errors);
        match free_object(obj, "data", &mut errors) {
            Field::Set(data) => Some(data),
            Field::Null => {
                errors.add("data", NULL);
                None
            }
            Field::Absent => {
                if !obj.contains_key("data") {
                    errors.add("data", MISSING);
                }
                None
            }
        }
    });
    errors.check("Failed to update the customer data.")?;
    let value = app.store.write(|s| {
        let now = s.now();
        let Some(customer) = s.customers.get_mut(&id) else {
            return Err(ApiError::not_found("Customer"));
        };
        customer.data = data;
        customer.updated_datetime = now;
        let value = render::customer(customer);
        s.record_event(
            Origin::Api,
            "customer-updated",
            "Customer",
            id,
            json!({"data": true}),
        );
        Ok(value)
    })?;
    accepted(value)
}
