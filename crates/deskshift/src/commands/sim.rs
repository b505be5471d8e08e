//! `deskshift sim`: run an emulator in the foreground until Ctrl-C, or write an
//! export bundle and exit.

use crate::cli::{GorgiasSimArgs, SalesforceSimArgs, SimArgs, SimService, StamesSimArgs};
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
        SimService::Gorgias(args) => gorgias(args).await,
        SimService::Salesforce(args) => salesforce(args).await,
    }
}

fn parse_budget(text: &str) -> CliResult<Budget> {
    text.parse::<Budget>()
        .map_err(|e| CliError::usage(format!("--budget {text}: {e}")))
}

/// Prints the contract line once connections are accepted, flushed at once so
/// a parent process can wait for it, then serves until Ctrl-C.
async fn announce_and_wait(url: &str) {
    println!("listening on {url}");
    let _ = std::io::stdout().flush();
    let _ = tokio::signal::ctrl_c().await;
}

async fn gorgias(args: GorgiasSimArgs) -> CliResult {
    use deskshift_sim::faults::FaultSpec;
    use deskshift_sim::gorgias::{Credentials, GorgiasConfig, GorgiasEmulator};
    let budget = parse_budget(&args.budget)?;
    let faults = args
        .faults
        .parse::<FaultSpec>()
        .map_err(|e| CliError::usage(format!("--faults {}: {e}", args.faults)))?;
    let customer_data_on_create = args
        .customer_data_on_create
        .parse()
        .map_err(|e| CliError::usage(format!("--customer-data-on-create: {e}")))?;
    let config = GorgiasConfig {
        budget,
        credentials: Credentials::from_env(),
        state_file: args.state.clone(),
        faults,
        customer_data_on_create,
        ..GorgiasConfig::default()
    };
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, args.port));
    let emulator = GorgiasEmulator::start(config, addr).await.map_err(|e| {
        CliError::failure(format!("cannot start the Gorgias emulator on {addr}: {e}"))
    })?;
    eprintln!("Gorgias emulator (budget {budget}, faults {})", args.faults);
    announce_and_wait(&emulator.url()).await;
    emulator.shutdown().await;
    Ok(())
}

async fn salesforce(args: SalesforceSimArgs) -> CliResult {
    use deskshift_sim::faults::FaultSpec;
    use deskshift_sim::salesforce::{
        Credentials, OrgSettings, SalesforceConfig, SalesforceEmulator,
    };
    let faults = args
        .faults
        .parse::<FaultSpec>()
        .map_err(|e| CliError::usage(format!("--faults {}: {e}", args.faults)))?;
    let config = SalesforceConfig {
        credentials: Credentials::from_env(),
        org: OrgSettings {
            set_audit_fields: args.audit_fields,
            ..OrgSettings::default()
        },
        state_file: args.state.clone(),
        faults,
        daily_limit: args.daily_limit,
        ..SalesforceConfig::default()
    };
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, args.port));
    let emulator = SalesforceEmulator::start(config, addr).await.map_err(|e| {
        CliError::failure(format!(
            "cannot start the Salesforce emulator on {addr}: {e}"
        ))
    })?;
    eprintln!(
        "Salesforce emulator (daily limit {}, faults {}); token endpoint {}/services/oauth2/token",
        args.daily_limit,
        args.faults,
        emulator.url()
    );
    announce_and_wait(&emulator.url()).await;
    emulator.shutdown().await;
    Ok(())
}

async fn stames(args: StamesSimArgs) -> CliResult {
    let budget = match &args.budget {
        Some(text) => parse_budget(text)?,
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
    announce_and_wait(&emulator.url()).await;
    emulator.shutdown().await;
    Ok(())
}
