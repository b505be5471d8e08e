//! `deskshift report`: (re)writes the reports a person reads and signs off,
//! from what is known now. Each report is one function below; the command
//! calls them all.
//!
//! - The deliverables (`reports/deliverables.{json,md,html}`) come from the
//!   scope report discovery kept in the ledger, the destination's preflight
//!   answer (asked now: rules change), the agents the migration skipped into
//!   the reconciliation queue (ledger notes), and the sample and full runs
//!   the ledger measured, so after a full run the ETA compares projection
//!   and reality. They need no source.
//! - The reconciliation (`reports/reconciliation.{json,md,html}`): counts per
//!   object and phase, verification, rejects and skips with their fixes, and
//!   the spot-check packet, which reads the source and the destination.

use super::session::Session;
use crate::cli::ReportArgs;
use crate::exit::{CliError, CliResult};
use deskshift_core::deliverables::{self, eta, Deliverables, Inputs, Target};
use deskshift_core::destination::notes::{self, Category, Note};
use deskshift_core::destination::{Destination, SideEffect};
use deskshift_core::discover::{kept_scope, ScopeReport};
use deskshift_core::ledger::Ledger;
use deskshift_core::model::ObjectKind;
use deskshift_core::project::Project;
use deskshift_core::reconciliation::{self, Reconciliation};
use serde_json::json;
use std::path::Path;

/// What the destination said when asked for the side effects of a load.
pub enum PreflightAnswer {
    /// Not asked (discovery needs no destination credentials).
    NotAsked,
    Answered(Vec<SideEffect>),
    /// Asked, and it could not answer: the reason, for the report.
    Failed(String),
}

impl PreflightAnswer {
    /// Asks `destination`; a failure is kept as the answer, not raised, so
    /// the other sections are still written.
    pub async fn ask(destination: &dyn Destination) -> PreflightAnswer {
        match destination.preflight().await {
            Ok(effects) => PreflightAnswer::Answered(effects),
            Err(error) => PreflightAnswer::Failed(error.to_string()),
        }
    }
}

pub async fn run(args: ReportArgs) -> CliResult {
    let project = Project::open(&args.common.project)?;
    let ledger = Ledger::open(project.ledger_path())?;
    let scope = require_scope(&ledger)?;
    let dir = project.reports_dir();
    // The source and the destination: the preflight and the spot checks
    // need them; the rest of the reports are written without.
    let session = Session::open(&project.dir, args.common.json);
    let answer = match &session {
        Ok(session) => PreflightAnswer::ask(session.destination.as_ref()).await,
        Err(error) => PreflightAnswer::Failed(error.message.clone()),
    };
    let written = write_deliverable_reports(&project, &ledger, &scope, &answer)?;
    drop(ledger);
    let reconciliation = match &session {
        Ok(session) => Some(write_reconciliation_reports(session).await?),
        Err(_) => None,
    };
    if args.common.json {
        let value = json!({
            "deliverables": written,
            "reconciliation": reconciliation.as_ref().map(|r| reconciliation_summary(r, &dir)),
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&value).expect("reports serialise")
        );
    } else {
        if let Some(d) = &written {
            print_deliverables(d, &dir);
        }
        if let Some(r) = &reconciliation {
            print_reconciliation(r, &dir);
        }
    }
    match (session, &answer) {
        (Err(mut error), _) => {
            error.message = format!(
                "the deliverables in {} are written, but {} could not be reached for its \
                 preflight and the reconciliation's spot checks: {}",
                dir.display(),
                project.config.destination.kind,
                error.message
            );
            Err(error)
        }
        (Ok(_), PreflightAnswer::Failed(reason)) => Err(CliError::failure(format!(
            "the reports in {} are written, but the preflight section is missing: {} did not \
             answer ({reason}); run `deskshift report` again once it does",
            dir.display(),
            project.config.destination.kind
        ))),
        _ => Ok(()),
    }
}

/// The scope report discovery kept, or what to run to get one.
pub fn require_scope(ledger: &Ledger) -> CliResult<ScopeReport> {
    kept_scope(ledger)?.ok_or_else(|| {
        CliError::usage(
            "this project has no discovery yet: run `deskshift discover` first (the reports \
             are built from its scope report)",
        )
    })
}

/// Writes `reports/deliverables.{json,md,html}` from `scope`, the
/// preflight `answer` and what the ledger knows (runs measured, agents
/// skipped). `None` when the configured destination is not one deskshift
/// describes. Shared by `discover`, `report` and `demo`.
pub fn write_deliverable_reports(
    project: &Project,
    ledger: &Ledger,
    scope: &ScopeReport,
    answer: &PreflightAnswer,
) -> CliResult<Option<Deliverables>> {
    let kind = &project.config.destination.kind;
    let Some(target) = Target::parse(kind) else {
        tracing::warn!(destination = %kind, "no deliverables for this destination");
        return Ok(None);
    };
    let tickets = scope.counts.get(&ObjectKind::Tickets).map_or(0, |c| c.read);
    let (sample, actual) = eta::runs::kept(ledger, tickets)?;
    let migrated = ledger
        .meta(&super::session::summary_key("migrate"))?
        .is_some();
    let skipped: Option<Vec<Note>> = if migrated {
        Some(notes::read_ledger(ledger, kind, Category::Skip)?)
    } else {
        None
    };
    let (side_effects, preflight_error) = match answer {
        PreflightAnswer::NotAsked => (None, None),
        PreflightAnswer::Answered(effects) => (Some(effects.as_slice()), None),
        PreflightAnswer::Failed(reason) => (None, Some(reason.as_str())),
    };
    let inputs = Inputs {
        budget: project.config.destination.budget.as_deref(),
        side_effects,
        preflight_error,
        skipped_agents: skipped.as_deref(),
        sample,
        actual,
    };
    let built = deliverables::build(scope, target, &inputs).map_err(CliError::usage)?;
    let dir = project.reports_dir();
    deliverables::write_reports(&built, &dir).map_err(|e| {
        CliError::failure(format!(
            "cannot write the deliverables into {}: {e}",
            dir.display()
        ))
    })?;
    Ok(Some(built))
}

/// A few lines on the terminal; the reports hold the rest.
fn print_deliverables(d: &Deliverables, dir: &Path) {
    println!(
        "{} → {}: complexity {} ({}); {}",
        d.workspace,
        d.destination,
        d.complexity.grade,
        d.complexity.label,
        d.compatibility.headline
    );
    let p = &d.eta.projection;
    println!(
        "ETA from the scope: {} API calls ({} in migrate), about {:.0} s of migrate",
        p.total_calls, p.migrate_calls, p.migrate_duration_s
    );
    if let Some(r) = &d.eta.refined {
        println!(
            "Refined by the {}-ticket sample: the rest takes {} calls, about {:.0} s",
            r.sample.tickets, r.remaining_calls, r.remaining_duration_s
        );
    }
    if let Some(c) = &d.eta.comparison {
        println!(
            "Full run: {} calls in {:.1} s; projected ({}) {} calls, {:.1} s ({:+.1} %)",
            c.actual_calls,
            c.actual_duration_s,
            c.basis,
            c.projected_calls,
            c.projected_duration_s,
            c.duration_error_pct
        );
    }
    println!(
        "Automations to rebuild: {}; agents in the reconciliation queue: {}",
        d.automations.entries.len(),
        d.checklists.agents.agents.len()
    );
    println!("Preflight: {}", d.preflight.summary);
    println!(
        "Reports: {dir}/deliverables.html (and .md, .json)",
        dir = dir.display()
    );
}

/// `reports/reconciliation.{json,md,html}`: counts per object and phase,
/// verification, rejects and skips with their fixes, and the spot-check
/// packet (reads the source and the destination).
pub async fn write_reconciliation_reports(session: &Session) -> CliResult<Reconciliation> {
    let ledger = session.ledger()?;
    let dir = session.project.reports_dir();
    let report = reconciliation::build(
        &ledger,
        session.source.as_ref(),
        session.destination.as_ref(),
        &dir,
    )
    .await
    .map_err(CliError::failure)?;
    reconciliation::write_reports(&report, &dir).map_err(CliError::failure)?;
    Ok(report)
}

/// The reconciliation in the `--json` answer: where it is and what it says.
fn reconciliation_summary(report: &Reconciliation, dir: &Path) -> serde_json::Value {
    json!({
        "reports": reconciliation_files(dir),
        "runs": report.runs.len(),
        "unreconciled_runs": report.unreconciled().iter().map(|r| r.run).collect::<Vec<_>>(),
        "mismatches": report.verification.as_ref().map(|v| v.mismatches.len()),
        "rejects": report.rejects.len(),
        "skips": report.skips.len(),
        "spot_checks": report.spot_checks.len(),
    })
}

fn reconciliation_files(dir: &Path) -> Vec<String> {
    ["json", "md", "html"]
        .iter()
        .map(|ext| {
            dir.join(format!("reconciliation.{ext}"))
                .display()
                .to_string()
        })
        .collect()
}

fn print_reconciliation(report: &Reconciliation, dir: &Path) {
    println!(
        "Reconciliation: {} runs ({} not adding up), {}, {} rejects, {} skips, {} spot checks",
        report.runs.len(),
        report.unreconciled().len(),
        match report.verification.as_ref().map(|v| v.mismatches.len()) {
            None => "not verified yet".to_string(),
            Some(n) => format!("{n} field mismatches"),
        },
        report.rejects.len(),
        report.skips.len(),
        report.spot_checks.len()
    );
    for file in reconciliation_files(dir) {
        println!("  {file}");
    }
}
