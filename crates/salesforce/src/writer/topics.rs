//! Tags as Topics, when a workspace has more distinct tags than a
//! multi-select picklist holds ([`map::tags::strategy`]): one Topic per
//! distinct normalised tag, made by `prepare`, and each Case's
//! TopicAssignments made with its chunk of Cases.
//!
//! Topic names are unique in an org, so a Topic is found again by its
//! `Name`: one that exists before the migration is *matched* (rollback
//! leaves it), a new one is inserted through the batch protocol keyed by
//! `Name`, so a repeat after a crash answers `DUPLICATE_VALUE` and is
//! adopted. Stames tags that normalise to one name share its Topic: the
//! first is journaled as its creator, the others as matched to it, noted.
//! A ticket tag that no Stames tag defines gets its Topic when first used,
//! journaled as `topic:<name>` (like deskshift's own schema, uncounted).
//!
//! TopicAssignments carry no key of their own. They are listed per chunk of
//! Cases first and only the missing ones are created, so a repeat writes
//! nothing twice; they go with their Case (deleting a Case removes them)
//! and count with it, not as records of their own.
//!
//! [`map::tags::strategy`]: crate::map::tags::strategy

use super::batch::{self, Item, Op, Route, Target};
use super::cases::Landed;
use super::{api_failure, journal_error, Run};
use crate::client::ApiError;
use crate::map::tags::{self, TagStrategy};
use crate::map::SfId;
use deskshift_core::destination::notes::Category;
use deskshift_core::destination::DestinationError;
use deskshift_core::engine::Written;
use deskshift_core::ledger::{content_hash, IdMapState};
use deskshift_core::model::{ObjectKind, Tag};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

const KIND: ObjectKind = ObjectKind::Tags;
const TOPIC: &str = "Topic";

/// The Topic name of a Stames tag; `None` when nothing is left of it.
fn topic_name(tag: &str) -> Option<String> {
    tags::tag_value(tag)
        .map(|v| tags::topic_name(&v.value))
        .filter(|n| !n.is_empty())
}

/// The Topic names a ticket's tags become, deduplicated, in first use order.
pub fn wanted(tags: &[String]) -> Vec<String> {
    let (values, _) = tags::ticket_tags(tags);
    let mut names: Vec<String> = values.iter().map(|v| tags::topic_name(v)).collect();
    names.dedup();
    names
}

/// The ledger source id of a Topic no Stames tag defines.
fn undefined_topic_id(name: &str) -> String {
    format!("topic:{name}")
}

/// `prepare`: a Topic for every distinct tag of `all`, matched or created.
pub async fn prepare(run: &Run<'_>, all: &[Tag]) -> Result<(), DestinationError> {
    let mut groups: BTreeMap<String, Vec<&Tag>> = BTreeMap::new();
    for tag in all {
        run.ctx.counts.source(KIND, 1);
        match topic_name(&tag.name) {
            Some(name) => groups.entry(name).or_default().push(tag),
            None => run.skip(
                KIND,
                &tag.id,
                format!("the tag `{}` is empty once normalised", tag.name),
            ),
        }
    }
    // Topics there before the migration, except where an earlier attempt
    // of ours may have made them (those are settled by the batch below).
    let unsure = |tag: &Tag| -> Result<bool, DestinationError> {
        Ok(run
            .mapping(KIND, &tag.id)?
            .is_some_and(|e| matches!(e.state, IdMapState::Pending | IdMapState::Failed)))
    };
    let mut to_look_up = Vec::new();
    for (name, tags) in &groups {
        if run.done_dest_id(KIND, &tags[0].id)?.is_none() && !unsure(tags[0])? {
            to_look_up.push(name.clone());
        }
    }
    let existing = find(run, &to_look_up).await?;
    let mut items = Vec::new();
    let mut topic_of: HashMap<String, SfId> = HashMap::new();
    for (name, tags) in &groups {
        let first = tags[0];
        if let Some(id) = run.done_dest_id(KIND, &first.id)? {
            topic_of.insert(name.clone(), id);
        } else if let Some(id) = existing.get(&name.to_lowercase()) {
            run.notes.add(
                Category::Existing,
                KIND,
                &first.id,
                format!("the Topic `{name}` already exists; used as is"),
            );
            let written = run
                .ctx
                .journal
                .matched(KIND, &first.id, &content_hash(first), id)
                .map_err(journal_error)?;
            run.tally(KIND, &first.id, &written)?;
            topic_of.insert(name.clone(), id.clone());
        } else {
            items.push(Item {
                source_id: first.id.clone(),
                hash: content_hash(first),
                key: name.clone(),
                record: tags::topic(name),
                parent: String::new(),
            });
        }
    }
    let created = create(run, items).await?;
    for (name, tags) in &groups {
        if let Some((source_id, written)) = created.get(name) {
            run.tally(KIND, source_id, written)?;
            if let Some(id) = written.dest_id() {
                topic_of.insert(name.clone(), id.to_string());
            }
        } else if let Some(id) = run.done_dest_id(KIND, &tags[0].id)? {
            // Done by an earlier run: counted again, as every kind is.
            if !existing.contains_key(&name.to_lowercase()) {
                run.tally(KIND, &tags[0].id, &Written::AlreadyDone(id))?;
            }
        }
        let Some(topic) = topic_of.get(name) else {
            continue;
        };
        for tag in &tags[1..] {
            let written = match run.done_dest_id(KIND, &tag.id)? {
                Some(id) => Written::AlreadyDone(id),
                None => {
                    run.notes.add(
                        Category::Merge,
                        KIND,
                        &tag.id,
                        format!(
                            "`{}` normalises to `{name}`: shares the Topic of tag {}",
                            tag.name, tags[0].id
                        ),
                    );
                    run.ctx
                        .journal
                        .matched(KIND, &tag.id, &content_hash(tag), topic)
                        .map_err(journal_error)?
                }
            };
            run.tally(KIND, &tag.id, &written)?;
        }
    }
    Ok(())
}

/// Creates `items` (one Topic each) through the batch protocol; name →
/// (source id, outcome).
async fn create(
    run: &Run<'_>,
    items: Vec<Item>,
) -> Result<HashMap<String, (String, Written)>, DestinationError> {
    let names: HashMap<String, String> = items
        .iter()
        .map(|i| (i.source_id.clone(), i.key.clone()))
        .collect();
    let target = Target {
        kind: KIND,
        object: TOPIC,
        key_field: "Name",
        op: Op::Insert,
        route: Route::Collections,
    };
    Ok(batch::write(run, &target, items)
        .await?
        .into_iter()
        .filter_map(|(source_id, written)| {
            let name = names.get(&source_id)?.clone();
            Some((name, (source_id, written)))
        })
        .collect())
}

/// Topic ids by lowercased name, for `names`.
async fn find(run: &Run<'_>, names: &[String]) -> Result<HashMap<String, SfId>, DestinationError> {
    let prefix = "SELECT Id, Name FROM Topic WHERE ";
    let mut out = HashMap::new();
    let rows = run
        .client
        .query_in(prefix, "Name", names.iter().map(String::as_str))
        .await
        .map_err(|e| api_failure("look up Topics by name", e))?;
    for row in rows {
        let text = |f: &str| row.get(f).and_then(Value::as_str).map(String::from);
        if let (Some(id), Some(name)) = (text("Id"), text("Name")) {
            out.insert(name.to_lowercase(), id);
        }
    }
    Ok(out)
}

/// The TopicAssignments of the landed Cases that are not there yet. Does
/// nothing unless tags go to Topics.
pub async fn assign(
    run: &Run<'_>,
    strategy: &TagStrategy,
    landed: &[Landed<'_>],
) -> Result<(), DestinationError> {
    if !matches!(strategy, TagStrategy::Topics { .. }) || landed.is_empty() {
        return Ok(());
    }
    let mut wanted_by_case: Vec<(&Landed<'_>, Vec<String>)> = Vec::new();
    let mut names: HashSet<String> = HashSet::new();
    for l in landed {
        let topics = wanted(&l.thread.ticket.tags);
        names.extend(topics.iter().cloned());
        wanted_by_case.push((l, topics));
    }
    let names: Vec<String> = names.into_iter().collect();
    let mut topics = find(run, &names).await?;
    let undefined: Vec<Item> = names
        .iter()
        .filter(|n| !topics.contains_key(&n.to_lowercase()))
        .map(|name| Item {
            source_id: undefined_topic_id(name),
            hash: content_hash(name),
            key: name.clone(),
            record: tags::topic(name),
            parent: String::new(),
        })
        .collect();
    for (name, (_, written)) in create(run, undefined).await? {
        if let Some(id) = written.dest_id() {
            topics.insert(name.to_lowercase(), id.to_string());
        }
    }
    let case_ids: Vec<SfId> = landed.iter().map(|l| l.case_id.clone()).collect();
    let assigned = assignments(run, &case_ids).await?;
    let mut records = Vec::new();
    let mut owners = Vec::new();
    for (l, names) in &wanted_by_case {
        for name in names {
            let Some(topic) = topics.get(&name.to_lowercase()) else {
                run.notes.add(
                    Category::Repair,
                    ObjectKind::Tickets,
                    &l.thread.ticket.id,
                    format!("tag `{name}` not assigned: its Topic could not be created"),
                );
                continue;
            };
            if assigned.contains(&(topic.clone(), l.case_id.clone())) {
                continue;
            }
            records.push(Value::Object(tags::topic_assignment(topic, &l.case_id)));
            owners.push((l.thread.ticket.id.clone(), name.clone()));
        }
    }
    let results = run.client.create_many("TopicAssignment", &records).await;
    let mut transient = None;
    for ((ticket, name), result) in owners.iter().zip(results) {
        match result {
            Ok(_) => {}
            // Nothing was assigned: the next run lists and completes.
            Err(
                error @ (ApiError::Uncertain(_)
                | ApiError::Locked { .. }
                | ApiError::Throttled { .. }),
            ) => {
                transient.get_or_insert(error);
            }
            Err(error) => run.notes.add(
                Category::Repair,
                ObjectKind::Tickets,
                ticket,
                format!("tag `{name}` could not be assigned as a Topic: {error}"),
            ),
        }
    }
    match transient {
        Some(error) => Err(api_failure(
            "assign Topics to Cases (run migrate again: what is missing is assigned then)",
            error,
        )),
        None => Ok(()),
    }
}

/// `(TopicId, EntityId)` of the assignments `case_ids` have.
async fn assignments(
    run: &Run<'_>,
    case_ids: &[SfId],
) -> Result<HashSet<(SfId, SfId)>, DestinationError> {
    let prefix = "SELECT TopicId, EntityId FROM TopicAssignment WHERE ";
    let mut out = HashSet::new();
    let rows = run
        .client
        .query_in(prefix, "EntityId", case_ids.iter().map(String::as_str))
        .await
        .map_err(|e| api_failure("list the Topics of the Cases", e))?;
    for row in rows {
        let text = |f: &str| row.get(f).and_then(Value::as_str).map(String::from);
        if let (Some(topic), Some(entity)) = (text("TopicId"), text("EntityId")) {
            out.insert((topic, entity));
        }
    }
    Ok(out)
}

/// Topic names by Topic id, for `ids`.
pub async fn names_of(
    run: &Run<'_>,
    ids: &[SfId],
) -> Result<HashMap<SfId, String>, DestinationError> {
    let prefix = "SELECT Id, Name FROM Topic WHERE ";
    let mut out = HashMap::new();
    let rows = run
        .client
        .query_in(prefix, "Id", ids.iter().map(String::as_str))
        .await
        .map_err(|e| api_failure("read back Topics", e))?;
    for row in rows {
        let text = |f: &str| row.get(f).and_then(Value::as_str).map(String::from);
        if let (Some(id), Some(name)) = (text("Id"), text("Name")) {
            out.insert(id, name);
        }
    }
    Ok(out)
}

/// The Topic names each of `case_ids` wears, for verification.
pub async fn worn(
    run: &Run<'_>,
    case_ids: &[SfId],
) -> Result<HashMap<SfId, BTreeSet<String>>, DestinationError> {
    let pairs = assignments(run, case_ids).await?;
    let topic_ids: Vec<SfId> = pairs
        .iter()
        .map(|(t, _)| t.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let names = names_of(run, &topic_ids).await?;
    let mut out: HashMap<SfId, BTreeSet<String>> = HashMap::new();
    for (topic, case) in pairs {
        if let Some(name) = names.get(&topic) {
            out.entry(case).or_default().insert(name.to_lowercase());
        }
    }
    Ok(out)
}
