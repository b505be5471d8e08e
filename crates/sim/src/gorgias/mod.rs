//! A local emulator of the Gorgias REST API, faithful to the documented
//! behaviour (`shared/reference/gorgias-api.md`; developers.gorgias.com),
//! so that deskshift's Gorgias destination can be built and tested without
//! a real account and work unchanged against one.
//!
//! What it reproduces, with the source of each behaviour in the module that
//! implements it:
//! - HTTP Basic auth (`email:api_key`) and `Bearer`; 401
//!   `{"error":{"msg":"Unauthorized."}}` ([`auth`]);
//! - the per-account leaky bucket, `X-Gorgias-Account-Api-Call-Limit` on
//!   every authenticated answer, 429 with `Retry-after` ([`limit`]);
//! - cursor pagination with the documented envelope ([`pagination`]);
//! - tickets, messages, customers, users, tags, custom fields, uploads,
//!   satisfaction surveys, rules, events and the account, with the
//!   documented validation (400 with per-field `data`, unknown fields
//!   refused), 404s, 409 on duplicate e-mails;
//! - the side effects a migration must avoid, recorded so tests can prove
//!   their absence: messages and surveys **sent** ([`SendRecord`]) and
//!   active rules **fired** (`rule-executed` events);
//! - fault injection from [`crate::faults`] (5xx, resets, slow answers,
//!   429 storms, before or after the write);
//! - a `--state` file that survives restarts.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use deskshift_sim::gorgias::{Credentials, GorgiasConfig, GorgiasEmulator};
//! let emulator = GorgiasEmulator::start(
//!     GorgiasConfig {
//!         credentials: Credentials::new("agent@acme.test", "secret"),
//!         budget: "400/2".parse().unwrap(),
//!         ..GorgiasConfig::default()
//!     },
//!     "127.0.0.1:0".parse().unwrap(),
//! )
//! .await?;
//! println!("Gorgias emulator at {}", emulator.url());
//! assert!(emulator.sends().is_empty());
//! emulator.shutdown().await;
//! # Ok(())
//! # }
//! ```

pub mod auth;
pub mod errors;
pub mod limit;
pub mod pagination;
mod render;
mod routes;
mod seed;
mod store;
pub mod validate;
pub mod vocab;

pub use auth::CALL_LIMIT_HEADER;
pub use seed::ExistingData;
pub use store::model::{SendKind, SendRecord};

use crate::budget::Budget;
use crate::faults::{
    self, Connection, FaultListener, FaultResponse, FaultSpec, FaultStats, Faults,
};
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use errors::ApiError;
use limit::LeakyBucket;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use store::{Saver, State, Store};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Environment variable holding the API user's e-mail (shared with the client).
pub const ENV_EMAIL: &str = "GORGIAS_EMAIL";
/// Environment variable holding the API key (shared with the client).
pub const ENV_API_KEY: &str = "GORGIAS_API_KEY";
/// E-mail accepted when [`ENV_EMAIL`] is unset.
pub const DEFAULT_EMAIL: &str = "demo@deskshift.invalid";
/// API key accepted when [`ENV_API_KEY`] is unset.
pub const DEFAULT_API_KEY: &str = "demo-gorgias-key";
/// The emulated account's subdomain (`{domain}.gorgias.com`).
pub const DEFAULT_DOMAIN: &str = "deskshift-demo";
/// Largest file `POST /api/upload` accepts by default. Gorgias documents
/// the 413 but not the size; 20 MiB is the usual e-mail attachment limit.
pub const DEFAULT_MAX_UPLOAD_BYTES: u64 = 20 * 1024 * 1024;

/// The documented API-key budget: 40 calls per 20 seconds (RL). OAuth apps
/// get 80; pass that budget explicitly to emulate one.
pub fn default_budget() -> Budget {
    Budget {
        calls: 40,
        per: Duration::from_secs(20),
    }
}

/// The one e-mail / API key pair the emulator accepts.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub email: String,
    pub api_key: String,
}

impl Credentials {
    pub fn new(email: impl Into<String>, api_key: impl Into<String>) -> Credentials {
        Credentials {
            email: email.into(),
            api_key: api_key.into(),
        }
    }

    /// `GORGIAS_EMAIL` / `GORGIAS_API_KEY` when set and not empty, the
    /// documented defaults otherwise, so one set of exports serves both the
    /// emulator and deskshift.
    pub fn from_env() -> Credentials {
        Credentials::new(
            crate::env_or(ENV_EMAIL, DEFAULT_EMAIL),
            crate::env_or(ENV_API_KEY, DEFAULT_API_KEY),
        )
    }
}

impl Default for Credentials {
    /// The documented defaults; ignores the environment.
    fn default() -> Credentials {
        Credentials::new(DEFAULT_EMAIL, DEFAULT_API_KEY)
    }
}

impl fmt::Debug for Credentials {
    /// Never prints the key: secrets stay out of logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("email", &self.email)
            .field("api_key", &"<redacted>")
            .finish()
    }
}

/// How to run the emulator.
#[derive(Debug, Clone)]
pub struct GorgiasConfig {
    pub budget: Budget,
    pub credentials: Credentials,
    /// Load from this file when it exists (then `existing` is ignored);
    /// otherwise start fresh and create it. Saved after writes.
    pub state_file: Option<PathBuf>,
    pub faults: FaultSpec,
    /// Records present before the migration (fresh state only).
    pub existing: ExistingData,
    /// The account's subdomain, shown by `GET /api/account`.
    pub domain: String,
    /// Largest accepted upload, per file.
    pub max_upload_bytes: u64,
    /// What `POST /api/customers` does with a `data` field.
    pub customer_data_on_create: CustomerDataOnCreate,
}

/// What `POST /api/customers` does with sidebar `data` in its body. The
/// sources disagree: the customer docs call `data` in customer bodies
/// deprecated (so still accepted), while the current OpenAPI's create body
/// has no `data` at all (so it may be dropped, or refused as an unknown
/// field). The emulator can play each, so the writer is proven against all
/// three.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CustomerDataOnCreate {
    /// Stored, as the deprecated field still is (the default).
    #[default]
    Kept,
    /// Accepted and dropped: the customer is created without it.
    Ignored,
    /// Refused: `400` naming `data` as an unknown field.
    Refused,
}

impl std::str::FromStr for CustomerDataOnCreate {
    type Err = String;

    fn from_str(s: &str) -> Result<CustomerDataOnCreate, String> {
        match s {
            "kept" => Ok(CustomerDataOnCreate::Kept),
            "ignored" => Ok(CustomerDataOnCreate::Ignored),
            "refused" => Ok(CustomerDataOnCreate::Refused),
            other => Err(format!("`{other}` is not one of kept, ignored, refused")),
        }
    }
}

impl Default for GorgiasConfig {
    /// 40/20, the default credentials, no state file, no faults, an empty
    /// account, 20 MiB uploads.
    fn default() -> GorgiasConfig {
        GorgiasConfig {
            budget: default_budget(),
            credentials: Credentials::default(),
            state_file: None,
            faults: FaultSpec::default(),
            existing: ExistingData::default(),
            domain: DEFAULT_DOMAIN.to_string(),
            max_upload_bytes: DEFAULT_MAX_UPLOAD_BYTES,
            customer_data_on_create: CustomerDataOnCreate::default(),
        }
    }
}

/// Request counters and side effects so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// Requests that reached the API gate (after fault injection).
    pub requests: u64,
    /// Calls served within the budget (whatever the handler answered).
    pub calls: u64,
    /// Requests refused with 401.
    pub unauthorized: u64,
    /// Requests refused with 429 by the rate limit (storms are in `faults`).
    pub rate_limited: u64,
    /// Faults injected.
    pub faults: FaultStats,
    /// `rule-executed` events: rules that fired on API writes.
    pub rules_fired: u64,
    /// Messages and surveys sent (see [`SendRecord`]).
    pub sends: u64,
}

#[derive(Debug, Default)]
pub(crate) struct Counters {
    requests: AtomicU64,
    calls: AtomicU64,
    unauthorized: AtomicU64,
    rate_limited: AtomicU64,
}

/// Everything a handler can reach.
pub(crate) struct App {
    store: Arc<Store>,
    limiter: LeakyBucket,
    credentials: Credentials,
    counters: Counters,
    max_upload_bytes: u64,
    customer_data_on_create: CustomerDataOnCreate,
    /// `http://127.0.0.1:PORT`, for file URLs when a request has no Host.
    base_url: String,
}

/// Entry point: see [`GorgiasEmulator::start`].
pub struct GorgiasEmulator;

impl GorgiasEmulator {
    /// Loads or creates the account, binds `addr` (port 0 picks a free
    /// port) and serves until [`RunningGorgias::shutdown`] or drop. When
    /// this returns, the socket accepts connections.
    pub async fn start(config: GorgiasConfig, addr: SocketAddr) -> io::Result<RunningGorgias> {
        let state = load_or_create(&config).await?;
        let store = Arc::new(Store::new(state, config.state_file.clone()));
        Store::save_off_runtime(&store).await?;
        let listener = TcpListener::bind(addr).await?;
        let local_addr = listener.local_addr()?;
        let app = Arc::new(App {
            store: Arc::clone(&store),
            limiter: LeakyBucket::new(config.budget),
            credentials: config.credentials.clone(),
            counters: Counters::default(),
            max_upload_bytes: config.max_upload_bytes,
            customer_data_on_create: config.customer_data_on_create,
            base_url: format!("http://{local_addr}"),
        });
        let limit = config.budget.calls;
        let faults = Arc::new(
            Faults::new(config.faults.clone())
                .with_responder(move |fault| fault_response(fault, limit)),
        );
        let api = routes::router(Arc::clone(&app));
        let service = Router::new()
            .fallback_service(api)
            .layer(axum::middleware::map_request(strip_trailing_slash));
        let service = faults::inject(service, Arc::clone(&faults));
        let saver = Saver::spawn(Arc::clone(&store));
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(
                FaultListener::new(listener),
                service.into_make_service_with_connect_info::<Connection>(),
            )
            .with_graceful_shutdown(async move {
                // A dropped sender also means "stop".
                let _ = stopped.await;
            })
            .await
        });
        tracing::info!(%local_addr, "Gorgias emulator listening");
        Ok(RunningGorgias {
            local_addr,
            app,
            faults,
            store,
            stop: Some(stop),
            task: Some(task),
            saver,
        })
    }
}

async fn load_or_create(config: &GorgiasConfig) -> io::Result<State> {
    let config = config.clone();
    // Parsing a large state file or seeding many tickets is CPU work.
    tokio::task::spawn_blocking(move || {
        let loaded = match &config.state_file {
            Some(path) => Store::load(path)?,
            None => None,
        };
        match loaded {
            Some(mut state) => {
                state.ensure_caller(&config.credentials.email);
                Ok(state)
            }
            None => {
                let mut state = State::new(&config.domain, &config.credentials.email);
                seed::apply(&mut state, &config.existing)?;
                Ok(state)
            }
        }
    })
    .await
    .map_err(io::Error::other)?
}

/// Gorgias's own paths end in `/` (`/api/tickets/12/`); route both forms.
async fn strip_trailing_slash(mut request: Request) -> Request {
    let uri = request.uri();
    let path = uri.path();
    if path.len() > 1 && path.ends_with('/') {
        let trimmed = path.trim_end_matches('/');
        let path_and_query = match uri.query() {
            Some(q) => format!("{trimmed}?{q}"),
            None => trimmed.to_string(),
        };
        let mut parts = uri.clone().into_parts();
        if let Ok(pq) = path_and_query.parse() {
            parts.path_and_query = Some(pq);
            if let Ok(new_uri) = Uri::from_parts(parts) {
                *request.uri_mut() = new_uri;
            }
        }
    }
    request
}

/// Injected faults in Gorgias's error shape, with its rate-limit header.
fn fault_response(fault: FaultResponse, limit: u32) -> Response {
    let mut response = match fault {
        FaultResponse::ServerError(status) => {
            let msg = if status == StatusCode::INTERNAL_SERVER_ERROR {
                "Internal server error."
            } else {
                "The service is temporarily unavailable."
            };
            ApiError::new(status, msg).into_response()
        }
        FaultResponse::Storm { retry_after } => {
            ApiError::too_many_requests(faults::storm_retry_secs(retry_after)).into_response()
        }
    };
    // A 502 comes from a proxy in front of the API, which knows nothing of
    // the account's budget; the API's own answers carry the header.
    if fault != FaultResponse::ServerError(StatusCode::BAD_GATEWAY) {
        if let Ok(value) = HeaderValue::from_str(&format!("{limit}/{limit}")) {
            response.headers_mut().insert(CALL_LIMIT_HEADER, value);
        }
    }
    response
}

/// A running emulator. Dropping it stops the server (without waiting and
/// without a final state save; use [`RunningGorgias::shutdown`]): the stop
/// sender is dropped with it, which ends the graceful-shutdown wait.
pub struct RunningGorgias {
    local_addr: SocketAddr,
    app: Arc<App>,
    faults: Arc<Faults>,
    store: Arc<Store>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<io::Result<()>>>,
    saver: Option<Saver>,
}

impl RunningGorgias {
    /// Base URL without `/api`, e.g. `http://127.0.0.1:18080`; the client
    /// appends `/api/...` as it would to `https://{domain}.gorgias.com`.
    pub fn url(&self) -> String {
        format!("http://{}", self.local_addr)
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    pub fn credentials(&self) -> &Credentials {
        &self.app.credentials
    }

    pub fn budget(&self) -> Budget {
        self.app.limiter.budget()
    }

    pub fn fault_spec(&self) -> &FaultSpec {
        self.faults.spec()
    }

    /// How many events of `kind` (e.g. `customer-updated`) API calls caused.
    pub fn events_of(&self, kind: &str) -> usize {
        self.store
            .read(|s| s.events.values().filter(|e| e.kind == kind).count())
    }

    /// Counters so far.
    pub fn stats(&self) -> Stats {
        let c = &self.app.counters;
        let (rules_fired, sends) = self.store.read(|s| {
            (
                s.events
                    .values()
                    .filter(|e| e.kind == "rule-executed")
                    .count() as u64,
                s.sends.len() as u64,
            )
        });
        Stats {
            requests: c.requests.load(Ordering::Relaxed),
            calls: c.calls.load(Ordering::Relaxed),
            unauthorized: c.unauthorized.load(Ordering::Relaxed),
            rate_limited: c.rate_limited.load(Ordering::Relaxed),
            faults: self.faults.stats(),
            rules_fired,
            sends,
        }
    }

    /// Everything sent so far, oldest first. A migration must leave this empty.
    pub fn sends(&self) -> Vec<SendRecord> {
        self.store.read(|s| s.sends.clone())
    }

    /// Every business record as the API renders it (users, customers, tags,
    /// custom fields, tickets with messages, surveys, rules), for
    /// before/after comparisons. Events, sends, uploaded files and id
    /// sequences are not included (no API can remove them); ids are never
    /// reused, so a deleted record never comes back under another.
    pub fn snapshot(&self) -> serde_json::Value {
        self.store.read(render::snapshot)
    }

    /// Stops accepting connections, lets open requests finish, and writes
    /// the state file one last time.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        if let Some(saver) = self.saver.take() {
            if let Err(e) = saver.finish(&self.store).await {
                tracing::error!(error = %e, "cannot save the Gorgias emulator state");
            }
        }
    }
}
