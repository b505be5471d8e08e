//! `migrate --sample N` through the binary, into a Gorgias emulator: the
//! sample says why each ticket is in it, verifies and says where to look;
//! a full run under the same confirmed map reuses what the sample created
//! (nothing created twice); a full run under a changed map refuses (exit 4)
//! until the sample is rolled back with the command it names, and never
//! mixes the two maps.

use crate::common;

use common::{confirm_map, deskshift, init_gorgias, run_ok, Sim};
use deskshift_core::ledger::{IdMapState, Ledger, Operation, RunId};
use deskshift_core::model::ObjectKind;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// A project reading a fresh Stames workspace and writing to a fresh
/// Gorgias account, discovered and with its map confirmed.
fn project(dir: &Path, stames: &Sim, gorgias: &Sim) {
    init_gorgias(dir, stames, gorgias, "400/2");
    run_ok(dir, &["discover"]);
    confirm_map(dir);
}

fn start(seed: &str) -> (Sim, Sim) {
    let stames = Sim::start(&["stames", "--port", "0", "--tickets", "30", "--seed", seed]);
    let gorgias = Sim::start(&["gorgias", "--port", "0", "--budget", "400/2"]);
    (stames, gorgias)
}

/// Runs the sample; returns its JSON and its ledger run.
fn sample(dir: &Path, n: usize) -> (Value, RunId) {
    let out = run_ok(dir, &["migrate", "--sample", &n.to_string(), "--json"]);
    let json: Value = serde_json::from_str(&out).expect("JSON");
    let run = Ledger::open(dir.join("deskshift.db"))
        .unwrap()
        .last_successful_run("migrate")
        .unwrap()
        .expect("the sample's run")
        .id;
    (json, run)
}

/// Per ticket, the runs that journaled a create for it.
fn ticket_creates(dir: &Path) -> BTreeMap<String, Vec<RunId>> {
    let mut creates: BTreeMap<String, Vec<RunId>> = BTreeMap::new();
    for e in Ledger::open(dir.join("deskshift.db"))
        .unwrap()
        .journal(None)
        .unwrap()
    {
        if e.intent.kind == ObjectKind::Tickets && e.intent.operation == Operation::Create {
            creates.entry(e.intent.source_id).or_default().push(e.run);
        }
    }
    creates
}

#[test]
fn a_full_run_under_the_same_map_reuses_what_the_sample_created() {
    let (stames, gorgias) = start("11");
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    project(dir, &stames, &gorgias);

    let (json, sample_run) = sample(dir, 6);
    let tickets = json["sample"]["tickets"]
        .as_array()
        .expect("the sampled tickets");
    assert_eq!(tickets.len(), 6);
    for t in tickets {
        assert!(!t["why"].as_str().unwrap().is_empty(), "{t}");
        let url = t["url"].as_str().expect("where to look");
        assert!(
            url.starts_with(&gorgias.url) && url.contains("/app/ticket/"),
            "{url}"
        );
    }
    assert_eq!(json["objects"]["tickets"]["verified"], 6, "{json}");
    assert_eq!(json["objects"]["tickets"]["mismatched"], 0);

    run_ok(dir, &["prepare", "--pause-rules"]);
    let full: Value = serde_json::from_str(&run_ok(dir, &["migrate", "--json"])).unwrap();
    assert_eq!(full["objects"]["tickets"]["source"], 30, "{full}");
    let creates = ticket_creates(dir);
    assert_eq!(creates.len(), 30, "every ticket once");
    let ledger = Ledger::open(dir.join("deskshift.db")).unwrap();
    for t in tickets {
        let id = t["ticket"].as_str().unwrap();
        assert_eq!(
            creates[id],
            [sample_run],
            "ticket {id} created by the sample only"
        );
        let entry = ledger.mapping(ObjectKind::Tickets, id).unwrap().unwrap();
        assert_eq!(entry.state, IdMapState::Created);
        assert_eq!(
            entry.dest_id.as_deref(),
            t["dest_id"].as_str(),
            "the same record"
        );
    }
    assert!(creates.values().all(|runs| runs.len() == 1), "{creates:?}");
    run_ok(dir, &["verify"]);
}

/// Gives the first value of `[value_maps.ticket_priority]` another Gorgias
/// priority: a change of how tickets are written.
fn change_a_priority(dir: &Path) {
    let path = dir.join("mapping.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let section = lines
        .iter()
        .position(|l| l.trim() == "[value_maps.ticket_priority]")
        .expect("a priority value map");
    let entry = &mut lines[section + 1];
    *entry = if entry.contains("to = \"critical\"") {
        entry.replace("to = \"critical\"", "to = \"high\"")
    } else {
        entry
            .split("to = \"")
            .next()
            .map(|head| format!("{head}to = \"critical\" }}"))
            .unwrap()
    };
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
}

#[test]
fn a_full_run_under_a_changed_map_refuses_until_the_sample_is_rolled_back() {
    let (stames, gorgias) = start("12");
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    project(dir, &stames, &gorgias);
    let (_, sample_run) = sample(dir, 5);

    change_a_priority(dir);
    run_ok(dir, &["map", "confirm"]);
    let refused = deskshift(dir, &["migrate"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(4), "{stderr}");
    for needle in [
        "field map changed".to_string(),
        "5 tickets".to_string(),
        format!("deskshift rollback --run {sample_run}"),
    ] {
        assert!(stderr.contains(&needle), "{needle}: {stderr}");
    }
    assert!(
        ticket_creates(dir)
            .values()
            .all(|runs| runs == &[sample_run]),
        "nothing written under the new map"
    );

    run_ok(dir, &["rollback", "--run", &sample_run.to_string()]);
    run_ok(dir, &["prepare", "--pause-rules"]);
    run_ok(dir, &["migrate"]);
    let creates = ticket_creates(dir);
    assert_eq!(creates.len(), 30);
    let full_run = Ledger::open(dir.join("deskshift.db"))
        .unwrap()
        .last_successful_run("migrate")
        .unwrap()
        .unwrap()
        .id;
    let ledger = Ledger::open(dir.join("deskshift.db")).unwrap();
    for id in creates.keys() {
        let entry = ledger.mapping(ObjectKind::Tickets, id).unwrap().unwrap();
        assert_eq!(
            (entry.state, entry.run),
            (IdMapState::Created, full_run),
            "ticket {id}: every ticket in force was written under the new map"
        );
    }
    run_ok(dir, &["verify"]);
}
