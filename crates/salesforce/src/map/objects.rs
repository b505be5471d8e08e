//! Stames custom-object records → records of the custom objects the schema
//! plan created, loaded after the Cases and Contacts they look up.
//!
//! A Stames record may link to several tickets and customers; a lookup
//! holds one. The first linked ticket goes to `Case__c`, the first customer
//! to `Contact__c`, and every linked id to `Stames_Ticket_Ids__c` /
//! `Stames_Customer_Ids__c` (lossy: the extra links are text, not
//! relationships). A link whose parent is not in Salesforce is left out of
//! the lookup and noted; the record still goes.

use super::field_values;
use super::schema::{self, SchemaPlan};
use super::text::{datetime, truncate_chars};
use super::{OrgCapabilities, Record, Reject, Repair, SfId};
use deskshift_core::model::{CustomObjectRecord, SourceId};
use serde_json::json;
use std::collections::HashMap;

/// Longest `Name` of a custom object record.
pub const MAX_NAME_LEN: usize = 80;

/// Salesforce ids of the parents, resolved by the writer from the ledger.
#[derive(Debug, Clone, Copy)]
pub struct Parents<'a> {
    /// Stames ticket id → Case id.
    pub cases: &'a HashMap<SourceId, SfId>,
    /// Stames customer id → Contact id.
    pub contacts: &'a HashMap<SourceId, SfId>,
}

/// What one record becomes.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectRecordPlan {
    /// The custom object's API name.
    pub object: String,
    pub record: Record,
    pub repairs: Vec<Repair>,
}

pub fn plan(
    stames: &CustomObjectRecord,
    schema: &SchemaPlan,
    parents: &Parents<'_>,
    caps: &OrgCapabilities,
) -> Result<ObjectRecordPlan, Reject> {
    let Some(object) = schema.object_for(&stames.object_key) else {
        return Err(Reject {
            record: format!(
                "record {} of Stames object `{}`",
                stames.id, stames.object_key
            ),
            field: None,
            reason: "its object has no Salesforce custom object (its definition was not migrated)"
                .into(),
            action: "re-run discovery and `deskshift prepare` so the object is created".into(),
        });
    };
    let api = object.api_name.clone();
    let has = |field: &str| schema.fields_of(&api).any(|f| f.api_name == field);
    let mut repairs = Vec::new();
    let mut record = Record::new();
    record.insert(
        schema::RECORD_ID.into(),
        json!(super::customer::bounded_key(&stames.id)),
    );
    record.insert(
        "Name".into(),
        json!(truncate_chars(
            &format!("{} {}", object.label, stames.id),
            MAX_NAME_LEN
        )),
    );
    for (lookup, ids_field, ids, map, what) in [
        (
            schema::OBJECT_CASE,
            schema::OBJECT_TICKET_IDS,
            &stames.ticket_ids,
            parents.cases,
            "ticket",
        ),
        (
            schema::OBJECT_CONTACT,
            schema::OBJECT_CUSTOMER_IDS,
            &stames.customer_ids,
            parents.contacts,
            "customer",
        ),
    ] {
        if ids.is_empty() {
            continue;
        }
        if !has(lookup) {
            repairs.push(Repair::new(
                format!("{what}_ids"),
                format!(
                    "the object has no link to {what}s; ids kept only in this note: {}",
                    ids.join(", ")
                ),
            ));
            continue;
        }
        match ids.iter().find_map(|id| map.get(id)) {
            Some(parent) => {
                record.insert(lookup.into(), json!(parent));
            }
            None => repairs.push(Repair::new(
                format!("{what}_ids"),
                format!("no linked {what} is in Salesforce; lookup left empty"),
            )),
        }
        if ids.len() > 1 || !ids.iter().any(|id| map.contains_key(id)) {
            repairs.push(Repair::new(
                format!("{what}_ids"),
                format!(
                    "{} linked {what}s; the lookup holds one, all ids are in {ids_field}",
                    ids.len()
                ),
            ));
        }
        record.insert(ids_field.into(), json!(ids.join(", ")));
    }
    for (key, value) in &stames.values {
        let Some(spec) = schema.object_field(&stames.object_key, key) else {
            if value.is_filled() {
                repairs.push(Repair::new(
                    key.clone(),
                    "field has no Salesforce field; value not migrated",
                ));
            }
            continue;
        };
        match field_values::value(spec, value) {
            Ok(Some(mapped)) => {
                if let Some(note) = mapped.note {
                    repairs.push(Repair::new(key.clone(), note));
                }
                record.insert(spec.api_name.clone(), mapped.value);
            }
            Ok(None) => {}
            Err(reason) => repairs.push(Repair::new(key.clone(), format!("not written: {reason}"))),
        }
    }
    if caps.audit_fields {
        record.insert("CreatedDate".into(), json!(datetime(stames.created_at)));
    }
    Ok(ObjectRecordPlan {
        object: api,
        record,
        repairs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::map::schema::SchemaInput;
    use chrono::Utc;
    use deskshift_core::model::{
        CustomObjectDef, CustomObjectField, FieldType, FieldValue, LinkTarget,
    };
    use std::collections::BTreeMap;

    fn schema() -> SchemaPlan {
        let def = CustomObjectDef {
            id: "1".into(),
            key: "warranty".into(),
            label: "Warranty".into(),
            fields: vec![CustomObjectField {
                key: "months".into(),
                label: "Months".into(),
                field_type: FieldType::Number,
                options: vec![],
            }],
            links: vec![LinkTarget::Ticket],
        };
        schema::plan(&SchemaInput {
            field_defs: &[],
            object_defs: &[def],
            tags: &[],
            channels: &[],
            observed: &HashMap::new(),
        })
    }

    fn record(object_key: &str) -> CustomObjectRecord {
        let mut values = BTreeMap::new();
        values.insert("months".to_string(), FieldValue::Number(24.0));
        values.insert("ghost".to_string(), FieldValue::Text("boo".into()));
        CustomObjectRecord {
            id: "w1".into(),
            object_key: object_key.into(),
            values,
            ticket_ids: vec!["t9".into(), "t1".into()],
            customer_ids: vec!["c1".into()],
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn records_get_lookups_ids_and_values() {
        let mut cases = HashMap::new();
        cases.insert("t1".to_string(), "500A".to_string());
        let contacts = HashMap::new();
        let parents = Parents {
            cases: &cases,
            contacts: &contacts,
        };
        let plan = plan(
            &record("warranty"),
            &schema(),
            &parents,
            &OrgCapabilities::default(),
        )
        .unwrap();
        assert_eq!(plan.object, "Warranty__c");
        let r = &plan.record;
        assert_eq!(r[schema::RECORD_ID], "w1");
        assert_eq!(r["Name"], "Warranty w1");
        assert_eq!(r[schema::OBJECT_CASE], "500A");
        assert_eq!(r[schema::OBJECT_TICKET_IDS], "t9, t1");
        assert_eq!(r["Months__c"], json!(24.0));
        assert!(!r.contains_key(schema::OBJECT_CONTACT));
        // ghost value, two tickets, customer link the object does not have
        assert_eq!(plan.repairs.len(), 3, "{:?}", plan.repairs);
    }

    #[test]
    fn records_of_unknown_objects_are_rejected_with_an_action() {
        let empty = HashMap::new();
        let parents = Parents {
            cases: &empty,
            contacts: &empty,
        };
        let reject = plan(
            &record("ghost"),
            &schema(),
            &parents,
            &OrgCapabilities::default(),
        )
        .unwrap_err();
        assert!(reject.action.contains("prepare"));
    }
}
