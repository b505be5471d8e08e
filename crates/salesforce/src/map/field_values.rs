//! A stored Stames custom-field value → the value of its Salesforce field
//! (chosen by [`super::schema`]).
//!
//! | Salesforce field | value written |
//! |---|---|
//! | Text, Long Text Area | the text (numbers without `.0`, lists joined with `, `), cut to the field's length (noted) |
//! | Number | a JSON number; text that parses as one is converted |
//! | Checkbox | `true`/`false`; `yes`/`no`/`1`/`0` text converted |
//! | Date | `YYYY-MM-DD`; an RFC 3339 instant gives its UTC date |
//! | Picklist | the cleaned value (no `;`, ≤ 255); outside a restricted list → not written |
//! | Multi-select | cleaned values joined with `;` as **one string** (a JSON array is refused by Salesforce), ≤ 100 values |
//!
//! A value that cannot be converted is not written and the reason is noted;
//! the record still goes.

use super::schema::{picklist_value, FieldOrigin, FieldSpec, SchemaPlan, SfFieldType};
use super::tags::MAX_SELECTED_VALUES;
use super::text::truncate_chars;
use super::{Mapped, Record};
use deskshift_core::mapping::{land_custom_value, FieldMap, Landing};
use deskshift_core::model::{FieldValue, SourceId};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The Salesforce value of `value` for `spec`; `Ok(None)` for an empty
/// value (nothing to write), `Err` with the reason when it cannot be stored.
pub fn value(spec: &FieldSpec, value: &FieldValue) -> Result<Option<Mapped<Value>>, String> {
    if !value.is_filled() {
        return Ok(None);
    }
    match (spec.field_type, value) {
        (SfFieldType::Text | SfFieldType::LongTextArea, value) => {
            let text = as_text(value);
            let max = spec.length.unwrap_or(255) as usize;
            Ok(Some(if text.chars().count() > max {
                Mapped::noted(
                    json!(truncate_chars(&text, max)),
                    format!(
                        "{} characters cut to the field's {max}",
                        text.chars().count()
                    ),
                )
            } else {
                Mapped::exact(json!(text))
            }))
        }
        (SfFieldType::Number, FieldValue::Number(n)) if n.is_finite() => {
            Ok(Some(Mapped::exact(json!(n))))
        }
        (SfFieldType::Number, FieldValue::Text(s)) => match s.trim().parse::<f64>() {
            Ok(n) if n.is_finite() => Ok(Some(Mapped::exact(json!(n)))),
            _ => Err(format!("`{s}` is not a number")),
        },
        (SfFieldType::Checkbox, FieldValue::Bool(b)) => Ok(Some(Mapped::exact(json!(b)))),
        (SfFieldType::Checkbox, FieldValue::Text(s)) => {
            match s.trim().to_ascii_lowercase().as_str() {
                "true" | "yes" | "1" => Ok(Some(Mapped::exact(json!(true)))),
                "false" | "no" | "0" => Ok(Some(Mapped::exact(json!(false)))),
                _ => Err(format!("`{s}` is not a yes/no value")),
            }
        }
        (SfFieldType::Date, FieldValue::Text(s)) => match iso_date(s) {
            Some(date) => Ok(Some(Mapped::exact(json!(date)))),
            None => Err(format!("`{s}` is not a date")),
        },
        (SfFieldType::DateTime, FieldValue::Text(s)) => {
            match chrono::DateTime::parse_from_rfc3339(s.trim()) {
                Ok(at) => Ok(Some(Mapped::exact(json!(super::text::datetime(
                    at.with_timezone(&chrono::Utc)
                ))))),
                Err(_) => Err(format!("`{s}` is not a date and time")),
            }
        }
        (SfFieldType::Picklist, value) => {
            let text = as_text(value);
            let Some(cleaned) = picklist_value(&text) else {
                return Ok(None);
            };
            if spec.restricted && !spec.picklist_values.contains(&cleaned) {
                return Err(format!("`{cleaned}` is not one of the picklist's values"));
            }
            Ok(Some(if cleaned == text.trim() {
                Mapped::exact(json!(cleaned))
            } else {
                Mapped::noted(json!(cleaned), format!("`{text}` written as `{cleaned}`"))
            }))
        }
        (SfFieldType::MultiselectPicklist, value) => {
            let items: Vec<String> = match value {
                FieldValue::List(items) => items.clone(),
                FieldValue::Text(s) => s.split(';').map(str::to_string).collect(),
                other => vec![as_text(other)],
            };
            multiselect(spec, &items)
        }
        (target, value) => Err(format!(
            "a {} value does not fit a {} field",
            shape(value),
            target.as_str()
        )),
    }
}

fn multiselect(spec: &FieldSpec, items: &[String]) -> Result<Option<Mapped<Value>>, String> {
    let mut values: Vec<String> = Vec::new();
    let mut notes = Vec::new();
    for item in items {
        let Some(cleaned) = picklist_value(item) else {
            continue;
        };
        if spec.restricted && !spec.picklist_values.contains(&cleaned) {
            notes.push(format!(
                "`{cleaned}` is not a value of the picklist; left out"
            ));
            continue;
        }
        if !values.contains(&cleaned) {
            values.push(cleaned);
        }
    }
    if values.is_empty() {
        return if notes.is_empty() {
            Ok(None)
        } else {
            Err(notes.join("; "))
        };
    }
    if values.len() > MAX_SELECTED_VALUES {
        notes.push(format!(
            "{} values; a multi-select holds {MAX_SELECTED_VALUES}, the rest were left out",
            values.len()
        ));
        values.truncate(MAX_SELECTED_VALUES);
    }
    let joined = json!(values.join(";"));
    Ok(Some(if notes.is_empty() {
        Mapped::exact(joined)
    } else {
        Mapped::noted(joined, notes.join("; "))
    }))
}

/// Writes every stored value that has a field on `object` into `record`,
/// converted first by its row of the confirmed `map` (the row's transform
/// and type), then into the field's Salesforce shape; returns a note line
/// per value not written or changed. Values of fields the map writes
/// nowhere are noted with the map's reason.
pub fn apply(
    record: &mut Record,
    stored: &BTreeMap<SourceId, FieldValue>,
    plan: &SchemaPlan,
    object: &str,
    map: &FieldMap,
) -> Vec<String> {
    let mut notes = Vec::new();
    for (field_id, stored) in stored {
        let spec = plan
            .fields
            .iter()
            .find(|f| f.object == object && f.origin == FieldOrigin::StamesField(field_id.clone()));
        let Some(spec) = spec else {
            if stored.is_filled() {
                notes.push(match plan.not_written.get(field_id) {
                    Some(reason) => {
                        format!("{reason}; its value {} was not migrated", display(stored))
                    }
                    None => format!(
                        "Stames field {field_id} has no Salesforce field; its value {} was not \
                         migrated",
                        display(stored)
                    ),
                });
            }
            continue;
        };
        let converted = match &spec.row {
            Some(row) => match land_custom_value(map, row, stored) {
                Landing::Write { value, note, .. } => {
                    notes.extend(note);
                    value.to_field_value()
                }
                Landing::Empty => continue,
                Landing::Skip { reason } => {
                    notes.push(reason);
                    continue;
                }
                Landing::Reject(error) => {
                    notes.push(error.to_string());
                    continue;
                }
            },
            None => stored.clone(),
        };
        match value(spec, &converted) {
            Ok(Some(mapped)) => {
                if let Some(note) = mapped.note {
                    notes.push(format!("{}: {note}", spec.api_name));
                }
                record.insert(spec.api_name.clone(), mapped.value);
            }
            Ok(None) => {}
            Err(reason) => notes.push(format!("{} not written: {reason}", spec.api_name)),
        }
    }
    notes
}

/// A value as text: numbers without a trailing `.0`, lists joined with `, `.
pub fn as_text(value: &FieldValue) -> String {
    match value {
        FieldValue::Text(s) => s.clone(),
        FieldValue::Number(n) => number_text(*n),
        FieldValue::Bool(b) => b.to_string(),
        FieldValue::List(items) => items.join(", "),
    }
}

fn number_text(n: f64) -> String {
    if n.is_finite() && n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

/// `2024-03-05` from `2024-03-05` or an RFC 3339 instant (its UTC date).
pub fn iso_date(text: &str) -> Option<String> {
    let text = text.trim();
    if let Ok(date) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Some(date.format("%Y-%m-%d").to_string());
    }
    chrono::DateTime::parse_from_rfc3339(text).ok().map(|at| {
        at.with_timezone(&chrono::Utc)
            .format("%Y-%m-%d")
            .to_string()
    })
}

fn shape(value: &FieldValue) -> &'static str {
    match value {
        FieldValue::Bool(_) => "yes/no",
        FieldValue::Number(_) => "number",
        FieldValue::Text(_) => "text",
        FieldValue::List(_) => "list",
    }
}

fn display(value: &FieldValue) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| format!("{value:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::map::schema::{FieldSpec, SchemaInput};
    use deskshift_core::model::{CustomFieldDef, FieldObject, FieldType};
    use proptest::prelude::*;
    use std::collections::HashMap;

    fn plan_with(field_type: FieldType, options: &[&str]) -> SchemaPlan {
        let defs = [CustomFieldDef {
            id: "4".into(),
            object: FieldObject::Ticket,
            key: "k".into(),
            label: "Field".into(),
            field_type,
            options: options.iter().map(|o| o.to_string()).collect(),
            required: false,
        }];
        crate::map::schema::plan(&SchemaInput {
            field_defs: &defs,
            object_defs: &[],
            tags: &[],
            channels: &[],
            observed: &HashMap::new(),
        })
    }

    fn spec(field_type: FieldType, options: &[&str]) -> FieldSpec {
        plan_with(field_type, options)
            .field_for("4")
            .unwrap()
            .clone()
    }

    fn ok(spec: &FieldSpec, v: FieldValue) -> Value {
        value(spec, &v).unwrap().unwrap().value
    }

    #[test]
    fn values_are_converted_to_their_field() {
        let number = spec(FieldType::Number, &[]);
        assert_eq!(ok(&number, FieldValue::Number(12.5)), json!(12.5));
        assert_eq!(ok(&number, FieldValue::Text(" 7 ".into())), json!(7.0));
        assert!(value(&number, &FieldValue::Text("seven".into())).is_err());
        assert!(value(&number, &FieldValue::Number(f64::NAN)).is_err());
        let text = spec(FieldType::Text, &[]);
        assert_eq!(ok(&text, FieldValue::Number(12.0)), json!("12"));
        assert!(value(&text, &FieldValue::Text("  ".into()))
            .unwrap()
            .is_none());
        let long = value(&text, &FieldValue::Text("x".repeat(300)))
            .unwrap()
            .unwrap();
        assert_eq!(long.value.as_str().unwrap().len(), 255);
        assert!(long.note.is_some());
        let date = spec(FieldType::Date, &[]);
        assert_eq!(
            ok(&date, FieldValue::Text("2024-03-05".into())),
            json!("2024-03-05")
        );
        assert_eq!(
            ok(&date, FieldValue::Text("2024-03-05T23:30:00-02:00".into())),
            json!("2024-03-06")
        );
        assert!(value(&date, &FieldValue::Text("next week".into())).is_err());
        let boolean = spec(FieldType::Boolean, &[]);
        assert_eq!(ok(&boolean, FieldValue::Text("Yes".into())), json!(true));
        assert!(value(&boolean, &FieldValue::Number(1.0)).is_err());
    }

    #[test]
    fn multi_selects_are_one_semicolon_joined_string() {
        let multi = spec(FieldType::MultiSelect, &["red", "blue"]);
        let list = FieldValue::List(vec!["red".into(), "blue".into(), "red".into(), " ".into()]);
        assert_eq!(ok(&multi, list), json!("red;blue"));
        assert_eq!(ok(&multi, FieldValue::Text("a;b".into())), json!("a;b"));
        let mut restricted = multi.clone();
        restricted.restricted = true;
        let mixed = value(
            &restricted,
            &FieldValue::List(vec!["red".into(), "pink".into()]),
        )
        .unwrap()
        .unwrap();
        assert_eq!(mixed.value, json!("red"));
        assert!(mixed.note.unwrap().contains("pink"));
        assert!(value(&restricted, &FieldValue::List(vec!["pink".into()])).is_err());
    }

    #[test]
    fn picklists_accept_drifted_values_unless_restricted() {
        let select = spec(FieldType::Select, &["gold"]);
        assert_eq!(
            ok(&select, FieldValue::Text("bronze".into())),
            json!("bronze")
        );
        let mut restricted = select.clone();
        restricted.restricted = true;
        assert!(value(&restricted, &FieldValue::Text("bronze".into())).is_err());
        assert_eq!(
            ok(&restricted, FieldValue::Text(" gold ".into())),
            json!("gold")
        );
    }

    #[test]
    fn apply_writes_known_fields_and_notes_the_rest() {
        let plan = plan_with(FieldType::Number, &[]);
        let api = plan.field_for("4").unwrap().api_name.clone();
        let mut stored = BTreeMap::new();
        stored.insert("4".to_string(), FieldValue::Text("oops".into()));
        stored.insert("9".to_string(), FieldValue::Text("orphan".into()));
        let mut record = Record::new();
        let map = crate::map::standard_map();
        let notes = apply(&mut record, &stored, &plan, "Case", &map);
        assert!(record.is_empty());
        assert_eq!(notes.len(), 2, "{notes:?}");
        stored.insert("4".to_string(), FieldValue::Number(4.0));
        let notes = apply(&mut record, &stored, &plan, "Case", &map);
        assert_eq!(record[&api], json!(4.0));
        assert_eq!(notes.len(), 1);
        let mut contact = Record::new();
        apply(
            &mut contact,
            &stored,
            &plan,
            "Contact",
            &crate::map::standard_map(),
        );
        assert!(contact.is_empty());
    }

    proptest! {
        #[test]
        fn no_value_panics_any_field(text in any::<String>(), n in any::<f64>(), b in any::<bool>(), list in proptest::collection::vec(any::<String>(), 0..5)) {
            for field_type in [FieldType::Text, FieldType::Number, FieldType::Date, FieldType::Boolean, FieldType::Select, FieldType::MultiSelect] {
                let spec = spec(field_type, &["a"]);
                for v in [FieldValue::Text(text.clone()), FieldValue::Number(n), FieldValue::Bool(b), FieldValue::List(list.clone())] {
                    if let Ok(Some(mapped)) = value(&spec, &v) {
                        prop_assert!(!mapped.value.is_array());
                    }
                }
            }
        }
    }
}
