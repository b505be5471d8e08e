//! Shared set-up for the emulator tests: a generated Stames workspace behind
//! the Stames emulator, read by the real Stames source, written into the
//! Gorgias emulator by the real Gorgias destination, with a file ledger.

#![allow(dead_code)] // each test binary uses its own subset

use deskshift_core::destination::{
    Destination, DestinationError, LoadContext, Scope, VerifyReport,
};
use deskshift_core::engine::{Counts, Journal};
use deskshift_core::ledger::{Ledger, RunOutcome};
use deskshift_core::model::ObjectKind;
use deskshift_core::progress::{Progress, Silent};
use deskshift_core::sample;
use deskshift_core::summary::ObjectSummary;
use deskshift_gorgias::{Credentials, Gorgias, GorgiasConfig};
use deskshift_sim::faults::FaultSpec;
use deskshift_sim::gorgias::{
    ExistingData, GorgiasConfig as SimConfig, GorgiasEmulator, RunningGorgias,
};
use deskshift_sim::stames::{RunningEmulator, StamesConfig, StamesEmulator};
use deskshift_stames::{StamesApi, StamesOptions};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The time-scaled budget the tests run at: Gorgias's 40/20 leaky bucket,
/// 100 times faster.
pub const BUDGET: &str = "400/2";

pub async fn stames(seed: u64, tickets: usize) -> RunningEmulator {
    let config = StamesConfig {
        seed,
        tickets,
        budget: "100000/60".parse().expect("budget"),
        ..StamesConfig::default()
    };
    StamesEmulator::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("Stames emulator starts")
}

pub async fn gorgias(existing: ExistingData, faults: FaultSpec) -> RunningGorgias {
    gorgias_with(existing, faults, None).await
}

pub async fn gorgias_with(
    existing: ExistingData,
    faults: FaultSpec,
    state: Option<PathBuf>,
) -> RunningGorgias {
    let config = SimConfig {
        budget: BUDGET.parse().expect("budget"),
        existing,
        faults,
        state_file: state,
        ..SimConfig::default()
    };
    GorgiasEmulator::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("Gorgias emulator starts")
}

pub fn source(stames: &RunningEmulator) -> StamesApi {
    let accepted = stames.credentials();
    let credentials =
        deskshift_stames::Credentials::new(accepted.account_id.clone(), accepted.api_key.clone());
    StamesApi::new(&stames.url(), credentials, StamesOptions::default()).expect("source")
}

pub fn destination(gorgias: &RunningGorgias) -> Gorgias {
    destination_with(gorgias, |_| {})
}

/// [`destination`] with its configuration adjusted by `adjust`.
pub fn destination_with(
    gorgias: &RunningGorgias,
    adjust: impl FnOnce(&mut GorgiasConfig),
) -> Gorgias {
    let accepted = gorgias.credentials();
    let mut config = GorgiasConfig::new(
        gorgias.url(),
        Credentials::new(accepted.email.clone(), accepted.api_key.clone()),
    );
    config.budget = Some(BUDGET.parse().expect("budget"));
    config.retry.min_delay = std::time::Duration::from_millis(20);
    config.retry.max_delay = std::time::Duration::from_millis(200);
    adjust(&mut config);
    Gorgias::new(config).expect("destination")
}

/// A project directory: its ledger and attachment cache.
pub struct Project {
    pub dir: tempfile::TempDir,
}

impl Project {
    pub fn new() -> Project {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("cache")).expect("cache dir");
        Project { dir }
    }

    pub fn ledger(&self) -> Ledger {
        Ledger::open(self.dir.path().join("deskshift.db")).expect("ledger")
    }

    pub fn cache(&self) -> PathBuf {
        self.dir.path().join("cache")
    }
}

/// What one phase did.
pub struct Outcome {
    pub counts: BTreeMap<ObjectKind, ObjectSummary>,
    pub discrepancies: Vec<String>,
    pub verify: Option<VerifyReport>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Prepare { pause: bool },
    Migrate,
    Sample(usize),
    Verify,
}

/// Runs one phase as the binary would: its own run, counts and journal.
pub async fn run(
    project: &Project,
    source: &StamesApi,
    dest: &Gorgias,
    phase: Phase,
) -> Result<Outcome, String> {
    run_with(project, source, dest, phase, &Silent).await
}

/// [`run`], reporting progress to `progress`.
pub async fn run_with(
    project: &Project,
    source: &StamesApi,
    dest: &Gorgias,
    phase: Phase,
    progress: &dyn Progress,
) -> Result<Outcome, String> {
    let command = match phase {
        Phase::Prepare { .. } => "prepare",
        Phase::Migrate | Phase::Sample(_) => "migrate",
        Phase::Verify => "verify",
    };
    let journal = Journal::begin(project.ledger(), command).map_err(|e| e.to_string())?;
    let counts = Counts::default();
    let cache = project.cache();
    let ctx = LoadContext {
        source,
        journal: &journal,
        counts: &counts,
        progress,
        cache_dir: Path::new(&cache),
    };
    let result = match phase {
        Phase::Prepare { pause } => dest.prepare(&ctx, pause).await.map(|()| None),
        Phase::Migrate => dest.migrate(&ctx, &Scope::All).await.map(|()| None),
        Phase::Sample(n) => match sample::select(source, &project.ledger(), n).await {
            Ok(set) => dest.migrate(&ctx, &Scope::Sample(set)).await.map(|()| None),
            Err(e) => Err(DestinationError::Other(e.to_string())),
        },
        Phase::Verify => dest.verify(&ctx).await.map(Some),
    };
    let outcome = match &result {
        Ok(_) => RunOutcome::Succeeded,
        Err(e) => RunOutcome::Failed(e.to_string()),
    };
    journal.finish(outcome).map_err(|e| e.to_string())?;
    let verify = result.map_err(|e| e.to_string())?;
    Ok(Outcome {
        counts: counts.snapshot(),
        discrepancies: counts.discrepancies(),
        verify,
    })
}

/// Runs verify and fails the test, showing the first mismatches, unless
/// every record checks out.
pub async fn assert_verifies_clean(project: &Project, source: &StamesApi, dest: &Gorgias) {
    let report = run(project, source, dest, Phase::Verify)
        .await
        .expect("verify runs")
        .verify
        .expect("verify reports");
    assert!(
        report.is_clean(),
        "{:?}",
        &report.mismatches[..report.mismatches.len().min(5)]
    );
}

/// The engine's phases over this project, as the binary builds them.
pub fn phases<'a>(
    project: &'a Project,
    cache: &'a Path,
    source: &'a StamesApi,
    dest: &'a Gorgias,
) -> deskshift_core::engine::Phases<'a> {
    deskshift_core::engine::Phases {
        source,
        destination: dest,
        progress: &Silent,
        cache_dir: cache,
        reports_dir: project.dir.path(),
    }
}

/// `deskshift delta` as the binary runs it (window, narrowed source, one run).
pub async fn delta(
    project: &Project,
    source: &StamesApi,
    dest: &Gorgias,
) -> (
    deskshift_core::summary::Summary,
    deskshift_core::delta::DeltaReport,
) {
    let cache = project.cache();
    let (_, summary, report) = phases(project, &cache, source, dest)
        .delta(
            project.ledger(),
            deskshift_core::delta::DEFAULT_OVERLAP,
            true,
        )
        .await
        .expect("delta runs");
    (summary, report)
}

/// `deskshift delta --check`.
pub async fn delta_check(
    project: &Project,
    source: &StamesApi,
) -> deskshift_core::delta::DeltaReport {
    let (_, report) = deskshift_core::delta::check(
        project.ledger(),
        source,
        deskshift_core::delta::DEFAULT_OVERLAP,
    )
    .await
    .expect("delta --check runs");
    report
}

/// `deskshift rollback` as the binary runs it.
pub async fn rollback(
    project: &Project,
    source: &StamesApi,
    dest: &Gorgias,
    options: &deskshift_core::rollback::RollbackOptions,
) -> Result<deskshift_core::rollback::RollbackReport, deskshift_core::engine::PhaseError> {
    let cache = project.cache();
    phases(project, &cache, source, dest)
        .rollback(project.ledger(), options)
        .await
        .map(|(_, report)| report)
}

/// A Stames workspace, a Gorgias account and a project, wired as the binary
/// wires them.
pub struct World {
    pub stames: RunningEmulator,
    pub gorgias: RunningGorgias,
    pub source: StamesApi,
    pub dest: Gorgias,
    pub project: Project,
}

impl World {
    pub async fn start(seed: u64, tickets: usize, existing: ExistingData) -> World {
        World::start_with(seed, tickets, |_| existing).await
    }

    /// [`World::start`] with an account made from the Stames workspace.
    pub async fn start_with(
        seed: u64,
        tickets: usize,
        account: impl FnOnce(&deskshift_sim::stames::StamesData) -> ExistingData,
    ) -> World {
        let stames = stames(seed, tickets).await;
        let gorgias = gorgias(account(&stames.data()), FaultSpec::default()).await;
        let source = source(&stames);
        let dest = destination(&gorgias);
        World {
            stames,
            gorgias,
            source,
            dest,
            project: Project::new(),
        }
    }

    pub async fn run(&self, phase: Phase) -> Outcome {
        run(&self.project, &self.source, &self.dest, phase)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    pub async fn delta(
        &self,
    ) -> (
        deskshift_core::summary::Summary,
        deskshift_core::delta::DeltaReport,
    ) {
        delta(&self.project, &self.source, &self.dest).await
    }

    pub async fn rollback(
        &self,
        options: deskshift_core::rollback::RollbackOptions,
    ) -> Result<deskshift_core::rollback::RollbackReport, deskshift_core::engine::PhaseError> {
        rollback(&self.project, &self.source, &self.dest, &options).await
    }

    /// `rollback --dry-run`.
    pub async fn plan(&self) -> deskshift_core::rollback::RollbackReport {
        self.rollback(deskshift_core::rollback::RollbackOptions {
            dry_run: true,
            ..Default::default()
        })
        .await
        .expect("a dry run")
    }

    pub async fn assert_verifies_clean(&self) {
        assert_verifies_clean(&self.project, &self.source, &self.dest).await;
    }
}
