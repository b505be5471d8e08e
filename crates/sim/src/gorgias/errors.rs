//! Error answers in Gorgias's envelope: `{"error": {"msg": …, "data": …}}`.
//!
//! The shape is the documented one (reference §6, confirmed live by W6W):
//! `data` maps a field to a list of messages and nests for nested input,
//! e.g. `{"messages": {"0": {"sender": ["…"]}}}`, which is what Gorgias's own
//! web app flattens. The message texts are marshmallow's defaults ("Missing
//! data for required field.", "Unknown field.", …) because Gorgias validates
//! with marshmallow; the exact wording is inferred, clients must not match on it.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// Per-field validation messages, possibly nested.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors {
    entries: BTreeMap<String, Node>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Node {
    Messages(Vec<String>),
    Nested(FieldErrors),
}

/// Key under which messages about an object as a whole are kept when the
/// same key also has nested errors (marshmallow's convention).
const SCHEMA_KEY: &str = "_schema";

impl FieldErrors {
    pub fn new() -> FieldErrors {
        FieldErrors::default()
    }

    /// Adds a message about `field`.
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        let node = self
            .entries
            .entry(field.into())
            .or_insert_with(|| Node::Messages(Vec::new()));
        match node {
            Node::Messages(messages) => messages.push(message.into()),
            Node::Nested(nested) => nested.add(SCHEMA_KEY, message),
        }
    }

    /// The errors of a nested object or list item under `field`.
    pub fn nested(&mut self, field: impl Into<String>) -> &mut FieldErrors {
        let node = self
            .entries
            .entry(field.into())
            .or_insert_with(|| Node::Nested(FieldErrors::default()));
        if let Node::Messages(messages) = node {
            let mut nested = FieldErrors::default();
            for message in std::mem::take(messages) {
                nested.add(SCHEMA_KEY, message);
            }
            *node = Node::Nested(nested);
        }
        match node {
            Node::Nested(nested) => nested,
            Node::Messages(_) => unreachable!("converted just above"),
        }
    }

    /// Merges `other` into the errors of `field`.
    pub fn merge_into(&mut self, field: impl Into<String>, other: FieldErrors) {
        if other.is_empty() {
            return;
        }
        let target = self.nested(field);
        for (key, node) in other.entries {
            match node {
                Node::Messages(messages) => {
                    for m in messages {
                        target.add(key.clone(), m);
                    }
                }
                Node::Nested(nested) => target.merge_into(key, nested),
            }
        }
    }

    /// Merges the errors of item `key` of the list or object `field`
    /// (e.g. `messages → 0`); nothing happens when `other` is empty, so a
    /// message already recorded about `field` itself stays a plain list.
    pub fn merge_item(&mut self, field: &str, key: impl Into<String>, other: FieldErrors) {
        if !other.is_empty() {
            self.nested(field).merge_into(key, other);
        }
    }

    /// True when no message was recorded anywhere.
    pub fn is_empty(&self) -> bool {
        self.entries.values().all(|node| match node {
            Node::Messages(messages) => messages.is_empty(),
            Node::Nested(nested) => nested.is_empty(),
        })
    }

    pub fn to_json(&self) -> Value {
        let mut map = Map::new();
        for (key, node) in &self.entries {
            match node {
                Node::Messages(messages) if !messages.is_empty() => {
                    map.insert(key.clone(), json!(messages));
                }
                Node::Nested(nested) if !nested.is_empty() => {
                    map.insert(key.clone(), nested.to_json());
                }
                _ => {}
            }
        }
        Value::Object(map)
    }

    /// `Ok(())` when empty, else a 400 with `msg` and these errors.
    pub fn check(self, msg: &str) -> Result<(), ApiError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(ApiError::validation(msg, self))
        }
    }
}

/// An error answer.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: StatusCode,
    pub msg: String,
    pub data: Option<Value>,
    /// Seconds for `Retry-after` (429 only).
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, msg: impl Into<String>) -> ApiError {
        ApiError {
            status,
            msg: msg.into(),
            data: None,
            retry_after: None,
        }
    }

    /// 400 with per-field messages.
    pub fn validation(msg: impl Into<String>, errors: FieldErrors) -> ApiError {
        ApiError {
            data: Some(errors.to_json()),
            ..ApiError::new(StatusCode::BAD_REQUEST, msg)
        }
    }

    /// 400 about a single field.
    pub fn field(msg: &str, field: &str, message: impl Into<String>) -> ApiError {
        let mut errors = FieldErrors::new();
        errors.add(field, message);
        ApiError::validation(msg, errors)
    }

    pub fn bad_request(msg: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, msg)
    }

    /// The live-checked 401 body (W6W).
    pub fn unauthorized() -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "Unauthorized.")
    }

    pub fn not_found(what: &str) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, format!("{what} not found."))
    }

    pub fn conflict(msg: impl Into<String>, errors: FieldErrors) -> ApiError {
        ApiError {
            data: (!errors.is_empty()).then(|| errors.to_json()),
            ..ApiError::new(StatusCode::CONFLICT, msg)
        }
    }

    pub fn too_many_requests(retry_after: u64) -> ApiError {
        ApiError {
            retry_after: Some(retry_after),
            ..ApiError::new(StatusCode::TOO_MANY_REQUESTS, "Too many requests")
        }
    }

    pub fn payload_too_large(msg: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, msg)
    }

    pub fn method_not_allowed() -> ApiError {
        ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "The method is not allowed for the requested URL.",
        )
    }

    pub fn internal(msg: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, msg)
    }

    pub fn body(&self) -> Value {
        let mut error = Map::new();
        error.insert("msg".into(), Value::String(self.msg.clone()));
        if let Some(data) = &self.data {
            error.insert("data".into(), data.clone());
        }
        json!({ "error": error })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body())).into_response();
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

/// Fallback for paths the API does not have (e.g. `/api/roles`).
pub async fn no_such_path() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "The requested URL was not found on the server.",
    )
}

/// Fallback for a known path with the wrong method (e.g. `DELETE
/// /api/custom-fields/{id}`: custom fields are archived, never deleted).
pub async fn wrong_method() -> ApiError {
    ApiError::method_not_allowed()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nests_and_skips_empty_branches() {
        let mut errors = FieldErrors::new();
        assert!(errors.is_empty());
        errors
            .nested("messages")
            .nested("0")
            .add("sender", "Missing data for required field.");
        errors.nested("tags");
        errors.add("status", "Must be one of: open, closed.");
        assert!(!errors.is_empty());
        assert_eq!(
            errors.to_json(),
            json!({
                "messages": {"0": {"sender": ["Missing data for required field."]}},
                "status": ["Must be one of: open, closed."]
            })
        );
    }

    #[test]
    fn messages_and_nested_errors_can_share_a_key() {
        let mut errors = FieldErrors::new();
        errors.add("customer", "Invalid.");
        errors
            .nested("customer")
            .add("email", "Not a valid email address.");
        assert_eq!(
            errors.to_json(),
            json!({"customer": {"_schema": ["Invalid."], "email": ["Not a valid email address."]}})
        );
    }

    #[test]
    fn envelope_has_msg_and_optional_data() {
        assert_eq!(
            ApiError::unauthorized().body(),
            json!({"error": {"msg": "Unauthorized."}})
        );
        let e = ApiError::field("Invalid data.", "limit", "Too big.");
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
        assert_eq!(
            e.body(),
            json!({"error": {"msg": "Invalid data.", "data": {"limit": ["Too big."]}}})
        );
    }
}
