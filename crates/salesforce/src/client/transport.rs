//! The one path every API call takes: headers, the daily-limit guard, the
//! shared HTTP client's retries, signing in again on 401, retrying row
//! locks, and turning the answer into an [`ApiError`] (see the module docs
//! of [`super`] for the rules).

use super::content::FileSource;
use super::{ApiError, SalesforceClient};
use bytes::Bytes;
use deskshift_http::reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use deskshift_http::reqwest::multipart::{Form, Part};
use deskshift_http::reqwest::{self, Body as HttpBody, Method};
use deskshift_http::Fetched;
use futures::TryStreamExt;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Whether a call may be repeated when its answer is lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Retry {
    /// Doing it twice changes nothing (GET, PATCH, DELETE, upsert).
    Yes,
    /// A create: sent once; a failure that may have landed is `Uncertain`.
    No,
}

/// What a request carries. Files are opened afresh for every attempt, so
/// nothing large is held in memory.
#[derive(Debug, Clone)]
pub(crate) enum Payload {
    Empty,
    Json(Bytes),
    Csv(Bytes),
    CsvFile(FileSource),
    /// `multipart/form-data` for a blob insert: the record as JSON under
    /// `entity_part`, the bytes under `binary_part` (reference §2.4).
    Blob {
        entity_part: &'static str,
        entity: Bytes,
        binary_part: &'static str,
        file: FileSource,
    },
}

/// One API call.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    pub method: Method,
    /// Under `/services/data/vXX.X` (`/sobjects/Case`), or absolute on the
    /// instance (`/services/data/v62.0/query/01g…`, `/services/oauth2/userinfo`).
    pub path: String,
    pub query: Vec<(&'static str, String)>,
    pub payload: Payload,
    pub retry: Retry,
    pub headers: Vec<(&'static str, String)>,
    pub accept: &'static str,
}

impl Call {
    pub fn new(method: Method, path: impl Into<String>) -> Call {
        let retry = if method == Method::POST {
            Retry::No
        } else {
            Retry::Yes
        };
        Call {
            method,
            path: path.into(),
            query: Vec::new(),
            payload: Payload::Empty,
            retry,
            headers: Vec::new(),
            accept: "application/json",
        }
    }

    pub fn get(path: impl Into<String>) -> Call {
        Call::new(Method::GET, path)
    }

    pub fn query(mut self, query: &[(&'static str, String)]) -> Call {
        self.query.extend_from_slice(query);
        self
    }

    pub fn json<B: Serialize + ?Sized>(mut self, body: &B) -> Result<Call, ApiError> {
        let bytes = serde_json::to_vec(body).map_err(|e| ApiError::Protocol {
            what: self.what(),
            detail: format!("cannot encode the request: {e}"),
        })?;
        self.payload = Payload::Json(bytes.into());
        Ok(self)
    }

    pub fn payload(mut self, payload: Payload) -> Call {
        self.payload = payload;
        self
    }

    /// Overrides the method's default: e.g. an upsert by POST is safe to
    /// repeat, a composite PATCH may not be.
    pub fn retry(mut self, retry: Retry) -> Call {
        self.retry = retry;
        self
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Call {
        self.headers.push((name, value.into()));
        self
    }

    pub fn accept(mut self, accept: &'static str) -> Call {
        self.accept = accept;
        self
    }

    /// `PATCH /sobjects/Case/500…`: what error messages name (no query).
    pub fn what(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// An answer: whole, or (for downloads) still streaming.
pub(crate) enum Reply {
    Full(Fetched),
    Stream(reqwest::Response),
}

impl SalesforceClient {
    /// Sends `call` and reads the whole answer.
    pub(crate) async fn send(&self, call: Call) -> Result<Fetched, ApiError> {
        match self.execute(call, false).await? {
            Reply::Full(answer) => Ok(answer),
            Reply::Stream(_) => unreachable!("execute(stream = false) reads the body"),
        }
    }

    /// Sends `call` and hands back the successful answer unread, for large
    /// downloads.
    pub(crate) async fn send_streaming(&self, call: Call) -> Result<reqwest::Response, ApiError> {
        match self.execute(call, true).await? {
            Reply::Stream(response) => Ok(response),
            Reply::Full(_) => unreachable!("execute(stream = true) leaves the body"),
        }
    }

    /// `GET path`, decoded.
    pub(crate) async fn get_json<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&'static str, String)],
    ) -> Result<T, ApiError> {
        self.send_json(Call::get(path).query(query)).await
    }

    /// Sends `call` and decodes its JSON answer (an empty body reads as `null`).
    pub(crate) async fn send_json<T: DeserializeOwned>(&self, call: Call) -> Result<T, ApiError> {
        let what = call.what();
        let answer = self.send(call).await?;
        decode(&what, &answer.body)
    }

    async fn execute(&self, call: Call, stream: bool) -> Result<Reply, ApiError> {
        let what = call.what();
        let mut signed_in_again = false;
        let mut locks = 0;
        let mut throttled = 0;
        loop {
            self.inner.guard.before_call()?;
            let session = self.session();
            let url = self.url_for(&session.instance_url, &call.path);
            let build = |http: &reqwest::Client| {
                let mut request = http
                    .request(call.method.clone(), &url)
                    .header(AUTHORIZATION, session.bearer.clone())
                    .header(ACCEPT, call.accept)
                    // Invariant 4: no assignment rule fires on anything we write.
                    .header("Sforce-Auto-Assign", "FALSE")
                    .query(&call.query);
                if call.method != Method::GET {
                    request = request.header("Sforce-Duplicate-Rule-Header", "allowSave=true");
                }
                for (name, value) in &call.headers {
                    request = request.header(*name, value);
                }
                attach(request, &call.payload)
            };
            let http = &self.inner.http;
            let outcome = match (stream, call.retry) {
                (true, _) => http.send(build).await.map(Reply::Stream),
                (false, Retry::Yes) => http.fetch(build).await.map(Reply::Full),
                (false, Retry::No) => http.fetch_once(build).await.map(Reply::Full),
            };
            let reply = outcome.map_err(|e| self.scrub(ApiError::from_http(&what, e)))?;
            let (status, body) = match reply {
                Reply::Full(answer) if answer.status.is_success() => {
                    return Ok(Reply::Full(answer))
                }
                Reply::Stream(response) if response.status().is_success() => {
                    return Ok(Reply::Stream(response))
                }
                Reply::Full(answer) => (answer.status, answer.body),
                Reply::Stream(response) => {
                    let status = response.status();
                    (status, response.bytes().await.unwrap_or_default())
                }
            };
            let error = ApiError::from_answer(&what, status, &body);
            // An expired session refused the call before doing anything, so
            // even a create may be repeated after signing in again.
            if error.is_session_expired() && !signed_in_again {
                signed_in_again = true;
                self.sign_in(session.generation).await?;
                continue;
            }
            // A concurrency limit refused the call before it did anything,
            // so any call, a create included, may simply be sent again.
            if matches!(error, ApiError::Throttled { .. }) && throttled < MAX_THROTTLED_RETRIES {
                throttled += 1;
                let delay = lock_backoff(throttled);
                tracing::debug!(%what, ?delay, "concurrent request limit; retrying");
                tokio::time::sleep(delay).await;
                continue;
            }
            if matches!(error, ApiError::Locked { .. })
                && call.retry == Retry::Yes
                && locks < self.inner.lock_retries
            {
                locks += 1;
                let delay = lock_backoff(locks);
                tracing::debug!(%what, ?delay, "UNABLE_TO_LOCK_ROW; retrying");
                tokio::time::sleep(delay).await;
                continue;
            }
            return Err(self.scrub(error));
        }
    }

    /// Absolute URL of `path` (see [`Call::path`]).
    fn url_for(&self, instance_url: &str, path: &str) -> String {
        if path.starts_with("/services/") {
            format!("{instance_url}{path}")
        } else {
            format!("{instance_url}/services/data/{}{path}", self.inner.version)
        }
    }

    /// Removes secrets from texts quoted from an answer, should Salesforce
    /// ever echo one.
    pub(crate) fn scrub(&self, error: ApiError) -> ApiError {
        let auth = self.auth();
        error.map_text(|text| auth.scrub(&text))
    }
}

/// How often a call refused by a concurrent-request limit is sent again
/// before the refusal is handed to the caller (about a minute in all).
const MAX_THROTTLED_RETRIES: u32 = 6;

/// 1 s, 2 s, 4 s, … plus up to a quarter of that as jitter, so workers that
/// collided on a lock do not collide again.
pub(crate) fn lock_backoff(attempt: u32) -> Duration {
    let base = Duration::from_millis(1000u64 << attempt.saturating_sub(1).min(5));
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    base + base.mul_f64(f64::from(nanos % 1000) / 4000.0)
}

fn attach(request: reqwest::RequestBuilder, payload: &Payload) -> reqwest::RequestBuilder {
    match payload {
        Payload::Empty => request,
        Payload::Json(bytes) => request
            .header(CONTENT_TYPE, "application/json")
            .body(bytes.clone()),
        Payload::Csv(bytes) => request.header(CONTENT_TYPE, "text/csv").body(bytes.clone()),
        Payload::CsvFile(file) => request
            .header(CONTENT_TYPE, "text/csv")
            .body(lazy_file(file.path.clone())),
        Payload::Blob {
            entity_part,
            entity,
            binary_part,
            file,
        } => {
            let record = Part::bytes(entity.to_vec())
                .mime_str("application/json")
                .unwrap_or_else(|_| Part::bytes(entity.to_vec()));
            let bytes = || {
                Part::stream_with_length(lazy_file(file.path.clone()), file.len)
                    .file_name(file.file_name.clone())
            };
            let bytes = bytes()
                .mime_str(&file.content_type)
                .unwrap_or_else(|_| bytes());
            let form = Form::new()
                .part(*entity_part, record)
                .part(*binary_part, bytes);
            request.multipart(form)
        }
    }
}

/// The file's bytes, opened on first read (so each retry reads it afresh).
pub(crate) fn lazy_file(path: PathBuf) -> HttpBody {
    let bytes = futures::stream::once(async move { tokio::fs::File::open(path).await })
        .map_ok(tokio_util::io::ReaderStream::new)
        .try_flatten();
    HttpBody::wrap_stream(bytes)
}

/// Decodes a JSON answer; an empty body (204) reads as `null`.
pub(crate) fn decode<T: DeserializeOwned>(what: &str, body: &[u8]) -> Result<T, ApiError> {
    let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"null"
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|e| ApiError::Protocol {
        what: what.to_string(),
        detail: e.to_string(),
    })
}
