//! End to end: a generated Stames workspace into the Gorgias emulator, then
//! verification, then verification of a record someone changed.

use crate::common;

use common::*;
use deskshift_core::model::ObjectKind;
use deskshift_sim::faults::FaultSpec;
use deskshift_sim::gorgias::ExistingData;
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workspace_migrates_completely_verifies_clean_and_sends_nothing() {
    let stames = stames(11, 50).await;
    let gorgias = gorgias(ExistingData::default(), FaultSpec::default()).await;
    let (source, dest, project) = (source(&stames), destination(&gorgias), Project::new());
    let outcome = run(&project, &source, &dest, Phase::Migrate).await.unwrap();
    assert!(
        outcome.discrepancies.is_empty(),
        "{:?}",
        outcome.discrepancies
    );
    assert!(gorgias.sends().is_empty(), "{:?}", gorgias.sends());
    for kind in [
        ObjectKind::Tickets,
        ObjectKind::Messages,
        ObjectKind::Customers,
    ] {
        let s = outcome.counts[&kind];
        assert_eq!(s.rejected + s.skipped, 0, "{kind}: {s:?}");
    }
    // Files behind authentication are the only rejects, with a reason.
    let attachments = outcome.counts[&ObjectKind::Attachments];
    assert!(attachments.created > 0);
    let rejects = project.ledger().rejects(None).unwrap();
    assert_eq!(rejects.len() as u64, attachments.rejected);
    assert!(
        rejects.iter().all(|r| r.reject.field == "requires_auth"),
        "{rejects:?}"
    );
    // Every message is history: it carries sent_datetime.
    let snapshot = gorgias.snapshot();
    for ticket in snapshot["tickets"].as_array().unwrap() {
        for m in ticket["messages"].as_array().unwrap() {
            assert!(!m["sent_datetime"].is_null(), "{m}");
        }
    }

    let verified = run(&project, &source, &dest, Phase::Verify).await.unwrap();
    let report = verified.verify.unwrap();
    assert!(
        report.is_clean(),
        "{:?}",
        &report.mismatches[..report.mismatches.len().min(5)]
    );
    let (tickets_ok, _) = report.counts[&ObjectKind::Tickets];
    assert_eq!(tickets_ok, outcome.counts[&ObjectKind::Tickets].created);
    assert_eq!(
        verified.counts[&ObjectKind::Messages].verified,
        outcome.counts[&ObjectKind::Messages].created
    );

    // Someone changes a migrated ticket: verify names the field.
    let ticket = snapshot["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["priority"] != "low")
        .unwrap();
    let id = ticket["id"].as_u64().unwrap();
    let _: Value = dest
        .client()
        .put(&format!("/tickets/{id}"), &json!({"priority": "low"}))
        .await
        .unwrap();
    let report = run(&project, &source, &dest, Phase::Verify)
        .await
        .unwrap()
        .verify
        .unwrap();
    assert_eq!(report.counts[&ObjectKind::Tickets].1, 1);
    let mismatch = report
        .mismatches
        .iter()
        .find(|m| m.field == "priority")
        .expect("priority mismatch");
    assert_eq!(mismatch.dest_id.as_deref(), Some(id.to_string().as_str()));
    assert_eq!(mismatch.actual, "Some(\"low\")");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sample_migrates_n_tickets_with_their_customers_only_then_the_rest_follows() {
    let stames = stames(8, 30).await;
    let gorgias = gorgias(ExistingData::default(), FaultSpec::default()).await;
    let (source, dest, project) = (source(&stames), destination(&gorgias), Project::new());
    let sample = run(&project, &source, &dest, Phase::Sample(5))
        .await
        .unwrap();
    assert!(
        sample.discrepancies.is_empty(),
        "{:?}",
        sample.discrepancies
    );
    assert_eq!(sample.counts[&ObjectKind::Tickets].created, 5);
    let snapshot = gorgias.snapshot();
    assert_eq!(snapshot["tickets"].as_array().unwrap().len(), 5);
    let customers = snapshot["customers"].as_array().unwrap().len();
    assert!(customers <= 6, "only the sample's customers ({customers})");
    // The full run picks up where the sample left off.
    let full = run(&project, &source, &dest, Phase::Migrate).await.unwrap();
    assert!(full.discrepancies.is_empty(), "{:?}", full.discrepancies);
    assert_eq!(gorgias.snapshot()["tickets"].as_array().unwrap().len(), 30);
}
