//! Record writes: the platform rules every API (REST, Composite, Bulk)
//! shares. One function per operation — [`insert`], [`update`],
//! [`upsert`], [`delete`] — each atomic on its own: it validates, applies
//! and records its steps in the caller's undo log, or changes nothing.
//!
//! Rules (sources in `docs/salesforce-emulator.md`):
//! - unknown or hidden fields (field-level security) → `INVALID_FIELD`;
//!   fields the user may not write → `INVALID_FIELD_FOR_INSERT_UPDATE`;
//! - audit fields on insert only, and only with the org preference;
//! - required fields → `REQUIRED_FIELD_MISSING`; unique values →
//!   `DUPLICATE_VALUE`; references must name live records of the right
//!   object; owners must be active unless the org allows inactive owners;
//! - read-only objects (CaseHistory, Organization…) →
//!   `INVALID_TYPE_FOR_OPERATION`; an EmailMessage that is not a draft
//!   (`Status` ≠ `5`) cannot be edited;
//! - `Sforce-Auto-Assign` (default TRUE): an active Case assignment rule
//!   re-owns inserted and updated Cases unless the header says FALSE;
//! - side effects of the platform: CaseNumber, IsClosed/ClosedDate,
//!   compound Name, ContentVersion → ContentDocument (+ link to
//!   FirstPublishLocationId), cascading deletes into the Recycle Bin;
//! - injected lock contention → `UNABLE_TO_LOCK_ROW`.

use super::errors::SfError;
use super::schema::{FieldDef, FieldType, ObjectDef};
use super::state::{is_deleted, text, AutoAssignment, Record, State, UndoLog};
use super::values::{coerce, Source};
use axum::http::StatusCode;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Map, Value};
use std::sync::Mutex;

/// The `Sforce-Auto-Assign` header: TRUE (the default), FALSE, or the id of
/// the assignment rule to apply (REST API guide, "Assignment Rule Header").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AutoAssign {
    Default,
    Off,
    Rule(String),
}

impl AutoAssign {
    pub fn from_header(value: Option<&str>) -> AutoAssign {
        match value.map(str::trim) {
            None => AutoAssign::Default,
            Some(v) if v.eq_ignore_ascii_case("true") => AutoAssign::Default,
            Some(v) if v.eq_ignore_ascii_case("false") => AutoAssign::Off,
            Some(v) => AutoAssign::Rule(v.to_string()),
        }
    }
}

/// Injected row-lock contention (`--faults lock=R`): each record write
/// fails with `UNABLE_TO_LOCK_ROW` with probability R, deterministically
/// for a seed.
#[derive(Debug)]
pub struct LockDice {
    rate: f64,
    rng: Mutex<ChaCha8Rng>,
}

impl LockDice {
    pub fn new(rate: f64, seed: u64) -> LockDice {
        LockDice {
            rate,
            // A different stream from the transport faults of the same seed.
            rng: Mutex::new(ChaCha8Rng::seed_from_u64(seed ^ 0x5a17_u64)),
        }
    }

    fn roll(&self) -> bool {
        if self.rate <= 0.0 {
            return false;
        }
        let mut rng = self.rng.lock().unwrap_or_else(|p| p.into_inner());
        rng.gen::<f64>() < self.rate
    }
}

/// What a write needs besides the data: the clock, the headers that
/// change platform behaviour, the fault dice and where values come from.
pub struct Ctx<'a> {
    pub now: String,
    pub auto_assign: AutoAssign,
    pub lock: Option<&'a LockDice>,
    pub source: Source,
}

impl Ctx<'_> {
    fn contention(&self, id: &str) -> Result<(), SfError> {
        match self.lock {
            Some(dice) if dice.roll() => Err(SfError::unable_to_lock_row(id)),
            _ => Ok(()),
        }
    }
}

/// The result of an upsert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Upserted {
    Created(String),
    Updated(String),
}

/// Runs `f` so that on error every step it took is undone.
fn atomic<R>(
    state: &mut State,
    undo: &mut UndoLog,
    f: impl FnOnce(&mut State, &mut UndoLog) -> Result<R, SfError>,
) -> Result<R, SfError> {
    let mut local = UndoLog::new();
    match f(state, &mut local) {
        Ok(r) => {
            undo.extend(local);
            Ok(r)
        }
        Err(e) => {
            state.rollback(local);
            Err(e)
        }
    }
}

fn no_create(object: &ObjectDef, verb: &str) -> SfError {
    SfError::bad(
        "INVALID_TYPE_FOR_OPERATION",
        format!("entity type cannot be {verb}: {}", object.label),
    )
}

fn cannot_write(fields: &[String]) -> SfError {
    SfError::bad(
        "INVALID_FIELD_FOR_INSERT_UPDATE",
        format!(
            "Unable to create/update fields: {}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.",
            fields.join(", ")
        ),
    )
    .with_fields(fields.iter().cloned())
}

/// Checks and converts the client's fields for `object`: visibility,
/// writability and values. `Id` is tolerated on update when it is the
/// record's own id (Collections records carry it).
fn convert(
    state: &State,
    object: &ObjectDef,
    fields: &Map<String, Value>,
    ctx: &Ctx<'_>,
    inserting: bool,
    own_id: Option<&str>,
) -> Result<Record, SfError> {
    let mut out = Record::new();
    let mut not_writable = Vec::new();
    for (key, value) in fields {
        if key == "attributes" {
            continue;
        }
        let field = object
            .field(key)
            .filter(|f| state.can_read(&object.name, f))
            .ok_or_else(|| SfError::no_such_column(key, &object.name))?;
        if field.name == "Id" {
            let same = own_id.is_some_and(|id| {
                value
                    .as_str()
                    .and_then(super::ids::normalize)
                    .is_some_and(|v| v == id)
            });
            if !same {
                not_writable.push(field.name.clone());
            }
            continue;
        }
        let allowed = if field.audit {
            inserting && state.org.set_audit_fields
        } else if inserting {
            field.createable
        } else {
            field.updateable
        };
        let (_, editable) = state.field_access(&object.name, field);
        if !allowed || !editable {
            not_writable.push(field.name.clone());
            continue;
        }
        let value = coerce(field, value, ctx.source)?;
        out.insert(field.name.clone(), value);
    }
    if !not_writable.is_empty() {
        return Err(cannot_write(&not_writable));
    }
    Ok(out)
}

/// References must name live records of an allowed object; an owner must
/// be an active user (or a queue) unless the org allows inactive owners.
fn check_references(state: &State, object: &ObjectDef, record: &Record) -> Result<(), SfError> {
    for field in object
        .fields
        .iter()
        .filter(|f| f.kind == FieldType::Reference)
    {
        let Some(id) = text(record, &field.name) else {
            continue;
        };
        let target = state.object_of(id);
        let allowed = target.is_some_and(|t| field.reference_to.iter().any(|r| r == &t.name));
        let Some(target) = target.filter(|_| allowed) else {
            return Err(SfError::bad(
                "FIELD_INTEGRITY_EXCEPTION",
                format!("{}: id value of incorrect type: {id}", field.label),
            )
            .with_fields([field.name.as_str()]));
        };
        match state.get(&target.name, id) {
            None => {
                return Err(SfError::bad(
                    "INVALID_CROSS_REFERENCE_KEY",
                    format!("invalid cross reference id: {id}"),
                )
                .with_fields([field.name.as_str()]))
            }
            Some(r) if is_deleted(r) => {
                return Err(SfError::bad("ENTITY_IS_DELETED", "entity is deleted")
                    .with_fields([field.name.as_str()]))
            }
            Some(r) => {
                let inactive =
                    target.name == "User" && r.get("IsActive") == Some(&Value::Bool(false));
                if field.name == "OwnerId" && inactive && !state.org.set_audit_fields {
                    return Err(SfError::bad(
                        "INACTIVE_OWNER_OR_USER",
                        format!(
                            "operation performed with inactive user [{id}] as owner of {}",
                            object.label.to_lowercase()
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}

fn check_required(object: &ObjectDef, record: &Record) -> Result<(), SfError> {
    let missing: Vec<String> = object
        .fields
        .iter()
        .filter(|f| !f.nillable && f.createable)
        .filter(|f| record.get(&f.name).is_none_or(|v| v.is_null() || v == ""))
        .map(|f| f.name.clone())
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(SfError::bad(
        "REQUIRED_FIELD_MISSING",
        format!("Required fields are missing: [{}]", missing.join(", ")),
    )
    .with_fields(missing))
}

fn check_unique(state: &State, object: &ObjectDef, record: &Record) -> Result<(), SfError> {
    let own = text(record, "Id").unwrap_or_default();
    for field in object.fields.iter().filter(|f| f.unique) {
        let Some(value) = record.get(&field.name) else {
            continue;
        };
        if let Some(other) = state.unique_owner(&object.name, field, value) {
            if other != own {
                return Err(SfError::bad(
                    "DUPLICATE_VALUE",
                    format!(
                        "duplicate value found: {} duplicates value on record with id: {other}",
                        field.name
                    ),
                )
                .with_fields([field.name.as_str()]));
            }
        }
    }
    Ok(())
}

/// Values the platform derives: compound names, IsClosed/ClosedDate.
fn derive(state: &State, object: &ObjectDef, record: &mut Record, now: &str) {
    if object.compound_name {
        let name = [text(record, "FirstName"), text(record, "LastName")]
            .into_iter()
            .flatten()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        record.insert("Name".into(), Value::String(name));
    }
    if object.name == "Case" {
        let closed = object
            .field("Status")
            .zip(text(record, "Status"))
            .is_some_and(|(f, s)| f.picklist.iter().any(|v| v.value == s && v.closed));
        record.insert("IsClosed".into(), Value::Bool(closed));
        if !closed {
            record.insert("ClosedDate".into(), Value::Null);
        } else if record.get("ClosedDate").is_none_or(Value::is_null) {
            record.insert("ClosedDate".into(), Value::String(now.to_string()));
        }
    }
    if object.name == "TopicAssignment" {
        let entity = text(record, "EntityId")
            .and_then(|id| state.object_of(id))
            .map(|o| o.name.clone());
        record.insert(
            "EntityType".into(),
            entity.map(Value::String).unwrap_or(Value::Null),
        );
    }
}

/// `Sforce-Auto-Assign`: the rule that applies, if any, and its target.
fn assignment(state: &State, ctx: &Ctx<'_>) -> Option<(String, String)> {
    let active_case_rule = |id: &str| {
        state.live("AssignmentRule", id).is_some_and(|r| {
            text(r, "SobjectType") == Some("Case") && r.get("Active") == Some(&Value::Bool(true))
        })
    };
    let rule = match &ctx.auto_assign {
        AutoAssign::Off => return None,
        AutoAssign::Rule(id) => {
            super::ids::normalize(id).filter(|id| state.live("AssignmentRule", id).is_some())?
        }
        AutoAssign::Default => state
            .assignment_targets
            .keys()
            .find(|id| active_case_rule(id))?
            .clone(),
    };
    let target = state.assignment_targets.get(&rule)?.clone();
    Some((rule, target))
}

fn apply_assignment(state: &mut State, ctx: &Ctx<'_>, record: &mut Record) {
    if let Some((rule_id, target)) = assignment(state, ctx) {
        let id = text(record, "Id").unwrap_or_default().to_string();
        let previous = text(record, "OwnerId").unwrap_or_default().to_string();
        record.insert("OwnerId".into(), Value::String(target.clone()));
        state.auto_assignments.push(AutoAssignment {
            case_id: id,
            rule_id,
            previous_owner: previous,
            new_owner: target,
        });
    }
}

fn object_for<'s>(state: &'s State, name: &str) -> Result<&'s ObjectDef, SfError> {
    state.schema.data(name).ok_or_else(|| {
        SfError::bad(
            "INVALID_TYPE",
            format!("sObject type '{name}' is not supported."),
        )
    })
}

/// Inserts one record; returns its id.
pub fn insert(
    state: &mut State,
    ctx: &Ctx<'_>,
    object_name: &str,
    fields: &Map<String, Value>,
    undo: &mut UndoLog,
) -> Result<String, SfError> {
    atomic(state, undo, |state, undo| {
        let object = object_for(state, object_name)?.clone();
        if !object.createable {
            return Err(no_create(&object, "inserted"));
        }
        let mut record = convert(state, &object, fields, ctx, true, None)?;
        let lock_target = object
            .fields
            .iter()
            .filter(|f| f.kind == FieldType::Reference)
            .find_map(|f| text(&record, &f.name))
            .unwrap_or_default()
            .to_string();
        ctx.contention(&lock_target)?;
        // Defaults the platform fills.
        let user = Value::String(state.api_user_id.clone());
        let now = Value::String(ctx.now.clone());
        for field in &object.fields {
            if record.get(&field.name).is_some_and(|v| !v.is_null()) {
                continue;
            }
            let default = match field.name.as_str() {
                "CreatedById" | "LastModifiedById" | "OwnerId" => Some(user.clone()),
                "CreatedDate" | "SystemModstamp" => Some(now.clone()),
                "LastModifiedDate" => {
                    Some(record.get("CreatedDate").cloned().unwrap_or(now.clone()))
                }
                "IsDeleted" => Some(Value::Bool(false)),
                _ if field.kind == FieldType::Boolean => Some(Value::Bool(false)),
                _ => field
                    .default_picklist_value()
                    .map(|v| Value::String(v.to_string())),
            };
            if let Some(default) = default {
                record.insert(field.name.clone(), default);
            }
        }
        let id = state.next_id(&object.key_prefix);
        record.insert("Id".into(), Value::String(id.clone()));
        if object.custom
            && object.field("Name").is_some_and(|f| f.createable)
            && record.get("Name").is_none_or(Value::is_null)
        {
            record.insert("Name".into(), Value::String(id.clone()));
        }
        if let Some(auto) = &object.auto_number {
            // Auto-numbers have their own sequence, 00001000 upwards.
            let seq = state
                .sequences
                .entry(format!("#{}", object.name))
                .or_insert(999);
            *seq += 1;
            record.insert(auto.clone(), Value::String(format!("{:08}", *seq)));
        }
        derive(state, &object, &mut record, &ctx.now);
        check_required(&object, &record)?;
        check_references(state, &object, &record)?;
        check_unique(state, &object, &record)?;
        special_insert(state, &object, &mut record, undo)?;
        if object.name == "Case" {
            apply_assignment(state, ctx, &mut record);
        }
        state.put(&object.name, record, undo);
        after_insert(state, ctx, &object, &id, undo)?;
        Ok(id)
    })
}

/// Object-specific checks and side effects before an insert lands.
fn special_insert(
    state: &mut State,
    object: &ObjectDef,
    record: &mut Record,
    undo: &mut UndoLog,
) -> Result<(), SfError> {
    match object.name.as_str() {
        "ContentVersion" => content_version(state, record, undo),
        "FieldPermissions" => field_permission(state, record),
        _ => Ok(()),
    }
}

/// After the record exists: links that name it.
fn after_insert(
    state: &mut State,
    ctx: &Ctx<'_>,
    object: &ObjectDef,
    id: &str,
    undo: &mut UndoLog,
) -> Result<(), SfError> {
    if object.name != "ContentVersion" {
        return Ok(());
    }
    let Some(version) = state.get("ContentVersion", id).cloned() else {
        return Ok(());
    };
    let document = text(&version, "ContentDocumentId")
        .unwrap_or_default()
        .to_string();
    let mut doc = state
        .get("ContentDocument", &document)
        .cloned()
        .unwrap_or_default();
    doc.insert(
        "LatestPublishedVersionId".into(),
        Value::String(id.to_string()),
    );
    state.put("ContentDocument", doc, undo);
    let owner = text(&version, "OwnerId").unwrap_or_default().to_string();
    let location = text(&version, "FirstPublishLocationId").map(str::to_string);
    let mut links = vec![(owner, "I")];
    if let Some(location) =
        location.filter(|l| state.object_of(l).is_some_and(|o| o.name != "User"))
    {
        links.push((location, "V"));
    }
    let quiet = Ctx {
        now: ctx.now.clone(),
        auto_assign: AutoAssign::Off,
        lock: None,
        source: Source::Json,
    };
    for (entity, share) in links {
        let mut link = Map::new();
        link.insert("ContentDocumentId".into(), Value::String(document.clone()));
        link.insert("LinkedEntityId".into(), Value::String(entity));
        link.insert("ShareType".into(), Value::String(share.into()));
        insert(state, &quiet, "ContentDocumentLink", &link, undo)?;
    }
    Ok(())
}

/// A ContentVersion without ContentDocumentId creates its ContentDocument
/// (object reference, "ContentVersion"); VersionData must be base64.
fn content_version(
    state: &mut State,
    record: &mut Record,
    undo: &mut UndoLog,
) -> Result<(), SfError> {
    let data = text(record, "VersionData").unwrap_or_default();
    let bytes = STANDARD.decode(data.trim()).map_err(|_| {
        SfError::bad("INVALID_FIELD", "Version Data: invalid base64 data")
            .with_fields(["VersionData"])
    })?;
    if text(record, "PathOnClient").is_none_or(str::is_empty)
        && text(record, "ContentDocumentId").is_none()
    {
        return Err(SfError::bad(
            "REQUIRED_FIELD_MISSING",
            "Required fields are missing: [PathOnClient]",
        )
        .with_fields(["PathOnClient"]));
    }
    let path = text(record, "PathOnClient").unwrap_or_default();
    let extension = path
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let file_type = match extension.as_str() {
        "" => "UNKNOWN".to_string(),
        "jpg" | "jpeg" => "JPG".to_string(),
        "txt" => "TEXT".to_string(),
        e => e.to_ascii_uppercase(),
    };
    record.insert("FileExtension".into(), Value::String(extension));
    record.insert("FileType".into(), Value::String(file_type.clone()));
    record.insert("ContentSize".into(), Value::from(bytes.len()));
    record.insert("IsLatest".into(), Value::Bool(true));
    if text(record, "ContentDocumentId").is_none() {
        let id = state.next_id("069");
        let mut doc = Record::new();
        for key in [
            "CreatedById",
            "CreatedDate",
            "LastModifiedById",
            "LastModifiedDate",
            "SystemModstamp",
            "OwnerId",
            "Title",
            "FileExtension",
            "FileType",
            "ContentSize",
        ] {
            if let Some(v) = record.get(key) {
                doc.insert(key.into(), v.clone());
            }
        }
        doc.insert("Id".into(), Value::String(id.clone()));
        doc.insert("IsDeleted".into(), Value::Bool(false));
        state.put("ContentDocument", doc, undo);
        record.insert("ContentDocumentId".into(), Value::String(id));
    }
    Ok(())
}

/// FieldPermissions: `Field` is a restricted picklist of existing fields
/// ("Object.Field"), edit implies read, one record per set and field.
fn field_permission(state: &State, record: &mut Record) -> Result<(), SfError> {
    let object = text(record, "SobjectType").unwrap_or_default();
    let full = text(record, "Field").unwrap_or_default();
    let known = full
        .split_once('.')
        .filter(|(o, _)| o.eq_ignore_ascii_case(object))
        .and_then(|(o, f)| state.schema.data(o)?.field(f).map(|_| ()))
        .is_some();
    if !known {
        return Err(SfError::bad(
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            format!("Field Name: bad value for restricted picklist field: {full}"),
        )
        .with_fields(["Field"]));
    }
    if record.get("PermissionsEdit") == Some(&Value::Bool(true))
        && record.get("PermissionsRead") != Some(&Value::Bool(true))
    {
        return Err(SfError::bad(
            "FIELD_INTEGRITY_EXCEPTION",
            "Permission Edit depends on permission(s): Read",
        ));
    }
    let parent = text(record, "ParentId").unwrap_or_default();
    let duplicate = state.live_records("FieldPermissions").any(|fp| {
        text(fp, "ParentId") == Some(parent)
            && text(fp, "Field").is_some_and(|f| f.eq_ignore_ascii_case(full))
    });
    if duplicate {
        return Err(SfError::bad(
            "DUPLICATE_VALUE",
            format!("duplicate value found: Field duplicates value on record with id: {parent}"),
        ));
    }
    Ok(())
}

/// Updates one record.
pub fn update(
    state: &mut State,
    ctx: &Ctx<'_>,
    object_name: &str,
    id: &str,
    fields: &Map<String, Value>,
    undo: &mut UndoLog,
) -> Result<(), SfError> {
    atomic(state, undo, |state, undo| {
        let object = object_for(state, object_name)?.clone();
        if !object.updateable {
            return Err(no_create(&object, "updated"));
        }
        let id = super::ids::normalize(id)
            .ok_or_else(|| SfError::bad("MALFORMED_ID", format!("malformed id {id}")))?;
        let current = match state.get(&object.name, &id) {
            None => return Err(SfError::not_found()),
            Some(r) if is_deleted(r) => {
                return Err(SfError::new(
                    StatusCode::NOT_FOUND,
                    "ENTITY_IS_DELETED",
                    "entity is deleted",
                ))
            }
            Some(r) => r.clone(),
        };
        let changes = convert(state, &object, fields, ctx, false, Some(&id))?;
        if object.name == "EmailMessage" && text(&current, "Status") != Some("5") {
            let locked = changes
                .keys()
                .any(|k| k != "IsExternallyVisible" && !object.field(k).is_some_and(|f| f.custom));
            if locked {
                return Err(SfError::bad(
                    "INSUFFICIENT_ACCESS_OR_READONLY",
                    "insufficient access rights on object id: only draft email messages (Status 5) can be edited",
                ));
            }
        }
        ctx.contention(&id)?;
        let mut record = current;
        for (k, v) in changes {
            record.insert(k, v);
        }
        record.insert("LastModifiedDate".into(), Value::String(ctx.now.clone()));
        record.insert("SystemModstamp".into(), Value::String(ctx.now.clone()));
        record.insert(
            "LastModifiedById".into(),
            Value::String(state.api_user_id.clone()),
        );
        derive(state, &object, &mut record, &ctx.now);
        check_required(&object, &record)?;
        check_references(state, &object, &record)?;
        check_unique(state, &object, &record)?;
        if object.name == "Case" {
            apply_assignment(state, ctx, &mut record);
        }
        state.put(&object.name, record, undo);
        Ok(())
    })
}

/// The external-id field of an upsert URL: it must be an external id (or
/// `Id`) the user can see; otherwise the resource "does not exist".
pub fn external_id_field<'s>(
    state: &'s State,
    object: &'s ObjectDef,
    name: &str,
) -> Result<&'s FieldDef, SfError> {
    object
        .field(name)
        .filter(|f| f.external_id || f.name == "Id" || f.id_lookup)
        .filter(|f| state.can_read(&object.name, f))
        .ok_or_else(|| {
            SfError::new(
                StatusCode::NOT_FOUND,
                "NOT_FOUND",
                format!("Provided external ID field does not exist or is not accessible: {name}"),
            )
        })
}

/// Upserts on an external id: insert when no record has `value`, update
/// when one has, `300`-style refusal when several have.
pub fn upsert(
    state: &mut State,
    ctx: &Ctx<'_>,
    object_name: &str,
    field_name: &str,
    value: &str,
    fields: &Map<String, Value>,
    undo: &mut UndoLog,
) -> Result<Upserted, SfError> {
    let object = object_for(state, object_name)?.clone();
    let field = external_id_field(state, &object, field_name)?.clone();
    let matches = if field.name == "Id" {
        super::ids::normalize(value)
            .filter(|id| state.live(&object.name, id).is_some())
            .into_iter()
            .collect()
    } else {
        state.find_by(&object.name, &field, value)
    };
    let mut body = fields.clone();
    body.remove(&field.name);
    match matches.as_slice() {
        [] => {
            if field.name != "Id" {
                body.insert(field.name.clone(), Value::String(value.to_string()));
            }
            insert(state, ctx, &object.name, &body, undo).map(Upserted::Created)
        }
        [id] => update(state, ctx, &object.name, id, &body, undo)
            .map(|()| Upserted::Updated(id.clone())),
        many => Err(SfError::new(
            StatusCode::MULTIPLE_CHOICES,
            "DUPLICATE_EXTERNAL_ID",
            format!(
                "{}: more than one record found for external id field: [{}]",
                field.name,
                many.join(", ")
            ),
        )
        .with_fields(many.iter().cloned())),
    }
}

/// Moves a record and everything that cascades from it to the Recycle Bin.
pub fn delete(
    state: &mut State,
    ctx: &Ctx<'_>,
    object_name: &str,
    id: &str,
    undo: &mut UndoLog,
) -> Result<(), SfError> {
    atomic(state, undo, |state, undo| {
        let object = object_for(state, object_name)?.clone();
        if !object.deletable {
            return Err(no_create(&object, "deleted"));
        }
        let id = super::ids::normalize(id)
            .ok_or_else(|| SfError::bad("MALFORMED_ID", format!("malformed id {id}")))?;
        match state.get(&object.name, &id) {
            None => return Err(SfError::not_found()),
            Some(r) if is_deleted(r) => {
                return Err(SfError::new(
                    StatusCode::NOT_FOUND,
                    "ENTITY_IS_DELETED",
                    "entity is deleted",
                ))
            }
            Some(_) => {}
        }
        ctx.contention(&id)?;
        let mut pending = vec![(object.name.clone(), id)];
        while let Some((object_name, id)) = pending.pop() {
            let Some(mut record) = state.live(&object_name, &id).cloned() else {
                continue;
            };
            record.insert("IsDeleted".into(), Value::Bool(true));
            record.insert("SystemModstamp".into(), Value::String(ctx.now.clone()));
            state.put(&object_name, record, undo);
            pending.extend(children(state, &id));
        }
        Ok(())
    })
}

/// Live records that cascade from `id` (master-detail and platform links).
fn children(state: &State, id: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for object in state.schema.objects() {
        let fields: Vec<&FieldDef> = object.fields.iter().filter(|f| f.cascade_delete).collect();
        if fields.is_empty() {
            continue;
        }
        for record in state.live_records(&object.name) {
            if fields.iter().any(|f| text(record, &f.name) == Some(id)) {
                if let Some(child) = text(record, "Id") {
                    out.push((object.name.clone(), child.to_string()));
                }
            }
        }
    }
    out
}
