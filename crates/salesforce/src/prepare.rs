//! `prepare`: the org's schema a load needs, made idempotently, and what
//! the writer must know about the org before it maps a record ([`Org`]).
//!
//! 1. One pass over the source collects what the schema depends on: custom
//!    field and object definitions, every tag spelling, channel, status and
//!    priority, and the volume of tickets and messages (which decides
//!    Collections or Bulk API 2.0). Attachment bytes are not read.
//! 2. [`map::schema::plan`] turns it into custom objects and fields, with
//!    deterministic names, so a re-run computes the same ones.
//! 3. Missing custom objects, then fields, are created through the Tooling
//!    API. A field already in describe is not created again; a create that
//!    answers `DUPLICATE_DEVELOPER_NAME` (it exists but is not visible yet)
//!    is looked up and adopted. Stames field and object definitions are
//!    journaled (`custom_fields`, `custom_objects`) like Gorgias's fields.
//! 4. Field-level security: new fields are invisible until granted, so the
//!    migration user's profile permission set is granted read and edit on
//!    every planned field whenever describe still lacks one.
//! 5. Status, Priority and Origin values the org lacks
//!    ([`map::values::resolve`]'s `missing`) are added to their standard
//!    value sets, Case Status values with their *closed* flag.
//! 6. The org's capabilities are read from describe: audit fields
//!    (`Case.CreatedDate` createable), `Case.ClosedDate`.
//!
//! `migrate` runs all of it again (it costs a few describes once done);
//! `verify` runs it read-only, to map records exactly as the writer did.

use crate::client::tooling::{merge_standard_values, NewPicklistValue};
use crate::client::{ApiError, Describe, SalesforceClient};
use crate::map::case::CaseContext;
use crate::map::schema::{
    self, FieldKey, FieldOrigin, FieldSpec, ObjectOrigin, ObjectSpec, SchemaInput, SchemaPlan,
    SfFieldType,
};
use crate::map::tags::{self, TagStrategy};
use crate::map::users::UserDirectory;
use crate::map::validate::{DescribeType, FieldDescribe, ObjectDescribe};
use crate::map::values::{self, OrgValue, ValueMap};
use crate::map::{OrgCapabilities, SfId};
use crate::writer::{api_failure, journal_error, Run};
use deskshift_core::destination::notes::Category;
use deskshift_core::destination::DestinationError;
use deskshift_core::engine::{Changed, WriteError, Written};
use deskshift_core::ledger::{content_hash, Intent, Outcome};
use deskshift_core::mapping::{FieldMap, SourceEnumeration};
use deskshift_core::model::{Channel, CustomFieldDef, CustomObjectDef, ObjectKind};
use deskshift_core::source::Read;
use futures::{StreamExt, TryStreamExt};
use serde_json::{json, Value};
use std::collections::{BTreeSet, HashMap};

/// Whether the phase may change the org.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `prepare`, `migrate`: create what is missing; count definitions.
    Create,
    /// `verify`: read the org only.
    ReadOnly,
}

/// The standard objects deskshift writes, described once per phase.
pub const LOADED_OBJECTS: [&str; 6] = [
    schema::ACCOUNT,
    schema::CONTACT,
    schema::CASE,
    schema::EMAIL_MESSAGE,
    schema::CASE_COMMENT,
    schema::CONTENT_VERSION,
];

/// Rounds of granting field-level security before a field that stays
/// hidden stops the phase.
const GRANT_ROUNDS: usize = 3;

/// How much the source holds, to choose Collections or Bulk per object.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Volume {
    pub tickets: usize,
    pub messages: usize,
    pub status_events: usize,
}

/// What the writer and verify know about the org.
#[derive(Debug, Clone)]
pub struct Org {
    pub plan: SchemaPlan,
    pub caps: OrgCapabilities,
    pub statuses: ValueMap,
    pub priorities: ValueMap,
    /// Keyed by the channel's label (`WhatsApp`).
    pub origins: ValueMap,
    /// Validation describes by object API name.
    pub describes: HashMap<String, ObjectDescribe>,
    /// Per object API name, the fields an update may change (describe's
    /// `updateable`), lowercased: what delta writes to records already in
    /// Salesforce.
    pub updateable: HashMap<String, BTreeSet<String>>,
    pub volume: Volume,
}

impl Org {
    /// The validation describe of `object` (empty if it was not described:
    /// validation then refuses every field, which names the problem).
    /// The fields of `record` an update of `object` may change.
    pub fn updatable_part(&self, object: &str, record: &crate::map::Record) -> crate::map::Record {
        let allowed = self.updateable.get(object);
        record
            .iter()
            .filter(|(field, _)| allowed.is_some_and(|a| a.contains(&field.to_ascii_lowercase())))
            .map(|(field, value)| (field.clone(), value.clone()))
            .collect()
    }

    /// The org as `prepare` leaves it, for `plan`, which must not create
    /// anything: every field of the schema plan exists and is visible, and
    /// the Status, Priority and Origin values the source needs are active.
    pub fn as_prepared(&mut self) {
        for spec in &self.plan.fields {
            let describe = self
                .describes
                .entry(spec.object.clone())
                .or_insert_with(|| ObjectDescribe::new(spec.object.clone(), Vec::new()));
            if describe.field(&spec.api_name).is_none() {
                describe.insert(planned_field(spec));
            }
        }
        // A custom object to create gets the system fields every object
        // has, as the org grants them on Case (audit fields, owner).
        let case = self.describe(schema::CASE);
        for object in &self.plan.objects {
            let describe = self
                .describes
                .entry(object.api_name.clone())
                .or_insert_with(|| ObjectDescribe::new(object.api_name.clone(), Vec::new()));
            if describe.field("Name").is_none() {
                let mut name = planned_text("Name", 80);
                name.createable = object.auto_number.is_none();
                describe.insert(name);
            }
            let mut system = vec![
                "CreatedDate",
                "CreatedById",
                "LastModifiedDate",
                "LastModifiedById",
            ];
            if !object.controlled_by_parent {
                system.push("OwnerId");
            }
            for field in system {
                if let (None, Some(f)) = (describe.field(field), case.field(field)) {
                    describe.insert(f.clone());
                }
            }
        }
        for (field, values) in [
            ("Status", &self.statuses),
            ("Priority", &self.priorities),
            ("Origin", &self.origins),
        ] {
            if let Some(case) = self.describes.get_mut(schema::CASE) {
                case.add_picklist_values(field, values.missing.iter().map(|w| w.value.clone()));
            }
        }
    }

    /// What the Case map needs to map a ticket of this org.
    pub fn case_context<'a>(
        &'a self,
        contact_id: Option<&'a SfId>,
        account_id: Option<&'a SfId>,
        users: &'a UserDirectory,
        map: &'a FieldMap,
    ) -> CaseContext<'a> {
        CaseContext {
            contact_id,
            account_id,
            users,
            schema: &self.plan,
            map,
            statuses: &self.statuses,
            priorities: &self.priorities,
            origins: &self.origins,
            caps: &self.caps,
        }
    }

    pub fn describe(&self, object: &str) -> ObjectDescribe {
        self.describes
            .get(object)
            .cloned()
            .unwrap_or_else(|| ObjectDescribe::new(object, Vec::new()))
    }
}

/// What the source pass collected.
#[derive(Debug, Default)]
struct Scan {
    field_defs: Vec<CustomFieldDef>,
    object_defs: Vec<CustomObjectDef>,
    tags: BTreeSet<String>,
    channels: Vec<Channel>,
    statuses: BTreeSet<String>,
    priorities: BTreeSet<String>,
    volume: Volume,
}

/// Makes (or, read-only, reads) the schema and returns what the load needs.
pub async fn schema(run: &Run<'_>, mode: Mode) -> Result<Org, DestinationError> {
    let scan = scan(run, mode).await?;
    let observed = HashMap::<FieldKey, schema::Observed>::new();
    let tag_list: Vec<String> = scan.tags.iter().cloned().collect();
    let mut plan = schema::plan(&SchemaInput {
        field_defs: &scan.field_defs,
        object_defs: &scan.object_defs,
        tags: &tag_list,
        channels: &scan.channels,
        observed: &observed,
    });
    schema::apply_map(&mut plan, run.ctx.map, &scan.field_defs);
    if mode == Mode::Create {
        for note in &plan.notes {
            run.notes
                .add(Category::Repair, ObjectKind::CustomFields, "(schema)", note);
        }
        // Fields the confirmed map writes nowhere: skipped with its reason.
        for (id, reason) in &plan.not_written {
            run.ctx.counts.source(ObjectKind::CustomFields, 1);
            run.skip(ObjectKind::CustomFields, id, reason.clone());
        }
        objects(run, &plan, &scan.object_defs).await?;
    }
    let mut describes = describe_all(run.client, &plan).await?;
    // Existing fields the map writes into take the org's shape; one the org
    // lacks rejects its definition, named.
    for (id, reason) in schema::adopt_existing(&mut plan, &describes) {
        if mode == Mode::Create {
            run.ctx.counts.source(ObjectKind::CustomFields, 1);
            run.reject(
                ObjectKind::CustomFields,
                &id,
                "to",
                reason,
                "create that field in Salesforce (and grant the migration user access), or change \
                 the row's `to` (or use `create`) and run `deskshift map confirm`",
            )?;
        }
    }
    if mode == Mode::Create {
        fields(run, &plan, &describes).await?;
        describes = describe_all(run.client, &plan).await?;
        // A grant that failed for one field (a 5xx on its row) is simply
        // made again; a field still hidden after that is named below.
        for _ in 0..GRANT_ROUNDS {
            if plan
                .fields
                .iter()
                .all(|f| has_field(&describes, &f.object, &f.api_name))
            {
                break;
            }
            grant(run.client, &plan).await?;
            describes = describe_all(run.client, &plan).await?;
        }
    }
    let (statuses, priorities, origins) = picklists(run, &scan, &describes, mode).await?;
    let (statuses, priorities, origins) = if mode == Mode::Create
        && [&statuses, &priorities, &origins]
            .iter()
            .any(|m| !m.missing.is_empty())
    {
        add_values(run, &statuses, &priorities, &origins).await?;
        describes = describe_all(run.client, &plan).await?;
        picklists(run, &scan, &describes, Mode::ReadOnly).await?
    } else {
        (statuses, priorities, origins)
    };
    let case = describes.get(schema::CASE);
    let createable = |field: &str| {
        case.and_then(|d| d.field(field))
            .is_some_and(|f| f.createable)
    };
    let caps = OrgCapabilities {
        audit_fields: createable("CreatedDate"),
        closed_date_createable: createable("ClosedDate"),
        // Person Accounts are not used by this build: customers without a
        // company get an individual business Account (S10).
        person_accounts: false,
        // The platform grants both with "Set Audit Fields upon Record
        // Creation and Update Records with Inactive Owners".
        inactive_owners: createable("CreatedDate"),
    };
    if mode == Mode::Create {
        tags_phase(run, &plan).await?;
        check_fields(&plan, &describes)?;
    }
    Ok(Org {
        plan,
        caps,
        statuses,
        priorities,
        origins,
        describes: describes
            .iter()
            .map(|(name, d)| (name.clone(), to_validate(d)))
            .collect(),
        updateable: describes
            .iter()
            .map(|(name, d)| {
                let fields = d
                    .fields
                    .iter()
                    .filter(|f| f.updateable)
                    .map(|f| f.name.to_ascii_lowercase())
                    .collect();
                (name.clone(), fields)
            })
            .collect(),
        volume: scan.volume,
    })
}

/// One pass over the definitions and tickets. Source rejects are left to
/// the phases that load those records (counted once per run).
async fn scan(run: &Run<'_>, mode: Mode) -> Result<Scan, DestinationError> {
    let source = run.ctx.source;
    let mut scan = Scan::default();
    let mut defs = source.custom_fields();
    while let Some(item) = defs.try_next().await? {
        match item {
            Read::Record(def) => scan.field_defs.push(def),
            Read::Rejected(reject) if mode == Mode::Create => {
                run.ctx.counts.source(reject.kind, 1);
                run.ctx.counts.rejected(reject.kind, 1);
                run.record_reject(&reject)?;
            }
            Read::Rejected(_) => {}
        }
    }
    let mut defs = source.custom_objects();
    while let Some(item) = defs.try_next().await? {
        match item {
            Read::Record(def) => scan.object_defs.push(def),
            Read::Rejected(reject) if mode == Mode::Create => {
                run.ctx.counts.source(reject.kind, 1);
                run.ctx.counts.rejected(reject.kind, 1);
                run.record_reject(&reject)?;
            }
            Read::Rejected(_) => {}
        }
    }
    let mut tags = source.tags();
    while let Some(item) = tags.try_next().await? {
        if let Read::Record(tag) = item {
            scan.tags.insert(tag.name);
        }
    }
    let mut threads = source.tickets(None);
    while let Some(item) = threads.next().await {
        let Read::Record(thread) = item? else {
            continue;
        };
        let t = &thread.ticket;
        scan.volume.tickets += 1;
        scan.volume.messages += thread.messages.len();
        scan.volume.status_events += thread.status_history.len();
        scan.tags.extend(t.tags.iter().cloned());
        scan.statuses.insert(t.status.clone());
        scan.priorities.insert(t.priority.clone());
        if !scan.channels.contains(&t.channel) {
            scan.channels.push(t.channel.clone());
        }
        for m in &thread.messages {
            if !scan.channels.contains(&m.channel) {
                scan.channels.push(m.channel.clone());
            }
        }
    }
    Ok(scan)
}

/// Describes the standard objects and every planned custom object that exists.
pub(crate) async fn describe_all(
    client: &SalesforceClient,
    plan: &SchemaPlan,
) -> Result<HashMap<String, Describe>, DestinationError> {
    let mut out = HashMap::new();
    let names = LOADED_OBJECTS
        .iter()
        .map(|s| s.to_string())
        .chain(plan.objects.iter().map(|o| o.api_name.clone()));
    for name in names {
        match client.describe(&name).await {
            Ok(d) => {
                out.insert(name, d);
            }
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(api_failure(&format!("describe {name}"), e)),
        }
    }
    Ok(out)
}

fn has_field(describes: &HashMap<String, Describe>, object: &str, field: &str) -> bool {
    describes
        .get(object)
        .is_some_and(|d| d.field(field).is_some())
}

/// A field the schema plan creates, as describe will show it once created.
fn planned_field(spec: &FieldSpec) -> FieldDescribe {
    let field_type = match spec.field_type {
        SfFieldType::Text | SfFieldType::LongTextArea => DescribeType::Text,
        SfFieldType::Number => DescribeType::Number,
        SfFieldType::Checkbox => DescribeType::Boolean,
        SfFieldType::Date => DescribeType::Date,
        SfFieldType::DateTime => DescribeType::DateTime,
        SfFieldType::Picklist => DescribeType::Picklist,
        SfFieldType::MultiselectPicklist => DescribeType::MultiPicklist,
        SfFieldType::Lookup | SfFieldType::MasterDetail => DescribeType::Reference,
    };
    FieldDescribe {
        name: spec.api_name.clone(),
        field_type,
        length: spec.length.unwrap_or(0) as usize,
        byte_length: None,
        nillable: spec.field_type != SfFieldType::MasterDetail,
        createable: true,
        defaulted_on_create: spec.field_type == SfFieldType::Checkbox,
        external_id: spec.external_id,
        restricted_picklist: spec.restricted,
        picklist_values: spec.picklist_values.clone(),
    }
}

fn planned_text(name: &str, length: usize) -> FieldDescribe {
    FieldDescribe::plain(name, DescribeType::Text, length)
}

/// The validation view of a describe.
pub fn to_validate(d: &Describe) -> ObjectDescribe {
    ObjectDescribe::new(
        d.name.clone(),
        d.fields.iter().map(|f| FieldDescribe {
            name: f.name.clone(),
            field_type: DescribeType::from_describe(&f.field_type),
            length: f.length as usize,
            byte_length: None,
            nillable: f.nillable,
            createable: f.createable,
            defaulted_on_create: f.defaulted_on_create,
            external_id: f.external_id,
            restricted_picklist: f.restricted_picklist,
            picklist_values: f
                .picklist_values
                .iter()
                .filter(|v| v.active)
                .map(|v| v.value.clone())
                .collect(),
        }),
    )
}

// ------------------------------------------------------------ custom objects

async fn objects(
    run: &Run<'_>,
    plan: &SchemaPlan,
    defs: &[CustomObjectDef],
) -> Result<(), DestinationError> {
    let kind = ObjectKind::CustomObjects;
    let existing: BTreeSet<String> = run
        .client
        .global_describe()
        .await
        .map_err(|e| api_failure("list the org's objects", e))?
        .into_iter()
        .map(|o| o.name.to_ascii_lowercase())
        .collect();
    run.ctx.counts.source(kind, defs.len() as u64);
    for spec in &plan.objects {
        let def = match &spec.origin {
            ObjectOrigin::Stames(key) => defs.iter().find(|d| &d.key == key),
            ObjectOrigin::StatusEvents => None,
        };
        let exists = existing.contains(&spec.api_name.to_ascii_lowercase());
        let (source_id, hash) = match def {
            Some(def) => (def.id.clone(), content_hash(def)),
            None => (
                own_source_id(&spec.api_name),
                content_hash(&spec.tooling_body()),
            ),
        };
        let written = ensure_object(run, spec, &source_id, &hash, exists).await?;
        match def {
            Some(_) => run.tally(kind, &source_id, &written)?,
            None => refuse_own(&spec.api_name, &written)?,
        }
    }
    Ok(())
}

/// The ledger source id of a schema element deskshift itself needs (its
/// key fields, the status-event object, a standard value set it extends):
/// journaled like the Stames definitions, so an interrupted create is
/// settled and rollback takes it back, but not counted, since it stands for
/// no Stames record.
pub fn own_source_id(name: &str) -> String {
    format!("deskshift:{name}")
}

/// A schema item of deskshift's own that Salesforce refused stops the phase:
/// nothing can load without it.
fn refuse_own(full_name: &str, written: &Written) -> Result<(), DestinationError> {
    match written {
        Written::Rejected(reason) => Err(DestinationError::Other(format!(
            "Salesforce refused to create {full_name}, which the load needs: {reason}; fix \
             what it names (often a missing permission: Customize Application) and run the \
             command again"
        ))),
        _ => Ok(()),
    }
}

/// A custom object: from the ledger, else found (matched if it was there
/// before, adopted if an earlier create landed), else created exactly once.
async fn ensure_object(
    run: &Run<'_>,
    spec: &ObjectSpec,
    source_id: &str,
    hash: &str,
    exists: bool,
) -> Result<Written, DestinationError> {
    let kind = ObjectKind::CustomObjects;
    if let Some(id) = run.done_dest_id(kind, source_id)? {
        return Ok(Written::AlreadyDone(id));
    }
    let journal = run.ctx.journal;
    if exists {
        let found = || async { Ok(Some(spec.api_name.clone())) };
        if let Some(adopted) = journal
            .settle(kind, source_id, hash, found)
            .await
            .map_err(journal_error)?
        {
            return Ok(adopted);
        }
        run.notes.add(
            Category::Existing,
            kind,
            source_id,
            format!(
                "the custom object {} already exists; used as is",
                spec.api_name
            ),
        );
        return journal
            .matched(kind, source_id, hash, &spec.api_name)
            .map_err(journal_error);
    }
    let client = run.client;
    journal
        .create_once(
            kind,
            source_id,
            hash,
            || async {
                let all = client
                    .global_describe()
                    .await
                    .map_err(ApiError::into_write_error)?;
                Ok(all
                    .iter()
                    .any(|o| o.name.eq_ignore_ascii_case(&spec.api_name))
                    .then(|| spec.api_name.clone()))
            },
            || async {
                create_object(client, spec)
                    .await
                    .map(|_| spec.api_name.clone())
                    .map_err(ApiError::into_write_error)
            },
        )
        .await
        .map_err(journal_error)
}

/// Creates a custom object; one that already exists is not an error.
async fn create_object(client: &SalesforceClient, spec: &ObjectSpec) -> Result<(), ApiError> {
    let body = spec.tooling_body();
    let metadata = body.get("Metadata").cloned().unwrap_or(Value::Null);
    match client.create_custom_object(&spec.api_name, &metadata).await {
        Ok(_) => Ok(()),
        Err(e) if is_duplicate(&e) => Ok(()),
        Err(e) => Err(e),
    }
}

fn is_duplicate(error: &ApiError) -> bool {
    error
        .errors()
        .iter()
        .any(|e| e.code == "DUPLICATE_DEVELOPER_NAME" || e.code == "DUPLICATE_VALUE")
}

// ------------------------------------------------------------------ fields

async fn fields(
    run: &Run<'_>,
    plan: &SchemaPlan,
    describes: &HashMap<String, Describe>,
) -> Result<(), DestinationError> {
    let kind = ObjectKind::CustomFields;
    run.ctx.progress.start(kind, Some(plan.fields.len() as u64));
    for spec in &plan.fields {
        let visible = has_field(describes, &spec.object, &spec.api_name);
        let source_id = match &spec.origin {
            FieldOrigin::StamesField(id) => {
                run.ctx.counts.source(kind, 1);
                let written = ensure_field(run, spec, id, visible).await?;
                run.tally(kind, id, &written)?;
                id.clone()
            }
            _ => {
                let own = own_source_id(&spec.full_name());
                let written = ensure_field(run, spec, &own, visible).await?;
                refuse_own(&spec.full_name(), &written)?;
                own
            }
        };
        if visible {
            extend_picklist(run, spec, &source_id, describes).await?;
        }
        run.ctx.progress.advance(kind, 1);
    }
    run.ctx.progress.finish(kind);
    Ok(())
}

/// A custom field (a Stames field's, or one of deskshift's own): from the
/// ledger, else found (matched if it was there before, adopted if an
/// earlier create landed), else created.
async fn ensure_field(
    run: &Run<'_>,
    spec: &FieldSpec,
    source_id: &str,
    visible: bool,
) -> Result<Written, DestinationError> {
    let kind = ObjectKind::CustomFields;
    if let Some(id) = run.done_dest_id(kind, source_id)? {
        return Ok(Written::AlreadyDone(id));
    }
    let hash = content_hash(&spec.tooling_body());
    let client = run.client;
    let lookup = || async {
        find_field(client, spec)
            .await
            .map_err(ApiError::into_write_error)
    };
    if let Some(adopted) = run
        .ctx
        .journal
        .settle(kind, source_id, &hash, &lookup)
        .await
        .map_err(journal_error)?
    {
        return Ok(adopted);
    }
    if visible {
        let id = find_field(client, spec)
            .await
            .map_err(|e| api_failure("look up a custom field", e))?
            .unwrap_or_else(|| spec.full_name());
        run.notes.add(
            Category::Existing,
            kind,
            source_id,
            format!("the field {} already exists; used as is", spec.full_name()),
        );
        return run
            .ctx
            .journal
            .matched(kind, source_id, &hash, &id)
            .map_err(journal_error);
    }
    run.ctx
        .journal
        .create_once(kind, source_id, &hash, &lookup, || async {
            match create_field(client, spec).await {
                Ok(Some(id)) => Ok(id),
                Ok(None) => find_field(client, spec)
                    .await
                    .map_err(ApiError::into_write_error)?
                    .ok_or_else(|| {
                        WriteError::Uncertain("the field exists but cannot be found".into())
                    }),
                Err(e) => Err(e.into_write_error()),
            }
        })
        .await
        .map_err(journal_error)
}

/// A picklist field that exists but lacks values the plan has (a tag or a
/// dropdown option added in Stames since the field was made) gets them
/// appended, its existing values kept in their order: a journaled update
/// of the field, its metadata as it was being the before-image.
async fn extend_picklist(
    run: &Run<'_>,
    spec: &FieldSpec,
    source_id: &str,
    describes: &HashMap<String, Describe>,
) -> Result<(), DestinationError> {
    let Some(field) = describes
        .get(&spec.object)
        .and_then(|d| d.field(&spec.api_name))
    else {
        return Ok(());
    };
    let current: Vec<String> = field
        .picklist_values
        .iter()
        .map(|v| v.value.clone())
        .collect();
    let missing: Vec<&String> = spec
        .picklist_values
        .iter()
        .filter(|v| !current.iter().any(|c| c.eq_ignore_ascii_case(v)))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let Some(dest) = run.done_dest_id(ObjectKind::CustomFields, source_id)? else {
        return Ok(());
    };
    let mut extended = spec.clone();
    extended.picklist_values = current
        .into_iter()
        .chain(missing.into_iter().cloned())
        .collect();
    let metadata = extended
        .tooling_body()
        .get("Metadata")
        .cloned()
        .unwrap_or(Value::Null);
    let client = run.client;
    let failed = |e| api_failure(&format!("add values to {}", spec.full_name()), e);
    let id = match dest.split_once('.') {
        Some(_) => find_field(client, spec)
            .await
            .map_err(failed)?
            .unwrap_or(dest),
        None => dest,
    };
    update_schema(
        run,
        source_id,
        &metadata,
        &spec.full_name(),
        || async {
            let before = client
                .custom_field_metadata(&id)
                .await
                .map_err(ApiError::into_write_error)?;
            Ok(json!({ "field": spec.full_name(), "metadata": before }))
        },
        || client.update_custom_field(&id, &metadata),
    )
    .await
}

/// A journaled change of a schema element deskshift keeps in the ledger
/// under `source_id` to `wanted` (its new metadata): `before` reads the
/// image rollback puts back, `write` makes the change. A refusal stops the
/// phase, naming `what`.
async fn update_schema<B, BF, W, WF>(
    run: &Run<'_>,
    source_id: &str,
    wanted: &Value,
    what: &str,
    before: B,
    write: W,
) -> Result<(), DestinationError>
where
    B: FnOnce() -> BF,
    BF: std::future::Future<Output = Result<Value, WriteError>>,
    W: FnOnce() -> WF,
    WF: std::future::Future<Output = Result<(), ApiError>>,
{
    let changed = run
        .ctx
        .journal
        .update_once(
            ObjectKind::CustomFields,
            source_id,
            &content_hash(wanted),
            |_| before(),
            |_| async { write().await.map_err(ApiError::into_write_error) },
        )
        .await
        .map_err(journal_error)?;
    match changed {
        Changed::Rejected(reason) => Err(DestinationError::Other(format!(
            "Salesforce refused the change of {what}: {reason}"
        ))),
        _ => Ok(()),
    }
}

/// `Ok(None)`: it already existed (a duplicate name).
async fn create_field(
    client: &SalesforceClient,
    spec: &FieldSpec,
) -> Result<Option<String>, ApiError> {
    let body = spec.tooling_body();
    let metadata = body.get("Metadata").cloned().unwrap_or(Value::Null);
    match client
        .create_custom_field(&spec.full_name(), &metadata)
        .await
    {
        Ok(id) => Ok(Some(id)),
        Err(e) if is_duplicate(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The Tooling id of a custom field, by developer name and object.
async fn find_field(
    client: &SalesforceClient,
    spec: &FieldSpec,
) -> Result<Option<String>, ApiError> {
    client.custom_field_id(&spec.object, &spec.api_name).await
}

/// Grants the migration user read and edit on every planned field.
async fn grant(client: &SalesforceClient, plan: &SchemaPlan) -> Result<(), DestinationError> {
    let set = client
        .profile_permission_set()
        .await
        .map_err(|e| api_failure("find the migration user's permission set", e))?;
    let names: Vec<String> = plan.fields.iter().map(FieldSpec::full_name).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let results = client
        .grant_field_permissions(&set, &refs, true)
        .await
        .map_err(|e| api_failure("grant field-level security", e))?;
    for (name, result) in names.iter().zip(results) {
        if let Err(error) = result {
            // Required fields (Master-Detail) cannot carry permissions: they
            // are always visible. Anything else shows in the check below.
            tracing::debug!(field = %name, %error, "field permission not granted");
        }
    }
    Ok(())
}

/// Every planned field must be visible now; one that is not would refuse
/// every record later, so it stops the phase here, named.
fn check_fields(
    plan: &SchemaPlan,
    describes: &HashMap<String, Describe>,
) -> Result<(), DestinationError> {
    let missing: Vec<String> = plan
        .fields
        .iter()
        .filter(|f| !has_field(describes, &f.object, &f.api_name))
        .map(FieldSpec::full_name)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(DestinationError::Other(format!(
        "these fields are not visible to the migration user after prepare: {}; grant it \
         field-level security on them (Setup → Object Manager → field → Set Field-Level \
         Security) and run the command again",
        missing.join(", ")
    )))
}

// --------------------------------------------------------------- picklists

/// The values of the Case picklist `field` as the org describes them.
pub(crate) fn case_picklist(describes: &HashMap<String, Describe>, field: &str) -> Vec<OrgValue> {
    describes
        .get(schema::CASE)
        .and_then(|d| d.field(field))
        .map(|f| {
            f.picklist_values
                .iter()
                .map(|v| OrgValue {
                    value: v.value.clone(),
                    active: v.active,
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn picklists(
    run: &Run<'_>,
    scan: &Scan,
    describes: &HashMap<String, Describe>,
    _mode: Mode,
) -> Result<(ValueMap, ValueMap, ValueMap), DestinationError> {
    // The values the confirmed map gives the source's values; a value the
    // map lacks is left out here and rejects its tickets when they load.
    let org_values = |field: &str| case_picklist(describes, field);
    let map = run.ctx.map;
    let confirmed =
        |name, source: &str, standard| values::confirmed(map, name, source, standard).ok();
    let statuses = values::resolve(
        scan.statuses.iter().filter_map(|s| {
            confirmed(SourceEnumeration::TicketStatus, s, values::status(s))
                .map(|v| (s.as_str(), v))
        }),
        &org_values("Status"),
    );
    let priorities = values::resolve(
        scan.priorities.iter().filter_map(|p| {
            confirmed(SourceEnumeration::TicketPriority, p, values::priority(p))
                .map(|v| (p.as_str(), v))
        }),
        &org_values("Priority"),
    );
    let labels: Vec<(String, Channel)> = scan
        .channels
        .iter()
        .map(|c| (c.label(), c.clone()))
        .collect();
    let origins = values::resolve(
        labels.iter().filter_map(|(label, c)| {
            confirmed(SourceEnumeration::Channel, label, values::origin(c))
                .map(|v| (label.as_str(), v))
        }),
        &org_values("Origin"),
    );
    Ok((statuses, priorities, origins))
}

/// Adds the missing Status, Priority and Origin values to their standard
/// value sets. A value set existed before the migration: it is matched once,
/// and each extension is journaled as an update with the value list as it
/// was, which rollback puts back.
async fn add_values(
    run: &Run<'_>,
    statuses: &ValueMap,
    priorities: &ValueMap,
    origins: &ValueMap,
) -> Result<(), DestinationError> {
    let kind = ObjectKind::CustomFields;
    let client = run.client;
    let journal = run.ctx.journal;
    for (set, map, closable) in [
        ("CaseStatus", statuses, true),
        ("CasePriority", priorities, false),
        ("CaseOrigin", origins, false),
    ] {
        if map.missing.is_empty() {
            continue;
        }
        let wanted: Vec<NewPicklistValue> = map
            .missing
            .iter()
            .map(|w| NewPicklistValue {
                value: w.value.clone(),
                label: None,
                closed: closable.then_some(w.closed),
            })
            .collect();
        let failure = |e| api_failure(&format!("add values to {set}"), e);
        let (id, current) = client.standard_value_set(set).await.map_err(failure)?;
        let mut extended = current.clone();
        let added = merge_standard_values(&mut extended, &wanted).map_err(|detail| {
            DestinationError::Other(format!("cannot read the value set {set}: {detail}"))
        })?;
        if added.is_empty() {
            continue;
        }
        let source_id = own_source_id(&format!("picklist:{set}"));
        if run.done_dest_id(kind, &source_id)?.is_none() {
            journal
                .matched(kind, &source_id, &content_hash(&current), &id)
                .map_err(journal_error)?;
        }
        let image = json!({ "value_set": set, "metadata": current });
        update_schema(
            run,
            &source_id,
            &extended,
            &format!("the values {} of {set}", added.join(", ")),
            || async { Ok(image) },
            || client.put_standard_value_set(&id, &extended),
        )
        .await?;
    }
    Ok(())
}

// -------------------------------------------------------------------- tags

/// Tags: with the picklist strategy every Stames tag is a value of
/// `Stames_Tags__c`, created with the field, and journaled as created with
/// that value as its id. With Topics (over 500 distinct tags) this build
/// writes no tags: each is skipped with that reason.
async fn tags_phase(run: &Run<'_>, plan: &SchemaPlan) -> Result<(), DestinationError> {
    let kind = ObjectKind::Tags;
    let all: Vec<deskshift_core::model::Tag> =
        run.records(run.ctx.source.tags()).try_collect().await?;
    if matches!(plan.tags, TagStrategy::Topics { .. }) {
        return crate::writer::topics::prepare(run, &all).await;
    }
    let mut intents = Vec::new();
    let mut values = Vec::new();
    for tag in &all {
        run.ctx.counts.source(kind, 1);
        let Some(value) = tags::tag_value(&tag.name) else {
            run.skip(
                kind,
                &tag.id,
                format!("the tag `{}` is empty once normalised", tag.name),
            );
            continue;
        };
        let dest = format!("{}:{}", schema::TAGS, value.value);
        if let Some(id) = run.done_dest_id(kind, &tag.id)? {
            run.tally(kind, &tag.id, &Written::AlreadyDone(id))?;
            continue;
        }
        run.settle_pending(kind, &tag.id)?;
        intents.push(Intent::create(kind, tag.id.clone(), content_hash(tag)));
        values.push((tag.id.clone(), dest));
    }
    if intents.is_empty() {
        return Ok(());
    }
    // The value exists with the field: nothing is called, the journal
    // only records where each tag landed.
    let journal = run.ctx.journal;
    let ids = journal.with(|l| l.record_intents(journal.run(), &intents))?;
    let outcomes: Vec<_> = ids
        .iter()
        .zip(&values)
        .map(|(id, (_, dest))| {
            (
                *id,
                Outcome::Created {
                    dest_id: dest.clone(),
                },
            )
        })
        .collect();
    journal.with(|l| l.record_outcomes(&outcomes))?;
    for (tag, dest) in values {
        run.tally(kind, &tag, &Written::Created(dest))?;
    }
    Ok(())
}
