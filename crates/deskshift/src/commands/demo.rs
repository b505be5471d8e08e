//! `deskshift demo`: the whole flow on built-in emulators, no accounts needed.
//!
//! Both emulators run on loopback inside this process. The Gorgias one starts
//! with an account that already holds some of the workspace's agents and
//! customers and an active auto-reply rule, as real accounts do, and runs on a
//! time-scaled budget (400 calls per 2 s instead of 40 per 20 s) so the demo
//! takes seconds rather than the hours the real budget implies.
//!
//! Gorgias: discover → prepare (pausing rules) → migrate → verify.
//! Salesforce: discovery only, until that destination is built.

use super::discover::{discover_project, print_scope};
use super::session::{keep_summary, print_summary, Session};
use crate::cli::{DemoArgs, Destination};
use crate::exit::{CliError, CliResult, ExitCode};
use deskshift_core::destination::Scope;
use deskshift_core::project::{Config, DestinationConfig, Project, SourceConfig, CONFIG_FILE};
use deskshift_core::summary::Summary;
use deskshift_sim::gorgias::{GorgiasConfig, GorgiasEmulator};
use deskshift_sim::stames::{Credentials, StamesConfig, StamesEmulator};
use deskshift_sim::Budget;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::time::Instant;

/// The demo's Gorgias budget: the documented 40 calls per 20 s, 100× faster.
const DEMO_GORGIAS_BUDGET: &str = "400/2";

fn loopback() -> SocketAddr {
    SocketAddr::from((Ipv4Addr::LOCALHOST, 0))
}

pub async fn run(args: DemoArgs) -> CliResult {
    let started = Instant::now();
    prepare_dir(&args.dir)?;
    let stames = StamesEmulator::start(
        StamesConfig {
            seed: args.seed,
            tickets: args.tickets,
            budget: Budget::default(),
            credentials: Credentials::from_env(),
            state_file: None,
            malformed: 0,
        },
        loopback(),
    )
    .await
    .map_err(|e| CliError::failure(format!("cannot start the Stames emulator: {e}")))?;
    let say = |line: String| {
        if !args.json {
            eprintln!("{line}");
        }
    };
    say(format!(
        "Stames emulator on {} ({} tickets, seed {})",
        stames.url(),
        args.tickets,
        args.seed
    ));
    let result = match args.dest {
        Destination::Gorgias => gorgias_flow(&args, &stames, started, &say).await,
        Destination::Salesforce => discovery_only(&args, &stames.url()).await,
    };
    stames.shutdown().await;
    result
}

async fn gorgias_flow(
    args: &DemoArgs,
    stames: &deskshift_sim::stames::RunningEmulator,
    started: Instant,
    say: &dyn Fn(String),
) -> CliResult {
    let gorgias = GorgiasEmulator::start(
        GorgiasConfig {
            budget: DEMO_GORGIAS_BUDGET.parse().expect("static budget"),
            credentials: deskshift_sim::gorgias::Credentials::from_env(),
            existing: stames.with_data(deskshift_sim::scenario::gorgias_account_for),
            ..GorgiasConfig::default()
        },
        loopback(),
    )
    .await
    .map_err(|e| CliError::failure(format!("cannot start the Gorgias emulator: {e}")))?;
    say(format!(
        "Gorgias emulator on {} (budget {DEMO_GORGIAS_BUDGET}, time-scaled)",
        gorgias.url()
    ));
    let project = init_project(
        args,
        &stames.url(),
        Some(gorgias.url()),
        Some(DEMO_GORGIAS_BUDGET),
    )?;
    let outcome = run_gorgias_phases(args, &project, say).await;
    let sends = gorgias.sends().len() as u64;
    gorgias.shutdown().await;
    let (mut summary, clean) = outcome?;
    summary.sends_detected = sends;
    summary.duration_s = started.elapsed().as_secs_f64();
    print_summary(&summary, args.json);
    if !args.json {
        println!("\nReports: {}", project.reports_dir().display());
    }
    if sends > 0 {
        return Err(CliError::failure(format!(
            "the Gorgias emulator recorded {sends} sends during the migration; nothing may be sent"
        )));
    }
    if !clean {
        return Err(CliError {
            code: ExitCode::VerifyMismatch,
            message: format!(
                "verification found mismatches; see {}/verify.md",
                project.reports_dir().display()
            ),
        });
    }
    Ok(())
}

/// discover → prepare → migrate → verify; the merged summary and whether
/// verification was clean.
async fn run_gorgias_phases(
    args: &DemoArgs,
    project: &Project,
    say: &dyn Fn(String),
) -> CliResult<(Summary, bool)> {
    let scope = discover_project(project, args.json).await?;
    if !scope.reconciled {
        return Err(CliError::failure(scope.discrepancies.join("; ")));
    }
    say("Discovery reconciles; preparing Gorgias (pausing its active rules)".into());
    let session = Session::open(&project.dir, args.json)?;
    let ledger = session.phases().prepare(session.ledger()?, true).await?;
    say("Migrating".into());
    let (ledger, migrated) = session.phases().migrate(ledger, &Scope::All, false).await?;
    keep_summary(&ledger, "migrate", &migrated)?;
    say("Verifying every migrated record".into());
    let (ledger, verified, report) = session.phases().verify(ledger).await?;
    keep_summary(&ledger, "verify", &verified)?;

    let mut summary = migrated;
    for (kind, o) in verified.objects {
        let entry = summary.objects.entry(kind).or_default();
        (entry.verified, entry.mismatched) = (o.verified, o.mismatched);
    }
    summary.phases = ["discover", "prepare", "migrate", "verify"]
        .map(String::from)
        .to_vec();
    Ok((summary, report.is_clean()))
}

async fn discovery_only(args: &DemoArgs, stames_url: &str) -> CliResult {
    let project = init_project(args, stames_url, None, None)?;
    let report = discover_project(&project, args.json).await?;
    if args.json {
        let summary = Summary::from_scope(Some(args.dest.as_str().to_string()), &report);
        print_summary(&summary, true);
    } else {
        print_scope(&report, &project);
        println!(
            "\nThe {} destination is not built yet; this demo ran discovery only.",
            args.dest.as_str()
        );
    }
    if report.reconciled {
        Ok(())
    } else {
        Err(CliError::failure(report.discrepancies.join("; ")))
    }
}

fn init_project(
    args: &DemoArgs,
    source_url: &str,
    dest_url: Option<String>,
    budget: Option<&str>,
) -> CliResult<Project> {
    Ok(Project::init(
        &args.dir,
        Config {
            source: SourceConfig::stames_api(source_url),
            destination: DestinationConfig {
                kind: args.dest.as_str().to_string(),
                url: dest_url,
                budget: budget.map(String::from),
            },
        },
        true,
    )?)
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
