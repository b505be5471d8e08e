//! The Salesforce APIs as deskshift uses them: OAuth 2.0 ([`auth`]), REST
//! sObjects and describe ([`sobjects`], [`describe`]), SOQL ([`soql`],
//! [`query`]), Composite and sObject Collections ([`composite`]), Bulk API
//! 2.0 ingest ([`bulk`]), Tooling ([`tooling`]) and Files ([`content`]).
//! Errors are decided in one place ([`error`]); the org's daily API limit is
//! watched in [`limits`].
//!
//! Three rules hold for every call (see `transport.rs`):
//!
//! - **Nothing is sent** (DESIGN.md invariant 4): every request carries
//!   `Sforce-Auto-Assign: FALSE`, so no assignment rule re-owns a Case or
//!   sends its notification; writes carry `Sforce-Duplicate-Rule-Header:
//!   allowSave=true` so duplicate-rule *alerts* do not refuse migrated data.
//! - **Exactly once**: idempotent calls (GET, PATCH, DELETE, upsert) are
//!   retried on 429, 5xx, timeouts and resets, and on `UNABLE_TO_LOCK_ROW` a
//!   few times with backoff; creates (POST) are sent once, and a failure that
//!   may have landed comes back as [`ApiError::Uncertain`] for the journal to
//!   look up.
//! - **One sign-in**: the token's `instance_url` is the API base. A `401`
//!   (expired session) signs in again once and repeats the call; a bare
//!   access token cannot, and the run stops with a clear error.

pub mod auth;
pub mod bulk;
pub mod composite;
pub mod content;
pub mod describe;
pub mod error;
pub mod limits;
pub mod query;
pub mod sobjects;
pub mod soql;
pub mod tooling;
mod transport;
pub mod wire;

pub use auth::Auth;
pub use bulk::{BulkIngest, BulkOperation, BulkOutcome, BulkResult, BulkSummary};
pub use content::FileSource;
pub use describe::{Describe, FieldDescribe, PicklistValue};
pub use error::{ApiError, SalesforceError};
pub use wire::{SaveResult, Saved};

use auth::TokenResponse;
use deskshift_http::reqwest::header::HeaderValue;
use deskshift_http::reqwest::Url;
use deskshift_http::{Budget, Client, Pacer, RetryPolicy, Stats};
use limits::{LimitInfoReader, UsageGuard};
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

/// The API version used unless configured otherwise.
pub const DEFAULT_API_VERSION: &str = "v62.0";
/// The default login server; a My Domain URL
/// (`https://acme.my.salesforce.com`) is better where the org has one.
pub const DEFAULT_LOGIN_URL: &str = "https://login.salesforce.com";

/// Where and how to connect.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// `https://login.salesforce.com`, `https://test.salesforce.com`, or the
    /// org's My Domain URL (recommended for client credentials).
    pub login_url: String,
    /// `v62.0`; a leading `v` is added when missing.
    pub api_version: String,
    pub auth: Auth,
    /// A steady pace to hold, if any. Salesforce has no per-second limit,
    /// only the daily one watched by [`ConnectOptions::daily_share`].
    pub budget: Option<Budget>,
    pub retry: RetryPolicy,
    /// The share (0.0–1.0) of the org's daily API requests deskshift may
    /// bring usage up to; 0.9 leaves 10% for the org's other integrations.
    pub daily_share: f64,
    /// Extra tries of an idempotent call refused with `UNABLE_TO_LOCK_ROW`.
    pub lock_retries: u32,
}

impl ConnectOptions {
    pub fn new(login_url: impl Into<String>, auth: Auth) -> ConnectOptions {
        ConnectOptions {
            login_url: login_url.into(),
            api_version: DEFAULT_API_VERSION.into(),
            auth,
            budget: None,
            retry: RetryPolicy::default(),
            daily_share: 0.9,
            lock_retries: 3,
        }
    }
}

/// A signed-in Salesforce org. Cheap to clone; clones share the session,
/// the pacer and the usage guard.
#[derive(Clone)]
pub struct SalesforceClient {
    inner: Arc<Inner>,
}

struct Inner {
    /// `https://login.salesforce.com`, no trailing slash.
    login_url: String,
    /// `v62.0`.
    version: String,
    /// Behind a lock because a refresh-token answer may rotate the token.
    auth: Mutex<Auth>,
    session: RwLock<Arc<Session>>,
    /// Held while signing in again, so that concurrent 401s sign in once.
    reauth: tokio::sync::Mutex<()>,
    http: Client,
    guard: Arc<UsageGuard>,
    lock_retries: u32,
}

/// One access token and where to use it.
struct Session {
    /// `https://acme.my.salesforce.com`, no trailing slash.
    instance_url: String,
    /// `Bearer …`, marked sensitive.
    bearer: HeaderValue,
    user_id: Option<String>,
    /// Counts sign-ins, so a worker whose 401 raced another's sign-in does
    /// not sign in a second time.
    generation: u64,
}

impl SalesforceClient {
    /// Signs in and returns a client for the org's `instance_url`.
    pub async fn connect(options: ConnectOptions) -> Result<SalesforceClient, ApiError> {
        let login_url = parse_base_url(&options.login_url, "login URL")?;
        let version = match options.api_version.trim() {
            v if v.starts_with('v') => v.to_string(),
            v => format!("v{v}"),
        };
        if version.len() < 4 || version[1..].parse::<f32>().is_err() {
            return Err(ApiError::Config(format!(
                "the Salesforce API version {:?} is not like v62.0",
                options.api_version
            )));
        }
        let guard = Arc::new(UsageGuard::new(options.daily_share));
        let http = Client::builder()
            .pacer(Arc::new(Pacer::new(options.budget)))
            .rate_limit_headers(LimitInfoReader {
                guard: guard.clone(),
            })
            .retry(options.retry)
            .build()
            .map_err(|e| ApiError::Config(e.to_string()))?;
        let placeholder = Session {
            instance_url: String::new(),
            bearer: HeaderValue::from_static(""),
            user_id: None,
            generation: 0,
        };
        let client = SalesforceClient {
            inner: Arc::new(Inner {
                login_url,
                version,
                auth: Mutex::new(options.auth),
                session: RwLock::new(Arc::new(placeholder)),
                reauth: tokio::sync::Mutex::new(()),
                http,
                guard,
                lock_retries: options.lock_retries,
            }),
        };
        client.sign_in(0).await?;
        Ok(client)
    }

    /// `https://acme.my.salesforce.com`: the org's API host.
    pub fn instance_url(&self) -> String {
        self.session().instance_url.clone()
    }

    /// `v62.0`.
    pub fn api_version(&self) -> &str {
        &self.inner.version
    }

    /// `/services/data/v62.0{path}`: the form composite subrequests and
    /// `nextRecordsUrl` use.
    pub fn data_path(&self, path: &str) -> String {
        format!("/services/data/{}{path}", self.inner.version)
    }

    /// Calls made, 429s and retries so far.
    pub fn stats(&self) -> Stats {
        self.inner.http.stats()
    }

    /// `(used, max)` of the org's daily API requests, as last reported.
    pub fn api_usage(&self) -> Option<(u64, u64)> {
        self.inner.guard.usage()
    }

    fn session(&self) -> Arc<Session> {
        self.inner
            .session
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn auth(&self) -> Auth {
        self.inner
            .auth
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Signs in unless someone else already replaced session `seen`.
    async fn sign_in(&self, seen: u64) -> Result<(), ApiError> {
        let _one_at_a_time = self.inner.reauth.lock().await;
        let current = self.session();
        if current.generation != seen {
            return Ok(());
        }
        let auth = self.auth();
        let (instance_url, token, user_id) = match &auth {
            Auth::AccessToken {
                instance_url,
                token,
            } => {
                if seen != 0 {
                    return Err(ApiError::Denied {
                        what: "the Salesforce session".into(),
                        status: 401,
                        message: format!(
                            "the access token in {} has expired; get a new one, or use a flow \
                             that can sign in again (client credentials, JWT)",
                            auth::ACCESS_TOKEN_VAR
                        ),
                    });
                }
                (instance_url.clone(), token.clone(), None)
            }
            _ => {
                let answer = self.request_token(&auth).await?;
                if let Some(rotated) = &answer.refresh_token {
                    self.rotate_refresh_token(rotated);
                }
                let instance = answer
                    .instance_url
                    .clone()
                    .ok_or_else(|| ApiError::Protocol {
                        what: "POST /services/oauth2/token".into(),
                        detail: "the token answer has no instance_url".into(),
                    })?;
                let user_id = answer.user_id();
                (instance, answer.access_token, user_id)
            }
        };
        let instance_url = parse_base_url(&instance_url, "instance URL")?;
        let mut bearer =
            HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| ApiError::Protocol {
                what: "the Salesforce sign-in".into(),
                detail: "the access token cannot be sent in an HTTP header".into(),
            })?;
        bearer.set_sensitive(true);
        let session = Session {
            instance_url,
            bearer,
            user_id,
            generation: seen + 1,
        };
        *self
            .inner
            .session
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Arc::new(session);
        tracing::debug!(flow = auth.flow_name(), "signed in to Salesforce");
        Ok(())
    }

    /// `POST {login}/services/oauth2/token` with the flow's form. Issuing a
    /// token twice is harmless, so the call is retried like a read.
    async fn request_token(&self, auth: &Auth) -> Result<TokenResponse, ApiError> {
        let what = "POST /services/oauth2/token";
        let url = format!("{}/services/oauth2/token", self.inner.login_url);
        let form = auth.token_form(&self.inner.login_url)?.unwrap_or_default();
        let answer = self
            .inner
            .http
            .fetch(|http| {
                http.post(&url)
                    .header("Accept", "application/json")
                    .form(&form)
            })
            .await
            .map_err(|e| ApiError::from_http(what, e))?;
        if !answer.status.is_success() {
            let refused = SalesforceError::parse_rest(&answer.body)
                .map(|errors| {
                    errors
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("; ")
                })
                .unwrap_or_else(|| answer.status.to_string());
            return Err(ApiError::Denied {
                what: format!("the {} sign-in", auth.flow_name()),
                status: answer.status.as_u16(),
                message: format!(
                    "{}; check the SALESFORCE_* variables, the login URL ({}) and that the \
                     connected app allows this flow",
                    auth.scrub(&refused),
                    self.inner.login_url
                ),
            });
        }
        serde_json::from_slice(&answer.body).map_err(|e| ApiError::Protocol {
            what: what.into(),
            detail: format!("the token answer is not readable: {e}"),
        })
    }

    fn rotate_refresh_token(&self, rotated: &str) {
        let mut auth = self
            .inner
            .auth
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Auth::RefreshToken { refresh_token, .. } = &mut *auth {
            *refresh_token = rotated.to_string();
        }
    }

    /// The signed-in user's id: from the token's identity URL, else from
    /// `GET /services/oauth2/userinfo`.
    pub async fn user_id(&self) -> Result<String, ApiError> {
        if let Some(id) = self.session().user_id.clone() {
            return Ok(id);
        }
        let info: wire::UserInfo = self.get_json("/services/oauth2/userinfo", &[]).await?;
        info.user_id
            .or_else(|| info.sub.as_deref().and_then(auth::user_id_of))
            .ok_or_else(|| ApiError::Protocol {
                what: "GET /services/oauth2/userinfo".into(),
                detail: "no user_id in the answer".into(),
            })
    }
}

/// A base URL without a trailing slash, checked to be http(s) with a host.
fn parse_base_url(text: &str, what: &str) -> Result<String, ApiError> {
    Url::parse(text.trim())
        .ok()
        .filter(|url| matches!(url.scheme(), "http" | "https") && url.has_host())
        .map(|url| {
            deskshift_http::redact_url(&url)
                .trim_end_matches('/')
                .to_string()
        })
        .ok_or_else(|| {
            ApiError::Config(format!(
                "the Salesforce {what} is not valid; expected something like \
                 https://acme.my.salesforce.com"
            ))
        })
}

impl fmt::Debug for SalesforceClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SalesforceClient")
            .field("instance_url", &self.session().instance_url)
            .field("version", &self.inner.version)
            .field("auth", &self.auth())
            .finish_non_exhaustive()
    }
}
