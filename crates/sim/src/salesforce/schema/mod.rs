//! The org's schema: which sObjects exist, their fields and the rules each
//! field carries (type, length, required, picklist values, references,
//! external id, who may write it when).
//!
//! Everything the emulator validates and every `describe` it answers comes
//! from here, so there is one source of truth. The standard objects live in
//! [`standard`] (field names and types from the Salesforce Object Reference);
//! [`custom`] turns Tooling API `CustomField` / `CustomObject` metadata into
//! new definitions at run time; [`describe`] renders the REST describe shapes.
//!
//! Names are matched case-insensitively, as the API does; records and answers
//! always use the canonical spelling kept here.

pub mod custom;
pub mod describe;
pub mod standard;

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Field types, spelled as `describe` spells them (`"type"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    Id,
    String,
    Textarea,
    Email,
    Phone,
    Url,
    Picklist,
    Multipicklist,
    Boolean,
    Double,
    Int,
    Date,
    Datetime,
    Reference,
    Base64,
    /// Tooling `Metadata` compound fields: any JSON.
    #[serde(rename = "anyType")]
    Any,
}

impl FieldType {
    pub fn describe_name(self) -> &'static str {
        match self {
            FieldType::Id => "id",
            FieldType::String => "string",
            FieldType::Textarea => "textarea",
            FieldType::Email => "email",
            FieldType::Phone => "phone",
            FieldType::Url => "url",
            FieldType::Picklist => "picklist",
            FieldType::Multipicklist => "multipicklist",
            FieldType::Boolean => "boolean",
            FieldType::Double => "double",
            FieldType::Int => "int",
            FieldType::Date => "date",
            FieldType::Datetime => "datetime",
            FieldType::Reference => "reference",
            FieldType::Base64 => "base64",
            FieldType::Any => "anyType",
        }
    }

    /// Types whose value is text with a maximum length.
    pub fn is_text(self) -> bool {
        matches!(
            self,
            FieldType::String
                | FieldType::Textarea
                | FieldType::Email
                | FieldType::Phone
                | FieldType::Url
                | FieldType::Picklist
                | FieldType::Multipicklist
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PicklistValue {
    pub value: String,
    pub label: String,
    #[serde(default = "yes")]
    pub active: bool,
    #[serde(default)]
    pub default: bool,
    /// Case Status only: choosing it closes the case (`IsClosed`).
    #[serde(default)]
    pub closed: bool,
}

fn yes() -> bool {
    true
}

impl PicklistValue {
    pub fn new(value: &str) -> PicklistValue {
        PicklistValue {
            value: value.to_string(),
            label: value.to_string(),
            active: true,
            default: false,
            closed: false,
        }
    }
}

/// One field's definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldDef {
    pub name: String,
    pub label: String,
    #[serde(rename = "type")]
    pub kind: FieldType,
    /// Maximum length of text values (characters, or bytes with `length_in_bytes`).
    #[serde(default)]
    pub length: u32,
    #[serde(default)]
    pub length_in_bytes: bool,
    pub nillable: bool,
    pub createable: bool,
    pub updateable: bool,
    /// The platform fills it when the insert leaves it out.
    #[serde(default)]
    pub defaulted_on_create: bool,
    #[serde(default)]
    pub custom: bool,
    #[serde(default)]
    pub external_id: bool,
    #[serde(default)]
    pub unique: bool,
    #[serde(default)]
    pub case_sensitive: bool,
    #[serde(default)]
    pub picklist: Vec<PicklistValue>,
    #[serde(default)]
    pub restricted: bool,
    /// The `StandardValueSet` that feeds a standard picklist (`CaseStatus`).
    #[serde(default)]
    pub value_set: Option<String>,
    #[serde(default)]
    pub reference_to: Vec<String>,
    #[serde(default)]
    pub relationship_name: Option<String>,
    /// Deleting the referenced record deletes this one (master-detail and
    /// the platform's own cascades: comments, e-mails, links of a case).
    #[serde(default)]
    pub cascade_delete: bool,
    /// CreatedDate & co.: writable on insert only, and only with the org
    /// preference "Set Audit Fields upon Record Creation".
    #[serde(default)]
    pub audit: bool,
    /// A custom field created through the Tooling API: hidden from the API
    /// user until a `FieldPermissions` record grants it.
    #[serde(default)]
    pub needs_permission: bool,
    #[serde(default)]
    pub precision: u32,
    #[serde(default)]
    pub scale: u32,
    #[serde(default)]
    pub id_lookup: bool,
}

impl FieldDef {
    /// A nillable field everyone may create and update.
    pub fn new(name: &str, label: &str, kind: FieldType) -> FieldDef {
        let length = match kind {
            FieldType::String | FieldType::Email | FieldType::Url => 255,
            FieldType::Phone => 40,
            FieldType::Textarea => 32_000,
            FieldType::Picklist => 255,
            FieldType::Multipicklist => 4_099,
            FieldType::Id | FieldType::Reference => 18,
            _ => 0,
        };
        FieldDef {
            name: name.to_string(),
            label: label.to_string(),
            kind,
            length,
            length_in_bytes: false,
            nillable: true,
            createable: true,
            updateable: true,
            defaulted_on_create: false,
            custom: false,
            external_id: false,
            unique: false,
            case_sensitive: false,
            picklist: Vec::new(),
            restricted: false,
            value_set: None,
            reference_to: Vec::new(),
            relationship_name: None,
            cascade_delete: false,
            audit: false,
            needs_permission: false,
            precision: 0,
            scale: 0,
            id_lookup: false,
        }
    }

    pub fn len(mut self, length: u32) -> FieldDef {
        self.length = length;
        self
    }

    pub fn required(mut self) -> FieldDef {
        self.nillable = false;
        self
    }

    /// Filled by the platform on insert (`defaultedOnCreate`); booleans are.
    pub fn defaulted(mut self) -> FieldDef {
        self.defaulted_on_create = true;
        if self.kind == FieldType::Boolean {
            self.nillable = false;
        }
        self
    }

    /// Computed or system-maintained: neither createable nor updateable.
    pub fn read_only(mut self) -> FieldDef {
        self.createable = false;
        self.updateable = false;
        self
    }

    /// Set on insert, fixed afterwards (a comment's ParentId).
    pub fn create_only(mut self) -> FieldDef {
        self.updateable = false;
        self
    }

    pub fn refs(mut self, to: &[&str], relationship: &str) -> FieldDef {
        self.reference_to = to.iter().map(|s| s.to_string()).collect();
        self.relationship_name = Some(relationship.to_string());
        self
    }

    pub fn cascade(mut self) -> FieldDef {
        self.cascade_delete = true;
        self
    }

    pub fn picklist(mut self, values: &[&str], restricted: bool) -> FieldDef {
        self.picklist = values.iter().map(|v| PicklistValue::new(v)).collect();
        self.restricted = restricted;
        self
    }

    pub fn value_set(mut self, name: &str) -> FieldDef {
        self.value_set = Some(name.to_string());
        self
    }

    pub fn default_value(mut self, value: &str) -> FieldDef {
        for v in &mut self.picklist {
            v.default = v.value == value;
        }
        self.defaulted_on_create = true;
        self
    }

    /// Required in the describe sense: `nillable == false && createable &&
    /// !defaultedOnCreate` (how clients read the describe result).
    pub fn is_required(&self) -> bool {
        !self.nillable && self.createable && !self.defaulted_on_create
    }

    pub fn default_picklist_value(&self) -> Option<&str> {
        self.picklist
            .iter()
            .find(|v| v.default && v.active)
            .map(|v| v.value.as_str())
    }

    pub fn has_value(&self, value: &str) -> bool {
        self.picklist.iter().any(|v| v.active && v.value == value)
    }
}

/// Which API serves an object: most are data (REST `sobjects`); Tooling
/// metadata objects live under `/tooling/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Api {
    Data,
    Tooling,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObjectDef {
    pub name: String,
    pub label: String,
    pub label_plural: String,
    pub key_prefix: String,
    pub custom: bool,
    pub createable: bool,
    pub updateable: bool,
    pub deletable: bool,
    pub api: Api,
    /// `Name` is `FirstName LastName`, computed (Contact, User).
    #[serde(default)]
    pub compound_name: bool,
    /// Auto-number field filled on insert (`CaseNumber`).
    #[serde(default)]
    pub auto_number: Option<String>,
    pub fields: Vec<FieldDef>,
}

impl ObjectDef {
    pub fn field(&self, name: &str) -> Option<&FieldDef> {
        self.fields
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }

    pub fn field_mut(&mut self, name: &str) -> Option<&mut FieldDef> {
        self.fields
            .iter_mut()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }

    /// The reference field behind a relationship name (`Parent` → ParentId).
    pub fn relationship(&self, name: &str) -> Option<&FieldDef> {
        self.fields.iter().find(|f| {
            f.relationship_name
                .as_deref()
                .is_some_and(|r| r.eq_ignore_ascii_case(name))
        })
    }

    pub fn has_field(&self, name: &str) -> bool {
        self.field(name).is_some()
    }
}

/// All objects of the org, by lower-case name.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Schema {
    objects: BTreeMap<String, ObjectDef>,
}

impl Schema {
    /// The standard objects of a Service Cloud org; `restricted` makes the
    /// Case picklists restricted (an org setting).
    pub fn standard(restricted_picklists: bool) -> Schema {
        let mut schema = Schema::default();
        for object in standard::objects(restricted_picklists) {
            schema.insert(object);
        }
        schema
    }

    pub fn insert(&mut self, object: ObjectDef) {
        self.objects
            .insert(object.name.to_ascii_lowercase(), object);
    }

    pub fn remove(&mut self, name: &str) -> Option<ObjectDef> {
        self.objects.remove(&name.to_ascii_lowercase())
    }

    pub fn get(&self, name: &str) -> Option<&ObjectDef> {
        self.objects.get(&name.to_ascii_lowercase())
    }

    pub fn get_mut(&mut self, name: &str) -> Option<&mut ObjectDef> {
        self.objects.get_mut(&name.to_ascii_lowercase())
    }

    /// A data-API object by name (Tooling objects are not `sobjects`).
    pub fn data(&self, name: &str) -> Option<&ObjectDef> {
        self.get(name).filter(|o| o.api == Api::Data)
    }

    pub fn tooling(&self, name: &str) -> Option<&ObjectDef> {
        self.get(name).filter(|o| o.api == Api::Tooling)
    }

    pub fn by_prefix(&self, prefix: &str) -> Option<&ObjectDef> {
        self.objects.values().find(|o| o.key_prefix == prefix)
    }

    pub fn objects(&self) -> impl Iterator<Item = &ObjectDef> {
        self.objects.values()
    }

    /// The next free custom-object key prefix: `a00`, `a01`, … `a0z`, `a10`…
    pub fn next_custom_prefix(&self) -> String {
        const DIGITS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        for i in 0..DIGITS.len() * DIGITS.len() {
            let prefix = format!(
                "a{}{}",
                DIGITS[i / DIGITS.len()] as char,
                DIGITS[i % DIGITS.len()] as char
            );
            if self.by_prefix(&prefix).is_none() {
                return prefix;
            }
        }
        "a~~".to_string()
    }
}
