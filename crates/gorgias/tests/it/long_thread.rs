//! A ticket with more messages than one Gorgias create takes (500): the
//! rest continue through the messages endpoint, complete and in order.

use crate::common;

use common::*;
use deskshift_core::model::ObjectKind;
use deskshift_sim::faults::FaultSpec;
use deskshift_sim::gorgias::ExistingData;
use deskshift_sim::stames::{StamesConfig, StamesEmulator};
use serde_json::{json, Value};

const MESSAGES: usize = 620;

/// A Stames workspace whose first ticket has `MESSAGES` messages, written
/// into the emulator's state file between two starts.
async fn long_workspace(dir: &std::path::Path) -> deskshift_sim::stames::RunningEmulator {
    let state = dir.join("stames.json");
    let config = StamesConfig {
        seed: 3,
        tickets: 5,
        budget: "100000/60".parse().unwrap(),
        state_file: Some(state.clone()),
        ..StamesConfig::default()
    };
    StamesEmulator::start(config.clone(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
        .shutdown()
        .await;
    let mut file: Value = serde_json::from_slice(&std::fs::read(&state).unwrap()).unwrap();
    let thread = &mut file["data"]["tickets"][0];
    let ticket_id = thread["ticket"]["id"].clone();
    let customer = thread["ticket"]["customer_id"].clone();
    let start =
        chrono::DateTime::parse_from_rfc3339(thread["ticket"]["created_at"].as_str().unwrap())
            .unwrap();
    let messages: Vec<Value> = (0..MESSAGES)
        .map(|i| {
            let from_customer = i % 3 != 1;
            json!({
                "id": 80_000_000 + i as u64,
                "ticket_id": ticket_id,
                "author": if from_customer {
                    json!({"type": "customer", "id": customer, "name": null, "handle": null})
                } else {
                    json!({"type": "system", "id": null, "name": "Stames", "handle": null})
                },
                "private": false,
                "channel": "email",
                "body_text": format!("message number {i}"),
                "body_html": null,
                "attachments": [],
                "created_at": (start + chrono::Duration::minutes(i as i64 + 1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            })
        })
        .collect();
    thread["messages"] = Value::Array(messages);
    // Records Gorgias would refuse as they are, to be repaired on the way.
    let other = &mut file["data"]["tickets"][1];
    other["ticket"]["subject"] = json!("Very long subject ".repeat(70));
    other["ticket"]["tags"] = json!([format!("x{}", "y".repeat(300)), "VIP"]);
    other["messages"][0]["body_text"] = json!("");
    other["messages"][0]["body_html"] = Value::Null;
    other["messages"][0]["attachments"] = json!([]);
    std::fs::write(&state, serde_json::to_vec(&file).unwrap()).unwrap();
    StamesEmulator::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thread_longer_than_one_create_arrives_complete_and_in_order() {
    let project = Project::new();
    let stames = long_workspace(project.dir.path()).await;
    let gorgias = gorgias(ExistingData::default(), FaultSpec::default()).await;
    let (source, dest) = (source(&stames), destination(&gorgias));
    let outcome = run(&project, &source, &dest, Phase::Migrate).await.unwrap();
    assert!(
        outcome.discrepancies.is_empty(),
        "{:?}",
        outcome.discrepancies
    );
    assert_eq!(outcome.counts[&ObjectKind::Tickets].rejected, 0);

    let snapshot = gorgias.snapshot();
    let long = snapshot["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["messages"].as_array().is_some_and(|m| m.len() > 500))
        .expect("the long ticket is in Gorgias");
    let external: Vec<&str> = long["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["external_id"].as_str())
        .filter(|x| !x.starts_with("deskshift-note:"))
        .collect();
    let expected: Vec<String> = (0..MESSAGES)
        .map(|i| (80_000_000 + i).to_string())
        .collect();
    assert_eq!(external, expected, "every message, once, in order");
    assert!(long["messages"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| !m["sent_datetime"].is_null()));
    assert!(gorgias.sends().is_empty());

    assert_verifies_clean(&project, &source, &dest).await;
}
