//! The Gorgias REST API as deskshift uses it: authentication, pacing on
//! Gorgias's own rate-limit header, cursor pagination, error mapping
//! ([`error`]), typed endpoints ([`endpoints`]) and wire types ([`wire`]).
//!
//! Two kinds of call, and the difference matters for exactly-once writes:
//!
//! - **idempotent** calls (GET, PUT) are retried by the shared HTTP client on
//!   429, 5xx, timeouts and resets: doing one twice changes nothing;
//! - **creates** (POST) are sent *once*: a 5xx, a timeout or a reset after the
//!   request left may mean the record exists, so the failure goes back to
//!   the caller as [`ApiError::Uncertain`] and the journal looks the record
//!   up before it tries again. Only 429s (never applied) are waited out.

pub mod auth;
pub mod endpoints;
pub mod error;
mod pages;
pub mod rate_limit;
mod upload;
pub mod wire;

pub use auth::{Credentials, CredentialsError};
pub use error::ApiError;
pub use upload::UploadFile;

use bytes::Bytes;
use deskshift_http::reqwest::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use deskshift_http::reqwest::{Method, StatusCode};
use deskshift_http::{Budget, Client, Fetched, Pacer, RetryPolicy, Stats};
use rate_limit::GorgiasRateLimit;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// How the client spends the account's API budget.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// The steady rate to hold (40 calls per 20 s for an API key). `None`
    /// paces on Gorgias's headers and 429s alone.
    pub budget: Option<Budget>,
    pub retry: RetryPolicy,
}

impl Default for ClientOptions {
    fn default() -> ClientOptions {
        ClientOptions {
            budget: Some(default_budget()),
            retry: RetryPolicy::default(),
        }
    }
}

/// The documented budget of an API-key integration: 40 calls per 20 s.
pub fn default_budget() -> Budget {
    Budget::new(40, Duration::from_secs(20)).unwrap_or_else(|| unreachable!("40/20 is valid"))
}

/// A Gorgias account's API. Cheap to clone; clones share the pacer.
#[derive(Clone)]
pub struct GorgiasClient {
    inner: Arc<Inner>,
}

struct Inner {
    /// `https://acme.gorgias.com/api`, without a trailing slash.
    root: String,
    credentials: Credentials,
    authorization: HeaderValue,
    http: Client,
}

impl GorgiasClient {
    /// A client for the account at `base_url` (`https://acme.gorgias.com`; a
    /// trailing `/api` is accepted). Nothing is called yet.
    pub fn new(
        base_url: &str,
        credentials: Credentials,
        options: &ClientOptions,
    ) -> Result<GorgiasClient, String> {
        let url = deskshift_http::reqwest::Url::parse(base_url.trim())
            .ok()
            .filter(|url| matches!(url.scheme(), "http" | "https") && url.has_host())
            .ok_or_else(|| {
                "the Gorgias URL is not valid; expected something like https://acme.gorgias.com"
                    .to_string()
            })?;
        let mut root = deskshift_http::redact_url(&url)
            .trim_end_matches('/')
            .to_string();
        if !root.ends_with("/api") {
            root.push_str("/api");
        }
        let authorization = credentials.authorization().map_err(|e| e.to_string())?;
        let window = options
            .budget
            .map_or(Duration::from_secs(20), |budget| budget.per());
        let calls = options.budget.map_or(40, |budget| budget.calls());
        let reader = GorgiasRateLimit::new(window);
        // The shortest shared pause (e.g. after `Retry-after: 0`): one leak of
        // the bucket, within reason.
        let floor = reader
            .leak_interval(u64::from(calls))
            .clamp(Duration::from_millis(20), Duration::from_secs(1));
        let http = Client::builder()
            .pacer(Arc::new(Pacer::new(options.budget).with_min_pause(floor)))
            .rate_limit_headers(reader)
            .retry(options.retry)
            .build()
            .map_err(|e| e.to_string())?;
        Ok(GorgiasClient {
            inner: Arc::new(Inner {
                root,
                credentials,
                authorization,
                http,
            }),
        })
    }

    /// `https://acme.gorgias.com/api`.
    pub fn root(&self) -> &str {
        &self.inner.root
    }

    pub fn credentials(&self) -> &Credentials {
        &self.inner.credentials
    }

    /// Calls made, 429s and retries so far.
    pub fn stats(&self) -> Stats {
        self.inner.http.stats()
    }

    /// `GET path`, decoded.
    pub async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T, ApiError> {
        let what = format!("GET /api{path}");
        let answer = self
            .exchange(Method::GET, path, query, None, Retry::Yes)
            .await?;
        self.decode(&what, answer)
    }

    /// `GET path`, `None` on 404.
    pub async fn get_optional<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<Option<T>, ApiError> {
        match self.get(path, query).await {
            Ok(value) => Ok(Some(value)),
            Err(error) if error.is_not_found() => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// `POST path` that creates something: sent once (see the module docs).
    pub async fn create<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ApiError> {
        let what = format!("POST /api{path}");
        let body = encode(&what, body)?;
        let answer = self
            .exchange(Method::POST, path, &[], Some(body), Retry::No)
            .await?;
        self.decode(&what, answer)
    }

    /// `PUT path`: idempotent, so retried like a read. Answers without a
    /// body (202) decode as JSON `null`.
    pub async fn put<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ApiError> {
        let what = format!("PUT /api{path}");
        let body = encode(&what, body)?;
        let answer = self
            .exchange(Method::PUT, path, &[], Some(body), Retry::Yes)
            .await?;
        self.decode(&what, answer)
    }

    /// `DELETE path` (with an optional JSON body, for bulk deletes): retried
    /// like a read, since deleting twice deletes once. `Ok(false)` when the
    /// record was not there (404): already gone.
    pub async fn delete<B: Serialize + ?Sized>(
        &self,
        path: &str,
        body: Option<&B>,
    ) -> Result<bool, ApiError> {
        let what = format!("DELETE /api{path}");
        let body = body.map(|b| encode(&what, b)).transpose()?;
        match self
            .exchange(Method::DELETE, path, &[], body, Retry::Yes)
            .await
        {
            Ok(_) => Ok(true),
            Err(error) if error.is_not_found() => Ok(false),
            Err(error) => Err(error),
        }
    }

    async fn exchange(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<Bytes>,
        retry: Retry,
    ) -> Result<Fetched, ApiError> {
        let inner = &*self.inner;
        let url = format!("{}{path}", inner.root);
        let what = format!("{method} /api{path}");
        let build = |http: &deskshift_http::reqwest::Client| {
            let mut request = http
                .request(method.clone(), &url)
                .header(AUTHORIZATION, inner.authorization.clone())
                .query(query);
            if let Some(body) = &body {
                request = request
                    .header(CONTENT_TYPE, "application/json")
                    .body(body.clone());
            }
            request
        };
        let answer = match retry {
            Retry::Yes => inner.http.fetch(build).await,
            Retry::No => inner.http.fetch_once(build).await,
        }
        .map_err(|error| ApiError::from_http(&what, error))?;
        if answer.status.is_success() || answer.status == StatusCode::NOT_MODIFIED {
            Ok(answer)
        } else {
            let error = ApiError::from_status(&what, answer.status, &answer.body);
            Err(self.scrub(error))
        }
    }

    fn decode<T: DeserializeOwned>(&self, what: &str, answer: Fetched) -> Result<T, ApiError> {
        let body: &[u8] = if answer.body.iter().all(u8::is_ascii_whitespace) {
            b"null"
        } else {
            &answer.body
        };
        serde_json::from_slice(body).map_err(|error| ApiError::Protocol {
            what: what.to_string(),
            detail: format!("{error}"),
        })
    }

    /// Removes the API key from texts quoted from an answer, should Gorgias
    /// ever echo it.
    fn scrub(&self, error: ApiError) -> ApiError {
        let scrub = |text: String| self.inner.credentials.scrub(&text);
        match error {
            ApiError::Refused {
                what,
                status,
                message,
                fields,
            } => ApiError::Refused {
                what,
                status,
                message: scrub(message),
                fields,
            },
            ApiError::Conflict { what, message } => ApiError::Conflict {
                what,
                message: scrub(message),
            },
            ApiError::Denied {
                what,
                status,
                message,
            } => ApiError::Denied {
                what,
                status,
                message: scrub(message),
            },
            ApiError::Uncertain(message) => ApiError::Uncertain(scrub(message)),
            other => other,
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Retry {
    Yes,
    No,
}

fn encode<B: Serialize + ?Sized>(what: &str, body: &B) -> Result<Bytes, ApiError> {
    serde_json::to_vec(body)
        .map(Bytes::from)
        .map_err(|error| ApiError::Protocol {
            what: what.to_string(),
            detail: format!("cannot encode the request: {error}"),
        })
}

impl fmt::Debug for GorgiasClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GorgiasClient")
            .field("root", &self.inner.root)
            .field("credentials", &self.inner.credentials)
            .finish_non_exhaustive()
    }
}
