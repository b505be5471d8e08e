//! The discovery deliverables a migration team hands over before any record
//! moves (issue 7): the scope document, compatibility and complexity grade,
//! the ETA, the automation inventory, the checklists and the preflight
//! section, written as `reports/deliverables.{json,md,html}`.
//!
//! Everything here is a pure function of the scope report plus what the
//! ledger or the destination already said (skipped agents, measured runs,
//! side effects), so `discover`, `plan` and `report` can all call it and the
//! figures are tested without a network.
//!
//! The core never talks to a destination, but a deliverable has to say how
//! Stames lands in one: the per-destination knowledge (DESIGN.md §4,
//! `docs/mapping-gorgias.md`, the documented API budgets and rule vocabulary)
//! lives in this module's tables, keyed by [`Target`].

pub mod automations;
pub mod checklists;
pub mod compatibility;
pub mod eta;
pub mod grade;
pub(crate) mod html;
pub(crate) mod markdown;
pub(crate) mod outline;
pub mod preflight;
pub mod scope_doc;
mod target;

pub use html::render_html;
pub use markdown::render_markdown;
pub use target::Target;

use crate::destination::notes::Note;
use crate::destination::SideEffect;
use crate::discover::ScopeReport;
use crate::model::Timestamp;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// What the deliverables are built from besides the scope report. Every
/// field but `target` is optional: discovery knows none of them, `report`
/// after a migration knows them all.
#[derive(Debug, Clone, Default)]
pub struct Inputs<'a> {
    /// `[destination] budget` from `deskshift.toml` (`CALLS/SECONDS`).
    pub budget: Option<&'a str>,
    /// The destination's preflight answer, when it was asked.
    pub side_effects: Option<&'a [SideEffect]>,
    /// Why the destination could not answer, when it was asked and failed.
    pub preflight_error: Option<&'a str>,
    /// Agents a migration skipped into the reconciliation queue (the
    /// ledger's `<destination>.notes.skip` notes of kind `users`); `None`
    /// before any migration.
    pub skipped_agents: Option<&'a [Note]>,
    /// A sample migration as measured (refines the ETA).
    pub sample: Option<eta::Measured>,
    /// The full migration as measured (compared with the projection).
    pub actual: Option<eta::Measured>,
}

/// All six deliverables; `reports/deliverables.json`. Field names are a
/// contract: add, never rename.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Deliverables {
    pub generated_at: Timestamp,
    pub destination: Target,
    pub workspace: String,
    pub source: String,
    pub scope: scope_doc::ScopeDocument,
    pub compatibility: compatibility::Compatibility,
    pub complexity: grade::Complexity,
    pub eta: eta::Eta,
    pub automations: automations::AutomationInventory,
    pub checklists: checklists::Checklists,
    pub preflight: preflight::Preflight,
}

/// Builds every deliverable. Fails only on a budget that cannot be read,
/// with a message naming the setting.
pub fn build(
    scope: &ScopeReport,
    target: Target,
    inputs: &Inputs<'_>,
) -> Result<Deliverables, String> {
    let budget = eta::Budget::for_target(target, inputs.budget, scope)?;
    let compatibility = compatibility::assess(target, scope);
    let projection = eta::project(target, &eta::Workload::from_scope(scope), &budget);
    let complexity = grade::grade(&grade::Signals::gather(scope, &compatibility, &projection));
    let eta = eta::Eta::assemble(projection, inputs.sample.clone(), inputs.actual.clone());
    Ok(Deliverables {
        generated_at: chrono::Utc::now(),
        destination: target,
        workspace: scope.workspace.name.clone(),
        source: scope.source.clone(),
        scope: scope_doc::document(target, scope),
        compatibility,
        complexity,
        eta,
        automations: automations::inventory(target, scope),
        checklists: checklists::checklists(target, scope, inputs.skipped_agents),
        preflight: match inputs.preflight_error {
            Some(error) => preflight::unanswered(target, error),
            None => preflight::section(target, inputs.side_effects),
        },
    })
}

/// Writes `deliverables.json`, `deliverables.md` and `deliverables.html`
/// into `reports_dir`.
pub fn write_reports(deliverables: &Deliverables, reports_dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(reports_dir)?;
    let json = serde_json::to_string_pretty(deliverables).map_err(std::io::Error::other)?;
    std::fs::write(reports_dir.join("deliverables.json"), json + "\n")?;
    std::fs::write(
        reports_dir.join("deliverables.md"),
        render_markdown(deliverables),
    )?;
    std::fs::write(
        reports_dir.join("deliverables.html"),
        render_html(deliverables),
    )
}

#[cfg(test)]
pub(crate) mod fixture;
