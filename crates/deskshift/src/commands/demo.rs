//! `deskshift demo`: the whole flow on built-in emulators, no accounts needed.
//!
//! Today the flow is: start the Stames emulator on loopback → create a project
//! in `--dir` → discover. Each destination phase joins here as it is built.

use crate::cli::DemoArgs;
use crate::commands::discover::{discover_project, print_scope};
use crate::exit::{CliError, CliResult};
use deskshift_core::project::{Config, DestinationConfig, Project, SourceConfig, CONFIG_FILE};
use deskshift_core::summary::Summary;
use deskshift_sim::stames::{Credentials, StamesConfig, StamesEmulator};
use deskshift_sim::Budget;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;

pub async fn run(args: DemoArgs) -> CliResult {
    prepare_dir(&args.dir)?;
    let config = StamesConfig {
        seed: args.seed,
        tickets: args.tickets,
        budget: Budget::default(),
        credentials: Credentials::from_env(),
        state_file: None,
        malformed: 0,
    };
    let emulator = StamesEmulator::start(config, SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await
        .map_err(|e| CliError::failure(format!("cannot start the Stames emulator: {e}")))?;
    if !args.json {
        eprintln!(
            "Stames emulator listening on {} ({} tickets, seed {})",
            emulator.url(),
            args.tickets,
            args.seed
        );
    }
    let project = Project::init(
        &args.dir,
        Config {
            source: SourceConfig::stames_api(emulator.url()),
            destination: DestinationConfig {
                kind: args.dest.as_str().to_string(),
                url: None,
            },
        },
        true,
    )?;
    let result = discover_project(&project, args.json).await;
    emulator.shutdown().await;
    let report = result?;
    if args.json {
        let summary = Summary::from_scope(Some(args.dest.as_str().to_string()), &report);
        println!(
            "{}",
            serde_json::to_string_pretty(&summary).expect("summary serialises")
        );
    } else {
        print_scope(&report, &project);
        println!(
            "\nThe {} destination phases are not built yet; this demo ran discovery only.",
            args.dest.as_str()
        );
    }
    if report.reconciled {
        Ok(())
    } else {
        Err(CliError::failure(report.discrepancies.join("; ")))
    }
}

/// A demo directory is reused across runs: an earlier demo project is reset,
/// anything else is left alone.
fn prepare_dir(dir: &Path) -> CliResult {
    if !dir.exists() {
        return Ok(());
    }
    if !dir.join(CONFIG_FILE).exists() {
        let empty = std::fs::read_dir(dir)
            .map(|mut entries| entries.next().is_none())
            .unwrap_or(false);
        if !empty {
            return Err(CliError::usage(format!(
                "{} exists and is not a deskshift project; pass --dir with a new or empty directory",
                dir.display()
            )));
        }
        return Ok(());
    }
    for name in ["deskshift.db", "deskshift.db-wal", "deskshift.db-shm"] {
        let path = dir.join(name);
        if path.exists() {
            std::fs::remove_file(&path)
                .map_err(|e| CliError::failure(format!("cannot reset {}: {e}", path.display())))?;
        }
    }
    Ok(())
}
