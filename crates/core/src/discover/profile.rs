//! Profiling custom field values: how full a field is and what its values look
//! like, so the mapper (and the operator) can see a "text" field that only ever
//! holds dates, or a select whose values drifted from its options.

use super::scope::FieldProfile;
use crate::model::{CustomFieldDef, FieldType, FieldValue, SourceId};
use std::collections::BTreeMap;

/// Accumulates one profile per field definition.
pub struct FieldProfiler {
    profiles: BTreeMap<SourceId, FieldProfile>,
}

impl FieldProfiler {
    pub fn new(defs: &[CustomFieldDef]) -> FieldProfiler {
        let profiles = defs
            .iter()
            .map(|def| {
                let profile = FieldProfile {
                    id: def.id.clone(),
                    object: def.object,
                    key: def.key.clone(),
                    label: def.label.clone(),
                    field_type: def.field_type,
                    options: def.options.clone(),
                    required: def.required,
                    records: 0,
                    filled: 0,
                    fill_rate: 0.0,
                    value_shapes: BTreeMap::new(),
                    type_mismatches: 0,
                    unknown_options: 0,
                };
                (def.id.clone(), profile)
            })
            .collect();
        FieldProfiler { profiles }
    }

    /// Observes one record of `object` and its custom field values.
    pub fn observe(
        &mut self,
        object: crate::model::FieldObject,
        values: &BTreeMap<SourceId, FieldValue>,
    ) {
        for profile in self.profiles.values_mut().filter(|p| p.object == object) {
            profile.records += 1;
            let Some(value) = values.get(&profile.id).filter(|v| v.is_filled()) else {
                continue;
            };
            profile.filled += 1;
            let shape = shape_of(value);
            *profile.value_shapes.entry(shape.to_string()).or_default() += 1;
            if !fits(profile.field_type, shape) {
                profile.type_mismatches += 1;
            }
            profile.unknown_options += unknown_options(profile, value);
        }
    }

    pub fn finish(self) -> Vec<FieldProfile> {
        self.profiles
            .into_values()
            .map(|mut p| {
                p.fill_rate = if p.records == 0 {
                    0.0
                } else {
                    p.filled as f64 / p.records as f64
                };
                p
            })
            .collect()
    }
}

/// The shape of a single value, most specific first.
pub fn shape_of(value: &FieldValue) -> &'static str {
    match value {
        FieldValue::Bool(_) => "boolean",
        FieldValue::Number(_) => "number",
        FieldValue::List(_) => "list",
        FieldValue::Text(text) => text_shape(text.trim()),
    }
}

fn text_shape(text: &str) -> &'static str {
    if chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok()
        || chrono::DateTime::parse_from_rfc3339(text).is_ok()
    {
        "date"
    } else if text.parse::<f64>().is_ok_and(f64::is_finite) {
        "number"
    } else if matches!(text.to_ascii_lowercase().as_str(), "true" | "false") {
        "boolean"
    } else if text.starts_with("http://") || text.starts_with("https://") {
        "url"
    } else if looks_like_email(text) {
        "email"
    } else {
        "text"
    }
}

fn looks_like_email(text: &str) -> bool {
    match text.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !text.contains(char::is_whitespace)
                && !domain.contains('@')
        }
        None => false,
    }
}

/// Whether a value of `shape` can be stored in a field of `field_type` unchanged.
fn fits(field_type: FieldType, shape: &str) -> bool {
    match field_type {
        FieldType::Text => shape != "list",
        FieldType::Number => shape == "number",
        FieldType::Date => shape == "date",
        FieldType::Boolean => shape == "boolean",
        FieldType::Select => shape != "list",
        FieldType::MultiSelect => shape == "list",
    }
}

fn unknown_options(profile: &FieldProfile, value: &FieldValue) -> u64 {
    if !matches!(
        profile.field_type,
        FieldType::Select | FieldType::MultiSelect
    ) {
        return 0;
    }
    let known = |v: &str| profile.options.iter().any(|o| o == v);
    match value {
        FieldValue::Text(v) => u64::from(!known(v)),
        FieldValue::List(items) => items.iter().filter(|v| !known(v)).count() as u64,
        FieldValue::Bool(_) | FieldValue::Number(_) => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FieldObject;

    fn def(id: &str, field_type: FieldType, options: &[&str]) -> CustomFieldDef {
        CustomFieldDef {
            id: id.into(),
            object: FieldObject::Ticket,
            key: format!("f{id}"),
            label: format!("Field {id}"),
            field_type,
            options: options.iter().map(|s| s.to_string()).collect(),
            required: false,
        }
    }

    #[test]
    fn shapes_are_detected_from_text() {
        assert_eq!(shape_of(&FieldValue::Text("2024-02-29".into())), "date");
        assert_eq!(
            shape_of(&FieldValue::Text("2024-02-29T10:00:00Z".into())),
            "date"
        );
        assert_eq!(shape_of(&FieldValue::Text("12.5".into())), "number");
        assert_eq!(shape_of(&FieldValue::Text("TRUE".into())), "boolean");
        assert_eq!(shape_of(&FieldValue::Text("https://x.io".into())), "url");
        assert_eq!(shape_of(&FieldValue::Text("a@b.co".into())), "email");
        assert_eq!(shape_of(&FieldValue::Text("bob at example".into())), "text");
        assert_eq!(shape_of(&FieldValue::Text("NaN".into())), "text");
    }

    #[test]
    fn fill_rate_mismatches_and_unknown_options() {
        let defs = [
            def("1", FieldType::Text, &[]),
            def("2", FieldType::Select, &["gold", "silver"]),
            def("3", FieldType::Number, &[]),
        ];
        let mut profiler = FieldProfiler::new(&defs);
        let rec = |pairs: &[(&str, FieldValue)]| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect::<BTreeMap<_, _>>()
        };
        profiler.observe(
            FieldObject::Ticket,
            &rec(&[
                ("1", FieldValue::Text("2024-01-01".into())),
                ("2", FieldValue::Text("gold".into())),
                ("3", FieldValue::Text("many".into())),
            ]),
        );
        profiler.observe(
            FieldObject::Ticket,
            &rec(&[
                ("1", FieldValue::Text("  ".into())),
                ("2", FieldValue::Text("bronze".into())),
            ]),
        );
        profiler.observe(FieldObject::Customer, &rec(&[]));
        let profiles = profiler.finish();
        let text = &profiles[0];
        assert_eq!((text.records, text.filled), (2, 1));
        assert_eq!(text.fill_rate, 0.5);
        assert_eq!(text.value_shapes.get("date"), Some(&1));
        let select = &profiles[1];
        assert_eq!(select.unknown_options, 1);
        let number = &profiles[2];
        assert_eq!(number.type_mismatches, 1);
    }
}
