//! `deskshift plan` against Salesforce: every would-be reject is named before
//! anything moves (by the same describe validation the writer runs), nothing
//! is written to the org, and the counts it predicts are the counts the
//! migration then has.

use crate::common;

use common::*;
use deskshift_core::model::ObjectKind;
use deskshift_core::plan::Outcome as PlanOutcome;
use deskshift_sim::faults::FaultSpec;
use deskshift_sim::salesforce::ExistingData;
use serde_json::json;

/// Every kind the Salesforce writer loads record by record.
const LOADED: [ObjectKind; 7] = [
    ObjectKind::Users,
    ObjectKind::Customers,
    ObjectKind::Tickets,
    ObjectKind::Messages,
    ObjectKind::Attachments,
    ObjectKind::StatusEvents,
    ObjectKind::CustomObjectRecords,
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_names_the_rejects_writes_nothing_and_predicts_the_migration() {
    let stames = stames_with_malformed(11, 40, 12).await;
    let org = org(ExistingData::default(), FaultSpec::default()).await;
    let (source, dest, project) = (source(&stames), destination(&org), Project::new());
    discover(&project, &source).await;

    let before = org.snapshot();
    let plan = plan(&project, &source, &dest).await;
    assert_eq!(org.snapshot(), before, "plan wrote to the org");
    assert_plan_rejects_malformed(&stames, &plan);
    assert!(
        plan.objects[&ObjectKind::Attachments].rejected > 0,
        "files behind authentication"
    );

    let migrated = run(&project, &source, &dest, Phase::Migrate).await.unwrap();
    assert_plan_predicted(&plan, &migrated, &LOADED);

    // After the load, a new plan sees everything as already there.
    let again = deskshift_sim::harness::plan(&project, &source, &dest).await;
    let tickets = again.objects[&ObjectKind::Tickets];
    assert_eq!(tickets.create, 0, "{tickets:?}");
    assert_eq!(
        tickets.matched,
        migrated.counts[&ObjectKind::Tickets].created
    );
}

/// An org whose Contacts require a field deskshift does not fill: plan
/// rejects every customer (and the tickets that need its Contact) naming
/// the field, before a single call; migrate then refuses exactly those.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_required_field_the_map_leaves_empty_is_a_planned_reject() {
    let stames = stames(5, 12).await;
    let existing = ExistingData {
        custom_fields: vec![json!({
            "FullName": "Contact.Account_Manager__c",
            "Metadata": {"label": "Account manager", "type": "Text", "length": 20, "required": true}
        })],
        ..ExistingData::default()
    };
    let org = org(existing, FaultSpec::default()).await;
    let (source, dest, project) = (source(&stames), destination(&org), Project::new());
    discover(&project, &source).await;

    let plan = plan(&project, &source, &dest).await;
    let customers = plan.objects[&ObjectKind::Customers];
    assert_eq!(
        customers.rejected, customers.source,
        "{customers:?} {:#?}",
        plan.reasons
    );
    let reason = plan
        .reasons
        .iter()
        .find(|r| r.kind == ObjectKind::Customers && r.outcome == PlanOutcome::Reject)
        .expect("a customer reject");
    assert!(reason.field.contains("Account_Manager__c"), "{reason:?}");
    assert!(!reason.hint.is_empty());
    assert_eq!(plan.objects[&ObjectKind::Tickets].create, 0);

    let migrated = run(&project, &source, &dest, Phase::Migrate).await.unwrap();
    assert_plan_predicted(&plan, &migrated, &LOADED[..3]);
}
