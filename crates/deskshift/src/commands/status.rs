//! `deskshift status`: where the project stands, from the ledger alone (no
//! network), as text or as the summary JSON.

use crate::cli::StatusArgs;
use crate::exit::CliResult;
use deskshift_core::ledger::Ledger;
use deskshift_core::project::Project;
use deskshift_core::summary::Summary;

/// Ledger meta key under which discovery stores its summary.
pub const DISCOVER_SUMMARY_KEY: &str = "discover.summary";

pub fn run(args: StatusArgs) -> CliResult {
    let project = Project::open(&args.common.project)?;
    let ledger = Ledger::open(project.ledger_path())?;
    let summary: Option<Summary> = ledger
        .meta(DISCOVER_SUMMARY_KEY)?
        .and_then(|json| serde_json::from_str(&json).ok());
    let mut summary = summary.unwrap_or_else(|| Summary {
        destination: Some(project.config.destination.kind.clone()),
        objects: Default::default(),
        api: Default::default(),
        sends_detected: 0,
        duration_s: 0.0,
        phases: Vec::new(),
        reconciled: true,
    });
    summary.destination = Some(project.config.destination.kind.clone());
    // Fold in what the id map knows (created/matched by later phases).
    for (kind, states) in ledger.id_map_counts()? {
        let entry = summary.objects.entry(kind).or_default();
        entry.created = states.created;
        entry.matched = states.matched;
    }
    let runs = ledger.runs()?;
    let pending = ledger.pending_intents()?;
    if args.common.json {
        let mut value = serde_json::to_value(&summary).expect("summary serialises");
        value["runs"] = serde_json::to_value(
            runs.iter()
                .map(|r| {
                    serde_json::json!({
                        "id": r.id, "command": r.command, "status": r.status.to_string(),
                        "started_at": r.started_at, "finished_at": r.finished_at,
                    })
                })
                .collect::<Vec<_>>(),
        )
        .expect("runs serialise");
        value["pending_intents"] = pending.len().into();
        println!("{}", serde_json::to_string_pretty(&value).expect("json"));
        return Ok(());
    }
    println!(
        "Project {} → {}",
        project.dir.display(),
        project.config.destination.kind
    );
    if runs.is_empty() {
        println!("No runs yet. Next: deskshift discover");
        return Ok(());
    }
    println!("\nRuns:");
    for run in &runs {
        println!(
            "  #{:<4} {:<10} {:<12} started {}",
            run.id,
            run.command,
            run.status.to_string(),
            run.started_at.format("%Y-%m-%d %H:%M:%S UTC")
        );
        if let Some(message) = &run.message {
            println!("        {message}");
        }
    }
    if summary.objects.is_empty() {
        println!("\nNo successful discovery yet: deskshift discover");
    } else {
        println!(
            "\n{:<24}{:>9}{:>9}{:>9}{:>9}",
            "object", "source", "created", "matched", "rejected"
        );
    }
    for (kind, o) in &summary.objects {
        println!(
            "{:<24}{:>9}{:>9}{:>9}{:>9}",
            kind.as_str(),
            o.source,
            o.created,
            o.matched,
            o.rejected
        );
    }
    if !pending.is_empty() {
        println!(
            "\n{} destination writes were interrupted (crash or kill); the next run resolves them.",
            pending.len()
        );
    }
    Ok(())
}
