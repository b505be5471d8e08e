//! The type a custom field's values really have, from discovery's profile:
//! the declared type unless the values say otherwise. A "text" field whose
//! every value is a date is a date; a number field holding words is text.

use crate::discover::FieldProfile;
use crate::mapping::model::{Origin, ValueType};
use crate::model::FieldType;

/// Text longer than this needs a long-text field.
pub const SHORT_TEXT: u64 = 255;

/// The proposed type of a field, how sure, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Inferred {
    pub value_type: ValueType,
    /// 0 to 1: how well the values support the type.
    pub confidence: f64,
    /// [`Origin::ValueProfile`] when the values changed the declared type.
    pub origin: Origin,
    /// One clause for the row's reason, e.g. `every one of 140 values is a date`.
    pub evidence: String,
}

/// Confidence from how many values were seen.
fn by_volume(filled: u64) -> f64 {
    match filled {
        0 => 0.5,
        1..=4 => 0.65,
        5..=19 => 0.8,
        _ => 0.9,
    }
}

/// The value type a filled value's shape stands for, when it is a type a
/// text field could be retyped to.
fn shape_type(shape: &str) -> Option<ValueType> {
    match shape {
        "date" => Some(ValueType::Date),
        "number" => Some(ValueType::Number),
        "boolean" => Some(ValueType::Boolean),
        "email" => Some(ValueType::Email),
        "phone" => Some(ValueType::Phone),
        "url" => Some(ValueType::Url),
        _ => None,
    }
}

pub fn infer(profile: &FieldProfile) -> Inferred {
    let declared = ValueType::of(profile.field_type);
    let filled = profile.filled;
    if filled == 0 {
        return Inferred {
            value_type: declared,
            confidence: 0.5,
            origin: Origin::BuiltIn,
            evidence: format!(
                "no values in the source, so the declared type ({}) is kept unchecked",
                profile.field_type.as_str()
            ),
        };
    }
    let only_shape = (profile.value_shapes.len() == 1)
        .then(|| profile.value_shapes.keys().next().map(String::as_str))
        .flatten();
    match profile.field_type {
        FieldType::Text => {
            if let Some(retyped) = only_shape.and_then(shape_type) {
                return Inferred {
                    value_type: retyped,
                    confidence: by_volume(filled),
                    origin: Origin::ValueProfile,
                    evidence: format!(
                        "declared text, but every one of its {filled} values is {}",
                        article(retyped)
                    ),
                };
            }
            let long = profile.max_length > SHORT_TEXT;
            let mut evidence = format!(
                "text values ({}), up to {} characters",
                shapes(profile),
                profile.max_length
            );
            if !profile.distinct_capped && profile.distinct <= 10 && filled >= 30 {
                evidence.push_str(&format!(
                    "; only {} distinct values, so a dropdown could hold them",
                    profile.distinct
                ));
            }
            Inferred {
                value_type: if long {
                    ValueType::LongText
                } else {
                    ValueType::Text
                },
                confidence: by_volume(filled).max(0.8),
                origin: if long {
                    Origin::ValueProfile
                } else {
                    Origin::BuiltIn
                },
                evidence,
            }
        }
        _ if profile.type_mismatches > 0 => Inferred {
            value_type: ValueType::Text,
            confidence: 0.6,
            origin: Origin::ValueProfile,
            evidence: format!(
                "declared {}, but {} of its {filled} values do not fit ({}); kept as text so none is lost",
                profile.field_type.as_str(),
                profile.type_mismatches,
                shapes(profile)
            ),
        },
        FieldType::Select | FieldType::MultiSelect if profile.unknown_options > 0 => Inferred {
            value_type: declared,
            confidence: 0.8,
            origin: Origin::BuiltIn,
            evidence: format!(
                "{} values are not among its {} declared options",
                profile.unknown_options,
                profile.options.len()
            ),
        },
        _ => Inferred {
            value_type: declared,
            confidence: (by_volume(filled) + 0.05).min(0.95),
            origin: Origin::BuiltIn,
            evidence: format!(
                "declared {} and all {filled} values fit",
                profile.field_type.as_str()
            ),
        },
    }
}

fn article(value_type: ValueType) -> &'static str {
    match value_type {
        ValueType::Date => "a date",
        ValueType::Number => "a number",
        ValueType::Boolean => "yes/no",
        ValueType::Email => "an e-mail address",
        ValueType::Phone => "a phone number",
        ValueType::Url => "a URL",
        _ => "of one type",
    }
}

/// `date 12, text 3`.
fn shapes(profile: &FieldProfile) -> String {
    profile
        .value_shapes
        .iter()
        .map(|(shape, n)| format!("{shape} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::FieldObject;
    use std::collections::BTreeMap;

    pub(crate) fn profile(
        key: &str,
        label: &str,
        field_type: FieldType,
        shapes: &[(&str, u64)],
    ) -> FieldProfile {
        let filled = shapes.iter().map(|(_, n)| n).sum();
        FieldProfile {
            id: key.into(),
            object: FieldObject::Ticket,
            key: key.into(),
            label: label.into(),
            field_type,
            options: Vec::new(),
            required: false,
            records: filled * 2,
            filled,
            fill_rate: 0.5,
            value_shapes: shapes
                .iter()
                .map(|(s, n)| (s.to_string(), *n))
                .collect::<BTreeMap<_, _>>(),
            type_mismatches: 0,
            unknown_options: 0,
            max_length: 10,
            max_decimals: 0,
            distinct: filled.min(50),
            distinct_capped: filled > 50,
            samples: Vec::new(),
        }
    }

    #[test]
    fn text_holding_one_kind_of_value_is_retyped() {
        for (shape, expected) in [
            ("date", ValueType::Date),
            ("number", ValueType::Number),
            ("boolean", ValueType::Boolean),
            ("email", ValueType::Email),
        ] {
            let inferred = infer(&profile("f", "F", FieldType::Text, &[(shape, 40)]));
            assert_eq!(inferred.value_type, expected, "{shape}");
            assert_eq!(inferred.origin, Origin::ValueProfile);
            assert!(inferred.confidence >= 0.9);
        }
    }

    #[test]
    fn mixed_text_stays_text_and_long_text_is_long() {
        let mixed = infer(&profile(
            "f",
            "F",
            FieldType::Text,
            &[("number", 5), ("text", 5)],
        ));
        assert_eq!(mixed.value_type, ValueType::Text);
        assert_eq!(mixed.origin, Origin::BuiltIn);
        let mut long = profile("f", "F", FieldType::Text, &[("text", 5)]);
        long.max_length = 4000;
        assert_eq!(infer(&long).value_type, ValueType::LongText);
    }

    #[test]
    fn declared_types_hold_unless_values_do_not_fit() {
        let good = infer(&profile("f", "F", FieldType::Number, &[("number", 30)]));
        assert_eq!(good.value_type, ValueType::Number);
        let mut bad = profile("f", "F", FieldType::Number, &[("number", 30), ("text", 2)]);
        bad.type_mismatches = 2;
        let bad = infer(&bad);
        assert_eq!(bad.value_type, ValueType::Text);
        assert!(bad.evidence.contains("2 of its 32"), "{}", bad.evidence);
        let empty = infer(&profile("f", "F", FieldType::Date, &[]));
        assert_eq!((empty.value_type, empty.confidence), (ValueType::Date, 0.5));
    }
}
