//! The HTTP face of the emulator.
//!
//! Outside `/services/data`: the token endpoint and SOAP login
//! ([`crate::salesforce::auth`]). Under `/services/data/vXX.X/`, every
//! request passes the same gate — known API version (40.0–67.0), a live
//! bearer session (401 `INVALID_SESSION_ID`), the daily request limit (403
//! `REQUEST_LIMIT_EXCEEDED`) — and every answer carries `Sforce-Limit-Info:
//! api-usage=N/M`. Then the few non-JSON resources (multipart file upload,
//! file bodies, Bulk CSV upload and results) are handled here, and every
//! JSON resource goes through [`dispatch`].

pub mod composite;
pub mod dispatch;
pub mod jobs;
pub mod meta;
pub mod query;
pub mod sobjects;
pub mod tooling;

use super::auth;
use super::bulk;
use super::errors::SfError;
use super::schema::FieldType;
use super::state::UndoLog;
use super::values::format_datetime;
use super::write::AutoAssign;
use super::App;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Json, Router};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use dispatch::{After, Call, Env, Reply};
use serde_json::{Map, Value};
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// `Sforce-Limit-Info` (REST API guide, "Limit Info Header").
pub const LIMIT_INFO: HeaderName = HeaderName::from_static("sforce-limit-info");

/// Largest request body: a 100 MB Bulk upload, or 37.5 MB of base64 JSON.
pub const BODY_LIMIT: usize = 150 * 1024 * 1024;

pub(crate) fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/services/oauth2/token", post(auth::token))
        .route("/services/Soap/u/{version}", post(auth::soap_login))
        .route("/services/data", get(versions))
        .route("/services/data/", get(versions))
        .route("/services/data/{*rest}", any(api))
        .fallback(|| async { SfError::not_found() })
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(app)
}

async fn versions() -> Response {
    Json(meta::versions()).into_response()
}

/// A path segment with `%XX` escapes decoded (external id values).
fn decode_segment(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

async fn api(
    State(app): State<Arc<App>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    app.counters.requests.fetch_add(1, Ordering::Relaxed);
    let rest = uri
        .path()
        .strip_prefix("/services/data/")
        .unwrap_or_default();
    let mut segments: Vec<String> = rest
        .split('/')
        .filter(|s| !s.is_empty())
        .map(decode_segment)
        .collect();
    if segments.is_empty() {
        return versions().await;
    }
    let version = segments.remove(0);
    let mut response = if !meta::valid_version(&version) {
        SfError::not_found().into_response()
    } else if !auth::bearer(&headers).is_some_and(|t| app.sessions.check(t)) {
        app.counters.unauthorized.fetch_add(1, Ordering::Relaxed);
        SfError::invalid_session().into_response()
    } else if app.used.load(Ordering::SeqCst) >= app.daily_limit {
        app.counters.limited.fetch_add(1, Ordering::Relaxed);
        SfError::request_limit().into_response()
    } else {
        app.used.fetch_add(1, Ordering::SeqCst);
        let call = Call {
            method,
            segments,
            params: serde_urlencoded::from_str::<Vec<(String, String)>>(
                uri.query().unwrap_or_default(),
            )
            .unwrap_or_default()
            .into_iter()
            .collect(),
            body: None,
            version,
            auto_assign: AutoAssign::from_header(
                headers
                    .get("sforce-auto-assign")
                    .and_then(|v| v.to_str().ok()),
            ),
            batch_size: headers
                .get("sforce-query-options")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| {
                    v.split(',')
                        .find_map(|p| p.trim().strip_prefix("batchSize=")?.trim().parse().ok())
                }),
        };
        handle(&app, call, &headers, body)
            .await
            .unwrap_or_else(IntoResponse::into_response)
    };
    let usage = format!(
        "api-usage={}/{}",
        app.used.load(Ordering::SeqCst),
        app.daily_limit
    );
    if let Ok(value) = HeaderValue::from_str(&usage) {
        response.headers_mut().insert(LIMIT_INFO, value);
    }
    response
}

fn env(app: &App) -> Env<'_> {
    Env {
        now: format_datetime(chrono::Utc::now()),
        lock: app.lock.as_ref(),
        batch_size: app.batch_size,
        daily_limit: app.daily_limit,
        used: app.used.load(Ordering::SeqCst),
    }
}

/// The non-JSON resources, then JSON dispatch.
async fn handle(
    app: &Arc<App>,
    mut call: Call,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<Response, SfError> {
    let segs: Vec<&str> = call.segments.iter().map(String::as_str).collect();
    let subject = subject_of(app, &segs, &call, &body);
    app.counters.count_object(subject);
    let is_multipart = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/"));
    match (segs.as_slice(), &call.method) {
        (["jobs", "ingest", id, "batches"], &Method::PUT) => {
            let text = String::from_utf8(body.to_vec())
                .map_err(|_| SfError::bad("INVALIDJOB", "job data must be UTF-8"))?;
            app.store.write(|s| jobs::upload(s, id, text))?;
            return Ok(StatusCode::CREATED.into_response());
        }
        (["jobs", "ingest", id, kind], &Method::GET) => {
            let csv = app.store.write(|s| jobs::results(s, id, kind))?;
            return Ok(([(CONTENT_TYPE, "text/csv")], csv).into_response());
        }
        (["sobjects", object, id, field], &Method::GET) => {
            if let Some(bytes) = blob(app, object, id, field) {
                return Ok(([(CONTENT_TYPE, "application/octet-stream")], bytes).into_response());
            }
        }
        (["sobjects", _], &Method::POST) if is_multipart => {
            call.body = Some(multipart_body(headers, body).await?);
            return run(app, call).await;
        }
        _ => {}
    }
    if !body.iter().all(u8::is_ascii_whitespace) {
        let value: Value =
            serde_json::from_slice(&body).map_err(|e| SfError::json_parser(e.to_string()))?;
        call.body = Some(value);
    }
    run(app, call).await
}

/// Runs a JSON call in one write transaction, then its after-work.
async fn run(app: &Arc<App>, call: Call) -> Result<Response, SfError> {
    let env = env(app);
    let reply: Reply = app.store.write(|state| {
        let mut undo = UndoLog::new();
        let outcome = dispatch::dispatch(state, &env, &call, &mut undo);
        if outcome.is_err() {
            state.rollback(undo);
        }
        outcome
    })?;
    if let Some(After::ProcessJob(id)) = &reply.after {
        spawn_job(Arc::clone(app), id.clone());
    }
    let mut response = match reply.body {
        Some(body) => (reply.status, Json(body)).into_response(),
        None => reply.status.into_response(),
    };
    if let Some(location) = reply.location.and_then(|l| HeaderValue::from_str(&l).ok()) {
        response
            .headers_mut()
            .insert(axum::http::header::LOCATION, location);
    }
    Ok(response)
}

/// Processes a closed Bulk job after the configured delay: InProgress at
/// half time, JobComplete (or Failed) at the end.
fn spawn_job(app: Arc<App>, id: String) {
    tokio::spawn(async move {
        let half = app.bulk_delay / 2;
        tokio::time::sleep(half).await;
        let _ = app.store.write(|s| {
            if let Some(job) = s.jobs.get_mut(&id).filter(|j| j.state == "UploadComplete") {
                job.state = "InProgress".into();
            }
            Ok::<(), SfError>(())
        });
        tokio::time::sleep(half).await;
        let now = format_datetime(chrono::Utc::now());
        let _ = app.store.write(|s| {
            bulk::process(s, &id, &now, app.lock.as_ref());
            Ok::<(), SfError>(())
        });
    });
}

/// The bytes of a base64 field (`/sobjects/ContentVersion/{id}/VersionData`).
fn blob(app: &App, object: &str, id: &str, field: &str) -> Option<Vec<u8>> {
    app.store.read(|s| {
        let def = s.schema.data(object)?;
        let field = def.field(field).filter(|f| f.kind == FieldType::Base64)?;
        let id = super::ids::normalize(id)?;
        let record = s.live(&def.name, &id)?;
        STANDARD.decode(record.get(&field.name)?.as_str()?).ok()
    })
}

/// The sObject a request works on, for [`Counters::by_object`]: the path's
/// object, a Composite collection's record type, a Bulk job's object, a
/// query's `FROM`; `Tooling`, `composite` and `org` for the rest.
fn subject_of(app: &App, segs: &[&str], call: &Call, body: &Bytes) -> String {
    let json = || serde_json::from_slice::<Value>(body).unwrap_or(Value::Null);
    let text = |v: &Value| v.as_str().map(str::to_string);
    let subject = match segs {
        ["sobjects", object, ..] | ["composite", "sobjects", object, ..] => {
            Some(object.to_string())
        }
        ["composite", "sobjects"] if call.method == axum::http::Method::DELETE => call
            .params
            .get("ids")
            .and_then(|ids| ids.split(',').next())
            .and_then(|id| app.store.read(|s| s.object_of(id).map(|o| o.name.clone()))),
        ["composite", "sobjects"] => text(&json()["records"][0]["attributes"]["type"]),
        ["jobs", "ingest"] => text(&json()["object"]),
        ["jobs", "ingest", id, ..] => app
            .store
            .read(|s| s.jobs.get(*id).map(|j| j.object.clone())),
        ["query" | "queryAll"] => call.params.get("q").and_then(|q| soql_from(q)),
        ["query" | "queryAll", _] => Some("query".to_string()),
        ["tooling", ..] => Some("Tooling".to_string()),
        ["composite", ..] => Some("composite".to_string()),
        _ => None,
    };
    subject.unwrap_or_else(|| "org".to_string())
}

/// The object after `FROM` in a SOQL text.
fn soql_from(soql: &str) -> Option<String> {
    let mut words = soql.split_whitespace();
    words.find(|w| w.eq_ignore_ascii_case("from"))?;
    words.next().map(|w| w.trim_end_matches(',').to_string())
}

/// A multipart insert (REST API guide, "Insert or Update Blob Data"): the
/// `entity_content` part holds the JSON record, the binary part (named
/// after the blob field, e.g. `VersionData`) the file.
async fn multipart_body(headers: &HeaderMap, body: Bytes) -> Result<Value, SfError> {
    let malformed = || SfError::bad("INVALID_MULTIPART_REQUEST", "Malformed multipart request");
    // multer directly rather than axum's extractor: the body is already
    // read (within BODY_LIMIT), and the extractor would apply its own 2 MB
    // default to it, refusing files the platform takes.
    let boundary = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|ct| multer::parse_boundary(ct).ok())
        .ok_or_else(malformed)?;
    let stream = futures::stream::once(async move { Ok::<Bytes, std::io::Error>(body) });
    let mut form = multer::Multipart::new(stream, boundary);
    let mut record: Option<Map<String, Value>> = None;
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    while let Some(part) = form.next_field().await.map_err(|_| malformed())? {
        let name = part.name().unwrap_or_default().to_string();
        let bytes = part.bytes().await.map_err(|_| malformed())?;
        if name == "entity_content" {
            let value: Value =
                serde_json::from_slice(&bytes).map_err(|e| SfError::json_parser(e.to_string()))?;
            record = Some(
                value
                    .as_object()
                    .cloned()
                    .ok_or_else(|| SfError::json_parser("entity_content must be an object"))?,
            );
        } else {
            files.push((name, bytes.to_vec()));
        }
    }
    let mut record = record.ok_or_else(|| {
        SfError::bad(
            "INVALID_MULTIPART_REQUEST",
            "entity_content part is missing",
        )
    })?;
    for (name, bytes) in files {
        record.insert(name, Value::String(STANDARD.encode(bytes)));
    }
    Ok(Value::Object(record))
}
