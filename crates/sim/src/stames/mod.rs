//! The Stames emulator: a deterministic workspace generator, an HTTP server
//! that serves it as the assumed Stames REST API (`docs/stames-api.md`), and
//! an export-bundle writer (`docs/stames-export.md`).
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use deskshift_sim::stames::{StamesConfig, StamesEmulator};
//! let emulator = StamesEmulator::start(
//!     StamesConfig { tickets: 200, ..StamesConfig::default() },
//!     "127.0.0.1:0".parse().unwrap(),
//! )
//! .await?;
//! println!("listening on {}", emulator.url());
//! emulator.shutdown().await;
//! # Ok(())
//! # }
//! ```

pub mod content;
pub mod data;
pub mod export;
pub mod generate;
mod server;
mod state;
pub mod url;
pub mod writes;

pub use content::{attachment_bytes, attachment_sha256, AttachmentChunks, CHUNK_SIZE};
pub use data::{MalformedRecord, StamesData, StamesTicket, Totals};
pub use export::{write_export, ExportSummary};
pub use generate::{anchor, GenerateOptions, DEFAULT_ACCOUNT_ID};
pub use server::{Stats, DEFAULT_PER_PAGE};

use crate::budget::Budget;
use crate::rate_limit::FixedWindow;
use deskshift_stames::api::wire::{WireCustomer, WireMessage, WireTicket};
use server::{AppState, Counters};
pub use state::write_state;
use state::Store;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Environment variable holding the account id (shared with the client).
pub const ENV_ACCOUNT_ID: &str = "STAMES_ACCOUNT_ID";
/// Environment variable holding the API key (shared with the client).
pub const ENV_API_KEY: &str = "STAMES_API_KEY";
/// API key accepted when [`ENV_API_KEY`] is unset. (The default account id
/// is [`DEFAULT_ACCOUNT_ID`].)
pub const DEFAULT_API_KEY: &str = "demo-stames-key";

/// The emulator's default rate limit, `1200/60`: 20 requests a second on
/// average, generous enough for a demo and small enough that a client which
/// ignores the headers gets 429s on a 1000-ticket workspace.
pub fn default_budget() -> Budget {
    Budget::default()
}

/// The one pair of credentials the emulator accepts.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub account_id: String,
    pub api_key: String,
}

impl Credentials {
    pub fn new(account_id: impl Into<String>, api_key: impl Into<String>) -> Credentials {
        Credentials {
            account_id: account_id.into(),
            api_key: api_key.into(),
        }
    }

    /// `STAMES_ACCOUNT_ID` / `STAMES_API_KEY` when set (and not empty), the
    /// documented defaults otherwise, so one set of exports serves both the
    /// emulator and deskshift.
    pub fn from_env() -> Credentials {
        Credentials {
            account_id: crate::env_or(ENV_ACCOUNT_ID, DEFAULT_ACCOUNT_ID),
            api_key: crate::env_or(ENV_API_KEY, DEFAULT_API_KEY),
        }
    }
}

impl Default for Credentials {
    /// The documented defaults, `demo-account` / `demo-stames-key`; ignores the
    /// environment (see [`Credentials::from_env`]).
    fn default() -> Credentials {
        Credentials::new(DEFAULT_ACCOUNT_ID, DEFAULT_API_KEY)
    }
}

impl fmt::Debug for Credentials {
    /// Never prints the key: secrets stay out of logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("account_id", &self.account_id)
            .field("api_key", &"<redacted>")
            .finish()
    }
}

/// How to run the emulator.
#[derive(Debug, Clone)]
pub struct StamesConfig {
    pub seed: u64,
    pub tickets: usize,
    pub budget: Budget,
    /// Also decides the generated account's id.
    pub credentials: Credentials,
    /// Load from this file when it exists (ignoring `seed`, `tickets` and
    /// `malformed`); otherwise generate and create it. Saved after every write.
    pub state_file: Option<PathBuf>,
    /// Invalid records to inject; see [`StamesData::malformed`].
    pub malformed: usize,
}

impl Default for StamesConfig {
    /// Seed 7, 1000 tickets, the default budget and credentials, no state
    /// file, no malformed records.
    fn default() -> StamesConfig {
        StamesConfig {
            seed: 7,
            tickets: 1000,
            budget: default_budget(),
            credentials: Credentials::default(),
            state_file: None,
            malformed: 0,
        }
    }
}

impl StamesConfig {
    /// The generator options this configuration implies.
    pub fn generate_options(&self) -> GenerateOptions {
        GenerateOptions {
            seed: self.seed,
            tickets: self.tickets,
            malformed: self.malformed,
            account_id: self.credentials.account_id.clone(),
        }
    }
}

/// Entry point: see [`StamesEmulator::start`].
pub struct StamesEmulator;

impl StamesEmulator {
    /// Generates (or loads) the workspace, binds `addr` (port 0 picks a free
    /// port) and serves until [`RunningEmulator::shutdown`] or drop. When this
    /// returns, the socket accepts connections.
    pub async fn start(config: StamesConfig, addr: SocketAddr) -> io::Result<RunningEmulator> {
        let options = config.generate_options();
        let state_file = config.state_file.clone();
        // Generating or parsing a large workspace is CPU work; keep it off
        // the async workers.
        let store =
            tokio::task::spawn_blocking(move || Store::open(&options, state_file.as_deref()))
                .await
                .map_err(io::Error::other)??;
        let state = Arc::new(AppState {
            store,
            limiter: FixedWindow::new(config.budget),
            credentials: config.credentials,
            stats: Counters::default(),
        });
        let listener = TcpListener::bind(addr).await?;
        let local_addr = listener.local_addr()?;
        let app = server::router(Arc::clone(&state));
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    // A dropped sender also means "stop".
                    let _ = stopped.await;
                })
                .await
        });
        tracing::info!(%local_addr, "Stames emulator listening");
        Ok(RunningEmulator {
            local_addr,
            state,
            stop: Some(stop),
            task,
        })
    }
}

/// A running emulator. Dropping it stops the server (without waiting).
pub struct RunningEmulator {
    local_addr: SocketAddr,
    state: Arc<AppState>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<io::Result<()>>,
}

impl RunningEmulator {
    /// Base URL without the API prefix, e.g. `http://127.0.0.1:18080`.
    pub fn url(&self) -> String {
        format!("http://{}", self.local_addr)
    }

    /// Base URL with the API prefix, e.g. `http://127.0.0.1:18080/api/v1`.
    pub fn api_url(&self) -> String {
        format!(
            "{}{}",
            self.url(),
            deskshift_stames::api::endpoints::BASE_PATH
        )
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    pub fn credentials(&self) -> &Credentials {
        &self.state.credentials
    }

    pub fn budget(&self) -> Budget {
        self.state.limiter.budget()
    }

    /// Counts per object kind of the data as served now (writes included).
    pub fn totals(&self) -> Totals {
        self.state.store.read().data.totals()
    }

    /// Sum of all attachment sizes as served now.
    pub fn attachment_bytes_total(&self) -> u64 {
        self.state.store.read().data.attachment_bytes_total()
    }

    /// Request counters so far.
    pub fn stats(&self) -> Stats {
        self.state.stats.snapshot()
    }

    /// A copy of the data as served now.
    pub fn data(&self) -> StamesData {
        self.state.store.read().data.clone()
    }

    /// Runs `f` on the data as served now, without copying it.
    pub fn with_data<R>(&self, f: impl FnOnce(&StamesData) -> R) -> R {
        f(&self.state.store.read().data)
    }

    /// `POST /tickets/{id}/messages`, applied in process (tests, delta drills):
    /// the same write the HTTP API makes, with the same validation.
    pub async fn add_message(
        &self,
        ticket: u64,
        message: writes::NewMessage,
    ) -> Result<WireMessage, writes::WriteError> {
        self.write(|inner| writes::add_message(inner, ticket, message))
            .await
    }

    /// `PATCH /tickets/{id}`, applied in process.
    pub async fn patch_ticket(
        &self,
        ticket: u64,
        patch: writes::TicketPatch,
    ) -> Result<WireTicket, writes::WriteError> {
        self.write(|inner| writes::patch_ticket(inner, ticket, patch))
            .await
    }

    /// `POST /tickets`, applied in process.
    pub async fn create_ticket(
        &self,
        ticket: writes::NewTicket,
    ) -> Result<WireTicket, writes::WriteError> {
        self.write(|inner| writes::create_ticket(inner, ticket))
            .await
    }

    /// `POST /customers`, applied in process.
    pub async fn create_customer(
        &self,
        customer: writes::NewCustomer,
    ) -> Result<WireCustomer, writes::WriteError> {
        self.write(|inner| writes::create_customer(inner, customer))
            .await
    }

    /// `PATCH /customers/{id}`, applied in process.
    pub async fn patch_customer(
        &self,
        customer: u64,
        patch: writes::CustomerPatch,
    ) -> Result<WireCustomer, writes::WriteError> {
        self.write(|inner| writes::patch_customer(inner, customer, patch))
            .await
    }

    async fn write<T>(
        &self,
        apply: impl FnOnce(&mut state::Inner) -> Result<T, writes::WriteError>,
    ) -> Result<T, writes::WriteError> {
        match self.state.store.mutate(apply).await {
            Ok(result) => result,
            // The write happened; only the state file lags behind.
            Err(io) => Err(writes::WriteError::Invalid(format!(
                "applied, but the state file could not be saved: {io}"
            ))),
        }
    }

    /// Stops accepting connections, lets requests in flight finish, and waits
    /// for the server to end. A panic inside the server is re-raised here, so
    /// a test that shuts down its emulator also sees a server bug.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match (&mut self.task).await {
            Ok(Ok(())) => {}
            // axum's accept loop handles its own errors, so this is not
            // expected; it is not worth failing a caller that is stopping.
            Ok(Err(error)) => tracing::warn!(%error, "the Stames emulator stopped with an error"),
            Err(join) if join.is_panic() => std::panic::resume_unwind(join.into_panic()),
            Err(_) => {}
        }
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
