//! One JSON request against the org, whichever way it arrived: over HTTP,
//! or as a subrequest of `/composite`. Routing by path segments lives here;
//! each resource module has the handlers.
//!
//! Handlers are synchronous functions over the locked [`State`] that record
//! their changes in an undo log, so a Composite request can run many of
//! them in one transaction and roll all of them back.

use super::{composite, jobs, meta, query, sobjects, tooling};
use crate::salesforce::errors::SfError;
use crate::salesforce::state::{State, UndoLog};
use crate::salesforce::values::Source;
use crate::salesforce::write::{AutoAssign, Ctx, LockDice};
use axum::http::{Method, StatusCode};
use serde_json::Value;
use std::collections::HashMap;

/// What the server knows besides the request.
pub struct Env<'a> {
    pub now: String,
    pub lock: Option<&'a LockDice>,
    /// Default query page size (`Sforce-Query-Options` may lower it).
    pub batch_size: usize,
    pub daily_limit: u64,
    pub used: u64,
}

/// A request, after authentication: method, the path after
/// `/services/data/vXX.X/`, URL parameters, JSON body and the headers that
/// change behaviour.
pub struct Call {
    pub method: Method,
    pub segments: Vec<String>,
    pub params: HashMap<String, String>,
    pub body: Option<Value>,
    pub version: String,
    pub auto_assign: AutoAssign,
    /// From `Sforce-Query-Options: batchSize=N`.
    pub batch_size: Option<usize>,
}

impl Call {
    pub fn body(&self) -> Result<&Value, SfError> {
        self.body
            .as_ref()
            .ok_or_else(|| SfError::json_parser("No content to map due to end-of-input"))
    }

    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }

    pub fn ctx<'a>(&self, env: &Env<'a>) -> Ctx<'a> {
        Ctx {
            now: env.now.clone(),
            auto_assign: self.auto_assign.clone(),
            lock: env.lock,
            source: Source::Json,
        }
    }
}

/// Work to do after the answer, outside the lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum After {
    /// Process a closed Bulk job after the configured delay.
    ProcessJob(String),
}

#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub body: Option<Value>,
    pub location: Option<String>,
    pub after: Option<After>,
}

impl Reply {
    pub fn ok(body: Value) -> Reply {
        Reply::with(StatusCode::OK, body)
    }

    pub fn with(status: StatusCode, body: Value) -> Reply {
        Reply {
            status,
            body: Some(body),
            location: None,
            after: None,
        }
    }

    pub fn no_content() -> Reply {
        Reply {
            status: StatusCode::NO_CONTENT,
            body: None,
            location: None,
            after: None,
        }
    }
}

pub type Outcome = Result<Reply, SfError>;

fn method_not_allowed(call: &Call) -> SfError {
    SfError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        format!(
            "HTTP Method '{}' not allowed. Allowed are GET,PATCH,POST,DELETE",
            call.method
        ),
    )
}

/// Routes one call.
pub fn dispatch(state: &mut State, env: &Env<'_>, call: &Call, undo: &mut UndoLog) -> Outcome {
    let segs: Vec<&str> = call.segments.iter().map(String::as_str).collect();
    let m = &call.method;
    match segs.as_slice() {
        [] if m == Method::GET => Ok(Reply::ok(meta::resources(&call.version))),
        ["limits"] if m == Method::GET => Ok(Reply::ok(meta::limits(env))),
        ["sobjects"] if m == Method::GET => Ok(Reply::ok(sobjects::global(state, &call.version))),
        ["sobjects", object] => match *m {
            Method::GET => sobjects::info(state, call, object),
            Method::POST => sobjects::create(state, env, call, object, undo),
            _ => Err(method_not_allowed(call)),
        },
        ["sobjects", object, "describe"] if m == Method::GET => {
            sobjects::describe(state, call, object)
        }
        ["sobjects", object, id] => match *m {
            Method::GET => sobjects::read(state, call, object, id),
            Method::PATCH => sobjects::update(state, env, call, object, id, undo),
            Method::DELETE => sobjects::delete(state, env, call, object, id, undo),
            _ => Err(method_not_allowed(call)),
        },
        ["sobjects", object, field, value] => match *m {
            Method::GET => sobjects::read_by_external_id(state, call, object, field, value),
            Method::PATCH | Method::POST => {
                sobjects::upsert(state, env, call, object, field, value, undo)
            }
            Method::DELETE => {
                sobjects::delete_by_external_id(state, env, call, object, field, value, undo)
            }
            _ => Err(method_not_allowed(call)),
        },
        [q @ ("query" | "queryAll")] if m == Method::GET => {
            query::start(state, env, call, *q == "queryAll")
        }
        ["query" | "queryAll", locator] if m == Method::GET => query::more(state, call, locator),
        ["composite"] if m == Method::POST => composite::composite(state, env, call, undo),
        ["composite", "sobjects"] => composite::collections(state, env, call, undo),
        ["composite", "sobjects", object, field] if m == Method::PATCH => {
            composite::upsert(state, env, call, object, field, undo)
        }
        ["tooling", rest @ ..] => tooling::dispatch(state, env, call, rest, undo),
        ["jobs", "ingest"] => jobs::collection(state, env, call),
        ["jobs", "ingest", id] => jobs::one(state, env, call, id),
        _ => Err(SfError::not_found()),
    }
}
