//! A misbehaving Gorgias (5xx before and after writes, dropped connections,
//! 429 storms): re-running until done leaves zero duplicates and nothing
//! missing.

use crate::common;

use common::*;
use deskshift_sim::gorgias::ExistingData;
use std::collections::HashMap;

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
    let outcome = migrate_until_done(&project, &source, &dest, 8).await;
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
