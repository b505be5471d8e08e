//! `deskshift discover`: inventory the source and write `reports/scope.{json,md}`
//! and the discovery deliverables, `reports/deliverables.{json,md,html}`.

use super::report::{write_deliverable_reports, PreflightAnswer};
use crate::cli::DiscoverArgs;
use crate::exit::{CliError, CliResult};
use crate::sources;
use deskshift_core::discover::{self, human_bytes, ScopeReport};
use deskshift_core::ledger::{Ledger, RunOutcome};
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
    write_deliverable_reports(project, &ledger, &report, &PreflightAnswer::NotAsked)?;
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
