//! `reports/reconciliation.{json,md,html}`: the account of a migration a
//! person signs off — row counts per object and phase, what the ledger
//! holds now, the verification with every field-level mismatch, the rejects
//! and skips with their reasons and fixes, and a spot-check packet of the
//! most demanding tickets side by side ([`spot`]).
//!
//! Everything but the spot checks comes from the ledger (each run keeps its
//! counts, [`crate::engine::gates::RunCounts`]) and `reports/verify.json`;
//! the spot checks read the source and the destination. The Markdown and
//! HTML render one outline ([`outline`]) through the deliverables' writers;
//! the HTML is one self-contained file.

mod outline;
pub mod spot;

pub use spot::SpotCheck;

use crate::destination::notes::{self, Category, Note};
use crate::destination::{Destination, VerifyReport};
use crate::discover::{KindCount, ScopeReport};
use crate::engine::gates::{self, RunCounts};
use crate::ledger::{Ledger, LedgerError, RunId, RunStatus, StateCounts};
use crate::model::{ObjectKind, Timestamp};
use crate::source::Source;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Rejects read per ledger page.
const PAGE: usize = 1_000;

/// The whole report; `reports/reconciliation.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reconciliation {
    pub generated_at: Timestamp,
    pub destination: String,
    pub source: String,
    /// Every run, oldest first, with its counts where it kept them.
    pub runs: Vec<RunReport>,
    /// The latest discovery's row count per object (`reports/scope.json`):
    /// source = read + rejected.
    pub discovery: Option<BTreeMap<ObjectKind, KindCount>>,
    /// What the ledger says of every record now, per kind and state.
    pub ledger: BTreeMap<ObjectKind, StateCounts>,
    /// The last `verify`, if one ran.
    pub verification: Option<VerifyReport>,
    /// Every reject once (the latest of repeats), with its fix.
    pub rejects: Vec<RejectRow>,
    /// Records deliberately not written, with the reason and what to do.
    pub skips: Vec<Note>,
    /// Changes made so the destination accepts a record.
    pub repairs: Vec<Note>,
    pub spot_checks: Vec<SpotCheck>,
}

/// One run and its row counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    pub run: RunId,
    pub command: String,
    pub status: RunStatus,
    pub started_at: Timestamp,
    pub finished_at: Option<Timestamp>,
    pub message: Option<String>,
    /// `None` for runs that keep no counts (discover, rollback) or died.
    pub counts: Option<RunCounts>,
}

/// One reject, as a person acts on it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RejectRow {
    pub kind: ObjectKind,
    pub source_id: Option<String>,
    pub field: String,
    pub reason: String,
    /// The suggested fix.
    pub fix: String,
    pub phase: String,
    pub run: RunId,
}

/// Why the report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error(transparent)]
    Spot(#[from] spot::SpotError),
    #[error("cannot read {path}: {message}")]
    Read { path: String, message: String },
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// Builds the report from the ledger, `reports/verify.json`, the source and
/// the destination (spot checks).
pub async fn build(
    ledger: &Ledger,
    source: &dyn Source,
    destination: &dyn Destination,
    reports_dir: &Path,
) -> Result<Reconciliation, ReportError> {
    let runs = ledger
        .runs()?
        .into_iter()
        .map(|run| {
            Ok(RunReport {
                counts: gates::run_counts(ledger, run.id)?,
                run: run.id,
                command: run.command,
                status: run.status,
                started_at: run.started_at,
                finished_at: run.finished_at,
                message: run.message,
            })
        })
        .collect::<Result<Vec<_>, LedgerError>>()?;
    let name = destination.name();
    Ok(Reconciliation {
        generated_at: chrono::Utc::now(),
        destination: name.to_string(),
        source: source.describe(),
        runs,
        discovery: read_json::<ScopeReport>(&reports_dir.join("scope.json"), "discover")?
            .map(|scope| scope.counts),
        ledger: ledger.id_map_counts()?,
        verification: read_json(&reports_dir.join("verify.json"), "verify")?,
        rejects: rejects(ledger)?,
        skips: notes::read_ledger(ledger, name, Category::Skip)?,
        repairs: notes::read_ledger(ledger, name, Category::Repair)?,
        spot_checks: spot::spot_checks(ledger, source, destination).await?,
    })
}

/// A report an earlier phase wrote, if it did.
fn read_json<T: serde::de::DeserializeOwned>(
    path: &Path,
    phase: &str,
) -> Result<Option<T>, ReportError> {
    let unreadable = |message: String| ReportError::Read {
        path: path.display().to_string(),
        message,
    };
    match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| unreadable(format!("{e}; run `deskshift {phase}` again to rewrite it"))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(unreadable(e.to_string())),
    }
}

/// Every reject once: the same record refused the same way by several runs
/// is listed with its latest run.
fn rejects(ledger: &Ledger) -> Result<Vec<RejectRow>, LedgerError> {
    let mut latest: BTreeMap<(ObjectKind, Option<String>, String, String), RejectRow> =
        BTreeMap::new();
    let mut after = None;
    loop {
        let page = ledger.rejects_page(None, after, PAGE)?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        for record in page {
            let r = record.reject;
            let key = (
                r.kind,
                r.source_id.clone(),
                r.field.clone(),
                r.reason.clone(),
            );
            latest.insert(
                key,
                RejectRow {
                    kind: r.kind,
                    source_id: r.source_id,
                    field: r.field,
                    reason: r.reason,
                    fix: r.hint,
                    phase: record.phase,
                    run: record.run,
                },
            );
        }
    }
    Ok(latest.into_values().collect())
}

impl Reconciliation {
    /// Runs whose counts do not add up.
    pub fn unreconciled(&self) -> Vec<&RunReport> {
        self.runs
            .iter()
            .filter(|r| {
                r.counts
                    .as_ref()
                    .is_some_and(|c| !c.discrepancies.is_empty())
            })
            .collect()
    }

    /// Kinds with rejects.
    pub fn rejected_kinds(&self) -> BTreeSet<ObjectKind> {
        self.rejects.iter().map(|r| r.kind).collect()
    }
}

/// Writes `reconciliation.json`, `reconciliation.md` and
/// `reconciliation.html` into `reports_dir`.
pub fn write_reports(report: &Reconciliation, reports_dir: &Path) -> Result<(), ReportError> {
    let write = |name: &str, body: String| {
        let path = reports_dir.join(name);
        std::fs::create_dir_all(reports_dir)
            .and_then(|_| std::fs::write(&path, body))
            .map_err(|source| ReportError::Write {
                path: path.display().to_string(),
                source,
            })
    };
    let json = serde_json::to_string_pretty(report).map_err(|e| ReportError::Write {
        path: "reconciliation.json".into(),
        source: std::io::Error::other(e),
    })?;
    write("reconciliation.json", json + "\n")?;
    write(
        "reconciliation.md",
        crate::deliverables::markdown::page(outline::outline(report)),
    )?;
    write(
        "reconciliation.html",
        crate::deliverables::html::page(outline::outline(report)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::destination::Mismatch;
    use crate::summary::ObjectSummary;
    use serde_json::json;

    const HOSTILE: &str = "<script>alert('x')</script> & \"quotes\"";

    fn report() -> Reconciliation {
        let mut objects = BTreeMap::new();
        objects.insert(
            ObjectKind::Tickets,
            ObjectSummary {
                source: 3,
                created: 2,
                rejected: 1,
                updated: 1,
                ..ObjectSummary::default()
            },
        );
        objects.insert(
            ObjectKind::Messages,
            ObjectSummary {
                source: 4,
                created: 2,
                ..ObjectSummary::default()
            },
        );
        let now = chrono::Utc::now();
        Reconciliation {
            generated_at: now,
            destination: "gorgias".into(),
            source: "Stames".into(),
            runs: vec![RunReport {
                run: RunId(2),
                command: "migrate".into(),
                status: RunStatus::Failed,
                started_at: now,
                finished_at: Some(now),
                message: None,
                counts: Some(RunCounts {
                    run: RunId(2),
                    phase: "migrate".into(),
                    objects,
                    discrepancies: vec!["messages: source 4 ≠ created 2 + …".into()],
                    finished: true,
                }),
            }],
            discovery: None,
            ledger: BTreeMap::new(),
            verification: Some(VerifyReport {
                counts: [(ObjectKind::Tickets, (1, 1))].into_iter().collect(),
                mismatches: vec![Mismatch {
                    kind: ObjectKind::Tickets,
                    source_id: "7".into(),
                    dest_id: Some("70".into()),
                    field: "subject".into(),
                    expected: HOSTILE.into(),
                    actual: "other | text".into(),
                }],
            }),
            rejects: vec![RejectRow {
                kind: ObjectKind::Tickets,
                source_id: Some("9".into()),
                field: "customer".into(),
                reason: HOSTILE.into(),
                fix: "migrate the customer first".into(),
                phase: "migrate".into(),
                run: RunId(2),
            }],
            skips: Vec::new(),
            repairs: Vec::new(),
            spot_checks: vec![SpotCheck {
                ticket: "7".into(),
                dest_id: Some("70".into()),
                why: vec!["31 messages".into()],
                source: json!({"subject": HOSTILE, "messages": [{"created": "t", "sender": "Zoë", "body": "héllo 🙏"}]}),
                destination: Some(json!({"subject": "S", "messages": []})),
                note: None,
            }],
        }
    }

    #[test]
    fn every_section_renders_and_source_text_stays_inert() {
        let r = report();
        assert_eq!(r.unreconciled().len(), 1);
        let md = crate::deliverables::markdown::page(outline::outline(&r));
        for section in [
            "## 1. Counts per object and phase",
            "## 2. The ledger now",
            "## 3. Verification",
            "## 4. Rejects",
            "## 5. Skips and repairs",
            "## 6. Spot checks",
            "### Ticket 7 → gorgias 70",
        ] {
            assert!(md.contains(section), "{section}\n{md}");
        }
        assert!(md.contains("| NO |"), "the failing kind is flagged");
        assert!(md.contains("other \\| text"), "cells keep their row");
        assert!(!md.contains("<script>"));
        let html = crate::deliverables::html::page(outline::outline(&r));
        assert!(html.starts_with("<!DOCTYPE html>") && html.contains("<h3>"));
        assert!(!html.contains("<script>") && html.contains("&lt;script&gt;"));
        assert!(html.contains("héllo 🙏"));
    }

    #[test]
    fn the_json_round_trips() {
        let r = report();
        let dir = tempfile::tempdir().unwrap();
        write_reports(&r, dir.path()).unwrap();
        let back: Reconciliation = serde_json::from_str(
            &std::fs::read_to_string(dir.path().join("reconciliation.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(back, r);
        for ext in ["md", "html"] {
            assert!(dir.path().join(format!("reconciliation.{ext}")).exists());
        }
    }
}
