//! The writing phases — `prepare`, `migrate`, `verify` — as the binary runs
//! them against any [`Destination`]: each one a ledger run, gated where it must
//! be, ending with a reconciliation a person can read.

use super::stages::{Stage, StageClock};
use super::{gates, Counts, Journal};
use crate::destination::{
    Destination, DestinationError, LoadContext, Scope, SideEffect, VerifyReport,
};
use crate::ledger::{Ledger, LedgerError, RunOutcome};
use crate::mapping::{confirmation, lineage, FieldMap};
use crate::model::ObjectKind;
use crate::plan::PlanTally;
use crate::progress::Progress;
use crate::source::{ApiStats, Source};
use crate::summary::{ApiSummary, Summary};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Why a phase did not complete. The binary maps each to an exit code.
#[derive(Debug, thiserror::Error)]
pub enum PhaseError {
    /// A gate refused to start (exit 4): the message says what to run instead.
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Destination(#[from] DestinationError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// The run finished but the counts do not add up (invariant 1).
    #[error("the run finished but does not reconcile: {}", .0.join("; "))]
    Unreconciled(Vec<String>),
    #[error("cannot write {path}: {source}")]
    Report {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The field map a writing phase applies: the one confirmed in the ledger
/// (`deskshift map confirm` records it; the binary's gate has already
/// checked that `mapping.toml` still matches it). Without one nothing is
/// written: there is no built-in map to fall back to.
pub fn applied_map(ledger: &Ledger) -> Result<FieldMap, PhaseError> {
    match confirmation::confirmed(ledger)? {
        Some(confirmed) => Ok(confirmed.map),
        None => Err(PhaseError::Refused(
            "no field map has been confirmed for this project: run `deskshift map propose`, \
             review mapping.toml, then `deskshift map confirm`"
                .into(),
        )),
    }
}

/// What the phases need from the project.
pub struct Phases<'a> {
    pub source: &'a dyn Source,
    pub destination: &'a dyn Destination,
    pub progress: &'a dyn Progress,
    pub cache_dir: &'a Path,
    pub reports_dir: &'a Path,
}

/// The blocking side effects of a destination, refused unless `allow`.
pub async fn preflight_gate(
    destination: &dyn Destination,
    allow: bool,
) -> Result<Vec<SideEffect>, PhaseError> {
    let effects = destination.preflight().await?;
    let blocking: Vec<&SideEffect> = effects.iter().filter(|e| e.blocking).collect();
    if blocking.is_empty() || allow {
        return Ok(effects);
    }
    let mut message = format!(
        "{} {} in {} would act on migrated records:",
        blocking.len(),
        if blocking.len() == 1 {
            "automation"
        } else {
            "automations"
        },
        destination.name()
    );
    // Each destination says what can be done about its own automation
    // (Gorgias rules can be paused by `prepare`, Salesforce's cannot).
    for effect in &blocking {
        let _ = write!(
            message,
            " {} {} \"{}\" ({}): {};",
            effect.kind, effect.id, effect.name, effect.effect, effect.handling
        );
    }
    message.push_str(" nothing was written");
    Err(PhaseError::Refused(message))
}

/// Begins a run that writes to the destination: refused while records an
/// earlier run wrote under another field map are in force
/// ([`crate::mapping::lineage`]); stamped with the confirmed map's hashes.
pub(crate) fn begin_writing(ledger: Ledger, command: &str) -> Result<Journal, PhaseError> {
    lineage::check(&ledger, command)?;
    let journal = Journal::begin(ledger, command)?;
    let run = journal.run();
    journal.with(|ledger| lineage::stamp(ledger, run))?;
    Ok(journal)
}

impl Phases<'_> {
    /// `deskshift prepare`: destination schema, optionally pausing side effects.
    pub async fn prepare(&self, ledger: Ledger, pause: bool) -> Result<Ledger, PhaseError> {
        gates::rollback_gate(&ledger, "prepare")?;
        let map = applied_map(&ledger)?;
        let journal = begin_writing(ledger, "prepare")?;
        let counts = Counts::default();
        let outcome = self
            .destination
            .prepare(&self.context(&journal, &counts, self.progress, &map), pause)
            .await;
        close(journal, "prepare", &counts, outcome)
    }

    /// `deskshift migrate`: the gated, journaled load; returns the summary.
    pub async fn migrate(
        &self,
        ledger: Ledger,
        scope: &Scope,
        allow_side_effects: bool,
    ) -> Result<(Ledger, Summary), PhaseError> {
        gates::rollback_gate(&ledger, "migrate")?;
        gates::reconciliation_gate(&ledger, "migrate")?;
        let mut run = Measure::begin(self.destination);
        preflight_gate(self.destination, allow_side_effects).await?;
        let map = applied_map(&ledger)?;
        let journal = begin_writing(ledger, "migrate")?;
        let counts = Counts::default();
        let destination = self.destination;
        let calls = move || destination.api_stats().calls;
        let clock = StageClock::new(self.progress, &calls);
        let outcome = self
            .destination
            .migrate(&self.context(&journal, &counts, &clock, &map), scope)
            .await;
        let ledger = close(journal, "migrate", &counts, outcome)?;
        run.stages = clock.stages();
        Ok((ledger, self.summary(&counts, run, "migrate")))
    }

    /// `deskshift verify`: reads everything back; writes `reports/verify.*`.
    /// Mismatches are a result, not an error: the caller decides the exit code.
    pub async fn verify(
        &self,
        ledger: Ledger,
    ) -> Result<(Ledger, Summary, VerifyReport), PhaseError> {
        gates::reconciliation_gate(&ledger, "verify")?;
        let map = applied_map(&ledger)?;
        let run = Measure::begin(self.destination);
        let journal = Journal::begin(ledger, "verify")?;
        let scratch = Counts::default();
        let report = match self
            .destination
            .verify(&self.context(&journal, &scratch, self.progress, &map))
            .await
        {
            Ok(report) => report,
            Err(err) => {
                journal.finish(RunOutcome::Failed(err.to_string()))?;
                return Err(err.into());
            }
        };
        // The report is the one account of what was verified; whatever the
        // destination tallied in `scratch` on the way is not counted again.
        let counts = Counts::default();
        for (kind, (verified, mismatched)) in &report.counts {
            counts.verified(*kind, *verified, *mismatched);
        }
        write_verify_reports(&report, self.reports_dir)?;
        let outcome = if report.is_clean() {
            RunOutcome::Succeeded
        } else {
            RunOutcome::Failed(format!("{} field mismatches", report.mismatches.len()))
        };
        let ledger = journal.finish(outcome)?;
        Ok((ledger, self.summary(&counts, run, "verify"), report))
    }

    /// `deskshift plan`: the destination's verdict on every source record
    /// under the confirmed map, as a ledger run that writes nothing else.
    pub async fn plan_load(&self, ledger: Ledger) -> Result<(Ledger, PlanTally), PhaseError> {
        let map = applied_map(&ledger)?;
        let journal = Journal::begin(ledger, "plan")?;
        let scratch = Counts::default();
        let tally = PlanTally::new();
        let outcome = self
            .destination
            .plan(
                &self.context(&journal, &scratch, self.progress, &map),
                &tally,
            )
            .await;
        let ledger = match outcome {
            Ok(()) => journal.finish(RunOutcome::Succeeded)?,
            Err(err) => {
                journal.finish(RunOutcome::Failed(err.to_string()))?;
                return Err(err.into());
            }
        };
        Ok((ledger, tally))
    }

    pub(crate) fn context<'c>(
        &'c self,
        journal: &'c Journal,
        counts: &'c Counts,
        progress: &'c dyn Progress,
        map: &'c FieldMap,
    ) -> LoadContext<'c> {
        self.context_over(self.source, journal, counts, progress, map)
    }

    /// A context reading `source` instead of the project's source (delta
    /// reads a narrowed view of it).
    pub(crate) fn context_over<'c>(
        &'c self,
        source: &'c dyn Source,
        journal: &'c Journal,
        counts: &'c Counts,
        progress: &'c dyn Progress,
        map: &'c FieldMap,
    ) -> LoadContext<'c> {
        LoadContext {
            source,
            journal,
            counts,
            progress,
            cache_dir: self.cache_dir,
            map,
        }
    }

    /// The phase's summary: its counts, the calls *it* made (a destination
    /// shared by several phases, as in `demo`, keeps counting across them)
    /// and how long it took.
    pub(crate) fn summary(&self, counts: &Counts, run: Measure, phase: &str) -> Summary {
        let now = self.destination.api_stats();
        let calls = ApiStats {
            calls: now.calls.saturating_sub(run.before.calls),
            rate_limited: now.rate_limited.saturating_sub(run.before.rate_limited),
            retries: now.retries.saturating_sub(run.before.retries),
        };
        Summary {
            destination: Some(self.destination.name().to_string()),
            objects: counts.snapshot(),
            api: ApiSummary {
                budget_utilization: self.destination.budget_utilization().unwrap_or(0.0),
                ..ApiSummary::from(calls)
            },
            sends_detected: 0,
            duration_s: run.started.elapsed().as_secs_f64(),
            phases: vec![phase.to_string()],
            reconciled: counts.discrepancies().is_empty(),
            stages: run.stages,
        }
    }
}

/// Where a phase started: the destination's call counters and the clock.
pub(crate) struct Measure {
    before: ApiStats,
    started: Instant,
    stages: BTreeMap<ObjectKind, Stage>,
}

impl Measure {
    pub(crate) fn begin(destination: &dyn Destination) -> Measure {
        Measure {
            before: destination.api_stats(),
            started: Instant::now(),
            stages: BTreeMap::new(),
        }
    }
}

/// Ends a writing run: failed with the destination's error, failed because the
/// counts do not add up, or succeeded. The counts are kept in the ledger
/// either way ([`gates::RunCounts`]): the next phase's gate and the
/// reconciliation report read them.
pub(crate) fn close(
    journal: Journal,
    phase: &str,
    counts: &Counts,
    outcome: Result<(), DestinationError>,
) -> Result<Ledger, PhaseError> {
    let discrepancies = counts.discrepancies();
    let kept = gates::RunCounts {
        run: journal.run(),
        phase: phase.to_string(),
        objects: counts.snapshot(),
        discrepancies: discrepancies.clone(),
        finished: outcome.is_ok(),
    };
    journal.with(|l| gates::keep_run_counts(l, &kept))?;
    if let Err(err) = outcome {
        journal.finish(RunOutcome::Failed(err.to_string()))?;
        return Err(err.into());
    }
    if !discrepancies.is_empty() {
        journal.finish(RunOutcome::Failed(discrepancies.join("; ")))?;
        return Err(PhaseError::Unreconciled(discrepancies));
    }
    Ok(journal.finish(RunOutcome::Succeeded)?)
}

/// `verify.json` (everything) and `verify.md` (per kind, then each mismatch).
pub fn write_verify_reports(report: &VerifyReport, reports_dir: &Path) -> Result<(), PhaseError> {
    let write = |name: &str, body: String| {
        let path = reports_dir.join(name);
        std::fs::create_dir_all(reports_dir)
            .and_then(|_| std::fs::write(&path, body))
            .map_err(|source| PhaseError::Report { path, source })
    };
    let json = serde_json::to_string_pretty(report).expect("verify report serialises");
    write("verify.json", json + "\n")?;
    write("verify.md", render_verify_markdown(report))
}

pub fn render_verify_markdown(report: &VerifyReport) -> String {
    let mut md = String::from("# Verification\n\n");
    if report.is_clean() {
        md.push_str("Every migrated record reads back as the map says it must.\n\n");
    } else {
        let _ = writeln!(
            md,
            "**{} field mismatches.** Each is listed below with what was expected and what the destination holds.\n",
            report.mismatches.len()
        );
    }
    md.push_str("| object | verified | mismatched |\n|---|---:|---:|\n");
    for (kind, (verified, mismatched)) in &report.counts {
        let _ = writeln!(md, "| {kind} | {verified} | {mismatched} |");
    }
    if !report.mismatches.is_empty() {
        md.push_str("\n## Mismatches\n\n| object | source id | destination id | field | expected | actual |\n|---|---|---|---|---|---|\n");
        for m in &report.mismatches {
            let _ = writeln!(
                md,
                "| {} | {} | {} | `{}` | {} | {} |",
                m.kind,
                m.source_id,
                m.dest_id.as_deref().unwrap_or("—"),
                m.field,
                cell(&m.expected),
                cell(&m.actual)
            );
        }
    }
    md
}

/// A table cell: no pipes or newlines, and long values shortened.
fn cell(text: &str) -> String {
    let flat = text.replace('|', "\\|").replace('\n', " ");
    if flat.chars().count() > 120 {
        format!("{}…", flat.chars().take(120).collect::<String>())
    } else {
        flat
    }
}
