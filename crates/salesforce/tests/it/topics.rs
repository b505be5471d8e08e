//! A workspace with more distinct tags than a multi-select picklist holds
//! (500): tags become Topics, each Case gets a TopicAssignment per tag, tags
//! that normalise alike share one Topic, and a second run writes nothing.

use crate::common;

use common::*;
use deskshift_core::model::ObjectKind;
use deskshift_core::normalise::tag_key;
use deskshift_sim::faults::FaultSpec;
use deskshift_sim::salesforce::ExistingData;
use deskshift_sim::stames::{StamesConfig, StamesData, StamesEmulator};
use deskshift_stames::api::wire::WireTag;
use std::collections::{BTreeMap, BTreeSet};

/// A generated workspace with 600 more tags, the first tickets wearing some
/// of them (one in two spellings).
fn many_tags() -> StamesData {
    let mut data = StamesData::generate(5, 30, 0);
    let next = data.tags.iter().filter_map(|t| t.id).max().unwrap_or(0) + 1;
    for n in 0..600u64 {
        data.tags.push(WireTag {
            id: Some(next + n),
            name: format!("Campaign {n:03}"),
            created_at: None,
        });
    }
    data.tags.push(WireTag {
        id: Some(next + 600),
        name: "campaign_000".into(),
        created_at: None,
    });
    for (i, ticket) in data.tickets.iter_mut().take(10).enumerate() {
        ticket.ticket.tags.push(format!("Campaign {i:03}"));
        ticket.ticket.tags.push("campaign_000".into());
    }
    data
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_tags_become_topics_assigned_to_their_cases() {
    let data = many_tags();
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("stames.json");
    deskshift_sim::stames::write_state(&data, &state).unwrap();
    let stames = StamesEmulator::start(
        StamesConfig {
            state_file: Some(state),
            budget: "100000/60".parse().unwrap(),
            ..StamesConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let org = org(ExistingData::default(), FaultSpec::default()).await;
    let (source, dest, project) = (source(&stames), destination(&org), Project::new());
    discover(&project, &source).await;
    let outcome = run(&project, &source, &dest, Phase::Migrate).await.unwrap();
    assert!(
        outcome.discrepancies.is_empty(),
        "{:?}",
        outcome.discrepancies
    );

    let snapshot = org.snapshot();
    let topics: BTreeMap<String, String> = records(&snapshot, "Topic")
        .map(|t| {
            (
                t["Id"].as_str().unwrap().to_string(),
                t["Name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let distinct: BTreeSet<String> = data.tags.iter().map(|t| tag_key(&t.name)).collect();
    let names: BTreeSet<String> = topics.values().cloned().collect();
    assert_eq!(names.len(), topics.len(), "one Topic per name");
    assert!(distinct.is_subset(&names), "a Topic for every tag");
    let tags = outcome.counts[&ObjectKind::Tags];
    assert_eq!(tags.rejected + tags.skipped, 0, "{tags:?}");
    assert!(tags.matched >= 1, "campaign_000 shares a Topic: {tags:?}");

    // Every Case wears exactly its ticket's tags.
    let case_ticket: BTreeMap<String, String> = records(&snapshot, "Case")
        .map(|c| {
            (
                c["Id"].as_str().unwrap().to_string(),
                c["Stames_Ticket_Id__c"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut worn: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for a in records(&snapshot, "TopicAssignment") {
        let text = |f: &str| a[f].as_str().map(String::from).unwrap_or_default();
        worn.entry(case_ticket[&text("EntityId")].clone())
            .or_default()
            .insert(topics[&text("TopicId")].clone());
    }
    for ticket in &data.tickets {
        let id = ticket.ticket.id.unwrap().to_string();
        let expected: BTreeSet<String> = ticket
            .ticket
            .tags
            .iter()
            .map(|t| tag_key(t))
            .filter(|t| !t.is_empty())
            .collect();
        assert_eq!(
            worn.get(&id).cloned().unwrap_or_default(),
            expected,
            "ticket {id}"
        );
    }

    let before = records(&org.snapshot(), "TopicAssignment").count();
    run(&project, &source, &dest, Phase::Migrate).await.unwrap();
    let after = org.snapshot();
    assert_eq!(records(&after, "TopicAssignment").count(), before);
    assert_eq!(records(&after, "Topic").count(), topics.len());
    assert_verifies_clean(&project, &source, &dest).await;

    // Someone removes a Case's Topic: verify names the Case and the Topic.
    let victim = records(&after, "TopicAssignment").next().unwrap().clone();
    let client = dest.client().await.unwrap();
    client
        .delete("TopicAssignment", victim["Id"].as_str().unwrap())
        .await
        .unwrap();
    let report = run(&project, &source, &dest, Phase::Verify)
        .await
        .unwrap()
        .verify
        .unwrap();
    let entity = victim["EntityId"].as_str().unwrap();
    assert!(
        report
            .mismatches
            .iter()
            .any(|m| m.field == "TopicAssignment"
                && m.dest_id.as_deref() == Some(entity)
                && m.expected
                    .contains(&topics[victim["TopicId"].as_str().unwrap()])),
        "{:?}",
        report.mismatches
    );
}
