//! Bulk API 2.0 ingest jobs: the job record, its state machine and the
//! processing of its CSV (Bulk API 2.0 Developer Guide: "Create a Job",
//! "Upload Job Data", "Close or Abort a Job", "Get Job Info", "Get Job
//! Successful/Failed/Unprocessed Record Results", "Prepare CSV Files").
//!
//! - States: `Open → UploadComplete → InProgress → JobComplete | Failed`,
//!   or `Aborted`. Processing starts after `UploadComplete`, after a
//!   configurable delay, in a background task.
//! - One upload per job; a second one fails the close (documented as
//!   "Found multiple contents for job").
//! - CSV: the job's delimiter and line ending (a mismatch fails the job:
//!   "LineEnding is invalid on user data"); header row of field names or
//!   `Relationship.ExternalIdField` columns; `#N/A` sets null, an empty
//!   cell leaves the field alone.
//! - Each row succeeds or fails alone; results carry `sf__Id`,
//!   `sf__Created` / `sf__Error` and the original columns, and their order
//!   is **not** the input order (shuffled deterministically per job).
//! - Assignment rules apply only with the job's `assignmentRuleId`.

use super::errors::SfError;
use super::state::{State, UndoLog};
use super::values::{csv_cell, Source};
use super::write::{self, AutoAssign, Ctx, LockDice, Upserted};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    pub id: String,
    pub object: String,
    pub operation: String,
    pub external_id_field: Option<String>,
    pub line_ending: String,
    pub column_delimiter: String,
    pub assignment_rule_id: Option<String>,
    pub state: String,
    pub created_by_id: String,
    pub created_date: String,
    pub system_modstamp: String,
    pub api_version: String,
    /// The uploaded CSV, until processed.
    pub data: Option<String>,
    pub uploads: u32,
    pub error_message: Option<String>,
    pub processed: u64,
    pub failed: u64,
    pub results: Option<JobResults>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JobResults {
    pub header: Vec<String>,
    /// `(sf__Id, sf__Created, row)`.
    pub successes: Vec<(String, bool, Vec<String>)>,
    /// `(sf__Id, sf__Error, row)`.
    pub failures: Vec<(String, String, Vec<String>)>,
    pub unprocessed: Vec<Vec<String>>,
}

pub const OPERATIONS: [&str; 5] = ["insert", "update", "upsert", "delete", "hardDelete"];

fn delimiter(name: &str) -> Option<u8> {
    Some(match name {
        "COMMA" => b',',
        "TAB" => b'\t',
        "PIPE" => b'|',
        "SEMICOLON" => b';',
        "CARET" => b'^',
        "BACKQUOTE" => b'`',
        _ => return None,
    })
}

impl Job {
    /// `POST /jobs/ingest`: validates the request body.
    pub fn create(
        state: &mut State,
        body: &Value,
        version: &str,
        now: &str,
    ) -> Result<Job, SfError> {
        let field = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_string);
        let object =
            field("object").ok_or_else(|| SfError::bad("INVALIDJOB", "object is required"))?;
        let object = state
            .schema
            .data(&object)
            .map(|o| o.name.clone())
            .ok_or_else(|| {
                SfError::bad(
                    "INVALIDENTITY",
                    format!("Entity '{object}' is not supported by the Bulk API."),
                )
            })?;
        let operation = field("operation").unwrap_or_default();
        if !OPERATIONS.contains(&operation.as_str()) {
            return Err(SfError::bad(
                "INVALIDJOB",
                format!("Invalid operation: {operation}"),
            ));
        }
        let external_id_field = field("externalIdFieldName");
        if operation == "upsert" {
            let name = external_id_field.as_deref().ok_or_else(|| {
                SfError::bad("INVALIDJOB", "externalIdFieldName is required for upsert")
            })?;
            let def = state
                .schema
                .data(&object)
                .cloned()
                .ok_or_else(|| SfError::bad("INVALIDENTITY", "unknown object"))?;
            write::external_id_field(state, &def, name)
                .map_err(|_| SfError::bad("INVALIDJOB", format!("Invalid field for upsert, must be an External Id custom or standard indexed field: {name}")))?;
        }
        let line_ending = field("lineEnding").unwrap_or_else(|| "LF".into());
        if line_ending != "LF" && line_ending != "CRLF" {
            return Err(SfError::bad(
                "INVALIDJOB",
                format!("Invalid lineEnding: {line_ending}"),
            ));
        }
        let column_delimiter = field("columnDelimiter").unwrap_or_else(|| "COMMA".into());
        if delimiter(&column_delimiter).is_none() {
            return Err(SfError::bad(
                "INVALIDJOB",
                format!("Invalid columnDelimiter: {column_delimiter}"),
            ));
        }
        if field("contentType").is_some_and(|c| c != "CSV") {
            return Err(SfError::bad("INVALIDJOB", "contentType must be CSV"));
        }
        Ok(Job {
            id: state.next_id("750"),
            object,
            operation,
            external_id_field,
            line_ending,
            column_delimiter,
            assignment_rule_id: field("assignmentRuleId"),
            state: "Open".into(),
            created_by_id: state.api_user_id.clone(),
            created_date: now.to_string(),
            system_modstamp: now.to_string(),
            api_version: version.trim_start_matches('v').to_string(),
            data: None,
            uploads: 0,
            error_message: None,
            processed: 0,
            failed: 0,
            results: None,
        })
    }

    /// The job info of create, close and list answers.
    pub fn info(&self) -> Value {
        let mut v = json!({
            "id": self.id,
            "operation": self.operation,
            "object": self.object,
            "createdById": self.created_by_id,
            "createdDate": self.created_date,
            "systemModstamp": self.system_modstamp,
            "state": self.state,
            "concurrencyMode": "Parallel",
            "contentType": "CSV",
            "apiVersion": self.api_version.parse::<f64>().unwrap_or(0.0),
            "contentUrl": format!("services/data/v{}/jobs/ingest/{}/batches", self.api_version, self.id),
            "lineEnding": self.line_ending,
            "columnDelimiter": self.column_delimiter,
        });
        if let Some(f) = &self.external_id_field {
            v["externalIdFieldName"] = json!(f);
        }
        v
    }

    /// `GET /jobs/ingest/{id}`: the info plus progress counters.
    pub fn detail(&self) -> Value {
        let mut v = self.info();
        v["jobType"] = json!("V2Ingest");
        v["numberRecordsProcessed"] = json!(self.processed);
        v["numberRecordsFailed"] = json!(self.failed);
        v["retries"] = json!(0);
        v["totalProcessingTime"] = json!(0);
        v["apiActiveProcessingTime"] = json!(0);
        v["apexProcessingTime"] = json!(0);
        if let Some(m) = &self.error_message {
            v["errorMessage"] = json!(m);
        }
        v
    }
}

/// Parses the job's CSV: header and rows, or the reason the job fails.
fn read_csv(job: &Job, data: &str) -> Result<(Vec<String>, Vec<Vec<String>>), String> {
    let crlf_lines = data.matches("\r\n").count();
    let lf_lines = data.matches('\n').count();
    let ok = match job.line_ending.as_str() {
        "CRLF" => lf_lines == 0 || crlf_lines == lf_lines,
        _ => crlf_lines == 0,
    };
    if !ok {
        return Err(format!(
            "ClientInputError : LineEnding is invalid on user data. Current LineEnding setting is {}",
            job.line_ending
        ));
    }
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter(&job.column_delimiter).unwrap_or(b','))
        .flexible(false)
        .from_reader(data.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| format!("InvalidBatch : Failed to parse CSV header: {e}"))?
        .iter()
        .map(str::to_string)
        .collect();
    let mut rows = Vec::new();
    for (i, row) in reader.records().enumerate() {
        let row =
            row.map_err(|e| format!("InvalidBatch : Failed to parse CSV row {}: {e}", i + 1))?;
        rows.push(row.iter().map(str::to_string).collect());
    }
    Ok((header, rows))
}

/// One CSV column: a field, or a relationship resolved by external id.
enum Column {
    Field(String),
    Relationship {
        field: String,
        target: String,
        external: String,
    },
}

fn columns(state: &State, job: &Job, header: &[String]) -> Result<Vec<Column>, String> {
    let object = state
        .schema
        .data(&job.object)
        .ok_or("InvalidBatch : unknown object")?;
    let not_found = |name: &str| format!("InvalidBatch : Field name not found : {name}");
    header
        .iter()
        .map(|name| match name.split_once('.') {
            None => object
                .field(name)
                .filter(|f| state.can_read(&object.name, f))
                .map(|f| Column::Field(f.name.clone()))
                .ok_or_else(|| not_found(name)),
            Some((relationship, external)) => {
                let reference = object
                    .relationship(relationship)
                    .ok_or_else(|| not_found(name))?;
                let target = reference
                    .reference_to
                    .iter()
                    .filter_map(|t| state.schema.data(t))
                    .find(|t| {
                        t.field(external)
                            .is_some_and(|f| f.external_id || f.id_lookup)
                    })
                    .ok_or_else(|| not_found(name))?;
                Ok(Column::Relationship {
                    field: reference.name.clone(),
                    target: target.name.clone(),
                    external: external.to_string(),
                })
            }
        })
        .collect()
}

/// One row's fields, with relationship columns resolved to ids.
fn row_fields(
    state: &State,
    columns: &[Column],
    row: &[String],
) -> Result<Map<String, Value>, SfError> {
    let mut fields = Map::new();
    for (column, cell) in columns.iter().zip(row) {
        let Some(value) = csv_cell(cell) else {
            continue;
        };
        match column {
            Column::Field(name) => {
                fields.insert(name.clone(), value);
            }
            Column::Relationship {
                field,
                target,
                external,
            } => {
                let Value::String(key) = &value else {
                    fields.insert(field.clone(), Value::Null);
                    continue;
                };
                let def = state
                    .schema
                    .data(target)
                    .and_then(|o| o.field(external))
                    .cloned()
                    .ok_or_else(|| SfError::no_such_column(external, target))?;
                let found = state.find_by(target, &def, key);
                match found.as_slice() {
                    [id] => {
                        fields.insert(field.clone(), Value::String(id.clone()));
                    }
                    [] => {
                        return Err(SfError::bad(
                            "INVALID_FIELD",
                            format!("Foreign key external ID: {key} not found for field {external} in entity {target}"),
                        ))
                    }
                    _ => {
                        return Err(SfError::bad(
                            "INVALID_FIELD",
                            format!("Foreign key external ID: {key} matches more than one record for field {external} in entity {target}"),
                        ))
                    }
                }
            }
        }
    }
    Ok(fields)
}

/// Applies one row; returns `(id, created)`.
fn apply_row(
    state: &mut State,
    ctx: &Ctx<'_>,
    job: &Job,
    fields: Map<String, Value>,
) -> Result<(String, bool), (String, SfError)> {
    let id = fields
        .get("Id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let mut undo = UndoLog::new();
    let result = match job.operation.as_str() {
        "insert" => write::insert(state, ctx, &job.object, &fields, &mut undo).map(|id| (id, true)),
        "update" => {
            let mut body = fields;
            body.remove("Id");
            write::update(state, ctx, &job.object, &id, &body, &mut undo)
                .map(|()| (id.clone(), false))
        }
        "upsert" => {
            let ext = job.external_id_field.clone().unwrap_or_default();
            let key = fields
                .get(&ext)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            if key.is_empty() {
                Err(SfError::bad(
                    "MISSING_ARGUMENT",
                    format!("{ext} not specified"),
                ))
            } else {
                write::upsert(state, ctx, &job.object, &ext, &key, &fields, &mut undo).map(|u| {
                    match u {
                        Upserted::Created(id) => (id, true),
                        Upserted::Updated(id) => (id, false),
                    }
                })
            }
        }
        _ => write::delete(state, ctx, &job.object, &id, &mut undo).map(|()| (id.clone(), false)),
    };
    result.map_err(|e| (id, e))
}

/// Processes an `UploadComplete` job: every row, then the results.
pub fn process(state: &mut State, job_id: &str, now: &str, lock: Option<&LockDice>) {
    let Some(mut job) = state.jobs.get(job_id).cloned() else {
        return;
    };
    if job.state != "UploadComplete" && job.state != "InProgress" {
        return;
    }
    job.system_modstamp = now.to_string();
    let data = job.data.take().unwrap_or_default();
    let parsed = read_csv(&job, &data).and_then(|(header, rows)| {
        let cols = columns(state, &job, &header)?;
        if matches!(job.operation.as_str(), "delete" | "hardDelete") && header != ["Id"] {
            return Err("InvalidBatch : The 'delete' batch must contain only 'Id'".to_string());
        }
        Ok((header, rows, cols))
    });
    let (header, rows, cols) = match parsed {
        Ok(p) => p,
        Err(message) => {
            job.state = "Failed".into();
            job.error_message = Some(message);
            job.results = Some(JobResults::default());
            state.jobs.insert(job.id.clone(), job);
            return;
        }
    };
    let ctx = Ctx {
        now: now.to_string(),
        auto_assign: job
            .assignment_rule_id
            .clone()
            .map(AutoAssign::Rule)
            .unwrap_or(AutoAssign::Off),
        lock,
        source: Source::Csv,
    };
    let mut results = JobResults {
        header,
        ..JobResults::default()
    };
    for row in rows {
        let outcome = row_fields(state, &cols, &row)
            .map_err(|e| (String::new(), e))
            .and_then(|fields| apply_row(state, &ctx, &job, fields));
        match outcome {
            Ok((id, created)) => results.successes.push((id, created, row)),
            Err((id, e)) => results.failures.push((id, e.bulk_cell(), row)),
        }
    }
    // Result order is not input order (documented): shuffle, deterministically.
    let mut rng = ChaCha8Rng::seed_from_u64(seed_of(&job.id));
    shuffle(&mut results.successes, &mut rng);
    shuffle(&mut results.failures, &mut rng);
    job.processed = (results.successes.len() + results.failures.len()) as u64;
    job.failed = results.failures.len() as u64;
    job.results = Some(results);
    job.state = "JobComplete".into();
    state.jobs.insert(job.id.clone(), job);
}

fn seed_of(id: &str) -> u64 {
    id.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    })
}

/// A shuffle that never leaves two or more rows in their input order.
fn shuffle<T>(items: &mut Vec<T>, rng: &mut ChaCha8Rng) {
    let mut tagged: Vec<(usize, T)> = std::mem::take(items).into_iter().enumerate().collect();
    tagged.shuffle(rng);
    if tagged.len() > 1 && tagged.windows(2).all(|w| w[0].0 < w[1].0) {
        tagged.rotate_left(1);
    }
    *items = tagged.into_iter().map(|(_, t)| t).collect();
}

/// A results CSV: `header` then rows, every value quoted.
pub fn results_csv(kind: ResultKind, results: &JobResults) -> String {
    let mut writer = csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Always)
        .from_writer(Vec::new());
    let mut header: Vec<String> = match kind {
        ResultKind::Successful => vec!["sf__Id".into(), "sf__Created".into()],
        ResultKind::Failed => vec!["sf__Id".into(), "sf__Error".into()],
        ResultKind::Unprocessed => Vec::new(),
    };
    header.extend(results.header.iter().cloned());
    let _ = writer.write_record(&header);
    match kind {
        ResultKind::Successful => {
            for (id, created, row) in &results.successes {
                let mut line = vec![id.clone(), created.to_string()];
                line.extend(row.iter().cloned());
                let _ = writer.write_record(&line);
            }
        }
        ResultKind::Failed => {
            for (id, error, row) in &results.failures {
                let mut line = vec![id.clone(), error.clone()];
                line.extend(row.iter().cloned());
                let _ = writer.write_record(&line);
            }
        }
        ResultKind::Unprocessed => {
            for row in &results.unprocessed {
                let _ = writer.write_record(row);
            }
        }
    }
    String::from_utf8(writer.into_inner().unwrap_or_default()).unwrap_or_default()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultKind {
    Successful,
    Failed,
    Unprocessed,
}

impl ResultKind {
    pub fn from_path(segment: &str) -> Option<ResultKind> {
        match segment.to_ascii_lowercase().as_str() {
            "successfulresults" => Some(ResultKind::Successful),
            "failedresults" => Some(ResultKind::Failed),
            // Documented `unprocessedrecords`; simple-salesforce asks for `unprocessedRecords`.
            "unprocessedrecords" => Some(ResultKind::Unprocessed),
            _ => None,
        }
    }
}

/// The rows of an aborted job that never ran.
pub fn abort(job: &mut Job) {
    let rows = job
        .data
        .take()
        .and_then(|d| read_csv(job, &d).ok())
        .unwrap_or_default();
    job.results = Some(JobResults {
        header: rows.0,
        unprocessed: rows.1,
        ..JobResults::default()
    });
    job.state = "Aborted".into();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shuffle_never_keeps_input_order() {
        for seed in 0..50 {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let mut v: Vec<u32> = (0..(2 + seed as u32 % 5)).collect();
            let original = v.clone();
            shuffle(&mut v, &mut rng);
            assert_ne!(v, original);
            let mut sorted = v.clone();
            sorted.sort();
            assert_eq!(sorted, original);
        }
    }
}
