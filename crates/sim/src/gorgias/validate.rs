//! Readers for JSON request bodies that collect every problem at once.
//!
//! Gorgias answers a bad body with *all* field errors (marshmallow collects
//! them), and rejects unknown fields (ERR: "unknown parameters were
//! specified"). serde's derive stops at the first error and cannot say which
//! nested field failed, so bodies are read by hand: each reader looks at one
//! key, records a message in [`FieldErrors`] when the value is wrong, and
//! returns what it could read. Callers check the errors before they change
//! anything.

use super::errors::FieldErrors;
use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::{Map, Value};

pub const MISSING: &str = "Missing data for required field.";
pub const NULL: &str = "Field may not be null.";
pub const UNKNOWN: &str = "Unknown field.";
pub const NOT_STRING: &str = "Not a valid string.";
pub const NOT_BOOL: &str = "Not a valid boolean.";
pub const NOT_INTEGER: &str = "Not a valid integer.";
pub const NOT_NUMBER: &str = "Not a valid number.";
pub const NOT_DATETIME: &str = "Not a valid datetime.";
pub const NOT_OBJECT: &str = "Invalid input type.";
pub const NOT_LIST: &str = "Not a valid list.";
pub const NOT_EMAIL: &str = "Not a valid email address.";

/// A key of a JSON object as the client sent it.
#[derive(Debug, Clone, PartialEq)]
pub enum Field<T> {
    /// The key is not there (or its value was invalid; see the errors).
    Absent,
    /// The key is there with `null`.
    Null,
    Set(T),
}

impl<T> Field<T> {
    /// The value, treating `null` like an absent key.
    pub fn value(self) -> Option<T> {
        match self {
            Field::Set(v) => Some(v),
            Field::Absent | Field::Null => None,
        }
    }

    pub fn is_absent(&self) -> bool {
        matches!(self, Field::Absent)
    }

    /// For updates: `None` = leave as is, `Some(None)` = clear, `Some(Some(v))` = set.
    pub fn update(self) -> Option<Option<T>> {
        match self {
            Field::Absent => None,
            Field::Null => Some(None),
            Field::Set(v) => Some(Some(v)),
        }
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Field<U> {
        match self {
            Field::Absent => Field::Absent,
            Field::Null => Field::Null,
            Field::Set(v) => Field::Set(f(v)),
        }
    }
}

/// The body as an object, or a `_schema` error.
pub fn body_object<'a>(
    body: &'a Value,
    errors: &mut FieldErrors,
) -> Option<&'a Map<String, Value>> {
    match body {
        Value::Object(map) => Some(map),
        _ => {
            errors.add("_schema", NOT_OBJECT);
            None
        }
    }
}

/// Records `Unknown field.` for every key not in `allowed`.
pub fn reject_unknown(obj: &Map<String, Value>, allowed: &[&str], errors: &mut FieldErrors) {
    for key in obj.keys() {
        if !allowed.contains(&key.as_str()) {
            errors.add(key.clone(), UNKNOWN);
        }
    }
}

fn raw<'a>(obj: &'a Map<String, Value>, key: &str) -> Field<&'a Value> {
    match obj.get(key) {
        None => Field::Absent,
        Some(Value::Null) => Field::Null,
        Some(v) => Field::Set(v),
    }
}

/// Length rules for strings, counted in characters.
#[derive(Debug, Clone, Copy)]
pub struct Len {
    pub min: usize,
    pub max: usize,
}

impl Len {
    pub const fn max(max: usize) -> Len {
        Len { min: 0, max }
    }

    pub const fn between(min: usize, max: usize) -> Len {
        Len { min, max }
    }

    fn check(&self, text: &str) -> Option<String> {
        let n = text.chars().count();
        if n >= self.min && n <= self.max {
            None
        } else if self.min == 0 {
            Some(format!("Longer than maximum length {}.", self.max))
        } else {
            Some(format!(
                "Length must be between {} and {}.",
                self.min, self.max
            ))
        }
    }
}

/// An optional string (any length when `len` is `None`).
pub fn string(
    obj: &Map<String, Value>,
    key: &str,
    len: Option<Len>,
    errors: &mut FieldErrors,
) -> Field<String> {
    match raw(obj, key) {
        Field::Absent => Field::Absent,
        Field::Null => Field::Null,
        Field::Set(Value::String(s)) => {
            if let Some(message) = len.and_then(|l| l.check(s)) {
                errors.add(key, message);
                return Field::Absent;
            }
            Field::Set(s.clone())
        }
        Field::Set(_) => {
            errors.add(key, NOT_STRING);
            Field::Absent
        }
    }
}

/// A field that must be there and not null: `null` and a missing key are
/// each reported; an invalid value was reported by the reader already.
fn require<T>(
    field: Field<T>,
    obj: &Map<String, Value>,
    key: &str,
    errors: &mut FieldErrors,
) -> Option<T> {
    match field {
        Field::Set(value) => Some(value),
        Field::Null => {
            errors.add(key, NULL);
            None
        }
        Field::Absent => {
            if !obj.contains_key(key) {
                errors.add(key, MISSING);
            }
            None
        }
    }
}

/// A required, non-null string.
pub fn required_string(
    obj: &Map<String, Value>,
    key: &str,
    len: Option<Len>,
    errors: &mut FieldErrors,
) -> Option<String> {
    let field = string(obj, key, len, errors);
    require(field, obj, key, errors)
}

pub fn boolean(obj: &Map<String, Value>, key: &str, errors: &mut FieldErrors) -> Field<bool> {
    match raw(obj, key) {
        Field::Absent => Field::Absent,
        Field::Null => Field::Null,
        Field::Set(Value::Bool(b)) => Field::Set(*b),
        Field::Set(_) => {
            errors.add(key, NOT_BOOL);
            Field::Absent
        }
    }
}

pub fn required_bool(
    obj: &Map<String, Value>,
    key: &str,
    errors: &mut FieldErrors,
) -> Option<bool> {
    let field = boolean(obj, key, errors);
    require(field, obj, key, errors)
}

/// A non-negative integer (ids, priorities).
pub fn integer(obj: &Map<String, Value>, key: &str, errors: &mut FieldErrors) -> Field<i64> {
    match raw(obj, key) {
        Field::Absent => Field::Absent,
        Field::Null => Field::Null,
        Field::Set(Value::Number(n)) => match n.as_i64() {
            Some(i) => Field::Set(i),
            None => {
                errors.add(key, NOT_INTEGER);
                Field::Absent
            }
        },
        Field::Set(_) => {
            errors.add(key, NOT_INTEGER);
            Field::Absent
        }
    }
}

/// A required id (a positive integer).
pub fn required_id(obj: &Map<String, Value>, key: &str, errors: &mut FieldErrors) -> Option<u64> {
    let positive = match integer(obj, key, errors) {
        Field::Set(i) if i > 0 => Field::Set(i as u64),
        Field::Set(_) => {
            errors.add(key, NOT_INTEGER);
            return None;
        }
        Field::Null => Field::Null,
        Field::Absent => Field::Absent,
    };
    require(positive, obj, key, errors)
}

/// Parses the datetime forms Gorgias emits and accepts: RFC 3339 with an
/// offset, or naive (taken as UTC), with `T` or a space.
pub fn parse_datetime(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
        return Some(dt.with_timezone(&Utc));
    }
    let with_t = text.replacen(' ', "T", 1);
    if let Ok(dt) = DateTime::parse_from_rfc3339(&with_t) {
        return Some(dt.with_timezone(&Utc));
    }
    NaiveDateTime::parse_from_str(&with_t, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .map(|naive| naive.and_utc())
}

pub fn datetime(
    obj: &Map<String, Value>,
    key: &str,
    errors: &mut FieldErrors,
) -> Field<DateTime<Utc>> {
    match raw(obj, key) {
        Field::Absent => Field::Absent,
        Field::Null => Field::Null,
        Field::Set(Value::String(s)) => match parse_datetime(s) {
            Some(dt) => Field::Set(dt),
            None => {
                errors.add(key, NOT_DATETIME);
                Field::Absent
            }
        },
        Field::Set(_) => {
            errors.add(key, NOT_DATETIME);
            Field::Absent
        }
    }
}

/// One of `allowed`.
pub fn one_of(
    obj: &Map<String, Value>,
    key: &str,
    allowed: &[&str],
    errors: &mut FieldErrors,
) -> Field<String> {
    match string(obj, key, None, errors) {
        Field::Set(s) if allowed.contains(&s.as_str()) => Field::Set(s),
        Field::Set(_) => {
            errors.add(key, must_be_one_of(allowed));
            Field::Absent
        }
        other => other,
    }
}

pub fn must_be_one_of(allowed: &[&str]) -> String {
    format!("Must be one of: {}.", allowed.join(", "))
}

pub fn object<'a>(
    obj: &'a Map<String, Value>,
    key: &str,
    errors: &mut FieldErrors,
) -> Field<&'a Map<String, Value>> {
    match raw(obj, key) {
        Field::Absent => Field::Absent,
        Field::Null => Field::Null,
        Field::Set(Value::Object(map)) => Field::Set(map),
        Field::Set(_) => {
            errors.add(key, NOT_OBJECT);
            Field::Absent
        }
    }
}

pub fn array<'a>(
    obj: &'a Map<String, Value>,
    key: &str,
    errors: &mut FieldErrors,
) -> Field<&'a Vec<Value>> {
    match raw(obj, key) {
        Field::Absent => Field::Absent,
        Field::Null => Field::Null,
        Field::Set(Value::Array(items)) => Field::Set(items),
        Field::Set(_) => {
            errors.add(key, NOT_LIST);
            Field::Absent
        }
    }
}

/// Free-form JSON object (`meta`, `data`, `extra`…).
pub fn free_object(obj: &Map<String, Value>, key: &str, errors: &mut FieldErrors) -> Field<Value> {
    object(obj, key, errors).map(|m| Value::Object(m.clone()))
}

/// A plausible e-mail address: one `@`, something on both sides, a dot in
/// the domain, no spaces. Stricter checks would refuse addresses real
/// helpdesks hold.
pub fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !text.chars().any(char::is_whitespace)
        && text.chars().count() <= 320
}

/// An optional e-mail address.
pub fn email(obj: &Map<String, Value>, key: &str, errors: &mut FieldErrors) -> Field<String> {
    match string(obj, key, Some(Len::max(320)), errors) {
        Field::Set(s) if is_email(&s) => Field::Set(s),
        Field::Set(_) => {
            errors.add(key, NOT_EMAIL);
            Field::Absent
        }
        other => other,
    }
}

/// A lowercase slug such as a non-legacy channel (`custom-chat`,
/// `tiktok-shop`): the only "any string" the API means by "or string".
pub fn is_slug(text: &str) -> bool {
    let mut chars = text.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit())
        && text.len() <= 64
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// A `{ "id": N }` reference.
pub fn id_ref(obj: &Map<String, Value>, key: &str, errors: &mut FieldErrors) -> Field<u64> {
    match object(obj, key, errors) {
        Field::Absent => Field::Absent,
        Field::Null => Field::Null,
        Field::Set(inner) => {
            let mut nested = FieldErrors::new();
            reject_unknown(
                inner,
                &["id", "name", "email", "firstname", "lastname"],
                &mut nested,
            );
            let id = required_id(inner, "id", &mut nested);
            errors.merge_into(key, nested);
            match id {
                Some(id) => Field::Set(id),
                None => Field::Absent,
            }
        }
    }
}

/// A 2-letter ISO 639-1 code.
pub fn language(obj: &Map<String, Value>, key: &str, errors: &mut FieldErrors) -> Field<String> {
    match string(obj, key, None, errors) {
        Field::Set(s) if s.len() == 2 && s.chars().all(|c| c.is_ascii_lowercase()) => Field::Set(s),
        Field::Set(_) => {
            errors.add(key, "Not a valid ISO 639-1 language code.");
            Field::Absent
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn strings_check_type_length_and_presence() {
        let o = obj(json!({"a": "abc", "b": 3, "c": null, "d": "é".repeat(4)}));
        let mut e = FieldErrors::new();
        assert_eq!(
            string(&o, "a", Some(Len::max(3)), &mut e),
            Field::Set("abc".into())
        );
        assert_eq!(string(&o, "b", None, &mut e), Field::Absent);
        assert_eq!(string(&o, "c", None, &mut e), Field::Null);
        // Characters, not bytes.
        assert!(string(&o, "d", Some(Len::max(4)), &mut e) != Field::Absent);
        assert_eq!(required_string(&o, "zz", None, &mut e), None);
        assert_eq!(required_string(&o, "c", None, &mut e), None);
        assert_eq!(
            e.to_json(),
            json!({"b": [NOT_STRING], "zz": [MISSING], "c": [NULL]})
        );
        let mut e = FieldErrors::new();
        assert_eq!(string(&o, "a", Some(Len::max(2)), &mut e), Field::Absent);
        assert_eq!(e.to_json(), json!({"a": ["Longer than maximum length 2."]}));
    }

    #[test]
    fn unknown_fields_are_named() {
        let o = obj(json!({"subject": "x", "labels": []}));
        let mut e = FieldErrors::new();
        reject_unknown(&o, &["subject"], &mut e);
        assert_eq!(e.to_json(), json!({"labels": [UNKNOWN]}));
    }

    #[test]
    fn datetimes_in_every_emitted_form() {
        for text in [
            "2021-03-03T06:00:00Z",
            "2021-03-03T06:00:00+00:00",
            "2021-03-03T07:00:00+01:00",
            "2021-03-03T06:00:00",
            "2021-03-03 06:00:00",
            "2021-03-03T06:00:00.000000",
        ] {
            assert_eq!(
                parse_datetime(text).map(|d| d.timestamp()),
                Some(1614751200),
                "{text}"
            );
        }
        assert!(parse_datetime("yesterday").is_none());
        assert!(parse_datetime("2021-03-03").is_none());
    }

    #[test]
    fn enums_emails_and_slugs() {
        let o = obj(json!({"status": "pending", "email": "a@b", "ok": "x@y.z"}));
        let mut e = FieldErrors::new();
        assert_eq!(
            one_of(&o, "status", &["open", "closed"], &mut e),
            Field::Absent
        );
        assert_eq!(email(&o, "email", &mut e), Field::Absent);
        assert_eq!(email(&o, "ok", &mut e), Field::Set("x@y.z".into()));
        assert_eq!(
            e.to_json(),
            json!({"status": ["Must be one of: open, closed."], "email": [NOT_EMAIL]})
        );
        assert!(is_slug("tiktok-shop") && is_slug("custom_chat"));
        assert!(!is_slug("Email") && !is_slug("") && !is_slug("a b"));
    }
}
