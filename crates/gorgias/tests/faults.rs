//! A misbehaving Gorgias (5xx before and after writes, dropped connections,
//! 429 storms): re-running until done leaves zero duplicates and nothing
//! missing.

mod common;

use common::*;
use deskshift_core::model::ObjectKind;
use deskshift_sim::gorgias::ExistingData;
use serde_json::Value;
use std::collections::HashMap;

/// How many records of `kind` carry each external id.
fn per_external_id(snapshot: &Value, kind: &str) -> HashMap<String, usize> {
    let mut seen = HashMap::new();
    for record in snapshot[kind].as_array().into_iter().flatten() {
        if let Some(x) = record["external_id"].as_str() {
            *seen.entry(x.to_string()).or_default() += 1;
        }
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_leave_no_duplicate_and_nothing_missing() {
    let stames = stames(5, 40).await;
    let faults = "5xx=0.10,5xx-after=0.05,reset=0.03,reset-after=0.03,storm=0.01@200ms,seed=9"
        .parse()
        .expect("fault spec");
    let gorgias = gorgias(ExistingData::default(), faults).await;
    let (source, dest, project) = (source(&stames), destination(&gorgias), Project::new());

    // An operator re-runs a migration that stopped or left tickets for
    // later; each run resumes where the last one ended.
    let mut outcome = None;
    for attempt in 1..=8 {
        match run(&project, &source, &dest, Phase::Migrate).await {
            Ok(done) if done.counts[&ObjectKind::Tickets].rejected == 0 => {
                outcome = Some(done);
                break;
            }
            Ok(_) => eprintln!("run {attempt}: some tickets wait for the next run"),
            Err(error) => eprintln!("run {attempt} stopped: {error}"),
        }
    }
    let outcome = outcome.expect("the migration completes within 8 runs");
    eprintln!("{:?}", gorgias.stats());
    assert!(
        outcome.discrepancies.is_empty(),
        "{:?}",
        outcome.discrepancies
    );
    let injected = gorgias.stats().faults;
    assert!(
        injected.server_errors_after + injected.resets_after > 0,
        "faults were injected: {injected:?}"
    );

    let snapshot = gorgias.snapshot();
    let tickets = per_external_id(&snapshot, "tickets");
    let duplicates: Vec<_> = tickets.iter().filter(|(_, n)| **n > 1).collect();
    assert!(duplicates.is_empty(), "duplicated tickets: {duplicates:?}");
    let missing: Vec<String> = stames
        .data()
        .tickets
        .iter()
        .filter_map(|t| t.ticket.id)
        .map(|id| id.to_string())
        .filter(|id| !tickets.contains_key(id))
        .collect();
    assert!(missing.is_empty(), "missing tickets: {missing:?}");
    let customers = per_external_id(&snapshot, "customers");
    assert!(customers.values().all(|n| *n == 1), "duplicated customers");
    let mut messages: HashMap<String, usize> = HashMap::new();
    for ticket in snapshot["tickets"].as_array().into_iter().flatten() {
        for m in ticket["messages"].as_array().into_iter().flatten() {
            if let Some(x) = m["external_id"].as_str() {
                *messages.entry(x.to_string()).or_default() += 1;
            }
        }
    }
    assert!(messages.values().all(|n| *n == 1), "duplicated messages");
    assert!(gorgias.sends().is_empty());
}
