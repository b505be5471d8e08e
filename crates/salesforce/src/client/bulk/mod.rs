//! Bulk API 2.0 ingest (reference §3): the job endpoints, and
//! [`BulkIngest`], which loads any number of records through as many jobs as
//! the limits require and reports every record's outcome by its key.
//!
//! A job's life: create (`Open`) → one `PUT` of CSV data → close
//! (`UploadComplete`) → Salesforce processes it (`InProgress`) →
//! `JobComplete`, `Failed` or `Aborted` → result files. Only one PUT per job
//! works, so the upload is sent once; if it may have failed half-way the job
//! is aborted (nothing of it is processed) and the error returned.
//!
//! Memory stays flat: records are written to a temporary CSV file per job
//! (at most `max_rows` records and `max_bytes` bytes), result files are
//! downloaded to temporary files and read row by row, and only the keys of
//! the current job are held, to join results on.

mod csv;
mod results;

pub use self::csv::{cell, encode_row, CsvPart, LocalReject, PartWriter, NULL_CELL};
pub use self::results::{read_results, BulkOutcome, BulkResult, ResultKind};

use super::content::FileSource;
use super::transport::{Call, Payload, Retry};
use super::{sobjects::name, sobjects::segment, ApiError, SalesforceClient, SalesforceError};
use deskshift_http::reqwest::Method;
use futures::StreamExt;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::path::Path;
use std::time::Duration;
use tokio::io::AsyncWriteExt;

/// Raw bytes one job may upload: 150 MB after base64 is about 100 MB raw
/// (reference §3.2, "Upload size").
pub const MAX_JOB_BYTES: u64 = 100_000_000;

/// What a job does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BulkOperation {
    Insert,
    Update,
    Upsert { external_id_field: String },
    Delete,
}

impl BulkOperation {
    pub fn as_str(&self) -> &'static str {
        match self {
            BulkOperation::Insert => "insert",
            BulkOperation::Update => "update",
            BulkOperation::Upsert { .. } => "upsert",
            BulkOperation::Delete => "delete",
        }
    }
}

/// A job as Salesforce describes it (create, close, poll). Lenient.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct JobInfo {
    pub id: String,
    /// `Open`, `UploadComplete`, `InProgress`, `JobComplete`, `Failed`, `Aborted`.
    pub state: String,
    pub object: String,
    pub operation: String,
    pub number_records_processed: u64,
    pub number_records_failed: u64,
    pub error_message: Option<String>,
}

impl JobInfo {
    /// Whether Salesforce is done with the job.
    pub fn is_finished(&self) -> bool {
        matches!(self.state.as_str(), "JobComplete" | "Failed" | "Aborted")
    }
}

impl SalesforceClient {
    /// `POST /jobs/ingest`: a CSV job with LF line endings and commas.
    /// Retried if lost: a second, empty job left `Open` is harmless
    /// (Salesforce closes it after 24 h) and never processes anything.
    pub async fn create_ingest_job(
        &self,
        object: &str,
        operation: &BulkOperation,
    ) -> Result<JobInfo, ApiError> {
        let mut body = json!({
            "object": name(object)?,
            "operation": operation.as_str(),
            "contentType": "CSV",
            "lineEnding": "LF",
            "columnDelimiter": "COMMA",
        });
        if let BulkOperation::Upsert { external_id_field } = operation {
            body["externalIdFieldName"] = Value::from(name(external_id_field)?);
        }
        // No `assignmentRuleId`: no assignment rule runs (invariant 4).
        let call = Call::new(Method::POST, "/jobs/ingest")
            .json(&body)?
            .retry(Retry::Yes);
        self.send_json(call).await
    }

    /// `PUT /jobs/ingest/{id}/batches` with the job's CSV, streamed from
    /// `file`. Sent once (see the module docs).
    pub async fn upload_job_file(&self, job_id: &str, file: &FileSource) -> Result<(), ApiError> {
        self.upload_job(job_id, Payload::CsvFile(file.clone()))
            .await
    }

    /// As [`SalesforceClient::upload_job_file`], from bytes in memory (small
    /// loads and tests).
    pub async fn upload_job_bytes(&self, job_id: &str, csv: Vec<u8>) -> Result<(), ApiError> {
        self.upload_job(job_id, Payload::Csv(csv.into())).await
    }

    async fn upload_job(&self, job_id: &str, payload: Payload) -> Result<(), ApiError> {
        let path = format!("/jobs/ingest/{}/batches", segment(job_id));
        let call = Call::new(Method::PUT, path)
            .payload(payload)
            .retry(Retry::No);
        self.send(call).await?;
        Ok(())
    }

    /// `PATCH /jobs/ingest/{id}` `{"state":"UploadComplete"}`: starts processing.
    pub async fn close_job(&self, job_id: &str) -> Result<JobInfo, ApiError> {
        self.set_job_state(job_id, "UploadComplete").await
    }

    /// `PATCH /jobs/ingest/{id}` `{"state":"Aborted"}`.
    pub async fn abort_job(&self, job_id: &str) -> Result<JobInfo, ApiError> {
        self.set_job_state(job_id, "Aborted").await
    }

    async fn set_job_state(&self, job_id: &str, state: &str) -> Result<JobInfo, ApiError> {
        let path = format!("/jobs/ingest/{}", segment(job_id));
        self.send_json(Call::new(Method::PATCH, path).json(&json!({ "state": state }))?)
            .await
    }

    /// `GET /jobs/ingest/{id}`.
    pub async fn job_info(&self, job_id: &str) -> Result<JobInfo, ApiError> {
        self.get_json(&format!("/jobs/ingest/{}", segment(job_id)), &[])
            .await
    }

    /// `DELETE /jobs/ingest/{id}` (a finished or aborted job).
    pub async fn delete_job(&self, job_id: &str) -> Result<(), ApiError> {
        let path = format!("/jobs/ingest/{}", segment(job_id));
        self.send(Call::new(Method::DELETE, path)).await?;
        Ok(())
    }

    /// Polls until the job is finished, waiting `min`, then 1.5 times longer
    /// each time up to `max`; gives up after `timeout` with an error naming
    /// the job, which keeps running in Salesforce.
    pub async fn wait_for_job(
        &self,
        job_id: &str,
        min: Duration,
        max: Duration,
        timeout: Duration,
    ) -> Result<JobInfo, ApiError> {
        let started = tokio::time::Instant::now();
        let mut delay = min;
        loop {
            let info = self.job_info(job_id).await?;
            if info.is_finished() {
                return Ok(info);
            }
            if started.elapsed() >= timeout {
                return Err(ApiError::Uncertain(format!(
                    "Bulk API job {job_id} is still {} after {} s; it keeps running in \
                     Salesforce (Setup → Bulk Data Load Jobs)",
                    info.state,
                    timeout.as_secs()
                )));
            }
            tokio::time::sleep(delay).await;
            delay = delay.mul_f64(1.5).min(max);
        }
    }

    /// Downloads one result file of a job into a temporary file.
    pub async fn download_job_results(
        &self,
        job_id: &str,
        kind: ResultKind,
    ) -> Result<tempfile::NamedTempFile, ApiError> {
        let path = format!("/jobs/ingest/{}/{}/", segment(job_id), kind.path());
        let what = format!("GET {path}");
        let mut last = String::new();
        // A body that breaks off half-way is downloaded again from the start.
        for _ in 0..3 {
            let file = tempfile::NamedTempFile::new().map_err(|e| local(&what, &e))?;
            let response = self
                .send_streaming(Call::get(path.clone()).accept("text/csv"))
                .await?;
            match save_body(response, file.path()).await {
                Ok(()) => return Ok(file),
                Err(e) => last = e,
            }
        }
        Err(ApiError::Uncertain(format!(
            "{what}: the download kept breaking off ({last})"
        )))
    }
}

async fn save_body(response: deskshift_http::reqwest::Response, path: &Path) -> Result<(), String> {
    let mut out = tokio::fs::File::create(path)
        .await
        .map_err(|e| e.to_string())?;
    let mut body = response.bytes_stream();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|_| "the connection broke".to_string())?;
        out.write_all(&chunk).await.map_err(|e| e.to_string())?;
    }
    out.flush().await.map_err(|e| e.to_string())
}

fn local(what: &str, error: &std::io::Error) -> ApiError {
    ApiError::Config(format!("{what}: cannot use a temporary file: {error}"))
}

/// Loads records through Bulk API 2.0 and reports each one's outcome by key.
#[derive(Debug, Clone)]
pub struct BulkIngest {
    pub object: String,
    pub operation: BulkOperation,
    /// The CSV columns, API names (`Subject`, `Account.Legacy_Id__c`).
    pub columns: Vec<String>,
    /// The column results are joined on: the external id (`Id` for
    /// deletes). Must be unique within a load.
    pub key_column: String,
    /// Bytes per job, at most [`MAX_JOB_BYTES`].
    pub max_bytes: u64,
    /// Records per job; 10,000 is one of Salesforce's internal batches.
    pub max_rows: usize,
    pub poll_min: Duration,
    pub poll_max: Duration,
    pub poll_timeout: Duration,
}

/// Totals of a [`BulkIngest::run`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BulkSummary {
    pub jobs: Vec<String>,
    pub saved: usize,
    pub failed: usize,
    pub unprocessed: usize,
    pub missing: usize,
}

impl BulkIngest {
    /// A load of `object`; `key_column` must be one of `columns`.
    pub fn new(
        object: &str,
        operation: BulkOperation,
        columns: Vec<String>,
        key_column: &str,
    ) -> Result<BulkIngest, ApiError> {
        name(object)?;
        if !columns.iter().any(|c| c == key_column) {
            return Err(ApiError::Config(format!(
                "the bulk load of {object} must include its key column {key_column}"
            )));
        }
        Ok(BulkIngest {
            object: object.into(),
            operation,
            columns,
            key_column: key_column.into(),
            max_bytes: MAX_JOB_BYTES,
            max_rows: 10_000,
            poll_min: Duration::from_secs(1),
            poll_max: Duration::from_secs(30),
            poll_timeout: Duration::from_secs(6 * 3600),
        })
    }

    /// Loads `records` (JSON objects keyed by column), one job at a time,
    /// calling `on_result` once for every record: saved, failed (with
    /// Salesforce's error), unprocessed, or missing from every result file.
    /// An `Err` stops the load; results already reported stand, and the
    /// records not reported yet were not loaded by this call.
    pub async fn run(
        &self,
        client: &SalesforceClient,
        records: impl IntoIterator<Item = Map<String, Value>>,
        mut on_result: impl FnMut(BulkResult),
    ) -> Result<BulkSummary, ApiError> {
        let writer = PartWriter {
            columns: self.columns.clone(),
            key_column: self.key_column.clone(),
            max_bytes: self.max_bytes.min(MAX_JOB_BYTES),
            max_rows: self.max_rows.max(1),
        };
        let mut summary = BulkSummary::default();
        let mut count = |result: BulkResult, summary: &mut BulkSummary| {
            match &result.outcome {
                BulkOutcome::Saved { .. } => summary.saved += 1,
                BulkOutcome::Failed(_) => summary.failed += 1,
                BulkOutcome::Unprocessed => summary.unprocessed += 1,
                BulkOutcome::Missing => summary.missing += 1,
            }
            on_result(result);
        };
        let mut records = records.into_iter().peekable();
        loop {
            let mut rejects = Vec::new();
            let part = writer
                .next_part(&mut records, &mut rejects)
                .map_err(|e| local("writing the bulk CSV", &e))?;
            for reject in rejects {
                let error = SalesforceError::new("DESKSHIFT_INVALID_KEY", &reject.reason);
                count(
                    BulkResult {
                        key: reject.key,
                        outcome: BulkOutcome::Failed(error),
                    },
                    &mut summary,
                );
            }
            if part.rows == 0 {
                return Ok(summary);
            }
            let job = self
                .load_part(client, part, &mut summary, &mut count)
                .await?;
            summary.jobs.push(job);
        }
    }

    /// One job: create, upload, close, wait, read the result files that
    /// hold rows.
    async fn load_part(
        &self,
        client: &SalesforceClient,
        part: CsvPart,
        summary: &mut BulkSummary,
        count: &mut impl FnMut(BulkResult, &mut BulkSummary),
    ) -> Result<String, ApiError> {
        let job = client
            .create_ingest_job(&self.object, &self.operation)
            .await?;
        let file = FileSource {
            path: part.file.path().to_path_buf(),
            file_name: format!("{}.csv", self.object),
            content_type: "text/csv".into(),
            len: part.bytes,
        };
        if let Err(error) = client.upload_job_file(&job.id, &file).await {
            // Nothing of an aborted job is processed.
            if let Err(abort) = client.abort_job(&job.id).await {
                tracing::warn!(job = %job.id, %abort, "could not abort the bulk job");
            }
            return Err(error);
        }
        client.close_job(&job.id).await?;
        let info = client
            .wait_for_job(&job.id, self.poll_min, self.poll_max, self.poll_timeout)
            .await?;
        if info.state != "JobComplete" {
            tracing::warn!(
                job = %job.id,
                state = %info.state,
                message = info.error_message.as_deref().unwrap_or(""),
                "bulk job did not complete; reading what it processed"
            );
        }
        // The failed and unprocessed files are read only when the job says
        // they hold rows: two calls fewer per clean job. A row the counts
        // hid would still not be lost: it would be reported missing.
        let complete = info.state == "JobComplete";
        let mut kinds = vec![ResultKind::Successful];
        if info.number_records_failed > 0 || !complete {
            kinds.push(ResultKind::Failed);
        }
        if info.number_records_processed < part.rows as u64 || !complete {
            kinds.push(ResultKind::Unprocessed);
        }
        let mut pending = part.keys;
        for kind in kinds {
            let results = client.download_job_results(&job.id, kind).await?;
            let what = format!("{} of job {}", kind.path(), job.id);
            let file = std::fs::File::open(results.path()).map_err(|e| local(&what, &e))?;
            let mut report = |result: BulkResult| count(result, summary);
            let (_, skipped) = read_results(
                std::io::BufReader::new(file),
                kind,
                &self.key_column,
                &mut pending,
                &mut report,
            )
            .map_err(|detail| ApiError::Protocol { what, detail })?;
            if skipped > 0 {
                tracing::warn!(job = %job.id, skipped, "result rows with unknown keys");
            }
        }
        for key in pending {
            count(
                BulkResult {
                    key,
                    outcome: BulkOutcome::Missing,
                },
                summary,
            );
        }
        Ok(job.id)
    }
}
