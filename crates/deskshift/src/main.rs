//! The `deskshift` binary: command-line parsing, logging, and exit codes.

mod assist;
mod cli;
mod commands;
mod destinations;
mod exit;
mod local;
mod progress;
mod sources;

use clap::Parser;
use cli::{Cli, Command};
use exit::{CliResult, ExitCode};

fn main() -> std::process::ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // clap prints help and version on stdout with success, usage
            // errors on stderr; only the latter map to exit code 2.
            let _ = err.print();
            return std::process::ExitCode::from(if err.use_stderr() {
                ExitCode::Usage as u8
            } else {
                ExitCode::Success as u8
            });
        }
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return std::process::ExitCode::from(ExitCode::Failure as u8);
        }
    };
    match runtime.block_on(dispatch(cli.command)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {}", err.message);
            std::process::ExitCode::from(err.code as u8)
        }
    }
}

async fn dispatch(command: Command) -> CliResult {
    match command {
        Command::Demo(args) => commands::demo::run(args).await,
        Command::Sim(args) => commands::sim::run(args).await,
        Command::Init(args) => commands::init::run(args),
        Command::Discover(args) => commands::discover::run(args).await,
        Command::Map(command) => commands::map::run(command).await,
        Command::Plan(args) => commands::plan::run(args).await,
        Command::Prepare(args) => commands::prepare::run(args).await,
        Command::Migrate(args) => commands::migrate::run(args).await,
        Command::Verify(args) => commands::verify::run(args).await,
        Command::Report(args) => commands::report::run(args).await,
        Command::Status(args) => commands::status::run(args),
        Command::Delta(args) => commands::delta::run(args).await,
        Command::Rollback(args) => commands::rollback::run(args).await,
    }
}
