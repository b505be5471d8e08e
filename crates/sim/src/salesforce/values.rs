//! Turning a client's value into the stored value of a field, or the
//! error the platform answers.
//!
//! Values arrive as JSON (REST, Composite) or as CSV text (Bulk API 2.0).
//! Stored forms: text as strings, booleans, numbers, dates `YYYY-MM-DD`,
//! date-times `YYYY-MM-DDThh:mm:ss.000+0000` (the platform's output form),
//! ids in their 18-character form, multi-select values `;`-joined.
//!
//! Documented behaviours: a multi-select picklist takes one `;`-joined
//! string and a JSON array is a `JSON_PARSER_ERROR` ("Cannot deserialize
//! instance of multipicklist from START_ARRAY value"); a restricted picklist
//! refuses unknown values with `INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST`;
//! too long text is `STRING_TOO_LONG`. In Bulk CSV `#N/A` is null and an
//! empty cell is "leave as is".

use super::errors::SfError;
use super::ids;
use super::schema::{FieldDef, FieldType};
use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};
use serde_json::{Number, Value};

/// Where a value came from: JSON values are typed, CSV values are text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Json,
    Csv,
}

/// `now` in the platform's date-time form.
pub fn format_datetime(t: DateTime<Utc>) -> String {
    let s = t.to_rfc3339_opts(SecondsFormat::Millis, true);
    // 2024-01-02T03:04:05.000Z -> 2024-01-02T03:04:05.000+0000
    s.trim_end_matches('Z').to_string() + "+0000"
}

/// Parses the date-time forms the API accepts (ISO 8601 with `Z`, `+hh:mm`
/// or `+hhmm`, with or without fractions; a bare date is midnight UTC).
pub fn parse_datetime(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%dT%H:%M:%S%z"] {
        if let Ok(t) = DateTime::parse_from_str(text, format) {
            return Some(t.with_timezone(&Utc));
        }
    }
    if let Ok(t) = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f") {
        return Some(t.and_utc());
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Array(_) => "START_ARRAY",
        Value::Object(_) => "START_OBJECT",
        Value::String(_) => "VALUE_STRING",
        Value::Number(_) => "VALUE_NUMBER",
        Value::Bool(_) => "VALUE_TRUE",
        Value::Null => "VALUE_NULL",
    }
}

fn wrong_type(field: &FieldDef, value: &Value, source: Source) -> SfError {
    match source {
        Source::Json => SfError::json_parser(format!(
            "Cannot deserialize instance of {} from {} value {} or request may be missing a required field",
            field.kind.describe_name(),
            json_type(value),
            value
        )),
        Source::Csv => SfError::bad(
            "INVALID_TYPE_ON_FIELD_IN_RECORD",
            format!("{}: value not of required type: {}", field.label, as_text(value)),
        )
        .with_fields([field.name.as_str()]),
    }
}

fn as_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Some(true),
        "false" | "0" | "no" => Some(false),
        _ => None,
    }
}

/// The stored value of `field` for the client's `value`. `Value::Null`
/// stays null (the caller checks required fields).
pub fn coerce(field: &FieldDef, value: &Value, source: Source) -> Result<Value, SfError> {
    if value.is_null() {
        return Ok(Value::Null);
    }
    // Arrays and objects never fit a scalar field.
    if (value.is_array() || value.is_object()) && field.kind != FieldType::Any {
        return Err(wrong_type(field, value, source));
    }
    let stored = match field.kind {
        FieldType::Any => value.clone(),
        FieldType::Boolean => match value {
            Value::Bool(b) => Value::Bool(*b),
            Value::String(s) => parse_bool(s)
                .map(Value::Bool)
                .ok_or_else(|| wrong_type(field, value, source))?,
            _ => return Err(wrong_type(field, value, source)),
        },
        FieldType::Double | FieldType::Int => {
            let n = match value {
                Value::Number(n) => n.as_f64(),
                Value::String(s) => s.trim().parse::<f64>().ok(),
                _ => None,
            }
            .filter(|f| f.is_finite())
            .ok_or_else(|| wrong_type(field, value, source))?;
            if field.kind == FieldType::Int {
                Value::from(n as i64)
            } else {
                Number::from_f64(n)
                    .map(Value::Number)
                    .unwrap_or(Value::Null)
            }
        }
        FieldType::Date => {
            let text = value
                .as_str()
                .ok_or_else(|| wrong_type(field, value, source))?;
            let date = NaiveDate::parse_from_str(text.get(..10).unwrap_or(text), "%Y-%m-%d")
                .map_err(|_| wrong_type(field, value, source))?;
            Value::String(date.format("%Y-%m-%d").to_string())
        }
        FieldType::Datetime => {
            let text = value
                .as_str()
                .ok_or_else(|| wrong_type(field, value, source))?;
            let t = parse_datetime(text).ok_or_else(|| wrong_type(field, value, source))?;
            Value::String(format_datetime(t))
        }
        FieldType::Id | FieldType::Reference => {
            let text = as_text(value);
            if text.is_empty() {
                return Ok(Value::Null);
            }
            let id = ids::normalize(text.trim()).ok_or_else(|| {
                SfError::bad(
                    "MALFORMED_ID",
                    format!("{}: id value of incorrect type: {text}", field.label),
                )
                .with_fields([field.name.as_str()])
            })?;
            Value::String(id)
        }
        FieldType::Base64 => Value::String(as_text(value)),
        _ => Value::String(as_text(value)),
    };
    if let Value::String(text) = &stored {
        check_text(field, text)?;
    }
    Ok(stored)
}

/// Length, e-mail shape and picklist membership of a text value.
fn check_text(field: &FieldDef, text: &str) -> Result<(), SfError> {
    if field.kind.is_text() && field.length > 0 {
        let size = if field.length_in_bytes {
            text.len()
        } else {
            text.chars().count()
        };
        if size > field.length as usize {
            let shown: String = text.chars().take(40).collect();
            return Err(SfError::bad(
                "STRING_TOO_LONG",
                format!(
                    "{}: data value too large: {shown} (max length={})",
                    field.label, field.length
                ),
            )
            .with_fields([field.name.as_str()]));
        }
    }
    match field.kind {
        FieldType::Email if !text.is_empty() => {
            let ok = text
                .split_once('@')
                .is_some_and(|(a, b)| !a.is_empty() && b.contains('.') && !text.contains(' '));
            if !ok {
                return Err(SfError::bad(
                    "INVALID_EMAIL_ADDRESS",
                    format!("{}: invalid email address: {text}", field.label),
                )
                .with_fields([field.name.as_str()]));
            }
        }
        FieldType::Picklist if field.restricted && !field.has_value(text) => {
            return Err(bad_picklist(field, text));
        }
        FieldType::Multipicklist if field.restricted => {
            if let Some(bad) = text
                .split(';')
                .map(str::trim)
                .find(|v| !v.is_empty() && !field.has_value(v))
            {
                return Err(bad_picklist(field, bad));
            }
        }
        _ => {}
    }
    Ok(())
}

fn bad_picklist(field: &FieldDef, value: &str) -> SfError {
    SfError::bad(
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        format!(
            "{}: bad value for restricted picklist field: {value}",
            field.label
        ),
    )
    .with_fields([field.name.as_str()])
}

/// A CSV cell as a JSON value: `#N/A` is null, anything else text.
pub fn csv_cell(cell: &str) -> Option<Value> {
    match cell {
        "" => None,
        "#N/A" => Some(Value::Null),
        text => Some(Value::String(text.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetimes_take_the_platform_form() {
        let t = parse_datetime("2024-01-02T03:04:05Z").unwrap();
        assert_eq!(format_datetime(t), "2024-01-02T03:04:05.000+0000");
        assert!(parse_datetime("2024-01-02T03:04:05.123+0200").is_some());
        assert!(parse_datetime("yesterday").is_none());
    }

    #[test]
    fn multipicklist_arrays_are_parser_errors() {
        let f =
            FieldDef::new("Tags__c", "Tags", FieldType::Multipicklist).picklist(&["a", "b"], true);
        let e = coerce(&f, &serde_json::json!(["a"]), Source::Json).unwrap_err();
        assert_eq!(e.code, "JSON_PARSER_ERROR");
        assert!(coerce(&f, &serde_json::json!("a;b"), Source::Json).is_ok());
        let e = coerce(&f, &serde_json::json!("a;c"), Source::Json).unwrap_err();
        assert_eq!(e.code, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST");
    }
}
