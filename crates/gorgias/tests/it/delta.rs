//! `delta` into Gorgias: after a migration, changes in Stames (a status,
//! an assignee, tags, a new message with a file, a new ticket, a new
//! customer, a renamed customer) are applied with their before-images
//! journaled; `verify` is clean afterwards; a second delta changes nothing;
//! `delta --check` reports zero once the source is quiet.

use crate::common;

use common::*;
use deskshift_core::delta::Change;
use deskshift_core::ledger::{IdMapState, Operation};
use deskshift_core::model::ObjectKind;
use deskshift_sim::gorgias::ExistingData;
use deskshift_sim::stames::writes::{
    CustomerPatch, NewAttachment, NewAuthor, NewCustomer, NewMessage, NewTicket, TicketPatch,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delta_applies_source_changes_once_and_verify_stays_clean() {
    let w = World::start(31, 24, ExistingData::default()).await;
    let (stames, gorgias, source, project) = (&w.stames, &w.gorgias, &w.source, &w.project);
    w.run(Phase::Migrate).await;

    // Pick migrated records to change.
    let ledger = project.ledger();
    let data = stames.data();
    let created = |kind: ObjectKind, id: &str| {
        ledger
            .mapping(kind, id)
            .unwrap()
            .is_some_and(|e| e.state == IdMapState::Created)
    };
    let tickets: Vec<u64> = data
        .tickets
        .iter()
        .filter_map(|t| t.ticket.id)
        .filter(|id| created(ObjectKind::Tickets, &id.to_string()))
        .collect();
    let customer = data
        .customers
        .iter()
        .filter_map(|c| c.id)
        .find(|id| created(ObjectKind::Customers, &id.to_string()))
        .expect("a created customer");
    let agent = data
        .agents
        .iter()
        .find(|a| a.status == "active")
        .and_then(|a| a.id)
        .expect("an active agent");
    drop(ledger);
    let (changed, messaged) = (tickets[0], tickets[1]);
    let status = data
        .tickets
        .iter()
        .find(|t| t.ticket.id == Some(changed))
        .map(|t| {
            if t.ticket.status == "closed" {
                "open"
            } else {
                "closed"
            }
        })
        .unwrap();

    stames
        .patch_ticket(
            changed,
            TicketPatch {
                status: Some(status.into()),
                priority: Some("urgent".into()),
                assignee_id: Some(Some(agent)),
                tags: Some(vec!["cutover".into(), "VIP".into()]),
                agent_id: Some(agent),
            },
        )
        .await
        .expect("status change");
    stames
        .add_message(
            messaged,
            NewMessage {
                author: Some(NewAuthor {
                    author_type: "customer".into(),
                    id: None,
                }),
                body_text: "Any news? I'm still waiting 🙏".into(),
                attachments: vec![NewAttachment {
                    file_name: "receipt (1).pdf".into(),
                    content_type: "application/pdf".into(),
                    size: 4_321,
                    inline: false,
                }],
                ..NewMessage::default()
            },
        )
        .await
        .expect("new message");
    let fresh_customer = stames
        .create_customer(NewCustomer {
            name: Some("Ada New".into()),
            email: Some("ada.new@example.org".into()),
            ..NewCustomer::default()
        })
        .await
        .expect("new customer")
        .id
        .unwrap();
    let fresh_ticket = stames
        .create_ticket(NewTicket {
            subject: "Arrived during the freeze".into(),
            channel: "email".into(),
            customer_id: fresh_customer,
            status: None,
            priority: None,
            assignee_id: None,
            department_id: None,
            tags: vec!["cutover".into()],
            custom_fields: Vec::new(),
            message: NewMessage {
                body_text: "Hello, is anyone there?".into(),
                ..NewMessage::default()
            },
        })
        .await
        .expect("new ticket")
        .id
        .unwrap();
    stames
        .patch_customer(
            customer,
            CustomerPatch {
                name: Some(Some("Renamed During Cutover".into())),
                ..CustomerPatch::default()
            },
        )
        .await
        .expect("rename");

    let check = delta_check(project, source).await;
    assert_eq!(
        check.changes[&ObjectKind::Tickets].changed,
        2,
        "{:?}",
        check.changes
    );
    assert_eq!(check.changes[&ObjectKind::Tickets].new, 1);
    assert_eq!(check.changes[&ObjectKind::Customers].new, 1);
    assert_eq!(check.changes[&ObjectKind::Customers].changed, 1);
    assert_eq!(check.pending, 5);

    let (summary, report) = w.delta().await;
    assert!(summary.reconciled, "{:?}", summary.objects);
    assert_eq!(report.pending, 5);
    let tickets_summary = summary.objects[&ObjectKind::Tickets];
    assert_eq!(tickets_summary.source, 3, "{tickets_summary:?}");
    assert_eq!(tickets_summary.updated, 2, "{tickets_summary:?}");
    assert_eq!(summary.objects[&ObjectKind::Customers].updated, 1);
    assert!(
        report.examples[&ObjectKind::Tickets].contains(&(fresh_ticket.to_string(), Change::New))
    );

    // Before-images are journaled for every update.
    let ledger = project.ledger();
    let updates: Vec<_> = ledger
        .journal(None)
        .unwrap()
        .into_iter()
        .filter(|e| e.intent.operation == Operation::Update && e.intent.kind == ObjectKind::Tickets)
        .collect();
    assert_eq!(updates.len(), 2);
    let image = updates
        .iter()
        .find(|e| e.intent.source_id == changed.to_string())
        .and_then(|e| e.intent.before_image.clone())
        .expect("before-image of the status change");
    assert_ne!(image["status"], serde_json::json!(status), "{image}");
    assert_eq!(
        ledger
            .mapping(ObjectKind::Tickets, &changed.to_string())
            .unwrap()
            .unwrap()
            .state,
        IdMapState::Created,
        "still a ticket deskshift created"
    );
    drop(ledger);

    w.assert_verifies_clean().await;
    assert!(gorgias.sends().is_empty(), "{:?}", gorgias.sends());

    // Twice in a row: nothing changes the second time.
    let calls = gorgias.stats().calls;
    let before = gorgias.snapshot();
    let (summary, report) = w.delta().await;
    assert_eq!(report.pending, 0, "{:?}", report.changes);
    assert!(
        summary.objects.values().all(|o| o.updated == 0),
        "{:?}",
        summary.objects
    );
    assert_eq!(
        gorgias.snapshot(),
        before,
        "the second delta changed Gorgias"
    );
    assert!(gorgias.stats().calls >= calls);
    assert_eq!(delta_check(project, source).await.pending, 0);
}
