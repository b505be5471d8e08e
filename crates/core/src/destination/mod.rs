//! The one trait every destination implements. The binary drives the phases
//! (`preflight`, `prepare`, `migrate`, `verify`) through it and never learns
//! which helpdesk is on the other side; each destination crate keeps the same
//! inner shape (client, map, prepare, writer, verify) so a reader who knows one
//! knows the other.

pub mod notes;
pub mod run;
pub mod undo;

pub use run::{MissingReference, PhaseRun, DELTA, PLAN, VERIFY};
pub use undo::{Touched, UndoAction, UndoContext, UndoPlan, UndoStep, Undone};

use crate::discover::ScopeReport;
use crate::engine::{Counts, Journal};
use crate::mapping::catalog::Catalog;
use crate::mapping::FieldMap;
use crate::model::{ObjectKind, SourceId, TicketThread, Timestamp};
use crate::plan::PlanTally;
use crate::progress::Progress;
use crate::sample::SampleSet;
use crate::source::{ApiStats, ReadStream, Source};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Everything a phase needs besides the destination itself.
pub struct LoadContext<'a> {
    pub source: &'a dyn Source,
    pub journal: &'a Journal,
    pub counts: &'a Counts,
    pub progress: &'a dyn Progress,
    /// The project's attachment cache directory.
    pub cache_dir: &'a Path,
    /// The field map the phase applies: the one confirmed in the ledger
    /// ([`crate::mapping::confirmation::confirmed`]), so `migrate`, `delta`
    /// and `verify` apply and compare exactly what the user confirmed, even
    /// if `mapping.toml` was edited since. Writers map every value through
    /// [`crate::mapping::apply`]; nothing falls back to a built-in map.
    /// (Rollback undoes by the ledger and maps nothing: it passes the
    /// confirmed map when there is one, an empty one otherwise.)
    pub map: &'a FieldMap,
}

/// Which tickets a load covers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Scope {
    /// Everything.
    #[default]
    All,
    /// A representative sample of tickets with the customers they need,
    /// chosen by [`crate::sample::select`].
    Sample(SampleSet),
}

impl Scope {
    /// The part of a source's ticket stream this scope loads.
    pub fn tickets<'s>(
        &'s self,
        tickets: ReadStream<'s, TicketThread>,
    ) -> ReadStream<'s, TicketThread> {
        match self {
            Scope::All => tickets,
            Scope::Sample(sample) => sample.narrow(tickets),
        }
    }

    /// The customers a sample needs; `None`: every customer.
    pub fn customers(&self) -> Option<&BTreeSet<SourceId>> {
        match self {
            Scope::All => None,
            Scope::Sample(sample) => Some(&sample.customers),
        }
    }

    /// How many tickets a sample loads; `None`: all of them.
    pub fn ticket_count(&self) -> Option<usize> {
        match self {
            Scope::All => None,
            Scope::Sample(sample) => Some(sample.len()),
        }
    }
}

/// Something in the destination that would act on migrated records (a rule
/// that replies, a flow that e-mails), and what deskshift does about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SideEffect {
    /// e.g. `rule`, `flow`, `assignment_rule`.
    pub kind: String,
    pub id: String,
    pub name: String,
    /// What it would do to migrated records.
    pub effect: String,
    /// What deskshift will do: refuse, pause it, or nothing (harmless).
    pub handling: String,
    /// Whether it blocks a load until paused or explicitly allowed.
    pub blocking: bool,
}

/// A field that did not read back as the map says it must be.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mismatch {
    pub kind: ObjectKind,
    pub source_id: SourceId,
    pub dest_id: Option<String>,
    pub field: String,
    pub expected: String,
    pub actual: String,
}

/// What `verify` found.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VerifyReport {
    /// Per kind: (verified, mismatched) record counts.
    pub counts: BTreeMap<ObjectKind, (u64, u64)>,
    pub mismatches: Vec<Mismatch>,
}

impl VerifyReport {
    pub fn is_clean(&self) -> bool {
        self.mismatches.is_empty()
    }
}

/// A destination failure that stops the phase, phrased for the operator.
#[derive(Debug, thiserror::Error)]
pub enum DestinationError {
    #[error("{0}")]
    Auth(String),
    #[error("{0}")]
    Unavailable(String),
    #[error(transparent)]
    Journal(#[from] crate::engine::journal::JournalError),
    #[error(transparent)]
    Ledger(#[from] crate::ledger::LedgerError),
    #[error(transparent)]
    Source(#[from] crate::source::SourceError),
    #[error("{0}")]
    Other(String),
}

/// What a destination without a phase answers: which one, and what it cannot do.
fn unsupported(destination: &str, what: &str) -> DestinationError {
    DestinationError::Other(format!("the {destination} destination cannot {what}"))
}

#[async_trait]
pub trait Destination: Send + Sync {
    /// `gorgias` or `salesforce`, as in the summary JSON.
    fn name(&self) -> &'static str;

    /// Side effects a load would trigger, blocking ones first.
    async fn preflight(&self) -> Result<Vec<SideEffect>, DestinationError>;

    /// Creates the destination schema the load needs (custom fields, tags, …);
    /// with `pause_side_effects`, also pauses blocking side effects and records
    /// them in the ledger so they can be restored exactly.
    async fn prepare(
        &self,
        ctx: &LoadContext<'_>,
        pause_side_effects: bool,
    ) -> Result<(), DestinationError>;

    /// Loads records in dependency order through the journal; resumable.
    async fn migrate(&self, ctx: &LoadContext<'_>, scope: &Scope) -> Result<(), DestinationError>;

    /// Reads back every migrated record and compares it with what the map says.
    async fn verify(&self, ctx: &LoadContext<'_>) -> Result<VerifyReport, DestinationError>;

    /// `deskshift plan`: every source record through the confirmed map
    /// (`ctx.map`) and the validators the writer calls before it sends a
    /// record, with a verdict per record in `tally`. Reads the destination
    /// (schema, records to match) and never writes to it, nor to the journal.
    async fn plan(
        &self,
        _ctx: &LoadContext<'_>,
        _tally: &PlanTally,
    ) -> Result<(), DestinationError> {
        Err(unsupported(self.name(), "plan a migration"))
    }

    /// What the destination holds and accepts, for the field map (`deskshift
    /// map propose` and `map confirm`): its objects and fields, read live
    /// where the API allows, the rows of its built-in map, and the values
    /// its enumerations take, for the source `scope` describes. Reads only.
    async fn catalog(&self, scope: &ScopeReport) -> Result<Catalog, DestinationError> {
        let _ = scope;
        Err(DestinationError::Other(format!(
            "the {} destination cannot describe its fields, so deskshift cannot propose or \
             check a field map for it",
            self.name()
        )))
    }

    /// Applies source changes: `ctx.source` holds only the records created
    /// or changed since the last run ([`crate::delta`]). New records are
    /// loaded as `migrate` loads them; records already in the destination
    /// are brought up to date through [`crate::engine::Journal::update_once`]
    /// (before-images journaled) and get their new messages, in order.
    async fn delta(&self, ctx: &LoadContext<'_>) -> Result<(), DestinationError> {
        let _ = ctx;
        Err(unsupported(self.name(), "apply source changes (delta)"))
    }

    /// Undoes `steps`, all of `kind` (rollback; children before parents,
    /// see [`crate::rollback`]). One answer per step, in order. Each step
    /// must be safe to repeat: a rollback that died is run again.
    async fn undo(
        &self,
        ctx: &UndoContext<'_>,
        kind: ObjectKind,
        steps: &[UndoStep],
    ) -> Result<Vec<Undone>, DestinationError> {
        let _ = (ctx, steps);
        Err(unsupported(self.name(), &format!("roll back {kind}")))
    }

    /// Records of `kind` changed in the destination after `after` (someone
    /// worked on them since deskshift's last write), so rollback stops
    /// before removing them.
    async fn changed_after(
        &self,
        kind: ObjectKind,
        after: Timestamp,
    ) -> Result<Vec<Touched>, DestinationError> {
        let _ = after;
        Err(unsupported(
            self.name(),
            &format!("tell which {kind} changed since the migration"),
        ))
    }

    /// The state of a record a restore would overwrite (its before-image),
    /// in the shape [`UndoAction::Restore`] takes; `None` when it is gone.
    async fn read_state(
        &self,
        kind: ObjectKind,
        dest_id: &str,
    ) -> Result<Option<serde_json::Value>, DestinationError> {
        let _ = dest_id;
        Err(unsupported(
            self.name(),
            &format!("read the state of {kind}"),
        ))
    }

    /// Brings back the side effects `prepare` paused (rules) and that a
    /// finished `migrate` would have restored; names each.
    async fn restore_side_effects(
        &self,
        ctx: &LoadContext<'_>,
    ) -> Result<Vec<String>, DestinationError> {
        let _ = ctx;
        Ok(Vec::new())
    }

    /// A migrated record as the destination holds it now, for the people
    /// reading the reconciliation report's spot checks; `None` when gone.
    async fn read_record(
        &self,
        kind: ObjectKind,
        dest_id: &str,
    ) -> Result<Option<serde_json::Value>, DestinationError> {
        let _ = dest_id;
        Err(unsupported(self.name(), &format!("read {kind} back")))
    }

    /// Where a person opens a migrated record in the destination's own
    /// application (after a sample: "where to look"), when known.
    async fn record_url(&self, kind: ObjectKind, dest_id: &str) -> Option<String> {
        let _ = (kind, dest_id);
        None
    }

    /// API usage so far.
    fn api_stats(&self) -> ApiStats;

    /// Fraction of the API budget used while loading, when known.
    fn budget_utilization(&self) -> Option<f64> {
        None
    }
}
