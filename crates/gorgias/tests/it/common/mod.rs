//! Shared set-up for the Gorgias destination tests: the phases, project
//! and Stames side come from `deskshift_sim::harness` (shared with the
//! Salesforce tests); this adds the Gorgias emulator, a destination pointed
//! at it, and the cutover phases (delta, rollback) over one project.

pub use deskshift_sim::harness::*;

use deskshift_core::progress::Silent;
use deskshift_gorgias::{Credentials, Gorgias, GorgiasConfig};
use deskshift_sim::faults::FaultSpec;
use deskshift_sim::gorgias::{
    ExistingData, GorgiasConfig as SimConfig, GorgiasEmulator, RunningGorgias,
};
use deskshift_sim::stames::RunningEmulator;
use deskshift_stames::StamesApi;
use std::path::{Path, PathBuf};

/// The time-scaled budget the tests run at: Gorgias's 40/20 leaky bucket,
/// 100 times faster.
pub const BUDGET: &str = "400/2";

pub async fn gorgias(existing: ExistingData, faults: FaultSpec) -> RunningGorgias {
    gorgias_with(existing, faults, None).await
}

pub async fn gorgias_with(
    existing: ExistingData,
    faults: FaultSpec,
    state: Option<PathBuf>,
) -> RunningGorgias {
    gorgias_configured(|config| {
        config.existing = existing;
        config.faults = faults;
        config.state_file = state;
    })
    .await
}

/// An emulator at the tests' budget, its configuration adjusted by `adjust`.
pub async fn gorgias_configured(adjust: impl FnOnce(&mut SimConfig)) -> RunningGorgias {
    let mut config = SimConfig {
        budget: BUDGET.parse().expect("budget"),
        ..SimConfig::default()
    };
    adjust(&mut config);
    GorgiasEmulator::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("Gorgias emulator starts")
}

/// How many records of `kind` in an emulator snapshot carry each external id.
pub fn per_external_id(
    snapshot: &serde_json::Value,
    kind: &str,
) -> std::collections::HashMap<String, usize> {
    let mut seen = std::collections::HashMap::new();
    for record in snapshot[kind].as_array().into_iter().flatten() {
        if let Some(x) = record["external_id"].as_str() {
            *seen.entry(x.to_string()).or_default() += 1;
        }
    }
    seen
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
