//! Profiling custom field values: how full a field is and what its values look
//! like, so the mapper (and the operator) can see a "text" field that only ever
//! holds dates, or a select whose values drifted from its options.
//!
//! Besides shapes it keeps what the field map proposes types from: the
//! longest value, the most decimals, how many distinct values there are (up
//! to [`DISTINCT_CAP`], so memory stays flat) and a few samples.

use super::scope::{FieldProfile, DISTINCT_CAP};
use crate::model::{CustomFieldDef, FieldType, FieldValue, SourceId};
use std::collections::{BTreeMap, BTreeSet};

/// Samples kept per field.
pub const SAMPLES: usize = 5;

/// Longest sample kept, in characters.
const SAMPLE_CHARS: usize = 80;

/// Accumulates one profile per field definition.
pub struct FieldProfiler {
    profiles: BTreeMap<SourceId, FieldProfile>,
    /// Distinct values per field, up to [`DISTINCT_CAP`].
    seen: BTreeMap<SourceId, BTreeSet<String>>,
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
                    max_length: 0,
                    max_decimals: 0,
                    distinct: 0,
                    distinct_capped: false,
                    samples: Vec::new(),
                };
                (def.id.clone(), profile)
            })
            .collect();
        FieldProfiler {
            profiles,
            seen: BTreeMap::new(),
        }
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
            let text = display_text(value);
            profile.max_length = profile.max_length.max(text.chars().count() as u64);
            if let FieldValue::Number(n) = value {
                profile.max_decimals = profile.max_decimals.max(decimals(*n));
            }
            let seen = self.seen.entry(profile.id.clone()).or_default();
            for item in distinct_items(value) {
                if seen.contains(&item) {
                    continue;
                }
                if seen.len() as u64 >= DISTINCT_CAP {
                    profile.distinct_capped = true;
                    break;
                }
                if profile.samples.len() < SAMPLES {
                    profile.samples.push(shorten(&item));
                }
                seen.insert(item);
            }
            profile.distinct = seen.len() as u64;
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
    } else if looks_like_phone(text) {
        "phone"
    } else if text.parse::<f64>().is_ok_and(f64::is_finite) {
        "number"
    } else if parse_yes_no(text).is_some() {
        "boolean"
    } else if text.starts_with("http://") || text.starts_with("https://") {
        "url"
    } else if looks_like_email(text) {
        "email"
    } else {
        "text"
    }
}

/// `true`/`false`/`yes`/`no` in any case: how people type a flag into a
/// text field. (`1`/`0` are numbers first.)
pub fn parse_yes_no(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" => Some(true),
        "false" | "no" => Some(false),
        _ => None,
    }
}

/// A phone number as people write one: a leading `+` or separators
/// (spaces, dashes, dots, parentheses) between 7 to 15 digits. A bare run
/// of digits is a number, not a phone.
pub fn looks_like_phone(text: &str) -> bool {
    let digits = text.chars().filter(char::is_ascii_digit).count();
    let allowed = text
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '.' | '(' | ')'));
    let separated =
        text.starts_with('+') || text.contains([' ', '-', '(']) && !text.starts_with('-');
    allowed
        && separated
        && (7..=15).contains(&digits)
        && text
            .chars()
            .next()
            .is_some_and(|c| c == '+' || c == '(' || c.is_ascii_digit())
        && text.matches('+').count() <= 1
}

pub fn looks_like_email(text: &str) -> bool {
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

/// A value as one line of text: numbers without a trailing `.0`, lists
/// joined with `, `.
pub fn display_text(value: &FieldValue) -> String {
    match value {
        FieldValue::Text(text) => text.trim().to_string(),
        FieldValue::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
        FieldValue::Number(n) => n.to_string(),
        FieldValue::Bool(b) => b.to_string(),
        FieldValue::List(items) => items.join(", "),
    }
}

/// The values a field holds for distinct counting: each list item alone.
fn distinct_items(value: &FieldValue) -> Vec<String> {
    match value {
        FieldValue::List(items) => items.iter().map(|i| i.trim().to_string()).collect(),
        other => vec![display_text(other)],
    }
}

fn decimals(n: f64) -> u32 {
    if !n.is_finite() {
        return 0;
    }
    let text = n.to_string();
    text.split_once('.').map_or(0, |(_, d)| d.len() as u32)
}

fn shorten(text: &str) -> String {
    match text.char_indices().nth(SAMPLE_CHARS) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
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
        assert_eq!(shape_of(&FieldValue::Text("Yes".into())), "boolean");
        assert_eq!(shape_of(&FieldValue::Text("no".into())), "boolean");
        assert_eq!(shape_of(&FieldValue::Text("48213".into())), "number");
        assert_eq!(
            shape_of(&FieldValue::Text("+44 7700 900123".into())),
            "phone"
        );
        assert_eq!(
            shape_of(&FieldValue::Text("(202) 555-0143".into())),
            "phone"
        );
        assert_eq!(shape_of(&FieldValue::Text("+4477009001".into())), "phone");
        assert_eq!(shape_of(&FieldValue::Text("-12.5".into())), "number");
        assert_eq!(shape_of(&FieldValue::Text("12 apples".into())), "text");
    }

    #[test]
    fn lengths_decimals_distinct_values_and_samples_are_kept_bounded() {
        let defs = [
            def("1", FieldType::Text, &[]),
            def("2", FieldType::Number, &[]),
        ];
        let mut profiler = FieldProfiler::new(&defs);
        for i in 0..200 {
            let mut values = BTreeMap::new();
            values.insert("1".to_string(), FieldValue::Text(format!("v{}", i % 70)));
            values.insert("2".to_string(), FieldValue::Number(f64::from(i % 3) + 0.25));
            profiler.observe(FieldObject::Ticket, &values);
        }
        let profiles = profiler.finish();
        let text = &profiles[0];
        assert_eq!(text.distinct, DISTINCT_CAP);
        assert!(text.distinct_capped);
        assert_eq!(text.samples, ["v0", "v1", "v2", "v3", "v4"]);
        assert_eq!(text.max_length, 3);
        let number = &profiles[1];
        assert_eq!((number.distinct, number.distinct_capped), (3, false));
        assert_eq!(number.max_decimals, 2);
        assert_eq!(number.samples, ["0.25", "1.25", "2.25"]);
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
