//! `deskshift plan`: what `migrate` would do, found offline. The destination
//! runs every source record through the confirmed map and the validators its
//! writer uses ([`deskshift_core::plan`]); the preflight and the projected
//! calls and duration come from the deliverables. Writes
//! `reports/plan.{json,md}`; nothing is written to the destination.

use super::report::{require_scope, write_deliverable_reports, PreflightAnswer};
use super::session::Session;
use crate::cli::PlanArgs;
use crate::exit::{CliError, CliResult};
use deskshift_core::ledger::Ledger;
use deskshift_core::plan::{Outcome, PlanReport};

pub async fn run(args: PlanArgs) -> CliResult {
    let session = Session::open(&args.common.project, args.common.json)?;
    let ledger = session.ledger()?;
    let (_ledger, report) = plan(&session, ledger).await?;
    let dir = session.project.reports_dir();
    if args.common.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).expect("the plan serialises")
        );
    } else {
        print_plan(&report, &dir);
    }
    Ok(())
}

/// The plan of the session's project under its confirmed map (refused,
/// exit 4, without one), written to `reports/plan.{json,md}`; shared with
/// `demo`.
pub async fn plan(session: &Session, ledger: Ledger) -> CliResult<(Ledger, PlanReport)> {
    let map = session.confirmed_map(&ledger)?;
    let scope = require_scope(&ledger)?;
    let answer = PreflightAnswer::ask(session.destination.as_ref()).await;
    let deliverables = write_deliverable_reports(&session.project, &ledger, &scope, &answer)?
        .ok_or_else(|| {
            CliError::usage(format!(
                "deskshift cannot plan for the destination `{}`",
                session.destination.name()
            ))
        })?;
    let (ledger, tally) = session.phases().plan_load(ledger).await?;
    let report = PlanReport::assemble(
        session.destination.name(),
        &map.hash(),
        tally,
        deliverables.preflight.clone(),
        deliverables.eta.projection.clone(),
    );
    let dir = session.project.reports_dir();
    report.write(&dir).map_err(|e| {
        CliError::failure(format!("cannot write the plan into {}: {e}", dir.display()))
    })?;
    Ok((ledger, report))
}

/// A few lines on the terminal; `reports/plan.md` holds the rest.
fn print_plan(report: &PlanReport, dir: &std::path::Path) {
    println!(
        "{:<22} {:>8} {:>8} {:>9} {:>8} {:>9} {:>8}",
        "object", "source", "create", "repaired", "matched", "rejected", "skipped"
    );
    for (kind, k) in &report.objects {
        println!(
            "{:<22} {:>8} {:>8} {:>9} {:>8} {:>9} {:>8}",
            kind.to_string(),
            k.source,
            k.create,
            k.repaired,
            k.matched,
            k.rejected,
            k.skipped
        );
    }
    for r in report
        .reasons
        .iter()
        .filter(|r| r.outcome == Outcome::Reject)
        .take(10)
    {
        println!(
            "  reject {} × {} ({}): {} — {} (e.g. {})",
            r.count,
            r.kind,
            r.field,
            r.reason,
            r.hint,
            r.examples.join(", ")
        );
    }
    println!("Preflight: {}", report.preflight.summary);
    let p = &report.projection;
    println!(
        "Projected: {} API calls, about {:.0} s for migrate. Nothing was written to {}.",
        p.migrate_calls, p.migrate_duration_s, report.destination
    );
    println!(
        "Full plan: {}. Next: deskshift migrate --sample 20",
        dir.join("plan.md").display()
    );
}
