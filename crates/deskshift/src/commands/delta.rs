//! `deskshift delta [--check]`: the cutover sync. Applies what changed in
//! the source since the migration (or the last delta); `--check` only says
//! what changed, for the freeze. Running it twice changes nothing the
//! second time.

use super::session::{keep_summary, print_summary, Session};
use crate::cli::DeltaArgs;
use crate::exit::CliResult;
use deskshift_core::delta::{self, DeltaReport};
use deskshift_core::summary::Summary;
use serde::Serialize;

/// The summary JSON of DESIGN.md §5, with what the window held.
#[derive(Serialize)]
struct DeltaJson<'a> {
    #[serde(flatten)]
    summary: &'a Summary,
    delta: &'a DeltaReport,
}

pub async fn run(args: DeltaArgs) -> CliResult {
    let session = Session::open(&args.common.project, args.common.json)?;
    let overlap = std::time::Duration::from_secs(u64::from(args.overlap));
    if args.check {
        let (_, report) = delta::check(session.ledger()?, session.source.as_ref(), overlap).await?;
        if args.common.json {
            println!(
                "{}",
                serde_json::to_string_pretty(&report).expect("report serialises")
            );
        } else {
            print_changes(&report);
        }
        return Ok(());
    }
    let (ledger, summary, report) = session
        .phases()
        .delta(session.ledger()?, overlap, args.allow_active_rules)
        .await?;
    keep_summary(&ledger, "delta", &summary)?;
    if args.common.json {
        let json = DeltaJson {
            summary: &summary,
            delta: &report,
        };
        println!(
            "{}",
            serde_json::to_string_pretty(&json).expect("summary serialises")
        );
    } else {
        print_changes(&report);
        print_summary(&summary, false);
    }
    Ok(())
}

fn print_changes(report: &DeltaReport) {
    let w = &report.window;
    println!(
        "Changes since {} (the start of {} run {}, minus {} s of overlap):",
        w.since.to_rfc3339(),
        w.baseline_command,
        w.baseline_run,
        w.overlap_s
    );
    for (kind, c) in &report.changes {
        println!(
            "  {kind:<22} new {:>5}  changed {:>5}  pre-existing, left as they are {:>4}  unchanged {:>5}",
            c.new, c.changed, c.kept, c.unchanged
        );
    }
    let verb = if report.applied {
        "applied"
    } else {
        "to apply"
    };
    println!("{} changes {verb}", report.pending);
}
