//! Custom fields: Stames definitions → Gorgias definitions, and stored values
//! → the values Gorgias takes.
//!
//! Gorgias custom fields are text, number, boolean or a text dropdown
//! (reference §4.6). Stames also has date and multi-select fields; both
//! land as text (lossy, `docs/deviations.md`):
//!
//! | Stames | Gorgias | value |
//! |---|---|---|
//! | text | text input | as is |
//! | number | number input | as is |
//! | boolean | boolean dropdown | as is |
//! | select | text dropdown with the Stames options | as is, if an option |
//! | date | text input | ISO 8601 (`2024-03-05`) |
//! | multi_select | text input | options joined with `, ` |

use super::truncate_chars;
use crate::client::wire::{self, Id, NewCustomField};
use deskshift_core::discover::parse_yes_no;
use deskshift_core::mapping::{land_custom_value, Converted, FieldMap, Landing, MapRow, ValueType};
use deskshift_core::model::{CustomFieldDef, FieldObject, FieldType, FieldValue, SourceId};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};

/// Gorgias's longest custom-field label.
pub const MAX_LABEL_LEN: usize = 255;

/// The Gorgias shape a field takes.
#[derive(Debug, Clone, PartialEq)]
pub enum GorgiasField {
    Text,
    Number,
    Boolean,
    Dropdown(Vec<String>),
}

/// What a Stames field becomes, and what is lost on the way.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldPlan {
    pub source_type: FieldType,
    pub target: GorgiasField,
    pub lossy: Option<&'static str>,
}

pub fn plan(field_type: FieldType, options: &[String]) -> FieldPlan {
    let (target, lossy) = match field_type {
        FieldType::Text => (GorgiasField::Text, None),
        FieldType::Number => (GorgiasField::Number, None),
        FieldType::Boolean => (GorgiasField::Boolean, None),
        FieldType::Select => (GorgiasField::Dropdown(options.to_vec()), None),
        FieldType::Date => (
            GorgiasField::Text,
            Some("Gorgias has no date field: dates are stored as ISO 8601 text"),
        ),
        FieldType::MultiSelect => (
            GorgiasField::Text,
            Some(
                "Gorgias has no multi-select field: options are stored as text joined with \", \"",
            ),
        ),
    };
    FieldPlan {
        source_type: field_type,
        target,
        lossy,
    }
}

/// `definition` of `POST /api/custom-fields`.
pub fn definition(target: &GorgiasField) -> Value {
    match target {
        GorgiasField::Text => {
            json!({"data_type": "text", "input_settings": {"input_type": "input"}})
        }
        GorgiasField::Number => {
            json!({"data_type": "number", "input_settings": {"input_type": "input_number"}})
        }
        GorgiasField::Boolean => json!({
            "data_type": "boolean",
            "input_settings": {"input_type": "dropdown", "choices": [true, false]}
        }),
        GorgiasField::Dropdown(choices) => json!({
            "data_type": "text",
            "input_settings": {"input_type": "dropdown", "choices": choices}
        }),
    }
}

pub fn object_type(object: FieldObject) -> &'static str {
    match object {
        FieldObject::Ticket => "Ticket",
        FieldObject::Customer => "Customer",
    }
}

/// The Gorgias shape of a field holding values of `value_type` (a new
/// field the map asks for): text, number, boolean, or a dropdown of the
/// Stames options for a select that has some; everything else is text.
pub fn shape(value_type: ValueType, options: &[String]) -> GorgiasField {
    match value_type {
        ValueType::Number => GorgiasField::Number,
        ValueType::Boolean => GorgiasField::Boolean,
        ValueType::Select if !options.is_empty() => GorgiasField::Dropdown(options.to_vec()),
        _ => GorgiasField::Text,
    }
}

/// The shape of an existing Gorgias field, from its `definition`.
pub fn shape_of_definition(definition: &Value) -> GorgiasField {
    let input = &definition["input_settings"];
    match definition["data_type"].as_str() {
        Some("number") => GorgiasField::Number,
        Some("boolean") => GorgiasField::Boolean,
        _ if input["input_type"] == "dropdown" => GorgiasField::Dropdown(
            input["choices"]
                .as_array()
                .map(|c| {
                    c.iter()
                        .filter_map(|v| v.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default(),
        ),
        _ => GorgiasField::Text,
    }
}

/// The create request for the new field a map row asks for: its label is
/// the row's field name, its shape the row's type; `external_id` is the
/// Stames id, so a re-run finds the field instead of creating it again.
pub fn new_field(def: &CustomFieldDef, label: &str, field_type: ValueType) -> NewCustomField {
    let mut description = format!("Migrated from Stames field `{}`", def.key);
    if ValueType::of(def.field_type) != field_type {
        description.push_str(&format!(
            " ({} in Stames, {field_type} by the field map)",
            def.field_type.as_str()
        ));
    }
    NewCustomField {
        object_type: object_type(def.object),
        label: self::label(label, &def.key),
        description: Some(truncate_chars(&description, 1024).to_string()),
        external_id: def.id.clone(),
        definition: definition(&shape(field_type, &def.options)),
    }
}

/// A label Gorgias accepts: 1–255 characters.
pub fn label(label: &str, fallback: &str) -> String {
    let label = label.trim();
    let label = if label.is_empty() { fallback } else { label };
    truncate_chars(label, MAX_LABEL_LEN).to_string()
}

/// The value a Gorgias field of `shape` stores for `value` (already
/// converted by the map row's transform); `Err` with the reason when it
/// cannot hold it.
pub fn value(shape: &GorgiasField, value: &Converted) -> Result<Value, String> {
    match (shape, value) {
        (GorgiasField::Text, value) => Ok(Value::String(value.to_text())),
        (GorgiasField::Number, Converted::Number(n)) if n.is_finite() => Ok(json!(n)),
        (GorgiasField::Number, Converted::Text(s)) => match s.trim().parse::<f64>() {
            Ok(n) if n.is_finite() => Ok(json!(n)),
            _ => Err(format!("`{s}` is not a number")),
        },
        (GorgiasField::Boolean, Converted::Boolean(b)) => Ok(json!(b)),
        (GorgiasField::Boolean, Converted::Text(s)) => match parse_yes_no(s) {
            Some(b) => Ok(json!(b)),
            None => Err(format!("`{s}` is not a yes/no value")),
        },
        (GorgiasField::Dropdown(choices), value) => {
            let text = value.to_text();
            if choices.contains(&text) {
                Ok(Value::String(text))
            } else {
                Err(format!("`{text}` is not one of the field's options"))
            }
        }
        (shape, value) => Err(format!(
            "`{}` does not fit a {} field",
            value.to_text(),
            shape.name()
        )),
    }
}

impl GorgiasField {
    fn name(&self) -> &'static str {
        match self {
            GorgiasField::Text => "text",
            GorgiasField::Number => "number",
            GorgiasField::Boolean => "boolean",
            GorgiasField::Dropdown(_) => "dropdown",
        }
    }
}

/// A Gorgias field standing for a Stames field: where its row sends it.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetField {
    pub id: Id,
    pub label: String,
    pub shape: GorgiasField,
    pub row: MapRow,
}

/// What becomes of a Stames ticket field's values.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldLanding {
    /// Written to this Gorgias field.
    Field(TargetField),
    /// Not written (the row drops it, or keeps it for the inventory): each
    /// value is accounted for in the record's note with the row's reason.
    NotWritten(MapRow),
}

impl FieldLanding {
    /// Written to the Gorgias field `id` (`label`, of `shape`), by `row`.
    pub fn field(id: Id, label: String, shape: GorgiasField, row: &MapRow) -> FieldLanding {
        FieldLanding::Field(TargetField {
            id,
            label,
            shape,
            row: row.clone(),
        })
    }
}

/// Stames field id → what becomes of its values, for the fields `prepare`
/// created, found or was told to leave out.
pub type FieldIndex = HashMap<SourceId, FieldLanding>;

/// The Gorgias values of a record's stored Stames values, in field-id order,
/// with a note line for every value that could not be kept (and why).
pub fn values(
    stored: &BTreeMap<SourceId, FieldValue>,
    index: &FieldIndex,
    map: &FieldMap,
) -> (Vec<wire::FieldValue>, Vec<String>) {
    let mut values = Vec::new();
    let mut notes = Vec::new();
    for (field_id, stored) in stored {
        let (target, row) = match index.get(field_id) {
            Some(FieldLanding::Field(target)) => (Some(target), &target.row),
            Some(FieldLanding::NotWritten(row)) => (None, row),
            None => {
                if stored.is_filled() {
                    notes.push(format!(
                        "Stames field {field_id} was not migrated; its value was {}",
                        display(stored)
                    ));
                }
                continue;
            }
        };
        match (land_custom_value(map, row, stored), target) {
            (Landing::Write { value, note, .. }, Some(target)) => {
                notes.extend(note);
                match self::value(&target.shape, &value) {
                    Ok(value) => values.push(wire::FieldValue {
                        id: target.id,
                        value,
                    }),
                    Err(reason) => notes.push(format!(
                        "value of field `{}` not migrated: {reason}",
                        target.label
                    )),
                }
            }
            (Landing::Skip { reason }, _) if stored.is_filled() => {
                notes.push(format!("{reason}; its value was {}", display(stored)));
            }
            (Landing::Reject(error), _) => notes.push(error.to_string()),
            _ => {}
        }
    }
    values.sort_by_key(|v| v.id);
    (values, notes)
}

fn display(value: &FieldValue) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| format!("{value:?}"))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use deskshift_core::mapping::{FieldRef, Target, Transform};

    fn def(field_type: FieldType, options: &[&str]) -> CustomFieldDef {
        CustomFieldDef {
            id: "4".into(),
            object: FieldObject::Ticket,
            key: "delivery_date".into(),
            label: "Expected delivery".into(),
            field_type,
            options: options.iter().map(|o| o.to_string()).collect(),
            required: false,
        }
    }

    /// The row of Stames ticket field `key`, declared text.
    pub(crate) fn row(
        key: &str,
        value_type: ValueType,
        target: Target,
        transform: Transform,
    ) -> MapRow {
        MapRow {
            value_type: Some(value_type),
            ..MapRow::edited(
                deskshift_core::model::ObjectKind::Tickets,
                &format!("custom.{key}"),
                target,
                transform,
            )
        }
    }

    #[test]
    fn new_fields_take_the_rows_label_and_type() {
        let text = new_field(&def(FieldType::Text, &[]), "Delivery", ValueType::Text);
        assert_eq!(text.definition["data_type"], "text");
        assert_eq!(text.label, "Delivery");
        assert_eq!(text.external_id, "4");
        assert_eq!(text.object_type, "Ticket");
        let select = new_field(&def(FieldType::Select, &["a", "b"]), "x", ValueType::Select);
        assert_eq!(
            select.definition["input_settings"]["choices"],
            json!(["a", "b"])
        );
        let boolean = new_field(&def(FieldType::Text, &[]), "VIP?", ValueType::Boolean);
        assert_eq!(
            boolean.definition["input_settings"]["choices"],
            json!([true, false])
        );
        assert!(boolean
            .description
            .unwrap()
            .contains("boolean by the field map"));
        let number = new_field(&def(FieldType::Number, &[]), "n", ValueType::Number);
        assert_eq!(
            number.definition["input_settings"]["input_type"],
            "input_number"
        );
        let date = new_field(&def(FieldType::Date, &[]), "d", ValueType::Date);
        assert_eq!(date.definition["data_type"], "text");
    }

    #[test]
    fn existing_definitions_give_their_shape() {
        for shape in [
            GorgiasField::Text,
            GorgiasField::Number,
            GorgiasField::Boolean,
            GorgiasField::Dropdown(vec!["gold".into()]),
        ] {
            assert_eq!(shape_of_definition(&definition(&shape)), shape);
        }
    }

    #[test]
    fn converted_values_fit_the_field_or_are_refused_with_a_reason() {
        assert_eq!(
            value(&GorgiasField::Number, &Converted::Number(12.5)).unwrap(),
            json!(12.5)
        );
        assert!(value(&GorgiasField::Number, &Converted::Text("seven".into())).is_err());
        assert_eq!(
            value(&GorgiasField::Text, &Converted::Number(12.0)).unwrap(),
            json!("12")
        );
        let dropdown = GorgiasField::Dropdown(vec!["gold".into(), "silver".into()]);
        assert_eq!(
            value(&dropdown, &Converted::Text("gold".into())).unwrap(),
            json!("gold")
        );
        assert!(value(&dropdown, &Converted::Text("bronze".into()))
            .unwrap_err()
            .contains("bronze"));
        assert!(value(&GorgiasField::Boolean, &Converted::Number(3.0)).is_err());
    }

    #[test]
    fn record_values_follow_their_rows_and_note_what_is_left_out() {
        let map = FieldMap::unmapped("gorgias");
        let mut index = FieldIndex::new();
        index.insert(
            "3".into(),
            FieldLanding::Field(TargetField {
                id: 33,
                label: "Refund".into(),
                shape: GorgiasField::Number,
                row: row(
                    "refund",
                    ValueType::Number,
                    Target::NewField {
                        field: FieldRef::new("Ticket", "Refund"),
                        field_type: ValueType::Number,
                    },
                    Transform::TextToNumber,
                ),
            }),
        );
        index.insert(
            "5".into(),
            FieldLanding::NotWritten(row(
                "legacy",
                ValueType::Text,
                Target::Drop("nobody reads it".into()),
                Transform::Copy,
            )),
        );
        let mut stored = BTreeMap::new();
        stored.insert("3".to_string(), FieldValue::Text("oops".into()));
        stored.insert("5".to_string(), FieldValue::Text("old".into()));
        stored.insert("9".to_string(), FieldValue::Text("orphan".into()));
        let (values, notes) = values(&stored, &index, &map);
        assert!(values.is_empty());
        assert_eq!(notes.len(), 3, "{notes:?}");
        assert!(notes
            .iter()
            .any(|n| n.contains("oops") && n.contains("text_to_number")));
        assert!(notes
            .iter()
            .any(|n| n.contains("nobody reads it") && n.contains("old")));
        stored.insert("3".to_string(), FieldValue::Text("4".into()));
        let (values, _) = super::values(&stored, &index, &map);
        assert_eq!(
            values,
            [wire::FieldValue {
                id: 33,
                value: json!(4.0)
            }]
        );
    }

    #[test]
    fn labels_are_never_empty_or_too_long() {
        assert_eq!(label("  ", "order_number"), "order_number");
        assert_eq!(label(&"l".repeat(300), "k").chars().count(), MAX_LABEL_LEN);
    }
}
