//! What a Gorgias answer means for the caller, decided in one place.
//!
//! | answer | [`ApiError`] | for a create ([`ApiError::into_write_error`]) |
//! |---|---|---|
//! | 400, 404, 413, 422 (other 4xx) | `Refused` naming the field paths | reject the record with the API's words |
//! | 409 | `Conflict` | the caller resolves it by a look-up |
//! | 401, 403 | `Denied` | stop the run |
//! | 5xx, timeout, reset | `Uncertain` | the journal looks up before any retry |
//!
//! Error texts quote Gorgias's own `msg` and field messages (they are what an
//! operator needs to fix a record) and never a header or a query string.

use deskshift_core::engine::WriteError;
use deskshift_http::reqwest::StatusCode;
use deskshift_http::HttpError;
use serde_json::Value;

/// A failed Gorgias call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// Gorgias refused the request as invalid; permanent for this content.
    #[error("Gorgias refused {what} ({status}): {message}")]
    Refused {
        what: String,
        status: u16,
        message: String,
        /// The top-level request fields the answer found fault with.
        fields: Vec<String>,
    },
    /// The identifier is already used (e.g. a customer's e-mail).
    #[error("Gorgias reports a conflict for {what}: {message}")]
    Conflict { what: String, message: String },
    /// The credentials are wrong or lack a permission: nothing will work.
    #[error("Gorgias denied {what} ({status}): {message}; check {email_var} and {key_var} and the user's role", email_var = super::auth::EMAIL_VAR, key_var = super::auth::API_KEY_VAR)]
    Denied {
        what: String,
        status: u16,
        message: String,
    },
    /// The call may or may not have taken effect.
    #[error("{0}")]
    Uncertain(String),
    /// The answer could not be understood.
    #[error("unexpected answer to {what}: {detail}")]
    Protocol { what: String, detail: String },
}

impl ApiError {
    /// Classifies a non-2xx answer to `what` (e.g. `POST /api/tickets`).
    pub fn from_status(what: &str, status: StatusCode, body: &[u8]) -> ApiError {
        let message = error_message(body)
            .unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_string());
        let what = what.to_string();
        match status.as_u16() {
            401 | 403 => ApiError::Denied {
                what,
                status: status.as_u16(),
                message,
            },
            409 => ApiError::Conflict { what, message },
            code if status.is_server_error() || code == 408 || code == 429 => {
                ApiError::Uncertain(format!("{what} answered {status}: {message}"))
            }
            code => ApiError::Refused {
                what,
                status: code,
                message,
                fields: error_fields(body),
            },
        }
    }

    /// Classifies a transport failure that the HTTP client gave up on.
    pub fn from_http(what: &str, error: HttpError) -> ApiError {
        match error {
            HttpError::Request(cause) => ApiError::Protocol {
                what: what.to_string(),
                detail: cause,
            },
            other => ApiError::Uncertain(other.to_string()),
        }
    }

    /// Whether Gorgias refused the request over its top-level `field`.
    pub fn refuses_field(&self, field: &str) -> bool {
        matches!(self, ApiError::Refused { fields, .. } if fields.iter().any(|f| f == field))
    }

    pub fn is_not_found(&self) -> bool {
        matches!(self, ApiError::Refused { status: 404, .. })
    }

    /// How the exactly-once protocol treats this failure of a create.
    pub fn into_write_error(self) -> WriteError {
        match self {
            ApiError::Refused { message, .. } => WriteError::Refused(message),
            // The caller resolves conflicts before they reach the journal;
            // one that gets here is a refusal of this content.
            ApiError::Conflict { message, .. } => WriteError::Refused(message),
            ApiError::Denied { .. } | ApiError::Protocol { .. } => {
                WriteError::Fatal(self.to_string())
            }
            ApiError::Uncertain(message) => WriteError::Uncertain(message),
        }
    }
}

/// The text of Gorgias's error envelope `{"error": {"msg", "data"}}`: the
/// message followed by every field message, each named by its path
/// (`messages.0.sender: Missing data for required field.`). `error` may also be
/// a plain string. `None` when the body is not such an envelope.
pub fn error_message(body: &[u8]) -> Option<String> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let error = value.get("error").or_else(|| value.get("message"))?;
    match error {
        Value::String(text) => Some(text.clone()),
        Value::Object(map) => {
            let msg = map.get("msg").and_then(Value::as_str).unwrap_or("").trim();
            let mut fields = Vec::new();
            if let Some(data) = map.get("data") {
                flatten(data, &mut String::new(), &mut fields);
            }
            let text = match (msg.is_empty(), fields.is_empty()) {
                (_, true) => msg.to_string(),
                (true, false) => fields.join("; "),
                (false, false) => format!("{msg} {}", fields.join("; ")),
            };
            (!text.is_empty()).then_some(text)
        }
        _ => None,
    }
}

/// The top-level field names of the error envelope's `data`, in order.
fn error_fields(body: &[u8]) -> Vec<String> {
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return Vec::new();
    };
    match value.pointer("/error/data") {
        Some(Value::Object(map)) => map.keys().filter(|k| *k != "_schema").cloned().collect(),
        _ => Vec::new(),
    }
}

/// Walks `data` depth first, collecting `path: message` lines.
fn flatten(data: &Value, path: &mut String, out: &mut Vec<String>) {
    match data {
        Value::Object(map) => {
            for (key, value) in map {
                let len = path.len();
                if key != "_schema" {
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(key);
                }
                flatten(value, path, out);
                path.truncate(len);
            }
        }
        Value::Array(items) if items.iter().all(Value::is_string) => {
            let messages: Vec<&str> = items.iter().filter_map(Value::as_str).collect();
            let at = if path.is_empty() { "(request)" } else { path };
            out.push(format!("{at}: {}", messages.join(" ")));
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(&i.to_string());
                flatten(item, path, out);
                path.truncate(len);
            }
        }
        Value::String(text) => {
            let at = if path.is_empty() { "(request)" } else { path };
            out.push(format!("{at}: {text}"));
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_errors_are_named_by_their_path() {
        let body = br#"{"error":{"msg":"Invalid data.","data":{"messages":{"0":{"sender":["Missing data for required field."]}},"status":["Must be one of: open, closed."]}}}"#;
        assert_eq!(
            error_message(body).unwrap(),
            "Invalid data. messages.0.sender: Missing data for required field.; \
             status: Must be one of: open, closed."
        );
        let nested_schema = br#"{"error":{"msg":"x","data":{"customer":{"_schema":["Invalid."],"email":["Bad."]}}}}"#;
        assert_eq!(
            error_message(nested_schema).unwrap(),
            "x customer: Invalid.; customer.email: Bad."
        );
    }

    #[test]
    fn a_refusal_names_the_fields_it_refused() {
        let refused = ApiError::from_status(
            "POST /api/customers",
            StatusCode::BAD_REQUEST,
            br#"{"error":{"msg":"Failed.","data":{"data":["Unknown field."],"channels":{"0":{"address":["Bad."]}}}}}"#,
        );
        assert!(refused.refuses_field("data"));
        assert!(refused.refuses_field("channels"));
        assert!(!refused.refuses_field("email"));
        let bare = ApiError::from_status("x", StatusCode::BAD_REQUEST, b"{}");
        assert!(!bare.refuses_field("data"));
    }

    #[test]
    fn plain_and_odd_envelopes() {
        assert_eq!(
            error_message(br#"{"error":{"msg":"Unauthorized."}}"#).as_deref(),
            Some("Unauthorized.")
        );
        assert_eq!(
            error_message(br#"{"error":"nope"}"#).as_deref(),
            Some("nope")
        );
        assert_eq!(
            error_message(br#"{"message":"Unauthorized"}"#).as_deref(),
            Some("Unauthorized")
        );
        assert_eq!(error_message(b"<html>502</html>"), None);
    }

    #[test]
    fn statuses_map_to_what_the_protocol_needs() {
        let of = |code: u16| {
            ApiError::from_status(
                "POST /api/tickets",
                StatusCode::from_u16(code).unwrap(),
                b"{}",
            )
        };
        assert!(matches!(of(400), ApiError::Refused { status: 400, .. }));
        assert!(of(404).is_not_found());
        assert!(matches!(of(409), ApiError::Conflict { .. }));
        assert!(matches!(of(401), ApiError::Denied { .. }));
        assert!(matches!(of(403), ApiError::Denied { .. }));
        assert!(matches!(of(502), ApiError::Uncertain(_)));
        assert!(matches!(of(400).into_write_error(), WriteError::Refused(_)));
        assert!(matches!(
            of(503).into_write_error(),
            WriteError::Uncertain(_)
        ));
        assert!(matches!(of(401).into_write_error(), WriteError::Fatal(_)));
    }
}
