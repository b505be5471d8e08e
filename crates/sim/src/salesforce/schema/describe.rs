//! The REST describe shapes (REST API guide, "sObject Describe",
//! "Describe Global"; SOAP API guide, `DescribeSObjectResult` and `Field`
//! for the property names). Fields the API user cannot see (field-level
//! security) are left out, as the platform leaves them out.

use super::{FieldDef, ObjectDef, Schema};
use serde_json::{json, Value};

fn urls(version: &str, object: &str) -> Value {
    let base = format!("/services/data/{version}/sobjects/{object}");
    json!({
        "sobject": base,
        "describe": format!("{base}/describe"),
        "rowTemplate": format!("{base}/{{ID}}"),
    })
}

/// One entry of the global describe, also the `objectDescribe` of
/// `GET /sobjects/{T}`.
pub fn object_summary(object: &ObjectDef, version: &str) -> Value {
    json!({
        "name": object.name,
        "label": object.label,
        "labelPlural": object.label_plural,
        "keyPrefix": object.key_prefix,
        "custom": object.custom,
        "customSetting": false,
        "createable": object.createable,
        "updateable": object.updateable,
        "deletable": object.deletable,
        "queryable": true,
        "retrieveable": true,
        "searchable": true,
        "layoutable": true,
        "urls": urls(version, &object.name),
    })
}

/// `GET /sobjects/`.
pub fn global(objects: &[&ObjectDef], version: &str) -> Value {
    json!({
        "encoding": "UTF-8",
        "maxBatchSize": 200,
        "sobjects": objects.iter().map(|o| object_summary(o, version)).collect::<Vec<_>>(),
    })
}

fn soap_type(field: &FieldDef) -> &'static str {
    use super::FieldType as T;
    match field.kind {
        T::Id | T::Reference => "tns:ID",
        T::Boolean => "xsd:boolean",
        T::Double => "xsd:double",
        T::Int => "xsd:int",
        T::Date => "xsd:date",
        T::Datetime => "xsd:dateTime",
        T::Base64 => "xsd:base64Binary",
        T::Any => "xsd:anyType",
        _ => "xsd:string",
    }
}

/// One field's describe. `audit_fields_granted`: the API user may set the
/// audit fields on insert ("Set Audit Fields upon Record Creation"), which
/// describe shows as those fields being createable: how clients find out.
pub fn field(field: &FieldDef, audit_fields_granted: bool) -> Value {
    let picklist: Vec<Value> = field
        .picklist
        .iter()
        .map(|v| {
            json!({
                "value": v.value,
                "label": v.label,
                "active": v.active,
                "defaultValue": v.default,
                "validFor": null,
            })
        })
        .collect();
    let length = if field.kind.is_text() {
        field.length
    } else {
        0
    };
    json!({
        "name": field.name,
        "label": field.label,
        "type": field.kind.describe_name(),
        "soapType": soap_type(field),
        "length": length,
        "byteLength": length * 3,
        "precision": field.precision,
        "scale": field.scale,
        "nillable": field.nillable,
        "createable": field.createable || (field.audit && audit_fields_granted),
        "updateable": field.updateable,
        "defaultedOnCreate": field.defaulted_on_create,
        "custom": field.custom,
        "externalId": field.external_id,
        "unique": field.unique,
        "caseSensitive": field.case_sensitive,
        "idLookup": field.id_lookup,
        "calculated": false,
        "autoNumber": false,
        "filterable": true,
        "sortable": true,
        "picklistValues": picklist,
        "restrictedPicklist": field.restricted,
        "dependentPicklist": false,
        "controllerName": null,
        "referenceTo": field.reference_to,
        "relationshipName": field.relationship_name,
        "cascadeDelete": field.cascade_delete,
        "extraTypeInfo": null,
    })
}

/// `GET /sobjects/{T}/describe`, with the fields `visible` lets through
/// and the record types given.
pub fn object(
    schema: &Schema,
    object: &ObjectDef,
    version: &str,
    visible: &dyn Fn(&FieldDef) -> bool,
    record_types: Vec<Value>,
    audit_fields_granted: bool,
) -> Value {
    let mut out = object_summary(object, version);
    out["fields"] = object
        .fields
        .iter()
        .filter(|f| visible(f))
        .map(|f| field(f, audit_fields_granted))
        .collect::<Vec<_>>()
        .into();
    let children: Vec<Value> = schema
        .objects()
        .filter(|o| o.api == object.api)
        .flat_map(|child| {
            child
                .fields
                .iter()
                .filter(|f| f.reference_to.iter().any(|t| t == &object.name))
                .map(move |f| {
                    json!({
                        "childSObject": child.name,
                        "field": f.name,
                        "cascadeDelete": f.cascade_delete,
                        "relationshipName": null,
                    })
                })
        })
        .collect();
    out["childRelationships"] = children.into();
    out["recordTypeInfos"] = record_types.into();
    out
}
