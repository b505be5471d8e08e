//! A local emulator of a Salesforce Service Cloud org, faithful to the
//! documented REST, Composite, Bulk API 2.0 and Tooling APIs
//! (`shared/reference/salesforce-api.md`; `docs/salesforce-emulator.md`
//! lists every behaviour with its source and what is not emulated), so that
//! deskshift's Salesforce destination can be built and tested without an
//! org and work unchanged against one. simple-salesforce, the most used
//! Python client, runs against it in `tests/it/salesforce_fidelity.rs`.
//!
//! Where each part lives:
//! - [`auth`]: OAuth 2.0 token flows and SOAP login; bearer sessions;
//! - [`routes`]: the gate (version, session, daily limit,
//!   `Sforce-Limit-Info`) and one module per resource;
//! - [`schema`]: standard objects, custom fields and objects, describe;
//! - [`write`]: the platform's rules for every insert, update, upsert and
//!   delete; [`values`]: value conversion; [`soql`]: the query subset;
//! - [`bulk`]: Bulk API 2.0 ingest jobs; [`seed`]: the org before a load;
//! - [`state`] and [`store`]: the data, undo logs, `--state` persistence.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use deskshift_sim::salesforce::{SalesforceConfig, SalesforceEmulator};
//! let org = SalesforceEmulator::start(SalesforceConfig::default(), "127.0.0.1:0".parse().unwrap()).await?;
//! println!("token endpoint: {}/services/oauth2/token", org.url());
//! org.shutdown().await;
//! # Ok(())
//! # }
//! ```

pub mod auth;
pub mod bulk;
pub mod errors;
pub mod ids;
mod routes;
pub mod schema;
pub mod seed;
pub mod soql;
pub mod state;
mod store;
pub mod values;
pub mod write;

pub use seed::{ApexTriggerSeed, AssignmentRuleSeed, ExistingData, ValidationRuleSeed};
pub use state::{AutoAssignment, OrgSettings};

use crate::faults::{
    self, Connection, FaultListener, FaultResponse, FaultSpec, FaultStats, Faults,
};
use auth::Sessions;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use errors::SfError;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use store::{Saver, Store};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use write::LockDice;

pub const ENV_CLIENT_ID: &str = "SALESFORCE_CLIENT_ID";
pub const ENV_CLIENT_SECRET: &str = "SALESFORCE_CLIENT_SECRET";
pub const ENV_USERNAME: &str = "SALESFORCE_USERNAME";
pub const ENV_PASSWORD: &str = "SALESFORCE_PASSWORD";
pub const ENV_SECURITY_TOKEN: &str = "SALESFORCE_SECURITY_TOKEN";
pub const DEFAULT_CLIENT_ID: &str = "deskshift-demo-client-id";
pub const DEFAULT_CLIENT_SECRET: &str = "deskshift-demo-client-secret";
pub const DEFAULT_USERNAME: &str = "integration@deskshift-demo.invalid";
pub const DEFAULT_PASSWORD: &str = "demo-password";
pub const DEFAULT_SECURITY_TOKEN: &str = "demotoken";
pub const DEFAULT_REFRESH_TOKEN: &str = "demo-refresh-token";
/// A Developer Edition org's daily API request allocation.
pub const DEFAULT_DAILY_LIMIT: u64 = 15_000;
/// The platform's default (and maximum) query page size.
pub const DEFAULT_BATCH_SIZE: usize = 2000;

/// The connected app and integration user the org accepts.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// Consumer key (also the JWT `iss`).
    pub client_id: String,
    pub client_secret: String,
    /// The API user every session runs as (also the JWT `sub`).
    pub username: String,
    pub password: String,
    /// Appended to the password for SOAP login and the password grant.
    pub security_token: String,
    pub refresh_token: String,
}

impl Credentials {
    /// The `SALESFORCE_*` variables when set and not empty, the documented
    /// defaults otherwise, so one set of exports serves emulator and client.
    pub fn from_env() -> Credentials {
        Credentials {
            client_id: crate::env_or(ENV_CLIENT_ID, DEFAULT_CLIENT_ID),
            client_secret: crate::env_or(ENV_CLIENT_SECRET, DEFAULT_CLIENT_SECRET),
            username: crate::env_or(ENV_USERNAME, DEFAULT_USERNAME),
            password: crate::env_or(ENV_PASSWORD, DEFAULT_PASSWORD),
            security_token: crate::env_or(ENV_SECURITY_TOKEN, DEFAULT_SECURITY_TOKEN),
            refresh_token: DEFAULT_REFRESH_TOKEN.to_string(),
        }
    }
}

impl Default for Credentials {
    /// The documented defaults; ignores the environment.
    fn default() -> Credentials {
        Credentials {
            client_id: DEFAULT_CLIENT_ID.into(),
            client_secret: DEFAULT_CLIENT_SECRET.into(),
            username: DEFAULT_USERNAME.into(),
            password: DEFAULT_PASSWORD.into(),
            security_token: DEFAULT_SECURITY_TOKEN.into(),
            refresh_token: DEFAULT_REFRESH_TOKEN.into(),
        }
    }
}

impl fmt::Debug for Credentials {
    /// Never prints secrets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("client_id", &self.client_id)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// How to run the org.
#[derive(Debug, Clone)]
pub struct SalesforceConfig {
    pub credentials: Credentials,
    pub org: OrgSettings,
    /// Load from this file when it exists (then `existing` is ignored);
    /// otherwise start fresh and create it.
    pub state_file: Option<PathBuf>,
    /// Transport faults plus `lock=R` (UNABLE_TO_LOCK_ROW on record writes).
    pub faults: FaultSpec,
    /// Daily API request limit (`DailyApiRequests`).
    pub daily_limit: u64,
    /// Default query page size; tests lower it to page small results.
    pub query_batch_size: usize,
    /// Time from a Bulk job's UploadComplete to JobComplete.
    pub bulk_delay: Duration,
    /// Session lifetime ("Timeout Value" in Session Settings).
    pub session_ttl: Duration,
    pub existing: ExistingData,
}

impl Default for SalesforceConfig {
    fn default() -> SalesforceConfig {
        SalesforceConfig {
            credentials: Credentials::default(),
            org: OrgSettings::default(),
            state_file: None,
            faults: FaultSpec::default(),
            daily_limit: DEFAULT_DAILY_LIMIT,
            query_batch_size: DEFAULT_BATCH_SIZE,
            bulk_delay: Duration::from_millis(200),
            session_ttl: Duration::from_secs(2 * 3600),
            existing: ExistingData::default(),
        }
    }
}

/// Request counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// Requests that reached `/services/data` (after fault injection).
    pub requests: u64,
    /// API calls counted against the daily limit.
    pub api_calls: u64,
    pub unauthorized: u64,
    /// Requests refused with 403 REQUEST_LIMIT_EXCEEDED.
    pub limited: u64,
    pub faults: FaultStats,
    /// Cases re-owned by an assignment rule (Sforce-Auto-Assign).
    pub auto_assignments: u64,
}

#[derive(Debug, Default)]
pub(crate) struct Counters {
    requests: AtomicU64,
    unauthorized: AtomicU64,
    limited: AtomicU64,
    /// API calls per sObject they worked on (see `routes::subject_of`).
    by_object: std::sync::Mutex<std::collections::BTreeMap<String, u64>>,
}

impl Counters {
    pub(crate) fn count_object(&self, object: String) {
        let mut map = self.by_object.lock().unwrap_or_else(|p| p.into_inner());
        *map.entry(object).or_default() += 1;
    }
}

/// Everything a handler can reach.
pub(crate) struct App {
    store: Arc<Store>,
    credentials: Credentials,
    sessions: Sessions,
    base_url: String,
    daily_limit: u64,
    used: AtomicU64,
    counters: Counters,
    batch_size: usize,
    bulk_delay: Duration,
    lock: Option<LockDice>,
}

impl App {
    fn org_and_user(&self) -> (String, String) {
        self.store
            .read(|s| (s.org_id.clone(), s.api_user_id.clone()))
    }
}

/// Entry point: see [`SalesforceEmulator::start`].
pub struct SalesforceEmulator;

impl SalesforceEmulator {
    /// Loads or creates the org, binds `addr` (port 0 picks one) and serves
    /// until [`RunningSalesforce::shutdown`] or drop.
    pub async fn start(
        config: SalesforceConfig,
        addr: SocketAddr,
    ) -> io::Result<RunningSalesforce> {
        let state = {
            let config = config.clone();
            tokio::task::spawn_blocking(move || -> io::Result<state::State> {
                let loaded = match &config.state_file {
                    Some(path) => Store::load(path)?,
                    None => None,
                };
                match loaded {
                    Some(state) => Ok(state),
                    None => seed::org(config.org.clone(), &config.credentials, &config.existing),
                }
            })
            .await
            .map_err(io::Error::other)??
        };
        let store = Arc::new(Store::new(state, config.state_file.clone()));
        Store::save_off_runtime(&store).await?;
        let listener = TcpListener::bind(addr).await?;
        let local_addr = listener.local_addr()?;
        let lock = (config.faults.lock > 0.0)
            .then(|| LockDice::new(config.faults.lock, config.faults.seed));
        let app = Arc::new(App {
            store: Arc::clone(&store),
            credentials: config.credentials.clone(),
            sessions: Sessions::new(
                config.session_ttl,
                &format!("{}:{}", config.credentials.client_secret, local_addr),
            ),
            base_url: format!("http://{local_addr}"),
            daily_limit: config.daily_limit,
            used: AtomicU64::new(0),
            counters: Counters::default(),
            batch_size: config.query_batch_size,
            bulk_delay: config.bulk_delay,
            lock,
        });
        let unfinished: Vec<String> = store.read(|s| {
            s.jobs
                .values()
                .filter(|j| j.state == "UploadComplete" || j.state == "InProgress")
                .map(|j| j.id.clone())
                .collect()
        });
        let faults = Arc::new(Faults::new(config.faults.clone()).with_responder(fault_response));
        let service = faults::inject(routes::router(Arc::clone(&app)), Arc::clone(&faults));
        let saver = Saver::spawn(Arc::clone(&store));
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(
                FaultListener::new(listener),
                service.into_make_service_with_connect_info::<Connection>(),
            )
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await
        });
        // Jobs closed before a restart finish now.
        let now = values::format_datetime(chrono::Utc::now());
        for id in unfinished {
            let _ = store.write(|s| {
                bulk::process(s, &id, &now, app.lock.as_ref());
                Ok::<(), SfError>(())
            });
        }
        tracing::info!(%local_addr, "Salesforce emulator listening");
        Ok(RunningSalesforce {
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

/// Injected faults in Salesforce's shapes: a 503 is the platform's
/// `SERVER_UNAVAILABLE`; a "storm" is the concurrent-request limit (403
/// `REQUEST_LIMIT_EXCEEDED`, ConcurrentRequests), Salesforce has no 429.
fn fault_response(fault: FaultResponse) -> Response {
    match fault {
        FaultResponse::ServerError(status) if status == StatusCode::SERVICE_UNAVAILABLE => SfError::new(
            status,
            "SERVER_UNAVAILABLE",
            "Service temporarily unavailable",
        )
        .into_response(),
        FaultResponse::ServerError(status) => SfError::new(
            status,
            "UNKNOWN_EXCEPTION",
            "An unexpected error occurred. Please include this ErrorId if you contact support: 1234567890-12345 (-1234567890)",
        )
        .into_response(),
        FaultResponse::Storm { retry_after } => {
            let mut response = SfError::new(
                StatusCode::FORBIDDEN,
                "REQUEST_LIMIT_EXCEEDED",
                "ConcurrentRequests (Concurrent API Requests) Limit exceeded.",
            )
            .into_response();
            if let Ok(v) = HeaderValue::from_str(&faults::storm_retry_secs(retry_after).to_string()) {
                response.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
            }
            response
        }
    }
}

/// One Bulk ingest job's data, as [`RunningSalesforce::bulk_jobs`] gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkJobData {
    pub object: String,
    pub operation: String,
    pub external_id_field: Option<String>,
    pub rows: u64,
    pub csv: String,
}

/// A running org. Dropping it stops the server without a final save; use
/// [`RunningSalesforce::shutdown`].
pub struct RunningSalesforce {
    local_addr: SocketAddr,
    app: Arc<App>,
    faults: Arc<Faults>,
    store: Arc<Store>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<io::Result<()>>>,
    saver: Option<Saver>,
}

impl RunningSalesforce {
    /// The instance URL, e.g. `http://127.0.0.1:18081`; also the login URL
    /// (`/services/oauth2/token`), as a My Domain URL is.
    pub fn url(&self) -> String {
        self.app.base_url.clone()
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    pub fn credentials(&self) -> &Credentials {
        &self.app.credentials
    }

    pub fn fault_spec(&self) -> &FaultSpec {
        self.faults.spec()
    }

    /// The API user's id (`005…`).
    pub fn api_user_id(&self) -> String {
        self.store.read(|s| s.api_user_id.clone())
    }

    pub fn stats(&self) -> Stats {
        let c = &self.app.counters;
        Stats {
            requests: c.requests.load(Ordering::Relaxed),
            api_calls: self.app.used.load(Ordering::SeqCst),
            unauthorized: c.unauthorized.load(Ordering::Relaxed),
            limited: c.limited.load(Ordering::Relaxed),
            faults: self.faults.stats(),
            auto_assignments: self.store.read(|s| s.auto_assignments.len() as u64),
        }
    }

    /// API calls so far per sObject they worked on (a Composite collection
    /// counts for its records' type, a Bulk job's calls for its object, a
    /// query for its `FROM`), plus `Tooling`, `composite`, `query` (follow-
    /// up pages) and `org` (limits, describe-global, …).
    pub fn calls_by_object(&self) -> std::collections::BTreeMap<String, u64> {
        self.app
            .counters
            .by_object
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Every processed Bulk API 2.0 ingest job, oldest first, with its data
    /// as a CSV rebuilt from its results (every row, whatever became of it;
    /// row order is the results' order, not the upload's). Lets a benchmark
    /// load the very same CSVs with another client.
    pub fn bulk_jobs(&self) -> Vec<BulkJobData> {
        self.store.read(|s| {
            s.jobs
                .values()
                .filter_map(|job| {
                    let results = job.results.as_ref()?;
                    let mut out = csv::Writer::from_writer(Vec::new());
                    out.write_record(&results.header).ok()?;
                    let rows = results
                        .successes
                        .iter()
                        .map(|(_, _, row)| row)
                        .chain(results.failures.iter().map(|(_, _, row)| row))
                        .chain(results.unprocessed.iter());
                    for row in rows {
                        out.write_record(row).ok()?;
                    }
                    Some(BulkJobData {
                        object: job.object.clone(),
                        operation: job.operation.clone(),
                        external_id_field: job.external_id_field.clone(),
                        rows: (results.successes.len()
                            + results.failures.len()
                            + results.unprocessed.len()) as u64,
                        csv: String::from_utf8(out.into_inner().ok()?).ok()?,
                    })
                })
                .collect()
        })
    }

    /// Cases an assignment rule re-owned; a migration must leave this empty.
    pub fn auto_assignments(&self) -> Vec<AutoAssignment> {
        self.store.read(|s| s.auto_assignments.clone())
    }

    /// Every live record per sObject (ordered by id), file bodies elided.
    pub fn snapshot(&self) -> serde_json::Value {
        self.store.read(|s| s.snapshot())
    }

    /// Ends every session: the next call answers 401 INVALID_SESSION_ID.
    pub fn expire_sessions(&self) {
        self.app.sessions.expire_all();
    }

    /// Stops accepting connections and writes the state file a last time.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        if let Some(saver) = self.saver.take() {
            if let Err(e) = saver.finish(&self.store).await {
                tracing::error!(error = %e, "cannot save the Salesforce emulator state");
            }
        }
    }
}
