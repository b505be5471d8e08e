//! `deskshift discover`: read the whole source once, account for every record,
//! and describe what a migration would have to move.
//!
//! Discovery is the first reconciliation: for each object kind the source's own
//! declared count must equal `read + rejected`, every reject lands in the ledger
//! with a reason, and the source index it builds (ids, content hashes, e-mails)
//! is what later phases check references and changes against.

mod markdown;
mod profile;
pub mod references;
mod scope;
mod tally;

pub use markdown::{human_bytes, render_markdown};
pub use profile::{
    display_text, looks_like_email, looks_like_phone, parse_yes_no, shape_of, FieldProfiler,
};
pub use scope::*;

use crate::ledger::{content_hash, Ledger, LedgerError, RunId, SourceIndexEntry};
use crate::model::{FieldObject, ObjectKind, Workspace};
use crate::progress::Progress;
use crate::source::{Read, Source, SourceError};
use futures::StreamExt;
use references::KnownIds;
use std::path::{Path, PathBuf};
use std::time::Instant;
use tally::Tally;

/// The phase name rejects are recorded under.
pub const PHASE: &str = "discover";

#[derive(Debug, thiserror::Error)]
pub enum DiscoverError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error("cannot write {path}: {source}")]
    Report {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} not found: run `deskshift discover` first")]
    NoReport { path: PathBuf },
    #[error("cannot read {path}: {message}; run `deskshift discover` again")]
    BadReport { path: PathBuf, message: String },
}

impl KnownIds for Ledger {
    type Error = LedgerError;
    fn contains(&self, kind: ObjectKind, id: &str) -> Result<bool, LedgerError> {
        self.source_contains(kind, id)
    }
}

/// Reads everything `source` holds, recording rejects and the source index in
/// `ledger` under `run`, and returns the scope report.
pub async fn discover(
    source: &dyn Source,
    ledger: &Ledger,
    run: RunId,
    progress: &dyn Progress,
) -> Result<ScopeReport, DiscoverError> {
    let started = Instant::now();
    let workspace = source.workspace().await?;
    let declared = source.declared_counts().await?;
    for kind in [
        ObjectKind::Users,
        ObjectKind::Customers,
        ObjectKind::Tickets,
    ] {
        ledger.clear_source_index(kind)?;
    }
    let mut tally = Tally::new(ledger, run, declared);
    tally.workspace(&workspace);

    // Schema first (it is small and the profiler needs it), then records in
    // dependency order so every reference check finds its target already indexed.
    let field_defs = read_custom_fields(source, &mut tally, progress).await?;
    let mut profiler = FieldProfiler::new(&field_defs);
    read_custom_objects(source, &mut tally, progress).await?;
    read_tags(source, &mut tally, progress).await?;
    read_agents(source, &mut tally, progress).await?;
    read_customers(source, &mut tally, &mut profiler, progress).await?;
    read_tickets(source, &mut tally, &mut profiler, progress).await?;
    read_custom_object_records(source, &mut tally, progress).await?;
    read_automations(source, &mut tally, progress).await?;

    let report = tally.finish(
        source.describe(),
        &workspace,
        profiler,
        source.api_stats(),
        started.elapsed().as_secs_f64(),
    )?;
    keep_scope(ledger, &report)?;
    Ok(report)
}

/// Ledger meta key of the latest scope report: `report` and `plan` build
/// on it without reading the source again (and without trusting a file
/// in `reports/` someone may have edited).
pub const SCOPE_KEY: &str = "discover.scope";

fn keep_scope(ledger: &Ledger, report: &ScopeReport) -> Result<(), LedgerError> {
    let json = serde_json::to_string(report).map_err(|source| LedgerError::Encode {
        what: "the scope report",
        source,
    })?;
    ledger.set_meta(SCOPE_KEY, &json)
}

/// The scope report of the latest discovery, if any.
pub fn kept_scope(ledger: &Ledger) -> Result<Option<ScopeReport>, LedgerError> {
    let Some(json) = ledger.meta(SCOPE_KEY)? else {
        return Ok(None);
    };
    serde_json::from_str(&json)
        .map(Some)
        .map_err(|e| LedgerError::Corrupt {
            what: format!(
                "the scope report kept by discover cannot be read ({e}); run `deskshift \
                 discover` again"
            ),
        })
}

/// Writes `scope.json` and `scope.md` into `reports_dir`.
pub fn write_reports(report: &ScopeReport, reports_dir: &Path) -> Result<(), DiscoverError> {
    let write = |name: &str, body: String| {
        let path = reports_dir.join(name);
        std::fs::create_dir_all(reports_dir)
            .and_then(|_| std::fs::write(&path, body))
            .map_err(|source| DiscoverError::Report { path, source })
    };
    let json = serde_json::to_string_pretty(report).expect("scope report serialises");
    write("scope.json", json + "\n")?;
    write("scope.md", render_markdown(report))
}

/// Reads the `scope.json` a discovery wrote into `reports_dir`: what later
/// phases (the field map) know about the source without reading it again.
pub fn read_report(reports_dir: &Path) -> Result<ScopeReport, DiscoverError> {
    let path = reports_dir.join("scope.json");
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(DiscoverError::NoReport { path })
        }
        Err(e) => {
            return Err(DiscoverError::BadReport {
                path,
                message: e.to_string(),
            })
        }
    };
    serde_json::from_str(&text).map_err(|e| DiscoverError::BadReport {
        path,
        message: e.to_string(),
    })
}

async fn read_agents(
    source: &dyn Source,
    tally: &mut Tally<'_>,
    progress: &dyn Progress,
) -> Result<(), DiscoverError> {
    let kind = ObjectKind::Users;
    progress.start(kind, tally.declared(kind));
    let mut stream = source.agents();
    while let Some(item) = stream.next().await {
        if let Some(agent) = tally.accept(kind, item?)? {
            tally.agent(&agent)?;
        }
        progress.advance(kind, 1);
    }
    tally.flush()?;
    progress.finish(kind);
    Ok(())
}

async fn read_customers(
    source: &dyn Source,
    tally: &mut Tally<'_>,
    profiler: &mut FieldProfiler,
    progress: &dyn Progress,
) -> Result<(), DiscoverError> {
    let kind = ObjectKind::Customers;
    progress.start(kind, tally.declared(kind));
    let mut stream = source.customers(None);
    while let Some(item) = stream.next().await {
        if let Some(customer) = tally.accept(kind, item?)? {
            profiler.observe(FieldObject::Customer, &customer.custom_fields);
            tally.customer(&customer)?;
        }
        progress.advance(kind, 1);
    }
    tally.flush()?;
    progress.finish(kind);
    Ok(())
}

async fn read_tags(
    source: &dyn Source,
    tally: &mut Tally<'_>,
    progress: &dyn Progress,
) -> Result<(), DiscoverError> {
    let kind = ObjectKind::Tags;
    progress.start(kind, tally.declared(kind));
    let mut stream = source.tags();
    while let Some(item) = stream.next().await {
        if let Some(tag) = tally.accept(kind, item?)? {
            tally.tag(&tag);
        }
        progress.advance(kind, 1);
    }
    progress.finish(kind);
    Ok(())
}

async fn read_custom_fields(
    source: &dyn Source,
    tally: &mut Tally<'_>,
    progress: &dyn Progress,
) -> Result<Vec<crate::model::CustomFieldDef>, DiscoverError> {
    let kind = ObjectKind::CustomFields;
    progress.start(kind, tally.declared(kind));
    let mut defs = Vec::new();
    let mut stream = source.custom_fields();
    while let Some(item) = stream.next().await {
        if let Some(def) = tally.accept(kind, item?)? {
            tally.custom_field();
            defs.push(def);
        }
        progress.advance(kind, 1);
    }
    progress.finish(kind);
    Ok(defs)
}

async fn read_custom_objects(
    source: &dyn Source,
    tally: &mut Tally<'_>,
    progress: &dyn Progress,
) -> Result<(), DiscoverError> {
    let kind = ObjectKind::CustomObjects;
    progress.start(kind, tally.declared(kind));
    let mut stream = source.custom_objects();
    while let Some(item) = stream.next().await {
        if let Some(def) = tally.accept(kind, item?)? {
            tally.custom_object(def);
        }
        progress.advance(kind, 1);
    }
    progress.finish(kind);
    Ok(())
}

async fn read_tickets(
    source: &dyn Source,
    tally: &mut Tally<'_>,
    profiler: &mut FieldProfiler,
    progress: &dyn Progress,
) -> Result<(), DiscoverError> {
    let kind = ObjectKind::Tickets;
    progress.start(kind, tally.declared(kind));
    let mut stream = source.tickets(None);
    while let Some(item) = stream.next().await {
        let is_ticket = match &item {
            Ok(Read::Rejected(reject)) => reject.kind == kind,
            _ => true,
        };
        if let Some(mut thread) = tally.accept(kind, item?)? {
            if let Some(reject) = references::check_ticket(&thread, tally.ledger())? {
                tally.reject_thread(reject, &thread);
            } else {
                for (index, reject) in references::check_messages(&thread, tally.ledger())?
                    .into_iter()
                    .rev()
                {
                    let message = thread.messages.remove(index);
                    tally.reject_message(reject, &message);
                }
                profiler.observe(FieldObject::Ticket, &thread.ticket.custom_fields);
                tally.thread(&thread)?;
            }
        }
        if is_ticket {
            progress.advance(kind, 1);
        }
    }
    tally.flush()?;
    progress.finish(kind);
    Ok(())
}

async fn read_custom_object_records(
    source: &dyn Source,
    tally: &mut Tally<'_>,
    progress: &dyn Progress,
) -> Result<(), DiscoverError> {
    let kind = ObjectKind::CustomObjectRecords;
    progress.start(kind, tally.declared(kind));
    let mut stream = source.custom_object_records(None);
    while let Some(item) = stream.next().await {
        if let Some(record) = tally.accept(kind, item?)? {
            match references::check_custom_object_record(&record, tally.ledger())? {
                Some(reject) => tally.reject_read(reject),
                None => tally.custom_object_record(&record),
            }
        }
        progress.advance(kind, 1);
    }
    tally.flush()?;
    progress.finish(kind);
    Ok(())
}

async fn read_automations(
    source: &dyn Source,
    tally: &mut Tally<'_>,
    progress: &dyn Progress,
) -> Result<(), DiscoverError> {
    let kind = ObjectKind::Automations;
    progress.start(kind, tally.declared(kind));
    let mut stream = source.automations();
    while let Some(item) = stream.next().await {
        if let Some(automation) = tally.accept(kind, item?)? {
            tally.automation(automation);
        }
        progress.advance(kind, 1);
    }
    progress.finish(kind);
    Ok(())
}

/// The index entry for one record: id, content hash and natural key.
fn index_entry<T: serde::Serialize>(
    id: &str,
    record: &T,
    natural_key: Option<String>,
    updated_at: Option<&crate::model::Timestamp>,
) -> SourceIndexEntry {
    SourceIndexEntry {
        source_id: id.to_string(),
        content_hash: content_hash(record),
        natural_key,
        updated_at: updated_at.map(|t| t.to_rfc3339()),
    }
}

/// Used by [`Tally::workspace`]; kept here so the counting rule is visible.
fn workspace_counts(workspace: &Workspace) -> [(ObjectKind, u64); 2] {
    [
        (ObjectKind::Departments, workspace.departments.len() as u64),
        (
            ObjectKind::ChannelIntegrations,
            workspace.channels.len() as u64,
        ),
    ]
}
