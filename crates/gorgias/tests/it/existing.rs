//! An account that is not empty: existing users and customers are matched
//! and left untouched, active rules block the load until paused and are
//! restored exactly, and a second run creates nothing.

use crate::common;

use common::*;
use deskshift_core::destination::Destination;
use deskshift_core::model::ObjectKind;
use deskshift_sim::faults::FaultSpec;
use deskshift_sim::gorgias::ExistingData;
use serde_json::{json, Value};

/// Records of `kind` in a snapshot whose `field` is in `values`.
fn pick(snapshot: &Value, kind: &str, field: &str, values: &[String]) -> Vec<Value> {
    let mut found: Vec<Value> = snapshot[kind]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| {
            r[field]
                .as_str()
                .is_some_and(|v| values.iter().any(|x| x.eq_ignore_ascii_case(v)))
        })
        .cloned()
        .collect();
    found.sort_by_key(|r| r["id"].as_u64());
    found
}

fn ids(snapshot: &Value, kind: &str) -> Vec<u64> {
    let mut ids: Vec<u64> = snapshot[kind]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["id"].as_u64())
        .collect();
    ids.sort_unstable();
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn existing_records_are_matched_untouched_rules_restored_and_reruns_create_nothing() {
    let stames = stames(23, 30).await;
    let data = stames.data();
    let agent_emails: Vec<String> = data
        .agents
        .iter()
        .filter_map(|a| a.email.clone())
        .take(2)
        .collect();
    let mut customer_emails: Vec<String> = Vec::new();
    for email in data.customers.iter().filter_map(|c| c.email.as_deref()) {
        let email = email.trim().to_lowercase();
        if deskshift_core::normalise::is_email(&email) && !customer_emails.contains(&email) {
            customer_emails.push(email);
        }
    }
    customer_emails.truncate(3);
    let existing = ExistingData {
        users: agent_emails
            .iter()
            .map(|email| json!({"email": email, "name": "Already here", "role": {"name": "agent"}}))
            .collect(),
        customers: customer_emails
            .iter()
            .map(|email| {
                json!({
                    "email": email,
                    "name": "Pre-existing",
                    "channels": [{"type": "email", "address": email, "preferred": true}]
                })
            })
            .collect(),
        rules: vec![
            json!({"name": "Auto-reply", "code": "reply()", "event_types": "ticket-created"}),
            json!({"name": "Tag VIP", "code": "tag()", "event_types": "ticket-message-created"}),
            json!({"name": "Old", "code": "x()", "event_types": "ticket-created",
                   "deactivated_datetime": "2024-01-01T00:00:00Z"}),
        ],
        ..ExistingData::default()
    };
    let gorgias = gorgias(existing, FaultSpec::default()).await;
    let (source, dest, project) = (source(&stames), destination(&gorgias), Project::new());
    let before = gorgias.snapshot();

    // Two active rules block the load; the deactivated one does not.
    let effects = dest.preflight().await.unwrap();
    assert_eq!(effects.len(), 2, "{effects:?}");
    assert!(effects.iter().all(|e| e.blocking && e.kind == "rule"));

    run(&project, &source, &dest, Phase::Prepare { pause: true })
        .await
        .unwrap();
    assert!(
        dest.preflight().await.unwrap().is_empty(),
        "paused rules no longer block"
    );
    let first = run(&project, &source, &dest, Phase::Migrate).await.unwrap();
    assert!(first.discrepancies.is_empty(), "{:?}", first.discrepancies);
    assert_eq!(
        gorgias.stats().rules_fired,
        0,
        "no rule ran on migrated tickets"
    );
    assert!(gorgias.sends().is_empty());

    let after = gorgias.snapshot();
    // Exactly the paused rules are active again; the old one is still off.
    let active = |s: &Value| -> Vec<String> {
        let mut names: Vec<String> = s["rules"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|r| r["deactivated_datetime"].is_null())
            .filter_map(|r| r["name"].as_str().map(String::from))
            .collect();
        names.sort();
        names
    };
    assert_eq!(active(&after), ["Auto-reply", "Tag VIP"]);
    assert_eq!(dest.preflight().await.unwrap().len(), 2);

    // Matched users and customers are exactly as they were.
    assert_eq!(
        pick(&before, "users", "email", &agent_emails),
        pick(&after, "users", "email", &agent_emails)
    );
    assert_eq!(
        pick(&before, "customers", "email", &customer_emails),
        pick(&after, "customers", "email", &customer_emails)
    );
    assert_eq!(first.counts[&ObjectKind::Users].matched, 2);
    assert!(first.counts[&ObjectKind::Customers].matched >= 3);
    // Their tickets point at them.
    let pre_existing: Vec<u64> = pick(&before, "customers", "email", &customer_emails)
        .iter()
        .filter_map(|c| c["id"].as_u64())
        .collect();
    let linked = after["tickets"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|t| {
            t["customer"]["id"]
                .as_u64()
                .is_some_and(|id| pre_existing.contains(&id))
        })
        .count();
    assert!(linked > 0, "tickets of pre-existing customers link to them");

    // A second run finds everything done: nothing new, no create call.
    let calls_before = gorgias.stats().calls;
    let second = run(&project, &source, &dest, Phase::Migrate).await.unwrap();
    assert!(
        second.discrepancies.is_empty(),
        "{:?}",
        second.discrepancies
    );
    let again = gorgias.snapshot();
    for kind in ["users", "customers", "tickets", "tags", "custom_fields"] {
        assert_eq!(ids(&after, kind), ids(&again, kind), "{kind}");
    }
    assert_eq!(
        second.counts[&ObjectKind::Tickets].created,
        first.counts[&ObjectKind::Tickets].created
    );
    let extra_calls = gorgias.stats().calls - calls_before;
    assert!(
        extra_calls < 20,
        "a finished migration re-runs almost for free ({extra_calls} calls)"
    );

    assert_verifies_clean(&project, &source, &dest).await;
}
