//! What every writing command opens: the project, its source, its destination
//! and its ledger, plus how a summary is printed and kept for `status`.

use crate::exit::CliResult;
use crate::{destinations, sources};
use deskshift_core::destination::Destination;
use deskshift_core::engine::Phases;
use deskshift_core::ledger::Ledger;
use deskshift_core::mapping::confirmation;
use deskshift_core::mapping::FieldMap;
use deskshift_core::progress::Progress;
use deskshift_core::project::Project;
use deskshift_core::source::Source;
use deskshift_core::summary::Summary;
use std::path::{Path, PathBuf};

pub struct Session {
    pub project: Project,
    pub source: Box<dyn Source>,
    pub destination: Box<dyn Destination>,
    pub progress: Box<dyn Progress>,
    cache_dir: PathBuf,
    reports_dir: PathBuf,
}

impl Session {
    pub fn open(dir: &Path, quiet: bool) -> CliResult<Session> {
        let project = Project::open(dir)?;
        Ok(Session {
            source: sources::open(&project)?,
            destination: destinations::open(&project)?,
            progress: crate::progress::for_terminal(quiet),
            cache_dir: project.cache_dir(),
            reports_dir: project.reports_dir(),
            project,
        })
    }

    pub fn ledger(&self) -> CliResult<Ledger> {
        Ok(Ledger::open(self.project.ledger_path())?)
    }

    /// The confirmation gate, beside the preflight gate: the confirmed
    /// field map, or exit 4 with the command to run while `mapping.toml` is
    /// missing, unconfirmed or changed since it was confirmed.
    pub fn confirmed_map(&self, ledger: &Ledger) -> CliResult<FieldMap> {
        Ok(confirmation::require_confirmed(
            &self.project.dir,
            ledger,
            self.destination.name(),
        )?)
    }

    pub fn phases(&self) -> Phases<'_> {
        Phases {
            source: self.source.as_ref(),
            destination: self.destination.as_ref(),
            progress: self.progress.as_ref(),
            cache_dir: &self.cache_dir,
            reports_dir: &self.reports_dir,
        }
    }
}

/// Ledger meta key under which a phase keeps its last summary for `status`.
pub fn summary_key(phase: &str) -> String {
    format!("{phase}.summary")
}

pub fn keep_summary(ledger: &Ledger, phase: &str, summary: &Summary) -> CliResult {
    let json = serde_json::to_string(summary).expect("summary serialises");
    Ok(ledger.set_meta(&summary_key(phase), &json)?)
}

/// The summary as JSON on stdout, or as a table.
pub fn print_summary(summary: &Summary, json: bool) {
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(summary).expect("summary serialises")
        );
        return;
    }
    println!(
        "\n{:<24}{:>8}{:>8}{:>8}{:>9}{:>8}{:>9}{:>11}",
        "object", "source", "created", "matched", "rejected", "skipped", "verified", "mismatched"
    );
    for (kind, o) in &summary.objects {
        println!(
            "{:<24}{:>8}{:>8}{:>8}{:>9}{:>8}{:>9}{:>11}",
            kind.as_str(),
            o.source,
            o.created,
            o.matched,
            o.rejected,
            o.skipped,
            o.verified,
            o.mismatched
        );
    }
    let api = &summary.api;
    println!(
        "\nAPI: {} calls, {} rate-limited, {} retried, budget used {:.0}%; sends detected: {}; {:.1} s",
        api.calls,
        api.rate_limited,
        api.retries,
        api.budget_utilization * 100.0,
        summary.sends_detected,
        summary.duration_s
    );
}
