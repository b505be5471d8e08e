//! The "done when", through the binary: a person reads
//! `mapping.toml`, sends a Stames status to another Gorgias status and drops
//! a custom field, confirms, migrates a sample, and Gorgias and `verify`
//! show exactly that.

use crate::common;

use common::{init_gorgias, run_ok as ok, Sim};
use deskshift_core::mapping::parse;
use serde_json::Value;

const GORGIAS_USER: &str = "demo@deskshift.invalid";
const GORGIAS_KEY: &str = "demo-gorgias-key";

async fn gorgias_get(base: &str, path: &str) -> Value {
    reqwest::Client::new()
        .get(format!("{base}/api/{path}"))
        .basic_auth(GORGIAS_USER, Some(GORGIAS_KEY))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[test]
fn an_edited_mapping_toml_shows_in_the_sample_and_its_verification() {
    let stames = Sim::start(&["stames", "--port", "0", "--tickets", "8", "--seed", "4"]);
    let gorgias = Sim::start(&["gorgias", "--port", "0", "--budget", "400/2"]);
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path();
    init_gorgias(project, &stames, &gorgias, "400/2");
    ok(project, &["discover"]);
    ok(project, &["map", "propose"]);

    // The person's edits: solved tickets stay open, and the first custom
    // field the proposal would create is dropped instead.
    let path = project.join("mapping.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text.replacen("solved = { to = \"closed\"", "solved = { to = \"open\"", 1);
    let create = text.find("\ncreate = \"").expect("a field to create");
    let to = text[..create]
        .rfind("\nto = \"Ticket.")
        .expect("its target");
    let dropped_label = text[to + "\nto = \"Ticket.".len()..create]
        .trim_end_matches('"')
        .to_string();
    let line_end = create + 1 + text[create + 1..].find('\n').unwrap();
    let text = format!(
        "{}\ndrop = \"nobody reads it any more\"{}",
        &text[..to],
        &text[line_end..]
    );
    std::fs::write(&path, &text).unwrap();
    ok(project, &["map", "confirm"]);

    ok(project, &["migrate", "--sample", "8"]);
    ok(project, &["verify"]);

    let (map, _) = parse(&text).unwrap();
    let statuses = &map.value_maps["ticket_status"];
    assert_eq!(statuses["solved"].to, "open");
    let closed_expected: u64 = statuses
        .values()
        .filter(|e| e.to == "closed")
        .map(|e| e.count)
        .sum();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let tickets = runtime.block_on(gorgias_get(&gorgias.url, "tickets?limit=100"));
    let tickets = tickets["data"].as_array().unwrap();
    assert_eq!(tickets.len(), 8);
    let closed = tickets.iter().filter(|t| t["status"] == "closed").count() as u64;
    assert_eq!(
        closed, closed_expected,
        "solved tickets are open in Gorgias"
    );
    assert!(
        statuses["solved"].count > 0,
        "the edit matters to some tickets"
    );

    let fields = runtime.block_on(gorgias_get(
        &gorgias.url,
        "custom-fields?object_type=Ticket&limit=100",
    ));
    let labels: Vec<&str> = fields["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["label"].as_str())
        .collect();
    assert!(!labels.is_empty(), "the other fields were created");
    assert!(
        !labels.contains(&dropped_label.as_str()),
        "`{dropped_label}` was dropped: {labels:?}"
    );
}
