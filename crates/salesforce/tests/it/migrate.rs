//! End to end: a generated Stames workspace into the Salesforce emulator,
//! then verification, then verification of a record someone changed.

use crate::common;

use common::*;
use deskshift_core::destination::Destination;
use deskshift_core::model::ObjectKind;
use deskshift_sim::faults::FaultSpec;
use deskshift_sim::salesforce::{AssignmentRuleSeed, ExistingData};
use serde_json::Value;
use std::collections::HashMap;

/// An org with an active Case assignment rule, which a load must not let
/// fire (it would re-own every inserted Case and notify the new owner).
fn existing() -> ExistingData {
    ExistingData {
        assignment_rules: vec![AssignmentRuleSeed {
            name: "Route to the support queue".into(),
            active: true,
            assign_to_user: None,
        }],
        ..ExistingData::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workspace_migrates_completely_verifies_clean_and_fires_nothing() {
    let stames = stames(11, 50).await;
    let org = org(existing(), FaultSpec::default()).await;
    let (source, dest, project) = (source(&stames), destination(&org), Project::new());

    let effects = dest.preflight().await.expect("preflight");
    assert!(
        effects
            .iter()
            .any(|e| e.kind == "assignment_rule" && !e.blocking),
        "the assignment rule is found and handled: {effects:?}"
    );
    let outcome = run(&project, &source, &dest, Phase::Migrate).await.unwrap();
    assert!(
        outcome.discrepancies.is_empty(),
        "{:?}",
        outcome.discrepancies
    );
    assert!(
        org.auto_assignments().is_empty(),
        "an assignment rule re-owned migrated Cases: {:?}",
        org.auto_assignments()
    );
    for kind in [
        ObjectKind::Tickets,
        ObjectKind::Messages,
        ObjectKind::Customers,
        ObjectKind::StatusEvents,
    ] {
        let s = outcome.counts[&kind];
        assert_eq!(s.rejected + s.skipped, 0, "{kind}: {s:?}");
        assert!(s.created > 0, "{kind}: {s:?}");
    }
    // Files behind authentication are the only rejects, with a reason.
    let attachments = outcome.counts[&ObjectKind::Attachments];
    assert!(attachments.created > 0);
    let rejects = project.ledger().rejects(None).unwrap();
    assert_eq!(rejects.len() as u64, attachments.rejected, "{rejects:?}");

    // Every Case keeps its original creation time (audit fields granted),
    // and every EmailMessage is history (Status 3 = Sent).
    let snapshot = org.snapshot();
    let data = stames.data();
    let created: HashMap<String, String> = data
        .tickets
        .iter()
        .map(|t| {
            (
                t.ticket.id.unwrap().to_string(),
                t.ticket.created_at.clone(),
            )
        })
        .collect();
    let cases: Vec<&Value> = records(&snapshot, "Case").collect();
    assert_eq!(cases.len(), 50);
    for case in &cases {
        let ticket = case["Stames_Ticket_Id__c"].as_str().unwrap();
        let original = chrono::DateTime::parse_from_rfc3339(&created[ticket]).unwrap();
        let landed = case["CreatedDate"].as_str().unwrap();
        let landed = chrono::DateTime::parse_from_str(landed, "%Y-%m-%dT%H:%M:%S%.f%z")
            .or_else(|_| chrono::DateTime::parse_from_rfc3339(landed))
            .unwrap();
        assert_eq!(landed.timestamp(), original.timestamp(), "{case}");
    }
    for email in records(&snapshot, "EmailMessage") {
        assert_eq!(email["Status"], "3", "{email}");
    }

    let verified = run(&project, &source, &dest, Phase::Verify).await.unwrap();
    let report = verified.verify.unwrap();
    assert!(
        report.is_clean(),
        "{:?}",
        &report.mismatches[..report.mismatches.len().min(5)]
    );
    for kind in [ObjectKind::Tickets, ObjectKind::Messages] {
        let (verified, _) = report.counts[&kind];
        assert_eq!(verified, outcome.counts[&kind].created, "{kind}");
    }

    // A second run writes nothing: the org holds exactly what it held.
    // (Its counts still report the whole job: done records count again.)
    let before = org.snapshot();
    let again = run(&project, &source, &dest, Phase::Migrate).await.unwrap();
    assert!(again.discrepancies.is_empty(), "{:?}", again.discrepancies);
    assert_eq!(live_counts(&org.snapshot()), live_counts(&before));
}

/// Live records per object.
fn live_counts(snapshot: &Value) -> Vec<(String, usize)> {
    snapshot
        .as_object()
        .unwrap()
        .iter()
        .map(|(object, records)| (object.clone(), records.as_array().map_or(0, Vec::len)))
        .collect()
}
