//! The discovery deliverables of issue 7 through the binary, for both
//! destinations: `discover` writes them, `report` rewrites them from what
//! the project knows, `demo` ends with them, and every figure is checked
//! against the ledger and the emulators — the Stames emulator's own data,
//! the destination emulator's own call counter.

use deskshift_core::deliverables::eta::Phase;
use deskshift_core::deliverables::Deliverables;
use deskshift_core::destination::notes::{self, Category};
use deskshift_core::ledger::Ledger;
use deskshift_core::model::ObjectKind;
use deskshift_core::summary::Summary;
use deskshift_sim::gorgias::{GorgiasConfig, GorgiasEmulator, RunningGorgias};
use deskshift_sim::salesforce::{RunningSalesforce, SalesforceConfig, SalesforceEmulator};
use deskshift_sim::scenario;
use deskshift_sim::stames::{
    Credentials, RunningEmulator as RunningStames, StamesConfig, StamesData, StamesEmulator,
};
use serde_json::Value;
use std::collections::BTreeSet;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::process::Output;

use crate::common;

use common::Sim;

const SECTIONS: [&str; 6] = [
    "1. Scope",
    "2. Compatibility",
    "3. ETA",
    "4. Automation inventory",
    "5. Checklists",
    "6. Preflight",
];

fn run(project: &Path, args: &[&str]) -> Output {
    common::deskshift(project, args)
        .output()
        .expect("run deskshift")
}

fn run_ok(project: &Path, args: &[&str]) -> Output {
    common::succeed(&mut common::deskshift(project, args))
}

/// A command's `--json` summary.
fn summary_of(out: &Output) -> Summary {
    serde_json::from_slice(&out.stdout).expect("a summary on stdout")
}

fn deliverables(project: &Path) -> Deliverables {
    let json = std::fs::read_to_string(project.join("reports/deliverables.json"))
        .expect("reports/deliverables.json is written");
    serde_json::from_str(&json).expect("deliverables.json parses")
}

fn ledger(project: &Path) -> Ledger {
    Ledger::open(project.join("deskshift.db")).expect("the project's ledger opens")
}

/// A summary the ledger kept under `key`.
fn kept(ledger: &Ledger, key: &str) -> Summary {
    let json = ledger
        .meta(key)
        .unwrap()
        .unwrap_or_else(|| panic!("{key} kept"));
    serde_json::from_str(&json).unwrap()
}

/// The Markdown and HTML pages carry every section; the page is inert and
/// needs nothing from outside.
fn assert_pages(project: &Path, dest: &str) {
    let reports = project.join("reports");
    let md = std::fs::read_to_string(reports.join("deliverables.md")).unwrap();
    let html = std::fs::read_to_string(reports.join("deliverables.html")).unwrap();
    for section in SECTIONS {
        assert!(md.contains(section), "{dest}: {section} missing in md");
        assert!(html.contains(section), "{dest}: {section} missing in html");
    }
    let lower = html.to_ascii_lowercase();
    assert!(!lower.contains("<script"), "{dest}: a script in the page");
    for external in ["src=", "href=", "@import", "url("] {
        assert!(!lower.contains(external), "{dest}: {external} in the page");
    }
    assert!(html.contains("class=\"grade\""));
}

/// Scope counts and the automation inventory are the Stames emulator's.
fn assert_source_figures(d: &Deliverables, data: &StamesData, dest: &str) {
    for (kind, n) in data.totals() {
        let row = d
            .scope
            .counts
            .iter()
            .find(|c| c.kind == kind)
            .unwrap_or_else(|| panic!("{dest}: no scope row for {kind}"));
        assert_eq!((row.read, row.rejected), (n, 0), "{dest}: {kind}");
    }
    let files: Vec<_> = data.attachments().collect();
    assert_eq!(d.scope.attachments.count, files.len() as u64, "{dest}");
    assert_eq!(
        d.scope.attachments.total_bytes,
        data.attachment_bytes_total()
    );
    let largest = files.iter().map(|(_, _, a)| a.size).max().unwrap_or(0);
    assert_eq!(
        d.scope.attachments.largest.first().map(|f| f.size_bytes),
        Some(largest)
    );
    assert_eq!(d.scope.field_mapping.len(), data.custom_fields.len());
    assert_eq!(d.compatibility.rows.len(), 12);
    assert!(d.compatibility.headline.contains("of 12 objects map 1:1"));

    let listed: BTreeSet<String> = d
        .automations
        .entries
        .iter()
        .filter(|e| e.origin == "automation")
        .map(|e| e.id.clone())
        .collect();
    let held: BTreeSet<String> = data
        .automations
        .iter()
        .map(|a| a.id.map(|i| i.to_string()).unwrap_or_default())
        .collect();
    assert_eq!(listed, held, "{dest}: every automation the emulator holds");
    assert_eq!(d.automations.automations, data.automations.len());
    let settings: u64 = d
        .automations
        .entries
        .iter()
        .filter(|e| e.origin == "notification_trigger")
        .map(|e| {
            e.name
                .split('(')
                .nth(1)
                .and_then(|s| s.split_whitespace().next())
                .and_then(|n| n.parse::<u64>().ok())
                .unwrap_or(0)
        })
        .sum();
    assert_eq!(
        settings,
        data.totals()[&ObjectKind::Notifications],
        "{dest}: every notification setting is behind a trigger entry"
    );
}

#[test]
fn discover_writes_every_deliverable_with_the_emulators_figures() {
    let sim = Sim::start(&[
        "stames",
        "--port",
        "0",
        "--tickets",
        "200",
        "--seed",
        "7",
        "--budget",
        "100000/60",
    ]);
    let data = StamesData::generate(7, 200, 0);
    for dest in ["gorgias", "salesforce"] {
        let project = tempfile::tempdir().unwrap();
        let project = project.path();
        run_ok(project, &["init", "--dest", dest, "--source-url", &sim.url]);
        run_ok(project, &["discover", "--json"]);
        let d = deliverables(project);
        assert_source_figures(&d, &data, dest);
        assert_eq!(d.eta.projection.tickets, 200);
        assert!(d.eta.projection.total_calls > 0);
        assert!(d.eta.refined.is_none() && d.eta.comparison.is_none());
        assert!(d.eta.next_step.contains("--sample"));
        assert_eq!(d.checklists.agents.basis, "discovery");
        assert_eq!(d.checklists.agents.agents.len(), data.agents.len());
        assert!(
            !d.preflight.checked,
            "discovery does not ask the destination"
        );
        assert_pages(project, dest);
    }
}

#[test]
fn report_without_a_discovery_or_a_destination_says_what_to_do() {
    let sim = Sim::start(&["stames", "--port", "0", "--tickets", "20", "--seed", "3"]);
    let project = tempfile::tempdir().unwrap();
    let project = project.path();
    run_ok(
        project,
        &["init", "--dest", "gorgias", "--source-url", &sim.url],
    );
    let early = run(project, &["report"]);
    assert_eq!(early.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&early.stderr).contains("deskshift discover"));

    run_ok(project, &["discover"]);
    // No destination URL: every section but the preflight is written, and
    // the exit code and message say why the preflight is missing.
    let out = run(project, &["report"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("are written") && stderr.contains("url"),
        "{stderr}"
    );
    let d = deliverables(project);
    assert!(!d.preflight.checked);
    assert!(
        d.preflight.summary.contains("url"),
        "{}",
        d.preflight.summary
    );
    assert_pages(project, "gorgias");
}

#[test]
fn demo_writes_every_report_with_the_ledgers_and_the_emulators_figures() {
    const SEED: u64 = 5;
    const TICKETS: usize = 120;
    let data = StamesData::generate(SEED, TICKETS, 0);
    for dest in ["gorgias", "salesforce"] {
        let dir = tempfile::tempdir().unwrap();
        let project = dir.path().join("demo");
        let out = common::succeed(
            common::command(&[
                "demo",
                "--dest",
                dest,
                "--tickets",
                &TICKETS.to_string(),
                "--seed",
                &SEED.to_string(),
                "--json",
                "--dir",
            ])
            .arg(&project),
        );
        let summary = summary_of(&out);
        let d = deliverables(&project);
        let ledger = ledger(&project);
        assert_pages(&project, dest);
        assert_source_figures(&d, &data, dest);
        for kind in [
            ObjectKind::Users,
            ObjectKind::Customers,
            ObjectKind::Tickets,
        ] {
            let row = d.scope.counts.iter().find(|c| c.kind == kind).unwrap();
            assert_eq!(
                row.read,
                ledger.source_count(kind).unwrap(),
                "{dest}: {kind}"
            );
        }

        // The reconciliation queue: exactly the agents the migration skipped,
        // which are the agents the destination had no user for.
        let skipped: BTreeSet<String> = notes::read_ledger(&ledger, dest, Category::Skip)
            .unwrap()
            .into_iter()
            .filter(|n| n.kind == ObjectKind::Users)
            .map(|n| n.source_id)
            .collect();
        let queued: BTreeSet<String> = d
            .checklists
            .agents
            .agents
            .iter()
            .map(|a| a.id.clone())
            .collect();
        assert_eq!(d.checklists.agents.basis, "ledger");
        assert_eq!(queued, skipped, "{dest}: the queue is the ledger's skips");
        let users: Vec<Value> = match dest {
            "gorgias" => scenario::gorgias_account_for(&data).users,
            _ => scenario::salesforce_org_for(&data).users,
        };
        let known: BTreeSet<String> = users
            .iter()
            .filter_map(|u| u.get("email").or_else(|| u.get("Email")))
            .filter_map(Value::as_str)
            .map(str::to_lowercase)
            .collect();
        let without_user: BTreeSet<String> = data
            .agents
            .iter()
            .filter(|a| {
                let email = a.email.as_deref().unwrap_or_default().trim().to_lowercase();
                !known.contains(&email)
            })
            .map(|a| a.id.map(|i| i.to_string()).unwrap_or_default())
            .collect();
        assert_eq!(queued, without_user, "{dest}: agents without a user");
        assert_eq!(
            summary.objects[&ObjectKind::Users].skipped,
            queued.len() as u64
        );
        for agent in &d.checklists.agents.agents {
            assert!(
                agent.tickets_went_to.contains("their "),
                "{dest}: where the tickets went: {}",
                agent.tickets_went_to
            );
        }

        // The preflight asked the emulator, which holds one rule each.
        assert!(d.preflight.checked, "{dest}: {}", d.preflight.summary);
        let rule = match dest {
            "gorgias" => "Auto-reply to new tickets",
            _ => "Route new cases to the support queue",
        };
        assert!(
            d.preflight.side_effects.iter().any(|e| e.name == rule),
            "{dest}: {:?}",
            d.preflight.side_effects
        );

        // The demo's sample of 20 refined the ETA; the refined projection
        // is compared with the full run the ledger measured.
        let full = kept(&ledger, "eta.full_run");
        let c = d.eta.comparison.as_ref().expect("the full run is compared");
        let refined = d.eta.refined.as_ref().expect("the demo's sample refines");
        assert_eq!(c.basis, "sample-refined");
        assert_eq!(c.actual_calls, full.api.calls);
        assert_eq!(c.actual_calls, summary.api.calls, "{dest}: the demo's own");
        assert_eq!(c.actual_duration_s, full.duration_s);
        assert_eq!(c.projected_calls, refined.remaining_calls);
    }
}

fn loopback() -> SocketAddr {
    SocketAddr::from((Ipv4Addr::LOCALHOST, 0))
}

/// An emulator in this process, so its own counters can be read.
enum Destination {
    Gorgias(RunningGorgias),
    Salesforce(RunningSalesforce),
}

impl Destination {
    /// An account that holds nothing of the workspace.
    async fn start(dest: &str) -> Destination {
        match dest {
            "gorgias" => Destination::Gorgias(
                GorgiasEmulator::start(
                    GorgiasConfig {
                        budget: "400/2".parse().unwrap(),
                        credentials: deskshift_sim::gorgias::Credentials::default(),
                        ..GorgiasConfig::default()
                    },
                    loopback(),
                )
                .await
                .unwrap(),
            ),
            _ => Destination::Salesforce(
                SalesforceEmulator::start(
                    SalesforceConfig {
                        bulk_delay: std::time::Duration::from_millis(20),
                        ..SalesforceConfig::default()
                    },
                    loopback(),
                )
                .await
                .unwrap(),
            ),
        }
    }

    fn url(&self) -> String {
        match self {
            Destination::Gorgias(g) => g.url(),
            Destination::Salesforce(s) => s.url(),
        }
    }

    /// The API calls the emulator served, as its account counts them
    /// (Salesforce: against the daily limit, which sign-ins are not).
    fn calls(&self) -> u64 {
        match self {
            Destination::Gorgias(g) => g.stats().calls,
            Destination::Salesforce(s) => s.stats().api_calls,
        }
    }
}

/// A Stames emulator and an empty destination, in this process, and a
/// project pointed at them and discovered.
struct Setup {
    runtime: tokio::runtime::Runtime,
    stames: Option<RunningStames>,
    destination: Option<Destination>,
    dir: tempfile::TempDir,
}

impl Setup {
    fn new(dest: &str, seed: u64, tickets: usize) -> Setup {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let stames = runtime
            .block_on(StamesEmulator::start(
                StamesConfig {
                    seed,
                    tickets,
                    budget: "100000/60".parse().unwrap(),
                    credentials: Credentials::default(),
                    state_file: None,
                    malformed: 0,
                },
                loopback(),
            ))
            .unwrap();
        let destination = runtime.block_on(Destination::start(dest));
        let dir = tempfile::tempdir().unwrap();
        let mut init = vec![
            "init",
            "--dest",
            dest,
            "--source-url",
            &stames.url(),
            "--dest-url",
        ]
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>();
        init.push(destination.url());
        if dest == "gorgias" {
            init.extend(["--dest-budget".into(), "400/2".into()]);
        }
        let init: Vec<&str> = init.iter().map(String::as_str).collect();
        run_ok(dir.path(), &init);
        run_ok(dir.path(), &["discover", "--json"]);
        common::confirm_map(dir.path());
        Setup {
            runtime,
            stames: Some(stames),
            destination: Some(destination),
            dir,
        }
    }

    fn project(&self) -> &Path {
        self.dir.path()
    }

    fn destination(&self) -> &Destination {
        self.destination.as_ref().unwrap()
    }

    /// Runs a command; returns its output and the calls the destination
    /// emulator served meanwhile.
    fn counted(&self, args: &[&str]) -> (Output, u64) {
        let before = self.destination().calls();
        let out = run_ok(self.project(), args);
        (out, self.destination().calls() - before)
    }
}

impl Drop for Setup {
    fn drop(&mut self) {
        let stames = self.stames.take();
        let destination = self.destination.take();
        self.runtime.block_on(async {
            if let Some(s) = stames {
                s.shutdown().await;
            }
            match destination {
                Some(Destination::Gorgias(g)) => g.shutdown().await,
                Some(Destination::Salesforce(s)) => s.shutdown().await,
                None => {}
            }
        });
    }
}

/// Calls of `phase` the projection expects the emulator to count: every
/// row but the sign-ins, which no account counts against its limit.
fn projected(d: &Deliverables, phase: Phase) -> u64 {
    d.eta
        .projection
        .rows
        .iter()
        .filter(|r| r.phase == phase && r.object != "sign-in")
        .map(|r| r.calls)
        .sum()
}

/// Sign-ins the projection counts in `phase` (the client counts them).
fn sign_ins(d: &Deliverables, phase: Phase) -> u64 {
    d.eta
        .projection
        .rows
        .iter()
        .filter(|r| r.phase == phase && r.object == "sign-in")
        .map(|r| r.calls)
        .sum()
}

#[test]
fn projected_calls_equal_the_calls_the_emulators_served() {
    for dest in ["gorgias", "salesforce"] {
        let setup = Setup::new(dest, 9, 150);
        let project = setup.project();
        let (_, prepare_calls) = setup.counted(&["prepare", "--json"]);
        let (out, migrate_calls) = setup.counted(&["migrate", "--json"]);
        let summary = summary_of(&out);
        run_ok(project, &["report", "--json"]);
        let d = deliverables(project);

        assert_eq!(
            projected(&d, Phase::Prepare),
            prepare_calls,
            "{dest}: prepare"
        );
        assert_eq!(
            projected(&d, Phase::Migrate),
            migrate_calls,
            "{dest}: migrate"
        );
        assert_eq!(
            migrate_calls + sign_ins(&d, Phase::Migrate),
            summary.api.calls,
            "{dest}: what the client counted"
        );
        let c = d.eta.comparison.as_ref().expect("compared with the run");
        assert_eq!(c.basis, "scope-only");
        assert_eq!(c.projected_calls, c.actual_calls, "{dest}: {c:?}");
        assert_eq!(c.calls_error_pct, 0.0);
        assert_eq!(d.checklists.agents.basis, "ledger");
        assert!(d.preflight.checked, "{dest}: {}", d.preflight.summary);
    }
}

#[test]
fn a_sample_refines_the_eta_and_the_full_run_is_compared_with_it() {
    for dest in ["gorgias", "salesforce"] {
        let setup = Setup::new(dest, 11, 150);
        let project = setup.project();
        run_ok(project, &["prepare", "--json"]);
        let (out, _) = setup.counted(&["migrate", "--sample", "15", "--json"]);
        let sample = summary_of(&out);
        run_ok(project, &["report"]);
        let after_sample = deliverables(project);
        let refined = after_sample
            .eta
            .refined
            .clone()
            .expect("the sample refines");
        assert!(after_sample.eta.comparison.is_none());
        assert_eq!(
            refined.basis, "stages",
            "{dest}: the sample's stages split it"
        );
        assert_eq!(refined.sample.tickets, 15);
        assert_eq!(refined.sample.calls, sample.api.calls);
        assert_eq!(refined.sample.duration_s, sample.duration_s);
        assert_eq!(refined.remaining_tickets, 150 - 15);
        assert!(refined.calls_per_ticket > 1.0, "{dest}: {refined:?}");
        assert!(
            refined.remaining_duration_s > 0.0 && refined.fixed_seconds >= 0.0,
            "{dest}: {refined:?}"
        );

        let (out, full_calls) = setup.counted(&["migrate", "--json"]);
        let full = summary_of(&out);
        run_ok(project, &["report"]);
        let d = deliverables(project);
        let c = d.eta.comparison.clone().expect("the full run is compared");
        assert_eq!(c.basis, "sample-refined");
        assert_eq!(c.projected_calls, refined.remaining_calls);
        assert_eq!(c.projected_duration_s, refined.remaining_duration_s);
        assert_eq!(c.actual_calls, full.api.calls);
        assert_eq!(
            c.actual_calls,
            full_calls + sign_ins(&d, Phase::Migrate),
            "{dest}: what the emulator served"
        );
        assert_eq!(c.actual_duration_s, full.duration_s);
        // Calls need no clock: the per-record rates the sample measured
        // carry over to the rest of this workspace.
        assert!(c.calls_error_pct.abs() <= 20.0, "{dest}: {c:?}");

        // A migrate with nothing left to do measures nothing: the
        // comparison keeps the run that did the work.
        run_ok(project, &["migrate", "--json"]);
        run_ok(project, &["report"]);
        assert_eq!(deliverables(project).eta.comparison, Some(c), "{dest}");
    }
}
