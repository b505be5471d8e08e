//! The Gorgias emulator's state: persistence across restarts, seeding, and
//! snapshots for rollback comparisons.

use crate::gorgias_common;

use deskshift_sim::gorgias::{ExistingData, GorgiasConfig};
use gorgias_common::*;
use reqwest::StatusCode;
use serde_json::json;

const T0: &str = "2021-03-03T06:00:00+00:00";

#[tokio::test]
async fn state_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let state_file = dir.path().join("gorgias.json");
    let cfg = || GorgiasConfig {
        state_file: Some(state_file.clone()),
        ..config()
    };
    let api = Api::start(cfg()).await;
    let t = api
        .create(
            "/api/tickets",
            ticket(
                "buyer@example.com",
                vec![incoming("buyer@example.com", "hi", T0)],
            ),
        )
        .await;
    let first_id = t["id"].as_u64().unwrap();
    api.create("/api/tags", json!({"name": "kept"})).await;
    let before = api.emulator.snapshot();
    api.emulator.shutdown().await;
    assert!(state_file.exists());

    // A restart serves the same account, and `existing` is ignored.
    let api = Api::start(GorgiasConfig {
        existing: ExistingData {
            tags: vec![json!({"name": "ignored"})],
            ..ExistingData::default()
        },
        ..cfg()
    })
    .await;
    assert_eq!(api.emulator.snapshot(), before);
    let again = api.get(&format!("/api/tickets/{first_id}")).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.body["messages"][0]["body_text"], "hi");
    // Ids continue after the old ones.
    api.delete(&format!("/api/tickets/{first_id}")).await;
    let next = api
        .create(
            "/api/tickets",
            ticket(
                "buyer@example.com",
                vec![incoming("buyer@example.com", "hi", T0)],
            ),
        )
        .await;
    assert!(next["id"].as_u64().unwrap() > first_id);
    api.emulator.shutdown().await;

    let garbage = dir.path().join("garbage.json");
    std::fs::write(&garbage, b"{\"not\": \"a state\"}").unwrap();
    let refused = deskshift_sim::gorgias::GorgiasEmulator::start(
        GorgiasConfig {
            state_file: Some(garbage),
            ..config()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await;
    assert!(refused.is_err());
}

#[tokio::test]
async fn seeded_records_are_history_and_deleting_what_was_created_restores_the_snapshot() {
    let existing = ExistingData {
        users: vec![
            json!({"email": "agent@acme.test", "name": "Ada Agent", "role": {"name": "agent"}}),
            json!({"email": "gone@acme.test", "name": "Gone Agent", "role": {"name": "agent"}, "active": false}),
        ],
        customers: vec![json!({
            "email": "known@example.com", "name": "Known Customer",
            "channels": [{"type": "email", "address": "known@example.com", "preferred": true}]
        })],
        tags: vec![json!({"name": "existing-tag"})],
        rules: vec![
            json!({"name": "Auto-reply", "code": "reply()", "event_types": "ticket-created"}),
        ],
        // A pre-existing ticket whose message has no sent_datetime: history, not a send.
        tickets: vec![json!({
            "customer": {"email": "known@example.com"},
            "messages": [{"channel": "email", "from_agent": false, "sender": {"email": "known@example.com"}, "body_text": "old"}]
        })],
        ..ExistingData::default()
    };
    let api = Api::with(existing).await;
    assert!(api.emulator.sends().is_empty());
    assert_eq!(api.emulator.stats().rules_fired, 0);
    assert!(api.get("/api/events").await.body["data"]
        .as_array()
        .unwrap()
        .is_empty());
    let gone = api.get("/api/users?email=gone@acme.test").await.body;
    assert_eq!(gone["data"][0]["active"], false);

    let before = api.emulator.snapshot();
    let customer_id = before["customers"][0]["id"].clone();
    let mut body = ticket(
        "known@example.com",
        vec![incoming("known@example.com", "new", T0)],
    );
    body["customer"] = json!({"id": customer_id});
    body["tags"] = json!([{"name": "existing-tag"}]);
    let created = api.create("/api/tickets", body).await;
    assert_ne!(api.emulator.snapshot(), before);
    assert_eq!(api.emulator.stats().rules_fired, 1);
    api.delete(&format!("/api/tickets/{}", created["id"])).await;
    // Child records go with the ticket, tag usage drops back: exact restore.
    assert_eq!(api.emulator.snapshot(), before);
}
