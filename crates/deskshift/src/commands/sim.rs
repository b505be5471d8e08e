//! `deskshift sim`: run an emulator in the foreground until Ctrl-C, or write an
//! export bundle and exit.

use crate::cli::{SimArgs, SimService, StamesSimArgs};
use crate::exit::{CliError, CliResult};
use deskshift_sim::stames::{
    write_export, Credentials, GenerateOptions, StamesConfig, StamesData, StamesEmulator,
};
use deskshift_sim::Budget;
use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};

pub async fn run(args: SimArgs) -> CliResult {
    match args.service {
        SimService::Stames(args) => stames(args).await,
    }
}

async fn stames(args: StamesSimArgs) -> CliResult {
    let budget = match &args.budget {
        Some(text) => text
            .parse::<Budget>()
            .map_err(|e| CliError::usage(format!("--budget {text}: {e}")))?,
        None => Budget::default(),
    };
    if let Some(dir) = &args.export {
        // The bundle carries the account id the server would serve, so an export
        // and a live emulator started with the same variables describe one workspace.
        let data = StamesData::generate_with(&GenerateOptions {
            seed: args.seed,
            tickets: args.tickets,
            malformed: args.malformed,
            account_id: Credentials::from_env().account_id,
        });
        let summary = write_export(&data, dir).map_err(|e| {
            CliError::failure(format!(
                "cannot write export bundle to {}: {e}",
                dir.display()
            ))
        })?;
        println!(
            "wrote Stames export bundle to {} ({summary})",
            dir.display()
        );
        return Ok(());
    }
    let config = StamesConfig {
        seed: args.seed,
        tickets: args.tickets,
        budget,
        credentials: Credentials::from_env(),
        state_file: args.state.clone(),
        malformed: args.malformed,
    };
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, args.port));
    let emulator = StamesEmulator::start(config, addr).await.map_err(|e| {
        CliError::failure(format!("cannot start the Stames emulator on {addr}: {e}"))
    })?;
    let totals = emulator
        .totals()
        .iter()
        .map(|(kind, n)| format!("{kind} {n}"))
        .collect::<Vec<_>>()
        .join(", ");
    eprintln!(
        "Stames emulator (seed {}, budget {budget}): {totals}",
        args.seed
    );
    // The contract line: printed once connections are accepted, flushed at once
    // so a parent process can wait for it.
    println!("listening on {}", emulator.url());
    let _ = std::io::stdout().flush();
    let _ = tokio::signal::ctrl_c().await;
    emulator.shutdown().await;
    Ok(())
}
