//! Crash safety, the way it fails in real life: `deskshift migrate` killed with
//! SIGKILL at several points, then run again until it finishes. The Gorgias
//! emulator (a separate process, like the real service) must end up with
//! every record exactly once — counted in the destination itself, not in our
//! ledger, which could not see a duplicate it never recorded.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::common;

use common::{kill_migrate_repeatedly, run_ok, Sim};

const GORGIAS_USER: &str = "demo@deskshift.invalid";
const GORGIAS_KEY: &str = "demo-gorgias-key";

/// Every record of a Gorgias list endpoint, following `next_cursor`.
async fn list_all(http: &reqwest::Client, base: &str, path: &str) -> Vec<serde_json::Value> {
    let mut records = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut request = http
            .get(format!("{base}{path}"))
            .basic_auth(GORGIAS_USER, Some(GORGIAS_KEY))
            .query(&[("limit", "100")]);
        if let Some(c) = &cursor {
            request = request.query(&[("cursor", c)]);
        }
        let response = request.send().await.unwrap();
        if response.status() == 429 {
            tokio::time::sleep(Duration::from_millis(200)).await;
            continue;
        }
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        let page: serde_json::Value = response.json().await.unwrap();
        records.extend(page["data"].as_array().unwrap().iter().cloned());
        match page["meta"]["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => return records,
        }
    }
}

/// How many destination records carry each external id.
fn by_external_id(records: &[serde_json::Value]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for record in records {
        if let Some(id) = record["external_id"].as_str() {
            *counts.entry(id.to_string()).or_default() += 1;
        }
    }
    counts
}

#[test]
fn killing_migrate_at_any_point_never_duplicates_or_loses_a_record() {
    let stames = Sim::start(&[
        "stames",
        "--port",
        "0",
        "--tickets",
        "50",
        "--seed",
        "21",
        "--budget",
        "100000/60",
    ]);
    let gorgias = Sim::start(&["gorgias", "--port", "0", "--budget", "40/2"]);
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path();
    common::init_gorgias(project, &stames, &gorgias, "40/2");
    run_ok(project, &["discover"]);
    common::confirm_map(project);
    run_ok(project, &["prepare"]);

    // Kill at increasing depths into the load: during schema, customers,
    // tickets. Each run resumes from what the ledger and destination hold.
    // At 40 calls per 2 s the load takes several seconds, so at least the
    // first three kills land mid-run; and a run after a kill must recover,
    // never fail.
    let (interrupted, failed) = kill_migrate_repeatedly(project, &[250, 600, 900, 1300, 1800]);
    assert!(
        interrupted >= 3,
        "too few kills landed mid-run: {interrupted}"
    );
    assert_eq!(failed, 0, "a run failed to recover");

    // Then let it finish; a finished run exits 0 and reconciles.
    run_ok(project, &["migrate"]);
    run_ok(project, &["verify"]);

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (tickets, customers) = runtime.block_on(async {
        let http = reqwest::Client::new();
        (
            list_all(&http, &gorgias.url, "/api/tickets").await,
            list_all(&http, &gorgias.url, "/api/customers").await,
        )
    });
    let ticket_ids = by_external_id(&tickets);
    let duplicated: Vec<_> = ticket_ids.iter().filter(|(_, n)| **n > 1).collect();
    assert!(duplicated.is_empty(), "duplicate tickets: {duplicated:?}");
    assert_eq!(ticket_ids.len(), 50, "every ticket exactly once");
    let customer_ids = by_external_id(&customers);
    let duplicated: Vec<_> = customer_ids.iter().filter(|(_, n)| **n > 1).collect();
    assert!(duplicated.is_empty(), "duplicate customers: {duplicated:?}");

    // Messages: each ticket holds exactly the thread length Stames reports.
    let expected: BTreeMap<String, u64> = deskshift_sim::stames::StamesData::generate(21, 50, 0)
        .tickets
        .iter()
        .map(|t| (t.ticket.id.unwrap().to_string(), t.messages.len() as u64))
        .collect();
    for ticket in &tickets {
        let external = ticket["external_id"].as_str().unwrap();
        let count = ticket["messages_count"].as_u64().unwrap_or_default();
        // The status-history note is one internal note more than the thread.
        let thread = expected[external];
        assert!(
            count == thread || count == thread + 1,
            "ticket {external}: {count} messages, Stames has {thread}"
        );
    }
}
