//! Users, the schema deskshift made (custom fields and objects, tag
//! values) and custom-object records, checked against the org.

use super::{fields_of, select_in, Check, Verdicts};
use crate::map::objects::{self, Parents};
use crate::map::schema::{self, FieldOrigin, ObjectOrigin};
use crate::map::tags::{self, TagStrategy};
use crate::map::users::UserDirectory;
use crate::prepare::Org;
use crate::writer::topics;
use crate::writer::{users as writer_users, Run};
use deskshift_core::destination::DestinationError;
use deskshift_core::model::{CustomObjectRecord, ObjectKind, Tag};
use futures::TryStreamExt;
use std::collections::HashMap;

/// Every matched agent's user still exists and is the one the ledger names.
pub async fn users(
    run: &Run<'_>,
    verdicts: &mut Verdicts,
) -> Result<UserDirectory, DestinationError> {
    let org = writer_users::org_users(run).await?;
    let (agents, directory) = writer_users::directory(run, &org).await?;
    for agent in &agents {
        let Some(dest) = run.done_dest_id(ObjectKind::Users, &agent.id)? else {
            continue;
        };
        let mut check = Check::new(ObjectKind::Users, &agent.id, Some(&dest));
        match org.iter().find(|u| u.id == dest) {
            Some(user)
                if deskshift_core::normalise::email_key(&user.email)
                    == deskshift_core::normalise::email_key(&agent.email) => {}
            Some(user) => check.differ("User.Email", agent.email.clone(), user.email.clone()),
            None => check.differ("User.Id", dest.clone(), "(no such user)"),
        }
        verdicts.record(ObjectKind::Users, check.problems);
    }
    Ok(directory)
}

/// Custom fields, custom objects and tag values the ledger says exist.
pub async fn definitions(
    run: &Run<'_>,
    org: &Org,
    verdicts: &mut Verdicts,
) -> Result<(), DestinationError> {
    for spec in &org.plan.fields {
        let FieldOrigin::StamesField(id) = &spec.origin else {
            continue;
        };
        let Some(dest) = run.done_dest_id(ObjectKind::CustomFields, id)? else {
            continue;
        };
        let mut check = Check::new(ObjectKind::CustomFields, id, Some(&dest));
        if org.describe(&spec.object).field(&spec.api_name).is_none() {
            check.differ(
                &spec.full_name(),
                "a visible field",
                "missing from describe",
            );
        }
        verdicts.record(ObjectKind::CustomFields, check.problems);
    }
    let defs: Vec<deskshift_core::model::CustomObjectDef> = run
        .records(run.ctx.source.custom_objects())
        .try_collect()
        .await?;
    for spec in &org.plan.objects {
        let ObjectOrigin::Stames(key) = &spec.origin else {
            continue;
        };
        let Some(def) = defs.iter().find(|d| &d.key == key) else {
            continue;
        };
        let Some(dest) = run.done_dest_id(ObjectKind::CustomObjects, &def.id)? else {
            continue;
        };
        let mut check = Check::new(ObjectKind::CustomObjects, &def.id, Some(&dest));
        if !org.describes.contains_key(&spec.api_name) {
            check.differ(&spec.api_name, "a custom object", "not in the org");
        }
        verdicts.record(ObjectKind::CustomObjects, check.problems);
    }
    let all: Vec<Tag> = run.records(run.ctx.source.tags()).try_collect().await?;
    match org.plan.tags {
        TagStrategy::Picklist { .. } => tag_values(run, org, &all, verdicts),
        TagStrategy::Topics { .. } => tag_topics(run, &all, verdicts).await,
    }
}

/// Tags as values of the Case's multi-select picklist.
fn tag_values(
    run: &Run<'_>,
    org: &Org,
    all: &[Tag],
    verdicts: &mut Verdicts,
) -> Result<(), DestinationError> {
    let describe = org.describe(schema::CASE);
    let values = describe
        .field(schema::TAGS)
        .map(|f| f.picklist_values.clone())
        .unwrap_or_default();
    for tag in all {
        let Some(dest) = run.done_dest_id(ObjectKind::Tags, &tag.id)? else {
            continue;
        };
        let mut check = Check::new(ObjectKind::Tags, &tag.id, Some(&dest));
        let want = tags::tag_value(&tag.name)
            .map(|v| v.value)
            .unwrap_or_default();
        if !values.iter().any(|v| v.eq_ignore_ascii_case(&want)) {
            check.differ(
                &format!("Case.{}", schema::TAGS),
                format!("a value `{want}`"),
                "not among the field's values",
            );
        }
        verdicts.record(ObjectKind::Tags, check.problems);
    }
    Ok(())
}

/// Tags as Topics: each one's Topic is there, with its name.
async fn tag_topics(
    run: &Run<'_>,
    all: &[Tag],
    verdicts: &mut Verdicts,
) -> Result<(), DestinationError> {
    let mut done = Vec::new();
    for tag in all {
        if let Some(dest) = run.done_dest_id(ObjectKind::Tags, &tag.id)? {
            done.push((tag, dest));
        }
    }
    let ids: Vec<String> = done.iter().map(|(_, id)| id.clone()).collect();
    let names = topics::names_of(run, &ids).await?;
    for (tag, dest) in done {
        let mut check = Check::new(ObjectKind::Tags, &tag.id, Some(&dest));
        let want = topics::wanted(std::slice::from_ref(&tag.name));
        let want = want.first().map(String::as_str).unwrap_or_default();
        match names.get(&dest) {
            Some(name) if name.eq_ignore_ascii_case(want) => {}
            Some(name) => check.differ("Topic.Name", want, name.clone()),
            None => check.differ("Topic", format!("a Topic `{want}`"), "(not found)"),
        }
        verdicts.record(ObjectKind::Tags, check.problems);
    }
    Ok(())
}

/// Custom-object records, by object, in chunks.
pub async fn records(
    run: &Run<'_>,
    org: &Org,
    verdicts: &mut Verdicts,
) -> Result<(), DestinationError> {
    let mut all = run.object_records(run.ctx.source.custom_object_records(None));
    let mut chunk = Vec::new();
    while let Some(r) = all.try_next().await? {
        chunk.push(r);
        if chunk.len() >= 200 {
            records_chunk(run, org, verdicts, std::mem::take(&mut chunk)).await?;
        }
    }
    records_chunk(run, org, verdicts, chunk).await
}

async fn records_chunk(
    run: &Run<'_>,
    org: &Org,
    verdicts: &mut Verdicts,
    chunk: Vec<CustomObjectRecord>,
) -> Result<(), DestinationError> {
    let mut by_object: HashMap<String, Vec<(String, String, crate::map::Record)>> = HashMap::new();
    for r in &chunk {
        let Some(dest) = run.done_dest_id(ObjectKind::CustomObjectRecords, &r.id)? else {
            continue;
        };
        let mut cases = HashMap::new();
        for id in &r.ticket_ids {
            if let Some(d) = run.done_dest_id(ObjectKind::Tickets, id)? {
                cases.insert(id.clone(), d);
            }
        }
        let mut contacts = HashMap::new();
        for id in &r.customer_ids {
            if let Some(d) = run.done_dest_id(ObjectKind::Customers, id)? {
                contacts.insert(id.clone(), d);
            }
        }
        let parents = Parents {
            cases: &cases,
            contacts: &contacts,
        };
        match objects::plan(r, &org.plan, &parents, &org.caps) {
            Ok(plan) => {
                by_object
                    .entry(plan.object)
                    .or_default()
                    .push((r.id.clone(), dest, plan.record))
            }
            Err(reject) => {
                let mut check = Check::new(ObjectKind::CustomObjectRecords, &r.id, Some(&dest));
                check.differ("(record)", "a mappable record", reject.to_string());
                verdicts.record(ObjectKind::CustomObjectRecords, check.problems);
            }
        }
    }
    for (object, expected) in by_object {
        let fields = fields_of(expected.iter().map(|(_, _, r)| r));
        let ids: Vec<String> = expected.iter().map(|(_, d, _)| d.clone()).collect();
        let rows = select_in(run, &object, &fields, "Id", &ids).await?;
        for (source_id, dest, record) in &expected {
            let mut check = Check::new(ObjectKind::CustomObjectRecords, source_id, Some(dest));
            match rows
                .iter()
                .find(|row| row.get("Id").and_then(|v| v.as_str()) == Some(dest))
            {
                Some(row) => check.record(&object, record, row),
                None => check.differ(&format!("{object}.Id"), dest.clone(), "(not found)"),
            }
            verdicts.record(ObjectKind::CustomObjectRecords, check.problems);
        }
    }
    Ok(())
}
