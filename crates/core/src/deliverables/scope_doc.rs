//! The scope document: counts, the custom-field mapping table, attachments,
//! channels and what the API cannot reach. Most of it is the scope report
//! already; this adds what the destination makes of it.

use super::Target;
use crate::discover::{AttachmentRef, FieldProfile, ScopeReport};
use crate::model::{FieldObject, FieldType, InventoryItem, ObjectKind};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CountRow {
    pub kind: ObjectKind,
    pub source: u64,
    pub read: u64,
    pub rejected: u64,
}

/// One custom field and where it would go.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldMappingRow {
    pub id: String,
    pub object: FieldObject,
    pub label: String,
    pub source_type: FieldType,
    pub fill_rate: f64,
    pub target: String,
    /// What is lost, when something is.
    pub lossy: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttachmentSection {
    pub count: u64,
    pub total_bytes: u64,
    pub largest: Vec<AttachmentRef>,
    pub requires_auth: u64,
    /// Files to re-host before migrating (up to twenty; all are in the ledger).
    pub requires_auth_examples: Vec<AttachmentRef>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChannelRow {
    pub channel: String,
    pub tickets: u64,
    pub messages: u64,
    pub integrations: Vec<String>,
    pub needs_manual_reconnection: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScopeDocument {
    pub reconciled: bool,
    pub counts: Vec<CountRow>,
    /// Where the field table comes from: proposed defaults until the map is
    /// confirmed.
    pub field_mapping_basis: String,
    pub field_mapping: Vec<FieldMappingRow>,
    pub attachments: AttachmentSection,
    pub channels: Vec<ChannelRow>,
    pub unreachable: Vec<InventoryItem>,
}

pub fn document(target: Target, scope: &ScopeReport) -> ScopeDocument {
    let a = &scope.attachments;
    ScopeDocument {
        reconciled: scope.reconciled,
        counts: ObjectKind::ALL
            .into_iter()
            .filter_map(|kind| {
                scope.counts.get(&kind).map(|c| CountRow {
                    kind,
                    source: c.source(),
                    read: c.read,
                    rejected: c.rejected,
                })
            })
            .collect(),
        field_mapping_basis: "proposed from the standard map; `deskshift map confirm` fixes the \
                              final one"
            .into(),
        field_mapping: scope
            .custom_fields
            .iter()
            .map(|f| {
                let (target, lossy) = proposed_field_target(target, f);
                FieldMappingRow {
                    id: f.id.clone(),
                    object: f.object,
                    label: f.label.clone(),
                    source_type: f.field_type,
                    fill_rate: f.fill_rate,
                    target,
                    lossy,
                }
            })
            .collect(),
        attachments: AttachmentSection {
            count: a.count,
            total_bytes: a.total_bytes,
            largest: a.largest.clone(),
            requires_auth: a.requires_auth,
            requires_auth_examples: a.requires_auth_examples.clone(),
        },
        channels: scope
            .channels
            .iter()
            .map(|c| ChannelRow {
                channel: c.channel.clone(),
                tickets: c.tickets,
                messages: c.messages,
                integrations: c.integrations.iter().map(|i| i.name.clone()).collect(),
                needs_manual_reconnection: c.needs_manual_reconnection,
            })
            .collect(),
        unreachable: scope.unreachable.clone(),
    }
}

/// The destination field a Stames field is proposed to become, and what is
/// lost. The one place the map issue replaces with the confirmed map.
pub fn proposed_field_target(target: Target, field: &FieldProfile) -> (String, Option<String>) {
    let lossy = |s: &str| Some(s.to_string());
    match (target, field.object, field.field_type) {
        (Target::Gorgias, FieldObject::Customer, _) => (
            format!("customer sidebar data (stames → fields → {})", field.label),
            lossy("a customer create cannot fill Gorgias customer fields (G7)"),
        ),
        (Target::Gorgias, FieldObject::Ticket, field_type) => match field_type {
            FieldType::Text => ("text field (input)".into(), None),
            FieldType::Number => ("number field (input_number)".into(), None),
            FieldType::Boolean => ("boolean field (dropdown true/false)".into(), None),
            FieldType::Select => ("text field (dropdown of the Stames options)".into(), None),
            FieldType::Date => (
                "text field (input)".into(),
                lossy("dates kept as ISO 8601 text (G6)"),
            ),
            FieldType::MultiSelect => (
                "text field (input)".into(),
                lossy("options joined with \", \" (G6)"),
            ),
        },
        (Target::Salesforce, object, field_type) => {
            let on = match object {
                FieldObject::Ticket => "Case",
                FieldObject::Customer => "Contact",
            };
            let kind = match field_type {
                FieldType::Text => "Text(255)",
                FieldType::Number => "Number(18, 2)",
                FieldType::Boolean => "Checkbox",
                FieldType::Select => "Picklist",
                FieldType::Date => "Date",
                FieldType::MultiSelect => "Multi-Select Picklist",
            };
            (format!("{kind} on {on}"), None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deliverables::fixture;

    #[test]
    fn gorgias_marks_dates_multi_selects_and_customer_fields_lossy() {
        let doc = document(Target::Gorgias, &fixture::scope());
        let by_id = |id: &str| doc.field_mapping.iter().find(|f| f.id == id).unwrap();
        assert!(by_id("1").lossy.as_deref().unwrap().contains("ISO 8601"));
        assert_eq!(by_id("2").lossy, None);
        assert!(by_id("3").target.contains("sidebar data"));
        assert_eq!(doc.attachments.requires_auth, 1);
        assert!(doc.channels.iter().any(|c| c.needs_manual_reconnection));
    }

    #[test]
    fn salesforce_maps_types_to_the_closest_field() {
        let doc = document(Target::Salesforce, &fixture::scope());
        assert_eq!(doc.field_mapping[0].target, "Date on Case");
        assert_eq!(doc.field_mapping[2].target, "Text(255) on Contact");
        assert!(doc.field_mapping.iter().all(|f| f.lossy.is_none()));
    }
}
