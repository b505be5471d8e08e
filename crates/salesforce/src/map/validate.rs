//! Validation before any call: a mapped record against the org's describe.
//!
//! The writer fills an [`ObjectDescribe`] from `GET /sobjects/{T}/describe`
//! (name, type, length, byteLength, nillable, createable,
//! defaultedOnCreate, restrictedPicklist, active picklist values) and calls
//! [`validate`] on every record `plan` or `migrate` is about to send. What
//! can be repaired without losing meaning is repaired and noted (a text
//! over its length is cut; a multi-select sent as an array is joined with
//! `;`); everything else is a [`Reject`] naming the record, the field, the
//! reason and what to do — before a single API call is spent on it.
//!
//! | check | outcome |
//! |---|---|
//! | field unknown to describe | reject: create the field (`prepare`) or grant field-level security |
//! | field not createable (e.g. `CreatedDate` without audit fields) | reject: grant the permission or turn the capability off |
//! | required field (not nillable, createable, not defaulted) missing or null | reject |
//! | value of the wrong JSON type for the field | reject |
//! | restricted picklist value not active | reject: `prepare` adds it |
//! | multi-select as a JSON array | repair: joined with `;` |
//! | text over `length` characters | repair: cut (external ids, e-mails, ids and picklists: reject) |
//! | text over `byteLength` bytes (e.g. CommentBody, 4,000) | repair: cut at a character boundary |

use super::text::{truncate_bytes, truncate_chars};
use super::{Record, Reject, Repair};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;

/// The describe `type` of a field, as far as validation cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DescribeType {
    /// `string`, `textarea`, `url`, `encryptedstring`, `combobox`.
    Text,
    Email,
    Phone,
    Picklist,
    MultiPicklist,
    Boolean,
    /// `double`, `int`, `currency`, `percent`, `long`.
    Number,
    Date,
    DateTime,
    /// `reference` and `id`.
    Reference,
    /// `base64` and anything else: only presence is checked.
    Other,
}

impl DescribeType {
    /// The describe `type` string → the kind validation checks.
    pub fn from_describe(t: &str) -> DescribeType {
        match t {
            "string" | "textarea" | "url" | "encryptedstring" | "combobox" => DescribeType::Text,
            "email" => DescribeType::Email,
            "phone" => DescribeType::Phone,
            "picklist" => DescribeType::Picklist,
            "multipicklist" => DescribeType::MultiPicklist,
            "boolean" => DescribeType::Boolean,
            "double" | "int" | "currency" | "percent" | "long" => DescribeType::Number,
            "date" => DescribeType::Date,
            "datetime" => DescribeType::DateTime,
            "reference" | "id" => DescribeType::Reference,
            _ => DescribeType::Other,
        }
    }
}

/// One field of a describe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldDescribe {
    pub name: String,
    pub field_type: DescribeType,
    /// Characters (`length`); 0 when the type has none.
    pub length: usize,
    /// `byteLength`, when Salesforce limits bytes (CommentBody: 4,000).
    pub byte_length: Option<usize>,
    pub nillable: bool,
    pub createable: bool,
    pub defaulted_on_create: bool,
    pub external_id: bool,
    pub restricted_picklist: bool,
    /// Active picklist values.
    pub picklist_values: Vec<String>,
}

impl FieldDescribe {
    /// A createable, nillable field with no default, no external id and no
    /// picklist: what a text field deskshift creates looks like.
    pub fn plain(name: &str, field_type: DescribeType, length: usize) -> FieldDescribe {
        FieldDescribe {
            name: name.to_string(),
            field_type,
            length,
            byte_length: None,
            nillable: true,
            createable: true,
            defaulted_on_create: false,
            external_id: false,
            restricted_picklist: false,
            picklist_values: Vec::new(),
        }
    }

    /// Required on create, as Salesforce decides it.
    pub fn required(&self) -> bool {
        !self.nillable && self.createable && !self.defaulted_on_create
    }
}

/// The describe of one object, fields keyed by lower-cased API name
/// (Salesforce field names are case-insensitive).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectDescribe {
    pub name: String,
    fields: HashMap<String, FieldDescribe>,
}

impl ObjectDescribe {
    pub fn new(
        name: impl Into<String>,
        fields: impl IntoIterator<Item = FieldDescribe>,
    ) -> ObjectDescribe {
        ObjectDescribe {
            name: name.into(),
            fields: fields
                .into_iter()
                .map(|f| (f.name.to_ascii_lowercase(), f))
                .collect(),
        }
    }

    pub fn field(&self, name: &str) -> Option<&FieldDescribe> {
        self.fields.get(&name.to_ascii_lowercase())
    }

    /// Adds (or replaces) a field: `plan` sees the org as `prepare` leaves it.
    pub fn insert(&mut self, field: FieldDescribe) {
        self.fields.insert(field.name.to_ascii_lowercase(), field);
    }

    /// Activates `values` on picklist `field`, if the object has it.
    pub fn add_picklist_values(&mut self, field: &str, values: impl IntoIterator<Item = String>) {
        if let Some(f) = self.fields.get_mut(&field.to_ascii_lowercase()) {
            for value in values {
                if !f.picklist_values.contains(&value) {
                    f.picklist_values.push(value);
                }
            }
        }
    }
}

/// Checks `record` (repairing it in place) for insert into `object`;
/// `label` names it in a reject (`Case for Stames ticket 1042`). Returns
/// the repairs made, or the first reason it cannot be sent.
pub fn validate(
    object: &ObjectDescribe,
    record: &mut Record,
    label: &str,
) -> Result<Vec<Repair>, Reject> {
    let reject = |field: &str, reason: String, action: &str| Reject {
        record: label.to_string(),
        field: Some(format!("{}.{field}", object.name)),
        reason,
        action: action.to_string(),
    };
    let mut repairs = Vec::new();
    let mut required: Vec<&FieldDescribe> =
        object.fields.values().filter(|f| f.required()).collect();
    required.sort_by(|a, b| a.name.cmp(&b.name));
    for field in required {
        let present = record
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(&field.name))
            .is_some_and(|(_, v)| !v.is_null() && v.as_str().is_none_or(|s| !s.trim().is_empty()));
        if !present {
            return Err(reject(
                &field.name,
                "a required field has no value".into(),
                "map a value to it in mapping.toml, or give the field a default in Salesforce",
            ));
        }
    }
    let names: Vec<String> = record.keys().cloned().collect();
    for name in names {
        let Some(field) = object.field(&name) else {
            return Err(reject(
                &name,
                "the field does not exist or is not visible to the migration user".into(),
                "run `deskshift prepare` to create it, or grant the migration user field-level \
                 security on it",
            ));
        };
        if !field.createable {
            return Err(reject(
                &name,
                "the field cannot be set on insert by the migration user".into(),
                if name.eq_ignore_ascii_case("CreatedDate")
                    || name.eq_ignore_ascii_case("CreatedById")
                    || name.eq_ignore_ascii_case("ClosedDate")
                {
                    "enable \"Set Audit Fields upon Record Creation\" for the migration user, or \
                     run without audit fields (the original time then goes to a Stames_* field)"
                } else {
                    "remove it from the map, or make it editable for the migration user"
                },
            ));
        }
        let Some(value) = record.get_mut(&name) else {
            continue;
        };
        if value.is_null() {
            continue;
        }
        if let Some(repair) =
            check_value(field, value).map_err(|(reason, action)| reject(&name, reason, action))?
        {
            repairs.push(Repair::new(format!("{}.{name}", object.name), repair));
        }
    }
    Ok(repairs)
}

type Failure = (String, &'static str);

/// Checks and repairs one value; `Ok(Some(note))` when repaired.
fn check_value(field: &FieldDescribe, value: &mut Value) -> Result<Option<String>, Failure> {
    let wrong = |expected: &str, value: &Value| -> Failure {
        (
            format!("{} is not {expected}", short(value)),
            "fix the value in the source or the field map",
        )
    };
    match field.field_type {
        DescribeType::Boolean if !value.is_boolean() => Err(wrong("true or false", value)),
        DescribeType::Number if !value.is_number() => Err(wrong("a number", value)),
        DescribeType::Date => match value.as_str() {
            Some(s) if chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() => Ok(None),
            _ => Err(wrong("a date (YYYY-MM-DD)", value)),
        },
        DescribeType::DateTime => match value.as_str() {
            Some(s) if chrono::DateTime::parse_from_rfc3339(s).is_ok() => Ok(None),
            _ => Err(wrong("a date and time (RFC 3339)", value)),
        },
        DescribeType::Reference => match value.as_str() {
            Some(s)
                if matches!(s.len(), 15 | 18) && s.chars().all(|c| c.is_ascii_alphanumeric()) =>
            {
                Ok(None)
            }
            _ => Err((
                format!("{} is not a Salesforce id", short(value)),
                "resolve the parent record first (it may have been rejected; see its reason)",
            )),
        },
        DescribeType::MultiPicklist => {
            let mut repaired = None;
            if let Some(items) = value.as_array() {
                let joined: Vec<String> = items
                    .iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect();
                *value = Value::String(joined.join(";"));
                repaired = Some("multi-select sent as a list; joined with `;`".to_string());
            }
            let Some(text) = value.as_str() else {
                return Err(wrong("text", value));
            };
            if field.restricted_picklist {
                if let Some(bad) = text
                    .split(';')
                    .find(|v| !field.picklist_values.iter().any(|p| p == v))
                {
                    return Err((
                        format!("`{bad}` is not an active value of the restricted picklist"),
                        "run `deskshift prepare` to add the value, or map it to an existing one",
                    ));
                }
            }
            Ok(repaired)
        }
        DescribeType::Picklist => {
            let Some(text) = value.as_str() else {
                return Err(wrong("text", value));
            };
            if field.restricted_picklist && !field.picklist_values.iter().any(|p| p == text) {
                return Err((
                    format!("`{text}` is not an active value of the restricted picklist"),
                    "run `deskshift prepare` to add the value, or map it to an existing one",
                ));
            }
            if field.length > 0 && text.chars().count() > field.length {
                return Err((
                    format!(
                        "`{}` is longer than {} characters",
                        truncate_chars(text, 40),
                        field.length
                    ),
                    "shorten the value in the value map",
                ));
            }
            Ok(None)
        }
        DescribeType::Text | DescribeType::Email | DescribeType::Phone => {
            let Some(text) = value.as_str() else {
                return Err(wrong("text", value));
            };
            let chars = text.chars().count();
            let over_chars = field.length > 0 && chars > field.length;
            let over_bytes = field.byte_length.is_some_and(|max| text.len() > max);
            if !over_chars && !over_bytes {
                return Ok(None);
            }
            if field.external_id || field.field_type == DescribeType::Email {
                return Err((
                    format!("{chars} characters do not fit the field's {}", field.length),
                    "an identifier or address cannot be cut; widen the field",
                ));
            }
            let mut cut = if over_chars {
                truncate_chars(text, field.length)
            } else {
                text
            };
            if let Some(max) = field.byte_length {
                cut = truncate_bytes(cut, max);
            }
            let note = format!(
                "{chars} characters ({} bytes) cut to {} characters to fit the field",
                text.len(),
                cut.chars().count()
            );
            *value = Value::String(cut.to_string());
            Ok(Some(note))
        }
        _ => Ok(None),
    }
}

fn short(value: &Value) -> String {
    let text = value.to_string();
    let cut = truncate_chars(&text, 60);
    if cut.len() < text.len() {
        format!("{cut}…")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn field(name: &str, field_type: DescribeType, length: usize) -> FieldDescribe {
        FieldDescribe::plain(name, field_type, length)
    }

    fn case() -> ObjectDescribe {
        let mut status = field("Status", DescribeType::Picklist, 40);
        status.restricted_picklist = true;
        status.picklist_values = vec!["New".into(), "Closed".into()];
        status.nillable = false;
        status.defaulted_on_create = true;
        let mut tags = field("Stames_Tags__c", DescribeType::MultiPicklist, 4099);
        tags.restricted_picklist = true;
        tags.picklist_values = vec!["vip".into(), "refund".into()];
        let mut key = field("Stames_Ticket_Id__c", DescribeType::Text, 10);
        key.external_id = true;
        let mut created = field("CreatedDate", DescribeType::DateTime, 0);
        created.createable = false;
        ObjectDescribe::new(
            "Case",
            [
                status,
                tags,
                key,
                created,
                field("Subject", DescribeType::Text, 255),
                field("ContactId", DescribeType::Reference, 18),
                field("Stames_SLA_Breached__c", DescribeType::Boolean, 0),
            ],
        )
    }

    fn comment() -> ObjectDescribe {
        let mut body = field("CommentBody", DescribeType::Text, 4000);
        body.byte_length = Some(4000);
        let mut parent = field("ParentId", DescribeType::Reference, 18);
        parent.nillable = false;
        ObjectDescribe::new("CaseComment", [body, parent])
    }

    fn record(value: Value) -> Record {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn a_good_record_passes_untouched() {
        let mut r = record(
            json!({"Status": "New", "Subject": "hi", "Stames_Tags__c": "vip;refund", "ContactId": "003000000000001AAA", "stames_sla_breached__c": true}),
        );
        let before = r.clone();
        assert_eq!(validate(&case(), &mut r, "Case 1").unwrap(), vec![]);
        assert_eq!(r, before);
    }

    #[test]
    fn fixable_problems_are_repaired_and_noted() {
        let mut r =
            record(json!({"Subject": "s".repeat(300), "Stames_Tags__c": ["vip", "refund"]}));
        let repairs = validate(&case(), &mut r, "Case 1").unwrap();
        assert_eq!(repairs.len(), 2);
        assert_eq!(r["Subject"].as_str().unwrap().len(), 255);
        assert_eq!(r["Stames_Tags__c"], "vip;refund");
        let mut c = record(json!({"ParentId": "500000000000001", "CommentBody": "é".repeat(3000)}));
        let repairs = validate(&comment(), &mut c, "CaseComment").unwrap();
        assert_eq!(repairs.len(), 1);
        assert!(c["CommentBody"].as_str().unwrap().len() <= 4000);
    }

    #[test]
    fn everything_else_is_a_reject_that_says_what_to_do() {
        let cases = [
            (json!({"Status": "Pending"}), "Case.Status", "prepare"),
            (
                json!({"Stames_Tags__c": "vip;gold"}),
                "Case.Stames_Tags__c",
                "prepare",
            ),
            (
                json!({"Nope__c": 1}),
                "Case.Nope__c",
                "field-level security",
            ),
            (
                json!({"CreatedDate": "2024-01-01T00:00:00Z"}),
                "Case.CreatedDate",
                "Set Audit Fields",
            ),
            (
                json!({"Stames_Ticket_Id__c": "12345678901"}),
                "Case.Stames_Ticket_Id__c",
                "widen",
            ),
            (json!({"ContactId": "c1"}), "Case.ContactId", "parent"),
            (
                json!({"Stames_SLA_Breached__c": "yes"}),
                "Case.Stames_SLA_Breached__c",
                "source",
            ),
        ];
        for (value, field, action) in cases {
            let mut r = record(value);
            let reject = validate(&case(), &mut r, "Case for Stames ticket 7").unwrap_err();
            assert_eq!(reject.field.as_deref(), Some(field));
            assert!(reject.action.contains(action), "{reject}");
            assert_eq!(reject.record, "Case for Stames ticket 7");
        }
        let mut missing = record(json!({"CommentBody": "x"}));
        let reject = validate(&comment(), &mut missing, "note").unwrap_err();
        assert_eq!(reject.field.as_deref(), Some("CaseComment.ParentId"));
    }

    proptest! {
        #[test]
        fn validation_never_panics_and_repairs_fit(text in any::<String>(), n in any::<i64>()) {
            for v in [json!(text.clone()), json!(n), json!([text.clone()]), json!(null), json!({"a": 1})] {
                for name in ["Subject", "Status", "Stames_Tags__c", "ContactId", "Stames_SLA_Breached__c", "CommentBody"] {
                    let mut r = Record::new();
                    r.insert(name.into(), v.clone());
                    r.insert("ParentId".into(), json!("500000000000001"));
                    let _ = validate(&case(), &mut r, "x");
                    if validate(&comment(), &mut r.clone(), "y").is_ok() {
                        if let Some(body) = r.get("CommentBody").and_then(Value::as_str) {
                            let mut checked = r.clone();
                            validate(&comment(), &mut checked, "y").unwrap();
                            prop_assert!(checked["CommentBody"].as_str().unwrap().len() <= 4000 || body.is_empty());
                        }
                    }
                }
            }
        }
    }
}
