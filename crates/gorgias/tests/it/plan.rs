//! `deskshift plan` against Gorgias: every would-be reject is named before
//! anything moves, nothing is written to the account, and the counts it
//! predicts are the counts the migration then has.

use crate::common;

use common::*;
use deskshift_core::model::ObjectKind;
use deskshift_sim::faults::FaultSpec;
use deskshift_sim::gorgias::ExistingData;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_names_the_rejects_writes_nothing_and_predicts_the_migration() {
    let stames = stames_with_malformed(11, 40, 12).await;
    let data = stames.data();
    // An account that already holds an agent and two customers: plan must
    // see them as matches, as the writer does.
    let agent = data.agents.iter().find_map(|a| a.email.clone()).unwrap();
    let customers: Vec<String> = data
        .customers
        .iter()
        .filter_map(|c| c.email.as_deref())
        .map(|e| e.trim().to_lowercase())
        .filter(|e| deskshift_core::normalise::is_email(e))
        .take(2)
        .collect();
    let existing = ExistingData {
        users: vec![json!({"email": agent, "name": "Already here", "role": {"name": "agent"}})],
        customers: customers
            .iter()
            .map(|email| {
                json!({"email": email, "name": "Pre-existing",
                       "channels": [{"type": "email", "address": email, "preferred": true}]})
            })
            .collect(),
        ..ExistingData::default()
    };
    let gorgias = gorgias(existing, FaultSpec::default()).await;
    let (source, dest, project) = (source(&stames), destination(&gorgias), Project::new());
    discover(&project, &source).await;

    let before = gorgias.snapshot();
    let plan = plan(&project, &source, &dest).await;
    assert_eq!(gorgias.snapshot(), before, "plan wrote to Gorgias");
    assert_plan_rejects_malformed(&stames, &plan);
    let matched = |kind| plan.objects[&kind].matched;
    assert!(matched(ObjectKind::Users) >= 1 && matched(ObjectKind::Customers) >= 2);
    assert!(
        plan.objects[&ObjectKind::Attachments].rejected > 0,
        "files behind authentication"
    );

    run(&project, &source, &dest, Phase::Prepare { pause: false })
        .await
        .unwrap();
    let migrated = run(&project, &source, &dest, Phase::Migrate).await.unwrap();
    assert_plan_predicted(
        &plan,
        &migrated,
        &[
            ObjectKind::Users,
            ObjectKind::Customers,
            ObjectKind::Tickets,
            ObjectKind::Messages,
            ObjectKind::Attachments,
            ObjectKind::StatusEvents,
            ObjectKind::CustomObjectRecords,
        ],
    );

    // After the load, a new plan sees everything as already there.
    let again = deskshift_sim::harness::plan(&project, &source, &dest).await;
    let tickets = again.objects[&ObjectKind::Tickets];
    assert_eq!(tickets.create, 0, "{tickets:?}");
    assert_eq!(
        tickets.matched,
        migrated.counts[&ObjectKind::Tickets].created
    );
}
