//! `deskshift report`: writes the reports a person reads and signs off.
//! Each report is one function below, so reports added by other work sit
//! beside these and the command calls them all.

use super::session::Session;
use crate::cli::ReportArgs;
use crate::exit::{CliError, CliResult};
use deskshift_core::reconciliation::{self, Reconciliation};
use serde_json::json;

pub async fn run(args: ReportArgs) -> CliResult {
    let session = Session::open(&args.common.project, args.common.json)?;
    let report = write_reconciliation_reports(&session).await?;
    let dir = session.project.reports_dir();
    let files: Vec<String> = ["json", "md", "html"]
        .iter()
        .map(|ext| {
            dir.join(format!("reconciliation.{ext}"))
                .display()
                .to_string()
        })
        .collect();
    let mismatches = report.verification.as_ref().map(|v| v.mismatches.len());
    if args.common.json {
        let summary = json!({
            "reports": files,
            "runs": report.runs.len(),
            "unreconciled_runs": report.unreconciled().iter().map(|r| r.run).collect::<Vec<_>>(),
            "mismatches": mismatches,
            "rejects": report.rejects.len(),
            "skips": report.skips.len(),
            "spot_checks": report.spot_checks.len(),
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&summary).expect("summary serialises")
        );
    } else {
        println!(
            "Reconciliation: {} runs ({} not adding up), {}, {} rejects, {} skips, {} spot checks",
            report.runs.len(),
            report.unreconciled().len(),
            match mismatches {
                None => "not verified yet".to_string(),
                Some(n) => format!("{n} field mismatches"),
            },
            report.rejects.len(),
            report.skips.len(),
            report.spot_checks.len()
        );
        for file in &files {
            println!("  {file}");
        }
    }
    Ok(())
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
