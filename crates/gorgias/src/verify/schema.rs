//! The schema (custom fields, tags) and users, read back.

use super::{Check, Verdicts};
use crate::client::endpoints::FieldObjectType;
use crate::client::wire::{CustomField, Id, TagOut};
use crate::map::customer::CustomerFields;
use crate::map::extras::ExtraField;
use crate::map::fields::{self, FieldIndex, FieldLanding, GorgiasField};
use crate::map::people::{AgentDirectory, AgentRef};
use crate::writer::users::{api_failure, users_by_email};
use crate::writer::Run;
use deskshift_core::destination::DestinationError;
use deskshift_core::mapping::Target;
use deskshift_core::model::{CustomFieldDef, FieldObject, ObjectKind, Tag};
use deskshift_core::normalise::{email_key, tag_key};
use futures::TryStreamExt;
use std::collections::{HashMap, HashSet};

pub(super) struct Schema {
    pub ticket_fields: FieldIndex,
    pub customer_fields: CustomerFields,
    pub extras: HashMap<ExtraField, Id>,
}

pub(super) async fn schema(run: &Run<'_>, verdicts: &Verdicts) -> Result<Schema, DestinationError> {
    let defs: Vec<CustomFieldDef> = run
        .records(run.ctx.source.custom_fields())
        .try_collect()
        .await?;
    let listed: Vec<CustomField> = run
        .client
        .custom_fields(FieldObjectType::Ticket)
        .try_collect()
        .await
        .map_err(|e| api_failure("list Gorgias custom fields", e))?;
    let by_id: HashMap<Id, &CustomField> = listed.iter().map(|f| (f.id, f)).collect();
    let map = run.ctx.map;
    let mut schema = Schema {
        ticket_fields: FieldIndex::new(),
        customer_fields: CustomerFields::of(map, &defs),
        extras: HashMap::new(),
    };
    for def in defs.iter().filter(|d| d.object == FieldObject::Ticket) {
        let Some(row) = map.custom_field_row(def) else {
            continue;
        };
        let (label, expected) = match &row.target {
            Target::Drop(_) | Target::Inventory(_) => {
                schema
                    .ticket_fields
                    .insert(def.id.clone(), FieldLanding::NotWritten(row.clone()));
                continue;
            }
            Target::NewField { field, field_type } => (
                fields::label(&field.field, &def.key),
                Some(fields::shape(*field_type, &def.options)),
            ),
            Target::Field(field) => (field.field.clone(), None),
        };
        let Some(id) = run.done_id(ObjectKind::CustomFields, &def.id)? else {
            continue;
        };
        let mut check = Check::new(ObjectKind::CustomFields, &def.id, id);
        let shape = match by_id.get(&id) {
            None => {
                check.differ("(record)", format!("field {id}"), "missing".into());
                expected.clone().unwrap_or(GorgiasField::Text)
            }
            Some(found) => {
                // What the map asked for: a new field of its type, or the
                // existing field of its label.
                let shape = fields::shape_of_definition(&found.definition);
                if let Some(expected) = &expected {
                    check.eq(
                        "definition.data_type",
                        fields::definition(expected).get("data_type"),
                        found.definition.get("data_type"),
                    );
                }
                check.eq("label", Some(label.as_str()), found.label.as_deref());
                check.eq("object_type", Some("Ticket"), found.object_type.as_deref());
                shape
            }
        };
        verdicts.record(ObjectKind::CustomFields, check.problems);
        schema
            .ticket_fields
            .insert(def.id.clone(), FieldLanding::field(id, label, shape, row));
    }
    for extra in ExtraField::ALL {
        if let Some(id) = run.done_id(ObjectKind::CustomFields, extra.external_id())? {
            schema.extras.insert(extra, id);
        }
    }
    let tags: Vec<Tag> = run.records(run.ctx.source.tags()).try_collect().await?;
    let listed: Vec<TagOut> = run
        .client
        .tags()
        .try_collect()
        .await
        .map_err(|e| api_failure("list Gorgias tags", e))?;
    let by_id: HashMap<Id, &str> = listed.iter().map(|t| (t.id, t.name.as_str())).collect();
    for tag in &tags {
        let Some(id) = run.done_id(ObjectKind::Tags, &tag.id)? else {
            continue;
        };
        let mut check = Check::new(ObjectKind::Tags, &tag.id, id);
        let expected = crate::map::tags::tag_name(&tag.name).map(|n| n.value);
        check.eq("name", expected, by_id.get(&id).map(|name| tag_key(name)));
        verdicts.record(ObjectKind::Tags, check.problems);
    }
    Ok(schema)
}

pub(super) async fn agents(
    run: &Run<'_>,
    verdicts: &Verdicts,
) -> Result<AgentDirectory, DestinationError> {
    let (users, by_email) = users_by_email(run).await?;
    let ids: HashSet<Id> = users.iter().map(|u| u.id).collect();
    let mut directory = AgentDirectory {
        migration_user: by_email
            .get(&email_key(run.client.credentials().email()))
            .copied()
            .unwrap_or_default(),
        fallback_user: run
            .config
            .users
            .fallback_user_email
            .as_deref()
            .and_then(|e| by_email.get(&email_key(e)).copied()),
        agents: HashMap::new(),
    };
    let mut agents = run.records(run.ctx.source.agents());
    while let Some(agent) = agents.try_next().await? {
        let user = run.done_id(ObjectKind::Users, &agent.id)?;
        if let Some(user) = user {
            let mut check = Check::new(ObjectKind::Users, &agent.id, user);
            check.eq("(record)", true, ids.contains(&user));
            verdicts.record(ObjectKind::Users, check.problems);
        }
        directory
            .agents
            .insert(agent.id.clone(), AgentRef::new(&agent, user));
    }
    Ok(directory)
}
