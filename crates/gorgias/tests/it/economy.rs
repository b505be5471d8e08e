//! API-call economy, printed rather than asserted (timing-free, but the
//! figures belong in docs/benchmarks.md, not in a pass/fail gate). Run with
//! `cargo test -p deskshift-gorgias --test it economy:: -- --ignored --nocapture`.

use crate::common;

use common::*;
use deskshift_core::destination::Destination;
use deskshift_core::model::ObjectKind;
use deskshift_sim::faults::FaultSpec;
use deskshift_sim::gorgias::ExistingData;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement, not a test"]
async fn calls_per_ticket() {
    let tickets = 200;
    let stames = stames(42, tickets).await;
    let gorgias = gorgias(ExistingData::default(), FaultSpec::default()).await;
    let (source, dest, project) = (source(&stames), destination(&gorgias), Project::new());
    run(&project, &source, &dest, Phase::Prepare { pause: false })
        .await
        .unwrap();
    let before = gorgias.stats().calls;
    let started = std::time::Instant::now();
    let outcome = run_with(&project, &source, &dest, Phase::Migrate, &Timeline(started))
        .await
        .unwrap();
    let calls = gorgias.stats().calls - before;
    let s = |k| outcome.counts[&k];
    println!(
        "migrate: {calls} calls for {} tickets ({:.2}/ticket), {} customers created, {} files, {:.1} s, utilisation {:?}, 429s {}",
        s(ObjectKind::Tickets).created,
        calls as f64 / s(ObjectKind::Tickets).created as f64,
        s(ObjectKind::Customers).created,
        s(ObjectKind::Attachments).created,
        started.elapsed().as_secs_f64(),
        dest.budget_utilization(),
        dest.api_stats().rate_limited,
    );
}

/// Prints when each kind starts and finishes.
struct Timeline(std::time::Instant);

impl deskshift_core::progress::Progress for Timeline {
    fn start(&self, kind: ObjectKind, _: Option<u64>) {
        println!("{:>6.2}s start {kind}", self.0.elapsed().as_secs_f64());
    }
    fn advance(&self, _: ObjectKind, _: u64) {}
    fn finish(&self, kind: ObjectKind) {
        println!("{:>6.2}s finish {kind}", self.0.elapsed().as_secs_f64());
    }
    fn note(&self, _: &str) {}
}
