//! Outcomes are committed without an fsync of their own (intents are), so a
//! power cut can lose the outcomes of the last writes: their intents come
//! back *pending* although the records landed. Worse than any single cut,
//! this test loses every outcome of a finished migration and runs it again.
//!
//! Each landed record must be adopted as created by this migration: not
//! created a second time, and not taken for a record that was in the
//! account before (a listing by e-mail or name cannot tell the two apart,
//! and a match is left behind on rollback).

use crate::common;

use common::*;
use deskshift_core::ledger::{IdMapState, JournalId, Operation, Outcome as LedgerOutcome};
use deskshift_core::model::ObjectKind;
use deskshift_sim::faults::FaultSpec;
use deskshift_sim::gorgias::ExistingData;
use serde_json::Value;

fn count(snapshot: &Value, kind: &str) -> usize {
    snapshot[kind].as_array().map_or(0, Vec::len)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ledger_that_lost_every_outcome_adopts_what_landed() {
    let stames = stames(23, 25).await;
    let gorgias = gorgias(ExistingData::default(), FaultSpec::default()).await;
    let source = source(&stames);
    let dest = destination_with(&gorgias, |c| c.users.create_unmatched_users = true);

    let first = Project::new();
    run(&first, &source, &dest, Phase::Migrate)
        .await
        .expect("first migration");
    let landed = gorgias.snapshot();

    // The same intents, in the same order, with no outcome at all.
    let lost = Project::new();
    let creates = {
        let (done, pending) = (first.ledger(), lost.ledger());
        let run = pending.begin_run("migrate").unwrap();
        let mut creates = Vec::new();
        for id in 1.. {
            let Some(entry) = done.journal_entry(JournalId(id)).unwrap() else {
                break;
            };
            pending.record_intent(run, &entry.intent).unwrap();
            if let (Operation::Create, Some(LedgerOutcome::Created { dest_id })) =
                (entry.intent.operation, &entry.outcome)
            {
                creates.push((
                    entry.intent.kind,
                    entry.intent.source_id.clone(),
                    dest_id.clone(),
                ));
            }
        }
        // Dropped without finishing: the run reads as interrupted.
        creates
    };
    assert!(
        [
            ObjectKind::Users,
            ObjectKind::Customers,
            ObjectKind::Tags,
            ObjectKind::CustomFields,
            ObjectKind::Tickets
        ]
        .iter()
        .all(|kind| creates.iter().any(|(k, _, _)| k == kind)),
        "the first run created records of every kind the test is about"
    );

    let again = run(&lost, &source, &dest, Phase::Migrate)
        .await
        .expect("the run after the loss finishes");
    assert!(again.discrepancies.is_empty(), "{:?}", again.discrepancies);
    let ledger = lost.ledger();
    assert!(ledger.pending_intents().unwrap().is_empty());
    for (kind, source_id, dest_id) in &creates {
        let entry = ledger.mapping(*kind, source_id).unwrap().expect("mapped");
        assert_eq!(
            (entry.state, entry.dest_id.as_deref()),
            (IdMapState::Created, Some(dest_id.as_str())),
            "{kind} {source_id} is adopted as the record the first run created"
        );
    }

    let after = gorgias.snapshot();
    for kind in ["users", "customers", "tags", "custom_fields", "tickets"] {
        assert_eq!(
            count(&after, kind),
            count(&landed, kind),
            "no {kind} created twice"
        );
    }
    assert!(gorgias.sends().is_empty());
    assert_verifies_clean(&lost, &source, &dest).await;
}
