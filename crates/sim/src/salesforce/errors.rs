//! Salesforce's three error shapes, built from one [`SfError`].
//!
//! - REST, one resource: HTTP 4xx and a JSON **array**
//!   `[{"message":…,"errorCode":…,"fields":[…]}]` (REST API guide, "Status
//!   Codes and Error Responses").
//! - SaveResult (sObject Collections, Composite subrequest bodies for
//!   collections): `{"success":false,"errors":[{"statusCode":…,"message":…,
//!   "fields":[…]}]}`: the key is `statusCode` there.
//! - Bulk API 2.0 `failedResults`: one CSV cell `sf__Error`, written
//!   `CODE:message:fields --` (the shape Data Loader and public clients
//!   parse; the exact punctuation is inferred).
//!
//! Message texts follow the ones public clients and forum threads quote
//! (see `docs/salesforce-emulator.md`); clients should match on the code.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SfError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub fields: Vec<String>,
}

impl SfError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> SfError {
        SfError {
            status,
            code,
            message: message.into(),
            fields: Vec::new(),
        }
    }

    /// A 400 with `code`: what most record-level failures are.
    pub fn bad(code: &'static str, message: impl Into<String>) -> SfError {
        SfError::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn with_fields(mut self, fields: impl IntoIterator<Item = impl Into<String>>) -> SfError {
        self.fields = fields.into_iter().map(Into::into).collect();
        self
    }

    /// `404 NOT_FOUND`: unknown resource, sObject type or record.
    pub fn not_found() -> SfError {
        SfError::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "The requested resource does not exist",
        )
    }

    pub fn invalid_session() -> SfError {
        SfError::new(
            StatusCode::UNAUTHORIZED,
            "INVALID_SESSION_ID",
            "Session expired or invalid",
        )
    }

    pub fn request_limit() -> SfError {
        SfError::new(
            StatusCode::FORBIDDEN,
            "REQUEST_LIMIT_EXCEEDED",
            "TotalRequests Limit exceeded.",
        )
    }

    pub fn json_parser(message: impl Into<String>) -> SfError {
        SfError::bad("JSON_PARSER_ERROR", message)
    }

    pub fn malformed_query(message: impl Into<String>) -> SfError {
        SfError::bad("MALFORMED_QUERY", message)
    }

    /// `INVALID_FIELD: No such column 'X' on sobject of type T`; also what a
    /// field hidden by field-level security answers.
    pub fn no_such_column(field: &str, object: &str) -> SfError {
        SfError::bad(
            "INVALID_FIELD",
            format!("No such column '{field}' on sobject of type {object}"),
        )
        .with_fields([field])
    }

    pub fn unable_to_lock_row(id: &str) -> SfError {
        SfError::bad(
            "UNABLE_TO_LOCK_ROW",
            format!("unable to obtain exclusive access to this record or 1 records: {id}"),
        )
    }

    /// The REST item: `{"message","errorCode","fields"}`.
    pub fn rest_item(&self) -> Value {
        let mut item = json!({"message": self.message, "errorCode": self.code});
        if !self.fields.is_empty() {
            item["fields"] = json!(self.fields);
        }
        item
    }

    /// The SaveResult item: `{"statusCode","message","fields"}`.
    pub fn save_item(&self) -> Value {
        json!({"statusCode": self.code, "message": self.message, "fields": self.fields})
    }

    /// The Bulk API 2.0 `sf__Error` cell.
    pub fn bulk_cell(&self) -> String {
        format!(
            "{}:{}:{} --",
            self.code,
            self.message,
            self.fields.join(",")
        )
    }
}

impl IntoResponse for SfError {
    fn into_response(self) -> Response {
        (self.status, Json(json!([self.rest_item()]))).into_response()
    }
}

/// A failed SaveResult, as Collections and Composite answer per record.
pub fn failed_save(errors: &[SfError]) -> Value {
    json!({
        "success": false,
        "errors": errors.iter().map(SfError::save_item).collect::<Vec<_>>(),
    })
}

/// What every record of an allOrNone request that did not fail itself
/// reports once another one did.
pub fn rolled_back() -> SfError {
    SfError::bad(
        "ALL_OR_NONE_OPERATION_ROLLED_BACK",
        "Record rolled back because not all records were valid and the request was using AllOrNone header",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_shapes() {
        let e = SfError::bad(
            "REQUIRED_FIELD_MISSING",
            "Required fields are missing: [LastName]",
        )
        .with_fields(["LastName"]);
        assert_eq!(e.rest_item()["errorCode"], "REQUIRED_FIELD_MISSING");
        assert_eq!(e.save_item()["statusCode"], "REQUIRED_FIELD_MISSING");
        assert_eq!(
            e.bulk_cell(),
            "REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --"
        );
    }
}
