//! `prepare`: the Gorgias schema a load needs, made idempotently.
//!
//! - **Ticket custom fields**, as the confirmed field map's rows say: a
//!   `create` row makes the Gorgias field it names, with its type
//!   (`external_id` = the Stames field id); a `to` row reuses the existing
//!   field of that label (matched, not created); a `drop` or `inventory`
//!   row makes nothing (skipped with its reason). Plus deskshift's reminder
//!   and SLA fields. Gorgias is asked first (one listing), so a field that
//!   exists is reused, never duplicated. Custom fields cannot be deleted in
//!   Gorgias, only archived.
//! - **Customer fields** have no Gorgias counterpart a customer create can
//!   fill: their values go to customer data where the map says
//!   ([`crate::map::customer`]), and the definitions are counted as skipped
//!   with that reason.
//! - **Tags**, normalised ([`crate::map::tags`]): spellings that collide are
//!   merged into one tag; a tag that already exists in Gorgias (compared
//!   normalised) is matched and its exact name used on tickets.
//! - **Rules**, when asked: every active rule is recorded in the ledger,
//!   then deactivated; `migrate` re-enables exactly those at its end.
//!
//! `migrate` runs the schema part again (it costs no call once done), so a
//! migration without `prepare` still has its fields and tags.

use crate::client::endpoints::FieldObjectType;
use crate::client::wire::{CustomField, Id, NewCustomField, NewTag, Rule};
use crate::client::{ApiError, GorgiasClient};
use crate::map::customer::CustomerFields;
use crate::map::extras::ExtraField;
use crate::map::fields::{self, FieldIndex, FieldLanding, GorgiasField};
use crate::map::tags;
use crate::writer::users::api_failure;
use crate::writer::{journal_error, Run};
use deskshift_core::destination::notes::Category;
use deskshift_core::destination::DestinationError;
use deskshift_core::engine::{WriteError, Written};
use deskshift_core::ledger::content_hash;
use deskshift_core::mapping::{kind_of, no_row_reason, skip_reason, Target};
use deskshift_core::model::{CustomFieldDef, FieldObject, ObjectKind, Tag};
use deskshift_core::normalise::tag_key;
use futures::TryStreamExt;
use serde_json::Value;
use std::collections::HashMap;

/// The ledger key listing rules deskshift deactivated.
pub const PAUSED_RULES_KEY: &str = "gorgias.paused_rules";

/// What the load needs to know about the schema.
#[derive(Debug, Clone, Default)]
pub struct Schema {
    pub ticket_fields: FieldIndex,
    pub customer_fields: CustomerFields,
    pub extras: HashMap<ExtraField, Id>,
    /// Normalised tag name → exact Gorgias name.
    pub tags: HashMap<String, String>,
}

/// Makes (or finds) every field and tag; counts them.
pub async fn schema(run: &Run<'_>) -> Result<Schema, DestinationError> {
    let mut schema = Schema::default();
    fields_phase(run, &mut schema).await?;
    tags_phase(run, &mut schema).await?;
    run.flush_notes()?;
    Ok(schema)
}

// ------------------------------------------------------------------ fields

/// Gorgias ticket fields, listed once when first needed.
struct ExistingFields {
    listed: Option<Vec<CustomField>>,
}

impl ExistingFields {
    async fn all(&mut self, client: &GorgiasClient) -> Result<&[CustomField], DestinationError> {
        if self.listed.is_none() {
            let all: Vec<CustomField> = client
                .custom_fields(FieldObjectType::Ticket)
                .try_collect()
                .await
                .map_err(|e| api_failure("list Gorgias custom fields", e))?;
            self.listed = Some(all);
        }
        Ok(self.listed.as_deref().unwrap_or_default())
    }

    /// The field a run made for `external_id` (a Stames field id).
    async fn get(
        &mut self,
        client: &GorgiasClient,
        external_id: &str,
    ) -> Result<Option<CustomField>, DestinationError> {
        Ok(self
            .all(client)
            .await?
            .iter()
            .find(|f| f.external_id.as_deref() == Some(external_id))
            .cloned())
    }

    /// The active field labelled `label` (the map names existing fields by
    /// label, as Gorgias shows them).
    async fn labelled(
        &mut self,
        client: &GorgiasClient,
        label: &str,
    ) -> Result<Option<CustomField>, DestinationError> {
        Ok(self
            .all(client)
            .await?
            .iter()
            .filter(|f| f.deactivated_datetime.is_none())
            .find(|f| f.label.as_deref() == Some(label))
            .cloned())
    }
}

/// Every Stames custom field as its row of the confirmed map says: a ticket
/// field's `create` row makes that Gorgias field (or finds the one an
/// earlier run made), a `to` row writes into the existing field of that
/// label (matched, never created), a `drop` or `inventory` row makes
/// nothing (skipped with the row's reason; each value is noted on its
/// ticket). Customer fields go to customer data ([`CustomerFields`]).
async fn fields_phase(run: &Run<'_>, schema: &mut Schema) -> Result<(), DestinationError> {
    let kind = ObjectKind::CustomFields;
    let defs: Vec<CustomFieldDef> = run
        .records(run.ctx.source.custom_fields())
        .try_collect()
        .await?;
    let mut existing = ExistingFields { listed: None };
    let map = run.ctx.map;
    schema.customer_fields = CustomerFields::of(map, &defs);
    run.ctx.progress.start(kind, Some(defs.len() as u64));
    for def in &defs {
        run.ctx.counts.source(kind, 1);
        run.ctx.progress.advance(kind, 1);
        let Some(row) = map.custom_field_row(def) else {
            run.skip(kind, &def.id, no_row_reason(kind_of(def.object), &def.key));
            continue;
        };
        let field = match (&row.target, def.object) {
            (Target::Drop(_) | Target::Inventory(_), _) => {
                run.skip(kind, &def.id, skip_reason(row).unwrap_or_default());
                if def.object == FieldObject::Ticket {
                    schema
                        .ticket_fields
                        .insert(def.id.clone(), FieldLanding::NotWritten(row.clone()));
                }
                continue;
            }
            (target, FieldObject::Customer) => {
                run.skip(
                    kind,
                    &def.id,
                    format!(
                        "customer field `{}`: its values are kept at `{target}` (a customer \
                         create cannot fill Gorgias customer fields)",
                        def.label
                    ),
                );
                continue;
            }
            (Target::NewField { field, field_type }, FieldObject::Ticket) => {
                let body = fields::new_field(def, &field.field, *field_type);
                let hash = content_hash(&(def, &body));
                ensure_field(run, &mut existing, &def.id, &hash, &body, true)
                    .await?
                    .map(|id| {
                        (
                            id,
                            body.label.clone(),
                            fields::shape(*field_type, &def.options),
                        )
                    })
            }
            (Target::Field(field), FieldObject::Ticket) => {
                reuse_field(run, &mut existing, def, &field.field).await?
            }
        };
        if let Some((id, label, shape)) = field {
            schema
                .ticket_fields
                .insert(def.id.clone(), FieldLanding::field(id, label, shape, row));
        }
    }
    for extra in ExtraField::ALL {
        let body = NewCustomField {
            object_type: FieldObjectType::Ticket.as_str(),
            label: extra.label().into(),
            description: Some(extra.description().into()),
            external_id: extra.external_id().into(),
            definition: fields::definition(&extra.target()),
        };
        let hash = content_hash(&serde_json::to_value(&body).unwrap_or(Value::Null));
        if let Some(id) =
            ensure_field(run, &mut existing, extra.external_id(), &hash, &body, false).await?
        {
            schema.extras.insert(extra, id);
        }
    }
    run.ctx.progress.finish(kind);
    Ok(())
}

/// The existing Gorgias ticket field labelled `label`, which the map row of
/// `def` writes into: matched in the ledger (never created, so a rollback
/// leaves it), or a reject naming the field when Gorgias has none.
async fn reuse_field(
    run: &Run<'_>,
    existing: &mut ExistingFields,
    def: &CustomFieldDef,
    label: &str,
) -> Result<Option<(Id, String, GorgiasField)>, DestinationError> {
    let kind = ObjectKind::CustomFields;
    let Some(found) = existing.labelled(run.client, label).await? else {
        run.reject(
            kind,
            &def.id,
            "to",
            format!("mapping.toml sends its values to the Gorgias ticket field `{label}`, which does not exist (or is archived)"),
            "create that field in Gorgias, or change the row's `to` (or use `create`) and run `deskshift map confirm`",
        )?;
        return Ok(None);
    };
    let hash = content_hash(&(def, label));
    // A create of this Stames field that landed before a crash (under an
    // earlier map's `create` row) must be adopted as ours before anything
    // is matched, or a rollback would leave it behind.
    let client = run.client;
    let lookup = || made_for(client, &def.id);
    let adopted = run
        .ctx
        .journal
        .settle(kind, &def.id, &hash, &lookup)
        .await
        .map_err(journal_error)?;
    let written = match (adopted, run.done_id(kind, &def.id)?) {
        (Some(adopted), _) => adopted,
        (None, Some(id)) if id == found.id => Written::AlreadyDone(id.to_string()),
        _ => {
            run.notes.add(
                Category::Existing,
                kind,
                &def.id,
                format!(
                    "values written to the existing Gorgias field {} ({label})",
                    found.id
                ),
            );
            run.ctx
                .journal
                .matched(kind, &def.id, &hash, &found.id.to_string())
                .map_err(journal_error)?
        }
    };
    run.tally(kind, &def.id, &written)?;
    Ok(Some((
        found.id,
        label.to_string(),
        fields::shape_of_definition(&found.definition),
    )))
}

/// The Gorgias ticket field carrying `external_id` (a Stames field id, or
/// one of deskshift's own): what a create that landed before a crash left.
async fn made_for(client: &GorgiasClient, external_id: &str) -> Result<Option<String>, WriteError> {
    let all: Vec<CustomField> = client
        .custom_fields(FieldObjectType::Ticket)
        .try_collect()
        .await
        .map_err(ApiError::into_write_error)?;
    Ok(all
        .into_iter()
        .find(|f| f.external_id.as_deref() == Some(external_id))
        .map(|f| f.id.to_string()))
}

/// The Gorgias id of a field: from the ledger, else found by external id
/// (matched), else created. `count` is false for deskshift's own fields,
/// which are not Stames records.
async fn ensure_field(
    run: &Run<'_>,
    existing: &mut ExistingFields,
    source_id: &str,
    hash: &str,
    body: &NewCustomField,
    count: bool,
) -> Result<Option<Id>, DestinationError> {
    let kind = ObjectKind::CustomFields;
    let tally = |written: &Written| {
        if count {
            run.tally(kind, source_id, written)
        } else {
            Ok(())
        }
    };
    if let Some(id) = run.done_id(kind, source_id)? {
        tally(&Written::AlreadyDone(id.to_string()))?;
        return Ok(Some(id));
    }
    let client = run.client;
    let lookup = || made_for(client, &body.external_id);
    // A create that landed before a crash carries the external id that
    // `existing` matches on: adopt it as ours first.
    let adopted = run
        .ctx
        .journal
        .settle(kind, source_id, hash, &lookup)
        .await
        .map_err(journal_error)?;
    let found = match adopted {
        Some(_) => None,
        None => existing.get(client, &body.external_id).await?,
    };
    let written = match (adopted, found) {
        (Some(adopted), _) => adopted,
        (None, Some(found)) => {
            run.notes.add(
                Category::Existing,
                kind,
                source_id,
                format!("reused Gorgias field {} ({})", found.id, body.label),
            );
            let matched = run
                .ctx
                .journal
                .matched(kind, source_id, hash, &found.id.to_string())
                .map_err(journal_error)?;
            if let Some(archived) = &found.deactivated_datetime {
                unarchive(run, source_id, hash, found.id, archived).await?;
            }
            matched
        }
        (None, None) => run
            .ctx
            .journal
            .create_once(kind, source_id, hash, &lookup, || async {
                client
                    .create_custom_field(body)
                    .await
                    .map(|f| f.id.to_string())
                    .map_err(ApiError::into_write_error)
            })
            .await
            .map_err(journal_error)?,
    };
    if count {
        run.tally(kind, source_id, &written)?;
    } else if let Written::Rejected(reason) = &written {
        return Err(DestinationError::Other(format!(
            "Gorgias refused deskshift's own field `{}`: {reason}",
            body.label
        )));
    }
    Ok(written.dest_id().and_then(|id| id.parse().ok()))
}

/// An archived field (a rollback archived it: Gorgias cannot delete one)
/// is brought back to be used again, journaled as a change of the
/// pre-existing field: the next rollback archives it again.
async fn unarchive(
    run: &Run<'_>,
    source_id: &str,
    hash: &str,
    id: Id,
    archived: &str,
) -> Result<(), DestinationError> {
    let client = run.client;
    let image = serde_json::json!({ "deactivated_datetime": archived });
    run.ctx
        .journal
        .update_once(
            ObjectKind::CustomFields,
            source_id,
            &content_hash(&("unarchived", hash)),
            |_| async { Ok(image) },
            |_| async {
                client
                    .set_field_archived(id, None)
                    .await
                    .map_err(ApiError::into_write_error)
            },
        )
        .await
        .map_err(journal_error)?;
    Ok(())
}

// -------------------------------------------------------------------- tags

async fn tags_phase(run: &Run<'_>, schema: &mut Schema) -> Result<(), DestinationError> {
    let kind = ObjectKind::Tags;
    let source_tags: Vec<Tag> = run.records(run.ctx.source.tags()).try_collect().await?;
    run.ctx.progress.start(kind, Some(source_tags.len() as u64));
    // Existing Gorgias tags, by normalised name; listed when first needed.
    let mut existing: Option<HashMap<String, (Id, String)>> = None;
    // Normalised name → (Gorgias id, the Stames spelling that made it).
    let mut made: HashMap<String, (Id, String)> = HashMap::new();
    for tag in &source_tags {
        run.ctx.counts.source(kind, 1);
        run.ctx.progress.advance(kind, 1);
        let hash = content_hash(tag);
        let Some(name) = tags::tag_name(&tag.name) else {
            run.reject(
                kind,
                &tag.id,
                "name",
                format!("`{}` has no usable name once normalised", tag.name),
                "rename the tag in Stames",
            )?;
            continue;
        };
        if let Some(note) = &name.note {
            run.notes.add(Category::Repair, kind, &tag.id, note.clone());
        }
        let key = name.value.clone();
        if let Some(id) = run.done_id(kind, &tag.id)? {
            run.tally(kind, &tag.id, &Written::AlreadyDone(id.to_string()))?;
            made.entry(key.clone()).or_insert((id, tag.name.clone()));
            schema.tags.entry(key).or_insert(name.value);
            continue;
        }
        let client = run.client;
        // A create that landed before a crash is listed like any existing
        // tag: adopt it as ours before matching by name.
        let adopted = run
            .ctx
            .journal
            .settle(kind, &tag.id, &hash, || find_tag(client, &name.value))
            .await
            .map_err(journal_error)?;
        if let (None, Some((id, first))) = (&adopted, made.get(&key).cloned()) {
            let written = run
                .ctx
                .journal
                .matched(kind, &tag.id, &hash, &id.to_string())
                .map_err(journal_error)?;
            run.notes.add(
                Category::Merge,
                kind,
                &tag.id,
                format!(
                    "`{}` merged with `{first}` as Gorgias tag `{key}`",
                    tag.name
                ),
            );
            run.tally(kind, &tag.id, &written)?;
            continue;
        }
        if adopted.is_none() && existing.is_none() {
            let all: Vec<crate::client::wire::TagOut> = run
                .client
                .tags()
                .try_collect()
                .await
                .map_err(|e| api_failure("list Gorgias tags", e))?;
            existing = Some(
                all.into_iter()
                    .map(|t| (tag_key(&t.name), (t.id, t.name)))
                    .collect(),
            );
        }
        let holder = existing.as_ref().and_then(|e| e.get(&key)).cloned();
        if let (None, Some((id, exact))) = (&adopted, holder) {
            let written = run
                .ctx
                .journal
                .matched(kind, &tag.id, &hash, &id.to_string())
                .map_err(journal_error)?;
            run.notes.add(
                Category::Existing,
                kind,
                &tag.id,
                format!("`{}` matched existing Gorgias tag `{exact}`", tag.name),
            );
            run.tally(kind, &tag.id, &written)?;
            made.insert(key.clone(), (id, tag.name.clone()));
            schema.tags.insert(key, exact);
            continue;
        }
        let body = NewTag {
            name: name.value.clone(),
            description: Some(format!("Migrated from Stames (`{}`)", tag.name)),
        };
        let written = match adopted {
            Some(adopted) => adopted,
            None => run
                .ctx
                .journal
                .create_once(
                    kind,
                    &tag.id,
                    &hash,
                    || find_tag(client, &body.name),
                    || async {
                        client
                            .create_tag(&body)
                            .await
                            .map(|t| t.id.to_string())
                            .map_err(ApiError::into_write_error)
                    },
                )
                .await
                .map_err(journal_error)?,
        };
        run.tally(kind, &tag.id, &written)?;
        if let Some(id) = written.dest_id().and_then(|id| id.parse().ok()) {
            made.insert(key.clone(), (id, tag.name.clone()));
            schema.tags.insert(key, name.value);
        }
    }
    run.ctx.progress.finish(kind);
    Ok(())
}

/// The Gorgias tag named exactly `name`, as a create of it would have made it.
async fn find_tag(client: &GorgiasClient, name: &str) -> Result<Option<String>, WriteError> {
    let all: Vec<crate::client::wire::TagOut> = client
        .tags()
        .try_collect()
        .await
        .map_err(ApiError::into_write_error)?;
    Ok(all
        .into_iter()
        .find(|t| t.name == name)
        .map(|t| t.id.to_string()))
}

// ------------------------------------------------------------------- rules

/// Rules that are active now.
pub async fn active_rules(client: &GorgiasClient) -> Result<Vec<Rule>, DestinationError> {
    let rules: Vec<Rule> = client
        .rules()
        .try_collect()
        .await
        .map_err(|e| api_failure("list Gorgias rules", e))?;
    Ok(rules
        .into_iter()
        .filter(|r| r.deactivated_datetime.is_none())
        .collect())
}

/// Deactivates every active rule, recording each in the ledger *before*
/// touching it, so a crash half-way still restores every rule it paused.
pub async fn pause_rules(run: &Run<'_>) -> Result<Vec<Id>, DestinationError> {
    let active = active_rules(run.client).await?;
    let mut paused = paused_rules(run)?;
    for rule in &active {
        if !paused.contains(&rule.id) {
            paused.push(rule.id);
        }
    }
    set_paused(run, &paused)?;
    let now = crate::map::time::format(chrono::Utc::now());
    for rule in &active {
        run.client
            .set_rule_deactivated(rule.id, Some(&now))
            .await
            .map_err(|e| api_failure("deactivate a Gorgias rule", e))?;
        run.ctx.progress.note(&format!(
            "paused Gorgias rule {} ({}); migrate re-enables it at the end",
            rule.id,
            rule.name.as_deref().unwrap_or("unnamed")
        ));
    }
    Ok(paused)
}

/// Re-enables exactly the rules `pause_rules` recorded, then forgets them.
pub async fn restore_rules(run: &Run<'_>) -> Result<Vec<Id>, DestinationError> {
    let paused = paused_rules(run)?;
    let mut left = paused.clone();
    for id in &paused {
        match run.client.set_rule_deactivated(*id, None).await {
            Ok(()) => {}
            // Deleted meanwhile: nothing to restore.
            Err(error) if error.is_not_found() => {}
            Err(error) => {
                set_paused(run, &left)?;
                return Err(api_failure("re-enable a paused Gorgias rule", error));
            }
        }
        left.retain(|r| r != id);
        run.ctx
            .progress
            .note(&format!("re-enabled Gorgias rule {id}"));
    }
    set_paused(run, &left)?;
    Ok(paused)
}

pub fn paused_rules(run: &Run<'_>) -> Result<Vec<Id>, DestinationError> {
    let text = run.ctx.journal.with(|l| l.meta(PAUSED_RULES_KEY))?;
    Ok(text
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default())
}

fn set_paused(run: &Run<'_>, ids: &[Id]) -> Result<(), DestinationError> {
    let text = serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
    run.ctx
        .journal
        .with(|l| l.set_meta(PAUSED_RULES_KEY, &text))?;
    Ok(())
}
