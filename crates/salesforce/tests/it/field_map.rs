//! The confirmed field map drives the Salesforce load: a person edits the
//! map (a status goes to another Case Status, a custom field reuses an
//! existing Case field, another is dropped), confirms it, migrates a
//! sample, and the org and `verify` show exactly that; a value the
//! confirmed map lacks rejects its Case, naming the field and the fix.

use crate::common;

use common::*;
use deskshift_core::destination::Destination;
use deskshift_core::discover::ScopeReport;
use deskshift_core::mapping::{propose::propose, Catalog, FieldMap, FieldRef};
use deskshift_salesforce::Salesforce;
use deskshift_sim::faults::FaultSpec;
use deskshift_sim::salesforce::ExistingData;
use serde_json::json;

const TICKETS: usize = 24;

/// The scope, the catalog and the proposed map, as `deskshift discover`
/// and `map propose` make them.
async fn proposed(
    project: &Project,
    source: &deskshift_stames::StamesApi,
    dest: &Salesforce,
) -> (ScopeReport, Catalog, FieldMap) {
    let scope = discover(project, source).await;
    let catalog = dest.catalog(&scope).await.unwrap();
    let map = propose(&scope, &catalog).map;
    (scope, catalog, map)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edited_map_shows_in_the_sample_and_its_verification() {
    let stames = stames(23, TICKETS).await;
    let existing = ExistingData {
        custom_fields: vec![json!({"FullName": "Case.Legacy_Reference__c",
            "Metadata": {"label": "Legacy Reference", "type": "Text", "length": 255}})],
        grant_custom_fields: true,
        ..ExistingData::default()
    };
    let org = org(existing, FaultSpec::default()).await;
    let (source, dest, project) = (source(&stames), destination(&org), Project::new());
    let (scope, catalog, mut map) = proposed(&project, &source, &dest).await;

    // A status gets a Case Status of the person's choosing.
    const WAITING: &str = "Waiting on Customer";
    let statuses = map.value_maps.get_mut("ticket_status").unwrap();
    let (moved, entry) = statuses
        .iter_mut()
        .find(|(_, e)| e.count > 0)
        .expect("a status tickets carry");
    let moved = moved.clone();
    entry.to = WAITING.into();
    let waiting = entry.count;

    // One new field reuses the existing Case field, another is dropped.
    let edits = deskshift_sim::harness::reuse_one_drop_another(
        &mut map,
        FieldRef::new("Case", "Legacy_Reference__c"),
    );
    let (not_created, reused_key, dropped_field) =
        (edits.not_created, edits.reused_key, edits.dropped);
    confirm_edited_map(&project.ledger(), &map, &scope, &catalog);

    let sample = run(&project, &source, &dest, Phase::Sample(TICKETS))
        .await
        .unwrap();
    assert!(
        sample.discrepancies.is_empty(),
        "{:?}",
        sample.discrepancies
    );
    let snapshot = org.snapshot();
    let cases: Vec<_> = records(&snapshot, "Case").collect();
    assert_eq!(cases.len(), TICKETS);
    let in_status = cases.iter().filter(|c| c["Status"] == WAITING).count() as u64;
    assert_eq!(
        in_status, waiting,
        "`{moved}` tickets are `{WAITING}` Cases"
    );

    let filled = scope
        .custom_fields
        .iter()
        .find(|p| p.key == reused_key)
        .unwrap()
        .filled;
    assert!(filled > 0, "{reused_key} has values to land");
    let written = cases
        .iter()
        .filter(|c| c.get("Legacy_Reference__c").is_some_and(|v| !v.is_null()))
        .count() as u64;
    assert_eq!(written, filled, "{reused_key} lands in the existing field");
    for absent in [&not_created, &dropped_field] {
        assert!(
            cases.iter().all(|c| c.get(absent.as_str()).is_none()),
            "{absent} is written"
        );
    }
    let after = dest.catalog(&scope).await.unwrap();
    let case_fields: Vec<&str> = after
        .object("Case")
        .unwrap()
        .fields
        .iter()
        .map(|f| f.name.as_str())
        .collect();
    for absent in [&not_created, &dropped_field] {
        assert!(
            !case_fields.contains(&absent.as_str()),
            "{absent} was created"
        );
    }

    assert_verifies_clean(&project, &source, &dest).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_value_the_confirmed_map_lacks_rejects_its_cases_naming_field_and_fix() {
    let stames = stames(29, TICKETS).await;
    let org = org(ExistingData::default(), FaultSpec::default()).await;
    let (source, dest, project) = (source(&stames), destination(&org), Project::new());
    let (_, _, map) = proposed(&project, &source, &dest).await;
    // The source gained a priority since the map was confirmed: here, the
    // confirmed map simply lacks one that tickets carry. `deskshift plan`
    // finds the same tickets, and what they carry, before anything moves.
    let carried = assert_a_lacking_value_refuses_its_tickets(
        &project,
        &source,
        &dest,
        map,
        "ticket_priority",
        "Priority",
    )
    .await;
    let cases = records(&org.snapshot(), "Case").count() as u64;
    assert_eq!(cases, TICKETS as u64 - carried);
}
