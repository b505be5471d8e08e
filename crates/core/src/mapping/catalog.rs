//! What a destination holds and accepts, as the field map needs to know it:
//! its objects and fields (read live where the API allows), the standard
//! rows of its built-in map, where a Stames custom field lands by default,
//! and the values each enumeration may take.
//!
//! Destinations build a [`Catalog`] in their own `catalog.rs` (through
//! [`crate::destination::Destination::catalog`]) from the same `map/` units
//! their writers use, so the proposal agrees with what the writers do. The
//! core reads it without knowing which destination wrote it.

use super::model::{FieldRef, Target, ValueType};
use super::transform::Transform;
use crate::discover::ScopeReport;
use crate::model::{Channel, FieldObject, ObjectKind};
use serde::{Deserialize, Serialize};

/// A destination as the field map sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Catalog {
    /// As `deskshift.toml` names it.
    pub destination: String,
    pub objects: Vec<CatalogObject>,
    /// The built-in rows for the standard Stames fields (and for the fields
    /// of custom objects), in the order the file shows them.
    pub standard_rows: Vec<StandardRow>,
    /// Where each Stames custom field lands when no existing field fits.
    pub custom_landings: Vec<CustomLanding>,
    pub enumerations: Vec<Enumeration>,
}

impl Catalog {
    pub fn object(&self, name: &str) -> Option<&CatalogObject> {
        self.objects.iter().find(|o| o.name == name)
    }

    /// The field `field` points at: the field itself, or the data field it
    /// is a path into (`data.stames.fields.VIP?` → `data`).
    pub fn field(&self, field: &FieldRef) -> Option<&CatalogField> {
        let object = self.object(&field.object)?;
        object.field(&field.field).or_else(|| {
            object.fields.iter().find(|f| {
                f.value_type == ValueType::Data
                    && field
                        .field
                        .strip_prefix(f.name.as_str())
                        .is_some_and(|rest| rest.starts_with('.'))
            })
        })
    }

    /// The objects' names, comma-separated, for messages.
    pub fn object_names(&self) -> String {
        let names: Vec<&str> = self.objects.iter().map(|o| o.name.as_str()).collect();
        names.join(", ")
    }

    pub fn enumeration(&self, name: &str) -> Option<&Enumeration> {
        self.enumerations.iter().find(|e| e.name == name)
    }

    pub fn custom_landing(&self, object: FieldObject, key: &str) -> Option<&CustomLanding> {
        self.custom_landings
            .iter()
            .find(|l| l.object == object && l.key == key)
    }
}

/// An object of the destination (`Ticket`, `Case`, `Warranty__c`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogObject {
    pub name: String,
    pub label: String,
    pub fields: Vec<CatalogField>,
    /// Types a new custom field on this object may have, in no particular
    /// order; empty when deskshift cannot add fields to it.
    pub creatable_types: Vec<ValueType>,
}

impl CatalogObject {
    /// The field named `name`; destinations compare names case-insensitively.
    pub fn field(&self, name: &str) -> Option<&CatalogField> {
        self.fields
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }

    /// The type a new field holding `value_type` values should have here:
    /// the first of the type's landing preferences this object can create.
    pub fn landing_type(&self, value_type: ValueType) -> Option<ValueType> {
        value_type
            .landing_preference()
            .iter()
            .copied()
            .find(|t| self.creatable_types.contains(t))
    }
}

/// One field of a destination object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogField {
    /// The API name (`Subject`, `Warranty_Exp__c`) or, where the destination
    /// names custom fields by label (Gorgias), the label.
    pub name: String,
    pub label: String,
    pub value_type: ValueType,
    /// An insert must set it.
    pub required: bool,
    /// An insert may set it.
    pub createable: bool,
    /// Longest text it holds, in characters.
    pub max_length: Option<u32>,
    /// The values of a select field, when it has a list.
    pub picklist_values: Vec<String>,
    /// A custom field (made by someone), not one the destination ships with.
    pub custom: bool,
    /// deskshift fills it itself whatever the map says (idempotency keys,
    /// `via`, original dates): never proposed for a Stames custom field.
    pub managed: bool,
    /// The destination's own external id of the field, when it has one: a
    /// field an earlier deskshift run created carries the Stames field id.
    pub external_id: Option<String>,
}

impl CatalogField {
    /// A standard field an insert may set.
    pub fn standard(name: &str, value_type: ValueType) -> CatalogField {
        CatalogField {
            name: name.to_string(),
            label: name.to_string(),
            value_type,
            required: false,
            createable: true,
            max_length: None,
            picklist_values: Vec::new(),
            custom: false,
            managed: false,
            external_id: None,
        }
    }

    pub fn required(mut self) -> CatalogField {
        self.required = true;
        self
    }

    pub fn max_length(mut self, max: u32) -> CatalogField {
        self.max_length = Some(max);
        self
    }

    pub fn managed(mut self) -> CatalogField {
        self.managed = true;
        self
    }

    pub fn picklist(mut self, values: &[&str]) -> CatalogField {
        self.picklist_values = values.iter().map(|v| v.to_string()).collect();
        self
    }
}

/// A row of the destination's built-in map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StandardRow {
    pub object: ObjectKind,
    /// As [`super::MapRow::field`].
    pub field: String,
    pub target: Target,
    pub transform: Transform,
    pub reason: String,
}

impl StandardRow {
    /// A row landing in an existing field `Object.field`.
    pub fn to(
        object: ObjectKind,
        field: &str,
        target: &str,
        transform: Transform,
        reason: &str,
    ) -> StandardRow {
        let target = FieldRef::parse(target).map_or_else(
            || Target::Drop(format!("malformed built-in target `{target}`")),
            Target::Field,
        );
        StandardRow {
            object,
            field: field.to_string(),
            target,
            transform,
            reason: reason.to_string(),
        }
    }

    /// A row whose field is listed for a person, not migrated as data.
    pub fn inventory(object: ObjectKind, field: &str, why: &str) -> StandardRow {
        StandardRow {
            object,
            field: field.to_string(),
            target: Target::Inventory(why.to_string()),
            transform: Transform::Copy,
            reason: why.to_string(),
        }
    }

    /// A row whose field is not migrated.
    pub fn drop(object: ObjectKind, field: &str, why: &str) -> StandardRow {
        StandardRow {
            object,
            field: field.to_string(),
            target: Target::Drop(why.to_string()),
            transform: Transform::Copy,
            reason: why.to_string(),
        }
    }
}

impl StandardRow {
    /// The rows of what no destination migrates (DESIGN.md §4's last row):
    /// automations, rebuilt by a person as `automations_as`; channel
    /// credentials; the portal, rebuilt as `portal_as`.
    pub fn not_migrated(automations_as: &str, portal_as: &str) -> Vec<StandardRow> {
        vec![
            StandardRow::inventory(
                ObjectKind::Automations,
                super::WHOLE_RECORD,
                &format!(
                    "listed with trigger, conditions and actions for a person to rebuild as \
                     {automations_as}"
                ),
            ),
            StandardRow::inventory(
                ObjectKind::ChannelIntegrations,
                super::WHOLE_RECORD,
                "channel credentials are never exported: a reconnection checklist",
            ),
            StandardRow::inventory(
                ObjectKind::Portal,
                super::WHOLE_RECORD,
                &format!("not reachable through the Stames API: a checklist for {portal_as}"),
            ),
        ]
    }
}

/// Where a Stames custom field goes when no existing destination field
/// fits: a new field (named as the writer would name it) or a holder that
/// keeps any value (Gorgias customer data).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomLanding {
    pub object: FieldObject,
    /// The Stames field key.
    pub key: String,
    /// [`Target::NewField`] with the type the writer would create today, or
    /// [`Target::Field`] into a data holder.
    pub target: Target,
    /// Why it lands there (and what is lossy), in one line.
    pub reason: String,
}

/// An enumeration of the destination a value map feeds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Enumeration {
    /// The value map's name, e.g. `ticket_status`.
    pub name: String,
    /// The destination field it feeds, for people.
    pub field: FieldRef,
    /// The values the destination takes today.
    pub allowed: Vec<String>,
    /// `prepare` adds values the destination lacks (Salesforce picklists),
    /// so any non-empty value is accepted.
    pub extensible: bool,
    /// One suggestion per source value present, from the built-in map.
    pub suggestions: Vec<Suggestion>,
}

/// What the built-in map makes of one source value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suggestion {
    /// As Stames spells it.
    pub source: String,
    pub target: String,
    /// Whether the built-in map knows the source value (an unknown one gets
    /// the map's fallback and is flagged `unmatched`).
    pub recognised: bool,
    pub note: Option<String>,
}

/// The Stames enumerations a value map translates, and where discovery
/// counted their values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceEnumeration {
    TicketStatus,
    TicketPriority,
    Channel,
    AgentRole,
}

impl SourceEnumeration {
    pub const ALL: [SourceEnumeration; 4] = [
        SourceEnumeration::TicketStatus,
        SourceEnumeration::TicketPriority,
        SourceEnumeration::Channel,
        SourceEnumeration::AgentRole,
    ];

    /// The value map's name.
    pub fn name(self) -> &'static str {
        match self {
            SourceEnumeration::TicketStatus => "ticket_status",
            SourceEnumeration::TicketPriority => "ticket_priority",
            SourceEnumeration::Channel => "channel",
            SourceEnumeration::AgentRole => "agent_role",
        }
    }

    /// Every value present in the source with how many records carry it
    /// (tickets; for channels, tickets and messages; for roles, agents).
    pub fn values(self, scope: &ScopeReport) -> Vec<(String, u64)> {
        let counted = |map: &std::collections::BTreeMap<String, u64>| {
            map.iter().map(|(v, n)| (v.clone(), *n)).collect()
        };
        match self {
            SourceEnumeration::TicketStatus => counted(&scope.tickets.by_status),
            SourceEnumeration::TicketPriority => counted(&scope.tickets.by_priority),
            SourceEnumeration::AgentRole => counted(&scope.agents.by_role),
            SourceEnumeration::Channel => scope
                .channels
                .iter()
                .filter(|c| c.tickets + c.messages > 0)
                .map(|c| (c.channel.clone(), c.tickets + c.messages))
                .collect(),
        }
    }
}

impl SourceEnumeration {
    /// The destination enumeration this one feeds: one suggestion per value
    /// present in the source, from `suggest` (the destination's own value
    /// map unit) as (target, recognised, note).
    pub fn feeding(
        self,
        scope: &ScopeReport,
        field: FieldRef,
        allowed: Vec<String>,
        extensible: bool,
        suggest: impl Fn(&str) -> (String, bool, Option<String>),
    ) -> Enumeration {
        let suggestions = self
            .values(scope)
            .into_iter()
            .map(|(source, _)| {
                let (target, recognised, note) = suggest(&source);
                Suggestion {
                    source,
                    target,
                    recognised,
                    note,
                }
            })
            .collect();
        Enumeration {
            name: self.name().to_string(),
            field,
            allowed,
            extensible,
            suggestions,
        }
    }
}

/// The channel a scope report's channel label stands for (the inverse of
/// [`Channel::label`]).
pub fn channel_of_label(label: &str) -> Channel {
    Channel::KNOWN
        .into_iter()
        .find(|c| c.label() == label)
        .unwrap_or_else(|| Channel::Other(label.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_fields_take_paths_plain_fields_do_not() {
        let catalog = Catalog {
            destination: "x".into(),
            objects: vec![CatalogObject {
                name: "Customer".into(),
                label: "Customer".into(),
                fields: vec![
                    CatalogField::standard("data", ValueType::Data),
                    CatalogField::standard("name", ValueType::Text),
                ],
                creatable_types: vec![],
            }],
            standard_rows: vec![],
            custom_landings: vec![],
            enumerations: vec![],
        };
        let at = |s: &str| {
            catalog
                .field(&FieldRef::parse(s).unwrap())
                .map(|f| f.name.clone())
        };
        assert_eq!(
            at("Customer.data.stames.fields.VIP?").as_deref(),
            Some("data")
        );
        assert_eq!(at("Customer.NAME").as_deref(), Some("name"));
        assert_eq!(at("Customer.name.first"), None);
        assert_eq!(at("Customer.database"), None);
        assert_eq!(at("Ticket.name"), None);
    }

    #[test]
    fn landing_types_follow_preference_and_what_can_be_created() {
        let object = CatalogObject {
            name: "Ticket".into(),
            label: "Ticket".into(),
            fields: vec![],
            creatable_types: vec![ValueType::Text, ValueType::Number, ValueType::Boolean],
        };
        assert_eq!(object.landing_type(ValueType::Date), Some(ValueType::Text));
        assert_eq!(
            object.landing_type(ValueType::Number),
            Some(ValueType::Number)
        );
        assert_eq!(object.landing_type(ValueType::Reference), None);
    }

    #[test]
    fn channel_labels_round_trip() {
        for channel in Channel::KNOWN {
            assert_eq!(channel_of_label(&channel.label()), channel);
        }
        assert_eq!(channel_of_label("TikTok"), Channel::Other("TikTok".into()));
    }
}
