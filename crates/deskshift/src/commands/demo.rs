//! `deskshift demo`: the whole flow on built-in emulators, no accounts needed.
//!
//! Both emulators run on loopback inside this process. The Gorgias one starts
//! with an account that already holds some of the workspace's agents and
//! customers and an active auto-reply rule, as real accounts do, and runs on a
//! time-scaled budget (400 calls per 2 s instead of 40 per 20 s) so the demo
//! takes seconds rather than the hours the real budget implies.
//!
//! The Salesforce one starts with some of the agents as users, an active Case
//! assignment rule (which `Sforce-Auto-Assign: FALSE` keeps from firing) and
//! audit fields enabled.
//!
//! Both: discover → map propose and confirm (automatically, said so) → plan
//! → prepare (pausing rules) → a sample of 20 representative tickets,
//! verified, with where to look at them → the full migration (reusing the
//! sample's records) → verify → report (every report of the project, into
//! its `reports/`).

use super::discover::discover_project;
use super::migrate::{choose_sample, migrate, verify_sample, where_to_look};
use super::report::{write_deliverable_reports, PreflightAnswer};
use super::session::{keep_summary, print_summary, Session};
use crate::cli::{DemoArgs, Destination};
use crate::exit::{CliError, CliResult, ExitCode};
use deskshift_core::destination::Scope;
use deskshift_core::project::{Config, DestinationConfig, Project, SourceConfig, CONFIG_FILE};
use deskshift_core::summary::Summary;
use deskshift_sim::gorgias::{GorgiasConfig, GorgiasEmulator, RunningGorgias};
use deskshift_sim::salesforce::{
    OrgSettings, RunningSalesforce, SalesforceConfig as SfConfig, SalesforceEmulator,
};
use deskshift_sim::scenario;
use deskshift_sim::stames::{
    Credentials, RunningEmulator as RunningStames, StamesConfig, StamesEmulator,
};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::time::Instant;

/// Tickets in the demo's sample, migrated and verified before the full run.
const DEMO_SAMPLE: usize = 20;

/// The demo's Stames budget: the emulator's 1200 calls per minute, 100×
/// faster, as the destination's is.
const DEMO_STAMES_BUDGET: &str = "2000/1";

/// The demo's Gorgias budget: the documented 40 calls per 20 s, 100× faster.
const DEMO_GORGIAS_BUDGET: &str = "400/2";

/// The demo org's daily API request limit: an Enterprise org's base
/// allocation, so a large `--tickets` still fits in a day.
const DEMO_SALESFORCE_DAILY_LIMIT: u64 = 100_000;

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
            budget: DEMO_STAMES_BUDGET.parse().expect("static budget"),
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
    let result = match DemoDestination::start(args.dest, &stames).await {
        Ok(destination) => {
            say(destination.describe());
            let outcome = flow(&args, &stames, &destination, started, &say).await;
            destination.shutdown().await;
            outcome
        }
        Err(err) => Err(err),
    };
    stames.shutdown().await;
    result
}

/// The destination emulator the demo runs, with an account that is not
/// empty (real ones never are).
enum DemoDestination {
    Gorgias(RunningGorgias),
    Salesforce(RunningSalesforce),
}

impl DemoDestination {
    async fn start(dest: Destination, stames: &RunningStames) -> CliResult<DemoDestination> {
        let started = match dest {
            Destination::Gorgias => GorgiasEmulator::start(
                GorgiasConfig {
                    budget: DEMO_GORGIAS_BUDGET.parse().expect("static budget"),
                    credentials: deskshift_sim::gorgias::Credentials::from_env(),
                    existing: stames.with_data(scenario::gorgias_account_for),
                    ..GorgiasConfig::default()
                },
                loopback(),
            )
            .await
            .map(DemoDestination::Gorgias),
            Destination::Salesforce => SalesforceEmulator::start(
                SfConfig {
                    credentials: deskshift_sim::salesforce::Credentials::from_env(),
                    existing: stames.with_data(scenario::salesforce_org_for),
                    org: OrgSettings {
                        set_audit_fields: true,
                        ..OrgSettings::default()
                    },
                    daily_limit: DEMO_SALESFORCE_DAILY_LIMIT,
                    bulk_delay: std::time::Duration::from_millis(20),
                    ..SfConfig::default()
                },
                loopback(),
            )
            .await
            .map(DemoDestination::Salesforce),
        };
        started.map_err(|e| {
            CliError::failure(format!("cannot start the {} emulator: {e}", dest.as_str()))
        })
    }

    fn url(&self) -> String {
        match self {
            DemoDestination::Gorgias(g) => g.url(),
            DemoDestination::Salesforce(s) => s.url(),
        }
    }

    /// The budget written into the demo project, if the destination has one.
    fn budget(&self) -> Option<&'static str> {
        match self {
            DemoDestination::Gorgias(_) => Some(DEMO_GORGIAS_BUDGET),
            DemoDestination::Salesforce(_) => None,
        }
    }

    fn describe(&self) -> String {
        match self {
            DemoDestination::Gorgias(g) => format!(
                "Gorgias emulator on {} (budget {DEMO_GORGIAS_BUDGET}, time-scaled)",
                g.url()
            ),
            DemoDestination::Salesforce(s) => format!(
                "Salesforce emulator on {} (daily limit {DEMO_SALESFORCE_DAILY_LIMIT}, an \
                 active Case assignment rule)",
                s.url()
            ),
        }
    }

    /// What reached a customer or agent: Gorgias messages and surveys
    /// sent; Salesforce Cases re-owned by an assignment rule (which
    /// notifies the new owner).
    fn sends(&self) -> u64 {
        match self {
            DemoDestination::Gorgias(g) => g.sends().len() as u64,
            DemoDestination::Salesforce(s) => s.auto_assignments().len() as u64,
        }
    }

    async fn shutdown(self) {
        match self {
            DemoDestination::Gorgias(g) => g.shutdown().await,
            DemoDestination::Salesforce(s) => s.shutdown().await,
        }
    }
}

async fn flow(
    args: &DemoArgs,
    stames: &RunningStames,
    destination: &DemoDestination,
    started: Instant,
    say: &dyn Fn(String),
) -> CliResult {
    let project = init_project(
        args,
        &stames.url(),
        Some(destination.url()),
        destination.budget(),
    )?;
    let outcome = run_phases(args, &project, say).await;
    let sends = destination.sends();
    let (mut summary, clean) = outcome?;
    summary.sends_detected = sends;
    summary.duration_s = started.elapsed().as_secs_f64();
    print_summary(&summary, args.json);
    if !args.json {
        println!("\nReports: {}", project.reports_dir().display());
    }
    if sends > 0 {
        return Err(CliError::failure(format!(
            "the {} emulator recorded {sends} sends during the migration; nothing may be sent",
            args.dest.as_str()
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

/// discover → map → plan → prepare → migrate → verify; the merged summary and whether
/// verification was clean.
async fn run_phases(
    args: &DemoArgs,
    project: &Project,
    say: &dyn Fn(String),
) -> CliResult<(Summary, bool)> {
    let scope = discover_project(project, args.json).await?;
    if !scope.reconciled {
        return Err(CliError::failure(scope.discrepancies.join("; ")));
    }
    let proposed = super::map::propose_project(project, true).await?;
    let (confirmed, _) = super::map::confirm_project(project).await?;
    say(format!(
        "Field map proposed and confirmed automatically for the demo: {} rows in {} (a real \
         migration waits for you to review it and run `deskshift map confirm`)",
        confirmed.map.rows.len(),
        proposed.path.display()
    ));
    say(format!(
        "Discovery reconciles; preparing {} (pausing what would act on migrated records)",
        args.dest.as_str()
    ));
    let session = Session::open(&project.dir, args.json)?;
    let ledger = session.ledger()?;
    let (ledger, plan) = super::plan::plan(&session, ledger).await?;
    let created: u64 = plan.objects.values().map(|k| k.create).sum();
    say(format!(
        "Planned offline: {created} records would be created, {} rejected (reports/plan.md)",
        plan.rejected()
    ));
    let ledger = session.phases().prepare(ledger, true).await?;
    let sample = choose_sample(&session, &ledger, DEMO_SAMPLE, args.json).await?;
    say(format!("Migrating the sample of {DEMO_SAMPLE}"));
    let sample_scope = Scope::Sample(sample.clone());
    let (ledger, mut sampled) = migrate(&session, ledger, &sample_scope, false).await?;
    let (clean, tickets) = verify_sample(&session, ledger, &sample, &mut sampled).await?;
    for line in where_to_look(&tickets, args.dest.as_str()) {
        say(line);
    }
    if !clean {
        return Err(CliError {
            code: ExitCode::VerifyMismatch,
            message: format!(
                "the sample's verification found mismatches; see {}/verify.md",
                project.reports_dir().display()
            ),
        });
    }
    say(
        "The sample verifies; pausing the rules again (the sample re-enabled them) and migrating \
         everything, reusing the sample's records"
            .into(),
    );
    let ledger = session.phases().prepare(session.ledger()?, true).await?;
    let (ledger, migrated) = migrate(&session, ledger, &Scope::All, false).await?;
    say("Verifying every migrated record".into());
    let (ledger, verified, report) = session.phases().verify(ledger).await?;
    keep_summary(&ledger, "verify", &verified)?;
    say("Writing the reports".into());
    let answer = PreflightAnswer::ask(session.destination.as_ref()).await;
    if let PreflightAnswer::Failed(reason) = &answer {
        return Err(CliError::failure(format!(
            "the {} emulator did not answer the preflight: {reason}",
            args.dest.as_str()
        )));
    }
    write_deliverable_reports(project, &ledger, &scope, &answer)?;

    let mut summary = migrated;
    summary.add_verification(&verified);
    summary.phases = [
        "discover", "map", "plan", "prepare", "sample", "migrate", "verify", "report",
    ]
    .map(String::from)
    .to_vec();
    Ok((summary, report.is_clean()))
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
                settings: Default::default(),
            },
            assist: None,
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
