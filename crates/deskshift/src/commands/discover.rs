//! `deskshift discover`: inventory the source and write `reports/scope.{json,md}`
//! and the discovery deliverables, `reports/deliverables.{json,md,html}`.

use crate::cli::DiscoverArgs;
use crate::exit::{CliError, CliResult};
use crate::sources;
use deskshift_core::deliverables::{self, eta, Deliverables, Inputs, Target};
use deskshift_core::destination::notes::{self, Category, Note};
use deskshift_core::destination::SideEffect;
use deskshift_core::discover::{self, human_bytes, ScopeReport};
use deskshift_core::ledger::{Ledger, RunOutcome};
use deskshift_core::model::ObjectKind;
use deskshift_core::project::Project;
use deskshift_core::summary::Summary;

pub async fn run(args: DiscoverArgs) -> CliResult {
    let project = Project::open(&args.common.project)?;
    let report = discover_project(&project, args.common.json).await?;
    if args.common.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).expect("scope report serialises")
        );
    } else {
        print_scope(&report, &project);
    }
    if report.reconciled {
        Ok(())
    } else {
        Err(CliError::failure(format!(
            "discovery counts do not reconcile: {}",
            report.discrepancies.join("; ")
        )))
    }
}

/// Runs discovery for `project`: one ledger run, reports written, summary kept
/// in the ledger for `status`. Shared by `discover` and `demo`.
pub async fn discover_project(project: &Project, quiet: bool) -> CliResult<ScopeReport> {
    let source = sources::open(project)?;
    let ledger = Ledger::open(project.ledger_path())?;
    let run = ledger.begin_run("discover")?;
    let progress = crate::progress::for_terminal(quiet);
    progress.note(&format!("Discovering {}", source.describe()));
    let outcome = discover::discover(source.as_ref(), &ledger, run, progress.as_ref()).await;
    let report = match outcome {
        Ok(report) => report,
        Err(err) => {
            ledger.finish_run(run, RunOutcome::Failed(err.to_string()))?;
            return Err(err.into());
        }
    };
    discover::write_reports(&report, &project.reports_dir())?;
    write_deliverables(project, &ledger, &report, None)?;
    let summary = Summary::from_scope(Some(project.config.destination.kind.clone()), &report);
    super::session::keep_summary(&ledger, "discover", &summary)?;
    let outcome = if report.reconciled {
        RunOutcome::Succeeded
    } else {
        RunOutcome::Failed(report.discrepancies.join("; "))
    };
    ledger.finish_run(run, outcome)?;
    Ok(report)
}

/// Writes `reports/deliverables.{json,md,html}` from the scope report and
/// what the ledger knows (runs measured, agents skipped), plus the
/// destination's side effects when the caller asked it (`plan`, `report`).
/// `None` when the configured destination is not one deskshift describes.
pub fn write_deliverables(
    project: &Project,
    ledger: &Ledger,
    scope: &ScopeReport,
    side_effects: Option<&[SideEffect]>,
) -> CliResult<Option<Deliverables>> {
    let kind = &project.config.destination.kind;
    let Some(target) = Target::parse(kind) else {
        tracing::warn!(destination = %kind, "no deliverables for this destination");
        return Ok(None);
    };
    let kept = |key: &str| -> CliResult<Option<Summary>> {
        Ok(ledger
            .meta(key)?
            .and_then(|json| serde_json::from_str(&json).ok()))
    };
    let last_migrate = kept(&super::session::summary_key("migrate"))?;
    let tickets = scope.counts.get(&ObjectKind::Tickets).map_or(0, |c| c.read);
    let (sample, actual) = eta::classify_runs(
        kept(eta::SAMPLE_SUMMARY_KEY)?.as_ref(),
        last_migrate.as_ref(),
        tickets,
    );
    let skipped: Option<Vec<Note>> = match last_migrate {
        Some(_) => Some(notes::read_ledger(ledger, kind, Category::Skip)?),
        None => None,
    };
    let inputs = Inputs {
        budget: project.config.destination.budget.as_deref(),
        side_effects,
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

/// The human summary printed after discovery.
pub fn print_scope(report: &ScopeReport, project: &Project) {
    let count = |kind| report.counts.get(&kind).copied().unwrap_or_default();
    use deskshift_core::model::ObjectKind as K;
    println!("\nScope of {} ({})", report.workspace.name, report.source);
    println!(
        "{:<24}{:>10}{:>10}{:>10}",
        "object", "source", "read", "rejected"
    );
    for kind in K::ALL {
        if let Some(c) = report.counts.get(&kind) {
            println!(
                "{:<24}{:>10}{:>10}{:>10}",
                kind.as_str(),
                c.source(),
                c.read,
                c.rejected
            );
        }
    }
    let a = &report.attachments;
    println!(
        "\nAttachments: {} files, {} ({} inline, {} must be re-hosted)",
        a.count,
        human_bytes(a.total_bytes),
        a.inline,
        a.requires_auth
    );
    println!(
        "Channels: {}",
        report
            .channels
            .iter()
            .map(|c| format!("{} {}", c.channel, c.tickets))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "Custom fields: {}; automations to rebuild: {}; items the API cannot reach: {}",
        report.custom_fields.len(),
        count(K::Automations).read,
        report.unreachable.len()
    );
    if report.rejects.total > 0 {
        println!(
            "Rejected: {} records (see reports/scope.md and `deskshift status`)",
            report.rejects.total
        );
    }
    if !report.reconciled {
        for line in &report.discrepancies {
            println!("NOT RECONCILED: {line}");
        }
    }
    println!(
        "\nReports: {dir}/scope.md and scope.json; deliverables in {dir}/deliverables.html \
         (and .md, .json)",
        dir = project.reports_dir().display()
    );
}
