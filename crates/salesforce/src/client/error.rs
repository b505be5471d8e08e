//! What a Salesforce answer means for the caller, decided in one place.
//!
//! Salesforce reports errors in three shapes (reference §2.3, §3.1), all read
//! into one [`SalesforceError`] `{code, message, fields}`:
//!
//! - a REST resource answers 4xx with a JSON **array**
//!   `[{"message", "errorCode", "fields"}]` ([`SalesforceError::parse_rest`]);
//! - sObject Collections answer 200 with one **SaveResult** per record,
//!   `{"success": false, "errors": [{"statusCode", "message", "fields"}]}`
//!   (note `statusCode`, not `errorCode`; [`SaveResult`](super::wire::SaveResult));
//! - Bulk API 2.0 failed-results CSVs carry **`sf__Error`** as
//!   `CODE:message:fields --` ([`SalesforceError::parse_bulk`]).
//!
//! The error code, not the HTTP status, says what happened:
//!
//! | code / answer | [`ApiError`] | for a write ([`ApiError::into_write_error`]) |
//! |---|---|---|
//! | validation codes (REQUIRED_FIELD_MISSING, STRING_TOO_LONG, …), other 4xx | `Refused` | reject the record with Salesforce's words |
//! | DUPLICATE_VALUE | `Refused`; [`ApiError::duplicate_id`] names the record that holds the value | the writer adopts that record |
//! | 300 on upsert | `Ambiguous` listing the matches | reject: the external id is not unique |
//! | 404 | `NotFound` | reject |
//! | UNABLE_TO_LOCK_ROW | `Locked` (retried by the client first when idempotent) | uncertain: look up, then try again |
//! | 401, 403 (except limits) | `Denied` | stop the run |
//! | REQUEST_LIMIT_EXCEEDED for *concurrent* requests | `Throttled` (retried by the client first, any method: nothing was processed) | uncertain: look up, then try again |
//! | REQUEST_LIMIT_EXCEEDED, STORAGE_LIMIT_EXCEEDED, our own daily guard | `Quota` | stop the run, say what to do |
//! | 5xx, timeout, reset | `Uncertain` | the journal looks up before any retry |
//! | an answer we cannot read | `Protocol` | stop the run |

use deskshift_core::engine::WriteError;
use deskshift_http::reqwest::StatusCode;
use deskshift_http::HttpError;
use serde::Deserialize;
use serde_json::Value;
use std::fmt;

/// One error as Salesforce reports it, whatever the shape it came in.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SalesforceError {
    /// `errorCode` / `statusCode`, e.g. `REQUIRED_FIELD_MISSING`.
    pub code: String,
    pub message: String,
    /// The fields concerned, when Salesforce names them.
    pub fields: Vec<String>,
}

impl SalesforceError {
    /// `ENTITY_IS_DELETED`: the record is in the Recycle Bin already.
    pub fn is_gone(&self) -> bool {
        self.code == "ENTITY_IS_DELETED"
    }
}

impl fmt::Display for SalesforceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)?;
        if !self.fields.is_empty() {
            write!(f, " [{}]", self.fields.join(", "))?;
        }
        Ok(())
    }
}

/// Both JSON spellings of an error: REST uses `errorCode`, SaveResults use
/// `statusCode`. Everything defaults so an odd answer still reads.
#[derive(Deserialize)]
struct WireError {
    #[serde(default, alias = "statusCode")]
    #[serde(rename = "errorCode")]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    fields: Option<Vec<String>>,
}

impl From<WireError> for SalesforceError {
    fn from(wire: WireError) -> SalesforceError {
        SalesforceError {
            code: wire.code.unwrap_or_else(|| "UNKNOWN_ERROR".into()),
            message: wire.message.unwrap_or_default(),
            fields: wire.fields.unwrap_or_default(),
        }
    }
}

/// What an error code means for whoever made the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// The content is wrong: fix the record (or adopt the duplicate).
    Refused,
    /// A row lock held by another transaction: nothing was saved; try again
    /// later.
    Locked,
    /// Too many requests in flight at once (`REQUEST_LIMIT_EXCEEDED` for
    /// the concurrent-request limits): refused before anything was done;
    /// try again shortly.
    Throttled,
    /// An org-wide limit: nothing more will work today.
    Quota,
    /// The session or the user's access: nothing will work.
    Denied,
}

impl SalesforceError {
    pub fn new(code: &str, message: &str) -> SalesforceError {
        SalesforceError {
            code: code.into(),
            message: message.into(),
            fields: Vec::new(),
        }
    }

    /// Reads a REST error body `[{"message","errorCode","fields"}]`. A single
    /// object (some resources, composite subresponses) and the OAuth shape
    /// `{"error","error_description"}` are read too. `None` for anything else.
    pub fn parse_rest(body: &[u8]) -> Option<Vec<SalesforceError>> {
        let value: Value = serde_json::from_slice(body).ok()?;
        Self::from_value(&value)
    }

    /// As [`SalesforceError::parse_rest`], from an already parsed value.
    pub fn from_value(value: &Value) -> Option<Vec<SalesforceError>> {
        let one = |item: &Value| -> Option<SalesforceError> {
            if let Some(code) = item.get("error").and_then(Value::as_str) {
                // OAuth: {"error":"invalid_grant","error_description":"…"}
                let message = item
                    .get("error_description")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                return Some(SalesforceError::new(code, message));
            }
            let wire: WireError = serde_json::from_value(item.clone()).ok()?;
            (wire.code.is_some() || wire.message.is_some()).then(|| wire.into())
        };
        let errors: Vec<SalesforceError> = match value {
            Value::Array(items) => items.iter().filter_map(one).collect(),
            Value::Object(_) => one(value).into_iter().collect(),
            _ => Vec::new(),
        };
        (!errors.is_empty()).then_some(errors)
    }

    /// Reads a Bulk API 2.0 `sf__Error` cell: `CODE:message:fields --`, e.g.
    /// `REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --`.
    /// The message may itself contain colons, so the fields are split off the
    /// end only when the trailing `--` marker is there.
    pub fn parse_bulk(cell: &str) -> SalesforceError {
        let cell = cell.trim();
        let (code, rest) = match cell.split_once(':') {
            Some((code, rest)) if is_error_code(code) => (code.to_string(), rest),
            _ => ("UNKNOWN_ERROR".to_string(), cell),
        };
        let (message, fields) = match rest.strip_suffix("--") {
            Some(body) => match body.rsplit_once(':') {
                Some((message, fields)) => (message, fields),
                None => (body, ""),
            },
            None => (rest, ""),
        };
        SalesforceError {
            code,
            message: message.trim().to_string(),
            fields: fields
                .split([',', ' '])
                .map(str::trim)
                .filter(|f| !f.is_empty())
                .map(String::from)
                .collect(),
        }
    }

    /// For `DUPLICATE_VALUE`, the id of the record that already holds the
    /// value: `duplicate value found: Legacy_Id__c duplicates value on record
    /// with id: a01…`. This is how a repeated insert finds the record an
    /// earlier, interrupted attempt created (DESIGN.md invariant 3).
    pub fn duplicate_id(&self) -> Option<&str> {
        if self.code != "DUPLICATE_VALUE" {
            return None;
        }
        let (_, tail) = self.message.rsplit_once("with id:")?;
        let id = tail
            .trim()
            .split(|c: char| !c.is_ascii_alphanumeric())
            .next()?;
        // Salesforce ids are 15 or 18 characters.
        (id.len() == 15 || id.len() == 18).then_some(id)
    }

    /// The field a `DUPLICATE_VALUE` is about, when the message names it.
    pub fn duplicate_field(&self) -> Option<&str> {
        let rest = self.message.strip_prefix("duplicate value found:")?;
        rest.split_whitespace().next()
    }

    pub fn disposition(&self) -> Disposition {
        match self.code.as_str() {
            "UNABLE_TO_LOCK_ROW" => Disposition::Locked,
            // The same code serves the daily limit and the concurrency
            // limits; only the message tells them apart ("ConcurrentRequests
            // (Concurrent API Requests) Limit exceeded.",
            // "ConcurrentPerOrgLongTxn Limit exceeded.").
            "REQUEST_LIMIT_EXCEEDED" if self.message.contains("Concurrent") => {
                Disposition::Throttled
            }
            "REQUEST_LIMIT_EXCEEDED"
            | "STORAGE_LIMIT_EXCEEDED"
            | "TOTAL_REQUESTS_LIMIT_EXCEEDED" => Disposition::Quota,
            "INVALID_SESSION_ID"
            | "API_DISABLED_FOR_ORG"
            | "API_CURRENTLY_DISABLED"
            | "INSUFFICIENT_ACCESS"
            | "invalid_grant"
            | "invalid_client_id"
            | "invalid_client"
            | "unsupported_grant_type" => Disposition::Denied,
            _ => Disposition::Refused,
        }
    }
}

/// `REQUIRED_FIELD_MISSING`-like: upper case letters, digits and `_`.
fn is_error_code(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// A failed Salesforce call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// Salesforce refused the request as invalid: permanent for this content.
    #[error("Salesforce refused {what} ({status}): {}", join(errors))]
    Refused {
        what: String,
        status: u16,
        errors: Vec<SalesforceError>,
    },
    /// A row lock held by another transaction (`UNABLE_TO_LOCK_ROW`); the
    /// call did not take effect. Sort loads by parent to make these rare.
    #[error("Salesforce could not lock a record for {what}: {}", join(errors))]
    Locked {
        what: String,
        errors: Vec<SalesforceError>,
    },
    /// Too many concurrent requests: refused before anything was done.
    #[error("Salesforce refused {what} for now, too many requests in flight: {message}")]
    Throttled { what: String, message: String },
    /// An upsert's external id matched several records (300 Multiple Choices).
    #[error("{what}: the external id matches {} records ({}); make the field Unique and remove the duplicates", matches.len(), matches.join(", "))]
    Ambiguous { what: String, matches: Vec<String> },
    /// The record or resource does not exist.
    #[error("Salesforce has no {what}: {message}")]
    NotFound { what: String, message: String },
    /// The credentials, the session or the user's permissions do not allow
    /// the call: nothing will work until the operator fixes them.
    #[error("Salesforce denied {what} ({status}): {message}")]
    Denied {
        what: String,
        status: u16,
        message: String,
    },
    /// An org-wide limit is (or is about to be) reached.
    #[error("{0}")]
    Quota(String),
    /// The call may or may not have taken effect (5xx, timeout, reset).
    #[error("{0}")]
    Uncertain(String),
    /// The answer could not be understood.
    #[error("unexpected answer to {what}: {detail}")]
    Protocol { what: String, detail: String },
    /// The client was configured wrongly (a URL, a missing variable, a key).
    #[error("{0}")]
    Config(String),
}

fn join(errors: &[SalesforceError]) -> String {
    let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
    shown.join("; ")
}

/// What the operator should do when the org's daily API requests run out.
pub const REQUEST_LIMIT_ADVICE: &str = "the org's daily API request limit is used up \
     (Setup → Company Information → API Requests, Last 24 Hours); wait for the rolling \
     24-hour window to free calls, or ask Salesforce for a temporary limit increase, then \
     run the same command again: it resumes where it stopped";

impl ApiError {
    /// Classifies a non-2xx answer to `what` (e.g. `POST /sobjects/Case`).
    pub fn from_answer(what: &str, status: StatusCode, body: &[u8]) -> ApiError {
        let what = what.to_string();
        let errors = SalesforceError::parse_rest(body).unwrap_or_else(|| {
            vec![SalesforceError::new(
                "UNKNOWN_ERROR",
                status.canonical_reason().unwrap_or("error"),
            )]
        });
        let code = status.as_u16();
        if status == StatusCode::MULTIPLE_CHOICES {
            return ApiError::Ambiguous {
                what,
                matches: multiple_choices(body),
            };
        }
        if status.is_server_error() || code == 408 {
            return ApiError::Uncertain(format!("{what} answered {status}: {}", join(&errors)));
        }
        if code == 404 {
            return ApiError::NotFound {
                what,
                message: join(&errors),
            };
        }
        ApiError::classify(what, code, errors)
    }

    /// A per-record failure (a SaveResult, a Bulk row, a composite
    /// subresponse), classified like a whole answer would be.
    pub fn from_record(what: &str, errors: Vec<SalesforceError>) -> ApiError {
        ApiError::classify(what.to_string(), 400, errors)
    }

    /// The error code decides; the HTTP status only breaks ties (a 401 or
    /// 403 with an unknown code is still a denial).
    fn classify(what: String, status: u16, errors: Vec<SalesforceError>) -> ApiError {
        let has = |disposition| errors.iter().any(|e| e.disposition() == disposition);
        if has(Disposition::Throttled) {
            ApiError::Throttled {
                what,
                message: join(&errors),
            }
        } else if has(Disposition::Quota) {
            ApiError::quota(&errors)
        } else if has(Disposition::Denied) || status == 401 || status == 403 {
            ApiError::Denied {
                what,
                status,
                message: join(&errors),
            }
        } else if has(Disposition::Locked) {
            ApiError::Locked { what, errors }
        } else {
            ApiError::Refused {
                what,
                status,
                errors,
            }
        }
    }

    fn quota(errors: &[SalesforceError]) -> ApiError {
        if errors.iter().any(|e| e.code == "STORAGE_LIMIT_EXCEEDED") {
            ApiError::Quota(format!(
                "Salesforce's data or file storage is full ({}); free storage or buy more \
                 (Setup → Storage Usage), then run the same command again",
                join(errors)
            ))
        } else {
            ApiError::Quota(format!("{REQUEST_LIMIT_ADVICE} ({})", join(errors)))
        }
    }

    /// Classifies a transport failure the HTTP client gave up on.
    pub fn from_http(what: &str, error: HttpError) -> ApiError {
        match error {
            HttpError::Request(cause) => ApiError::Protocol {
                what: what.to_string(),
                detail: cause,
            },
            other => ApiError::Uncertain(other.to_string()),
        }
    }

    pub fn is_not_found(&self) -> bool {
        matches!(self, ApiError::NotFound { .. })
    }

    /// Whether the record addressed is not there any more: not found, or
    /// in the Recycle Bin (deleted, or cascaded away with its parent).
    pub fn is_gone(&self) -> bool {
        self.is_not_found() || self.errors().iter().any(SalesforceError::is_gone)
    }

    /// Whether an expired or revoked session caused this (401).
    pub fn is_session_expired(&self) -> bool {
        matches!(self, ApiError::Denied { status: 401, .. })
    }

    /// The errors Salesforce gave, for refusals and lock failures.
    pub fn errors(&self) -> &[SalesforceError] {
        match self {
            ApiError::Refused { errors, .. } | ApiError::Locked { errors, .. } => errors,
            _ => &[],
        }
    }

    /// For a refused insert whose external id already exists, the id of the
    /// record holding it (see [`SalesforceError::duplicate_id`]).
    pub fn duplicate_id(&self) -> Option<&str> {
        self.errors().iter().find_map(SalesforceError::duplicate_id)
    }

    /// How the exactly-once protocol treats this failure of a write.
    pub fn into_write_error(self) -> WriteError {
        match self {
            ApiError::Refused { .. } | ApiError::Ambiguous { .. } | ApiError::NotFound { .. } => {
                WriteError::Refused(self.to_string())
            }
            // Nothing was saved, but the journal's look-up-then-retry is
            // exactly the right way to try again.
            ApiError::Locked { .. } | ApiError::Throttled { .. } | ApiError::Uncertain(_) => {
                WriteError::Uncertain(self.to_string())
            }
            ApiError::Denied { .. }
            | ApiError::Quota(_)
            | ApiError::Protocol { .. }
            | ApiError::Config(_) => WriteError::Fatal(self.to_string()),
        }
    }

    /// Replaces every text quoted from an answer, e.g. to scrub a secret.
    pub(crate) fn map_text(self, f: impl Fn(String) -> String) -> ApiError {
        let errors = |errors: Vec<SalesforceError>| {
            errors
                .into_iter()
                .map(|e| SalesforceError {
                    message: f(e.message),
                    ..e
                })
                .collect()
        };
        match self {
            ApiError::Refused {
                what,
                status,
                errors: e,
            } => ApiError::Refused {
                what,
                status,
                errors: errors(e),
            },
            ApiError::Locked { what, errors: e } => ApiError::Locked {
                what,
                errors: errors(e),
            },
            ApiError::NotFound { what, message } => ApiError::NotFound {
                what,
                message: f(message),
            },
            ApiError::Denied {
                what,
                status,
                message,
            } => ApiError::Denied {
                what,
                status,
                message: f(message),
            },
            ApiError::Throttled { what, message } => ApiError::Throttled {
                what,
                message: f(message),
            },
            ApiError::Quota(message) => ApiError::Quota(f(message)),
            ApiError::Uncertain(message) => ApiError::Uncertain(f(message)),
            other => other,
        }
    }
}

/// The record URLs of a 300 answer: a JSON array of URLs, or of objects with
/// a `url`/`attributes.url`.
fn multiple_choices(body: &[u8]) -> Vec<String> {
    let Ok(Value::Array(items)) = serde_json::from_slice::<Value>(body) else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| match item {
            Value::String(url) => Some(url.clone()),
            other => other
                .get("url")
                .or_else(|| other.pointer("/attributes/url"))
                .and_then(Value::as_str)
                .map(String::from),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rest_error_array_is_read() {
        let body = br#"[{"message":"Required fields are missing: [LastName]","errorCode":"REQUIRED_FIELD_MISSING","fields":["LastName"]}]"#;
        let errors = SalesforceError::parse_rest(body).unwrap();
        assert_eq!(
            errors,
            vec![SalesforceError {
                code: "REQUIRED_FIELD_MISSING".into(),
                message: "Required fields are missing: [LastName]".into(),
                fields: vec!["LastName".into()],
            }]
        );
        // `fields` is optional.
        let errors = SalesforceError::parse_rest(
            br#"[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]"#,
        )
        .unwrap();
        assert_eq!(errors[0].code, "INVALID_SESSION_ID");
        assert!(errors[0].fields.is_empty());
        assert_eq!(SalesforceError::parse_rest(b"<html>502</html>"), None);
        assert_eq!(SalesforceError::parse_rest(b"[]"), None);
    }

    #[test]
    fn save_result_errors_use_status_code() {
        let value: Value = serde_json::from_str(
            r#"{"errors":[{"statusCode":"DUPLICATES_DETECTED","message":"Use one of these records?","fields":[]}]}"#,
        )
        .unwrap();
        let errors = SalesforceError::from_value(&value["errors"]).unwrap();
        assert_eq!(errors[0].code, "DUPLICATES_DETECTED");
        assert_eq!(errors[0].message, "Use one of these records?");
    }

    #[test]
    fn oauth_errors_are_read() {
        let errors = SalesforceError::parse_rest(
            br#"{"error":"invalid_grant","error_description":"authentication failure"}"#,
        )
        .unwrap();
        assert_eq!(errors[0].code, "invalid_grant");
        assert_eq!(errors[0].disposition(), Disposition::Denied);
    }

    #[test]
    fn bulk_error_cells_are_read() {
        let e = SalesforceError::parse_bulk(
            "REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --",
        );
        assert_eq!(e.code, "REQUIRED_FIELD_MISSING");
        assert_eq!(e.message, "Required fields are missing: [LastName]");
        assert_eq!(e.fields, vec!["LastName".to_string()]);

        let e = SalesforceError::parse_bulk(
            "DUPLICATE_VALUE:duplicate value found: Legacy_Id__c duplicates value on record with id: a015g00000ABCDE:--",
        );
        assert_eq!(e.duplicate_id(), Some("a015g00000ABCDE"));
        assert_eq!(e.duplicate_field(), Some("Legacy_Id__c"));
        assert!(e.fields.is_empty());

        let e = SalesforceError::parse_bulk("something odd happened");
        assert_eq!(e.code, "UNKNOWN_ERROR");
        assert_eq!(e.message, "something odd happened");
    }

    #[test]
    fn duplicate_id_is_extracted_only_from_duplicate_value() {
        let e = SalesforceError::new(
            "DUPLICATE_VALUE",
            "duplicate value found: Legacy_Id__c duplicates value on record with id: 500xx000003DHP0AAO",
        );
        assert_eq!(e.duplicate_id(), Some("500xx000003DHP0AAO"));
        let other = SalesforceError::new(
            "FIELD_CUSTOM_VALIDATION_EXCEPTION",
            "with id: 500xx000003DHP0AAO",
        );
        assert_eq!(other.duplicate_id(), None);
        let garbled = SalesforceError::new("DUPLICATE_VALUE", "duplicate value found: x");
        assert_eq!(garbled.duplicate_id(), None);
    }

    #[test]
    fn answers_classify_by_code_then_status() {
        let of = |status: u16, body: &str| {
            ApiError::from_answer(
                "POST /sobjects/Case",
                StatusCode::from_u16(status).unwrap(),
                body.as_bytes(),
            )
        };
        let refused = of(
            400,
            r#"[{"message":"Status: bad value for restricted picklist field: Foo","errorCode":"INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST","fields":["Status"]}]"#,
        );
        assert!(matches!(refused, ApiError::Refused { status: 400, .. }));
        assert!(matches!(refused.into_write_error(), WriteError::Refused(_)));

        let dup = of(
            400,
            r#"[{"message":"duplicate value found: Legacy_Id__c duplicates value on record with id: 500xx000003DHP0AAO","errorCode":"DUPLICATE_VALUE","fields":[]}]"#,
        );
        assert_eq!(dup.duplicate_id(), Some("500xx000003DHP0AAO"));

        let locked = of(
            400,
            r#"[{"message":"unable to obtain exclusive access to this record","errorCode":"UNABLE_TO_LOCK_ROW"}]"#,
        );
        assert!(matches!(locked, ApiError::Locked { .. }));
        assert!(matches!(
            locked.into_write_error(),
            WriteError::Uncertain(_)
        ));

        let quota = of(
            403,
            r#"[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]"#,
        );
        assert!(matches!(&quota, ApiError::Quota(m) if m.contains("24-hour")));
        assert!(matches!(quota.into_write_error(), WriteError::Fatal(_)));

        let expired = of(
            401,
            r#"[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]"#,
        );
        assert!(expired.is_session_expired());
        assert!(matches!(expired.into_write_error(), WriteError::Fatal(_)));

        let denied = of(
            403,
            r#"[{"message":"nope","errorCode":"INSUFFICIENT_ACCESS_OR_READONLY"}]"#,
        );
        assert!(matches!(denied, ApiError::Denied { status: 403, .. }));

        assert!(of(
            404,
            r#"[{"message":"The requested resource does not exist","errorCode":"NOT_FOUND"}]"#
        )
        .is_not_found());
        assert!(matches!(of(503, "oops"), ApiError::Uncertain(_)));
        assert!(matches!(
            of(503, "").into_write_error(),
            WriteError::Uncertain(_)
        ));

        let ambiguous = of(
            300,
            r#"["/services/data/v62.0/sobjects/Case/500A","/services/data/v62.0/sobjects/Case/500B"]"#,
        );
        assert!(
            matches!(&ambiguous, ApiError::Ambiguous { matches, .. } if matches.len() == 2),
            "{ambiguous:?}"
        );
        assert!(matches!(
            ambiguous.into_write_error(),
            WriteError::Refused(_)
        ));
    }

    #[test]
    fn record_errors_classify_like_answers() {
        let locked = ApiError::from_record(
            "row 3",
            vec![SalesforceError::new("UNABLE_TO_LOCK_ROW", "busy")],
        );
        assert!(matches!(locked, ApiError::Locked { .. }));
        let refused = ApiError::from_record(
            "row 3",
            vec![SalesforceError::new(
                "STRING_TOO_LONG",
                "Subject: data value too large",
            )],
        );
        assert!(matches!(refused, ApiError::Refused { .. }));
        let storage = ApiError::from_record(
            "row 3",
            vec![SalesforceError::new(
                "STORAGE_LIMIT_EXCEEDED",
                "storage limit exceeded",
            )],
        );
        assert!(matches!(storage, ApiError::Quota(_)));
    }
}
