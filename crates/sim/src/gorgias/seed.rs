//! Records that exist in the account before a migration starts.
//!
//! Each seed is a request body of the matching create endpoint, so seeded
//! records are built by the same code — and checked by the same rules — as
//! records created over HTTP. Seeds are history: they produce no events,
//! fire no rules and send nothing, whatever their `sent_datetime`.

use super::errors::ApiError;
use super::routes::{custom_fields, customers, rules, surveys, tags, tickets, users};
use super::store::{Origin, State};
use serde_json::Value;
use std::io;

/// Pre-existing records, as create bodies (`POST /api/users` bodies for
/// `users`, and so on). Users may also carry `active: false` or
/// `deactivated_datetime` to start deactivated; a user with the API
/// credentials' e-mail updates the caller instead of adding a second one.
/// Applied in dependency order: users, customers, tags, custom fields,
/// rules, tickets (with their messages), satisfaction surveys.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExistingData {
    pub users: Vec<Value>,
    pub customers: Vec<Value>,
    pub tags: Vec<Value>,
    pub custom_fields: Vec<Value>,
    pub rules: Vec<Value>,
    pub tickets: Vec<Value>,
    pub satisfaction_surveys: Vec<Value>,
}

impl ExistingData {
    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
            && self.customers.is_empty()
            && self.tags.is_empty()
            && self.custom_fields.is_empty()
            && self.rules.is_empty()
            && self.tickets.is_empty()
            && self.satisfaction_surveys.is_empty()
    }
}

fn invalid(kind: &str, index: usize, error: ApiError) -> io::Error {
    let details = error.data.map(|d| format!(" {d}")).unwrap_or_default();
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "existing {kind}[{index}] was refused: {}{details}",
            error.msg
        ),
    )
}

/// Users: deactivation fields go through the update path.
fn seed_user(s: &mut State, body: &Value) -> Result<(), ApiError> {
    let mut create_body = body.clone();
    let mut later = serde_json::Map::new();
    if let Value::Object(map) = &mut create_body {
        for key in ["active", "deactivated_datetime"] {
            if let Some(v) = map.remove(key) {
                later.insert(key.into(), v);
            }
        }
    }
    let existing = body
        .get("email")
        .and_then(Value::as_str)
        .and_then(|e| s.user_by_email(e));
    let id = match existing {
        Some(id) => {
            if let Value::Object(map) = &mut create_body {
                map.remove("email");
            }
            users::update(s, Origin::Seed, id, &create_body)?;
            id
        }
        None => users::create(s, Origin::Seed, &create_body)?,
    };
    if !later.is_empty() {
        users::update(s, Origin::Seed, id, &Value::Object(later))?;
    }
    Ok(())
}

/// Applies `existing` to a fresh account.
pub fn apply(s: &mut State, existing: &ExistingData) -> io::Result<()> {
    for (i, body) in existing.users.iter().enumerate() {
        seed_user(s, body).map_err(|e| invalid("users", i, e))?;
    }
    type Create = fn(&mut State, Origin, &Value) -> Result<u64, ApiError>;
    let groups: [(&str, &Vec<Value>, Create); 6] = [
        ("customers", &existing.customers, customers::create),
        ("tags", &existing.tags, tags::create),
        (
            "custom_fields",
            &existing.custom_fields,
            custom_fields::create,
        ),
        ("rules", &existing.rules, rules::create),
        ("tickets", &existing.tickets, tickets::create),
        (
            "satisfaction_surveys",
            &existing.satisfaction_surveys,
            surveys::create,
        ),
    ];
    for (kind, bodies, create) in groups {
        for (i, body) in bodies.iter().enumerate() {
            create(s, Origin::Seed, body).map_err(|e| invalid(kind, i, e))?;
        }
    }
    Ok(())
}
