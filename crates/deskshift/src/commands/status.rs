//! `deskshift status`: where the project stands, from the ledger alone (no
//! network), as text or as the summary JSON.

use crate::cli::StatusArgs;
use crate::exit::CliResult;
use deskshift_core::ledger::Ledger;
use deskshift_core::project::Project;
use deskshift_core::summary::Summary;

/// The last summary a phase kept, if any.
fn kept(ledger: &Ledger, phase: &str) -> CliResult<Option<Summary>> {
    Ok(ledger
        .meta(&super::session::summary_key(phase))?
        .and_then(|json| serde_json::from_str(&json).ok()))
}

pub fn run(args: StatusArgs) -> CliResult {
    let project = Project::open(&args.common.project)?;
    let ledger = Ledger::open(project.ledger_path())?;
    let mut summary = kept(&ledger, "discover")?.unwrap_or_else(|| Summary {
        destination: Some(project.config.destination.kind.clone()),
        objects: Default::default(),
        api: Default::default(),
        sends_detected: 0,
        duration_s: 0.0,
        phases: Vec::new(),
        reconciled: true,
        stages: Default::default(),
    });
    summary.destination = Some(project.config.destination.kind.clone());
    // The latest load and read-back say how each record ended.
    if let Some(migrate) = kept(&ledger, "migrate")? {
        for (kind, o) in migrate.objects {
            let entry = summary.objects.entry(kind).or_default();
            (entry.created, entry.matched) = (o.created, o.matched);
            (entry.rejected, entry.skipped) = (o.rejected, o.skipped);
        }
        summary.api = migrate.api;
        summary.phases.extend(migrate.phases);
    }
    if let Some(verify) = kept(&ledger, "verify")? {
        for (kind, o) in verify.objects {
            let entry = summary.objects.entry(kind).or_default();
            (entry.verified, entry.mismatched) = (o.verified, o.mismatched);
        }
        summary.phases.extend(verify.phases);
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
