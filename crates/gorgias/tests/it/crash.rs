//! Interrupted runs: each migration is cut off mid-flight (its future
//! dropped at whatever call it was waiting on, the ledger left with pending
//! intents, as `kill -9` would), then run again, until one finishes. The
//! destination must end with every record exactly once.

use crate::common;

use common::*;
use deskshift_core::model::ObjectKind;
use deskshift_sim::gorgias::ExistingData;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_cut_off_at_any_point_finish_without_duplicates() {
    let stames = stames(17, 40).await;
    // Slow answers widen the window in which a cut lands mid-call.
    let faults = "slow=0.3@30ms,5xx-after=0.03,seed=4"
        .parse()
        .expect("fault spec");
    let gorgias = gorgias(ExistingData::default(), faults).await;
    let (source, dest, project) = (source(&stames), destination(&gorgias), Project::new());

    let mut cuts = 0;
    let mut left_pending = 0;
    let mut finished = None;
    for attempt in 0..40u64 {
        // Cut-offs of growing length, so that every run gets further.
        let budget = Duration::from_millis(150 + attempt * 100);
        match tokio::time::timeout(budget, run(&project, &source, &dest, Phase::Migrate)).await {
            Err(_) => {
                cuts += 1;
                left_pending += project.ledger().pending_intents().unwrap().len();
            }
            Ok(Ok(outcome)) if outcome.counts[&ObjectKind::Tickets].rejected == 0 => {
                finished = Some(outcome);
                break;
            }
            Ok(Ok(_)) => {}
            Ok(Err(error)) => eprintln!("run {attempt} stopped: {error}"),
        }
    }
    let outcome = finished.expect("a run finishes");
    assert!(cuts >= 2, "the test did interrupt runs ({cuts})");
    assert!(
        left_pending > 0,
        "some cut landed between an intent and its outcome"
    );
    eprintln!("{cuts} cuts, {left_pending} pending intents resolved");
    assert!(
        outcome.discrepancies.is_empty(),
        "{:?}",
        outcome.discrepancies
    );
    assert!(project.ledger().pending_intents().unwrap().is_empty());

    let snapshot = gorgias.snapshot();
    for kind in ["tickets", "customers", "custom_fields"] {
        let ids = per_external_id(&snapshot, kind);
        let duplicated: Vec<_> = ids.iter().filter(|(_, n)| **n > 1).collect();
        assert!(duplicated.is_empty(), "duplicated {kind}: {duplicated:?}");
    }
    let tickets = per_external_id(&snapshot, "tickets");
    let stames_tickets = stames.data().tickets.len();
    assert_eq!(tickets.len(), stames_tickets, "every ticket, once");
    let tags: Vec<&str> = snapshot["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["name"].as_str())
        .collect();
    let mut unique = tags.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), tags.len(), "no duplicated tag");
    assert!(gorgias.sends().is_empty());

    assert_verifies_clean(&project, &source, &dest).await;
}
