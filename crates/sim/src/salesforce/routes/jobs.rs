//! `/jobs/ingest`: the Bulk API 2.0 resources; the job model and its
//! processing are in [`crate::salesforce::bulk`].

use super::dispatch::{After, Call, Env, Outcome, Reply};
use crate::salesforce::bulk::{self, Job, ResultKind};
use crate::salesforce::errors::SfError;
use crate::salesforce::state::State;
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

fn invalid_job(message: impl Into<String>) -> SfError {
    SfError::bad("INVALIDJOB", message)
}

fn job_mut<'s>(state: &'s mut State, id: &str) -> Result<&'s mut Job, SfError> {
    let id = crate::salesforce::ids::normalize(id).ok_or_else(SfError::not_found)?;
    state.jobs.get_mut(&id).ok_or_else(SfError::not_found)
}

/// `POST /jobs/ingest` creates; `GET /jobs/ingest` lists.
pub fn collection(state: &mut State, env: &Env<'_>, call: &Call) -> Outcome {
    match call.method {
        Method::POST => {
            let job = Job::create(state, call.body()?, &call.version, &env.now)?;
            let info = job.info();
            state.jobs.insert(job.id.clone(), job);
            Ok(Reply::ok(info))
        }
        Method::GET => {
            let records: Vec<Value> = state.jobs.values().map(Job::info).collect();
            Ok(Reply::ok(
                json!({"done": true, "records": records, "nextRecordsUrl": null}),
            ))
        }
        _ => Err(SfError::not_found()),
    }
}

/// `GET` info, `PATCH` state (UploadComplete / Aborted), `DELETE`.
pub fn one(state: &mut State, env: &Env<'_>, call: &Call, id: &str) -> Outcome {
    match call.method {
        Method::GET => Ok(Reply::ok(job_mut(state, id)?.detail())),
        Method::PATCH => {
            let wanted = call
                .body()?
                .get("state")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let job = job_mut(state, id)?;
            job.system_modstamp = env.now.clone();
            match (wanted.as_str(), job.state.as_str()) {
                ("UploadComplete", "Open") => {
                    if job.uploads > 1 {
                        return Err(invalid_job(format!(
                            "Found multiple contents for job: <{}>, please 'Close' / 'Abort' / 'Delete' the current Job then create a new Job and make sure you only do 'PUT' once on a given Job.",
                            job.id
                        )));
                    }
                    if job.uploads == 0 {
                        job.state = "Failed".into();
                        job.error_message =
                            Some("InvalidBatch : no data was uploaded to this job".into());
                        return Ok(Reply::ok(job.info()));
                    }
                    job.state = "UploadComplete".into();
                    let mut reply = Reply::ok(job.info());
                    reply.after = Some(After::ProcessJob(job.id.clone()));
                    Ok(reply)
                }
                ("Aborted", "Open" | "UploadComplete" | "InProgress") => {
                    bulk::abort(job);
                    Ok(Reply::ok(job.info()))
                }
                (wanted, current) => Err(invalid_job(format!(
                    "Invalid state transition from {current} to {wanted}"
                ))),
            }
        }
        Method::DELETE => {
            let job = job_mut(state, id)?;
            if matches!(job.state.as_str(), "Open" | "InProgress") {
                return Err(invalid_job(format!(
                    "Job in state {} cannot be deleted",
                    job.state
                )));
            }
            let key = job.id.clone();
            state.jobs.remove(&key);
            Ok(Reply::no_content())
        }
        _ => Err(SfError::not_found()),
    }
}

/// `PUT /jobs/ingest/{id}/batches`: the CSV, once.
pub fn upload(state: &mut State, id: &str, data: String) -> Result<(), SfError> {
    let job = job_mut(state, id)?;
    if job.state != "Open" {
        return Err(invalid_job(format!(
            "Job is in state {} and cannot take data",
            job.state
        )));
    }
    job.uploads += 1;
    job.data = Some(data);
    Ok(())
}

/// `GET /jobs/ingest/{id}/{successfulResults|failedResults|unprocessedrecords}/`.
pub fn results(state: &mut State, id: &str, kind: &str) -> Result<String, SfError> {
    let kind = ResultKind::from_path(kind).ok_or_else(SfError::not_found)?;
    let job = job_mut(state, id)?;
    match &job.results {
        Some(results) => Ok(bulk::results_csv(kind, results)),
        None => Err(SfError::new(
            StatusCode::BAD_REQUEST,
            "INVALIDJOB",
            format!(
                "Job {} is in state {}: results are not available yet",
                job.id, job.state
            ),
        )),
    }
}
