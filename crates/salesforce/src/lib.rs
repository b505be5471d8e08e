//! The Salesforce Service Cloud destination of deskshift.
//!
//! ```text
//! catalog     what the org holds and accepts (describe), and the standard
//!             map as rows, for the field map (`deskshift map`)
//! client/     the org's APIs (OAuth 2.0 token flows, REST sObjects and SOQL,
//!             Composite and sObject Collections, Bulk API 2.0 ingest,
//!             Tooling), guarded against the daily limit read from
//!             `Sforce-Limit-Info`, every call with `Sforce-Auto-Assign: FALSE`
//! map/        the standard map (DESIGN.md §4), one pure decision per module
//! prepare     custom objects, custom fields (+ field-level security),
//!             picklist values, the org's capabilities
//! preflight   side effects (assignment, validation rules, triggers, e-mail)
//! writer/     users, customers (Accounts + Contacts), cases (+ messages,
//!             notes, files, status events), custom-object records;
//!             updates: delta's journaled changes to records in Salesforce
//! verify/     reads every migrated record back and compares it with the map
//! undo        rollback's primitives: delete (Collections or Bulk), restore,
//!             what changed since
//! readback    a record as Salesforce holds it now (before-images, spot checks)
//! ```
//!
//! The binary builds a [`Salesforce`] from a [`SalesforceConfig`] and drives
//! it through [`deskshift_core::destination::Destination`]. Signing in
//! needs a network call, so it happens on the first phase that needs the
//! org, not in [`Salesforce::new`].

pub mod catalog;
pub mod client;
pub mod map;
pub mod plan;
pub mod preflight;
pub mod prepare;
pub mod readback;
pub mod undo;
pub mod verify;
pub mod writer;

use async_trait::async_trait;
use client::{Auth, ConnectOptions, SalesforceClient};
use deskshift_core::destination::{
    Destination, DestinationError, LoadContext, Scope, SideEffect, Touched, UndoContext, UndoStep,
    Undone, VerifyReport, DELTA,
};
use deskshift_core::discover::ScopeReport;
use deskshift_core::mapping::Catalog;
use deskshift_core::model::{ObjectKind, Timestamp};
use deskshift_core::plan::PlanTally;
use deskshift_core::source::ApiStats;
use deskshift_http::{Budget, RetryPolicy};
use std::time::Duration;
use tokio::sync::OnceCell;
use writer::Run;

/// Records per object above which a load goes through Bulk API 2.0 rather
/// than sObject Collections: below it, Collections' one call per 200
/// records costs fewer calls than a Bulk job's create, upload, close, polls
/// and three result downloads.
pub const DEFAULT_BULK_THRESHOLD: usize = 2_000;

/// How deskshift uses a Salesforce org. Holds no secret in `Debug`.
#[derive(Debug, Clone)]
pub struct SalesforceConfig {
    /// `https://login.salesforce.com`, a My Domain URL, or an emulator's URL.
    pub login_url: String,
    pub auth: Auth,
    /// `v62.0` unless configured.
    pub api_version: String,
    /// A steady pace to hold, if any (Salesforce limits per day, not per second).
    pub budget: Option<Budget>,
    pub retry: RetryPolicy,
    /// Records of one object from which Bulk API 2.0 is used.
    pub bulk_threshold: usize,
    /// Tickets per Bulk job (and per read-ahead chunk on the Bulk route):
    /// bounds memory, since a chunk's threads are held while it loads.
    pub bulk_chunk: usize,
    /// First wait between polls of a Bulk job.
    pub bulk_poll: Duration,
    pub users: UserPolicy,
    /// The Stames inbox address: `ToAddress` of incoming messages and
    /// `FromAddress` of automatic ones. Left out when unknown.
    pub support_address: Option<String>,
}

/// What to do about Stames agents without a Salesforce user.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserPolicy {
    /// The user (by e-mail) who owns Cases of unmatched agents; by default
    /// the migration user (Salesforce's default owner).
    pub fallback_owner_email: Option<String>,
}

impl SalesforceConfig {
    /// The defaults, with credentials from the `SALESFORCE_*` variables
    /// ([`Auth::from_env`]).
    pub fn from_env(login_url: impl Into<String>) -> Result<SalesforceConfig, DestinationError> {
        let auth = Auth::from_env().map_err(|e| DestinationError::Auth(e.to_string()))?;
        Ok(SalesforceConfig::new(login_url, auth))
    }

    pub fn new(login_url: impl Into<String>, auth: Auth) -> SalesforceConfig {
        SalesforceConfig {
            login_url: login_url.into(),
            auth,
            api_version: client::DEFAULT_API_VERSION.into(),
            budget: None,
            retry: RetryPolicy::default(),
            bulk_threshold: DEFAULT_BULK_THRESHOLD,
            bulk_chunk: 1_000,
            bulk_poll: Duration::from_secs(1),
            users: UserPolicy::default(),
            support_address: None,
        }
    }
}

/// A Salesforce org as a deskshift destination.
#[derive(Debug)]
pub struct Salesforce {
    config: SalesforceConfig,
    client: OnceCell<SalesforceClient>,
}

impl Salesforce {
    /// Checks the configuration's shape; calls nothing.
    pub fn new(config: SalesforceConfig) -> Result<Salesforce, DestinationError> {
        if !(config.login_url.starts_with("http://") || config.login_url.starts_with("https://")) {
            return Err(DestinationError::Other(format!(
                "the Salesforce login URL {:?} is not http(s); expected something like \
                 https://acme.my.salesforce.com",
                config.login_url
            )));
        }
        Ok(Salesforce {
            config,
            client: OnceCell::new(),
        })
    }

    pub fn config(&self) -> &SalesforceConfig {
        &self.config
    }

    /// The signed-in client; signs in on first use.
    pub async fn client(&self) -> Result<&SalesforceClient, DestinationError> {
        self.client
            .get_or_try_init(|| async {
                let mut options =
                    ConnectOptions::new(self.config.login_url.clone(), self.config.auth.clone());
                options.api_version = self.config.api_version.clone();
                options.budget = self.config.budget;
                options.retry = self.config.retry;
                SalesforceClient::connect(options)
                    .await
                    .map_err(|e| writer::api_failure("sign in to Salesforce", e))
            })
            .await
    }
}

#[async_trait]
impl Destination for Salesforce {
    fn name(&self) -> &'static str {
        "salesforce"
    }

    async fn preflight(&self) -> Result<Vec<SideEffect>, DestinationError> {
        preflight::side_effects(self.client().await?).await
    }

    /// Creates the schema. Salesforce has nothing to pause from the API
    /// (assignment is switched off per call; rules and triggers are
    /// deployed metadata), so `pause_side_effects` changes nothing here.
    async fn prepare(
        &self,
        ctx: &LoadContext<'_>,
        _pause_side_effects: bool,
    ) -> Result<(), DestinationError> {
        let client = self.client().await?;
        let run = Run::new(client, ctx, &self.config, "prepare");
        prepare::schema(&run, prepare::Mode::Create).await?;
        run.flush_notes()
    }

    async fn migrate(&self, ctx: &LoadContext<'_>, scope: &Scope) -> Result<(), DestinationError> {
        let client = self.client().await?;
        let run = Run::new(client, ctx, &self.config, "migrate");
        let org = prepare::schema(&run, prepare::Mode::Create).await?;
        writer::load(&run, &org, scope).await?;
        run.flush_notes()
    }

    async fn verify(&self, ctx: &LoadContext<'_>) -> Result<VerifyReport, DestinationError> {
        let client = self.client().await?;
        let run = Run::new(client, ctx, &self.config, writer::VERIFY);
        let org = prepare::schema(&run, prepare::Mode::ReadOnly).await?;
        verify::verify(&run, &org).await
    }

    async fn plan(&self, ctx: &LoadContext<'_>, tally: &PlanTally) -> Result<(), DestinationError> {
        let client = self.client().await?;
        let run = Run::for_plan(client, ctx, &self.config, tally);
        plan::plan(&run, tally).await
    }

    async fn catalog(&self, scope: &ScopeReport) -> Result<Catalog, DestinationError> {
        catalog::catalog(self.client().await?, scope).await
    }

    /// The load of `migrate`, over the changes only; the writers, seeing
    /// the phase, also bring records in Salesforce up to date
    /// ([`writer::updates`]).
    async fn delta(&self, ctx: &LoadContext<'_>) -> Result<(), DestinationError> {
        let client = self.client().await?;
        let run = Run::new(client, ctx, &self.config, DELTA);
        let org = prepare::schema(&run, prepare::Mode::Create).await?;
        writer::load(&run, &org, &Scope::All).await?;
        run.flush_notes()
    }

    async fn undo(
        &self,
        ctx: &UndoContext<'_>,
        kind: ObjectKind,
        steps: &[UndoStep],
    ) -> Result<Vec<Undone>, DestinationError> {
        undo::undo(self.client().await?, &self.config, ctx, kind, steps).await
    }

    async fn changed_after(
        &self,
        kind: ObjectKind,
        after: Timestamp,
    ) -> Result<Vec<Touched>, DestinationError> {
        undo::changed_after(self.client().await?, kind, after).await
    }

    async fn read_state(
        &self,
        kind: ObjectKind,
        dest_id: &str,
    ) -> Result<Option<serde_json::Value>, DestinationError> {
        readback::state(self.client().await?, kind, dest_id).await
    }

    async fn read_record(
        &self,
        kind: ObjectKind,
        dest_id: &str,
    ) -> Result<Option<serde_json::Value>, DestinationError> {
        readback::record(self.client().await?, kind, dest_id).await
    }

    async fn record_url(&self, kind: ObjectKind, dest_id: &str) -> Option<String> {
        let client = self.client().await.ok()?;
        readback::url(&client.instance_url(), kind, dest_id)
    }

    fn api_stats(&self) -> ApiStats {
        match self.client.get() {
            Some(client) => {
                let stats = client.stats();
                ApiStats {
                    calls: stats.calls,
                    rate_limited: stats.rate_limited,
                    retries: stats.retries,
                }
            }
            None => ApiStats::default(),
        }
    }

    fn budget_utilization(&self) -> Option<f64> {
        let client = self.client.get()?;
        match client.api_usage() {
            Some((used, max)) if max > 0 => Some(used as f64 / max as f64),
            _ => client.stats().budget_utilization,
        }
    }
}
