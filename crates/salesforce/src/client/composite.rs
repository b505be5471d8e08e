//! sObject Collections and Composite (reference §2.2).
//!
//! **Collections** write up to 200 records of one object per call with
//! `allOrNone=false`, and answer one SaveResult per record *in request
//! order*. The methods here take any number of records, send them in chunks
//! of 200 and hand back one `Result` per input record, in input order:
//! [`Saved`] or the record's own failure, classified like a whole answer (so
//! [`ApiError::duplicate_id`] and [`ApiError::into_write_error`] work per
//! record). A chunk whose whole call failed gives its error to each of its
//! records; after a fatal one (quota, denied) the rest are not sent.
//!
//! Creates are sent once. Updates, upserts and deletes are idempotent, so
//! their rows refused with `UNABLE_TO_LOCK_ROW` are sent again, alone, a few
//! times with backoff.
//!
//! **Composite** runs up to 25 subrequests in one call (one API request of
//! the daily limit), later ones referring to earlier results as
//! `@{ref.id}`.

use super::transport::{lock_backoff, Call, Retry};
use super::wire::{SaveResult, Saved};
use super::{sobjects::name, ApiError, SalesforceClient};
use deskshift_core::engine::WriteError;
use deskshift_http::reqwest::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

/// Records per Collections call.
pub const MAX_COLLECTION: usize = 200;
/// Subrequests per Composite call.
pub const MAX_COMPOSITE: usize = 25;

/// What a Collections call does.
#[derive(Debug, Clone, Copy)]
enum Op<'a> {
    Create(&'a str),
    Update(&'a str),
    Upsert(&'a str, &'a str),
    /// Records are ids (JSON strings).
    Delete,
}

impl Op<'_> {
    fn idempotent(self) -> bool {
        !matches!(self, Op::Create(_))
    }

    fn label(self) -> &'static str {
        match self {
            Op::Create(_) => "create",
            Op::Update(_) => "update",
            Op::Upsert(..) => "upsert",
            Op::Delete => "delete",
        }
    }
}

impl SalesforceClient {
    /// `POST /composite/sobjects`: inserts `records` of `sobject` (each a
    /// JSON object of fields; `attributes.type` is added).
    pub async fn create_many(
        &self,
        sobject: &str,
        records: &[Value],
    ) -> Vec<Result<Saved, ApiError>> {
        self.collection(Op::Create(sobject), records).await
    }

    /// `PATCH /composite/sobjects`: updates `records`, each carrying its `Id`.
    pub async fn update_many(
        &self,
        sobject: &str,
        records: &[Value],
    ) -> Vec<Result<Saved, ApiError>> {
        self.collection(Op::Update(sobject), records).await
    }

    /// `PATCH /composite/sobjects/{sobject}/{field}`: upserts `records` on the
    /// external id `field` (each record carries it); `Saved::created` tells
    /// inserts from updates.
    pub async fn upsert_many(
        &self,
        sobject: &str,
        field: &str,
        records: &[Value],
    ) -> Vec<Result<Saved, ApiError>> {
        self.collection(Op::Upsert(sobject, field), records).await
    }

    /// `DELETE /composite/sobjects?ids=…`: deletes records by id.
    pub async fn delete_many(&self, ids: &[&str]) -> Vec<Result<Saved, ApiError>> {
        let ids: Vec<Value> = ids.iter().map(|id| Value::from(*id)).collect();
        self.collection(Op::Delete, &ids).await
    }

    async fn collection(&self, op: Op<'_>, records: &[Value]) -> Vec<Result<Saved, ApiError>> {
        let mut out: Vec<Result<Saved, ApiError>> = Vec::with_capacity(records.len());
        for (n, chunk) in records.chunks(MAX_COLLECTION).enumerate() {
            let offset = n * MAX_COLLECTION;
            let mut results = self.collection_chunk(op, chunk, offset).await;
            if op.idempotent() {
                self.retry_locked_rows(op, chunk, offset, &mut results)
                    .await;
            }
            let fatal = results
                .iter()
                .find_map(|r| r.as_ref().err().filter(|e| is_fatal(e)))
                .cloned();
            out.extend(results);
            if let Some(error) = fatal {
                out.resize(records.len(), Err(error));
                break;
            }
        }
        out
    }

    /// Sends the rows of `chunk` refused with `UNABLE_TO_LOCK_ROW` again.
    async fn retry_locked_rows(
        &self,
        op: Op<'_>,
        chunk: &[Value],
        offset: usize,
        results: &mut [Result<Saved, ApiError>],
    ) {
        for attempt in 1..=self.inner.lock_retries {
            let locked: Vec<usize> = (0..results.len())
                .filter(|&i| matches!(results[i], Err(ApiError::Locked { .. })))
                .collect();
            if locked.is_empty() {
                return;
            }
            tokio::time::sleep(lock_backoff(attempt)).await;
            let again: Vec<Value> = locked.iter().map(|&i| chunk[i].clone()).collect();
            let retried = self.collection_chunk(op, &again, offset).await;
            for (i, result) in locked.into_iter().zip(retried) {
                results[i] = result;
            }
        }
    }

    /// One Collections call for at most 200 records: one result per record.
    async fn collection_chunk(
        &self,
        op: Op<'_>,
        chunk: &[Value],
        offset: usize,
    ) -> Vec<Result<Saved, ApiError>> {
        let answer = match self.collection_call(op, chunk) {
            Ok(call) => {
                let what = call.what();
                self.send_json::<Vec<SaveResult>>(call)
                    .await
                    .and_then(|results| {
                        if results.len() == chunk.len() {
                            Ok(results)
                        } else {
                            Err(ApiError::Protocol {
                                what,
                                detail: format!(
                                    "{} records sent, {} results",
                                    chunk.len(),
                                    results.len()
                                ),
                            })
                        }
                    })
            }
            Err(e) => Err(e),
        };
        match answer {
            Ok(results) => results
                .into_iter()
                .enumerate()
                .map(|(i, result)| {
                    let what = format!("{} of record {}", op.label(), offset + i);
                    result.into_result(&what, matches!(op, Op::Create(_)))
                })
                .collect(),
            Err(error) => vec![Err(error); chunk.len()],
        }
    }

    fn collection_call(&self, op: Op<'_>, chunk: &[Value]) -> Result<Call, ApiError> {
        let typed = |sobject: &str| -> Result<Vec<Value>, ApiError> {
            let sobject = name(sobject)?;
            chunk
                .iter()
                .map(|record| with_type(sobject, record))
                .collect()
        };
        match op {
            Op::Create(sobject) => Call::new(Method::POST, "/composite/sobjects")
                .json(&json!({"allOrNone": false, "records": typed(sobject)?})),
            Op::Update(sobject) => Call::new(Method::PATCH, "/composite/sobjects")
                .json(&json!({"allOrNone": false, "records": typed(sobject)?})),
            Op::Upsert(sobject, field) => Call::new(
                Method::PATCH,
                format!("/composite/sobjects/{}/{}", name(sobject)?, name(field)?),
            )
            .json(&json!({"allOrNone": false, "records": typed(sobject)?})),
            Op::Delete => {
                let ids: Vec<&str> = chunk.iter().filter_map(Value::as_str).collect();
                Ok(Call::new(Method::DELETE, "/composite/sobjects")
                    .query(&[("ids", ids.join(",")), ("allOrNone", "false".into())]))
            }
        }
    }

    /// `POST /composite`: up to 25 subrequests in one call. Not retried
    /// (subrequests may create); each subresponse says how it went.
    pub async fn composite(
        &self,
        all_or_none: bool,
        requests: &[Subrequest],
    ) -> Result<Vec<SubResponse>, ApiError> {
        if requests.len() > MAX_COMPOSITE {
            return Err(ApiError::Config(format!(
                "a composite request holds at most {MAX_COMPOSITE} subrequests, not {}",
                requests.len()
            )));
        }
        let call = Call::new(Method::POST, "/composite")
            .json(&json!({"allOrNone": all_or_none, "compositeRequest": requests}))?
            .retry(Retry::No);
        let answer: CompositeResponse = self.send_json(call).await?;
        Ok(answer.composite_response)
    }
}

fn is_fatal(error: &ApiError) -> bool {
    matches!(error.clone().into_write_error(), WriteError::Fatal(_))
}

/// `record` with `attributes.type` set to `sobject`.
fn with_type(sobject: &str, record: &Value) -> Result<Value, ApiError> {
    let mut map: Map<String, Value> = match record {
        Value::Object(map) => map.clone(),
        _ => {
            return Err(ApiError::Config(format!(
                "a {sobject} record must be a JSON object"
            )))
        }
    };
    let attributes = map
        .entry("attributes")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(attributes) = attributes {
        attributes.insert("type".into(), Value::from(sobject));
    }
    Ok(Value::Object(map))
}

/// One subrequest of a Composite call.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Subrequest {
    /// `GET`, `POST`, `PATCH`, `DELETE`.
    pub method: String,
    /// Absolute path: `/services/data/v62.0/sobjects/Case` (see
    /// [`SalesforceClient::data_path`]).
    pub url: String,
    pub reference_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
}

impl Subrequest {
    pub fn new(
        method: &str,
        url: impl Into<String>,
        reference_id: impl Into<String>,
    ) -> Subrequest {
        Subrequest {
            method: method.into(),
            url: url.into(),
            reference_id: reference_id.into(),
            body: None,
        }
    }

    pub fn body(mut self, body: Value) -> Subrequest {
        self.body = Some(body);
        self
    }
}

/// One subresponse: `{"body","httpHeaders","httpStatusCode","referenceId"}`.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SubResponse {
    pub body: Value,
    pub http_headers: Map<String, Value>,
    pub http_status_code: u16,
    pub reference_id: String,
}

impl SubResponse {
    /// The subrequest's failure, classified like a whole answer; `None` on
    /// success. A subrequest skipped because an earlier one failed reports
    /// `PROCESSING_HALTED`.
    pub fn error(&self) -> Option<ApiError> {
        let status = StatusCode::from_u16(self.http_status_code).ok()?;
        if status.is_success() {
            return None;
        }
        let body = serde_json::to_vec(&self.body).unwrap_or_default();
        Some(ApiError::from_answer(
            &format!("composite subrequest {}", self.reference_id),
            status,
            &body,
        ))
    }

    /// The created record's id (`body.id`), when there is one.
    pub fn id(&self) -> Option<&str> {
        self.body.get("id").and_then(Value::as_str)
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CompositeResponse {
    #[serde(default)]
    composite_response: Vec<SubResponse>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_get_their_type() {
        let record = with_type("Case", &json!({"Subject": "Hi"})).unwrap();
        assert_eq!(
            record,
            json!({"Subject": "Hi", "attributes": {"type": "Case"}})
        );
        assert!(with_type("Case", &json!("x")).is_err());
    }

    #[test]
    fn subresponses_report_their_errors() {
        let ok: SubResponse = serde_json::from_value(json!({
            "body": {"id": "001xx000003DGb2AAG", "success": true, "errors": []},
            "httpHeaders": {"Location": "/services/data/v62.0/sobjects/Account/001xx000003DGb2AAG"},
            "httpStatusCode": 201, "referenceId": "refAccount"
        }))
        .unwrap();
        assert!(ok.error().is_none());
        assert_eq!(ok.id(), Some("001xx000003DGb2AAG"));
        let failed: SubResponse = serde_json::from_value(json!({
            "body": [{"errorCode": "PROCESSING_HALTED", "message": "The transaction was rolled back since another operation in the same transaction failed."}],
            "httpHeaders": {}, "httpStatusCode": 400, "referenceId": "refContact"
        }))
        .unwrap();
        let error = failed.error().unwrap();
        assert_eq!(error.errors()[0].code, "PROCESSING_HALTED");
    }
}
