//! The side-effect gate through the binary: an active Gorgias rule refuses the
//! load (exit 4) until `prepare --pause-rules`, and the rule is active again
//! once the migration is done.

use crate::common;

use common::{deskshift, Sim};
use std::process::Output;

const USER: &str = "demo@deskshift.invalid";
const KEY: &str = "demo-gorgias-key";

fn run(project: &std::path::Path, args: &[&str]) -> Output {
    deskshift(project, args).output().unwrap()
}

async fn rule_active(http: &reqwest::Client, base: &str, id: u64) -> bool {
    let rule: serde_json::Value = http
        .get(format!("{base}/api/rules/{id}"))
        .basic_auth(USER, Some(KEY))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    rule["deactivated_datetime"].is_null()
}

#[test]
fn an_active_rule_refuses_migrate_until_paused_and_is_restored_after() {
    let stames = Sim::start(&["stames", "--port", "0", "--tickets", "8", "--seed", "4"]);
    let gorgias = Sim::start(&["gorgias", "--port", "0", "--budget", "400/2"]);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let http = reqwest::Client::new();
    let rule: serde_json::Value = runtime.block_on(async {
        http.post(format!("{}/api/rules", gorgias.url))
            .basic_auth(USER, Some(KEY))
            .json(&serde_json::json!({
                "name": "Auto-reply",
                "code": "sendReply('Thanks!')",
                "event_types": "ticket-created",
            }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    let rule_id = rule["id"].as_u64().expect("rule created");

    let dir = tempfile::tempdir().unwrap();
    let project = dir.path();
    common::init_gorgias(project, &stames, &gorgias, "400/2");
    assert!(run(project, &["discover"]).status.success());
    common::confirm_map(project);

    let refused = run(project, &["migrate"]);
    assert_eq!(refused.status.code(), Some(4));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("Auto-reply") && stderr.contains("--pause-rules"),
        "{stderr}"
    );

    let prepared = run(project, &["prepare", "--pause-rules"]);
    assert!(
        prepared.status.success(),
        "{}",
        String::from_utf8_lossy(&prepared.stderr)
    );
    assert!(
        !runtime.block_on(rule_active(&http, &gorgias.url, rule_id)),
        "paused"
    );

    let migrated = run(project, &["migrate"]);
    assert!(
        migrated.status.success(),
        "{}",
        String::from_utf8_lossy(&migrated.stderr)
    );
    assert!(
        runtime.block_on(rule_active(&http, &gorgias.url, rule_id)),
        "restored"
    );
}
