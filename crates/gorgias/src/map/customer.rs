//! Stames customer → Gorgias customer (reference §4.3), in one create call.
//!
//! - `external_id` = the Stames id, so an interrupted create is found again.
//! - E-mail and phone become `channels`; the e-mail is also `email`.
//! - An address Gorgias would refuse is not sent: the customer is created
//!   without an e-mail and the address is kept in the customer's `note`.
//! - The company and the customer's custom-field values have no Gorgias
//!   home a create can fill, so they go to the customer's sidebar `data`
//!   under `stames` (lossy: not searchable fields; `docs/deviations.md`).

use super::{truncate_chars, Repair};
use crate::client::wire::{CustomerChannel, NewCustomer};
use deskshift_core::mapping::{land_custom_value, FieldMap, Landing, MapRow};
use deskshift_core::model::{CustomFieldDef, FieldObject};
use deskshift_core::model::{Customer, SourceId};
use deskshift_core::normalise::{email_key, is_email};
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// Longest name deskshift sends.
pub const MAX_NAME_LEN: usize = 255;

/// The key of deskshift's customer data (company, field values).
pub const DATA_KEY: &str = "stames";
/// The key of custom-object records in customer data.
pub const OBJECTS_KEY: &str = "stames_objects";

/// Stames customer fields by id, with their rows of the confirmed map (and
/// the map, for value maps a row may use).
#[derive(Debug, Clone)]
pub struct CustomerFields {
    pub map: FieldMap,
    pub rows: HashMap<SourceId, MapRow>,
}

impl Default for CustomerFields {
    fn default() -> CustomerFields {
        CustomerFields::of(&FieldMap::unmapped(crate::catalog::DESTINATION), &[])
    }
}

impl CustomerFields {
    /// The rows of `map` for the Stames customer fields `defs`.
    pub fn of(map: &FieldMap, defs: &[CustomFieldDef]) -> CustomerFields {
        CustomerFields {
            map: map.clone(),
            rows: defs
                .iter()
                .filter(|d| d.object == FieldObject::Customer)
                .filter_map(|d| {
                    map.custom_field_row(d)
                        .map(|row| (d.id.clone(), row.clone()))
                })
                .collect(),
        }
    }
}

/// What a Stames customer becomes.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerPlan {
    pub body: NewCustomer,
    pub repairs: Vec<Repair>,
}

pub fn plan(customer: &Customer, fields: &CustomerFields) -> CustomerPlan {
    let mut repairs = Vec::new();
    let mut note = None;
    let email = match customer
        .email
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
    {
        Some(address) if is_email(address) => Some(email_key(address)),
        Some(address) => {
            repairs.push(Repair::new(
                "email",
                format!(
                    "`{address}` is not an e-mail address Gorgias accepts; the customer was \
                     created without an e-mail and the address kept in its note"
                ),
            ));
            note = Some(format!(
                "E-mail address in Stames (not usable in Gorgias): {address}"
            ));
            None
        }
        None => None,
    };
    let mut channels = Vec::new();
    if let Some(email) = &email {
        channels.push(CustomerChannel {
            channel_type: "email".into(),
            address: email.clone(),
            preferred: true,
        });
    }
    if let Some(phone) = customer
        .phone
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        channels.push(CustomerChannel {
            channel_type: "phone".into(),
            address: phone.to_string(),
            preferred: email.is_none(),
        });
    }
    let name = customer
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|n| truncate_chars(n, MAX_NAME_LEN).to_string());
    CustomerPlan {
        body: NewCustomer {
            external_id: customer.id.clone(),
            name,
            email,
            channels,
            note,
            data: data(customer, fields, &mut repairs),
        },
        repairs,
    }
}

/// `{"stames": {"customer_id", "company"?, "fields"?}, …}`, or `None` when
/// the customer has neither a company nor field values. A field value goes
/// where its map row sends it: a path under the customer's `data`
/// (`Customer.data.stames.fields.<label>` by default; everything after
/// `stames.fields.` is one key, so labels with dots stay whole).
fn data(customer: &Customer, fields: &CustomerFields, repairs: &mut Vec<Repair>) -> Option<Value> {
    let mut stames = Map::new();
    if let Some(company) = &customer.company {
        stames.insert(
            "company".into(),
            json!({"name": company.name, "domain": company.domain}),
        );
    }
    let mut values = Map::new();
    let mut elsewhere = Map::new();
    for (field_id, stored) in &customer.custom_fields {
        let Some(row) = fields.rows.get(field_id) else {
            continue;
        };
        let repair = |detail: String| Repair::new(format!("custom_fields.{field_id}"), detail);
        match land_custom_value(&fields.map, row, stored) {
            Landing::Write {
                field, value, note, ..
            } => {
                repairs.extend(note.map(repair));
                match field.field.strip_prefix("data.") {
                    Some(path) => match path.strip_prefix(FIELDS_PATH) {
                        Some(key) => {
                            values.insert(key.to_string(), value.to_json());
                        }
                        None => insert_at(&mut elsewhere, path, value.to_json()),
                    },
                    None => repairs.push(repair(format!(
                        "`{}` not migrated: a customer create can only fill the customer's \
                         data, not `{field}`; send it to `Customer.data.…` in mapping.toml",
                        row.source_name()
                    ))),
                }
            }
            Landing::Skip { reason } if stored.is_filled() => repairs.push(repair(reason)),
            Landing::Reject(error) => repairs.push(repair(error.to_string())),
            Landing::Skip { .. } | Landing::Empty => {}
        }
    }
    if !values.is_empty() {
        stames.insert("fields".into(), Value::Object(values));
    }
    if stames.is_empty() && elsewhere.is_empty() {
        return None;
    }
    if !stames.is_empty() {
        stames.insert("customer_id".into(), json!(customer.id));
        elsewhere.insert(DATA_KEY.into(), Value::Object(stames));
    }
    Some(Value::Object(elsewhere))
}

/// Where customer field values go under `data` by default: `stames.fields.`.
const FIELDS_PATH: &str = "stames.fields.";

/// Puts `value` at the dotted `path` of `data`, making the objects on the way.
fn insert_at(data: &mut Map<String, Value>, path: &str, value: Value) {
    match path.split_once('.') {
        None => {
            data.insert(path.to_string(), value);
        }
        Some((head, rest)) => {
            let inner = data
                .entry(head.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            if !inner.is_object() {
                *inner = Value::Object(Map::new());
            }
            if let Value::Object(inner) = inner {
                insert_at(inner, rest, value);
            }
        }
    }
}

/// The comparison key of a customer's e-mail, when it has a usable one.
pub fn email_of(customer: &Customer) -> Option<String> {
    customer
        .email
        .as_deref()
        .map(str::trim)
        .filter(|e| is_email(e))
        .map(email_key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use deskshift_core::mapping::{FieldRef, Target, Transform};
    use deskshift_core::model::ObjectKind;
    use deskshift_core::model::{Company, FieldType, FieldValue};
    use std::collections::BTreeMap;

    fn customer(email: Option<&str>, phone: Option<&str>) -> Customer {
        Customer {
            id: "200001".into(),
            name: Some("  Zoë O'Brien ".into()),
            email: email.map(String::from),
            phone: phone.map(String::from),
            company: None,
            custom_fields: BTreeMap::new(),
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn email_and_phone_become_channels() {
        let plan = plan(
            &customer(Some("Zoe@Example.com"), Some("+33 1 23")),
            &no_fields(),
        );
        assert_eq!(plan.body.external_id, "200001");
        assert_eq!(plan.body.name.as_deref(), Some("Zoë O'Brien"));
        assert_eq!(plan.body.email.as_deref(), Some("zoe@example.com"));
        assert_eq!(plan.body.channels.len(), 2);
        assert!(plan.body.channels[0].preferred && !plan.body.channels[1].preferred);
        assert!(plan.body.data.is_none() && plan.body.note.is_none() && plan.repairs.is_empty());
    }

    #[test]
    fn an_unusable_email_is_kept_in_the_note_and_repaired() {
        let plan = plan(&customer(Some("zoe at example"), None), &no_fields());
        assert_eq!(plan.body.email, None);
        assert!(plan.body.channels.is_empty());
        assert_eq!(plan.repairs[0].field, "email");
        assert!(plan.body.note.unwrap().contains("zoe at example"));
    }

    #[test]
    fn company_and_field_values_go_to_sidebar_data() {
        let mut c = customer(None, Some("+1"));
        c.company = Some(Company {
            name: "Acme".into(),
            domain: Some("acme.io".into()),
        });
        c.custom_fields
            .insert("8".into(), FieldValue::List(vec!["a".into(), "b".into()]));
        let def = |id: &str, key: &str, label: &str| CustomFieldDef {
            id: id.into(),
            object: FieldObject::Customer,
            key: key.into(),
            label: label.into(),
            field_type: FieldType::MultiSelect,
            options: vec![],
            required: false,
        };
        let row = |key: &str, target: Target, transform: Transform| {
            let field = format!("custom.{key}");
            MapRow::edited(ObjectKind::Customers, &field, target, transform)
        };
        let mut map = FieldMap::unmapped("gorgias");
        map.rows.push(row(
            "interests",
            Target::Field(FieldRef::new("Customer", "data.stames.fields.Interests")),
            Transform::MultiSelectJoin(", ".into()),
        ));
        map.rows.push(row(
            "segment",
            Target::Field(FieldRef::new("Customer", "data.crm.segment")),
            Transform::Copy,
        ));
        map.rows.push(row(
            "legacy",
            Target::Drop("retired".into()),
            Transform::Copy,
        ));
        c.custom_fields
            .insert("9".into(), FieldValue::Text("gold".into()));
        c.custom_fields
            .insert("10".into(), FieldValue::Text("old".into()));
        let fields = CustomerFields::of(
            &map,
            &[
                def("8", "interests", "Interests"),
                def("9", "segment", "Segment"),
                def("10", "legacy", "Legacy"),
            ],
        );
        let plan = plan(&c, &fields);
        assert!(plan.body.channels[0].preferred);
        let data = plan.body.data.unwrap();
        assert_eq!(data["stames"]["company"]["name"], "Acme");
        assert_eq!(data["stames"]["fields"]["Interests"], "a, b");
        assert_eq!(data["stames"]["customer_id"], "200001");
        assert_eq!(data["crm"]["segment"], "gold");
        assert!(plan.repairs.iter().any(|r| r.detail.contains("retired")));
    }

    fn no_fields() -> CustomerFields {
        CustomerFields::of(&FieldMap::unmapped("gorgias"), &[])
    }
}
