//! Small value conversions shared by several record kinds.

use super::Checker;
use crate::api::wire::WireFieldValue;
use deskshift_core::model::{Channel, FieldValue, SourceId};
use deskshift_core::source::Reject;
use serde_json::Value;
use std::collections::BTreeMap;

/// A channel name as Stames spells it; anything unknown is kept verbatim.
pub(crate) fn channel(name: &str) -> Channel {
    match name.trim().to_ascii_lowercase().as_str() {
        "facebook" => Channel::Facebook,
        "instagram" => Channel::Instagram,
        "whatsapp" => Channel::Whatsapp,
        "email" => Channel::Email,
        "api" => Channel::Api,
        "contact_form" => Channel::ContactForm,
        _ => Channel::Other(name.to_string()),
    }
}

/// Custom field values keyed by field id; unset (`null`) values are left out.
pub(crate) fn custom_fields(
    check: &Checker<'_>,
    values: Vec<WireFieldValue>,
) -> Result<BTreeMap<SourceId, FieldValue>, Reject> {
    let mut out = BTreeMap::new();
    for WireFieldValue { field_id, value } in values {
        let field = format!("custom_fields.{field_id}");
        if let Some(value) = field_value(check, &field, value)? {
            out.insert(field_id.to_string(), value);
        }
    }
    Ok(out)
}

/// Custom object record values keyed by field key.
pub(crate) fn record_values(
    check: &Checker<'_>,
    values: serde_json::Map<String, Value>,
) -> Result<BTreeMap<String, FieldValue>, Reject> {
    let mut out = BTreeMap::new();
    for (key, value) in values {
        let field = format!("values.{key}");
        if let Some(value) = field_value(check, &field, value)? {
            out.insert(key, value);
        }
    }
    Ok(out)
}

/// One stored value, keeping its JSON type; `None` for `null`.
fn field_value(
    check: &Checker<'_>,
    field: &str,
    value: Value,
) -> Result<Option<FieldValue>, Reject> {
    let unsupported = |what: &str| {
        check.reject(
            field,
            format!("holds {what}, which no custom field type stores"),
            "a custom field holds text, a number, true/false or a list of texts; fix the value \
             in Stames",
        )
    };
    Ok(Some(match value {
        Value::Null => return Ok(None),
        Value::Bool(b) => FieldValue::Bool(b),
        // Every JSON number fits an f64 (serde_json's default features).
        Value::Number(n) => FieldValue::Number(
            n.as_f64()
                .ok_or_else(|| unsupported("a number out of range"))?,
        ),
        Value::String(s) => FieldValue::Text(s),
        Value::Array(items) => FieldValue::List(
            items
                .into_iter()
                .map(|item| match item {
                    Value::String(s) => Ok(s),
                    _ => Err(unsupported("a list with something other than text in it")),
                })
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(_) => return Err(unsupported("a nested object")),
    }))
}
