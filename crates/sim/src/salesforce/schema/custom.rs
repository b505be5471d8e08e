//! Custom fields and objects from Tooling API metadata.
//!
//! `POST /tooling/sobjects/CustomField` takes `{"FullName":"Case.X__c",
//! "Metadata":{…}}` where `Metadata` is the Metadata API `CustomField` type
//! (type, label, length, externalId, unique, caseSensitive, required,
//! precision, scale, visibleLines, valueSet, referenceTo, relationshipName;
//! Tooling API guide, "CustomField"; Metadata API guide, "CustomField",
//! "Picklist (valueSet)"). `CustomObject` takes `label`, `pluralLabel`,
//! `nameField`, `deploymentStatus`, `sharingModel`.
//!
//! What the platform requires per type (Text needs `length` ≤ 255, long
//! text needs `length` and `visibleLines`, picklists need a `valueSet`,
//! lookups need `referenceTo` and `relationshipName`) is checked here; the
//! error codes for bad metadata are inferred (`FIELD_INTEGRITY_EXCEPTION`).

use super::standard::{owner_field, system_fields};
use super::{Api, FieldDef, FieldType, ObjectDef, PicklistValue, Schema};
use crate::salesforce::errors::SfError;
use serde_json::Value;

fn integrity(message: impl Into<String>) -> SfError {
    SfError::bad("FIELD_INTEGRITY_EXCEPTION", message)
}

fn uint(metadata: &Value, key: &str) -> Option<u32> {
    let v = metadata.get(key)?;
    v.as_u64()
        .or_else(|| v.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64))
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        .and_then(|n| u32::try_from(n).ok())
}

fn flag(metadata: &Value, key: &str) -> bool {
    match metadata.get(key) {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

/// The values of `valueSet.valueSetDefinition.value[]`.
fn value_set(metadata: &Value) -> Result<(Vec<PicklistValue>, bool), SfError> {
    let set = metadata
        .get("valueSet")
        .ok_or_else(|| integrity("Picklist fields need a valueSet"))?;
    let restricted = flag(set, "restricted");
    let values = set
        .pointer("/valueSetDefinition/value")
        .and_then(Value::as_array)
        .ok_or_else(|| integrity("valueSet.valueSetDefinition.value must be a list"))?;
    let mut out: Vec<PicklistValue> = Vec::new();
    for v in values {
        let name = v
            .get("fullName")
            .and_then(Value::as_str)
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| integrity("every picklist value needs a fullName"))?;
        if out.iter().any(|o| o.value == name) {
            return Err(SfError::bad(
                "DUPLICATE_VALUE",
                format!("Duplicate picklist value: {name}"),
            ));
        }
        let mut value = PicklistValue::new(name);
        if let Some(label) = v.get("label").and_then(Value::as_str) {
            value.label = label.to_string();
        }
        value.default = flag(v, "default");
        if let Some(Value::Bool(active)) = v.get("isActive") {
            value.active = *active;
        }
        out.push(value);
    }
    Ok((out, restricted))
}

/// The field `FullName = "Object.Field__c"` describes, validated against
/// `schema` (the object must exist, the field must not).
pub fn field_from_metadata(
    schema: &Schema,
    full_name: &str,
    metadata: &Value,
) -> Result<(String, FieldDef), SfError> {
    let (object_name, field_name) = full_name
        .split_once('.')
        .filter(|(_, f)| f.ends_with("__c") && f.len() > 3)
        .ok_or_else(|| {
            SfError::bad(
                "INVALID_FIELD",
                format!("FullName {full_name:?} must look like Object.Field__c"),
            )
        })?;
    let object = schema
        .data(object_name)
        .ok_or_else(|| integrity(format!("Unknown object {object_name}")))?;
    if object.has_field(field_name) {
        return Err(SfError::bad(
            "DUPLICATE_DEVELOPER_NAME",
            format!(
                "There is already a field named {field_name} on {}.",
                object.name
            ),
        ));
    }
    let label = metadata
        .get("label")
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| integrity("Metadata.label is required"))?;
    let kind = metadata
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| integrity("Metadata.type is required"))?;
    let mut field = build(schema, field_name, label, kind, metadata)?;
    field.custom = true;
    field.external_id = flag(metadata, "externalId");
    field.unique = flag(metadata, "unique");
    field.case_sensitive = flag(metadata, "caseSensitive");
    field.id_lookup = field.external_id || field.unique;
    if flag(metadata, "required") {
        field.nillable = false;
    }
    // Field-level security: a new field is visible to no one until
    // FieldPermissions grant it; required fields are always visible.
    field.needs_permission = field.nillable;
    Ok((object.name.clone(), field))
}

fn build(
    schema: &Schema,
    name: &str,
    label: &str,
    kind: &str,
    metadata: &Value,
) -> Result<FieldDef, SfError> {
    let need_length = |max: u32| -> Result<u32, SfError> {
        match uint(metadata, "length") {
            Some(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(integrity(format!(
                "Length must be a number between 1 and {max} for a {kind} field"
            ))),
        }
    };
    let field = match kind {
        "Text" => FieldDef::new(name, label, FieldType::String).len(need_length(255)?),
        "TextArea" => FieldDef::new(name, label, FieldType::Textarea).len(255),
        "LongTextArea" | "Html" => {
            if uint(metadata, "visibleLines").is_none() {
                return Err(integrity("visibleLines is required for long text fields"));
            }
            FieldDef::new(name, label, FieldType::Textarea).len(need_length(131_072)?)
        }
        "Number" | "Currency" | "Percent" => {
            let precision = uint(metadata, "precision").unwrap_or(18);
            let scale = uint(metadata, "scale").unwrap_or(0);
            if precision == 0 || precision > 18 || scale > precision {
                return Err(integrity("precision must be 1..18 and scale ≤ precision"));
            }
            let mut f = FieldDef::new(name, label, FieldType::Double);
            f.precision = precision;
            f.scale = scale;
            f
        }
        "Checkbox" => FieldDef::new(name, label, FieldType::Boolean).defaulted(),
        "Date" => FieldDef::new(name, label, FieldType::Date),
        "DateTime" => FieldDef::new(name, label, FieldType::Datetime),
        "Email" => FieldDef::new(name, label, FieldType::Email).len(80),
        "Phone" => FieldDef::new(name, label, FieldType::Phone),
        "Url" => FieldDef::new(name, label, FieldType::Url),
        "Picklist" | "MultiselectPicklist" => {
            let (values, restricted) = value_set(metadata)?;
            let kind = if kind == "Picklist" {
                FieldType::Picklist
            } else {
                if uint(metadata, "visibleLines").is_none() {
                    return Err(integrity(
                        "visibleLines is required for multi-select picklists",
                    ));
                }
                FieldType::Multipicklist
            };
            let mut f = FieldDef::new(name, label, kind);
            f.picklist = values;
            f.restricted = restricted;
            f
        }
        "Lookup" | "MasterDetail" => {
            let target = metadata
                .get("referenceTo")
                .and_then(Value::as_str)
                .and_then(|t| schema.data(t))
                .ok_or_else(|| integrity("referenceTo must name an existing object"))?;
            let relationship = metadata
                .get("relationshipName")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .ok_or_else(|| integrity("relationshipName is required for lookups"))?;
            let mut f = FieldDef::new(name, label, FieldType::Reference)
                .refs(&[target.name.as_str()], &format!("{relationship}__r"));
            if kind == "MasterDetail" {
                f = f.cascade().required();
            }
            f
        }
        other => return Err(integrity(format!("Unsupported field type {other}"))),
    };
    Ok(field)
}

/// Replaces the picklist values of an existing custom field from new
/// metadata (Tooling `PATCH CustomField/{id}`); other properties stay.
pub fn update_field(field: &mut FieldDef, metadata: &Value) -> Result<(), SfError> {
    if matches!(field.kind, FieldType::Picklist | FieldType::Multipicklist)
        && metadata.get("valueSet").is_some()
    {
        let (values, restricted) = value_set(metadata)?;
        field.picklist = values;
        field.restricted = restricted;
    }
    if let Some(label) = metadata.get("label").and_then(Value::as_str) {
        field.label = label.to_string();
    }
    if field.kind.is_text() && field.kind != FieldType::Picklist {
        if let Some(n) = uint(metadata, "length") {
            field.length = n;
        }
    }
    Ok(())
}

/// A custom object `Foo__c` with the system fields, `Name` and `OwnerId`.
pub fn object_from_metadata(
    schema: &Schema,
    full_name: &str,
    metadata: &Value,
) -> Result<ObjectDef, SfError> {
    if !full_name.ends_with("__c") || full_name.len() <= 3 || full_name.contains('.') {
        return Err(SfError::bad(
            "INVALID_FIELD",
            format!("FullName {full_name:?} must look like Name__c"),
        ));
    }
    if schema.get(full_name).is_some() {
        return Err(SfError::bad(
            "DUPLICATE_DEVELOPER_NAME",
            format!("There is already an object named {full_name}."),
        ));
    }
    let label = metadata
        .get("label")
        .and_then(Value::as_str)
        .ok_or_else(|| integrity("Metadata.label is required"))?;
    let plural = metadata
        .get("pluralLabel")
        .and_then(Value::as_str)
        .ok_or_else(|| integrity("Metadata.pluralLabel is required"))?;
    let name_field = metadata
        .get("nameField")
        .ok_or_else(|| integrity("Metadata.nameField is required"))?;
    let name_label = name_field
        .get("label")
        .and_then(Value::as_str)
        .unwrap_or("Name");
    let mut name = FieldDef::new("Name", name_label, FieldType::String).len(80);
    let auto_number = name_field.get("type").and_then(Value::as_str) == Some("AutoNumber");
    if auto_number {
        name = name.read_only();
    } else {
        name.defaulted_on_create = true; // the record id, when left out
    }
    let mut fields = system_fields();
    fields.push(name);
    fields.push(owner_field());
    Ok(ObjectDef {
        name: full_name.to_string(),
        label: label.to_string(),
        label_plural: plural.to_string(),
        key_prefix: schema.next_custom_prefix(),
        custom: true,
        createable: true,
        updateable: true,
        deletable: true,
        api: Api::Data,
        compound_name: false,
        auto_number: auto_number.then(|| "Name".to_string()),
        fields,
    })
}
