//! The schema plan: every custom field and custom object the org needs
//! before a record moves, as data. `prepare` creates them through the
//! Tooling API (`FieldSpec::tooling_body`, `ObjectSpec::tooling_body`) and
//! grants field-level security; `plan` validates records against them.
//!
//! Three sources feed it:
//!
//! - **deskshift's own fields** (constants below): a unique, case-insensitive
//!   external-ID field on every object deskshift loads — the idempotency key
//!   of invariant 3 (a repeated insert answers `DUPLICATE_VALUE` and the
//!   existing id is adopted) — plus the homes of what Salesforce has no
//!   standard field for: channel, original dates, reminders, SLA,
//!   notification triggers, tags, the Stames assignee.
//! - **Stames custom-field definitions** → custom fields of the closest type
//!   on Case (ticket fields) or Contact (customer fields).
//! - **Stames custom-object definitions** → custom objects with lookups to
//!   Case and Contact, plus `Stames_Status_Event__c` for status history
//!   (CaseHistory is read-only).
//!
//! CaseComment cannot carry custom fields, so private notes have no
//! external-ID field: they are found again by the marker line at the start
//! of their body (see [`super::message::comment_marker`]).

use super::naming::{NameKind, NameRegistry};
use super::tags::{self, TagStrategy};
use super::text::truncate_chars;
use deskshift_core::mapping::{
    kind_of, no_row_reason, skip_reason, FieldMap, MapRow, Target, ValueType,
};
use deskshift_core::model::{
    Channel, CustomFieldDef, CustomObjectDef, FieldObject, FieldType, LinkTarget, SourceId,
};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};

// Standard objects deskshift loads.
pub const CASE: &str = "Case";
pub const CONTACT: &str = "Contact";
pub const ACCOUNT: &str = "Account";
pub const EMAIL_MESSAGE: &str = "EmailMessage";
pub const CASE_COMMENT: &str = "CaseComment";
pub const CONTENT_VERSION: &str = "ContentVersion";
pub const CONTENT_DOCUMENT_LINK: &str = "ContentDocumentLink";
pub const TOPIC: &str = "Topic";
pub const TOPIC_ASSIGNMENT: &str = "TopicAssignment";
pub const USER: &str = "User";

// External-ID fields (Text(255), External ID, Unique, case-insensitive).
/// On Case: the Stames ticket id.
pub const TICKET_ID: &str = "Stames_Ticket_Id__c";
/// On Contact: the Stames customer id.
pub const CUSTOMER_ID: &str = "Stames_Customer_Id__c";
/// On Account: the account key (`company:<name>` or `customer:<id>`).
pub const ACCOUNT_KEY: &str = "Stames_Account_Key__c";
/// On EmailMessage: the Stames message id.
pub const MESSAGE_ID: &str = "Stames_Message_Id__c";
/// On ContentVersion: the Stames attachment id.
pub const ATTACHMENT_ID: &str = "Stames_Attachment_Id__c";
/// On `Stames_Status_Event__c`: `<ticket id>:<position>`.
pub const EVENT_ID: &str = "Stames_Event_Id__c";
/// On every migrated custom object: the Stames record id.
pub const RECORD_ID: &str = "Stames_Record_Id__c";

// Other deskshift fields.
/// On Case and EmailMessage: the Stames channel (picklist, unrestricted).
pub const CHANNEL_SOURCE: &str = "Stames_Channel_Source__c";
/// On Case, EmailMessage, Contact: the original creation time, written when
/// audit fields cannot be set.
pub const CREATED_DATE: &str = "Stames_Created_Date__c";
/// On Case: the original close time, written when `ClosedDate` is not
/// createable.
pub const CLOSED_DATE: &str = "Stames_Closed_Date__c";
/// On Case: the Stames assignee as `Name <email>`, whoever owns the Case.
pub const ASSIGNEE: &str = "Stames_Assignee__c";
/// On Case: tags as a multi-select picklist (≤ 500 distinct tags).
pub const TAGS: &str = "Stames_Tags__c";
/// On Case: the next open reminder.
pub const REMINDER_DATE: &str = "Stames_Reminder_Date__c";
/// On Case: every reminder, one per line.
pub const REMINDERS: &str = "Stames_Reminders__c";
/// On Case: every notification trigger, one per line (to rebuild as Flows).
pub const NOTIFICATIONS: &str = "Stames_Notifications__c";
pub const SLA_POLICY: &str = "Stames_SLA_Policy__c";
pub const SLA_FIRST_RESPONSE_DUE: &str = "Stames_SLA_First_Response_Due__c";
pub const SLA_RESOLUTION_DUE: &str = "Stames_SLA_Resolution_Due__c";
pub const SLA_FIRST_RESPONDED: &str = "Stames_SLA_First_Responded__c";
pub const SLA_BREACHED: &str = "Stames_SLA_Breached__c";

// Status history.
pub const STATUS_EVENT: &str = "Stames_Status_Event__c";
/// Master-Detail to Case: events go when their Case goes (rollback).
pub const EVENT_CASE: &str = "Case__c";
pub const EVENT_FROM: &str = "From_Status__c";
pub const EVENT_TO: &str = "To_Status__c";
pub const EVENT_AT: &str = "Changed_At__c";
pub const EVENT_BY: &str = "Changed_By__c";
pub const EVENT_BY_USER: &str = "Changed_By_User__c";

// Links of migrated custom objects.
/// Lookup(Case): the first ticket a record links to.
pub const OBJECT_CASE: &str = "Case__c";
/// Lookup(Contact): the first customer a record links to.
pub const OBJECT_CONTACT: &str = "Contact__c";
/// Every linked ticket id, comma-separated (a lookup holds one).
pub const OBJECT_TICKET_IDS: &str = "Stames_Ticket_Ids__c";
/// Every linked customer id, comma-separated.
pub const OBJECT_CUSTOMER_IDS: &str = "Stames_Customer_Ids__c";

/// Longest Text field; longer values need a Long Text Area.
pub const MAX_TEXT_LEN: u32 = 255;
/// Default Long Text Area length.
pub const LONG_TEXT_LEN: u32 = 32_768;
/// Longest Long Text Area.
pub const MAX_LONG_TEXT_LEN: u32 = 131_072;
/// Number precision (total digits).
pub const NUMBER_PRECISION: u32 = 18;
/// Largest scale deskshift uses (leaves 10 integer digits).
pub const MAX_NUMBER_SCALE: u32 = 8;
/// Scale when no value was observed.
pub const DEFAULT_NUMBER_SCALE: u32 = 2;
/// Longest custom field or object label.
pub const MAX_LABEL_LEN: usize = 40;
/// Most values a picklist definition takes.
pub const MAX_PICKLIST_VALUES: usize = 1000;
/// Most values a multi-select picklist definition takes.
pub const MAX_MULTISELECT_VALUES: usize = 500;
/// Longest picklist value.
pub const MAX_PICKLIST_VALUE_LEN: usize = 255;

/// The Salesforce field types deskshift creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SfFieldType {
    Text,
    LongTextArea,
    Number,
    Checkbox,
    Date,
    DateTime,
    Picklist,
    MultiselectPicklist,
    Lookup,
    MasterDetail,
}

impl SfFieldType {
    /// The Metadata API type name.
    pub fn as_str(self) -> &'static str {
        match self {
            SfFieldType::Text => "Text",
            SfFieldType::LongTextArea => "LongTextArea",
            SfFieldType::Number => "Number",
            SfFieldType::Checkbox => "Checkbox",
            SfFieldType::Date => "Date",
            SfFieldType::DateTime => "DateTime",
            SfFieldType::Picklist => "Picklist",
            SfFieldType::MultiselectPicklist => "MultiselectPicklist",
            SfFieldType::Lookup => "Lookup",
            SfFieldType::MasterDetail => "MasterDetail",
        }
    }
}

/// Where a field comes from, so the maps can find the field for a value.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FieldOrigin {
    /// One of deskshift's own fields (the constants above).
    Deskshift,
    /// A Stames custom field definition, by id.
    StamesField(SourceId),
    /// A field of a Stames custom object: (object key, field key).
    StamesObjectField(String, String),
}

/// One custom field to create.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldSpec {
    /// The object's API name, e.g. `Case` or `Warranty__c`.
    pub object: String,
    /// e.g. `Order_Number__c`.
    pub api_name: String,
    pub label: String,
    pub field_type: SfFieldType,
    /// Characters, for Text and LongTextArea.
    pub length: Option<u32>,
    /// For LongTextArea and MultiselectPicklist.
    pub visible_lines: Option<u32>,
    /// For Number.
    pub precision: Option<u32>,
    pub scale: Option<u32>,
    /// For Picklist and MultiselectPicklist, in display order.
    pub picklist_values: Vec<String>,
    /// Whether the picklist refuses values outside `picklist_values`.
    pub restricted: bool,
    pub external_id: bool,
    pub unique: bool,
    /// Only meaningful with `unique`; deskshift's ids are case-insensitive.
    pub case_sensitive: bool,
    /// For Lookup and MasterDetail: the parent object.
    pub reference_to: Option<String>,
    pub relationship_name: Option<String>,
    pub description: String,
    pub origin: FieldOrigin,
    /// A field the org already has, which the confirmed map writes into
    /// (`to = "Case.Existing__c"`): never created; its type, length and
    /// values are the org's ([`adopt_existing`]).
    #[serde(default)]
    pub existing: bool,
    /// The confirmed map's row for a Stames field's values: their
    /// transform and type ([`deskshift_core::mapping::apply`]).
    #[serde(default)]
    pub row: Option<MapRow>,
}

impl FieldSpec {
    fn new(object: &str, api_name: &str, label: &str, field_type: SfFieldType) -> FieldSpec {
        FieldSpec {
            object: object.to_string(),
            api_name: api_name.to_string(),
            label: truncate_chars(label, MAX_LABEL_LEN).to_string(),
            field_type,
            length: None,
            visible_lines: None,
            precision: None,
            scale: None,
            picklist_values: Vec::new(),
            restricted: false,
            external_id: false,
            unique: false,
            case_sensitive: false,
            reference_to: None,
            relationship_name: None,
            description: String::new(),
            origin: FieldOrigin::Deskshift,
            existing: false,
            row: None,
        }
    }

    fn text(object: &str, api_name: &str, label: &str, length: u32) -> FieldSpec {
        let mut spec = FieldSpec::new(object, api_name, label, SfFieldType::Text);
        spec.length = Some(length);
        spec
    }

    fn long_text(object: &str, api_name: &str, label: &str, length: u32) -> FieldSpec {
        let mut spec = FieldSpec::new(object, api_name, label, SfFieldType::LongTextArea);
        spec.length = Some(length.clamp(256, MAX_LONG_TEXT_LEN));
        spec.visible_lines = Some(5);
        spec
    }

    /// A Text(255) External ID, Unique, case-insensitive: the idempotency key.
    fn external_id(object: &str, api_name: &str, label: &str) -> FieldSpec {
        let mut spec = FieldSpec::text(object, api_name, label, MAX_TEXT_LEN);
        spec.external_id = true;
        spec.unique = true;
        spec.case_sensitive = false;
        spec
    }

    fn described(mut self, description: &str) -> FieldSpec {
        self.description = description.to_string();
        self
    }

    /// `Object.Field__c`, the Tooling API's `FullName`.
    pub fn full_name(&self) -> String {
        format!("{}.{}", self.object, self.api_name)
    }

    /// The body of `POST /tooling/sobjects/CustomField`.
    pub fn tooling_body(&self) -> Value {
        let mut m = serde_json::Map::new();
        m.insert("label".into(), json!(self.label));
        m.insert("type".into(), json!(self.field_type.as_str()));
        m.insert(
            "description".into(),
            json!(truncate_chars(&self.description, 1000)),
        );
        if let Some(length) = self.length {
            m.insert("length".into(), json!(length));
        }
        if let Some(lines) = self.visible_lines {
            m.insert("visibleLines".into(), json!(lines));
        }
        if let (Some(precision), Some(scale)) = (self.precision, self.scale) {
            m.insert("precision".into(), json!(precision));
            m.insert("scale".into(), json!(scale));
        }
        if self.external_id {
            m.insert("externalId".into(), json!(true));
        }
        if self.unique {
            m.insert("unique".into(), json!(true));
            m.insert("caseSensitive".into(), json!(self.case_sensitive));
        }
        match self.field_type {
            SfFieldType::Checkbox => {
                m.insert("defaultValue".into(), json!("false"));
            }
            SfFieldType::Picklist | SfFieldType::MultiselectPicklist => {
                let values: Vec<Value> = self
                    .picklist_values
                    .iter()
                    .map(|v| json!({"fullName": v, "label": v, "default": false}))
                    .collect();
                m.insert(
                    "valueSet".into(),
                    json!({"restricted": self.restricted,
                           "valueSetDefinition": {"sorted": false, "value": values}}),
                );
            }
            SfFieldType::Lookup | SfFieldType::MasterDetail => {
                m.insert("referenceTo".into(), json!(self.reference_to));
                m.insert("relationshipName".into(), json!(self.relationship_name));
                m.insert("relationshipLabel".into(), json!(self.relationship_name));
                if self.field_type == SfFieldType::Lookup {
                    m.insert("deleteConstraint".into(), json!("SetNull"));
                } else {
                    m.insert("relationshipOrder".into(), json!(0));
                    m.insert("reparentableMasterDetail".into(), json!(false));
                    m.insert("writeRequiresMasterRead".into(), json!(false));
                }
            }
            _ => {}
        }
        json!({"FullName": self.full_name(), "Metadata": Value::Object(m)})
    }
}

/// Where a custom object comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ObjectOrigin {
    /// `Stames_Status_Event__c`.
    StatusEvents,
    /// A Stames custom object definition, by key.
    Stames(String),
}

/// One custom object to create. Its fields are [`FieldSpec`]s with
/// `object` = this `api_name`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObjectSpec {
    pub api_name: String,
    pub label: String,
    pub plural_label: String,
    pub description: String,
    /// The Name field: `Some(format)` for an auto-number, `None` for text.
    pub auto_number: Option<String>,
    /// Whether it is the detail side of a Master-Detail (sharing then
    /// follows the parent).
    pub controlled_by_parent: bool,
    pub origin: ObjectOrigin,
}

impl ObjectSpec {
    /// The body of `POST /tooling/sobjects/CustomObject`.
    pub fn tooling_body(&self) -> Value {
        let name_field = match &self.auto_number {
            Some(format) => {
                json!({"label": "Number", "type": "AutoNumber", "displayFormat": format})
            }
            None => json!({"label": "Name", "type": "Text"}),
        };
        json!({
            "FullName": self.api_name,
            "Metadata": {
                "label": self.label,
                "pluralLabel": self.plural_label,
                "description": truncate_chars(&self.description, 1000),
                "nameField": name_field,
                "deploymentStatus": "Deployed",
                "sharingModel": if self.controlled_by_parent { "ControlledByParent" } else { "ReadWrite" },
            }
        })
    }
}

/// What discovery observed about a field's values, so the plan picks Text
/// or Long Text Area and a number scale from the data, not a guess.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observed {
    /// Longest value, in characters.
    pub max_chars: usize,
    /// Most decimal places of any number value.
    pub max_scale: u32,
}

/// A field's key in [`SchemaInput::observed`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FieldKey {
    Field(SourceId),
    ObjectField(String, String),
}

/// Everything the plan is derived from.
#[derive(Debug, Clone, Copy)]
pub struct SchemaInput<'a> {
    pub field_defs: &'a [CustomFieldDef],
    pub object_defs: &'a [CustomObjectDef],
    /// Every tag spelling the tickets use (duplicates welcome).
    pub tags: &'a [String],
    /// Channels present on tickets and messages.
    pub channels: &'a [Channel],
    pub observed: &'a HashMap<FieldKey, Observed>,
}

/// The schema the org needs, in creation order: objects first (custom
/// objects after the standard ones they look up), then fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SchemaPlan {
    pub objects: Vec<ObjectSpec>,
    pub fields: Vec<FieldSpec>,
    pub tags: TagStrategy,
    /// Lossy choices made while planning, for the plan report.
    pub notes: Vec<String>,
    /// Stames custom fields the confirmed map writes nowhere (`drop`,
    /// `inventory`, or no row), with why: their values are noted on each
    /// record, never lost silently.
    #[serde(default)]
    pub not_written: BTreeMap<SourceId, String>,
}

impl SchemaPlan {
    /// The field standing for Stames custom field `id`.
    pub fn field_for(&self, id: &str) -> Option<&FieldSpec> {
        self.fields
            .iter()
            .find(|f| matches!(&f.origin, FieldOrigin::StamesField(x) if x == id))
    }

    /// The field standing for field `field_key` of Stames object `object_key`.
    pub fn object_field(&self, object_key: &str, field_key: &str) -> Option<&FieldSpec> {
        self.fields.iter().find(|f| {
            matches!(&f.origin, FieldOrigin::StamesObjectField(o, k) if o == object_key && k == field_key)
        })
    }

    /// The custom object standing for Stames object `key`.
    pub fn object_for(&self, key: &str) -> Option<&ObjectSpec> {
        self.objects
            .iter()
            .find(|o| matches!(&o.origin, ObjectOrigin::Stames(k) if k == key))
    }

    /// Fields of `object`, in creation order.
    pub fn fields_of<'a>(&'a self, object: &'a str) -> impl Iterator<Item = &'a FieldSpec> + 'a {
        self.fields.iter().filter(move |f| f.object == object)
    }
}

/// The plan as the confirmed map wants it, for the Stames custom fields
/// `defs`: a `create` row's field gets the row's API name and type; a `to`
/// row's field is the org's existing one (never created; typed from
/// describe by [`adopt_existing`]); a `drop` or `inventory` row, or a field
/// with no row, gets no field and its reason in `not_written`. Every kept
/// field carries its row, whose transform converts the values.
pub fn apply_map(plan: &mut SchemaPlan, map: &FieldMap, defs: &[CustomFieldDef]) {
    for def in defs {
        let Some(at) = plan
            .fields
            .iter()
            .position(|f| f.origin == FieldOrigin::StamesField(def.id.clone()))
        else {
            continue;
        };
        let Some(row) = map.custom_field_row(def) else {
            plan.fields.remove(at);
            let reason = no_row_reason(kind_of(def.object), &def.key);
            plan.not_written.insert(def.id.clone(), reason);
            continue;
        };
        if let Some(reason) = skip_reason(row) {
            plan.fields.remove(at);
            plan.not_written.insert(def.id.clone(), reason);
            continue;
        }
        let spec = &mut plan.fields[at];
        match &row.target {
            Target::NewField { field, field_type } => {
                let mut typed = value_typed_field(
                    &spec.object,
                    &field.field,
                    &spec.label,
                    *field_type,
                    &def.options,
                    &mut plan.notes,
                );
                typed.description = std::mem::take(&mut spec.description);
                typed.origin = spec.origin.clone();
                *spec = typed;
            }
            Target::Field(field) => {
                spec.api_name = field.field.clone();
                spec.existing = true;
            }
            Target::Drop(_) | Target::Inventory(_) => {}
        }
        spec.row = Some(row.clone());
    }
}

/// A new field holding values of `value_type` (the map's `create` type).
fn value_typed_field(
    object: &str,
    api_name: &str,
    label: &str,
    value_type: ValueType,
    options: &[String],
    notes: &mut Vec<String>,
) -> FieldSpec {
    let mut typed = |field_type| {
        typed_field(
            object,
            api_name,
            label,
            field_type,
            options,
            Observed::default(),
            notes,
        )
    };
    match value_type {
        ValueType::LongText => FieldSpec::long_text(object, api_name, label, LONG_TEXT_LEN),
        ValueType::DateTime => FieldSpec::new(object, api_name, label, SfFieldType::DateTime),
        ValueType::Number => typed(FieldType::Number),
        ValueType::Boolean => typed(FieldType::Boolean),
        ValueType::Date => typed(FieldType::Date),
        ValueType::Select => typed(FieldType::Select),
        ValueType::MultiSelect => typed(FieldType::MultiSelect),
        _ => typed(FieldType::Text),
    }
}

/// Gives each existing field the confirmed map writes into the org's type,
/// length and picklist values, from `describes`; one the org lacks is
/// taken out of the plan (its values noted on each record) and returned
/// with why, so `prepare` rejects its definition by name.
pub fn adopt_existing(
    plan: &mut SchemaPlan,
    describes: &HashMap<String, crate::client::describe::Describe>,
) -> Vec<(SourceId, String)> {
    let mut missing = Vec::new();
    plan.fields.retain_mut(|spec| {
        if !spec.existing {
            return true;
        }
        let found = describes
            .get(&spec.object)
            .and_then(|d| d.field(&spec.api_name));
        let Some(found) = found else {
            if let FieldOrigin::StamesField(id) = &spec.origin {
                let reason = format!(
                    "mapping.toml sends its values to {}, which the org does not have (or the \
                     migration user cannot see)",
                    spec.full_name()
                );
                missing.push((id.clone(), reason));
            }
            return false;
        };
        spec.api_name = found.name.clone();
        spec.field_type = match found.field_type.as_str() {
            "double" | "int" | "currency" | "percent" => SfFieldType::Number,
            "boolean" => SfFieldType::Checkbox,
            "date" => SfFieldType::Date,
            "datetime" => SfFieldType::DateTime,
            "picklist" => SfFieldType::Picklist,
            "multipicklist" => SfFieldType::MultiselectPicklist,
            "textarea" if found.length > MAX_TEXT_LEN => SfFieldType::LongTextArea,
            _ => SfFieldType::Text,
        };
        spec.length = (found.length > 0).then_some(found.length);
        spec.picklist_values = found
            .picklist_values
            .iter()
            .map(|v| v.value.clone())
            .collect();
        spec.restricted = found.restricted_picklist;
        true
    });
    for (id, reason) in &missing {
        plan.not_written.insert(id.clone(), reason.clone());
    }
    missing
}

/// Derives the plan. Pure and deterministic: the same input always gives
/// the same names, so a re-run of `prepare` finds what it created.
pub fn plan(input: &SchemaInput<'_>) -> SchemaPlan {
    let mut notes = Vec::new();
    let tags = tags::strategy(input.tags);
    let mut fields = deskshift_fields(input, &tags);

    // Stames custom fields: ticket fields on Case, customer fields on
    // Contact, named after their labels, never colliding with ours.
    let mut case_names = registry_of(&fields, CASE);
    let mut contact_names = registry_of(&fields, CONTACT);
    for def in input.field_defs {
        let (object, names) = match def.object {
            FieldObject::Ticket => (CASE, &mut case_names),
            FieldObject::Customer => (CONTACT, &mut contact_names),
        };
        let api_name = names.claim_custom(&def.label, &def.key, &def.id, NameKind::Field);
        let observed = input
            .observed
            .get(&FieldKey::Field(def.id.clone()))
            .copied()
            .unwrap_or_default();
        let label = label_or(&def.label, &def.key);
        let mut spec = typed_field(
            object,
            &api_name,
            &label,
            def.field_type,
            &def.options,
            observed,
            &mut notes,
        );
        spec.description = format!(
            "Stames {} field `{}` (id {}), type {}. Created by deskshift.",
            match def.object {
                FieldObject::Ticket => "ticket",
                FieldObject::Customer => "customer",
            },
            def.key,
            def.id,
            def.field_type.as_str()
        );
        spec.origin = FieldOrigin::StamesField(def.id.clone());
        fields.push(spec);
    }

    let mut objects = vec![status_event_object()];
    fields.extend(status_event_fields());

    let mut object_names = NameRegistry::new();
    object_names.reserve(STATUS_EVENT);
    for def in input.object_defs {
        let api_name = object_names.claim_custom(&def.label, &def.key, &def.id, NameKind::Object);
        let label = label_or(&def.label, &def.key);
        objects.push(ObjectSpec {
            api_name: api_name.clone(),
            plural_label: if label.ends_with('s') {
                label.clone()
            } else {
                truncate_chars(&format!("{label}s"), MAX_LABEL_LEN).to_string()
            },
            label: label.clone(),
            description: format!(
                "Stames custom object `{}` (id {}). Created by deskshift.",
                def.key, def.id
            ),
            auto_number: None,
            controlled_by_parent: false,
            origin: ObjectOrigin::Stames(def.key.clone()),
        });
        let mut names = NameRegistry::new();
        for own in [
            RECORD_ID,
            OBJECT_CASE,
            OBJECT_CONTACT,
            OBJECT_TICKET_IDS,
            OBJECT_CUSTOMER_IDS,
        ] {
            names.reserve(own);
        }
        names.reserve("Name");
        fields.push(
            FieldSpec::external_id(&api_name, RECORD_ID, "Stames record id")
                .described("The Stames record id; deskshift's idempotency key."),
        );
        for link in dedup_links(&def.links) {
            let (field, target, ids, what) = match link {
                LinkTarget::Ticket => (OBJECT_CASE, CASE, OBJECT_TICKET_IDS, "ticket"),
                LinkTarget::Customer => (OBJECT_CONTACT, CONTACT, OBJECT_CUSTOMER_IDS, "customer"),
            };
            let mut lookup = FieldSpec::new(&api_name, field, target, SfFieldType::Lookup)
                .described(&format!("The first Stames {what} this record links to."));
            lookup.reference_to = Some(target.to_string());
            lookup.relationship_name = Some(relationship_name(&api_name));
            fields.push(lookup);
            fields.push(
                FieldSpec::long_text(&api_name, ids, &format!("Stames {what} ids"), LONG_TEXT_LEN)
                    .described(&format!(
                        "Every Stames {what} id this record links to, comma-separated (a lookup \
                         holds only the first)."
                    )),
            );
        }
        for field in &def.fields {
            let field_api =
                names.claim_custom(&field.label, &field.key, &field.key, NameKind::Field);
            let observed = input
                .observed
                .get(&FieldKey::ObjectField(def.key.clone(), field.key.clone()))
                .copied()
                .unwrap_or_default();
            let mut spec = typed_field(
                &api_name,
                &field_api,
                &label_or(&field.label, &field.key),
                field.field_type,
                &field.options,
                observed,
                &mut notes,
            );
            spec.description = format!(
                "Stames field `{}` of object `{}`. Created by deskshift.",
                field.key, def.key
            );
            spec.origin = FieldOrigin::StamesObjectField(def.key.clone(), field.key.clone());
            fields.push(spec);
        }
    }

    if let TagStrategy::Topics { distinct } = &tags {
        notes.push(format!(
            "{distinct} distinct tags exceed the {} a multi-select picklist holds: tags become \
             Topics with TopicAssignments",
            tags::MAX_TAG_PICKLIST_VALUES
        ));
    }
    SchemaPlan {
        objects,
        fields,
        tags,
        notes,
        not_written: BTreeMap::new(),
    }
}

/// deskshift's own fields on the standard objects.
fn deskshift_fields(input: &SchemaInput<'_>, tags: &TagStrategy) -> Vec<FieldSpec> {
    let channel_values: Vec<String> = {
        let mut values: Vec<String> = input.channels.iter().map(Channel::label).collect();
        values.sort();
        values.dedup();
        picklist_values(&values, MAX_PICKLIST_VALUES).0
    };
    let channel = |object: &str| {
        let mut spec = FieldSpec::new(
            object,
            CHANNEL_SOURCE,
            "Stames channel",
            SfFieldType::Picklist,
        )
        .described(
            "The Stames channel (Facebook, Instagram, WhatsApp, Email, API, Contact Form). \
                 Unrestricted so a new channel is kept, not refused.",
        );
        spec.picklist_values = channel_values.clone();
        spec
    };
    let datetime = |object: &str, api: &str, label: &str, description: &str| {
        FieldSpec::new(object, api, label, SfFieldType::DateTime).described(description)
    };
    let created = |object: &str| {
        datetime(
            object,
            CREATED_DATE,
            "Stames created date",
            "The original Stames creation time, kept here because audit fields could not be set.",
        )
    };
    let mut fields = vec![
        FieldSpec::external_id(ACCOUNT, ACCOUNT_KEY, "Stames account key").described(
            "`company:<normalised company name>` or `customer:<Stames customer id>`; deskshift's \
             idempotency key.",
        ),
        FieldSpec::external_id(CONTACT, CUSTOMER_ID, "Stames customer id")
            .described("The Stames customer id; deskshift's idempotency key."),
        created(CONTACT),
        FieldSpec::external_id(CASE, TICKET_ID, "Stames ticket id")
            .described("The Stames ticket id; deskshift's idempotency key."),
        channel(CASE),
        created(CASE),
        datetime(
            CASE,
            CLOSED_DATE,
            "Stames closed date",
            "The original Stames close time (ClosedDate is not createable in this org).",
        ),
        FieldSpec::text(CASE, ASSIGNEE, "Stames assignee", MAX_TEXT_LEN)
            .described("The Stames assignee as `Name <email>`, kept whoever owns the Case."),
        datetime(
            CASE,
            REMINDER_DATE,
            "Stames next reminder",
            "The next open Stames reminder. Not enforced by Salesforce: rebuild follow-ups as Tasks or Flows.",
        ),
        FieldSpec::long_text(CASE, REMINDERS, "Stames reminders", LONG_TEXT_LEN)
            .described("Every Stames reminder with its time, state and note."),
        FieldSpec::long_text(CASE, NOTIFICATIONS, "Stames notification triggers", LONG_TEXT_LEN)
            .described("Stames per-ticket notification triggers (not migrated as automation; rebuild as Flows)."),
        FieldSpec::text(CASE, SLA_POLICY, "Stames SLA policy", MAX_TEXT_LEN)
            .described("The Stames SLA policy name. Not enforced: configure Entitlements."),
        datetime(CASE, SLA_FIRST_RESPONSE_DUE, "Stames SLA first response due", "Stames SLA target."),
        datetime(CASE, SLA_RESOLUTION_DUE, "Stames SLA resolution due", "Stames SLA target."),
        datetime(CASE, SLA_FIRST_RESPONDED, "Stames SLA first responded", "Stames SLA outcome."),
        FieldSpec::new(CASE, SLA_BREACHED, "Stames SLA breached", SfFieldType::Checkbox)
            .described("Whether the Stames SLA was breached."),
        FieldSpec::external_id(EMAIL_MESSAGE, MESSAGE_ID, "Stames message id")
            .described("The Stames message id; deskshift's idempotency key."),
        channel(EMAIL_MESSAGE),
        created(EMAIL_MESSAGE),
        FieldSpec::external_id(CONTENT_VERSION, ATTACHMENT_ID, "Stames attachment id")
            .described("The Stames attachment id; deskshift's idempotency key."),
    ];
    if let TagStrategy::Picklist { values } = tags {
        let mut spec = FieldSpec::new(CASE, TAGS, "Stames tags", SfFieldType::MultiselectPicklist)
            .described("Stames tags, normalised (lowercase, hyphenated).");
        spec.picklist_values = values.clone();
        spec.visible_lines = Some(6);
        fields.push(spec);
    }
    fields
}

fn status_event_object() -> ObjectSpec {
    ObjectSpec {
        api_name: STATUS_EVENT.into(),
        label: "Stames status event".into(),
        plural_label: "Stames status events".into(),
        description: "One Stames ticket status change (CaseHistory is read-only). Created by \
                      deskshift."
            .into(),
        auto_number: Some("SE-{0000000}".into()),
        controlled_by_parent: true,
        origin: ObjectOrigin::StatusEvents,
    }
}

fn status_event_fields() -> Vec<FieldSpec> {
    let mut case = FieldSpec::new(STATUS_EVENT, EVENT_CASE, "Case", SfFieldType::MasterDetail)
        .described("The Case whose status changed; events are deleted with their Case.");
    case.reference_to = Some(CASE.into());
    case.relationship_name = Some("Stames_Status_Events".into());
    let mut by_user = FieldSpec::new(
        STATUS_EVENT,
        EVENT_BY_USER,
        "Changed by user",
        SfFieldType::Lookup,
    )
    .described("The user standing for the agent who changed it, when matched.");
    by_user.reference_to = Some(USER.into());
    by_user.relationship_name = Some("Stames_Status_Events".into());
    vec![
        case,
        FieldSpec::external_id(STATUS_EVENT, EVENT_ID, "Stames event id").described(
            "`<Stames ticket id>:<position in its history>`; deskshift's idempotency key.",
        ),
        FieldSpec::text(STATUS_EVENT, EVENT_FROM, "From status", MAX_TEXT_LEN)
            .described("The Stames status before (empty for the first event)."),
        FieldSpec::text(STATUS_EVENT, EVENT_TO, "To status", MAX_TEXT_LEN)
            .described("The Stames status after."),
        FieldSpec::new(STATUS_EVENT, EVENT_AT, "Changed at", SfFieldType::DateTime)
            .described("When the status changed in Stames."),
        FieldSpec::text(STATUS_EVENT, EVENT_BY, "Changed by", MAX_TEXT_LEN)
            .described("The Stames agent as `Name <email>`; empty for automations."),
        by_user,
    ]
}

/// A registry holding the names already used on `object`.
fn registry_of(fields: &[FieldSpec], object: &str) -> NameRegistry {
    let mut names = NameRegistry::new();
    for field in fields.iter().filter(|f| f.object == object) {
        names.reserve(&field.api_name);
    }
    names
}

fn label_or(label: &str, key: &str) -> String {
    let label = label.trim();
    let label = if label.is_empty() { key.trim() } else { label };
    let label = if label.is_empty() {
        "Stames field"
    } else {
        label
    };
    truncate_chars(label, MAX_LABEL_LEN).to_string()
}

fn dedup_links(links: &[LinkTarget]) -> Vec<LinkTarget> {
    let mut out: Vec<LinkTarget> = links.to_vec();
    out.sort();
    out.dedup();
    out
}

/// A child relationship name for lookups from `object` (unique per parent).
fn relationship_name(object: &str) -> String {
    let base = object.strip_suffix("__c").unwrap_or(object);
    let name = format!("{base}_Records");
    super::text::truncate_chars(&name, 40)
        .trim_end_matches('_')
        .to_string()
}

/// The closest Salesforce field for a Stames field type.
///
/// | Stames | Salesforce |
/// |---|---|
/// | text | Text(255); Long Text Area when a value over 255 characters was observed |
/// | number | Number(18, observed scale ≤ 8, else 2) |
/// | date | Date |
/// | boolean | Checkbox |
/// | select | Picklist (unrestricted, options as values) |
/// | multi-select | Multi-select picklist (unrestricted; `;` in options becomes `,`) |
fn typed_field(
    object: &str,
    api_name: &str,
    label: &str,
    field_type: FieldType,
    options: &[String],
    observed: Observed,
    notes: &mut Vec<String>,
) -> FieldSpec {
    match field_type {
        FieldType::Text if observed.max_chars > MAX_TEXT_LEN as usize => {
            let wanted = (observed.max_chars as u32).max(LONG_TEXT_LEN);
            if observed.max_chars > MAX_LONG_TEXT_LEN as usize {
                notes.push(format!(
                    "{object}.{api_name}: values up to {} characters were seen; the longest Long \
                     Text Area holds {MAX_LONG_TEXT_LEN}, longer values will be cut",
                    observed.max_chars
                ));
            }
            FieldSpec::long_text(object, api_name, label, wanted)
        }
        FieldType::Text => FieldSpec::text(object, api_name, label, MAX_TEXT_LEN),
        FieldType::Number => {
            let mut spec = FieldSpec::new(object, api_name, label, SfFieldType::Number);
            spec.precision = Some(NUMBER_PRECISION);
            spec.scale = Some(if observed == Observed::default() {
                DEFAULT_NUMBER_SCALE
            } else {
                observed.max_scale.min(MAX_NUMBER_SCALE)
            });
            spec
        }
        FieldType::Date => FieldSpec::new(object, api_name, label, SfFieldType::Date),
        FieldType::Boolean => FieldSpec::new(object, api_name, label, SfFieldType::Checkbox),
        FieldType::Select => {
            let mut spec = FieldSpec::new(object, api_name, label, SfFieldType::Picklist);
            let (values, dropped) = picklist_values(options, MAX_PICKLIST_VALUES);
            if dropped > 0 {
                notes.push(format!(
                    "{object}.{api_name}: {dropped} options past the first {MAX_PICKLIST_VALUES} \
                     are not picklist values (the picklist is unrestricted, values still land)"
                ));
            }
            spec.picklist_values = values;
            spec
        }
        FieldType::MultiSelect => {
            let mut spec =
                FieldSpec::new(object, api_name, label, SfFieldType::MultiselectPicklist);
            let (values, dropped) = picklist_values(options, MAX_MULTISELECT_VALUES);
            if dropped > 0 {
                notes.push(format!(
                    "{object}.{api_name}: {dropped} options past the first \
                     {MAX_MULTISELECT_VALUES} are not picklist values"
                ));
            }
            spec.picklist_values = values;
            spec.visible_lines = Some(4);
            spec
        }
    }
}

/// A picklist value Salesforce accepts: trimmed, no `;` (the multi-select
/// separator; becomes `,`), at most 255 characters. `None` when empty.
pub fn picklist_value(raw: &str) -> Option<String> {
    let value = raw.trim().replace(';', ",");
    let value = truncate_chars(&value, MAX_PICKLIST_VALUE_LEN)
        .trim_end()
        .to_string();
    (!value.is_empty()).then_some(value)
}

/// Cleaned, case-insensitively deduplicated values (first spelling wins),
/// at most `max`; and how many were dropped for the cap.
fn picklist_values(options: &[String], max: usize) -> (Vec<String>, usize) {
    let mut seen = std::collections::HashSet::new();
    let mut values = Vec::new();
    for value in options.iter().filter_map(|o| picklist_value(o)) {
        if seen.insert(value.to_lowercase()) {
            values.push(value);
        }
    }
    let dropped = values.len().saturating_sub(max);
    values.truncate(max);
    (values, dropped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::map::naming::is_valid_api_name;
    use deskshift_core::model::CustomObjectField;

    fn def(
        id: &str,
        object: FieldObject,
        label: &str,
        field_type: FieldType,
        options: &[&str],
    ) -> CustomFieldDef {
        CustomFieldDef {
            id: id.into(),
            object,
            key: format!("key_{id}"),
            label: label.into(),
            field_type,
            options: options.iter().map(|o| o.to_string()).collect(),
            required: false,
        }
    }

    fn warranty() -> CustomObjectDef {
        CustomObjectDef {
            id: "1".into(),
            key: "warranty".into(),
            label: "Warranty".into(),
            fields: vec![
                CustomObjectField {
                    key: "serial".into(),
                    label: "Serial number".into(),
                    field_type: FieldType::Text,
                    options: vec![],
                },
                CustomObjectField {
                    key: "expires".into(),
                    label: "Expires".into(),
                    field_type: FieldType::Date,
                    options: vec![],
                },
            ],
            links: vec![LinkTarget::Ticket, LinkTarget::Customer, LinkTarget::Ticket],
        }
    }

    fn plan_of(
        defs: &[CustomFieldDef],
        objects: &[CustomObjectDef],
        tags: &[String],
        observed: &HashMap<FieldKey, Observed>,
    ) -> SchemaPlan {
        plan(&SchemaInput {
            field_defs: defs,
            object_defs: objects,
            tags,
            channels: &[Channel::Whatsapp, Channel::Email, Channel::Email],
            observed,
        })
    }

    #[test]
    fn the_confirmed_map_renames_retypes_reuses_and_leaves_out_fields() {
        use deskshift_core::mapping::{FieldRef, Transform};
        use deskshift_core::model::ObjectKind;
        let defs = [
            def("1", FieldObject::Ticket, "Order #", FieldType::Text, &[]),
            def("2", FieldObject::Ticket, "Legacy", FieldType::Text, &[]),
            def("3", FieldObject::Ticket, "Old notes", FieldType::Text, &[]),
            def("4", FieldObject::Customer, "Tier", FieldType::Text, &[]),
        ];
        let mut plan = plan_of(&defs, &[], &[], &HashMap::new());
        let row = |id: &str, target: Target| {
            let kind = if id == "4" {
                ObjectKind::Customers
            } else {
                ObjectKind::Tickets
            };
            MapRow::edited(kind, &format!("custom.key_{id}"), target, Transform::Copy)
        };
        let mut map = FieldMap::unmapped("salesforce");
        map.rows = vec![
            row(
                "1",
                Target::NewField {
                    field: FieldRef::new(CASE, "Order_Number__c"),
                    field_type: ValueType::Number,
                },
            ),
            row("2", Target::Field(FieldRef::new(CASE, "Legacy_Ref__c"))),
            row("3", Target::Drop("retired".into())),
        ];
        apply_map(&mut plan, &map, &defs);
        let order = plan.field_for("1").unwrap();
        assert_eq!(
            (order.api_name.as_str(), order.field_type, order.existing),
            ("Order_Number__c", SfFieldType::Number, false)
        );
        assert!(order.row.is_some());
        let legacy = plan.field_for("2").unwrap();
        assert_eq!(
            (legacy.api_name.as_str(), legacy.existing),
            ("Legacy_Ref__c", true)
        );
        assert!(plan.field_for("3").is_none());
        assert!(plan.not_written["3"].contains("retired"));
        assert!(plan.field_for("4").is_none(), "no row, no field");
        assert!(plan.not_written["4"].contains("no row"));
    }

    #[test]
    fn every_loaded_object_has_a_unique_case_insensitive_external_id() {
        let plan = plan_of(&[], &[warranty()], &[], &HashMap::new());
        for (object, field) in [
            (CASE, TICKET_ID),
            (CONTACT, CUSTOMER_ID),
            (ACCOUNT, ACCOUNT_KEY),
            (EMAIL_MESSAGE, MESSAGE_ID),
            (CONTENT_VERSION, ATTACHMENT_ID),
            (STATUS_EVENT, EVENT_ID),
            ("Warranty__c", RECORD_ID),
        ] {
            let spec = plan
                .fields
                .iter()
                .find(|f| f.object == object && f.api_name == field)
                .unwrap_or_else(|| panic!("{object}.{field}"));
            assert!(
                spec.external_id && spec.unique && !spec.case_sensitive,
                "{object}.{field}"
            );
            let body = spec.tooling_body();
            assert_eq!(body["FullName"], format!("{object}.{field}"));
            assert_eq!(body["Metadata"]["externalId"], true);
            assert_eq!(body["Metadata"]["caseSensitive"], false);
        }
        assert!(plan.fields.iter().all(|f| f.object != CASE_COMMENT));
    }

    #[test]
    fn stames_fields_get_the_closest_type_and_safe_unique_names() {
        let mut observed = HashMap::new();
        observed.insert(
            FieldKey::Field("2".into()),
            Observed {
                max_chars: 900,
                max_scale: 0,
            },
        );
        observed.insert(
            FieldKey::Field("3".into()),
            Observed {
                max_chars: 6,
                max_scale: 3,
            },
        );
        let defs = [
            def("1", FieldObject::Ticket, "Order #", FieldType::Text, &[]),
            def("2", FieldObject::Ticket, "Order", FieldType::Text, &[]),
            def("3", FieldObject::Ticket, "Refund", FieldType::Number, &[]),
            def(
                "4",
                FieldObject::Ticket,
                "Delivery date",
                FieldType::Date,
                &[],
            ),
            def("5", FieldObject::Customer, "VIP", FieldType::Boolean, &[]),
            def(
                "6",
                FieldObject::Ticket,
                "Size",
                FieldType::Select,
                &["S", "M", "m", " "],
            ),
            def(
                "7",
                FieldObject::Ticket,
                "Colours",
                FieldType::MultiSelect,
                &["red;blue", "green"],
            ),
            def(
                "8",
                FieldObject::Ticket,
                "Stames ticket id",
                FieldType::Text,
                &[],
            ),
            def("9", FieldObject::Ticket, "Order", FieldType::Number, &[]),
        ];
        let plan = plan_of(&defs, &[], &[], &observed);
        let f = |id: &str| plan.field_for(id).unwrap().clone();
        assert_eq!(
            (f("1").api_name.as_str(), f("1").field_type, f("1").length),
            ("Order_Field__c", SfFieldType::Text, Some(255))
        );
        assert_eq!(f("2").api_name, "Order_Field_2__c");
        assert_eq!(
            (f("2").field_type, f("2").length),
            (SfFieldType::LongTextArea, Some(LONG_TEXT_LEN))
        );
        assert_eq!((f("3").precision, f("3").scale), (Some(18), Some(3)));
        assert_eq!(f("4").field_type, SfFieldType::Date);
        assert_eq!(
            (f("5").object.as_str(), f("5").field_type),
            (CONTACT, SfFieldType::Checkbox)
        );
        assert_eq!(f("6").picklist_values, ["S", "M"]);
        assert!(!f("6").restricted);
        assert_eq!(f("7").picklist_values, ["red,blue", "green"]);
        assert_eq!(f("8").api_name, "Stames_ticket_id_2__c");
        assert_eq!(f("9").api_name, "Order_Field_3__c");
        for spec in &plan.fields {
            assert!(is_valid_api_name(&spec.api_name), "{}", spec.api_name);
            assert!(spec.label.chars().count() <= MAX_LABEL_LEN);
        }
        let checkbox = f("5").tooling_body();
        assert_eq!(checkbox["Metadata"]["defaultValue"], "false");
        let picklist = f("6").tooling_body();
        assert_eq!(
            picklist["Metadata"]["valueSet"]["valueSetDefinition"]["value"][1]["fullName"],
            "M"
        );
    }

    #[test]
    fn custom_objects_get_lookups_and_status_history_its_own_object() {
        let plan = plan_of(&[], &[warranty()], &[], &HashMap::new());
        assert_eq!(plan.objects[0].api_name, STATUS_EVENT);
        assert_eq!(
            plan.objects[0].tooling_body()["Metadata"]["sharingModel"],
            "ControlledByParent"
        );
        let object = plan.object_for("warranty").unwrap();
        assert_eq!(object.api_name, "Warranty__c");
        assert_eq!(object.plural_label, "Warrantys");
        let lookups: Vec<_> = plan
            .fields_of("Warranty__c")
            .filter(|f| f.field_type == SfFieldType::Lookup)
            .map(|f| (f.api_name.as_str(), f.reference_to.as_deref()))
            .collect();
        assert_eq!(
            lookups,
            [(OBJECT_CASE, Some(CASE)), (OBJECT_CONTACT, Some(CONTACT))]
        );
        assert_eq!(
            plan.object_field("warranty", "serial").unwrap().api_name,
            "Serial_number__c"
        );
        let master = plan
            .fields_of(STATUS_EVENT)
            .find(|f| f.api_name == EVENT_CASE)
            .unwrap();
        assert_eq!(master.field_type, SfFieldType::MasterDetail);
        assert_eq!(master.tooling_body()["Metadata"]["referenceTo"], CASE);
    }

    #[test]
    fn tag_strategy_follows_the_tag_count() {
        let few: Vec<String> = vec!["VIP".into(), "vip".into(), "Refund Request".into()];
        let plan = plan_of(&[], &[], &few, &HashMap::new());
        let tags = plan.fields_of(CASE).find(|f| f.api_name == TAGS).unwrap();
        assert_eq!(tags.picklist_values, ["refund-request", "vip"]);
        let many: Vec<String> = (0..501).map(|i| format!("tag {i}")).collect();
        let plan = plan_of(&[], &[], &many, &HashMap::new());
        assert!(plan.fields_of(CASE).all(|f| f.api_name != TAGS));
        assert_eq!(plan.tags, TagStrategy::Topics { distinct: 501 });
        assert_eq!(plan.notes.len(), 1);
    }

    #[test]
    fn channel_values_are_the_channels_present() {
        let plan = plan_of(&[], &[], &[], &HashMap::new());
        let channel = plan
            .fields_of(EMAIL_MESSAGE)
            .find(|f| f.api_name == CHANNEL_SOURCE)
            .unwrap();
        assert_eq!(channel.picklist_values, ["Email", "WhatsApp"]);
    }
}
