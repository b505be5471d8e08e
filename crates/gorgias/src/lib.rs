//! The Gorgias destination of deskshift.
//!
//! ```text
//! catalog     what Gorgias holds and accepts, and the standard map as rows,
//!             for the field map (`deskshift map`)
//! client/     transport: auth, pacing on Gorgias's rate-limit header, cursor
//!             pagination, error mapping, typed endpoints, wire types
//! map/        the standard map (DESIGN.md §4), one pure decision per module
//! prepare     custom fields, tags, pausing rules
//! preflight   side effects (active rules)
//! writer/     users, customers, tickets (+ messages, files), records;
//!             updates: delta's journaled changes to records in Gorgias
//! verify      reads every migrated record back and compares it with the map
//! undo        rollback's primitives: remove, restore, what changed since
//! readback    a record as Gorgias holds it now (before-images, spot checks)
//! ```
//!
//! The binary builds a [`Gorgias`] from a [`GorgiasConfig`] and drives it
//! through [`deskshift_core::destination::Destination`].

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

pub use client::{Credentials, CredentialsError, GorgiasClient};

use async_trait::async_trait;
use client::ClientOptions;
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
use std::collections::HashSet;
use writer::Run;

/// How deskshift uses a Gorgias account. Holds no secret in `Debug`.
#[derive(Debug, Clone)]
pub struct GorgiasConfig {
    /// `https://{domain}.gorgias.com` (or an emulator's URL).
    pub base_url: String,
    pub credentials: Credentials,
    /// The steady call rate to hold. Default: 40 calls per 20 s, the
    /// documented API-key budget; OAuth apps may use 80/20, Enterprise
    /// accounts 40/10. Gorgias's headers and 429s correct it either way.
    pub budget: Option<Budget>,
    /// Tickets in flight at once.
    pub concurrency: usize,
    pub users: UserPolicy,
    pub retry: RetryPolicy,
}

/// What to do about Stames agents without a Gorgias user.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserPolicy {
    /// Create them (a Gorgias seat each, and an invitation). Off by default.
    pub create_unmatched_users: bool,
    /// The Gorgias user (by e-mail) who stands in for them; by default the
    /// API key's user.
    pub fallback_user_email: Option<String>,
}

impl GorgiasConfig {
    /// The defaults, with credentials from `GORGIAS_EMAIL` / `GORGIAS_API_KEY`.
    pub fn from_env(base_url: impl Into<String>) -> Result<GorgiasConfig, DestinationError> {
        let credentials =
            Credentials::from_env().map_err(|e| DestinationError::Auth(e.to_string()))?;
        Ok(GorgiasConfig::new(base_url, credentials))
    }

    pub fn new(base_url: impl Into<String>, credentials: Credentials) -> GorgiasConfig {
        GorgiasConfig {
            base_url: base_url.into(),
            credentials,
            budget: Some(client::default_budget()),
            concurrency: 4,
            users: UserPolicy::default(),
            retry: RetryPolicy::default(),
        }
    }
}

/// A Gorgias account as a deskshift destination.
#[derive(Debug)]
pub struct Gorgias {
    config: GorgiasConfig,
    client: GorgiasClient,
}

impl Gorgias {
    /// Checks the URL and credentials' shape; calls nothing.
    pub fn new(config: GorgiasConfig) -> Result<Gorgias, DestinationError> {
        let options = ClientOptions {
            budget: config.budget,
            retry: config.retry,
        };
        let client = GorgiasClient::new(&config.base_url, config.credentials.clone(), &options)
            .map_err(DestinationError::Other)?;
        Ok(Gorgias { config, client })
    }

    pub fn client(&self) -> &GorgiasClient {
        &self.client
    }

    pub fn config(&self) -> &GorgiasConfig {
        &self.config
    }
}

#[async_trait]
impl Destination for Gorgias {
    fn name(&self) -> &'static str {
        "gorgias"
    }

    async fn preflight(&self) -> Result<Vec<SideEffect>, DestinationError> {
        preflight::side_effects(&self.client).await
    }

    async fn prepare(
        &self,
        ctx: &LoadContext<'_>,
        pause_side_effects: bool,
    ) -> Result<(), DestinationError> {
        let run = Run::new(&self.client, ctx, &self.config, "prepare");
        prepare::schema(&run).await?;
        if pause_side_effects {
            prepare::pause_rules(&run).await?;
        }
        Ok(())
    }

    async fn migrate(&self, ctx: &LoadContext<'_>, scope: &Scope) -> Result<(), DestinationError> {
        let run = Run::new(&self.client, ctx, &self.config, "migrate");
        self.load(&run, scope).await
    }

    /// The load of `migrate`, over the changes only; the writers, seeing
    /// the phase, also bring records in Gorgias up to date
    /// ([`writer::updates`]).
    async fn delta(&self, ctx: &LoadContext<'_>) -> Result<(), DestinationError> {
        let run = Run::new(&self.client, ctx, &self.config, DELTA);
        self.load(&run, &Scope::All).await
    }

    async fn verify(&self, ctx: &LoadContext<'_>) -> Result<VerifyReport, DestinationError> {
        let run = Run::new(&self.client, ctx, &self.config, writer::VERIFY);
        verify::verify(&run).await
    }

    async fn plan(&self, ctx: &LoadContext<'_>, tally: &PlanTally) -> Result<(), DestinationError> {
        let run = Run::for_plan(&self.client, ctx, &self.config, tally);
        plan::plan(&run, tally).await
    }

    async fn catalog(&self, scope: &ScopeReport) -> Result<Catalog, DestinationError> {
        catalog::catalog(&self.client, scope).await
    }

    async fn undo(
        &self,
        ctx: &UndoContext<'_>,
        kind: ObjectKind,
        steps: &[UndoStep],
    ) -> Result<Vec<Undone>, DestinationError> {
        undo::undo(&self.client, ctx, kind, steps).await
    }

    async fn changed_after(
        &self,
        kind: ObjectKind,
        after: Timestamp,
    ) -> Result<Vec<Touched>, DestinationError> {
        undo::changed_after(&self.client, kind, after).await
    }

    async fn read_state(
        &self,
        kind: ObjectKind,
        dest_id: &str,
    ) -> Result<Option<serde_json::Value>, DestinationError> {
        readback::state(&self.client, kind, dest_id).await
    }

    async fn restore_side_effects(
        &self,
        ctx: &LoadContext<'_>,
    ) -> Result<Vec<String>, DestinationError> {
        let run = Run::new(&self.client, ctx, &self.config, "rollback");
        let restored = prepare::restore_rules(&run).await?;
        Ok(restored
            .into_iter()
            .map(|id| format!("Gorgias rule {id} re-enabled"))
            .collect())
    }

    async fn read_record(
        &self,
        kind: ObjectKind,
        dest_id: &str,
    ) -> Result<Option<serde_json::Value>, DestinationError> {
        readback::record(&self.client, kind, dest_id).await
    }

    async fn record_url(&self, kind: ObjectKind, dest_id: &str) -> Option<String> {
        readback::url(&self.config.base_url, kind, dest_id)
    }

    fn api_stats(&self) -> ApiStats {
        let stats = self.client.stats();
        ApiStats {
            calls: stats.calls,
            rate_limited: stats.rate_limited,
            retries: stats.retries,
        }
    }

    fn budget_utilization(&self) -> Option<f64> {
        self.client.stats().budget_utilization
    }
}

impl Gorgias {
    /// Everything in dependency order ([`writer`]), for `migrate` and `delta`.
    async fn load(&self, run: &Run<'_>, scope: &Scope) -> Result<(), DestinationError> {
        let only: Option<HashSet<String>> = scope.customers().map(|c| c.iter().cloned().collect());
        let schema = prepare::schema(run).await?;
        let agents = writer::users::load(run).await?;
        run.flush_notes()?;
        let records = writer::spill::RecordIndex::build(run, only.as_ref()).await?;
        writer::customers::load(run, &schema.customer_fields, only.as_ref(), &records).await?;
        let shared = writer::tickets::Shared {
            agents: &agents,
            fields: &schema.ticket_fields,
            extras: &schema.extras,
            tags: &schema.tags,
        };
        writer::tickets::load(run, &shared, scope).await?;
        writer::records::finish(run, &records).await?;
        prepare::restore_rules(run).await?;
        run.flush_notes()?;
        Ok(())
    }
}
