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

/// The create request for a Stames field; `external_id` is the Stames id,
/// so a re-run finds the field instead of creating it again.
pub fn new_field(def: &CustomFieldDef) -> NewCustomField {
    let plan = plan(def.field_type, &def.options);
    let mut description = format!("Migrated from Stames field `{}`", def.key);
    if let Some(lossy) = plan.lossy {
        description.push_str(&format!(" ({}). {lossy}.", def.field_type.as_str()));
    }
    NewCustomField {
        object_type: object_type(def.object),
        label: label(&def.label, &def.key),
        description: Some(truncate_chars(&description, 1024).to_string()),
        external_id: def.id.clone(),
        definition: definition(&plan.target),
    }
}

/// A label Gorgias accepts: 1–255 characters.
pub fn label(label: &str, fallback: &str) -> String {
    let label = label.trim();
    let label = if label.is_empty() { fallback } else { label };
    truncate_chars(label, MAX_LABEL_LEN).to_string()
}

/// The value Gorgias stores for `value`; `Ok(None)` for an empty value
/// (nothing to write), `Err` with the reason when it cannot be stored.
pub fn value(plan: &FieldPlan, value: &FieldValue) -> Result<Option<Value>, String> {
    if !value.is_filled() {
        return Ok(None);
    }
    match (&plan.target, value) {
        (GorgiasField::Text, value) => Ok(Some(Value::String(text(plan.source_type, value)))),
        (GorgiasField::Number, FieldValue::Number(n)) if n.is_finite() => Ok(Some(json!(n))),
        (GorgiasField::Number, FieldValue::Text(s)) => match s.trim().parse::<f64>() {
            Ok(n) if n.is_finite() => Ok(Some(json!(n))),
            _ => Err(format!("`{s}` is not a number")),
        },
        (GorgiasField::Boolean, FieldValue::Bool(b)) => Ok(Some(json!(b))),
        (GorgiasField::Boolean, FieldValue::Text(s)) => {
            match s.trim().to_ascii_lowercase().as_str() {
                "true" | "yes" | "1" => Ok(Some(json!(true))),
                "false" | "no" | "0" => Ok(Some(json!(false))),
                _ => Err(format!("`{s}` is not a yes/no value")),
            }
        }
        (GorgiasField::Dropdown(choices), value) => {
            let text = text(plan.source_type, value);
            if choices.contains(&text) {
                Ok(Some(Value::String(text)))
            } else {
                Err(format!("`{text}` is not one of the field's options"))
            }
        }
        (target, value) => Err(format!("{value:?} does not fit a {target:?} field")),
    }
}

/// A Gorgias field standing for a Stames field.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetField {
    pub id: Id,
    pub label: String,
    pub plan: FieldPlan,
}

/// Stames field id → its Gorgias field, for the fields `prepare` created or
/// found.
pub type FieldIndex = HashMap<SourceId, TargetField>;

/// The Gorgias values of a record's stored Stames values, in field-id order,
/// with a note line for every value that could not be kept.
pub fn values(
    stored: &BTreeMap<SourceId, FieldValue>,
    index: &FieldIndex,
) -> (Vec<wire::FieldValue>, Vec<String>) {
    let mut values = Vec::new();
    let mut notes = Vec::new();
    for (field_id, stored) in stored {
        let Some(target) = index.get(field_id) else {
            if stored.is_filled() {
                notes.push(format!(
                    "Stames field {field_id} was not migrated; its value was {}",
                    display(stored)
                ));
            }
            continue;
        };
        match value(&target.plan, stored) {
            Ok(Some(value)) => values.push(wire::FieldValue {
                id: target.id,
                value,
            }),
            Ok(None) => {}
            Err(reason) => notes.push(format!(
                "value of field `{}` not migrated: {reason}",
                target.label
            )),
        }
    }
    values.sort_by_key(|v| v.id);
    (values, notes)
}

fn display(value: &FieldValue) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| format!("{value:?}"))
}

/// A value as text: numbers without a trailing `.0`, lists joined with
/// `, `, dates normalised to ISO 8601 when they parse.
fn text(source_type: FieldType, value: &FieldValue) -> String {
    match value {
        FieldValue::Text(s) if source_type == FieldType::Date => iso_date(s),
        FieldValue::Text(s) => s.clone(),
        FieldValue::Number(n) => number_text(*n),
        FieldValue::Bool(b) => b.to_string(),
        FieldValue::List(items) => items.join(", "),
    }
}

fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

/// `2024-03-05`, or an RFC 3339 instant in UTC; other text is kept as is.
fn iso_date(text: &str) -> String {
    let text = text.trim();
    if let Ok(date) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return date.format("%Y-%m-%d").to_string();
    }
    match super::time::parse(text) {
        Some(at) => super::time::format(at),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn definitions_use_the_documented_shapes() {
        let text = new_field(&def(FieldType::Text, &[]));
        assert_eq!(text.definition["data_type"], "text");
        assert_eq!(text.external_id, "4");
        assert_eq!(text.object_type, "Ticket");
        let select = new_field(&def(FieldType::Select, &["a", "b"]));
        assert_eq!(
            select.definition["input_settings"]["choices"],
            json!(["a", "b"])
        );
        let boolean = new_field(&def(FieldType::Boolean, &[]));
        assert_eq!(
            boolean.definition["input_settings"]["choices"],
            json!([true, false])
        );
        let number = new_field(&def(FieldType::Number, &[]));
        assert_eq!(
            number.definition["input_settings"]["input_type"],
            "input_number"
        );
    }

    #[test]
    fn dates_and_multi_selects_become_text_and_say_so() {
        let date = new_field(&def(FieldType::Date, &[]));
        assert_eq!(date.definition["data_type"], "text");
        assert!(date.description.unwrap().contains("ISO 8601"));
        let plan = plan(FieldType::Date, &[]);
        assert_eq!(
            value(&plan, &FieldValue::Text("2024-03-05".into())).unwrap(),
            Some(json!("2024-03-05"))
        );
        let multi = plan_of(FieldType::MultiSelect, &["red", "blue"]);
        let list = FieldValue::List(vec!["red".into(), "blue".into()]);
        assert_eq!(value(&multi, &list).unwrap(), Some(json!("red, blue")));
    }

    fn plan_of(field_type: FieldType, options: &[&str]) -> FieldPlan {
        let options: Vec<String> = options.iter().map(|o| o.to_string()).collect();
        plan(field_type, &options)
    }

    #[test]
    fn values_are_coerced_or_refused_with_a_reason() {
        let number = plan_of(FieldType::Number, &[]);
        assert_eq!(
            value(&number, &FieldValue::Number(12.5)).unwrap(),
            Some(json!(12.5))
        );
        assert_eq!(
            value(&number, &FieldValue::Text("7".into())).unwrap(),
            Some(json!(7.0))
        );
        assert!(value(&number, &FieldValue::Text("seven".into())).is_err());
        let text = plan_of(FieldType::Text, &[]);
        assert_eq!(
            value(&text, &FieldValue::Number(12.0)).unwrap(),
            Some(json!("12"))
        );
        assert_eq!(value(&text, &FieldValue::Text("  ".into())).unwrap(), None);
        let select = plan_of(FieldType::Select, &["gold", "silver"]);
        assert_eq!(
            value(&select, &FieldValue::Text("gold".into())).unwrap(),
            Some(json!("gold"))
        );
        assert!(value(&select, &FieldValue::Text("bronze".into()))
            .unwrap_err()
            .contains("bronze"));
        let boolean = plan_of(FieldType::Boolean, &[]);
        assert_eq!(
            value(&boolean, &FieldValue::Text("yes".into())).unwrap(),
            Some(json!(true))
        );
    }

    #[test]
    fn record_values_resolve_through_the_index_and_note_what_is_left_out() {
        let mut index = FieldIndex::new();
        index.insert(
            "3".into(),
            TargetField {
                id: 33,
                label: "Refund".into(),
                plan: plan_of(FieldType::Number, &[]),
            },
        );
        let mut stored = BTreeMap::new();
        stored.insert("3".to_string(), FieldValue::Text("oops".into()));
        stored.insert("9".to_string(), FieldValue::Text("orphan".into()));
        let (values, notes) = values(&stored, &index);
        assert!(values.is_empty());
        assert_eq!(notes.len(), 2, "{notes:?}");
        stored.insert("3".to_string(), FieldValue::Number(4.0));
        let (values, _) = super::values(&stored, &index);
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
