//! The confirmed field map drives the Gorgias load: a person edits the map
//! (a status goes to another Gorgias status, a custom field reuses an
//! existing Gorgias field, another is dropped), confirms it, migrates a
//! sample, and Gorgias and `verify` show exactly that; a value the
//! confirmed map lacks rejects its record, naming the field and the fix.

use crate::common;

use common::*;
use deskshift_core::discover::{discover, ScopeReport};
use deskshift_core::ledger::RunOutcome;
use deskshift_core::mapping::{propose::propose, FieldMap, FieldRef};
use deskshift_core::model::ObjectKind;
use deskshift_core::progress::Silent;
use deskshift_sim::faults::FaultSpec;
use deskshift_sim::gorgias::ExistingData;
use serde_json::{json, Value};

const TICKETS: usize = 24;

/// Discovers the source into the project's ledger and returns the scope
/// with the proposed map, as `deskshift discover` and `map propose` do.
async fn proposed(
    project: &Project,
    source: &deskshift_stames::StamesApi,
    dest: &deskshift_gorgias::Gorgias,
) -> (ScopeReport, deskshift_core::mapping::Catalog, FieldMap) {
    let ledger = project.ledger();
    let run = ledger.begin_run("discover").unwrap();
    let scope = discover(source, &ledger, run, &Silent).await.unwrap();
    ledger.finish_run(run, RunOutcome::Succeeded).unwrap();
    use deskshift_core::destination::Destination;
    let catalog = dest.catalog(&scope).await.unwrap();
    let proposal = propose(&scope, &catalog);
    (scope, catalog, proposal.map)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edited_map_shows_in_the_sample_and_its_verification() {
    let stames = stames(23, TICKETS).await;
    let existing = ExistingData {
        custom_fields: vec![json!({"object_type": "Ticket", "label": "Legacy reference",
            "definition": {"data_type": "text", "input_settings": {"input_type": "input"}}})],
        ..ExistingData::default()
    };
    let gorgias = gorgias(existing, FaultSpec::default()).await;
    let (source, dest, project) = (source(&stames), destination(&gorgias), Project::new());
    let (scope, catalog, mut map) = proposed(&project, &source, &dest).await;

    // A status Gorgias would close stays open.
    let statuses = map.value_maps.get_mut("ticket_status").unwrap();
    let (moved, entry) = statuses
        .iter_mut()
        .find(|(_, e)| e.to == "closed" && e.count > 0)
        .expect("a status that closes");
    let moved = moved.clone();
    entry.to = "open".into();
    let open_now: u64 = statuses
        .values()
        .filter(|e| e.to == "open")
        .map(|e| e.count)
        .sum();

    // One new field reuses the existing Gorgias field, another is dropped.
    let edits = deskshift_sim::harness::reuse_one_drop_another(
        &mut map,
        FieldRef::new("Ticket", "Legacy reference"),
    );
    let (not_created, reused_key, dropped_label) =
        (edits.not_created, edits.reused_key, edits.dropped);
    deskshift_sim::harness::confirm_edited_map(&project.ledger(), &map, &scope, &catalog);

    let sample = run(&project, &source, &dest, Phase::Sample(TICKETS))
        .await
        .unwrap();
    assert!(
        sample.discrepancies.is_empty(),
        "{:?}",
        sample.discrepancies
    );
    let snapshot = gorgias.snapshot();
    let tickets = snapshot["tickets"].as_array().unwrap();
    assert_eq!(tickets.len(), TICKETS);
    let open = tickets.iter().filter(|t| t["status"] == "open").count() as u64;
    assert_eq!(
        open, open_now,
        "`{moved}` tickets are open, as the map says"
    );
    let noted = |t: &&Value| {
        t["messages"].as_array().unwrap().iter().any(|m| {
            m["body_text"]
                .as_str()
                .unwrap_or("")
                .contains(&format!("Stames status `{moved}` became `open`"))
        })
    };
    assert!(tickets.iter().any(|t| noted(&t)), "the note says so");

    let labels: Vec<&str> = snapshot["custom_fields"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["label"].as_str())
        .collect();
    assert!(!labels.contains(&not_created.as_str()), "{labels:?}");
    assert!(!labels.contains(&dropped_label.as_str()), "{labels:?}");
    let legacy = snapshot["custom_fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["label"] == "Legacy reference")
        .unwrap()["id"]
        .as_u64()
        .unwrap();
    let written = tickets
        .iter()
        .filter(|t| {
            t["custom_fields"]
                .as_object()
                .is_some_and(|f| f.contains_key(&legacy.to_string()))
                || t["custom_fields"]
                    .as_array()
                    .is_some_and(|f| f.iter().any(|v| v["id"].as_u64() == Some(legacy)))
        })
        .count();
    let filled = scope
        .custom_fields
        .iter()
        .find(|p| p.key == reused_key)
        .unwrap()
        .filled;
    assert_eq!(
        written as u64, filled,
        "{reused_key} lands in the existing field"
    );
    let skipped = project
        .ledger()
        .rejects(None)
        .unwrap()
        .into_iter()
        .filter(|r| r.reject.kind == ObjectKind::CustomFields)
        .count();
    assert_eq!(skipped, 0, "nothing about the fields is refused");

    assert_verifies_clean(&project, &source, &dest).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_value_the_confirmed_map_lacks_rejects_its_tickets_naming_field_and_fix() {
    let stames = stames(29, TICKETS).await;
    let gorgias = gorgias(ExistingData::default(), FaultSpec::default()).await;
    let (source, dest, project) = (source(&stames), destination(&gorgias), Project::new());
    let (_, _, map) = proposed(&project, &source, &dest).await;
    // The source gained a status since the map was confirmed: here, the
    // confirmed map simply lacks one that tickets carry. `deskshift plan`
    // finds the same tickets, and what they carry, before anything moves.
    let carried = assert_a_lacking_value_refuses_its_tickets(
        &project,
        &source,
        &dest,
        map,
        "ticket_status",
        "status",
    )
    .await;
    let in_gorgias = gorgias.snapshot()["tickets"].as_array().unwrap().len() as u64;
    assert_eq!(in_gorgias, TICKETS as u64 - carried);
}
