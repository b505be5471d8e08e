//! A misbehaving org (5xx before and after writes, dropped connections,
//! concurrent-request storms, row locks): re-running until done leaves
//! zero duplicates and nothing missing, on both the sObject Collections
//! and the Bulk API 2.0 routes.

use crate::common;

use common::*;
use deskshift_core::model::ObjectKind;
use deskshift_sim::salesforce::ExistingData;
use serde_json::Value;
use std::collections::HashMap;

/// How many live records of `object` carry each value of `field`.
fn per_key(snapshot: &Value, object: &str, field: &str) -> HashMap<String, usize> {
    let mut seen = HashMap::new();
    for record in records(snapshot, object) {
        if let Some(key) = record[field].as_str() {
            *seen.entry(key.to_string()).or_default() += 1;
        }
    }
    seen
}

async fn faults_leave_no_duplicate_and_nothing_missing(bulk_threshold: usize) {
    let stames = stames(5, 40).await;
    let faults =
        "5xx=0.08,5xx-after=0.04,reset=0.03,reset-after=0.03,storm=0.01@200ms,lock=0.05,seed=9"
            .parse()
            .expect("fault spec");
    let org = org(ExistingData::default(), faults).await;
    let dest = destination_with(&org, |c| c.bulk_threshold = bulk_threshold);
    let (source, project) = (source(&stames), Project::new());

    // An operator re-runs a migration that stopped; each run resumes where
    // the last one ended.
    let outcome = migrate_until_done(&project, &source, &dest, 12).await;
    let stats = org.stats();
    eprintln!("{stats:?}");
    assert!(
        outcome.discrepancies.is_empty(),
        "{:?}",
        outcome.discrepancies
    );
    let injected = stats.faults;
    assert!(
        injected.server_errors_after + injected.resets_after > 0,
        "faults after writes were injected: {injected:?}"
    );

    let snapshot = org.snapshot();
    let data = stames.data();
    let cases = per_key(&snapshot, "Case", "Stames_Ticket_Id__c");
    let duplicated: Vec<_> = cases.iter().filter(|(_, n)| **n > 1).collect();
    assert!(duplicated.is_empty(), "duplicated Cases: {duplicated:?}");
    let missing: Vec<String> = data
        .tickets
        .iter()
        .filter_map(|t| t.ticket.id)
        .map(|id| id.to_string())
        .filter(|id| !cases.contains_key(id))
        .collect();
    assert!(missing.is_empty(), "missing Cases: {missing:?}");
    for (object, key) in [
        ("Contact", "Stames_Customer_Id__c"),
        ("Account", "Stames_Account_Key__c"),
        ("EmailMessage", "Stames_Message_Id__c"),
        ("ContentVersion", "Stames_Attachment_Id__c"),
        ("Stames_Status_Event__c", "Stames_Event_Id__c"),
    ] {
        let seen = per_key(&snapshot, object, key);
        let duplicated: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
        assert!(duplicated.is_empty(), "duplicated {object}: {duplicated:?}");
    }
    let mut markers: HashMap<String, usize> = HashMap::new();
    for comment in records(&snapshot, "CaseComment") {
        let body = comment["CommentBody"].as_str().unwrap_or_default();
        let first = body.lines().next().unwrap_or_default().to_string();
        *markers.entry(first).or_default() += 1;
    }
    assert!(markers.values().all(|n| *n == 1), "duplicated CaseComments");
    let messages = outcome.counts[&ObjectKind::Messages];
    let rejects: Vec<_> = project
        .ledger()
        .rejects(None)
        .unwrap()
        .into_iter()
        .filter(|r| r.reject.kind == ObjectKind::Messages)
        .collect();
    assert!(rejects.is_empty(), "{rejects:#?}");
    assert_eq!(
        messages.created,
        data.tickets
            .iter()
            .map(|t| t.messages.len() as u64)
            .sum::<u64>(),
        "{messages:?}"
    );
    assert!(org.auto_assignments().is_empty());
    assert_verifies_clean(&project, &source, &dest).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_on_the_collections_route() {
    faults_leave_no_duplicate_and_nothing_missing(usize::MAX).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_on_the_bulk_route() {
    faults_leave_no_duplicate_and_nothing_missing(1).await;
}
