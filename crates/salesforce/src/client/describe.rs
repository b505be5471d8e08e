//! `GET /sobjects/{SObject}/describe` (reference §2.1): what an object's
//! fields accept, so the plan can validate records offline before anything
//! is written. Only the attributes deskshift decides on are typed; the
//! rest of Salesforce's (long) answer is ignored.

use serde::Deserialize;

/// An object's description.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Describe {
    pub name: String,
    pub label: String,
    pub key_prefix: Option<String>,
    pub custom: bool,
    pub createable: bool,
    pub updateable: bool,
    pub deletable: bool,
    pub fields: Vec<FieldDescribe>,
}

/// One field of a [`Describe`].
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct FieldDescribe {
    pub name: String,
    pub label: String,
    /// `string`, `textarea`, `picklist`, `multipicklist`, `reference`,
    /// `datetime`, `boolean`, `double`, `email`, `id`, …
    #[serde(rename = "type")]
    pub field_type: String,
    /// Maximum characters for text types; 0 otherwise.
    pub length: u32,
    pub nillable: bool,
    pub createable: bool,
    pub updateable: bool,
    pub custom: bool,
    pub external_id: bool,
    pub unique: bool,
    pub picklist_values: Vec<PicklistValue>,
    pub restricted_picklist: bool,
    pub reference_to: Vec<String>,
    /// Salesforce fills it on insert (e.g. `OwnerId`, `CreatedDate`).
    pub defaulted_on_create: bool,
}

/// One value of a picklist field.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PicklistValue {
    pub value: String,
    pub label: String,
    pub active: bool,
    pub default_value: bool,
}

impl Describe {
    /// The field named `name`, compared as Salesforce does (case-insensitive).
    pub fn field(&self, name: &str) -> Option<&FieldDescribe> {
        self.fields
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }

    /// Fields an insert must set: not nillable, createable, and not filled
    /// by Salesforce itself. Booleans are never nillable but default to
    /// false, so they are not required either.
    pub fn required_fields(&self) -> Vec<&FieldDescribe> {
        self.fields
            .iter()
            .filter(|f| {
                !f.nillable && f.createable && !f.defaulted_on_create && f.field_type != "boolean"
            })
            .collect()
    }

    /// Fields marked External ID, with whether each is also Unique (the
    /// idempotent-load key must be both; reference §0.2).
    pub fn external_id_fields(&self) -> Vec<&FieldDescribe> {
        self.fields.iter().filter(|f| f.external_id).collect()
    }
}

impl FieldDescribe {
    /// The active values of a picklist, as they must be written.
    pub fn active_values(&self) -> impl Iterator<Item = &str> {
        self.picklist_values
            .iter()
            .filter(|v| v.active)
            .map(|v| v.value.as_str())
    }

    /// Whether `value` may be written to this picklist: any value on an
    /// unrestricted one, an active value on a restricted one.
    pub fn accepts_value(&self, value: &str) -> bool {
        !self.restricted_picklist || self.active_values().any(|v| v == value)
    }
}

/// One entry of the global describe (`GET /sobjects`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SObjectSummary {
    pub name: String,
    pub label: String,
    pub custom: bool,
    pub createable: bool,
    pub queryable: bool,
    pub key_prefix: Option<String>,
}

/// `GET /sobjects`: `{"encoding", "maxBatchSize", "sobjects": […]}`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct GlobalDescribe {
    pub sobjects: Vec<SObjectSummary>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_fields_follow_nillable_createable_and_defaults() {
        let describe: Describe = serde_json::from_str(
            r#"{"name":"Contact","createable":true,"fields":[
                {"name":"Id","type":"id","nillable":false,"createable":false,"defaultedOnCreate":true},
                {"name":"LastName","type":"string","length":80,"nillable":false,"createable":true},
                {"name":"OwnerId","type":"reference","nillable":false,"createable":true,"defaultedOnCreate":true,"referenceTo":["User"]},
                {"name":"DoNotCall","type":"boolean","nillable":false,"createable":true},
                {"name":"Email","type":"email","nillable":true,"createable":true},
                {"name":"Legacy_Id__c","type":"string","nillable":true,"createable":true,"externalId":true,"unique":true,"custom":true},
                {"name":"Tier__c","type":"picklist","nillable":true,"createable":true,"restrictedPicklist":true,
                 "picklistValues":[{"value":"Gold","label":"Gold","active":true,"defaultValue":false},
                                   {"value":"Old","label":"Old","active":false,"defaultValue":false}]}
            ],"unknownAttribute":42}"#,
        )
        .unwrap();
        let required: Vec<&str> = describe
            .required_fields()
            .iter()
            .map(|f| f.name.as_str())
            .collect();
        assert_eq!(required, vec!["LastName"]);
        assert_eq!(describe.external_id_fields()[0].name, "Legacy_Id__c");
        let tier = describe.field("tier__C").unwrap();
        assert!(tier.accepts_value("Gold"));
        assert!(!tier.accepts_value("Old"));
        assert!(describe.field("Email").unwrap().accepts_value("anything"));
        assert_eq!(
            describe.field("OwnerId").unwrap().reference_to,
            vec!["User"]
        );
    }
}
