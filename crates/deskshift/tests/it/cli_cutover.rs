//! The cutover through the binary, against emulators in child processes:
//! migrate, change Stames over its API, `delta --check` (the freeze),
//! `delta`, `verify`, `report` (every section, one self-contained HTML
//! file), `rollback --dry-run`, `rollback`.

use crate::common;

use common::{confirm_map, deskshift, init_gorgias, Sim};
use deskshift_core::ledger::{IdMapState, Ledger};
use deskshift_core::model::ObjectKind;
use serde_json::{json, Value};
use std::path::Path;
use std::process::Output;

const STAMES_ACCOUNT: &str = "demo-account";
const STAMES_KEY: &str = "demo-stames-key";
const GORGIAS_USER: &str = "demo@deskshift.invalid";
const GORGIAS_KEY: &str = "demo-gorgias-key";

fn run(project: &Path, args: &[&str]) -> Output {
    deskshift(project, args).output().unwrap()
}

fn ok(project: &Path, args: &[&str]) -> Output {
    let out = run(project, args);
    assert!(
        out.status.success(),
        "deskshift {args:?}: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    out
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

async fn stames_write(
    http: &reqwest::Client,
    base: &str,
    method: reqwest::Method,
    path: &str,
    body: Value,
) {
    let response = http
        .request(method, format!("{base}/api/v1{path}"))
        .bearer_auth(STAMES_KEY)
        .header("X-Stames-Account", STAMES_ACCOUNT)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
}

async fn gorgias_tickets(http: &reqwest::Client, base: &str) -> usize {
    let request = http
        .get(format!("{base}/api/tickets?limit=100"))
        .basic_auth(GORGIAS_USER, Some(GORGIAS_KEY));
    let page: Value = request.send().await.unwrap().json().await.unwrap();
    page["data"].as_array().map_or(0, Vec::len)
}

#[test]
fn delta_verify_report_and_rollback_through_the_binary() {
    let stames = Sim::start(&["stames", "--port", "0", "--tickets", "12", "--seed", "9"]);
    let gorgias = Sim::start(&["gorgias", "--port", "0", "--budget", "400/2"]);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let http = reqwest::Client::new();
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path();
    init_gorgias(project, &stames, &gorgias, "400/2");
    ok(project, &["discover"]);
    confirm_map(project);
    let before = runtime.block_on(gorgias_tickets(&http, &gorgias.url));
    ok(project, &["migrate"]);

    // Two migrated tickets change in Stames during the freeze.
    let ledger = Ledger::open(project.join("deskshift.db")).unwrap();
    let created: Vec<String> = ledger
        .journal(None)
        .unwrap()
        .into_iter()
        .filter(|e| e.intent.kind == ObjectKind::Tickets)
        .map(|e| e.intent.source_id)
        .filter(|id| {
            ledger
                .mapping(ObjectKind::Tickets, id)
                .unwrap()
                .is_some_and(|e| e.state == IdMapState::Created)
        })
        .take(2)
        .collect();
    drop(ledger);
    assert_eq!(created.len(), 2, "two migrated tickets");
    runtime.block_on(async {
        stames_write(
            &http,
            &stames.url,
            reqwest::Method::PATCH,
            &format!("/tickets/{}", created[0]),
            json!({"priority": "urgent", "tags": ["cutover"]}),
        )
        .await;
        stames_write(
            &http,
            &stames.url,
            reqwest::Method::POST,
            &format!("/tickets/{}/messages", created[1]),
            json!({"body_text": "Any update?"}),
        )
        .await;
    });

    // `urgent` is new to the workspace: the confirmed map must say what it
    // becomes before the delta writes it (a value the map lacks is refused),
    // so the person adds it to the value map and confirms again.
    let mapping = std::fs::read_to_string(project.join("mapping.toml")).unwrap();
    let section = "[value_maps.ticket_priority]\n";
    let priorities = &mapping[mapping.find(section).expect("a priority value map")..];
    let priorities = &priorities[..priorities[1..]
        .find("\n[")
        .map_or(priorities.len(), |e| e + 1)];
    if !priorities.contains("\nurgent = ") {
        let edited = mapping.replacen(
            section,
            &format!("{section}urgent = {{ to = \"critical\", count = 0 }}\n"),
            1,
        );
        std::fs::write(project.join("mapping.toml"), edited).unwrap();
        ok(project, &["map", "confirm"]);
    }

    let check = json_of(&ok(project, &["delta", "--check", "--json"]));
    assert_eq!(check["pending"], 2, "{check}");
    assert_eq!(check["changes"]["tickets"]["changed"], 2, "{check}");

    let delta = json_of(&ok(project, &["delta", "--json"]));
    assert_eq!(delta["destination"], "gorgias");
    assert_eq!(delta["objects"]["tickets"]["updated"], 2, "{delta}");
    assert_eq!(delta["reconciled"], true);
    assert_eq!(delta["delta"]["pending"], 2);
    assert!(delta["api"]["calls"].as_u64().unwrap() > 0);

    let quiet = json_of(&ok(project, &["delta", "--check", "--json"]));
    assert_eq!(quiet["pending"], 0, "{quiet}");
    ok(project, &["verify"]);

    let report = json_of(&ok(project, &["report", "--json"]));
    let reconciliation = &report["reconciliation"];
    assert_eq!(reconciliation["mismatches"], 0, "{report}");
    assert!(reconciliation["spot_checks"].as_u64().unwrap() > 0);
    assert!(report["deliverables"].is_object(), "{report}");
    let reports = project.join("reports");
    let html = std::fs::read_to_string(reports.join("reconciliation.html")).unwrap();
    for section in [
        "1. Counts per object and phase",
        "2. The ledger now",
        "3. Verification",
        "4. Rejects",
        "5. Skips and repairs",
        "6. Spot checks",
    ] {
        assert!(html.contains(section), "{section} missing from the HTML");
    }
    let lower = html.to_ascii_lowercase();
    assert!(lower.starts_with("<!doctype html>") && lower.contains("<style>"));
    for external in ["<script", "src=", "href=", "@import", "url("] {
        assert!(
            !lower.contains(external),
            "{external} in a self-contained page"
        );
    }
    let md = std::fs::read_to_string(reports.join("reconciliation.md")).unwrap();
    assert!(
        md.contains("## 6. Spot checks") && md.contains("| adds up |"),
        "{md}"
    );
    let full: Value = serde_json::from_str(
        &std::fs::read_to_string(reports.join("reconciliation.json")).unwrap(),
    )
    .unwrap();
    let checks = full["spot_checks"].as_array().unwrap();
    assert!(checks.len() <= 25);
    assert!(
        checks.iter().all(|c| !c["destination"].is_null()),
        "{checks:?}"
    );
    assert!(full["runs"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["command"] == "delta" && r["counts"]["finished"] == true));

    let migrated = runtime.block_on(gorgias_tickets(&http, &gorgias.url));
    assert!(migrated > before);
    let dry = ok(project, &["rollback", "--dry-run"]);
    let text = String::from_utf8_lossy(&dry.stdout);
    assert!(text.contains("would") && text.contains("tickets"), "{text}");
    assert!(project.join("reports/rollback-plan.md").exists());
    assert_eq!(
        runtime.block_on(gorgias_tickets(&http, &gorgias.url)),
        migrated
    );

    let bad = run(project, &["rollback", "--objects", "labels"]);
    assert_eq!(bad.status.code(), Some(2));

    let rolled = json_of(&ok(project, &["rollback", "--json"]));
    assert!(rolled["refused"].as_array().unwrap().is_empty(), "{rolled}");
    assert_eq!(
        runtime.block_on(gorgias_tickets(&http, &gorgias.url)),
        before
    );
    let refused = run(project, &["delta"]);
    assert_eq!(refused.status.code(), Some(4), "nothing left to sync");
}
