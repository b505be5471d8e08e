//! Custom fields and custom objects: the schema a user built inside Stames.

use super::{SourceId, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Which record a custom field hangs off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldObject {
    Ticket,
    Customer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    Text,
    Number,
    Date,
    Boolean,
    Select,
    MultiSelect,
}

impl FieldType {
    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::Text => "text",
            FieldType::Number => "number",
            FieldType::Date => "date",
            FieldType::Boolean => "boolean",
            FieldType::Select => "select",
            FieldType::MultiSelect => "multi_select",
        }
    }
}

/// A custom field definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomFieldDef {
    pub id: SourceId,
    pub object: FieldObject,
    /// Stable machine name, e.g. `order_number`.
    pub key: String,
    pub label: String,
    pub field_type: FieldType,
    /// Allowed values for select and multi-select fields, in display order.
    pub options: Vec<String>,
    pub required: bool,
}

/// A stored custom field value, as the source stored it.
///
/// Values are deliberately untyped beyond JSON's own types: Stames stores a date
/// field as text, and a "text" field sometimes holds nothing but dates. Whether a
/// value fits its definition is a question for discovery and mapping, which can
/// then say so, rather than for the reader, which would have to guess.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FieldValue {
    Bool(bool),
    Number(f64),
    Text(String),
    List(Vec<String>),
}

impl FieldValue {
    /// Whether the value counts as filled for fill-rate purposes.
    pub fn is_filled(&self) -> bool {
        match self {
            FieldValue::Text(s) => !s.trim().is_empty(),
            FieldValue::List(items) => !items.is_empty(),
            FieldValue::Bool(_) | FieldValue::Number(_) => true,
        }
    }
}

/// What a custom object record may link to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkTarget {
    Ticket,
    Customer,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomObjectField {
    pub key: String,
    pub label: String,
    pub field_type: FieldType,
    pub options: Vec<String>,
}

/// A custom object type, e.g. `warranty`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomObjectDef {
    pub id: SourceId,
    pub key: String,
    pub label: String,
    pub fields: Vec<CustomObjectField>,
    pub links: Vec<LinkTarget>,
}

/// One record of a custom object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomObjectRecord {
    pub id: SourceId,
    /// The [`CustomObjectDef::key`] this record belongs to.
    pub object_key: String,
    pub values: BTreeMap<String, FieldValue>,
    pub ticket_ids: Vec<SourceId>,
    pub customer_ids: Vec<SourceId>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}
